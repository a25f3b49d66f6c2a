/*-------------------------------------------------------------------------
 *
 * assiette.h
 *	  flux.classer: the classification of a unit for the assiette of a year.
 *
 * Only SQL-callable for now (flux_classer); the rule is described in
 * assiette.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_ASSIETTE_H
#define FLUX_ASSIETTE_H

#include "fmgr.h"

extern Datum flux_classer(PG_FUNCTION_ARGS);

#endif							/* FLUX_ASSIETTE_H */

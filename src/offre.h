/*-------------------------------------------------------------------------
 *
 * offre.h
 *	  A suitable offer: the household's effort rate, the unit's size.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_OFFRE_H
#define FLUX_OFFRE_H

#include "postgres.h"

/* R. 822-25 CCH: the least living area for a household of n persons, in m² */
extern int	SurfaceMinimale(int32 personnes);

#endif							/* FLUX_OFFRE_H */

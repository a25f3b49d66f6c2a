/*-------------------------------------------------------------------------
 *
 * flux.c
 *	  Entry point of the flux shared library.
 *
 * Each concern lives in its own file (taux.c, calendrier.c, repartition.c,
 * taux_regles.c, assiette.c); none needs initialisation at load time yet, so this file
 * only carries the module magic block.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;

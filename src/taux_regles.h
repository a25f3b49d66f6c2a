/*-------------------------------------------------------------------------
 *
 * taux_regles.h
 *	  Rules that turn reservations into a share of the flow.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_TAUX_REGLES_H
#define FLUX_TAUX_REGLES_H

#include "taux.h"

/* reserves / parc, rounded half up to 0.01 %; errors on bad input */
extern Taux TauxReservataire(int32 reserves, int32 parc);

#endif							/* FLUX_TAUX_REGLES_H */

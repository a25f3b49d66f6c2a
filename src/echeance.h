/*-------------------------------------------------------------------------
 *
 * echeance.h
 *	  The deadline sweep, and whether this backend is running it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_ECHEANCE_H
#define FLUX_ECHEANCE_H

/* true while flux.appliquer_echeances runs in this backend */
extern bool EcheanceEnCours(void);

#endif							/* FLUX_ECHEANCE_H */

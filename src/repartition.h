/*-------------------------------------------------------------------------
 *
 * repartition.h
 *	  Exact apportionment of a whole number of units between shares.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_REPARTITION_H
#define FLUX_REPARTITION_H

#include "taux.h"

/*
 * Split total units between nparts shares (in hundredths of a percent)
 * plus the implicit unreserved share 100 % - sum(parts); write the parts'
 * counts (not the unreserved one) into out[nparts].  The caller checked
 * that sum(parts) <= 100 % and total >= 0.
 */
extern void RepartirHamilton(int32 total, const Taux *parts, int nparts, int32 *out);

#endif							/* FLUX_REPARTITION_H */

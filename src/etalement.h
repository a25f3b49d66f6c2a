/*-------------------------------------------------------------------------
 *
 * etalement.h
 *	  Spreading whole units evenly: over years, and over a sequence.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_ETALEMENT_H
#define FLUX_ETALEMENT_H

#include "postgres.h"

/* the longest schedule, in years (an emphyteutic lease is at most 99) */
#define ECHEANCIER_ANNEES_MAX	99

/* volume units over annees years, earliest years first: out[annees] */
extern void Echeancier(int32 volume, int32 annees, int32 *out);

/*
 * An order of sum(nombres) positions in which share i appears nombres[i]
 * times, every prefix within one unit of its proportional quota: out gets
 * the 0-based share index of each position.
 */
extern void Entrelacer(const int32 *nombres, int n, int64 total, int32 *out);

#endif							/* FLUX_ETALEMENT_H */

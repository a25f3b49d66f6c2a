/*-------------------------------------------------------------------------
 *
 * fuzz_moteur.c
 *	  libFuzzer harness for MoteurClasser (src/moteur.c), the orientation
 *	  rule behind flux.classer_destinations and the replay.
 *
 * Two modes, picked by the first byte:
 *
 *	one call, in the ranges flux_classer_destinations validates: up to
 *	  DEST_MAX destinations, shares in [0, 10000] adding up to 10000 at
 *	  most, units given in [0, 2^63 - 1], units due in [0, 10^16]
 *	  hundredths (llround(due * 10000) of a due in [0, 10^12]), any retard
 *	  but NaN (+-infinity included), any priority.  Checked: the order is a
 *	  permutation of the destinations, the decision one of the three, and
 *	  the destinations without a share come last.
 *
 *	a year, as the engine is used: shares adding up to exactly 100 %
 *	  between 2 to YEAR_DEST_MAX destinations, every unit of the year
 *	  offered to all of them with the retards and priorities the input
 *	  gives, the first rank served.  Checked after every unit: the quota
 *	  bound the engine promises, |a_i - t p_i| <= 1 - 1/(2m - 2).
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz.h"

#include <math.h>

#include "moteur.h"
#include "taux.h"

#define DEST_MAX 64
#define YEAR_DEST_MAX 12
#define YEAR_UNITS_MAX 400
#define DU_MAX INT64CONST(10000000000000000)	/* 10^12 units due, in hundredths */
/* units given: what the wrapper accepts (-DDONNES_MAX=... to explore past a finding) */
#ifndef DONNES_MAX
#define DONNES_MAX PG_INT64_MAX
#endif

static double
un_retard(FuzzInput *in)
{
	switch (fuzz_bytes(in, 1) % 8)
	{
		case 0:
			return INFINITY;
		case 1:
			return -INFINITY;
		case 2:
			{
				/* any bit pattern but NaN */
				uint64		bits = fuzz_bytes(in, 8);
				double		x;

				memcpy(&x, &bits, sizeof(x));
				return isnan(x) ? 0.0 : x;
			}
		case 3:
			return 0.0;
		default:
			return (double) fuzz_range(in, -2000, 2000) / 8;
	}
}

static void
verifier_ordre(const Destination *dest, int k, const int *ordre, Decision decision)
{
	bool		vu[DEST_MAX];
	bool		sans_part = false;
	int			i;

	FUZZ_CHECK(decision == DECISION_QUOTA || decision == DECISION_SEGMENT ||
			   decision == DECISION_PRIORITE, "decision %d", (int) decision);
	memset(vu, 0, sizeof(vu));
	for (i = 0; i < k; i++)
	{
		FUZZ_CHECK(ordre[i] >= 0 && ordre[i] < k, "rank %d holds destination %d of %d",
				   i, ordre[i], k);
		FUZZ_CHECK(!vu[ordre[i]], "destination %d ranked twice", ordre[i]);
		vu[ordre[i]] = true;
		if (dest[ordre[i]].part == 0)
			sans_part = true;
		else
			FUZZ_CHECK(!sans_part, "destination %d with a share ranked after one without (rank %d)",
					   ordre[i], i);
	}
}

static void
un_appel(FuzzInput *in)
{
	int			k = (int) fuzz_range(in, 0, DEST_MAX);
	Destination dest[DEST_MAX];
	int			ordre[DEST_MAX + 1];
	int64		budget = TAUX_MAX;
	Decision	decision;
	int			i;

	for (i = 0; i < k; i++)
	{
		dest[i].part = fuzz_bytes(in, 1) % 4 == 0 ? 0 : (int32) fuzz_edgy(in, 0, budget);
		budget -= dest[i].part;
		dest[i].donnes = fuzz_bytes(in, 1) % 4 == 0 ? fuzz_edgy(in, 0, DONNES_MAX)
			: fuzz_range(in, 0, 1000);
		dest[i].du = fuzz_bytes(in, 1) % 4 == 0 ? fuzz_edgy(in, 0, DU_MAX)
			: fuzz_range(in, 0, 1000 * TAUX_MAX);
		dest[i].retard = un_retard(in);
		dest[i].priorite = fuzz_bool(in);
	}
	if (k > 0 && fuzz_bool(in))
		dest[k - 1].part += (int32) budget;	/* add up to exactly 100 % */

	ordre[k] = -12345;
	FuzzAllow(NULL);
	decision = MoteurClasser(dest, k, ordre);
	FUZZ_CHECK(ordre[k] == -12345, "MoteurClasser wrote past its %d ranks", k);
	verifier_ordre(dest, k, ordre, decision);
}

static void
une_annee(FuzzInput *in)
{
	int			k = (int) fuzz_range(in, 2, YEAR_DEST_MAX);
	int			unites = (int) fuzz_range(in, 1, YEAR_UNITS_MAX);
	Destination dest[YEAR_DEST_MAX];
	int			ordre[YEAR_DEST_MAX];
	int64		a[YEAR_DEST_MAX];
	int64		budget = TAUX_MAX;
	int64		d;
	int			m = 0;
	int			i,
				t;

	for (i = 0; i < k; i++)
	{
		dest[i].part = i == k - 1 ? (int32) budget : (int32) fuzz_edgy(in, 0, budget);
		budget -= dest[i].part;
		a[i] = 0;
		if (dest[i].part > 0)
			m++;
	}
	d = m >= 2 ? 2 * (int64) m - 2 : 2;

	for (t = 1; t <= unites; t++)
	{
		Decision	decision;

		for (i = 0; i < k; i++)
		{
			dest[i].donnes = a[i];
			dest[i].du = (int64) (t - 1) * dest[i].part;
			/* what the vacancy's segments say, when the input says anything */
			if (in->n > 0)
			{
				dest[i].retard = un_retard(in);
				dest[i].priorite = fuzz_bytes(in, 1) % 4 == 0;
			}
			else
			{
				dest[i].retard = 0;
				dest[i].priorite = false;
			}
		}
		FuzzAllow(NULL);
		decision = MoteurClasser(dest, k, ordre);
		verifier_ordre(dest, k, ordre, decision);
		a[ordre[0]]++;

		if (m < 2)
			continue;
		for (i = 0; i < k; i++)
		{
			int64		ecart;

			if (dest[i].part == 0)
			{
				FUZZ_CHECK(a[i] == 0, "unit %d went to destination %d, which has no share", t, i);
				continue;
			}
			ecart = a[i] * TAUX_MAX - (int64) t * dest[i].part;
			if (ecart < 0)
				ecart = -ecart;
			FUZZ_CHECK(ecart * d <= (d - 1) * TAUX_MAX,
					   "after unit %d destination %d (share %d of %d destinations, %d with a share) has "
					   INT64_FORMAT " units, beyond the quota bound 1 - 1/" INT64_FORMAT " (last choice %d, decision %d)",
					   t, i, dest[i].part, k, m, a[i], d, ordre[0], (int) decision);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput	in = {data, size};

	if (fuzz_bool(&in))
		une_annee(&in);
	else
		un_appel(&in);
	FuzzReset();
	return 0;
}

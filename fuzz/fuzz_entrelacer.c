/*-------------------------------------------------------------------------
 *
 * fuzz_entrelacer.c
 *	  libFuzzer harness for Entrelacer and Echeancier (src/etalement.c), the
 *	  kernels of flux.entrelacer and flux.echeancier.
 *
 * Inputs in the SQL wrappers' validated ranges: counts >= 0 (the wrapper
 * allows a total up to MaxArraySize; the kernel is O(total x n), so the
 * harness keeps total <= TOTAL_MAX and n <= SHARES_MAX, with a single count
 * as large as TOTAL_MAX); volume in [0, 2^31 - 1], years in [1, 99].
 * Checked:
 *	  - no error at all (the inputs are valid);
 *	  - every position names a share, and share i appears exactly
 *		nombres[i] times;
 *	  - Tijdeman's bound: at every prefix t, |a_i(t) - t p_i| <= 1 - 1/(2m - 2)
 *		for each of the m >= 2 shares with a count, p_i = nombres[i] / total;
 *	  - echeancier: the years add up to the volume, each year gets
 *		floor(V/Y) or ceil(V/Y), and the first k years ceil(k V / Y).
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz.h"

#include "etalement.h"

#define SHARES_MAX 40
#define TOTAL_MAX 3000

static void
verifier_entrelacer(FuzzInput *in)
{
	int			n = (int) fuzz_range(in, 0, SHARES_MAX);
	int32		nombres[SHARES_MAX];
	int64		vus[SHARES_MAX];
	int64		a[SHARES_MAX];
	int32		ordre[TOTAL_MAX + 1];
	int64		budget = fuzz_range(in, 0, TOTAL_MAX);
	int64		total = 0;
	int64		d;
	int			m = 0;
	int			i;
	int64		t;

	for (i = 0; i < n; i++)
	{
		/* zeros are common: a share that gets nothing this batch */
		nombres[i] = fuzz_bytes(in, 1) % 4 == 0 ? 0 : (int32) fuzz_edgy(in, 0, budget);
		budget -= nombres[i];
		total += nombres[i];
		vus[i] = a[i] = 0;
		if (nombres[i] > 0)
			m++;
	}

	ordre[total] = -12345;		/* canary: the kernel writes total positions */
	FuzzAllow(NULL);
	Entrelacer(nombres, n, total, ordre);
	FUZZ_CHECK(ordre[total] == -12345, "entrelacer wrote past its " INT64_FORMAT " positions", total);

	for (t = 0; t < total; t++)
	{
		FUZZ_CHECK(ordre[t] >= 0 && ordre[t] < n,
				   "entrelacer: position " INT64_FORMAT " names share %d of %d", t, ordre[t], n);
		vus[ordre[t]]++;
	}
	for (i = 0; i < n; i++)
		FUZZ_CHECK(vus[i] == nombres[i], "entrelacer: share %d appears " INT64_FORMAT " times, not %d",
				   i, vus[i], nombres[i]);

	if (m < 2)
		return;
	/* |a_i N - t n_i| <= (1 - 1/d) N, i.e. d |a_i N - t n_i| <= (d - 1) N */
	d = 2 * (int64) m - 2;
	for (t = 1; t <= total; t++)
	{
		a[ordre[t - 1]]++;
		for (i = 0; i < n; i++)
		{
			int64		ecart;

			if (nombres[i] == 0)
				continue;
			ecart = a[i] * total - t * nombres[i];
			if (ecart < 0)
				ecart = -ecart;
			FUZZ_CHECK(d * ecart <= (d - 1) * total,
					   "entrelacer: after " INT64_FORMAT " of " INT64_FORMAT " units share %d (%d) has "
					   INT64_FORMAT ", beyond Tijdeman's bound 1 - 1/" INT64_FORMAT,
					   t, total, i, nombres[i], a[i], d);
		}
	}
}

static void
verifier_echeancier(FuzzInput *in)
{
	int32		volume = (int32) fuzz_edgy(in, 0, PG_INT32_MAX);
	int32		annees = (int32) fuzz_edgy(in, 1, ECHEANCIER_ANNEES_MAX);
	int32		out[ECHEANCIER_ANNEES_MAX];
	int64		cumul = 0;
	int64		bas = volume / annees;
	int			k;

	FuzzAllow(NULL);
	Echeancier(volume, annees, out);
	for (k = 0; k < annees; k++)
	{
		FUZZ_CHECK(out[k] == bas || out[k] == bas + (volume % annees != 0),
				   "echeancier(%d, %d): year %d gets %d", volume, annees, k, out[k]);
		cumul += out[k];
		FUZZ_CHECK(cumul == ((int64) (k + 1) * volume + annees - 1) / annees,
				   "echeancier(%d, %d): " INT64_FORMAT " by the end of year %d",
				   volume, annees, cumul, k);
	}
	FUZZ_CHECK(cumul == volume, "echeancier(%d, %d) adds up to " INT64_FORMAT, volume, annees, cumul);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput	in = {data, size};

	if (fuzz_bytes(&in, 1) % 8 == 0)
		verifier_echeancier(&in);
	else
		verifier_entrelacer(&in);
	FuzzReset();
	return 0;
}

/*-------------------------------------------------------------------------
 *
 * fuzz_repartir.c
 *	  libFuzzer harness for RepartirHamilton (src/repartition.c), the kernel
 *	  of flux.repartir.
 *
 * Inputs in the SQL wrapper's validated ranges: total in [0, 2^31 - 1],
 * shares in [0, 10000] hundredths of a percent adding up to 10000 at most
 * (the wrapper refuses more), up to PARTS_MAX of them (the wrapper has no
 * bound but memory; the kernel is O(n log n)).  Checked:
 *	  - no error at all (the inputs are valid);
 *	  - the counts and the unreserved share's add up to total;
 *	  - each count is floor or ceil of its quota (the quota rule);
 *	  - the units left after the floors go to the largest remainders, ties
 *		to the lower index, the unreserved share last: the very counts of a
 *		separate quadratic reference.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz.h"

#include "repartition.h"

#define PARTS_MAX 300

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput	in = {data, size};
	int32		total = (int32) fuzz_edgy(&in, 0, PG_INT32_MAX);
	int			n = (int) fuzz_range(&in, 0, PARTS_MAX);
	bool		plein = fuzz_bool(&in);
	Taux		parts[PARTS_MAX + 1];
	int32		out[PARTS_MAX + 1];
	int64		reste[PARTS_MAX + 1];
	int64		attendu[PARTS_MAX + 1];
	bool		servi[PARTS_MAX + 1];
	int64		budget = TAUX_MAX;
	int64		somme = 0;
	int64		distribue = 0;
	int64		a_donner;
	int			i,
				r;

	for (i = 0; i < n; i++)
	{
		parts[i] = (Taux) fuzz_edgy(&in, 0, budget);
		budget -= parts[i];
	}
	/* often, the shares add up to exactly 100 % */
	if (plein && n > 0)
		parts[n - 1] += (Taux) budget;

	FuzzAllow(NULL);			/* valid inputs: any error is a finding */
	RepartirHamilton(total, parts, n, out);

	/* reference: floors, then the largest remainders, in O(n^2) */
	for (i = 0; i <= n; i++)
	{
		int64		p = i < n ? parts[i] : TAUX_MAX - somme;
		int64		q = (int64) total * p;

		if (i < n)
			somme += p;
		attendu[i] = q / TAUX_MAX;
		reste[i] = q % TAUX_MAX;
		servi[i] = false;
		distribue += attendu[i];
	}
	a_donner = total - distribue;
	FUZZ_CHECK(a_donner >= 0 && a_donner <= n, "reference: " INT64_FORMAT " units left", a_donner);
	for (r = 0; r < a_donner; r++)
	{
		int			meilleur = -1;

		for (i = 0; i <= n; i++)
			if (!servi[i] && (meilleur < 0 || reste[i] > reste[meilleur]))
				meilleur = i;
		servi[meilleur] = true;
		attendu[meilleur]++;
	}

	somme = 0;
	for (i = 0; i < n; i++)
	{
		int64		q = (int64) total * parts[i];

		FUZZ_CHECK(out[i] == attendu[i],
				   "repartir(%d): share %d (%d) got %d, Hamilton gives " INT64_FORMAT,
				   total, i, parts[i], out[i], attendu[i]);
		FUZZ_CHECK((int64) out[i] * TAUX_MAX >= q - (TAUX_MAX - 1) && (int64) out[i] * TAUX_MAX <= q + (TAUX_MAX - 1),
				   "repartir(%d): share %d (%d) got %d, not floor or ceil of its quota",
				   total, i, parts[i], out[i]);
		somme += out[i];
	}
	FUZZ_CHECK(somme + attendu[n] == total,
			   "repartir(%d): counts add up to " INT64_FORMAT " + unreserved " INT64_FORMAT,
			   total, somme, attendu[n]);

	FuzzReset();
	return 0;
}

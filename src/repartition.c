/*-------------------------------------------------------------------------
 *
 * repartition.c
 *	  flux.repartir: how many of a year's units each share is due.
 *
 * The largest-remainder (Hamilton) method.  With shares p_1 .. p_k in
 * hundredths of a percent and the implicit unreserved share
 * p_{k+1} = 10000 - sum(p_i), each share first gets the whole part of its
 * quota q_i = total * p_i / 10000; the units left over (fewer than k + 1)
 * go one each to the largest remainders total * p_i mod 10000.  Ties go to
 * the lower index, the unreserved share being the last index.
 *
 * Everything is exact integer arithmetic: total * p_i < 2^31 * 10^4 fits
 * an int64.  The counts sum to total (the unreserved share takes what the
 * returned parts do not), and each count is floor(q_i) or ceil(q_i): the
 * quota rule, which no rounding of each share on its own guarantees.
 *
 *   repartir(7, '{30%,20%,10%}'): quotas 2.1, 1.4, 0.7 and 2.8 unreserved;
 *   floors 2, 1, 0, 2 leave 2 units, for .8 (unreserved) and .7: {2,1,1}.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "repartition.h"

typedef struct Reste
{
	int64		reste;			/* total * p mod 10000 */
	int			indice;
} Reste;

/* largest remainder first, then lower index */
static int
reste_cmp(const void *a, const void *b)
{
	const Reste *ra = (const Reste *) a;
	const Reste *rb = (const Reste *) b;

	if (ra->reste != rb->reste)
		return ra->reste > rb->reste ? -1 : 1;
	return ra->indice - rb->indice;
}

void
RepartirHamilton(int32 total, const Taux *parts, int nparts, int32 *out)
{
	Reste	   *restes = palloc(sizeof(Reste) * (nparts + 1));
	int64		somme = 0;
	int64		distribue = 0;
	int64		reste_a_donner;
	int			i;

	Assert(total >= 0);
	for (i = 0; i <= nparts; i++)
	{
		int64		p;
		int64		q;

		if (i < nparts)
		{
			p = parts[i];
			somme += p;
		}
		else
			p = TAUX_MAX - somme;	/* the unreserved share */
		Assert(p >= 0);

		q = (int64) total * p;
		if (i < nparts)
			out[i] = (int32) (q / TAUX_MAX);
		distribue += q / TAUX_MAX;
		restes[i].reste = q % TAUX_MAX;
		restes[i].indice = i;
	}

	reste_a_donner = total - distribue;
	Assert(reste_a_donner >= 0 && reste_a_donner <= nparts);

	qsort(restes, nparts + 1, sizeof(Reste), reste_cmp);
	for (i = 0; i < reste_a_donner; i++)
		if (restes[i].indice < nparts)
			out[restes[i].indice]++;

	pfree(restes);
}

/* flux.repartir(integer, taux[]): units due to each share, exactly */
PG_FUNCTION_INFO_V1(flux_repartir);
Datum
flux_repartir(PG_FUNCTION_ARGS)
{
	int32		total = PG_GETARG_INT32(0);
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *elems;
	bool	   *nulls;
	int			nparts;
	Taux	   *parts;
	int32	   *counts;
	Datum	   *result;
	int64		somme = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			i;

	if (total < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of units to share must not be negative: %d", total),
				 errhint("Pass the number of units of the flow, zero or more.")));

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("shares must be a one-dimensional array, not %d dimensions",
						ARR_NDIM(arr)),
				 errhint("Pass one flux.taux per share, e.g. '{30%%,20%%}'.")));

	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign,
					  &elems, &nulls, &nparts);

	parts = palloc(sizeof(Taux) * Max(nparts, 1));
	for (i = 0; i < nparts; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("share %d is null", i + 1),
					 errhint("Every share must be a flux.taux; use '0%%' for a share that gets nothing.")));
		parts[i] = DatumGetTaux(elems[i]);
		somme += parts[i];
	}

	if (somme > TAUX_MAX)
	{
		char		buf[TAUX_FORMAT_LEN];

		TauxFormat(somme, buf);
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("shares add up to %s, more than 100%%", buf),
				 errdetail("The sum of the shares of one flow can never exceed 100%% (no surbooking)."),
				 errhint("Lower the shares so that they add up to 100%% at most; the rest is the bailleur's unreserved share.")));
	}

	counts = palloc(sizeof(int32) * Max(nparts, 1));
	RepartirHamilton(total, parts, nparts, counts);

	result = palloc(sizeof(Datum) * Max(nparts, 1));
	for (i = 0; i < nparts; i++)
		result[i] = Int32GetDatum(counts[i]);

	PG_RETURN_ARRAYTYPE_P(construct_array(result, nparts, INT4OID,
										  sizeof(int32), true, TYPALIGN_INT));
}

/*-------------------------------------------------------------------------
 *
 * etalement.c
 *	  Spreading whole units evenly, so that no one waits at the back.
 *
 * flux.echeancier(volume, annees): the years in which a réservataire may
 * use its single rights after the conversion.  Seed 002: "concernant les
 * plus petits réservataires, il pourrait être envisagé d'identifier dès la
 * conversion les années sur lesquelles ils pourraient faire valoir leurs
 * droits" so that they are not "noyés dans le flux".  Year k (from 0) gets
 *
 *		ceil((k + 1) * V / Y) - ceil(k * V / Y)
 *
 * so that by the end of any year the rights granted so far are the
 * proportional share rounded up: every year gets floor(V/Y) or ceil(V/Y),
 * and a small volume lands in definite, evenly spaced years, the first one
 * first.  3 rights over 10 years: years 0, 3 and 6 (1,0,0,1,0,0,1,0,0,0).
 *
 * flux.entrelacer(nombres): an order in which to hand out the N units of
 * one batch between m shares due nombres[i] = p_i N units each, so that at
 * every prefix t of the order each share has had its proportional part
 * t p_i to within 1 - 1/(2m - 2) of a unit: Tijdeman's bound for the
 * "chairman assignment problem" (R. Tijdeman, 1980), the best possible.
 * His rule: with sigma = 1 - 1/(2m - 2), turn t goes, among the shares
 * whose lag t p_i - a_i is at least 1 - sigma, to the one with the
 * earliest deadline (a_i + sigma) / p_i; ties to the lower index.  The first letting of a programme walks its
 * units from the smallest to the largest along this order, so that no
 * financer gets only the small or only the large ones.
 *
 * Both are exact integer arithmetic (128-bit products for the deadlines).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "etalement.h"

#ifndef HAVE_INT128
#error "flux.entrelacer needs a 128-bit integer type"
#endif

/* ceil(a / b) for a >= 0, b > 0 */
static inline int64
div_sup(int64 a, int64 b)
{
	return (a + b - 1) / b;
}

void
Echeancier(int32 volume, int32 annees, int32 *out)
{
	int			k;

	for (k = 0; k < annees; k++)
		out[k] = (int32) (div_sup((int64) (k + 1) * volume, annees)
						  - div_sup((int64) k * volume, annees));
}

void
Entrelacer(const int32 *nombres, int n, int64 total, int32 *out)
{
	int64	   *donnes = palloc0(sizeof(int64) * Max(n, 1));
	int64		d;
	int			actives = 0;
	int64		t;
	int			i;

	for (i = 0; i < n; i++)
		if (nombres[i] > 0)
			actives++;

	/* one share (or none): nothing to interleave */
	if (actives <= 1)
	{
		for (i = 0; i < n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			for (t = 0; t < nombres[i]; t++)
				*out++ = i;
		}
		pfree(donnes);
		return;
	}

	/* sigma = 1 - 1/d, d = 2m - 2 */
	d = 2 * (int64) actives - 2;
	for (t = 1; t <= total; t++)
	{
		int			meilleur = -1;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < n; i++)
		{
			int128		retard;

			if (nombres[i] == 0)
				continue;
			/* eligible: t p_i - a_i >= 1/d, i.e. d (t n_i - a_i N) >= N */
			retard = (int128) nombres[i] * t - (int128) donnes[i] * total;
			if (retard * d < total)
				continue;
			/* earliest deadline (a_i + sigma) / p_i: (d a_i + d - 1) / n_i */
			if (meilleur < 0
				|| ((int128) d * donnes[i] + d - 1) * nombres[meilleur]
				< ((int128) d * donnes[meilleur] + d - 1) * nombres[i])
				meilleur = i;
		}
		if (meilleur < 0)		/* cannot happen (Tijdeman 1980) */
			elog(ERROR, "flux.entrelacer found no share for turn " INT64_FORMAT, t);
		donnes[meilleur]++;
		out[t - 1] = meilleur;
	}
	pfree(donnes);
}

/* flux.echeancier(volume integer, annees integer) -> integer[] */
PG_FUNCTION_INFO_V1(flux_echeancier);
Datum
flux_echeancier(PG_FUNCTION_ARGS)
{
	int32		volume = PG_GETARG_INT32(0);
	int32		annees = PG_GETARG_INT32(1);
	int32	   *parts;
	Datum	   *result;
	int			k;

	if (volume < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("volume of rights to schedule must not be negative: %d", volume),
				 errhint("Pass the number of single rights, zero or more.")));
	if (annees < 1 || annees > ECHEANCIER_ANNEES_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("schedule must span 1 to %d years, not %d", ECHEANCIER_ANNEES_MAX, annees),
				 errhint("Pass the number of years the rights would still have run in stock.")));

	parts = palloc(sizeof(int32) * annees);
	Echeancier(volume, annees, parts);
	result = palloc(sizeof(Datum) * annees);
	for (k = 0; k < annees; k++)
		result[k] = Int32GetDatum(parts[k]);
	PG_RETURN_ARRAYTYPE_P(construct_array(result, annees, INT4OID,
										  sizeof(int32), true, TYPALIGN_INT));
}

/* flux.entrelacer(nombres integer[]) -> integer[] (1-based share numbers) */
PG_FUNCTION_INFO_V1(flux_entrelacer);
Datum
flux_entrelacer(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int32	   *nombres;
	int32	   *ordre;
	Datum	   *result;
	int64		total = 0;
	int64		limite = (int64) MaxArraySize;
	int64		k;
	int			i;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("counts must be a one-dimensional array, not %d dimensions",
						ARR_NDIM(arr)),
				 errhint("Pass one count per share, e.g. '{3,2,1}'.")));
	deconstruct_array(arr, INT4OID, sizeof(int32), true, TYPALIGN_INT,
					  &elems, &nulls, &n);

	nombres = palloc(sizeof(int32) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("count %d is null", i + 1),
					 errhint("Every share needs a count; use 0 for a share that gets nothing.")));
		nombres[i] = DatumGetInt32(elems[i]);
		if (nombres[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("count %d must not be negative: %d", i + 1, nombres[i]),
					 errhint("Pass the number of units each share is due, zero or more.")));
		total += nombres[i];
	}
	if (total > limite)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("counts add up to " INT64_FORMAT " units, more than an array can hold (" INT64_FORMAT ")",
						total, limite),
				 errhint("Interleave smaller batches.")));

	ordre = palloc(sizeof(int32) * Max(total, 1));
	Entrelacer(nombres, n, total, ordre);
	result = palloc(sizeof(Datum) * Max(total, 1));
	for (k = 0; k < total; k++)
		result[k] = Int32GetDatum(ordre[k] + 1);
	PG_RETURN_ARRAYTYPE_P(construct_array(result, (int) total, INT4OID,
										  sizeof(int32), true, TYPALIGN_INT));
}

/*-------------------------------------------------------------------------
 *
 * conversion.c
 *	  flux.droits_uniques: the volume of single rights a réservataire's
 *	  stock reservations convert to.
 *
 * The Île-de-France consensus (seed 002, "La conversion du stock en flux"):
 * every droit de suite still running becomes a volume of single-use rights
 * from the rotation rate and the remaining duration of the reservation.  A
 * unit reserved for y more years, in a stock whose units are relet at a
 * rotation rate of t % a year, would have been relet t/100 * y times: that
 * many single rights.  Over all of a réservataire's units,
 *
 *		droits = round(t / 100 * sum over units of y)
 *
 * rounded once, on the total, to the nearest (halves up), down or up as the
 * parties agreed.  The sum of years is computed by the caller from the
 * recorded reservations (flux.conversion); this kernel is the arithmetic,
 * exact in numeric.
 *
 *   100 units with 10 years left at 8 %: 0.08 * 1000 = 80 single rights.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "conversion.h"

Arrondi
ArrondiLire(const char *nom)
{
	if (strcmp(nom, "proche") == 0)
		return ARRONDI_PROCHE;
	if (strcmp(nom, "inferieur") == 0)
		return ARRONDI_INFERIEUR;
	if (strcmp(nom, "superieur") == 0)
		return ARRONDI_SUPERIEUR;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown rounding \"%s\"", nom),
			 errhint("Use 'proche' (nearest, halves up), 'inferieur' (down) or 'superieur' (up).")));
	pg_unreachable();
}

static bool
numeric_negatif(Numeric n)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(n),
											 NumericGetDatum(int64_to_numeric(0)))) < 0;
}

/*
 * flux.droits_uniques(annees_logement numeric, taux_rotation numeric,
 *					   arrondi text DEFAULT 'proche') -> integer
 */
PG_FUNCTION_INFO_V1(flux_droits_uniques);
Datum
flux_droits_uniques(PG_FUNCTION_ARGS)
{
	Numeric		annees = PG_GETARG_NUMERIC(0);
	Numeric		rotation = PG_GETARG_NUMERIC(1);
	char	   *nom = text_to_cstring(PG_GETARG_TEXT_PP(2));
	Arrondi		arrondi = ArrondiLire(nom);
	Datum		volume;

	if (numeric_is_nan(annees) || numeric_is_inf(annees) || numeric_negatif(annees))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("unit-years of reservation must be a finite number, zero or more, not %s",
						numeric_normalize(annees)),
				 errhint("Pass the sum, over the reserved units, of the years each reservation still runs.")));
	if (numeric_is_nan(rotation) || numeric_is_inf(rotation) || numeric_negatif(rotation)
		|| DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(rotation),
											 NumericGetDatum(int64_to_numeric(100)))) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("rotation rate must be between 0 and 100 percent, not %s",
						numeric_normalize(rotation)),
				 errhint("Pass the rotation rate in percent, e.g. 8.5 for 8.5 %%.")));

	/* y * t * 0.01: products of numerics are exact (a division is not) */
	volume = DirectFunctionCall2(numeric_mul,
								 DirectFunctionCall2(numeric_mul, NumericGetDatum(annees),
													 NumericGetDatum(rotation)),
								 NumericGetDatum(int64_div_fast_to_numeric(1, 2)));
	switch (arrondi)
	{
		case ARRONDI_PROCHE:
			volume = DirectFunctionCall2(numeric_round, volume, Int32GetDatum(0));
			break;
		case ARRONDI_INFERIEUR:
			volume = DirectFunctionCall1(numeric_floor, volume);
			break;
		case ARRONDI_SUPERIEUR:
			volume = DirectFunctionCall1(numeric_ceil, volume);
			break;
	}
	/* numeric_int4 raises 22003 past 2^31 - 1 */
	PG_RETURN_DATUM(DirectFunctionCall1(numeric_int4, volume));
}

/*-------------------------------------------------------------------------
 *
 * offre.c
 *	  Whether an offer suits a household (FAQ 000, "offre adaptée";
 *	  Publier convention art. 6.3): its effort rate and the unit's size.
 *
 * flux.taux_effort(loyer, charges, aide, ressources): R. 441-3-1 CCH,
 *
 *		(rent + charges - housing allowance) / resources, in percent,
 *
 * monthly amounts in euros, exact in numeric, rounded half up to 0.01 %.
 *
 * flux.surface_minimale(personnes): R. 822-25 CCH, the living area below
 * which a unit is overcrowded: 9 m² for one person, 16 m² for two, 9 m²
 * more per person beyond, 70 m² from eight persons on.
 *
 * flux.typologie_adaptee(nbpiece, surfhab, personnes, sous_occupation_max):
 * the unit is neither overcrowded (area at least surface_minimale when the
 * area is known; at least one room per two persons) nor under-occupied
 * (no more than personnes + sous_occupation_max rooms; a convention sets
 * the margin, 1 by default).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "offre.h"

int
SurfaceMinimale(int32 personnes)
{
	if (personnes <= 1)
		return 9;
	if (personnes >= 8)
		return 70;
	return 16 + 9 * (personnes - 2);
}

static int
numeric_compare(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a),
											 NumericGetDatum(b)));
}

static void
montant_verifier(Numeric n, const char *nom)
{
	if (numeric_is_nan(n) || numeric_is_inf(n) || numeric_compare(n, int64_to_numeric(0)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a finite amount, zero or more, not %s",
						nom, numeric_normalize(n)),
				 errhint("Pass monthly amounts in euros.")));
}

/* flux.taux_effort(loyer, charges, aide, ressources numeric) -> numeric */
PG_FUNCTION_INFO_V1(flux_taux_effort);
Datum
flux_taux_effort(PG_FUNCTION_ARGS)
{
	Numeric		loyer = PG_GETARG_NUMERIC(0);
	Numeric		charges = PG_GETARG_NUMERIC(1);
	Numeric		aide = PG_GETARG_NUMERIC(2);
	Numeric		ressources = PG_GETARG_NUMERIC(3);
	Datum		reste;
	Datum		taux;

	montant_verifier(loyer, "rent");
	montant_verifier(charges, "charges");
	montant_verifier(aide, "housing allowance");
	montant_verifier(ressources, "resources");
	if (numeric_compare(ressources, int64_to_numeric(0)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DIVISION_BY_ZERO),
				 errmsg("a household without resources has no effort rate"),
				 errhint("Pass the monthly resources of the persons who will live in the unit; study a household without resources case by case.")));

	reste = DirectFunctionCall2(numeric_sub,
								DirectFunctionCall2(numeric_add, NumericGetDatum(loyer),
													NumericGetDatum(charges)),
								NumericGetDatum(aide));
	if (numeric_compare(DatumGetNumeric(reste), int64_to_numeric(0)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("housing allowance %s exceeds rent %s plus charges %s",
						numeric_normalize(aide), numeric_normalize(loyer),
						numeric_normalize(charges)),
				 errhint("Check the amounts: the allowance never exceeds what the household pays.")));

	taux = DirectFunctionCall2(numeric_div,
							   DirectFunctionCall2(numeric_mul, reste,
												   NumericGetDatum(int64_to_numeric(100))),
							   NumericGetDatum(ressources));
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_round, taux, Int32GetDatum(2)));
}

static void
personnes_verifier(int32 personnes)
{
	if (personnes < 1 || personnes > 20)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("household of %d persons is out of range", personnes),
				 errhint("Pass the number of persons who will live in the unit, 1 to 20.")));
}

/* flux.surface_minimale(personnes integer) -> integer */
PG_FUNCTION_INFO_V1(flux_surface_minimale);
Datum
flux_surface_minimale(PG_FUNCTION_ARGS)
{
	int32		personnes = PG_GETARG_INT32(0);

	personnes_verifier(personnes);
	PG_RETURN_INT32(SurfaceMinimale(personnes));
}

/*
 * flux.typologie_adaptee(nbpiece integer, surfhab numeric, personnes integer,
 *						  sous_occupation_max integer DEFAULT 1) -> boolean
 * Not strict: an unknown area (NULL) is judged on the rooms alone.
 */
PG_FUNCTION_INFO_V1(flux_typologie_adaptee);
Datum
flux_typologie_adaptee(PG_FUNCTION_ARGS)
{
	int32		nbpiece;
	int32		personnes;
	int32		marge;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	nbpiece = PG_GETARG_INT32(0);
	personnes = PG_GETARG_INT32(2);
	marge = PG_GETARG_INT32(3);

	if (nbpiece < 1 || nbpiece > 9)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unit of %d rooms is out of range", nbpiece),
				 errhint("Pass RPLS NBPIECE, 1 to 9.")));
	personnes_verifier(personnes);
	if (marge < 0 || marge > 8)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("under-occupation margin of %d rooms is out of range", marge),
				 errhint("Pass 0 to 8 rooms beyond the number of persons.")));

	/* overcrowded: fewer than one room per two persons, or too small */
	if (nbpiece * 2 < personnes)
		PG_RETURN_BOOL(false);
	if (!PG_ARGISNULL(1))
	{
		Numeric		surface = PG_GETARG_NUMERIC(1);

		if (numeric_is_nan(surface) ||
			numeric_compare(surface, int64_to_numeric(SurfaceMinimale(personnes))) < 0)
			PG_RETURN_BOOL(false);
	}
	/* under-occupied */
	PG_RETURN_BOOL(nbpiece <= personnes + marge);
}

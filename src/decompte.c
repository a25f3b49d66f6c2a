/*-------------------------------------------------------------------------
 *
 * decompte.c
 *	  flux.decompte_etapes: the bilans' counters in one aggregate.
 *
 * Each orientation of a bilan adds one to every counter it belongs to:
 *
 *	  1  proposes					proposed (not cancelled)
 *	  2  attribues					attributed (CALEOL, or a validated
 *									illegitimate refusal)
 *	  3  refus_illegitimes			of which a validated illegitimate refusal
 *	  4  baux						lease signed
 *	  5  attribues_prioritaires		attributed to a priority household
 *	  6  attribues_dalo				attributed to a DALO household
 *	  7  baux_hors_qpv				lease outside QPV
 *	  8  baux_hors_qpv_q1			  of which to the 1st quartile
 *	  9  baux_hors_qpv_dalo			  of which to a DALO household
 *	 10  attribues_qpv				attributed in QPV
 *	 11  attribues_qpv_q234			  of which to quartiles 2 to 4
 *	 12  attribues_qpv_dalo			  of which to a DALO household
 *	 13  baux_prioritaires			lease signed by a priority household
 *
 * The state is a plain bigint[13] (not internal): partial aggregates travel
 * between parallel workers, and to a coordinator through postgres_fdw, as
 * ordinary arrays, so no serial/deserial function is needed; the combine
 * function adds them.  Called as an aggregate, the transition function
 * updates its state in place (as core's int8 average does); called
 * directly, it works on a copy.  A NULL flag counts as false.
 *
 * It replaces up to thirteen count(*) FILTER (WHERE ...) clauses, each of
 * which evaluates its filter and calls a transition function per row:
 * bench/bilan measures the one against the other in the same run.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "utils/array.h"

#define DECOMPTE_N 13

/* the state: a one-dimensional bigint array of DECOMPTE_N counters, no NULL */
static int64 *
compteurs(ArrayType *a, const char *quoi)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != DECOMPTE_N || ARR_HASNULL(a) ||
		ARR_ELEMTYPE(a) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of flux.decompte_etapes must be a bigint[] of %d counters without NULL",
						quoi, DECOMPTE_N),
				 errhint("Use the aggregate flux.decompte_etapes(...); its state starts at %d zeros.",
						 DECOMPTE_N)));
	return (int64 *) ARR_DATA_PTR(a);
}

static inline bool
vrai(FunctionCallInfo fcinfo, int n)
{
	return !PG_ARGISNULL(n) && PG_GETARG_BOOL(n);
}

PG_FUNCTION_INFO_V1(flux_decompte_etapes_ajouter);
Datum
flux_decompte_etapes_ajouter(PG_FUNCTION_ARGS)
{
	ArrayType  *etat;
	int64	   *c;
	bool		propose = vrai(fcinfo, 1),
				attribue = vrai(fcinfo, 2),
				refus = vrai(fcinfo, 3),
				bail = vrai(fcinfo, 4),
				qpv = vrai(fcinfo, 5),
				prioritaire = vrai(fcinfo, 6),
				dalo = vrai(fcinfo, 7);
	int			quartile = PG_ARGISNULL(8) ? 0 : PG_GETARG_INT16(8);

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the state of flux.decompte_etapes cannot be NULL"),
				 errhint("Use the aggregate flux.decompte_etapes(...); its state starts at %d zeros.",
						 DECOMPTE_N)));
	etat = AggCheckCallContext(fcinfo, NULL) ? PG_GETARG_ARRAYTYPE_P(0)
		: PG_GETARG_ARRAYTYPE_P_COPY(0);
	c = compteurs(etat, "the state");

	c[0] += propose;
	c[1] += attribue;
	c[2] += attribue && refus;
	c[3] += bail;
	c[4] += attribue && prioritaire;
	c[5] += attribue && dalo;
	c[6] += bail && !qpv;
	c[7] += bail && !qpv && quartile == 1;
	c[8] += bail && !qpv && dalo;
	c[9] += attribue && qpv;
	c[10] += attribue && qpv && quartile >= 2 && quartile <= 4;
	c[11] += attribue && qpv && dalo;
	c[12] += bail && prioritaire;

	PG_RETURN_ARRAYTYPE_P(etat);
}

PG_FUNCTION_INFO_V1(flux_decompte_etapes_combiner);
Datum
flux_decompte_etapes_combiner(PG_FUNCTION_ARGS)
{
	ArrayType  *a,
			   *b;
	int64	   *ca,
			   *cb;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the states combined by flux.decompte_etapes cannot be NULL"),
				 errhint("Use the aggregate flux.decompte_etapes(...); its state starts at %d zeros.",
						 DECOMPTE_N)));
	a = AggCheckCallContext(fcinfo, NULL) ? PG_GETARG_ARRAYTYPE_P(0)
		: PG_GETARG_ARRAYTYPE_P_COPY(0);
	b = PG_GETARG_ARRAYTYPE_P(1);
	ca = compteurs(a, "the first state");
	cb = compteurs(b, "the second state");
	for (i = 0; i < DECOMPTE_N; i++)
		if (pg_add_s64_overflow(ca[i], cb[i], &ca[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("counter %d of flux.decompte_etapes is out of range", i + 1),
					 errhint("A bilan counts at most 2^63 - 1 orientations.")));
	PG_RETURN_ARRAYTYPE_P(a);
}

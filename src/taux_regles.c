/*-------------------------------------------------------------------------
 *
 * taux_regles.c
 *	  Rate rules: the share of the flow a réservataire's reservations give.
 *
 * For a réservataire other than the State and the collectivities, the
 * share is its reserved units over the bailleur's total social units
 * (DOMAIN.md, "Shares"; FAQ 000 §4): 100 reservations on a 1 000-unit stock
 * give 10 %, rounded half up to the hundredth of a percent:
 *
 *		taux = floor((reserves * 10000 * 2 + parc) / (2 * parc)) hundredths
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "taux_regles.h"

Taux
TauxReservataire(int32 reserves, int32 parc)
{
	if (reserves < 0 || parc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("unit counts must not be negative: %d reserved, %d in the stock",
						reserves, parc),
				 errhint("Pass the number of reserved units and the size of the stock.")));
	if (parc == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DIVISION_BY_ZERO),
				 errmsg("stock of 0 units has no share to give"),
				 errhint("The stock (parc) must hold at least one unit.")));
	if (reserves > parc)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%d reserved units exceed the stock of %d units", reserves, parc),
				 errdetail("A reservataire cannot hold more than 100%% of the stock."),
				 errhint("Check that both counts cover the same bailleur and territory.")));

	return (Taux) (((int64) reserves * TAUX_MAX * 2 + parc) / ((int64) parc * 2));
}

/* flux.taux_reservataire(integer, integer): reserved units / stock */
PG_FUNCTION_INFO_V1(flux_taux_reservataire);
Datum
flux_taux_reservataire(PG_FUNCTION_ARGS)
{
	PG_RETURN_TAUX(TauxReservataire(PG_GETARG_INT32(0), PG_GETARG_INT32(1)));
}

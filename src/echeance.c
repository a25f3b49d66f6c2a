/*-------------------------------------------------------------------------
 *
 * echeance.c
 *	  flux.appliquer_echeances, the deadline sweep, and flux.origine_courante,
 *	  the history's origine of the change being recorded.
 *
 * The history of the workflow tells a change made by the sweep (origine
 * 'echeance') from a user's ('utilisateur').  Until 0.8.0 the sweep said so
 * through a custom setting, which any session could set as well.  Now the
 * sweep is this C function: it raises a flag that lives in the backend's
 * memory, runs the sweep's statements (the PL/pgSQL function
 * flux.balayer_echeances, through SPI), and lowers the flag whatever
 * happens (PG_FINALLY).  The triggers that write the history ask
 * flux.origine_courante(), which reads the flag.  SQL cannot set it: only a
 * call of flux.appliquer_echeances raises it, and only for the statements
 * of the sweep.  flux.balayer_echeances called directly does the same work
 * and is recorded as the user's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "echeance.h"

static bool en_echeance = false;

bool
EcheanceEnCours(void)
{
	return en_echeance;
}

/* flux.appliquer_echeances(a_la_date timestamptz) -> the transitions applied */
PG_FUNCTION_INFO_V1(flux_appliquer_echeances);
Datum
flux_appliquer_echeances(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		avant = en_echeance;
	Oid			types[1] = {TIMESTAMPTZOID};
	Datum		args[1];
	char		nuls[1];

	InitMaterializedSRF(fcinfo, 0);
	/* a NULL date goes to the sweep, which refuses it with its hint */
	args[0] = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
	nuls[0] = PG_ARGISNULL(0) ? 'n' : ' ';

	PG_TRY();
	{
		uint64		i;

		en_echeance = true;
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (SPI_execute_with_args("SELECT b.orientation_id, b.candidature_id, b.de, b.vers, b.echeance"
								  "  FROM flux.balayer_echeances($1) b",
								  1, types, args, nuls, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute_with_args failed on flux.balayer_echeances");
		if (SPI_tuptable->tupdesc->natts != rsinfo->setDesc->natts)
			elog(ERROR, "flux.balayer_echeances returns %d columns, not %d",
				 SPI_tuptable->tupdesc->natts, rsinfo->setDesc->natts);
		for (i = 0; i < SPI_processed; i++)
		{
			Datum		valeurs[5];
			bool		vides[5];

			CHECK_FOR_INTERRUPTS();
			heap_deform_tuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, valeurs, vides);
			/* the tuplestore copies the values into its own context */
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valeurs, vides);
		}
		SPI_finish();
	}
	PG_FINALLY();
	{
		en_echeance = avant;
	}
	PG_END_TRY();
	return (Datum) 0;
}

/* flux.origine_courante() -> 'echeance' inside the sweep, else 'utilisateur' */
PG_FUNCTION_INFO_V1(flux_origine_courante);
Datum
flux_origine_courante(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_TEXT_P(cstring_to_text(en_echeance ? "echeance" : "utilisateur"));
}

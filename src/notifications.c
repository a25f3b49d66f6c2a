/*-------------------------------------------------------------------------
 *
 * notifications.c
 *	  flux.orientation_notifier: the statement-level AFTER INSERT and AFTER
 *	  UPDATE trigger of flux.orientation that tells each partner's
 *	  application, through NOTIFY, of its new orientations and of their
 *	  changes of state (src/notifications.sql, docs/workflow.md).
 *
 * Until 0.13.0 it was one PL/pgSQL query over the transition tables: a
 * hash join to the conventions, a sort, a format() and two to_json() per
 * payload, about 40 000 instructions an orientation changed by the deadline
 * sweep, an eighth of the sweep (bench/workflow/instructions.sh).  Here the
 * transition tables are read once, the conventions they name are read in
 * one query (a plan kept for the session, run with the caller's rights and
 * row-level security, as the join was), and each payload is written
 * directly, byte for byte what the query wrote:
 *
 *	 INSERT	  for each new row sent to a convention, by increasing id, on
 *			  flux_reservataire_<its réservataire>:
 *			  {"evenement":"orientation","orientation_id":1,"convention_id":2,"echeance_reponse":"2024-03-15"}
 *			  (no "echeance_reponse" when it is NULL)
 *	 UPDATE	  for each row sent to a convention whose state changed, by
 *			  increasing id, on flux_reservataire_<id> then flux_bailleur_<id>:
 *			  {"evenement":"etat","orientation_id":1,"convention_id":2,"de":"proposee","vers":"acceptee"}
 *
 * A row whose convention the caller cannot see is not notified (the join
 * dropped it too).  Dates and states are JSON as to_json writes them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "orientation.h"

/* an orientation to notify */
typedef struct Evenement
{
	int64		id;
	int64		convention;
	Oid			de;				/* UPDATE: the old state */
	Oid			vers;			/* UPDATE: the new state */
	DateADT		echeance;		/* INSERT: echeance_reponse */
	bool		sans_echeance;
} Evenement;

/* a convention: whose it is */
typedef struct Destinataires
{
	int64		convention;		/* the key */
	int64		reservataire;
	int64		bailleur;
	bool		visible;
} Destinataires;

/* the columns read, checked once per statement */
typedef struct Colonnes
{
	int			id;
	int			convention;
	int			etat;
	int			echeance;
} Colonnes;

static SPIPlanPtr plan_conventions = NULL;

static int
par_id(const void *a, const void *b)
{
	int64		x = ((const Evenement *) a)->id;
	int64		y = ((const Evenement *) b)->id;

	return (x > y) - (x < y);
}

/*
 * The states of a statement as to_json writes an enum (its label, a JSON
 * string), each looked up in the catalog once per statement, not once per
 * payload: flux.etat_orientation has ten labels
 */
#define ETATS_MAX 32
typedef struct Etats
{
	int			n;
	Oid			label[ETATS_MAX];
	char	   *json[ETATS_MAX];
} Etats;

static void
ajouter_etat(StringInfo s, Etats *etats, Oid label)
{
	int			i;
	StringInfoData j;

	for (i = 0; i < etats->n; i++)
		if (etats->label[i] == label)
		{
			appendStringInfoString(s, etats->json[i]);
			return;
		}
	initStringInfo(&j);
	escape_json(&j, DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(label))));
	if (etats->n < ETATS_MAX)
	{
		etats->label[etats->n] = label;
		etats->json[etats->n++] = j.data;
	}
	appendStringInfoString(s, j.data);
}

/* the conventions of the events, in one query: convention -> destinataires */
static HTAB *
lire_conventions(Evenement *ev, int n)
{
	HASHCTL		ctl;
	HTAB	   *h;
	Datum	   *ids;
	int			k = 0;
	int			i;
	Oid			argtypes[1] = {INT8ARRAYOID};
	Datum		arg[1];
	uint64		r;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(Destinataires);
	ctl.hcxt = CurrentMemoryContext;
	h = hash_create("flux.orientation_notifier conventions", 64, &ctl,
					HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ids = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
	{
		bool		trouvee;
		Destinataires *d = hash_search(h, &ev[i].convention, HASH_ENTER, &trouvee);

		if (!trouvee)
		{
			d->visible = false;
			ids[k++] = Int64GetDatum(ev[i].convention);
		}
	}
	arg[0] = PointerGetDatum(construct_array(ids, k, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	if (SPI_execute_plan(OrientationPreparer(&plan_conventions,
											 "SELECT c.id, c.reservataire_id, c.bailleur_id FROM flux.convention c"
											 " WHERE c.id OPERATOR(pg_catalog.=) ANY ($1)",
											 1, argtypes),
						 arg, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed on flux.convention");
	for (r = 0; r < SPI_processed; r++)
	{
		HeapTuple	t = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		nul_id,
					nul_r,
					nul_b;
		int64		id = DatumGetInt64(SPI_getbinval(t, desc, 1, &nul_id));
		Datum		reservataire = SPI_getbinval(t, desc, 2, &nul_r);
		Datum		bailleur = SPI_getbinval(t, desc, 3, &nul_b);
		Destinataires *d;

		if (nul_id || nul_r || nul_b)
			elog(ERROR, "flux.convention %s has a NULL réservataire or bailleur",
				 nul_id ? "?" : psprintf(INT64_FORMAT, id));
		d = hash_search(h, &id, HASH_FIND, NULL);
		if (d == NULL)
			continue;
		d->reservataire = DatumGetInt64(reservataire);
		d->bailleur = DatumGetInt64(bailleur);
		d->visible = true;
	}
	return h;
}

/* the events of the statement: the rows sent to a convention (and, for an UPDATE, whose state changed) */
static Evenement *
lire_evenements(TriggerData *td, const Colonnes *c, int *n)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	bool		modification = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	TupleTableSlot *s_nouveau = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	TupleTableSlot *s_ancien = modification ? MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple) : NULL;
	int			taille = 64;
	Evenement  *ev = palloc(sizeof(Evenement) * taille);

	*n = 0;
	tuplestore_rescan(td->tg_newtable);
	if (modification)
		tuplestore_rescan(td->tg_oldtable);
	for (;;)
	{
		bool		a_nouveau = tuplestore_gettupleslot(td->tg_newtable, true, false, s_nouveau);
		bool		a_ancien = modification && tuplestore_gettupleslot(td->tg_oldtable, true, false, s_ancien);
		bool		nul,
					nul_de = false,
					nul_vers;
		Datum		convention,
					de = (Datum) 0,
					vers;
		Evenement  *e;

		if (modification && a_nouveau != a_ancien)
			elog(ERROR, "flux.orientation_notifier: the transition tables of an UPDATE differ in length");
		if (!a_nouveau)
			break;
		convention = slot_getattr(s_nouveau, c->convention, &nul);
		if (nul)
			continue;			/* hors flux: no partner */
		vers = slot_getattr(s_nouveau, c->etat, &nul_vers);
		if (modification)
		{
			/* the states, as IS DISTINCT FROM compares them */
			de = slot_getattr(s_ancien, c->etat, &nul_de);
			if (nul_de == nul_vers && (nul_de || DatumGetObjectId(de) == DatumGetObjectId(vers)))
				continue;
			if (nul_de || nul_vers)
				elog(ERROR, "flux.orientation_notifier: an orientation without a state");
		}
		if (*n == taille)
		{
			taille *= 2;
			ev = repalloc_huge(ev, sizeof(Evenement) * taille);
		}
		e = &ev[(*n)++];
		e->id = DatumGetInt64(slot_getattr(s_nouveau, c->id, &nul));
		if (nul)
			elog(ERROR, "flux.orientation_notifier: an orientation without an id");
		e->convention = DatumGetInt64(convention);
		e->de = DatumGetObjectId(de);
		e->vers = DatumGetObjectId(vers);
		if (!modification)
		{
			e->echeance = DatumGetDateADT(slot_getattr(s_nouveau, c->echeance, &e->sans_echeance));
		}
	}
	ExecDropSingleTupleTableSlot(s_nouveau);
	if (s_ancien != NULL)
		ExecDropSingleTupleTableSlot(s_ancien);
	return ev;
}

static void
notifier(const char *prefixe, int64 id, const char *charge)
{
	char		canal[NAMEDATALEN];

	snprintf(canal, sizeof(canal), "%s" INT64_FORMAT, prefixe, id);
	Async_Notify(canal, charge);
}

PG_FUNCTION_INFO_V1(flux_orientation_notifier);
Datum
flux_orientation_notifier(PG_FUNCTION_ARGS)
{
	TriggerData *td;
	Relation	rel;
	TupleDesc	desc;
	Colonnes	c;
	Evenement  *ev;
	HTAB	   *conventions;
	StringInfoData s;
	Etats		etats;
	int			n;
	int			i;
	Oid			etat_type;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flux.orientation_notifier must be called as a trigger"),
				 errhint("It is the notification trigger of flux.orientation (src/notifications.sql).")));
	td = (TriggerData *) fcinfo->context;
	rel = td->tg_relation;
	OrientationVerifierRelation(rel, OrientationRelation(), "flux.orientation_notifier", "notification");
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flux.orientation_notifier must fire AFTER INSERT or AFTER UPDATE, FOR EACH STATEMENT"),
				 errhint("CREATE TRIGGER ... AFTER UPDATE ON flux.orientation REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux.orientation_notifier().")));
	if (td->tg_newtable == NULL || (TRIGGER_FIRED_BY_UPDATE(td->tg_event) && td->tg_oldtable == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flux.orientation_notifier needs its transition tables"),
				 errhint("Declare REFERENCING NEW TABLE AS nouvelles (INSERT), or OLD TABLE AS anciennes NEW TABLE AS nouvelles (UPDATE).")));
	desc = RelationGetDescr(rel);
	etat_type = OrientationTypeFlux("etat_orientation");
	c.id = OrientationColonne(desc, "id", INT8OID);
	c.convention = OrientationColonne(desc, "convention_id", INT8OID);
	c.etat = OrientationColonne(desc, "etat", etat_type);
	c.echeance = OrientationColonne(desc, "echeance_reponse", DATEOID);

	ev = lire_evenements(td, &c, &n);
	if (n == 0)
		return PointerGetDatum(NULL);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	conventions = lire_conventions(ev, n);
	qsort(ev, n, sizeof(Evenement), par_id);
	/* NOTIFY as pg_notify sends it */
	PreventCommandDuringRecovery("NOTIFY");
	initStringInfo(&s);
	etats.n = 0;
	for (i = 0; i < n; i++)
	{
		Destinataires *d = hash_search(conventions, &ev[i].convention, HASH_FIND, NULL);

		if (d == NULL || !d->visible)
			continue;
		resetStringInfo(&s);
		if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		{
			appendStringInfo(&s, "{\"evenement\":\"orientation\",\"orientation_id\":" INT64_FORMAT
							 ",\"convention_id\":" INT64_FORMAT, ev[i].id, ev[i].convention);
			if (!ev[i].sans_echeance)
			{
				char		jour[MAXDATELEN + 1];

				JsonEncodeDateTime(jour, DateADTGetDatum(ev[i].echeance), DATEOID, NULL);
				appendStringInfo(&s, ",\"echeance_reponse\":\"%s\"", jour);
			}
			appendStringInfoChar(&s, '}');
			notifier("flux_reservataire_", d->reservataire, s.data);
		}
		else
		{
			appendStringInfo(&s, "{\"evenement\":\"etat\",\"orientation_id\":" INT64_FORMAT
							 ",\"convention_id\":" INT64_FORMAT ",\"de\":", ev[i].id, ev[i].convention);
			ajouter_etat(&s, &etats, ev[i].de);
			appendStringInfoString(&s, ",\"vers\":");
			ajouter_etat(&s, &etats, ev[i].vers);
			appendStringInfoChar(&s, '}');
			notifier("flux_reservataire_", d->reservataire, s.data);
			notifier("flux_bailleur_", d->bailleur, s.data);
		}
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}

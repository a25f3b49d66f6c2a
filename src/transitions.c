/*-------------------------------------------------------------------------
 *
 * transitions.c
 *	  flux.orientation_avant_modification: the BEFORE UPDATE trigger of
 *	  flux.orientation, the state machine and its deadlines.
 *
 * A change of an orientation:
 *
 *	 - never moves its vacancy, destination, date or zone, nor a deadline
 *	   (flux stamps them from the convention);
 *	 - changes its state only along flux.etats_suivants (read once per state
 *	   and statement: the SQL function stays the one table of transitions);
 *	 - an answer (proposee -> acceptee or refusee) is dated today unless
 *	   given, and refused after its deadline (silence was already acceptance,
 *	   or the orientation expired);
 *	 - acceptance under direct management stamps the notice deadline of an
 *	   impossibility to designate, from the orientation (Ornex art. 6);
 *	 - candidats_designes, attribuee and bail_signe need the candidates,
 *	   the CALEOL's attribution, the candidate's lease;
 *	 - the designation deadline: from the answer, capped a number of
 *	   calendar months after the orientation (carried to a jour ouvré when
 *	   the convention says so), plus the bailleur's extension; an extension
 *	   without such a deadline is refused;
 *	 - modifie_le is the transaction's time.
 *
 * It was PL/pgSQL until 0.11.0, at about 60 us a row: the deadline sweep
 * changes every orientation whose deadline passed in one UPDATE, so it is C
 * now, as flux.orientation_estampiller is: each convention is read once
 * per statement (a cache in fn_extra), through plans prepared once per
 * session.  The messages are the PL/pgSQL trigger's, word for word.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "calendrier.h"
#include "enums.h"
#include "orientation.h"

/* what the trigger needs of a convention */
typedef struct ConventionModifiee
{
	int64		id;				/* hash key */
	bool		trouvee;
	bool		directe;
	bool		silence_vaut_acceptation;
	int32		delai_impossibilite_jo;
	int32		delai_designation_jo;
	int32		delai_designation_max_mois;
	bool		report_jour_ouvre;
} ConventionModifiee;

/* the states an orientation may go to from one state, read once */
typedef struct Suivants
{
	Oid			etat;
	int			n;
	Oid		   *etats;
	char	   *liste;			/* "a, b, c" for the hint */
} Suivants;

#define ETATS_MAX 16

enum
{
	A_ID, A_VACANCE, A_CONVENTION, A_HORS_FLUX, A_DATE, A_ZONE,
	A_ECHEANCE_REPONSE, A_ECHEANCE_DESIGNATION, A_ECHEANCE_IMPOSSIBILITE,
	A_ETAT, A_DATE_REPONSE, A_PROLONGATION, A_DATE_BAIL, A_MODIFIE_LE,
	A_COUNT
};

static const char *const colonnes_noms[A_COUNT] = {
	"id", "vacance_id", "convention_id", "hors_flux", "date_orientation", "zone",
	"echeance_reponse", "echeance_designation", "echeance_impossibilite",
	"etat", "date_reponse", "prolongation_jo", "date_bail", "modifie_le"
};

/* per statement: the columns, the enum labels, the conventions read */
typedef struct Modification
{
	Oid			relation;
	int			att[A_COUNT];
	Oid			etat_type;
	Oid			proposee,
				acceptee,
				refusee,
				candidats_designes,
				attribuee,
				bail_signe;
	Oid			etats_suivants;	/* flux.etats_suivants(flux.etat_orientation) */
	int			n_suivants;
	Suivants	suivants[ETATS_MAX];
	HTAB	   *conventions;
} Modification;

static SPIPlanPtr plan_convention = NULL;
static SPIPlanPtr plan_candidats = NULL;
static SPIPlanPtr plan_attribution = NULL;
static SPIPlanPtr plan_bail = NULL;

static Oid
type_attendu(int a, Oid etat_type, Oid hors_flux_type)
{
	switch (a)
	{
		case A_ID:
		case A_VACANCE:
		case A_CONVENTION:
			return INT8OID;
		case A_HORS_FLUX:
			return hors_flux_type;
		case A_ZONE:
			return TEXTOID;
		case A_ETAT:
			return etat_type;
		case A_PROLONGATION:
			return INT4OID;
		case A_MODIFIE_LE:
			return TIMESTAMPTZOID;
		default:
			return DATEOID;
	}
}

static Modification *
modification(FunctionCallInfo fcinfo, Relation rel)
{
	Modification *m = (Modification *) fcinfo->flinfo->fn_extra;
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			hors_flux_type;
	HASHCTL		ctl;
	List	   *nom;
	Oid			argtypes[1];
	int			a;

	if (m != NULL)
	{
		OrientationVerifierRelation(rel, m->relation, "flux.orientation_avant_modification", "update");
		return m;
	}
	OrientationVerifierRelation(rel, OrientationRelation(), "flux.orientation_avant_modification", "update");
	m = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(Modification));
	m->relation = RelationGetRelid(rel);
	m->etat_type = OrientationTypeFlux("etat_orientation");
	hors_flux_type = OrientationTypeFlux("motif_hors_flux");
	for (a = 0; a < A_COUNT; a++)
		m->att[a] = OrientationColonne(desc, colonnes_noms[a], type_attendu(a, m->etat_type, hors_flux_type));
	m->proposee = EnumLabelOid(m->etat_type, "proposee");
	m->acceptee = EnumLabelOid(m->etat_type, "acceptee");
	m->refusee = EnumLabelOid(m->etat_type, "refusee");
	m->candidats_designes = EnumLabelOid(m->etat_type, "candidats_designes");
	m->attribuee = EnumLabelOid(m->etat_type, "attribuee");
	m->bail_signe = EnumLabelOid(m->etat_type, "bail_signe");
	nom = list_make2(makeString("flux"), makeString("etats_suivants"));
	argtypes[0] = m->etat_type;
	m->etats_suivants = LookupFuncName(nom, 1, argtypes, false);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(ConventionModifiee);
	ctl.hcxt = fcinfo->flinfo->fn_mcxt;
	m->conventions = hash_create("flux.orientation_avant_modification conventions", 16, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	fcinfo->flinfo->fn_extra = m;
	return m;
}

/*
 * Run a plan of the trigger, planned (on its first run, and whenever the
 * plan cache replans it) by index: the trigger reads one row by its key,
 * and a table empty when the session planned it would otherwise be scanned
 * whole for every row, for as long as the session lasts.
 */
static int
executer(SPIPlanPtr plan, Datum *arg)
{
	int			niveau = NewGUCNestLevel();
	int			rc;

	(void) set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	rc = SPI_execute_plan(plan, arg, NULL, false, 1);
	AtEOXact_GUC(true, niveau);
	return rc;
}

static ConventionModifiee *
convention(Modification *m, int64 id)
{
	bool		trouvee;
	ConventionModifiee *c = hash_search(m->conventions, &id, HASH_ENTER, &trouvee);
	Oid			argtypes[1] = {INT8OID};
	Datum		arg[1];

	if (trouvee)
		return c;
	memset(((char *) c) + sizeof(int64), 0, sizeof(ConventionModifiee) - sizeof(int64));
	arg[0] = Int64GetDatum(id);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (executer(OrientationPreparer(&plan_convention,
								  "SELECT c.mode::pg_catalog.text OPERATOR(pg_catalog.=) 'directe',"
								  "       c.silence_vaut_acceptation, c.delai_impossibilite_jo,"
								  "       c.delai_designation_jo, c.delai_designation_max_mois,"
								  "       c.report_jour_ouvre"
								  "  FROM flux.convention c WHERE c.id OPERATOR(pg_catalog.=) $1",
								  1, argtypes),
				 arg) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed on flux.convention");
	if (SPI_processed == 1)
	{
		HeapTuple	t = SPI_tuptable->vals[0];
		TupleDesc	d = SPI_tuptable->tupdesc;
		bool		isnull;

		c->trouvee = true;
		c->directe = DatumGetBool(SPI_getbinval(t, d, 1, &isnull)) && !isnull;
		c->silence_vaut_acceptation = DatumGetBool(SPI_getbinval(t, d, 2, &isnull)) && !isnull;
		c->delai_impossibilite_jo = DatumGetInt32(SPI_getbinval(t, d, 3, &isnull));
		c->delai_designation_jo = DatumGetInt32(SPI_getbinval(t, d, 4, &isnull));
		c->delai_designation_max_mois = DatumGetInt32(SPI_getbinval(t, d, 5, &isnull));
		c->report_jour_ouvre = DatumGetBool(SPI_getbinval(t, d, 6, &isnull)) && !isnull;
	}
	SPI_finish();
	return c;
}

/* flux.etats_suivants(etat), once per state and statement */
static Suivants *
suivants(FunctionCallInfo fcinfo, Modification *m, Oid etat)
{
	MemoryContext ancien;
	ArrayType  *tableau;
	Datum	   *elems;
	bool	   *nuls;
	StringInfoData liste;
	Suivants   *s;
	int			i;

	for (i = 0; i < m->n_suivants; i++)
		if (m->suivants[i].etat == etat)
			return &m->suivants[i];
	if (m->n_suivants >= ETATS_MAX)
		elog(ERROR, "flux.etat_orientation has more than %d labels", ETATS_MAX);
	ancien = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	s = &m->suivants[m->n_suivants];
	s->etat = etat;
	tableau = DatumGetArrayTypeP(OidFunctionCall1(m->etats_suivants, ObjectIdGetDatum(etat)));
	deconstruct_array(tableau, m->etat_type, 4, true, TYPALIGN_INT, &elems, &nuls, &s->n);
	s->etats = palloc(sizeof(Oid) * Max(s->n, 1));
	initStringInfo(&liste);
	for (i = 0; i < s->n; i++)
	{
		s->etats[i] = DatumGetObjectId(elems[i]);
		appendStringInfo(&liste, "%s%s", i > 0 ? ", " : "",
						 DatumGetCString(OidFunctionCall1(F_ENUM_OUT, elems[i])));
	}
	s->liste = liste.data;
	m->n_suivants++;
	MemoryContextSwitchTo(ancien);
	return s;
}

/* is there a candidate of the orientation (matching the query's condition)? */
static bool
candidats(SPIPlanPtr *plan, const char *sql, int64 orientation, bool avec_date, DateADT date)
{
	Oid			argtypes[2] = {INT8OID, DATEOID};
	Datum		arg[2];
	bool		existe;

	arg[0] = Int64GetDatum(orientation);
	arg[1] = DateADTGetDatum(date);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (executer(OrientationPreparer(plan, sql, avec_date ? 2 : 1, argtypes), arg) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed on flux.candidature");
	existe = SPI_processed > 0;
	SPI_finish();
	return existe;
}

static char *
texte_date(DateADT d)
{
	return DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(d)));
}

static char *
texte_etat(Oid etat)
{
	return DatumGetCString(OidFunctionCall1(F_ENUM_OUT, ObjectIdGetDatum(etat)));
}

/* (d + n months)::date, as SQL computes it (the end of a shorter month) */
static DateADT
plus_mois(DateADT d, int32 mois)
{
	Interval	iv;
	Datum		ts;

	memset(&iv, 0, sizeof(iv));
	iv.month = mois;
	ts = DirectFunctionCall2(date_pl_interval, DateADTGetDatum(d), IntervalPGetDatum(&iv));
	return DatumGetDateADT(DirectFunctionCall1(timestamp_date, ts));
}

/* flux.reporter: a deadline on a non-working day, to the next jour ouvré */
static DateADT
reporter(DateADT d, CalendrierZone zone, bool reporter)
{
	if (reporter && !CalendrierEstOuvre(d, zone))
		return CalendrierAjouterJoursOuvres(d, 1, zone);
	return d;
}

/* a value of the row, with its null flag */
#define VAL(t, a, nul) SPI_getbinval((t), desc, m->att[(a)], (nul))

/* do two nullable values of a column differ (binary: dates, ids, enums, text)? */
static bool
differe(HeapTuple a, HeapTuple b, TupleDesc desc, int att)
{
	bool		na,
				nb;
	Datum		va = SPI_getbinval(a, desc, att, &na);
	Datum		vb = SPI_getbinval(b, desc, att, &nb);
	Form_pg_attribute f = TupleDescAttr(desc, att - 1);

	if (na || nb)
		return na != nb;
	return !datum_image_eq(va, vb, f->attbyval, f->attlen);
}

PG_FUNCTION_INFO_V1(flux_orientation_avant_modification);
Datum
flux_orientation_avant_modification(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Modification *m;
	TupleDesc	desc;
	HeapTuple	ancien,
				nouveau;
	int64		id;
	bool		isnull;
	bool		nul_convention;
	int64		convention_id;
	ConventionModifiee *c = NULL;
	Oid			etat_ancien,
				etat_nouveau;
	bool		etat_change;
	int32		prolongation_ancienne,
				prolongation;
	DateADT		date_orientation;
	bool		zone_nulle;
	CalendrierZone zone = ZONE_METROPOLE;
	bool		date_reponse_nulle;
	DateADT		date_reponse;
	int			atts[4];
	Datum		valeurs[4];
	bool		nuls[4] = {false, false, false, false};
	int			n = 0;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flux.orientation_avant_modification must fire BEFORE UPDATE FOR EACH ROW"),
				 errhint("It is the update trigger of flux.orientation only.")));
	m = modification(fcinfo, td->tg_relation);
	desc = RelationGetDescr(td->tg_relation);
	ancien = td->tg_trigtuple;
	nouveau = td->tg_newtuple;
	id = DatumGetInt64(VAL(ancien, A_ID, &isnull));

	if (differe(ancien, nouveau, desc, m->att[A_VACANCE]) || differe(ancien, nouveau, desc, m->att[A_CONVENTION]) ||
		differe(ancien, nouveau, desc, m->att[A_HORS_FLUX]) || differe(ancien, nouveau, desc, m->att[A_DATE]) ||
		differe(ancien, nouveau, desc, m->att[A_ZONE]))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("orientation " INT64_FORMAT " cannot change its vacancy, destination or date", id),
				 errhint("Cancel it (etat = 'annulee') and create a new orientation.")));
	if (differe(ancien, nouveau, desc, m->att[A_ECHEANCE_REPONSE]) ||
		differe(ancien, nouveau, desc, m->att[A_ECHEANCE_DESIGNATION]) ||
		differe(ancien, nouveau, desc, m->att[A_ECHEANCE_IMPOSSIBILITE]))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("orientation " INT64_FORMAT ": deadlines are stamped by flux from the convention", id),
				 errhint("To give the réservataire more time to designate, record an extension: prolongation_jo and motif_prolongation.")));

	convention_id = DatumGetInt64(VAL(nouveau, A_CONVENTION, &nul_convention));
	if (!nul_convention)
	{
		c = convention(m, convention_id);
		if (!c->trouvee)
			c = NULL;			/* the foreign key reports it */
	}
	date_orientation = DatumGetDateADT(VAL(nouveau, A_DATE, &isnull));
	(void) VAL(nouveau, A_ZONE, &zone_nulle);
	if (!zone_nulle)
		zone = CalendrierZoneFromText(TextDatumGetCString(VAL(nouveau, A_ZONE, &isnull)));
	etat_ancien = DatumGetObjectId(VAL(ancien, A_ETAT, &isnull));
	etat_nouveau = DatumGetObjectId(VAL(nouveau, A_ETAT, &isnull));
	etat_change = etat_nouveau != etat_ancien;
	date_reponse = DatumGetDateADT(VAL(nouveau, A_DATE_REPONSE, &date_reponse_nulle));

	if (etat_change)
	{
		Suivants   *s = suivants(fcinfo, m, etat_ancien);
		bool		permis = false;
		int			i;

		for (i = 0; i < s->n; i++)
			permis |= s->etats[i] == etat_nouveau;
		if (!permis)
		{
			char	   *de = texte_etat(etat_ancien);

			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("orientation " INT64_FORMAT " cannot go from %s to %s", id, de, texte_etat(etat_nouveau)),
					 s->n == 0
					 ? errhint("%s is final: create a new orientation of the vacancy.", de)
					 : errhint("From %s it may go to: %s.", de, s->liste)));
		}

		if (etat_ancien == m->proposee && (etat_nouveau == m->acceptee || etat_nouveau == m->refusee))
		{
			bool		echeance_nulle;
			DateADT		echeance = DatumGetDateADT(VAL(ancien, A_ECHEANCE_REPONSE, &echeance_nulle));

			if (date_reponse_nulle)
			{
				date_reponse = GetSQLCurrentDate();
				date_reponse_nulle = false;
				atts[n] = m->att[A_DATE_REPONSE], valeurs[n++] = DateADTGetDatum(date_reponse);
			}
			if (!echeance_nulle && date_reponse > echeance)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("orientation " INT64_FORMAT ": the answer of %s comes after its deadline %s", id,
								texte_date(date_reponse), texte_date(echeance)),
						 errdetail(c != NULL && c->silence_vaut_acceptation
								   ? "Under the convention, silence until the deadline was acceptance."
								   : "Under the convention, the orientation expired at the deadline."),
						 errhint("Run flux.appliquer_echeances() to apply it, then go on from there.")));
		}

		/*
		 * the notice that it cannot designate: from the transmission of the
		 * offer (the orientation), not from the acceptance (Ornex art. 6)
		 */
		if (etat_nouveau == m->acceptee && c != NULL && c->directe)
		{
			atts[n] = m->att[A_ECHEANCE_IMPOSSIBILITE];
			nuls[n] = zone_nulle;
			valeurs[n++] = zone_nulle ? (Datum) 0
				: DateADTGetDatum(CalendrierAjouterJoursOuvres(date_orientation, c->delai_impossibilite_jo, zone));
		}
		if (etat_nouveau == m->candidats_designes &&
			!candidats(&plan_candidats,
					   "SELECT 1 FROM flux.candidature k WHERE k.orientation_id OPERATOR(pg_catalog.=) $1",
					   id, false, 0))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("orientation " INT64_FORMAT " has no candidate yet", id),
					 errhint("Insert the candidates into flux.candidature: the orientation follows.")));
		if (etat_nouveau == m->attribuee &&
			!candidats(&plan_attribution,
					   "SELECT 1 FROM flux.candidature k WHERE k.orientation_id OPERATOR(pg_catalog.=) $1"
					   "   AND k.decision_caleol::pg_catalog.text OPERATOR(pg_catalog.=) ANY ('{attribution,attribution_sous_condition}')",
					   id, false, 0))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("orientation " INT64_FORMAT " has no candidate the CALEOL attributed the unit to", id),
					 errhint("Record the CALEOL decision on the candidate (decision_caleol, date_caleol): the orientation follows.")));
		if (etat_nouveau == m->bail_signe)
		{
			bool		bail_nul;
			DateADT		bail = DatumGetDateADT(VAL(nouveau, A_DATE_BAIL, &bail_nul));

			if (bail_nul ||
				!candidats(&plan_bail,
						   "SELECT 1 FROM flux.candidature k WHERE k.orientation_id OPERATOR(pg_catalog.=) $1"
						   "   AND k.date_bail OPERATOR(pg_catalog.=) $2",
						   id, true, bail))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("orientation " INT64_FORMAT " has no candidate's lease signed on %s", id,
								bail_nul ? "any date" : texte_date(bail)),
						 errhint("Record date_bail on the candidate who signed: the orientation follows.")));
		}
	}

	/*
	 * the designation deadline: from the answer, capped a number of calendar
	 * months after the orientation, plus the bailleur's extension
	 */
	prolongation_ancienne = DatumGetInt32(VAL(ancien, A_PROLONGATION, &isnull));
	prolongation = DatumGetInt32(VAL(nouveau, A_PROLONGATION, &isnull));
	(void) VAL(nouveau, A_ECHEANCE_DESIGNATION, &isnull);
	if (c != NULL && c->directe && !date_reponse_nulle &&
		(etat_nouveau == m->acceptee || etat_nouveau == m->candidats_designes) &&
		(etat_change || prolongation != prolongation_ancienne || isnull))
	{
		atts[n] = m->att[A_ECHEANCE_DESIGNATION];
		nuls[n] = zone_nulle;
		if (zone_nulle)
			valeurs[n++] = (Datum) 0;
		else
		{
			DateADT		jo = CalendrierAjouterJoursOuvres(date_reponse, c->delai_designation_jo, zone);
			DateADT		plafond = reporter(plus_mois(date_orientation, c->delai_designation_max_mois),
										   zone, c->report_jour_ouvre);

			valeurs[n++] = DateADTGetDatum(CalendrierAjouterJoursOuvres(Min(jo, plafond), prolongation, zone));
		}
	}
	else if (prolongation != prolongation_ancienne)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("orientation " INT64_FORMAT " (%s) has no designation deadline to extend", id,
						texte_etat(etat_nouveau)),
				 errhint("An extension applies to an accepted orientation under direct management, before the CALEOL.")));

	atts[n] = m->att[A_MODIFIE_LE];
	valeurs[n++] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	return PointerGetDatum(heap_modify_tuple_by_cols(nouveau, desc, n, atts, valeurs, nuls));
}

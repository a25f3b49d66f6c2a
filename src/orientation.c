/*-------------------------------------------------------------------------
 *
 * orientation.c
 *	  flux.orientation_estampiller: the BEFORE INSERT trigger of
 *	  flux.orientation, and flux.zone_de.
 *
 * A new orientation is stamped from its convention: the holiday zone of the
 * convention's département (the unit's: the statement-level trigger
 * flux.orientation_verifier_insertion checks they agree, with every other
 * rule, in one set-based pass), and
 *
 *	 direct management		etat proposee, echeance_reponse = the
 *							delai_reponse_jo-th jour ouvré after the
 *							orientation's date in that zone
 *	 delegated management	etat acceptee, date_reponse = the date (the
 *							bailleur designates: no answer step)
 *	 outside the flux		etat acceptee, date_reponse = the date, the zone
 *							of the unit's département
 *
 * This runs once per row of an INSERT that may carry 100 000 orientations,
 * so it is C: each convention is read once per statement (a cache in
 * fn_extra, which lives as long as the statement), through a plan prepared
 * once per session; bench/workflow measures it against the bare INSERT.
 * A stamp, answer, attribution, lease or extension given by the user on
 * INSERT is refused: they are flux's, or later steps.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "calendrier.h"
#include "enums.h"
#include "orientation.h"

static const char *const zone_noms[ZONE_COUNT] = {
	"metropole", "alsace-moselle", "guadeloupe", "martinique", "guyane", "reunion", "mayotte"
};

const char *
ZoneNom(CalendrierZone zone)
{
	return zone_noms[zone];
}

CalendrierZone
ZoneDeDepartement(const char *d)
{
	if (strcmp(d, "57") == 0 || strcmp(d, "67") == 0 || strcmp(d, "68") == 0)
		return ZONE_ALSACE_MOSELLE;
	if (strcmp(d, "971") == 0)
		return ZONE_GUADELOUPE;
	if (strcmp(d, "972") == 0)
		return ZONE_MARTINIQUE;
	if (strcmp(d, "973") == 0)
		return ZONE_GUYANE;
	if (strcmp(d, "974") == 0)
		return ZONE_REUNION;
	if (strcmp(d, "976") == 0)
		return ZONE_MAYOTTE;
	return ZONE_METROPOLE;
}

/*
 * Is d a département code: 01 to 95 without 20, 2A, 2B, 971 to 976 (what
 * flux.verifier_departement accepts)?
 */
static bool
EstDepartement(const char *d)
{
	size_t		n = strlen(d);

	if (n == 3)
		return d[0] == '9' && d[1] == '7' && d[2] >= '1' && d[2] <= '6';
	if (n != 2)
		return false;
	if (d[0] == '2')
		return d[1] == 'A' || d[1] == 'B' || (d[1] >= '1' && d[1] <= '9');
	if (d[0] == '0')
		return d[1] >= '1' && d[1] <= '9';
	if (d[0] == '9')
		return d[1] >= '0' && d[1] <= '5';
	return d[0] >= '1' && d[0] <= '8' && d[1] >= '0' && d[1] <= '9';
}

/* flux.zone_de(departement text) -> text; not strict: a NULL is refused */
PG_FUNCTION_INFO_V1(flux_zone_de);
Datum
flux_zone_de(PG_FUNCTION_ARGS)
{
	char	   *d;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("département is NULL"),
				 errhint("Pass a département code such as '01', '2A' or '974'.")));
	d = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (!EstDepartement(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a département code", d),
				 errhint("A département is two characters ('01' to '95', '2A', '2B') or three overseas ('971' to '976'): write '01', not '1'.")));
	PG_RETURN_TEXT_P(cstring_to_text(ZoneNom(ZoneDeDepartement(d))));
}

/* what the trigger needs of a convention */
typedef struct ConventionLue
{
	int64		id;				/* hash key */
	bool		trouvee;
	bool		deleguee;
	int32		delai_reponse_jo;
	CalendrierZone zone;
} ConventionLue;

/* per statement: the columns, the enum labels, the conventions read */
typedef struct Estampille
{
	Oid			relation;		/* flux.orientation, checked on every call */
	int			att_vacance,
				att_convention,
				att_hors_flux,
				att_etat,
				att_date,
				att_zone,
				att_echeance_reponse,
				att_date_reponse,
				att_prolongation;
	int			att_stamps[5];	/* must be NULL on INSERT */
	int			att_attributaire;	/* too, since 0.8.0 (0 before) */
	Oid			proposee,
				acceptee;
	HTAB	   *conventions;
} Estampille;

static const char *const stamps_noms[5] = {
	"echeance_designation", "echeance_impossibilite", "date_attribution", "date_bail", "motif_prolongation"
};

/* plans kept for the session (revalidated by the plan cache on DDL) */
static SPIPlanPtr plan_convention = NULL;
static SPIPlanPtr plan_departement = NULL;

/* the column nom of flux.orientation, of type type (both triggers) */
int
OrientationColonne(TupleDesc desc, const char *nom, Oid type)
{
	int			att = SPI_fnumber(desc, nom);

	if (att <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flux.orientation has no column \"%s\"", nom),
				 errhint("The table was altered; ALTER EXTENSION flux UPDATE, or restore it as flux defines it.")));
	if (TupleDescAttr(desc, att - 1)->atttypid != type)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("column \"%s\" of flux.orientation is of type %s, not %s", nom,
						format_type_be(TupleDescAttr(desc, att - 1)->atttypid), format_type_be(type)),
				 errhint("The table was altered; ALTER EXTENSION flux UPDATE, or restore it as flux defines it.")));
	return att;
}

/* a type of schema flux, by name */
Oid
OrientationTypeFlux(const char *nom)
{
	Oid			type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(nom),
									   ObjectIdGetDatum(get_namespace_oid("flux", false)));

	if (!OidIsValid(type))
		elog(ERROR, "type flux.%s does not exist", nom);
	return type;
}

/* the triggers fire on flux.orientation, and on nothing else */
Oid
OrientationRelation(void)
{
	Oid			nsp = get_namespace_oid("flux", true);

	return OidIsValid(nsp) ? get_relname_relid("orientation", nsp) : InvalidOid;
}

/* trigger (its name) is the quoi (insertion, update) trigger of flux.orientation */
void
OrientationVerifierRelation(Relation rel, Oid attendue, const char *trigger, const char *quoi)
{
	if (!OidIsValid(attendue) || RelationGetRelid(rel) != attendue)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s fired on table \"%s.%s\", not on flux.orientation", trigger,
						get_namespace_name(RelationGetNamespace(rel)), RelationGetRelationName(rel)),
				 errhint("It is the %s trigger of flux.orientation only; drop the trigger from \"%s\".",
						 quoi, RelationGetRelationName(rel))));
}


static Estampille *
estampille(FunctionCallInfo fcinfo, Relation rel)
{
	Estampille *e = (Estampille *) fcinfo->flinfo->fn_extra;
	TupleDesc	desc = RelationGetDescr(rel);
	HASHCTL		ctl;
	Oid			etat_type;
	int			i;

	if (e != NULL)
	{
		OrientationVerifierRelation(rel, e->relation, "flux.orientation_estampiller", "insertion");
		return e;
	}
	/* the relation and every column read or written, before any use */
	OrientationVerifierRelation(rel, OrientationRelation(), "flux.orientation_estampiller", "insertion");
	etat_type = OrientationTypeFlux("etat_orientation");
	e = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(Estampille));
	e->relation = RelationGetRelid(rel);
	e->att_vacance = OrientationColonne(desc, "vacance_id", INT8OID);
	e->att_convention = OrientationColonne(desc, "convention_id", INT8OID);
	e->att_hors_flux = OrientationColonne(desc, "hors_flux", OrientationTypeFlux("motif_hors_flux"));
	e->att_etat = OrientationColonne(desc, "etat", etat_type);
	e->att_date = OrientationColonne(desc, "date_orientation", DATEOID);
	e->att_zone = OrientationColonne(desc, "zone", TEXTOID);
	e->att_echeance_reponse = OrientationColonne(desc, "echeance_reponse", DATEOID);
	e->att_date_reponse = OrientationColonne(desc, "date_reponse", DATEOID);
	e->att_prolongation = OrientationColonne(desc, "prolongation_jo", INT4OID);
	for (i = 0; i < 5; i++)
		e->att_stamps[i] = OrientationColonne(desc, stamps_noms[i], i == 4 ? TEXTOID : DATEOID);
	/* since 0.8.0: a table of an earlier version's SQL has none */
	e->att_attributaire = SPI_fnumber(desc, "attributaire_id") > 0
		? OrientationColonne(desc, "attributaire_id", INT8OID) : 0;
	e->proposee = EnumLabelOid(etat_type, "proposee");
	e->acceptee = EnumLabelOid(etat_type, "acceptee");

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(ConventionLue);
	ctl.hcxt = fcinfo->flinfo->fn_mcxt;
	e->conventions = hash_create("flux.orientation_estampiller conventions", 16, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	fcinfo->flinfo->fn_extra = e;
	return e;
}

/* a plan of the triggers, prepared once and kept for the session */
SPIPlanPtr
OrientationPreparer(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, argtypes);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*plan = p;
	}
	return *plan;
}

/* read a convention once per statement */
static ConventionLue *
convention_lue(Estampille *e, int64 id)
{
	bool		trouvee;
	ConventionLue *c = hash_search(e->conventions, &id, HASH_ENTER, &trouvee);
	Oid			argtypes[1] = {INT8OID};
	Datum		arg[1];

	if (trouvee)
		return c;
	c->trouvee = false;
	arg[0] = Int64GetDatum(id);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(OrientationPreparer(&plan_convention,
								  "SELECT c.mode::pg_catalog.text OPERATOR(pg_catalog.=) 'deleguee',"
								  "       c.delai_reponse_jo, c.departement"
								  "  FROM flux.convention c WHERE c.id OPERATOR(pg_catalog.=) $1",
								  1, argtypes),
						 arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed on flux.convention");
	if (SPI_processed == 1)
	{
		bool		isnull;
		HeapTuple	t = SPI_tuptable->vals[0];
		TupleDesc	d = SPI_tuptable->tupdesc;

		c->trouvee = true;
		c->deleguee = DatumGetBool(SPI_getbinval(t, d, 1, &isnull));
		c->delai_reponse_jo = DatumGetInt32(SPI_getbinval(t, d, 2, &isnull));
		c->zone = ZoneDeDepartement(SPI_getvalue(t, d, 3));
	}
	SPI_finish();
	return c;
}

/* the zone of a vacancy's unit (outside the flux: no convention) */
static bool
zone_du_logement(int64 vacance, CalendrierZone *zone)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		arg[1];
	bool		trouve = false;

	arg[0] = Int64GetDatum(vacance);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(OrientationPreparer(&plan_departement,
								  "SELECT l.departement FROM flux.vacance v"
								  "  JOIN flux.logement l ON l.id OPERATOR(pg_catalog.=) v.logement_id"
								  " WHERE v.id OPERATOR(pg_catalog.=) $1",
								  1, argtypes),
						 arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed on flux.vacance");
	if (SPI_processed == 1)
	{
		*zone = ZoneDeDepartement(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
		trouve = true;
	}
	SPI_finish();
	return trouve;
}

PG_FUNCTION_INFO_V1(flux_orientation_estampiller);
Datum
flux_orientation_estampiller(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	tuple;
	Estampille *e;
	Datum		valeurs[4];
	bool		nuls[4] = {false, false, false, false};
	int			atts[4];
	int			n = 0;
	bool		isnull;
	DateADT		date;
	CalendrierZone zone;
	int			i;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flux.orientation_estampiller must fire BEFORE INSERT FOR EACH ROW"),
				 errhint("It is the insertion trigger of flux.orientation only.")));
	e = estampille(fcinfo, td->tg_relation);
	desc = RelationGetDescr(td->tg_relation);
	tuple = td->tg_trigtuple;

	if (DatumGetObjectId(SPI_getbinval(tuple, desc, e->att_etat, &isnull)) != e->proposee || isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a new orientation starts proposed, not %s",
						isnull ? "NULL" : SPI_getvalue(tuple, desc, e->att_etat)),
				 errhint("Insert it without etat; flux sets the state (accepted at once under delegated management or outside the flux).")));
	for (i = 0; i < 5; i++)
		n += heap_attisnull(tuple, e->att_stamps[i], desc) ? 0 : 1;
	n += heap_attisnull(tuple, e->att_zone, desc) ? 0 : 1;
	n += heap_attisnull(tuple, e->att_echeance_reponse, desc) ? 0 : 1;
	n += heap_attisnull(tuple, e->att_date_reponse, desc) ? 0 : 1;
	if (e->att_attributaire > 0)
		n += heap_attisnull(tuple, e->att_attributaire, desc) ? 0 : 1;
	if (n > 0 || DatumGetInt32(SPI_getbinval(tuple, desc, e->att_prolongation, &isnull)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a new orientation has no deadline, answer, extension, attribution or lease yet"),
				 errhint("Insert vacance_id, convention_id (or hors_flux) and date_orientation; flux stamps the deadlines, and each later step is an UPDATE.")));

	date = DatumGetDateADT(SPI_getbinval(tuple, desc, e->att_date, &isnull));
	if (isnull)
		return PointerGetDatum(tuple);	/* NOT NULL reports it */
	n = 0;

	(void) SPI_getbinval(tuple, desc, e->att_hors_flux, &isnull);
	if (!isnull)
	{
		/* outside the flux: the bailleur designates, no deadline */
		int64		vacance = DatumGetInt64(SPI_getbinval(tuple, desc, e->att_vacance, &isnull));

		if (isnull || !zone_du_logement(vacance, &zone))
			return PointerGetDatum(tuple);	/* the constraints report it */
		atts[n] = e->att_etat, valeurs[n++] = ObjectIdGetDatum(e->acceptee);
		atts[n] = e->att_date_reponse, valeurs[n++] = DateADTGetDatum(date);
	}
	else
	{
		int64		id = DatumGetInt64(SPI_getbinval(tuple, desc, e->att_convention, &isnull));
		ConventionLue *c;

		if (isnull)
			return PointerGetDatum(tuple);	/* orientation_destination reports it */
		c = convention_lue(e, id);
		if (!c->trouvee)
			return PointerGetDatum(tuple);	/* the foreign key reports it */
		zone = c->zone;
		if (c->deleguee)
		{
			atts[n] = e->att_etat, valeurs[n++] = ObjectIdGetDatum(e->acceptee);
			atts[n] = e->att_date_reponse, valeurs[n++] = DateADTGetDatum(date);
		}
		else
		{
			atts[n] = e->att_echeance_reponse;
			valeurs[n++] = DateADTGetDatum(CalendrierAjouterJoursOuvres(date, c->delai_reponse_jo, zone));
		}
	}
	atts[n] = e->att_zone, valeurs[n++] = CStringGetTextDatum(ZoneNom(zone));

	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, n, atts, valeurs, nuls));
}

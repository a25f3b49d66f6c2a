/*-------------------------------------------------------------------------
 *
 * assiette.c
 *	  flux.classer: why a unit is or is not in the assiette of year N.
 *
 * The rule, in this order, for year N (J = 1 January N):
 *
 *	 1. hors_parc			not in the stock on J: left it on or before J, or
 *							put into service after year N
 *	 2. never concerned		hors_champ set (foyer, résidence sociale or
 *							universitaire, intermediate); student housing
 *							(TYPECONST E); let to an association, a
 *							logement-foyer (MODE 4); intermediate housing
 *							(FINAN or CUS 16, PLI); a SEM's unit that is not
 *							APL-conventionné
 *	 3. premiere_location	first letting (year of service, else LOCAT) in N
 *							or later: a new programme's first letting stays
 *							in stock; its units join the assiette in N + 1
 *							(entree_programmes 'annee_suivante', Ornex 5.3,
 *							Publier art. 3); with 'premiere_vacance' (the
 *							Île-de-France reading) only a first letting after
 *							N stays out: the units of a programme first let in
 *							N are in the assiette of N, their first letting
 *							stays in stock (flux.vacance.premiere_location)
 *							and their next vacancy goes to the flux
 *	 4. excluded (B), the first that applies of:
 *			a. the motive set by hand (exclusion): defence, internal
 *			   security, health, for sale, to be demolished; PLAI adapté
 *			   and gens du voyage only when the year's charter options say
 *			   so (otherwise the unit goes on to b.)
 *			b. RPLS: SORTIEPATRIM 1, 2, 3 (sold) or 4 (demolished) with a
 *			   date_sortie inside year N (after J, before 1 January N + 1):
 *			   vente or demolition.  SORTIEPATRIM 5 (other exit) is no
 *			   exclusion: the unit stays in the assiette of N and is
 *			   hors_parc from N + 1
 *			c. a plan of the bailleur covering N for the unit itself
 *			   (flux.plan_patrimoine.logement_id): its nature
 *			d. a plan covering N for the unit's programme: its nature
 *	 5. assiette (C)
 *
 * It runs once per unit of a stock (1.3 M rows for Île-de-France), so it is
 * C; bench/assiette has its plain-SQL twin.  Enum arguments and the result
 * are compared as OIDs, looked up once per call site and kept in fn_extra.
 *
 * One C entry serves two SQL signatures: the 14 arguments of 0.2.0 (no
 * SORTIEPATRIM, no plan, annee_suivante: rules 4b to 4d never apply) and
 * the 18 of 0.10.0, which add sortiepatrim, the natures of the plans of the
 * unit and of its programme for year N (looked up by the caller), and
 * entree_programmes.  Every added argument is checked: a code or a label
 * the rule does not know is 22023, never a silent class.  A NULL year
 * gives NULL (no class), never a class that does not apply.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/syscache.h"

#include "assiette.h"
#include "enums.h"

/* the result labels, in the order of the flux.classement enum */
typedef enum Classement
{
	CL_ASSIETTE = 0,
	CL_DEFENSE,
	CL_SECURITE_INTERIEURE,
	CL_SANTE,
	CL_VENTE,
	CL_DEMOLITION,
	CL_PLAI_ADAPTE,
	CL_GENS_DU_VOYAGE,
	CL_LOGEMENT_FOYER,
	CL_RESIDENCE_SOCIALE,
	CL_RESIDENCE_UNIVERSITAIRE,
	CL_INTERMEDIAIRE,
	CL_SEM_NON_CONVENTIONNE,
	CL_PREMIERE_LOCATION,
	CL_HORS_PARC,
	CL_COUNT
} Classement;

static const char *const classement_labels[CL_COUNT] = {
	"assiette", "defense", "securite_interieure", "sante", "vente", "demolition",
	"plai_adapte", "gens_du_voyage", "logement_foyer", "residence_sociale",
	"residence_universitaire", "intermediaire", "sem_non_conventionne",
	"premiere_location", "hors_parc"
};

/* flux.motif_hors_champ labels, mapped to their classement */
static const char *const hors_champ_labels[] = {
	"logement_foyer", "residence_sociale", "residence_universitaire", "intermediaire"
};
static const Classement hors_champ_classement[] = {
	CL_LOGEMENT_FOYER, CL_RESIDENCE_SOCIALE, CL_RESIDENCE_UNIVERSITAIRE, CL_INTERMEDIAIRE
};

/* flux.motif_exclusion labels, mapped to their classement */
static const char *const exclusion_labels[] = {
	"defense", "securite_interieure", "sante", "vente", "demolition",
	"plai_adapte", "gens_du_voyage"
};
static const Classement exclusion_classement[] = {
	CL_DEFENSE, CL_SECURITE_INTERIEURE, CL_SANTE, CL_VENTE, CL_DEMOLITION,
	CL_PLAI_ADAPTE, CL_GENS_DU_VOYAGE
};

#define N_HORS_CHAMP lengthof(hors_champ_labels)
#define N_EXCLUSION lengthof(exclusion_labels)

/* the arguments of the 0.10.0 signature (0-based) */
#define ARG_SORTIEPATRIM	14
#define ARG_PLAN_LOGEMENT	15
#define ARG_PLAN_PROGRAMME	16
#define ARG_ENTREE			17
#define NARGS_0_2_0			14
#define NARGS_0_10_0		18

/* per call site: the OIDs of every label the rule compares or returns */
typedef struct ClasserCache
{
	Oid			resultat[CL_COUNT];
	Oid			sem;
	Oid			hors_champ[N_HORS_CHAMP];
	Oid			exclusion[N_EXCLUSION];
	/* 0.10.0 only (InvalidOid otherwise) */
	Oid			plan_vente;
	Oid			plan_demolition;
	Oid			entree_annee_suivante;
	Oid			entree_premiere_vacance;
} ClasserCache;

/* what the 0.10.0 arguments say, checked */
typedef struct ClasserExtra
{
	int			sortiepatrim;	/* 0 = not given */
	Classement	plan_logement;	/* CL_ASSIETTE = no plan */
	Classement	plan_programme;
	bool		premiere_vacance;
} ClasserExtra;


static ClasserCache *
classer_cache(FunctionCallInfo fcinfo)
{
	ClasserCache *c = (ClasserCache *) fcinfo->flinfo->fn_extra;
	Oid			famille_type,
				hors_champ_type,
				exclusion_type,
				resultat_type;
	int			i;

	if (c != NULL)
		return c;

	famille_type = get_fn_expr_argtype(fcinfo->flinfo, 1);
	hors_champ_type = get_fn_expr_argtype(fcinfo->flinfo, 7);
	exclusion_type = get_fn_expr_argtype(fcinfo->flinfo, 8);
	resultat_type = get_fn_expr_rettype(fcinfo->flinfo);
	if (!OidIsValid(famille_type) || !OidIsValid(hors_champ_type) ||
		!OidIsValid(exclusion_type) || !OidIsValid(resultat_type))
		elog(ERROR, "flux.classer: could not determine its argument types");

	c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ClasserCache));
	for (i = 0; i < CL_COUNT; i++)
		c->resultat[i] = EnumLabelOid(resultat_type, classement_labels[i]);
	c->sem = EnumLabelOid(famille_type, "sem");
	for (i = 0; i < (int) N_HORS_CHAMP; i++)
		c->hors_champ[i] = EnumLabelOid(hors_champ_type, hors_champ_labels[i]);
	for (i = 0; i < (int) N_EXCLUSION; i++)
		c->exclusion[i] = EnumLabelOid(exclusion_type, exclusion_labels[i]);
	if (PG_NARGS() == NARGS_0_10_0)
	{
		Oid			plan_type = get_fn_expr_argtype(fcinfo->flinfo, ARG_PLAN_LOGEMENT);
		Oid			entree_type = get_fn_expr_argtype(fcinfo->flinfo, ARG_ENTREE);

		if (!OidIsValid(plan_type) || !OidIsValid(entree_type) ||
			get_fn_expr_argtype(fcinfo->flinfo, ARG_PLAN_PROGRAMME) != plan_type)
			elog(ERROR, "flux.classer: could not determine its argument types");
		c->plan_vente = EnumLabelOid(plan_type, "vente");
		c->plan_demolition = EnumLabelOid(plan_type, "demolition");
		c->entree_annee_suivante = EnumLabelOid(entree_type, "annee_suivante");
		c->entree_premiere_vacance = EnumLabelOid(entree_type, "premiere_vacance");
	}
	fcinfo->flinfo->fn_extra = c;
	return c;
}

/* the name of an enum value, for a message */
static const char *
enum_nom(Oid v)
{
	return DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(v)));
}

/* the nature of a plan (argument n): vente, demolition, or none */
static Classement
plan_nature(FunctionCallInfo fcinfo, const ClasserCache *c, int n)
{
	Oid			v;

	if (PG_ARGISNULL(n))
		return CL_ASSIETTE;
	v = PG_GETARG_OID(n);
	if (v == c->plan_vente)
		return CL_VENTE;
	if (v == c->plan_demolition)
		return CL_DEMOLITION;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("flux.classer does not know the plan nature \"%s\"", enum_nom(v)),
			 errhint("A label was added to flux.nature_plan; flux classifies only vente and demolition.")));
	return CL_ASSIETTE;			/* keep the compiler quiet */
}

/*
 * The 0.10.0 arguments, checked before any rule runs, so that a bad one
 * is an error whatever the unit (never a class that hides it).
 */
static void
classer_extra(FunctionCallInfo fcinfo, const ClasserCache *c, ClasserExtra *x)
{
	x->sortiepatrim = 0;
	x->plan_logement = CL_ASSIETTE;
	x->plan_programme = CL_ASSIETTE;
	x->premiere_vacance = false;
	if (PG_NARGS() != NARGS_0_10_0)
		return;

	if (!PG_ARGISNULL(ARG_SORTIEPATRIM))
	{
		int			s = PG_GETARG_INT16(ARG_SORTIEPATRIM);

		if (!((s >= 1 && s <= 5) || s == 9))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("SORTIEPATRIM %d is not an RPLS code", s),
					 errhint("RPLS SORTIEPATRIM is 1, 2 or 3 (sold), 4 (demolished), 5 (other exit) or 9 (still in the stock).")));
		if ((s == 9) != PG_ARGISNULL(9))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("SORTIEPATRIM %d does not go with %s", s,
							PG_ARGISNULL(9) ? "an empty date_sortie" : "a date_sortie"),
					 errdetail("A unit that left the stock (SORTIEPATRIM 1 to 5) has its date_sortie; one still in it (9) has none."),
					 errhint("Pass the unit's date_sortie with its SORTIEPATRIM, as flux.logement keeps them.")));
		x->sortiepatrim = s;
	}
	x->plan_logement = plan_nature(fcinfo, c, ARG_PLAN_LOGEMENT);
	x->plan_programme = plan_nature(fcinfo, c, ARG_PLAN_PROGRAMME);
	if (!PG_ARGISNULL(ARG_ENTREE))
	{
		Oid			e = PG_GETARG_OID(ARG_ENTREE);

		if (e == c->entree_premiere_vacance)
			x->premiere_vacance = true;
		else if (e != c->entree_annee_suivante)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("flux.classer does not know the programme entry \"%s\"", enum_nom(e)),
					 errhint("A label was added to flux.entree_programme; flux classifies only annee_suivante and premiere_vacance.")));
	}
}

static Classement
classer(FunctionCallInfo fcinfo, const ClasserCache *c)
{
	int32		annee = PG_GETARG_INT32(0);
	DateADT		debut;
	DateADT		fin;
	ClasserExtra x;
	int			premiere;
	int			i;

	if (annee < 1 || annee > 9999)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("year %d is out of range for the assiette", annee),
				 errhint("Pass a year such as 2025.")));
	debut = date2j(annee, 1, 1) - POSTGRES_EPOCH_JDATE;
	fin = date2j(annee + 1, 1, 1) - POSTGRES_EPOCH_JDATE;
	classer_extra(fcinfo, c, &x);

	/* 1. in the stock on 1 January N? (date_sortie: arg 9, service: arg 10) */
	if ((!PG_ARGISNULL(9) && PG_GETARG_DATEADT(9) <= debut) ||
		(!PG_ARGISNULL(10) && PG_GETARG_DATEADT(10) >= fin))
		return CL_HORS_PARC;

	/* 2. never concerned */
	if (!PG_ARGISNULL(7))
	{
		Oid			hc = PG_GETARG_OID(7);

		for (i = 0; i < (int) N_HORS_CHAMP; i++)
			if (hc == c->hors_champ[i])
				return hors_champ_classement[i];
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("flux.classer does not know the hors_champ value \"%s\"", enum_nom(hc)),
				 errhint("A label was added to flux.motif_hors_champ; flux classifies only its own labels.")));
	}
	if (!PG_ARGISNULL(5))
	{
		BpChar	   *t = PG_GETARG_BPCHAR_PP(5);

		if (VARSIZE_ANY_EXHDR(t) >= 1 && *VARDATA_ANY(t) == 'E')
			return CL_RESIDENCE_UNIVERSITAIRE;
	}
	if (!PG_ARGISNULL(6) && PG_GETARG_INT16(6) == 4)
		return CL_LOGEMENT_FOYER;
	if ((!PG_ARGISNULL(3) && PG_GETARG_INT16(3) == 16) ||
		(!PG_ARGISNULL(4) && PG_GETARG_INT16(4) == 16))
		return CL_INTERMEDIAIRE;
	if (!PG_ARGISNULL(1) && PG_GETARG_OID(1) == c->sem &&
		!PG_ARGISNULL(2) && !PG_GETARG_BOOL(2))
		return CL_SEM_NON_CONVENTIONNE;

	/*
	 * 3. first letting of a new programme: year of service, else LOCAT.  In
	 * N itself only under annee_suivante; a first letting after N is never
	 * in the assiette of N.
	 */
	premiere = 0;
	if (!PG_ARGISNULL(10))
	{
		int			y,
					m,
					d;

		j2date(PG_GETARG_DATEADT(10) + POSTGRES_EPOCH_JDATE, &y, &m, &d);
		premiere = y;
	}
	else if (!PG_ARGISNULL(11))
		premiere = PG_GETARG_INT16(11);
	if (premiere > annee || (premiere == annee && !x.premiere_vacance))
		return CL_PREMIERE_LOCATION;

	/* 4a. excluded by hand, the charter options deciding for the last two */
	if (!PG_ARGISNULL(8))
	{
		Oid			ex = PG_GETARG_OID(8);
		bool		connu = false;

		for (i = 0; i < (int) N_EXCLUSION; i++)
			if (ex == c->exclusion[i])
			{
				Classement	k = exclusion_classement[i];

				connu = true;
				if (k == CL_PLAI_ADAPTE && (PG_ARGISNULL(12) || !PG_GETARG_BOOL(12)))
					break;
				if (k == CL_GENS_DU_VOYAGE && (PG_ARGISNULL(13) || !PG_GETARG_BOOL(13)))
					break;
				return k;
			}
		if (!connu)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("flux.classer does not know the exclusion value \"%s\"", enum_nom(ex)),
					 errhint("A label was added to flux.motif_exclusion; flux classifies only its own labels.")));
	}

	/*
	 * 4b. RPLS says sold (1, 2, 3) or demolished (4) during N: rule 1 has
	 * already sent a date on or before J to hors_parc, so a date before
	 * 1 January N + 1 is inside N.  5 (other exit) is no exclusion.
	 */
	if (x.sortiepatrim >= 1 && x.sortiepatrim <= 4 && PG_GETARG_DATEADT(9) < fin)
		return x.sortiepatrim == 4 ? CL_DEMOLITION : CL_VENTE;

	/* 4c, 4d. the bailleur's plans covering N: the unit's, then its programme's */
	if (x.plan_logement != CL_ASSIETTE)
		return x.plan_logement;
	if (x.plan_programme != CL_ASSIETTE)
		return x.plan_programme;

	/* 5. subject to the flux */
	return CL_ASSIETTE;
}

/* flux.classer(annee, famille, conv, finan, cus, typeconst, mode, hors_champ,
 *				exclusion, date_sortie, date_mise_en_service, locat,
 *				exclure_plai_adapte, exclure_gens_du_voyage
 *				[, sortiepatrim, plan_logement, plan_programme, entree_programmes]):
 *	the unit's classement; NULL for a NULL year */
PG_FUNCTION_INFO_V1(flux_classer);
Datum
flux_classer(PG_FUNCTION_ARGS)
{
	const ClasserCache *c;

	if (PG_NARGS() != NARGS_0_2_0 && PG_NARGS() != NARGS_0_10_0)
		elog(ERROR, "flux.classer: called with %d arguments", PG_NARGS());
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	c = classer_cache(fcinfo);
	PG_RETURN_OID(c->resultat[classer(fcinfo, c)]);
}

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
 *	 4. excluded (B)		defence, internal security, health, for sale, to
 *							be demolished; PLAI adapté and gens du voyage only
 *							when the year's charter options say so
 *	 5. assiette (C)
 *
 * It runs once per unit of a stock (1.3 M rows for Île-de-France), so it is
 * C; bench/assiette has its plain-SQL twin.  Enum arguments and the result
 * are compared as OIDs, looked up once per call site and kept in fn_extra.
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

/* per call site: the OIDs of every label the rule compares or returns */
typedef struct ClasserCache
{
	Oid			resultat[CL_COUNT];
	Oid			sem;
	Oid			hors_champ[N_HORS_CHAMP];
	Oid			exclusion[N_EXCLUSION];
} ClasserCache;


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

	c = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(ClasserCache));
	for (i = 0; i < CL_COUNT; i++)
		c->resultat[i] = EnumLabelOid(resultat_type, classement_labels[i]);
	c->sem = EnumLabelOid(famille_type, "sem");
	for (i = 0; i < (int) N_HORS_CHAMP; i++)
		c->hors_champ[i] = EnumLabelOid(hors_champ_type, hors_champ_labels[i]);
	for (i = 0; i < (int) N_EXCLUSION; i++)
		c->exclusion[i] = EnumLabelOid(exclusion_type, exclusion_labels[i]);
	fcinfo->flinfo->fn_extra = c;
	return c;
}

static Classement
classer(FunctionCallInfo fcinfo, const ClasserCache *c)
{
	int32		annee = PG_GETARG_INT32(0);
	DateADT		debut;
	DateADT		fin;
	int			premiere;
	int			i;

	if (annee < 1 || annee > 9999)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("year %d is out of range for the assiette", annee),
				 errhint("Pass a year such as 2025.")));
	debut = date2j(annee, 1, 1) - POSTGRES_EPOCH_JDATE;
	fin = date2j(annee + 1, 1, 1) - POSTGRES_EPOCH_JDATE;

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
				 errmsg("flux.classer does not know the hors_champ value \"%s\"",
						DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(hc)))),
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

	/* 3. first letting of a new programme: year of service, else LOCAT */
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
	if (premiere >= annee)
		return CL_PREMIERE_LOCATION;

	/* 4. excluded, the charter options deciding for the last two */
	if (!PG_ARGISNULL(8))
	{
		Oid			ex = PG_GETARG_OID(8);

		for (i = 0; i < (int) N_EXCLUSION; i++)
			if (ex == c->exclusion[i])
			{
				Classement	k = exclusion_classement[i];

				if (k == CL_PLAI_ADAPTE && (PG_ARGISNULL(12) || !PG_GETARG_BOOL(12)))
					return CL_ASSIETTE;
				if (k == CL_GENS_DU_VOYAGE && (PG_ARGISNULL(13) || !PG_GETARG_BOOL(13)))
					return CL_ASSIETTE;
				return k;
			}
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("flux.classer does not know the exclusion value \"%s\"",
						DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(ex)))),
				 errhint("A label was added to flux.motif_exclusion; flux classifies only its own labels.")));
	}

	/* 5. subject to the flux */
	return CL_ASSIETTE;
}

/* flux.classer(annee, famille, conv, finan, cus, typeconst, mode, hors_champ,
 *				exclusion, date_sortie, date_mise_en_service, locat,
 *				exclure_plai_adapte, exclure_gens_du_voyage): the unit's classement */
PG_FUNCTION_INFO_V1(flux_classer);
Datum
flux_classer(PG_FUNCTION_ARGS)
{
	const ClasserCache *c;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	c = classer_cache(fcinfo);
	PG_RETURN_OID(c->resultat[classer(fcinfo, c)]);
}

/*-------------------------------------------------------------------------
 *
 * audit.c
 *	  The audit in C: flux.auditer, the trigger that writes flux.audit, and
 *	  flux.audit_ecart, what an UPDATE changed in a row.
 *
 * flux.auditer fires after each statement on every audited table, over its
 * transition tables (src/audit.sql says which tables and why).  For each
 * row written it records one row of flux.audit:
 *
 *	 cle	   the row's key: the values of the key columns (the trigger's
 *			   first argument, comma-separated names) as jsonb ->> gives
 *			   them, joined by commas, the NULL ones left out;
 *	 apres	   for an INSERT the row as jsonb without its NULL columns nor the
 *			   personal ones (the trigger's other arguments);
 *	 avant	   for a DELETE the same of the old row;
 *	 donnees_personnelles  the personal columns written (not NULL), named
 *			   in the order of the trigger's arguments, never their values;
 *	 for an UPDATE, the old and new rows of each updated row (the transition
 *	 tables hold them in the same order) compared by flux.audit_ecart's
 *	 rule below, modifie_le ignored: a row changed in nothing else records
 *	 nothing; a row whose key changed records two rows, its old key (avant)
 *	 and its new one (apres);
 *	 a TRUNCATE records one row without key.
 *
 * Each row is read from the transition tables column by column: the
 * columns of booleans, integers, numerics, dates and timestamps, text and
 * enums are turned into jsonb values here, as to_jsonb would (see
 * genre_de); the other types, domains included, through to_jsonb.
 *
 * Who and when, once per statement: clock time at the end of the
 * statement, the top transaction's id (pg_current_xact_id), session_user,
 * the role acted for (flux.appelant: the role of SET ROLE, else the login)
 * and the partner it is mapped to in flux.partenaire.  The rows are written
 * by one INSERT ... SELECT over a tuplestore the trigger fills (an
 * ephemeral named relation), through a plan prepared once per session.
 *
 * It was PL/pgSQL until 0.12.0: one INSERT ... SELECT over the transition
 * tables (to_jsonb of both sides, a hash join on the key, the key built by
 * an array subquery per row), about 25 us a row on the deadline sweep and
 * 140 us for a single-row UPDATE, most of it planning and starting that
 * statement and reading the partner twice.  A row whose columns are all
 * binary-equal but modifie_le is now skipped before any jsonb is built,
 * and of an updated row only the columns that are not binary-equal are
 * compared.
 *
 * flux.audit_ecart (ancien jsonb, nouveau jsonb, perso text[], ignorer
 * text[]): the keys are those of the new row (of the old one when there is
 * no new row); a key is changed when its two values are distinct (IS
 * DISTINCT FROM on jsonb: a key missing on one side is SQL NULL there), the
 * keys of ignorer never; avant and apres hold the changed keys not in perso
 * with their values (JSON null for a side that has none), NULL when there
 * are none, or when that side's row is NULL; perso lists the changed keys
 * of perso in the database's collation order, NULL when none.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "parser/parse_coerce.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/queryenvironment.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/xid8.h"

#include "orientation.h"

/* the elements of a text[] argument, checked: one dimension, no NULL */
static int
noms(ArrayType *tableau, const char *quoi, char ***sortie)
{
	Datum	   *elems;
	bool	   *nuls;
	int			n;
	int			i;

	if (ARR_NDIM(tableau) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array, not %d dimensions", quoi, ARR_NDIM(tableau)),
				 errhint("Pass the column names as a text array such as '{nud,motif}'.")));
	deconstruct_array(tableau, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nuls, &n);
	*sortie = palloc(sizeof(char *) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		if (nuls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s has a NULL element at position %d", quoi, i + 1),
					 errhint("Pass column names only.")));
		(*sortie)[i] = TextDatumGetCString(elems[i]);
	}
	return n;
}

static bool
parmi(const char *cle, char **liste, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (strcmp(cle, liste[i]) == 0)
			return true;
	return false;
}

/* the value of key in an object, or NULL */
static JsonbValue *
valeur(Jsonb *j, JsonbValue *cle)
{
	return j == NULL ? NULL : findJsonbValueFromContainer(&j->root, JB_FOBJECT, cle);
}

/* jsonb's IS DISTINCT FROM on two values, NULL for a missing one */
static bool
distinctes(JsonbValue *a, JsonbValue *b)
{
	if (a == NULL || b == NULL)
		return (a == NULL) != (b == NULL);
	return compareJsonbContainers(&JsonbValueToJsonb(a)->root, &JsonbValueToJsonb(b)->root) != 0;
}

static int
comparer_textes(const void *a, const void *b)
{
	return DatumGetInt32(DirectFunctionCall2Coll(bttextcmp, DEFAULT_COLLATION_OID,
												 *(const Datum *) a, *(const Datum *) b));
}

static void
pousser(JsonbParseState **etat, bool *ouvert, JsonbValue *cle, JsonbValue *v)
{
	JsonbValue	nul;

	if (!*ouvert)
	{
		pushJsonbValue(etat, WJB_BEGIN_OBJECT, NULL);
		*ouvert = true;
	}
	pushJsonbValue(etat, WJB_KEY, cle);
	if (v == NULL)
	{
		nul.type = jbvNull;
		v = &nul;
	}
	pushJsonbValue(etat, WJB_VALUE, v);
}

/*
 * The comparison of flux.audit_ecart, on rows already read: out[0] avant,
 * out[1] apres, out[2] the personal columns changed (nuls true when NULL)
 */
static void
ecart(Jsonb *ancien, Jsonb *nouveau, char **perso, int n_perso, char **ignorer, int n_ignorer,
	  Datum *out, bool *nuls)
{
	Jsonb	   *base = nouveau != NULL ? nouveau : ancien;
	JsonbParseState *etat_avant = NULL;
	JsonbParseState *etat_apres = NULL;
	JsonbValue *fin;
	bool		avant_ouvert = false;
	bool		apres_ouvert = false;
	Datum	   *changes_perso;
	int			n_changes_perso = 0;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	nuls[0] = nuls[1] = nuls[2] = true;
	if (base == NULL)
		return;
	changes_perso = palloc(sizeof(Datum) * Max(JB_ROOT_COUNT(base), 1));
	it = JsonbIteratorInit(&base->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		JsonbValue	cle;
		JsonbValue *a;
		JsonbValue *n;
		char	   *nom;

		if (tok != WJB_KEY)
			continue;
		cle = v;
		nom = pnstrdup(cle.val.string.val, cle.val.string.len);
		if (parmi(nom, ignorer, n_ignorer))
			continue;
		a = valeur(ancien, &cle);
		n = valeur(nouveau, &cle);
		if (!distinctes(a, n))
			continue;
		if (parmi(nom, perso, n_perso))
		{
			changes_perso[n_changes_perso++] = CStringGetTextDatum(nom);
			continue;
		}
		if (ancien != NULL)
			pousser(&etat_avant, &avant_ouvert, &cle, a);
		if (nouveau != NULL)
			pousser(&etat_apres, &apres_ouvert, &cle, n);
	}
	if (avant_ouvert)
	{
		fin = pushJsonbValue(&etat_avant, WJB_END_OBJECT, NULL);
		out[0] = JsonbPGetDatum(JsonbValueToJsonb(fin));
		nuls[0] = false;
	}
	if (apres_ouvert)
	{
		fin = pushJsonbValue(&etat_apres, WJB_END_OBJECT, NULL);
		out[1] = JsonbPGetDatum(JsonbValueToJsonb(fin));
		nuls[1] = false;
	}
	if (n_changes_perso > 0)
	{
		qsort(changes_perso, n_changes_perso, sizeof(Datum), comparer_textes);
		out[2] = PointerGetDatum(construct_array(changes_perso, n_changes_perso, TEXTOID, -1, false, TYPALIGN_INT));
		nuls[2] = false;
	}
}

/*
 * flux.audit_ecart(avant jsonb, apres jsonb, perso text[], ignorer text[])
 *	 -> (avant jsonb, apres jsonb, perso text[]); not strict: a NULL row is
 *	 the side of a row whose key changed; both NULL give three NULLs
 */
PG_FUNCTION_INFO_V1(flux_audit_ecart);
Datum
flux_audit_ecart(PG_FUNCTION_ARGS)
{
	Jsonb	   *ancien = PG_ARGISNULL(0) ? NULL : PG_GETARG_JSONB_P(0);
	Jsonb	   *nouveau = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	char	  **perso = NULL;
	char	  **ignorer = NULL;
	int			n_perso = 0;
	int			n_ignorer = 0;
	Jsonb	   *base;
	TupleDesc	desc;
	Datum		valeurs[3];
	bool		nuls[3] = {true, true, true};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE || desc->natts != 3)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("flux.audit_ecart must return (avant jsonb, apres jsonb, perso text[])")));
	desc = BlessTupleDesc(desc);
	if (!PG_ARGISNULL(2))
		n_perso = noms(PG_GETARG_ARRAYTYPE_P(2), "the list of personal columns", &perso);
	if (!PG_ARGISNULL(3))
		n_ignorer = noms(PG_GETARG_ARRAYTYPE_P(3), "the list of columns to ignore", &ignorer);
	base = nouveau != NULL ? nouveau : ancien;
	if (base == NULL)
		PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, valeurs, nuls)));
	if ((ancien != NULL && !JB_ROOT_IS_OBJECT(ancien)) || (nouveau != NULL && !JB_ROOT_IS_OBJECT(nouveau)) ||
		JB_ROOT_IS_SCALAR(base))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the rows compared must be JSON objects"),
				 errhint("Pass to_jsonb of the old and the new row.")));
	ecart(ancien, nouveau, perso, n_perso, ignorer, n_ignorer, valeurs, nuls);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, valeurs, nuls)));
}

/* --------------------------------------------------------------------------
 * flux.auditer
 * --------------------------------------------------------------------------
 */

/* the columns of flux.audit the trigger writes, in this order */
enum
{
	L_QUAND, L_XACT, L_RELATION, L_OPERATION, L_CLE, L_LOGIN, L_APPELANT,
	L_RESERVATAIRE, L_EPCI, L_AVANT, L_APRES, L_PERSO, L_COUNT
};

#define AUDIT_LIGNES "flux_audit_lignes"

static SPIPlanPtr plan_partenaire = NULL;
static SPIPlanPtr plan_ecrire = NULL;
static TupleDesc desc_lignes = NULL;

/* the rows the trigger writes: a descriptor kept for the session */
static TupleDesc
lignes_desc(void)
{
	if (desc_lignes == NULL)
	{
		MemoryContext ancien = MemoryContextSwitchTo(TopMemoryContext);
		TupleDesc	d = CreateTemplateTupleDesc(L_COUNT);

		TupleDescInitEntry(d, L_QUAND + 1, "quand", TIMESTAMPTZOID, -1, 0);
		TupleDescInitEntry(d, L_XACT + 1, "transaction_id", XID8OID, -1, 0);
		TupleDescInitEntry(d, L_RELATION + 1, "relation", TEXTOID, -1, 0);
		TupleDescInitEntry(d, L_OPERATION + 1, "operation", TEXTOID, -1, 0);
		TupleDescInitEntry(d, L_CLE + 1, "cle", TEXTOID, -1, 0);
		TupleDescInitEntry(d, L_LOGIN + 1, "login", NAMEOID, -1, 0);
		TupleDescInitEntry(d, L_APPELANT + 1, "appelant", NAMEOID, -1, 0);
		TupleDescInitEntry(d, L_RESERVATAIRE + 1, "reservataire_id", INT8OID, -1, 0);
		TupleDescInitEntry(d, L_EPCI + 1, "epci", TEXTOID, -1, 0);
		TupleDescInitEntry(d, L_AVANT + 1, "avant", JSONBOID, -1, 0);
		TupleDescInitEntry(d, L_APRES + 1, "apres", JSONBOID, -1, 0);
		TupleDescInitEntry(d, L_PERSO + 1, "donnees_personnelles", TEXTARRAYOID, -1, 0);
		desc_lignes = d;
		MemoryContextSwitchTo(ancien);
	}
	return desc_lignes;
}

/* what one statement's audit needs */
typedef struct Audit
{
	Relation	rel;
	TupleDesc	desc;
	char	  **cles;
	int		   *cles_att;		/* their attribute numbers */
	int			n_cles;
	char	  **perso;
	int			n_perso;
	Datum		perso_tableau;	/* text[] of the personal columns */
	int		   *perso_att;		/* their attribute numbers */
	char	   *ignorer[1];
	int			att_ignore;		/* modifie_le, or 0 */
	FmgrInfo	to_jsonb;
	FmgrInfo  **to_jsonb_col;	/* to_jsonb of each column's type, made when first needed */
	int		   *genre;			/* each column's GenreColonne */
	bool	   *perso_col;		/* each column: personal? */
	MemoryContext ctx;			/* the statement's: where they are made */
	Datum		commun[L_COUNT];	/* who and when, once a statement */
	bool		commun_nul[L_COUNT];
	Tuplestorestate *lignes;
	uint64		n;
} Audit;

/* the attribute number of a column the trigger names, checked */
static int
colonne_nommee(Audit *a, const char *nom, const char *role)
{
	int			i;

	for (i = 0; i < a->desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(a->desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), nom) == 0)
			return i + 1;
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("flux.auditer on %s: %s column \"%s\" does not exist", RelationGetRelationName(a->rel), role, nom),
			 errhint("The trigger's arguments are the key's columns, comma-separated, then the personal columns: CREATE TRIGGER ... EXECUTE FUNCTION flux.auditer('id', 'nud').")));
	return 0;					/* not reached */
}

/* the row of a transition table as jsonb (to_jsonb of its record) */
static Jsonb *
en_jsonb(Audit *a, TupleTableSlot *slot)
{
	LOCAL_FCINFO(fc, 1);
	Datum		r;

	InitFunctionCallInfoData(*fc, &a->to_jsonb, 1, InvalidOid, NULL, NULL);
	fc->args[0].value = ExecFetchSlotHeapTupleDatum(slot);
	fc->args[0].isnull = false;
	r = FunctionCallInvoke(fc);
	if (fc->isnull)
		elog(ERROR, "to_jsonb returned NULL");
	return DatumGetJsonbP(r);
}

/* the text of a jsonb value as ->> gives it, or NULL for null */
static char *
texte_jsonb(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return NULL;
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvBinary:
			return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
	return NULL;				/* not reached */
}

/* one row of flux.audit */
static void
ajouter(Audit *a, const char *cle, Datum avant, bool avant_nul, Datum apres, bool apres_nul,
		Datum perso, bool perso_nul)
{
	Datum		v[L_COUNT];
	bool		nul[L_COUNT];

	memcpy(v, a->commun, sizeof(v));
	memcpy(nul, a->commun_nul, sizeof(nul));
	if (cle != NULL)
	{
		v[L_CLE] = CStringGetTextDatum(cle);
		nul[L_CLE] = false;
	}
	v[L_AVANT] = avant;
	nul[L_AVANT] = avant_nul;
	v[L_APRES] = apres;
	nul[L_APRES] = apres_nul;
	v[L_PERSO] = perso;
	nul[L_PERSO] = perso_nul;
	tuplestore_putvalues(a->lignes, lignes_desc(), v, nul);
	a->n++;
}

/* the columns of two rows all binary-equal, modifie_le aside */
static bool
memes_valeurs(Audit *a, TupleTableSlot *ancien, TupleTableSlot *nouveau)
{
	int			i;

	slot_getallattrs(ancien);
	slot_getallattrs(nouveau);
	for (i = 0; i < a->desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(a->desc, i);

		if (att->attisdropped || i + 1 == a->att_ignore)
			continue;
		if (ancien->tts_isnull[i] != nouveau->tts_isnull[i])
			return false;
		if (!ancien->tts_isnull[i] &&
			!datum_image_eq(ancien->tts_values[i], nouveau->tts_values[i], att->attbyval, att->attlen))
			return false;
	}
	return true;
}

/*
 * How to_jsonb turns a column into jsonb (jsonb_categorize_type and
 * datum_to_jsonb, src/backend/utils/adt/jsonb.c), for the types of the
 * audited tables, done here without a call of to_jsonb per column:
 * booleans, integers and numerics are JSON booleans and numbers (a numeric
 * NaN or infinity its text), dates and timestamps their ISO text
 * (JsonEncodeDateTime), text and enums their text (an enum with a cast to
 * json aside); any other type, a domain included, goes through to_jsonb.
 */
typedef enum
{
	G_AUTRE = 0, G_BOOL, G_INT2, G_INT4, G_INT8, G_NUMERIC, G_TEXTE, G_NOM, G_DATE, G_ENUM
} GenreColonne;

static GenreColonne
genre_de(Form_pg_attribute att)
{
	CoercionPathType chemin;
	Oid			fonction;

	switch (att->atttypid)
	{
		case BOOLOID:
			return G_BOOL;
		case INT2OID:
			return G_INT2;
		case INT4OID:
			return G_INT4;
		case INT8OID:
			return G_INT8;
		case NUMERICOID:
			return G_NUMERIC;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			return G_TEXTE;
		case NAMEOID:
			return G_NOM;
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return G_DATE;
		default:
			if (get_typtype(att->atttypid) != TYPTYPE_ENUM)
				return G_AUTRE;
			/* to_jsonb uses a user-defined cast to json when there is one */
			chemin = find_coercion_pathway(JSONOID, att->atttypid, COERCION_EXPLICIT, &fonction);
			return chemin == COERCION_PATH_FUNC && OidIsValid(fonction) ? G_AUTRE : G_ENUM;
	}
}

/* a column's value as a scalar, by its genre (not G_AUTRE) */
static void
scalaire(GenreColonne g, Oid type, Datum d, JsonbValue *v)
{
	char	   *t;
	Numeric		n;

	switch (g)
	{
		case G_BOOL:
			v->type = jbvBool;
			v->val.boolean = DatumGetBool(d);
			return;
		case G_INT2:
			v->type = jbvNumeric;
			v->val.numeric = int64_to_numeric(DatumGetInt16(d));
			return;
		case G_INT4:
			v->type = jbvNumeric;
			v->val.numeric = int64_to_numeric(DatumGetInt32(d));
			return;
		case G_INT8:
			v->type = jbvNumeric;
			v->val.numeric = int64_to_numeric(DatumGetInt64(d));
			return;
		case G_NUMERIC:
			n = DatumGetNumeric(d);
			if (!numeric_is_nan(n) && !numeric_is_inf(n))
			{
				v->type = jbvNumeric;
				v->val.numeric = n;
				return;
			}
			t = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));
			break;
		case G_TEXTE:
			t = TextDatumGetCString(d);
			break;
		case G_NOM:
			t = pstrdup(NameStr(*DatumGetName(d)));
			break;
		case G_DATE:
			t = JsonEncodeDateTime(NULL, d, type, NULL);
			break;
		case G_ENUM:
			t = DatumGetCString(DirectFunctionCall1(enum_out, d));
			break;
		default:
			elog(ERROR, "flux.auditer: no scalar for a column of type %u", type);
			return;
	}
	v->type = jbvString;
	v->val.string.val = t;
	v->val.string.len = strlen(t);
}

/* two scalars as jsonb compares them: distinct? (a deterministic collation: equal text is equal bytes) */
static bool
scalaires_distincts(JsonbValue *x, JsonbValue *y)
{
	if (x->type != y->type)
		return true;
	switch (x->type)
	{
		case jbvNull:
			return false;
		case jbvBool:
			return x->val.boolean != y->val.boolean;
		case jbvNumeric:
			return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(x->val.numeric),
													 NumericGetDatum(y->val.numeric))) != 0;
		case jbvString:
			return x->val.string.len != y->val.string.len ||
				memcmp(x->val.string.val, y->val.string.val, x->val.string.len) != 0;
		default:
			return true;
	}
}

/* a column's value as jsonb (to_jsonb of its type), or NULL for SQL NULL */
static Jsonb *
colonne_jsonb(Audit *a, int i, Datum v, bool nul)
{
	Form_pg_attribute att = TupleDescAttr(a->desc, i);
	LOCAL_FCINFO(fc, 1);
	Datum		r;

	if (nul)
		return NULL;
	if (a->to_jsonb_col[i] == NULL)
	{
		MemoryContext ancien = MemoryContextSwitchTo(a->ctx);
		FmgrInfo   *f = palloc0(sizeof(FmgrInfo));

		fmgr_info(F_TO_JSONB, f);
		f->fn_expr = (Node *) makeFuncExpr(F_TO_JSONB, JSONBOID,
										   list_make1(makeNullConst(att->atttypid, att->atttypmod, att->attcollation)),
										   InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
		a->to_jsonb_col[i] = f;
		MemoryContextSwitchTo(ancien);
	}
	InitFunctionCallInfoData(*fc, a->to_jsonb_col[i], 1, InvalidOid, NULL, NULL);
	fc->args[0].value = v;
	fc->args[0].isnull = false;
	r = FunctionCallInvoke(fc);
	if (fc->isnull)
		elog(ERROR, "to_jsonb returned NULL");
	return DatumGetJsonbP(r);
}

/* a jsonb as the value to push in an object; NULL (SQL NULL) is JSON null */
static void
valeur_de(Jsonb *j, JsonbValue *v)
{
	if (j == NULL)
		v->type = jbvNull;
	else if (JB_ROOT_IS_SCALAR(j))
		(void) JsonbExtractScalar(&j->root, v);
	else
	{
		v->type = jbvBinary;
		v->val.binary.data = &j->root;
		v->val.binary.len = VARSIZE(j) - VARHDRSZ;
	}
}

/* two values as to_jsonb of the row would hold them: distinct? */
static bool
jsonb_distincts(Jsonb *x, Jsonb *y)
{
	JsonbValue	vx;
	JsonbValue	vy;

	valeur_de(x, &vx);
	valeur_de(y, &vy);
	if (vx.type == jbvNull || vy.type == jbvNull)
		return vx.type != vy.type;
	if (x == NULL || y == NULL)
		return true;
	return compareJsonbContainers(&x->root, &y->root) != 0;
}

/* the key of a row from its key columns, as cle_de reads it from the row's jsonb */
static char *
cle_colonnes(Audit *a, TupleTableSlot *slot)
{
	StringInfoData s;
	bool		premier = true;
	int			i;

	initStringInfo(&s);
	for (i = 0; i < a->n_cles; i++)
	{
		int			k = a->cles_att[i] - 1;
		Datum		d = slot->tts_values[k];
		JsonbValue	v;
		char	   *t;

		if (slot->tts_isnull[k])
			continue;
		/* an integer key (every table's but one): its decimal digits, as jsonb prints the number */
		if (a->genre[k] == G_INT8 || a->genre[k] == G_INT4 || a->genre[k] == G_INT2)
			t = psprintf(INT64_FORMAT, a->genre[k] == G_INT8 ? DatumGetInt64(d) :
						 a->genre[k] == G_INT4 ? (int64) DatumGetInt32(d) : (int64) DatumGetInt16(d));
		else
		{
			if (a->genre[k] != G_AUTRE)
				scalaire(a->genre[k], TupleDescAttr(a->desc, k)->atttypid, d, &v);
			else
				valeur_de(colonne_jsonb(a, k, d, false), &v);
			if ((t = texte_jsonb(&v)) == NULL)
				continue;
		}
		if (!premier)
			appendStringInfoChar(&s, ',');
		appendStringInfoString(&s, t);
		premier = false;
	}
	return s.data;
}

/* are the key columns of two rows binary-equal (then so are their keys)? */
static bool
meme_cle(Audit *a, TupleTableSlot *x, TupleTableSlot *y)
{
	int			i;

	for (i = 0; i < a->n_cles; i++)
	{
		int			k = a->cles_att[i] - 1;
		Form_pg_attribute att = TupleDescAttr(a->desc, k);

		if (x->tts_isnull[k] != y->tts_isnull[k] ||
			(!x->tts_isnull[k] &&
			 !datum_image_eq(x->tts_values[k], y->tts_values[k], att->attbyval, att->attlen)))
			return false;
	}
	return true;
}

/*
 * An updated row: what changed, column by column (only the columns whose
 * values are not binary-equal are turned into jsonb and compared as
 * flux.audit_ecart compares them); a row whose key changed: its two sides,
 * each whole, as flux.audit_ecart gives them
 */
static void
ligne_modifiee(Audit *a, TupleTableSlot *ancien, TupleTableSlot *nouveau)
{
	char	   *ca;
	char	   *cn;
	Datum		d[3];
	bool		nul[3];
	int			n_ignorer = a->att_ignore > 0 ? 1 : 0;
	JsonbParseState *etat_avant = NULL;
	JsonbParseState *etat_apres = NULL;
	bool		ouvert_avant = false;
	bool		ouvert_apres = false;
	Datum	   *changes_perso;
	int			n_changes_perso = 0;
	int			i;

	if (memes_valeurs(a, ancien, nouveau))
		return;
	ca = cle_colonnes(a, ancien);
	cn = meme_cle(a, ancien, nouveau) ? ca : cle_colonnes(a, nouveau);
	if (strcmp(ca, cn) != 0)
	{
		Jsonb	   *ja = en_jsonb(a, ancien);
		Jsonb	   *jn = en_jsonb(a, nouveau);

		ecart(ja, NULL, a->perso, a->n_perso, a->ignorer, n_ignorer, d, nul);
		if (!nul[0] || !nul[1] || !nul[2])
			ajouter(a, ca, d[0], nul[0], d[1], nul[1], d[2], nul[2]);
		ecart(NULL, jn, a->perso, a->n_perso, a->ignorer, n_ignorer, d, nul);
		if (!nul[0] || !nul[1] || !nul[2])
			ajouter(a, cn, d[0], nul[0], d[1], nul[1], d[2], nul[2]);
		return;
	}
	changes_perso = palloc(sizeof(Datum) * Max(a->desc->natts, 1));
	for (i = 0; i < a->desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(a->desc, i);
		Jsonb	   *x;
		Jsonb	   *y;
		JsonbValue	cle;
		JsonbValue	v;

		if (att->attisdropped || i + 1 == a->att_ignore)
			continue;
		if (ancien->tts_isnull[i] == nouveau->tts_isnull[i] &&
			(ancien->tts_isnull[i] ||
			 datum_image_eq(ancien->tts_values[i], nouveau->tts_values[i], att->attbyval, att->attlen)))
			continue;
		if (a->genre[i] != G_AUTRE)
		{
			/* the two values as to_jsonb makes them, compared as jsonb compares scalars */
			JsonbValue	va;
			JsonbValue	vn;

			if (ancien->tts_isnull[i])
				va.type = jbvNull;
			else
				scalaire(a->genre[i], att->atttypid, ancien->tts_values[i], &va);
			if (nouveau->tts_isnull[i])
				vn.type = jbvNull;
			else
				scalaire(a->genre[i], att->atttypid, nouveau->tts_values[i], &vn);
			if (!scalaires_distincts(&va, &vn))
				continue;
			if (a->perso_col[i])
			{
				changes_perso[n_changes_perso++] = CStringGetTextDatum(NameStr(att->attname));
				continue;
			}
			cle.type = jbvString;
			cle.val.string.val = NameStr(att->attname);
			cle.val.string.len = strlen(NameStr(att->attname));
			pousser(&etat_avant, &ouvert_avant, &cle, &va);
			pousser(&etat_apres, &ouvert_apres, &cle, &vn);
			continue;
		}
		x = colonne_jsonb(a, i, ancien->tts_values[i], ancien->tts_isnull[i]);
		y = colonne_jsonb(a, i, nouveau->tts_values[i], nouveau->tts_isnull[i]);
		if (!jsonb_distincts(x, y))
			continue;
		if (a->perso_col[i])
		{
			changes_perso[n_changes_perso++] = CStringGetTextDatum(NameStr(att->attname));
			continue;
		}
		cle.type = jbvString;
		cle.val.string.val = NameStr(att->attname);
		cle.val.string.len = strlen(NameStr(att->attname));
		valeur_de(x, &v);
		pousser(&etat_avant, &ouvert_avant, &cle, &v);
		valeur_de(y, &v);
		pousser(&etat_apres, &ouvert_apres, &cle, &v);
	}
	nul[0] = nul[1] = nul[2] = true;
	if (ouvert_avant)
	{
		d[0] = JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&etat_avant, WJB_END_OBJECT, NULL)));
		nul[0] = false;
	}
	if (ouvert_apres)
	{
		d[1] = JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&etat_apres, WJB_END_OBJECT, NULL)));
		nul[1] = false;
	}
	if (n_changes_perso > 0)
	{
		qsort(changes_perso, n_changes_perso, sizeof(Datum), comparer_textes);
		d[2] = PointerGetDatum(construct_array(changes_perso, n_changes_perso, TEXTOID, -1, false, TYPALIGN_INT));
		nul[2] = false;
	}
	if (!nul[0] || !nul[1] || !nul[2])
		ajouter(a, cn, d[0], nul[0], d[1], nul[1], d[2], nul[2]);
}

/*
 * An inserted or deleted row: the row as jsonb without its NULL and
 * personal columns (what jsonb_strip_nulls(to_jsonb(row) - perso) gives),
 * built column by column; and the personal columns it holds (->> not
 * NULL), in the order of the trigger's arguments
 */
static void
ligne_entiere(Audit *a, TupleTableSlot *slot, bool insertion)
{
	JsonbParseState *etat = NULL;
	JsonbValue	cle;
	JsonbValue	v;
	Datum		objet;
	Datum	   *presents = palloc(sizeof(Datum) * Max(a->n_perso, 1));
	int			n = 0;
	int			i;

	slot_getallattrs(slot);
	pushJsonbValue(&etat, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < a->desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(a->desc, i);
		Jsonb	   *j;

		if (att->attisdropped || slot->tts_isnull[i] || a->perso_col[i])
			continue;
		if (a->genre[i] != G_AUTRE)
			scalaire(a->genre[i], att->atttypid, slot->tts_values[i], &v);
		else
		{
			j = colonne_jsonb(a, i, slot->tts_values[i], false);
			if (JB_ROOT_IS_SCALAR(j))
			{
				valeur_de(j, &v);
				if (v.type == jbvNull)
					continue;
			}
			else
				valeur_de(DatumGetJsonbP(DirectFunctionCall1(jsonb_strip_nulls, JsonbPGetDatum(j))), &v);
		}
		cle.type = jbvString;
		cle.val.string.val = NameStr(att->attname);
		cle.val.string.len = strlen(NameStr(att->attname));
		pushJsonbValue(&etat, WJB_KEY, &cle);
		pushJsonbValue(&etat, WJB_VALUE, &v);
	}
	objet = JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&etat, WJB_END_OBJECT, NULL)));
	for (i = 0; i < a->n_perso; i++)
	{
		int			k = a->perso_att[i] - 1;
		Jsonb	   *j;

		if (slot->tts_isnull[k])
			continue;
		if (a->genre[k] == G_AUTRE)
		{
			j = colonne_jsonb(a, k, slot->tts_values[k], false);
			valeur_de(j, &v);
			if (v.type == jbvNull)
				continue;
		}
		presents[n++] = CStringGetTextDatum(a->perso[i]);
	}
	ajouter(a, cle_colonnes(a, slot),
			insertion ? (Datum) 0 : objet, insertion,
			insertion ? objet : (Datum) 0, !insertion,
			n > 0 ? PointerGetDatum(construct_array(presents, n, TEXTOID, -1, false, TYPALIGN_INT)) : (Datum) 0,
			n == 0);
}

/* who and when: once a statement */
static void
qui_et_quand(Audit *a, const char *operation)
{
	const char *role = GetConfigOption("role", false, false);
	char	   *login = GetUserNameFromId(GetSessionUserId(), false);
	Oid			argtypes[1] = {NAMEOID};
	Datum		arg[1];
	Name		appelant = palloc0(sizeof(NameData));

	namestrcpy(appelant, (role == NULL || strcmp(role, "none") == 0) ? login : role);
	memset(a->commun_nul, true, sizeof(a->commun_nul));
	a->commun[L_QUAND] = TimestampTzGetDatum(GetCurrentTimestamp());
	a->commun[L_XACT] = FullTransactionIdGetDatum(GetTopFullTransactionId());
	a->commun[L_RELATION] = CStringGetTextDatum(RelationGetRelationName(a->rel));
	a->commun[L_OPERATION] = CStringGetTextDatum(operation);
	a->commun[L_LOGIN] = DirectFunctionCall1(namein, CStringGetDatum(login));
	a->commun[L_APPELANT] = NameGetDatum(appelant);
	a->commun_nul[L_QUAND] = a->commun_nul[L_XACT] = a->commun_nul[L_RELATION] =
		a->commun_nul[L_OPERATION] = a->commun_nul[L_LOGIN] = a->commun_nul[L_APPELANT] = false;

	/* the partner the role acts for (flux.reservataire_courant, flux.epci_courant) */
	arg[0] = a->commun[L_APPELANT];
	if (SPI_execute_plan(OrientationPreparer(&plan_partenaire,
								  "SELECT p.reservataire_id, p.epci FROM flux.partenaire p"
								  " WHERE p.login OPERATOR(pg_catalog.=) $1",
								  1, argtypes),
						 arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed on flux.partenaire");
	if (SPI_processed == 1)
	{
		bool		nul;
		Datum		r = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &nul);

		if (!nul)
		{
			a->commun[L_RESERVATAIRE] = r;
			a->commun_nul[L_RESERVATAIRE] = false;
		}
		r = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &nul);
		if (!nul)
		{
			a->commun[L_EPCI] = datumCopy(r, false, -1);
			a->commun_nul[L_EPCI] = false;
		}
	}
}

/* the trigger's arguments: the key's columns, then the personal ones */
static void
arguments(Audit *a, Trigger *tg)
{
	char	   *liste;
	char	   *c;
	Datum	   *noms;
	int			i;

	if (tg->tgnargs < 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flux.auditer on %s needs the key's columns as its first argument", RelationGetRelationName(a->rel)),
				 errhint("CREATE TRIGGER ... EXECUTE FUNCTION flux.auditer('id'), then the personal columns, if any.")));
	/* string_to_array(argument, ','): every piece, even an empty one */
	liste = pstrdup(tg->tgargs[0]);
	a->cles = palloc(sizeof(char *) * (strlen(liste) + 1));
	a->n_cles = 0;
	for (c = liste;;)
	{
		char	   *virgule = strchr(c, ',');

		if (virgule != NULL)
			*virgule = '\0';
		a->cles[a->n_cles++] = c;
		if (virgule == NULL)
			break;
		c = virgule + 1;
	}
	a->cles_att = palloc(sizeof(int) * a->n_cles);
	for (i = 0; i < a->n_cles; i++)
		a->cles_att[i] = colonne_nommee(a, a->cles[i], "key");
	a->to_jsonb_col = palloc0(sizeof(FmgrInfo *) * Max(a->desc->natts, 1));
	a->genre = palloc0(sizeof(int) * Max(a->desc->natts, 1));
	a->perso_col = palloc0(sizeof(bool) * Max(a->desc->natts, 1));
	a->n_perso = tg->tgnargs - 1;
	a->perso = a->n_perso > 0 ? tg->tgargs + 1 : NULL;
	a->perso_att = palloc(sizeof(int) * Max(a->n_perso, 1));
	noms = palloc(sizeof(Datum) * Max(a->n_perso, 1));
	for (i = 0; i < a->n_perso; i++)
	{
		a->perso_att[i] = colonne_nommee(a, a->perso[i], "personal");
		a->perso_col[a->perso_att[i] - 1] = true;
		noms[i] = CStringGetTextDatum(a->perso[i]);
	}
	for (i = 0; i < a->desc->natts; i++)
		if (!TupleDescAttr(a->desc, i)->attisdropped)
			a->genre[i] = genre_de(TupleDescAttr(a->desc, i));
	a->perso_tableau = PointerGetDatum(construct_array(noms, Max(a->n_perso, 0), TEXTOID, -1, false, TYPALIGN_INT));
	a->ignorer[0] = "modifie_le";
	a->att_ignore = 0;
	for (i = 0; i < a->desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(a->desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), "modifie_le") == 0)
			a->att_ignore = i + 1;
	}
}

PG_FUNCTION_INFO_V1(flux_auditer);
Datum
flux_auditer(PG_FUNCTION_ARGS)
{
	TriggerData *td;
	Audit		a;
	const char *operation;
	MemoryContext ligne_ctx;
	MemoryContext ancien_ctx;
	TupleTableSlot *s_ancien = NULL;
	TupleTableSlot *s_nouveau = NULL;
	FuncExpr   *expr;
	EphemeralNamedRelation enr;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flux.auditer must be called as a trigger"),
				 errhint("It is the audit trigger of flux's tables (src/audit.sql).")));
	td = (TriggerData *) fcinfo->context;
	memset(&a, 0, sizeof(a));
	a.ctx = CurrentMemoryContext;
	a.rel = td->tg_relation;
	a.desc = RelationGetDescr(a.rel);
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flux.auditer on %s must fire AFTER, FOR EACH STATEMENT", RelationGetRelationName(a.rel)),
				 errhint("CREATE TRIGGER ... AFTER INSERT ON ... REFERENCING NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id').")));
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		operation = "INSERT";
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		operation = "UPDATE";
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		operation = "DELETE";
	else
		operation = "TRUNCATE";
	if ((TRIGGER_FIRED_BY_INSERT(td->tg_event) && td->tg_newtable == NULL) ||
		(TRIGGER_FIRED_BY_UPDATE(td->tg_event) && (td->tg_newtable == NULL || td->tg_oldtable == NULL)) ||
		(TRIGGER_FIRED_BY_DELETE(td->tg_event) && td->tg_oldtable == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flux.auditer on %s for %s needs its transition tables", RelationGetRelationName(a.rel), operation),
				 errhint("Declare REFERENCING NEW TABLE AS nouvelles (INSERT), OLD TABLE AS anciennes (DELETE), or both (UPDATE).")));
	if (!TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		arguments(&a, td->tg_trigger);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	qui_et_quand(&a, operation);
	a.lignes = tuplestore_begin_heap(false, false, work_mem);

	fmgr_info(F_TO_JSONB, &a.to_jsonb);
	expr = makeFuncExpr(F_TO_JSONB, JSONBOID,
						list_make1(makeNullConst(RelationGetForm(a.rel)->reltype, -1, InvalidOid)),
						InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	a.to_jsonb.fn_expr = (Node *) expr;

	ligne_ctx = AllocSetContextCreate(CurrentMemoryContext, "flux.auditer row", ALLOCSET_DEFAULT_SIZES);
	if (td->tg_oldtable != NULL)
	{
		s_ancien = MakeSingleTupleTableSlot(a.desc, &TTSOpsMinimalTuple);
		tuplestore_rescan(td->tg_oldtable);
	}
	if (td->tg_newtable != NULL)
	{
		s_nouveau = MakeSingleTupleTableSlot(a.desc, &TTSOpsMinimalTuple);
		tuplestore_rescan(td->tg_newtable);
	}
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		ajouter(&a, NULL, (Datum) 0, true, (Datum) 0, true, (Datum) 0, true);
	else
		for (;;)
		{
			bool		a_ancien = s_ancien != NULL && tuplestore_gettupleslot(td->tg_oldtable, true, false, s_ancien);
			bool		a_nouveau = s_nouveau != NULL && tuplestore_gettupleslot(td->tg_newtable, true, false, s_nouveau);

			if (!a_ancien && !a_nouveau)
				break;
			ancien_ctx = MemoryContextSwitchTo(ligne_ctx);
			if (a_ancien && a_nouveau)
				ligne_modifiee(&a, s_ancien, s_nouveau);
			else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
				elog(ERROR, "flux.auditer: the transition tables of an UPDATE on %s differ in length",
					 RelationGetRelationName(a.rel));
			else
				ligne_entiere(&a, a_nouveau ? s_nouveau : s_ancien, a_nouveau);
			MemoryContextSwitchTo(ancien_ctx);
			MemoryContextReset(ligne_ctx);
		}

	if (a.n > 0)
	{
		enr = palloc0(sizeof(EphemeralNamedRelationData));
		enr->md.name = AUDIT_LIGNES;
		enr->md.reliddesc = InvalidOid;
		enr->md.tupdesc = lignes_desc();
		enr->md.enrtype = ENR_NAMED_TUPLESTORE;
		enr->md.enrtuples = (double) a.n;
		enr->reldata = a.lignes;
		if (SPI_register_relation(enr) != SPI_OK_REL_REGISTER)
			elog(ERROR, "SPI_register_relation failed");
		if (SPI_execute_plan(OrientationPreparer(&plan_ecrire,
									  "INSERT INTO flux.audit (quand, transaction_id, relation, operation, cle, login,"
									  " appelant, reservataire_id, epci, avant, apres, donnees_personnelles)"
									  " SELECT l.quand, l.transaction_id, l.relation, l.operation, l.cle, l.login,"
									  " l.appelant, l.reservataire_id, l.epci, l.avant, l.apres, l.donnees_personnelles"
									  " FROM " AUDIT_LIGNES " l",
									  0, NULL),
							 NULL, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "SPI_execute_plan failed on flux.audit");
	}
	tuplestore_end(a.lignes);
	if (s_ancien != NULL)
		ExecDropSingleTupleTableSlot(s_ancien);
	if (s_nouveau != NULL)
		ExecDropSingleTupleTableSlot(s_nouveau);
	MemoryContextDelete(ligne_ctx);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*-------------------------------------------------------------------------
 *
 * audit.c
 *	  flux.audit_ecart: what an UPDATE changed in a row, for flux.audit.
 *
 * The audit trigger (flux.auditer, src/audit.sql) writes, for each row an
 * UPDATE changed, the columns that changed: their old values (avant), their
 * new ones (apres), and the personal columns that changed, named but never
 * copied (perso).  It reads both rows as jsonb (to_jsonb of the transition
 * tables' rows).  Until 0.12.0 it compared them key by key in SQL
 * (jsonb_object_keys and three aggregates, about 30 us a row: most of the
 * audit's cost on a bulk UPDATE such as the deadline sweep); this does the
 * same comparison in one pass over the keys:
 *
 *	 the keys are those of the new row (of the old one when there is no new
 *	 row: a row whose key changed shows as two, see flux.auditer); a key is
 *	 changed when its two values are distinct (IS DISTINCT FROM on jsonb: a
 *	 key missing on one side is SQL NULL there), the keys of ignorer never;
 *	 avant and apres hold the changed keys not in perso with their values
 *	 (JSON null for a side that has none), NULL when there are none, or when
 *	 that side's row is NULL; perso lists the changed keys of perso in the
 *	 database's collation order, NULL when none.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

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
		valeurs[0] = JsonbPGetDatum(JsonbValueToJsonb(fin));
		nuls[0] = false;
	}
	if (apres_ouvert)
	{
		fin = pushJsonbValue(&etat_apres, WJB_END_OBJECT, NULL);
		valeurs[1] = JsonbPGetDatum(JsonbValueToJsonb(fin));
		nuls[1] = false;
	}
	if (n_changes_perso > 0)
	{
		qsort(changes_perso, n_changes_perso, sizeof(Datum), comparer_textes);
		valeurs[2] = PointerGetDatum(construct_array(changes_perso, n_changes_perso, TEXTOID, -1, false, TYPALIGN_INT));
		nuls[2] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, valeurs, nuls)));
}

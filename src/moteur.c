/*-------------------------------------------------------------------------
 *
 * moteur.c
 *	  The orientation engine (docs/orientation.md): rank the destinations
 *	  of a vacated unit.
 *
 * The quota.  Destination i holds a share p_i of the flux (the bailleur's
 * own unreserved share is one of them; the shares add up to 1).  When the
 * t-th unit of the year is to be oriented (t = units of the flux oriented so
 * far on i's territory + 1) and a_i units went to i, its deficit is
 * t p_i - a_i.  Giving every unit to the largest deficit drifts past one
 * unit on some share sets; this is the chairman assignment problem, where
 * Tijdeman's rule keeps every deviation |a_i - t p_i| within
 * sigma = 1 - 1/(2m - 2) for m destinations (R. Tijdeman, 1980): among the
 * destinations whose deficit is at least 1 - sigma ("eligible"), the one
 * with the earliest deadline (a_i + sigma) / p_i.  That choice is always
 * safe.
 *
 * The fair mix.  Another eligible destination whose deadline comes within
 * the next m units may be chosen instead when the bound still holds
 * afterwards: the engine checks it by playing the rule forward from that
 * choice for 2m + 2 units and keeping it only if no deviation ever exceeds
 * sigma (three candidates at most, in order of preference).  Restricting
 * the candidates to deadlines within m units is what lets so short a
 * window suffice: the alternative and the plain rule meet again within it
 * (checked on random share sets with many small shares, and by the
 * property tests).  The preference: one a legal floor asks for (the
 * State's 30 % outside QPV), then the one most behind in the vacancy's own
 * segments (retard, computed by the caller: in/out of QPV, typologie,
 * financing, commune, construction period), then the earliest deadline,
 * then the lower index.
 * So each destination gets its fair part of less attractive units too,
 * and the quota bound holds at every point of the year.
 *
 * The ranks after the first: the other eligible destinations in the same
 * order of preference, then those ahead of their share by deadline, then
 * those with no share.  Deterministic: the same counters give the same
 * ranking.  Exact integer arithmetic on hundredths of a percent (128-bit
 * products), except the caller's segment retards (double).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"

#include "moteur.h"
#include "taux.h"

#ifndef HAVE_INT128
#error "the orientation engine needs a 128-bit integer type"
#endif

#define FENETRE_MAX 256
#define CANDIDATS_MAX 3

typedef struct Etat
{
	int			k;
	int64		d;				/* sigma = 1 - 1/d, d = 2m - 2 */
	const Destination *dest;
	int64	   *donnes;			/* a_i as the simulation goes */
	int64		pas;			/* steps played after the vacancy */
} Etat;

/* deficit of i once this unit and pas more are oriented, in hundredths of a percent */
static inline int128
deficit(const Etat *e, int i)
{
	return (int128) e->dest[i].du + (int128) (1 + e->pas) * e->dest[i].part
		- (int128) e->donnes[i] * TAUX_MAX;
}

/* eligible: deficit >= 1 - sigma = 1/d */
static inline bool
eligible(const Etat *e, int i)
{
	return e->dest[i].part > 0 && deficit(e, i) * e->d >= TAUX_MAX;
}

/* its deadline comes within h more units: deficit after them >= sigma */
static inline bool
proche(const Etat *e, int i, int h)
{
	int128		def = (int128) e->dest[i].du + (int128) (1 + h) * e->dest[i].part
		- (int128) e->donnes[i] * TAUX_MAX;

	return def * e->d >= (int128) (e->d - 1) * TAUX_MAX;
}

/* deadline of i before j: (d a_i + d - 1) / p_i < (d a_j + d - 1) / p_j */
static inline bool
plus_tot(const Etat *e, int i, int j)
{
	int128		di = (int128) (e->d * e->donnes[i] + e->d - 1) * e->dest[j].part;
	int128		dj = (int128) (e->d * e->donnes[j] + e->d - 1) * e->dest[i].part;

	return di < dj || (di == dj && i < j);
}

/* Tijdeman's choice: the eligible destination with the earliest deadline */
static int
tijdeman(const Etat *e)
{
	int			meilleur = -1;
	int			i;

	for (i = 0; i < e->k; i++)
		if (eligible(e, i) && (meilleur < 0 || plus_tot(e, i, meilleur)))
			meilleur = i;
	if (meilleur < 0)
	{
		/* never with shares adding up to 100 %: the largest deficit */
		for (i = 0; i < e->k; i++)
			if (e->dest[i].part > 0 && (meilleur < 0 || deficit(e, i) > deficit(e, meilleur)))
				meilleur = i;
	}
	return meilleur;
}

/* |a_i - t p_i| <= sigma for destination i, after the current step */
static bool
dans_la_borne(const Etat *e, int i)
{
	int128		ecart;

	if (e->dest[i].part == 0)
		return true;
	ecart = (int128) e->donnes[i] * TAUX_MAX
		- ((int128) e->dest[i].du + (int128) (1 + e->pas) * e->dest[i].part);
	if (ecart < 0)
		ecart = -ecart;
	return ecart * e->d <= (int128) (e->d - 1) * TAUX_MAX;
}

/*
 * Giving this unit to c instead of Tijdeman's choice tij keeps the bound:
 * play the rule forward from both (A: c now; B: tij now, which is always
 * safe) for at most W steps.  Where A and B have given a destination the
 * same units, A's deviation is B's: only the destinations where they differ
 * need checking, and once they agree everywhere the futures are the same.
 */
static bool
sur(const Destination *dest, int k, int64 d, int c, int tij, int fenetre)
{
	Etat		ea,
				eb;
	int64	   *a = palloc(sizeof(int64) * k);
	int64	   *b = palloc(sizeof(int64) * k);
	bool		ok = true;
	int			differents = 2;
	int			i,
				s;

	for (i = 0; i < k; i++)
		a[i] = b[i] = dest[i].donnes;
	ea.k = eb.k = k;
	ea.d = eb.d = d;
	ea.dest = eb.dest = dest;
	ea.donnes = a;
	eb.donnes = b;
	ea.pas = eb.pas = 0;
	a[c]++;
	b[tij]++;
	ok = dans_la_borne(&ea, c) && dans_la_borne(&ea, tij);
	for (s = 1; ok && differents > 0 && s <= fenetre; s++)
	{
		int			x,
					y;

		ea.pas = eb.pas = s;
		x = tijdeman(&ea);
		y = tijdeman(&eb);
		a[x]++;
		b[y]++;
		differents = 0;
		for (i = 0; i < k && ok; i++)
			if (a[i] != b[i])
			{
				differents++;
				ok = dans_la_borne(&ea, i);
			}
	}
	pfree(a);
	pfree(b);
	return ok;
}

/* preference among eligible destinations: floor, segments, deadline, index */
static const Etat *tri_etat;

static int
preference_cmp(const void *a, const void *b)
{
	int			i = *(const int *) a;
	int			j = *(const int *) b;
	const Destination *di = &tri_etat->dest[i];
	const Destination *dj = &tri_etat->dest[j];

	if (di->priorite != dj->priorite)
		return di->priorite ? -1 : 1;
	if (di->retard != dj->retard)
		return di->retard > dj->retard ? -1 : 1;
	if (i == j)
		return 0;
	return plus_tot(tri_etat, i, j) ? -1 : 1;
}

static int
echeance_cmp(const void *a, const void *b)
{
	int			i = *(const int *) a;
	int			j = *(const int *) b;

	if (i == j)
		return 0;
	return plus_tot(tri_etat, i, j) ? -1 : 1;
}

Decision
MoteurClasser(const Destination *dest, int k, int *ordre)
{
	Etat		e;
	int64	   *donnes = palloc(sizeof(int64) * Max(k, 1));
	int		   *eligibles = palloc(sizeof(int) * Max(k, 1));
	int		   *autres = palloc(sizeof(int) * Max(k, 1));
	int		   *sans_part = palloc(sizeof(int) * Max(k, 1));
	int			ne = 0,
				na = 0,
				ns = 0,
				m = 0,
				n = 0;
	int			fenetre;
	int			tij;
	int			choisi = -1;
	Decision	decision = DECISION_QUOTA;
	int			i;

	if (k == 0)
		return DECISION_QUOTA;
	for (i = 0; i < k; i++)
	{
		donnes[i] = dest[i].donnes;
		if (dest[i].part > 0)
			m++;
	}
	e.k = k;
	e.d = m >= 2 ? 2 * (int64) m - 2 : 2;
	e.dest = dest;
	e.donnes = donnes;
	e.pas = 0;
	fenetre = Min(FENETRE_MAX, 2 * m + 2);

	for (i = 0; i < k; i++)
	{
		if (dest[i].part == 0)
			sans_part[ns++] = i;
		else if (eligible(&e, i))
			eligibles[ne++] = i;
		else
			autres[na++] = i;
	}
	tri_etat = &e;
	qsort(eligibles, ne, sizeof(int), preference_cmp);
	qsort(autres, na, sizeof(int), echeance_cmp);

	tij = tijdeman(&e);
	if (tij >= 0)
	{
		int			essais = 0;

		for (i = 0; i < ne && essais < CANDIDATS_MAX; i++)
		{
			int			c = eligibles[i];

			if (c == tij)
			{
				choisi = c;
				break;
			}
			if (!proche(&e, c, m))
				continue;
			essais++;
			if (sur(dest, k, e.d, c, tij, fenetre))
			{
				choisi = c;
				break;
			}
		}
		if (choisi < 0)
			choisi = tij;
		if (choisi != tij)
			decision = dest[choisi].priorite ? DECISION_PRIORITE : DECISION_SEGMENT;
		else if (dest[choisi].priorite)
			decision = DECISION_PRIORITE;
		ordre[n++] = choisi;
	}
	for (i = 0; i < ne; i++)
		if (eligibles[i] != choisi)
			ordre[n++] = eligibles[i];
	for (i = 0; i < na; i++)
		if (autres[i] != choisi)
			ordre[n++] = autres[i];
	for (i = 0; i < ns; i++)
		ordre[n++] = sans_part[i];
	Assert(n == k);

	pfree(donnes);
	pfree(eligibles);
	pfree(autres);
	pfree(sans_part);
	return decision;
}

/* deconstruct an array without NULLs (of any dimensions when plat) */
static int
tableau_plat(ArrayType *arr, Oid type, const char *nom, Datum **elems, bool plat)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	bool	   *nulls;
	int			n;
	int			i;

	if (!plat && ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", nom),
				 errhint("Pass one value per destination.")));
	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, type, typlen, typbyval, typalign, elems, &nulls, &n);
	for (i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s %d is null", nom, i + 1),
					 errhint("Pass a value for every destination.")));
	return n;
}

static int
tableau(ArrayType *arr, Oid type, const char *nom, Datum **elems)
{
	return tableau_plat(arr, type, nom, elems, false);
}

/*
 * flux.classer_destinations(parts flux.taux[], donnes bigint[],
 *		dus double precision[], retards double precision[], priorites boolean[],
 *		OUT ordre integer[], OUT decision text)
 * dus: units due so far (share x units of its territory, summed)
 */
PG_FUNCTION_INFO_V1(flux_classer_destinations);
Datum
flux_classer_destinations(PG_FUNCTION_ARGS)
{
	Datum	   *parts,
			   *donnes,
			   *dus,
			   *retards,
			   *priorites;
	int			k;
	Destination *dest;
	int		   *ordre;
	Datum	   *resultat;
	Decision	decision;
	TupleDesc	desc;
	Datum		valeurs[2];
	bool		nuls[2] = {false, false};
	int64		somme = 0;
	int			i;
	static const char *const decisions[] = {"quota", "segment", "priorite"};

	k = tableau(PG_GETARG_ARRAYTYPE_P(0), ARR_ELEMTYPE(PG_GETARG_ARRAYTYPE_P(0)), "share", &parts);
	if (tableau(PG_GETARG_ARRAYTYPE_P(1), INT8OID, "units given", &donnes) != k ||
		tableau(PG_GETARG_ARRAYTYPE_P(2), FLOAT8OID, "units due", &dus) != k ||
		tableau(PG_GETARG_ARRAYTYPE_P(3), FLOAT8OID, "segment retard", &retards) != k ||
		tableau(PG_GETARG_ARRAYTYPE_P(4), BOOLOID, "priority", &priorites) != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the five arrays must have one element per destination (%d)", k),
				 errhint("Pass shares, units given, units due, segment retards and priorities in the same order.")));

	dest = palloc(sizeof(Destination) * Max(k, 1));
	for (i = 0; i < k; i++)
	{
		dest[i].part = DatumGetTaux(parts[i]);
		dest[i].donnes = DatumGetInt64(donnes[i]);
		dest[i].du = (int64) llround(DatumGetFloat8(dus[i]) * TAUX_MAX);
		dest[i].retard = DatumGetFloat8(retards[i]);
		dest[i].priorite = DatumGetBool(priorites[i]);
		somme += dest[i].part;
		if (dest[i].donnes < 0 || !isfinite(DatumGetFloat8(dus[i])) || DatumGetFloat8(dus[i]) < 0
			|| DatumGetFloat8(dus[i]) > 1e12)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("destination %d: " INT64_FORMAT " units given and %g due",
							i + 1, dest[i].donnes, DatumGetFloat8(dus[i])),
					 errhint("Units given and due are zero or more (due: its share of each unit of its territory oriented so far, summed).")));
		if (isnan(dest[i].retard))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("segment retard %d is not a number", i + 1),
					 errhint("Pass a finite number.")));
	}
	if (somme > TAUX_MAX)
	{
		char		buf[TAUX_FORMAT_LEN];

		TauxFormat(somme, buf);
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("shares of the destinations add up to %s, more than 100%%", buf),
				 errhint("Include the bailleur's unreserved share as 100%% minus the others.")));
	}

	ordre = palloc(sizeof(int) * Max(k, 1));
	decision = MoteurClasser(dest, k, ordre);
	resultat = palloc(sizeof(Datum) * Max(k, 1));
	for (i = 0; i < k; i++)
		resultat[i] = Int32GetDatum(ordre[i] + 1);

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "flux.classer_destinations must return a record");
	desc = BlessTupleDesc(desc);
	valeurs[0] = PointerGetDatum(construct_array(resultat, k, INT4OID, sizeof(int32), true, TYPALIGN_INT));
	valeurs[1] = CStringGetTextDatum(decisions[decision]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, valeurs, nuls)));
}

/*
 * flux.simuler_noyau: a year of vacancies through the engine, in memory.
 *
 *	parts		int4[k]		shares of the conventions, hundredths of a percent
 *	debuts, fins date[k]	their period in force ([debut, fin), fin NULL: open)
 *	couverture	bool[k*nc]	convention i covers commune c (row-major)
 *	etat		bool[k]		the State (its floor outside QPV)
 *	dates		date[n]		the vacancies, in the order they come
 *	segments	int4[n][5]	their segment codes (dimension 1: 0 hors QPV,
 *							1 QPV; dimension 4: the commune's index)
 *	valeurs		int4[5]		how many codes each dimension has
 *
 * Destination k is the bailleur's own share (100 % minus the eligible
 * conventions').  Returns, for each destination (1 .. k + 1) and dimension
 * (0: all; 1 .. 5) and code, the units due (the share of each unit of its
 * territory, summed) and obtained.
 */
PG_FUNCTION_INFO_V1(flux_simuler_noyau);
Datum
flux_simuler_noyau(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *e_parts,
			   *e_debuts,
			   *e_fins,
			   *e_couv,
			   *e_etat,
			   *e_dates,
			   *e_segs,
			   *e_vals;
	bool	   *n_fins;
	int			k,
				nc,
				n,
				i,
				v,
				dim;
	int			nval[6];
	int			off[6];
	int			cases;
	int64	   *donnes,
			   *territoire;
	int64	   *seg_tous,
			   *seg_dest;
	double	   *dus,
			   *dus_seg;
	Destination *dest;
	int		   *idx,
			   *ordre;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			nn;

	InitMaterializedSRF(fcinfo, 0);

	k = tableau(PG_GETARG_ARRAYTYPE_P(0), INT4OID, "share", &e_parts);
	if (tableau(PG_GETARG_ARRAYTYPE_P(1), DATEOID, "start", &e_debuts) != k)
		elog(ERROR, "flux.simuler_noyau: one start per convention");
	get_typlenbyvalalign(DATEOID, &typlen, &typbyval, &typalign);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(2), DATEOID, typlen, typbyval, typalign, &e_fins, &n_fins, &nn);
	if (nn != k)
		elog(ERROR, "flux.simuler_noyau: one end per convention");
	nc = k > 0 ? tableau(PG_GETARG_ARRAYTYPE_P(3), BOOLOID, "coverage", &e_couv) / k : 0;
	if (tableau(PG_GETARG_ARRAYTYPE_P(4), BOOLOID, "State", &e_etat) != k)
		elog(ERROR, "flux.simuler_noyau: one State flag per convention");
	n = tableau(PG_GETARG_ARRAYTYPE_P(5), DATEOID, "date", &e_dates);
	if (tableau_plat(PG_GETARG_ARRAYTYPE_P(6), INT4OID, "segment", &e_segs, true) != n * 5 ||
		tableau(PG_GETARG_ARRAYTYPE_P(7), INT4OID, "values", &e_vals) != 5)
		elog(ERROR, "flux.simuler_noyau: five segment codes per vacancy");

	/* layout of the segment counters: dimension 0 has one code */
	nval[0] = 1;
	off[0] = 0;
	for (dim = 1; dim <= 5; dim++)
	{
		nval[dim] = DatumGetInt32(e_vals[dim - 1]);
		off[dim] = off[dim - 1] + nval[dim - 1];
	}
	cases = off[5] + nval[5];

	donnes = palloc0(sizeof(int64) * (k + 1));
	territoire = palloc0(sizeof(int64) * (k + 1));
	seg_tous = palloc0(sizeof(int64) * cases);
	seg_dest = palloc0(sizeof(int64) * cases * (k + 1));
	dus = palloc0(sizeof(double) * (k + 1));
	dus_seg = palloc0(sizeof(double) * cases * (k + 1));
	dest = palloc(sizeof(Destination) * (k + 1));
	idx = palloc(sizeof(int) * (k + 1));
	ordre = palloc(sizeof(int) * (k + 1));

	for (v = 0; v < n; v++)
	{
		DateADT		date = DatumGetDateADT(e_dates[v]);
		int			code[6];
		int			m = 0;
		int32		somme = 0;
		int			choisi;

		code[0] = 0;
		for (dim = 1; dim <= 5; dim++)
		{
			code[dim] = DatumGetInt32(e_segs[v * 5 + dim - 1]);
			if (code[dim] < 0 || code[dim] >= nval[dim])
				elog(ERROR, "flux.simuler_noyau: segment code %d out of range", code[dim]);
		}
		/* the destinations of this vacancy: conventions in force covering it, and the bailleur */
		for (i = 0; i <= k; i++)
		{
			bool		ok;
			int			d;
			double		retard = 0;
			int32		p;

			if (i < k)
			{
				ok = DatumGetDateADT(e_debuts[i]) <= date
					&& (n_fins[i] || date < DatumGetDateADT(e_fins[i]))
					&& DatumGetBool(e_couv[i * nc + code[4]]);
				if (!ok)
					continue;
				p = DatumGetInt32(e_parts[i]);
				somme += p;
			}
			else
				p = Max(0, TAUX_MAX - somme);
			dest[m].part = p;
			dest[m].donnes = donnes[i];
			dest[m].du = territoire[i];
			for (d = 1; d <= 5; d++)
				retard += (double) p / TAUX_MAX * (seg_tous[off[d] + code[d]] + 1)
					- seg_dest[i * cases + off[d] + code[d]];
			dest[m].retard = retard;
			dest[m].priorite = i < k && DatumGetBool(e_etat[i]) && code[1] == 0
				&& (double) Max(p, 3000) / TAUX_MAX * (seg_tous[off[1]] + 1)
				- seg_dest[i * cases + off[1]] >= 1;
			idx[m++] = i;
		}
		(void) MoteurClasser(dest, m, ordre);
		choisi = idx[ordre[0]];

		/* what each destination was due, and what it got */
		for (i = 0; i < m; i++)
		{
			int			j = idx[i];
			double		p = (double) dest[i].part / TAUX_MAX;

			dus[j] += p;
			for (dim = 0; dim <= 5; dim++)
				dus_seg[j * cases + off[dim] + code[dim]] += p;
			territoire[j] += dest[i].part;
		}
		donnes[choisi]++;
		for (dim = 0; dim <= 5; dim++)
		{
			seg_tous[off[dim] + code[dim]]++;
			seg_dest[choisi * cases + off[dim] + code[dim]]++;
		}
	}

	for (i = 0; i <= k; i++)
		for (dim = 0; dim <= 5; dim++)
		{
			int			c;

			for (c = 0; c < nval[dim]; c++)
			{
				Datum		valeurs[5];
				bool		nuls[5] = {false, false, false, false, false};
				int			cell = i * cases + off[dim] + c;

				if (dus_seg[cell] == 0 && seg_dest[cell] == 0)
					continue;
				valeurs[0] = Int32GetDatum(i + 1);
				valeurs[1] = Int32GetDatum(dim);
				valeurs[2] = Int32GetDatum(c);
				valeurs[3] = Float8GetDatum(dus_seg[cell]);
				valeurs[4] = Int64GetDatum(seg_dest[cell]);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valeurs, nuls);
			}
		}
	return (Datum) 0;
}

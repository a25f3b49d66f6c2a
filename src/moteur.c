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

#include "common/int.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
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
	bool		grand;			/* counts so large that d a + d - 1 might
								 * not fit in 64 bits (see plus_tot) */
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

/*
 * deadline of i before j: (d a_i + d - 1) / p_i < (d a_j + d - 1) / p_j.
 * The numerators are products in 128 bits.  d a + d - 1 itself fits in 64
 * bits for any real count of units (MoteurClasser checks it once, with the
 * steps the look-ahead may add): then it is one multiply, as this runs in
 * the innermost loops; past that bound, every term is widened first.
 */
static inline bool
plus_tot(const Etat *e, int i, int j)
{
	int128		di,
				dj;

	if (likely(!e->grand))
	{
		di = (int128) (e->d * e->donnes[i] + e->d - 1) * e->dest[j].part;
		dj = (int128) (e->d * e->donnes[j] + e->d - 1) * e->dest[i].part;
	}
	else
	{
		di = ((int128) e->d * e->donnes[i] + e->d - 1) * e->dest[j].part;
		dj = ((int128) e->d * e->donnes[j] + e->d - 1) * e->dest[i].part;
	}
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
sur(const Destination *dest, int k, int64 d, bool grand, int c, int tij, int fenetre)
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
	ea.grand = eb.grand = grand;
	a[c]++;
	b[tij]++;
	ok = dans_la_borne(&ea, c) && dans_la_borne(&ea, tij);
	for (s = 1; ok && differents > 0 && s <= fenetre; s++)
	{
		int			x,
					y;

		CHECK_FOR_INTERRUPTS();
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

/* preference among eligible destinations: floor, (combined segments,) segments, deadline, index */
static const Etat *tri_etat;
static bool tri_mixte;

static int
preference_cmp(const void *a, const void *b)
{
	int			i = *(const int *) a;
	int			j = *(const int *) b;
	const Destination *di = &tri_etat->dest[i];
	const Destination *dj = &tri_etat->dest[j];

	if (di->priorite != dj->priorite)
		return di->priorite ? -1 : 1;
	if (tri_mixte && di->combine != dj->combine)
		return di->combine > dj->combine ? -1 : 1;
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
	return MoteurClasserMixte(dest, k, ordre, false);
}

/*
 * The rule with the declared combined segments (mixte: the vacancy belongs
 * to one or more).  Two changes only, both within the fair mix (the quota
 * step and its safety check are the same): the combined retard comes right
 * after the legal floor in the preference, and every eligible destination
 * whose deadline comes within m units is a candidate (not the first three
 * only), each still kept only if the look-ahead finds the bound safe.
 */
Decision
MoteurClasserMixte(const Destination *dest, int k, int *ordre, bool mixte)
{
	Etat		e;
	int64	   *donnes = palloc(sizeof(int64) * Max(k, 1));
	int		   *eligibles = palloc(sizeof(int) * Max(k, 1));
	int		   *autres = palloc(sizeof(int) * Max(k, 1));
	int		   *sans_part = palloc(sizeof(int) * Max(k, 1));
	int64		max_donnes = 0;
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
		max_donnes = Max(max_donnes, dest[i].donnes);
		if (dest[i].part > 0)
			m++;
	}
	e.k = k;
	e.d = m >= 2 ? 2 * (int64) m - 2 : 2;
	e.dest = dest;
	e.donnes = donnes;
	e.pas = 0;
	fenetre = Min(FENETRE_MAX, 2 * m + 2);
	/* d (a + steps of the look-ahead + 1) + d - 1 <= INT64_MAX for every a? */
	e.grand = max_donnes > (PG_INT64_MAX - e.d) / e.d - (FENETRE_MAX + 2);

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
	tri_mixte = mixte;
	qsort(eligibles, ne, sizeof(int), preference_cmp);
	qsort(autres, na, sizeof(int), echeance_cmp);

	tij = tijdeman(&e);
	if (tij >= 0)
	{
		int			essais = 0;

		for (i = 0; i < ne && (mixte || essais < CANDIDATS_MAX); i++)
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
			if (sur(dest, k, e.d, e.grand, c, tij, fenetre))
			{
				choisi = c;
				break;
			}
		}
		if (choisi < 0)
			choisi = tij;
		if (choisi != tij)
			decision = dest[choisi].priorite ? DECISION_PRIORITE
				: (mixte && dest[choisi].combine > dest[tij].combine) ? DECISION_COMBINE : DECISION_SEGMENT;
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

/*
 * The elements of an array argument, checked: of the declared element type,
 * one-dimensional unless plat (then any shape: the caller checks it), and
 * without NULL unless nuls_permis.  Used by both SQL functions of the engine;
 * forme and nul are the hints of the shape and NULL errors.
 */
static int
tableau(ArrayType *arr, Oid type, const char *nom, bool plat, bool nuls_permis,
		const char *forme, const char *nul, Datum **elems, bool **nuls)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			n;
	int			i;

	if (!plat && ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array, not %d dimensions", nom, ARR_NDIM(arr)),
				 errhint("%s", forme)));
	if (ARR_ELEMTYPE(arr) != type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s must be an array of %s, not of %s", nom,
						format_type_be(type), format_type_be(ARR_ELEMTYPE(arr)))));
	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, type, typlen, typbyval, typalign, elems, nuls, &n);
	if (!nuls_permis)
		for (i = 0; i < n; i++)
			if ((*nuls)[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s %d is null", nom, i + 1),
						 errhint("%s", nul)));
	return n;
}

/* an array of classer_destinations: one value per destination */
#define DESTINATIONS(arg, type, nom, elems) \
	tableau(PG_GETARG_ARRAYTYPE_P(arg), (type), (nom), false, false, \
			"Pass one value per destination.", "Pass a value for every destination.", \
			(elems), &vides)


/*
 * flux.classer_destinations(parts flux.taux[], donnes bigint[],
 *		dus double precision[], retards double precision[], priorites boolean[],
 *		OUT ordre integer[], OUT decision text)
 * dus: units due so far (share x units of its territory, summed)
 */
static Datum
classer(FunctionCallInfo fcinfo, bool avec_combines)
{
	bool	   *vides;		/* the NULL flags of the arrays (none allowed) */
	Datum	   *parts,
			   *donnes,
			   *dus,
			   *retards,
			   *priorites,
			   *combines = NULL;
	bool		mixte = false;
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
	static const char *const decisions[] = {"quota", "segment", "priorite", "combine"};

	/* the declared type of the shares: flux.taux[] */
	k = DESTINATIONS(0, get_element_type(get_fn_expr_argtype(fcinfo->flinfo, 0)), "share", &parts);
	if (DESTINATIONS(1, INT8OID, "units given", &donnes) != k ||
		DESTINATIONS(2, FLOAT8OID, "units due", &dus) != k ||
		DESTINATIONS(3, FLOAT8OID, "segment retard", &retards) != k ||
		DESTINATIONS(4, BOOLOID, "priority", &priorites) != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the five arrays must have one element per destination (%d)", k),
				 errhint("Pass shares, units given, units due, segment retards and priorities in the same order.")));
	if (avec_combines &&
		DESTINATIONS(5, FLOAT8OID, "combined segment retard", &combines) != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the six arrays must have one element per destination (%d)", k),
				 errhint("Pass shares, units given, units due, segment retards, priorities and combined segment retards in the same order.")));

	dest = palloc(sizeof(Destination) * Max(k, 1));
	for (i = 0; i < k; i++)
	{
		dest[i].part = DatumGetTaux(parts[i]);
		dest[i].donnes = DatumGetInt64(donnes[i]);
		dest[i].du = (int64) llround(DatumGetFloat8(dus[i]) * TAUX_MAX);
		dest[i].retard = DatumGetFloat8(retards[i]);
		dest[i].priorite = DatumGetBool(priorites[i]);
		dest[i].combine = combines ? DatumGetFloat8(combines[i]) : 0;
		somme += dest[i].part;
		if (dest[i].part < 0 || dest[i].part > TAUX_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("share %d is %d hundredths of a percent, outside 0 to %d", i + 1,
							dest[i].part, TAUX_MAX),
					 errhint("Pass each share as a flux.taux between 0%% and 100%%.")));
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
		if (combines && isnan(dest[i].combine))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("combined segment retard %d is not a number", i + 1),
					 errhint("Pass a finite number.")));
		if (dest[i].combine != 0)
			mixte = true;
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
	decision = MoteurClasserMixte(dest, k, ordre, mixte);
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

PG_FUNCTION_INFO_V1(flux_classer_destinations);
Datum
flux_classer_destinations(PG_FUNCTION_ARGS)
{
	return classer(fcinfo, false);
}

/*
 * flux.classer_destinations(parts, donnes, dus, retards, priorites,
 *		combines double precision[], OUT ordre, OUT decision)
 * combines: each destination's retard in the declared combined segments of
 * the vacancy (share x (units of the segment so far + 1) - units it got
 * there, summed); all zero: exactly the five-argument form.
 */
PG_FUNCTION_INFO_V1(flux_classer_destinations_mixte);
Datum
flux_classer_destinations_mixte(PG_FUNCTION_ARGS)
{
	return classer(fcinfo, true);
}

/*
 * The replay of a year (flux.simuler_noyau), as a kernel on plain arrays.
 *
 * MoteurSimulerVerifier checks everything the replay indexes with before
 * any use: the lengths of the arrays, each share, each dimension's number
 * of codes, each vacancy's codes against them, the commune code against the
 * coverage, and that the counters fit in memory.  Every refusal is a user
 * error (22023 for a value, 2202E for a length, 54000 past a limit).
 */
/* the hint of every refusal of flux.simuler_noyau's arguments */
#define SIMULATION_CONSEIL "flux.simuler prepares these arrays; call it rather than flux.simuler_noyau."

static void
simulation_valeur_invalide(const char *quoi, int rang, int64 valeur, const char *attendu)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s %d is " INT64_FORMAT ", outside %s", quoi, rang, valeur, attendu),
			 errhint(SIMULATION_CONSEIL)));
}

static void
simulation_longueur(const char *quoi, int64 longueur, int64 attendue, const char *par)
{
	ereport(ERROR,
			(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
			 errmsg("%s has " INT64_FORMAT " elements, not " INT64_FORMAT " (%s)",
					quoi, longueur, attendue, par),
			 errhint(SIMULATION_CONSEIL)));
}

/* cells of the counters: dimension 0 has one code, then each dimension's codes */
static int64
simulation_cases(const Simulation *s)
{
	int64		cases = 1;
	int			d;

	for (d = 0; d < SIMULATION_DIMENSIONS; d++)
		cases += s->valeurs[d];
	return cases;
}

void
MoteurSimulerVerifier(const Simulation *s)
{
	int64		cases;
	int			i,
				v,
				d;
	char		borne[64];

	if (s->k < 0 || s->n < 0 || s->nc < 0)
		elog(ERROR, "flux.simuler_noyau: negative sizes");	/* the caller's lengths */
	for (d = 0; d < SIMULATION_DIMENSIONS; d++)
		if (s->valeurs[d] < 1 || s->valeurs[d] > SIMULATION_CODES_MAX)
		{
			snprintf(borne, sizeof(borne), "1 to %d", SIMULATION_CODES_MAX);
			simulation_valeur_invalide("number of codes of dimension", d + 1, s->valeurs[d], borne);
		}
	if (s->k > 0 && s->valeurs[SIMULATION_DIMENSION_COMMUNE - 1] != s->nc)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("coverage has %d communes per convention, but dimension %d has %d codes",
						s->nc, SIMULATION_DIMENSION_COMMUNE, s->valeurs[SIMULATION_DIMENSION_COMMUNE - 1]),
				 errhint("Pass one coverage flag per convention and commune of the commune dimension.")));
	for (i = 0; i < s->k; i++)
		if (s->parts[i] < 0 || s->parts[i] > TAUX_MAX)
			simulation_valeur_invalide("share", i + 1, s->parts[i], "0 to 10000 hundredths of a percent");
	for (v = 0; v < s->n; v++)
		for (d = 0; d < SIMULATION_DIMENSIONS; d++)
		{
			int32		code = s->segments[(int64) v * SIMULATION_DIMENSIONS + d];

			if (code < 0 || code >= s->valeurs[d])
			{
				snprintf(borne, sizeof(borne), "the codes 0 to %d of dimension %d",
						 s->valeurs[d] - 1, d + 1);
				simulation_valeur_invalide("segment code of vacancy", v + 1, code, borne);
			}
		}
	/* the counters: (k + 1) x cases doubles and as many int64 */
	cases = simulation_cases(s);
	if ((int64) (s->k + 1) * cases > SIMULATION_CELLULES_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("cannot replay %d conventions over " INT64_FORMAT " segment codes", s->k, cases - 1),
				 errhint("Replay fewer conventions or communes at a time.")));
}

void
MoteurSimuler(const Simulation *s, SimulationSortie sortie, void *arg)
{
	const int	k = s->k;
	int			nval[SIMULATION_DIMENSIONS + 1];
	int64		off[SIMULATION_DIMENSIONS + 1];
	int64		cases;
	int64	   *donnes,
			   *territoire,
			   *seg_tous,
			   *seg_dest;
	double	   *dus_seg;
	Destination *dest;
	int		   *idx,
			   *ordre;
	int			i,
				v,
				dim;

	MoteurSimulerVerifier(s);

	/* layout of the segment counters: dimension 0 has one code */
	nval[0] = 1;
	off[0] = 0;
	for (dim = 1; dim <= SIMULATION_DIMENSIONS; dim++)
	{
		nval[dim] = s->valeurs[dim - 1];
		off[dim] = off[dim - 1] + nval[dim - 1];
	}
	cases = simulation_cases(s);

	donnes = palloc0(sizeof(int64) * (k + 1));
	territoire = palloc0(sizeof(int64) * (k + 1));
	seg_tous = palloc0(sizeof(int64) * cases);
	seg_dest = palloc0(sizeof(int64) * cases * (k + 1));
	dus_seg = palloc0(sizeof(double) * cases * (k + 1));
	dest = palloc(sizeof(Destination) * (k + 1));
	idx = palloc(sizeof(int) * (k + 1));
	ordre = palloc(sizeof(int) * (k + 1));

	for (v = 0; v < s->n; v++)
	{
		DateADT		date = s->dates[v];
		int			code[SIMULATION_DIMENSIONS + 1];
		int			m = 0;
		int64		somme = 0;
		int			choisi;

		CHECK_FOR_INTERRUPTS();
		code[0] = 0;
		for (dim = 1; dim <= SIMULATION_DIMENSIONS; dim++)
			code[dim] = s->segments[(int64) v * SIMULATION_DIMENSIONS + dim - 1];
		/* the destinations of this vacancy: conventions in force covering it, and the bailleur */
		for (i = 0; i <= k; i++)
		{
			int			d;
			double		retard = 0;
			int32		p;

			if (i < k)
			{
				if (!(s->debuts[i] <= date
					  && (s->fin_ouverte[i] || date < s->fins[i])
					  && s->couverture[(int64) i * s->nc + code[SIMULATION_DIMENSION_COMMUNE]]))
					continue;
				p = s->parts[i];
				somme += p;
			}
			else
				p = (int32) Max(0, TAUX_MAX - somme);
			dest[m].part = p;
			dest[m].donnes = donnes[i];
			dest[m].du = territoire[i];
			for (d = 1; d <= SIMULATION_DIMENSIONS; d++)
				retard += (double) p / TAUX_MAX * (seg_tous[off[d] + code[d]] + 1)
					- seg_dest[i * cases + off[d] + code[d]];
			dest[m].retard = retard;
			dest[m].combine = 0;
			dest[m].priorite = i < k && s->etat[i] && code[1] == 0
				&& (double) Max(p, 3000) / TAUX_MAX * (seg_tous[off[1]] + 1)
				- seg_dest[i * cases + off[1]] >= 1;
			idx[m++] = i;
		}
		/* shares above 100 % in all: the engine ranks on their order anyway */
		(void) MoteurClasser(dest, m, ordre);
		choisi = idx[ordre[0]];

		/* what each destination was due, and what it got */
		for (i = 0; i < m; i++)
		{
			int			j = idx[i];
			double		p = (double) dest[i].part / TAUX_MAX;

			for (dim = 0; dim <= SIMULATION_DIMENSIONS; dim++)
				dus_seg[j * cases + off[dim] + code[dim]] += p;
			territoire[j] += dest[i].part;
		}
		donnes[choisi]++;
		for (dim = 0; dim <= SIMULATION_DIMENSIONS; dim++)
		{
			seg_tous[off[dim] + code[dim]]++;
			seg_dest[choisi * cases + off[dim] + code[dim]]++;
		}
	}

	for (i = 0; i <= k; i++)
		for (dim = 0; dim <= SIMULATION_DIMENSIONS; dim++)
		{
			int			c;

			CHECK_FOR_INTERRUPTS();
			for (c = 0; c < nval[dim]; c++)
			{
				int64		cell = i * cases + off[dim] + c;

				if (dus_seg[cell] == 0 && seg_dest[cell] == 0)
					continue;
				sortie(arg, i, dim, c, dus_seg[cell], seg_dest[cell]);
			}
		}

	pfree(donnes);
	pfree(territoire);
	pfree(seg_tous);
	pfree(seg_dest);
	pfree(dus_seg);
	pfree(dest);
	pfree(idx);
	pfree(ordre);
}

/* the tuplestore of flux.simuler_noyau, one row per cell */
static void
simuler_ligne(void *arg, int destination, int dimension, int code, double dus, int64 obtenus)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		valeurs[5];
	bool		nuls[5] = {false, false, false, false, false};

	valeurs[0] = Int32GetDatum(destination + 1);
	valeurs[1] = Int32GetDatum(dimension);
	valeurs[2] = Int32GetDatum(code);
	valeurs[3] = Float8GetDatum(dus);
	valeurs[4] = Int64GetDatum(obtenus);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valeurs, nuls);
}

/* an array of simuler_noyau (plat: segments, whose shape is checked apart) */
#define SIMULATION(arr, type, nom, plat, nuls_permis, elems, nuls) \
	tableau((arr), (type), (nom), (plat), (nuls_permis), SIMULATION_CONSEIL, SIMULATION_CONSEIL, \
			(elems), (nuls))

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
 *	valeurs		int4[5]		how many codes each dimension has (the fourth:
 *							nc, the communes of the coverage)
 *
 * Destination k is the bailleur's own share (100 % minus the eligible
 * conventions').  Returns, for each destination (1 .. k + 1) and dimension
 * (0: all; 1 .. 5) and code, the units due (the share of each unit of its
 * territory, summed) and obtained.  Every array is checked before use.
 */
PG_FUNCTION_INFO_V1(flux_simuler_noyau);
Datum
flux_simuler_noyau(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *a_segments = PG_GETARG_ARRAYTYPE_P(6);
	Datum	   *e;
	bool	   *nuls;
	Simulation	s;
	int32	   *parts,
			   *segments;
	DateADT    *debuts,
			   *fins,
			   *dates;
	bool	   *fin_ouverte,
			   *couverture,
			   *etat;
	int			ncouv,
				nsegs,
				n,
				i;

	InitMaterializedSRF(fcinfo, 0);

	s.k = SIMULATION(PG_GETARG_ARRAYTYPE_P(0), INT4OID, "share", false, false, &e, &nuls);
	parts = palloc(sizeof(int32) * Max(s.k, 1));
	for (i = 0; i < s.k; i++)
		parts[i] = DatumGetInt32(e[i]);

	if ((n = SIMULATION(PG_GETARG_ARRAYTYPE_P(1), DATEOID, "start", false, false, &e, &nuls)) != s.k)
		simulation_longueur("starts", n, s.k, "one per share");
	debuts = palloc(sizeof(DateADT) * Max(s.k, 1));
	for (i = 0; i < s.k; i++)
		debuts[i] = DatumGetDateADT(e[i]);

	if ((n = SIMULATION(PG_GETARG_ARRAYTYPE_P(2), DATEOID, "end", false, true, &e, &nuls)) != s.k)
		simulation_longueur("ends", n, s.k, "one per share, NULL when open");
	fins = palloc(sizeof(DateADT) * Max(s.k, 1));
	fin_ouverte = palloc(sizeof(bool) * Max(s.k, 1));
	for (i = 0; i < s.k; i++)
	{
		fin_ouverte[i] = nuls[i];
		fins[i] = nuls[i] ? 0 : DatumGetDateADT(e[i]);
	}

	ncouv = SIMULATION(PG_GETARG_ARRAYTYPE_P(3), BOOLOID, "coverage", false, false, &e, &nuls);
	s.nc = s.k > 0 ? ncouv / s.k : 0;
	if ((int64) s.nc * s.k != ncouv)
		simulation_longueur("coverage", ncouv, (int64) s.k * (s.nc + 1), "one per share and commune");
	couverture = palloc(sizeof(bool) * Max(ncouv, 1));
	for (i = 0; i < ncouv; i++)
		couverture[i] = DatumGetBool(e[i]);

	if ((n = SIMULATION(PG_GETARG_ARRAYTYPE_P(4), BOOLOID, "State flag", false, false, &e, &nuls)) != s.k)
		simulation_longueur("State flags", n, s.k, "one per share");
	etat = palloc(sizeof(bool) * Max(s.k, 1));
	for (i = 0; i < s.k; i++)
		etat[i] = DatumGetBool(e[i]);

	s.n = SIMULATION(PG_GETARG_ARRAYTYPE_P(5), DATEOID, "date", false, false, &e, &nuls);
	dates = palloc(sizeof(DateADT) * Max(s.n, 1));
	for (i = 0; i < s.n; i++)
		dates[i] = DatumGetDateADT(e[i]);

	/* segments: n rows of five codes ('{}' when there is no vacancy) */
	if (ARR_NDIM(a_segments) != 0 &&
		(ARR_NDIM(a_segments) != 2 || ARR_DIMS(a_segments)[1] != SIMULATION_DIMENSIONS))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("segments must be a two-dimensional array of %d codes per vacancy",
						SIMULATION_DIMENSIONS),
				 errhint(SIMULATION_CONSEIL)));
	nsegs = SIMULATION(a_segments, INT4OID, "segment code", true, false, &e, &nuls);
	if (nsegs != (int64) s.n * SIMULATION_DIMENSIONS)
		simulation_longueur("segments", nsegs, (int64) s.n * SIMULATION_DIMENSIONS, "five per vacancy");
	segments = palloc(sizeof(int32) * Max(nsegs, 1));
	for (i = 0; i < nsegs; i++)
		segments[i] = DatumGetInt32(e[i]);

	if ((n = SIMULATION(PG_GETARG_ARRAYTYPE_P(7), INT4OID, "number of codes", false, false, &e, &nuls))
		!= SIMULATION_DIMENSIONS)
		simulation_longueur("numbers of codes", n, SIMULATION_DIMENSIONS, "one per dimension");
	for (i = 0; i < SIMULATION_DIMENSIONS; i++)
		s.valeurs[i] = DatumGetInt32(e[i]);

	s.parts = parts;
	s.debuts = debuts;
	s.fins = fins;
	s.fin_ouverte = fin_ouverte;
	s.couverture = couverture;
	s.etat = etat;
	s.dates = dates;
	s.segments = segments;
	MoteurSimuler(&s, simuler_ligne, rsinfo);
	return (Datum) 0;
}

/*-------------------------------------------------------------------------
 *
 * fuzz_simuler.c
 *	  libFuzzer harness for the replay of a year through the engine
 *	  (src/moteur.c: MoteurSimulerVerifier, MoteurSimuler), the kernel of
 *	  flux.simuler_noyau.
 *
 * The arrays are what flux_simuler_noyau hands over after its own checks
 * (lengths consistent, no NULLs); their values are anything SQL can pass:
 * shares, numbers of codes and segment codes any int32 (mostly valid),
 * dates any date a column holds.  Sizes are kept small (up to CONV_MAX
 * conventions, VAC_MAX vacancies, CODES_PETIT codes a dimension) so that
 * a run is fast; a second mode puts the counters' size on either side of
 * the verifier's memory limit (54000) and calls only the verifier.
 * Checked:
 *	  - the replay refuses the input (22023, 2202E, 54000 only) exactly when
 *		a share, a number of codes, a segment code or the coverage's width
 *		is invalid;
 *	  - every reported cell is a destination 0 .. k, a dimension 0 .. 5 and
 *		one of its codes, reported once, not empty;
 *	  - in every dimension, the units obtained add up to the vacancies, code
 *		by code (each vacancy goes to exactly one destination, of those it
 *		was offered to);
 *	  - the units due add up, vacancy by vacancy, to the shares on offer
 *		(100 %, or the conventions' sum when it is more).
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz.h"

#include <math.h>

#include "datatype/timestamp.h"
#include "utils/memutils.h"

#include "moteur.h"
#include "taux.h"

#define CONV_MAX 10
#define VAC_MAX 150
#define CODES_PETIT 8
#define DIMS SIMULATION_DIMENSIONS

typedef struct Cellule
{
	double		dus;
	int64		obtenus;
	bool		vue;
} Cellule;

typedef struct Resultat
{
	int			k;
	int32		valeurs[DIMS];
	int			off[DIMS + 1];
	int			cases;
	Cellule    *cellules;		/* (k + 1) x cases */
	bool		invalide;		/* the replay must refuse this input */
} Resultat;

static void
sortie(void *arg, int destination, int dimension, int code, double dus, int64 obtenus)
{
	Resultat   *r = (Resultat *) arg;
	Cellule    *c;

	FUZZ_CHECK(!r->invalide, "replay of an invalid input reports cell (%d, %d, %d)",
			   destination, dimension, code);
	FUZZ_CHECK(destination >= 0 && destination <= r->k, "cell of destination %d (k = %d)",
			   destination, r->k);
	FUZZ_CHECK(dimension >= 0 && dimension <= DIMS, "cell of dimension %d", dimension);
	FUZZ_CHECK(code >= 0 && code < (dimension == 0 ? 1 : r->valeurs[dimension - 1]),
			   "cell of code %d in dimension %d", code, dimension);
	FUZZ_CHECK(dus != 0 || obtenus != 0, "empty cell (%d, %d, %d) reported",
			   destination, dimension, code);
	FUZZ_CHECK(obtenus >= 0 && dus >= 0 && isfinite(dus), "cell (%d, %d, %d): due %g, obtained " INT64_FORMAT,
			   destination, dimension, code, dus, obtenus);
	c = &r->cellules[destination * r->cases + r->off[dimension] + code];
	FUZZ_CHECK(!c->vue, "cell (%d, %d, %d) reported twice", destination, dimension, code);
	c->vue = true;
	c->dus = dus;
	c->obtenus = obtenus;
}

static DateADT
une_date(FuzzInput *in, DateADT base)
{
	switch (fuzz_bytes(in, 1) % 16)
	{
		case 0:
			return DATEVAL_NOBEGIN;
		case 1:
			return DATEVAL_NOEND;
		case 2:
			return (DateADT) fuzz_edgy(in, DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE,
									   DATE_END_JULIAN - POSTGRES_EPOCH_JDATE - 1);
		default:
			return base + (DateADT) fuzz_range(in, 0, 400);
	}
}

/* a number of codes: mostly small and valid, sometimes any int32 */
static int32
des_codes(FuzzInput *in)
{
	int32		v;

	if (fuzz_bytes(in, 1) % 16 != 0)
		return (int32) fuzz_range(in, 1, CODES_PETIT);
	v = (int32) fuzz_edgy(in, PG_INT32_MIN, PG_INT32_MAX);
	/* a valid but large count would only make the run slow */
	if (v >= 1 && v <= SIMULATION_CODES_MAX)
		v = CODES_PETIT;
	return v;
}

static void
rejouer(FuzzInput *in)
{
	int			k = (int) fuzz_range(in, 0, CONV_MAX);
	int			n = (int) fuzz_range(in, 0, VAC_MAX);
	int32		parts[CONV_MAX + 1];
	DateADT		debuts[CONV_MAX + 1],
				fins[CONV_MAX + 1],
				dates[VAC_MAX + 1];
	bool		ouverte[CONV_MAX + 1],
				etat[CONV_MAX + 1];
	bool	   *couverture;
	int32	   *segments;
	Simulation	s;
	Resultat	r;
	bool		invalide = false;
	volatile bool erreur = false;
	DateADT		base = (DateADT) fuzz_range(in, -1000, 10000);
	int			i,
				v,
				d;

	for (d = 0; d < DIMS; d++)
	{
		s.valeurs[d] = des_codes(in);
		if (s.valeurs[d] < 1 || s.valeurs[d] > SIMULATION_CODES_MAX)
			invalide = true;
	}
	/* the coverage's width: the commune dimension's codes, or (rarely) not */
	s.nc = fuzz_bytes(in, 1) % 32 == 0 ? (int) fuzz_range(in, 0, CODES_PETIT)
		: (invalide ? 1 : s.valeurs[SIMULATION_DIMENSION_COMMUNE - 1]);
	if (k > 0 && s.nc != s.valeurs[SIMULATION_DIMENSION_COMMUNE - 1])
		invalide = true;

	for (i = 0; i < k; i++)
	{
		uint8_t		sel = (uint8_t) fuzz_bytes(in, 1);

		parts[i] = sel % 32 == 0 ? (int32) fuzz_edgy(in, PG_INT32_MIN, PG_INT32_MAX)
			: sel % 4 == 0 ? 0 : (int32) fuzz_edgy(in, 0, TAUX_MAX / Max(k / 2, 1));
		if (parts[i] < 0 || parts[i] > TAUX_MAX)
			invalide = true;
		debuts[i] = fuzz_bool(in) ? base : une_date(in, base);
		ouverte[i] = fuzz_bool(in);
		fins[i] = ouverte[i] ? 0 : une_date(in, base);
		etat[i] = fuzz_bytes(in, 1) % 4 == 0;
	}
	couverture = palloc(sizeof(bool) * Max(k * s.nc, 1));
	for (i = 0; i < k * s.nc; i++)
		couverture[i] = fuzz_bytes(in, 1) % 4 != 0;
	segments = palloc(sizeof(int32) * Max(n * DIMS, 1));
	for (v = 0; v < n; v++)
	{
		dates[v] = fuzz_bytes(in, 1) % 8 == 0 ? une_date(in, base)
			: base + (DateADT) fuzz_range(in, 0, 400);
		for (d = 0; d < DIMS; d++)
		{
			int32	   *c = &segments[v * DIMS + d];

			if (fuzz_bytes(in, 1) % 64 == 0)
				*c = (int32) fuzz_edgy(in, PG_INT32_MIN, PG_INT32_MAX);
			else
				*c = (int32) fuzz_range(in, 0, Max(s.valeurs[d], 1) - 1);
			if (*c < 0 || *c >= s.valeurs[d])
				invalide = true;
		}
	}

	s.k = k;
	s.n = n;
	s.parts = parts;
	s.debuts = debuts;
	s.fins = fins;
	s.fin_ouverte = ouverte;
	s.couverture = couverture;
	s.etat = etat;
	s.dates = dates;
	s.segments = segments;

	r.k = k;
	r.invalide = invalide;
	memcpy(r.valeurs, s.valeurs, sizeof(r.valeurs));
	r.off[0] = 0;
	r.cases = 1;
	for (d = 0; d < DIMS; d++)
	{
		r.off[d + 1] = r.cases;
		r.cases += invalide ? 0 : s.valeurs[d];
	}
	r.cellules = palloc0(sizeof(Cellule) * (k + 1) * r.cases);

	FuzzAllow("22023", "2202E", "54000", NULL);
	FUZZ_TRY
	{
		MoteurSimuler(&s, sortie, &r);
	}
	FUZZ_CATCH
	{
		erreur = true;
	}
	FUZZ_END;
	FUZZ_CHECK(erreur == invalide, "replay %s an input that is %s (error: %s %s)",
			   erreur ? "refused" : "accepted", invalide ? "invalid" : "valid",
			   erreur ? FuzzLastSqlstate() : "none", erreur ? FuzzLastMessage() : "");
	if (erreur)
		return;

	/* units obtained: every vacancy once, in every dimension, code by code */
	for (d = 0; d <= DIMS; d++)
	{
		int			ncodes = d == 0 ? 1 : s.valeurs[d - 1];
		int			c;

		for (c = 0; c < ncodes; c++)
		{
			int64		vacances = 0,
						obtenus = 0;

			for (v = 0; v < n; v++)
				vacances += d == 0 || segments[v * DIMS + d - 1] == c;
			for (i = 0; i <= k; i++)
				obtenus += r.cellules[i * r.cases + r.off[d] + c].obtenus;
			FUZZ_CHECK(obtenus == vacances,
					   "dimension %d code %d: " INT64_FORMAT " units obtained for " INT64_FORMAT " vacancies",
					   d, c, obtenus, vacances);
		}
	}

	/* units due, and obtained only where offered */
	{
		double		dus_attendus[CONV_MAX + 1] = {0};
		int64		offertes[CONV_MAX + 1] = {0};
		int64		commune = 0;

		for (v = 0; v < n; v++)
		{
			int64		somme = 0;

			commune = segments[v * DIMS + SIMULATION_DIMENSION_COMMUNE - 1];
			for (i = 0; i < k; i++)
				if (debuts[i] <= dates[v] && (ouverte[i] || dates[v] < fins[i])
					&& couverture[i * s.nc + commune])
				{
					somme += parts[i];
					dus_attendus[i] += (double) parts[i] / TAUX_MAX;
					offertes[i]++;
				}
			dus_attendus[k] += (double) Max(0, TAUX_MAX - somme) / TAUX_MAX;
			offertes[k]++;
		}
		for (i = 0; i <= k; i++)
		{
			Cellule    *c = &r.cellules[i * r.cases];

			FUZZ_CHECK(fabs(c->dus - dus_attendus[i]) <= 1e-9 * Max(1.0, dus_attendus[i]),
					   "destination %d: %.17g units due, the shares on offer give %.17g",
					   i, c->dus, dus_attendus[i]);
			FUZZ_CHECK(c->obtenus <= offertes[i],
					   "destination %d obtained " INT64_FORMAT " units, offered " INT64_FORMAT,
					   i, c->obtenus, offertes[i]);
		}
	}
}

/* the verifier's memory limit: (k + 1) x cells <= SIMULATION_CELLULES_MAX, else 54000 */
static void
limite(FuzzInput *in)
{
	Simulation	s;
	int32		parts[64] = {0};
	DateADT		dates[1] = {0};
	bool		drapeaux[64] = {0};
	int32		segments[DIMS] = {0};
	int64		cases = 1;
	int64		limite_cases = SIMULATION_CELLULES_MAX;
	volatile bool erreur = false;
	int			d;

	memset(&s, 0, sizeof(s));
	s.k = (int) fuzz_range(in, 0, 63);
	for (d = 0; d < DIMS; d++)
	{
		s.valeurs[d] = (int32) fuzz_edgy(in, 1, SIMULATION_CODES_MAX);
		cases += s.valeurs[d];
	}
	s.nc = s.valeurs[SIMULATION_DIMENSION_COMMUNE - 1];
	s.n = 0;
	s.parts = parts;
	s.debuts = s.fins = s.dates = dates;
	s.fin_ouverte = s.etat = s.couverture = drapeaux;	/* not read with n = 0 */
	s.segments = segments;

	FuzzAllow("54000", NULL);
	FUZZ_TRY
	{
		MoteurSimulerVerifier(&s);
	}
	FUZZ_CATCH
	{
		erreur = true;
	}
	FUZZ_END;
	FUZZ_CHECK(erreur == ((int64) (s.k + 1) * cases > limite_cases),
			   "verifier %s %d conventions x " INT64_FORMAT " cells (limit " INT64_FORMAT ")",
			   erreur ? "refused" : "accepted", s.k, cases, limite_cases);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput	in = {data, size};

	if (fuzz_bytes(&in, 1) % 8 == 0)
		limite(&in);
	else
		rejouer(&in);
	FuzzReset();
	return 0;
}

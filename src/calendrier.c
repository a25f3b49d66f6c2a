/*-------------------------------------------------------------------------
 *
 * calendrier.c
 *	  French public holidays (jours fériés) and business days (jours ouvrés)
 *	  for metropolitan France, Alsace-Moselle and the five overseas
 *	  départements.
 *
 * Holidays, by zone (current law, applied to every year of the calendar):
 *
 *	  all zones		 1 Jan, Easter Monday (E+1), 1 May, 8 May, Ascension (E+39),
 *					 Whit Monday (E+50), 14 Jul, 15 Aug, 1 Nov, 11 Nov, 25 Dec
 *	  alsace-moselle + Good Friday (E-2), 26 Dec
 *	  guadeloupe	 + 27 May  (abolition of slavery, décret 83-1003)
 *	  martinique	 + 22 May
 *	  guyane		 + 10 Jun
 *	  reunion		 + 20 Dec
 *	  mayotte		 + 27 Apr
 *
 * Easter Sunday E is computed (Gregorian computus, Meeus/Jones/Butcher), so
 * the calendar covers any year from 1583 (the first full Gregorian year) to
 * 9999 (the last year date_in accepts in ordinary notation) with no table.
 *
 * Counting jours ouvrés.  A jour ouvré is a weekday (Monday to Friday) that
 * is not a holiday of the zone.  Weekdays are counted in closed form: on the
 * scale s = date - 2 (2000-01-03, a Monday, is s = 0), the number of
 * weekdays in [0, x) is
 *
 *		W(x) = 5 * floor(x / 7) + min(x mod 7, 5)
 *
 * and the K-th weekday is s = 7 * floor((K - 1) / 5) + (K - 1) mod 5.
 * Holidays falling on weekdays are then subtracted year by year (at most 14
 * a year, cached).  Adding n jours ouvrés first jumps n weekdays, then jumps
 * again by the number of weekday holidays the last jump crossed, until a
 * jump crosses none; the cost is O(years spanned), not O(n).
 *
 * Direction convention, shared by both functions:
 *
 *	  jours_ouvres_entre(a, b) = jours ouvrés in (a, b]   when a <= b
 *							   = -jours_ouvres_entre(b, a) when b < a
 *	  ajouter_jours_ouvres(d, n) = the n-th jour ouvré after d (n > 0),
 *							   before d (n < 0), d itself (n = 0)
 *
 * so jours_ouvres_entre(d, ajouter_jours_ouvres(d, n)) = n for every n >= 0,
 * and for n < 0 whenever d is itself a jour ouvré.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"

#include "calendrier.h"

/* 11 national holidays + at most 2 local ones */
#define FERIES_MAX	14

typedef struct Ferie
{
	DateADT		jour;
	const char *libelle;		/* UTF-8 */
} Ferie;

/* one year's weekday holidays of one zone, sorted and without duplicates */
typedef struct AnneeFeries
{
	int32		annee;			/* 0 = empty slot */
	int32		zone;
	int			n;
	DateADT		jours[FERIES_MAX];
} AnneeFeries;

#define CACHE_TAILLE 64
static AnneeFeries cache[CACHE_TAILLE];

static const char *const zone_noms[ZONE_COUNT] = {
	"metropole", "alsace-moselle", "guadeloupe", "martinique",
	"guyane", "reunion", "mayotte"
};

/* floor division and modulo, for dates before 2000-01-03 */
static inline int64
floor_div(int64 a, int64 b)
{
	int64		q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static inline int64
floor_mod(int64 a, int64 b)
{
	return a - b * floor_div(a, b);
}

static inline DateADT
date_ymd(int y, int m, int d)
{
	return date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
}

static inline int
annee_de(DateADT d)
{
	int			y,
				m,
				dd;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &dd);
	return y;
}

/* s-scale position of a date: multiples of 7 are Mondays */
static inline int64
position(int64 d)
{
	return d - 2;
}

static inline bool
est_semaine(int64 d)
{
	return floor_mod(position(d), 7) < 5;
}

/* weekdays at s-positions in [0, x), signed */
static inline int64
jours_semaine_avant(int64 x)
{
	int64		r = floor_mod(x, 7);

	return 5 * floor_div(x, 7) + (r < 5 ? r : 5);
}

/* the date of the K-th weekday, counting s = 0 as the first */
static inline int64
kieme_jour_semaine(int64 k)
{
	return 7 * floor_div(k - 1, 5) + floor_mod(k - 1, 5) + 2;
}

/* first and last day the calendar knows */
static DateADT
premier_jour(void)
{
	return date_ymd(CALENDRIER_PREMIERE_ANNEE, 1, 1);
}

static DateADT
dernier_jour(void)
{
	return date_ymd(CALENDRIER_DERNIERE_ANNEE, 12, 31);
}

static char *
date_texte(DateADT d)
{
	return DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(d)));
}

/* Raise 22008 unless d lies in the calendar's years. */
static void
verifier_date(DateADT d)
{
	if (DATE_NOT_FINITE(d) || d < premier_jour() || d > dernier_jour())
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date %s is outside the holiday calendar", date_texte(d)),
				 errdetail("flux knows French public holidays from %d to %d.",
						   CALENDRIER_PREMIERE_ANNEE, CALENDRIER_DERNIERE_ANNEE),
				 errhint("Use a finite date between %d-01-01 and %d-12-31.",
						 CALENDRIER_PREMIERE_ANNEE, CALENDRIER_DERNIERE_ANNEE)));
}

/*
 * paques
 *		Easter Sunday of a Gregorian year (anonymous Gregorian algorithm,
 *		Meeus/Jones/Butcher).  1818 and 2285: 22 March; 1943 and 2038:
 *		25 April, the two extremes.
 */
static DateADT
paques(int y)
{
	int			a = y % 19;
	int			b = y / 100;
	int			c = y % 100;
	int			d = b / 4;
	int			e = b % 4;
	int			f = (b + 8) / 25;
	int			g = (b - f + 1) / 3;
	int			h = (19 * a + b - d - g + 15) % 30;
	int			i = c / 4;
	int			k = c % 4;
	int			l = (32 + 2 * e + 2 * i - h - k) % 7;
	int			m = (a + 11 * h + 22 * l) / 451;
	int			mois = (h + l - 7 * m + 114) / 31;
	int			jour = (h + l - 7 * m + 114) % 31 + 1;

	return date_ymd(y, mois, jour);
}

static int
ferie_cmp(const void *a, const void *b)
{
	const Ferie *fa = (const Ferie *) a;
	const Ferie *fb = (const Ferie *) b;

	return (fa->jour > fb->jour) - (fa->jour < fb->jour);
}

/*
 * feries_calculer
 *		Fill out[] with the holidays of year y in the zone, sorted by date
 *		(two holidays may share a date: Ascension fell on 1 May in 2008).
 *		Returns how many.
 */
static int
feries_calculer(int y, CalendrierZone zone, Ferie *out)
{
	DateADT		e = paques(y);
	int			n = 0;

#define FERIE(date, nom) (out[n].jour = (date), out[n].libelle = (nom), n++)
	FERIE(date_ymd(y, 1, 1), "Jour de l'an");
	FERIE(e + 1, "Lundi de Pâques");
	FERIE(date_ymd(y, 5, 1), "Fête du Travail");
	FERIE(date_ymd(y, 5, 8), "Victoire 1945");
	FERIE(e + 39, "Ascension");
	FERIE(e + 50, "Lundi de Pentecôte");
	FERIE(date_ymd(y, 7, 14), "Fête nationale");
	FERIE(date_ymd(y, 8, 15), "Assomption");
	FERIE(date_ymd(y, 11, 1), "Toussaint");
	FERIE(date_ymd(y, 11, 11), "Armistice 1918");
	FERIE(date_ymd(y, 12, 25), "Noël");

	switch (zone)
	{
		case ZONE_METROPOLE:
			break;
		case ZONE_ALSACE_MOSELLE:
			FERIE(e - 2, "Vendredi saint");
			FERIE(date_ymd(y, 12, 26), "Saint-Étienne");
			break;
		case ZONE_GUADELOUPE:
			FERIE(date_ymd(y, 5, 27), "Abolition de l'esclavage");
			break;
		case ZONE_MARTINIQUE:
			FERIE(date_ymd(y, 5, 22), "Abolition de l'esclavage");
			break;
		case ZONE_GUYANE:
			FERIE(date_ymd(y, 6, 10), "Abolition de l'esclavage");
			break;
		case ZONE_REUNION:
			FERIE(date_ymd(y, 12, 20), "Abolition de l'esclavage");
			break;
		case ZONE_MAYOTTE:
			FERIE(date_ymd(y, 4, 27), "Abolition de l'esclavage");
			break;
		default:
			elog(ERROR, "unexpected holiday zone %d", (int) zone);
	}
#undef FERIE

	Assert(n <= FERIES_MAX);
	qsort(out, n, sizeof(Ferie), ferie_cmp);
	return n;
}

/*
 * feries_semaine
 *		The year's holidays that fall on a weekday, sorted, unique; cached
 *		(the function is pure, so a backend-local cache is always valid).
 */
static const AnneeFeries *
feries_semaine(int y, CalendrierZone zone)
{
	AnneeFeries *slot = &cache[(y * ZONE_COUNT + (int) zone) % CACHE_TAILLE];

	if (slot->annee != y || slot->zone != (int32) zone)
	{
		Ferie		tous[FERIES_MAX];
		int			n = feries_calculer(y, zone, tous);
		int			i;

		slot->annee = 0;		/* invalid while being filled */
		slot->n = 0;
		for (i = 0; i < n; i++)
		{
			if (!est_semaine(tous[i].jour))
				continue;
			if (slot->n > 0 && slot->jours[slot->n - 1] == tous[i].jour)
				continue;
			slot->jours[slot->n++] = tous[i].jour;
		}
		slot->zone = (int32) zone;
		slot->annee = y;
	}
	return slot;
}

/* Weekday holidays in (lo, hi]; both ends inside the calendar, lo < hi. */
static int64
feries_semaine_entre(DateADT lo, DateADT hi, CalendrierZone zone)
{
	int64		total = 0;
	int			y;
	int			derniere = annee_de(hi);

	for (y = annee_de(lo + 1); y <= derniere; y++)
	{
		const AnneeFeries *af = feries_semaine(y, zone);
		int			i;

		for (i = 0; i < af->n; i++)
			if (af->jours[i] > lo && af->jours[i] <= hi)
				total++;
		CHECK_FOR_INTERRUPTS();
	}
	return total;
}

CalendrierZone
CalendrierZoneFromText(const char *name)
{
	int			z;

	for (z = 0; z < ZONE_COUNT; z++)
		if (pg_strcasecmp(name, zone_noms[z]) == 0)
			return (CalendrierZone) z;

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown holiday zone \"%s\"", name),
			 errhint("Valid zones are metropole, alsace-moselle, guadeloupe, martinique, guyane, reunion and mayotte.")));
	pg_unreachable();
}

bool
CalendrierEstFerie(DateADT d, CalendrierZone zone)
{
	Ferie		tous[FERIES_MAX];
	int			n;
	int			i;

	verifier_date(d);
	n = feries_calculer(annee_de(d), zone, tous);
	for (i = 0; i < n; i++)
		if (tous[i].jour == d)
			return true;
	return false;
}

bool
CalendrierEstOuvre(DateADT d, CalendrierZone zone)
{
	verifier_date(d);
	if (!est_semaine(d))
		return false;
	return feries_semaine_entre(d - 1, d, zone) == 0;
}

/* Raise 22008 for a computed date that left the calendar. */
static DateADT
verifier_resultat(int64 t, DateADT d, int32 n)
{
	if (t < premier_jour() || t > dernier_jour())
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%d business days from %s is outside the holiday calendar",
						n, date_texte(d)),
				 errdetail("flux knows French public holidays from %d to %d.",
						   CALENDRIER_PREMIERE_ANNEE, CALENDRIER_DERNIERE_ANNEE),
				 errhint("Count fewer business days, or from a date further from the calendar's ends.")));
	return (DateADT) t;
}

DateADT
CalendrierAjouterJoursOuvres(DateADT d, int32 n, CalendrierZone zone)
{
	int64		t;
	int64		h;

	verifier_date(d);
	if (n == 0)
		return d;

	if (n > 0)
	{
		DateADT		lo = d;

		/* jump n weekdays, then as many as the holidays the jump crossed */
		t = kieme_jour_semaine(jours_semaine_avant(position(d) + 1) + n);
		for (;;)
		{
			t = verifier_resultat(t, d, n);
			h = feries_semaine_entre(lo, (DateADT) t, zone);
			if (h == 0)
				break;
			lo = (DateADT) t;
			t = kieme_jour_semaine(jours_semaine_avant(position(t) + 1) + h);
		}
	}
	else
	{
		DateADT		hi = d;

		/* the mirror image: holidays crossed are those in [t, hi) */
		t = kieme_jour_semaine(jours_semaine_avant(position(d)) + (int64) n + 1);
		for (;;)
		{
			t = verifier_resultat(t, d, n);
			h = feries_semaine_entre((DateADT) t - 1, hi - 1, zone);
			if (h == 0)
				break;
			hi = (DateADT) t;
			t = kieme_jour_semaine(jours_semaine_avant(position(t)) - h + 1);
		}
	}
	return (DateADT) t;
}

int32
CalendrierJoursOuvresEntre(DateADT a, DateADT b, CalendrierZone zone)
{
	DateADT		lo,
				hi;
	int64		n;

	verifier_date(a);
	verifier_date(b);
	if (a == b)
		return 0;
	lo = Min(a, b);
	hi = Max(a, b);
	n = jours_semaine_avant(position(hi) + 1) - jours_semaine_avant(position(lo) + 1)
		- feries_semaine_entre(lo, hi, zone);
	/* at most 5/7 of 3.1 M days: always fits */
	return (int32) (a < b ? n : -n);
}

/* flux.est_ferie(date, zone text): is the date a public holiday? */
PG_FUNCTION_INFO_V1(flux_est_ferie);
Datum
flux_est_ferie(PG_FUNCTION_ARGS)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	CalendrierZone zone = CalendrierZoneFromText(text_to_cstring(PG_GETARG_TEXT_PP(1)));

	PG_RETURN_BOOL(CalendrierEstFerie(d, zone));
}

/* flux.est_jour_ouvre(date, zone text): Monday-Friday and not a holiday? */
PG_FUNCTION_INFO_V1(flux_est_jour_ouvre);
Datum
flux_est_jour_ouvre(PG_FUNCTION_ARGS)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	CalendrierZone zone = CalendrierZoneFromText(text_to_cstring(PG_GETARG_TEXT_PP(1)));

	PG_RETURN_BOOL(CalendrierEstOuvre(d, zone));
}

/* flux.ajouter_jours_ouvres(date, integer, zone text): n-th jour ouvré after */
PG_FUNCTION_INFO_V1(flux_ajouter_jours_ouvres);
Datum
flux_ajouter_jours_ouvres(PG_FUNCTION_ARGS)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	int32		n = PG_GETARG_INT32(1);
	CalendrierZone zone = CalendrierZoneFromText(text_to_cstring(PG_GETARG_TEXT_PP(2)));

	PG_RETURN_DATEADT(CalendrierAjouterJoursOuvres(d, n, zone));
}

/* flux.jours_ouvres_entre(date, date, zone text): jours ouvrés in (a, b] */
PG_FUNCTION_INFO_V1(flux_jours_ouvres_entre);
Datum
flux_jours_ouvres_entre(PG_FUNCTION_ARGS)
{
	DateADT		a = PG_GETARG_DATEADT(0);
	DateADT		b = PG_GETARG_DATEADT(1);
	CalendrierZone zone = CalendrierZoneFromText(text_to_cstring(PG_GETARG_TEXT_PP(2)));

	PG_RETURN_INT32(CalendrierJoursOuvresEntre(a, b, zone));
}

/* flux.jours_feries(integer, zone text): the holidays of a year, by date */
PG_FUNCTION_INFO_V1(flux_jours_feries);
Datum
flux_jours_feries(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		annee;
	CalendrierZone zone;
	Ferie		tous[FERIES_MAX];
	int			n;
	int			i;

	/* not STRICT since 0.10.0: a NULL gave no row, silently */
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("year is NULL"),
				 errhint("Use a year between %d and %d.",
						 CALENDRIER_PREMIERE_ANNEE, CALENDRIER_DERNIERE_ANNEE)));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("holiday zone is NULL"),
				 errhint("Use metropole, alsace-moselle, guadeloupe, martinique, guyane, reunion or mayotte.")));
	annee = PG_GETARG_INT32(0);
	zone = CalendrierZoneFromText(text_to_cstring(PG_GETARG_TEXT_PP(1)));

	if (annee < CALENDRIER_PREMIERE_ANNEE || annee > CALENDRIER_DERNIERE_ANNEE)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("year %d is outside the holiday calendar", annee),
				 errhint("Use a year between %d and %d.",
						 CALENDRIER_PREMIERE_ANNEE, CALENDRIER_DERNIERE_ANNEE)));

	InitMaterializedSRF(fcinfo, 0);
	n = feries_calculer(annee, zone, tous);
	for (i = 0; i < n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};
		const char *libelle = tous[i].libelle;

		values[0] = DateADTGetDatum(tous[i].jour);
		values[1] = PointerGetDatum(cstring_to_text(pg_any_to_server(libelle,
																	 strlen(libelle),
																	 PG_UTF8)));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

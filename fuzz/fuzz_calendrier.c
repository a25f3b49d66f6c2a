/*-------------------------------------------------------------------------
 *
 * fuzz_calendrier.c
 *	  libFuzzer harness for the holiday calendar (src/calendrier.c):
 *	  CalendrierZoneFromText, CalendrierEstFerie, CalendrierEstOuvre,
 *	  CalendrierAjouterJoursOuvres, CalendrierJoursOuvresEntre, Easter.
 *
 * Dates are any a date column can hold (4713 BC to 5874897 AD, and
 * +-infinity), mostly inside the calendar's years 1583-9999 and near its
 * ends; n is any int32, mostly small.  Checked:
 *	  - 22008 exactly for a date outside the calendar, 22023 for an unknown
 *		zone, no other error;
 *	  - a jour ouvré is a weekday that is not a holiday;
 *	  - Easter Monday, Ascension, Whit Monday (and Good Friday in
 *		Alsace-Moselle) are holidays of the year, on the right weekdays, at
 *		Easter as Gauss/Lichtenberg computes it (another algorithm than the
 *		kernel's);
 *	  - ajouter_jours_ouvres(d, n) is a jour ouvré on the right side of d,
 *		and jours_ouvres_entre(d, it) = n (n >= 0, or d ouvré), n + 1 (n < 0,
 *		d not ouvré); 22008 only when the calendar indeed has fewer than |n|
 *		jours ouvrés on that side;
 *	  - jours_ouvres_entre is antisymmetric, additive, and, over short
 *		spans, the count of jours ouvrés day by day.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz.h"

#include "datatype/timestamp.h"
#include "utils/date.h"
#include "utils/datetime.h"

#include "calendrier.h"

static const char *const noms[ZONE_COUNT] = {
	"metropole", "alsace-moselle", "guadeloupe", "martinique",
	"guyane", "reunion", "mayotte"
};

static DateADT premier,
			dernier;

static DateADT
ymd(int y, int m, int d)
{
	return date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
}

static int
annee(DateADT d)
{
	int			y,
				m,
				j;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &j);
	return y;
}

/* 0 = Monday .. 6 = Sunday (2000-01-03, DateADT 2, was a Monday) */
static int
jour_semaine(DateADT d)
{
	int64		r = ((int64) d - 2) % 7;

	return (int) (r < 0 ? r + 7 : r);
}

/* weekdays in (a, b], a <= b, counted a week at a time */
static int64
semaine_entre(DateADT a, DateADT b)
{
	int64		jours = (int64) b - a;
	int64		n = jours / 7 * 5;
	DateADT		j;

	for (j = (DateADT) (b - jours % 7 + 1); j <= b; j++)
		n += jour_semaine(j) < 5;
	return n;
}

static bool
dans_calendrier(DateADT d)
{
	return d >= premier && d <= dernier;
}

/* Easter Sunday by Gauss's rule in Lichtenberg's form */
static DateADT
paques_gauss(int y)
{
	int			k = y / 100;
	int			m = 15 + (3 * k + 3) / 4 - (8 * k + 13) / 25;
	int			s = 2 - (3 * k + 3) / 4;
	int			a = y % 19;
	int			d = (19 * a + m) % 30;
	int			r = (d + a / 11) / 29;
	int			og = 21 + d - r;
	int			sz = 7 - (y + y / 4 + s) % 7;
	int			oe = 7 - (og - sz) % 7;

	return ymd(y, 3, 1) + og + oe - 1;	/* og + oe is a day of March */
}

/* the kernels, with the SQLSTATE of a user error in *etat (NULL if none) */
static bool
ferie(DateADT d, CalendrierZone z, const char **etat)
{
	volatile bool r = false;

	*etat = NULL;
	FuzzAllow("22008", NULL);
	FUZZ_TRY
	{
		r = CalendrierEstFerie(d, z);
	}
	FUZZ_CATCH
	{
		*etat = FuzzLastSqlstate();
	}
	FUZZ_END;
	return r;
}

static bool
ouvre(DateADT d, CalendrierZone z, const char **etat)
{
	volatile bool r = false;

	*etat = NULL;
	FuzzAllow("22008", NULL);
	FUZZ_TRY
	{
		r = CalendrierEstOuvre(d, z);
	}
	FUZZ_CATCH
	{
		*etat = FuzzLastSqlstate();
	}
	FUZZ_END;
	return r;
}

static DateADT
ajouter(DateADT d, int32 n, CalendrierZone z, const char **etat)
{
	volatile DateADT r = 0;

	*etat = NULL;
	FuzzAllow("22008", NULL);
	FUZZ_TRY
	{
		r = CalendrierAjouterJoursOuvres(d, n, z);
	}
	FUZZ_CATCH
	{
		*etat = FuzzLastSqlstate();
	}
	FUZZ_END;
	return r;
}

static int32
entre(DateADT a, DateADT b, CalendrierZone z, const char **etat)
{
	volatile int32 r = 0;

	*etat = NULL;
	FuzzAllow("22008", NULL);
	FUZZ_TRY
	{
		r = CalendrierJoursOuvresEntre(a, b, z);
	}
	FUZZ_CATCH
	{
		*etat = FuzzLastSqlstate();
	}
	FUZZ_END;
	return r;
}

/* inside the calendar: no error, and the caller gets the value */
static bool
ferie_ok(DateADT d, CalendrierZone z)
{
	const char *etat;
	bool		r = ferie(d, z, &etat);

	FUZZ_CHECK(etat == NULL, "est_ferie(%d, %s) raised %s", d, noms[z], etat);
	return r;
}

static bool
ouvre_ok(DateADT d, CalendrierZone z)
{
	const char *etat;
	bool		r = ouvre(d, z, &etat);

	FUZZ_CHECK(etat == NULL, "est_jour_ouvre(%d, %s) raised %s", d, noms[z], etat);
	return r;
}

static int32
entre_ok(DateADT a, DateADT b, CalendrierZone z)
{
	const char *etat;
	int32		r = entre(a, b, z, &etat);

	FUZZ_CHECK(etat == NULL, "jours_ouvres_entre(%d, %d, %s) raised %s", a, b, noms[z], etat);
	return r;
}

/* a date: mostly in the calendar or near its ends, else any date a column holds */
static DateADT
une_date(FuzzInput *in)
{
	switch (fuzz_bytes(in, 1) % 8)
	{
		case 0:
			return (DateADT) fuzz_edgy(in, DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE,
									   DATE_END_JULIAN - POSTGRES_EPOCH_JDATE - 1);
		case 1:
			return fuzz_bool(in) ? DATEVAL_NOBEGIN : DATEVAL_NOEND;
		case 2:
			return (DateADT) fuzz_range(in, premier - 400, premier + 400);
		case 3:
			return (DateADT) fuzz_range(in, dernier - 400, dernier + 400);
		default:
			return (DateADT) fuzz_range(in, premier, dernier);
	}
}

/* a date within 400 days of d, or just past the calendar's ends */
static DateADT
pres_de(FuzzInput *in, DateADT d)
{
	int64		x = (int64) d + fuzz_range(in, -400, 400);

	return (DateADT) Max((int64) premier - 2, Min((int64) dernier + 2, x));
}

/* n: mostly weeks to a few years; centuries (O(years) to check) now and then */
static DateADT
loin_de(FuzzInput *in, DateADT d)
{
	uint8_t		sel = (uint8_t) fuzz_bytes(in, 1);

	if (sel == 0 && fuzz_bytes(in, 1) % 16 == 0)
		return une_date(in);
	if (sel % 16 == 0)
	{
		int64		x = (int64) d + fuzz_range(in, -20000, 20000);

		return (DateADT) Max((int64) premier - 2, Min((int64) dernier + 2, x));
	}
	return pres_de(in, d);
}

static int32
un_nombre(FuzzInput *in)
{
	switch (fuzz_bytes(in, 1) % 16)
	{
		case 0:
			return (int32) fuzz_edgy(in, PG_INT32_MIN, PG_INT32_MAX);
		case 1:
			return (int32) fuzz_range(in, -3000000, 3000000);
		case 2:
		case 3:
		case 4:
			return (int32) fuzz_range(in, -20000, 20000);
		default:
			return (int32) fuzz_range(in, -600, 600);
	}
}

static CalendrierZone
une_zone(FuzzInput *in)
{
	char		nom[24];
	int			n,
				i;
	volatile int z = -1;

	if (fuzz_bytes(in, 1) % 4 != 0)
		return (CalendrierZone) fuzz_range(in, 0, ZONE_COUNT - 1);

	/* by name: a known one with its case mangled, or any bytes */
	n = (int) fuzz_range(in, 0, sizeof(nom) - 1);
	if (fuzz_bool(in))
	{
		const char *base = noms[fuzz_range(in, 0, ZONE_COUNT - 1)];

		n = (int) strlen(base);
		for (i = 0; i < n; i++)
			nom[i] = fuzz_bool(in) ? (char) toupper((unsigned char) base[i]) : base[i];
	}
	else
		for (i = 0; i < n; i++)
			nom[i] = (char) fuzz_range(in, 1, 255);
	nom[n] = '\0';

	FuzzAllow("22023", NULL);
	FUZZ_TRY
	{
		z = (int) CalendrierZoneFromText(nom);
	}
	FUZZ_CATCH
	{
	}
	FUZZ_END;
	for (i = 0; i < ZONE_COUNT; i++)
		if (pg_strcasecmp(nom, noms[i]) == 0)
			break;
	FUZZ_CHECK(z == (i < ZONE_COUNT ? i : -1),
			   "zone \"%s\" read as %d, expected %d", nom, z, i < ZONE_COUNT ? i : -1);
	return z >= 0 ? (CalendrierZone) z : ZONE_METROPOLE;
}

/* the movable feasts of d's year */
static void
verifier_paques(DateADT d, CalendrierZone z)
{
	int			y = annee(d);
	DateADT		e = paques_gauss(y);
	DateADT		j;
	int			lundis = 0;

	FUZZ_CHECK(ferie_ok(e + 1, z) && jour_semaine(e + 1) == 0,
			   "%d: Easter Monday (%d) is not a holiday Monday in %s", y, e + 1, noms[z]);
	FUZZ_CHECK(ferie_ok(e + 39, z) && jour_semaine(e + 39) == 3,
			   "%d: Ascension (%d) is not a holiday Thursday in %s", y, e + 39, noms[z]);
	FUZZ_CHECK(ferie_ok(e + 50, z) && jour_semaine(e + 50) == 0,
			   "%d: Whit Monday (%d) is not a holiday Monday in %s", y, e + 50, noms[z]);
	FUZZ_CHECK(!ferie_ok(e, z),
			   "%d: Easter Sunday (%d) is a holiday in %s", y, e, noms[z]);
	FUZZ_CHECK(ferie_ok(e - 2, z) == (z == ZONE_ALSACE_MOSELLE),
			   "%d: Good Friday (%d) wrong in %s", y, e - 2, noms[z]);
	/* between 23 March and 26 April, one holiday Monday: Easter's */
	for (j = ymd(y, 3, 23); j <= ymd(y, 4, 26); j++)
		if (jour_semaine(j) == 0 && ferie_ok(j, z))
			lundis++;
	FUZZ_CHECK(lundis == 1, "%d: %d holiday Mondays around Easter in %s", y, lundis, noms[z]);
}

static void
verifier_jour(DateADT d, CalendrierZone z)
{
	const char *e1,
			   *e2;
	bool		f = ferie(d, z, &e1);
	bool		o = ouvre(d, z, &e2);

	if (!dans_calendrier(d))
	{
		FUZZ_CHECK(e1 && strcmp(e1, "22008") == 0 && e2 && strcmp(e2, "22008") == 0,
				   "date %d outside the calendar: est_ferie %s, est_jour_ouvre %s",
				   d, e1 ? e1 : "ok", e2 ? e2 : "ok");
		return;
	}
	FUZZ_CHECK(!e1 && !e2, "date %d inside the calendar raised %s", d, e1 ? e1 : e2);
	FUZZ_CHECK(o == (jour_semaine(d) < 5 && !f),
			   "date %d in %s: ouvré %d, weekday %d, holiday %d", d, noms[z], o, jour_semaine(d), f);
	verifier_paques(d, z);
}

static void
verifier_ajouter(DateADT d, int32 n, CalendrierZone z)
{
	const char *etat;
	DateADT		r = ajouter(d, n, z, &etat);
	bool		o;
	int32		k;

	if (!dans_calendrier(d))
	{
		FUZZ_CHECK(etat && strcmp(etat, "22008") == 0,
				   "ajouter_jours_ouvres(%d, %d): date outside the calendar gave %s",
				   d, n, etat ? etat : "no error");
		return;
	}
	o = ouvre_ok(d, z);
	if (etat != NULL)
	{
		/* the calendar must indeed be too short on that side */
		FUZZ_CHECK(n != 0, "ajouter_jours_ouvres(%d, 0) raised %s", d, etat);
		/* (weekdays bound the count: an exact count only when they do not settle it) */
		if (n > 0)
			FUZZ_CHECK(semaine_entre(d, dernier) < n || entre_ok(d, dernier, z) < n,
					   "ajouter_jours_ouvres(%d, %d, %s) raised %s, yet %d jours ouvrés follow",
					   d, n, noms[z], etat, entre_ok(d, dernier, z));
		else if (semaine_entre(premier, d) >= -(int64) n)
		{
			/* jours ouvrés in [premier, d) (1 January 1583 is a holiday) */
			int64		avant = (int64) entre_ok(premier, d, z) - o;

			FUZZ_CHECK(avant < -(int64) n,
					   "ajouter_jours_ouvres(%d, %d, %s) raised %s, yet " INT64_FORMAT " jours ouvrés precede",
					   d, n, noms[z], etat, avant);
		}
		return;
	}
	FUZZ_CHECK(dans_calendrier(r), "ajouter_jours_ouvres(%d, %d, %s) = %d, outside the calendar",
			   d, n, noms[z], r);
	if (n == 0)
	{
		FUZZ_CHECK(r == d, "ajouter_jours_ouvres(%d, 0) = %d", d, r);
		return;
	}
	FUZZ_CHECK((n > 0) ? r > d : r < d, "ajouter_jours_ouvres(%d, %d, %s) = %d, wrong side",
			   d, n, noms[z], r);
	FUZZ_CHECK(ouvre_ok(r, z), "ajouter_jours_ouvres(%d, %d, %s) = %d, not a jour ouvré",
			   d, n, noms[z], r);
	k = entre_ok(d, r, z);
	FUZZ_CHECK(k == ((n > 0 || o) ? n : n + 1),
			   "jours_ouvres_entre(%d, ajouter_jours_ouvres(%d, %d) = %d, %s) = %d",
			   d, d, n, r, noms[z], k);
}

static void
verifier_entre(DateADT a, DateADT b, DateADT c, CalendrierZone z)
{
	const char *etat;
	int32		ab = entre(a, b, z, &etat);

	if (!dans_calendrier(a) || !dans_calendrier(b))
	{
		FUZZ_CHECK(etat && strcmp(etat, "22008") == 0,
				   "jours_ouvres_entre(%d, %d): outside the calendar gave %s",
				   a, b, etat ? etat : "no error");
		return;
	}
	FUZZ_CHECK(etat == NULL, "jours_ouvres_entre(%d, %d, %s) raised %s", a, b, noms[z], etat);
	FUZZ_CHECK(entre_ok(b, a, z) == -ab, "jours_ouvres_entre not antisymmetric at (%d, %d, %s)",
			   a, b, noms[z]);
	if (dans_calendrier(c) && Abs((int64) c - a) < 40000)
		FUZZ_CHECK((int64) ab + entre_ok(b, c, z) == entre_ok(a, c, z),
				   "jours_ouvres_entre not additive at (%d, %d, %d, %s)", a, b, c, noms[z]);
	if (a <= b && b - a <= 400)
	{
		int32		compte = 0;
		DateADT		j;

		for (j = a + 1; j <= b; j++)
			compte += ouvre_ok(j, z);
		FUZZ_CHECK(compte == ab, "jours_ouvres_entre(%d, %d, %s) = %d, day by day %d",
				   a, b, noms[z], ab, compte);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput	in = {data, size};
	CalendrierZone z;
	DateADT		a,
				b,
				c;
	int32		n;

	premier = ymd(CALENDRIER_PREMIERE_ANNEE, 1, 1);
	dernier = ymd(CALENDRIER_DERNIERE_ANNEE, 12, 31);

	z = une_zone(&in);
	a = une_date(&in);
	n = un_nombre(&in);
	verifier_jour(a, z);
	verifier_ajouter(a, n, z);

	/*
	 * b near a, c near b most of the time: short spans are counted day by
	 * day, and spans of decades (1 in 16) or of the whole calendar (1 in
	 * 4096: the kernel is O(years)) stay rare enough to keep the harness
	 * fast.
	 */
	b = loin_de(&in, a);
	c = loin_de(&in, b);
	verifier_entre(a, b, c, z);

	FuzzReset();
	return 0;
}

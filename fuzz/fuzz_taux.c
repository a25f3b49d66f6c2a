/*-------------------------------------------------------------------------
 *
 * fuzz_taux.c
 *	  libFuzzer harness for the flux.taux text parser and binary input
 *	  (src/taux.c: taux_in, taux_recv, and the arithmetic on what they give).
 *
 * The input, up to its first NUL, is the text given to taux_in (as a
 * cstring, which is all the server ever passes); its first four bytes are
 * also a binary taux for taux_recv.  Checked:
 *	  - taux_in either gives a value in [0, 10000] or raises 22P02/22003;
 *	  - the value is the decimal the text spells (blanks, no-break spaces and
 *		'%' aside, ',' read as '.'), and 22003 only for a decimal outside
 *		[0, 100];
 *	  - taux_out's text is canonical and re-parses to the same value;
 *	  - taux_recv gives back its int32 exactly when it is in [0, 10000],
 *		else 22003;
 *	  - taux_pl / taux_mi succeed exactly when the result is in range, and
 *		taux_cmp agrees with the integers.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz.h"

#include <math.h>
#include <stdlib.h>

#include "lib/stringinfo.h"
#include "port/pg_bswap.h"

#include "taux.h"

#define TEXTE_MAX 4096

extern Datum flux_taux_in(PG_FUNCTION_ARGS);
extern Datum flux_taux_out(PG_FUNCTION_ARGS);
extern Datum flux_taux_recv(PG_FUNCTION_ARGS);
extern Datum flux_taux_pl(PG_FUNCTION_ARGS);
extern Datum flux_taux_mi(PG_FUNCTION_ARGS);
extern Datum flux_taux_cmp(PG_FUNCTION_ARGS);

static Datum
appel1(PGFunction f, Datum a)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		r;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = a;
	fcinfo->args[0].isnull = false;
	r = f(fcinfo);
	FUZZ_CHECK(!fcinfo->isnull, "a taux function returned NULL");
	return r;
}

static Datum
appel2(PGFunction f, Datum a, Datum b)
{
	LOCAL_FCINFO(fcinfo, 2);
	Datum		r;

	InitFunctionCallInfoData(*fcinfo, NULL, 2, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = a;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = b;
	fcinfo->args[1].isnull = false;
	r = f(fcinfo);
	FUZZ_CHECK(!fcinfo->isnull, "a taux function returned NULL");
	return r;
}

/* taux_in; -1 with the error's SQLSTATE in *etat on a user error */
static int32
lire(const char *texte, const char **etat)
{
	volatile int32 v = -1;

	*etat = NULL;
	FuzzAllow("22P02", "22003", NULL);
	FUZZ_TRY
	{
		v = DatumGetTaux(appel1(flux_taux_in, CStringGetDatum(texte)));
	}
	FUZZ_CATCH
	{
		*etat = FuzzLastSqlstate();
	}
	FUZZ_END;
	return v;
}

/* the text without blanks, no-break spaces and '%', ',' as '.' */
static bool
nettoyer(const char *s, char *out, size_t taille)
{
	size_t		n = 0;

	while (*s)
	{
		unsigned char c = (unsigned char) *s;

		if (c == ' ' || (c >= '\t' && c <= '\r') || c == '%')
			s++;
		else if (c == 0xC2 && (unsigned char) s[1] == 0xA0)
			s += 2;
		else if (c == 0xE2 && (unsigned char) s[1] == 0x80 && (unsigned char) s[2] == 0xAF)
			s += 3;
		else
		{
			if (n + 1 >= taille)
				return false;
			out[n++] = (c == ',') ? '.' : (char) c;
			s++;
		}
	}
	out[n] = '\0';
	return true;
}

/* canonical output: digits, then '.' and one or two digits not ending in 0, then '%' */
static bool
canonique(const char *s)
{
	const char *p = s;
	const char *point;

	if (!isdigit((unsigned char) *p) || (p[0] == '0' && isdigit((unsigned char) p[1])))
		return false;
	while (isdigit((unsigned char) *p))
		p++;
	if (*p == '.')
	{
		point = ++p;
		while (isdigit((unsigned char) *p))
			p++;
		if (p - point < 1 || p - point > 2 || p[-1] == '0')
			return false;
	}
	return p[0] == '%' && p[1] == '\0';
}

static void
verifier_texte(const char *texte)
{
	const char *etat;
	int32		v = lire(texte, &etat);
	char		propre[TEXTE_MAX + 1];
	bool		decimal = false;
	double		x = 0;

	/* does the cleaned text read as a plain decimal (sign, digits, point)? */
	if (nettoyer(texte, propre, sizeof(propre)) && propre[0] != '\0')
	{
		const char *p = propre;
		int			chiffres = 0;

		if (*p == '+' || *p == '-')
			p++;
		while (isdigit((unsigned char) *p))
			p++, chiffres++;
		if (*p == '.')
			for (p++; isdigit((unsigned char) *p); p++)
				chiffres++;
		decimal = (*p == '\0' && chiffres > 0);
		if (decimal)
			x = strtod(propre, NULL);
	}

	if (etat == NULL)
	{
		char	   *sortie;
		const char *etat2;

		FUZZ_CHECK(v >= TAUX_MIN && v <= TAUX_MAX, "taux_in(\"%s\") gave %d", texte, v);
		FUZZ_CHECK(decimal, "taux_in accepted \"%s\" (%d), which is no decimal", texte, v);
		FUZZ_CHECK(fabs(x * TAUX_SCALE - v) < 1e-6,
				   "taux_in(\"%s\") gave %d hundredths, the text says %.17g", texte, v, x);
		sortie = DatumGetCString(appel1(flux_taux_out, TauxGetDatum(v)));
		FUZZ_CHECK(canonique(sortie), "taux_out(%d) = \"%s\" is not canonical", v, sortie);
		FUZZ_CHECK(lire(sortie, &etat2) == v && etat2 == NULL,
				   "taux_out(%d) = \"%s\" does not re-parse to %d", v, sortie, v);
	}
	else if (strcmp(etat, "22003") == 0)
		FUZZ_CHECK(decimal && (x > TAUX_MAX / TAUX_SCALE || x < 0),
				   "taux_in(\"%s\"): out of range (22003), yet the text is no decimal outside [0, 100]",
				   texte);
	/* 22P02: anything else, or a decimal with three decimals or more */
}

static int32
recevoir(uint32 brut, const char **etat)
{
	StringInfoData buf;
	uint32		reseau = pg_hton32(brut);
	volatile int32 v = -1;

	buf.data = (char *) &reseau;
	buf.len = 4;
	buf.maxlen = 4;
	buf.cursor = 0;
	*etat = NULL;
	FuzzAllow("22003", NULL);
	FUZZ_TRY
	{
		v = DatumGetTaux(appel1(flux_taux_recv, PointerGetDatum(&buf)));
	}
	FUZZ_CATCH
	{
		*etat = FuzzLastSqlstate();
	}
	FUZZ_END;
	FUZZ_CHECK(*etat != NULL || buf.cursor == 4, "taux_recv read %d bytes, not 4", buf.cursor);
	return v;
}

/* a op b on two valid taux: an error exactly when the result leaves [0, 100 %] */
static void
verifier_arithmetique(int32 a, int32 b)
{
	volatile int32 r = -1;
	volatile bool erreur = false;
	int32		c;

	FuzzAllow("22003", NULL);
	FUZZ_TRY
	{
		r = DatumGetTaux(appel2(flux_taux_pl, TauxGetDatum(a), TauxGetDatum(b)));
	}
	FUZZ_CATCH
	{
		erreur = true;
	}
	FUZZ_END;
	FUZZ_CHECK(erreur == (a + b > TAUX_MAX) && (erreur || r == a + b),
			   "taux_pl(%d, %d) = %d (error: %d)", a, b, r, erreur);

	erreur = false;
	FuzzAllow("22003", NULL);
	FUZZ_TRY
	{
		r = DatumGetTaux(appel2(flux_taux_mi, TauxGetDatum(a), TauxGetDatum(b)));
	}
	FUZZ_CATCH
	{
		erreur = true;
	}
	FUZZ_END;
	FUZZ_CHECK(erreur == (b > a) && (erreur || r == a - b),
			   "taux_mi(%d, %d) = %d (error: %d)", a, b, r, erreur);

	c = DatumGetInt32(appel2(flux_taux_cmp, TauxGetDatum(a), TauxGetDatum(b)));
	FUZZ_CHECK(c == (a > b) - (a < b), "taux_cmp(%d, %d) = %d", a, b, c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		texte[TEXTE_MAX + 1];
	size_t		n = Min(size, (size_t) TEXTE_MAX);
	const char *etat;
	int32		a,
				b;

	memcpy(texte, data, n);
	texte[n] = '\0';
	verifier_texte(texte);

	if (size >= 4)
	{
		uint32		brut = ((uint32) data[0] << 24) | ((uint32) data[1] << 16)
			| ((uint32) data[2] << 8) | data[3];

		b = recevoir(brut, &etat);
		FUZZ_CHECK((etat == NULL) == ((int32) brut >= TAUX_MIN && (int32) brut <= TAUX_MAX)
				   && (etat != NULL || b == (int32) brut),
				   "taux_recv(%d) gave %d (error %s)", (int32) brut, b, etat ? etat : "none");
		a = lire(texte, &etat);
		if (etat == NULL && b >= 0)
			verifier_arithmetique(a, b);
		else
			verifier_arithmetique((int32) (brut % (TAUX_MAX + 1)),
								  (int32) ((brut >> 16) % (TAUX_MAX + 1)));
	}

	FuzzReset();
	return 0;
}

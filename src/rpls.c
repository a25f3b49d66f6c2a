/*-------------------------------------------------------------------------
 *
 * rpls.c
 *	  The per-line tests of flux.charger_rpls (src/rpls.sql), in one pass
 *	  over the bytes instead of a regular expression each.
 *
 * flux.charger_rpls checks every line of an RPLS file against about twenty
 * formats (regular expressions and lists of codes) and builds, for a bad
 * line, the list of its reasons.  Run as SQL for every line, the regular
 * expressions were about half of the validation's time (perf: pg_regexec).
 * Two functions do the same tests in C; the SQL keeps every reason and its
 * wording, and asks C only a yes-or-no question, so that C can never change
 * a reason:
 *
 *	 flux.rpls_ligne_speciale(texte): the line is empty or holds a byte
 *	 0x01-0x1F, 0x7F or a double quote, a blank next to a ';', or a blank
 *	 first or last: the same answer as
 *	   texte = '' OR texte ~ E'[\\x01-\\x1f\\x7f"]|[ ];|;[ ]|^[ ]|[ ]$'
 *	 (such a line is split field by field, the others by string_to_array).
 *
 *	 flux.rpls_formats_valides(ident_int, ident_rep, depcom, ...): true when
 *	 none of the format reasons of flux.charger_rpls applies to the fields
 *	 (the checks against flux.commune, flux.rpls_finan, the repeated
 *	 IDENT_INT and IDENT_REP stay in SQL); false otherwise, and then the SQL
 *	 computes the reasons as before.  A false where every SQL test passes
 *	 would only cost time (the SQL then finds no reason); a true where one
 *	 fails would lose a reason, so each test below is the exact one of the
 *	 SQL, named beside it.
 *
 * The server's encoding is ASCII-safe (every byte of a multibyte character
 * is >= 0x80), so testing bytes against ASCII classes is testing characters:
 * a character that is not ASCII never matches [0-9A-Z], and a count of
 * matching bytes is a count of characters.  Text values are read by their
 * length (no NUL terminator is assumed); equality of codes is byte equality,
 * that of the database's deterministic collation.  test/rpls_c.sql compares
 * both functions with the SQL they replace on hostile inputs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

/* a text argument as bytes; false when it is NULL */
typedef struct Champ
{
	bool		present;
	const char *p;
	int			n;
} Champ;

static Champ
champ(FunctionCallInfo fcinfo, int i)
{
	Champ		c = {false, NULL, 0};

	if (!PG_ARGISNULL(i))
	{
		text	   *t = PG_GETARG_TEXT_PP(i);

		c.present = true;
		c.p = VARDATA_ANY(t);
		c.n = VARSIZE_ANY_EXHDR(t);
	}
	return c;
}

static inline bool
chiffre(char c)
{
	return c >= '0' && c <= '9';
}

/* n digits from p */
static bool
chiffres(const char *p, int n)
{
	for (int i = 0; i < n; i++)
		if (!chiffre(p[i]))
			return false;
	return true;
}

/* the value is one of the codes (NULL-terminated list) */
static bool
parmi(Champ c, const char *const *codes)
{
	for (; *codes; codes++)
		if ((int) strlen(*codes) == c.n && memcmp(*codes, c.p, c.n) == 0)
			return true;
	return false;
}

/* one character, between lo and hi */
static bool
un_code(Champ c, char lo, char hi)
{
	return c.n == 1 && c.p[0] >= lo && c.p[0] <= hi;
}

/* ^[0-9]{1,max}([.,][0-9]{1,2})?$ */
static bool
montant(Champ c, int max)
{
	int			i = 0;
	int			k;

	while (i < c.n && chiffre(c.p[i]))
		i++;
	if (i < 1 || i > max)
		return false;
	if (i == c.n)
		return true;
	if (c.p[i] != '.' && c.p[i] != ',')
		return false;
	k = c.n - i - 1;
	return (k == 1 || k == 2) && chiffres(c.p + i + 1, k);
}

/* ^0+([.,]0*)?$ */
static bool
zero(Champ c)
{
	int			i = 0;

	while (i < c.n && c.p[i] == '0')
		i++;
	if (i < 1)
		return false;
	if (i == c.n)
		return true;
	if (c.p[i] != '.' && c.p[i] != ',')
		return false;
	for (i++; i < c.n; i++)
		if (c.p[i] != '0')
			return false;
	return true;
}

/* ^(18|19|20)[0-9]{2}$ */
static bool
annee(Champ c)
{
	return c.n == 4 && chiffres(c.p, 4)
		&& ((c.p[0] == '1' && (c.p[1] == '8' || c.p[1] == '9')) || (c.p[0] == '2' && c.p[1] == '0'));
}

PG_FUNCTION_INFO_V1(flux_rpls_ligne_speciale);

Datum
flux_rpls_ligne_speciale(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const unsigned char *p = (const unsigned char *) VARDATA_ANY(t);
	int			n = VARSIZE_ANY_EXHDR(t);

	/* texte = '' OR texte ~ '^[ ]' OR texte ~ '[ ]$' */
	if (n == 0 || p[0] == ' ' || p[n - 1] == ' ')
		PG_RETURN_BOOL(true);
	for (int i = 0; i < n; i++)
	{
		/* [\x01-\x1f\x7f"] (a NUL is not in a text) */
		if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '"')
			PG_RETURN_BOOL(true);
		/* [ ];|;[ ] */
		if (p[i] == ';' && ((i > 0 && p[i - 1] == ' ') || (i + 1 < n && p[i + 1] == ' ')))
			PG_RETURN_BOOL(true);
	}
	PG_RETURN_BOOL(false);
}

PG_FUNCTION_INFO_V1(flux_rpls_formats_valides);

/*
 * The arguments, in this order: ident_int, ident_rep, depcom, epci, qpv,
 * typeconst, nbpiece, surfhab, construct, locat, patrimoine, origine, finan,
 * cus, conv, sortiepatrim, mode, loyerprinc, contreslog.  Each test is the
 * negation of the condition under which flux.charger_rpls gives the reason
 * (a comparison with NULL is NULL: no reason, unless the SQL says IS NULL).
 */
Datum
flux_rpls_formats_valides(PG_FUNCTION_ARGS)
{
	static const char *const cus[] = {"11", "13", "14", "16", NULL};
	static const char *const sortie[] = {"1", "2", "3", "4", "5", "9", NULL};
	Champ		c;

	if (PG_NARGS() != 19)
		elog(ERROR, "flux.rpls_formats_valides takes 19 arguments, not %d", PG_NARGS());

	/* ident_int IS NULL */
	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	/* ident_rep !~ '^[0-9A-Z]{10}$' */
	c = champ(fcinfo, 1);
	if (c.present)
	{
		if (c.n != 10)
			PG_RETURN_BOOL(false);
		for (int i = 0; i < 10; i++)
			if (!chiffre(c.p[i]) && !(c.p[i] >= 'A' && c.p[i] <= 'Z'))
				PG_RETURN_BOOL(false);
	}
	/* depcom IS NULL OR depcom !~ '^([0-9]{5}|2[AB][0-9]{3})$' */
	c = champ(fcinfo, 2);
	if (!c.present || c.n != 5
		|| !(chiffres(c.p, 5) || (c.p[0] == '2' && (c.p[1] == 'A' || c.p[1] == 'B') && chiffres(c.p + 2, 3))))
		PG_RETURN_BOOL(false);
	/* epci !~ '^[0-9]{9}$' */
	c = champ(fcinfo, 3);
	if (c.present && !(c.n == 9 && chiffres(c.p, 9)))
		PG_RETURN_BOOL(false);
	/* qpv IS NULL OR qpv NOT IN ('1', '2') */
	c = champ(fcinfo, 4);
	if (!c.present || !un_code(c, '1', '2'))
		PG_RETURN_BOOL(false);
	/* typeconst IS NULL OR typeconst NOT IN ('C', 'I', 'E') */
	c = champ(fcinfo, 5);
	if (!c.present || c.n != 1 || (c.p[0] != 'C' && c.p[0] != 'I' && c.p[0] != 'E'))
		PG_RETURN_BOOL(false);
	/* nbpiece IS NULL OR nbpiece NOT IN ('1', ..., '9') */
	c = champ(fcinfo, 6);
	if (!c.present || !un_code(c, '1', '9'))
		PG_RETURN_BOOL(false);
	/* surfhab !~ '^[0-9]{1,5}([.,][0-9]{1,2})?$' OR surfhab ~ '^0+([.,]0*)?$' */
	c = champ(fcinfo, 7);
	if (c.present && (!montant(c, 5) || zero(c)))
		PG_RETURN_BOOL(false);
	/* construct, locat, patrimoine !~ '^(18|19|20)[0-9]{2}$' */
	for (int i = 8; i <= 10; i++)
	{
		c = champ(fcinfo, i);
		if (c.present && !annee(c))
			PG_RETURN_BOOL(false);
	}
	/* origine NOT IN ('1', '2', '3', '4') */
	c = champ(fcinfo, 11);
	if (c.present && !un_code(c, '1', '4'))
		PG_RETURN_BOOL(false);
	/* finan IS NULL OR finan !~ '^[0-9]{2}$' (flux.rpls_finan: in SQL) */
	c = champ(fcinfo, 12);
	if (!c.present || !(c.n == 2 && chiffres(c.p, 2)))
		PG_RETURN_BOOL(false);
	/* cus NOT IN ('11', '13', '14', '16') */
	c = champ(fcinfo, 13);
	if (c.present && !parmi(c, cus))
		PG_RETURN_BOOL(false);
	/* conv IS NULL OR conv NOT IN ('1', '2') */
	c = champ(fcinfo, 14);
	if (!c.present || !un_code(c, '1', '2'))
		PG_RETURN_BOOL(false);
	/* sortiepatrim, mode NOT IN ('1', '2', '3', '4', '5', '9') */
	for (int i = 15; i <= 16; i++)
	{
		c = champ(fcinfo, i);
		if (c.present && !parmi(c, sortie))
			PG_RETURN_BOOL(false);
	}
	/* loyerprinc !~ '^[0-9]{1,7}([.,][0-9]{1,2})?$' */
	c = champ(fcinfo, 17);
	if (c.present && !montant(c, 7))
		PG_RETURN_BOOL(false);
	/* contreslog NOT IN ('1', ..., '7') */
	c = champ(fcinfo, 18);
	if (c.present && !un_code(c, '1', '7'))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(true);
}

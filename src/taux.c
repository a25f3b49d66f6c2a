/*-------------------------------------------------------------------------
 *
 * taux.c
 *	  The flux.taux type: input/output, binary I/O, comparison, arithmetic,
 *	  aggregate support and casts.
 *
 * A taux is a percentage exact to 0.01 %, stored as an int32 number of
 * hundredths of a percent in [0, 10000].  Text input accepts what a French
 * spreadsheet or a convention would print:
 *
 *		'30'  '30%'  '30 %'  '12.5%'  '12,5 %'  '0,25'  '100 %'
 *
 * (a decimal point or a French decimal comma, at most two decimals, an
 * optional percent sign, surrounding blanks including the no-break spaces
 * French typography puts before '%').  Output is the shortest exact form
 * with '%' and no space: '30%', '12.5%', '33.33%'.
 *
 * Every value that leaves this file went through TauxCheck(), so no
 * function can produce a taux outside [0 %, 100 %]: arithmetic that would
 * is an error (22003), never a clamp.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "taux.h"

/*
 * TauxCheck
 *		Return the value as a Taux, or raise 22003 naming it.
 *
 * "what" describes where the value came from, for the error detail.
 */
Taux
TauxCheck(int64 hundredths, const char *what)
{
	if (hundredths < TAUX_MIN || hundredths > TAUX_MAX)
	{
		char		buf[TAUX_FORMAT_LEN];

		TauxFormat(hundredths, buf);
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value %s is out of range for type taux", buf),
				 errdetail("%s", what),
				 errhint("A taux lies between 0%% and 100%%.")));
	}
	return (Taux) hundredths;
}

/*
 * TauxFormat
 *		Write the shortest exact text form of a number of hundredths of a
 *		percent into buf: "30%", "12.5%", "33.33%", "-0.5%".
 */
void
TauxFormat(int64 hundredths, char *buf)
{
	const char *sign = hundredths < 0 ? "-" : "";
	uint64		v = hundredths < 0 ? -(uint64) hundredths : (uint64) hundredths;
	uint64		whole = v / TAUX_SCALE;
	int			frac = (int) (v % TAUX_SCALE);

	if (frac == 0)
		snprintf(buf, TAUX_FORMAT_LEN, "%s" UINT64_FORMAT "%%", sign, whole);
	else if (frac % 10 == 0)
		snprintf(buf, TAUX_FORMAT_LEN, "%s" UINT64_FORMAT ".%d%%", sign, whole, frac / 10);
	else
		snprintf(buf, TAUX_FORMAT_LEN, "%s" UINT64_FORMAT ".%02d%%", sign, whole, frac);
}

/*
 * skip_blanks
 *		Skip ASCII white space and the UTF-8 no-break spaces (U+00A0, U+202F)
 *		that French typography puts between a number and '%'.
 */
static const char *
skip_blanks(const char *p)
{
	for (;;)
	{
		if (isspace((unsigned char) *p))
			p++;
		else if ((unsigned char) p[0] == 0xC2 && (unsigned char) p[1] == 0xA0)
			p += 2;
		else if ((unsigned char) p[0] == 0xE2 && (unsigned char) p[1] == 0x80 &&
				 (unsigned char) p[2] == 0xAF)
			p += 3;
		else
			return p;
	}
}

/*
 * taux_parse
 *		The one validation path shared by text input and every text-like
 *		conversion.  Raises 22P02 for malformed text or more than two
 *		decimals, 22003 for a value outside [0 %, 100 %].
 */
static Taux
taux_parse(const char *str)
{
	const char *p = skip_blanks(str);
	bool		negative = false;
	int64		whole = 0;
	int			frac = 0;
	int			ndigits = 0;
	int			ndecimals = 0;
	bool		toolarge = false;

	if (*p == '+' || *p == '-')
	{
		negative = (*p == '-');
		p++;
	}

	for (; isdigit((unsigned char) *p); p++, ndigits++)
	{
		/* keep reading the syntax, but stop accumulating once hopeless */
		if (whole <= TAUX_MAX)
			whole = whole * 10 + (*p - '0');
		else
			toolarge = true;
	}

	if (*p == '.' || *p == ',')
	{
		for (p++; isdigit((unsigned char) *p); p++, ndecimals++)
		{
			if (ndecimals < 2)
				frac = frac * 10 + (*p - '0');
		}
	}

	if (ndigits == 0 && ndecimals == 0)
		goto syntax_error;

	p = skip_blanks(p);
	if (*p == '%')
		p = skip_blanks(p + 1);
	if (*p != '\0')
		goto syntax_error;

	if (ndecimals > 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type taux: \"%s\"", str),
				 errdetail("A taux is exact to 0.01 %%; this value has %d decimals.",
						   ndecimals),
				 errhint("Round the value to at most two decimals, e.g. '33.33%%'.")));

	if (ndecimals == 1)
		frac *= 10;

	if (toolarge || whole > TAUX_MAX / TAUX_SCALE ||
		(negative && (whole > 0 || frac > 0)) ||
		whole * TAUX_SCALE + frac > TAUX_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value \"%s\" is out of range for type taux", str),
				 errhint("A taux lies between 0%% and 100%%.")));

	return (Taux) (whole * TAUX_SCALE + frac);

syntax_error:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type taux: \"%s\"", str),
			 errhint("Write a percentage such as '30', '30%%', '12.5%%' or '12,5 %%'.")));
	pg_unreachable();
}

/* flux.taux_in(cstring): text input */
PG_FUNCTION_INFO_V1(flux_taux_in);
Datum
flux_taux_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_TAUX(taux_parse(PG_GETARG_CSTRING(0)));
}

/* flux.taux_out(taux): shortest exact text form */
PG_FUNCTION_INFO_V1(flux_taux_out);
Datum
flux_taux_out(PG_FUNCTION_ARGS)
{
	char	   *buf = palloc(TAUX_FORMAT_LEN);

	TauxFormat(PG_GETARG_TAUX(0), buf);
	PG_RETURN_CSTRING(buf);
}

/* flux.taux_recv(internal): binary input, validated like text input */
PG_FUNCTION_INFO_V1(flux_taux_recv);
Datum
flux_taux_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		v = pq_getmsgint(buf, sizeof(int32));

	PG_RETURN_TAUX(TauxCheck(v, "The binary value received is not a valid taux."));
}

/* flux.taux_send(taux): binary output, a network-order int32 of hundredths */
PG_FUNCTION_INFO_V1(flux_taux_send);
Datum
flux_taux_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, PG_GETARG_TAUX(0));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * Comparison.  One macro would hide too little to be worth it: these are
 * the btree and hash support a DBA expects to find by name.
 */

/* flux.taux_eq(taux, taux) */
PG_FUNCTION_INFO_V1(flux_taux_eq);
Datum
flux_taux_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_TAUX(0) == PG_GETARG_TAUX(1));
}

/* flux.taux_ne(taux, taux) */
PG_FUNCTION_INFO_V1(flux_taux_ne);
Datum
flux_taux_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_TAUX(0) != PG_GETARG_TAUX(1));
}

/* flux.taux_lt(taux, taux) */
PG_FUNCTION_INFO_V1(flux_taux_lt);
Datum
flux_taux_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_TAUX(0) < PG_GETARG_TAUX(1));
}

/* flux.taux_le(taux, taux) */
PG_FUNCTION_INFO_V1(flux_taux_le);
Datum
flux_taux_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_TAUX(0) <= PG_GETARG_TAUX(1));
}

/* flux.taux_gt(taux, taux) */
PG_FUNCTION_INFO_V1(flux_taux_gt);
Datum
flux_taux_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_TAUX(0) > PG_GETARG_TAUX(1));
}

/* flux.taux_ge(taux, taux) */
PG_FUNCTION_INFO_V1(flux_taux_ge);
Datum
flux_taux_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_TAUX(0) >= PG_GETARG_TAUX(1));
}

/* flux.taux_cmp(taux, taux): btree support function 1 */
PG_FUNCTION_INFO_V1(flux_taux_cmp);
Datum
flux_taux_cmp(PG_FUNCTION_ARGS)
{
	Taux		a = PG_GETARG_TAUX(0);
	Taux		b = PG_GETARG_TAUX(1);

	PG_RETURN_INT32((a > b) - (a < b));
}

/* flux.taux_hash(taux): hash support function 1, same hash as int4 */
PG_FUNCTION_INFO_V1(flux_taux_hash);
Datum
flux_taux_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((uint32) PG_GETARG_TAUX(0));
}

/* flux.taux_hash_extended(taux, bigint): extended hash, for hash partitioning */
PG_FUNCTION_INFO_V1(flux_taux_hash_extended);
Datum
flux_taux_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended((uint32) PG_GETARG_TAUX(0), PG_GETARG_INT64(1));
}

/* flux.taux_smaller(taux, taux): min() transition and combine */
PG_FUNCTION_INFO_V1(flux_taux_smaller);
Datum
flux_taux_smaller(PG_FUNCTION_ARGS)
{
	Taux		a = PG_GETARG_TAUX(0);
	Taux		b = PG_GETARG_TAUX(1);

	PG_RETURN_TAUX(a <= b ? a : b);
}

/* flux.taux_larger(taux, taux): max() transition and combine */
PG_FUNCTION_INFO_V1(flux_taux_larger);
Datum
flux_taux_larger(PG_FUNCTION_ARGS)
{
	Taux		a = PG_GETARG_TAUX(0);
	Taux		b = PG_GETARG_TAUX(1);

	PG_RETURN_TAUX(a >= b ? a : b);
}

/*
 * flux.taux_pl(taux, taux): addition, also sum()'s transition and combine
 * function.  Shares are non-negative, so a partial sum never exceeds the
 * final one: the sum of a set of shares is an error exactly when it exceeds
 * 100 % (surbooking), whatever order or parallel split the executor uses.
 */
PG_FUNCTION_INFO_V1(flux_taux_pl);
Datum
flux_taux_pl(PG_FUNCTION_ARGS)
{
	Taux		a = PG_GETARG_TAUX(0);
	Taux		b = PG_GETARG_TAUX(1);
	int64		r = (int64) a + b;

	if (r > TAUX_MAX)
	{
		char		sa[TAUX_FORMAT_LEN],
					sb[TAUX_FORMAT_LEN];

		TauxFormat(a, sa);
		TauxFormat(b, sb);
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("taux out of range: %s + %s exceeds 100%%", sa, sb),
				 errdetail("Shares of one flow can never add up to more than 100%%."),
				 errhint("Cast to numeric to add percentages that are not shares of one flow.")));
	}
	PG_RETURN_TAUX((Taux) r);
}

/* flux.taux_mi(taux, taux): subtraction; a negative result is an error */
PG_FUNCTION_INFO_V1(flux_taux_mi);
Datum
flux_taux_mi(PG_FUNCTION_ARGS)
{
	Taux		a = PG_GETARG_TAUX(0);
	Taux		b = PG_GETARG_TAUX(1);

	if (b > a)
	{
		char		sa[TAUX_FORMAT_LEN],
					sb[TAUX_FORMAT_LEN];

		TauxFormat(a, sa);
		TauxFormat(b, sb);
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("taux out of range: %s - %s is negative", sa, sb),
				 errhint("Cast to numeric to compute a signed difference of percentages.")));
	}
	PG_RETURN_TAUX(a - b);
}

/* flux.taux_numeric(taux): cast to numeric in percent units, 30% -> 30.00 */
PG_FUNCTION_INFO_V1(flux_taux_numeric);
Datum
flux_taux_numeric(PG_FUNCTION_ARGS)
{
	PG_RETURN_NUMERIC(int64_div_fast_to_numeric(PG_GETARG_TAUX(0), 2));
}

/*
 * flux.numeric_taux(numeric): cast from numeric in percent units.
 * 12.5 -> 12.5%.  A value that is not a whole number of hundredths is an
 * error, never rounded: a share is what the convention says, to the
 * hundredth.
 */
PG_FUNCTION_INFO_V1(flux_numeric_taux);
Datum
flux_numeric_taux(PG_FUNCTION_ARGS)
{
	Numeric		num = PG_GETARG_NUMERIC(0);
	Datum		scaled;
	Datum		whole;
	char	   *str;

	if (numeric_is_nan(num) || numeric_is_inf(num))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value \"%s\" is out of range for type taux",
						DatumGetCString(DirectFunctionCall1(numeric_out,
															NumericGetDatum(num)))),
				 errhint("A taux lies between 0%% and 100%%.")));

	scaled = DirectFunctionCall2(numeric_mul, NumericGetDatum(num),
								 NumericGetDatum(int64_to_numeric(TAUX_SCALE)));
	whole = DirectFunctionCall2(numeric_round, scaled, Int32GetDatum(0));

	str = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));

	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, whole,
										  NumericGetDatum(int64_to_numeric(TAUX_MIN)))) < 0 ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, whole,
										  NumericGetDatum(int64_to_numeric(TAUX_MAX)))) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value \"%s\" is out of range for type taux", str),
				 errhint("A taux lies between 0%% and 100%%.")));

	if (!DatumGetBool(DirectFunctionCall2(numeric_eq, scaled, whole)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value \"%s\" cannot be represented exactly as a taux", str),
				 errdetail("A taux is exact to 0.01 %%."),
				 errhint("Round the value first, e.g. round(x, 2)::flux.taux.")));

	PG_RETURN_TAUX((Taux) DatumGetInt32(DirectFunctionCall1(numeric_int4, whole)));
}

/* flux.int4_taux(integer): cast from a whole number of percent, 30 -> 30% */
PG_FUNCTION_INFO_V1(flux_int4_taux);
Datum
flux_int4_taux(PG_FUNCTION_ARGS)
{
	int32		v = PG_GETARG_INT32(0);

	if (v < 0 || v > TAUX_MAX / TAUX_SCALE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value \"%d\" is out of range for type taux", v),
				 errhint("A taux lies between 0%% and 100%%.")));
	PG_RETURN_TAUX((Taux) (v * TAUX_SCALE));
}

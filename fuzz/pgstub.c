/*-------------------------------------------------------------------------
 *
 * pgstub.c
 *	  The little of the PostgreSQL backend that flux's kernels need, so that
 *	  they run in a libFuzzer process: palloc over malloc, ereport/elog that
 *	  jump back into the harness, CHECK_FOR_INTERRUPTS' globals, the date
 *	  arithmetic of the calendar, pq_getmsgint for taux_recv.
 *
 * What only the SQL wrappers of the kernels' files use (arrays, tuples,
 * tuplestores, numeric) is here too, so that those files link unchanged;
 * these stubs abort(): a harness calls kernels, never wrappers that need
 * them.  The signatures are checked against PostgreSQL 15's headers, which
 * this file includes.
 *
 * Built without -fsanitize=fuzzer (its branches are not the kernels'
 * coverage), with ASan and UBSan like the rest.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#include "fuzz.h"

/* ---------------------------------------------------------------------
 * Memory: every chunk is on one list, so that FuzzReset() frees what an
 * error left behind (as the end of a query resets its memory context).
 * ---------------------------------------------------------------------
 */
typedef struct Chunk
{
	struct Chunk *prev;
	struct Chunk *next;
	Size		size;
	uint64		magic;			/* also pads the header to 32 bytes */
} Chunk;

#define CHUNK_MAGIC UINT64CONST(0x666c7578636b6e6b)

static Chunk chunks = {&chunks, &chunks, 0, 0};

MemoryContext CurrentMemoryContext = NULL;
MemoryContext TopMemoryContext = NULL;
MemoryContext ErrorContext = NULL;
MemoryContext CurTransactionContext = NULL;

static void *
chunk_alloc(Size size, bool zero)
{
	Chunk	   *c;

	if (!AllocSizeIsValid(size))
		FuzzFail("invalid memory alloc request size %zu", size);
	c = malloc(sizeof(Chunk) + size);
	if (c == NULL)
		FuzzFail("out of memory (%zu bytes)", size);
	if (zero)
		memset(c + 1, 0, size);
	c->size = size;
	c->magic = CHUNK_MAGIC;
	c->next = chunks.next;
	c->prev = &chunks;
	chunks.next->prev = c;
	chunks.next = c;
	return c + 1;
}

static Chunk *
chunk_of(void *pointer)
{
	Chunk	   *c = (Chunk *) pointer - 1;

	if (pointer == NULL || c->magic != CHUNK_MAGIC)
		FuzzFail("pfree/repalloc of a pointer palloc did not return: %p", pointer);
	return c;
}

void *
palloc(Size size)
{
	return chunk_alloc(size, false);
}

void *
palloc0(Size size)
{
	return chunk_alloc(size, true);
}

void *
palloc_extended(Size size, int flags)
{
	return chunk_alloc(size, (flags & MCXT_ALLOC_ZERO) != 0);
}

void
pfree(void *pointer)
{
	Chunk	   *c = chunk_of(pointer);

	c->prev->next = c->next;
	c->next->prev = c->prev;
	c->magic = 0;
	free(c);
}

void *
repalloc(void *pointer, Size size)
{
	Chunk	   *c = chunk_of(pointer);
	void	   *n = chunk_alloc(size, false);

	memcpy(n, pointer, Min(size, c->size));
	pfree(pointer);
	return n;
}

void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return chunk_alloc(size, false);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return chunk_alloc(size, true);
}

char *
pstrdup(const char *in)
{
	size_t		len = strlen(in) + 1;
	char	   *out = chunk_alloc(len, false);

	memcpy(out, in, len);
	return out;
}

char *
psprintf(const char *fmt,...)
{
	va_list		ap;
	char		buf[1024];

	va_start(ap, fmt);
	pg_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pstrdup(buf);
}

/* ---------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------
 */
sigjmp_buf *PG_exception_stack = NULL;
ErrorContextCallback *error_context_stack = NULL;

#define FUZZ_MAX_ALLOWED 16
static const char *allowed[FUZZ_MAX_ALLOWED + 1];

static struct
{
	int			elevel;
	int			sqlerrcode;
	bool		in_progress;
	char		sqlstate[6];
	char		message[1024];
	char		detail[1024];
	char		hint[1024];
} err;

void
FuzzAllow(const char *sqlstate,...)
{
	va_list		ap;
	const char *s = sqlstate;
	int			n = 0;

	va_start(ap, sqlstate);
	while (s != NULL && n < FUZZ_MAX_ALLOWED)
	{
		allowed[n++] = s;
		s = va_arg(ap, const char *);
	}
	va_end(ap);
	allowed[n] = NULL;
}

const char *
FuzzLastSqlstate(void)
{
	return err.sqlstate;
}

const char *
FuzzLastMessage(void)
{
	return err.message;
}

void
FuzzReset(void)
{
	while (chunks.next != &chunks)
		pfree(chunks.next + 1);
	allowed[0] = NULL;
	err.in_progress = false;
}

void
FuzzFail(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "\n==flux-fuzz== FINDING: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
	abort();
}

bool
errstart(int elevel, const char *domain)
{
	/* below ERROR: nothing to do (the message is not even formatted) */
	if (elevel < ERROR)
		return false;
	if (err.in_progress)
		FuzzFail("error raised while formatting another error (\"%s\")", err.message);
	memset(&err, 0, sizeof(err));
	err.in_progress = true;
	err.elevel = elevel;
	err.sqlerrcode = ERRCODE_INTERNAL_ERROR;	/* what elog() leaves */
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	const char *const *a;
	bool		ok = false;
	int			i;

	for (i = 0; i < 5; i++)
		err.sqlstate[i] = PGUNSIXBIT(err.sqlerrcode >> (6 * i));
	err.sqlstate[5] = '\0';
	err.in_progress = false;

	if (err.elevel == ERROR && err.sqlerrcode != ERRCODE_INTERNAL_ERROR)
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, err.sqlstate) == 0)
				ok = true;
	if (!ok || PG_exception_stack == NULL)
		FuzzFail("%s %s at %s:%d (%s): %s%s%s%s%s",
				 err.elevel == ERROR ? "ERROR" : err.elevel == FATAL ? "FATAL" : "PANIC",
				 err.sqlstate, filename, lineno, funcname ? funcname : "?",
				 err.message,
				 err.detail[0] ? " DETAIL: " : "", err.detail,
				 err.hint[0] ? " HINT: " : "", err.hint);
	siglongjmp(*PG_exception_stack, 1);
}

void
pg_re_throw(void)
{
	if (PG_exception_stack == NULL)
		FuzzFail("pg_re_throw outside FUZZ_TRY");
	siglongjmp(*PG_exception_stack, 1);
}

int
errcode(int sqlerrcode)
{
	err.sqlerrcode = sqlerrcode;
	return 0;
}

#define ERR_FORMAT(field) \
	do { \
		va_list		ap; \
		va_start(ap, fmt); \
		pg_vsnprintf(err.field, sizeof(err.field), fmt, ap); \
		va_end(ap); \
	} while (0)

int
errmsg(const char *fmt,...)
{
	ERR_FORMAT(message);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	ERR_FORMAT(message);
	return 0;
}

int
errmsg_plural(const char *fmt_singular, const char *fmt_plural,
			  unsigned long n,...)
{
	va_list		ap;

	va_start(ap, n);
	pg_vsnprintf(err.message, sizeof(err.message),
				 n == 1 ? fmt_singular : fmt_plural, ap);
	va_end(ap);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	ERR_FORMAT(detail);
	return 0;
}

int
errdetail_internal(const char *fmt,...)
{
	ERR_FORMAT(detail);
	return 0;
}

int
errhint(const char *fmt,...)
{
	ERR_FORMAT(hint);
	return 0;
}

int
errcontext_msg(const char *fmt,...)
{
	return 0;
}

/* ---------------------------------------------------------------------
 * Interrupts: never pending here (a harness may set InterruptPending to
 * check that a loop reaches CHECK_FOR_INTERRUPTS; it then gets 57014).
 * ---------------------------------------------------------------------
 */
volatile sig_atomic_t InterruptPending = false;
volatile sig_atomic_t QueryCancelPending = false;
volatile uint32 InterruptHoldoffCount = 0;
volatile uint32 QueryCancelHoldoffCount = 0;
volatile uint32 CritSectionCount = 0;

void
ProcessInterrupts(void)
{
	InterruptPending = false;
	ereport(ERROR,
			(errcode(ERRCODE_QUERY_CANCELED),
			 errmsg("canceling statement due to user request")));
}

/* ---------------------------------------------------------------------
 * Dates (src/backend/utils/adt/datetime.c and date.c, PostgreSQL 15)
 * ---------------------------------------------------------------------
 */
int
date2j(int y, int m, int d)
{
	int			julian;
	int			century;

	if (m > 2)
	{
		m += 1;
		y += 4800;
	}
	else
	{
		m += 13;
		y += 4799;
	}

	century = y / 100;
	julian = y * 365 - 32167;
	julian += y / 4 - century + century / 4;
	julian += 7834 * m / 256 + d;

	return julian;
}

void
j2date(int jd, int *year, int *month, int *day)
{
	unsigned int julian;
	unsigned int quad;
	unsigned int extra;
	int			y;

	julian = jd;
	julian += 32044;
	quad = julian / 146097;
	extra = (julian - quad * 146097) * 4 + 3;
	julian += 60 + quad * 3 + extra / 146097;
	quad = julian / 1461;
	julian -= quad * 1461;
	y = julian * 4 / 1461;
	julian = ((y != 0) ? ((julian + 305) % 365) : ((julian + 306) % 366))
		+ 123;
	y += quad * 4;
	*year = y - 4800;
	quad = julian * 2141 / 65536;
	*day = julian - 7834 * quad / 256;
	*month = (quad + 10) % MONTHS_PER_YEAR + 1;
}

/* date_out, ISO DateStyle; the date must be one date_in could give */
Datum
date_out(PG_FUNCTION_ARGS)
{
	DateADT		date = PG_GETARG_DATEADT(0);
	char		buf[MAXDATELEN + 1];
	int			y,
				m,
				d;

	if (DATE_IS_NOBEGIN(date))
		return CStringGetDatum(pstrdup("-infinity"));
	if (DATE_IS_NOEND(date))
		return CStringGetDatum(pstrdup("infinity"));
	if (!IS_VALID_DATE(date))
		FuzzFail("date_out of a date no date_in gives: %d", (int) date);
	j2date(date + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	if (y > 0)
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
	else
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d BC", -(y - 1), m, d);
	return CStringGetDatum(pstrdup(buf));
}

/* ---------------------------------------------------------------------
 * fmgr
 * ---------------------------------------------------------------------
 */
Datum
DirectFunctionCall1Coll(PGFunction func, Oid collation, Datum arg1)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, collation, NULL, NULL);
	fcinfo->args[0].value = arg1;
	fcinfo->args[0].isnull = false;
	result = (*func) (fcinfo);
	if (fcinfo->isnull)
		elog(ERROR, "function %p returned NULL", (void *) func);
	return result;
}

Datum
DirectFunctionCall2Coll(PGFunction func, Oid collation, Datum arg1, Datum arg2)
{
	LOCAL_FCINFO(fcinfo, 2);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 2, collation, NULL, NULL);
	fcinfo->args[0].value = arg1;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = arg2;
	fcinfo->args[1].isnull = false;
	result = (*func) (fcinfo);
	if (fcinfo->isnull)
		elog(ERROR, "function %p returned NULL", (void *) func);
	return result;
}

/* ---------------------------------------------------------------------
 * Binary I/O: pq_getmsgint as in src/backend/libpq/pqformat.c
 * ---------------------------------------------------------------------
 */
unsigned int
pq_getmsgint(StringInfo msg, int b)
{
	unsigned int result;
	unsigned char n8;
	uint16		n16;
	uint32		n32;

	if (b != 1 && b != 2 && b != 4)
		elog(ERROR, "unsupported integer size %d", b);
	if (msg->cursor < 0 || b > (msg->len - msg->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	switch (b)
	{
		case 1:
			memcpy(&n8, msg->data + msg->cursor, 1);
			result = n8;
			break;
		case 2:
			memcpy(&n16, msg->data + msg->cursor, 2);
			result = pg_ntoh16(n16);
			break;
		default:
			memcpy(&n32, msg->data + msg->cursor, 4);
			result = pg_ntoh32(n32);
			break;
	}
	msg->cursor += b;
	return result;
}

/* ---------------------------------------------------------------------
 * Used only by SQL wrappers no harness calls: must never be reached.
 * ---------------------------------------------------------------------
 */
#define NEVER() FuzzFail("stub %s reached: a harness called an SQL wrapper it must not", __func__)

void
pq_begintypsend(StringInfo buf)
{
	NEVER();
}

bytea *
pq_endtypsend(StringInfo buf)
{
	NEVER();
}

void
enlargeStringInfo(StringInfo str, int needed)
{
	NEVER();
}

uint32
hash_bytes_uint32(uint32 k)
{
	NEVER();
}

uint64
hash_bytes_uint32_extended(uint32 k, uint64 seed)
{
	NEVER();
}

bool
numeric_is_nan(Numeric num)
{
	NEVER();
}

bool
numeric_is_inf(Numeric num)
{
	NEVER();
}

Numeric
int64_to_numeric(int64 val)
{
	NEVER();
}

Numeric
int64_div_fast_to_numeric(int64 val1, int log10val2)
{
	NEVER();
}

#define NEVER_FMGR(f) Datum f(PG_FUNCTION_ARGS) { NEVER(); }
NEVER_FMGR(numeric_out)
NEVER_FMGR(numeric_mul)
NEVER_FMGR(numeric_round)
NEVER_FMGR(numeric_cmp)
NEVER_FMGR(numeric_eq)
NEVER_FMGR(numeric_int4)

struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	NEVER();
}

struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	NEVER();
}

char *
text_to_cstring(const text *t)
{
	NEVER();
}

text *
cstring_to_text(const char *s)
{
	NEVER();
}

char *
pg_any_to_server(const char *s, int len, int encoding)
{
	NEVER();
}

void
get_typlenbyvalalign(Oid typid, int16 *typlen, bool *typbyval, char *typalign)
{
	NEVER();
}

void
deconstruct_array(ArrayType *array, Oid elmtype, int elmlen, bool elmbyval,
				  char elmalign, Datum **elemsp, bool **nullsp, int *nelemsp)
{
	NEVER();
}

ArrayType *
construct_array(Datum *elems, int nelems, Oid elmtype, int elmlen,
				bool elmbyval, char elmalign)
{
	NEVER();
}

void
InitMaterializedSRF(FunctionCallInfo fcinfo, bits32 flags)
{
	NEVER();
}

void
tuplestore_putvalues(Tuplestorestate *state, TupleDesc tdesc,
					 Datum *values, bool *isnull)
{
	NEVER();
}

TypeFuncClass
get_call_result_type(FunctionCallInfo fcinfo, Oid *resultTypeId,
					 TupleDesc *resultTupleDesc)
{
	NEVER();
}

TupleDesc
BlessTupleDesc(TupleDesc tupdesc)
{
	NEVER();
}

HeapTuple
heap_form_tuple(TupleDesc tupleDescriptor, Datum *values, bool *isnull)
{
	NEVER();
}

Datum
HeapTupleHeaderGetDatum(HeapTupleHeader tuple)
{
	NEVER();
}

Oid
get_fn_expr_argtype(FmgrInfo *flinfo, int argnum)
{
	NEVER();
}

Oid
get_element_type(Oid typid)
{
	NEVER();
}

char *
format_type_be(Oid type_oid)
{
	NEVER();
}

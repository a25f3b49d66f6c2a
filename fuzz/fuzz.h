/*-------------------------------------------------------------------------
 *
 * fuzz.h
 *	  What the libFuzzer harnesses share: the stub runtime's error trap and
 *	  memory reset (pgstub.c), and a reader that decodes the fuzzer's bytes.
 *
 * A harness runs a kernel inside FUZZ_TRY.  An ereport(ERROR) whose SQLSTATE
 * the harness allowed (FuzzAllow) jumps back to FUZZ_CATCH: a user error is
 * a fine outcome.  Any other ERROR, every elog(ERROR) (XX000, "can't
 * happen"), FATAL and PANIC abort() at the error site, so that libFuzzer
 * records the input and the stack names the kernel's line.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_FUZZ_H
#define FLUX_FUZZ_H

#include "postgres.h"

#include <setjmp.h>
#include <stdint.h>
#include <string.h>

/*
 * The SQLSTATEs a user may cause in the call that follows (five-character
 * strings, NULL-terminated list; no argument: none is allowed).  Reset by
 * FuzzReset().
 */
extern void FuzzAllow(const char *sqlstate,...);

/* the SQLSTATE ("22P02") and message of the last error caught */
extern const char *FuzzLastSqlstate(void);
extern const char *FuzzLastMessage(void);

/* free everything palloc'd since the last reset; forget FuzzAllow */
extern void FuzzReset(void);

/* report a broken invariant: print it and abort() */
extern void FuzzFail(const char *fmt,...) __attribute__((format(printf, 1, 2))) pg_attribute_noreturn();

#define FUZZ_CHECK(cond, ...) \
	do { if (!(cond)) FuzzFail(__VA_ARGS__); } while (0)

/*
 * FUZZ_TRY { kernel call } FUZZ_CATCH { user error } FUZZ_END
 * Locals assigned inside the TRY part and read after it must be volatile.
 */
#define FUZZ_TRY \
	do { \
		sigjmp_buf *fuzz_save_ = PG_exception_stack; \
		sigjmp_buf	fuzz_jb_; \
		if (sigsetjmp(fuzz_jb_, 0) == 0) \
		{ \
			PG_exception_stack = &fuzz_jb_;
#define FUZZ_CATCH \
			PG_exception_stack = fuzz_save_; \
		} \
		else \
		{ \
			PG_exception_stack = fuzz_save_;
#define FUZZ_END \
		} \
	} while (0)

/* The fuzzer's bytes, read front to back; zeros once exhausted. */
typedef struct FuzzInput
{
	const uint8_t *p;
	size_t		n;
} FuzzInput;

static inline uint64
fuzz_bytes(FuzzInput *in, int nbytes)
{
	uint64		v = 0;
	int			i;

	for (i = 0; i < nbytes; i++)
	{
		v <<= 8;
		if (in->n > 0)
		{
			v |= *in->p++;
			in->n--;
		}
	}
	return v;
}

static inline bool
fuzz_bool(FuzzInput *in)
{
	return fuzz_bytes(in, 1) & 1;
}

/* a value in [lo, hi], from as few bytes as the span needs */
static inline int64
fuzz_range(FuzzInput *in, int64 lo, int64 hi)
{
	uint64		span = (uint64) hi - (uint64) lo;
	int			nbytes = 0;
	uint64		v;

	if (hi <= lo)
		return lo;
	while (nbytes < 8 && (span >> (8 * nbytes)) != 0)
		nbytes++;
	v = fuzz_bytes(in, nbytes);
	if (span != UINT64_MAX)
		v %= span + 1;
	return (int64) ((uint64) lo + v);
}

/*
 * A value in [lo, hi] that favours the edges: one selector byte picks lo,
 * hi, a small offset from either, or anything in between.
 */
static inline int64
fuzz_edgy(FuzzInput *in, int64 lo, int64 hi)
{
	uint8_t		sel = (uint8_t) fuzz_bytes(in, 1);
	int64		small = (int64) (sel >> 3);

	switch (sel & 7)
	{
		case 0:
			return lo;
		case 1:
			return hi;
		case 2:
			return (uint64) hi - (uint64) lo > (uint64) small ? lo + small : hi;
		case 3:
			return (uint64) hi - (uint64) lo > (uint64) small ? hi - small : lo;
		default:
			return fuzz_range(in, lo, hi);
	}
}

#endif							/* FLUX_FUZZ_H */

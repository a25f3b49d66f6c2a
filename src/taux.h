/*-------------------------------------------------------------------------
 *
 * taux.h
 *	  The flux.taux type: a share of the annual flow, in percent, exact to
 *	  0.01 %.
 *
 * A taux is stored as an int32 count of hundredths of a percent, in the
 * closed range [0, 10000] (0 % to 100 %).  The representation is modelled on
 * core's money type (utils/cash.h): pass-by-value, integer arithmetic only.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_TAUX_H
#define FLUX_TAUX_H

#include "fmgr.h"

typedef int32 Taux;

/* hundredths of a percent in 100 % */
#define TAUX_SCALE		100
#define TAUX_MIN		0
#define TAUX_MAX		(100 * TAUX_SCALE)

#define DatumGetTaux(X)		((Taux) DatumGetInt32(X))
#define TauxGetDatum(X)		Int32GetDatum(X)
#define PG_GETARG_TAUX(n)	DatumGetTaux(PG_GETARG_DATUM(n))
#define PG_RETURN_TAUX(x)	return TauxGetDatum(x)

/* Raise 22003 unless 0 <= value <= TAUX_MAX; "what" names the value. */
extern Taux TauxCheck(int64 hundredths, const char *what);

/*
 * Write the canonical text form ("12.5%") of a number of hundredths of a
 * percent into buf (TAUX_FORMAT_LEN bytes); values outside the type's range
 * are printed the same way, for error messages.
 */
#define TAUX_FORMAT_LEN 32
extern void TauxFormat(int64 hundredths, char *buf);

#endif							/* FLUX_TAUX_H */

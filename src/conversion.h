/*-------------------------------------------------------------------------
 *
 * conversion.h
 *	  Stock -> flux conversion: rights tied to units become single rights.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_CONVERSION_H
#define FLUX_CONVERSION_H

#include "postgres.h"

/* how a volume of single rights is rounded to a whole number */
typedef enum Arrondi
{
	ARRONDI_PROCHE,				/* to the nearest, halves up */
	ARRONDI_INFERIEUR,			/* down */
	ARRONDI_SUPERIEUR			/* up */
} Arrondi;

/* parse 'proche' | 'inferieur' | 'superieur', or raise 22023 */
extern Arrondi ArrondiLire(const char *nom);

#endif							/* FLUX_CONVERSION_H */

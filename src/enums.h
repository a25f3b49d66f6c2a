/*-------------------------------------------------------------------------
 *
 * enums.h
 *	  The OIDs of flux's enum labels, for the C code that compares them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_ENUMS_H
#define FLUX_ENUMS_H

#include "postgres.h"

/* the OID of label in enum type enumtype (callers cache it; elog if absent) */
extern Oid	EnumLabelOid(Oid enumtype, const char *label);

#endif							/* FLUX_ENUMS_H */

/*-------------------------------------------------------------------------
 *
 * enums.c
 *	  The OIDs of flux's enum labels.
 *
 * The C code compares enum values (flux.classement, flux.etat_orientation,
 * …) as OIDs, looked up once by label through the syscache and kept in
 * fn_extra by each caller.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "utils/syscache.h"

#include "enums.h"

Oid
EnumLabelOid(Oid enumtype, const char *label)
{
	HeapTuple	tup = SearchSysCache2(ENUMTYPOIDNAME,
									  ObjectIdGetDatum(enumtype),
									  CStringGetDatum(label));
	Oid			result;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "enum %u has no label \"%s\"", enumtype, label);
	result = ((Form_pg_enum) GETSTRUCT(tup))->oid;
	ReleaseSysCache(tup);
	return result;
}

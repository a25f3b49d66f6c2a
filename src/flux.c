/*-------------------------------------------------------------------------
 *
 * flux.c
 *	  Entry point of the flux shared library: the module magic block, the
 *	  library's version and the check, at load, that it is the version of
 *	  the SQL installed in the database.
 *
 * Each concern lives in its own file (taux.c, calendrier.c, repartition.c,
 * taux_regles.c, assiette.c, ...).  The library of one release serves the
 * SQL objects of that release only: a C function of flux.so called through
 * the SQL of another version could receive arguments of another shape.  So
 * _PG_init compares FLUX_VERSION (flux.control's default_version, passed by
 * the Makefile) with pg_extension.extversion of the current database and
 * refuses to load on a mismatch, naming the ALTER EXTENSION to run
 * (docs/dba-guide.md, "Versions").
 *
 * The check is skipped where it cannot or must not run: outside a
 * transaction (shared_preload_libraries, LOAD before any query), in a
 * database without flux, while an extension script runs (CREATE EXTENSION
 * flux VERSION ..., ALTER EXTENSION flux UPDATE: the update's own scripts
 * load the library), in binary upgrade mode (pg_upgrade), and when a
 * superuser set flux.verifier_version = off (to read or dump the data of a
 * database not updated yet).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/rel.h"

PG_MODULE_MAGIC;

#ifndef FLUX_VERSION
#error "FLUX_VERSION must be defined (the Makefile passes flux.control's default_version)"
#endif

void		_PG_init(void);

PG_FUNCTION_INFO_V1(flux_version);

static bool verifier_version = true;

/*
 * The installed version of extension flux in the current database (palloc'd),
 * or NULL when flux is not installed here.
 */
static char *
version_installee(void)
{
	Relation	rel;
	ScanKeyData cle;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *version = NULL;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&cle, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("flux"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &cle);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_extension_extversion,
									 RelationGetDescr(rel), &isnull);

		if (!isnull)
			version = text_to_cstring(DatumGetTextPP(d));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return version;
}

/*
 * Whether the check is turned off.  Read before the parameter is defined: a
 * failed _PG_init leaves the library unlinked, and the next call runs
 * _PG_init again, which must not define the parameter twice.  A value set
 * before the library was loaded is a placeholder that anyone could set, so
 * only a superuser's "off" counts here; DefineCustomBoolVariable below then
 * refuses the placeholder of a non-superuser (PGC_SUSET).
 */
static bool
verification_desactivee(void)
{
	const char *valeur = GetConfigOption("flux.verifier_version", true, false);
	bool		b;

	if (valeur == NULL || !parse_bool(valeur, &b) || b)
		return false;
	return superuser();
}

static void
verifier_version_installee(void)
{
	char	   *sql;

	if (!IsTransactionState() || creating_extension || IsBinaryUpgrade ||
		!OidIsValid(MyDatabaseId) || verification_desactivee())
		return;
	sql = version_installee();
	if (sql == NULL || strcmp(sql, FLUX_VERSION) == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("flux library version %s does not match the installed extension version %s",
					FLUX_VERSION, sql),
			 errdetail("The library \"%s\" serves the SQL objects of flux %s only.",
					   "$libdir/flux", FLUX_VERSION),
			 errhint("Run ALTER EXTENSION flux UPDATE TO '%s'; in this database, "
					 "or install the library of flux %s.", FLUX_VERSION, sql)));
}

void
_PG_init(void)
{
	verifier_version_installee();

	DefineCustomBoolVariable("flux.verifier_version",
							 "Refuses to load the flux library when the installed extension is of another version.",
							 "Turn off only to read or dump the data of a database whose ALTER EXTENSION flux UPDATE is still to run.",
							 &verifier_version,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
}

/*
 * flux.version() -> text: the version of the loaded library, which is also
 * the installed SQL's whenever the check above ran.
 */
Datum
flux_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(FLUX_VERSION));
}

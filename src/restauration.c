/*-------------------------------------------------------------------------
 *
 * restauration.c
 *	  flux.restauration(regclass): whether the current statement restores
 *	  the rows of a dump into that table of flux's.
 *
 * A dump holds each table's rows as they were: orientations already
 * signed, candidates with their leases, the history and the audit already
 * written, the engine's counters already counted.  The workflow's triggers
 * refuse such rows (a new orientation starts proposed) or would write
 * their history, counters and audit a second time.  So every INSERT
 * trigger of flux's tables has WHEN (NOT flux.restauration(<its table>)),
 * and a restore loads the rows as they are.
 *
 * A statement is taken as a restore when, all at once:
 *	 - it is COPY ... FROM into that very table (the top-level statement of
 *	   the session, the active portal's only one);
 *	 - row_security is off: pg_dump's output and pg_restore set it, an
 *	   ordinary session has it on (it is on by default, and a role subject
 *	   to a policy gets an error rather than fewer rows with it off);
 *	 - the current role owns the table (CREATE EXTENSION made it the owner
 *	   of flux's tables) or is a superuser: a role that may already
 *	   ALTER TABLE ... DISABLE TRIGGER there.
 * A COPY FROM with row_security off by any other role is refused (42501):
 * it is a restore that would come out half done, and the hint names the
 * ways that work.  Everything else (INSERT, COPY with row_security on) goes
 * through the workflow as always.
 *
 * Cheap on the hot path: row_security is on in ordinary sessions, and the
 * function returns at once (the WHEN of a row trigger runs it per row).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "tcop/pquery.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/portal.h"
#include "utils/rls.h"

PG_FUNCTION_INFO_V1(flux_restauration);

/* The table of a COPY FROM that is the active portal's only statement. */
static Oid
table_copiee(void)
{
	PlannedStmt *ps;
	CopyStmt   *copie;

	if (ActivePortal == NULL || list_length(ActivePortal->stmts) != 1)
		return InvalidOid;
	ps = linitial_node(PlannedStmt, ActivePortal->stmts);
	if (ps->commandType != CMD_UTILITY || ps->utilityStmt == NULL ||
		!IsA(ps->utilityStmt, CopyStmt))
		return InvalidOid;
	copie = (CopyStmt *) ps->utilityStmt;
	if (!copie->is_from || copie->relation == NULL)
		return InvalidOid;
	/* the COPY holds its lock on the table already */
	return RangeVarGetRelid(copie->relation, NoLock, true);
}

static bool
proprietaire(Oid relid)
{
#if PG_VERSION_NUM >= 160000
	return object_ownercheck(RelationRelationId, relid, GetUserId());
#else
	return pg_class_ownercheck(relid, GetUserId());
#endif
}

Datum
flux_restauration(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);

	if (row_security || !OidIsValid(relid) || table_copiee() != relid)
		PG_RETURN_BOOL(false);
	if (!proprietaire(relid))
	{
		char	   *nom = get_rel_name(relid);

		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("a restore into table \"%s\" must be run by its owner or a superuser",
						nom ? nom : "?"),
				 errdetail("COPY FROM with row_security off is how a dump loads its rows; flux takes them as they are only from a role that could disable its triggers."),
				 errhint("Restore as the role that ran CREATE EXTENSION flux (or a superuser); a load that should go through the workflow runs with row_security on.")));
	}
	PG_RETURN_BOOL(true);
}

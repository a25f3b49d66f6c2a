
-- ---------------------------------------------------------------------------
-- Every character of flux's text fits LATIN1 (docs/security.md, "The
-- install"): the install script of 0.9.0 is the chain with '…' written
-- '...', and an update rewrites the same way the objects of earlier versions
-- that held one (two hints, a reason of flux.recommander, a column comment).
-- ---------------------------------------------------------------------------
-- (Only a UTF-8 database can hold a '…', chr(8230): elsewhere the loop is
-- never planned, since PL/pgSQL prepares a statement when it first runs it.)
DO $latin1$
DECLARE
	f oid;
BEGIN
	IF pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.=) 'UTF8' THEN
		FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
				  WHERE p.pronamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace
					AND pg_catalog.strpos(p.prosrc, pg_catalog.chr(8230)) OPERATOR(pg_catalog.>) 0
				  ORDER BY p.oid
		LOOP
			EXECUTE pg_catalog.replace(pg_catalog.pg_get_functiondef(f), pg_catalog.chr(8230), '...');
		END LOOP;
	END IF;
END
$latin1$;
COMMENT ON COLUMN flux.bilan_orientation.hors_flux IS 'Motive outside the flux (mutation, anru, ..., non_reserve: the bailleur''s own share)';

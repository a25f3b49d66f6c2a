--
-- install: CREATE EXTENSION makes schema flux and every object of 0.1.0
--
SET client_min_messages = warning;
CREATE EXTENSION flux;
RESET client_min_messages;

SELECT extname, extversion, extrelocatable, n.nspname AS schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'flux';

-- every member object, so an unintended change to the install script shows
SELECT pg_describe_object(classid, objid, objsubid) AS object
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'flux')
   AND deptype = 'e'
 ORDER BY 1;

-- the functions' volatility, strictness and parallel safety
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proparallel
  FROM pg_proc p
 WHERE p.pronamespace = 'flux'::regnamespace AND p.prokind = 'f'
 ORDER BY p.oid::regprocedure::text;

-- the operator classes are valid
SELECT opcname, amvalidate(oid) FROM pg_opclass
 WHERE opcnamespace = 'flux'::regnamespace ORDER BY 1;

-- every function, type and aggregate has a comment
SELECT p.oid::regprocedure::text AS undocumented
  FROM pg_proc p
 WHERE p.pronamespace = 'flux'::regnamespace
   AND obj_description(p.oid, 'pg_proc') IS NULL
UNION ALL
SELECT t.oid::regtype::text
  FROM pg_type t
 WHERE t.typnamespace = 'flux'::regnamespace AND t.typtype = 'b' AND t.typcategory <> 'A'
   AND obj_description(t.oid, 'pg_type') IS NULL;

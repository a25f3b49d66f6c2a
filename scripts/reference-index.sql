-- scripts/reference-index.sql: the table "Every object" of docs/reference.md,
-- from the catalog's comments (every object of flux carries one).
--   psql -At -f scripts/reference-index.sql   (in a database with flux)
WITH o AS (
	SELECT 'table' AS kind, c.oid::regclass::text AS name, obj_description(c.oid, 'pg_class') AS d
	  FROM pg_class c WHERE c.relnamespace = 'flux'::regnamespace AND c.relkind = 'r'
	UNION ALL
	SELECT 'view', c.oid::regclass::text, obj_description(c.oid, 'pg_class')
	  FROM pg_class c WHERE c.relnamespace = 'flux'::regnamespace AND c.relkind = 'v'
	UNION ALL
	SELECT 'statistics', 'flux.' || x.stxname, obj_description(x.oid, 'pg_statistic_ext')
	  FROM pg_statistic_ext x WHERE x.stxnamespace = 'flux'::regnamespace
	UNION ALL
	SELECT 'type', t.oid::regtype::text, obj_description(t.oid, 'pg_type')
	  FROM pg_type t WHERE t.typnamespace = 'flux'::regnamespace AND t.typtype IN ('b', 'e') AND t.typcategory <> 'A'
	UNION ALL
	SELECT CASE WHEN p.prokind = 'a' THEN 'aggregate'
				WHEN p.prorettype = 'trigger'::regtype THEN 'trigger function' ELSE 'function' END,
		   p.oid::regprocedure::text, obj_description(p.oid, 'pg_proc')
	  FROM pg_proc p WHERE p.pronamespace = 'flux'::regnamespace
	UNION ALL
	SELECT 'operator', o.oid::regoperator::text, coalesce(obj_description(o.oid, 'pg_operator'), 'see [Operators](#operators)')
	  FROM pg_operator o WHERE o.oprnamespace = 'flux'::regnamespace
)
SELECT '| ' || kind || ' | `' || name || '` | ' || replace(coalesce(d, ''), '|', '\|') || ' |'
  FROM o
 ORDER BY CASE kind WHEN 'table' THEN 1 WHEN 'view' THEN 2 WHEN 'statistics' THEN 2 WHEN 'type' THEN 3 WHEN 'function' THEN 4
					WHEN 'aggregate' THEN 5 WHEN 'operator' THEN 6 ELSE 7 END, name;

--
-- installation.sql: the checks a fresh install of flux runs before anything
-- else (docs/security.md, "The install").
--
-- 1. The schema.  CREATE EXTENSION adopts a schema flux that already exists:
--    functions planted there by whoever created it would then run as the
--    superuser who installs and calls flux.  The install goes on only when the
--    schema is owned by the installing role and holds nothing.
-- 2. The encoding.  The scripts are UTF-8 (encoding = UTF8 in flux.control,
--    so the server converts them); the text flux writes (French reasons,
--    reports) must be representable in the database's encoding.
--
DO $installation$
DECLARE
	proprietaire name;
	objets bigint;
BEGIN
	SELECT r.rolname INTO proprietaire
	  FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
	 WHERE n.nspname OPERATOR(pg_catalog.=) 'flux';
	IF proprietaire OPERATOR(pg_catalog.<>) CURRENT_USER THEN
		RAISE EXCEPTION 'schema "flux" already exists and is owned by role "%", not by "%"', proprietaire, CURRENT_USER
			USING ERRCODE = '42501',
				  DETAIL = 'CREATE EXTENSION flux would adopt the schema, and any object another role put there would run with the rights of whoever calls flux.',
				  HINT = 'Drop the schema (DROP SCHEMA flux CASCADE) after checking what it holds, or let its owner do so, then run CREATE EXTENSION flux again.';
	END IF;
	SELECT (SELECT pg_catalog.count(*) FROM pg_catalog.pg_class WHERE relnamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace)
		 OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_proc WHERE pronamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace)
		 OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_type WHERE typnamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace)
		 OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_operator WHERE oprnamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace)
		 OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_collation WHERE collnamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace)
		 OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_conversion WHERE connamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace)
		 OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_opclass WHERE opcnamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace)
		 OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_opfamily WHERE opfnamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace)
		 OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_ts_config WHERE cfgnamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace)
		 OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_ts_dict WHERE dictnamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace)
		 OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_statistic_ext WHERE stxnamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace)
		 OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_default_acl WHERE defaclnamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace)
	  INTO objets;
	IF objets OPERATOR(pg_catalog.>) 0 THEN
		RAISE EXCEPTION 'schema "flux" already exists and is not empty (% objects)', objets
			USING ERRCODE = '42P06',
				  DETAIL = 'CREATE EXTENSION flux installs into an empty schema only: objects already there would be mistaken for flux''s own.',
				  HINT = 'Move or drop what the schema holds (\dn+ flux, \df flux.*), or drop the schema, then run CREATE EXTENSION flux again.';
	END IF;
	IF pg_catalog.getdatabaseencoding() NOT IN ('UTF8', 'LATIN1', 'LATIN9', 'WIN1252') THEN
		RAISE EXCEPTION 'flux cannot be installed in a database of encoding %', pg_catalog.getdatabaseencoding()
			USING ERRCODE = '22021',
				  DETAIL = 'flux writes French text (reasons, reports, holiday names) that this encoding cannot hold.',
				  HINT = 'Install flux in a database created with ENCODING ''UTF8'' (or LATIN1, LATIN9, WIN1252).';
	END IF;
END
$installation$;

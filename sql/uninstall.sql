--
-- uninstall: DROP EXTENSION removes every object but leaves the schema
--
DROP EXTENSION flux;

SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'flux';

-- the schema that CREATE EXTENSION made stays, empty
SELECT nspname FROM pg_namespace WHERE nspname = 'flux';
SELECT count(*) AS objects_left
  FROM pg_class WHERE relnamespace = 'flux'::regnamespace;
SELECT count(*) AS functions_left
  FROM pg_proc WHERE pronamespace = 'flux'::regnamespace;
SELECT count(*) AS types_left
  FROM pg_type WHERE typnamespace = 'flux'::regnamespace;

-- and it can be installed again
SET client_min_messages = warning;
CREATE EXTENSION flux;
SELECT flux.repartir(7, '{30%,20%,10%}');
DROP EXTENSION flux;
DROP SCHEMA flux;

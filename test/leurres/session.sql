-- test/leurres/session.sql: prepended by test/leurres.sh to each regression
-- file.  The hostile path: public (where the decoys are) before pg_catalog,
-- and pg_temp, searched first for relations and types, holding a decoy view
-- for each of flux's relations.
SET client_min_messages = warning;
SET search_path = public, pg_catalog, flux;
SELECT public.leurre_relations() > 0 AS "decoy relations planted in pg_temp";
RESET client_min_messages;

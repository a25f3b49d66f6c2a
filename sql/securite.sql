--
-- securite: no input crashes the server, the install refuses a schema it
-- does not own, and the encodings it works in (docs/security.md)
--
-- On 0.8.0 the first statements below killed the backend (signal 11: the
-- connection was lost and every session of the cluster restarted).
--
SET client_min_messages = warning;
SET datestyle = 'ISO, YMD';
\set VERBOSITY default
CREATE ROLE regress_flux_hostile LOGIN;
GRANT USAGE ON SCHEMA flux TO regress_flux_hostile;
CREATE SCHEMA regress_flux_hostile AUTHORIZATION regress_flux_hostile;
RESET client_min_messages;
SELECT current_database() AS regress_db \gset

-- a role with nothing but LOGIN (and USAGE on the schema, as any user of flux)
SET ROLE regress_flux_hostile;
-- fails: since 0.11.0 it may not even call the engine's kernel (EXECUTE is
-- revoked from PUBLIC)
SELECT count(*) FROM flux.simuler_noyau('{}','{}','{}','{}','{}','{}','{}','{2,5,4,1,6}');
RESET ROLE;
-- a login of the bailleur's staff (flux_gestionnaire, who may call every
-- kernel) with hostile arguments: nothing below may crash the server
GRANT flux_gestionnaire TO regress_flux_hostile;
SET ROLE regress_flux_hostile;

-- fails: the replay checks the number of codes of each dimension (was signal 11)
SELECT count(*) FROM flux.simuler_noyau('{}','{}','{}','{}','{}','{}','{}','{2147483647,2147483647,4,1,1}');
-- fails: a negative number of codes
SELECT count(*) FROM flux.simuler_noyau('{}','{}','{}','{}','{}','{}','{}','{-1,5,4,1,6}');
-- fails: four numbers of codes, not five
SELECT count(*) FROM flux.simuler_noyau('{}','{}','{}','{}','{}','{}','{}','{2,5,4,1}');
-- no vacancy, no convention: only the bailleur, nothing to count
SELECT count(*) FROM flux.simuler_noyau('{}','{}','{}','{}','{}','{}','{}','{2,5,4,1,6}');
-- one convention, one vacancy: the bailleur's 70 % takes it
SELECT * FROM flux.simuler_noyau('{3000}','{2025-01-01}','{NULL}','{t}','{t}','{2025-02-01}','{{0,1,1,0,1}}','{2,5,4,1,6}')
 ORDER BY 1, 2, 3;
-- fails: a commune code past the coverage (was a read out of bounds)
SELECT count(*) FROM flux.simuler_noyau('{3000}','{2025-01-01}','{NULL}','{t}','{t}','{2025-02-01}','{{0,1,1,5,1}}','{2,5,4,1,6}');
-- fails: a negative code
SELECT count(*) FROM flux.simuler_noyau('{3000}','{2025-01-01}','{NULL}','{t}','{t}','{2025-02-01}','{{0,-1,1,0,1}}','{2,5,4,1,6}');
-- fails: the coverage is not one flag per convention and commune
SELECT count(*) FROM flux.simuler_noyau('{3000}','{2025-01-01}','{NULL}','{t,t}','{t}','{2025-02-01}','{{0,1,1,0,1}}','{2,5,4,1,6}');
SELECT count(*) FROM flux.simuler_noyau('{3000,2000}','{2025-01-01,2025-01-01}','{NULL,NULL}','{t,t,t}','{t,f}','{2025-02-01}','{{0,1,1,0,1}}','{2,5,4,1,6}');
-- fails: the coverage's communes are not the commune dimension's codes
SELECT count(*) FROM flux.simuler_noyau('{3000}','{2025-01-01}','{NULL}','{t,t}','{t}','{2025-02-01}','{{0,1,1,0,1}}','{2,5,4,1,6}');
-- fails: one start for two shares, one State flag for two shares
SELECT count(*) FROM flux.simuler_noyau('{3000,2000}','{2025-01-01}','{NULL,NULL}','{t,t}','{t,f}','{2025-02-01}','{{0,1,1,0,1}}','{2,5,4,1,6}');
SELECT count(*) FROM flux.simuler_noyau('{3000,2000}','{2025-01-01,2025-01-01}','{NULL,NULL}','{t,t}','{t}','{2025-02-01}','{{0,1,1,0,1}}','{2,5,4,1,6}');
-- fails: a share above 100 %, a negative share
SELECT count(*) FROM flux.simuler_noyau('{10001}','{2025-01-01}','{NULL}','{t}','{t}','{2025-02-01}','{{0,1,1,0,1}}','{2,5,4,1,6}');
SELECT count(*) FROM flux.simuler_noyau('{-1}','{2025-01-01}','{NULL}','{t}','{t}','{2025-02-01}','{{0,1,1,0,1}}','{2,5,4,1,6}');
-- fails: NULL elements where a value is needed
SELECT count(*) FROM flux.simuler_noyau('{NULL}','{2025-01-01}','{NULL}','{t}','{t}','{2025-02-01}','{{0,1,1,0,1}}','{2,5,4,1,6}');
SELECT count(*) FROM flux.simuler_noyau('{3000}','{2025-01-01}','{NULL}','{t}','{t}','{NULL}','{{0,1,1,0,1}}','{2,5,4,1,6}');
SELECT count(*) FROM flux.simuler_noyau('{3000}','{2025-01-01}','{NULL}','{t}','{t}','{2025-02-01}','{{0,1,NULL,0,1}}','{2,5,4,1,6}');
-- fails: segments of four codes, or flat, or one row for two vacancies
SELECT count(*) FROM flux.simuler_noyau('{3000}','{2025-01-01}','{NULL}','{t}','{t}','{2025-02-01}','{{0,1,1,0}}','{2,5,4,1,6}');
SELECT count(*) FROM flux.simuler_noyau('{3000}','{2025-01-01}','{NULL}','{t}','{t}','{2025-02-01}','{0,1,1,0,1}','{2,5,4,1,6}');
SELECT count(*) FROM flux.simuler_noyau('{3000}','{2025-01-01}','{NULL}','{t}','{t}','{2025-02-01,2025-02-02}','{{0,1,1,0,1}}','{2,5,4,1,6}');
-- fails: counters that cannot fit in memory
SELECT count(*) FROM flux.simuler_noyau(array_fill(0, ARRAY[2000]), array_fill('2025-01-01'::date, ARRAY[2000]),
	array_fill(NULL::date, ARRAY[2000]), array_fill(true, ARRAY[2000 * 1000]), array_fill(false, ARRAY[2000]),
	'{}', '{}', '{2,1000000,1000000,1000,6}');

-- the engine's ranking checks its arrays too
-- fails: five arrays of different lengths
SELECT * FROM flux.classer_destinations('{30%,70%}', '{0}', '{0,0}', '{0,0}', '{f,f}');
-- fails: two dimensions
SELECT * FROM flux.classer_destinations('{{30%},{70%}}', '{{0},{0}}', '{{0},{0}}', '{{0},{0}}', '{{f},{f}}');
-- fails: a NULL share, negative units given, units due not a number
SELECT * FROM flux.classer_destinations('{30%,NULL}', '{0,0}', '{0,0}', '{0,0}', '{f,f}');
SELECT * FROM flux.classer_destinations('{30%,70%}', '{0,-1}', '{0,0}', '{0,0}', '{f,f}');
SELECT * FROM flux.classer_destinations('{30%,70%}', '{0,0}', '{0,NaN}', '{0,0}', '{f,f}');
-- units given at the top of bigint: the deadlines compare in 128 bits (they wrapped in 64)
SELECT * FROM flux.classer_destinations('{30%,70%}', '{9223372036854775807,9223372036854775806}',
	'{0,0}', '{0,0}', '{f,f}');
SELECT * FROM flux.classer_destinations('{30%,70%}', '{0,0}', '{0,0}', '{0,0}', '{f,f}');

-- long loops stop at statement_timeout (and on cancel)
SET statement_timeout = '300ms';
-- fails: canceled, 100 000 shares of one unit each (10^10 steps)
SELECT cardinality(flux.entrelacer(array_fill(1, ARRAY[100000])));
-- fails: canceled, 200 000 vacancies over 2 000 conventions
SELECT count(*) FROM flux.simuler_noyau(array_fill(5, ARRAY[2000]), array_fill('2025-01-01'::date, ARRAY[2000]),
	array_fill(NULL::date, ARRAY[2000]), array_fill(true, ARRAY[2000]), array_fill(false, ARRAY[2000]),
	array_fill('2025-06-01'::date, ARRAY[200000]), array_fill(0, ARRAY[200000, 5]), '{2,5,4,1,6}');
RESET statement_timeout;

-- a C trigger checks the relation it fires on.  The role cannot attach it:
-- fails: permission denied (EXECUTE is revoked from PUBLIC)
CREATE TABLE regress_flux_hostile.piege (id bigint, vacance_id bigint, convention_id bigint, hors_flux text,
					etat flux.etat_orientation DEFAULT 'proposee', date_orientation text, zone date,
					echeance_reponse date, date_reponse date, echeance_designation date,
					echeance_impossibilite date, prolongation_jo integer DEFAULT 0, motif_prolongation text,
					date_attribution date, date_bail date, attributaire_id bigint);
CREATE TRIGGER piege BEFORE INSERT ON regress_flux_hostile.piege FOR EACH ROW EXECUTE FUNCTION flux.orientation_estampiller();
RESET ROLE;
REVOKE flux_gestionnaire FROM regress_flux_hostile;
-- and a superuser who attaches it to another table is refused at the first row
-- (was: a date written into a text column, signal 11)
CREATE TRIGGER piege BEFORE INSERT ON regress_flux_hostile.piege FOR EACH ROW EXECUTE FUNCTION flux.orientation_estampiller();
-- fails: not flux.orientation
INSERT INTO regress_flux_hostile.piege (vacance_id, convention_id, date_orientation) VALUES (1, 1, '2025-01-01');
DROP TABLE regress_flux_hostile.piege;

-- what PUBLIC may not execute: every trigger function, the aggregate's support
SELECT p.oid::regprocedure AS revoque_de_public
  FROM pg_proc p
 WHERE p.pronamespace = 'flux'::regnamespace
   AND NOT has_function_privilege('regress_flux_hostile', p.oid, 'EXECUTE')
 ORDER BY p.oid::regprocedure::text;
SELECT count(*) AS triggers_executables_par_public
  FROM pg_proc p
 WHERE p.pronamespace = 'flux'::regnamespace AND p.prorettype = 'trigger'::regtype
   AND has_function_privilege('regress_flux_hostile', p.oid, 'EXECUTE');

-- the install refuses a schema flux it does not own, or that holds objects
SET client_min_messages = warning;
DROP DATABASE IF EXISTS regress_flux_schema;
CREATE DATABASE regress_flux_schema;
RESET client_min_messages;
\c regress_flux_schema
SET client_min_messages = warning;
CREATE SCHEMA flux AUTHORIZATION regress_flux_hostile;
CREATE FUNCTION flux.piege() RETURNS integer LANGUAGE sql AS 'SELECT 1';
RESET client_min_messages;
-- fails: owned by another role (whose functions would run as the superuser)
CREATE EXTENSION flux;
ALTER SCHEMA flux OWNER TO CURRENT_USER;
-- fails: owned by the installing role, but not empty
CREATE EXTENSION flux;
DROP FUNCTION flux.piege();
-- an empty schema of the installing role is fine
CREATE EXTENSION flux;
SELECT extversion FROM pg_extension WHERE extname = 'flux';
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE regress_flux_schema;

-- a LATIN1 database: the install converts (encoding = UTF8 in the control
-- file) and French text comes back whole
CREATE DATABASE regress_flux_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
RESET client_min_messages;
\c regress_flux_latin1
SET client_encoding = 'UTF8';
SET datestyle = 'ISO, YMD';
CREATE EXTENSION flux;
SELECT pg_catalog.getdatabaseencoding(), extversion FROM pg_extension WHERE extname = 'flux';
SELECT jour, libelle FROM flux.jours_feries(2025, 'alsace-moselle') WHERE libelle ~ '[âéèêû]' ORDER BY jour;
SELECT flux.taux_reservataire(100, 1000), '12,5 %'::flux.taux;
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE regress_flux_latin1;

-- an encoding that cannot hold French text is refused with a clear message
CREATE DATABASE regress_flux_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
RESET client_min_messages;
\c regress_flux_ascii
-- fails: SQL_ASCII
CREATE EXTENSION flux;
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE regress_flux_ascii;
REVOKE USAGE ON SCHEMA flux FROM regress_flux_hostile;
DROP SCHEMA regress_flux_hostile;
DROP ROLE regress_flux_hostile;

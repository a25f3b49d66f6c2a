-- privileges_internes: the internal functions that flux's own functions and
-- triggers call with the caller's rights are executable by the roles whose
-- work fires them, and by no other (0.11.0; in 0.10.0 they were PUBLIC).
-- A trigger function runs whoever fires it, but what it calls is checked
-- against the current user: without EXECUTE on
-- flux.verifier_garanties_programmes the staff could not reserve a unit
-- ("permission denied for function"); without flux.rpls_nettoyer and
-- flux.rpls_marque_liberer flux_admin could not stage or load a file.
-- Trigger functions themselves are revoked from PUBLIC (sql/securite.sql
-- lists them).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SELECT plan(9);

CREATE ROLE flux_test_interne NOLOGIN;

SELECT ok(has_function_privilege('flux_gestionnaire', 'flux.verifier_garanties_programmes(bigint[])', 'EXECUTE')
		  AND has_function_privilege('flux_admin', 'flux.verifier_garanties_programmes(bigint[])', 'EXECUTE'),
	'the guarantee cap''s check, called by the reservations'' statement trigger, is executable by the staff who reserve');
SELECT ok(has_function_privilege('flux_admin', 'flux.rpls_nettoyer()', 'EXECUTE'),
	'the cleanup of a failed load, called by flux.deposer_rpls and flux.charger_rpls, by flux_admin, who loads');
SELECT ok(has_function_privilege('flux_admin', 'flux.rpls_marque_liberer()', 'EXECUTE'),
	'the release of a failed load''s mark, called by flux.charger_rpls, by flux_admin');
SELECT ok(NOT has_function_privilege('flux_test_interne', 'flux.verifier_garanties_programmes(bigint[])', 'EXECUTE'),
	'a role of no flux group cannot call the cap''s check');
SELECT ok(NOT has_function_privilege('flux_test_interne', 'flux.rpls_nettoyer()', 'EXECUTE')
		  AND NOT has_function_privilege('flux_reservataire', 'flux.rpls_nettoyer()', 'EXECUTE'),
	'nor the cleanup of a load (nor can a réservataire)');
SELECT ok(NOT has_function_privilege('flux_test_interne', 'flux.rpls_marque_liberer()', 'EXECUTE'),
	'nor the release of a load''s mark');
SELECT ok(NOT has_function_privilege('flux_test_interne', 'flux.reservation_verifier_garanties()', 'EXECUTE'),
	'the trigger function of the cap is not (nobody may attach it to a table of their own)');
SELECT ok(NOT has_function_privilege('flux_test_interne', 'flux.rpls_ligne_nettoyer()', 'EXECUTE'),
	'nor the staging''s trigger function');
SELECT ok(NOT has_function_privilege('flux_test_interne', 'flux.plan_patrimoine_verifier()', 'EXECUTE'),
	'nor the plans'' trigger function');

SELECT * FROM finish();
ROLLBACK;

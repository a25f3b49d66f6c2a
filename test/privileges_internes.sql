-- privileges_internes: the internal functions that flux's own functions and
-- triggers call with the caller's rights stay executable by every role
-- (0.10.0).  A trigger function runs whoever fires it, but what it calls
-- is checked against the current user: had EXECUTE been revoked from
-- PUBLIC on flux.verifier_garanties_programmes, a role granted INSERT on
-- flux.reservation could not reserve a unit ("permission denied for
-- function"); on flux.rpls_nettoyer and flux.rpls_marque_liberer, a
-- loading role could not stage or load a file.  Trigger functions
-- themselves are revoked (sql/securite.sql lists them).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SELECT plan(6);

CREATE ROLE flux_test_interne NOLOGIN;

SELECT ok(has_function_privilege('flux_test_interne', 'flux.verifier_garanties_programmes(bigint[])', 'EXECUTE'),
	'the guarantee cap''s check, called by the reservations'' statement trigger, is executable by any role');
SELECT ok(has_function_privilege('flux_test_interne', 'flux.rpls_nettoyer()', 'EXECUTE'),
	'the cleanup of a failed load, called by flux.deposer_rpls and flux.charger_rpls, is executable by any role');
SELECT ok(has_function_privilege('flux_test_interne', 'flux.rpls_marque_liberer()', 'EXECUTE'),
	'the release of a failed load''s mark, called by flux.charger_rpls, is executable by any role');
SELECT ok(NOT has_function_privilege('flux_test_interne', 'flux.reservation_verifier_garanties()', 'EXECUTE'),
	'the trigger function of the cap is not (nobody may attach it to a table of their own)');
SELECT ok(NOT has_function_privilege('flux_test_interne', 'flux.rpls_ligne_nettoyer()', 'EXECUTE'),
	'nor the staging''s trigger function');
SELECT ok(NOT has_function_privilege('flux_test_interne', 'flux.plan_patrimoine_verifier()', 'EXECUTE'),
	'nor the plans'' trigger function');

SELECT * FROM finish();
ROLLBACK;

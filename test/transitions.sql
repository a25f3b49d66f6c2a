-- transitions: the change trigger of flux.orientation in C (0.12.0,
-- src/transitions.c) and the sweep's steps in one transaction.
--   * attached anywhere but flux.orientation, or fired otherwise than BEFORE
--     UPDATE FOR EACH ROW, it refuses with 39P01 naming the relation, never
--     XX000 nor a crash (a superuser may attach it; PUBLIC has no EXECUTE);
--   * what it stamps: modifie_le, the answer's date, the notice deadline of
--     an impossibility to designate, the designation deadline capped one
--     month after the orientation and carried to a jour ouvré;
--   * the sweep's second step (accepted orientations left without candidate)
--     right after its first made them acceptee in the same call: every row
--     returned, each with its history row (0.11.0 got there too, but
--     through a quadratic plan: bench/workflow).
-- Every refusal of the trigger, word for word, is in workflow_erreurs.sql.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SET datestyle = 'ISO, YMD';
SELECT plan(13);

CREATE FUNCTION pg_temp.issue(q text) RETURNS text
	LANGUAGE plpgsql
AS $$
DECLARE
	st text;
	msg text;
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN st || ' ' || msg;
END
$$;

SELECT is((SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
			WHERE p.oid = 'flux.orientation_avant_modification()'::regprocedure),
		  'c', 'orientation_avant_modification is a C function');
SELECT ok(NOT has_function_privilege('public', 'flux.orientation_avant_modification()', 'EXECUTE'),
		  'PUBLIC may not execute it (nor attach it to a table)');

-- hostile uses by a superuser: a copy of flux.orientation, and AFTER
CREATE SCHEMA tr_hostile;
CREATE TABLE tr_hostile.orientation (LIKE flux.orientation INCLUDING DEFAULTS);
INSERT INTO tr_hostile.orientation (id, vacance_id, convention_id, date_orientation) VALUES (1, 1, 1, '2025-03-03');
CREATE TRIGGER avant BEFORE UPDATE ON tr_hostile.orientation
	FOR EACH ROW EXECUTE FUNCTION flux.orientation_avant_modification();
SELECT is(pg_temp.issue($$UPDATE tr_hostile.orientation SET etat = 'acceptee'$$),
	'39P01 flux.orientation_avant_modification fired on table "tr_hostile.orientation", not on flux.orientation',
	'on a copy of flux.orientation: 39P01 naming the relation');
DROP TRIGGER avant ON tr_hostile.orientation;
CREATE TRIGGER apres AFTER UPDATE ON tr_hostile.orientation
	FOR EACH STATEMENT EXECUTE FUNCTION flux.orientation_avant_modification();
SELECT is(pg_temp.issue($$UPDATE tr_hostile.orientation SET etat = 'acceptee'$$),
	'39P01 flux.orientation_avant_modification must fire BEFORE UPDATE FOR EACH ROW',
	'AFTER, FOR EACH STATEMENT: 39P01');
DROP SCHEMA tr_hostile CASCADE;

-- a bailleur in Publier (74, metropole), a convention under direct
-- management, 5 jours ouvrés to notify an impossibility, 15 to designate,
-- capped one month after the orientation; silence is acceptance
INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (8800, '900008800', 'B transitions', 'esh');
INSERT INTO reservataire (id, nom, categorie) VALUES (8800, 'Etat transitions', 'etat');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet, silence_vaut_acceptation,
						delai_impossibilite_jo, delai_designation_jo, delai_designation_max_mois)
VALUES (8800, 8800, 8800, '74', '25%', '2024-01-01', true, 5, 15, 1);
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 88000000 + i, 8800, 'T' || i, '74218', false, 'C', 3, 13, true, 2000 FROM generate_series(1, 300) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible)
SELECT 88000000 + i, 88000000 + i, '2025-01-02', '2025-02-01' FROM generate_series(1, 300) i;
-- Monday 5 May 2025: 8 May is a holiday
INSERT INTO orientation (vacance_id, convention_id, date_orientation)
SELECT 88000000 + i, 8800, CASE WHEN i = 1 THEN CURRENT_DATE ELSE date '2025-05-05' END FROM generate_series(1, 300) i;

-- one oriented today, accepted by hand without a date: today's
UPDATE orientation SET etat = 'acceptee' WHERE vacance_id = 88000001;
SELECT is((SELECT date_reponse FROM orientation WHERE vacance_id = 88000001), CURRENT_DATE,
		  'an answer without a date is dated today');
SELECT is((SELECT modifie_le FROM orientation WHERE vacance_id = 88000001), now(),
		  'modifie_le is the transaction''s time');
SELECT is((SELECT echeance_impossibilite FROM orientation WHERE vacance_id = 88000001),
		  ajouter_jours_ouvres(CURRENT_DATE, 5, 'metropole'),
		  'the notice deadline: 5 jours ouvrés after the orientation (Ornex art. 6)');
-- one accepted on 6 May: 15 jours ouvrés later is 28 May (8 and 29 May are
-- holidays, not before), under the cap of 5 June
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-05-06' WHERE vacance_id = 88000002;
SELECT is((SELECT echeance_designation FROM orientation WHERE vacance_id = 88000002),
		  least(ajouter_jours_ouvres('2025-05-06', 15, 'metropole'), date '2025-06-05'),
		  'the designation deadline: 15 jours ouvrés after the answer, under the cap');
-- an extension of 10 jours ouvrés moves it from there
UPDATE orientation SET prolongation_jo = 10, motif_prolongation = 'test' WHERE vacance_id = 88000002;
SELECT is((SELECT echeance_designation FROM orientation WHERE vacance_id = 88000002),
		  ajouter_jours_ouvres(least(ajouter_jours_ouvres('2025-05-06', 15, 'metropole'), date '2025-06-05'), 10, 'metropole'),
		  'an extension adds its jours ouvrés to the deadline');

-- the sweep of 31 December 2025: the 298 answers of 5 May passed (silence is
-- acceptance), then their designation deadlines passed without candidate:
-- in one call, each is accepted, then returned
SELECT is((SELECT count(*) FROM appliquer_echeances('2025-12-31') b WHERE b.vers = 'acceptee'), 298::bigint,
		  'the sweep accepts the 298 orientations whose answer is overdue');
SELECT is((SELECT count(*) FROM orientation WHERE vacance_id BETWEEN 88000002 AND 88000300 AND etat = 'restituee'),
		  299::bigint, 'and returns those 298 and the one accepted by hand on 6 May, in the same call');
SELECT is((SELECT count(*) FROM orientation_historique h JOIN orientation o ON o.id = h.orientation_id
			WHERE o.vacance_id BETWEEN 88000002 AND 88000300 AND h.vers = 'restituee' AND h.origine = 'echeance'),
		  299::bigint, 'each return with its history row, recorded as the sweep''s');
SELECT is((SELECT count(*) FROM appliquer_echeances('2025-12-31')), 0::bigint,
		  'a second sweep finds nothing left to do');

SELECT * FROM finish();
ROLLBACK;

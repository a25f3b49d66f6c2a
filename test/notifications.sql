-- notifications: what can be checked of LISTEN/NOTIFY inside one
-- transaction (issue 16; delivery itself, at commit, is proved by the
-- isolation spec specs/notifications.spec): the channel each caller gets,
-- the deadlines flux.notifier_echeances sends and to whom, once each, their
-- payloads (ids, states and dates only: no NUD), its refusals, the triggers
-- and the privileges.
--
-- The deadlines are the workflow's defaults from an orientation on Monday
-- 1 September 2025 (docs/workflow.md, "Deadlines"): the réservataire's
-- answer 2 jours ouvrés later, Wednesday 3 September; accepted the same
-- day, its notice of impossibility 5 jours ouvrés after the orientation,
-- Monday 8 September, its designation 15 jours ouvrés, Monday 22
-- September; a household offered the unit on Friday 5 September answers
-- within 10 days, Monday 15 September.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SET datestyle = 'ISO, YMD';
SET TimeZone = 'Europe/Paris';
SELECT plan(47);

\ir erreurs_aide.psql

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9701, '970100001', 'B notif', 'esh');
INSERT INTO reservataire (id, nom, categorie) VALUES (9701, 'Etat notif', 'etat'), (9702, 'AL notif', 'action_logement');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (9701, 9701, 9701, '74', '30%', '2024-01-01'), (9702, 9701, 9702, '74', '10%', '2024-01-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 9700 + i, 9701, 'N' || i, '74218', false, 'C', 3, 13, true, 2000 FROM generate_series(1, 4) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible)
SELECT 9700 + i, 9700 + i, '2025-01-02', '2025-02-01' FROM generate_series(1, 4) i;
-- 97011: proposed to 9701; 97012: accepted by 9702; 97013: accepted by
-- 9701, its candidate attributed and offered the unit; 97014: hors flux,
-- its candidate offered the unit
INSERT INTO orientation (id, vacance_id, convention_id, hors_flux, date_orientation) VALUES
	(97011, 9701, 9701, NULL, '2025-09-01'), (97012, 9702, 9702, NULL, '2025-09-01'),
	(97013, 9703, 9701, NULL, '2025-09-01'), (97014, 9704, NULL, 'mutation', '2025-09-01');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-09-01' WHERE id IN (97012, 97013);
INSERT INTO candidature (id, orientation_id, nud, rang, designe_par, date_designation, dalo, critere_priorite, personnes, ressources) VALUES
	(970131, 97013, '074032597013', 1, 'reservataire', '2025-09-02', true, 'dalo', 2, 1800),
	(970141, 97014, '074032597014', 1, 'bailleur', '2025-09-02', false, NULL, 2, 1800);
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-09-04' WHERE id IN (970131, 970141);
UPDATE candidature SET date_proposition = '2025-09-05', loyer = 400, charges = 50, mentions_dalo = dalo WHERE id IN (970131, 970141);

CREATE TEMP TABLE envoi AS SELECT * FROM notifier_echeances('2 days', '2025-09-02 07:00+02');
CREATE TEMP TABLE tout AS SELECT * FROM notifier_echeances('1 year', '2025-09-01 07:00+02');

--------------------------------------------------------------------------
-- flux.notifier_echeances: which deadlines, to whom, once
--------------------------------------------------------------------------
SELECT results_eq($$SELECT canal, charge_utile FROM envoi$$,
	$$VALUES ('flux_reservataire_9701'::text,
			  '{"evenement":"echeance","orientation_id":97011,"convention_id":9701,"echeance_de":"reponse_reservataire","echeance":"2025-09-03"}'::text)$$,
	'notifier_echeances on Tuesday 2 September, 2 days: the answer due on Wednesday 3, to its réservataire''s channel, and nothing else');
SELECT results_eq($$SELECT canal, charge_utile::json->>'echeance_de', charge_utile::json->>'orientation_id', charge_utile::json->>'echeance' FROM tout$$,
	$$VALUES ('flux_reservataire_9702'::text, 'impossibilite'::text, '97012'::text, '2025-09-08'::text),
			 ('flux_bailleur_9701', 'reponse_menage', '97013', '2025-09-15'),
			 ('flux_bailleur_9701', 'reponse_menage', '97014', '2025-09-15'),
			 ('flux_reservataire_9702', 'designation', '97012', '2025-09-22')$$,
	'a year ahead: every other running deadline, once, by date (97013, attributed, has no designation deadline left): the réservataire''s to its channel, a household''s answer to the bailleur''s (hors flux too)');
SELECT is((SELECT count(*) FROM notifier_echeances('1 year', '2025-09-01 07:00+02')), 0::bigint,
	'a second run sends nothing again');
SELECT is((SELECT count(*) FROM echeance_notifiee WHERE orientation_id BETWEEN 97011 AND 97014), 5::bigint,
	'the five deadlines sent are recorded in flux.echeance_notifiee');
SELECT is((SELECT charge_utile FROM tout WHERE charge_utile::json->>'orientation_id' = '97014'),
	'{"evenement":"echeance","orientation_id":97014,"candidature_id":970141,"echeance_de":"reponse_menage","echeance":"2025-09-15"}',
	'a household''s answer names its candidate; hors flux, no convention');

-- an extension moves the designation deadline: a new deadline, notified
UPDATE orientation SET prolongation_jo = 5, motif_prolongation = 'pièces manquantes' WHERE id = 97012;
SELECT results_eq($$SELECT canal, charge_utile::json->>'echeance_de', charge_utile::json->>'echeance' FROM notifier_echeances('1 year', '2025-09-02 07:00+02')$$,
	$$VALUES ('flux_reservataire_9702'::text, 'designation'::text, '2025-09-29'::text)$$,
	'a designation deadline extended by 5 jours ouvrés (22 to 29 September) is notified again, at its new date');
SELECT is((SELECT count(*) FROM notifier_echeances('0 days', '2025-09-22 07:00+02')), 0::bigint,
	'on the day of the old deadline, nothing: it was sent and is no longer running');
SELECT is((SELECT array_agg(echeance ORDER BY echeance) FROM echeance_notifiee WHERE orientation_id BETWEEN 97011 AND 97014),
	'{2025-09-22,2025-09-29}'::date[],
	'a run forgets the deadlines passed before its day (kept: the old designation deadline of the day, and the new one)');
SELECT is((SELECT count(*) FROM notifier_echeances('0 days', '2025-09-29 07:00+02')), 0::bigint,
	'on the day of the new deadline with horizon 0: nothing, sent already');
DELETE FROM echeance_notifiee;
SELECT is((SELECT count(*) FROM notifier_echeances('0 days', '2025-09-03 07:00+02')), 1::bigint,
	'horizon 0: the deadlines of the day itself (the answer due on 3 September)');
SELECT is((SELECT count(*) FROM notifier_echeances('0 days', '2025-09-04 07:00+02')), 0::bigint,
	'a deadline passed (and not yet swept) is not "coming due": not sent');

--------------------------------------------------------------------------
-- payloads: ids, states and dates only
--------------------------------------------------------------------------
SELECT is((SELECT count(*) FROM tout t, json_object_keys(t.charge_utile::json) k
			WHERE k NOT IN ('evenement', 'orientation_id', 'candidature_id', 'convention_id', 'echeance_de', 'echeance')), 0::bigint,
	'every payload has only the keys evenement, orientation_id, candidature_id, convention_id, echeance_de, echeance');
SELECT is((SELECT count(*) FROM tout t, candidature k
			WHERE t.charge_utile LIKE '%' || k.nud || '%' OR t.charge_utile ILIKE '%dalo%'), 0::bigint,
	'no payload holds a NUD or a priority criterion');
SELECT ok((SELECT bool_and(octet_length(charge_utile) < 200) FROM tout), 'every payload is short (under 200 bytes, PostgreSQL''s limit is 8000)');
SELECT is((SELECT count(*) FROM tout WHERE canal !~ '^flux_(reservataire|bailleur)_[0-9]+$'), 0::bigint,
	'every channel is flux_reservataire_<id> or flux_bailleur_<id>');

--------------------------------------------------------------------------
-- refusals of flux.notifier_echeances
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$SELECT notifier_echeances(NULL, now())$$, '22004', 'horizon is NULL', 'notifier_echeances: a NULL horizon');
SELECT * FROM pg_temp.refus($$SELECT notifier_echeances('2 days', NULL)$$, '22004', 'a_la_date is NULL', 'notifier_echeances: a NULL date');
SELECT * FROM pg_temp.refus($$SELECT notifier_echeances('2 days', 'infinity')$$, '22023', 'a_la_date must be finite, not infinity', 'notifier_echeances: an infinite date');
SELECT * FROM pg_temp.refus($$SELECT notifier_echeances('-1 day', now())$$, '22023', 'horizon -1 days is out of range', 'notifier_echeances: a negative horizon');
SELECT is(pg_temp.hint_de($$SELECT notifier_echeances('-1 day', now())$$), 'Pass an interval such as ''2 days''.', 'notifier_echeances: the hint of a bad horizon');

--------------------------------------------------------------------------
-- flux.canal_notifications
--------------------------------------------------------------------------
CREATE ROLE regress_notif_r LOGIN IN ROLE flux_reservataire;
CREATE ROLE regress_notif_e LOGIN IN ROLE flux_epci;
CREATE ROLE regress_notif_g LOGIN IN ROLE flux_gestionnaire;
INSERT INTO partenaire (login, reservataire_id, epci) VALUES ('regress_notif_r', 9702, NULL), ('regress_notif_e', NULL, '200067551');
GRANT USAGE ON SCHEMA flux TO regress_notif_r, regress_notif_e, regress_notif_g;

SET ROLE regress_notif_r;
SELECT is(flux.canal_notifications(), 'flux_reservataire_9702', 'a réservataire''s login: the channel of its réservataire');
SELECT * FROM pg_temp.refus($$SELECT flux.canal_notifications(9701)$$, '22023',
	'login "regress_notif_r" acts for réservataire 9702: its channel takes no bailleur', 'canal_notifications: a réservataire passing a bailleur');
SELECT throws_ok($$SELECT flux.notifier_echeances()$$, '42501',
	'permission denied for function notifier_echeances', 'a réservataire''s login may not run the deadline notice');
RESET ROLE;
SET ROLE regress_notif_e;
SELECT * FROM pg_temp.refus($$SELECT flux.canal_notifications()$$, '0A000',
	'login "regress_notif_e" acts for EPCI 200067551: flux sends no notification to an EPCI', 'canal_notifications: an EPCI has no channel');
RESET ROLE;
SET ROLE regress_notif_g;
SELECT * FROM pg_temp.refus($$SELECT flux.canal_notifications()$$, '22004',
	'bailleur is NULL', 'canal_notifications: the bailleur''s staff must name the bailleur');
SELECT is(pg_temp.hint_de($$SELECT flux.canal_notifications()$$),
	'Pass the bailleur whose channel to listen on: flux.canal_notifications(bailleur).', 'canal_notifications: its hint');
RESET ROLE;
SELECT is(canal_notifications(9701), 'flux_bailleur_9701', 'the bailleur''s staff: the channel of the bailleur it names');
SELECT * FROM pg_temp.refus($$SELECT canal_notifications(-4)$$, 'P0002', 'bailleur -4 does not exist', 'canal_notifications: an unknown bailleur');

--------------------------------------------------------------------------
-- the triggers and the privileges
--------------------------------------------------------------------------
SELECT is((SELECT string_agg(format('%s %s %s %s %s', tgname, (tgtype & 1) = 0, (tgtype & 2) = 0, tgoldtable, tgnewtable), '; ' ORDER BY tgname)
			 FROM pg_trigger WHERE tgrelid = 'flux.orientation'::regclass AND tgname LIKE 'orientation_notifier%'),
	'orientation_notifier_insertion t t  nouvelles; orientation_notifier_modification t t anciennes nouvelles',
	'the notifying triggers: AFTER, FOR EACH STATEMENT, over transition tables (no query per row)');
-- hors flux and a change that is no change of state: the triggers run, nothing to notify, no error
SELECT lives_ok($$UPDATE orientation SET modifie_le = modifie_le WHERE id BETWEEN 97011 AND 97014$$,
	'an update that changes no state (and one of an orientation hors flux) goes through');
SELECT ok(NOT has_function_privilege('public', 'flux.orientation_notifier()', 'EXECUTE'), 'the trigger function: not executable by PUBLIC');
SELECT ok(NOT has_function_privilege('public', 'flux.notifier_echeances(interval, timestamptz)', 'EXECUTE'), 'notifier_echeances: not executable by PUBLIC');
SELECT ok(has_function_privilege('flux_gestionnaire', 'flux.notifier_echeances(interval, timestamptz)', 'EXECUTE'), 'notifier_echeances: executable by flux_gestionnaire');
SELECT ok(has_function_privilege('flux_admin', 'flux.notifier_echeances(interval, timestamptz)', 'EXECUTE'), 'notifier_echeances: executable by flux_admin');
SELECT ok(NOT has_function_privilege('flux_epci', 'flux.notifier_echeances(interval, timestamptz)', 'EXECUTE'), 'notifier_echeances: not by flux_epci');
SELECT ok(NOT has_function_privilege('public', 'flux.canal_notifications(bigint)', 'EXECUTE'), 'canal_notifications: not executable by PUBLIC');
SELECT ok(has_function_privilege('flux_reservataire', 'flux.canal_notifications(bigint)', 'EXECUTE')
	  AND has_function_privilege('flux_epci', 'flux.canal_notifications(bigint)', 'EXECUTE')
	  AND has_function_privilege('flux_gestionnaire', 'flux.canal_notifications(bigint)', 'EXECUTE')
	  AND has_function_privilege('flux_admin', 'flux.canal_notifications(bigint)', 'EXECUTE'),
	'canal_notifications: executable by flux_reservataire, flux_epci, flux_gestionnaire, flux_admin');
SELECT ok(NOT has_table_privilege('flux_reservataire', 'flux.echeance_notifiee', 'SELECT')
	  AND NOT has_table_privilege('flux_lecteur', 'flux.echeance_notifiee', 'SELECT'),
	'flux.echeance_notifiee: not readable by a partner or BI');
SELECT ok(has_table_privilege('flux_gestionnaire', 'flux.echeance_notifiee', 'INSERT'), 'flux.echeance_notifiee: written by the bailleur''s staff (through the deadline notice)');

SELECT * FROM finish();
ROLLBACK;

--
-- audit (issue 16 item 5): who did what, when, as which partner;
-- append-only for everyone; written by the audit triggers only.
--
-- A staff login (member of flux_gestionnaire) and a réservataire's login
-- (member of flux_reservataire, mapped in flux.partenaire), created inside
-- the test's transaction.  The partner acts through a SECURITY DEFINER
-- function written here, standing in for flux's partner functions.
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(24);

INSERT INTO commune (depcom, nom, epci) VALUES ('74971', 'Gamma', '200000171');
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9700, '900097000', 'Habitat Audit', 'oph');
INSERT INTO reservataire (id, nom, categorie) VALUES (9701, 'Préfet (audit)', 'etat');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet) VALUES
	(9711, 9700, 9701, '74', '30%', '2024-01-01');
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation) VALUES (9700, '74', 2025, 10);
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, construct, locat)
SELECT 97000 + i, 9700, 'A' || i, '74971', false, 'C', 3, 13, true, 1990, 1991 FROM generate_series(1, 3) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible) SELECT 97000 + i, 97000 + i, '2025-01-02', '2025-02-01'
  FROM generate_series(1, 3) i;

CREATE ROLE regress_audit_staff LOGIN IN ROLE flux_gestionnaire;
CREATE ROLE regress_audit_r1 LOGIN IN ROLE flux_reservataire;
-- what the test's staff does (the grants of flux_gestionnaire are another
-- concern's: given here to the login, inside the transaction)
GRANT USAGE ON SCHEMA flux TO regress_audit_staff;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA flux TO regress_audit_staff;
REVOKE ALL ON audit FROM regress_audit_staff;
INSERT INTO partenaire (login, reservataire_id) VALUES ('regress_audit_r1', 9701);

-- the partner's function: accepts an orientation of its own réservataire
CREATE FUNCTION public.regress_audit_accepter(o bigint) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, flux, pg_temp AS $$
BEGIN
	UPDATE flux.orientation SET etat = 'acceptee', date_reponse = '2025-03-04'
	 WHERE id = o AND convention_id IN (SELECT id FROM flux.convention WHERE reservataire_id = flux.reservataire_courant());
END $$;
REVOKE EXECUTE ON FUNCTION public.regress_audit_accepter(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.regress_audit_accepter(bigint) TO regress_audit_r1;

------------------------------------------------------------------------
-- 1. a staff member's INSERT and UPDATE
------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_audit_staff;
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (97001, 97001, 9711, '2025-03-03'),
	(97002, 97002, 9711, '2025-03-03');
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (97003, 97003, 9711, '2025-03-03');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-03-04', motif = 'accord du préfet' WHERE id = 97001;
RESET SESSION AUTHORIZATION;

SELECT is((SELECT array_agg(cle || ' ' || login || ' ' || appelant || ' ' || coalesce(reservataire_id::text, '-') || ' ' || (apres ->> 'etat') ORDER BY cle)
			 FROM audit WHERE relation = 'orientation' AND operation = 'INSERT' AND cle IN ('97001', '97002')),
		  '{"97001 regress_audit_staff regress_audit_staff - proposee","97002 regress_audit_staff regress_audit_staff - proposee"}',
		  'a staff INSERT: one row per orientation, its key, who (the login, no partner) and what (the row as stamped)');
SELECT is((SELECT count(DISTINCT quand) || ' ' || count(DISTINCT transaction_id) FROM audit
			WHERE relation = 'orientation' AND operation = 'INSERT' AND cle IN ('97001', '97002')),
		  '1 1', 'one statement: one time, one transaction');
SELECT ok((SELECT bool_and(quand BETWEEN now() AND clock_timestamp() AND transaction_id = pg_current_xact_id()) FROM audit),
		  'when: during this transaction, recorded with its id');
SELECT is((SELECT avant::text || ' -> ' || apres::text FROM audit WHERE relation = 'orientation' AND operation = 'UPDATE' AND cle = '97001'),
		  '{"etat": "proposee", "date_reponse": null, "echeance_designation": null, "echeance_impossibilite": null} -> '
		  || '{"etat": "acceptee", "date_reponse": "2025-03-04", "echeance_designation": "'
		  || (SELECT echeance_designation FROM orientation WHERE id = 97001) || '", "echeance_impossibilite": "'
		  || (SELECT echeance_impossibilite FROM orientation WHERE id = 97001) || '"}',
		  'a staff UPDATE: the changed columns before and after, the stamps of the trigger included, not modifie_le');
SELECT is((SELECT donnees_personnelles FROM audit WHERE relation = 'orientation' AND operation = 'UPDATE' AND cle = '97001'),
		  '{motif}', 'the reason is named, its text not recorded (it may name a household)');
SELECT ok((SELECT count(*) FROM audit WHERE relation = 'parametre_annuel' AND cle = '9700,74,2025' AND apres ->> 'taux_rotation' = '10.00') = 1
		  AND (SELECT count(*) FROM audit WHERE relation = 'convention' AND cle = '9711') = 1
		  AND (SELECT count(*) FROM audit WHERE relation = 'vacance' AND cle IN ('97001', '97002', '97003')) = 3,
		  'the yearly parameters (a composite key), the conventions and the vacancies are audited');

------------------------------------------------------------------------
-- 2. a candidate: audited without its personal data
------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_audit_staff;
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation, prioritaire, critere_priorite, quartile, personnes, ressources)
VALUES (97101, 97001, '074032597101', 1, '2025-03-05', true, 'violences', 1, 3, 1500);
RESET SESSION AUTHORIZATION;
SELECT is((SELECT donnees_personnelles FROM audit WHERE relation = 'candidature' AND cle = '97101'),
		  '{nud,critere_priorite,personnes,ressources}', 'the personal columns written are named');
SELECT is((SELECT count(*) FROM audit WHERE strpos(audit::text, '074032597101') > 0 OR strpos(audit::text, 'violences') > 0
			OR apres ? 'ressources'), 0::bigint, 'their values are nowhere in the audit: no NUD, no criterion, no resources');
SELECT is((SELECT (apres ->> 'quartile') || ' ' || (apres ->> 'prioritaire') || ' ' || (apres ->> 'orientation_id')
			 FROM audit WHERE relation = 'candidature' AND cle = '97101'),
		  '1 true 97001', 'what the bilans count is recorded, and the candidate is known by its id');
SELECT is((SELECT avant ->> 'etat' || ' -> ' || (apres ->> 'etat') || ' ' || login FROM audit
			WHERE relation = 'orientation' AND operation = 'UPDATE' AND cle = '97001' AND apres ? 'etat' ORDER BY id DESC LIMIT 1),
		  'acceptee -> candidats_designes regress_audit_staff', 'what the workflow''s triggers do on its behalf is audited as its');

------------------------------------------------------------------------
-- 3. a partner acting through a SECURITY DEFINER function
------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_audit_r1;
SELECT public.regress_audit_accepter(97002);
RESET SESSION AUTHORIZATION;
SELECT is((SELECT login || ' ' || appelant || ' ' || reservataire_id || ' ' || (apres ->> 'etat') FROM audit
			WHERE relation = 'orientation' AND operation = 'UPDATE' AND cle = '97002'),
		  'regress_audit_r1 regress_audit_r1 9701 acceptee', 'a partner''s change: its login and its réservataire');
-- a DBA acting for it with SET ROLE: the login stays the DBA's
SET ROLE regress_audit_r1;
SELECT public.regress_audit_accepter(97003);
RESET ROLE;
SELECT is((SELECT login || ' ' || appelant || ' ' || reservataire_id FROM audit
			WHERE relation = 'orientation' AND operation = 'UPDATE' AND cle = '97003'),
		  session_user || ' regress_audit_r1 9701', 'a DBA acting for it (SET ROLE): its own login, the partner as appelant');
SELECT is((SELECT appelant || ' ' || coalesce(reservataire_id::text, '-') FROM audit WHERE relation = 'partenaire' AND cle = 'regress_audit_r1'),
		  session_user || ' -', 'the mapping of the login is audited too (by the DBA, no partner)');

------------------------------------------------------------------------
-- 4. append-only, for everyone
------------------------------------------------------------------------
SELECT throws_ok($$UPDATE audit SET login = 'x'$$, '55000', NULL, 'UPDATE of the audit refused, to its owner too');
SELECT throws_ok($$DELETE FROM audit$$, '55000', NULL, 'DELETE refused');
SELECT throws_ok($$TRUNCATE audit$$, '55000', NULL, 'TRUNCATE refused');
SET SESSION AUTHORIZATION regress_audit_staff;
SELECT ok((SELECT count(*) FROM audit) > 0, 'the bailleur''s staff reads the audit');
SELECT throws_ok($$INSERT INTO flux.audit (quand, transaction_id, relation, operation, login, appelant)
				   VALUES (now(), pg_current_xact_id(), 'orientation', 'UPDATE', 'x', 'x')$$, '42501', NULL,
				 'nor can it write it');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_audit_r1;
SELECT throws_ok($$SELECT count(*) FROM flux.audit$$, '42501', NULL, 'a partner does not read it');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT array_agg(r || ':' || p ORDER BY r, p) FROM unnest(ARRAY['public', 'flux_admin', 'flux_gestionnaire',
			'flux_reservataire', 'flux_epci', 'flux_lecteur']) r, unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
			WHERE has_table_privilege(r, 'flux.audit', p)), NULL, 'no role of flux, nor PUBLIC, may write the audit');
SELECT is((SELECT array_agg(DISTINCT r ORDER BY r) FROM unnest(ARRAY['flux_admin', 'flux_gestionnaire',
			'flux_reservataire', 'flux_epci', 'flux_lecteur']) r WHERE has_table_privilege(r, 'flux.audit', 'SELECT')),
		  '{flux_admin,flux_gestionnaire}', 'the bailleur reads it (flux_admin, flux_gestionnaire), no partner');

------------------------------------------------------------------------
-- 5. the catalogue: only the audit trigger writes it, on every audited table
------------------------------------------------------------------------
SELECT is((SELECT array_agg(p.proname::text ORDER BY 1) FROM pg_proc p
			JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
			JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'flux'
		   WHERE coalesce(p.prosrc, '') ~* 'flux\.audit\M' OR coalesce(pg_get_function_sqlbody(p.oid), '') ~* 'flux\.audit\M'
			  OR (p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c') AND p.prosrc = 'flux_auditer')),
		  '{auditer}', 'no function of flux but the audit trigger (C since 0.13.0: flux_auditer) writes flux.audit');
SELECT is((SELECT array_agg(c.relname || ':' || t.n ORDER BY c.relname) FROM pg_class c
			CROSS JOIN LATERAL (SELECT count(*) AS n FROM pg_trigger g JOIN pg_proc p ON p.oid = g.tgfoid
								 WHERE g.tgrelid = c.oid AND p.proname = 'auditer' AND g.tgenabled = 'O') t
		   WHERE c.relnamespace = 'flux'::regnamespace AND t.n > 0),
		  '{candidature:4,convention:4,orientation:4,parametre_annuel:4,partenaire:4,pseudonymisation:4,vacance:4}',
		  'INSERT, UPDATE, DELETE and TRUNCATE audited on the seven tables');
SELECT ok((SELECT prosecdef FROM pg_proc WHERE oid = 'flux.auditer()'::regprocedure)
		  AND NOT has_function_privilege('public', 'flux.auditer()', 'EXECUTE'),
		  'the audit trigger is SECURITY DEFINER, not executable by PUBLIC');

SELECT * FROM finish();
ROLLBACK;

--
-- pseudonymisation (issue 16 item 4): flux.pseudonymiser replaces the NUD
-- and removes the other personal data of closed files after the retention
-- delay, and every bilan reads the same before and after.
--
-- The small year of test/exports.sql (its ids moved to 98xxx), the CALEOL's
-- reason naming the household's NUD (so that it reaches the history):
--   A  refused by the réservataire                 closed, no candidate
--   B  DALO household refuses the offer            open (candidats_designes)
--   C, D, E, F  leased                             closed, one candidate each
-- The files closed today are pseudonymised once the delay has passed.
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(29);

INSERT INTO commune (depcom, nom, epci) VALUES ('74981', 'Alpha-les-Bains', '200000181'), ('74982', 'Béta', '200000181');
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9800, '900098000', 'Habitat "Léman"; Sud', 'oph');
INSERT INTO reservataire (id, nom, categorie, epci) VALUES (9801, 'Préfet (exports)', 'etat', NULL),
	(9802, 'Action Logement (exports)', 'action_logement', NULL), (9803, 'Agglo Test, Léman', 'epci', '200000181');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet) VALUES
	(9811, 9800, 9801, '74', '30%', '2024-01-01'), (9812, 9800, 9802, '74', '20%', '2024-01-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, construct, locat)
SELECT 98000 + i, 9800, 'X' || i, CASE WHEN i <= 2 THEN '74981' ELSE '74982' END, i = 2, 'C', 3, 13, true, 1990, 1991
  FROM generate_series(1, 5) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible) SELECT 98000 + i, 98000 + i, '2025-01-02', '2025-02-01'
  FROM generate_series(1, 5) i;

-- one orientation through the workflow, as far as jusqua says; par: who designates
CREATE FUNCTION pg_temp.parcours(o bigint, v bigint, c bigint, hf text, n text, est_dalo boolean, prio boolean,
								 q smallint, jusqua text, par text DEFAULT 'reservataire') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	d date := '2025-03-03';
BEGIN
	INSERT INTO flux.orientation (id, vacance_id, convention_id, hors_flux, date_orientation)
	VALUES (o, v, c, hf::flux.motif_hors_flux, d);
	IF jusqua = 'refus_reservataire' THEN
		UPDATE flux.orientation SET etat = 'refusee', date_reponse = d WHERE id = o;
		RETURN;
	END IF;
	IF c IS NOT NULL THEN
		UPDATE flux.orientation SET etat = 'acceptee', date_reponse = d WHERE id = o;
	END IF;
	INSERT INTO flux.candidature (orientation_id, nud, rang, designe_par, date_designation, dalo, prioritaire,
								  critere_priorite, quartile, personnes, ressources)
	VALUES (o, n, 1, CASE WHEN c IS NULL THEN 'bailleur' ELSE par END::flux.designe_par, d + 3,
			est_dalo, prio, CASE WHEN est_dalo OR prio THEN 'critère' END, q, 2, 1800);
	UPDATE flux.candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = d + 10, motif_caleol = 'vu le dossier ' || n WHERE orientation_id = o;
	UPDATE flux.candidature SET date_proposition = d + 11, loyer = 400, charges = 50, mentions_dalo = est_dalo WHERE orientation_id = o;
	IF jusqua = 'refus_menage' THEN
		UPDATE flux.candidature SET reponse_menage = 'refusee', date_reponse_menage = d + 12,
			   motif_refus = 'trop loin du travail' WHERE orientation_id = o;
		RETURN;
	END IF;
	UPDATE flux.candidature SET reponse_menage = 'acceptee', date_reponse_menage = d + 12 WHERE orientation_id = o;
	UPDATE flux.candidature SET date_bail = d + 30 WHERE orientation_id = o;
END $$;

SELECT pg_temp.parcours(98001, 98001, 9812, NULL, NULL, false, false, NULL, 'refus_reservataire');				-- A
SELECT pg_temp.parcours(98002, 98001, 9811, NULL, '074032598002', true, false, 1::smallint, 'refus_menage');		-- B
SELECT pg_temp.parcours(98003, 98002, 9811, NULL, '074032598003', false, true, 2::smallint, 'bail');				-- C
SELECT pg_temp.parcours(98004, 98003, 9812, NULL, '074032598004', false, false, 1::smallint, 'bail', 'bailleur');	-- D
SELECT pg_temp.parcours(98005, 98004, NULL, 'mutation', '074032598005', false, true, 1::smallint, 'bail');			-- E
SELECT pg_temp.parcours(98006, 98005, NULL, 'non_reserve', '074032598006', false, false, 3::smallint, 'bail');		-- F
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation) VALUES (9800, '74', 2025, 10);

-- a NUD typed into an orientation's reason, too
UPDATE orientation SET motif = 'bail du dossier 074032598003' WHERE id = 98003;

-- every bilan, as rows (a digest of each, and of flux.decompte)
CREATE FUNCTION pg_temp.bilans() RETURNS TABLE (quoi text, empreinte text) LANGUAGE plpgsql AS $$
DECLARE
	q text;
BEGIN
	FOREACH q IN ARRAY ARRAY['flux.bilan_orientation', 'flux.bilan_detaille', 'flux.bilan_reservataire',
							 'flux.bilan_obligations', 'flux.bilan_etapes', 'flux.bilan_hors_flux',
							 'flux.decompte(9800, ''74'', 2025)', 'flux.evenements_sne'] LOOP
		quoi := q;
		EXECUTE format('SELECT count(*) || '' '' || coalesce(md5(string_agg(x::text, E''\n'' ORDER BY x::text)), ''-'') FROM %s x', q)
		   INTO empreinte;
		RETURN NEXT;
	END LOOP;
END $$;
-- flux.evenements_sne carries the NUD (the SNE interface needs it): its
-- digest is compared without it
CREATE TEMP TABLE bilans_avant AS SELECT * FROM pg_temp.bilans() WHERE quoi <> 'flux.evenements_sne';
CREATE TEMP TABLE sne_avant AS SELECT e.candidature_id, to_jsonb(e) - 'nud' - 'motif_caleol' - 'motif_refus' - 'motif_priorite' - 'critere_priorite' AS e
  FROM flux.evenements_sne e WHERE e.candidature_id IS NOT NULL;
CREATE TEMP TABLE nuds_fermes AS SELECT k.id, k.nud FROM candidature k JOIN orientation o ON o.id = k.orientation_id
 WHERE o.id BETWEEN 98001 AND 98006 AND o.etat IN ('bail_signe', 'refusee', 'restituee', 'expiree', 'annulee');

SELECT is((SELECT count(*) FROM nuds_fermes), 4::bigint, 'four candidates in closed files (C, D, E, F), B''s file is open');
SELECT ok((SELECT count(*) FROM bilans_avant WHERE empreinte NOT LIKE '0 %') >= 6, 'the bilans have rows to compare');

------------------------------------------------------------------------
-- 1. the delay
------------------------------------------------------------------------
SELECT is(pseudonymiser(), 0::bigint, 'files closed today are kept (5 years by default)');
SELECT is(pseudonymiser(CURRENT_DATE + 365 * 5 - 2), 0::bigint, 'still kept just before the 5 years');
SELECT is(pseudonymiser((CURRENT_DATE + interval '5 years 1 day')::date), 4::bigint,
	'5 years and a day later: the 4 candidates of closed files pseudonymised');
SELECT is(pseudonymiser((CURRENT_DATE + interval '5 years 1 day')::date), 0::bigint, 'idempotent: a second run finds nothing');
SELECT is(pseudonymiser(CURRENT_DATE, interval '0'), 0::bigint, 'a delay of 0 is allowed (and finds nothing left)');

------------------------------------------------------------------------
-- 2. the bilans are exact
------------------------------------------------------------------------
SELECT is(a.empreinte, b.empreinte, a.quoi || ' reads the same after the pseudonymisation')
  FROM bilans_avant a JOIN pg_temp.bilans() b USING (quoi) ORDER BY a.quoi;
SELECT is((SELECT array_agg(e.e::text ORDER BY e.e::text)
			 FROM (SELECT to_jsonb(e) - 'nud' - 'motif_caleol' - 'motif_refus' - 'motif_priorite' - 'critere_priorite' AS e
					 FROM flux.evenements_sne e WHERE e.candidature_id IS NOT NULL) e),
		  (SELECT array_agg(a.e::text ORDER BY a.e::text) FROM sne_avant a),
		  'flux.evenements_sne: the same events, the NUD and the free texts apart');

------------------------------------------------------------------------
-- 3. no NUD of a closed file remains
------------------------------------------------------------------------
SELECT is_empty($$SELECT k.id FROM candidature k JOIN nuds_fermes f USING (id) WHERE k.nud <> pseudonyme(k.id)$$,
	'the NUD of each candidate of a closed file is its pseudonym');
SELECT is_empty($$SELECT 1 FROM nuds_fermes f, candidature k WHERE k.nud = f.nud$$, 'no candidate has such a NUD any more');
SELECT is_empty($$SELECT 1 FROM nuds_fermes f, orientation_historique h WHERE strpos(h.motif, f.nud) > 0$$,
	'nor any motif of the history');
SELECT is_empty($$SELECT 1 FROM nuds_fermes f, orientation o WHERE strpos(o.motif, f.nud) > 0$$, 'nor any motif of an orientation');
SELECT is_empty($$SELECT 1 FROM nuds_fermes f, audit a WHERE strpos(a::text, f.nud) > 0$$, 'nor the audit (it never held one)');
SELECT is((SELECT array_agg(DISTINCT coalesce(critere_priorite, '-') || '/' || coalesce(motif_caleol, '-') || '/'
							|| coalesce(personnes::text, '-') || '/' || coalesce(ressources::text, '-'))
			 FROM candidature WHERE id IN (SELECT id FROM nuds_fermes)),
		  '{-/pseudonymisé/-/-,pseudonymisé/pseudonymisé/-/-}'::text[],
		  'free texts replaced, household size and resources emptied');
SELECT is((SELECT array_agg(quartile ORDER BY id) FROM candidature WHERE id IN (SELECT id FROM nuds_fermes)),
		  '{2,1,1,3}'::smallint[], 'the quartiles the bilans count are kept');
SELECT is((SELECT nud || ' ' || ressources || ' ' || motif_caleol FROM candidature WHERE orientation_id = 98002),
		  '074032598002 1800.00 vu le dossier 074032598002', 'the open file keeps its personal data');

------------------------------------------------------------------------
-- 4. who may run it, its refusals, its audit
------------------------------------------------------------------------
SELECT ok(has_function_privilege('flux_admin', 'flux.pseudonymiser(date, interval)', 'EXECUTE')
		  AND NOT has_function_privilege('flux_gestionnaire', 'flux.pseudonymiser(date, interval)', 'EXECUTE')
		  AND NOT has_function_privilege('flux_reservataire', 'flux.pseudonymiser(date, interval)', 'EXECUTE')
		  AND NOT has_function_privilege('flux_lecteur', 'flux.pseudonymiser(date, interval)', 'EXECUTE'),
	'flux_admin only runs the pseudonymisation');
SELECT throws_ok($$SELECT pseudonymiser(NULL)$$, '22004', NULL, 'a NULL date is refused');
SELECT throws_ok($$SELECT pseudonymiser(CURRENT_DATE, interval '-1 day')$$, '22023', NULL, 'a negative delay is refused');
SELECT is((SELECT array_agg((apres ->> 'candidatures') || ' ' || (apres ->> 'fermes_avant') ORDER BY id) FROM audit
			WHERE relation = 'pseudonymisation'),
		  ARRAY['0 ' || (CURRENT_DATE - interval '5 years')::date, '0 ' || ((CURRENT_DATE + 365 * 5 - 2) - interval '5 years')::date,
				'4 ' || (CURRENT_DATE + 1)::date, '0 ' || (CURRENT_DATE + 1)::date, '0 ' || CURRENT_DATE],
		  'each run is recorded and audited');

------------------------------------------------------------------------
-- 5. no aggregate view shows a NUD (the catalogue)
------------------------------------------------------------------------
-- a column named nud, or any column of a view that reads candidature.nud
SELECT is((SELECT array_agg(DISTINCT c.relname::text ORDER BY c.relname::text) FROM pg_class c
			JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
			JOIN pg_rewrite w ON w.oid = d.objid AND w.ev_class = c.oid
			JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
		   WHERE c.relnamespace = 'flux'::regnamespace AND c.relkind = 'v'
			 AND d.refobjid = 'flux.candidature'::regclass AND a.attname = 'nud'),
		  '{evenements_sne,refus_dalo}',
		  'only the SNE interface (evenements_sne) and the DDETS''s list of DALO refusals (refus_dalo) read the NUD: no bilan view does');
-- (an argument named nud, as flux.designer_candidat's, takes a NUD in; only
-- the columns a function returns, OUT and TABLE, are looked at)
SELECT is((SELECT array_agg(DISTINCT p.proname::text ORDER BY p.proname::text)
			 FROM pg_proc p, unnest(p.proargnames, coalesce(p.proargmodes, array_fill('i'::"char", ARRAY[coalesce(cardinality(p.proargnames), 0)]))) x(n, m)
		   WHERE p.pronamespace = 'flux'::regnamespace AND p.proargnames IS NOT NULL AND x.n = 'nud' AND x.m IN ('o', 'b', 't')), NULL,
		  'no function of flux returns a column named nud (the reports and CSV exports carry none)');

SELECT * FROM finish();
ROLLBACK;

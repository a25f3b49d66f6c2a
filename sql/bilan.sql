--
-- bilan: the regulatory bilans and the reports (0.7.0), on a small year
-- whose every figure is computed by hand below
--
SET search_path = flux, public;
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551'), ('74281', 'Thonon-les-Bains', '200067551')
    ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (90, '552046490', 'Bailleur du bilan', 'oph');
INSERT INTO reservataire (id, nom, categorie) VALUES (90, 'Préfet (bilan)', 'etat'), (91, 'Action Logement (bilan)', 'action_logement');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet) VALUES
	(901, 90, 90, '74', '30%', '2024-01-01'), (902, 90, 91, '74', '20%', '2024-01-01');
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation, prevision_mutation, soustraire_mutation)
VALUES (90, '74', 2025, 10, 3, true);
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, construct, locat) VALUES
	(90001, 90, 'B1', '74218', false, 'C', 3, 62, 13, true, 1985, 1990),
	(90002, 90, 'B2', '74218', true,  'C', 2, 45, 10, true, 1972, 1990),
	(90003, 90, 'B3', '74281', false, 'C', 4, 80, 13, true, 2005, 2006),
	(90004, 90, 'B4', '74281', true,  'C', 3, 60, 14, true, 1965, 1990),
	(90005, 90, 'B5', '74218', false, 'C', 1, 28, 13, true, 2015, 2016),
	(90006, 90, 'B6', '74218', false, 'C', 3, 64, 13, true, 1985, 1990),
	(90007, 90, 'B7', '74281', false, 'C', 2, 47, 13, true, 1999, 2000);
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible)
SELECT id - 81000, id, '2025-01-02', '2025-02-01' FROM logement WHERE bailleur_id = 90;

-- one orientation through the workflow, as far as jusqua says
CREATE FUNCTION pg_temp.parcours(o bigint, v bigint, c bigint, hf text, d date, n text,
                                 est_dalo boolean, prio boolean, q smallint, jusqua text) RETURNS void
LANGUAGE plpgsql AS $$
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
	IF jusqua = 'acceptee' THEN RETURN; END IF;
	INSERT INTO flux.candidature (orientation_id, nud, rang, designe_par, date_designation, dalo, prioritaire,
	                              critere_priorite, quartile, personnes, ressources)
	VALUES (o, n, 1, CASE WHEN c IS NULL THEN 'bailleur' ELSE 'reservataire' END::flux.designe_par, d + 3,
	        est_dalo, prio, CASE WHEN est_dalo OR prio THEN 'critère' END, q, 2, 1800);
	UPDATE flux.candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = d + 10 WHERE orientation_id = o;
	UPDATE flux.candidature SET date_proposition = d + 11, loyer = 400, charges = 50, mentions_dalo = est_dalo WHERE orientation_id = o;
	IF jusqua = 'refus_illegitime' THEN
		UPDATE flux.candidature SET reponse_menage = 'refusee', date_reponse_menage = d + 12 WHERE orientation_id = o;
		UPDATE flux.candidature SET refus_illegitime = true, refus_valide_le = d + 20 WHERE orientation_id = o;
		RETURN;
	END IF;
	UPDATE flux.candidature SET reponse_menage = 'acceptee', date_reponse_menage = d + 12 WHERE orientation_id = o;
	UPDATE flux.candidature SET date_bail = d + 30 WHERE orientation_id = o;
END $$;

-- O1 Publier hors QPV -> State: a DALO household (1st quartile), leased
SELECT pg_temp.parcours(9001, 9001, 901, NULL, '2025-03-03', '074032509001', true, false, 1::smallint, 'bail');
-- O2 Publier QPV -> State: a priority household (2nd quartile), leased
SELECT pg_temp.parcours(9002, 9002, 901, NULL, '2025-03-03', '074032509002', false, true, 2::smallint, 'bail');
-- O3 Thonon hors QPV -> Action Logement: 3rd quartile, leased
SELECT pg_temp.parcours(9003, 9003, 902, NULL, '2025-03-03', '074032509003', false, false, 3::smallint, 'bail');
-- O4 Thonon QPV -> Action Logement: 1st quartile, a suitable offer refused, validated illegitimate
SELECT pg_temp.parcours(9004, 9004, 902, NULL, '2025-03-03', '074032509004', false, false, 1::smallint, 'refus_illegitime');
-- O5 -> Action Logement refuses; O6 the same unit -> the State, accepted
SELECT pg_temp.parcours(9005, 9005, 902, NULL, '2025-03-03', NULL, false, false, NULL, 'refus_reservataire');
SELECT pg_temp.parcours(9006, 9005, 901, NULL, '2025-03-04', NULL, false, false, NULL, 'acceptee');
-- O7 outside the flux: a mutation, a priority household of the 1st quartile, leased
SELECT pg_temp.parcours(9007, 9006, NULL, 'mutation', '2025-03-03', '074032509007', false, true, 1::smallint, 'bail');
-- O8 the bailleur's own share: 2nd quartile, leased
SELECT pg_temp.parcours(9008, 9007, NULL, 'non_reserve', '2025-03-03', '074032509008', false, false, 2::smallint, 'bail');

-- in the flux (conventions and the bailleur's share): 7 orientations (O1-O6,
-- O8) of 6 units freed (O5 and O6 are the same unit, refused then
-- re-oriented: one unit, issue 15), the denominator of every share.  The
-- State: 3 units proposed (3/6 = 50 %, due 30 % of 6 = 1.80), 2 attributed
-- (2/6 = 33.33 %), 2 leases (2/6).  Action Logement: 3 proposed (3/6, due
-- 1.20), 2 attributed (one of which a refusal validated illegitimate), 1
-- lease (1/6 = 16.67 %)
SELECT reservataire, taux_du, proposes, part_proposes, attribues, refus_illegitimes, part_attribues,
       baux, part_baux, dus_sur_liberes, ecart_proposes
  FROM bilan_reservataire WHERE bailleur_id = 90 ORDER BY reservataire;

-- obligations, per réservataire too (issue 15): leases outside QPV to the
-- 1st quartile, the State O1 1/1, Action Logement O3 (3rd quartile) 0/1;
-- in QPV to quartiles 2-4, the State O2 1/1, Action Logement O4 (1st
-- quartile) 0/1.  The State 2/2 priority (1 DALO); Action Logement 0/2 (1
-- missing); over the territory with the mutation 3/6 = 50 %; leases
-- outside QPV to the 1st quartile: O1, O7 of O1, O3, O7, O8 = 2/4; in QPV
-- to quartiles 2-4: O2 of O2, O4 = 1/2 = 50 %, the CIA objective
SELECT obligation, reservataire, concernes, atteints, dont_dalo, taux, objectif, conforme, manque
  FROM bilan_obligations WHERE bailleur_id = 90 ORDER BY obligation, reservataire NULLS FIRST;
-- a stricter CIA objective leaves it one unit short
UPDATE parametre_annuel SET objectif_cia_qpv = 75 WHERE bailleur_id = 90;
SELECT obligation, taux, objectif, conforme, manque FROM bilan_obligations WHERE bailleur_id = 90 AND obligation = 'q234_qpv' AND reservataire_id IS NULL;
UPDATE parametre_annuel SET objectif_cia_qpv = 50 WHERE bailleur_id = 90;

-- the detail: by destination, typologie, financing, QPV, commune, period
SELECT destination, categorie, typologie, financement, qpv, commune, periode, proposes, attribues, baux
  FROM bilan_detaille WHERE bailleur_id = 90 ORDER BY destination, commune, typologie;

-- outside the flux: 3 mutations forecast, 1 made: 2 owed back to the flux
SELECT hors_flux, prevision, realise, baux, baux_prioritaires, surestimation, a_rendre_au_flux
  FROM bilan_hors_flux WHERE bailleur_id = 90 AND (realise > 0 OR prevision > 0) ORDER BY hors_flux;
SELECT annee, mutations, anru, ventes, date_communication, echeance FROM soustractions_previsionnelles WHERE bailleur_id = 90;

-- transmissions: the bilan sent to the State in time, the others not yet
INSERT INTO transmission_bilan (bailleur_id, departement, annee, reservataire_id, date_envoi, moyen)
VALUES (90, '74', 2025, 90, '2026-02-20', 'courriel');
SELECT destinataire, reservataire, epci, echeance, date_envoi FROM transmissions WHERE bailleur_id = 90
 ORDER BY destinataire, reservataire;
-- fails: a transmission to nobody, or to both
INSERT INTO transmission_bilan (bailleur_id, departement, annee, date_envoi) VALUES (90, '74', 2025, '2026-02-20');
INSERT INTO transmission_bilan (bailleur_id, departement, annee, reservataire_id, epci, date_envoi) VALUES (90, '74', 2025, 91, '200067551', '2026-02-20');

-- the reports
-- (0.11.0: one layout per kind of row, each column one meaning, issue 15
-- items 8 and 9; the CSV documents: test/exports.sql)
SELECT reservataire, bailleur_siren, bailleur, departement, taux_du, logements_liberes, proposes, part_proposes,
       dus_sur_liberes, ecart_proposes, attribues, refus_illegitimes, part_attribues, baux, part_baux, baux_designes_bailleur
  FROM rapport_reservataire_parts(91, 2025);
SELECT reservataire, bailleur_siren, obligation, concernes, atteints, dont_dalo, taux, objectif, conforme, manque
  FROM rapport_reservataire_obligations(91, 2025);
-- Action Logement: O3 (Thonon hors QPV, T4 PLUS 2000-2012, leased), O4
-- (Thonon QPV, T3 PLS 1949-1974, refused illegitimately: attributed), O5
-- (Publier, T1 PLUS since 2013, refused by it): each unit once
SELECT dimension, segment, proposes, attribues, baux FROM rapport_reservataire_detail(91, 2025);
-- the communes count units: Publier has 4 (O5 and O6 are one unit, refused
-- then re-oriented; O7 the mutation outside the flux), 3 attributed (O1, O2,
-- O7); Thonon 3 (O3, O4, O8), 3 attributed, 2 leases (O3, O8)
SELECT epci, epci_nom, bailleur_siren, commune, proposes, dans_le_flux, hors_flux, attribues, baux
  FROM rapport_epci_communes('200067551', 2025) WHERE bailleur = 'Bailleur du bilan';
-- by destination a unit counts for each destination it was proposed to:
-- O5/O6's unit for Action Logement and for the State (8 = 7 units + 1)
SELECT reservataire_id, destination, categorie, proposes, attribues, baux
  FROM rapport_epci_destinations('200067551', 2025) WHERE bailleur = 'Bailleur du bilan';
SELECT obligation, concernes, atteints, dont_dalo, taux, objectif, conforme, manque
  FROM rapport_epci_obligations('200067551', 2025) WHERE bailleur = 'Bailleur du bilan';
-- the HTML page is well-formed XHTML with its charts (the shares; the obligations of each réservataire with attributions, and of the territory)
SELECT xml_is_well_formed_document(rapport_html(90, '74', 2025)) AS bien_forme,
       (SELECT count(*) FROM regexp_matches(rapport_html(90, '74', 2025), '<svg', 'g')) AS graphiques,
       rapport_html(90, '74', 2025) LIKE '<!DOCTYPE html>%' AS doctype;

-- every bilan view reads with its owner's rights (0.11.0: a share needs the
-- whole territory; partners read their rows through flux.mon_bilan,
-- mes_obligations, mes_etapes, bilan_territoire) and every column is commented
SELECT c.relname, count(*) FILTER (WHERE col_description(c.oid, a.attnum) IS NULL) AS sans_commentaire,
       coalesce(c.reloptions, '{}') @> '{security_invoker=true}' AS security_invoker
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'flux'::regnamespace AND c.relkind = 'v' AND c.relname LIKE 'bilan%' OR c.relname IN ('transmissions', 'soustractions_previsionnelles')
 GROUP BY c.relname, c.reloptions ORDER BY 1;

-- the household attributed is kept on the orientation (0.8.0): O9, two
-- candidates the CALEOL ranks 1 and 2; the first refuses, the second signs
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, construct, locat)
VALUES (90008, 90, 'B8', '74218', false, 'C', 3, 61, 13, true, 1985, 1990);
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible) VALUES (9008, 90008, '2025-05-02', '2025-06-01');
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9009, 9008, 902, '2025-06-02');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-06-02' WHERE id = 9009;
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation, quartile, personnes, ressources) VALUES
	(99091, 9009, '074032509091', 1, '2025-06-05', 1, 2, 1800), (99092, 9009, '074032509092', 2, '2025-06-05', 3, 2, 1800);
SELECT attributaire_id FROM orientation WHERE id = 9009;
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = rang, date_caleol = '2025-06-12' WHERE orientation_id = 9009;
SELECT attributaire_id, attributaire(9009) FROM orientation WHERE id = 9009;
UPDATE candidature SET date_proposition = '2025-06-13', loyer = 400, charges = 50 WHERE id = 99091;
UPDATE candidature SET reponse_menage = 'refusee', date_reponse_menage = '2025-06-16' WHERE id = 99091;
SELECT attributaire_id FROM orientation WHERE id = 9009;
-- the réservataire validates the refusal as illegitimate: it is the
-- attribution counted, until another candidate signs
UPDATE candidature SET refus_illegitime = true, refus_valide_le = '2025-06-20' WHERE id = 99091;
SELECT o.attributaire_id, b.attribue, b.refus_illegitime, b.quartile
  FROM orientation o JOIN bilan_orientation b ON b.orientation_id = o.id WHERE o.id = 9009;
UPDATE candidature SET date_proposition = '2025-06-17', loyer = 400, charges = 50 WHERE id = 99092;
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-06-18' WHERE id = 99092;
UPDATE candidature SET date_bail = '2025-07-01' WHERE id = 99092;
SELECT o.attributaire_id, b.attribue, b.refus_illegitime, b.bail, b.quartile
  FROM orientation o JOIN bilan_orientation b ON b.orientation_id = o.id WHERE o.id = 9009;
-- an illegitimate refusal validated is the attribution counted (O4)
SELECT o.attributaire_id = k.id AS le_refus, b.attribue, b.refus_illegitime
  FROM orientation o JOIN candidature k ON k.orientation_id = o.id JOIN bilan_orientation b ON b.orientation_id = o.id
 WHERE o.id = 9004;
-- fails: attributaire_id is flux's, on update and on insert
UPDATE orientation SET attributaire_id = 99091 WHERE id = 9009;
UPDATE orientation SET attributaire_id = NULL WHERE id = 9009;
INSERT INTO orientation (vacance_id, convention_id, date_orientation, attributaire_id) VALUES (9008, 901, '2025-06-03', 99091);
-- an update of anything else leaves it alone
UPDATE orientation SET motif = 'note' WHERE id = 9009;
SELECT attributaire_id FROM orientation WHERE id = 9009;

-- the bilans' counters in one C aggregate (0.8.0): the 13 counters equal
-- their count(*) FILTER twins, for each réservataire and each year
SELECT count(*) AS groupes, count(*) FILTER (WHERE e = t) AS egaux FROM (
	SELECT flux.decompte_etapes(propose, attribue, refus_illegitime, bail, qpv, prioritaire, dalo, quartile) AS e,
		   ARRAY[count(*) FILTER (WHERE propose), count(*) FILTER (WHERE attribue),
				 count(*) FILTER (WHERE attribue AND refus_illegitime), count(*) FILTER (WHERE bail),
				 count(*) FILTER (WHERE attribue AND prioritaire), count(*) FILTER (WHERE attribue AND dalo),
				 count(*) FILTER (WHERE bail AND NOT qpv), count(*) FILTER (WHERE bail AND NOT qpv AND quartile = 1),
				 count(*) FILTER (WHERE bail AND NOT qpv AND dalo), count(*) FILTER (WHERE attribue AND qpv),
				 count(*) FILTER (WHERE attribue AND qpv AND quartile BETWEEN 2 AND 4),
				 count(*) FILTER (WHERE attribue AND qpv AND dalo), count(*) FILTER (WHERE bail AND prioritaire)] AS t
	  FROM bilan_orientation GROUP BY annee, bailleur_id, reservataire_id) x;
SELECT flux.decompte_etapes(propose, attribue, refus_illegitime, bail, qpv, prioritaire, dalo, quartile)
  FROM bilan_orientation WHERE bailleur_id = 90;
-- on no row: thirteen zeros; NULL flags count as false
SELECT flux.decompte_etapes(true, true, true, true, true, true, true, 1::smallint) FILTER (WHERE false) AS aucun,
	   flux.decompte_etapes(NULL, true, NULL, true, NULL, NULL, NULL, NULL) AS nuls;
-- called directly, on a copy
SELECT flux.decompte_etapes_ajouter('{0,0,0,0,0,0,0,0,0,0,0,0,0}', true, true, false, true, false, true, true, 1::smallint);
SELECT flux.decompte_etapes_combiner('{1,2,3,4,5,6,7,8,9,10,11,12,13}', '{1,1,1,1,1,1,1,1,1,1,1,1,1}');
-- fails: a state that is not 13 counters, a NULL state, an overflow
SELECT flux.decompte_etapes_ajouter('{0,0}', true, true, false, true, false, true, true, 1::smallint);
SELECT flux.decompte_etapes_ajouter('{0,0,0,0,0,0,0,0,0,0,0,0,NULL}', true, true, false, true, false, true, true, 1::smallint);
SELECT flux.decompte_etapes_ajouter(NULL, true, true, false, true, false, true, true, 1::smallint);
SELECT flux.decompte_etapes_combiner('{0,0,0,0,0,0,0,0,0,0,0,0,0}', '{{0}}');
SELECT flux.decompte_etapes_combiner('{9223372036854775807,0,0,0,0,0,0,0,0,0,0,0,0}', '{1,0,0,0,0,0,0,0,0,0,0,0,0}');

-- parallel plans (cost settings, not force_parallel_mode) give the serial
-- results, and aggregate in the workers.  A second bailleur with 20 000
-- generated orientations (loaded as a restore does, without the workflow's
-- triggers) gives the planner rows worth sharing between workers.
CREATE FUNCTION pg_temp.plan_json(q text) RETURNS json LANGUAGE plpgsql AS $$
DECLARE j json; BEGIN EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j; RETURN j; END $$;
SET session_replication_role = replica;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (95, '552046495', 'Bailleur généré', 'esh');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet) VALUES
	(951, 95, 90, '74', '25%', '2024-01-01'), (952, 95, 91, '74', '10%', '2024-01-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, construct, locat)
SELECT 950000 + i, 95, 'G' || i, CASE WHEN i % 2 = 0 THEN '74218' ELSE '74281' END, i % 7 = 0, 'C', 1 + i % 5, 30 + i % 60,
	   (ARRAY[10, 13, 14])[1 + i % 3], true, 1950 + i % 70, 1990
  FROM generate_series(1, 20000) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible) SELECT 950000 + i, 950000 + i, '2025-01-02', '2025-02-01'
  FROM generate_series(1, 20000) i;
INSERT INTO orientation (id, vacance_id, convention_id, hors_flux, etat, date_orientation, zone, date_bail, attributaire_id)
SELECT 950000 + i, 950000 + i, CASE WHEN i % 10 < 8 THEN 951 + i % 2 END,
	   CASE WHEN i % 10 = 8 THEN 'mutation' WHEN i % 10 = 9 THEN 'non_reserve' END::motif_hors_flux,
	   CASE WHEN i % 3 = 0 THEN 'bail_signe' WHEN i % 3 = 1 THEN 'attribuee' ELSE 'annulee' END::etat_orientation,
	   '2025-03-03', 'metropole', CASE WHEN i % 3 = 0 THEN date '2025-04-01' END, CASE WHEN i % 3 < 2 THEN 950000 + i END
  FROM generate_series(1, 20000) i;
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation, dalo, prioritaire, critere_priorite, quartile,
						 date_caleol, decision_caleol, rang_caleol, date_bail)
SELECT 950000 + i, 950000 + i, 'G' || lpad(i::text, 11, '0'), 1, '2025-03-05', i % 11 = 0, i % 4 = 0,
	   CASE WHEN i % 11 = 0 OR i % 4 = 0 THEN 'critère' END, (1 + i % 4)::smallint, '2025-03-12', 'attribution', 1,
	   CASE WHEN i % 3 = 0 THEN date '2025-04-01' END
  FROM generate_series(1, 20000) i WHERE i % 3 < 2;
RESET session_replication_role;
ANALYZE bailleur, convention, logement, vacance, orientation, candidature;
-- the planner knows how many orientations a year has (the statistics
-- flux.orientation_annee): not the 0.5 % it guesses for an expression
SELECT (j -> 0 -> 'Plan' ->> 'Plan Rows')::integer > 15000 AS estime_juste
  FROM (SELECT pg_temp.plan_json($$SELECT * FROM flux.bilan_orientation WHERE annee = 2025$$) AS j) x;
-- each orientation's attributaire_id is its rule's
SELECT count(*) FILTER (WHERE attributaire_id IS DISTINCT FROM flux.attributaire(id)) AS ecarts FROM orientation;
-- data loaded with the triggers off lacks it: flux.recalculer_attributaires
-- sets it where it differs, and finds nothing the second time
SET session_replication_role = replica;
UPDATE orientation SET attributaire_id = NULL WHERE id BETWEEN 950001 AND 950300;
UPDATE orientation SET attributaire_id = 950001 WHERE id = 950002;
RESET session_replication_role;
SELECT flux.recalculer_attributaires() AS corrigees;
SELECT flux.recalculer_attributaires() AS corrigees,
	   (SELECT count(*) FILTER (WHERE attributaire_id IS DISTINCT FROM flux.attributaire(id)) FROM orientation) AS ecarts;
CREATE TEMP TABLE serie_detaille AS SELECT * FROM bilan_detaille;
CREATE TEMP TABLE serie_reservataire AS SELECT * FROM bilan_reservataire;
CREATE TEMP TABLE serie_obligations AS SELECT * FROM bilan_obligations;
CREATE TEMP TABLE serie_decompte AS
SELECT bailleur_id, flux.decompte_etapes(propose, attribue, refus_illegitime, bail, qpv, prioritaire, dalo, quartile) AS e
  FROM bilan_orientation GROUP BY bailleur_id;
CREATE TEMP TABLE serie_total AS
SELECT flux.decompte_etapes(propose, attribue, refus_illegitime, bail, qpv, prioritaire, dalo, quartile) AS e
  FROM bilan_orientation;
SELECT bailleur_id, e FROM serie_decompte WHERE bailleur_id = 95;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE FUNCTION pg_temp.plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; p text := ''; BEGIN
	FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP p := p || l || E'\n'; END LOOP;
	RETURN p;
END $$;
SELECT v, pg_temp.plan(format('SELECT * FROM flux.%I', v)) LIKE '%Gather%' AS parallele
  FROM unnest('{bilan_detaille,bilan_reservataire,bilan_obligations}'::text[]) v;
-- the base of the bilans is parallel safe through and through: the
-- aggregate runs in the workers (a per-row lookup left to the leader, as in
-- 0.7.0, prevents it)
SELECT pg_temp.plan($$SELECT count(*) FILTER (WHERE attribue), count(*) FILTER (WHERE dalo AND prioritaire AND refus_illegitime),
						   min(typologie || financement || periode || commune || epci || reservataire || bailleur || categorie)
					  FROM flux.bilan_orientation$$) ~ 'Partial Aggregate' AS agrege_dans_les_workers;
SELECT pg_temp.plan($$SELECT flux.decompte_etapes(propose, attribue, refus_illegitime, bail, qpv, prioritaire, dalo, quartile)
					  FROM flux.bilan_orientation$$) ~ 'Partial Aggregate' AS decompte_partiel;
SELECT flux.decompte_etapes(propose, attribue, refus_illegitime, bail, qpv, prioritaire, dalo, quartile)
	   = (SELECT e FROM serie_total) AS combine_egal
  FROM flux.bilan_orientation;
-- (one statement each: a plan holding the four comparisons at once takes
-- seconds to start its many parallel workers)
SELECT count(*) AS differences_detaille FROM (
	(SELECT * FROM bilan_detaille EXCEPT ALL SELECT * FROM serie_detaille)
	UNION ALL (SELECT * FROM serie_detaille EXCEPT ALL SELECT * FROM bilan_detaille)) d;
SELECT count(*) AS differences_reservataire FROM (
	(SELECT * FROM bilan_reservataire EXCEPT ALL SELECT * FROM serie_reservataire)
	UNION ALL (SELECT * FROM serie_reservataire EXCEPT ALL SELECT * FROM bilan_reservataire)) d;
SELECT count(*) AS differences_obligations FROM (
	(SELECT * FROM bilan_obligations EXCEPT ALL SELECT * FROM serie_obligations)
	UNION ALL (SELECT * FROM serie_obligations EXCEPT ALL SELECT * FROM bilan_obligations)) d;
SELECT count(*) AS differences_decompte FROM (
	(SELECT bailleur_id, flux.decompte_etapes(propose, attribue, refus_illegitime, bail, qpv, prioritaire, dalo, quartile)
	   FROM bilan_orientation GROUP BY bailleur_id EXCEPT ALL SELECT * FROM serie_decompte)
	UNION ALL (SELECT * FROM serie_decompte EXCEPT ALL
	SELECT bailleur_id, flux.decompte_etapes(propose, attribue, refus_illegitime, bail, qpv, prioritaire, dalo, quartile)
	   FROM bilan_orientation GROUP BY bailleur_id)) d;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

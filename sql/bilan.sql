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

-- in the flux (conventions and the bailleur's share): 7 proposed (O1-O6, O8),
-- 5 attributed (O1-O4, O8), 4 leases (O1, O2, O3, O8).  The State: 3
-- proposed (3/7 = 42.86 %, due 30 % of 7 = 2.10), 2 attributed (2/5), 2
-- leases (2/4).  Action Logement: 3 proposed, 2 attributed (one of which a
-- refusal validated illegitimate), 1 lease (1/4)
SELECT reservataire, taux_du, proposes, part_proposes, attribues, refus_illegitimes, part_attribues,
       baux, part_baux, proposes_dus, ecart_proposes
  FROM bilan_reservataire WHERE bailleur_id = 90 ORDER BY reservataire;

-- obligations: the State 2/2 priority (1 DALO); Action Logement 0/2 (1
-- missing); over the territory with the mutation 3/6 = 50 %; leases
-- outside QPV to the 1st quartile: O1, O7 of O1, O3, O7, O8 = 2/4; in QPV
-- to quartiles 2-4: O2 of O2, O4 = 1/2 = 50 %, the CIA objective
SELECT obligation, reservataire, concernes, atteints, dont_dalo, taux, objectif, conforme, manque
  FROM bilan_obligations WHERE bailleur_id = 90 ORDER BY obligation, reservataire NULLS FIRST;
-- a stricter CIA objective leaves it one unit short
UPDATE parametre_annuel SET objectif_cia_qpv = 75 WHERE bailleur_id = 90;
SELECT obligation, taux, objectif, conforme, manque FROM bilan_obligations WHERE bailleur_id = 90 AND obligation = 'q234_qpv';
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
SELECT section, libelle, valeur, reference, unite FROM rapport_reservataire(91, 2025) ORDER BY ordre, libelle;
SELECT section, libelle, proposes, attribues, baux FROM rapport_epci('200067551', 2025) WHERE bailleur = 'Bailleur du bilan';
-- the HTML page is well-formed XHTML with its two charts
SELECT xml_is_well_formed_document(rapport_html(90, '74', 2025)) AS bien_forme,
       (SELECT count(*) FROM regexp_matches(rapport_html(90, '74', 2025), '<svg', 'g')) AS graphiques,
       rapport_html(90, '74', 2025) LIKE '<!DOCTYPE html>%' AS doctype;

-- every view reads with the reader's rights and every column is commented
SELECT c.relname, count(*) FILTER (WHERE col_description(c.oid, a.attnum) IS NULL) AS sans_commentaire,
       coalesce(c.reloptions, '{}') @> '{security_invoker=true}' AS security_invoker
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'flux'::regnamespace AND c.relkind = 'v' AND c.relname LIKE 'bilan%' OR c.relname IN ('transmissions', 'soustractions_previsionnelles')
 GROUP BY c.relname, c.reloptions ORDER BY 1;

-- a parallel plan gives the serial result
CREATE TEMP TABLE serie AS SELECT * FROM bilan_detaille WHERE bailleur_id = 90;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET force_parallel_mode = on;
CREATE FUNCTION pg_temp.plan_parallele(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE l text; BEGIN
	FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		IF l LIKE '%Gather%' THEN RETURN true; END IF;
	END LOOP;
	RETURN false;
END $$;
SELECT pg_temp.plan_parallele('SELECT * FROM flux.bilan_detaille WHERE bailleur_id = 90') AS parallele;
SELECT count(*) AS differences FROM (
	(SELECT * FROM bilan_detaille WHERE bailleur_id = 90 EXCEPT ALL SELECT * FROM serie)
	UNION ALL (SELECT * FROM serie EXCEPT ALL SELECT * FROM bilan_detaille WHERE bailleur_id = 90)) d;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET force_parallel_mode;

--
-- exports (issue 15 items 8 and 9): the reports per réservataire and per
-- EPCI, one layout per kind of row, and their CSV documents (RFC 4180;
-- the fr format: ';', decimal comma, UTF-8 BOM), on a small hand-built
-- year whose every figure is computed by hand below.
--
-- Bailleur 9600 'Habitat "Léman"; Sud' (a quote and a ';' in its name),
-- département 74, 2025, on the EPCI 200000151 'Agglo Test, Léman' (a comma
-- in its name: the réservataire 9603 of categorie epci names it).
-- Conventions: 9611 the State 30 %, 9612 Action Logement 20 % (direct
-- management).
--
--   unit  commune  QPV  orientations                        household
--   U1    Alpha    no   A Action Logement refuses;          DALO, Q1: attributed by the CALEOL,
--                       B the same unit -> the State        refuses the offer (a DALO refusal)
--   U2    Alpha    yes  C the State, leased                 priority, Q2
--   U3    Béta     no   D Action Logement, leased           Q1, designated by the bailleur
--   U4    Béta     no   E mutation (hors flux), leased      priority, Q1
--   U5    Béta     no   F the bailleur's own share, leased  Q3
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(17);
\ir erreurs_aide.psql

INSERT INTO commune (depcom, nom, epci) VALUES ('74991', 'Alpha-les-Bains', '200000151'), ('74992', 'Béta', '200000151');
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9600, '900096000', 'Habitat "Léman"; Sud', 'oph');
INSERT INTO reservataire (id, nom, categorie, epci) VALUES (9601, 'Préfet (exports)', 'etat', NULL),
	(9602, 'Action Logement (exports)', 'action_logement', NULL), (9603, 'Agglo Test, Léman', 'epci', '200000151');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet) VALUES
	(9611, 9600, 9601, '74', '30%', '2024-01-01'), (9612, 9600, 9602, '74', '20%', '2024-01-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, construct, locat)
SELECT 96000 + i, 9600, 'X' || i, CASE WHEN i <= 2 THEN '74991' ELSE '74992' END, i = 2, 'C', 3, 13, true, 1990, 1991
  FROM generate_series(1, 5) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible) SELECT 96000 + i, 96000 + i, '2025-01-02', '2025-02-01'
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
	UPDATE flux.candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = d + 10 WHERE orientation_id = o;
	UPDATE flux.candidature SET date_proposition = d + 11, loyer = 400, charges = 50, mentions_dalo = est_dalo WHERE orientation_id = o;
	IF jusqua = 'refus_menage' THEN
		UPDATE flux.candidature SET reponse_menage = 'refusee', date_reponse_menage = d + 12,
			   motif_refus = 'trop loin du travail' WHERE orientation_id = o;
		RETURN;
	END IF;
	UPDATE flux.candidature SET reponse_menage = 'acceptee', date_reponse_menage = d + 12 WHERE orientation_id = o;
	UPDATE flux.candidature SET date_bail = d + 30 WHERE orientation_id = o;
END $$;

SELECT pg_temp.parcours(96001, 96001, 9612, NULL, NULL, false, false, NULL, 'refus_reservataire');				-- A
SELECT pg_temp.parcours(96002, 96001, 9611, NULL, '074032596002', true, false, 1::smallint, 'refus_menage');		-- B
SELECT pg_temp.parcours(96003, 96002, 9611, NULL, '074032596003', false, true, 2::smallint, 'bail');				-- C
SELECT pg_temp.parcours(96004, 96003, 9612, NULL, '074032596004', false, false, 1::smallint, 'bail', 'bailleur');	-- D
SELECT pg_temp.parcours(96005, 96004, NULL, 'mutation', '074032596005', false, true, 1::smallint, 'bail');			-- E
SELECT pg_temp.parcours(96006, 96005, NULL, 'non_reserve', '074032596006', false, false, 3::smallint, 'bail');		-- F

-- the CSV documents as text: E'\r\n' ends every record
CREATE FUNCTION pg_temp.lignes(variadic l text[]) RETURNS text LANGUAGE sql AS
$$ SELECT string_agg(x || E'\r\n', '' ORDER BY i) FROM unnest(l) WITH ORDINALITY u(x, i) $$;

------------------------------------------------------------------------
-- 1. the EPCI's communes count units, each once
------------------------------------------------------------------------
-- Alpha: U1 (A and B: refused by Action Logement, re-oriented to the
-- State: one unit) and U2 = 2 proposed, both in the flux; attributed U1
-- (the CALEOL attributed it to the DALO household, who then refused) and
-- U2 = 2; leased U2 = 1.  Béta: U3, U4, U5 = 3 proposed, 2 in the flux
-- (U3, U5: the bailleur's own share is in the flux), 1 outside (U4, the
-- mutation); 3 attributed, 3 leased.  Standard format: ',' separator, the
-- EPCI's name quoted (a comma), the bailleur's quoted, its quotes doubled.
SELECT is(csv_epci('200000151', 2025, 'communes'), pg_temp.lignes(
	'annee,epci,epci_nom,bailleur_siren,bailleur,departement,depcom,commune,proposes,dans_le_flux,hors_flux,attribues,baux',
	'2025,200000151,"Agglo Test, Léman",900096000,"Habitat ""Léman""; Sud",74,74991,Alpha-les-Bains,2,2,0,2,1',
	'2025,200000151,"Agglo Test, Léman",900096000,"Habitat ""Léman""; Sud",74,74992,Béta,3,2,1,3,3'),
	'csv_epci communes: units each once (a unit refused then re-oriented is one unit), RFC 4180 quoting');
-- fr: the BOM first, ';' separator; the EPCI's name needs no quotes now
-- (a comma is no separator), the bailleur's does (a ';' and quotes)
SELECT is(csv_epci('200000151', 2025, 'communes', 'fr'), chr(65279) || pg_temp.lignes(
	'annee;epci;epci_nom;bailleur_siren;bailleur;departement;depcom;commune;proposes;dans_le_flux;hors_flux;attribues;baux',
	'2025;200000151;Agglo Test, Léman;900096000;"Habitat ""Léman""; Sud";74;74991;Alpha-les-Bains;2;2;0;2;1',
	'2025;200000151;Agglo Test, Léman;900096000;"Habitat ""Léman""; Sud";74;74992;Béta;3;2;1;3;3'),
	'csv_epci communes, fr: BOM, semicolons, quoting by the fr separator');
SELECT is((SELECT sum(proposes) FROM rapport_epci_communes('200000151', 2025))::integer,
		  (SELECT count(DISTINCT o.vacance_id) FROM orientation o WHERE o.vacance_id BETWEEN 96001 AND 96005)::integer,
		  'the communes'' units proposed are the distinct vacancies (5), not the 6 orientations');

------------------------------------------------------------------------
-- 2. destinations: a unit counts for each destination it was proposed to
------------------------------------------------------------------------
-- Action Logement: U1 (A) and U3 = 2 proposed; attributed and leased U3
-- (the household the bailleur designated: the EPCI's report counts the
-- unit's household, whoever designated it).  The State: U1 (B), U2 = 2;
-- attributed 2, leased U2.  The mutation U4, the own share U5: 1 each.
-- 6 = 5 units + U1 counted for both réservataires.
SELECT is(csv_epci('200000151', 2025, 'destinations'), pg_temp.lignes(
	'annee,epci,epci_nom,bailleur_siren,bailleur,departement,reservataire_id,destination,categorie,proposes,attribues,baux',
	'2025,200000151,"Agglo Test, Léman",900096000,"Habitat ""Léman""; Sud",74,9601,Préfet (exports),etat,2,2,1',
	'2025,200000151,"Agglo Test, Léman",900096000,"Habitat ""Léman""; Sud",74,9602,Action Logement (exports),action_logement,2,1,1',
	'2025,200000151,"Agglo Test, Léman",900096000,"Habitat ""Léman""; Sud",74,,hors flux : mutation,hors_flux,1,1,1',
	'2025,200000151,"Agglo Test, Léman",900096000,"Habitat ""Léman""; Sud",74,,part propre du bailleur,non_reserve,1,1,1'),
	'csv_epci destinations: each unit once per destination it was proposed to; NULL is an empty field');

------------------------------------------------------------------------
-- 3. obligations: decimal comma and oui/non in the fr format
------------------------------------------------------------------------
-- attributions B (DALO), C (priority), D, E (priority), F = 5, of which 3
-- priority (60.00 %, 1 DALO); leases outside QPV D, E, F = 3, of which
-- the 1st quartile D, E = 2 (66.67 %); attributions in QPV: C (Q2) = 1/1
-- (100.00 %, the CIA's 50 % by default: no yearly parameters)
SELECT is(csv_epci('200000151', 2025, 'obligations', 'fr'), chr(65279) || pg_temp.lignes(
	'annee;epci;epci_nom;bailleur_siren;bailleur;departement;obligation;libelle;concernes;atteints;dont_dalo;taux;objectif;conforme;manque',
	'2025;200000151;Agglo Test, Léman;900096000;"Habitat ""Léman""; Sud";74;prioritaires_tous;attributions aux ménages prioritaires (DALO, L. 441-1), hors flux compris;5;3;1;60,00;25;oui;0',
	'2025;200000151;Agglo Test, Léman;900096000;"Habitat ""Léman""; Sud";74;q1_hors_qpv;attributions suivies de bail hors QPV aux demandeurs du 1er quartile;3;2;0;66,67;25;oui;0',
	'2025;200000151;Agglo Test, Léman;900096000;"Habitat ""Léman""; Sud";74;q234_qpv;attributions en QPV aux demandeurs des quartiles 2 à 4 (objectif CIA);1;1;0;100,00;50;oui;0'),
	'csv_epci obligations, fr: decimal comma in every number, oui/non');
SELECT is(split_part(csv_epci('200000151', 2025, 'obligations'), E'\r\n', 2),
	'2025,200000151,"Agglo Test, Léman",900096000,"Habitat ""Léman""; Sud",74,prioritaires_tous,"attributions aux ménages prioritaires (DALO, L. 441-1), hors flux compris",5,3,1,60.00,25,true,0',
	'csv_epci obligations, standard: decimal point, true/false, a label with commas quoted');

------------------------------------------------------------------------
-- 4. the réservataire's report: each figure in its own column
------------------------------------------------------------------------
-- units freed in the flux: U1, U2, U3, U5 = 4 (U4 is a mutation).  Action
-- Logement: proposed U1 (A), U3 = 2 -> 50.00 %; U3's household the
-- bailleur designated (direct management): not its attribution nor its
-- lease, apart in baux_designes_bailleur = 1; due 20 % of 4 = 0.80,
-- 1.20 ahead
SELECT is(csv_reservataire(9602, 2025, 'parts', 'fr'), chr(65279) || pg_temp.lignes(
	'annee;reservataire_id;reservataire;bailleur_siren;bailleur;departement;convention_id;taux_du;logements_liberes;proposes;part_proposes;dus_sur_liberes;ecart_proposes;attribues;refus_illegitimes;part_attribues;baux;part_baux;baux_designes_bailleur',
	'2025;9602;Action Logement (exports);900096000;"Habitat ""Léman""; Sud";74;9612;20,00;4;2;50,00;0,80;1,20;0;0;0,00;0;0,00;1'),
	'csv_reservataire parts, fr: its shares over the 4 units freed, due on them, each figure in its column');
-- the State: U1 (B) and U2, Alpha; U1's DALO household attributed, who
-- refused; U2 leased
SELECT results_eq($$SELECT dimension, segment, proposes, attribues, baux FROM rapport_reservataire_detail(9601, 2025)$$,
	$$VALUES ('typologie', 'T3', 2::bigint, 2::bigint, 1::bigint), ('financement', 'PLUS', 2, 2, 1), ('qpv', 'QPV', 1, 1, 1),
			 ('qpv', 'hors QPV', 1, 1, 0), ('commune', 'Alpha-les-Bains', 2, 2, 1), ('periode', '1975-1999', 2, 2, 1)$$,
	'rapport_reservataire_detail: one row per dimension and segment, units proposed, attributed, leased');
SELECT is(split_part(csv_reservataire(9601, 2025, 'obligations'), E'\r\n', 2),
	'2025,9601,Préfet (exports),900096000,"Habitat ""Léman""; Sud",74,prioritaires,"attributions du réservataire aux ménages prioritaires (DALO, L. 441-1)",2,2,1,100.00,25,true,0,50.00',
	'csv_reservataire obligations: the State 2/2 priority, of which 1 DALO (50.00 %)');

------------------------------------------------------------------------
-- 5. the bytes: UTF-8, BOM EF BB BF first in fr only, CRLF
------------------------------------------------------------------------
SELECT is(substr(convert_to(csv_epci('200000151', 2025, 'communes', 'fr'), 'UTF8'), 1, 4), '\xefbbbf61'::bytea,
		  'fr: the document''s bytes begin with the UTF-8 BOM EF BB BF, then "a" of annee');
SELECT is(substr(convert_to(csv_epci('200000151', 2025, 'communes'), 'UTF8'), 1, 1), '\x61'::bytea,
		  'standard: no BOM');
SELECT is((SELECT count(*) FROM regexp_matches(csv_epci('200000151', 2025, 'communes'), E'\r\n', 'g'))::integer
			 - (SELECT count(*) FROM regexp_matches(csv_epci('200000151', 2025, 'communes'), E'\n', 'g'))::integer, 0,
		  'every line ends with CRLF, the last one too');

------------------------------------------------------------------------
-- 6. errors
------------------------------------------------------------------------
SELECT throws_ok($$SELECT csv_epci('999999999', 2025, 'communes')$$, 'P0002', 'EPCI 999999999 is not known to flux',
				 'csv_epci: an unknown EPCI');
SELECT throws_ok($$SELECT csv_reservataire(999999, 2025, 'parts', 'fr')$$, 'P0002', 'réservataire 999999 does not exist',
				 'csv_reservataire: an unknown réservataire');
SELECT throws_ok($$SELECT csv_epci('200000151', 2025, 'communes', 'excel')$$, '22023', 'unknown CSV format "excel"',
				 'csv_epci: a bad format name');
SELECT is(pg_temp.hint_de($$SELECT csv_reservataire(9602, 2025, 'parts', 'excel')$$),
		  'The formats are ''standard'' (comma, decimal point) and ''fr'' (semicolon, decimal comma, UTF-8 with BOM, for French spreadsheet software).',
		  'a bad format name: the hint names the formats');
SELECT throws_ok($$SELECT csv_epci('200000151', 2025, 'communs')$$, '22023', 'unknown section "communs" of the EPCI''s report',
				 'csv_epci: a bad section name');

SELECT * FROM finish();
ROLLBACK;

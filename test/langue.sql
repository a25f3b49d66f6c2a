-- langue: one language per reader (issue 15 item 10).  What a réservataire
-- or an EPCI reads (the source of a rate, the origin of a forecast figure,
-- what happens at a deadline's term, the history's motifs, the SNE
-- imputation) is French, with its dates as DD/MM/YYYY whatever the
-- session's DateStyle; the errors stay English (test/erreurs.sql).  On a
-- small year: every text column carries no English marker word, and the
-- new wordings are checked one by one.  Figures counted by hand in the
-- comments.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
-- a session in the American style: the texts' dates must not follow it
SET datestyle = 'SQL, MDY';
SELECT plan(24);

-- an English marker: a word of English that no French text of flux uses
CREATE FUNCTION pg_temp.anglais(t text) RETURNS boolean LANGUAGE sql IMMUTABLE
	RETURN t ~* '\m(the|of|by|is|and|to|from|units?|minus|mean|imposed|rate|before|back|nothing|follows|candidates?|lease|signed|answer|expired|designated|overestimated|forecast|given|none|taken|shares?|refusal|acceptance|within|years?|relettings|expected|actual|rank)\M'
		OR t ~ 'unit\(s\)|year\(s\)|flux\.[a-z_]+|prevision_|taux_mutation';

SELECT ok(pg_temp.anglais('silence is acceptance, or expiry (convention)') AND pg_temp.anglais('imposed in flux.parametre_annuel')
		  AND pg_temp.anglais('100% minus the shares') AND pg_temp.anglais('taux_mutation 10% of 100 expected relettings'),
	'the detector finds the English texts of 0.10.0');
SELECT ok(NOT pg_temp.anglais('le silence vaut acceptation, ou l''orientation expire (selon la convention)')
		  AND NOT pg_temp.anglais('100 % moins les parts des réservataires'),
	'the detector passes French texts');

INSERT INTO commune (depcom, nom, epci) VALUES ('01281', 'Ornex', '240100750') ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (1501, '915010001', 'Bailleur de la langue', 'esh');
INSERT INTO reservataire (id, nom, categorie) VALUES
	(1501, 'Préfet de l''Ain (langue)', 'etat'), (1502, 'Action Logement (langue)', 'action_logement');
-- 100 ordinary PLUS units in Ornex, in the stock since 2000: the assiette is 100
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, locat)
SELECT 1501000 + i, 1501, 'LG' || i, '01281', false, 'C', 3, 62, 13, true, 2000 FROM generate_series(1, 100) i;
-- Ornex art. 6 and Publier art. 5.3 deadlines: 2 jours ouvrés to answer,
-- silence is acceptance, 15 jours ouvrés to designate (one month at most),
-- 5 to say it cannot, 10 days for the household
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, regime, mode, evenement, date_effet,
						delai_reponse_jo, silence_vaut_acceptation, delai_designation_jo, delai_designation_max_mois,
						delai_impossibilite_jo, delai_reponse_menage_jours, report_jour_ouvre) VALUES
	(15101, 1501, 1501, '01', '30%', 'flux', 'directe', 'bail', '2024-01-01', 2, true, 15, 1, 5, 10, true),
	(15102, 1501, 1502, '01', '20%', 'flux', 'directe', 'bail', '2024-01-01', 2, true, 15, 1, 5, 10, true);

--------------------------------------------------------------------------
-- the forecast: the source of the rate, the origin of each figure
--------------------------------------------------------------------------
-- 2025 takes the département's rates published for 2021..2023: (9 + 10 +
-- 11.5) / 3 = 10.17 %; 100 x 10.17 % = 10.17 -> 10 relettings; mutations
-- 10 % of 10 = 1; 9 to share
INSERT INTO rotation_departementale (departement, annee, definition, taux, source) VALUES
	('01', 2021, 'relocations', 9, 'SDES, RPLS 2022'),
	('01', 2022, 'relocations', 10, 'SDES, RPLS 2023'),
	('01', 2023, 'relocations', 11.5, 'SDES, RPLS 2024');
INSERT INTO parametre_annuel (bailleur_id, departement, annee, source_rotation) VALUES (1501, '01', 2025, 'departementale');
SELECT results_eq($$SELECT taux_rotation, source_taux, relocations_prevues, flux_a_repartir FROM flux_previsionnel(1501, '01', 2025)$$,
	$$VALUES (10.17::numeric, 'moyenne des taux de rotation publiés pour le département 01 (relocations des logements de plus de deux ans), 2021 à 2023 : 9 % ; 10 % ; 11,5 % (SDES, RPLS 2022; SDES, RPLS 2023; SDES, RPLS 2024)', 10, 9)$$,
	'source_taux (départementale): the definition, the years and the rates in French, decimal comma');
SELECT results_eq($$SELECT prevision, origine FROM soustractions_prevues(1501, '01', 2025) WHERE hors_flux = 'mutation'$$,
	$$VALUES (1, '10 % des 10 relocations prévues')$$,
	'the default mutations: the rate of the expected relettings, in French');
SELECT is((SELECT count(*) FROM soustractions_prevues(1501, '01', 2025) s WHERE pg_temp.anglais(s.origine)), 0::bigint,
	'soustractions_prevues: no origin in English');
-- the shares: 30 % and 20 % of the conventions, the rest the bailleur's
SELECT results_eq($$SELECT categorie, source_taux FROM parts(1501, '01', 2025) ORDER BY convention_id NULLS LAST$$,
	$$VALUES ('etat', 'taux de la convention'), ('action_logement', 'taux de la convention'),
			 ('non_reserve', '100 % moins les parts des réservataires')$$,
	'parts: the source of each rate in French');
-- a rate updated for 2026 (flux.taux_annuel): its source says so in words
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation) VALUES (1501, '01', 2026, 12);
INSERT INTO taux_annuel (convention_id, annee, reserves, droits_expires, parc, taux, taux_precedent, applique)
VALUES (15102, 2026, 25, 0, 100, '25%', '20%', true);
SELECT results_eq($$SELECT convention_id, source_taux FROM parts(1501, '01', 2025) WHERE convention_id = 15102
					UNION ALL SELECT convention_id, source_taux FROM parts(1501, '01', 2026) WHERE convention_id = 15102$$,
	$$VALUES (15102::bigint, 'taux en vigueur avant l''actualisation de 2026'), (15102, 'taux actualisé pour 2026')$$,
	'parts: a rate of flux.taux_annuel named in words, before and after its update');
-- 2026: a rate imposed in the year's parameters; the mutation forecast of
-- 2025 (1) met no mutation: 1 overestimated, taken in 2026
SELECT results_eq($$SELECT source_taux, report_surestimation, origine_report FROM flux_previsionnel(1501, '01', 2026)$$,
	$$VALUES ('taux imposé dans les paramètres de l''année', 1,
			  'surestimation de 2025 : mutations internes : 1 (prévu 1, réalisé 0, rendu 0)')$$,
	'flux_previsionnel: an imposed rate and the overestimate of N-1, in French');
SELECT is((SELECT count(*) FROM parts(1501, '01', 2026) p WHERE pg_temp.anglais(p.source_taux) OR pg_temp.anglais(p.origine_report)),
	0::bigint, 'parts: no source nor origin in English');
SELECT is((SELECT count(*) FROM part_etat(1501, '01', 2025) p WHERE pg_temp.anglais(p.observation)), 0::bigint,
	'part_etat: no observation in English');
-- a window without a vacancy: the reason a default cannot be computed
INSERT INTO parametre_annuel (bailleur_id, departement, annee) VALUES (1501, '01', 2027);
SELECT results_eq($$SELECT prevision, origine FROM soustractions_prevues(1501, '01', 2027) WHERE hors_flux = 'mutation'$$,
	$$VALUES (NULL::integer, '10 % des relocations prévues, non calculable : aucune vacance enregistrée de 2024 à 2026')$$,
	'a default that cannot be computed says why in French, not with the English error');

-- the labels of the codes, all of them
SELECT is((SELECT count(*) FROM unnest(enum_range(NULL::motif_hors_flux)) x
			WHERE libelle_hors_flux(x::text) IS NULL OR pg_temp.anglais(libelle_hors_flux(x::text))), 0::bigint,
	'libelle_hors_flux: every motive outside the flux has a French label');
SELECT is((SELECT count(*) FROM unnest(enum_range(NULL::definition_rotation)) x
			WHERE libelle_definition_rotation(x) IS NULL OR pg_temp.anglais(libelle_definition_rotation(x))), 0::bigint,
	'libelle_definition_rotation: every definition has a French label');
SELECT is(liste_taux(ARRAY[9.00, 11.5, 10]), '9 % ; 11,5 % ; 10 %', 'liste_taux: decimal comma, in order');

--------------------------------------------------------------------------
-- the workflow: each deadline's term, the history's motifs
--------------------------------------------------------------------------
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible, premiere_location)
SELECT 15000 + i, 1501000 + i, '2025-04-01', '2025-05-01', false FROM generate_series(1, 3) i;
-- 15001 left unanswered; 15002 accepted, no candidate; 15003 a household
-- proposed the unit and silent
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES
	(15001, 15001, 15101, '2025-05-13'), (15002, 15002, 15101, '2025-05-13'), (15003, 15003, 15102, '2025-05-13');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-05-14' WHERE id IN (15002, 15003);
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation, personnes, ressources)
VALUES (15003, 15003, '001052515003', 1, '2025-05-20', 3, 2000);
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-06-03' WHERE id = 15003;
-- proposed Mon 16 June: 10 days, answer by Thu 26 June
UPDATE candidature SET date_proposition = '2025-06-16', loyer = 500, charges = 60 WHERE id = 15003;
SELECT set_eq($$SELECT orientation_id, echeance_de, au_terme FROM echeances WHERE orientation_id BETWEEN 15001 AND 15003$$,
	$$VALUES (15001::bigint, 'reponse_reservataire', 'le silence vaut acceptation, ou l''orientation expire (selon la convention)'),
			 (15002, 'designation', 'sans candidat, le logement revient au bailleur ; avec moins de candidats que demandé, le bailleur peut compléter la liste'),
			 (15002, 'impossibilite', 'dernier jour pour signaler l''impossibilité de désigner (à compter de l''orientation) ; rien ne s''ensuit'),
			 (15003, 'reponse_menage', 'le silence vaut refus')$$,
	'echeances.au_terme: what happens at each deadline''s term, in French');
SELECT results_eq($$SELECT motif FROM orientation_historique WHERE orientation_id = 15003 AND vers = 'attribuee'$$,
	$$VALUES ('attribué par la CALEOL du 03/06/2025 au candidat 15003')$$,
	'the history: an attribution in French, its date as DD/MM/YYYY under DateStyle SQL, MDY');
SELECT results_eq($$SELECT motif FROM orientation_historique WHERE orientation_id = 15003 AND vers = 'proposition'$$,
	$$VALUES ('réponse attendue au plus tard le 26/06/2025 ; taux d''effort ' || replace((SELECT taux_effort FROM candidature WHERE id = 15003)::text, '.', ',') || ' % ; offre adaptée : ' ||
			  CASE (SELECT offre_adaptee FROM candidature WHERE id = 15003) WHEN true THEN 'oui' WHEN false THEN 'non' ELSE 'inconnu' END)$$,
	'the history: a proposal, its deadline, effort rate and suitability in French');
-- the sweep of 1 August: 15001 accepted by silence on Thu 15 May (13 May +
-- 2 jours ouvrés), then back to the bailleur; 15002 back to the bailleur;
-- the household of 15003 silent past 26 June
SELECT ok((SELECT count(*) FROM appliquer_echeances('2025-08-01 12:00')) > 0, 'the sweep of 1 August acts');
SELECT results_eq($$SELECT motif FROM orientation_historique WHERE orientation_id = 15001 AND vers = 'acceptee'$$,
	$$VALUES ('pas de réponse au 15/05/2025 : le silence vaut acceptation')$$,
	'the sweep: an acceptance by silence in French');
SELECT results_eq($$SELECT motif_refus FROM candidature WHERE id = 15003$$,
	$$VALUES ('pas de réponse au 26/06/2025 : le silence vaut refus')$$,
	'the sweep: a household''s silence in French');
SELECT is((SELECT count(*) FROM (
			SELECT h.motif AS t FROM orientation_historique h WHERE h.orientation_id BETWEEN 15001 AND 15003
			UNION ALL SELECT o.motif FROM orientation o WHERE o.id BETWEEN 15001 AND 15003
			UNION ALL SELECT k.motif_refus FROM candidature k WHERE k.orientation_id BETWEEN 15001 AND 15003
			UNION ALL SELECT e.au_terme FROM echeances e) x
		    WHERE pg_temp.anglais(x.t)), 0::bigint,
	'the history, the orientations'' motifs and the deadlines: nothing in English');

--------------------------------------------------------------------------
-- the other French texts a partner reads: their dates and numbers
--------------------------------------------------------------------------
-- a unit sold on 5 March 2024 (SORTIEPATRIM 1): out of the stock on 1 January 2025
UPDATE logement SET sortiepatrim = 1, date_sortie = '2024-03-05' WHERE id = 1501100;
SELECT matches((SELECT raison FROM expliquer_logement(1501100, 2025)), 'sorti le 05/03/2024',
	'expliquer_logement: the date of a sale as DD/MM/YYYY under DateStyle SQL, MDY');
-- a third convention, not yet in force on 2 June 2025: recommander says so
INSERT INTO reservataire (id, nom, categorie) VALUES (1503, 'Employeur (langue)', 'employeur');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, regime, mode, evenement, date_effet)
VALUES (15103, 1501, 1503, '01', '5%', 'flux', 'directe', 'bail', '2026-01-01');
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible, premiere_location)
VALUES (15010, 1501010, '2025-05-01', '2025-06-01', false);
SELECT results_eq($$SELECT exclusion FROM recommander(15010, '2025-06-02', true) WHERE convention_id = 15103$$,
	$$VALUES ('pas en vigueur le 02/06/2025 (du 01/01/2026 au ...)')$$,
	'recommander: a convention not in force, its dates as DD/MM/YYYY');
SELECT ok((SELECT bool_and(raison ~ '^[^.]*$' AND raison ~ ' : | ; ' AND NOT pg_temp.anglais(raison))
			 FROM recommander(15010, '2025-06-02') WHERE rang IS NOT NULL),
	'recommander: every reason in French, decimal comma (no point), a space before : and ;');

SELECT * FROM finish();
ROLLBACK;

--
-- assiette: the classification rule, A / B / C, the forecast flux
--
SET search_path = flux, public;
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- one unit per rule (bailleur 1 is an ESH, 2 a SEM; see modele.sql)
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, cus, conv,
                      locat, mode, hors_champ, exclusion, date_mise_en_service, sortiepatrim, date_sortie)
VALUES
	(11, 1, 'C-assiette',     '01281', true,  'C', 3, 13, 13,   true,  2001, 1, NULL, NULL, NULL, 9, NULL),
	(12, 1, 'B-defense',      '01281', false, 'C', 3, 13, NULL, true,  2001, 1, NULL, 'defense', NULL, 9, NULL),
	(13, 1, 'B-sante',        '01173', false, 'C', 2, 13, NULL, true,  2001, 1, NULL, 'sante', NULL, 9, NULL),
	(14, 1, 'B-vente',        '01173', false, 'I', 4, 12, NULL, true,  1985, 1, NULL, 'vente', NULL, 9, NULL),
	(15, 1, 'B-demolition',   '01173', true,  'C', 4, 52, NULL, false, 1965, 1, NULL, 'demolition', NULL, 9, NULL),
	(16, 1, 'plai-adapte',    '01281', false, 'C', 2, 10, 11,   true,  2010, 1, NULL, 'plai_adapte', NULL, 9, NULL),
	(17, 1, 'gens-du-voyage', '01053', false, 'I', 3, 10, NULL, true,  2012, 1, NULL, 'gens_du_voyage', NULL, 9, NULL),
	(18, 1, 'foyer-mode-4',   '01053', false, 'C', 1, 13, NULL, true,  1990, 4, NULL, NULL, NULL, 9, NULL),
	(19, 1, 'etudiant',       '01053', false, 'E', 1, 13, NULL, true,  2005, 1, NULL, NULL, NULL, 9, NULL),
	(20, 1, 'pli',            '01053', false, 'C', 3, 16, 16,   false, 2005, 1, NULL, NULL, NULL, 9, NULL),
	(21, 1, 'residence',      '01053', false, 'C', 1, 13, NULL, true,  2005, 1, 'residence_sociale', NULL, NULL, 9, NULL),
	(22, 1, 'neuf-2025',      '01281', false, 'C', 3, 13, NULL, true,  2025, 1, NULL, NULL, '2025-03-01', 9, NULL),
	(23, 1, 'neuf-2024',      '01281', false, 'C', 3, 13, NULL, true,  2024, 1, NULL, NULL, '2024-10-01', 9, NULL),
	(24, 1, 'vendu-2024',     '01281', false, 'C', 3, 13, NULL, true,  1990, 1, NULL, NULL, NULL, 1, '2024-07-01'),
	(25, 1, 'demoli-2025',    '01281', false, 'C', 3, 13, NULL, true,  1990, 1, NULL, NULL, NULL, 4, '2025-07-01'),
	(26, 1, 'futur-2026',     '01281', false, 'C', 3, 13, NULL, true,  NULL, 1, NULL, NULL, '2026-02-01', 9, NULL),
	(31, 2, 'sem-conv',       '01281', false, 'C', 3, 13, NULL, true,  2000, 1, NULL, NULL, NULL, 9, NULL),
	(32, 2, 'sem-non-conv',   '01281', false, 'C', 3, 13, NULL, false, 2000, 1, NULL, NULL, NULL, 9, NULL);

SELECT setval('flux.logement_id_seq', 1000);
-- each unit's classement for 2025, and why, in words (charter options off)
SELECT l.id, l.ident_int, e.classement, e.statut, e.raison
  FROM logement l, expliquer_logement(l.id, 2025) e
 WHERE l.id >= 11 ORDER BY l.id;

-- the assiette of 2025 for bailleur 1 in the Ain
SELECT * FROM assiette(1, '01', 2025);

-- the local charter options take PLAI adapté and gens du voyage out
INSERT INTO parametre_annuel (bailleur_id, departement, annee, exclure_plai_adapte, exclure_gens_du_voyage)
VALUES (1, '01', 2025, true, true);
SELECT parc_concerne, exclus, assiette, exclus_plai_adapte, exclus_gens_du_voyage FROM assiette(1, '01', 2025);
SELECT classement, raison FROM expliquer_logement(16, 2025);

-- per commune
SELECT * FROM assiette_communes(1, '01', 2025);

-- a new programme joins the assiette the year after its first letting
SELECT annee, (SELECT classement FROM expliquer_logement(22, annee)) AS neuf_2025,
       (SELECT classement FROM expliquer_logement(23, annee)) AS neuf_2024,
       (SELECT classement FROM expliquer_logement(24, annee)) AS vendu_2024
  FROM generate_series(2024, 2026) annee ORDER BY annee;

-- the SEM counts only its APL-conventionné units
SELECT parc_concerne, assiette, sem_non_conventionnes FROM assiette(2, '01', 2025);

-- fails: no such unit
SELECT * FROM expliquer_logement(999, 2025);
-- fails: a year out of range
SELECT * FROM assiette(1, '01', 0);

--
-- the forecast flux: the FAQ's example, A = 1 000, B = 350, C = 650
--
INSERT INTO bailleur (id, siren, nom, famille) VALUES (3, '300000003', 'Bailleur FAQ', 'oph');
INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat, patrimoine)
SELECT 3, 'F' || i, CASE WHEN i % 3 = 0 THEN '74218' ELSE '74218' END, i % 4 = 0, 'C', 1 + i % 5, 13, true, 2000, 2000
  FROM generate_series(1, 10000) i;
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation,
                              prevision_anru, prevision_orcod, prevision_lhi, prevision_vente)
VALUES (3, '74', 2025, 10, 150, 50, 30, 20);
SELECT * FROM flux_previsionnel(3, '74', 2025);

-- Haute-Savoie keeps ANRU, ORCOD and LHI relocations in the flux
UPDATE parametre_annuel SET soustraire_anru = false, soustraire_orcod = false, soustraire_lhi = false
 WHERE bailleur_id = 3 AND annee = 2025;
SELECT relocations_prevues, soustractions, flux_a_repartir FROM flux_previsionnel(3, '74', 2025);
-- mutations from the CUS instead of 10 %
UPDATE parametre_annuel SET prevision_mutation = 40 WHERE bailleur_id = 3 AND annee = 2025;
SELECT soustraction_mutation, flux_a_repartir FROM flux_previsionnel(3, '74', 2025);

-- the rotation rate from recorded vacancies: three definitions
-- 2022..2024: 800, 1000, 1200 relettings of the 10 000 units (8 %, 10 %, 12 %)
INSERT INTO vacance (logement_id, date_depart, date_disponible, date_relocation)
SELECT l.id, make_date(y, 3, 1), make_date(y, 3, 15), make_date(y, 4, 1)
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM logement WHERE bailleur_id = 3) l,
       (VALUES (2022, 800), (2023, 1000), (2024, 1200)) v(y, n)
 WHERE l.r <= v.n;
-- 2024: 100 more units available but not relet yet, and 50 first lettings
INSERT INTO vacance (logement_id, date_depart, date_disponible)
SELECT id, '2024-11-20', '2024-12-01' FROM logement WHERE bailleur_id = 3 ORDER BY id DESC LIMIT 100;
INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat, patrimoine, date_mise_en_service)
SELECT 3, 'N' || i, '74218', false, 'C', 3, 13, true, 2024, 2024, '2024-06-01' FROM generate_series(1, 50) i;
INSERT INTO vacance (logement_id, premiere_location, date_disponible, date_relocation)
SELECT id, true, '2024-06-01', '2024-07-01' FROM logement WHERE ident_int LIKE 'N%';
SELECT r.* FROM generate_series(2021, 2024) y,
       unnest(enum_range(NULL::definition_rotation)) d,
       LATERAL rotation(3, '74', y, d) r
 ORDER BY r.annee, r.definition;
UPDATE parametre_annuel SET taux_rotation = NULL, prevision_mutation = NULL WHERE bailleur_id = 3 AND annee = 2025;
SELECT assiette, taux_rotation, source_taux, relocations_prevues, soustractions, flux_a_repartir
  FROM flux_previsionnel(3, '74', 2025);
-- the mean of what exists: 2027's window (2024..2026) has only 2024
INSERT INTO parametre_annuel (bailleur_id, departement, annee, definition_rotation) VALUES (3, '74', 2027, 'disponibles');
SELECT taux_rotation, source_taux FROM flux_previsionnel(3, '74', 2027);

-- fails: no yearly parameters
SELECT * FROM flux_previsionnel(3, '74', 2030);
-- fails: no vacancy recorded in the three previous years
INSERT INTO parametre_annuel (bailleur_id, departement, annee) VALUES (3, '74', 2031);
SELECT * FROM flux_previsionnel(3, '74', 2031);
-- fails: soustractions larger than the expected relettings
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation, prevision_anru) VALUES (3, '74', 2032, 1, 500);
SELECT * FROM flux_previsionnel(3, '74', 2032);
-- fails: a negative forecast
INSERT INTO parametre_annuel (bailleur_id, departement, annee, prevision_vente) VALUES (3, '74', 2033, -1);
-- fails: a rotation rate above 100 %
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation) VALUES (3, '74', 2034, 120);

-- assiette_rpls: the assiette follows what RPLS says (SORTIEPATRIM with its
-- date) and the bailleur's plans (flux.plan_patrimoine), in the order of
-- precedence of flux.classer; the explanation names what decided, in
-- French; new programmes under both readings (entree_programmes), in the
-- counts and at the check of an orientation; the refusals of the plans,
-- of classer's new arguments and of the assiette functions (issue 14,
-- items 1, 7, 9).  Figures hand-computed: one unit per rule, listed below.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SET datestyle = 'ISO, YMD';
SELECT plan(113);

\ir erreurs_aide.psql
-- the classement of a unit for a year, as the explanation gives it
CREATE FUNCTION pg_temp.k(logement bigint, annee integer) RETURNS flux.classement
	LANGUAGE sql AS $$ SELECT e.classement FROM flux.expliquer_logement(logement, annee) e $$;
CREATE FUNCTION pg_temp.raison(logement bigint, annee integer) RETURNS text
	LANGUAGE sql AS $$ SELECT e.raison FROM flux.expliquer_logement(logement, annee) e $$;
-- the lines of a query's plan
CREATE FUNCTION pg_temp.plan_de(q text) RETURNS SETOF text
	LANGUAGE plpgsql
AS $$
DECLARE
	r record;
BEGIN
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		RETURN NEXT r."QUERY PLAN";
	END LOOP;
END
$$;

INSERT INTO bailleur (id, siren, nom, famille) VALUES
	(9401, '940100001', 'Bailleur RPLS (test)', 'esh'),
	(9402, '940200002', 'Autre bailleur (test)', 'esh');
INSERT INTO programme (id, bailleur_id, nom, depcom, date_livraison) VALUES
	(9401, 9401, 'Les Ecrins', '01281', '1975-06-01'),
	(9402, 9402, 'Le Jura', '01281', '1980-06-01'),
	(9403, 9401, 'Le Colombier', '01281', '1978-06-01');
-- units of bailleur 9401 in Ornex (Ain), PLUS, first let in 1990 unless said
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat,
					  exclusion, sortiepatrim, date_sortie, date_mise_en_service, programme_id) VALUES
	(94001, 9401, 'R-ordinaire',      '01281', false, 'C', 3, 13, true, 1990, NULL, 9, NULL, NULL, NULL),
	(94002, 9401, 'R-vendu-2025',     '01281', false, 'C', 3, 13, true, 1990, NULL, 1, '2025-06-30', NULL, NULL),
	(94003, 9401, 'R-demoli-2025',    '01281', false, 'C', 3, 13, true, 1990, NULL, 4, '2025-03-01', NULL, NULL),
	(94004, 9401, 'R-autre-2025',     '01281', false, 'C', 3, 13, true, 1990, NULL, 5, '2025-05-01', NULL, NULL),
	(94005, 9401, 'R-vendu-1er-jan',  '01281', false, 'C', 3, 13, true, 1990, NULL, 2, '2025-01-01', NULL, NULL),
	(94006, 9401, 'P-plan-logement',  '01281', false, 'C', 3, 13, true, 1990, NULL, 9, NULL, NULL, NULL),
	(94007, 9401, 'P-plan-programme', '01281', false, 'C', 3, 13, true, 1990, NULL, 9, NULL, NULL, 9401),
	(94008, 9401, 'P-logement-et-programme', '01281', false, 'C', 3, 13, true, 1990, NULL, 9, NULL, NULL, 9401),
	(94009, 9401, 'X-defense-et-rpls', '01281', false, 'C', 3, 13, true, 1990, 'defense', 3, '2025-09-01', NULL, NULL),
	(94010, 9401, 'X-rpls-et-plan',   '01281', false, 'C', 3, 13, true, 1990, NULL, 4, '2025-10-01', NULL, NULL),
	(94011, 9401, 'X-plai-et-rpls',   '01281', false, 'C', 3, 10, true, 1990, 'plai_adapte', 1, '2025-11-01', NULL, NULL),
	(94012, 9401, 'N-neuf-2025',      '01281', false, 'C', 3, 13, true, 2025, NULL, 9, NULL, '2025-03-01', NULL),
	(94013, 9401, 'N-locat-2026',     '01281', false, 'C', 3, 13, true, 2026, NULL, 9, NULL, NULL, NULL),
	(94014, 9402, 'A-autre-bailleur', '01281', false, 'C', 3, 13, true, 1990, NULL, 9, NULL, NULL, 9402);
INSERT INTO plan_patrimoine (id, bailleur_id, nature, programme_id, logement_id, annee_debut, annee_fin, reference) VALUES
	(94001, 9401, 'vente', NULL, 94006, 2025, 2026, 'CUS 2025-2030, plan de mise en vente'),
	(94002, 9401, 'demolition', 9401, NULL, 2025, 2025, 'Convention ANRU Les Ecrins'),
	(94003, 9401, 'vente', NULL, 94008, 2025, 2025, 'CUS 2025-2030, plan de mise en vente'),
	(94004, 9401, 'vente', NULL, 94010, 2025, 2025, 'CUS 2025-2030, plan de mise en vente');

--------------------------------------------------------------------------
-- each rule, 2025
--------------------------------------------------------------------------
SELECT is(pg_temp.k(94001, 2025), 'assiette', 'an ordinary unit is in the assiette');
SELECT is(pg_temp.k(94002, 2025), 'vente', 'RPLS: sold during the year (SORTIEPATRIM 1) is B vente');
SELECT is(pg_temp.k(94002, 2024), 'assiette', 'RPLS: the year before its sale, in the assiette');
SELECT is(pg_temp.k(94002, 2026), 'hors_parc', 'RPLS: the year after its sale, out of the stock');
SELECT is(pg_temp.k(94003, 2025), 'demolition', 'RPLS: demolished during the year (SORTIEPATRIM 4) is B demolition');
SELECT is(pg_temp.k(94004, 2025), 'assiette', 'RPLS: another exit (SORTIEPATRIM 5) is no exclusion: in the assiette of its year');
SELECT is(pg_temp.k(94004, 2026), 'hors_parc', 'RPLS: another exit, out of the stock the next year');
SELECT is(pg_temp.k(94005, 2025), 'hors_parc', 'RPLS: sold on 1 January, out of the stock that year');
SELECT is(pg_temp.k(94005, 2024), 'assiette', 'RPLS: sold on 1 January 2025, in the assiette of 2024');
SELECT is(pg_temp.k(94006, 2025), 'vente', 'plan: a unit in a sales plan covering the year is B vente');
SELECT is(pg_temp.k(94006, 2026), 'vente', 'plan: every year the plan covers (its last, inclusive)');
SELECT is(pg_temp.k(94006, 2024), 'assiette', 'plan: not before the plan');
SELECT is(pg_temp.k(94006, 2027), 'assiette', 'plan: not after the plan');
SELECT is(pg_temp.k(94007, 2025), 'demolition', 'plan: a unit of a programme in a demolition plan is B demolition');
SELECT is(pg_temp.k(94007, 2026), 'assiette', 'plan: the programme''s plan covers 2025 only');
SELECT is(pg_temp.k(94014, 2025), 'assiette', 'another bailleur''s unit is in none of these plans');

--------------------------------------------------------------------------
-- precedence: by hand, then RPLS, then the unit's plan, then its programme's
--------------------------------------------------------------------------
SELECT is(pg_temp.k(94009, 2025), 'defense', 'precedence: the motive set by hand before RPLS');
SELECT is(pg_temp.k(94010, 2025), 'demolition', 'precedence: RPLS (demolished) before the unit''s plan (vente)');
SELECT is(pg_temp.k(94008, 2025), 'vente', 'precedence: the unit''s plan (vente) before its programme''s (demolition)');
SELECT is(pg_temp.k(94011, 2025), 'vente', 'precedence: a motive by hand that does not apply (PLAI adapté, option off) lets RPLS decide');
INSERT INTO parametre_annuel (bailleur_id, departement, annee, exclure_plai_adapte) VALUES (9401, '01', 2025, true);
SELECT is(pg_temp.k(94011, 2025), 'plai_adapte', 'precedence: the same motive when the charter option is on');
DELETE FROM parametre_annuel WHERE bailleur_id = 9401;

--------------------------------------------------------------------------
-- the explanation says which RPLS field or which plan decided, in French
--------------------------------------------------------------------------
SELECT is(pg_temp.raison(94002, 2025),
	'exclu du flux (B) : vendu le 30/06/2025 selon RPLS (SORTIEPATRIM 1, vendu à son occupant)',
	'explanation: the RPLS sale, with its code and date');
SELECT is(pg_temp.raison(94003, 2025),
	'exclu du flux (B) : démoli le 01/03/2025 selon RPLS (SORTIEPATRIM 4)',
	'explanation: the RPLS demolition, with its code and date');
SELECT is(pg_temp.raison(94006, 2025),
	'exclu du flux (B) : inscrit au plan de vente n° 94001 (CUS 2025-2030, plan de mise en vente, 2025 à 2026)',
	'explanation: the unit''s plan, its id and reference');
SELECT is(pg_temp.raison(94007, 2025),
	'exclu du flux (B) : son programme 9401 (Les Ecrins) est inscrit au plan de démolition n° 94002 (Convention ANRU Les Ecrins, 2025 à 2025)',
	'explanation: the programme''s plan, its id and reference');
SELECT is(pg_temp.raison(94008, 2025),
	'exclu du flux (B) : inscrit au plan de vente n° 94003 (CUS 2025-2030, plan de mise en vente, 2025 à 2025)',
	'explanation: the unit''s plan when both apply');
SELECT is(pg_temp.raison(94009, 2025),
	'exclu du flux (B) : réservé à la défense nationale (exclusion saisie)',
	'explanation: the motive set by hand');
SELECT is(pg_temp.raison(94010, 2025),
	'exclu du flux (B) : démoli le 01/10/2025 selon RPLS (SORTIEPATRIM 4)',
	'explanation: RPLS when RPLS and a plan apply');
SELECT is(pg_temp.raison(94011, 2025),
	'exclu du flux (B) : vendu le 01/11/2025 selon RPLS (SORTIEPATRIM 1, vendu à son occupant)',
	'explanation: RPLS when the motive set by hand does not apply');
SELECT is(pg_temp.raison(94004, 2025),
	'dans l''assiette de 2025 : logement PLUS dans le parc depuis 1990, hors QPV, sorti du patrimoine le 01/05/2025 (SORTIEPATRIM 5, autre sortie) : ce n''est pas une exclusion, hors du parc à partir de 2026',
	'explanation: another exit stays in the assiette, and says so');
SELECT is(pg_temp.raison(94002, 2026),
	'hors du parc au 1er janvier 2026 : sorti le 30/06/2025 (SORTIEPATRIM 1, vendu à son occupant)',
	'explanation: out of the stock, with the RPLS code in words');
SELECT is(pg_temp.raison(94001, 2025),
	'dans l''assiette de 2025 : logement PLUS dans le parc depuis 1990, hors QPV',
	'explanation: an ordinary unit');
SELECT is_empty($$SELECT l.id, y, e.raison
					FROM logement l, generate_series(2024, 2027) y, expliquer_logement(l.id, y) e
				   WHERE l.bailleur_id IN (9401, 9402)
					 AND (e.raison ~ '(unit|stock since|excluded|never concerned|first letting|not in the stock|sales plan|demolished)'
						  OR e.raison IS NULL)$$,
	'explanation: every raison of these units, 2024 to 2027, is French and given');

--------------------------------------------------------------------------
-- the counts follow the rule, and logements_classes agrees with the explanation
--------------------------------------------------------------------------
-- 2025, annee_suivante: C = 94001, 94004; vente = 94002, 94006, 94008, 94011;
-- demolition = 94003, 94007, 94010; defense = 94009; premiere_location =
-- 94012, 94013; hors_parc = 94005.  A = 2 + 8 = 10.
SELECT results_eq($$SELECT parc_concerne, exclus, assiette, exclus_vente, exclus_demolition, exclus_defense,
						   premieres_locations, hors_parc FROM assiette(9401, '01', 2025)$$,
	$$VALUES (10::bigint, 8::bigint, 2::bigint, 4::bigint, 3::bigint, 1::bigint, 2::bigint, 1::bigint)$$,
	'assiette 2025 (annee_suivante): A 10 = B 8 (4 vente, 3 demolition, 1 defense) + C 2');
SELECT bag_eq($$SELECT k.logement_id, k.classement FROM logements_classes(9401, 2025, '01') k$$,
	$$SELECT l.id, pg_temp.k(l.id, 2025) FROM logement l WHERE l.bailleur_id = 9401$$,
	'logements_classes and expliquer_logement give every unit the same class');
SELECT results_eq($$SELECT exclus, assiette, exclus_vente, exclus_demolition FROM assiette(9401, '01', 2026)$$,
	$$VALUES (1::bigint, 4::bigint, 1::bigint, 0::bigint)$$,
	'assiette 2026: only the unit plan running to 2026 is still B; the units sold or demolished in 2025 are out of the stock');
SELECT results_eq($$SELECT parc_concerne, exclus, assiette FROM assiette_communes(9401, '01', 2025)$$,
	$$VALUES (10::bigint, 8::bigint, 2::bigint)$$,
	'assiette_communes 2025: the same in Ornex');
-- still inlined into a caller: no Function Scan of logements_classes
SELECT is_empty($$SELECT * FROM pg_temp.plan_de('SELECT count(*) FROM flux.logements_classes(9401, 2025, ''01'') k JOIN flux.logement l ON l.id = k.logement_id') p
				   WHERE p ~ 'Function Scan'$$,
	'logements_classes is inlined into its caller');
SELECT isnt_empty($$SELECT * FROM pg_temp.plan_de('SELECT count(*) FROM flux.logements_classes(9401, 2025, ''01'')') p
					 WHERE p ~ 'One-Time Filter: verifier_portee'$$,
	'logements_classes checks its scope once (a one-time filter)');

--------------------------------------------------------------------------
-- new programmes: both readings (item 7)
--------------------------------------------------------------------------
-- annee_suivante (Ornex 5.3, Publier art. 3), the default
SELECT is(pg_temp.k(94012, 2025), 'premiere_location', 'annee_suivante: first let in 2025, out of the assiette of 2025');
SELECT is(pg_temp.k(94012, 2026), 'assiette', 'annee_suivante: in the assiette of 2026');
SELECT is(pg_temp.raison(94012, 2025),
	'première mise en location en 2025 d''un programme neuf : reste gérée en stock (concertation entre réservataires), le logement intègre l''assiette en 2026 (entree_programmes annee_suivante)',
	'annee_suivante: the explanation');
-- premiere_vacance (DRIHL: "les logements intègreraient le flux à leur libération")
INSERT INTO parametre_annuel (bailleur_id, departement, annee, entree_programmes) VALUES (9401, '01', 2025, 'premiere_vacance');
SELECT is(pg_temp.k(94012, 2025), 'assiette', 'premiere_vacance: first let in 2025, in the assiette of 2025');
SELECT is(pg_temp.k(94013, 2025), 'premiere_location', 'premiere_vacance: a first letting after the year is still out');
SELECT is(pg_temp.k(94012, 2026), 'assiette', 'premiere_vacance: in the assiette of 2026');
SELECT is(pg_temp.raison(94012, 2025),
	'dans l''assiette de 2025 : logement PLUS dans le parc depuis 2025, hors QPV, programme neuf mis en location en 2025 : sa première location reste en stock, il intègre le flux à sa première libération (entree_programmes premiere_vacance)',
	'premiere_vacance: the explanation');
SELECT results_eq($$SELECT parc_concerne, assiette, premieres_locations FROM assiette(9401, '01', 2025)$$,
	$$VALUES (11::bigint, 3::bigint, 1::bigint)$$,
	'premiere_vacance: assiette 2025 counts the unit first let in 2025 (A 11, C 3, one first letting left)');
SELECT is(pg_temp.k(94013, 2026), 'premiere_location', 'the reading is per year: 2026 has no parameters, so annee_suivante');
UPDATE parametre_annuel SET entree_programmes = 'annee_suivante' WHERE bailleur_id = 9401 AND annee = 2025;

-- at the check of an orientation: the first letting stays in stock under
-- both readings; a reletting in the year of the first letting goes to the
-- flux only under premiere_vacance
INSERT INTO reservataire (id, nom, categorie) VALUES (9401, 'Action Logement (assiette_rpls)', 'action_logement');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, regime, mode, evenement, date_effet)
VALUES (9401, 9401, 9401, '01', '10%', 'flux', 'directe', 'bail', '2024-01-01');
INSERT INTO vacance (id, logement_id, premiere_location, date_disponible, date_relocation) VALUES
	(94012, 94012, true, '2025-03-01', '2025-03-15');
INSERT INTO vacance (id, logement_id, premiere_location, date_preavis, date_disponible) VALUES
	(94013, 94012, false, '2025-08-01', '2025-09-01'),
	(94002, 94002, false, '2025-04-01', '2025-05-01'),
	(94001, 94001, false, '2025-04-01', '2025-05-01');
SELECT throws_ok($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (94012, 9401, '2025-03-02')$$,
	'23514', 'vacancy 94012 is the first letting of logement 94012: it stays in stock',
	'annee_suivante: the first letting cannot be oriented in the flux');
SELECT throws_ok($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (94013, 9401, '2025-09-02')$$,
	'23514', 'logement 94012 is not in the assiette of 2025: premiere_location',
	'annee_suivante: a reletting in the year of the first letting stays outside the flux');
UPDATE parametre_annuel SET entree_programmes = 'premiere_vacance' WHERE bailleur_id = 9401 AND annee = 2025;
SELECT throws_ok($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (94012, 9401, '2025-03-02')$$,
	'23514', 'vacancy 94012 is the first letting of logement 94012: it stays in stock',
	'premiere_vacance: the first letting still stays in stock');
SELECT lives_ok($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (94013, 9401, '2025-09-02')$$,
	'premiere_vacance: its first vacancy after the first letting goes to the flux');
-- a unit RPLS declares sold in the year cannot be oriented in the flux
SELECT throws_ok($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (94002, 9401, '2025-05-02')$$,
	'23514', 'logement 94002 is not in the assiette of 2025: vente',
	'orientation: a unit sold in the year (RPLS) is outside the flux');
SELECT lives_ok($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (94001, 9401, '2025-05-02')$$,
	'orientation: an ordinary unit goes to the flux');
DELETE FROM parametre_annuel WHERE bailleur_id = 9401;

--------------------------------------------------------------------------
-- flux.classer: the 18 arguments checked, the 14 of 0.9.0 unchanged
--------------------------------------------------------------------------
SELECT is(classer(2025, 'esh', true, 13::smallint, NULL, 'C', 1::smallint, NULL, NULL, '2025-06-30', NULL, 1990::smallint,
				  false, false),
	'assiette', 'classer, 14 arguments: the rule of 0.9.0 (a sale in the year is not seen)');
SELECT is(classer(2025, 'esh', true, 13::smallint, NULL, 'C', 1::smallint, NULL, NULL, NULL, '2025-03-01', 2025::smallint,
				  false, false),
	'premiere_location', 'classer, 14 arguments: a new programme joins the year after');
SELECT is(classer(2025, 'esh', true, 13::smallint, NULL, 'C', 1::smallint, NULL, NULL, '2025-06-30', NULL, 1990::smallint,
				  false, false, 1::smallint, NULL, NULL, 'annee_suivante'),
	'vente', 'classer, 18 arguments: the same sale is B vente');
SELECT is(classer(NULL, 'esh', true, 13::smallint, NULL, 'C', 1::smallint, NULL, NULL, NULL, NULL, 1990::smallint,
				  false, false, 9::smallint, NULL, NULL, 'annee_suivante'),
	NULL, 'classer: a NULL year gives no class (NULL)');
SELECT is(classer(NULL, 'esh', true, 13::smallint, NULL, 'C', 1::smallint, NULL, 'gens_du_voyage', NULL, NULL, 1990::smallint,
				  false, false),
	NULL, 'classer, 14 arguments: a NULL year gives no class either');
SELECT is(classer(2025, 'esh', true, 13::smallint, NULL, 'C', 1::smallint, NULL, NULL, NULL, NULL, 1990::smallint,
				  false, false, NULL, NULL, 'vente', NULL),
	'vente', 'classer: a NULL programme entry is annee_suivante, a NULL SORTIEPATRIM is not given');
SELECT * FROM pg_temp.refus($$SELECT classer(2025, 'esh', true, 13::smallint, NULL, 'C', 1::smallint, NULL, NULL, NULL, NULL,
						1990::smallint, false, false, 7::smallint, NULL, NULL, 'annee_suivante')$$,
	'22023', 'SORTIEPATRIM 7 is not an RPLS code', 'classer: an unknown SORTIEPATRIM');
SELECT * FROM pg_temp.refus($$SELECT classer(2025, 'esh', true, 13::smallint, NULL, 'C', 1::smallint, NULL, NULL, NULL, NULL,
						1990::smallint, false, false, 1::smallint, NULL, NULL, 'annee_suivante')$$,
	'22023', 'SORTIEPATRIM 1 does not go with an empty date_sortie', 'classer: a sale without its date');
SELECT * FROM pg_temp.refus($$SELECT classer(2025, 'esh', true, 13::smallint, NULL, 'C', 1::smallint, NULL, NULL, '2025-03-01', NULL,
						1990::smallint, false, false, 9::smallint, NULL, NULL, 'annee_suivante')$$,
	'22023', 'SORTIEPATRIM 9 does not go with a date_sortie', 'classer: a date of exit for a unit still in the stock');
SELECT * FROM pg_temp.refus($$SELECT classer(2025, 'esh', true, 13::smallint, NULL, 'C', 1::smallint, 'residence_sociale', NULL, NULL, NULL,
						1990::smallint, false, false, -1::smallint, NULL, NULL, 'annee_suivante')$$,
	'22023', 'SORTIEPATRIM -1 is not an RPLS code', 'classer: a bad SORTIEPATRIM is refused whatever the unit');

--------------------------------------------------------------------------
-- the plans: their checks
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$INSERT INTO plan_patrimoine (id, bailleur_id, nature, programme_id, logement_id, annee_debut, annee_fin, reference)
						VALUES (94010, 9401, 'vente', 9403, 94001, 2025, 2025, 'CUS')$$,
	'23514', 'plan 94010 names both programme 9403 and logement 94001', 'plan: a programme and a unit');
SELECT * FROM pg_temp.refus($$INSERT INTO plan_patrimoine (id, bailleur_id, nature, annee_debut, annee_fin, reference)
						VALUES (94010, 9401, 'vente', 2025, 2025, 'CUS')$$,
	'23514', 'plan 94010 names neither a programme nor a unit', 'plan: no target');
SELECT * FROM pg_temp.refus($$INSERT INTO plan_patrimoine (id, bailleur_id, nature, logement_id, annee_debut, annee_fin, reference)
						VALUES (94010, 9401, 'vente', 94001, 2026, 2025, 'CUS')$$,
	'23514', 'plan 94010 ends in 2025 before it starts in 2026', 'plan: years not in order');
SELECT * FROM pg_temp.refus($$INSERT INTO plan_patrimoine (id, bailleur_id, nature, logement_id, annee_debut, annee_fin, reference)
						VALUES (94010, 9401, 'vente', 94001, 1999, 2025, 'CUS')$$,
	'23514', 'plan 94010 covers years 1999 to 2025, out of range', 'plan: a year out of range');
SELECT * FROM pg_temp.refus($$INSERT INTO plan_patrimoine (id, bailleur_id, nature, logement_id, annee_debut, annee_fin, reference)
						VALUES (94010, 9401, 'vente', 94014, 2025, 2025, 'CUS')$$,
	'23514', 'logement 94014 belongs to bailleur 9402, not to bailleur 9401 of plan 94010', 'plan: another bailleur''s unit');
SELECT * FROM pg_temp.refus($$INSERT INTO plan_patrimoine (id, bailleur_id, nature, programme_id, annee_debut, annee_fin, reference)
						VALUES (94010, 9401, 'demolition', 9402, 2025, 2025, 'ANRU')$$,
	'23514', 'programme 9402 belongs to bailleur 9402, not to bailleur 9401 of plan 94010', 'plan: another bailleur''s programme');
SELECT * FROM pg_temp.refus($$INSERT INTO plan_patrimoine (id, bailleur_id, nature, logement_id, annee_debut, annee_fin, reference)
						VALUES (94010, 9401, 'vente', 1, 2025, 2025, 'CUS')$$,
	'23503', 'logement 1 does not exist', 'plan: a unit that does not exist');
SELECT * FROM pg_temp.refus($$INSERT INTO plan_patrimoine (id, bailleur_id, nature, logement_id, annee_debut, annee_fin, reference)
						VALUES (94010, 9401, 'demolition', 94006, 2026, 2028, 'ANRU')$$,
	'23P01', 'logement 94006 is already in plan 94001 (vente, CUS 2025-2030, plan de mise en vente) over 2025 to 2026',
	'plan: two plans of one unit in the same year');
SELECT * FROM pg_temp.refus($$UPDATE plan_patrimoine SET logement_id = 94006 WHERE id = 94003$$,
	'23P01', 'logement 94006 is already in plan 94001 (vente, CUS 2025-2030, plan de mise en vente) over 2025 to 2026',
	'plan: an update is checked too');
SELECT lives_ok($$INSERT INTO plan_patrimoine (id, bailleur_id, nature, logement_id, annee_debut, annee_fin, reference)
				  VALUES (94011, 9401, 'demolition', 94006, 2027, 2028, 'Programme de démolition 2027')$$,
	'plan: the next plan of a unit after the first ends');
SELECT lives_ok($$UPDATE plan_patrimoine SET annee_fin = 2026 WHERE id = 94004$$,
	'plan: a plan may move its own years (it is not checked against itself)');
SELECT throws_ok($$INSERT INTO plan_patrimoine (bailleur_id, nature, logement_id, annee_debut, annee_fin, reference)
				   VALUES (9401, 'vente', 94001, 2025, 2025, '')$$,
	'23514', NULL, 'plan: an empty reference');
SELECT throws_ok($$INSERT INTO plan_patrimoine (bailleur_id, nature, logement_id, annee_debut, annee_fin, reference)
				   VALUES (9401, 'defense', 94001, 2025, 2025, 'CUS')$$,
	'22P02', NULL, 'plan: a nature that is not vente or demolition');
SELECT ok((SELECT 'flux.plan_patrimoine'::regclass = ANY (extconfig) FROM pg_extension WHERE extname = 'flux'),
	'plan: pg_dump keeps its rows (pg_extension_config_dump)');
SELECT ok((SELECT 'flux.plan_patrimoine_id_seq'::regclass = ANY (extconfig) FROM pg_extension WHERE extname = 'flux'),
	'plan: and its sequence');
SELECT ok(NOT has_function_privilege('public', 'flux.plan_patrimoine_verifier()', 'EXECUTE'),
	'plan: its trigger function is not executable by PUBLIC');

--------------------------------------------------------------------------
-- no silent zeros (item 9)
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$SELECT * FROM assiette(NULL, '01', 2025)$$, '22004', 'bailleur is NULL', 'assiette: a NULL bailleur');
SELECT * FROM pg_temp.refus($$SELECT * FROM assiette(-1, '01', 2025)$$, 'P0002', 'bailleur -1 does not exist', 'assiette: an unknown bailleur');
SELECT * FROM pg_temp.refus($$SELECT * FROM assiette(9401, '1', 2025)$$, '22023', '"1" is not a département code', 'assiette: ''1'' is not a département');
SELECT * FROM pg_temp.refus($$SELECT * FROM assiette(9401, NULL, 2025)$$, '22004', 'département is NULL', 'assiette: a NULL département');
SELECT * FROM pg_temp.refus($$SELECT * FROM assiette(9401, '01', NULL)$$, '22004', 'year is NULL', 'assiette: a NULL year');
SELECT * FROM pg_temp.refus($$SELECT * FROM assiette(9401, '01', 1999)$$, '22023', 'year 1999 is out of range', 'assiette: a year out of range');
SELECT throws_ok($$SELECT * FROM assiette_communes(NULL, '01', 2025)$$, '22004', 'bailleur is NULL', 'assiette_communes: a NULL bailleur');
SELECT throws_ok($$SELECT * FROM assiette_communes(9401, '1', 2025)$$, '22023', '"1" is not a département code', 'assiette_communes: ''1''');
SELECT throws_ok($$SELECT * FROM assiette_communes(9401, '01', NULL)$$, '22004', 'year is NULL', 'assiette_communes: a NULL year');
SELECT throws_ok($$SELECT * FROM logements_classes(-1, 2025, '01')$$, 'P0002', 'bailleur -1 does not exist', 'logements_classes: an unknown bailleur');
SELECT throws_ok($$SELECT * FROM logements_classes(9401, 2025, NULL)$$, '22004', 'département is NULL', 'logements_classes: a NULL département');
SELECT throws_ok($$SELECT * FROM logements_classes(9401, 2101, '01')$$, '22023', 'year 2101 is out of range', 'logements_classes: a year out of range');
SELECT * FROM pg_temp.refus($$SELECT * FROM expliquer_logement(94001, NULL)$$, '22004', 'year is NULL',
	'expliquer_logement: a NULL year (it used to explain a PLUS unit as gens du voyage)');

SELECT * FROM finish();
ROLLBACK;

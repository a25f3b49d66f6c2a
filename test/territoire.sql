--
-- The territory of a collectivity's convention (FAQ §2.3, seed 000_):
-- "Lorsque le réservataire est une collectivité, le périmètre de la
-- convention porte sur le patrimoine du bailleur situé dans cette
-- collectivité, sauf si elle dispose de réservations sur un autre territoire
-- du département" and "Si ce réservataire dispose de patrimoine en dehors de
-- son périmètre, la convention aura pour échelle le département."
-- Reservations: a unit of the bailleur in the département, in its stock,
-- tied by stock_reservataire_id or by a flux.reservation whose right runs
-- on the convention's date_effet.
--
BEGIN;
SELECT plan(24);
SET search_path = flux, public;

INSERT INTO commune (depcom, nom, epci) VALUES
	('01281', 'Ornex', '240100750'), ('01160', 'Ferney-Voltaire', '240100750'), ('01173', 'Gex', '240100750'),
	('01053', 'Bourg-en-Bresse', '200071751'), ('01004', 'Ambérieu-en-Bugey', '240100883'),
	('01033', 'Valserhône', '200071751'), ('74010', 'Annecy', '200066793');
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9801, '552046401', 'Dynacité', 'oph'), (9802, '552046402', 'Autre', 'esh');
INSERT INTO reservataire (id, nom, categorie, depcom, epci) VALUES
	(9811, 'Ornex', 'commune', '01281', NULL), (9812, 'Gex', 'commune', '01173', NULL),
	(9813, 'Pays de Gex agglo', 'epci', NULL, '240100750'), (9814, 'Etat', 'etat', NULL, NULL),
	(9815, 'Ferney-Voltaire', 'commune', '01160', NULL);
-- units of bailleur 9801: one in Bourg tied to Ornex by RPLS/the ERP, one in
-- Ambérieu reserved to Ornex (loan guarantee, loan repaid 2018: the right
-- ends 2023-06-30... five years on), one in Valserhône reserved to the EPCI,
-- one in Bourg sold in 2023 (still tied to Gex), one of the other bailleur
-- in Ambérieu reserved to Gex
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv,
					  stock_reservataire_id, sortiepatrim, date_sortie) VALUES
	(98001, 9801, 'T-1', '01053', false, 'C', 3, 13, true, 9811, 9, NULL),
	(98002, 9801, 'T-2', '01004', false, 'C', 3, 13, true, NULL, 9, NULL),
	(98003, 9801, 'T-3', '01033', false, 'C', 3, 13, true, NULL, 9, NULL),
	(98004, 9801, 'T-4', '01053', false, 'C', 3, 13, true, 9812, 1, '2023-12-31'),
	(98005, 9802, 'T-5', '01004', false, 'C', 3, 13, true, NULL, 9, NULL),
	(98006, 9801, 'T-6', '01033', false, 'C', 3, 13, true, NULL, 9, NULL);
INSERT INTO reservation (logement_id, reservataire_id, fondement, date_debut, date_remboursement) VALUES
	(98002, 9811, 'garantie_emprunt', '2000-01-01', '2018-06-30'),
	(98003, 9813, 'garantie_emprunt', '2010-01-01', NULL),
	(98005, 9812, 'garantie_emprunt', '2010-01-01', NULL),
	-- Ferney's right in Valserhône starts only in 2025
	(98006, 9815, 'apport_foncier', '2025-01-01', NULL);

-- 1. its own territory, as before
SELECT lives_ok($$INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet, date_fin)
				 VALUES (98101, 9801, 9812, '01', '10%', '2024-01-01', '2024-07-01')$$, 'a commune''s convention on its territory');
SELECT is((SELECT communes FROM convention WHERE id = 98101), '{01173}'::text[], 'communes NULL becomes its own commune');

-- 2. no reservation elsewhere: still refused, and the detail says so
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet)
				   VALUES (9801, 9812, '01', '{01173,01053}', '10%', '2025-01-01')$$,
				 '23514', 'convention of commune 01173 covers communes outside its territory: 01053',
				 'Gex holds nothing outside (its unit in Bourg was sold, its reservation in Ambérieu is another bailleur''s): refused');
DO $$
BEGIN
	INSERT INTO flux.convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet)
	VALUES (9801, 9812, '01', '{01173,01053}', '10%', '2025-01-01');
EXCEPTION WHEN check_violation THEN
	DECLARE d text;
	BEGIN
		GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
		CREATE TEMP TABLE territoire_detail AS SELECT d AS detail;
	END;
END
$$;
SELECT is((SELECT detail FROM territoire_detail),
		  'Réservataire 9812 (Gex) is the commune 01173, and it holds no reservation of bailleur 9801 elsewhere in département 01.',
		  'the detail says it holds no reservation there');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet, perimetre_departemental)
				   VALUES (9801, 9812, '01', '10%', '2025-01-01', true)$$,
				 '23514', 'convention of commune 01173 cannot cover the whole département 01: it holds no reservation of bailleur 9801 outside its territory there',
				 'the whole département: refused without reservations outside');

-- 3. Ornex holds a unit in Bourg (stock_reservataire_id) and a guaranteed
-- unit in Ambérieu whose right ends 5 years after 2018-06-30, 2023-06-30
SELECT lives_ok($$INSERT INTO convention (id, bailleur_id, reservataire_id, departement, communes, taux, date_effet, date_fin)
				 VALUES (98102, 9801, 9811, '01', '{01281,01053}', '10%', '2023-01-01', '2023-04-01')$$,
				'Ornex with its unit in Bourg: Bourg allowed');
SELECT lives_ok($$INSERT INTO convention (id, bailleur_id, reservataire_id, departement, communes, taux, date_effet, date_fin)
				 VALUES (98103, 9801, 9811, '01', '{01281,01053,01004}', '10%', '2023-04-01', '2023-07-01')$$,
				'Ornex on 2023-04-01: its guarantee in Ambérieu still runs (until 2023-06-30): Ambérieu allowed');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet)
				   VALUES (9801, 9811, '01', '{01281,01053,01004}', '10%', '2023-07-01')$$,
				 '23514', 'convention of commune 01281 covers communes outside its territory: 01004',
				 'Ornex on 2023-07-01: the right in Ambérieu has ended (5 years after the repayment): refused');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet)
				   VALUES (9801, 9811, '01', '{01281,01160}', '10%', '2023-07-01')$$,
				 '23514', 'convention of commune 01281 covers communes outside its territory: 01160',
				 'a commune where it holds nothing: refused');
SELECT lives_ok($$INSERT INTO convention (id, bailleur_id, reservataire_id, departement, communes, taux, date_effet, date_fin)
				 VALUES (98104, 9801, 9811, '01', '{01053}', '10%', '2023-07-01', '2023-10-01')$$,
				'only the commune where it holds reservations: allowed');

-- 4. the whole département, declared
SELECT lives_ok($$INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet, date_fin, perimetre_departemental)
				 VALUES (98105, 9801, 9811, '01', '10%', '2023-10-01', '2024-01-01', true)$$,
				'Ornex, holding reservations outside: the whole département (perimetre_departemental)');
SELECT is((SELECT communes FROM convention WHERE id = 98105), NULL::text[], '... communes stay NULL: every commune of the département');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet, perimetre_departemental)
				   VALUES (9801, 9811, '01', '{01281}', '10%', '2024-01-01', true)$$,
				 '23514', 'a convention with perimetre_departemental covers the whole département: communes must be NULL',
				 'the whole département and a list of communes: refused');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet, perimetre_departemental)
				   VALUES (9801, 9814, '01', '30%', '2024-01-01', true)$$,
				 '23514', 'perimetre_departemental is for a commune''s or an EPCI''s convention, not one with etat',
				 'perimetre_departemental on a State convention: refused');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet, perimetre_departemental)
				   VALUES (9802, 9811, '01', '10%', '2024-01-01', true)$$,
				 '23514', NULL, 'another bailleur, where Ornex holds nothing: refused');

-- 5. an update is checked too
SELECT throws_ok($$UPDATE convention SET communes = '{01281,01033}' WHERE id = 98102$$,
				 '23514', 'convention of commune 01281 covers communes outside its territory: 01033', 'an update outside: refused');

-- 6. a right that has not started yet does not count: Ferney in Valserhône from 2025
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet)
				   VALUES (9801, 9815, '01', '{01160,01033}', '10%', '2024-01-01')$$,
				 '23514', 'convention of commune 01160 covers communes outside its territory: 01033', 'a right starting later: refused');
SELECT lives_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet)
				 VALUES (9801, 9815, '01', '{01160,01033}', '10%', '2025-01-01')$$, '... allowed once it runs');

-- 7. an EPCI: its communes, and Valserhône where it holds a reservation
SELECT lives_ok($$INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet, date_fin)
				 VALUES (98107, 9801, 9813, '01', '5%', '2024-01-01', '2024-07-01')$$, 'an EPCI''s convention on its territory');
SELECT is((SELECT communes FROM convention WHERE id = 98107), '{01160,01173,01281}'::text[], '... NULL becomes its communes');
SELECT lives_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet)
				 VALUES (9801, 9813, '01', '{01160,01173,01281,01033}', '5%', '2024-07-01')$$,
				'the EPCI and Valserhône, where it holds a reservation: allowed');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet)
				   VALUES (9802, 9813, '01', '{01281,01033}', '5%', '2024-07-01')$$,
				 '23514', 'convention of EPCI 240100750 covers communes outside its territory: 01033',
				 'the other bailleur: the EPCI holds nothing in Valserhône there');

-- 8. still one département
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet)
				   VALUES (9801, 9811, '01', '{01281,74010}', '10%', '2026-01-01')$$,
				 '23514', NULL, 'a commune of another département: refused');
SELECT ok(NOT EXISTS (SELECT 1 FROM convention c JOIN reservataire r ON r.id = c.reservataire_id
					   WHERE r.categorie = 'commune' AND c.communes IS NULL AND NOT c.perimetre_departemental),
		  'a commune''s convention has its communes unless it covers the département');

SELECT * FROM finish();
ROLLBACK;

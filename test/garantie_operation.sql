-- garantie_operation: the loan-guarantee cap per operation (issue 14 item
-- 8; Ornex art. 3: "maximum 20% des logements de l'opération garantie
-- répartis au prorata des garanties des garants").
--
-- Programme 1450 "Les Jardins" in Ornex: 25 units (14501..14525), so 20 %
-- is 5 units.  Guarantors: the commune of Ornex 60 % of the loans, the Ain
-- département 40 %: caps 25 x 20 % x 60 % = 3 and 25 x 20 % x 40 % = 2.
-- Units 14526..14530 belong to no programme.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SET datestyle = 'ISO, YMD';
SELECT plan(27);

\ir erreurs_aide.psql

INSERT INTO commune (depcom, nom, epci) VALUES ('01281', 'Ornex', '240100883') ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (1451, '145100001', 'Bailleur des garanties', 'esh');
INSERT INTO reservataire (id, nom, categorie, depcom, epci, departement) VALUES
	(1451, 'Commune d''Ornex (garanties)', 'commune', '01281', NULL, NULL),
	(1452, 'Département de l''Ain (garanties)', 'departement', NULL, NULL, '01'),
	(1453, 'Pays de Gex Agglo (garanties)', 'epci', NULL, '240100883', NULL);
INSERT INTO programme (id, bailleur_id, nom, depcom, date_livraison) VALUES (1450, 1451, 'Les Jardins', '01281', '2015-09-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat, programme_id)
SELECT 14500 + i, 1451, 'GJ' || i, '01281', false, 'C', 3, 13, true, 2015, CASE WHEN i <= 25 THEN 1450 END
  FROM generate_series(1, 30) i;
INSERT INTO garantie_programme (programme_id, reservataire_id, quotite) VALUES (1450, 1451, '60%'), (1450, 1452, '40%');

SELECT lives_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	SELECT 14500 + i, 1451, 'garantie_emprunt', '2040-01-01', 1450 FROM generate_series(1, 3) i$$,
	'Ornex: 3 units of 25 for its 60 % of the guarantee (25 x 20 % x 60 % = 3)');
SELECT throws_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	VALUES (14504, 1451, 'garantie_emprunt', '2040-01-01', 1450)$$, '23514',
	'réservataire 1451 (Commune d''Ornex (garanties)) would hold 4 unit(s) of programme 1450 (Les Jardins) for a loan guarantee, more than its 3 of 25 unit(s)',
	'Ornex: a 4th unit is refused, naming the operation and the figures');
SELECT is(pg_temp.detail_de($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	VALUES (14504, 1451, 'garantie_emprunt', '2040-01-01', 1450)$$),
	'At most 20 % of the operation''s 25 unit(s), shared pro rata of the guarantees: 25 x 20 % x 60% = 3, rounded down to 3.',
	'the refusal''s detail shows the computation');
SELECT ok(pg_temp.hint_de($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	VALUES (14504, 1451, 'garantie_emprunt', '2040-01-01', 1450)$$) LIKE 'Reserve fewer units%', 'the refusal has a hint');

-- the Ain: 2 units; 3 in one statement are refused as a whole (per statement)
SELECT throws_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	SELECT 14503 + i, 1452, 'garantie_emprunt', '2040-01-01', 1450 FROM generate_series(1, 3) i$$, '23514',
	'réservataire 1452 (Département de l''Ain (garanties)) would hold 3 unit(s) of programme 1450 (Les Jardins) for a loan guarantee, more than its 2 of 25 unit(s)',
	'the Ain: 3 units in one statement, more than its 2 (25 x 20 % x 40 %)');
SELECT is((SELECT count(*) FROM reservation WHERE reservataire_id = 1452), 0::bigint, 'the refused statement left nothing');
SELECT lives_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	SELECT 14503 + i, 1452, 'garantie_emprunt', '2040-01-01', 1450 FROM generate_series(1, 2) i$$,
	'the Ain: 2 units');
SELECT is((SELECT count(*) FROM reservation WHERE programme_id = 1450 AND fondement = 'garantie_emprunt'), 5::bigint,
	'the operation: 5 units for guarantees, its 20 %');

-- other grounds are not capped by the guarantee rule
SELECT lives_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_fin, programme_id)
	SELECT 14505 + i, 1451, 'apport_foncier', '2040-01-01', 1450 FROM generate_series(1, 3) i$$,
	'Ornex: 3 more units for its land, not under the guarantee cap');
-- not tied to the operation: not under its cap
SELECT lives_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement)
	VALUES (14509, 1451, 'garantie_emprunt', '2040-01-01')$$, 'a guarantee reservation with no operation named');

-- an update that would exceed the cap
SELECT throws_ok($$UPDATE reservation SET programme_id = 1450 WHERE logement_id = 14509$$, '23514',
	'réservataire 1451 (Commune d''Ornex (garanties)) would hold 4 unit(s) of programme 1450 (Les Jardins) for a loan guarantee, more than its 3 of 25 unit(s)',
	'an update tying one more guarantee unit to the operation is refused');
SELECT throws_ok($$UPDATE reservation SET fondement = 'garantie_emprunt', date_fin = NULL, date_remboursement = '2040-01-01' WHERE logement_id = 14506$$, '23514',
	'réservataire 1451 (Commune d''Ornex (garanties)) would hold 4 unit(s) of programme 1450 (Les Jardins) for a loan guarantee, more than its 3 of 25 unit(s)',
	'an update turning a land reservation into a guarantee is refused');

-- the unit must be one of the operation's
SELECT throws_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	VALUES (14527, 1452, 'garantie_emprunt', '2040-01-01', 1450)$$, '23514',
	'logement 14527 is not a unit of programme 1450, which its stock reservation names',
	'a unit outside the operation');
SELECT ok(pg_temp.hint_de($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	VALUES (14527, 1452, 'garantie_emprunt', '2040-01-01', 1450)$$) <> '', 'a unit outside the operation: with a hint');

-- a guarantor without a recorded share
SELECT throws_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	VALUES (14510, 1453, 'garantie_emprunt', '2040-01-01', 1450)$$, '23514',
	'réservataire 1453 (Pays de Gex Agglo (garanties)) holds 1 unit(s) of programme 1450 (Les Jardins) for a loan guarantee, but its share of the guarantee is not recorded',
	'a guarantor with no share recorded');
SELECT ok(pg_temp.hint_de($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	VALUES (14510, 1453, 'garantie_emprunt', '2040-01-01', 1450)$$) LIKE '%flux.garantie_programme%', 'with a hint naming where to record it');

-- the shares: at most 100 % in all; lowering one below what is reserved
SELECT throws_ok($$INSERT INTO garantie_programme VALUES (1450, 1453, '10%')$$, '23514',
	'the guarantors'' shares of programme 1450 (Les Jardins) add up to 110%, more than 100%',
	'the shares add up to 110 %');
SELECT throws_ok($$UPDATE garantie_programme SET quotite = '40%' WHERE reservataire_id = 1451$$, '23514',
	'réservataire 1451 (Commune d''Ornex (garanties)) would hold 3 unit(s) of programme 1450 (Les Jardins) for a loan guarantee, more than its 2 of 25 unit(s)',
	'Ornex''s share lowered to 40 %: its 3 units exceed 25 x 20 % x 40 % = 2');
SELECT throws_ok($$DELETE FROM garantie_programme WHERE reservataire_id = 1452$$, '23514', NULL,
	'the Ain''s share removed while it holds guarantee units');
SELECT throws_ok($$INSERT INTO garantie_programme VALUES (1450, 1453, '0%')$$, '23514', NULL, 'a share of 0 %');

-- floors: 3 guarantors at 1/3 of a 25-unit operation: 25 x 20 % x 33.33 % = 1.67 -> 1 each
DELETE FROM reservation WHERE programme_id = 1450 OR logement_id = 14509;
UPDATE garantie_programme SET quotite = '33.33%' WHERE reservataire_id = 1452;
UPDATE garantie_programme SET quotite = '33.33%' WHERE reservataire_id = 1451;
INSERT INTO garantie_programme VALUES (1450, 1453, '33.33%');
SELECT lives_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	VALUES (14501, 1453, 'garantie_emprunt', '2040-01-01', 1450)$$, 'a third of the guarantee: 1 unit');
SELECT throws_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	VALUES (14502, 1453, 'garantie_emprunt', '2040-01-01', 1450)$$, '23514',
	'réservataire 1453 (Pays de Gex Agglo (garanties)) would hold 2 unit(s) of programme 1450 (Les Jardins) for a loan guarantee, more than its 1 of 25 unit(s)',
	'a third of the guarantee: not 2 units (1.67 rounded down)');

-- a converted reservation no longer counts
UPDATE reservation SET date_conversion = '2024-01-01' WHERE logement_id = 14501;
SELECT lives_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement, programme_id)
	VALUES (14502, 1453, 'garantie_emprunt', '2040-01-01', 1450)$$, 'a converted reservation frees its place');

-- the triggers: per statement on reservations, per row on the shares
SELECT is((SELECT array_agg(tgname::text || ':' || CASE WHEN tgtype & 1 = 1 THEN 'row' ELSE 'statement' END ORDER BY tgname)
			 FROM pg_trigger WHERE tgrelid = 'flux.reservation'::regclass AND tgname LIKE 'reservation_verifier_garanties%'),
	ARRAY['reservation_verifier_garanties_insertion:statement', 'reservation_verifier_garanties_modification:statement'],
	'the cap is checked once per statement, with the transition table');
SELECT has_table('flux', 'garantie_programme', 'flux.garantie_programme exists');
SELECT col_is_null('flux', 'reservation', 'programme_id', 'reservation.programme_id is nullable');
SELECT is((SELECT attname::text FROM pg_attribute WHERE attrelid = 'flux.reservation'::regclass AND attnum > 0 AND NOT attisdropped
			ORDER BY attnum DESC LIMIT 1), 'programme_id', 'reservation.programme_id is its last column');

SELECT * FROM finish();
ROLLBACK;

--
-- No silent zeros (issue 14 item 9): the functions outside the assiette,
-- the forecast, the shares and the conversion that take a year, a
-- bailleur, a département, an EPCI or a réservataire refuse a NULL
-- (22004), a code of the wrong
-- form such as '1' (22023) and an unknown id or EPCI (P0002).
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(41);

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9901, '900009901', 'Bailleur arguments', 'esh');
INSERT INTO reservataire (id, nom, categorie) VALUES (9902, 'Etat arguments', 'etat');
INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv)
VALUES (9901, 'ARG-1', '74218', false, 'C', 3, 13, true);

-- charger_rpls
SELECT throws_ok($$SELECT * FROM charger_rpls(NULL, 2025)$$, '22004', 'bailleur is NULL', 'charger_rpls: NULL bailleur');
SELECT throws_ok($$SELECT * FROM charger_rpls(999999, 2025)$$, 'P0002', 'bailleur 999999 does not exist', 'charger_rpls: unknown bailleur');
SELECT throws_ok($$SELECT * FROM charger_rpls(9901, NULL)$$, '22004', 'year is NULL', 'charger_rpls: NULL year');
SELECT throws_ok($$SELECT * FROM charger_rpls(9901, 1890)$$, '22023', 'year 1890 is out of range', 'charger_rpls: a year out of range');

-- rapport_reservataire_parts (0.11.0; the other sections check alike: test/exports.sql)
SELECT throws_ok($$SELECT * FROM rapport_reservataire_parts(NULL, 2025)$$, '22004', 'réservataire is NULL', 'rapport_reservataire: NULL');
SELECT throws_ok($$SELECT * FROM rapport_reservataire_parts(999999, 2025)$$, 'P0002', 'réservataire 999999 does not exist', 'rapport_reservataire: unknown');
SELECT throws_ok($$SELECT * FROM rapport_reservataire_parts(9902, NULL)$$, '22004', 'year is NULL', 'rapport_reservataire: NULL year');
-- a year without data is an error too (issue 15 item 11): 9902 has no
-- convention in force in 2025; once it has one, its bilan is a report
SELECT throws_ok($$SELECT * FROM rapport_reservataire_parts(9902, 2025)$$, 'P0002', 'réservataire 9902 has no convention in force in 2025',
	'rapport_reservataire: a year without a convention in force');
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (9901, 9902, '74', '30%', '2024-01-01');
SELECT lives_ok($$SELECT * FROM rapport_reservataire_parts(9902, 2025)$$, 'rapport_reservataire: a known réservataire with a convention in force');

-- rapport_epci_communes (0.11.0)
SELECT throws_ok($$SELECT * FROM rapport_epci_communes(NULL, 2025)$$, '22004', 'EPCI is NULL', 'rapport_epci: NULL');
SELECT throws_ok($$SELECT * FROM rapport_epci_communes('1', 2025)$$, '22023', '"1" is not an EPCI SIREN', 'rapport_epci: ''1''');
SELECT throws_ok($$SELECT * FROM rapport_epci_communes('999999999', 2025)$$, 'P0002', 'EPCI 999999999 is not known to flux', 'rapport_epci: unknown');
SELECT throws_ok($$SELECT * FROM rapport_epci_communes('200067551', 1999)$$, '22023', 'year 1999 is out of range', 'rapport_epci: a year out of range');
-- no orientation of 2025 on its communes (sql/bilan.sql has the report of a year with some)
SELECT throws_ok($$SELECT * FROM rapport_epci_communes('200067551', 2025)$$, 'P0002', 'no orientation on the territory of EPCI 200067551 in 2025',
	'rapport_epci: a year without an orientation on its territory');

-- rapport_html
SELECT throws_ok($$SELECT rapport_html(NULL, '74', 2025)$$, '22004', 'bailleur is NULL', 'rapport_html: NULL bailleur');
SELECT throws_ok($$SELECT rapport_html(999999, '74', 2025)$$, 'P0002', 'bailleur 999999 does not exist', 'rapport_html: unknown bailleur');
SELECT throws_ok($$SELECT rapport_html(9901, '1', 2025)$$, '22023', '"1" is not a département code', 'rapport_html: ''1''');
SELECT throws_ok($$SELECT rapport_html(9901, NULL, 2025)$$, '22004', 'département is NULL', 'rapport_html: NULL département');
SELECT throws_ok($$SELECT rapport_html(9901, '74', NULL)$$, '22004', 'year is NULL', 'rapport_html: NULL year');
SELECT throws_ok($$SELECT rapport_html(9901, '74', 2025)$$, 'P0002', 'bailleur 9901 has no orientation and no yearly parameters in département 74 for 2025',
	'rapport_html: a year without data');
INSERT INTO parametre_annuel (bailleur_id, departement, annee) VALUES (9901, '74', 2025);
SELECT lives_ok($$SELECT rapport_html(9901, '74', 2025)$$, 'rapport_html: a year with its parameters');

-- simuler
SELECT throws_ok($$SELECT * FROM simuler(NULL, '74', 2025)$$, '22004', 'bailleur is NULL', 'simuler: NULL bailleur');
SELECT throws_ok($$SELECT * FROM simuler(999999, '74', 2025)$$, 'P0002', 'bailleur 999999 does not exist', 'simuler: unknown bailleur');
SELECT throws_ok($$SELECT * FROM simuler(9901, '1', 2025)$$, '22023', '"1" is not a département code', 'simuler: ''1''');
SELECT throws_ok($$SELECT * FROM simuler(9901, '74', NULL)$$, '22004', 'year is NULL', 'simuler: NULL year');

-- decompte, decompte_hors_flux
SELECT throws_ok($$SELECT * FROM decompte(NULL, '74', 2025)$$, '22004', 'bailleur is NULL', 'decompte: NULL bailleur');
SELECT throws_ok($$SELECT * FROM decompte(999999, '74', 2025)$$, 'P0002', 'bailleur 999999 does not exist', 'decompte: unknown bailleur');
SELECT throws_ok($$SELECT * FROM decompte(9901, '1', 2025)$$, '22023', '"1" is not a département code', 'decompte: ''1''');
SELECT throws_ok($$SELECT * FROM decompte(9901, '74', NULL)$$, '22004', 'year is NULL', 'decompte: NULL year');
SELECT throws_ok($$SELECT * FROM decompte_hors_flux(NULL, '74', 2025)$$, '22004', 'bailleur is NULL', 'decompte_hors_flux: NULL bailleur');
SELECT throws_ok($$SELECT * FROM decompte_hors_flux(999999, '74', 2025)$$, 'P0002', 'bailleur 999999 does not exist', 'decompte_hors_flux: unknown bailleur');
SELECT throws_ok($$SELECT * FROM decompte_hors_flux(9901, '1', 2025)$$, '22023', '"1" is not a département code', 'decompte_hors_flux: ''1''');
SELECT throws_ok($$SELECT * FROM decompte_hors_flux(9901, '74', NULL)$$, '22004', 'year is NULL', 'decompte_hors_flux: NULL year');
SELECT is((SELECT count(*) FROM decompte_hors_flux(9901, '74', 2025)), 0::bigint, 'decompte_hors_flux: a known bailleur with nothing hors flux: no row, no error');

-- zone_de, jours_feries
SELECT throws_ok($$SELECT zone_de(NULL)$$, '22004', 'département is NULL', 'zone_de: NULL');
SELECT throws_ok($$SELECT zone_de('1')$$, '22023', '"1" is not a département code', 'zone_de(''1'') no longer gives metropole');
SELECT throws_ok($$SELECT zone_de('20')$$, '22023', '"20" is not a département code', 'zone_de(''20''): Corsica is 2A and 2B');
SELECT is(ARRAY[zone_de('01'), zone_de('57'), zone_de('974'), zone_de('975')], '{metropole,alsace-moselle,reunion,metropole}'::text[],
		  'zone_de of real départements, as the orientation trigger''s ZoneDeDepartement');
SELECT throws_ok($$SELECT * FROM jours_feries(NULL)$$, '22004', 'year is NULL', 'jours_feries: NULL year (0.9.0: no row)');
SELECT throws_ok($$SELECT * FROM jours_feries(2025, NULL)$$, '22004', 'holiday zone is NULL', 'jours_feries: NULL zone');
SELECT is((SELECT count(*) FROM jours_feries(2025)), 11::bigint, 'jours_feries(2025): 11 holidays in metropole');

SELECT * FROM finish();
ROLLBACK;

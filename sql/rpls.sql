--
-- rpls: loading a bailleur's stock from its RPLS file
--
SET search_path = flux, public;
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

INSERT INTO bailleur (id, siren, nom, famille) VALUES (10, '552046410', 'Bailleur RPLS', 'esh');

-- fails: nothing staged yet
SELECT * FROM charger_rpls(10, 2025);

-- 11 lines after the header: 5 good, 6 bad in every way
\copy flux.rpls_ligne (texte) FROM 'test/data/rpls_petit.csv' WITH (FORMAT csv, DELIMITER E'\x1f', QUOTE E'\x1e')
SELECT * FROM charger_rpls(10, 2025);
SELECT ligne, ident_int, raisons FROM rpls_rejet WHERE bailleur_id = 10 ORDER BY ligne;
SELECT ident_rep, ident_int, depcom, departement, epci, qpv, typeconst, nbpiece, surfhab, construct, locat,
       patrimoine, origine, finan, cus, conv, sortiepatrim, date_sortie, mode, loyerprinc, contreslog, adresse
  FROM logement WHERE bailleur_id = 10 ORDER BY ident_int;
-- the staged lines are consumed
SELECT count(*) AS staged FROM rpls_ligne;

-- a reload of the same file changes nothing
\copy flux.rpls_ligne (texte) FROM 'test/data/rpls_petit.csv' WITH (FORMAT csv, DELIMITER E'\x1f', QUOTE E'\x1e')
SELECT * FROM charger_rpls(10, 2025);

-- next year's file, columns in another order, lower case: one unit changed,
-- one new, flux-specific columns kept
UPDATE logement SET exclusion = 'vente' WHERE bailleur_id = 10 AND ident_int = 'ORN-002';
INSERT INTO rpls_ligne (texte) VALUES
	('ident_int;depcom;qpv;typeconst;nbpiece;finan;conv;ident_rep;loyerprinc'),
	('ORN-001;01281;2;C;3;13;1;0199000001;420,10'),
	('ORN-002;01281;2;C;4;13;1;0199000002;488'),
	('ORN-020;01281;1;C;2;13;1;0199000020;350');
SELECT * FROM charger_rpls(10, 2026, lot_taille => 2);
SELECT ident_int, loyerprinc, exclusion, surfhab FROM logement
 WHERE bailleur_id = 10 AND ident_int IN ('ORN-001', 'ORN-002', 'ORN-020') ORDER BY 1;

-- fails: a header without the required columns
INSERT INTO rpls_ligne (texte) VALUES ('IDENT_INT;DEPCOM;NBPIECE'), ('X;01281;3');
SELECT * FROM charger_rpls(10, 2026);
DELETE FROM rpls_ligne;
-- fails: unknown bailleur
SELECT * FROM charger_rpls(999, 2026);
-- fails: a bad batch size
SELECT * FROM charger_rpls(10, 2026, 0);
-- fails: a bad year
SELECT * FROM charger_rpls(10, 1890);

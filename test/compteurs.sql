-- compteurs: the counters of the orientation engine (flux.compteur_orientation)
-- kept statement by statement equal what flux.recompter rebuilds from the
-- orientations, after every kind of change of state, one row or many at
-- once (0.14.0: an UPDATE's counts are read from its transition tables,
-- the rows that no longer count by their old columns, and written by
-- flux.compteur_ecrire in the order of the key)
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(10);

-- rows of the counters that differ from a rebuild (the rebuild stays)
CREATE FUNCTION pg_temp.ecart() RETURNS bigint
	LANGUAGE plpgsql
AS $$
DECLARE
	n bigint;
BEGIN
	CREATE TEMP TABLE IF NOT EXISTS k_avant AS SELECT * FROM flux.compteur_orientation WITH NO DATA;
	DELETE FROM k_avant;
	INSERT INTO k_avant SELECT * FROM flux.compteur_orientation;
	PERFORM flux.recompter();
	SELECT count(*) INTO n
	  FROM ((SELECT * FROM k_avant EXCEPT ALL SELECT * FROM flux.compteur_orientation)
			UNION ALL (SELECT * FROM flux.compteur_orientation EXCEPT ALL SELECT * FROM k_avant)) d;
	RETURN n;
END
$$;

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551'), ('74010', 'Annemasse', '200011773') ON CONFLICT DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9601, '960100001', 'B', 'esh');
INSERT INTO reservataire (id, nom, categorie) VALUES (9601, 'Etat', 'etat'), (9602, 'AL', 'action_logement'), (9603, 'Employeur', 'employeur');
-- a refusal counts against the quota of 9602, not of 9601; 9603 refuses by silence
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet, refus_compte_quota, silence_vaut_acceptation) VALUES
	(9601, 9601, 9601, '74', '30%', '2024-01-01', false, true),
	(9602, 9601, 9602, '74', '10%', '2024-01-01', true, true),
	(9603, 9601, 9603, '74', '5%', '2024-01-01', false, false);
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat, construct)
SELECT 96000 + i, 9601, 'C' || i, CASE WHEN i % 2 = 0 THEN '74218' ELSE '74010' END, i % 3 = 0, 'C', 1 + i % 6, 10 + i % 5, true, 2000,
	   CASE WHEN i % 4 = 0 THEN NULL ELSE 1940 + i END
  FROM generate_series(1, 120) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible)
SELECT 96000 + i, 96000 + i, '2024-12-02', '2025-01-15' FROM generate_series(1, 120) i;

-- 120 orientations in one statement, over two years: the conventions and
-- hors flux (non_reserve counts against the bailleur's own share, the
-- others nowhere)
INSERT INTO orientation (id, vacance_id, convention_id, hors_flux, date_orientation)
SELECT 960000 + i, 96000 + i,
	   CASE WHEN i % 6 < 5 THEN 9601 + i % 3 END,
	   CASE WHEN i % 6 = 5 THEN (CASE WHEN i % 12 = 5 THEN 'non_reserve' ELSE 'mutation' END)::motif_hors_flux END,
	   CASE WHEN i <= 60 THEN date '2024-12-16' ELSE date '2025-09-01' END + (i % 3)
  FROM generate_series(1, 120) i;
SELECT is(pg_temp.ecart(), 0::bigint, 'after a bulk INSERT of 120 orientations: the counters are their rebuild');
SELECT ok((SELECT count(*) FROM compteur_orientation WHERE bailleur_id = 9601) > 24, 'and there are counters to compare');

UPDATE orientation SET etat = 'refusee', date_reponse = date_orientation, motif = 'refus'
 WHERE id BETWEEN 960001 AND 960120 AND etat = 'proposee' AND id % 5 = 0;
SELECT is(pg_temp.ecart(), 0::bigint, 'after refusals of several conventions at once (some counting against the quota, some not)');

UPDATE orientation SET etat = 'acceptee', date_reponse = date_orientation WHERE id = 960001;
SELECT is(pg_temp.ecart(), 0::bigint, 'after one acceptance (no count changes)');

UPDATE orientation SET etat = 'refusee', date_reponse = date_orientation, motif = 'refus' WHERE id = 960002 AND etat = 'proposee';
SELECT is(pg_temp.ecart(), 0::bigint, 'after one refusal');

SELECT ok((SELECT count(*) FROM appliquer_echeances('2025-12-31')) > 20, 'the sweep answers the rest (accepted by silence, or expired)');
SELECT is(pg_temp.ecart(), 0::bigint, 'after the sweep (accepted and expired in one statement, and the designations returned)');

UPDATE orientation SET etat = 'annulee', motif = 'fin'
 WHERE id BETWEEN 960001 AND 960120 AND etat IN ('acceptee', 'proposee') AND id % 3 = 0;
SELECT is(pg_temp.ecart(), 0::bigint, 'after cancellations, hors flux included');

UPDATE orientation SET etat = 'annulee', motif = 'fin'
 WHERE id BETWEEN 960001 AND 960120 AND etat IN ('acceptee', 'proposee');
SELECT is(pg_temp.ecart(), 0::bigint, 'after every running orientation cancelled');
SELECT is((SELECT count(*) FROM compteur_orientation WHERE bailleur_id = 9601 AND n = 0), 0::bigint,
	'no counter is left at zero');

SELECT * FROM finish();
ROLLBACK;

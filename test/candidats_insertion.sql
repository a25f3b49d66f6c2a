-- candidats_insertion: the designation of candidates set-based (issue 17
-- item 1).  One INSERT of several candidates gives what one INSERT each
-- gives (history in that order, the n-th new candidate counted after those
-- before it, the first row at fault reported and nothing written), and the
-- checks read flux.candidature and flux.orientation by their indexes
-- whatever the tables held when the session first planned them (until
-- 0.10.0 the check re-read the orientation's candidates through a plan
-- cached on an empty table: a sequential scan at every row).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SET datestyle = 'ISO, YMD';
SELECT plan(24);

\ir erreurs_aide.psql

-- convention 1: 3 candidates, a DALO household alone (the defaults);
-- orientations 11 to 19 accepted on 2 September 2025 (designation deadline
-- far after the 5th), 20 still proposed, 21 outside the flux (accepted)
INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (1, '552046401', 'B', 'esh');
INSERT INTO reservataire (id, nom, categorie) VALUES (1, 'Etat', 'etat');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (1, 1, 1, '74', '30%', '2024-01-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT i, 1, 'L' || i, '74218', false, 'C', 3, 13, true, 2000 FROM generate_series(11, 21) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible)
SELECT i, i, '2025-01-02', '2025-02-01' FROM generate_series(11, 21) i;
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation)
SELECT i, i, 1, '2025-09-01' FROM generate_series(11, 20) i;
INSERT INTO orientation (id, vacance_id, hors_flux, date_orientation) VALUES (21, 21, 'urgence', '2025-09-01');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-09-02' WHERE id BETWEEN 11 AND 19;
SELECT setval('flux.candidature_id_seq', 100);

-- the session's first INSERT of candidates, flux.candidature empty: its
-- plans are made now
INSERT INTO candidature (orientation_id, nud, rang, date_designation)
VALUES (11, '074092500111', 1, '2025-09-05'), (11, '074092500112', 2, '2025-09-05'), (11, '074092500113', 3, '2025-09-05');

SELECT is((SELECT etat::text FROM orientation WHERE id = 11), 'candidats_designes',
	'three candidates in one INSERT: the orientation is candidats_designes');
SELECT is((SELECT array_agg(coalesce(candidature_id::text, '-') || ' ' || vers ORDER BY id) FROM orientation_historique WHERE orientation_id = 11),
	'{"- proposee","- acceptee","101 candidat_designe","- candidats_designes","102 candidat_designe","103 candidat_designe"}'::text[],
	'their history in the order of one INSERT each: the first candidate, the step, the others');
SELECT is((SELECT array_agg(motif ORDER BY id) FROM orientation_historique WHERE orientation_id = 11 AND candidature_id IS NOT NULL),
	'{"rang 1, désigné par le réservataire","rang 2, désigné par le réservataire","rang 3, désigné par le réservataire"}'::text[],
	'each candidate''s history row names its rank and designer');

-- four at once: the fourth is refused, and the three before it with it
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation)
	SELECT 12, '0740925001' || (20 + i), i, '2025-09-05' FROM generate_series(1, 4) i$$,
	'23514', 'orientation 12 would have 4 candidates; convention 1 allows 3', 'four candidates in one INSERT: the fourth is refused');
SELECT is((SELECT count(*) FROM candidature WHERE orientation_id = 12), 0::bigint, 'and none of the four is written');

-- two before, two more at once: the second new one is the fourth
INSERT INTO candidature (orientation_id, nud, rang, date_designation)
VALUES (13, '074092500131', 1, '2025-09-05'), (13, '074092500132', 2, '2025-09-05');
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation)
	VALUES (13, '074092500133', 3, '2025-09-06'), (13, '074092500134', 4, '2025-09-06')$$,
	'23514', 'orientation 13 would have 4 candidates; convention 1 allows 3', 'two candidates, then two in one INSERT: counted after those before');

-- a household, then a DALO household in the same INSERT: the DALO one is
-- the one refused (it makes the maximum 1 with one before it)
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation, dalo, critere_priorite)
	VALUES (14, '074092500141', 1, '2025-09-05', false, NULL), (14, '074092500142', 2, '2025-09-05', true, 'DALO')$$,
	'23514', 'orientation 14 would have 2 candidates; convention 1 allows 1', 'a household then a DALO household in one INSERT');
SELECT is(pg_temp.detail_de($$INSERT INTO candidature (orientation_id, nud, rang, date_designation, dalo, critere_priorite)
	VALUES (14, '074092500141', 1, '2025-09-05', false, NULL), (14, '074092500142', 2, '2025-09-05', true, 'DALO')$$),
	'A DALO household is proposed as a single candidate (candidats_max_dalo).', 'its detail names the DALO rule');
-- the DALO household alone, in the same INSERT as a candidate elsewhere
INSERT INTO candidature (orientation_id, nud, rang, date_designation, dalo, critere_priorite)
VALUES (14, '074092500143', 1, '2025-09-05', true, 'DALO'), (15, '074092500151', 1, '2025-09-05', false, NULL);
SELECT is((SELECT array_agg(etat::text ORDER BY id) FROM orientation WHERE id IN (14, 15)), '{candidats_designes,candidats_designes}'::text[],
	'one INSERT on two orientations: both move');

-- the first row at fault by id: orientation 20 is only proposed
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation)
	VALUES (16, '074092500161', 1, '2025-09-05'), (20, '074092500201', 1, '2025-09-05')$$,
	'55000', 'orientation 20 is proposee: candidates are designated on an accepted orientation, before the CALEOL',
	'a valid row and one on a proposed orientation: the whole INSERT refused');
SELECT is((SELECT count(*) FROM candidature WHERE orientation_id = 16), 0::bigint, 'the valid row is not written either');
-- outside the flux, the bailleur designates
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation)
	VALUES (21, '074092500211', 1, '2025-09-05')$$,
	'23514', 'orientation 21 is outside the flux (urgence): the bailleur designates', 'outside the flux, a réservataire''s candidate');
-- a row carrying more than a designation, among valid ones
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation, date_caleol, decision_caleol)
	VALUES (16, '074092500162', 1, '2025-09-05', NULL, NULL), (16, '074092500163', 2, '2025-09-05', '2025-09-10', 'attribution')$$,
	'55000', 'a new candidate is only designated: no CALEOL decision, proposal, answer or lease yet', 'a row with a CALEOL decision');

-- the plans: PL/pgSQL keeps each query's plan for the session, so a plan
-- made while flux.candidature was empty (a sequential scan) would read the
-- whole table at every INSERT once it is large.  The statement trigger
-- plans without sequential scans, hash or merge joins: every access is a
-- lookup by index, whatever the tables held (bench/workflow/candidats.sh
-- shows the cost flat from 1 000 to 40 000 candidates)
SELECT ok((SELECT pg_get_functiondef(oid) ~ 'set_config\(''enable_seqscan'', ''off'', true\), set_config\(''enable_hashjoin'', ''off'', true\)'
			FROM pg_proc WHERE oid = 'flux.candidature_apres_insertion()'::regprocedure),
	'the statement trigger plans its lock and checks by index only');
SELECT is(current_setting('enable_seqscan') || current_setting('enable_hashjoin') || current_setting('enable_mergejoin'), 'ononon',
	'and gives the session its settings back (the orientation''s triggers keep their hash joins)');
SELECT is((SELECT array_agg(t.tgname || ' ' || CASE WHEN t.tgtype & 1 = 1 THEN 'row' ELSE 'statement' END
								 || CASE WHEN t.tgqual IS NOT NULL THEN ' when' ELSE '' END ORDER BY t.tgname)
			 FROM pg_trigger t WHERE t.tgrelid = 'flux.candidature'::regclass AND NOT t.tgisinternal
			   AND t.tgtype & 4 = 4 AND t.tgname LIKE 'candidature%'),
	'{"candidature_apres_insertion statement when","candidature_avant_insertion row when"}'::text[],
	'on INSERT: a row trigger fired only when needed, and the statement trigger (but for a restore''s COPY)');
-- row by row, in one session: 297 candidates, one INSERT each
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 1000 + i, 1, 'M' || i, '74218', false, 'C', 3, 13, true, 2000 FROM generate_series(1, 99) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible)
SELECT 1000 + i, 1000 + i, '2025-01-02', '2025-02-01' FROM generate_series(1, 99) i;
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation)
SELECT 1000 + i, 1000 + i, 1, '2025-09-01' FROM generate_series(1, 99) i;
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-09-02' WHERE id > 1000;
DO $$
BEGIN
	FOR i IN 0..296 LOOP
		INSERT INTO flux.candidature (orientation_id, nud, rang, date_designation)
		VALUES (1000 + i / 3 + 1, '0740925' || lpad(i::text, 5, '0'), i % 3 + 1, '2025-09-05');
	END LOOP;
END
$$;
SELECT is((SELECT count(*) FROM orientation WHERE id > 1000 AND etat = 'candidats_designes'), 99::bigint,
	'297 INSERTs of one: 99 orientations with their candidates');
SELECT is((SELECT count(*) FILTER (WHERE vers = 'candidat_designe') || ' ' || count(*) FILTER (WHERE vers = 'candidats_designes')
			 FROM orientation_historique WHERE orientation_id > 1000), '297 99',
	'one history row per candidate, one step per orientation');

SELECT * FROM finish();
ROLLBACK;

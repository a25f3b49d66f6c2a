--
-- bench/workflow/audit.sql: the cost of the audit on a bulk UPDATE of
-- 10 000 orientations (docs/performance.md, "The audit").  The same UPDATE
-- (a column toggled, so that every row changes) with the audit trigger
-- audit_modification enabled and disabled, interleaved, 5 runs each; prints
-- the medians and the ratio.  Run as a superuser in a scratch database
-- with flux (everything is rolled back):
--   psql -X -d scratch -f bench/workflow/audit.sql
--
\set ON_ERROR_STOP on
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flux;
INSERT INTO flux.commune (depcom, nom, epci) VALUES ('74961', 'Banc', '200000161');
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (9600000, '900960000', 'Banc d''essai', 'oph');
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, construct, locat)
SELECT 960000000 + i, 9600000, 'B' || i, '74961', false, 'C', 3, 13, true, 1990, 1991 FROM generate_series(1, 10000) i;
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible)
SELECT 960000000 + i, 960000000 + i, '2025-01-02', '2025-02-01' FROM generate_series(1, 10000) i;
INSERT INTO flux.orientation (id, vacance_id, hors_flux, date_orientation)
SELECT 960000000 + i, 960000000 + i, 'non_reserve', '2025-03-03' FROM generate_series(1, 10000) i;
ANALYZE flux.orientation;

CREATE TEMP TABLE mesure (run int, audit boolean, ms numeric);
DO $$
DECLARE
	t timestamptz;
	a boolean;
BEGIN
	FOR run IN 1..5 LOOP
		FOREACH a IN ARRAY CASE WHEN run % 2 = 1 THEN ARRAY[true, false] ELSE ARRAY[false, true] END LOOP
			IF a THEN
				ALTER TABLE flux.orientation ENABLE TRIGGER audit_modification;
			ELSE
				ALTER TABLE flux.orientation DISABLE TRIGGER audit_modification;
			END IF;
			t := clock_timestamp();
			UPDATE flux.orientation SET bailleur_compte_pour_reservataire = NOT bailleur_compte_pour_reservataire
			 WHERE id BETWEEN 960000001 AND 960010000;
			INSERT INTO mesure VALUES (run, a, extract(epoch FROM clock_timestamp() - t) * 1000);
		END LOOP;
	END LOOP;
	ALTER TABLE flux.orientation ENABLE TRIGGER audit_modification;
END $$;
SELECT count(*) AS lignes_d_audit FROM flux.audit WHERE relation = 'orientation' AND operation = 'UPDATE' AND cle::bigint > 960000000;
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE audit)::numeric, 0) AS avec_audit_ms,
	   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE NOT audit)::numeric, 0) AS sans_audit_ms,
	   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE audit)
			  / percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE NOT audit))::numeric, 2) AS ratio
  FROM mesure;
ROLLBACK;

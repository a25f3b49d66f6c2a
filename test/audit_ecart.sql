-- audit_ecart: the C comparison of flux.auditer (0.12.0, src/audit.c)
-- gives what 0.11.0's SQL gave (jsonb_object_keys and three aggregates,
-- copied below as the reference), on the rows of real UPDATEs of
-- orientations and candidates (personal columns among them), on a row whose
-- key changed (one side NULL), on keys missing on one side and on nested
-- values; and refuses bad lists and non-objects with a user error.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(9);

-- 0.11.0's SQL, as it was in flux.auditer
CREATE FUNCTION pg_temp.ecart_sql(a jsonb, n jsonb, v_perso text[],
								  OUT avant jsonb, OUT apres jsonb, OUT perso text[])
	LANGUAGE sql IMMUTABLE
AS $$
	SELECT jsonb_object_agg(k.c, a -> k.c) FILTER (WHERE a IS NOT NULL AND k.c <> ALL (v_perso)),
		   jsonb_object_agg(k.c, n -> k.c) FILTER (WHERE n IS NOT NULL AND k.c <> ALL (v_perso)),
		   array_agg(k.c ORDER BY k.c) FILTER (WHERE k.c = ANY (v_perso))
	  FROM jsonb_object_keys(coalesce(n, a)) k(c)
	 WHERE (n -> k.c) IS DISTINCT FROM (a -> k.c) AND k.c <> 'modifie_le'
$$;

-- pairs of old and new rows: orientations whose state, motif and dates
-- changed, candidates whose personal columns changed or not
CREATE TEMP TABLE paires (a jsonb, n jsonb, perso text[]);
INSERT INTO paires
SELECT jsonb_build_object('id', i, 'etat', 'proposee', 'motif', NULL, 'date_reponse', NULL,
						  'modifie_le', '2025-01-01', 'zone', 'metropole', 'prolongation_jo', 0),
	   jsonb_build_object('id', i, 'etat', CASE WHEN i % 3 = 0 THEN 'proposee' ELSE 'acceptee' END,
						  'motif', CASE WHEN i % 2 = 0 THEN 'pas de réponse' END,
						  'date_reponse', CASE WHEN i % 5 = 0 THEN '2025-03-03' END,
						  'modifie_le', '2025-02-02', 'zone', 'metropole', 'prolongation_jo', i % 4),
	   '{motif}'
  FROM generate_series(1, 200) i;
INSERT INTO paires
SELECT jsonb_build_object('id', i, 'nud', '074' || i, 'ressources', 1000 + i, 'rang', 1, 'decision_caleol', NULL,
						  'personnes', jsonb_build_array(1, 2), 'modifie_le', '2025-01-01'),
	   jsonb_build_object('id', i, 'nud', CASE WHEN i % 2 = 0 THEN '074' || i ELSE 'pseudo' || i END,
						  'ressources', CASE WHEN i % 3 = 0 THEN 1000 + i END, 'rang', 1 + i % 2,
						  'decision_caleol', CASE WHEN i % 4 = 0 THEN 'attribution' END,
						  'personnes', CASE WHEN i % 5 = 0 THEN jsonb_build_array(1, 2, 3) ELSE jsonb_build_array(1, 2) END,
						  'modifie_le', '2025-01-01'),
	   '{nud,critere_priorite,personnes,ressources,aide_logement,motif_caleol,motif_refus,justificatif_refus}'
  FROM generate_series(1, 200) i;
-- a row whose key changed: each side alone; a key on one side only
INSERT INTO paires VALUES
	(NULL, '{"id": 1, "etat": "acceptee", "motif": "x"}', '{motif}'),
	('{"id": 2, "etat": "acceptee", "motif": "x"}', NULL, '{motif}'),
	('{"id": 3, "etat": "acceptee"}', '{"id": 3, "etat": "acceptee", "nouvelle": null}', '{}'),
	('{"id": 4, "etat": "acceptee", "ancienne": 1}', '{"id": 4, "etat": "acceptee"}', '{}'),
	(NULL, NULL, '{}');

SELECT is((SELECT count(*) FROM paires p, pg_temp.ecart_sql(p.a, p.n, p.perso) s,
		   flux.audit_ecart(p.a, p.n, p.perso, '{modifie_le}') c
		   WHERE (s.avant, s.apres, s.perso) IS DISTINCT FROM (c.avant, c.apres, c.personnelles)),
		  0::bigint, 'the C comparison equals 0.11.0''s SQL on 405 pairs of rows');
SELECT ok((SELECT count(*) FROM paires p, flux.audit_ecart(p.a, p.n, p.perso, '{modifie_le}') c
			WHERE c.personnelles IS NOT NULL) > 100, 'personal columns are among the changes compared');
SELECT is((SELECT c.avant FROM flux.audit_ecart('{"id": 4, "etat": "acceptee", "ancienne": 1}',
												 '{"id": 4, "etat": "acceptee"}', '{}', '{}') c),
		  NULL, 'a key of the old row only is not compared (the keys are the new row''s)');
SELECT is((SELECT c.apres FROM flux.audit_ecart('{"id": 3}', '{"id": 3, "nouvelle": null}', '{}', '{}') c),
		  '{"nouvelle": null}'::jsonb, 'a key missing from the old row is a change to JSON null');
SELECT is((SELECT row(c.avant, c.apres, c.personnelles)::text
			 FROM flux.audit_ecart('{"a": 1, "b": [1, {"c": 2}], "nud": "x"}', '{"a": 1, "b": [1, {"c": 3}], "nud": "y"}',
								   '{nud}', '{}') c),
		  '("{""b"": [1, {""c"": 2}]}","{""b"": [1, {""c"": 3}]}",{nud})', 'nested values compared whole; the NUD named, not copied');

SELECT throws_ok($$SELECT flux.audit_ecart('{}', '{}', '{nud,NULL}', '{}')$$, '22004',
				 'the list of personal columns has a NULL element at position 2', 'a NULL column name');
SELECT throws_ok($$SELECT flux.audit_ecart('{}', '{}', '{{a},{b}}', '{}')$$, '2202E',
				 'the list of personal columns must be a one-dimensional array, not 2 dimensions', 'a two-dimensional list');
SELECT throws_ok($$SELECT flux.audit_ecart('[1]', '{}', '{}', '{}')$$, '22023',
				 'the rows compared must be JSON objects', 'an array instead of a row');
SELECT ok(NOT has_function_privilege('public', 'flux.audit_ecart(jsonb, jsonb, text[], text[])', 'EXECUTE'),
		  'PUBLIC may not execute it');

SELECT * FROM finish();
ROLLBACK;

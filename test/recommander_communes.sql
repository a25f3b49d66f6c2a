-- recommander_communes: what flux.recommander says each destination is due
-- (dus: its share of the units of its territory oriented so far, plus its
-- share of this one) equals 0.11.0's formulas over the counters, now that
-- it reads only the communes some convention is restricted to (0.12.0):
--   a convention restricted to communes: its share of the units of those
--     communes, each commune once (a list may repeat one);
--   the bailleur's own share: the sum over every commune of its units times
--     the share no convention in force reserves there.
-- Three restricted conventions, overlapping, one listing a commune twice,
-- one on a commune with no unit oriented yet; a convention not in force.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(3);

INSERT INTO commune (depcom, nom, epci)
SELECT '74' || lpad(c::text, 3, '0'), 'Commune rc ' || c, '200067551' FROM generate_series(1, 12) c ON CONFLICT DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (8700, '900008700', 'B recommander communes', 'oph');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES
	(8701, 'Etat rc', 'etat', NULL), (8702, 'Employeur rc 1', 'employeur', NULL),
	(8703, 'Employeur rc 2', 'employeur', NULL), (8704, 'Commune rc 9', 'commune', '74009'),
	(8705, 'AL rc', 'action_logement', NULL), (8706, 'Employeur rc', 'employeur', NULL);
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet, date_fin, communes) VALUES
	(8701, 8700, 8701, '74', '25%', '2024-01-01', NULL, NULL),
	(8702, 8700, 8702, '74', '10%', '2024-01-01', NULL, '{74001,74002,74002}'),
	(8703, 8700, 8703, '74', '5%', '2024-01-01', NULL, '{74002,74003}'),
	(8704, 8700, 8704, '74', '5%', '2024-01-01', NULL, '{74009}'),
	(8705, 8700, 8705, '74', '12.5%', '2024-01-01', NULL, NULL),
	(8706, 8700, 8706, '74', '3%', '2024-01-01', '2025-01-01', NULL);
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, construct, locat)
SELECT 87000000 + i, 8700, 'RC' || i, '74' || lpad((1 + i % 8)::text, 3, '0'), i % 4 = 0, 'C', 1 + i % 5, 30 + 12 * (i % 5),
	   13, true, 1950 + i % 70, 2000
  FROM generate_series(1, 400) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible)
SELECT 87000000 + i, 87000000 + i, '2025-01-02', '2025-01-15' FROM generate_series(1, 400) i;
-- 300 orientations this year: to the conventions that cover the unit's
-- commune, or outside the flux
INSERT INTO orientation (vacance_id, convention_id, hors_flux, date_orientation)
SELECT v.id, d.c, CASE WHEN d.c IS NULL THEN 'non_reserve'::motif_hors_flux END, date '2025-02-01' + (v.id % 200)::integer
  FROM vacance v JOIN logement l ON l.id = v.logement_id
 CROSS JOIN LATERAL (SELECT (SELECT c.id FROM convention c
							  WHERE c.bailleur_id = 8700 AND c.date_fin IS NULL
								AND (c.communes IS NULL OR l.depcom = ANY (c.communes))
							  ORDER BY hashint8(v.id * 31 + c.id) LIMIT 1) AS c) d0
 CROSS JOIN LATERAL (SELECT CASE WHEN v.id % 5 = 0 THEN NULL ELSE d0.c END AS c) d
 WHERE v.id BETWEEN 87000001 AND 87000300;

-- 0.11.0's formulas over the counters of 2025, for a unit of 74002
CREATE TEMP TABLE attendu AS
WITH communes AS (
	SELECT k.valeur AS depcom, k.n FROM compteur_orientation k
	 WHERE k.bailleur_id = 8700 AND k.departement = '74' AND k.annee = 2025 AND k.destination = -1 AND k.dimension = 4
), en_vigueur AS (
	SELECT c.id, c.communes, c.taux::numeric AS taux FROM convention c
	 WHERE c.bailleur_id = 8700 AND daterange(c.date_effet, c.date_fin) @> date '2025-10-01'
), total AS (
	SELECT coalesce(sum(k.n), 0) AS n FROM compteur_orientation k
	 WHERE k.bailleur_id = 8700 AND k.departement = '74' AND k.annee = 2025 AND k.destination = -1 AND k.dimension = 0
)
SELECT e.id AS convention_id, e.taux,
	   e.taux / 100 * CASE WHEN e.communes IS NULL THEN (SELECT t.n FROM total t)
						   ELSE coalesce((SELECT sum(m.n) FROM communes m WHERE m.depcom = ANY (e.communes)), 0) END AS avant
  FROM en_vigueur e WHERE e.communes IS NULL OR '74002' = ANY (e.communes)
UNION ALL
SELECT NULL, 100 - (SELECT sum(e.taux) FROM en_vigueur e WHERE e.communes IS NULL OR '74002' = ANY (e.communes)),
	   coalesce((SELECT sum(m.n * (100 - coalesce((SELECT sum(e.taux) FROM en_vigueur e
												  WHERE e.communes IS NULL OR m.depcom = ANY (e.communes)), 0)) / 100)
				   FROM communes m), 0);

SELECT ok((SELECT count(*) FROM compteur_orientation WHERE bailleur_id = 8700 AND destination = -1 AND dimension = 4) >= 8,
		  'units oriented in every commune of the bailleur');
SELECT is((SELECT count(*) FROM recommander((SELECT v.id FROM vacance v JOIN logement l ON l.id = v.logement_id
											  WHERE l.depcom = '74002' AND v.id > 87000300 LIMIT 1), '2025-10-01')),
		  5::bigint, 'a unit of 74002: the four conventions covering it and the bailleur''s own share');
SELECT results_eq(
	$$SELECT r.convention_id, r.dus FROM recommander((SELECT v.id FROM vacance v JOIN logement l ON l.id = v.logement_id
													  WHERE l.depcom = '74002' AND v.id > 87000300 LIMIT 1), '2025-10-01') r
	   ORDER BY 1 NULLS LAST$$,
	$$SELECT a.convention_id, round(a.avant + a.taux / 100, 2) FROM attendu a ORDER BY 1 NULLS LAST$$,
	'dus of each destination: 0.11.0''s formulas, restricted lists and the own share');

SELECT * FROM finish();
ROLLBACK;

-- test/generateur.sql: scripts/generateur.sql is deterministic (the same
-- graine gives the same rows, shifted by premier_id), its fast load equals
-- the workflow played through flux's triggers (so every row it writes is one
-- flux's triggers and constraints accept), and it is calibrated (rotation,
-- QPV, mixes, caps of the shares, refusals).
BEGIN;
SELECT plan(16);
\set unites 3000
\set bailleurs 2
\set annees 3
\set graine 5
-- the indexes and unique constraints of the workflow tables, which the fast
-- load into empty tables drops and builds again after
CREATE FUNCTION pg_temp.index_flux() RETURNS SETOF text LANGUAGE sql AS $f$
	SELECT c.relname || ' ' || pg_get_indexdef(i.indexrelid) || ' ' || coalesce(k.conname || ' ' || pg_get_constraintdef(k.oid), '')
	  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
	  LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
	 WHERE i.indrelid = ANY ('{flux.logement,flux.vacance,flux.orientation,flux.candidature,flux.orientation_historique}'::regclass[]) $f$;
CREATE TEMP TABLE index_avant AS SELECT * FROM pg_temp.index_flux() i;
SELECT (SELECT count(*) FROM flux.logement) + (SELECT count(*) FROM flux.orientation) = 0 AS vide \gset
-- A: the fast load; B: through the triggers; C: the fast load again
\set premier_id 7000001
\set declencheurs 0
\ir generateur.psql
SELECT ok(NOT :'vide'::boolean OR (SELECT count(*) FROM pg_temp.g_index) >= 10,
		  'the fast load into empty tables dropped their secondary indexes and free unique constraints (g_index)');
SELECT set_eq('SELECT * FROM pg_temp.index_flux()', 'SELECT * FROM pg_temp.index_avant',
			  'after the fast load the same indexes and unique constraints, built again');
\set premier_id 8000001
\set declencheurs 1
\ir generateur.psql
\set premier_id 9000001
\set declencheurs 0
\ir generateur.psql

CREATE FUNCTION pg_temp.motif(m text, d bigint) RETURNS text LANGUAGE sql IMMUTABLE
	RETURN coalesce(replace(m, 'candidat ' || substring(m FROM 'candidat ([0-9]+)'),
							'candidat ' || (substring(m FROM 'candidat ([0-9]+)')::bigint - d)), m);
CREATE FUNCTION pg_temp.orientations(p bigint) RETURNS SETOF jsonb LANGUAGE sql AS $f$
	SELECT to_jsonb(x) FROM (
		SELECT o.id - p AS id, o.vacance_id - p AS vacance_id, o.convention_id - p AS convention_id, o.hors_flux, o.etat,
			   o.date_orientation, o.zone, o.echeance_reponse, o.date_reponse, o.echeance_designation, o.echeance_impossibilite,
			   o.date_attribution, o.date_bail, pg_temp.motif(o.motif, p) AS motif, o.attributaire_id - p AS attributaire_id
		  FROM flux.orientation o WHERE o.id BETWEEN p AND p + 999999) x $f$;
CREATE FUNCTION pg_temp.candidatures(p bigint) RETURNS SETOF jsonb LANGUAGE sql AS $f$
	SELECT to_jsonb(k) - '{id,orientation_id}'::text[] || jsonb_build_object('id', k.id - p, 'o', k.orientation_id - p)
			  FROM flux.candidature k WHERE k.id BETWEEN p AND p + 999999 $f$;
CREATE FUNCTION pg_temp.historique(p bigint) RETURNS SETOF jsonb LANGUAGE sql AS $f$
	SELECT jsonb_build_object('o', h.orientation_id - p, 'c', h.candidature_id - p, 'de', h.de, 'vers', h.vers,
									  'motif', pg_temp.motif(h.motif, p))
			  FROM flux.orientation_historique h WHERE h.orientation_id BETWEEN p AND p + 999999 $f$;
CREATE FUNCTION pg_temp.stock(p bigint) RETURNS SETOF jsonb LANGUAGE sql AS $f$
	SELECT to_jsonb(l) - '{id,bailleur_id}'::text[] || jsonb_build_object('id', l.id - p, 'b', l.bailleur_id - p)
			  FROM flux.logement l WHERE l.id BETWEEN p AND p + 999999
			 UNION ALL
			SELECT to_jsonb(v) - '{id,logement_id}'::text[] || jsonb_build_object('v', v.id - p, 'l', v.logement_id - p)
			  FROM flux.vacance v WHERE v.id BETWEEN p AND p + 999999
			 UNION ALL
			SELECT to_jsonb(c) - '{id,bailleur_id,reservataire_id}'::text[]
				   || jsonb_build_object('c', c.id - p, 'b', c.bailleur_id - p, 'r', c.reservataire_id - p)
			  FROM flux.convention c WHERE c.id BETWEEN p AND p + 999999 $f$;

SELECT ok((SELECT count(*) FROM flux.orientation WHERE id BETWEEN 7000001 AND 7999999) > 500, 'the fast load wrote orientations');
SELECT bag_eq('SELECT * FROM pg_temp.stock(7000001)', 'SELECT * FROM pg_temp.stock(9000001)',
			  'deterministic: units, vacancies, conventions the same with another premier_id');
SELECT bag_eq('SELECT * FROM pg_temp.orientations(7000001)', 'SELECT * FROM pg_temp.orientations(9000001)',
			  'deterministic: orientations the same with another premier_id');
SELECT bag_eq('SELECT * FROM pg_temp.candidatures(7000001)', 'SELECT * FROM pg_temp.candidatures(9000001)',
			  'deterministic: candidates the same with another premier_id');
SELECT bag_eq('SELECT * FROM pg_temp.stock(7000001)', 'SELECT * FROM pg_temp.stock(8000001)',
			  'through the triggers: the same units, vacancies (relet by the leases) and conventions');
SELECT bag_eq('SELECT * FROM pg_temp.orientations(7000001)', 'SELECT * FROM pg_temp.orientations(8000001)',
			  'the fast load writes the orientations the triggers write (states, stamps, motifs, attributaires)');
SELECT bag_eq('SELECT * FROM pg_temp.candidatures(7000001)', 'SELECT * FROM pg_temp.candidatures(8000001)',
			  'the fast load writes the candidates the triggers write (effort rates, suitability, deadlines)');
SELECT bag_eq('SELECT * FROM pg_temp.historique(7000001)', 'SELECT * FROM pg_temp.historique(8000001)',
			  'the fast load writes the history the triggers write, step for step');
SELECT bag_eq($$SELECT bailleur_id - 7000001 AS b, departement, annee, destination - CASE WHEN destination > 0 THEN 7000001 ELSE 0 END AS d, dimension, valeur, n
				  FROM flux.compteur_orientation WHERE bailleur_id BETWEEN 7000001 AND 7999999$$,
			  $$SELECT bailleur_id - 8000001 AS b, departement, annee, destination - CASE WHEN destination > 0 THEN 8000001 ELSE 0 END AS d, dimension, valeur, n
				  FROM flux.compteur_orientation WHERE bailleur_id BETWEEN 8000001 AND 8999999$$,
			  'the counters of the orientation engine rebuilt as the triggers keep them');
-- calibration (3 000 units: one standard deviation of a 28 % share is 0.8 point)
SELECT ok((SELECT count(*)::numeric / (3000 * 3) FROM flux.vacance WHERE id BETWEEN 7000001 AND 7999999) BETWEEN 0.08 AND 0.10,
		  'rotation within 8-10 % a year');
SELECT ok((SELECT avg(qpv::int) FROM flux.logement WHERE id BETWEEN 7000001 AND 7999999) BETWEEN 0.25 AND 0.31, 'QPV share 28 % +- 3');
SELECT ok((SELECT avg((finan = 10)::int) BETWEEN 0.09 AND 0.15 AND avg((finan IN (13, 52))::int) BETWEEN 0.68 AND 0.76
				  AND avg((nbpiece = 3)::int) BETWEEN 0.35 AND 0.41 AND avg((nbpiece = 2)::int) BETWEEN 0.17 AND 0.23
			 FROM flux.logement WHERE id BETWEEN 7000001 AND 7999999), 'financing (PLAI 12, PLUS 72) and typologie (T2 20, T3 38) within 3 points');
-- every commune of every bailleur: État <= 30, agents <= 5, collectivities <= 20, all <= 100
SELECT is((SELECT count(*) FROM (
	SELECT c.bailleur_id, m.depcom,
		   sum(c.taux::numeric) FILTER (WHERE r.categorie IN ('etat', 'etat_agents')) AS etat,
		   sum(c.taux::numeric) FILTER (WHERE r.categorie = 'etat_agents') AS agents,
		   sum(c.taux::numeric) FILTER (WHERE r.categorie IN ('commune', 'epci', 'departement')) AS collectivites,
		   sum(c.taux::numeric) AS tous
	  FROM flux.convention c JOIN flux.reservataire r ON r.id = c.reservataire_id
	  JOIN flux.commune m ON m.departement = c.departement AND (c.communes IS NULL OR m.depcom = ANY (c.communes))
	 WHERE c.id BETWEEN 7000001 AND 7999999
	 GROUP BY 1, 2) s WHERE etat > 30 OR agents > 5 OR collectivites > 20 OR tous > 100 OR tous IS NULL), 0::bigint,
	'every convention within the legal caps, every commune''s shares at most 100 %');
SELECT ok((SELECT avg((reponse_menage <> 'acceptee')::int) FROM flux.candidature
			WHERE id BETWEEN 7000001 AND 7999999 AND reponse_menage IS NOT NULL) BETWEEN 0.25 AND 0.35,
		  'households refuse or do not answer 30 % of the proposals (+- 5)');
SELECT * FROM finish();
ROLLBACK;

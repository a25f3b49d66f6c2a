-- scripts/generateur.sql: a territory of any size, seedable and deterministic,
-- calibrated on the published figures (docs/generateur.md says which).
--
--   psql -X -v ON_ERROR_STOP=1 -v unites=1300000 -v bailleurs=146 -v annees=3 \
--        -v graine=17 -v premier_id=100000 -f scripts/generateur.sql
--
-- Every variable is optional (defaults below).  Every draw is a hash of
-- (graine, the row's index, the field): the same variables give the same
-- rows whatever the order, the plan or the parallelism, and two runs with
-- different premier_id give the same rows shifted by the difference of their
-- ids.  Runs in the current database where flux is installed, as a
-- superuser when declencheurs = 0 (the workflow tables are then loaded with
-- session_replication_role = replica and the triggers' effects written by
-- the script itself); declencheurs = 1 plays every step through flux's
-- triggers (slower; what test/generateur.sql compares the fast load with).
-- No BEGIN/COMMIT of its own: run it with -1 for one transaction, or from
-- inside a transaction (the pgTAP test does).

\set QUIET on
\if :{?chrono} \timing on \endif
-- the size
\if :{?unites} \else \set unites 100000 \endif
\if :{?bailleurs} \else
SELECT greatest(1, :unites / 9000) AS bailleurs \gset
\endif
\if :{?annees} \else \set annees 3 \endif
\if :{?graine} \else \set graine 1 \endif
\if :{?premier_id} \else \set premier_id 1 \endif
-- the last year of flow: the current year - 1
\if :{?derniere_annee} \else
SELECT extract(year FROM current_date)::int - 1 AS derniere_annee \gset
\endif
\if :{?declencheurs} \else \set declencheurs 0 \endif
-- the territory
\if :{?departements} \else \set departements '75,92,93,94,69,13' \endif
-- the stock (RPLS-like), in % (docs/generateur.md: the figures and their sources)
\if :{?rotation} \else \set rotation 9 \endif
\if :{?part_qpv} \else \set part_qpv 28 \endif
\if :{?mix_financement} \else \set mix_financement '12,72,10,6' \endif
\if :{?mix_typologie} \else \set mix_typologie '6,20,38,27,7,2' \endif
\if :{?part_individuel} \else \set part_individuel 15 \endif
-- the shares of the conventions, in % (legal caps: État 30 incl. agents 5, collectivities 20)
\if :{?taux_etat} \else \set taux_etat 25 \endif
\if :{?taux_etat_agents} \else \set taux_etat_agents 5 \endif
\if :{?taux_action_logement} \else \set taux_action_logement 25 \endif
\if :{?taux_departement} \else \set taux_departement 5 \endif
\if :{?taux_epci} \else \set taux_epci 15 \endif
\if :{?taux_employeurs} \else \set taux_employeurs '2,2,1' \endif
\if :{?taux_organisme} \else \set taux_organisme 1 \endif
\if :{?taux_autre} \else \set taux_autre 1 \endif
-- the flow, in % of the vacancies (or of the orientations, of the proposals)
\if :{?part_mutation} \else \set part_mutation 10 \endif
\if :{?part_anru} \else \set part_anru 1 \endif
\if :{?refus_reservataire} \else \set refus_reservataire 5 \endif
\if :{?expiration} \else \set expiration 3 \endif
\if :{?restitution} \else \set restitution 4 \endif
\if :{?annulation} \else \set annulation 2 \endif
\if :{?non_attribution} \else \set non_attribution 10 \endif
\if :{?irrecevable} \else \set irrecevable 5 \endif
\if :{?refus_menage} \else \set refus_menage 25 \endif
\if :{?sans_reponse} \else \set sans_reponse 5 \endif
\if :{?refus_illegitime} \else \set refus_illegitime 30 \endif
\if :{?part_dalo} \else \set part_dalo 8 \endif
\if :{?part_prioritaire} \else \set part_prioritaire 25 \endif
\if :{?part_quartile1} \else \set part_quartile1 15 \endif

SET client_min_messages = warning;
SET search_path = pg_catalog, public;
-- the load's own settings (none changes a row): sorts and hashes in memory,
-- the temporary tables in local buffers (temp_buffers can only be set before
-- the session's first temporary table: kept as it is otherwise), no JIT
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';
SET jit = off;
-- (a Memoize node purged on every rescan clears a cache sized by work_mem:
-- the lateral of the candidates' offers in direct.psql took minutes)
SET enable_memoize = off;
DO $$ BEGIN PERFORM pg_catalog.set_config('temp_buffers', '1GB', false);
EXCEPTION WHEN invalid_parameter_value THEN NULL; END $$;

-- the draw: a uniform number in [0, 1) from (graine, an index, a field)
CREATE OR REPLACE FUNCTION pg_temp.u(graine integer, cle bigint, champ integer) RETURNS double precision
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ((pg_catalog.hashint8extended(cle, graine::bigint * 1000 + champ) >> 11) & 9007199254740991)::double precision
		   / 9007199254740992.0;
-- the index (1-based) of the class a draw falls into, for a mix of weights
-- (width_bucket over the cumulated weights: one expression, inlined)
CREATE OR REPLACE FUNCTION pg_temp.seuils(poids double precision[]) RETURNS double precision[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN (SELECT array_agg(cumul ORDER BY i) FROM (
			 SELECT i, sum(poids[i]) OVER (ORDER BY i) / sum(poids[i]) OVER () AS cumul
			   FROM pg_catalog.generate_subscripts(poids, 1) i) s WHERE i < pg_catalog.cardinality(poids));
CREATE OR REPLACE FUNCTION pg_temp.classe(x double precision, seuils double precision[]) RETURNS integer
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN pg_catalog.width_bucket(x, seuils) + 1;

DROP TABLE IF EXISTS pg_temp.g_parametre;
CREATE TEMP TABLE g_parametre AS
SELECT :unites::bigint AS unites, :bailleurs::int AS bailleurs, :annees::int AS annees, :graine::int AS graine,
	   :premier_id::bigint AS p, :derniere_annee::int - :annees::int + 1 AS premiere_annee, :derniere_annee::int AS derniere_annee,
	   string_to_array(:'departements', ',') AS departements,
	   :rotation::float8 / 100 AS rotation, :part_qpv::float8 / 100 AS part_qpv,
	   pg_temp.seuils(string_to_array(:'mix_financement', ',')::float8[]) AS mix_financement,
	   pg_temp.seuils(string_to_array(:'mix_typologie', ',')::float8[]) AS mix_typologie,
	   :part_individuel::float8 / 100 AS part_individuel,
	   :part_mutation::float8 / 100 AS part_mutation, :part_anru::float8 / 100 AS part_anru,
	   :refus_reservataire::float8 / 100 AS refus_reservataire, :expiration::float8 / 100 AS expiration,
	   :restitution::float8 / 100 AS restitution, :annulation::float8 / 100 AS annulation,
	   :non_attribution::float8 / 100 AS non_attribution, :irrecevable::float8 / 100 AS irrecevable,
	   :refus_menage::float8 / 100 AS refus_menage, :sans_reponse::float8 / 100 AS sans_reponse,
	   :refus_illegitime::float8 / 100 AS refus_illegitime,
	   :part_dalo::float8 / 100 AS part_dalo, :part_prioritaire::float8 / 100 AS part_prioritaire,
	   :part_quartile1::float8 / 100 AS part_quartile1;
ANALYZE g_parametre;
DO $$ BEGIN
	IF (SELECT unites < 1 OR bailleurs < 1 OR annees < 1 OR p < 1 OR bailleurs > unites FROM pg_temp.g_parametre) THEN
		RAISE EXCEPTION 'generateur: unites, bailleurs, annees and premier_id must be positive, bailleurs at most unites'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
END $$;

--------------------------------------------------------------------------
-- The territory: communes with INSEE codes of a few départements (Paris,
-- Lyon, Marseille by arrondissement), grouped in EPCI of 10 communes
--------------------------------------------------------------------------
DROP TABLE IF EXISTS pg_temp.g_commune;
CREATE TEMP TABLE g_commune AS
SELECT d.dep, d.nd, c.k, c.depcom, '200' || lpad(d.dep, 2, '0') || '0' || lpad(((c.k - 1) / 10 + 1)::text, 3, '0') AS epci,
	   count(*) OVER (PARTITION BY d.dep) AS n
  FROM g_parametre g CROSS JOIN unnest(g.departements) WITH ORDINALITY d (dep, nd)
 CROSS JOIN LATERAL (
	SELECT k, CASE WHEN d.dep = '75' THEN '751' || lpad(k::text, 2, '0')
				   WHEN d.dep = '69' AND k <= 9 THEN '6938' || k
				   WHEN d.dep = '13' AND k <= 16 THEN '132' || lpad(k::text, 2, '0')
				   ELSE d.dep || lpad((2 * k - 1)::text, 3, '0') END AS depcom
	  FROM generate_series(1, CASE WHEN d.dep = '75' THEN 20 ELSE 40 END) k) c;
ANALYZE g_commune;
INSERT INTO flux.commune (depcom, nom, epci, zone_tendue)
SELECT depcom, 'Commune ' || depcom, epci, true FROM g_commune ORDER BY depcom
ON CONFLICT (depcom) DO NOTHING;

--------------------------------------------------------------------------
-- Bailleurs (each in one département, in turn), réservataires, conventions
--------------------------------------------------------------------------
DROP TABLE IF EXISTS pg_temp.g_bailleur;
CREATE TEMP TABLE g_bailleur AS
SELECT b, g.p + b - 1 AS id, g.departements[1 + (b - 1) % cardinality(g.departements)] AS dep,
	   (ARRAY['oph', 'esh', 'esh', 'oph', 'sem', 'coop'])[pg_temp.classe(pg_temp.u(g.graine, b, 1), pg_temp.seuils('{40,45,0,0,10,5}'))]::flux.famille_bailleur AS famille,
	   (SELECT count(*) FROM g_commune c WHERE c.dep = g.departements[1 + (b - 1) % cardinality(g.departements)]) AS n
  FROM g_parametre g CROSS JOIN generate_series(1, g.bailleurs) b;
ANALYZE g_bailleur;
INSERT INTO flux.bailleur (id, siren, nom, famille)
SELECT id, lpad((id % 1000000000)::text, 9, '0'), 'Bailleur ' || b || ' [' || g.p || ']', famille
  FROM g_bailleur, g_parametre g ORDER BY id;

-- réservataires: 1 État, 2 État agents, 3 Action Logement, 4-6 employers,
-- 7 a non-profit body, 8 another; then one per département, one per EPCI
DROP TABLE IF EXISTS pg_temp.g_reservataire;
CREATE TEMP TABLE g_reservataire AS
SELECT r, g.p + r - 1 AS id, nom, categorie::flux.categorie_reservataire, dep, epci
  FROM g_parametre g CROSS JOIN (
	SELECT * FROM (VALUES (1, 'Préfet (contingent prioritaire)', 'etat', NULL, NULL),
						  (2, 'Préfet (agents de l''État)', 'etat_agents', NULL, NULL),
						  (3, 'Action Logement Services', 'action_logement', NULL, NULL),
						  (4, 'Employeur A', 'employeur', NULL, NULL), (5, 'Employeur B', 'employeur', NULL, NULL),
						  (6, 'Employeur C', 'employeur', NULL, NULL),
						  (7, 'Organisme désintéressé', 'organisme_desinteresse', NULL, NULL),
						  (8, 'Autre réservataire', 'autre', NULL, NULL)) v (r, nom, categorie, dep, epci)
	UNION ALL
	SELECT 8 + nd::int, 'Département ' || dep, 'departement', dep, NULL
	  FROM (SELECT DISTINCT dep, nd FROM g_commune) d
	UNION ALL
	SELECT 8 + (SELECT count(DISTINCT dep) FROM g_commune)::int + row_number() OVER (ORDER BY epci)::int,
		   'EPCI ' || epci, 'epci', min(dep), epci
	  FROM g_commune GROUP BY epci) x;
ANALYZE g_reservataire;
INSERT INTO flux.reservataire (id, nom, categorie, siren, epci, departement)
SELECT id, nom || ' [' || g.p || ']', categorie, CASE WHEN categorie = 'epci' THEN epci END, epci, dep
  FROM g_reservataire, g_parametre g ORDER BY id;

-- conventions: per bailleur, in its département, the shares below the caps
-- (every commune: État 25 + agents 5 = 30; département 5 + its EPCI 15 = 20
-- of collectivities; all together 82 at the defaults)
DROP TABLE IF EXISTS pg_temp.g_convention;
CREATE TEMP TABLE g_convention AS
SELECT b.id AS bailleur_id, b.dep, g.p + (b.b - 1) * 16 + j.j - 1 AS id, r.id AS reservataire_id, r.categorie, j.taux,
	   CASE WHEN r.categorie = 'epci' THEN (SELECT array_agg(c.depcom ORDER BY c.depcom) FROM g_commune c WHERE c.epci = r.epci) END AS communes,
	   r.epci, r.categorie <> 'employeur' AS silence
  FROM g_parametre g CROSS JOIN g_bailleur b
 CROSS JOIN LATERAL (
	SELECT j, r, taux FROM (VALUES (1, 1, :taux_etat::numeric), (2, 2, :taux_etat_agents), (3, 3, :taux_action_logement),
								   (4, 4, (string_to_array(:'taux_employeurs', ','))[1]::numeric),
								   (5, 5, (string_to_array(:'taux_employeurs', ','))[2]::numeric),
								   (6, 6, (string_to_array(:'taux_employeurs', ','))[3]::numeric),
								   (7, 7, :taux_organisme), (8, 8, :taux_autre)) v (j, r, taux)
	UNION ALL
	SELECT 9, 8 + c.nd::int, :taux_departement FROM g_commune c WHERE c.dep = b.dep AND c.k = 1
	UNION ALL
	SELECT 9 + row_number() OVER (ORDER BY x.r)::int, x.r, :taux_epci
	  FROM (SELECT r.r FROM g_reservataire r WHERE r.categorie = 'epci' AND r.dep = b.dep) x) j
  JOIN g_reservataire r ON r.r = j.r
 WHERE j.taux > 0;
ANALYZE g_convention;
INSERT INTO flux.convention (id, bailleur_id, reservataire_id, reference, departement, communes, taux, date_signature, date_effet,
							 silence_vaut_acceptation)
SELECT c.id, c.bailleur_id, c.reservataire_id, 'Convention de réservation en flux ' || c.dep, c.dep, c.communes,
	   (c.taux || '%')::flux.taux, make_date(g.premiere_annee - 1, 11, 15), make_date(g.premiere_annee - 1, 11, 24), c.silence
  FROM g_convention c, g_parametre g ORDER BY c.id;

-- the ranges of the draw of a destination: per bailleur and EPCI, the
-- conventions covering its communes, each its share of [0, 100)
DROP TABLE IF EXISTS pg_temp.g_tranche;
CREATE TEMP TABLE g_tranche AS
SELECT bailleur_id, epci, id AS convention_id, silence,
	   sum(taux) OVER w - taux AS bas, sum(taux) OVER w AS haut
  FROM (SELECT c.bailleur_id, e.epci, c.id, c.taux, c.silence
		  FROM g_convention c JOIN (SELECT DISTINCT dep, epci FROM g_commune) e ON e.dep = c.dep
		 WHERE c.epci IS NULL OR c.epci = e.epci) x
WINDOW w AS (PARTITION BY bailleur_id, epci ORDER BY id);
CREATE INDEX ON g_tranche (bailleur_id, epci);
ANALYZE g_tranche;

-- yearly parameters: the forecast of mutations (part_mutation of the expected vacancies)
INSERT INTO flux.parametre_annuel (bailleur_id, departement, annee, taux_mutation, prevision_mutation, date_communication)
SELECT b.id, b.dep, a, (:part_mutation || '%')::flux.taux,
	   round(g.unites::numeric / g.bailleurs * g.rotation * g.part_mutation)::int, make_date(a, 2, 20)
  FROM g_parametre g CROSS JOIN g_bailleur b, generate_series(g.premiere_annee, g.derniere_annee) a ORDER BY b.id, a;

--------------------------------------------------------------------------
-- The stock: unit i of bailleur 1 + (i - 1) * bailleurs / unites
--------------------------------------------------------------------------
-- the fast load: the foreign keys (their per-row checks) and the triggers off
-- from here on; every id is given by construction (direct.psql)
\if :declencheurs \else
SET session_replication_role = replica;
\endif
-- the fast load into empty tables: their secondary indexes and the unique
-- constraints no foreign key references are dropped here and built once at
-- the end (g_index, generateur.d/index.psql), cheaper than kept row by row
DROP TABLE IF EXISTS pg_temp.g_index;
CREATE TEMP TABLE g_index (n integer, relation regclass, nom text, contrainte boolean, def text);
SELECT :declencheurs = 0 AND NOT EXISTS (SELECT FROM flux.logement) AND NOT EXISTS (SELECT FROM flux.vacance)
	   AND NOT EXISTS (SELECT FROM flux.orientation) AND NOT EXISTS (SELECT FROM flux.candidature)
	   AND NOT EXISTS (SELECT FROM flux.orientation_historique) AS g_sans_index \gset
\if :g_sans_index
INSERT INTO g_index
SELECT row_number() OVER (ORDER BY x.relation::text, x.nom), x.*
  FROM (SELECT i.indrelid::regclass AS relation, ci.relname::text AS nom, k.oid IS NOT NULL AS contrainte,
			   CASE WHEN k.oid IS NULL THEN pg_get_indexdef(i.indexrelid)
					ELSE format('ALTER TABLE %s ADD CONSTRAINT %I %s', i.indrelid::regclass, k.conname, pg_get_constraintdef(k.oid)) END
		  FROM pg_index i
		  JOIN pg_class ci ON ci.oid = i.indexrelid
		  LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
		 WHERE i.indrelid = ANY ('{flux.logement,flux.vacance,flux.orientation,flux.candidature,flux.orientation_historique}'::regclass[])
		   AND NOT i.indisprimary
		   AND (k.oid IS NULL OR (k.contype = 'u' AND NOT EXISTS (SELECT FROM pg_constraint f
																	 WHERE f.contype = 'f' AND f.conindid = i.indexrelid)))) x;
DO $$
DECLARE
	x record;
BEGIN
	FOR x IN SELECT * FROM pg_temp.g_index ORDER BY n LOOP
		IF x.contrainte THEN
			EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', x.relation, x.nom);
		ELSE
			EXECUTE format('DROP INDEX flux.%I', x.nom);
		END IF;
	END LOOP;
END $$;
\endif
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, epci, qpv, typeconst, nbpiece, surfhab, construct, locat,
						   patrimoine, origine, finan, cus, conv, mode, loyerprinc)
SELECT g.p + i - 1, b.id, 'G' || lpad(i::text, 9, '0'), c.depcom, c.epci,
	   pg_temp.u(g.graine, i, 2) < g.part_qpv,
	   CASE WHEN pg_temp.u(g.graine, i, 6) < g.part_individuel THEN 'I' ELSE 'C' END,
	   t.nbpiece, t.surfhab, a.construct, a.construct, a.construct, 1, f.finan, f.cus, f.finan <> 16, 1,
	   round(t.surfhab * f.loyer_m2, 2)
  FROM g_parametre g CROSS JOIN generate_series(1, :unites::bigint) i
 CROSS JOIN LATERAL (SELECT (1 + (i - 1) * g.bailleurs / g.unites)::int AS b) bi
  JOIN g_bailleur b ON b.b = bi.b
 CROSS JOIN LATERAL (SELECT pg_temp.classe(pg_temp.u(g.graine, i, 3), g.mix_financement) AS kf,
							pg_temp.u(g.graine, i, 4) AS x) fk
 -- the year of construction: PLAI since 1990, PLS since 2001, the rest from 1950;
 -- the last units two years before the first year of flow (not first lettings)
 CROSS JOIN LATERAL (SELECT (CASE fk.kf WHEN 1 THEN 1990 WHEN 3 THEN 2001 ELSE 1950 END
							 + floor(fk.x * fk.x * (g.premiere_annee - 2 - CASE fk.kf WHEN 1 THEN 1990 WHEN 3 THEN 2001 ELSE 1950 END)))::smallint
							 AS construct) a0
 CROSS JOIN LATERAL (SELECT CASE WHEN fk.kf = 2 OR fk.kf = 4 THEN (g.premiere_annee - 2 - floor((1 - fk.x) ^ 0.7 * (g.premiere_annee - 2 - 1950)))::smallint
								 ELSE a0.construct END AS construct) a
 CROSS JOIN LATERAL (SELECT CASE fk.kf WHEN 1 THEN 10 WHEN 2 THEN CASE WHEN a.construct < 1977 THEN 52 ELSE 13 END
								WHEN 3 THEN 14 ELSE 16 END::smallint AS finan,
							(ARRAY[11, 13, 14, 16])[fk.kf]::smallint AS cus,
							(ARRAY[6.2, 6.9, 9.8, 13.5])[fk.kf]::numeric AS loyer_m2) f
 CROSS JOIN LATERAL (SELECT pg_temp.classe(pg_temp.u(g.graine, i, 5), g.mix_typologie)::smallint AS nbpiece) t0
 CROSS JOIN LATERAL (SELECT t0.nbpiece, round((12 + 16 * t0.nbpiece + 8 * pg_temp.u(g.graine, i, 7))::numeric, 2) AS surfhab) t
 -- the commune: drawn among the n of the bailleur's département (an
 -- equality, hashed: not a filter over every commune of it)
 CROSS JOIN LATERAL (SELECT 1 + floor(pg_temp.u(g.graine, i, 1) * b.n)::int AS k) ck
  JOIN g_commune c ON c.dep = b.dep AND c.k = ck.k;

--------------------------------------------------------------------------
-- The flow: each unit is freed in a year with probability rotation; its
-- vacancy k = y * unites + i, its orientation the same id
--------------------------------------------------------------------------
DROP TABLE IF EXISTS pg_temp.g_vacance;
CREATE TEMP TABLE g_vacance AS
SELECT k, g.p + k - 1 AS id, g.p + i - 1 AS logement_id, a AS annee, d.disponible, d.disponible - 30 AS preavis,
	   l.bailleur_id, l.epci, l.finan = 16 AS hors_champ, l.departement, l.nbpiece, l.surfhab, l.loyerprinc
  FROM g_parametre g CROSS JOIN generate_series(0, :annees - 1) y CROSS JOIN generate_series(1, :unites::bigint) i
 CROSS JOIN LATERAL (SELECT g.premiere_annee + y AS a, y::bigint * g.unites + i AS k) ka
 CROSS JOIN LATERAL (SELECT make_date(ka.a, 1, 31) + floor(pg_temp.u(g.graine, ka.k, 11) * 300)::int AS disponible) d
  JOIN flux.logement l ON l.id = g.p + i - 1
 WHERE pg_temp.u(g.graine, i, 100 + y) < g.rotation;
ANALYZE g_vacance;

-- the plan of each orientation: its destination and the draws of its steps;
-- the réservataire's answer: refusal, expiry (when silence is not
-- acceptance), else acceptance; then cancellation, restitution (designation
-- deadline passed) or candidates
DROP TABLE IF EXISTS pg_temp.g_plan;
CREATE TEMP TABLE g_plan AS
SELECT q.*, CASE WHEN q.convention_id IS NULL THEN q.date_orientation
				 WHEN q.reponse IN ('acceptee', 'refusee')
				 THEN flux.ajouter_jours_ouvres(q.date_orientation, floor(q.x_delai * 3)::int, q.zone) END AS date_reponse
  FROM (
	SELECT p.*,
		   CASE WHEN p.convention_id IS NULL THEN 'acceptee'
				WHEN p.x_reponse < g.refus_reservataire THEN 'refusee'
				WHEN NOT p.silence AND p.x_reponse < g.refus_reservataire + g.expiration THEN 'expiree'
				ELSE 'acceptee' END::flux.etat_orientation AS reponse,
		   CASE WHEN p.x_suite < g.annulation THEN 'annulee'
				WHEN p.convention_id IS NOT NULL AND p.x_suite < g.annulation + g.restitution THEN 'restituee'
				ELSE 'candidats' END AS suite
	  FROM g_parametre g CROSS JOIN (
		SELECT v.k, v.id, v.annee, flux.ajouter_jours_ouvres(v.preavis, 3, z.zone) AS date_orientation, z.zone,
			   CASE WHEN x.m >= g.part_mutation + g.part_anru THEN t.convention_id END AS convention_id,
			   CASE WHEN x.m < g.part_mutation THEN 'mutation' WHEN x.m < g.part_mutation + g.part_anru THEN 'anru'
					WHEN t.convention_id IS NULL THEN 'non_reserve' END::flux.motif_hors_flux AS hors_flux,
			   coalesce(t.silence, true) AS silence,
			   pg_temp.u(g.graine, v.k, 22) AS x_reponse, pg_temp.u(g.graine, v.k, 23) AS x_suite,
			   pg_temp.u(g.graine, v.k, 24) AS x_delai
		  FROM g_parametre g CROSS JOIN g_vacance v
		 CROSS JOIN LATERAL (SELECT flux.zone_de(v.departement) AS zone) z
		 CROSS JOIN LATERAL (SELECT pg_temp.u(g.graine, v.k, 20) AS m, 100 * pg_temp.u(g.graine, v.k, 21) AS c) x
		  LEFT JOIN g_tranche t ON t.bailleur_id = v.bailleur_id AND t.epci = v.epci AND x.c >= t.bas AND x.c < t.haut
		 WHERE NOT v.hors_champ) p) q;
ANALYZE g_plan;

-- the candidates: 1 to 3 (a DALO household alone), with their CALEOL
-- decision, ranked among the attributed (rang_caleol), and every draw and
-- date of theirs up to the CALEOL, in one pass
DROP TABLE IF EXISTS pg_temp.g_candidat_base;
CREATE TEMP TABLE g_candidat_base AS
SELECT s.*, flux.ajouter_jours_ouvres(s.date_designation, 5 + floor(pg_temp.u(g.graine, s.k, 28) * 15)::int, s.zone) AS date_caleol
  FROM g_parametre g CROSS JOIN (
	SELECT c.*,
		   CASE WHEN c.decision IN ('attribution', 'attribution_sous_condition')
				THEN count(*) FILTER (WHERE c.decision IN ('attribution', 'attribution_sous_condition'))
						  OVER (PARTITION BY c.orientation_id ORDER BY c.rang) END::smallint AS rang_caleol
	  FROM (
		SELECT p.id AS orientation_id, g.p + 3 * (p.k - 1) + r - 1 AS id, 3 * (p.k - 1) + r AS kc, r AS rang, p.k, p.convention_id,
			   d.dalo, d.dalo OR pg_temp.u(g.graine, 3 * (p.k - 1) + r, 31) < CASE WHEN cv.categorie = 'etat' THEN 1 ELSE g.part_prioritaire END AS prioritaire,
			   CASE WHEN pg_temp.u(g.graine, 3 * (p.k - 1) + r, 32) < g.part_quartile1 THEN 1
					ELSE 2 + floor(pg_temp.u(g.graine, 3 * (p.k - 1) + r, 33) * 3) END::smallint AS quartile,
			   CASE WHEN x.c < 1 - g.non_attribution - g.irrecevable - 0.05 THEN 'attribution'
					WHEN x.c < 1 - g.non_attribution - g.irrecevable THEN 'attribution_sous_condition'
					WHEN x.c < 1 - g.irrecevable THEN 'non_attribution' ELSE 'irrecevable' END::flux.decision_caleol AS decision,
			   p.zone,
			   flux.ajouter_jours_ouvres(p.date_reponse, 1 + floor(pg_temp.u(g.graine, p.k, 27) * 8)::int, p.zone) AS date_designation,
			   -- the household's answer if proposed
			   CASE WHEN pg_temp.u(g.graine, 3 * (p.k - 1) + r, 35) < g.refus_menage THEN 'refusee'
					WHEN pg_temp.u(g.graine, 3 * (p.k - 1) + r, 35) < g.refus_menage + g.sans_reponse THEN 'sans_reponse'
					ELSE 'acceptee' END::flux.reponse_menage AS reponse,
			   v.disponible, v.nbpiece, v.surfhab, v.loyerprinc
		  FROM g_parametre g CROSS JOIN g_plan p
		  JOIN g_vacance v ON v.id = p.id
		  LEFT JOIN g_convention cv ON cv.id = p.convention_id
		 CROSS JOIN LATERAL (SELECT pg_temp.u(g.graine, p.k, 25) < g.part_dalo AND p.convention_id IS NOT NULL AS dalo,
									CASE WHEN pg_temp.u(g.graine, p.k, 25) < g.part_dalo AND p.convention_id IS NOT NULL THEN 1
										 ELSE 1 + floor(pg_temp.u(g.graine, p.k, 26) * 3)::int END AS n) d
		 CROSS JOIN LATERAL generate_series(1, d.n) r
		 CROSS JOIN LATERAL (SELECT pg_temp.u(g.graine, 3 * (p.k - 1) + r, 34) AS c) x
		 WHERE p.reponse = 'acceptee' AND p.suite = 'candidats') c) s;
ANALYZE g_candidat_base;

-- the proposals in the CALEOL's order (g_tour, round by round): the first 1
-- to 3 jours ouvrés after it, each next one the jour ouvré after the
-- previous refusal; the household answers within its deadline or not at all
DROP TABLE IF EXISTS pg_temp.g_tour;
CREATE TEMP TABLE g_tour AS
SELECT c.id, c.orientation_id, c.rang_caleol, c.zone, c.reponse, p.date_proposition, e.echeance_reponse_menage,
	   CASE WHEN c.reponse = 'sans_reponse' THEN e.echeance_reponse_menage + 1
			ELSE p.date_proposition + 1 + floor(pg_temp.u(g.graine, c.kc, 40) * 9)::int END AS date_reponse_menage
  FROM g_parametre g CROSS JOIN g_candidat_base c
 CROSS JOIN LATERAL (SELECT flux.ajouter_jours_ouvres(c.date_caleol, 1 + floor(pg_temp.u(g.graine, c.k, 29) * 3)::int, c.zone)
							AS date_proposition) p
 CROSS JOIN LATERAL (SELECT flux.reporter(p.date_proposition + 10, c.zone, true) AS echeance_reponse_menage) e
 WHERE c.rang_caleol = 1;
\set r 1
\ir generateur.d/tour.psql
\set r 2
\ir generateur.d/tour.psql

-- the candidates with their proposals, answers and leases
DROP TABLE IF EXISTS pg_temp.g_candidat;
CREATE TEMP TABLE g_candidat AS
SELECT b.orientation_id, b.id, b.kc, b.rang, b.k, b.convention_id, b.dalo, b.prioritaire, b.quartile, b.decision, b.rang_caleol,
	   b.zone, b.date_designation,
	   greatest(1, b.nbpiece - 1 + floor(pg_temp.u(g.graine, b.kc, 36) * 2)::int)::smallint AS personnes,
	   round((CASE WHEN b.quartile = 1 THEN 500 + 500 * pg_temp.u(g.graine, b.kc, 37)
				   ELSE 1000 + 700 * b.quartile * pg_temp.u(g.graine, b.kc, 37) END)::numeric, 2)::numeric(10, 2) AS ressources,
	   b.date_caleol, t.reponse, t.date_proposition, t.echeance_reponse_menage, t.date_reponse_menage,
	   b.loyerprinc::numeric(9, 2) AS loyer, round(b.loyerprinc * 0.25, 2)::numeric(9, 2) AS charges,
	   (CASE WHEN b.quartile <= 2 THEN round(b.loyerprinc * 0.4, 2) ELSE 0 END)::numeric(9, 2) AS aide_logement,
	   pg_temp.u(g.graine, b.kc, 38) AS x_illegitime,
	   CASE WHEN t.reponse = 'acceptee'
			THEN greatest(b.disponible, t.date_reponse_menage + 5 + floor(pg_temp.u(g.graine, b.kc, 39) * 25)::int) END AS date_bail,
	   b.disponible, b.nbpiece, b.surfhab
  FROM g_parametre g CROSS JOIN g_candidat_base b
  LEFT JOIN g_tour t ON t.id = b.id;
ANALYZE g_candidat;

\if :declencheurs
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_depart, date_disponible, date_relocation)
SELECT v.id, v.logement_id, v.preavis, v.disponible - 1, v.disponible,
	   CASE WHEN v.hors_champ THEN v.disponible + 10 + floor(pg_temp.u(g.graine, v.k, 12) * 30)::int END
  FROM g_vacance v, g_parametre g ORDER BY v.id;
\ir generateur.d/declencheurs.psql
\else
\ir generateur.d/direct.psql
\endif
-- the indexes and constraints dropped for the load, built
\if :g_sans_index
SELECT def FROM g_index ORDER BY n \gexec
\endif

-- the identity sequences after the ids given, so that later rows do not clash
SELECT setval(pg_get_serial_sequence('flux.' || t, 'id'), greatest(m, (SELECT last_value FROM pg_catalog.pg_sequences s
		WHERE s.schemaname = 'flux' AND s.sequencename = t || '_id_seq')))
  FROM (VALUES ('bailleur', (SELECT max(id) FROM flux.bailleur)), ('reservataire', (SELECT max(id) FROM flux.reservataire)),
			   ('convention', (SELECT max(id) FROM flux.convention)), ('logement', (SELECT max(id) FROM flux.logement)),
			   ('vacance', (SELECT max(id) FROM flux.vacance)), ('orientation', (SELECT max(id) FROM flux.orientation)),
			   ('candidature', (SELECT max(id) FROM flux.candidature))) s (t, m)
 WHERE m IS NOT NULL \g /dev/null
ANALYZE flux.logement, flux.vacance, flux.orientation, flux.candidature, flux.convention, flux.commune,
		flux.orientation_historique, flux.compteur_orientation;
-- the load's settings back to the session's (temp_buffers cannot be)
RESET work_mem;
RESET maintenance_work_mem;
RESET jit;
RESET enable_memoize;
\set QUIET off
\if :{?silencieux} \else
SELECT (SELECT count(*) FROM pg_temp.g_bailleur) AS bailleurs, (SELECT unites FROM pg_temp.g_parametre) AS logements,
	   (SELECT count(*) FROM pg_temp.g_vacance) AS vacances, (SELECT count(*) FROM pg_temp.g_plan) AS orientations,
	   (SELECT count(*) FROM pg_temp.g_candidat) AS candidats;
\endif

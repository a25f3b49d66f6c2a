/* flux--0.7.0--0.8.0.sql: the bilans at the speed of a scan */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION flux UPDATE TO '0.8.0'" to load this file. \quit

--------------------------------------------------------------------------
-- 1. The household a unit is attributed to, kept on its orientation
--------------------------------------------------------------------------

/*
 * Until 0.7.0 every bilan looked the household up per orientation (a
 * LATERAL subquery over flux.candidature), which PostgreSQL runs in the
 * leader only: no parallel plan could aggregate in its workers.  The
 * workflow now keeps it on the orientation, from the candidates' steps, so
 * that the bilans are plain joins.
 */
ALTER TABLE flux.orientation ADD COLUMN attributaire_id bigint;
COMMENT ON COLUMN flux.orientation.attributaire_id IS
	'The candidate the unit is attributed to (kept by flux, see flux.attributaire): the one who signed the lease, else the first ranked of those the CALEOL attributed it to or whose refusal of a suitable offer was validated as illegitimate';

/*
 * flux.attributaire: the rule, in one place.  Among an orientation's
 * candidates the CALEOL attributed the unit to (or whose refusal of a
 * suitable offer the réservataire validated as illegitimate: it counts as
 * an attribution), the one who signed the lease, else the first by the
 * CALEOL's rank, else the first recorded.
 */
CREATE FUNCTION flux.attributaire(orientation_id bigint) RETURNS bigint
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
	SELECT k.id FROM flux.candidature k
	 WHERE k.orientation_id = $1
	   AND (k.decision_caleol IN ('attribution', 'attribution_sous_condition') OR k.refus_valide_le IS NOT NULL)
	 ORDER BY k.date_bail IS NULL, k.rang_caleol NULLS LAST, k.id
	 LIMIT 1
$$;
COMMENT ON FUNCTION flux.attributaire(bigint) IS
	'The candidate an orientation''s unit is attributed to: who signed the lease, else the first ranked attributed by the CALEOL (or whose refusal was validated as illegitimate); NULL if none';

/*
 * flux.recalculer_attributaires: sets attributaire_id from the rule for
 * every orientation where it differs, in one set-based statement, and
 * returns how many it corrected (0 on a database the workflow kept).  For
 * data loaded with the triggers off (session_replication_role = replica)
 * other than a pg_dump of flux, which carries the column; and for the
 * update to 0.8.0.  It is flux.attributaire's rule (keep the two alike),
 * written set-based: one pass over the candidates, sorted once, where
 * calling flux.attributaire per orientation would look each one up.
 */
CREATE FUNCTION flux.recalculer_attributaires() RETURNS bigint
	LANGUAGE sql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	WITH regle AS (
		SELECT o.id, k.id AS attributaire_id
		  FROM flux.orientation o
		  LEFT JOIN (SELECT DISTINCT ON (x.orientation_id) x.orientation_id, x.id
					   FROM flux.candidature x
					  WHERE x.decision_caleol IN ('attribution', 'attribution_sous_condition')
						 OR x.refus_valide_le IS NOT NULL
					  ORDER BY x.orientation_id, x.date_bail IS NULL, x.rang_caleol NULLS LAST, x.id) k
			ON k.orientation_id = o.id
	), corrigees AS (
		UPDATE flux.orientation o SET attributaire_id = r.attributaire_id
		  FROM regle r
		 WHERE o.id = r.id AND o.attributaire_id IS DISTINCT FROM r.attributaire_id
		RETURNING o.id
	)
	SELECT count(*) FROM corrigees
$$;
COMMENT ON FUNCTION flux.recalculer_attributaires() IS
	'Sets flux.orientation.attributaire_id from flux.attributaire''s rule wherever it differs (after a load with the triggers off); returns the orientations corrected';

-- existing orientations: without the workflow's triggers (no step
-- happens, modifie_le and the history stay as they were)
ALTER TABLE flux.orientation DISABLE TRIGGER orientation_avant_modification;
ALTER TABLE flux.orientation DISABLE TRIGGER orientation_historiser_modification;
ALTER TABLE flux.orientation DISABLE TRIGGER orientation_compter_modification;
SELECT flux.recalculer_attributaires();
ALTER TABLE flux.orientation ENABLE TRIGGER orientation_avant_modification;
ALTER TABLE flux.orientation ENABLE TRIGGER orientation_historiser_modification;
ALTER TABLE flux.orientation ENABLE TRIGGER orientation_compter_modification;

-- the candidates' steps move it
CREATE FUNCTION flux.candidature_attributaire() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	UPDATE flux.orientation o SET attributaire_id = a.id
	  FROM (SELECT flux.attributaire(NEW.orientation_id) AS id) a
	 WHERE o.id = NEW.orientation_id AND o.attributaire_id IS DISTINCT FROM a.id;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flux.candidature_attributaire() IS
	'Trigger: a CALEOL decision or rank, a validated refusal or a lease moves flux.orientation.attributaire_id';

CREATE TRIGGER candidature_attributaire
	AFTER UPDATE OF decision_caleol, rang_caleol, refus_valide_le, date_bail ON flux.candidature
	FOR EACH ROW
	WHEN (NEW.decision_caleol IS DISTINCT FROM OLD.decision_caleol OR NEW.rang_caleol IS DISTINCT FROM OLD.rang_caleol
		  OR NEW.refus_valide_le IS DISTINCT FROM OLD.refus_valide_le OR NEW.date_bail IS DISTINCT FROM OLD.date_bail)
	EXECUTE FUNCTION flux.candidature_attributaire();

-- and nobody else: it is the rule's, never typed in (a new orientation
-- has none: flux.orientation_estampiller refuses it)
CREATE FUNCTION flux.orientation_attributaire() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	regle bigint := flux.attributaire(NEW.id);
BEGIN
	IF NEW.attributaire_id IS DISTINCT FROM regle THEN
		RAISE EXCEPTION 'orientation %: attributaire_id % is not its attributed candidate (%)', OLD.id,
				coalesce(NEW.attributaire_id::text, 'NULL'), coalesce(regle::text, 'none')
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'flux keeps it: record the CALEOL decision, the validated refusal or the lease on the candidate (flux.candidature).';
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux.orientation_attributaire() IS
	'Trigger: attributaire_id only ever takes the value of flux.attributaire (the candidates'' steps set it)';

CREATE TRIGGER orientation_attributaire
	BEFORE UPDATE OF attributaire_id ON flux.orientation
	FOR EACH ROW
	WHEN (NEW.attributaire_id IS DISTINCT FROM OLD.attributaire_id)
	EXECUTE FUNCTION flux.orientation_attributaire();

--------------------------------------------------------------------------
-- 2. The base of the bilans: plain joins, parallel safe
--------------------------------------------------------------------------

CREATE OR REPLACE VIEW flux.bilan_orientation WITH (security_invoker = true) AS
SELECT extract(year FROM o.date_orientation)::integer AS annee,
	   o.id AS orientation_id, o.date_orientation,
	   b.id AS bailleur_id, b.nom AS bailleur, l.departement, l.depcom, cm.nom AS commune,
	   coalesce(cm.epci, l.epci) AS epci,
	   l.id AS logement_id, l.qpv, s.seg[2] AS typologie, s.seg[3] AS financement, s.seg[5] AS periode,
	   o.convention_id, c.reservataire_id, r.nom AS reservataire, r.categorie::text AS categorie,
	   o.hors_flux::text AS hors_flux, o.etat::text AS etat,
	   o.etat <> 'annulee' AS propose,
	   k.id IS NOT NULL AS attribue,
	   coalesce(k.refus_valide_le IS NOT NULL, false) AS refus_illegitime,
	   o.etat = 'bail_signe' AS bail,
	   coalesce(k.dalo, false) AS dalo,
	   coalesce(k.dalo OR k.prioritaire, false) AS prioritaire,
	   k.quartile
  FROM flux.orientation o
  JOIN flux.vacance v ON v.id = o.vacance_id
  JOIN flux.logement l ON l.id = v.logement_id
  JOIN flux.bailleur b ON b.id = l.bailleur_id
  LEFT JOIN flux.commune cm ON cm.depcom = l.depcom
  LEFT JOIN flux.convention c ON c.id = o.convention_id
  LEFT JOIN flux.reservataire r ON r.id = c.reservataire_id
 CROSS JOIN LATERAL (SELECT flux.segments(l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct) AS seg) s
  -- the household attributed (kept by the workflow)
  LEFT JOIN flux.candidature k ON k.id = o.attributaire_id;
COMMENT ON COLUMN flux.bilan_orientation.refus_illegitime IS
	'The attribution counted is a suitable offer''s refusal the réservataire validated as illegitimate (it counts as an attribution)';

/*
 * The detailed bilan groups on the codes (ids, INSEE codes, short labels)
 * compared bytewise (COLLATE "C": a deterministic collation groups alike,
 * and sorts several times faster than a linguistic one), then looks the
 * names up once per row of the bilan, not once per orientation.
 */
CREATE OR REPLACE VIEW flux.bilan_detaille WITH (security_invoker = true) AS
SELECT g.annee, g.bailleur_id, b.nom AS bailleur, g.departement COLLATE "default" AS departement, c.reservataire_id,
	   coalesce(r.nom, CASE g.hors_flux WHEN 'non_reserve' THEN 'part propre du bailleur'
										ELSE 'hors flux: ' || g.hors_flux END) COLLATE "default" AS destination,
	   coalesce(r.categorie::text, CASE g.hors_flux WHEN 'non_reserve' THEN 'non_reserve' ELSE 'hors_flux' END)
		   COLLATE "default" AS categorie,
	   g.typologie COLLATE "default" AS typologie, g.financement COLLATE "default" AS financement,
	   CASE WHEN g.qpv THEN 'QPV' ELSE 'hors QPV' END AS qpv,
	   g.depcom COLLATE "default" AS depcom, cm.nom AS commune, g.epci COLLATE "default" AS epci,
	   g.periode COLLATE "default" AS periode,
	   g.proposes, g.attribues, g.baux
  FROM (SELECT o.annee, o.bailleur_id, o.departement COLLATE "C" AS departement, o.convention_id,
			   o.hors_flux COLLATE "C" AS hors_flux, o.typologie COLLATE "C" AS typologie,
			   o.financement COLLATE "C" AS financement, o.qpv, o.depcom COLLATE "C" AS depcom,
			   o.epci COLLATE "C" AS epci, o.periode COLLATE "C" AS periode,
			   count(*) FILTER (WHERE o.propose) AS proposes, count(*) FILTER (WHERE o.attribue) AS attribues,
			   count(*) FILTER (WHERE o.bail) AS baux
		  FROM flux.bilan_orientation o
		 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11) g
  JOIN flux.bailleur b ON b.id = g.bailleur_id
  LEFT JOIN flux.commune cm ON cm.depcom = g.depcom
  LEFT JOIN flux.convention c ON c.id = g.convention_id
  LEFT JOIN flux.reservataire r ON r.id = c.reservataire_id;

/*
 * Every bilan filters on annee, extract(year FROM date_orientation): without
 * statistics on that expression the planner guesses 0.5 % of the
 * orientations (7 500 of 1.5 M, where a year has 500 000), and picks plans
 * made for a handful of rows (sorts instead of hashes, aggregation in the
 * leader).  ANALYZE keeps these statistics like a column's.
 */
CREATE STATISTICS flux.orientation_annee ON ((extract(year FROM date_orientation))::integer) FROM flux.orientation;
COMMENT ON STATISTICS flux.orientation_annee IS
	'Statistics on the year of the orientations, which every bilan filters on (flux.bilan_orientation.annee)';
ANALYZE flux.orientation;

--------------------------------------------------------------------------
-- 3. The bilans' counters in one C aggregate
--------------------------------------------------------------------------

CREATE FUNCTION flux.decompte_etapes_ajouter(etat bigint[], propose boolean, attribue boolean, refus boolean,
											 bail boolean, qpv boolean, prioritaire boolean, dalo boolean,
											 quartile smallint)
	RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'flux_decompte_etapes_ajouter'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION flux.decompte_etapes_ajouter(bigint[], boolean, boolean, boolean, boolean, boolean, boolean, boolean, smallint) IS
	'Transition function of flux.decompte_etapes: adds one orientation to the counters it belongs to';

CREATE FUNCTION flux.decompte_etapes_combiner(bigint[], bigint[])
	RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'flux_decompte_etapes_combiner'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION flux.decompte_etapes_combiner(bigint[], bigint[]) IS
	'Combine function of flux.decompte_etapes: adds two partial states (parallel workers)';

CREATE AGGREGATE flux.decompte_etapes(propose boolean, attribue boolean, refus boolean, bail boolean, qpv boolean,
									  prioritaire boolean, dalo boolean, quartile smallint) (
	SFUNC = flux.decompte_etapes_ajouter,
	STYPE = bigint[],
	INITCOND = '{0,0,0,0,0,0,0,0,0,0,0,0,0}',
	COMBINEFUNC = flux.decompte_etapes_combiner,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE flux.decompte_etapes(boolean, boolean, boolean, boolean, boolean, boolean, boolean, smallint) IS
	'The bilans'' 13 counters in one pass: proposes, attribues, refus_illegitimes, baux, attribues_prioritaires, attribues_dalo, baux_hors_qpv, baux_hors_qpv_q1, baux_hors_qpv_dalo, attribues_qpv, attribues_qpv_q234, attribues_qpv_dalo, baux_prioritaires';

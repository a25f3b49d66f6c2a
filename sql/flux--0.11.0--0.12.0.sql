--
-- flux 0.11.0 -> 0.12.0: every path linear at any size, the transmitted
-- bilans frozen, a territory consolidated across bailleurs' databases
-- (issue 17)
--
-- One section per concern, in the order of the concern files (Makefile
-- CONCERNS).  What each object is now: src/*.sql.  Every existing row is
-- kept.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.12.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- (section of the RPLS loading's speed)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the workflow's speed: the sweep, small statements, recommander)
-- ---------------------------------------------------------------------------

/*
 * A change: only the transitions of flux.etats_suivants; an answer after
 * its deadline is refused when silence already was acceptance (or made the
 * orientation expire); acceptance stamps the designation deadlines,
 * an extension moves them.  C since 0.12.0 (src/transitions.c, which says
 * each rule): the deadline sweep changes thousands of rows in one UPDATE,
 * and the PL/pgSQL trigger cost about 60 us a row.
 */
CREATE OR REPLACE FUNCTION flux.orientation_avant_modification() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_orientation_avant_modification'
	LANGUAGE C;

-- the sweep's UPDATEs join their locked rows on the key alone (linear)
CREATE OR REPLACE FUNCTION flux.balayer_echeances(a_la_date timestamptz DEFAULT now())
	RETURNS TABLE (orientation_id bigint, candidature_id bigint, de text, vers text, echeance date)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	jour date := a_la_date::date;
BEGIN
	IF a_la_date IS NULL OR NOT isfinite(a_la_date) THEN
		RAISE EXCEPTION 'the sweep needs a finite date, not %', coalesce(a_la_date::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Call flux.appliquer_echeances() for now, or pass a timestamp.';
	END IF;

	-- Each step locks its rows in a CTE, and the UPDATE joins them on the
	-- key alone.  The lock re-reads the latest version of each row and
	-- re-checks the CTE's conditions on it (READ COMMITTED), and once
	-- locked nobody changes it: the conditions are not repeated on the
	-- UPDATE's side.  Repeated there, they let the planner scan the table
	-- by them and look up the CTE for each row it finds: the first step
	-- makes thousands of orientations acceptee in this transaction, the
	-- statistics still say there are none, and the second step went
	-- quadratic (24 s for 10 000 rows, 0.11.0).  On the key alone, every
	-- plan the planner can choose is linear (bench/workflow, the sweep).
	RETURN QUERY
	WITH cibles AS (
		SELECT o.id, c.silence_vaut_acceptation AS silence FROM flux.orientation o
		  JOIN flux.convention c ON c.id OPERATOR(pg_catalog.=) o.convention_id
		 WHERE o.etat OPERATOR(pg_catalog.=) 'proposee' AND o.echeance_reponse < jour
		   FOR UPDATE OF o SKIP LOCKED
	)
	UPDATE flux.orientation o
	   SET etat = CASE WHEN cibles.silence THEN 'acceptee' ELSE 'expiree' END::flux.etat_orientation,
		   date_reponse = o.echeance_reponse,
		   motif = format('pas de réponse au %s : %s', to_char(o.echeance_reponse, 'DD/MM/YYYY'),
						  CASE WHEN cibles.silence THEN 'le silence vaut acceptation' ELSE 'orientation expirée' END)
	  FROM cibles
	 WHERE o.id OPERATOR(pg_catalog.=) cibles.id
	RETURNING o.id, NULL::bigint, 'proposee'::text, o.etat::text, o.echeance_reponse AS echeance;

	RETURN QUERY
	WITH cibles AS (
		SELECT o.id FROM flux.orientation o
		 WHERE o.etat OPERATOR(pg_catalog.=) 'acceptee' AND o.echeance_designation < jour
		   AND NOT EXISTS (SELECT 1 FROM flux.candidature k WHERE k.orientation_id = o.id)
		   FOR UPDATE SKIP LOCKED
	)
	UPDATE flux.orientation o
	   SET etat = 'restituee',
		   motif = format('aucun candidat au %s : le logement revient au bailleur (nouvelle orientation, désignation par le bailleur ou prolongation)', to_char(o.echeance_designation, 'DD/MM/YYYY'))
	  FROM cibles
	 WHERE o.id OPERATOR(pg_catalog.=) cibles.id
	RETURNING o.id, NULL::bigint, 'acceptee'::text, o.etat::text, o.echeance_designation AS echeance;

	RETURN QUERY
	WITH cibles AS (
		SELECT k.id FROM flux.candidature k JOIN flux.orientation o ON o.id = k.orientation_id
		 WHERE k.date_proposition IS NOT NULL AND k.reponse_menage IS NULL
		   AND k.echeance_reponse_menage < jour AND o.etat OPERATOR(pg_catalog.=) 'attribuee'
		   FOR UPDATE OF k SKIP LOCKED
	)
	UPDATE flux.candidature k
	   SET reponse_menage = 'sans_reponse', date_reponse_menage = k.echeance_reponse_menage,
		   motif_refus = format('pas de réponse au %s : le silence vaut refus', to_char(k.echeance_reponse_menage, 'DD/MM/YYYY'))
	  FROM cibles
	 WHERE k.id OPERATOR(pg_catalog.=) cibles.id
	RETURNING k.orientation_id, k.id, 'proposition'::text, 'reponse_sans_reponse'::text, k.echeance_reponse_menage AS echeance;

	-- the deadlines at whose term the conventions name no change of state:
	-- the sweep records that each passed, once (the unique index
	-- orientation_historique_echeance_constatee), and changes nothing.
	-- The notice that the réservataire cannot designate (Ornex art. 6): the
	-- convention says what the bailleur may do once told, nothing of a
	-- silence; the designation deadline still runs.
	RETURN QUERY
	WITH cibles AS (
		SELECT o.id, o.echeance_impossibilite, o.echeance_designation FROM flux.orientation o
		 WHERE o.etat OPERATOR(pg_catalog.=) 'acceptee' AND o.echeance_impossibilite < jour
		   AND NOT EXISTS (SELECT 1 FROM flux.orientation_historique h
							WHERE h.orientation_id = o.id AND h.vers OPERATOR(pg_catalog.=) 'echeance_impossibilite')
		   FOR UPDATE OF o SKIP LOCKED
	), notes AS (
		INSERT INTO flux.orientation_historique (orientation_id, de, vers, origine, motif)
		SELECT cibles.id, 'acceptee', 'echeance_impossibilite', flux.origine_courante(),
			   format('pas de signalement d''impossibilité de désigner au %s : rien ne s''ensuit (la convention ne prévoit aucune conséquence) ; les candidats sont attendus au plus tard le %s',
					  to_char(cibles.echeance_impossibilite, 'DD/MM/YYYY'), to_char(cibles.echeance_designation, 'DD/MM/YYYY'))
		  FROM cibles
		ON CONFLICT (orientation_id, vers) WHERE vers IN ('echeance_impossibilite', 'echeance_designation') DO NOTHING
		RETURNING flux.orientation_historique.orientation_id
	)
	SELECT notes.orientation_id, NULL::bigint, 'acceptee'::text, 'echeance_impossibilite'::text, cibles.echeance_impossibilite
	  FROM notes JOIN cibles ON cibles.id = notes.orientation_id;

	-- The designation deadline passed with fewer candidates than the
	-- convention asks for (Ornex art. 6 table, Publier art. 5.3): the
	-- bailleur may complete the list (a candidate designe_par bailleur,
	-- which the deadline does not bind); the réservataire can no longer
	-- designate (candidature_avant_insertion).  Nothing else follows.
	RETURN QUERY
	WITH cibles AS (
		SELECT o.id, o.echeance_designation, n.candidats,
			   CASE WHEN n.dalo THEN c.candidats_max_dalo ELSE c.candidats_max END AS attendus
		  FROM flux.orientation o
		  JOIN flux.convention c ON c.id = o.convention_id
		  CROSS JOIN LATERAL (SELECT count(*) AS candidats, bool_or(k.dalo) AS dalo
								FROM flux.candidature k WHERE k.orientation_id = o.id) n
		 WHERE o.etat OPERATOR(pg_catalog.=) 'candidats_designes' AND o.echeance_designation < jour
		   AND n.candidats < CASE WHEN n.dalo THEN c.candidats_max_dalo ELSE c.candidats_max END
		   AND NOT EXISTS (SELECT 1 FROM flux.orientation_historique h
							WHERE h.orientation_id = o.id AND h.vers OPERATOR(pg_catalog.=) 'echeance_designation')
		   FOR UPDATE OF o SKIP LOCKED
	), notes AS (
		INSERT INTO flux.orientation_historique (orientation_id, de, vers, origine, motif)
		SELECT cibles.id, 'candidats_designes', 'echeance_designation', flux.origine_courante(),
			   format('%s candidat(s) sur %s au %s : le bailleur peut compléter la liste ; rien d''autre ne s''ensuit',
					  cibles.candidats, cibles.attendus, to_char(cibles.echeance_designation, 'DD/MM/YYYY'))
		  FROM cibles
		ON CONFLICT (orientation_id, vers) WHERE vers IN ('echeance_impossibilite', 'echeance_designation') DO NOTHING
		RETURNING flux.orientation_historique.orientation_id
	)
	SELECT notes.orientation_id, NULL::bigint, 'candidats_designes'::text, 'echeance_designation'::text, cibles.echeance_designation
	  FROM notes JOIN cibles ON cibles.id = notes.orientation_id;
END
$$;


-- ---------------------------------------------------------------------------
-- (section of the transmitted bilans, frozen)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the consolidation across databases)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the access control: grants of the objects above)
-- ---------------------------------------------------------------------------

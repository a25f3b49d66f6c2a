--
-- flux 0.13.0 -> 0.14.0: the deadline sweep within 2x of its bare writes:
-- the notifications in C, the counters read from the transition tables,
-- the audit's key in a hash index (issue 17, continued)
--
-- One section per concern, in the order of the concern files (Makefile
-- CONCERNS).  What each object is now: src/*.sql.  Every existing row is
-- kept.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.14.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- (section of the workflow: the history)
-- ---------------------------------------------------------------------------

-- the old and new rows of an UPDATE pair up by a hash join, not a merge
-- join over two sorts the planner chose knowing nothing of transition
-- tables (src/workflow.sql)
CREATE OR REPLACE FUNCTION flux.orientation_historiser() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
	-- the old and new rows of an UPDATE pair up on the key, one for one,
	-- which the planner cannot know of transition tables: it guessed a
	-- merge join (two sorts) for a hash join's work (bench/workflow)
	SET enable_mergejoin = off
AS $$
DECLARE
	origine text;
BEGIN
	origine := flux.origine_courante();
	IF TG_OP = 'INSERT' THEN
		INSERT INTO flux.orientation_historique (orientation_id, de, vers, origine, motif)
		SELECT n.id, NULL, n.etat::text, origine, n.motif
		  FROM nouvelles n;
	ELSE
		INSERT INTO flux.orientation_historique (orientation_id, de, vers, origine, motif)
		SELECT n.id, a.etat::text, n.etat::text, origine, n.motif
		  FROM nouvelles n JOIN anciennes a ON a.id = n.id
		 WHERE n.etat <> a.etat;
	END IF;
	RETURN NULL;
END
$$;

-- ---------------------------------------------------------------------------
-- (section of the notifications)
-- ---------------------------------------------------------------------------

-- flux.orientation_notifier is C (src/notifications.c): the same payloads,
-- on the same channels, in the same order, without a query over the
-- statement's rows (about 40 000 instructions a row of the deadline sweep
-- in PL/pgSQL)
CREATE OR REPLACE FUNCTION flux.orientation_notifier() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_orientation_notifier'
	LANGUAGE C;

-- ---------------------------------------------------------------------------
-- (section of the orientation engine's counters)
-- ---------------------------------------------------------------------------

-- the counters of a statement's changes of state are read from its
-- transition tables, grouped on the units' plain columns before their
-- segments, instead of reading every orientation again by id; the writes
-- in the order of the key are one function, flux.compteur_ecrire, shared
-- with flux.compteur_appliquer (src/orientation.sql)
CREATE FUNCTION flux.compteur_ecrire(deltas flux.compteur_orientation[]) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	d record;
	reste integer;
BEGIN
	FOR d IN
		SELECT x.bailleur_id, x.departement, x.annee, x.destination, x.dimension, x.valeur, x.n
		  FROM pg_catalog.unnest(deltas) x
		 WHERE x.n <> 0
		 ORDER BY 1, 2, 3, 4, 5, 6
	LOOP
		IF d.n > 0 THEN
			INSERT INTO flux.compteur_orientation AS k (bailleur_id, departement, annee, destination, dimension, valeur, n)
			VALUES (d.bailleur_id, d.departement, d.annee, d.destination, d.dimension, d.valeur, d.n)
			ON CONFLICT (bailleur_id, departement, annee, destination, dimension, valeur)
			DO UPDATE SET n = k.n + EXCLUDED.n;
		ELSE
			UPDATE flux.compteur_orientation k SET n = k.n + d.n
			 WHERE (k.bailleur_id, k.departement, k.annee, k.destination, k.dimension, k.valeur)
				 = (d.bailleur_id, d.departement, d.annee, d.destination, d.dimension, d.valeur)
			RETURNING k.n INTO reste;
			IF reste = 0 THEN
				DELETE FROM flux.compteur_orientation k
				 WHERE (k.bailleur_id, k.departement, k.annee, k.destination, k.dimension, k.valeur)
					 = (d.bailleur_id, d.departement, d.annee, d.destination, d.dimension, d.valeur)
				   AND k.n = 0;
			END IF;
		END IF;
	END LOOP;
END
$$;

COMMENT ON FUNCTION flux.compteur_ecrire(flux.compteur_orientation[]) IS
	'Writes netted deltas to flux.compteur_orientation in the order of the key (no deadlock between statements): upserts a positive delta, takes a negative one from its counter and deletes the counter at zero';

CREATE OR REPLACE FUNCTION flux.compteur_appliquer(plus bigint[], moins bigint[]) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	-- the orientations that now count and those that no longer do, netted
	-- per counter (a few rows per statement)
	PERFORM flux.compteur_ecrire(array_agg(ROW(d.bailleur_id, d.departement, d.annee, d.destination,
												d.dimension, d.valeur, d.n)::flux.compteur_orientation))
	  FROM (SELECT x.bailleur_id, x.departement, x.annee, x.destination, x.dimension, x.valeur, sum(x.n)::integer AS n
			  FROM (SELECT p.bailleur_id, p.departement, p.annee, p.destination, p.dimension, p.valeur, p.n
					  FROM flux.compteur_deltas(coalesce(plus, '{}')) p
					UNION ALL
					SELECT m.bailleur_id, m.departement, m.annee, m.destination, m.dimension, m.valeur, -m.n
					  FROM flux.compteur_deltas(coalesce(moins, '{}')) m) x
			 GROUP BY 1, 2, 3, 4, 5, 6
			HAVING sum(x.n) <> 0) d
	HAVING count(*) > 0;
END
$$;

CREATE OR REPLACE FUNCTION flux.orientation_compter() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
	-- the old and new rows of an UPDATE pair up on the key, one for one,
	-- which the planner cannot know of transition tables: it guessed a
	-- merge join (two sorts) for a hash join's work (bench/workflow)
	SET enable_mergejoin = off
	-- a bulk INSERT hands it 100 000 rows: hash them, do not sort them on disk
	SET work_mem = '64MB'
AS $$
DECLARE
	vacances bigint[];
	dates date[];
	destinations bigint[];
	signes integer[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		-- the bulk path: the new rows grouped by destination and segments
		-- first (a few groups), each group then counted twelve times (its
		-- destination and all of the flux, in all and by each segment), and
		-- written in the order of the key (a few hundred rows to sort)
		INSERT INTO flux.compteur_orientation AS k (bailleur_id, departement, annee, destination, dimension, valeur, n)
		SELECT g.bailleur_id, g.departement, g.annee, ds.destination, dv.dimension::smallint, dv.valeur, sum(g.n)::integer
		  FROM (
			SELECT u.bailleur_id, u.departement, u.annee, u.dest,
				   flux.segments(u.qpv, u.nbpiece, u.finan, u.cus, u.depcom, u.construct) AS s, u.n
			  FROM (
				-- grouped on the units' plain columns first: a hash on scalars
				SELECT l.bailleur_id, l.departement, extract(year FROM n.date_orientation)::integer AS annee,
					   coalesce(n.convention_id, 0) AS dest, l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct,
					   count(*) AS n
				  FROM nouvelles n
				  JOIN flux.vacance v ON v.id = n.vacance_id
				  JOIN flux.logement l ON l.id = v.logement_id
				 WHERE flux.compte_au_quota(n.etat, n.hors_flux, NULL)
				 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) u) g
		 CROSS JOIN LATERAL (VALUES (g.dest), (-1)) AS ds(destination)
		 CROSS JOIN LATERAL (SELECT 0 AS dimension, '' AS valeur
							 UNION ALL SELECT d.dim, g.s[d.dim] FROM generate_series(1, 5) d(dim)) dv
		 GROUP BY 1, 2, 3, 4, 5, 6
		 ORDER BY 1, 2, 3, 4, 5, 6
		ON CONFLICT (bailleur_id, departement, annee, destination, dimension, valeur)
		DO UPDATE SET n = k.n + EXCLUDED.n;
		RETURN NULL;
	END IF;
	-- the changes of state: the rows that now count (+1, their new columns)
	-- and those that no longer do (-1, their old ones), straight from the
	-- transition tables (0.13.0 read every orientation again by id); most
	-- single-row steps change no count and stop here
	SELECT array_agg(CASE WHEN p.maintenant THEN n.vacance_id ELSE a.vacance_id END),
		   array_agg(CASE WHEN p.maintenant THEN n.date_orientation ELSE a.date_orientation END),
		   array_agg(CASE WHEN p.maintenant THEN n.convention_id ELSE a.convention_id END),
		   array_agg(CASE WHEN p.maintenant THEN 1 ELSE -1 END)
	  INTO vacances, dates, destinations, signes
	  FROM nouvelles n JOIN anciennes a ON a.id = n.id
	  LEFT JOIN flux.convention c ON c.id = n.convention_id
	 CROSS JOIN LATERAL (SELECT flux.compte_au_quota(n.etat, n.hors_flux, c.refus_compte_quota) AS maintenant,
								flux.compte_au_quota(a.etat, a.hors_flux, c.refus_compte_quota) AS avant) p
	 WHERE p.maintenant <> p.avant;
	IF vacances IS NULL THEN
		RETURN NULL;
	END IF;
	-- grouped on the units' plain columns first, netted per counter
	PERFORM flux.compteur_ecrire(array_agg(ROW(d.bailleur_id, d.departement, d.annee, d.destination,
													d.dimension, d.valeur, d.n)::flux.compteur_orientation))
	  FROM (
		SELECT g.bailleur_id, g.departement, g.annee, ds.destination, dv.dimension::smallint AS dimension,
			   dv.valeur, sum(g.n)::integer AS n
		  FROM (
			SELECT u.bailleur_id, u.departement, u.annee, u.dest,
				   flux.segments(u.qpv, u.nbpiece, u.finan, u.cus, u.depcom, u.construct) AS s, u.n
			  FROM (
				SELECT l.bailleur_id, l.departement, extract(year FROM t.date_orientation)::integer AS annee,
					   coalesce(t.convention_id, 0) AS dest, l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct,
					   sum(t.signe) AS n
				  FROM unnest(vacances, dates, destinations, signes)
					 AS t(vacance_id, date_orientation, convention_id, signe)
				 -- each unit by its keys (OFFSET 0: never a hash of the whole
				 -- table, which the planner chose for a sweep of 1 200 rows
				 -- out of 20 000 units)
				 CROSS JOIN LATERAL (
					SELECT l.bailleur_id, l.departement, l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct
					  FROM flux.vacance v JOIN flux.logement l ON l.id = v.logement_id
					 WHERE v.id = t.vacance_id OFFSET 0) l
				 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) u) g
		 CROSS JOIN LATERAL (VALUES (g.dest), (-1)) AS ds(destination)
		 CROSS JOIN LATERAL (SELECT 0 AS dimension, '' AS valeur
							 UNION ALL SELECT x.dim, g.s[x.dim] FROM generate_series(1, 5) x(dim)) dv
		 GROUP BY 1, 2, 3, 4, 5, 6
		HAVING sum(g.n) <> 0) d
	HAVING count(*) > 0;
	RETURN NULL;
END
$$;
-- ---------------------------------------------------------------------------
-- (section of the audit)
-- ---------------------------------------------------------------------------

-- the key of a row's trail in a hash index (looked up by equality only): the
-- btree over (relation, cle) cost 20 000 instructions a row written
DROP INDEX flux.audit_relation_cle;
CREATE INDEX audit_cle ON flux.audit USING hash (cle);

-- ---------------------------------------------------------------------------
-- (section of the privileges)
-- ---------------------------------------------------------------------------

REVOKE EXECUTE ON FUNCTION flux.compteur_ecrire(flux.compteur_orientation[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flux.compteur_ecrire(flux.compteur_orientation[]) TO flux_admin, flux_gestionnaire;

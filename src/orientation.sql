--
-- src/orientation.sql: the orientation engine over the tables: segments, the counters it reads
--   (kept by statement triggers), the recommendation, the decision, the
--   replay of a year
--
-- C: src/moteur.c (through moteur.sql)
-- Builds on: workflow.sql, moteur.sql
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- Segments of a unit, and the counters the engine reads
--------------------------------------------------------------------------

-- the five segments of a unit, in the order of flux.compteur_orientation.dimension 1..5
CREATE FUNCTION flux.segments(qpv boolean, nbpiece smallint, finan smallint, cus smallint,
							  depcom text, construct smallint) RETURNS text[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ARRAY[
		CASE WHEN qpv THEN 'qpv' ELSE 'hors_qpv' END,
		CASE WHEN nbpiece >= 5 THEN 'T5+' ELSE 'T' || nbpiece::text END,
		CASE WHEN cus = 11 OR finan IN (10, 11) THEN 'PLAI'
			 WHEN cus = 14 OR finan = 14 THEN 'PLS'
			 WHEN cus = 13 OR finan IN (12, 13) THEN 'PLUS'
			 ELSE 'autre' END,
		depcom,
		CASE WHEN construct IS NULL THEN 'inconnue'
			 WHEN construct < 1949 THEN 'avant 1949'
			 WHEN construct < 1975 THEN '1949-1974'
			 WHEN construct < 2000 THEN '1975-1999'
			 WHEN construct < 2013 THEN '2000-2012'
			 ELSE 'depuis 2013' END];

COMMENT ON FUNCTION flux.segments(boolean, smallint, smallint, smallint, text, smallint) IS
	'The segments of a unit the fair mix follows: in/out of QPV, typologie (T1 .. T5+), financing (PLAI, PLUS, PLS, autre), commune, construction period';

CREATE FUNCTION flux.dimensions() RETURNS text[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN '{qpv,typologie,financement,commune,periode}'::text[];

COMMENT ON FUNCTION flux.dimensions() IS
	'Names of the segment dimensions 1 to 5 of flux.segments and flux.compteur_orientation';

/*
 * What the bailleur gave so far, by year: for each destination (a
 * convention; 0 = the bailleur's own unreserved share; -1 = all of the
 * flux) the units oriented, in all (dimension 0) and by segment (1 to 5,
 * flux.dimensions()).  An orientation counts when it went to a convention
 * and was not cancelled, refused or left to expire (a refusal counts when
 * the convention says so: refus_compte_quota), or to the bailleur's own
 * share (hors_flux = 'non_reserve'); other relocations outside the flux do
 * not.  Kept by the statement triggers of flux.orientation, so that the
 * engine reads a few rows instead of a year of orientations.
 */
CREATE TABLE flux.compteur_orientation (
	bailleur_id		bigint NOT NULL,
	departement		text NOT NULL,
	annee			integer NOT NULL,
	destination		bigint NOT NULL,
	dimension		smallint NOT NULL CHECK (dimension BETWEEN 0 AND 5),
	valeur			text NOT NULL,
	n				integer NOT NULL CHECK (n >= 0),
	PRIMARY KEY (bailleur_id, departement, annee, destination, dimension, valeur)
);

COMMENT ON TABLE flux.compteur_orientation IS
	'Units of the flux oriented so far each year, by destination and segment, for the orientation engine (kept by triggers; flux.recompter rebuilds it)';

COMMENT ON COLUMN flux.compteur_orientation.bailleur_id IS 'The bailleur';

COMMENT ON COLUMN flux.compteur_orientation.departement IS 'The département';

COMMENT ON COLUMN flux.compteur_orientation.annee IS 'Year of the orientations';

COMMENT ON COLUMN flux.compteur_orientation.destination IS 'Convention id; 0 = the bailleur''s own share; -1 = all of the flux';

COMMENT ON COLUMN flux.compteur_orientation.dimension IS '0 = all units; 1 to 5 = the segment dimension (flux.dimensions())';

COMMENT ON COLUMN flux.compteur_orientation.valeur IS 'The segment''s value ('''' for dimension 0)';

COMMENT ON COLUMN flux.compteur_orientation.n IS 'Units oriented';

-- flux.recommander reads, for each destination, its total and the unit's
-- five segments: by this index, six ranges of a few rows each, not one
-- probe per destination and segment (0.12.0)
CREATE INDEX compteur_orientation_segment ON flux.compteur_orientation (bailleur_id, departement, annee, dimension, valeur);

SELECT pg_catalog.pg_extension_config_dump('flux.compteur_orientation', '');

-- does an orientation count against the quota of its destination?
CREATE FUNCTION flux.compte_au_quota(etat flux.etat_orientation, hors_flux flux.motif_hors_flux,
									 refus_compte_quota boolean) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN hors_flux IS NOT NULL THEN hors_flux = 'non_reserve' AND etat <> 'annulee'
				ELSE etat NOT IN ('annulee', 'refusee', 'expiree')
					 OR (etat IN ('refusee', 'expiree') AND coalesce(refus_compte_quota, false)) END;

COMMENT ON FUNCTION flux.compte_au_quota(flux.etat_orientation, flux.motif_hors_flux, boolean) IS
	'An orientation counts against its destination''s quota: not cancelled, nor refused or expired unless its convention says so; outside the flux only the bailleur''s own share';

-- what orientations add to the counters, by destination and segment
CREATE FUNCTION flux.compteur_deltas(ids bigint[])
	RETURNS TABLE (bailleur_id bigint, departement text, annee integer, destination bigint,
				   dimension smallint, valeur text, n integer)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT x.bailleur_id, x.departement, x.annee, ds.destination, dv.dimension::smallint, dv.valeur, sum(x.n)::integer
	  FROM (
		SELECT l.bailleur_id, l.departement, extract(year FROM o.date_orientation)::integer AS annee,
			   coalesce(o.convention_id, 0) AS dest,
			   flux.segments(l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct) AS s, count(*) AS n
		  FROM flux.orientation o
		  JOIN flux.vacance v ON v.id = o.vacance_id
		  JOIN flux.logement l ON l.id = v.logement_id
		 WHERE o.id = ANY (ids)
		 GROUP BY 1, 2, 3, 4, 5) x
	 CROSS JOIN LATERAL (VALUES (x.dest), (-1)) AS ds(destination)
	 CROSS JOIN LATERAL (SELECT 0 AS dimension, '' AS valeur
						 UNION ALL SELECT g.dim, x.s[g.dim] FROM generate_series(1, 5) g(dim)) dv
	 GROUP BY 1, 2, 3, 4, 5, 6
$$;

COMMENT ON FUNCTION flux.compteur_deltas(bigint[]) IS
	'What orientations count in flux.compteur_orientation: one row per destination (its own, and -1 for all), dimension and segment';

-- add (signe 1) or take away (-1) orientations from the counters
CREATE FUNCTION flux.compteur_ajouter(ids bigint[], signe integer) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF signe > 0 THEN
		PERFORM flux.compteur_appliquer(ids, NULL);
	ELSE
		PERFORM flux.compteur_appliquer(NULL, ids);
	END IF;
END
$$;

COMMENT ON FUNCTION flux.compteur_ajouter(bigint[], integer) IS
	'Adds orientations to (or, signe = -1, takes them from) flux.compteur_orientation, by destination and segment';

-- The counters, written in the order of their key.  Every statement that
-- orients or changes orientations takes the rows of flux.compteur_orientation
-- it needs (the row lock of an existing counter, the insertion of a new one)
-- in one pass, by increasing key: two such statements can wait for each
-- other, never each for the other.
CREATE FUNCTION flux.orientation_compter() RETURNS trigger
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
REVOKE EXECUTE ON FUNCTION flux.orientation_compter() FROM PUBLIC;

COMMENT ON FUNCTION flux.orientation_compter() IS
	'Trigger (each statement): keeps flux.compteur_orientation as orientations are created and change state';

CREATE TRIGGER orientation_compter_insertion
	AFTER INSERT ON flux.orientation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.orientation'))
	EXECUTE FUNCTION flux.orientation_compter();

CREATE TRIGGER orientation_compter_modification
	AFTER UPDATE ON flux.orientation REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.orientation_compter();

-- rebuild the counters from the orientations (after a restore, or to check them)
CREATE FUNCTION flux.recompter() RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	ids bigint[];
BEGIN
	LOCK TABLE flux.orientation IN SHARE MODE;
	DELETE FROM flux.compteur_orientation;
	SELECT array_agg(o.id) INTO ids
	  FROM flux.orientation o LEFT JOIN flux.convention c ON c.id = o.convention_id
	 WHERE flux.compte_au_quota(o.etat, o.hors_flux, c.refus_compte_quota);
	IF ids IS NOT NULL THEN
		PERFORM flux.compteur_ajouter(ids, 1);
	END IF;
	RETURN coalesce(cardinality(ids), 0);
END
$$;

COMMENT ON FUNCTION flux.recompter() IS
	'Rebuilds flux.compteur_orientation from flux.orientation; returns the orientations counted';

--------------------------------------------------------------------------
-- The combined segments a bailleur declares less attractive (issue 15.5)
--------------------------------------------------------------------------

/*
 * A combined segment: the units whose segments (flux.segments) take, on
 * each dimension named in combinaison, one of the values listed (e.g.
 * {"typologie": ["T1"], "qpv": ["qpv"]}: the T1 in QPV).  The engine keeps
 * each destination within its share of those units too (docs/orientation.md,
 * "The fair mix on combined segments").  No row: the engine is 0.10.0's.
 */
CREATE TABLE flux.segment_moins_attractif (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur_id		bigint NOT NULL REFERENCES flux.bailleur (id),
	departement		text NOT NULL,
	nom				text NOT NULL CHECK (btrim(nom) <> ''),
	combinaison		jsonb NOT NULL,
	UNIQUE (bailleur_id, departement, nom)
);

COMMENT ON TABLE flux.segment_moins_attractif IS
	'Combined segments a bailleur declares less attractive in a département: the engine keeps each destination within its share of their units too (default: none)';
COMMENT ON COLUMN flux.segment_moins_attractif.id IS 'Identifier';
COMMENT ON COLUMN flux.segment_moins_attractif.bailleur_id IS 'The bailleur declaring it';
COMMENT ON COLUMN flux.segment_moins_attractif.departement IS 'The département of its flux';
COMMENT ON COLUMN flux.segment_moins_attractif.nom IS 'Its name, in French, as the reasons of flux.recommander show it (e.g. T1 en QPV)';
COMMENT ON COLUMN flux.segment_moins_attractif.combinaison IS
	'Which units belong to it: a JSON object from dimension names of flux.dimensions() (qpv, typologie, financement, commune, periode) to arrays of the values flux.segments gives; a unit belongs when every dimension named takes one of its values';

SELECT pg_catalog.pg_extension_config_dump('flux.segment_moins_attractif', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('flux.segment_moins_attractif', 'id'), '');

-- a declared combination is checked on write: known dimensions, known values
CREATE FUNCTION flux.segment_moins_attractif_verifier() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	dim text;
	vals jsonb;
	val jsonb;
	connues text[];
BEGIN
	PERFORM flux.verifier_departement(NEW.departement);
	IF jsonb_typeof(NEW.combinaison) <> 'object' OR NEW.combinaison = '{}'::jsonb THEN
		RAISE EXCEPTION 'combined segment "%" must be a non-empty JSON object, not %', NEW.nom, NEW.combinaison
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Map dimension names to arrays of values, e.g. {"typologie": ["T1"], "qpv": ["qpv"]}.';
	END IF;
	FOR dim, vals IN SELECT e.key, e.value FROM jsonb_each(NEW.combinaison) e LOOP
		IF NOT dim = ANY (flux.dimensions()) THEN
			RAISE EXCEPTION 'unknown dimension "%" in combined segment "%"', dim, NEW.nom
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = format('The dimensions are %s.', array_to_string(flux.dimensions(), ', '));
		END IF;
		IF jsonb_typeof(vals) <> 'array' OR jsonb_array_length(vals) = 0 THEN
			RAISE EXCEPTION 'dimension "%" of combined segment "%" must be a non-empty array of values, not %', dim, NEW.nom, vals
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'List the values as JSON strings, e.g. ["T1", "T2"].';
		END IF;
		connues := CASE dim
			WHEN 'qpv' THEN '{qpv,hors_qpv}'
			WHEN 'typologie' THEN '{T1,T2,T3,T4,T5+}'
			WHEN 'financement' THEN '{PLAI,PLUS,PLS,autre}'
			WHEN 'periode' THEN '{avant 1949,1949-1974,1975-1999,2000-2012,depuis 2013,inconnue}' END;
		FOR val IN SELECT x FROM jsonb_array_elements(vals) x LOOP
			IF jsonb_typeof(val) <> 'string'
			   OR (dim = 'commune' AND NOT val #>> '{}' ~ '^[0-9][0-9AB][0-9]{3}$')
			   OR (dim <> 'commune' AND NOT (val #>> '{}') = ANY (connues)) THEN
				RAISE EXCEPTION 'unknown value % of dimension "%" in combined segment "%"', val, dim, NEW.nom
					USING ERRCODE = 'invalid_parameter_value',
						  HINT = CASE WHEN dim = 'commune' THEN 'A commune is its INSEE code as a JSON string, e.g. "74218".'
									  ELSE format('The values of %s are %s.', dim, array_to_string(connues, ', ')) END;
			END IF;
		END LOOP;
	END LOOP;
	RETURN NEW;
END
$$;

REVOKE EXECUTE ON FUNCTION flux.segment_moins_attractif_verifier() FROM PUBLIC;

COMMENT ON FUNCTION flux.segment_moins_attractif_verifier() IS
	'Trigger: refuses a combined segment with an unknown dimension or value (22023, with the known ones in the hint)';

CREATE TRIGGER segment_moins_attractif_verifier
	BEFORE INSERT OR UPDATE ON flux.segment_moins_attractif
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.segment_moins_attractif'))
	EXECUTE FUNCTION flux.segment_moins_attractif_verifier();

-- does a unit of these segments (flux.segments) belong to the combination?
CREATE FUNCTION flux.dans_combinaison(combinaison jsonb, segments text[]) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_each(combinaison) e
						WHERE NOT (e.value OPERATOR(pg_catalog.?)
								   segments[pg_catalog.array_position(flux.dimensions(), e.key)]));

COMMENT ON FUNCTION flux.dans_combinaison(jsonb, text[]) IS
	'A unit with these segments (flux.segments) belongs to the combined segment: every dimension named takes one of the values listed';

--------------------------------------------------------------------------
-- The recommendation for a vacancy
--------------------------------------------------------------------------

/*
 * flux.recommander: every destination of a vacancy, ranked.  Destinations:
 * the flux conventions of the unit's bailleur and département in force that
 * day and covering its commune, not yet refused for this vacancy, and the
 * bailleur's own share (100 % minus theirs).  Counters of the year read in
 * one query (flux.compteur_orientation); the rule is flux.classer_destinations:
 *
 *   due       its share of each unit of its territory oriented so far, this
 *             one included (the bailleur's own share: what the conventions
 *             leave in each commune)
 *   counted   units oriented to it this year
 *   deficit   due - counted
 *   segments  for each of the vacancy's segments, counted / due in it
 *   retard    sum over the segments of share x (segment units + 1) - counted there
 *   priority  the State outside QPV, a unit or more under max(share, 30 %)
 *             of the units oriented outside QPV
 *   combined  when the unit belongs to combined segments the bailleur
 *             declared less attractive (flux.segment_moins_attractif): in
 *             each, share x (its units oriented this year + 1) - counted
 *             there, summed; the rule is then the six-argument
 *             flux.classer_destinations (decision combine)
 *
 * With avec_exclus, the conventions that cannot take the unit follow, with
 * why (rang NULL).
 */
CREATE FUNCTION flux.recommander(vacance bigint, a_la_date date DEFAULT CURRENT_DATE, avec_exclus boolean DEFAULT false)
	RETURNS TABLE (rang integer, convention_id bigint, reservataire_id bigint, reservataire text, categorie text,
				   taux numeric, dus numeric, comptes bigint, deficit numeric, segments text,
				   score numeric, decision text, raison text, exclusion text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	du_fr text;
	u record;
	an integer;
	seg text[];
	ids bigint[];
	noms text[];
	cats text[];
	rids bigint[];
	parts numeric[];
	donnes bigint[];
	avant double precision[];
	retards double precision[];
	priorites boolean[];
	details text[];
	combs bigint[];
	combines double precision[];
	cdetails text[];
	r record;
	i integer;
	j integer;
	propre numeric;
BEGIN
	SELECT v.id, v.date_relocation, l.id AS logement_id, l.bailleur_id, l.departement, l.depcom, b.nom AS bailleur,
		   flux.segments(l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct) AS seg
	  INTO u
	  FROM flux.vacance v JOIN flux.logement l ON l.id = v.logement_id JOIN flux.bailleur b ON b.id = l.bailleur_id
	 WHERE v.id = recommander.vacance;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'vacancy % does not exist', vacance
			USING ERRCODE = 'no_data_found',
				  HINT = 'Pass the id of a row of flux.vacance.';
	END IF;
	IF a_la_date IS NULL OR NOT isfinite(a_la_date) THEN
		RAISE EXCEPTION 'the recommendation needs a finite date, not %', coalesce(a_la_date::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Omit a_la_date for today.';
	END IF;
	an := extract(year FROM a_la_date)::integer;
	seg := u.seg;

	-- destinations and their counters, in one query; the bailleur's own share last
	WITH conv AS (
		SELECT c.id, c.reservataire_id, rs.nom, rs.categorie::text AS categorie, c.communes, c.taux::numeric AS taux
		  FROM flux.convention c JOIN flux.reservataire rs ON rs.id = c.reservataire_id
		 WHERE c.bailleur_id = u.bailleur_id AND c.departement = u.departement AND c.regime = 'flux'
		   AND daterange(c.date_effet, c.date_fin) @> a_la_date
		   AND (c.communes IS NULL OR u.depcom = ANY (c.communes))
		   AND NOT EXISTS (SELECT 1 FROM flux.orientation o
							WHERE o.vacance_id = u.id AND o.convention_id = c.id AND o.etat IN ('refusee', 'expiree'))
	), en_vigueur AS (
		SELECT c.communes, c.taux::numeric AS taux FROM flux.convention c
		 WHERE c.bailleur_id = u.bailleur_id AND c.departement = u.departement AND c.regime = 'flux'
		   AND daterange(c.date_effet, c.date_fin) @> a_la_date
	), k AS MATERIALIZED (
		-- only the counters this vacancy needs, each found by its key (0.12.0:
		-- not a scan of the year's counters, which grow with the communes):
		-- the total and the unit's five segments of each destination, and
		-- every commune of the whole flux (destination -1)
		SELECT x.destination, x.dimension, x.valeur, x.n
		  FROM (SELECT c.id FROM conv c UNION ALL VALUES (0::bigint), (-1::bigint)) dd(id)
		 CROSS JOIN (VALUES (0::smallint, ''::text), (1::smallint, seg[1]), (2::smallint, seg[2]), (3::smallint, seg[3]),
							(4::smallint, seg[4]), (5::smallint, seg[5])) kk(dimension, valeur)
		  JOIN flux.compteur_orientation x
			ON x.bailleur_id = u.bailleur_id AND x.departement = u.departement AND x.annee = an
		   AND x.destination = dd.id AND x.dimension = kk.dimension AND x.valeur = kk.valeur
		UNION ALL
		-- and the communes the conventions restricted to some list (the
		-- units of the flux there): the others only count in the total
		SELECT x.destination, x.dimension, x.valeur, x.n FROM flux.compteur_orientation x
		 WHERE x.bailleur_id = u.bailleur_id AND x.departement = u.departement AND x.annee = an
		   AND x.destination = -1 AND x.dimension = 4 AND x.valeur IS DISTINCT FROM seg[4]
		   AND x.valeur IN (SELECT y.depcom FROM en_vigueur e CROSS JOIN LATERAL unnest(e.communes) y(depcom))
	), par_destination AS (
		SELECT k.destination,
			   coalesce(sum(k.n) FILTER (WHERE k.dimension = 0), 0) AS total,
			   ARRAY[coalesce(sum(k.n) FILTER (WHERE k.dimension = 1), 0), coalesce(sum(k.n) FILTER (WHERE k.dimension = 2), 0),
					 coalesce(sum(k.n) FILTER (WHERE k.dimension = 3), 0),
					 coalesce(sum(k.n) FILTER (WHERE k.dimension = 4 AND k.valeur = seg[4]), 0),
					 coalesce(sum(k.n) FILTER (WHERE k.dimension = 5), 0)] AS segs
		  FROM k GROUP BY k.destination
	), communes AS (
		SELECT k.valeur AS depcom, k.n FROM k WHERE k.destination = -1 AND k.dimension = 4
	), avant_communes AS (
		-- a convention restricted to communes: the units of those communes,
		-- by a hash join on the communes listed (each once), not an ANY over
		-- its list for each commune
		SELECT cc.id, sum(m.n) AS n
		  FROM (SELECT DISTINCT c.id, x.depcom FROM conv c CROSS JOIN LATERAL unnest(c.communes) x(depcom)) cc
		  JOIN communes m ON m.depcom = cc.depcom
		 GROUP BY cc.id
	), reserve_partout AS (
		SELECT coalesce(sum(e.taux), 0) AS taux FROM en_vigueur e WHERE e.communes IS NULL
	), reserve_communes AS (
		-- what the conventions restricted to communes reserve there: each
		-- one's share of the units of its communes (each listed once)
		SELECT coalesce(sum(e.taux * coalesce((SELECT sum(m.n) FROM communes m
												WHERE m.depcom IN (SELECT DISTINCT y FROM unnest(e.communes) y)), 0)), 0) AS unites
		  FROM en_vigueur e WHERE e.communes IS NOT NULL
	), tous AS (
		SELECT coalesce((SELECT p.total FROM par_destination p WHERE p.destination = -1), 0) AS total,
			   coalesce((SELECT p.segs FROM par_destination p WHERE p.destination = -1), '{0,0,0,0,0}') AS segs
	), d AS (
		SELECT 1 AS ordre, c.id, c.reservataire_id, c.nom, c.categorie, c.taux,
			   c.taux / 100 * CASE WHEN c.communes IS NULL THEN (SELECT t.total FROM tous t)
								   ELSE coalesce((SELECT a.n FROM avant_communes a WHERE a.id = c.id), 0) END AS avant
		  FROM conv c
		UNION ALL
		-- the bailleur's own share of each commune's units: what the conventions leave there
		SELECT 2, 0, NULL, 'part propre du bailleur', 'non_reserve',
			   100 - coalesce((SELECT sum(c.taux) FROM conv c), 0),
			   -- the sum over the communes of their units times the share no
			   -- convention reserves there, without reading every commune:
			   -- the units times what the conventions of the whole territory
			   -- leave, less what each restricted one reserves on its own
			   ((SELECT t.total FROM tous t) * (100 - (SELECT rp.taux FROM reserve_partout rp))
				- (SELECT rc.unites FROM reserve_communes rc)) / 100
	)
	SELECT array_agg(d.id ORDER BY d.ordre, d.id), array_agg(d.nom ORDER BY d.ordre, d.id),
		   array_agg(d.categorie ORDER BY d.ordre, d.id), array_agg(d.reservataire_id ORDER BY d.ordre, d.id),
		   array_agg(d.taux ORDER BY d.ordre, d.id),
		   array_agg(coalesce(p.total, 0)::bigint ORDER BY d.ordre, d.id),
		   array_agg(d.avant::double precision ORDER BY d.ordre, d.id),
		   array_agg(s.retard ORDER BY d.ordre, d.id),
		   array_agg(d.categorie = 'etat' AND seg[1] = 'hors_qpv'
					 AND greatest(d.taux, 30) / 100 * (t.segs[1] + 1) - coalesce(p.segs[1], 0) >= 1 ORDER BY d.ordre, d.id),
		   array_agg(s.detail ORDER BY d.ordre, d.id)
	  INTO ids, noms, cats, rids, parts, donnes, avant, retards, priorites, details
	  FROM d
	 CROSS JOIN tous t
	  LEFT JOIN par_destination p ON p.destination = d.id
	 CROSS JOIN LATERAL (
		SELECT sum(d.taux / 100 * (t.segs[g.dim] + 1) - coalesce(p.segs[g.dim], 0))::double precision AS retard,
			   string_agg(format('%s %s sur %s', CASE seg[g.dim] WHEN 'qpv' THEN 'en QPV' WHEN 'hors_qpv' THEN 'hors QPV' ELSE seg[g.dim] END,
								 coalesce(p.segs[g.dim], 0), replace(round(d.taux / 100 * t.segs[g.dim], 1)::text, '.', ',')),
						  ', ' ORDER BY g.dim) AS detail
		  FROM generate_series(1, 5) g(dim)) s;

	propre := parts[cardinality(parts)];
	IF propre < 0 THEN
		RAISE EXCEPTION 'shares of the conventions covering logement % add up to %%%, more than 100%%', u.logement_id, 100 - propre
			USING ERRCODE = 'numeric_value_out_of_range',
				  HINT = 'See flux.parts for the shares in force.';
	END IF;

	-- the declared combined segments the unit belongs to (none: 0.10.0's rule, exactly)
	SELECT array_agg(sm.id ORDER BY sm.id) INTO combs
	  FROM flux.segment_moins_attractif sm
	 WHERE sm.bailleur_id = u.bailleur_id AND sm.departement = u.departement
	   AND flux.dans_combinaison(sm.combinaison, seg);
	IF combs IS NULL THEN
		SELECT * INTO r FROM flux.classer_destinations(parts::flux.taux[], donnes, avant, retards, priorites);
	ELSE
		-- per destination: share x (units of the segment oriented this year + 1) - units it got there
		WITH o AS (
			SELECT coalesce(o.convention_id, 0) AS dest,
				   flux.segments(l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct) AS s
			  FROM flux.orientation o
			  JOIN flux.vacance v ON v.id = o.vacance_id
			  JOIN flux.logement l ON l.id = v.logement_id
			  LEFT JOIN flux.convention c ON c.id = o.convention_id
			 WHERE l.bailleur_id = u.bailleur_id AND l.departement = u.departement
			   AND o.date_orientation >= make_date(an, 1, 1) AND o.date_orientation < make_date(an + 1, 1, 1)
			   AND flux.compte_au_quota(o.etat, o.hors_flux, c.refus_compte_quota)
		), z AS (
			SELECT sm.id, sm.nom, count(o.dest) AS n, array_agg(o.dest) FILTER (WHERE o.dest IS NOT NULL) AS dests
			  FROM flux.segment_moins_attractif sm LEFT JOIN o ON flux.dans_combinaison(sm.combinaison, o.s)
			 WHERE sm.id = ANY (combs)
			 GROUP BY sm.id, sm.nom
		)
		SELECT array_agg(q.retard ORDER BY q.j), array_agg(q.detail ORDER BY q.j) INTO combines, cdetails
		  FROM (SELECT g.j,
					   sum(parts[g.j] / 100 * (z.n + 1) - x.obtenus)::double precision AS retard,
					   string_agg(format('%s %s sur %s', z.nom, x.obtenus, replace(round(parts[g.j] / 100 * z.n, 1)::text, '.', ',')), ', ' ORDER BY z.id) AS detail
				  FROM generate_subscripts(ids, 1) g(j)
				 CROSS JOIN z
				 CROSS JOIN LATERAL (SELECT count(*) AS obtenus FROM unnest(z.dests) e WHERE e = ids[g.j]) x
				 GROUP BY g.j) q;
		SELECT * INTO r FROM flux.classer_destinations(parts::flux.taux[], donnes, avant, retards, priorites, combines);
	END IF;
	FOR i IN 1 .. cardinality(r.ordre) LOOP
		j := r.ordre[i];
		rang := i;
		convention_id := nullif(ids[j], 0);
		reservataire_id := rids[j];
		reservataire := noms[j];
		categorie := cats[j];
		taux := trim_scale(parts[j]);
		dus := round((avant[j] + parts[j] / 100)::numeric, 2);
		comptes := donnes[j];
		deficit := round((avant[j] + parts[j] / 100 - donnes[j])::numeric, 2);
		segments := details[j] || CASE WHEN combs IS NOT NULL THEN ' ; moins attractifs : ' || cdetails[j] ELSE '' END;
		score := round(deficit + retards[j]::numeric, 2);
		decision := CASE WHEN i = 1 THEN r.decision END;
		-- French for the reader: decimal comma, a space before ':' and ';'
		du_fr := replace(dus::text, '.', ',');
		raison := CASE
			WHEN i = 1 AND r.decision = 'priorite' THEN
				format('part de l''État hors QPV sous 30 %% : %s', details[j])
			WHEN i = 1 AND r.decision = 'combine' THEN
				format('dans sa part (%s dus, %s comptés), le plus en retard sur les segments moins attractifs déclarés : %s', du_fr, comptes, cdetails[j])
			WHEN i = 1 AND r.decision = 'segment' THEN
				format('dans sa part (%s dus, %s comptés), le plus en retard sur les segments du logement : %s', du_fr, comptes, details[j])
			WHEN i = 1 THEN
				format('le plus en retard sur son flux : %s dus, %s comptés', du_fr, comptes)
			WHEN deficit < 0 THEN format('en avance sur sa part : %s dus, %s comptés', du_fr, comptes)
			WHEN deficit = 0 THEN format('à jour de sa part : %s dus, %s comptés', du_fr, comptes)
			ELSE format('%s dus, %s comptés ; segments %s', du_fr, comptes, details[j]) END;
		exclusion := NULL;
		RETURN NEXT;
	END LOOP;

	IF avec_exclus THEN
		RETURN QUERY
		SELECT NULL::integer, c.id, c.reservataire_id, rs.nom, rs.categorie::text, trim_scale(c.taux::numeric),
			   NULL::numeric, NULL::bigint, NULL::numeric, NULL::text, NULL::numeric, NULL::text, NULL::text,
			   CASE WHEN c.regime <> 'flux' THEN 'gérée en stock'
					WHEN NOT daterange(c.date_effet, c.date_fin) @> a_la_date
					THEN format('pas en vigueur le %s (du %s au %s)', to_char(a_la_date, 'DD/MM/YYYY'), to_char(c.date_effet, 'DD/MM/YYYY'),
								coalesce(to_char(c.date_fin, 'DD/MM/YYYY'), '...'))
					WHEN c.communes IS NOT NULL AND NOT u.depcom = ANY (c.communes)
					THEN format('ne couvre pas la commune %s', u.depcom)
					ELSE (SELECT format('a déjà %s ce logement (orientation %s du %s)',
										CASE o.etat WHEN 'refusee' THEN 'refusé' ELSE 'laissé expirer' END, o.id, to_char(o.date_orientation, 'DD/MM/YYYY'))
							FROM flux.orientation o
						   WHERE o.vacance_id = u.id AND o.convention_id = c.id AND o.etat IN ('refusee', 'expiree')
						   ORDER BY o.id LIMIT 1) END
		  FROM flux.convention c JOIN flux.reservataire rs ON rs.id = c.reservataire_id
		 WHERE c.bailleur_id = u.bailleur_id AND c.departement = u.departement
		   AND NOT c.id = ANY (ids)
		 ORDER BY c.id;
	END IF;
END
$$;

COMMENT ON FUNCTION flux.recommander(bigint, date, boolean) IS
	'Every destination of a vacancy ranked by the engine (quota bound, fair mix by segment, the State''s floor outside QPV), with its counters and a reason; avec_exclus lists the conventions that cannot take it and why';

/*
 * flux.orienter: records the bailleur's decision for a vacancy (a
 * convention, or NULL for its own share) with the engine's recommendation
 * at that moment, for the bilan's transparency.  The decision may differ
 * from the recommendation; it must be one of the destinations the engine
 * lists (not an excluded convention).
 */
CREATE FUNCTION flux.orienter(vacance bigint, convention bigint, a_la_date date DEFAULT CURRENT_DATE,
							  motif text DEFAULT NULL)
	RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	premier record;
	choisi record;
	id bigint;
BEGIN
	SELECT * INTO premier FROM flux.recommander(vacance, a_la_date) r WHERE r.rang = 1;
	SELECT * INTO choisi FROM flux.recommander(vacance, a_la_date, true) r
	 WHERE r.convention_id IS NOT DISTINCT FROM orienter.convention;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'convention % is not a destination of vacancy %', convention, vacance
			USING ERRCODE = 'check_violation',
				  HINT = 'Choose one of the destinations flux.recommander lists (NULL: the bailleur''s own share).';
	END IF;
	IF choisi.rang IS NULL THEN
		RAISE EXCEPTION 'convention % cannot take vacancy %: %', convention, vacance, choisi.exclusion
			USING ERRCODE = 'check_violation',
				  HINT = 'Choose one of the destinations flux.recommander lists (NULL: the bailleur''s own share).';
	END IF;
	INSERT INTO flux.orientation AS o (vacance_id, convention_id, hors_flux, date_orientation, motif,
									   recommandation_convention_id, recommandation_propre, recommandation_raison, rang_recommande)
	VALUES (vacance, convention, CASE WHEN convention IS NULL THEN 'non_reserve'::flux.motif_hors_flux END, a_la_date,
			orienter.motif, premier.convention_id, premier.convention_id IS NULL, premier.raison, choisi.rang)
	RETURNING o.id INTO id;
	RETURN id;
END
$$;

COMMENT ON FUNCTION flux.orienter(bigint, bigint, date, text) IS
	'Records the bailleur''s decision for a vacancy (a convention, or NULL for its own share) with the engine''s recommendation at that moment; returns the orientation';

--------------------------------------------------------------------------
-- Replaying a year through the engine
--------------------------------------------------------------------------

-- a unit's five segments as the codes flux.simuler_noyau takes (the same
-- thresholds as flux.segments, written out so that it inlines into the
-- replay's query; sql/orientation.sql checks the two agree)
CREATE FUNCTION flux.codes_segments(qpv boolean, nbpiece smallint, finan smallint, cus smallint,
									depcom text, construct smallint, communes text[]) RETURNS integer[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ARRAY[
		CASE WHEN qpv THEN 1 ELSE 0 END,
		CASE WHEN nbpiece >= 5 THEN 4 ELSE nbpiece - 1 END,
		CASE WHEN cus = 11 OR finan IN (10, 11) THEN 0
			 WHEN cus = 14 OR finan = 14 THEN 2
			 WHEN cus = 13 OR finan IN (12, 13) THEN 1
			 ELSE 3 END,
		pg_catalog.array_position(communes, depcom) - 1,
		CASE WHEN construct IS NULL THEN 5
			 WHEN construct < 1949 THEN 0
			 WHEN construct < 1975 THEN 1
			 WHEN construct < 2000 THEN 2
			 WHEN construct < 2013 THEN 3
			 ELSE 4 END];

COMMENT ON FUNCTION flux.codes_segments(boolean, smallint, smallint, smallint, text, smallint, text[]) IS
	'A unit''s five segments (flux.segments) as codes from 0: QPV, typologie, financing, its commune''s place in communes, period';

/*
 * flux.simuler: replays a year of vacancies through the engine without
 * writing anything, following its first recommendation each time from
 * empty counters, and returns per destination (the flux conventions of the
 * bailleur in the département in force that year, then its own share) and
 * segment the units due (its share of every unit of its territory) and
 * obtained.  The vacancies are the ones recorded for the year (flux.vacance,
 * first lettings aside, by date), or, with vacances => n, n units drawn
 * from the year's assiette (deterministic for a given graine), spread over
 * the year.
 */
CREATE FUNCTION flux.simuler(bailleur bigint, departement text, annee integer,
							 vacances integer DEFAULT NULL, graine integer DEFAULT 0)
	RETURNS TABLE (convention_id bigint, reservataire text, categorie text, taux numeric,
				   dimension text, valeur text, dus numeric, obtenus bigint, ecart numeric)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	jan1 date;
	ids bigint[];
	noms text[];
	cats text[];
	parts integer[];
	debuts date[];
	fins date[];
	couv boolean[];
	etat boolean[];
	lieux text[];
	valeurs_dim text[][] ;
	dates date[];
	segs integer[];
	-- the codes of flux.codes_segments
	typologies text[] := '{T1,T2,T3,T4,T5+}';
	financements text[] := '{PLAI,PLUS,PLS,autre}';
	periodes text[] := '{avant 1949,1949-1974,1975-1999,2000-2012,depuis 2013,inconnue}';
	n integer;
BEGIN
	PERFORM flux.verifier_portee(bailleur, departement, annee);
	IF vacances IS NOT NULL AND vacances NOT BETWEEN 1 AND 10000000 THEN
		RAISE EXCEPTION 'cannot simulate % vacancies', vacances
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass vacances => 1 to 10 000 000, or omit it to replay the vacancies recorded.';
	END IF;
	jan1 := make_date(annee, 1, 1);

	SELECT array_agg(c.id ORDER BY c.id), array_agg(r.nom ORDER BY c.id), array_agg(r.categorie::text ORDER BY c.id),
		   array_agg((c.taux::numeric * 100)::integer ORDER BY c.id), array_agg(c.date_effet ORDER BY c.id),
		   array_agg(c.date_fin ORDER BY c.id), array_agg(r.categorie = 'etat' ORDER BY c.id)
	  INTO ids, noms, cats, parts, debuts, fins, etat
	  FROM flux.convention c JOIN flux.reservataire r ON r.id = c.reservataire_id
	 WHERE c.bailleur_id = simuler.bailleur AND c.departement = simuler.departement AND c.regime = 'flux'
	   AND daterange(c.date_effet, c.date_fin) && daterange(jan1, make_date(annee + 1, 1, 1));
	ids := coalesce(ids, '{}');

	SELECT array_agg(DISTINCT l.depcom ORDER BY l.depcom) INTO lieux
	  FROM flux.logement l WHERE l.bailleur_id = simuler.bailleur AND l.departement = simuler.departement;
	IF lieux IS NULL THEN
		RAISE EXCEPTION 'bailleur % has no unit in département %', bailleur, departement
			USING ERRCODE = 'no_data_found',
				  HINT = 'Load its stock into flux.logement first.';
	END IF;
	SELECT array_agg(c.communes IS NULL OR x = ANY (c.communes) ORDER BY c.id, o) INTO couv
	  FROM flux.convention c, unnest(lieux) WITH ORDINALITY u(x, o)
	 WHERE c.id = ANY (ids);

	-- each unit's five segment codes, computed once per unit
	WITH unite AS MATERIALIZED (
		SELECT row_number() OVER (ORDER BY l.id) AS rang, flux.codes_segments(l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct, lieux) AS codes
		  FROM flux.logements_classes(simuler.bailleur, simuler.annee, simuler.departement) k
		  JOIN flux.logement l ON l.id = k.logement_id
		 WHERE simuler.vacances IS NOT NULL AND k.classement = 'assiette'
	), nb AS (
		SELECT count(*) AS n FROM unite
	), v AS (
		SELECT vc.date_disponible AS d, vc.id AS cle,
			   flux.codes_segments(l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct, lieux) AS codes
		  FROM flux.vacance vc JOIN flux.logement l ON l.id = vc.logement_id
		 WHERE simuler.vacances IS NULL AND l.bailleur_id = simuler.bailleur AND l.departement = simuler.departement
		   AND NOT vc.premiere_location
		   AND vc.date_disponible >= jan1 AND vc.date_disponible < make_date(annee + 1, 1, 1)
		UNION ALL
		SELECT jan1 + ((g.i - 1) * (make_date(annee + 1, 1, 1) - jan1) / simuler.vacances)::integer, g.i, u.codes
		  FROM generate_series(1, coalesce(simuler.vacances, 0)) g(i)
		 CROSS JOIN nb
		  JOIN unite u ON u.rang = 1 + abs(hashint8(g.i::bigint * 1000003 + simuler.graine)) % nb.n
	)
	SELECT array_agg(v.d ORDER BY v.d, v.cle), array_agg(v.codes ORDER BY v.d, v.cle)
	  INTO dates, segs
	  FROM v;
	IF dates IS NULL THEN
		RAISE EXCEPTION 'no vacancy to replay for bailleur % in département % in %', bailleur, departement, annee
			USING ERRCODE = 'no_data_found',
				  HINT = 'Record the year''s vacancies in flux.vacance, or pass vacances => n to draw n from the assiette.';
	END IF;

	RETURN QUERY
	SELECT CASE WHEN r.destination <= cardinality(ids) THEN ids[r.destination] END,
		   CASE WHEN r.destination <= cardinality(ids) THEN noms[r.destination] ELSE 'part propre du bailleur' END,
		   CASE WHEN r.destination <= cardinality(ids) THEN cats[r.destination] ELSE 'non_reserve' END,
		   CASE WHEN r.destination <= cardinality(ids) THEN trim_scale(parts[r.destination] / 100.0) END,
		   CASE r.dimension WHEN 0 THEN 'tous' ELSE (flux.dimensions())[r.dimension] END,
		   CASE r.dimension WHEN 0 THEN '' WHEN 1 THEN (ARRAY['hors_qpv', 'qpv'])[r.code + 1]
				WHEN 2 THEN typologies[r.code + 1] WHEN 3 THEN financements[r.code + 1]
				WHEN 4 THEN lieux[r.code + 1] ELSE periodes[r.code + 1] END,
		   round(r.dus::numeric, 2), r.obtenus, round(r.obtenus - r.dus::numeric, 2)
	  FROM flux.simuler_noyau(coalesce(parts, '{}'), coalesce(debuts, '{}'), coalesce(fins, '{}'::date[]), coalesce(couv, '{}'),
							  coalesce(etat, '{}'), dates, segs,
							  ARRAY[2, 5, 4, cardinality(lieux), 6]) r
	 ORDER BY r.destination, r.dimension, r.code;
END
$$;

COMMENT ON FUNCTION flux.simuler(bigint, text, integer, integer, integer) IS
	'Replays a year of vacancies (recorded, or n drawn from the assiette) through the engine without writing anything: per destination and segment, units due and obtained';

-- write netted deltas to the counters, in one pass in the order of the key
-- (whatever the order given): a positive delta upserts, a negative one
-- takes from an existing counter and deletes it at zero
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

CREATE FUNCTION flux.compteur_appliquer(plus bigint[], moins bigint[]) RETURNS void
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

COMMENT ON FUNCTION flux.compteur_appliquer(bigint[], bigint[]) IS
	'Adds the orientations plus to flux.compteur_orientation and takes the orientations moins from it, netted per counter, in the order of the key (no deadlock between statements)';

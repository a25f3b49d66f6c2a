--
-- flux 0.10.0 -> 0.11.0: bilans and reports a réservataire, an EPCI and the
-- préfet can use as they are (issue 15, second part)
--
-- One section per concern.  What each object is now: src/*.sql.  Every
-- existing row is kept: columns are added last, with defaults that give
-- the 0.10.0 figures where the texts did not ask for a change.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.11.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- (section of the lead: one meaning of "dus", issue 15 item 9)
-- ---------------------------------------------------------------------------

-- logements_dus (flux.parts, decompte, conversion) are due on the forecast
-- flux; bilan_reservataire's figure is due on the units actually freed in
-- the year: its own name
ALTER VIEW flux.bilan_reservataire RENAME COLUMN proposes_dus TO dus_sur_liberes;

COMMENT ON COLUMN flux.bilan_reservataire.dus_sur_liberes IS
	'Units due on the year''s actual flow: its share (taux_du) times the units freed in the flux on its territory (its communes, for a convention restricted to them); not flux.parts''s logements_dus, which are due on the forecast flux';

COMMENT ON COLUMN flux.bilan_reservataire.ecart_proposes IS 'proposes minus dus_sur_liberes (negative: behind)';

/*
 * flux.nom_epci: the name an EPCI is called by in the reports: the name of
 * its réservataire (categorie epci, flux.reservataire.epci = its SIREN),
 * or "EPCI <SIREN>" when it holds no convention.
 */
CREATE FUNCTION flux.nom_epci(epci text)
	RETURNS text
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT COALESCE(
		(SELECT pg_catalog.min(r.nom) FROM flux.reservataire r
		  WHERE r.categorie OPERATOR(pg_catalog.=) 'epci' AND r.epci OPERATOR(pg_catalog.=) $1),
		'EPCI ' OPERATOR(pg_catalog.||) $1);
END;

COMMENT ON FUNCTION flux.nom_epci(text) IS
	'The name of an EPCI in the reports: its réservataire''s name (categorie epci), or EPCI <SIREN>';

/*
 * flux.rapport_html: the bilan of a bailleur in a département for year N as
 * one XHTML page (HTML5 served as polyglot markup), built with SQL/XML so
 * it is well-formed by construction, with inline SVG bar charts: units
 * proposed against due per réservataire, and each obligation's rate
 * against its target.  No script, no external resource: it prints, and
 * opens in any browser or mail client.
 */
CREATE OR REPLACE FUNCTION flux.rapport_html(bailleur bigint, departement text, annee integer)
	RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	-- no page of zeros: a NULL or unknown bailleur, a bad département or year,
	-- a year without data
	SELECT flux.verifier_portee($1, $2, $3);
	SELECT flux.verifier_annee_rapport($3, bailleur => $1, departement => $2);
	WITH r AS (
		SELECT * FROM flux.bilan_reservataire x
		 WHERE x.bailleur_id = $1 AND x.departement = $2 AND x.annee = $3
	), o AS (
		SELECT * FROM flux.bilan_obligations x
		 WHERE x.bailleur_id = $1 AND x.departement = $2 AND x.annee = $3 AND x.concernes > 0
	), nom AS (
		SELECT b.nom FROM flux.bailleur b WHERE b.id = $1
	), echelle AS (
		SELECT greatest(max(greatest(r.proposes, r.dus_sur_liberes)), 1) AS m, count(*) AS n FROM r
	), barres AS (
		SELECT xmlagg(xmlconcat(
				 xmlelement(name text, xmlattributes(0 AS x, 22 * i + 14 AS y, 'font-size:11px' AS style),
							left(r.reservataire, 38)),
				 xmlelement(name rect, xmlattributes(260 AS x, 22 * i + 3 AS y, round(300 * r.dus_sur_liberes / e.m, 1) AS width,
													 8 AS height, '#9db4d0' AS fill)),
				 xmlelement(name rect, xmlattributes(260 AS x, 22 * i + 11 AS y, round(300 * r.proposes / e.m, 1) AS width,
													 8 AS height, '#1f4e79' AS fill)),
				 xmlelement(name text, xmlattributes(570 AS x, 22 * i + 14 AS y, 'font-size:11px' AS style),
							format('%s proposés / %s dus', r.proposes, r.dus_sur_liberes)))
			   ORDER BY r.reservataire) AS svg
		  FROM (SELECT r.*, row_number() OVER (ORDER BY r.reservataire) - 1 AS i FROM r) r, echelle e
	), jauges AS (
		SELECT xmlagg(xmlconcat(
				 xmlelement(name text, xmlattributes(0 AS x, 26 * i + 14 AS y, 'font-size:11px' AS style),
							left(coalesce(o.reservataire || ' : ', '') || o.obligation, 40)),
				 xmlelement(name rect, xmlattributes(260 AS x, 26 * i + 4 AS y, 300 AS width, 12 AS height, '#eeeeee' AS fill)),
				 xmlelement(name rect, xmlattributes(260 AS x, 26 * i + 4 AS y, round(3 * coalesce(o.taux, 0), 1) AS width,
													 12 AS height, CASE WHEN o.conforme THEN '#2e7d32' ELSE '#c62828' END AS fill)),
				 xmlelement(name line, xmlattributes(260 + 3 * o.objectif AS x1, 26 * i AS y1, 260 + 3 * o.objectif AS x2,
													 26 * i + 20 AS y2, '#000000' AS stroke)),
				 xmlelement(name text, xmlattributes(570 AS x, 26 * i + 14 AS y, 'font-size:11px' AS style),
							format('%s %% (objectif %s %%)', coalesce(o.taux, 0), o.objectif)))
			   ORDER BY o.obligation, o.reservataire) AS svg
		  FROM (SELECT o.*, row_number() OVER (ORDER BY o.obligation, o.reservataire) - 1 AS i FROM o) o
	)
	SELECT '<!DOCTYPE html>' || chr(10) || xmlelement(name html, xmlattributes('http://www.w3.org/1999/xhtml' AS xmlns, 'fr' AS lang),
		xmlelement(name head,
			xmlelement(name meta, xmlattributes('utf-8' AS charset)),
			xmlelement(name title, format('Bilan %s de la gestion en flux, %s, département %s', $3, (SELECT nom FROM nom), $2)),
			xmlelement(name style, 'body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}'
								   'td,th{border:1px solid #bbb;padding:2px 8px;text-align:right}th{background:#eef}'
								   'td:first-child{text-align:left}')),
		xmlelement(name body,
			xmlelement(name h1, format('Bilan %s de la gestion en flux', $3)),
			xmlelement(name p, format('%s, département %s. Logements proposés (orientés), attribués en CALEOL et baux signés, par réservataire ; obligations d''attribution.',
									  (SELECT nom FROM nom), $2)),
			xmlelement(name h2, 'Logements proposés et dus par réservataire'),
			xmlelement(name svg, xmlattributes('http://www.w3.org/2000/svg' AS xmlns, 760 AS width,
											   22 * (SELECT n FROM echelle) + 10 AS height, 'img' AS role),
					   (SELECT svg FROM barres)),
			xmlelement(name p, 'Barre claire : logements dus selon la part de la convention ; barre foncée : logements proposés.'),
			xmlelement(name table,
				xmlelement(name tr, xmlelement(name th, 'Réservataire'), xmlelement(name th, 'Part due (%)'),
						   xmlelement(name th, 'Proposés'), xmlelement(name th, 'Dus'), xmlelement(name th, 'Écart'),
						   xmlelement(name th, 'Attribués'), xmlelement(name th, 'Baux')),
				(SELECT xmlagg(xmlelement(name tr, xmlelement(name td, r.reservataire), xmlelement(name td, r.taux_du),
										  xmlelement(name td, r.proposes), xmlelement(name td, r.dus_sur_liberes),
										  xmlelement(name td, r.ecart_proposes), xmlelement(name td, r.attribues),
										  xmlelement(name td, r.baux)) ORDER BY r.reservataire) FROM r)),
			xmlelement(name h2, 'Obligations'),
			xmlelement(name svg, xmlattributes('http://www.w3.org/2000/svg' AS xmlns, 760 AS width,
											   26 * (SELECT count(*) FROM o) + 10 AS height, 'img' AS role),
					   (SELECT svg FROM jauges)),
			xmlelement(name table,
				xmlelement(name tr, xmlelement(name th, 'Obligation'), xmlelement(name th, 'Réservataire'),
						   xmlelement(name th, 'Concernés'), xmlelement(name th, 'Atteints'), xmlelement(name th, 'Taux (%)'),
						   xmlelement(name th, 'Objectif (%)'), xmlelement(name th, 'Manque')),
				(SELECT xmlagg(xmlelement(name tr, xmlelement(name td, o.libelle), xmlelement(name td, coalesce(o.reservataire, 'tous')),
										  xmlelement(name td, o.concernes), xmlelement(name td, o.atteints),
										  xmlelement(name td, coalesce(o.taux::text, '')), xmlelement(name td, o.objectif),
										  xmlelement(name td, o.manque)) ORDER BY o.obligation, o.reservataire) FROM o))))::text
$$;

COMMENT ON FUNCTION flux.rapport_html(bigint, text, integer) IS
	'The bilan of a bailleur in a département for year N as one XHTML page with inline SVG bar charts (proposed vs due per réservataire, obligation rates vs targets); well-formed by construction (SQL/XML)';

-- ---------------------------------------------------------------------------
-- (section of the orientation engine: the fair mix on combined segments)
-- ---------------------------------------------------------------------------

-- the kernel: a six-argument flux.classer_destinations (the five-argument
-- form is unchanged)
CREATE FUNCTION flux.classer_destinations(parts flux.taux[], donnes bigint[], dus double precision[],
										  retards double precision[], priorites boolean[], combines double precision[],
										  OUT ordre integer[], OUT decision text)
	AS 'MODULE_PATHNAME', 'flux_classer_destinations_mixte'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.classer_destinations(flux.taux[], bigint[], double precision[], double precision[], boolean[], double precision[]) IS
	'The engine''s rule with the declared combined segments of the vacancy (combines: each destination''s retard in them, summed): the same quota bound; in the fair mix the combined retard comes right after the legal floor and every eligible destination due within m units is a candidate; decision combine when it decided; all zero: the five-argument form';

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
	FOR EACH ROW EXECUTE FUNCTION flux.segment_moins_attractif_verifier();

-- does a unit of these segments (flux.segments) belong to the combination?
CREATE FUNCTION flux.dans_combinaison(combinaison jsonb, segments text[]) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_each(combinaison) e
						WHERE NOT (e.value OPERATOR(pg_catalog.?)
								   segments[pg_catalog.array_position(flux.dimensions(), e.key)]));

COMMENT ON FUNCTION flux.dans_combinaison(jsonb, text[]) IS
	'A unit with these segments (flux.segments) belongs to the combined segment: every dimension named takes one of the values listed';

-- flux.recommander passes the declared combined segments of the unit
CREATE OR REPLACE FUNCTION flux.recommander(vacance bigint, a_la_date date DEFAULT CURRENT_DATE, avec_exclus boolean DEFAULT false)
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
		-- only the counters this vacancy needs: totals, communes, and its own segments
		SELECT x.destination, x.dimension, x.valeur, x.n FROM flux.compteur_orientation x
		 WHERE x.bailleur_id = u.bailleur_id AND x.departement = u.departement AND x.annee = an
		   AND (x.dimension IN (0, 4) OR x.valeur = seg[x.dimension])
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
	), tous AS (
		SELECT coalesce((SELECT p.total FROM par_destination p WHERE p.destination = -1), 0) AS total,
			   coalesce((SELECT p.segs FROM par_destination p WHERE p.destination = -1), '{0,0,0,0,0}') AS segs
	), d AS (
		SELECT 1 AS ordre, c.id, c.reservataire_id, c.nom, c.categorie, c.taux,
			   c.taux / 100 * CASE WHEN c.communes IS NULL THEN (SELECT t.total FROM tous t)
								   ELSE coalesce((SELECT sum(m.n) FROM communes m WHERE m.depcom = ANY (c.communes)), 0) END AS avant
		  FROM conv c
		UNION ALL
		-- the bailleur's own share of each commune's units: what the conventions leave there
		SELECT 2, 0, NULL, 'part propre du bailleur', 'non_reserve',
			   100 - coalesce((SELECT sum(c.taux) FROM conv c), 0),
			   coalesce((SELECT sum(m.n * (100 - coalesce((SELECT sum(e.taux) FROM en_vigueur e
															WHERE e.communes IS NULL OR m.depcom = ANY (e.communes)), 0)) / 100)
						   FROM communes m), 0)
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

-- ---------------------------------------------------------------------------
-- (section of the words and the language: dus, French texts)
-- ---------------------------------------------------------------------------

-- Item 10, one language per reader: every text a réservataire or an EPCI
-- reads in a view or a report is French (the deadlines' au_terme, the
-- history's motifs written from now on, the sources of a rate, the origins
-- of a forecast figure, the SNE imputation); errors stay English.  The
-- French labels of three codes first, as src/prevision.sql has them.

CREATE FUNCTION flux.libelle_definition_rotation(definition flux.definition_rotation) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE definition
		WHEN 'relocations' THEN 'relocations des logements de plus de deux ans'
		WHEN 'emmenagements' THEN 'emménagements'
		WHEN 'disponibles' THEN 'logements disponibles, mises en service comprises' END;

COMMENT ON FUNCTION flux.libelle_definition_rotation(flux.definition_rotation) IS
	'The French label of an ANCOLS definition of the rotation rate, for the texts a réservataire reads (source_taux)';

CREATE FUNCTION flux.libelle_hors_flux(hors_flux text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE hors_flux
		WHEN 'mutation' THEN 'mutations internes'
		WHEN 'anru' THEN 'relogements ANRU'
		WHEN 'orcod' THEN 'relogements ORCOD'
		WHEN 'lhi' THEN 'relogements LHI (lutte contre l''habitat indigne)'
		WHEN 'vente' THEN 'logements retirés pour la vente'
		WHEN 'urgence' THEN 'urgences'
		WHEN 'non_reserve' THEN 'part non réservée du bailleur'
		WHEN 'premiere_location' THEN 'première mise en location' END;

COMMENT ON FUNCTION flux.libelle_hors_flux(text) IS
	'The French label of a motive outside the flux (a flux.motif_hors_flux label), for the texts a réservataire reads';

CREATE FUNCTION flux.liste_taux(taux numeric[]) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN (SELECT pg_catalog.string_agg(pg_catalog.replace(pg_catalog.trim_scale(u.t)::text, '.', ',') OPERATOR(pg_catalog.||) ' %', ' ; ' ORDER BY u.i)
			  FROM pg_catalog.unnest(taux) WITH ORDINALITY u(t, i));

COMMENT ON FUNCTION flux.liste_taux(numeric[]) IS
	'Rates in percent written the French way (decimal comma, a space before %, separated by semicolons), in order';

-- the forecast: the rate's source and each figure's origin in French

CREATE OR REPLACE FUNCTION flux.relocations_prevues(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (assiette bigint, definition_rotation flux.definition_rotation,
				   taux_rotation numeric, source_taux text, relocations_prevues integer)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	p flux.parametre_annuel;
	src flux.source_rotation;
	taux_annuels numeric[];
	annees integer[];
	sources text;
	manquantes text;
BEGIN
	PERFORM flux.verifier_portee(bailleur, departement, annee);
	SELECT * INTO p FROM flux.parametre_annuel pa
	 WHERE pa.bailleur_id = bailleur AND pa.departement = relocations_prevues.departement
	   AND pa.annee = relocations_prevues.annee;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no yearly parameters for bailleur %, département %, year %',
				bailleur, relocations_prevues.departement, relocations_prevues.annee
			USING ERRCODE = 'no_data_found',
				  DETAIL = 'The forecast needs the year''s soustractions and options.',
				  HINT = format('INSERT INTO flux.parametre_annuel (bailleur_id, departement, annee) VALUES (%s, %L, %s) takes the defaults.',
								bailleur, relocations_prevues.departement, relocations_prevues.annee);
	END IF;

	SELECT a.assiette INTO assiette FROM flux.assiette(bailleur, relocations_prevues.departement, relocations_prevues.annee) a;
	definition_rotation := p.definition_rotation;
	src := coalesce(p.source_rotation, CASE WHEN p.taux_rotation IS NOT NULL THEN 'imposee' ELSE 'bailleur' END::flux.source_rotation);

	IF src = 'imposee' THEN
		taux_rotation := p.taux_rotation;
		source_taux := 'taux imposé dans les paramètres de l''année';
	ELSIF src = 'departementale' THEN
		SELECT array_agg(r.taux ORDER BY r.annee), array_agg(r.annee ORDER BY r.annee),
			   string_agg(DISTINCT r.source, '; ')
		  INTO taux_annuels, annees, sources
		  FROM flux.rotation_departementale r
		 WHERE r.departement = relocations_prevues.departement AND r.definition = p.definition_rotation
		   AND r.annee BETWEEN relocations_prevues.annee - p.decalage_rotation_publiee - 2 AND relocations_prevues.annee - p.decalage_rotation_publiee;
		IF coalesce(cardinality(taux_annuels), 0) < 3 THEN
			SELECT string_agg(y::text, ', ' ORDER BY y) INTO manquantes
			  FROM generate_series(relocations_prevues.annee - p.decalage_rotation_publiee - 2, relocations_prevues.annee - p.decalage_rotation_publiee) y
			 WHERE NOT y = ANY (coalesce(annees, '{}'));
			RAISE EXCEPTION 'no published rotation rate (%) of département % for %', p.definition_rotation,
					relocations_prevues.departement, manquantes
				USING ERRCODE = 'no_data_found',
					  DETAIL = format('The forecast of %s takes the mean of the rates published for %s to %s (flux.parametre_annuel.source_rotation = departementale).',
									  relocations_prevues.annee, relocations_prevues.annee - p.decalage_rotation_publiee - 2, relocations_prevues.annee - p.decalage_rotation_publiee),
					  HINT = format('INSERT INTO flux.rotation_departementale (departement, annee, definition, taux, source) VALUES (%L, <year>, %L, <rate>, ''<the RPLS publication>'') for each missing year.',
									relocations_prevues.departement, p.definition_rotation);
		END IF;
		taux_rotation := round((SELECT avg(t) FROM unnest(taux_annuels) t), 2);
		source_taux := format('moyenne des taux de rotation publiés pour le département %s (%s), %s à %s : %s (%s)',
							  relocations_prevues.departement, flux.libelle_definition_rotation(p.definition_rotation),
							  relocations_prevues.annee - p.decalage_rotation_publiee - 2, relocations_prevues.annee - p.decalage_rotation_publiee,
							  flux.liste_taux(taux_annuels), sources);
	ELSE
		SELECT array_agg(r.taux_rotation ORDER BY y) INTO taux_annuels
		  FROM generate_series(relocations_prevues.annee - 3, relocations_prevues.annee - 1) y,
			   flux.rotation(bailleur, relocations_prevues.departement, y, p.definition_rotation) r
		 WHERE r.taux_rotation IS NOT NULL AND r.mouvements > 0;
		IF taux_annuels IS NULL THEN
			RAISE EXCEPTION 'no vacancy recorded for bailleur % in département % from % to %',
					bailleur, relocations_prevues.departement, relocations_prevues.annee - 3, relocations_prevues.annee - 1
				USING ERRCODE = 'no_data_found',
					  DETAIL = 'The rotation rate is the mean of the three previous years.',
					  HINT = 'Load past vacancies into flux.vacance, or set flux.parametre_annuel.taux_rotation, or source_rotation = ''departementale'' with flux.rotation_departementale.';
		END IF;
		taux_rotation := round((SELECT avg(t) FROM unnest(taux_annuels) t), 2);
		source_taux := format('moyenne des taux de rotation du bailleur (%s) sur %s année(s) avant %s : %s',
							  flux.libelle_definition_rotation(p.definition_rotation),
							  cardinality(taux_annuels), relocations_prevues.annee, flux.liste_taux(taux_annuels));
	END IF;

	relocations_prevues := round(assiette * taux_rotation / 100);
	RETURN NEXT;
END
$$;

CREATE OR REPLACE FUNCTION flux.soustractions_prevues(bailleur bigint, departement text, annee integer,
										   relocations integer DEFAULT NULL)
	RETURNS TABLE (hors_flux text, prevision integer, origine text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	p flux.parametre_annuel;
	mutation integer;
	pourquoi text;
BEGIN
	PERFORM flux.verifier_portee(bailleur, departement, annee);
	SELECT * INTO p FROM flux.parametre_annuel pa
	 WHERE pa.bailleur_id = bailleur AND pa.departement = soustractions_prevues.departement
	   AND pa.annee = soustractions_prevues.annee;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF p.soustraire_mutation AND p.prevision_mutation IS NULL THEN
		IF relocations IS NULL THEN
			BEGIN
				SELECT r.relocations_prevues INTO relocations
				  FROM flux.relocations_prevues(bailleur, soustractions_prevues.departement, soustractions_prevues.annee) r;
			EXCEPTION WHEN no_data_found THEN
				-- flux.relocations_prevues's reason, in the reader's words
				pourquoi := CASE WHEN p.source_rotation = 'departementale'
								 THEN format('taux de rotation publiés du département manquants pour %s à %s',
											 soustractions_prevues.annee - p.decalage_rotation_publiee - 2,
											 soustractions_prevues.annee - p.decalage_rotation_publiee)
								 ELSE format('aucune vacance enregistrée de %s à %s',
											 soustractions_prevues.annee - 3, soustractions_prevues.annee - 1) END;
			END;
		END IF;
		mutation := round(relocations * p.taux_mutation::numeric / 100)::integer;
		pourquoi := CASE WHEN relocations IS NULL THEN format('%s des relocations prévues, non calculable : %s', flux.liste_taux(ARRAY[p.taux_mutation::numeric]), pourquoi)
						 ELSE format('%s des %s relocations prévues', flux.liste_taux(ARRAY[p.taux_mutation::numeric]), relocations) END;
	ELSIF p.soustraire_mutation THEN
		mutation := p.prevision_mutation;
		pourquoi := 'prévision du bailleur';
	END IF;

	RETURN QUERY VALUES
		('mutation', mutation, pourquoi),
		('anru', CASE WHEN p.soustraire_anru THEN p.prevision_anru END, CASE WHEN p.soustraire_anru THEN 'prévision du bailleur' END),
		('orcod', CASE WHEN p.soustraire_orcod THEN p.prevision_orcod END, CASE WHEN p.soustraire_orcod THEN 'prévision du bailleur' END),
		('lhi', CASE WHEN p.soustraire_lhi THEN p.prevision_lhi END, CASE WHEN p.soustraire_lhi THEN 'prévision du bailleur' END),
		('vente', CASE WHEN p.soustraire_vente THEN p.prevision_vente END, CASE WHEN p.soustraire_vente THEN 'prévision du bailleur' END),
		('urgence', CASE WHEN p.soustraire_urgence THEN p.prevision_urgence END, CASE WHEN p.soustraire_urgence THEN 'prévision du bailleur' END);
END
$$;

CREATE OR REPLACE FUNCTION flux.flux_previsionnel(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (
		assiette bigint, definition_rotation flux.definition_rotation,
		taux_rotation numeric, source_taux text, relocations_prevues integer,
		soustraction_mutation integer, soustraction_anru integer, soustraction_orcod integer,
		soustraction_lhi integer, soustraction_vente integer, soustraction_urgence integer,
		soustractions integer, flux_a_repartir integer,
		report_surestimation integer, origine_report text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	s record;
BEGIN
	SELECT * INTO STRICT assiette, definition_rotation, taux_rotation, source_taux, relocations_prevues
	  FROM flux.relocations_prevues(bailleur, flux_previsionnel.departement, flux_previsionnel.annee);

	SELECT coalesce(max(x.prevision) FILTER (WHERE x.hors_flux = 'mutation'), 0),
		   coalesce(max(x.prevision) FILTER (WHERE x.hors_flux = 'anru'), 0),
		   coalesce(max(x.prevision) FILTER (WHERE x.hors_flux = 'orcod'), 0),
		   coalesce(max(x.prevision) FILTER (WHERE x.hors_flux = 'lhi'), 0),
		   coalesce(max(x.prevision) FILTER (WHERE x.hors_flux = 'vente'), 0),
		   coalesce(max(x.prevision) FILTER (WHERE x.hors_flux = 'urgence'), 0)
	  INTO soustraction_mutation, soustraction_anru, soustraction_orcod, soustraction_lhi,
		   soustraction_vente, soustraction_urgence
	  FROM flux.soustractions_prevues(bailleur, flux_previsionnel.departement, flux_previsionnel.annee,
									  relocations_prevues) x;
	soustractions := soustraction_mutation + soustraction_anru + soustraction_orcod
		+ soustraction_lhi + soustraction_vente + soustraction_urgence;

	IF soustractions > relocations_prevues THEN
		RAISE EXCEPTION 'forecast soustractions (%) exceed the expected relettings (%) for bailleur %, département %, year %',
				soustractions, relocations_prevues, bailleur, flux_previsionnel.departement, flux_previsionnel.annee
			USING ERRCODE = 'numeric_value_out_of_range',
				  HINT = 'Lower the prevision_* columns of flux.parametre_annuel, or check the rotation rate.';
	END IF;
	flux_a_repartir := relocations_prevues - soustractions;

	-- the overestimate of N-1 not given back during N-1
	report_surestimation := 0;
	IF flux_previsionnel.annee > 2000 THEN
		SELECT coalesce(sum(x.a_reporter), 0)::integer AS total,
			   string_agg(format('%s : %s (prévu %s, réalisé %s, rendu %s)', flux.libelle_hors_flux(x.hors_flux), x.a_reporter,
								 x.prevision, x.realise, x.redistribue), ' ; ')
				   FILTER (WHERE x.a_reporter > 0) AS detail
		  INTO s
		  FROM flux.surestimations(bailleur, flux_previsionnel.departement, flux_previsionnel.annee - 1) x;
		report_surestimation := s.total;
		origine_report := CASE WHEN s.total > 0
							   THEN format('surestimation de %s : %s', flux_previsionnel.annee - 1, s.detail) END;
	END IF;
	RETURN NEXT;
END
$$;

-- the shares: the source of each rate in French

CREATE OR REPLACE FUNCTION flux.parts(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (convention_id bigint, reservataire_id bigint, reservataire text, categorie text,
				   taux numeric, source_taux text, fraction_annee numeric, fraction_territoire numeric,
				   taux_effectif numeric, flux_a_repartir integer, logements_dus integer,
				   dont_report integer, origine_report text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	jan1 date;
	fin date;
	jours integer;
	total integer;
	a bigint;
	conventions bigint[];
	reservataires bigint[];
	noms text[];
	categories text[];
	taux_lus numeric[];
	sources text[];
	fractions_annee numeric[];
	fractions_territoire numeric[];
	effectifs numeric[];
	dus integer[];
	somme numeric;
	i integer;
	report integer;
	origine text;
	propre integer;
	pris integer := 0;
	ajouts integer[];
BEGIN
	PERFORM flux.verifier_portee(bailleur, departement, annee);
	jan1 := make_date(annee, 1, 1);
	fin := make_date(annee + 1, 1, 1);
	jours := fin - jan1;
	SELECT p.flux_a_repartir, p.assiette, p.report_surestimation, p.origine_report INTO total, a, report, origine
	  FROM flux.flux_previsionnel(bailleur, departement, annee) p;

	SELECT array_agg(x.convention_id ORDER BY x.ordre, x.cle), array_agg(x.reservataire_id ORDER BY x.ordre, x.cle),
		   array_agg(x.nom ORDER BY x.ordre, x.cle), array_agg(x.categorie ORDER BY x.ordre, x.cle),
		   array_agg(x.taux ORDER BY x.ordre, x.cle), array_agg(x.source ORDER BY x.ordre, x.cle),
		   array_agg(x.fraction_annee ORDER BY x.ordre, x.cle), array_agg(x.territoire ORDER BY x.ordre, x.cle),
		   array_agg(x.effectif ORDER BY x.ordre, x.cle), sum(x.effectif)
	  INTO conventions, reservataires, noms, categories, taux_lus, sources,
		   fractions_annee, fractions_territoire, effectifs, somme
	  FROM (
		WITH ac AS MATERIALIZED (
			SELECT k.depcom, k.assiette FROM flux.assiette_communes(parts.bailleur, parts.departement, parts.annee) k
		), brut AS (
			SELECT 1 AS ordre, c.id AS cle, c.id AS convention_id, c.reservataire_id, r.nom, r.categorie::text AS categorie,
				   coalesce(t.taux, c.taux)::numeric AS taux,
				   CASE WHEN t.taux IS NOT NULL THEN t.source ELSE 'taux de la convention' END AS source,
				   upper(v.p) - lower(v.p) AS jours_en_vigueur,
				   CASE WHEN c.communes IS NULL THEN 1::numeric
						WHEN a = 0 THEN 0::numeric
						ELSE (SELECT coalesce(sum(ac.assiette), 0) FROM ac WHERE ac.depcom = ANY (c.communes))::numeric / a
				   END AS territoire
			  FROM flux.convention c
			  JOIN flux.reservataire r ON r.id = c.reservataire_id
			  -- the rate applied for N or before; else the one an update of a
			  -- later year replaced; else the convention's
			  LEFT JOIN LATERAL (
				SELECT x.taux, x.source FROM (
					SELECT 1 AS o, ta.annee AS y, ta.taux, format('taux actualisé pour %s', ta.annee) AS source
					  FROM flux.taux_annuel ta
					 WHERE ta.convention_id = c.id AND ta.applique AND ta.annee <= parts.annee
					UNION ALL
					SELECT 2, -ta.annee, ta.taux_precedent, format('taux en vigueur avant l''actualisation de %s', ta.annee)
					  FROM flux.taux_annuel ta
					 WHERE ta.convention_id = c.id AND ta.applique AND ta.annee > parts.annee
					   AND ta.taux_precedent IS NOT NULL) x
				 ORDER BY x.o, x.y DESC LIMIT 1) t ON true
			 CROSS JOIN LATERAL (SELECT daterange(c.date_effet, c.date_fin) * daterange(jan1, fin) AS p) v
			 WHERE c.bailleur_id = parts.bailleur AND c.departement = parts.departement
			   AND c.regime = 'flux' AND NOT isempty(v.p)
			UNION ALL
			SELECT 2, p.id, ce.id, ce.reservataire_id, r.nom, r.categorie::text,
				   CASE WHEN a = 0 THEN 0 ELSE flux.taux_reservataire(n.logements, a::integer)::numeric END,
				   format('reprise par le préfet (%s) : %s logement(s) de la convention en stock %s', p.arrete, n.logements, p.convention_id),
				   upper(v.p) - lower(v.p), 1::numeric
			  FROM flux.reprise_prefet p
			  JOIN flux.convention ce ON ce.id = p.convention_etat_id
			  JOIN flux.reservataire r ON r.id = ce.reservataire_id
			 CROSS JOIN LATERAL (SELECT daterange(p.date_debut, p.date_fin) * daterange(jan1, fin) AS p) v
			 CROSS JOIN LATERAL (
				SELECT count(*)::integer AS logements
				  FROM flux.reprise_prefet_logement pl
				  -- units of the assiette of N whose right still runs on 1 January N
				  JOIN flux.logements_classes(parts.bailleur, parts.annee, parts.departement) k
					ON k.logement_id = pl.logement_id AND k.classement = 'assiette'
				 WHERE pl.reprise_id = p.id AND coalesce(pl.fin_droits, 'infinity') > jan1) n
			 WHERE ce.bailleur_id = parts.bailleur AND ce.departement = parts.departement
			   AND NOT isempty(v.p)
		)
		SELECT b.*, round(b.jours_en_vigueur::numeric / jours, 4) AS fraction_annee,
			   floor(b.taux * b.jours_en_vigueur / jours * b.territoire * 100) / 100 AS effectif
		  FROM brut b) x;

	IF somme > 100 THEN
		RAISE EXCEPTION 'shares of bailleur %''s flux in département % add up to % in %, more than 100%%',
				bailleur, departement, trim_scale(somme) || '%', annee
			USING ERRCODE = 'numeric_value_out_of_range',
				  DETAIL = 'Shares: ' || (SELECT string_agg(format('%s (convention %s) %s%%', c, v, trim_scale(e)), ', ')
											 FROM unnest(categories, conventions, effectifs) u(c, v, e)) || '.',
				  HINT = 'A préfet''s decision adds units to the State''s share: lower another share, or lift the decision (flux.lever_reprise_prefet).';
	END IF;
	dus := flux.repartir(total, coalesce(effectifs::flux.taux[], '{}'));

	-- the overestimate of N-1 not given back: taken from the bailleur's own
	-- share and given to the shares in proportion to them (largest
	-- remainders, ties to the first), as far as its own share holds
	propre := total - coalesce((SELECT sum(d) FROM unnest(dus) d), 0);
	IF report > 0 AND somme > 0 THEN
		pris := least(report, propre);
		SELECT array_agg(q.n ORDER BY q.i) INTO ajouts
		  FROM (SELECT u.i, (floor(pris * u.e / somme)
							 + CASE WHEN row_number() OVER (ORDER BY pris * u.e / somme - floor(pris * u.e / somme) DESC, u.i)
										 <= pris - sum(floor(pris * u.e / somme)) OVER () THEN 1 ELSE 0 END)::integer AS n
				  FROM unnest(effectifs) WITH ORDINALITY u(e, i)) q;
	END IF;
	IF report > 0 AND pris < report THEN
		origine := origine || CASE WHEN coalesce(somme, 0) = 0
			THEN format(' ; aucun repris : pas de part de réservataire à qui donner les %s logement(s)', report)
			ELSE format(' ; %s des %s logement(s) repris : la part propre du bailleur n''en compte pas plus', pris, report) END;
	END IF;

	FOR i IN 1 .. coalesce(cardinality(conventions), 0) LOOP
		convention_id := conventions[i];
		reservataire_id := reservataires[i];
		reservataire := noms[i];
		categorie := categories[i];
		taux := trim_scale(taux_lus[i]);
		source_taux := sources[i];
		fraction_annee := fractions_annee[i];
		fraction_territoire := round(fractions_territoire[i], 4);
		taux_effectif := trim_scale(effectifs[i]);
		flux_a_repartir := total;
		dont_report := coalesce(ajouts[i], 0);
		logements_dus := dus[i] + dont_report;
		origine_report := origine;
		RETURN NEXT;
	END LOOP;

	-- the bailleur's unreserved share takes the rest
	convention_id := NULL;
	reservataire_id := NULL;
	reservataire := NULL;
	categorie := 'non_reserve';
	taux_effectif := trim_scale(100 - coalesce(somme, 0));
	taux := taux_effectif;
	source_taux := '100 % moins les parts des réservataires';
	fraction_annee := 1;
	fraction_territoire := 1;
	flux_a_repartir := total;
	dont_report := -pris;
	logements_dus := propre - pris;
	origine_report := origine;
	RETURN NEXT;
END
$$;

-- the workflow: what happens at each deadline's term, and the history's
-- motifs, in French (rows already written keep their words)

CREATE OR REPLACE VIEW flux.echeances WITH (security_invoker = true) AS
SELECT e.orientation_id, e.candidature_id, v.logement_id, o.convention_id, c.bailleur_id, c.reservataire_id,
	   e.echeance_de, e.echeance, e.a_la_charge_de,
	   flux.jours_ouvres_entre(CURRENT_DATE, e.echeance, o.zone) AS jours_ouvres_restants,
	   e.echeance < CURRENT_DATE AS en_retard, e.au_terme
  FROM (
	SELECT o.id AS orientation_id, NULL::bigint AS candidature_id, 'reponse_reservataire'::text AS echeance_de,
		   o.echeance_reponse AS echeance, 'reservataire'::text AS a_la_charge_de,
		   'le silence vaut acceptation, ou l''orientation expire (selon la convention)'::text AS au_terme
	  FROM flux.orientation o WHERE o.etat = 'proposee'
	UNION ALL
	SELECT o.id, NULL, 'designation', o.echeance_designation, 'reservataire',
		   'sans candidat, le logement revient au bailleur ; avec moins de candidats que demandé, le bailleur peut compléter la liste'
	  FROM flux.orientation o WHERE o.etat IN ('acceptee', 'candidats_designes') AND o.echeance_designation IS NOT NULL
	UNION ALL
	SELECT o.id, NULL, 'impossibilite', o.echeance_impossibilite, 'reservataire',
		   'dernier jour pour signaler l''impossibilité de désigner (à compter de l''orientation) ; rien ne s''ensuit'
	  FROM flux.orientation o WHERE o.etat = 'acceptee' AND o.echeance_impossibilite IS NOT NULL
	UNION ALL
	SELECT k.orientation_id, k.id, 'reponse_menage', k.echeance_reponse_menage, 'menage',
		   'le silence vaut refus'
	  FROM flux.candidature k WHERE k.date_proposition IS NOT NULL AND k.reponse_menage IS NULL
  ) e
  JOIN flux.orientation o ON o.id = e.orientation_id
  JOIN flux.vacance v ON v.id = o.vacance_id
  LEFT JOIN flux.convention c ON c.id = o.convention_id;

CREATE OR REPLACE FUNCTION flux.candidature_apres() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	etape text;
	origine text;
BEGIN
	origine := flux.origine_courante();
	IF TG_OP = 'INSERT' THEN
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
		VALUES (NEW.orientation_id, NEW.id, NULL, 'candidat_designe', origine,
				format('rang %s, désigné par %s', NEW.rang, CASE NEW.designe_par WHEN 'bailleur' THEN 'le bailleur' ELSE 'le réservataire' END));
		UPDATE flux.orientation SET etat = 'candidats_designes', motif = 'candidats désignés'
		 WHERE id = NEW.orientation_id AND etat = 'acceptee';
		RETURN NULL;
	END IF;

	IF NEW.decision_caleol IS DISTINCT FROM OLD.decision_caleol THEN
		etape := 'caleol_' || NEW.decision_caleol;
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
		VALUES (NEW.orientation_id, NEW.id, 'candidat_designe', etape, origine, NEW.motif_caleol);
		IF NEW.decision_caleol IN ('attribution', 'attribution_sous_condition') THEN
			UPDATE flux.orientation SET etat = 'attribuee', date_attribution = NEW.date_caleol,
				   motif = format('attribué par la CALEOL du %s au candidat %s', to_char(NEW.date_caleol, 'DD/MM/YYYY'), NEW.id)
			 WHERE id = NEW.orientation_id AND etat = 'candidats_designes';
		END IF;
	END IF;
	IF NEW.date_proposition IS DISTINCT FROM OLD.date_proposition THEN
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
		VALUES (NEW.orientation_id, NEW.id, NULL, 'proposition', origine,
				format('réponse attendue au plus tard le %s ; taux d''effort %s ; offre adaptée : %s', to_char(NEW.echeance_reponse_menage, 'DD/MM/YYYY'),
					   coalesce(replace(NEW.taux_effort::text, '.', ',') || ' %', 'inconnu'),
					   CASE NEW.offre_adaptee WHEN true THEN 'oui' WHEN false THEN 'non' ELSE 'inconnu' END));
	END IF;
	IF NEW.reponse_menage IS DISTINCT FROM OLD.reponse_menage THEN
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
		VALUES (NEW.orientation_id, NEW.id, 'proposition', 'reponse_' || NEW.reponse_menage, origine, NEW.motif_refus);
		IF NEW.reponse_menage IN ('refusee', 'sans_reponse') AND NOT EXISTS (
			SELECT 1 FROM flux.candidature k
			 WHERE k.orientation_id = NEW.orientation_id AND k.id <> NEW.id
			   AND k.decision_caleol IN ('attribution', 'attribution_sous_condition')
			   AND (k.reponse_menage IS NULL OR k.reponse_menage = 'acceptee')) THEN
			UPDATE flux.orientation SET etat = 'candidats_designes',
				   motif = format('le candidat %s %s', NEW.id,
								  CASE NEW.reponse_menage WHEN 'refusee' THEN 'a refusé la proposition' ELSE 'n''a pas répondu à la proposition' END)
			 WHERE id = NEW.orientation_id AND etat = 'attribuee';
		END IF;
	END IF;
	IF NEW.refus_valide_le IS DISTINCT FROM OLD.refus_valide_le AND NEW.refus_valide_le IS NOT NULL THEN
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
		VALUES (NEW.orientation_id, NEW.id, 'reponse_' || NEW.reponse_menage, 'refus_illegitime_valide', origine,
				format('validé par le réservataire le %s', to_char(NEW.refus_valide_le, 'DD/MM/YYYY')));
	END IF;
	IF NEW.date_bail IS DISTINCT FROM OLD.date_bail THEN
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
		VALUES (NEW.orientation_id, NEW.id, 'reponse_acceptee', 'bail', origine, format('bail signé le %s', to_char(NEW.date_bail, 'DD/MM/YYYY')));
		UPDATE flux.orientation SET etat = 'bail_signe', date_bail = NEW.date_bail,
			   motif = format('bail signé le %s par le candidat %s', to_char(NEW.date_bail, 'DD/MM/YYYY'), NEW.id)
		 WHERE id = NEW.orientation_id;
		UPDATE flux.vacance v SET date_relocation = NEW.date_bail
		  FROM flux.orientation o WHERE o.id = NEW.orientation_id AND v.id = o.vacance_id;
	END IF;
	RETURN NULL;
END
$$;

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

	RETURN QUERY
	WITH cibles AS (
		SELECT o.id FROM flux.orientation o
		 WHERE o.etat OPERATOR(pg_catalog.=) 'proposee' AND o.echeance_reponse < jour
		   FOR UPDATE SKIP LOCKED
	)
	UPDATE flux.orientation o
	   SET etat = CASE WHEN c.silence_vaut_acceptation THEN 'acceptee' ELSE 'expiree' END::flux.etat_orientation,
		   date_reponse = o.echeance_reponse,
		   motif = format('pas de réponse au %s : %s', to_char(o.echeance_reponse, 'DD/MM/YYYY'),
						  CASE WHEN c.silence_vaut_acceptation THEN 'le silence vaut acceptation' ELSE 'orientation expirée' END)
	  FROM cibles, flux.convention c
	 WHERE o.id = cibles.id AND c.id = o.convention_id
	   AND o.etat OPERATOR(pg_catalog.=) 'proposee' AND o.echeance_reponse < jour
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
	 WHERE o.id = cibles.id AND o.etat OPERATOR(pg_catalog.=) 'acceptee' AND o.echeance_designation < jour
	   AND NOT EXISTS (SELECT 1 FROM flux.candidature k WHERE k.orientation_id = o.id)
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
	  FROM cibles, flux.orientation o
	 WHERE k.id = cibles.id AND k.reponse_menage IS NULL AND k.echeance_reponse_menage < jour
	   AND o.id = k.orientation_id AND o.etat OPERATOR(pg_catalog.=) 'attribuee'
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

-- the SNE exchanges: a motive outside the flux named in words

CREATE OR REPLACE VIEW flux.evenements_sne WITH (security_invoker = true) AS
SELECT k.id * 10 + e.code AS evenement_id, e.evenement, e.date_evenement,
	   extract(year FROM e.date_evenement)::integer AS annee,
	   bo.bailleur_id, bo.bailleur, b.siren AS siren_bailleur, bo.departement,
	   k.nud, k.id AS candidature_id, o.id AS orientation_id,
	   bo.logement_id, l.ident_rep AS numero_rpls, l.ident_int, bo.depcom, bo.commune,
	   bo.convention_id, bo.reservataire_id, bo.reservataire, c.mode::text AS gestion,
	   bo.hors_flux, k.designe_par::text AS designe_par,
	   k.dalo, k.dalo OR k.prioritaire AS prioritaire, k.critere_priorite,
	   CASE WHEN e.code = 1 THEN
		   CASE k.decision_caleol WHEN 'attribution' THEN 'attribution'
								  WHEN 'attribution_sous_condition' THEN 'attribution sous condition'
								  WHEN 'non_attribution' THEN 'non-attribution'
								  WHEN 'irrecevable' THEN 'irrecevable' END END AS decision_caleol,
	   CASE WHEN e.code = 1 THEN k.rang_caleol::integer END AS rang_caleol,
	   CASE WHEN e.code = 1 THEN k.motif_caleol END AS motif_caleol,
	   CASE WHEN e.code = 2 THEN k.echeance_reponse_menage END AS echeance_reponse,
	   CASE WHEN e.code = 3 THEN
		   CASE k.reponse_menage WHEN 'refusee' THEN 'refus' ELSE 'absence de réponse' END END AS reponse_menage,
	   -- the reasons the household invoked; silence invokes none (the
	   -- sweep's own note in motif_refus is not the household's)
	   CASE WHEN e.code = 3 AND k.reponse_menage = 'refusee' THEN k.motif_refus END AS motif_refus,
	   CASE WHEN e.code = 4 THEN i.reservataire_id END AS reservataire_impute_id,
	   CASE WHEN e.code = 4 THEN ri.nom END AS reservataire_impute,
	   CASE WHEN e.code = 4 THEN i.imputation END AS imputation,
	   CASE WHEN e.code = 4 AND (k.dalo OR k.prioritaire) THEN k.critere_priorite END AS motif_priorite
  FROM flux.candidature k
  -- the orientation's unit, bailleur, commune and destination as every
  -- bilan has them
  JOIN flux.bilan_orientation bo ON bo.orientation_id = k.orientation_id
  JOIN flux.orientation o ON o.id = k.orientation_id
  JOIN flux.logement l ON l.id = bo.logement_id
  JOIN flux.bailleur b ON b.id = bo.bailleur_id
  LEFT JOIN flux.convention c ON c.id = o.convention_id
 CROSS JOIN LATERAL (VALUES
	(1, 'decision_caleol', k.date_caleol),
	(2, 'proposition', k.date_proposition),
	(3, 'refus_menage', CASE WHEN k.reponse_menage IN ('refusee', 'sans_reponse') THEN k.date_reponse_menage END),
	(4, 'bail', k.date_bail)) e (code, evenement, date_evenement)
 -- who is charged with the unit: flux.decompte's rule on a convention
 CROSS JOIN LATERAL (
	SELECT CASE WHEN o.convention_id IS NOT NULL
					 AND flux.compte_pour_reservataire(k.designe_par, c.mode, o.bailleur_compte_pour_reservataire)
					THEN c.reservataire_id
				WHEN o.hors_flux = 'premiere_location' THEN l.stock_reservataire_id END AS reservataire_id,
		   CASE WHEN o.convention_id IS NOT NULL
					 AND flux.compte_pour_reservataire(k.designe_par, c.mode, o.bailleur_compte_pour_reservataire)
					THEN 'contingent du réservataire'
				WHEN o.convention_id IS NOT NULL THEN 'aucun contingent : candidat désigné par le bailleur'
				WHEN o.hors_flux = 'non_reserve' THEN 'part non réservée du bailleur'
				WHEN o.hors_flux = 'premiere_location' AND l.stock_reservataire_id IS NOT NULL
					THEN 'stock du réservataire (première mise en location)'
				ELSE 'aucun contingent : hors flux (' || flux.libelle_hors_flux(o.hors_flux::text) || ')' END AS imputation) i
  LEFT JOIN flux.reservataire ri ON ri.id = i.reservataire_id
 WHERE e.date_evenement IS NOT NULL
 ORDER BY e.date_evenement, k.id * 10 + e.code;


-- the dates of the French texts written DD/MM/YYYY, whatever the session's DateStyle
CREATE OR REPLACE VIEW flux.conformite WITH (security_invoker = true) AS
SELECT c.id AS convention_id, c.reference, b.id AS bailleur_id, b.nom AS bailleur,
	   r.id AS reservataire_id, r.nom AS reservataire, r.categorie::text AS categorie,
	   c.departement, c.date_effet, c.date_fin,
	   (SELECT count(*) FROM flux.logements_en_stock e WHERE e.convention_id = c.id AND e.droits_en_cours) AS logements_en_stock,
	   r.categorie NOT IN ('etat', 'etat_agents') AND c.maintien_stock IS NULL AS reprise_possible,
	   p.id AS reprise_id, p.arrete AS reprise_arrete, p.date_debut AS reprise_depuis,
	   CASE WHEN p.id IS NOT NULL
			THEN format('logements ajoutés au flux de l''État depuis le %s (%s) jusqu''à la conclusion d''une convention conforme', to_char(p.date_debut, 'DD/MM/YYYY'), p.arrete)
			WHEN c.maintien_stock IS NOT NULL
			THEN 'réservation au profit ' || CASE c.maintien_stock WHEN 'defense' THEN 'de la défense nationale'
															   WHEN 'securite_interieure' THEN 'de la sécurité intérieure'
															   ELSE 'des établissements publics de santé' END
				 || ' : reste gérée en stock, hors du flux (conforme)'
			WHEN r.categorie IN ('etat', 'etat_agents')
			THEN 'stock propre de l''État : à convertir dans la convention en flux de l''État'
			ELSE 'encore en stock après le 24 novembre 2023 : le préfet peut ajouter ses logements au flux de l''État (flux.reprise_prefet)'
	   END AS situation,
	   c.maintien_stock::text AS maintien_stock,
	   c.maintien_stock IS NULL AS en_retard,
	   (SELECT count(*) FROM flux.logements_en_stock e WHERE e.convention_id = c.id AND NOT e.droits_en_cours) AS logements_droits_echus,
	   m.id AS mise_en_demeure_id, m.date_mise_en_demeure AS mise_en_demeure_le,
	   m.date_reponse AS mise_en_demeure_reponse_le, m.date_resiliation AS resiliation_le,
	   m.arrete AS arrete_modalites, m.date_arrete AS arrete_modalites_le,
	   CASE WHEN m.id IS NULL THEN NULL
			WHEN m.date_arrete IS NOT NULL
			THEN format('arrêté %s du %s fixant les modalités des réservations (R. 441-5-2 IV)', m.arrete, to_char(m.date_arrete, 'DD/MM/YYYY'))
			WHEN m.date_resiliation IS NOT NULL
			THEN format('convention %s résiliée le %s après la mise en demeure du %s restée sans suite deux mois', m.convention_id, to_char(m.date_resiliation, 'DD/MM/YYYY'), to_char(m.date_mise_en_demeure, 'DD/MM/YYYY'))
			WHEN m.date_reponse IS NOT NULL
			THEN format('mise en demeure du %s : réponse du bailleur le %s', to_char(m.date_mise_en_demeure, 'DD/MM/YYYY'), to_char(m.date_reponse, 'DD/MM/YYYY'))
			WHEN CURRENT_DATE >= m.date_mise_en_demeure + interval '2 months'
			THEN format('mise en demeure du %s restée sans suite deux mois : le préfet peut résilier la convention et fixer les modalités par arrêté', to_char(m.date_mise_en_demeure, 'DD/MM/YYYY'))
			ELSE format('mise en demeure du %s : le bailleur a jusqu''au %s pour y répondre', to_char(m.date_mise_en_demeure, 'DD/MM/YYYY'),
						to_char((m.date_mise_en_demeure + interval '2 months')::date - 1, 'DD/MM/YYYY'))
	   END AS suite_mise_en_demeure
  FROM flux.convention c
  JOIN flux.bailleur b ON b.id = c.bailleur_id
  JOIN flux.reservataire r ON r.id = c.reservataire_id
  LEFT JOIN flux.reprise_prefet p ON p.convention_id = c.id AND p.date_fin IS NULL
  LEFT JOIN LATERAL (
	SELECT x.* FROM flux.mise_en_demeure x
	 WHERE x.bailleur_id = c.bailleur_id AND x.departement = c.departement
	 ORDER BY x.date_mise_en_demeure DESC, x.id DESC LIMIT 1) m ON true
 WHERE c.regime = 'stock' AND (c.date_fin IS NULL OR c.date_fin > '2023-11-24');

CREATE OR REPLACE FUNCTION flux.expliquer_logement(logement bigint, annee integer)
	RETURNS TABLE (classement flux.classement, statut text, raison text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	l flux.logement;
	b flux.bailleur;
	p flux.parametre_annuel;
	pu flux.plan_patrimoine;
	pp flux.plan_patrimoine;
	prog flux.programme;
	entree flux.entree_programme;
	k flux.classement;
	premiere integer;
	j date;
	sortie_rpls boolean;
	sortie text;
BEGIN
	PERFORM flux.verifier_annee(expliquer_logement.annee);
	SELECT * INTO l FROM flux.logement WHERE id = expliquer_logement.logement;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'logement % does not exist', coalesce(expliquer_logement.logement::text, 'NULL')
			USING ERRCODE = 'no_data_found',
				  HINT = 'Pass the id of a row of flux.logement.';
	END IF;
	SELECT * INTO b FROM flux.bailleur WHERE id = l.bailleur_id;
	SELECT * INTO p FROM flux.parametre_annuel
	 WHERE bailleur_id = l.bailleur_id AND departement = l.departement
	   AND parametre_annuel.annee = expliquer_logement.annee;
	-- the plans covering the year, as flux.logements_classes finds them
	SELECT * INTO pu FROM flux.plan_patrimoine x
	 WHERE x.logement_id = l.id AND x.bailleur_id = l.bailleur_id
	   AND x.annee_debut <= expliquer_logement.annee AND x.annee_fin >= expliquer_logement.annee
	 ORDER BY x.nature, x.id LIMIT 1;
	SELECT * INTO pp FROM flux.plan_patrimoine x
	 WHERE x.programme_id = l.programme_id AND x.bailleur_id = l.bailleur_id
	   AND x.annee_debut <= expliquer_logement.annee AND x.annee_fin >= expliquer_logement.annee
	 ORDER BY x.nature, x.id LIMIT 1;
	SELECT * INTO prog FROM flux.programme WHERE id = l.programme_id;
	entree := coalesce(p.entree_programmes, 'annee_suivante');

	k := flux.classer(expliquer_logement.annee, b.famille, l.conv, l.finan, l.cus, l.typeconst, l.mode,
					  l.hors_champ, l.exclusion, l.date_sortie, l.date_mise_en_service, l.locat,
					  coalesce(p.exclure_plai_adapte, false), coalesce(p.exclure_gens_du_voyage, false),
					  l.sortiepatrim, pu.nature, pp.nature, entree);
	premiere := coalesce(extract(year FROM l.date_mise_en_service)::integer, l.locat);
	j := make_date(expliquer_logement.annee, 1, 1);
	-- RPLS says sold or demolished during the year (rule 4b of flux.classer)
	sortie_rpls := l.sortiepatrim BETWEEN 1 AND 4 AND l.date_sortie > j
				   AND l.date_sortie < make_date(expliquer_logement.annee + 1, 1, 1);
	sortie := CASE l.sortiepatrim WHEN 1 THEN 'vendu à son occupant' WHEN 2 THEN 'vendu à un autre bailleur social'
								  WHEN 3 THEN 'autre vente' WHEN 4 THEN 'démoli' WHEN 5 THEN 'autre sortie' END;

	classement := k;
	statut := flux.statut(k);
	raison := CASE k
		WHEN 'hors_parc' THEN
			CASE WHEN l.date_sortie <= j
				 THEN format('hors du parc au 1er janvier %s : sorti le %s (SORTIEPATRIM %s, %s)',
							 expliquer_logement.annee, to_char(l.date_sortie, 'DD/MM/YYYY'), l.sortiepatrim, sortie)
				 ELSE format('hors du parc en %s : mis en service le %s',
							 expliquer_logement.annee, to_char(l.date_mise_en_service, 'DD/MM/YYYY')) END
		WHEN 'logement_foyer' THEN
			CASE WHEN l.hors_champ IS NOT NULL THEN 'jamais concerné : logement-foyer (hors_champ)'
				 ELSE 'jamais concerné : loué à une association, logement-foyer (MODE 4)' END
		WHEN 'residence_sociale' THEN 'jamais concerné : résidence sociale (hors_champ)'
		WHEN 'residence_universitaire' THEN
			CASE WHEN l.hors_champ IS NOT NULL THEN 'jamais concerné : résidence universitaire (hors_champ)'
				 ELSE 'jamais concerné : logement étudiant (TYPECONST E)' END
		WHEN 'intermediaire' THEN
			CASE WHEN l.hors_champ IS NOT NULL THEN 'jamais concerné : logement intermédiaire (hors_champ)'
				 ELSE format('jamais concerné : logement intermédiaire (FINAN %s, CUS %s : PLI)', l.finan, coalesce(l.cus::text, 'vide')) END
		WHEN 'sem_non_conventionne' THEN
			format('jamais concerné : le bailleur %s est une SEM et le logement n''est pas conventionné APL (CONV 2)', b.nom)
		WHEN 'premiere_location' THEN
			CASE WHEN entree = 'annee_suivante'
				 THEN format('première mise en location en %s d''un programme neuf : reste gérée en stock (concertation entre réservataires), le logement intègre l''assiette en %s (entree_programmes annee_suivante)',
							 premiere, premiere + 1)
				 ELSE format('première mise en location en %s d''un programme neuf : reste gérée en stock (concertation entre réservataires), le logement intègre le flux à sa première libération ensuite (entree_programmes premiere_vacance)',
							 premiere) END
		WHEN 'assiette' THEN
			format('dans l''assiette de %s : logement %s dans le parc depuis %s, %s%s%s%s',
				   expliquer_logement.annee,
				   (SELECT f.libelle FROM flux.rpls_finan f WHERE f.finan = l.finan),
				   coalesce(premiere::text, 'avant les dates RPLS'),
				   CASE WHEN l.qpv THEN 'en QPV' ELSE 'hors QPV' END,
				   CASE WHEN premiere = expliquer_logement.annee
						THEN format(', programme neuf mis en location en %s : sa première location reste en stock, il intègre le flux à sa première libération (entree_programmes premiere_vacance)', premiere)
						ELSE '' END,
				   CASE WHEN l.exclusion IS NOT NULL
						THEN format(', %s non exclu : l''option de la charte locale est désactivée en %s', l.exclusion, expliquer_logement.annee)
						ELSE '' END,
				   CASE WHEN l.sortiepatrim = 5 AND l.date_sortie > j
						THEN format(', sorti du patrimoine le %s (SORTIEPATRIM 5, autre sortie) : ce n''est pas une exclusion, hors du parc à partir de %s',
									to_char(l.date_sortie, 'DD/MM/YYYY'), extract(year FROM l.date_sortie)::integer + 1)
						ELSE '' END)
		WHEN 'defense' THEN 'exclu du flux (B) : réservé à la défense nationale (exclusion saisie)'
		WHEN 'securite_interieure' THEN 'exclu du flux (B) : réservé à la sécurité intérieure (exclusion saisie)'
		WHEN 'sante' THEN 'exclu du flux (B) : réservé à un établissement public de santé (exclusion saisie)'
		WHEN 'plai_adapte' THEN 'exclu du flux (B) : PLAI adapté, exclu par la charte locale (exclusion saisie)'
		WHEN 'gens_du_voyage' THEN 'exclu du flux (B) : logement des gens du voyage, exclu par la charte locale (exclusion saisie)'
		ELSE
			-- vente, demolition: what decided, in the order of flux.classer
			CASE
				WHEN l.exclusion::text = k::text THEN
					format('exclu du flux (B) : %s (exclusion saisie)',
						   CASE k WHEN 'vente' THEN 'mis en vente' ELSE 'voué à la démolition' END)
				WHEN sortie_rpls THEN
					format('exclu du flux (B) : %s le %s selon RPLS (SORTIEPATRIM %s%s)',
						   CASE k WHEN 'vente' THEN 'vendu' ELSE 'démoli' END, to_char(l.date_sortie, 'DD/MM/YYYY'), l.sortiepatrim,
						   CASE WHEN l.sortiepatrim <> 4 THEN ', ' || sortie ELSE '' END)
				WHEN pu.id IS NOT NULL AND pu.nature::text = k::text THEN
					format('exclu du flux (B) : inscrit au plan %s n° %s (%s, %s à %s)',
						   CASE k WHEN 'vente' THEN 'de vente' ELSE 'de démolition' END,
						   pu.id, pu.reference, pu.annee_debut, pu.annee_fin)
				WHEN pp.id IS NOT NULL AND pp.nature::text = k::text THEN
					format('exclu du flux (B) : son programme %s (%s) est inscrit au plan %s n° %s (%s, %s à %s)',
						   prog.id, prog.nom, CASE k WHEN 'vente' THEN 'de vente' ELSE 'de démolition' END,
						   pp.id, pp.reference, pp.annee_debut, pp.annee_fin)
			END
	END;
	IF raison IS NULL THEN
		-- flux.classer and these words disagree: a bug, never a reason that does not apply
		RAISE EXCEPTION 'flux.expliquer_logement cannot explain classement % of logement % in %', k, l.id, expliquer_logement.annee
			USING ERRCODE = 'internal_error',
				  HINT = 'Report it with the unit''s row: the explanation no longer follows flux.classer.';
	END IF;
	RETURN NEXT;
END
$$;

-- ---------------------------------------------------------------------------
-- (section of the CSV exports)
-- ---------------------------------------------------------------------------

-- One layout per kind of row (issue 15 items 8 and 9): the two reports of
-- 0.7.0 mixed kinds of rows in one layout, with columns changing meaning
-- with the row (valeur / reference; proposes holding the units concerned
-- by an obligation) and commune figures counting orientations.  They are
-- dropped, not kept beside: six report functions, one per section, and
-- the CSV documents (src/exports.sql) replace them.
DROP FUNCTION flux.rapport_reservataire(bigint, integer);
DROP FUNCTION flux.rapport_epci(text, integer);

-- Every report function returns one kind of row: each column one meaning,
-- numbers typed as numbers, and every row names the bailleur (SIREN and
-- name), the département and the réservataire or the EPCI (SIREN and name),
-- so that a row copied out of its file still says what it is about.
--

--------------------------------------------------------------------------
-- The réservataire's report (before 28 February N+1)
--------------------------------------------------------------------------

/*
 * flux.rapport_reservataire_parts: one row per convention of the
 * réservataire with flux activity in year N (a bailleur, a département):
 * flux.bilan_reservataire's figures, units each once.
 */
CREATE FUNCTION flux.rapport_reservataire_parts(reservataire bigint, annee integer)
	RETURNS TABLE (annee integer, reservataire_id bigint, reservataire text, bailleur_siren text, bailleur text,
				   departement text, convention_id bigint, taux_du numeric, logements_liberes bigint,
				   proposes bigint, part_proposes numeric, dus_sur_liberes numeric, ecart_proposes numeric,
				   attribues bigint, refus_illegitimes bigint, part_attribues numeric, baux bigint, part_baux numeric,
				   baux_designes_bailleur bigint)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	-- no silent empty report: a NULL or unknown réservataire, a bad year, a year without data
	SELECT flux.verifier_reservataire($1), flux.verifier_annee($2);
	SELECT flux.verifier_annee_rapport($2, reservataire => $1);
	SELECT r.annee, r.reservataire_id, r.reservataire, b.siren, r.bailleur, r.departement, r.convention_id,
		   r.taux_du, r.logements_liberes, r.proposes, r.part_proposes, r.dus_sur_liberes, r.ecart_proposes,
		   r.attribues, r.refus_illegitimes, r.part_attribues, r.baux, r.part_baux, r.baux_designes_bailleur
	  FROM flux.bilan_reservataire r
	  JOIN flux.bailleur b ON b.id = r.bailleur_id
	 WHERE r.reservataire_id = $1 AND r.annee = $2
	 ORDER BY r.bailleur, r.departement, r.convention_id
$$;

COMMENT ON FUNCTION flux.rapport_reservataire_parts(bigint, integer) IS
	'The réservataire''s bilan of year N, its shares: per convention, units freed in the flux, proposed, attributed, leased, their shares over the units freed, and the units due on them (dus_sur_liberes); one row per convention';

/*
 * flux.rapport_reservataire_obligations: one row per obligation of the
 * réservataire (flux.bilan_obligations, its own rows).
 */
CREATE FUNCTION flux.rapport_reservataire_obligations(reservataire bigint, annee integer)
	RETURNS TABLE (annee integer, reservataire_id bigint, reservataire text, bailleur_siren text, bailleur text,
				   departement text, obligation text, libelle text, concernes bigint, atteints bigint, dont_dalo bigint,
				   taux numeric, objectif numeric, conforme boolean, manque integer, taux_dalo numeric)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT flux.verifier_reservataire($1), flux.verifier_annee($2);
	SELECT flux.verifier_annee_rapport($2, reservataire => $1);
	SELECT o.annee, o.reservataire_id, o.reservataire, b.siren, o.bailleur, o.departement, o.obligation, o.libelle,
		   o.concernes, o.atteints, o.dont_dalo, o.taux, o.objectif, o.conforme, o.manque, o.taux_dalo
	  FROM flux.bilan_obligations o
	  JOIN flux.bailleur b ON b.id = o.bailleur_id
	 WHERE o.reservataire_id = $1 AND o.annee = $2
	 ORDER BY o.bailleur, o.departement, o.obligation
$$;

COMMENT ON FUNCTION flux.rapport_reservataire_obligations(bigint, integer) IS
	'The réservataire''s bilan of year N, its obligations: attributions concerned, meeting it, DALO apart, rate, target, units missing; one row per obligation';

/*
 * flux.rapport_reservataire_detail: the units proposed to the réservataire
 * in year N by segment, one row per dimension and value.  Units, each
 * once (a unit refused then re-oriented to it is one unit); attributed and
 * leased are on its units, whoever designated the household (as
 * flux.bilan_obligations; flux.rapport_reservataire_parts counts only its
 * candidates, baux_designes_bailleur apart).
 */
CREATE FUNCTION flux.rapport_reservataire_detail(reservataire bigint, annee integer)
	RETURNS TABLE (annee integer, reservataire_id bigint, reservataire text, bailleur_siren text, bailleur text,
				   departement text, dimension text, segment text, proposes bigint, attribues bigint, baux bigint)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT flux.verifier_reservataire($1), flux.verifier_annee($2);
	SELECT flux.verifier_annee_rapport($2, reservataire => $1);
	SELECT o.annee, o.reservataire_id, o.reservataire, b.siren, o.bailleur, o.departement, x.dimension, x.segment,
		   count(DISTINCT v.vacance_id) FILTER (WHERE o.propose), count(DISTINCT v.vacance_id) FILTER (WHERE o.attribue),
		   count(DISTINCT v.vacance_id) FILTER (WHERE o.bail)
	  FROM flux.bilan_orientation o
	  JOIN flux.orientation v ON v.id = o.orientation_id
	  JOIN flux.bailleur b ON b.id = o.bailleur_id
	 CROSS JOIN LATERAL (VALUES (1, 'typologie', o.typologie), (2, 'financement', o.financement),
							   (3, 'qpv', CASE WHEN o.qpv THEN 'QPV' ELSE 'hors QPV' END),
							   (4, 'commune', o.commune), (5, 'periode', o.periode)) x(ordre, dimension, segment)
	 WHERE o.reservataire_id = $1 AND o.annee = $2
	 GROUP BY o.annee, o.reservataire_id, o.reservataire, b.siren, o.bailleur, o.departement, x.ordre, x.dimension, x.segment
	 ORDER BY o.bailleur, o.departement, x.ordre, x.segment
$$;

COMMENT ON FUNCTION flux.rapport_reservataire_detail(bigint, integer) IS
	'The réservataire''s bilan of year N by segment (typologie, financement, qpv, commune, periode): units proposed to it, attributed and leased on them, each unit once; one row per dimension and segment';

--------------------------------------------------------------------------
-- The EPCI's report (before 31 March N+1)
--------------------------------------------------------------------------

/*
 * flux.rapport_epci_communes: per bailleur and commune of the EPCI, the
 * units of year N, each once: a unit refused then re-oriented (to the
 * same réservataire or another) is one unit proposed.  dans_le_flux and
 * hors_flux split the units proposed by where they were oriented (the
 * flux: a convention or the bailleur's own share; outside it: a
 * relocation); a unit oriented both ways in the year counts in both, and
 * once in proposes.
 */
CREATE FUNCTION flux.rapport_epci_communes(epci text, annee integer)
	RETURNS TABLE (annee integer, epci text, epci_nom text, bailleur_siren text, bailleur text, departement text,
				   depcom text, commune text, proposes bigint, dans_le_flux bigint, hors_flux bigint,
				   attribues bigint, baux bigint)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	-- no silent empty report: a NULL, malformed or unknown EPCI, a bad year, a year without data
	SELECT flux.verifier_epci($1), flux.verifier_annee($2);
	SELECT flux.verifier_annee_rapport($2, epci => $1);
	SELECT o.annee, o.epci, flux.nom_epci(o.epci), b.siren, o.bailleur, o.departement, o.depcom, o.commune,
		   count(DISTINCT v.vacance_id) FILTER (WHERE o.propose),
		   count(DISTINCT v.vacance_id) FILTER (WHERE o.propose AND (o.hors_flux IS NULL OR o.hors_flux = 'non_reserve')),
		   count(DISTINCT v.vacance_id) FILTER (WHERE o.propose AND o.hors_flux <> 'non_reserve'),
		   count(DISTINCT v.vacance_id) FILTER (WHERE o.attribue),
		   count(DISTINCT v.vacance_id) FILTER (WHERE o.bail)
	  FROM flux.bilan_orientation o
	  JOIN flux.orientation v ON v.id = o.orientation_id
	  JOIN flux.bailleur b ON b.id = o.bailleur_id
	 WHERE o.epci = $1 AND o.annee = $2
	 GROUP BY o.annee, o.epci, b.siren, o.bailleur, o.departement, o.depcom, o.commune
	 ORDER BY o.bailleur, o.departement, o.depcom
$$;

COMMENT ON FUNCTION flux.rapport_epci_communes(text, integer) IS
	'The EPCI''s bilan of year N by commune: units proposed (each once, however many times oriented), of which in the flux and outside it, attributed and leased; one row per bailleur and commune';

/*
 * flux.rapport_epci_destinations: per bailleur and destination (a
 * réservataire, the bailleur's own share, or outside the flux with its
 * motive), the units of the EPCI's communes proposed to it in year N: a
 * unit counts once for each destination it was proposed to (refused by
 * one réservataire and re-oriented to another, it counts for both; the
 * sum of the destinations can exceed the communes' proposes).  Attributed
 * and leased: the unit's household, whoever designated it.
 */
CREATE FUNCTION flux.rapport_epci_destinations(epci text, annee integer)
	RETURNS TABLE (annee integer, epci text, epci_nom text, bailleur_siren text, bailleur text, departement text,
				   reservataire_id bigint, destination text, categorie text, proposes bigint, attribues bigint, baux bigint)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT flux.verifier_epci($1), flux.verifier_annee($2);
	SELECT flux.verifier_annee_rapport($2, epci => $1);
	SELECT o.annee, o.epci, flux.nom_epci(o.epci), b.siren, o.bailleur, o.departement, o.reservataire_id,
		   coalesce(o.reservataire, CASE o.hors_flux WHEN 'non_reserve' THEN 'part propre du bailleur'
												   ELSE 'hors flux : ' || o.hors_flux END),
		   coalesce(o.categorie, CASE o.hors_flux WHEN 'non_reserve' THEN 'non_reserve' ELSE 'hors_flux' END),
		   count(DISTINCT v.vacance_id) FILTER (WHERE o.propose), count(DISTINCT v.vacance_id) FILTER (WHERE o.attribue),
		   count(DISTINCT v.vacance_id) FILTER (WHERE o.bail)
	  FROM flux.bilan_orientation o
	  JOIN flux.orientation v ON v.id = o.orientation_id
	  JOIN flux.bailleur b ON b.id = o.bailleur_id
	 WHERE o.epci = $1 AND o.annee = $2
	 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
	 ORDER BY 5, 6, 7 NULLS LAST, 8
$$;

COMMENT ON FUNCTION flux.rapport_epci_destinations(text, integer) IS
	'The EPCI''s bilan of year N by destination (réservataire, bailleur''s own share, outside the flux by motive): units proposed to it, attributed, leased; a unit counts once for each destination it was proposed to';

/*
 * flux.rapport_epci_obligations: the attribution obligations over the
 * EPCI's communes, per bailleur, hors flux included (as the territory's
 * rows of flux.bilan_obligations, restricted to the EPCI): priority
 * households >= 25 %, leases outside QPV to the 1st quartile >= 25 %,
 * attributions in QPV to quartiles 2-4 against the CIA objective
 * (parametre_annuel.objectif_cia_qpv, 50 % by default).
 */
CREATE FUNCTION flux.rapport_epci_obligations(epci text, annee integer)
	RETURNS TABLE (annee integer, epci text, epci_nom text, bailleur_siren text, bailleur text, departement text,
				   obligation text, libelle text, concernes bigint, atteints bigint, dont_dalo bigint,
				   taux numeric, objectif numeric, conforme boolean, manque integer)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT flux.verifier_epci($1), flux.verifier_annee($2);
	SELECT flux.verifier_annee_rapport($2, epci => $1);
	SELECT g.annee, g.epci, flux.nom_epci(g.epci), b.siren, b.nom, g.departement, g.obligation, g.libelle,
		   g.concernes, g.atteints, g.dont_dalo, round(100.0 * g.atteints / nullif(g.concernes, 0), 2),
		   trim_scale(g.objectif), 100.0 * g.atteints >= g.objectif * g.concernes,
		   greatest(ceil(g.objectif * g.concernes / 100) - g.atteints, 0)::integer
	  FROM (SELECT o.annee, o.epci, o.bailleur_id, o.departement, x.ordre, x.obligation, x.libelle, x.objectif,
				   count(*) FILTER (WHERE x.concerne) AS concernes, count(*) FILTER (WHERE x.atteint) AS atteints,
				   count(*) FILTER (WHERE x.concerne AND o.dalo) AS dont_dalo
			  FROM flux.bilan_orientation o
			  LEFT JOIN flux.parametre_annuel p ON p.bailleur_id = o.bailleur_id AND p.departement = o.departement
											   AND p.annee = o.annee
			 CROSS JOIN LATERAL (VALUES
				(1, 'prioritaires_tous', 'attributions aux ménages prioritaires (DALO, L. 441-1), hors flux compris',
				 o.attribue, o.attribue AND o.prioritaire, 25::numeric),
				(2, 'q1_hors_qpv', 'attributions suivies de bail hors QPV aux demandeurs du 1er quartile',
				 o.bail AND NOT o.qpv, o.bail AND NOT o.qpv AND o.quartile = 1, 25),
				(3, 'q234_qpv', 'attributions en QPV aux demandeurs des quartiles 2 à 4 (objectif CIA)',
				 o.attribue AND o.qpv, o.attribue AND o.qpv AND o.quartile BETWEEN 2 AND 4,
				 coalesce(p.objectif_cia_qpv, 50))) x(ordre, obligation, libelle, concerne, atteint, objectif)
			 WHERE o.epci = $1 AND o.annee = $2
			 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) g
	  JOIN flux.bailleur b ON b.id = g.bailleur_id
	 ORDER BY b.nom, g.departement, g.ordre
$$;

COMMENT ON FUNCTION flux.rapport_epci_obligations(text, integer) IS
	'The EPCI''s bilan of year N, its obligations per bailleur, hors flux included: attributions concerned, meeting it, DALO apart, rate, target, units missing; one row per bailleur and obligation';

--------------------------------------------------------------------------
-- CSV documents
--------------------------------------------------------------------------

/*
 * flux.csv_ligne (internal): one record of a CSV document from a row as
 * json (row_to_json keeps the columns in order), its first n columns.
 * RFC 4180: a field holding the separator, a double quote, CR or LF is
 * quoted, its quotes doubled.  NULL is an empty field; a number is written
 * as PostgreSQL writes it, with a decimal comma in the fr format; a
 * boolean true/false (fr: oui/non).
 */
CREATE FUNCTION flux.csv_ligne(ligne json, colonnes integer, francais boolean)
	RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT string_agg(
			 CASE json_typeof(c.value)
				 WHEN 'null' THEN ''
				 WHEN 'number' THEN CASE WHEN $3 THEN replace(c.value::text, '.', ',') ELSE c.value::text END
				 WHEN 'boolean' THEN CASE WHEN NOT $3 THEN c.value::text WHEN c.value::text = 'true' THEN 'oui' ELSE 'non' END
				 ELSE flux.csv_champ(c.value #>> '{}', $3) END,
			 CASE WHEN $3 THEN ';' ELSE ',' END ORDER BY c.n)
	  FROM json_each($1) WITH ORDINALITY c(key, value, n)
	 WHERE c.n <= $2
$$;

COMMENT ON FUNCTION flux.csv_ligne(json, integer, boolean) IS
	'Internal: one CSV record (RFC 4180 quoting) of the first n columns of a row as json; fr: semicolon, decimal comma, oui/non';

/*
 * flux.csv_champ (internal): a text field, quoted when it holds the
 * separator (',' or, fr, ';'), a double quote, CR or LF.
 */
CREATE FUNCTION flux.csv_champ(champ text, francais boolean)
	RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT CASE WHEN strpos($1, CASE WHEN $2 THEN ';' ELSE ',' END) > 0 OR strpos($1, '"') > 0
					 OR strpos($1, chr(10)) > 0 OR strpos($1, chr(13)) > 0
				THEN '"' || replace($1, '"', '""') || '"' ELSE $1 END
$$;

COMMENT ON FUNCTION flux.csv_champ(text, boolean) IS
	'Internal: a CSV text field, quoted (quotes doubled) when it holds the separator, a double quote, CR or LF';

/*
 * flux.csv_document (internal): the CSV document of one report function
 * flux.<fonction>(cle, annee) (its key passed as text, cast to the
 * function's first argument type): the header (the function's result
 * columns, as documented), then one record per row, in the function's
 * order; every record ends with CRLF (RFC 4180).  Every role may call it:
 * it calls the report with the caller's rights, as calling it directly.  fr: ';', decimal comma,
 * the UTF-8 byte order mark U+FEFF first (spreadsheet software reads the
 * file as UTF-8 only with it).  The report function checks the key and the
 * year.
 */
CREATE FUNCTION flux.csv_document(fonction text, cle text, annee integer, format text)
	RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	francais boolean;
	f regprocedure;
	entete text[];
	corps text;
	fin constant text := chr(13) || chr(10);
BEGIN
	IF format IS NULL THEN
		RAISE EXCEPTION 'CSV format is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass ''standard'' (comma, decimal point) or ''fr'' (semicolon, decimal comma, UTF-8 with BOM, for French spreadsheet software).';
	END IF;
	IF format NOT IN ('standard', 'fr') THEN
		RAISE EXCEPTION 'unknown CSV format "%"', format
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The formats are ''standard'' (comma, decimal point) and ''fr'' (semicolon, decimal comma, UTF-8 with BOM, for French spreadsheet software).';
	END IF;
	francais := format = 'fr';
	IF francais AND getdatabaseencoding() <> 'UTF8' THEN
		RAISE EXCEPTION 'the fr CSV format needs a UTF8 database, not %', getdatabaseencoding()
			USING ERRCODE = 'character_not_in_repertoire',
				  HINT = 'Its byte order mark (U+FEFF) has no code in the database''s encoding: use the standard format, or a UTF8 database.';
	END IF;
	-- one of the report functions of this file, nothing else
	f := (SELECT p.oid FROM pg_proc p
		   WHERE p.pronamespace = 'flux'::regnamespace AND p.proname = fonction
			 AND p.proname ~ '^rapport_(reservataire|epci)_[a-z]+$' AND p.pronargs = 2);
	IF f IS NULL THEN
		RAISE EXCEPTION 'unknown report "%"', fonction
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Call flux.csv_reservataire or flux.csv_epci with the name of a section.';
	END IF;
	SELECT array_agg(u.nom ORDER BY u.i) INTO entete
	  FROM pg_proc p, unnest(p.proargnames, p.proargmodes::text[]) WITH ORDINALITY u(nom, mode, i)
	 WHERE p.oid = f AND u.mode = 't';
	EXECUTE pg_catalog.format(
		'SELECT string_agg(flux.csv_ligne(row_to_json(t), $3, $4) || $5, '''' ORDER BY t.ordinality)
		   FROM flux.%I($1::%s, $2) WITH ORDINALITY t', fonction, pg_catalog.format_type(
			(SELECT p.proargtypes[0] FROM pg_proc p WHERE p.oid = f), NULL))
	   INTO corps USING cle, annee, cardinality(entete), francais, fin;
	RETURN CASE WHEN francais THEN chr(65279) ELSE '' END
		   || (SELECT string_agg(flux.csv_champ(e, francais), CASE WHEN francais THEN ';' ELSE ',' END) FROM unnest(entete) e)
		   || fin || coalesce(corps, '');
END
$$;

COMMENT ON FUNCTION flux.csv_document(text, text, integer, text) IS
	'Internal: the CSV document (header, one CRLF-terminated record per row; fr: semicolon, decimal comma, UTF-8 BOM) of the report function flux.<fonction>(cle, annee)';

/*
 * flux.csv_reservataire: the réservataire's report as one CSV document,
 * one section (one layout) per document: parts, obligations or detail.
 */
CREATE FUNCTION flux.csv_reservataire(reservataire bigint, annee integer, section text, format text DEFAULT 'standard')
	RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF section IS NULL THEN
		RAISE EXCEPTION 'section is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'The sections of the réservataire''s report are parts, obligations and detail.';
	END IF;
	IF section NOT IN ('parts', 'obligations', 'detail') THEN
		RAISE EXCEPTION 'unknown section "%" of the réservataire''s report', section
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The sections of the réservataire''s report are parts, obligations and detail.';
	END IF;
	RETURN flux.csv_document('rapport_reservataire_' || section, reservataire::text, annee, format);
END
$$;

COMMENT ON FUNCTION flux.csv_reservataire(bigint, integer, text, text) IS
	'The réservataire''s bilan of year N as a CSV document, one section per document (parts, obligations, detail); format standard (comma, decimal point) or fr (semicolon, decimal comma, UTF-8 BOM); CRLF line ends';

/*
 * flux.csv_epci: the EPCI's report as one CSV document, one section (one
 * layout) per document: communes, destinations or obligations.
 */
CREATE FUNCTION flux.csv_epci(epci text, annee integer, section text, format text DEFAULT 'standard')
	RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF section IS NULL THEN
		RAISE EXCEPTION 'section is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'The sections of the EPCI''s report are communes, destinations and obligations.';
	END IF;
	IF section NOT IN ('communes', 'destinations', 'obligations') THEN
		RAISE EXCEPTION 'unknown section "%" of the EPCI''s report', section
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The sections of the EPCI''s report are communes, destinations and obligations.';
	END IF;
	RETURN flux.csv_document('rapport_epci_' || section, epci, annee, format);
END
$$;

COMMENT ON FUNCTION flux.csv_epci(text, integer, text, text) IS
	'The EPCI''s bilan of year N as a CSV document, one section per document (communes, destinations, obligations); format standard (comma, decimal point) or fr (semicolon, decimal comma, UTF-8 BOM); CRLF line ends';


-- ---------------------------------------------------------------------------
-- (section of the partners: the roles, the mapping of logins, who is calling;
-- issue 16)
-- ---------------------------------------------------------------------------

--------------------------------------------------------------------------
-- The roles
--------------------------------------------------------------------------

/*
 * Five group roles, NOLOGIN, created once per cluster (a role is not a
 * database object: a second database with flux finds them, DROP EXTENSION
 * leaves them; docs/dba-guide.md says how to drop them).  A login is made
 * a member of one of them, and for a partner, mapped in flux.partenaire:
 *   flux_admin         conventions, yearly parameters, RPLS loading, the
 *                      mapping of logins (flux.partenaire)
 *   flux_gestionnaire  the bailleur's staff: the whole workflow
 *   flux_reservataire  a réservataire's logins: its own rows, acting
 *                      through flux's functions only
 *   flux_epci          an EPCI's logins: the aggregates of its territory
 *   flux_lecteur       BI tools: the aggregate views, no personal data
 * A role that exists already (a second database, or a DBA's own) is kept
 * as it is, provided it cannot log in: a group role of flux that could
 * would give its rights to whoever knows its password.
 */
DO $roles$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['flux_admin', 'flux_gestionnaire', 'flux_reservataire', 'flux_epci', 'flux_lecteur'] LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
		ELSIF (SELECT rolcanlogin OR rolsuper OR rolbypassrls FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
			RAISE EXCEPTION 'role "%" exists and can log in, is a superuser or bypasses row-level security', r
				USING ERRCODE = '42710',
					  DETAIL = 'flux''s group roles must be NOLOGIN, NOSUPERUSER and NOBYPASSRLS: their members get their rights.',
					  HINT = pg_catalog.format('Rename or alter the existing role (ALTER ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS), then run CREATE EXTENSION flux again.', r);
		END IF;
	END LOOP;
END
$roles$;

--------------------------------------------------------------------------
-- The mapping of logins
--------------------------------------------------------------------------

CREATE TABLE flux.partenaire (
	login			name PRIMARY KEY,
	reservataire_id	bigint REFERENCES flux.reservataire ON DELETE CASCADE,
	epci			text CONSTRAINT partenaire_epci_format CHECK (epci ~ '^[0-9]{9}$'),
	-- one login acts for one partner, a réservataire or an EPCI
	CONSTRAINT partenaire_un_seul CHECK ((reservataire_id IS NULL) <> (epci IS NULL)),
	depuis			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	accorde_par		name NOT NULL DEFAULT CURRENT_USER
);

CREATE INDEX partenaire_reservataire ON flux.partenaire (reservataire_id);

COMMENT ON TABLE flux.partenaire IS
	'Which réservataire or EPCI each login acts for: the mapping the row-level security of flux reads through current_user; managed by flux_admin';

COMMENT ON COLUMN flux.partenaire.login IS 'The login (a role that can log in, member of flux_reservataire or flux_epci)';

COMMENT ON COLUMN flux.partenaire.reservataire_id IS 'For a member of flux_reservataire: the réservataire it acts for';

COMMENT ON COLUMN flux.partenaire.epci IS 'For a member of flux_epci: the SIREN of its EPCI (its territory: the communes of flux.commune with this epci)';

COMMENT ON COLUMN flux.partenaire.depuis IS 'When the mapping was recorded';

COMMENT ON COLUMN flux.partenaire.accorde_par IS 'Who recorded it';

SELECT pg_catalog.pg_extension_config_dump('flux.partenaire', '');

/*
 * A mapping names a role that exists, is a member of the group role of its
 * kind, and is not a superuser (who would see every row anyway: mapping
 * one would only mislead).
 */
CREATE FUNCTION flux.partenaire_verifier() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	groupe name := CASE WHEN NEW.reservataire_id IS NOT NULL THEN 'flux_reservataire' ELSE 'flux_epci' END;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = NEW.login) THEN
		RAISE EXCEPTION 'role "%" does not exist', NEW.login
			USING ERRCODE = 'undefined_object',
				  HINT = format('Create the login first: CREATE ROLE %I LOGIN IN ROLE %I;', NEW.login, groupe);
	END IF;
	IF (SELECT rolsuper OR rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = NEW.login) THEN
		RAISE EXCEPTION 'role "%" is a superuser or bypasses row-level security', NEW.login
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Such a role sees every row: mapping it to one partner would not restrict it.',
				  HINT = 'Map a login made for the partner, NOSUPERUSER NOBYPASSRLS.';
	END IF;
	IF NOT pg_catalog.pg_has_role(NEW.login, groupe, 'MEMBER') THEN
		RAISE EXCEPTION 'role "%" is not a member of %', NEW.login, groupe
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = CASE WHEN NEW.reservataire_id IS NOT NULL
								THEN format('A login acting for réservataire %s must be a member of flux_reservataire.', NEW.reservataire_id)
								ELSE format('A login acting for EPCI %s must be a member of flux_epci.', NEW.epci) END,
				  HINT = format('GRANT %I TO %I;', groupe, NEW.login);
	END IF;
	IF NEW.epci IS NOT NULL AND NOT EXISTS (SELECT FROM flux.commune c WHERE c.epci = NEW.epci) THEN
		RAISE EXCEPTION 'EPCI % has no commune in flux.commune', NEW.epci
			USING ERRCODE = 'foreign_key_violation',
				  HINT = 'An EPCI is known by its SIREN, as in flux.commune.epci; load the communes first (flux.charger_communes_cog).';
	END IF;
	RETURN NEW;
END
$$;

REVOKE EXECUTE ON FUNCTION flux.partenaire_verifier() FROM PUBLIC;

COMMENT ON FUNCTION flux.partenaire_verifier() IS
	'Trigger of flux.partenaire: the login exists, is a member of flux_reservataire or flux_epci as its mapping says, and is neither a superuser nor BYPASSRLS';

CREATE TRIGGER partenaire_verifier BEFORE INSERT OR UPDATE ON flux.partenaire
	FOR EACH ROW EXECUTE FUNCTION flux.partenaire_verifier();

--------------------------------------------------------------------------
-- Who is calling
--------------------------------------------------------------------------

/*
 * flux.appelant: the role on whose behalf the current statement runs.
 * Outside a SECURITY DEFINER function it is current_user.  Inside one,
 * current_user is the function's owner; the caller is then the role the
 * session set (SET ROLE, which a role can set only to a role it is a
 * member of) or else the session's user.  PostgreSQL's own state, never a
 * custom variable a caller could set: the partner functions of flux
 * (SECURITY DEFINER) act for flux.appelant(), the row-level security of
 * the tables reads current_user, and the two agree.
 */
CREATE FUNCTION flux.appelant()
	RETURNS name
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN CASE WHEN pg_catalog.current_setting('role') OPERATOR(pg_catalog.=) 'none' THEN SESSION_USER
				ELSE pg_catalog.current_setting('role')::name END;

COMMENT ON FUNCTION flux.appelant() IS
	'The role the current statement acts for: current_user outside a SECURITY DEFINER function, and inside one the role of SET ROLE or else session_user';

/*
 * The réservataire and the EPCI the caller acts for (NULL: none; the
 * bailleur's staff is mapped to nothing).  SECURITY DEFINER so that they
 * read the mapping whatever the caller may read; STABLE, so a policy that
 * calls them as (SELECT flux.reservataire_courant()) reads them once per
 * statement.
 */
CREATE FUNCTION flux.reservataire_courant()
	RETURNS bigint
	LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT p.reservataire_id FROM flux.partenaire p WHERE p.login = flux.appelant()
$$;

COMMENT ON FUNCTION flux.reservataire_courant() IS
	'The réservataire the calling login acts for (flux.partenaire), or NULL';

CREATE FUNCTION flux.epci_courant()
	RETURNS text
	LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT p.epci FROM flux.partenaire p WHERE p.login = flux.appelant()
$$;

COMMENT ON FUNCTION flux.epci_courant() IS
	'The EPCI (SIREN) the calling login acts for (flux.partenaire), or NULL';

-- ---------------------------------------------------------------------------
-- (section of the audit and the personal data)
-- flux.audit and its triggers, flux.pseudonymiser; issue 16
-- ---------------------------------------------------------------------------

-- src/audit.sql

/*
 * One row per row written (INSERT, UPDATE, DELETE) and per TRUNCATE, in
 *   flux.orientation, flux.candidature  the workflow: staff and partners
 *   flux.vacance                        the units offered
 *   flux.convention, flux.parametre_annuel  what the shares are computed from
 *   flux.partenaire                     who may act for whom
 *   flux.pseudonymisation               the runs of the retention function
 * Not audited: the RPLS stock and the reference tables (flux.logement,
 * flux.commune, the RPLS codes: bulk loads of hundreds of thousands of
 * rows, traced by flux.rpls_ligne and flux.rpls_rejet), the bailleurs and réservataires
 * (created once by the DBA), the derived tables (the engine's counters,
 * flux.orientation_historique: written by the triggers from rows audited
 * here).
 *
 * Who: login is session_user (the role that logged in), appelant the role
 * the statement acts for (flux.appelant: the role of SET ROLE, else the
 * login), and the réservataire or EPCI that role is mapped to in
 * flux.partenaire at the time of the write.  PostgreSQL's own state, never a
 * setting a session could choose.
 *
 * What: the changed columns, their values before (avant) and after (apres)
 * as jsonb; for an INSERT every non-null column, for a DELETE the row.  The
 * columns that hold personal data (the NUD, the priority criterion, the
 * household's size, resources and allowance, the free texts about it) are
 * named in donnees_personnelles when written, their values never recorded:
 * the audit must outlive the pseudonymisation of closed files
 * (src/donnees_personnelles.sql) without keeping what it removes.  The
 * candidate is known by its id.  A change of modifie_le alone (the workflow
 * touching an orientation to order concurrent steps) is not recorded.
 *
 * Linear: one INSERT ... SELECT per statement over the transition tables,
 * no query per row (docs/performance.md, "The audit").  Each row is turned
 * into jsonb once (OFFSET 0 keeps the planner from inlining to_jsonb into
 * every use of it: 14 times slower); the old and new rows are matched in a
 * hash (work_mem raised for the trigger only), and JIT, whose compilation
 * cost more than the query, is off.
 */
CREATE TABLE flux.audit (
	id				bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	quand			timestamptz NOT NULL,
	transaction_id	xid8 NOT NULL,
	relation		text NOT NULL,
	operation		text NOT NULL CONSTRAINT audit_operation CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')),
	cle				text,
	login			name NOT NULL,
	appelant		name NOT NULL,
	reservataire_id	bigint,
	epci			text,
	avant			jsonb,
	apres			jsonb,
	donnees_personnelles text[]
);

CREATE INDEX audit_relation_cle ON flux.audit (relation, cle);

COMMENT ON TABLE flux.audit IS
	'The audit: every row written in the workflow, the conventions, the yearly parameters and the mapping of logins, with who, when and as which partner; append-only, without personal data in clear';

COMMENT ON COLUMN flux.audit.id IS 'Order of the writes';

COMMENT ON COLUMN flux.audit.quand IS 'When the statement wrote the row (clock time at the end of the statement, one value per statement)';

COMMENT ON COLUMN flux.audit.transaction_id IS 'The writing transaction (pg_current_xact_id): the rows of one transaction stand or fall together';

COMMENT ON COLUMN flux.audit.relation IS 'The table written (orientation, candidature, vacance, convention, parametre_annuel, partenaire, pseudonymisation)';

COMMENT ON COLUMN flux.audit.operation IS 'INSERT, UPDATE, DELETE or TRUNCATE';

COMMENT ON COLUMN flux.audit.cle IS 'The row''s primary key (its columns'' values joined by commas; NULL for a TRUNCATE)';

COMMENT ON COLUMN flux.audit.login IS 'The role that logged in (session_user)';

COMMENT ON COLUMN flux.audit.appelant IS 'The role the statement acted for (flux.appelant(): the role of SET ROLE, else the login), also inside flux''s SECURITY DEFINER functions';

COMMENT ON COLUMN flux.audit.reservataire_id IS 'The réservataire that role acted for (flux.partenaire at the time of the write), NULL for the bailleur''s staff';

COMMENT ON COLUMN flux.audit.epci IS 'The EPCI that role acted for (flux.partenaire at the time of the write)';

COMMENT ON COLUMN flux.audit.avant IS 'The changed columns before (UPDATE), the row (DELETE); personal data left out';

COMMENT ON COLUMN flux.audit.apres IS 'The changed columns after (UPDATE), the non-null columns (INSERT); personal data left out';

COMMENT ON COLUMN flux.audit.donnees_personnelles IS 'The columns of personal data written, whose values are not recorded (the candidate is known by its id)';

REVOKE ALL ON flux.audit FROM PUBLIC;

GRANT SELECT ON flux.audit TO flux_admin, flux_gestionnaire;

SELECT pg_catalog.pg_extension_config_dump('flux.audit', '');

SELECT pg_catalog.pg_extension_config_dump('flux.audit_id_seq', '');

/*
 * The trigger of every audited table, each statement, over its transition
 * tables.  Arguments: the primary key's columns, comma-separated, then the
 * columns of personal data.  SECURITY DEFINER: it writes flux.audit, which
 * no role may write; who acted is read from PostgreSQL's session state
 * (session_user, flux.appelant), which a SECURITY DEFINER function does not
 * change.
 */
CREATE FUNCTION flux.auditer() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
	SET work_mem = '64MB'
	SET jit = off
AS $$
DECLARE
	v_cles text[] := pg_catalog.string_to_array(TG_ARGV[0], ',');
	v_perso text[] := coalesce(TG_ARGV[1:TG_NARGS - 1], '{}');
	v_quand timestamptz := pg_catalog.clock_timestamp();
	v_xact xid8 := pg_catalog.pg_current_xact_id();
	v_appelant name := flux.appelant();
	v_reservataire bigint := flux.reservataire_courant();
	v_epci text := flux.epci_courant();
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		INSERT INTO flux.audit (quand, transaction_id, relation, operation, login, appelant, reservataire_id, epci)
		VALUES (v_quand, v_xact, TG_TABLE_NAME, TG_OP, SESSION_USER, v_appelant, v_reservataire, v_epci);
	ELSIF TG_OP = 'INSERT' THEN
		INSERT INTO flux.audit (quand, transaction_id, relation, operation, cle, login, appelant, reservataire_id, epci,
								apres, donnees_personnelles)
		SELECT v_quand, v_xact, TG_TABLE_NAME, TG_OP,
			   array_to_string(ARRAY(SELECT n.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ','),
			   SESSION_USER, v_appelant, v_reservataire, v_epci,
			   jsonb_strip_nulls(n.j - v_perso),
			   nullif(ARRAY(SELECT c FROM unnest(v_perso) c WHERE n.j ->> c IS NOT NULL), '{}')
		  FROM (SELECT to_jsonb(t) AS j FROM nouvelles t OFFSET 0) n;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO flux.audit (quand, transaction_id, relation, operation, cle, login, appelant, reservataire_id, epci,
								avant, donnees_personnelles)
		SELECT v_quand, v_xact, TG_TABLE_NAME, TG_OP,
			   array_to_string(ARRAY(SELECT a.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ','),
			   SESSION_USER, v_appelant, v_reservataire, v_epci,
			   jsonb_strip_nulls(a.j - v_perso),
			   nullif(ARRAY(SELECT c FROM unnest(v_perso) c WHERE a.j ->> c IS NOT NULL), '{}')
		  FROM (SELECT to_jsonb(t) AS j FROM anciennes t OFFSET 0) a;
	ELSE
		-- old and new rows matched on their key; a row whose key changed
		-- shows as two rows, its old key (avant) and its new one (apres)
		INSERT INTO flux.audit (quand, transaction_id, relation, operation, cle, login, appelant, reservataire_id, epci,
								avant, apres, donnees_personnelles)
		SELECT v_quand, v_xact, TG_TABLE_NAME, TG_OP, coalesce(n.cle, a.cle),
			   SESSION_USER, v_appelant, v_reservataire, v_epci, d.avant, d.apres, d.perso
		  FROM (SELECT s.j, array_to_string(ARRAY(SELECT s.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ',') AS cle
				  FROM (SELECT to_jsonb(t) AS j FROM nouvelles t OFFSET 0) s OFFSET 0) n
		  FULL JOIN
			   (SELECT s.j, array_to_string(ARRAY(SELECT s.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ',') AS cle
				  FROM (SELECT to_jsonb(t) AS j FROM anciennes t OFFSET 0) s OFFSET 0) a ON a.cle = n.cle
		 CROSS JOIN LATERAL (
			SELECT jsonb_object_agg(k.c, a.j -> k.c) FILTER (WHERE a.j IS NOT NULL AND k.c <> ALL (v_perso)) AS avant,
				   jsonb_object_agg(k.c, n.j -> k.c) FILTER (WHERE n.j IS NOT NULL AND k.c <> ALL (v_perso)) AS apres,
				   array_agg(k.c ORDER BY k.c) FILTER (WHERE k.c = ANY (v_perso)) AS perso
			  FROM jsonb_object_keys(coalesce(n.j, a.j)) k(c)
			 WHERE (n.j -> k.c) IS DISTINCT FROM (a.j -> k.c) AND k.c <> 'modifie_le') d
		 WHERE d.avant IS NOT NULL OR d.apres IS NOT NULL OR d.perso IS NOT NULL;
	END IF;
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.auditer() FROM PUBLIC;

COMMENT ON FUNCTION flux.auditer() IS
	'Trigger (each statement, over the transition tables): records every row written in flux.audit with who (login, appelant, partner), when and what (changed columns; personal data named, not recorded); the only writer of flux.audit';

/*
 * The triggers: one per event (a trigger with transition tables has one
 * event), named audit_* so that they are told apart from the workflow's.
 */
CREATE TRIGGER audit_insertion AFTER INSERT ON flux.orientation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'motif');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.orientation REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'motif');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.orientation REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'motif');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.orientation
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.candidature REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'nud', 'critere_priorite', 'personnes', 'ressources',
													 'aide_logement', 'motif_caleol', 'motif_refus', 'justificatif_refus');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.candidature REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'nud', 'critere_priorite', 'personnes', 'ressources',
													 'aide_logement', 'motif_caleol', 'motif_refus', 'justificatif_refus');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.candidature REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'nud', 'critere_priorite', 'personnes', 'ressources',
													 'aide_logement', 'motif_caleol', 'motif_refus', 'justificatif_refus');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.candidature
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.vacance REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.vacance REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.vacance REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.vacance
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.convention REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.convention REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.convention REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.convention
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.parametre_annuel REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.parametre_annuel REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.parametre_annuel REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.parametre_annuel
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.partenaire REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('login');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.partenaire REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('login');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.partenaire REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('login');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.partenaire
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('login');

/*
 * Append-only, for every role, the table's owner included: UPDATE, DELETE
 * and TRUNCATE are refused by these triggers (no role but the owner has
 * any privilege to write it anyway).  A superuser can still disable a
 * trigger: docs/security.md says what the audit does not protect from.
 */
CREATE FUNCTION flux.audit_immuable() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = 'The audit records who changed what; no one rewrites or removes it, the table''s owner included.',
			  HINT = 'Read it; the retention of personal data needs no change to it (it holds none in clear).';
END
$$;
REVOKE EXECUTE ON FUNCTION flux.audit_immuable() FROM PUBLIC;

COMMENT ON FUNCTION flux.audit_immuable() IS
	'Trigger: refuses UPDATE, DELETE and TRUNCATE of the audit, whoever asks';

CREATE TRIGGER audit_immuable
	BEFORE UPDATE OR DELETE ON flux.audit
	FOR EACH ROW EXECUTE FUNCTION flux.audit_immuable();

CREATE TRIGGER audit_immuable_troncature
	BEFORE TRUNCATE ON flux.audit
	FOR EACH STATEMENT EXECUTE FUNCTION flux.audit_immuable();

-- src/donnees_personnelles.sql

/*
 * What is personal, and what the pseudonymisation does with it
 * (flux.candidature; docs/security.md, "Personal data"):
 *   nud                  replaced by flux.pseudonyme(id): the household
 *                        can no longer be found in the SNE
 *   critere_priorite,    replaced by 'pseudonymisé' when set (the checks
 *   motif_caleol,        that a priority or a refusal is motivated still
 *   motif_refus,         hold; what the text said is gone)
 *   justificatif_refus
 *   personnes,           emptied (NULL): no bilan reads them; what the
 *   ressources,          workflow computed from them (taux_effort,
 *   aide_logement        typologie_adaptee, offre_adaptee) stays
 * Kept, because the bilans count them: dalo, prioritaire, quartile,
 * mutation, designe_par, the CALEOL's decision, the answer, every date.
 * They say nothing of who the household was once the NUD is gone.  The
 * free texts of the orientation and of its history (orientation.motif,
 * orientation_historique.motif) lose any NUD of the file's candidates, and
 * the history's copies of the CALEOL's and the household's reasons become
 * 'pseudonymisé' too.  flux.audit needs nothing: it never held these values.
 */

-- the pseudonym of a candidate: its id, which says nothing outside the
-- bailleur's database; the same form as a NUD (flux.candidature's check)
CREATE FUNCTION flux.pseudonyme(candidature_id bigint) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN 'PSEUDO' OPERATOR(pg_catalog.||)
		CASE WHEN candidature_id OPERATOR(pg_catalog.<) 1000000000000
			 THEN pg_catalog.lpad(candidature_id::text, 12, '0') ELSE candidature_id::text END;

REVOKE EXECUTE ON FUNCTION flux.pseudonyme(bigint) FROM PUBLIC;

COMMENT ON FUNCTION flux.pseudonyme(bigint) IS
	'The pseudonym that replaces the NUD of a candidate of a closed file: PSEUDO and its id on 12 digits (not reversible: derived from the id only)';

-- every run of flux.pseudonymiser: audited like the workflow
CREATE TABLE flux.pseudonymisation (
	id				bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	fait_le			timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	par				name NOT NULL,
	a_la_date		date NOT NULL,
	delai			interval NOT NULL,
	fermes_avant	date NOT NULL,
	candidatures	bigint NOT NULL
);

COMMENT ON TABLE flux.pseudonymisation IS
	'Every run of flux.pseudonymiser: when, by whom, the files closed before which date, how many candidates it pseudonymised (written by flux.pseudonymiser only, audited)';

COMMENT ON COLUMN flux.pseudonymisation.id IS 'Order of the runs';

COMMENT ON COLUMN flux.pseudonymisation.fait_le IS 'When it ran';

COMMENT ON COLUMN flux.pseudonymisation.par IS 'The role it ran for (flux.appelant())';

COMMENT ON COLUMN flux.pseudonymisation.a_la_date IS 'Its a_la_date';

COMMENT ON COLUMN flux.pseudonymisation.delai IS 'Its retention delay';

COMMENT ON COLUMN flux.pseudonymisation.fermes_avant IS 'Files closed before this date (a_la_date - delai) were pseudonymised';

COMMENT ON COLUMN flux.pseudonymisation.candidatures IS 'Candidates pseudonymised by this run (already pseudonymised ones are not counted again)';

REVOKE ALL ON flux.pseudonymisation FROM PUBLIC;

GRANT SELECT ON flux.pseudonymisation TO flux_admin, flux_gestionnaire;

SELECT pg_catalog.pg_extension_config_dump('flux.pseudonymisation', '');

SELECT pg_catalog.pg_extension_config_dump('flux.pseudonymisation_id_seq', '');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.pseudonymisation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.pseudonymisation REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.pseudonymisation REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.pseudonymisation
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

/*
 * flux.pseudonymiser: pseudonymises the candidates of every file closed
 * for more than delai at a_la_date.  A closed file: an orientation in a
 * final state (bail_signe, refusee, restituee, expiree, annulee: the
 * states flux.etats_suivants leaves nowhere), closed on the day its
 * history records it entering that state (else, loaded without its
 * history, on its last change, modifie_le).  The delay is the bailleur's
 * to set (none of flux's texts gives one): 5 years by default.
 *
 * The workflow's triggers refuse to change a NUD and the history's to
 * rewrite it.  The bypass: this function runs with session_replication_role
 * = replica (SET clause of a SECURITY DEFINER function owned by the
 * extension's owner, a superuser: a setting only a superuser may set, not a
 * custom variable), in which the ordinary triggers do not fire; it changes
 * only the columns above.  Then, back to origin, it records the run in
 * flux.pseudonymisation, which the audit triggers record.  Idempotent: a
 * candidate already pseudonymised is left alone (a second run returns 0).
 */
CREATE FUNCTION flux.pseudonymiser(a_la_date date DEFAULT CURRENT_DATE, delai interval DEFAULT '5 years')
	RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
	SET session_replication_role = replica
AS $$
DECLARE
	limite date;
	n bigint;
BEGIN
	IF a_la_date IS NULL OR delai IS NULL THEN
		RAISE EXCEPTION 'the pseudonymisation needs a date and a delay, not %', CASE WHEN a_la_date IS NULL THEN 'a NULL date' ELSE 'a NULL delay' END
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Call flux.pseudonymiser() for today and the default delay of 5 years.';
	END IF;
	IF NOT isfinite(a_la_date) OR delai < interval '0' THEN
		RAISE EXCEPTION 'the pseudonymisation needs a finite date and a delay of at least 0, not % and %', a_la_date, delai
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass the date of the run and the retention delay, e.g. flux.pseudonymiser(CURRENT_DATE, ''5 years'').';
	END IF;
	limite := (a_la_date - delai)::date;

	WITH fermees AS (
		SELECT o.id
		  FROM flux.orientation o
		 WHERE o.etat IN ('bail_signe', 'refusee', 'restituee', 'expiree', 'annulee')
		   AND coalesce((SELECT max(h.quand) FROM flux.orientation_historique h
						  WHERE h.orientation_id = o.id AND h.vers = o.etat::text), o.modifie_le) < limite
	), cibles AS (
		SELECT k.id, k.orientation_id, k.nud
		  FROM flux.candidature k JOIN fermees f ON f.id = k.orientation_id
		 WHERE k.nud <> flux.pseudonyme(k.id)
	), nuds AS (
		SELECT c.orientation_id, '(' || string_agg(c.nud, '|') || ')' AS motif_nud
		  FROM cibles c GROUP BY c.orientation_id
	), candidatures AS (
		UPDATE flux.candidature k
		   SET nud = flux.pseudonyme(k.id),
			   critere_priorite = CASE WHEN k.critere_priorite IS NOT NULL THEN 'pseudonymisé' END,
			   motif_caleol = CASE WHEN k.motif_caleol IS NOT NULL THEN 'pseudonymisé' END,
			   motif_refus = CASE WHEN k.motif_refus IS NOT NULL THEN 'pseudonymisé' END,
			   justificatif_refus = CASE WHEN k.justificatif_refus IS NOT NULL THEN 'pseudonymisé' END,
			   personnes = NULL, ressources = NULL, aide_logement = NULL
		  FROM cibles c WHERE c.id = k.id
		RETURNING k.id
	), historique AS (
		UPDATE flux.orientation_historique h
		   SET motif = CASE WHEN h.candidature_id IN (SELECT c.id FROM cibles c)
							 AND (h.vers LIKE 'caleol\_%' OR h.vers LIKE 'reponse\_%') THEN 'pseudonymisé'
							ELSE regexp_replace(h.motif, x.motif_nud, 'pseudonymisé', 'g') END
		  FROM nuds x
		 WHERE h.orientation_id = x.orientation_id AND h.motif IS NOT NULL
		   AND ((h.candidature_id IN (SELECT c.id FROM cibles c) AND (h.vers LIKE 'caleol\_%' OR h.vers LIKE 'reponse\_%'))
				OR h.motif ~ x.motif_nud)
		RETURNING h.id
	), orientations AS (
		UPDATE flux.orientation o SET motif = regexp_replace(o.motif, x.motif_nud, 'pseudonymisé', 'g')
		  FROM nuds x WHERE o.id = x.orientation_id AND o.motif ~ x.motif_nud
		RETURNING o.id
	)
	-- (every data-modifying part of a WITH runs to completion, read or not)
	SELECT count(*) INTO n FROM candidatures;

	-- back to the ordinary triggers: the run is recorded, and audited
	PERFORM set_config('session_replication_role', 'origin', true);
	INSERT INTO flux.pseudonymisation (par, a_la_date, delai, fermes_avant, candidatures)
	VALUES (flux.appelant(), a_la_date, delai, limite, n);
	RETURN n;
END
$$;

REVOKE EXECUTE ON FUNCTION flux.pseudonymiser(date, interval) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION flux.pseudonymiser(date, interval) TO flux_admin;

COMMENT ON FUNCTION flux.pseudonymiser(date, interval) IS
	'Retention of personal data: pseudonymises the candidates of the files closed for more than delai (default 5 years) at a_la_date (the NUD replaced by flux.pseudonyme, the free texts and the household''s size and resources removed), keeping every bilan exact; idempotent; returns the candidates pseudonymised; each run recorded in flux.pseudonymisation';

-- ---------------------------------------------------------------------------
-- (section of the HTML report)
-- ---------------------------------------------------------------------------

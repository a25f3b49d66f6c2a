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
 * flux.rapport_reservataire: the yearly bilan a bailleur sends a
 * réservataire before 28 February, as rows (one figure each) for a
 * spreadsheet, a CSV (\copy) or flux.rapport_html.  Sections: the share
 * (proposed, attributed, leased against due), the obligations, and the
 * detail by typologie, financing, QPV, commune and construction period.
 */
CREATE OR REPLACE FUNCTION flux.rapport_reservataire(reservataire bigint, annee integer)
	RETURNS TABLE (ordre integer, bailleur text, departement text, section text, libelle text,
				   valeur numeric, reference numeric, unite text)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	-- no silent empty report: a NULL or unknown réservataire, a bad year
	SELECT flux.verifier_reservataire($1), flux.verifier_annee($2);
	SELECT flux.verifier_annee_rapport($2, reservataire => $1);
	SELECT 100 + x.ordre, r.bailleur, r.departement, 'part', x.libelle, x.valeur, x.reference, x.unite
	  FROM flux.bilan_reservataire r
	 CROSS JOIN LATERAL (VALUES
		(1, 'logements proposés', r.proposes::numeric, r.dus_sur_liberes, 'logements'),
		(2, 'part des logements proposés du flux', r.part_proposes, r.taux_du, '%'),
		(3, 'logements attribués en CALEOL', r.attribues::numeric, NULL::numeric, 'logements'),
		(4, 'dont refus illégitimes validés', r.refus_illegitimes::numeric, NULL, 'logements'),
		(5, 'part des attributions du flux', r.part_attribues, r.taux_du, '%'),
		(6, 'baux signés', r.baux::numeric, NULL, 'logements'),
		(7, 'part des baux du flux', r.part_baux, r.taux_du, '%')) x(ordre, libelle, valeur, reference, unite)
	 WHERE r.reservataire_id = $1 AND r.annee = $2
	UNION ALL
	SELECT 200, o.bailleur, o.departement, 'obligations', o.libelle, o.taux, o.objectif, '%'
	  FROM flux.bilan_obligations o
	 WHERE o.reservataire_id = $1 AND o.annee = $2
	UNION ALL
	SELECT 300 + x.ordre, d.bailleur, d.departement, 'detail ' || x.dimension, x.valeur_dim,
		   sum(d.proposes), sum(d.baux), 'proposés / baux'
	  FROM flux.bilan_detaille d
	 CROSS JOIN LATERAL (VALUES (1, 'typologie', d.typologie), (2, 'financement', d.financement), (3, 'qpv', d.qpv),
							   (4, 'commune', d.commune), (5, 'periode', d.periode)) x(ordre, dimension, valeur_dim)
	 WHERE d.reservataire_id = $1 AND d.annee = $2
	 GROUP BY d.bailleur, d.departement, x.ordre, x.dimension, x.valeur_dim
	 ORDER BY 2, 3, 1, 5
$$;

COMMENT ON FUNCTION flux.rapport_reservataire(bigint, integer) IS
	'The yearly bilan for a réservataire (before 28 February): its share of proposals, attributions and leases against its due share, its obligation, the detail by segment; one figure per row';

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
			   string_agg(format('%s %s/%s', seg[g.dim], coalesce(p.segs[g.dim], 0), round(d.taux / 100 * t.segs[g.dim], 1)), ', ' ORDER BY g.dim) AS detail
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
					   string_agg(format('%s %s/%s', z.nom, x.obtenus, round(parts[g.j] / 100 * z.n, 1)), ', ' ORDER BY z.id) AS detail
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
		segments := details[j] || CASE WHEN combs IS NOT NULL THEN '; moins attractifs: ' || cdetails[j] ELSE '' END;
		score := round(deficit + retards[j]::numeric, 2);
		decision := CASE WHEN i = 1 THEN r.decision END;
		raison := CASE
			WHEN i = 1 AND r.decision = 'priorite' THEN
				format('part de l''État hors QPV sous 30 %%: %s', details[j])
			WHEN i = 1 AND r.decision = 'combine' THEN
				format('dans sa part (%s dus, %s comptés), le plus en retard sur les segments moins attractifs déclarés: %s', dus, comptes, cdetails[j])
			WHEN i = 1 AND r.decision = 'segment' THEN
				format('dans sa part (%s dus, %s comptés), le plus en retard sur les segments du logement: %s', dus, comptes, details[j])
			WHEN i = 1 THEN
				format('le plus en retard sur son flux: %s dus, %s comptés', dus, comptes)
			WHEN deficit < 0 THEN format('en avance sur sa part: %s dus, %s comptés', dus, comptes)
			WHEN deficit = 0 THEN format('à jour de sa part: %s dus, %s comptés', dus, comptes)
			ELSE format('%s dus, %s comptés; segments %s', dus, comptes, details[j]) END;
		exclusion := NULL;
		RETURN NEXT;
	END LOOP;

	IF avec_exclus THEN
		RETURN QUERY
		SELECT NULL::integer, c.id, c.reservataire_id, rs.nom, rs.categorie::text, trim_scale(c.taux::numeric),
			   NULL::numeric, NULL::bigint, NULL::numeric, NULL::text, NULL::numeric, NULL::text, NULL::text,
			   CASE WHEN c.regime <> 'flux' THEN 'gérée en stock'
					WHEN NOT daterange(c.date_effet, c.date_fin) @> a_la_date
					THEN format('pas en vigueur le %s (du %s au %s)', a_la_date, c.date_effet, coalesce(c.date_fin::text, '...'))
					WHEN c.communes IS NOT NULL AND NOT u.depcom = ANY (c.communes)
					THEN format('ne couvre pas la commune %s', u.depcom)
					ELSE (SELECT format('a déjà %s ce logement (orientation %s du %s)',
										CASE o.etat WHEN 'refusee' THEN 'refusé' ELSE 'laissé expirer' END, o.id, o.date_orientation)
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

-- ---------------------------------------------------------------------------
-- (section of the CSV exports)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the HTML report)
-- ---------------------------------------------------------------------------

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

-- ---------------------------------------------------------------------------
-- (section of the orientation engine: the fair mix on combined segments)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the words and the language: dus, French texts)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the CSV exports)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the HTML report)
-- ---------------------------------------------------------------------------

/*
 * French typography for the HTML report (issue 15 item 7): a decimal
 * comma, a narrow no-break space (U+202F, made with chr(8239) so that this
 * file stays LATIN1) between thousands and before "%", at most two
 * decimals and no trailing zero (37,5 ; 33,33 ; 50).
 */
CREATE FUNCTION flux.nombre_fr(n numeric)
	RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT CASE WHEN round(n, 2) < 0 THEN '-' ELSE '' END
		   || regexp_replace(trunc(abs(round(n, 2)))::text, '([0-9])(?=([0-9]{3})+$)', '\1' || chr(8239), 'g')
		   || coalesce(',' || substring(trim_scale(abs(round(n, 2)))::text FROM '\.([0-9]+)$'), '')
$$;

COMMENT ON FUNCTION flux.nombre_fr(numeric) IS
	'A number as French reports print it: decimal comma, narrow no-break space between thousands, at most two decimals, no trailing zero';

CREATE FUNCTION flux.pourcent_fr(n numeric)
	RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT flux.nombre_fr(n) || chr(8239) || '%'
$$;

COMMENT ON FUNCTION flux.pourcent_fr(numeric) IS
	'A percentage as French reports print it: flux.nombre_fr, a narrow no-break space, %';

/*
 * A count and its noun, agreed: singular below 2 ("0 proposé", "1 proposé",
 * "1,5 logement"), plural from 2 ("2 proposés"), the French rule.
 */
CREATE FUNCTION flux.accord_fr(n numeric, singulier text, pluriel text)
	RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT flux.nombre_fr(n) || ' ' || CASE WHEN abs(n) < 2 THEN singulier ELSE pluriel END
$$;

COMMENT ON FUNCTION flux.accord_fr(numeric, text, text) IS
	'A count and its noun in French: singular below 2 (0 or 1 proposé), plural from 2 (2 proposés)';

-- a date in French words, whatever lc_time says: 1er décembre 2026
CREATE FUNCTION flux.date_fr(d date)
	RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT CASE WHEN extract(day FROM d) = 1 THEN '1er' ELSE extract(day FROM d)::integer::text END || ' '
		   || (ARRAY['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre',
					 'octobre', 'novembre', 'décembre'])[extract(month FROM d)::integer] || ' '
		   || extract(year FROM d)::integer::text
$$;

COMMENT ON FUNCTION flux.date_fr(date) IS 'A date in French words (1er décembre 2026), independent of lc_time';

/*
 * A label of an SVG chart as lines of at most largeur characters, cut
 * between words (a word longer than a line is cut at the line's length):
 * a label is wrapped, never truncated.
 */
CREATE FUNCTION flux.lignes_libelle(libelle text, largeur integer)
	RETURNS text[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT coalesce(array_agg(m[1] ORDER BY k), '{""}')
	  FROM regexp_matches(btrim(libelle), format('(\S.{0,%s}(?=\s|$)|\S{%s})', largeur - 2, largeur), 'g')
		   WITH ORDINALITY x(m, k)
$$;

COMMENT ON FUNCTION flux.lignes_libelle(text, integer) IS
	'A chart label as lines of at most largeur characters, cut between words: wrapped, never truncated';

/*
 * One label of an SVG chart: a <text> of one <tspan> per line, 14 px apart,
 * with the horizontal zone allotted to it (data-zone="x0 x1"), which the
 * Chromium check of the report (test/rapport_html.sh) compares with the
 * label's bounding box.
 */
CREATE FUNCTION flux.svg_etiquette(x integer, y integer, zone text, lignes text[], classe text DEFAULT 'etiquette')
	RETURNS xml
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	SELECT xmlelement(name text, xmlattributes(x AS x, y AS y, classe AS class, zone AS "data-zone"),
			 (SELECT xmlagg(xmlelement(name tspan, xmlattributes(x AS x, CASE WHEN k = 1 THEN 0 ELSE 14 END AS dy), l) ORDER BY k)
				FROM unnest(lignes) WITH ORDINALITY u(l, k)))
$$;

COMMENT ON FUNCTION flux.svg_etiquette(integer, integer, text, text[], text) IS
	'An SVG chart label of the HTML report: one tspan per line, its allotted zone in data-zone';

/*
 * flux.rapport_html: the bilan of a bailleur in a département for year N as
 * one XHTML page (HTML5 served as polyglot markup), built with SQL/XML so
 * it is well-formed by construction, readable by the EPCI's staff and
 * printable on A4 (issue 15 item 7).  A heading (period, date of issue,
 * the bailleur with its SIREN, the département, its communes and EPCI by
 * name), then one section per printed page: each réservataire's share
 * (chart of due against proposed), the préfet's counts at every stage,
 * every obligation per réservataire and over the territory with the DALO
 * rate (a failing one marked "non atteint" with a cross, even at 0 %), the
 * breakdowns by typologie, financing, QPV, commune and construction
 * period, the hors flux bilan and the bailleur's own share.  French
 * numbers (flux.nombre_fr, pourcent_fr, accord_fr); chart labels wrapped
 * (flux.lignes_libelle), never cut.  No script, no external resource.
 * JIT off: the page is a few hundred rows, and its many bilans made the
 * planner's estimates cross the JIT thresholds (seconds of compilation).
 */
CREATE OR REPLACE FUNCTION flux.rapport_html(bailleur bigint, departement text, annee integer)
	RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
	-- one page of a few rows: compiling its plan (bilan_hors_flux's full join is
	-- estimated over every bailleur's parameters) took seconds, running it ms
	SET jit = off
AS $$
	-- no page of zeros: a NULL or unknown bailleur, a bad département or year,
	-- a year without data
	SELECT flux.verifier_portee($1, $2, $3);
	SELECT flux.verifier_annee_rapport($3, bailleur => $1, departement => $2);
	WITH r AS (
		SELECT x.*, row_number() OVER (ORDER BY x.taux_du DESC, x.reservataire, x.convention_id) AS i
		  FROM flux.bilan_reservataire x
		 WHERE x.bailleur_id = $1 AND x.departement = $2 AND x.annee = $3
	-- the obligations of each réservataire in the order of the shares (r.i)
	), o AS (
		SELECT x.*, coalesce(x.reservataire, 'Ensemble du territoire') AS qui,
			   CASE x.obligation
				   WHEN 'prioritaires' THEN 'attributions aux ménages prioritaires (DALO, L. 441-1)'
				   WHEN 'prioritaires_tous' THEN 'attributions aux ménages prioritaires, hors flux compris'
				   WHEN 'q1_hors_qpv' THEN 'baux hors QPV aux demandeurs du 1er quartile'
				   ELSE 'attributions en QPV aux quartiles 2 à 4 (objectif CIA)' END AS court,
			   -- g: one block per réservataire, the territory last
			   dense_rank() OVER (ORDER BY x.reservataire_id IS NULL, k.i, x.reservataire, x.reservataire_id) AS g,
			   row_number() OVER (ORDER BY x.reservataire_id IS NULL, k.i, x.reservataire, x.reservataire_id, x.obligation) AS i
		  FROM flux.bilan_obligations x
		  LEFT JOIN LATERAL (SELECT min(r.i) AS i FROM r WHERE r.reservataire_id = x.reservataire_id) k ON true
		 WHERE x.bailleur_id = $1 AND x.departement = $2 AND x.annee = $3
	), d AS (
		SELECT x.* FROM flux.bilan_detaille x WHERE x.bailleur_id = $1 AND x.departement = $2 AND x.annee = $3
	), e AS (
		SELECT x.* FROM flux.bilan_etapes x WHERE x.bailleur_id = $1 AND x.departement = $2 AND x.annee = $3
	), h AS (
		SELECT x.*, CASE x.hors_flux
						WHEN 'mutation' THEN 'mutations internes'
						WHEN 'anru' THEN 'relogements ANRU (renouvellement urbain)'
						WHEN 'orcod' THEN 'relogements ORCOD (copropriétés dégradées)'
						WHEN 'lhi' THEN 'relogements LHI (habitat indigne)'
						WHEN 'vente' THEN 'ventes'
						WHEN 'urgence' THEN 'urgences'
						WHEN 'non_reserve' THEN 'part propre du bailleur (logements non réservés)'
						WHEN 'premiere_location' THEN 'premières locations'
						ELSE x.hors_flux END AS motif
		  FROM flux.bilan_hors_flux x
		 WHERE x.bailleur_id = $1 AND x.departement = $2 AND x.annee = $3
		   AND (x.realise > 0 OR x.prevision > 0 OR x.redistribue > 0)
	), b AS (
		SELECT bb.nom, bb.siren FROM flux.bailleur bb WHERE bb.id = $1
	), liberes AS (
		SELECT coalesce(max(r.logements_liberes), 0) AS n FROM r
	), territoire AS (
		SELECT (SELECT string_agg(DISTINCT coalesce(d.commune, d.depcom), ', ') FROM d) AS communes,
			   (SELECT string_agg(CASE WHEN flux.nom_epci(z.epci) = 'EPCI ' || z.epci THEN flux.nom_epci(z.epci)
									   ELSE flux.nom_epci(z.epci) || ' (SIREN ' || z.epci || ')' END, ', ' ORDER BY z.epci)
				  FROM (SELECT DISTINCT d.epci FROM d WHERE d.epci IS NOT NULL) z) AS epci
	-- chart 1: one row per réservataire, as high as its wrapped name
	), r_pos AS (
		SELECT y.*, coalesce(sum(y.haut) OVER (ORDER BY y.i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) + 4 AS y0
		  FROM (SELECT r.*, l.lignes, greatest(cardinality(l.lignes), 2) * 14 + 10 AS haut
				  FROM r CROSS JOIN LATERAL (SELECT flux.lignes_libelle(r.reservataire, 38) AS lignes) l) y
	), echelle AS (
		SELECT greatest(max(greatest(r.proposes, r.dus_sur_liberes)), 1) AS m FROM r
	), barres AS (
		SELECT xmlagg(xmlconcat(
				 flux.svg_etiquette(0, (p.y0 + 11)::integer, '0 280', p.lignes),
				 xmlelement(name rect, xmlattributes(290 AS x, p.y0 + 3 AS y, round(240 * p.dus_sur_liberes / s.m, 1) AS width,
													 9 AS height, 'du' AS class)),
				 xmlelement(name rect, xmlattributes(290 AS x, p.y0 + 14 AS y, round(240 * p.proposes / s.m, 1) AS width,
													 9 AS height, 'propose' AS class)),
				 flux.svg_etiquette(540, (p.y0 + 11)::integer, '540 680',
									ARRAY[flux.accord_fr(p.dus_sur_liberes, 'dû', 'dus'),
										  flux.accord_fr(p.proposes, 'proposé', 'proposés')], 'valeur'))
			   ORDER BY p.i) AS svg,
			   coalesce(sum(p.haut), 0) + 8 AS hauteur
		  FROM r_pos p, echelle s
	-- the obligations' charts, one per réservataire (a block that is not cut
	-- across pages): each obligation that applies to some attribution
	), o_pos AS (
		SELECT y.*, coalesce(sum(y.haut) OVER (PARTITION BY y.g ORDER BY y.i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) + 4 AS y0
		  FROM (SELECT o.*, l.lignes, greatest(cardinality(l.lignes), 3) * 14 + 10 AS haut
				  FROM o CROSS JOIN LATERAL (SELECT flux.lignes_libelle(o.court, 38) AS lignes) l
				 WHERE o.concernes > 0) y
	), jauges AS (
		SELECT p.g, xmlagg(xmlconcat(
				 flux.svg_etiquette(0, (p.y0 + 11)::integer, '0 280', p.lignes),
				 xmlelement(name rect, xmlattributes(290 AS x, p.y0 + 2 AS y, 240 AS width, 14 AS height, 'fond' AS class)),
				 xmlelement(name rect, xmlattributes(290 AS x, p.y0 + 2 AS y, round(2.4 * p.taux, 1) AS width, 14 AS height,
													 CASE WHEN p.conforme THEN 'atteint' ELSE 'manque' END AS class)),
				 xmlelement(name line, xmlattributes(290 + 2.4 * p.objectif AS x1, p.y0 AS y1, 290 + 2.4 * p.objectif AS x2,
													 p.y0 + 18 AS y2, 'objectif' AS class)),
				 -- a failing obligation: a cross at the start of its gauge, even at 0 %
				 CASE WHEN NOT p.conforme THEN
					 xmlelement(name path, xmlattributes(format('M%s %sl8 8m0 -8l-8 8', 294, p.y0 + 5) AS d, 'croix' AS class))
				 END,
				 flux.svg_etiquette(540, (p.y0 + 11)::integer, '540 680',
									ARRAY[flux.pourcent_fr(p.taux), 'objectif ' || flux.pourcent_fr(p.objectif),
										  CASE WHEN p.conforme THEN 'atteint' ELSE 'non atteint' END],
									CASE WHEN p.conforme THEN 'valeur' ELSE 'valeur non-atteint' END))
			   ORDER BY p.i) AS svg,
			   sum(p.haut) + 8 AS hauteur
		  FROM o_pos p
		 GROUP BY p.g
	), obligations AS (
		SELECT o.g, min(o.qui) AS qui, xmlagg(xmlelement(name tr, xmlelement(name td, o.libelle),
				   xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(o.atteints) || ' sur ' || flux.nombre_fr(o.concernes)),
				   xmlelement(name td, xmlattributes('n' AS class), coalesce(flux.pourcent_fr(o.taux), 'sans objet')),
				   xmlelement(name td, xmlattributes('n' AS class), flux.pourcent_fr(o.objectif)),
				   CASE WHEN o.concernes = 0 THEN xmlelement(name td, 'aucune attribution concernée')
						WHEN o.conforme THEN xmlelement(name td, 'atteint')
						ELSE xmlelement(name td, xmlattributes('non-atteint' AS class), 'non atteint') END,
				   xmlelement(name td, xmlattributes('n' AS class),
							  CASE WHEN o.manque = 0 THEN '' ELSE flux.accord_fr(o.manque, 'logement', 'logements') END),
				   xmlelement(name td, xmlattributes('n' AS class),
							  flux.nombre_fr(o.dont_dalo) || coalesce(' (' || flux.pourcent_fr(o.taux_dalo) || ')', '')))
				 ORDER BY o.i) AS lignes
		  FROM o GROUP BY o.g
	-- the breakdowns: one table per dimension, every destination
	), repartition AS (
		SELECT x.ordre, x.titre, xmlagg(xmlelement(name tr, xmlelement(name td, x.valeur),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(x.proposes)),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(x.attribues)),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(x.baux))) ORDER BY x.valeur) AS lignes
		  FROM (SELECT v.ordre, v.titre, v.valeur, sum(d.proposes) AS proposes, sum(d.attribues) AS attribues, sum(d.baux) AS baux
				  FROM d CROSS JOIN LATERAL (VALUES
					(1, 'Typologie', d.typologie), (2, 'Financement', d.financement),
					(3, 'Quartier prioritaire de la politique de la ville', d.qpv),
					(4, 'Commune', coalesce(d.commune, d.depcom)), (5, 'Période de construction', d.periode)) v(ordre, titre, valeur)
				 GROUP BY 1, 2, 3) x
		 GROUP BY x.ordre, x.titre
	), propre AS (
		SELECT coalesce(sum(d.proposes), 0) AS proposes, coalesce(sum(d.attribues), 0) AS attribues,
			   coalesce(sum(d.baux), 0) AS baux
		  FROM d WHERE d.categorie = 'non_reserve'
	)
	SELECT '<!DOCTYPE html>' || chr(10) || xmlelement(name html, xmlattributes('http://www.w3.org/1999/xhtml' AS xmlns, 'fr' AS lang),
		xmlelement(name head,
			xmlelement(name meta, xmlattributes('utf-8' AS charset)),
			xmlelement(name title, format('Bilan %s de la gestion en flux, %s, département %s', $3, (SELECT nom FROM b), $2)),
			-- no '>' nor '&' here: the HTML parser reads a style element as raw text
			xmlelement(name style,
				'body{font-family:"DejaVu Sans",sans-serif;font-size:10pt;color:#222;max-width:180mm;margin:1em auto;line-height:1.35}'
				'h1{font-size:16pt;margin:0 0 .3em}h2{font-size:13pt;margin:1.2em 0 .4em;border-bottom:1px solid #1f4e79;color:#1f4e79}'
				'h3{font-size:11pt;margin:1em 0 .3em}'
				'table{border-collapse:collapse;width:100%;margin:.4em 0 .8em;table-layout:auto}'
				'td,th{border:1px solid #bbb;padding:2px 5px;vertical-align:top;overflow-wrap:break-word}'
				'th{background:#eef2f8;text-align:left;font-weight:bold}td.n{text-align:right;white-space:nowrap}th.n{text-align:right}'
				'table.identite th{width:32%}'
				'.non-atteint{color:#b71c1c;font-weight:bold}.legende{font-size:9pt;color:#444}'
				'svg{display:block;margin:.3em 0}svg text{font-family:"DejaVu Sans",sans-serif;font-size:11px;fill:#222}'
				'svg text.non-atteint{fill:#b71c1c}'
				'rect.du{fill:#9db4d0}rect.propose{fill:#1f4e79}rect.fond{fill:#eeeeee}rect.atteint{fill:#2e7d32}'
				'rect.manque{fill:#c62828}line.objectif{stroke:#000;stroke-width:2}path.croix{stroke:#b71c1c;stroke-width:2.5;fill:none}'
				'section{margin-top:1.5em}div.bloc{break-inside:avoid;page-break-inside:avoid}'
				'@page{size:A4;margin:15mm}'
				'@media print{body{margin:0;max-width:none}section{break-before:page;page-break-before:always;margin-top:0}'
				'h2,h3{break-after:avoid;page-break-after:avoid}svg,tr{break-inside:avoid;page-break-inside:avoid}'
				'thead{display:table-header-group}}')),
		xmlelement(name body,
			xmlelement(name h1, format('Bilan %s de la gestion en flux', $3)),
			xmlelement(name table, xmlattributes('identite' AS class),
				xmlelement(name tbody,
					xmlelement(name tr, xmlelement(name th, 'Période'),
							   xmlelement(name td, 'du ' || flux.date_fr(make_date($3, 1, 1)) || ' au ' || flux.date_fr(make_date($3, 12, 31)))),
					xmlelement(name tr, xmlelement(name th, 'Date d''émission'), xmlelement(name td, flux.date_fr(CURRENT_DATE))),
					xmlelement(name tr, xmlelement(name th, 'Bailleur'),
							   xmlelement(name td, (SELECT nom || coalesce(', SIREN ' || siren, '') FROM b))),
					xmlelement(name tr, xmlelement(name th, 'Territoire'),
							   xmlelement(name td, 'département ' || $2 || coalesce(' ; communes : ' || (SELECT communes FROM territoire), ''))),
					xmlelement(name tr, xmlelement(name th, 'EPCI'),
							   xmlelement(name td, coalesce((SELECT epci FROM territoire), 'aucun EPCI renseigné pour ces communes'))),
					xmlelement(name tr, xmlelement(name th, 'Logements libérés dans le flux'),
							   xmlelement(name td, flux.accord_fr((SELECT n FROM liberes), 'logement', 'logements')
												   || ', chacun compté une fois quel que soit le nombre de propositions')))),
			xmlelement(name p, 'Les parts de chaque réservataire sont rapportées aux logements libérés dans le flux de l''année (convention de Publier, art. 7). Ce bilan est transmis à chaque réservataire avant le 28 février et au président de l''EPCI avant le 31 mars.'),

			xmlelement(name section, xmlattributes('parts' AS id),
				xmlelement(name h2, 'Part de chaque réservataire'),
				xmlelement(name svg, xmlattributes('http://www.w3.org/2000/svg' AS xmlns, 680 AS width, (SELECT hauteur FROM barres) AS height,
												   format('0 0 680 %s', (SELECT hauteur FROM barres)) AS "viewBox", 'img' AS role,
												   'Logements dus et proposés par réservataire' AS "aria-label"),
						   (SELECT svg FROM barres)),
				xmlelement(name p, xmlattributes('legende' AS class),
						   'Barre claire : logements dus (part de la convention appliquée aux logements libérés) ; barre foncée : logements proposés.'),
				xmlelement(name table,
					xmlelement(name thead, xmlelement(name tr, xmlelement(name th, 'Réservataire'),
						xmlelement(name th, xmlattributes('n' AS class), 'Part due'), xmlelement(name th, xmlattributes('n' AS class), 'Dus'),
						xmlelement(name th, xmlattributes('n' AS class), 'Proposés (part)'), xmlelement(name th, xmlattributes('n' AS class), 'Écart'),
						xmlelement(name th, xmlattributes('n' AS class), 'Attribués (part)'),
						xmlelement(name th, xmlattributes('n' AS class), 'Baux signés (part)'))),
					xmlelement(name tbody, (SELECT xmlagg(xmlelement(name tr, xmlelement(name td, r.reservataire),
						xmlelement(name td, xmlattributes('n' AS class), flux.pourcent_fr(r.taux_du)),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(r.dus_sur_liberes)),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(r.proposes) || ' (' || coalesce(flux.pourcent_fr(r.part_proposes), 'sans objet') || ')'),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(r.ecart_proposes)),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(r.attribues) || ' (' || coalesce(flux.pourcent_fr(r.part_attribues), 'sans objet') || ')'),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(r.baux) || ' (' || coalesce(flux.pourcent_fr(r.part_baux), 'sans objet') || ')'))
						ORDER BY r.i) FROM r))),
				xmlelement(name p, xmlattributes('legende' AS class),
						   'Parts sur les logements libérés dans le flux ; écart : proposés moins dus (négatif : en retard).')),

			xmlelement(name section, xmlattributes('etapes' AS id),
				xmlelement(name h2, 'Du logement proposé au bail signé'),
				xmlelement(name table,
					xmlelement(name thead, xmlelement(name tr, xmlelement(name th, 'Réservataire'),
						xmlelement(name th, xmlattributes('n' AS class), 'Logements proposés'),
						xmlelement(name th, xmlattributes('n' AS class), 'Avec candidats'),
						xmlelement(name th, xmlattributes('n' AS class), 'Candidats acceptés en CALEOL'),
						xmlelement(name th, xmlattributes('n' AS class), 'Attribués'),
						xmlelement(name th, xmlattributes('n' AS class), 'Baux signés'),
						xmlelement(name th, xmlattributes('n' AS class), 'Sans bail'))),
					xmlelement(name tbody, (SELECT xmlagg(xmlelement(name tr, xmlelement(name td, e.reservataire),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(e.orientes)),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(e.avec_candidats)),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(e.candidats_acceptes)),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(e.attribues)),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(e.baux)),
						xmlelement(name td, xmlattributes('n' AS class),
								   flux.nombre_fr(e.chute) || coalesce(' (' || flux.pourcent_fr(e.taux_chute) || ')', '')))
						ORDER BY (SELECT r.i FROM r WHERE r.convention_id = e.convention_id), e.reservataire, e.convention_id) FROM e))),
				xmlelement(name p, xmlattributes('legende' AS class),
						   'Les comptes du préfet à chaque étape ; sans bail : logements proposés qui n''ont pas abouti à un bail signé par un candidat du réservataire (clause de revoyure).')),

			xmlelement(name section, xmlattributes('obligations' AS id),
				xmlelement(name h2, 'Obligations d''attribution'),
				xmlelement(name p, xmlattributes('legende' AS class),
						   'Jauge : taux atteint (vert : objectif atteint ; rouge et croix : non atteint) ; trait noir : objectif.'),
				(SELECT xmlagg(xmlelement(name div, xmlattributes('bloc' AS class),
					xmlelement(name h3, t.qui),
					CASE WHEN j.svg IS NOT NULL THEN
						xmlelement(name svg, xmlattributes('http://www.w3.org/2000/svg' AS xmlns, 680 AS width, j.hauteur AS height,
														   format('0 0 680 %s', j.hauteur) AS "viewBox", 'img' AS role,
														   'Taux de chaque obligation et son objectif : ' || t.qui AS "aria-label"),
								   j.svg)
					END,
					xmlelement(name table,
						xmlelement(name thead, xmlelement(name tr, xmlelement(name th, 'Obligation'),
							xmlelement(name th, xmlattributes('n' AS class), 'Atteintes'), xmlelement(name th, xmlattributes('n' AS class), 'Taux'),
							xmlelement(name th, xmlattributes('n' AS class), 'Objectif'), xmlelement(name th, 'Résultat'),
							xmlelement(name th, xmlattributes('n' AS class), 'Manque'),
							xmlelement(name th, xmlattributes('n' AS class), 'Dont DALO (taux)'))),
						xmlelement(name tbody, t.lignes))) ORDER BY t.g)
				   FROM obligations t LEFT JOIN jauges j ON j.g = t.g),
				xmlelement(name p, xmlattributes('legende' AS class),
						   'Par réservataire, sur les attributions des logements qui lui ont été proposés ; ensemble du territoire : toutes les attributions, hors flux compris pour les ménages prioritaires. Manque : attributions de plus qu''il aurait fallu pour atteindre l''objectif. Les ménages DALO sont comptés à part.')),

			xmlelement(name section, xmlattributes('repartition' AS id),
				xmlelement(name h2, 'Répartition des logements proposés'),
				xmlelement(name p, xmlattributes('legende' AS class), 'Toutes destinations : réservataires, part propre du bailleur et hors flux.'),
				(SELECT xmlagg(xmlconcat(xmlelement(name h3, x.titre),
					xmlelement(name table,
						xmlelement(name thead, xmlelement(name tr, xmlelement(name th, x.titre),
							xmlelement(name th, xmlattributes('n' AS class), 'Proposés'), xmlelement(name th, xmlattributes('n' AS class), 'Attribués'),
							xmlelement(name th, xmlattributes('n' AS class), 'Baux signés'))),
						xmlelement(name tbody, x.lignes))) ORDER BY x.ordre) FROM repartition x)),

			xmlelement(name section, xmlattributes('hors-flux' AS id),
				xmlelement(name h2, 'Hors flux et part propre du bailleur'),
				xmlelement(name p, (SELECT 'Part propre du bailleur : ' || flux.accord_fr(p.proposes, 'logement orienté', 'logements orientés')
											|| coalesce(' (' || flux.pourcent_fr(round(100.0 * p.proposes / nullif(l.n, 0), 2)) || ' des logements libérés dans le flux)', '')
											|| ', ' || flux.accord_fr(p.attribues, 'attribué', 'attribués') || ', '
											|| flux.accord_fr(p.baux, 'bail signé', 'baux signés') || '. '
											|| 'Baux signés par un ménage que le bailleur a désigné sur un logement proposé à un réservataire, non comptés pour celui-ci : '
											|| flux.nombre_fr((SELECT coalesce(sum(r.baux_designes_bailleur), 0) FROM r)) || '.'
									   FROM propre p, liberes l)),
				xmlelement(name table,
					xmlelement(name thead, xmlelement(name tr, xmlelement(name th, 'Motif'),
						xmlelement(name th, xmlattributes('n' AS class), 'Prévus (soustraits du flux)'),
						xmlelement(name th, xmlattributes('n' AS class), 'Réalisés'), xmlelement(name th, xmlattributes('n' AS class), 'Baux'),
						xmlelement(name th, xmlattributes('n' AS class), 'Dont ménages prioritaires'),
						xmlelement(name th, xmlattributes('n' AS class), 'À rendre au flux'),
						xmlelement(name th, xmlattributes('n' AS class), 'Rendus dans l''année'),
						xmlelement(name th, xmlattributes('n' AS class), 'Pris sur la part propre en N+1'))),
					xmlelement(name tbody, coalesce((SELECT xmlagg(xmlelement(name tr, xmlelement(name td, h.motif),
						xmlelement(name td, xmlattributes('n' AS class), coalesce(flux.nombre_fr(h.prevision), 'non soustrait')),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(h.realise)),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(h.baux)),
						xmlelement(name td, xmlattributes('n' AS class), flux.nombre_fr(h.baux_prioritaires)),
						xmlelement(name td, xmlattributes('n' AS class), coalesce(flux.nombre_fr(h.a_rendre_au_flux), '')),
						xmlelement(name td, xmlattributes('n' AS class), coalesce(flux.nombre_fr(h.redistribue), '')),
						xmlelement(name td, xmlattributes('n' AS class), coalesce(flux.nombre_fr(h.a_soustraire_annee_suivante), '')))
						ORDER BY h.hors_flux) FROM h),
						xmlelement(name tr, xmlelement(name td, xmlattributes(8 AS colspan), 'aucun logement hors flux cette année'))))),
				xmlelement(name p, xmlattributes('legende' AS class),
						   'Une prévision supérieure au réalisé est rendue au flux : dans l''année (redistribution) ou sur la part propre du bailleur l''année suivante.'))
		))::text
$$;

COMMENT ON FUNCTION flux.rapport_html(bigint, text, integer) IS
	'The bilan of a bailleur in a département for year N as one printable (A4) XHTML page in French: period, date of issue, bailleur (SIREN), territory and EPCI; shares per réservataire, stages, every obligation with the DALO rate, breakdowns, hors flux and own share; inline SVG charts; well-formed by construction (SQL/XML)';

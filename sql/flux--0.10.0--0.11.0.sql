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

-- ---------------------------------------------------------------------------
-- (section of the words and the language: dus, French texts)
-- ---------------------------------------------------------------------------

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
-- (section of the HTML report)
-- ---------------------------------------------------------------------------

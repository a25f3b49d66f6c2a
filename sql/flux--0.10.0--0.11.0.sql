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

-- ---------------------------------------------------------------------------
-- (section of the words and the language: dus, French texts)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the CSV exports)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the HTML report)
-- ---------------------------------------------------------------------------

--
-- src/exports.sql: the reports per réservataire and per EPCI, one fixed
--   layout per kind of row, and their CSV documents (standard or for French
--   spreadsheet software)
--
-- Builds on: bilan.sql (the bilan views, flux.verifier_annee_rapport,
--   flux.nom_epci), modele.sql (the validators)
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--
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

--
-- src/assiette.sql: the assiette of a year: why each unit is or is not subject to the flux
--   (flux.classer), the counts, the explanation of a unit
--
-- C: src/assiette.c
-- Builds on: modele.sql
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- The assiette: which units are subject to the flux in year N
--------------------------------------------------------------------------

CREATE TYPE flux.classement AS ENUM (
	-- C: in the assiette
	'assiette',
	-- B: parc concerné, excluded from the flux
	'defense', 'securite_interieure', 'sante', 'vente', 'demolition',
	'plai_adapte', 'gens_du_voyage',
	-- never concerned, listed apart
	'logement_foyer', 'residence_sociale', 'residence_universitaire', 'intermediaire',
	'sem_non_conventionne',
	-- first letting of a new programme: in stock this year, in the assiette next year
	'premiere_location',
	-- not in the stock on 1 January of the year
	'hors_parc');

COMMENT ON TYPE flux.classement IS
	'Why a unit is or is not in the assiette of a year: assiette (C); an exclusion motive (B); a reason it is never concerned; premiere_location; hors_parc';

/*
 * flux.classer: the one rule, shared by every assiette function and by the
 * explanation of a unit (src/assiette.c has it in words).  C, because it
 * runs once per unit of a stock; bench/assiette compares it with its
 * plain-SQL twin.
 */
CREATE FUNCTION flux.classer(
	annee integer, famille flux.famille_bailleur, conv boolean,
	finan smallint, cus smallint, typeconst char(1), mode smallint,
	hors_champ flux.motif_hors_champ, exclusion flux.motif_exclusion,
	date_sortie date, date_mise_en_service date, locat smallint,
	exclure_plai_adapte boolean, exclure_gens_du_voyage boolean)
	RETURNS flux.classement
	AS 'MODULE_PATHNAME', 'flux_classer'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION flux.classer(integer, flux.famille_bailleur, boolean, smallint, smallint, char, smallint, flux.motif_hors_champ, flux.motif_exclusion, date, date, smallint, boolean, boolean) IS
	'The classification rule of a unit for year N (see docs/assiette.md); used by every assiette function';

CREATE FUNCTION flux.statut(c flux.classement) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN CASE
		WHEN c OPERATOR(pg_catalog.=) 'assiette' THEN 'assiette'
		WHEN c OPERATOR(pg_catalog.<=) 'gens_du_voyage' THEN 'exclu'
		WHEN c OPERATOR(pg_catalog.<=) 'sem_non_conventionne' THEN 'non_concerne'
		ELSE c::text
	END;

COMMENT ON FUNCTION flux.statut(flux.classement) IS
	'Group of a classement: assiette (C), exclu (B), non_concerne, premiere_location or hors_parc';

-- every unit of a bailleur in a département, classified for the year
CREATE FUNCTION flux.logements_classes(bailleur bigint, annee integer, departement text)
	RETURNS TABLE(logement_id bigint, bailleur_id bigint, departement text, depcom text, epci text,
				  qpv boolean, patrimoine smallint, classement flux.classement)
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 100000
BEGIN ATOMIC
	-- the bailleur's family and the year's options are read once (InitPlans),
	-- not joined per unit
	SELECT l.id, l.bailleur_id, l.departement, l.depcom, l.epci, l.qpv, l.patrimoine,
		   flux.classer($2,
						(SELECT b.famille FROM flux.bailleur b WHERE b.id OPERATOR(pg_catalog.=) $1),
						l.conv, l.finan, l.cus, l.typeconst, l.mode,
						l.hors_champ, l.exclusion, l.date_sortie, l.date_mise_en_service, l.locat,
						coalesce((SELECT p.exclure_plai_adapte FROM flux.parametre_annuel p
								   WHERE p.bailleur_id OPERATOR(pg_catalog.=) $1
									 AND p.departement OPERATOR(pg_catalog.=) $3
									 AND p.annee OPERATOR(pg_catalog.=) $2), false),
						coalesce((SELECT p.exclure_gens_du_voyage FROM flux.parametre_annuel p
								   WHERE p.bailleur_id OPERATOR(pg_catalog.=) $1
									 AND p.departement OPERATOR(pg_catalog.=) $3
									 AND p.annee OPERATOR(pg_catalog.=) $2), false))
	  FROM flux.logement l
	 WHERE l.bailleur_id OPERATOR(pg_catalog.=) $1
	   AND l.departement OPERATOR(pg_catalog.=) $3;
END;

COMMENT ON FUNCTION flux.logements_classes(bigint, integer, text) IS
	'Every unit of a bailleur in a département with its classement for the year';

-- A, B by motive, C, and what is listed apart, for a bailleur x département x year
CREATE FUNCTION flux.assiette(bailleur bigint, departement text, annee integer)
	RETURNS TABLE(parc_concerne bigint, exclus bigint, assiette bigint, exclus_defense bigint,
				  exclus_securite_interieure bigint, exclus_sante bigint, exclus_vente bigint,
				  exclus_demolition bigint, exclus_plai_adapte bigint, exclus_gens_du_voyage bigint,
				  non_concernes bigint, logements_foyers bigint, residences_sociales bigint,
				  residences_universitaires bigint, intermediaires bigint, sem_non_conventionnes bigint,
				  premieres_locations bigint, hors_parc bigint)
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
BEGIN ATOMIC
	SELECT
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE flux.statut(n.classement) OPERATOR(pg_catalog.=) ANY (ARRAY['assiette', 'exclu'])), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE flux.statut(n.classement) OPERATOR(pg_catalog.=) 'exclu'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'assiette'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'defense'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'securite_interieure'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'sante'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'vente'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'demolition'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'plai_adapte'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'gens_du_voyage'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE flux.statut(n.classement) OPERATOR(pg_catalog.=) 'non_concerne'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'logement_foyer'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'residence_sociale'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'residence_universitaire'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'intermediaire'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'sem_non_conventionne'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'premiere_location'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'hors_parc'), 0)::bigint
	  FROM (SELECT k.classement, pg_catalog.count(*) AS n
			  FROM flux.logements_classes($1, $3, $2) k
			 GROUP BY k.classement) n;
END;

COMMENT ON FUNCTION flux.assiette(bigint, text, integer) IS
	'The assiette of a bailleur in a département for year N: A (parc concerné) = B (excluded, by motive) + C (subject to the flux); units never concerned, first lettings and units out of the stock listed apart';

-- the same per commune, for commune and EPCI conventions
CREATE FUNCTION flux.assiette_communes(bailleur bigint, departement text, annee integer)
	RETURNS TABLE(depcom text, commune text, epci text, parc_concerne bigint, exclus bigint,
				  assiette bigint, assiette_qpv bigint, assiette_hors_qpv bigint)
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT k.depcom, c.nom, coalesce(c.epci, pg_catalog.min(k.epci)),
		   pg_catalog.count(*) FILTER (WHERE flux.statut(k.classement) OPERATOR(pg_catalog.=) ANY (ARRAY['assiette', 'exclu'])),
		   pg_catalog.count(*) FILTER (WHERE flux.statut(k.classement) OPERATOR(pg_catalog.=) 'exclu'),
		   pg_catalog.count(*) FILTER (WHERE k.classement OPERATOR(pg_catalog.=) 'assiette'),
		   pg_catalog.count(*) FILTER (WHERE k.classement OPERATOR(pg_catalog.=) 'assiette' AND k.qpv),
		   pg_catalog.count(*) FILTER (WHERE k.classement OPERATOR(pg_catalog.=) 'assiette' AND NOT k.qpv)
	  FROM flux.logements_classes($1, $3, $2) k
	  LEFT JOIN flux.commune c ON c.depcom OPERATOR(pg_catalog.=) k.depcom
	 GROUP BY k.depcom, c.nom, c.epci
	 ORDER BY k.depcom;
END;

COMMENT ON FUNCTION flux.assiette_communes(bigint, text, integer) IS
	'The assiette per commune (A, B, C, and C in and outside QPV), for commune and EPCI conventions';

-- why a unit is in or out, in words
CREATE FUNCTION flux.expliquer_logement(logement bigint, annee integer)
	RETURNS TABLE (classement flux.classement, statut text, raison text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	l flux.logement;
	b flux.bailleur;
	p flux.parametre_annuel;
	k flux.classement;
	premiere integer;
BEGIN
	SELECT * INTO l FROM flux.logement WHERE id = expliquer_logement.logement;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'logement % does not exist', expliquer_logement.logement
			USING ERRCODE = 'no_data_found',
				  HINT = 'Pass the id of a row of flux.logement.';
	END IF;
	SELECT * INTO b FROM flux.bailleur WHERE id = l.bailleur_id;
	SELECT * INTO p FROM flux.parametre_annuel
	 WHERE bailleur_id = l.bailleur_id AND departement = l.departement
	   AND parametre_annuel.annee = expliquer_logement.annee;

	k := flux.classer(expliquer_logement.annee, b.famille, l.conv, l.finan, l.cus, l.typeconst, l.mode,
					  l.hors_champ, l.exclusion, l.date_sortie, l.date_mise_en_service, l.locat,
					  coalesce(p.exclure_plai_adapte, false), coalesce(p.exclure_gens_du_voyage, false));
	premiere := coalesce(extract(year FROM l.date_mise_en_service)::integer, l.locat);

	classement := k;
	statut := flux.statut(k);
	raison := CASE k
		WHEN 'hors_parc' THEN
			CASE WHEN l.date_sortie <= make_date(expliquer_logement.annee, 1, 1)
				 THEN format('not in the stock on 1 January %s: left it on %s (SORTIEPATRIM %s)',
							 expliquer_logement.annee, l.date_sortie, l.sortiepatrim)
				 ELSE format('not in the stock in %s: put into service on %s',
							 expliquer_logement.annee, l.date_mise_en_service) END
		WHEN 'logement_foyer' THEN
			CASE WHEN l.hors_champ IS NOT NULL THEN 'never concerned: logement-foyer (hors_champ)'
				 ELSE 'never concerned: let to an association, a logement-foyer (MODE 4)' END
		WHEN 'residence_sociale' THEN 'never concerned: résidence sociale (hors_champ)'
		WHEN 'residence_universitaire' THEN
			CASE WHEN l.hors_champ IS NOT NULL THEN 'never concerned: résidence universitaire (hors_champ)'
				 ELSE 'never concerned: student housing (TYPECONST E)' END
		WHEN 'intermediaire' THEN
			CASE WHEN l.hors_champ IS NOT NULL THEN 'never concerned: intermediate housing (hors_champ)'
				 ELSE format('never concerned: intermediate housing (FINAN %s, CUS %s: PLI)', l.finan, coalesce(l.cus::text, 'empty')) END
		WHEN 'sem_non_conventionne' THEN
			format('never concerned: bailleur %s is a SEM and the unit is not APL-conventionné (CONV 2)', b.nom)
		WHEN 'premiere_location' THEN
			format('first letting in %s of a new programme: stays in stock (concertation between réservataires), joins the assiette in %s',
				   premiere, premiere + 1)
		WHEN 'assiette' THEN
			format('in the assiette of %s: %s unit in the stock since %s, %s%s',
				   expliquer_logement.annee,
				   (SELECT f.libelle FROM flux.rpls_finan f WHERE f.finan = l.finan),
				   coalesce(premiere::text, 'before the RPLS dates'),
				   CASE WHEN l.qpv THEN 'in QPV' ELSE 'outside QPV' END,
				   CASE WHEN l.exclusion IS NOT NULL
						THEN format(', %s not excluded: the charter option is off in %s', l.exclusion, expliquer_logement.annee)
						ELSE '' END)
		ELSE format('excluded from the flux (B): %s',
				   CASE k WHEN 'defense' THEN 'reserved for national defence'
						  WHEN 'securite_interieure' THEN 'reserved for internal security'
						  WHEN 'sante' THEN 'reserved for a public health establishment'
						  WHEN 'vente' THEN 'in the sales plan'
						  WHEN 'demolition' THEN 'to be demolished'
						  WHEN 'plai_adapte' THEN 'PLAI adapté, excluded by the local charter'
						  ELSE 'gens du voyage unit, excluded by the local charter' END)
	END;
	RETURN NEXT;
END
$$;

COMMENT ON FUNCTION flux.expliquer_logement(bigint, integer) IS
	'Why a unit is in or out of the assiette of a year, in words';

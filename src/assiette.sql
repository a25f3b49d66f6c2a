--
-- src/assiette.sql: the assiette of a year: why each unit is or is not subject to the flux
--   (flux.classer), the counts, the rotation rate, the forecast flux
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

--------------------------------------------------------------------------
-- Rotation and the forecast flux for year N
--------------------------------------------------------------------------

/*
 * The rotation rate of one year Y, from the vacancies recorded, over the
 * parc concerné (A) on 1 January Y, by the three ANCOLS definitions:
 *
 *   relocations    units relet in Y (a new lease in Y, not a first
 *                  letting) among units in the stock for 2 years or more
 *                  (PATRIMOINE <= Y - 2), over those units
 *   emmenagements  units a household moved into in Y (relettings and
 *                  first lettings), over the parc concerné
 *   disponibles    units available in Y (left and put back for rent, relet
 *                  or not) plus new units first let in Y, over the parc
 *                  concerné
 */
CREATE FUNCTION flux.rotation(bailleur bigint, departement text, annee integer,
										 definition flux.definition_rotation DEFAULT 'relocations')
	RETURNS TABLE(annee integer, definition flux.definition_rotation, mouvements bigint, parc bigint,
				  taux_rotation numeric)
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
BEGIN ATOMIC
	WITH k AS MATERIALIZED (
		-- the year's classification of every unit, once
		SELECT k.logement_id, k.patrimoine,
			   flux.statut(k.classement) OPERATOR(pg_catalog.=) ANY (ARRAY['assiette', 'exclu']) AS concerne
		  FROM flux.logements_classes($1, $3, $2) k
	), annee AS (
		SELECT pg_catalog.make_date($3, 1, 1) AS debut, pg_catalog.make_date($3 OPERATOR(pg_catalog.+) 1, 1, 1) AS fin
	), mouvements AS (
		SELECT pg_catalog.count(DISTINCT v.logement_id) FILTER (
				   WHERE $4 OPERATOR(pg_catalog.=) 'relocations' AND NOT v.premiere_location AND k.concerne
					 AND v.date_relocation OPERATOR(pg_catalog.>=) a.debut AND v.date_relocation OPERATOR(pg_catalog.<) a.fin
					 AND k.patrimoine OPERATOR(pg_catalog.<=) ($3 OPERATOR(pg_catalog.-) 2))
			 OPERATOR(pg_catalog.+) pg_catalog.count(*) FILTER (
				   WHERE $4 OPERATOR(pg_catalog.=) 'emmenagements'
					 AND v.date_relocation OPERATOR(pg_catalog.>=) a.debut AND v.date_relocation OPERATOR(pg_catalog.<) a.fin)
			 OPERATOR(pg_catalog.+) pg_catalog.count(*) FILTER (
				   WHERE $4 OPERATOR(pg_catalog.=) 'disponibles'
					 AND v.date_disponible OPERATOR(pg_catalog.>=) a.debut AND v.date_disponible OPERATOR(pg_catalog.<) a.fin) AS n
		  FROM flux.vacance v
		  JOIN k ON k.logement_id OPERATOR(pg_catalog.=) v.logement_id
		  CROSS JOIN annee a
		 -- vacancies of the parc concerné, and first lettings of new units
		 WHERE k.concerne OR v.premiere_location
	), base AS (
		SELECT pg_catalog.count(*) FILTER (WHERE k.concerne AND ($4 OPERATOR(pg_catalog.<>) 'relocations'
											   OR k.patrimoine OPERATOR(pg_catalog.<=) ($3 OPERATOR(pg_catalog.-) 2))) AS n
		  FROM k
	)
	SELECT $3, $4, m.n, b.n,
		   CASE WHEN b.n OPERATOR(pg_catalog.>) 0
				THEN pg_catalog.round(100.0 OPERATOR(pg_catalog.*) m.n OPERATOR(pg_catalog./) b.n, 2) END
	  FROM mouvements m, base b;
END;

COMMENT ON FUNCTION flux.rotation(bigint, text, integer, flux.definition_rotation) IS
	'Rotation rate of year Y in percent (ANCOLS definition relocations, emmenagements or disponibles), from the vacancies recorded, with its numerator and denominator';

/*
 * The forecast flux of year N (Ornex art. 4.1; FAQ §3): expected
 * relettings = assiette C on 1 January N x the mean rotation rate of N-3 ..
 * N-1 (or the rate imposed in flux.parametre_annuel), minus the forecast
 * soustractions by category that the year's parameters switch on.
 * Mutations default to taux_mutation (10 %) of the expected relettings.
 * FAQ: 1 000 units put up for rent, 350 subtracted, 650 to share.
 */
CREATE FUNCTION flux.flux_previsionnel(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (
		assiette bigint, definition_rotation flux.definition_rotation,
		taux_rotation numeric, source_taux text, relocations_prevues integer,
		soustraction_mutation integer, soustraction_anru integer, soustraction_orcod integer,
		soustraction_lhi integer, soustraction_vente integer, soustraction_urgence integer,
		soustractions integer, flux_a_repartir integer)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	p flux.parametre_annuel;
	taux_annuels numeric[];
BEGIN
	SELECT * INTO p FROM flux.parametre_annuel pa
	 WHERE pa.bailleur_id = bailleur AND pa.departement = flux_previsionnel.departement
	   AND pa.annee = flux_previsionnel.annee;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no yearly parameters for bailleur %, département %, year %',
				bailleur, flux_previsionnel.departement, flux_previsionnel.annee
			USING ERRCODE = 'no_data_found',
				  DETAIL = 'The forecast needs the year''s soustractions and options.',
				  HINT = format('INSERT INTO flux.parametre_annuel (bailleur_id, departement, annee) VALUES (%s, %L, %s) takes the defaults.',
								bailleur, flux_previsionnel.departement, flux_previsionnel.annee);
	END IF;

	SELECT a.assiette INTO assiette FROM flux.assiette(bailleur, flux_previsionnel.departement, flux_previsionnel.annee) a;
	definition_rotation := p.definition_rotation;

	IF p.taux_rotation IS NOT NULL THEN
		taux_rotation := p.taux_rotation;
		source_taux := 'imposed in flux.parametre_annuel';
	ELSE
		SELECT array_agg(r.taux_rotation ORDER BY y) INTO taux_annuels
		  FROM generate_series(flux_previsionnel.annee - 3, flux_previsionnel.annee - 1) y,
			   flux.rotation(bailleur, flux_previsionnel.departement, y, p.definition_rotation) r
		 WHERE r.taux_rotation IS NOT NULL AND r.mouvements > 0;
		IF taux_annuels IS NULL THEN
			RAISE EXCEPTION 'no vacancy recorded for bailleur % in département % from % to %',
					bailleur, flux_previsionnel.departement, flux_previsionnel.annee - 3, flux_previsionnel.annee - 1
				USING ERRCODE = 'no_data_found',
					  DETAIL = 'The rotation rate is the mean of the three previous years.',
					  HINT = 'Load past vacancies into flux.vacance, or set flux.parametre_annuel.taux_rotation (e.g. the département mean from RPLS).';
		END IF;
		taux_rotation := round((SELECT avg(t) FROM unnest(taux_annuels) t), 2);
		source_taux := format('mean of %s over %s year(s) before %s: %s', p.definition_rotation,
							  cardinality(taux_annuels), flux_previsionnel.annee, array_to_string(taux_annuels, ' %, ') || ' %');
	END IF;

	relocations_prevues := round(assiette * taux_rotation / 100);
	soustraction_mutation := CASE WHEN p.soustraire_mutation
		THEN coalesce(p.prevision_mutation, round(relocations_prevues * p.taux_mutation::numeric / 100)::integer) ELSE 0 END;
	soustraction_anru := CASE WHEN p.soustraire_anru THEN p.prevision_anru ELSE 0 END;
	soustraction_orcod := CASE WHEN p.soustraire_orcod THEN p.prevision_orcod ELSE 0 END;
	soustraction_lhi := CASE WHEN p.soustraire_lhi THEN p.prevision_lhi ELSE 0 END;
	soustraction_vente := CASE WHEN p.soustraire_vente THEN p.prevision_vente ELSE 0 END;
	soustraction_urgence := CASE WHEN p.soustraire_urgence THEN p.prevision_urgence ELSE 0 END;
	soustractions := soustraction_mutation + soustraction_anru + soustraction_orcod
		+ soustraction_lhi + soustraction_vente + soustraction_urgence;

	IF soustractions > relocations_prevues THEN
		RAISE EXCEPTION 'forecast soustractions (%) exceed the expected relettings (%) for bailleur %, département %, year %',
				soustractions, relocations_prevues, bailleur, flux_previsionnel.departement, flux_previsionnel.annee
			USING ERRCODE = 'numeric_value_out_of_range',
				  HINT = 'Lower the prevision_* columns of flux.parametre_annuel, or check the rotation rate.';
	END IF;
	flux_a_repartir := relocations_prevues - soustractions;
	RETURN NEXT;
END
$$;

COMMENT ON FUNCTION flux.flux_previsionnel(bigint, text, integer) IS
	'The forecast flux of year N: assiette x mean rotation of the 3 previous years (or imposed) = expected relettings (A), minus the forecast soustractions switched on (B), = units to share (C)';

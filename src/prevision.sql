--
-- src/prevision.sql: the forecast of year N: the rotation rate, the forecast
--   flux and its soustractions
--
-- C: none
-- Builds on: assiette.sql
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

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

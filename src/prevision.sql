--
-- src/prevision.sql: the forecast of year N: the rotation rate, the forecast
--   flux and its soustractions
--
-- C: none
-- Builds on: modele.sql, assiette.sql; reads flux.orientation (workflow.sql)
--   at run time, in PL/pgSQL bodies, for the soustractions actually made
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- Words a réservataire reads (issue 15 item 10): the French labels of the
-- codes the forecast's explanations name
--------------------------------------------------------------------------

-- the French label of an ANCOLS definition of the rotation rate
CREATE FUNCTION flux.libelle_definition_rotation(definition flux.definition_rotation) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE definition
		WHEN 'relocations' THEN 'relocations des logements de plus de deux ans'
		WHEN 'emmenagements' THEN 'emménagements'
		WHEN 'disponibles' THEN 'logements disponibles, mises en service comprises' END;

COMMENT ON FUNCTION flux.libelle_definition_rotation(flux.definition_rotation) IS
	'The French label of an ANCOLS definition of the rotation rate, for the texts a réservataire reads (source_taux)';

-- the French label of a motive outside the flux (flux.motif_hors_flux, as text)
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

-- rates as a French reader writes them: 9,5 % ; 10 % ; 11,25 %
CREATE FUNCTION flux.liste_taux(taux numeric[]) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN (SELECT pg_catalog.string_agg(pg_catalog.replace(pg_catalog.trim_scale(u.t)::text, '.', ',') OPERATOR(pg_catalog.||) ' %', ' ; ' ORDER BY u.i)
			  FROM pg_catalog.unnest(taux) WITH ORDINALITY u(t, i));

COMMENT ON FUNCTION flux.liste_taux(numeric[]) IS
	'Rates in percent written the French way (decimal comma, a space before %, separated by semicolons), in order';

--------------------------------------------------------------------------
-- Rotation and the forecast flux for year N
--------------------------------------------------------------------------

-- the ANCOLS definition of a rotation rate, checked like the other arguments
CREATE FUNCTION flux.verifier_definition_rotation(definition flux.definition_rotation) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF definition IS NULL THEN
		RAISE EXCEPTION 'rotation definition is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass relocations, emmenagements or disponibles (flux.definition_rotation), or leave the argument out for relocations.';
	END IF;
	RETURN true;
END
$$;

COMMENT ON FUNCTION flux.verifier_definition_rotation(flux.definition_rotation) IS
	'Raises 22004 on NULL and returns true: the one-time filter of flux.rotation on its definition';

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
	  FROM mouvements m, base b
	 -- one-time filters, checked before anything is read: an unknown or
	 -- NULL bailleur, département, year or definition raises instead of
	 -- counting zero
	 WHERE flux.verifier_portee($1, $2, $3) AND flux.verifier_definition_rotation($4);
END;

COMMENT ON FUNCTION flux.rotation(bigint, text, integer, flux.definition_rotation) IS
	'Rotation rate of year Y in percent (ANCOLS definition relocations, emmenagements or disponibles), from the vacancies recorded, with its numerator and denominator';


--------------------------------------------------------------------------
-- The published mean rotation of a département (Ornex art. 4.1)
--------------------------------------------------------------------------

CREATE TABLE flux.rotation_departementale (
	departement		text NOT NULL CONSTRAINT rotation_departementale_departement_format
					CHECK (departement ~ '^(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-6])$'),
	annee			integer NOT NULL CONSTRAINT rotation_departementale_annee CHECK (annee BETWEEN 2000 AND 2100),
	definition		flux.definition_rotation NOT NULL DEFAULT 'relocations',
	taux			numeric(5, 2) NOT NULL CONSTRAINT rotation_departementale_taux CHECK (taux BETWEEN 0 AND 100),
	source			text NOT NULL CONSTRAINT rotation_departementale_source CHECK (pg_catalog.btrim(source) <> ''),
	PRIMARY KEY (departement, annee, definition)
);

COMMENT ON TABLE flux.rotation_departementale IS
	'Published mean rotation rates of the social stock of a département, year by year, from RPLS (Ornex art. 4.1: "le taux moyen départemental des 3 dernières années issu des données RPLS"); filled by the DBA';

COMMENT ON COLUMN flux.rotation_departementale.departement IS 'The département';

COMMENT ON COLUMN flux.rotation_departementale.annee IS 'The year Y the moves took place (published with the RPLS of 1 January Y+1, in the autumn of Y+1)';

COMMENT ON COLUMN flux.rotation_departementale.definition IS 'The ANCOLS definition the rate follows (as flux.parametre_annuel.definition_rotation)';

COMMENT ON COLUMN flux.rotation_departementale.taux IS 'The rate in percent';

COMMENT ON COLUMN flux.rotation_departementale.source IS 'The publication it comes from (e.g. SDES, RPLS au 1er janvier 2024, tableau du département)';

SELECT pg_catalog.pg_extension_config_dump('flux.rotation_departementale', '');

--------------------------------------------------------------------------
-- Overestimated soustractions given back to the réservataires during the year
--------------------------------------------------------------------------

/*
 * FAQ (§6, "Quelles sont les conséquences en cas de surestimation"): a
 * bailleur whose forecast soustractions were overestimated "sera invité à
 * redistribuer du flux aux réservataires en cours d'exercice annuel ou à
 * soustraire l'année suivante les logements surnuméraires sur son propre
 * contingent".  Giving back during the year is the bailleur's decision,
 * taken when it sees the overestimate: it records here, per category, the
 * units of year N it oriented to réservataires on top of their due for
 * that reason.  What is overestimated and not recorded here is taken from
 * the bailleur's own share in N+1 (flux.flux_previsionnel, flux.parts).
 */
CREATE TABLE flux.redistribution (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur_id		bigint NOT NULL REFERENCES flux.bailleur,
	departement		text NOT NULL CONSTRAINT redistribution_departement_format
					CHECK (departement ~ '^(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-6])$'),
	annee			integer NOT NULL CONSTRAINT redistribution_annee CHECK (annee BETWEEN 2000 AND 2100),
	hors_flux		text NOT NULL CONSTRAINT redistribution_categorie
					CHECK (hors_flux IN ('mutation', 'anru', 'orcod', 'lhi', 'vente', 'urgence')),
	logements		integer NOT NULL CONSTRAINT redistribution_logements CHECK (logements > 0),
	date_redistribution date NOT NULL,
	commentaire		text,
	CONSTRAINT redistribution_dans_l_annee
		CHECK (date_redistribution >= pg_catalog.make_date(annee, 1, 1)
			   AND date_redistribution < pg_catalog.make_date(annee + 1, 1, 1))
);

CREATE INDEX ON flux.redistribution (bailleur_id, departement, annee);

COMMENT ON TABLE flux.redistribution IS
	'Units of year N the bailleur gave back to the réservataires during N for a soustraction it overestimated (FAQ: "redistribuer du flux aux réservataires en cours d''exercice annuel"); the rest is taken from its own share in N+1';

COMMENT ON COLUMN flux.redistribution.id IS 'Surrogate key';

COMMENT ON COLUMN flux.redistribution.bailleur_id IS 'The bailleur';

COMMENT ON COLUMN flux.redistribution.departement IS 'The département';

COMMENT ON COLUMN flux.redistribution.annee IS 'The year N of the overestimated forecast';

COMMENT ON COLUMN flux.redistribution.hors_flux IS 'The category overestimated: mutation, anru, orcod, lhi, vente or urgence';

COMMENT ON COLUMN flux.redistribution.logements IS 'Units given back to the réservataires';

COMMENT ON COLUMN flux.redistribution.date_redistribution IS 'When it was decided (in year N)';

COMMENT ON COLUMN flux.redistribution.commentaire IS 'Free text (e.g. which réservataires, the notice sent)';

SELECT pg_catalog.pg_extension_config_dump('flux.redistribution', '');

SELECT pg_catalog.pg_extension_config_dump('flux.redistribution_id_seq', '');

--------------------------------------------------------------------------
-- Rotation and the forecast flux for year N
--------------------------------------------------------------------------

/*
 * The expected relettings of year N (Ornex art. 4.1; FAQ §3): assiette C
 * on 1 January N x the rotation rate.  The rate comes from
 * flux.parametre_annuel.source_rotation:
 *   imposee         taux_rotation, imposed for the year
 *   bailleur        the mean of the bailleur's own rates of N-3 .. N-1
 *                   (flux.rotation, the years with a recorded vacancy)
 *   departementale  the mean of the three last published rates of the
 *                   département (flux.rotation_departementale): by
 *                   default the years N-4 .. N-2, the moves of N-1 being
 *                   published only in the autumn of N, after the forecast
 *                   of 28 February N (decalage_rotation_publiee = 2; the
 *                   texts do not say which three); all three are required
 *   NULL            as 0.9.0: imposee when taux_rotation is set, else bailleur
 */
CREATE FUNCTION flux.relocations_prevues(bailleur bigint, departement text, annee integer)
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

COMMENT ON FUNCTION flux.relocations_prevues(bigint, text, integer) IS
	'The expected relettings of year N: assiette x the rotation rate of flux.parametre_annuel.source_rotation (imposed, the bailleur''s mean of N-3..N-1, or the département''s published mean of N-4..N-2), with the rate''s source';

/*
 * The forecast soustractions of year N by category, as the year's
 * parameters set them: prevision_* when soustraire_*, else NULL (not
 * subtracted); the mutations default to taux_mutation of the expected
 * relettings (passed in, or computed; when they cannot be computed the
 * forecast is NULL and origine says why).  No row without parameters.
 */
CREATE FUNCTION flux.soustractions_prevues(bailleur bigint, departement text, annee integer,
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

COMMENT ON FUNCTION flux.soustractions_prevues(bigint, text, integer, integer) IS
	'The forecast soustractions of year N by category (NULL: not subtracted), the mutations'' default rate applied to the expected relettings, and where each figure comes from';

/*
 * Forecast against actual, year N, by category: the soustraction forecast
 * (flux.soustractions_prevues), the vacancies of N let outside the flux
 * for that motive (flux.orientation.hors_flux, proposed and not
 * cancelled, as flux.bilan_hors_flux counts them), the overestimate
 * (forecast minus actual when positive), the units given back during N
 * (flux.redistribution) and what is left: taken from the bailleur's own
 * share in N+1.
 */
CREATE FUNCTION flux.surestimations(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (hors_flux text, prevision integer, origine_prevision text, realise integer,
				   surestimation integer, redistribue integer, a_reporter integer)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	WITH reel AS (
		SELECT o.hors_flux::text AS hors_flux, count(*)::integer AS n
		  FROM flux.orientation o
		  JOIN flux.vacance v ON v.id = o.vacance_id
		  JOIN flux.logement l ON l.id = v.logement_id
		 WHERE o.hors_flux IS NOT NULL AND o.etat <> 'annulee'
		   AND l.bailleur_id = $1 AND l.departement = $2
		   AND o.date_orientation >= make_date($3, 1, 1) AND o.date_orientation < make_date($3 + 1, 1, 1)
		 GROUP BY 1
	), rendu AS (
		SELECT r.hors_flux, sum(r.logements)::integer AS n
		  FROM flux.redistribution r
		 WHERE r.bailleur_id = $1 AND r.departement = $2 AND r.annee = $3
		 GROUP BY 1
	)
	SELECT s.hors_flux, s.prevision, s.origine, coalesce(x.n, 0),
		   greatest(s.prevision - coalesce(x.n, 0), 0),
		   coalesce(d.n, 0),
		   greatest(s.prevision - coalesce(x.n, 0) - coalesce(d.n, 0), 0)
	  FROM flux.soustractions_prevues($1, $2, $3) s
	  LEFT JOIN reel x ON x.hors_flux = s.hors_flux
	  LEFT JOIN rendu d ON d.hors_flux = s.hors_flux
	 ORDER BY array_position(ARRAY['mutation', 'anru', 'orcod', 'lhi', 'vente', 'urgence'], s.hors_flux)
$$;

COMMENT ON FUNCTION flux.surestimations(bigint, text, integer) IS
	'Year N by soustraction category: forecast, actual (orientations outside the flux), overestimate, units given back during N (flux.redistribution), and what is left to take from the bailleur''s own share in N+1';

/*
 * The forecast flux of year N (Ornex art. 4.1; FAQ §3): expected
 * relettings (flux.relocations_prevues) minus the forecast soustractions
 * by category that the year's parameters switch on.  Mutations default to
 * taux_mutation (10 %) of the expected relettings.  FAQ: 1 000 units put
 * up for rent, 350 subtracted, 650 to share.
 *
 * report_surestimation: what the soustractions of N-1 overestimated and
 * the bailleur did not give back during N-1 (flux.surestimations); FAQ:
 * "soustraire l'année suivante les logements surnuméraires sur son propre
 * contingent".  It does not change flux_a_repartir: flux.parts takes it
 * from the bailleur's unreserved share and gives it to the réservataires.
 */
CREATE FUNCTION flux.flux_previsionnel(bailleur bigint, departement text, annee integer)
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

COMMENT ON FUNCTION flux.flux_previsionnel(bigint, text, integer) IS
	'The forecast flux of year N: assiette x rotation (the bailleur''s mean of the 3 previous years, the département''s published mean, or imposed) = expected relettings (A), minus the forecast soustractions switched on (B), = units to share (C); and the overestimate of N-1 not given back, which flux.parts takes from the bailleur''s own share';

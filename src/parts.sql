--
-- src/parts.sql: the shares of a year and the units each is due, the yearly update of the
--   rates, the State's share by commune and outside QPV
--
-- C: none
-- Builds on: modele.sql, assiette.sql, repartition.sql
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- Yearly rates, kept year by year
--------------------------------------------------------------------------

CREATE TABLE flux.taux_annuel (
	convention_id	bigint NOT NULL REFERENCES flux.convention ON DELETE CASCADE,
	annee			integer NOT NULL CONSTRAINT taux_annuel_annee CHECK (annee BETWEEN 2000 AND 2100),
	reserves		integer NOT NULL CHECK (reserves >= 0),
	droits_expires	integer NOT NULL CHECK (droits_expires >= 0),
	parc			integer NOT NULL CHECK (parc > 0),
	taux			flux.taux NOT NULL,
	taux_precedent	flux.taux,
	applique		boolean NOT NULL DEFAULT false,
	calcule_le		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (convention_id, annee),
	CONSTRAINT taux_annuel_reserves_parc CHECK (reserves <= parc)
);

COMMENT ON TABLE flux.taux_annuel IS
	'Each year''s rate of a convention from its réservataire''s running stock rights over the assiette (flux.actualiser_taux): every year''s figures are kept';

COMMENT ON COLUMN flux.taux_annuel.convention_id IS 'The flux convention';

COMMENT ON COLUMN flux.taux_annuel.annee IS 'The year N';

COMMENT ON COLUMN flux.taux_annuel.reserves IS 'Units reserved by the réservataire whose rights still run on 1 January N, in the assiette of N';

COMMENT ON COLUMN flux.taux_annuel.droits_expires IS 'Of its rights, those that ended during N-1 (stated end, or 5 years after a guaranteed loan''s repayment)';

COMMENT ON COLUMN flux.taux_annuel.parc IS 'The assiette of N on the convention''s territory (after deliveries, demolitions and sales)';

COMMENT ON COLUMN flux.taux_annuel.taux IS 'reserves / parc (flux.taux_reservataire)';

COMMENT ON COLUMN flux.taux_annuel.taux_precedent IS 'The rate before: of N-1 in this table, else the convention''s';

COMMENT ON COLUMN flux.taux_annuel.applique IS 'Applied to the convention (its caps checked): flux.parts uses it for year N';

COMMENT ON COLUMN flux.taux_annuel.calcule_le IS 'When computed';

SELECT pg_catalog.pg_extension_config_dump('flux.taux_annuel', '');

/*
 * The yearly update (FAQ §4.4): a réservataire's rate follows the
 * bailleur's stock (deliveries, demolitions, sales: the assiette of year N)
 * and the rights that lapsed (a stated end passed, or 5 years after a
 * guaranteed loan's full repayment).  For each flux convention in force in
 * N whose réservataire has stock reservations recorded (the State's share
 * is set by law, not by its units, and is left alone):
 *
 *   reserves = its units reserved de suite in the assiette of N, rights
 *              running on 1 January N, on the convention's territory
 *   parc     = the assiette of N on that territory
 *   taux     = flux.taux_reservataire(reserves, parc)
 *
 * Every year's figures are kept in flux.taux_annuel.  With appliquer, the
 * new rate is also written to the convention, which checks the legal caps,
 * and flux.parts uses it for year N.
 */
CREATE FUNCTION flux.actualiser_taux(bailleur bigint, departement text, annee integer,
									 appliquer boolean DEFAULT false)
	RETURNS TABLE (convention_id bigint, reservataire_id bigint, reservataire text,
				   reserves integer, droits_expires integer, parc integer,
				   taux_precedent numeric, taux numeric, applique boolean)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	jan1 date;
	r record;
	precedent flux.taux;
	nouveau flux.taux;
BEGIN
	PERFORM flux.verifier_portee(bailleur, departement, annee);
	jan1 := make_date(annee, 1, 1);

	FOR r IN
		WITH classes AS MATERIALIZED (
			SELECT k.logement_id, k.depcom
			  FROM flux.logements_classes(actualiser_taux.bailleur, actualiser_taux.annee,
										  actualiser_taux.departement) k
			 WHERE k.classement = 'assiette'
		)
		SELECT c.id, c.reservataire_id, rs.nom, c.taux AS taux_convention,
			   (SELECT count(*) FROM classes k
				 WHERE c.communes IS NULL OR k.depcom = ANY (c.communes))::integer AS parc,
			   (SELECT count(*) FROM flux.reservation s JOIN classes k ON k.logement_id = s.logement_id
				 WHERE s.reservataire_id = c.reservataire_id AND s.droit = 'suite'
				   AND (c.communes IS NULL OR k.depcom = ANY (c.communes))
				   AND coalesce(s.date_debut, '-infinity') <= jan1
				   AND coalesce(flux.fin_droits(s.date_fin, s.date_remboursement), 'infinity') > jan1)::integer AS reserves,
			   (SELECT count(*) FROM flux.reservation s JOIN flux.logement l ON l.id = s.logement_id
				 WHERE s.reservataire_id = c.reservataire_id AND s.droit = 'suite'
				   AND l.bailleur_id = actualiser_taux.bailleur AND l.departement = actualiser_taux.departement
				   AND (c.communes IS NULL OR l.depcom = ANY (c.communes))
				   AND flux.fin_droits(s.date_fin, s.date_remboursement) >= jan1 - interval '1 year'
				   AND flux.fin_droits(s.date_fin, s.date_remboursement) < jan1)::integer AS expires
		  FROM flux.convention c
		  JOIN flux.reservataire rs ON rs.id = c.reservataire_id
		 WHERE c.bailleur_id = actualiser_taux.bailleur AND c.departement = actualiser_taux.departement
		   AND c.regime = 'flux' AND rs.categorie NOT IN ('etat', 'etat_agents')
		   AND daterange(c.date_effet, c.date_fin) && daterange(jan1, make_date(annee + 1, 1, 1))
		   AND EXISTS (SELECT 1 FROM flux.reservation s JOIN flux.logement l ON l.id = s.logement_id
						WHERE s.reservataire_id = c.reservataire_id
						  AND l.bailleur_id = actualiser_taux.bailleur
						  AND l.departement = actualiser_taux.departement)
		 ORDER BY c.id
	LOOP
		IF r.parc = 0 THEN
			RAISE EXCEPTION 'convention % has no unit in the assiette of % to compute a rate on', r.id, annee
				USING ERRCODE = 'division_by_zero',
					  DETAIL = format('Bailleur %s, département %s: the convention''s territory holds no unit subject to the flux.', bailleur, departement),
					  HINT = 'Check the stock loaded into flux.logement (flux.assiette) and the convention''s communes.';
		END IF;
		SELECT t.taux INTO precedent FROM flux.taux_annuel t
		 WHERE t.convention_id = r.id AND t.annee = actualiser_taux.annee - 1;
		precedent := coalesce(precedent, r.taux_convention);
		nouveau := flux.taux_reservataire(r.reserves, r.parc);

		IF appliquer THEN
			UPDATE flux.convention SET taux = nouveau WHERE id = r.id;
		END IF;
		INSERT INTO flux.taux_annuel AS t
			(convention_id, annee, reserves, droits_expires, parc, taux, taux_precedent, applique)
		VALUES (r.id, actualiser_taux.annee, r.reserves, r.expires, r.parc, nouveau, precedent, appliquer)
		ON CONFLICT ON CONSTRAINT taux_annuel_pkey DO UPDATE
		   SET reserves = EXCLUDED.reserves, droits_expires = EXCLUDED.droits_expires,
			   parc = EXCLUDED.parc, taux = EXCLUDED.taux, taux_precedent = EXCLUDED.taux_precedent,
			   applique = EXCLUDED.applique, calcule_le = now();

		convention_id := r.id;
		reservataire_id := r.reservataire_id;
		reservataire := r.nom;
		reserves := r.reserves;
		droits_expires := r.expires;
		parc := r.parc;
		taux_precedent := precedent::numeric;
		taux := nouveau::numeric;
		applique := appliquer;
		RETURN NEXT;
	END LOOP;
END
$$;

COMMENT ON FUNCTION flux.actualiser_taux(bigint, text, integer, boolean) IS
	'Yearly update of the rates of a bailleur''s flux conventions in a département from running stock rights over the assiette of the year; records flux.taux_annuel, and with appliquer writes the convention (caps checked)';

--------------------------------------------------------------------------
-- The shares of a year and the units each is due
--------------------------------------------------------------------------

/*
 * flux.parts: every share of a bailleur's forecast flux in a département
 * for year N, and the units each is due, summing exactly to the forecast
 * (flux.flux_previsionnel's flux_a_repartir) with flux.repartir: the
 * largest-remainder method, the bailleur's unreserved share last.
 *
 * A convention's share is its rate for N: the last one flux.actualiser_taux
 * applied for N or before; else, when only later years were applied, the
 * rate the first of them replaced; else the convention's.  It is weighted by
 *   - the part of the year it is in force (two conventions of the same
 *     parties in one year each count for their days), and
 *   - for a convention restricted to communes, the part of the assiette
 *     in its communes (its rate applies to their flux only),
 * and floored to 0.01 % so that weights never add up above what is due.
 * A préfet's decision in force adds, for the State, the units it took
 * back over the assiette (flux.taux_reservataire) for its days.
 *
 * The soustractions of N-1 overestimated and not given back during N-1
 * (flux.flux_previsionnel's report_surestimation; FAQ: "soustraire
 * l'année suivante les logements surnuméraires sur son propre
 * contingent") are taken from the unreserved share's units and shared
 * among the other rows in proportion to their effective share (largest
 * remainders); dont_report says how many of each row's units they are.
 */
CREATE FUNCTION flux.parts(bailleur bigint, departement text, annee integer)
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

COMMENT ON FUNCTION flux.parts(bigint, text, integer) IS
	'Every share of a bailleur''s forecast flux in a département for year N and the units each is due (flux.repartir), the unreserved share last: the counts sum exactly to flux_a_repartir; the overestimate of N-1 not given back (dont_report) moves from the unreserved share to the others';

/*
 * The State's share, commune by commune and outside QPV (R. 441-5-2 CCH;
 * FAQ §4.3 and §5): uniform in every commune of the département, on the
 * stock outside QPV never below 30 % of the flux, and at most 30 % of the
 * whole flux (unless a préfet's derogation is in force).  The forecast
 * flux is spread over the communes by their assiette (largest remainders,
 * exact), then the State's effective share of the year (flux.parts) is
 * applied in each commune with flux.repartir: first to the commune's flux
 * outside QPV, the rest of the commune's State units being in QPV.  One
 * row per commune, then one for the units outside QPV, one for the units
 * in QPV and one for the whole département.
 *
 * Every verdict is decided on the units the row prints, never on the
 * rate alone: outside QPV, logements_etat / flux_prevu >= 30 % exactly
 * (a 30 % rate can round to fewer units); in the département, at most
 * 30 % of the units, or a derogation.  taux_etat is rounded towards the
 * limit it is checked against (down outside QPV, up in the département),
 * so that a figure printed at the limit is one that meets it.  A commune
 * is conforme when the State's rate is the same in every commune (no
 * State convention restricted to communes).
 */
CREATE FUNCTION flux.part_etat(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (perimetre text, depcom text, commune text, assiette bigint,
				   flux_prevu integer, logements_etat integer, taux_etat numeric,
				   taux_etat_convention numeric, conforme boolean, observation text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	total integer;
	s numeric;
	uniforme boolean;
	p record;
	dans integer;
	e_hors integer;
	hors integer := 0;
	etat_hors integer := 0;
	etat_dans integer := 0;
	a_hors bigint := 0;
	a_dans bigint := 0;
	requis integer;
	derogation boolean;
BEGIN
	PERFORM flux.verifier_portee(bailleur, departement, annee);
	SELECT max(x.flux_a_repartir),
		   coalesce(sum(x.taux_effectif) FILTER (WHERE x.categorie IN ('etat', 'etat_agents')), 0),
		   coalesce(bool_and(x.fraction_territoire = 1) FILTER (WHERE x.categorie IN ('etat', 'etat_agents')), true)
	  INTO total, s, uniforme
	  FROM flux.parts(bailleur, departement, annee) x;

	FOR p IN
		WITH ac AS (
			SELECT k.depcom, k.commune, k.assiette, k.assiette_qpv, k.assiette_hors_qpv,
				   sum(k.assiette) OVER () AS a_tot
			  FROM flux.assiette_communes(part_etat.bailleur, part_etat.departement, part_etat.annee) k
			 WHERE k.assiette > 0
		), quotas AS (
			SELECT ac.*, (total::bigint * ac.assiette) / ac.a_tot AS plancher,
				   (total::bigint * ac.assiette) % ac.a_tot AS reste
			  FROM ac
		), rangs AS (
			SELECT q.*, row_number() OVER (ORDER BY q.reste DESC, q.depcom) AS rang,
				   total - sum(q.plancher) OVER () AS restants
			  FROM quotas q
		)
		SELECT r.depcom, r.commune, r.assiette, r.assiette_qpv, r.assiette_hors_qpv,
			   (r.plancher + CASE WHEN r.rang <= r.restants THEN 1 ELSE 0 END)::integer AS flux_commune
		  FROM rangs r
		 ORDER BY r.depcom
	LOOP
		perimetre := 'commune';
		depcom := p.depcom;
		commune := p.commune;
		assiette := p.assiette;
		flux_prevu := p.flux_commune;
		-- the commune's flux in and outside QPV, in proportion to its assiette
		dans := (flux.repartir(p.flux_commune,
							   ARRAY[(floor(p.assiette_qpv * 10000.0 / p.assiette) / 100)::flux.taux]))[1];
		IF p.assiette_hors_qpv = 0 THEN
			dans := p.flux_commune;
		END IF;
		-- the State's units of the commune, outside QPV first
		logements_etat := (flux.repartir(p.flux_commune, ARRAY[s::flux.taux]))[1];
		e_hors := least((flux.repartir(p.flux_commune - dans, ARRAY[s::flux.taux]))[1], logements_etat);
		IF logements_etat - e_hors > dans THEN
			e_hors := logements_etat - dans;
		END IF;
		etat_hors := etat_hors + e_hors;
		etat_dans := etat_dans + logements_etat - e_hors;
		hors := hors + p.flux_commune - dans;
		a_hors := a_hors + p.assiette_hors_qpv;
		a_dans := a_dans + p.assiette_qpv;
		taux_etat := CASE WHEN p.flux_commune > 0 THEN round(logements_etat * 100.0 / p.flux_commune, 2) END;
		taux_etat_convention := trim_scale(s);
		conforme := uniforme;
		observation := CASE WHEN uniforme
			THEN format('%s %% du flux de la commune, comme dans toutes les communes : %s logement(s) sur %s',
						replace(trim_scale(s)::text, '.', ','), logements_etat, p.flux_commune)
			ELSE 'taux non uniforme : une convention de l''Etat est limitée à certaines communes (R. 441-5-2 du CCH : le même taux dans chaque commune)' END;
		RETURN NEXT;
	END LOOP;

	depcom := NULL;
	commune := NULL;
	taux_etat_convention := trim_scale(s);

	-- outside QPV: at least 30 % of the units, decided on the units
	perimetre := 'hors_qpv';
	assiette := a_hors;
	flux_prevu := hors;
	logements_etat := etat_hors;
	taux_etat := CASE WHEN hors > 0 THEN trunc(etat_hors * 100.0 / hors, 2) END;
	requis := ceil(hors * 30 / 100.0)::integer;
	conforme := CASE WHEN hors > 0 THEN etat_hors * 100 >= 30 * hors END;
	observation := CASE
		WHEN hors = 0 THEN 'aucun logement du flux hors QPV'
		WHEN conforme THEN format('%s logement(s) de l''Etat sur %s hors QPV (%s %%) : au moins 30 %%',
								  etat_hors, hors, replace(taux_etat::text, '.', ','))
		ELSE format('%s logement(s) de l''Etat sur %s hors QPV (%s %%, taux de l''Etat %s %%) : moins que les 30 %% que fixe l''article R. 441-5-2 du CCH ; il en faut %s',
					etat_hors, hors, replace(taux_etat::text, '.', ','), replace(trim_scale(s)::text, '.', ','), requis) END;
	RETURN NEXT;

	perimetre := 'qpv';
	assiette := a_dans;
	flux_prevu := total - hors;
	logements_etat := etat_dans;
	taux_etat := CASE WHEN total - hors > 0 THEN round(etat_dans * 100.0 / (total - hors), 2) END;
	conforme := NULL;
	observation := 'pas de plancher en QPV';
	RETURN NEXT;

	-- the département: at most 30 % of the units, or a préfet's derogation
	perimetre := 'departement';
	assiette := a_hors + a_dans;
	flux_prevu := total;
	logements_etat := etat_hors + etat_dans;
	taux_etat := CASE WHEN total > 0 THEN round(ceil(logements_etat * 10000.0 / total) / 100, 2) END;
	derogation := EXISTS (
		SELECT 1 FROM flux.derogation_prefet g
		 WHERE g.bailleur_id = part_etat.bailleur AND g.departement = part_etat.departement
		   AND daterange(g.date_debut, g.date_fin) && daterange(make_date(annee, 1, 1), make_date(annee + 1, 1, 1)));
	conforme := logements_etat * 100 <= 30 * coalesce(total, 0) OR derogation;
	observation := CASE
		WHEN logements_etat * 100 <= 30 * coalesce(total, 0)
			THEN format('%s logement(s) sur %s (%s %%) : au plus 30 %% du flux', logements_etat, coalesce(total, 0), replace(coalesce(taux_etat, 0)::text, '.', ','))
		WHEN derogation
			THEN format('%s logement(s) sur %s (%s %%) : plus de 30 %% du flux, sous une dérogation du préfet', logements_etat, total, replace(taux_etat::text, '.', ','))
		ELSE format('%s logement(s) sur %s (%s %%, taux de l''Etat %s %%) : plus que les 30 %% du flux que fixe l''article R. 441-5-2 du CCH ; %s au plus sans dérogation',
					logements_etat, total, replace(taux_etat::text, '.', ','), replace(trim_scale(s)::text, '.', ','), floor(total * 30 / 100.0)) END;
	RETURN NEXT;
END
$$;

COMMENT ON FUNCTION flux.part_etat(bigint, text, integer) IS
	'The State''s share of year N commune by commune (uniform), outside QPV (at least 30 % of the units), in QPV and in the whole département (at most 30 % of the units without a derogation), with the units due in each and a verdict decided on them';

--
-- orientation: the engine (0.6.0): the rule, the recommendation, the
-- decision, the replay of a year
--
SET search_path = flux, public;
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- the rule: shares 30 %, 10 % and the bailleur's 60 %, nothing given yet
SELECT * FROM classer_destinations('{30%,10%,60%}', '{0,0,0}', '{0,0,0}', '{0,0,0}', '{f,f,f}');
-- the first unit: the State is the most behind in the unit's segments, and
-- the bound allows it: the fair mix decides
SELECT * FROM classer_destinations('{30%,10%,60%}', '{0,0,0}', '{0,0,0}', '{2,0,0}', '{f,f,f}');
-- after 9 units (2, 1, 6 given; due 2.7, 0.9, 5.4): only the State may take the 10th
SELECT * FROM classer_destinations('{30%,10%,60%}', '{2,1,6}', '{2.7,0.9,5.4}', '{0,2.5,0}', '{f,f,f}');
-- a segment preference the bound does not allow: the quota decides
SELECT * FROM classer_destinations('{30%,10%,60%}', '{2,0,5}', '{2.1,0.7,4.2}', '{3,0,0}', '{f,f,f}');
-- the legal floor (the State outside QPV)
SELECT * FROM classer_destinations('{30%,10%,60%}', '{1,1,5}', '{2.1,0.7,4.2}', '{0,0,3}', '{t,f,f}');
-- fails: bad counters
SELECT * FROM classer_destinations('{30%,10%}', '{0}', '{0,0}', '{0,0}', '{f,f}');
SELECT * FROM classer_destinations('{60%,50%}', '{0,0}', '{0,0}', '{0,0}', '{f,f}');
SELECT * FROM classer_destinations('{30%,70%}', '{-1,0}', '{3,3}', '{0,0}', '{f,f}');
SELECT * FROM classer_destinations('{30%,NULL}', '{0,0}', '{0,0}', '{0,0}', '{f,f}');
SELECT * FROM classer_destinations('{30%,70%}', '{0,0}', '{0,0}', '{NaN,0}', '{f,f}');

-- the property: following the first recommendation for every unit of a
-- year keeps every destination within 1 - 1/(2m - 2) of its due count at
-- every step, whatever the segments and floors say (random share sets of
-- 2 to 10 destinations, random retards and floors, 300 units each)
CREATE FUNCTION pg_temp.annee(graine double precision, k integer, n integer)
RETURNS TABLE (depassement numeric, ordres text)
LANGUAGE plpgsql AS $$
DECLARE
	brut integer[]; parts flux.taux[]; donnes bigint[]; s integer; t integer;
	r record; sigma numeric; m integer; trace text := '';
BEGIN
	PERFORM setseed(graine);
	depassement := 0;
	brut := ARRAY(SELECT (random() * 100)::integer FROM generate_series(1, k));
	s := (SELECT sum(x) FROM unnest(brut) x);
	parts := ARRAY(SELECT (floor(x * 10000.0 / greatest(s, 1)) / 100)::flux.taux FROM unnest(brut) x);
	parts[k] := (parts[k]::numeric + 100 - (SELECT sum(p::numeric) FROM unnest(parts) p))::flux.taux;
	m := (SELECT count(*) FROM unnest(parts) p WHERE p::numeric > 0);
	sigma := CASE WHEN m >= 2 THEN 1 - 1.0 / (2 * m - 2) ELSE 0 END;
	donnes := array_fill(0::bigint, ARRAY[k]);
	FOR t IN 1 .. n LOOP
		SELECT * INTO r FROM flux.classer_destinations(parts, donnes,
			ARRAY(SELECT (t - 1) * p::numeric / 100 FROM unnest(parts) p)::double precision[],
			ARRAY(SELECT random() * 5 FROM generate_series(1, k)), ARRAY(SELECT random() < 0.2 FROM generate_series(1, k)));
		donnes[r.ordre[1]] := donnes[r.ordre[1]] + 1;
		trace := trace || r.ordre[1];
		depassement := greatest(depassement, (SELECT max(abs(donnes[j] - t * parts[j]::numeric / 100)) - sigma
												FROM generate_subscripts(parts, 1) j));
	END LOOP;
	ordres := md5(trace);
	RETURN NEXT;
END $$;
SELECT count(*) AS annees, max(depassement) AS depassement_max
  FROM generate_series(1, 200) g, pg_temp.annee(g / 1000.0, 2 + g % 9, 300);
-- deterministic: the same counters give the same ranking
SELECT count(*) FILTER (WHERE a.ordres <> b.ordres) AS differences
  FROM generate_series(1, 40) g, pg_temp.annee(g / 997.0, 2 + g % 9, 200) a, pg_temp.annee(g / 997.0, 2 + g % 9, 200) b;

-- the replay's codes are the segments' (every combination of the thresholds)
SELECT count(*) AS combinaisons,
       count(*) FILTER (WHERE codes_segments(q, p::smallint, f::smallint, c::smallint, '74218', y::smallint, '{74010,74218}')
                        IS DISTINCT FROM ARRAY[
                            array_position('{hors_qpv,qpv}'::text[], s[1]) - 1,
                            array_position('{T1,T2,T3,T4,T5+}'::text[], s[2]) - 1,
                            array_position('{PLAI,PLUS,PLS,autre}'::text[], s[3]) - 1,
                            array_position('{74010,74218}'::text[], s[4]) - 1,
                            array_position('{avant 1949,1949-1974,1975-1999,2000-2012,depuis 2013,inconnue}'::text[], s[5]) - 1]) AS differences
  FROM unnest('{t,f}'::boolean[]) q, generate_series(1, 9) p, unnest('{10,11,12,13,14,15,16,50,99}'::integer[]) f,
       unnest('{NULL,11,13,14,16}'::integer[]) c, unnest('{NULL,1900,1948,1949,1974,1975,1999,2000,2012,2013,2030}'::integer[]) y,
       LATERAL (SELECT segments(q, p::smallint, f::smallint, c::smallint, '74218', y::smallint) AS s) z;

--
-- a bailleur in Publier (QPV and not) and Amphion
--
INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551'), ('74010', 'Amphion-les-Bains', '200067551')
    ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (70, '552046470', 'Bailleur du moteur', 'oph');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES
	(70, 'Préfet (moteur)', 'etat', NULL), (71, 'Action Logement (moteur)', 'action_logement', NULL),
	(72, 'Commune d''Amphion (moteur)', 'commune', '74010'), (73, 'Employeur en stock (moteur)', 'employeur', NULL),
	(74, 'Employeur futur (moteur)', 'employeur', NULL);
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, regime, date_effet) VALUES
	(701, 70, 70, '74', '30%', 'flux', '2024-01-01'),
	(702, 70, 71, '74', '20%', 'flux', '2024-01-01'),
	(703, 70, 72, '74', '10%', 'flux', '2024-01-01'),
	(704, 70, 73, '74', NULL, 'stock', '2000-01-01'),
	(705, 70, 74, '74', '5%', 'flux', '2027-01-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, cus, conv, construct, locat)
SELECT 70000 + i, 70, 'M' || i, CASE WHEN i % 4 = 0 THEN '74010' ELSE '74218' END, i % 3 = 0, 'C',
       1 + i % 5, CASE WHEN i % 7 = 0 THEN 10 ELSE 13 END, NULL, true, 1960 + i % 60, 2000
  FROM generate_series(1, 60) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible)
SELECT 7000 + i, 70000 + i, '2025-01-02', '2025-01-10' FROM generate_series(1, 60) i;
SELECT setval('flux.orientation_id_seq', greatest(nextval('flux.orientation_id_seq'), 7000));

-- the first vacancy: nothing given yet; the conventions that cannot take it, and why
SELECT rang, convention_id, categorie, taux, dus, comptes, deficit, segments, decision, raison, exclusion
  FROM recommander(7001, '2025-02-03', true);
-- a unit in Amphion: the commune's convention can take it
SELECT rang, convention_id, categorie, taux, dus, comptes, deficit, decision
  FROM recommander(7004, '2025-02-03');

-- the bailleur follows the engine for 40 vacancies, one a day (one
-- statement each: a recommendation sees the orientations before it)
DO $$
DECLARE
	c bigint;
BEGIN
	FOR i IN 1 .. 40 LOOP
		SELECT r.convention_id INTO c FROM flux.recommander(7000 + i, '2025-02-03'::date + i) r WHERE r.rang = 1;
		PERFORM flux.orienter(7000 + i, c, '2025-02-03'::date + i);
	END LOOP;
END $$;
-- what each destination got, against its share of the units of its territory
SELECT coalesce(o.convention_id, 0) AS destination, count(*) AS obtenus,
       bool_and(o.rang_recommande = 1) AS recommandation_suivie
  FROM orientation o JOIN vacance v ON v.id = o.vacance_id
 WHERE v.logement_id BETWEEN 70001 AND 70060 GROUP BY 1 ORDER BY 1;
SELECT destination, dimension, valeur, n FROM compteur_orientation
 WHERE bailleur_id = 70 AND dimension IN (0, 1) ORDER BY destination, dimension, valeur;
-- the counters the triggers keep are what flux.recompter rebuilds
CREATE TEMP TABLE avant AS SELECT * FROM compteur_orientation;
SELECT recompter() > 0 AS recompte;
SELECT count(*) AS ecarts FROM (
	(SELECT * FROM avant EXCEPT SELECT * FROM compteur_orientation)
	UNION ALL (SELECT * FROM compteur_orientation EXCEPT SELECT * FROM avant)) d;

-- the next vacancy, in QPV: the ranking and its reasons
SELECT rang, convention_id, categorie, dus, comptes, deficit, segments, score, decision, raison
  FROM recommander(7042, '2025-03-20');
-- the State's floor outside QPV decides when it is behind there
UPDATE logement SET qpv = false WHERE id = 70045;
SELECT rang, convention_id, categorie, decision, raison FROM recommander(7045, '2025-03-20') WHERE rang <= 2;

-- the bailleur chooses otherwise: both are kept
SELECT orienter(7042, 702, '2025-03-20', 'ménage du 1er contingent identifié') AS orientation;
SELECT convention_id, recommandation_convention_id, recommandation_propre, rang_recommande, recommandation_raison
  FROM orientation WHERE vacance_id = 7042;
-- the réservataire refuses: it is no longer a destination of this vacancy
UPDATE orientation SET etat = 'refusee', date_reponse = '2025-03-21' WHERE vacance_id = 7042;
SELECT convention_id, exclusion FROM recommander(7042, '2025-03-21', true) WHERE exclusion IS NOT NULL ORDER BY 1;
-- fails: an excluded convention, an unknown one, an unknown vacancy, no date
SELECT orienter(7042, 702, '2025-03-21');
SELECT orienter(7043, 999, '2025-03-21');
SELECT * FROM recommander(999999);
SELECT * FROM recommander(7043, NULL);

--
-- the State's floor: at 20 % by its convention, it is owed 30 % of the
-- units outside QPV; the engine gives it the units the bound allows
--
INSERT INTO bailleur (id, siren, nom, famille) VALUES (71, '552046471', 'Bailleur du plancher', 'esh');
INSERT INTO reservataire (id, nom, categorie) VALUES (75, 'Préfet (plancher)', 'etat'), (76, 'Action Logement (plancher)', 'action_logement');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet) VALUES
	(711, 71, 75, '74', '20%', '2024-01-01'), (712, 71, 76, '74', '20%', '2024-01-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, construct, locat)
SELECT 71000 + i, 71, 'F' || i, '74218', false, 'C', 3, 13, true, 1990, 2000 FROM generate_series(1, 40) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible)
SELECT 7100 + i, 71000 + i, '2025-01-02', '2025-01-10' FROM generate_series(1, 40) i;
DO $$
DECLARE
	c bigint;
BEGIN
	FOR i IN 1 .. 40 LOOP
		SELECT r.convention_id INTO c FROM flux.recommander(7100 + i, '2025-02-03'::date + i) r WHERE r.rang = 1;
		PERFORM flux.orienter(7100 + i, c, '2025-02-03'::date + i);
	END LOOP;
END $$;
SELECT count(*) FILTER (WHERE o.recommandation_raison LIKE 'part de l''État hors QPV sous 30 %%') AS decisions_plancher,
       count(*) FILTER (WHERE o.convention_id = 711) AS etat, count(*) FILTER (WHERE o.convention_id = 712) AS action_logement,
       count(*) FILTER (WHERE o.convention_id IS NULL) AS bailleur
  FROM orientation o JOIN vacance v ON v.id = o.vacance_id WHERE v.id BETWEEN 7101 AND 7140;

--
-- replaying a year
--
SELECT convention_id, categorie, taux, dimension, valeur, dus, obtenus, ecart
  FROM simuler(70, '74', 2025) WHERE dimension IN ('tous', 'qpv') ORDER BY convention_id NULLS LAST, dimension, valeur;
-- 5 000 vacancies drawn from the assiette: every destination within a unit
SELECT convention_id, dus, obtenus, abs(ecart) <= 1 AS dans_la_borne
  FROM simuler(70, '74', 2025, vacances => 5000) WHERE dimension = 'tous' ORDER BY convention_id NULLS LAST;
-- and nothing was written
SELECT count(*) AS orientations FROM orientation o JOIN vacance v ON v.id = o.vacance_id WHERE v.logement_id BETWEEN 70001 AND 70060;
-- fails: bad arguments
SELECT * FROM simuler(70, '74', 1999);
SELECT * FROM simuler(70, '74', 2025, vacances => 0);
SELECT * FROM simuler(70, '01', 2025);
SELECT * FROM simuler(70, '74', 2030);

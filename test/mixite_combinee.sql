--
-- The fair mix on combined segments (issue 15 item 5, docs/orientation.md
-- "The fair mix on combined segments"): declarations checked; no
-- declaration, 0.10.0's recommendations; the property over random years:
-- the quota bound untouched, each destination within B of its share of a
-- declared combined segment; the issue's year (T1 in QPV frequent).
--
BEGIN;
SELECT plan(14);

-- a year through the kernel: k random shares (or fixes), n units, a unit in
-- the combined segment S with probability freq (and then T1 in QPV on two
-- dimensions), the others random; combine false: 0.10.0's five-argument
-- rule; true: the combined retard passed as recommander does.  Returns the
-- largest overshoot of the quota bound sigma at any prefix, the largest
-- |obtained in S - share x units of S| at any prefix, and at the end.
CREATE FUNCTION pg_temp.annee(graine double precision, k integer, n integer, freq double precision,
							  combine boolean, fixes flux.taux[] DEFAULT NULL)
RETURNS TABLE (quota numeric, ecart numeric, ecart_fin numeric, propre_s bigint, n_s integer)
LANGUAGE plpgsql AS $$
DECLARE
	brut integer[]; parts flux.taux[]; p numeric[]; donnes bigint[]; s integer; t integer;
	r record; sigma numeric; m integer; ns integer := 0; gs bigint[];
	segtous integer[]; segdest integer[]; code integer[]; ret double precision[]; dans boolean; j int; dd int;
BEGIN
	PERFORM setseed(graine);
	quota := 0; ecart := 0;
	brut := ARRAY(SELECT (random() * 100)::integer FROM generate_series(1, k));
	s := (SELECT sum(x) FROM unnest(brut) x);
	parts := ARRAY(SELECT (floor(x * 10000.0 / greatest(s, 1)) / 100)::flux.taux FROM unnest(brut) x);
	parts[k] := (parts[k]::numeric + 100 - (SELECT sum(q::numeric) FROM unnest(parts) q))::flux.taux;
	IF fixes IS NOT NULL THEN parts := fixes; k := cardinality(fixes); END IF;
	p := ARRAY(SELECT q::numeric / 100 FROM unnest(parts) q);
	m := (SELECT count(*) FROM unnest(parts) q WHERE q::numeric > 0);
	sigma := CASE WHEN m >= 2 THEN 1 - 1.0 / (2 * m - 2) ELSE 0 END;
	donnes := array_fill(0::bigint, ARRAY[k]); gs := donnes;
	segtous := array_fill(0, ARRAY[11]); segdest := array_fill(0, ARRAY[k, 11]);
	FOR t IN 1 .. n LOOP
		dans := random() < freq;
		-- codes: 0-1 QPV, 2-6 typologie, 7-10 financing
		code := ARRAY[floor(random() * 2)::int, 2 + floor(random() * 5)::int, 7 + floor(random() * 4)::int];
		IF dans THEN code[1] := 1; code[2] := 2; END IF;
		-- the segment retards, as recommander sums them
		ret := ARRAY(SELECT (SELECT sum(p[i] * (segtous[c + 1] + 1) - segdest[i][c + 1]) FROM unnest(code) c)
					 FROM generate_series(1, k) i)::double precision[];
		IF combine THEN
			SELECT * INTO r FROM flux.classer_destinations(parts, donnes,
				ARRAY(SELECT (t - 1) * q FROM unnest(p) q)::double precision[], ret, array_fill(false, ARRAY[k]),
				ARRAY(SELECT CASE WHEN dans THEN p[i] * (ns + 1) - gs[i] ELSE 0 END FROM generate_series(1, k) i)::double precision[]);
		ELSE
			SELECT * INTO r FROM flux.classer_destinations(parts, donnes,
				ARRAY(SELECT (t - 1) * q FROM unnest(p) q)::double precision[], ret, array_fill(false, ARRAY[k]));
		END IF;
		j := r.ordre[1];
		donnes[j] := donnes[j] + 1;
		FOREACH dd IN ARRAY code LOOP
			segtous[dd + 1] := segtous[dd + 1] + 1; segdest[j][dd + 1] := segdest[j][dd + 1] + 1;
		END LOOP;
		IF dans THEN
			ns := ns + 1; gs[j] := gs[j] + 1;
			ecart := greatest(ecart, (SELECT max(abs(gs[i] - ns * p[i])) FROM generate_series(1, k) i));
		END IF;
		quota := greatest(quota, (SELECT max(abs(donnes[i] - t * p[i])) - sigma FROM generate_series(1, k) i));
	END LOOP;
	ecart_fin := (SELECT max(abs(gs[i] - ns * p[i])) FROM generate_series(1, k) i);
	propre_s := gs[k]; n_s := ns;
	RETURN NEXT;
END $$;

-- 60 random years: 2 to 10 destinations, 300 units, S 5 % to 95 % of them
CREATE TEMP TABLE annees AS
SELECT g, a.* FROM generate_series(1, 60) g, pg_temp.annee(g / 999.0, 2 + g % 9, 300, 0.05 + (g % 7) * 0.15, true) a;
-- the issue's shares: the State 30 %, Action Logement 20 %, a commune 10 %,
-- the bailleur 40 % (last); 100 units, a quarter of them T1 in QPV
CREATE TEMP TABLE issue AS
SELECT g, c.combine, a.* FROM generate_series(1, 40) g, (VALUES (false), (true)) c(combine),
	   pg_temp.annee(g / 1000.0, 4, 100, 0.25, c.combine, '{30%,20%,10%,40%}') a;

SELECT is((SELECT max(quota) FROM annees), 0::numeric,
	'(a) random years: every destination within sigma of its quota at every prefix (overshoot 0)');
SELECT cmp_ok((SELECT max(ecart) FROM annees), '<=', 6::numeric,
	'(b) random years: |obtained - share x n| <= 6 in the combined segment at every prefix');
SELECT is((SELECT max(quota) FROM issue WHERE combine), 0::numeric,
	'(a) the issue''s shares: the quota bound untouched');
SELECT cmp_ok((SELECT max(ecart) FROM issue WHERE combine), '<=', 3::numeric,
	'(b) the issue''s shares: |obtained - share x n| <= 3 in T1 en QPV at every prefix');
-- fails on 0.10.0 behaviour: the five-argument rule drifts past 3
SELECT cmp_ok((SELECT max(ecart) FROM issue WHERE NOT combine), '>', 3::numeric,
	'0.10.0''s rule on the same years drifts past 3 units in T1 en QPV');
SELECT cmp_ok((SELECT avg(ecart_fin) FROM issue WHERE combine), '<', (SELECT avg(ecart_fin) FROM issue WHERE NOT combine),
	'on average the combined rule ends the year closer to each share of T1 en QPV');
-- (c) the issue: the bailleur's own share no longer takes 14 of 25 (10 due)
SELECT cmp_ok((SELECT max(abs(propre_s - 0.4 * n_s)) FROM issue WHERE combine), '<=', 3::numeric,
	'(c) the bailleur''s own share ends within 3 units of 40 % of T1 en QPV (14 of 25 with 10 due is 4)');

-- a small bailleur: declarations and the recommendation
INSERT INTO flux.commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT (depcom) DO NOTHING;
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (1551, '915510001', 'B mixite', 'esh');
INSERT INTO flux.reservataire (id, nom, categorie) VALUES
	(1551, 'Préfet (mixite)', 'etat'), (1552, 'Action Logement (mixite)', 'action_logement'), (1553, 'Employeur (mixite)', 'employeur');
INSERT INTO flux.convention (id, bailleur_id, reservataire_id, departement, taux, date_effet) VALUES
	(15501, 1551, 1551, '74', '30%', '2024-01-01'), (15502, 1551, 1552, '74', '20%', '2024-01-01'),
	(15503, 1551, 1553, '74', '10%', '2024-01-01');
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 1550000 + i, 1551, 'MX' || i, '74218', i % 2 = 0, 'C', CASE WHEN i % 2 = 0 THEN 1 ELSE 3 END, 13, true, 2000
  FROM generate_series(1, 20) i;
INSERT INTO flux.vacance (id, logement_id, date_disponible)
SELECT 1550000 + i, 1550000 + i, '2025-02-01'::date + i FROM generate_series(1, 20) i;

SELECT throws_ok($$INSERT INTO flux.segment_moins_attractif (bailleur_id, departement, nom, combinaison)
				   VALUES (1551, '74', 'x', '{"etage": ["rdc"]}')$$,
	'22023', 'unknown dimension "etage" in combined segment "x"', 'an unknown dimension is refused');
SELECT throws_ok($$INSERT INTO flux.segment_moins_attractif (bailleur_id, departement, nom, combinaison)
				   VALUES (1551, '74', 'x', '{"typologie": ["T9"]}')$$,
	'22023', 'unknown value "T9" of dimension "typologie" in combined segment "x"', 'an unknown value is refused');
SELECT throws_ok($$INSERT INTO flux.segment_moins_attractif (bailleur_id, departement, nom, combinaison)
				   VALUES (1551, '74', 'x', '{"qpv": "qpv"}')$$,
	'22023', NULL, 'values must be an array');
SELECT throws_ok($$INSERT INTO flux.segment_moins_attractif (bailleur_id, departement, nom, combinaison)
				   VALUES (1551, '74', 'x', '{}')$$,
	'22023', NULL, 'an empty combination is refused');

-- no declaration: the year followed through recommander / orienter; a
-- declaration the units do not meet gives the same choices (0.10.0's rule)
-- (orientations are never deleted: the year is rolled back by an exception)
CREATE FUNCTION pg_temp.jouer(OUT trace text, OUT nomme boolean) LANGUAGE plpgsql AS $$
DECLARE v integer; c bigint; t text := '';
BEGIN
	BEGIN
		FOR v IN 1 .. 20 LOOP
			SELECT r.convention_id INTO c FROM flux.recommander(1550000 + v, '2025-02-01'::date + v) r WHERE r.rang = 1;
			PERFORM flux.orienter(1550000 + v, c, '2025-02-01'::date + v);
			t := t || coalesce(c::text, 'B') || ' ';
		END LOOP;
		t := t || '|' || EXISTS (SELECT 1 FROM flux.orientation o WHERE o.vacance_id BETWEEN 1550001 AND 1550020
			AND o.recommandation_raison LIKE '%segments moins attractifs déclarés : T1 en QPV %');
		RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = t;
	EXCEPTION WHEN raise_exception THEN
		trace := split_part(SQLERRM, '|', 1);
		nomme := split_part(SQLERRM, '|', 2)::boolean;
	END;
END $$;
CREATE TEMP TABLE sans AS SELECT * FROM pg_temp.jouer();
INSERT INTO flux.segment_moins_attractif (bailleur_id, departement, nom, combinaison)
VALUES (1551, '74', 'T5+ avant 1949', '{"typologie": ["T5+"], "periode": ["avant 1949"]}');
SELECT is((pg_temp.jouer()).trace, (SELECT trace FROM sans), 'a declaration no unit meets leaves every recommendation as 0.10.0''s');

-- T1 in QPV declared: the reason of a combined decision names it
DELETE FROM flux.segment_moins_attractif WHERE bailleur_id = 1551;
INSERT INTO flux.segment_moins_attractif (bailleur_id, departement, nom, combinaison)
VALUES (1551, '74', 'T1 en QPV', '{"typologie": ["T1"], "qpv": ["qpv"]}');
CREATE TEMP TABLE avec AS SELECT * FROM pg_temp.jouer();
SELECT isnt((SELECT trace FROM avec), (SELECT trace FROM sans), 'T1 en QPV declared changes the choices of this year');
SELECT ok((SELECT nomme FROM avec) AND NOT (SELECT nomme FROM sans),
	'a recommendation the combined segment decided names it in its reason');

SELECT * FROM finish();
ROLLBACK;

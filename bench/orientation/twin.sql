-- bench/orientation/twin.sql: the engine's rule (src/moteur.c,
-- flux.classer_destinations) in plain PL/pgSQL, exact in numeric, for the
-- bench to check the C gives the same rankings and to time it.
CREATE SCHEMA IF NOT EXISTS bench;

CREATE OR REPLACE FUNCTION bench.classer_destinations_plpgsql(
	parts numeric[], donnes bigint[], dus numeric[], retards double precision[], priorites boolean[],
	OUT ordre integer[], OUT decision text)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	k integer := cardinality(parts);
	m integer := (SELECT count(*) FROM unnest(parts) p WHERE p > 0);
	d numeric;
	sigma numeric;
	fenetre integer;
	a numeric[];
	elig integer[];
	autres integer[];
	sans integer[];
	tij integer;
	choisi integer;
	c integer;
	essais integer := 0;
BEGIN
	d := CASE WHEN m >= 2 THEN 2 * m - 2 ELSE 2 END;
	sigma := 1 - 1 / d;
	fenetre := least(256, 2 * m + 2);
	a := donnes::numeric[];
	-- eligible: deficit >= 1 - sigma; preference: floor, segment retard, deadline, index
	SELECT array_agg(i ORDER BY priorites[i] DESC, retards[i] DESC, (a[i] + sigma) / (parts[i] / 100), i)
	  INTO elig FROM generate_series(1, k) i
	 WHERE parts[i] > 0 AND dus[i] + parts[i] / 100 - a[i] >= 1 - sigma;
	SELECT array_agg(i ORDER BY (a[i] + sigma) / (parts[i] / 100), i) INTO autres FROM generate_series(1, k) i
	 WHERE parts[i] > 0 AND NOT (dus[i] + parts[i] / 100 - a[i] >= 1 - sigma);
	SELECT array_agg(i ORDER BY i) INTO sans FROM generate_series(1, k) i WHERE parts[i] = 0;
	tij := bench.tijdeman_plpgsql(parts, a, dus, 0, sigma);
	decision := 'quota';
	FOREACH c IN ARRAY coalesce(elig, '{}') LOOP
		IF c = tij THEN
			choisi := c;
			EXIT;
		END IF;
		-- a candidate whose deadline comes within m units, three at most
		CONTINUE WHEN NOT (dus[c] + (1 + m) * parts[c] / 100 - a[c] >= sigma);
		essais := essais + 1;
		EXIT WHEN essais > 3;
		IF bench.sur_plpgsql(parts, a, dus, c, sigma, fenetre) THEN
			choisi := c;
			EXIT;
		END IF;
	END LOOP;
	choisi := coalesce(choisi, tij);
	IF choisi <> tij THEN
		decision := CASE WHEN priorites[choisi] THEN 'priorite' ELSE 'segment' END;
	ELSIF priorites[choisi] THEN
		decision := 'priorite';
	END IF;
	ordre := ARRAY[choisi]
		|| ARRAY(SELECT x FROM unnest(coalesce(elig, '{}')) WITH ORDINALITY u(x, o) WHERE x <> choisi ORDER BY o)
		|| ARRAY(SELECT x FROM unnest(coalesce(autres, '{}')) WITH ORDINALITY u(x, o) WHERE x <> choisi ORDER BY o)
		|| coalesce(sans, '{}');
END $$;

CREATE OR REPLACE FUNCTION bench.tijdeman_plpgsql(parts numeric[], a numeric[], dus numeric[], pas integer, sigma numeric)
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
	SELECT i FROM generate_series(1, cardinality(parts)) i
	 WHERE parts[i] > 0 AND dus[i] + (1 + pas) * parts[i] / 100 - a[i] >= 1 - sigma
	 ORDER BY (a[i] + sigma) / (parts[i] / 100), i LIMIT 1
$$;

CREATE OR REPLACE FUNCTION bench.sur_plpgsql(parts numeric[], a numeric[], dus numeric[], c integer, sigma numeric, fenetre integer)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	b numeric[] := a;
	s integer;
BEGIN
	b[c] := b[c] + 1;
	FOR s IN 0 .. fenetre LOOP
		IF s > 0 THEN
			b[bench.tijdeman_plpgsql(parts, b, dus, s, sigma)] := b[bench.tijdeman_plpgsql(parts, b, dus, s, sigma)] + 1;
		END IF;
		IF EXISTS (SELECT 1 FROM generate_series(1, cardinality(parts)) i
					WHERE parts[i] > 0 AND abs(b[i] - (dus[i] + (1 + s) * parts[i] / 100)) > sigma) THEN
			RETURN false;
		END IF;
	END LOOP;
	RETURN true;
END $$;

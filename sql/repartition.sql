--
-- repartition: flux.repartir and flux.taux_reservataire
--
SET search_path = flux, public;

-- DESIGN.md's examples and the seeds' numbers
SELECT flux.repartir(80, '{10%}') AS "8 of 80",
       flux.repartir(7, '{30%,20%,10%}') AS "7 units",
       flux.repartir(100, '{30%}') AS "Etat 30 of 100",
       flux.taux_reservataire(100, 1000) AS "100 / 1000";

-- edge cases: nothing to share, no share, the whole flow reserved
SELECT flux.repartir(0, '{30%,20%}'), flux.repartir(10, '{}'),
       flux.repartir(10, '{60%,40%}'), flux.repartir(10, '{0%,100%}');

-- ties go to the lower index; the unreserved share is the last index
SELECT flux.repartir(1, '{50%,50%}') AS tie_between_parts,
       flux.repartir(1, '{25%,25%}') AS unreserved_wins,
       flux.repartir(3, '{33.33%,33.33%,33.33%}') AS thirds,
       flux.repartir(2, '{33.33%,33.33%,33.33%}') AS two_for_three;

-- big totals, no overflow
SELECT flux.repartir(2147483647, '{33.33%,33.33%,33.34%}');

-- the quota rule on many share sets: every count is the floor or the ceiling
-- of its quota, and the counts plus the unreserved share make the total
WITH cases AS (
	SELECT c, t AS total,
	       ARRAY[(c * 7 % 3001)::numeric / 100, (c * 13 % 2003)::numeric / 100,
	             (c * 29 % 1999)::numeric / 100, (c * 3 % 997)::numeric / 100]::flux.taux[] AS parts
	  FROM generate_series(1, 300) c, (VALUES (0), (1), (7), (80), (650), (1001)) v(t)
), results AS (
	SELECT total, parts, flux.repartir(total, parts) AS counts FROM cases
)
SELECT count(*) AS cases,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM unnest(parts::numeric[], counts) u(p, n)
            WHERE n NOT IN (floor(total * p / 100), ceil(total * p / 100))))
           AS quota_violations,
       count(*) FILTER (WHERE
           total - (SELECT sum(n) FROM unnest(counts) n) NOT IN
               (floor(total * (100 - (SELECT sum(p) FROM unnest(parts::numeric[]) p)) / 100),
                ceil(total * (100 - (SELECT sum(p) FROM unnest(parts::numeric[]) p)) / 100)))
           AS unreserved_violations
  FROM results;

-- fails: shares above 100 % (no surbooking)
SELECT flux.repartir(10, '{60%,50%}');
-- fails: negative total
SELECT flux.repartir(-1, '{10%}');
-- fails: a NULL share
SELECT flux.repartir(10, '{10%,NULL}');
-- fails: a two-dimensional array
SELECT flux.repartir(10, '{{10%},{20%}}');

-- taux_reservataire rounds half up to the hundredth of a percent
SELECT flux.taux_reservataire(1, 3) AS third, flux.taux_reservataire(2, 3) AS two_thirds,
       flux.taux_reservataire(1, 20000) AS half_hundredth,
       flux.taux_reservataire(1, 20001) AS below_half,
       flux.taux_reservataire(0, 5) AS nothing, flux.taux_reservataire(1000, 1000) AS everything;
-- fails: an empty stock
SELECT flux.taux_reservataire(10, 0);
-- fails: more reserved than the stock
SELECT flux.taux_reservataire(1001, 1000);
-- fails: negative counts
SELECT flux.taux_reservataire(-1, 1000);

-- workflow_concurrence: what the isolation specs (specs/bail_concurrent,
-- candidats_concurrents, compteurs_concurrents, origine_echeance) rest on,
-- checked in one session (0.9.0): one lease per orientation and per
-- vacancy, the counters kept in step by statements that add and take, and
-- the history's origine, which no setting, hand-written row or look-alike
-- function can make the sweep's.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SET datestyle = 'ISO, YMD';
SELECT plan(16);

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9800, '552049800', 'B concurrence', 'esh');
INSERT INTO reservataire (id, nom, categorie) VALUES (9800, 'Etat concurrence', 'etat');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (9800, 9800, 9800, '74', '30%', '2024-01-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 9800 + i, 9800, 'K' || i, '74218', i % 2 = 0, 'C', 1 + i % 5, 13, true, 2000 FROM generate_series(1, 6) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible)
SELECT 9800 + i, 9800 + i, '2025-01-02', '2025-02-01' FROM generate_series(1, 6) i;

-- an attributed orientation, two candidates who both accepted
CREATE FUNCTION pg_temp.attribuer(o bigint, v bigint, k bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO flux.orientation (id, vacance_id, convention_id, date_orientation) VALUES (o, v, 9800, '2025-09-01');
	UPDATE flux.orientation SET etat = 'acceptee', date_reponse = '2025-09-02' WHERE id = o;
	INSERT INTO flux.candidature (id, orientation_id, nud, rang, date_designation)
	SELECT c, o, '0740925' || lpad(c::text, 5, '0'), r, '2025-09-05' FROM unnest(k) WITH ORDINALITY AS u(c, r);
	UPDATE flux.candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-09-10' WHERE id = ANY (k);
	UPDATE flux.candidature SET date_proposition = '2025-09-12' WHERE id = ANY (k);
	UPDATE flux.candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-09-15' WHERE id = ANY (k);
END
$$;

-- one lease per orientation
SELECT index_is_unique('flux', 'candidature', 'candidature_un_bail_par_orientation', 'index: one lease per orientation, unique');
SELECT index_is_unique('flux', 'orientation', 'orientation_un_bail_par_vacance', 'index: one leased orientation per vacancy, unique');
SELECT pg_temp.attribuer(9801, 9801, '{98011,98012}');
SELECT lives_ok($$UPDATE candidature SET date_bail = '2025-10-01' WHERE id = 98011$$, 'bail: the first candidate signs');
SELECT throws_ok($$UPDATE candidature SET date_bail = '2025-10-02' WHERE id = 98012$$, '23505',
	'orientation 9801 already has a lease: candidate 98011 signed on 2025-10-01', 'bail: the second candidate of the orientation is refused (23505)');
SELECT results_eq($$SELECT count(*) FROM candidature WHERE orientation_id = 9801 AND date_bail IS NOT NULL$$,
	$$VALUES (1::bigint)$$, 'bail: one lease recorded');

-- one lease per vacancy: an orientation dated before the lease is still
-- accepted (the history may be recorded late), but cannot be let again
SELECT lives_ok($$SELECT pg_temp.attribuer(9802, 9801, '{98021}')$$, 'bail: a late orientation of the let vacancy, dated before its lease');
SELECT throws_ok($$UPDATE candidature SET date_bail = '2025-09-20' WHERE id = 98021$$, '23505',
	'duplicate key value violates unique constraint "orientation_un_bail_par_vacance"',
	'bail: a vacancy is let once, whatever its orientations');

-- from here on, a session that sets what the sweep set until 0.8.0
SET LOCAL flux.origine = 'echeance';

-- the counters, by a statement that adds and takes at once
SELECT pg_temp.attribuer(9803, 9803, '{98031}');
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9804, 9804, 9800, '2025-09-01'), (9805, 9805, 9800, '2025-09-01');
UPDATE orientation SET etat = CASE id WHEN 9804 THEN 'annulee' ELSE 'acceptee' END::etat_orientation,
	   date_reponse = CASE id WHEN 9805 THEN '2025-09-02'::date END, motif = 'x'
 WHERE id IN (9804, 9805);
SELECT results_eq(
	$$SELECT k.destination, k.dimension, k.valeur, k.n FROM compteur_orientation k WHERE k.bailleur_id = 9800 ORDER BY 1, 2, 3$$,
	$$SELECT ds.destination, dv.dimension::smallint, dv.valeur, count(*)::integer
		FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id
		LEFT JOIN convention c ON c.id = o.convention_id
	   CROSS JOIN LATERAL (VALUES (coalesce(o.convention_id, 0)), (-1::bigint)) ds(destination)
	   CROSS JOIN LATERAL (SELECT 0 AS dimension, '' AS valeur UNION ALL
						   SELECT d, (segments(l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct))[d] FROM generate_series(1, 5) d) dv
	   WHERE l.bailleur_id = 9800 AND compte_au_quota(o.etat, o.hors_flux, c.refus_compte_quota)
	   GROUP BY 1, 2, 3 ORDER BY 1, 2, 3$$,
	'compteurs: equal to a recount after statements that add and take orientations');

-- the sweep's origine: no setting labels a user's change
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9806, 9806, 9800, '2025-09-01');
UPDATE orientation SET etat = 'refusee', date_reponse = '2025-09-02', motif = 'forged' WHERE id = 9806;
SELECT results_eq($$SELECT de, vers, origine FROM orientation_historique WHERE orientation_id = 9806 ORDER BY id$$,
	$$VALUES (NULL::text, 'proposee'::text, 'utilisateur'::text), ('proposee', 'refusee', 'utilisateur')$$,
	'origine: SET flux.origine = ''echeance'' no longer labels a user''s change');
SELECT results_eq($$SELECT origine FROM orientation_historique WHERE candidature_id = 98031 ORDER BY id$$,
	$$VALUES ('utilisateur'::text), ('utilisateur'), ('utilisateur'), ('utilisateur')$$,
	'origine: nor a candidate''s step');
-- a row written by hand
SELECT throws_ok($$INSERT INTO orientation_historique (orientation_id, de, vers, origine) VALUES (9806, 'proposee', 'expiree', 'echeance')$$,
	'42501', 'history of orientation 9806: origine echeance is the deadline sweep''s', 'origine: a hand-written row claiming the sweep''s is refused');
-- a function of the same name and body as the sweep, outside schema flux
CREATE FUNCTION pg_temp.appliquer_echeances(a_la_date timestamptz) RETURNS SETOF bigint LANGUAGE plpgsql AS $$
DECLARE
	jour date := a_la_date::date;
BEGIN
	RETURN QUERY
	UPDATE flux.orientation o SET etat = 'annulee', motif = 'look-alike' WHERE o.id = 9807 AND jour IS NOT NULL
	RETURNING o.id AS echeance;
END
$$;
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9807, 9802, 9800, '2025-09-01');
SELECT is((SELECT count(*) FROM pg_temp.appliquer_echeances(now())), 1::bigint, 'origine: a look-alike sweep changes an orientation');
SELECT results_eq($$SELECT vers, origine FROM orientation_historique WHERE orientation_id = 9807 ORDER BY id DESC LIMIT 1$$,
	$$VALUES ('annulee'::text, 'utilisateur'::text)$$, 'origine: the look-alike''s change is the user''s');
-- the flag is the backend's, raised by flux.appliquer_echeances only
SELECT is(origine_courante(), 'utilisateur', 'origine: outside the sweep, a change is the user''s');
-- and the real one
SELECT results_eq($$SELECT orientation_id, de, vers FROM appliquer_echeances('2025-10-01') WHERE orientation_id BETWEEN 9801 AND 9899$$,
	$$VALUES (9805::bigint, 'acceptee'::text, 'restituee'::text)$$, 'origine: the sweep returns its change') ;
SELECT results_eq($$SELECT vers, origine FROM orientation_historique WHERE orientation_id = 9805 ORDER BY id DESC LIMIT 1$$,
	$$VALUES ('restituee'::text, 'echeance'::text)$$, 'origine: the sweep''s change is the sweep''s');

SELECT * FROM finish();
ROLLBACK;

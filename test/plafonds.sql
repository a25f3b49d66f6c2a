-- plafonds: the legal caps of shares (0.3.0), with their SQLSTATEs
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(13);

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (950, '900000950', 'B caps', 'esh');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES
	(950, 'Etat caps', 'etat', NULL), (951, 'Agents caps', 'etat_agents', NULL),
	(952, 'Publier caps', 'commune', '74218'), (953, 'Employeur caps', 'employeur', NULL);
SELECT setval('flux.convention_id_seq', greatest(nextval('flux.convention_id_seq'), 950));

-- the seeds: 20 % on guarantees, 25 % with a land counterpart, not without
SELECT lives_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (950, 952, '74', '20%', '2024-01-01')$$, 'a commune at 20 % on loan guarantees');
SELECT throws_ok($$UPDATE convention SET taux = '25%' WHERE reservataire_id = 952$$, '23514', NULL, 'a commune at 25 % on guarantees alone is refused');
SELECT lives_ok($$UPDATE convention SET taux = '25%', taux_contrepartie = '5%', contrepartie = 'terrain' WHERE reservataire_id = 952$$, 'a commune at 20 % + 5 % for land is accepted');
SELECT throws_ok($$UPDATE convention SET taux_contrepartie = '5%', contrepartie = NULL WHERE reservataire_id = 952$$, '23514', NULL, 'a counterpart share needs its counterpart');
-- the State
SELECT lives_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (950, 950, '74', '25%', '2024-01-01')$$, 'the State at 25 %');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (950, 951, '74', '6%', '2024-01-01')$$, '23514', NULL, 'agents above 5 %');
SELECT lives_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (950, 951, '74', '5%', '2024-01-01')$$, 'agents at 5 % (State 30 %)');
SELECT throws_ok($$UPDATE convention SET taux = '26%' WHERE reservataire_id = 950$$, '23514', NULL, 'the State above 30 %');
INSERT INTO derogation_prefet (bailleur_id, departement, taux_max, date_debut, date_fin, arrete)
VALUES (950, '74', '40%', '2024-01-01', '2025-01-01', 'Arrêté test');
SELECT lives_ok($$UPDATE convention SET taux = '35%', date_fin = '2025-01-01' WHERE reservataire_id = 950$$, 'the State at 40 % within a préfet derogation');
SELECT throws_ok($$UPDATE convention SET date_fin = NULL WHERE reservataire_id = 950$$, '23514', NULL, 'not beyond the derogation');
SELECT throws_ok($$INSERT INTO derogation_prefet (bailleur_id, departement, taux_max, date_debut, date_fin, arrete) VALUES (950, '74', '40%', '2025-01-01', '2026-02-01', 'x')$$, '23514', NULL, 'a derogation lasts one year at most');
-- no surbooking: 25 + 35 + 5 = 65 on Publier in 2024
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (950, 953, '74', '35.01%', '2024-01-01')$$, '23514',
                 'shares of bailleur 950''s flux in commune 74218 on 2024-01-01 would add up to 100.01%, more than 100%', 'no surbooking');

-- views apply the reader's rights, but the bilans (0.11.0: a share needs
-- every row of the territory; granted to the staff and BI only) and the
-- partners' views of them, which keep the caller's rows (docs/security.md)
SELECT is((SELECT array_agg(relname::text ORDER BY relname::text) FROM pg_class
            WHERE relnamespace = 'flux'::regnamespace AND relkind = 'v'
              AND NOT coalesce(reloptions, '{}') @> '{security_invoker=true}'),
          '{bilan_detaille,bilan_etapes,bilan_hors_flux,bilan_obligations,bilan_orientation,bilan_reservataire,bilan_territoire,mes_etapes,mes_obligations,mon_bilan,soustractions_previsionnelles,transmissions}',
          'every view is security_invoker but the bilans and the partners'' views of them');

SELECT * FROM finish();
ROLLBACK;

-- bilan_communes: the units freed on the communes of a convention
-- restricted to them (flux.bilan_reservataire.dus_sur_liberes), counted
-- once per commune in one pass since 0.13.0, equal 0.12.0's subquery per
-- convention (copied below as the reference): a commune listed twice counts
-- once, a commune where the convention was proposed nothing counts, a
-- cancelled orientation and a unit outside the communes do not, an
-- orientation outside the flux of the bailleur's own share does.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SELECT plan(4);

INSERT INTO flux.commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551'), ('74281', 'Thonon-les-Bains', '200067551'),
	('74010', 'Anthy-sur-Léman', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (97001, '552097001', 'Bailleur des communes', 'esh');
INSERT INTO flux.reservataire (id, nom, categorie, depcom, epci) VALUES (97001, 'Etat', 'etat', NULL, NULL), (97002, 'Thonon Agglomeration', 'epci', NULL, '200067551');
INSERT INTO flux.convention (id, bailleur_id, reservataire_id, departement, taux, date_effet, communes)
VALUES (97001, 97001, 97001, '74', '30%', '2024-01-01', NULL),
	   (97002, 97001, 97002, '74', '20%', '2024-01-01', '{74218,74218,74281}');
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 97000 + i, 97001, 'C' || i, (ARRAY['74218', '74218', '74281', '74010', '74281', '74010', '74281'])[i], false, 'C', 2, 13, true, 2000
  FROM generate_series(1, 7) i;
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible)
SELECT 97000 + i, 97000 + i, '2025-01-02', '2025-02-01' FROM generate_series(1, 7) i;
-- Publier: one to the commune, one to the State; Thonon: one to the State,
-- one cancelled; outside the communes: one to the State, one of the
-- bailleur's own share; Thonon again, a second year
INSERT INTO flux.orientation (vacance_id, convention_id, hors_flux, date_orientation) VALUES
	(97001, 97002, NULL, '2025-03-03'), (97002, 97001, NULL, '2025-03-04'), (97003, 97001, NULL, '2025-03-05'),
	(97005, 97001, NULL, '2025-03-06'), (97004, 97001, NULL, '2025-03-07'), (97006, NULL, 'non_reserve', '2025-03-10'),
	(97007, 97001, NULL, '2026-03-02');
UPDATE flux.orientation SET etat = 'annulee', motif = 'essai' WHERE vacance_id = 97005;

-- 0.12.0's count, per restricted convention
CREATE TEMP TABLE reference AS
SELECT p.annee, p.convention_id,
	   (SELECT count(DISTINCT o.vacance_id)
		  FROM flux.orientation o
		  JOIN flux.vacance v ON v.id = o.vacance_id
		  JOIN flux.logement l ON l.id = v.logement_id
		  LEFT JOIN flux.convention cv ON cv.id = o.convention_id
		 WHERE l.bailleur_id = p.bailleur_id AND l.departement = p.departement AND l.depcom = ANY (c.communes)
		   AND o.date_orientation >= make_date(p.annee, 1, 1) AND o.date_orientation < make_date(p.annee + 1, 1, 1)
		   AND o.etat <> 'annulee' AND (cv.regime = 'flux' OR o.hors_flux = 'non_reserve')) AS liberes
  FROM flux.bilan_reservataire p JOIN flux.convention c ON c.id = p.convention_id
 WHERE p.bailleur_id = 97001 AND c.communes IS NOT NULL;

SELECT is((SELECT liberes FROM reference WHERE annee = 2025 AND convention_id = 97002), 3::bigint,
		  'the reference: 3 units freed on Publier and Thonon in 2025 (the cancelled one and the units outside left out)');
SELECT results_eq($$SELECT b.annee, b.convention_id, b.dus_sur_liberes, b.ecart_proposes FROM flux.bilan_reservataire b
					 WHERE b.bailleur_id = 97001 AND b.convention_id = 97002 ORDER BY 1$$,
				  $$SELECT r.annee, r.convention_id, round(0.20 * r.liberes, 2), round(1 - 0.20 * r.liberes, 2) FROM reference r ORDER BY 1$$,
				  'a restricted convention is due its share of its communes'' units freed, as 0.12.0 counted them');
SELECT is((SELECT dus_sur_liberes FROM flux.bilan_reservataire WHERE bailleur_id = 97001 AND convention_id = 97002 AND annee = 2025),
		  0.60, '20 % of 3 units: 0.60 (Publier listed twice counts once)');
SELECT is((SELECT dus_sur_liberes FROM flux.bilan_reservataire WHERE bailleur_id = 97001 AND convention_id = 97001 AND annee = 2025),
		  round(0.30 * (SELECT logements_liberes FROM flux.bilan_reservataire WHERE bailleur_id = 97001 AND convention_id = 97001 AND annee = 2025), 2),
		  'a convention of the whole département is due its share of every unit freed');

SELECT * FROM finish();
ROLLBACK;

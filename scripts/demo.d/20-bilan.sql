-- scripts/demo.d/20-bilan.sql — a year of a sample bailleur through the
-- whole workflow, then its 28 February bilan and obligations, and the EPCI
-- report files written under $FLUX_DEMO_OUT (scripts/demo names it): the
-- EPCI's CSV by commune in the standard and the fr formats, the HTML bilan.
-- Generates the sample once (bailleur 1000); safe to run again.

\echo
\echo '== 5. A year of gestion en flux: a sample bailleur, 2025'
SET client_min_messages = warning;
DO $$
DECLARE
	v record;
	c bigint;
	o bigint;
	k bigint;
	i integer := 0;
BEGIN
	IF EXISTS (SELECT 1 FROM flux.bailleur WHERE id = 1000) THEN
		RETURN;
	END IF;
	INSERT INTO flux.commune (depcom, nom, epci) VALUES
		('74218', 'Publier', '200067551'), ('74281', 'Thonon-les-Bains', '200067551'),
		('74010', 'Amphion-les-Bains', '200067551'), ('74263', 'Sciez', '200067551')
		ON CONFLICT (depcom) DO NOTHING;
	INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (1000, '270000001', 'Office démo de l''habitat', 'oph');
	INSERT INTO flux.reservataire (id, nom, categorie, depcom) VALUES
		(1000, 'Préfet de la Haute-Savoie (démo)', 'etat', NULL),
		(1001, 'Préfet, agents de l''État (démo)', 'etat_agents', NULL),
		(1002, 'Ville de Thonon-les-Bains (démo)', 'commune', '74281'),
		(1003, 'Action Logement Services (démo)', 'action_logement', NULL),
		(1004, 'Hôpitaux du Léman (démo)', 'employeur', NULL),
		(1005, 'Évian Resort (démo)', 'employeur', NULL),
		(1006, 'CAF de la Haute-Savoie (démo)', 'organisme_desinteresse', NULL);
	-- the EPCI of the four communes: no convention with this bailleur, but
	-- the reports call it by its name (flux.nom_epci)
	INSERT INTO flux.reservataire (id, nom, categorie, epci) VALUES
		(1007, 'Thonon Agglomération (démo)', 'epci', '200067551');
	INSERT INTO flux.convention (id, bailleur_id, reservataire_id, departement, taux, date_effet, reference) VALUES
		(1000, 1000, 1000, '74', '25%', '2024-01-01', 'DDETS-74-2024-01'),
		(1001, 1000, 1001, '74', '5%', '2024-01-01', 'DDETS-74-2024-02'),
		(1002, 1000, 1002, '74', '10%', '2024-01-01', 'THONON-2024'),
		(1003, 1000, 1003, '74', '20%', '2024-01-01', 'ALS-ARA-2024'),
		(1004, 1000, 1004, '74', '2%', '2024-01-01', 'HDL-2024'),
		(1005, 1000, 1005, '74', '2%', '2024-01-01', 'ER-2024'),
		(1006, 1000, 1006, '74', '1%', '2024-01-01', 'CAF-2024');
	INSERT INTO flux.parametre_annuel (bailleur_id, departement, annee, taux_rotation, prevision_mutation, date_communication)
	VALUES (1000, '74', 2025, 9, 4, '2025-02-20');
	INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, construct, locat)
	SELECT 1000000 + n, 1000, 'OD' || n, (ARRAY['74218', '74281', '74010', '74263'])[1 + n % 4],
		   n % 4 = 1 AND n % 3 = 0, 'C', 1 + n % 5, 25 + 14 * (n % 5),
		   (ARRAY[10, 13, 13, 13, 14])[1 + n % 5], true, 1955 + n % 65, 1990
	  FROM generate_series(1, 400) n;
	INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible)
	SELECT 100000 + n, 1000000 + 1 + (n * 7) % 400, date '2025-01-02' + n * 5, date '2025-01-20' + n * 5 FROM generate_series(1, 60) n;

	FOR v IN SELECT * FROM flux.vacance WHERE id BETWEEN 100001 AND 100060 ORDER BY id LOOP
		i := i + 1;
		IF i % 12 = 0 THEN
			-- a mutation, outside the flux
			INSERT INTO flux.orientation (vacance_id, hors_flux, date_orientation)
			VALUES (v.id, 'mutation', v.date_disponible) RETURNING id INTO o;
		ELSE
			SELECT r.convention_id INTO c FROM flux.recommander(v.id, v.date_disponible) r WHERE r.rang = 1;
			o := flux.orienter(v.id, c, v.date_disponible);
			IF c IS NOT NULL THEN
				IF i % 9 = 0 THEN
					UPDATE flux.orientation SET etat = 'refusee', date_reponse = v.date_disponible + 1,
						   motif = 'pas de demandeur pour cette typologie' WHERE id = o;
					CONTINUE;
				END IF;
				UPDATE flux.orientation SET etat = 'acceptee', date_reponse = v.date_disponible + 1 WHERE id = o;
			END IF;
		END IF;
		INSERT INTO flux.candidature (orientation_id, nud, rang, designe_par, date_designation, dalo, prioritaire,
									  critere_priorite, quartile, personnes, ressources)
		VALUES (o, '07401' || lpad(v.id::text, 10, '0'), 1,
				CASE WHEN c IS NULL OR i % 12 = 0 THEN 'bailleur' ELSE 'reservataire' END::flux.designe_par,
				v.date_disponible + 3, i % 7 = 0, i % 3 = 0, CASE WHEN i % 7 = 0 OR i % 3 = 0 THEN 'L. 441-1' END,
				(1 + i % 4)::smallint, 1 + i % 4, 900 + 300 * (i % 5))
		RETURNING id INTO k;
		UPDATE flux.candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = v.date_disponible + 10 WHERE id = k;
		UPDATE flux.candidature SET date_proposition = v.date_disponible + 11, loyer = 420, charges = 60,
			   aide_logement = 100, mentions_dalo = dalo WHERE id = k;
		IF i % 10 = 0 THEN
			UPDATE flux.candidature SET reponse_menage = 'refusee', date_reponse_menage = v.date_disponible + 14,
				   motif_refus = 'trop loin du travail' WHERE id = k;
			CONTINUE;
		END IF;
		UPDATE flux.candidature SET reponse_menage = 'acceptee', date_reponse_menage = v.date_disponible + 14 WHERE id = k;
		UPDATE flux.candidature SET date_bail = v.date_disponible + 30 WHERE id = k;
	END LOOP;
END $$;

\echo '   The bilan sent to each réservataire before 28 February 2026:'
SELECT reservataire, taux_du AS "part due %", proposes, dus_sur_liberes AS "dus sur libérations", ecart_proposes AS ecart,
       attribues, baux, part_baux AS "part des baux %"
  FROM flux.bilan_reservataire WHERE bailleur_id = 1000 AND annee = 2025 ORDER BY taux_du DESC, reservataire;

\echo '   The obligations:'
SELECT obligation, coalesce(reservataire, 'tous') AS reservataire, concernes, atteints, taux AS "taux %",
       objectif AS "objectif %", CASE WHEN conforme THEN 'oui' ELSE 'non' END AS conforme, manque
  FROM flux.bilan_obligations WHERE bailleur_id = 1000 AND annee = 2025
 ORDER BY obligation, reservataire NULLS FIRST;

\getenv dossier FLUX_DEMO_OUT
\set html :dossier '/bilan-2025-office-demo.html'
-- The EPCI's bilan by commune as CSV, in both formats (docs/bilans.md
-- "CSV"): standard (',' and a decimal point) and fr (';', decimal comma,
-- UTF-8 with BOM: a French spreadsheet opens it with a double click).  The
-- document goes out base64-encoded and is decoded by the shell, so that the
-- file holds exactly its UTF-8 bytes whatever the client encoding, without
-- the line end psql adds after a value ($FLUX_DEMO_OUT: scripts/demo sets it).
\pset format unaligned
\pset tuples_only on
\o | base64 -d > "$FLUX_DEMO_OUT/bilan-2025-epci-200067551-communes.csv"
SELECT encode(convert_to(flux.csv_epci('200067551', 2025, 'communes'), 'UTF8'), 'base64');
\o | base64 -d > "$FLUX_DEMO_OUT/bilan-2025-epci-200067551-communes-fr.csv"
SELECT encode(convert_to(flux.csv_epci('200067551', 2025, 'communes', 'fr'), 'UTF8'), 'base64');
\o :html
SELECT flux.rapport_html(1000, '74', 2025);
\o
\pset format aligned
\pset tuples_only off
\echo '   The EPCI\'s bilan by commune, the units each once (flux.rapport_epci_communes):'
SELECT commune, proposes, dans_le_flux, hors_flux, attribues, baux
  FROM flux.rapport_epci_communes('200067551', 2025) WHERE bailleur_siren = '270000001';
\echo '   The EPCI report (CSV, standard and fr) and the HTML bilan were written to' :dossier

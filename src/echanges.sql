--
-- src/echanges.sql: the exchanges the conventions require: the events a
--   bailleur reports to the SNE, the DALO households' refusals it sends to the
--   DDETS
--
-- C: none
-- Builds on: workflow.sql, bilan.sql
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- The SNE events
--------------------------------------------------------------------------

/*
 * Publier art. 6.2: "Le bailleur s'engage a renseigner sans delai le SNE
 * [...] : les propositions de logements ; les resultats de la CAL (les refus
 * doivent etre motives) ; les refus des candidats, en precisant, s'ils
 * existent, les motifs invoques", and at the lease "precisera le motif de
 * priorite retenu ainsi que le reservataire d'imputation".  One row per
 * event, read from the candidate's own columns (the workflow writes each
 * step once: a CALEOL decision is never rewritten, a proposal, an answer
 * and a lease are recorded once, src/workflow.sql), so an event's id is
 * stable: the candidate's id x 10 + 1 (CALEOL decision), 2 (proposal),
 * 3 (household's refusal or silence), 4 (lease).  Within one candidate the
 * ids follow the order of its steps.
 *
 * The réservataire charged with a lease is flux.decompte's rule: on a
 * convention, its réservataire when it designated the household, under
 * delegated management, or when the bailleur recorded so
 * (bailleur_compte_pour_reservataire); the bailleur's unreserved share is
 * its own; a first letting stays in stock (Ornex art. 5.3) with the unit's
 * stock réservataire; any other unit outside the flux is charged to no
 * contingent (FAQ: "ils ne seront pas imputes a un contingent de
 * reservation").
 */
CREATE VIEW flux.evenements_sne WITH (security_invoker = true) AS
SELECT k.id * 10 + e.code AS evenement_id, e.evenement, e.date_evenement,
	   extract(year FROM e.date_evenement)::integer AS annee,
	   bo.bailleur_id, bo.bailleur, b.siren AS siren_bailleur, bo.departement,
	   k.nud, k.id AS candidature_id, o.id AS orientation_id,
	   bo.logement_id, l.ident_rep AS numero_rpls, l.ident_int, bo.depcom, bo.commune,
	   bo.convention_id, bo.reservataire_id, bo.reservataire, c.mode::text AS gestion,
	   bo.hors_flux, k.designe_par::text AS designe_par,
	   k.dalo, k.dalo OR k.prioritaire AS prioritaire, k.critere_priorite,
	   CASE WHEN e.code = 1 THEN
		   CASE k.decision_caleol WHEN 'attribution' THEN 'attribution'
								  WHEN 'attribution_sous_condition' THEN 'attribution sous condition'
								  WHEN 'non_attribution' THEN 'non-attribution'
								  WHEN 'irrecevable' THEN 'irrecevable' END END AS decision_caleol,
	   CASE WHEN e.code = 1 THEN k.rang_caleol::integer END AS rang_caleol,
	   CASE WHEN e.code = 1 THEN k.motif_caleol END AS motif_caleol,
	   CASE WHEN e.code = 2 THEN k.echeance_reponse_menage END AS echeance_reponse,
	   CASE WHEN e.code = 3 THEN
		   CASE k.reponse_menage WHEN 'refusee' THEN 'refus' ELSE 'absence de réponse' END END AS reponse_menage,
	   -- the reasons the household invoked; silence invokes none (the
	   -- sweep's own note in motif_refus is not the household's)
	   CASE WHEN e.code = 3 AND k.reponse_menage = 'refusee' THEN k.motif_refus END AS motif_refus,
	   CASE WHEN e.code = 4 THEN i.reservataire_id END AS reservataire_impute_id,
	   CASE WHEN e.code = 4 THEN ri.nom END AS reservataire_impute,
	   CASE WHEN e.code = 4 THEN i.imputation END AS imputation,
	   CASE WHEN e.code = 4 AND (k.dalo OR k.prioritaire) THEN k.critere_priorite END AS motif_priorite
  FROM flux.candidature k
  -- the orientation's unit, bailleur, commune and destination as every
  -- bilan has them
  JOIN flux.bilan_orientation bo ON bo.orientation_id = k.orientation_id
  JOIN flux.orientation o ON o.id = k.orientation_id
  JOIN flux.logement l ON l.id = bo.logement_id
  JOIN flux.bailleur b ON b.id = bo.bailleur_id
  LEFT JOIN flux.convention c ON c.id = o.convention_id
 CROSS JOIN LATERAL (VALUES
	(1, 'decision_caleol', k.date_caleol),
	(2, 'proposition', k.date_proposition),
	(3, 'refus_menage', CASE WHEN k.reponse_menage IN ('refusee', 'sans_reponse') THEN k.date_reponse_menage END),
	(4, 'bail', k.date_bail)) e (code, evenement, date_evenement)
 -- who is charged with the unit: flux.decompte's rule on a convention
 CROSS JOIN LATERAL (
	SELECT CASE WHEN o.convention_id IS NOT NULL
					 AND flux.compte_pour_reservataire(k.designe_par, c.mode, o.bailleur_compte_pour_reservataire)
					THEN c.reservataire_id
				WHEN o.hors_flux = 'premiere_location' THEN l.stock_reservataire_id END AS reservataire_id,
		   CASE WHEN o.convention_id IS NOT NULL
					 AND flux.compte_pour_reservataire(k.designe_par, c.mode, o.bailleur_compte_pour_reservataire)
					THEN 'contingent du réservataire'
				WHEN o.convention_id IS NOT NULL THEN 'aucun contingent : candidat désigné par le bailleur'
				WHEN o.hors_flux = 'non_reserve' THEN 'part non réservée du bailleur'
				WHEN o.hors_flux = 'premiere_location' AND l.stock_reservataire_id IS NOT NULL
					THEN 'stock du réservataire (première mise en location)'
				ELSE 'aucun contingent : hors flux (' || flux.libelle_hors_flux(o.hors_flux::text) || ')' END AS imputation) i
  LEFT JOIN flux.reservataire ri ON ri.id = i.reservataire_id
 WHERE e.date_evenement IS NOT NULL
 ORDER BY e.date_evenement, k.id * 10 + e.code;

COMMENT ON VIEW flux.evenements_sne IS
	'The events a bailleur reports to the SNE (Publier art. 6.2), one row each, by date then id: CALEOL decisions with their reasons, proposals to households, household refusals, leases with the réservataire charged and the priority reason; evenement_id is stable, for sending each event once';

COMMENT ON COLUMN flux.evenements_sne.evenement_id IS
	'Stable id of the event: candidature_id x 10 + 1 (decision_caleol), 2 (proposition), 3 (refus_menage), 4 (bail); send each id once';

COMMENT ON COLUMN flux.evenements_sne.evenement IS 'Kind of event: decision_caleol, proposition, refus_menage or bail';

COMMENT ON COLUMN flux.evenements_sne.date_evenement IS
	'Date of the event: date_caleol, date_proposition, date_reponse_menage (the deadline when silent) or date_bail of flux.candidature';

COMMENT ON COLUMN flux.evenements_sne.annee IS 'Year of the event';

COMMENT ON COLUMN flux.evenements_sne.bailleur_id IS 'The bailleur (of the unit)';

COMMENT ON COLUMN flux.evenements_sne.bailleur IS 'Its name';

COMMENT ON COLUMN flux.evenements_sne.siren_bailleur IS 'Its SIREN';

COMMENT ON COLUMN flux.evenements_sne.departement IS 'Département of the unit';

COMMENT ON COLUMN flux.evenements_sne.nud IS 'Numéro unique (départemental) of the household''s application in the SNE';

COMMENT ON COLUMN flux.evenements_sne.candidature_id IS 'The candidate (flux.candidature)';

COMMENT ON COLUMN flux.evenements_sne.orientation_id IS 'The orientation';

COMMENT ON COLUMN flux.evenements_sne.logement_id IS 'The unit';

COMMENT ON COLUMN flux.evenements_sne.numero_rpls IS 'RPLS number of the unit (IDENT_REP; NULL for a brand-new unit)';

COMMENT ON COLUMN flux.evenements_sne.ident_int IS 'The bailleur''s own identifier of the unit (RPLS IDENT_INT)';

COMMENT ON COLUMN flux.evenements_sne.depcom IS 'INSEE code of the commune';

COMMENT ON COLUMN flux.evenements_sne.commune IS 'Name of the commune';

COMMENT ON COLUMN flux.evenements_sne.convention_id IS 'The convention the unit was oriented to (NULL: outside the flux)';

COMMENT ON COLUMN flux.evenements_sne.reservataire_id IS 'The réservataire the unit was oriented to (NULL: outside the flux)';

COMMENT ON COLUMN flux.evenements_sne.reservataire IS 'Its name';

COMMENT ON COLUMN flux.evenements_sne.gestion IS 'Management of the convention: directe or deleguee (NULL: outside the flux)';

COMMENT ON COLUMN flux.evenements_sne.hors_flux IS 'Motive outside the flux (NULL: on a convention; non_reserve: the bailleur''s own share)';

COMMENT ON COLUMN flux.evenements_sne.designe_par IS 'Who designated the household: reservataire or bailleur';

COMMENT ON COLUMN flux.evenements_sne.dalo IS 'Household recognised DALO';

COMMENT ON COLUMN flux.evenements_sne.prioritaire IS 'Priority household (DALO or L. 441-1 CCH)';

COMMENT ON COLUMN flux.evenements_sne.critere_priorite IS 'The priority criterion the réservataire gave at the designation (Publier art. 6.1)';

COMMENT ON COLUMN flux.evenements_sne.decision_caleol IS
	'On decision_caleol rows (else NULL): attribution, attribution sous condition, non-attribution or irrecevable';

COMMENT ON COLUMN flux.evenements_sne.rang_caleol IS 'On decision_caleol rows: the rank of an attribution';

COMMENT ON COLUMN flux.evenements_sne.motif_caleol IS
	'On decision_caleol rows: the CALEOL''s reason, as recorded (a refusal must be motivated, Publier art. 6.2)';

COMMENT ON COLUMN flux.evenements_sne.echeance_reponse IS 'On proposition rows: the last day for the household to answer';

COMMENT ON COLUMN flux.evenements_sne.reponse_menage IS 'On refus_menage rows: refus, or absence de réponse (silence until the deadline is a refusal)';

COMMENT ON COLUMN flux.evenements_sne.motif_refus IS
	'On refus_menage rows: the reasons the household invoked, if any (NULL when silent)';

COMMENT ON COLUMN flux.evenements_sne.reservataire_impute_id IS
	'On bail rows: the réservataire charged with the lease (flux.decompte''s rule; the stock réservataire for a first letting); NULL: none';

COMMENT ON COLUMN flux.evenements_sne.reservataire_impute IS 'On bail rows: its name';

COMMENT ON COLUMN flux.evenements_sne.imputation IS
	'On bail rows, in words: contingent du réservataire, part non réservée du bailleur, stock du réservataire, or aucun contingent and why';

COMMENT ON COLUMN flux.evenements_sne.motif_priorite IS
	'On bail rows: the priority reason retained (the criterion of a DALO or priority household; NULL: not a priority household)';

--------------------------------------------------------------------------
-- The DALO households' refusals, for the DDETS
--------------------------------------------------------------------------

/*
 * Publier art. 6.3: "Lors d'un refus d'un candidat DALO, le bailleur
 * transmet immediatement a la DDETS [...] les justificatifs produits par le
 * candidat a l'appui de son refus.  [...] la non-reponse aux sollicitations
 * du bailleur [...] est assimilee a un refus bien que dans ce cas, aucun
 * justificatif ne puisse etre produit.  Un ecrit du bailleur viendra
 * confirmer cette absence de reponse."  One row per DALO household that
 * refused a proposal or let its deadline pass, with what the offer was (its
 * deadline, its mandatory mentions, its suitability) and the household's
 * justification (flux.candidature.justificatif_refus).
 */
CREATE VIEW flux.refus_dalo WITH (security_invoker = true) AS
SELECT k.id AS candidature_id, k.date_reponse_menage AS date_refus,
	   extract(year FROM k.date_reponse_menage)::integer AS annee,
	   bo.bailleur_id, bo.bailleur, b.siren AS siren_bailleur, bo.departement,
	   k.nud, k.critere_priorite, o.id AS orientation_id,
	   bo.logement_id, l.ident_rep AS numero_rpls, l.ident_int, bo.depcom, bo.commune,
	   bo.reservataire_id, bo.reservataire,
	   k.date_proposition, k.echeance_reponse_menage AS echeance_reponse, k.mentions_dalo, k.offre_adaptee,
	   CASE k.reponse_menage WHEN 'refusee' THEN 'refus' ELSE 'absence de réponse' END AS nature,
	   CASE WHEN k.reponse_menage = 'refusee' THEN k.motif_refus END AS motif_invoque,
	   k.justificatif_refus AS justificatif,
	   CASE WHEN k.reponse_menage = 'sans_reponse'
			THEN 'absence de réponse assimilée à un refus : aucun justificatif ne peut être produit ; un écrit du bailleur confirme cette absence de réponse'
			WHEN k.justificatif_refus IS NULL THEN 'refus sans justificatif produit par le ménage'
			ELSE 'justificatif produit par le ménage à l''appui de son refus' END AS observation,
	   k.refus_valide_le
  FROM flux.candidature k
  -- the orientation's unit, bailleur, commune and destination as every
  -- bilan has them
  JOIN flux.bilan_orientation bo ON bo.orientation_id = k.orientation_id
  JOIN flux.orientation o ON o.id = k.orientation_id
  JOIN flux.logement l ON l.id = bo.logement_id
  JOIN flux.bailleur b ON b.id = bo.bailleur_id
  LEFT JOIN flux.convention c ON c.id = o.convention_id
 WHERE k.dalo AND k.reponse_menage IN ('refusee', 'sans_reponse')
 ORDER BY k.date_reponse_menage, k.id;

COMMENT ON VIEW flux.refus_dalo IS
	'The refusals of DALO households (a refusal, or silence until the deadline), with their justification, to send to the DDETS (Publier art. 6.3), by date then candidate';

COMMENT ON COLUMN flux.refus_dalo.candidature_id IS 'The candidate (flux.candidature): one row each, the id to send each refusal once';

COMMENT ON COLUMN flux.refus_dalo.date_refus IS 'Date of the refusal (date_reponse_menage; the deadline when silent)';

COMMENT ON COLUMN flux.refus_dalo.annee IS 'Year of the refusal';

COMMENT ON COLUMN flux.refus_dalo.bailleur_id IS 'The bailleur (of the unit)';

COMMENT ON COLUMN flux.refus_dalo.bailleur IS 'Its name';

COMMENT ON COLUMN flux.refus_dalo.siren_bailleur IS 'Its SIREN';

COMMENT ON COLUMN flux.refus_dalo.departement IS 'Département of the unit';

COMMENT ON COLUMN flux.refus_dalo.nud IS 'Numéro unique (départemental) of the household''s application in the SNE';

COMMENT ON COLUMN flux.refus_dalo.critere_priorite IS 'The priority criterion the réservataire gave at the designation';

COMMENT ON COLUMN flux.refus_dalo.orientation_id IS 'The orientation';

COMMENT ON COLUMN flux.refus_dalo.logement_id IS 'The unit';

COMMENT ON COLUMN flux.refus_dalo.numero_rpls IS 'RPLS number of the unit (IDENT_REP; NULL for a brand-new unit)';

COMMENT ON COLUMN flux.refus_dalo.ident_int IS 'The bailleur''s own identifier of the unit (RPLS IDENT_INT)';

COMMENT ON COLUMN flux.refus_dalo.depcom IS 'INSEE code of the commune';

COMMENT ON COLUMN flux.refus_dalo.commune IS 'Name of the commune';

COMMENT ON COLUMN flux.refus_dalo.reservataire_id IS 'The réservataire the unit was oriented to (NULL: outside the flux)';

COMMENT ON COLUMN flux.refus_dalo.reservataire IS 'Its name';

COMMENT ON COLUMN flux.refus_dalo.date_proposition IS 'Date of the written proposal';

COMMENT ON COLUMN flux.refus_dalo.echeance_reponse IS 'The deadline the proposal stated (date butoir)';

COMMENT ON COLUMN flux.refus_dalo.mentions_dalo IS 'The proposal carried the mandatory DALO mentions (Publier art. 6.3)';

COMMENT ON COLUMN flux.refus_dalo.offre_adaptee IS 'The offer suited the household (size, effort rate); NULL: unknown';

COMMENT ON COLUMN flux.refus_dalo.nature IS 'refus, or absence de réponse (assimilated to a refusal)';

COMMENT ON COLUMN flux.refus_dalo.motif_invoque IS 'The reasons the household invoked (NULL when silent)';

COMMENT ON COLUMN flux.refus_dalo.justificatif IS
	'The documents the household produced in support of its refusal (flux.candidature.justificatif_refus; NULL: none recorded)';

COMMENT ON COLUMN flux.refus_dalo.observation IS 'What the DDETS is told about the justification, in words';

COMMENT ON COLUMN flux.refus_dalo.refus_valide_le IS 'Date the réservataire validated the refusal as illegitimate (NULL: not validated)';

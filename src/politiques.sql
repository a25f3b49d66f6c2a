--
-- src/politiques.sql: who may do what: the grants of flux's five roles,
--   the functions left to PUBLIC, row-level security on every table with a
--   partner's or a household's data (docs/security.md, "Roles and
--   partners", the matrix)
--
-- C: none
-- Builds on: every concern before it (it is the last of the install script)
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--
-- A function or a table added later says its own grants where it is made;
-- the statements below name each object, never "ALL ... IN SCHEMA", so
-- that the audit's and the notifications' objects keep the grants their
-- own files give them.
--

--------------------------------------------------------------------------
-- Functions
--------------------------------------------------------------------------

/*
 * Left to PUBLIC, deliberately: the type flux.taux (input, output, binary
 * I/O, operators, casts, aggregates: a column of that type must stay
 * readable by whoever may read the column), and the pure calculators that
 * read no table: the calendar, repartir, taux_reservataire, echeancier,
 * entrelacer, droits_uniques, the suitable-offer checks (taux_effort,
 * surface_minimale, typologie_adaptee), fin_droits, annees_entre,
 * departement_de, reporter, etats_suivants, compte_pour_reservataire,
 * statut, the labels, the segments' codes, csv_ligne and csv_champ,
 * verifier_annee and verifier_departement; the aggregate decompte_etapes
 * (its support functions are revoked: PostgreSQL checks them against the
 * aggregate's owner).  Also flux.appelant, reservataire_courant and
 * epci_courant: the policies call them as the querying role, and they
 * return the caller's own mapping only.
 *
 * Everything else: EXECUTE revoked from PUBLIC, then granted to the roles
 * whose work needs it.
 */

-- the bailleur's work: the engine, the assiette, the forecast, the parts,
-- the conversion, the workflow's sweep and counters, the bilans' reports
REVOKE EXECUTE ON FUNCTION
	flux.classer_destinations(flux.taux[], bigint[], double precision[], double precision[], boolean[]),
	flux.classer_destinations(flux.taux[], bigint[], double precision[], double precision[], boolean[], double precision[]),
	flux.simuler_noyau(integer[], date[], date[], boolean[], boolean[], date[], integer[], integer[]),
	flux.simuler(bigint, text, integer, integer, integer),
	flux.recommander(bigint, date, boolean),
	flux.orienter(bigint, bigint, date, text),
	flux.expliquer_logement(bigint, integer),
	flux.assiette_communes(bigint, text, integer),
	flux.verifier_definition_rotation(flux.definition_rotation),
	flux.surestimations(bigint, text, integer),
	flux.flux_previsionnel(bigint, text, integer),
	flux.actualiser_taux(bigint, text, integer, boolean),
	flux.parts(bigint, text, integer),
	flux.part_etat(bigint, text, integer),
	flux.verifier_garanties_programmes(bigint[]),
	flux.reprise_prefet(bigint, date, text, bigint),
	flux.lever_reprise_prefet(bigint, date, text),
	flux.conversion(bigint, text, integer, numeric, integer, text, integer),
	flux.echeancier_conversion(bigint, text, integer, numeric, integer, text, integer),
	flux.premiere_attribution(bigint, flux.taux, flux.taux),
	flux.appliquer_echeances(timestamptz),
	flux.balayer_echeances(timestamptz),
	flux.origine_courante(),
	flux.orientation_toucher(bigint, text),
	flux.decompte(bigint, text, integer),
	flux.decompte_hors_flux(bigint, text, integer),
	flux.attributaire(bigint),
	flux.recalculer_attributaires(),
	flux.compteur_deltas(bigint[]),
	flux.compteur_ajouter(bigint[], integer),
	flux.compteur_appliquer(bigint[], bigint[]),
	flux.compteur_ecrire(flux.compteur_orientation[]),
	flux.recompter(),
	flux.verifier_annee_rapport(integer, bigint, text, bigint, text),
	flux.nom_epci(text),
	flux.rapport_html(bigint, text, integer),
	flux.rapport_reservataire_parts(bigint, integer),
	flux.rapport_reservataire_obligations(bigint, integer),
	flux.rapport_reservataire_detail(bigint, integer),
	flux.rapport_epci_communes(text, integer),
	flux.rapport_epci_destinations(text, integer),
	flux.rapport_epci_obligations(text, integer),
	flux.csv_document(text, text, integer, text),
	flux.csv_reservataire(bigint, integer, text, text),
	flux.csv_epci(text, integer, text, text)
	FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
	flux.classer_destinations(flux.taux[], bigint[], double precision[], double precision[], boolean[]),
	flux.classer_destinations(flux.taux[], bigint[], double precision[], double precision[], boolean[], double precision[]),
	flux.simuler_noyau(integer[], date[], date[], boolean[], boolean[], date[], integer[], integer[]),
	flux.simuler(bigint, text, integer, integer, integer),
	flux.recommander(bigint, date, boolean),
	flux.orienter(bigint, bigint, date, text),
	flux.expliquer_logement(bigint, integer),
	flux.assiette_communes(bigint, text, integer),
	flux.verifier_definition_rotation(flux.definition_rotation),
	flux.surestimations(bigint, text, integer),
	flux.flux_previsionnel(bigint, text, integer),
	flux.actualiser_taux(bigint, text, integer, boolean),
	flux.parts(bigint, text, integer),
	flux.part_etat(bigint, text, integer),
	flux.verifier_garanties_programmes(bigint[]),
	flux.reprise_prefet(bigint, date, text, bigint),
	flux.lever_reprise_prefet(bigint, date, text),
	flux.conversion(bigint, text, integer, numeric, integer, text, integer),
	flux.echeancier_conversion(bigint, text, integer, numeric, integer, text, integer),
	flux.premiere_attribution(bigint, flux.taux, flux.taux),
	flux.appliquer_echeances(timestamptz),
	flux.balayer_echeances(timestamptz),
	flux.origine_courante(),
	flux.orientation_toucher(bigint, text),
	flux.decompte(bigint, text, integer),
	flux.decompte_hors_flux(bigint, text, integer),
	flux.attributaire(bigint),
	flux.recalculer_attributaires(),
	flux.compteur_deltas(bigint[]),
	flux.compteur_ajouter(bigint[], integer),
	flux.compteur_appliquer(bigint[], bigint[]),
	flux.compteur_ecrire(flux.compteur_orientation[]),
	flux.recompter(),
	flux.verifier_annee_rapport(integer, bigint, text, bigint, text),
	flux.nom_epci(text),
	flux.rapport_html(bigint, text, integer),
	flux.rapport_reservataire_parts(bigint, integer),
	flux.rapport_reservataire_obligations(bigint, integer),
	flux.rapport_reservataire_detail(bigint, integer),
	flux.rapport_epci_communes(text, integer),
	flux.rapport_epci_destinations(text, integer),
	flux.rapport_epci_obligations(text, integer),
	flux.csv_document(text, text, integer, text),
	flux.csv_reservataire(bigint, integer, text, text),
	flux.csv_epci(text, integer, text, text)
	TO flux_admin, flux_gestionnaire;

-- what the bilan views compute with their caller's rights (the forecast of
-- flux.bilan_hors_flux reads the assiette of the year): the bailleur's
-- staff, and BI, which reads those views; the validators they call
REVOKE EXECUTE ON FUNCTION
	flux.classer(integer, flux.famille_bailleur, boolean, smallint, smallint, character, smallint, flux.motif_hors_champ,
				 flux.motif_exclusion, date, date, smallint, boolean, boolean),
	flux.classer(integer, flux.famille_bailleur, boolean, smallint, smallint, character, smallint, flux.motif_hors_champ,
				 flux.motif_exclusion, date, date, smallint, boolean, boolean, smallint, flux.nature_plan,
				 flux.nature_plan, flux.entree_programme),
	flux.logements_classes(bigint, integer, text),
	flux.assiette(bigint, text, integer),
	flux.rotation(bigint, text, integer, flux.definition_rotation),
	flux.relocations_prevues(bigint, text, integer),
	flux.soustractions_prevues(bigint, text, integer, integer),
	flux.verifier_bailleur(bigint),
	flux.verifier_reservataire(bigint),
	flux.verifier_epci(text),
	flux.verifier_portee(bigint, text, integer)
	FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
	flux.classer(integer, flux.famille_bailleur, boolean, smallint, smallint, character, smallint, flux.motif_hors_champ,
				 flux.motif_exclusion, date, date, smallint, boolean, boolean),
	flux.classer(integer, flux.famille_bailleur, boolean, smallint, smallint, character, smallint, flux.motif_hors_champ,
				 flux.motif_exclusion, date, date, smallint, boolean, boolean, smallint, flux.nature_plan,
				 flux.nature_plan, flux.entree_programme),
	flux.logements_classes(bigint, integer, text),
	flux.assiette(bigint, text, integer),
	flux.rotation(bigint, text, integer, flux.definition_rotation),
	flux.relocations_prevues(bigint, text, integer),
	flux.soustractions_prevues(bigint, text, integer, integer),
	flux.verifier_bailleur(bigint),
	flux.verifier_reservataire(bigint),
	flux.verifier_epci(text),
	flux.verifier_portee(bigint, text, integer)
	TO flux_admin, flux_gestionnaire, flux_lecteur;

-- loading: RPLS, the communes of the COG
REVOKE EXECUTE ON FUNCTION
	flux.session_chargement(),
	flux.rpls_marque_liberer(),
	flux.rpls_nettoyer(),
	flux.charger_communes_cog(bytea, text),
	flux.charger_rpls(bigint, integer, integer),
	flux.deposer_rpls(bytea, text),
	flux.deposer_rpls_fichier(text, text)
	FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
	flux.session_chargement(),
	flux.rpls_marque_liberer(),
	flux.rpls_nettoyer(),
	flux.charger_communes_cog(bytea, text),
	flux.charger_rpls(bigint, integer, integer),
	flux.deposer_rpls(bytea, text),
	flux.deposer_rpls_fichier(text, text)
	TO flux_admin;

-- the réservataire's acts (src/espace_partenaire.sql, SECURITY DEFINER):
-- its logins only; the bailleur's staff writes the tables itself
GRANT EXECUTE ON FUNCTION
	flux.repondre_orientation(bigint, boolean, text),
	flux.designer_candidat(bigint, text, smallint, boolean, boolean, text, smallint, boolean, smallint, numeric),
	flux.signaler_impossibilite(bigint, text),
	flux.valider_refus(bigint, date)
	TO flux_reservataire;

--------------------------------------------------------------------------
-- Tables, views, sequences
--------------------------------------------------------------------------

-- flux_admin: the bailleur's referential (conventions, parameters, units,
-- RPLS, the communes) and the mapping of logins; everything the staff does
GRANT SELECT, INSERT, UPDATE, DELETE ON
	flux.rpls_finan, flux.rpls_contreslog, flux.commune, flux.bailleur, flux.reservataire, flux.convention,
	flux.programme, flux.logement, flux.parametre_annuel, flux.vacance, flux.partenaire, flux.rpls_ligne,
	flux.rpls_rejet, flux.plan_patrimoine, flux.rotation_departementale, flux.redistribution, flux.derogation_prefet,
	flux.taux_annuel, flux.reservation, flux.garantie_programme, flux.reprise_prefet, flux.reprise_prefet_logement,
	flux.mise_en_demeure, flux.financement_programme, flux.orientation, flux.candidature,
	flux.compteur_orientation, flux.segment_moins_attractif, flux.transmission_bilan
	TO flux_admin;

GRANT SELECT, INSERT ON flux.orientation_historique TO flux_admin;

-- flux_gestionnaire: reads everything; writes the workflow (orientations,
-- candidates and their steps, vacancies, the counters the triggers keep),
-- the conversion and the préfet's acts, the transmissions of bilans
GRANT SELECT ON
	flux.rpls_finan, flux.rpls_contreslog, flux.commune, flux.bailleur, flux.reservataire, flux.convention,
	flux.programme, flux.logement, flux.parametre_annuel, flux.vacance, flux.partenaire, flux.rpls_rejet,
	flux.plan_patrimoine, flux.rotation_departementale, flux.redistribution, flux.derogation_prefet,
	flux.taux_annuel, flux.reservation, flux.garantie_programme, flux.reprise_prefet, flux.reprise_prefet_logement,
	flux.mise_en_demeure, flux.financement_programme, flux.orientation, flux.candidature,
	flux.orientation_historique, flux.compteur_orientation, flux.segment_moins_attractif, flux.transmission_bilan
	TO flux_gestionnaire;

GRANT INSERT, UPDATE ON
	flux.vacance, flux.orientation, flux.candidature, flux.compteur_orientation, flux.taux_annuel,
	flux.reservation, flux.reprise_prefet, flux.reprise_prefet_logement, flux.mise_en_demeure,
	flux.redistribution, flux.transmission_bilan
	TO flux_gestionnaire;

GRANT INSERT ON flux.orientation_historique TO flux_gestionnaire;

GRANT DELETE ON flux.candidature, flux.compteur_orientation TO flux_gestionnaire;

-- the views, every one of them, for the staff
GRANT SELECT ON
	flux.bilan_orientation, flux.bilan_detaille, flux.bilan_reservataire, flux.bilan_obligations,
	flux.bilan_etapes, flux.bilan_hors_flux, flux.soustractions_previsionnelles, flux.transmissions,
	flux.logements_en_stock, flux.conformite, flux.logements_reprenables, flux.echeances,
	flux.etat_des_lieux, flux.etat_des_lieux_communes, flux.evenements_sne, flux.refus_dalo
	TO flux_admin, flux_gestionnaire;

GRANT USAGE, SELECT ON
	flux.bailleur_id_seq, flux.reservataire_id_seq, flux.convention_id_seq, flux.programme_id_seq,
	flux.logement_id_seq, flux.vacance_id_seq, flux.rpls_rejet_id_seq, flux.plan_patrimoine_id_seq,
	flux.redistribution_id_seq, flux.derogation_prefet_id_seq, flux.reservation_id_seq,
	flux.reprise_prefet_id_seq, flux.mise_en_demeure_id_seq, flux.orientation_id_seq,
	flux.candidature_id_seq, flux.orientation_historique_id_seq, flux.segment_moins_attractif_id_seq,
	flux.transmission_bilan_id_seq
	TO flux_admin, flux_gestionnaire;

GRANT USAGE, SELECT ON flux.rpls_ligne_numero_seq TO flux_admin;

-- flux_reservataire: the referential's names, and its own rows of the
-- workflow (row-level security below); the deadlines; its bilans
GRANT SELECT ON
	flux.commune, flux.bailleur, flux.reservataire, flux.convention, flux.taux_annuel, flux.logement,
	flux.vacance, flux.orientation, flux.candidature, flux.orientation_historique, flux.transmission_bilan,
	flux.echeances, flux.mon_bilan, flux.mes_obligations, flux.mes_etapes
	TO flux_reservataire;

-- flux_epci: the names, and the figures of its territory
GRANT SELECT ON flux.commune, flux.bailleur, flux.reservataire, flux.bilan_territoire TO flux_epci;

-- flux_lecteur (BI): every aggregate bilan view, and the bailleur's
-- referential of units the forecast of flux.bilan_hors_flux reads with
-- its caller's rights; no candidate, no orientation, no history (and not
-- flux.bilan_orientation: one row per orientation, with the household's
-- quartile and priority)
GRANT SELECT ON
	flux.bilan_detaille, flux.bilan_reservataire, flux.bilan_obligations, flux.bilan_etapes,
	flux.bilan_hors_flux, flux.soustractions_previsionnelles, flux.transmissions,
	flux.rpls_finan, flux.rpls_contreslog, flux.commune, flux.bailleur, flux.reservataire, flux.programme,
	flux.logement, flux.parametre_annuel, flux.vacance, flux.plan_patrimoine, flux.rotation_departementale,
	flux.redistribution
	TO flux_lecteur;

--------------------------------------------------------------------------
-- Row-level security
--------------------------------------------------------------------------

/*
 * FORCEd on every table that holds a partner's rows or a household's:
 * a role sees the rows a policy gives it, and no other (a role of no flux
 * group, even granted SELECT by hand, sees none).  The owner of the
 * extension is a superuser (flux is not trusted), which bypasses it: the
 * partners' SECURITY DEFINER functions act as it, after their own check.
 * The policies read the mapping through (SELECT flux.reservataire_courant()),
 * once per statement: the mapping of current_user (flux.partenaire), never
 * a setting.
 */

-- the bailleur's staff: every row
CREATE POLICY personnel ON flux.partenaire FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.convention FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.taux_annuel FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.reservation FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.garantie_programme FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.financement_programme FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.reprise_prefet FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.reprise_prefet_logement FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.mise_en_demeure FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.transmission_bilan FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.logement FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.vacance FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.orientation FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.candidature FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);
CREATE POLICY personnel ON flux.orientation_historique FOR ALL TO flux_admin, flux_gestionnaire USING (true) WITH CHECK (true);

-- BI: the units and their vacancies (no household in them), which the
-- forecast reads
CREATE POLICY lecteur ON flux.logement FOR SELECT TO flux_lecteur USING (true);
CREATE POLICY lecteur ON flux.vacance FOR SELECT TO flux_lecteur USING (true);

-- a réservataire: its conventions, their rates, the bilans sent to it
CREATE POLICY reservataire ON flux.convention FOR SELECT TO flux_reservataire
	USING (reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant()));
CREATE POLICY reservataire ON flux.taux_annuel FOR SELECT TO flux_reservataire
	USING (convention_id IN (SELECT c.id FROM flux.convention c));
CREATE POLICY reservataire ON flux.transmission_bilan FOR SELECT TO flux_reservataire
	USING (reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant()));
-- the orientations to its conventions (flux.convention as it sees it)
CREATE POLICY reservataire ON flux.orientation FOR SELECT TO flux_reservataire
	USING (convention_id IN (SELECT c.id FROM flux.convention c));
-- the units of those orientations: what it must know to designate
CREATE POLICY reservataire ON flux.vacance FOR SELECT TO flux_reservataire
	USING (id IN (SELECT o.vacance_id FROM flux.orientation o));
CREATE POLICY reservataire ON flux.logement FOR SELECT TO flux_reservataire
	USING (id IN (SELECT v.logement_id FROM flux.vacance v));
-- the candidates it designated itself, never the bailleur's (whatever
-- they count for: their number is in its bilan, baux_designes_bailleur)
CREATE POLICY reservataire ON flux.candidature FOR SELECT TO flux_reservataire
	USING (designe_par OPERATOR(pg_catalog.=) 'reservataire'
		   AND orientation_id IN (SELECT o.id FROM flux.orientation o));
-- the history of its orientations, but of its own candidates only
CREATE POLICY reservataire ON flux.orientation_historique FOR SELECT TO flux_reservataire
	USING (orientation_id IN (SELECT o.id FROM flux.orientation o)
		   AND (candidature_id IS NULL OR candidature_id IN (SELECT k.id FROM flux.candidature k)));

ALTER TABLE flux.partenaire ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.convention ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.taux_annuel ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.reservation ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.garantie_programme ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.financement_programme ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.reprise_prefet ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.reprise_prefet_logement ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.mise_en_demeure ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmission_bilan ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.logement ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.vacance ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.orientation ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.candidature ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.orientation_historique ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

--------------------------------------------------------------------------
-- transmission (0.12.0)
--------------------------------------------------------------------------

/*
 * The bilans transmitted, frozen (src/transmission.sql).  Nobody writes
 * the frozen tables but flux.figer_bilan (SECURITY DEFINER, the staff's):
 * no role has INSERT, UPDATE or DELETE on them, so a snapshot is what the
 * reports gave when it was sent.  Unlike the live bilans (aggregates over
 * the whole territory, exposed through views that filter their output),
 * each frozen row belongs to one recipient: row-level security gives a
 * réservataire its own, an EPCI its own; the views *_transmis are
 * security_invoker, so they read through it.  flux_lecteur reads them all.
 * flux.ecarts_transmis recomputes today's reports: the staff's only.
 */
REVOKE ALL ON
	flux.bilan_transmis, flux.bilan_transmis_document, flux.transmis_reservataire_parts,
	flux.transmis_reservataire_obligations, flux.transmis_reservataire_detail, flux.transmis_epci_communes,
	flux.transmis_epci_destinations, flux.transmis_epci_obligations,
	flux.rapport_reservataire_parts_transmis, flux.rapport_reservataire_obligations_transmis,
	flux.rapport_reservataire_detail_transmis, flux.rapport_epci_communes_transmis,
	flux.rapport_epci_destinations_transmis, flux.rapport_epci_obligations_transmis, flux.ecarts_transmis
	FROM PUBLIC;
REVOKE ALL ON SEQUENCE flux.bilan_transmis_id_seq FROM PUBLIC;

REVOKE EXECUTE ON FUNCTION
	flux.transmettre_bilan(bigint, text, integer, bigint, text, date, text),
	flux.verifier_transmission(bigint),
	flux.csv_transmis(bigint, text, text),
	flux.ecarts_transmission(bigint)
	FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
	flux.transmettre_bilan(bigint, text, integer, bigint, text, date, text),
	flux.figer_bilan(bigint, date),
	flux.ecarts_transmission(bigint)
	TO flux_admin, flux_gestionnaire;

GRANT EXECUTE ON FUNCTION flux.verifier_transmission(bigint), flux.csv_transmis(bigint, text, text)
	TO flux_admin, flux_gestionnaire, flux_reservataire, flux_epci, flux_lecteur;

GRANT SELECT ON
	flux.bilan_transmis, flux.bilan_transmis_document, flux.transmis_reservataire_parts,
	flux.transmis_reservataire_obligations, flux.transmis_reservataire_detail, flux.transmis_epci_communes,
	flux.transmis_epci_destinations, flux.transmis_epci_obligations,
	flux.rapport_reservataire_parts_transmis, flux.rapport_reservataire_obligations_transmis,
	flux.rapport_reservataire_detail_transmis, flux.rapport_epci_communes_transmis,
	flux.rapport_epci_destinations_transmis, flux.rapport_epci_obligations_transmis
	TO flux_admin, flux_gestionnaire, flux_lecteur;

GRANT SELECT ON flux.ecarts_transmis TO flux_admin, flux_gestionnaire;

GRANT SELECT ON
	flux.bilan_transmis, flux.bilan_transmis_document, flux.transmis_reservataire_parts,
	flux.transmis_reservataire_obligations, flux.transmis_reservataire_detail,
	flux.rapport_reservataire_parts_transmis, flux.rapport_reservataire_obligations_transmis,
	flux.rapport_reservataire_detail_transmis
	TO flux_reservataire;

GRANT SELECT ON
	flux.bilan_transmis, flux.bilan_transmis_document, flux.transmis_epci_communes,
	flux.transmis_epci_destinations, flux.transmis_epci_obligations,
	flux.rapport_epci_communes_transmis, flux.rapport_epci_destinations_transmis,
	flux.rapport_epci_obligations_transmis
	TO flux_epci;

CREATE POLICY personnel ON flux.bilan_transmis FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.bilan_transmis_document FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.transmis_reservataire_parts FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.transmis_reservataire_obligations FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.transmis_reservataire_detail FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.transmis_epci_communes FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.transmis_epci_destinations FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.transmis_epci_obligations FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);

CREATE POLICY reservataire ON flux.bilan_transmis FOR SELECT TO flux_reservataire
	USING (reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant()));
CREATE POLICY reservataire ON flux.transmis_reservataire_parts FOR SELECT TO flux_reservataire
	USING (reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant()));
CREATE POLICY reservataire ON flux.transmis_reservataire_obligations FOR SELECT TO flux_reservataire
	USING (reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant()));
CREATE POLICY reservataire ON flux.transmis_reservataire_detail FOR SELECT TO flux_reservataire
	USING (reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant()));
CREATE POLICY epci ON flux.bilan_transmis FOR SELECT TO flux_epci
	USING (epci OPERATOR(pg_catalog.=) (SELECT flux.epci_courant()));
CREATE POLICY epci ON flux.transmis_epci_communes FOR SELECT TO flux_epci
	USING (epci OPERATOR(pg_catalog.=) (SELECT flux.epci_courant()));
CREATE POLICY epci ON flux.transmis_epci_destinations FOR SELECT TO flux_epci
	USING (epci OPERATOR(pg_catalog.=) (SELECT flux.epci_courant()));
CREATE POLICY epci ON flux.transmis_epci_obligations FOR SELECT TO flux_epci
	USING (epci OPERATOR(pg_catalog.=) (SELECT flux.epci_courant()));
-- a document's checksum: of the versions it may read (flux.bilan_transmis as it sees it)
CREATE POLICY destinataire ON flux.bilan_transmis_document FOR SELECT TO flux_reservataire, flux_epci
	USING (version_id IN (SELECT b.id FROM flux.bilan_transmis b));

ALTER TABLE flux.bilan_transmis ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.bilan_transmis_document ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmis_reservataire_parts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmis_reservataire_obligations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmis_reservataire_detail ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmis_epci_communes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmis_epci_destinations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmis_epci_obligations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- rpls (0.12.0)
-- flux.session_chargement() calls it for every staging (the default of
-- flux.rpls_ligne.session): whoever may stage may run it
REVOKE EXECUTE ON FUNCTION flux.session_chargement_calculer() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flux.session_chargement_calculer() TO flux_admin;
-- consolidation (0.12.0)
-- the sources: flux_admin adds and removes them (through the functions,
-- run as flux's owner); the staff and BI read the list and the territory's
-- figures.  The EPCI and the réservataires read nothing here: the
-- consolidated views hold every partner's figures of the territory, and
-- each partner reads its own in each bailleur's database (docs/consolidation.md).
REVOKE ALL ON flux.source_consolidation FROM PUBLIC;
GRANT SELECT ON flux.source_consolidation TO flux_admin, flux_gestionnaire, flux_lecteur;
REVOKE EXECUTE ON FUNCTION
	flux.ajouter_source_consolidation(name, text, name),
	flux.retirer_source_consolidation(name),
	flux.reconstruire_consolidation(),
	flux.territoire_bilan(integer, text),
	flux.territoire_obligations(integer, text)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	flux.ajouter_source_consolidation(name, text, name),
	flux.retirer_source_consolidation(name)
	TO flux_admin;
GRANT EXECUTE ON FUNCTION
	flux.territoire_bilan(integer, text),
	flux.territoire_obligations(integer, text)
	TO flux_admin, flux_gestionnaire, flux_lecteur;

--
-- flux 0.14.0 -> 0.15.0: towards 1.0 (issue 18): the versions a DBA can
-- check, a restore that works, the packages
--
-- One section per concern, in the order of the concern files (Makefile
-- CONCERNS).  What each object is now: src/*.sql.  Every existing row is
-- kept.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.15.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- (section of the extension itself: src/flux.sql)
-- ---------------------------------------------------------------------------

COMMENT ON SCHEMA flux IS
	'flux: gestion en flux of French social-housing reservations (loi ELAN). Assiette, shares and apportionment, orientation of vacancies, the workflow''s business-day deadlines, regulatory bilans and reports, row-level security per partner. Created by CREATE EXTENSION flux; see SELECT flux.version().';

CREATE FUNCTION flux.version() RETURNS text
	AS 'MODULE_PATHNAME', 'flux_version'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.version() IS
	'The version of the loaded flux library (flux.control''s default_version at build); the library refuses to load when the installed extension is of another version, so this is also pg_extension.extversion';

-- ---------------------------------------------------------------------------
-- (section of the restore: src/restauration.sql)
-- ---------------------------------------------------------------------------

-- Executable by PUBLIC on purpose: the WHEN of the triggers runs it with the
-- rights of whoever writes the table; it reads only the session's own state
-- (the active statement, row_security, the current role).
CREATE FUNCTION flux.restauration(regclass) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_restauration'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION flux.restauration(regclass) IS
	'Whether the current statement restores a dump into this table: a COPY FROM into it, with row_security off (as pg_dump''s output and pg_restore run), by its owner or a superuser; the INSERT triggers of flux''s tables then take the rows as they are. Such a COPY by another role is refused (42501)';

-- ---------------------------------------------------------------------------
-- (section of src/modele.sql: its INSERT triggers leave a restore's rows as they are)
-- ---------------------------------------------------------------------------

DROP TRIGGER convention_verifier ON flux.convention;
CREATE TRIGGER convention_verifier
	BEFORE INSERT OR UPDATE ON flux.convention
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.convention'))
	EXECUTE FUNCTION flux.convention_verifier();

-- ---------------------------------------------------------------------------
-- (section of src/partenaires.sql: its INSERT triggers leave a restore's rows as they are)
-- ---------------------------------------------------------------------------

DROP TRIGGER partenaire_verifier ON flux.partenaire;
CREATE TRIGGER partenaire_verifier BEFORE INSERT OR UPDATE ON flux.partenaire
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.partenaire'))
	EXECUTE FUNCTION flux.partenaire_verifier();

-- ---------------------------------------------------------------------------
-- (section of src/rpls.sql: its INSERT triggers leave a restore's rows as they are)
-- ---------------------------------------------------------------------------

DROP TRIGGER rpls_ligne_nettoyer ON flux.rpls_ligne;
CREATE TRIGGER rpls_ligne_nettoyer
	BEFORE INSERT ON flux.rpls_ligne
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.rpls_ligne'))
	EXECUTE FUNCTION flux.rpls_ligne_nettoyer();

-- ---------------------------------------------------------------------------
-- (section of src/assiette.sql: its INSERT triggers leave a restore's rows as they are)
-- ---------------------------------------------------------------------------

DROP TRIGGER plan_patrimoine_verifier ON flux.plan_patrimoine;
CREATE TRIGGER plan_patrimoine_verifier
	BEFORE INSERT OR UPDATE ON flux.plan_patrimoine
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.plan_patrimoine'))
	EXECUTE FUNCTION flux.plan_patrimoine_verifier();

-- ---------------------------------------------------------------------------
-- (section of src/plafonds.sql: its INSERT triggers leave a restore's rows as they are)
-- ---------------------------------------------------------------------------

DROP TRIGGER convention_verifier_plafonds ON flux.convention;
CREATE TRIGGER convention_verifier_plafonds
	BEFORE INSERT OR UPDATE ON flux.convention
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.convention'))
	EXECUTE FUNCTION flux.convention_verifier_plafonds();

-- ---------------------------------------------------------------------------
-- (section of src/conversion.sql: its INSERT triggers leave a restore's rows as they are)
-- ---------------------------------------------------------------------------

DROP TRIGGER reservation_verifier ON flux.reservation;
CREATE TRIGGER reservation_verifier
	BEFORE INSERT OR UPDATE ON flux.reservation
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.reservation'))
	EXECUTE FUNCTION flux.reservation_verifier();

DROP TRIGGER reservation_verifier_garanties_insertion ON flux.reservation;
CREATE TRIGGER reservation_verifier_garanties_insertion
	AFTER INSERT ON flux.reservation
	REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.reservation'))
	EXECUTE FUNCTION flux.reservation_verifier_garanties();

DROP TRIGGER garantie_programme_verifier ON flux.garantie_programme;
CREATE TRIGGER garantie_programme_verifier
	AFTER INSERT OR UPDATE OR DELETE ON flux.garantie_programme
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.garantie_programme'))
	EXECUTE FUNCTION flux.garantie_programme_verifier();

DROP TRIGGER mise_en_demeure_verifier ON flux.mise_en_demeure;
CREATE TRIGGER mise_en_demeure_verifier
	BEFORE INSERT OR UPDATE ON flux.mise_en_demeure
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.mise_en_demeure'))
	EXECUTE FUNCTION flux.mise_en_demeure_verifier();

-- ---------------------------------------------------------------------------
-- (section of src/workflow.sql: its INSERT triggers leave a restore's rows as they are)
-- ---------------------------------------------------------------------------

DROP TRIGGER orientation_estampiller ON flux.orientation;
CREATE TRIGGER orientation_estampiller
	BEFORE INSERT ON flux.orientation
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.orientation'))
	EXECUTE FUNCTION flux.orientation_estampiller();

DROP TRIGGER orientation_verifier_insertion ON flux.orientation;
CREATE TRIGGER orientation_verifier_insertion
	AFTER INSERT ON flux.orientation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.orientation'))
	EXECUTE FUNCTION flux.orientation_verifier_insertion();

DROP TRIGGER orientation_historiser_insertion ON flux.orientation;
CREATE TRIGGER orientation_historiser_insertion
	AFTER INSERT ON flux.orientation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.orientation'))
	EXECUTE FUNCTION flux.orientation_historiser();

DROP TRIGGER candidature_avant_insertion ON flux.candidature;
CREATE TRIGGER candidature_avant_insertion
	BEFORE INSERT ON flux.candidature
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.candidature') AND (num_nonnulls(NEW.date_caleol, NEW.decision_caleol, NEW.rang_caleol, NEW.date_proposition,
					   NEW.taux_effort, NEW.typologie_adaptee, NEW.offre_adaptee, NEW.echeance_reponse_menage,
					   NEW.reponse_menage, NEW.date_reponse_menage, NEW.refus_valide_le, NEW.date_bail) > 0
		  OR NEW.refus_illegitime
		  OR pg_catalog.current_setting('transaction_isolation') <> 'read committed'))
	EXECUTE FUNCTION flux.candidature_avant_insertion();

DROP TRIGGER candidature_apres_insertion ON flux.candidature;
CREATE TRIGGER candidature_apres_insertion
	AFTER INSERT ON flux.candidature REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.candidature'))
	EXECUTE FUNCTION flux.candidature_apres_insertion();

DROP TRIGGER historique_origine ON flux.orientation_historique;
CREATE TRIGGER historique_origine
	BEFORE INSERT ON flux.orientation_historique
	FOR EACH ROW WHEN (NOT flux.restauration('flux.orientation_historique') AND (NEW.origine IS DISTINCT FROM 'utilisateur'))
	EXECUTE FUNCTION flux.historique_origine();

-- ---------------------------------------------------------------------------
-- (section of src/notifications.sql: its INSERT triggers leave a restore's rows as they are)
-- ---------------------------------------------------------------------------

DROP TRIGGER orientation_notifier_insertion ON flux.orientation;
CREATE TRIGGER orientation_notifier_insertion
	AFTER INSERT ON flux.orientation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.orientation'))
	EXECUTE FUNCTION flux.orientation_notifier();

-- ---------------------------------------------------------------------------
-- (section of src/orientation.sql: its INSERT triggers leave a restore's rows as they are)
-- ---------------------------------------------------------------------------

DROP TRIGGER orientation_compter_insertion ON flux.orientation;
CREATE TRIGGER orientation_compter_insertion
	AFTER INSERT ON flux.orientation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.orientation'))
	EXECUTE FUNCTION flux.orientation_compter();

DROP TRIGGER segment_moins_attractif_verifier ON flux.segment_moins_attractif;
CREATE TRIGGER segment_moins_attractif_verifier
	BEFORE INSERT OR UPDATE ON flux.segment_moins_attractif
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.segment_moins_attractif'))
	EXECUTE FUNCTION flux.segment_moins_attractif_verifier();

-- ---------------------------------------------------------------------------
-- (section of src/audit.sql: its INSERT triggers leave a restore's rows as they are)
-- ---------------------------------------------------------------------------

DROP TRIGGER audit_insertion ON flux.orientation;
CREATE TRIGGER audit_insertion AFTER INSERT ON flux.orientation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.orientation'))
	EXECUTE FUNCTION flux.auditer('id', 'motif');

DROP TRIGGER audit_insertion ON flux.candidature;
CREATE TRIGGER audit_insertion AFTER INSERT ON flux.candidature REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.candidature'))
	EXECUTE FUNCTION flux.auditer('id', 'nud', 'critere_priorite', 'personnes', 'ressources',
													 'aide_logement', 'motif_caleol', 'motif_refus', 'justificatif_refus');

DROP TRIGGER audit_insertion ON flux.vacance;
CREATE TRIGGER audit_insertion AFTER INSERT ON flux.vacance REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.vacance'))
	EXECUTE FUNCTION flux.auditer('id');

DROP TRIGGER audit_insertion ON flux.convention;
CREATE TRIGGER audit_insertion AFTER INSERT ON flux.convention REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.convention'))
	EXECUTE FUNCTION flux.auditer('id');

DROP TRIGGER audit_insertion ON flux.parametre_annuel;
CREATE TRIGGER audit_insertion AFTER INSERT ON flux.parametre_annuel REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.parametre_annuel'))
	EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');

DROP TRIGGER audit_insertion ON flux.partenaire;
CREATE TRIGGER audit_insertion AFTER INSERT ON flux.partenaire REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.partenaire'))
	EXECUTE FUNCTION flux.auditer('login');

-- ---------------------------------------------------------------------------
-- (section of src/donnees_personnelles.sql: its INSERT triggers leave a restore's rows as they are)
-- ---------------------------------------------------------------------------

DROP TRIGGER audit_insertion ON flux.pseudonymisation;
CREATE TRIGGER audit_insertion AFTER INSERT ON flux.pseudonymisation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.pseudonymisation'))
	EXECUTE FUNCTION flux.auditer('id');

-- ---------------------------------------------------------------------------
-- (section of src/transmission.sql: its INSERT triggers leave a restore's rows as they are)
-- ---------------------------------------------------------------------------

DROP TRIGGER transmission_figer ON flux.transmission_bilan;
CREATE TRIGGER transmission_figer
	AFTER INSERT ON flux.transmission_bilan
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.transmission_bilan'))
	EXECUTE FUNCTION flux.transmission_figer();

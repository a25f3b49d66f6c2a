--
-- src/espace_partenaire.sql: what a réservataire does itself in the
--   database: answer an orientation, designate its candidates, say it
--   cannot, validate a household's illegitimate refusal; and the bilans a
--   réservataire and an EPCI read, their own rows only
--   (docs/security.md, "Partners")
--
-- C: none
-- Builds on: partenaires.sql (flux.reservataire_courant, epci_courant),
--   workflow.sql (the state machine: these functions write what the
--   bailleur's staff would, so every trigger still applies), bilan.sql
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- The réservataire's acts
--------------------------------------------------------------------------

/*
 * A partner reads its rows through row-level security (src/politiques.sql)
 * and writes no table: each act below is a SECURITY DEFINER function that
 * checks the orientation belongs to a convention of the réservataire the
 * caller acts for (flux.reservataire_courant(), read from flux.partenaire
 * through flux.appelant(), never a setting the caller could choose), then
 * runs the very UPDATE or INSERT the bailleur's staff would, so that the
 * triggers of the workflow check and record it.  An orientation that is not
 * the caller's and one that does not exist get the same error: a partner
 * learns nothing of the others' orientations.
 */
CREATE FUNCTION flux.orientation_du_partenaire(orientation bigint)
	RETURNS flux.orientation
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	moi bigint := flux.reservataire_courant();
	o flux.orientation;
BEGIN
	IF moi IS NULL THEN
		RAISE EXCEPTION 'role "%" acts for no réservataire', flux.appelant()
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'flux_admin maps a login to its réservataire: INSERT INTO flux.partenaire (login, reservataire_id) VALUES (...); the bailleur''s staff writes flux.orientation itself.';
	END IF;
	IF orientation IS NULL THEN
		RAISE EXCEPTION 'orientation is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the id of one of your orientations (SELECT id FROM flux.orientation).';
	END IF;
	SELECT x.* INTO o FROM flux.orientation x JOIN flux.convention c ON c.id = x.convention_id
	 WHERE x.id = orientation AND c.reservataire_id = moi;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'orientation % is not sent to réservataire %', orientation, moi
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'A réservataire acts on the orientations to its own conventions: SELECT id, etat FROM flux.orientation lists them.';
	END IF;
	RETURN o;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.orientation_du_partenaire(bigint) FROM PUBLIC;

COMMENT ON FUNCTION flux.orientation_du_partenaire(bigint) IS
	'Internal: the orientation, when it is sent to a convention of the réservataire the caller acts for; else 42501 (the same for one that does not exist)';

-- accept or refuse an orientation (Ornex art. 5, Publier art. 5.2: within
-- delai_reponse_jo jours ouvrés; the trigger refuses an answer after it)
CREATE FUNCTION flux.repondre_orientation(orientation bigint, accepte boolean, motif text DEFAULT NULL)
	RETURNS flux.etat_orientation
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	o flux.orientation := flux.orientation_du_partenaire(orientation);
	apres flux.etat_orientation;
BEGIN
	IF accepte IS NULL THEN
		RAISE EXCEPTION 'answer to orientation % is NULL', o.id
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass accepte => true to accept, false to refuse (with a motif).';
	END IF;
	IF NOT accepte AND nullif(btrim(motif), '') IS NULL THEN
		RAISE EXCEPTION 'refusal of orientation % has no motif', o.id
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Say why the unit is refused (motif => ''...''): the bailleur re-orients it with that reason.';
	END IF;
	UPDATE flux.orientation x
	   SET etat = CASE WHEN accepte THEN 'acceptee' ELSE 'refusee' END::flux.etat_orientation,
		   motif = coalesce(nullif(btrim(repondre_orientation.motif), ''),
							'acceptée par le réservataire')
	 WHERE x.id = o.id
	RETURNING x.etat INTO apres;
	RETURN apres;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.repondre_orientation(bigint, boolean, text) FROM PUBLIC;

COMMENT ON FUNCTION flux.repondre_orientation(bigint, boolean, text) IS
	'The réservataire accepts (accepte true) or refuses (false, with a motif) one of its orientations, within its answer deadline; returns the new state';

-- designate a candidate (Ornex art. 6, Publier art. 5.3: up to
-- candidats_max, one DALO household alone, before the designation deadline:
-- the trigger candidature_avant_insertion checks all of it)
CREATE FUNCTION flux.designer_candidat(orientation bigint, nud text, rang smallint DEFAULT NULL,
									   dalo boolean DEFAULT false, prioritaire boolean DEFAULT false,
									   critere_priorite text DEFAULT NULL, quartile smallint DEFAULT NULL,
									   mutation boolean DEFAULT false, personnes smallint DEFAULT NULL,
									   ressources numeric DEFAULT NULL)
	RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	o flux.orientation := flux.orientation_du_partenaire(orientation);
	nouveau bigint;
BEGIN
	INSERT INTO flux.candidature AS k (orientation_id, nud, rang, designe_par, dalo, prioritaire, critere_priorite,
									   quartile, mutation, personnes, ressources)
	VALUES (o.id, designer_candidat.nud,
			coalesce(designer_candidat.rang,
					 (SELECT coalesce(max(x.rang), 0) + 1 FROM flux.candidature x WHERE x.orientation_id = o.id)),
			'reservataire', coalesce(designer_candidat.dalo, false), coalesce(designer_candidat.prioritaire, false),
			designer_candidat.critere_priorite, designer_candidat.quartile, coalesce(designer_candidat.mutation, false),
			designer_candidat.personnes, designer_candidat.ressources)
	RETURNING k.id INTO nouveau;
	RETURN nouveau;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.designer_candidat(bigint, text, smallint, boolean, boolean, text, smallint, boolean, smallint, numeric) FROM PUBLIC;

COMMENT ON FUNCTION flux.designer_candidat(bigint, text, smallint, boolean, boolean, text, smallint, boolean, smallint, numeric) IS
	'The réservataire designates a candidate (its NUD, rank: next by default, priority, quartile, household) on one of its accepted orientations, within the convention''s number and deadline; returns the candidate''s id';

-- say it cannot designate (Ornex art. 6: "information du bailleur de cette
-- impossibilité ... au plus tard 5 jours ouvrés après la transmission"):
-- the unit goes back to the bailleur (restituee), who re-orients it or
-- designates outside the flux
CREATE FUNCTION flux.signaler_impossibilite(orientation bigint, motif text)
	RETURNS flux.etat_orientation
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	o flux.orientation := flux.orientation_du_partenaire(orientation);
	apres flux.etat_orientation;
BEGIN
	IF nullif(btrim(motif), '') IS NULL THEN
		RAISE EXCEPTION 'notice that orientation % cannot be served has no motif', o.id
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Say why no candidate can be designated (motif => ''...'').';
	END IF;
	IF o.etat <> 'acceptee' THEN
		RAISE EXCEPTION 'orientation % is %: the notice that no candidate can be designated is given on an accepted orientation without candidates', o.id, o.etat
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = CASE WHEN o.etat = 'proposee' THEN 'Refuse it instead: flux.repondre_orientation(id, false, motif).'
							  ELSE 'Once candidates are designated the CALEOL examines them; ask the bailleur.' END;
	END IF;
	UPDATE flux.orientation x
	   SET etat = 'restituee',
		   motif = 'impossibilité de désigner signalée par le réservataire : ' || btrim(signaler_impossibilite.motif)
	 WHERE x.id = o.id
	RETURNING x.etat INTO apres;
	RETURN apres;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.signaler_impossibilite(bigint, text) FROM PUBLIC;

COMMENT ON FUNCTION flux.signaler_impossibilite(bigint, text) IS
	'The réservataire tells the bailleur it cannot designate on one of its accepted orientations: the unit goes back to the bailleur (restituee), with the motif';

-- validate a household's illegitimate refusal (Publier art. 6.2-6.3: the
-- refusal of a suitable offer, marked refus_illegitime by the bailleur,
-- counts once the réservataire validates it)
CREATE FUNCTION flux.valider_refus(candidature bigint, le date DEFAULT CURRENT_DATE)
	RETURNS date
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	k flux.candidature;
	o flux.orientation;
BEGIN
	IF candidature IS NULL OR le IS NULL THEN
		RAISE EXCEPTION 'candidature or date is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the id of one of your candidates and the date of the validation.';
	END IF;
	SELECT * INTO k FROM flux.candidature x WHERE x.id = candidature;
	-- the orientation's check first: a candidate of another's orientation
	-- and one that does not exist are told alike
	o := flux.orientation_du_partenaire(coalesce(k.orientation_id, -1));
	IF k.designe_par <> 'reservataire' THEN
		RAISE EXCEPTION 'candidate % was designated by the bailleur', k.id
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'A réservataire validates the refusals of the candidates it designated; the bailleur records the others.';
	END IF;
	IF NOT k.refus_illegitime OR k.refus_valide_le IS NOT NULL THEN
		RAISE EXCEPTION 'candidate %: %', k.id,
				CASE WHEN k.refus_valide_le IS NOT NULL THEN 'its refusal was validated on ' || k.refus_valide_le
					 ELSE 'no refusal marked illegitimate to validate' END
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'The bailleur marks the refusal of a suitable offer illegitimate (refus_illegitime); the réservataire validates it once.';
	END IF;
	UPDATE flux.candidature x SET refus_valide_le = le WHERE x.id = k.id;
	RETURN le;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.valider_refus(bigint, date) FROM PUBLIC;

COMMENT ON FUNCTION flux.valider_refus(bigint, date) IS
	'The réservataire validates the illegitimate refusal of one of its candidates (marked by the bailleur): it then counts as an attribution; returns the date';

--------------------------------------------------------------------------
-- The bilans a partner reads: its own rows of the territory's figures
--------------------------------------------------------------------------

/*
 * A share needs every row of the territory (its denominator is all the
 * units freed), so the bilan views run with their owner's rights
 * (security_invoker = false, src/bilan.sql) and a partner reads them
 * through these views, which keep the rows of the réservataire or the EPCI
 * the caller acts for (security_barrier: a function of the caller's in a
 * WHERE clause sees only those rows).  Figures only: no NUD, no household.
 */
CREATE VIEW flux.mon_bilan WITH (security_barrier = true) AS
SELECT b.* FROM flux.bilan_reservataire b
 WHERE b.reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant());

COMMENT ON VIEW flux.mon_bilan IS
	'The rows of flux.bilan_reservataire of the réservataire the caller acts for (flux.partenaire): its shares of the units freed, per convention and year';

CREATE VIEW flux.mes_obligations WITH (security_barrier = true) AS
SELECT b.* FROM flux.bilan_obligations b
 WHERE b.reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant());

COMMENT ON VIEW flux.mes_obligations IS
	'The rows of flux.bilan_obligations of the réservataire the caller acts for: its attribution obligations, per bailleur, département and year';

CREATE VIEW flux.mes_etapes WITH (security_barrier = true) AS
SELECT b.* FROM flux.bilan_etapes b
 WHERE b.reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant());

COMMENT ON VIEW flux.mes_etapes IS
	'The rows of flux.bilan_etapes of the réservataire the caller acts for: its orientations step by step, per convention and year';

CREATE VIEW flux.bilan_territoire WITH (security_barrier = true) AS
SELECT b.* FROM flux.bilan_detaille b
 WHERE b.epci OPERATOR(pg_catalog.=) (SELECT flux.epci_courant());

COMMENT ON VIEW flux.bilan_territoire IS
	'The rows of flux.bilan_detaille on the communes of the EPCI the caller acts for: units proposed, attributed, leased by segment and destination; no household';

-- each column says what the bilan's column says
DO $commentaires$
DECLARE
	x record;
BEGIN
	FOR x IN
		SELECT v.vue, a.attname, pg_catalog.col_description(v.base, a.attnum) AS texte
		  FROM (VALUES ('flux.mon_bilan'::regclass, 'flux.bilan_reservataire'::regclass),
					   ('flux.mes_obligations'::regclass, 'flux.bilan_obligations'::regclass),
					   ('flux.mes_etapes'::regclass, 'flux.bilan_etapes'::regclass),
					   ('flux.bilan_territoire'::regclass, 'flux.bilan_detaille'::regclass)) v(vue, base)
		  JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) v.base AND a.attnum OPERATOR(pg_catalog.>) 0
		   AND NOT a.attisdropped
		 ORDER BY 1, a.attnum
	LOOP
		EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', x.vue, x.attname, x.texte);
	END LOOP;
END
$commentaires$;


-- ---------------------------------------------------------------------------
-- The workflow under concurrency (docs/workflow.md, "Concurrency"; specs/
-- bail_concurrent, candidats_concurrents, compteurs_concurrents,
-- origine_echeance).
--
--  1. One lease per orientation and per vacancy, enforced by two partial
--     unique indexes; the lease locks its orientation first, so that the
--     loser is told which orientation and why (23505 under READ COMMITTED,
--     40001 under REPEATABLE READ and SERIALIZABLE).
--  2. The designation writes its orientation (not just locks it) before it
--     counts the candidates: under READ COMMITTED the second designation
--     waits and counts the first; under REPEATABLE READ and SERIALIZABLE it
--     fails with 40001 instead of counting an old snapshot.
--  3. The counters of flux.compteur_orientation are written in the order of
--     their key, in one pass per statement: statements orienting distinct
--     units wait for each other on a shared counter but never deadlock.
--  4. The history's origine is no session setting: flux.appliquer_echeances
--     is C (src/echeance.c) and raises a flag in the backend's memory while
--     the sweep's statements (flux.balayer_echeances) run; the triggers read
--     it (flux.origine_courante), and a row inserted by hand with origine
--     'echeance' is refused.
-- ---------------------------------------------------------------------------

-- 1. One lease per orientation, one leased orientation per vacancy.  A
-- database that already holds two (they could be signed at once until 0.8.0)
-- is told which before the indexes are built.
DO $un_bail$
DECLARE
	doubles text;
BEGIN
	SELECT pg_catalog.string_agg(pg_catalog.format('orientation %s: candidates %s', d.orientation_id, d.ids), '; ')
	  INTO doubles
	  FROM (SELECT k.orientation_id, pg_catalog.string_agg(k.id::text, ', ' ORDER BY k.id) AS ids
			  FROM flux.candidature k WHERE k.date_bail IS NOT NULL
			 GROUP BY k.orientation_id HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1) d;
	IF doubles IS NOT NULL THEN
		RAISE EXCEPTION 'orientations with more than one lease: %', doubles
			USING ERRCODE = 'unique_violation',
				  HINT = 'Keep the lease actually signed (set date_bail back to NULL on the others with the triggers disabled), then update again.';
	END IF;
	SELECT pg_catalog.string_agg(pg_catalog.format('vacancy %s: orientations %s', d.vacance_id, d.ids), '; ')
	  INTO doubles
	  FROM (SELECT o.vacance_id, pg_catalog.string_agg(o.id::text, ', ' ORDER BY o.id) AS ids
			  FROM flux.orientation o WHERE o.etat OPERATOR(pg_catalog.=) 'bail_signe'
			 GROUP BY o.vacance_id HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1) d;
	IF doubles IS NOT NULL THEN
		RAISE EXCEPTION 'vacancies let more than once: %', doubles
			USING ERRCODE = 'unique_violation',
				  HINT = 'A vacancy is let once; record each letting of the unit as its own vacancy (flux.vacance), then update again.';
	END IF;
END
$un_bail$;

CREATE UNIQUE INDEX candidature_un_bail_par_orientation ON flux.candidature (orientation_id)
	WHERE date_bail IS NOT NULL;
COMMENT ON INDEX flux.candidature_un_bail_par_orientation IS
	'One lease per orientation: at most one candidate with date_bail';
CREATE UNIQUE INDEX orientation_un_bail_par_vacance ON flux.orientation (vacance_id)
	WHERE etat = 'bail_signe';
COMMENT ON INDEX flux.orientation_un_bail_par_vacance IS
	'One lease per vacancy: at most one of its orientations bail_signe';

-- 2. The designation and the lease: the orientation is written or locked
-- before anything is counted or checked on it.
CREATE OR REPLACE FUNCTION flux.candidature_avant_insertion() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	o flux.orientation;
	c flux.convention;
	n integer;
	dalo boolean;
	maximum integer;
BEGIN
	IF num_nonnulls(NEW.date_caleol, NEW.decision_caleol, NEW.rang_caleol, NEW.date_proposition,
					NEW.taux_effort, NEW.typologie_adaptee, NEW.offre_adaptee, NEW.echeance_reponse_menage,
					NEW.reponse_menage, NEW.date_reponse_menage, NEW.refus_valide_le, NEW.date_bail) > 0
	   OR NEW.refus_illegitime THEN
		RAISE EXCEPTION 'a new candidate is only designated: no CALEOL decision, proposal, answer or lease yet'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Insert the designation, then record each step by UPDATE, in order; flux checks and stamps them.';
	END IF;
	-- A write, not a lock: a concurrent designation on the same orientation
	-- waits for this one; under READ COMMITTED it then counts it, under
	-- REPEATABLE READ and SERIALIZABLE it fails (40001) rather than count
	-- candidates from a snapshot that misses this one.
	o := flux.orientation_toucher(NEW.orientation_id, 'designation of candidate ' || NEW.nud);
	IF o.id IS NULL THEN
		RETURN NEW;				-- the foreign key reports it
	END IF;
	IF o.etat NOT IN ('acceptee', 'candidats_designes') THEN
		RAISE EXCEPTION 'orientation % is %: candidates are designated on an accepted orientation, before the CALEOL', o.id, o.etat
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = CASE o.etat WHEN 'proposee' THEN 'The réservataire accepts it first (etat = ''acceptee''), or silence does at the deadline.'
									 WHEN 'attribuee' THEN 'The CALEOL has decided; a household''s refusal brings the orientation back to candidats_designes.'
									 ELSE 'Create a new orientation of the vacancy.' END;
	END IF;
	IF o.convention_id IS NULL THEN
		IF NEW.designe_par <> 'bailleur' THEN
			RAISE EXCEPTION 'orientation % is outside the flux (%): the bailleur designates', o.id, o.hors_flux
				USING ERRCODE = 'check_violation',
					  HINT = 'Set designe_par = ''bailleur''.';
		END IF;
		RETURN NEW;
	END IF;
	SELECT * INTO c FROM flux.convention WHERE id = o.convention_id;

	IF NEW.designe_par = 'reservataire' AND o.echeance_designation IS NOT NULL
	   AND NEW.date_designation > o.echeance_designation THEN
		RAISE EXCEPTION 'orientation %: designation on % after its deadline %', o.id, NEW.date_designation, o.echeance_designation
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('%s jours ouvrés after acceptance on %s, at most %s month(s) after the orientation on %s%s.',
								  c.delai_designation_jo, o.date_reponse, c.delai_designation_max_mois, o.date_orientation,
								  CASE WHEN o.prolongation_jo > 0 THEN format(', extended by %s jours ouvrés', o.prolongation_jo) ELSE '' END),
				  HINT = format('The bailleur may extend it (UPDATE flux.orientation SET prolongation_jo = n, motif_prolongation = ''...'' WHERE id = %s), designate itself (designe_par = ''bailleur'') or re-orient.', o.id);
	END IF;
	SELECT count(*), coalesce(bool_or(k.dalo), false) INTO n, dalo
	  FROM flux.candidature k WHERE k.orientation_id = o.id;
	dalo := dalo OR NEW.dalo;
	maximum := CASE WHEN dalo THEN c.candidats_max_dalo ELSE c.candidats_max END;
	IF n + 1 > maximum THEN
		RAISE EXCEPTION 'orientation % would have % candidates; convention % allows %', o.id, n + 1, c.id, maximum
			USING ERRCODE = 'check_violation',
				  DETAIL = CASE WHEN dalo THEN 'A DALO household is proposed as a single candidate (candidats_max_dalo).'
								ELSE format('At most %s candidates per unit (candidats_max).', c.candidats_max) END,
				  HINT = 'Withdraw a candidate first, or present the DALO household alone.';
	END IF;
	RETURN NEW;
END
$$;

-- The row write both kinds of steps take on the orientation first.  Under
-- REPEATABLE READ and SERIALIZABLE a concurrent change of the orientation
-- makes PostgreSQL fail the write with 40001 and its generic message; it is
-- said again naming the orientation and what to do (a subtransaction, only
-- at those levels: READ COMMITTED waits and reads the new row instead).
CREATE FUNCTION flux.orientation_toucher(cible bigint, quoi text) RETURNS flux.orientation
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	o flux.orientation;
BEGIN
	IF current_setting('transaction_isolation') = 'read committed' THEN
		UPDATE flux.orientation SET modifie_le = now() WHERE id = cible RETURNING * INTO o;
		RETURN o;
	END IF;
	BEGIN
		UPDATE flux.orientation SET modifie_le = now() WHERE id = cible RETURNING * INTO o;
	EXCEPTION WHEN serialization_failure THEN
		RAISE EXCEPTION 'orientation % was changed by a concurrent transaction: % not recorded', cible, quoi
			USING ERRCODE = 'serialization_failure',
				  DETAIL = format('Under %s, a step on an orientation (a designation, a lease) waits for every other step on it, and fails when that one committed a change its snapshot does not see.',
								  upper(current_setting('transaction_isolation'))),
				  HINT = 'Retry the transaction: it then reads the committed change (a second lease is refused, a designation counted with the others).';
	END;
	RETURN o;
END
$$;
COMMENT ON FUNCTION flux.orientation_toucher(bigint, text) IS
	'Writes the orientation (modifie_le) before a step on it, so that concurrent steps on one orientation follow each other; 40001 naming it when a concurrent one committed first under REPEATABLE READ or SERIALIZABLE';

CREATE OR REPLACE FUNCTION flux.candidature_avant_modification() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	o flux.orientation;
	c flux.convention;
	u record;
BEGIN
	IF NEW.orientation_id <> OLD.orientation_id OR NEW.nud <> OLD.nud OR NEW.designe_par <> OLD.designe_par THEN
		RAISE EXCEPTION 'candidate % cannot change its orientation, NUD or designer', OLD.id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Designate another candidate instead.';
	END IF;
	IF NEW.date_proposition IS NOT DISTINCT FROM OLD.date_proposition
	   AND (NEW.taux_effort IS DISTINCT FROM OLD.taux_effort OR NEW.typologie_adaptee IS DISTINCT FROM OLD.typologie_adaptee
			OR NEW.offre_adaptee IS DISTINCT FROM OLD.offre_adaptee
			OR NEW.echeance_reponse_menage IS DISTINCT FROM OLD.echeance_reponse_menage) THEN
		RAISE EXCEPTION 'candidate %: the effort rate, suitability and answer deadline are stamped by flux with the proposal', OLD.id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Record the proposal''s amounts and household size with date_proposition; flux computes the rest.';
	END IF;
	IF NEW.date_bail IS DISTINCT FROM OLD.date_bail THEN
		-- the lease: the orientation is written first, so that of two leases
		-- signed at once on one orientation the second waits and is refused
		o := flux.orientation_toucher(NEW.orientation_id, 'lease of candidate ' || OLD.id);
		IF o.etat = 'bail_signe' AND OLD.date_bail IS NULL THEN
			RAISE EXCEPTION 'orientation % already has a lease: candidate % signed on %', o.id, o.attributaire_id, o.date_bail
				USING ERRCODE = 'unique_violation',
					  DETAIL = format('Candidate %s cannot sign a second lease for the unit of vacancy %s.', OLD.id, o.vacance_id),
					  HINT = 'One lease per orientation and per vacancy: a new letting of the unit is a new vacancy.';
		END IF;
	ELSE
		SELECT * INTO o FROM flux.orientation WHERE id = NEW.orientation_id;
	END IF;
	SELECT * INTO c FROM flux.convention WHERE id = o.convention_id;
	IF o.etat <> 'attribuee' AND (NEW.date_proposition IS DISTINCT FROM OLD.date_proposition
		OR NEW.reponse_menage IS DISTINCT FROM OLD.reponse_menage OR NEW.date_bail IS DISTINCT FROM OLD.date_bail) THEN
		RAISE EXCEPTION 'orientation % is %: proposals, answers and leases follow a CALEOL attribution', o.id, o.etat
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = CASE WHEN o.etat IN ('refusee', 'restituee', 'expiree', 'annulee', 'bail_signe')
							  THEN format('Orientation %s is over; a new orientation of the vacancy starts again.', o.id)
							  ELSE 'Record the CALEOL''s attribution first.' END;
	END IF;

	IF NEW.decision_caleol IS DISTINCT FROM OLD.decision_caleol THEN
		IF OLD.decision_caleol IS NOT NULL THEN
			RAISE EXCEPTION 'candidate % already has the CALEOL''s decision % of %', OLD.id, OLD.decision_caleol, OLD.date_caleol
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'A CALEOL decision is not rewritten; a new examination is a new candidate.';
		END IF;
		IF o.etat NOT IN ('candidats_designes', 'attribuee') THEN
			RAISE EXCEPTION 'orientation % is %: the CALEOL examines candidates of an orientation with candidates', o.id, o.etat
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Designate the candidates first.';
		END IF;
	END IF;

	IF NEW.date_proposition IS DISTINCT FROM OLD.date_proposition THEN
		IF OLD.date_proposition IS NOT NULL OR NEW.decision_caleol NOT IN ('attribution', 'attribution_sous_condition')
		   OR NEW.decision_caleol IS NULL THEN
			RAISE EXCEPTION 'candidate % cannot be proposed the unit: CALEOL decision %', OLD.id, coalesce(NEW.decision_caleol::text, 'none')
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'A proposal follows an attribution by the CALEOL, once.';
		END IF;
		IF NEW.dalo AND NOT NEW.mentions_dalo THEN
			RAISE EXCEPTION 'the proposal to DALO candidate % lacks its mandatory mentions', OLD.id
				USING ERRCODE = 'check_violation',
					  DETAIL = 'The letter states the deadline of the answer, that silence is refusal, that the offer is made under the DALO and that refusing a suitable offer loses the recognition.',
					  HINT = 'Send the letter with these mentions and set mentions_dalo = true.';
		END IF;
		SELECT l.nbpiece, l.surfhab INTO u
		  FROM flux.vacance v JOIN flux.logement l ON l.id = v.logement_id WHERE v.id = o.vacance_id;
		NEW.echeance_reponse_menage := flux.reporter(NEW.date_proposition + coalesce(c.delai_reponse_menage_jours, 10),
													 o.zone, coalesce(c.report_jour_ouvre, true));
		NEW.taux_effort := CASE WHEN NEW.loyer IS NOT NULL AND NEW.ressources IS NOT NULL
								THEN flux.taux_effort(NEW.loyer, coalesce(NEW.charges, 0), coalesce(NEW.aide_logement, 0), NEW.ressources) END;
		NEW.typologie_adaptee := flux.typologie_adaptee(u.nbpiece, u.surfhab, NEW.personnes, coalesce(c.sous_occupation_max, 1));
		NEW.offre_adaptee := NEW.typologie_adaptee
			AND (c.taux_effort_max IS NULL OR NEW.taux_effort <= c.taux_effort_max);
	END IF;

	IF NEW.reponse_menage IS DISTINCT FROM OLD.reponse_menage THEN
		IF OLD.reponse_menage IS NOT NULL OR NEW.date_proposition IS NULL THEN
			RAISE EXCEPTION 'candidate % cannot answer: %', OLD.id,
					CASE WHEN OLD.reponse_menage IS NOT NULL THEN 'it already answered ' || OLD.reponse_menage ELSE 'nothing was proposed' END
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Record the proposal (date_proposition) first; an answer is given once.';
		END IF;
		IF NEW.reponse_menage = 'acceptee' AND NEW.date_reponse_menage > NEW.echeance_reponse_menage THEN
			RAISE EXCEPTION 'candidate %: acceptance of % after the deadline %', OLD.id, NEW.date_reponse_menage, NEW.echeance_reponse_menage
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = 'Silence until the deadline is a refusal.',
					  HINT = 'Run flux.appliquer_echeances(); a new proposal needs a new CALEOL decision.';
		END IF;
	END IF;

	IF NEW.refus_illegitime AND NOT OLD.refus_illegitime THEN
		IF NEW.reponse_menage NOT IN ('refusee', 'sans_reponse') OR NEW.reponse_menage IS NULL
		   OR NOT coalesce(NEW.offre_adaptee, false) THEN
			RAISE EXCEPTION 'candidate %: only the refusal of a suitable offer can be illegitimate', OLD.id
				USING ERRCODE = 'check_violation',
					  DETAIL = format('Answer: %s; suitable offer: %s.', coalesce(NEW.reponse_menage::text, 'none'),
									  coalesce(NEW.offre_adaptee::text, 'unknown')),
				  	  HINT = 'Record the refusal, and the proposal''s rent, resources and household size so that its suitability is known.';
		END IF;
	END IF;

	IF NEW.date_bail IS DISTINCT FROM OLD.date_bail THEN
		IF OLD.date_bail IS NOT NULL OR NEW.reponse_menage IS DISTINCT FROM 'acceptee' THEN
			RAISE EXCEPTION 'candidate % cannot sign a lease: %', OLD.id,
					CASE WHEN OLD.date_bail IS NOT NULL THEN 'signed on ' || OLD.date_bail ELSE 'the household has not accepted' END
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'A lease follows the household''s acceptance, once.';
		END IF;
	END IF;
	RETURN NEW;
END
$$;

-- 3. The counters, written in the order of their key.  Every statement that
-- orients or changes orientations takes the rows of flux.compteur_orientation
-- it needs (the row lock of an existing counter, the insertion of a new one)
-- in one pass, by increasing key: two such statements can wait for each
-- other, never each for the other.
CREATE OR REPLACE FUNCTION flux.orientation_compter() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
	-- a bulk INSERT hands it 100 000 rows: hash them, do not sort them on disk
	SET work_mem = '64MB'
AS $$
DECLARE
	plus bigint[];
	moins bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		-- the bulk path: the new rows grouped by destination and segments
		-- first (a few groups), each group then counted twelve times (its
		-- destination and all of the flux, in all and by each segment), and
		-- written in the order of the key (a few hundred rows to sort)
		INSERT INTO flux.compteur_orientation AS k (bailleur_id, departement, annee, destination, dimension, valeur, n)
		SELECT g.bailleur_id, g.departement, g.annee, ds.destination, dv.dimension::smallint, dv.valeur, sum(g.n)::integer
		  FROM (
			SELECT u.bailleur_id, u.departement, u.annee, u.dest,
				   flux.segments(u.qpv, u.nbpiece, u.finan, u.cus, u.depcom, u.construct) AS s, u.n
			  FROM (
				-- grouped on the units' plain columns first: a hash on scalars
				SELECT l.bailleur_id, l.departement, extract(year FROM n.date_orientation)::integer AS annee,
					   coalesce(n.convention_id, 0) AS dest, l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct,
					   count(*) AS n
				  FROM nouvelles n
				  JOIN flux.vacance v ON v.id = n.vacance_id
				  JOIN flux.logement l ON l.id = v.logement_id
				 WHERE flux.compte_au_quota(n.etat, n.hors_flux, NULL)
				 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) u) g
		 CROSS JOIN LATERAL (VALUES (g.dest), (-1)) AS ds(destination)
		 CROSS JOIN LATERAL (SELECT 0 AS dimension, '' AS valeur
							 UNION ALL SELECT d.dim, g.s[d.dim] FROM generate_series(1, 5) d(dim)) dv
		 GROUP BY 1, 2, 3, 4, 5, 6
		 ORDER BY 1, 2, 3, 4, 5, 6
		ON CONFLICT (bailleur_id, departement, annee, destination, dimension, valeur)
		DO UPDATE SET n = k.n + EXCLUDED.n;
		RETURN NULL;
	END IF;
	SELECT array_agg(n.id) FILTER (WHERE flux.compte_au_quota(n.etat, n.hors_flux, c.refus_compte_quota)),
		   array_agg(n.id) FILTER (WHERE flux.compte_au_quota(a.etat, a.hors_flux, c.refus_compte_quota))
	  INTO plus, moins
	  FROM nouvelles n JOIN anciennes a ON a.id = n.id
	  LEFT JOIN flux.convention c ON c.id = n.convention_id
	 WHERE flux.compte_au_quota(n.etat, n.hors_flux, c.refus_compte_quota)
		   <> flux.compte_au_quota(a.etat, a.hors_flux, c.refus_compte_quota);
	IF plus IS NOT NULL OR moins IS NOT NULL THEN
		PERFORM flux.compteur_appliquer(plus, moins);
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION flux.compteur_appliquer(plus bigint[], moins bigint[]) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	d record;
	reste integer;
BEGIN
	-- one pass in the order of the key, the orientations that now count and
	-- those that no longer do netted per counter (a few rows per statement)
	FOR d IN
		SELECT x.bailleur_id, x.departement, x.annee, x.destination, x.dimension, x.valeur, sum(x.n)::integer AS n
		  FROM (SELECT p.bailleur_id, p.departement, p.annee, p.destination, p.dimension, p.valeur, p.n
				  FROM flux.compteur_deltas(coalesce(plus, '{}')) p
				UNION ALL
				SELECT m.bailleur_id, m.departement, m.annee, m.destination, m.dimension, m.valeur, -m.n
				  FROM flux.compteur_deltas(coalesce(moins, '{}')) m) x
		 GROUP BY 1, 2, 3, 4, 5, 6
		HAVING sum(x.n) <> 0
		 ORDER BY 1, 2, 3, 4, 5, 6
	LOOP
		IF d.n > 0 THEN
			INSERT INTO flux.compteur_orientation AS k (bailleur_id, departement, annee, destination, dimension, valeur, n)
			VALUES (d.bailleur_id, d.departement, d.annee, d.destination, d.dimension, d.valeur, d.n)
			ON CONFLICT (bailleur_id, departement, annee, destination, dimension, valeur)
			DO UPDATE SET n = k.n + EXCLUDED.n;
		ELSE
			UPDATE flux.compteur_orientation k SET n = k.n + d.n
			 WHERE (k.bailleur_id, k.departement, k.annee, k.destination, k.dimension, k.valeur)
				 = (d.bailleur_id, d.departement, d.annee, d.destination, d.dimension, d.valeur)
			RETURNING k.n INTO reste;
			IF reste = 0 THEN
				DELETE FROM flux.compteur_orientation k
				 WHERE (k.bailleur_id, k.departement, k.annee, k.destination, k.dimension, k.valeur)
					 = (d.bailleur_id, d.departement, d.annee, d.destination, d.dimension, d.valeur)
				   AND k.n = 0;
			END IF;
		END IF;
	END LOOP;
END
$$;
COMMENT ON FUNCTION flux.compteur_appliquer(bigint[], bigint[]) IS
	'Adds the orientations plus to flux.compteur_orientation and takes the orientations moins from it, netted per counter, in the order of the key (no deadlock between statements)';

CREATE OR REPLACE FUNCTION flux.compteur_ajouter(ids bigint[], signe integer) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF signe > 0 THEN
		PERFORM flux.compteur_appliquer(ids, NULL);
	ELSE
		PERFORM flux.compteur_appliquer(NULL, ids);
	END IF;
END
$$;

-- 4. The history's origine.  A session can set any custom setting, so
-- flux.origine (0.5.0 to 0.8.0) let any change be labelled the sweep's.  Now
-- the triggers ignore it and ask flux.origine_courante(), which reads a flag
-- of the backend that only the C function flux.appliquer_echeances raises,
-- around the sweep's own statements (src/echeance.c).
CREATE FUNCTION flux.origine_courante() RETURNS text
	AS 'MODULE_PATHNAME', 'flux_origine_courante'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION flux.origine_courante() IS
	'The history''s origine of the change being made: echeance while flux.appliquer_echeances runs in this session, else utilisateur';

CREATE OR REPLACE FUNCTION flux.orientation_historiser() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	origine text;
BEGIN
	origine := flux.origine_courante();
	IF TG_OP = 'INSERT' THEN
		INSERT INTO flux.orientation_historique (orientation_id, de, vers, origine, motif)
		SELECT n.id, NULL, n.etat::text, origine, n.motif
		  FROM nouvelles n;
	ELSE
		INSERT INTO flux.orientation_historique (orientation_id, de, vers, origine, motif)
		SELECT n.id, a.etat::text, n.etat::text, origine, n.motif
		  FROM nouvelles n JOIN anciennes a ON a.id = n.id
		 WHERE n.etat <> a.etat;
	END IF;
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION flux.candidature_apres() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	etape text;
	origine text;
BEGIN
	origine := flux.origine_courante();
	IF TG_OP = 'INSERT' THEN
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
		VALUES (NEW.orientation_id, NEW.id, NULL, 'candidat_designe', origine,
				format('rank %s, designated by the %s', NEW.rang, NEW.designe_par));
		UPDATE flux.orientation SET etat = 'candidats_designes', motif = 'candidates designated'
		 WHERE id = NEW.orientation_id AND etat = 'acceptee';
		RETURN NULL;
	END IF;

	IF NEW.decision_caleol IS DISTINCT FROM OLD.decision_caleol THEN
		etape := 'caleol_' || NEW.decision_caleol;
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
		VALUES (NEW.orientation_id, NEW.id, 'candidat_designe', etape, origine, NEW.motif_caleol);
		IF NEW.decision_caleol IN ('attribution', 'attribution_sous_condition') THEN
			UPDATE flux.orientation SET etat = 'attribuee', date_attribution = NEW.date_caleol,
				   motif = format('attributed by the CALEOL of %s to candidate %s', NEW.date_caleol, NEW.id)
			 WHERE id = NEW.orientation_id AND etat = 'candidats_designes';
		END IF;
	END IF;
	IF NEW.date_proposition IS DISTINCT FROM OLD.date_proposition THEN
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
		VALUES (NEW.orientation_id, NEW.id, NULL, 'proposition', origine,
				format('answer by %s; effort rate %s; suitable offer %s', NEW.echeance_reponse_menage,
					   coalesce(NEW.taux_effort::text || ' %', 'unknown'), coalesce(NEW.offre_adaptee::text, 'unknown')));
	END IF;
	IF NEW.reponse_menage IS DISTINCT FROM OLD.reponse_menage THEN
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
		VALUES (NEW.orientation_id, NEW.id, 'proposition', 'reponse_' || NEW.reponse_menage, origine, NEW.motif_refus);
		IF NEW.reponse_menage IN ('refusee', 'sans_reponse') AND NOT EXISTS (
			SELECT 1 FROM flux.candidature k
			 WHERE k.orientation_id = NEW.orientation_id AND k.id <> NEW.id
			   AND k.decision_caleol IN ('attribution', 'attribution_sous_condition')
			   AND (k.reponse_menage IS NULL OR k.reponse_menage = 'acceptee')) THEN
			UPDATE flux.orientation SET etat = 'candidats_designes',
				   motif = format('candidate %s %s the proposal', NEW.id,
								  CASE NEW.reponse_menage WHEN 'refusee' THEN 'refused' ELSE 'did not answer' END)
			 WHERE id = NEW.orientation_id AND etat = 'attribuee';
		END IF;
	END IF;
	IF NEW.refus_valide_le IS DISTINCT FROM OLD.refus_valide_le AND NEW.refus_valide_le IS NOT NULL THEN
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
		VALUES (NEW.orientation_id, NEW.id, 'reponse_' || NEW.reponse_menage, 'refus_illegitime_valide', origine,
				format('validated by the réservataire on %s', NEW.refus_valide_le));
	END IF;
	IF NEW.date_bail IS DISTINCT FROM OLD.date_bail THEN
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
		VALUES (NEW.orientation_id, NEW.id, 'reponse_acceptee', 'bail', origine, format('lease signed on %s', NEW.date_bail));
		UPDATE flux.orientation SET etat = 'bail_signe', date_bail = NEW.date_bail,
			   motif = format('lease signed on %s by candidate %s', NEW.date_bail, NEW.id)
		 WHERE id = NEW.orientation_id;
		UPDATE flux.vacance v SET date_relocation = NEW.date_bail
		  FROM flux.orientation o WHERE o.id = NEW.orientation_id AND v.id = o.vacance_id;
	END IF;
	RETURN NULL;
END
$$;

-- The sweep: its statements are flux.balayer_echeances (PL/pgSQL, as in
-- 0.5.0 to 0.8.0 but without the setting), run by the C function
-- flux.appliquer_echeances with the sweep's flag raised.
DROP FUNCTION flux.appliquer_echeances(timestamptz);
CREATE FUNCTION flux.balayer_echeances(a_la_date timestamptz DEFAULT now())
	RETURNS TABLE (orientation_id bigint, candidature_id bigint, de text, vers text, echeance date)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	jour date := a_la_date::date;
BEGIN
	IF a_la_date IS NULL OR NOT isfinite(a_la_date) THEN
		RAISE EXCEPTION 'the sweep needs a finite date, not %', coalesce(a_la_date::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Call flux.appliquer_echeances() for now, or pass a timestamp.';
	END IF;

	RETURN QUERY
	WITH cibles AS (
		SELECT o.id FROM flux.orientation o
		 WHERE o.etat OPERATOR(pg_catalog.=) 'proposee' AND o.echeance_reponse < jour
		   FOR UPDATE SKIP LOCKED
	)
	UPDATE flux.orientation o
	   SET etat = CASE WHEN c.silence_vaut_acceptation THEN 'acceptee' ELSE 'expiree' END::flux.etat_orientation,
		   date_reponse = o.echeance_reponse,
		   motif = format('no answer by %s: %s', o.echeance_reponse,
						  CASE WHEN c.silence_vaut_acceptation THEN 'silence is acceptance' ELSE 'expired' END)
	  FROM cibles, flux.convention c
	 WHERE o.id = cibles.id AND c.id = o.convention_id
	   AND o.etat OPERATOR(pg_catalog.=) 'proposee' AND o.echeance_reponse < jour
	RETURNING o.id, NULL::bigint, 'proposee'::text, o.etat::text, o.echeance_reponse AS echeance;

	RETURN QUERY
	WITH cibles AS (
		SELECT o.id FROM flux.orientation o
		 WHERE o.etat OPERATOR(pg_catalog.=) 'acceptee' AND o.echeance_designation < jour
		   AND NOT EXISTS (SELECT 1 FROM flux.candidature k WHERE k.orientation_id = o.id)
		   FOR UPDATE SKIP LOCKED
	)
	UPDATE flux.orientation o
	   SET etat = 'restituee',
		   motif = format('no candidate by %s: back to the bailleur (re-orient, designate or extend)', o.echeance_designation)
	  FROM cibles
	 WHERE o.id = cibles.id AND o.etat OPERATOR(pg_catalog.=) 'acceptee' AND o.echeance_designation < jour
	   AND NOT EXISTS (SELECT 1 FROM flux.candidature k WHERE k.orientation_id = o.id)
	RETURNING o.id, NULL::bigint, 'acceptee'::text, o.etat::text, o.echeance_designation AS echeance;

	RETURN QUERY
	WITH cibles AS (
		SELECT k.id FROM flux.candidature k JOIN flux.orientation o ON o.id = k.orientation_id
		 WHERE k.date_proposition IS NOT NULL AND k.reponse_menage IS NULL
		   AND k.echeance_reponse_menage < jour AND o.etat OPERATOR(pg_catalog.=) 'attribuee'
		   FOR UPDATE OF k SKIP LOCKED
	)
	UPDATE flux.candidature k
	   SET reponse_menage = 'sans_reponse', date_reponse_menage = k.echeance_reponse_menage,
		   motif_refus = format('no answer by %s: silence is refusal', k.echeance_reponse_menage)
	  FROM cibles, flux.orientation o
	 WHERE k.id = cibles.id AND k.reponse_menage IS NULL AND k.echeance_reponse_menage < jour
	   AND o.id = k.orientation_id AND o.etat OPERATOR(pg_catalog.=) 'attribuee'
	RETURNING k.orientation_id, k.id, 'proposition'::text, 'reponse_sans_reponse'::text, k.echeance_reponse_menage AS echeance;
END
$$;
COMMENT ON FUNCTION flux.balayer_echeances(timestamptz) IS
	'The statements of the deadline sweep; run them through flux.appliquer_echeances, which records them as the sweep''s (called directly, they are recorded as the user''s)';

CREATE FUNCTION flux.appliquer_echeances(a_la_date timestamptz DEFAULT now())
	RETURNS TABLE (orientation_id bigint, candidature_id bigint, de text, vers text, echeance date)
	AS 'MODULE_PATHNAME', 'flux_appliquer_echeances'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flux.appliquer_echeances(timestamptz) IS
	'Applies every deadline passed by a_la_date (tacit acceptance or expiry, return to the bailleur, a household''s silence), skipping rows locked by users; idempotent; returns the transitions applied, recorded in the history with origine echeance';


-- A history row written by hand (a role that may orient may insert into the
-- history, since the triggers run with its rights) cannot claim the sweep's
-- origine either.  Fired for those rows only: free on the bulk path.
CREATE FUNCTION flux.historique_origine() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
BEGIN
	IF flux.origine_courante() <> NEW.origine THEN
		RAISE EXCEPTION 'history of orientation %: origine % is the deadline sweep''s', NEW.orientation_id, NEW.origine
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'Only the changes made by flux.appliquer_echeances are recorded with origine echeance.',
				  HINT = 'Record a change with origine utilisateur (the default), or run flux.appliquer_echeances() to apply the deadlines.';
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux.historique_origine() IS
	'Trigger: a history row with origine echeance comes from flux.appliquer_echeances, or is refused';
REVOKE EXECUTE ON FUNCTION flux.historique_origine() FROM PUBLIC;
CREATE TRIGGER historique_origine
	BEFORE INSERT ON flux.orientation_historique
	FOR EACH ROW WHEN (NEW.origine IS DISTINCT FROM 'utilisateur')
	EXECUTE FUNCTION flux.historique_origine();

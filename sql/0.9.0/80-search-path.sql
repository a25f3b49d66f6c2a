
-- ---------------------------------------------------------------------------
-- No climb through search_path (docs/security.md, "search_path").
--
-- The last five SQL functions of flux whose bodies were strings parsed at
-- each call with the caller's search_path: a role that may create objects in
-- a schema of that path (public) could plant an operator "=" on
-- flux.decision_caleol there (an exact match wins over pg_catalog's
-- anyenum one whatever the order of the path) and have it run as whoever
-- called flux.attributaire, a superuser as well.  They get an SQL-standard
-- body, parsed and bound once, here, by CREATE EXTENSION or ALTER EXTENSION
-- UPDATE (whose path is flux's schema, pg_catalog first), and whose every
-- object is recorded in pg_depend.  A pinned search_path would have stopped
-- the planner from inlining logements_classes (a set-returning function in
-- FROM) and assiette, assiette_communes and rotation on top of it; an
-- SQL-standard body is still inlined (PostgreSQL 14+).  Every name is
-- qualified all the same, IN (...) written OPERATOR(pg_catalog.=) ANY
-- (ARRAY[...]), so that the text reads the same whatever path parses it.
-- Behaviour is unchanged.
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION flux.attributaire(orientation_id bigint)
	RETURNS bigint
	LANGUAGE sql STABLE PARALLEL SAFE STRICT
BEGIN ATOMIC
	SELECT k.id FROM flux.candidature k
	 WHERE k.orientation_id OPERATOR(pg_catalog.=) $1
	   AND (k.decision_caleol OPERATOR(pg_catalog.=) ANY (ARRAY['attribution', 'attribution_sous_condition']::flux.decision_caleol[])
			OR k.refus_valide_le IS NOT NULL)
	 ORDER BY k.date_bail IS NULL, k.rang_caleol NULLS LAST, k.id
	 LIMIT 1;
END;

CREATE OR REPLACE FUNCTION flux.logements_classes(bailleur bigint, annee integer, departement text)
	RETURNS TABLE(logement_id bigint, bailleur_id bigint, departement text, depcom text, epci text,
				  qpv boolean, patrimoine smallint, classement flux.classement)
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 100000
BEGIN ATOMIC
	-- the bailleur's family and the year's options are read once (InitPlans),
	-- not joined per unit
	SELECT l.id, l.bailleur_id, l.departement, l.depcom, l.epci, l.qpv, l.patrimoine,
		   flux.classer($2,
						(SELECT b.famille FROM flux.bailleur b WHERE b.id OPERATOR(pg_catalog.=) $1),
						l.conv, l.finan, l.cus, l.typeconst, l.mode,
						l.hors_champ, l.exclusion, l.date_sortie, l.date_mise_en_service, l.locat,
						coalesce((SELECT p.exclure_plai_adapte FROM flux.parametre_annuel p
								   WHERE p.bailleur_id OPERATOR(pg_catalog.=) $1
									 AND p.departement OPERATOR(pg_catalog.=) $3
									 AND p.annee OPERATOR(pg_catalog.=) $2), false),
						coalesce((SELECT p.exclure_gens_du_voyage FROM flux.parametre_annuel p
								   WHERE p.bailleur_id OPERATOR(pg_catalog.=) $1
									 AND p.departement OPERATOR(pg_catalog.=) $3
									 AND p.annee OPERATOR(pg_catalog.=) $2), false))
	  FROM flux.logement l
	 WHERE l.bailleur_id OPERATOR(pg_catalog.=) $1
	   AND l.departement OPERATOR(pg_catalog.=) $3;
END;

CREATE OR REPLACE FUNCTION flux.assiette(bailleur bigint, departement text, annee integer)
	RETURNS TABLE(parc_concerne bigint, exclus bigint, assiette bigint, exclus_defense bigint,
				  exclus_securite_interieure bigint, exclus_sante bigint, exclus_vente bigint,
				  exclus_demolition bigint, exclus_plai_adapte bigint, exclus_gens_du_voyage bigint,
				  non_concernes bigint, logements_foyers bigint, residences_sociales bigint,
				  residences_universitaires bigint, intermediaires bigint, sem_non_conventionnes bigint,
				  premieres_locations bigint, hors_parc bigint)
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
BEGIN ATOMIC
	SELECT
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE flux.statut(n.classement) OPERATOR(pg_catalog.=) ANY (ARRAY['assiette', 'exclu'])), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE flux.statut(n.classement) OPERATOR(pg_catalog.=) 'exclu'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'assiette'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'defense'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'securite_interieure'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'sante'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'vente'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'demolition'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'plai_adapte'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'gens_du_voyage'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE flux.statut(n.classement) OPERATOR(pg_catalog.=) 'non_concerne'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'logement_foyer'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'residence_sociale'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'residence_universitaire'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'intermediaire'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'sem_non_conventionne'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'premiere_location'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'hors_parc'), 0)::bigint
	  FROM (SELECT k.classement, pg_catalog.count(*) AS n
			  FROM flux.logements_classes($1, $3, $2) k
			 GROUP BY k.classement) n;
END;

CREATE OR REPLACE FUNCTION flux.assiette_communes(bailleur bigint, departement text, annee integer)
	RETURNS TABLE(depcom text, commune text, epci text, parc_concerne bigint, exclus bigint,
				  assiette bigint, assiette_qpv bigint, assiette_hors_qpv bigint)
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT k.depcom, c.nom, coalesce(c.epci, pg_catalog.min(k.epci)),
		   pg_catalog.count(*) FILTER (WHERE flux.statut(k.classement) OPERATOR(pg_catalog.=) ANY (ARRAY['assiette', 'exclu'])),
		   pg_catalog.count(*) FILTER (WHERE flux.statut(k.classement) OPERATOR(pg_catalog.=) 'exclu'),
		   pg_catalog.count(*) FILTER (WHERE k.classement OPERATOR(pg_catalog.=) 'assiette'),
		   pg_catalog.count(*) FILTER (WHERE k.classement OPERATOR(pg_catalog.=) 'assiette' AND k.qpv),
		   pg_catalog.count(*) FILTER (WHERE k.classement OPERATOR(pg_catalog.=) 'assiette' AND NOT k.qpv)
	  FROM flux.logements_classes($1, $3, $2) k
	  LEFT JOIN flux.commune c ON c.depcom OPERATOR(pg_catalog.=) k.depcom
	 GROUP BY k.depcom, c.nom, c.epci
	 ORDER BY k.depcom;
END;

CREATE OR REPLACE FUNCTION flux.rotation(bailleur bigint, departement text, annee integer,
										 definition flux.definition_rotation DEFAULT 'relocations')
	RETURNS TABLE(annee integer, definition flux.definition_rotation, mouvements bigint, parc bigint,
				  taux_rotation numeric)
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
BEGIN ATOMIC
	WITH k AS MATERIALIZED (
		-- the year's classification of every unit, once
		SELECT k.logement_id, k.patrimoine,
			   flux.statut(k.classement) OPERATOR(pg_catalog.=) ANY (ARRAY['assiette', 'exclu']) AS concerne
		  FROM flux.logements_classes($1, $3, $2) k
	), annee AS (
		SELECT pg_catalog.make_date($3, 1, 1) AS debut, pg_catalog.make_date($3 OPERATOR(pg_catalog.+) 1, 1, 1) AS fin
	), mouvements AS (
		SELECT pg_catalog.count(DISTINCT v.logement_id) FILTER (
				   WHERE $4 OPERATOR(pg_catalog.=) 'relocations' AND NOT v.premiere_location AND k.concerne
					 AND v.date_relocation OPERATOR(pg_catalog.>=) a.debut AND v.date_relocation OPERATOR(pg_catalog.<) a.fin
					 AND k.patrimoine OPERATOR(pg_catalog.<=) ($3 OPERATOR(pg_catalog.-) 2))
			 OPERATOR(pg_catalog.+) pg_catalog.count(*) FILTER (
				   WHERE $4 OPERATOR(pg_catalog.=) 'emmenagements'
					 AND v.date_relocation OPERATOR(pg_catalog.>=) a.debut AND v.date_relocation OPERATOR(pg_catalog.<) a.fin)
			 OPERATOR(pg_catalog.+) pg_catalog.count(*) FILTER (
				   WHERE $4 OPERATOR(pg_catalog.=) 'disponibles'
					 AND v.date_disponible OPERATOR(pg_catalog.>=) a.debut AND v.date_disponible OPERATOR(pg_catalog.<) a.fin) AS n
		  FROM flux.vacance v
		  JOIN k ON k.logement_id OPERATOR(pg_catalog.=) v.logement_id
		  CROSS JOIN annee a
		 -- vacancies of the parc concerné, and first lettings of new units
		 WHERE k.concerne OR v.premiere_location
	), base AS (
		SELECT pg_catalog.count(*) FILTER (WHERE k.concerne AND ($4 OPERATOR(pg_catalog.<>) 'relocations'
											   OR k.patrimoine OPERATOR(pg_catalog.<=) ($3 OPERATOR(pg_catalog.-) 2))) AS n
		  FROM k
	)
	SELECT $3, $4, m.n, b.n,
		   CASE WHEN b.n OPERATOR(pg_catalog.>) 0
				THEN pg_catalog.round(100.0 OPERATOR(pg_catalog.*) m.n OPERATOR(pg_catalog./) b.n, 2) END
	  FROM mouvements m, base b;
END;

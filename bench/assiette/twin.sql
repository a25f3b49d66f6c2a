-- The plain-SQL twin of flux.classer (src/assiette.c), for bench/assiette/run.sh.
-- Same rule, same order (the 18-argument form of 0.10.0: RPLS SORTIEPATRIM,
-- the plans of the unit and of its programme, the programme entry); inlined
-- by the planner into the calling query.  Unlike the C it does not check its
-- arguments (a bad SORTIEPATRIM is simply not a sale).
CREATE SCHEMA IF NOT EXISTS bench;
CREATE OR REPLACE FUNCTION bench.classer_sql(
	annee integer, famille flux.famille_bailleur, conv boolean,
	finan smallint, cus smallint, typeconst char(1), mode smallint,
	hors_champ flux.motif_hors_champ, exclusion flux.motif_exclusion,
	date_sortie date, date_mise_en_service date, locat smallint,
	exclure_plai_adapte boolean, exclure_gens_du_voyage boolean,
	sortiepatrim smallint, plan_logement flux.nature_plan, plan_programme flux.nature_plan,
	entree_programmes flux.entree_programme)
	RETURNS flux.classement
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE
		WHEN annee IS NULL THEN NULL
		WHEN date_sortie OPERATOR(pg_catalog.<=) pg_catalog.make_date(annee, 1, 1)
		  OR date_mise_en_service OPERATOR(pg_catalog.>=) pg_catalog.make_date(annee OPERATOR(pg_catalog.+) 1, 1, 1)
			THEN 'hors_parc'::flux.classement
		WHEN hors_champ OPERATOR(pg_catalog.=) 'logement_foyer' THEN 'logement_foyer'
		WHEN hors_champ OPERATOR(pg_catalog.=) 'residence_sociale' THEN 'residence_sociale'
		WHEN hors_champ OPERATOR(pg_catalog.=) 'residence_universitaire' THEN 'residence_universitaire'
		WHEN hors_champ OPERATOR(pg_catalog.=) 'intermediaire' THEN 'intermediaire'
		WHEN typeconst OPERATOR(pg_catalog.=) 'E' THEN 'residence_universitaire'
		WHEN mode OPERATOR(pg_catalog.=) 4 THEN 'logement_foyer'
		WHEN finan OPERATOR(pg_catalog.=) 16 OR cus OPERATOR(pg_catalog.=) 16 THEN 'intermediaire'
		WHEN famille OPERATOR(pg_catalog.=) 'sem' AND NOT conv THEN 'sem_non_conventionne'
		WHEN coalesce(pg_catalog.date_part('year', date_mise_en_service)::integer,
								 locat::integer) OPERATOR(pg_catalog.>) annee
		  OR (coalesce(pg_catalog.date_part('year', date_mise_en_service)::integer,
								  locat::integer) OPERATOR(pg_catalog.=) annee
			  AND entree_programmes IS DISTINCT FROM 'premiere_vacance')
			THEN 'premiere_location'
		WHEN exclusion OPERATOR(pg_catalog.=) 'defense' THEN 'defense'
		WHEN exclusion OPERATOR(pg_catalog.=) 'securite_interieure' THEN 'securite_interieure'
		WHEN exclusion OPERATOR(pg_catalog.=) 'sante' THEN 'sante'
		WHEN exclusion OPERATOR(pg_catalog.=) 'vente' THEN 'vente'
		WHEN exclusion OPERATOR(pg_catalog.=) 'demolition' THEN 'demolition'
		WHEN exclusion OPERATOR(pg_catalog.=) 'plai_adapte' AND exclure_plai_adapte THEN 'plai_adapte'
		WHEN exclusion OPERATOR(pg_catalog.=) 'gens_du_voyage' AND exclure_gens_du_voyage THEN 'gens_du_voyage'
		WHEN sortiepatrim OPERATOR(pg_catalog.=) ANY ('{1,2,3}'::smallint[])
		 AND date_sortie OPERATOR(pg_catalog.<) pg_catalog.make_date(annee OPERATOR(pg_catalog.+) 1, 1, 1)
			THEN 'vente'
		WHEN sortiepatrim OPERATOR(pg_catalog.=) 4
		 AND date_sortie OPERATOR(pg_catalog.<) pg_catalog.make_date(annee OPERATOR(pg_catalog.+) 1, 1, 1)
			THEN 'demolition'
		-- no text -> enum cast here: enum_in is only stable, it would stop the inlining
		WHEN plan_logement OPERATOR(pg_catalog.=) 'vente' THEN 'vente'
		WHEN plan_logement OPERATOR(pg_catalog.=) 'demolition' THEN 'demolition'
		WHEN plan_programme OPERATOR(pg_catalog.=) 'vente' THEN 'vente'
		WHEN plan_programme OPERATOR(pg_catalog.=) 'demolition' THEN 'demolition'
		ELSE 'assiette'
	END;

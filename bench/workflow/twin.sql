-- bench/workflow/twin.sql: what the insertion trigger stamps, in plain SQL
-- (zone of the unit's département, state, answer deadline), for the bench
CREATE SCHEMA IF NOT EXISTS bench;
CREATE OR REPLACE FUNCTION bench.orientation_stamps(vacance bigint, convention bigint, d date)
	RETURNS TABLE (zone text, etat text, echeance_reponse date)
	LANGUAGE sql STABLE
AS $$
	SELECT flux.zone_de(l.departement),
		   CASE WHEN c.mode = 'deleguee' THEN 'acceptee' ELSE 'proposee' END,
		   CASE WHEN c.mode = 'deleguee' THEN NULL
				ELSE flux.ajouter_jours_ouvres(d, c.delai_reponse_jo, flux.zone_de(l.departement)) END
	  FROM flux.vacance v JOIN flux.logement l ON l.id = v.logement_id, flux.convention c
	 WHERE v.id = vacance AND c.id = convention
$$;

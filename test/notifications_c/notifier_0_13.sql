-- test/notifications_c/notifier_0_13.sql: flux.orientation_notifier as
-- 0.13.0 wrote it (PL/pgSQL, src/notifications.sql of 0.13.0), the
-- reference test/notifications_c.sh holds the C trigger of 0.14.0 to
CREATE SCHEMA regress_notif;
CREATE FUNCTION regress_notif.notifier_0_13() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		-- the payload as json_strip_nulls(json_build_object(...)) writes it,
		-- written directly (a tenth of the sweep's cost went to building the
		-- json and parsing it again to strip its nulls)
		PERFORM pg_catalog.pg_notify('flux_reservataire_' || c.reservataire_id,
				 pg_catalog.format('{"evenement":"orientation","orientation_id":%s,"convention_id":%s%s}',
								   n.id, n.convention_id,
								   ',"echeance_reponse":' || pg_catalog.to_json(n.echeance_reponse)::text))
		   FROM nouvelles n
		   JOIN flux.convention c ON c.id = n.convention_id
		  ORDER BY n.id;
	ELSE
		PERFORM pg_catalog.pg_notify(d.canal,
				 pg_catalog.format('{"evenement":"etat","orientation_id":%s,"convention_id":%s,"de":%s,"vers":%s}',
								   n.id, n.convention_id, pg_catalog.to_json(a.etat), pg_catalog.to_json(n.etat)))
		   FROM nouvelles n
		   JOIN anciennes a ON a.id = n.id
		   JOIN flux.convention c ON c.id = n.convention_id
		  CROSS JOIN LATERAL (VALUES (1, 'flux_reservataire_' || c.reservataire_id),
									 (2, 'flux_bailleur_' || c.bailleur_id)) d (rang, canal)
		  WHERE n.etat IS DISTINCT FROM a.etat
		  ORDER BY n.id, d.rang;
	END IF;
	RETURN NULL;
END
$$;

DROP TRIGGER orientation_notifier_insertion ON flux.orientation;
DROP TRIGGER orientation_notifier_modification ON flux.orientation;
CREATE TRIGGER orientation_notifier_insertion
	AFTER INSERT ON flux.orientation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION regress_notif.notifier_0_13();
CREATE TRIGGER orientation_notifier_modification
	AFTER UPDATE ON flux.orientation REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION regress_notif.notifier_0_13();

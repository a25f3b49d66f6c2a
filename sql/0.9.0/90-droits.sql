
-- ---------------------------------------------------------------------------
-- What PUBLIC may execute (docs/security.md, "Privileges").
--
-- A trigger function is executed by the trigger, whoever fires it: EXECUTE
-- is checked only when a trigger is created, so revoking it from PUBLIC
-- keeps other roles from attaching flux's triggers to tables of their own.
-- An aggregate's support functions are checked against the aggregate's
-- owner, so revoking them leaves flux.decompte_etapes usable by all.
-- Everything else stays executable: functions that run with the caller's
-- rights need the kernels they call, and every C function checks its
-- arguments and is fuzzed (test/fuzz.sql).  Issue 16's roles narrow this.
-- ---------------------------------------------------------------------------
REVOKE EXECUTE ON FUNCTION flux.convention_verifier() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.convention_verifier_plafonds() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.reservation_verifier() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.orientation_estampiller() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.orientation_verifier_insertion() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.orientation_avant_modification() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.orientation_historiser() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.historique_immuable() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.orientation_sans_suppression() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.candidature_avant_insertion() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.candidature_avant_modification() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.candidature_apres() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.orientation_compter() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.candidature_attributaire() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.orientation_attributaire() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.decompte_etapes_ajouter(bigint[], boolean, boolean, boolean, boolean, boolean, boolean, boolean, smallint) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flux.decompte_etapes_combiner(bigint[], bigint[]) FROM PUBLIC;

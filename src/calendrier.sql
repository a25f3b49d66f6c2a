--
-- src/calendrier.sql: the business-day calendar: French public holidays of the seven zones,
--   jours ouvrés, the zone of a département
--
-- C: src/calendrier.c, src/orientation.c (flux.zone_de)
-- Builds on: nothing
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- The business-day calendar (src/calendrier.c)
--------------------------------------------------------------------------

CREATE FUNCTION flux.est_ferie(d date, zone text DEFAULT 'metropole')
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_est_ferie'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.est_ferie(date, text) IS
	'Is the date a French public holiday in the zone (metropole, alsace-moselle, guadeloupe, martinique, guyane, reunion, mayotte)?';

CREATE FUNCTION flux.est_jour_ouvre(d date, zone text DEFAULT 'metropole')
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_est_jour_ouvre'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.est_jour_ouvre(date, text) IS
	'Is the date a jour ouvré: Monday to Friday and not a public holiday of the zone?';

CREATE FUNCTION flux.ajouter_jours_ouvres(d date, n integer, zone text DEFAULT 'metropole')
	RETURNS date
	AS 'MODULE_PATHNAME', 'flux_ajouter_jours_ouvres'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.ajouter_jours_ouvres(date, integer, text) IS
	'The n-th jour ouvré after d (before d when n < 0; d itself when n = 0), in the zone''s calendar';

CREATE FUNCTION flux.jours_ouvres_entre(a date, b date, zone text DEFAULT 'metropole')
	RETURNS integer
	AS 'MODULE_PATHNAME', 'flux_jours_ouvres_entre'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.jours_ouvres_entre(date, date, text) IS
	'Jours ouvrés in (a, b]; negative (minus those in (b, a]) when b < a';

CREATE FUNCTION flux.jours_feries(annee integer, zone text DEFAULT 'metropole')
	RETURNS TABLE (jour date, libelle text)
	AS 'MODULE_PATHNAME', 'flux_jours_feries'
	LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 14;

COMMENT ON FUNCTION flux.jours_feries(integer, text) IS
	'The public holidays of a year in the zone, by date, with their French names';

-- C (src/orientation.c: the same ZoneDeDepartement the orientation
-- trigger uses); not strict: it refuses a NULL (22004) and a code that is
-- not a département (22023), as flux.verifier_departement does (0.9.0 gave
-- 'metropole' for '1' and NULL for NULL)
CREATE FUNCTION flux.zone_de(departement text) RETURNS text
	AS 'MODULE_PATHNAME', 'flux_zone_de'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION flux.zone_de(text) IS
	'Holiday zone of a département for jours ouvrés: Moselle, Bas-Rhin, Haut-Rhin -> alsace-moselle; 971 to 976 -> their zone; else metropole';

--
-- flux 0.8.0 -> 0.9.0: safe to install (docs/security.md)
--
-- One section per concern: RPLS loads, the workflow under concurrency,
-- search_path, privileges, LATIN1.  What each object is now: src/*.sql.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.9.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- RPLS loads lose nothing, alone or together (docs/rpls-loading.md)
--
-- 1. Isolation.  A load is the lines its session staged, numbered in the
--    order they were staged (row_number() over the identity, per session):
--    the identity is global, so two sessions staging at once interleave its
--    values, and 0.8.0, which took the line number from it, left the tail of
--    each file out of its batches (counted "unchanged") and gave its rejects
--    the other file's line numbers.  Serialization failures, deadlocks and
--    lock timeouts are no longer taken for a bad line (0.8.0 committed every
--    line of a batch as rejected "could not serialize access"): only a data
--    or integrity error rejects a line, anything else aborts the load.
-- 2. Every byte.  flux.deposer_rpls stages a file from its bytes (read by
--    psql's \lo_import, by pg_read_binary_file, or sent by an application):
--    every physical line (LF, CRLF or a lone CR, mixed) is one staged row,
--    a trailing blank line included; a line that cannot be read as text (a
--    NUL byte, bytes invalid in the file's encoding) is staged escaped, with
--    the problem, and rejected by flux.charger_rpls with its line number.
--    flux.deposer_rpls_fichier reads a path on the server.  \copy stays for
--    the files COPY can carry (an empty line no longer aborts it).
-- 3. The counts.  lues = the lines after the header = inserees +
--    mises_a_jour + inchangees + rejetees, each counted on its own and
--    checked; an empty line, a line with a control character and a line
--    that cannot be read are rejected, never dropped.
-- ---------------------------------------------------------------------------

ALTER TABLE flux.rpls_ligne ALTER COLUMN texte DROP NOT NULL;
ALTER TABLE flux.rpls_ligne ADD COLUMN probleme text;
COMMENT ON TABLE flux.rpls_ligne IS
	'Staging: the raw lines of an RPLS file, one row per physical line, in order (flux.deposer_rpls, or \copy), consumed by flux.charger_rpls in the same session';
COMMENT ON COLUMN flux.rpls_ligne.numero IS 'Order of the lines as staged (global: the line number is the rank within the session)';
COMMENT ON COLUMN flux.rpls_ligne.texte IS 'The line, as read (NULL: an empty line staged by \copy; with probleme: the bytes, escaped as by encode(..., ''escape''))';
COMMENT ON COLUMN flux.rpls_ligne.probleme IS 'Why the line''s bytes cannot be read as text (NUL byte, invalid in the file''s encoding), set by flux.deposer_rpls; the line is rejected';

CREATE FUNCTION flux.deposer_rpls(contenu bytea, encodage text DEFAULT 'UTF8')
	RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $fn$
DECLARE
	sess text := flux.session_chargement();
	deja bigint;
	src text;
	lent boolean := false;
	nb bigint;
	lignes text[];
	textes text[] := '{}';
	problemes text[] := '{}';
	une text;
	octets bytea;
	pos integer;
BEGIN
	IF contenu IS NULL THEN
		RAISE EXCEPTION 'RPLS file content is null'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = $$Pass the file's bytes, e.g. from psql: \lo_import 'rpls.csv' then SELECT flux.deposer_rpls(lo_get(:LASTOID));$$;
	END IF;
	IF encodage IS NULL OR pg_char_to_encoding(encodage) < 0 THEN
		RAISE EXCEPTION 'encoding "%" does not exist', encodage
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Name the encoding of the file as PostgreSQL does: UTF8, WIN1252, LATIN1, LATIN9...';
	END IF;
	SELECT count(*) INTO deja FROM flux.rpls_ligne rl WHERE rl.session = sess;
	IF deja > 0 THEN
		RAISE EXCEPTION 'RPLS lines are already staged in this session'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('%s line(s) wait for flux.charger_rpls: a second file would be read as their continuation.', deja),
				  HINT = 'Load them first with flux.charger_rpls, or drop them: DELETE FROM flux.rpls_ligne WHERE session = flux.session_chargement();';
	END IF;
	-- a UTF-8 byte order mark is not part of the header
	IF substr(contenu, 1, 3) = decode('efbbbf', 'hex') THEN
		contenu := substr(contenu, 4);
	END IF;
	IF length(contenu) = 0 THEN
		RAISE EXCEPTION 'RPLS file is empty'
			USING ERRCODE = 'no_data_found',
				  HINT = 'An RPLS file has at least its header line.';
	END IF;

	-- the whole file at once when it is text in its encoding (the usual
	-- case); else every line apart, from the bytes escaped as ASCII (NUL and
	-- bytes >= 0x80 as \ooo, backslash as \\, so that CR and LF stay bytes)
	BEGIN
		src := convert_from(contenu, encodage);
	EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
		src := encode(contenu, 'escape');
		lent := true;
	END;

	-- physical lines: LF, CRLF or a lone CR end a line; the end of the file
	-- ends the last one (a terminator there opens no line)
	IF right(src, 1) = E'\n' THEN
		src := left(src, -1);
	END IF;
	IF NOT lent THEN
		INSERT INTO flux.rpls_ligne (session, texte)
		SELECT sess, x.t
		  FROM (SELECT CASE WHEN right(a.p, 1) = E'\r' THEN left(a.p, -1) ELSE a.p END AS q, a.n
				  FROM string_to_table(CASE WHEN src = '' THEN E'\n' ELSE src END, E'\n') WITH ORDINALITY AS a(p, n)
				 WHERE src <> '' OR a.n = 1) s
		 CROSS JOIN LATERAL unnest(CASE WHEN strpos(s.q, E'\r') = 0 THEN ARRAY[s.q] ELSE string_to_array(s.q, E'\r') END)
				 WITH ORDINALITY AS x(t, m)
		 ORDER BY s.n, x.m;
		GET DIAGNOSTICS nb = ROW_COUNT;
		RETURN nb;
	END IF;

	lignes := ARRAY(
		SELECT x.t
		  FROM (SELECT CASE WHEN right(a.p, 1) = E'\r' THEN left(a.p, -1) ELSE a.p END AS q, a.n
				  FROM string_to_table(CASE WHEN src = '' THEN E'\n' ELSE src END, E'\n') WITH ORDINALITY AS a(p, n)
				 WHERE src <> '' OR a.n = 1) s
		 CROSS JOIN LATERAL unnest(CASE WHEN strpos(s.q, E'\r') = 0 THEN ARRAY[s.q] ELSE string_to_array(s.q, E'\r') END)
				 WITH ORDINALITY AS x(t, m)
		 ORDER BY s.n, x.m);
	FOREACH une IN ARRAY lignes LOOP
		IF strpos(une, chr(92)) = 0 THEN
			-- ASCII: the same text in every encoding flux runs in
			textes := textes || une;
			problemes := problemes || NULL::text;
			CONTINUE;
		END IF;
		octets := decode(une, 'escape');
		pos := position(decode('00', 'hex') IN octets);
		IF pos > 0 THEN
			textes := textes || une;
			problemes := problemes || format('NUL byte (0x00) at byte %s', pos);
			CONTINUE;
		END IF;
		BEGIN
			textes := textes || convert_from(octets, encodage);
			problemes := problemes || NULL::text;
		EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
			textes := textes || une;
			problemes := problemes || CASE WHEN pg_char_to_encoding(encodage) = pg_char_to_encoding('UTF8')
											THEN SQLERRM || ' (is the file in WIN1252? say so to flux.deposer_rpls)'
											ELSE SQLERRM END;
		END;
	END LOOP;
	INSERT INTO flux.rpls_ligne (session, texte, probleme)
	SELECT sess, x.t, x.pb
	  FROM unnest(textes, problemes) WITH ORDINALITY AS x(t, pb, n)
	 ORDER BY x.n;
	GET DIAGNOSTICS nb = ROW_COUNT;
	RETURN nb;
END
$fn$;
COMMENT ON FUNCTION flux.deposer_rpls(bytea, text) IS
	'Stage an RPLS file from its bytes for flux.charger_rpls in this session: one row per physical line (LF, CRLF, CR), a line that cannot be read as text in the given encoding kept escaped with its problem; returns the number of lines';

CREATE FUNCTION flux.deposer_rpls_fichier(chemin text, encodage text DEFAULT 'UTF8')
	RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $fn$
DECLARE
	st record;
	contenu bytea;
	conseil constant text := $$The path is read by the database server, with its rights: a file on your own computer is staged with psql instead: \lo_import 'rpls.csv' then SELECT flux.deposer_rpls(lo_get(:LASTOID)); (docs/rpls-loading.md).$$;
BEGIN
	IF chemin IS NULL OR chemin = '' THEN
		RAISE EXCEPTION 'RPLS file path is empty'
			USING ERRCODE = 'invalid_parameter_value', HINT = conseil;
	END IF;
	BEGIN
		SELECT s.size, s.isdir INTO st FROM pg_stat_file(chemin, true) s;
		IF st.size IS NULL THEN
			RAISE EXCEPTION 'RPLS file "%" does not exist', chemin
				USING ERRCODE = 'undefined_file',
					  DETAIL = 'A relative path starts in the data directory of the server.',
					  HINT = conseil;
		END IF;
		IF st.isdir THEN
			RAISE EXCEPTION 'RPLS file "%" is a directory', chemin
				USING ERRCODE = 'wrong_object_type', HINT = 'Give the path of the file itself.';
		END IF;
		contenu := pg_read_binary_file(chemin);
	EXCEPTION WHEN insufficient_privilege THEN
		RAISE EXCEPTION 'cannot read RPLS file "%"', chemin
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = SQLERRM,
				  HINT = conseil || ' On the server: a superuser may GRANT pg_read_server_files and EXECUTE ON FUNCTION pg_stat_file(text, boolean), pg_read_binary_file(text) to the loading role, and the file must be readable by the server''s system user.';
	END;
	RETURN flux.deposer_rpls(contenu, encodage);
END
$fn$;
COMMENT ON FUNCTION flux.deposer_rpls_fichier(text, text) IS
	'Stage an RPLS file read on the database server (pg_read_binary_file, with the caller''s rights) for flux.charger_rpls in this session, as flux.deposer_rpls does';

CREATE OR REPLACE FUNCTION flux.charger_rpls(bailleur bigint, annee_rpls integer, lot_taille integer DEFAULT 10000)
	RETURNS TABLE (lues bigint, inserees bigint, mises_a_jour bigint, inchangees bigint, rejetees bigint)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
	-- the validation of 100 000 lines spent 0.8 s compiling itself
	SET jit = off
AS $fn$
DECLARE
	sess text := flux.session_chargement();
	entete text;
	entete_numero bigint;
	entete_probleme text;
	bom text := '';
	cols text[];
	manquantes text[];
	ncols integer;
	total bigint;
	derniere integer;
	debut integer;
	r record;
	n_ins bigint := 0;
	n_maj bigint := 0;
	n_inch bigint := 0;
	n_rej bigint := 0;
	n_ok bigint;
	sql_valide text;
	sql_upsert text;
	presentes text[];
BEGIN
	IF lot_taille IS NULL OR lot_taille <= 0 THEN
		RAISE EXCEPTION 'lot_taille must be positive, not %', lot_taille
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use the default, 10000 lines a batch.';
	END IF;
	IF annee_rpls IS NULL OR annee_rpls NOT BETWEEN 2000 AND 2100 THEN
		RAISE EXCEPTION 'RPLS year % is out of range', annee_rpls
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass the year of the declaration, e.g. 2025 for the stock on 1 January 2025.';
	END IF;
	PERFORM 1 FROM flux.bailleur b WHERE b.id = charger_rpls.bailleur;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bailleur % does not exist', charger_rpls.bailleur
			USING ERRCODE = 'foreign_key_violation', HINT = 'Create it in flux.bailleur first.';
	END IF;

	SELECT coalesce(l.texte, ''), l.numero, l.probleme INTO entete, entete_numero, entete_probleme
	  FROM flux.rpls_ligne l WHERE l.session = sess ORDER BY l.numero LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no RPLS line staged in this session'
			USING ERRCODE = 'no_data_found',
				  HINT = $$In the same session, first: \lo_import 'rpls.csv' then SELECT flux.deposer_rpls(lo_get(:LASTOID)); (docs/rpls-loading.md)$$;
	END IF;
	IF entete_probleme IS NOT NULL THEN
		RAISE EXCEPTION 'RPLS header (line 1) cannot be read: %', entete_probleme
			USING ERRCODE = 'character_not_in_repertoire',
				  DETAIL = format('Header read: %s', left(entete, 300)),
				  HINT = 'Give the encoding of the file to flux.deposer_rpls (UTF8, WIN1252...), then load again; the staged lines are kept until then.';
	END IF;

	-- the header: RPLS names, any order, case and a UTF-8 BOM ignored (a
	-- BOM staged by \copy; written chr(65279), which only a UTF-8 database
	-- has: the literal E'\ufeff' of 0.8.0 failed every load in LATIN1)
	IF getdatabaseencoding() = 'UTF8' THEN
		bom := chr(65279);
	END IF;
	cols := ARRAY(SELECT upper(btrim(c, E' \t\r"' || bom)) FROM unnest(string_to_array(entete, ';')) c);
	ncols := cardinality(cols);
	manquantes := ARRAY(SELECT c FROM unnest(ARRAY['IDENT_INT', 'DEPCOM', 'QPV', 'TYPECONST', 'NBPIECE', 'FINAN', 'CONV']) c
						 WHERE c <> ALL (cols));
	IF cardinality(manquantes) > 0 THEN
		RAISE EXCEPTION 'RPLS header lacks required column(s): %', array_to_string(manquantes, ', ')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('Header read: %s', left(entete, 300)),
				  HINT = 'The first line staged must be the RPLS header, semicolon-separated (IDENT_INT;DEPCOM;QPV;TYPECONST;NBPIECE;FINAN;CONV;...).';
	END IF;

	-- the columns of flux.logement the file sets (sortiepatrim and mode
	-- default to 9 when absent, as RPLS does)
	presentes := ARRAY(SELECT c FROM unnest(ARRAY['ident_rep', 'depcom', 'epci', 'qpv', 'typeconst', 'nbpiece',
												  'surfhab', 'construct', 'locat', 'patrimoine', 'origine', 'finan',
												  'cus', 'conv', 'sortiepatrim', 'mode', 'loyerprinc', 'contreslog']) c
						WHERE upper(c) = ANY (cols));
	IF cols && ARRAY['NUMVOIE', 'INDREP', 'TYPVOIE', 'NOMVOIE', 'CPLOCAL', 'LIBCOM'] THEN
		presentes := presentes || 'adresse'::text;
	END IF;

	sql_valide := format($q$
		CREATE TEMP TABLE rpls_valide ON COMMIT DROP AS
		SELECT ligne, texte, v.*,
			   CASE WHEN octets IS NOT NULL THEN ARRAY[octets] ELSE
			   array_remove(ARRAY[
				   CASE WHEN cardinality(f) <> %2$s THEN format('line has %%s fields, the header %2$s', cardinality(f)) END,
				   CASE WHEN v.ident_int IS NULL THEN 'IDENT_INT is empty' END,
				   CASE WHEN v.ident_rep !~ '^[0-9A-Z]{10}$' THEN format('IDENT_REP %%L is not 10 characters', v.ident_rep) END,
				   CASE WHEN v.depcom IS NULL OR v.depcom !~ '^([0-9]{5}|2[AB][0-9]{3})$' THEN format('DEPCOM %%L is not an INSEE commune code', v.depcom) END,
				   CASE WHEN v.epci !~ '^[0-9]{9}$' THEN format('EPCI %%L is not a 9-digit SIREN', v.epci) END,
				   CASE WHEN v.qpv IS NULL OR v.qpv NOT IN ('1', '2') THEN format('QPV %%L is not 1 or 2', v.qpv) END,
				   CASE WHEN v.typeconst IS NULL OR v.typeconst NOT IN ('C', 'I', 'E') THEN format('TYPECONST %%L is not C, I or E', v.typeconst) END,
				   CASE WHEN v.nbpiece IS NULL OR v.nbpiece !~ '^[1-9]$' THEN format('NBPIECE %%L is not 1 to 9', v.nbpiece) END,
				   CASE WHEN v.surfhab !~ '^[0-9]{1,5}([.,][0-9]{1,2})?$' OR v.surfhab ~ '^0+([.,]0*)?$' THEN format('SURFHAB %%L is not an area in m²', v.surfhab) END,
				   CASE WHEN v.construct !~ '^(18|19|20)[0-9]{2}$' THEN format('CONSTRUCT %%L is not a year', v.construct) END,
				   CASE WHEN v.locat !~ '^(18|19|20)[0-9]{2}$' THEN format('LOCAT %%L is not a year', v.locat) END,
				   CASE WHEN v.patrimoine !~ '^(18|19|20)[0-9]{2}$' THEN format('PATRIMOINE %%L is not a year', v.patrimoine) END,
				   CASE WHEN v.origine !~ '^[1-4]$' THEN format('ORIGINE %%L is not 1 to 4', v.origine) END,
				   CASE WHEN v.finan IS NULL OR v.finan !~ '^[0-9]{2}$'
						  OR NOT EXISTS (SELECT 1 FROM flux.rpls_finan rf WHERE rf.finan = v.finan::smallint)
						THEN format('FINAN %%L is not an RPLS financing code', v.finan) END,
				   CASE WHEN v.cus NOT IN ('11', '13', '14', '16') THEN format('CUS %%L is not 11, 13, 14 or 16', v.cus) END,
				   CASE WHEN v.conv IS NULL OR v.conv NOT IN ('1', '2') THEN format('CONV %%L is not 1 or 2', v.conv) END,
				   CASE WHEN v.sortiepatrim NOT IN ('1', '2', '3', '4', '5', '9') THEN format('SORTIEPATRIM %%L is not 1 to 5 or 9', v.sortiepatrim) END,
				   CASE WHEN v.mode NOT IN ('1', '2', '3', '4', '5', '9') THEN format('MODE %%L is not 1 to 5 or 9', v.mode) END,
				   CASE WHEN v.loyerprinc !~ '^[0-9]{1,7}([.,][0-9]{1,2})?$' THEN format('LOYERPRINC %%L is not an amount', v.loyerprinc) END,
				   CASE WHEN v.contreslog !~ '^[1-7]$' THEN format('CONTRESLOG %%L is not 1 to 7', v.contreslog) END,
				   CASE WHEN v.ident_int IS NOT NULL AND count(*) OVER (PARTITION BY v.ident_int) > 1
							 AND row_number() OVER (PARTITION BY v.ident_int ORDER BY ligne) > 1
						THEN format('IDENT_INT %%L appears again (first at line %%s)', v.ident_int,
									min(ligne) OVER (PARTITION BY v.ident_int)) END,
				   CASE WHEN v.ident_rep IS NOT NULL AND EXISTS (
							SELECT 1 FROM flux.logement o WHERE o.ident_rep = v.ident_rep
							   AND (o.bailleur_id <> %1$s OR o.ident_int IS DISTINCT FROM v.ident_int))
						THEN format('IDENT_REP %%L already belongs to another unit', v.ident_rep) END
			   ], NULL) END AS raisons
		  FROM (%4$s) lu,
			   LATERAL (SELECT %3$s) v
	$q$, charger_rpls.bailleur, ncols,
	  (SELECT string_agg(format('%s AS %s',
								CASE WHEN array_position(cols, upper(c)) IS NULL THEN 'NULL::text'
									 ELSE format('f[%s]', array_position(cols, upper(c))) END, c), ', ')
		 FROM unnest(ARRAY['ident_rep', 'ident_int', 'depcom', 'epci', 'qpv', 'typeconst', 'nbpiece',
						   'surfhab', 'construct', 'locat', 'patrimoine', 'origine', 'finan', 'cus', 'conv',
						   'sortiepatrim', 'mode', 'loyerprinc', 'contreslog',
						   'numvoie', 'indrep', 'typvoie', 'nomvoie', 'cplocal', 'libcom']) c),
	  -- one row per physical line after the header, numbered by its rank in
	  -- this session's staging (the header is line 1); a line that cannot
	  -- be read, is empty or holds a control character is refused for that
	  -- alone and its fields are not read.  A plain line (no quote, control
	  -- character or blank next to a ';') is split as it is; the others
	  -- (a few) field by field.
	  format($lu$
		SELECT s.ligne, s.texte, s.octets,
			   CASE WHEN s.octets IS NOT NULL THEN NULL
					WHEN NOT s.special THEN string_to_array(s.texte, ';', '')
					WHEN strpos(s.texte, '"') = 0
					THEN ARRAY(SELECT nullif(btrim(x, E' \t'), '') FROM unnest(string_to_array(s.texte, ';')) x)
					-- CSV quoting (as a spreadsheet saves it): "a;b" is one
					-- field, "" in it a quote; a stray quote is trimmed
					ELSE ARRAY(SELECT nullif(CASE WHEN length(z.q) >= 2 AND left(z.q, 1) = '"' AND right(z.q, 1) = '"'
												  THEN btrim(replace(substr(z.q, 2, length(z.q) - 2), '""', '"'), E' \t')
												  ELSE btrim(z.q, E' \t"') END, '')
								 FROM regexp_matches(s.texte || ';', '([[:blank:]]*"(?:[^"]|"")*"[[:blank:]]*|[^;]*);', 'g')
									  WITH ORDINALITY AS m(c, k),
									  LATERAL (SELECT btrim(m.c[1], E' \t') AS q) z
								ORDER BY m.k) END AS f
		  FROM (SELECT l.ligne, l.texte, l.special,
					   CASE WHEN NOT l.special THEN l.probleme
							WHEN l.probleme IS NOT NULL THEN l.probleme
							WHEN btrim(l.texte, E' \t') = '' THEN 'line is empty'
							WHEN l.texte ~ E'[\\x01-\\x08\\x0a-\\x1f\\x7f]' THEN
								CASE WHEN l.texte ~ E'[\\r\\n]'
									 THEN 'line holds a line break: several lines of the file were staged as one (a 0x1E byte read by COPY?); stage the file with flux.deposer_rpls'
									 ELSE format('control character 0x%%s at character %%s',
												 lpad(upper(to_hex(ascii(substr(l.texte, regexp_instr(l.texte, E'[\\x01-\\x08\\x0a-\\x1f\\x7f]'), 1)))), 2, '0'),
												 regexp_instr(l.texte, E'[\\x01-\\x08\\x0a-\\x1f\\x7f]')) END
					   END AS octets
				  FROM (SELECT r.ligne, r.texte, r.probleme,
							   r.texte = '' OR r.texte ~ E'[\\x01-\\x1f\\x7f"]|[ ];|;[ ]|^[ ]|[ ]$' AS special
						  FROM (SELECT (row_number() OVER (ORDER BY rl.numero))::integer AS ligne,
									   coalesce(rl.texte, '') AS texte, rl.probleme
								  FROM flux.rpls_ligne rl WHERE rl.session = %1$L) r
						 WHERE r.ligne > 1) l) s
		OFFSET 0 -- a fence: f is computed once a line, not once a field
	  $lu$, sess));
	IF to_regclass('pg_temp.rpls_valide') IS NOT NULL THEN DROP TABLE pg_temp.rpls_valide; END IF;
	EXECUTE sql_valide;
	GET DIAGNOSTICS total = ROW_COUNT;
	derniere := total + 1;
	-- the batches read their lines by number
	CREATE INDEX ON pg_temp.rpls_valide (ligne);
	ANALYZE pg_temp.rpls_valide;

	-- each batch says how many good lines it read, so that "unchanged" is
	-- counted, not inferred
	sql_upsert := format($q$
		WITH lot AS MATERIALIZED (
			SELECT v.* FROM pg_temp.rpls_valide v
			 WHERE v.ligne BETWEEN $1 AND $2 AND cardinality(v.raisons) = 0
		), ecrit AS (
			INSERT INTO flux.logement AS l (bailleur_id, ident_rep, ident_int, depcom, epci, qpv, typeconst, nbpiece,
				surfhab, construct, locat, patrimoine, origine, finan, cus, conv, sortiepatrim, mode,
				loyerprinc, contreslog, adresse, date_sortie)
			SELECT %1$s, v.ident_rep, v.ident_int, v.depcom, v.epci, v.qpv = '1', v.typeconst, v.nbpiece::smallint,
				   replace(v.surfhab, ',', '.')::numeric, v.construct::smallint, v.locat::smallint, v.patrimoine::smallint,
				   v.origine::smallint, v.finan::smallint, v.cus::smallint, v.conv = '1',
				   coalesce(v.sortiepatrim, '9')::smallint, coalesce(v.mode, '9')::smallint,
				   nullif(replace(v.loyerprinc, ',', '.')::numeric, 9999), v.contreslog::smallint,
				   nullif(concat_ws(' ', v.numvoie, v.indrep, v.typvoie, v.nomvoie, v.cplocal, v.libcom), ''),
				   CASE WHEN coalesce(v.sortiepatrim, '9') <> '9' THEN make_date(%2$s - 1, 12, 31) END
			  FROM lot v
			ON CONFLICT (bailleur_id, ident_int) DO UPDATE SET
				(%3$s, date_sortie) = (%4$s,
					CASE WHEN EXCLUDED.sortiepatrim = 9 THEN NULL
						 ELSE coalesce(l.date_sortie, EXCLUDED.date_sortie) END)
			 WHERE (%5$s) IS DISTINCT FROM (%4$s)
			RETURNING (xmax = 0) AS nouveau
		)
		SELECT (SELECT count(*) FROM lot) AS lus,
			   count(*) FILTER (WHERE nouveau) AS ins, count(*) FILTER (WHERE NOT nouveau) AS maj FROM ecrit
	$q$, charger_rpls.bailleur, annee_rpls,
	  -- a column the file does not have keeps its value
	  array_to_string(presentes, ', '),
	  (SELECT string_agg('EXCLUDED.' || c, ', ') FROM unnest(presentes) c),
	  (SELECT string_agg('l.' || c, ', ') FROM unnest(presentes) c));

	-- lines 2 to derniere, in batches; a batch that fails on a line's data
	-- is replayed line by line so that only the guilty lines are refused;
	-- any other error (serialization failure, deadlock, lock timeout, out of
	-- memory...) is no line's fault and aborts the load
	FOR debut IN SELECT g FROM generate_series(2, greatest(derniere, 2), lot_taille) g LOOP
		BEGIN
			EXECUTE sql_upsert INTO r USING debut, debut + lot_taille - 1;
			n_ins := n_ins + r.ins;
			n_maj := n_maj + r.maj;
			n_inch := n_inch + r.lus - r.ins - r.maj;
		EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
			DECLARE
				i integer;
			BEGIN
				FOR i IN SELECT v.ligne FROM pg_temp.rpls_valide v
						  WHERE v.ligne BETWEEN debut AND debut + lot_taille - 1 AND cardinality(v.raisons) = 0
						  ORDER BY v.ligne LOOP
					BEGIN
						EXECUTE sql_upsert INTO r USING i, i;
						n_ins := n_ins + r.ins;
						n_maj := n_maj + r.maj;
						n_inch := n_inch + r.lus - r.ins - r.maj;
					EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
						UPDATE pg_temp.rpls_valide v SET raisons = ARRAY[SQLERRM] WHERE v.ligne = i;
					END;
				END LOOP;
			END;
		END;
		IF debut + lot_taille - 1 < derniere THEN
			RAISE NOTICE 'rpls: up to line % of %, % inserted, % updated',
				debut + lot_taille - 1, derniere, n_ins, n_maj;
		END IF;
	END LOOP;

	INSERT INTO flux.rpls_rejet (bailleur_id, annee_rpls, ligne, ident_int, raisons, texte)
	SELECT charger_rpls.bailleur, annee_rpls, v.ligne, v.ident_int, v.raisons, v.texte
	  FROM pg_temp.rpls_valide v WHERE cardinality(v.raisons) > 0 ORDER BY v.ligne;
	GET DIAGNOSTICS n_rej = ROW_COUNT;
	SELECT count(*) INTO n_ok FROM pg_temp.rpls_valide v WHERE cardinality(v.raisons) = 0;
	IF n_ins + n_maj + n_inch <> n_ok OR n_ok + n_rej <> total THEN
		RAISE EXCEPTION 'RPLS load of bailleur % miscounted its lines', charger_rpls.bailleur
			USING ERRCODE = 'internal_error',
				  DETAIL = format('%s lines read, %s good (%s inserted, %s updated, %s unchanged), %s rejected.',
								  total, n_ok, n_ins, n_maj, n_inch, n_rej);
	END IF;

	DELETE FROM flux.rpls_ligne l WHERE l.session = sess;

	lues := total;
	inserees := n_ins;
	mises_a_jour := n_maj;
	inchangees := n_inch;
	rejetees := n_rej;
	RAISE NOTICE 'rpls: % lines read after the header = % inserted + % updated + % unchanged + % rejected (see flux.rpls_rejet)',
		lues, inserees, mises_a_jour, inchangees, rejetees;
	RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION flux.charger_rpls(bigint, integer, integer) IS
	'Load the RPLS lines staged in this session into flux.logement for a bailleur: validate, upsert by IDENT_INT, reject bad lines (unreadable, empty, bad fields) with their physical line number and reasons into flux.rpls_rejet; lues = inserees + mises_a_jour + inchangees + rejetees; idempotent';

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

-- ---------------------------------------------------------------------------
-- Every character of flux's text fits LATIN1 (docs/security.md, "The
-- install"): the install script of 0.9.0 is the chain with '…' written
-- '...', and an update rewrites the same way the objects of earlier versions
-- that held one (two hints, a reason of flux.recommander, a column comment).
-- ---------------------------------------------------------------------------
-- (Only a UTF-8 database can hold a '…', chr(8230): elsewhere the loop is
-- never planned, since PL/pgSQL prepares a statement when it first runs it.)
DO $latin1$
DECLARE
	f oid;
BEGIN
	IF pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.=) 'UTF8' THEN
		FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
				  WHERE p.pronamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace
					AND pg_catalog.strpos(p.prosrc, pg_catalog.chr(8230)) OPERATOR(pg_catalog.>) 0
				  ORDER BY p.oid
		LOOP
			EXECUTE pg_catalog.replace(pg_catalog.pg_get_functiondef(f), pg_catalog.chr(8230), '...');
		END LOOP;
	END IF;
END
$latin1$;
COMMENT ON COLUMN flux.bilan_orientation.hors_flux IS 'Motive outside the flux (mutation, anru, ..., non_reserve: the bailleur''s own share)';


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

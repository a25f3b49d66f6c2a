--
-- flux 0.11.0 -> 0.12.0: every path linear at any size, the transmitted
-- bilans frozen, a territory consolidated across bailleurs' databases
-- (issue 17)
--
-- One section per concern, in the order of the concern files (Makefile
-- CONCERNS).  What each object is now: src/*.sql.  Every existing row is
-- kept.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.12.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- (section of the RPLS loading's speed)
-- ---------------------------------------------------------------------------

-- flux.session_chargement(), the default of flux.rpls_ligne.session, is
-- computed once a session (flux.session_chargement_calculer()) instead of
-- once a staged line; flux.charger_rpls finds the repeated IDENT_INT by a
-- hash aggregate instead of a window sort of the whole lines, checks FINAN
-- by a hashed list, and runs with work_mem 128MB (src/rpls.sql)
-- computed once a session (it reads pg_stat_get_activity, about 11 us) and
-- kept in the session's setting flux.session_chargement; the default of
-- flux.rpls_ligne.session calls flux.session_chargement(), which is inlined
-- into COPY's default and only reads the setting, for every line staged.
-- A value that is not this backend's (set by hand, or by ALTER ROLE SET)
-- is ignored and computed again
CREATE FUNCTION flux.session_chargement_calculer() RETURNS text
	LANGUAGE sql STABLE PARALLEL RESTRICTED
	RETURN pg_catalog.set_config('flux.session_chargement',
		pg_catalog.pg_backend_pid()::text OPERATOR(pg_catalog.||) '@'
		OPERATOR(pg_catalog.||) pg_catalog.to_char(pg_catalog.pg_postmaster_start_time(), 'YYYYMMDDHH24MISS')
		OPERATOR(pg_catalog.||) '@'
		OPERATOR(pg_catalog.||) (SELECT pg_catalog.to_char(a.backend_start, 'YYYYMMDDHH24MISSUS')
								   FROM pg_catalog.pg_stat_get_activity(pg_catalog.pg_backend_pid()) a),
		false);

COMMENT ON FUNCTION flux.session_chargement_calculer() IS
	'Internal: computes the identifier of the current session for its staged RPLS lines (backend pid and start) and keeps it in the setting flux.session_chargement';

CREATE OR REPLACE FUNCTION flux.session_chargement() RETURNS text
	LANGUAGE sql STABLE PARALLEL RESTRICTED
	RETURN CASE WHEN pg_catalog.starts_with(pg_catalog.current_setting('flux.session_chargement', true),
											pg_catalog.pg_backend_pid()::text OPERATOR(pg_catalog.||) '@')
				THEN pg_catalog.current_setting('flux.session_chargement', true)
				ELSE flux.session_chargement_calculer() END;

COMMENT ON FUNCTION flux.session_chargement() IS
	'Identifies the current session''s staged RPLS lines (backend pid and start)';

CREATE OR REPLACE FUNCTION flux.charger_rpls(bailleur bigint, annee_rpls integer, lot_taille integer DEFAULT 10000)
	RETURNS TABLE (lues bigint, inserees bigint, mises_a_jour bigint, inchangees bigint, rejetees bigint)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
	-- the validation of 100 000 lines spent 0.8 s compiling itself
	SET jit = off
	-- the aggregates over the whole file (the repeated IDENT_INT and
	-- IDENT_REP) and each batch stay in memory: with 4 MB they spilled to
	-- disk, more passes the longer the file (docs/performance.md)
	SET work_mem = '128MB'
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
	-- the marker of a call under way, taken first and released at the end:
	-- if this call fails, it stays, and the next staging of the session
	-- drops the lines this call read (flux.rpls_nettoyer)
	PERFORM pg_advisory_lock_shared(1179407704, 1380994131);
	IF lot_taille IS NULL OR lot_taille <= 0 THEN
		RAISE EXCEPTION 'lot_taille must be positive, not %', lot_taille
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use the default, 10000 lines a batch.';
	END IF;
	PERFORM flux.verifier_bailleur(charger_rpls.bailleur);
	PERFORM flux.verifier_annee(annee_rpls);
	-- a DEPCOM is checked against flux.commune: with no commune at all, every
	-- line would be refused for that alone
	IF NOT EXISTS (SELECT 1 FROM flux.commune) THEN
		RAISE EXCEPTION 'no commune is known to flux'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'Every DEPCOM of an RPLS file must be a commune of flux.commune.',
				  HINT = 'Load the communes of INSEE''s Code officiel géographique first: SELECT * FROM flux.charger_communes_cog(...) (docs/rpls-loading.md).';
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
				  HINT = 'Stage the file again with its encoding (flux.deposer_rpls(..., ''WIN1252''), ''LATIN1''...): that drops the lines of this call first.';
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
		WITH lu AS MATERIALIZED (
			-- every line split once, its fields named
			SELECT lu.ligne, lu.texte, lu.octets, lu.f, v.*
			  FROM (%4$s) lu,
				   LATERAL (SELECT %3$s) v
		), doubles AS (
			-- the repeated IDENT_INT and the first line of each: a hash
			-- aggregate on (IDENT_INT, line), not a sort of the whole lines
			SELECT d.ident_int, min(d.ligne) AS premiere
			  FROM lu d WHERE d.ident_int IS NOT NULL
			 GROUP BY d.ident_int HAVING count(*) > 1
		)
		SELECT v.ligne, v.texte, %5$s,
			   v.octets IS NULL AND cardinality(v.f) = %2$s AS lisible,
			   CASE WHEN v.octets IS NOT NULL THEN ARRAY[v.octets]
					-- a line of another length: its fields are not where the
					-- header says, one reason
					WHEN cardinality(v.f) <> %2$s THEN ARRAY[format('line has %%s fields, the header %2$s', cardinality(v.f))] ELSE
			   array_remove(ARRAY[
				   CASE WHEN v.ident_int IS NULL THEN 'IDENT_INT is empty' END,
				   CASE WHEN v.ident_rep !~ '^[0-9A-Z]{10}$' THEN format('IDENT_REP %%L is not 10 characters', v.ident_rep) END,
				   CASE WHEN v.depcom IS NULL OR v.depcom !~ '^([0-9]{5}|2[AB][0-9]{3})$' THEN format('DEPCOM %%L is not an INSEE commune code', v.depcom)
						WHEN v.depcom NOT IN (SELECT c.depcom FROM flux.commune c)
						THEN format('DEPCOM %%L is not a commune known to flux (flux.commune)', v.depcom) END,
				   CASE WHEN v.epci !~ '^[0-9]{9}$' THEN format('EPCI %%L is not a 9-digit SIREN', v.epci) END,
				   CASE WHEN v.qpv IS NULL OR v.qpv NOT IN ('1', '2') THEN format('QPV %%L is not 1 or 2', v.qpv) END,
				   CASE WHEN v.typeconst IS NULL OR v.typeconst NOT IN ('C', 'I', 'E') THEN format('TYPECONST %%L is not C, I or E', v.typeconst) END,
				   CASE WHEN v.nbpiece IS NULL OR v.nbpiece NOT IN ('1', '2', '3', '4', '5', '6', '7', '8', '9') THEN format('NBPIECE %%L is not 1 to 9', v.nbpiece) END,
				   CASE WHEN v.surfhab !~ '^[0-9]{1,5}([.,][0-9]{1,2})?$' OR v.surfhab ~ '^0+([.,]0*)?$' THEN format('SURFHAB %%L is not an area in m²', v.surfhab) END,
				   CASE WHEN v.construct !~ '^(18|19|20)[0-9]{2}$' THEN format('CONSTRUCT %%L is not a year', v.construct) END,
				   CASE WHEN v.locat !~ '^(18|19|20)[0-9]{2}$' THEN format('LOCAT %%L is not a year', v.locat) END,
				   CASE WHEN v.patrimoine !~ '^(18|19|20)[0-9]{2}$' THEN format('PATRIMOINE %%L is not a year', v.patrimoine) END,
				   CASE WHEN v.origine NOT IN ('1', '2', '3', '4') THEN format('ORIGINE %%L is not 1 to 4', v.origine) END,
				   CASE WHEN v.finan IS NULL OR v.finan !~ '^[0-9]{2}$'
						  OR v.finan::smallint NOT IN (SELECT rf.finan FROM flux.rpls_finan rf)
						THEN format('FINAN %%L is not an RPLS financing code', v.finan) END,
				   CASE WHEN v.cus NOT IN ('11', '13', '14', '16') THEN format('CUS %%L is not 11, 13, 14 or 16', v.cus) END,
				   CASE WHEN v.conv IS NULL OR v.conv NOT IN ('1', '2') THEN format('CONV %%L is not 1 or 2', v.conv) END,
				   CASE WHEN v.sortiepatrim NOT IN ('1', '2', '3', '4', '5', '9') THEN format('SORTIEPATRIM %%L is not 1 to 5 or 9', v.sortiepatrim) END,
				   CASE WHEN v.mode NOT IN ('1', '2', '3', '4', '5', '9') THEN format('MODE %%L is not 1 to 5 or 9', v.mode) END,
				   CASE WHEN v.loyerprinc !~ '^[0-9]{1,7}([.,][0-9]{1,2})?$' THEN format('LOYERPRINC %%L is not an amount', v.loyerprinc) END,
				   CASE WHEN v.contreslog NOT IN ('1', '2', '3', '4', '5', '6', '7') THEN format('CONTRESLOG %%L is not 1 to 7', v.contreslog) END,
				   CASE WHEN v.ligne > dd.premiere
						THEN format('IDENT_INT %%L appears again (first at line %%s)', v.ident_int, dd.premiere) END,
				   CASE WHEN v.ident_rep IS NOT NULL AND EXISTS (
							SELECT 1 FROM flux.logement o WHERE o.ident_rep = v.ident_rep
							   AND (o.bailleur_id <> %1$s OR o.ident_int IS DISTINCT FROM v.ident_int))
						THEN format('IDENT_REP %%L already belongs to another unit', v.ident_rep) END
			   ], NULL) END AS raisons
		  FROM lu v LEFT JOIN doubles dd ON dd.ident_int = v.ident_int
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
	  $lu$, sess),
	  (SELECT string_agg('v.' || c, ', ')
		 FROM unnest(ARRAY['ident_rep', 'ident_int', 'depcom', 'epci', 'qpv', 'typeconst', 'nbpiece',
						   'surfhab', 'construct', 'locat', 'patrimoine', 'origine', 'finan', 'cus', 'conv',
						   'sortiepatrim', 'mode', 'loyerprinc', 'contreslog',
						   'numvoie', 'indrep', 'typvoie', 'nomvoie', 'cplocal', 'libcom']) c));
	IF to_regclass('pg_temp.rpls_valide') IS NOT NULL THEN DROP TABLE pg_temp.rpls_valide; END IF;
	EXECUTE sql_valide;
	GET DIAGNOSTICS total = ROW_COUNT;
	derniere := total + 1;
	-- the batches read their lines by number, through this index: each
	-- batch touches its own lines only, however long the file.  The
	-- statistics are those of the columns the batches and the IDENT_REP pass
	-- below filter on (all of them, the texts and arrays of every line
	-- included, took about 0.35 s of 5 at 100 000 lines)
	CREATE INDEX ON pg_temp.rpls_valide (ligne);
	ANALYZE pg_temp.rpls_valide (ligne, ident_rep, lisible);

	-- an IDENT_REP on several lines of the file (of other IDENT_INT): the
	-- first keeps it, each later one is refused naming the first.  Apart
	-- from the validation above, which would sort every line once more by
	-- IDENT_REP: this one is a hash aggregate, and a window over the few
	-- duplicates
	UPDATE pg_temp.rpls_valide v
	   SET raisons = v.raisons || format('IDENT_REP %L is already on line %s (IDENT_INT %L): one RPLS number per unit',
										 d.ident_rep, d.premiere, d.premier_ident_int)
	  FROM (SELECT w.ligne, w.ident_rep, w.ident_int,
				   first_value(w.ligne) OVER p AS premiere, first_value(w.ident_int) OVER p AS premier_ident_int
			  FROM pg_temp.rpls_valide w
			 WHERE w.lisible AND w.ident_rep IN (SELECT x.ident_rep FROM pg_temp.rpls_valide x
												  WHERE x.lisible AND x.ident_rep ~ '^[0-9A-Z]{10}$'
												  GROUP BY x.ident_rep HAVING count(*) > 1)
			WINDOW p AS (PARTITION BY w.ident_rep ORDER BY w.ligne)) d
	 WHERE v.ligne = d.ligne AND d.ligne > d.premiere AND d.ident_int IS DISTINCT FROM d.premier_ident_int;

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

	-- a line rejected by an earlier load of this bailleur and year (the
	-- same line number, the same text) is recorded once: its reject gets
	-- this load's reasons and time.  ON CONFLICT reads no row with the
	-- transaction's snapshot, so two loads of other bailleurs never
	-- conflict under SERIALIZABLE (a DELETE of the earlier rejects did)
	-- (EXECUTE: the index's column annee_rpls is also this function's argument)
	EXECUTE $q$
		INSERT INTO flux.rpls_rejet (bailleur_id, annee_rpls, ligne, ident_int, raisons, texte)
		SELECT $1, $2, v.ligne, v.ident_int, v.raisons, v.texte
		  FROM pg_temp.rpls_valide v WHERE cardinality(v.raisons) > 0 ORDER BY v.ligne
		ON CONFLICT (bailleur_id, annee_rpls, ligne, md5(texte)) DO UPDATE
		   SET ident_int = EXCLUDED.ident_int, raisons = EXCLUDED.raisons, rejete_le = EXCLUDED.rejete_le
	$q$ USING charger_rpls.bailleur, charger_rpls.annee_rpls;
	GET DIAGNOSTICS n_rej = ROW_COUNT;
	SELECT count(*) INTO n_ok FROM pg_temp.rpls_valide v WHERE cardinality(v.raisons) = 0;
	IF n_ins + n_maj + n_inch <> n_ok OR n_ok + n_rej <> total THEN
		RAISE EXCEPTION 'RPLS load of bailleur % miscounted its lines', charger_rpls.bailleur
			USING ERRCODE = 'internal_error',
				  DETAIL = format('%s lines read, %s good (%s inserted, %s updated, %s unchanged), %s rejected.',
								  total, n_ok, n_ins, n_maj, n_inch, n_rej);
	END IF;

	DELETE FROM flux.rpls_ligne l WHERE l.session = sess;
	PERFORM flux.rpls_marque_liberer();

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
-- (section of the workflow's speed: the sweep, small statements, recommander)
-- ---------------------------------------------------------------------------

/*
 * A change: only the transitions of flux.etats_suivants; an answer after
 * its deadline is refused when silence already was acceptance (or made the
 * orientation expire); acceptance stamps the designation deadlines,
 * an extension moves them.  C since 0.12.0 (src/transitions.c, which says
 * each rule): the deadline sweep changes thousands of rows in one UPDATE,
 * and the PL/pgSQL trigger cost about 60 us a row.
 */
CREATE OR REPLACE FUNCTION flux.orientation_avant_modification() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_orientation_avant_modification'
	LANGUAGE C;

-- the sweep's UPDATEs join their locked rows on the key alone (linear)
CREATE OR REPLACE FUNCTION flux.balayer_echeances(a_la_date timestamptz DEFAULT now())
	RETURNS TABLE (orientation_id bigint, candidature_id bigint, de text, vers text, echeance date)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	jour date := a_la_date::date;
BEGIN
	IF a_la_date IS NULL OR NOT isfinite(a_la_date) THEN
		RAISE EXCEPTION 'the sweep needs a finite date, not %', coalesce(a_la_date::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Call flux.appliquer_echeances() for now, or pass a timestamp.';
	END IF;

	-- Each step locks its rows in a CTE, and the UPDATE joins them on the
	-- key alone.  The lock re-reads the latest version of each row and
	-- re-checks the CTE's conditions on it (READ COMMITTED), and once
	-- locked nobody changes it: the conditions are not repeated on the
	-- UPDATE's side.  Repeated there, they let the planner scan the table
	-- by them and look up the CTE for each row it finds: the first step
	-- makes thousands of orientations acceptee in this transaction, the
	-- statistics still say there are none, and the second step went
	-- quadratic (24 s for 10 000 rows, 0.11.0).  On the key alone, every
	-- plan the planner can choose is linear (bench/workflow, the sweep).
	RETURN QUERY
	WITH cibles AS (
		SELECT o.id, c.silence_vaut_acceptation AS silence FROM flux.orientation o
		  JOIN flux.convention c ON c.id OPERATOR(pg_catalog.=) o.convention_id
		 WHERE o.etat OPERATOR(pg_catalog.=) 'proposee' AND o.echeance_reponse < jour
		   FOR UPDATE OF o SKIP LOCKED
	)
	UPDATE flux.orientation o
	   SET etat = CASE WHEN cibles.silence THEN 'acceptee' ELSE 'expiree' END::flux.etat_orientation,
		   date_reponse = o.echeance_reponse,
		   motif = format('pas de réponse au %s : %s', to_char(o.echeance_reponse, 'DD/MM/YYYY'),
						  CASE WHEN cibles.silence THEN 'le silence vaut acceptation' ELSE 'orientation expirée' END)
	  FROM cibles
	 WHERE o.id OPERATOR(pg_catalog.=) cibles.id
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
		   motif = format('aucun candidat au %s : le logement revient au bailleur (nouvelle orientation, désignation par le bailleur ou prolongation)', to_char(o.echeance_designation, 'DD/MM/YYYY'))
	  FROM cibles
	 WHERE o.id OPERATOR(pg_catalog.=) cibles.id
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
		   motif_refus = format('pas de réponse au %s : le silence vaut refus', to_char(k.echeance_reponse_menage, 'DD/MM/YYYY'))
	  FROM cibles
	 WHERE k.id OPERATOR(pg_catalog.=) cibles.id
	RETURNING k.orientation_id, k.id, 'proposition'::text, 'reponse_sans_reponse'::text, k.echeance_reponse_menage AS echeance;

	-- the deadlines at whose term the conventions name no change of state:
	-- the sweep records that each passed, once (the unique index
	-- orientation_historique_echeance_constatee), and changes nothing.
	-- The notice that the réservataire cannot designate (Ornex art. 6): the
	-- convention says what the bailleur may do once told, nothing of a
	-- silence; the designation deadline still runs.
	RETURN QUERY
	WITH cibles AS (
		SELECT o.id, o.echeance_impossibilite, o.echeance_designation FROM flux.orientation o
		 WHERE o.etat OPERATOR(pg_catalog.=) 'acceptee' AND o.echeance_impossibilite < jour
		   AND NOT EXISTS (SELECT 1 FROM flux.orientation_historique h
							WHERE h.orientation_id = o.id AND h.vers OPERATOR(pg_catalog.=) 'echeance_impossibilite')
		   FOR UPDATE OF o SKIP LOCKED
	), notes AS (
		INSERT INTO flux.orientation_historique (orientation_id, de, vers, origine, motif)
		SELECT cibles.id, 'acceptee', 'echeance_impossibilite', flux.origine_courante(),
			   format('pas de signalement d''impossibilité de désigner au %s : rien ne s''ensuit (la convention ne prévoit aucune conséquence) ; les candidats sont attendus au plus tard le %s',
					  to_char(cibles.echeance_impossibilite, 'DD/MM/YYYY'), to_char(cibles.echeance_designation, 'DD/MM/YYYY'))
		  FROM cibles
		ON CONFLICT (orientation_id, vers) WHERE vers IN ('echeance_impossibilite', 'echeance_designation') DO NOTHING
		RETURNING flux.orientation_historique.orientation_id
	)
	SELECT notes.orientation_id, NULL::bigint, 'acceptee'::text, 'echeance_impossibilite'::text, cibles.echeance_impossibilite
	  FROM notes JOIN cibles ON cibles.id = notes.orientation_id;

	-- The designation deadline passed with fewer candidates than the
	-- convention asks for (Ornex art. 6 table, Publier art. 5.3): the
	-- bailleur may complete the list (a candidate designe_par bailleur,
	-- which the deadline does not bind); the réservataire can no longer
	-- designate (candidature_avant_insertion).  Nothing else follows.
	RETURN QUERY
	WITH cibles AS (
		SELECT o.id, o.echeance_designation, n.candidats,
			   CASE WHEN n.dalo THEN c.candidats_max_dalo ELSE c.candidats_max END AS attendus
		  FROM flux.orientation o
		  JOIN flux.convention c ON c.id = o.convention_id
		  CROSS JOIN LATERAL (SELECT count(*) AS candidats, bool_or(k.dalo) AS dalo
								FROM flux.candidature k WHERE k.orientation_id = o.id) n
		 WHERE o.etat OPERATOR(pg_catalog.=) 'candidats_designes' AND o.echeance_designation < jour
		   AND n.candidats < CASE WHEN n.dalo THEN c.candidats_max_dalo ELSE c.candidats_max END
		   AND NOT EXISTS (SELECT 1 FROM flux.orientation_historique h
							WHERE h.orientation_id = o.id AND h.vers OPERATOR(pg_catalog.=) 'echeance_designation')
		   FOR UPDATE OF o SKIP LOCKED
	), notes AS (
		INSERT INTO flux.orientation_historique (orientation_id, de, vers, origine, motif)
		SELECT cibles.id, 'candidats_designes', 'echeance_designation', flux.origine_courante(),
			   format('%s candidat(s) sur %s au %s : le bailleur peut compléter la liste ; rien d''autre ne s''ensuit',
					  cibles.candidats, cibles.attendus, to_char(cibles.echeance_designation, 'DD/MM/YYYY'))
		  FROM cibles
		ON CONFLICT (orientation_id, vers) WHERE vers IN ('echeance_impossibilite', 'echeance_designation') DO NOTHING
		RETURNING flux.orientation_historique.orientation_id
	)
	SELECT notes.orientation_id, NULL::bigint, 'candidats_designes'::text, 'echeance_designation'::text, cibles.echeance_designation
	  FROM notes JOIN cibles ON cibles.id = notes.orientation_id;
END
$$;


-- the candidates' writes plan by index too: the foreign key check of each
-- history row no longer scans a table planned empty
CREATE OR REPLACE FUNCTION flux.candidature_apres_insertion() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	x record;
	origine text;
	seqscan text := current_setting('enable_seqscan');
	hashjoin text := current_setting('enable_hashjoin');
	mergejoin text := current_setting('enable_mergejoin');
BEGIN
	-- the lock and the checks plan by index only (see above); the writes
	-- after them, and the triggers they fire, by index too but free to
	-- hash or merge what they join (0.12.0: planned while flux.candidature
	-- was empty, the foreign key check of each history row scanned every
	-- candidate inserted since, row by row in one transaction)
	PERFORM set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true),
			set_config('enable_mergejoin', 'off', true);
	-- the lock: a concurrent designation on the same orientation waits for
	-- this one (in the order of the ids: no deadlock between two INSERTs);
	-- above READ COMMITTED candidature_avant_insertion took it already
	PERFORM FROM (SELECT DISTINCT n.orientation_id FROM nouvelles n ORDER BY 1) d
		CROSS JOIN LATERAL (SELECT o.id FROM flux.orientation o WHERE o.id = d.orientation_id
							FOR NO KEY UPDATE OF o) v;

	-- the checks, each new row after the candidates before it (those of
	-- other statements, then the new ones of lower id)
	SELECT n.id, n.nud, n.designe_par, n.date_designation, o.id AS o_id, o.etat, o.hors_flux, o.convention_id,
		   o.echeance_designation, o.date_reponse, o.date_orientation, o.prolongation_jo,
		   c.delai_designation_jo, c.delai_designation_max_mois, c.candidats_max,
		   t.avant + n.rang_nouveau AS candidats, t.dalo_avant OR n.dalo_cumul AS dalo,
		   CASE WHEN t.dalo_avant OR n.dalo_cumul THEN c.candidats_max_dalo ELSE c.candidats_max END AS maximum,
		   CASE WHEN o.etat NOT IN ('acceptee', 'candidats_designes') THEN 'etat'
				WHEN o.convention_id IS NULL THEN CASE WHEN n.designe_par <> 'bailleur' THEN 'hors_flux' END
				WHEN n.designe_par = 'reservataire' AND o.echeance_designation IS NOT NULL
					 AND n.date_designation > o.echeance_designation THEN 'echeance'
				WHEN t.avant + n.rang_nouveau > CASE WHEN t.dalo_avant OR n.dalo_cumul
													 THEN c.candidats_max_dalo ELSE c.candidats_max END THEN 'nombre'
		   END AS faute
	  INTO x
	  FROM (SELECT k.*, row_number() OVER w AS rang_nouveau, bool_or(k.dalo) OVER w AS dalo_cumul,
				   count(*) OVER (PARTITION BY k.orientation_id) AS nouveaux,
				   count(*) FILTER (WHERE k.dalo) OVER (PARTITION BY k.orientation_id) AS nouveaux_dalo
			  FROM nouvelles k
			WINDOW w AS (PARTITION BY k.orientation_id ORDER BY k.id ROWS UNBOUNDED PRECEDING)) n
	 CROSS JOIN LATERAL (SELECT o.* FROM flux.orientation o WHERE o.id = n.orientation_id LIMIT 1) o
	  LEFT JOIN LATERAL (SELECT c.* FROM flux.convention c WHERE c.id = o.convention_id LIMIT 1) c ON true
	 CROSS JOIN LATERAL (
		-- the candidates of the orientation, the new ones of this statement
		-- taken off (it counts them itself, in order)
		SELECT count(*) - n.nouveaux AS avant, count(*) FILTER (WHERE k.dalo) > n.nouveaux_dalo AS dalo_avant
		  FROM flux.candidature k WHERE k.orientation_id = n.orientation_id) t
	 WHERE o.etat NOT IN ('acceptee', 'candidats_designes')
		OR (o.convention_id IS NULL AND n.designe_par <> 'bailleur')
		OR (o.convention_id IS NOT NULL
			AND ((n.designe_par = 'reservataire' AND n.date_designation > o.echeance_designation)
				 OR t.avant + n.rang_nouveau > CASE WHEN t.dalo_avant OR n.dalo_cumul
													THEN c.candidats_max_dalo ELSE c.candidats_max END))
	 ORDER BY n.id
	 LIMIT 1;
	IF FOUND THEN
		CASE x.faute
		WHEN 'etat' THEN
			RAISE EXCEPTION 'orientation % is %: candidates are designated on an accepted orientation, before the CALEOL', x.o_id, x.etat
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = CASE x.etat WHEN 'proposee' THEN 'The réservataire accepts it first (etat = ''acceptee''), or silence does at the deadline.'
										 WHEN 'attribuee' THEN 'The CALEOL has decided; a household''s refusal brings the orientation back to candidats_designes.'
										 ELSE 'Create a new orientation of the vacancy.' END;
		WHEN 'hors_flux' THEN
			RAISE EXCEPTION 'orientation % is outside the flux (%): the bailleur designates', x.o_id, x.hors_flux
				USING ERRCODE = 'check_violation',
					  HINT = 'Set designe_par = ''bailleur''.';
		WHEN 'echeance' THEN
			RAISE EXCEPTION 'orientation %: designation on % after its deadline %', x.o_id, x.date_designation, x.echeance_designation
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('%s jours ouvrés after acceptance on %s, at most %s month(s) after the orientation on %s%s.',
									  x.delai_designation_jo, x.date_reponse, x.delai_designation_max_mois, x.date_orientation,
									  CASE WHEN x.prolongation_jo > 0 THEN format(', extended by %s jours ouvrés', x.prolongation_jo) ELSE '' END),
					  HINT = format('The bailleur may extend it (UPDATE flux.orientation SET prolongation_jo = n, motif_prolongation = ''...'' WHERE id = %s), designate itself (designe_par = ''bailleur'') or re-orient.', x.o_id);
		ELSE
			RAISE EXCEPTION 'orientation % would have % candidates; convention % allows %', x.o_id, x.candidats, x.convention_id, x.maximum
				USING ERRCODE = 'check_violation',
					  DETAIL = CASE WHEN x.dalo THEN 'A DALO household is proposed as a single candidate (candidats_max_dalo).'
									ELSE format('At most %s candidates per unit (candidats_max).', x.candidats_max) END,
					  HINT = 'Withdraw a candidate first, or present the DALO household alone.';
		END CASE;
	END IF;

	PERFORM set_config('enable_hashjoin', hashjoin, true), set_config('enable_mergejoin', mergejoin, true);

	-- the history, in the order of one INSERT per candidate: the first new
	-- candidate of each orientation, the orientation's step (its history
	-- row: orientation_historiser), the other new candidates
	origine := flux.origine_courante();
	INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
	SELECT n.orientation_id, n.id, NULL, 'candidat_designe', origine,
		   format('rang %s, désigné par %s', n.rang, CASE n.designe_par WHEN 'bailleur' THEN 'le bailleur' ELSE 'le réservataire' END)
	  FROM (SELECT k.*, row_number() OVER (PARTITION BY k.orientation_id ORDER BY k.id) AS r FROM nouvelles k) n
	 WHERE n.r = 1
	 ORDER BY n.id;
	UPDATE flux.orientation o
	   SET etat = CASE WHEN o.etat = 'acceptee' THEN 'candidats_designes' ELSE o.etat END,
		   motif = CASE WHEN o.etat = 'acceptee' THEN 'candidats désignés' ELSE o.motif END,
		   modifie_le = now()
	  FROM (SELECT DISTINCT n.orientation_id FROM nouvelles n) d
	 WHERE o.id = d.orientation_id;
	INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, origine, motif)
	SELECT n.orientation_id, n.id, NULL, 'candidat_designe', origine,
		   format('rang %s, désigné par %s', n.rang, CASE n.designe_par WHEN 'bailleur' THEN 'le bailleur' ELSE 'le réservataire' END)
	  FROM (SELECT k.*, row_number() OVER (PARTITION BY k.orientation_id ORDER BY k.id) AS r FROM nouvelles k) n
	 WHERE n.r > 1
	 ORDER BY n.id;
	PERFORM set_config('enable_seqscan', seqscan, true);
	RETURN NULL;
END
$$;

-- flux.recommander reads, for each destination, its total and the unit's
-- five segments: by this index, six ranges of a few rows each, not one
-- probe per destination and segment (0.12.0)
CREATE INDEX compteur_orientation_segment ON flux.compteur_orientation (bailleur_id, departement, annee, dimension, valeur);

-- recommander reads the counters it needs by their key, and only the
-- communes of restricted conventions: flat in the communes
CREATE OR REPLACE FUNCTION flux.recommander(vacance bigint, a_la_date date DEFAULT CURRENT_DATE, avec_exclus boolean DEFAULT false)
	RETURNS TABLE (rang integer, convention_id bigint, reservataire_id bigint, reservataire text, categorie text,
				   taux numeric, dus numeric, comptes bigint, deficit numeric, segments text,
				   score numeric, decision text, raison text, exclusion text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	du_fr text;
	u record;
	an integer;
	seg text[];
	ids bigint[];
	noms text[];
	cats text[];
	rids bigint[];
	parts numeric[];
	donnes bigint[];
	avant double precision[];
	retards double precision[];
	priorites boolean[];
	details text[];
	combs bigint[];
	combines double precision[];
	cdetails text[];
	r record;
	i integer;
	j integer;
	propre numeric;
BEGIN
	SELECT v.id, v.date_relocation, l.id AS logement_id, l.bailleur_id, l.departement, l.depcom, b.nom AS bailleur,
		   flux.segments(l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct) AS seg
	  INTO u
	  FROM flux.vacance v JOIN flux.logement l ON l.id = v.logement_id JOIN flux.bailleur b ON b.id = l.bailleur_id
	 WHERE v.id = recommander.vacance;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'vacancy % does not exist', vacance
			USING ERRCODE = 'no_data_found',
				  HINT = 'Pass the id of a row of flux.vacance.';
	END IF;
	IF a_la_date IS NULL OR NOT isfinite(a_la_date) THEN
		RAISE EXCEPTION 'the recommendation needs a finite date, not %', coalesce(a_la_date::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Omit a_la_date for today.';
	END IF;
	an := extract(year FROM a_la_date)::integer;
	seg := u.seg;

	-- destinations and their counters, in one query; the bailleur's own share last
	WITH conv AS (
		SELECT c.id, c.reservataire_id, rs.nom, rs.categorie::text AS categorie, c.communes, c.taux::numeric AS taux
		  FROM flux.convention c JOIN flux.reservataire rs ON rs.id = c.reservataire_id
		 WHERE c.bailleur_id = u.bailleur_id AND c.departement = u.departement AND c.regime = 'flux'
		   AND daterange(c.date_effet, c.date_fin) @> a_la_date
		   AND (c.communes IS NULL OR u.depcom = ANY (c.communes))
		   AND NOT EXISTS (SELECT 1 FROM flux.orientation o
							WHERE o.vacance_id = u.id AND o.convention_id = c.id AND o.etat IN ('refusee', 'expiree'))
	), en_vigueur AS (
		SELECT c.communes, c.taux::numeric AS taux FROM flux.convention c
		 WHERE c.bailleur_id = u.bailleur_id AND c.departement = u.departement AND c.regime = 'flux'
		   AND daterange(c.date_effet, c.date_fin) @> a_la_date
	), k AS MATERIALIZED (
		-- only the counters this vacancy needs, each found by its key (0.12.0:
		-- not a scan of the year's counters, which grow with the communes):
		-- the total and the unit's five segments of each destination, and
		-- every commune of the whole flux (destination -1)
		SELECT x.destination, x.dimension, x.valeur, x.n
		  FROM (SELECT c.id FROM conv c UNION ALL VALUES (0::bigint), (-1::bigint)) dd(id)
		 CROSS JOIN (VALUES (0::smallint, ''::text), (1::smallint, seg[1]), (2::smallint, seg[2]), (3::smallint, seg[3]),
							(4::smallint, seg[4]), (5::smallint, seg[5])) kk(dimension, valeur)
		  JOIN flux.compteur_orientation x
			ON x.bailleur_id = u.bailleur_id AND x.departement = u.departement AND x.annee = an
		   AND x.destination = dd.id AND x.dimension = kk.dimension AND x.valeur = kk.valeur
		UNION ALL
		-- and the communes the conventions restricted to some list (the
		-- units of the flux there): the others only count in the total
		SELECT x.destination, x.dimension, x.valeur, x.n FROM flux.compteur_orientation x
		 WHERE x.bailleur_id = u.bailleur_id AND x.departement = u.departement AND x.annee = an
		   AND x.destination = -1 AND x.dimension = 4 AND x.valeur IS DISTINCT FROM seg[4]
		   AND x.valeur IN (SELECT y.depcom FROM en_vigueur e CROSS JOIN LATERAL unnest(e.communes) y(depcom))
	), par_destination AS (
		SELECT k.destination,
			   coalesce(sum(k.n) FILTER (WHERE k.dimension = 0), 0) AS total,
			   ARRAY[coalesce(sum(k.n) FILTER (WHERE k.dimension = 1), 0), coalesce(sum(k.n) FILTER (WHERE k.dimension = 2), 0),
					 coalesce(sum(k.n) FILTER (WHERE k.dimension = 3), 0),
					 coalesce(sum(k.n) FILTER (WHERE k.dimension = 4 AND k.valeur = seg[4]), 0),
					 coalesce(sum(k.n) FILTER (WHERE k.dimension = 5), 0)] AS segs
		  FROM k GROUP BY k.destination
	), communes AS (
		SELECT k.valeur AS depcom, k.n FROM k WHERE k.destination = -1 AND k.dimension = 4
	), avant_communes AS (
		-- a convention restricted to communes: the units of those communes,
		-- by a hash join on the communes listed (each once), not an ANY over
		-- its list for each commune
		SELECT cc.id, sum(m.n) AS n
		  FROM (SELECT DISTINCT c.id, x.depcom FROM conv c CROSS JOIN LATERAL unnest(c.communes) x(depcom)) cc
		  JOIN communes m ON m.depcom = cc.depcom
		 GROUP BY cc.id
	), reserve_partout AS (
		SELECT coalesce(sum(e.taux), 0) AS taux FROM en_vigueur e WHERE e.communes IS NULL
	), reserve_communes AS (
		-- what the conventions restricted to communes reserve there: each
		-- one's share of the units of its communes (each listed once)
		SELECT coalesce(sum(e.taux * coalesce((SELECT sum(m.n) FROM communes m
												WHERE m.depcom IN (SELECT DISTINCT y FROM unnest(e.communes) y)), 0)), 0) AS unites
		  FROM en_vigueur e WHERE e.communes IS NOT NULL
	), tous AS (
		SELECT coalesce((SELECT p.total FROM par_destination p WHERE p.destination = -1), 0) AS total,
			   coalesce((SELECT p.segs FROM par_destination p WHERE p.destination = -1), '{0,0,0,0,0}') AS segs
	), d AS (
		SELECT 1 AS ordre, c.id, c.reservataire_id, c.nom, c.categorie, c.taux,
			   c.taux / 100 * CASE WHEN c.communes IS NULL THEN (SELECT t.total FROM tous t)
								   ELSE coalesce((SELECT a.n FROM avant_communes a WHERE a.id = c.id), 0) END AS avant
		  FROM conv c
		UNION ALL
		-- the bailleur's own share of each commune's units: what the conventions leave there
		SELECT 2, 0, NULL, 'part propre du bailleur', 'non_reserve',
			   100 - coalesce((SELECT sum(c.taux) FROM conv c), 0),
			   -- the sum over the communes of their units times the share no
			   -- convention reserves there, without reading every commune:
			   -- the units times what the conventions of the whole territory
			   -- leave, less what each restricted one reserves on its own
			   ((SELECT t.total FROM tous t) * (100 - (SELECT rp.taux FROM reserve_partout rp))
				- (SELECT rc.unites FROM reserve_communes rc)) / 100
	)
	SELECT array_agg(d.id ORDER BY d.ordre, d.id), array_agg(d.nom ORDER BY d.ordre, d.id),
		   array_agg(d.categorie ORDER BY d.ordre, d.id), array_agg(d.reservataire_id ORDER BY d.ordre, d.id),
		   array_agg(d.taux ORDER BY d.ordre, d.id),
		   array_agg(coalesce(p.total, 0)::bigint ORDER BY d.ordre, d.id),
		   array_agg(d.avant::double precision ORDER BY d.ordre, d.id),
		   array_agg(s.retard ORDER BY d.ordre, d.id),
		   array_agg(d.categorie = 'etat' AND seg[1] = 'hors_qpv'
					 AND greatest(d.taux, 30) / 100 * (t.segs[1] + 1) - coalesce(p.segs[1], 0) >= 1 ORDER BY d.ordre, d.id),
		   array_agg(s.detail ORDER BY d.ordre, d.id)
	  INTO ids, noms, cats, rids, parts, donnes, avant, retards, priorites, details
	  FROM d
	 CROSS JOIN tous t
	  LEFT JOIN par_destination p ON p.destination = d.id
	 CROSS JOIN LATERAL (
		SELECT sum(d.taux / 100 * (t.segs[g.dim] + 1) - coalesce(p.segs[g.dim], 0))::double precision AS retard,
			   string_agg(format('%s %s sur %s', CASE seg[g.dim] WHEN 'qpv' THEN 'en QPV' WHEN 'hors_qpv' THEN 'hors QPV' ELSE seg[g.dim] END,
								 coalesce(p.segs[g.dim], 0), replace(round(d.taux / 100 * t.segs[g.dim], 1)::text, '.', ',')),
						  ', ' ORDER BY g.dim) AS detail
		  FROM generate_series(1, 5) g(dim)) s;

	propre := parts[cardinality(parts)];
	IF propre < 0 THEN
		RAISE EXCEPTION 'shares of the conventions covering logement % add up to %%%, more than 100%%', u.logement_id, 100 - propre
			USING ERRCODE = 'numeric_value_out_of_range',
				  HINT = 'See flux.parts for the shares in force.';
	END IF;

	-- the declared combined segments the unit belongs to (none: 0.10.0's rule, exactly)
	SELECT array_agg(sm.id ORDER BY sm.id) INTO combs
	  FROM flux.segment_moins_attractif sm
	 WHERE sm.bailleur_id = u.bailleur_id AND sm.departement = u.departement
	   AND flux.dans_combinaison(sm.combinaison, seg);
	IF combs IS NULL THEN
		SELECT * INTO r FROM flux.classer_destinations(parts::flux.taux[], donnes, avant, retards, priorites);
	ELSE
		-- per destination: share x (units of the segment oriented this year + 1) - units it got there
		WITH o AS (
			SELECT coalesce(o.convention_id, 0) AS dest,
				   flux.segments(l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct) AS s
			  FROM flux.orientation o
			  JOIN flux.vacance v ON v.id = o.vacance_id
			  JOIN flux.logement l ON l.id = v.logement_id
			  LEFT JOIN flux.convention c ON c.id = o.convention_id
			 WHERE l.bailleur_id = u.bailleur_id AND l.departement = u.departement
			   AND o.date_orientation >= make_date(an, 1, 1) AND o.date_orientation < make_date(an + 1, 1, 1)
			   AND flux.compte_au_quota(o.etat, o.hors_flux, c.refus_compte_quota)
		), z AS (
			SELECT sm.id, sm.nom, count(o.dest) AS n, array_agg(o.dest) FILTER (WHERE o.dest IS NOT NULL) AS dests
			  FROM flux.segment_moins_attractif sm LEFT JOIN o ON flux.dans_combinaison(sm.combinaison, o.s)
			 WHERE sm.id = ANY (combs)
			 GROUP BY sm.id, sm.nom
		)
		SELECT array_agg(q.retard ORDER BY q.j), array_agg(q.detail ORDER BY q.j) INTO combines, cdetails
		  FROM (SELECT g.j,
					   sum(parts[g.j] / 100 * (z.n + 1) - x.obtenus)::double precision AS retard,
					   string_agg(format('%s %s sur %s', z.nom, x.obtenus, replace(round(parts[g.j] / 100 * z.n, 1)::text, '.', ',')), ', ' ORDER BY z.id) AS detail
				  FROM generate_subscripts(ids, 1) g(j)
				 CROSS JOIN z
				 CROSS JOIN LATERAL (SELECT count(*) AS obtenus FROM unnest(z.dests) e WHERE e = ids[g.j]) x
				 GROUP BY g.j) q;
		SELECT * INTO r FROM flux.classer_destinations(parts::flux.taux[], donnes, avant, retards, priorites, combines);
	END IF;
	FOR i IN 1 .. cardinality(r.ordre) LOOP
		j := r.ordre[i];
		rang := i;
		convention_id := nullif(ids[j], 0);
		reservataire_id := rids[j];
		reservataire := noms[j];
		categorie := cats[j];
		taux := trim_scale(parts[j]);
		dus := round((avant[j] + parts[j] / 100)::numeric, 2);
		comptes := donnes[j];
		deficit := round((avant[j] + parts[j] / 100 - donnes[j])::numeric, 2);
		segments := details[j] || CASE WHEN combs IS NOT NULL THEN ' ; moins attractifs : ' || cdetails[j] ELSE '' END;
		score := round(deficit + retards[j]::numeric, 2);
		decision := CASE WHEN i = 1 THEN r.decision END;
		-- French for the reader: decimal comma, a space before ':' and ';'
		du_fr := replace(dus::text, '.', ',');
		raison := CASE
			WHEN i = 1 AND r.decision = 'priorite' THEN
				format('part de l''État hors QPV sous 30 %% : %s', details[j])
			WHEN i = 1 AND r.decision = 'combine' THEN
				format('dans sa part (%s dus, %s comptés), le plus en retard sur les segments moins attractifs déclarés : %s', du_fr, comptes, cdetails[j])
			WHEN i = 1 AND r.decision = 'segment' THEN
				format('dans sa part (%s dus, %s comptés), le plus en retard sur les segments du logement : %s', du_fr, comptes, details[j])
			WHEN i = 1 THEN
				format('le plus en retard sur son flux : %s dus, %s comptés', du_fr, comptes)
			WHEN deficit < 0 THEN format('en avance sur sa part : %s dus, %s comptés', du_fr, comptes)
			WHEN deficit = 0 THEN format('à jour de sa part : %s dus, %s comptés', du_fr, comptes)
			ELSE format('%s dus, %s comptés ; segments %s', du_fr, comptes, details[j]) END;
		exclusion := NULL;
		RETURN NEXT;
	END LOOP;

	IF avec_exclus THEN
		RETURN QUERY
		SELECT NULL::integer, c.id, c.reservataire_id, rs.nom, rs.categorie::text, trim_scale(c.taux::numeric),
			   NULL::numeric, NULL::bigint, NULL::numeric, NULL::text, NULL::numeric, NULL::text, NULL::text,
			   CASE WHEN c.regime <> 'flux' THEN 'gérée en stock'
					WHEN NOT daterange(c.date_effet, c.date_fin) @> a_la_date
					THEN format('pas en vigueur le %s (du %s au %s)', to_char(a_la_date, 'DD/MM/YYYY'), to_char(c.date_effet, 'DD/MM/YYYY'),
								coalesce(to_char(c.date_fin, 'DD/MM/YYYY'), '...'))
					WHEN c.communes IS NOT NULL AND NOT u.depcom = ANY (c.communes)
					THEN format('ne couvre pas la commune %s', u.depcom)
					ELSE (SELECT format('a déjà %s ce logement (orientation %s du %s)',
										CASE o.etat WHEN 'refusee' THEN 'refusé' ELSE 'laissé expirer' END, o.id, to_char(o.date_orientation, 'DD/MM/YYYY'))
							FROM flux.orientation o
						   WHERE o.vacance_id = u.id AND o.convention_id = c.id AND o.etat IN ('refusee', 'expiree')
						   ORDER BY o.id LIMIT 1) END
		  FROM flux.convention c JOIN flux.reservataire rs ON rs.id = c.reservataire_id
		 WHERE c.bailleur_id = u.bailleur_id AND c.departement = u.departement
		   AND NOT c.id = ANY (ids)
		 ORDER BY c.id;
	END IF;
END
$$;

/*
 * What an UPDATE changed in a row, from its old and new rows as jsonb: the
 * changed columns' old and new values, and the personal columns changed
 * (named only).  C since 0.12.0 (src/audit.c, which says the rule): the
 * same comparison in SQL, key by key, was most of the audit's cost on a
 * bulk UPDATE.
 */
CREATE FUNCTION flux.audit_ecart(ancien jsonb, nouveau jsonb, perso text[], ignorer text[],
								 OUT avant jsonb, OUT apres jsonb, OUT personnelles text[])
	AS 'MODULE_PATHNAME', 'flux_audit_ecart'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
REVOKE EXECUTE ON FUNCTION flux.audit_ecart(jsonb, jsonb, text[], text[]) FROM PUBLIC;

COMMENT ON FUNCTION flux.audit_ecart(jsonb, jsonb, text[], text[]) IS
	'For flux.auditer: the columns an UPDATE changed in a row (old values, new values, personal columns named only), keys of ignorer left out';

-- the audit of an UPDATE compares the rows in C
CREATE OR REPLACE FUNCTION flux.auditer() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
	SET work_mem = '64MB'
	SET jit = off
AS $$
DECLARE
	v_cles text[] := pg_catalog.string_to_array(TG_ARGV[0], ',');
	v_perso text[] := coalesce(TG_ARGV[1:TG_NARGS - 1], '{}');
	v_quand timestamptz := pg_catalog.clock_timestamp();
	v_xact xid8 := pg_catalog.pg_current_xact_id();
	v_appelant name := flux.appelant();
	v_reservataire bigint := flux.reservataire_courant();
	v_epci text := flux.epci_courant();
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		INSERT INTO flux.audit (quand, transaction_id, relation, operation, login, appelant, reservataire_id, epci)
		VALUES (v_quand, v_xact, TG_TABLE_NAME, TG_OP, SESSION_USER, v_appelant, v_reservataire, v_epci);
	ELSIF TG_OP = 'INSERT' THEN
		INSERT INTO flux.audit (quand, transaction_id, relation, operation, cle, login, appelant, reservataire_id, epci,
								apres, donnees_personnelles)
		SELECT v_quand, v_xact, TG_TABLE_NAME, TG_OP,
			   array_to_string(ARRAY(SELECT n.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ','),
			   SESSION_USER, v_appelant, v_reservataire, v_epci,
			   jsonb_strip_nulls(n.j - v_perso),
			   nullif(ARRAY(SELECT c FROM unnest(v_perso) c WHERE n.j ->> c IS NOT NULL), '{}')
		  FROM (SELECT to_jsonb(t) AS j FROM nouvelles t OFFSET 0) n;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO flux.audit (quand, transaction_id, relation, operation, cle, login, appelant, reservataire_id, epci,
								avant, donnees_personnelles)
		SELECT v_quand, v_xact, TG_TABLE_NAME, TG_OP,
			   array_to_string(ARRAY(SELECT a.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ','),
			   SESSION_USER, v_appelant, v_reservataire, v_epci,
			   jsonb_strip_nulls(a.j - v_perso),
			   nullif(ARRAY(SELECT c FROM unnest(v_perso) c WHERE a.j ->> c IS NOT NULL), '{}')
		  FROM (SELECT to_jsonb(t) AS j FROM anciennes t OFFSET 0) a;
	ELSE
		-- old and new rows matched on their key; a row whose key changed
		-- shows as two rows, its old key (avant) and its new one (apres)
		INSERT INTO flux.audit (quand, transaction_id, relation, operation, cle, login, appelant, reservataire_id, epci,
								avant, apres, donnees_personnelles)
		SELECT v_quand, v_xact, TG_TABLE_NAME, TG_OP, coalesce(n.cle, a.cle),
			   SESSION_USER, v_appelant, v_reservataire, v_epci, d.avant, d.apres, d.perso
		  FROM (SELECT s.j, array_to_string(ARRAY(SELECT s.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ',') AS cle
				  FROM (SELECT to_jsonb(t) AS j FROM nouvelles t OFFSET 0) s OFFSET 0) n
		  FULL JOIN
			   (SELECT s.j, array_to_string(ARRAY(SELECT s.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ',') AS cle
				  FROM (SELECT to_jsonb(t) AS j FROM anciennes t OFFSET 0) s OFFSET 0) a ON a.cle = n.cle
		 CROSS JOIN LATERAL flux.audit_ecart(a.j, n.j, v_perso, '{modifie_le}') d(avant, apres, perso)
		 WHERE d.avant IS NOT NULL OR d.apres IS NOT NULL OR d.perso IS NOT NULL;
	END IF;
	RETURN NULL;
END
$$;

-- ---------------------------------------------------------------------------
-- (section of the transmitted bilans, frozen)
-- ---------------------------------------------------------------------------

-- new in 0.12.0, as in src/transmission.sql (every object below is new;
-- transmissions recorded before 0.12.0 have no frozen version: their
-- figures then are not known)

/*
 * flux.transmis_immuable: what was transmitted stays as transmitted.
 * Refuses UPDATE, DELETE and TRUNCATE of the frozen tables, whoever asks
 * (the owner included).  A restore loads them in replica mode (the DBA
 * guide), which fires no trigger; COPY is an INSERT, which it leaves.
 */
CREATE FUNCTION flux.transmis_immuable() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION '%.% is frozen: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = 'A bilan transmitted stays as it was transmitted: its rows, its date and its checksum are never rewritten.',
			  HINT = 'To send a correction, call flux.transmettre_bilan again: it freezes a new version and keeps the old one; flux.ecarts_transmis shows what changed since.';
END
$$;
REVOKE EXECUTE ON FUNCTION flux.transmis_immuable() FROM PUBLIC;

COMMENT ON FUNCTION flux.transmis_immuable() IS
	'Trigger: refuses UPDATE, DELETE and TRUNCATE of the frozen bilans (flux.bilan_transmis and its rows), whoever asks';

-- each version of a bilan sent: the first sending, then each correction
CREATE TABLE flux.bilan_transmis (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	transmission_id	bigint NOT NULL REFERENCES flux.transmission_bilan,
	version			integer NOT NULL CONSTRAINT bilan_transmis_version CHECK (version >= 1),
	bailleur_id		bigint NOT NULL,
	departement		text NOT NULL,
	annee			integer NOT NULL,
	reservataire_id	bigint,
	epci			text,
	date_envoi		date NOT NULL,
	transmis_par	text NOT NULL,
	transmis_le		timestamp with time zone NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT bilan_transmis_destinataire CHECK ((reservataire_id IS NULL) <> (epci IS NULL)),
	CONSTRAINT bilan_transmis_unique UNIQUE (transmission_id, version)
);

CREATE INDEX bilan_transmis_reservataire ON flux.bilan_transmis (reservataire_id, annee);

CREATE INDEX bilan_transmis_epci ON flux.bilan_transmis (epci, annee);

COMMENT ON TABLE flux.bilan_transmis IS
	'Frozen: each version of a bilan sent (flux.transmission_bilan): 1 the first sending, then each correction sent; with its date, who sent it, and its rows in flux.transmis_*; immutable';

COMMENT ON COLUMN flux.bilan_transmis.id IS 'Surrogate key (the version''s id)';

COMMENT ON COLUMN flux.bilan_transmis.transmission_id IS 'The bilan sent (flux.transmission_bilan)';

COMMENT ON COLUMN flux.bilan_transmis.version IS 'Its number: 1 the first sending, then each correction sent';

COMMENT ON COLUMN flux.bilan_transmis.bailleur_id IS 'The bailleur (as the transmission)';

COMMENT ON COLUMN flux.bilan_transmis.departement IS 'The département';

COMMENT ON COLUMN flux.bilan_transmis.annee IS 'The year the bilan covers (N)';

COMMENT ON COLUMN flux.bilan_transmis.reservataire_id IS 'The réservataire it went to (or NULL for an EPCI)';

COMMENT ON COLUMN flux.bilan_transmis.epci IS 'The EPCI it went to (SIREN)';

COMMENT ON COLUMN flux.bilan_transmis.date_envoi IS 'Date this version was sent';

COMMENT ON COLUMN flux.bilan_transmis.transmis_par IS 'The role that recorded it (flux.appelant())';

COMMENT ON COLUMN flux.bilan_transmis.transmis_le IS 'When it was frozen';

SELECT pg_catalog.pg_extension_config_dump('flux.bilan_transmis', '');

SELECT pg_catalog.pg_extension_config_dump('flux.bilan_transmis_id_seq', '');

CREATE TRIGGER transmis_immuable
	BEFORE UPDATE OR DELETE ON flux.bilan_transmis
	FOR EACH ROW EXECUTE FUNCTION flux.transmis_immuable();

CREATE TRIGGER transmis_immuable_troncature
	BEFORE TRUNCATE ON flux.bilan_transmis
	FOR EACH STATEMENT EXECUTE FUNCTION flux.transmis_immuable();

-- the checksum of each section's CSV document, as sent
CREATE TABLE flux.bilan_transmis_document (
	version_id		bigint NOT NULL REFERENCES flux.bilan_transmis,
	section			text NOT NULL CONSTRAINT bilan_transmis_document_section
					CHECK (section IN ('parts', 'obligations', 'detail', 'communes', 'destinations')),
	lignes			integer NOT NULL,
	sha256			text NOT NULL,
	sha256_fr		text,
	PRIMARY KEY (version_id, section)
);

COMMENT ON TABLE flux.bilan_transmis_document IS
	'Frozen: per version and section, the sha256 of the CSV document sent (flux.csv_transmis: the same bytes as flux.csv_reservataire / flux.csv_epci for the bailleur and the département), UTF-8 encoded; immutable';

COMMENT ON COLUMN flux.bilan_transmis_document.version_id IS 'The version (flux.bilan_transmis)';

COMMENT ON COLUMN flux.bilan_transmis_document.section IS 'The section (parts, obligations, detail; communes, destinations, obligations)';

COMMENT ON COLUMN flux.bilan_transmis_document.lignes IS 'Its rows (records after the header)';

COMMENT ON COLUMN flux.bilan_transmis_document.sha256 IS 'sha256 (hex) of its standard CSV document in UTF-8';

COMMENT ON COLUMN flux.bilan_transmis_document.sha256_fr IS 'sha256 (hex) of its fr CSV document (semicolon, decimal comma, BOM) in UTF-8; NULL in a database not in UTF8';

SELECT pg_catalog.pg_extension_config_dump('flux.bilan_transmis_document', '');

CREATE TRIGGER transmis_immuable
	BEFORE UPDATE OR DELETE ON flux.bilan_transmis_document
	FOR EACH ROW EXECUTE FUNCTION flux.transmis_immuable();

CREATE TRIGGER transmis_immuable_troncature
	BEFORE TRUNCATE ON flux.bilan_transmis_document
	FOR EACH STATEMENT EXECUTE FUNCTION flux.transmis_immuable();

--------------------------------------------------------------------------
-- The rows sent, one table per report section (the report's columns first)
--------------------------------------------------------------------------

-- the rows of flux.rapport_reservataire_parts sent, as sent
CREATE TABLE flux.transmis_reservataire_parts (
	annee integer, reservataire_id bigint, reservataire text, bailleur_siren text,
	bailleur text, departement text, convention_id bigint, taux_du numeric,
	logements_liberes bigint, proposes bigint, part_proposes numeric, dus_sur_liberes numeric,
	ecart_proposes numeric, attribues bigint, refus_illegitimes bigint, part_attribues numeric,
	baux bigint, part_baux numeric, baux_designes_bailleur bigint,
	ordre			bigint NOT NULL,
	version_id		bigint NOT NULL REFERENCES flux.bilan_transmis,
	PRIMARY KEY (version_id, ordre)
);

CREATE INDEX transmis_reservataire_parts_destinataire ON flux.transmis_reservataire_parts (reservataire_id, annee);

COMMENT ON TABLE flux.transmis_reservataire_parts IS
	'Frozen: the rows of flux.rapport_reservataire_parts the réservataire received in a version of its bilan (the bailleur''s and the département''s), as sent; immutable';

COMMENT ON COLUMN flux.transmis_reservataire_parts.ordre IS 'The row''s place in the report sent (its CSV document)';

COMMENT ON COLUMN flux.transmis_reservataire_parts.version_id IS 'The version sent (flux.bilan_transmis)';

SELECT pg_catalog.pg_extension_config_dump('flux.transmis_reservataire_parts', '');

CREATE TRIGGER transmis_immuable
	BEFORE UPDATE OR DELETE ON flux.transmis_reservataire_parts
	FOR EACH ROW EXECUTE FUNCTION flux.transmis_immuable();

CREATE TRIGGER transmis_immuable_troncature
	BEFORE TRUNCATE ON flux.transmis_reservataire_parts
	FOR EACH STATEMENT EXECUTE FUNCTION flux.transmis_immuable();

-- the rows of flux.rapport_reservataire_obligations sent, as sent
CREATE TABLE flux.transmis_reservataire_obligations (
	annee integer, reservataire_id bigint, reservataire text, bailleur_siren text,
	bailleur text, departement text, obligation text, libelle text,
	concernes bigint, atteints bigint, dont_dalo bigint, taux numeric,
	objectif numeric, conforme boolean, manque integer, taux_dalo numeric,
	ordre			bigint NOT NULL,
	version_id		bigint NOT NULL REFERENCES flux.bilan_transmis,
	PRIMARY KEY (version_id, ordre)
);

CREATE INDEX transmis_reservataire_obligations_destinataire ON flux.transmis_reservataire_obligations (reservataire_id, annee);

COMMENT ON TABLE flux.transmis_reservataire_obligations IS
	'Frozen: the rows of flux.rapport_reservataire_obligations the réservataire received in a version of its bilan (the bailleur''s and the département''s), as sent; immutable';

COMMENT ON COLUMN flux.transmis_reservataire_obligations.ordre IS 'The row''s place in the report sent (its CSV document)';

COMMENT ON COLUMN flux.transmis_reservataire_obligations.version_id IS 'The version sent (flux.bilan_transmis)';

SELECT pg_catalog.pg_extension_config_dump('flux.transmis_reservataire_obligations', '');

CREATE TRIGGER transmis_immuable
	BEFORE UPDATE OR DELETE ON flux.transmis_reservataire_obligations
	FOR EACH ROW EXECUTE FUNCTION flux.transmis_immuable();

CREATE TRIGGER transmis_immuable_troncature
	BEFORE TRUNCATE ON flux.transmis_reservataire_obligations
	FOR EACH STATEMENT EXECUTE FUNCTION flux.transmis_immuable();

-- the rows of flux.rapport_reservataire_detail sent, as sent
CREATE TABLE flux.transmis_reservataire_detail (
	annee integer, reservataire_id bigint, reservataire text, bailleur_siren text,
	bailleur text, departement text, dimension text, segment text,
	proposes bigint, attribues bigint, baux bigint,
	ordre			bigint NOT NULL,
	version_id		bigint NOT NULL REFERENCES flux.bilan_transmis,
	PRIMARY KEY (version_id, ordre)
);

CREATE INDEX transmis_reservataire_detail_destinataire ON flux.transmis_reservataire_detail (reservataire_id, annee);

COMMENT ON TABLE flux.transmis_reservataire_detail IS
	'Frozen: the rows of flux.rapport_reservataire_detail the réservataire received in a version of its bilan (the bailleur''s and the département''s), as sent; immutable';

COMMENT ON COLUMN flux.transmis_reservataire_detail.ordre IS 'The row''s place in the report sent (its CSV document)';

COMMENT ON COLUMN flux.transmis_reservataire_detail.version_id IS 'The version sent (flux.bilan_transmis)';

SELECT pg_catalog.pg_extension_config_dump('flux.transmis_reservataire_detail', '');

CREATE TRIGGER transmis_immuable
	BEFORE UPDATE OR DELETE ON flux.transmis_reservataire_detail
	FOR EACH ROW EXECUTE FUNCTION flux.transmis_immuable();

CREATE TRIGGER transmis_immuable_troncature
	BEFORE TRUNCATE ON flux.transmis_reservataire_detail
	FOR EACH STATEMENT EXECUTE FUNCTION flux.transmis_immuable();

-- the rows of flux.rapport_epci_communes sent, as sent
CREATE TABLE flux.transmis_epci_communes (
	annee integer, epci text, epci_nom text, bailleur_siren text,
	bailleur text, departement text, depcom text, commune text,
	proposes bigint, dans_le_flux bigint, hors_flux bigint, attribues bigint,
	baux bigint,
	ordre			bigint NOT NULL,
	version_id		bigint NOT NULL REFERENCES flux.bilan_transmis,
	PRIMARY KEY (version_id, ordre)
);

CREATE INDEX transmis_epci_communes_destinataire ON flux.transmis_epci_communes (epci, annee);

COMMENT ON TABLE flux.transmis_epci_communes IS
	'Frozen: the rows of flux.rapport_epci_communes the EPCI received in a version of its bilan (the bailleur''s and the département''s), as sent; immutable';

COMMENT ON COLUMN flux.transmis_epci_communes.ordre IS 'The row''s place in the report sent (its CSV document)';

COMMENT ON COLUMN flux.transmis_epci_communes.version_id IS 'The version sent (flux.bilan_transmis)';

SELECT pg_catalog.pg_extension_config_dump('flux.transmis_epci_communes', '');

CREATE TRIGGER transmis_immuable
	BEFORE UPDATE OR DELETE ON flux.transmis_epci_communes
	FOR EACH ROW EXECUTE FUNCTION flux.transmis_immuable();

CREATE TRIGGER transmis_immuable_troncature
	BEFORE TRUNCATE ON flux.transmis_epci_communes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.transmis_immuable();

-- the rows of flux.rapport_epci_destinations sent, as sent
CREATE TABLE flux.transmis_epci_destinations (
	annee integer, epci text, epci_nom text, bailleur_siren text,
	bailleur text, departement text, reservataire_id bigint, destination text,
	categorie text, proposes bigint, attribues bigint, baux bigint,
	ordre			bigint NOT NULL,
	version_id		bigint NOT NULL REFERENCES flux.bilan_transmis,
	PRIMARY KEY (version_id, ordre)
);

CREATE INDEX transmis_epci_destinations_destinataire ON flux.transmis_epci_destinations (epci, annee);

COMMENT ON TABLE flux.transmis_epci_destinations IS
	'Frozen: the rows of flux.rapport_epci_destinations the EPCI received in a version of its bilan (the bailleur''s and the département''s), as sent; immutable';

COMMENT ON COLUMN flux.transmis_epci_destinations.ordre IS 'The row''s place in the report sent (its CSV document)';

COMMENT ON COLUMN flux.transmis_epci_destinations.version_id IS 'The version sent (flux.bilan_transmis)';

SELECT pg_catalog.pg_extension_config_dump('flux.transmis_epci_destinations', '');

CREATE TRIGGER transmis_immuable
	BEFORE UPDATE OR DELETE ON flux.transmis_epci_destinations
	FOR EACH ROW EXECUTE FUNCTION flux.transmis_immuable();

CREATE TRIGGER transmis_immuable_troncature
	BEFORE TRUNCATE ON flux.transmis_epci_destinations
	FOR EACH STATEMENT EXECUTE FUNCTION flux.transmis_immuable();

-- the rows of flux.rapport_epci_obligations sent, as sent
CREATE TABLE flux.transmis_epci_obligations (
	annee integer, epci text, epci_nom text, bailleur_siren text,
	bailleur text, departement text, obligation text, libelle text,
	concernes bigint, atteints bigint, dont_dalo bigint, taux numeric,
	objectif numeric, conforme boolean, manque integer,
	ordre			bigint NOT NULL,
	version_id		bigint NOT NULL REFERENCES flux.bilan_transmis,
	PRIMARY KEY (version_id, ordre)
);

CREATE INDEX transmis_epci_obligations_destinataire ON flux.transmis_epci_obligations (epci, annee);

COMMENT ON TABLE flux.transmis_epci_obligations IS
	'Frozen: the rows of flux.rapport_epci_obligations the EPCI received in a version of its bilan (the bailleur''s and the département''s), as sent; immutable';

COMMENT ON COLUMN flux.transmis_epci_obligations.ordre IS 'The row''s place in the report sent (its CSV document)';

COMMENT ON COLUMN flux.transmis_epci_obligations.version_id IS 'The version sent (flux.bilan_transmis)';

SELECT pg_catalog.pg_extension_config_dump('flux.transmis_epci_obligations', '');

CREATE TRIGGER transmis_immuable
	BEFORE UPDATE OR DELETE ON flux.transmis_epci_obligations
	FOR EACH ROW EXECUTE FUNCTION flux.transmis_immuable();

CREATE TRIGGER transmis_immuable_troncature
	BEFORE TRUNCATE ON flux.transmis_epci_obligations
	FOR EACH STATEMENT EXECUTE FUNCTION flux.transmis_immuable();

--------------------------------------------------------------------------
-- The documents sent, rebuilt from the frozen rows
--------------------------------------------------------------------------

/*
 * flux.csv_transmis: the CSV document of one section of a version sent,
 * rebuilt from its frozen rows by the code of flux.csv_document (the
 * report function's result columns as header, flux.csv_ligne per row, CRLF
 * line ends; fr: semicolon, decimal comma, BOM): byte for byte the file
 * flux.csv_reservataire / flux.csv_epci gave that day when the database
 * held that bailleur in that département only (otherwise: the same
 * document restricted to them).  Its sha256 is in
 * flux.bilan_transmis_document.  Reads with the caller's rights: a
 * réservataire or an EPCI rebuilds its own.
 */
CREATE FUNCTION flux.csv_transmis(version bigint, section text, format text DEFAULT 'standard')
	RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	genre text;
	francais boolean;
	entete text[];
	corps text;
	fin constant text := chr(13) || chr(10);
BEGIN
	IF $1 IS NULL THEN
		RAISE EXCEPTION 'version of a transmitted bilan is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the id of a version sent (flux.bilan_transmis.id, or version_id of the views flux.rapport_*_transmis).';
	END IF;
	SELECT CASE WHEN b.reservataire_id IS NOT NULL THEN 'reservataire' ELSE 'epci' END INTO genre
	  FROM flux.bilan_transmis b WHERE b.id = $1;
	IF genre IS NULL THEN
		RAISE EXCEPTION 'transmitted bilan version % does not exist', $1
			USING ERRCODE = 'no_data_found',
				  HINT = 'flux.bilan_transmis lists the versions sent that you may read.';
	END IF;
	IF $2 IS NULL THEN
		RAISE EXCEPTION 'section is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = CASE genre WHEN 'reservataire' THEN 'The sections of the réservataire''s report are parts, obligations and detail.'
						 ELSE 'The sections of the EPCI''s report are communes, destinations and obligations.' END;
	END IF;
	IF $2 NOT IN ('parts', 'obligations', 'detail') AND genre = 'reservataire'
	   OR $2 NOT IN ('communes', 'destinations', 'obligations') AND genre = 'epci' THEN
		RAISE EXCEPTION 'unknown section "%" of the % report', $2, CASE genre WHEN 'reservataire' THEN 'réservataire''s' ELSE 'EPCI''s' END
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = CASE genre WHEN 'reservataire' THEN 'The sections of the réservataire''s report are parts, obligations and detail.'
						 ELSE 'The sections of the EPCI''s report are communes, destinations and obligations.' END;
	END IF;
	IF $3 IS NULL THEN
		RAISE EXCEPTION 'CSV format is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass ''standard'' (comma, decimal point) or ''fr'' (semicolon, decimal comma, UTF-8 with BOM, for French spreadsheet software).';
	END IF;
	IF $3 NOT IN ('standard', 'fr') THEN
		RAISE EXCEPTION 'unknown CSV format "%"', $3
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The formats are ''standard'' (comma, decimal point) and ''fr'' (semicolon, decimal comma, UTF-8 with BOM, for French spreadsheet software).';
	END IF;
	francais := $3 = 'fr';
	IF francais AND getdatabaseencoding() <> 'UTF8' THEN
		RAISE EXCEPTION 'the fr CSV format needs a UTF8 database, not %', getdatabaseencoding()
			USING ERRCODE = 'character_not_in_repertoire',
				  HINT = 'Its byte order mark (U+FEFF) has no code in the database''s encoding: use the standard format, or a UTF8 database.';
	END IF;
	-- the header: the report function's result columns, as flux.csv_document
	SELECT array_agg(u.nom ORDER BY u.i) INTO entete
	  FROM pg_proc p, unnest(p.proargnames, p.proargmodes::text[]) WITH ORDINALITY u(nom, mode, i)
	 WHERE p.oid = ('flux.rapport_' || genre || '_' || $2 || '(' || CASE genre WHEN 'reservataire' THEN 'bigint' ELSE 'text' END
					|| ', integer)')::regprocedure
	   AND u.mode = 't';
	-- the frozen table's first columns are the report's, in its order
	EXECUTE pg_catalog.format(
		'SELECT string_agg(flux.csv_ligne(row_to_json(t), $2, $3) || $4, '''' ORDER BY t.ordre)
		   FROM flux.%I t WHERE t.version_id = $1', 'transmis_' || genre || '_' || $2)
	   INTO corps USING $1, cardinality(entete), francais, fin;
	RETURN CASE WHEN francais THEN chr(65279) ELSE '' END
		   || (SELECT string_agg(flux.csv_champ(e, francais), CASE WHEN francais THEN ';' ELSE ',' END) FROM unnest(entete) e)
		   || fin || coalesce(corps, '');
END
$$;

COMMENT ON FUNCTION flux.csv_transmis(bigint, text, text) IS
	'The CSV document of one section of a transmitted bilan, rebuilt from its frozen rows (the bytes flux.csv_reservataire / flux.csv_epci gave for the bailleur and the département); format standard or fr';

--------------------------------------------------------------------------
-- Freezing a bilan sent
--------------------------------------------------------------------------

/*
 * flux.figer_bilan (internal): freezes a new version of the bilan of the
 * transmission (flux.transmission_bilan): the rows of the recipient's
 * report sections for the bailleur and the département, the sha256 of
 * each section's CSV document (standard, and fr in a UTF8 database).
 * Refuses a recipient to whom no such bilan is due (flux.transmissions), a
 * date before the year is over or to come, and a correction dated before
 * the last version.  SECURITY DEFINER: nobody writes the frozen tables but
 * it (no role has INSERT on them), so a snapshot is always what the
 * reports gave; EXECUTE to the staff only (the trigger on
 * flux.transmission_bilan and flux.transmettre_bilan call it).
 */
CREATE FUNCTION flux.figer_bilan(transmission bigint, date_envoi date)
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	t flux.transmission_bilan;
	n integer;
	derniere date;
	v bigint;
	genre text;
	cle text;
	siren text;
	s text;
	lignes integer;
BEGIN
	SELECT * INTO t FROM flux.transmission_bilan x WHERE x.id = $1 FOR UPDATE;
	IF t.id IS NULL THEN
		RAISE EXCEPTION 'transmission % does not exist', $1
			USING ERRCODE = 'no_data_found',
				  HINT = 'Record a transmission with flux.transmettre_bilan.';
	END IF;
	IF $2 IS NULL THEN
		RAISE EXCEPTION 'date_envoi of bilan % is NULL', t.annee
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the date the bilan was sent.';
	END IF;
	IF NOT EXISTS (SELECT FROM flux.transmissions d
					WHERE d.annee = t.annee AND d.bailleur_id = t.bailleur_id AND d.departement = t.departement
					  AND d.reservataire_id IS NOT DISTINCT FROM t.reservataire_id AND d.epci IS NOT DISTINCT FROM t.epci) THEN
		RAISE EXCEPTION 'no bilan of % is due to % from bailleur % in département %', t.annee,
				CASE WHEN t.reservataire_id IS NOT NULL THEN 'réservataire ' || t.reservataire_id ELSE 'EPCI ' || t.epci END,
				t.bailleur_id, t.departement
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A bilan of year N is due to each réservataire that was proposed units of the bailleur in the département in N, and to each EPCI of those units.',
				  HINT = 'flux.transmissions lists the bilans due, and to whom.';
	END IF;
	IF $2 < make_date(t.annee + 1, 1, 1) THEN
		RAISE EXCEPTION 'bilan of % sent on %, before the year is over', t.annee, $2
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A bilan of year N is sent from 1 January N+1: to the réservataires before 28 February, to the EPCI before 31 March.';
	END IF;
	IF $2 > CURRENT_DATE THEN
		RAISE EXCEPTION 'bilan of % sent on %, a date to come', t.annee, $2
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Record a transmission when it is sent, with the date it was sent: the bilan is frozen as it is now.';
	END IF;
	SELECT max(b.version), max(b.date_envoi) INTO n, derniere FROM flux.bilan_transmis b WHERE b.transmission_id = t.id;
	IF derniere > $2 THEN
		RAISE EXCEPTION 'correction of bilan % sent on %, before its version % of %', t.annee, $2, n, derniere
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A correction is sent on or after the date of the last version sent.';
	END IF;
	INSERT INTO flux.bilan_transmis (transmission_id, version, bailleur_id, departement, annee, reservataire_id, epci,
									 date_envoi, transmis_par)
	VALUES (t.id, coalesce(n, 0) + 1, t.bailleur_id, t.departement, t.annee, t.reservataire_id, t.epci, $2, flux.appelant())
	RETURNING id INTO v;
	genre := CASE WHEN t.reservataire_id IS NOT NULL THEN 'reservataire' ELSE 'epci' END;
	cle := coalesce(t.reservataire_id::text, t.epci);
	siren := (SELECT b.siren FROM flux.bailleur b WHERE b.id = t.bailleur_id);
	FOREACH s IN ARRAY CASE genre WHEN 'reservataire' THEN ARRAY['parts', 'obligations', 'detail']
								  ELSE ARRAY['communes', 'destinations', 'obligations'] END LOOP
		-- the report's rows, its order kept (ordinality), the bailleur's and the département's
		EXECUTE pg_catalog.format(
			'INSERT INTO flux.%I SELECT r.*, $5 FROM flux.%I($1::%s, $2) WITH ORDINALITY r
			  WHERE r.bailleur_siren = $3 AND r.departement = $4',
			'transmis_' || genre || '_' || s, 'rapport_' || genre || '_' || s,
			CASE genre WHEN 'reservataire' THEN 'bigint' ELSE 'text' END)
		  USING cle, t.annee, siren, t.departement, v;
		GET DIAGNOSTICS lignes = ROW_COUNT;
		INSERT INTO flux.bilan_transmis_document (version_id, section, lignes, sha256, sha256_fr)
		VALUES (v, s, lignes, encode(sha256(convert_to(flux.csv_transmis(v, s, 'standard'), 'UTF8')), 'hex'),
				CASE WHEN getdatabaseencoding() = 'UTF8'
					 THEN encode(sha256(convert_to(flux.csv_transmis(v, s, 'fr'), 'UTF8')), 'hex') END);
	END LOOP;
	RETURN v;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.figer_bilan(bigint, date) FROM PUBLIC;

COMMENT ON FUNCTION flux.figer_bilan(bigint, date) IS
	'Internal: freezes a new version of a transmitted bilan (the rows of the recipient''s report sections, the sha256 of their CSV documents); the only writer of the frozen tables';

/*
 * flux.transmission_figer: a transmission recorded is a transmission
 * frozen, however it is recorded (flux.transmettre_bilan, or an INSERT
 * into flux.transmission_bilan): its first version, dated date_envoi.  A
 * restore (replica mode) fires no trigger: the frozen rows come back
 * from the dump.
 */
CREATE FUNCTION flux.transmission_figer() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	PERFORM flux.figer_bilan(NEW.id, NEW.date_envoi);
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.transmission_figer() FROM PUBLIC;

COMMENT ON FUNCTION flux.transmission_figer() IS
	'Trigger: freezes the first version of each bilan recorded as transmitted (flux.figer_bilan)';

CREATE TRIGGER transmission_figer
	AFTER INSERT ON flux.transmission_bilan
	FOR EACH ROW EXECUTE FUNCTION flux.transmission_figer();

/*
 * flux.transmission_figee: a transmission frozen keeps its recipient, its
 * year and its date (the date of the first sending, the one the deadline
 * reads); only moyen may change.  A correction is a new version.
 */
CREATE FUNCTION flux.transmission_figee() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF (TG_OP = 'DELETE' OR (NEW.bailleur_id, NEW.departement, NEW.annee, NEW.reservataire_id, NEW.epci, NEW.date_envoi)
							IS DISTINCT FROM (OLD.bailleur_id, OLD.departement, OLD.annee, OLD.reservataire_id, OLD.epci, OLD.date_envoi))
	   AND EXISTS (SELECT FROM flux.bilan_transmis b WHERE b.transmission_id = OLD.id) THEN
		RAISE EXCEPTION 'transmission % of the bilan of % is frozen: % refused', OLD.id, OLD.annee, TG_OP
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'Its bilan was frozen as it was sent; its recipient, year and date stay (only moyen may change).',
				  HINT = 'To send a correction, call flux.transmettre_bilan again: it freezes a new version.';
	END IF;
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.transmission_figee() FROM PUBLIC;

COMMENT ON FUNCTION flux.transmission_figee() IS
	'Trigger: refuses to change the recipient, year or date of a transmission whose bilan is frozen, or to delete it';

CREATE TRIGGER transmission_figee
	BEFORE UPDATE OR DELETE ON flux.transmission_bilan
	FOR EACH ROW EXECUTE FUNCTION flux.transmission_figee();

/*
 * flux.transmettre_bilan: records that the bilan of year N of a bailleur
 * in a département was sent to a réservataire or to an EPCI, and freezes
 * it as it is now.  The first time it records the transmission
 * (flux.transmission_bilan, whose trigger freezes version 1); the next
 * times (a correction sent) it freezes a new version, the old ones kept,
 * and flux.transmission_bilan keeps the date of the first sending.
 * Returns the version's id (flux.bilan_transmis.id).
 */
CREATE FUNCTION flux.transmettre_bilan(bailleur bigint, departement text, annee integer, reservataire bigint DEFAULT NULL,
									   epci text DEFAULT NULL, date_envoi date DEFAULT CURRENT_DATE, moyen text DEFAULT NULL)
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	t bigint;
BEGIN
	PERFORM flux.verifier_portee($1, $2, $3);
	IF $4 IS NULL AND $5 IS NULL THEN
		RAISE EXCEPTION 'bilan of % has no recipient', $3
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass reservataire (its id) or epci (its SIREN): one of them.';
	END IF;
	IF $4 IS NOT NULL AND $5 IS NOT NULL THEN
		RAISE EXCEPTION 'bilan of % sent to réservataire % and to EPCI %: one recipient per transmission', $3, $4, $5
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Call flux.transmettre_bilan once per recipient.';
	END IF;
	IF $4 IS NOT NULL THEN
		PERFORM flux.verifier_reservataire($4);
	ELSE
		PERFORM flux.verifier_epci($5);
	END IF;
	IF $6 IS NULL THEN
		RAISE EXCEPTION 'date_envoi of bilan % is NULL', $3
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the date the bilan was sent (today by default).';
	END IF;
	SELECT x.id INTO t FROM flux.transmission_bilan x
	 WHERE x.bailleur_id = $1 AND x.departement = $2 AND x.annee = $3
	   AND x.reservataire_id IS NOT DISTINCT FROM $4 AND x.epci IS NOT DISTINCT FROM $5;
	IF t IS NULL THEN
		-- its trigger freezes version 1
		INSERT INTO flux.transmission_bilan (bailleur_id, departement, annee, reservataire_id, epci, date_envoi, moyen)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id INTO t;
		RETURN (SELECT b.id FROM flux.bilan_transmis b WHERE b.transmission_id = t ORDER BY b.version DESC LIMIT 1);
	END IF;
	RETURN flux.figer_bilan(t, $6);
END
$$;

COMMENT ON FUNCTION flux.transmettre_bilan(bigint, text, integer, bigint, text, date, text) IS
	'Records that the bilan of year N was sent to a réservataire or an EPCI (flux.transmission_bilan) and freezes it as it is now; sent again (a correction), freezes a new version; returns the version''s id';

/*
 * flux.verifier_transmission: recomputes the sha256 of every section of a
 * version from its frozen rows and compares it with the one stored when
 * it was sent: false if any differs or a section is missing (rows
 * changed behind the triggers' back, by a superuser).  The recipient's
 * own check is its file's sha256 against bilan_transmis_document.
 */
CREATE FUNCTION flux.verifier_transmission(version bigint)
	RETURNS boolean
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF $1 IS NULL THEN
		RAISE EXCEPTION 'version of a transmitted bilan is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the id of a version sent (flux.bilan_transmis.id).';
	END IF;
	IF NOT EXISTS (SELECT FROM flux.bilan_transmis b WHERE b.id = $1) THEN
		RAISE EXCEPTION 'transmitted bilan version % does not exist', $1
			USING ERRCODE = 'no_data_found',
				  HINT = 'flux.bilan_transmis lists the versions sent that you may read.';
	END IF;
	RETURN (SELECT count(*) = 3
				   AND bool_and(d.sha256 = encode(sha256(convert_to(flux.csv_transmis($1, d.section, 'standard'), 'UTF8')), 'hex')
								AND (d.sha256_fr IS NULL
									 OR d.sha256_fr = encode(sha256(convert_to(flux.csv_transmis($1, d.section, 'fr'), 'UTF8')), 'hex')))
			  FROM flux.bilan_transmis_document d WHERE d.version_id = $1);
END
$$;

COMMENT ON FUNCTION flux.verifier_transmission(bigint) IS
	'True if every section of a transmitted bilan''s version still has the sha256 it had when sent (recomputed from its frozen rows)';

--------------------------------------------------------------------------
-- What changed since: transmitted against today's figures
--------------------------------------------------------------------------

/*
 * flux.ecarts_transmission: each figure of a version sent beside the same
 * figure recomputed today from the data (the same report, the same
 * bailleur and département), and the difference.  Rows match on their
 * key in the section (parts: convention_id; obligations: obligation;
 * detail: dimension and segment; communes: depcom; destinations:
 * reservataire_id, or destination for the own share and outside the
 * flux); a row present on one side only has NULL on the other.  Every
 * column of the report but the key, in its order; ecart when both are
 * numbers (actuel - transmis); different when they are not the same.
 * A year the report no longer has data for (P0002) compares with no row.
 */
CREATE FUNCTION flux.ecarts_transmission(version bigint)
	RETURNS TABLE (section text, cle text, colonne text, transmis text, actuel text, ecart numeric, different boolean)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	t flux.bilan_transmis;
	genre text;
	s text;
	siren text;
	cles text[];
	entete text[];
	gel jsonb;
	vif jsonb;
BEGIN
	IF $1 IS NULL THEN
		RAISE EXCEPTION 'version of a transmitted bilan is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the id of a version sent (flux.bilan_transmis.id).';
	END IF;
	SELECT * INTO t FROM flux.bilan_transmis b WHERE b.id = $1;
	IF t.id IS NULL THEN
		RAISE EXCEPTION 'transmitted bilan version % does not exist', $1
			USING ERRCODE = 'no_data_found',
				  HINT = 'flux.bilan_transmis lists the versions sent that you may read.';
	END IF;
	genre := CASE WHEN t.reservataire_id IS NOT NULL THEN 'reservataire' ELSE 'epci' END;
	siren := (SELECT b.siren FROM flux.bailleur b WHERE b.id = t.bailleur_id);
	FOREACH s IN ARRAY CASE genre WHEN 'reservataire' THEN ARRAY['parts', 'obligations', 'detail']
								  ELSE ARRAY['communes', 'destinations', 'obligations'] END LOOP
		cles := CASE s WHEN 'parts' THEN '{convention_id}' WHEN 'obligations' THEN '{obligation}'
					   WHEN 'detail' THEN '{dimension,segment}' WHEN 'communes' THEN '{depcom}'
					   ELSE '{reservataire_id,destination}' END;
		SELECT array_agg(u.nom ORDER BY u.i) INTO entete
		  FROM pg_proc p, unnest(p.proargnames, p.proargmodes::text[]) WITH ORDINALITY u(nom, mode, i)
		 WHERE p.oid = ('flux.rapport_' || genre || '_' || s || '(' || CASE genre WHEN 'reservataire' THEN 'bigint' ELSE 'text' END
						|| ', integer)')::regprocedure
		   AND u.mode = 't';
		EXECUTE pg_catalog.format(
			'SELECT coalesce(jsonb_agg(to_jsonb(g) - ''{ordre,version_id}''::text[] ORDER BY g.ordre), ''[]'')
			   FROM flux.%I g WHERE g.version_id = $1', 'transmis_' || genre || '_' || s)
		   INTO gel USING $1;
		BEGIN
			EXECUTE pg_catalog.format(
				'SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.o), ''[]'') FROM (SELECT r.*, r.ordinality AS o
				   FROM flux.%I($1::%s, $2) WITH ORDINALITY r WHERE r.bailleur_siren = $3 AND r.departement = $4) r',
				'rapport_' || genre || '_' || s, CASE genre WHEN 'reservataire' THEN 'bigint' ELSE 'text' END)
			   INTO vif USING coalesce(t.reservataire_id::text, t.epci), t.annee, siren, t.departement;
		EXCEPTION WHEN no_data_found THEN
			vif := '[]';
		END;
		RETURN QUERY
		WITH a AS (
			SELECT e.n, e.j, (SELECT jsonb_object_agg(x, e.j -> x) FROM unnest(cles) x
							   WHERE NOT (x = 'destination' AND e.j ->> 'reservataire_id' IS NOT NULL)) AS k
			  FROM jsonb_array_elements(gel) WITH ORDINALITY e(j, n)
		), b AS (
			SELECT e.n, e.j, (SELECT jsonb_object_agg(x, e.j -> x) FROM unnest(cles) x
							   WHERE NOT (x = 'destination' AND e.j ->> 'reservataire_id' IS NOT NULL)) AS k
			  FROM jsonb_array_elements(vif) WITH ORDINALITY e(j, n)
		)
		SELECT s, coalesce(a.k, b.k)::text, c.colonne, a.j ->> c.colonne, b.j ->> c.colonne,
			   CASE WHEN jsonb_typeof(a.j -> c.colonne) = 'number' AND jsonb_typeof(b.j -> c.colonne) = 'number'
					THEN (b.j ->> c.colonne)::numeric - (a.j ->> c.colonne)::numeric END,
			   (a.j -> c.colonne) IS DISTINCT FROM (b.j -> c.colonne)
		  FROM a FULL JOIN b ON a.k = b.k
		 CROSS JOIN unnest(entete) WITH ORDINALITY c(colonne, n)
		 WHERE NOT coalesce(a.k, b.k) ? c.colonne
		 ORDER BY a.n NULLS LAST, b.n, c.n;
	END LOOP;
END
$$;

COMMENT ON FUNCTION flux.ecarts_transmission(bigint) IS
	'Each figure of a transmitted bilan''s version beside the same figure recomputed today, the difference (ecart = actuel - transmis) and whether they differ; rows matched on their key in the section';

CREATE VIEW flux.ecarts_transmis WITH (security_invoker = true) AS
SELECT t.annee, t.bailleur_id, t.departement, t.reservataire_id, t.epci, t.transmission_id, t.id AS version_id, t.version,
	   t.date_envoi, e.section, e.cle, e.colonne, e.transmis, e.actuel, e.ecart
  FROM flux.bilan_transmis t
 CROSS JOIN LATERAL flux.ecarts_transmission(t.id) e
 WHERE e.different
   AND NOT EXISTS (SELECT FROM flux.bilan_transmis n WHERE n.transmission_id = t.transmission_id AND n.version > t.version);

COMMENT ON VIEW flux.ecarts_transmis IS
	'The figures of the last version of each bilan transmitted that differ today (a correction of the data after it was sent): transmitted value, current value, difference; the transmitted figures themselves never change';

COMMENT ON COLUMN flux.ecarts_transmis.annee IS 'Year N the bilan covers';

COMMENT ON COLUMN flux.ecarts_transmis.bailleur_id IS 'The bailleur';

COMMENT ON COLUMN flux.ecarts_transmis.departement IS 'Département';

COMMENT ON COLUMN flux.ecarts_transmis.reservataire_id IS 'The réservataire it went to (NULL for an EPCI)';

COMMENT ON COLUMN flux.ecarts_transmis.epci IS 'The EPCI it went to (NULL for a réservataire)';

COMMENT ON COLUMN flux.ecarts_transmis.transmission_id IS 'The transmission (flux.transmission_bilan)';

COMMENT ON COLUMN flux.ecarts_transmis.version_id IS 'The version compared (the last sent; flux.bilan_transmis)';

COMMENT ON COLUMN flux.ecarts_transmis.version IS 'Its number';

COMMENT ON COLUMN flux.ecarts_transmis.date_envoi IS 'Date it was sent';

COMMENT ON COLUMN flux.ecarts_transmis.section IS 'The report''s section (parts, obligations, detail; communes, destinations, obligations)';

COMMENT ON COLUMN flux.ecarts_transmis.cle IS 'The row in the section (its key as JSON: convention_id, obligation, dimension and segment, depcom, reservataire_id or destination)';

COMMENT ON COLUMN flux.ecarts_transmis.colonne IS 'The column (the report''s)';

COMMENT ON COLUMN flux.ecarts_transmis.transmis IS 'The value transmitted (NULL: the row was not in the bilan sent)';

COMMENT ON COLUMN flux.ecarts_transmis.actuel IS 'The value recomputed today (NULL: the row is no longer in the bilan)';

COMMENT ON COLUMN flux.ecarts_transmis.ecart IS 'actuel - transmis, when both are numbers';

--------------------------------------------------------------------------
-- The frozen years, as BI tools read them: the last version of each
--------------------------------------------------------------------------

CREATE VIEW flux.rapport_reservataire_parts_transmis WITH (security_invoker = true) AS
SELECT g.annee, g.reservataire_id, g.reservataire, g.bailleur_siren, g.bailleur, g.departement, g.convention_id, g.taux_du,
	   g.logements_liberes, g.proposes, g.part_proposes, g.dus_sur_liberes, g.ecart_proposes, g.attribues, g.refus_illegitimes, g.part_attribues,
	   g.baux, g.part_baux, g.baux_designes_bailleur,
	   t.id AS version_id, t.version, t.date_envoi
  FROM flux.transmis_reservataire_parts g
  JOIN flux.bilan_transmis t ON t.id = g.version_id
 WHERE NOT EXISTS (SELECT FROM flux.bilan_transmis n WHERE n.transmission_id = t.transmission_id AND n.version > t.version);

COMMENT ON VIEW flux.rapport_reservataire_parts_transmis IS
	'The réservataire''s bilans as transmitted, last version of each: the columns of flux.rapport_reservataire_parts (same names, types and meaning), then the version; frozen, read from a table';

COMMENT ON COLUMN flux.rapport_reservataire_parts_transmis.version_id IS 'The version (flux.bilan_transmis.id)';

COMMENT ON COLUMN flux.rapport_reservataire_parts_transmis.version IS 'Its number (1 the first sending, then each correction sent)';

COMMENT ON COLUMN flux.rapport_reservataire_parts_transmis.date_envoi IS 'Date it was sent';

CREATE VIEW flux.rapport_reservataire_obligations_transmis WITH (security_invoker = true) AS
SELECT g.annee, g.reservataire_id, g.reservataire, g.bailleur_siren, g.bailleur, g.departement, g.obligation, g.libelle,
	   g.concernes, g.atteints, g.dont_dalo, g.taux, g.objectif, g.conforme, g.manque, g.taux_dalo,
	   t.id AS version_id, t.version, t.date_envoi
  FROM flux.transmis_reservataire_obligations g
  JOIN flux.bilan_transmis t ON t.id = g.version_id
 WHERE NOT EXISTS (SELECT FROM flux.bilan_transmis n WHERE n.transmission_id = t.transmission_id AND n.version > t.version);

COMMENT ON VIEW flux.rapport_reservataire_obligations_transmis IS
	'The réservataire''s bilans as transmitted, last version of each: the columns of flux.rapport_reservataire_obligations (same names, types and meaning), then the version; frozen, read from a table';

COMMENT ON COLUMN flux.rapport_reservataire_obligations_transmis.version_id IS 'The version (flux.bilan_transmis.id)';

COMMENT ON COLUMN flux.rapport_reservataire_obligations_transmis.version IS 'Its number (1 the first sending, then each correction sent)';

COMMENT ON COLUMN flux.rapport_reservataire_obligations_transmis.date_envoi IS 'Date it was sent';

CREATE VIEW flux.rapport_reservataire_detail_transmis WITH (security_invoker = true) AS
SELECT g.annee, g.reservataire_id, g.reservataire, g.bailleur_siren, g.bailleur, g.departement, g.dimension, g.segment,
	   g.proposes, g.attribues, g.baux,
	   t.id AS version_id, t.version, t.date_envoi
  FROM flux.transmis_reservataire_detail g
  JOIN flux.bilan_transmis t ON t.id = g.version_id
 WHERE NOT EXISTS (SELECT FROM flux.bilan_transmis n WHERE n.transmission_id = t.transmission_id AND n.version > t.version);

COMMENT ON VIEW flux.rapport_reservataire_detail_transmis IS
	'The réservataire''s bilans as transmitted, last version of each: the columns of flux.rapport_reservataire_detail (same names, types and meaning), then the version; frozen, read from a table';

COMMENT ON COLUMN flux.rapport_reservataire_detail_transmis.version_id IS 'The version (flux.bilan_transmis.id)';

COMMENT ON COLUMN flux.rapport_reservataire_detail_transmis.version IS 'Its number (1 the first sending, then each correction sent)';

COMMENT ON COLUMN flux.rapport_reservataire_detail_transmis.date_envoi IS 'Date it was sent';

CREATE VIEW flux.rapport_epci_communes_transmis WITH (security_invoker = true) AS
SELECT g.annee, g.epci, g.epci_nom, g.bailleur_siren, g.bailleur, g.departement, g.depcom, g.commune,
	   g.proposes, g.dans_le_flux, g.hors_flux, g.attribues, g.baux,
	   t.id AS version_id, t.version, t.date_envoi
  FROM flux.transmis_epci_communes g
  JOIN flux.bilan_transmis t ON t.id = g.version_id
 WHERE NOT EXISTS (SELECT FROM flux.bilan_transmis n WHERE n.transmission_id = t.transmission_id AND n.version > t.version);

COMMENT ON VIEW flux.rapport_epci_communes_transmis IS
	'The EPCI''s bilans as transmitted, last version of each: the columns of flux.rapport_epci_communes (same names, types and meaning), then the version; frozen, read from a table';

COMMENT ON COLUMN flux.rapport_epci_communes_transmis.version_id IS 'The version (flux.bilan_transmis.id)';

COMMENT ON COLUMN flux.rapport_epci_communes_transmis.version IS 'Its number (1 the first sending, then each correction sent)';

COMMENT ON COLUMN flux.rapport_epci_communes_transmis.date_envoi IS 'Date it was sent';

CREATE VIEW flux.rapport_epci_destinations_transmis WITH (security_invoker = true) AS
SELECT g.annee, g.epci, g.epci_nom, g.bailleur_siren, g.bailleur, g.departement, g.reservataire_id, g.destination,
	   g.categorie, g.proposes, g.attribues, g.baux,
	   t.id AS version_id, t.version, t.date_envoi
  FROM flux.transmis_epci_destinations g
  JOIN flux.bilan_transmis t ON t.id = g.version_id
 WHERE NOT EXISTS (SELECT FROM flux.bilan_transmis n WHERE n.transmission_id = t.transmission_id AND n.version > t.version);

COMMENT ON VIEW flux.rapport_epci_destinations_transmis IS
	'The EPCI''s bilans as transmitted, last version of each: the columns of flux.rapport_epci_destinations (same names, types and meaning), then the version; frozen, read from a table';

COMMENT ON COLUMN flux.rapport_epci_destinations_transmis.version_id IS 'The version (flux.bilan_transmis.id)';

COMMENT ON COLUMN flux.rapport_epci_destinations_transmis.version IS 'Its number (1 the first sending, then each correction sent)';

COMMENT ON COLUMN flux.rapport_epci_destinations_transmis.date_envoi IS 'Date it was sent';

CREATE VIEW flux.rapport_epci_obligations_transmis WITH (security_invoker = true) AS
SELECT g.annee, g.epci, g.epci_nom, g.bailleur_siren, g.bailleur, g.departement, g.obligation, g.libelle,
	   g.concernes, g.atteints, g.dont_dalo, g.taux, g.objectif, g.conforme, g.manque,
	   t.id AS version_id, t.version, t.date_envoi
  FROM flux.transmis_epci_obligations g
  JOIN flux.bilan_transmis t ON t.id = g.version_id
 WHERE NOT EXISTS (SELECT FROM flux.bilan_transmis n WHERE n.transmission_id = t.transmission_id AND n.version > t.version);

COMMENT ON VIEW flux.rapport_epci_obligations_transmis IS
	'The EPCI''s bilans as transmitted, last version of each: the columns of flux.rapport_epci_obligations (same names, types and meaning), then the version; frozen, read from a table';

COMMENT ON COLUMN flux.rapport_epci_obligations_transmis.version_id IS 'The version (flux.bilan_transmis.id)';

COMMENT ON COLUMN flux.rapport_epci_obligations_transmis.version IS 'Its number (1 the first sending, then each correction sent)';

COMMENT ON COLUMN flux.rapport_epci_obligations_transmis.date_envoi IS 'Date it was sent';

-- ---------------------------------------------------------------------------
-- (section of the consolidation across databases)
-- ---------------------------------------------------------------------------

-- one row per bailleur database read: a foreign server of postgres_fdw
CREATE TABLE flux.source_consolidation (
	serveur		name PRIMARY KEY,
	libelle		text,
	schema		name NOT NULL UNIQUE,
	ajoutee_le	timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE flux.source_consolidation IS
	'The bailleurs'' databases a consolidation database reads (one foreign server of postgres_fdw each), and the schema their aggregate bilan views are imported into';

COMMENT ON COLUMN flux.source_consolidation.serveur IS 'The foreign server (postgres_fdw) of the bailleur''s database';

COMMENT ON COLUMN flux.source_consolidation.libelle IS 'A label (the bailleur, the database)';

COMMENT ON COLUMN flux.source_consolidation.schema IS 'The schema its bilan views are imported into, as foreign tables (IMPORT FOREIGN SCHEMA ... LIMIT TO)';

COMMENT ON COLUMN flux.source_consolidation.ajoutee_le IS 'When it was added';

SELECT pg_catalog.pg_extension_config_dump('flux.source_consolidation', '');

/*
 * The views that cross, and nothing else: aggregate counts per bailleur,
 * département, year and destination (réservataire, category, commune,
 * EPCI, typologie...).  None carries a NUD, a household, a unit or an
 * orientation: flux.bilan_orientation (one row per orientation, with the
 * household's DALO flag and quartile) stays home.
 */
CREATE FUNCTION flux.vues_consolidees() RETURNS name[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN '{bilan_reservataire,bilan_obligations,bilan_detaille,bilan_etapes,bilan_hors_flux}'::name[];

COMMENT ON FUNCTION flux.vues_consolidees() IS
	'The aggregate bilan views a consolidation database imports from each bailleur''s database (no personal data: docs/consolidation.md)';

/*
 * (Re)builds, in the schema flux_consolidation (created here, outside the
 * extension), one view per imported bilan: the UNION ALL of every source's
 * foreign table, each row tagged with its server (bailleur_id and the other
 * ids are local to each database).  The columns are those of the local
 * flux view, by name: a source lacking one stops the build.  With no source
 * the views are empty.  Internal: called by the functions that add and
 * remove a source (run as flux's owner, who then owns every view).
 */
CREATE FUNCTION flux.reconstruire_consolidation() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	v name;
	s record;
	colonnes text;
	vides text;
	branches text;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) 'flux_consolidation') THEN
		EXECUTE 'CREATE SCHEMA flux_consolidation';
	END IF;
	EXECUTE 'REVOKE ALL ON SCHEMA flux_consolidation FROM PUBLIC';
	EXECUTE 'GRANT USAGE ON SCHEMA flux_consolidation TO flux_admin, flux_gestionnaire, flux_lecteur';
	FOREACH v IN ARRAY flux.vues_consolidees() LOOP
		SELECT pg_catalog.string_agg(pg_catalog.format('t.%I::%s', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)),
									 ', ' ORDER BY a.attnum),
			   pg_catalog.string_agg(pg_catalog.format('NULL::%s AS %I', pg_catalog.format_type(a.atttypid, a.atttypmod), a.attname),
									 ', ' ORDER BY a.attnum)
		  INTO colonnes, vides
		  FROM pg_catalog.pg_attribute a
		 WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.format('flux.%I', v)::regclass
		   AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
		branches := NULL;
		FOR s IN SELECT c.serveur, c.schema FROM flux.source_consolidation c ORDER BY c.serveur LOOP
			branches := coalesce(branches || ' UNION ALL ', '')
				|| pg_catalog.format('SELECT %L::text AS source, %s FROM %I.%I t', s.serveur, colonnes, s.schema, v);
		END LOOP;
		EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW flux_consolidation.%I AS %s', v,
								  coalesce(branches, 'SELECT NULL::text AS source, ' || vides || ' WHERE false'));
		EXECUTE pg_catalog.format('COMMENT ON VIEW flux_consolidation.%I IS %L', v,
								  'flux.' || v || ' of every bailleur database of flux.source_consolidation, each row with its server (source); rebuilt by flux.ajouter_source_consolidation and flux.retirer_source_consolidation');
		EXECUTE pg_catalog.format('REVOKE ALL ON flux_consolidation.%I FROM PUBLIC', v);
		EXECUTE pg_catalog.format('GRANT SELECT ON flux_consolidation.%I TO flux_admin, flux_gestionnaire, flux_lecteur', v);
	END LOOP;
END
$$;

COMMENT ON FUNCTION flux.reconstruire_consolidation() IS
	'Internal: rebuilds the views flux_consolidation.bilan_* (UNION ALL of every source''s foreign tables, tagged with the server)';

REVOKE EXECUTE ON FUNCTION flux.reconstruire_consolidation() FROM PUBLIC;

-- the checks every consolidation function makes first
CREATE FUNCTION flux.verifier_postgres_fdw() RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'postgres_fdw') THEN
		RAISE EXCEPTION 'extension postgres_fdw is not installed in database %', pg_catalog.current_database()
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'The consolidation reads each bailleur''s database through postgres_fdw, which flux does not require.',
				  HINT = 'CREATE EXTENSION postgres_fdw, then CREATE SERVER for each bailleur''s database (docs/consolidation.md).';
	END IF;
END
$$;

COMMENT ON FUNCTION flux.verifier_postgres_fdw() IS
	'Raises 55000 unless the extension postgres_fdw is installed in the current database';

/*
 * Adds a bailleur's database: its foreign server (which must use
 * postgres_fdw, and which the caller may use) is made async_capable, so that
 * the Append over every source runs their remote queries concurrently, and
 * the aggregate bilan views of its schema flux are imported into a schema of
 * their own.  SECURITY DEFINER: every consolidated object has one owner,
 * flux's, whose user mapping reads each source (docs/consolidation.md).
 */
CREATE FUNCTION flux.ajouter_source_consolidation(serveur name, libelle text DEFAULT NULL, schema name DEFAULT NULL)
	RETURNS name
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	srv record;
	cible name := coalesce(ajouter_source_consolidation.schema, ('flux_source_' OPERATOR(pg_catalog.||) serveur)::name);
	importees name[];
	manquantes name[];
BEGIN
	PERFORM flux.verifier_postgres_fdw();
	IF serveur IS NULL THEN
		RAISE EXCEPTION 'server is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the name of a foreign server of postgres_fdw (CREATE SERVER ... FOREIGN DATA WRAPPER postgres_fdw).';
	END IF;
	SELECT s.oid, s.srvoptions, w.fdwname INTO srv
	  FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid OPERATOR(pg_catalog.=) s.srvfdw
	 WHERE s.srvname OPERATOR(pg_catalog.=) serveur;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'server "%" does not exist', serveur
			USING ERRCODE = 'undefined_object',
				  HINT = 'CREATE SERVER ... FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host ..., port ..., dbname ...) first.';
	END IF;
	IF srv.fdwname OPERATOR(pg_catalog.<>) 'postgres_fdw' THEN
		RAISE EXCEPTION 'server "%" does not use postgres_fdw', serveur
			USING ERRCODE = 'wrong_object_type',
				  DETAIL = pg_catalog.format('Its foreign-data wrapper is %s.', srv.fdwname),
				  HINT = 'A source of consolidation is a flux database read through postgres_fdw.';
	END IF;
	IF NOT pg_catalog.has_server_privilege(flux.appelant(), srv.oid, 'USAGE') THEN
		RAISE EXCEPTION 'permission denied for foreign server "%"', serveur
			USING ERRCODE = 'insufficient_privilege',
				  HINT = pg_catalog.format('GRANT USAGE ON FOREIGN SERVER %I TO %I.', serveur, flux.appelant());
	END IF;
	IF EXISTS (SELECT FROM flux.source_consolidation c WHERE c.serveur OPERATOR(pg_catalog.=) ajouter_source_consolidation.serveur) THEN
		RAISE EXCEPTION 'server "%" is already a source of consolidation', serveur
			USING ERRCODE = 'duplicate_object',
				  HINT = 'flux.retirer_source_consolidation removes it.';
	END IF;
	IF EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) cible) THEN
		RAISE EXCEPTION 'schema "%" already exists', cible
			USING ERRCODE = 'duplicate_schema',
				  HINT = 'Pass another schema (third argument): the source''s foreign tables go into a schema of their own.';
	END IF;
	-- the remote queries of every source run concurrently (an Append of
	-- async foreign scans)
	EXECUTE pg_catalog.format('ALTER SERVER %I OPTIONS (%s async_capable %L)', serveur,
		CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_options_to_table(srv.srvoptions) o
						   WHERE o.option_name OPERATOR(pg_catalog.=) 'async_capable') THEN 'SET' ELSE 'ADD' END, 'true');
	EXECUTE pg_catalog.format('CREATE SCHEMA %I', cible);
	EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', cible);
	BEGIN
		EXECUTE pg_catalog.format('IMPORT FOREIGN SCHEMA flux LIMIT TO (%s) FROM SERVER %I INTO %I',
			(SELECT pg_catalog.string_agg(pg_catalog.quote_ident(v), ', ') FROM pg_catalog.unnest(flux.vues_consolidees()) v),
			serveur, cible);
	EXCEPTION WHEN fdw_schema_not_found THEN
		RAISE EXCEPTION 'the database of server "%" has no schema flux', serveur
			USING ERRCODE = 'undefined_table',
				  HINT = 'Check the server''s dbname and that flux is installed in that database (CREATE EXTENSION flux).';
	END;
	SELECT pg_catalog.array_agg(c.relname) INTO importees
	  FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) cible::regnamespace AND c.relkind OPERATOR(pg_catalog.=) 'f';
	SELECT pg_catalog.array_agg(v) INTO manquantes
	  FROM pg_catalog.unnest(flux.vues_consolidees()) v WHERE NOT v OPERATOR(pg_catalog.=) ANY (coalesce(importees, '{}'));
	IF manquantes IS NOT NULL THEN
		RAISE EXCEPTION 'the database of server "%" has no view %', serveur,
				pg_catalog.array_to_string(manquantes, ', ')
			USING ERRCODE = 'undefined_table',
				  DETAIL = 'IMPORT FOREIGN SCHEMA flux found only: ' OPERATOR(pg_catalog.||) coalesce(pg_catalog.array_to_string(importees, ', '), 'nothing') OPERATOR(pg_catalog.||) '.',
				  HINT = 'Check the server''s dbname and that flux is installed in that database (CREATE EXTENSION flux).';
	END IF;
	INSERT INTO flux.source_consolidation (serveur, libelle, schema) VALUES (serveur, libelle, cible);
	PERFORM flux.reconstruire_consolidation();
	RETURN cible;
END
$$;

COMMENT ON FUNCTION flux.ajouter_source_consolidation(name, text, name) IS
	'Adds a bailleur''s database (a foreign server of postgres_fdw, made async_capable): imports its aggregate bilan views into a schema of their own (default flux_source_<server>) and rebuilds flux_consolidation.bilan_*; returns the schema';

REVOKE EXECUTE ON FUNCTION flux.ajouter_source_consolidation(name, text, name) FROM PUBLIC;

-- removes a source: its schema of foreign tables, its row, and rebuilds the views
CREATE FUNCTION flux.retirer_source_consolidation(serveur name) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
	SET client_min_messages = warning
AS $$
DECLARE
	cible name;
BEGIN
	IF serveur IS NULL THEN
		RAISE EXCEPTION 'server is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the name of a source of flux.source_consolidation.';
	END IF;
	DELETE FROM flux.source_consolidation c WHERE c.serveur OPERATOR(pg_catalog.=) retirer_source_consolidation.serveur
	RETURNING c.schema INTO cible;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'server "%" is not a source of consolidation', serveur
			USING ERRCODE = 'no_data_found',
				  HINT = 'SELECT serveur FROM flux.source_consolidation lists them.';
	END IF;
	-- the views first, without the source, then its foreign tables
	PERFORM flux.reconstruire_consolidation();
	EXECUTE pg_catalog.format('DROP SCHEMA IF EXISTS %I CASCADE', cible);
END
$$;

COMMENT ON FUNCTION flux.retirer_source_consolidation(name) IS
	'Removes a bailleur''s database from the consolidation: rebuilds flux_consolidation.bilan_* without it and drops its schema of foreign tables (the server and its user mappings stay)';

REVOKE EXECUTE ON FUNCTION flux.retirer_source_consolidation(name) FROM PUBLIC;

/*
 * The territory's bilan per réservataire across every source, year N, one
 * département or all (NULL): the counts are summed, the shares recomputed
 * from the sums (never averaged).  A réservataire is known across databases
 * by its category and name (its id is local to each).  Its units freed are
 * those of the bailleurs it has a convention with (each bailleur's once);
 * the row of no réservataire (categorie and reservataire NULL) is the whole
 * territory: every bailleur's units freed in the flux, once.
 */
CREATE FUNCTION flux.territoire_bilan(annee_bilan integer, departement_bilan text DEFAULT NULL)
	RETURNS TABLE (annee integer, departement text, categorie text, reservataire text, sources bigint, bailleurs bigint,
				   logements_liberes bigint, proposes bigint, part_proposes numeric, attribues bigint, part_attribues numeric,
				   baux bigint, part_baux numeric, dus_sur_liberes numeric, ecart_proposes numeric,
				   baux_designes_bailleur bigint)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	a integer := annee_bilan;
	d text := departement_bilan;
BEGIN
	PERFORM flux.verifier_annee(a);
	IF d IS NOT NULL THEN
		PERFORM flux.verifier_departement(d);
	END IF;
	IF pg_catalog.to_regclass('flux_consolidation.bilan_reservataire') IS NULL THEN
		RETURN;	-- no source was ever added
	END IF;
	RETURN QUERY
	WITH b AS (
		-- each bailleur's rows for each réservataire (one convention or more)
		SELECT r.annee, r.departement, r.source, r.bailleur_id, r.categorie, r.reservataire,
			   max(r.logements_liberes) AS liberes, sum(r.proposes) AS proposes, sum(r.attribues) AS attribues,
			   sum(r.baux) AS baux, sum(r.dus_sur_liberes) AS dus, sum(r.ecart_proposes) AS ecart,
			   sum(r.baux_designes_bailleur) AS baux_bailleur
		  FROM flux_consolidation.bilan_reservataire r
		 WHERE r.annee OPERATOR(pg_catalog.=) a AND (d IS NULL OR r.departement OPERATOR(pg_catalog.=) d)
		 GROUP BY 1, 2, 3, 4, 5, 6
	), t AS (
		SELECT b.annee, b.departement, b.categorie, b.reservataire, b.source, b.bailleur_id, b.liberes, b.proposes,
			   b.attribues, b.baux, b.dus, b.ecart, b.baux_bailleur
		  FROM b
		UNION ALL
		-- the territory: each bailleur once
		SELECT b.annee, b.departement, NULL, NULL, b.source, b.bailleur_id, max(b.liberes), sum(b.proposes),
			   sum(b.attribues), sum(b.baux), sum(b.dus), sum(b.ecart), sum(b.baux_bailleur)
		  FROM b GROUP BY b.annee, b.departement, b.source, b.bailleur_id
	)
	SELECT t.annee, t.departement, t.categorie, t.reservataire,
		   count(DISTINCT t.source), count(*), sum(t.liberes)::bigint, sum(t.proposes)::bigint,
		   round(100.0 * sum(t.proposes) / nullif(sum(t.liberes), 0), 2),
		   sum(t.attribues)::bigint, round(100.0 * sum(t.attribues) / nullif(sum(t.liberes), 0), 2),
		   sum(t.baux)::bigint, round(100.0 * sum(t.baux) / nullif(sum(t.liberes), 0), 2),
		   sum(t.dus), sum(t.ecart), sum(t.baux_bailleur)::bigint
	  FROM t
	 GROUP BY t.annee, t.departement, t.categorie, t.reservataire
	 ORDER BY t.annee, t.departement, t.categorie NULLS FIRST, t.reservataire;
END
$$;

COMMENT ON FUNCTION flux.territoire_bilan(integer, text) IS
	'The territory''s bilan of year N across every bailleur database (flux_consolidation.bilan_reservataire): per réservataire (category and name) and for the whole territory (NULL), counts summed and shares recomputed from the sums';

/*
 * The territory's obligations across every source: per obligation, for each
 * réservataire (by name) and for the territory (reservataire NULL), the
 * counts summed; the rate, the target (weighted by the attributions
 * concerned: objectif_cia_qpv may differ between bailleurs), conformity and
 * the units missing recomputed from the sums.  The territory's units missing
 * are its own figure: a bailleur above the target makes up for one below
 * (each bailleur's figure is in flux_consolidation.bilan_obligations).
 */
CREATE FUNCTION flux.territoire_obligations(annee_bilan integer, departement_bilan text DEFAULT NULL)
	RETURNS TABLE (annee integer, departement text, reservataire text, obligation text, libelle text, sources bigint,
				   bailleurs bigint, concernes bigint, atteints bigint, dont_dalo bigint, taux numeric, objectif numeric,
				   conforme boolean, manque integer, taux_dalo numeric)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	a integer := annee_bilan;
	d text := departement_bilan;
BEGIN
	PERFORM flux.verifier_annee(a);
	IF d IS NOT NULL THEN
		PERFORM flux.verifier_departement(d);
	END IF;
	IF pg_catalog.to_regclass('flux_consolidation.bilan_obligations') IS NULL THEN
		RETURN;	-- no source was ever added
	END IF;
	RETURN QUERY
	SELECT o.annee, o.departement, o.reservataire, o.obligation, o.libelle,
		   count(DISTINCT o.source), count(DISTINCT (o.source, o.bailleur_id)),
		   sum(o.concernes)::bigint, sum(o.atteints)::bigint, sum(o.dont_dalo)::bigint,
		   round(100.0 * sum(o.atteints) / nullif(sum(o.concernes), 0), 2),
		   coalesce(trim_scale(round(sum(o.objectif * o.concernes) / nullif(sum(o.concernes), 0), 2)), max(o.objectif)),
		   100.0 * sum(o.atteints) >= sum(o.objectif * o.concernes),
		   greatest(ceil(sum(o.objectif * o.concernes) / 100) - sum(o.atteints), 0)::integer,
		   round(100.0 * sum(o.dont_dalo) / nullif(sum(o.concernes), 0), 2)
	  FROM flux_consolidation.bilan_obligations o
	 WHERE o.annee OPERATOR(pg_catalog.=) a AND (d IS NULL OR o.departement OPERATOR(pg_catalog.=) d)
	 GROUP BY o.annee, o.departement, o.reservataire, o.obligation, o.libelle
	 ORDER BY o.annee, o.departement, o.reservataire NULLS FIRST, o.obligation;
END
$$;

COMMENT ON FUNCTION flux.territoire_obligations(integer, text) IS
	'The territory''s obligations of year N across every bailleur database (flux_consolidation.bilan_obligations): per réservataire and for the territory (NULL), counts summed, rate, weighted target, conformity and units missing recomputed from the sums';

-- ---------------------------------------------------------------------------
-- (section of the access control: grants of the objects above)
-- ---------------------------------------------------------------------------

--------------------------------------------------------------------------
-- transmission (0.12.0)
--------------------------------------------------------------------------

/*
 * The bilans transmitted, frozen (src/transmission.sql).  Nobody writes
 * the frozen tables but flux.figer_bilan (SECURITY DEFINER, the staff's):
 * no role has INSERT, UPDATE or DELETE on them, so a snapshot is what the
 * reports gave when it was sent.  Unlike the live bilans (aggregates over
 * the whole territory, exposed through views that filter their output),
 * each frozen row belongs to one recipient: row-level security gives a
 * réservataire its own, an EPCI its own; the views *_transmis are
 * security_invoker, so they read through it.  flux_lecteur reads them all.
 * flux.ecarts_transmis recomputes today's reports: the staff's only.
 */
REVOKE ALL ON
	flux.bilan_transmis, flux.bilan_transmis_document, flux.transmis_reservataire_parts,
	flux.transmis_reservataire_obligations, flux.transmis_reservataire_detail, flux.transmis_epci_communes,
	flux.transmis_epci_destinations, flux.transmis_epci_obligations,
	flux.rapport_reservataire_parts_transmis, flux.rapport_reservataire_obligations_transmis,
	flux.rapport_reservataire_detail_transmis, flux.rapport_epci_communes_transmis,
	flux.rapport_epci_destinations_transmis, flux.rapport_epci_obligations_transmis, flux.ecarts_transmis
	FROM PUBLIC;
REVOKE ALL ON SEQUENCE flux.bilan_transmis_id_seq FROM PUBLIC;

REVOKE EXECUTE ON FUNCTION
	flux.transmettre_bilan(bigint, text, integer, bigint, text, date, text),
	flux.verifier_transmission(bigint),
	flux.csv_transmis(bigint, text, text),
	flux.ecarts_transmission(bigint)
	FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
	flux.transmettre_bilan(bigint, text, integer, bigint, text, date, text),
	flux.figer_bilan(bigint, date),
	flux.ecarts_transmission(bigint)
	TO flux_admin, flux_gestionnaire;

GRANT EXECUTE ON FUNCTION flux.verifier_transmission(bigint), flux.csv_transmis(bigint, text, text)
	TO flux_admin, flux_gestionnaire, flux_reservataire, flux_epci, flux_lecteur;

GRANT SELECT ON
	flux.bilan_transmis, flux.bilan_transmis_document, flux.transmis_reservataire_parts,
	flux.transmis_reservataire_obligations, flux.transmis_reservataire_detail, flux.transmis_epci_communes,
	flux.transmis_epci_destinations, flux.transmis_epci_obligations,
	flux.rapport_reservataire_parts_transmis, flux.rapport_reservataire_obligations_transmis,
	flux.rapport_reservataire_detail_transmis, flux.rapport_epci_communes_transmis,
	flux.rapport_epci_destinations_transmis, flux.rapport_epci_obligations_transmis
	TO flux_admin, flux_gestionnaire, flux_lecteur;

GRANT SELECT ON flux.ecarts_transmis TO flux_admin, flux_gestionnaire;

GRANT SELECT ON
	flux.bilan_transmis, flux.bilan_transmis_document, flux.transmis_reservataire_parts,
	flux.transmis_reservataire_obligations, flux.transmis_reservataire_detail,
	flux.rapport_reservataire_parts_transmis, flux.rapport_reservataire_obligations_transmis,
	flux.rapport_reservataire_detail_transmis
	TO flux_reservataire;

GRANT SELECT ON
	flux.bilan_transmis, flux.bilan_transmis_document, flux.transmis_epci_communes,
	flux.transmis_epci_destinations, flux.transmis_epci_obligations,
	flux.rapport_epci_communes_transmis, flux.rapport_epci_destinations_transmis,
	flux.rapport_epci_obligations_transmis
	TO flux_epci;

CREATE POLICY personnel ON flux.bilan_transmis FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.bilan_transmis_document FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.transmis_reservataire_parts FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.transmis_reservataire_obligations FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.transmis_reservataire_detail FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.transmis_epci_communes FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.transmis_epci_destinations FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);
CREATE POLICY personnel ON flux.transmis_epci_obligations FOR SELECT TO flux_admin, flux_gestionnaire, flux_lecteur USING (true);

CREATE POLICY reservataire ON flux.bilan_transmis FOR SELECT TO flux_reservataire
	USING (reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant()));
CREATE POLICY reservataire ON flux.transmis_reservataire_parts FOR SELECT TO flux_reservataire
	USING (reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant()));
CREATE POLICY reservataire ON flux.transmis_reservataire_obligations FOR SELECT TO flux_reservataire
	USING (reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant()));
CREATE POLICY reservataire ON flux.transmis_reservataire_detail FOR SELECT TO flux_reservataire
	USING (reservataire_id OPERATOR(pg_catalog.=) (SELECT flux.reservataire_courant()));
CREATE POLICY epci ON flux.bilan_transmis FOR SELECT TO flux_epci
	USING (epci OPERATOR(pg_catalog.=) (SELECT flux.epci_courant()));
CREATE POLICY epci ON flux.transmis_epci_communes FOR SELECT TO flux_epci
	USING (epci OPERATOR(pg_catalog.=) (SELECT flux.epci_courant()));
CREATE POLICY epci ON flux.transmis_epci_destinations FOR SELECT TO flux_epci
	USING (epci OPERATOR(pg_catalog.=) (SELECT flux.epci_courant()));
CREATE POLICY epci ON flux.transmis_epci_obligations FOR SELECT TO flux_epci
	USING (epci OPERATOR(pg_catalog.=) (SELECT flux.epci_courant()));
-- a document's checksum: of the versions it may read (flux.bilan_transmis as it sees it)
CREATE POLICY destinataire ON flux.bilan_transmis_document FOR SELECT TO flux_reservataire, flux_epci
	USING (version_id IN (SELECT b.id FROM flux.bilan_transmis b));

ALTER TABLE flux.bilan_transmis ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.bilan_transmis_document ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmis_reservataire_parts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmis_reservataire_obligations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmis_reservataire_detail ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmis_epci_communes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmis_epci_destinations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE flux.transmis_epci_obligations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- rpls (0.12.0)
-- flux.session_chargement() calls it for every staging (the default of
-- flux.rpls_ligne.session): whoever may stage may run it
REVOKE EXECUTE ON FUNCTION flux.session_chargement_calculer() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flux.session_chargement_calculer() TO flux_admin;
-- consolidation (0.12.0)
-- the sources: flux_admin adds and removes them (through the functions,
-- run as flux's owner); the staff and BI read the list and the territory's
-- figures.  The EPCI and the réservataires read nothing here: the
-- consolidated views hold every partner's figures of the territory, and
-- each partner reads its own in each bailleur's database (docs/consolidation.md).
REVOKE ALL ON flux.source_consolidation FROM PUBLIC;
GRANT SELECT ON flux.source_consolidation TO flux_admin, flux_gestionnaire, flux_lecteur;
REVOKE EXECUTE ON FUNCTION
	flux.ajouter_source_consolidation(name, text, name),
	flux.retirer_source_consolidation(name),
	flux.reconstruire_consolidation(),
	flux.territoire_bilan(integer, text),
	flux.territoire_obligations(integer, text)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	flux.ajouter_source_consolidation(name, text, name),
	flux.retirer_source_consolidation(name)
	TO flux_admin;
GRANT EXECUTE ON FUNCTION
	flux.territoire_bilan(integer, text),
	flux.territoire_obligations(integer, text)
	TO flux_admin, flux_gestionnaire, flux_lecteur;

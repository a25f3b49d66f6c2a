--
-- flux 0.12.0 -> 0.13.0: the workflow's small statements and the sweep
-- near their bare writes, benchmarks at the Ile-de-France size in time
-- (issue 17, continued)
--
-- One section per concern, in the order of the concern files (Makefile
-- CONCERNS).  What each object is now: src/*.sql.  Every existing row is
-- kept.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.13.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- (section of who is calling: the partner of the caller)
-- ---------------------------------------------------------------------------

-- flux.reservataire_courant and flux.epci_courant are PL/pgSQL: as SQL
-- functions with SET options they were never inlined and parsed and planned
-- their query again at each statement (about 60 us each, twice a write
-- through the audit, once a statement through every partner policy); PL/pgSQL
-- keeps the plan for the session (src/partenaires.sql)
CREATE OR REPLACE FUNCTION flux.reservataire_courant()
	RETURNS bigint
	LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	RETURN (SELECT p.reservataire_id FROM flux.partenaire p WHERE p.login = flux.appelant());
END
$$;

CREATE OR REPLACE FUNCTION flux.epci_courant()
	RETURNS text
	LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	RETURN (SELECT p.epci FROM flux.partenaire p WHERE p.login = flux.appelant());
END
$$;

-- (section of rpls)
-- ---------------------------------------------------------------------------
-- flux.charger_rpls: the per-line format tests in C (src/rpls.c), the
-- reasons computed only for a line that fails them; the repeated IDENT_REP
-- found in the validation (a hash aggregate) instead of an UPDATE pass
-- over every validated line.  Same reasons, same counts.

/*
 * The per-line tests of flux.charger_rpls, in C (src/rpls.c, which says
 * the rule): the same tests as regular expressions, run on every line,
 * were about half of the validation's time.  They answer yes or no only;
 * the reasons, and their wording, stay in flux.charger_rpls.
 */
CREATE FUNCTION flux.rpls_ligne_speciale(texte text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_rpls_ligne_speciale'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.rpls_ligne_speciale(text) IS
	'Internal: an RPLS line that is not split as it is (empty, a control character or a quote, a blank next to a semicolon or at an end): texte = '''' OR texte ~ E''[\\x01-\\x1f\\x7f"]|[ ];|;[ ]|^[ ]|[ ]$''';

CREATE FUNCTION flux.rpls_formats_valides(ident_int text, ident_rep text, depcom text, epci text, qpv text,
										  typeconst text, nbpiece text, surfhab text, construct text, locat text,
										  patrimoine text, origine text, finan text, cus text, conv text,
										  sortiepatrim text, mode text, loyerprinc text, contreslog text)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_rpls_formats_valides'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION flux.rpls_formats_valides(text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text) IS
	'Internal: true when no format reason of flux.charger_rpls applies to the fields of an RPLS line (the checks against flux.commune, flux.rpls_finan and the repeated identifiers aside)';

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
			-- every line split once, its fields named (the array itself is
			-- not kept: its count of fields only, so that the lines stay
			-- narrow, read three times)
			SELECT lu.ligne, lu.texte, lu.octets, cardinality(lu.f) AS nf, v.*
			  FROM (%4$s) lu,
				   LATERAL (SELECT %3$s) v
		), doubles AS (
			-- the repeated IDENT_INT and the first line of each: a hash
			-- aggregate on (IDENT_INT, line), not a sort of the whole lines
			SELECT d.ident_int, min(d.ligne) AS premiere
			  FROM lu d WHERE d.ident_int IS NOT NULL
			 GROUP BY d.ident_int HAVING count(*) > 1
		)
		, reps AS (
			-- an IDENT_REP on several readable lines: its first line and
			-- that line's IDENT_INT (grouped before the format is tested:
			-- the test runs on the few repeated values only)
			SELECT x.ident_rep, x.premiere, p.ident_int AS premier_ident_int
			  FROM (SELECT y.ident_rep, y.premiere
					  FROM (SELECT d.ident_rep, min(d.ligne) AS premiere
							  FROM lu d
							 WHERE d.octets IS NULL AND d.nf = %2$s AND d.ident_rep IS NOT NULL
							 GROUP BY d.ident_rep HAVING count(*) > 1
							OFFSET 0) y
					 WHERE y.ident_rep ~ '^[0-9A-Z]{10}$') x
			  JOIN lu p ON p.ligne = x.premiere
		)
		SELECT w.ligne, w.texte, %6$s, w.lisible,
			   CASE WHEN w.rep_raison IS NULL THEN w.raisons ELSE w.raisons || w.rep_raison END AS raisons
		  FROM (
		SELECT v.ligne, v.texte, %5$s,
			   v.octets IS NULL AND v.nf = %2$s AS lisible,
			   CASE WHEN v.octets IS NOT NULL THEN ARRAY[v.octets]
					-- a line of another length: its fields are not where the
					-- header says, one reason
					WHEN v.nf <> %2$s THEN ARRAY[format('line has %%s fields, the header %2$s', v.nf)]
					-- the usual line: every format right (src/rpls.c), its
					-- commune and financing known, its IDENT_INT not seen
					-- before, its IDENT_REP no other unit's: no reason, and
					-- none of the tests below is run (a line that fails here
					-- gets them all, and its reasons from them only)
					WHEN flux.rpls_formats_valides(v.ident_int, v.ident_rep, v.depcom, v.epci, v.qpv, v.typeconst,
							v.nbpiece, v.surfhab, v.construct, v.locat, v.patrimoine, v.origine, v.finan, v.cus,
							v.conv, v.sortiepatrim, v.mode, v.loyerprinc, v.contreslog)
						 AND v.depcom IN (SELECT c.depcom FROM flux.commune c)
						 AND v.finan::smallint IN (SELECT rf.finan FROM flux.rpls_finan rf)
						 AND NOT coalesce(v.ligne > dd.premiere, false)
						 AND NOT (v.ident_rep IS NOT NULL AND EXISTS (
							SELECT 1 FROM flux.logement o WHERE o.ident_rep = v.ident_rep
							   AND (o.bailleur_id <> %1$s OR o.ident_int IS DISTINCT FROM v.ident_int)))
					THEN '{}'::text[] ELSE
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
			   ], NULL) END AS raisons,
			   -- the IDENT_REP of an earlier line (of another IDENT_INT):
			   -- the first keeps it, each later one is refused naming the
			   -- first (the last reason)
			   CASE WHEN v.octets IS NULL AND v.nf = %2$s AND v.ligne > rr.premiere
						 AND v.ident_int IS DISTINCT FROM rr.premier_ident_int
					THEN format('IDENT_REP %%L is already on line %%s (IDENT_INT %%L): one RPLS number per unit',
								rr.ident_rep, rr.premiere, rr.premier_ident_int) END AS rep_raison
		  FROM lu v LEFT JOIN doubles dd ON dd.ident_int = v.ident_int LEFT JOIN reps rr ON rr.ident_rep = v.ident_rep
		OFFSET 0 -- a fence: the reasons are computed once a line
		) w
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
							   flux.rpls_ligne_speciale(r.texte) AS special
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
						   'numvoie', 'indrep', 'typvoie', 'nomvoie', 'cplocal', 'libcom']) c),
	  (SELECT string_agg('w.' || c, ', ')
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

-- ---------------------------------------------------------------------------
-- (section of the notifications)
-- ---------------------------------------------------------------------------

-- the payloads of orientations are written as json_strip_nulls(
-- json_build_object(...)) wrote them, without building the json and parsing
-- it again (src/notifications.sql); the same text, byte for byte
CREATE OR REPLACE FUNCTION flux.orientation_notifier() RETURNS trigger
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

-- ---------------------------------------------------------------------------
-- (section of the audit)
-- ---------------------------------------------------------------------------

-- flux.auditer is C (src/audit.c): the same rows, with the key and personal
-- columns it is given checked against the table (42703); the PL/pgSQL
-- trigger's SET work_mem and jit go with it (src/audit.sql)
CREATE OR REPLACE FUNCTION flux.auditer() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_auditer'
	LANGUAGE C SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp;

-- ---------------------------------------------------------------------------
-- (section of the transmitted bilans)
-- ---------------------------------------------------------------------------

-- one bilan sent twice at once: the second sending is a correction of the
-- first (READ COMMITTED) or a serialization failure to retry (40001), never
-- a duplicate key error; two corrections at once number their versions one
-- after the other, or the second is refused with 40001
-- (specs/transmissions_concurrentes.spec; src/transmission.sql)
CREATE OR REPLACE FUNCTION flux.figer_bilan(transmission bigint, date_envoi date)
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
	-- the row lock above orders two corrections of one bilan: the second
	-- numbers its version after the first's (READ COMMITTED reads it);
	-- a snapshot older than the first's commit cannot, and is refused
	BEGIN
		INSERT INTO flux.bilan_transmis (transmission_id, version, bailleur_id, departement, annee, reservataire_id, epci,
										 date_envoi, transmis_par)
		VALUES (t.id, coalesce(n, 0) + 1, t.bailleur_id, t.departement, t.annee, t.reservataire_id, t.epci, $2, flux.appelant())
		RETURNING id INTO v;
	EXCEPTION WHEN unique_violation THEN
		RAISE EXCEPTION 'bilan % to % was corrected by a concurrent transaction', t.annee,
				CASE WHEN t.reservataire_id IS NOT NULL THEN 'réservataire ' || t.reservataire_id ELSE 'EPCI ' || t.epci END
			USING ERRCODE = 'serialization_failure',
				  HINT = 'Retry the transaction: it will freeze the next version.';
	END;
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

CREATE OR REPLACE FUNCTION flux.transmettre_bilan(bailleur bigint, departement text, annee integer, reservataire bigint DEFAULT NULL,
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
		-- its trigger freezes version 1; when another session sent the same
		-- bilan first (and committed), this one is a correction of it (READ
		-- COMMITTED), or a serialization failure to retry (40001, REPEATABLE
		-- READ and SERIALIZABLE): specs/transmissions_concurrentes.spec
		INSERT INTO flux.transmission_bilan (bailleur_id, departement, annee, reservataire_id, epci, date_envoi, moyen)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT DO NOTHING
		RETURNING id INTO t;
		IF t IS NOT NULL THEN
			RETURN (SELECT b.id FROM flux.bilan_transmis b WHERE b.transmission_id = t ORDER BY b.version DESC LIMIT 1);
		END IF;
		SELECT x.id INTO t FROM flux.transmission_bilan x
		 WHERE x.bailleur_id = $1 AND x.departement = $2 AND x.annee = $3
		   AND x.reservataire_id IS NOT DISTINCT FROM $4 AND x.epci IS NOT DISTINCT FROM $5;
	END IF;
	RETURN flux.figer_bilan(t, $6);
END
$$;

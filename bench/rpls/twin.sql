-- bench/rpls/twin.sql: the plain-SQL twin of \copy + flux.charger_rpls, the
-- best a DBA would write by hand: one \copy of the raw lines into a temp
-- table, one INSERT ... SELECT splitting them on ';', keeping the lines
-- whose fields are valid (no reason recorded for the others), the first of
-- a repeated IDENT_INT, and upserting by (bailleur_id, IDENT_INT) into
-- flux.logement with its constraints and triggers on (the temp table
-- analysed, each line split once, the two lookups hashed subplans (IS TRUE:
-- not a semi-join the row estimates would make a nested loop); without these it
-- took 12 s at 100 000 lines, with them about the time of the bare insert).  It reads the header
-- of bench/rpls/run.sh's file (fixed column order).  psql variables: bailleur,
-- annee; run.sh writes the file's path in place of FILE (\copy expands no
-- variable).
BEGIN;
CREATE TEMP TABLE jumeau_ligne (texte text) ON COMMIT DROP;
\copy jumeau_ligne FROM 'FILE' WITH (FORMAT csv, DELIMITER E'\x1f', QUOTE E'\x1e')
ANALYZE jumeau_ligne;
INSERT INTO flux.logement AS l (bailleur_id, ident_rep, ident_int, depcom, epci, qpv, typeconst, nbpiece,
	surfhab, construct, locat, patrimoine, origine, finan, cus, conv, sortiepatrim, mode,
	loyerprinc, contreslog, adresse, date_sortie)
SELECT DISTINCT ON (f[2]) :bailleur, f[1], f[2], f[6], f[8], f[9] = '1', f[10], f[11]::smallint,
	   replace(f[12], ',', '.')::numeric, f[13]::smallint, f[14]::smallint, f[15]::smallint, f[16]::smallint,
	   f[17]::smallint, nullif(f[18], '')::smallint, f[19] = '1',
	   coalesce(nullif(f[20], ''), '9')::smallint, coalesce(nullif(f[21], ''), '9')::smallint,
	   nullif(replace(f[22], ',', '.')::numeric, 9999), f[23]::smallint,
	   nullif(concat_ws(' ', f[3], f[4], f[5], f[7]), ''),
	   CASE WHEN coalesce(nullif(f[20], ''), '9') <> '9' THEN make_date(:annee - 1, 12, 31) END
  FROM (SELECT string_to_array(j.texte, ';') AS f FROM jumeau_ligne j OFFSET 0) s -- split once a line
 WHERE cardinality(f) = 23 AND f[1] ~ '^[0-9A-Z]{10}$' AND f[2] <> ''
   AND (f[6] IN (SELECT c.depcom FROM flux.commune c)) IS TRUE AND f[8] ~ '^[0-9]{9}$'
   AND f[9] IN ('1', '2') AND f[10] IN ('C', 'I', 'E') AND f[11] IN ('1', '2', '3', '4', '5', '6', '7', '8', '9')
   AND f[12] ~ '^[0-9]{1,5}([.,][0-9]{1,2})?$' AND f[13] ~ '^(18|19|20)[0-9]{2}$'
   AND f[14] ~ '^(18|19|20)[0-9]{2}$' AND f[15] ~ '^(18|19|20)[0-9]{2}$' AND f[16] IN ('1', '2', '3', '4')
   AND (f[17] IN (SELECT r.finan::text FROM flux.rpls_finan r)) IS TRUE AND f[19] IN ('1', '2')
   AND f[22] ~ '^[0-9]{1,7}([.,][0-9]{1,2})?$' AND f[23] IN ('1', '2', '3', '4', '5', '6', '7')
 ORDER BY f[2]
ON CONFLICT (bailleur_id, ident_int) DO UPDATE SET
	(ident_rep, depcom, epci, qpv, typeconst, nbpiece, surfhab, construct, locat, patrimoine, origine, finan,
	 cus, conv, sortiepatrim, mode, loyerprinc, contreslog, adresse)
  = (EXCLUDED.ident_rep, EXCLUDED.depcom, EXCLUDED.epci, EXCLUDED.qpv, EXCLUDED.typeconst, EXCLUDED.nbpiece,
	 EXCLUDED.surfhab, EXCLUDED.construct, EXCLUDED.locat, EXCLUDED.patrimoine, EXCLUDED.origine, EXCLUDED.finan,
	 EXCLUDED.cus, EXCLUDED.conv, EXCLUDED.sortiepatrim, EXCLUDED.mode, EXCLUDED.loyerprinc, EXCLUDED.contreslog,
	 EXCLUDED.adresse)
 WHERE (l.ident_rep, l.depcom, l.epci, l.qpv, l.typeconst, l.nbpiece, l.surfhab, l.construct, l.locat, l.patrimoine,
		l.origine, l.finan, l.cus, l.conv, l.sortiepatrim, l.mode, l.loyerprinc, l.contreslog, l.adresse)
	   IS DISTINCT FROM
	   (EXCLUDED.ident_rep, EXCLUDED.depcom, EXCLUDED.epci, EXCLUDED.qpv, EXCLUDED.typeconst, EXCLUDED.nbpiece,
		EXCLUDED.surfhab, EXCLUDED.construct, EXCLUDED.locat, EXCLUDED.patrimoine, EXCLUDED.origine, EXCLUDED.finan,
		EXCLUDED.cus, EXCLUDED.conv, EXCLUDED.sortiepatrim, EXCLUDED.mode, EXCLUDED.loyerprinc, EXCLUDED.contreslog,
		EXCLUDED.adresse);
COMMIT;

-- test/leurres/planter.sql: plants the decoys (docs/security.md, "Decoys").
--
-- Run once, as a superuser, in a database where CREATE EXTENSION flux has
-- just been done.  Every decoy is planted in schema public (relations are
-- planted per session in pg_temp by test/leurres/session.sql), is
-- transparent (it returns what the real object returns), and, each time it
-- runs, calls public.leurre_noter(id), which reads PG_CONTEXT and, when the
-- call came from flux's code, takes nextval of the decoy's own sequence
-- public.leurre_<id> (a sequence survives rollbacks and errors) and raises a
-- WARNING "leurre <id> ... run from flux code" with the frames.
--
-- Families:
--   1. every function and aggregate of schema flux: a same-signature
--      function (a PL/pgSQL forwarder) or aggregate in public;
--   2. every operator a flux type takes part in: flux's own operators and
--      pg_catalog's polymorphic ones instantiated on each flux type (enums,
--      flux.taux) and on its array type, as exact-signature operators in
--      public (an exact match wins over a polymorphic one whatever the path);
--   3. the pg_catalog operators and functions flux's bodies name, on plain
--      types, same signature in public (they win when public comes before
--      pg_catalog on the path, which the runner sets).
SET client_min_messages = warning;
SET search_path = pg_catalog;

CREATE TABLE public.leurre (
	id		integer PRIMARY KEY,
	genre	text NOT NULL,		-- fonction, agregat, operateur, relation
	famille	text NOT NULL,		-- what the TAP line names
	objet	text NOT NULL,		-- the decoy's signature
	cible	text NOT NULL		-- the object it stands in for
);
CREATE SEQUENCE public.leurre_id;
-- what could not be decoyed, and why (printed by the runner)
CREATE TABLE public.leurre_manque (objet text, raison text);
-- decoys run from anything but flux's code (the test files' own statements)
CREATE SEQUENCE public.leurre_hors_flux;
GRANT SELECT ON public.leurre TO PUBLIC;
GRANT USAGE ON SEQUENCE public.leurre_hors_flux TO PUBLIC;

-- the names of flux's SQL functions: an "SQL function "x"" frame carries no schema
CREATE TABLE public.leurre_fonction_sql AS
	SELECT DISTINCT p.proname::text AS nom FROM pg_proc p
	 WHERE p.pronamespace = 'flux'::regnamespace AND p.prolang = (SELECT l.oid FROM pg_language l WHERE l.lanname = 'sql');
GRANT SELECT ON public.leurre_fonction_sql TO PUBLIC;
-- the forwarders of flux's functions (family 1), by signature
CREATE TABLE public.leurre_relais (objet text PRIMARY KEY);
GRANT SELECT ON public.leurre_relais TO PUBLIC;

-- public.leurre_noter(id, ctx): what a decoy calls when PG_CONTEXT, read by
-- the decoy itself (ctx, its own frame first), shows frames below its own;
-- a relation decoy's query calls it with no ctx, and it reads its own.
-- Names in the frames are printed as the path at the decoy sees them: a
-- flux function shows as flux.f(...) because its same-signature decoy in
-- public hides it (trigger functions get a dummy decoy for that reason).
CREATE FUNCTION public.leurre_noter(leurre integer, ctx text DEFAULT NULL) RETURNS boolean
	LANGUAGE plpgsql VOLATILE AS $f$
DECLARE
	brut text[];
	l text[] := '{}';
	n integer;
	de_flux text;
	cle text;
BEGIN
	IF ctx IS NULL THEN
		GET DIAGNOSTICS ctx = PG_CONTEXT;
	END IF;
	-- the verdict on a context is the same at each call: kept for the
	-- session in a placeholder setting named by its digest
	cle := pg_catalog.concat('leurres.c', pg_catalog.md5(ctx));
	IF pg_catalog.current_setting(cle, true) OPERATOR(pg_catalog.=) 'hors_flux' THEN
		PERFORM pg_catalog.nextval('public.leurre_hors_flux');
		RETURN true;
	END IF;
	-- one element per frame: a statement's text may span several lines
	brut := pg_catalog.string_to_array(ctx, E'\n');
	FOR j IN 1 .. pg_catalog.array_length(brut, 1) LOOP
		IF j OPERATOR(pg_catalog.=) 1 OR brut[j] OPERATOR(pg_catalog.~) '^(PL/pgSQL function |SQL statement "|SQL function "|SQL expression "|PL/pgSQL assignment "|parallel worker)' THEN
			l := pg_catalog.array_append(l, brut[j]);
		ELSE
			l[pg_catalog.array_length(l, 1)] := pg_catalog.concat_ws(' ', l[pg_catalog.array_length(l, 1)], brut[j]);
		END IF;
	END LOOP;
	n := pg_catalog.array_length(l, 1);
	-- the rule (docs/security.md): the call came from flux's code when a frame
	-- below the decoy's own (l[1]) is
	--   a PL/pgSQL function of schema flux (a function, a trigger);
	--   a PL/pgSQL decoy forwarding to a flux function (what runs inside it
	--     is flux's, even an SQL function inlined into its one statement);
	--   an SQL function named like one of flux's (string or standard body);
	--   an SPI statement that no PL/pgSQL frame issued (flux's C: a trigger
	--     or function calling SPI).
	FOR j IN 2 .. n LOOP
		IF l[j] OPERATOR(pg_catalog.~) '^PL/pgSQL function flux\.' THEN
			de_flux := l[j];
		ELSIF l[j] OPERATOR(pg_catalog.~) '^PL/pgSQL function public\.' AND EXISTS (
				SELECT FROM public.leurre_relais r
				 WHERE r.objet OPERATOR(pg_catalog.=) pg_catalog.regexp_replace(l[j], '^PL/pgSQL function (.*) line [0-9]+ at .*$', '\1')) THEN
			de_flux := l[j];
		ELSIF l[j] OPERATOR(pg_catalog.~) '^SQL function "' AND EXISTS (
				SELECT FROM public.leurre_fonction_sql s
				 WHERE pg_catalog.starts_with(l[j], pg_catalog.concat('SQL function "', s.nom, '" '))) THEN
			de_flux := l[j];
		ELSIF l[j] OPERATOR(pg_catalog.~) '^SQL statement "' AND (j OPERATOR(pg_catalog.=) n OR l[j OPERATOR(pg_catalog.+) 1] OPERATOR(pg_catalog.!~) '^PL/pgSQL function ') THEN
			de_flux := l[j];
		END IF;
		EXIT WHEN de_flux IS NOT NULL;
	END LOOP;
	IF de_flux IS NULL THEN
		PERFORM pg_catalog.set_config(cle, 'hors_flux', false);
		PERFORM pg_catalog.nextval('public.leurre_hors_flux');
		RETURN true;
	END IF;
	-- a WARNING for the first three runs of each decoy (the count goes on)
	IF pg_catalog.nextval(pg_catalog.format('public.leurre_%s', leurre)) OPERATOR(pg_catalog.>) 3 THEN
		RETURN true;
	END IF;
	RAISE WARNING 'leurre % (%) run from flux code: %', leurre,
		(SELECT x.objet FROM public.leurre x WHERE x.id OPERATOR(pg_catalog.=) leurre),
		pg_catalog.left(pg_catalog.regexp_replace(de_flux, '\s+', ' ', 'g'), 240)
		USING DETAIL = pg_catalog.array_to_string(l[2:n], ' <- ');
	RETURN true;
END
$f$;

-- the body every PL/pgSQL decoy starts with: the fast path (a call from a
-- top-level statement has one frame, the decoy's; a context already judged
-- not flux's) costs a few microseconds.  Every name is qualified, and no
-- construct that looks an operator up by name (IS DISTINCT FROM, IN, CASE x
-- WHEN, NULLIF) is used: the decoys run under the hostile path.
CREATE FUNCTION public.leurre_entree(i integer) RETURNS text LANGUAGE sql IMMUTABLE
	RETURN pg_catalog.format('DECLARE c pg_catalog.text; n pg_catalog.int8; BEGIN GET DIAGNOSTICS c = PG_CONTEXT; '
		'IF pg_catalog.strpos(c, E''\n'') OPERATOR(pg_catalog.>) 0 AND coalesce(pg_catalog.current_setting(pg_catalog.concat(''leurres.c'', pg_catalog.md5(c)), true), '''') OPERATOR(pg_catalog.<>) ''hors_flux'' '
		'THEN n := pg_catalog.length(public.leurre_noter(%s, c)::pg_catalog.text); '
		'ELSE n := pg_catalog.nextval(''public.leurre_hors_flux''::pg_catalog.regclass); END IF; ', i);

-- leurre_planter(genre, famille, objet, cible) -> id, with its sequence
CREATE FUNCTION public.leurre_inscrire(genre text, famille text, objet text, cible text) RETURNS integer
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
	i integer := nextval('public.leurre_id');
BEGIN
	INSERT INTO public.leurre VALUES (i, genre, famille, objet, cible);
	EXECUTE format('CREATE SEQUENCE public.leurre_%s', i);
	EXECUTE format('GRANT USAGE ON SEQUENCE public.leurre_%s TO PUBLIC', i);
	RETURN i;
END
$f$;

CREATE FUNCTION public.leurre_types(oidvector) RETURNS text
	LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
	RETURN (SELECT string_agg(format_type(t, NULL), ',' ORDER BY k) FROM unnest($1::oid[]) WITH ORDINALITY u(t, k));

-- f's arguments with their defaults, the input ones unnamed (a PL/pgSQL
-- function cannot have an input and an output of the same name)
CREATE FUNCTION public.leurre_arguments(f regprocedure) RETURNS text
	LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
	p pg_proc;
	r text[] := '{}';
	modes "char"[];
	types oid[];
	entree integer := 0;
BEGIN
	SELECT * INTO p FROM pg_proc WHERE oid = f;
	types := coalesce(p.proallargtypes, (SELECT array_agg(t ORDER BY k) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, k)));
	modes := coalesce(p.proargmodes, array_fill('i'::"char", ARRAY[coalesce(array_length(types, 1), 0)]));
	FOR k IN 1 .. coalesce(array_length(types, 1), 0) LOOP
		CONTINUE WHEN modes[k] = 't';
		IF modes[k] = 'o' THEN
			r := array_append(r, format('OUT %I %s', p.proargnames[k], format_type(types[k], NULL)));
		ELSE
			entree := entree + 1;
			r := array_append(r, concat_ws(' ', CASE modes[k] WHEN 'v' THEN 'VARIADIC' WHEN 'b' THEN 'INOUT' END,
								format_type(types[k], NULL),
								'DEFAULT ' || pg_get_function_arg_default(f, entree)));
		END IF;
	END LOOP;
	RETURN array_to_string(r, ', ');
END
$f$;

-- ---------------------------------------------------------------------------
-- Functions: a PL/pgSQL decoy of the same signature in public that notes the
-- call and forwards it to the real one.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.leurre_fonction(f regprocedure, famille text) RETURNS integer
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
	p pg_proc;
	i integer;
	args text := '';
	corps text;
	sig text;
	cible text;
BEGIN
	SELECT * INTO p FROM pg_proc WHERE oid = f;
	cible := format('%I.%I', (SELECT nspname FROM pg_namespace WHERE oid = p.pronamespace), p.proname);
	FOR k IN 1 .. p.pronargs LOOP
		args := args || CASE WHEN k > 1 THEN ', ' ELSE '' END
			|| CASE WHEN k = p.pronargs AND p.provariadic <> 0 THEN 'VARIADIC ' ELSE '' END || '$' || k;
	END LOOP;
	i := public.leurre_inscrire('fonction', famille, '?', f::text);
	corps := public.leurre_entree(i);
	IF p.proretset THEN
		corps := corps || format('RETURN QUERY SELECT * FROM %s(%s); RETURN; END', cible, args);
	ELSIF p.proallargtypes IS NOT NULL THEN	-- OUT parameters, one row
		corps := corps || format('SELECT * INTO %s FROM %s(%s); RETURN; END',
			(SELECT string_agg(quote_ident(p.proargnames[k]), ', ' ORDER BY k)
			   FROM generate_subscripts(p.proargmodes, 1) k WHERE p.proargmodes[k] IN ('o', 'b')),
			cible, args);
	ELSIF p.prorettype = 'void'::regtype THEN
		corps := corps || format('PERFORM %s(%s); END', cible, args);
	ELSE
		corps := corps || format('RETURN %s(%s); END', cible, args);
	END IF;
	EXECUTE format('CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE plpgsql %s %s PARALLEL UNSAFE AS %L',
				   p.proname, public.leurre_arguments(f), pg_get_function_result(f),
				   CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END,
				   CASE WHEN p.proisstrict THEN 'STRICT' ELSE 'CALLED ON NULL INPUT' END, corps);
	sig := format('public.%I(%s)', p.proname, public.leurre_types(p.proargtypes))::regprocedure::text;
	UPDATE public.leurre SET objet = sig WHERE id = i;
	IF p.pronamespace = 'flux'::regnamespace THEN
		-- as a frame prints it: qualified when hidden, and as the hostile path sees it
		INSERT INTO public.leurre_relais VALUES (sig);
		PERFORM set_config('search_path', 'public, pg_catalog, flux', true);
		INSERT INTO public.leurre_relais SELECT format('public.%I(%s)', p.proname, public.leurre_types(p.proargtypes))::regprocedure::text
		ON CONFLICT DO NOTHING;
		PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
	END IF;
	RETURN i;
END
$f$;

-- ---------------------------------------------------------------------------
-- Aggregates: the same transition, a PL/pgSQL final function that notes the
-- call.  An internal state cannot reach PL/pgSQL: the few such aggregates
-- flux names get a state of plain type computing the same result.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.leurre_agregat(f regprocedure, famille text) RETURNS integer
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
	a pg_aggregate;
	p pg_proc;
	i integer;
	sfunc text;
	stype text;
	initcond text;
	finale text;
	sig text;
BEGIN
	SELECT * INTO a FROM pg_aggregate WHERE aggfnoid = f;
	SELECT * INTO p FROM pg_proc WHERE oid = f;
	sig := public.leurre_types(p.proargtypes);
	IF a.aggkind <> 'n' THEN
		RETURN NULL;
	END IF;
	IF a.aggtranstype <> 'internal'::regtype AND NOT a.aggfinalextra THEN
		sfunc := a.aggtransfn::regprocedure::text;
		sfunc := (SELECT format('%I.%I', n.nspname, q.proname) FROM pg_proc q JOIN pg_namespace n ON n.oid = q.pronamespace
				   WHERE q.oid = a.aggtransfn);
		stype := format_type(a.aggtranstype, NULL);
		initcond := a.agginitval;
		finale := CASE WHEN a.aggfinalfn <> 0
					   THEN (SELECT format('%I.%I', n.nspname, q.proname) FROM pg_proc q JOIN pg_namespace n ON n.oid = q.pronamespace
							  WHERE q.oid = a.aggfinalfn) END;
	ELSIF f = 'pg_catalog.sum(bigint)'::regprocedure THEN
		sfunc := 'pg_catalog.int8_sum'; stype := 'numeric';
	ELSIF f = 'pg_catalog.sum(numeric)'::regprocedure THEN
		sfunc := 'pg_catalog.numeric_add'; stype := 'numeric';
	ELSIF f = 'pg_catalog.array_agg(anynonarray)'::regprocedure THEN
		sfunc := 'public.leurre_array_agg_sf'; stype := 'anyarray';
	ELSIF f = 'pg_catalog.string_agg(text,text)'::regprocedure THEN
		sfunc := 'public.leurre_string_agg_sf'; stype := 'text';
	ELSE
		INSERT INTO public.leurre_manque VALUES (f::text, 'internal state');
		RETURN NULL;
	END IF;
	i := public.leurre_inscrire('agregat', famille, format('public.%I(%s)', p.proname, sig), f::text);
	EXECUTE format('CREATE FUNCTION public.leurre_fin_%s(s %s) RETURNS %s LANGUAGE plpgsql PARALLEL UNSAFE AS %L',
				   i, stype, pg_get_function_result(f),
				   public.leurre_entree(i) || format('RETURN %s; END', coalesce(finale || '(s)', 's')));
	BEGIN
		EXECUTE format('CREATE AGGREGATE public.%I(%s) (SFUNC = %s, STYPE = %s, FINALFUNC = public.leurre_fin_%s%s)',
					   p.proname, CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_get_function_arguments(f) END,
					   sfunc, stype, i,
					   CASE WHEN initcond IS NOT NULL THEN format(', INITCOND = %L', initcond) ELSE '' END);
	EXCEPTION WHEN OTHERS THEN
		DELETE FROM public.leurre WHERE id = i;
		INSERT INTO public.leurre_manque VALUES (f::text, SQLERRM);
		RETURN NULL;
	END;
	RETURN i;
END
$f$;
CREATE FUNCTION public.leurre_array_agg_sf(s anyarray, v anynonarray) RETURNS anyarray
	LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE AS 'BEGIN RETURN pg_catalog.array_append(s, v); END';
CREATE FUNCTION public.leurre_string_agg_sf(s text, v text, d text) RETURNS text
	LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE AS $f$
BEGIN
	IF v IS NULL THEN RETURN s; END IF;
	IF s IS NULL THEN RETURN v; END IF;
	RETURN pg_catalog.textcat(pg_catalog.textcat(s, coalesce(d, '')), v);
END
$f$;

-- ---------------------------------------------------------------------------
-- Operators: an exact-signature operator in public over a PL/pgSQL function
-- that notes the call and calls the real operator's function.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.leurre_operateur(o regoperator, gauche regtype, droite regtype, resultat regtype, famille text) RETURNS integer
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
	r pg_operator;
	p pg_proc;
	i integer;
	sig text;
	code text;
BEGIN
	SELECT * INTO r FROM pg_operator WHERE oid = o;
	SELECT * INTO p FROM pg_proc WHERE oid = r.oprcode;
	sig := format('public.%s(%s,%s)', r.oprname, coalesce(format_type(gauche, NULL), 'NONE'), format_type(droite, NULL));
	IF EXISTS (SELECT FROM public.leurre x WHERE x.objet = sig) THEN
		RETURN NULL;
	END IF;
	code := format('%I.%I', (SELECT nspname FROM pg_namespace WHERE oid = p.pronamespace), p.proname);
	i := public.leurre_inscrire('operateur', famille, sig, o::text);
	EXECUTE format('CREATE FUNCTION public.leurre_o%s(%s) RETURNS %s LANGUAGE plpgsql %s %s PARALLEL UNSAFE AS %L',
				   i, concat_ws(', ', format_type(gauche, NULL), format_type(droite, NULL)), format_type(resultat, NULL),
				   CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END,
				   CASE WHEN p.proisstrict THEN 'STRICT' ELSE 'CALLED ON NULL INPUT' END,
				   public.leurre_entree(i) || format('RETURN %s(%s); END', code,
						  CASE WHEN gauche IS NULL THEN '$1' ELSE '$1, $2' END));
	EXECUTE format('CREATE OPERATOR public.%s (%sRIGHTARG = %s, FUNCTION = public.leurre_o%s%s%s)',
				   r.oprname, CASE WHEN gauche IS NULL THEN '' ELSE format('LEFTARG = %s, ', format_type(gauche, NULL)) END,
				   format_type(droite, NULL), i,
				   CASE WHEN r.oprrest <> 0 THEN format(', RESTRICT = %s', r.oprrest::regproc) ELSE '' END,
				   CASE WHEN r.oprjoin <> 0 THEN format(', JOIN = %s', r.oprjoin::regproc) ELSE '' END);
	RETURN i;
END
$f$;

-- ---------------------------------------------------------------------------
-- Relations: registered here, planted per session (pg_temp) by
-- public.leurre_relations(), which test/leurres/session.sql calls: a view of
-- the same name over flux's relation, automatically updatable where flux's
-- is a table, whose WHERE notes each query that reads it.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.leurre_relations() RETURNS integer
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
	r record;
	n integer := 0;
BEGIN
	FOR r IN SELECT x.id, c.relname, c.relkind FROM public.leurre x JOIN pg_class c ON c.oid = x.cible::regclass
			  WHERE x.genre = 'relation' ORDER BY x.id LOOP
		EXECUTE format('CREATE TEMP VIEW %I AS SELECT * FROM flux.%I WHERE (SELECT public.leurre_noter(%s))%s',
					   r.relname, r.relname, r.id,
					   CASE WHEN r.relkind IN ('r', 'p') THEN ' WITH CASCADED CHECK OPTION' ELSE '' END);
		n := n + 1;
	END LOOP;
	RETURN n;
END
$f$;

-- ---------------------------------------------------------------------------
-- Planting
-- ---------------------------------------------------------------------------
DO $plant$
DECLARE
	-- the operator and function names flux's bodies use (and a few more)
	ops text[] := '{=,<>,<,<=,>,>=,+,-,*,/,%,||,~~,!~~,~~*,~,!~,@>,<@,&&}';
	fns text[] := '{abs,age,array_length,array_position,array_remove,array_to_string,btrim,cardinality,ceil,chr,'
				  'current_setting,date_part,date_trunc,floor,format,generate_series,hashint8,hashtext,isempty,'
				  'isfinite,left,length,lower,lpad,make_date,make_interval,now,pg_advisory_xact_lock,replace,'
				  'right,round,rpad,set_config,split_part,string_to_array,strpos,substr,to_char,to_regclass,'
				  'trim_scale,trunc,unnest,upper}';
	aggs text[] := '{count,sum,min,max,avg,array_agg,string_agg,bool_or,bool_and}';
	plains regtype[] := '{smallint,integer,bigint,numeric,double precision,real,text,character varying,character,'
						'boolean,date,timestamp without time zone,timestamp with time zone,interval,"char",name,daterange}';
	arrays regtype[] := '{smallint,integer,bigint,numeric,text,date,boolean}';
	poly_s regtype[] := '{anyelement,anynonarray,anyenum,anycompatible,anycompatiblenonarray}';
	poly_a regtype[] := '{anyarray,anycompatiblearray}';
	f record;
	t record;
	o record;
	g regtype;
	d regtype;
	res regtype;
BEGIN
	-- 1. every function and aggregate of flux
	FOR f IN SELECT p.oid, p.proname, p.prokind FROM pg_proc p
			  WHERE p.pronamespace = 'flux'::regnamespace AND p.prokind IN ('f', 'a')
				AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype, 'internal'::regtype, 'cstring'::regtype)
				AND NOT (p.proargtypes::oid[] && ARRAY['internal'::regtype, 'cstring'::regtype, '"any"'::regtype]::oid[])
			  ORDER BY p.proname, p.oid LOOP
		IF f.prokind = 'a' THEN
			PERFORM public.leurre_agregat(f.oid, format('public.%I(…) (aggregate, as flux.%I)', f.proname, f.proname));
		ELSE
			PERFORM public.leurre_fonction(f.oid, format('public.%I(…) (as flux.%I)', f.proname, f.proname));
		END IF;
	END LOOP;

	-- trigger functions: a dummy of the same name in public, never called, so
	-- that a frame of flux's shows as flux.f() (a hidden function is printed
	-- qualified)
	FOR f IN SELECT p.oid, p.proname FROM pg_proc p
			  WHERE p.pronamespace = 'flux'::regnamespace AND p.prorettype = 'trigger'::regtype AND p.pronargs = 0
			  ORDER BY p.proname LOOP
		EXECUTE format('CREATE FUNCTION public.%I() RETURNS trigger LANGUAGE plpgsql AS ''BEGIN RETURN NULL; END''', f.proname);
	END LOOP;

	-- 2. operators on flux types: flux's own, and pg_catalog's polymorphic
	--    ones instantiated on each flux type and its array
	FOR o IN SELECT r.oid, nullif(r.oprleft, 0)::regtype AS l, r.oprright::regtype AS r, r.oprresult::regtype AS res
			  FROM pg_operator r WHERE r.oprnamespace = 'flux'::regnamespace ORDER BY r.oid LOOP
		PERFORM public.leurre_operateur(o.oid, o.l, o.r, o.res, format('public operators on %s and %s[]', coalesce(o.l, o.r), coalesce(o.l, o.r)));
	END LOOP;
	FOR t IN SELECT y.oid::regtype AS t, y.typarray::regtype AS ta, y.typtype FROM pg_type y
			  WHERE y.typnamespace = 'flux'::regnamespace AND y.typtype IN ('b', 'e', 'd') AND y.typelem = 0
			  UNION ALL
			  SELECT y.oid::regtype, y.typarray::regtype, 'p' FROM unnest(plains) u JOIN pg_type y ON y.oid = u
			  ORDER BY 1 LOOP
		FOR o IN SELECT r.oid, r.oprname, nullif(r.oprleft, 0)::regtype AS l, r.oprright::regtype AS r, r.oprresult::regtype AS res
				  FROM pg_operator r
				 WHERE r.oprnamespace = 'pg_catalog'::regnamespace AND r.oprname = ANY (ops)
				   AND (r.oprleft = ANY (poly_s || poly_a) OR r.oprright = ANY (poly_s || poly_a))
				 ORDER BY r.oid LOOP
			-- anyenum fits enums only; plain types: array operators on the listed arrays
			CONTINUE WHEN (o.l = 'anyenum'::regtype OR o.r = 'anyenum'::regtype) AND t.typtype <> 'e';
			CONTINUE WHEN (o.l = ANY (poly_a) OR o.r = ANY (poly_a)) AND t.typtype = 'p' AND NOT t.t = ANY (arrays);
			g := CASE WHEN o.l = ANY (poly_s) THEN t.t WHEN o.l = ANY (poly_a) THEN t.ta ELSE o.l END;
			d := CASE WHEN o.r = ANY (poly_s) THEN t.t WHEN o.r = ANY (poly_a) THEN t.ta ELSE o.r END;
			res := CASE WHEN o.res = ANY (poly_s) THEN t.t WHEN o.res = ANY (poly_a) THEN t.ta ELSE o.res END;
			PERFORM public.leurre_operateur(o.oid, g, d, res,
				CASE WHEN t.typtype = 'p' THEN format('public.%s on plain types', o.oprname)
					 ELSE format('public operators on %s and %s[]', t.t, t.t) END);
		END LOOP;
	END LOOP;

	-- 3. pg_catalog's operators and functions on plain types
	FOR o IN SELECT r.oid, r.oprname, nullif(r.oprleft, 0)::regtype AS l, r.oprright::regtype AS r, r.oprresult::regtype AS res
			  FROM pg_operator r
			 WHERE r.oprnamespace = 'pg_catalog'::regnamespace AND r.oprname = ANY (ops)
			   AND (r.oprleft = 0 OR r.oprleft = ANY (plains)) AND r.oprright = ANY (plains)
			 ORDER BY r.oprname, r.oprleft, r.oprright LOOP
		PERFORM public.leurre_operateur(o.oid, o.l, o.r, o.res, format('public.%s on plain types', o.oprname));
	END LOOP;
	FOR f IN SELECT p.oid, p.proname, p.prokind FROM pg_proc p
			  WHERE p.pronamespace = 'pg_catalog'::regnamespace
				AND ((p.prokind = 'f' AND p.proname = ANY (fns)) OR (p.prokind = 'a' AND p.proname = ANY (aggs)))
				AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype, 'internal'::regtype,
										 'cstring'::regtype, 'record'::regtype)
				AND NOT (p.proargtypes::oid[] && ARRAY['internal'::regtype, 'cstring'::regtype, '"any"'::regtype,
													   'record'::regtype]::oid[])
				AND p.proallargtypes IS NULL
			  ORDER BY p.proname, p.oid LOOP
		IF f.prokind = 'a' THEN
			PERFORM public.leurre_agregat(f.oid, format('public.%I(…) (aggregate)', f.proname));
		ELSE
			PERFORM public.leurre_fonction(f.oid, format('public.%I(…)', f.proname));
		END IF;
	END LOOP;

	-- 4. relations (planted per session)
	FOR f IN SELECT c.oid::regclass AS c, c.relname FROM pg_class c
			  WHERE c.relnamespace = 'flux'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
			  ORDER BY c.relname LOOP
		PERFORM public.leurre_inscrire('relation', format('pg_temp.%I', f.relname), format('pg_temp.%I', f.relname), f.c::text);
	END LOOP;
END
$plant$;

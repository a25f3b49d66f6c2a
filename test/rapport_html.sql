--
-- rapport_html (issue 15 item 7): the HTML bilan is complete and in French
-- typography, on the sample year of test/rapport_html_donnees.psql (the
-- year of test/bilan_parts.sql, whose figures are computed by hand there,
-- renumbered 93xx, with a very long réservataire name, an EPCI by name and
-- a mutation forecast).  test/rapport_html.sh checks the same page in
-- headless Chromium (labels in their boxes, A4 width, page breaks).
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(24);

\ir rapport_html_donnees.psql
SET client_min_messages = warning;

CREATE TEMP TABLE page AS SELECT rapport_html(9300, '74', 2025) AS h;
-- the text a reader sees (no style, no markup)
CREATE TEMP VIEW texte AS
SELECT regexp_replace(regexp_replace(h, '<style>.*</style>', ''), '<[^>]*>', ' ', 'g') AS t FROM page;

-- the French numbers
SELECT is(nombre_fr(1234567.891), '1' || chr(8239) || '234' || chr(8239) || '567,89',
		  'nombre_fr: decimal comma, narrow no-break space between thousands, two decimals at most');
SELECT is(ARRAY[nombre_fr(50.00), nombre_fr(37.50), nombre_fr(-0.40), nombre_fr(0), nombre_fr(999)],
		  '{50,"37,5","-0,4",0,999}', 'nombre_fr: no trailing zero, the sign kept');
SELECT is(pourcent_fr(33.33), '33,33' || chr(8239) || '%', 'pourcent_fr: 33,33 and a narrow no-break space before %');
SELECT is(ARRAY[accord_fr(0, 'proposé', 'proposés'), accord_fr(1, 'proposé', 'proposés'), accord_fr(1.5, 'dû', 'dus'),
				accord_fr(2, 'proposé', 'proposés')],
		  '{"0 proposé","1 proposé","1,5 dû","2 proposés"}', 'accord_fr: singular below 2, plural from 2');
SELECT is(ARRAY[date_fr('2026-12-01'), date_fr('2025-08-15'), date_fr('2025-02-28')],
		  '{"1er décembre 2026","15 août 2025","28 février 2025"}', 'date_fr: the date in French words, 1er');
SELECT ok((SELECT array_to_string(l, ' ') = n AND 38 >= ALL (SELECT length(x) FROM unnest(l) x) AND cardinality(l) = 4
			 FROM (SELECT nom AS n, lignes_libelle(nom, 38) AS l FROM reservataire WHERE id = 9304) z),
		  'lignes_libelle: the long name on 4 lines of at most 38 characters, every word kept');

-- the page
SELECT ok(xml_is_well_formed_document(h) AND h LIKE '<!DOCTYPE html>%', 'the page is well-formed XHTML') FROM page;
SELECT is((SELECT array_agg(m[1] ORDER BY k) FROM page, regexp_matches(h, '<section id="([a-z-]+)">', 'g') WITH ORDINALITY x(m, k)),
		  '{parts,etapes,obligations,repartition,hors-flux}', 'the sections: shares, stages, obligations, breakdowns, hors flux');
SELECT ok(h ~ '@page\{size:A4;' AND h ~ 'section\{break-before:page;page-break-before:always', 'printed on A4, a page per section')
  FROM page;
-- the heading: period, date of issue, bailleur and SIREN, territory, EPCI by name
SELECT ok(t ~ 'Période\s+du 1er janvier 2025 au 31 décembre 2025', 'the period') FROM texte;
SELECT ok(t ~ ('Date d''émission\s+' || date_fr(CURRENT_DATE)), 'the date of issue, in French') FROM texte;
SELECT ok(strpos(t, 'Office du rapport, SIREN 900093000') > 0, 'the bailleur and its SIREN') FROM texte;
SELECT ok(strpos(t, 'département 74 ; communes : Publier, Thonon-les-Bains') > 0
		  AND strpos(t, 'Thonon Agglomération (rapport) (SIREN 200067551)') > 0, 'the territory and the EPCI by name') FROM texte;
-- the State's DALO rate: 1 DALO of its 3 attributions = 33,33 % (2 of 3 priority: 66,67 %)
SELECT ok(strpos(substring(h FROM strpos(h, '<h3>Etat (rapport)</h3>')),
				 '<td>attributions du réservataire aux ménages prioritaires (DALO, L. 441-1)</td><td class="n">2 sur 3</td><td class="n">66,67'
				 || chr(8239) || '%</td><td class="n">25' || chr(8239) || '%</td><td>atteint</td><td class="n"></td><td class="n">1 (33,33'
				 || chr(8239) || '%)</td>') > 0,
		  'the State''s priority obligation: 2 sur 3, 66,67 %, and its DALO rate 1 (33,33 %)') FROM page;
-- singular and plural: the employer 0 proposé and 0,4 dû, Publier 1 proposé, the State 4 proposés and 2,4 dus
SELECT ok(strpos(h, '>0 proposé<') > 0 AND strpos(h, '>1 proposé<') > 0 AND strpos(h, '>4 proposés<') > 0
		  AND strpos(h, '>0,4 dû<') > 0 AND strpos(h, '>2,4 dus<') > 0 AND strpos(h, '8 logements, chacun') > 0,
		  'counts agreed: 0 proposé, 1 proposé, 4 proposés, 0,4 dû, 2,4 dus') FROM page;
-- a failing obligation is marked, even at 0 %: Action Logement in QPV 0/1 against 70 %
SELECT ok(substring(h FROM strpos(h, '<h3>Action Logement (rapport)</h3>')) ~ ('^<h3>Action Logement \(rapport\)</h3><svg [^<]*'
				|| '(<text [^>]*>(<tspan [^>]*>[^<]*</tspan>)+</text>|<rect [^>]*/>|<line [^>]*/>|<path [^>]*/>)*'
				|| '<text [^>]*><tspan [^>]*>attributions en QPV aux quartiles 2 à</tspan>'
				|| '<tspan x="0" dy="14">4 \(objectif CIA\)</tspan></text><rect [^>]*/><rect [^>]*width="0.0"[^>]*/><line [^>]*/>'
				|| '<path [^>]*class="croix"/><text [^>]*class="valeur non-atteint"[^>]*><tspan x="540" dy="0">0' || chr(8239)
				|| '%</tspan><tspan x="540" dy="14">objectif 70' || chr(8239) || '%</tspan><tspan x="540" dy="14">non atteint</tspan>'),
		  'Action Logement''s QPV obligation at 0 %: an empty gauge, a cross and non atteint in its chart') FROM page;
-- one cross per failing obligation with attributions: Action Logement (QPV), Publier (x2), the territory (QPV)
SELECT is((SELECT count(*) FROM page, regexp_matches(h, 'class="croix"', 'g')), 4::bigint,
		  'a cross on each of the 4 failing obligations');
SELECT is((SELECT count(*) FROM page, regexp_matches(h, '<td class="non-atteint">non atteint</td>', 'g')), 4::bigint,
		  'non atteint in the table for the same 4');
-- the long name whole in the chart (wrapped in tspans), whole in the tables
SELECT ok(strpos(regexp_replace(h, '</tspan><tspan x="0" dy="14">', ' ', 'g'),
				 '>Groupement interprofessionnel des employeurs du bassin lémanique pour le logement des salariés saisonniers (rapport)</tspan>') > 0,
		  'the long name is a whole chart label') FROM page;
SELECT ok(t !~ '[0-9]\.[0-9]' AND t !~ ('[^' || chr(8239) || ']%'), 'no decimal point; every % after a narrow no-break space') FROM texte;
-- the breakdowns, the hors flux bilan and the bailleur's own share
SELECT ok(t ~ 'Typologie .* Financement .* Quartier prioritaire .* Commune .* Période de construction', 'the five breakdowns')
  FROM texte;
SELECT ok(h ~ '<td>mutations internes</td><td class="n">3</td><td class="n">1</td><td class="n">1</td><td class="n">1</td><td class="n">2</td>',
		  'hors flux: 3 mutations forecast, 1 made and leased (a priority household), 2 owed back to the flux') FROM page;
SELECT ok(strpos(t, 'Part propre du bailleur : 1 logement orienté (12,5' || chr(8239) || '% des logements libérés dans le flux), 1 attribué, 1 bail signé') > 0,
		  'the bailleur''s own share: 1 of the 8 units freed') FROM texte;

-- the errors are those of 0.10.0
SELECT throws_ok($$SELECT rapport_html(9300, '74', 2024)$$, 'P0002',
				 'bailleur 9300 has no orientation and no yearly parameters in département 74 for 2024', 'a year without data: P0002');

SELECT * FROM finish();
ROLLBACK;

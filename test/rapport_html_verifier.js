// test/rapport_html_verifier.js: injected by test/rapport_html.sh into a
// copy of flux.rapport_html's page (never into the report itself), run by
// headless Chromium after the layout; writes its TAP into <pre id="tap">,
// which --dump-dom prints.  The copy has its print rules applied to the
// screen (@media print -> @media all) and the window is as wide as the
// printable width of an A4 page (210 mm - 2 x 15 mm = 180 mm = 680 px).
(function () {
	var res = [];
	function ok(c, m) { res.push((c ? 'ok ' : 'not ok ') + (res.length + 1) + ' - ' + m); }
	var svgs = Array.prototype.slice.call(document.querySelectorAll('svg'));
	ok(svgs.length >= 2, 'the report has its charts (' + svgs.length + ' SVG)');
	// every label of every chart inside the zone allotted to it and the viewport
	svgs.forEach(function (svg, si) {
		var vb = svg.viewBox && svg.viewBox.baseVal;
		var W = vb && vb.width ? vb.width : svg.width.baseVal.value;
		var H = vb && vb.height ? vb.height : svg.height.baseVal.value;
		var texts = Array.prototype.slice.call(svg.querySelectorAll('text')), bad = [];
		texts.forEach(function (t) {
			var b = t.getBBox();
			var z = (t.getAttribute('data-zone') || ('0 ' + W)).split(' ').map(Number);
			if (b.x < z[0] - 0.5 || b.x + b.width > Math.min(z[1], W) + 0.5 || b.y < -0.5 || b.y + b.height > H + 0.5)
				bad.push('"' + t.textContent + '" [' + Math.round(b.x) + ', ' + Math.round(b.x + b.width) + '] out of [' + z.join(', ') + ']');
		});
		ok(texts.length > 0 && bad.length === 0,
		   'chart ' + (si + 1) + ': its ' + texts.length + ' labels inside their boxes' + (bad.length ? ': ' + bad.join('; ') : ''));
	});
	// labels never cut: the long name is in the first chart, whole
	var attendu = window.FLUX_NOM_LONG || '';
	var libelles = svgs.length ? Array.prototype.map.call(svgs[0].querySelectorAll('text'), function (t) {
		return Array.prototype.map.call(t.childNodes, function (n) { return n.textContent; }).join(' ');
	}) : [];
	ok(attendu !== '' && libelles.some(function (l) { return l.replace(/\s+/g, ' ') === attendu; }),
	   'the longest name is a chart label, whole (wrapped, not cut)');
	// table cells: no text overflowing its cell
	var cells = Array.prototype.slice.call(document.querySelectorAll('td, th')), over = [];
	cells.forEach(function (c) { if (c.scrollWidth > c.clientWidth + 1) over.push(c.textContent); });
	ok(cells.length > 0 && over.length === 0, 'every table cell holds its text (' + cells.length + ' cells)' +
	   (over.length ? ': ' + over.join('; ') : ''));
	// nothing wider than the printable width of A4
	var wmax = document.documentElement.clientWidth, wide = [];
	Array.prototype.forEach.call(document.querySelectorAll('body *'), function (e) {
		if (e.id === 'tap') return;
		var r = e.getBoundingClientRect();
		if (r.right > wmax + 0.5) wide.push(e.tagName + ' ' + Math.round(r.right) + ' px');
	});
	ok(wide.length === 0 && document.documentElement.scrollWidth <= wmax,
	   'nothing wider than the A4 printable width (' + wmax + ' px)' + (wide.length ? ': ' + wide.slice(0, 5).join('; ') : ''));
	// A4 page, a page break before each section
	var a4 = false;
	Array.prototype.forEach.call(document.styleSheets, function (s) {
		Array.prototype.forEach.call(s.cssRules, function (r) {
			if (r.type === CSSRule.PAGE_RULE && /A4/i.test(r.style.getPropertyValue('size'))) a4 = true;
		});
	});
	ok(a4, 'an @page rule of size A4');
	var sections = Array.prototype.slice.call(document.querySelectorAll('section'));
	ok(sections.length >= 5 && sections.every(function (s) { return getComputedStyle(s).breakBefore === 'page'; }),
	   'printed, each of the ' + sections.length + ' sections begins a page');
	// French numbers: a narrow no-break space before every %, no decimal point
	var texte = document.body.innerText;
	ok(/%/.test(texte) && !/[^\u202f]%/.test(texte), 'every % follows a narrow no-break space');
	ok(!/[0-9]\.[0-9]/.test(texte), 'no decimal point: decimal commas');
	var pre = document.createElement('pre');
	pre.id = 'tap';
	pre.textContent = '\n1..' + res.length + '\n' + res.join('\n') + '\n';
	document.body.appendChild(pre);
})();

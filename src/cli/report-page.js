// The report page's drawing (report.ts inlines it): reads the data report-data.ts gathered from
// the page's JSON block and draws each map as SVG. Everything from the traced program goes in as
// text (textContent, attribute values), never as markup. No library, nothing loaded.
/* global document */
'use strict';
(function () {
  const NS = 'http://www.w3.org/2000/svg';
  const WIDTH = 960;
  const ROW = 18;
  const LABEL = 300;
  const data = JSON.parse(document.getElementById('jsprobe-data').textContent);

  function html(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function tip(e, text) {
    e.appendChild(svg('title', {}, text));
    return e;
  }

  function num(v) {
    return typeof v === 'number' ? v : Number(v);
  }

  /** A value as the text format prints it: integers whole, others to 6 significant digits. */
  function fmt(v) {
    const n = num(v);
    if (typeof v === 'string' && Number.isNaN(n)) return v;
    if (!Number.isFinite(n) || Number.isInteger(n)) return String(n);
    return String(Number(n.toPrecision(6)));
  }

  /** 1024 → 1K, as bpftrace labels a power of two. */
  function power(n) {
    const suffix = ['', 'K', 'M', 'G', 'T', 'P', 'E'];
    let s = 0;
    while (n >= 1024 && n % 1024 === 0 && s < suffix.length - 1) {
      n /= 1024;
      s++;
    }
    return fmt(n) + suffix[s];
  }

  /** A key on one line, cut to fit its column; the whole key is the row's tooltip. */
  function oneLine(s, max) {
    const t = s.replace(/\s*\n\s*/g, ' ; ').trim();
    return t.length > max ? t.slice(0, max - 1) + '…' : t;
  }

  function colour(name) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return 'hsl(' + (10 + (h % 45)) + ',' + (70 + (h % 20)) + '%,' + (55 + (h % 12)) + '%)';
  }

  const PALETTE = ['#3f7fd9', '#d9503f', '#2e9d5b', '#9b59b6', '#e39b28', '#17a2b8', '#7f8c8d', '#c0392b'];

  /** Horizontal bars: rows of [label, value, tooltip]; `marks` puts percentile ticks on rows. */
  function barChart(rows, marks) {
    const max = rows.reduce((m, r) => Math.max(m, Number.isFinite(r[1]) ? Math.abs(r[1]) : 0), 0);
    // Room on the right for the value's text and the percentile ticks.
    const area = WIDTH - LABEL - 200;
    const s = svg('svg', { width: WIDTH, height: rows.length * ROW + 4, class: 'chart bars' });
    rows.forEach((r, i) => {
      const y = i * ROW + 2;
      const w = max > 0 && Number.isFinite(r[1]) ? Math.max(1, (Math.abs(r[1]) / max) * area) : 0;
      const label = svg('text', { x: LABEL - 6, y: y + 12, 'text-anchor': 'end' }, oneLine(r[0], 44));
      s.appendChild(tip(label, r[2] || r[0]));
      s.appendChild(tip(svg('rect', { class: 'bar', x: LABEL, y: y + 2, width: w, height: ROW - 4 }), r[0] + ': ' + fmt(r[1])));
      s.appendChild(svg('text', { x: LABEL + w + 4, y: y + 12 }, fmt(r[1])));
      (marks && marks[i] || []).forEach((m, j) => {
        const x = WIDTH - 112 + j * 37;
        s.appendChild(svg('line', { class: 'pmark', x1: x, x2: x + 8, y1: y + ROW / 2, y2: y + ROW / 2 }));
        s.appendChild(svg('text', { class: 'ptext', x: x + 10, y: y + 12 }, m));
      });
    });
    return s;
  }

  function more(n, total, what) {
    if (!(n > 0)) return null;
    return html('p', { class: 'note more' }, '… and ' + n + ' more ' + what + (total !== undefined ? ' (' + fmt(total) + ' in all)' : ''));
  }

  function bucketLabel(b) {
    const lo = b.min === null ? '(...' : '[' + power(b.min);
    const hi = b.max === null ? '...)' : power(b.max) + ')';
    // As the text format says them (agg/hist.ts): [0, 1) and [1, 2) hold fractions too, not 0 and 1 alone.
    return lo + ', ' + hi;
  }

  /** Buckets from the first non-empty one to the last, with the empty span between shown as one row. */
  function filled(buckets) {
    const out = [];
    buckets.forEach((b) => {
      const prev = out[out.length - 1];
      if (prev && prev.max !== null && b.min !== null && b.min > prev.max) out.push({ min: prev.max, max: b.min, count: 0 });
      out.push(b);
    });
    return out;
  }

  /** The row (bucket) each percentile falls in: a tick there, labelled. */
  function percentileMarks(buckets, p) {
    const marks = buckets.map(() => []);
    if (!p) return marks;
    ['p50', 'p90', 'p99'].forEach((name) => {
      const v = num(p[name]);
      if (Number.isNaN(v)) return;
      let i = buckets.findIndex((b) => (b.min === null || v >= b.min) && (b.max === null || v < b.max));
      if (i < 0) i = v < (buckets[0].min ?? -Infinity) ? 0 : buckets.length - 1;
      marks[i].push(name);
    });
    return marks;
  }

  function drawHist(sec, chart) {
    chart.hists.forEach((h) => {
      if (h.key !== null) sec.appendChild(html('h3', { class: 'mono' }, oneLine(h.key, 120)));
      const buckets = filled(h.buckets);
      const rows = buckets.map((b) => [bucketLabel(b), b.count]);
      const s = barChart(rows, percentileMarks(buckets, h.percentiles));
      s.classList.add('hist');
      sec.appendChild(s);
      const p = h.percentiles;
      const text = p ? 'p50 ' + fmt(p.p50) + ', p90 ' + fmt(p.p90) + ', p99 ' + fmt(p.p99) : 'no numeric values';
      sec.appendChild(html('p', { class: 'note percentiles mono' }, text));
      if (p && p.clamped > 0) sec.appendChild(html('p', { class: 'note warn' }, approximate(p.clamped)));
    });
    const m = more(chart.more, undefined, 'histograms (keys with fewer values)');
    if (m) sec.appendChild(m);
  }

  /** As the text format says it (quantiles.ts). */
  function approximate(n) {
    return '(approximate: ' + n + ' value' + (n === 1 ? '' : 's') + ' past the percentile memory budget)';
  }

  function drawStats(sec, chart) {
    const clamped = chart.rows.reduce((n, r) => n + (num(r[1].clamped) > 0 ? num(r[1].clamped) : 0), 0);
    if (clamped > 0) sec.appendChild(html('p', { class: 'note warn' }, approximate(clamped)));
    const single = chart.rows.length === 1 && chart.rows[0][0] === '';
    if (single) {
      const st = chart.rows[0][1];
      const rows = ['min', 'p50', 'average', 'p90', 'p99', 'max'].map((k) => [k, num(st[k])]);
      sec.appendChild(barChart(rows));
      sec.appendChild(html('p', { class: 'note mono' }, 'count ' + fmt(st.count) + ', total ' + fmt(st.total)));
      return;
    }
    const rows = chart.rows.map(([k, st]) => [k, num(st.count), k + '\ncount ' + fmt(st.count) + ', average ' + fmt(st.average) +
      ', p50 ' + fmt(st.p50) + ', p90 ' + fmt(st.p90) + ', p99 ' + fmt(st.p99) + ', max ' + fmt(st.max)]);
    sec.appendChild(barChart(rows));
    const t = html('table', { class: 'stats mono' });
    const head = html('tr');
    ['key', 'count', 'average', 'min', 'p50', 'p90', 'p99', 'max', 'total'].forEach((k, i) => head.appendChild(html('th', i ? { class: 'num' } : {}, k)));
    t.appendChild(head);
    chart.rows.forEach(([k, st]) => {
      const tr = html('tr');
      tr.appendChild(html('td', {}, oneLine(k, 80)));
      ['count', 'average', 'min', 'p50', 'p90', 'p99', 'max', 'total'].forEach((f) => tr.appendChild(html('td', { class: 'num' }, fmt(st[f]))));
      t.appendChild(tr);
    });
    sec.appendChild(t);
    const m = more(chart.more, undefined, 'keys');
    if (m) sec.appendChild(m);
  }

  function drawTable(sec, chart) {
    const t = html('table', { class: 'values mono' });
    chart.rows.forEach(([k, v]) => {
      const tr = html('tr');
      tr.appendChild(html('td', {}, k));
      tr.appendChild(html('td', {}, typeof v === 'string' ? v : JSON.stringify(v)));
      t.appendChild(tr);
    });
    sec.appendChild(t);
    const m = more(chart.more, undefined, 'keys');
    if (m) sec.appendChild(m);
  }

  /** The stacks as a tree: each node a frame, its value the weight of the stacks through it. */
  function flameTree(stacks) {
    const root = { name: 'all', value: 0, children: new Map(), parent: null, depth: 0 };
    let depth = 0;
    stacks.forEach(([frames, v]) => {
      const w = Number.isFinite(v) && v > 0 ? v : 0;
      let n = root;
      root.value += w;
      frames.forEach((f) => {
        let c = n.children.get(f);
        if (!c) {
          c = { name: f, value: 0, children: new Map(), parent: n, depth: n.depth + 1 };
          n.children.set(f, c);
        }
        c.value += w;
        n = c;
      });
      depth = Math.max(depth, frames.length);
    });
    return { root, depth };
  }

  /** A flame graph, root at the bottom; a click on a frame zooms to it, a click on `all` or a frame below zooms out. */
  function drawFlame(sec, chart) {
    const { root, depth } = flameTree(chart.stacks);
    const height = (depth + 1) * ROW + 4;
    const s = svg('svg', { width: WIDTH, height, class: 'chart flame' });
    const info = html('p', { class: 'note flame-info mono' }, 'click a frame to zoom; click "all" to zoom out');
    const reset = html('button', { type: 'button', class: 'reset' }, 'Reset zoom');
    let focus = root;
    function draw() {
      while (s.firstChild) s.removeChild(s.firstChild);
      s.setAttribute('data-zoom', focus.name);
      const scale = focus.value > 0 ? WIDTH / focus.value : 0;
      // The frames below the focus, full width: they lead to it.
      for (let a = focus.parent; a; a = a.parent) frame(a, 0, WIDTH, true);
      (function place(n, x) {
        const w = n.value * scale;
        if (w < 0.5) return;
        frame(n, x, w, false);
        let cx = x;
        n.children.forEach((c) => {
          place(c, cx);
          cx += c.value * scale;
        });
      })(focus, 0);
    }
    function frame(n, x, w, above) {
      const y = height - (n.depth + 1) * ROW;
      const g = svg('g', {});
      const pct = root.value > 0 ? (100 * n.value / root.value).toFixed(1) + '%' : '';
      const r = svg('rect', { class: 'frame' + (above ? ' above' : ''), x, y, width: Math.max(w - 0.5, 0.5), height: ROW - 1, fill: colour(n.name) });
      r.setAttribute('data-name', n.name);
      g.appendChild(tip(r, n.name + ' — ' + fmt(n.value) + ' (' + pct + ')'));
      const chars = Math.floor((w - 6) / 7);
      const label = n.name.length > chars ? n.name.slice(0, chars - 1) + '…' : n.name;
      if (chars >= 3) g.appendChild(svg('text', { x: x + 3, y: y + 12, 'pointer-events': 'none' }, label));
      r.addEventListener('click', () => {
        focus = n === focus ? (n.parent || root) : n;
        info.textContent = focus === root ? 'click a frame to zoom; click "all" to zoom out' : 'zoomed to ' + focus.name + ' (' + fmt(focus.value) + ')';
        draw();
      });
      s.appendChild(g);
    }
    reset.addEventListener('click', () => {
      focus = root;
      info.textContent = 'click a frame to zoom; click "all" to zoom out';
      draw();
    });
    draw();
    sec.appendChild(reset);
    sec.appendChild(info);
    sec.appendChild(s);
    const m = more(chart.more, chart.moreTotal, 'stacks, the lightest, left out');
    if (m) sec.appendChild(m);
  }

  /** Each print of the map over time: a line for each of its largest series. */
  function drawTimeline(sec, map) {
    const snaps = map.timeline;
    const peak = new Map();
    snaps.forEach((sn) => Object.entries(sn.values).forEach(([k, v]) => peak.set(k, Math.max(peak.get(k) ?? -Infinity, v))));
    const series = [...peak.entries()].sort((a, b) => b[1] - a[1]).slice(0, PALETTE.length).map((e) => e[0]);
    if (series.length === 0 || snaps.length < 2) return;
    sec.appendChild(html('h3', {}, 'over time: ' + snaps.length + ' prints, ' + fmt(snaps[0].t) + ' s to ' + fmt(snaps[snaps.length - 1].t) + ' s'));
    const H = 160;
    const left = 70;
    const t0 = snaps[0].t;
    const t1 = Math.max(snaps[snaps.length - 1].t, t0 + 1e-3);
    let lo = 0;
    let hi = 0;
    series.forEach((k) => snaps.forEach((sn) => {
      const v = sn.values[k];
      if (v !== undefined) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }));
    if (hi === lo) hi = lo + 1;
    const x = (t) => left + ((t - t0) / (t1 - t0)) * (WIDTH - left - 10);
    const y = (v) => 8 + (1 - (v - lo) / (hi - lo)) * (H - 30);
    const s = svg('svg', { width: WIDTH, height: H, class: 'chart timeline' });
    s.appendChild(svg('line', { class: 'axis', x1: left, x2: WIDTH - 10, y1: y(lo), y2: y(lo) }));
    s.appendChild(svg('line', { class: 'axis', x1: left, x2: left, y1: y(hi), y2: y(lo) }));
    s.appendChild(svg('text', { x: left - 4, y: y(hi) + 4, 'text-anchor': 'end' }, fmt(hi)));
    s.appendChild(svg('text', { x: left - 4, y: y(lo) + 4, 'text-anchor': 'end' }, fmt(lo)));
    s.appendChild(svg('text', { x: left, y: H - 4 }, fmt(t0) + ' s'));
    s.appendChild(svg('text', { x: WIDTH - 10, y: H - 4, 'text-anchor': 'end' }, fmt(t1) + ' s'));
    const legend = html('div', { class: 'legend mono' });
    series.forEach((k, i) => {
      const c = PALETTE[i];
      const pts = snaps.filter((sn) => sn.values[k] !== undefined).map((sn) => [x(sn.t), y(sn.values[k]), sn]);
      s.appendChild(svg('polyline', { class: 'series', stroke: c, points: pts.map((p) => p[0].toFixed(1) + ',' + p[1].toFixed(1)).join(' ') }));
      pts.forEach((p) => {
        const point = svg('circle', { class: 'point', cx: p[0], cy: p[1], r: 2.5, fill: c });
        s.appendChild(tip(point, oneLine(k, 80) + ' at ' + fmt(p[2].t) + ' s: ' + fmt(p[2].values[k])));
      });
      const item = html('span', {}, oneLine(k, 60));
      item.style.setProperty('--c', c);
      legend.appendChild(item);
    });
    sec.appendChild(s);
    sec.appendChild(legend);
  }

  function drawMap(map, i) {
    const sec = html('section', { id: 'map-' + i, class: 'map', 'data-map': map.name, 'data-kind': map.chart.kind });
    sec.appendChild(html('h2', {}, map.name));
    if (map.dropped > 0) sec.appendChild(html('p', { class: 'note warn' }, map.dropped + ' updates dropped at the key limit'));
    const c = map.chart;
    if (c.kind === 'bars') {
      sec.appendChild(barChart(c.rows.map((r) => [r[0] === '' ? map.name : r[0], r[1]])));
      const m = more(c.more, c.moreTotal, 'keys, the smallest');
      if (m) sec.appendChild(m);
    } else if (c.kind === 'hist') drawHist(sec, c);
    else if (c.kind === 'stats') drawStats(sec, c);
    else if (c.kind === 'flame') drawFlame(sec, c);
    else drawTable(sec, c);
    drawTimeline(sec, map);
    return sec;
  }

  function drawHeader() {
    const h = document.querySelector('header');
    const meta = data.meta;
    const target = meta.command !== undefined ? 'command: ' + meta.command : meta.pids !== undefined ? 'processes: ' + meta.pids.join(', ') : 'no target';
    const when = 'from ' + meta.started + ' to ' + meta.ended + ' (' + fmt(meta.seconds) + ' s)';
    h.appendChild(html('p', { class: 'meta' }, target + ' · ' + when + ' · jsprobe ' + meta.version));
    h.appendChild(html('pre', { class: 'program' }, meta.program));
    const nav = html('nav');
    data.maps.forEach((m, i) => nav.appendChild(html('a', { href: '#map-' + i }, m.name)));
    h.appendChild(nav);
  }

  function drawLog(main) {
    if (data.log.length === 0) return;
    const sec = html('section', { class: 'log' });
    sec.appendChild(html('h2', {}, 'output'));
    const note = data.logDropped + ' earlier lines not kept; the last ' + data.log.length + ' follow';
    if (data.logDropped > 0) sec.appendChild(html('p', { class: 'note' }, note));
    sec.appendChild(html('pre', {}, data.log.join('\n')));
    main.appendChild(sec);
  }

  drawHeader();
  const main = document.querySelector('main');
  if (data.maps.length === 0) main.appendChild(html('p', { class: 'note' }, 'No map printed anything.'));
  data.maps.forEach((m, i) => main.appendChild(drawMap(m, i)));
  if (data.stringsCut > 0) main.appendChild(html('p', { class: 'note' }, data.stringsCut + ' strings were cut at --max-strlen'));
  if (data.stringsUnread > 0) {
    main.appendChild(html('p', { class: 'note' }, data.stringsUnread + ' strings were not read: longer than 64 × --max-strlen'));
  }
  drawLog(main);
  document.body.setAttribute('data-rendered', String(data.maps.length));
})();

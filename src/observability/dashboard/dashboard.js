// Torvyn's live dashboard: reads the inspection API's JSON endpoints (/health, /flows,
// /flows/{id}, /pools) once a second and draws each flow's graph, stage and stream tables and
// the buffer pools. Rates (per stage, per flow) and the share of time a stream was full are
// deltas between two reads divided by the time between them.
//
// The token: over TCP every JSON endpoint needs "Authorization: Bearer <token>". A navigation
// cannot carry that header, so the page takes the token from the URL fragment (#token=..., which
// browsers never send to a server, so it reaches no access log or Referer) or from the login form,
// keeps it in sessionStorage (this tab only, gone when it closes), removes it from the address bar
// and sends it as the header with every request. Names from the configuration are inserted as
// text, never as markup.
'use strict';

(() => {
  const POLL_MS = 1000;
  const TOKEN_KEY = 'torvyn-inspection-token';
  const SVG = 'http://www.w3.org/2000/svg';

  let token = null;
  let previous = new Map();  // flow id -> {t, stages: Map(node -> invocations), streams: Map(key -> backpressure_ns), elements, delivered}
  let timer = null;     // the next tick, when one is scheduled
  let polling = false;  // a tick is running

  class AuthError extends Error {}

  function takeTokenFromFragment() {
    const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
    token = sessionStorage.getItem(TOKEN_KEY);
  }

  async function api(path) {
    const headers = token ? { Authorization: 'Bearer ' + token } : {};
    const r = await fetch(path, { headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
    if (r.status === 401) throw new AuthError('the token was not accepted');
    if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
    return r.json();
  }

  // --- small DOM helpers (text only, never markup)

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function field(name, value) {
    return el('div', {}, el('dt', {}, name.replace(/_/g, ' ')), el('dd', { 'data-field': name }, value));
  }

  // --- number formatting

  function count(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '–';
    return Math.round(n).toLocaleString('en-US');
  }

  function rate(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '–';
    if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M/s';
    if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k/s';
    return n.toFixed(n >= 100 ? 0 : 1) + '/s';
  }

  function duration(ns) {
    if (typeof ns !== 'number' || !isFinite(ns)) return '–';
    if (ns >= 1e9) return (ns / 1e9).toFixed(2) + ' s';
    if (ns >= 1e6) return (ns / 1e6).toFixed(2) + ' ms';
    if (ns >= 1e3) return (ns / 1e3).toFixed(1) + ' µs';
    return Math.round(ns) + ' ns';
  }

  function bytes(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '–';
    if (n >= 1 << 30) return (n / (1 << 30)).toFixed(1) + ' GiB';
    if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + ' MiB';
    if (n >= 1 << 10) return (n / (1 << 10)).toFixed(1) + ' KiB';
    return n + ' B';
  }

  function percent(fraction) {
    if (typeof fraction !== 'number' || !isFinite(fraction)) return '–';
    return Math.round(Math.min(1, Math.max(0, fraction)) * 100) + '%';
  }

  // --- rates from two reads

  function streamKey(s) { return s.from + '->' + s.to; }

  // What changed since the previous read of this flow: per-stage calls/s, per-stream fraction of
  // time full, flow elements/s. Undefined values (first read, counters reset) show as '–'.
  function deltas(flow, now) {
    const before = previous.get(flow.id);
    const d = { stages: new Map(), streams: new Map(), elements: undefined, delivered: undefined };
    const snap = { t: now, stages: new Map(), streams: new Map(), elements: flow.elements, delivered: flow.delivered };
    for (const s of flow.stages || []) snap.stages.set(s.node, s.invocations);
    for (const s of flow.streams || []) snap.streams.set(streamKey(s), s.backpressure_ns);
    if (before && now > before.t) {
      const dt = (now - before.t) / 1000;
      const per = (a, b) => (typeof a === 'number' && typeof b === 'number' && a >= b ? (a - b) / dt : undefined);
      for (const [node, v] of snap.stages) d.stages.set(node, per(v, before.stages.get(node)));
      for (const [key, v] of snap.streams) {
        const r = per(v, before.streams.get(key));
        d.streams.set(key, r === undefined ? undefined : r / 1e9);
      }
      d.elements = per(snap.elements, before.elements);
      d.delivered = per(snap.delivered, before.delivered);
    }
    previous.set(flow.id, snap);
    return d;
  }

  // --- the flow graph: nodes in columns by their longest distance from a source

  function nodeOf(endpoint, nodes) {
    if (nodes.has(endpoint)) return endpoint;
    const dot = endpoint.lastIndexOf('.');  // "node.port"
    return dot > 0 && nodes.has(endpoint.slice(0, dot)) ? endpoint.slice(0, dot) : null;
  }

  function drawGraph(flow, d) {
    const stages = flow.stages || [];
    const nodes = new Map(stages.map((s) => [s.node, s]));
    const edges = [];
    for (const s of flow.streams || []) {
      const from = nodeOf(s.from, nodes), to = nodeOf(s.to, nodes);
      if (from && to) edges.push({ from, to, s });
    }
    // Longest-path layering, bounded by the node count (a flow is acyclic; this never loops forever).
    const layer = new Map(stages.map((s) => [s.node, 0]));
    for (let i = 0; i < stages.length; ++i) {
      let changed = false;
      for (const e of edges) {
        if (layer.get(e.to) < layer.get(e.from) + 1 && layer.get(e.from) + 1 < stages.length) {
          layer.set(e.to, layer.get(e.from) + 1);
          changed = true;
        }
      }
      if (!changed) break;
    }
    const W = 150, H = 46, GAPX = 90, GAPY = 30;
    const rows = new Map();
    const pos = new Map();
    for (const s of stages) {
      const l = layer.get(s.node);
      const r = rows.get(l) || 0;
      rows.set(l, r + 1);
      pos.set(s.node, { x: 10 + l * (W + GAPX), y: 10 + r * (H + GAPY) });
    }
    const maxLayer = Math.max(0, ...layer.values());
    const maxRows = Math.max(1, ...rows.values());
    const width = 20 + (maxLayer + 1) * W + maxLayer * GAPX;
    const height = 20 + maxRows * H + (maxRows - 1) * GAPY + 16;
    const g = svg('svg', { class: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
                           'aria-label': 'flow graph of ' + flow.name });
    const defs = svg('defs');
    const marker = svg('marker', { id: 'arrow-' + flow.id.replace(/[^A-Za-z0-9_-]/g, '_'), viewBox: '0 0 10 10', refX: 10, refY: 5,
                                   markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z' }));
    defs.append(marker);
    g.append(defs);
    for (const e of edges) {
      const a = pos.get(e.from), b = pos.get(e.to);
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      const full = e.s.capacity > 0 && e.s.depth >= e.s.capacity;
      const bp = d.streams.get(streamKey(e.s));
      const cls = 'edge' + (full ? ' full' : '') + (bp !== undefined && bp > 0.1 ? ' backpressure' : '');
      const group = svg('g', { class: cls, 'data-edge': streamKey(e.s) });
      const mx = (x1 + x2) / 2;
      group.append(svg('path', { d: `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`,
                                 'marker-end': `url(#${marker.getAttribute('id')})` }));
      group.append(svg('text', { x: mx, y: (y1 + y2) / 2 - 14, 'text-anchor': 'middle', 'data-field': 'depth' },
                       `queue ${e.s.depth}/${e.s.capacity}`));
      group.append(svg('text', { x: mx, y: (y1 + y2) / 2 - 2, 'text-anchor': 'middle', 'data-field': 'backpressure' },
                       `bp ${percent(bp)}`));
      g.append(group);
    }
    for (const s of stages) {
      const p = pos.get(s.node);
      const node = svg('g', { class: 'node' + (s.errors > 0 ? ' errors' : ''), 'data-node': s.node,
                              transform: `translate(${p.x} ${p.y})` });
      node.append(svg('rect', { width: W, height: H, rx: 6 }));
      node.append(svg('text', { x: 8, y: 18 }, s.node + (s.role ? ' · ' + s.role : '')));
      const p50 = s.processing_ns ? s.processing_ns.p50_ns : undefined;
      node.append(svg('text', { x: 8, y: 36, class: 'sub', 'data-field': 'rate' },
                      `${rate(d.stages.get(s.node))} · p50 ${duration(p50)}`));
      g.append(node);
    }
    return g;
  }

  // --- tables

  function stageTable(flow, d) {
    const body = el('tbody');
    for (const s of flow.stages || []) {
      const h = s.processing_ns || {};
      body.append(el('tr', { 'data-stage': s.node },
        el('td', {}, s.node), el('td', {}, s.component), el('td', {}, s.role),
        el('td', { 'data-field': 'rate' }, rate(d.stages.get(s.node))),
        el('td', { 'data-field': 'invocations' }, count(s.invocations)),
        el('td', {}, duration(h.p50_ns)), el('td', {}, duration(h.p99_ns)),
        el('td', { class: s.errors > 0 ? 'hot' : '' }, count(s.errors)),
        el('td', {}, bytes(s.memory_bytes))));
    }
    return el('table', { class: 'stages' },
      el('thead', {}, el('tr', {}, ...['stage', 'component', 'role', 'calls/s', 'calls', 'p50', 'p99', 'errors', 'memory']
        .map((t) => el('th', {}, t)))), body);
  }

  function streamTable(flow, d) {
    const body = el('tbody');
    for (const s of flow.streams || []) {
      const bp = d.streams.get(streamKey(s));
      const full = s.capacity > 0 && s.depth >= s.capacity;
      body.append(el('tr', { 'data-stream': streamKey(s) },
        el('td', {}, s.from + ' → ' + s.to),
        el('td', { class: full ? 'hot' : '' }, el('meter', { min: 0, max: Math.max(1, s.capacity), value: s.depth }),
           ` ${s.depth}/${s.capacity}`),
        el('td', {}, count(s.peak_depth)),
        el('td', {}, count(s.backpressure_events)),
        el('td', { class: bp > 0.5 ? 'hot' : '', 'data-field': 'backpressure' }, percent(bp)),
        el('td', {}, duration(s.backpressure_ns))));
    }
    return el('table', { class: 'streams' },
      el('thead', {}, el('tr', {}, ...['stream', 'queue', 'peak', 'backpressure events', 'time full (last s)', 'backpressure total']
        .map((t) => el('th', {}, t)))), body);
  }

  function flowCard(flow, now) {
    const d = deltas(flow, now);
    const lat = flow.latency_ns || {};
    return el('article', { class: 'flow', 'data-flow': flow.name, 'data-state': flow.state },
      el('h2', {}, el('span', { class: 'name' }, flow.name), ' ', el('span', { class: 'state', 'data-field': 'state' }, flow.state)),
      el('dl', { class: 'totals' },
        field('elements', count(flow.elements)), field('delivered', count(flow.delivered)),
        field('rate', rate(d.delivered)), field('dropped', count(flow.dropped)), field('errors', count(flow.errors)),
        field('latency_p50', duration(lat.p50_ns)), field('latency_p99', duration(lat.p99_ns))),
      drawGraph(flow, d), stageTable(flow, d), streamTable(flow, d));
  }

  function poolRows(pools) {
    return pools.map((p) => el('tr', { 'data-tier': p.tier },
      el('td', {}, p.tier), el('td', { class: p.available === 0 ? 'hot' : '' }, count(p.available)),
      el('td', {}, count(p.in_use)), el('td', {}, count(p.total)), el('td', {}, count(p.reserved)),
      el('td', { class: p.exhaustion_events > 0 ? 'hot' : '' }, count(p.exhaustion_events)), el('td', {}, bytes(p.bytes_in_use))));
  }

  // --- the loop

  function setStatus(kind, text) {
    const s = document.getElementById('status');
    s.dataset.status = kind;
    s.textContent = text;
  }

  function showLogin(message) {
    document.getElementById('dashboard').hidden = true;
    document.getElementById('login').hidden = false;
    document.getElementById('login-error').textContent = message || '';
    setStatus('error', 'token needed');
    document.getElementById('token').focus();
  }

  async function tick() {
    timer = null;
    polling = true;
    try {
      const [health, list, pools] = await Promise.all([api('/health'), api('/flows'), api('/pools')]);
      const details = await Promise.all(list.map((f) => api('/flows/' + encodeURIComponent(f.id))));
      const now = performance.now();
      document.getElementById('login').hidden = true;
      document.getElementById('dashboard').hidden = false;
      document.getElementById('instance').textContent =
        `torvyn ${health.version} · pid ${health.pid} · up ${Math.floor(health.uptime_seconds)} s · ${health.flows} flow(s)`;
      const flows = document.getElementById('flows');
      flows.replaceChildren(...(details.length ? details.map((f) => flowCard(f, now)) : [el('p', { class: 'empty' }, 'no flows')]));
      const seen = new Set(details.map((f) => f.id));
      for (const id of [...previous.keys()]) if (!seen.has(id)) previous.delete(id);
      document.querySelector('#pools tbody').replaceChildren(...poolRows(pools));
      setStatus('live', 'live · ' + new Date().toLocaleTimeString());
    } catch (e) {
      if (e instanceof AuthError) {
        const hadToken = token !== null;
        sessionStorage.removeItem(TOKEN_KEY);
        token = null;
        polling = false;
        showLogin(hadToken ? 'That token was not accepted.' : '');
        return;  // polling resumes when the form is submitted
      }
      // The instance stopped (or the network is down): say so, keep the last picture, keep trying.
      setStatus('gone', 'not answering: ' + (e && e.message ? e.message : e));
    }
    polling = false;
    timer = setTimeout(tick, POLL_MS);
  }

  document.addEventListener('DOMContentLoaded', () => {
    takeTokenFromFragment();
    document.getElementById('login').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const input = document.getElementById('token');
      token = input.value;
      input.value = '';
      sessionStorage.setItem(TOKEN_KEY, token);
      document.getElementById('login-error').textContent = '';
      if (timer === null && !polling) tick();
    });
    tick();
  });
})();

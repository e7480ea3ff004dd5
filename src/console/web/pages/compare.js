// Compare two runs: a differential flame graph. Width is the newer (target) run; colour is the
// change in each frame's share of the samples against the older (base) run: red grew, blue shrank,
// the deeper the colour the larger the change. Below, the functions whose share changed most.

import { api } from '../api.js';
import { badge, clear, fmtTime, h, note } from '../dom.js';
import { flamePanel } from '../flame-panel.js';

function pts(x) {
  const v = 100 * x;
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(2)} pts`;
}

/** Colour for a change of `d` share points, scaled by the largest change `max`. */
function diffColour(d, max) {
  const t = Math.min(1, Math.sqrt(Math.abs(d) / max));
  if (Math.abs(d) < 0.002) return 'hsl(220, 8%, 88%)'; // under 0.2 points: noise, shown as unchanged
  const light = 92 - 42 * t;
  return d > 0 ? `hsl(4, ${55 + 30 * t}%, ${light}%)` : `hsl(214, ${55 + 30 * t}%, ${light}%)`;
}

async function picker(params) {
  const runs = (await api.get('/api/runs?status=done&limit=200')).runs.filter((r) => r.hasProfile);
  const sel = (id, value) => {
    const s = h('select', { id }, runs.map((r) => h('option', { value: String(r.id) }, `#${r.id} · ${fmtTime(r.startedAt)} · PID ${r.pid ?? '?'} · ${r.command.slice(0, 60)}`)));
    if (value) s.value = value;
    return s;
  };
  const base = sel('c-base', params.get('base') || (runs[1] && String(runs[1].id)));
  const target = sel('c-target', params.get('target') || (runs[0] && String(runs[0].id)));
  return h('form', { class: 'card narrow', onsubmit: (ev) => { ev.preventDefault(); location.hash = `#/compare?base=${base.value}&target=${target.value}`; } },
    h('h2', {}, 'Pick two runs'),
    runs.length < 2 ? note('info', 'Compare needs two finished runs with profiles.') : null,
    h('label', { class: 'field' }, h('span', { class: 'label' }, 'Base (before)'), h('span', { class: 'input' }, base)),
    h('label', { class: 'field' }, h('span', { class: 'label' }, 'Target (after)'), h('span', { class: 'input' }, target)),
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit', disabled: runs.length < 2 }, 'Compare')));
}

export function renderCompare(main, params) {
  let stopped = false;
  let panel = null;
  const base = params.get('base');
  const target = params.get('target');
  main.appendChild(h('div', { class: 'page-head' }, h('h1', {}, 'Compare runs'),
    h('p', { class: 'muted' }, 'Width is the newer run. Colour is the change in each frame\'s share of all samples: ',
      h('span', { class: 'swatch grew' }), ' grew, ', h('span', { class: 'swatch shrank' }), ' shrank, deeper for larger changes. Shares are compared, so runs of different lengths compare fairly.')));
  const body = h('div');
  main.appendChild(body);
  if (!base || !target) {
    picker(params).then((f) => !stopped && body.appendChild(f)).catch((e) => body.appendChild(note('error', e.message)));
    document.body.dataset.ready = '1';
    return () => { stopped = true; };
  }
  const lang = h('select', { id: 'c-lang' }, h('option', { value: 'mixed' }, 'Mixed (C and Lua)'), h('option', { value: 'c' }, 'C only'), h('option', { value: 'lua' }, 'Lua only'));
  lang.value = params.get('lang') || 'mixed';
  lang.addEventListener('change', () => { location.hash = `#/compare?base=${base}&target=${target}&lang=${lang.value}`; });
  const head = h('div', { class: 'compare-head' });
  panel = flamePanel({ tools: [lang], legend: () => [h('span', {}, h('i', { class: 'grew' }), 'larger share than in the base'), h('span', {}, h('i', { class: 'shrank' }), 'smaller share'), h('span', {}, h('i', { class: 'same' }), 'unchanged')] });
  const tbody = h('tbody');
  body.append(head, h('div', { class: 'card' }, panel.el),
    h('div', { class: 'card flush' }, h('div', { class: 'card-head' }, h('h2', {}, 'Largest changes by function'), h('span', { class: 'spacer' }), h('span', { class: 'muted small' }, 'Shares of all samples in each run')),
      h('table', { class: 'grid', id: 'changes' }, h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Self before'), h('th', { class: 'num' }, 'Self after'), h('th', { class: 'num' }, 'Change'),
        h('th', { class: 'num' }, 'Total before'), h('th', { class: 'num' }, 'Total after'), h('th', { class: 'wide' }, 'Function'), h('th', {}, 'Kind'))), tbody)));

  api.get(`/api/compare?base=${encodeURIComponent(base)}&target=${encodeURIComponent(target)}&lang=${lang.value}`).then((c) => {
    if (stopped) return;
    const runCard = (label, r) => h('div', { class: 'card run-card' }, h('div', { class: 'muted small' }, label),
      h('a', { href: `#/runs/${r.id}` }, `Run #${r.id}`), ` · PID ${r.pid ?? '?'} · ${fmtTime(r.startedAt)}`, h('div', { class: 'mono small cmd-line', title: r.command }, r.command || '—'));
    clear(head).append(runCard('Base (before)', c.base), h('div', { class: 'arrow' }, '→'), runCard('Target (after)', c.target));
    const f = c.flame;
    let max = 0.05; // changes of five points or more get the deepest colour
    for (let i = 1; i < f.delta.length; i++) max = Math.max(max, Math.abs(f.delta[i]));
    panel.show(f, {
      colour: (i) => (i === 0 ? null : diffColour(f.delta[i], max)),
      tipLines: (i) => [`before ${(f.baseTotal > 0 ? (100 * f.base[i]) / f.baseTotal : 0).toFixed(2)}% → after ${(f.total > 0 ? (100 * f.v[i]) / f.total : 0).toFixed(2)}% (${pts(f.delta[i])})`],
    });
    window.fluoroDiff = f;
    for (const r of c.functions) {
      const d = r.targetSelf - r.baseSelf;
      tbody.appendChild(h('tr', { class: 'clickable', dataset: { name: r.name }, onclick: () => panel.focus(r.name) },
        h('td', { class: 'num' }, `${(100 * r.baseSelf).toFixed(2)}%`), h('td', { class: 'num' }, `${(100 * r.targetSelf).toFixed(2)}%`),
        h('td', { class: `num ${d > 0.0005 ? 'up' : d < -0.0005 ? 'down' : ''}` }, pts(d)),
        h('td', { class: 'num' }, `${(100 * r.baseTotal).toFixed(2)}%`), h('td', { class: 'num' }, `${(100 * r.targetTotal).toFixed(2)}%`),
        h('td', { class: 'wide mono fn' }, r.name), h('td', {}, badge(r.kind, `k-${r.kind}`))));
    }
    document.body.dataset.ready = '1';
  }).catch((e) => { body.prepend(note('error', e.message)); document.body.dataset.ready = 'error'; });
  return () => { stopped = true; if (panel) panel.destroy(); };
}

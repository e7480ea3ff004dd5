// The report of the guided high-CPU analysis: the findings in words (suspicious values marked),
// where the time goes, the hottest Lua place, the values worth a look and the Lua backtrace with
// its locals. The flame graph of the profile it took follows, drawn by the run page. Every string
// of the report that names the target's code or values came from the target: text only.

import { fmtDuration, h } from '../dom.js';
import { backtracesView, suspectIn } from './luabt-view.js';

const pct = (p) => `${Number(p).toFixed(p >= 10 || p === 0 ? 0 : 1)}%`;

function placeText(p) {
  const fn = p.function === 'main chunk' ? 'main chunk' : `${p.function}()`;
  return p.file ? `${fn} at ${p.file}${p.line ? `:${p.line}` : ''}` : fn;
}

/** The sentence as text nodes, with each suspicious value in a <mark>. */
function marked(sentence, values) {
  const parts = [];
  let rest = sentence;
  const list = [...new Set(values)].filter(Boolean).sort((a, b) => b.length - a.length);
  while (rest.length > 0 && list.length > 0) {
    let at = -1;
    let hit = '';
    for (const v of list) {
      const i = rest.indexOf(v);
      if (i >= 0 && (at < 0 || i < at)) (at = i), (hit = v);
    }
    if (at < 0) break;
    if (at > 0) parts.push(rest.slice(0, at));
    parts.push(h('mark', { class: 'value' }, hit));
    rest = rest.slice(at + hit.length);
  }
  if (rest) parts.push(rest);
  return parts;
}

function whereBar(where) {
  const parts = [
    ['lua', 'Lua functions', where.lua],
    ['luavm', 'C called from Lua', where.luaVm],
    ['native', 'other C', where.native],
    ['kernel', 'kernel', where.kernel],
  ];
  return h('div', { id: 'where' },
    h('div', { class: 'stack-bar' }, parts.filter((p) => p[2] > 0).map(([k, label, v]) => h('i', { class: `w-${k}`, title: `${label}: ${pct(v)}`, style: `width:${v}%` }))),
    h('div', { class: 'legend' }, parts.map(([k, label, v]) => h('span', {}, h('i', { class: `w-${k}` }), `${label} ${pct(v)}`))));
}

export function reportView(data) {
  const r = data.report;
  const values = r.suspicions.map((s) => s.value);
  const suspect = suspectIn(r.suspicions);
  const out = [];

  out.push(h('div', { class: 'card', id: 'report' },
    h('div', { class: 'card-title' }, h('h2', {}, 'Findings'),
      h('span', { class: 'muted small' }, `${Number(r.samples).toLocaleString()} samples in ${fmtDuration(data.elapsedMs)} at ${data.hz} Hz`,
        data.lua ? ` · ${data.lua.snapshots} Lua snapshot${data.lua.snapshots === 1 ? '' : 's'}` : ' · no LuaJIT VM')),
    h('ol', { class: 'findings', id: 'findings' }, r.findings.map((f, i) => h('li', { class: i === 0 ? 'verdict' : '' }, marked(f, values))))));

  const hottest = r.hottest
    ? h('div', { class: 'card half', id: 'hottest' },
      h('div', { class: 'card-title' }, h('h2', {}, 'Hottest Lua code'), h('span', { class: 'muted small' }, `${pct(r.hottest.share)} of all samples`)),
      h('div', { class: 'hot-place' }, h('span', { class: 'mono hot-fn' }, `${r.hottest.function}()`),
        h('span', { class: 'mono muted' }, r.hottest.file ? `${r.hottest.file}${r.hottest.line ? `:${r.hottest.line}` : ''}` : '')),
      h('div', { class: 'meter big' }, h('i', { style: `width:${Math.min(100, r.hottest.share)}%` })),
      r.hottest.callers.length
        ? h('div', { class: 'callers' }, h('span', { class: 'muted small' }, 'called from'),
          h('ol', { class: 'mono small' }, r.hottest.callers.slice(0, 6).map((c) => h('li', {}, placeText(c)))))
        : null,
      r.loop ? h('p', { class: 'small' }, `${r.loop.same} of ${r.loop.snapshots} snapshots show the same Lua functions.`) : null)
    : h('div', { class: 'card half', id: 'hottest' }, h('h2', {}, 'Hottest Lua code'), h('p', { class: 'muted' }, 'No Lua function holds a notable share of the samples.'));
  out.push(h('div', { class: 'two' }, hottest,
    h('div', { class: 'card half' }, h('div', { class: 'card-title' }, h('h2', {}, 'Where the time goes')), h('p', { class: 'small' }, r.verdict), whereBar(r.where))));

  if (r.suspicions.length > 0) {
    out.push(h('div', { class: 'card flush', id: 'suspicions' },
      h('div', { class: 'card-head' }, h('h2', {}, 'Values worth a look'), h('span', { class: 'muted small' }, 'locals and upvalues of the backtrace below')),
      h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Variable'), h('th', {}, 'Value'), h('th', {}, 'Type'), h('th', {}, 'Frame'), h('th', { class: 'wide' }, 'Why'))),
        h('tbody', {}, r.suspicions.map((s) => h('tr', { class: 'suspect', dataset: { name: s.variable } },
          h('td', { class: 'mono' }, s.variable),
          h('td', { class: 'mono' }, h('mark', {}, s.value)),
          h('td', {}, s.type),
          h('td', { class: 'mono nowrap' }, placeText(s.frame)),
          h('td', { class: 'wide why' }, s.why)))))));
  }

  if (r.frames.length > 0) {
    const total = r.loop ? r.loop.snapshots : data.lua ? data.lua.snapshots : 1;
    const count = r.loop ? r.loop.same : data.lua && data.lua.backtraces[0] ? data.lua.backtraces[0].count : 1;
    out.push(h('div', { class: 'section-title' }, h('h2', {}, 'Lua backtrace, with locals'),
      h('span', { class: 'muted small' }, data.lua ? `the most frequent of ${data.lua.snapshots} snapshots · ${data.lua.build}` : '')));
    out.push(backtracesView([{ frames: r.frames, count }], { total, suspect, open: 1, id: 'report-bt' }));
  }
  out.push(h('div', { class: 'section-title' }, h('h2', {}, 'Flame graph of the profile it took')));
  return out;
}

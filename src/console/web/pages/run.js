// One run: its record, its progress and a cancel button while it runs, the reason when it failed,
// and when it has a profile: the flame graph (mixed/C/Lua, inverted), the top functions, downloads.

import { api } from '../api.js';
import { badge, clear, fmtDuration, fmtPct, fmtTime, h, kindTitle, note, settingsText, statusBadge } from '../dom.js';
import { flamePanel } from '../flame-panel.js';
import { backtracesView, suspectIn } from './luabt-view.js';
import { reportView } from './report-view.js';

const FORMATS = [
  ['html', 'HTML'], ['svg', 'SVG'], ['folded', 'Folded'], ['pprof', 'pprof'], ['speedscope', 'Speedscope'],
];

function meta(run) {
  const item = (k, v) => h('div', { class: 'kv' }, h('span', { class: 'k' }, k), h('span', { class: 'v' }, v));
  return h(
    'div',
    { class: 'meta', id: 'run-meta' },
    item('Status', statusBadge(run.status)),
    item('Process', run.pid !== null ? `PID ${run.pid}` : '—'),
    item('Host', run.host),
    item('Started', fmtTime(run.startedAt)),
    item('Duration', fmtDuration(run.durationMs)),
    item('Settings', settingsText(run) || '—'),
    run.summary && run.summary.samples !== undefined ? item('Samples', Number(run.summary.samples).toLocaleString()) : null,
    run.summary && run.summary.snapshots !== undefined ? item('Snapshots', Number(run.summary.snapshots).toLocaleString()) : null,
    run.source === 'upload' ? item('Source', badge('uploaded', 'rt')) : null,
  );
}

export function renderRun(main, id) {
  let stopped = false;
  let timer = 0;
  let panel = null;
  const head = h('div', { class: 'page-head' });
  const body = h('div');
  main.append(head, body);

  function header(run) {
    clear(head).append(
      h('div', { class: 'crumbs' }, h('a', { href: '#/runs' }, 'History'), ' / ', `Run ${run.id}`),
      h('h1', {}, `${kindTitle(run.kind)} · PID ${run.pid ?? '?'}`),
      h('p', { class: 'mono small cmd-line', title: run.command }, run.command || '—'),
      meta(run),
    );
  }

  async function poll() {
    clearTimeout(timer);
    let run;
    try {
      run = await api.get(`/api/runs/${id}`);
    } catch (e) {
      if (!stopped) clear(body).appendChild(note('error', e.message));
      return;
    }
    if (stopped) return;
    header(run);
    if (run.status === 'running') {
      const p = run.progress || { fraction: 0, elapsedMs: 0 };
      const bar = h('div', { class: 'bar-fill' });
      bar.style.width = `${Math.round(100 * (p.fraction || 0))}%`;
      const cancel = h('button', { id: 'run-cancel', class: 'danger', onclick: async () => {
        cancel.disabled = true;
        try { await api.post(`/api/runs/${id}/cancel`); } catch (e) { body.appendChild(note('error', e.message)); }
        clearTimeout(timer);
        poll();
      } }, 'Cancel');
      clear(body).appendChild(
        h('div', { class: 'card progress', id: 'run-progress' },
          h('div', { class: 'progress-line' }, h('strong', {}, 'Running…'), h('span', { class: 'muted' }, `${fmtDuration(p.elapsedMs)} · ${p.detail || 'starting'}`), h('span', { class: 'spacer' }), cancel),
          h('div', { class: 'bar' }, bar)),
      );
      document.body.dataset.ready = 'running';
      timer = setTimeout(poll, 400);
      return;
    }
    clear(body);
    if (run.error) body.appendChild(note('error', h('strong', {}, run.status === 'failed' ? 'This run failed: ' : ''), run.error));
    for (const w of run.warnings || []) body.appendChild(note('warn', w));
    if (run.resultType) {
      const shown = await showResult(run);
      if (stopped || !shown) return;
    }
    if (run.hasProfile) showProfile(run);
    else document.body.dataset.ready = '1';
  }

  /** The kind's own result (Lua backtraces, a report), above the flame graph when there is one. */
  async function showResult(run) {
    let doc;
    try {
      doc = await api.get(`/api/runs/${id}/result`);
    } catch (e) {
      if (!stopped) body.appendChild(note('error', e.message));
      document.body.dataset.ready = '1';
      return false;
    }
    if (stopped) return false;
    if (doc.type === 'lua-backtraces' && doc.version === 1) {
      const d = doc.data;
      body.append(
        h('div', { class: 'section-title' }, h('h2', {}, 'Lua backtraces'),
          h('span', { class: 'muted small' }, `${d.snapshots} snapshot${d.snapshots === 1 ? '' : 's'} of the running Lua code`,
            d.idle ? `, ${d.idle} CPU sample${d.idle === 1 ? '' : 's'} outside Lua` : '',
            ` · ${d.backtraces.length} different backtrace${d.backtraces.length === 1 ? '' : 's'}`, d.build ? ` · ${d.build}` : '')),
        d.backtraces.length ? backtracesView(d.backtraces, { total: d.snapshots, suspect: suspectIn(d.suspicions) }) : note('info', 'No snapshot was taken before the run was cancelled.'),
      );
    } else if (doc.type === 'high-cpu-report' && doc.version === 1) {
      body.append(...reportView(doc.data));
    } else {
      body.appendChild(note('warn', `This console cannot show a result of type ${doc.type} version ${doc.version}.`));
    }
    return true;
  }

  function showProfile(run) {
    const lang = h('div', { class: 'segmented', id: 'lang', role: 'group', 'aria-label': 'Frames' });
    const invert = h('input', { type: 'checkbox', id: 'invert' });
    const initial = (run.settings && run.settings.lang) || 'mixed';
    const downloads = h('div', { class: 'downloads' }, h('span', { class: 'muted small' }, 'Download'),
      FORMATS.map(([f, label]) => h('button', { class: 'small', dataset: { format: f }, onclick: () =>
        api.download(`/api/runs/${id}/download?format=${f}&lang=${current.lang}`, `fluoro-run-${id}.${f}`).catch((e) => body.prepend(note('error', e.message))) }, label)));
    const current = { lang: initial, invert: false };
    for (const [v, label] of [['mixed', 'Mixed'], ['c', 'C'], ['lua', 'Lua']]) {
      lang.appendChild(h('button', { dataset: { lang: v }, class: v === initial ? 'on' : '', onclick: () => { current.lang = v; load(); } }, label));
    }
    invert.addEventListener('change', () => { current.invert = invert.checked; load(); });
    panel = flamePanel({ tools: [lang, h('label', { class: 'check' }, invert, 'Invert (callers)')] });
    const tableBody = h('tbody');
    const total = h('span', { class: 'muted small' });
    const table = h('table', { class: 'grid', id: 'functions' },
      h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Self'), h('th', { class: 'num' }, 'Total'), h('th', { class: 'wide' }, 'Function'), h('th', {}, 'Kind'))), tableBody);
    body.append(
      h('div', { class: 'card' }, panel.el, h('div', { class: 'under' }, downloads)),
      h('div', { class: 'card flush' }, h('div', { class: 'card-head' }, h('h2', {}, 'Top functions'), total, h('span', { class: 'spacer' }), h('span', { class: 'muted small' }, 'Click a row to find it in the flame graph')), table),
    );

    async function load() {
      for (const b of lang.children) b.classList.toggle('on', b.dataset.lang === current.lang);
      document.body.dataset.ready = 'loading';
      try {
        const q = `lang=${current.lang}`;
        const [flame, fns] = await Promise.all([
          api.get(`/api/runs/${id}/flame?${q}&invert=${current.invert}`),
          api.get(`/api/runs/${id}/functions?${q}&limit=60`),
        ]);
        if (stopped) return;
        panel.show(flame);
        clear(tableBody);
        total.textContent = `${Number(fns.total).toLocaleString()} samples`;
        for (const r of fns.rows) {
          const share = (v) => (fns.total > 0 ? v / fns.total : 0);
          tableBody.appendChild(h('tr', { class: 'clickable', dataset: { name: r.name }, onclick: () => panel.focus(r.name) },
            h('td', { class: 'num' }, h('span', { class: 'pct' }, fmtPct(share(r.self))), h('span', { class: 'meter' }, h('i', { style: `width:${Math.round(100 * share(r.self))}%` }))),
            h('td', { class: 'num' }, fmtPct(share(r.total))),
            h('td', { class: 'wide mono fn' }, r.name),
            h('td', {}, badge(r.kind, `k-${r.kind}`))));
        }
        document.body.dataset.ready = '1';
      } catch (e) {
        body.prepend(note('error', e.message));
      }
    }
    load();
  }

  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (panel) panel.destroy();
  };
}

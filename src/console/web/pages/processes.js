// Processes: what `fluoro ps` shows, refreshed every few seconds, with a filter; runtimes and
// containers marked. "Analyze" opens the form to run an analysis on a process.

import { api } from '../api.js';
import { badge, clear, h, note } from '../dom.js';
import { openRunForm } from './run-form.js';

const REFRESH_MS = 4000;

function containerText(c) {
  return c ? c.label : '';
}

export function renderProcesses(main, params) {
  let rows = [];
  let timer = 0;
  let stopped = false;
  const filter = h('input', { type: 'search', id: 'ps-filter', placeholder: 'Filter by PID, name, user, runtime…', value: params.get('q') || '', spellcheck: 'false' });
  const onlyRuntimes = h('input', { type: 'checkbox', id: 'ps-runtimes' });
  const status = h('span', { class: 'muted small', id: 'ps-status' }, 'Loading…');
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'grid', id: 'ps-table' },
    h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'PID'), h('th', {}, 'User'), h('th', { class: 'num' }, 'CPU %'), h('th', { class: 'num' }, 'Threads'),
      h('th', {}, 'Runtimes'), h('th', {}, 'Container'), h('th', { class: 'wide' }, 'Command'), h('th', {}, ''))),
    body,
  );
  const error = h('div');
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Processes'), h('p', { class: 'muted' }, 'Pick a process to analyze. CPU is per core over the last moment; the list refreshes by itself.')),
    h('div', { class: 'toolbar' }, filter, h('label', { class: 'check' }, onlyRuntimes, 'Language runtimes only'), h('span', { class: 'spacer' }), status),
    error,
    h('div', { class: 'card flush' }, table),
  );

  function matches(p, q) {
    if (onlyRuntimes.checked && p.runtimes.length === 0) return false;
    if (!q) return true;
    const hay = [p.pid, p.user, p.comm, p.command, containerText(p.container), ...p.runtimes.map((r) => r.name)].join(' ').toLowerCase();
    return q.split(/\s+/).every((w) => hay.includes(w));
  }

  function draw() {
    const q = filter.value.trim().toLowerCase();
    const shown = rows.filter((p) => matches(p, q));
    clear(body);
    for (const p of shown.slice(0, 500)) {
      body.appendChild(
        h(
          'tr',
          { dataset: { pid: String(p.pid) } },
          h('td', { class: 'num mono' }, String(p.pid)),
          h('td', {}, p.user),
          h('td', { class: 'num' }, h('span', { class: p.cpu >= 50 ? 'hot' : '' }, p.cpu.toFixed(1))),
          h('td', { class: 'num' }, String(p.threads)),
          h('td', {}, p.runtimes.map((r) => badge(r.version ? `${r.name} ${r.version}` : r.name, 'rt'))),
          h('td', {}, p.container ? badge(containerText(p.container), 'ct') : h('span', { class: 'muted' }, '—')),
          h('td', { class: 'wide mono cmd', title: p.command }, p.command),
          h('td', { class: 'right' }, h('button', { class: 'small', onclick: () => openRunForm(p) }, 'Analyze')),
        ),
      );
    }
    if (shown.length === 0) body.appendChild(h('tr', {}, h('td', { colspan: '8', class: 'empty' }, rows.length ? 'No process matches the filter.' : 'Loading…')));
    status.textContent = `${shown.length} of ${rows.length} processes · updated ${new Date().toLocaleTimeString()}`;
  }

  async function load() {
    try {
      const r = await api.get('/api/processes');
      if (stopped) return;
      rows = r.processes;
      clear(error);
      draw();
      document.body.dataset.ready = '1';
    } catch (e) {
      if (stopped) return;
      clear(error).appendChild(note('error', `Could not list processes: ${e.message}`));
    }
    if (!stopped) timer = setTimeout(load, REFRESH_MS);
  }

  filter.addEventListener('input', draw);
  onlyRuntimes.addEventListener('change', draw);
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

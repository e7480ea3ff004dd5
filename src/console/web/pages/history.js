// History: every run, newest first, filtered by status, kind and text; open, delete, or pick two
// to compare.

import { api } from '../api.js';
import { clear, fmtDuration, fmtTime, h, note, settingsText, statusBadge, badge } from '../dom.js';

export function renderHistory(main, params) {
  let stopped = false;
  let timer = 0;
  const picked = new Set();
  const status = h('select', { id: 'h-status' }, h('option', { value: '' }, 'Any status'), ['done', 'running', 'failed', 'cancelled'].map((s) => h('option', { value: s }, s)));
  status.value = params.get('status') || '';
  const text = h('input', { type: 'search', id: 'h-text', placeholder: 'Command or host', value: params.get('q') || '', spellcheck: 'false' });
  const pid = h('input', { type: 'text', id: 'h-pid', placeholder: 'PID', inputmode: 'numeric', size: '7', value: params.get('pid') || '' });
  const compare = h('button', { class: 'primary', id: 'h-compare', disabled: true, onclick: () => {
    const [a, b] = [...picked].sort((x, y) => x - y);
    location.hash = `#/compare?base=${a}&target=${b}`;
  } }, 'Compare selected');
  const count = h('span', { class: 'muted small' });
  const body = h('tbody');
  const error = h('div');
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'History'), h('p', { class: 'muted' }, 'Every analysis run on this console, and profiles uploaded to it. Tick two runs to compare them.')),
    h('div', { class: 'toolbar' }, status, text, pid, h('span', { class: 'spacer' }), count, compare),
    error,
    h('div', { class: 'card flush' }, h('table', { class: 'grid', id: 'history' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', { class: 'num' }, 'Run'), h('th', {}, 'Started'), h('th', {}, 'Analysis'), h('th', { class: 'num' }, 'PID'),
        h('th', { class: 'wide' }, 'Command'), h('th', {}, 'Host'), h('th', { class: 'num' }, 'Duration'), h('th', {}, 'Status'), h('th', {}, ''))),
      body)),
  );

  function row(r) {
    const tick = h('input', { type: 'checkbox', checked: picked.has(r.id), disabled: !r.hasProfile, 'aria-label': `Select run ${r.id}`, onchange: () => {
      if (tick.checked) picked.add(r.id); else picked.delete(r.id);
      if (picked.size > 2) { const first = [...picked][0]; picked.delete(first); load(); }
      compare.disabled = picked.size !== 2;
    } });
    const del = h('button', { class: 'small ghost', title: 'Delete this run', disabled: r.status === 'running', onclick: async () => {
      if (!confirm(`Delete run ${r.id} and its profile?`)) return;
      try { await api.del(`/api/runs/${r.id}`); picked.delete(r.id); load(); } catch (e) { clear(error).appendChild(note('error', e.message)); }
    } }, 'Delete');
    return h('tr', { dataset: { run: String(r.id) } },
      h('td', {}, tick),
      h('td', { class: 'num' }, h('a', { href: `#/runs/${r.id}` }, `#${r.id}`)),
      h('td', { class: 'nowrap' }, fmtTime(r.startedAt)),
      h('td', { class: 'kind-cell' }, r.kind, ' ', h('span', { class: 'muted small' }, settingsText(r)), r.source === 'upload' ? [' ', badge('uploaded', 'rt')] : null),
      h('td', { class: 'num mono' }, r.pid ?? '—'),
      h('td', { class: 'wide mono cmd', title: r.command }, r.command || '—'),
      h('td', {}, r.host),
      h('td', { class: 'num' }, fmtDuration(r.durationMs)),
      h('td', { title: r.error || '' }, statusBadge(r.status), r.error ? h('div', { class: 'muted small reason' }, r.error) : null),
      h('td', { class: 'right nowrap' }, h('a', { class: 'button small', href: `#/runs/${r.id}` }, 'Open'), ' ', del));
  }

  async function load() {
    clearTimeout(timer);
    const q = new URLSearchParams();
    if (status.value) q.set('status', status.value);
    if (text.value.trim()) q.set('q', text.value.trim());
    if (pid.value.trim()) q.set('pid', pid.value.trim());
    try {
      const r = await api.get(`/api/runs?${q}`);
      if (stopped) return;
      clear(error);
      clear(body).append(...r.runs.map(row));
      if (r.runs.length === 0) body.appendChild(h('tr', {}, h('td', { colspan: '10', class: 'empty' }, 'No runs yet. Start one from the Processes page.')));
      count.textContent = `${r.runs.length} run${r.runs.length === 1 ? '' : 's'}`;
      compare.disabled = picked.size !== 2;
      document.body.dataset.ready = '1';
      if (r.runs.some((x) => x.status === 'running')) timer = setTimeout(load, 2000);
    } catch (e) {
      if (!stopped) clear(error).appendChild(note('error', e.message));
    }
  }
  let debounce = 0;
  const later = () => { clearTimeout(debounce); debounce = setTimeout(load, 200); };
  status.addEventListener('change', load);
  text.addEventListener('input', later);
  pid.addEventListener('input', later);
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(debounce);
  };
}

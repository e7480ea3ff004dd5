// The form to run an analysis on one process: the kinds and their fields come from /api/info,
// so a new analysis kind appears here without a change to the page.

import { api } from '../api.js';
import { clear, h, note } from '../dom.js';

let info = null;

function field(p) {
  const id = `f-${p.name}`;
  let input;
  if (p.type === 'boolean') {
    input = h('input', { id, name: p.name, type: 'checkbox', checked: !!p.default });
    return {
      row: h('div', { class: 'field' }, h('span', { class: 'label' }, p.label),
        h('label', { class: 'input check', for: id }, input, p.help ? h('span', { class: 'help-inline' }, p.help) : null)),
      value: () => input.checked,
    };
  }
  if (p.type === 'choice') {
    input = h('select', { id, name: p.name }, p.choices.map((c) => h('option', { value: c.value }, c.label)));
    input.value = p.default;
  } else if (p.type === 'duration') {
    input = h('input', { id, name: p.name, type: 'number', min: String(p.min / 1000), max: String(p.max / 1000), step: '0.1', value: String(p.default / 1000) });
  } else {
    input = h('input', { id, name: p.name, type: 'number', min: String(p.min), max: String(p.max), step: '1', value: String(p.default) });
  }
  const unit = p.type === 'duration' ? 's' : p.unit || '';
  return {
    row: h('label', { class: 'field', for: id }, h('span', { class: 'label' }, p.label), h('span', { class: 'input' }, input, unit ? h('span', { class: 'unit' }, unit) : null),
      p.help ? h('span', { class: 'help' }, p.help) : null),
    value: () => (p.type === 'duration' ? Math.round(Number(input.value) * 1000) : p.type === 'integer' ? Number(input.value) : input.value),
  };
}

export async function openRunForm(proc) {
  if (!info) info = await api.get('/api/info');
  const overlay = h('div', { class: 'overlay', id: 'run-dialog' });
  const close = () => overlay.remove();
  const kindSelect = h('select', { id: 'f-kind' }, info.analyses.map((k) => h('option', { value: k.name }, k.title)));
  const fields = h('div', { class: 'fields' });
  const error = h('div');
  let current = [];
  const showKind = () => {
    const kind = info.analyses.find((k) => k.name === kindSelect.value);
    current = kind.params.map((p) => ({ name: p.name, ...field(p) }));
    clear(fields).append(h('p', { class: 'muted small' }, kind.description), ...current.map((f) => f.row));
  };
  kindSelect.addEventListener('change', showKind);
  const submit = h('button', { class: 'primary', type: 'submit', id: 'f-start' }, 'Start');
  const form = h(
    'form',
    {
      class: 'dialog',
      onsubmit: async (ev) => {
        ev.preventDefault();
        submit.disabled = true;
        const params = {};
        for (const f of current) params[f.name] = f.value();
        try {
          const run = await api.post('/api/runs', { kind: kindSelect.value, pid: proc.pid, params });
          close();
          location.hash = `#/runs/${run.id}`;
        } catch (e) {
          clear(error).appendChild(note('error', e.message));
          submit.disabled = false;
        }
      },
    },
    h('h2', {}, 'Analyze process ', h('span', { class: 'mono' }, String(proc.pid))),
    h('p', { class: 'mono small cmd-line', title: proc.command }, proc.command),
    h('label', { class: 'field', for: 'f-kind' }, h('span', { class: 'label' }, 'Analysis'), h('span', { class: 'input' }, kindSelect)),
    fields,
    error,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: close }, 'Cancel'), submit),
  );
  overlay.appendChild(form);
  overlay.addEventListener('click', (ev) => ev.target === overlay && close());
  overlay.addEventListener('keydown', (ev) => ev.key === 'Escape' && close());
  document.body.appendChild(overlay);
  showKind();
  submit.focus();
}

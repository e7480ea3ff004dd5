// Grouped Lua backtraces: each group with how often it was seen, its frames innermost first, and
// the locals and upvalues of each frame as tables. Names, files and values come from the target
// and are put on the page as text only.

import { badge, h } from '../dom.js';

const KIND_LABEL = { lua: 'Lua', builtin: 'builtin', c: 'C', unknown: '?' };
const KIND_CLASS = { lua: 'k-lua', builtin: 'k-lua-builtin', c: 'k-native', unknown: 'k-unknown' };

function where(f) {
  if (f.kind !== 'lua' || !f.file) return '';
  return f.line > 0 ? `${f.file}:${f.line}` : f.file;
}

/**
 * A table of variables. `suspect(name)` returns why a variable deserves a look (it is then
 * highlighted), or undefined.
 */
function variables(title, vars, note, suspect) {
  if (!vars) return null;
  const head = h('div', { class: 'vars-title' }, title, note ? h('span', { class: 'muted small' }, ` ${note}`) : null);
  if (vars.length === 0) return h('div', { class: 'vars' }, head, h('div', { class: 'muted small' }, 'none'));
  return h('div', { class: 'vars' }, head,
    h('table', { class: 'grid vars-table', dataset: { vars: title.toLowerCase() } },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', { class: 'wide' }, 'Value'), h('th', {}, 'Type'))),
      h('tbody', {}, vars.map((v) => {
        const why = suspect ? suspect(v.name) : undefined;
        return h('tr', { class: why ? 'suspect' : '', dataset: { name: v.name }, title: why || null },
          h('td', { class: 'mono var-name' }, v.name),
          h('td', { class: 'wide mono var-value' }, why ? h('mark', {}, v.text) : v.text),
          h('td', {}, badge(v.type, `t-${/^[a-z]+$/.test(v.type) ? v.type : 'other'}`)));
      }))));
}

/** A suspect(frame, name) for backtracesView from a list of suspicions (frame, variable, why). */
export function suspectIn(suspicions) {
  const list = Array.isArray(suspicions) ? suspicions : [];
  if (list.length === 0) return undefined;
  return (f, name) => {
    const s = list.find((x) => x.variable === name && x.frame.function === f.name && x.frame.file === f.file && x.frame.line === f.line);
    return s ? s.why : undefined;
  };
}

/** One frame: position, function, place, markers, then its variables. */
function frameView(f, i, suspectIn) {
  const suspect = suspectIn ? (name) => suspectIn(f, name) : undefined;
  const trace = f.inTrace
    ? h('span', { class: 'badge jit', title: 'This frame runs in a JIT trace: its locals may lag behind the registers.' }, 'JIT trace')
    : null;
  return h('li', { class: 'bt-frame', dataset: { name: f.name, kind: f.kind } },
    h('div', { class: 'bt-line' },
      h('span', { class: 'bt-n mono' }, `#${i}`),
      h('span', { class: 'bt-fn mono' }, f.name),
      h('span', { class: 'bt-at mono muted' }, where(f)),
      h('span', { class: 'spacer' }),
      trace,
      badge(KIND_LABEL[f.kind] || f.kind, KIND_CLASS[f.kind] || 'k-unknown')),
    f.locals || f.upvalues
      ? h('div', { class: 'bt-vars' },
        variables('Locals', f.locals, f.inTrace ? '(in a trace: values may lag behind)' : '', suspect),
        variables('Upvalues', f.upvalues, '', suspect))
      : null);
}

/**
 * The backtraces of a lua-bt run (or the one behind a report).
 * opts: { total: snapshots taken, suspect(frame, name) → why | undefined, open: groups shown open }
 */
export function backtracesView(backtraces, opts) {
  const total = opts.total;
  const open = opts.open ?? 3;
  return h('div', { class: 'backtraces', id: opts.id || 'luabt' }, backtraces.map((bt, n) => {
    const all = bt.count === total && total > 1;
    const summary = h('summary', { class: 'bt-head' },
      h('strong', {}, `Backtrace ${n + 1}`),
      h('span', { class: 'bt-seen' }, `seen in ${bt.count} of ${total} snapshot${total === 1 ? '' : 's'}`),
      h('span', { class: 'meter wide-meter' }, h('i', { style: `width:${total > 0 ? Math.round((100 * bt.count) / total) : 0}%` })),
      all ? h('span', { class: 'muted small' }, 'the same frames every time') : null,
      h('span', { class: 'spacer' }),
      h('span', { class: 'muted small' }, `${bt.frames.length} frame${bt.frames.length === 1 ? '' : 's'}`));
    return h('details', { class: 'bt card flush', open: n < open, dataset: { count: String(bt.count) } },
      summary,
      h('ol', { class: 'bt-frames' }, bt.frames.map((f, i) => frameView(f, i, opts.suspect))));
  }));
}

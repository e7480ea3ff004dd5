// DOM helpers. Everything shown goes through text nodes (textContent), never markup: process names,
// command lines and frame names come from the profiled programs and are untrusted.

/** h('div', {class: 'x', onclick: f}, 'text', child…) — strings become text nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') el.style.cssText = v; // through the CSSOM, which the page's CSP allows
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function fmtTime(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

export function fmtPct(x) {
  return `${(100 * x).toFixed(x >= 0.1 ? 1 : 2)}%`;
}

export function badge(text, kind) {
  return h('span', { class: `badge ${kind || ''}` }, text);
}

export function statusBadge(status) {
  return badge(status, `st-${status}`);
}

/** A message box: kind is 'error', 'warn' or 'info'. */
export function note(kind, ...text) {
  return h('div', { class: `note ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...text);
}

export function settingsText(run) {
  const s = run.settings || {};
  const parts = [];
  if (s.durationMs !== undefined) parts.push(fmtDuration(Number(s.durationMs)));
  if (s.hz !== undefined) parts.push(`${s.hz} Hz`);
  if (s.lang !== undefined) parts.push(String(s.lang));
  if (s.samples !== undefined) parts.push(`${s.samples} snapshot${Number(s.samples) === 1 ? '' : 's'}`);
  if (s.snapshots !== undefined) parts.push(`${s.snapshots} snapshot${Number(s.snapshots) === 1 ? '' : 's'}`);
  if (s.intervalMs !== undefined) parts.push(`every ${s.intervalMs} ms`);
  const vars = [s.locals === true ? 'locals' : '', s.upvalues === true ? 'upvalues' : ''].filter(Boolean);
  if (vars.length) parts.push(vars.join(' + '));
  return parts.join(' · ');
}

/** What people call each analysis kind. */
const KIND_TITLES = { cpu: 'CPU profile', 'lua-bt': 'Lua backtrace', analyze: 'High-CPU analysis' };

export function kindTitle(kind) {
  return Object.prototype.hasOwnProperty.call(KIND_TITLES, kind) ? KIND_TITLES[kind] : String(kind);
}

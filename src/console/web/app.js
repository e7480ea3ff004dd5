// The console's page router: #/processes, #/runs, #/runs/ID, #/compare?base=A&target=B.
// Each page renders into <main> and returns a function that stops its timers and viewers.

import { api, setToken, takeTokenFromUrl } from './api.js';
import { clear, h } from './dom.js';
import { renderProcesses } from './pages/processes.js';
import { renderHistory } from './pages/history.js';
import { renderRun } from './pages/run.js';
import { renderCompare } from './pages/compare.js';

const main = document.getElementById('main');
let cleanup = null;

function route() {
  const hash = location.hash.replace(/^#/, '') || '/processes';
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'runs' && parts[1]) return { page: 'run', render: (m) => renderRun(m, Number(parts[1])) };
  if (parts[0] === 'runs') return { page: 'runs', render: (m) => renderHistory(m, params) };
  if (parts[0] === 'compare') return { page: 'compare', render: (m) => renderCompare(m, params) };
  return { page: 'processes', render: (m) => renderProcesses(m, params) };
}

function show() {
  if (cleanup) cleanup();
  cleanup = null;
  window.fluoroFlame = undefined;
  document.body.removeAttribute('data-ready');
  const r = route();
  document.body.dataset.page = r.page;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.nav === (r.page === 'run' ? 'runs' : r.page));
  clear(main);
  cleanup = r.render(main) || null;
}

function askToken(message) {
  if (cleanup) cleanup();
  cleanup = null;
  document.body.dataset.page = 'token';
  const input = h('input', { type: 'password', id: 'token-input', placeholder: 'Token', autocomplete: 'off', spellcheck: 'false' });
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: (ev) => {
        ev.preventDefault();
        setToken(input.value.trim());
        loadHost();
        show();
      },
    },
    h('h2', {}, 'Access token'),
    h('p', { class: 'muted' }, message),
    input,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Continue')),
  );
  clear(main).appendChild(form);
  input.focus();
}

async function loadHost() {
  try {
    const info = await api.get('/api/info');
    document.getElementById('host').textContent = `${info.host} · fluoro ${info.version}`;
  } catch {
    // The page shows the token form on 401; other failures show on the page itself.
  }
}

window.addEventListener('fluoro-unauthorized', () =>
  askToken('The console needs the token it printed when it started (or open the URL it printed, which carries it).'),
);
window.addEventListener('hashchange', show);
takeTokenFromUrl();
loadHost();
show();

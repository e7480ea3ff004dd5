// A flame graph with its controls: search, reset, legend and the zoom path, around the viewer
// of the HTML format (createFlameGraph from /ui/viewer.js). Used by the run and compare pages.

import { h, clear } from './dom.js';

export function flamePanel(opts = {}) {
  const canvas = h('canvas', { id: 'flame', role: 'img', 'aria-label': 'Flame graph' });
  const search = h('input', { type: 'search', id: 'flame-search', placeholder: 'Search frames (text or regex)', spellcheck: 'false', autocomplete: 'off' });
  const match = h('span', { class: 'match', id: 'flame-match', 'aria-live': 'polite' });
  const reset = h('button', { id: 'flame-reset', disabled: true }, 'Reset zoom');
  const legend = h('div', { class: 'legend', id: 'flame-legend' });
  const crumb = h('div', { class: 'crumb', id: 'flame-crumb' });
  const plot = h('div', { class: 'plot' }, canvas);
  const el = h('div', { class: 'flame-panel' }, h('div', { class: 'toolbar' }, search, match, reset, h('span', { class: 'spacer' }), ...(opts.tools || [])), h('div', { class: 'legend-row' }, legend, crumb), plot);
  let flame = null;
  let timer = 0;

  function runSearch() {
    if (!flame) return;
    const r = flame.search(search.value);
    match.textContent = r ? `Matched ${r.text}` : '';
    match.classList.toggle('hit', !!(r && r.frames > 0));
  }
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(runSearch, 120);
  });
  reset.addEventListener('click', () => flame && flame.reset());

  return {
    el,
    /** Draws new data (replacing the graph). `options` go to createFlameGraph (colour, tipLines). */
    show(data, options) {
      if (flame) flame.destroy();
      flame = createFlameGraph(canvas, data, options);
      window.fluoroFlame = flame;
      clear(legend);
      if (opts.legend) legend.append(...opts.legend());
      else
        for (const k of flame.kindsPresent()) {
          const sw = h('i');
          sw.style.background = k.colour;
          legend.appendChild(h('span', {}, sw, k.label));
        }
      const onZoom = (f) => {
        reset.disabled = !f || f.index === 0;
        crumb.textContent = f && f.index !== 0 ? `Zoomed: ${f.name} · ${formatShare(f.value, data.total)}` : '';
      };
      flame.on('zoom', onZoom);
      onZoom(flame.zoomed());
      if (search.value) runSearch();
      return flame;
    },
    /** Highlights every frame with this exact name and zooms to the widest of them. */
    focus(name) {
      if (!flame) return;
      search.value = '^' + name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$';
      runSearch();
      const i = flame.widest(name);
      if (i >= 0) flame.zoom(i);
      plot.scrollIntoView({ block: 'nearest' });
    },
    destroy() {
      clearTimeout(timer);
      if (flame) flame.destroy();
      flame = null;
    },
  };
}

// A self-contained interactive flame graph: one HTML file with its data, style and script inline,
// that opens offline and cannot reach the network (its Content-Security-Policy forbids it).
// Untrusted names reach the page only through the JSON payload (escaped for <script>) and are
// put on screen with canvas fillText or textContent, never as markup.

import type { Profile } from '../model/profile.js';
import { boundName, escapeHtml } from './escape.js';
import { flameDataJson, type FlameDataOptions } from './flamedata.js';
import { profileSubtitle } from './units.js';
import { VIEWER_SCRIPT } from './viewer.js';

interface HtmlOptions extends FlameDataOptions {
  title?: string;
  /** Line under the title; defaults to sample type, total, duration and start time. */
  subtitle?: string;
}

const STYLE = `
*{box-sizing:border-box}
html,body{margin:0;background:#fff;color:#1f2328;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
header{position:sticky;top:0;z-index:5;background:#f6f8fa;border-bottom:1px solid #d0d7de;padding:10px 16px 8px}
.bar{display:flex;align-items:center;gap:16px;flex-wrap:wrap}
.titles{flex:1 1 320px;min-width:0}
h1{font-size:17px;font-weight:600;margin:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.sub{color:#57606a;font-size:12.5px;margin-top:1px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.controls{display:flex;align-items:center;gap:8px}
input[type=search]{width:280px;font:inherit;font-size:13px;padding:5px 9px;border:1px solid #d0d7de;border-radius:6px;background:#fff}
input[type=search]:focus{outline:2px solid #0969da;outline-offset:-1px;border-color:#0969da}
input.bad{border-color:#cf222e}
button{font:inherit;font-size:13px;padding:5px 12px;border:1px solid #d0d7de;border-radius:6px;background:#fff;cursor:pointer}
button:hover{background:#f3f4f6}
button:disabled{color:#8c959f;cursor:default;background:#fff}
#match{font-size:12.5px;color:#57606a;min-width:110px;text-align:right;font-variant-numeric:tabular-nums}
#match.hit{color:#8250df;font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin-top:7px;font-size:12px;color:#57606a}
.legend span{display:inline-flex;align-items:center;gap:5px}
.legend i{display:inline-block;width:11px;height:11px;border-radius:2px}
.crumb{font-size:12px;color:#57606a;margin-left:auto;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:45%}
#chart{padding:8px 16px 24px}
#plot{position:relative;width:100%}
canvas{display:block}
`;

/** Page glue: wires the header (search, reset, legend, zoom path) to the reusable viewer. */
const PAGE_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('fluoro-data').textContent);
  var canvas = document.getElementById('flame');
  var flame = createFlameGraph(canvas, data);
  window.fluoroFlame = flame;
  var input = document.getElementById('search'), match = document.getElementById('match');
  var reset = document.getElementById('reset'), crumb = document.getElementById('crumb');
  var legend = document.getElementById('legend');
  flame.kindsPresent().forEach(function (k) {
    var s = document.createElement('span'), sw = document.createElement('i');
    sw.style.background = k.colour;
    s.appendChild(sw);
    s.appendChild(document.createTextNode(k.label));
    legend.appendChild(s);
  });
  function onZoom(f) {
    reset.disabled = !f || f.index === 0;
    crumb.textContent = f && f.index !== 0 ? 'Zoomed: ' + f.name + ' \u00b7 ' + formatShare(f.value, data.total) : '';
  }
  flame.on('zoom', onZoom);
  onZoom(flame.zoomed());
  reset.addEventListener('click', function () { flame.reset(); });
  var timer = 0;
  function runSearch() {
    var q = input.value;
    var r = flame.search(q);
    input.classList.toggle('bad', false);
    if (!r) { match.textContent = ''; match.className = ''; return; }
    match.textContent = 'Matched ' + r.text;
    match.className = r.frames > 0 ? 'hit' : '';
  }
  input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(runSearch, 120); });
  input.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { clearTimeout(timer); runSearch(); } });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') { if (document.activeElement === input && input.value) { input.value = ''; runSearch(); } else flame.reset(); }
    if ((ev.ctrlKey || ev.metaKey) && ev.key === 'f') { ev.preventDefault(); input.focus(); input.select(); }
  });
  document.body.setAttribute('data-ready', '1');
})();
`;

export function writeHtml(p: Profile, opts: HtmlOptions = {}): string {
  const vi = opts.valueIndex ?? p.defaultSampleType;
  const title = escapeHtml(boundName(opts.title ?? 'Flame graph', 200));
  const subtitle = escapeHtml(boundName(opts.subtitle ?? profileSubtitle(p, vi), 300));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="fluoro">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<div class="bar">
<div class="titles"><h1>${title}</h1><div class="sub">${subtitle}</div></div>
<div class="controls"><input id="search" type="search" placeholder="Search functions (text or regex)" spellcheck="false" autocomplete="off" aria-label="Search"><span id="match" aria-live="polite"></span><button id="reset" type="button" disabled>Reset zoom</button></div>
</div>
<div class="bar"><div class="legend" id="legend" aria-label="Frame kinds"></div><div class="crumb" id="crumb"></div></div>
</header>
<div id="chart"><div id="plot"><canvas id="flame" role="img" aria-label="Flame graph"></canvas></div></div>
<script type="application/json" id="fluoro-data">${flameDataJson(p, { ...(opts.valueIndex !== undefined ? { valueIndex: vi } : {}), ...(opts.minShare !== undefined ? { minShare: opts.minShare } : {}) })}</script>
<script>${VIEWER_SCRIPT}${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

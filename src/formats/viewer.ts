// The flame graph viewer that runs in the browser, kept as script text so it can be inlined into
// a self-contained page or served by the web console. It needs only a <canvas> and a FlameData
// payload (flamedata.ts): `createFlameGraph(canvas, data)` returns a controller to zoom, search
// and query frames. It draws on one canvas, skipping subtrees that are off-range or under a
// third of a pixel, so profiles with hundreds of thousands of frames stay smooth. Root at the top
// (an icicle), as interactive profilers do: the interesting leaves scroll into view below.
//
// Colours and number formats are the very functions the SVG uses, embedded by their source.

import { MATCH_COLOUR, shadeColour } from './palette.js';
import { formatShare, formatValue } from './units.js';

export const VIEWER_SCRIPT = String.raw`
${shadeColour.toString()}
${formatValue.toString()}
${formatShare.toString()}

function createFlameGraph(canvas, data, options) {
  options = options || {};
  var ROW = options.rowHeight || 18;
  var FONT = '12px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace';
  var MATCH = ${JSON.stringify(MATCH_COLOUR)};
  var MIN_PX = 0.35;
  // Browsers refuse canvases much taller than 32k pixels; deeper rows are not drawn.
  var MAX_ROWS = Math.floor(30000 / ROW);
  var n = data.n.length, names = data.names, nameOf = data.n, kindOf = data.k, depth = data.d, value = data.v, self = data.s;
  var total = data.total;

  // Layout from pre-order depths: start of each node and the end of its subtree.
  var start = new Float64Array(n), end = new Int32Array(n), maxDepth = 0;
  (function layout() {
    var cursor = [0], open = [];
    for (var i = 0; i < n; i++) {
      var d = depth[i];
      if (d > maxDepth) maxDepth = d;
      while (open.length && depth[open[open.length - 1]] >= d) end[open.pop()] = i;
      start[i] = d === 0 ? 0 : (cursor[d] || 0);
      cursor[d] = start[i] + value[i];
      cursor[d + 1] = start[i];
      open.push(i);
    }
    while (open.length) end[open.pop()] = n;
  })();
  var rows = Math.min(maxDepth + 1, MAX_ROWS);

  var ctx = canvas.getContext('2d');
  var colours = new Array(n);
  var matched = new Uint8Array(n);
  var searching = false;
  var zoomIdx = 0, hoverIdx = -1;
  var cssWidth = 0, charW = 7;
  var visible = [];
  var listeners = { zoom: [], hover: [] };
  var api;

  function colourOf(i) {
    var c = colours[i];
    if (c === undefined) {
      var kc = data.kinds[kindOf[i]] || { h: 0, s: 0, l: 70 };
      c = colours[i] = (options.colour && options.colour(i)) ||
        (i === 0 ? '#c9d1d9' : shadeColour(kc.h, kc.s, kc.l, names[nameOf[i]]));
    }
    return c;
  }

  function range() {
    return [start[zoomIdx], start[zoomIdx] + value[zoomIdx]];
  }

  function draw() {
    var t0 = performance.now();
    var dpr = window.devicePixelRatio || 1;
    cssWidth = canvas.parentElement ? canvas.parentElement.clientWidth : canvas.clientWidth || 800;
    var cssHeight = rows * ROW;
    if (canvas.width !== Math.round(cssWidth * dpr) || canvas.height !== Math.round(cssHeight * dpr)) {
      canvas.width = Math.round(cssWidth * dpr);
      canvas.height = Math.round(cssHeight * dpr);
      canvas.style.width = cssWidth + 'px';
      canvas.style.height = cssHeight + 'px';
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssWidth, cssHeight);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    charW = ctx.measureText('MMMMMMMMMM').width / 10 || 7;
    var r = range(), x0 = r[0], x1 = r[1], scale = cssWidth / (x1 - x0 || 1), zd = depth[zoomIdx];
    visible = [];
    for (var i = 0; i < n; ) {
      var s = start[i], e = s + value[i];
      if (e <= x0 || s >= x1 || depth[i] >= rows) { i = end[i]; continue; }
      var px = (Math.max(s, x0) - x0) * scale, pw = (Math.min(e, x1) - Math.max(s, x0)) * scale;
      if (pw < MIN_PX) { i = end[i]; continue; }
      var y = depth[i] * ROW;
      ctx.globalAlpha = depth[i] < zd ? 0.55 : 1;
      ctx.fillStyle = searching && matched[i] ? MATCH : colourOf(i);
      // A one-pixel gap separates frames; slivers keep their full width so dense rows stay solid.
      ctx.fillRect(px, y, pw >= 3 ? pw - 1 : pw, ROW - 1);
      if (i === hoverIdx) {
        ctx.strokeStyle = '#1f2328';
        ctx.lineWidth = 1.5;
        ctx.strokeRect(px + 0.75, y + 0.75, Math.max(pw - 2.5, 0), ROW - 2.5);
      }
      var fit = Math.floor((pw - 8) / charW);
      if (fit >= 3) {
        var name = names[nameOf[i]];
        ctx.fillStyle = '#1f2328';
        ctx.fillText(name.length <= fit ? name : name.slice(0, fit - 1) + '\u2026', px + 4, y + ROW / 2);
      }
      visible.push(i, px, pw);
      i++;
    }
    ctx.globalAlpha = 1;
    api.lastDrawMs = performance.now() - t0;
  }

  function nodeAt(x, y) {
    var row = Math.floor(y / ROW);
    if (row < 0 || row >= rows || x < 0 || x >= cssWidth) return -1;
    var r = range(), xv = r[0] + (x / cssWidth) * (r[1] - r[0]);
    var i = 0;
    if (xv < start[0] || xv >= start[0] + value[0]) return -1;
    while (depth[i] < row) {
      var j = i + 1, next = -1;
      while (j < end[i]) {
        if (start[j] <= xv && xv < start[j] + value[j]) { next = j; break; }
        j = end[j];
      }
      if (next < 0) return -1;
      i = next;
    }
    return i;
  }

  function info(i) {
    if (i < 0) return null;
    var r = range(), scale = cssWidth / (r[1] - r[0] || 1);
    var s = Math.max(start[i], r[0]), e = Math.min(start[i] + value[i], r[1]);
    var kc = data.kinds[kindOf[i]];
    return {
      index: i, name: names[nameOf[i]], kind: kc ? kc.name : 'unknown', kindLabel: kc ? kc.label : 'unknown',
      value: value[i], self: self[i], share: total > 0 ? value[i] / total : 0,
      x: (s - r[0]) * scale, y: depth[i] * ROW, width: (e - s) * scale, height: ROW, depth: depth[i],
      matched: searching && matched[i] === 1
    };
  }

  function zoom(i) {
    if (!(i >= 0 && i < n)) i = 0;
    zoomIdx = i;
    draw();
    listeners.zoom.forEach(function (f) { f(info(i)); });
  }

  function search(query) {
    matched.fill(0);
    searching = !!query;
    if (!searching) { draw(); return null; }
    var re = null;
    try { re = new RegExp(query, 'i'); } catch (err) { re = null; }
    var lower = query.toLowerCase();
    var nameHit = new Uint8Array(names.length);
    for (var t = 1; t < names.length; t++) {
      nameHit[t] = (re ? re.test(names[t]) : names[t].toLowerCase().indexOf(lower) >= 0) ? 1 : 0;
    }
    for (var i = 1; i < n; i++) matched[i] = nameHit[nameOf[i]];
    // The matched share counts each sample once: a match nested in a match adds nothing.
    var sum = 0, count = 0;
    for (var k = 1; k < n; ) {
      if (matched[k]) { sum += value[k]; count++; k = end[k]; } else k++;
    }
    draw();
    return { value: sum, share: total > 0 ? sum / total : 0, text: formatShare(sum, total), frames: count };
  }

  // Tooltip: one absolutely positioned element, filled with textContent only (names are untrusted).
  var tip = document.createElement('div');
  tip.className = 'fluoro-tip';
  tip.style.cssText = 'position:fixed;pointer-events:none;display:none;z-index:10;max-width:560px;' +
    'background:#1f2328;color:#f6f8fa;font:12px/1.45 system-ui,sans-serif;padding:7px 10px;border-radius:6px;' +
    'box-shadow:0 4px 14px rgba(0,0,0,.25);word-break:break-all';
  document.body.appendChild(tip);

  function showTip(i, clientX, clientY) {
    if (i < 0) { tip.style.display = 'none'; return; }
    var f = info(i);
    tip.textContent = '';
    var head = document.createElement('div');
    head.style.cssText = 'font-weight:600;margin-bottom:2px';
    head.textContent = f.name;
    var kind = document.createElement('div');
    kind.style.cssText = 'color:#8c959f';
    kind.textContent = f.kindLabel;
    var vals = document.createElement('div');
    vals.textContent = formatValue(f.value, data.unit) + ' \u00b7 ' + formatShare(f.value, total) +
      (f.self > 0 ? ' \u00b7 self ' + formatValue(f.self, data.unit) : '');
    tip.appendChild(head);
    if (i > 0) tip.appendChild(kind);
    tip.appendChild(vals);
    // Extra lines from the page (e.g. the change in a differential graph), as text.
    (options.tipLines ? options.tipLines(i) : []).forEach(function (line) {
      var extra = document.createElement('div');
      extra.textContent = line;
      tip.appendChild(extra);
    });
    tip.style.display = 'block';
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = clientX + 14, top = clientY + 16;
    if (left + w > window.innerWidth - 4) left = Math.max(4, clientX - w - 14);
    if (top + h > window.innerHeight - 4) top = Math.max(4, clientY - h - 12);
    tip.style.left = left + 'px';
    tip.style.top = top + 'px';
  }

  function local(ev) {
    var b = canvas.getBoundingClientRect();
    return [ev.clientX - b.left, ev.clientY - b.top];
  }
  canvas.addEventListener('mousemove', function (ev) {
    var p = local(ev), i = nodeAt(p[0], p[1]);
    canvas.style.cursor = i >= 0 ? 'pointer' : 'default';
    if (i !== hoverIdx) { hoverIdx = i; draw(); listeners.hover.forEach(function (f) { f(info(i)); }); }
    showTip(i, ev.clientX, ev.clientY);
  });
  canvas.addEventListener('mouseleave', function () {
    hoverIdx = -1; tip.style.display = 'none'; draw();
  });
  canvas.addEventListener('click', function (ev) {
    var p = local(ev), i = nodeAt(p[0], p[1]);
    if (i >= 0) zoom(i === zoomIdx ? 0 : i);
  });
  var observer = null;
  if (typeof ResizeObserver === 'function' && canvas.parentElement) {
    var lastW = -1;
    observer = new ResizeObserver(function () {
      var w = canvas.parentElement.clientWidth;
      if (w !== lastW) { lastW = w; draw(); }
    });
    observer.observe(canvas.parentElement);
  }

  api = {
    lastDrawMs: 0,
    total: total,
    unit: data.unit,
    nodeCount: n,
    draw: draw,
    zoom: zoom,
    reset: function () { zoom(0); },
    search: search,
    zoomed: function () { return info(zoomIdx); },
    frameAt: function (x, y) { return info(nodeAt(x, y)); },
    /** Frames drawn by the last draw, as {name, kind, x, y, width, ...}; for tests and tools. */
    visibleFrames: function () {
      var out = [];
      for (var q = 0; q < visible.length; q += 3) out.push(info(visible[q]));
      return out;
    },
    /** Kinds that occur in the profile, in palette order, with their legend colour. */
    kindsPresent: function () {
      var seen = new Uint8Array(data.kinds.length);
      for (var i = 1; i < n; i++) seen[kindOf[i]] = 1;
      var out = [];
      data.kinds.forEach(function (kc, ki) {
        if (seen[ki]) out.push({ name: kc.name, label: kc.label, colour: shadeColour(kc.h, kc.s, kc.l, '') });
      });
      return out;
    },
    on: function (event, f) { if (listeners[event]) listeners[event].push(f); },
    /** Index of the widest frame with exactly this name, or -1: for focusing a frame found elsewhere. */
    widest: function (name) {
      var best = -1;
      for (var i = 1; i < n; i++) if (names[nameOf[i]] === name && (best < 0 || value[i] > value[best])) best = i;
      return best;
    },
    /** Removes the tooltip and stops watching the size: for pages that replace the graph. */
    destroy: function () {
      if (observer) observer.disconnect();
      if (tip.parentNode) tip.parentNode.removeChild(tip);
      listeners = { zoom: [], hover: [] };
    }
  };
  draw();
  return api;
}
`;

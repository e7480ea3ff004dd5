// RESULTS.md: the machine, how the run went, a table per target with every tool side by side,
// and fluoro against its targets with pass/fail.

import {
  completenessPct,
  lossAt,
  luaSharePct,
  measureAt,
  peakRss,
  ttfg,
  type BenchResults,
  type TargetRecord,
  type ToolRecord,
} from './results.js';
import { summarize, type Summary } from './stats.js';
import type { ViewerRecord } from './viewer.js';

const f1 = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1));

function spread(s: Summary | undefined, unit = '', digits = f1): string {
  if (!s) return '–';
  if (s.n === 1 || digits(s.min) === digits(s.max)) return `${digits(s.median)}${unit}`;
  return `${digits(s.median)}${unit} (${digits(s.min)}…${digits(s.max)})`;
}

const ms = (x: number) => (x >= 10000 ? `${(x / 1000).toFixed(0)} s` : x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`);

function toolRow(t: ToolRecord, target: TargetRecord, hzs: number[]): string {
  if (t.unavailable) return `| ${t.tool} | ${t.unavailable} |${' |'.repeat(hzs.length + 7)}`;
  const main = hzs.includes(99) ? 99 : (hzs[0] ?? 99);
  const cells = [
    ...hzs.map((hz) => spread(lossAt(t, hz), '%')),
    spread(measureAt(t, main, completenessPct), '%'),
    spread(measureAt(t, main, (r) => r.measures?.meanDepth)),
    target.lua ? spread(measureAt(t, main, luaSharePct), '%') : 'n/a',
    spread(ttfg(t, true, main), '', ms),
    spread(ttfg(t, false, main), '', ms),
    spread(measureAt(t, main, (r) => r.cpuPct), '%'),
    (() => {
      const rss = peakRss(t);
      const post = Math.max(0, ...t.runs.map((r) => r.postRssKb ?? 0));
      return rss === undefined ? '–' : `${(rss / 1024).toFixed(0)} MB${post ? ` (+${(post / 1024).toFixed(0)} MB perf script)` : ''}`;
    })(),
    (() => {
      const b = measureAt(t, main, (r) => r.bpfMapBytes);
      return b ? `${(b.median / 2 ** 20).toFixed(1)} MiB` : 'n/a';
    })(),
  ];
  const errors = t.runs.filter((r) => r.error).length;
  return `| ${t.tool}${errors ? ` (${errors} runs failed)` : ''} | ${cells.join(' | ')} |`;
}

interface Check {
  what: string;
  value: string;
  pass: boolean | undefined;
}

function checks(r: BenchResults, target: TargetRecord): Check[] {
  const t = target.tools.find((x) => x.tool === 'fluoro');
  if (!t) return [];
  const out: Check[] = [];
  const add = (what: string, s: Summary | undefined, limit: number, fmt: (x: number) => string, higherIsBetter = false) =>
    out.push({
      what,
      value: s ? fmt(s.median) : 'not measured',
      pass: s ? (higherIsBetter ? s.median >= limit : s.median <= limit) : undefined,
    });
  if (r.config.hzs.includes(99)) add('throughput loss at 99 Hz ≤ 1%', lossAt(t, 99), 1, (x) => `${f1(x)}%`);
  if (r.config.hzs.includes(999)) add('throughput loss at 999 Hz ≤ 5%', lossAt(t, 999), 5, (x) => `${f1(x)}%`);
  if (target.name.startsWith('nginx'))
    add('complete stacks ≥ 95%', measureAt(t, 99, completenessPct), 95, (x) => `${f1(x)}%`, true);
  add('time to flame graph, cold ≤ 1 s', ttfg(t, true, 99), 1000, ms);
  add('time to flame graph, warm ≤ 0.2 s', ttfg(t, false, 99), 200, ms);
  add('profiler CPU at 99 Hz ≤ 2% of a core', measureAt(t, 99, (x) => x.cpuPct), 2, (x) => `${f1(x)}%`);
  const rss = peakRss(t);
  out.push({ what: 'peak RSS ≤ 150 MB', value: rss ? `${(rss / 1024).toFixed(0)} MB` : '–', pass: rss ? rss <= 150 * 1024 : undefined });
  return out;
}

export function renderReport(r: BenchResults, notes: string[]): string {
  const m = r.machine;
  const hzs = r.config.hzs;
  const L: string[] = [];
  L.push('# fluoro benchmarks: fluoro beside perf, bpftrace and libbpf-tools', '');
  L.push('Written by `npm run bench`' + (r.config.quick ? ' -- --quick' : '') + '; method in docs/design/0003-benchmarks.md; raw numbers in results.json.', '');
  L.push('## Machine and run', '');
  L.push(`- CPU: ${m.cpuModel}, ${m.cores} cores; kernel ${m.kernel}; ${m.memoryGiB} GiB memory`);
  L.push(`- date: ${m.date}; load average before ${m.loadAverageBefore}, after ${r.loadAverageAfter}; took ${(r.wallSeconds / 60).toFixed(1)} min`);
  L.push(`- versions: ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  L.push(`- ${r.config.reps} repetitions of ${r.config.seconds} s per tool and rate; rates ${hzs.join(', ')} Hz; ${r.config.pinning}`);
  for (const n of notes) L.push(`- ${n}`);
  L.push('');
  L.push('Cells are the median over repetitions, (min…max) when there are several. Loss is the target\'s throughput');
  L.push('against the run without a profiler just before; negative loss is noise. Completeness, depth, Lua share,');
  L.push('CPU and BPF map memory are at 99 Hz. Time to flame graph runs from Ctrl-C to folded stacks on disk.');
  L.push('');
  for (const t of r.targets) {
    L.push(`## ${t.name}`, '', t.description + '.', '');
    if (t.error) {
      L.push(`**Failed:** ${t.error}`, '');
      continue;
    }
    const base = t.baselines.filter((b) => b.hz === (hzs.includes(99) ? 99 : hzs[0])).map((b) => b.rate);
    L.push(
      `Without a profiler: ${base.map((x) => x.toFixed(0)).join(', ')} ${t.unit}` +
        (t.targetCpuPct !== undefined ? `; the profiled process used ${t.targetCpuPct.toFixed(0)}% of a core.` : '.'),
      '',
    );
    L.push(
      `| tool | ${hzs.map((hz) => `loss ${hz} Hz`).join(' | ')} | complete stacks | mean depth | Lua frames in Lua-VM samples | to flame graph, cold | warm | profiler CPU | peak RSS | BPF maps |`,
    );
    L.push(`|---|${hzs.map(() => '---:').join('|')}|---:|---:|---:|---:|---:|---:|---:|---:|`);
    for (const tool of t.tools) L.push(toolRow(tool, t, hzs));
    L.push('');
    const cs = checks(r, t);
    if (cs.length) {
      L.push(`fluoro against its targets on ${t.name}:`, '', '| target | fluoro | pass |', '|---|---:|:---:|');
      for (const c of cs) L.push(`| ${c.what} | ${c.value} | ${c.pass === undefined ? '–' : c.pass ? 'pass' : '**fail**'} |`);
      L.push('');
    }
    const failures = t.tools.flatMap((x) => x.runs.filter((run) => run.error).map((run) => `${x.tool} at ${run.hz} Hz: ${run.error}`));
    if (failures.length) L.push('Failed runs:', '', ...failures.slice(0, 10).map((f) => `- ${f}`), '');
  }
  if (r.viewer) L.push(...viewerSection(r.viewer));
  return L.join('\n') + '\n';
}

function viewerSection(v: ViewerRecord): string[] {
  const L = ['## The flame graph page', ''];
  L.push(
    `fluoro's interactive HTML flame graph of ${v.stacks.toLocaleString('en-US')} distinct stacks, opened in headless chromium ` +
      `(Debian's, through playwright-core) ${v.loadMs.length} times.`,
    '',
  );
  if (v.error) L.push(`**Failed:** ${v.error}`, '');
  if (v.loadMs.length === 0) return L;
  L.push('| page | nodes | written in | loaded and drawn in | one redraw | search answered in |', '|---:|---:|---:|---:|---:|---:|');
  L.push(
    `| ${(v.htmlBytes / 1e6).toFixed(2)} MB | ${v.nodes.toLocaleString('en-US')} | ${spread(summarize(v.writeMs), '', ms)} | ` +
      `${spread(summarize(v.loadMs), '', ms)} | ${spread(summarize(v.drawMs), ' ms')} | ${spread(summarize(v.searchMs), '', ms)} |`,
    '',
  );
  return L;
}

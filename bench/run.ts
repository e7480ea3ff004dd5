// `npm run bench [-- --quick]`: fluoro, perf (DWARF and frame pointers), bpftrace and libbpf-tools'
// profile on the same targets in the same run; writes bench/RESULTS.md and bench/results.json.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from './machine.js';
import { cpuSeconds, killAll } from './proc.js';
import { renderReport } from './report.js';
import type { BenchResults, RunRecord, TargetRecord, ToolRecord } from './results.js';
import { runSession } from './session.js';
import { nginxTarget } from './target-nginx.js';
import { pythonTarget } from './target-python.js';
import { OTHER_CPU, TARGET_CPU, type RunningTarget, type Target } from './target.js';
import { bpftraceTool } from './tool-bpftrace.js';
import { fluoroTool } from './tool-fluoro.js';
import { libbpfProfileTool } from './tool-libbpf-profile.js';
import { perfDwarfTool, perfFpTool } from './tool-perf.js';
import type { Tool } from './tool.js';
import { benchViewer, type ViewerRecord } from './viewer.js';
import { which } from './which.js';

// dist/bench/run.js → bench/ in the repository.
const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');

interface Config {
  quick: boolean;
  seconds: number;
  reps: number;
  hzs: number[];
  only?: string[];
  tools?: string[];
}

function parseArgs(argv: string[]): Config {
  const quick = argv.includes('--quick');
  const c: Config = quick ? { quick, seconds: 2, reps: 2, hzs: [99] } : { quick, seconds: 5, reps: 3, hzs: [49, 99, 999] };
  const only = argv.find((a) => a.startsWith('--targets='));
  if (only) c.only = only.slice('--targets='.length).split(',');
  const tools = argv.find((a) => a.startsWith('--tools='));
  if (tools) c.tools = tools.slice('--tools='.length).split(',');
  return c;
}

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

/** Installs the peers from Debian's packages when missing (bpftrace; libbpf-tools for profile). */
function installPeers(): void {
  const missing = ['bpftrace', 'libbpf-tools', 'time'].filter((p) => {
    try {
      return !/install ok installed/.test(execFileSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }));
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  log(`installing ${missing.join(' ')}`);
  try {
    execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (err) {
    log(`could not install ${missing.join(' ')}: ${(err as Error).message}; those tools will be reported unavailable`);
  }
}

function gitHead(): string | undefined {
  try {
    const root = join(BENCH_DIR, '..');
    const sha = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return `commit ${sha}${dirty ? ' with uncommitted changes in the work tree' : ''}`;
  } catch {
    return undefined;
  }
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

async function measureBaseline(t: RunningTarget, seconds: number): Promise<{ rate: number; cpuPct: number }> {
  const c0 = cpuSeconds(t.pid) ?? 0;
  const s0 = performance.now();
  const rate = await t.measure(seconds);
  const cpuPct = (100 * ((cpuSeconds(t.pid) ?? c0) - c0)) / ((performance.now() - s0) / 1000);
  return { rate, cpuPct };
}

async function benchTarget(target: Target, tools: Tool[], c: Config, work: string): Promise<TargetRecord> {
  const rec: TargetRecord = {
    name: target.name,
    description: target.description,
    unit: target.unit,
    lua: target.lua,
    baselines: [],
    tools: tools.map((t): ToolRecord => {
      const why = t.unavailable();
      return why ? { tool: t.name, unavailable: why, runs: [] } : { tool: t.name, runs: [] };
    }),
  };
  let running: RunningTarget | undefined;
  try {
    log(`${target.name}: starting`);
    running = await target.start();
    const cpu: number[] = [];
    for (const hz of c.hzs) {
      for (let rep = 0; rep < c.reps; rep++) {
        const base = await measureBaseline(running, c.seconds);
        cpu.push(base.cpuPct);
        rec.baselines.push({ hz, rep, rate: base.rate });
        log(`${target.name} ${hz} Hz rep ${rep + 1}/${c.reps}: no profiler ${base.rate.toFixed(0)} ${target.unit}`);
        // Rotate the order per repetition so that no tool always runs first after the baseline.
        const order = rec.tools.map((_, i) => i).filter((i) => !rec.tools[i]?.unavailable);
        const rotated = order.slice(rep % Math.max(1, order.length)).concat(order.slice(0, rep % Math.max(1, order.length)));
        for (const i of rotated) {
          const tool = tools[i] as Tool;
          const tr = rec.tools[i] as ToolRecord;
          const dir = mkdtempSync(join(work, `${target.name}-${i}-`));
          const run: RunRecord = { hz, rep, baseline: base.rate };
          try {
            const session = () => runSession({
              tool,
              pid: (running as RunningTarget).pid,
              hz,
              dir,
              seconds: c.seconds,
              measure: (s) => (running as RunningTarget).measure(s),
              cold: hz === (c.hzs.includes(99) ? 99 : c.hzs[0]) && rep === 0,
              storeDir: join(work, 'stores'),
            });
            // A tool that fails before sampling (a BPF load refused under a busy kernel) gets a second try.
            const r = await session().catch(async (err: Error) => {
              if (!/before sampling|to attach|to start/.test(err.message)) throw err;
              log(`  ${tool.name}: ${err.message.slice(0, 160)}; retrying`);
              return session();
            });
            Object.assign(run, r);
            run.lossPct = 100 * (1 - r.rate / base.rate);
            log(
              `  ${tool.name}: loss ${run.lossPct.toFixed(1)}%, ${r.measures.samples} samples, ` +
                `${((100 * r.measures.complete) / Math.max(1, r.measures.samples)).toFixed(0)}% complete, ` +
                `flame graph in ${r.ttfgMs.toFixed(0)} ms${r.cold ? ' (cold)' : ''}, CPU ${r.cpuPct.toFixed(1)}%, RSS ${(r.peakRssKb / 1024).toFixed(0)} MB`,
            );
          } catch (err) {
            run.error = (err as Error).message.replace(/\s+/g, ' ').slice(0, 300);
            log(`  ${tool.name}: failed: ${run.error}`);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
          tr.runs.push(run);
        }
      }
    }
    rec.targetCpuPct = cpu.reduce((a, b) => a + b, 0) / Math.max(1, cpu.length);
  } catch (err) {
    rec.error = (err as Error).message;
    log(`${target.name}: failed: ${rec.error}`);
  } finally {
    await running?.stop();
  }
  return rec;
}

function writeReport(out: BenchResults, notes: string[]): void {
  let report = renderReport(out, notes);
  const findings = join(BENCH_DIR, 'FINDINGS.md');
  if (existsSync(findings)) report += '\n' + readFileSync(findings, 'utf8');
  writeFileSync(join(BENCH_DIR, 'RESULTS.md'), report);
}

async function main(): Promise<number> {
  const c = parseArgs(process.argv.slice(2));
  if (process.argv.includes('--report-only')) {
    // Re-renders RESULTS.md from results.json (after editing FINDINGS.md, say).
    const out = JSON.parse(readFileSync(join(BENCH_DIR, 'results.json'), 'utf8')) as BenchResults;
    writeReport(out, out.notes ?? []);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    log('needs root (perf events, BPF, dropping the page cache)');
    return 1;
  }
  for (const cmd of ['nginx', 'wrk', 'perf', 'taskset']) if (!which(cmd)) log(`warning: ${cmd} is not installed (run ./setup.sh)`);
  installPeers();
  const started = performance.now();
  const mach = machine();
  let tools: Tool[] = [fluoroTool, perfDwarfTool, perfFpTool, bpftraceTool, libbpfProfileTool];
  if (c.tools) tools = tools.filter((t) => c.tools?.includes(t.name));
  let targets: Target[] = [nginxTarget(false), nginxTarget(true), pythonTarget];
  if (c.only) targets = targets.filter((t) => c.only?.includes(t.name));
  const work = mkdtempSync(join(tmpdir(), 'fluoro-bench-'));
  const results: TargetRecord[] = [];
  let viewer: ViewerRecord | undefined;
  try {
    for (const t of targets) results.push(await benchTarget(t, tools, c, work));
    if (!c.only || c.only.includes('viewer')) {
      log('viewer: the flame graph page in chromium');
      viewer = await benchViewer(join(work, 'viewer'), c.reps);
      log(`viewer: ${viewer.error ?? `loaded in ${viewer.loadMs.map((x) => x.toFixed(0)).join(', ')} ms`}`);
    }
  } finally {
    await killAll();
    rmSync(work, { recursive: true, force: true });
  }
  const out: BenchResults = {
    machine: mach,
    config: {
      quick: c.quick,
      seconds: c.seconds,
      reps: c.reps,
      hzs: c.hzs,
      pinning: `target on CPU ${TARGET_CPU}; wrk, the profilers and their post-processing on CPU ${OTHER_CPU}`,
    },
    targets: results,
    ...(viewer ? { viewer } : {}),
    loadAverageAfter: loadAverage(),
    wallSeconds: (performance.now() - started) / 1000,
  };
  const notes: string[] = [];
  if (c.only) notes.push(`targets limited to ${c.only.join(', ')}`);
  if (c.tools) notes.push(`tools limited to ${c.tools.join(', ')}`);
  const head = gitHead();
  if (head) notes.push(`fluoro: ${head}`);
  out.notes = notes;
  writeFileSync(join(BENCH_DIR, 'results.json'), JSON.stringify(out, null, 2) + '\n');
  writeReport(out, notes);
  log(`wrote bench/RESULTS.md and bench/results.json in ${(out.wallSeconds / 60).toFixed(1)} min`);
  return 0;
}

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping every process the benchmark started`);
    void killAll().finally(() => process.exit(130));
  });
}

mkdirSync(BENCH_DIR, { recursive: true });
main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    await killAll();
    process.exit(1);
  },
);

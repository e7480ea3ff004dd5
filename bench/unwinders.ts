// Userspace vs in-kernel unwinding on the same live targets (design record 0007): completeness,
// mean depth, BPF run time per program run and per recorded sample, bytes per sample, the
// profiler's own CPU time while sampling, and nginx's throughput under wrk with each unwinder.
//
//   node dist/bench/unwinders.js [seconds-per-run] [repeats]     (root; kernel.bpf_stats_enabled
//   is switched on for the run and restored after)

import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { profileCpu } from '../src/collectors/cpu/profiler.js';
import { kernelUnwinder, userspaceUnwinder, type Unwinder } from '../src/collectors/cpu/unwinders.js';
import { startTarget } from '../src/proc/testing.js';
import { startNginx } from '../test/support/nginx.js';
import { startWrk } from '../test/support/wrk.js';
import { buildSpinDeep } from '../test/cpu/processes.js';

const seconds = Number(process.argv[2] ?? 5);
const repeats = Number(process.argv[3] ?? 2);

class Cleanups {
  private fns: Array<() => unknown> = [];
  after(fn: () => unknown): void {
    this.fns.push(fn);
  }
  async run(): Promise<void> {
    for (const fn of this.fns.reverse()) await fn();
    this.fns = [];
  }
}

/** run_time_ns and run_cnt of the BPF programs this process holds (fdinfo of its bpf-prog fds). */
function progStats(): { ns: number; runs: number } {
  let ns = 0;
  let runs = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (!readlinkSync(`/proc/self/fd/${fd}`).includes('bpf-prog')) continue;
      const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
      ns += Number(/run_time_ns:\s+(\d+)/.exec(info)?.[1] ?? 0);
      runs += Number(/run_cnt:\s+(\d+)/.exec(info)?.[1] ?? 0);
    } catch {
      // closed meanwhile
    }
  }
  return { ns, runs };
}

interface Row {
  target: string;
  unwinder: string;
  hz: number;
  samples: number;
  complete: number;
  meanDepth: number;
  bytesPerSample: number;
  bpfNsPerRun: number;
  bpfNsPerSample: number;
  userCpuMsPerS: number;
  setupMs: number;
  dropped: number;
  rps?: number;
}

async function measure(
  target: string, pid: number, unwinder: Unwinder, hz: number, durationS = seconds, onStarted?: () => Promise<number>,
): Promise<Row> {
  const t0 = Date.now();
  let rps: Promise<number> | undefined;
  let cpu0: NodeJS.CpuUsage | undefined;
  let setupMs = 0;
  let last = { ns: 0, runs: 0 };
  const r = await profileCpu({
    pids: [pid], durationMs: durationS * 1000, hz, kernel: true, perThread: false, unwinder,
    onProgress: () => {
      if (!cpu0) {
        cpu0 = process.cpuUsage();
        setupMs = Date.now() - t0;
        rps = onStarted?.();
      }
      last = progStats();
    },
  });
  const used = process.cpuUsage(cpu0);
  const s = r.stacks;
  return {
    target, unwinder: unwinder.name, hz,
    samples: s.samples,
    complete: s.samples ? s.complete / s.samples : 0,
    meanDepth: s.samples ? s.userFrames / s.samples : 0,
    bytesPerSample: r.capture.received ? r.capture.receivedBytes / r.capture.received : 0,
    bpfNsPerRun: last.runs ? last.ns / last.runs : 0,
    bpfNsPerSample: r.capture.recorded ? last.ns / r.capture.recorded : 0,
    userCpuMsPerS: (used.user + used.system) / 1000 / (r.elapsedMs / 1000),
    setupMs,
    dropped: r.capture.dropped,
    ...(rps ? { rps: await rps } : {}),
  };
}

const PY = fileURLToPath(new URL('../../test/fixtures/python/spin.py', import.meta.url));

async function main(): Promise<void> {
  const previous = readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim();
  writeFileSync('/proc/sys/kernel/bpf_stats_enabled', '1');
  const rows: Row[] = [];
  const c = new Cleanups();
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-bench-unwind-'));
  try {
    const unwinders = [userspaceUnwinder, kernelUnwinder];
    // Deep recursion and python3: one busy process each.
    const deep = await startTarget(c, buildSpinDeep(dir), ['150']);
    const py = await startTarget(c, '/usr/bin/python3', [PY]);
    for (let i = 0; i < repeats; i++) {
      for (const hz of [99, 999]) {
        for (const u of unwinders) {
          rows.push(await measure('deep recursion (150)', deep.pid, u, hz));
          rows.push(await measure('python3 loop', py.pid, u, hz));
        }
      }
    }
    await c.run();

    // nginx static file under wrk: profile, and wrk's requests/s with and without profiling.
    const nginx = await startNginx(c, { server: 'location / { }', htmlFiles: { file: randomBytes(4096) } });
    const worker = nginx.workers()[0]!;
    const url = `${nginx.url}file`;
    const wrkFor = (s: number) => startWrk(c, url, s, { connections: 8 });
    for (let i = 0; i < repeats; i++) {
      const base = await wrkFor(seconds).done;
      rows.push({ target: 'nginx static (no profiler)', unwinder: '-', hz: 0, samples: 0, complete: 0, meanDepth: 0, bytesPerSample: 0, bpfNsPerRun: 0, bpfNsPerSample: 0, userCpuMsPerS: 0, setupMs: 0, dropped: 0, rps: base });
      for (const hz of [99, 999]) {
        for (const u of unwinders) {
          // wrk starts once sampling has (after tables and the verifier) and ends before it does.
          rows.push(await measure('nginx static under wrk', worker, u, hz, seconds + 1, () => wrkFor(seconds).done));
        }
      }
    }
  } finally {
    await c.run();
    writeFileSync('/proc/sys/kernel/bpf_stats_enabled', previous);
    rmSync(dir, { recursive: true, force: true });
  }
  const f = (n: number, d = 1) => n.toFixed(d);
  console.log('| target | unwinder | Hz | samples | complete | mean depth | bytes/sample | BPF ns/run | BPF ns/sample | profiler CPU ms/s | setup ms | lost | wrk req/s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.target} | ${r.unwinder} | ${r.hz || '-'} | ${r.samples} | ${f(100 * r.complete)}% | ${f(r.meanDepth)} | ${f(r.bytesPerSample, 0)} | ${f(r.bpfNsPerRun, 0)} | ${f(r.bpfNsPerSample, 0)} | ${f(r.userCpuMsPerS)} | ${r.setupMs} | ${r.dropped} | ${r.rps !== undefined ? f(r.rps, 0) : ''} |`);
  }
  console.log(JSON.stringify(rows));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

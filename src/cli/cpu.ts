// `fluoro cpu`: sample on-CPU stacks of a process (or all of them) and write a flame graph.

import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { profileCpu, type CpuProfileResult } from '../collectors/cpu/profiler.js';
import { unwinderByName } from '../collectors/cpu/unwinders.js';
import { ExitCode, UsageError } from '../errors.js';
import { FORMATS, formatByName, formatForPath, type Format } from '../formats/index.js';
import type { Profile } from '../model/profile.js';
import { functionCosts } from '../model/summary.js';
import { isView, view } from '../model/views.js';
import { kernelNames, type KernelSymbols } from '../symbolize/kernel.js';
import { luajitRuntime } from '../unwind/luajit/runtime.js';
import { parseDuration, parseIntFlag, parsePid } from './options.js';
import { terminalSafe } from './output.js';
import { Progress } from './progress.js';
import { uploadEndpoint, uploadProfile } from './upload.js';

interface CpuFlags {
  pid?: string;
  all?: boolean;
  duration: string;
  hz: string;
  output?: string;
  format?: string;
  kernel: boolean;
  perThread?: boolean;
  byRequest?: boolean;
  lang: string;
  stackBytes: string;
  unwinder: string;
  upload?: string;
  token?: string;
}

function pickFormat(flags: CpuFlags, output: string): Format {
  if (flags.format) return formatByName(flags.format);
  return formatForPath(output) ?? formatByName('html');
}

/**
 * Kernel symbols, loaded when the first kernel frame is named (after sampling, so the table of
 * some 120,000 symbols does not add to the profiler's footprint while it samples), or not at all
 * when this boot's names were kept by an earlier run; a warning and addresses when the kernel
 * hides them.
 */
export function kernelSymbolsOrWarn(): Pick<KernelSymbols, 'name'> {
  return kernelNames((err) => {
    process.stderr.write(`fluoro: warning: ${terminalSafe(err.message)}; kernel frames will show addresses\n`);
  });
}

function defaultOutput(target: string): string {
  const t = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `fluoro-cpu-${target}-${t.getFullYear()}${p(t.getMonth() + 1)}${p(t.getDate())}-${p(t.getHours())}${p(t.getMinutes())}${p(t.getSeconds())}.html`;
}

function summary(r: CpuProfileResult, shown: Profile, output: string): string {
  const lines: string[] = [];
  const s = r.stacks;
  const pct = (n: number, d: number) => (d > 0 ? ((100 * n) / d).toFixed(1) : '0.0');
  lines.push(
    `${s.samples} samples in ${(r.elapsedMs / 1000).toFixed(1)} s` +
      `, ${r.capture.dropped} lost` +
      `, ${pct(s.complete, s.samples)}% of user stacks complete` +
      `, mean depth ${s.samples ? (s.userFrames / s.samples).toFixed(1) : '0'}`,
  );
  const top = functionCosts(shown).slice(0, 10);
  const total = shown.samples.reduce((a, x) => a + (x.values[0] ?? 0), 0);
  if (top.length > 0) {
    lines.push('', '  self%  total%  function');
    for (const f of top) {
      lines.push(`${pct(f.self, total).padStart(7)} ${pct(f.total, total).padStart(7)}  ${terminalSafe(f.name, 160)}`);
    }
  }
  lines.push('', `flame graph: ${output}`);
  for (const w of r.warnings) lines.push(`warning: ${terminalSafe(w)}`);
  return lines.join('\n') + '\n';
}

export function registerCpu(program: Command): void {
  program
    .command('cpu')
    .description('sample on-CPU stacks (C and Lua) of a running process and write a flame graph')
    .option('-p, --pid <pid>', 'process to profile (all its threads)')
    .option('-a, --all', 'profile every process on the machine')
    .option('-d, --duration <time>', 'how long to sample: 10s, 500ms, 2m', '10s')
    .option('-F, --hz <n>', 'samples per second per CPU', '99')
    .option('-o, --output <file>', 'where to write; the extension picks the format')
    .option('-f, --format <name>', `output format: ${FORMATS.map((f) => f.name).join(', ')}`)
    .option('--lang <which>', 'frames to keep: mixed (C and Lua), c, or lua', 'mixed')
    .option('--no-kernel', 'leave kernel frames out')
    .option('--per-thread', 'split stacks by thread')
    .option('--by-request', 'nginx + Lua: split stacks by the URI of the request being served')
    .option('--stack-bytes <n>', 'bytes of user stack copied per sample (deeper stacks need more)', '16384')
    .option('--unwinder <where>', 'where native stacks are unwound: userspace (from a stack copy) or kernel (in BPF, from tables; -p only, no Lua frames)', 'userspace')
    .option('--upload <url>', 'also send the profile to a fluoro console at this URL')
    .option('--token <token>', 'the console\'s access token, for --upload (default: $FLUORO_CONSOLE_TOKEN)')
    .addHelpText(
      'after',
      `
Examples:
  fluoro cpu -p 4242                      10 s at 99 Hz into an interactive HTML flame graph
  fluoro cpu -p 4242 -d 30s -o cpu.svg    30 s into a static SVG
  fluoro cpu -p 4242 --lang lua           only the Lua frames ("Lua-land" flame graph)
  fluoro cpu -p 4242 -o cpu.pb.gz         pprof, for go tool pprof or Grafana Pyroscope
  fluoro cpu --all -d 5s -o all.folded    every process, as folded stacks for FlameGraph

Ctrl-C stops early and still writes what was collected.`,
    )
    .action(async (flags: CpuFlags) => {
      if (Boolean(flags.pid) === Boolean(flags.all)) throw new UsageError('give a process with -p PID, or --all');
      const durationMs = parseDuration(flags.duration);
      const hz = parseIntFlag(flags.hz, '--hz', 1, 10000);
      const stackBytes = parseIntFlag(flags.stackBytes, '--stack-bytes', 0, 32768);
      if (!isView(flags.lang)) throw new UsageError(`--lang must be mixed, c or lua, not ${JSON.stringify(flags.lang)}`);
      const lang = flags.lang;
      const unwinder = unwinderByName(flags.unwinder);
      const pid = flags.pid !== undefined ? parsePid(flags.pid) : undefined;
      const output = flags.output ?? defaultOutput(pid !== undefined ? String(pid) : 'all');
      const format = pickFormat(flags, output);
      const uploadToken = flags.token ?? process.env.FLUORO_CONSOLE_TOKEN;
      if (flags.upload !== undefined) {
        uploadEndpoint(flags.upload);
        if (!uploadToken) throw new UsageError('--upload needs the console\'s token: give --token T');
      }

      const progress = new Progress('sampling', durationMs);
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      let result: CpuProfileResult;
      try {
        result = await profileCpu({
          ...(pid !== undefined ? { pids: [pid] } : { all: true }),
          durationMs,
          hz,
          kernel: flags.kernel,
          perThread: Boolean(flags.perThread),
          stackBytes,
          unwinder,
          kernelSymbols: flags.kernel ? kernelSymbolsOrWarn() : undefined,
          byRequest: Boolean(flags.byRequest),
          runtimes: [luajitRuntime({ byRequest: Boolean(flags.byRequest) })],
          onProgress: (ms, n) => progress.update(ms, `${n} samples`),
          signal: abort.signal,
        });
      } finally {
        progress.done();
        process.off('SIGINT', onSigint);
      }
      const shown = view(result.profile, lang);
      const title = `CPU: ${pid !== undefined ? `PID ${pid}` : 'all processes'}`;
      const data = await format.write(shown, { title });
      await writeFile(output, data);
      process.stdout.write(summary(result, shown, output));
      if (flags.upload !== undefined && uploadToken) {
        const id = await uploadProfile(flags.upload, uploadToken, result.profile, {
          kind: 'cpu',
          ...(pid !== undefined ? { pid } : {}),
          startedAt: Number(result.profile.timeNanos / 1_000_000n),
          durationMs: result.elapsedMs,
          settings: { durationMs, hz, lang: flags.lang, kernel: flags.kernel },
        });
        process.stdout.write(`uploaded: run ${id} on ${terminalSafe(flags.upload)}\n`);
      }
      if (result.exited.length > 0) {
        process.stderr.write(
          `fluoro: process ${result.exited.join(', ')} exited during sampling; the profile covers the ${(result.elapsedMs / 1000).toFixed(1)} s before\n`,
        );
        process.exitCode = ExitCode.targetExited;
      } else if (result.stacks.samples === 0) {
        process.stderr.write('fluoro: no samples: the process did not run on a CPU while it was sampled\n');
        process.exitCode = ExitCode.failure;
      }
    });
}

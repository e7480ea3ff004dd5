// `fluoro analyze`: the guided "high CPU" analysis of a running process, in words.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { analyzeHighCpu, type HighCpuReport } from '../analysis/high-cpu.js';
import { collectHighCpu } from '../collectors/high-cpu.js';
import { ExitCode } from '../errors.js';
import { writeHtml } from '../formats/html.js';
import { writeFolded } from '../formats/folded.js';
import { view } from '../model/views.js';
import { readStat } from '../proc/process.js';
import { kernelSymbolsOrWarn } from './cpu.js';
import { formatBacktraces } from './lua-bt.js';
import { parseDuration, parseIntFlag, parsePid } from './options.js';
import { terminalSafe } from './output.js';
import { Progress } from './progress.js';

export interface AnalyzeRun {
  pid: number;
  process: string;
  report: HighCpuReport;
  files: { mixed: string; lua: string; folded: string };
  text: string;
}

export interface AnalyzeOptions {
  durationMs: number;
  hz: number;
  snapshots: number;
  outputDir: string;
  signal?: AbortSignal;
  progress?: boolean;
}

/** Runs the analysis and writes its flame graphs; shared by `analyze` and `demo`. */
export async function runAnalyze(pid: number, o: AnalyzeOptions): Promise<AnalyzeRun> {
  let name = String(pid);
  try {
    name = readStat(pid).comm;
  } catch {
    /* checked by the collector, which says it in its own words */
  }
  const progress = o.progress ? new Progress('sampling', o.durationMs) : undefined;
  let input;
  try {
    input = await collectHighCpu(pid, {
      durationMs: o.durationMs,
      hz: o.hz,
      snapshots: o.snapshots,
      kernelSymbols: kernelSymbolsOrWarn(),
      onProgress: (ms, n) => progress?.update(ms, `${n} samples`),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } finally {
    progress?.done();
  }
  const report = analyzeHighCpu(input.profile, input.lua?.backtraces ?? [], input.lua?.running ?? 0);
  mkdirSync(o.outputDir, { recursive: true });
  const files = { mixed: join(o.outputDir, 'cpu.html'), lua: join(o.outputDir, 'cpu-lua.html'), folded: join(o.outputDir, 'cpu.folded') };
  writeFileSync(files.mixed, writeHtml(input.profile, { title: `CPU, C and Lua: ${name} [${pid}]` }));
  writeFileSync(files.lua, writeHtml(view(input.profile, 'lua'), { title: `CPU, Lua: ${name} [${pid}]` }));
  writeFileSync(files.folded, writeFolded(input.profile));

  const lines = [
    `fluoro analyze: process ${pid} (${terminalSafe(name, 64)}), ${(input.cpu.elapsedMs / 1000).toFixed(1)} s at ${o.hz} Hz, ${report.samples} samples`,
    '',
    ...report.findings.map((f) => `  ${terminalSafe(f, 2000)}`),
    '',
  ];
  if (input.lua && input.lua.backtraces.length > 0) {
    lines.push(`Lua backtrace, with locals (${input.lua.running} snapshots):`, formatBacktraces(input.lua.backtraces.slice(0, 1), input.lua.running));
  }
  lines.push('flame graphs:', `  C and Lua:  ${files.mixed}`, `  Lua only:   ${files.lua}`, `  folded:     ${files.folded}`, '');
  return { pid, process: name, report, files, text: lines.join('\n') };
}

interface Flags {
  pid: string;
  duration: string;
  hz: string;
  snapshots: string;
  output?: string;
  json?: boolean;
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('guided analysis of a process at high CPU: where the time goes, the hot Lua code and its locals, in words')
    .requiredOption('-p, --pid <pid>', 'the busy process (an nginx worker, luajit, any program)')
    .option('-d, --duration <time>', 'how long to sample', '5s')
    .option('-F, --hz <n>', 'samples per second', '199')
    .option('-n, --snapshots <n>', 'Lua backtrace snapshots to take', '10')
    .option('-o, --output <dir>', 'where to write the flame graphs (default: ./fluoro-analyze-PID)')
    .option('--json', 'write the report as JSON')
    .addHelpText(
      'after',
      `
Examples:
  fluoro analyze -p 4242             5 s of samples, then the report and two flame graphs
  fluoro analyze -p 4242 --json      the same, for machines`,
    )
    .action(async (flags: Flags) => {
      const pid = parsePid(flags.pid);
      const run = await runAnalyze(pid, {
        durationMs: parseDuration(flags.duration),
        hz: parseIntFlag(flags.hz, '--hz', 1, 10000),
        snapshots: parseIntFlag(flags.snapshots, '--snapshots', 1, 1000),
        outputDir: flags.output ?? `fluoro-analyze-${pid}`,
        progress: !flags.json,
      });
      if (flags.json) process.stdout.write(JSON.stringify({ pid, process: run.process, ...run.report, files: run.files }, null, 2) + '\n');
      else process.stdout.write(run.text);
      if (run.report.samples === 0) process.exitCode = ExitCode.failure;
    });
}

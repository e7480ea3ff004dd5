// `fluoro analyze`: the guided "high CPU" analysis of a running process, in words.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HighCpuReport } from '../analysis/high-cpu.js';
import { analyzeCollector, type HighCpuReportData } from '../collectors/analyze-collector.js';
import type { CollectorResult } from '../collectors/collector.js';
import { ExitCode } from '../errors.js';
import { writeHtml } from '../formats/html.js';
import { writeFolded } from '../formats/folded.js';
import { view } from '../model/views.js';
import type { Presenter } from './collector-command.js';
import { formatBacktraces } from './lua-bt.js';
import { terminalSafe } from './output.js';
import { Progress } from './progress.js';

interface AnalyzeRun {
  pid: number;
  process: string;
  report: HighCpuReport;
  files: { mixed: string; lua: string; folded: string };
  text: string;
}

interface AnalyzeOptions {
  durationMs: number;
  hz: number;
  snapshots: number;
  outputDir: string;
  signal?: AbortSignal;
  progress?: boolean;
}

/** Writes a finished analysis's flame graphs and puts its report in words. */
function presentAnalysis(pid: number, r: CollectorResult, outputDir: string): AnalyzeRun {
  const data = r.result!.data as HighCpuReportData;
  const { report, lua } = data;
  const name = data.process;
  const profile = r.profile!;
  mkdirSync(outputDir, { recursive: true });
  const files = { mixed: join(outputDir, 'cpu.html'), lua: join(outputDir, 'cpu-lua.html'), folded: join(outputDir, 'cpu.folded') };
  writeFileSync(files.mixed, writeHtml(profile, { title: `CPU, C and Lua: ${name} [${pid}]` }));
  writeFileSync(files.lua, writeHtml(view(profile, 'lua'), { title: `CPU, Lua: ${name} [${pid}]` }));
  writeFileSync(files.folded, writeFolded(profile));

  const lines = [
    `fluoro analyze: process ${pid} (${terminalSafe(name, 64)}), ${(data.elapsedMs / 1000).toFixed(1)} s at ${data.hz} Hz, ${report.samples} samples`,
    '',
    ...report.findings.map((f) => `  ${terminalSafe(f, 2000)}`),
    '',
  ];
  if (lua && lua.backtraces.length > 0) {
    lines.push(`Lua backtrace, with locals (${lua.snapshots} snapshots):`, formatBacktraces(lua.backtraces.slice(0, 1), lua.snapshots));
  }
  lines.push('flame graphs:', `  C and Lua:  ${files.mixed}`, `  Lua only:   ${files.lua}`, `  folded:     ${files.folded}`, '');
  return { pid, process: name, report, files, text: lines.join('\n') };
}

/** Runs the analysis and writes its flame graphs; used by `demo`. */
export async function runAnalyze(pid: number, o: AnalyzeOptions): Promise<AnalyzeRun> {
  const progress = o.progress ? new Progress('sampling', o.durationMs) : undefined;
  let r: CollectorResult;
  try {
    r = await analyzeCollector.run({ pids: [pid] }, { durationMs: o.durationMs, hz: o.hz, snapshots: o.snapshots }, {
      onProgress: (p) => progress?.update(p.elapsedMs, p.detail ?? ''),
      signal: o.signal ?? new AbortController().signal,
    });
  } finally {
    progress?.done();
  }
  return presentAnalysis(pid, r, o.outputDir);
}

export const analyzePresenter: Presenter = {
  options: (cmd) =>
    cmd
      .option('-o, --output <dir>', 'where to write the flame graphs (default: ./fluoro-analyze-PID)')
      .option('--json', 'write the report as JSON'),
  help: `
Examples:
  fluoro analyze -p 4242             5 s of samples, then the report and two flame graphs
  fluoro analyze -p 4242 --json      the same, for machines`,
  progress: (flags) => !flags.json,
  present(r, { flags, target }) {
    const pid = target.pids![0]!;
    const run = presentAnalysis(pid, r, (flags.output as string | undefined) ?? `fluoro-analyze-${pid}`);
    if (flags.json) process.stdout.write(JSON.stringify({ pid, process: run.process, ...run.report, files: run.files }, null, 2) + '\n');
    else process.stdout.write(run.text);
    if (run.report.samples === 0) process.exitCode = ExitCode.failure;
  },
};

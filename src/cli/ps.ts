// `fluoro ps`: the processes of this host with their CPU use, container and recognised language
// runtimes — the list to pick a target from. Everything shown comes from the processes themselves,
// so every string is made inert and bounded before it reaches a terminal.

import type { Command } from 'commander';
import { commandText, psRows, type PsOptions, type PsRow } from '../collectors/processes.js';
import { UsageError } from '../errors.js';
import { containerLabel } from '../proc/container.js';
import type { RuntimeMatch, RuntimeName } from '../unwind/detect.js';
import { runtimeNameOf, runtimes } from '../unwind/registry.js';
import { parseDuration, parseIntFlag } from './options.js';
import { terminalSafe } from './output.js';

/** Makes a string one safe table cell: no line breaks or tabs, no control sequences, at most `width`. */
export function cell(text: string, width: number): string {
  const flat = terminalSafe(text.replace(/\n/g, '\\n').replace(/[\t\r]/g, ' '), Math.max(width, 16) * 4);
  return flat.length > width ? flat.slice(0, Math.max(0, width - 1)) + '…' : flat;
}

function runtimesText(ms: readonly RuntimeMatch[]): string {
  return ms.length === 0 ? '-' : ms.map((m) => (m.version ? `${m.name} ${m.version}` : m.name)).join(', ');
}

/**
 * The table as text. The command column is cut to fit `lineWidth` (the terminal's width when
 * known), but never below 20 characters; without a terminal it is bounded at 200.
 */
export function renderPsTable(rows: readonly PsRow[], lineWidth?: number): string {
  const header = ['PID', 'USER', '%CPU', 'THR', 'CONTAINER', 'RUNTIMES', 'COMMAND'];
  const body = rows.map((r) => [
    String(r.pid),
    cell(r.user, 12),
    r.cpu.toFixed(1),
    String(r.threads),
    cell(r.container ? containerLabel(r.container) : '?', 24),
    cell(runtimesText(r.runtimes), 24),
  ]);
  const widths = header.slice(0, -1).map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const used = widths.reduce((a, w) => a + w + 2, 0);
  const commandWidth = lineWidth === undefined ? 200 : Math.max(20, lineWidth - used);
  rows.forEach((r, i) => body[i]!.push(cell(commandText(r), commandWidth)));
  const right = new Set([0, 2, 3]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n') + '\n';
}

/** JSON for scripts. C1 controls, which JSON.stringify leaves raw, are escaped too. */
export function renderPsJson(rows: readonly PsRow[]): string {
  const doc = rows.map((r) => ({
    pid: r.pid,
    ppid: r.ppid,
    uid: r.uid,
    user: r.user,
    cpu: Math.round(r.cpu * 10) / 10,
    threads: r.threads,
    container: r.container ?? null,
    runtimes: r.runtimes,
    comm: r.comm,
    cmdline: r.cmdline,
    exe: r.exe ?? null,
  }));
  return JSON.stringify(doc, null, 2).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}

interface PsFlags {
  runtime?: string;
  limit?: string;
  json?: boolean;
  interval: string;
}

export function registerPs(program: Command): void {
  program
    .command('ps')
    .description('list processes with their CPU use, container and the language runtimes fluoro recognises')
    .option('--runtime <name>', `only processes running this runtime (${runtimes.map((d) => d.name).join(', ')}; "lua" means luajit)`)
    .option('-n, --limit <N>', 'show at most N processes (the busiest)')
    .option('--json', 'print JSON instead of a table')
    .option('--interval <duration>', 'how long to measure CPU use over', '300ms')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  fluoro ps                      all processes, busiest first',
        '  fluoro ps --runtime lua -n 5   the five busiest LuaJIT/OpenResty processes',
        '  fluoro ps --json | jq \'.[] | select(.cpu > 90) | .pid\'',
        '',
        '%CPU is per core (a process busy on two cores shows 200). CONTAINER is runtime:id from the',
        'cgroup, "pidns" for a private PID namespace without a known engine, "-" for none.',
      ].join('\n'),
    )
    .action(async (flags: PsFlags) => {
      let runtime: RuntimeName | undefined;
      if (flags.runtime !== undefined) {
        runtime = runtimeNameOf(flags.runtime);
        if (!runtime) {
          throw new UsageError(
            `--runtime must be one of ${runtimes.map((d) => d.name).join(', ')} (or lua), not ${JSON.stringify(flags.runtime)}`,
          );
        }
      }
      const opts: PsOptions = { intervalMs: parseDuration(flags.interval, '--interval') };
      if (runtime) opts.runtime = runtime;
      if (flags.limit !== undefined) opts.limit = parseIntFlag(flags.limit, '--limit', 1, 1_000_000);
      const rows = await psRows(opts);
      if (rows.length === 0 && runtime) process.stderr.write(`fluoro: no process running ${runtime} was found\n`);
      if (flags.json) {
        process.stdout.write(renderPsJson(rows));
        return;
      }
      process.stdout.write(renderPsTable(rows, process.stdout.isTTY ? process.stdout.columns : undefined));
    });
}

// `fluoro lua-bt`: what the Lua code of a running process is doing right now, with locals.

import type { Command } from 'commander';
import { luaBacktraces } from '../collectors/lua-bt.js';
import { ExitCode } from '../errors.js';
import type { LuaBacktrace, LuaBacktraceFrame, LuaVariable } from '../model/lua-backtrace.js';
import { parseIntFlag, parsePid } from './options.js';
import { terminalSafe } from './output.js';

interface Flags {
  pid: string;
  locals?: boolean;
  upvalues?: boolean;
  samples: string;
  interval: string;
  json?: boolean;
}

function where(f: LuaBacktraceFrame): string {
  if (f.kind === 'c') return `[C] ${f.name}`;
  if (f.kind === 'builtin') return `[builtin] ${f.name}`;
  const line = f.line > 0 ? `:${f.line}` : '';
  return `${f.file}${line}: in ${f.name === 'main chunk' ? 'main chunk' : `function '${f.name}'`}`;
}

function variables(title: string, vars: LuaVariable[] | undefined, note: string): string[] {
  if (!vars) return [];
  if (vars.length === 0) return [`        ${title}: none${note}`];
  return [`        ${title}${note}:`, ...vars.map((v) => `          ${terminalSafe(v.name, 80)} = ${terminalSafe(v.text, 400)}  (${v.type})`)];
}

export function formatBacktraces(list: LuaBacktrace[], total: number): string {
  const lines: string[] = [];
  list.forEach((bt, n) => {
    lines.push(`backtrace ${n + 1}: seen in ${bt.count} of ${total} snapshots${bt.count === total && total > 1 ? ' — the same frames every time' : ''}`);
    bt.frames.forEach((f, i) => {
      lines.push(`  #${i} ${terminalSafe(where(f), 600)}${f.inTrace ? '  [running in a JIT trace]' : ''}`);
      const note = f.inTrace ? ' (in a trace: values may lag behind)' : '';
      lines.push(...variables('locals', f.locals, note), ...variables('upvalues', f.upvalues, ''));
    });
    lines.push('');
  });
  return lines.join('\n');
}

export function registerLuaBt(program: Command): void {
  program
    .command('lua-bt')
    .description('print the current Lua backtraces of a running process, with local variables')
    .requiredOption('-p, --pid <pid>', 'process running LuaJIT (an nginx worker, luajit, ...)')
    .option('-l, --locals', 'show the local variables of each frame')
    .option('-u, --upvalues', 'show the upvalues of each frame')
    .option('-n, --samples <n>', 'snapshots to take; identical backtraces are grouped', '1')
    .option('-i, --interval <ms>', 'time between snapshots', '10')
    .option('--json', 'write JSON instead of text')
    .addHelpText(
      'after',
      `
Snapshots are taken while the process runs Lua code, without stopping it. A worker that waits
(in epoll, or in ngx.sleep) runs no Lua code: lua-bt then says so.

Examples:
  fluoro lua-bt -p 4242                 one backtrace of the spinning worker
  fluoro lua-bt -p 4242 -n 20 --locals  20 snapshots, grouped, with locals
  fluoro lua-bt -p 4242 --json          for machines`,
    )
    .action(async (flags: Flags) => {
      const pid = parsePid(flags.pid);
      const samples = parseIntFlag(flags.samples, '--samples', 1, 10000);
      const intervalMs = parseIntFlag(flags.interval, '--interval', 1, 60000);
      const result = await luaBacktraces(pid, {
        samples,
        intervalMs,
        locals: Boolean(flags.locals),
        upvalues: Boolean(flags.upvalues),
        timeoutMs: Math.max(3000, samples * intervalMs * 3),
      });
      if (flags.json) {
        process.stdout.write(JSON.stringify({ pid, build: result.build, snapshots: result.running, idle: result.idle, backtraces: result.backtraces }, null, 2) + '\n');
      } else if (result.running > 0) {
        process.stdout.write(formatBacktraces(result.backtraces, result.running));
      }
      if (result.running === 0) {
        process.stderr.write(`fluoro: process ${pid} ran no Lua code while it was watched (${result.idle} samples on the CPU were outside Lua); it may be idle or waiting\n`);
        process.exitCode = ExitCode.failure;
      } else if (result.running < samples) {
        process.stderr.write(`fluoro: took ${result.running} of ${samples} snapshots before giving up; the process was mostly outside Lua code\n`);
      }
    });
}

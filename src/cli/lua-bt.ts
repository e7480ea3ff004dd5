// `fluoro lua-bt`: what the Lua code of a running process is doing right now, with locals.

import type { LuaBacktracesData } from '../collectors/lua-bt-collector.js';
import type { LuaBacktrace, LuaBacktraceFrame, LuaVariable } from '../model/lua-backtrace.js';
import type { Presenter } from './collector-command.js';
import { terminalSafe } from './output.js';

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

export const luaBtPresenter: Presenter = {
  options: (cmd) => cmd.option('--json', 'write JSON instead of text'),
  help: `
Snapshots are taken while the process runs Lua code, without stopping it. A worker that waits
(in epoll, or in ngx.sleep) runs no Lua code: lua-bt then says so.

Examples:
  fluoro lua-bt -p 4242                 what the spinning worker's Lua code is doing, with locals
  fluoro lua-bt -p 4242 -n 1 --no-locals   one backtrace, frames only
  fluoro lua-bt -p 4242 --json          for machines`,
  progress: () => false,
  present(result, { flags, target }) {
    const data = result.result!.data as LuaBacktracesData;
    if (flags.json) {
      process.stdout.write(JSON.stringify({ pid: target.pids![0], build: data.build, snapshots: data.snapshots, idle: data.idle, backtraces: data.backtraces }, null, 2) + '\n');
    } else {
      process.stdout.write(formatBacktraces(data.backtraces, data.snapshots));
    }
    for (const w of result.warnings) process.stderr.write(`fluoro: ${terminalSafe(w)}\n`);
  },
};

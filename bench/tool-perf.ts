// perf record, in DWARF mode (copies 8 KiB of stack per sample, unwinds in `perf script`) and in
// frame-pointer mode (-g). The stacks come from `perf script`, as a flame graph pipeline gets them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePerfScript } from './parse-perf-script.js';
import type { Tool } from './tool.js';

function perfTool(mode: 'dwarf' | 'fp'): Tool {
  return {
    name: mode === 'dwarf' ? 'perf --call-graph dwarf' : 'perf -g',
    bpf: false,
    unavailable: () => undefined,
    record: (pid, hz, dir) => ({
      cmd: 'perf',
      args: ['record', '-q', '-F', String(hz), '-e', 'cpu-clock', '-p', String(pid), '--call-graph', mode, '-o', join(dir, 'perf.data')],
    }),
    // --no-inline: fluoro shows no inlined frames either, and perf's addr2line pass for them is
    // slow enough to dominate; a user would likely turn it off too.
    postprocess: (dir) => ({
      cmd: 'perf',
      args: ['script', '-i', join(dir, 'perf.data'), '-F', 'comm,pid,tid,ip,sym,dso', '--no-inline'],
      output: join(dir, 'perf.txt'),
    }),
    parse: (dir) => parsePerfScript(readFileSync(join(dir, 'perf.txt'), 'utf8')),
  };
}

export const perfDwarfTool = perfTool('dwarf');
export const perfFpTool = perfTool('fp');

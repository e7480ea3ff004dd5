// bpftrace's one-liner CPU profiler: frame-pointer user stacks counted in a map, printed at exit.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBpftraceStacks } from './parse-bpftrace.js';
import { which } from './which.js';
import type { Tool } from './tool.js';

export const bpftraceTool: Tool = {
  name: 'bpftrace',
  bpf: true,
  unavailable: () => (which('bpftrace') ? undefined : 'bpftrace is not installed'),
  record: (pid, hz, dir) => ({
    cmd: 'bpftrace',
    args: ['-o', join(dir, 'bpftrace.txt'), '-e', `profile:hz:${hz} /pid == ${pid}/ { @[ustack] = count(); }`],
  }),
  parse: (dir) => parseBpftraceStacks(readFileSync(join(dir, 'bpftrace.txt'), 'utf8')),
};

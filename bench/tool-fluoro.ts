// fluoro itself, as a user runs it: `fluoro cpu -p PID -F HZ -o out.folded`, stopped by Ctrl-C.
// The executable runs by its own #! line, with the V8 settings it chose for itself.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFolded } from './parse-folded.js';
import type { Tool } from './tool.js';

// dist/bench/tool-fluoro.js → the repository root.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const fluoroTool: Tool = {
  name: 'fluoro',
  bpf: true,
  unavailable: () => undefined,
  record: (pid, hz, dir) => ({
    cmd: join(ROOT, 'bin', 'fluoro.js'),
    args: ['cpu', '-p', String(pid), '-F', String(hz), '-d', '30m', '-o', join(dir, 'out.folded')],
  }),
  parse: (dir) => parseFolded(readFileSync(join(dir, 'out.folded'), 'utf8')),
  reported: (stdout) => /^\d+ samples in .*$/m.exec(stdout)?.[0],
};

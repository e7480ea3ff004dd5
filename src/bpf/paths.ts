// Compiled BPF objects live in bpf/.output/ under the package root, found from this module's own
// location so that fluoro works from any working directory.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { NotSupportedError } from '../errors.js';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bpf'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new NotSupportedError('cannot find the fluoro package root (with its bpf/ directory)');
}

/** The directory of BPF sources (and the Makefile). */
export function bpfSourceDir(): string {
  return join(packageRoot(), 'bpf');
}

/** Path of bpf/.output/<name>.bpf.o; throws a clear error when it was never built. */
export function bpfObjectPath(name: string): string {
  const path = join(bpfSourceDir(), '.output', `${name}.bpf.o`);
  if (!existsSync(path)) {
    throw new NotSupportedError(`the BPF object ${name}.bpf.o is not built; run \`make -C bpf\` in the fluoro directory`);
  }
  return path;
}

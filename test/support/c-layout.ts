// Evaluates C constant expressions (sizeof, offsetof, macros) against one of our shared headers
// with the host compiler, so tests can check that TypeScript mirrors the C side exactly.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bpfSourceDir } from '../../src/bpf/paths.js';

export function cValues(header: string, exprs: readonly string[]): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-c-layout-'));
  try {
    const lines = exprs.map((e) => `  printf("%s=%lld\\n", ${JSON.stringify(e)}, (long long)(${e}));`);
    const source = `#include <stdio.h>\n#include <stddef.h>\n#include "${header}"\nint main(void) {\n${lines.join('\n')}\n  return 0;\n}\n`;
    writeFileSync(join(dir, 'layout.c'), source);
    execFileSync('cc', ['-I', join(bpfSourceDir(), 'include'), '-o', join(dir, 'layout'), join(dir, 'layout.c')]);
    const printed = execFileSync(join(dir, 'layout'), { encoding: 'utf8' });
    return new Map(
      printed.trim().split('\n').map((l) => {
        const at = l.lastIndexOf('=');
        return [l.slice(0, at), Number(l.slice(at + 1))] as const;
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

#!/usr/bin/env node
// Regenerates test/fixtures/demangle/itanium.tsv: a deterministic sample of real C++ symbol names
// from the shared libraries on this machine, each with binutils' c++filt output as the expected
// text. The demangler's test compares against this file, so it runs where c++filt is absent.
//
//   node scripts/demangle-fixture.mjs [count]      (needs nm and c++filt from binutils)

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test/fixtures/demangle/itanium.tsv');
const count = Number(process.argv[2] ?? 600);
const libDir = '/usr/lib/x86_64-linux-gnu';

// Symbols that exercise forms rare in export tables: clones, locals, thunks, guards, lambdas.
const extra = [
  '_ZN3foo3barIiEEvT_.constprop.0.isra.0', '_ZN3fooC2Ev.cold', '_Z4spinPi.part.0',
  '_ZZ4mainE5count', '_ZGVZ4mainE5count', '_ZZN2ns6Widget4spinEiE1k', '_ZThn8_N1D1fEv',
  '_ZTv0_n24_N1D1gEv', '_ZTV1A', '_ZTI1A', '_ZTS1A', '_ZTT1D', '_ZN2ns6WidgetIiE4spinEi',
  '_ZNKSt6vectorIiSaIiEE4sizeEv', '_ZNSsC1EPKcRKSaIcE', '_ZNSt8ios_base4InitC1Ev',
  '_Z1fIJidEEvDpT_', '_Z1fIJEEviDpT_i', '_ZN1AcviEv', '_ZN1AixEi', '_ZN1AclEv', '_ZdlPv', '_Znwm',
  '_ZN1AlsERKS_', '_ZN1AeqERKS_', '_ZplRK1AS1_', '_Z3maxIiET_S0_S0_', '_ZZ4mainENKUlvE_clEv',
  '_ZN12_GLOBAL__N_13fooEv', '_Z1fPFivE', '_Z1fRA10_i', '_Z1fM1AFivE', '_Z1fM1Ai', '_Z1fDv4_f',
  '_Z1fILi5EEvv', '_Z1fILb1EEvv', '_Z1fILj5EEvv', '_Z1fILin3EEvv', '_ZN1AD0Ev', '_ZN1AD2Ev',
];

function sharedLibraries() {
  const libs = [];
  for (const f of readdirSync(libDir).sort()) {
    if (!/\.so\.\d+$/.test(f)) continue;
    try {
      const text = execFileSync('nm', ['-D', '--defined-only', join(libDir, f)], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
      const names = text.split('\n').map((l) => l.split(' ')[2] ?? '').filter((n) => n.startsWith('_Z')).map((n) => n.replace(/@.*/, ''));
      if (names.length > 0) libs.push({ lib: f, names });
    } catch {
      // not an ELF file nm reads
    }
  }
  return libs;
}

const hash = (s) => createHash('sha1').update(s).digest('hex');
const picked = new Set(extra);
const libs = sharedLibraries();
// An equal share from each library, the names chosen by hash so reruns pick the same ones.
const share = Math.max(5, Math.ceil(count / Math.max(libs.length, 1)));
for (const { names } of libs) {
  const unique = [...new Set(names)].filter((n) => n.length < 600).sort((a, b) => (hash(a) < hash(b) ? -1 : 1));
  for (const n of unique.slice(0, share)) picked.add(n);
}
const names = [...picked];
const expected = execFileSync('c++filt', { input: `${names.join('\n')}\n`, encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n');
if (!existsSync(dirname(out))) mkdirSync(dirname(out), { recursive: true });
const lines = names.map((n, i) => `${n}\t${expected[i]}`);
writeFileSync(out, `# mangled\tc++filt output (scripts/demangle-fixture.mjs; ${libs.length} libraries)\n${lines.join('\n')}\n`);
console.log(`${names.length} names from ${libs.length} libraries → ${out}`);

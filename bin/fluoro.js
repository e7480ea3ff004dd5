#!/usr/bin/env -S node --max-semi-space-size=4
// The fluoro command. The code lives in dist/ (built by ./setup.sh or `npm run build`).
// A 4 MB young generation (V8's default grows to 16 MB per semi-space): reading the unwind tables
// of a process's libraries allocates in bursts, and the larger nursery added ~30 MB to the peak
// RSS of a profile (147 MB -> 117 MB for an nginx worker) for no measurable gain in time.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('fluoro: not built yet; run ./setup.sh (or npm run build) first\n');
  process.exit(2);
}
const { run } = await import(main);
process.exitCode = await run(process.argv);

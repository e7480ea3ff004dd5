#!/usr/bin/env node
// The fluoro command. The code lives in dist/ (built by ./setup.sh or `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('fluoro: not built yet; run ./setup.sh (or npm run build) first\n');
  process.exit(2);
}
const { run } = await import(main);
process.exitCode = await run(process.argv);

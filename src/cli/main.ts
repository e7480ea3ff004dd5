// The fluoro command line: parses, dispatches, and turns errors into one sentence and an exit code.
// Each command lives in its own file and only parses its flags before calling into the library.

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ExitCode, FluoroError } from '../errors.js';
import { enableNameStores, saveNameStores } from '../symbolize/name-store.js';
import { commands } from './commands.js';
import { terminalSafe } from './output.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function program(): Command {
  const p = new Command('fluoro')
    .description(
      'See where a live Linux process spends its time, memory and waiting — at the C level and in its own ' +
        'language (LuaJIT/OpenResty first) — by PID, with no restart and nothing injected.',
    )
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .exitOverride();
  for (const register of commands) register(p);
  return p;
}

/** Runs the CLI on argv and returns the exit code; never throws. */
export async function run(argv: readonly string[]): Promise<number> {
  // Names found in DWARF and kallsyms are kept for the next run (src/symbolize/name-store.ts).
  enableNameStores();
  try {
    await program().parseAsync([...argv]);
    saveNameStores();
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit through here with code 0; usage errors were already printed.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof FluoroError) {
      process.stderr.write(`fluoro: ${terminalSafe(err.message)}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`fluoro: internal error: ${terminalSafe(e?.message ?? String(err))}\n`);
    if (process.env.FLUORO_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
    else process.stderr.write('fluoro: this is a bug in fluoro; run again with FLUORO_DEBUG=1 for details and report it\n');
    return ExitCode.failure;
  }
}

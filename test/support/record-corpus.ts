// Run by hand, as root, to add entries to the replay corpus (see test/fixtures/replay/README.md):
//
//   node dist/test/support/record-corpus.js --pid PID --name NAME --about TEXT [--note TEXT] [--samples 4]
//       [--seconds 1] [--hz 99] [--stack-bytes 16384] [--whole-window]
//   node dist/test/support/record-corpus.js --target nginx-static|...|all [--replace]
//
// With --pid it samples a process that is already running; with --target it starts one of the
// processes the corpus was first recorded from (test/support/corpus-targets.ts) and stops it after.

import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { corpusDir, formatEntry } from '../unwind/corpus-entry.js';
import { corpusTargets } from './corpus-targets.js';
import { recordEntries, type RecordOptions } from './corpus-recorder.js';

const { values: args } = parseArgs({
  options: {
    pid: { type: 'string' },
    name: { type: 'string' },
    about: { type: 'string' },
    note: { type: 'string' },
    target: { type: 'string' },
    samples: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '1' },
    hz: { type: 'string', default: '99' },
    'stack-bytes': { type: 'string' },
    out: { type: 'string', default: corpusDir },
    replace: { type: 'boolean', default: false },
    'whole-window': { type: 'boolean', default: false },
  },
});

const entryFiles = (name: string): string[] =>
  readdirSync(args.out!).filter((f) => new RegExp(`^${name.replace(/[^\w-]/g, '\\$&')}-\\d+\\.json$`).test(f));

async function record(o: RecordOptions): Promise<void> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(o.name)) throw new Error(`--name: lower-case letters, digits and dashes, not ${JSON.stringify(o.name)}`);
  const old = entryFiles(o.name);
  if (old.length > 0 && !args.replace) throw new Error(`${o.name}: entries exist (${old.join(', ')}); --replace removes them first`);
  const r = await recordEntries(o);
  for (const f of old) rmSync(join(args.out!, f));
  for (const e of r.entries) {
    const text = formatEntry(e);
    writeFileSync(join(args.out!, `${e.name}.json`), text);
    const top = e.expected.frames.slice(0, 3).join(' < ');
    console.log(`${e.name}.json: ${(text.length / 1024).toFixed(1)} KiB, ${e.expected.frames.length} frames, ${e.expected.end}; ${top}`);
  }
  console.log(`${o.name}: ${r.samples} samples, ${r.distinct} distinct stacks, ${r.entries.length} kept`);
  console.log(`  walks of the distinct stacks: ${Object.entries(r.features).map(([f, n]) => `${f} ${n}`).join(', ')}`);
}

async function main(): Promise<void> {
  if (!existsSync(args.out!)) throw new Error(`no corpus folder at ${args.out}`);
  const common = {
    samples: Number(args.samples),
    seconds: Number(args.seconds),
    hz: Number(args.hz),
    wholeWindow: args['whole-window']!,
    ...(args['stack-bytes'] !== undefined ? { stackBytes: Number(args['stack-bytes']) } : {}),
  };
  if (args.pid) {
    if (!args.name || !args.about) throw new Error('--pid needs --name and --about');
    await record({ ...common, pid: Number(args.pid), name: args.name, about: args.about, ...(args.note ? { note: args.note } : {}) });
    return;
  }
  const names = args.target === 'all' ? Object.keys(corpusTargets) : [args.target ?? ''];
  // The targets get none of our environment: it would be in their stacks' top pages.
  for (const k of Object.keys(process.env)) delete process.env[k];
  process.env.PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';
  for (const name of names) {
    const target = corpusTargets[name];
    if (!target) throw new Error(`--target: one of ${Object.keys(corpusTargets).join(', ')} or all; or --pid`);
    const cleanups: Array<() => unknown> = [];
    try {
      const pid = await target.start({ after: (fn) => cleanups.push(fn) }, common.seconds);
      const own = { ...(target.accept ? { accept: target.accept } : {}), ...(target.stackBytes ? { stackBytes: target.stackBytes } : {}) };
      await record({ ...common, pid, name, about: target.about, ...own });
    } finally {
      for (const fn of cleanups.reverse()) await fn();
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});

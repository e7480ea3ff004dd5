// A collector as a command: its flags come from its parameter list (src/collectors/params.ts),
// with the same defaults and limits the console's form and the HTTP API use; the target flags
// (-p, --all), the progress bar and Ctrl-C are the same for every collector. What a command adds of
// its own is how it shows the result: a presenter, with the output flags that needs.

import { Option, type Command } from 'commander';
import type { Collector, CollectorResult, Target } from '../collectors/collector.js';
import { describeRange, parseParams, type ParamSpec, type ParamValues } from '../collectors/params.js';
import { writeFile } from 'node:fs/promises';
import { ExitCode, UsageError } from '../errors.js';
import { parsePid } from './options.js';
import { terminalSafe } from './output.js';
import { addProfileOutputOptions, profileOutput, type ProfileOutput } from './profile-output.js';
import { Progress } from './progress.js';

type Flags = Record<string, unknown>;

export interface Presenter<P = unknown> {
  /** Options of the presentation: output file, format, --json … */
  options?(cmd: Command): void;
  /** Text after the options in --help. */
  help?: string;
  /** Checks the presentation's flags before anything runs, so a bad one costs no sampling. */
  prepare?(flags: Flags, params: ParamValues, target: Target): P;
  present(result: CollectorResult, run: { flags: Flags; params: ParamValues; target: Target; prepared: P }): Promise<void> | void;
  /** Whether to draw a progress bar (not when writing JSON to a terminal, say). Default: yes. */
  progress?(flags: Flags): boolean;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()).replace(/-ms$/, '');
}

/** The parameter's flags, in commander's syntax without the value. */
function flagOf(p: ParamSpec): string {
  return p.flag ?? `--${kebab(p.name)}`;
}

function longFlag(p: ParamSpec): string {
  return /--[\w-]+/.exec(flagOf(p))![0];
}

function defaultText(p: ParamSpec): string {
  if (p.type === 'duration') return p.default >= 1000 ? `${p.default / 1000}s` : `${p.default}ms`;
  return String(p.default);
}

function helpOf(p: ParamSpec): string {
  const range = describeRange(p);
  const choices = p.type === 'choice' ? p.choices.map((c) => c.value).join(', ') : undefined;
  const byDefault = p.type === 'boolean' ? (p.default ? 'on by default' : undefined) : `default ${defaultText(p)}`;
  const facts = [choices ? `one of ${choices}` : range, byDefault].filter(Boolean);
  return `${p.help ?? p.label}${facts.length ? ` (${facts.join('; ')})` : ''}`;
}

const PLACEHOLDER: Record<ParamSpec['type'], string> = { duration: '<time>', integer: '<n>', choice: '<which>', boolean: '' };

/** Adds a collector's parameters to a command; returns how to read them back from its flags. */
function addParamOptions(cmd: Command, params: readonly ParamSpec[]): (flags: Flags) => Record<string, unknown> {
  const attributes = new Map<string, string>();
  for (const p of params) {
    const option = new Option(`${flagOf(p)}${PLACEHOLDER[p.type] ? ' ' + PLACEHOLDER[p.type] : ''}`, helpOf(p));
    cmd.addOption(option);
    attributes.set(p.name, option.attributeName());
    // A switch that is on unless said otherwise can be said otherwise.
    if (p.type === 'boolean' && p.default) cmd.addOption(new Option(`--no-${longFlag(p).slice(2)}`, `leave out: ${p.help ?? p.label}`));
  }
  return (flags) => {
    const raw: Record<string, unknown> = {};
    for (const p of params) {
      const v = flags[attributes.get(p.name)!];
      if (v !== undefined) raw[p.name] = v;
    }
    return raw;
  };
}

/** Reads -p / --all as the collector allows. */
function targetOf(c: Collector, flags: Flags): Target {
  if (c.targets === 'one') {
    if (flags.pid === undefined) throw new UsageError('give the process with -p PID');
    return { pids: [parsePid(String(flags.pid))] };
  }
  if ((flags.pid !== undefined) === Boolean(flags.all)) throw new UsageError('give a process with -p PID, or --all');
  return flags.all ? { all: true } : { pids: [parsePid(String(flags.pid))] };
}

export function registerCollector<P>(program: Command, c: Collector, presenter: Presenter<P>): Command {
  const cmd = program.command(c.name).description(c.description);
  if (c.targets === 'one') cmd.option('-p, --pid <pid>', 'the process to look at');
  else cmd.option('-p, --pid <pid>', 'process to profile (all its threads)').option('-a, --all', 'every process on the machine');
  const readParams = addParamOptions(cmd, c.params);
  presenter.options?.(cmd);
  if (presenter.help) cmd.addHelpText('after', presenter.help);
  cmd.action(async (flags: Flags) => {
    const target = targetOf(c, flags);
    const params = parseParams(c.name, c.params, readParams(flags), { fromText: true, nameOf: longFlag });
    const prepared = presenter.prepare?.(flags, params, target) as P;
    const totalMs = Number(params.durationMs ?? params.timeoutMs ?? 0);
    const progress = presenter.progress?.(flags) === false ? undefined : new Progress('sampling', totalMs);
    const abort = new AbortController();
    // Ctrl-C stops early; what was collected is still shown and written.
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    let result: CollectorResult;
    try {
      result = await c.run(target, params, {
        onProgress: (p) => progress?.update(p.elapsedMs, p.detail ?? ''),
        signal: abort.signal,
      });
    } finally {
      progress?.done();
      process.off('SIGINT', onSigint);
    }
    await presenter.present(result, { flags, params, target, prepared });
    if (result.exited.length > 0) {
      const elapsed = Number(result.summary.elapsedMs ?? 0);
      process.stderr.write(`fluoro: process ${result.exited.join(', ')} exited during sampling; the profile covers the ${(elapsed / 1000).toFixed(1)} s before\n`);
      process.exitCode = ExitCode.targetExited;
    }
  });
  return cmd;
}

/**
 * How a collector without a presenter of its own shows its result: the profile written where -o
 * says (its extension picks the format), the summary's facts and the warnings; --json prints the
 * collector's result document and summary.
 */
export function defaultPresenter(c: Collector): Presenter<ProfileOutput> {
  return {
    options: (cmd) => addProfileOutputOptions(cmd).option('--json', 'write the summary and the result as JSON'),
    prepare: (flags, _params, target) => profileOutput(flags, c.name, target),
    async present(r, { flags, prepared }) {
      if (r.profile) await writeFile(prepared.output, await prepared.format.write(r.profile, { title: c.title }));
      if (flags.json) {
        process.stdout.write(JSON.stringify({ summary: r.summary, result: r.result ?? null, warnings: r.warnings }, null, 2) + '\n');
        return;
      }
      for (const [k, v] of Object.entries(r.summary)) process.stdout.write(`${k}: ${terminalSafe(String(v), 200)}\n`);
      if (r.profile) process.stdout.write(`profile: ${prepared.output}\n`);
      for (const w of r.warnings) process.stdout.write(`warning: ${terminalSafe(w)}\n`);
    },
  };
}

// The runtime registry: every language runtime fluoro knows, in the order `fluoro ps` reports them.
// `fluoro ps`, every collector and the backtrace command read this one list; adding a runtime is a
// plugin (runtime.ts) and a line here. Runtimes without `sampling` are recognised and profiled at
// the C level until their own frames are walked.

import { NoSuchProcessError } from '../errors.js';
import type { Mapping } from '../proc/maps.js';
import {
  goDetector, nodeDetector, perlDetector, phpDetector, processView, pythonDetector, rubyDetector,
  type ExeRef, type RuntimeDetector, type RuntimeMatch, type RuntimeName,
} from './detect.js';
import { luajit } from './luajit/runtime.js';
import type { RuntimePlugin, RuntimeSampling } from './runtime.js';

const detectedOnly = (d: RuntimeDetector): RuntimePlugin => ({ name: d.name, detect: (maps, exe) => d.detect(maps, exe) });

export const runtimes: readonly RuntimePlugin[] = [
  luajit,
  detectedOnly(pythonDetector),
  detectedOnly(phpDetector),
  detectedOnly(perlDetector),
  detectedOnly(goDetector),
  detectedOnly(nodeDetector),
  detectedOnly(rubyDetector),
];

/** The plugins that walk their own frames in samples. */
export function samplingRuntimes(): (RuntimePlugin & { sampling: RuntimeSampling })[] {
  return runtimes.filter((r): r is RuntimePlugin & { sampling: RuntimeSampling } => r.sampling !== undefined);
}

export function runtimeByName(name: RuntimeName): RuntimePlugin {
  return runtimes.find((r) => r.name === name)!;
}

/** All runtimes found in a process given its maps and executable. */
export function detectRuntimes(maps: readonly Mapping[], exe: ExeRef | undefined, among: readonly RuntimePlugin[] = runtimes): RuntimeMatch[] {
  const out: RuntimeMatch[] = [];
  for (const r of among) {
    const m = r.detect(maps, exe);
    if (m) out.push(m);
  }
  return out;
}

/**
 * Reads a live process's maps and executable and detects its runtimes. Throws NoSuchProcessError
 * when it is gone; a process whose maps we may not read has no runtimes we can name.
 */
export function detectProcessRuntimes(pid: number, among: readonly RuntimePlugin[] = runtimes): RuntimeMatch[] {
  const { maps, exe } = processView(pid);
  return detectRuntimes(maps, exe, among);
}

/** Whether a process (still) exists and runs any of these runtimes; cheap, for --all. */
export function runsAnyOf(pid: number, among: readonly RuntimePlugin[]): boolean {
  try {
    return detectProcessRuntimes(pid, among).length > 0;
  } catch (err) {
    if (err instanceof NoSuchProcessError) return false;
    throw err;
  }
}

/** Accepts the names people type: "lua" and "openresty" mean luajit, "py" python, "golang" go. */
export function runtimeNameOf(input: string): RuntimeName | undefined {
  const s = input.trim().toLowerCase();
  const aliases: Record<string, RuntimeName> = { lua: 'luajit', openresty: 'luajit', py: 'python', golang: 'go', nodejs: 'node' };
  if (aliases[s]) return aliases[s];
  return runtimes.some((r) => r.name === s) ? (s as RuntimeName) : undefined;
}

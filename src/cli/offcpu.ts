// `fluoro offcpu`: follow where a process (or all of them) waits and write a flame graph weighted
// in time blocked, with why each stack waited at its leaf.

import { writeFile } from 'node:fs/promises';
import type { CollectorResult } from '../collectors/collector.js';
import { ExitCode } from '../errors.js';
import type { Profile } from '../model/profile.js';
import { functionCosts } from '../model/summary.js';
import type { Presenter } from './collector-command.js';
import { addProfileOutputOptions, profileOutput, type ProfileOutput } from './profile-output.js';
import { terminalSafe } from './output.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function summary(r: CollectorResult, profile: Profile, output: string): string {
  const n = (k: string) => Number(r.summary[k] ?? 0);
  const pct = (a: number, d: number) => (d > 0 ? ((100 * a) / d).toFixed(1) : '0.0');
  const shownMs = n('offCpuMs') - (r.summary.idleShown ? 0 : n('idleMs'));
  const lines = [
    `${n('blocks') - (r.summary.idleShown ? 0 : n('idleBlocks'))} waits, ${seconds(shownMs)} off-CPU in ${seconds(n('elapsedMs'))}` +
      `, ${n('lost')} lost` +
      (r.summary.idleShown || n('idleBlocks') === 0 ? '' : `; ${seconds(n('idleMs'))} idle in an event loop not shown (--idle shows it)`),
  ];
  const costs = functionCosts(profile);
  const total = profile.samples.reduce((a, x) => a + (x.values[0] ?? 0), 0);
  // The leaves are the reasons; the rest are the code that waited.
  const reasons = costs.filter((f) => f.kind === 'group' && f.self > 0).slice(0, 8);
  const code = costs.filter((f) => f.kind !== 'group' && f.kind !== 'kernel').sort((a, b) => b.total - a.total).slice(0, 10);
  if (reasons.length > 0) {
    lines.push('', '  time%  why');
    for (const f of reasons) lines.push(`${pct(f.self, total).padStart(7)}  ${terminalSafe(f.name, 160)}`);
  }
  if (code.length > 0) {
    lines.push('', '  time%  function');
    for (const f of code) lines.push(`${pct(f.total, total).padStart(7)}  ${terminalSafe(f.name, 160)}`);
  }
  lines.push('', `flame graph: ${output}`);
  for (const w of r.warnings) lines.push(`warning: ${terminalSafe(w)}`);
  return lines.join('\n') + '\n';
}

export const offcpuPresenter: Presenter<ProfileOutput> = {
  options: addProfileOutputOptions,
  help: `
Examples:
  fluoro offcpu -p 4242                       10 s of waits into an interactive HTML flame graph
  fluoro offcpu -p 4242 -d 30s -o wait.svg    30 s into a static SVG
  fluoro offcpu -p 4242 --idle                also the event loop's idle waits (epoll_wait, poll)
  fluoro offcpu --all -d 5s -o all.folded     every process, as folded stacks (values in ns)

Every wait is counted, for as long as it lasted; waits under way at the start or the end count
from the start or to the end. Ctrl-C stops early and still writes what was collected.`,
  prepare(flags, _params, target) {
    const { output, format } = profileOutput(flags, 'offcpu', target);
    return { output, format };
  },
  async present(result, { target, prepared }) {
    const profile = result.profile!;
    const title = `Off-CPU: ${target.all ? 'all processes' : `PID ${target.pids.join(', ')}`}`;
    await writeFile(prepared.output, await prepared.format.write(profile, { title }));
    process.stdout.write(summary(result, profile, prepared.output));
    if (result.exited.length === 0 && profile.samples.length === 0) {
      process.stderr.write('fluoro: no waits: the process did not leave its CPU while it was followed (or only idled, see --idle)\n');
      process.exitCode = ExitCode.failure;
    }
  },
};

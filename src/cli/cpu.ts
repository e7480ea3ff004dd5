// `fluoro cpu`: sample on-CPU stacks of a process (or all of them) and write a flame graph.

import { writeFile } from 'node:fs/promises';
import type { CollectorResult } from '../collectors/collector.js';
import { ExitCode, UsageError } from '../errors.js';
import type { Profile } from '../model/profile.js';
import { functionCosts } from '../model/summary.js';
import { view, type View } from '../model/views.js';
import type { Presenter } from './collector-command.js';
import { addProfileOutputOptions, profileOutput, type ProfileOutput } from './profile-output.js';
import { terminalSafe } from './output.js';
import { uploadEndpoint, uploadProfile } from './upload.js';

interface Prepared extends ProfileOutput {
  upload?: { url: string; token: string };
}

function summary(r: CollectorResult, shown: Profile, output: string): string {
  const lines: string[] = [];
  const n = (k: string) => Number(r.summary[k] ?? 0);
  const pct = (a: number, d: number) => (d > 0 ? ((100 * a) / d).toFixed(1) : '0.0');
  lines.push(
    `${n('samples')} samples in ${(n('elapsedMs') / 1000).toFixed(1)} s` +
      `, ${n('lost')} lost` +
      `, ${pct(n('completeStacks'), n('samples'))}% of user stacks complete` +
      `, mean depth ${n('meanDepth').toFixed(1)}`,
  );
  if (r.summary.losses) lines.push(terminalSafe(String(r.summary.losses)));
  const top = functionCosts(shown).slice(0, 10);
  const total = shown.samples.reduce((a, x) => a + (x.values[0] ?? 0), 0);
  if (top.length > 0) {
    lines.push('', '  self%  total%  function');
    for (const f of top) {
      lines.push(`${pct(f.self, total).padStart(7)} ${pct(f.total, total).padStart(7)}  ${terminalSafe(f.name, 160)}`);
    }
  }
  lines.push('', `flame graph: ${output}`);
  for (const w of r.warnings) lines.push(`warning: ${terminalSafe(w)}`);
  return lines.join('\n') + '\n';
}

export const cpuPresenter: Presenter<Prepared> = {
  options: (cmd) =>
    addProfileOutputOptions(cmd)
      .option('--upload <url>', 'also send the profile to a fluoro console at this URL')
      .option('--token <token>', "the console's access token, for --upload (default: $FLUORO_CONSOLE_TOKEN)"),
  help: `
Examples:
  fluoro cpu -p 4242                      10 s at 99 Hz into an interactive HTML flame graph
  fluoro cpu -p 4242 -d 30s -o cpu.svg    30 s into a static SVG
  fluoro cpu -p 4242 --lang lua           only the Lua frames ("Lua-land" flame graph)
  fluoro cpu -p 4242 -o cpu.pb.gz         pprof, for go tool pprof or Grafana Pyroscope
  fluoro cpu --all -d 5s -o all.folded    every process, as folded stacks for FlameGraph

Ctrl-C stops early and still writes what was collected.`,
  prepare(flags, _params, target) {
    const { output, format } = profileOutput(flags, 'cpu', target);
    const token = (flags.token as string | undefined) ?? process.env.FLUORO_CONSOLE_TOKEN;
    if (flags.upload === undefined) return { output, format };
    uploadEndpoint(String(flags.upload));
    if (!token) throw new UsageError("--upload needs the console's token: give --token T");
    return { output, format, upload: { url: String(flags.upload), token } };
  },
  async present(result, { params, target, prepared }) {
    const profile = result.profile!;
    const shown = view(profile, params.lang as View);
    const title = `CPU: ${target.all ? 'all processes' : `PID ${target.pids.join(', ')}`}`;
    await writeFile(prepared.output, await prepared.format.write(shown, { title }));
    process.stdout.write(summary(result, shown, prepared.output));
    if (prepared.upload) {
      const id = await uploadProfile(prepared.upload.url, prepared.upload.token, profile, {
        kind: 'cpu',
        ...(target.pids?.length === 1 ? { pid: target.pids[0]! } : {}),
        startedAt: Number(profile.timeNanos / 1_000_000n),
        durationMs: Number(result.summary.elapsedMs),
        settings: { durationMs: params.durationMs, hz: params.hz, lang: params.lang, kernel: params.kernel },
      });
      process.stdout.write(`uploaded: run ${id} on ${terminalSafe(prepared.upload.url)}\n`);
    }
    if (result.exited.length === 0 && Number(result.summary.samples) === 0) {
      process.stderr.write('fluoro: no samples: the process did not run on a CPU while it was sampled\n');
      process.exitCode = ExitCode.failure;
    }
  },
};

// One profiler on one target: start it, wait until it samples, let the target run under load for
// the measured window, stop it as a user would (Ctrl-C), time how long until its stacks are on
// disk, and read what it cost (CPU in the window, peak RSS, BPF map memory).

import { createWriteStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bpfMapMemlock, childPids, cpuSeconds, exited, perfEventCount, sleep, start, waitFor } from './proc.js';
import { measureStacks, type StackMeasures, type Stack } from './stacks.js';
import { OTHER_CPU } from './target.js';
import type { Tool } from './tool.js';
import { foldStacks } from './fold.js';

export interface SessionResult {
  /** Target throughput while the profiler sampled. */
  rate: number;
  measures: StackMeasures;
  /** From Ctrl-C to the stacks written (recorder exit + post-processing + folding), ms. */
  ttfgMs: number;
  /** Profiler CPU during the measured window, % of one core. */
  cpuPct: number;
  /** Peak RSS of the recording process (GNU time's maximum resident set), KiB. */
  peakRssKb: number;
  /** Peak RSS of the post-processing step (perf script), KiB. */
  postRssKb?: number;
  /** memlock of the BPF maps the profiler held while sampling, bytes. */
  bpfMapBytes?: number;
  cold: boolean;
  reported?: string;
}

export interface SessionOptions {
  tool: Tool;
  pid: number;
  hz: number;
  dir: string;
  seconds: number;
  measure: (seconds: number) => Promise<number>;
  /**
   * Cold: the page cache is dropped before stopping, so the post-processing reads everything from
   * disk, and the tool starts with none of its own caches (fluoro's name stores in `storeDir` are
   * emptied first). Warm: the stores that earlier runs of this benchmark left there.
   */
  cold: boolean;
  storeDir: string;
}

const TIME_FORMAT = '%e %U %S %M';

function parseTime(path: string): { cpu: number; rssKb: number } {
  const last = readFileSync(path, 'utf8').trim().split('\n').pop() ?? '';
  const [, user, sys, rss] = last.split(' ').map(Number);
  return { cpu: (user ?? 0) + (sys ?? 0), rssKb: rss ?? 0 };
}

export function dropCaches(): void {
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
  } catch {
    /* not allowed: the run is then warm, which the report cannot tell; root is required anyway */
  }
}

export async function runSession(o: SessionOptions): Promise<SessionResult> {
  const { tool, dir } = o;
  const rec = tool.record(o.pid, o.hz, dir);
  const timeFile = join(dir, 'time.txt');
  if (o.cold) rmSync(o.storeDir, { recursive: true, force: true });
  const wrapper = start('/usr/bin/time', ['-f', TIME_FORMAT, '-o', timeFile, 'taskset', '-c', OTHER_CPU, rec.cmd, ...rec.args], {
    cwd: dir,
    env: { ...process.env, FLUORO_CACHE_DIR: o.storeDir },
  });
  let stdout = '';
  let stderr = '';
  wrapper.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  wrapper.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const failed = () => wrapper.exitCode !== null || wrapper.signalCode !== null;
  try {
    let ppid = 0;
    await waitFor(`${tool.name} to start`, () => failed() || (ppid = childPids(wrapper.pid ?? 0)[0] ?? 0) > 0, 10000);
    // Sampling has begun once the profiler holds its perf events (plus a moment to settle).
    await waitFor(`${tool.name} to attach`, () => failed() || perfEventCount(ppid) > 0, 60000);
    if (failed()) throw new Error(`${tool.name} exited before sampling: ${stderr.trim().slice(-500)}`);
    await sleep(500);

    const cpu0 = cpuSeconds(ppid) ?? 0;
    const t0 = performance.now();
    const rate = await o.measure(o.seconds);
    const cpu1 = cpuSeconds(ppid) ?? cpu0;
    const t1 = performance.now();
    const bpfMapBytes = tool.bpf ? bpfMapMemlock(ppid) : undefined;
    if (failed()) throw new Error(`${tool.name} exited while sampling: ${stderr.trim().slice(-500)}`);

    if (o.cold) dropCaches();
    const stopAt = performance.now();
    process.kill(ppid, 'SIGINT');
    const code = await exited(wrapper, 300000);
    // perf exits 130 after Ctrl-C, having written its data.
    if (code !== 0 && code !== 130) throw new Error(`${tool.name} failed (exit ${code}): ${stderr.trim().slice(-500)}`);
    const recorded = parseTime(timeFile);

    let postRssKb: number | undefined;
    if (tool.postprocess) {
      const post = tool.postprocess(dir);
      const postTime = join(dir, 'post-time.txt');
      const out = createWriteStream(post.output);
      const p = start('/usr/bin/time', ['-f', TIME_FORMAT, '-o', postTime, 'taskset', '-c', OTHER_CPU, post.cmd, ...post.args], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      p.stdout?.pipe(out);
      const pc = await exited(p, 600000);
      await new Promise<void>((r) => out.close(() => r()));
      if (pc !== 0) throw new Error(`${post.cmd} ${post.args[0]} failed (exit ${pc})`);
      postRssKb = parseTime(postTime).rssKb;
    }
    const stacks: Stack[] = tool.parse(dir, stdout);
    // Tools without folded output of their own get folded here, as stackcollapse would do.
    if (tool.name !== 'fluoro') writeFileSync(join(dir, 'out.folded'), foldStacks(stacks));
    const ttfgMs = performance.now() - stopAt;

    const result: SessionResult = {
      rate,
      measures: measureStacks(stacks),
      ttfgMs,
      cpuPct: (100 * (cpu1 - cpu0)) / ((t1 - t0) / 1000),
      peakRssKb: recorded.rssKb,
      cold: o.cold,
    };
    if (postRssKb !== undefined) result.postRssKb = postRssKb;
    if (bpfMapBytes !== undefined) result.bpfMapBytes = bpfMapBytes;
    const reported = tool.reported?.(stdout);
    if (reported) result.reported = reported;
    return result;
  } finally {
    if (!failed()) {
      for (const pid of childPids(wrapper.pid ?? 0)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await exited(wrapper, 5000);
    }
  }
}

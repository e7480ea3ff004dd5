// A profiler under test: how to start it recording a PID, and how to turn what it leaves into
// stacks. The session (session.ts) does the rest the same way for every tool.

import type { Stack } from './stacks.js';

export interface ToolCommand {
  cmd: string;
  args: string[];
}

export interface Tool {
  name: string;
  /** Why this tool cannot run here, or undefined when it can. */
  unavailable(): string | undefined;
  /** The recording command; it samples until SIGINT, then writes its output and exits. */
  record(pid: number, hz: number, dir: string): ToolCommand;
  /** Work a user must still do after the recorder exits to get stacks (e.g. `perf script`). */
  postprocess?(dir: string): ToolCommand & { output: string };
  /** Reads the stacks from the tool's output in `dir` (recorder stdout given too). */
  parse(dir: string, stdout: string): Stack[];
  /** BPF-based tools hold maps whose memory is counted; perf does not. */
  bpf: boolean;
  /** A line the tool itself reports about the run, kept in results.json. */
  reported?(stdout: string): string | undefined;
}

// A program the benchmark starts, loads to saturation and measures: requests/s or iterations/s.

export interface RunningTarget {
  /** The process profilers attach to (the nginx worker, the python interpreter). */
  pid: number;
  /** Drives the target for `seconds` at full load and returns its throughput over that time. */
  measure(seconds: number): Promise<number>;
  stop(): Promise<void>;
}

export interface Target {
  name: string;
  /** What it is, in words, for the report. */
  description: string;
  /** Unit of throughput. */
  unit: string;
  /** The target runs Lua code: Lua frames are expected. */
  lua: boolean;
  start(): Promise<RunningTarget>;
}

/** CPUs: the target runs alone on one; the load generator and the profilers share the other. */
export const TARGET_CPU = '0';
export const OTHER_CPU = '1';

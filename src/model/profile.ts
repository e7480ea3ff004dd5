// The Profile: the one data model every collector produces and every output consumes.
//
// Semantics follow pprof's profile.proto — sample types with units, leaf-first stacks of
// locations, one or more lines per location (inlined frames, innermost first), mappings with
// build-ids — but as readable objects that reference each other directly. Identifiers exist for
// serialization and are assigned by the ProfileBuilder, which interns everything.

/** Bump when the shape below changes; `upgrade()` in serialize.ts migrates older documents. */
export const PROFILE_VERSION = 1;

/** What kind of code a frame is. Colours, `--lang` filters and analysis key off this. */
export type FrameKind =
  | 'kernel'
  | 'native'
  | 'jit' // machine code generated at run time (LuaJIT traces, perf-map JITs)
  | 'lua'
  | 'lua-builtin' // LuaJIT fast functions (builtin#N)
  | 'python'
  | 'php'
  | 'perl'
  | 'go'
  | 'node'
  | 'ruby'
  | 'unknown'
  | 'group'; // a synthetic frame grouping samples: a process, a thread, a request

export const FRAME_KINDS: readonly FrameKind[] = [
  'kernel', 'native', 'jit', 'lua', 'lua-builtin', 'python', 'php', 'perl', 'go', 'node', 'ruby', 'unknown', 'group',
];

export interface SampleType {
  /** e.g. "samples", "cpu", "alloc_space" */
  readonly type: string;
  /** e.g. "count", "nanoseconds", "bytes" */
  readonly unit: string;
}

export interface Mapping {
  readonly id: number;
  readonly start: bigint;
  readonly limit: bigint;
  readonly offset: bigint;
  readonly file: string;
  readonly buildId: string;
}

export interface Func {
  readonly id: number;
  /** Name for people (demangled). */
  readonly name: string;
  /** Name as the binary spells it (mangled), when different. */
  readonly systemName: string;
  /** Source file or chunk name, when known. */
  readonly file: string;
  /** First line of the function, 0 when unknown. */
  readonly startLine: number;
}

export interface Line {
  readonly func: Func;
  /** 0 when unknown. */
  readonly line: number;
}

export interface Location {
  readonly id: number;
  readonly kind: FrameKind;
  /** Instruction address in the process, 0n when the frame has none (interpreted code). */
  readonly address: bigint;
  readonly mapping: Mapping | undefined;
  /** Innermost first: lines[0] is the inlined callee, the last is the function that holds the code. */
  readonly lines: readonly Line[];
}

type LabelValue = string | number;
export type Labels = Readonly<Record<string, LabelValue>>;

export interface Sample {
  /** Leaf first. Identical stacks share one array instance within a profile. */
  readonly stack: readonly Location[];
  /** One value per sample type, in the order of Profile.sampleTypes. */
  readonly values: number[];
  readonly labels: Labels;
}

export interface Profile {
  readonly version: number;
  readonly sampleTypes: readonly SampleType[];
  /** Index into sampleTypes of the value shown by default (flame graph width). */
  readonly defaultSampleType: number;
  readonly samples: readonly Sample[];
  readonly locations: readonly Location[];
  readonly functions: readonly Func[];
  readonly mappings: readonly Mapping[];
  /** Wall-clock start, nanoseconds since the epoch (0 when unknown). */
  readonly timeNanos: bigint;
  /** How long the profile covers, nanoseconds (0 when unknown). */
  readonly durationNanos: bigint;
  /** What one event means: e.g. {type: "cpu", unit: "nanoseconds"} and period 10101010 at 99 Hz. */
  readonly periodType: SampleType | undefined;
  readonly period: number;
  /** Free-form notes for people (pprof comments): target, command line, warnings. */
  readonly comments: readonly string[];
}

/** The function that holds the code of a location (the outermost of its inlined lines). */
export function outerFunc(loc: Location): Func | undefined {
  return loc.lines[loc.lines.length - 1]?.func;
}

/** Sum of one value over all samples. */
export function total(p: Profile, valueIndex = p.defaultSampleType): number {
  let sum = 0;
  for (const s of p.samples) sum += s.values[valueIndex] ?? 0;
  return sum;
}

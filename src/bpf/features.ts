// The kernel BPF features fluoro's programs rely on, probed once per process and cached: BTF,
// the ring buffer map, and the helpers bpf/*.bpf.c call. A program that needs a missing feature
// is refused before it is loaded, with one sentence naming the feature and the first kernel that
// has it, instead of a verifier dump. FLUORO_BPF_FEATURES overrides what the probes say, so that
// fallbacks can be tested on a kernel that has everything: "-bpf_loop" (or "+name"), comma- or
// space-separated.
import { existsSync } from 'node:fs';

import { NotSupportedError, UsageError } from '../errors.js';
import { installLibbpfLogger, debug } from './log.js';
import { native } from './native.js';

const BTF_PATH = '/sys/kernel/btf/vmlinux';
const BPF_PROG_TYPE_PERF_EVENT = 7; // every program of ours is a perf_event program
const BPF_MAP_TYPE_RINGBUF = 27;

type Probe = { kind: 'btf' } | { kind: 'map'; type: number } | { kind: 'helper'; id: number };

interface FeatureSpec {
  probe: Probe;
  /** The first Linux release that has it. */
  since: string;
  /** How the sentence names it. */
  what: string;
  /** Said after the version, when having the release is not enough. */
  condition?: string;
}

const helper = (id: number, since: string, name: string): FeatureSpec => ({
  probe: { kind: 'helper', id },
  since,
  what: `the BPF helper ${name}`,
});

/** Helper ids are enum bpf_func_id values, fixed by the kernel's ABI. */
const FEATURES = {
  btf: { probe: { kind: 'btf' }, since: '5.4', what: `BTF type information (${BTF_PATH})`, condition: 'built with CONFIG_DEBUG_INFO_BTF=y' },
  ringbuf: { probe: { kind: 'map', type: BPF_MAP_TYPE_RINGBUF }, since: '5.8', what: 'the BPF ring buffer map' },
  bpf_get_stack: helper(67, '4.18', 'bpf_get_stack'),
  bpf_probe_read_user: helper(112, '5.5', 'bpf_probe_read_user'),
  bpf_probe_read_kernel: helper(113, '5.5', 'bpf_probe_read_kernel'),
  bpf_ringbuf_output: helper(130, '5.8', 'bpf_ringbuf_output'),
  bpf_get_current_task_btf: helper(158, '5.11', 'bpf_get_current_task_btf'),
  bpf_task_pt_regs: helper(175, '5.15', 'bpf_task_pt_regs'),
  bpf_loop: helper(181, '5.17', 'bpf_loop'),
} satisfies Record<string, FeatureSpec>;

export type BpfFeature = keyof typeof FEATURES;
export const BPF_FEATURES = Object.keys(FEATURES) as BpfFeature[];

const probed = new Map<BpfFeature, boolean>();
let probes = 0;

function isFeature(name: string): name is BpfFeature {
  return Object.hasOwn(FEATURES, name);
}

/** The answers FLUORO_BPF_FEATURES forces, by feature. */
export function forcedBpfFeatures(value = process.env.FLUORO_BPF_FEATURES ?? ''): Map<BpfFeature, boolean> {
  const forced = new Map<BpfFeature, boolean>();
  for (const token of value.split(/[\s,]+/).filter(Boolean)) {
    const name = token.slice(1);
    if ((token[0] !== '-' && token[0] !== '+') || !isFeature(name)) {
      throw new UsageError(`FLUORO_BPF_FEATURES: ${JSON.stringify(token)} is not -name or +name of a known feature (${BPF_FEATURES.join(', ')})`);
    }
    forced.set(name, token[0] === '+');
  }
  return forced;
}

// libbpf 1.1's helper probe loads a one-call program and reads a "no" from the verifier's words
// for a helper it does not know at all: that is how a kernel older than the helper answers. (A
// newer kernel that knows a helper but forbids it to the program type words it otherwise, and
// reads as "has it"; every helper here is allowed to perf_event programs wherever it exists.)
function probe(feature: BpfFeature): boolean {
  const spec: FeatureSpec = FEATURES[feature];
  if (spec.probe.kind === 'btf') return existsSync(BTF_PATH);
  installLibbpfLogger();
  const n = native().libbpf;
  probes++;
  const result = (spec.probe.kind === 'map'
    ? n.probe_bpf_map_type(spec.probe.type, null)
    : n.probe_bpf_helper(BPF_PROG_TYPE_PERF_EVENT, spec.probe.id, null)) as number;
  if (result < 0) {
    // The probe itself failed (not a "no"): let the load say what is wrong rather than guess.
    debug(`probing ${feature} failed with ${result}; assuming the kernel has it`);
    return true;
  }
  return result === 1;
}

/** Whether the kernel has `feature`; probed on first use, then cached for the process. */
export function hasBpfFeature(feature: BpfFeature): boolean {
  const forced = forcedBpfFeatures().get(feature);
  if (forced !== undefined) return forced;
  let present = probed.get(feature);
  if (present === undefined) {
    present = probe(feature);
    probed.set(feature, present);
  }
  return present;
}

/** Kernel probes run so far in this process: each feature is probed at most once. */
export function bpfFeatureProbes(): number {
  return probes;
}

const release = (v: string): number => {
  const [major = 0, minor = 0] = v.split('.').map(Number);
  return major * 1000 + minor;
};

/** Of `features`, the missing one that needs the newest kernel: upgrading to it brings them all. */
export function missingBpfFeature(features: readonly BpfFeature[]): BpfFeature | undefined {
  let worst: BpfFeature | undefined;
  for (const f of features) {
    if (hasBpfFeature(f)) continue;
    if (worst === undefined || release(FEATURES[f].since) > release(FEATURES[worst].since)) worst = f;
  }
  return worst;
}

/** The first Linux release that has `feature`, e.g. "5.17". */
export function bpfFeatureSince(feature: BpfFeature): string {
  return FEATURES[feature].since;
}

/** "this kernel lacks the BPF helper bpf_loop (Linux 5.17 or later has it)" */
export function bpfFeatureSentence(feature: BpfFeature): string {
  const spec: FeatureSpec = FEATURES[feature];
  const condition = spec.condition ? ` ${spec.condition}` : '';
  return `this kernel lacks ${spec.what} (Linux ${spec.since} or later${condition} has it)`;
}

/**
 * Throws NotSupportedError naming the missing feature (the one needing the newest kernel), with
 * what needs it when `purpose` is given ("the in-kernel unwinder") and what to do instead.
 */
export function requireBpfFeatures(features: readonly BpfFeature[], purpose?: string, instead?: string): void {
  const missing = missingBpfFeature(features);
  if (missing === undefined) return;
  const needs = purpose ? `, and ${purpose} needs it` : '';
  throw new NotSupportedError(`${bpfFeatureSentence(missing)}${needs}${instead ? `: ${instead}` : ''}`);
}

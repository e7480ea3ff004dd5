// The flame graph as a tree: samples merged by path from the root, laid out in pre-order with
// siblings sorted by name (as FlameGraph does), so a node's horizontal position is the running sum
// of the values before it. Flat typed arrays keep 100,000-stack profiles cheap to build and embed.

import { stackFrames } from '../model/frames.js';
import { FRAME_KINDS, type FrameKind, type Profile } from '../model/profile.js';
import { boundName } from './escape.js';

/** Deeper stacks are cut here: past this a stack is a runaway recursion, not something to read. */
const MAX_FLAME_DEPTH = 2048;

interface FlameTree {
  /** Distinct frame names, bounded and made safe for display by boundName. */
  readonly names: string[];
  /** Per node, in pre-order; node 0 is the root ("all"). */
  readonly name: Int32Array;
  /** Index into FRAME_KINDS. */
  readonly kind: Uint8Array;
  readonly depth: Uint16Array;
  /** Total value of the node: its own plus its descendants'. */
  readonly value: Float64Array;
  /** Value of samples whose leaf is this node. */
  readonly self: Float64Array;
  /** Position of the node's left edge, in value units from the root's left edge. */
  readonly start: Float64Array;
  /** Index one past the node's last descendant: the subtree is [i, end[i]). */
  readonly end: Int32Array;
  readonly count: number;
  readonly maxDepth: number;
  readonly total: number;
}

interface FlameTreeOptions {
  valueIndex?: number;
  /** Nodes whose value is below this are left out with their subtree (0 keeps everything). */
  minValue?: number;
  rootName?: string;
}

const KIND_INDEX = new Map<FrameKind, number>(FRAME_KINDS.map((k, i) => [k, i]));
const UNKNOWN = KIND_INDEX.get('unknown')!;

export function buildFlameTree(p: Profile, opts: FlameTreeOptions = {}): FlameTree {
  const vi = opts.valueIndex ?? p.defaultSampleType;
  const names: string[] = [opts.rootName ?? 'all'];
  const nameIds = new Map<string, number>();
  // Growable build-time arrays; node 0 is the root.
  const tName = [0];
  const tKind = [UNKNOWN];
  const tValue = [0];
  const tSelf = [0];
  const children: number[][] = [[]];
  const childIndex = new Map<string, number>();

  for (const s of p.samples) {
    const v = s.values[vi] ?? 0;
    if (!(v > 0) || !Number.isFinite(v)) continue;
    const frames = stackFrames(s);
    let node = 0;
    tValue[0]! += v;
    const depth = Math.min(frames.length, MAX_FLAME_DEPTH);
    for (let i = 0; i < depth; i++) {
      const f = frames[i]!;
      let nid = nameIds.get(f.name);
      if (nid === undefined) {
        nid = names.length;
        names.push(boundName(f.name));
        nameIds.set(f.name, nid);
      }
      const kid = KIND_INDEX.get(f.kind) ?? UNKNOWN;
      const key = `${node},${nid},${kid}`;
      let child = childIndex.get(key);
      if (child === undefined) {
        child = tName.length;
        tName.push(nid);
        tKind.push(kid);
        tValue.push(0);
        tSelf.push(0);
        children.push([]);
        children[node]!.push(child);
        childIndex.set(key, child);
      }
      tValue[child]! += v;
      node = child;
    }
    tSelf[node]! += v;
  }

  const minValue = opts.minValue ?? 0;
  const byName = (a: number, b: number): number => {
    const na = names[tName[a]!]!;
    const nb = names[tName[b]!]!;
    return na < nb ? -1 : na > nb ? 1 : tKind[a]! - tKind[b]!;
  };

  // Pre-order walk with an explicit stack: deep profiles must not exhaust the call stack.
  const order: number[] = [];
  const depths: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const work: [node: number, depth: number, start: number][] = [[0, 0, 0]];
  const open: number[] = []; // output indexes whose subtree is still being emitted, with their depth
  while (work.length > 0) {
    const [node, depth, start] = work.pop()!;
    while (open.length > 0 && depths[open[open.length - 1]!]! >= depth) ends[open.pop()!] = order.length;
    const idx = order.length;
    order.push(node);
    depths.push(depth);
    starts.push(start);
    ends.push(idx + 1);
    open.push(idx);
    const kids = children[node]!.filter((c) => tValue[c]! >= minValue && tValue[c]! > 0).sort(byName);
    let x = start;
    const placed: [number, number, number][] = [];
    for (const c of kids) {
      placed.push([c, depth + 1, x]);
      x += tValue[c]!;
    }
    for (let i = placed.length - 1; i >= 0; i--) work.push(placed[i]!);
  }
  while (open.length > 0) ends[open.pop()!] = order.length;

  const n = order.length;
  const tree: FlameTree = {
    names,
    name: Int32Array.from(order, (o) => tName[o]!),
    kind: Uint8Array.from(order, (o) => tKind[o]!),
    depth: Uint16Array.from(depths),
    value: Float64Array.from(order, (o) => tValue[o]!),
    self: Float64Array.from(order, (o) => tSelf[o]!),
    start: Float64Array.from(starts),
    end: Int32Array.from(ends),
    count: n,
    maxDepth: depths.reduce((m, d) => Math.max(m, d), 0),
    total: tValue[0]!,
  };
  return tree;
}

export function kindOfNode(tree: FlameTree, i: number): FrameKind {
  return FRAME_KINDS[tree.kind[i]!] ?? 'unknown';
}

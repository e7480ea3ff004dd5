// Reading `fluoro cpu` folded output in tests: stacks as frame lists, and what "complete" means.

export interface FoldedStack {
  /** Root first, as in the file; kernel frames keep no suffix but are flagged. */
  frames: { name: string; kernel: boolean }[];
  count: number;
}

export function parseFolded(text: string): FoldedStack[] {
  const out: FoldedStack[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const at = line.lastIndexOf(' ');
    const frames = line.slice(0, at).split(';').map((f) => {
      const kernel = f.endsWith('_[k]');
      return { name: kernel ? f.slice(0, -4) : f.replace(/_\[[a-z]+\]$/, ''), kernel };
    });
    out.push({ frames, count: Number(line.slice(at + 1)) });
  }
  return out;
}

/** The outermost frames of a thread whose user stack was unwound to its very start. */
export const ROOT_FRAMES: ReadonlySet<string> = new Set([
  'main', '__libc_start_main', '__libc_start_call_main', '_start', 'clone', 'clone3', 'start_thread',
]);

/** User (non-kernel) frames, root first. */
export function userFrames(s: FoldedStack): string[] {
  return s.frames.filter((f) => !f.kernel).map((f) => f.name);
}

export function isComplete(s: FoldedStack): boolean {
  const root = userFrames(s)[0];
  return root !== undefined && ROOT_FRAMES.has(root);
}

export interface Completeness {
  samples: number;
  complete: number;
  /** Fraction 0..1. */
  ratio: number;
  /** Mean number of user frames per sample. */
  meanDepth: number;
}

export function completeness(stacks: readonly FoldedStack[], where: (s: FoldedStack) => boolean = isComplete): Completeness {
  let samples = 0;
  let complete = 0;
  let frames = 0;
  for (const s of stacks) {
    samples += s.count;
    if (where(s)) complete += s.count;
    frames += userFrames(s).length * s.count;
  }
  return { samples, complete, ratio: samples ? complete / samples : 0, meanDepth: samples ? frames / samples : 0 };
}

export function describe(c: Completeness): string {
  return `${c.complete}/${c.samples} samples complete (${(100 * c.ratio).toFixed(1)}%), mean depth ${c.meanDepth.toFixed(1)}`;
}

/** The stack with the most samples. */
export function dominant(stacks: readonly FoldedStack[]): FoldedStack | undefined {
  return stacks.reduce<FoldedStack | undefined>((a, s) => (!a || s.count > a.count ? s : a), undefined);
}

// Why the BPF samplers gave up a sample or recorded less of it: the reasons their per-CPU counters
// name (bpf/include/cpu.h and unwind.h; record.ts and kernel-unwind.ts map names to indexes), in
// words, and the one line that sums up a run's losses.

type ExitKind = 'lost' | 'shortened' | 'filtered';

/** Every reason, by the name stats().exits uses. */
export const EXIT_REASONS = {
  // Not recorded at all: each lost sample is counted once.
  'ring-full': { kind: 'lost', words: 'ring buffer full' },
  'no-scratch': { kind: 'lost', words: 'no record buffer' },
  bounds: { kind: 'lost', words: 'length check failed' },
  'too-long': { kind: 'lost', words: 'record too long' },
  'no-room': { kind: 'lost', words: 'too many threads off their CPU at once to follow' },
  // Recorded with less than it should carry: counted once per reason (lua-slots once per frame).
  'kernel-stack': { kind: 'shortened', words: 'kernel stack unreadable' },
  'fp-stack': { kind: 'shortened', words: 'frame-pointer stack unreadable' },
  'user-stack': { kind: 'shortened', words: 'user stack unreadable' },
  'no-user-regs': { kind: 'shortened', words: 'in the kernel, user registers out of reach' },
  'stack-read': { kind: 'shortened', words: 'user stack read failed mid-walk' },
  'max-depth': { kind: 'shortened', words: 'more user frames than the walk takes' },
  'part-bounds': { kind: 'shortened', words: 'part left out by a length check' },
  'lua-no-g': { kind: 'shortened', words: 'LuaJIT state not found yet' },
  'lua-read': { kind: 'shortened', words: 'LuaJIT state unreadable' },
  'lua-bad-frame': { kind: 'shortened', words: 'Lua walk stopped at a broken frame' },
  'lua-truncated': { kind: 'shortened', words: 'more Lua frames than the walk takes' },
  'lua-slots': { kind: 'shortened', words: 'Lua frames without their locals' },
  'lua-uri': { kind: 'shortened', words: 'request URI unreadable' },
  // Not wanted: another process, a kernel thread.
  filtered: { kind: 'filtered', words: 'not a target' },
} as const satisfies Record<string, { kind: ExitKind; words: string }>;

export type ExitReason = keyof typeof EXIT_REASONS;

/** Where each reason a sampler counts sits in its counters map. */
export type ExitIndexes = Partial<Record<ExitReason, number>>;

function kindOf(name: string): { kind: ExitKind; words: string } {
  // A name this table does not know is reported as a loss under its own name, never hidden.
  return Object.hasOwn(EXIT_REASONS, name) ? EXIT_REASONS[name as ExitReason] : { kind: 'lost', words: name };
}

function listed(entries: Array<[string, number]>): string {
  return entries
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([name, n]) => `${n} ${kindOf(name).words}`)
    .join(', ');
}

/**
 * One line on what the BPF program could not record, e.g. "12 samples lost: 10 ring buffer full,
 * 2 record too long; samples shortened: 3 user stack unreadable"; undefined when nothing was lost
 * or shortened. Filtered samples (other processes) are no loss.
 */
export function describeLosses(stats: { exits: Readonly<Record<string, number>> }): string | undefined {
  const lost: Array<[string, number]> = [];
  const shortened: Array<[string, number]> = [];
  for (const [name, n] of Object.entries(stats.exits)) {
    if (n <= 0) continue;
    const { kind } = kindOf(name);
    if (kind === 'lost') lost.push([name, n]);
    else if (kind === 'shortened') shortened.push([name, n]);
  }
  const parts: string[] = [];
  if (lost.length > 0) {
    const total = lost.reduce((sum, [, n]) => sum + n, 0);
    parts.push(`${total} sample${total === 1 ? '' : 's'} lost: ${listed(lost)}`);
  }
  if (shortened.length > 0) parts.push(`samples shortened: ${listed(shortened)}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

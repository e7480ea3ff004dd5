// How a collector's BPF programs meet the events they count: the attach strategies of the event
// core. Every collector names its strategies; the session (session.ts) attaches them after load
// and detaches them, first, when it stops.
//
// - perf-cpu-clock: a CPU-clock perf event on every online CPU, sampling at `hz` (on-CPU time).
// - auto: where the program's SEC() says: tp_btf/raw_tp tracepoints, fentry/fexit (sched_switch
//   for off-CPU time, say). This kernel has no kprobes; these need none, nor a mounted tracefs.
// - uprobe: a uprobe or uretprobe at a file offset, for one process or all that map the file
//   (nginx's request functions, malloc).

import type { BpfLink } from '../../bpf/link.js';
import type { BpfObject } from '../../bpf/object.js';
import { closeFds, openCpuClockEvents } from '../../bpf/perf-event.js';

export type AttachStrategy =
  | { kind: 'perf-cpu-clock'; program: string; hz: number }
  | { kind: 'auto'; program: string }
  | { kind: 'uprobe'; program: string; path: string; offset: number; pid?: number; ret?: boolean };

/** Attaches every strategy; on a failure, detaches what was attached and rethrows. */
export function attachAll(obj: BpfObject, strategies: readonly AttachStrategy[]): BpfLink[] {
  const links: BpfLink[] = [];
  let fds: number[] = [];
  try {
    for (const s of strategies) {
      const program = obj.program(s.program);
      if (s.kind === 'perf-cpu-clock') {
        fds = openCpuClockEvents(s.hz);
        while (fds.length > 0) {
          links.push(program.attachPerfEvent(fds[0]!));
          fds.shift(); // the link owns the fd now
        }
      } else if (s.kind === 'auto') {
        links.push(program.attach());
      } else {
        links.push(program.attachUprobe(s));
      }
    }
  } catch (e) {
    closeFds(fds);
    for (const link of links) link.close();
    throw e;
  }
  return links;
}

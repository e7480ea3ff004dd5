// RemoteMemory over a live process: reads that fault return undefined instead of throwing, since
// LuaJIT's heap changes under us and a stale pointer is an expected event, not an error. So is a
// process that exits while we read it: its last samples simply get no names.

import { readMemoryUpTo } from '../../proc/memory.js';
import type { RemoteMemory } from './proto.js';

export function processMemory(pid: number): RemoteMemory {
  return {
    read(addr: bigint, len: number): Buffer | undefined {
      if (addr <= 0n || len < 0 || len > 1 << 24) return undefined;
      try {
        const buf = readMemoryUpTo(pid, addr, len);
        return buf.length === len ? buf : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

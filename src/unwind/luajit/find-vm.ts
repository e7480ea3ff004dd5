// Finding a LuaJIT VM's global_State in a live process without symbols. LuaJIT allocates the main
// lua_State and the global_State together (GG_State), and the main thread points at its global
// state, which sits right after it: L->glref == L + sizeof(lua_State). Scanning the process's
// anonymous writable memory for that self-reference finds every VM; readVm() then checks the
// other invariants, so a chance match is never taken for a VM.

import { readMemoryUpTo } from '../../proc/memory.js';
import type { Mapping } from '../../proc/maps.js';
import type { LuaJitLayout } from './layout.js';
import type { RemoteMemory } from './proto.js';
import { readVm } from './vm.js';

const CHUNK = 1 << 20;
/** Memory scanned at most: VMs are created early, in the first anonymous mappings. */
const MAX_SCAN_BYTES = 512 << 20;
const MAX_MAPPING_BYTES = 256 << 20;

/** The global_State addresses of every VM found, validated; first found first. */
export function findVms(pid: number, maps: readonly Mapping[], lay: LuaJitLayout, mem: RemoteMemory): bigint[] {
  const found: bigint[] = [];
  let budget = MAX_SCAN_BYTES;
  const glref = lay.L_glref;
  const size = BigInt(lay.L_size);
  for (const m of maps) {
    if (m.perms[0] !== 'r' || m.perms[1] !== 'w' || (m.inode !== 0 && m.path !== '[heap]')) continue;
    if (m.path === '[stack]' || m.path.startsWith('[v')) continue;
    const length = m.end - m.start;
    if (length > BigInt(MAX_MAPPING_BYTES)) continue;
    for (let at = m.start; at < m.end && budget > 0; at += BigInt(CHUNK)) {
      const want = Number(m.end - at < BigInt(CHUNK) ? m.end - at : BigInt(CHUNK));
      const buf = readMemoryUpTo(pid, at, want);
      budget -= buf.length;
      // Compare the low 32 bits first: a full bigint comparison per word would be slow.
      for (let o = 0; o + glref + 8 <= buf.length; o += 8) {
        const L = at + BigInt(o);
        const expected = L + size;
        if (buf.readUInt32LE(o + glref) !== Number(expected & 0xffffffffn)) continue;
        if (buf.readBigUInt64LE(o + glref) !== expected) continue;
        if (readVm(mem, lay, expected)) found.push(expected);
      }
      if (buf.length < want) break;
    }
    if (budget <= 0) break;
  }
  return found;
}

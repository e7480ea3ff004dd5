// The URI of the request an ngx_lua coroutine serves. ngx_lua keeps the request
// (ngx_http_request_t *) in the coroutine's L->exdata; nginx's struct layout depends on its version
// and build options, so the offset of `uri` is learned from a live request instead of assumed:
// `request_line` holds "METHOD /path HTTP/x.y", and `uri` is the ngx_str_t after it whose bytes
// are the path inside that very line. Both must hold, so a chance match is not taken.

import type { RemoteMemory } from './proto.js';

const SCAN_BYTES = 0x800;
const REQUEST_LINE = /^[A-Z]{3,10} (\S+) HTTP\/\d\.\d$/;

interface Str {
  off: number;
  len: number;
  data: bigint;
}

function strings(buf: Buffer): Str[] {
  const out: Str[] = [];
  for (let off = 0; off + 16 <= buf.length; off += 8) {
    const len = buf.readBigUInt64LE(off);
    const data = buf.readBigUInt64LE(off + 8);
    if (len > 0n && len <= 8192n && data > 0xffffn && data < 1n << 47n) out.push({ off, len: Number(len), data });
  }
  return out;
}

/** The offset of `uri` in the request at `r`, or undefined when the pattern is not there. */
export function findUriOffset(mem: RemoteMemory, r: bigint): number | undefined {
  const req = mem.read(r, SCAN_BYTES);
  if (!req) return undefined;
  const strs = strings(req);
  for (const line of strs) {
    const text = mem.read(line.data, Math.min(line.len, 1024))?.toString('latin1');
    const m = text ? REQUEST_LINE.exec(text) : null;
    if (!m) continue;
    const pathAt = line.data + BigInt(text!.indexOf(' ') + 1);
    const uri = strs.find((s) => s.off > line.off && s.data === pathAt && s.len <= m[1]!.length);
    if (uri && mem.read(uri.data, 1)?.toString('latin1') === '/') return uri.off;
  }
  return undefined;
}

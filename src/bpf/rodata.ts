// `const volatile` globals of a BPF program live in its .rodata section, which libbpf turns into
// a map whose initial value can be replaced between open and load. Variable offsets come from the
// object's BTF: the DATASEC named .rodata lists (type, offset, size) per variable.
import { FluoroError } from '../errors.js';
import { copyFrom, native } from './native.js';

export type RodataValue = number | bigint | boolean;

const BTF_KIND_DATASEC = 15;
const BTF_TYPE_BYTES = 12; // name_off, info, size
const BTF_SECINFO_BYTES = 12; // type, offset, size

interface Variable {
  offset: number;
  size: number;
}

/** Name → (offset, size) of every variable in the object's .rodata, from BTF. */
export function rodataLayout(btf: bigint): Map<string, Variable> {
  const n = native().libbpf;
  const layout = new Map<string, Variable>();
  const id = n.btf_find_by_name_kind(btf, '.rodata', BTF_KIND_DATASEC) as number;
  if (id < 0) return layout;
  const type = n.btf_type_by_id(btf, id) as bigint | null;
  if (!type) return layout;
  const head = copyFrom(type, BTF_TYPE_BYTES);
  const vlen = head.readUInt32LE(4) & 0xffff;
  const infos = copyFrom(type + BigInt(BTF_TYPE_BYTES), vlen * BTF_SECINFO_BYTES);
  for (let i = 0; i < vlen; i++) {
    const at = i * BTF_SECINFO_BYTES;
    const varType = n.btf_type_by_id(btf, infos.readUInt32LE(at)) as bigint | null;
    if (!varType) continue;
    const name = n.btf_name_by_offset(btf, copyFrom(varType, 4).readUInt32LE(0)) as string | null;
    if (name) layout.set(name, { offset: infos.readUInt32LE(at + 4), size: infos.readUInt32LE(at + 8) });
  }
  return layout;
}

/** Writes `values` into a copy of the .rodata image, little-endian, by each variable's size. */
export function writeRodata(image: Buffer, layout: Map<string, Variable>, values: Record<string, RodataValue>): void {
  for (const [name, value] of Object.entries(values)) {
    const v = layout.get(name);
    if (!v) throw new FluoroError(`BPF program has no const volatile variable named ${name}`);
    if (v.offset + v.size > image.length) throw new FluoroError(`.rodata variable ${name} lies outside the section`);
    const big = typeof value === 'bigint' ? value : BigInt(typeof value === 'boolean' ? Number(value) : value);
    const max = 1n << BigInt(v.size * 8);
    if (big < -(max >> 1n) || big >= max) throw new FluoroError(`value ${value} does not fit ${name} (${v.size} bytes)`);
    const unsigned = big < 0n ? big + max : big;
    for (let i = 0; i < v.size; i++) image[v.offset + i] = Number((unsigned >> BigInt(8 * i)) & 0xffn);
  }
}

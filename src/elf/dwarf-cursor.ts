// A bounds-checked cursor over DWARF-encoded bytes: fixed-size integers, LEB128, and the pointer
// encodings (DW_EH_PE_*) that .eh_frame uses. Every read past the end throws DwarfRangeError, which
// the frame parsers catch per entry so one damaged FDE does not lose the rest of the table.

export class DwarfRangeError extends Error {}

export const DW_EH_PE = {
  absptr: 0x00,
  uleb128: 0x01,
  udata2: 0x02,
  udata4: 0x03,
  udata8: 0x04,
  sleb128: 0x09,
  sdata2: 0x0a,
  sdata4: 0x0b,
  sdata8: 0x0c,
  pcrel: 0x10,
  textrel: 0x20,
  datarel: 0x30,
  funcrel: 0x40,
  aligned: 0x50,
  indirect: 0x80,
  omit: 0xff,
} as const;

/** Base addresses for relative pointer encodings. `section` is the vaddr of the bytes' offset 0. */
export interface PointerBases {
  section: number;
  text?: number;
  data?: number;
  func?: number;
}

interface EncodedPointer {
  value: number;
  /** True when the value is the address of the pointer (DW_EH_PE_indirect), not the pointer. */
  indirect: boolean;
}

const U64 = (1n << 64n) - 1n;

export class DwarfCursor {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
    readonly end = buf.length,
  ) {
    if (end > buf.length || pos < 0 || pos > end) throw new DwarfRangeError('cursor bounds outside buffer');
  }

  get left(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    if (n < 0 || this.pos + n > this.end) throw new DwarfRangeError(`read of ${n} bytes past end at ${this.pos}`);
    const p = this.pos;
    this.pos += n;
    return p;
  }

  u8(): number {
    return this.buf[this.need(1)]!;
  }
  u16(): number {
    return this.buf.readUInt16LE(this.need(2));
  }
  u32(): number {
    return this.buf.readUInt32LE(this.need(4));
  }
  u64(): bigint {
    return this.buf.readBigUInt64LE(this.need(8));
  }
  s16(): number {
    return this.buf.readInt16LE(this.need(2));
  }
  s32(): number {
    return this.buf.readInt32LE(this.need(4));
  }
  s64(): bigint {
    return this.buf.readBigInt64LE(this.need(8));
  }

  skip(n: number): void {
    this.need(n);
  }

  bytes(n: number): Buffer {
    const p = this.need(n);
    return this.buf.subarray(p, p + n);
  }

  /** Unsigned LEB128 as a bigint (values up to 64 bits; longer encodings are damage). */
  ulebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.u8();
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      else if ((b & 0x7f) !== 0) throw new DwarfRangeError('LEB128 value wider than 64 bits');
      shift += 7n;
      if ((b & 0x80) === 0) return result & U64;
      if (shift > 70n) throw new DwarfRangeError('LEB128 too long');
    }
  }

  slebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.u8();
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        if (b & 0x40 && shift < 64n) result -= 1n << shift;
        return BigInt.asIntN(64, result);
      }
      if (shift > 70n) throw new DwarfRangeError('LEB128 too long');
    }
  }

  /** Unsigned LEB128 that must fit a safe integer (register numbers, lengths, factors). */
  uleb(): number {
    const v = this.ulebBig();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DwarfRangeError('LEB128 value too large');
    return Number(v);
  }

  sleb(): number {
    const v = this.slebBig();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new DwarfRangeError('LEB128 value too large');
    }
    return Number(v);
  }

  /** A NUL-terminated string. */
  cstr(): string {
    const z = this.buf.indexOf(0, this.pos);
    if (z < 0 || z >= this.end) throw new DwarfRangeError('unterminated string');
    const s = this.buf.toString('latin1', this.pos, z);
    this.pos = z + 1;
    return s;
  }

  /**
   * A pointer in DW_EH_PE encoding `enc`, or undefined for DW_EH_PE_omit. The result wraps to 64 bits
   * and must be a safe integer; file addresses always are.
   */
  pointer(enc: number, bases: PointerBases): EncodedPointer | undefined {
    if (enc === DW_EH_PE.omit) return undefined;
    const fieldAddr = bases.section + this.pos;
    if ((enc & 0x70) === DW_EH_PE.aligned) {
      const pad = (8 - (fieldAddr % 8)) % 8;
      this.skip(pad);
    }
    let raw: bigint;
    switch (enc & 0x0f) {
      case DW_EH_PE.absptr: raw = this.u64(); break;
      case DW_EH_PE.uleb128: raw = this.ulebBig(); break;
      case DW_EH_PE.udata2: raw = BigInt(this.u16()); break;
      case DW_EH_PE.udata4: raw = BigInt(this.u32()); break;
      case DW_EH_PE.udata8: raw = this.u64(); break;
      case DW_EH_PE.sleb128: raw = this.slebBig(); break;
      case DW_EH_PE.sdata2: raw = BigInt(this.s16()); break;
      case DW_EH_PE.sdata4: raw = BigInt(this.s32()); break;
      case DW_EH_PE.sdata8: raw = this.s64(); break;
      default: throw new DwarfRangeError(`unknown pointer format 0x${enc.toString(16)}`);
    }
    let base: number | undefined;
    switch (enc & 0x70) {
      case 0: case DW_EH_PE.aligned: base = 0; break;
      case DW_EH_PE.pcrel: base = fieldAddr; break;
      case DW_EH_PE.textrel: base = bases.text; break;
      case DW_EH_PE.datarel: base = bases.data; break;
      case DW_EH_PE.funcrel: base = bases.func; break;
      default: throw new DwarfRangeError(`unknown pointer application 0x${enc.toString(16)}`);
    }
    if (base === undefined) throw new DwarfRangeError(`no base address for pointer encoding 0x${enc.toString(16)}`);
    const v = BigInt.asUintN(64, raw + BigInt(base));
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DwarfRangeError('pointer out of range');
    return { value: Number(v), indirect: (enc & DW_EH_PE.indirect) !== 0 };
  }
}

// ELF64 little-endian files: the header, section headers with names, PT_LOAD segments, the GNU
// build-id and .gnu_debuglink. Parsing reads only headers; section contents are read on demand with
// positioned reads, so a 100 MB binary costs a few kilobytes until a section is asked for. An image
// that is not a file (the vDSO, copied from a process) is parsed from memory the same way.

import { inflateSync } from 'node:zlib';
import { ElfError } from './elf-error.js';
import { FileReader, identityKey, ImageReader, MAX_READ, type ByteReader, type FileIdentity } from './file-reader.js';

export const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
const SHF_COMPRESSED = 0x800;
const PT_LOAD = 1;
const NT_GNU_BUILD_ID = 3;
const EM_X86_64 = 62;

/** Bounds that keep a hostile header from making us loop or allocate without end. */
const MAX_SECTIONS = 65536;
const MAX_SEGMENTS = 4096;

export interface Section {
  name: string;
  type: number;
  flags: bigint;
  /** Virtual address (0 for sections that are not loaded). */
  addr: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

interface LoadSegment {
  vaddr: number;
  offset: number;
  filesz: number;
  memsz: number;
  /** PF_X = 1, PF_W = 2, PF_R = 4. */
  flags: number;
}

interface DebugLink {
  name: string;
  crc: number;
}

/** Addresses above 2^53 cannot be numbers; user-space files never use them. */
function num(path: string, v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(path, `${what} out of range (0x${v.toString(16)})`);
  return Number(v);
}

export class ElfFile {
  readonly type: 'exec' | 'dyn' | 'rel' | 'core' | 'other';
  readonly machine: number;
  /** e_entry: the file vaddr where the program starts (0 when the file has none, as most .so). */
  readonly entry: number;
  readonly sections: readonly Section[];
  readonly loads: readonly LoadSegment[];
  private readonly byName = new Map<string, Section>();
  private buildIdCache: string | undefined | null = null;

  private constructor(
    /** The file's path, or the name given to an image in memory. */
    readonly path: string,
    /** The file's identity on disk; undefined for an image in memory. */
    readonly identity: FileIdentity | undefined,
    private readonly image: Buffer | undefined,
    header: Buffer,
    sections: Section[],
    loads: LoadSegment[],
  ) {
    const t = header.readUInt16LE(16);
    this.type = t === 2 ? 'exec' : t === 3 ? 'dyn' : t === 1 ? 'rel' : t === 4 ? 'core' : 'other';
    this.machine = header.readUInt16LE(18);
    const entry = header.readBigUInt64LE(24);
    this.entry = entry > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(entry);
    this.sections = sections;
    this.loads = loads;
    for (const s of sections) if (s.name && !this.byName.has(s.name)) this.byName.set(s.name, s);
  }

  /** Parses the headers of the ELF file at `path`; throws ElfError on anything malformed. */
  static open(path: string): ElfFile {
    const r = new FileReader(path);
    try {
      return ElfFile.parse(r, r.identity, undefined);
    } finally {
      r.close();
    }
  }

  /**
   * Parses an ELF image held in memory, named `name` in errors (no file is read or written: the
   * image is kept and sections are read from it). Throws ElfError on anything malformed.
   */
  static fromImage(name: string, image: Buffer): ElfFile {
    const copy = Buffer.from(image);
    return ElfFile.parse(new ImageReader(name, copy), undefined, copy);
  }

  private static parse(r: ByteReader, identity: FileIdentity | undefined, image: Buffer | undefined): ElfFile {
    const path = r.path;
    if (r.size < 64) throw new ElfError(path, 'too short to be an ELF file');
    const h = r.read(0, 64, 'ELF header');
    if (h.readUInt32BE(0) !== 0x7f454c46) throw new ElfError(path, 'not an ELF file');
    if (h[4] !== 2) throw new ElfError(path, 'not a 64-bit ELF file (only ELF64 is supported)');
    if (h[5] !== 1) throw new ElfError(path, 'not a little-endian ELF file');
    const phoff = num(path, h.readBigUInt64LE(32), 'e_phoff');
    const shoff = num(path, h.readBigUInt64LE(40), 'e_shoff');
    const phentsize = h.readUInt16LE(54);
    let phnum = h.readUInt16LE(56);
    const shentsize = h.readUInt16LE(58);
    let shnum = h.readUInt16LE(60);
    let shstrndx = h.readUInt16LE(62);

    const sections: Section[] = [];
    if (shoff !== 0) {
      if (shentsize < 64) throw new ElfError(path, `bad section header size ${shentsize}`);
      // Extended numbering: counts that do not fit 16 bits live in section header 0.
      const first = r.read(shoff, 64, 'section header 0');
      if (shnum === 0) shnum = num(path, first.readBigUInt64LE(32), 'section count');
      if (shstrndx === 0xffff) shstrndx = first.readUInt32LE(40);
      if (shnum > MAX_SECTIONS) throw new ElfError(path, `implausible section count ${shnum}`);
      const table = r.read(shoff, shnum * shentsize, 'section headers');
      const nameOffs: number[] = [];
      for (let i = 0; i < shnum; i++) {
        const o = i * shentsize;
        sections.push({
          name: '',
          type: table.readUInt32LE(o + 4),
          flags: table.readBigUInt64LE(o + 8),
          addr: num(path, table.readBigUInt64LE(o + 16), 'sh_addr'),
          offset: num(path, table.readBigUInt64LE(o + 24), 'sh_offset'),
          size: num(path, table.readBigUInt64LE(o + 32), 'sh_size'),
          link: table.readUInt32LE(o + 40),
          entsize: num(path, table.readBigUInt64LE(o + 56), 'sh_entsize'),
        });
        nameOffs.push(table.readUInt32LE(o));
      }
      const strs = sections[shstrndx];
      if (strs && strs.type !== SHT_NOBITS && strs.size > 0 && strs.size <= MAX_READ) {
        const names = r.read(strs.offset, strs.size, 'section name table');
        sections.forEach((s, i) => {
          const off = nameOffs[i]!;
          s.name = off < names.length ? cstring(names, off) : '';
        });
      }
    }

    const loads: LoadSegment[] = [];
    if (phoff !== 0 && phnum > 0) {
      if (phentsize < 56) throw new ElfError(path, `bad program header size ${phentsize}`);
      if (phnum > MAX_SEGMENTS) throw new ElfError(path, `implausible segment count ${phnum}`);
      const table = r.read(phoff, phnum * phentsize, 'program headers');
      for (let i = 0; i < phnum; i++) {
        const o = i * phentsize;
        if (table.readUInt32LE(o) !== PT_LOAD) continue;
        loads.push({
          flags: table.readUInt32LE(o + 4),
          offset: num(path, table.readBigUInt64LE(o + 8), 'p_offset'),
          vaddr: num(path, table.readBigUInt64LE(o + 16), 'p_vaddr'),
          filesz: num(path, table.readBigUInt64LE(o + 32), 'p_filesz'),
          memsz: num(path, table.readBigUInt64LE(o + 40), 'p_memsz'),
        });
      }
    }
    return new ElfFile(path, identity, image, h, sections, loads);
  }

  get isX86_64(): boolean {
    return this.machine === EM_X86_64;
  }

  /** Whether the bytes are a file on disk (else an image in memory, with no directory to look in). */
  get onDisk(): boolean {
    return this.image === undefined;
  }

  section(name: string): Section | undefined {
    return this.byName.get(name);
  }

  /** The contents of a section (decompressed if SHF_COMPRESSED), or undefined if absent or NOBITS. */
  sectionData(s: Section | string): Buffer | undefined {
    const sec = typeof s === 'string' ? this.section(s) : s;
    if (!sec || sec.type === SHT_NOBITS || sec.size === 0) return undefined;
    const raw = this.readAt(sec.offset, sec.size, `section ${sec.name || '?'}`);
    if ((sec.flags & BigInt(SHF_COMPRESSED)) === 0n) return raw;
    if (raw.length < 24 || raw.readUInt32LE(0) !== 1) {
      throw new ElfError(this.path, `section ${sec.name}: unsupported compression`);
    }
    const size = num(this.path, raw.readBigUInt64LE(8), 'compressed size');
    if (size > MAX_READ) throw new ElfError(this.path, `section ${sec.name}: implausible size ${size}`);
    try {
      return inflateSync(raw.subarray(24), { maxOutputLength: Math.max(size, 1) });
    } catch {
      throw new ElfError(this.path, `section ${sec.name}: corrupt compressed data`);
    }
  }

  /** Reads bytes from the file, checking it is still the file we parsed (or from the image). */
  readAt(offset: number, length: number, what: string): Buffer {
    if (this.image) return new ImageReader(this.path, this.image).read(offset, length, what);
    const r = new FileReader(this.path);
    try {
      if (!this.identity || identityKey(r.identity) !== identityKey(this.identity)) throw new ElfError(this.path, 'file changed on disk');
      return r.read(offset, length, what);
    } finally {
      r.close();
    }
  }

  /** The GNU build-id as lowercase hex, or undefined. */
  get buildId(): string | undefined {
    if (this.buildIdCache !== null) return this.buildIdCache;
    this.buildIdCache = undefined;
    for (const s of this.sections) {
      if (s.type !== SHT_NOTE || s.size > 1 << 20) continue;
      const id = findBuildId(this.sectionData(s));
      if (id) {
        this.buildIdCache = id;
        break;
      }
    }
    return this.buildIdCache;
  }

  /** The .gnu_debuglink section: the debug file's name and the CRC32 of its contents. */
  get debugLink(): DebugLink | undefined {
    const data = this.sectionData('.gnu_debuglink');
    if (!data) return undefined;
    const end = data.indexOf(0);
    if (end <= 0) return undefined;
    const crcOff = (end + 4) & ~3;
    if (crcOff + 4 > data.length) return undefined;
    return { name: data.toString('latin1', 0, end), crc: data.readUInt32LE(crcOff) };
  }

  /** The PT_LOAD segment whose file range holds `offset` (page-rounded, as mmap sees it). */
  loadForOffset(offset: number): LoadSegment | undefined {
    for (const l of this.loads) {
      const start = l.offset - (l.offset % 4096);
      if (offset >= start && offset < l.offset + Math.max(l.filesz, 1)) return l;
    }
    return undefined;
  }
}

export function cstring(buf: Buffer, off: number, max = 4096): string {
  let end = buf.indexOf(0, off);
  if (end < 0) end = buf.length;
  return buf.toString('latin1', off, Math.min(end, off + max));
}

/** Walks a note section: namesz, descsz, type, then name and desc, each padded to 4 bytes. */
function findBuildId(notes: Buffer | undefined): string | undefined {
  if (!notes) return undefined;
  let o = 0;
  while (o + 12 <= notes.length) {
    const namesz = notes.readUInt32LE(o);
    const descsz = notes.readUInt32LE(o + 4);
    const type = notes.readUInt32LE(o + 8);
    const nameOff = o + 12;
    const descOff = nameOff + ((namesz + 3) & ~3);
    const next = descOff + ((descsz + 3) & ~3);
    if (next > notes.length || next <= o) return undefined;
    if (type === NT_GNU_BUILD_ID && namesz === 4 && notes.toString('latin1', nameOff, nameOff + 3) === 'GNU') {
      return descsz > 0 ? notes.toString('hex', descOff, descOff + descsz) : undefined;
    }
    o = next;
  }
  return undefined;
}

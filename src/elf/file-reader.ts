// Positioned, bounded reads from a file, or from an image already in memory (the vDSO, copied from
// a process). ELF files can be hundreds of megabytes; we read the headers and the few sections we
// need, never the whole file, and every read is checked against the size.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ElfError } from './elf-error.js';

/** The identity of a file on disk: equal identities mean the same bytes (for our purposes). */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export function identityKey(id: FileIdentity): string {
  return `${id.dev}:${id.ino}:${id.size}:${id.mtimeMs}`;
}

/** Largest single read we allow; a section bigger than this is treated as damage, not data. */
export const MAX_READ = 512 * 1024 * 1024;

/** Where an ELF file's bytes come from: a file on disk or a copy in memory. */
export interface ByteReader {
  /** The name errors give (a path, or a pseudo-name such as "[vdso]"). */
  readonly path: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset`, or an ElfError naming what was being read. */
  read(offset: number, length: number, what: string): Buffer;
  close(): void;
}

function checkRange(path: string, size: number, offset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new ElfError(path, `${what}: invalid offset or size`);
  }
  if (length > MAX_READ) throw new ElfError(path, `${what}: implausible size ${length}`);
  if (offset + length > size) throw new ElfError(path, `${what}: extends past the end of the file (truncated?)`);
}

export class FileReader implements ByteReader {
  private fd: number | undefined;
  readonly size: number;
  readonly identity: FileIdentity;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      throw new ElfError(path, `cannot open: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const st = fstatSync(this.fd);
    if (!st.isFile()) {
      this.close();
      throw new ElfError(path, 'not a regular file');
    }
    this.size = st.size;
    this.identity = { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  }

  read(offset: number, length: number, what: string): Buffer {
    if (this.fd === undefined) throw new ElfError(this.path, 'file already closed');
    checkRange(this.path, this.size, offset, length, what);
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, offset + done);
      if (n === 0) throw new ElfError(this.path, `${what}: file shrank while reading`);
      done += n;
    }
    return buf;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Reads from an image in memory, with the same checks as a file. */
export class ImageReader implements ByteReader {
  readonly size: number;

  constructor(readonly path: string, private readonly image: Buffer) {
    this.size = image.length;
  }

  read(offset: number, length: number, what: string): Buffer {
    checkRange(this.path, this.size, offset, length, what);
    return Buffer.from(this.image.subarray(offset, offset + length)); // a copy, as a file read gives
  }

  close(): void {}
}

// A loaded BPF map, reached through its file descriptor. Keys and values are Buffers of the
// map's sizes; per-CPU maps hold one value per possible CPU, each padded to 8 bytes.
import { FluoroError } from '../errors.js';
import { possibleCpus } from './cpus.js';
import { EINVAL, ENOENT, ENOSPC, ENOTSUPP, EOPNOTSUPP, errorFor } from './failure.js';
import { lastErrno, native } from './native.js';

export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;

const MAP_TYPE_PERCPU_HASH = 5;
const MAP_TYPE_PERCPU_ARRAY = 6;
const MAP_TYPE_LRU_PERCPU_HASH = 10;
const MAP_TYPE_PERCPU_CGROUP_STORAGE = 21;
const PER_CPU_TYPES = new Set([MAP_TYPE_PERCPU_HASH, MAP_TYPE_PERCPU_ARRAY, MAP_TYPE_LRU_PERCPU_HASH, MAP_TYPE_PERCPU_CGROUP_STORAGE]);
const BATCH_OPTS_BYTES = 24; // struct bpf_map_batch_opts { size_t sz; __u64 elem_flags; __u64 flags; }
const MAX_BATCH = 4096;

interface MapEntry {
  key: Buffer;
  value: Buffer;
}

export class BpfMap {
  readonly perCpu: boolean;
  /** Bytes of one lookup result: value_size, or roundup(value_size, 8) × possible CPUs. */
  readonly valueBytes: number;
  #batchWorks: boolean | undefined;

  /** @internal Made by BpfObject after load. */
  constructor(
    readonly name: string,
    readonly fd: number,
    readonly type: number,
    readonly keySize: number,
    readonly valueSize: number,
    readonly maxEntries: number,
  ) {
    this.perCpu = PER_CPU_TYPES.has(type);
    this.valueBytes = this.perCpu ? roundUp8(valueSize) * possibleCpus().length : valueSize;
  }

  /** The value at `key`, or undefined when absent. Per-CPU maps return all CPUs' values. */
  lookup(key: Buffer): Buffer | undefined {
    this.#checkKey(key);
    const value = Buffer.alloc(this.valueBytes);
    if ((native().libbpf.lookup_elem(this.fd, key, value) as number) === 0) return value;
    const errno = lastErrno();
    if (errno === ENOENT) return undefined;
    throw errorFor(`reading BPF map ${this.name}`, errno);
  }

  /** One Buffer per possible CPU (in CPU order) for a per-CPU map. */
  lookupPerCpu(key: Buffer): Buffer[] | undefined {
    if (!this.perCpu) throw new FluoroError(`BPF map ${this.name} is not a per-CPU map`);
    const all = this.lookup(key);
    return all && this.splitPerCpu(all);
  }

  splitPerCpu(all: Buffer): Buffer[] {
    const stride = roundUp8(this.valueSize);
    return possibleCpus().map((_, i) => all.subarray(i * stride, i * stride + this.valueSize));
  }

  update(key: Buffer, value: Buffer, flags = BPF_ANY): void {
    this.#checkKey(key);
    if (value.length !== this.valueBytes) throw new FluoroError(`BPF map ${this.name}: value must be ${this.valueBytes} bytes`);
    if ((native().libbpf.update_elem(this.fd, key, value, flags) as number) !== 0) {
      throw errorFor(`updating BPF map ${this.name}`, lastErrno());
    }
  }

  /** Deletes `key`; false when it was not there. */
  delete(key: Buffer): boolean {
    this.#checkKey(key);
    if ((native().libbpf.delete_elem(this.fd, key) as number) === 0) return true;
    const errno = lastErrno();
    if (errno === ENOENT) return false;
    throw errorFor(`deleting from BPF map ${this.name}`, errno);
  }

  /** All keys. Bounded by max_entries: a map mutated under us cannot make this loop forever. */
  keys(): Buffer[] {
    const keys: Buffer[] = [];
    let prev: Buffer | null = null;
    while (keys.length < this.maxEntries) {
      const next = Buffer.alloc(this.keySize);
      if ((native().libbpf.get_next_key(this.fd, prev, next) as number) !== 0) {
        const errno = lastErrno();
        if (errno === ENOENT) break;
        throw errorFor(`listing keys of BPF map ${this.name}`, errno);
      }
      keys.push(next);
      prev = next;
    }
    return keys;
  }

  /** Reads and removes every entry: one batch syscall per chunk where the kernel supports it. */
  lookupAndDeleteAll(): MapEntry[] {
    if (this.#batchWorks !== false) {
      const entries = this.#batchLookupAndDelete();
      if (entries) return entries;
    }
    const entries: MapEntry[] = [];
    for (const key of this.keys()) {
      const value = this.lookup(key);
      if (value && this.delete(key)) entries.push({ key, value });
    }
    return entries;
  }

  #batchLookupAndDelete(): MapEntry[] | undefined {
    const n = native().libbpf;
    const opts = Buffer.alloc(BATCH_OPTS_BYTES);
    opts.writeBigUInt64LE(BigInt(BATCH_OPTS_BYTES), 0);
    let chunk = Math.max(1, Math.min(this.maxEntries, MAX_BATCH));
    const token = Buffer.alloc(Math.max(8, this.keySize));
    let inBatch: Buffer | null = null;
    const entries: MapEntry[] = [];
    for (let rounds = 0; rounds <= this.maxEntries + 1; rounds++) {
      const keys = Buffer.alloc(chunk * this.keySize);
      const values = Buffer.alloc(chunk * this.valueBytes);
      const count = [chunk];
      const ret = n.lookup_and_delete_batch(this.fd, inBatch, token, keys, values, count, opts) as number;
      const errno = ret < 0 ? lastErrno() : 0;
      if (ret < 0 && errno !== ENOENT) {
        if (entries.length === 0 && (errno === EINVAL || errno === ENOTSUPP || errno === EOPNOTSUPP)) {
          this.#batchWorks = false;
          return undefined;
        }
        if (errno === ENOSPC && chunk < this.maxEntries * 2) {
          chunk *= 2; // one hash bucket held more entries than the chunk
          continue;
        }
        throw errorFor(`draining BPF map ${this.name}`, errno);
      }
      this.#batchWorks = true;
      const got = Math.min(count[0] ?? 0, chunk);
      for (let i = 0; i < got; i++) {
        entries.push({
          key: Buffer.from(keys.subarray(i * this.keySize, (i + 1) * this.keySize)),
          value: Buffer.from(values.subarray(i * this.valueBytes, (i + 1) * this.valueBytes)),
        });
      }
      if (ret < 0) break; // ENOENT: the map is exhausted
      inBatch = Buffer.from(token);
    }
    return entries;
  }

  #checkKey(key: Buffer | null): void {
    if (key && key.length !== this.keySize) throw new FluoroError(`BPF map ${this.name}: key must be ${this.keySize} bytes`);
  }
}

function roundUp8(n: number): number {
  return (n + 7) & ~7;
}

/** A 4-byte little-endian key, the common case (PIDs, indexes). */
export function u32Key(value: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(value >>> 0);
  return key;
}

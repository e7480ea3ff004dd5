// A BPF ring buffer read without blocking: libbpf's ring_buffer__poll would park Node's event
// loop in epoll_wait, so callers drain with consume() from a timer instead.
import koffi from 'koffi';

import { FluoroError } from '../errors.js';
import { errorFor } from './failure.js';
import type { BpfMap } from './map.js';
import { lastErrno, native, viewOf, type Pointer } from './native.js';

const MAP_TYPE_RINGBUF = 27;

/** Receives one record; `data` is valid only during the call (copy what you keep). */
type RecordHandler = (data: Uint8Array) => void;

export class RingBuffer {
  #rb: Pointer;
  #callback: bigint | null;
  #error: unknown;

  constructor(map: BpfMap, onRecord: RecordHandler) {
    if (map.type !== MAP_TYPE_RINGBUF) throw new FluoroError(`BPF map ${map.name} is not a ring buffer`);
    const n = native();
    // Registered (not transient): libbpf keeps the pointer and calls it from every consume().
    this.#callback = koffi.register((_ctx: unknown, data: bigint, size: number | bigint) => {
      try {
        onRecord(viewOf(data, Number(size)));
        return 0;
      } catch (e) {
        this.#error ??= e;
        return -1; // stops this consume(); the record is already accounted as read
      }
    }, koffi.pointer(n.SampleFn));
    this.#rb = n.libbpf.ring_buffer_new(map.fd, this.#callback, null, null) as Pointer;
    if (!this.#rb) {
      const errno = lastErrno();
      koffi.unregister(this.#callback);
      this.#callback = null;
      throw errorFor(`opening ring buffer ${map.name}`, errno);
    }
  }

  /** Hands every available record to the handler; returns how many. Never blocks. */
  consume(): number {
    if (this.#rb === null) return 0;
    const n = native().libbpf.ring_buffer_consume(this.#rb) as number;
    if (this.#error !== undefined) {
      const e = this.#error;
      this.#error = undefined;
      throw e;
    }
    if (n < 0) throw errorFor('reading a BPF ring buffer', -n);
    return n;
  }

  /** Frees the ring buffer; records not consumed are lost. Idempotent. */
  close(): void {
    if (this.#rb !== null) {
      native().libbpf.ring_buffer_free(this.#rb);
      this.#rb = null;
    }
    if (this.#callback !== null) {
      koffi.unregister(this.#callback);
      this.#callback = null;
    }
  }
}

// What attaching made: a program bound to a hook (here, usually a perf event). Closing detaches;
// for perf-event links libbpf also closes the perf event's file descriptor.
import { native, type Pointer } from './native.js';

export class BpfLink {
  #ptr: Pointer;
  #onClose: ((link: BpfLink) => void) | undefined;

  /** @internal Made by BpfProgram. */
  constructor(ptr: bigint, onClose?: (link: BpfLink) => void) {
    this.#ptr = ptr;
    this.#onClose = onClose;
  }

  get closed(): boolean {
    return this.#ptr === null;
  }

  /** Detaches; safe to call more than once. */
  close(): void {
    if (this.#ptr === null) return;
    const ptr = this.#ptr;
    this.#ptr = null;
    native().libbpf.link_destroy(ptr);
    this.#onClose?.(this);
  }
}

// Spec → Object → Link. BpfObject.open reads a compiled .bpf.o (the spec) and lets configuration
// be set: const volatile globals and map sizes. load() creates the maps and runs the verifier
// (the object). Programs then attach (links). close() releases all of it, links first.
import { basename } from 'node:path';

import { FluoroError, NotSupportedError, PrivilegeError } from '../errors.js';
import { checkBpfSupport, missingBpfPrivileges } from '../proc/privileges.js';
import { describeErrno, errorFor } from './failure.js';
import { BpfLink } from './link.js';
import { installLibbpfLogger, logMark, logSince } from './log.js';
import { BpfMap } from './map.js';
import { copyFrom, lastErrno, native, type Pointer } from './native.js';
import { rodataLayout, writeRodata, type RodataValue } from './rodata.js';

interface OpenOptions {
  /** Values for `const volatile` globals, by name. */
  rodata?: Record<string, RodataValue>;
  /** max_entries overrides, by map name (ring buffer sizes, per-CPU scratch slots, ...). */
  maxEntries?: Record<string, number>;
}

class BpfProgram {
  /** @internal Made by BpfObject. */
  constructor(
    readonly name: string,
    private readonly object: BpfObject,
    private readonly ptr: bigint,
  ) {}

  /** Attaches to an open perf event; the link owns (and on close, closes) the event's fd. */
  attachPerfEvent(perfFd: number): BpfLink {
    this.object.assertLoaded();
    const link = native().libbpf.program_attach_perf_event(this.ptr, perfFd) as Pointer;
    return this.object.adopt(link, `attaching BPF program ${this.name} to a perf event`);
  }

  /**
   * Attaches a uprobe (or a uretprobe) at a file offset of an ELF file, for one process (-1: every
   * process that maps the file). The offset is into the file, not a virtual address.
   */
  attachUprobe(o: { path: string; offset: number; pid?: number; ret?: boolean }): BpfLink {
    this.object.assertLoaded();
    const link = native().libbpf.program_attach_uprobe(this.ptr, o.ret === true, o.pid ?? -1, o.path, o.offset) as Pointer;
    return this.object.adopt(link, `attaching BPF program ${this.name} as a ${o.ret ? 'uretprobe' : 'uprobe'} at ${o.path}+0x${o.offset.toString(16)}`);
  }

  /** Attaches where the program's SEC() says (tracepoints, fentry, uprobes with full specs). */
  attach(): BpfLink {
    this.object.assertLoaded();
    const link = native().libbpf.program_attach(this.ptr) as Pointer;
    return this.object.adopt(link, `attaching BPF program ${this.name}`);
  }
}

export class BpfObject {
  #ptr: Pointer;
  #loaded = false;
  readonly #links = new Set<BpfLink>();
  readonly #maps = new Map<string, BpfMap>();
  readonly name: string;

  private constructor(ptr: bigint, name: string) {
    this.#ptr = ptr;
    this.name = name;
  }

  /** Opens a compiled object and applies configuration; nothing reaches the kernel yet. */
  static open(path: string, options: OpenOptions = {}): BpfObject {
    installLibbpfLogger();
    const n = native().libbpf;
    const name = basename(path);
    const mark = logMark();
    const ptr = n.object_open_file(path, null) as Pointer;
    if (!ptr) throw errorFor(`opening BPF object ${name}`, lastErrno(), logSince(mark, 10));
    const object = new BpfObject(ptr, name);
    try {
      object.#configure(options);
    } catch (e) {
      object.close();
      throw e;
    }
    return object;
  }

  #configure(options: OpenOptions): void {
    const n = native().libbpf;
    for (const [mapName, entries] of Object.entries(options.maxEntries ?? {})) {
      const map = n.object_find_map(this.#ptr, mapName) as Pointer;
      if (!map) throw new FluoroError(`BPF object ${this.name} has no map named ${mapName}`);
      if ((n.map_set_max_entries(map, entries) as number) !== 0) {
        throw errorFor(`sizing BPF map ${mapName}`, lastErrno());
      }
    }
    const values = options.rodata ?? {};
    if (Object.keys(values).length === 0) return;
    const rodata = this.#rodataMap();
    if (!rodata) throw new FluoroError(`BPF object ${this.name} has no const volatile globals`);
    const size = [0];
    const initial = n.map_initial_value(rodata, size) as Pointer;
    if (!initial || !size[0]) throw new FluoroError(`BPF object ${this.name}: .rodata has no initial value`);
    const image = copyFrom(initial, size[0]);
    writeRodata(image, rodataLayout(n.object_btf(this.#ptr) as bigint), values);
    if ((n.map_set_initial_value(rodata, image, image.length) as number) !== 0) {
      throw errorFor(`configuring BPF object ${this.name}`, lastErrno());
    }
  }

  // libbpf names internal maps "<object prefix>.rodata".
  #rodataMap(): bigint | null {
    const n = native().libbpf;
    let map = n.object_next_map(this.#ptr, null) as Pointer;
    while (map) {
      if ((n.map_name(map) as string).endsWith('.rodata')) return map;
      map = n.object_next_map(this.#ptr, map) as Pointer;
    }
    return null;
  }

  /** Creates maps and verifies programs. A verifier rejection carries the end of its log. */
  load(): void {
    if (this.#loaded) return;
    const ptr = this.#live();
    const missing = missingBpfPrivileges();
    const mark = logMark();
    if ((native().libbpf.object_load(ptr) as number) !== 0) {
      const errno = lastErrno();
      const log = logSince(mark, 40);
      if (missing) throw new PrivilegeError(missing);
      checkBpfSupport();
      // With the capabilities present, EACCES/EINVAL from a program load is the verifier's
      // refusal: this kernel does not accept the program, and its log says why.
      if (log.includes('BEGIN PROG LOAD LOG')) {
        throw new NotSupportedError(`loading BPF object ${this.name} failed: the kernel's verifier rejected it (${describeErrno(errno)}); libbpf said:\n${log}`);
      }
      throw errorFor(`loading BPF object ${this.name}`, errno, log && `libbpf said:\n${log}`);
    }
    this.#loaded = true;
  }

  program(name: string): BpfProgram {
    const ptr = native().libbpf.object_find_program(this.#live(), name) as Pointer;
    if (!ptr) throw new FluoroError(`BPF object ${this.name} has no program named ${name}`);
    return new BpfProgram(name, this, ptr);
  }

  map(name: string): BpfMap {
    this.assertLoaded();
    let map = this.#maps.get(name);
    if (map) return map;
    const n = native().libbpf;
    const ptr = n.object_find_map(this.#live(), name) as Pointer;
    if (!ptr) throw new FluoroError(`BPF object ${this.name} has no map named ${name}`);
    map = new BpfMap(
      name,
      n.map_fd(ptr) as number,
      n.map_type(ptr) as number,
      n.map_key_size(ptr) as number,
      n.map_value_size(ptr) as number,
      n.map_max_entries(ptr) as number,
    );
    this.#maps.set(name, map);
    return map;
  }

  /** Detaches every link, then frees programs and maps. Safe to call more than once. */
  close(): void {
    for (const link of [...this.#links]) link.close();
    if (this.#ptr === null) return;
    const ptr = this.#ptr;
    this.#ptr = null;
    this.#maps.clear();
    native().libbpf.object_close(ptr);
  }

  /** @internal */
  assertLoaded(): void {
    this.#live();
    if (!this.#loaded) throw new FluoroError(`BPF object ${this.name} is not loaded yet`);
  }

  /** @internal Wraps a link pointer from libbpf, or throws for NULL. */
  adopt(ptr: Pointer, what: string): BpfLink {
    if (!ptr) {
      const errno = lastErrno();
      throw errorFor(what, errno);
    }
    const link = new BpfLink(ptr, (l) => this.#links.delete(l));
    this.#links.add(link);
    return link;
  }

  #live(): bigint {
    if (this.#ptr === null) throw new FluoroError(`BPF object ${this.name} is closed`);
    return this.#ptr;
  }
}

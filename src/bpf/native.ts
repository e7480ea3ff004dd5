// The C functions fluoro calls, bound once through koffi: libbpf for objects, maps, links and
// ring buffers, libc for syscall(2), close(2) and vsnprintf(3). Pointers are BigInt (koffi 3);
// Buffers passed as `void *` are handed to C in place, so C writes land in them.
import koffi, { type LibraryHandle } from 'koffi';

import { NotSupportedError } from '../errors.js';

export type Pointer = bigint | null;

function open(name: string): LibraryHandle {
  try {
    return koffi.load(name);
  } catch (e) {
    throw new NotSupportedError(`cannot load ${name} (${(e as Error).message}); install libbpf1 (libbpf 1.1 or newer)`);
  }
}

function bind() {
  const bpf = open('libbpf.so.1');
  const c = open('libc.so.6');

  const PrintFn = koffi.proto('int fluoro_libbpf_print_fn(int level, const char *fmt, void *args)');
  const SampleFn = koffi.proto('int fluoro_ring_buffer_sample_fn(void *ctx, void *data, size_t size)');

  return {
    PrintFn,
    SampleFn,
    libbpf: {
      set_print: bpf.func('void *libbpf_set_print(fluoro_libbpf_print_fn *fn)'),
      get_error: bpf.func('long libbpf_get_error(void *ptr)'),
      object_open_file: bpf.func('void *bpf_object__open_file(const char *path, void *opts)'),
      object_load: bpf.func('int bpf_object__load(void *obj)'),
      object_close: bpf.func('void bpf_object__close(void *obj)'),
      object_find_program: bpf.func('void *bpf_object__find_program_by_name(void *obj, const char *name)'),
      object_find_map: bpf.func('void *bpf_object__find_map_by_name(void *obj, const char *name)'),
      object_next_map: bpf.func('void *bpf_object__next_map(void *obj, void *prev)'),
      object_btf: bpf.func('void *bpf_object__btf(void *obj)'),
      program_attach: bpf.func('void *bpf_program__attach(void *prog)'),
      program_attach_perf_event: bpf.func('void *bpf_program__attach_perf_event(void *prog, int pfd)'),
      program_attach_uprobe: bpf.func('void *bpf_program__attach_uprobe(void *prog, bool retprobe, int pid, const char *path, size_t offset)'),
      program_fd: bpf.func('int bpf_program__fd(void *prog)'),
      link_destroy: bpf.func('int bpf_link__destroy(void *link)'),
      map_name: bpf.func('const char *bpf_map__name(void *map)'),
      map_fd: bpf.func('int bpf_map__fd(void *map)'),
      map_type: bpf.func('int bpf_map__type(void *map)'),
      map_key_size: bpf.func('uint32_t bpf_map__key_size(void *map)'),
      map_value_size: bpf.func('uint32_t bpf_map__value_size(void *map)'),
      map_max_entries: bpf.func('uint32_t bpf_map__max_entries(void *map)'),
      map_set_max_entries: bpf.func('int bpf_map__set_max_entries(void *map, uint32_t n)'),
      map_initial_value: bpf.func('void *bpf_map__initial_value(void *map, _Out_ size_t *size)'),
      map_set_initial_value: bpf.func('int bpf_map__set_initial_value(void *map, void *data, size_t size)'),
      lookup_elem: bpf.func('int bpf_map_lookup_elem(int fd, void *key, void *value)'),
      update_elem: bpf.func('int bpf_map_update_elem(int fd, void *key, void *value, uint64_t flags)'),
      delete_elem: bpf.func('int bpf_map_delete_elem(int fd, void *key)'),
      get_next_key: bpf.func('int bpf_map_get_next_key(int fd, void *key, void *next)'),
      lookup_and_delete_batch: bpf.func(
        'int bpf_map_lookup_and_delete_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, _Inout_ uint32_t *count, void *opts)',
      ),
      ring_buffer_new: bpf.func('void *ring_buffer__new(int fd, fluoro_ring_buffer_sample_fn *cb, void *ctx, void *opts)'),
      ring_buffer_consume: bpf.func('int ring_buffer__consume(void *rb)'),
      ring_buffer_free: bpf.func('void ring_buffer__free(void *rb)'),
      btf_find_by_name_kind: bpf.func('int btf__find_by_name_kind(void *btf, const char *name, uint32_t kind)'),
      btf_type_by_id: bpf.func('void *btf__type_by_id(void *btf, uint32_t id)'),
      btf_name_by_offset: bpf.func('const char *btf__name_by_offset(void *btf, uint32_t offset)'),
      // enum bpf_prog_type, bpf_map_type and bpf_func_id are ints; 1 = supported, 0 = not, < 0 = error.
      probe_bpf_map_type: bpf.func('int libbpf_probe_bpf_map_type(int map_type, void *opts)'),
      probe_bpf_helper: bpf.func('int libbpf_probe_bpf_helper(int prog_type, int helper_id, void *opts)'),
    },
    libc: {
      syscall: c.func('long syscall(long number, ...)'),
      close: c.func('int close(int fd)'),
      vsnprintf: c.func('int vsnprintf(void *buf, size_t size, const char *fmt, void *args)'),
    },
  };
}

let bound: ReturnType<typeof bind> | undefined;

/** The bindings, created on first use so that importing fluoro never requires libbpf. */
export function native(): ReturnType<typeof bind> {
  bound ??= bind();
  return bound;
}

/** errno of the last failing C call; read it before anything else can call into C. */
export function lastErrno(): number {
  return koffi.errno();
}

/** A copy of `size` bytes of C memory at `ptr`. */
export function copyFrom(ptr: bigint, size: number): Buffer {
  return Buffer.from(new Uint8Array(koffi.view(ptr, size)));
}

/** A transient view of C memory, valid only while the C side keeps it alive. */
export function viewOf(ptr: bigint, size: number): Uint8Array {
  return new Uint8Array(koffi.view(ptr, size));
}

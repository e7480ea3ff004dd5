// The few libc functions we call, bound once through koffi. Loading is lazy so that code which
// never reads remote memory never touches the FFI, and a failure to load is an answer, not a crash.

import koffi from 'koffi';

interface Libc {
  /** ssize_t process_vm_readv(pid, local iovec[], n, remote iovec[], n, flags); iovecs as {base, len}. */
  processVmReadv(pid: number, local: { base: Buffer; len: number }[], remote: { base: bigint; len: number }[]): number;
  sysconf(name: number): number;
  /** errno of the last call made through koffi on this thread; read it right after the call. */
  errno(): number;
}

const SC_CLK_TCK = 2;

let cached: Libc | Error | undefined;

function bind(): Libc {
  const lib = koffi.load('libc.so.6');
  // Two iovec shapes: ours points at a Node buffer, the target's is a plain number in its space.
  const LocalIov = koffi.struct('fluoro_iovec_local', { base: 'void *', len: 'size_t' });
  const RemoteIov = koffi.struct('fluoro_iovec_remote', { base: 'uint64_t', len: 'size_t' });
  const readv = lib.func('process_vm_readv', 'long', [
    'int',
    koffi.pointer(LocalIov),
    'unsigned long',
    koffi.pointer(RemoteIov),
    'unsigned long',
    'unsigned long',
  ]);
  const sysconf = lib.func('sysconf', 'long', ['int']);
  return {
    processVmReadv: (pid, local, remote) => Number(readv(pid, local, local.length, remote, remote.length, 0)),
    sysconf: (name) => Number(sysconf(name)),
    errno: () => koffi.errno(),
  };
}

/** The bound libc, or the Error that prevented binding it. */
export function libc(): Libc | Error {
  if (cached === undefined) {
    try {
      cached = bind();
    } catch (err) {
      cached = err instanceof Error ? err : new Error(String(err));
    }
  }
  return cached;
}

/** Clock ticks per second for the times in /proc/PID/stat (USER_HZ, 100 on every common build). */
export function clockTicks(): number {
  const c = libc();
  if (c instanceof Error) return 100;
  const hz = c.sysconf(SC_CLK_TCK);
  return hz > 0 ? hz : 100;
}

/* For bpf/smoke.bpf.c, which src/bpf/smoke.test.ts loads: the smallest useful BPF program,
 * counting CPU-clock samples per process. */
#ifndef FLUORO_SMOKE_H
#define FLUORO_SMOKE_H

#define SMOKE_MAX_PROCESSES 4096

#endif

/* Shared between bpf/smoke.bpf.c and its TypeScript test: the smallest useful BPF program,
 * counting CPU-clock samples per process. */
#ifndef FLUORO_SMOKE_H
#define FLUORO_SMOKE_H

#define SMOKE_MAX_PROCESSES 4096

#endif

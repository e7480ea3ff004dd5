// SPDX-License-Identifier: GPL-2.0
/* Smoke test of the whole chain (build, load, perf events, attach, maps): count CPU-clock
 * samples per process. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "smoke.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SMOKE_MAX_PROCESSES);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* Set before load; 0 counts every process. Here to exercise const volatile configuration. */
const volatile __u32 only_tgid = 0;

SEC("perf_event")
int count_samples(struct bpf_perf_event_data *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *count;

	if (only_tgid && tgid != only_tgid)
		return 0;
	count = bpf_map_lookup_elem(&counts, &tgid);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&counts, &tgid, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

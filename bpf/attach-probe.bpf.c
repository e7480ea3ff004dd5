// SPDX-License-Identifier: GPL-2.0
/* The event core's attach strategies on a real kernel: a tp_btf tracepoint (sched_switch), a
 * uprobe and a uretprobe, each counting its events of one process. Used by the tests of
 * src/collectors/events/attach.ts; collectors build on the same strategies. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define PROBE_SWITCHES 0
#define PROBE_CALLS 1
#define PROBE_RETURNS 2

const volatile __u32 target_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} probe_counts SEC(".maps");

static __always_inline void bump(__u32 index)
{
	__u64 *value = bpf_map_lookup_elem(&probe_counts, &index);

	if (value)
		__sync_fetch_and_add(value, 1);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(count_switches, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (prev->tgid == target_tgid)
		bump(PROBE_SWITCHES);
	return 0;
}

SEC("uprobe")
int count_calls(struct pt_regs *ctx)
{
	if (bpf_get_current_pid_tgid() >> 32 == target_tgid)
		bump(PROBE_CALLS);
	return 0;
}

SEC("uretprobe")
int count_returns(struct pt_regs *ctx)
{
	if (bpf_get_current_pid_tgid() >> 32 == target_tgid)
		bump(PROBE_RETURNS);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

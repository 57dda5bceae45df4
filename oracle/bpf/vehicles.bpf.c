// SPDX-License-Identifier: GPL-2.0
/* One small program per way the oracle runs BPF here, so that the foundation tests prove each vehicle:
 * a tracing program triggered by our own syscall, XDP and TC test runs, and sock_ops in a cgroup. */
#include "common.h"

__u32 target_tgid;
__u64 sys_enter_hits;
__u64 last_syscall_nr;
__u64 sockops_ops[16];
__u32 sockops_family[16];

SEC("tp_btf/sys_enter")
int on_sys_enter(unsigned long long *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	__sync_fetch_and_add(&sys_enter_hits, 1);
	last_syscall_nr = ctx[1];
	return 0;
}

/* Rewrites the first byte to 0xEE and passes the packet. */
SEC("xdp")
int xdp_mark(struct xdp_md *xdp)
{
	__u8 *data = (void *)(long)xdp->data;
	__u8 *end = (void *)(long)xdp->data_end;

	if (data + 1 > end)
		return XDP_ABORTED;
	data[0] = 0xEE;
	return XDP_PASS;
}

/* Returns the packet's length as the verdict. */
SEC("tc")
int tc_len(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("sockops")
int sockops_count(struct bpf_sock_ops *skops)
{
	__u32 op = skops->op;

	if (op < 16) {
		__sync_fetch_and_add(&sockops_ops[op], 1);
		sockops_family[op] = skops->family;
	}
	return 1;
}

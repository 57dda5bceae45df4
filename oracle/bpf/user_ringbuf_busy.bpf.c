// SPDX-License-Identifier: GPL-2.0
/* Two overlapping drains of one BPF_MAP_TYPE_USER_RINGBUF (the -EBUSY of bpf_user_ringbuf_drain).
 *
 * `ub_hold` drains `busy_ring`; its callback, on the first sample, sets `entered` and then waits (bpf_loop
 * nested in bpf_loop, each turn reading `release`) until user space sets `release` or `wait_ns` nanoseconds
 * have passed (then `timed_out`). Meanwhile user space runs `ub_other` on the other CPU: a drain of the same
 * map with `other_flags` whose callback only counts. Both return values and callback counts go to .bss,
 * which user space reads and writes through the skeleton's mmapped .bss. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096);
} busy_ring SEC(".maps");

__u32 entered;
__u32 release;
__u32 timed_out;
__u32 hold_calls;
__u32 other_calls;
__u64 wait_ns;
__u64 deadline;
__u64 other_flags;
__s64 hold_ret;
__s64 other_ret;

struct ub_ctx {
	__u32 unused;
};

static long spin_cb(__u64 i, void *ctx)
{
	if (*(volatile __u32 *)&release)
		return 1;
	if (bpf_ktime_get_ns() > deadline) {
		timed_out = 1;
		return 1;
	}
	return 0;
}

static long outer_cb(__u64 i, void *ctx)
{
	bpf_loop(1 << 20, spin_cb, NULL, 0);
	return *(volatile __u32 *)&release || timed_out;
}

static long hold_cb(struct bpf_dynptr *d, void *ctx)
{
	__u32 i = hold_calls;

	hold_calls = i + 1;
	if (i == 0) {
		deadline = bpf_ktime_get_ns() + wait_ns;
		*(volatile __u32 *)&entered = 1;
		bpf_loop(1 << 23, outer_cb, NULL, 0);
	}
	return 0;
}

static long other_cb(struct bpf_dynptr *d, void *ctx)
{
	other_calls++;
	return 0;
}

SEC("syscall")
int ub_hold(struct ub_ctx *ctx)
{
	hold_ret = bpf_user_ringbuf_drain(&busy_ring, hold_cb, NULL, 0);
	return 0;
}

SEC("syscall")
int ub_other(struct ub_ctx *ctx)
{
	other_ret = bpf_user_ringbuf_drain(&busy_ring, other_cb, NULL, other_flags);
	return 0;
}

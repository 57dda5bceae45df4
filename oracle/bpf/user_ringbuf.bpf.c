// SPDX-License-Identifier: GPL-2.0
/* User ring buffer drain: one SYSCALL program run calls bpf_user_ringbuf_drain on the inner
 * BPF_MAP_TYPE_USER_RINGBUF at index 0 of `urings` (user space swaps in a fresh one per sequence) with the
 * flags in `uargs`. The callback records each sample's size and up to UR_PEEK leading bytes into .bss and
 * returns bit (i % 64) of `uargs.pattern` (0 or 1, all the verifier allows). The drain's return value goes to
 * `ur_ret`. See bpf_model::vectors::ringbuf (UserStep). */
#include "common.h"

#define UR_MAX 64
#define UR_PEEK 16

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
		__uint(max_entries, 4096);
	});
} urings SEC(".maps");

struct ur_args {
	__u64 flags;
	__u64 pattern;
};

struct ur_seen {
	__u32 size;
	__u32 read_ret;
	__u8 bytes[UR_PEEK];
};

struct ur_args uargs;
struct ur_seen seen[UR_MAX];
__u32 ncalls;
__s64 ur_ret;

struct ur_ctx {
	__u32 unused;
};

static long ur_cb(struct bpf_dynptr *d, void *ctx)
{
	__u32 i = ncalls;
	__u32 size = bpf_dynptr_size(d);
	__u32 n = size < UR_PEEK ? size : UR_PEEK;

	ncalls = i + 1;
	if (i < UR_MAX) {
		seen[i].size = size;
		n &= 31;
		if (n > UR_PEEK)
			n = UR_PEEK;
		seen[i].read_ret = bpf_dynptr_read(seen[i].bytes, n, d, 0, 0);
	}
	return (uargs.pattern >> (i & 63)) & 1;
}

SEC("syscall")
int ur_drain(struct ur_ctx *ctx)
{
	__u32 zero = 0;
	void *rb = bpf_map_lookup_elem(&urings, &zero);

	if (!rb)
		return 1;
	ur_ret = bpf_user_ringbuf_drain(rb, ur_cb, NULL, uargs.flags);
	return 0;
}

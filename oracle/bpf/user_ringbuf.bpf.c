// SPDX-License-Identifier: GPL-2.0
/* User ring buffer drain: one SYSCALL program run calls bpf_user_ringbuf_drain on the inner
 * BPF_MAP_TYPE_USER_RINGBUF at index 0 of `urings` (user space swaps in a fresh one per sequence) with the
 * flags in `uargs`. The callback's i-th call first writes `uargs.wlen & 31` bytes of `wsrc` at offset
 * `uargs.woff` through the sample's dynptr when bit (i % 64) of `uargs.wpat` is set, then records the
 * sample's size and up to UR_PEEK leading bytes into .bss and returns bit (i % 64) of `uargs.pattern` (0 or
 * 1, all the verifier allows). The drain's return value goes to `ur_ret`. See bpf_model::vectors::ringbuf
 * (UserStep).
 *
 * Only helpers, no kfunc, so that the object loads on every kernel from 6.1 (which has no
 * bpf_dynptr_size): the size is found by bisection with one-byte bpf_dynptr_read()s, whose -E2BIG says
 * where the sample ends. */
#include "common.h"

#define UR_MAX 64
#define UR_PEEK 16
#define UR_WSRC 32

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
	__u64 wpat;
	__u32 woff;
	__u32 wlen;
};

struct ur_seen {
	__u32 size;
	__u32 read_ret;
	__u8 bytes[UR_PEEK];
	__s64 write_ret;
};

struct ur_args uargs;
struct ur_seen seen[UR_MAX];
__u8 wsrc[UR_WSRC];
__u32 ncalls;
__s64 ur_ret;
/* Bisection bounds, in .bss so that the verifier sees unknown scalars and not one state per outcome. */
__u32 sz_lo, sz_hi;

/* The dynptr's size: the smallest n such that a one-byte read at offset n fails (sizes are below 1 << 25:
 * DYNPTR_MAX_SIZE is 1 << 24). */
static __always_inline __u32 dsize(struct bpf_dynptr *d)
{
	__u8 b;
	int k;

	sz_lo = 0;
	sz_hi = 1 << 25;
	for (k = 0; k < 26; k++) {
		__u32 lo = sz_lo, hi = sz_hi, mid;

		if (lo >= hi)
			break;
		mid = lo + (hi - lo) / 2;
		if (bpf_dynptr_read(&b, 1, d, mid, 0) == 0)
			sz_lo = mid + 1;
		else
			sz_hi = mid;
	}
	return sz_lo;
}

struct ur_ctx {
	__u32 unused;
};

static long ur_cb(struct bpf_dynptr *d, void *ctx)
{
	__u32 i = ncalls;
	__s64 wret = 0;
	__u32 size, n;

	if ((uargs.wpat >> (i & 63)) & 1)
		wret = bpf_dynptr_write(d, uargs.woff, wsrc, uargs.wlen & (UR_WSRC - 1), 0);
	size = dsize(d);
	n = size < UR_PEEK ? size : UR_PEEK;
	ncalls = i + 1;
	if (i < UR_MAX) {
		seen[i].size = size;
		seen[i].write_ret = wret;
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

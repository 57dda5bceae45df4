// SPDX-License-Identifier: GPL-2.0
/* The kernel side of oracle/tests/ringbuf_kernel_reader.rs, which reads and writes these rings with
 * bpf_model::ringbuf::kernel alone. rr_produce writes `n` records into rr_ring with bpf_ringbuf_output():
 * record `seq` is 8 + ((seq * 13) & 0xf7) bytes of obuf (which user space fills) with `seq` in its first 8
 * bytes. rr_drain drains rr_user with bpf_user_ringbuf_drain() and checks that the samples are
 * consecutive and of the same shape (last byte (seq ^ size) & 0xff). rr_array is a map that is no ring. */
#include "common.h"

#define RR_BUF 256

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} rr_ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 8192);
} rr_user SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rr_array SEC(".maps");

struct rr_args {
	__u64 seq;
	__u64 flags;
	__u32 n;
	__u32 pad;
};

__u8 obuf[RR_BUF];
__u64 rr_fail;
__u64 d_count;
__u64 d_next;
__u64 d_bad;
__s64 d_ret;

struct rr_loop {
	__u64 seq;
	__u64 flags;
};

static long rr_one(__u32 i, struct rr_loop *l)
{
	__u64 seq = l->seq + i;
	__u32 sz = 8 + ((__u32)(seq * 13) & 0xf7);

	*(__u64 *)obuf = seq;
	if (bpf_ringbuf_output(&rr_ring, obuf, sz, l->flags))
		rr_fail++;
	return 0;
}

SEC("syscall")
int rr_produce(struct rr_args *a)
{
	struct rr_loop l = { .seq = a->seq, .flags = a->flags };

	bpf_loop(a->n, rr_one, &l, 0);
	return 0;
}

static long rr_drain_cb(struct bpf_dynptr *d, void *ctx)
{
	__u64 seq = 0;
	__u8 last = 0;
	__u32 size = bpf_dynptr_size(d);

	if (bpf_dynptr_read(&seq, 8, d, 0, 0) || seq != d_next || size != 8 + ((__u32)(seq * 13) & 0xf7))
		d_bad++;
	else if (size > 8 && (bpf_dynptr_read(&last, 1, d, size - 1, 0) || last != (__u8)(seq ^ size)))
		d_bad++;
	d_next = seq + 1;
	d_count++;
	return 0;
}

SEC("syscall")
int rr_drain(void *ctx)
{
	d_ret = bpf_user_ringbuf_drain(&rr_user, rr_drain_cb, NULL, 0);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* Ring buffer batches: one SYSCALL program run performs a fixed-shape batch of ring buffer operations
 * whose arguments it reads from .bss at run time (see bpf_model::vectors::ringbuf). The ring is the inner
 * map at index 0 of `rings`; user space swaps in a fresh ring for every sequence. The verifier forbids
 * holding a reservation across runs, so a batch keeps up to three dynptr reservations open within the
 * run and releases them in one of six orders; after every step it records the return value and the
 * positions that bpf_ringbuf_query reports. */
#include "common.h"

#define SRC_CAP 8192
#define NPRE 4
#define NAFTER 2
#define NSTEPS (NPRE + 3 * (1 + NAFTER) * 2)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_RINGBUF);
		__uint(max_entries, 4096);
	});
} rings SEC(".maps");

struct rb_op {
	__u32 kind; /* 0 nothing, 1 output, 2 query, 3 reserve + submit/discard of a constant size */
	__u32 size;
	__u64 flags;
	__u64 cflags;
	__u32 seed;
	__u32 discard;
};

struct rb_slot {
	__u32 size;
	__u32 seed;
	__u64 flags;
	__u64 rel_flags;
	__u32 discard;
	__u32 pad;
};

struct rb_step {
	__s64 ret;
	__u64 prod;
	__u64 cons;
	__u64 avail;
};

struct rb_batch {
	struct rb_op pre[NPRE];
	struct rb_slot slot[3];
	struct rb_op after_res[3 * NAFTER];
	struct rb_op after_rel[3 * NAFTER];
	__u32 order;
	__u32 pad;
};

struct rb_batch batch;
struct rb_step steps[NSTEPS];
__u8 src[SRC_CAP + 64];

struct rb_ctx {
	__u32 unused;
};

static __always_inline void snap(void *rb, int i, __s64 ret)
{
	if (i < 0 || i >= NSTEPS)
		return;
	steps[i].ret = ret;
	steps[i].prod = bpf_ringbuf_query(rb, BPF_RB_PROD_POS);
	steps[i].cons = bpf_ringbuf_query(rb, BPF_RB_CONS_POS);
	steps[i].avail = bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA);
}

#define RES_CASE(i, SZ)                                                                   \
	case i: {                                                                         \
		__u8 *p = bpf_ringbuf_reserve(rb, SZ, op->flags);                          \
		if (!p)                                                                   \
			return 0;                                                         \
		if (SZ >= 8)                                                              \
			*(__u64 *)p = (__u64)op->seed * 0x0101010101010101ULL;            \
		if (op->discard)                                                          \
			bpf_ringbuf_discard(p, op->cflags);                               \
		else                                                                      \
			bpf_ringbuf_submit(p, op->cflags);                                \
		return 1;                                                                 \
	}

static __noinline __s64 do_op(void *rb, struct rb_op *op)
{
	__u32 n, off;

	if (!rb || !op)
		return 0;
	n = op->size;
	off = op->seed & 63;
	switch (op->kind) {
	case 1:
		if (n > SRC_CAP)
			n = SRC_CAP;
		return bpf_ringbuf_output(rb, src + off, n, op->flags);
	case 2:
		return bpf_ringbuf_query(rb, op->flags);
	case 3:
		switch (op->size) {
		RES_CASE(0, 0)
		RES_CASE(1, 1)
		RES_CASE(2, 7)
		RES_CASE(3, 8)
		RES_CASE(4, 13)
		RES_CASE(5, 64)
		RES_CASE(6, 1000)
		RES_CASE(7, 4072)
		RES_CASE(8, 4080)
		RES_CASE(9, 4088)
		RES_CASE(10, 8176)
		RES_CASE(11, 8184)
		default:
			return 0;
		}
	default:
		return 0;
	}
}

static __always_inline __s64 res(void *rb, struct bpf_dynptr *d, struct rb_slot *s)
{
	__s64 ret = bpf_ringbuf_reserve_dynptr(rb, s->size, s->flags, d);
	__u32 n = s->size;

	if (n > SRC_CAP)
		n = SRC_CAP;
	bpf_dynptr_write(d, 0, src + (s->seed & 63), n, 0);
	return ret;
}

static __always_inline void rel(struct bpf_dynptr *d, struct rb_slot *s)
{
	if (s->discard)
		bpf_ringbuf_discard_dynptr(d, s->rel_flags);
	else
		bpf_ringbuf_submit_dynptr(d, s->rel_flags);
}

/* The k-th release (of slot a) and the operations after it: steps NPRE + 9 + 3k .. +2. */
#define REL(k, a)                                                                         \
	do {                                                                              \
		rel(&d##a, &batch.slot[a]);                                               \
		snap(rb, NPRE + 9 + 3 * (k), 0);                                          \
		snap(rb, NPRE + 10 + 3 * (k), do_op(rb, &batch.after_rel[(k) * NAFTER])); \
		snap(rb, NPRE + 11 + 3 * (k), do_op(rb, &batch.after_rel[(k) * NAFTER + 1])); \
	} while (0)

#define ORDER(a, b, c) \
	do {           \
		REL(0, a); \
		REL(1, b); \
		REL(2, c); \
	} while (0)

SEC("syscall")
int rb_batch(struct rb_ctx *ctx)
{
	struct bpf_dynptr d0, d1, d2;
	__u32 zero = 0;
	void *rb = bpf_map_lookup_elem(&rings, &zero);

	if (!rb)
		return 1;
	snap(rb, 0, do_op(rb, &batch.pre[0]));
	snap(rb, 1, do_op(rb, &batch.pre[1]));
	snap(rb, 2, do_op(rb, &batch.pre[2]));
	snap(rb, 3, do_op(rb, &batch.pre[3]));
	snap(rb, NPRE + 0, res(rb, &d0, &batch.slot[0]));
	snap(rb, NPRE + 1, do_op(rb, &batch.after_res[0]));
	snap(rb, NPRE + 2, do_op(rb, &batch.after_res[1]));
	snap(rb, NPRE + 3, res(rb, &d1, &batch.slot[1]));
	snap(rb, NPRE + 4, do_op(rb, &batch.after_res[2]));
	snap(rb, NPRE + 5, do_op(rb, &batch.after_res[3]));
	snap(rb, NPRE + 6, res(rb, &d2, &batch.slot[2]));
	snap(rb, NPRE + 7, do_op(rb, &batch.after_res[4]));
	snap(rb, NPRE + 8, do_op(rb, &batch.after_res[5]));
	switch (batch.order) {
	case 1:
		ORDER(0, 2, 1);
		break;
	case 2:
		ORDER(1, 0, 2);
		break;
	case 3:
		ORDER(1, 2, 0);
		break;
	case 4:
		ORDER(2, 0, 1);
		break;
	case 5:
		ORDER(2, 1, 0);
		break;
	default:
		ORDER(0, 1, 2);
		break;
	}
	return 0;
}

/* Throughput: bench_n reserve + submit of 8-byte records from one program run (bpf_loop), into bench_rb,
 * which user space drains concurrently. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} bench_rb SEC(".maps");

__u64 bench_n;
__u64 bench_fail;

static long bench_cb(__u64 i, void *ctx)
{
	__u64 *p = bpf_ringbuf_reserve(&bench_rb, 8, 0);

	if (!p) {
		bench_fail++;
		return 0;
	}
	*p = i;
	bpf_ringbuf_submit(p, 0);
	return 0;
}

SEC("syscall")
int rb_bench(struct rb_ctx *ctx)
{
	bpf_loop(bench_n, bench_cb, NULL, 0);
	return 0;
}

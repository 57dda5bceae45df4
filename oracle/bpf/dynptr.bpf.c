// SPDX-License-Identifier: GPL-2.0
/* Dynptr cases: one program per dynptr type, all running the same interpreter over the case in the global
 * `args` (see bpf_model::vectors::dynptr for the sequence). Lengths are clamped for the verifier; slice and
 * data lengths are constants picked from CONST_LENS.
 *
 * The object loads on every kernel from 6.1: each kfunc is weak and every call is guarded by its
 * existence (a call the kernel cannot resolve is recorded as NOT_RUN), and the calls of
 * bpf_dynptr_slice_rdwr live in programs of their own (`*_rdwr`), which the oracle drops when the verifier
 * refuses them. Offsets and sizes are passed as 64-bit values, so a kernel whose helpers and kfuncs take
 * u32 sees them truncated, as a program compiled against its headers would not, but a program passing a
 * 64-bit register does. */
#include "common.h"

#define MEM_CAP 1024
#define AUX_CAP 512
#define OUT_CAP 512
#define NSTEPS 4
#define RB_CAP 4096
#define NOT_RUN (-1000)

/* Whether the kernel has the weak kfunc `sym` (libbpf resolves the address to 0 when it does not). */
#define HAS(sym) (!!(sym))

/* The constructor kfuncs of the packet dynptrs (net/core/filter.c); the others are in common.h. */
extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym __weak;
extern int bpf_dynptr_from_skb_meta(struct __sk_buff *skb, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym __weak;
extern int bpf_dynptr_from_xdp(struct xdp_md *xdp, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym __weak;

/* The dynptr helpers (ids 201-203) with 64-bit offsets: a u32 helper of 6.18 and earlier truncates them. */
static long (*const dp_read)(void *dst, __u64 len, const struct bpf_dynptr *src, __u64 offset, __u64 flags) = (void *)201;
static long (*const dp_write)(const struct bpf_dynptr *dst, __u64 offset, void *src, __u64 len, __u64 flags) = (void *)202;
static void *(*const dp_data)(const struct bpf_dynptr *ptr, __u64 offset, __u64 len) = (void *)203;

/* Bit i of `args.avail`: whether the kernel has kfunc i, in the order of bpf_model::vectors::dynptr::KFUNCS. */
static __always_inline __u32 avail(void)
{
	return HAS(bpf_dynptr_slice) << 0 | HAS(bpf_dynptr_slice_rdwr) << 1 | HAS(bpf_dynptr_adjust) << 2 |
	       HAS(bpf_dynptr_is_null) << 3 | HAS(bpf_dynptr_is_rdonly) << 4 | HAS(bpf_dynptr_size) << 5 |
	       HAS(bpf_dynptr_clone) << 6 | HAS(bpf_dynptr_copy) << 7 | HAS(bpf_dynptr_memset) << 8 |
	       HAS(bpf_dynptr_from_skb) << 9 | HAS(bpf_dynptr_from_skb_meta) << 10 | HAS(bpf_dynptr_from_xdp) << 11;
}

enum op {
	OP_NONE = 0, OP_READ, OP_WRITE, OP_DATA, OP_SLICE, OP_SLICE_RDWR, OP_ADJUST, OP_IS_NULL, OP_IS_RDONLY,
	OP_SIZE, OP_CLONE, OP_COPY, OP_MEMSET,
};

struct step {
	__u32 op;
	__u32 h;
	__u64 a; /* offset / start / dst_off */
	__u64 b; /* len / end / src_off */
	__u64 c; /* copy: len */
	__u32 src; /* copy: source handle */
	__u32 buffer;
	__u32 val;
	__u32 pad;
	__u64 flags;
};

struct dynptr_args {
	__u32 size;
	__u32 aux_size;
	__u64 flags;
	__u32 pre_adjust;
	__u64 pre_start;
	__u64 pre_end;
	__u32 nsteps;
	__u32 avail;
	struct step steps[NSTEPS];
	__s64 ctor;
	__s64 aux;
	__s64 pre;
	__s64 clone;
	__s64 rets[NSTEPS];
};

struct dynptr_args args;
__u8 mem[MEM_CAP];
__u8 aux_mem[AUX_CAP];
__u8 wsrc[NSTEPS][OUT_CAP];
__u8 outs[NSTEPS][OUT_CAP];
__u8 sbuf[256];
__u8 rbfill[RB_CAP];

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RB_CAP);
} rb SEC(".maps");

#define LEN_CASES(X) X(0) X(1) X(14) X(64) X(256)

static __always_inline __u32 const_len(__u64 len)
{
	if (len >= 256)
		return 256;
	if (len >= 64)
		return 64;
	if (len >= 14)
		return 14;
	if (len >= 1)
		return 1;
	return 0;
}

/* One operation on `p`; `d0..d3` are the handles (for copy's source and clone's target). */
static __always_inline __s64 do_op(struct bpf_dynptr *p, struct step *s, __u32 i, struct bpf_dynptr *d0,
				   struct bpf_dynptr *d1, struct bpf_dynptr *d2, struct bpf_dynptr *d3, int *cloned3,
				   const int rdwr_ok)
{
	__u64 len;
	__u32 l;
	__u8 *out = outs[i & (NSTEPS - 1)];
	void *q;

	switch (s->op) {
	case OP_READ:
		len = s->b;
		if (len > OUT_CAP)
			len = OUT_CAP;
		return dp_read(out, len, p, s->a, s->flags);
	case OP_WRITE:
		len = s->b;
		if (len > OUT_CAP)
			len = OUT_CAP;
		return dp_write(p, s->a, wsrc[i & (NSTEPS - 1)], len, s->flags);
	case OP_DATA:
		l = const_len(s->b);
#define DATA_CASE(L)                                                   \
		if (l == L) {                                          \
			q = dp_data(p, s->a, L);               \
			if (!q)                                        \
				return 0;                              \
			if (L)                                         \
				__builtin_memset(q, (__u8)s->val, L);  \
			return 1;                                      \
		}
		LEN_CASES(DATA_CASE)
		return NOT_RUN;
	case OP_SLICE:
		if (!HAS(bpf_dynptr_slice))
			return NOT_RUN;
		l = const_len(s->b);
#define SLICE_CASE(L)                                                          \
		if (l == L) {                                                  \
			if (s->buffer)                                         \
				q = bpf_dynptr_slice(p, s->a, sbuf, L);        \
			else                                                   \
				q = bpf_dynptr_slice(p, s->a, NULL, L);        \
			if (!q)                                                \
				return 0;                                      \
			if (L)                                                 \
				__builtin_memcpy(out, q, L);                   \
			return q == (void *)sbuf ? 2 : 1;                      \
		}
		LEN_CASES(SLICE_CASE)
		return NOT_RUN;
	case OP_SLICE_RDWR:
		if (!rdwr_ok || !HAS(bpf_dynptr_slice_rdwr))
			return NOT_RUN;
		l = const_len(s->b);
#define SLICE_RDWR_CASE(L)                                                     \
		if (l == L) {                                                  \
			if (s->buffer)                                         \
				q = bpf_dynptr_slice_rdwr(p, s->a, sbuf, L);   \
			else                                                   \
				q = bpf_dynptr_slice_rdwr(p, s->a, NULL, L);   \
			if (!q)                                                \
				return 0;                                      \
			if (L) {                                               \
				__builtin_memcpy(out, q, L);                   \
				__builtin_memset(q, (__u8)s->val, L);          \
			}                                                      \
			return q == (void *)sbuf ? 2 : 1;                      \
		}
		if (rdwr_ok) {
			LEN_CASES(SLICE_RDWR_CASE)
		}
		return NOT_RUN;
	case OP_ADJUST:
		if (!HAS(bpf_dynptr_adjust))
			return NOT_RUN;
		return bpf_dynptr_adjust(p, s->a, s->b);
	case OP_IS_NULL:
		if (!HAS(bpf_dynptr_is_null))
			return NOT_RUN;
		return bpf_dynptr_is_null(p);
	case OP_IS_RDONLY:
		if (!HAS(bpf_dynptr_is_rdonly))
			return NOT_RUN;
		return bpf_dynptr_is_rdonly(p);
	case OP_SIZE:
		/* The 64-bit register: u32 up to 6.18 (zero-extended), u64 from 6.19. */
		if (!HAS(bpf_dynptr_size))
			return NOT_RUN;
		return (__s64)bpf_dynptr_size(p);
	case OP_COPY:
		if (!HAS(bpf_dynptr_copy))
			return NOT_RUN;
		switch (s->src) {
		case 0:
			return bpf_dynptr_copy(p, s->a, d0, s->b, s->c);
		case 1:
			return bpf_dynptr_copy(p, s->a, d1, s->b, s->c);
		case 2:
			return bpf_dynptr_copy(p, s->a, d2, s->b, s->c);
		case 3:
			if (*cloned3)
				return bpf_dynptr_copy(p, s->a, d3, s->b, s->c);
			return NOT_RUN;
		}
		return NOT_RUN;
	case OP_MEMSET:
		if (!HAS(bpf_dynptr_memset))
			return NOT_RUN;
		return bpf_dynptr_memset(p, s->a, s->b, (__u8)s->val);
	}
	return NOT_RUN;
}

/* Steps 5 of the sequence: every step on its handle. */
static __always_inline void run_steps(struct bpf_dynptr *d0, struct bpf_dynptr *d1, struct bpf_dynptr *d2,
				      const int rdwr_ok)
{
	struct bpf_dynptr d3;
	int cloned3 = 0;
	__u32 i;

	for (i = 0; i < NSTEPS; i++) {
		struct step *s = &args.steps[i];
		__s64 r = NOT_RUN;

		if (i >= args.nsteps)
			break;
		if (s->op == OP_CLONE) {
			if (!cloned3 && HAS(bpf_dynptr_clone)) {
				if (s->h == 0)
					r = bpf_dynptr_clone(d0, &d3);
				else if (s->h == 1)
					r = bpf_dynptr_clone(d1, &d3);
				else if (s->h == 2)
					r = bpf_dynptr_clone(d2, &d3);
				else
					goto done;
				cloned3 = 1;
			}
		} else if (s->h == 0) {
			r = do_op(d0, s, i, d0, d1, d2, &d3, &cloned3, rdwr_ok);
		} else if (s->h == 1 && HAS(bpf_dynptr_clone)) {
			r = do_op(d1, s, i, d0, d1, d2, &d3, &cloned3, rdwr_ok);
		} else if (s->h == 2) {
			r = do_op(d2, s, i, d0, d1, d2, &d3, &cloned3, rdwr_ok);
		} else if (s->h == 3 && cloned3) {
			r = do_op(&d3, s, i, d0, d1, d2, &d3, &cloned3, rdwr_ok);
		}
done:
		args.rets[i & (NSTEPS - 1)] = r;
	}
}

/* Steps 2-4: d2, the pre-adjust, the clone. */
static __always_inline void prologue(struct bpf_dynptr *d0, struct bpf_dynptr *d1, struct bpf_dynptr *d2)
{
	__u32 aux = args.aux_size;

	if (aux > AUX_CAP)
		aux = AUX_CAP;
	args.aux = bpf_dynptr_from_mem(aux_mem, aux, 0, d2);
	args.pre = 0;
	if (args.pre_adjust)
		args.pre = HAS(bpf_dynptr_adjust) ? bpf_dynptr_adjust(d0, args.pre_start, args.pre_end) : NOT_RUN;
	args.clone = NOT_RUN;
	if (HAS(bpf_dynptr_clone))
		args.clone = bpf_dynptr_clone(d0, d1);
}

static __always_inline void local_case(const int rdwr_ok)
{
	struct bpf_dynptr d0, d1, d2;
	__u32 size = args.size;

	args.avail = avail();
	if (size > MEM_CAP)
		size = MEM_CAP;
	args.ctor = bpf_dynptr_from_mem(mem, size, args.flags, &d0);
	prologue(&d0, &d1, &d2);
	run_steps(&d0, &d1, &d2, rdwr_ok);
}

static __always_inline void ringbuf_case(const int rdwr_ok)
{
	struct bpf_dynptr d0, d1, d2;
	__u32 size = args.size;

	args.avail = avail();
	args.ctor = bpf_ringbuf_reserve_dynptr(&rb, size, args.flags, &d0);
	if (args.ctor == 0 && size <= RB_CAP)
		bpf_dynptr_write(&d0, 0, rbfill, size, 0);
	prologue(&d0, &d1, &d2);
	run_steps(&d0, &d1, &d2, rdwr_ok);
	bpf_ringbuf_submit_dynptr(&d0, 0);
}

/* A constructor kfunc the kernel lacks: nothing runs. */
static __always_inline void not_run(void)
{
	__u32 i;

	args.ctor = NOT_RUN;
	args.aux = NOT_RUN;
	args.pre = NOT_RUN;
	args.clone = NOT_RUN;
	for (i = 0; i < NSTEPS; i++)
		args.rets[i] = NOT_RUN;
}

static __always_inline void skb_case(struct __sk_buff *skb, const int rdwr_ok)
{
	struct bpf_dynptr d0, d1, d2;

	args.avail = avail();
	if (!HAS(bpf_dynptr_from_skb)) {
		not_run();
		return;
	}
	args.ctor = bpf_dynptr_from_skb(skb, args.flags, &d0);
	prologue(&d0, &d1, &d2);
	run_steps(&d0, &d1, &d2, rdwr_ok);
}

static __always_inline void skb_meta_case(struct __sk_buff *skb, const int rdwr_ok)
{
	struct bpf_dynptr d0, d1, d2;

	args.avail = avail();
	if (!HAS(bpf_dynptr_from_skb_meta)) {
		not_run();
		return;
	}
	args.ctor = bpf_dynptr_from_skb_meta(skb, args.flags, &d0);
	prologue(&d0, &d1, &d2);
	run_steps(&d0, &d1, &d2, rdwr_ok);
}

static __always_inline void xdp_case(struct xdp_md *xdp, const int rdwr_ok)
{
	struct bpf_dynptr d0, d1, d2;

	args.avail = avail();
	if (!HAS(bpf_dynptr_from_xdp)) {
		not_run();
		return;
	}
	args.ctor = bpf_dynptr_from_xdp(xdp, args.flags, &d0);
	prologue(&d0, &d1, &d2);
	run_steps(&d0, &d1, &d2, rdwr_ok);
}

/* Each type has a program without bpf_dynptr_slice_rdwr and one (`*_rdwr`) with it, in a program type that
 * may write packets (SYSCALL programs may not: "the prog does not allow writes to packet data", whatever the
 * dynptr's type, so LOCAL and RINGBUF run their slice_rdwr steps in TC programs). A kernel whose verifier
 * refuses bpf_dynptr_slice_rdwr loses the `*_rdwr` programs only. */
SEC("syscall")
int dynptr_local(void *ctx)
{
	local_case(0);
	return 0;
}

SEC("tc")
int dynptr_local_rdwr(struct __sk_buff *skb)
{
	local_case(1);
	return 0;
}

SEC("syscall")
int dynptr_ringbuf(void *ctx)
{
	ringbuf_case(0);
	return 0;
}

SEC("tc")
int dynptr_ringbuf_rdwr(struct __sk_buff *skb)
{
	ringbuf_case(1);
	return 0;
}

SEC("tc")
int dynptr_skb(struct __sk_buff *skb)
{
	skb_case(skb, 0);
	return 0;
}

SEC("tc")
int dynptr_skb_rdwr(struct __sk_buff *skb)
{
	skb_case(skb, 1);
	return 0;
}

SEC("tc")
int dynptr_skb_meta(struct __sk_buff *skb)
{
	skb_meta_case(skb, 0);
	return 0;
}

SEC("tc")
int dynptr_skb_meta_rdwr(struct __sk_buff *skb)
{
	skb_meta_case(skb, 1);
	return 0;
}

SEC("cgroup_skb/ingress")
int dynptr_skb_rdonly(struct __sk_buff *skb)
{
	skb_case(skb, 0);
	return 1;
}

SEC("xdp.frags")
int dynptr_xdp(struct xdp_md *xdp)
{
	xdp_case(xdp, 0);
	return XDP_PASS;
}

SEC("xdp.frags")
int dynptr_xdp_rdwr(struct xdp_md *xdp)
{
	xdp_case(xdp, 1);
	return XDP_PASS;
}

// SPDX-License-Identifier: GPL-2.0
/* Dynptr cases: one program per dynptr type, all running the same interpreter over the case in the global
 * `args` (see bpf_model::vectors::dynptr for the sequence). Lengths are clamped for the verifier; slice and
 * data lengths are constants picked from CONST_LENS. */
#include "common.h"

#define MEM_CAP 1024
#define AUX_CAP 512
#define OUT_CAP 512
#define NSTEPS 4
#define RB_CAP 4096
#define NOT_RUN (-1000)

extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym __weak;
extern int bpf_dynptr_from_skb_meta(struct __sk_buff *skb, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym __weak;
extern int bpf_dynptr_from_xdp(struct xdp_md *xdp, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym __weak;

enum op {
	OP_NONE = 0, OP_READ, OP_WRITE, OP_DATA, OP_SLICE, OP_SLICE_RDWR, OP_ADJUST, OP_IS_NULL, OP_IS_RDONLY,
	OP_SIZE, OP_CLONE, OP_COPY, OP_MEMSET,
};

struct step {
	__u32 op;
	__u32 h;
	__u32 a; /* offset / start / dst_off */
	__u32 b; /* len / end / src_off */
	__u32 c; /* copy: len */
	__u32 src; /* copy: source handle */
	__u32 buffer;
	__u32 val;
	__u64 flags;
};

struct dynptr_args {
	__u32 size;
	__u32 aux_size;
	__u64 flags;
	__u32 pre_adjust;
	__u32 pre_start;
	__u32 pre_end;
	__u32 nsteps;
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

static __always_inline __u32 const_len(__u32 len)
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
	__u32 len, l;
	__u8 *out = outs[i & (NSTEPS - 1)];
	void *q;

	switch (s->op) {
	case OP_READ:
		len = s->b;
		if (len > OUT_CAP)
			len = OUT_CAP;
		return bpf_dynptr_read(out, len, p, s->a, s->flags);
	case OP_WRITE:
		len = s->b;
		if (len > OUT_CAP)
			len = OUT_CAP;
		return bpf_dynptr_write(p, s->a, wsrc[i & (NSTEPS - 1)], len, s->flags);
	case OP_DATA:
		l = const_len(s->b);
#define DATA_CASE(L)                                                   \
		if (l == L) {                                          \
			q = bpf_dynptr_data(p, s->a, L);               \
			if (!q)                                        \
				return 0;                              \
			if (L)                                         \
				__builtin_memset(q, (__u8)s->val, L);  \
			return 1;                                      \
		}
		LEN_CASES(DATA_CASE)
		return NOT_RUN;
	case OP_SLICE:
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
		if (!rdwr_ok)
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
		return bpf_dynptr_adjust(p, s->a, s->b);
	case OP_IS_NULL:
		return bpf_dynptr_is_null(p);
	case OP_IS_RDONLY:
		return bpf_dynptr_is_rdonly(p);
	case OP_SIZE:
		return (__s64)(__u32)bpf_dynptr_size(p);
	case OP_COPY:
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
			if (!cloned3) {
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
		} else if (s->h == 1) {
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
		args.pre = bpf_dynptr_adjust(d0, args.pre_start, args.pre_end);
	args.clone = bpf_dynptr_clone(d0, d1);
}

static __always_inline void local_case(const int rdwr_ok)
{
	struct bpf_dynptr d0, d1, d2;
	__u32 size = args.size;

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

	args.ctor = bpf_ringbuf_reserve_dynptr(&rb, size, args.flags, &d0);
	if (args.ctor == 0 && size <= RB_CAP)
		bpf_dynptr_write(&d0, 0, rbfill, size, 0);
	prologue(&d0, &d1, &d2);
	run_steps(&d0, &d1, &d2, rdwr_ok);
	bpf_ringbuf_submit_dynptr(&d0, 0);
}

/* SYSCALL programs may not call bpf_dynptr_slice_rdwr ("the prog does not allow writes to packet data",
 * whatever the dynptr's type), so the LOCAL and RINGBUF cases with a slice_rdwr step run in TC twins. */
SEC("syscall")
int dynptr_local(void *ctx)
{
	local_case(0);
	return 0;
}

SEC("tc")
int dynptr_local_tc(struct __sk_buff *skb)
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
int dynptr_ringbuf_tc(struct __sk_buff *skb)
{
	ringbuf_case(1);
	return 0;
}

SEC("tc")
int dynptr_skb(struct __sk_buff *skb)
{
	struct bpf_dynptr d0, d1, d2;

	args.ctor = bpf_dynptr_from_skb(skb, args.flags, &d0);
	prologue(&d0, &d1, &d2);
	run_steps(&d0, &d1, &d2, 1);
	return 0;
}

SEC("tc")
int dynptr_skb_meta(struct __sk_buff *skb)
{
	struct bpf_dynptr d0, d1, d2;

	args.ctor = bpf_dynptr_from_skb_meta(skb, args.flags, &d0);
	prologue(&d0, &d1, &d2);
	run_steps(&d0, &d1, &d2, 1);
	return 0;
}

SEC("cgroup_skb/ingress")
int dynptr_skb_rdonly(struct __sk_buff *skb)
{
	struct bpf_dynptr d0, d1, d2;

	args.ctor = bpf_dynptr_from_skb(skb, args.flags, &d0);
	prologue(&d0, &d1, &d2);
	run_steps(&d0, &d1, &d2, 0);
	return 1;
}

SEC("xdp.frags")
int dynptr_xdp(struct xdp_md *xdp)
{
	struct bpf_dynptr d0, d1, d2;

	args.ctor = bpf_dynptr_from_xdp(xdp, args.flags, &d0);
	prologue(&d0, &d1, &d2);
	run_steps(&d0, &d1, &d2, 1);
	return XDP_PASS;
}

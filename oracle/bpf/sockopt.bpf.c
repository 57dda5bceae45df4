// SPDX-License-Identifier: GPL-2.0
/* bpf_setsockopt / bpf_getsockopt, batched: user space writes a table of cases (level, optname, set value
 * and length, get length) into .bss and arms one vehicle; the first matching call of that vehicle runs every
 * case in order on its socket (set, then get into the case's result buffer) and writes the returns. One
 * connection thus evaluates a few hundred cases. Vehicles: sock_ops callbacks, cgroup connect4/connect6
 * (sock_addr) and cgroup/setsockopt. Unarmed programs do nothing and let everything through. */
#include "common.h"

#define MAX_CASES 256
#define VAL_CAP 128

/* Not in every uapi header this is built against. */
#define SO_BINDTOIFINDEX_ 62
#define SO_MAX_PACING_RATE_ 47
#define SK_BPF_CB_FLAGS_ 1009
#define TCP_BPF_SOCK_OPS_CB_FLAGS_ 1008
#define SOL_SOCKET_ 1
#define SOL_TCP_ 6

/* want_op values beyond the sock_ops callbacks. */
#define VEHICLE_CONNECT 100
#define VEHICLE_SETSOCKOPT 101

struct sockopt_case {
	__s32 level;
	__s32 optname;
	__u32 do_set;     /* 1: bpf_setsockopt; 2: bpf_sock_ops_cb_flags_set(ctx, *(int *)val) (sock_ops only) */
	__u32 set_len_m1; /* optlen - 1, so that the verifier sees 1..VAL_CAP */
	__u32 do_get;
	__u32 get_len_m1;
	__u8 val[VAL_CAP];
};

struct sockopt_result {
	__s64 set_ret;
	__s64 get_ret;
	__u8 buf[VAL_CAP];
};

struct sockopt_info {
	__u32 ran;
	__u32 op;
	__u32 state;
	__u32 is_fullsock;
	__u32 family;
	__u32 data_segs_out;
	__u32 snd_cwnd;
	__u32 snd_ssthresh;
	__s64 setup_ret;
};

struct sockopt_ctl {
	__u32 armed;
	__u32 want_op;       /* BPF_SOCK_OPS_* callback, or VEHICLE_* */
	__u32 want_fullsock; /* 0: request sockets only, 1: full sockets only, 2: either */
	__u32 ncases;
	__u32 cleanup;       /* after the batch: unbind, unlimited pacing, no sock_ops callback flags */
	__u32 tstamp_armed;  /* set SK_BPF_CB_FLAGS = TX_TIMESTAMPING in tstamp_op */
	__u32 tstamp_op;
	__s32 trigger_level; /* cgroup/setsockopt: the user call that triggers the batch */
	__s32 trigger_optname;
	__u32 pid;           /* only sockets of this process's calls (tgid) */
};

struct sockopt_ctl ctl;
struct sockopt_info info;
struct sockopt_case cases[MAX_CASES];
struct sockopt_result results[MAX_CASES];

#define RUN_BATCH(CTX, CBSET)                                                                   \
	do {                                                                                    \
		for (__u32 i = 0; i < MAX_CASES; i++) {                                         \
			if (i >= ctl.ncases)                                                    \
				break;                                                          \
			struct sockopt_case *c = &cases[i];                                     \
			struct sockopt_result *r = &results[i];                                 \
			if (c->do_set == 1) {                                                   \
				__u32 sl = (c->set_len_m1 & (VAL_CAP - 1)) + 1;                 \
				r->set_ret = bpf_setsockopt(CTX, c->level, c->optname, c->val, sl); \
			} else if (c->do_set == 2) {                                            \
				r->set_ret = CBSET(CTX, *(int *)c->val);                        \
			}                                                                       \
			if (c->do_get) {                                                        \
				__u32 gl = (c->get_len_m1 & (VAL_CAP - 1)) + 1;                 \
				r->get_ret = bpf_getsockopt(CTX, c->level, c->optname, r->buf, gl); \
			}                                                                       \
		}                                                                               \
	} while (0)

#define CLEANUP(CTX)                                                                            \
	do {                                                                                    \
		if (ctl.cleanup) {                                                              \
			int zero = 0, unlimited = -1;                                           \
			bpf_setsockopt(CTX, SOL_SOCKET_, SO_BINDTOIFINDEX_, &zero, 4);          \
			bpf_setsockopt(CTX, SOL_SOCKET_, SO_MAX_PACING_RATE_, &unlimited, 4);   \
			bpf_setsockopt(CTX, SOL_TCP_, TCP_BPF_SOCK_OPS_CB_FLAGS_, &zero, 4);    \
		}                                                                               \
	} while (0)

#define CBSET_SOCK_OPS(CTX, V) bpf_sock_ops_cb_flags_set(CTX, V)
/* The helper does not exist for the other program types; user space never asks for it there. */
#define CBSET_NONE(CTX, V) (-1000)

static __always_inline bool ours(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == ctl.pid;
}

SEC("sockops")
int sockopt_sockops(struct bpf_sock_ops *skops)
{
	__u32 op = skops->op;

	if (ctl.tstamp_armed && op == ctl.tstamp_op && skops->is_fullsock) {
		int one = 1;

		ctl.tstamp_armed = 0;
		info.setup_ret = bpf_setsockopt(skops, SOL_SOCKET_, SK_BPF_CB_FLAGS_, &one, 4);
	}
	if (!ctl.armed || op != ctl.want_op)
		return 1;
	if (ctl.want_fullsock != 2 && skops->is_fullsock != ctl.want_fullsock)
		return 1;
	ctl.armed = 0;
	info.op = op;
	info.is_fullsock = skops->is_fullsock;
	info.state = skops->state;
	info.family = skops->family;
	info.data_segs_out = skops->data_segs_out;
	info.snd_cwnd = skops->snd_cwnd;
	info.snd_ssthresh = skops->snd_ssthresh;
	RUN_BATCH(skops, CBSET_SOCK_OPS);
	CLEANUP(skops);
	info.ran = 1;
	return 1;
}

static __always_inline int sock_addr_batch(struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk;

	if (!ctl.armed || ctl.want_op != VEHICLE_CONNECT || !ours())
		return 1;
	ctl.armed = 0;
	sk = ctx->sk;
	if (!sk)
		return 1;
	info.op = VEHICLE_CONNECT;
	info.is_fullsock = 1;
	info.state = sk->state;
	info.family = ctx->family;
	RUN_BATCH(ctx, CBSET_NONE);
	CLEANUP(ctx);
	info.ran = 1;
	return 1;
}

SEC("cgroup/connect4")
int sockopt_connect4(struct bpf_sock_addr *ctx)
{
	return sock_addr_batch(ctx);
}

SEC("cgroup/connect6")
int sockopt_connect6(struct bpf_sock_addr *ctx)
{
	return sock_addr_batch(ctx);
}

SEC("cgroup/setsockopt")
int sockopt_setsockopt(struct bpf_sockopt *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	struct bpf_tcp_sock *tp;

	if (!sk || !ctl.armed || ctl.want_op != VEHICLE_SETSOCKOPT || !ours())
		return 1;
	if (ctx->level != ctl.trigger_level || ctx->optname != ctl.trigger_optname)
		return 1;
	ctl.armed = 0;
	info.op = VEHICLE_SETSOCKOPT;
	info.is_fullsock = 1;
	info.state = sk->state;
	info.family = sk->family;
	tp = bpf_tcp_sock(sk);
	if (tp) {
		info.data_segs_out = tp->data_segs_out;
		info.snd_cwnd = tp->snd_cwnd;
		info.snd_ssthresh = tp->snd_ssthresh;
	}
	RUN_BATCH(sk, CBSET_NONE);
	CLEANUP(sk);
	info.ran = 1;
	return 1;
}

/* Never loaded with the rest: a zero optlen, which the verifier refuses at load time (ARG_CONST_SIZE;
 * "invalid zero-sized read", -EACCES). User space loads each alone to see the verdict. */
#define SO_MARK_ 36

SEC("sockops")
int sockopt_zero_optlen_set(struct bpf_sock_ops *skops)
{
	int v = 0;

	bpf_setsockopt(skops, SOL_SOCKET_, SO_MARK_, &v, 0);
	return 1;
}

SEC("sockops")
int sockopt_zero_optlen_get(struct bpf_sock_ops *skops)
{
	int v = 0;

	bpf_getsockopt(skops, SOL_SOCKET_, SO_MARK_, &v, 0);
	return 1;
}

// SPDX-License-Identifier: GPL-2.0
/* The smallest SYSCALL program: loading and running it proves this machine can run the oracle. */
#include "common.h"

struct probe_args {
	__u64 in;
	__u64 out;
};

SEC("syscall")
int probe(struct probe_args *a)
{
	a->out = a->in + 1;
	return 0;
}

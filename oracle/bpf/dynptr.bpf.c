// SPDX-License-Identifier: GPL-2.0
/* Dynptr operations on a LOCAL dynptr over a global buffer, one generic program per operation; the
 * arguments are read at run time so that one load serves every case. */
#include "common.h"

#define BUF_CAP 512

struct dynptr_args {
	__u32 op; /* 0: read, 1: write */
	__u32 size;
	__u64 from_mem_flags;
	__u32 offset;
	__u32 len;
	__u64 flags;
	__s64 from_mem_ret;
	__s64 ret;
};

__u8 mem[BUF_CAP];
__u8 buf[BUF_CAP];

SEC("syscall")
int dynptr_rw(struct dynptr_args *a)
{
	struct bpf_dynptr p;
	__u32 size = a->size;
	__u32 len = a->len;

	if (size > BUF_CAP)
		size = BUF_CAP;
	if (len > BUF_CAP)
		len = BUF_CAP;
	a->from_mem_ret = bpf_dynptr_from_mem(mem, size, a->from_mem_flags, &p);
	if (a->op == 0)
		a->ret = bpf_dynptr_read(buf, len, &p, a->offset, a->flags);
	else
		a->ret = bpf_dynptr_write(&p, a->offset, buf, len, a->flags);
	return 0;
}

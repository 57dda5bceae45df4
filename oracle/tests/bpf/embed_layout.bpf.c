// SPDX-License-Identifier: GPL-2.0
/* The bytes of a program's `struct bpf_dynptr` (the kernel's `bpf_dynptr_kern`), copied out of the
 * program's stack with bpf_probe_read_kernel: a LOCAL dynptr over a 64-byte global after
 * bpf_dynptr_adjust(3, 20), a 24-byte RINGBUF one, and the RINGBUF one after its discard.
 * Compiled and loaded by oracle/tests/embed_dynptr_layout.rs. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct layout {
	char g[64];
	__u64 g_addr;
	__u64 rec_addr;
	__u8 local[16];
	__u8 ring[16];
	__u8 discarded[16];
	__s64 rets[4];
} out;

SEC("syscall")
int layout(void *ctx)
{
	struct bpf_dynptr p, r;
	void *rec;

	out.g_addr = (__u64)(unsigned long)out.g;
	out.rets[0] = bpf_dynptr_from_mem(out.g, sizeof(out.g), 0, &p);
	out.rets[1] = bpf_dynptr_adjust(&p, 3, 20);
	bpf_probe_read_kernel(out.local, 16, &p);
	out.rets[2] = bpf_ringbuf_reserve_dynptr(&rb, 24, 0, &r);
	rec = bpf_dynptr_data(&r, 0, 8);
	out.rec_addr = (__u64)(unsigned long)rec;
	bpf_probe_read_kernel(out.ring, 16, &r);
	bpf_ringbuf_discard_dynptr(&r, 0);
	bpf_probe_read_kernel(out.discarded, 16, &r);
	return 0;
}

// SPDX-License-Identifier: MIT OR Apache-2.0
/* The C face, natively: the seed page's bpf_ringbuf_reserve_dynptr example's logic, a cpumask populate,
 * a setsockopt, and faults. Prints "capi: <N> passed, <M> failed". */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include "bpf_model.h"

static int passed, failed;

#define CHECK(cond)                                                                 \
	do {                                                                        \
		if (cond) {                                                         \
			passed++;                                                   \
		} else {                                                            \
			failed++;                                                   \
			char f[256];                                                \
			bpf_model_last_fault(f, sizeof(f));                         \
			fprintf(stderr, "FAILED %s:%d: %s (last fault: %s)\n",      \
				__FILE__, __LINE__, #cond, f);                      \
		}                                                                   \
	} while (0)

/* The seed example's body, as native code. */
static int seed_prog(void *ringbuf)
{
	char write_data[64] = "hello there, world!!";
	char read_data[64] = {};
	struct bpf_dynptr ptr;
	int local_err;

	local_err = bpf_ringbuf_reserve_dynptr(ringbuf, sizeof(write_data), 0, &ptr);
	if (local_err < 0)
		goto discard;
	local_err = bpf_dynptr_write(&ptr, 0, write_data, sizeof(write_data), 0);
	if (local_err)
		goto discard;
	local_err = bpf_dynptr_read(read_data, sizeof(read_data), &ptr, 0, 0);
	if (local_err)
		goto discard;
	if (memcmp(read_data, write_data, sizeof(read_data)))
		goto discard;
	bpf_ringbuf_submit_dynptr(&ptr, 0);
	return 0;
discard:
	bpf_ringbuf_discard_dynptr(&ptr, 0);
	return local_err ? local_err : -1;
}

int main(void)
{
	CHECK(bpf_model_reset(6, 18) == 0);
	void *rb = bpf_model_ringbuf_new(256 * 1024);
	CHECK(rb != NULL);

	/* The seed example: one 64-byte record. */
	CHECK(seed_prog(rb) == 0);
	char rec[128];
	CHECK(bpf_model_ringbuf_consume(rb, rec, sizeof(rec)) == 64);
	CHECK(memcmp(rec, "hello there, world!!\0\0\0", 24) == 0);
	CHECK(bpf_model_ringbuf_consume(rb, rec, sizeof(rec)) == -1);

	/* The kernel's run-time answers. */
	struct bpf_dynptr d;
	char mem[16] = {};
	CHECK(bpf_dynptr_from_mem(mem, sizeof(mem), 0, &d) == 0);
	CHECK(bpf_dynptr_size(&d) == 16);
	CHECK(bpf_dynptr_write(&d, 14, "abc", 3, 0) == -E2BIG);
	CHECK(bpf_dynptr_write(&d, 0, "abc", 3, 1) == -EINVAL);
	CHECK(bpf_dynptr_memset(&d, 4, 8, 0x7f) == 0 && mem[4] == 0x7f && mem[11] == 0x7f && mem[12] == 0);
	CHECK(bpf_dynptr_adjust(&d, 3, 20) == -ERANGE);
	CHECK(bpf_dynptr_adjust(&d, 4, 6) == 0 && bpf_dynptr_size(&d) == 2);
	CHECK(bpf_dynptr_data(&d, 0, 2) == mem + 4);
	CHECK(bpf_dynptr_from_mem(mem, 1 << 24, 0, &d) == -E2BIG && bpf_dynptr_is_null(&d));
	CHECK(bpf_ringbuf_query(rb, BPF_RB_RING_SIZE) == 256 * 1024);

	/* A reserved record by the address the program holds; a second submit is a fault. */
	char *r = bpf_ringbuf_reserve(rb, 8, 0);
	CHECK(r != NULL);
	if (r) {
		memcpy(r, "12345678", 8);
		bpf_ringbuf_submit(r, 0);
		CHECK(bpf_model_ringbuf_consume(rb, rec, sizeof(rec)) == 8 && memcmp(rec, "12345678", 8) == 0);
		bpf_ringbuf_submit(r, 0);
		char f[256];
		CHECK(bpf_model_last_fault(f, sizeof(f)) > 0 && strstr(f, "no reserved") != NULL);
	}

	/* A cpumask populated from memory. */
	struct bpf_cpumask *m = bpf_cpumask_create();
	CHECK(m != NULL);
	__u64 bits = 0x3;
	CHECK(bpf_cpumask_populate((struct cpumask *)m, &bits, sizeof(bits)) == 0);
	CHECK(bpf_cpumask_weight((struct cpumask *)m) >= 1);
	CHECK(bpf_cpumask_test_cpu(0, (struct cpumask *)m));
	CHECK(bpf_cpumask_populate((struct cpumask *)m, &bits, 1) == -EACCES);
	bpf_cpumask_release(m);

	/* bpf_setsockopt / bpf_getsockopt on a modelled TCP socket (sock_ops, established callback). */
	void *sk = bpf_model_tcp_socket(0, 1, 4);
	int mark = 7, got = 0;
	CHECK(bpf_setsockopt(sk, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == 0);
	CHECK(bpf_getsockopt(sk, SOL_SOCKET, SO_MARK, &got, sizeof(got)) == 0 && got == 7);
	CHECK(bpf_setsockopt(sk, SOL_SOCKET, SO_MARK, &mark, 3) == -EINVAL);
	CHECK(bpf_setsockopt(sk, SOL_SOCKET, 9999, &mark, sizeof(mark)) == -EINVAL);
	CHECK(bpf_setsockopt((void *)0x1234, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == -EFAULT);

	printf("capi: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}

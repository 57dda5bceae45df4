/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* bpf-model's C face: the BPF helpers and kfuncs with the kernel's signatures, answered by the model, for
 * BPF C code compiled natively and linked with libbpf_model_capi.a (-lpthread -ldl -lm).
 *
 * Contract (what the kernel's verifier checks for a BPF program): every pointer passed is valid for the
 * length passed, for the duration of the call. Handles (ring buffers, cpumasks, sockets) come from the
 * functions below and are not memory. A fault (null pointer, unknown handle, forged or stale dynptr,
 * double submit) answers -EFAULT, NULL or nothing; bpf_model_last_fault() says what it was. One model
 * environment per thread, for this machine's kernel unless bpf_model_reset() names another. */
#ifndef BPF_MODEL_H
#define BPF_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <linux/bpf.h> /* struct bpf_dynptr, BPF_RB_* */

struct bpf_cpumask;
struct cpumask;

/* The environment. */
int bpf_model_reset(__u32 major, __u32 minor); /* 0.0: this machine's kernel; -EINVAL if not modelled */
void *bpf_model_ringbuf_new(__u32 max_entries);
long bpf_model_ringbuf_consume(void *ringbuf, void *buf, __u32 cap); /* record size, or -1 */
void *bpf_model_tcp_socket(int v6, __u8 state, __u32 sock_ops_op);
int bpf_model_last_fault(char *buf, __u32 cap);

/* Helpers. */
long bpf_setsockopt(void *bpf_socket, int level, int optname, void *optval, int optlen);
long bpf_getsockopt(void *bpf_socket, int level, int optname, void *optval, int optlen);
long bpf_probe_read_kernel(void *dst, __u32 size, const void *unsafe_ptr);
long bpf_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags);
void *bpf_ringbuf_reserve(void *ringbuf, __u64 size, __u64 flags);
void bpf_ringbuf_submit(void *data, __u64 flags);
void bpf_ringbuf_discard(void *data, __u64 flags);
__u64 bpf_ringbuf_query(void *ringbuf, __u64 flags);
long bpf_dynptr_from_mem(void *data, __u32 size, __u64 flags, struct bpf_dynptr *ptr);
long bpf_ringbuf_reserve_dynptr(void *ringbuf, __u32 size, __u64 flags, struct bpf_dynptr *ptr);
void bpf_ringbuf_submit_dynptr(struct bpf_dynptr *ptr, __u64 flags);
void bpf_ringbuf_discard_dynptr(struct bpf_dynptr *ptr, __u64 flags);
long bpf_dynptr_read(void *dst, __u32 len, const struct bpf_dynptr *src, __u32 offset, __u64 flags);
long bpf_dynptr_write(const struct bpf_dynptr *dst, __u32 offset, void *src, __u32 len, __u64 flags);
void *bpf_dynptr_data(const struct bpf_dynptr *ptr, __u32 offset, __u32 len);

/* Dynptr kfuncs. */
void *bpf_dynptr_slice(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt, __u32 buffer__szk);
void *bpf_dynptr_slice_rdwr(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt, __u32 buffer__szk);
int bpf_dynptr_adjust(const struct bpf_dynptr *p, __u32 start, __u32 end);
bool bpf_dynptr_is_null(const struct bpf_dynptr *p);
bool bpf_dynptr_is_rdonly(const struct bpf_dynptr *p);
__u32 bpf_dynptr_size(const struct bpf_dynptr *p);
int bpf_dynptr_clone(const struct bpf_dynptr *p, struct bpf_dynptr *clone__uninit);
int bpf_dynptr_copy(struct bpf_dynptr *dst_ptr, __u32 dst_off, struct bpf_dynptr *src_ptr, __u32 src_off, __u32 size);
int bpf_dynptr_memset(struct bpf_dynptr *p, __u32 offset, __u32 size, __u8 val);

/* Cpumask kfuncs. */
struct bpf_cpumask *bpf_cpumask_create(void);
void bpf_cpumask_release(struct bpf_cpumask *cpumask);
struct bpf_cpumask *bpf_cpumask_acquire(struct bpf_cpumask *cpumask);
__u32 bpf_cpumask_first(const struct cpumask *cpumask);
__u32 bpf_cpumask_first_zero(const struct cpumask *cpumask);
__u32 bpf_cpumask_first_and(const struct cpumask *src1, const struct cpumask *src2);
void bpf_cpumask_set_cpu(__u32 cpu, struct bpf_cpumask *cpumask);
void bpf_cpumask_clear_cpu(__u32 cpu, struct bpf_cpumask *cpumask);
bool bpf_cpumask_test_cpu(__u32 cpu, const struct cpumask *cpumask);
bool bpf_cpumask_test_and_set_cpu(__u32 cpu, struct bpf_cpumask *cpumask);
bool bpf_cpumask_test_and_clear_cpu(__u32 cpu, struct bpf_cpumask *cpumask);
void bpf_cpumask_setall(struct bpf_cpumask *cpumask);
void bpf_cpumask_clear(struct bpf_cpumask *cpumask);
bool bpf_cpumask_and(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2);
void bpf_cpumask_or(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2);
void bpf_cpumask_xor(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2);
bool bpf_cpumask_equal(const struct cpumask *src1, const struct cpumask *src2);
bool bpf_cpumask_intersects(const struct cpumask *src1, const struct cpumask *src2);
bool bpf_cpumask_subset(const struct cpumask *src1, const struct cpumask *src2);
bool bpf_cpumask_empty(const struct cpumask *cpumask);
bool bpf_cpumask_full(const struct cpumask *cpumask);
void bpf_cpumask_copy(struct bpf_cpumask *dst, const struct cpumask *src);
__u32 bpf_cpumask_any_distribute(const struct cpumask *src);
__u32 bpf_cpumask_any_and_distribute(const struct cpumask *src1, const struct cpumask *src2);
__u32 bpf_cpumask_weight(const struct cpumask *cpumask);
int bpf_cpumask_populate(struct cpumask *cpumask, void *src, size_t src__sz);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Shared declarations for the oracle's BPF programs: uapi types, libbpf's helper macros, and the dynptr
 * kfuncs the model covers, declared as the kernel's BTF names them. */
#ifndef ORACLE_COMMON_H
#define ORACLE_COMMON_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* The dynptr kfuncs, with the 64-bit offsets and sizes of 6.19 (kernel/bpf/helpers.c). A kernel whose
 * kfuncs take u32 sees the low 32 bits, as a program passing a 64-bit register does. Weak: an object that
 * names one still loads on a kernel without it (check the address before calling). */
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, __u64 offset, void *buffer__opt, __u64 buffer__szk) __ksym __weak;
extern void *bpf_dynptr_slice_rdwr(const struct bpf_dynptr *p, __u64 offset, void *buffer__opt, __u64 buffer__szk) __ksym __weak;
extern int bpf_dynptr_adjust(struct bpf_dynptr *p, __u64 start, __u64 end) __ksym __weak;
extern bool bpf_dynptr_is_null(const struct bpf_dynptr *p) __ksym __weak;
extern bool bpf_dynptr_is_rdonly(const struct bpf_dynptr *p) __ksym __weak;
extern __u64 bpf_dynptr_size(const struct bpf_dynptr *p) __ksym __weak;
extern int bpf_dynptr_clone(const struct bpf_dynptr *p, struct bpf_dynptr *clone__uninit) __ksym __weak;
extern int bpf_dynptr_copy(struct bpf_dynptr *dst_ptr, __u64 dst_off, struct bpf_dynptr *src_ptr, __u64 src_off, __u64 size) __ksym __weak;
extern int bpf_dynptr_memset(struct bpf_dynptr *p, __u64 offset, __u64 size, __u8 val) __ksym __weak;

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* What the seed pages' examples take from vmlinux.h: the uapi types (struct bpf_dynptr, the map types,
 * the helper ids). Debian's kernel headers give the same definitions as the kernel's BTF for these. */
#ifndef SEED_VMLINUX_H
#define SEED_VMLINUX_H
#include <linux/types.h>
#include <linux/bpf.h>
#endif

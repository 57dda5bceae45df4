/* SPDX-License-Identifier: GPL-2.0 */
/* The seed page's example declares no license, and the kernel refuses bpf_trace_printk (a GPL-only
 * helper) from a program without a GPL-compatible one ("cannot call GPL-restricted function from non-GPL
 * compatible program"). Passed with clang's -include, so the page's source stays as it is. */
char LICENSE[] __attribute__((section("license"), used)) = "GPL";

// SPDX-License-Identifier: GPL-2.0
/* The cpumask kfuncs (kernel/bpf/cpumask.c): one SYSCALL program creates three masks, runs a sequence of
 * up to MAX_OPS kfunc calls on them read from .bss at run time, reads every mask back (through the kfuncs,
 * and as raw memory with bpf_probe_read_kernel: the cpumask_t bits followed by the refcount), and
 * releases them. Masks cannot outlive a run, so each case is one run. */
#include "common.h"

/* Opaque: the program never looks inside. They have a (dummy) body because libbpf matches each kfunc
 * extern's prototype against vmlinux BTF and rejects a forward declaration (BTF_KIND_FWD) where the kernel
 * has a struct ("func_proto ... incompatible with vmlinux"); struct members are not compared. */
struct bpf_cpumask {
	int opaque;
};
struct cpumask {
	int opaque;
};

extern struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
extern void bpf_cpumask_release(struct bpf_cpumask *cpumask) __ksym;
extern struct bpf_cpumask *bpf_cpumask_acquire(struct bpf_cpumask *cpumask) __ksym;
extern __u32 bpf_cpumask_first(const struct cpumask *cpumask) __ksym;
extern __u32 bpf_cpumask_first_zero(const struct cpumask *cpumask) __ksym;
extern __u32 bpf_cpumask_first_and(const struct cpumask *src1, const struct cpumask *src2) __ksym;
extern void bpf_cpumask_set_cpu(__u32 cpu, struct bpf_cpumask *cpumask) __ksym;
extern void bpf_cpumask_clear_cpu(__u32 cpu, struct bpf_cpumask *cpumask) __ksym;
extern bool bpf_cpumask_test_cpu(__u32 cpu, const struct cpumask *cpumask) __ksym;
extern bool bpf_cpumask_test_and_set_cpu(__u32 cpu, struct bpf_cpumask *cpumask) __ksym;
extern bool bpf_cpumask_test_and_clear_cpu(__u32 cpu, struct bpf_cpumask *cpumask) __ksym;
extern void bpf_cpumask_setall(struct bpf_cpumask *cpumask) __ksym;
extern void bpf_cpumask_clear(struct bpf_cpumask *cpumask) __ksym;
extern bool bpf_cpumask_and(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2) __ksym;
extern void bpf_cpumask_or(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2) __ksym;
extern void bpf_cpumask_xor(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2) __ksym;
extern bool bpf_cpumask_equal(const struct cpumask *src1, const struct cpumask *src2) __ksym;
extern bool bpf_cpumask_intersects(const struct cpumask *src1, const struct cpumask *src2) __ksym;
extern bool bpf_cpumask_subset(const struct cpumask *src1, const struct cpumask *src2) __ksym;
extern bool bpf_cpumask_empty(const struct cpumask *cpumask) __ksym;
extern bool bpf_cpumask_full(const struct cpumask *cpumask) __ksym;
extern void bpf_cpumask_copy(struct bpf_cpumask *dst, const struct cpumask *src) __ksym;
extern __u32 bpf_cpumask_any_distribute(const struct cpumask *cpumask) __ksym;
extern __u32 bpf_cpumask_any_and_distribute(const struct cpumask *src1, const struct cpumask *src2) __ksym;
extern __u32 bpf_cpumask_weight(const struct cpumask *cpumask) __ksym;
/* 6.15 and later: weak, so the object loads where it is missing (the calls sit behind bpf_ksym_exists,
 * which the verifier resolves at load time). The destination's type changed in 7.2 (struct bpf_cpumask *);
 * libbpf does not compare struct names in kfunc prototypes, so one declaration fits every kernel. */
extern int bpf_cpumask_populate(struct cpumask *cpumask, void *src, unsigned long src__sz) __ksym __weak;

#define MAX_OPS 12
#define NMASKS 3
#define SRC_CAP 2048  /* populate source: base aligned to 8, offsets 0..15, sizes up to SRC_CAP - 16 */
#define RAW_CAP 2048  /* raw readback per mask: sizeof(cpumask_t) + sizeof(refcount_t) */
#define TEST_BITS 512 /* test_cpu readback: CPUs 0..TEST_BITS-1 */

enum {
	OP_FIRST, OP_FIRST_ZERO, OP_FIRST_AND, OP_SET_CPU, OP_CLEAR_CPU, OP_TEST_CPU, OP_TEST_AND_SET_CPU,
	OP_TEST_AND_CLEAR_CPU, OP_SETALL, OP_CLEAR, OP_AND, OP_OR, OP_XOR, OP_EQUAL, OP_INTERSECTS, OP_SUBSET,
	OP_EMPTY, OP_FULL, OP_COPY, OP_ANY_DISTRIBUTE, OP_ANY_AND_DISTRIBUTE, OP_WEIGHT, OP_POPULATE,
	OP_ACQUIRE_RELEASE, OP_POPULATE_PLAIN,
};

/* aux[i] of a populate when the kernel has no bpf_cpumask_populate. */
#define ABSENT 0xab5e

struct cm_op {
	__u32 code;
	__u32 cpu;
	__u32 d, a, b; /* mask indices 0..2 */
	__u32 off;     /* populate: offset of src from the aligned base */
	__u32 size;    /* populate: src__sz */
	__u32 _pad;
};

struct cpumask_args {
	__u32 nops;
	__u32 raw_len;   /* sizeof(cpumask_t) + 4, at most RAW_CAP */
	__u32 usage_off; /* sizeof(cpumask_t): the refcount's offset in struct bpf_cpumask */
	__s32 created;   /* masks created (3, or 0 when bpf_cpumask_create returned NULL) */
};

struct cm_op ops[MAX_OPS];
__s64 ret[MAX_OPS];
__u32 aux[MAX_OPS];  /* distribute: test_cpu(result) in the mask(s); acquire: usage while acquired */
__u32 aux2[MAX_OPS]; /* acquire: usage after the release */
__u8 src[SRC_CAP] __attribute__((aligned(8)));
__u8 raw[NMASKS][RAW_CAP];
__u8 scratch[RAW_CAP];
__u64 test_bits[NMASKS][TEST_BITS / 64];
__u32 rb_first[NMASKS], rb_first_zero[NMASKS], rb_weight[NMASKS], rb_empty[NMASKS], rb_full[NMASKS];

#define CM(p) ((const struct cpumask *)(p))
#define PICK(i) ((i) == 0 ? m0 : (i) == 1 ? m1 : m2)

static __always_inline __u32 usage_of(struct bpf_cpumask *m, __u32 raw_len, __u32 usage_off)
{
	__u32 u = 0;

	if (raw_len > RAW_CAP)
		raw_len = RAW_CAP;
	bpf_probe_read_kernel(scratch, raw_len, m);
	if (usage_off > RAW_CAP - 4)
		usage_off = RAW_CAP - 4;
	__builtin_memcpy(&u, &scratch[usage_off], 4);
	return u;
}

static __always_inline void readback(struct bpf_cpumask *m, __u32 k, __u32 raw_len)
{
	__u32 c;

	if (k >= NMASKS)
		return;
	for (c = 0; c < TEST_BITS; c++)
		if (bpf_cpumask_test_cpu(c, CM(m)))
			test_bits[k][c / 64] |= 1ULL << (c % 64);
	rb_first[k] = bpf_cpumask_first(CM(m));
	rb_first_zero[k] = bpf_cpumask_first_zero(CM(m));
	rb_weight[k] = bpf_cpumask_weight(CM(m));
	rb_empty[k] = bpf_cpumask_empty(CM(m)) ? 1 : 0;
	rb_full[k] = bpf_cpumask_full(CM(m)) ? 1 : 0;
	if (raw_len > RAW_CAP)
		raw_len = RAW_CAP;
	bpf_probe_read_kernel(raw[k], raw_len, m);
}

SEC("syscall")
int cpumask_run(struct cpumask_args *args)
{
	struct bpf_cpumask *m0, *m1, *m2;
	__u32 n = args->nops, raw_len = args->raw_len, usage_off = args->usage_off, i;

	args->created = 0;
	m0 = bpf_cpumask_create();
	if (!m0)
		return 0;
	m1 = bpf_cpumask_create();
	if (!m1) {
		bpf_cpumask_release(m0);
		return 0;
	}
	m2 = bpf_cpumask_create();
	if (!m2) {
		bpf_cpumask_release(m1);
		bpf_cpumask_release(m0);
		return 0;
	}
	args->created = 3;

	for (i = 0; i < MAX_OPS; i++) {
		struct cm_op *op = &ops[i];
		__u32 cpu = op->cpu, r;
		struct bpf_cpumask *acq;

		if (i >= n)
			break;
		switch (op->code) {
		case OP_FIRST:
			ret[i] = bpf_cpumask_first(CM(PICK(op->a)));
			break;
		case OP_FIRST_ZERO:
			ret[i] = bpf_cpumask_first_zero(CM(PICK(op->a)));
			break;
		case OP_FIRST_AND:
			ret[i] = bpf_cpumask_first_and(CM(PICK(op->a)), CM(PICK(op->b)));
			break;
		case OP_SET_CPU:
			bpf_cpumask_set_cpu(cpu, PICK(op->d));
			break;
		case OP_CLEAR_CPU:
			bpf_cpumask_clear_cpu(cpu, PICK(op->d));
			break;
		case OP_TEST_CPU:
			ret[i] = bpf_cpumask_test_cpu(cpu, CM(PICK(op->a))) ? 1 : 0;
			break;
		case OP_TEST_AND_SET_CPU:
			ret[i] = bpf_cpumask_test_and_set_cpu(cpu, PICK(op->d)) ? 1 : 0;
			break;
		case OP_TEST_AND_CLEAR_CPU:
			ret[i] = bpf_cpumask_test_and_clear_cpu(cpu, PICK(op->d)) ? 1 : 0;
			break;
		case OP_SETALL:
			bpf_cpumask_setall(PICK(op->d));
			break;
		case OP_CLEAR:
			bpf_cpumask_clear(PICK(op->d));
			break;
		case OP_AND:
			ret[i] = bpf_cpumask_and(PICK(op->d), CM(PICK(op->a)), CM(PICK(op->b))) ? 1 : 0;
			break;
		case OP_OR:
			bpf_cpumask_or(PICK(op->d), CM(PICK(op->a)), CM(PICK(op->b)));
			break;
		case OP_XOR:
			bpf_cpumask_xor(PICK(op->d), CM(PICK(op->a)), CM(PICK(op->b)));
			break;
		case OP_EQUAL:
			ret[i] = bpf_cpumask_equal(CM(PICK(op->a)), CM(PICK(op->b))) ? 1 : 0;
			break;
		case OP_INTERSECTS:
			ret[i] = bpf_cpumask_intersects(CM(PICK(op->a)), CM(PICK(op->b))) ? 1 : 0;
			break;
		case OP_SUBSET:
			ret[i] = bpf_cpumask_subset(CM(PICK(op->a)), CM(PICK(op->b))) ? 1 : 0;
			break;
		case OP_EMPTY:
			ret[i] = bpf_cpumask_empty(CM(PICK(op->a))) ? 1 : 0;
			break;
		case OP_FULL:
			ret[i] = bpf_cpumask_full(CM(PICK(op->a))) ? 1 : 0;
			break;
		case OP_COPY:
			bpf_cpumask_copy(PICK(op->d), CM(PICK(op->a)));
			break;
		case OP_ANY_DISTRIBUTE:
			r = bpf_cpumask_any_distribute(CM(PICK(op->a)));
			ret[i] = r;
			aux[i] = bpf_cpumask_test_cpu(r, CM(PICK(op->a))) ? 1 : 0;
			break;
		case OP_ANY_AND_DISTRIBUTE:
			r = bpf_cpumask_any_and_distribute(CM(PICK(op->a)), CM(PICK(op->b)));
			ret[i] = r;
			aux[i] = (bpf_cpumask_test_cpu(r, CM(PICK(op->a))) &&
				  bpf_cpumask_test_cpu(r, CM(PICK(op->b)))) ? 1 : 0;
			break;
		case OP_WEIGHT:
			ret[i] = bpf_cpumask_weight(CM(PICK(op->a)));
			break;
		case OP_POPULATE: {
			__u32 off = op->off & 15, size = op->size;

			if (size > SRC_CAP - 16)
				size = SRC_CAP - 16;
			if (bpf_ksym_exists(bpf_cpumask_populate))
				ret[i] = bpf_cpumask_populate((struct cpumask *)PICK(op->d), &src[off], size);
			else
				aux[i] = ABSENT;
			break;
		}
		case OP_POPULATE_PLAIN:
			/* A load-time verdict (populate_plain below), measured by the oracle when it opens. */
			break;
		case OP_ACQUIRE_RELEASE:
			acq = bpf_cpumask_acquire(PICK(op->d));
			aux[i] = usage_of(acq, raw_len, usage_off);
			bpf_cpumask_release(acq);
			aux2[i] = usage_of(PICK(op->d), raw_len, usage_off);
			break;
		default:
			ret[i] = -1;
			break;
		}
	}

	readback(m0, 0, raw_len);
	readback(m1, 1, raw_len);
	readback(m2, 2, raw_len);
	bpf_cpumask_release(m2);
	bpf_cpumask_release(m1);
	bpf_cpumask_release(m0);
	return 0;
}

/* The load-time verdict on populate's destination type: a program whose destination is a plain
 * `struct cpumask *` (a task's cpus_ptr, RCU-protected and trusted in a tp_btf program), and the same
 * program with a `struct bpf_cpumask *` (the control: if it does not load, the kernel cannot judge the
 * first). Both are autoload-off; the oracle loads each alone and reads only whether it loads. Neither is
 * ever attached. */
struct task_struct {
	const struct cpumask *cpus_ptr;
} __attribute__((preserve_access_index));

SEC("?tp_btf/task_newtask")
int populate_plain(__u64 *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx[0];

	if (bpf_ksym_exists(bpf_cpumask_populate))
		ret[0] = bpf_cpumask_populate((struct cpumask *)task->cpus_ptr, src, sizeof(src));
	return 0;
}

SEC("?tp_btf/task_newtask")
int populate_control(__u64 *ctx)
{
	struct bpf_cpumask *m = bpf_cpumask_create();

	if (!m)
		return 0;
	if (bpf_ksym_exists(bpf_cpumask_populate))
		ret[0] = bpf_cpumask_populate((struct cpumask *)m, src, sizeof(src));
	bpf_cpumask_release(m);
	return 0;
}

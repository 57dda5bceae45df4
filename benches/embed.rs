//! A helper call through the embedding layer against rbpf calling a native helper of the same work, in
//! one run: the same BPF loop (1000 calls with the arguments loaded from the context) runs in rbpf's
//! interpreter with `bpf_model::embed`'s dispatcher registered (`rbpf::run`) and with a native Rust
//! helper registered at the same id. Work: `bpf_dynptr_write` of 64 bytes into a LOCAL dynptr over a map
//! value; `bpf_ringbuf_output` of 64 bytes (the ring drained after each run, on both sides);
//! `bpf_cpumask_test_cpu`. Run: `cargo bench --features rbpf --bench embed`; it prints the CPU model and
//! each ratio (model time / native time), then criterion's figures.

use bpf_model::embed::rbpf::{self as erbpf, Program, KFUNC_BASE};
use bpf_model::embed::{DynptrKern, Env, MapDef};
use bpf_model::prog::Func;
use bpf_model::KernelProfile;
use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Instant;

const CALLS: i32 = 1000;

fn insn(op: u8, dst: u8, src: u8, off: i16, imm: i32) -> [u8; 8] {
    let o = off.to_le_bytes();
    let i = imm.to_le_bytes();
    [op, src << 4 | dst, o[0], o[1], i[0], i[1], i[2], i[3]]
}

/// `CALLS` times: r1..r5 = ctx[0..40] as u64s; call `id`. Then exit 0.
fn loop_prog(id: u32) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend(insn(0xbf, 6, 1, 0, 0)); // r6 = r1
    p.extend(insn(0xb7, 7, 0, 0, CALLS)); // r7 = CALLS
    for r in 1..=5u8 {
        p.extend(insn(0x79, r, 6, (i16::from(r) - 1) * 8, 0)); // rN = *(u64 *)(r6 + 8 * (N - 1))
    }
    p.extend(insn(0x85, 0, 0, 0, id as i32)); // call id
    p.extend(insn(0x17, 7, 0, 0, 1)); // r7 -= 1
    p.extend(insn(0x55, 7, 0, -8, 0)); // if r7 != 0 goto the loads
    p.extend(insn(0xb7, 0, 0, 0, 0));
    p.extend(insn(0x95, 0, 0, 0, 0));
    p
}

fn put(ctx: &mut [u8], at: usize, v: u64) {
    ctx[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

// Native helpers of the same work.

/// `bpf_dynptr_write` as a native runtime would write it: the 16-byte struct read, the range checked, a
/// copy.
fn native_dynptr_write(dst: u64, off: u64, src: u64, len: u64, _flags: u64) -> u64 {
    // SAFETY: the bench passes a pointer to a 16-byte dynptr struct in its context, whose data points at a
    // live 64-byte buffer, and a 64-byte source in the context.
    unsafe {
        let k = DynptrKern::from_bytes(*(dst as *const [u8; 16]));
        let size = u64::from(k.size & 0xff_ffff);
        if len > size || off > size - len {
            return (-7i64) as u64;
        }
        std::ptr::copy_nonoverlapping(src as *const u8, (k.data + u64::from(k.offset) + off) as *mut u8, len as usize);
    }
    0
}

thread_local! {
    static RING: std::cell::RefCell<(Vec<u8>, usize)> = std::cell::RefCell::new((vec![0u8; 1 << 20], 0));
}

/// `bpf_ringbuf_output` natively: an 8-byte header and the data copied at the producer position.
fn native_ringbuf_output(_map: u64, data: u64, size: u64, _flags: u64, _: u64) -> u64 {
    RING.with(|r| {
        let (buf, pos) = &mut *r.borrow_mut();
        let n = size as usize;
        let need = (8 + n + 7) & !7;
        if *pos + need > buf.len() {
            *pos = 0;
        }
        buf[*pos..*pos + 4].copy_from_slice(&(n as u32).to_le_bytes());
        // SAFETY: the bench passes a pointer to `size` bytes in its context.
        let src = unsafe { std::slice::from_raw_parts(data as *const u8, n) };
        buf[*pos + 8..*pos + 8 + n].copy_from_slice(src);
        *pos += need;
    });
    0
}

/// `bpf_cpumask_test_cpu` natively: a bit of a word array.
fn native_test_cpu(cpu: u64, mask: u64, _: u64, _: u64, _: u64) -> u64 {
    let cpu = cpu as u32;
    if cpu >= 2 {
        return 0;
    }
    // SAFETY: the bench passes a pointer to a live u64.
    let w = unsafe { *(mask as *const u64) };
    (w >> cpu) & 1
}

struct Case {
    name: &'static str,
    id: u32,
    native: fn(u64, u64, u64, u64, u64) -> u64,
}

fn cases() -> Vec<Case> {
    let kf = |f: Func| KFUNC_BASE + Func::ALL.iter().position(|&g| g == f).unwrap_or(0) as u32;
    vec![
        Case { name: "bpf_dynptr_write 64 B", id: 202, native: native_dynptr_write },
        Case { name: "bpf_ringbuf_output 64 B", id: 130, native: native_ringbuf_output },
        Case { name: "bpf_cpumask_test_cpu", id: kf(Func::CpumaskTestCpu), native: native_test_cpu },
    ]
}

/// One set-up: the environment, the context for the model side and for the native side.
struct Setup {
    env: Env,
    rb: u64,
    model_ctx: Vec<u8>,
    native_ctx: Vec<u8>,
    _native_mem: Box<[u8; 64]>,
    _native_mask: Box<u64>,
}

fn setup(c: &Case) -> Setup {
    let mut env = Env::new(KernelProfile::x86_64_v6_18()).unwrap();
    let rb = env.create_map(MapDef::Ringbuf { max_entries: 1 << 20 }).unwrap();
    let arr = env.create_map(MapDef::Array { value_size: 64, max_entries: 1 }).unwrap();
    let g = env.map_value_addr(arr, 0).unwrap();
    let mut model_ctx = vec![0u8; 160];
    let mut native_ctx = vec![0u8; 160];
    let mut native_mem = Box::new([0u8; 64]);
    let native_mask = Box::new(1u64);
    let (mb, nb) = (model_ctx.as_ptr() as u64, native_ctx.as_ptr() as u64);
    match c.id {
        202 => {
            let k = DynptrKern { data: g, size: 0x1000_0040, offset: 0 };
            model_ctx[48..64].copy_from_slice(&k.to_bytes());
            let nk = DynptrKern { data: native_mem.as_mut_ptr() as u64, size: 0x1000_0040, offset: 0 };
            native_ctx[48..64].copy_from_slice(&nk.to_bytes());
            for (ctx, base) in [(&mut model_ctx, mb), (&mut native_ctx, nb)] {
                put(ctx, 0, base + 48);
                put(ctx, 8, 0);
                put(ctx, 16, base + 64);
                put(ctx, 24, 64);
            }
        }
        130 => {
            for (ctx, base, map) in [(&mut model_ctx, mb, rb), (&mut native_ctx, nb, 0)] {
                put(ctx, 0, map);
                put(ctx, 8, base + 64);
                put(ctx, 16, 64);
                put(ctx, 24, 1); // BPF_RB_NO_WAKEUP
            }
        }
        _ => {
            let mem = Regions::default();
            let m = env.call_kfunc(&mem, "bpf_cpumask_create", [0; 5]).unwrap();
            env.call_kfunc(&mem, "bpf_cpumask_set_cpu", [0, m, 0, 0, 0]).unwrap();
            put(&mut model_ctx, 0, 0);
            put(&mut model_ctx, 8, m);
            put(&mut native_ctx, 0, 0);
            put(&mut native_ctx, 8, &*native_mask as *const u64 as u64);
        }
    }
    Setup { env, rb, model_ctx, native_ctx, _native_mem: native_mem, _native_mask: native_mask }
}

use bpf_model::embed::Regions;

fn run_model(s: &mut Setup, prog: &Program) {
    let r = erbpf::run(&mut s.env, prog, &mut s.model_ctx);
    assert_eq!(r, Ok(0));
    if let Some(rb) = s.env.ringbuf(s.rb) {
        if let Some(mut c) = rb.consumer() {
            let _ = c.consume(usize::MAX, |_| 0);
        }
    }
}

fn run_native(vm: &rbpf::EbpfVmRaw<'_>, ctx: &mut [u8]) {
    // SAFETY of the native helpers' pointers: the context holds the addresses the set-up wrote.
    let mut copy = ctx.to_vec();
    let r = vm.execute_program(&mut copy).unwrap();
    assert_eq!(r, 0);
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn bench(c: &mut Criterion) {
    println!("embed bench: CPU {}", cpu_model());
    for case in cases() {
        let prog_bytes = loop_prog(case.id);
        let prog = Program::from_insns("loop", &prog_bytes);
        let mut s = setup(&case);
        let mut native_vm = rbpf::EbpfVmRaw::new(Some(&prog_bytes)).unwrap();
        native_vm.register_helper(case.id, case.native).unwrap();
        // The ratio, measured here in one run: 200 runs of 1000 calls each side, interleaved.
        let (mut tm, mut tn) = (0f64, 0f64);
        for _ in 0..200 {
            let t = Instant::now();
            run_model(&mut s, &prog);
            tm += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let mut ctx = s.native_ctx.clone();
            run_native(&native_vm, &mut ctx);
            tn += t.elapsed().as_secs_f64();
        }
        let per = |t: f64| t / (200.0 * f64::from(CALLS)) * 1e9;
        println!(
            "embed bench: {}: through the environment {:.1} ns/call, native helper {:.1} ns/call, ratio {:.2}",
            case.name,
            per(tm),
            per(tn),
            tm / tn
        );
        let mut g = c.benchmark_group(format!("embed/{}", case.name));
        g.bench_function("env (rbpf + bpf_model::embed)", |b| b.iter(|| run_model(&mut s, &prog)));
        let native_ctx = s.native_ctx.clone();
        g.bench_function("native helper (rbpf)", |b| {
            b.iter(|| {
                let mut ctx = native_ctx.clone();
                run_native(&native_vm, &mut ctx)
            })
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);

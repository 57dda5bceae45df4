//! The seed page's `bpf_ringbuf_reserve_dynptr` example, compiled unchanged (its tracepoint section and
//! `bpf_printk` included), in two runtimes: rbpf over the model (`bpf_model::embed::rbpf`) and the live
//! kernel. Both must leave the same ring buffer record; rbpf's `bpf_trace_printk` line is read from the
//! environment.
//!
//! The page's example declares no license, and the kernel refuses its `bpf_trace_printk` for that
//! ("cannot call GPL-restricted function from non-GPL compatible program"): the build adds
//! `tests/bpf/seed-include/gpl.h` with clang's `-include`, and the page's source is compiled as it is.
//!
//! In the kernel the program is loaded from the same object with its program type set to SYSCALL and run
//! with `BPF_PROG_TEST_RUN`: this host has no tracefs or kprobes, so a tracepoint cannot be attached or
//! fired, and the program's body uses nothing of its context, so the same instructions run (as a sleepable
//! program: the verifier takes SYSCALL programs only so).

use bpf_model::embed::{rbpf, Env};
use bpf_model::KernelProfile;
use bpf_oracle::testing::kernel_available;
use libbpf_rs::{MapCore, ObjectBuilder, ProgramInput, ProgramType, RingBufferBuilder};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// `shared/seeds/` beside the repository (or one of its ancestors' `shared/seeds/`).
fn seeds_dir() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|a| a.join("shared/seeds"))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| panic!("no shared/seeds/ beside {} or its ancestors", here.display()))
}

/// The C example of the seed page for `name`, as the page gives it.
fn seed_example(name: &str) -> String {
    for e in std::fs::read_dir(seeds_dir()).expect("read seeds") {
        let text = std::fs::read_to_string(e.expect("seed entry").path()).expect("read seed");
        if !text.lines().any(|l| l.starts_with("# ") && l.contains(&format!("`{name}`"))) {
            continue;
        }
        let ex = text.split("### Example").nth(1).expect("an Example section");
        let code = ex.split("```c").nth(1).and_then(|c| c.split("```").next()).expect("a C block");
        return code.to_string();
    }
    panic!("no seed page for {name}");
}

fn compile(src: &str, tag: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bpf/seed-include");
    let tmp = std::env::temp_dir();
    let c = tmp.join(format!("seed-{tag}-{}.bpf.c", std::process::id()));
    let o = tmp.join(format!("seed-{tag}-{}.bpf.o", std::process::id()));
    std::fs::write(&c, src).expect("write seed source");
    let st = Command::new(env!("ORACLE_CLANG"))
        .args(["-target", "bpf", "-O2", "-g", "-D__TARGET_ARCH_x86", "-I/usr/include/x86_64-linux-gnu"])
        .arg(format!("-I{}", dir.display()))
        .arg("-include")
        .arg(dir.join("gpl.h"))
        .arg("-c")
        .arg(&c)
        .arg("-o")
        .arg(&o)
        .status()
        .expect("run clang");
    assert!(st.success(), "clang failed on the seed example");
    let elf = std::fs::read(&o).expect("read object");
    let _ = std::fs::remove_file(&c);
    let _ = std::fs::remove_file(&o);
    elf
}

/// The record the kernel leaves, and the program's return value.
fn kernel_run(elf: &[u8]) -> (u32, Vec<Vec<u8>>) {
    let path = std::env::temp_dir().join(format!("seed-kernel-{}.bpf.o", std::process::id()));
    std::fs::write(&path, elf).expect("write object");
    let mut open = ObjectBuilder::default().open_file(&path).expect("open seed object");
    let _ = std::fs::remove_file(&path);
    for mut p in open.progs_mut() {
        p.set_prog_type(ProgramType::Syscall);
        // SYSCALL programs must be sleepable (`BPF_F_SLEEPABLE`, the verifier says so otherwise).
        p.set_flags(1 << 4);
    }
    let obj = open.load().expect("load the seed object as SYSCALL");
    let prog = obj.progs_mut().find(|p| p.name() == "bpf_prog1").expect("bpf_prog1");
    let ret = prog.test_run(ProgramInput::default()).expect("BPF_PROG_TEST_RUN").return_value;
    let map = obj.maps().find(|m| m.name() == "ringbuf").expect("ringbuf map");
    let records = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = records.clone();
    let mut b = RingBufferBuilder::new();
    b.add(&map, move |d: &[u8]| {
        sink.borrow_mut().push(d.to_vec());
        0
    })
    .expect("ring buffer callback");
    let rb = b.build().expect("ring buffer");
    rb.poll(Duration::from_millis(100)).expect("poll");
    drop(rb);
    let out = records.borrow().clone();
    (ret, out)
}

#[test]
fn seed_ringbuf_reserve_dynptr_in_rbpf_and_in_the_kernel() {
    let elf = compile(&seed_example("bpf_ringbuf_reserve_dynptr"), "reserve-dynptr");
    // rbpf over the model.
    let profile = KernelProfile::detect().profile;
    let mut env = Env::new(profile).expect("environment");
    let obj = rbpf::load(&mut env, &elf).expect("load into rbpf");
    let prog = obj.program("bpf_prog1").expect("bpf_prog1");
    assert_eq!(prog.section, "tp/syscalls/sys_enter_openat");
    let ret = rbpf::run(&mut env, prog, &mut []).expect("run in rbpf");
    let model = env.drain_ringbuf(obj.map("ringbuf").unwrap()).unwrap();
    assert_eq!(ret, 0);
    assert_eq!(env.trace_output(), ["Read matches write, dynptr API works"]);
    let mut expected = [0u8; 64];
    expected[..20].copy_from_slice(b"hello there, world!!");
    assert_eq!(model, [expected.to_vec()]);
    // The kernel.
    if !kernel_available("seed_ringbuf_reserve_dynptr_in_rbpf_and_in_the_kernel") {
        return;
    }
    let (kret, kernel) = kernel_run(&elf);
    println!("kernel: ret {kret}, records {kernel:?}");
    assert_eq!(u64::from(kret), ret);
    assert_eq!(kernel, model, "the kernel's record and rbpf's");
}

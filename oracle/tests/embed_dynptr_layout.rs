//! The embedding layer's `struct bpf_dynptr` bytes against the kernel's: a SYSCALL program
//! (`tests/bpf/embed_layout.bpf.c`) copies its dynptrs' 16 bytes out of its stack with
//! `bpf_probe_read_kernel`, and `bpf_model::embed::Env` runs the same calls on the same layout.

use bpf_model::embed::{Access, DynptrKern, Env, MapDef, Memory, Regions};
use bpf_model::KernelProfile;
use bpf_oracle::testing::kernel_available;
use libbpf_rs::{MapCore, MapFlags, ObjectBuilder, ProgramInput};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Offsets in `struct layout`.
const G_ADDR: usize = 64;
const REC_ADDR: usize = 72;
const LOCAL: usize = 80;
const RING: usize = 96;
const DISCARDED: usize = 112;
const RETS: usize = 128;

fn kern(b: &[u8]) -> DynptrKern {
    DynptrKern::from_bytes(b[..16].try_into().unwrap())
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// Compiles the program with the oracle's clang and flags.
fn compile() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("embed_layout-{}.bpf.o", std::process::id()));
    let st = Command::new(env!("ORACLE_CLANG"))
        .args(["-target", "bpf", "-O2", "-g", "-D__TARGET_ARCH_x86", "-I/usr/include/x86_64-linux-gnu"])
        .arg(format!("-I{}", dir.join("bpf").display()))
        .arg("-c")
        .arg(dir.join("tests/bpf/embed_layout.bpf.c"))
        .arg("-o")
        .arg(&out)
        .status()
        .expect("run clang");
    assert!(st.success(), "clang failed on tests/bpf/embed_layout.bpf.c");
    out
}

/// The kernel's bytes: the whole `struct layout`.
fn kernel_layout() -> Vec<u8> {
    let obj_path = compile();
    let open = ObjectBuilder::default().open_file(&obj_path).expect("open embed_layout.bpf.o");
    let obj = open.load().expect("load embed_layout.bpf.o");
    let _ = std::fs::remove_file(&obj_path);
    let prog = obj.progs_mut().find(|p| p.name() == "layout").expect("program layout");
    let out = prog.test_run(ProgramInput::default()).expect("BPF_PROG_TEST_RUN");
    assert_eq!(out.return_value, 0);
    let bss = obj.maps().find(|m| m.name().to_string_lossy().ends_with(".bss")).expect(".bss map");
    bss.lookup(&0u32.to_ne_bytes(), MapFlags::ANY).expect("lookup .bss").expect(".bss value")
}

/// The model's bytes for the same calls, in the same layout, with the stack at 0x1000.
fn model_layout() -> Vec<u8> {
    let mut env = Env::new(KernelProfile::x86_64_v6_18()).unwrap();
    let rb = env.create_map(MapDef::Ringbuf { max_entries: 4096 }).unwrap();
    let bss = env.create_map(MapDef::Array { value_size: 160, max_entries: 1 }).unwrap();
    let out = env.map_value_addr(bss, 0).unwrap();
    let mut stack = Regions::new();
    let (p, r) = (stack.add(0x1000, 16), stack.add(0x2000, 16));
    let copy16 = |env: &Env, stack: &Regions, from: u64, to: usize| {
        let bytes = stack.translate(from, 16, Access::Read).unwrap().iter().map(|c| c.get()).collect::<Vec<u8>>();
        assert!(env.write_array(bss, to, &bytes));
    };
    let rets = [
        env.call_helper(&stack, 197, [out, 64, 0, p, 0]).unwrap(),
        env.call_kfunc(&stack, "bpf_dynptr_adjust", [p, 3, 20, 0, 0]).unwrap(),
        env.call_helper(&stack, 198, [rb, 24, 0, r, 0]).unwrap(),
        0,
    ];
    assert!(env.write_array(bss, G_ADDR, &out.to_le_bytes()));
    copy16(&env, &stack, p, LOCAL);
    let rec = env.call_helper(&stack, 203, [r, 0, 8, 0, 0]).unwrap();
    assert!(env.write_array(bss, REC_ADDR, &rec.to_le_bytes()));
    copy16(&env, &stack, r, RING);
    assert_eq!(env.call_helper(&stack, 200, [r, 0, 0, 0, 0]), Ok(0));
    copy16(&env, &stack, r, DISCARDED);
    for (i, v) in rets.iter().enumerate() {
        assert!(env.write_array(bss, RETS + 8 * i, &v.to_le_bytes()));
    }
    env.array_bytes(bss).unwrap()
}

#[test]
fn dynptr_kern_bytes_match_the_kernel() {
    if !kernel_available("dynptr_kern_bytes_match_the_kernel") {
        return;
    }
    let (k, m) = (kernel_layout(), model_layout());
    for (name, b) in [("kernel", &k), ("model", &m)] {
        let local = kern(&b[LOCAL..]);
        let ring = kern(&b[RING..]);
        println!(
            "{name}: local {local:x?} (global at {:#x}), ring {ring:x?} (record at {:#x})",
            u64_at(b, G_ADDR),
            u64_at(b, REC_ADDR)
        );
        // The data word is the global's address and the record's payload address, in each world.
        assert_eq!(local.data, u64_at(b, G_ADDR), "{name}: LOCAL data is the memory's address");
        assert_eq!(ring.data, u64_at(b, REC_ADDR), "{name}: RINGBUF data is the record's payload");
    }
    let (kl, ml) = (kern(&k[LOCAL..]), kern(&m[LOCAL..]));
    assert_eq!((kl.size, kl.offset), (ml.size, ml.offset), "LOCAL size word and offset");
    let (kr, mr) = (kern(&k[RING..]), kern(&m[RING..]));
    assert_eq!((kr.size, kr.offset), (mr.size, mr.offset), "RINGBUF size word and offset");
    assert_eq!(k[DISCARDED..DISCARDED + 16], m[DISCARDED..DISCARDED + 16], "after discard");
    assert_eq!(k[RETS..RETS + 32], m[RETS..RETS + 32], "return values");
    assert_eq!((kl.size, kl.offset, kr.size), (0x1000_0011, 3, 0x2000_0018));
}

//! The embedding layer: helpers and kfuncs by id and name on program memory by address, the kernel's
//! `bpf_dynptr_kern` bytes, records submitted by address, faults for what the verifier would refuse, and
//! a fuzz of the dispatcher with random registers and random program memory.

use bpf_model::embed::{Access, DynptrKern, Env, Fault, MapDef, Memory, Regions};
use bpf_model::prog::Func;
use bpf_model::KernelProfile;
use quickcheck::{Gen, QuickCheck, TestResult};

const STACK: u64 = 0x10_0000;
const STACK_LEN: usize = 512;

fn env() -> Env {
    Env::new(KernelProfile::x86_64_v6_18()).unwrap()
}

fn stack() -> Regions {
    let mut m = Regions::new();
    m.add(STACK, STACK_LEN);
    m
}

/// The seed page's program (`bpf_ringbuf_reserve_dynptr`), call by call as clang emits them.
#[test]
fn seed_example_logic() {
    let mut env = env();
    let rb = env.create_map(MapDef::Ringbuf { max_entries: 256 * 1024 }).unwrap();
    let mut mem = stack();
    let (ptr, write_data, read_data) = (STACK, STACK + 64, STACK + 128);
    let mut w = [0u8; 64];
    w[..20].copy_from_slice(b"hello there, world!!");
    mem.write(write_data, &w);
    assert_eq!(env.call_helper(&mem, 198, [rb, 64, 0, ptr, 0]), Ok(0));
    assert_eq!(env.dynptr_at(&mem, ptr).unwrap().size, 0x2000_0040);
    assert_eq!(env.call_helper(&mem, 202, [ptr, 0, write_data, 64, 0]), Ok(0));
    assert_eq!(env.call_helper(&mem, 201, [read_data, 64, ptr, 0, 0]), Ok(0));
    assert_eq!(mem.read(read_data, 64).unwrap(), w);
    let fmt = mem.add_rdonly(0x20_0000, b"Read matches write, dynptr API works\0");
    assert_eq!(env.call_helper(&mem, 6, [fmt, 37, 0, 0, 0]), Ok(36));
    assert_eq!(env.call_helper(&mem, 199, [ptr, 0, 0, 0, 0]), Ok(0));
    assert_eq!(env.dynptr_at(&mem, ptr).unwrap(), DynptrKern::default()); // submit sets it null
    assert_eq!(env.trace_output(), ["Read matches write, dynptr API works"]);
    assert_eq!(env.drain_ringbuf(rb).unwrap(), [w.to_vec()]);
}

/// A LOCAL dynptr over a global after `bpf_dynptr_adjust(3, 20)`: the global's address, size word
/// 0x10000011, offset 3 (what the kernel showed, `oracle/tests/embed_dynptr_layout.rs`).
#[test]
fn local_dynptr_bytes() {
    let mut env = env();
    let bss = env.create_map(MapDef::Array { value_size: 64, max_entries: 1 }).unwrap();
    let g = env.map_value_addr(bss, 0).unwrap();
    let mem = stack();
    assert_eq!(env.call_helper(&mem, 197, [g, 64, 0, STACK, 0]), Ok(0));
    assert_eq!(env.call_kfunc(&mem, "bpf_dynptr_adjust", [STACK, 3, 20, 0, 0]), Ok(0));
    let k = env.dynptr_at(&mem, STACK).unwrap();
    assert_eq!(k, DynptrKern { data: g, size: 0x1000_0011, offset: 3 });
    // bpf_dynptr_data(ptr, 1, 4) is g + 3 + 1; a store through it reaches the global.
    let p = env.call_helper(&mem, 203, [STACK, 1, 4, 0, 0]).unwrap();
    assert_eq!(p, g + 4);
    assert!(env.write_array(bss, 4, b"xy"));
    let mut out = [0u8; 2];
    mem.write(STACK + 32, &[0; 2]);
    assert_eq!(env.call_helper(&mem, 201, [STACK + 32, 2, STACK, 1, 0]), Ok(0));
    mem.read(STACK + 32, 2).unwrap().iter().zip(out.iter_mut()).for_each(|(a, b)| *b = *a);
    assert_eq!(&out, b"xy");
    assert!(env.regions().iter().any(|r| r.contains(&g)));
}

#[test]
fn bad_input_is_a_fault() {
    let mut env = env();
    let rb = env.create_map(MapDef::Ringbuf { max_entries: 4096 }).unwrap();
    let mem = stack();
    // A record submitted twice: the second is no record.
    let rec = env.call_helper(&mem, 131, [rb, 16, 0, 0, 0]).unwrap();
    assert_ne!(rec, 0);
    assert_eq!(env.call_helper(&mem, 132, [rec, 0, 0, 0, 0]), Ok(0));
    assert_eq!(env.call_helper(&mem, 132, [rec, 0, 0, 0, 0]), Err(Fault::NotASample { addr: rec }));
    assert_eq!(env.call_helper(&mem, 133, [rec + 8, 0, 0, 0, 0]), Err(Fault::NotASample { addr: rec + 8 }));
    // A stale RINGBUF dynptr: the bytes of a submitted one, copied back.
    assert_eq!(env.call_helper(&mem, 198, [rb, 8, 0, STACK, 0]), Ok(0));
    let old = env.dynptr_at(&mem, STACK).unwrap();
    assert_eq!(env.call_helper(&mem, 199, [STACK, 0, 0, 0, 0]), Ok(0));
    mem.write(STACK, &old.to_bytes());
    assert!(matches!(env.call_kfunc(&mem, "bpf_dynptr_memset", [STACK, 0, 8, 0, 0]), Err(Fault::BadDynptr { .. })));
    assert!(matches!(env.call_helper(&mem, 199, [STACK, 0, 0, 0, 0]), Err(Fault::BadDynptr { .. })));
    // A forged LOCAL dynptr over memory the program does not have.
    mem.write(STACK, &DynptrKern { data: 0xdead_0000, size: 0x1000_0010, offset: 0 }.to_bytes());
    assert!(matches!(env.call_kfunc(&mem, "bpf_dynptr_size", [STACK, 0, 0, 0, 0]), Err(Fault::BadDynptr { .. })));
    // Bad pointers, handles, ids, names.
    assert_eq!(
        env.call_helper(&mem, 130, [rb, STACK + 500, 16, 0, 0]),
        Err(Fault::BadPointer { addr: STACK + 500, len: 16, access: Access::Read })
    );
    assert!(matches!(env.call_helper(&mem, 130, [rb + 1, STACK, 1, 0, 0]), Err(Fault::BadHandle { .. })));
    assert!(matches!(env.call_kfunc(&mem, "bpf_cpumask_first", [12345, 0, 0, 0, 0]), Err(Fault::BadHandle { .. })));
    assert_eq!(env.call_helper(&mem, 9999, [0; 5]), Err(Fault::UnknownHelper(9999)));
    assert_eq!(env.call_kfunc(&mem, "bpf_nope", [0; 5]), Err(Fault::UnknownKfunc("bpf_nope".into())));
    // The kernel's run-time answers stay answers: flags on a LOCAL dynptr's write is -EINVAL.
    let g = env.create_map(MapDef::Array { value_size: 8, max_entries: 1 }).unwrap();
    let g = env.map_value_addr(g, 0).unwrap();
    assert_eq!(env.call_helper(&mem, 197, [g, 8, 0, STACK, 0]), Ok(0));
    assert_eq!(env.call_helper(&mem, 202, [STACK, 0, STACK + 64, 4, 1]), Ok(-22i64 as u64));
    assert_eq!(env.call_helper(&mem, 202, [STACK, 6, STACK + 64, 4, 0]), Ok(-7i64 as u64));
    // A kernel without the function refuses it (bpf_dynptr_memset is 6.17).
    let mut old = Env::new(KernelProfile::debian(6, 12).unwrap()).unwrap();
    assert_eq!(
        old.call_kfunc(&mem, "bpf_dynptr_memset", [STACK, 0, 0, 0, 0]),
        Err(Fault::NotInKernel("bpf_dynptr_memset"))
    );
}

#[test]
fn cpumask_handles() {
    let mut env = env();
    let mem = stack();
    let m = env.call_kfunc(&mem, "bpf_cpumask_create", [0; 5]).unwrap();
    assert_ne!(m, 0);
    mem.write(STACK, &[0b11, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(env.call_kfunc(&mem, "bpf_cpumask_populate", [m, STACK, 8, 0, 0]), Ok(0));
    assert_eq!(env.call_kfunc(&mem, "bpf_cpumask_weight", [m, 0, 0, 0, 0]), Ok(2));
    assert_eq!(env.call_kfunc(&mem, "bpf_cpumask_test_cpu", [1, m, 0, 0, 0]), Ok(1));
    assert_eq!(env.call_kfunc(&mem, "bpf_cpumask_acquire", [m, 0, 0, 0, 0]), Ok(m));
    assert_eq!(env.cpumask(m).unwrap().usage(), 2);
    assert_eq!(env.call_kfunc(&mem, "bpf_cpumask_release", [m, 0, 0, 0, 0]), Ok(0));
    assert_eq!(env.call_kfunc(&mem, "bpf_cpumask_release", [m, 0, 0, 0, 0]), Ok(0));
    assert_eq!(env.live_cpumasks(), 0);
    assert!(matches!(env.call_kfunc(&mem, "bpf_cpumask_release", [m, 0, 0, 0, 0]), Err(Fault::BadHandle { .. })));
}

#[test]
fn setsockopt_by_handle() {
    use bpf_model::sockopt::{CallCtx, Sock, SOL_SOCKET, SO_MARK, TCP_ESTABLISHED};
    let p = KernelProfile::x86_64_v6_18();
    let mut env = Env::new(p.clone()).unwrap();
    let sk = env.add_socket(Sock::tcp(false, TCP_ESTABLISHED, p.rules().unwrap(), &p), CallCtx::sock_ops(4));
    let mem = stack();
    mem.write(STACK, &7i32.to_le_bytes());
    assert_eq!(env.call_helper(&mem, 49, [sk, SOL_SOCKET as u64, SO_MARK as u64, STACK, 4]), Ok(0));
    mem.write(STACK + 8, &[0; 4]);
    assert_eq!(env.call_helper(&mem, 57, [sk, SOL_SOCKET as u64, SO_MARK as u64, STACK + 8, 4]), Ok(0));
    assert_eq!(mem.read(STACK + 8, 4).unwrap(), 7i32.to_le_bytes());
    assert_eq!(env.call_helper(&mem, 49, [sk, SOL_SOCKET as u64, SO_MARK as u64, STACK, 3]), Ok(-22i64 as u64));
}

// --------------------------------------------------------------------------------------------------
// The fuzz.

/// Program memory of random bytes, in which the fuzz plants valid dynptrs now and then.
struct FuzzMem(Regions);

impl Memory for FuzzMem {
    fn translate(&self, addr: u64, len: u64, access: Access) -> Option<&[std::cell::Cell<u8>]> {
        self.0.translate(addr, len, access)
    }
}

/// Calls that faulted, calls that answered.
static OUTCOMES: [std::sync::atomic::AtomicUsize; 2] =
    [std::sync::atomic::AtomicUsize::new(0), std::sync::atomic::AtomicUsize::new(0)];

/// One fuzz case: `calls` calls with random registers on random memory. Returns how many calls ran.
fn fuzz_case(g: &mut Gen, calls: usize) -> usize {
    let mut env = env();
    let rb = env.create_map(MapDef::Ringbuf { max_entries: 4096 }).unwrap();
    let arr = env.create_map(MapDef::Array { value_size: 64, max_entries: 2 }).unwrap();
    let gaddr = env.map_value_addr(arr, 0).unwrap();
    let mut regions = Regions::new();
    regions.add(STACK, STACK_LEN);
    let bytes: Vec<u8> = (0..STACK_LEN).map(|_| u8::arbitrary(g)).collect();
    regions.write(STACK, &bytes);
    regions.add_rdonly(0x20_0000, b"%d %s %x %c %%\0");
    let mem = FuzzMem(regions);
    let ids: Vec<u32> = Func::ALL.iter().filter_map(|f| f.helper_id()).chain([1, 6, 0, 212, 9999]).collect();
    let kfuncs: Vec<&str> = Func::ALL.iter().filter(|f| f.is_kfunc()).map(|f| f.name()).chain(["bpf_nope"]).collect();
    let mut masks = vec![0u64];
    let mut records = vec![0u64];
    use quickcheck::Arbitrary;
    for _ in 0..calls {
        // Registers: addresses in and near the stack and the globals, handles, records, small and random.
        // Half the calls draw from the plausible values only, so that more of them get past the checks.
        let wide = bool::arbitrary(g);
        let mut reg = || -> u64 {
            match u8::arbitrary(g) % if wide { 13 } else { 9 } {
                0 => STACK + u64::from(u16::arbitrary(g) % 560),
                1 => STACK + u64::from(u8::arbitrary(g) % 31) * 16,
                2 => gaddr + u64::from(u8::arbitrary(g) % 140),
                3 => rb,
                4 => arr,
                5 => *g.choose(&masks).unwrap_or(&0),
                6 => *g.choose(&records).unwrap_or(&0),
                7 | 8 | 12 => u64::from(u8::arbitrary(g) % 70),
                9 => u64::from(u32::arbitrary(g)),
                10 => 0x20_0000,
                _ => u64::arbitrary(g),
            }
        };
        let args = [reg(), reg(), reg(), reg(), reg()];
        // Now and then a valid dynptr in a random stack slot, so calls get past the dynptr checks.
        if bool::arbitrary(g) {
            let slot = STACK + u64::from(u8::arbitrary(g) % 31) * 16;
            let _ = env.call_helper(&mem, 197, [gaddr, u64::from(u8::arbitrary(g) % 65), 0, slot, 0]);
        }
        let r = if bool::arbitrary(g) {
            let id = *g.choose(&ids).unwrap();
            env.call_helper(&mem, id, args)
        } else {
            let name = *g.choose(&kfuncs).unwrap();
            env.call_kfunc(&mem, name, args)
        };
        OUTCOMES[usize::from(r.is_ok())].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(v) = r {
            if (0xffff_b000_0000_0000..0xffff_c000_0000_0000).contains(&v) {
                masks.push(v);
            } else if v > 0x1_0000_0000 && v < 0xffff_0000_0000_0000 && env.regions().iter().any(|x| x.contains(&v)) {
                records.push(v);
            }
        }
    }
    // Whatever happened, the ring is still consistent for user space.
    let _ = env.drain_ringbuf(rb);
    calls
}

/// 2,000 cases of 500 calls: a million calls with random registers and random program memory; a panic
/// fails the test (quickcheck reports it).
#[test]
fn fuzz_dispatcher_a_million_calls() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    fn prop(seed: u64) -> TestResult {
        let mut g = Gen::new(256);
        let _ = seed;
        CALLS.fetch_add(fuzz_case(&mut g, 500), Ordering::Relaxed);
        TestResult::passed()
    }
    QuickCheck::new().tests(2000).max_tests(2000).quickcheck(prop as fn(u64) -> TestResult);
    let n = CALLS.load(Ordering::Relaxed);
    let (faults, answers) = (OUTCOMES[0].load(Ordering::Relaxed), OUTCOMES[1].load(Ordering::Relaxed));
    eprintln!("fuzz: {n} dispatcher calls, {answers} answered, {faults} faults, 0 panics");
    assert!(n >= 1_000_000, "{n} calls");
}

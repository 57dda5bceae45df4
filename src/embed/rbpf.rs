//! rbpf over the model: load a clang-compiled BPF object into an [`Env`] and run its programs in rbpf's
//! interpreter, every modelled helper and kfunc registered in one call.
//!
//! The loader does what libbpf does for the kernel, for rbpf:
//! - every map of `.maps` (BTF-defined: RINGBUF, USER_RINGBUF, ARRAY) is created in the environment;
//!   `.bss`, `.data*` and `.rodata*` become one-entry ARRAY maps holding the section (`.rodata*` frozen);
//! - `ld_imm64` of a map is rewritten to the map's handle, of a global to the address of its bytes in the
//!   section's map, of a `__ksym __weak` kfunc to 1 when the profile's kernel has it (0 otherwise);
//! - static functions of `.text` that a program calls are appended to it and the BPF-to-BPF calls are
//!   re-aimed (rbpf runs them, up to its call depth, in the one 512-byte stack);
//! - each kfunc call (`BPF_PSEUDO_KFUNC_CALL`, which rbpf refuses) becomes a helper call with an id from
//!   the reserved range [`KFUNC_BASE`]`..`, which the environment dispatches by name;
//! - five instructions are put in front of the program: they hand the stack's top (`r10`) to the
//!   environment (helper [`STACK_MARK`]) so that helpers can check the program's stack pointers, then
//!   restore `r1` and `r6`. Jumps and calls are relative, so nothing else moves.
//!
//! A helper cannot stop rbpf: a [`Fault`] is kept, every later helper call of the run answers 0 without
//! effect, and [`run`] returns the first fault.
//!
//! ```no_run
//! use bpf_model::embed::{rbpf, Env};
//! use bpf_model::KernelProfile;
//!
//! let elf = std::fs::read("prog.bpf.o").unwrap();
//! let mut env = Env::new(KernelProfile::detect().profile).unwrap();
//! let obj = rbpf::load(&mut env, &elf).unwrap();
//! let ret = rbpf::run(&mut env, obj.program("handler").unwrap(), &mut []).unwrap();
//! let rb = obj.map("ringbuf").unwrap();
//! for record in env.drain_ringbuf(rb).unwrap() {
//!     println!("{ret} {record:x?}");
//! }
//! ```

use super::elf::{Btf, Elf, ElfError, SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS, STT_SECTION};
use super::{Access, Env, Fault, MapDef, Memory};
use crate::prog::Func;
use std::cell::{Cell, RefCell};
use std::fmt;

/// The first helper id of the kfunc range: a kfunc call becomes `call KFUNC_BASE + i`, `i` its index in
/// [`Func::ALL`].
pub const KFUNC_BASE: u32 = 0x4b00_0000;
/// The helper id of the prologue's call that reports the stack's top.
pub const STACK_MARK: u32 = 0x4aff_ffff;

/// rbpf's stack size (`ebpf::STACK_SIZE`), the kernel's `MAX_BPF_STACK`.
const STACK_SIZE: u64 = 512;

const BPF_MAP_TYPE_ARRAY: u32 = 2;
const BPF_MAP_TYPE_RINGBUF: u32 = 27;
const BPF_MAP_TYPE_USER_RINGBUF: u32 = 31;

/// Why an object cannot be loaded or a program cannot run.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Error {
    /// The object is malformed or uses what the loader does not handle (named).
    Load(String),
    /// rbpf refused the program or stopped it (its message).
    Vm(String),
    /// A helper or kfunc reported a fault; the run's result is discarded.
    Fault(Fault),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load(s) => write!(f, "load: {s}"),
            Error::Vm(s) => write!(f, "rbpf: {s}"),
            Error::Fault(x) => write!(f, "fault: {x}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<ElfError> for Error {
    fn from(e: ElfError) -> Error {
        Error::Load(e.0)
    }
}

/// A program of the object, relocated for rbpf.
#[derive(Clone, Debug)]
pub struct Program {
    /// The function's name.
    pub name: String,
    /// Its ELF section (`"syscall"`, `"tp/syscalls/sys_enter_openat"`, ...).
    pub section: String,
    insns: Vec<u8>,
}

impl Program {
    /// A program from raw instructions (no relocations), with the loader's prologue put in front.
    pub fn from_insns(name: &str, insns: &[u8]) -> Program {
        let mut all = prologue();
        all.extend_from_slice(insns);
        Program { name: name.to_string(), section: String::new(), insns: all }
    }

    /// The relocated instructions, prologue included.
    pub fn insns(&self) -> &[u8] {
        &self.insns
    }
}

/// A loaded object: its programs and the handles of its maps.
#[derive(Clone, Debug)]
pub struct Object {
    programs: Vec<Program>,
    maps: Vec<(String, u64)>,
}

impl Object {
    /// The program named `name` (its function name).
    pub fn program(&self, name: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.name == name)
    }

    /// Every program.
    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    /// The handle of the map `name` (a `.maps` name, or `.bss`, `.data`, `.rodata`).
    pub fn map(&self, name: &str) -> Option<u64> {
        self.maps.iter().find(|(n, _)| n == name).map(|&(_, h)| h)
    }

    /// Every map of the object with its handle (the `.maps` ones by name, the global sections by section
    /// name); a global's bytes are at [`Env::map_value_addr`]`(handle, 0)` plus its offset.
    pub fn maps(&self) -> &[(String, u64)] {
        &self.maps
    }
}

fn insn_at(code: &[u8], i: usize) -> Option<[u8; 8]> {
    code.get(i * 8..i * 8 + 8).and_then(|s| s.try_into().ok())
}

fn set_imm(code: &mut [u8], i: usize, imm: i32) {
    if let Some(s) = code.get_mut(i * 8 + 4..i * 8 + 8) {
        s.copy_from_slice(&imm.to_le_bytes());
    }
}

fn set_src(code: &mut [u8], i: usize, src: u8) {
    if let Some(b) = code.get_mut(i * 8 + 1) {
        *b = (*b & 0x0f) | (src << 4);
    }
}

/// Writes a 64-bit immediate into the `ld_imm64` at `i` (and its second half) and clears its `src`.
fn set_imm64(code: &mut [u8], i: usize, v: u64) {
    set_imm(code, i, v as u32 as i32);
    set_imm(code, i + 1, (v >> 32) as u32 as i32);
    set_src(code, i, 0);
}

fn imm_of(insn: [u8; 8]) -> i32 {
    i32::from_le_bytes([insn[4], insn[5], insn[6], insn[7]])
}

/// Loads the object `elf` into `env`: its maps and global sections are created there, its programs
/// relocated for rbpf.
pub fn load(env: &mut Env, elf: &[u8]) -> Result<Object, Error> {
    let e = Elf::parse(elf)?;
    let mut maps = Vec::new();
    // `.maps`, from BTF.
    let maps_idx = e.section(".maps").map(|(i, _)| i);
    let mut by_offset = Vec::new();
    if maps_idx.is_some() {
        let btf = e.section(".BTF").ok_or_else(|| Error::Load(".maps without .BTF".into()))?;
        for m in Btf::parse(&btf.1.data)?.maps() {
            let def = match m.map_type {
                BPF_MAP_TYPE_RINGBUF => MapDef::Ringbuf { max_entries: m.max_entries },
                BPF_MAP_TYPE_USER_RINGBUF => MapDef::UserRingbuf { max_entries: m.max_entries },
                BPF_MAP_TYPE_ARRAY => MapDef::Array { value_size: m.value_size, max_entries: m.max_entries },
                t => return Err(Error::Load(format!("map {}: type {t} is not modelled", m.name))),
            };
            let h = env.create_map(def).map_err(|x| Error::Load(format!("map {}: {x}", m.name)))?;
            by_offset.push((m.offset, h));
            maps.push((m.name, h));
        }
    }
    // Global data sections.
    let mut data = Vec::new();
    for (i, s) in e.sections.iter().enumerate() {
        let global = s.name == ".bss" || s.name.starts_with(".data") || s.name.starts_with(".rodata");
        if !global || s.size == 0 || !(s.kind == SHT_PROGBITS || s.kind == SHT_NOBITS) {
            continue;
        }
        let size = u32::try_from(s.size).map_err(|_| Error::Load(format!("{} too large", s.name)))?;
        let h = env
            .create_map(MapDef::Array { value_size: size, max_entries: 1 })
            .map_err(|x| Error::Load(format!("{}: {x}", s.name)))?;
        env.write_array(h, 0, &s.data);
        if s.name.starts_with(".rodata") {
            env.freeze(h);
        }
        let base = env.map_value_addr(h, 0).unwrap_or(0);
        data.push((i, base));
        maps.push((s.name.clone(), h));
    }
    let text = e.section(".text").filter(|(_, s)| !s.data.is_empty());
    let mut programs = Vec::new();
    for (si, s) in e.sections.iter().enumerate() {
        if s.flags & SHF_EXECINSTR == 0 || s.name == ".text" || s.data.is_empty() {
            continue;
        }
        for sym in e.symbols.iter().filter(|y| usize::from(y.shndx) == si && y.kind == 2) {
            let start = sym.value as usize;
            let len = if sym.size == 0 { s.data.len().saturating_sub(start) } else { sym.size as usize };
            let body = s.data.get(start..start + len).ok_or_else(|| Error::Load(format!("{}: bounds", sym.name)))?;
            let mut code = body.to_vec();
            let text_base = code.len() / 8;
            if let Some((_, t)) = text {
                code.extend_from_slice(&t.data);
            }
            // Relocations: the program's own, then those of .text (shifted).
            let mut rel: Vec<(usize, usize)> = Vec::new();
            for r in e.relocs.get(&si).into_iter().flatten() {
                let off = r.offset as usize;
                if off >= start && off < start + len {
                    rel.push(((off - start) / 8, r.sym));
                }
            }
            if let Some((ti, _)) = text {
                for r in e.relocs.get(&ti).into_iter().flatten() {
                    rel.push((text_base + r.offset as usize / 8, r.sym));
                }
            }
            for (i, symi) in rel {
                let y = e.symbols.get(symi).ok_or_else(|| Error::Load("relocation symbol".into()))?;
                let insn = insn_at(&code, i).ok_or_else(|| Error::Load("relocation offset".into()))?;
                let shndx = usize::from(y.shndx);
                match insn[0] {
                    0x18 => {
                        if Some(shndx) == maps_idx {
                            let h = by_offset
                                .iter()
                                .find(|(o, _)| u64::from(*o) == y.value)
                                .map(|&(_, h)| h)
                                .ok_or_else(|| Error::Load(format!("no map at {} in .maps", y.value)))?;
                            set_imm64(&mut code, i, h);
                        } else if let Some(&(_, base)) = data.iter().find(|(d, _)| *d == shndx) {
                            let add = if y.kind == STT_SECTION { 0 } else { y.value };
                            set_imm64(&mut code, i, base + add + u64::from(imm_of(insn) as u32));
                        } else if y.shndx == 0 {
                            let have = Func::from_name(&y.name)
                                .is_some_and(|f| f.is_kfunc() && env.rules().at_least(f.since()));
                            set_imm64(&mut code, i, u64::from(have));
                        } else {
                            return Err(Error::Load(format!(
                                "ld_imm64 of {} (a function pointer?) is not handled",
                                y.name
                            )));
                        }
                    }
                    0x85 => {
                        let src = insn[1] >> 4;
                        if src == 2 || y.shndx == 0 {
                            let idx = Func::ALL
                                .iter()
                                .position(|f| f.is_kfunc() && f.name() == y.name)
                                .ok_or_else(|| Error::Load(format!("kfunc {} is not modelled", y.name)))?;
                            set_imm(&mut code, i, (KFUNC_BASE + idx as u32) as i32);
                            set_src(&mut code, i, 0);
                        } else if src == 1 {
                            let sec_base = if text.is_some_and(|(ti, _)| ti == shndx) {
                                text_base as i64
                            } else if shndx == si {
                                -(start as i64 / 8)
                            } else {
                                return Err(Error::Load(format!("call into section {shndx}")));
                            };
                            let target = sec_base + y.value as i64 / 8 + i64::from(imm_of(insn)) + 1;
                            let new = i32::try_from(target - (i as i64 + 1))
                                .map_err(|_| Error::Load("call offset".into()))?;
                            set_imm(&mut code, i, new);
                        }
                    }
                    op => return Err(Error::Load(format!("relocation on opcode {op:#x}"))),
                }
            }
            let mut insns = prologue();
            insns.extend_from_slice(&code);
            programs.push(Program { name: sym.name.clone(), section: s.name.clone(), insns });
        }
    }
    Ok(Object { programs, maps })
}

/// `r6 = r1; r1 = r10; call STACK_MARK; r1 = r6; r6 = 0`.
fn prologue() -> Vec<u8> {
    let mut p = Vec::with_capacity(40);
    p.extend_from_slice(&[0xbf, 0x16, 0, 0, 0, 0, 0, 0]);
    p.extend_from_slice(&[0xbf, 0xa1, 0, 0, 0, 0, 0, 0]);
    p.extend_from_slice(&[0x85, 0, 0, 0]);
    p.extend_from_slice(&STACK_MARK.to_le_bytes());
    p.extend_from_slice(&[0xbf, 0x61, 0, 0, 0, 0, 0, 0]);
    p.extend_from_slice(&[0xb7, 0x06, 0, 0, 0, 0, 0, 0]);
    p
}

// ------------------------------------------------------------------------------------------------------
// The run: rbpf's helpers are plain `fn`s, so the environment of the current run is found through a
// thread-local.

struct Current {
    env: *mut Env,
    ctx: (u64, u64),
    stack_top: Cell<u64>,
    fault: RefCell<Option<Fault>>,
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
}

/// The program's memory in rbpf: its stack (known from the prologue) and its context.
struct RbpfMemory {
    stack: (u64, u64),
    ctx: (u64, u64),
}

impl Memory for RbpfMemory {
    fn translate(&self, addr: u64, len: u64, _access: Access) -> Option<&[Cell<u8>]> {
        let end = addr.checked_add(len)?;
        let inside = |(lo, hi): (u64, u64)| lo != 0 && addr >= lo && end <= hi;
        if !(inside(self.stack) || inside(self.ctx)) {
            return None;
        }
        let n = usize::try_from(len).ok()?;
        // SAFETY: [addr, addr + len) lies inside rbpf's stack vector or the context slice passed to
        // `execute_program`, both alive for the whole run, and this is called from a helper inside that
        // run, on the run's thread. rbpf itself reads and writes these bytes through raw pointers; while a
        // helper runs, rbpf does not touch them, and the cells do not outlive the helper call (`Env`
        // borrows them for one dispatch). `Cell<u8>` has the layout of `u8`.
        Some(unsafe { std::slice::from_raw_parts(addr as *const Cell<u8>, n) })
    }
}

fn dispatch(call: impl FnOnce(&mut Env, &dyn Memory) -> Result<u64, Fault>) -> u64 {
    CURRENT.with(|c| {
        let c = c.borrow();
        let Some(cur) = c.as_ref() else { return 0 };
        if cur.fault.borrow().is_some() {
            return 0;
        }
        let top = cur.stack_top.get();
        let mem = RbpfMemory { stack: (top.saturating_sub(STACK_SIZE), top), ctx: cur.ctx };
        // SAFETY: `run` set `env` from its `&mut Env` for the duration of `execute_program` and clears it
        // before returning; helpers run inside that call on this thread, one at a time (rbpf does not
        // nest them), so this is the only live reference to the environment.
        let env = unsafe { &mut *cur.env };
        match call(env, &mem) {
            Ok(v) => v,
            Err(f) => {
                *cur.fault.borrow_mut() = Some(f);
                0
            }
        }
    })
}

fn helper<const ID: u32>(a: u64, b: u64, c: u64, d: u64, e: u64) -> u64 {
    dispatch(|env, mem| env.call_helper(mem, ID, [a, b, c, d, e]))
}

fn kfunc<const I: usize>(a: u64, b: u64, c: u64, d: u64, e: u64) -> u64 {
    dispatch(|env, mem| match Func::ALL.get(I) {
        Some(&f) => env.call(mem, f, [a, b, c, d, e]),
        None => Err(Fault::UnknownHelper(KFUNC_BASE + I as u32)),
    })
}

fn stack_mark(top: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    CURRENT.with(|c| {
        if let Some(cur) = c.borrow().as_ref() {
            cur.stack_top.set(top);
        }
    });
    0
}

type HelperFn = fn(u64, u64, u64, u64, u64) -> u64;

/// Every helper id the environment answers, with its function.
const HELPERS: &[(u32, HelperFn)] = &[
    (1, helper::<1>),
    (6, helper::<6>),
    (113, helper::<113>),
    (49, helper::<49>),
    (57, helper::<57>),
    (130, helper::<130>),
    (131, helper::<131>),
    (132, helper::<132>),
    (133, helper::<133>),
    (134, helper::<134>),
    (197, helper::<197>),
    (198, helper::<198>),
    (199, helper::<199>),
    (200, helper::<200>),
    (201, helper::<201>),
    (202, helper::<202>),
    (203, helper::<203>),
    (209, helper::<209>),
];

macro_rules! kfuncs {
    ($($i:literal)*) => { &[$(kfunc::<$i>),*] };
}

/// One function per index of [`Func::ALL`] (which has fewer than 64 entries).
const KFUNCS: &[HelperFn] = kfuncs!(
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
    32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63
);

/// Registers every modelled helper (by uapi id), every kfunc (by [`KFUNC_BASE`]` + index`), the
/// prologue's [`STACK_MARK`], and the environment's map memory as allowed memory.
pub fn register_all(vm: &mut ::rbpf::EbpfVmRaw<'_>, env: &Env) -> Result<(), Error> {
    let vm_err = |e: std::io::Error| Error::Vm(e.to_string());
    for &(id, f) in HELPERS {
        vm.register_helper(id, f).map_err(vm_err)?;
    }
    for (i, f) in Func::ALL.iter().enumerate() {
        if f.is_kfunc() {
            let h = KFUNCS.get(i).ok_or_else(|| Error::Load("more kfuncs than registered slots".into()))?;
            vm.register_helper(KFUNC_BASE + i as u32, *h).map_err(vm_err)?;
        }
    }
    vm.register_helper(STACK_MARK, stack_mark).map_err(vm_err)?;
    for r in env.regions() {
        vm.register_allowed_memory(r);
    }
    Ok(())
}

/// Runs `prog` once in rbpf's interpreter with `ctx` as its context (`r1`; none if empty): its return
/// value, or rbpf's error, or the first fault a helper reported.
pub fn run(env: &mut Env, prog: &Program, ctx: &mut [u8]) -> Result<u64, Error> {
    let mut vm = ::rbpf::EbpfVmRaw::new(Some(&prog.insns)).map_err(|e| Error::Vm(e.to_string()))?;
    register_all(&mut vm, env)?;
    let ctx_range = if ctx.is_empty() { (0, 0) } else { (ctx.as_ptr() as u64, ctx.as_ptr() as u64 + ctx.len() as u64) };
    let installed = CURRENT.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_some() {
            return false;
        }
        *c = Some(Current { env: env as *mut Env, ctx: ctx_range, stack_top: Cell::new(0), fault: RefCell::new(None) });
        true
    });
    if !installed {
        return Err(Error::Vm("a run is already in progress on this thread".into()));
    }
    let r = vm.execute_program(ctx);
    let cur = CURRENT.with(|c| c.borrow_mut().take());
    if let Some(f) = cur.and_then(|c| c.fault.into_inner()) {
        return Err(Error::Fault(f));
    }
    r.map_err(|e| Error::Vm(e.to_string()))
}

//! The availability area: every (function, program) pair of `bpf_model::prog`, judged by the live verifier.
//!
//! For each pair it loads two programs built as raw BPF instructions (`bpf_prog_load` with a log buffer):
//! the *bare* program calls the function with zero arguments (the verdict says whether the availability
//! gate let the call through), the *full* program calls it with correctly typed arguments and companions
//! (see `bpf_model::vectors::availability`). Kfunc calls are `BPF_PSEUDO_KFUNC_CALL` with the function's
//! BTF id in `/sys/kernel/btf/vmlinux`. Program types that need an attach target get the simplest real one
//! (`tp_btf/kfree_skb`, `iter/tcp`, `lsm/socket_sock_rcv_skb`, `tcp_congestion_ops.init`, ...); nothing is
//! attached, so no tracefs, kprobe or ftrace is needed.
//!
//! What this kernel cannot do is probed when the area opens, never assumed: a vehicle whose empty program
//! the kernel refuses (`BPF_PROG_TYPE_UNSPEC`; a type or attach point this release does not have; a build
//! without `CONFIG_BPF_LIRC_MODE2`; a kernel that refuses BPF trampolines, so fentry, LSM and EXT) is
//! reported with the kernel's errno and log line and left out of the walk, and so is a function that this
//! kernel *build* refuses in every program type that may call it (a locally patched verifier that says
//! `<name>() is not allowed` with `-EPERM` where the release's verifier accepts the call). Neither counts
//! as agreement or as disagreement; each is one line when the area opens. EXT programs replace the global
//! BTF-described main function of a small XDP program the area loads for them. A kfunc missing from
//! vmlinux BTF is the loader's verdict (libbpf cannot resolve the extern: `-ESRCH`), recorded as
//! [`Denial::Unknown`].

use crate::conformance::Area;
use crate::kernel::OracleError;
use crate::rng::Rng;
use bpf_model::prog::{availability_for, Attach, CpumaskArgs, Denial, Func, FuncKind, ProgType, Recipe};
use bpf_model::vectors::availability::{
    model_bare, model_full, program_calls, vehicle, AvailabilityCase, AvailabilityOutcome, Gate, Obj, Vehicle, Verdict,
    VEHICLES,
};
use bpf_model::KernelProfile;
use libbpf_rs::libbpf_sys as sys;
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

// ---- instructions -------------------------------------------------------------------------------------

#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct Insn {
    code: u8,
    regs: u8,
    off: i16,
    imm: i32,
}

const _: () = assert!(size_of::<Insn>() == size_of::<sys::bpf_insn>());

const R0: u8 = 0;
const R1: u8 = 1;
const R2: u8 = 2;
const R3: u8 = 3;
const R4: u8 = 4;
const R5: u8 = 5;
const R6: u8 = 6;
const R7: u8 = 7;
const R10: u8 = 10;

const PSEUDO_MAP_FD: u8 = 1;
const PSEUDO_MAP_VALUE: u8 = 2;
const PSEUDO_KFUNC_CALL: u8 = 2;
const PSEUDO_FUNC: u8 = 4;

/// Stack slots: dynptr A, dynptr B, an 8-byte buffer.
const DYNPTR_A: i32 = -16;
const DYNPTR_B: i32 = -32;
const BUF: i32 = -40;

const fn ins(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
    Insn { code, regs: (src << 4) | (dst & 0xf), off, imm }
}

/// A program under construction: jumps to the common exit ("out") and one callback are patched at the end.
struct Asm {
    insns: Vec<Insn>,
    to_out: Vec<usize>,
    to_callback: Vec<usize>,
}

impl Asm {
    fn new() -> Asm {
        Asm { insns: Vec::new(), to_out: Vec::new(), to_callback: Vec::new() }
    }
    fn push(&mut self, i: Insn) {
        self.insns.push(i);
    }
    fn mov(&mut self, dst: u8, src: u8) {
        self.push(ins(0xbf, dst, src, 0, 0));
    }
    fn movi(&mut self, dst: u8, imm: i32) {
        self.push(ins(0xb7, dst, 0, 0, imm));
    }
    /// `dst = fp + off`.
    fn stack(&mut self, dst: u8, off: i32) {
        self.mov(dst, R10);
        self.push(ins(0x07, dst, 0, 0, off));
    }
    fn ldx(&mut self, dst: u8, src: u8, off: i16) {
        self.push(ins(0x79, dst, src, off, 0));
    }
    fn st0(&mut self, off: i32) {
        self.push(ins(0x7a, R10, 0, off as i16, 0));
    }
    fn ld64(&mut self, dst: u8, src: u8, imm: i32, imm2: i32) {
        self.push(ins(0x18, dst, src, 0, imm));
        self.push(ins(0, 0, 0, 0, imm2));
    }
    fn map_fd(&mut self, dst: u8, fd: i32) {
        self.ld64(dst, PSEUDO_MAP_FD, fd, 0);
    }
    fn map_value(&mut self, dst: u8, fd: i32, off: i32) {
        self.ld64(dst, PSEUDO_MAP_VALUE, fd, off);
    }
    fn callback(&mut self, dst: u8) {
        self.to_callback.push(self.insns.len());
        self.ld64(dst, PSEUDO_FUNC, 0, 0);
    }
    fn jz_out(&mut self, reg: u8) {
        self.to_out.push(self.insns.len());
        self.push(ins(0x15, reg, 0, 0, 0));
    }
    fn call(&mut self, kind: FuncKind, btf_id: u32) {
        match kind {
            FuncKind::Helper(id) => self.push(ins(0x85, 0, 0, 0, id as i32)),
            FuncKind::Kfunc => self.push(ins(0x85, 0, PSEUDO_KFUNC_CALL, 0, btf_id as i32)),
        }
    }
    fn finish(mut self, retval: i32) -> Program {
        let out = self.insns.len();
        for &i in &self.to_out {
            self.insns[i].off = (out - i - 1) as i16;
        }
        self.movi(R0, retval);
        self.push(ins(0x95, 0, 0, 0, 0));
        let mut callback = None;
        if !self.to_callback.is_empty() {
            let cb = self.insns.len();
            for &i in &self.to_callback {
                self.insns[i].imm = (cb - i - 1) as i32;
            }
            self.movi(R0, 0);
            self.push(ins(0x95, 0, 0, 0, 0));
            callback = Some(cb as u32);
        }
        Program { insns: self.insns, callback }
    }
}

/// Instructions, and where the callback subprogram starts (such programs need BTF function info).
struct Program {
    insns: Vec<Insn>,
    callback: Option<u32>,
}

/// The program BTF for programs with a callback: `int avail_main(void)` and `int avail_cb(void)`, static.
struct ProgBtf {
    btf: *mut sys::btf,
    main: u32,
    cb: u32,
    /// `int avail_target(struct xdp_md *ctx)`, global: the function an EXT program replaces, and its own.
    target: u32,
}

impl ProgBtf {
    fn new() -> Result<ProgBtf, OracleError> {
        // SAFETY: btf__new_empty returns an owned btf (or an error pointer, checked below); every later call
        // passes that btf and NUL-terminated literals.
        unsafe {
            let btf = sys::btf__new_empty();
            if btf.is_null() || sys::libbpf_get_error(btf as *const _) != 0 {
                return Err(OracleError::Kernel("btf__new_empty failed".into()));
            }
            let mut pb = ProgBtf { btf, main: 0, cb: 0, target: 0 };
            let int = sys::btf__add_int(btf, c"int".as_ptr(), 4, sys::BTF_INT_SIGNED as i32);
            let proto = sys::btf__add_func_proto(btf, int);
            let main = sys::btf__add_func(btf, c"avail_main".as_ptr(), sys::BTF_FUNC_STATIC, proto);
            let cb = sys::btf__add_func(btf, c"avail_cb".as_ptr(), sys::BTF_FUNC_STATIC, proto);
            let xdp_md = sys::btf__add_struct(btf, c"xdp_md".as_ptr(), 0);
            let ptr = sys::btf__add_ptr(btf, xdp_md);
            let proto_ctx = sys::btf__add_func_proto(btf, int);
            let param = sys::btf__add_func_param(btf, c"ctx".as_ptr(), ptr);
            let target = sys::btf__add_func(btf, c"avail_target".as_ptr(), sys::BTF_FUNC_GLOBAL, proto_ctx);
            if int <= 0 || proto <= 0 || main <= 0 || cb <= 0 || xdp_md <= 0 || ptr <= 0 || param < 0 || target <= 0 {
                return Err(OracleError::Kernel("building program BTF failed".into()));
            }
            let err = sys::btf__load_into_kernel(btf);
            if err != 0 {
                return Err(OracleError::Kernel(format!("loading program BTF: {err}")));
            }
            (pb.main, pb.cb, pb.target) = (main as u32, cb as u32, target as u32);
            Ok(pb)
        }
    }

    fn fd(&self) -> u32 {
        // SAFETY: self.btf is a loaded btf owned by self.
        unsafe { sys::btf__fd(self.btf) as u32 }
    }
}

impl Drop for ProgBtf {
    fn drop(&mut self) {
        // SAFETY: self.btf came from btf__new_empty and is freed once (this also closes its fd).
        unsafe { sys::btf__free(self.btf) }
    }
}

// ---- vmlinux BTF --------------------------------------------------------------------------------------

/// vmlinux BTF, parsed by libbpf.
struct Btf(*mut sys::btf);

impl Btf {
    fn load() -> Result<Btf, OracleError> {
        // SAFETY: btf__load_vmlinux_btf takes no arguments and returns an owned btf or an error pointer.
        let p = unsafe { sys::btf__load_vmlinux_btf() };
        // SAFETY: libbpf_get_error accepts any pointer returned by libbpf.
        if p.is_null() || unsafe { sys::libbpf_get_error(p as *const _) } != 0 {
            return Err(OracleError::Kernel("cannot load /sys/kernel/btf/vmlinux".into()));
        }
        Ok(Btf(p))
    }

    fn id(&self, name: &str, kind: u32) -> Option<u32> {
        let c = CString::new(name).ok()?;
        // SAFETY: self.0 is a valid btf for our lifetime and `c` a NUL-terminated string.
        let id = unsafe { sys::btf__find_by_name_kind(self.0, c.as_ptr(), kind) };
        (id > 0).then_some(id as u32)
    }

    /// `(index, byte offset)` of member `member` of struct `strukt`.
    fn member(&self, strukt: &str, member: &str) -> Option<(u32, u32)> {
        let id = self.id(strukt, sys::BTF_KIND_STRUCT)?;
        // SAFETY: `id` is a valid type id of this btf, so the returned pointer is valid while self lives.
        let t = unsafe { sys::btf__type_by_id(self.0, id) };
        if t.is_null() {
            return None;
        }
        // SAFETY: `t` points to a btf_type (12 bytes) followed, for a STRUCT, by `vlen` btf_member records.
        unsafe {
            let info = (*t).info;
            let (vlen, kflag) = (info & 0xffff, info >> 31);
            let members = (t as *const u8).add(size_of::<sys::btf_type>()) as *const sys::btf_member;
            for i in 0..vlen {
                let m = *members.add(i as usize);
                let name = sys::btf__name_by_offset(self.0, m.name_off);
                if !name.is_null() && CStr::from_ptr(name).to_bytes() == member.as_bytes() {
                    let bits = if kflag != 0 { m.offset & 0xff_ffff } else { m.offset };
                    return Some((i, bits / 8));
                }
            }
        }
        None
    }
}

impl Drop for Btf {
    fn drop(&mut self) {
        // SAFETY: self.0 came from btf__load_vmlinux_btf and is freed once.
        unsafe { sys::btf__free(self.0) }
    }
}

// ---- the area -----------------------------------------------------------------------------------------

/// Maps, BTF and the walk over every loadable (function, program) pair.
pub struct AvailabilityArea {
    btf: Btf,
    prog_btf: ProgBtf,
    /// The XDP program EXT vehicles replace the main function of (BTF: `avail_target`, global).
    ext_target: Option<OwnedFd>,
    mem: OwnedFd,
    ringbuf: OwnedFd,
    user_ringbuf: OwnedFd,
    kfunc_ids: HashMap<Func, u32>,
    pairs: Vec<(Func, &'static Vehicle)>,
    next: usize,
    /// Vehicles this kernel cannot load (even an empty program of the vehicle fails), with the kernel's reason.
    pub not_loadable: Vec<(&'static Vehicle, String)>,
    /// Functions this kernel build refuses in every program type that may call them, with the kernel's reason.
    pub refused: Vec<(Func, String)>,
    log: Vec<u8>,
}

fn create_map(kind: u32, name: &str, key: u32, value: u32, max: u32) -> Result<OwnedFd, OracleError> {
    let c = CString::new(name).map_err(|e| OracleError::kernel("map name", e))?;
    // SAFETY: a plain syscall wrapper; `c` outlives the call and NULL opts mean defaults.
    let fd = unsafe { sys::bpf_map_create(kind, c.as_ptr(), key, value, max, std::ptr::null()) };
    if fd < 0 {
        return Err(OracleError::Kernel(format!("creating {name} map: errno {}", -fd)));
    }
    // SAFETY: `fd` is a new file descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A load's result: `Ok` or `(errno, log)`.
type Load = Result<(), (i32, String)>;

impl AvailabilityArea {
    fn kfunc_id(&mut self, f: Func) -> Result<u32, OracleError> {
        self.resolve(f).ok_or_else(|| OracleError::Kernel(format!("{} is not in vmlinux BTF", f.name())))
    }

    /// The kfunc's BTF id in vmlinux (`Some(0)` for a helper), `None` when this kernel's BTF lacks it.
    fn resolve(&mut self, f: Func) -> Option<u32> {
        if !f.is_kfunc() {
            return Some(0);
        }
        if let Some(&id) = self.kfunc_ids.get(&f) {
            return Some(id);
        }
        let id = self.btf.id(f.name(), sys::BTF_KIND_FUNC)?;
        self.kfunc_ids.insert(f, id);
        Some(id)
    }

    /// The first of `calls` the loader cannot resolve: the verdict libbpf gives (`-ESRCH`) before the
    /// program reaches the kernel.
    fn unresolved(&mut self, calls: &[Func]) -> Option<(Func, i32, String)> {
        let f = calls.iter().copied().find(|&f| self.resolve(f).is_none())?;
        Some((f, libc::ESRCH, format!("extern (func ksym) '{}': not found in kernel or module BTFs", f.name())))
    }

    fn call(&mut self, a: &mut Asm, f: Func) -> Result<(), OracleError> {
        let id = if f.is_kfunc() { self.kfunc_id(f)? } else { 0 };
        a.call(f.kind(), id);
        Ok(())
    }

    /// `(expected_attach_type, attach_btf_id)` for the vehicle, or why it cannot be loaded.
    fn attach(&self, v: &Vehicle) -> Result<(u32, u32), String> {
        let func = |name: String| self.btf.id(&name, sys::BTF_KIND_FUNC).ok_or(format!("{name} not in BTF"));
        Ok(match v.prog.attach {
            Attach::Default => match v.prog.prog_type {
                ProgType::CgroupSock => (2, 0),
                ProgType::SkReuseport => (39, 0),
                ProgType::SkLookup => (36, 0),
                ProgType::Netfilter => (45, 0),
                ProgType::Unspec
                | ProgType::SocketFilter
                | ProgType::Kprobe
                | ProgType::SchedCls
                | ProgType::SchedAct
                | ProgType::Tracepoint
                | ProgType::Xdp
                | ProgType::PerfEvent
                | ProgType::CgroupSkb
                | ProgType::LwtIn
                | ProgType::LwtOut
                | ProgType::LwtXmit
                | ProgType::SockOps
                | ProgType::SkSkb
                | ProgType::CgroupDevice
                | ProgType::SkMsg
                | ProgType::RawTracepoint
                | ProgType::CgroupSockAddr
                | ProgType::LwtSeg6local
                | ProgType::LircMode2
                | ProgType::FlowDissector
                | ProgType::CgroupSysctl
                | ProgType::RawTracepointWritable
                | ProgType::CgroupSockopt
                | ProgType::Tracing
                | ProgType::StructOps
                | ProgType::Ext
                | ProgType::Lsm
                | ProgType::Syscall => (0, 0),
            },
            Attach::SockAddr(h) => (h.attach_type(), 0),
            Attach::CgroupGetsockopt => (21, 0),
            Attach::CgroupSetsockopt => (22, 0),
            Attach::TpBtf => {
                let tp = v.target.ok_or("tp_btf vehicle without a tracepoint")?;
                let name = format!("btf_trace_{tp}");
                (23, self.btf.id(&name, sys::BTF_KIND_TYPEDEF).ok_or(format!("{name} not in BTF"))?)
            }
            Attach::Iter(t) => (28, func(format!("bpf_iter_{}", t.name()))?),
            Attach::LsmMac(h) => (27, func(format!("bpf_lsm_{}", h.name()))?),
            Attach::LsmCgroup(h) => (43, func(format!("bpf_lsm_{}", h.name()))?),
            Attach::TcpCaOp | Attach::TcpCaRelease => {
                let member = if v.prog.attach == Attach::TcpCaOp { "init" } else { "release" };
                let st = self.btf.id("tcp_congestion_ops", sys::BTF_KIND_STRUCT).ok_or("no tcp_congestion_ops")?;
                let (idx, _) = self.btf.member("tcp_congestion_ops", member).ok_or("no such member")?;
                (idx, st)
            }
            Attach::Trampoline => (24, func(v.target.ok_or("fentry vehicle without a target")?.to_string())?),
            Attach::ExtOf(_) => {
                self.ext_target.as_ref().ok_or("no EXT target program could be loaded")?;
                (0, self.prog_btf.target)
            }
        })
    }

    fn load(&mut self, v: &Vehicle, prog: &Program) -> Load {
        let (eat, btf_id) = self.attach(v).map_err(|e| (libc::EINVAL, e))?;
        let insns = &prog.insns;
        let ext = v.prog.prog_type == ProgType::Ext;
        let main = if ext { self.prog_btf.target } else { self.prog_btf.main };
        let mut func_info = Vec::new();
        if ext || prog.callback.is_some() {
            func_info.push(sys::bpf_func_info { insn_off: 0, type_id: main });
        }
        if let Some(cb) = prog.callback {
            func_info.push(sys::bpf_func_info { insn_off: cb, type_id: self.prog_btf.cb });
        }
        let prog_btf_fd = self.prog_btf.fd();
        let attach_prog_fd = if ext { self.ext_target.as_ref().map_or(0, |fd| fd.as_raw_fd() as u32) } else { 0 };
        let try_load = |log: Option<&mut Vec<u8>>| -> i32 {
            let mut opts = sys::bpf_prog_load_opts {
                sz: size_of::<sys::bpf_prog_load_opts>() as _,
                expected_attach_type: eat,
                attach_btf_id: btf_id,
                // SYSCALL programs must be sleepable ("Syscall programs can only be sleepable").
                prog_flags: if v.prog.prog_type == ProgType::Syscall { 1 << 4 } else { 0 },
                ..Default::default()
            };
            opts.attach_prog_fd = attach_prog_fd;
            if !func_info.is_empty() {
                let fi = &func_info;
                opts.prog_btf_fd = prog_btf_fd;
                opts.func_info = fi.as_ptr().cast();
                opts.func_info_cnt = fi.len() as u32;
                opts.func_info_rec_size = size_of::<sys::bpf_func_info>() as u32;
            }
            if let Some(buf) = log {
                buf.fill(0);
                opts.log_level = 1;
                opts.log_size = buf.len() as u32;
                opts.log_buf = buf.as_mut_ptr().cast();
            }
            // SAFETY: `insns` is a live array of `Insn`, layout-identical to bpf_insn (checked above); the
            // name and license are NUL-terminated literals; the log buffer (if any) is valid for log_size
            // bytes and outlives the call; `func_info` (if any) lives until the end of `load`.
            unsafe {
                sys::bpf_prog_load(
                    v.prog.prog_type as u32,
                    c"avail".as_ptr(),
                    c"GPL".as_ptr(),
                    insns.as_ptr().cast::<sys::bpf_insn>(),
                    insns.len() as _,
                    &mut opts,
                )
            }
        };
        let fd = try_load(None);
        if fd >= 0 {
            // SAFETY: a new program fd that nothing else owns; dropping it unloads the program.
            drop(unsafe { OwnedFd::from_raw_fd(fd) });
            return Ok(());
        }
        let mut buf = std::mem::take(&mut self.log);
        let fd2 = try_load(Some(&mut buf));
        let text = String::from_utf8_lossy(&buf[..buf.iter().position(|&b| b == 0).unwrap_or(buf.len())]).into_owned();
        self.log = buf;
        if fd2 >= 0 {
            // SAFETY: as above.
            drop(unsafe { OwnedFd::from_raw_fd(fd2) });
            return Ok(());
        }
        Err((-fd, text))
    }

    fn object(&self, a: &mut Asm, dst: u8, o: Obj) -> Result<(), OracleError> {
        match o {
            Obj::None | Obj::Ctx => a.mov(dst, R6),
            Obj::CtxField { off, nullable } => {
                a.ldx(dst, R6, off);
                if nullable {
                    a.jz_out(dst);
                }
            }
            Obj::Arg(i) => a.ldx(dst, R6, 8 * i as i16),
            Obj::ArgField { idx, strukt, member } => {
                let (_, off) = self
                    .btf
                    .member(strukt, member)
                    .ok_or_else(|| OracleError::Kernel(format!("struct {strukt} has no member {member}")))?;
                a.ldx(dst, R6, 8 * idx as i16);
                a.ldx(dst, dst, off as i16);
                a.jz_out(dst);
            }
        }
        Ok(())
    }

    fn emit_from_mem(&self, a: &mut Asm, slot: i32, value_off: i32) {
        a.map_value(R1, self.mem.as_raw_fd(), value_off);
        a.movi(R2, 16);
        a.movi(R3, 0);
        a.stack(R4, slot);
        a.push(ins(0x85, 0, 0, 0, 197));
    }

    /// The bare program: the call with every argument register zero.
    fn bare(&mut self, f: Func, v: &Vehicle) -> Result<Program, OracleError> {
        let mut a = Asm::new();
        for r in R1..=R5 {
            a.movi(r, 0);
        }
        self.call(&mut a, f)?;
        Ok(a.finish(v.retval))
    }

    /// The full program: typed arguments and companions, as the function's [`Recipe`] says.
    fn full(&mut self, f: Func, v: &Vehicle) -> Result<Program, OracleError> {
        use Func::*;
        let mut a = Asm::new();
        a.mov(R6, R1);
        let (rb, urb, mem) = (self.ringbuf.as_raw_fd(), self.user_ringbuf.as_raw_fd(), self.mem.as_raw_fd());
        match f.recipe() {
            Recipe::Sockopt => {
                self.object(&mut a, R1, v.sock)?;
                a.st0(BUF);
                a.movi(R2, 1); // SOL_SOCKET
                a.movi(R3, 36); // SO_MARK
                a.stack(R4, BUF);
                a.movi(R5, 4);
                self.call(&mut a, f)?;
            }
            Recipe::RingbufOutput => {
                a.map_fd(R1, rb);
                a.map_value(R2, mem, 0);
                a.movi(R3, 8);
                a.movi(R4, 0);
                self.call(&mut a, f)?;
            }
            Recipe::RingbufRecord { release } => {
                a.map_fd(R1, rb);
                a.movi(R2, 8);
                a.movi(R3, 0);
                self.call(&mut a, RingbufReserve)?;
                a.jz_out(R0);
                a.mov(R1, R0);
                a.movi(R2, 0);
                self.call(&mut a, release)?;
            }
            Recipe::RingbufQuery => {
                a.map_fd(R1, rb);
                a.movi(R2, 0);
                self.call(&mut a, f)?;
            }
            Recipe::FromMem => self.emit_from_mem(&mut a, DYNPTR_A, 0),
            Recipe::RingbufDynptr { release } => {
                a.map_fd(R1, rb);
                a.movi(R2, 8);
                a.movi(R3, 0);
                a.stack(R4, DYNPTR_A);
                self.call(&mut a, RingbufReserveDynptr)?;
                a.stack(R1, DYNPTR_A);
                a.movi(R2, 0);
                self.call(&mut a, release)?;
            }
            Recipe::DynptrRead => {
                self.emit_from_mem(&mut a, DYNPTR_A, 0);
                a.stack(R1, BUF);
                a.movi(R2, 8);
                a.stack(R3, DYNPTR_A);
                a.movi(R4, 0);
                a.movi(R5, 0);
                self.call(&mut a, f)?;
            }
            Recipe::DynptrWrite => {
                self.emit_from_mem(&mut a, DYNPTR_A, 0);
                a.st0(BUF);
                a.stack(R1, DYNPTR_A);
                a.movi(R2, 0);
                a.stack(R3, BUF);
                a.movi(R4, 8);
                a.movi(R5, 0);
                self.call(&mut a, f)?;
            }
            Recipe::DynptrRange => {
                self.emit_from_mem(&mut a, DYNPTR_A, 0);
                a.stack(R1, DYNPTR_A);
                a.movi(R2, 0);
                a.movi(R3, 8);
                self.call(&mut a, f)?;
            }
            Recipe::UserRingbufDrain => {
                a.map_fd(R1, urb);
                a.callback(R2);
                a.movi(R3, 0);
                a.movi(R4, 0);
                self.call(&mut a, f)?;
            }
            Recipe::DynptrSlice => {
                self.emit_from_mem(&mut a, DYNPTR_A, 0);
                a.stack(R1, DYNPTR_A);
                a.movi(R2, 0);
                a.movi(R3, 0);
                a.movi(R4, 8);
                self.call(&mut a, f)?;
            }
            Recipe::Dynptr => {
                self.emit_from_mem(&mut a, DYNPTR_A, 0);
                a.stack(R1, DYNPTR_A);
                self.call(&mut a, f)?;
            }
            Recipe::DynptrClone => {
                self.emit_from_mem(&mut a, DYNPTR_A, 0);
                a.stack(R1, DYNPTR_A);
                a.stack(R2, DYNPTR_B);
                self.call(&mut a, f)?;
            }
            Recipe::DynptrCopy => {
                self.emit_from_mem(&mut a, DYNPTR_A, 0);
                self.emit_from_mem(&mut a, DYNPTR_B, 32);
                a.stack(R1, DYNPTR_B);
                a.movi(R2, 0);
                a.stack(R3, DYNPTR_A);
                a.movi(R4, 0);
                a.movi(R5, 8);
                self.call(&mut a, f)?;
            }
            Recipe::DynptrMemset => {
                self.emit_from_mem(&mut a, DYNPTR_A, 0);
                a.stack(R1, DYNPTR_A);
                a.movi(R2, 0);
                a.movi(R3, 8);
                a.movi(R4, 0);
                self.call(&mut a, f)?;
            }
            Recipe::FromSkb { .. } => {
                self.object(&mut a, R1, v.skb)?;
                a.movi(R2, 0);
                a.stack(R3, DYNPTR_A);
                self.call(&mut a, f)?;
            }
            Recipe::FromXdp => {
                a.mov(R1, R6);
                a.movi(R2, 0);
                a.stack(R3, DYNPTR_A);
                self.call(&mut a, f)?;
            }
            Recipe::CpumaskNew => {
                self.call(&mut a, CpumaskCreate)?;
                a.jz_out(R0);
                a.mov(R1, R0);
                self.call(&mut a, CpumaskRelease)?;
            }
            Recipe::CpumaskAcquire => {
                self.call(&mut a, CpumaskCreate)?;
                a.jz_out(R0);
                a.mov(R7, R0);
                a.mov(R1, R7);
                self.call(&mut a, f)?;
                a.mov(R1, R0);
                self.call(&mut a, CpumaskRelease)?;
                a.mov(R1, R7);
                self.call(&mut a, CpumaskRelease)?;
            }
            Recipe::Cpumask(args) => {
                self.call(&mut a, CpumaskCreate)?;
                a.jz_out(R0);
                a.mov(R7, R0);
                match args {
                    CpumaskArgs::Mask => a.mov(R1, R7),
                    CpumaskArgs::TwoMasks => {
                        a.mov(R1, R7);
                        a.mov(R2, R7);
                    }
                    CpumaskArgs::CpuMask => {
                        a.movi(R1, 0);
                        a.mov(R2, R7);
                    }
                    CpumaskArgs::ThreeMasks => {
                        a.mov(R1, R7);
                        a.mov(R2, R7);
                        a.mov(R3, R7);
                    }
                    CpumaskArgs::Populate => {
                        a.mov(R1, R7);
                        a.map_value(R2, mem, 0);
                        a.movi(R3, 32);
                    }
                }
                self.call(&mut a, f)?;
                a.mov(R1, R7);
                self.call(&mut a, CpumaskRelease)?;
            }
        }
        Ok(a.finish(v.retval))
    }

    /// Runs `func` in `vehicle` in the live kernel: the bare and the full program.
    pub fn judge(&mut self, func: Func, v: &Vehicle) -> Result<AvailabilityOutcome, OracleError> {
        let bare = match self.unresolved(&[func]) {
            Some((_, errno, _)) => Gate::Denied { denial: Denial::Unknown, errno },
            None => {
                let bare = self.bare(func, v)?;
                match self.load(v, &bare) {
                    Ok(()) => Gate::Passed,
                    Err((errno, log)) => match classify(&log) {
                        Some((denial, _, _)) if denial != Denial::PacketWrite => Gate::Denied { denial, errno },
                        _ => Gate::Passed,
                    },
                }
            }
        };
        let full = match self.full_load(func, v)? {
            Ok(()) => Verdict::Accepted,
            Err((errno, log)) => match classify(&log) {
                Some((denial, name, message)) => Verdict::Denied { denial, func: name, errno, message },
                None => Verdict::Refused { why: last_line(&log) },
            },
        };
        Ok(AvailabilityOutcome { bare, full })
    }

    /// Loads the full program of `func` in `v`: `Ok(Err((errno, log)))` when the kernel (or, for a kfunc
    /// missing from BTF, the loader) refuses it.
    fn full_load(&mut self, func: Func, v: &Vehicle) -> Result<Load, OracleError> {
        if let Some((_, errno, line)) = self.unresolved(&program_calls(func)) {
            return Ok(Err((errno, line)));
        }
        let full = self.full(func, v)?;
        Ok(self.load(v, &full))
    }

    /// `Some(reason)` when this kernel build refuses `func` outright in `v`: `-EPERM` with the log line
    /// `<name>() is not allowed`, a refusal that no release's verifier gives for a call it lets through its
    /// availability gates.
    fn build_refusal(&mut self, func: Func, v: &Vehicle) -> Result<Option<String>, OracleError> {
        let line = format!("{}() is not allowed", func.name());
        Ok(match self.full_load(func, v)? {
            Err((errno, log)) if errno == libc::EPERM && log.lines().any(|l| l.trim_end() == line) => {
                Some(format!("-EPERM, verifier log: {line}"))
            }
            _ => None,
        })
    }

    /// Loads an empty program of the vehicle's type: `Err(reason)` when even that fails.
    fn baseline(&mut self, v: &Vehicle) -> Result<(), String> {
        let mut a = Asm::new();
        a.movi(R0, v.retval);
        a.push(ins(0x95, 0, 0, 0, 0));
        let prog = Program { insns: a.insns, callback: None };
        self.load(v, &prog).map_err(|(errno, log)| {
            let name = bpf_model::Errno::from_raw(errno).and_then(bpf_model::Errno::name).unwrap_or("?");
            let line = last_line(&log);
            let line = if line.is_empty() { "empty verifier log".to_string() } else { format!("verifier log: {line}") };
            format!("an empty program of this type fails to load: -{name}, {line}")
        })
    }

    /// Loads the XDP program whose main function (`avail_target`, global, BTF-described) EXT vehicles replace.
    fn load_ext_target(&mut self) -> Result<OwnedFd, String> {
        let insns = [ins(0xb7, R0, 0, 0, 2), ins(0x95, 0, 0, 0, 0)];
        let fi = [sys::bpf_func_info { insn_off: 0, type_id: self.prog_btf.target }];
        let mut opts = sys::bpf_prog_load_opts {
            sz: size_of::<sys::bpf_prog_load_opts>() as _,
            prog_btf_fd: self.prog_btf.fd(),
            func_info: fi.as_ptr().cast(),
            func_info_cnt: 1,
            func_info_rec_size: size_of::<sys::bpf_func_info>() as u32,
            ..Default::default()
        };
        // SAFETY: `insns` and `fi` are live arrays for the call; name and license are NUL-terminated.
        let fd = unsafe {
            sys::bpf_prog_load(
                ProgType::Xdp as u32,
                c"avail_target".as_ptr(),
                c"GPL".as_ptr(),
                insns.as_ptr().cast::<sys::bpf_insn>(),
                insns.len() as _,
                &mut opts,
            )
        };
        if fd < 0 {
            return Err(format!("loading the EXT target: errno {}", -fd));
        }
        // SAFETY: a new program fd that nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// The loadable pairs, in walk order.
    pub fn pairs(&self) -> &[(Func, &'static Vehicle)] {
        &self.pairs
    }
}

fn last_line(log: &str) -> String {
    let line = log.lines().rev().find(|l| !l.trim().is_empty() && !l.starts_with("processed ")).unwrap_or("");
    line.chars().take(160).collect()
}

/// The availability denial in a verifier log, the function it names, and the log line.
fn classify(log: &str) -> Option<(Denial, String, String)> {
    let mut last_call = String::new();
    for line in log.lines() {
        if let Some(rest) = line.split(") call ").nth(1) {
            last_call = rest.split('#').next().unwrap_or("").trim().to_string();
        }
        if let Some(rest) = line.strip_prefix("program of this type cannot use helper ") {
            let name = rest.split('#').next().unwrap_or("").to_string();
            return Some((Denial::HelperNotAllowed, name, line.trim_end().to_string()));
        }
        if let Some(rest) = line.strip_prefix("calling kernel function ") {
            if let Some(name) = rest.strip_suffix(" is not allowed") {
                return Some((Denial::KfuncNotAllowed, name.to_string(), line.trim_end().to_string()));
            }
        }
        if line.starts_with("the prog does not allow writes to packet data") {
            return Some((Denial::PacketWrite, last_call, line.trim_end().to_string()));
        }
        if let Some(rest) = line.strip_prefix("extern (func ksym) '") {
            let name = rest.split('\'').next().unwrap_or("").to_string();
            return Some((Denial::Unknown, name, line.trim_end().to_string()));
        }
        // Before "program of this type cannot use helper", a helper without a prototype was "unknown func".
        if let Some(rest) = line.strip_prefix("unknown func ") {
            let name = rest.split('#').next().unwrap_or("").to_string();
            return Some((Denial::HelperNotAllowed, name, line.trim_end().to_string()));
        }
        if line.starts_with("invalid func ") {
            let name = line.split_whitespace().nth(2).unwrap_or("").to_string();
            return Some((Denial::Unknown, name, line.trim_end().to_string()));
        }
    }
    None
}

impl Area for AvailabilityArea {
    type Case = AvailabilityCase;

    /// Every (function, vehicle) pair; [`AvailabilityArea::pairs`] is the part this kernel can judge.
    const DEFAULT_CASES: u64 = (Func::ALL.len() * VEHICLES.len()) as u64;

    fn open(profile: &KernelProfile) -> Result<Self, OracleError> {
        let area = AvailabilityArea::open_quiet(profile)?;
        for (v, why) in &area.not_loadable {
            eprintln!(
                "availability: not loadable on this kernel, {} pairs reported and not counted: {} ({}): {why}",
                Func::ALL.len(),
                v.name,
                v.prog.prog_type
            );
        }
        for (f, why) in &area.refused {
            eprintln!(
                "availability: refused by this kernel build in every program type, {} pairs reported and not \
                 counted: {f}: {why}",
                VEHICLES.len() - area.not_loadable.len()
            );
        }
        Ok(area)
    }

    fn default_cases(&self) -> u64 {
        self.pairs.len() as u64
    }

    fn generate(&mut self, _rng: &mut Rng) -> AvailabilityCase {
        let (f, v) = self.pairs[self.next % self.pairs.len()];
        self.next += 1;
        AvailabilityCase::new(f, v)
    }

    fn run_kernel(&mut self, case: &AvailabilityCase) -> Result<AvailabilityOutcome, OracleError> {
        let f = Func::from_name(&case.func).ok_or_else(|| OracleError::Kernel(format!("unknown {}", case.func)))?;
        let v = vehicle(&case.prog).ok_or_else(|| OracleError::Kernel(format!("unknown {}", case.prog)))?;
        self.judge(f, v)
    }
}

impl AvailabilityArea {
    /// Opens the area without printing what this kernel cannot judge (see [`AvailabilityArea::not_loadable`]
    /// and [`AvailabilityArea::refused`]); `profile` is the model's kernel, used to pick the program in which
    /// each function is probed for a build refusal.
    pub fn open_quiet(profile: &KernelProfile) -> Result<AvailabilityArea, OracleError> {
        let mut area = AvailabilityArea {
            btf: Btf::load()?,
            prog_btf: ProgBtf::new()?,
            ext_target: None,
            mem: create_map(sys::BPF_MAP_TYPE_ARRAY, "avail_mem", 4, 64, 1)?,
            ringbuf: create_map(sys::BPF_MAP_TYPE_RINGBUF, "avail_rb", 0, 0, 4096)?,
            user_ringbuf: create_map(sys::BPF_MAP_TYPE_USER_RINGBUF, "avail_urb", 0, 0, 4096)?,
            kfunc_ids: HashMap::new(),
            pairs: Vec::new(),
            next: 0,
            not_loadable: Vec::new(),
            refused: Vec::new(),
            log: vec![0u8; 1 << 20],
        };
        area.ext_target = area.load_ext_target().ok();
        let mut loadable = Vec::new();
        for v in VEHICLES {
            match area.baseline(v) {
                Ok(()) => loadable.push(v),
                Err(why) => area.not_loadable.push((v, why)),
            }
        }
        // A build refusal: the kernel refuses the call where the model accepts it, with the build's own
        // message, and in every other program either that way or at a gate as the model says.
        for &f in Func::ALL {
            let Some(&first) = loadable.iter().find(|v| model_full(f, v, profile) == Verdict::Accepted) else {
                continue;
            };
            let Some(why) = area.build_refusal(f, first)? else { continue };
            let mut everywhere = true;
            for &v in &loadable {
                if area.build_refusal(f, v)?.is_none() && area.judge(f, v)?.full != model_full(f, v, profile) {
                    everywhere = false;
                    break;
                }
            }
            if everywhere {
                area.refused.push((f, why));
            }
        }
        for &v in &loadable {
            let funcs = Func::ALL.iter().filter(|f| !area.refused.iter().any(|(r, _)| r == *f));
            area.pairs.extend(funcs.map(|&f| (f, v)));
        }
        Ok(area)
    }
}

/// `bpf-oracle explain <function>`: the function's page, then per program the model's answer and, when this
/// machine can load BPF, the live kernel's verdict next to it.
pub fn explain(name: &str, profile: &KernelProfile, kernel: bool) -> Result<String, String> {
    let plain = |s: &str| s.replace("**", "").replace("[`crate::", "[`bpf_model::");
    let f = Func::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Func::ALL.iter().map(|f| f.name()).collect();
        format!("unknown function {name:?}; the modelled functions are: {}", names.join(", "))
    })?;
    let d = f.doc();
    let mut o = String::new();
    let kind = match f.kind() {
        FuncKind::Helper(id) => format!("helper #{id}"),
        FuncKind::Kfunc => "kfunc".to_string(),
    };
    o.push_str(&format!("{} ({kind}, since v{})\n\n{}\n\n", f.name(), f.since(), plain(d.summary)));
    o.push_str(&format!("Signature\n  {}\n\nParameters\n", d.signature));
    if d.params.is_empty() {
        o.push_str("  (none)\n");
    }
    for (p, m) in d.params {
        o.push_str(&format!("  {p}: {m}\n"));
    }
    o.push_str(&format!("\nReturns\n  {}\n\n", plain(d.returns)));
    o.push_str(&format!("{}\n\n", plain(d.program_types).replace("# Program types\n\n", "Program types\n  ")));
    o.push_str(&format!("Check order\n  gate: {}\n  {}\n\n", f.gate(), plain(d.checks)));
    let mut area = None;
    let mut kernel_note = String::new();
    if kernel {
        match AvailabilityArea::open_quiet(profile) {
            Ok(a) => area = Some(a),
            Err(e) => kernel_note = format!("(kernel side unavailable: {e})"),
        }
    } else {
        kernel_note = "(kernel side unavailable: this machine cannot load BPF programs)".into();
    }
    o.push_str(&format!(
        "Per program (model for kernel {}; live kernel {})\n",
        profile.version,
        crate::kernel::release()
    ));
    o.push_str(&format!(
        "  {:<40} {:<6} {:<48} {:<48} {}\n",
        "program", "since", "model verdict", "kernel verdict", ""
    ));
    for v in VEHICLES {
        let since = availability_for(f, &v.prog).map_or("never".to_string(), |s| s.to_string());
        let model = fmt_verdict(&model_full(f, v, profile), &model_bare(f, v, profile));
        let (kernel, mark) = match area.as_mut() {
            Some(a) => match a.not_loadable.iter().find(|(n, _)| n.name == v.name) {
                Some((_, why)) => (format!("not loadable: {why}"), ""),
                None if a.refused.iter().any(|(r, _)| *r == f) => {
                    let why = a.refused.iter().find(|(r, _)| *r == f).map_or("", |(_, w)| w.as_str());
                    (format!("refused by this kernel build: {why}"), "")
                }
                None => match a.judge(f, v) {
                    Ok(k) => {
                        let agree = k.full == model_full(f, v, profile) && k.bare == model_bare(f, v, profile);
                        (fmt_verdict(&k.full, &k.bare), if agree { "agree" } else { "DISAGREE" })
                    }
                    Err(e) => (format!("error: {e}"), "DISAGREE"),
                },
            },
            None => (kernel_note.clone(), ""),
        };
        o.push_str(&format!("  {:<40} {:<6} {:<48} {:<48} {mark}\n", v.name, since, model, kernel));
    }
    o.push_str(&per_kernel(f, &matrix_vectors()));
    Ok(o)
}

/// The recorded availability vectors of one kernel of the matrix.
pub struct KernelVectors {
    /// The series (`"6.12"`).
    pub series: String,
    /// The profile the vectors were recorded on (the model answers with it).
    pub profile: KernelProfile,
    /// `(function, vehicle)` to the kernel's outcome.
    pub outcomes: HashMap<(String, String), AvailabilityOutcome>,
}

/// The directory of the committed vectors (`vectors/` of the workspace).
pub fn vectors_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("vectors")
}

/// Every kernel of the matrix, in order: its recorded vectors, or why there are none.
pub fn matrix_vectors() -> Vec<Result<KernelVectors, String>> {
    use bpf_model::vectors::{Header, Record};
    bpf_model::version::MATRIX
        .iter()
        .map(|&(ma, mi)| {
            let series = format!("{ma}.{mi}");
            let path = vectors_dir().join(&series).join("availability.jsonl");
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{series}: {}: {e}", path.display()))?;
            let mut lines = text.lines().filter(|l| !l.trim().is_empty());
            let header: Header = serde_json::from_str(lines.next().unwrap_or(""))
                .map_err(|e| format!("{series}: {}: bad header: {e}", path.display()))?;
            let mut outcomes = HashMap::new();
            for line in lines {
                let r: Record<AvailabilityCase, AvailabilityOutcome> =
                    serde_json::from_str(line).map_err(|e| format!("{series}: {}: {e}", path.display()))?;
                outcomes.insert((r.case.func, r.case.prog), r.kernel);
            }
            Ok(KernelVectors { series, profile: header.profile, outcomes })
        })
        .collect()
}

/// One short cell per verdict: `ok` accepted, `gate` denied at the availability gate, `unk` unknown to the
/// kernel (or its loader), `arg` refused for an argument the program cannot supply, `-` not judged (the
/// vehicle does not load there, or the build refuses the function).
fn cell(o: Option<&AvailabilityOutcome>) -> &'static str {
    match o.map(|o| &o.full) {
        None => "-",
        Some(Verdict::Accepted) => "ok",
        Some(Verdict::Denied { denial: Denial::Unknown, .. }) => "unk",
        Some(Verdict::Denied { .. }) => "gate",
        Some(Verdict::Refused { .. }) => "arg",
    }
}

/// The per-kernel table of `explain`: for each program, the verdict each kernel of the matrix recorded,
/// `!` after a cell where the model (with that kernel's profile) answers otherwise.
pub fn per_kernel(f: Func, kernels: &[Result<KernelVectors, String>]) -> String {
    let mut o = String::from(
        "\nPer kernel of the matrix (recorded: vectors/<series>/availability.jsonl; ok accepted, gate denied at \
         the gate,\n  unk unknown, arg refused for an argument, - not judged there, ! the model disagrees)\n",
    );
    for k in kernels.iter().filter_map(|k| k.as_ref().err()) {
        o.push_str(&format!("  (no vectors: {k})\n"));
    }
    let ks: Vec<&KernelVectors> = kernels.iter().filter_map(|k| k.as_ref().ok()).collect();
    o.push_str(&format!("  {:<40}", "program"));
    for k in &ks {
        o.push_str(&format!(" {:>6}", k.series));
    }
    o.push('\n');
    for v in VEHICLES {
        o.push_str(&format!("  {:<40}", v.name));
        for k in &ks {
            let rec = k.outcomes.get(&(f.name().to_string(), v.name.to_string()));
            let disagree =
                rec.is_some_and(|r| r.full != model_full(f, v, &k.profile) || r.bare != model_bare(f, v, &k.profile));
            o.push_str(&format!(" {:>6}", format!("{}{}", cell(rec), if disagree { "!" } else { "" })));
        }
        o.push('\n');
    }
    o
}

fn fmt_verdict(full: &Verdict, bare: &Gate) -> String {
    let gate = match bare {
        Gate::Passed => "gate open",
        Gate::Denied { .. } => "gate shut",
    };
    match full {
        Verdict::Accepted => format!("accepted [{gate}]"),
        Verdict::Denied { denial: Denial::ProgType, .. } => "type not loadable (-EINVAL)".to_string(),
        Verdict::Denied { denial, func, errno, .. } => {
            let errno = bpf_model::Errno::from_raw(*errno).and_then(bpf_model::Errno::name).unwrap_or("?");
            format!("{denial:?} {func} -{errno} [{gate}]")
        }
        Verdict::Refused { .. } => format!("refused: argument [{gate}]"),
    }
}

//! The C face of bpf-model: the helpers and kfuncs as `extern "C"` symbols with the kernel's signatures
//! (`include/bpf_model.h`), so that BPF C code compiled natively (the scx project's unit-test pattern)
//! links against the model instead of the kernel.
//!
//! Each call goes to one [`Env`] per thread, made on first use for this machine's kernel
//! ([`KernelProfile::detect`]) or by `bpf_model_reset()`. Pointers are host pointers: the C caller
//! promises what the kernel's verifier would have checked (that every pointer it passes is valid for the
//! length it passes); a null pointer, an unknown handle, a forged dynptr or a double submit is a fault,
//! which the call answers with `-EFAULT` (or NULL, or nothing) and `bpf_model_last_fault()` describes.

#![allow(clippy::missing_safety_doc)] // the header documents each function's contract

use bpf_model::embed::{Access, Env, Fault, MapDef, Memory};
use bpf_model::sockopt::{CallCtx, Sock, TCP_ESTABLISHED};
use bpf_model::KernelProfile;
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int, c_long, c_void};

thread_local! {
    static ENV: RefCell<Option<Env>> = const { RefCell::new(None) };
    static LAST_FAULT: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The native program's memory: any non-null address, as the C caller promises.
struct Host;

impl Memory for Host {
    fn translate(&self, addr: u64, len: u64, _access: Access) -> Option<&[Cell<u8>]> {
        if addr == 0 {
            return None;
        }
        let n = usize::try_from(len).ok()?;
        // SAFETY: the C caller promises (the header's contract, the verifier's guarantee in the kernel) that
        // every pointer it passes is valid for the length it passes, for the duration of the call, and not
        // accessed by another thread meanwhile. `Cell<u8>` has the layout of `u8`.
        Some(unsafe { std::slice::from_raw_parts(addr as *const Cell<u8>, n) })
    }
}

const EFAULT: i64 = -14;

fn with_env<R>(f: impl FnOnce(&mut Env) -> R) -> Option<R> {
    ENV.with(|e| {
        let mut e = e.borrow_mut();
        if e.is_none() {
            *e = Env::new(KernelProfile::detect().profile).ok();
        }
        e.as_mut().map(f)
    })
}

fn note(f: &Fault) {
    LAST_FAULT.with(|l| *l.borrow_mut() = f.to_string());
}

/// A helper by id; a fault is `on_fault`.
fn helper(id: u32, a: [u64; 5], on_fault: u64) -> u64 {
    with_env(|env| env.call_helper(&Host, id, a)).map_or(on_fault, |r| {
        r.unwrap_or_else(|f| {
            note(&f);
            on_fault
        })
    })
}

/// A kfunc by name; a fault is `on_fault`.
fn kfunc(name: &str, a: [u64; 5], on_fault: u64) -> u64 {
    with_env(|env| env.call_kfunc(&Host, name, a)).map_or(on_fault, |r| {
        r.unwrap_or_else(|f| {
            note(&f);
            on_fault
        })
    })
}

fn p<T>(ptr: *const T) -> u64 {
    ptr as u64
}

// ------------------------------------------------------------------------------------------------------
// The environment.

/// Starts a fresh environment for the kernel `major.minor` (0.0: this machine's); 0, or -EINVAL when the
/// model does not speak for that version.
#[no_mangle]
pub extern "C" fn bpf_model_reset(major: u32, minor: u32) -> c_int {
    let profile = if major == 0 {
        Some(KernelProfile::detect().profile)
    } else {
        u16::try_from(major).ok().zip(u16::try_from(minor).ok()).and_then(|(a, b)| KernelProfile::debian(a, b))
    };
    match profile.and_then(|p| Env::new(p).ok()) {
        Some(env) => {
            ENV.with(|e| *e.borrow_mut() = Some(env));
            0
        }
        None => -22,
    }
}

/// A RINGBUF map of `max_entries` bytes: its handle (what a program passes as `&ringbuf`), or NULL.
#[no_mangle]
pub extern "C" fn bpf_model_ringbuf_new(max_entries: u32) -> *mut c_void {
    with_env(|env| env.create_map(MapDef::Ringbuf { max_entries }).unwrap_or(0)).unwrap_or(0) as *mut c_void
}

/// Copies the oldest committed record of `ringbuf` into `buf` (at most `cap` bytes) and consumes it: its
/// size, or -1 when there is none.
///
/// # Safety
/// `buf` is valid for `cap` bytes of writes.
#[no_mangle]
pub unsafe extern "C" fn bpf_model_ringbuf_consume(ringbuf: *mut c_void, buf: *mut c_void, cap: u32) -> c_long {
    let rec = with_env(|env| {
        let rb = env.ringbuf(ringbuf as u64)?;
        let mut c = rb.consumer()?;
        let mut out = None;
        let _ = c.consume(1, |r| {
            out = Some(r.data().to_vec());
            0
        });
        out
    })
    .flatten();
    match rec {
        Some(r) => {
            let n = r.len().min(cap as usize);
            if n > 0 && !buf.is_null() {
                // SAFETY: `buf` is valid for `cap >= n` bytes (the caller's contract); `r` is a separate Vec.
                unsafe { std::ptr::copy_nonoverlapping(r.as_ptr(), buf.cast::<u8>(), n) };
            }
            r.len() as c_long
        }
        None => -1,
    }
}

/// A TCP socket in state `state` (1: ESTABLISHED), IPv6 if `v6`, as a sock_ops program in callback `op`
/// sees it: its handle, the `bpf_socket` argument of `bpf_setsockopt` / `bpf_getsockopt`.
#[no_mangle]
pub extern "C" fn bpf_model_tcp_socket(v6: c_int, state: u8, op: u32) -> *mut c_void {
    let state = if state == 0 { TCP_ESTABLISHED } else { state };
    with_env(|env| {
        let sock = Sock::tcp(v6 != 0, state, env.rules(), env.profile());
        env.add_socket(sock, CallCtx::sock_ops(op))
    })
    .unwrap_or(0) as *mut c_void
}

/// The last fault's description, NUL-terminated in `buf` (at most `cap` bytes); its length, 0 if none.
///
/// # Safety
/// `buf` is valid for `cap` bytes of writes.
#[no_mangle]
pub unsafe extern "C" fn bpf_model_last_fault(buf: *mut c_char, cap: u32) -> c_int {
    LAST_FAULT.with(|l| {
        let l = l.borrow();
        if cap > 0 && !buf.is_null() {
            let n = l.len().min(cap as usize - 1);
            // SAFETY: `buf` is valid for `cap > n` bytes (the caller's contract).
            unsafe {
                std::ptr::copy_nonoverlapping(l.as_ptr(), buf.cast::<u8>(), n);
                *buf.add(n) = 0;
            }
        }
        l.len() as c_int
    })
}

// ------------------------------------------------------------------------------------------------------
// Helpers (include/uapi/linux/bpf.h ids).

macro_rules! helpers {
    ($( $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty = $id:literal, fault $f:expr; )*) => {$(
        #[doc = concat!("`", stringify!($name), "` (helper ", stringify!($id), "), the kernel's signature.")]
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            let mut a = [0u64; 5];
            let vals: &[u64] = &[$(Reg::reg($arg)),*];
            a[..vals.len()].copy_from_slice(vals);
            <$ret as FromReg>::from_reg(helper($id, a, $f as u64))
        }
    )*};
}

macro_rules! kfuncs {
    ($( $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty, fault $f:expr; )*) => {$(
        #[doc = concat!("The kfunc `", stringify!($name), "`, the kernel's signature.")]
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            let mut a = [0u64; 5];
            let vals: &[u64] = &[$(Reg::reg($arg)),*];
            a[..vals.len()].copy_from_slice(vals);
            <$ret as FromReg>::from_reg(kfunc(stringify!($name), a, $f as u64))
        }
    )*};
}

/// An argument as its register: pointers as addresses, integers zero- or sign-extended as C does.
trait Reg {
    fn reg(self) -> u64;
}

impl<T> Reg for *mut T {
    fn reg(self) -> u64 {
        p(self)
    }
}

impl<T> Reg for *const T {
    fn reg(self) -> u64 {
        p(self)
    }
}

impl Reg for u64 {
    fn reg(self) -> u64 {
        self
    }
}

impl Reg for u32 {
    fn reg(self) -> u64 {
        u64::from(self)
    }
}

impl Reg for u8 {
    fn reg(self) -> u64 {
        u64::from(self)
    }
}

impl Reg for c_int {
    fn reg(self) -> u64 {
        i64::from(self) as u64
    }
}

impl Reg for usize {
    fn reg(self) -> u64 {
        self as u64
    }
}

/// `r0` as the C return type.
trait FromReg {
    fn from_reg(r: u64) -> Self;
}

impl FromReg for bool {
    fn from_reg(r: u64) -> bool {
        r as u8 != 0
    }
}

impl FromReg for c_int {
    fn from_reg(r: u64) -> c_int {
        r as c_int
    }
}

impl FromReg for c_long {
    fn from_reg(r: u64) -> c_long {
        r as c_long
    }
}

impl FromReg for u32 {
    fn from_reg(r: u64) -> u32 {
        r as u32
    }
}

impl FromReg for u64 {
    fn from_reg(r: u64) -> u64 {
        r
    }
}

impl FromReg for *mut c_void {
    fn from_reg(r: u64) -> *mut c_void {
        r as *mut c_void
    }
}

/// `struct bpf_dynptr`: 16 opaque bytes.
#[repr(C, align(8))]
pub struct Dynptr {
    _opaque: [u64; 2],
}

/// The unit C functions returning `void` get.
type Void = ();

helpers! {
    bpf_setsockopt(sk: *mut c_void, level: c_int, optname: c_int, optval: *mut c_void, optlen: c_int) -> c_long = 49, fault EFAULT;
    bpf_getsockopt(sk: *mut c_void, level: c_int, optname: c_int, optval: *mut c_void, optlen: c_int) -> c_long = 57, fault EFAULT;
    bpf_ringbuf_output(ringbuf: *mut c_void, data: *mut c_void, size: u64, flags: u64) -> c_long = 130, fault EFAULT;
    bpf_ringbuf_reserve(ringbuf: *mut c_void, size: u64, flags: u64) -> *mut c_void = 131, fault 0;
    bpf_ringbuf_query(ringbuf: *mut c_void, flags: u64) -> u64 = 134, fault 0;
    bpf_dynptr_from_mem(data: *mut c_void, size: u32, flags: u64, ptr: *mut Dynptr) -> c_long = 197, fault EFAULT;
    bpf_ringbuf_reserve_dynptr(ringbuf: *mut c_void, size: u32, flags: u64, ptr: *mut Dynptr) -> c_long = 198, fault EFAULT;
    bpf_dynptr_read(dst: *mut c_void, len: u32, src: *const Dynptr, offset: u32, flags: u64) -> c_long = 201, fault EFAULT;
    bpf_dynptr_write(dst: *const Dynptr, offset: u32, src: *mut c_void, len: u32, flags: u64) -> c_long = 202, fault EFAULT;
    bpf_dynptr_data(ptr: *const Dynptr, offset: u32, len: u32) -> *mut c_void = 203, fault 0;
    bpf_probe_read_kernel(dst: *mut c_void, size: u32, unsafe_ptr: *const c_void) -> c_long = 113, fault EFAULT;
}

/// `void` helpers: the answer is dropped.
macro_rules! void_helpers {
    ($( $name:ident ( $($arg:ident : $ty:ty),* ) = $id:literal; )*) => {$(
        #[doc = concat!("`", stringify!($name), "` (helper ", stringify!($id), "), the kernel's signature.")]
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) {
            let mut a = [0u64; 5];
            let vals: &[u64] = &[$(Reg::reg($arg)),*];
            a[..vals.len()].copy_from_slice(vals);
            let _: Void = { helper($id, a, 0); };
        }
    )*};
}

void_helpers! {
    bpf_ringbuf_submit(data: *mut c_void, flags: u64) = 132;
    bpf_ringbuf_discard(data: *mut c_void, flags: u64) = 133;
    bpf_ringbuf_submit_dynptr(ptr: *mut Dynptr, flags: u64) = 199;
    bpf_ringbuf_discard_dynptr(ptr: *mut Dynptr, flags: u64) = 200;
}

kfuncs! {
    bpf_dynptr_slice(p: *const Dynptr, offset: u32, buffer: *mut c_void, buffer_szk: u32) -> *mut c_void, fault 0;
    bpf_dynptr_slice_rdwr(p: *const Dynptr, offset: u32, buffer: *mut c_void, buffer_szk: u32) -> *mut c_void, fault 0;
    bpf_dynptr_adjust(p: *const Dynptr, start: u32, end: u32) -> c_int, fault EFAULT;
    bpf_dynptr_is_null(p: *const Dynptr) -> bool, fault 0;
    bpf_dynptr_is_rdonly(p: *const Dynptr) -> bool, fault 0;
    bpf_dynptr_size(p: *const Dynptr) -> u32, fault EFAULT;
    bpf_dynptr_clone(p: *const Dynptr, clone: *mut Dynptr) -> c_int, fault EFAULT;
    bpf_dynptr_copy(dst: *mut Dynptr, dst_off: u32, src: *mut Dynptr, src_off: u32, size: u32) -> c_int, fault EFAULT;
    bpf_dynptr_memset(p: *mut Dynptr, offset: u32, size: u32, val: u8) -> c_int, fault EFAULT;
    bpf_cpumask_create() -> *mut c_void, fault 0;
    bpf_cpumask_acquire(m: *mut c_void) -> *mut c_void, fault 0;
    bpf_cpumask_first(m: *const c_void) -> u32, fault 0;
    bpf_cpumask_first_zero(m: *const c_void) -> u32, fault 0;
    bpf_cpumask_first_and(a: *const c_void, b: *const c_void) -> u32, fault 0;
    bpf_cpumask_test_cpu(cpu: u32, m: *const c_void) -> bool, fault 0;
    bpf_cpumask_test_and_set_cpu(cpu: u32, m: *mut c_void) -> bool, fault 0;
    bpf_cpumask_test_and_clear_cpu(cpu: u32, m: *mut c_void) -> bool, fault 0;
    bpf_cpumask_and(d: *mut c_void, a: *const c_void, b: *const c_void) -> bool, fault 0;
    bpf_cpumask_equal(a: *const c_void, b: *const c_void) -> bool, fault 0;
    bpf_cpumask_intersects(a: *const c_void, b: *const c_void) -> bool, fault 0;
    bpf_cpumask_subset(a: *const c_void, b: *const c_void) -> bool, fault 0;
    bpf_cpumask_empty(m: *const c_void) -> bool, fault 0;
    bpf_cpumask_full(m: *const c_void) -> bool, fault 0;
    bpf_cpumask_any_distribute(m: *const c_void) -> u32, fault 0;
    bpf_cpumask_any_and_distribute(a: *const c_void, b: *const c_void) -> u32, fault 0;
    bpf_cpumask_weight(m: *const c_void) -> u32, fault 0;
    bpf_cpumask_populate(m: *mut c_void, src: *mut c_void, src_sz: usize) -> c_int, fault EFAULT;
}

/// `void` kfuncs.
macro_rules! void_kfuncs {
    ($( $name:ident ( $($arg:ident : $ty:ty),* ); )*) => {$(
        #[doc = concat!("The kfunc `", stringify!($name), "`, the kernel's signature.")]
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) {
            let mut a = [0u64; 5];
            let vals: &[u64] = &[$(Reg::reg($arg)),*];
            a[..vals.len()].copy_from_slice(vals);
            kfunc(stringify!($name), a, 0);
        }
    )*};
}

void_kfuncs! {
    bpf_cpumask_release(m: *mut c_void);
    bpf_cpumask_set_cpu(cpu: u32, m: *mut c_void);
    bpf_cpumask_clear_cpu(cpu: u32, m: *mut c_void);
    bpf_cpumask_setall(m: *mut c_void);
    bpf_cpumask_clear(m: *mut c_void);
    bpf_cpumask_or(d: *mut c_void, a: *const c_void, b: *const c_void);
    bpf_cpumask_xor(d: *mut c_void, a: *const c_void, b: *const c_void);
    bpf_cpumask_copy(d: *mut c_void, s: *const c_void);
}

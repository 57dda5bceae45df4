//! The model inside a user-space BPF runtime: helpers and kfuncs called with five `u64` registers, on
//! the program's memory by address.
//!
//! A runtime (rbpf, ubpf, a bpftime-like one) runs a program's instructions; at each `call` it hands the
//! registers to [`Env::call_helper`] (by the uapi id) or [`Env::call_kfunc`] (by the kernel name) and
//! puts the answer in `r0`, with the kernel's calling convention: a helper's `long` is the `u64` two's
//! complement of `-errno`, an `int` kfunc's is sign-extended, a `u32` or `bool` one zero-extended, a
//! pointer is an address or 0.
//!
//! Pointers are addresses. The runtime implements [`Memory`] (an address, a length and an access give
//! the program's bytes as cells, or nothing); the environment owns the maps (ARRAY for map values and the
//! `.bss`, `.data`, `.rodata` sections, RINGBUF, USER_RINGBUF), cpumask objects and sockets, and answers
//! for their memory itself: [`Env::regions`] gives the address range of every map's memory, so that the
//! runtime can let the program load from and store into map values and reserved records.
//!
//! The program's `struct bpf_dynptr` is 16 bytes of its memory in the kernel's `bpf_dynptr_kern` layout
//! ([`DynptrKern`]): the data address, the size word (size in bits 0..23, type in 28..30, read-only in
//! 31) and the offset. The environment reads it, runs the model's dynptr operation, and writes it back.
//!
//! What the kernel's verifier would have refused (a bad pointer, a forged or stale dynptr, an address that
//! is no reserved sample, a double submit, a wrong handle, an unknown id or name, a function the profile's
//! kernel does not have) is a [`Fault`]; what the kernel checks at run time gets the kernel's answer.
//! Nothing a program passes makes the host panic or touch memory it does not own.
//!
//! ```
//! use bpf_model::embed::{Env, MapDef, Regions};
//! use bpf_model::KernelProfile;
//!
//! let mut env = Env::new(KernelProfile::x86_64_v6_18()).unwrap();
//! let rb = env.create_map(MapDef::Ringbuf { max_entries: 4096 }).unwrap();
//! let mut mem = Regions::new();
//! let stack = mem.add(0x1000, 512); // the program's stack at 0x1000..0x1200
//! mem.write(stack, b"hello");
//! // bpf_ringbuf_output(&rb, stack, 5, 0)
//! assert_eq!(env.call_helper(&mem, 130, [rb, stack, 5, 0, 0]), Ok(0));
//! // bpf_ringbuf_reserve_dynptr(&rb, 8, 0, &ptr) with ptr at stack + 16, then the size word
//! assert_eq!(env.call_helper(&mem, 198, [rb, 8, 0, stack + 16, 0]), Ok(0));
//! let kern = env.dynptr_at(&mem, stack + 16).unwrap();
//! assert_eq!(kern.size, 0x2000_0008); // RINGBUF, size 8
//! assert_eq!(env.call_kfunc(&mem, "bpf_dynptr_memset", [stack + 16, 0, 8, 0x41, 0]), Ok(0));
//! assert_eq!(env.call_helper(&mem, 199, [stack + 16, 0, 0, 0, 0]), Ok(0)); // submit
//! let records: Vec<Vec<u8>> = env.drain_ringbuf(rb).unwrap();
//! assert_eq!(records, [b"hello".to_vec(), b"AAAAAAAA".to_vec()]);
//! ```

mod adapt;
#[cfg(feature = "rbpf")]
mod elf;
mod printk;
#[cfg(feature = "rbpf")]
pub mod rbpf;

use crate::cpumask::{BpfCpumask, CpumaskAlloc, DistributeCursor};
use crate::dynptr::{Dynptr, DynptrType, Slice, DYNPTR_RDONLY_BIT, DYNPTR_SIZE_MASK, DYNPTR_TYPE_SHIFT};
use crate::prog::Func;
use crate::ringbuf::{RingBuf, UserRingBuf};
use crate::sockopt::{CallCtx, Sock};
use crate::{Errno, KernelProfile, Rules};
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;

/// How the program accesses memory.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    /// A load.
    Read,
    /// A store (read-only memory refuses it).
    Write,
}

/// The program's memory as the runtime sees it: the stack, the context, and whatever else it lets the
/// program address. The environment asks for every byte a helper touches outside its own maps.
pub trait Memory {
    /// The `len` bytes at `addr` as cells, if the program may access all of them with `access`; `None`
    /// otherwise (the environment reports a [`Fault::BadPointer`]). `len` is never 0.
    fn translate(&self, addr: u64, len: u64, access: Access) -> Option<&[Cell<u8>]>;
}

/// A [`Memory`] made of owned regions at chosen addresses: for tests, and for runtimes whose program
/// memory is a few buffers.
#[derive(Default, Debug)]
pub struct Regions {
    regions: Vec<Region>,
}

/// One region of [`Regions`]: its address, its bytes, whether the program may store into it.
type Region = (u64, Box<[Cell<u8>]>, bool);

impl Regions {
    /// No memory.
    pub fn new() -> Regions {
        Regions::default()
    }

    /// A writable region of `len` zero bytes at `addr`; returns `addr`.
    pub fn add(&mut self, addr: u64, len: usize) -> u64 {
        self.regions.push((addr, (0..len).map(|_| Cell::new(0)).collect(), true));
        addr
    }

    /// A read-only region holding `bytes` at `addr`; returns `addr`.
    pub fn add_rdonly(&mut self, addr: u64, bytes: &[u8]) -> u64 {
        self.regions.push((addr, bytes.iter().map(|&b| Cell::new(b)).collect(), false));
        addr
    }

    /// Host-side write (ignores the read-only flag); false if the range is not inside one region.
    pub fn write(&self, addr: u64, bytes: &[u8]) -> bool {
        match self.find(addr, bytes.len() as u64) {
            Some((cells, _)) => {
                cells.iter().zip(bytes).for_each(|(c, &b)| c.set(b));
                true
            }
            None => false,
        }
    }

    /// Host-side read; `None` if the range is not inside one region.
    pub fn read(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        self.find(addr, len as u64).map(|(cells, _)| cells.iter().map(Cell::get).collect())
    }

    fn find(&self, addr: u64, len: u64) -> Option<(&[Cell<u8>], bool)> {
        self.regions.iter().find_map(|(base, cells, w)| {
            let start = addr.checked_sub(*base)?;
            let end = start.checked_add(len)?;
            let (s, e) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
            cells.get(s..e).map(|c| (c, *w))
        })
    }
}

impl Memory for Regions {
    fn translate(&self, addr: u64, len: u64, access: Access) -> Option<&[Cell<u8>]> {
        let (cells, writable) = self.find(addr, len)?;
        (access == Access::Read || writable).then_some(cells)
    }
}

/// What the kernel's verifier would have refused, reported instead of a helper's answer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Fault {
    /// An argument points at memory the program may not access so.
    BadPointer {
        /// The address.
        addr: u64,
        /// The length.
        len: u64,
        /// The access.
        access: Access,
    },
    /// The 16 bytes at `addr` are no dynptr the program could hold (forged, or stale after a submit).
    BadDynptr {
        /// Where the program's `struct bpf_dynptr` is.
        addr: u64,
        /// Why.
        why: &'static str,
    },
    /// Submit or discard of an address that is no reserved record (a double submit, a forged pointer).
    NotASample {
        /// The address passed.
        addr: u64,
    },
    /// A map, cpumask or socket handle the environment does not hold (or of the wrong kind).
    BadHandle {
        /// The value passed.
        handle: u64,
        /// What the argument should have been.
        expected: &'static str,
    },
    /// No helper with this uapi id is modelled.
    UnknownHelper(u32),
    /// No kfunc with this name is modelled.
    UnknownKfunc(String),
    /// The profile's kernel does not have this function (its verifier refuses the call).
    NotInKernel(&'static str),
    /// The environment cannot do this (named): a packet context, or a BPF callback.
    Unsupported(&'static str),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::BadPointer { addr, len, access } => write!(f, "bad pointer: {access:?} of {len} bytes at {addr:#x}"),
            Fault::BadDynptr { addr, why } => write!(f, "bad dynptr at {addr:#x}: {why}"),
            Fault::NotASample { addr } => write!(f, "{addr:#x} is no reserved ring buffer record"),
            Fault::BadHandle { handle, expected } => write!(f, "{handle:#x} is no {expected}"),
            Fault::UnknownHelper(id) => write!(f, "unknown helper id {id}"),
            Fault::UnknownKfunc(name) => write!(f, "unknown kfunc {name:?}"),
            Fault::NotInKernel(name) => write!(f, "{name} is not in the profile's kernel"),
            Fault::Unsupported(what) => write!(f, "not supported by the environment: {what}"),
        }
    }
}

impl std::error::Error for Fault {}

/// A map to create.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MapDef {
    /// `BPF_MAP_TYPE_ARRAY` (also the `.bss`, `.data` and `.rodata` sections: one entry).
    Array {
        /// `value_size`.
        value_size: u32,
        /// `max_entries`.
        max_entries: u32,
    },
    /// `BPF_MAP_TYPE_RINGBUF` of `max_entries` data bytes.
    Ringbuf {
        /// `max_entries`.
        max_entries: u32,
    },
    /// `BPF_MAP_TYPE_USER_RINGBUF` of `max_entries` data bytes.
    UserRingbuf {
        /// `max_entries`.
        max_entries: u32,
    },
}

/// The kernel's `struct bpf_dynptr_kern` as 16 bytes of program memory: `void *data` (0 for a null
/// dynptr), `u32 size` (size bits 0..23, type 28..30, read-only 31), `u32 offset`. Little-endian.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DynptrKern {
    /// The data address (the memory, or a ring buffer record's payload).
    pub data: u64,
    /// The size word.
    pub size: u32,
    /// The offset into the data.
    pub offset: u32,
}

impl DynptrKern {
    /// The 16 bytes.
    pub fn to_bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.data.to_le_bytes());
        b[8..12].copy_from_slice(&self.size.to_le_bytes());
        b[12..].copy_from_slice(&self.offset.to_le_bytes());
        b
    }

    /// From the 16 bytes.
    pub fn from_bytes(b: [u8; 16]) -> DynptrKern {
        let w = |r: Range<usize>| b[r].iter().rev().fold(0u64, |a, &x| a << 8 | u64::from(x));
        DynptrKern { data: w(0..8), size: w(8..12) as u32, offset: w(12..16) as u32 }
    }
}

const MAP_BASE: u64 = 0xffff_a000_0000_0000;
const CPUMASK_BASE: u64 = 0xffff_b000_0000_0000;
const SOCK_BASE: u64 = 0xffff_c000_0000_0000;
const HANDLE_STRIDE: u64 = 0x1000;

enum MapObj {
    Array { elem_size: u64, max_entries: u32, mem: Box<[Cell<u8>]>, frozen: bool },
    Ring(Box<RingBuf>),
    UserRing(Box<UserRingBuf>),
}

/// A reserved ring buffer record: its map, position and size.
#[derive(Clone, Copy, Debug)]
struct Live {
    map: usize,
    pos: u64,
    size: u64,
}

/// Functions a runtime needs beside the model's: their helper ids.
const BPF_FUNC_MAP_LOOKUP_ELEM: u32 = 1;
const BPF_FUNC_TRACE_PRINTK: u32 = 6;
const BPF_FUNC_PROBE_READ_KERNEL: u32 = 113;

/// The environment: the profile's kernel, its maps, cpumask objects and sockets, and the trace output.
pub struct Env {
    profile: KernelProfile,
    rules: Rules,
    maps: Vec<MapObj>,
    /// Reserved records by payload address.
    live: BTreeMap<u64, Live>,
    cpumask_alloc: CpumaskAlloc,
    /// Cpumask objects by handle: every reference the program holds (`create`, `acquire`).
    cpumasks: HashMap<u64, Vec<BpfCpumask>>,
    next_cpumask: u64,
    cursor: DistributeCursor,
    socks: Vec<(Sock, CallCtx)>,
    trace: Vec<String>,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("profile", &self.profile.name)
            .field("maps", &self.maps.len())
            .field("live_records", &self.live.len())
            .field("cpumasks", &self.cpumasks.len())
            .field("sockets", &self.socks.len())
            .finish()
    }
}

/// Reads the `C` type of an argument register: `u32`/`int` arguments are the low 32 bits.
fn u32_arg(r: u64) -> u32 {
    r as u32
}

fn ret(r: Result<(), Errno>) -> u64 {
    Errno::ret_of(r.map(|()| 0i64)) as u64
}

fn ret_i64(v: i64) -> u64 {
    v as u64
}

/// A small scratch buffer: bytes on the stack up to 512, else on the heap.
fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    if len <= 512 {
        let mut buf = [0u8; 512];
        f(&mut buf[..len])
    } else {
        f(&mut vec![0u8; len])
    }
}

fn cells_read(cells: &[Cell<u8>], out: &mut [u8]) {
    out.iter_mut().zip(cells).for_each(|(o, c)| *o = c.get());
}

fn cells_write(cells: &[Cell<u8>], src: &[u8]) {
    cells.iter().zip(src).for_each(|(c, &b)| c.set(b));
}

impl Env {
    /// An empty environment answering as `profile`'s kernel; `EINVAL` if the model does not speak for
    /// its version.
    pub fn new(profile: KernelProfile) -> Result<Env, Errno> {
        let rules = profile.rules().map_err(|_| Errno::EINVAL)?;
        Ok(Env {
            cpumask_alloc: adapt::cpumask_alloc(&profile),
            profile,
            rules,
            maps: Vec::new(),
            live: BTreeMap::new(),
            cpumasks: HashMap::new(),
            next_cpumask: 1,
            cursor: DistributeCursor::default(),
            socks: Vec::new(),
            trace: Vec::new(),
        })
    }

    /// The profile.
    pub fn profile(&self) -> &KernelProfile {
        &self.profile
    }

    /// The rules of the profile's kernel.
    pub fn rules(&self) -> Rules {
        self.rules
    }

    /// `BPF_MAP_CREATE`: the map's handle (what the loader puts where the program loads `&map`), or the
    /// kernel's errno for a RINGBUF / USER_RINGBUF, `EINVAL` for an empty ARRAY, `ENOMEM` for one above
    /// 1 GiB.
    pub fn create_map(&mut self, def: MapDef) -> Result<u64, Errno> {
        let obj = match def {
            MapDef::Array { value_size, max_entries } => {
                if value_size == 0 || max_entries == 0 {
                    return Err(Errno::EINVAL);
                }
                let elem_size = (u64::from(value_size) + 7) & !7;
                let total = elem_size * u64::from(max_entries);
                if total > 1 << 30 {
                    return Err(Errno::ENOMEM);
                }
                let mem = (0..total).map(|_| Cell::new(0)).collect();
                MapObj::Array { elem_size, max_entries, mem, frozen: false }
            }
            MapDef::Ringbuf { max_entries } => MapObj::Ring(Box::new(adapt::ringbuf(&self.profile, max_entries)?)),
            MapDef::UserRingbuf { max_entries } => {
                MapObj::UserRing(Box::new(adapt::user_ringbuf(&self.profile, max_entries)?))
            }
        };
        self.maps.push(obj);
        Ok(MAP_BASE + (self.maps.len() as u64 - 1) * HANDLE_STRIDE)
    }

    fn map_index(&self, handle: u64) -> Option<usize> {
        let off = handle.checked_sub(MAP_BASE)?;
        let i = usize::try_from(off / HANDLE_STRIDE).ok()?;
        (off % HANDLE_STRIDE == 0 && i < self.maps.len()).then_some(i)
    }

    /// `BPF_MAP_FREEZE` of an ARRAY (the `.rodata` section): the program may no longer store into it.
    pub fn freeze(&mut self, handle: u64) -> bool {
        match self.map_index(handle).map(|i| &mut self.maps[i]) {
            Some(MapObj::Array { frozen, .. }) => {
                *frozen = true;
                true
            }
            _ => false,
        }
    }

    /// The address of an ARRAY map's value `key` (what a global's relocation points at, and what
    /// `bpf_map_lookup_elem` returns), or `None`.
    pub fn map_value_addr(&self, handle: u64, key: u32) -> Option<u64> {
        match self.map_index(handle).map(|i| &self.maps[i]) {
            Some(MapObj::Array { elem_size, max_entries, mem, .. }) if key < *max_entries => {
                Some(mem.as_ptr() as u64 + u64::from(key) * elem_size)
            }
            _ => None,
        }
    }

    /// A copy of an ARRAY map's memory (every value, each padded to 8 bytes), or `None`.
    pub fn array_bytes(&self, handle: u64) -> Option<Vec<u8>> {
        match self.map_index(handle).map(|i| &self.maps[i]) {
            Some(MapObj::Array { mem, .. }) => Some(mem.iter().map(Cell::get).collect()),
            _ => None,
        }
    }

    /// Host-side write into an ARRAY map's memory at byte `off` (what `bpf_map_update_elem` from user
    /// space, or loading a `.data` section, does); false if out of range.
    pub fn write_array(&self, handle: u64, off: usize, bytes: &[u8]) -> bool {
        match self.map_index(handle).map(|i| &self.maps[i]) {
            Some(MapObj::Array { mem, .. }) => match off.checked_add(bytes.len()).and_then(|e| mem.get(off..e)) {
                Some(cells) => {
                    cells_write(cells, bytes);
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    /// The ring buffer behind `handle`, for user space (its consumer).
    pub fn ringbuf(&self, handle: u64) -> Option<&RingBuf> {
        match self.map_index(handle).map(|i| &self.maps[i]) {
            Some(MapObj::Ring(rb)) => Some(rb),
            _ => None,
        }
    }

    /// The user ring buffer behind `handle`, for user space (its producer).
    pub fn user_ringbuf(&mut self, handle: u64) -> Option<&mut UserRingBuf> {
        match self.map_index(handle).map(|i| &mut self.maps[i]) {
            Some(MapObj::UserRing(rb)) => Some(rb),
            _ => None,
        }
    }

    /// Consumes every committed record of the ring behind `handle` (discarded ones skipped), as user
    /// space's `ring_buffer__consume()` does.
    pub fn drain_ringbuf(&self, handle: u64) -> Option<Vec<Vec<u8>>> {
        let rb = self.ringbuf(handle)?;
        let mut c = rb.consumer()?;
        let mut out = Vec::new();
        let _ = c.consume(usize::MAX, |r| {
            out.push(r.data().to_vec());
            0
        });
        Some(out)
    }

    /// The address range of every map's memory: ARRAY values, and each ring's data area (`2 * size`
    /// bytes, records stay contiguous across the wrap). A runtime lets the program load and store there;
    /// the environment itself checks every helper's access (ring records only while reserved).
    pub fn regions(&self) -> Vec<Range<u64>> {
        self.maps
            .iter()
            .map(|m| {
                let cells: &[Cell<u8>] = match m {
                    MapObj::Array { mem, .. } => mem,
                    MapObj::Ring(rb) => adapt::ring_area(rb),
                    MapObj::UserRing(_) => &[],
                };
                let base = cells.as_ptr() as u64;
                base..base + cells.len() as u64
            })
            .filter(|r| !r.is_empty())
            .collect()
    }

    /// Adds a socket the program may pass as `bpf_setsockopt`'s / `bpf_getsockopt`'s first argument,
    /// with the call's context (the caller: which program type and callback). Returns its handle.
    pub fn add_socket(&mut self, sock: Sock, ctx: CallCtx) -> u64 {
        self.socks.push((sock, ctx));
        SOCK_BASE + (self.socks.len() as u64 - 1) * HANDLE_STRIDE
    }

    /// The socket behind `handle`.
    pub fn socket(&self, handle: u64) -> Option<&Sock> {
        self.sock_index(handle).map(|i| &self.socks[i].0)
    }

    fn sock_index(&self, handle: u64) -> Option<usize> {
        let off = handle.checked_sub(SOCK_BASE)?;
        let i = usize::try_from(off / HANDLE_STRIDE).ok()?;
        (off % HANDLE_STRIDE == 0 && i < self.socks.len()).then_some(i)
    }

    /// The cpumask object behind `handle` (any of the program's references to it).
    pub fn cpumask(&self, handle: u64) -> Option<&BpfCpumask> {
        self.cpumasks.get(&handle).and_then(|v| v.first())
    }

    /// How many cpumask objects the program still holds references to.
    pub fn live_cpumasks(&self) -> usize {
        self.cpumasks.len()
    }

    /// The lines `bpf_trace_printk` wrote (what `/sys/kernel/tracing/trace_pipe` shows after the
    /// task prefix), oldest first.
    pub fn trace_output(&self) -> &[String] {
        &self.trace
    }

    /// Takes the trace output.
    pub fn take_trace(&mut self) -> Vec<String> {
        std::mem::take(&mut self.trace)
    }

    /// The program's dynptr at `addr`, as the 16 bytes say.
    pub fn dynptr_at(&self, mem: &dyn Memory, addr: u64) -> Result<DynptrKern, Fault> {
        self.load_kern(mem, addr)
    }

    // --------------------------------------------------------------------------------------------------
    // Memory.

    /// The `len` bytes at `addr`: an ARRAY map's memory, a reserved record's payload, else the runtime's.
    fn cells<'a>(&'a self, mem: &'a dyn Memory, addr: u64, len: u64, access: Access) -> Result<&'a [Cell<u8>], Fault> {
        const EMPTY: &[Cell<u8>] = &[];
        if len == 0 {
            return Ok(EMPTY);
        }
        let fault = Fault::BadPointer { addr, len, access };
        let end = addr.checked_add(len).ok_or(fault.clone())?;
        for m in &self.maps {
            if let MapObj::Array { mem: cells, frozen, .. } = m {
                let base = cells.as_ptr() as u64;
                if addr >= base && end <= base + cells.len() as u64 {
                    if *frozen && access == Access::Write {
                        return Err(fault);
                    }
                    return Ok(&cells[(addr - base) as usize..(end - base) as usize]);
                }
            }
        }
        if let Some((&start, live)) = self.live.range(..=addr).next_back() {
            if end <= start + live.size {
                let payload = self.record_cells(start, live);
                return Ok(&payload[(addr - start) as usize..(end - start) as usize]);
            }
        }
        mem.translate(addr, len, access).filter(|c| c.len() as u64 == len).ok_or(fault)
    }

    /// The payload of a reserved record whose payload starts at `start`.
    fn record_cells(&self, start: u64, live: &Live) -> &[Cell<u8>] {
        match &self.maps[live.map] {
            MapObj::Ring(rb) => {
                let area = adapt::ring_area(rb);
                let off = start - area.as_ptr() as u64;
                &area[off as usize..(off + live.size) as usize]
            }
            MapObj::Array { .. } | MapObj::UserRing(_) => &[],
        }
    }

    fn load_kern(&self, mem: &dyn Memory, addr: u64) -> Result<DynptrKern, Fault> {
        let cells = self.cells(mem, addr, 16, Access::Read)?;
        let mut b = [0u8; 16];
        cells_read(cells, &mut b);
        Ok(DynptrKern::from_bytes(b))
    }

    fn store_kern(&self, mem: &dyn Memory, addr: u64, k: DynptrKern) -> Result<(), Fault> {
        let cells = self.cells(mem, addr, 16, Access::Write)?;
        cells_write(cells, &k.to_bytes());
        Ok(())
    }

    /// Checks that the dynptr at `addr` can be written back (the verifier's stack-slot check), before
    /// any side effect.
    fn kern_slot(&self, mem: &dyn Memory, addr: u64) -> Result<(), Fault> {
        self.cells(mem, addr, 16, Access::Write).map(|_| ())
    }

    /// The model's dynptr for the kernel struct `k` (stored at `at`): its memory found by address, its
    /// offset, size, type and read-only bit as the struct says; the base address of its memory.
    fn dynptr<'a>(&'a self, mem: &'a dyn Memory, at: u64, k: DynptrKern) -> Result<(Dynptr<'a>, u64), Fault> {
        if k.data == 0 {
            return Ok((Dynptr::null(self.rules), 0));
        }
        let bad = |why| Fault::BadDynptr { addr: at, why };
        if k.size & !(DYNPTR_SIZE_MASK | DYNPTR_RDONLY_BIT | 0x7 << DYNPTR_TYPE_SHIFT) != 0 {
            return Err(bad("unused size-word bits set"));
        }
        let size = k.size & DYNPTR_SIZE_MASK;
        let rdonly = k.size & DYNPTR_RDONLY_BIT != 0;
        let total = u64::from(k.offset) + u64::from(size);
        match DynptrType::from_raw((k.size >> DYNPTR_TYPE_SHIFT) & 0x7) {
            Some(DynptrType::Local) => {
                let access = if rdonly { Access::Read } else { Access::Write };
                let cells = self.cells(mem, k.data, total, access).map_err(|_| bad("LOCAL memory not accessible"))?;
                let d = adapt::local_dynptr(self.rules, cells, k.offset, size, rdonly)
                    .ok_or(bad("LOCAL size out of range"))?;
                Ok((d, k.data))
            }
            Some(DynptrType::Ringbuf) => {
                let live = self.live.get(&k.data).ok_or(bad("RINGBUF data is no reserved record (stale?)"))?;
                let cells = self.record_cells(k.data, live);
                let d = adapt::ringbuf_dynptr(self.rules, cells, k.offset, size, rdonly)
                    .ok_or(bad("RINGBUF range past the record"))?;
                Ok((d, k.data))
            }
            Some(DynptrType::Skb | DynptrType::Xdp | DynptrType::SkbMeta) => {
                Err(Fault::Unsupported("SKB, XDP and SKB_META dynptrs (no packet context)"))
            }
            None => Err(bad("no dynptr type")),
        }
    }

    /// The kernel struct of the model's dynptr `d` over memory at `base`.
    fn kern_of(d: &Dynptr<'_>, base: u64) -> DynptrKern {
        if d.is_null() {
            DynptrKern::default()
        } else {
            DynptrKern { data: base, size: d.size_word(), offset: d.offset() }
        }
    }

    fn ring_index(&self, handle: u64) -> Result<usize, Fault> {
        match self.map_index(handle) {
            Some(i) if matches!(self.maps[i], MapObj::Ring(_)) => Ok(i),
            _ => Err(Fault::BadHandle { handle, expected: "RINGBUF map" }),
        }
    }

    fn ring(&self, i: usize) -> Result<&RingBuf, Fault> {
        match self.maps.get(i) {
            Some(MapObj::Ring(rb)) => Ok(rb),
            Some(MapObj::Array { .. } | MapObj::UserRing(_)) | None => {
                Err(Fault::BadHandle { handle: MAP_BASE + i as u64 * HANDLE_STRIDE, expected: "RINGBUF map" })
            }
        }
    }

    fn mask(&self, handle: u64) -> Result<&BpfCpumask, Fault> {
        self.cpumask(handle).ok_or(Fault::BadHandle { handle, expected: "cpumask" })
    }

    // --------------------------------------------------------------------------------------------------
    // Dispatch.

    /// A helper call by uapi id (`call <id>`): the model's helpers, `bpf_map_lookup_elem` (1) on ARRAY
    /// maps, `bpf_trace_printk` (6), whose lines [`Env::trace_output`] returns, and
    /// `bpf_probe_read_kernel` (113) over the environment's memory and cpumask objects.
    pub fn call_helper(&mut self, mem: &dyn Memory, id: u32, args: [u64; 5]) -> Result<u64, Fault> {
        match id {
            BPF_FUNC_MAP_LOOKUP_ELEM => return self.map_lookup_elem(mem, args),
            BPF_FUNC_TRACE_PRINTK => return self.trace_printk(mem, args),
            BPF_FUNC_PROBE_READ_KERNEL => return self.probe_read_kernel(mem, args),
            _ => {}
        }
        match Func::ALL.iter().copied().find(|f| f.helper_id() == Some(id)) {
            Some(f) => self.call(mem, f, args),
            None => Err(Fault::UnknownHelper(id)),
        }
    }

    /// A kfunc call by the kernel's name.
    pub fn call_kfunc(&mut self, mem: &dyn Memory, name: &str, args: [u64; 5]) -> Result<u64, Fault> {
        match Func::ALL.iter().copied().find(|f| f.is_kfunc() && f.name() == name) {
            Some(f) => self.call(mem, f, args),
            None => Err(Fault::UnknownKfunc(name.to_string())),
        }
    }

    /// A call of the modelled function `f` with the program's five argument registers.
    pub fn call(&mut self, mem: &dyn Memory, f: Func, a: [u64; 5]) -> Result<u64, Fault> {
        if !self.rules.at_least(f.since()) {
            return Err(Fault::NotInKernel(f.name()));
        }
        match f {
            Func::Setsockopt => self.setsockopt(mem, a),
            Func::Getsockopt => self.getsockopt(mem, a),
            Func::RingbufOutput => {
                let i = self.ring_index(a[0])?;
                let data = self.cells(mem, a[1], a[2], Access::Read)?;
                let rb = self.ring(i)?;
                Ok(with_scratch(data.len(), |buf| {
                    cells_read(data, buf);
                    ret_i64(rb.bpf_ringbuf_output(buf, a[3]))
                }))
            }
            Func::RingbufReserve => {
                let i = self.ring_index(a[0])?;
                let rb = self.ring(i)?;
                match adapt::ring_reserve(rb, a[1], a[2]) {
                    Some(pos) => self.track(i, pos, a[1]),
                    None => Ok(0),
                }
            }
            Func::RingbufSubmit | Func::RingbufDiscard => {
                self.commit_record(a[0], a[1], f == Func::RingbufDiscard)?;
                Ok(0)
            }
            Func::RingbufQuery => {
                let i = self.ring_index(a[0])?;
                Ok(self.ring(i)?.query(a[1]))
            }
            Func::DynptrFromMem => self.dynptr_from_mem(mem, a),
            Func::RingbufReserveDynptr => self.ringbuf_reserve_dynptr(mem, a),
            Func::RingbufSubmitDynptr | Func::RingbufDiscardDynptr => {
                let k = self.load_kern(mem, a[0])?;
                self.kern_slot(mem, a[0])?;
                if k.data == 0 {
                    return Ok(0);
                }
                if (k.size >> DYNPTR_TYPE_SHIFT) & 0x7 != DynptrType::Ringbuf as u32 {
                    return Err(Fault::BadDynptr { addr: a[0], why: "not a RINGBUF dynptr" });
                }
                self.commit_record(k.data, a[1], f == Func::RingbufDiscardDynptr)
                    .map_err(|_| Fault::BadDynptr { addr: a[0], why: "RINGBUF data is no reserved record (stale?)" })?;
                self.store_kern(mem, a[0], DynptrKern::default())?;
                Ok(0)
            }
            Func::DynptrRead => {
                // bpf_dynptr_read(void *dst, u32 len, const struct bpf_dynptr *src, u32 offset, u64 flags)
                let dst = self.cells(mem, a[0], u64::from(u32_arg(a[1])), Access::Write)?;
                let k = self.load_kern(mem, a[2])?;
                let (d, _) = self.dynptr(mem, a[2], k)?;
                Ok(with_scratch(dst.len(), |buf| {
                    let r = d.read(buf, a[3], a[4]);
                    if r.is_ok() {
                        cells_write(dst, buf);
                    }
                    ret(r)
                }))
            }
            Func::DynptrWrite => {
                // bpf_dynptr_write(const struct bpf_dynptr *dst, u32 offset, void *src, u32 len, u64 flags)
                let k = self.load_kern(mem, a[0])?;
                let src = self.cells(mem, a[2], u64::from(u32_arg(a[3])), Access::Read)?;
                let (d, _) = self.dynptr(mem, a[0], k)?;
                Ok(with_scratch(src.len(), |buf| {
                    cells_read(src, buf);
                    ret(d.write(a[1], buf, a[4]))
                }))
            }
            Func::DynptrData => {
                let k = self.load_kern(mem, a[0])?;
                let (d, base) = self.dynptr(mem, a[0], k)?;
                Ok(d.data(a[1], a[2]).map_or(0, |s| Self::addr_in(&d, base, s)))
            }
            Func::UserRingbufDrain => Err(Fault::Unsupported("bpf_user_ringbuf_drain (a BPF callback)")),
            Func::DynptrSlice | Func::DynptrSliceRdwr => self.dynptr_slice(mem, a, f == Func::DynptrSliceRdwr),
            Func::DynptrAdjust => {
                let k = self.load_kern(mem, a[0])?;
                self.kern_slot(mem, a[0])?;
                let (mut d, base) = self.dynptr(mem, a[0], k)?;
                let r = d.adjust(a[1], a[2]);
                let k2 = Self::kern_of(&d, base);
                self.store_kern(mem, a[0], k2)?;
                Ok(ret(r) as i32 as i64 as u64)
            }
            Func::DynptrIsNull => {
                let k = self.load_kern(mem, a[0])?;
                let (d, _) = self.dynptr(mem, a[0], k)?;
                Ok(u64::from(d.is_null()))
            }
            Func::DynptrIsRdonly => {
                let k = self.load_kern(mem, a[0])?;
                let (d, _) = self.dynptr(mem, a[0], k)?;
                Ok(u64::from(d.is_rdonly()))
            }
            Func::DynptrSize => {
                let k = self.load_kern(mem, a[0])?;
                let (d, _) = self.dynptr(mem, a[0], k)?;
                Ok(crate::dynptr::abi::bpf_dynptr_size(&d))
            }
            Func::DynptrClone => {
                let k = self.load_kern(mem, a[0])?;
                self.kern_slot(mem, a[1])?;
                let (d, base) = self.dynptr(mem, a[0], k)?;
                let (r, c) = match d.clone_dynptr() {
                    Ok(c) => (0i64, Self::kern_of(&c, base)),
                    Err(e) => (e.to_ret(), DynptrKern::default()),
                };
                self.store_kern(mem, a[1], c)?;
                Ok(r as i32 as i64 as u64)
            }
            Func::DynptrCopy => {
                // bpf_dynptr_copy(dst, u32 dst_off, src, u32 src_off, u32 size)
                let kd = self.load_kern(mem, a[0])?;
                let ks = self.load_kern(mem, a[2])?;
                let (d, _) = self.dynptr(mem, a[0], kd)?;
                let (s, _) = self.dynptr(mem, a[2], ks)?;
                Ok(ret(d.copy(a[1], &s, a[3], a[4])) as i32 as i64 as u64)
            }
            Func::DynptrMemset => {
                // bpf_dynptr_memset(p, u32 offset, u32 size, u8 val)
                let k = self.load_kern(mem, a[0])?;
                let (d, _) = self.dynptr(mem, a[0], k)?;
                Ok(ret(d.memset(a[1], a[2], a[3] as u8)) as i32 as i64 as u64)
            }
            Func::DynptrFromSkb | Func::DynptrFromXdp | Func::DynptrFromSkbMeta => {
                Err(Fault::Unsupported("packet dynptr constructors (no packet context)"))
            }
            Func::CpumaskCreate => match adapt::cpumask_create(&self.cpumask_alloc) {
                Some(m) => {
                    let h = CPUMASK_BASE + self.next_cpumask * HANDLE_STRIDE;
                    self.next_cpumask += 1;
                    self.cpumasks.insert(h, vec![m]);
                    Ok(h)
                }
                None => Ok(0),
            },
            Func::CpumaskRelease => {
                let refs =
                    self.cpumasks.get_mut(&a[0]).ok_or(Fault::BadHandle { handle: a[0], expected: "cpumask" })?;
                if let Some(m) = refs.pop() {
                    m.release();
                }
                if refs.is_empty() {
                    self.cpumasks.remove(&a[0]);
                }
                Ok(0)
            }
            Func::CpumaskAcquire => {
                let r = self.mask(a[0])?.acquire();
                self.cpumasks.entry(a[0]).or_default().push(r);
                Ok(a[0])
            }
            Func::CpumaskFirst => Ok(u64::from(self.mask(a[0])?.first())),
            Func::CpumaskFirstZero => Ok(u64::from(self.mask(a[0])?.first_zero())),
            Func::CpumaskFirstAnd => Ok(u64::from(self.mask(a[0])?.first_and(self.mask(a[1])?))),
            Func::CpumaskSetCpu => {
                self.mask(a[1])?.set_cpu(u32_arg(a[0]));
                Ok(0)
            }
            Func::CpumaskClearCpu => {
                self.mask(a[1])?.clear_cpu(u32_arg(a[0]));
                Ok(0)
            }
            Func::CpumaskTestCpu => Ok(u64::from(self.mask(a[1])?.test_cpu(u32_arg(a[0])))),
            Func::CpumaskTestAndSetCpu => Ok(u64::from(self.mask(a[1])?.test_and_set_cpu(u32_arg(a[0])))),
            Func::CpumaskTestAndClearCpu => Ok(u64::from(self.mask(a[1])?.test_and_clear_cpu(u32_arg(a[0])))),
            Func::CpumaskSetall => {
                self.mask(a[0])?.setall();
                Ok(0)
            }
            Func::CpumaskClear => {
                self.mask(a[0])?.clear();
                Ok(0)
            }
            Func::CpumaskAnd => Ok(u64::from(self.mask(a[0])?.and(self.mask(a[1])?, self.mask(a[2])?))),
            Func::CpumaskOr => {
                self.mask(a[0])?.or(self.mask(a[1])?, self.mask(a[2])?);
                Ok(0)
            }
            Func::CpumaskXor => {
                self.mask(a[0])?.xor(self.mask(a[1])?, self.mask(a[2])?);
                Ok(0)
            }
            Func::CpumaskEqual => Ok(u64::from(self.mask(a[0])?.equal(self.mask(a[1])?))),
            Func::CpumaskIntersects => Ok(u64::from(self.mask(a[0])?.intersects(self.mask(a[1])?))),
            Func::CpumaskSubset => Ok(u64::from(self.mask(a[0])?.subset(self.mask(a[1])?))),
            Func::CpumaskEmpty => Ok(u64::from(self.mask(a[0])?.empty())),
            Func::CpumaskFull => Ok(u64::from(self.mask(a[0])?.full())),
            Func::CpumaskCopy => {
                self.mask(a[0])?.copy_from(self.mask(a[1])?);
                Ok(0)
            }
            Func::CpumaskAnyDistribute => {
                let mut cur = self.cursor;
                let r = self.mask(a[0])?.any_distribute(&mut cur);
                self.cursor = cur;
                Ok(u64::from(r))
            }
            Func::CpumaskAnyAndDistribute => {
                let mut cur = self.cursor;
                let r = self.mask(a[0])?.any_and_distribute(self.mask(a[1])?, &mut cur);
                self.cursor = cur;
                Ok(u64::from(r))
            }
            Func::CpumaskWeight => Ok(u64::from(self.mask(a[0])?.weight())),
            Func::CpumaskPopulate => {
                // int bpf_cpumask_populate(struct cpumask *cpumask, void *src, size_t src__sz)
                let m = self.mask(a[0])?;
                let src = self.cells(mem, a[1], a[2], Access::Read)?;
                Ok(with_scratch(src.len(), |buf| {
                    cells_read(src, buf);
                    ret(m.populate(buf, a[1] as usize)) as i32 as i64 as u64
                }))
            }
        }
    }

    /// The program address of `s`, a part of `d`'s memory whose base address is `base`.
    fn addr_in(d: &Dynptr<'_>, base: u64, s: &[Cell<u8>]) -> u64 {
        // `d.data(0, 0)` is the memory at the dynptr's offset: `base + offset`.
        let at_off = d.data(0, 0).or_else(|| d.slice(0, 0, None).and_then(direct)).map(|c| c.as_ptr() as u64);
        match at_off {
            Some(p) => base + u64::from(d.offset()) + (s.as_ptr() as u64 - p),
            None => 0,
        }
    }

    /// Records a reserved record; returns its payload address.
    fn track(&mut self, map: usize, pos: u64, size: u64) -> Result<u64, Fault> {
        let rb = self.ring(map)?;
        let area = adapt::ring_area(rb).as_ptr() as u64;
        let addr = area + adapt::ring_off(rb, pos) as u64 + 8;
        self.live.insert(addr, Live { map, pos, size });
        Ok(addr)
    }

    /// `bpf_ringbuf_commit()` of the record whose payload is at `addr`.
    fn commit_record(&mut self, addr: u64, flags: u64, discard: bool) -> Result<(), Fault> {
        let live = self.live.remove(&addr).ok_or(Fault::NotASample { addr })?;
        // A reserved size fits in u32: a reservation is refused above the ring's size (at most 2^31).
        adapt::ring_commit(self.ring(live.map)?, live.pos, live.size as u32, flags, discard);
        Ok(())
    }

    fn dynptr_from_mem(&mut self, mem: &dyn Memory, a: [u64; 5]) -> Result<u64, Fault> {
        // long bpf_dynptr_from_mem(void *data, u32 size, u64 flags, struct bpf_dynptr *ptr)
        self.kern_slot(mem, a[3])?;
        let size = u32_arg(a[1]);
        let cells = if size <= DYNPTR_SIZE_MASK { self.cells(mem, a[0], u64::from(size), Access::Write)? } else { &[] };
        let (r, k) = match crate::dynptr::Dynptr::from_mem(self.rules, cells, size, a[2]) {
            Ok(d) => (0, Self::kern_of(&d, a[0])),
            Err(e) => (e.to_ret(), DynptrKern::default()),
        };
        self.store_kern(mem, a[3], k)?;
        Ok(r as u64)
    }

    fn ringbuf_reserve_dynptr(&mut self, mem: &dyn Memory, a: [u64; 5]) -> Result<u64, Fault> {
        // long bpf_ringbuf_reserve_dynptr(void *ringbuf, u32 size, u64 flags, struct bpf_dynptr *ptr)
        let i = self.ring_index(a[0])?;
        self.kern_slot(mem, a[3])?;
        let size = u32_arg(a[1]);
        let (r, k) = match adapt::ring_reserve_dynptr(self.ring(i)?, size, a[2]) {
            Ok(pos) => {
                let addr = self.track(i, pos, u64::from(size))?;
                (
                    0,
                    DynptrKern {
                        data: addr,
                        size: size | (DynptrType::Ringbuf as u32) << DYNPTR_TYPE_SHIFT,
                        offset: 0,
                    },
                )
            }
            Err(e) => (e.to_ret(), DynptrKern::default()),
        };
        self.store_kern(mem, a[3], k)?;
        Ok(r as u64)
    }

    fn dynptr_slice(&mut self, mem: &dyn Memory, a: [u64; 5], rdwr: bool) -> Result<u64, Fault> {
        // void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk)
        let k = self.load_kern(mem, a[0])?;
        let len = u32_arg(a[3]);
        let buffer = if a[2] == 0 { None } else { Some(self.cells(mem, a[2], u64::from(len), Access::Write)?) };
        let (d, base) = self.dynptr(mem, a[0], k)?;
        let (off, n) = (a[1], u64::from(len));
        Ok(with_scratch(len as usize, |buf| {
            let r = match (rdwr, buffer.is_some()) {
                (false, true) => d.slice(off, n, Some(buf)),
                (false, false) => d.slice(off, n, None),
                (true, true) => d.slice_rdwr(off, n, Some(buf)),
                (true, false) => d.slice_rdwr(off, n, None),
            };
            match (r, buffer) {
                (Some(Slice::Direct(s)), _) => Self::addr_in(&d, base, s),
                (Some(Slice::Buffer), Some(b)) => {
                    cells_write(b, buf);
                    a[2]
                }
                (Some(Slice::Buffer), None) | (None, _) => 0,
            }
        }))
    }

    fn map_lookup_elem(&mut self, mem: &dyn Memory, a: [u64; 5]) -> Result<u64, Fault> {
        let i = self.map_index(a[0]).ok_or(Fault::BadHandle { handle: a[0], expected: "map" })?;
        if !matches!(self.maps[i], MapObj::Array { .. }) {
            return Err(Fault::BadHandle { handle: a[0], expected: "ARRAY map (lookup)" });
        }
        let key = self.cells(mem, a[1], 4, Access::Read)?;
        let mut k = [0u8; 4];
        cells_read(key, &mut k);
        Ok(self.map_value_addr(a[0], u32::from_le_bytes(k)).unwrap_or(0))
    }

    fn trace_printk(&mut self, mem: &dyn Memory, a: [u64; 5]) -> Result<u64, Fault> {
        // long bpf_trace_printk(const char *fmt, u32 fmt_size, ...)
        let fmt = self.cells(mem, a[0], u64::from(u32_arg(a[1])), Access::Read)?;
        let fmt: Vec<u8> = fmt.iter().map(Cell::get).collect();
        let strings = |addr: u64| -> Vec<u8> {
            // A `%s` argument: bytes up to the NUL, read one at a time (a bad address reads as nothing,
            // as the kernel's `copy_from_kernel_nofault_str` gives "(efault)").
            let mut out = Vec::new();
            while out.len() < 512 {
                match self.cells(mem, addr + out.len() as u64, 1, Access::Read) {
                    Ok(c) if c[0].get() != 0 => out.push(c[0].get()),
                    Ok(_) => return out,
                    Err(_) => return b"(efault)".to_vec(),
                }
            }
            out
        };
        match printk::format(&fmt, [a[2], a[3], a[4]], strings) {
            Ok(line) => {
                let n = line.len();
                self.trace.push(line);
                Ok(n as u64)
            }
            Err(e) => Ok(e.to_ret() as u64),
        }
    }

    /// `bpf_probe_read_kernel(void *dst, u32 size, const void *unsafe_ptr)`: `copy_from_kernel_nofault()`,
    /// and on failure `dst` zeroed and `-EFAULT`. Kernel memory here is the environment's: program and
    /// map memory, and a cpumask object (`struct bpf_cpumask`: the `cpumask_t` bits, then the `usage`
    /// refcount) at its handle. A range that leaves the object is a failure here; in the kernel it reads
    /// whatever lies beyond, which the model does not know.
    fn probe_read_kernel(&mut self, mem: &dyn Memory, a: [u64; 5]) -> Result<u64, Fault> {
        let dst = self.cells(mem, a[0], u64::from(u32_arg(a[1])), Access::Write)?;
        let len = dst.len() as u64;
        let src = a[2];
        let from_mask = self.cpumasks.iter().find_map(|(&h, refs)| {
            let m = refs.first()?;
            let mut obj = m.to_bytes();
            obj.extend_from_slice(&m.usage().to_le_bytes());
            let start = src.checked_sub(h)?;
            let end = start.checked_add(len)?;
            (end <= obj.len() as u64).then(|| obj[start as usize..end as usize].to_vec())
        });
        let bytes = match from_mask {
            Some(b) => Some(b),
            None => self.cells(mem, src, len, Access::Read).ok().map(|c| c.iter().map(Cell::get).collect()),
        };
        match bytes {
            Some(b) => {
                cells_write(dst, &b);
                Ok(0)
            }
            None => {
                dst.iter().for_each(|c| c.set(0));
                Ok(Errno::EFAULT.to_ret() as u64)
            }
        }
    }

    fn setsockopt(&mut self, mem: &dyn Memory, a: [u64; 5]) -> Result<u64, Fault> {
        // long bpf_setsockopt(void *bpf_socket, int level, int optname, void *optval, int optlen)
        let i = self.sock_index(a[0]).ok_or(Fault::BadHandle { handle: a[0], expected: "socket" })?;
        let optlen = u32_arg(a[4]) as i32;
        let len =
            u64::try_from(optlen).map_err(|_| Fault::BadPointer { addr: a[3], len: a[4], access: Access::Read })?;
        let optval: Vec<u8> = self.cells(mem, a[3], len, Access::Read)?.iter().map(Cell::get).collect();
        let profile = &self.profile;
        let (sock, ctx) = &mut self.socks[i];
        Ok(ret_i64(crate::sockopt::bpf_setsockopt(sock, ctx, a[1] as i32, a[2] as i32, &optval, profile)))
    }

    fn getsockopt(&mut self, mem: &dyn Memory, a: [u64; 5]) -> Result<u64, Fault> {
        // long bpf_getsockopt(void *bpf_socket, int level, int optname, void *optval, int optlen)
        let i = self.sock_index(a[0]).ok_or(Fault::BadHandle { handle: a[0], expected: "socket" })?;
        let optlen = u32_arg(a[4]) as i32;
        let len =
            u64::try_from(optlen).map_err(|_| Fault::BadPointer { addr: a[3], len: a[4], access: Access::Write })?;
        let out = self.cells(mem, a[3], len, Access::Write)?;
        let mut buf: Vec<u8> = out.iter().map(Cell::get).collect();
        let (sock, ctx) = &self.socks[i];
        let r = crate::sockopt::bpf_getsockopt(sock, ctx, a[1] as i32, a[2] as i32, &mut buf, &self.profile);
        cells_write(out, &buf);
        Ok(ret_i64(r))
    }
}

fn direct(s: Slice<'_>) -> Option<&[Cell<u8>]> {
    match s {
        Slice::Direct(c) => Some(c),
        Slice::Buffer => None,
    }
}

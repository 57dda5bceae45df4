//! `struct bpf_dynptr`: a pointer with a size, a type and a read-only bit, and its operations.
//!
//! Kernel: `include/linux/bpf.h` (`struct bpf_dynptr_kern`), `kernel/bpf/helpers.c`.
//!
//! The kernel keeps three words per dynptr: `data`, a `u32 size` whose low 24 bits are the size, bits
//! 28..30 the type and bit 31 the read-only flag, and a `u32 offset` into `data`. [`Dynptr`] keeps exactly
//! those: the memory it points at is a slice of [`Cell<u8>`], which may be shared by several dynptrs
//! (clones) and written through any of them, as the kernel's raw pointer allows, without `unsafe` aliasing.
//!
//! ```
//! use bpf_model::dynptr::{Dynptr, DynptrType};
//! use bpf_model::Errno;
//! use std::cell::Cell;
//!
//! let mut buf = [0u8; 16];
//! let mem = Cell::from_mut(&mut buf[..]).as_slice_of_cells();
//! let ptr = Dynptr::from_mem(mem, 16, 0).unwrap();
//! assert_eq!(ptr.dynptr_type(), Some(DynptrType::Local));
//! ptr.write(4, b"abcd", 0).unwrap();
//! let mut out = [0u8; 4];
//! ptr.read(&mut out, 4, 0).unwrap();
//! assert_eq!(&out, b"abcd");
//! assert_eq!(ptr.read(&mut out, 13, 0), Err(Errno::E2BIG));
//! ```

use crate::Errno;
use std::cell::Cell;

/// `DYNPTR_MAX_SIZE`: the largest size a dynptr can carry, `(1 << 24) - 1`.
pub const DYNPTR_MAX_SIZE: u32 = (1 << 24) - 1;
/// `DYNPTR_TYPE_SHIFT`: the type sits in bits 28..30 of the size word.
pub const DYNPTR_TYPE_SHIFT: u32 = 28;
/// `DYNPTR_SIZE_MASK`: the size bits of the size word.
pub const DYNPTR_SIZE_MASK: u32 = 0x00FF_FFFF;
/// `DYNPTR_RDONLY_BIT`: bit 31 of the size word.
pub const DYNPTR_RDONLY_BIT: u32 = 1 << 31;

/// `enum bpf_dynptr_type` of v6.18.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
pub enum DynptrType {
    /// `BPF_DYNPTR_TYPE_LOCAL` (1): memory of the program (a map value, global data).
    Local = 1,
    /// `BPF_DYNPTR_TYPE_RINGBUF` (2): a ring buffer sample.
    Ringbuf = 2,
    /// `BPF_DYNPTR_TYPE_SKB` (3): a socket buffer's packet data.
    Skb = 3,
    /// `BPF_DYNPTR_TYPE_XDP` (4): an XDP buffer, fragments included.
    Xdp = 4,
    /// `BPF_DYNPTR_TYPE_SKB_META` (5, new in v6.18): the metadata area in front of an skb's data.
    SkbMeta = 5,
}

impl DynptrType {
    /// The type from its number in the size word.
    pub const fn from_raw(v: u32) -> Option<DynptrType> {
        match v {
            1 => Some(DynptrType::Local),
            2 => Some(DynptrType::Ringbuf),
            3 => Some(DynptrType::Skb),
            4 => Some(DynptrType::Xdp),
            5 => Some(DynptrType::SkbMeta),
            _ => None,
        }
    }
}

/// `struct bpf_dynptr_kern`: data, size word (size, type, read-only bit) and offset.
///
/// A null dynptr (the kernel's `data == NULL`) has no memory and a zero size word.
#[derive(Clone, Copy, Debug)]
pub struct Dynptr<'a> {
    data: Option<&'a [Cell<u8>]>,
    size: u32,
    offset: u32,
}

impl<'a> Dynptr<'a> {
    /// The null dynptr (`bpf_dynptr_set_null()`: every word zero).
    pub const fn null() -> Dynptr<'a> {
        Dynptr { data: None, size: 0, offset: 0 }
    }

    /// `bpf_dynptr_init()`: data, offset, size, then the type in bits 28..30. No size check here.
    fn init(data: &'a [Cell<u8>], ty: DynptrType, offset: u32, size: u32) -> Dynptr<'a> {
        Dynptr { data: Some(data), size: size | (ty as u32) << DYNPTR_TYPE_SHIFT, offset }
    }

    /// `bpf_dynptr_from_mem()`: a LOCAL dynptr over `size` bytes of `data`.
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `bpf_dynptr_from_mem()`. Checks, in order:
    /// 1. `size > DYNPTR_MAX_SIZE` → `E2BIG` (the dynptr is set null);
    /// 2. `flags != 0` → `EINVAL` (set null);
    /// 3. a LOCAL dynptr at offset 0.
    ///
    /// The verifier guarantees that `size` bytes are readable; the model checks it too and answers `EFAULT`
    /// where no program could pass such a size.
    pub fn from_mem(data: &'a [Cell<u8>], size: u32, flags: u64) -> Result<Dynptr<'a>, Errno> {
        check_size(size)?;
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        if size as usize > data.len() {
            return Err(Errno::EFAULT);
        }
        Ok(Dynptr::init(data, DynptrType::Local, 0, size))
    }

    /// A RINGBUF dynptr over a reserved sample (`bpf_ringbuf_reserve_dynptr()` success path:
    /// `bpf_dynptr_init(ptr, sample, BPF_DYNPTR_TYPE_RINGBUF, 0, size)`). The caller has checked `size`.
    pub fn ringbuf_sample(data: &'a [Cell<u8>], size: u32) -> Dynptr<'a> {
        Dynptr::init(data, DynptrType::Ringbuf, 0, size)
    }

    /// The raw size word: size in bits 0..23, type in 28..30, read-only in 31.
    pub const fn size_word(&self) -> u32 {
        self.size
    }

    /// The offset into the underlying memory.
    pub const fn offset(&self) -> u32 {
        self.offset
    }

    /// `__bpf_dynptr_size()`: the size bits.
    pub const fn size(&self) -> u32 {
        self.size & DYNPTR_SIZE_MASK
    }

    /// `bpf_dynptr_is_null()`.
    pub const fn is_null(&self) -> bool {
        self.data.is_none()
    }

    /// `__bpf_dynptr_is_rdonly()`: bit 31 of the size word.
    pub const fn is_rdonly(&self) -> bool {
        self.size & DYNPTR_RDONLY_BIT != 0
    }

    /// The type in the size word, `None` for a null dynptr.
    pub const fn dynptr_type(&self) -> Option<DynptrType> {
        DynptrType::from_raw((self.size >> DYNPTR_TYPE_SHIFT) & 0x7)
    }

    /// `bpf_dynptr_set_rdonly()`.
    pub fn set_rdonly(&mut self) {
        self.size |= DYNPTR_RDONLY_BIT;
    }

    /// `bpf_dynptr_check_off_len()`: `len > size || offset > size - len` → `E2BIG`; cannot overflow.
    pub const fn check_off_len(&self, offset: u32, len: u32) -> Result<(), Errno> {
        let size = self.size();
        if len > size || offset > size - len {
            Err(Errno::E2BIG)
        } else {
            Ok(())
        }
    }

    /// `bpf_dynptr_read()`: copy `dst.len()` bytes from `offset` into `dst`.
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `__bpf_dynptr_read()`. Checks, in order:
    /// 1. null dynptr **or** `flags != 0` → `EINVAL` (before the range);
    /// 2. `bpf_dynptr_check_off_len(offset, len)` → `E2BIG`;
    /// 3. LOCAL/RINGBUF: `memmove`, 0. `dst` is untouched on every error.
    pub fn read(&self, dst: &mut [u8], offset: u32, flags: u64) -> Result<(), Errno> {
        let data = match self.data {
            Some(d) if flags == 0 => d,
            _ => return Err(Errno::EINVAL),
        };
        let len = u32::try_from(dst.len()).map_err(|_| Errno::E2BIG)?;
        self.check_off_len(offset, len)?;
        let start = self.offset as usize + offset as usize;
        for (d, s) in dst.iter_mut().zip(&data[start..start + len as usize]) {
            *d = s.get();
        }
        Ok(())
    }

    /// `bpf_dynptr_write()`: copy `src` into the dynptr at `offset`.
    ///
    /// Kernel: `kernel/bpf/helpers.c`, `__bpf_dynptr_write()`. Checks, in order:
    /// 1. null or read-only dynptr → `EINVAL`;
    /// 2. `bpf_dynptr_check_off_len(offset, len)` → `E2BIG` (before the flags);
    /// 3. LOCAL/RINGBUF: `flags != 0` → `EINVAL`; else `memmove`, 0.
    pub fn write(&self, offset: u32, src: &[u8], flags: u64) -> Result<(), Errno> {
        let data = match self.data {
            Some(d) if !self.is_rdonly() => d,
            _ => return Err(Errno::EINVAL),
        };
        let len = u32::try_from(src.len()).map_err(|_| Errno::E2BIG)?;
        self.check_off_len(offset, len)?;
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        let start = self.offset as usize + offset as usize;
        for (d, s) in data[start..start + len as usize].iter().zip(src) {
            d.set(*s);
        }
        Ok(())
    }
}

/// `bpf_dynptr_check_size()`: `size > DYNPTR_MAX_SIZE` → `E2BIG`.
pub const fn check_size(size: u32) -> Result<(), Errno> {
    if size > DYNPTR_MAX_SIZE {
        Err(Errno::E2BIG)
    } else {
        Ok(())
    }
}

//! The system calls of a kernel ring, through libc: `bpf(2)`, `mmap(2)`, `epoll(7)`, `eventfd(2)`.
//!
//! Every function returns the kernel's errno as an [`Errno`]; none panics.

use crate::Errno;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::NonNull;
use std::time::{Duration, Instant};

/// `BPF_OBJ_GET`.
const BPF_OBJ_GET: libc::c_long = 7;
/// `BPF_OBJ_GET_INFO_BY_FD`.
const BPF_OBJ_GET_INFO_BY_FD: libc::c_long = 15;

/// The errno of the last failed call (`EIO` if the C library left none, which it does not).
pub(super) fn last_errno() -> Errno {
    std::io::Error::last_os_error().raw_os_error().and_then(Errno::from_raw).unwrap_or(Errno::EIO)
}

/// `bpf(cmd, attr, sizeof attr)`: the call's non-negative result, or its errno.
///
/// # Safety
/// Every pointer in `attr` points to memory that is valid, for the whole call, for what `cmd` does with it
/// (read a path, write an info struct).
unsafe fn bpf(cmd: libc::c_long, attr: &mut [u64]) -> Result<i64, Errno> {
    let size = std::mem::size_of_val(attr) as libc::c_uint;
    // SAFETY: `attr` is a live, writable buffer of `size` bytes, 8-aligned as `union bpf_attr` is; the
    // memory it points to is valid (caller).
    let r = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_mut_ptr(), size) };
    if r < 0 {
        Err(last_errno())
    } else {
        Ok(r)
    }
}

/// The first fields of `struct bpf_map_info` that `BPF_OBJ_GET_INFO_BY_FD` fills for a map fd.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MapInfo {
    /// `type`: the map type (`BPF_MAP_TYPE_RINGBUF` is 27, `BPF_MAP_TYPE_USER_RINGBUF` 31).
    pub map_type: u32,
    /// `id`: the map's id.
    pub id: u32,
    /// `key_size`.
    pub key_size: u32,
    /// `value_size`.
    pub value_size: u32,
    /// `max_entries`: for a ring, its data size in bytes.
    pub max_entries: u32,
    /// `map_flags`.
    pub map_flags: u32,
}

/// `BPF_OBJ_GET_INFO_BY_FD` on `fd`, read as a map's info.
///
/// Kernel: `kernel/bpf/syscall.c`, `bpf_obj_get_info_by_fd()`: a descriptor that is not open → `EBADF`;
/// one that is not a BPF map, program, link or BTF object → `EINVAL`. The kernel fills the info of
/// whatever object the fd is, so the fields of a program or link fd read here are not a map's: a ring
/// opened on one is refused by the `mmap` that follows (those objects have no `mmap`: `ENODEV`).
pub fn map_info(fd: BorrowedFd<'_>) -> Result<MapInfo, Errno> {
    // Larger than `struct bpf_map_info` of any kernel: the kernel copies min(its size, info_len) and
    // requires the bytes past its own struct to be zero, which they are.
    let mut info = [0u64; 32];
    // union bpf_attr, info part: u32 bpf_fd, u32 info_len, u64 info.
    let mut attr = [0u64; 2];
    attr[0] = u64::from(fd.as_raw_fd() as u32) | ((std::mem::size_of_val(&info) as u64) << 32);
    attr[1] = info.as_mut_ptr() as u64;
    // SAFETY: `attr` points the kernel at `info`, a live writable buffer of the announced size.
    unsafe { bpf(BPF_OBJ_GET_INFO_BY_FD, &mut attr) }?;
    // struct bpf_map_info { u32 type, id, key_size, value_size, max_entries, map_flags; ... }: the u32 at
    // byte 4k is bytes 0..4 (k even) or 4..8 (k odd) of word k / 2, in native byte order.
    let half = |k: usize| {
        let w = info[k / 2].to_ne_bytes();
        let b = if k % 2 == 0 { [w[0], w[1], w[2], w[3]] } else { [w[4], w[5], w[6], w[7]] };
        u32::from_ne_bytes(b)
    };
    Ok(MapInfo {
        map_type: half(0),
        id: half(1),
        key_size: half(2),
        value_size: half(3),
        max_entries: half(4),
        map_flags: half(5),
    })
}

/// `BPF_OBJ_GET`: a new fd of the map (or other object) pinned at `path` in a BPF filesystem.
///
/// Kernel: `kernel/bpf/inode.c`, `bpf_obj_get_user()`: no such path → `ENOENT`; a path that is not a pinned
/// BPF object (`/dev/null`) → `EACCES`. A path with a NUL byte → `EINVAL` (here, before the call).
pub fn open_pinned(path: &std::path::Path) -> Result<OwnedFd, Errno> {
    use std::os::unix::ffi::OsStrExt;
    let mut c = path.as_os_str().as_bytes().to_vec();
    if c.contains(&0) {
        return Err(Errno::EINVAL);
    }
    c.push(0);
    // union bpf_attr, BPF_OBJ_GET part: u64 pathname, u32 bpf_fd, u32 file_flags, then zeros.
    let mut attr = [0u64; 3];
    attr[0] = c.as_ptr() as u64;
    // SAFETY: `pathname` points to `c`, a NUL-terminated string that lives until after the call.
    let fd = unsafe { bpf(BPF_OBJ_GET, &mut attr) }?;
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `fcntl(fd, F_DUPFD_CLOEXEC, 0)`: `EBADF` when `fd` is not open.
pub(super) fn dup_raw(fd: RawFd) -> Result<OwnedFd, Errno> {
    // SAFETY: F_DUPFD_CLOEXEC takes no pointer; on any integer the kernel either duplicates an open
    // descriptor or fails with EBADF.
    let r = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if r < 0 {
        return Err(last_errno());
    }
    // SAFETY: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
}

/// The page size (`sysconf(_SC_PAGESIZE)`), the unit of a ring's mmap offsets.
pub(super) fn page_size() -> Result<usize, Errno> {
    // SAFETY: sysconf takes no pointer.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(p).ok().filter(|p| p.is_power_of_two()).ok_or(Errno::EINVAL)
}

/// A shared mapping of part of a map, unmapped on drop.
#[derive(Debug)]
pub(super) struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain shared memory, valid until drop from any thread; what may be accessed
// through it, and how, is the business of the ring types that hold it.
unsafe impl Send for Mapping {}
// SAFETY: as above; `Mapping` itself only hands out its address.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// `mmap(NULL, len, prot, MAP_SHARED, fd, offset)`.
    pub(super) fn new(fd: BorrowedFd<'_>, len: usize, prot: libc::c_int, offset: usize) -> Result<Mapping, Errno> {
        let offset = libc::off_t::try_from(offset).map_err(|_| Errno::E2BIG)?;
        // SAFETY: a new mapping at an address the kernel chooses, so no existing memory is replaced; the
        // kernel checks the map's offsets, length and protections (`ringbuf_map_mmap_kern/user()`).
        let p = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, fd.as_raw_fd(), offset) };
        if p == libc::MAP_FAILED {
            return Err(last_errno());
        }
        NonNull::new(p.cast::<u8>()).map(|ptr| Mapping { ptr, len }).ok_or(Errno::ENOMEM)
    }

    /// The start of the mapping.
    pub(super) fn ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the region `new` mapped; its owner drops every reference into it before this.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// An epoll instance watching one fd, edge-triggered.
#[derive(Debug)]
pub(super) struct Epoll(OwnedFd);

impl Epoll {
    /// A new epoll instance with `fd` registered for `events | EPOLLET`.
    pub(super) fn new(fd: BorrowedFd<'_>, events: libc::c_int) -> Result<Epoll, Errno> {
        // SAFETY: epoll_create1 takes no pointer.
        let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if ep < 0 {
            return Err(last_errno());
        }
        // SAFETY: a new descriptor that nothing else owns.
        let ep = unsafe { OwnedFd::from_raw_fd(ep) };
        let mut ev = libc::epoll_event { events: (events | libc::EPOLLET) as u32, u64: 0 };
        // SAFETY: valid descriptors and a live event struct.
        if unsafe { libc::epoll_ctl(ep.as_raw_fd(), libc::EPOLL_CTL_ADD, fd.as_raw_fd(), &mut ev) } != 0 {
            return Err(last_errno());
        }
        Ok(Epoll(ep))
    }

    /// `epoll_wait` for one event, at most `timeout` (`None`: forever); restarted after a signal with
    /// the time left. Whether an event came.
    pub(super) fn wait(&self, timeout: Option<Duration>) -> Result<bool, Errno> {
        let deadline = timeout.map(|t| Instant::now().checked_add(t));
        loop {
            let ms = match deadline {
                None | Some(None) => -1,
                Some(Some(d)) => timeout_ms(d.saturating_duration_since(Instant::now())),
            };
            let mut ev = [libc::epoll_event { events: 0, u64: 0 }];
            // SAFETY: a valid epoll descriptor and a buffer of one event.
            let n = unsafe { libc::epoll_wait(self.0.as_raw_fd(), ev.as_mut_ptr(), 1, ms) };
            if n >= 0 {
                return Ok(n > 0);
            }
            let e = last_errno();
            if e != Errno::EINTR {
                return Err(e);
            }
        }
    }
}

/// A timeout in whole milliseconds for `epoll_wait`, rounded up (so that a wait of 0.5 ms sleeps instead
/// of spinning) and capped at `i32::MAX`.
fn timeout_ms(t: Duration) -> libc::c_int {
    let ms = t.as_nanos().div_ceil(1_000_000);
    ms.min(i32::MAX as u128) as libc::c_int
}

/// A non-blocking eventfd, counter 0.
pub(super) fn eventfd() -> Result<OwnedFd, Errno> {
    // SAFETY: eventfd takes no pointer.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
    if fd < 0 {
        return Err(last_errno());
    }
    // SAFETY: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Adds 1 to an eventfd's counter (readable: an edge for epoll). A full counter (`EAGAIN`) is already
/// readable, so the error is not one.
pub(super) fn eventfd_signal(fd: BorrowedFd<'_>) {
    let one = 1u64.to_ne_bytes();
    // SAFETY: writes 8 bytes from a live buffer to a valid descriptor.
    let _ = unsafe { libc::write(fd.as_raw_fd(), one.as_ptr().cast(), 8) };
}

/// Reads (and so resets) an eventfd's counter; nothing when it is 0.
pub(super) fn eventfd_clear(fd: BorrowedFd<'_>) {
    let mut buf = [0u8; 8];
    // SAFETY: reads at most 8 bytes into a live buffer from a valid, non-blocking descriptor.
    let _ = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
}

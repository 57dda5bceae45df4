//! The kernel's errno values, as a BPF program sees them.
//!
//! BPF helpers return `-errno` in a 64-bit register; kfuncs that return `int` return it in 32 bits.
//! [`Errno`] carries the positive value and names it the way the kernel's `include/uapi/asm-generic/errno*.h`
//! and `include/linux/errno.h` do, including the kernel-internal values above 511 (`ENOTSUPP` = 524) that
//! user space never normally sees but BPF programs do.
//!
//! ```
//! use bpf_model::Errno;
//! assert_eq!(Errno::EINVAL.as_raw(), 22);
//! assert_eq!(Errno::E2BIG.to_ret(), -7);
//! assert_eq!(Errno::ENOTSUPP.to_string(), "ENOTSUPP");
//! assert_eq!(Errno::from_ret(-95), Some(Errno::EOPNOTSUPP));
//! ```

use core::fmt;

/// A kernel errno value (always positive; the helper ABI negates it, see [`Errno::to_ret`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "vectors", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "vectors", serde(into = "i32", try_from = "i32"))]
pub struct Errno(i32);

macro_rules! errnos {
    ($($name:ident = $val:expr, $desc:expr;)*) => {
        impl Errno {
            $(
                #[doc = $desc]
                pub const $name: Errno = Errno($val);
            )*

            /// The kernel's name of this errno (`"EINVAL"`), or `None` for a value the model does not name.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some(stringify!($name)),)*
                    _ => None,
                }
            }

            /// The errno with this kernel name, if the model knows it.
            pub fn from_name(name: &str) -> Option<Errno> {
                match name {
                    $(stringify!($name) => Some(Errno::$name),)*
                    _ => None,
                }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted.";
    ENOENT = 2, "No such file or directory.";
    ESRCH = 3, "No such process.";
    EINTR = 4, "Interrupted system call.";
    EIO = 5, "I/O error.";
    ENXIO = 6, "No such device or address.";
    E2BIG = 7, "Argument list too long; BPF uses it for out-of-range offsets and sizes.";
    EBADF = 9, "Bad file number.";
    EAGAIN = 11, "Try again.";
    ENOMEM = 12, "Out of memory.";
    EACCES = 13, "Permission denied.";
    EFAULT = 14, "Bad address.";
    EBUSY = 16, "Device or resource busy.";
    EEXIST = 17, "File exists.";
    ENODEV = 19, "No such device.";
    ENOTDIR = 20, "Not a directory.";
    EINVAL = 22, "Invalid argument.";
    ENOSPC = 28, "No space left on device.";
    ERANGE = 34, "Math result not representable; BPF uses it for out-of-range adjustments.";
    EDEADLK = 35, "Resource deadlock would occur.";
    ENOSYS = 38, "Invalid system call number.";
    ENODATA = 61, "No data available.";
    ETIME = 62, "Timer expired.";
    EPROTO = 71, "Protocol error.";
    EBADMSG = 74, "Not a data message.";
    EOVERFLOW = 75, "Value too large for defined data type.";
    ENOTSOCK = 88, "Socket operation on non-socket.";
    EMSGSIZE = 90, "Message too long.";
    EPROTOTYPE = 91, "Protocol wrong type for socket.";
    ENOPROTOOPT = 92, "Protocol not available.";
    EPROTONOSUPPORT = 93, "Protocol not supported.";
    EOPNOTSUPP = 95, "Operation not supported on transport endpoint.";
    EAFNOSUPPORT = 97, "Address family not supported by protocol.";
    EADDRINUSE = 98, "Address already in use.";
    EADDRNOTAVAIL = 99, "Cannot assign requested address.";
    ENETUNREACH = 101, "Network is unreachable.";
    ECONNRESET = 104, "Connection reset by peer.";
    ENOBUFS = 105, "No buffer space available.";
    EISCONN = 106, "Transport endpoint is already connected.";
    ENOTCONN = 107, "Transport endpoint is not connected.";
    ETIMEDOUT = 110, "Connection timed out.";
    ECONNREFUSED = 111, "Connection refused.";
    EALREADY = 114, "Operation already in progress.";
    EINPROGRESS = 115, "Operation now in progress.";
    ENOTSUPP = 524, "Operation is not supported (kernel-internal; user space sees 524).";
}

impl Errno {
    /// The largest errno value (`MAX_ERRNO` in `include/linux/err.h`): `-4095..=-1` is the error range.
    pub const MAX: i32 = 4095;

    /// The errno with this positive value, `1..=`[`Errno::MAX`]; values the model does not name are kept
    /// as they are. Anything else is no errno: `None`.
    pub const fn from_raw(errno: i32) -> Option<Errno> {
        if errno >= 1 && errno <= Errno::MAX {
            Some(Errno(errno))
        } else {
            None
        }
    }

    /// The positive errno value (`EINVAL` is 22).
    pub const fn as_raw(self) -> i32 {
        self.0
    }

    /// The value a helper returns for this error: `-errno` as the 64-bit `long` return.
    pub const fn to_ret(self) -> i64 {
        -(self.0 as i64)
    }

    /// The value an `int`-returning kfunc returns: `-errno` in 32 bits.
    pub const fn to_ret_i32(self) -> i32 {
        -self.0
    }

    /// Reads a helper's return value: `Some(errno)` for `-4095..=-1` (the kernel's `IS_ERR_VALUE` range),
    /// `None` for anything else.
    pub const fn from_ret(ret: i64) -> Option<Errno> {
        if ret < 0 && ret >= -4095 {
            Some(Errno(-ret as i32))
        } else {
            None
        }
    }

    /// The kernel ABI face of a `Result`: `0` or the value for `Ok`, `-errno` for `Err`.
    pub fn ret_of<T: Into<i64>>(result: Result<T, Errno>) -> i64 {
        match result {
            Ok(v) => v.into(),
            Err(e) => e.to_ret(),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}({})", self.0)
    }
}

impl std::error::Error for Errno {}

impl From<Errno> for i32 {
    fn from(e: Errno) -> i32 {
        e.0
    }
}

impl From<Errno> for std::io::Error {
    /// The same error as user space sees it (`ENOTSUPP` and the other kernel-internal values keep their
    /// number, which has no name in libc).
    fn from(e: Errno) -> std::io::Error {
        std::io::Error::from_raw_os_error(e.0)
    }
}

/// An integer that is no errno: outside `1..=`[`Errno::MAX`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct InvalidErrno(pub i32);

impl fmt::Display for InvalidErrno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is no errno (1..={})", self.0, Errno::MAX)
    }
}

impl std::error::Error for InvalidErrno {}

impl TryFrom<i32> for Errno {
    type Error = InvalidErrno;
    fn try_from(v: i32) -> Result<Errno, InvalidErrno> {
        Errno::from_raw(v).ok_or(InvalidErrno(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_kernel_headers() {
        let expected = [
            (Errno::EPERM, 1),
            (Errno::ENOENT, 2),
            (Errno::E2BIG, 7),
            (Errno::EAGAIN, 11),
            (Errno::EACCES, 13),
            (Errno::EBUSY, 16),
            (Errno::EINVAL, 22),
            (Errno::ENOSPC, 28),
            (Errno::ERANGE, 34),
            (Errno::ENODATA, 61),
            (Errno::ENOPROTOOPT, 92),
            (Errno::EOPNOTSUPP, 95),
            (Errno::ENOTSUPP, 524),
        ];
        for (e, v) in expected {
            assert_eq!(e.as_raw(), v, "{e}");
            assert_eq!(Errno::from_name(e.name().unwrap()), Some(e));
        }
    }

    #[test]
    fn io_errors_carry_the_number() {
        let e: std::io::Error = Errno::EINVAL.into();
        assert_eq!(e.raw_os_error(), Some(22));
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        let e: std::io::Error = Errno::ENOTSUPP.into();
        assert_eq!(e.raw_os_error(), Some(524));
    }

    #[test]
    fn return_value_round_trip() {
        assert_eq!(Errno::from_ret(Errno::EINVAL.to_ret()), Some(Errno::EINVAL));
        assert_eq!(Errno::from_ret(0), None);
        assert_eq!(Errno::from_ret(-4096), None);
        assert_eq!(Errno::ret_of::<i64>(Err(Errno::E2BIG)), -7);
        assert_eq!(Errno::ret_of::<i64>(Ok(5)), 5);
        assert_eq!(Errno::from_raw(999).unwrap().to_string(), "errno 999");
        assert_eq!(Errno::from_raw(0), None);
        assert_eq!(Errno::from_raw(4096), None);
        assert_eq!(Errno::try_from(i32::MIN), Err(InvalidErrno(i32::MIN)));
        assert_eq!(Errno::from_raw(4095).map(Errno::to_ret_i32), Some(-4095));
    }
}

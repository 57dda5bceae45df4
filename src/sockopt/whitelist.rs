//! The option whitelist of `bpf_setsockopt`/`bpf_getsockopt` as typed enums (`net/core/filter.c`, the
//! `sol_*_sockopt()` switches), and the `optlen == sizeof(int)` rule of its int options.

use super::{
    IPV6_AUTOFLOWLABEL, IPV6_TCLASS, IP_TOS, SK_BPF_CB_FLAGS, SOL_IP, SOL_IPV6, SOL_SOCKET, SOL_TCP, SO_BINDTODEVICE,
    SO_BINDTOIFINDEX, SO_KEEPALIVE, SO_MARK, SO_MAX_PACING_RATE, SO_PRIORITY, SO_RCVBUF, SO_RCVLOWAT, SO_REUSEADDR,
    SO_REUSEPORT, SO_SNDBUF, SO_TXREHASH, TCP_BPF_DELACK_MAX, TCP_BPF_IW, TCP_BPF_RTO_MIN, TCP_BPF_SNDCWND_CLAMP,
    TCP_BPF_SOCK_OPS_CB_FLAGS, TCP_BPF_SYN, TCP_BPF_SYN_IP, TCP_BPF_SYN_MAC, TCP_CONGESTION, TCP_KEEPCNT, TCP_KEEPIDLE,
    TCP_KEEPINTVL, TCP_MAXSEG, TCP_NODELAY, TCP_NOTSENT_LOWAT, TCP_RTO_MAX_MS, TCP_SAVED_SYN, TCP_SAVE_SYN, TCP_SYNCNT,
    TCP_THIN_LINEAR_TIMEOUTS, TCP_USER_TIMEOUT, TCP_WINDOW_CLAMP,
};
use crate::Errno;

/// A socket option level; any raw number is accepted ([`Level::Other`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// `SOL_IP` (0).
    Ip,
    /// `SOL_SOCKET` (1).
    Socket,
    /// `SOL_TCP` (6).
    Tcp,
    /// `SOL_IPV6` (41).
    Ipv6,
    /// Any other level: both helpers answer `-EINVAL`.
    Other(i32),
}

impl Level {
    /// The level with this number.
    pub const fn from_raw(level: i32) -> Level {
        match level {
            SOL_IP => Level::Ip,
            SOL_SOCKET => Level::Socket,
            SOL_TCP => Level::Tcp,
            SOL_IPV6 => Level::Ipv6,
            other => Level::Other(other),
        }
    }

    /// The number.
    pub const fn raw(self) -> i32 {
        match self {
            Level::Ip => SOL_IP,
            Level::Socket => SOL_SOCKET,
            Level::Tcp => SOL_TCP,
            Level::Ipv6 => SOL_IPV6,
            Level::Other(l) => l,
        }
    }
}

macro_rules! sockopts {
    ($($var:ident = ($level:expr, $name:ident, $set:expr, $get:expr), $doc:expr;)*) => {
        /// A whitelisted (level, optname) pair, or any other pair ([`SockOpt::Other`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum SockOpt {
            $(#[doc = $doc] $var,)*
            /// A pair outside the whitelist: both helpers answer `-EINVAL`.
            Other {
                /// The level.
                level: i32,
                /// The option name.
                optname: i32,
            },
        }

        impl SockOpt {
            /// Every whitelisted option of v6.18, in the kernel's order.
            pub const ALL: &'static [SockOpt] = &[$(SockOpt::$var,)*];

            /// The option named by this raw pair.
            pub const fn from_raw(level: i32, optname: i32) -> SockOpt {
                $(if level == $level && optname == $name { return SockOpt::$var; })*
                SockOpt::Other { level, optname }
            }

            /// `(level, optname)`.
            pub const fn raw(self) -> (i32, i32) {
                match self {
                    $(SockOpt::$var => ($level, $name),)*
                    SockOpt::Other { level, optname } => (level, optname),
                }
            }

            /// The kernel's name (`"SO_RCVBUF"`), or `"other"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(SockOpt::$var => stringify!($name),)*
                    SockOpt::Other { .. } => "other",
                }
            }

            /// Whether `bpf_setsockopt` can succeed for it (on some socket, with some value).
            pub const fn settable(self) -> bool {
                match self {
                    $(SockOpt::$var => $set,)*
                    SockOpt::Other { .. } => false,
                }
            }

            /// Whether `bpf_getsockopt` can succeed for it.
            pub const fn gettable(self) -> bool {
                match self {
                    $(SockOpt::$var => $get,)*
                    SockOpt::Other { .. } => false,
                }
            }
        }
    };
}

sockopts! {
    ReuseAddr = (SOL_SOCKET, SO_REUSEADDR, true, true), "`SO_REUSEADDR`";
    SndBuf = (SOL_SOCKET, SO_SNDBUF, true, true), "`SO_SNDBUF`";
    RcvBuf = (SOL_SOCKET, SO_RCVBUF, true, true), "`SO_RCVBUF`";
    KeepAlive = (SOL_SOCKET, SO_KEEPALIVE, true, true), "`SO_KEEPALIVE`";
    Priority = (SOL_SOCKET, SO_PRIORITY, true, true), "`SO_PRIORITY`";
    ReusePort = (SOL_SOCKET, SO_REUSEPORT, true, true), "`SO_REUSEPORT`";
    RcvLowat = (SOL_SOCKET, SO_RCVLOWAT, true, true), "`SO_RCVLOWAT`";
    BindToDevice = (SOL_SOCKET, SO_BINDTODEVICE, true, false), "`SO_BINDTODEVICE` (set only)";
    Mark = (SOL_SOCKET, SO_MARK, true, true), "`SO_MARK`";
    MaxPacingRate = (SOL_SOCKET, SO_MAX_PACING_RATE, true, true), "`SO_MAX_PACING_RATE`";
    BindToIfindex = (SOL_SOCKET, SO_BINDTOIFINDEX, true, true), "`SO_BINDTOIFINDEX`";
    TxRehash = (SOL_SOCKET, SO_TXREHASH, true, true), "`SO_TXREHASH`";
    SkBpfCbFlags = (SOL_SOCKET, SK_BPF_CB_FLAGS, true, true), "`SK_BPF_CB_FLAGS` (since v6.15)";
    TcpNodelay = (SOL_TCP, TCP_NODELAY, true, true), "`TCP_NODELAY`";
    TcpMaxseg = (SOL_TCP, TCP_MAXSEG, true, true), "`TCP_MAXSEG`";
    TcpKeepIdle = (SOL_TCP, TCP_KEEPIDLE, true, true), "`TCP_KEEPIDLE`";
    TcpKeepIntvl = (SOL_TCP, TCP_KEEPINTVL, true, true), "`TCP_KEEPINTVL`";
    TcpKeepCnt = (SOL_TCP, TCP_KEEPCNT, true, true), "`TCP_KEEPCNT`";
    TcpSyncnt = (SOL_TCP, TCP_SYNCNT, true, true), "`TCP_SYNCNT`";
    TcpWindowClamp = (SOL_TCP, TCP_WINDOW_CLAMP, true, true), "`TCP_WINDOW_CLAMP`";
    TcpCongestion = (SOL_TCP, TCP_CONGESTION, true, true), "`TCP_CONGESTION` (a string)";
    TcpThinLinearTimeouts = (SOL_TCP, TCP_THIN_LINEAR_TIMEOUTS, true, true), "`TCP_THIN_LINEAR_TIMEOUTS`";
    TcpUserTimeout = (SOL_TCP, TCP_USER_TIMEOUT, true, true), "`TCP_USER_TIMEOUT`";
    TcpNotsentLowat = (SOL_TCP, TCP_NOTSENT_LOWAT, true, true), "`TCP_NOTSENT_LOWAT`";
    TcpSaveSyn = (SOL_TCP, TCP_SAVE_SYN, true, true), "`TCP_SAVE_SYN`";
    TcpSavedSyn = (SOL_TCP, TCP_SAVED_SYN, false, true), "`TCP_SAVED_SYN` (get only)";
    TcpRtoMaxMs = (SOL_TCP, TCP_RTO_MAX_MS, true, true), "`TCP_RTO_MAX_MS`";
    TcpBpfIw = (SOL_TCP, TCP_BPF_IW, true, false), "`TCP_BPF_IW` (set only)";
    TcpBpfSndcwndClamp = (SOL_TCP, TCP_BPF_SNDCWND_CLAMP, true, false), "`TCP_BPF_SNDCWND_CLAMP` (set only)";
    TcpBpfDelackMax = (SOL_TCP, TCP_BPF_DELACK_MAX, true, true), "`TCP_BPF_DELACK_MAX`";
    TcpBpfRtoMin = (SOL_TCP, TCP_BPF_RTO_MIN, true, true), "`TCP_BPF_RTO_MIN`";
    TcpBpfSyn = (SOL_TCP, TCP_BPF_SYN, false, true), "`TCP_BPF_SYN` (sock_ops get only)";
    TcpBpfSynIp = (SOL_TCP, TCP_BPF_SYN_IP, false, true), "`TCP_BPF_SYN_IP` (sock_ops get only)";
    TcpBpfSynMac = (SOL_TCP, TCP_BPF_SYN_MAC, false, true), "`TCP_BPF_SYN_MAC` (sock_ops get only)";
    TcpBpfSockOpsCbFlags = (SOL_TCP, TCP_BPF_SOCK_OPS_CB_FLAGS, true, true), "`TCP_BPF_SOCK_OPS_CB_FLAGS`";
    IpTos = (SOL_IP, IP_TOS, true, true), "`IP_TOS` (inet sockets)";
    Ipv6Tclass = (SOL_IPV6, IPV6_TCLASS, true, true), "`IPV6_TCLASS` (`AF_INET6` only)";
    Ipv6AutoFlowLabel = (SOL_IPV6, IPV6_AUTOFLOWLABEL, true, true), "`IPV6_AUTOFLOWLABEL` (`AF_INET6` only)";
}

impl SockOpt {
    /// The SOL_TCP int options `sol_tcp_sockopt()` passes on to `do_tcp_setsockopt()` /
    /// `do_tcp_getsockopt()` (the BPF-only ones, TCP_CONGESTION and TCP_SAVED_SYN are handled apart).
    pub const fn is_tcp_int(self) -> bool {
        matches!(
            self,
            SockOpt::TcpNodelay
                | SockOpt::TcpMaxseg
                | SockOpt::TcpKeepIdle
                | SockOpt::TcpKeepIntvl
                | SockOpt::TcpKeepCnt
                | SockOpt::TcpSyncnt
                | SockOpt::TcpWindowClamp
                | SockOpt::TcpThinLinearTimeouts
                | SockOpt::TcpUserTimeout
                | SockOpt::TcpNotsentLowat
                | SockOpt::TcpSaveSyn
                | SockOpt::TcpRtoMaxMs
        )
    }

    /// The option's level, typed.
    pub const fn level(self) -> Level {
        Level::from_raw(self.raw().0)
    }
}

/// The int options' `optlen == sizeof(int)` rule, as the whitelist applies it (and `-EINVAL` for a name
/// outside the whitelist).
pub(super) fn int_opt_len(opt: SockOpt, len: usize) -> Result<(), Errno> {
    if matches!(opt, SockOpt::Other { .. }) || len != 4 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

pub(super) fn int_opt(opt: SockOpt, optval: &[u8]) -> Result<i32, Errno> {
    int_opt_len(opt, optval.len())?;
    Ok(read_int(optval))
}

pub(super) fn read_int(optval: &[u8]) -> i32 {
    let mut b = [0u8; 4];
    for (d, s) in b.iter_mut().zip(optval) {
        *d = *s;
    }
    i32::from_le_bytes(b)
}

pub(super) fn put_int(buf: &mut [u8], v: i32) -> usize {
    let n = buf.len().min(4);
    buf[..n].copy_from_slice(&v.to_le_bytes()[..n]);
    n
}

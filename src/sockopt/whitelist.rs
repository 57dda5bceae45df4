//! The option whitelist of `bpf_setsockopt`/`bpf_getsockopt` as typed enums (`net/core/filter.c`, the
//! `sol_*_sockopt()` switches), and the `optlen == sizeof(int)` rule of its int options.

use super::{
    IPV6_AUTOFLOWLABEL, IPV6_TCLASS, IPV6_TRANSPARENT, IP_TOS, IP_TRANSPARENT, SK_BPF_CB_FLAGS, SOL_IP, SOL_IPV6,
    SOL_SOCKET, SOL_TCP, SO_BINDTODEVICE, SO_BINDTOIFINDEX, SO_KEEPALIVE, SO_MARK, SO_MAX_PACING_RATE, SO_PRIORITY,
    SO_RCVBUF, SO_RCVLOWAT, SO_REUSEADDR, SO_REUSEPORT, SO_SNDBUF, SO_TXREHASH, TCP_BPF_DELACK_MAX, TCP_BPF_IW,
    TCP_BPF_RTO_MIN, TCP_BPF_SNDCWND_CLAMP, TCP_BPF_SOCK_OPS_CB_FLAGS, TCP_BPF_SYN, TCP_BPF_SYN_IP, TCP_BPF_SYN_MAC,
    TCP_CONGESTION, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_MAXSEG, TCP_NODELAY, TCP_NOTSENT_LOWAT,
    TCP_RTO_MAX_MS, TCP_SAVED_SYN, TCP_SAVE_SYN, TCP_SYNCNT, TCP_THIN_LINEAR_TIMEOUTS, TCP_USER_TIMEOUT,
    TCP_WINDOW_CLAMP,
};
use crate::version::{Rule, Rules};
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

/// Which kernels accept one direction (set or get) of a whitelisted option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Avail {
    /// No kernel: the helper answers `-EINVAL` for this direction (e.g. a get of `TCP_BPF_IW`).
    Never,
    /// Every kernel passes it to the socket code, which always refuses it (a set of `TCP_SAVED_SYN`:
    /// `-ENOPROTOOPT`).
    Refused,
    /// Every kernel the model speaks for (6.1 and later).
    Always,
    /// Kernels that have this rule; before it, `-EINVAL` as for a name outside the whitelist.
    Since(Rule),
}

impl Avail {
    /// Whether a kernel with `rules` accepts it.
    pub const fn on(self, rules: Rules) -> bool {
        match self {
            Avail::Never => false,
            Avail::Refused | Avail::Always => true,
            Avail::Since(rule) => rules.has(rule),
        }
    }

    /// Whether it can succeed on some kernel.
    pub const fn ever(self) -> bool {
        !matches!(self, Avail::Never | Avail::Refused)
    }
}

macro_rules! sockopts {
    ($($var:ident = ($level:expr, $name:ident, set: $set:expr, get: $get:expr), $doc:expr;)*) => {
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
            /// Every option some kernel from 6.1 to 7.3 whitelists, in the kernel's order.
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

            /// Which kernels let `bpf_setsockopt` reach the option's code.
            pub const fn set_avail(self) -> Avail {
                match self {
                    $(SockOpt::$var => $set,)*
                    SockOpt::Other { .. } => Avail::Never,
                }
            }

            /// Which kernels let `bpf_getsockopt` reach the option's code.
            pub const fn get_avail(self) -> Avail {
                match self {
                    $(SockOpt::$var => $get,)*
                    SockOpt::Other { .. } => Avail::Never,
                }
            }
        }
    };
}

use Avail::{Always, Never, Refused, Since};

// One row per option: its level and name, and which kernels accept a set and a get of it. How a value
// reads back is the option's arm in `sol_*.rs`.
sockopts! {
    ReuseAddr = (SOL_SOCKET, SO_REUSEADDR, set: Always, get: Always), "`SO_REUSEADDR`";
    SndBuf = (SOL_SOCKET, SO_SNDBUF, set: Always, get: Always), "`SO_SNDBUF`";
    RcvBuf = (SOL_SOCKET, SO_RCVBUF, set: Always, get: Always), "`SO_RCVBUF`";
    KeepAlive = (SOL_SOCKET, SO_KEEPALIVE, set: Always, get: Always), "`SO_KEEPALIVE`";
    Priority = (SOL_SOCKET, SO_PRIORITY, set: Always, get: Always), "`SO_PRIORITY`";
    ReusePort = (SOL_SOCKET, SO_REUSEPORT, set: Always, get: Always), "`SO_REUSEPORT`";
    RcvLowat = (SOL_SOCKET, SO_RCVLOWAT, set: Always, get: Always), "`SO_RCVLOWAT`";
    BindToDevice = (SOL_SOCKET, SO_BINDTODEVICE, set: Always, get: Never), "`SO_BINDTODEVICE` (set only)";
    Mark = (SOL_SOCKET, SO_MARK, set: Always, get: Always), "`SO_MARK`";
    MaxPacingRate = (SOL_SOCKET, SO_MAX_PACING_RATE, set: Always, get: Always), "`SO_MAX_PACING_RATE`";
    BindToIfindex = (SOL_SOCKET, SO_BINDTOIFINDEX, set: Always, get: Always), "`SO_BINDTOIFINDEX`";
    TxRehash = (SOL_SOCKET, SO_TXREHASH, set: Always, get: Always), "`SO_TXREHASH`";
    SkBpfCbFlags = (SOL_SOCKET, SK_BPF_CB_FLAGS, set: Since(Rule::SockoptSkBpfCbFlags), get: Since(Rule::SockoptSkBpfCbFlags)), "`SK_BPF_CB_FLAGS`";
    TcpNodelay = (SOL_TCP, TCP_NODELAY, set: Always, get: Always), "`TCP_NODELAY`";
    TcpMaxseg = (SOL_TCP, TCP_MAXSEG, set: Always, get: Always), "`TCP_MAXSEG`";
    TcpKeepIdle = (SOL_TCP, TCP_KEEPIDLE, set: Always, get: Always), "`TCP_KEEPIDLE`";
    TcpKeepIntvl = (SOL_TCP, TCP_KEEPINTVL, set: Always, get: Always), "`TCP_KEEPINTVL`";
    TcpKeepCnt = (SOL_TCP, TCP_KEEPCNT, set: Always, get: Always), "`TCP_KEEPCNT`";
    TcpSyncnt = (SOL_TCP, TCP_SYNCNT, set: Always, get: Always), "`TCP_SYNCNT`";
    TcpWindowClamp = (SOL_TCP, TCP_WINDOW_CLAMP, set: Always, get: Always), "`TCP_WINDOW_CLAMP`";
    TcpCongestion = (SOL_TCP, TCP_CONGESTION, set: Always, get: Always), "`TCP_CONGESTION` (a string)";
    TcpThinLinearTimeouts = (SOL_TCP, TCP_THIN_LINEAR_TIMEOUTS, set: Always, get: Always), "`TCP_THIN_LINEAR_TIMEOUTS`";
    TcpUserTimeout = (SOL_TCP, TCP_USER_TIMEOUT, set: Always, get: Always), "`TCP_USER_TIMEOUT`";
    TcpNotsentLowat = (SOL_TCP, TCP_NOTSENT_LOWAT, set: Always, get: Always), "`TCP_NOTSENT_LOWAT`";
    TcpSaveSyn = (SOL_TCP, TCP_SAVE_SYN, set: Always, get: Always), "`TCP_SAVE_SYN`";
    TcpSavedSyn = (SOL_TCP, TCP_SAVED_SYN, set: Refused, get: Always), "`TCP_SAVED_SYN` (get only)";
    TcpRtoMaxMs = (SOL_TCP, TCP_RTO_MAX_MS, set: Since(Rule::SockoptTcpRtoMaxMs), get: Since(Rule::SockoptTcpRtoMaxMs)), "`TCP_RTO_MAX_MS`";
    TcpBpfIw = (SOL_TCP, TCP_BPF_IW, set: Always, get: Never), "`TCP_BPF_IW` (set only)";
    TcpBpfSndcwndClamp = (SOL_TCP, TCP_BPF_SNDCWND_CLAMP, set: Always, get: Never), "`TCP_BPF_SNDCWND_CLAMP` (set only)";
    TcpBpfDelackMax = (SOL_TCP, TCP_BPF_DELACK_MAX, set: Always, get: Since(Rule::SockoptBpfRtoMinDelackGet)), "`TCP_BPF_DELACK_MAX`";
    TcpBpfRtoMin = (SOL_TCP, TCP_BPF_RTO_MIN, set: Always, get: Since(Rule::SockoptBpfRtoMinDelackGet)), "`TCP_BPF_RTO_MIN`";
    TcpBpfSyn = (SOL_TCP, TCP_BPF_SYN, set: Never, get: Always), "`TCP_BPF_SYN` (sock_ops get only)";
    TcpBpfSynIp = (SOL_TCP, TCP_BPF_SYN_IP, set: Never, get: Always), "`TCP_BPF_SYN_IP` (sock_ops get only)";
    TcpBpfSynMac = (SOL_TCP, TCP_BPF_SYN_MAC, set: Never, get: Always), "`TCP_BPF_SYN_MAC` (sock_ops get only)";
    TcpBpfSockOpsCbFlags = (SOL_TCP, TCP_BPF_SOCK_OPS_CB_FLAGS, set: Since(Rule::SockoptTcpBpfSockOpsCbFlags), get: Since(Rule::SockoptTcpBpfSockOpsCbFlags)), "`TCP_BPF_SOCK_OPS_CB_FLAGS`";
    IpTos = (SOL_IP, IP_TOS, set: Always, get: Always), "`IP_TOS` (inet sockets)";
    IpTransparent = (SOL_IP, IP_TRANSPARENT, set: Since(Rule::SockoptTransparent), get: Since(Rule::SockoptTransparent)), "`IP_TRANSPARENT`";
    Ipv6Tclass = (SOL_IPV6, IPV6_TCLASS, set: Always, get: Always), "`IPV6_TCLASS` (`AF_INET6` only)";
    Ipv6AutoFlowLabel = (SOL_IPV6, IPV6_AUTOFLOWLABEL, set: Always, get: Always), "`IPV6_AUTOFLOWLABEL` (`AF_INET6` only)";
    Ipv6Transparent = (SOL_IPV6, IPV6_TRANSPARENT, set: Since(Rule::SockoptTransparent), get: Since(Rule::SockoptTransparent)), "`IPV6_TRANSPARENT` (`AF_INET6` only)";
}

impl SockOpt {
    /// Whether `bpf_setsockopt` can succeed for it on some kernel (on some socket, with some value).
    pub const fn settable(self) -> bool {
        self.set_avail().ever()
    }

    /// Whether `bpf_getsockopt` can succeed for it on some kernel.
    pub const fn gettable(self) -> bool {
        self.get_avail().ever()
    }

    /// The option as a kernel with `rules` sees it in a set (`set`) or a get: itself where its row says
    /// the kernel accepts that direction, else [`SockOpt::Other`] (the switch's `default:`, `-EINVAL`).
    pub const fn on(self, rules: Rules, set: bool) -> SockOpt {
        let avail = if set { self.set_avail() } else { self.get_avail() };
        if avail.on(rules) {
            return self;
        }
        let (level, optname) = self.raw();
        SockOpt::Other { level, optname }
    }

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

//! `bpf_setsockopt` / `bpf_getsockopt`: the whitelist, the validation and the socket state they read and
//! write, as Linux 6.1 to 7.3 implement them in `net/core/filter.c` (with `net/core/sock.c`,
//! `net/ipv4/tcp.c`, `net/ipv4/tcp_cong.c`, `net/ipv4/ip_sockglue.c` and `net/ipv6/ipv6_sockglue.c`).
//!
//! # Kernel versions
//!
//! A [`Sock`] lives in one kernel: it carries the [`Rules`](crate::version::Rules) it was made with
//! ([`Sock::tcp`]), and every difference between kernels is one `Sockopt*` row of the
//! [`Rule`](crate::version::Rule) table. Which options a kernel's whitelist accepts, for a set and for a
//! get, is one row per option in [`SockOpt`] ([`SockOpt::set_avail`], [`SockOpt::get_avail`]); an option
//! a kernel does not have answers `-EINVAL`, as a name outside the whitelist does. The rest are rules
//! inside an option's code: `IP_TOS` on IPv4-mapped sockets ([`Sock::ip_level_ok`]), `SOL_TCP` on a real
//! TCP socket ([`Sock::tcp_level_ok`]), `SO_RCVLOWAT`'s buffer growth, `TCP_WINDOW_CLAMP`'s minimum, and
//! the sysctls a fresh socket reads.
//!
//! # The path of a call
//!
//! 1. **The proto.** Which implementation a program gets depends on its program type and attach point
//!    ([`Caller::of`], which asks [`prog::check`](crate::prog::check) whether it may call them): sock_ops programs get `bpf_sock_ops_{set,get}sockopt`, `cgroup/connect4` and
//!    the other sock_addr hooks get `bpf_sock_addr_*`, `cgroup/setsockopt`, `iter/tcp`, `iter/unix`,
//!    tcp-cc struct_ops and locked LSM-cgroup hooks get `bpf_sk_*`, two LSM hooks get
//!    `bpf_unlocked_sk_*`. Everybody else cannot load a call at all. The only run-time difference between
//!    them is [`Caller::SockOps`]: a callback numbered above `BPF_SOCK_OPS_WRITE_HDR_OPT_CB` (15), i.e. the
//!    TX-timestamping callbacks, runs without the socket lock and **both helpers return `-EOPNOTSUPP`
//!    before anything else, leaving the get buffer untouched**; and `bpf_getsockopt` from sock_ops answers
//!    `SOL_TCP`/`TCP_BPF_SYN*` from the saved SYN.
//! 2. **Full socket.** `sk_fullsock()`: a request socket (`TCP_NEW_SYN_RECV`) or a timewait socket gives
//!    `-EINVAL`.
//! 3. **Level.** set dispatches `SOL_SOCKET`, `SOL_IP`, `SOL_IPV6`, `SOL_TCP`; get dispatches `SOL_SOCKET`,
//!    `SOL_TCP`, `SOL_IP`, `SOL_IPV6`; any other level gives `-EINVAL`.
//! 4. **Per level:** family (`SOL_IP` needs `AF_INET`, `SOL_IPV6` needs `AF_INET6`) or protocol
//!    (`SOL_TCP` needs `IPPROTO_TCP`) first, then the option name against the whitelist, then `optlen`
//!    (4 for every int option), then the option's own checks.
//! 5. **get's epilogue** (`__bpf_getsockopt`): on error the whole buffer is zeroed; on success the bytes
//!    past the length the option wrote are zeroed.
//!
//! Privileges: under a BPF program `sockopt_ns_capable()` is true, so `SO_PRIORITY` and `SO_MARK` accept
//! any value and `TCP_CONGESTION` may pick restricted algorithms. The one real capability check left is
//! `CAP_NET_RAW` when rebinding an already bound socket (`SO_BINDTODEVICE`, `SO_BINDTOIFINDEX`), which
//! depends on the task that happens to run the program ([`CallCtx::cap_net_raw`]).
//!
//! # The options
//!
//! Values are native-endian `int`s (the model reads them little-endian, as on x86_64 and arm64) of
//! `optlen == 4` unless said otherwise. "get" is what `bpf_getsockopt` returns afterwards.
//!
//! | level | option | set | get |
//! |---|---|---|---|
//! | `SOL_SOCKET` 1 | `SO_REUSEADDR` 2 | any; stores `val != 0` | 0/1 |
//! | | `SO_SNDBUF` 7 | never fails: `max(2·min(min_u32(val, wmem_max), INT_MAX/2), SOCK_MIN_SNDBUF)`, locks the size | the doubled value |
//! | | `SO_RCVBUF` 8 | never fails: same with `rmem_max` and `SOCK_MIN_RCVBUF` | the doubled value |
//! | | `SO_KEEPALIVE` 9 | any; on/off | 0/1 |
//! | | `SO_PRIORITY` 12 | any (the capability check passes under BPF) | the value |
//! | | `SO_REUSEPORT` 15 | enabling on a non-inet socket: `-EOPNOTSUPP` | 0/1 |
//! | | `SO_RCVLOWAT` 18 | negative becomes `INT_MAX`; with a `struct socket` (not a passive child yet) capped to half of `sk_rcvbuf` (locked) or of `tcp_rmem[2]`, and an unlocked `sk_rcvbuf` may grow | the value, at least 1 |
//! | | `SO_BINDTODEVICE` 25 | any `optlen`: a name of at most 15 bytes; `""` unbinds, unknown `-ENODEV`, rebinding without `CAP_NET_RAW` `-EPERM` | `-EINVAL` (not readable through BPF) |
//! | | `SO_MARK` 36 | any | the value |
//! | | `SO_MAX_PACING_RATE` 47 | any; `-1` is unlimited | `min(rate, u32::MAX)` |
//! | | `SO_BINDTOIFINDEX` 62 | `< 0`: `-EINVAL`; the index is not checked | the index |
//! | | `SO_TXREHASH` 74 | `-1..=1` (`-1`: sysctl `net.core.txrehash`), else `-EINVAL`; non-TCP `-EOPNOTSUPP` | the value |
//! | | `SK_BPF_CB_FLAGS` 1009 (6.15) | only bit 0 (`SK_BPF_CB_TX_TIMESTAMPING`), else `-EINVAL` | the flags |
//! | `SOL_TCP` 6 | `TCP_NODELAY` 1 | any; on/off | 0/1 |
//! | | `TCP_MAXSEG` 2 | 0 or 88..=32767, else `-EINVAL` | `mss_cache`; the set value in `CLOSE`/`LISTEN` |
//! | | `TCP_KEEPIDLE` 4 / `TCP_KEEPINTVL` 5 | 1..=32767 s | seconds |
//! | | `TCP_KEEPCNT` 6 / `TCP_SYNCNT` 7 | 1..=127 | the value |
//! | | `TCP_WINDOW_CLAMP` 10 | 0 only in `CLOSE`, else `-EINVAL`; others raised to `SOCK_MIN_RCVBUF/2` | the clamp |
//! | | `TCP_CONGESTION` 13 | `optlen >= 2`; a name of at most 15 bytes; `"cdg"` `-ENOTSUPP`; unknown `-ENOENT` | the name, NUL-terminated within `optlen` |
//! | | `TCP_THIN_LINEAR_TIMEOUTS` 16 | 0/1 | the value |
//! | | `TCP_USER_TIMEOUT` 18 | `>= 0` | the value |
//! | | `TCP_NOTSENT_LOWAT` 25 | any | the value |
//! | | `TCP_SAVE_SYN` 27 | 0..=2 | the value |
//! | | `TCP_SAVED_SYN` 28 | `optlen >= 1`; then `-EINVAL` below 4 bytes, `-ENOPROTOOPT` from 4 | the first `optlen` bytes of the saved SYN; none saved or `optlen` larger: `-EINVAL` |
//! | | `TCP_RTO_MAX_MS` 44 (6.15) | 1000..=120000 ms, stored in jiffies | rounded up to whole jiffies |
//! | | `TCP_BPF_IW` 1001 | `> 0`, and no data sent beyond the SYN | `-EINVAL` |
//! | | `TCP_BPF_SNDCWND_CLAMP` 1002 | `> 0`; also sets `snd_ssthresh` | `-EINVAL` |
//! | | `TCP_BPF_DELACK_MAX` 1003 / `TCP_BPF_RTO_MIN` 1004 | µs, rounded up to jiffies, 2 jiffies..=HZ/5 | (6.15) rounded to whole jiffies (at HZ=250, 30000 reads back 32000) |
//! | | `TCP_BPF_SYN` 1005 / `_IP` 1006 / `_MAC` 1007 | `-EINVAL` | sock_ops only: the saved SYN's TCP / IP+TCP / MAC+IP+TCP headers; the length is returned; shorter buffer `-ENOSPC` after a partial copy; none `-ENOENT` |
//! | | `TCP_BPF_SOCK_OPS_CB_FLAGS` 1008 (6.10) | only bits `0x7f`, else `-EINVAL` | the flags |
//! | `SOL_IP` 0 | `IP_TOS` 1 | `AF_INET`, or (with `SockoptIpTosMappedV6`) `AF_INET6` without `IPV6_V6ONLY`; any value, truncated to a byte, the ECN bits kept on TCP; a change also sets `SO_PRIORITY` from the TOS | the TOS byte |
//! | | `IP_TRANSPARENT` 19 (7.3) | any; on/off | 0/1 |
//! | `SOL_IPV6` 41 | `IPV6_TCLASS` 67 | `AF_INET6` only; `-1..=255` (`-1` is 0), ECN bits kept on TCP | the class |
//! | | `IPV6_AUTOFLOWLABEL` 70 | any; on/off | 0/1 (`net.ipv6.auto_flowlabels` 1 or 3 until set) |
//! | | `IPV6_TRANSPARENT` 75 (7.3) | any; on/off (the same bit as `IP_TRANSPARENT`) | 0/1 |
//!
//! Every other (level, optname) pair, and every whitelisted int option with `optlen != 4`, gives
//! `-EINVAL`: the whitelist answers before the socket code's `-ENOPROTOOPT` could.
//!
//! # How it was checked, and what was not
//!
//! `bpf-oracle conformance --area sockopt` runs batches of generated cases on loopback TCP (IPv4 and
//! IPv6) in sock_ops `TCP_CONNECT_CB`, `ACTIVE_ESTABLISHED_CB`, `PASSIVE_ESTABLISHED_CB` (the child,
//! before `accept()`, with and without a saved SYN), `TIMEOUT_INIT` on the request socket, and the
//! unlocked `TSTAMP_SENDMSG_CB`; in cgroup `connect4`/`connect6`; and in `cgroup/setsockopt` on a client
//! (before and after it sent data), an accepted, a listening and an unconnected socket; on the host's
//! kernel and on Debian's kernel of each series of the matrix (`vectors/<series>/sockopt.jsonl`), and in
//! a network namespace whose sysctls are not the defaults. The first value of every option a batch
//! reads is judged against a socket with the model's defaults. Measured: `SOCK_MIN_RCVBUF` is 2304 and
//! the smallest `TCP_WINDOW_CLAMP` 1152; an unlocked sock_ops callback leaves the get buffer as it was
//! (it returns before the zeroing).
//!
//! Modelled from the source but not reached by those vehicles: `-EPERM` for rebinding a bound socket
//! without `CAP_NET_RAW` (the runs are root), `TCP_CONGESTION`'s `-EBUSY` (a nested change from a tcp-cc
//! `.init`) and `-EPERM` (a route that pins the algorithm), `SO_REUSEPORT`/`SO_TXREHASH` on non-TCP
//! sockets, timewait sockets, the SYN skb that `TCP_BPF_SYN*` reads while a SYN-ACK's options are written,
//! and the LSM, tcp-cc and iterator callers. A length of 0 is refused by the verifier (`-EACCES`, a
//! load-time verdict the oracle checks); lengths above 128 bytes cannot be passed by the oracle's program
//! (the verifier bounds `optlen`); the model accepts any slice.
//!
//! ```
//! use bpf_model::sockopt::{CallCtx, Sock, SOL_SOCKET, SO_RCVBUF};
//! use bpf_model::{Errno, KernelProfile};
//! let p = KernelProfile::x86_64_v6_18();
//! let ctx = CallCtx::sock_ops(4); // BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB
//! let mut sk = Sock::tcp(false, bpf_model::sockopt::TCP_ESTABLISHED, p.rules().unwrap(), &p);
//! assert_eq!(sk.setsockopt(&ctx, SOL_SOCKET, SO_RCVBUF, &1000i32.to_le_bytes(), &p), Ok(()));
//! let mut buf = [0xAAu8; 6];
//! assert_eq!(sk.getsockopt(&ctx, SOL_SOCKET, SO_RCVBUF, &mut buf[..4], &p), Ok(0));
//! assert_eq!(i32::from_le_bytes(buf[..4].try_into().unwrap()), 2304); // SOCK_MIN_RCVBUF on 64-bit
//! assert_eq!(sk.getsockopt(&ctx, SOL_SOCKET, SO_RCVBUF, &mut buf[..5], &p), Err(Errno::EINVAL));
//! assert_eq!(buf, [0, 0, 0, 0, 0, 0xAA]); // a failed get zeroes the whole buffer it was given
//! ```

mod consts;
mod helper;
mod jiffies;
mod proto;
mod sock;
mod sol_ip;
mod sol_socket;
mod sol_tcp;
mod whitelist;

pub use consts::*;
pub use helper::{bpf_getsockopt, bpf_setsockopt};
pub use jiffies::{jiffies_to_msecs, jiffies_to_usecs, msecs_to_jiffies, usecs_to_jiffies};
pub use proto::{CallCtx, Caller};
pub use sock::{SavedSyn, Sock};
pub use sol_ip::rt_tos2priority;
pub use whitelist::{Avail, Level, SockOpt};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KernelProfile;

    #[test]
    fn raw_pairs_round_trip() {
        for &o in SockOpt::ALL {
            let (l, n) = o.raw();
            assert_eq!(SockOpt::from_raw(l, n), o);
        }
        assert_eq!(SockOpt::from_raw(SOL_TCP, SK_BPF_CB_FLAGS), SockOpt::Other { level: 6, optname: 1009 });
        assert_eq!(Level::from_raw(41), Level::Ipv6);
        assert_eq!(Level::from_raw(7).raw(), 7);
    }

    #[test]
    fn jiffies_round_up_at_250() {
        assert_eq!(usecs_to_jiffies(4000, 250), 1);
        assert_eq!(usecs_to_jiffies(4001, 250), 2);
        assert_eq!(jiffies_to_usecs(8, 250), 32000);
        assert_eq!(msecs_to_jiffies(1001, 250), 251);
        assert_eq!(jiffies_to_msecs(251, 250), 1004);
    }

    #[test]
    fn tos_sets_priority_and_keeps_ecn() {
        let p = KernelProfile::x86_64_v6_18();
        let ctx = CallCtx::new(Caller::SockAddr);
        let mut sk = Sock::tcp(false, TCP_CLOSE, p.rules().unwrap(), &p);
        sk.tos = 1;
        sk.setsockopt(&ctx, SOL_IP, IP_TOS, &0x10i32.to_le_bytes(), &p).unwrap();
        assert_eq!((sk.tos, sk.priority), (0x11, 6));
        sk.setsockopt(&ctx, SOL_SOCKET, SO_PRIORITY, &3i32.to_le_bytes(), &p).unwrap();
        sk.setsockopt(&ctx, SOL_IP, IP_TOS, &0x111i32.to_le_bytes(), &p).unwrap();
        assert_eq!((sk.tos, sk.priority), (0x11, 6));
    }
}

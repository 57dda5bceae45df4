//! The model socket: the fields of `struct sock`, `tcp_sock`, `inet_sock` and `ipv6_pinfo` the options
//! touch (`include/net/sock.h`, `include/linux/tcp.h`), a fresh TCP socket's defaults, and the saved SYN.

use super::{
    msecs_to_jiffies, usecs_to_jiffies, AF_INET, AF_INET6, IPPROTO_TCP, SOCK_STREAM, TCP_DEFAULT_SCALING_RATIO,
    TCP_NEW_SYN_RECV, TCP_TIME_WAIT,
};
use crate::version::{Rule, Rules};
use crate::KernelProfile;

/// A SYN saved by `TCP_SAVE_SYN` (`struct saved_syn`): the MAC header (only with `TCP_SAVE_SYN` = 2),
/// the IP header and the TCP header, back to back.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SavedSyn {
    /// `mac_hdrlen` (0 when only the network header on was saved).
    pub mac_hdrlen: u32,
    /// `network_hdrlen`.
    pub network_hdrlen: u32,
    /// `tcp_hdrlen`.
    pub tcp_hdrlen: u32,
    /// The saved bytes (`mac_hdrlen + network_hdrlen + tcp_hdrlen` of them).
    pub data: Vec<u8>,
}

impl SavedSyn {
    /// `tcp_saved_syn_len()`: the sum of the three lengths, in the kernel's `u32` arithmetic (it wraps;
    /// the kernel's lengths come from one skb and never do).
    pub fn len(&self) -> u32 {
        self.mac_hdrlen.wrapping_add(self.network_hdrlen).wrapping_add(self.tcp_hdrlen)
    }

    /// True when nothing was saved.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The model socket: the part of `struct sock` / `tcp_sock` / `inet_sock` / `ipv6_pinfo` the whitelisted
/// options read and write, and the rules of the kernel it lives in. Values that the kernel derives from
/// sysctls when unset (`TCP_KEEPIDLE`, `TCP_KEEPINTVL`, `TCP_KEEPCNT`, `TCP_SYNCNT`, `IPV6_AUTOFLOWLABEL`)
/// are held as their effective value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sock {
    /// The kernel this socket lives in: which options it accepts and how they behave.
    pub rules: Rules,
    /// `sk_family`.
    pub family: u16,
    /// `sk_type`.
    pub sk_type: u16,
    /// `sk_protocol`.
    pub protocol: u16,
    /// `sk_ipv6only` (`IPV6_V6ONLY`; inherited by an accepted child from its listener).
    pub ipv6only: bool,
    /// `sk_state` (`TCP_*`).
    pub state: u8,
    /// Whether `sk->sk_socket` is set (false for a passive child until `accept()`).
    pub has_socket: bool,
    /// `sk_reuse`.
    pub reuse: u8,
    /// `sk_reuseport`.
    pub reuseport: bool,
    /// `SOCK_KEEPOPEN`.
    pub keepopen: bool,
    /// `sk_priority`.
    pub priority: u32,
    /// `sk_mark`.
    pub mark: u32,
    /// `sk_sndbuf`.
    pub sndbuf: i32,
    /// `sk_rcvbuf`.
    pub rcvbuf: i32,
    /// `SOCK_SNDBUF_LOCK` in `sk_userlocks`.
    pub sndbuf_locked: bool,
    /// `SOCK_RCVBUF_LOCK` in `sk_userlocks`.
    pub rcvbuf_locked: bool,
    /// `sk_rcvlowat`.
    pub rcvlowat: i32,
    /// `sk_max_pacing_rate` (`u64::MAX` is unlimited).
    pub max_pacing_rate: u64,
    /// `sk_bound_dev_if`.
    pub bound_dev_if: i32,
    /// `sk_txrehash`.
    pub txrehash: u8,
    /// `sk_bpf_cb_flags`.
    pub bpf_cb_flags: u32,
    /// `TCP_NAGLE_OFF` in `nonagle`.
    pub nodelay: bool,
    /// `rx_opt.user_mss`.
    pub user_mss: i32,
    /// `mss_cache`.
    pub mss_cache: u32,
    /// `keepalive_time / HZ` (or the sysctl when unset), seconds.
    pub keepidle: i32,
    /// `keepalive_intvl / HZ`, seconds.
    pub keepintvl: i32,
    /// `keepalive_probes`.
    pub keepcnt: i32,
    /// `icsk_syn_retries` (or the sysctl when unset).
    pub syncnt: i32,
    /// `window_clamp`.
    pub window_clamp: u32,
    /// `thin_lto`.
    pub thin_lto: bool,
    /// `icsk_user_timeout`.
    pub user_timeout: u32,
    /// `notsent_lowat`.
    pub notsent_lowat: u32,
    /// `save_syn`.
    pub save_syn: u8,
    /// `icsk_rto_max`, jiffies.
    pub rto_max: u32,
    /// `icsk_delack_max`, jiffies.
    pub delack_max: u32,
    /// `icsk_rto_min`, jiffies.
    pub rto_min: u32,
    /// `bpf_sock_ops_cb_flags`.
    pub sock_ops_cb_flags: u32,
    /// `icsk_ca_ops->name`.
    pub congestion: String,
    /// `icsk_ca_dst_locked`: the route pins the congestion control.
    pub ca_dst_locked: bool,
    /// `bpf_chg_cc_inprogress`: a BPF-initiated congestion-control change is running.
    pub bpf_chg_cc_inprogress: bool,
    /// `snd_cwnd`.
    pub snd_cwnd: u32,
    /// `snd_cwnd_clamp`.
    pub snd_cwnd_clamp: u32,
    /// `snd_ssthresh`.
    pub snd_ssthresh: u32,
    /// `data_segs_out`.
    pub data_segs_out: u32,
    /// `syn_data`: the SYN carried data (fast open).
    pub syn_data: u32,
    /// `scaling_ratio` (`TCP_DEFAULT_SCALING_RATIO` until data arrives).
    pub scaling_ratio: u8,
    /// `inet->tos`.
    pub tos: u8,
    /// `np->tclass`.
    pub tclass: u8,
    /// `ip6_autoflowlabel()`.
    pub autoflowlabel: bool,
    /// `inet->transparent` (`IP_TRANSPARENT` / `IPV6_TRANSPARENT`).
    pub transparent: bool,
    /// The saved SYN: `tcp_sk(sk)->saved_syn`, or a request socket's `saved_syn`.
    pub saved_syn: Option<SavedSyn>,
}

impl Sock {
    /// A TCP socket of family `AF_INET6` (`v6`) or `AF_INET` in `state`, in a kernel with `rules`, with the
    /// defaults of a fresh socket under `profile`. A `TCP_NEW_SYN_RECV` or `TCP_TIME_WAIT` state makes it a
    /// non-full socket. Values that the live kernel changes while connecting (buffers, `mss_cache`,
    /// `window_clamp`) are plain fields: set them to what the socket under study holds.
    ///
    /// Kernel: net/ipv4/tcp.c, `tcp_init_sock()`; net/core/sock.c, `sock_init_data()`;
    /// net/ipv4/af_inet.c, `inet_create()`; net/ipv6/af_inet6.c, `inet6_create()`. The defaults that come
    /// from a sysctl of the socket's network namespace, read from `profile` (the kernel's default where
    /// the profile does not hold it):
    ///
    /// | field | sysctl | default |
    /// |---|---|---|
    /// | `sndbuf`, `rcvbuf` | `net.ipv4.tcp_wmem[1]`, `net.ipv4.tcp_rmem[1]` | 16384, 131072 |
    /// | `keepidle` / `keepintvl` / `keepcnt` | `net.ipv4.tcp_keepalive_time` / `_intvl` / `_probes` (read at get time while unset) | 7200 s / 75 s / 9 |
    /// | `syncnt` | `net.ipv4.tcp_syn_retries` (read at get time while unset) | 6 |
    /// | `autoflowlabel` | `net.ipv6.auto_flowlabels` (`ip6_default_np_autolabel()`: 1 and 3 mean on) until set | 1: on |
    /// | `txrehash` | `net.core.txrehash` | 1 |
    /// | `rto_min` | `net.ipv4.tcp_rto_min_us` ([`Rule::SockoptRtoMinSysctl`]; before: `TCP_RTO_MIN` = `HZ/5`) | 200000 µs |
    /// | `rto_max` | `net.ipv4.tcp_rto_max_ms` ([`Rule::SockoptRtoMaxSysctl`]; before: `TCP_RTO_MAX` = `120 * HZ`) | 120000 ms |
    /// | `congestion` | `net.ipv4.tcp_congestion_control` | the profile's |
    ///
    /// and the constants: `TCP_MSS_DEFAULT` 536, `TCP_DELACK_MAX` = `HZ/5`, `snd_cwnd` 10
    /// (`TCP_INIT_CWND`), `rcvlowat` 1, unlimited pacing. `120 * HZ` is computed in wrapping `u32`
    /// arithmetic: no kernel's `HZ` comes near the wrap, and an impossible profile cannot panic.
    ///
    /// ```
    /// use bpf_model::sockopt::*;
    /// use bpf_model::KernelProfile;
    /// let mut p = KernelProfile::debian(6, 12).unwrap();
    /// p.sysctls.insert("net.ipv4.tcp_keepalive_time".into(), "600".into());
    /// p.sysctls.insert("net.ipv6.auto_flowlabels".into(), "0".into());
    /// let sk = Sock::tcp(true, TCP_ESTABLISHED, p.rules().unwrap(), &p);
    /// let ctx = CallCtx::sock_ops(4);
    /// assert_eq!(sk.get_int(&ctx, SockOpt::TcpKeepIdle, &p), Ok(600));
    /// assert_eq!(sk.get_int(&ctx, SockOpt::Ipv6AutoFlowLabel, &p), Ok(0));
    /// ```
    pub fn tcp(v6: bool, state: u8, rules: Rules, profile: &KernelProfile) -> Sock {
        let field = |name: &str, i: usize, dflt: i32| {
            profile.sysctl(name).and_then(|v| v.split_whitespace().nth(i)).and_then(|v| v.parse().ok()).unwrap_or(dflt)
        };
        let hz = profile.hz;
        let rto_min = if rules.has(Rule::SockoptRtoMinSysctl) {
            usecs_to_jiffies(field("net.ipv4.tcp_rto_min_us", 0, 200_000) as u32, hz) as u32
        } else {
            hz / 5
        };
        let rto_max = if rules.has(Rule::SockoptRtoMaxSysctl) {
            msecs_to_jiffies(field("net.ipv4.tcp_rto_max_ms", 0, 120_000) as u32, hz) as u32
        } else {
            hz.wrapping_mul(120)
        };
        Sock {
            rules,
            family: if v6 { AF_INET6 } else { AF_INET },
            sk_type: SOCK_STREAM,
            protocol: IPPROTO_TCP,
            ipv6only: false,
            state,
            has_socket: true,
            reuse: 0,
            reuseport: false,
            keepopen: false,
            priority: 0,
            mark: 0,
            sndbuf: field("net.ipv4.tcp_wmem", 1, 16384),
            rcvbuf: field("net.ipv4.tcp_rmem", 1, 131072),
            sndbuf_locked: false,
            rcvbuf_locked: false,
            rcvlowat: 1,
            max_pacing_rate: u64::MAX,
            bound_dev_if: 0,
            txrehash: txrehash_sysctl(profile),
            bpf_cb_flags: 0,
            nodelay: false,
            user_mss: 0,
            mss_cache: 536,
            keepidle: field("net.ipv4.tcp_keepalive_time", 0, 7200),
            keepintvl: field("net.ipv4.tcp_keepalive_intvl", 0, 75),
            keepcnt: field("net.ipv4.tcp_keepalive_probes", 0, 9),
            syncnt: field("net.ipv4.tcp_syn_retries", 0, 6),
            window_clamp: 0,
            thin_lto: false,
            user_timeout: 0,
            notsent_lowat: 0,
            save_syn: 0,
            rto_max,
            delack_max: hz / 5,
            rto_min,
            sock_ops_cb_flags: 0,
            congestion: profile.tcp_congestion_control.clone(),
            ca_dst_locked: false,
            bpf_chg_cc_inprogress: false,
            snd_cwnd: 10,
            snd_cwnd_clamp: u32::MAX,
            snd_ssthresh: 0x7fff_ffff,
            data_segs_out: 0,
            syn_data: 0,
            scaling_ratio: TCP_DEFAULT_SCALING_RATIO,
            tos: 0,
            tclass: 0,
            autoflowlabel: matches!(field("net.ipv6.auto_flowlabels", 0, 1), 1 | 3),
            transparent: false,
            saved_syn: None,
        }
    }

    /// `sk_fullsock()`: not a request socket, not a timewait socket.
    pub fn fullsock(&self) -> bool {
        self.state != TCP_NEW_SYN_RECV && self.state != TCP_TIME_WAIT
    }

    /// `sk_is_inet()`.
    pub fn is_inet(&self) -> bool {
        self.family == AF_INET || self.family == AF_INET6
    }

    /// The family check of `sol_ip_sockopt()` (`-EINVAL` when false): `AF_INET`; with
    /// [`Rule::SockoptIpTosMappedV6`] also `AF_INET6` without `IPV6_V6ONLY`, whose IPv4-mapped traffic
    /// uses `inet->tos`.
    ///
    /// An `AF_INET6` socket that bound to a specific IPv6 address (a listener on `::1`, and the children
    /// it accepts, which inherit the flag) is `IPV6_V6ONLY` (`__inet6_bind()`) and keeps `-EINVAL`.
    pub fn ip_level_ok(&self) -> bool {
        self.family == AF_INET
            || (self.rules.has(Rule::SockoptIpTosMappedV6) && self.family == AF_INET6 && !self.ipv6only)
    }

    /// The socket check of `sol_tcp_sockopt()` (`-EINVAL` when false): `sk_protocol == IPPROTO_TCP`; with
    /// [`Rule::SockoptSolTcpNeedsTcpSock`], `sk_is_tcp()` (so not a `SOCK_RAW` socket of protocol
    /// `IPPROTO_TCP`).
    pub fn tcp_level_ok(&self) -> bool {
        if self.rules.has(Rule::SockoptSolTcpNeedsTcpSock) {
            self.is_tcp()
        } else {
            self.protocol == IPPROTO_TCP
        }
    }

    /// `sk_is_tcp()`.
    pub fn is_tcp(&self) -> bool {
        self.is_inet() && self.sk_type == SOCK_STREAM && self.protocol == IPPROTO_TCP
    }
}

/// `net.core.txrehash` from the profile (the kernel's default, 1, when the profile does not say).
pub(super) fn txrehash_sysctl(profile: &KernelProfile) -> u8 {
    profile.sysctl("net.core.txrehash").and_then(|v| v.trim().parse().ok()).unwrap_or(1)
}

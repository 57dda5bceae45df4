//! `SOL_SOCKET`: `sol_socket_sockopt()` (`net/core/filter.c`) into `sk_setsockopt()` / `sk_getsockopt()`
//! (`net/core/sock.c`).

use super::sock::txrehash_sysctl;
use super::whitelist::{int_opt, int_opt_len, put_int};
use super::{
    sock_min_rcvbuf, sock_min_sndbuf, CallCtx, Sock, SockOpt, IFNAMSIZ, IPPROTO_TCP, SK_BPF_CB_FLAGS, SK_BPF_CB_MASK,
    SOL_SOCKET, SO_BINDTODEVICE, SO_BINDTOIFINDEX, SO_KEEPALIVE, SO_MARK, SO_MAX_PACING_RATE, SO_PRIORITY, SO_RCVBUF,
    SO_RCVLOWAT, SO_REUSEADDR, SO_REUSEPORT, SO_SNDBUF, SO_TXREHASH, TCP_CLOSE,
};
use crate::version::Rule;
use crate::{Errno, KernelProfile};

impl Sock {
    /// Kernel: net/core/filter.c, `sol_socket_sockopt()` (set) → `sk_bpf_set_get_cb_flags()` or
    /// net/core/sock.c, `sk_setsockopt()`.
    pub(super) fn sol_socket_set(
        &mut self,
        ctx: &CallCtx,
        optname: i32,
        optval: &[u8],
        profile: &KernelProfile,
    ) -> Result<(), Errno> {
        if optname == SO_BINDTODEVICE {
            return self.set_bindtodevice(ctx, optval);
        }
        let val = int_opt(SockOpt::from_raw(SOL_SOCKET, optname).on(self.rules, true), optval)?;
        match optname {
            SK_BPF_CB_FLAGS => {
                if val as u32 & !SK_BPF_CB_MASK != 0 {
                    return Err(Errno::EINVAL);
                }
                self.bpf_cb_flags = val as u32;
            }
            SO_PRIORITY => self.priority = val as u32,
            SO_MAX_PACING_RATE => {
                let rate = if val == -1 { u64::MAX } else { u64::from(val as u32) };
                self.max_pacing_rate = rate;
            }
            SO_TXREHASH => {
                if !self.is_tcp() {
                    return Err(Errno::EOPNOTSUPP);
                }
                if !(-1..=1).contains(&val) {
                    return Err(Errno::EINVAL);
                }
                self.txrehash = if val == -1 { txrehash_sysctl(profile) } else { val as u8 };
            }
            SO_REUSEADDR => self.reuse = u8::from(val != 0),
            SO_REUSEPORT => {
                if val != 0 && !self.is_inet() {
                    return Err(Errno::EOPNOTSUPP);
                }
                self.reuseport = val != 0;
            }
            SO_SNDBUF => {
                let v = (val as u32).min(profile.wmem_max) as i32;
                let v = v.min(i32::MAX / 2);
                self.sndbuf_locked = true;
                self.sndbuf = v.wrapping_mul(2).max(sock_min_sndbuf(profile));
            }
            SO_RCVBUF => {
                let v = (val as u32).min(profile.rmem_max) as i32;
                self.set_rcvbuf(v, profile);
                if self.rules.has(Rule::SockoptRcvbufSetsWindowClamp) && self.protocol == IPPROTO_TCP {
                    // tcp_set_rcvbuf(): tcp_set_window_clamp(tcp_win_from_space(sk_rcvbuf)).
                    let win = ((i64::from(self.rcvbuf) * i64::from(self.scaling_ratio)) >> 8) as i32;
                    if win != 0 {
                        self.window_clamp = win.max(sock_min_rcvbuf(profile) / 2) as u32;
                    } else if self.state == TCP_CLOSE {
                        self.window_clamp = 0;
                    }
                }
            }
            SO_KEEPALIVE => self.keepopen = val != 0,
            SO_RCVLOWAT => {
                let v = if val < 0 { i32::MAX } else { val };
                if self.has_socket && self.protocol == IPPROTO_TCP {
                    self.tcp_set_rcvlowat(v, profile);
                } else {
                    self.rcvlowat = if v == 0 { 1 } else { v };
                }
            }
            SO_MARK => self.mark = val as u32,
            SO_BINDTOIFINDEX => self.bindtoindex(ctx, val)?,
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// Kernel: net/core/sock.c, `__sock_set_rcvbuf()`.
    fn set_rcvbuf(&mut self, val: i32, profile: &KernelProfile) {
        let v = val.min(i32::MAX / 2);
        self.rcvbuf_locked = true;
        self.rcvbuf = v.wrapping_mul(2).max(sock_min_rcvbuf(profile));
    }

    /// Kernel: net/ipv4/tcp.c, `tcp_set_rcvlowat()`: the mark is capped to half the locked `sk_rcvbuf`
    /// (or half of `tcp_rmem[2]`); 0 reads back as 1. An unlocked buffer then grows to hold the mark:
    /// with [`Rule::SockoptRcvlowatSpaceFromWin`] to `tcp_space_from_win(mark)` (by `scaling_ratio`),
    /// `window_clamp` following ([`Rule::SockoptRcvlowatKeepsWindowClamp`]: only a non-zero, smaller
    /// one is raised to the mark; before: set to the mark); before that rule, to twice the mark, with
    /// `window_clamp = tcp_win_from_space(twice the mark)` by `net.ipv4.tcp_adv_win_scale`.
    fn tcp_set_rcvlowat(&mut self, val: i32, profile: &KernelProfile) {
        let cap = if self.rcvbuf_locked { self.rcvbuf >> 1 } else { tcp_rmem_max(profile) >> 1 };
        let v = val.min(cap);
        self.rcvlowat = if v == 0 { 1 } else { v };
        if self.rcvbuf_locked {
            return;
        }
        if !self.rules.has(Rule::SockoptRcvlowatSpaceFromWin) {
            let space = v.wrapping_mul(2);
            if space > self.rcvbuf {
                self.rcvbuf = space;
                self.window_clamp = win_from_space(space, profile) as u32;
            }
            return;
        }
        let space = ((v as i64 as u64) << 8).checked_div(u64::from(self.scaling_ratio.max(1))).unwrap_or(0) as i32;
        if space > self.rcvbuf {
            self.rcvbuf = space;
            let raise = self.window_clamp != 0 && self.window_clamp < v as u32;
            if raise || !self.rules.has(Rule::SockoptRcvlowatKeepsWindowClamp) {
                self.window_clamp = v as u32;
            }
        }
    }

    /// Kernel: net/core/sock.c, `sock_setbindtodevice()`.
    fn set_bindtodevice(&mut self, ctx: &CallCtx, optval: &[u8]) -> Result<(), Errno> {
        let n = optval.len().min(IFNAMSIZ - 1);
        let name = &optval[..n];
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(n)];
        let index = if name.is_empty() {
            0
        } else {
            match ctx.devices.iter().find(|(d, _)| d.as_bytes() == name) {
                Some((_, idx)) => *idx,
                None => return Err(Errno::ENODEV),
            }
        };
        self.bindtoindex(ctx, index)
    }

    /// Kernel: net/core/sock.c, `sock_bindtoindex_locked()`: a bound socket needs `CAP_NET_RAW`
    /// (`-EPERM`), a negative index is `-EINVAL`.
    fn bindtoindex(&mut self, ctx: &CallCtx, index: i32) -> Result<(), Errno> {
        if self.bound_dev_if != 0 && !ctx.cap_net_raw {
            return Err(Errno::EPERM);
        }
        if index < 0 {
            return Err(Errno::EINVAL);
        }
        self.bound_dev_if = index;
        Ok(())
    }

    /// Kernel: net/core/filter.c, `sol_socket_sockopt()` (get) → `sk_bpf_set_get_cb_flags()` or
    /// net/core/sock.c, `sk_getsockopt()`. Returns the bytes written.
    pub(super) fn sol_socket_get(&self, optname: i32, buf: &mut [u8]) -> Result<usize, Errno> {
        if optname == SO_BINDTODEVICE {
            return Err(Errno::EINVAL);
        }
        int_opt_len(SockOpt::from_raw(SOL_SOCKET, optname).on(self.rules, false), buf.len())?;
        let v: i32 = match optname {
            SK_BPF_CB_FLAGS => self.bpf_cb_flags as i32,
            SO_SNDBUF => self.sndbuf,
            SO_RCVBUF => self.rcvbuf,
            SO_REUSEADDR => i32::from(self.reuse),
            SO_REUSEPORT => i32::from(self.reuseport),
            SO_KEEPALIVE => i32::from(self.keepopen),
            SO_PRIORITY => self.priority as i32,
            SO_RCVLOWAT => self.rcvlowat,
            SO_MARK => self.mark as i32,
            SO_MAX_PACING_RATE => self.max_pacing_rate.min(u64::from(u32::MAX)) as u32 as i32,
            SO_BINDTOIFINDEX => self.bound_dev_if,
            SO_TXREHASH => {
                if !self.is_tcp() {
                    return Err(Errno::EOPNOTSUPP);
                }
                i32::from(self.txrehash)
            }
            _ => return Err(Errno::EINVAL),
        };
        Ok(put_int(buf, v))
    }
}

/// `tcp_win_from_space()` before the scaling ratio: `space - (space >> scale)`, or `space >> -scale` for a
/// scale of 0 or below, with `net.ipv4.tcp_adv_win_scale` (default 1; the sysctl allows -31..=31).
fn win_from_space(space: i32, profile: &KernelProfile) -> i32 {
    let scale: i32 =
        profile.sysctl("net.ipv4.tcp_adv_win_scale").and_then(|v| v.trim().parse().ok()).unwrap_or(1).clamp(-31, 31);
    if scale <= 0 {
        space >> scale.unsigned_abs()
    } else {
        space - (space >> scale)
    }
}

/// `tcp_rmem[2]` from the profile (the kernel's default, 6 MiB, when the profile does not say).
fn tcp_rmem_max(profile: &KernelProfile) -> i32 {
    profile
        .sysctl("net.ipv4.tcp_rmem")
        .and_then(|v| v.split_whitespace().nth(2))
        .and_then(|v| v.parse().ok())
        .unwrap_or(6 << 20)
}

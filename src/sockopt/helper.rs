//! The helpers' entry points and check order before the level dispatch (`net/core/filter.c`,
//! `__bpf_setsockopt()`, `__bpf_getsockopt()`, the sock_ops `TCP_BPF_SYN*` path), and their kernel ABI face.

use super::{
    CallCtx, Caller, Sock, SockOpt, BPF_SOCK_OPS_ALL_CB_FLAGS, BPF_SOCK_OPS_WRITE_HDR_OPT_CB, SOL_IP, SOL_IPV6,
    SOL_SOCKET, SOL_TCP, TCP_BPF_SYN, TCP_BPF_SYN_IP, TCP_BPF_SYN_MAC,
};
use crate::{Errno, KernelProfile};

impl Sock {
    /// `bpf_setsockopt(ctx, level, optname, optval, optlen)` with `optlen = optval.len()`.
    ///
    /// Kernel: net/core/filter.c, `bpf_sock_ops_setsockopt()` / `bpf_sock_addr_setsockopt()` /
    /// `bpf_sk_setsockopt()` / `bpf_unlocked_sk_setsockopt()` → `__bpf_setsockopt()`. Checks in order:
    /// 0. an empty `optval`: `-EACCES`. This is the verifier's answer at load time, not a run-time one:
    ///    `optlen` is an `ARG_CONST_SIZE` argument, and a size that may be zero is refused ("invalid
    ///    zero-sized read", `-EACCES`), so no loaded program makes this call and nothing changes;
    /// 1. sock_ops past `BPF_SOCK_OPS_WRITE_HDR_OPT_CB`: `-EOPNOTSUPP`;
    /// 2. not a full socket: `-EINVAL`;
    /// 3. the level: `SOL_SOCKET`, `SOL_IP`, `SOL_IPV6`, `SOL_TCP`, else `-EINVAL`;
    /// 4. the level's checks and the option's (see the module table).
    ///
    /// A failed call leaves the socket unchanged.
    ///
    /// ```
    /// use bpf_model::sockopt::*;
    /// use bpf_model::{Errno, KernelProfile};
    /// let p = KernelProfile::x86_64_v6_18(); // HZ=250
    /// let mut sk = Sock::tcp(true, TCP_ESTABLISHED, p.rules().unwrap(), &p);
    /// let ctx = CallCtx::sock_ops(5);
    /// assert_eq!(sk.setsockopt(&ctx, SOL_TCP, TCP_BPF_DELACK_MAX, &30000i32.to_le_bytes(), &p), Ok(()));
    /// let mut buf = [0u8; 4];
    /// sk.getsockopt(&ctx, SOL_TCP, TCP_BPF_DELACK_MAX, &mut buf, &p).unwrap();
    /// assert_eq!(i32::from_le_bytes(buf), 32000); // 8 jiffies of 4 ms
    /// // IP_TOS on an AF_INET6 socket: fine while it is dual-stack, -EINVAL once IPV6_V6ONLY.
    /// assert_eq!(sk.setsockopt(&ctx, SOL_IP, IP_TOS, &0x10i32.to_le_bytes(), &p), Ok(()));
    /// sk.ipv6only = true;
    /// assert_eq!(sk.setsockopt(&ctx, SOL_IP, IP_TOS, &0i32.to_le_bytes(), &p), Err(Errno::EINVAL));
    /// assert_eq!(sk.setsockopt(&ctx, SOL_TCP, TCP_CONGESTION, b"cdg\0", &p), Err(Errno::ENOTSUPP));
    /// assert_eq!(sk.setsockopt(&CallCtx::sock_ops(20), SOL_SOCKET, SO_MARK, &[0; 4], &p), Err(Errno::EOPNOTSUPP));
    /// ```
    pub fn setsockopt(
        &mut self,
        ctx: &CallCtx,
        level: i32,
        optname: i32,
        optval: &[u8],
        profile: &KernelProfile,
    ) -> Result<(), Errno> {
        if optval.is_empty() {
            return Err(Errno::EACCES);
        }
        if ctx.unlocked_sock_ops() {
            return Err(Errno::EOPNOTSUPP);
        }
        if !self.fullsock() {
            return Err(Errno::EINVAL);
        }
        match level {
            SOL_SOCKET => self.sol_socket_set(ctx, optname, optval, profile),
            SOL_IP => self.sol_ip_set(optname, optval),
            SOL_IPV6 => self.sol_ipv6_set(optname, optval),
            SOL_TCP => self.sol_tcp_set(optname, optval, profile),
            _ => Err(Errno::EINVAL),
        }
    }

    /// `bpf_getsockopt(ctx, level, optname, buf, buf.len())`: `Ok(0)`, or for sock_ops
    /// `TCP_BPF_SYN*` the length of the saved headers; `buf` is written as the kernel writes it.
    ///
    /// Kernel: net/core/filter.c, `bpf_sock_ops_getsockopt()` / `bpf_sock_addr_getsockopt()` /
    /// `bpf_sk_getsockopt()` → `__bpf_getsockopt()`. Checks in order:
    /// 0. an empty `buf`: `-EACCES`, the verifier's load-time refusal of a zero `optlen` (as for
    ///    [`Sock::setsockopt`]);
    /// 1. sock_ops past `BPF_SOCK_OPS_WRITE_HDR_OPT_CB`: `-EOPNOTSUPP`, **`buf` untouched**;
    /// 2. sock_ops, `SOL_TCP`, `TCP_BPF_SYN` / `_IP` / `_MAC` (full socket or not): the saved SYN
    ///    (`-ENOENT` without one, or for `_MAC` without a saved MAC header); a `buf` shorter than the
    ///    headers gets the first bytes and `-ENOSPC`; the rest of `buf` is zeroed;
    /// 3. not a full socket: `-EINVAL`;
    /// 4. the level: `SOL_SOCKET`, `SOL_TCP`, `SOL_IP`, `SOL_IPV6`, else `-EINVAL`;
    /// 5. the level's checks and the option's;
    /// 6. on error all of `buf` is zeroed; on success the bytes past what the option wrote are zeroed.
    ///
    /// ```
    /// use bpf_model::sockopt::*;
    /// use bpf_model::{Errno, KernelProfile};
    /// let p = KernelProfile::x86_64_v6_18();
    /// let sk = Sock::tcp(false, TCP_ESTABLISHED, p.rules().unwrap(), &p);
    /// let ctx = CallCtx::new(Caller::Locked);
    /// let mut buf = [0xAAu8; 8];
    /// assert_eq!(sk.getsockopt(&ctx, SOL_TCP, TCP_CONGESTION, &mut buf, &p), Ok(0));
    /// assert_eq!(&buf, b"bbr\0\0\0\0\0");
    /// let mut short = [0xAAu8; 3];
    /// assert_eq!(sk.getsockopt(&ctx, SOL_TCP, TCP_CONGESTION, &mut short, &p), Ok(0));
    /// assert_eq!(&short, b"bb\0"); // the last byte is always the NUL
    /// assert_eq!(sk.getsockopt(&ctx, SOL_TCP, TCP_BPF_IW, &mut buf[..4], &p), Err(Errno::EINVAL));
    /// ```
    pub fn getsockopt(
        &self,
        ctx: &CallCtx,
        level: i32,
        optname: i32,
        buf: &mut [u8],
        profile: &KernelProfile,
    ) -> Result<u32, Errno> {
        if buf.is_empty() {
            return Err(Errno::EACCES);
        }
        if ctx.unlocked_sock_ops() {
            return Err(Errno::EOPNOTSUPP);
        }
        if matches!(ctx.caller, Caller::SockOps { .. })
            && level == SOL_TCP
            && (TCP_BPF_SYN..=TCP_BPF_SYN_MAC).contains(&optname)
        {
            return self.sock_ops_get_syn(optname, buf);
        }
        let result = if !self.fullsock() {
            Err(Errno::EINVAL)
        } else {
            match level {
                SOL_SOCKET => self.sol_socket_get(optname, buf),
                SOL_TCP => self.sol_tcp_get(optname, buf, profile),
                SOL_IP => self.sol_ip_get(optname, buf),
                SOL_IPV6 => self.sol_ipv6_get(optname, buf),
                _ => Err(Errno::EINVAL),
            }
        };
        // __bpf_getsockopt(): zero what the option did not write (all of it on error).
        let written = match result {
            Ok(n) => n.min(buf.len()),
            Err(_) => 0,
        };
        buf[written..].fill(0);
        result.map(|_| 0)
    }

    /// Kernel: net/core/filter.c, `bpf_sock_ops_get_syn()` and the `TCP_BPF_SYN*` branch of
    /// `bpf_sock_ops_getsockopt()`. There is no SYN skb in the callbacks the model covers (it exists
    /// only while writing a SYN-ACK's header options), so the source is the saved SYN.
    fn sock_ops_get_syn(&self, optname: i32, buf: &mut [u8]) -> Result<u32, Errno> {
        let result = match &self.saved_syn {
            None => Err(Errno::ENOENT),
            Some(s) => {
                // u32 arithmetic, wrapping as the kernel's does (its lengths come from one skb).
                let (start, len) = match optname {
                    TCP_BPF_SYN => (s.mac_hdrlen.wrapping_add(s.network_hdrlen), s.tcp_hdrlen),
                    TCP_BPF_SYN_IP => (s.mac_hdrlen, s.network_hdrlen.wrapping_add(s.tcp_hdrlen)),
                    _ if s.mac_hdrlen == 0 => (0, 0),
                    _ => (0, s.len()),
                };
                if len == 0 {
                    Err(Errno::ENOENT)
                } else {
                    Ok((start as usize, len as usize))
                }
            }
        };
        match result {
            Err(e) => {
                buf.fill(0);
                Err(e)
            }
            Ok((start, len)) => {
                let copy = len.min(buf.len());
                let src = self.saved_syn.as_ref().map_or(&[][..], |s| &s.data[..]);
                for (i, b) in buf.iter_mut().enumerate() {
                    *b = if i < copy { start.checked_add(i).and_then(|k| src.get(k)).copied().unwrap_or(0) } else { 0 };
                }
                if buf.len() < len {
                    Err(Errno::ENOSPC)
                } else {
                    Ok(len as u32)
                }
            }
        }
    }
}

impl Sock {
    /// `bpf_setsockopt` of an int option: `val` as the 4-byte `optval`.
    ///
    /// ```
    /// use bpf_model::sockopt::*;
    /// let p = bpf_model::KernelProfile::x86_64_v6_18();
    /// let ctx = CallCtx::new(Caller::Locked);
    /// let mut sk = Sock::tcp(false, TCP_ESTABLISHED, p.rules().unwrap(), &p);
    /// sk.set_int(&ctx, SockOpt::IpTos, 0x11, &p).unwrap();
    /// assert_eq!(sk.get_int(&ctx, SockOpt::IpTos, &p), Ok(0x10)); // TCP keeps the old ECN bits (0)
    /// assert_eq!(sk.get_int(&ctx, SockOpt::Priority, &p), Ok(6)); // IPTOS_LOWDELAY: TC_PRIO_INTERACTIVE
    /// assert_eq!(SockOpt::IpTos.level(), Level::Ip);
    /// ```
    pub fn set_int(&mut self, ctx: &CallCtx, opt: SockOpt, val: i32, profile: &KernelProfile) -> Result<(), Errno> {
        let (level, optname) = opt.raw();
        self.setsockopt(ctx, level, optname, &val.to_le_bytes(), profile)
    }

    /// `bpf_getsockopt` of an int option with a 4-byte buffer.
    pub fn get_int(&self, ctx: &CallCtx, opt: SockOpt, profile: &KernelProfile) -> Result<i32, Errno> {
        let (level, optname) = opt.raw();
        let mut buf = [0u8; 4];
        self.getsockopt(ctx, level, optname, &mut buf, profile)?;
        Ok(i32::from_le_bytes(buf))
    }
}

impl Sock {
    /// `bpf_sock_ops_cb_flags_set(bpf_sock, argval)` from sock_ops callback `op`: sets
    /// `bpf_sock_ops_cb_flags` to `argval & BPF_SOCK_OPS_ALL_CB_FLAGS` and returns the bits it could not
    /// set (`argval & !0x7f`, sign-extended), so unlike `TCP_BPF_SOCK_OPS_CB_FLAGS` an unknown bit is not an
    /// error.
    ///
    /// Kernel: net/core/filter.c, `bpf_sock_ops_cb_flags_set()`. Checks in order: a callback past
    /// `BPF_SOCK_OPS_WRITE_HDR_OPT_CB` is `-EOPNOTSUPP`; not a full socket is `-EINVAL`. Callable from
    /// sock_ops programs only (since v4.16).
    ///
    /// ```
    /// use bpf_model::sockopt::*;
    /// let p = bpf_model::KernelProfile::x86_64_v6_18();
    /// let mut sk = Sock::tcp(false, TCP_ESTABLISHED, p.rules().unwrap(), &p);
    /// assert_eq!(sk.sock_ops_cb_flags_set(4, 0x85), Ok(0x80));
    /// assert_eq!(sk.sock_ops_cb_flags, 0x05);
    /// assert_eq!(sk.sock_ops_cb_flags_set(20, 1), Err(bpf_model::Errno::EOPNOTSUPP));
    /// ```
    pub fn sock_ops_cb_flags_set(&mut self, op: u32, argval: i32) -> Result<i64, Errno> {
        let val = argval as u32 & BPF_SOCK_OPS_ALL_CB_FLAGS;
        if op > BPF_SOCK_OPS_WRITE_HDR_OPT_CB {
            return Err(Errno::EOPNOTSUPP);
        }
        if !self.fullsock() {
            return Err(Errno::EINVAL);
        }
        self.sock_ops_cb_flags = val;
        Ok(i64::from(argval & !(BPF_SOCK_OPS_ALL_CB_FLAGS as i32)))
    }
}

/// The kernel ABI face of [`Sock::setsockopt`]: `0` or `-errno`.
///
/// ```
/// use bpf_model::sockopt::*;
/// let p = bpf_model::KernelProfile::x86_64_v6_18();
/// let mut sk = Sock::tcp(false, TCP_ESTABLISHED, p.rules().unwrap(), &p);
/// assert_eq!(bpf_setsockopt(&mut sk, &CallCtx::sock_ops(4), 99, 1, &[0; 4], &p), -22);
/// ```
pub fn bpf_setsockopt(
    sk: &mut Sock,
    ctx: &CallCtx,
    level: i32,
    optname: i32,
    optval: &[u8],
    profile: &KernelProfile,
) -> i64 {
    Errno::ret_of(sk.setsockopt(ctx, level, optname, optval, profile).map(|()| 0i64))
}

/// The kernel ABI face of [`Sock::getsockopt`]: `0`, the header length for `TCP_BPF_SYN*`, or `-errno`.
///
/// ```
/// use bpf_model::sockopt::*;
/// let p = bpf_model::KernelProfile::x86_64_v6_18();
/// let sk = Sock::tcp(false, TCP_ESTABLISHED, p.rules().unwrap(), &p);
/// let mut buf = [0u8; 8];
/// assert_eq!(bpf_getsockopt(&sk, &CallCtx::sock_ops(4), SOL_TCP, TCP_BPF_SYN, &mut buf, &p), -2);
/// ```
pub fn bpf_getsockopt(
    sk: &Sock,
    ctx: &CallCtx,
    level: i32,
    optname: i32,
    buf: &mut [u8],
    profile: &KernelProfile,
) -> i64 {
    Errno::ret_of(sk.getsockopt(ctx, level, optname, buf, profile).map(i64::from))
}

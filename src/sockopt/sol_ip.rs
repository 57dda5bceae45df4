//! `SOL_IP` and `SOL_IPV6`: `sol_ip_sockopt()` / `sol_ipv6_sockopt()` (`net/core/filter.c`) into
//! `do_ip_setsockopt()` (`net/ipv4/ip_sockglue.c`) and `do_ipv6_setsockopt()` (`net/ipv6/ipv6_sockglue.c`).

use super::whitelist::{int_opt, int_opt_len, put_int};
use super::{Sock, SockOpt, AF_INET6, SOCK_STREAM, SOL_IP, SOL_IPV6};
use crate::Errno;

impl Sock {
    /// Kernel: net/core/filter.c, `sol_ip_sockopt()` (set) → net/ipv4/ip_sockglue.c,
    /// `do_ip_setsockopt()`: `IP_TOS` → `__ip_sock_set_tos()`; `IP_TRANSPARENT` (7.3) sets the socket's
    /// transparent bit (`val != 0`; the `CAP_NET_RAW`/`CAP_NET_ADMIN` check passes under BPF).
    ///
    /// Checks in order: the family ([`Sock::ip_level_ok`]), the option against the whitelist of the
    /// socket's kernel, `optlen == 4`.
    pub(super) fn sol_ip_set(&mut self, optname: i32, optval: &[u8]) -> Result<(), Errno> {
        if !self.ip_level_ok() {
            return Err(Errno::EINVAL);
        }
        let opt = SockOpt::from_raw(SOL_IP, optname).on(self.rules, true);
        let mut val = int_opt(opt, optval)?;
        if opt == SockOpt::IpTransparent {
            self.transparent = val != 0;
            return Ok(());
        }
        let old = self.tos;
        if self.sk_type == SOCK_STREAM {
            val &= !3;
            val |= i32::from(old & 3);
        }
        // An int compared with the old u8: 0x1e0 differs from 0xe0 although it stores the same byte.
        if i32::from(old) != val {
            self.tos = val as u8;
            self.priority = u32::from(rt_tos2priority(val as u8));
        }
        Ok(())
    }

    /// Kernel: net/core/filter.c, `sol_ip_sockopt()` (get) → `do_ip_getsockopt()`: `IP_TOS` reads the
    /// TOS byte, `IP_TRANSPARENT` the transparent bit.
    pub(super) fn sol_ip_get(&self, optname: i32, buf: &mut [u8]) -> Result<usize, Errno> {
        if !self.ip_level_ok() {
            return Err(Errno::EINVAL);
        }
        let opt = SockOpt::from_raw(SOL_IP, optname).on(self.rules, false);
        int_opt_len(opt, buf.len())?;
        let v = if opt == SockOpt::IpTransparent { i32::from(self.transparent) } else { i32::from(self.tos) };
        Ok(put_int(buf, v))
    }

    /// Kernel: net/core/filter.c, `sol_ipv6_sockopt()` (set) → net/ipv6/ipv6_sockglue.c,
    /// `do_ipv6_setsockopt()`: `IPV6_TCLASS` (`-1..=255`, `-1` meaning 0, the ECN bits kept on TCP),
    /// `IPV6_AUTOFLOWLABEL` (on/off; from then on the sysctl no longer applies), `IPV6_TRANSPARENT` (7.3,
    /// the same transparent bit as `IP_TRANSPARENT`).
    pub(super) fn sol_ipv6_set(&mut self, optname: i32, optval: &[u8]) -> Result<(), Errno> {
        if self.family != AF_INET6 {
            return Err(Errno::EINVAL);
        }
        let opt = SockOpt::from_raw(SOL_IPV6, optname).on(self.rules, true);
        let mut val = int_opt(opt, optval)?;
        match opt {
            SockOpt::Ipv6AutoFlowLabel => {
                self.autoflowlabel = val != 0;
                return Ok(());
            }
            SockOpt::Ipv6Transparent => {
                self.transparent = val != 0;
                return Ok(());
            }
            _ => {}
        }
        if !(-1..=0xff).contains(&val) {
            return Err(Errno::EINVAL);
        }
        if val == -1 {
            val = 0;
        }
        if self.sk_type == SOCK_STREAM {
            val &= !3;
            val |= i32::from(self.tclass & 3);
        }
        self.tclass = val as u8;
        Ok(())
    }

    /// Kernel: net/core/filter.c, `sol_ipv6_sockopt()` (get) → `do_ipv6_getsockopt()`.
    pub(super) fn sol_ipv6_get(&self, optname: i32, buf: &mut [u8]) -> Result<usize, Errno> {
        if self.family != AF_INET6 {
            return Err(Errno::EINVAL);
        }
        let opt = SockOpt::from_raw(SOL_IPV6, optname).on(self.rules, false);
        int_opt_len(opt, buf.len())?;
        let v = match opt {
            SockOpt::Ipv6Transparent => i32::from(self.transparent),
            SockOpt::Ipv6AutoFlowLabel => i32::from(self.autoflowlabel),
            _ => i32::from(self.tclass),
        };
        Ok(put_int(buf, v))
    }
}

/// `rt_tos2priority()`: the `SO_PRIORITY` an `IP_TOS` change sets (`ip_tos2prio[(tos & 0x1e) >> 1]`).
pub fn rt_tos2priority(tos: u8) -> u8 {
    const TABLE: [u8; 16] = [0, 0, 0, 0, 2, 2, 2, 2, 6, 6, 6, 6, 4, 4, 4, 4];
    TABLE[usize::from((tos & 0x1e) >> 1)]
}

//! `SOL_TCP`: `sol_tcp_sockopt()` and `bpf_sol_tcp_setsockopt()` (`net/core/filter.c`) into `do_tcp_setsockopt()`
//! / `do_tcp_getsockopt()` (`net/ipv4/tcp.c`) and `tcp_set_congestion_control()` (`net/ipv4/tcp_cong.c`).

use super::whitelist::{int_opt, int_opt_len, put_int, read_int};
use super::{
    jiffies_to_msecs, jiffies_to_usecs, msecs_to_jiffies, sock_min_rcvbuf, usecs_to_jiffies, Sock, SockOpt,
    BPF_SOCK_OPS_ALL_CB_FLAGS, MAX_TCP_KEEPCNT, MAX_TCP_KEEPIDLE, MAX_TCP_WINDOW, SOL_TCP, TCP_CA_NAME_MAX, TCP_CLOSE,
    TCP_LISTEN, TCP_MIN_MSS,
};
use crate::version::Rule;
use crate::{Errno, KernelProfile};

impl Sock {
    /// Kernel: net/core/filter.c, `sol_tcp_sockopt()` (set) → `sol_tcp_sockopt_congestion()`,
    /// `bpf_sol_tcp_setsockopt()` or net/ipv4/tcp.c, `do_tcp_setsockopt()`.
    pub(super) fn sol_tcp_set(&mut self, optname: i32, optval: &[u8], profile: &KernelProfile) -> Result<(), Errno> {
        if !self.tcp_level_ok() {
            return Err(Errno::EINVAL);
        }
        let opt = SockOpt::from_raw(SOL_TCP, optname).on(self.rules, true);
        match opt {
            SockOpt::TcpCongestion => return self.set_congestion(optval, profile),
            SockOpt::TcpSavedSyn => {
                // do_tcp_setsockopt(): an int option shorter than an int, else not a settable option.
                return Err(if optval.len() < 4 { Errno::EINVAL } else { Errno::ENOPROTOOPT });
            }
            opt if opt.is_tcp_int() => {}
            _ => return self.bpf_sol_tcp_set(opt, optval, profile),
        }
        let val = int_opt(opt, optval)?;
        let hz = profile.hz;
        match opt {
            SockOpt::TcpSyncnt => self.syncnt = range(val, 1, MAX_TCP_KEEPCNT)?,
            SockOpt::TcpUserTimeout => self.user_timeout = range(val, 0, i32::MAX)? as u32,
            SockOpt::TcpKeepIntvl => self.keepintvl = range(val, 1, MAX_TCP_KEEPIDLE)?,
            SockOpt::TcpKeepCnt => self.keepcnt = range(val, 1, MAX_TCP_KEEPCNT)?,
            SockOpt::TcpRtoMaxMs => self.rto_max = msecs_to_jiffies(range(val, 1000, 120_000)? as u32, hz) as u32,
            SockOpt::TcpMaxseg => {
                if val != 0 && !(TCP_MIN_MSS..=MAX_TCP_WINDOW).contains(&val) {
                    return Err(Errno::EINVAL);
                }
                self.user_mss = val;
            }
            SockOpt::TcpNodelay => self.nodelay = val != 0,
            SockOpt::TcpThinLinearTimeouts => self.thin_lto = range(val, 0, 1)? == 1,
            SockOpt::TcpKeepIdle => self.keepidle = range(val, 1, MAX_TCP_KEEPIDLE)?,
            SockOpt::TcpSaveSyn => self.save_syn = range(val, 0, 2)? as u8,
            SockOpt::TcpWindowClamp => {
                // tcp_set_window_clamp()
                if val == 0 {
                    if self.state != TCP_CLOSE {
                        return Err(Errno::EINVAL);
                    }
                    self.window_clamp = 0;
                } else if self.rules.has(Rule::SockoptWindowClampSigned) {
                    self.window_clamp = val.max(sock_min_rcvbuf(profile) / 2) as u32;
                } else {
                    // `val < SOCK_MIN_RCVBUF / 2` with a size_t on the right: a negative val is huge.
                    let min = sock_min_rcvbuf(profile) / 2;
                    self.window_clamp = if (val as u32) < min as u32 { min as u32 } else { val as u32 };
                }
            }
            SockOpt::TcpNotsentLowat => self.notsent_lowat = val as u32,
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// Kernel: net/core/filter.c, `bpf_sol_tcp_setsockopt()`.
    fn bpf_sol_tcp_set(&mut self, opt: SockOpt, optval: &[u8], profile: &KernelProfile) -> Result<(), Errno> {
        if optval.len() != 4 {
            return Err(Errno::EINVAL);
        }
        let val = read_int(optval);
        let hz = profile.hz;
        match opt {
            SockOpt::TcpBpfIw => {
                if val <= 0 || self.data_segs_out > self.syn_data {
                    return Err(Errno::EINVAL);
                }
                self.snd_cwnd = val as u32;
            }
            SockOpt::TcpBpfSndcwndClamp => {
                if val <= 0 {
                    return Err(Errno::EINVAL);
                }
                self.snd_cwnd_clamp = val as u32;
                self.snd_ssthresh = val as u32;
            }
            SockOpt::TcpBpfDelackMax | SockOpt::TcpBpfRtoMin => {
                let j = usecs_to_jiffies(val as u32, hz);
                if j > u64::from(hz / 5) || j < 2 {
                    return Err(Errno::EINVAL);
                }
                if opt == SockOpt::TcpBpfDelackMax {
                    self.delack_max = j as u32;
                } else {
                    self.rto_min = j as u32;
                }
            }
            SockOpt::TcpBpfSockOpsCbFlags => {
                if val as u32 & !BPF_SOCK_OPS_ALL_CB_FLAGS != 0 {
                    return Err(Errno::EINVAL);
                }
                self.sock_ops_cb_flags = val as u32;
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// Kernel: net/core/filter.c, `sol_tcp_sockopt_congestion()` (set) → net/ipv4/tcp.c,
    /// `do_tcp_setsockopt(TCP_CONGESTION)` → net/ipv4/tcp_cong.c, `tcp_set_congestion_control()` with
    /// `load = false` (no module autoload from BPF) and `cap_net_admin = true`.
    fn set_congestion(&mut self, optval: &[u8], profile: &KernelProfile) -> Result<(), Errno> {
        if optval.len() < 2 {
            return Err(Errno::EINVAL);
        }
        // strncmp("cdg", optval, optlen) == 0 with optlen >= 3.
        if optval.len() >= 3 && &optval[..3] == b"cdg" && (optval.len() == 3 || optval[3] == 0) {
            return Err(Errno::ENOTSUPP);
        }
        if self.bpf_chg_cc_inprogress {
            return Err(Errno::EBUSY);
        }
        let n = optval.len().min(TCP_CA_NAME_MAX - 1);
        let name = &optval[..n];
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(n)];
        if self.ca_dst_locked {
            return Err(Errno::EPERM);
        }
        if self.congestion.as_bytes() == name {
            return Ok(());
        }
        match profile.tcp_available_congestion_control.iter().find(|c| c.as_bytes() == name) {
            None => Err(Errno::ENOENT),
            Some(c) => {
                self.congestion = c.clone();
                // tcp_reinit_congestion_control(): no algorithm of the profile needs ECN, so
                // INET_ECN_dontxmit() clears the ECN bits.
                self.tos &= !3;
                self.tclass &= !3;
                Ok(())
            }
        }
    }

    /// Kernel: net/core/filter.c, `sol_tcp_sockopt()` (get) → `sol_tcp_sockopt_congestion()`,
    /// `bpf_sol_tcp_getsockopt()` or net/ipv4/tcp.c, `do_tcp_getsockopt()`.
    pub(super) fn sol_tcp_get(&self, optname: i32, buf: &mut [u8], profile: &KernelProfile) -> Result<usize, Errno> {
        if !self.tcp_level_ok() {
            return Err(Errno::EINVAL);
        }
        let opt = SockOpt::from_raw(SOL_TCP, optname).on(self.rules, false);
        let hz = profile.hz;
        let v: i32 = match opt {
            SockOpt::TcpCongestion => {
                if buf.len() < 2 {
                    return Err(Errno::EINVAL);
                }
                let n = (buf.len() - 1).min(TCP_CA_NAME_MAX);
                let name = self.congestion.as_bytes();
                for (i, b) in buf[..n].iter_mut().enumerate() {
                    *b = name.get(i).copied().unwrap_or(0);
                }
                return Ok(n);
            }
            SockOpt::TcpSavedSyn => {
                let s = self.saved_syn.as_ref().ok_or(Errno::EINVAL)?;
                if buf.len() > s.len() as usize {
                    return Err(Errno::EINVAL);
                }
                let n = buf.len();
                for (i, b) in buf.iter_mut().enumerate() {
                    *b = s.data.get(i).copied().unwrap_or(0);
                }
                return Ok(n);
            }
            opt if opt.is_tcp_int() => {
                int_opt_len(opt, buf.len())?;
                match opt {
                    SockOpt::TcpMaxseg => {
                        if self.user_mss != 0 && (self.state == TCP_CLOSE || self.state == TCP_LISTEN) {
                            self.user_mss
                        } else {
                            self.mss_cache as i32
                        }
                    }
                    SockOpt::TcpNodelay => i32::from(self.nodelay),
                    SockOpt::TcpKeepIdle => self.keepidle,
                    SockOpt::TcpKeepIntvl => self.keepintvl,
                    SockOpt::TcpKeepCnt => self.keepcnt,
                    SockOpt::TcpSyncnt => self.syncnt,
                    SockOpt::TcpWindowClamp => self.window_clamp as i32,
                    SockOpt::TcpThinLinearTimeouts => i32::from(self.thin_lto),
                    SockOpt::TcpUserTimeout => self.user_timeout as i32,
                    SockOpt::TcpNotsentLowat => self.notsent_lowat as i32,
                    SockOpt::TcpSaveSyn => i32::from(self.save_syn),
                    SockOpt::TcpRtoMaxMs => jiffies_to_msecs(u64::from(self.rto_max), hz) as i32,
                    _ => return Err(Errno::EINVAL),
                }
            }
            _ => {
                // bpf_sol_tcp_getsockopt()
                if buf.len() != 4 {
                    return Err(Errno::EINVAL);
                }
                match opt {
                    SockOpt::TcpBpfSockOpsCbFlags => self.sock_ops_cb_flags as i32,
                    SockOpt::TcpBpfRtoMin => jiffies_to_usecs(u64::from(self.rto_min), hz) as i32,
                    SockOpt::TcpBpfDelackMax => jiffies_to_usecs(u64::from(self.delack_max), hz) as i32,
                    _ => return Err(Errno::EINVAL),
                }
            }
        };
        Ok(put_int(buf, v))
    }
}

fn range(val: i32, lo: i32, hi: i32) -> Result<i32, Errno> {
    if (lo..=hi).contains(&val) {
        Ok(val)
    } else {
        Err(Errno::EINVAL)
    }
}

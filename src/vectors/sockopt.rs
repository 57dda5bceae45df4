//! Sockopt cases: one `bpf_setsockopt` and/or `bpf_getsockopt` of one (level, optname) on a socket in a
//! known state, from one caller (a sock_ops callback, a sock_addr hook, `cgroup/setsockopt`).
//!
//! The kernel side is `oracle/bpf/sockopt.bpf.c`: it runs a batch of cases in order on one socket of a
//! loopback TCP connection. The state a case starts from (`sock`) is what the earlier cases of its batch
//! left, as the model tracked it from the values the kernel reported for the fresh socket; a case is
//! therefore self-contained and replays on its own.

use super::{ByteImage, Case};
use crate::sockopt::{bpf_getsockopt, bpf_setsockopt, CallCtx, Caller, SavedSyn, Sock};
use crate::version::Rules;
use crate::KernelProfile;
use serde::{Deserialize, Serialize};

/// The byte the kernel program's get buffers hold before a get (visible where a get leaves it alone).
pub const FILL: u8 = 0xAA;

/// Longest optval / get buffer the kernel program passes (the verifier's bound).
pub const VAL_CAP: usize = 128;

/// The socket state before the case, in a compact form: the integer fields of [`Sock`] in a fixed order,
/// the congestion control name, and the saved SYN (`[mac_hdrlen, network_hdrlen, tcp_hdrlen, hex]`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SockImage(pub Vec<i64>, pub String, pub Option<(u32, u32, u32, ByteImage)>);

macro_rules! sock_ints {
    ($($field:ident: $ty:ty),* $(,)?) => {
        impl SockImage {
            /// The image of `sk`.
            pub fn of(sk: &Sock) -> SockImage {
                let ints = vec![$(Int::to_i64(sk.$field)),*];
                let syn = sk.saved_syn.as_ref().map(|s| {
                    (s.mac_hdrlen, s.network_hdrlen, s.tcp_hdrlen, ByteImage::new(&s.data))
                });
                SockImage(ints, sk.congestion.clone(), syn)
            }

            /// The socket this image describes, in a kernel with `rules` (missing trailing fields keep
            /// [`Sock::tcp`]'s defaults).
            pub fn to_sock(&self, rules: Rules, profile: &KernelProfile) -> Sock {
                let mut sk = Sock::tcp(false, crate::sockopt::TCP_ESTABLISHED, rules, profile);
                let mut it = self.0.iter().copied();
                $(if let Some(v) = it.next() { sk.$field = <$ty as Int>::from_i64(v); })*
                sk.congestion = self.1.clone();
                sk.saved_syn = self.2.as_ref().map(|(m, n, t, data)| SavedSyn {
                    mac_hdrlen: *m,
                    network_hdrlen: *n,
                    tcp_hdrlen: *t,
                    data: match data {
                        ByteImage::Full(b) => b.clone(),
                        ByteImage::Digest { .. } => Vec::new(),
                    },
                });
                sk
            }
        }
    };
}

/// A field of [`Sock`] as one integer of [`SockImage`].
trait Int: Copy {
    fn to_i64(self) -> i64;
    fn from_i64(v: i64) -> Self;
}

macro_rules! int_impl {
    ($($t:ty),*) => {$(
        impl Int for $t {
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn from_i64(v: i64) -> Self {
                v as $t
            }
        }
    )*};
}
int_impl!(u8, u16, u32, i32, u64);

impl Int for bool {
    fn to_i64(self) -> i64 {
        i64::from(self)
    }
    fn from_i64(v: i64) -> Self {
        v != 0
    }
}

sock_ints! {
    family: u16, sk_type: u16, protocol: u16, state: u8, has_socket: bool, reuse: u8, reuseport: bool,
    keepopen: bool, priority: u32, mark: u32, sndbuf: i32, rcvbuf: i32, sndbuf_locked: bool,
    rcvbuf_locked: bool, rcvlowat: i32, max_pacing_rate: u64, bound_dev_if: i32, txrehash: u8,
    bpf_cb_flags: u32, nodelay: bool, user_mss: i32, mss_cache: u32, keepidle: i32, keepintvl: i32,
    keepcnt: i32, syncnt: i32, window_clamp: u32, thin_lto: bool, user_timeout: u32, notsent_lowat: u32,
    save_syn: u8, rto_max: u32, delack_max: u32, rto_min: u32, sock_ops_cb_flags: u32, ca_dst_locked: bool,
    bpf_chg_cc_inprogress: bool, snd_cwnd: u32, snd_cwnd_clamp: u32, snd_ssthresh: u32, data_segs_out: u32,
    syn_data: u32, scaling_ratio: u8, tos: u8, tclass: u8, autoflowlabel: bool, ipv6only: bool, transparent: bool,
}

/// A sockopt case.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SockoptCase {
    /// Where it ran: `"sockops/active_established/v4"`, `"connect/v6"`, `"setsockopt/v4"`, ...
    pub vehicle: String,
    /// The helper implementation.
    pub caller: Caller,
    /// The socket before the case.
    pub sock: SockImage,
    /// `level`.
    pub level: i32,
    /// `optname`.
    pub optname: i32,
    /// The set's optval (its length is `optlen`), when the case sets.
    pub set: Option<ByteImage>,
    /// The "set" is `bpf_sock_ops_cb_flags_set(ctx, <the first 4 bytes of set>)` instead of
    /// `bpf_setsockopt` (sock_ops callers only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cb_flags_set: bool,
    /// The get's `optlen`, 0 when the case does not get.
    pub get_len: u32,
}

/// What happened.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SockoptOutcome {
    /// `bpf_setsockopt`'s return (0 when the case does not set).
    pub set_ret: i64,
    /// `bpf_getsockopt`'s return (0 when the case does not get).
    pub get_ret: i64,
    /// The get buffer afterwards (filled with [`FILL`] before the call; empty without a get).
    pub buf: ByteImage,
}

impl SockoptCase {
    /// Runs the case on `sk` (which it changes as the kernel would), returning the outcome.
    pub fn apply(&self, sk: &mut Sock, profile: &KernelProfile) -> SockoptOutcome {
        let ctx = CallCtx::new(self.caller);
        let set_ret = match (&self.set, self.caller) {
            (Some(ByteImage::Full(v)), Caller::SockOps { op }) if self.cb_flags_set => {
                let mut b = [0u8; 4];
                b.iter_mut().zip(v).for_each(|(d, s)| *d = *s);
                crate::Errno::ret_of(sk.sock_ops_cb_flags_set(op, i32::from_le_bytes(b)))
            }
            (Some(ByteImage::Full(v)), _) => bpf_setsockopt(sk, &ctx, self.level, self.optname, v, profile),
            _ => 0,
        };
        let mut buf = vec![FILL; self.get_len as usize];
        let get_ret =
            if self.get_len > 0 { bpf_getsockopt(sk, &ctx, self.level, self.optname, &mut buf, profile) } else { 0 };
        SockoptOutcome { set_ret, get_ret, buf: ByteImage::new(&buf) }
    }
}

impl Case for SockoptCase {
    type Outcome = SockoptOutcome;
    const AREA: &'static str = "sockopt";

    /// The case on a socket of the profile's kernel. A profile outside 6.1-7.3 has no rules: the outcome
    /// is then `i64::MIN` for both returns, which no kernel produces, so the replay reports it.
    fn run_model(&self, profile: &KernelProfile) -> SockoptOutcome {
        let Ok(rules) = profile.rules() else {
            return SockoptOutcome { set_ret: i64::MIN, get_ret: i64::MIN, buf: ByteImage::new(&[]) };
        };
        let mut sk = self.sock.to_sock(rules, profile);
        self.apply(&mut sk, profile)
    }

    fn label(&self) -> String {
        self.vehicle.clone()
    }

    fn outcome_for_record(outcome: &SockoptOutcome) -> SockoptOutcome {
        SockoptOutcome { buf: outcome.buf.for_record(), ..outcome.clone() }
    }
}

//! The numbers: socket levels, option names, families and TCP states (`include/linux/socket.h`,
//! `include/uapi/asm-generic/socket.h`, `include/uapi/linux/{tcp,in,in6,bpf}.h`, `include/net/tcp_states.h`),
//! and the kernel's limits (`include/net/tcp.h`, `include/net/sock.h`).

use crate::KernelProfile;

/// `SOL_IP` (= `IPPROTO_IP`).
pub const SOL_IP: i32 = 0;
/// `SOL_SOCKET`.
pub const SOL_SOCKET: i32 = 1;
/// `SOL_TCP` (= `IPPROTO_TCP`).
pub const SOL_TCP: i32 = 6;
/// `SOL_IPV6` (= `IPPROTO_IPV6`).
pub const SOL_IPV6: i32 = 41;

/// `SO_REUSEADDR`.
pub const SO_REUSEADDR: i32 = 2;
/// `SO_SNDBUF`.
pub const SO_SNDBUF: i32 = 7;
/// `SO_RCVBUF`.
pub const SO_RCVBUF: i32 = 8;
/// `SO_KEEPALIVE`.
pub const SO_KEEPALIVE: i32 = 9;
/// `SO_PRIORITY`.
pub const SO_PRIORITY: i32 = 12;
/// `SO_REUSEPORT`.
pub const SO_REUSEPORT: i32 = 15;
/// `SO_RCVLOWAT`.
pub const SO_RCVLOWAT: i32 = 18;
/// `SO_BINDTODEVICE`.
pub const SO_BINDTODEVICE: i32 = 25;
/// `SO_MARK`.
pub const SO_MARK: i32 = 36;
/// `SO_MAX_PACING_RATE`.
pub const SO_MAX_PACING_RATE: i32 = 47;
/// `SO_BINDTOIFINDEX`.
pub const SO_BINDTOIFINDEX: i32 = 62;
/// `SO_TXREHASH`.
pub const SO_TXREHASH: i32 = 74;
/// `SK_BPF_CB_FLAGS` (BPF-only, `SOL_SOCKET`, since v6.15).
pub const SK_BPF_CB_FLAGS: i32 = 1009;

/// `TCP_NODELAY`.
pub const TCP_NODELAY: i32 = 1;
/// `TCP_MAXSEG`.
pub const TCP_MAXSEG: i32 = 2;
/// `TCP_KEEPIDLE`.
pub const TCP_KEEPIDLE: i32 = 4;
/// `TCP_KEEPINTVL`.
pub const TCP_KEEPINTVL: i32 = 5;
/// `TCP_KEEPCNT`.
pub const TCP_KEEPCNT: i32 = 6;
/// `TCP_SYNCNT`.
pub const TCP_SYNCNT: i32 = 7;
/// `TCP_WINDOW_CLAMP`.
pub const TCP_WINDOW_CLAMP: i32 = 10;
/// `TCP_CONGESTION`.
pub const TCP_CONGESTION: i32 = 13;
/// `TCP_THIN_LINEAR_TIMEOUTS`.
pub const TCP_THIN_LINEAR_TIMEOUTS: i32 = 16;
/// `TCP_USER_TIMEOUT`.
pub const TCP_USER_TIMEOUT: i32 = 18;
/// `TCP_NOTSENT_LOWAT`.
pub const TCP_NOTSENT_LOWAT: i32 = 25;
/// `TCP_SAVE_SYN`.
pub const TCP_SAVE_SYN: i32 = 27;
/// `TCP_SAVED_SYN`.
pub const TCP_SAVED_SYN: i32 = 28;
/// `TCP_RTO_MAX_MS`.
pub const TCP_RTO_MAX_MS: i32 = 44;
/// `TCP_BPF_IW`.
pub const TCP_BPF_IW: i32 = 1001;
/// `TCP_BPF_SNDCWND_CLAMP`.
pub const TCP_BPF_SNDCWND_CLAMP: i32 = 1002;
/// `TCP_BPF_DELACK_MAX`.
pub const TCP_BPF_DELACK_MAX: i32 = 1003;
/// `TCP_BPF_RTO_MIN`.
pub const TCP_BPF_RTO_MIN: i32 = 1004;
/// `TCP_BPF_SYN`.
pub const TCP_BPF_SYN: i32 = 1005;
/// `TCP_BPF_SYN_IP`.
pub const TCP_BPF_SYN_IP: i32 = 1006;
/// `TCP_BPF_SYN_MAC`.
pub const TCP_BPF_SYN_MAC: i32 = 1007;
/// `TCP_BPF_SOCK_OPS_CB_FLAGS`.
pub const TCP_BPF_SOCK_OPS_CB_FLAGS: i32 = 1008;

/// `IP_TOS`.
pub const IP_TOS: i32 = 1;
/// `IP_TRANSPARENT`.
pub const IP_TRANSPARENT: i32 = 19;
/// `IPV6_TRANSPARENT`.
pub const IPV6_TRANSPARENT: i32 = 75;
/// `IPV6_TCLASS`.
pub const IPV6_TCLASS: i32 = 67;
/// `IPV6_AUTOFLOWLABEL`.
pub const IPV6_AUTOFLOWLABEL: i32 = 70;

/// `AF_UNIX`.
pub const AF_UNIX: u16 = 1;
/// `AF_INET`.
pub const AF_INET: u16 = 2;
/// `AF_INET6`.
pub const AF_INET6: u16 = 10;
/// `IPPROTO_TCP`.
pub const IPPROTO_TCP: u16 = 6;
/// `SOCK_STREAM`.
pub const SOCK_STREAM: u16 = 1;
/// `SOCK_RAW`.
pub const SOCK_RAW: u16 = 3;

/// `TCP_ESTABLISHED`.
pub const TCP_ESTABLISHED: u8 = 1;
/// `TCP_SYN_SENT`.
pub const TCP_SYN_SENT: u8 = 2;
/// `TCP_SYN_RECV`.
pub const TCP_SYN_RECV: u8 = 3;
/// `TCP_TIME_WAIT`: not a full socket.
pub const TCP_TIME_WAIT: u8 = 6;
/// `TCP_CLOSE`.
pub const TCP_CLOSE: u8 = 7;
/// `TCP_LISTEN`.
pub const TCP_LISTEN: u8 = 10;
/// `TCP_NEW_SYN_RECV`: a request socket, not a full socket.
pub const TCP_NEW_SYN_RECV: u8 = 12;

/// `BPF_SOCK_OPS_WRITE_HDR_OPT_CB`: the last sock_ops callback that runs with the socket locked.
pub const BPF_SOCK_OPS_WRITE_HDR_OPT_CB: u32 = 15;
/// `BPF_SOCK_OPS_ALL_CB_FLAGS`.
pub const BPF_SOCK_OPS_ALL_CB_FLAGS: u32 = 0x7f;
/// `SK_BPF_CB_MASK` (only `SK_BPF_CB_TX_TIMESTAMPING`).
pub const SK_BPF_CB_MASK: u32 = 1;
/// `TCP_MIN_MSS`.
pub const TCP_MIN_MSS: i32 = 88;
/// `MAX_TCP_WINDOW`.
pub const MAX_TCP_WINDOW: i32 = 32767;
/// `MAX_TCP_KEEPIDLE` = `MAX_TCP_KEEPINTVL`, seconds.
pub const MAX_TCP_KEEPIDLE: i32 = 32767;
/// `MAX_TCP_KEEPCNT` = `MAX_TCP_SYNCNT`.
pub const MAX_TCP_KEEPCNT: i32 = 127;
/// `TCP_CA_NAME_MAX`.
pub const TCP_CA_NAME_MAX: usize = 16;
/// `IFNAMSIZ`.
pub const IFNAMSIZ: usize = 16;
/// `LOOPBACK_IFINDEX`: `lo` is ifindex 1 in every network namespace.
pub const LOOPBACK_IFINDEX: i32 = 1;
/// `TCP_DEFAULT_SCALING_RATIO`: the `skb->len / truesize` estimate (in 1/256) before any data arrived.
pub const TCP_DEFAULT_SCALING_RATIO: u8 = 128;

/// `SOCK_MIN_RCVBUF` = `TCP_SKB_MIN_TRUESIZE` = `2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff))`: 2304 on
/// 64-bit kernels (a 232-byte `sk_buff`, aligned to 256), measured on the live 6.18 kernel by setting
/// `SO_RCVBUF` to 0. 32-bit kernels have a smaller `sk_buff`; the model uses 2048 + 192 there (**not
/// measured**).
pub fn sock_min_rcvbuf(profile: &KernelProfile) -> i32 {
    if profile.bits_per_long == 64 {
        2304
    } else {
        2240
    }
}

/// `SOCK_MIN_SNDBUF` = 2 × `SOCK_MIN_RCVBUF`.
pub fn sock_min_sndbuf(profile: &KernelProfile) -> i32 {
    2 * sock_min_rcvbuf(profile)
}

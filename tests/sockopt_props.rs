//! Model-only properties of `bpf_model::sockopt`: no (caller, socket, level, optname, optlen, value)
//! panics, and every answer is one the kernel can give (its errno set, the zeroed buffer of a failed get,
//! the untouched buffer of an unlocked sock_ops callback, a socket left unchanged by a failed set).

use bpf_model::sockopt::*;
use bpf_model::{Errno, KernelProfile};
use quickcheck::{Arbitrary, Gen, QuickCheck};

/// Errnos `bpf_setsockopt` can return in v6.18 (`filter.c`, `sock.c`, `tcp.c`, `tcp_cong.c`, `ipv6_sockglue.c`).
const SET_ERRNOS: [Errno; 10] = [
    Errno::EACCES,
    Errno::EINVAL,
    Errno::EOPNOTSUPP,
    Errno::ENOPROTOOPT,
    Errno::ENOTSUPP,
    Errno::EBUSY,
    Errno::ENOENT,
    Errno::EPERM,
    Errno::ENODEV,
    Errno::EFAULT,
];

/// Errnos `bpf_getsockopt` can return.
const GET_ERRNOS: [Errno; 6] =
    [Errno::EACCES, Errno::EINVAL, Errno::EOPNOTSUPP, Errno::ENOENT, Errno::ENOSPC, Errno::ENOPROTOOPT];

#[derive(Clone, Debug)]
struct Input {
    caller: Caller,
    sock: Sock,
    level: i32,
    optname: i32,
    optval: Vec<u8>,
    get_len: usize,
}

fn pick<T: Clone>(g: &mut Gen, items: &[T]) -> T {
    g.choose(items).cloned().expect("non-empty")
}

impl Arbitrary for Input {
    fn arbitrary(g: &mut Gen) -> Input {
        let p = KernelProfile::x86_64_v6_18();
        let caller = match u8::arbitrary(g) % 4 {
            0 => Caller::SockOps { op: u32::arbitrary(g) % 24 },
            1 => Caller::SockAddr,
            2 => Caller::Locked,
            _ => Caller::Unlocked,
        };
        let state = pick(
            g,
            &[TCP_ESTABLISHED, TCP_SYN_SENT, TCP_SYN_RECV, TCP_CLOSE, TCP_LISTEN, TCP_NEW_SYN_RECV, TCP_TIME_WAIT],
        );
        let mut sock = Sock::tcp(bool::arbitrary(g), state, p.rules().unwrap(), &p);
        sock.family = pick(g, &[AF_INET, AF_INET6, AF_INET6, AF_INET, AF_UNIX]);
        sock.protocol = pick(g, &[IPPROTO_TCP, IPPROTO_TCP, 17, 0]);
        sock.ipv6only = bool::arbitrary(g);
        sock.has_socket = bool::arbitrary(g);
        sock.rcvbuf_locked = bool::arbitrary(g);
        sock.bound_dev_if = pick(g, &[0, 1, 5]);
        sock.bpf_chg_cc_inprogress = u8::arbitrary(g) % 8 == 0;
        sock.ca_dst_locked = u8::arbitrary(g) % 8 == 0;
        sock.data_segs_out = u32::arbitrary(g) % 3;
        sock.scaling_ratio = u8::arbitrary(g);
        sock.window_clamp = u32::arbitrary(g);
        sock.rcvbuf = i32::arbitrary(g);
        if bool::arbitrary(g) {
            let mac = pick(g, &[0u32, 14]);
            let tcp = pick(g, &[20u32, 40, 60]);
            let net = pick(g, &[20u32, 40]);
            let len = mac + net + tcp;
            sock.saved_syn = Some(SavedSyn {
                mac_hdrlen: mac,
                network_hdrlen: net,
                tcp_hdrlen: tcp,
                data: (0..len).map(|i| i as u8).collect(),
            });
        }
        let opt = pick(g, SockOpt::ALL);
        let (mut level, mut optname) = opt.raw();
        if u8::arbitrary(g) % 5 == 0 {
            level = i32::arbitrary(g);
            optname = i32::arbitrary(g);
        }
        let len = match u8::arbitrary(g) % 4 {
            0 => usize::arbitrary(g) % 140,
            _ => 4,
        };
        let mut optval: Vec<u8> = (0..len).map(|_| u8::arbitrary(g)).collect();
        if opt == SockOpt::TcpCongestion && bool::arbitrary(g) {
            optval = pick(g, &[&b"bbr"[..], b"cubic\0", b"cdg", b"cdg\0x", b"reno", b"nosuch", b""]).to_vec();
        }
        if opt == SockOpt::BindToDevice && bool::arbitrary(g) {
            optval = pick(g, &[&b"lo"[..], b"", b"lo\0", b"nodev"]).to_vec();
        }
        let get_len = pick(g, &[0usize, 1, 2, 3, 4, 4, 4, 5, 16, 17, 40, 94, 128, 200]);
        Input { caller, sock, level, optname, optval, get_len }
    }
}

fn answers_are_kernel_answers(input: Input) -> bool {
    for p in &KernelProfile::presets() {
        let ctx = CallCtx::new(input.caller);
        let unlocked = ctx.unlocked_sock_ops();
        let mut sk = input.sock.clone();
        sk.rules = p.rules().expect("every preset is a kernel the model speaks for");
        let before = sk.clone();
        let set = sk.setsockopt(&ctx, input.level, input.optname, &input.optval, p);
        match set {
            Ok(()) => {}
            Err(e) => {
                if !SET_ERRNOS.contains(&e) || sk != before {
                    return false;
                }
            }
        }
        // An empty optval is the verifier's load-time refusal, before anything else.
        if input.optval.is_empty() {
            if set != Err(Errno::EACCES) || sk != before {
                return false;
            }
        } else {
            if unlocked && set != Err(Errno::EOPNOTSUPP) {
                return false;
            }
            if !input.sock.fullsock() && !unlocked && set != Err(Errno::EINVAL) {
                return false;
            }
        }
        let mut buf = vec![0xAAu8; input.get_len];
        let get = sk.getsockopt(&ctx, input.level, input.optname, &mut buf, p);
        match get {
            Ok(n) => {
                // Only the SYN headers answer with a length, and never more than the buffer.
                if n as usize > buf.len() {
                    return false;
                }
                if buf.contains(&0xAA) && !buf.iter().all(|&b| b == 0xAA) && n == 0 {
                    // A successful int get writes the value and zeroes the rest: no 0xAA may remain
                    // unless the value itself holds the byte.
                    let tail_untouched = buf.len() > 4 && buf[4..].contains(&0xAA);
                    if tail_untouched {
                        return false;
                    }
                }
            }
            Err(e) => {
                if !GET_ERRNOS.contains(&e) {
                    return false;
                }
                let zeroed = match e {
                    Errno::EACCES => buf.is_empty(),
                    Errno::EOPNOTSUPP if unlocked => buf.iter().all(|&b| b == 0xAA),
                    // -ENOSPC keeps the partial copy of the SYN headers.
                    Errno::ENOSPC => true,
                    _ => buf.iter().all(|&b| b == 0),
                };
                if !zeroed {
                    return false;
                }
            }
        }
        // bpf_sock_ops_cb_flags_set(): only its two errnos; otherwise the bits it could not set.
        if let Caller::SockOps { op } = input.caller {
            let arg = i32::from_le_bytes([0, 1, 2, 3].map(|i| input.optval.get(i).copied().unwrap_or(0)));
            let mut sk3 = before.clone();
            match sk3.sock_ops_cb_flags_set(op, arg) {
                Ok(rest) if rest != i64::from(arg & !0x7f) || sk3.sock_ops_cb_flags != (arg & 0x7f) as u32 => {
                    return false
                }
                Err(e) if e != Errno::EOPNOTSUPP && e != Errno::EINVAL => return false,
                _ => {}
            }
        }
        // The ABI faces agree with the safe ones.
        let mut sk2 = before.clone();
        let ret = bpf_setsockopt(&mut sk2, &ctx, input.level, input.optname, &input.optval, p);
        if ret != Errno::ret_of(set.map(|()| 0i64)) {
            return false;
        }
    }
    true
}

#[test]
fn no_input_panics_and_every_answer_is_a_kernel_answer() {
    QuickCheck::new().tests(20_000).quickcheck(answers_are_kernel_answers as fn(Input) -> bool);
}

#[test]
fn every_whitelisted_pair_is_named_and_others_are_rejected() {
    let p = KernelProfile::x86_64_v6_18();
    let ctx = CallCtx::new(Caller::Locked);
    for &o in SockOpt::ALL {
        assert_ne!(o.name(), "other");
    }
    let mut sk = Sock::tcp(false, TCP_ESTABLISHED, p.rules().unwrap(), &p);
    for (level, optname) in [(SOL_TCP, 45), (SOL_TCP, 46), (SOL_SOCKET, 1010), (SOL_IP, 2), (SOL_IPV6, 66), (99, 1)] {
        assert_eq!(SockOpt::from_raw(level, optname), SockOpt::Other { level, optname });
        assert_eq!(sk.setsockopt(&ctx, level, optname, &[0; 4], &p), Err(Errno::EINVAL));
        let mut buf = [0xAA; 4];
        assert_eq!(sk.getsockopt(&ctx, level, optname, &mut buf, &p), Err(Errno::EINVAL));
        assert_eq!(buf, [0; 4]);
    }
}

#[test]
fn an_empty_optval_is_refused_and_changes_nothing() {
    let p = KernelProfile::x86_64_v6_18();
    let ctx = CallCtx::new(Caller::Locked);
    let mut sk = Sock::tcp(false, TCP_ESTABLISHED, p.rules().unwrap(), &p);
    sk.setsockopt(&ctx, SOL_SOCKET, SO_BINDTODEVICE, b"lo", &p).unwrap();
    assert_eq!(sk.bound_dev_if, LOOPBACK_IFINDEX);
    let before = sk.clone();
    assert_eq!(sk.setsockopt(&ctx, SOL_SOCKET, SO_BINDTODEVICE, b"", &p), Err(Errno::EACCES));
    assert_eq!(bpf_setsockopt(&mut sk, &ctx, SOL_SOCKET, SO_BINDTODEVICE, b"", &p), -13);
    assert_eq!(sk, before, "an empty optval must not unbind");
    assert_eq!(sk.getsockopt(&ctx, SOL_SOCKET, SO_MARK, &mut [], &p), Err(Errno::EACCES));
    // A one-byte NUL name is a real call: it unbinds.
    assert_eq!(sk.setsockopt(&ctx, SOL_SOCKET, SO_BINDTODEVICE, b"\0", &p), Ok(()));
    assert_eq!(sk.bound_dev_if, 0);
}

//! The sockopt area: `oracle/bpf/sockopt.bpf.c` against `bpf_model::sockopt`.
//!
//! One batch is one loopback TCP connection (IPv4 `127.0.0.1` or IPv6 `::1`) in a private cgroup with the
//! four programs attached. The batch's table starts with probes (a get of every readable option, and of
//! the saved SYN in sock_ops) that tell the socket's starting values, then holds generated cases, which the
//! armed vehicle runs in order on its socket. The model socket starts from the probes and follows the
//! same sequence, so each case carries the state it started from and replays on its own.
//!
//! Vehicles: sock_ops `TCP_CONNECT_CB` (client, `SYN_SENT`), `ACTIVE_ESTABLISHED_CB` (client),
//! `PASSIVE_ESTABLISHED_CB` (the accepted child, with a listener that saves SYNs), `TIMEOUT_INIT` on the
//! request socket (not a full socket), `TSTAMP_SENDMSG_CB` (an unlocked callback, reached by enabling
//! `SK_BPF_CB_TX_TIMESTAMPING` in `ACTIVE_ESTABLISHED_CB` and writing one byte); cgroup `connect4` /
//! `connect6` (sock_addr, the socket still `CLOSE`); `cgroup/setsockopt` on the connected client (before
//! and after it sent data), on the accepted socket, on the listener and on a never-connected socket.
//! `bpf_sock_ops_cb_flags_set` runs as a case kind of the sock_ops vehicles. After each batch the program
//! unbinds the socket, lifts the pacing limit and clears the sock_ops callback flags (not recorded), so
//! that the connection completes whatever the cases did.

use crate::cgroup::{self, CgroupGuard};
use crate::conformance::Area;
use crate::kernel::{skel::sockopt as skel, OracleError};
use crate::rng::Rng;
use bpf_model::sockopt::*;
use bpf_model::vectors::sockopt::{SockImage, SockoptCase, SockoptOutcome, FILL, VAL_CAP};
use bpf_model::vectors::ByteImage;
use bpf_model::version::{Rule, Rules};
use bpf_model::KernelProfile;
use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::MutexGuard;

/// Cases kept for re-judging a reported disagreement (older ones are dropped on long runs).
const HISTORY_CAP: usize = 40_000;
/// Entries of the kernel program's table.
const MAX_CASES: usize = 256;
/// `want_op` of the cgroup connect4/connect6 vehicle.
const VEHICLE_CONNECT: u32 = 100;
/// `want_op` of the cgroup/setsockopt vehicle.
const VEHICLE_SETSOCKOPT: u32 = 101;

/// Where a batch runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Vehicle {
    /// A sock_ops callback; `fullsock` 0 selects the request socket.
    SockOps { op: u32, fullsock: u32, name: &'static str },
    /// The TX-timestamping `BPF_SOCK_OPS_TSTAMP_SENDMSG_CB` (20): unlocked.
    Tstamp,
    /// cgroup connect4 / connect6.
    Connect,
    /// cgroup/setsockopt, triggered by `setsockopt(SOL_SOCKET, SO_DEBUG, 0)` on the `target` socket:
    /// [`TARGET_CLIENT`], [`TARGET_ACCEPTED`], [`TARGET_LISTENER`] or [`TARGET_UNCONNECTED`].
    Setsockopt { after_data: bool, target: u8 },
}

/// The connecting socket.
const TARGET_CLIENT: u8 = 0;
/// The socket `accept()` returned.
const TARGET_ACCEPTED: u8 = 1;
/// The listening socket.
const TARGET_LISTENER: u8 = 2;
/// A fresh TCP socket that never connected.
const TARGET_UNCONNECTED: u8 = 3;

const VEHICLES: [(Vehicle, u64); 11] = [
    (Vehicle::SockOps { op: 3, fullsock: 1, name: "sockops/tcp_connect" }, 3),
    (Vehicle::SockOps { op: 4, fullsock: 1, name: "sockops/active_established" }, 3),
    (Vehicle::SockOps { op: 5, fullsock: 1, name: "sockops/passive_established" }, 3),
    (Vehicle::SockOps { op: 1, fullsock: 0, name: "sockops/timeout_init_request" }, 1),
    (Vehicle::Tstamp, 1),
    (Vehicle::Connect, 3),
    (Vehicle::Setsockopt { after_data: false, target: TARGET_CLIENT }, 3),
    (Vehicle::Setsockopt { after_data: true, target: TARGET_CLIENT }, 1),
    (Vehicle::Setsockopt { after_data: false, target: TARGET_ACCEPTED }, 2),
    (Vehicle::Setsockopt { after_data: false, target: TARGET_LISTENER }, 1),
    (Vehicle::Setsockopt { after_data: false, target: TARGET_UNCONNECTED }, 1),
];

impl Vehicle {
    fn name(self, v6: bool) -> String {
        let base = match self {
            Vehicle::SockOps { name, .. } => name,
            Vehicle::Tstamp => "sockops/tstamp_sendmsg",
            Vehicle::Connect => "connect",
            Vehicle::Setsockopt { target: TARGET_ACCEPTED, .. } => "setsockopt/accepted",
            Vehicle::Setsockopt { target: TARGET_LISTENER, .. } => "setsockopt/listener",
            Vehicle::Setsockopt { target: TARGET_UNCONNECTED, .. } => "setsockopt/unconnected",
            Vehicle::Setsockopt { after_data: false, .. } => "setsockopt",
            Vehicle::Setsockopt { after_data: true, .. } => "setsockopt/after_data",
        };
        format!("{base}/{}", if v6 { "v6" } else { "v4" })
    }

    fn caller(self) -> Caller {
        match self {
            Vehicle::SockOps { op, .. } => Caller::SockOps { op },
            Vehicle::Tstamp => Caller::SockOps { op: 20 },
            Vehicle::Connect => Caller::SockAddr,
            Vehicle::Setsockopt { .. } => Caller::Locked,
        }
    }
}

/// One entry of a batch table.
#[derive(Clone, Debug)]
struct Entry {
    level: i32,
    optname: i32,
    set: Option<Vec<u8>>,
    /// The set is `bpf_sock_ops_cb_flags_set` with the set bytes as its int (sock_ops only).
    cb: bool,
    get_len: u32,
}

impl Entry {
    /// The case this entry is, run by `vehicle` (as `caller`) on a socket in the state `sk`.
    fn case(&self, vehicle: &str, caller: Caller, sk: &Sock) -> SockoptCase {
        SockoptCase {
            vehicle: vehicle.to_string(),
            caller,
            sock: SockImage::of(sk),
            level: self.level,
            optname: self.optname,
            set: self.set.as_ref().map(|v| ByteImage::new(v)),
            cb_flags_set: self.cb,
            get_len: self.get_len,
        }
    }
}

/// What the kernel answered for one entry: the set's return, the get's return, the get buffer.
type EntryResult = (i64, i64, Vec<u8>);

/// The probes that open every batch: a get of each readable option.
fn probes(sock_ops: bool) -> Vec<Entry> {
    let mut out: Vec<Entry> = SockOpt::ALL
        .iter()
        .filter(|o| o.gettable() && !matches!(o, SockOpt::TcpSavedSyn))
        .filter(|o| !matches!(o, SockOpt::TcpBpfSyn | SockOpt::TcpBpfSynIp | SockOpt::TcpBpfSynMac) || sock_ops)
        .map(|o| {
            let (level, optname) = o.raw();
            let get_len = match o {
                SockOpt::TcpCongestion => 17,
                SockOpt::TcpBpfSyn | SockOpt::TcpBpfSynIp | SockOpt::TcpBpfSynMac => VAL_CAP as u32,
                _ => 4,
            };
            Entry { level, optname, set: None, cb: false, get_len }
        })
        .collect();
    out.sort_by_key(|e| (e.level, e.optname));
    out
}

/// The loaded programs, attached to a private cgroup this process sits in while the area lives.
pub struct SockoptArea {
    guard: CgroupGuard,
    skel: skel::SockoptSkel<'static>,
    _lock: MutexGuard<'static, ()>,
    profile: KernelProfile,
    rules: Rules,
    queue: VecDeque<(SockoptCase, Result<SockoptOutcome, String>)>,
    pending: Option<(SockoptCase, Result<SockoptOutcome, String>)>,
    /// Every case run so far with its kernel outcome, for re-judging a disagreement when it is reported.
    history: Vec<(SockoptCase, Result<SockoptOutcome, String>)>,
    unknown_dev: String,
    recorded_kinds: RefCell<HashSet<(i32, i32, bool, bool)>>,
    /// Batches run so far.
    pub batches: u64,
}

impl SockoptArea {
    fn bss(&mut self) -> Result<&mut skel::types::bss, OracleError> {
        self.skel.maps.bss_data.as_deref_mut().ok_or_else(|| OracleError::Kernel("no .bss mmap".into()))
    }

    /// Runs `entries` in the kernel on `vehicle`; returns each entry's (set_ret, get_ret, buf) and info.
    fn run_batch(
        &mut self,
        vehicle: Vehicle,
        v6: bool,
        v6only: bool,
        save_syn: i32,
        entries: &[Entry],
    ) -> Result<(Vec<EntryResult>, skel::types::sockopt_info), OracleError> {
        let n = entries.len().min(MAX_CASES);
        {
            let bss = self.bss()?;
            for (i, e) in entries.iter().take(n).enumerate() {
                let c = &mut bss.cases[i];
                c.level = e.level;
                c.optname = e.optname;
                c.val = [0; VAL_CAP];
                match &e.set {
                    Some(v) if !v.is_empty() && v.len() <= VAL_CAP => {
                        c.do_set = if e.cb { 2 } else { 1 };
                        c.set_len_m1 = v.len() as u32 - 1;
                        c.val[..v.len()].copy_from_slice(v);
                    }
                    _ => c.do_set = 0,
                }
                if e.get_len >= 1 && e.get_len as usize <= VAL_CAP {
                    c.do_get = 1;
                    c.get_len_m1 = e.get_len - 1;
                } else {
                    c.do_get = 0;
                }
                let r = &mut bss.results[i];
                r.set_ret = 0;
                r.get_ret = 0;
                r.buf = [FILL; VAL_CAP];
            }
            bss.info = Default::default();
            bss.ctl.ncases = n as u32;
            bss.ctl.cleanup = 1;
            bss.ctl.pid = std::process::id();
            bss.ctl.trigger_level = libc::SOL_SOCKET;
            bss.ctl.trigger_optname = libc::SO_DEBUG;
            bss.ctl.want_fullsock = 1;
            bss.ctl.tstamp_armed = 0;
            match vehicle {
                Vehicle::SockOps { op, fullsock, .. } => {
                    bss.ctl.want_op = op;
                    bss.ctl.want_fullsock = fullsock;
                }
                Vehicle::Tstamp => {
                    bss.ctl.want_op = 20;
                    bss.ctl.tstamp_op = 4;
                    bss.ctl.tstamp_armed = 1;
                }
                Vehicle::Connect => bss.ctl.want_op = VEHICLE_CONNECT,
                Vehicle::Setsockopt { .. } => bss.ctl.want_op = VEHICLE_SETSOCKOPT,
            }
            bss.ctl.armed = 1;
        }
        let result = drive(vehicle, v6, v6only, save_syn);
        let bss = self.bss()?;
        bss.ctl.armed = 0;
        bss.ctl.tstamp_armed = 0;
        result?;
        let info = bss.info;
        if info.ran != 1 {
            return Err(OracleError::Kernel(format!("the {} batch did not run", vehicle.name(v6))));
        }
        let out = (0..n)
            .map(|i| {
                let r = &bss.results[i];
                let len = entries[i].get_len as usize;
                (r.set_ret, r.get_ret, r.buf[..len.min(VAL_CAP)].to_vec())
            })
            .collect();
        Ok((out, info))
    }

    /// Generates, runs and models one batch, queueing its cases.
    fn refill(&mut self, rng: &mut Rng) {
        // The TX-timestamping callback is reached by setting SK_BPF_CB_FLAGS: kernels without it have
        // no such vehicle.
        let tstamp = self.rules.has(Rule::SockoptSkBpfCbFlags);
        let vehicles: Vec<(Vehicle, u64)> =
            VEHICLES.iter().copied().filter(|(v, _)| tstamp || *v != Vehicle::Tstamp).collect();
        let total: u64 = vehicles.iter().map(|v| v.1).sum();
        let mut pick = rng.below(total);
        let mut vehicle = vehicles[0].0;
        for (v, w) in vehicles {
            if pick < w {
                vehicle = v;
                break;
            }
            pick -= w;
        }
        let v6 = rng.chance(1, 2);
        let sock_ops = matches!(vehicle, Vehicle::SockOps { .. } | Vehicle::Tstamp);
        let save_syn = match vehicle {
            Vehicle::SockOps { op: 5 | 1, .. } => *rng.pick(&[0, 1, 2, 2]),
            _ => 0,
        };
        let v6only = v6 && rng.chance(1, 2);
        let probe = probes(sock_ops);
        let mut entries = probe.clone();
        while entries.len() < MAX_CASES {
            entries.push(gen_entry(rng, &self.unknown_dev, sock_ops));
        }
        let name = vehicle.name(v6);
        let caller = vehicle.caller();
        self.batches += 1;
        let mut last_err = None;
        for _attempt in 0..3 {
            match self.run_batch(vehicle, v6, v6only, save_syn, &entries) {
                Ok((results, info)) => {
                    let mut sk = start_sock(vehicle, v6, &info, &probe, &results, self.rules, &self.profile);
                    // bind() to the specific address ::1 turns IPV6_V6ONLY on (__inet6_bind()), and
                    // children inherit it; connecting sockets keep it off.
                    sk.ipv6only = v6
                        && matches!(
                            vehicle,
                            Vehicle::SockOps { op: 5 | 1, .. }
                                | Vehicle::Setsockopt { target: TARGET_ACCEPTED | TARGET_LISTENER, .. }
                        );
                    // The probes are cases too, on the socket the model says a fresh one is: the values a
                    // new socket takes from sysctls and constants come from the model, the rest (what the
                    // connection changed) from the probes.
                    let mut fresh = with_model_defaults(&sk, v6, self.rules, &self.profile);
                    for (e, (set_ret, get_ret, buf)) in entries.iter().zip(&results).take(probe.len()) {
                        let case = e.case(&name, caller, &fresh);
                        case.apply(&mut fresh, &self.profile);
                        let outcome = SockoptOutcome { set_ret: *set_ret, get_ret: *get_ret, buf: ByteImage::new(buf) };
                        self.queue.push_back((case, Ok(outcome)));
                    }
                    for (e, (set_ret, get_ret, buf)) in entries.iter().zip(results).skip(probe.len()) {
                        let case = e.case(&name, caller, &sk);
                        case.apply(&mut sk, &self.profile);
                        let outcome = SockoptOutcome { set_ret, get_ret, buf: ByteImage::new(&buf) };
                        self.queue.push_back((case, Ok(outcome)));
                    }
                    return;
                }
                Err(e) => last_err = Some(e.to_string()),
            }
        }
        // The kernel side failed three times: the cases of this batch count as failures, with the reason.
        let why = last_err.unwrap_or_default();
        let sk = Sock::tcp(v6, TCP_ESTABLISHED, self.rules, &self.profile);
        for e in entries.iter().skip(probe.len()) {
            self.queue.push_back((e.case(&name, caller, &sk), Err(why.clone())));
        }
    }
}

/// Opens `sockopt.bpf.c` and loads every program but the two zero-`optlen` ones (which the verifier
/// refuses, and would sink the whole object).
fn load_without_zero_optlen() -> Result<skel::SockoptSkel<'static>, OracleError> {
    use libbpf_rs::skel::{OpenSkel, SkelBuilder};
    let storage: &'static mut std::mem::MaybeUninit<libbpf_rs::OpenObject> =
        Box::leak(Box::new(std::mem::MaybeUninit::uninit()));
    let mut open = skel::SockoptSkelBuilder::default()
        .open(storage)
        .map_err(|e| OracleError::kernel("opening sockopt.bpf.c", e))?;
    open.progs.sockopt_zero_optlen_set.set_autoload(false);
    open.progs.sockopt_zero_optlen_get.set_autoload(false);
    open.load().map_err(|e| OracleError::kernel("loading sockopt.bpf.c", e))
}

/// The kernel's verdict on a program that calls `bpf_setsockopt` (`set`) or `bpf_getsockopt` with a zero
/// `optlen`: `Ok(())` if it loads, else the negative errno of the load.
pub fn zero_optlen_load_verdict(set: bool) -> Result<Result<(), i64>, OracleError> {
    use libbpf_rs::skel::{OpenSkel, SkelBuilder};
    let storage: &'static mut std::mem::MaybeUninit<libbpf_rs::OpenObject> =
        Box::leak(Box::new(std::mem::MaybeUninit::uninit()));
    let mut open = skel::SockoptSkelBuilder::default()
        .open(storage)
        .map_err(|e| OracleError::kernel("opening sockopt.bpf.c", e))?;
    for mut prog in open.open_object_mut().progs_mut() {
        let name = prog.name().to_string_lossy().into_owned();
        let wanted = if set { "sockopt_zero_optlen_set" } else { "sockopt_zero_optlen_get" };
        prog.set_autoload(name == wanted);
    }
    match open.load() {
        Ok(_) => Ok(Ok(())),
        Err(e) => match e.kind() {
            libbpf_rs::ErrorKind::PermissionDenied => Ok(Err(-13)),
            libbpf_rs::ErrorKind::InvalidInput => Ok(Err(-22)),
            _ => Err(OracleError::kernel("loading the zero-optlen program", e)),
        },
    }
}

/// Makes the connection (and the call) that fires the armed vehicle.
fn drive(vehicle: Vehicle, v6: bool, v6only: bool, save_syn: i32) -> Result<(), OracleError> {
    let listener = loopback_listener(v6, v6only)?;
    if save_syn != 0 {
        setsockopt_int(listener.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_SAVE_SYN, save_syn)?;
    }
    let local = listener.local_addr().map_err(|e| OracleError::kernel("listener address", e))?;
    let mut client = TcpStream::connect(local).map_err(|e| OracleError::kernel("connect on loopback", e))?;
    let (server, _) = listener.accept().map_err(|e| OracleError::kernel("accept on loopback", e))?;
    match vehicle {
        Vehicle::Tstamp => {
            client.write_all(b"x").map_err(|e| OracleError::kernel("write on loopback", e))?;
        }
        Vehicle::Setsockopt { after_data, target } => {
            if after_data {
                client.write_all(b"x").map_err(|e| OracleError::kernel("write on loopback", e))?;
            }
            let fresh = if target == TARGET_UNCONNECTED {
                let family = if v6 { libc::AF_INET6 } else { libc::AF_INET };
                // SAFETY: plain socket(2); the result is checked, and owned by `TcpStream` below.
                let fd = unsafe { libc::socket(family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
                if fd < 0 {
                    return Err(OracleError::kernel("socket", std::io::Error::last_os_error()));
                }
                // SAFETY: `fd` is a fresh socket nobody else owns.
                Some(unsafe { <TcpStream as std::os::fd::FromRawFd>::from_raw_fd(fd) })
            } else {
                None
            };
            let fd = match target {
                TARGET_ACCEPTED => server.as_raw_fd(),
                TARGET_LISTENER => listener.as_raw_fd(),
                TARGET_UNCONNECTED => fresh.as_ref().map_or(-1, |s| s.as_raw_fd()),
                _ => client.as_raw_fd(),
            };
            setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_DEBUG, 0)?;
        }
        _ => {}
    }
    Ok(())
}

/// A listener on `127.0.0.1` or `::1` (with `IPV6_V6ONLY` as asked: std would always set it), port 0.
fn loopback_listener(v6: bool, v6only: bool) -> Result<TcpListener, OracleError> {
    let family = if v6 { libc::AF_INET6 } else { libc::AF_INET };
    // SAFETY: plain socket(2); the result is checked before use.
    let fd = unsafe { libc::socket(family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(OracleError::kernel("socket", std::io::Error::last_os_error()));
    }
    // SAFETY: `fd` is a fresh socket nobody else owns; the listener closes it when dropped.
    let listener = unsafe { <TcpListener as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    let r = if v6 {
        setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, i32::from(v6only))?;
        // SAFETY: an all-zero sockaddr_in6 is valid; the address and length passed describe it.
        let mut a: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
        a.sin6_family = libc::AF_INET6 as libc::sa_family_t;
        a.sin6_addr.s6_addr = Ipv6Addr::LOCALHOST.octets();
        // SAFETY: `a` lives across the call and the length is its size.
        unsafe { libc::bind(fd, (&a as *const libc::sockaddr_in6).cast(), size_of_val(&a) as libc::socklen_t) }
    } else {
        // SAFETY: an all-zero sockaddr_in is valid; the address and length passed describe it.
        let mut a: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        a.sin_family = libc::AF_INET as libc::sa_family_t;
        a.sin_addr.s_addr = u32::from_ne_bytes(Ipv4Addr::LOCALHOST.octets());
        // SAFETY: `a` lives across the call and the length is its size.
        unsafe { libc::bind(fd, (&a as *const libc::sockaddr_in).cast(), size_of_val(&a) as libc::socklen_t) }
    };
    if r != 0 {
        return Err(OracleError::kernel("bind loopback listener", std::io::Error::last_os_error()));
    }
    // SAFETY: listen(2) on the socket we own.
    if unsafe { libc::listen(fd, 16) } != 0 {
        return Err(OracleError::kernel("listen", std::io::Error::last_os_error()));
    }
    Ok(listener)
}

fn setsockopt_int(fd: i32, level: i32, name: i32, val: i32) -> Result<(), OracleError> {
    // SAFETY: `val` lives across the call and the length passed is its size; `fd` is an open socket.
    let r =
        unsafe { libc::setsockopt(fd, level, name, (&val as *const i32).cast(), size_of::<i32>() as libc::socklen_t) };
    if r != 0 {
        return Err(OracleError::kernel("setsockopt", std::io::Error::last_os_error()));
    }
    Ok(())
}

/// The model socket a batch starts from: the vehicle's shape, and the values the probes read.
fn start_sock(
    vehicle: Vehicle,
    v6: bool,
    info: &skel::types::sockopt_info,
    probe: &[Entry],
    results: &[EntryResult],
    rules: Rules,
    profile: &KernelProfile,
) -> Sock {
    let mut sk = Sock::tcp(v6, TCP_ESTABLISHED, rules, profile);
    if vehicle == Vehicle::Tstamp {
        // Every call fails before reading the socket; the defaults stand for it.
        return sk;
    }
    sk.state = info.state as u8;
    sk.has_socket = !matches!(vehicle, Vehicle::SockOps { op: 5 | 1, .. });
    sk.data_segs_out = info.data_segs_out;
    sk.snd_cwnd = info.snd_cwnd;
    sk.snd_ssthresh = info.snd_ssthresh;
    let hz = profile.hz;
    let mut syn = [None, None, None];
    for (e, (_, get_ret, buf)) in probe.iter().zip(results) {
        let int = || i32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
        if (TCP_BPF_SYN..=TCP_BPF_SYN_MAC).contains(&e.optname) && e.level == SOL_TCP {
            if *get_ret > 0 {
                syn[(e.optname - TCP_BPF_SYN) as usize] = Some((*get_ret as u32, buf.clone()));
            }
            continue;
        }
        if *get_ret != 0 {
            continue;
        }
        match SockOpt::from_raw(e.level, e.optname) {
            SockOpt::ReuseAddr => sk.reuse = int() as u8,
            SockOpt::SndBuf => sk.sndbuf = int(),
            SockOpt::RcvBuf => sk.rcvbuf = int(),
            SockOpt::KeepAlive => sk.keepopen = int() != 0,
            SockOpt::Priority => sk.priority = int() as u32,
            SockOpt::ReusePort => sk.reuseport = int() != 0,
            SockOpt::RcvLowat => sk.rcvlowat = int(),
            SockOpt::Mark => sk.mark = int() as u32,
            SockOpt::MaxPacingRate => {
                let v = int() as u32;
                sk.max_pacing_rate = if v == u32::MAX { u64::MAX } else { u64::from(v) };
            }
            SockOpt::BindToIfindex => sk.bound_dev_if = int(),
            SockOpt::TxRehash => sk.txrehash = int() as u8,
            SockOpt::SkBpfCbFlags => sk.bpf_cb_flags = int() as u32,
            SockOpt::TcpNodelay => sk.nodelay = int() != 0,
            SockOpt::TcpMaxseg => sk.mss_cache = int() as u32,
            SockOpt::TcpKeepIdle => sk.keepidle = int(),
            SockOpt::TcpKeepIntvl => sk.keepintvl = int(),
            SockOpt::TcpKeepCnt => sk.keepcnt = int(),
            SockOpt::TcpSyncnt => sk.syncnt = int(),
            SockOpt::TcpWindowClamp => sk.window_clamp = int() as u32,
            SockOpt::TcpThinLinearTimeouts => sk.thin_lto = int() != 0,
            SockOpt::TcpUserTimeout => sk.user_timeout = int() as u32,
            SockOpt::TcpNotsentLowat => sk.notsent_lowat = int() as u32,
            SockOpt::TcpSaveSyn => sk.save_syn = int() as u8,
            SockOpt::TcpRtoMaxMs => sk.rto_max = msecs_to_jiffies(int() as u32, hz) as u32,
            SockOpt::TcpBpfDelackMax => sk.delack_max = usecs_to_jiffies(int() as u32, hz) as u32,
            SockOpt::TcpBpfRtoMin => sk.rto_min = usecs_to_jiffies(int() as u32, hz) as u32,
            SockOpt::TcpBpfSockOpsCbFlags => sk.sock_ops_cb_flags = int() as u32,
            SockOpt::IpTos => sk.tos = int() as u8,
            SockOpt::Ipv6Tclass => sk.tclass = int() as u8,
            SockOpt::Ipv6AutoFlowLabel => sk.autoflowlabel = int() != 0,
            SockOpt::IpTransparent | SockOpt::Ipv6Transparent => sk.transparent = int() != 0,
            SockOpt::TcpCongestion => {
                let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
                sk.congestion = String::from_utf8_lossy(&buf[..end]).into_owned();
            }
            _ => {}
        }
    }
    if let [Some((tcp, _)), Some((ip, ipbuf)), mac] = &syn {
        let (mac_len, data) = match mac {
            Some((all, macbuf)) => (all - ip, macbuf[..*all as usize].to_vec()),
            None => (0, ipbuf[..*ip as usize].to_vec()),
        };
        sk.saved_syn = Some(SavedSyn { mac_hdrlen: mac_len, network_hdrlen: ip - tcp, tcp_hdrlen: *tcp, data });
    }
    sk
}

/// `sk` with the values a fresh socket takes from the kernel's sysctls and constants as the model has them
/// ([`Sock::tcp`]): keepalive time, interval and probes, SYN retries, RTO minimum and maximum, delayed-ACK
/// maximum, automatic flow labels, `txrehash`, the congestion control. Every vehicle's socket, the
/// passive ones included (a child copies its listener, itself fresh), starts with them.
fn with_model_defaults(sk: &Sock, v6: bool, rules: Rules, profile: &KernelProfile) -> Sock {
    let d = Sock::tcp(v6, sk.state, rules, profile);
    let mut f = sk.clone();
    f.keepidle = d.keepidle;
    f.keepintvl = d.keepintvl;
    f.keepcnt = d.keepcnt;
    f.syncnt = d.syncnt;
    f.rto_min = d.rto_min;
    f.rto_max = d.rto_max;
    f.delack_max = d.delack_max;
    f.autoflowlabel = d.autoflowlabel;
    f.txrehash = d.txrehash;
    f.congestion = d.congestion;
    f
}

fn rng_any(rng: &mut Rng) -> i32 {
    rng.next_u32() as i32
}

/// Interesting int values of a whitelisted option: its bounds and their neighbours.
fn int_values(opt: SockOpt) -> &'static [i32] {
    match opt {
        SockOpt::SndBuf | SockOpt::RcvBuf => {
            &[0, 1, 1151, 1152, 1153, 2304, 4096, 65536, 2_097_152, 4_194_304, 4_194_305, 1 << 30, i32::MAX, -1]
        }
        SockOpt::Priority => &[0, 1, 2, 6, 7, 8, -1, 100, i32::MAX, i32::MIN],
        SockOpt::RcvLowat => &[0, 1, -1, 100, 65536, 1 << 20, 16_777_216, 16_777_217, i32::MAX, 300_000],
        SockOpt::Mark => &[0, 1, -1, 0x1234, i32::MIN],
        SockOpt::MaxPacingRate => &[-1, 0, 1, 1000, 1 << 20, -2, i32::MAX, i32::MIN],
        SockOpt::BindToIfindex => &[0, 1, 2, 4, 999, -1, -5, 0, 1],
        SockOpt::TxRehash => &[-2, -1, 0, 1, 2, 255],
        SockOpt::SkBpfCbFlags => &[0, 1, 2, 3, -1, 0],
        SockOpt::TcpMaxseg => &[0, 87, 88, 89, 536, 1460, 32767, 32768, -1],
        SockOpt::TcpKeepIdle | SockOpt::TcpKeepIntvl => &[0, 1, 2, 75, 7200, 32767, 32768, -1],
        SockOpt::TcpKeepCnt | SockOpt::TcpSyncnt => &[0, 1, 9, 126, 127, 128, -1],
        SockOpt::TcpWindowClamp => &[0, 1, 1151, 1152, 1153, 65535, 1 << 20, -1, i32::MAX],
        SockOpt::TcpUserTimeout => &[0, 1, 1000, i32::MAX, -1],
        SockOpt::TcpNotsentLowat => &[0, 1, -1, 16384, i32::MAX],
        SockOpt::TcpSaveSyn => &[0, 1, 2, 3, -1],
        SockOpt::TcpRtoMaxMs => &[999, 1000, 1001, 1003, 1005, 60000, 119_999, 120_000, 120_001, 0, -1],
        SockOpt::TcpBpfIw => &[0, 1, 10, 100, -1, i32::MAX],
        SockOpt::TcpBpfSndcwndClamp => &[0, 1, 10, -1, i32::MAX],
        SockOpt::TcpBpfDelackMax | SockOpt::TcpBpfRtoMin => {
            &[0, 1, 4000, 4001, 7999, 8000, 8001, 30000, 40000, 199_999, 200_000, 200_001, 1_000_000, -1]
        }
        SockOpt::TcpBpfSockOpsCbFlags => &[0, 1, 0x7f, 0x80, 0x40, 4, -1, 0],
        SockOpt::IpTos | SockOpt::Ipv6Tclass => &[0, 1, 2, 3, 0x10, 0xe1, 0xff, 0x100, 0x1e0, 0x110, -1, -2, 0x20],
        _ => &[0, 1, 2, -1],
    }
}

const CC_NAMES: [&[u8]; 12] = [
    b"reno",
    b"bbr",
    b"cubic",
    b"cdg",
    b"cdgx",
    b"vegas",
    b"dctcp",
    b"nosuchcc",
    b"",
    b"bbr\0xyz",
    b"cubicXXXXXXXXXXXXXXXX",
    b"cdg\0",
];

/// A string optval: `name`, then a NUL or not, then padding.
fn string_val(rng: &mut Rng, name: &[u8]) -> Vec<u8> {
    let mut v = name.to_vec();
    match rng.below(5) {
        0 | 1 => {}
        2 | 3 => v.push(0),
        _ => {
            let pad = rng.below(20) as usize;
            let junk = rng.chance(1, 2);
            v.extend((0..pad).map(|i| if junk { b'a' + (i as u8 % 26) } else { 0 }));
        }
    }
    if v.is_empty() {
        v.push(0);
    }
    v.truncate(VAL_CAP);
    v
}

fn gen_len(rng: &mut Rng) -> u32 {
    if rng.chance(85, 100) {
        4
    } else {
        *rng.pick(&[1, 2, 3, 5, 8, 16, 17, 64, 128])
    }
}

fn int_val(rng: &mut Rng, opt: SockOpt, len: u32) -> Vec<u8> {
    let v: i32 = match rng.below(10) {
        0 => rng.next_u32() as i32,
        1 => rng.below(300) as i32,
        _ => *rng.pick(int_values(opt)),
    };
    let mut b = v.to_le_bytes().to_vec();
    b.resize(len as usize, if rng.chance(1, 2) { 0 } else { 0x5a });
    b
}

/// One generated case: mostly whitelisted options at their edges, some unknown pairs.
fn gen_entry(rng: &mut Rng, unknown_dev: &str, sock_ops: bool) -> Entry {
    if sock_ops && rng.chance(1, 30) {
        // bpf_sock_ops_cb_flags_set(), read back through TCP_BPF_SOCK_OPS_CB_FLAGS.
        let any = rng_any(rng);
        let v: i32 = *rng.pick(&[0, 1, 0x7f, 0x80, 0xff, -1, 0xc0, 0x45, 0x100, any]);
        let (level, optname) = SockOpt::TcpBpfSockOpsCbFlags.raw();
        return Entry { level, optname, set: Some(v.to_le_bytes().to_vec()), cb: true, get_len: 4 };
    }
    if rng.chance(1, 10) {
        let any = rng.next_u32() as i32;
        let level = *rng.pick(&[0, 1, 6, 41, 2, 17, 255, -1, any]);
        let optname = match rng.below(4) {
            0 => rng.below(100) as i32,
            1 => 1000 + rng.below(13) as i32,
            2 => rng.next_u32() as i32,
            _ => *rng.pick(&[-1, 0, 44, 45, 46, 1009, 1010, 67, 70, 3, 11, 31]),
        };
        let len = gen_len(rng);
        let set = rng.chance(2, 3).then(|| int_val(rng, SockOpt::Other { level, optname }, len));
        let get_len = if set.is_none() || rng.chance(1, 2) { gen_len(rng) } else { 0 };
        return Entry { level, optname, set, cb: false, get_len };
    }
    let opt = *rng.pick(SockOpt::ALL);
    let (level, optname) = opt.raw();
    let mut do_set = opt.settable() && rng.chance(4, 5) || rng.chance(1, 10);
    let mut do_get = opt.gettable() && rng.chance(9, 10) || rng.chance(1, 10);
    if !do_set && !do_get {
        do_get = true;
        do_set = rng.chance(1, 2);
    }
    let set = do_set.then(|| match opt {
        SockOpt::TcpCongestion => {
            let name = *rng.pick(&CC_NAMES);
            string_val(rng, name)
        }
        SockOpt::BindToDevice => {
            let names: [&[u8]; 6] = [b"lo", b"", unknown_dev.as_bytes(), b"lo\0junk", b"loXXXXXXXXXXXXXXXXX", b"lo"];
            let name = *rng.pick(&names);
            string_val(rng, name)
        }
        _ => {
            let len = gen_len(rng);
            int_val(rng, opt, len)
        }
    });
    let get_len = if !do_get {
        0
    } else {
        match opt {
            SockOpt::TcpCongestion => {
                if rng.chance(1, 5) {
                    *rng.pick(&[1, 2, 128])
                } else {
                    1 + rng.below(20) as u32
                }
            }
            SockOpt::TcpSavedSyn | SockOpt::TcpBpfSyn | SockOpt::TcpBpfSynIp | SockOpt::TcpBpfSynMac => {
                if rng.chance(1, 2) {
                    *rng.pick(&[1, 4, 20, 32, 39, 40, 41, 52, 54, 60, 74, 80, 93, 94, 95, 128])
                } else {
                    1 + rng.below(VAL_CAP as u64) as u32
                }
            }
            _ => gen_len(rng),
        }
    };
    Entry { level, optname, set, cb: false, get_len }
}

impl Area for SockoptArea {
    type Case = SockoptCase;
    const DEFAULT_CASES: u64 = 20_000;

    fn open(profile: &KernelProfile) -> Result<Self, OracleError> {
        let rules = profile.rules().map_err(|e| OracleError::Kernel(e.to_string()))?;
        let lock = cgroup::lock();
        let mut skel = load_without_zero_optlen()?;
        let mut guard = CgroupGuard::new()?;
        guard.attach(&skel.progs.sockopt_sockops)?;
        guard.attach(&skel.progs.sockopt_connect4)?;
        guard.attach(&skel.progs.sockopt_connect6)?;
        guard.attach(&skel.progs.sockopt_setsockopt)?;
        if skel.maps.bss_data.is_none() {
            return Err(OracleError::Kernel("sockopt.bpf.c: no .bss mmap".into()));
        }
        let mut unknown_dev = String::from("bpfm-nodev0");
        let mut k = 0;
        while std::path::Path::new("/sys/class/net").join(&unknown_dev).exists() {
            k += 1;
            unknown_dev = format!("bpfm-nodev{k}");
        }
        // Make sure nothing is armed from an earlier user of the same object.
        if let Some(bss) = skel.maps.bss_data.as_deref_mut() {
            bss.ctl.armed = 0;
            bss.ctl.tstamp_armed = 0;
        }
        Ok(SockoptArea {
            guard,
            skel,
            _lock: lock,
            profile: profile.clone(),
            rules,
            queue: VecDeque::new(),
            pending: None,
            history: Vec::new(),
            unknown_dev,
            recorded_kinds: RefCell::new(HashSet::new()),
            batches: 0,
        })
    }

    fn generate(&mut self, rng: &mut Rng) -> SockoptCase {
        if self.queue.is_empty() {
            self.refill(rng);
        }
        let next = self.queue.pop_front().expect("refill queues a batch");
        let case = next.0.clone();
        if self.history.len() >= HISTORY_CAP {
            self.history.drain(..HISTORY_CAP / 2);
        }
        self.history.push(next.clone());
        self.pending = Some(next);
        case
    }

    fn run_kernel(&mut self, case: &SockoptCase) -> Result<SockoptOutcome, OracleError> {
        match &self.pending {
            Some((c, outcome)) if c == case => outcome.clone().map_err(OracleError::Kernel),
            _ => match self.history.iter().rev().find(|(c, _)| c == case) {
                Some((_, outcome)) => outcome.clone().map_err(OracleError::Kernel),
                None => Err(OracleError::Kernel(
                    "a sockopt case runs in the kernel only inside its generated batch (its starting state comes \
                 from the cases before it)"
                        .into(),
                )),
            },
        }
    }

    fn is_edge(&self, case: &SockoptCase) -> bool {
        let Some((c, Ok(k))) = &self.pending else { return false };
        if c != case || matches!(SockOpt::from_raw(case.level, case.optname), SockOpt::Other { .. }) {
            return false;
        }
        let set_ok = case.set.is_some() && k.set_ret == 0;
        let get_ok = case.get_len > 0 && k.get_ret >= 0;
        let key = (case.level, case.optname, set_ok, get_ok);
        self.recorded_kinds.borrow_mut().insert(key)
    }
}

impl Drop for SockoptArea {
    fn drop(&mut self) {
        // Links first (the guard drops them before removing the cgroup), then the programs.
        self.guard.detach_all();
    }
}

//! `bpf_model::ringbuf::kernel` against the live kernel: real rings written (or drained) by
//! `oracle/bpf/ringbuf_reader.bpf.c`, read (or written) with the crate alone, blocking and with tokio; the
//! same generic readers run on model rings and give the same records; the lost-wakeup race of
//! edge-triggered readers (a commit right as the consumer decides to sleep) never leaves a reader asleep
//! on data; fds that are not rings give an `Errno`.
//!
//! libbpf-rs only loads the program and runs it; every byte of the rings is read or written through
//! `bpf_model`.

use bpf_model::ringbuf::kernel::{
    map_info, open_pinned, record_ready, AsyncConsumer, KernelRingBuf, KernelUserRingBuf, ModelRing, RingFd,
    BPF_MAP_TYPE_RINGBUF, BPF_MAP_TYPE_USER_RINGBUF,
};
use bpf_model::ringbuf::{Consumer, RingBuf, RingMemory, UserRingBuf, BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP};
use bpf_model::{Errno, KernelProfile};
use bpf_oracle::kernel::{load, skel::ringbuf_reader as skel};
use bpf_oracle::testing::kernel_available;
use libbpf_rs::ProgramInput;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest a reader may wait for a record that is on its way, and longest any wait of a test lasts.
const STALL: Duration = Duration::from_secs(10);
/// Records in flight at most (each at most 264 bytes of a 16 KiB ring), so producers never find it full.
const IN_FLIGHT: usize = 48;
const RING_SIZE: u32 = 16384;

/// Byte `i` of `obuf`, the body of every record.
fn body(i: usize) -> u8 {
    (i as u8).wrapping_mul(7) ^ 0x5a
}

/// Record `seq` as `rr_produce` writes it: `seq`, then `obuf[8..size]`.
fn record(seq: u64) -> Vec<u8> {
    let size = 8 + (seq.wrapping_mul(13) as u32 & 0xf7) as usize;
    let mut r = seq.to_ne_bytes().to_vec();
    r.extend((8..size).map(body));
    r
}

struct Rig {
    skel: skel::RingbufReaderSkel<'static>,
}

impl Rig {
    fn open() -> Rig {
        let mut skel = load(skel::RingbufReaderSkelBuilder::default(), "ringbuf_reader.bpf.c").expect("load");
        let bss = skel.maps.bss_data.as_deref_mut().expect(".bss");
        for (i, b) in bss.obuf.iter_mut().enumerate() {
            *b = body(i);
        }
        Rig { skel }
    }

    /// Records `seq..seq + n` into `rr_ring` in one program run, committed with `flags`.
    fn produce(&mut self, seq: u64, n: u32, flags: u64) {
        let mut ctx = [0u8; 24];
        ctx[..8].copy_from_slice(&seq.to_ne_bytes());
        ctx[8..16].copy_from_slice(&flags.to_ne_bytes());
        ctx[16..20].copy_from_slice(&n.to_ne_bytes());
        let input = ProgramInput { context_in: Some(&mut ctx[..]), ..Default::default() };
        let out = self.skel.progs.rr_produce.test_run(input).expect("BPF_PROG_TEST_RUN rr_produce");
        assert_eq!(out.return_value, 0);
        assert_eq!(self.skel.maps.bss_data.as_deref().expect(".bss").rr_fail, 0, "the ring was never full");
    }

    /// `rr_drain`: the drain's return value, and (count, next, bad) so far.
    fn drain(&mut self) -> (i64, u64, u64, u64) {
        let mut ctx = [0u8; 8];
        let input = ProgramInput { context_in: Some(&mut ctx[..]), ..Default::default() };
        self.skel.progs.rr_drain.test_run(input).expect("BPF_PROG_TEST_RUN rr_drain");
        let b = self.skel.maps.bss_data.as_deref().expect(".bss");
        (b.d_ret, b.d_count, b.d_next, b.d_bad)
    }

    fn ring(&self) -> BorrowedFd<'_> {
        self.skel.maps.rr_ring.as_fd()
    }

    fn user(&self) -> BorrowedFd<'_> {
        self.skel.maps.rr_user.as_fd()
    }
}

/// Waits (bounded) until `f` holds.
fn until(what: &str, f: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < STALL, "{what}: not within {STALL:?}");
        std::thread::yield_now();
    }
}

// ---- The generic readers: written once against `RingMemory` / `RingFd`, run on kernel and model rings.

/// Reads `n` records, blocking in `Consumer::wait` when there is nothing to read, and publishes how many
/// it has in `progress`. A wait that times out while the next record is committed is a lost wakeup.
fn read_records<M: RingMemory>(c: &mut Consumer<M>, n: usize, progress: &AtomicUsize) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        c.consume(n - out.len(), |r| {
            out.push(r.data().to_vec());
            0
        })
        .expect("consume");
        progress.store(out.len(), Ordering::Release);
        if out.len() < n && !c.wait(Some(STALL)) {
            assert!(!record_ready(c.memory()), "slept {STALL:?} on a committed record (lost wakeup)");
            panic!("no record for {STALL:?} after {} of {n}", out.len());
        }
    }
    out
}

/// The same with tokio: waits in `AsyncConsumer::readable`.
async fn read_records_async<M: RingFd>(c: &mut AsyncConsumer<M>, n: usize, progress: &AtomicUsize) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        if tokio::time::timeout(STALL, c.readable()).await.is_err() {
            assert!(!record_ready(c.consumer().memory()), "slept {STALL:?} on a committed record (lost wakeup)");
            panic!("no record for {STALL:?} after {} of {n}", out.len());
        }
        c.consumer()
            .consume(n - out.len(), |r| {
                out.push(r.data().to_vec());
                0
            })
            .expect("consume");
        progress.store(out.len(), Ordering::Release);
    }
    out
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

/// Feeds records `0..n` in batches of 1 to 16 through `produce(seq, count)`, never more than
/// `IN_FLIGHT` ahead of the reader.
fn feed(n: usize, progress: &AtomicUsize, mut produce: impl FnMut(u64, u32)) {
    let mut seq = 0usize;
    let mut batch = 0usize;
    while seq < n {
        batch = batch % 16 + 1;
        let k = batch.min(n - seq);
        until("reader catching up", || seq + k - progress.load(Ordering::Acquire) <= IN_FLIGHT);
        produce(seq as u64, k as u32);
        seq += k;
    }
}

fn model_ring() -> Arc<RingBuf> {
    Arc::new(RingBuf::new(&KernelProfile::detect().profile, RING_SIZE).expect("model ring"))
}

fn model_produce(rb: &RingBuf, seq: u64, n: u32, flags: u64) {
    for s in seq..seq + u64::from(n) {
        rb.output(&record(s), flags).expect("the model ring is never full here");
    }
}

/// 20,000 records of 8 to 255 bytes (about 170 trips around a 16 KiB ring, records straddling its end
/// included) written by a BPF program and read with `Consumer<KernelRingBuf>`; the same generic reader on
/// a model ring (`ModelRing` and a plain `&RingBuf`) gets the same bytes.
#[test]
fn kernel_ring_read_blocking_same_records_as_model() {
    if !kernel_available("kernel_ring_read_blocking_same_records_as_model") {
        return;
    }
    let n = 20_000;
    let want: Vec<Vec<u8>> = (0..n as u64).map(record).collect();
    let mut rig = Rig::open();
    let ring = KernelRingBuf::new(rig.ring()).expect("open the kernel ring");
    assert_eq!(ring.size(), u64::from(RING_SIZE));
    let progress = AtomicUsize::new(0);
    let t0 = Instant::now();
    let got = std::thread::scope(|s| {
        let reader = s.spawn(|| read_records(&mut Consumer::new(ring), n, &progress));
        feed(n, &progress, |seq, k| rig.produce(seq, k, 0));
        reader.join().expect("reader")
    });
    let kernel_time = t0.elapsed();
    assert!(got == want, "kernel records differ from what rr_produce wrote");

    let rb = model_ring();
    let progress = AtomicUsize::new(0);
    let got = std::thread::scope(|s| {
        let mut c = Consumer::new(ModelRing::new(rb.clone()).expect("consumer"));
        let progress = &progress;
        let reader = s.spawn(move || read_records(&mut c, n, progress));
        feed(n, progress, |seq, k| model_produce(&rb, seq, k, 0));
        reader.join().expect("reader")
    });
    assert!(got == want, "ModelRing records differ");

    let rb = model_ring();
    let progress = AtomicUsize::new(0);
    let got = std::thread::scope(|s| {
        let reader = s.spawn(|| read_records(&mut rb.consumer().expect("consumer"), n, &progress));
        feed(n, &progress, |seq, k| model_produce(&rb, seq, k, 0));
        reader.join().expect("reader")
    });
    assert!(got == want, "&RingBuf records differ");
    println!("blocking: {n} kernel records in {kernel_time:?}, the same {n} from two model rings");
}

/// The same 20,000 records read in tokio (`AsyncConsumer<KernelRingBuf>`, the map fd in `AsyncFd`), and
/// the same generic async reader on `AsyncConsumer<ModelRing>` (its eventfd).
#[test]
fn kernel_ring_read_with_tokio_same_records_as_model() {
    if !kernel_available("kernel_ring_read_with_tokio_same_records_as_model") {
        return;
    }
    let n = 20_000;
    let want: Vec<Vec<u8>> = (0..n as u64).map(record).collect();
    let mut rig = Rig::open();
    let ring = KernelRingBuf::new(rig.ring()).expect("open the kernel ring");
    let progress = AtomicUsize::new(0);
    let t0 = Instant::now();
    let got = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            runtime().block_on(async {
                let mut c = AsyncConsumer::new(Consumer::new(ring)).expect("register");
                read_records_async(&mut c, n, &progress).await
            })
        });
        feed(n, &progress, |seq, k| rig.produce(seq, k, 0));
        reader.join().expect("reader")
    });
    let kernel_time = t0.elapsed();
    assert!(got == want, "kernel records differ");

    let rb = model_ring();
    let progress = AtomicUsize::new(0);
    let got = std::thread::scope(|s| {
        let c = Consumer::new(ModelRing::new(rb.clone()).expect("consumer"));
        let reader = s.spawn(|| {
            runtime().block_on(async {
                let mut c = AsyncConsumer::new(c).expect("register");
                read_records_async(&mut c, n, &progress).await
            })
        });
        feed(n, &progress, |seq, k| model_produce(&rb, seq, k, 0));
        reader.join().expect("reader")
    });
    assert!(got == want, "ModelRing records differ");
    println!("tokio: {n} kernel records in {kernel_time:?}, the same {n} from the model");
}

/// What a ping-pong run saw.
struct PingPong {
    rounds: usize,
    /// Waits entered with nothing committed at `consumer_pos` (the reader really went to sleep).
    sleeps: usize,
    time: Duration,
}

/// The lost-wakeup race, on purpose: the producer commits each record right as the reader finishes the
/// previous one and decides to sleep (it waits for the reader's progress, then spins 0 to 1023 hint
/// cycles, so the commit lands anywhere along the reader's way from its `consumer_pos` store into
/// `epoll_wait`). A reader that ever sleeps on a committed record fails (bounded by `STALL`).
fn ping_pong<M: RingFd + Send>(
    c: Consumer<M>,
    asynchronous: bool,
    rounds: usize,
    mut produce: impl FnMut(u64),
) -> PingPong {
    let progress = AtomicUsize::new(0);
    let t0 = Instant::now();
    let sleeps = std::thread::scope(|s| {
        let progress = &progress;
        let reader = s.spawn(move || {
            if asynchronous {
                runtime().block_on(pong_async(c, rounds, progress))
            } else {
                pong_blocking(c, rounds, progress)
            }
        });
        let mut spin = 0x2545_f491u32;
        for k in 0..rounds {
            until("reader at the last record", || progress.load(Ordering::Acquire) == k);
            spin ^= spin << 13;
            spin ^= spin >> 17;
            spin ^= spin << 5;
            for _ in 0..spin % 1024 {
                std::hint::spin_loop();
            }
            produce(k as u64);
        }
        reader.join().expect("reader")
    });
    PingPong { rounds, sleeps, time: t0.elapsed() }
}

/// Consumes everything committed, checking each record is the next one.
fn take<M: RingMemory>(c: &mut Consumer<M>, got: &mut usize) {
    c.consume(usize::MAX, |r| {
        assert_eq!(r.data(), &record(*got as u64)[..], "record {got}");
        *got += 1;
        0
    })
    .expect("consume");
}

fn pong_blocking<M: RingMemory>(mut c: Consumer<M>, rounds: usize, progress: &AtomicUsize) -> usize {
    let (mut got, mut sleeps) = (0, 0);
    loop {
        take(&mut c, &mut got);
        progress.store(got, Ordering::Release);
        if got >= rounds {
            return sleeps;
        }
        if !record_ready(c.memory()) {
            sleeps += 1;
        }
        if !c.wait(Some(STALL)) {
            assert!(!record_ready(c.memory()), "slept {STALL:?} on a committed record (lost wakeup)");
            panic!("no record for {STALL:?} after {got}");
        }
    }
}

async fn pong_async<M: RingFd>(c: Consumer<M>, rounds: usize, progress: &AtomicUsize) -> usize {
    let mut c = AsyncConsumer::new(c).expect("register");
    let (mut got, mut sleeps) = (0, 0);
    loop {
        take(c.consumer(), &mut got);
        progress.store(got, Ordering::Release);
        if got >= rounds {
            return sleeps;
        }
        if !record_ready(c.consumer().memory()) {
            sleeps += 1;
        }
        if tokio::time::timeout(STALL, c.readable()).await.is_err() {
            assert!(!record_ready(c.consumer().memory()), "slept {STALL:?} on a committed record (lost wakeup)");
            panic!("no record for {STALL:?} after {got}");
        }
    }
}

fn report(what: &str, p: &PingPong) {
    println!(
        "{what}: {} rounds, {} waits entered with nothing to read, none slept on data, {:?}",
        p.rounds, p.sleeps, p.time
    );
    assert!(p.sleeps > p.rounds / 4, "{what}: the reader should have gone to sleep in most rounds");
}

/// The race against the kernel's commit, blocking (`Consumer<KernelRingBuf>::wait`, edge-triggered epoll)
/// and with tokio (`AsyncFd` on the map fd).
#[test]
fn kernel_commit_right_as_the_reader_sleeps_never_leaves_it_asleep() {
    if !kernel_available("kernel_commit_right_as_the_reader_sleeps_never_leaves_it_asleep") {
        return;
    }
    let rounds = 5_000;
    for asynchronous in [false, true] {
        let mut rig = Rig::open();
        let c = Consumer::new(KernelRingBuf::new(rig.ring()).expect("open"));
        let p = ping_pong(c, asynchronous, rounds, |k| rig.produce(k, 1, 0));
        report(if asynchronous { "kernel, tokio" } else { "kernel, blocking" }, &p);
    }
}

/// The same race against the model's commit (`ModelRing`: its notifier, and its eventfd for tokio).
#[test]
fn model_commit_right_as_the_reader_sleeps_never_leaves_it_asleep() {
    let rounds = 5_000;
    for asynchronous in [false, true] {
        let rb = model_ring();
        let c = Consumer::new(ModelRing::new(rb.clone()).expect("consumer"));
        let p = ping_pong(c, asynchronous, rounds, |k| model_produce(&rb, k, 1, 0));
        report(if asynchronous { "model, tokio" } else { "model, blocking" }, &p);
    }
}

/// A reader that takes one record per wakeup. The kernel wakes only a consumer that is at the committed
/// record, so after one program run of 48 records there is one wakeup: a reader that waits on the fd
/// for each record (aya's `AsyncFd` pattern, taking one `next()` per readiness) sleeps with 47 records
/// in the ring; `AsyncConsumer::readable` and `Consumer::wait` look at the ring first and take all 48.
#[test]
fn one_record_per_wakeup_needs_the_look_before_the_wait() {
    if !kernel_available("one_record_per_wakeup_needs_the_look_before_the_wait") {
        return;
    }
    let n = IN_FLIGHT as u32;
    let mut rig = Rig::open();
    let fd = rig.ring().try_clone_to_owned().expect("dup");
    let mut c = Consumer::new(KernelRingBuf::new(rig.ring()).expect("open"));
    rig.produce(0, n, 0);
    let (ours, naive) = runtime().block_on(async {
        // A reader that waits on the map fd before every record, as the naive pattern does.
        // SAFETY: `fd` is an open descriptor that the `AsyncFd` owns until it is dropped.
        let afd = unsafe { tokio::io::unix::AsyncFd::register(fd) }.map_err(|e| e.into_parts().1).expect("register");
        let mut naive = 0u32;
        while naive < n {
            let Ok(guard) = tokio::time::timeout(Duration::from_millis(300), afd.readable()).await else { break };
            let mut guard = guard.expect("readable");
            naive += c.consume(1, |_| 0).expect("consume") as u32;
            guard.clear_ready();
        }
        let mut ours = naive;
        let mut a = AsyncConsumer::new(c).expect("register");
        while ours < n {
            tokio::time::timeout(STALL, a.readable()).await.expect("never asleep on data").expect("readable");
            ours += a.consumer().consume(1, |_| 0).expect("consume") as u32;
        }
        (ours, naive)
    });
    println!("one record per wakeup: the naive reader got {naive} of {n} before it slept on data; AsyncConsumer got the rest");
    assert!(naive < n, "the naive reader should have been left asleep with data");
    assert_eq!(ours, n);
    // Blocking: one record per `Consumer::wait`.
    let mut c = Consumer::new(KernelRingBuf::new(rig.ring()).expect("open"));
    rig.produce(u64::from(n), n, 0);
    let mut got = 0;
    while got < n {
        assert!(c.wait(Some(STALL)), "asleep {STALL:?} on data after {got} records");
        got += c.consume(1, |_| 0).expect("consume") as u32;
    }
}

/// A commit with `BPF_RB_NO_WAKEUP` does not end a wait; `BPF_RB_FORCE_WAKEUP` does even when the consumer
/// is behind; and the generic reader sees the same on the kernel ring and on the model ring.
fn wakeup_flags<M: RingMemory + Sync>(c: &mut Consumer<M>, mut produce: impl FnMut(u64, u64)) -> [bool; 3] {
    produce(0, BPF_RB_NO_WAKEUP);
    // Nothing read yet: the record is there, so the wait returns at once (it looks first).
    let at_once = c.wait(Some(Duration::from_millis(200)));
    assert_eq!(c.consume(usize::MAX, |_| 0), Ok(1));
    // Empty: a NO_WAKEUP commit made while the reader sleeps does not wake it.
    let silent = std::thread::scope(|s| {
        let t = s.spawn(|| c.wait(Some(Duration::from_millis(300))));
        std::thread::sleep(Duration::from_millis(50));
        produce(1, BPF_RB_NO_WAKEUP);
        t.join().expect("waiter")
    });
    // The reader is behind (record 1 unread) and sleeps without looking: only FORCE_WAKEUP wakes it.
    let forced = std::thread::scope(|s| {
        let t = s.spawn(|| c.memory().wait(&|| false, Some(STALL)));
        std::thread::sleep(Duration::from_millis(50));
        produce(2, BPF_RB_FORCE_WAKEUP);
        t.join().expect("waiter")
    });
    assert_eq!(c.consume(usize::MAX, |_| 0), Ok(2));
    [at_once, silent, forced]
}

#[test]
fn wakeup_flags_same_on_kernel_and_model() {
    if !kernel_available("wakeup_flags_same_on_kernel_and_model") {
        return;
    }
    let mut rig = Rig::open();
    let mut c = Consumer::new(KernelRingBuf::new(rig.ring()).expect("open"));
    let kernel = wakeup_flags(&mut c, |seq, flags| rig.produce(seq, 1, flags));
    let rb = model_ring();
    let mut c = Consumer::new(ModelRing::new(rb.clone()).expect("consumer"));
    let model = wakeup_flags(&mut c, |seq, flags| model_produce(&rb, seq, 1, flags));
    assert_eq!(kernel, [true, false, true], "the kernel: at once, NO_WAKEUP silent, FORCE_WAKEUP wakes");
    assert_eq!(model, kernel);
}

/// A user sample as the drain program checks it: `seq`, zeros, last byte `seq ^ size`.
fn sample(seq: u64) -> Vec<u8> {
    let size = 8 + (seq.wrapping_mul(13) as u32 & 0xf7) as usize;
    let mut s = vec![0u8; size];
    s[..8].copy_from_slice(&seq.to_ne_bytes());
    if size > 8 {
        s[size - 1] = (seq ^ size as u64) as u8;
    }
    s
}

/// The user ring's producer side: 5,000 samples reserved, written and submitted with
/// `KernelUserRingBuf` (one in seven discarded, and the drain skips those), drained by the BPF program,
/// which checks every sample; each `reserve` returns what the model's `UserRingBuf` returns for the same
/// sequence (`E2BIG` for oversized ones, `ENOSPC` when full), and the positions agree after every step.
#[test]
fn user_ring_written_with_the_crate_drained_by_bpf() {
    if !kernel_available("user_ring_written_with_the_crate_drained_by_bpf") {
        return;
    }
    let mut rig = Rig::open();
    let mut k = KernelUserRingBuf::new(rig.user()).expect("open the user ring");
    let mut m = UserRingBuf::new(&KernelProfile::detect().profile, 8192).expect("model user ring");
    assert_eq!(k.size(), 8192);
    let (mut seq, mut submitted, mut full, mut too_big) = (0u64, 0u64, 0u32, 0u32);
    for step in 0..6_000u64 {
        if step % 97 == 5 {
            let (kr, mr) = (k.reserve(8192).map(|_| ()), m.reserve(8192).map(|_| ()));
            assert_eq!(kr, mr);
            assert_eq!(kr, Err(Errno::E2BIG));
            too_big += 1;
        }
        let s = sample(seq);
        let outcome = match (k.reserve(s.len() as u32), m.reserve(s.len() as u32)) {
            (Ok(mut ks), Ok(mut ms)) => {
                ks.write(0, &s);
                ms.write(0, &s);
                if step % 7 == 3 {
                    ks.discard();
                    ms.discard();
                } else {
                    ks.submit();
                    ms.submit();
                    seq += 1;
                    submitted += 1;
                }
                Ok(())
            }
            (Err(ke), Err(me)) => Err((ke, me)),
            (kr, mr) => panic!("step {step}: kernel {:?}, model {:?}", kr.map(|_| ()), mr.map(|_| ())),
        };
        match outcome {
            Ok(()) => {}
            Err((ke, me)) => {
                assert_eq!(ke, me);
                assert_eq!(ke, Errno::ENOSPC);
                full += 1;
                let (ret, count, _, bad) = rig.drain();
                assert!(ret > 0, "a full ring drains");
                assert_eq!(bad, 0, "every sample as written");
                assert_eq!(count, submitted);
                let mut n = 0i64;
                assert_eq!(
                    m.drain(0, |_| {
                        n += 1;
                        0
                    }),
                    ret,
                    "the model drains as many"
                );
            }
        }
        assert_eq!(k.positions(), (m.consumer_pos(), m.producer_pos()), "step {step}");
    }
    let (_, count, next, bad) = rig.drain();
    assert_eq!((count, next, bad), (submitted, seq, 0));
    println!("user ring: {submitted} samples submitted and drained, {full} times full (ENOSPC), {too_big} E2BIG");
    assert!(full > 10);
}

/// `reserve_blocking` sleeps on the map fd's `EPOLLOUT` until a drain frees space, and says `ENOSPC` when
/// none comes before the timeout.
#[test]
fn user_ring_reserve_blocking_waits_for_the_drain() {
    if !kernel_available("user_ring_reserve_blocking_waits_for_the_drain") {
        return;
    }
    let mut rig = Rig::open();
    let mut k = KernelUserRingBuf::new(rig.user()).expect("open the user ring");
    let mut seq = 0u64;
    loop {
        let s = sample(seq);
        match k.reserve(s.len() as u32) {
            Ok(mut r) => {
                r.write(0, &s);
                r.submit();
                seq += 1;
            }
            Err(e) => {
                assert_eq!(e, Errno::ENOSPC);
                break;
            }
        }
    }
    let s = sample(seq);
    let t0 = Instant::now();
    assert_eq!(k.reserve_blocking(s.len() as u32, Duration::from_millis(100)).map(|_| ()), Err(Errno::ENOSPC));
    let waited = t0.elapsed();
    assert!(waited >= Duration::from_millis(100) && waited < STALL, "{waited:?}");
    let drain_fd = rig.skel.progs.rr_drain.as_fd().as_raw_fd();
    let t0 = Instant::now();
    let (got, ran) = std::thread::scope(|s| {
        let drainer = s.spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            test_run_raw(drain_fd)
        });
        let got = k.reserve_blocking(s_len(&sample(seq)), STALL).map(|mut r| {
            r.write(0, &sample(seq));
            r.submit();
        });
        (got, drainer.join().expect("drainer"))
    });
    let woke = t0.elapsed();
    assert_eq!(ran, Ok(0));
    assert_eq!(got, Ok(()));
    assert!(woke >= Duration::from_millis(90) && woke < STALL, "{woke:?}");
    let (_, count, next, bad) = rig.drain();
    assert_eq!((count, next, bad), (seq + 1, seq + 1, 0));
    println!("reserve_blocking: ENOSPC after {waited:?}; woken by the drain after {woke:?}");
}

fn s_len(s: &[u8]) -> u32 {
    s.len() as u32
}

/// `BPF_PROG_TEST_RUN` of a program by its raw fd from any thread (libbpf-rs' handles stay on theirs).
fn test_run_raw(fd: i32) -> Result<u32, i32> {
    let mut ctx = [0u8; 8];
    let mut opts = libbpf_rs::libbpf_sys::bpf_test_run_opts {
        sz: std::mem::size_of::<libbpf_rs::libbpf_sys::bpf_test_run_opts>() as _,
        ctx_in: ctx.as_mut_ptr().cast(),
        ctx_size_in: ctx.len() as u32,
        ..Default::default()
    };
    // SAFETY: `opts` is a zero-initialised `bpf_test_run_opts` with `sz` set; `ctx_in` points to `ctx`,
    // which outlives the call.
    let r = unsafe { libbpf_rs::libbpf_sys::bpf_prog_test_run_opts(fd, &mut opts) };
    if r < 0 {
        Err(r)
    } else {
        Ok(opts.retval)
    }
}

/// `BPF_MAP_GET_FD_BY_ID` with `open_flags`: a new fd of map `id`.
fn map_fd_by_id(id: u32, open_flags: u32) -> OwnedFd {
    let mut attr = [0u32; 4];
    attr[0] = id;
    attr[2] = open_flags;
    // SAFETY: BPF_MAP_GET_FD_BY_ID (14) reads the 16-byte attribute buffer, which lives across the call.
    let fd = unsafe { libc::syscall(libc::SYS_bpf, 14, attr.as_mut_ptr(), std::mem::size_of_val(&attr) as u32) };
    assert!(fd >= 0, "BPF_MAP_GET_FD_BY_ID: {}", std::io::Error::last_os_error());
    // SAFETY: a new fd that nothing else owns.
    unsafe { OwnedFd::from_raw_fd(fd as i32) }
}

/// Opening a ring on what is not one, or without the right to map it, is an `Errno` (never a panic).
#[test]
fn opening_a_non_ring_or_closed_fd_is_an_errno() {
    if !kernel_available("opening_a_non_ring_or_closed_fd_is_an_errno") {
        return;
    }
    let rig = Rig::open();
    let ring = map_info(rig.ring()).expect("info of the ring");
    assert_eq!((ring.map_type, ring.max_entries), (BPF_MAP_TYPE_RINGBUF, RING_SIZE));
    assert_eq!(map_info(rig.user()).expect("info").map_type, BPF_MAP_TYPE_USER_RINGBUF);
    let array = rig.skel.maps.rr_array.as_fd();
    let prog = rig.skel.progs.rr_produce.as_fd();
    let file = std::fs::File::open("/dev/null").expect("/dev/null");
    let err = |r: Result<KernelRingBuf, Errno>| r.map(|_| ()).unwrap_err();
    let uerr = |r: Result<KernelUserRingBuf, Errno>| r.map(|_| ()).unwrap_err();
    let got = [
        ("an array map", err(KernelRingBuf::new(array))),
        ("a user ring as a ring", err(KernelRingBuf::new(rig.user()))),
        ("a ring as a user ring", uerr(KernelUserRingBuf::new(rig.ring()))),
        // A SYSCALL program's info reads as map type 31 (USER_RINGBUF): refused by the size check.
        ("a program", err(KernelRingBuf::new(prog))),
        ("a program as a user ring", uerr(KernelUserRingBuf::new(prog))),
        ("/dev/null", err(KernelRingBuf::new(&file))),
        ("a fd that is not open", err(KernelRingBuf::from_raw(i32::MAX - 7))),
        ("fd -1", uerr(KernelUserRingBuf::from_raw(-1))),
        ("a read-only fd of the ring", err(KernelRingBuf::from_owned(map_fd_by_id(ring.id, 1 << 3)))),
        ("a write-only fd of the ring", err(KernelRingBuf::from_owned(map_fd_by_id(ring.id, 1 << 4)))),
    ];
    for (what, e) in &got {
        println!("opening {what}: {e}");
    }
    let want = [
        Errno::EINVAL,
        Errno::EINVAL,
        Errno::EINVAL,
        Errno::EINVAL,
        Errno::ENODEV,
        Errno::EINVAL,
        Errno::EBADF,
        Errno::EBADF,
        Errno::EACCES,
        Errno::EACCES,
    ];
    assert_eq!(got.map(|(_, e)| e), want);
    // BPF_OBJ_GET of a path that is no pinned object (this machine mounts no BPF filesystem to pin in).
    let pinned = [
        open_pinned(std::path::Path::new("/nonexistent/bpf_model_ring")).map(|_| ()).unwrap_err(),
        open_pinned(std::path::Path::new("/dev/null")).map(|_| ()).unwrap_err(),
        open_pinned(std::path::Path::new("a\0b")).map(|_| ()).unwrap_err(),
    ];
    println!(
        "open_pinned: missing {}, not in a BPF filesystem {}, NUL in the path {}",
        pinned[0], pinned[1], pinned[2]
    );
    assert_eq!(pinned, [Errno::ENOENT, Errno::EACCES, Errno::EINVAL]);
    // The fd the ring was opened on is still the caller's, and a read-write fd of the same map opens.
    assert!(KernelRingBuf::new(rig.ring()).is_ok());
    assert!(KernelRingBuf::from_owned(map_fd_by_id(ring.id, 0)).is_ok());
}

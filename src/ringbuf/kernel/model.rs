//! [`ModelRing`]: a model ring read the way a kernel ring is, with an eventfd for event loops.

use super::sys;
use super::{record_ready, RingFd};
use crate::ringbuf::consumer::RingMemory;
use crate::ringbuf::RingBuf;
use crate::sync::{AtomicU64, Ordering};
use crate::Errno;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

/// A model [`RingBuf`] shared with its producers through an `Arc`, holding the ring's one consumer: a
/// [`RingMemory`] and a [`RingFd`], like a [`KernelRingBuf`](super::KernelRingBuf), so that one reader
/// (blocking through [`Consumer::wait`](crate::ringbuf::Consumer::wait), or async) runs on either.
///
/// The model's wakeup is a condition variable ([`Consumer::wait`](crate::ringbuf::Consumer::wait) sleeps on
/// it directly). For an event loop, [`wakeup_fd`](RingFd::wakeup_fd) starts one thread, which sleeps on
/// that condition variable whenever the reader is about to wait ([`will_wait`](RingFd::will_wait)) and
/// turns the model commit's wakeup into an eventfd edge: the same wakeups, under the same rule
/// (`BPF_RB_FORCE_WAKEUP`, or the consumer at the committed record), as the kernel ring's map fd.
///
/// ```
/// use bpf_model::ringbuf::kernel::ModelRing;
/// use bpf_model::ringbuf::{Consumer, RingBuf};
/// use bpf_model::KernelProfile;
/// use std::sync::Arc;
/// let rb = Arc::new(RingBuf::new(&KernelProfile::x86_64_v6_18(), 4096).unwrap());
/// let mut c = Consumer::new(ModelRing::new(rb.clone()).expect("the ring's one consumer"));
/// assert!(rb.consumer().is_none(), "taken");
/// rb.output(b"hi", 0).unwrap();
/// assert!(c.wait(Some(std::time::Duration::from_secs(1))));
/// assert_eq!(c.consume(8, |r| { assert_eq!(r.data(), b"hi"); 0 }), Ok(1));
/// drop(c);
/// assert!(rb.consumer().is_some(), "given back");
/// ```
#[derive(Debug)]
pub struct ModelRing {
    rb: Arc<RingBuf>,
    waiter: OnceLock<Result<Waiter, Errno>>,
}

impl ModelRing {
    /// Takes the ring's one consumer; `None` while another consumer of it lives (a
    /// [`RingBuf::consumer`] or another `ModelRing`). Dropping the `ModelRing` gives it back.
    pub fn new(rb: Arc<RingBuf>) -> Option<ModelRing> {
        // Take the consumer slot and keep it: the `Consumer` returned holds nothing but the reference, and
        // forgetting it skips its drop, which would give the slot back. `Drop for ModelRing` does that.
        std::mem::forget(rb.consumer()?);
        Some(ModelRing { rb, waiter: OnceLock::new() })
    }

    /// The ring.
    pub fn ring(&self) -> &Arc<RingBuf> {
        &self.rb
    }

    fn waiter(&self) -> Result<&Waiter, Errno> {
        self.waiter.get_or_init(|| Waiter::start(self.rb.clone())).as_ref().map_err(|e| *e)
    }
}

impl Drop for ModelRing {
    fn drop(&mut self) {
        if let Some(Ok(w)) = self.waiter.get() {
            w.shared.stop.store(true, Ordering::Release);
            let _armed = w.shared.armed.lock().unwrap_or_else(|p| p.into_inner());
            w.shared.cv.notify_all();
        }
        self.rb.release_consumer();
    }
}

// SAFETY: delegates to the ring's own `RingMemory` (positions, mask, header loads with acquire, the data
// area of `2 * size` bytes in which a committed record is contiguous); `ModelRing::new` took the ring's
// one consumer slot, and only `Drop for ModelRing` gives it back.
unsafe impl RingMemory for ModelRing {
    fn mask(&self) -> u64 {
        self.rb.mask
    }

    fn consumer_pos(&self) -> &AtomicU64 {
        &self.rb.consumer_pos
    }

    fn producer_pos(&self) -> &AtomicU64 {
        &self.rb.prod.producer_pos
    }

    fn header_len(&self, off: usize) -> u32 {
        <&RingBuf as RingMemory>::header_len(&&*self.rb, off)
    }

    unsafe fn payload(&self, off: usize, len: usize) -> &[u8] {
        let size = (self.rb.mask + 1) as usize;
        if off + len > size {
            // A wrapping record: show the start of the area past its end, as the kernel's double mapping
            // does (the same copy as the `&RingBuf` consumer's).
            // SAFETY: in bounds of the `2 * size` area; the bytes belong to the committed, unconsumed
            // record (caller), so no producer accesses them.
            unsafe { self.rb.words.copy(0, size, off + len - size) }
        }
        // SAFETY: in bounds of the `2 * size` area (`off < size`, `len <= size`), committed (caller).
        unsafe { self.rb.words.slice(off, len) }
    }

    fn wait(&self, ready: &dyn Fn() -> bool, timeout: Option<Duration>) -> bool {
        <&RingBuf as RingMemory>::wait(&&*self.rb, ready, timeout)
    }
}

impl RingFd for ModelRing {
    fn wakeup_fd(&self) -> Result<BorrowedFd<'_>, Errno> {
        Ok(self.waiter()?.shared.efd.as_fd())
    }

    fn will_wait(&self) {
        if let Ok(w) = self.waiter() {
            *w.shared.armed.lock().unwrap_or_else(|p| p.into_inner()) = true;
            w.shared.cv.notify_all();
        }
    }

    fn woke(&self) {
        if let Ok(w) = self.waiter() {
            sys::eventfd_clear(w.shared.efd.as_fd());
        }
    }
}

/// How long the waiter thread sleeps at a time before it looks at its stop flag (bounds how long it
/// outlives its `ModelRing`).
const WAITER_SLICE: Duration = Duration::from_millis(100);

#[derive(Debug)]
struct Shared {
    efd: OwnedFd,
    armed: Mutex<bool>,
    cv: Condvar,
    stop: AtomicBool,
}

/// The thread that turns the model's wakeups into eventfd edges.
#[derive(Debug)]
struct Waiter {
    shared: Arc<Shared>,
}

impl Waiter {
    fn start(rb: Arc<RingBuf>) -> Result<Waiter, Errno> {
        let shared =
            Arc::new(Shared { efd: sys::eventfd()?, armed: Mutex::new(false), cv: Condvar::new(), stop: false.into() });
        let s = shared.clone();
        std::thread::Builder::new()
            .name("bpf-model-ring-waiter".into())
            .spawn(move || waiter_loop(&rb, &s))
            .map_err(|_| Errno::EAGAIN)?;
        Ok(Waiter { shared })
    }
}

/// Armed by the reader (which found nothing to read), sleeps in the model's notifier until a commit wakes
/// the consumer or the next record is already committed, then signals the eventfd and disarms. The
/// notifier announces the sleeper before it looks at the ring (after a full barrier), so a commit either
/// sees the sleeper and wakes it, or was seen: no wakeup is lost between the reader's look and this one.
fn waiter_loop(rb: &RingBuf, s: &Shared) {
    let stopped = || s.stop.load(Ordering::Acquire);
    loop {
        {
            let mut armed = s.armed.lock().unwrap_or_else(|p| p.into_inner());
            while !*armed && !stopped() {
                armed = s.cv.wait_timeout(armed, WAITER_SLICE).unwrap_or_else(|p| p.into_inner()).0;
            }
        }
        if stopped() {
            return;
        }
        let ready = || stopped() || record_ready(&rb);
        while !<&RingBuf as RingMemory>::wait(&rb, &ready, Some(WAITER_SLICE)) {
            if stopped() {
                return;
            }
        }
        *s.armed.lock().unwrap_or_else(|p| p.into_inner()) = false;
        sys::eventfd_signal(s.efd.as_fd());
    }
}

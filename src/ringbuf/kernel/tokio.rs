//! [`AsyncConsumer`]: a ring's consumer that waits in tokio (feature `tokio`).

use super::{record_ready, RingFd};
use crate::ringbuf::Consumer;
use std::io;
use std::os::fd::OwnedFd;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// A [`Consumer`] whose waits are tokio futures: the ring's wakeup fd ([`RingFd`]: the map fd of a
/// [`KernelRingBuf`](super::KernelRingBuf), the eventfd of a [`ModelRing`](super::ModelRing)) registered
/// with the runtime through `AsyncFd`, as aya's `AsyncFd<RingBuf>`.
///
/// [`readable`](Self::readable) returns once the record at `consumer_pos` is committed, and never waits
/// while it is: before each wait it looks at the ring after a full barrier ([`record_ready`]), and it
/// clears tokio's readiness before that look, so a wakeup that comes after the look sets it again.
///
/// ```no_run
/// # async fn demo(map_fd: std::os::fd::BorrowedFd<'_>) -> Result<(), Box<dyn std::error::Error>> {
/// use bpf_model::ringbuf::kernel::{AsyncConsumer, KernelRingBuf};
/// use bpf_model::ringbuf::Consumer;
/// let mut ring = AsyncConsumer::new(Consumer::new(KernelRingBuf::new(map_fd)?))?;
/// loop {
///     ring.readable().await?;
///     ring.consumer().consume(usize::MAX, |r| { println!("{} bytes", r.data().len()); 0 }).ok();
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct AsyncConsumer<M: RingFd> {
    // Declared first, dropped first: deregistered before the ring (and its fd) goes.
    fd: AsyncFd<OwnedFd>,
    consumer: Consumer<M>,
}

impl<M: RingFd> AsyncConsumer<M> {
    /// Registers the ring's wakeup fd (a duplicate of it) with the current tokio runtime, which must
    /// have IO enabled (`enable_io()`, or `enable_all()`). Outside a runtime: an error of kind `Other`,
    /// not tokio's panic.
    pub fn new(consumer: Consumer<M>) -> io::Result<AsyncConsumer<M>> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(io::Error::other("AsyncConsumer::new outside a tokio runtime"));
        }
        let fd = consumer.memory().wakeup_fd().map_err(io::Error::from)?.try_clone_to_owned()?;
        // SAFETY: `fd` is an open descriptor that the `AsyncFd` owns: nothing else closes or replaces it
        // while registered, and `OwnedFd::as_raw_fd` always returns it.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.map_err(|e| e.into_parts().1)?;
        Ok(AsyncConsumer { fd, consumer })
    }

    /// The consumer, to read the ring with.
    pub fn consumer(&mut self) -> &mut Consumer<M> {
        &mut self.consumer
    }

    /// The consumer back, and the fd deregistered.
    pub fn into_inner(self) -> Consumer<M> {
        self.consumer
    }

    /// Waits until the record at `consumer_pos` is committed (at once if it is). Like the kernel's
    /// wakeups, a record committed with `BPF_RB_NO_WAKEUP`, or while the consumer was behind, does not end
    /// a wait that began before it: read everything before waiting, or bound the wait
    /// (`tokio::time::timeout`).
    pub async fn readable(&mut self) -> io::Result<()> {
        loop {
            if record_ready(self.consumer.memory()) {
                return Ok(());
            }
            self.consumer.memory().will_wait();
            let mut guard = self.fd.readable().await?;
            self.consumer.memory().woke();
            // Clears only the readiness this guard saw: an edge that came since stays set, and the look at
            // the top of the loop comes after this.
            guard.clear_ready();
        }
    }
}

//! Reads a kernel ring buffer with `bpf-model` alone (no libbpf), or a model ring when no map is given:
//! the same reader function runs on both.
//!
//! ```sh
//! cargo run --example ring_reader --features kernel -- /sys/fs/bpf/my_ring   # a pinned RINGBUF map
//! cargo run --example ring_reader --features kernel                          # a model ring, fed by a thread
//! ```

use bpf_model::ringbuf::kernel::{open_pinned, KernelRingBuf, ModelRing};
use bpf_model::ringbuf::{Consumer, RingBuf, RingMemory, BPF_RB_FORCE_WAKEUP};
use bpf_model::KernelProfile;
use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Prints up to `max` records, sleeping (epoll for a kernel ring, the notifier for a model ring) when
/// there is nothing to read; stops after `idle` without a wakeup. Written once, for any ring.
fn print_records<M: RingMemory>(ring: &mut Consumer<M>, max: usize, idle: Duration) -> usize {
    let mut n = 0;
    while n < max {
        let _ = ring.consume(max - n, |r| {
            let head = &r.data()[..r.data().len().min(16)];
            println!("{:>6} bytes at position {:>8}: {head:02x?}", r.data().len(), r.position());
            n += 1;
            0
        });
        if n < max && !ring.wait(Some(idle)) {
            break;
        }
    }
    n
}

fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args_os().nth(1) {
        Some(path) => {
            let mut ring = Consumer::new(KernelRingBuf::from_owned(open_pinned(Path::new(&path))?)?);
            let n = print_records(&mut ring, usize::MAX, Duration::from_secs(10));
            eprintln!("{n} records, then 10 s without a wakeup");
        }
        None => {
            let rb = Arc::new(RingBuf::new(&KernelProfile::x86_64_v6_18(), 4096)?);
            let mut ring = Consumer::new(ModelRing::new(rb.clone()).ok_or("the ring has a consumer")?);
            let producer = std::thread::spawn(move || {
                for i in 0..5u8 {
                    std::thread::sleep(Duration::from_millis(20));
                    let _ = rb.output(&[i; 12], if i == 4 { BPF_RB_FORCE_WAKEUP } else { 0 });
                }
            });
            let n = print_records(&mut ring, 5, Duration::from_secs(5));
            producer.join().map_err(|_| "producer panicked")?;
            eprintln!("{n} records from the model ring");
        }
    }
    Ok(())
}

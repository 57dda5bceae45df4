//! `bpf_setsockopt` / `bpf_getsockopt` in the live kernel against `bpf_model::sockopt`: generated batches
//! on loopback TCP (IPv4 and IPv6) through every vehicle of the area (sock_ops callbacks including a
//! request socket and the unlocked TX-timestamping callback, cgroup connect4/connect6, cgroup/setsockopt on
//! client, accepted, listening and unconnected sockets).

use bpf_oracle::areas::sockopt::SockoptArea;
use bpf_oracle::testing::{differential, kernel_available};

#[test]
fn sockopt_batches_agree_with_the_kernel() {
    if !kernel_available("sockopt_batches_agree_with_the_kernel") {
        return;
    }
    let mut n = 0;
    for seed in [11, 12] {
        n += differential::<SockoptArea>(5_000, seed);
    }
    assert!(n >= 10_000, "only {n} cases ran in the kernel");
}

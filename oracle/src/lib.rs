//! # bpf-oracle
//!
//! Runs the same cases through `bpf-model` and through the live kernel, and says whether they agree.
//!
//! - [`probe`] tells whether this machine can load BPF programs, and why not.
//! - [`kernel`] loads the BPF programs of `oracle/bpf/` (compiled by `build.rs` with clang, loaded with
//!   libbpf-rs) and runs them: SYSCALL programs with an argument struct through `BPF_PROG_TEST_RUN`,
//!   tracing programs triggered by the caller's own syscall, XDP and TC test runs.
//! - [`cgroup`] makes a private cgroup v2 with loopback TCP connections for sock_ops / sock_addr /
//!   cgroup sockopt programs; guards remove every cgroup and link, on panic too.
//! - [`conformance`] generates cases per area, runs them on both sides, shrinks disagreements, prints the
//!   report, and records kernel outcomes as vectors.
//! - [`areas`] holds one module per model area.

pub mod areas;
pub mod cgroup;
pub mod conformance;
pub mod kernel;
pub mod probe;
pub mod rng;
pub mod testing;
pub mod vm;

pub use kernel::OracleError;

//! # bpf-model
//!
//! A pure-Rust reference model of what the Linux kernel (v6.18) does when a BPF program calls
//!
//! - `struct bpf_dynptr` and its helpers and kfuncs ([`dynptr`]),
//! - the BPF ring buffer, `BPF_MAP_TYPE_RINGBUF` and `BPF_MAP_TYPE_USER_RINGBUF` ([`ringbuf`]),
//! - the BPF cpumask kfuncs ([`cpumask`]),
//! - `bpf_setsockopt` / `bpf_getsockopt` ([`sockopt`]),
//!
//! and which program types may call each of them, since which kernel version ([`prog`]).
//! The overview table of every modelled helper and kfunc by program type is in [`prog`'s docs](prog).
//!
//! The kernel is the specification and the live kernel is the judge: every behaviour modelled here is
//! checked against a running kernel by the `bpf-oracle` crate of this workspace, and the kernel's answers
//! are recorded in `vectors/*.jsonl`, which `cargo test` replays against the model.
//!
//! ## How to read it
//!
//! Each function names the kernel function it models (`Kernel: kernel/bpf/helpers.c, bpf_dynptr_read()`)
//! and lists its checks in the kernel's order, because the order decides which errno a caller sees when
//! several arguments are wrong. Each has two faces: a safe Rust API returning `Result<_, Errno>`, and the
//! kernel's integer ABI (negative errno) for runtimes that embed the model.
//!
//! Whatever depends on how a kernel was configured comes from a [`KernelProfile`].

#![warn(missing_docs)]

pub mod cpumask;
pub mod dynptr;
#[cfg(not(loom))]
pub mod embed;
pub mod errno;
pub mod profile;
pub mod prog;
pub mod ringbuf;
pub mod sockopt;
mod sync;
#[cfg(feature = "vectors")]
pub mod vectors;
pub mod version;

pub use errno::Errno;
pub use profile::{KernelProfile, KernelVersion};
pub use version::{Rule, Rules};

/// The README's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

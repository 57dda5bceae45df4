//! # bpf-model
//!
//! A pure-Rust reference model of what the Linux kernel, every release from 6.1 to 7.3, does when a BPF
//! program calls
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
//! Whatever depends on how a kernel was configured comes from a [`KernelProfile`], and whatever changed
//! between releases is one [`Rule`] row in [`version`], asked through the profile's [`Rules`].
//!
//! ## Using it
//!
//! ```toml
//! [dependencies]
//! bpf-model = "0.1"
//! ```
//!
//! ```
//! use bpf_model::dynptr::Dynptr;
//! use bpf_model::{Errno, KernelProfile};
//! use std::cell::Cell;
//!
//! let rules = KernelProfile::debian(6, 12).unwrap().rules().unwrap(); // answer as Debian's 6.12 does
//! let mut value = [0u8; 16]; // a map value
//! let mem = Cell::from_mut(&mut value[..]).as_slice_of_cells();
//! let ptr = Dynptr::from_mem(rules, mem, 16, 0)?; // bpf_dynptr_from_mem()
//! ptr.write(12, b"abcd", 0)?; // fits exactly
//! assert_eq!(ptr.write(13, b"abcd", 0), Err(Errno::E2BIG)); // one byte past the end
//! assert_eq!(ptr.write(1 << 32, b"abcd", 0), Ok(())); // up to 6.18 the offset is a u32: this writes at 0
//! # Ok::<(), Errno>(())
//! ```
//!
//! Features: `vectors` (off by default) adds the case and outcome types of the recorded kernel vectors
//! and their replay, with serde; `kernel` (off) reads and writes real kernel ring buffers from their map
//! fds (`ringbuf::kernel`, libc only); `tokio` (off) adds its `AsyncConsumer`.

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

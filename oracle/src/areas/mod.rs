//! One module per model area; [`run_area`] runs an area by name.

use crate::conformance::{self, AreaReport, RunOpts};
use bpf_model::KernelProfile;

pub mod availability;
pub mod cpumask;
pub mod dynptr;
pub mod ringbuf;
pub mod sockopt;

/// Runs the named area (one of `bpf_model::vectors::AREAS`); an area not built yet reports no cases.
pub fn run_area(name: &str, opts: &RunOpts, profile: &KernelProfile) -> AreaReport {
    match name {
        "dynptr" => conformance::run::<dynptr::DynptrArea>(opts, profile),
        "availability" => conformance::run::<availability::AvailabilityArea>(opts, profile),
        "cpumask" => conformance::run::<cpumask::CpumaskArea>(opts, profile),
        "sockopt" => conformance::run::<sockopt::SockoptArea>(opts, profile),
        "ringbuf" => conformance::run::<ringbuf::RingbufArea>(opts, profile),
        _ => AreaReport::empty(name),
    }
}

//! One module per model area; [`run_area`] runs an area by name.

use crate::conformance::{self, AreaReport, RunOpts};
use bpf_model::KernelProfile;

pub mod dynptr;

/// Runs the named area (one of `bpf_model::vectors::AREAS`); an area not built yet reports no cases.
pub fn run_area(name: &str, opts: &RunOpts, profile: &KernelProfile) -> AreaReport {
    match name {
        "dynptr" => conformance::run::<dynptr::DynptrArea>(opts, profile),
        _ => AreaReport::empty(name),
    }
}

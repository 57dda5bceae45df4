//! The conformance run: generated cases through model and kernel, a report per area, vectors.
//!
//! Each area implements [`Area`]: it loads its programs once ([`Area::open`]), generates cases from a
//! seeded [`Rng`], runs a case in the kernel, and proposes smaller cases when one disagrees. [`run`] does
//! the rest: it compares every kernel outcome with the model's, counts by label, shrinks the first
//! disagreements to a minimal reproducing input, and records a sample of kernel outcomes (the edges first)
//! as `vectors/<area>.jsonl`.

use crate::kernel::{self, OracleError};
use crate::rng::Rng;
use bpf_model::vectors::{to_json, Case, Header, Record};
use bpf_model::KernelProfile;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};

/// One model area as the oracle drives it.
pub trait Area: Sized {
    /// The area's case type (defined in `bpf_model::vectors`).
    type Case: Case;

    /// Cases a conformance run generates when `--cases` is not given.
    const DEFAULT_CASES: u64 = 10_000;

    /// Loads the area's programs and makes whatever kernel objects it needs.
    fn open(profile: &KernelProfile) -> Result<Self, OracleError>;

    /// Cases a run generates when `--cases` is not given, once the area is open (an area that walks
    /// what this kernel can judge knows the count only then).
    fn default_cases(&self) -> u64 {
        Self::DEFAULT_CASES
    }

    /// A generated case, biased to the edges.
    fn generate(&mut self, rng: &mut Rng) -> Self::Case;

    /// Runs one case in the live kernel.
    fn run_kernel(&mut self, case: &Self::Case) -> Result<<Self::Case as Case>::Outcome, OracleError>;

    /// Smaller cases to try when `case` disagrees (simplest first).
    fn shrink(&self, _case: &Self::Case) -> Vec<Self::Case> {
        Vec::new()
    }

    /// Whether the case sits on an edge worth keeping in the recorded vectors.
    fn is_edge(&self, _case: &Self::Case) -> bool {
        false
    }
}

/// Options of a run.
#[derive(Debug, Clone)]
pub struct RunOpts {
    /// Cases to generate; `None` for each area's [`Area::DEFAULT_CASES`].
    pub cases: Option<u64>,
    /// Seed of the generator.
    pub seed: u64,
    /// Where to write `<area>.jsonl`, if recording.
    pub record_dir: Option<PathBuf>,
    /// At most this many records per area.
    pub record_limit: usize,
    /// Show progress on stderr.
    pub progress: bool,
}

impl Default for RunOpts {
    fn default() -> Self {
        RunOpts { cases: None, seed: 1, record_dir: None, record_limit: 3000, progress: false }
    }
}

/// A disagreement, shrunk.
#[derive(Debug, Clone)]
pub struct Disagreement {
    /// The minimal case found, as JSON.
    pub case: String,
    /// The kernel's outcome (or the error running it), as JSON.
    pub kernel: String,
    /// The model's outcome, as JSON.
    pub model: String,
    /// The case as first generated, before shrinking.
    pub original: String,
}

/// The result of one area.
#[derive(Debug, Clone, Default)]
pub struct AreaReport {
    /// The area's name.
    pub area: String,
    /// Cases run.
    pub cases: u64,
    /// Cases on which model and kernel agree.
    pub agree: u64,
    /// Cases on which they differ, or the kernel side failed to run.
    pub disagree: u64,
    /// `(cases, disagree)` per label.
    pub by_label: BTreeMap<String, (u64, u64)>,
    /// The first disagreements, shrunk.
    pub first: Vec<Disagreement>,
    /// Why the area failed to run (or to record), if it did: a failure of the run.
    pub error: Option<String>,
    /// Why this kernel does not have the area at all, if it does not: no cases, and not a failure.
    pub absent: Option<String>,
    /// The run stopped early on SIGINT or SIGTERM (the signal number).
    pub interrupted: Option<i32>,
    /// Vector records written.
    pub recorded: usize,
    /// How long the area took (open, cases, shrinking, recording).
    pub elapsed: std::time::Duration,
}

impl AreaReport {
    /// A report for an area that ran nothing.
    pub fn empty(area: &str) -> AreaReport {
        AreaReport { area: area.to_string(), ..Default::default() }
    }

    /// The closing line: `conformance <area>: cases=<N> agree=<N> disagree=<N>`.
    pub fn summary_line(&self) -> String {
        format!("conformance {}: cases={} agree={} disagree={}", self.area, self.cases, self.agree, self.disagree)
    }

    /// The line printed just before the closing line when the area did not run whole:
    /// `conformance <area>: absent: <why>` (this kernel lacks the area) or
    /// `conformance <area>: error: <what>` (a failure). One line each: newlines become spaces.
    pub fn reason_line(&self) -> Option<String> {
        let (kind, why) = match (&self.error, &self.absent) {
            (Some(e), _) => ("error", e),
            (None, Some(a)) => ("absent", a),
            (None, None) => return None,
        };
        Some(format!("conformance {}: {kind}: {}", self.area, why.replace(['\n', '\r'], " ")))
    }

    /// True when the area ran without error and nothing disagreed, or the kernel lacks the area.
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.disagree == 0
    }

    /// The per-area table and the first disagreements.
    pub fn table(&self) -> String {
        let mut out = format!("== {} == ({:.1} s)\n", self.area, self.elapsed.as_secs_f64());
        if let Some(e) = &self.error {
            out.push_str(&format!("  error: {e}\n"));
        }
        if let Some(a) = &self.absent {
            out.push_str(&format!("  absent on this kernel: {a}\n"));
        }
        if let Some(sig) = self.interrupted {
            out.push_str(&format!("  interrupted by signal {sig} after {} cases\n", self.cases));
        }
        out.push_str(&format!("  {:<40} {:>10} {:>10} {:>10}\n", "label", "cases", "agree", "disagree"));
        for (label, (n, bad)) in &self.by_label {
            out.push_str(&format!("  {:<40} {:>10} {:>10} {:>10}\n", label, n, n - bad, bad));
        }
        if self.recorded > 0 {
            out.push_str(&format!("  recorded {} vectors\n", self.recorded));
        }
        for d in &self.first {
            out.push_str(&format!(
                "  DISAGREE (minimal): {}\n    kernel: {}\n    model:  {}\n    first seen as: {}\n",
                d.case, d.kernel, d.model, d.original
            ));
        }
        out
    }
}

/// How many disagreements are shrunk and shown per area.
const SHOWN: usize = 3;
/// Shrink steps per disagreement.
const SHRINK_STEPS: usize = 500;

type Outcome<A> = <<A as Area>::Case as Case>::Outcome;

fn judge<A: Area>(
    area: &mut A,
    case: &A::Case,
    profile: &KernelProfile,
) -> (bool, Result<Outcome<A>, String>, Outcome<A>) {
    let model = case.run_model(profile);
    let kernel = area.run_kernel(case).map_err(|e| e.to_string());
    let agree = matches!(&kernel, Ok(k) if *k == model);
    (agree, kernel, model)
}

fn shrink<A: Area>(area: &mut A, case: A::Case, profile: &KernelProfile) -> (A::Case, String, String) {
    let mut best = case;
    let mut steps = 0;
    'outer: while steps < SHRINK_STEPS && interrupted().is_none() {
        for cand in area.shrink(&best) {
            steps += 1;
            let (agree, _, _) = judge(area, &cand, profile);
            if !agree {
                best = cand;
                continue 'outer;
            }
            if steps >= SHRINK_STEPS {
                break 'outer;
            }
        }
        break;
    }
    let (_, kernel, model) = judge(area, &best, profile);
    let kernel = match kernel {
        Ok(k) => to_json(&k),
        Err(e) => format!("<error: {e}>"),
    };
    (best, kernel, to_json(&model))
}

/// Runs `cases` generated cases of area `A` on the model and the kernel.
pub fn run<A: Area>(opts: &RunOpts, profile: &KernelProfile) -> AreaReport {
    let start = std::time::Instant::now();
    let mut report = run_timed::<A>(opts, profile);
    report.elapsed = start.elapsed();
    report
}

fn run_timed<A: Area>(opts: &RunOpts, profile: &KernelProfile) -> AreaReport {
    let name = <A::Case as Case>::AREA;
    let mut report = AreaReport::empty(name);
    if let Some(sig) = interrupted() {
        report.interrupted = Some(sig);
        return report;
    }
    let mut area = match A::open(profile) {
        Ok(a) => a,
        Err(OracleError::Absent(why)) => {
            report.absent = Some(why);
            return report;
        }
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    let cases = opts.cases.unwrap_or_else(|| area.default_cases());
    let mut rng = Rng::new(opts.seed ^ fnv(name));
    let mut records: Vec<String> = Vec::new();
    let mut edge_records = 0usize;
    let stride = (cases / opts.record_limit.max(1) as u64).max(1);
    let mut failing: Vec<A::Case> = Vec::new();
    let show = opts.progress && std::io::stderr().is_terminal();
    for i in 0..cases {
        if let Some(sig) = interrupted() {
            report.interrupted = Some(sig);
            break;
        }
        let case = area.generate(&mut rng);
        let (agree, kernel, _) = judge(&mut area, &case, profile);
        let slot = report.by_label.entry(case.label()).or_default();
        slot.0 += 1;
        report.cases += 1;
        if agree {
            report.agree += 1;
        } else {
            slot.1 += 1;
            report.disagree += 1;
            if failing.len() < SHOW_LIMIT {
                failing.push(case.clone());
            }
        }
        if let (Some(_), Ok(k)) = (&opts.record_dir, &kernel) {
            let edge = area.is_edge(&case) && edge_records < opts.record_limit / 2;
            if records.len() < opts.record_limit && (edge || i % stride == 0) {
                edge_records += usize::from(edge);
                records.push(to_json(&Record { case: case.clone(), kernel: A::Case::outcome_for_record(k) }));
            }
        }
        if opts.progress && (i + 1) % progress_every(cases, show) == 0 {
            if show {
                eprint!("\r[{name}] {}/{} cases, {} disagree", i + 1, cases, report.disagree);
            } else {
                eprintln!("[{name}] {}/{} cases, {} disagree", i + 1, cases, report.disagree);
            }
            let _ = std::io::stderr().flush();
        }
    }
    if show {
        eprintln!();
    }
    for original in failing.into_iter().take(SHOWN) {
        let (min, kernel, model) = shrink(&mut area, original.clone(), profile);
        report.first.push(Disagreement { case: to_json(&min), kernel, model, original: to_json(&original) });
    }
    if report.interrupted.is_some() {
        // Dropping `area` on return detaches its links and closes its programs and maps.
        return report;
    }
    if let Some(dir) = &opts.record_dir {
        match write_vectors(dir, name, profile, &records) {
            Ok(()) => report.recorded = records.len(),
            Err(e) => report.error = Some(format!("recording vectors: {e}")),
        }
    }
    report
}

const SHOW_LIMIT: usize = SHOWN;

fn progress_every(cases: u64, tty: bool) -> u64 {
    if tty {
        (cases / 200).max(1)
    } else {
        (cases / 10).max(1)
    }
}

fn write_vectors(
    dir: &std::path::Path,
    area: &str,
    profile: &KernelProfile,
    records: &[String],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let header = Header::new(area, &kernel::release(), profile);
    let mut text = to_json(&header);
    text.push('\n');
    for r in records {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(dir.join(format!("{area}.jsonl")), text)
}

fn fnv(s: &str) -> u64 {
    bpf_model::vectors::fnv64(s.as_bytes())
}

/// The signal (SIGINT or SIGTERM) that asked the run to stop, 0 while none has.
static STOP: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_stop_signal(sig: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    STOP.store(sig, Ordering::SeqCst);
}

/// Makes SIGINT and SIGTERM ask the run to stop instead of killing the process: [`run`] checks between
/// cases, returns what it has, and the area's objects (links, programs, maps, private cgroup) drop on the
/// way out. The caller then exits with the signal's status ([`exit_with_signal`]). Not `SA_RESTART`, so a
/// blocking system call returns `EINTR` and the case fails fast.
pub fn stop_on_signals() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction is valid (empty mask, no flags); the handler only stores to an atomic,
        // which is async-signal-safe; `sigaction` reads the struct and keeps no pointer to it.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_stop_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// The signal that asked the run to stop, if one did.
pub fn interrupted() -> Option<i32> {
    match STOP.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

/// Ends the process as `sig` would have, so the parent sees the signal's status: restores the default
/// action and raises it again (falling back to exit status 128 + sig).
pub fn exit_with_signal(sig: i32) -> ! {
    // SAFETY: restoring the default action of a signal and raising it in this process; no memory is
    // shared with the kernel.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
    std::process::exit(128 + sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    /// A toy case: the model answers the number itself.
    #[derive(Serialize, Deserialize, Debug, Clone)]
    struct Echo(u32);

    impl Case for Echo {
        type Outcome = u32;
        const AREA: &'static str = "echo";
        fn run_model(&self, _profile: &KernelProfile) -> u32 {
            self.0
        }
        fn label(&self) -> String {
            "echo".into()
        }
    }

    /// Opens as `OPEN` says; its "kernel" answers odd numbers wrongly.
    struct Toy<const OPEN: u8>;

    impl<const OPEN: u8> Area for Toy<OPEN> {
        type Case = Echo;
        fn open(_profile: &KernelProfile) -> Result<Self, OracleError> {
            match OPEN {
                0 => Ok(Toy),
                1 => Err(OracleError::absent("no echo kfuncs before 6.3\nsecond line")),
                _ => Err(OracleError::Kernel("loading echo.bpf.c: Invalid argument".into())),
            }
        }
        fn generate(&mut self, rng: &mut Rng) -> Echo {
            Echo(rng.below(100) as u32)
        }
        fn run_kernel(&mut self, case: &Echo) -> Result<u32, OracleError> {
            Ok(case.0 + case.0 % 2)
        }
    }

    fn opts() -> RunOpts {
        RunOpts { cases: Some(200), ..RunOpts::default() }
    }

    #[test]
    fn an_absent_area_is_a_reason_and_no_cases_not_a_failure() {
        let r = run::<Toy<1>>(&opts(), &KernelProfile::x86_64_v6_18());
        assert!(r.passed());
        assert_eq!(r.reason_line().unwrap(), "conformance echo: absent: no echo kfuncs before 6.3 second line");
        assert_eq!(r.summary_line(), "conformance echo: cases=0 agree=0 disagree=0");
    }

    #[test]
    fn an_area_that_fails_to_open_fails_the_run() {
        let r = run::<Toy<2>>(&opts(), &KernelProfile::x86_64_v6_18());
        assert!(!r.passed());
        assert_eq!(r.reason_line().unwrap(), "conformance echo: error: loading echo.bpf.c: Invalid argument");
        assert_eq!(r.summary_line(), "conformance echo: cases=0 agree=0 disagree=0");
    }

    #[test]
    fn disagreements_are_counted_and_fail_the_run() {
        let r = run::<Toy<0>>(&opts(), &KernelProfile::x86_64_v6_18());
        assert_eq!((r.cases, r.agree + r.disagree), (200, 200));
        assert!(r.disagree > 0 && r.agree > 0, "{r:?}");
        assert!(!r.passed());
        assert_eq!(r.reason_line(), None);
        assert_eq!(r.first.len(), SHOWN);
    }
}

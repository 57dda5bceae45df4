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
    /// Why the area did not run at all, if it did not.
    pub error: Option<String>,
    /// Vector records written.
    pub recorded: usize,
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

    /// True when the area ran without error and nothing disagreed.
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.disagree == 0
    }

    /// The per-area table and the first disagreements.
    pub fn table(&self) -> String {
        let mut out = format!("== {} ==\n", self.area);
        if let Some(e) = &self.error {
            out.push_str(&format!("  error: {e}\n"));
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
    'outer: while steps < SHRINK_STEPS {
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
    let name = <A::Case as Case>::AREA;
    let mut report = AreaReport::empty(name);
    let mut area = match A::open(profile) {
        Ok(a) => a,
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
    let header = Header { area: area.to_string(), kernel_release: kernel::release(), profile: profile.clone() };
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

//! Recorded kernel vectors: the cases the live kernel judged, and their replay against the model.
//!
//! The `bpf-oracle` crate runs generated cases through the model and through the live kernel. It records
//! the kernel's outcomes as JSON Lines under `vectors/<area>.jsonl`: a [`Header`] line naming the area, the
//! kernel release and the [`KernelProfile`] it ran on, then one [`Record`] per case. Replaying a file runs
//! every case through the model (with that profile) and compares. `cargo test` replays every committed file,
//! so a machine that cannot load BPF still checks the model against real kernel answers.
//!
//! Each area defines one case type implementing [`Case`]; [`replay_area`] dispatches on the area name.
//!
//! Layout: `vectors/<area>.jsonl` holds what the project's own host kernel answered, and
//! `vectors/<series>/<area>.jsonl` what each kernel of the matrix answered (`vectors/6.1/cpumask.jsonl`,
//! recorded by `scripts/matrix.sh` in Debian's 6.1 under qemu). [`vector_files`] lists both and
//! [`replay_file`] replays one, with the profile of its header (the header of a file under `<series>/`
//! must name a kernel of that series).

use crate::KernelProfile;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::path::{Path, PathBuf};

pub mod availability;
pub mod cpumask;
pub mod dynptr;
#[cfg(not(loom))]
pub mod ringbuf;
pub mod sockopt;

/// The areas the conformance run knows, in report order.
pub const AREAS: [&str; 5] = ["dynptr", "ringbuf", "cpumask", "sockopt", "availability"];

/// One kind of generated case and what the model answers for it.
pub trait Case: Serialize + DeserializeOwned + Debug + Clone {
    /// What the kernel (or the model) produced: return values, resulting bytes, state.
    type Outcome: Serialize + DeserializeOwned + Debug + Clone + PartialEq;

    /// The area this case belongs to (`"dynptr"`).
    const AREA: &'static str;

    /// Runs the case on the model, configured as `profile`.
    fn run_model(&self, profile: &KernelProfile) -> Self::Outcome;

    /// A short label for the report table (`"read/local"`): the operation and the object type.
    fn label(&self) -> String;

    /// The form of an outcome written to a vector file (long byte images become digests).
    fn outcome_for_record(outcome: &Self::Outcome) -> Self::Outcome {
        outcome.clone()
    }
}

/// The layout of vector files this crate writes; [`Header::format`] carries it.
///
/// - 1: the header has no `format` field (files recorded before it existed); otherwise as 2.
/// - 2: the header names its `format`; the records are unchanged.
pub const FORMAT: u32 = 2;

fn format_1() -> u32 {
    1
}

/// The first line of a vector file.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Header {
    /// The file's layout version ([`FORMAT`] when written by this crate; 1 when the field is missing).
    /// A reader refuses a format newer than the one it knows.
    #[serde(default = "format_1")]
    pub format: u32,
    /// The area name.
    pub area: String,
    /// `uname -r` of the kernel that produced the outcomes.
    pub kernel_release: String,
    /// The profile of that kernel; replay runs the model with it.
    pub profile: KernelProfile,
}

impl Header {
    /// The header of a file this crate writes now.
    pub fn new(area: &str, kernel_release: &str, profile: &KernelProfile) -> Header {
        Header {
            format: FORMAT,
            area: area.to_string(),
            kernel_release: kernel_release.to_string(),
            profile: profile.clone(),
        }
    }
}

/// One recorded case with the kernel's outcome.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Record<C, O> {
    /// The inputs.
    pub case: C,
    /// What the live kernel did.
    pub kernel: O,
}

/// A case on which the model and the recorded kernel outcome differ.
#[derive(Debug, Clone)]
pub struct Mismatch {
    /// 1-based line number in the file.
    pub line: usize,
    /// The case, as JSON.
    pub case: String,
    /// The kernel's outcome, as JSON.
    pub kernel: String,
    /// The model's outcome, as JSON.
    pub model: String,
}

/// The result of replaying one file.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    /// Records replayed.
    pub cases: usize,
    /// The records the model answered differently.
    pub mismatches: Vec<Mismatch>,
}

/// Why a file could not be replayed: it names the file and the line.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayError {
    /// The file.
    pub file: String,
    /// 1-based line number (0 when the file itself could not be read).
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

impl std::error::Error for ReplayError {}

/// Replays vector text (the contents of `file`) for case type `C`.
pub fn replay_text<C: Case>(file: &str, text: &str) -> Result<Replay, ReplayError> {
    let err = |line: usize, reason: String| ReplayError { file: file.to_string(), line, reason };
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (hl, header_line) = lines.next().ok_or_else(|| err(1, "empty file: no header line".into()))?;
    let header: Header = serde_json::from_str(header_line).map_err(|e| err(hl + 1, format!("bad header: {e}")))?;
    if header.format > FORMAT {
        return Err(err(hl + 1, format!("vector format {} is newer than this reader's {FORMAT}", header.format)));
    }
    if header.area != C::AREA {
        return Err(err(hl + 1, format!("header names area {:?}, expected {:?}", header.area, C::AREA)));
    }
    let mut replay = Replay::default();
    for (i, line) in lines {
        let rec: Record<C, C::Outcome> =
            serde_json::from_str(line).map_err(|e| err(i + 1, format!("bad record: {e}")))?;
        let model = rec.case.run_model(&header.profile);
        replay.cases += 1;
        if model != rec.kernel {
            replay.mismatches.push(Mismatch {
                line: i + 1,
                case: to_json(&rec.case),
                kernel: to_json(&rec.kernel),
                model: to_json(&model),
            });
        }
    }
    Ok(replay)
}

/// A vector file under a vectors directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorFile {
    /// Its path.
    pub path: PathBuf,
    /// The area, from the file name (`cpumask` of `cpumask.jsonl`).
    pub area: String,
    /// The kernel series of its directory (`(6, 1)` of `6.1/`), or `None` for a file at the top.
    pub series: Option<(u16, u16)>,
}

/// `"6.12"` as `(6, 12)`.
pub fn parse_series(name: &str) -> Option<(u16, u16)> {
    let (major, minor) = name.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(major) || !digits(minor) {
        return None;
    }
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Every vector file under `root`: `<area>.jsonl` and `<series>/<area>[-<variant>].jsonl`, sorted by path. A
/// `.jsonl` file whose name is not an area or that sits in a directory not named as a series, or a
/// directory inside a series directory, is an error naming it (so nothing recorded is silently left out
/// of the replay). Other files and directories (a README, schemas) are not vectors and are passed over.
pub fn vector_files(root: &Path) -> Result<Vec<VectorFile>, ReplayError> {
    let io =
        |p: &Path, e: std::io::Error| ReplayError { file: p.display().to_string(), line: 0, reason: e.to_string() };
    let bad = |p: &Path, reason: String| ReplayError { file: p.display().to_string(), line: 0, reason };
    let area_of = |p: &Path| -> Result<Option<String>, ReplayError> {
        if p.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            return Ok(None);
        }
        // `<area>.jsonl`, or `<area>-<variant>.jsonl` for a second run of the area on the same kernel
        // under another configuration (`cpumask-64cpus.jsonl`: 64 possible CPUs).
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let area = AREAS.iter().filter(|a| stem == **a || stem.starts_with(&format!("{a}-"))).max_by_key(|a| a.len());
        match area {
            Some(a) => Ok(Some(a.to_string())),
            None => Err(bad(p, format!("{stem:?} is not an area ({}), nor <area>-<variant>", AREAS.join(", ")))),
        }
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root).map_err(|e| io(root, e))? {
        let path = entry.map_err(|e| io(root, e))?.path();
        if path.is_dir() {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let inner: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| io(&path, e))?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()
                .map_err(|e| io(&path, e))?;
            let Some(series) = parse_series(name) else {
                // Other directories (schemas, say) are not vectors, as long as they hold no vector file.
                if let Some(p) = inner.iter().find(|p| p.extension().and_then(|e| e.to_str()) == Some("jsonl")) {
                    return Err(bad(p, "a vector file outside a kernel series directory (like 6.12)".to_string()));
                }
                continue;
            };
            for p in inner {
                if p.is_dir() {
                    return Err(bad(&p, "unexpected directory inside a series directory".to_string()));
                }
                if let Some(area) = area_of(&p)? {
                    files.push(VectorFile { path: p, area, series: Some(series) });
                }
            }
        } else if let Some(area) = area_of(&path)? {
            files.push(VectorFile { path, area, series: None });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Replays one file of [`vector_files`]; a file under `<series>/` whose header names a kernel of another
/// series is an error on line 1.
pub fn replay_file(file: &VectorFile) -> Result<Replay, ReplayError> {
    let name = file.path.display().to_string();
    let text = std::fs::read_to_string(&file.path).map_err(|e| ReplayError {
        file: name.clone(),
        line: 0,
        reason: e.to_string(),
    })?;
    if let Some((major, minor)) = file.series {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
        let header: Header = serde_json::from_str(first).map_err(|e| ReplayError {
            file: name.clone(),
            line: 1,
            reason: format!("bad header: {e}"),
        })?;
        if header.profile.version.series() != (major, minor) {
            let v = header.profile.version;
            return Err(ReplayError {
                file: name,
                line: 1,
                reason: format!(
                    "the header's kernel {}.{}.{} is not of the directory's series {major}.{minor}",
                    v.major, v.minor, v.patch
                ),
            });
        }
    }
    replay_text_of(&file.area, &name, &text)
}

/// Replays the vector file at `path` for `area`.
pub fn replay_area(area: &str, path: &Path) -> Result<Replay, ReplayError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ReplayError {
        file: file.clone(),
        line: 0,
        reason: e.to_string(),
    })?;
    replay_text_of(area, &file, &text)
}

fn replay_text_of(area: &str, file: &str, text: &str) -> Result<Replay, ReplayError> {
    match area {
        "dynptr" => replay_text::<dynptr::DynptrCase>(file, text),
        "availability" => replay_text::<availability::AvailabilityCase>(file, text),
        "cpumask" => replay_text::<cpumask::CpumaskCase>(file, text),
        "sockopt" => replay_text::<sockopt::SockoptCase>(file, text),
        #[cfg(not(loom))]
        "ringbuf" => replay_text::<ringbuf::RingbufCase>(file, text),
        _ => Err(ReplayError { file: file.to_string(), line: 0, reason: format!("no case type for area {area:?}") }),
    }
}

/// Serializes a value as one JSON line.
pub fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("<unserializable: {e}>"))
}

/// Bytes in an outcome: kept whole while comparing live, and written to a vector file in full when short
/// or as a length and an FNV-1a 64-bit digest when long, so that the committed files stay small.
/// Two images are equal when their bytes are, or, if either is a digest, when length and digest are.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ByteImage {
    /// The bytes, as lowercase hex.
    Full(#[serde(with = "hex")] Vec<u8>),
    /// The length and digest of longer bytes.
    Digest {
        /// Number of bytes.
        len: usize,
        /// FNV-1a 64 of the bytes.
        fnv64: u64,
    },
}

impl ByteImage {
    /// Bytes at most this long are recorded whole.
    pub const FULL_LIMIT: usize = 64;

    /// The image of `bytes`, whole.
    pub fn new(bytes: &[u8]) -> ByteImage {
        ByteImage::Full(bytes.to_vec())
    }

    /// The form written to a vector file: whole up to [`Self::FULL_LIMIT`] bytes, a digest beyond.
    pub fn for_record(&self) -> ByteImage {
        match self {
            ByteImage::Full(b) if b.len() > Self::FULL_LIMIT => ByteImage::Digest { len: b.len(), fnv64: fnv64(b) },
            other => other.clone(),
        }
    }

    fn len_digest(&self) -> (usize, u64) {
        match self {
            ByteImage::Full(b) => (b.len(), fnv64(b)),
            ByteImage::Digest { len, fnv64 } => (*len, *fnv64),
        }
    }
}

impl PartialEq for ByteImage {
    fn eq(&self, other: &ByteImage) -> bool {
        match (self, other) {
            (ByteImage::Full(a), ByteImage::Full(b)) => a == b,
            _ => self.len_digest() == other.len_digest(),
        }
    }
}

/// FNV-1a, 64 bits.
pub fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

mod hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() % 2 != 0 {
            return Err(serde::de::Error::custom("odd number of hex digits"));
        }
        (0..text.len())
            .step_by(2)
            .map(|i| {
                text.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| serde::de::Error::custom(format!("bad hex at {i}")))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_images_compare_by_digest_when_recorded() {
        let long = vec![7u8; 100];
        let full = ByteImage::new(&long);
        let rec = full.for_record();
        assert!(matches!(rec, ByteImage::Digest { len: 100, .. }));
        assert_eq!(full, rec);
        let mut other = long.clone();
        other[50] = 8;
        assert_ne!(ByteImage::new(&other), rec);
        let short = ByteImage::new(b"abc");
        assert_eq!(serde_json::to_string(&short.for_record()).unwrap(), "\"616263\"");
        let back: ByteImage = serde_json::from_str("\"616263\"").unwrap();
        assert_eq!(back, short);
    }

    #[test]
    fn malformed_files_name_file_and_line() {
        let e = replay_text::<dynptr::DynptrCase>("x.jsonl", "").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("x.jsonl", 1));
        let header = to_json(&Header::new("dynptr", "6.18", &KernelProfile::x86_64_v6_18()));
        let e = replay_text::<dynptr::DynptrCase>("x.jsonl", &format!("{header}\n{{\"case\": 1}}\n")).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("x.jsonl:2: bad record"), "{e}");
        let wrong = header.replace("\"dynptr\"", "\"cpumask\"");
        assert_eq!(replay_text::<dynptr::DynptrCase>("x.jsonl", &wrong).unwrap_err().line, 1);
    }

    #[test]
    fn headers_name_their_format_and_old_ones_still_read() {
        let header = Header::new("dynptr", "6.18", &KernelProfile::x86_64_v6_18());
        let text = to_json(&header);
        assert!(text.starts_with(&format!("{{\"format\":{FORMAT},")), "{text}");
        let old = text.replacen(&format!("\"format\":{FORMAT},"), "", 1);
        let back: Header = serde_json::from_str(&old).unwrap();
        assert_eq!(back.format, 1);
        assert_eq!(replay_text::<dynptr::DynptrCase>("old.jsonl", &old).unwrap().cases, 0);
        let newer = text.replacen(&format!("\"format\":{FORMAT}"), &format!("\"format\":{}", FORMAT + 1), 1);
        let e = replay_text::<dynptr::DynptrCase>("new.jsonl", &newer).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.reason.contains("newer"), "{e}");
    }

    #[test]
    fn the_tree_lists_host_and_series_files_and_checks_the_series() {
        let root = std::env::temp_dir().join(format!("bpf-model-vectors-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("6.1")).unwrap();
        let header = |p: KernelProfile| format!("{}\n", to_json(&Header::new("cpumask", &p.release.clone(), &p)));
        let p61 = KernelProfile::debian(6, 1).unwrap();
        std::fs::write(root.join("cpumask.jsonl"), header(KernelProfile::x86_64_v6_18())).unwrap();
        std::fs::write(root.join("6.1/cpumask.jsonl"), header(p61)).unwrap();
        std::fs::write(root.join("6.1/notes.txt"), "not a vector file").unwrap();
        let files = vector_files(&root).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!((files[0].area.as_str(), files[0].series), ("cpumask", Some((6, 1))));
        assert_eq!(files[1].series, None);
        for f in &files {
            assert_eq!(replay_file(f).unwrap().cases, 0);
        }
        // A 6.12 kernel's file in the 6.1 directory is refused on line 1.
        std::fs::write(root.join("6.1/cpumask.jsonl"), header(KernelProfile::debian(6, 12).unwrap())).unwrap();
        let e = replay_file(&files[0]).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.reason.contains("series 6.1"), "{e}");
        // Names that are not areas or series are errors, not silently skipped.
        std::fs::write(root.join("6.1/cpumasks.jsonl"), "").unwrap();
        assert!(vector_files(&root).unwrap_err().reason.contains("not an area"));
        std::fs::remove_file(root.join("6.1/cpumasks.jsonl")).unwrap();
        std::fs::create_dir(root.join("schema")).unwrap();
        std::fs::write(root.join("schema/cpumask.json"), "{}").unwrap();
        assert_eq!(vector_files(&root).unwrap().len(), 2);
        std::fs::write(root.join("schema/cpumask.jsonl"), "").unwrap();
        assert!(vector_files(&root).unwrap_err().reason.contains("series"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}

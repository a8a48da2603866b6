//! The review-pack file format (`tenantpilot.review_pack.v1`): building a pack ZIP from a published review
//! ([`build`]) and verifying one ([`verify`]), including what goes into a pack and what never does —
//! personal data is replaced by stable pseudonyms unless the requester chose to include it, and secrets are
//! always redacted. Pure: no database, no clock, no randomness (identical input gives identical bytes); the
//! generation run assembles [`PackInput`], signs with the installation's key (`Keys::pack_sign`) and stores
//! the bytes through `reviews::server::storage`.
//!
//! # Files (in this order; deflate; every timestamp is `generated_at`)
//!
//! | path | what |
//! |---|---|
//! | `executive-summary.md`, `executive-summary.html` | the entry point, in the pack's language (the only localized files) |
//! | `metadata.json` | format, pack, workspace, tenant, the delivery bundle (released review, evidence basis, entry point) and the redaction state |
//! | `summary.json` | counts: findings by severity and status, accepted risks by validity, dimensions by state |
//! | `sections.json`, `sections/NN-key.json` | the review's sections (`NN`: the section order, two digits) |
//! | `findings.csv`, `accepted-risks.csv` | RFC 4180, CRLF, UTF-8, invariant formats; formula-like cells are prefixed with `'` |
//! | `manifest.json` | last: SHA-256 and size of every other file, sorted by path, and the Ed25519 signature |
//!
//! # What the signature covers
//!
//! `signature_value` is the base64 Ed25519 signature of these bytes (see [`signed_message`]):
//!
//! ```text
//! tenantpilot.review_pack.v1 LF <pack_id in decimal> LF <files>
//! ```
//!
//! where `<files>` is the manifest's `files` array serialized as compact JSON with the members of each
//! entry in the order `path`, `sha256`, `size` and no whitespace, e.g.
//! `[{"path":"accepted-risks.csv","sha256":"ab…","size":123},…]` (paths are restricted to
//! `a-z 0-9 . _ - /` and hashes are lowercase hex, so no JSON escaping ever occurs). Through the hashes the
//! signature covers the content of every file but `manifest.json`; of the manifest itself it covers the
//! format, the pack id and the file list. The verifier also checks that no file is missing or unlisted.
//!
//! # Redaction
//!
//! - Secrets, always: every section payload goes through the one classifier (`crate::secrets`); values of
//!   secret members become `"[REDACTED]"`.
//! - Personal data, unless `include_pii`: the values of person fields (`owner`, `assignee`, `requested_by`,
//!   `approved_by`, `published_by` and, in payloads, the members in [`PERSON_KEYS`], [`DEVICE_KEYS`],
//!   [`IP_KEYS`]) become `person-…`, `device-…`, `ip-…`: the first 8 hex digits of
//!   `HMAC-SHA256(workspace pseudonym key, lowercase(value))` (IP addresses in canonical form), so the same
//!   value gets the same pseudonym in every pack of the workspace. In all other text (subjects, reasons,
//!   section strings, object keys) email addresses and UPNs, IPv4 and IPv6 addresses, and every value that
//!   occurs in a person or device field of the same pack are replaced by their pseudonyms too.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{Cursor, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use chrono::{DateTime, Datelike, Timelike, Utc};
use ring::{
    hmac,
    signature::{UnparsedPublicKey, ED25519},
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::i18n::Locale;

/// The format id, in `metadata.json` and `manifest.json`.
pub const FORMAT: &str = "tenantpilot.review_pack.v1";
/// The delivery contract named in `metadata.json`.
pub const CONTRACT: &str = "auditor_ready_executive_export.v1";
/// The manifest, the last file of every pack.
pub const MANIFEST: &str = "manifest.json";
/// The entry point of a pack.
pub const ENTRYPOINT: &str = "executive-summary.md";
/// Open findings listed in the executive summary.
pub const TOP_FINDINGS: usize = 10;
/// Accepted risks listed in the executive summary.
pub const TOP_RISKS: usize = 10;

/// Payload members whose values are people (pseudonymized as `person-…`).
pub const PERSON_KEYS: &[&str] = &[
    "owner",
    "assignee",
    "requested_by",
    "approved_by",
    "decided_by",
    "published_by",
    "actor",
    "user",
    "email",
    "upn",
    "userPrincipalName",
    "display_name_person",
];
/// Payload members whose values are devices (`device-…`).
pub const DEVICE_KEYS: &[&str] = &["device_name", "deviceName"];
/// Payload members whose values are IP addresses (`ip-…`).
pub const IP_KEYS: &[&str] = &["ip", "ip_address"];

/// Files [`verify`] reads at most, and the largest file and total it decompresses (a guard against ZIP
/// bombs; real packs are a few MB).
const MAX_ENTRIES: usize = 10_000;
const MAX_FILE_BYTES: u64 = 64 << 20;
const MAX_TOTAL_BYTES: u64 = 256 << 20;

/// Input assembled by the generation run from a published review (all strings raw, PII not yet replaced).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackInput {
    pub pack_id: i64,
    pub generated_at: DateTime<Utc>,
    /// `"en"` or `"de"`: the language of the executive summary (everything else is locale-neutral).
    pub language: String,
    pub include_pii: bool,
    pub workspace_slug: String,
    pub workspace_name: String,
    pub tenant_id: i64,
    pub tenant_name: String,
    /// The Entra tenant id (a GUID); not personal data.
    pub tenant_external_id: String,
    pub review: PackReview,
    pub snapshot: PackSnapshot,
    pub sections: Vec<PackSection>,
    pub findings: Vec<PackFinding>,
    pub accepted_risks: Vec<PackAcceptedRisk>,
}

/// The released review the pack exports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackReview {
    pub id: i64,
    pub status: String,
    pub completeness: String,
    /// RFC 3339.
    pub published_at: Option<String>,
    /// A person: personal data.
    pub published_by: Option<String>,
    pub fingerprint: String,
}

/// The evidence snapshot the review was composed from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackSnapshot {
    pub id: i64,
    pub fingerprint: String,
    pub completeness: String,
    /// RFC 3339.
    pub generated_at: String,
    pub dimensions: Vec<PackDimension>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackDimension {
    pub key: String,
    pub state: String,
}

/// One review section. `payload` is free JSON: it may hold personal data (in free text and under the
/// members of [`PERSON_KEYS`], [`DEVICE_KEYS`], [`IP_KEYS`]) and secret members; both are redacted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackSection {
    pub key: String,
    pub order: i64,
    pub payload: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackFinding {
    pub id: i64,
    pub severity: String,
    pub status: String,
    pub drift_kind: String,
    pub policy_type: String,
    pub subject: String,
    pub owner: Option<String>,
    pub assignee: Option<String>,
    pub first_seen_at: String,
    pub due_at: String,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackAcceptedRisk {
    pub id: i64,
    pub finding_id: i64,
    pub subject: String,
    pub validity: String,
    pub requested_by: Option<String>,
    pub approved_by: Option<String>,
    pub reason: String,
    pub expires_at: String,
}

/// A built pack.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuiltPack {
    pub bytes: Vec<u8>,
    /// SHA-256 (lowercase hex) of the whole ZIP.
    pub sha256: String,
    /// The files of the ZIP, in order (`manifest.json` last).
    pub files: Vec<String>,
    pub redaction: RedactionSummary,
}

/// What redaction did, as stated in `metadata.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactionSummary {
    /// `"pseudonymized"` or `"included"`.
    pub pii: String,
    /// Always `"redacted"`.
    pub secrets: String,
    /// Distinct values replaced by a pseudonym.
    pub pseudonyms: usize,
    /// Secret values replaced by `[REDACTED]`.
    pub secrets_redacted: usize,
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub ok: bool,
    /// Listed files present with the listed SHA-256 and size.
    pub files_checked: usize,
    /// Machine codes, some with a path: `not_a_pack`, `manifest_missing`, `manifest_invalid`,
    /// `missing_file:<path>`, `hash_mismatch:<path>`, `unreadable_file:<path>`, `unlisted_file:<path>`,
    /// `duplicate_file:<path>`, `too_large`, `bad_signature`, `untrusted_key`.
    pub problems: Vec<String>,
    pub pack_id: Option<i64>,
    pub key_id: Option<String>,
}

/// Why a pack could not be built. Never carries data values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    #[error("zip: {0}")]
    Zip(String),
    #[error("json: {0}")]
    Json(String),
}

/// One entry of `manifest.json`'s `files` (member order is part of the signed bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ManifestSignature {
    algorithm: String,
    key_id: String,
    public_key: String,
    signed: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Manifest {
    format: String,
    pack_id: i64,
    algorithm: String,
    files: Vec<ManifestFile>,
    signature: ManifestSignature,
    signature_value: String,
}

/// The bytes the manifest signature covers (see the module documentation).
pub fn signed_message(pack_id: i64, files: &[ManifestFile]) -> Vec<u8> {
    let mut message = format!("{FORMAT}\n{pack_id}\n").into_bytes();
    // Serializing a slice of plain structs cannot fail.
    message.extend_from_slice(&serde_json::to_vec(files).unwrap_or_default());
    message
}

// ---------------------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------------------

/// Builds the ZIP. `pseudonym_key` is a per-workspace HMAC key for stable pseudonyms; `sign` signs the
/// manifest bytes ([`signed_message`]) and returns the base64 signature; `key_id` and `public_key_b64` are
/// written into `manifest.json`.
pub fn build(
    input: &PackInput,
    pseudonym_key: &[u8],
    key_id: &str,
    public_key_b64: &str,
    sign: impl Fn(&[u8]) -> String,
) -> Result<BuiltPack, PackError> {
    let (data, redaction) = redact(input, pseudonym_key);
    let locale = crate::locale::parse(&data.language).unwrap_or(Locale::en);
    let counts = Counts::of(&data);

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let summary = executive_summary(&data, &counts, &redaction, locale);
    files.push((ENTRYPOINT.into(), summary.markdown().into_bytes()));
    files.push(("executive-summary.html".into(), summary.html(crate::locale::tag(locale)).into_bytes()));

    let mut sections: Vec<&PackSection> = data.sections.iter().collect();
    sections.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.key.cmp(&b.key)));
    let section_files: Vec<(String, &PackSection)> = sections.iter().map(|s| (section_path(s), *s)).collect();
    let appendix: Vec<Value> = [
        ("summary.json", "summary"),
        ("sections.json", "sections_index"),
        ("findings.csv", "findings"),
        ("accepted-risks.csv", "accepted_risks"),
        ("executive-summary.html", "executive_summary_html"),
    ]
    .iter()
    .map(|(file, role)| json!({"file": file, "role": role}))
    .collect();

    files.push(("metadata.json".into(), pretty(&metadata(&data, &redaction, appendix))?));
    files.push(("summary.json".into(), pretty(&counts.to_json(&data))?));
    let index: Vec<Value> =
        section_files.iter().map(|(file, s)| json!({"key": s.key, "order": s.order, "file": file})).collect();
    files.push(("sections.json".into(), pretty(&Value::Array(index))?));
    for (file, s) in &section_files {
        files.push((file.clone(), pretty(&json!({"key": s.key, "order": s.order, "payload": s.payload}))?));
    }
    files.push(("findings.csv".into(), findings_csv(&data.findings).into_bytes()));
    files.push(("accepted-risks.csv".into(), risks_csv(&data.accepted_risks).into_bytes()));

    let mut seen = HashSet::new();
    if !files.iter().all(|(path, _)| seen.insert(path.clone())) {
        return Err(PackError::Json("two sections share a file name".into()));
    }

    let mut listed: Vec<ManifestFile> = files
        .iter()
        .map(|(path, bytes)| ManifestFile { path: path.clone(), sha256: sha256_hex(bytes), size: bytes.len() as u64 })
        .collect();
    listed.sort_by(|a, b| a.path.cmp(&b.path));
    let signature_value = sign(&signed_message(data.pack_id, &listed));
    let manifest = Manifest {
        format: FORMAT.into(),
        pack_id: data.pack_id,
        algorithm: "sha256".into(),
        files: listed,
        signature: ManifestSignature {
            algorithm: "ed25519".into(),
            key_id: key_id.into(),
            public_key: public_key_b64.into(),
            signed: "manifest.files".into(),
        },
        signature_value,
    };
    files.push((MANIFEST.into(), pretty(&manifest)?));

    let bytes = write_zip(&files, &data.generated_at)?;
    Ok(BuiltPack {
        sha256: sha256_hex(&bytes),
        bytes,
        files: files.into_iter().map(|(path, _)| path).collect(),
        redaction,
    })
}

fn pretty<T: Serialize>(value: &T) -> Result<Vec<u8>, PackError> {
    // The error's category only: its message could quote data.
    let mut out =
        serde_json::to_vec_pretty(value).map_err(|e| PackError::Json(format!("{:?}", e.classify()).to_lowercase()))?;
    out.push(b'\n');
    Ok(out)
}

/// `sections/NN-key.json`: the order clamped to 0–99, the key reduced to `a-z 0-9 _ -`.
fn section_path(section: &PackSection) -> String {
    let key: String = section
        .key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c.to_ascii_lowercase() } else { '_' })
        .take(64)
        .collect();
    let key = if key.is_empty() { "section".to_string() } else { key };
    format!("sections/{:02}-{key}.json", section.order.clamp(0, 99))
}

fn write_zip(files: &[(String, Vec<u8>)], at: &DateTime<Utc>) -> Result<Vec<u8>, PackError> {
    let zip_err = |e: zip::result::ZipError| PackError::Zip(e.to_string());
    let time = u16::try_from(at.year())
        .ok()
        .and_then(|year| {
            zip::DateTime::from_date_and_time(
                year,
                at.month() as u8,
                at.day() as u8,
                at.hour() as u8,
                at.minute() as u8,
                at.second().min(59) as u8,
            )
            .ok()
        })
        .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(time)
        .unix_permissions(0o644);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (path, bytes) in files {
        writer.start_file(path.as_str(), options).map_err(zip_err)?;
        writer.write_all(bytes).map_err(|e| PackError::Zip(e.kind().to_string()))?;
    }
    Ok(writer.finish().map_err(zip_err)?.into_inner())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn metadata(d: &PackInput, redaction: &RedactionSummary, appendix: Vec<Value>) -> Value {
    json!({
        "format": FORMAT,
        "version": 1,
        "generated_at": d.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "pack_id": d.pack_id,
        "language": crate::locale::tag(crate::locale::parse(&d.language).unwrap_or(Locale::en)),
        "workspace": {"slug": d.workspace_slug, "name": d.workspace_name},
        "tenant": {"id": d.tenant_id, "name": d.tenant_name, "external_id": d.tenant_external_id},
        "environment_review": {"id": d.review.id},
        "delivery_bundle": {
            "contract": CONTRACT,
            "artifact_family": "review_pack",
            "review_pack_id": d.pack_id,
            "released_review": {
                "id": d.review.id,
                "status": d.review.status,
                "completeness_state": d.review.completeness,
                "published_at": d.review.published_at,
                "fingerprint": d.review.fingerprint,
            },
            "evidence_basis": {
                "snapshot_id": d.snapshot.id,
                "snapshot_fingerprint": d.snapshot.fingerprint,
                "completeness_state": d.snapshot.completeness,
                "generated_at": d.snapshot.generated_at,
            },
            "entrypoint": {"file": ENTRYPOINT, "role": "executive_summary"},
            "appendix": appendix,
        },
        "redaction": redaction,
    })
}

// ---------------------------------------------------------------------------------------------------------
// Counts (summary.json and the executive summary)
// ---------------------------------------------------------------------------------------------------------

const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];
const OPEN_STATUSES: [&str; 4] = ["new", "triaged", "in_progress", "reopened"];
const COMPLETENESS: [&str; 4] = ["complete", "partial", "missing", "stale"];

fn is_open(f: &PackFinding) -> bool {
    OPEN_STATUSES.contains(&f.status.as_str())
}

/// Most severe first; unknown severities after `low`.
fn severity_rank(severity: &str) -> usize {
    SEVERITIES.iter().position(|s| *s == severity).unwrap_or(SEVERITIES.len())
}

fn zeroed(keys: &[&str]) -> BTreeMap<String, usize> {
    keys.iter().map(|k| (k.to_string(), 0)).collect()
}

struct Counts {
    findings_by_severity: BTreeMap<String, usize>,
    findings_by_status: BTreeMap<String, usize>,
    open_by_severity: BTreeMap<String, usize>,
    open: usize,
    overdue: usize,
    risks_by_validity: BTreeMap<String, usize>,
    dimensions_by_state: BTreeMap<String, usize>,
}

impl Counts {
    fn of(d: &PackInput) -> Self {
        let mut c = Counts {
            findings_by_severity: zeroed(&SEVERITIES),
            findings_by_status: zeroed(&OPEN_STATUSES),
            open_by_severity: zeroed(&SEVERITIES),
            open: 0,
            overdue: 0,
            risks_by_validity: zeroed(&["valid", "expiring", "expired"]),
            dimensions_by_state: zeroed(&COMPLETENESS),
        };
        for f in &d.findings {
            *c.findings_by_severity.entry(f.severity.clone()).or_default() += 1;
            *c.findings_by_status.entry(f.status.clone()).or_default() += 1;
            if is_open(f) {
                c.open += 1;
                c.overdue += usize::from(f.overdue);
                *c.open_by_severity.entry(f.severity.clone()).or_default() += 1;
            }
        }
        for r in &d.accepted_risks {
            *c.risks_by_validity.entry(r.validity.clone()).or_default() += 1;
        }
        for dim in &d.snapshot.dimensions {
            *c.dimensions_by_state.entry(dim.state.clone()).or_default() += 1;
        }
        c
    }

    fn to_json(&self, d: &PackInput) -> Value {
        json!({
            "format": FORMAT,
            "pack_id": d.pack_id,
            "review_id": d.review.id,
            "snapshot_id": d.snapshot.id,
            "findings": {
                "total": d.findings.len(),
                "open": self.open,
                "open_overdue": self.overdue,
                "by_severity": self.findings_by_severity,
                "open_by_severity": self.open_by_severity,
                "by_status": self.findings_by_status,
            },
            "accepted_risks": {
                "total": d.accepted_risks.len(),
                "by_validity": self.risks_by_validity,
            },
            "dimensions": {
                "total": d.snapshot.dimensions.len(),
                "by_state": self.dimensions_by_state,
            },
            "sections": d.sections.len(),
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------------------

/// One CSV cell: formula-like text (`= + - @`, tab, CR at the start) gets a leading `'`; quoted when it holds
/// a comma, quote, CR or LF (RFC 4180).
fn csv_cell(value: &str) -> String {
    let value =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn findings_csv(findings: &[PackFinding]) -> String {
    let mut sorted: Vec<&PackFinding> = findings.iter().collect();
    sorted.sort_by_key(|f| f.id);
    csv(
        &[
            "id",
            "severity",
            "status",
            "drift_kind",
            "policy_type",
            "subject",
            "owner",
            "assignee",
            "first_seen_at",
            "due_at",
            "overdue",
        ],
        sorted.into_iter().map(|f| {
            vec![
                f.id.to_string(),
                f.severity.clone(),
                f.status.clone(),
                f.drift_kind.clone(),
                f.policy_type.clone(),
                f.subject.clone(),
                f.owner.clone().unwrap_or_default(),
                f.assignee.clone().unwrap_or_default(),
                f.first_seen_at.clone(),
                f.due_at.clone(),
                f.overdue.to_string(),
            ]
        }),
    )
}

fn risks_csv(risks: &[PackAcceptedRisk]) -> String {
    let mut sorted: Vec<&PackAcceptedRisk> = risks.iter().collect();
    sorted.sort_by_key(|r| r.id);
    csv(
        &["id", "finding_id", "subject", "validity", "requested_by", "approved_by", "reason", "expires_at"],
        sorted.into_iter().map(|r| {
            vec![
                r.id.to_string(),
                r.finding_id.to_string(),
                r.subject.clone(),
                r.validity.clone(),
                r.requested_by.clone().unwrap_or_default(),
                r.approved_by.clone().unwrap_or_default(),
                r.reason.clone(),
                r.expires_at.clone(),
            ]
        }),
    )
}

// ---------------------------------------------------------------------------------------------------------
// Redaction
// ---------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Person,
    Device,
    Ip,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Device => "device",
            Kind::Ip => "ip",
        }
    }

    fn of_key(key: &str) -> Option<Kind> {
        if PERSON_KEYS.contains(&key) {
            Some(Kind::Person)
        } else if DEVICE_KEYS.contains(&key) {
            Some(Kind::Device)
        } else if IP_KEYS.contains(&key) {
            Some(Kind::Ip)
        } else {
            None
        }
    }
}

/// Known values shorter than this (in characters) are not searched for in free text.
const MIN_KNOWN_CHARS: usize = 4;

struct Pseudonymizer {
    key: hmac::Key,
    used: BTreeSet<String>,
    /// Values of person and device fields (ASCII-lowercased) with their pseudonyms, longest first: searched
    /// for in free text.
    known: Vec<(String, String)>,
}

impl Pseudonymizer {
    fn new(key: &[u8]) -> Self {
        Self { key: hmac::Key::new(hmac::HMAC_SHA256, key), used: BTreeSet::new(), known: Vec::new() }
    }

    /// `<kind>-<first 8 hex digits of HMAC-SHA256(key, normalized value)>`.
    fn tag(&self, kind: Kind, value: &str) -> String {
        let normalized = match (kind, value.trim().parse::<IpAddr>()) {
            (Kind::Ip, Ok(ip)) => ip.to_string(),
            _ => value.trim().to_lowercase(),
        };
        let tag = hmac::sign(&self.key, normalized.as_bytes());
        format!("{}-{}", kind.prefix(), &hex(tag.as_ref())[..8])
    }

    /// The pseudonym of a value that is being replaced (counted).
    fn pseudonym(&mut self, kind: Kind, value: &str) -> String {
        let pseudonym = self.tag(kind, value);
        self.used.insert(pseudonym.clone());
        pseudonym
    }

    /// A person field's value: its pseudonym (blank and already redacted values stay).
    fn field(&mut self, kind: Kind, value: &mut String) {
        if !value.trim().is_empty() && value != crate::secrets::REDACTED {
            *value = self.pseudonym(kind, value);
        }
    }

    fn field_opt(&mut self, kind: Kind, value: &mut Option<String>) {
        if let Some(v) = value {
            self.field(kind, v);
        }
    }

    /// Remembers a person or device field's value so that it is also replaced where it occurs in free text.
    fn learn(&mut self, kind: Kind, value: &str) {
        let value = value.trim();
        if kind == Kind::Ip || value.chars().count() < MIN_KNOWN_CHARS || value == crate::secrets::REDACTED {
            return;
        }
        let needle = value.to_ascii_lowercase();
        if !self.known.iter().any(|(k, _)| *k == needle) {
            let pseudonym = self.tag(kind, value);
            self.known.push((needle, pseudonym));
        }
    }

    fn learn_json(&mut self, value: &Value, kind: Option<Kind>) {
        match value {
            Value::String(s) => {
                if let Some(kind) = kind {
                    self.learn(kind, s);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.learn_json(v, kind)),
            Value::Object(map) => {
                for (k, v) in map {
                    self.learn_json(v, kind.or_else(|| Kind::of_key(k)));
                }
            }
            _ => {}
        }
    }

    /// Pseudonymizes a JSON value: strings under person, device and IP members whole; all other strings
    /// and object keys as free text.
    fn json(&mut self, value: &mut Value, kind: Option<Kind>) {
        match value {
            Value::String(s) => match kind {
                Some(kind) => self.field(kind, s),
                None => *s = self.text(s),
            },
            Value::Array(items) => items.iter_mut().for_each(|v| self.json(v, kind)),
            Value::Object(map) => {
                let old = std::mem::take(map);
                for (k, mut v) in old {
                    self.json(&mut v, kind.or_else(|| Kind::of_key(&k)));
                    map.insert(self.text(&k), v);
                }
            }
            _ => {}
        }
    }

    /// Free text: email addresses and UPNs, IPv6 and IPv4 addresses, then known person and device values.
    fn text(&mut self, s: &str) -> String {
        let mut out = s.to_string();
        if out.contains('@') {
            out = self.replace(&out, email_spans(&out), Kind::Person);
        }
        if out.contains(':') {
            out = self.replace(&out, ipv6_spans(&out), Kind::Ip);
        }
        if out.contains('.') {
            out = self.replace(&out, ipv4_spans(&out), Kind::Ip);
        }
        if !self.known.is_empty() {
            out = self.replace_known(&out);
        }
        out
    }

    fn replace(&mut self, s: &str, spans: Vec<(usize, usize)>, kind: Kind) -> String {
        if spans.is_empty() {
            return s.to_string();
        }
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for (start, end) in spans {
            out.push_str(&s[at..start]);
            out.push_str(&self.pseudonym(kind, &s[start..end]));
            at = end;
        }
        out.push_str(&s[at..]);
        out
    }

    fn replace_known(&mut self, s: &str) -> String {
        let lower = s.to_ascii_lowercase();
        let mut hits: Vec<(usize, usize, usize)> = Vec::new();
        for (i, (needle, _)) in self.known.iter().enumerate() {
            let mut from = 0;
            while let Some(pos) = lower[from..].find(needle.as_str()) {
                let (start, end) = (from + pos, from + pos + needle.len());
                let before = s[..start].chars().next_back();
                let after = s[end..].chars().next();
                let boundary = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                if boundary(before) && boundary(after) && !hits.iter().any(|&(a, b, _)| start < b && a < end) {
                    hits.push((start, end, i));
                }
                from = start + s[start..].chars().next().map_or(1, char::len_utf8);
            }
        }
        if hits.is_empty() {
            return s.to_string();
        }
        hits.sort_unstable();
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for (start, end, i) in hits {
            out.push_str(&s[at..start]);
            out.push_str(&self.known[i].1);
            self.used.insert(self.known[i].1.clone());
            at = end;
        }
        out.push_str(&s[at..]);
        out
    }
}

fn is_email_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-' | b'#')
}

fn is_domain_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// Byte spans of email addresses and UPNs (`local@domain.tld`, guest UPNs with `#EXT#` included).
fn email_spans(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for at in memchr_all(b, b'@') {
        if spans.last().is_some_and(|&(_, end)| at < end) {
            continue;
        }
        let mut start = at;
        while start > 0 && is_email_local(b[start - 1]) {
            start -= 1;
        }
        while start < at && b[start] == b'.' {
            start += 1;
        }
        let mut end = at + 1;
        while end < b.len() && is_domain_char(b[end]) {
            end += 1;
        }
        while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let domain = &s[at + 1..end];
        let labels_ok = domain.split('.').count() >= 2 && domain.split('.').all(|l| !l.is_empty());
        let tld_ok =
            domain.rsplit('.').next().is_some_and(|t| t.len() >= 2 && t.bytes().all(|c| c.is_ascii_alphabetic()));
        if start < at && labels_ok && tld_ok && spans.last().is_none_or(|&(_, e)| e <= start) {
            spans.push((start, end));
        }
    }
    spans
}

fn memchr_all(b: &[u8], needle: u8) -> impl Iterator<Item = usize> + '_ {
    b.iter().enumerate().filter(move |(_, c)| **c == needle).map(|(i, _)| i)
}

/// Whether the characters around `start..end` leave it a separate word (not inside a longer token).
fn standalone(s: &str, start: usize, end: usize) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    !word(s[..start].chars().next_back()) && !word(s[end..].chars().next())
}

/// Maximal runs of bytes satisfying `class`.
fn runs(b: &[u8], class: impl Fn(u8) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if class(b[i]) {
            let start = i;
            while i < b.len() && class(b[i]) {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// Byte spans of IPv4 addresses (dotted quad, each part 0–255 without leading zeros).
fn ipv4_spans(s: &str) -> Vec<(usize, usize)> {
    runs(s.as_bytes(), |c| c.is_ascii_digit() || c == b'.')
        .into_iter()
        .filter_map(|(start, mut end)| {
            while end > start && s.as_bytes()[end - 1] == b'.' {
                end -= 1;
            }
            let ok = s[start..end].parse::<Ipv4Addr>().is_ok() && standalone(s, start, end);
            ok.then_some((start, end))
        })
        .collect()
}

/// Byte spans of IPv6 addresses (anything `std` parses as one, with at least two colons and a hex digit).
fn ipv6_spans(s: &str) -> Vec<(usize, usize)> {
    runs(s.as_bytes(), |c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
        .into_iter()
        .filter_map(|(start, end)| {
            let run = &s[start..end];
            if run.bytes().filter(|&c| c == b':').count() < 2 || !run.bytes().any(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            let mut candidates = vec![end];
            let trimmed = start + run.trim_end_matches('.').len();
            candidates.push(trimmed);
            if s[start..trimmed].ends_with(':') && !s[start..trimmed].ends_with("::") {
                candidates.push(trimmed - 1);
            }
            candidates
                .into_iter()
                .find(|&e| s[start..e].parse::<Ipv6Addr>().is_ok() && standalone(s, start, e))
                .map(|e| (start, e))
        })
        .collect()
}

/// The input as it goes into the pack: secrets redacted, personal data pseudonymized unless included.
fn redact(input: &PackInput, pseudonym_key: &[u8]) -> (PackInput, RedactionSummary) {
    let mut d = input.clone();
    let mut secrets = 0;
    for section in &mut d.sections {
        crate::secrets::visit_secrets(&section.payload, |_, _| secrets += 1);
        crate::secrets::sanitize(&mut section.payload);
    }
    let mut p = Pseudonymizer::new(pseudonym_key);
    if !d.include_pii {
        // First learn every person and device value, so that free text anywhere in the pack loses them too.
        for v in [&d.review.published_by].into_iter().flatten() {
            p.learn(Kind::Person, v);
        }
        for f in &d.findings {
            for v in [&f.owner, &f.assignee].into_iter().flatten() {
                p.learn(Kind::Person, v);
            }
        }
        for r in &d.accepted_risks {
            for v in [&r.requested_by, &r.approved_by].into_iter().flatten() {
                p.learn(Kind::Person, v);
            }
        }
        for s in &d.sections {
            p.learn_json(&s.payload, None);
        }
        p.known.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));

        d.workspace_name = p.text(&d.workspace_name);
        d.tenant_name = p.text(&d.tenant_name);
        p.field_opt(Kind::Person, &mut d.review.published_by);
        for f in &mut d.findings {
            f.subject = p.text(&f.subject);
            f.policy_type = p.text(&f.policy_type);
            p.field_opt(Kind::Person, &mut f.owner);
            p.field_opt(Kind::Person, &mut f.assignee);
        }
        for r in &mut d.accepted_risks {
            r.subject = p.text(&r.subject);
            r.reason = p.text(&r.reason);
            p.field_opt(Kind::Person, &mut r.requested_by);
            p.field_opt(Kind::Person, &mut r.approved_by);
        }
        for s in &mut d.sections {
            p.json(&mut s.payload, None);
        }
    }
    let summary = RedactionSummary {
        pii: if d.include_pii { "included" } else { "pseudonymized" }.into(),
        secrets: "redacted".into(),
        pseudonyms: p.used.len(),
        secrets_redacted: secrets,
    };
    (d, summary)
}

// ---------------------------------------------------------------------------------------------------------
// The executive summary (Markdown and HTML from one document model)
// ---------------------------------------------------------------------------------------------------------

enum Block {
    Heading(u8, String),
    Para(String),
    /// Label and value pairs.
    Fields(Vec<(String, String)>),
    Table(Vec<String>, Vec<Vec<String>>),
}

struct Doc {
    title: String,
    blocks: Vec<Block>,
}

impl Doc {
    fn markdown(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    out.push_str(&"#".repeat(usize::from(*level)));
                    out.push(' ');
                    out.push_str(&md_line(text));
                    out.push_str("\n\n");
                }
                Block::Para(text) => {
                    out.push_str(&md_line(text));
                    out.push_str("\n\n");
                }
                Block::Fields(fields) => {
                    for (label, value) in fields {
                        out.push_str(&format!("- **{}:** {}\n", md(label), md(value)));
                    }
                    out.push('\n');
                }
                Block::Table(head, rows) => {
                    let line = |cells: &[String]| {
                        format!("| {} |\n", cells.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | "))
                    };
                    out.push_str(&line(head));
                    out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                    for row in rows {
                        out.push_str(&line(row));
                    }
                    out.push('\n');
                }
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }

    fn html(&self, lang: &str) -> String {
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
             <style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;\
             line-height:1.5;color:#1b1f24}}table{{border-collapse:collapse;margin:0 0 1rem}}\
             th,td{{border:1px solid #c8ccd1;padding:.25rem .5rem;text-align:left;vertical-align:top}}\
             th{{background:#f3f4f6}}dt{{font-weight:600;float:left;clear:left;min-width:12rem}}\
             dd{{margin:0 0 .25rem 12rem}}</style>\n</head>\n<body>\n<main>\n",
            esc(&self.title)
        );
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => out.push_str(&format!("<h{level}>{}</h{level}>\n", esc(text))),
                Block::Para(text) => out.push_str(&format!("<p>{}</p>\n", esc(text))),
                Block::Fields(fields) => {
                    out.push_str("<dl>\n");
                    for (label, value) in fields {
                        out.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", esc(label), esc(value)));
                    }
                    out.push_str("</dl>\n");
                }
                Block::Table(head, rows) => {
                    out.push_str("<table>\n<thead><tr>");
                    for h in head {
                        out.push_str(&format!("<th scope=\"col\">{}</th>", esc(h)));
                    }
                    out.push_str("</tr></thead>\n<tbody>\n");
                    for row in rows {
                        out.push_str("<tr>");
                        for c in row {
                            out.push_str(&format!("<td>{}</td>", esc(c)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</tbody>\n</table>\n");
                }
            }
        }
        out.push_str("</main>\n</body>\n</html>\n");
        out
    }
}

/// Plain text inside a Markdown line (a table cell, a value after a label): every character that could
/// start inline markup escaped, control characters (line breaks) as spaces.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Plain text as a whole Markdown line (a paragraph, a heading's text): [`md`], and it must not start a
/// heading, a list or a setext underline either.
fn md_line(text: &str) -> String {
    let mut out = md(text);
    if out.starts_with(['#', '-', '+', '=']) {
        out.insert(0, '\\');
    }
    let digits = out.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && out[digits..].starts_with(['.', ')']) {
        out.insert(digits, '\\');
    }
    out
}

/// Plain text as HTML text or attribute value.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An RFC 3339 time in the reader's format; other text as it is.
fn when(locale: Locale, raw: &str) -> String {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| crate::locale::format_datetime(locale, &t.with_timezone(&Utc)))
        .unwrap_or_else(|_| raw.to_string())
}

/// Translations of the ids shown in the summary (unknown ids are shown as they are).
mod labels {
    use leptos_i18n::td_string;

    use crate::i18n::Locale;

    pub fn severity(l: Locale, id: &str) -> String {
        match id {
            "critical" => td_string!(l, pack.severities.critical).to_string(),
            "high" => td_string!(l, pack.severities.high).to_string(),
            "medium" => td_string!(l, pack.severities.medium).to_string(),
            "low" => td_string!(l, pack.severities.low).to_string(),
            other => other.to_string(),
        }
    }

    pub fn finding_status(l: Locale, id: &str) -> String {
        match id {
            "new" => td_string!(l, pack.finding_statuses.new_status).to_string(),
            "triaged" => td_string!(l, pack.finding_statuses.triaged).to_string(),
            "in_progress" => td_string!(l, pack.finding_statuses.in_progress).to_string(),
            "reopened" => td_string!(l, pack.finding_statuses.reopened).to_string(),
            "resolved" => td_string!(l, pack.finding_statuses.resolved).to_string(),
            "closed" => td_string!(l, pack.finding_statuses.closed).to_string(),
            "risk_accepted" => td_string!(l, pack.finding_statuses.risk_accepted).to_string(),
            other => other.to_string(),
        }
    }

    pub fn review_status(l: Locale, id: &str) -> String {
        match id {
            "composing" => td_string!(l, pack.review_statuses.composing).to_string(),
            "draft" => td_string!(l, pack.review_statuses.draft).to_string(),
            "ready" => td_string!(l, pack.review_statuses.ready).to_string(),
            "published" => td_string!(l, pack.review_statuses.published).to_string(),
            "superseded" => td_string!(l, pack.review_statuses.superseded).to_string(),
            "archived" => td_string!(l, pack.review_statuses.archived).to_string(),
            "failed" => td_string!(l, pack.review_statuses.failed).to_string(),
            other => other.to_string(),
        }
    }

    pub fn completeness(l: Locale, id: &str) -> String {
        match id {
            "complete" => td_string!(l, pack.completeness_states.complete).to_string(),
            "partial" => td_string!(l, pack.completeness_states.partial).to_string(),
            "missing" => td_string!(l, pack.completeness_states.missing).to_string(),
            "stale" => td_string!(l, pack.completeness_states.stale).to_string(),
            other => other.to_string(),
        }
    }

    pub fn dimension(l: Locale, id: &str) -> String {
        match id {
            "inventory" => td_string!(l, pack.dimensions.inventory).to_string(),
            "baseline_drift" => td_string!(l, pack.dimensions.baseline_drift).to_string(),
            "findings" => td_string!(l, pack.dimensions.findings).to_string(),
            "accepted_risks" => td_string!(l, pack.dimensions.accepted_risks).to_string(),
            "permissions" => td_string!(l, pack.dimensions.permissions).to_string(),
            "operations" => td_string!(l, pack.dimensions.operations).to_string(),
            other => other.to_string(),
        }
    }

    pub fn validity(l: Locale, id: &str) -> String {
        match id {
            "pending" => td_string!(l, pack.validities.pending).to_string(),
            "valid" => td_string!(l, pack.validities.valid).to_string(),
            "expiring" => td_string!(l, pack.validities.expiring).to_string(),
            "expired" => td_string!(l, pack.validities.expired).to_string(),
            "revoked" => td_string!(l, pack.validities.revoked).to_string(),
            "rejected" => td_string!(l, pack.validities.rejected).to_string(),
            "superseded" => td_string!(l, pack.validities.superseded).to_string(),
            other => other.to_string(),
        }
    }
}

fn executive_summary(d: &PackInput, c: &Counts, redaction: &RedactionSummary, l: Locale) -> Doc {
    use leptos_i18n::td_string;
    let title = td_string!(l, pack.title, tenant = d.tenant_name.clone()).to_string();
    let mut b = vec![
        Block::Heading(1, title.clone()),
        Block::Para(
            td_string!(
                l,
                pack.subtitle,
                workspace = d.workspace_name.clone(),
                external_id = d.tenant_external_id.clone()
            )
            .to_string(),
        ),
        Block::Para(
            td_string!(l, pack.generated, at = crate::locale::format_datetime(l, &d.generated_at), id = d.pack_id)
                .to_string(),
        ),
    ];

    // The released review.
    b.push(Block::Heading(2, td_string!(l, pack.review_heading).to_string()));
    let mut rows = vec![
        (td_string!(l, pack.review).to_string(), format!("#{}", d.review.id)),
        (td_string!(l, pack.status).to_string(), labels::review_status(l, &d.review.status)),
        (td_string!(l, pack.completeness).to_string(), labels::completeness(l, &d.review.completeness)),
        (
            td_string!(l, pack.published_at).to_string(),
            d.review
                .published_at
                .as_deref()
                .map(|t| when(l, t))
                .unwrap_or_else(|| td_string!(l, pack.not_published).to_string()),
        ),
    ];
    if let Some(by) = &d.review.published_by {
        rows.push((td_string!(l, pack.published_by).to_string(), by.clone()));
    }
    b.push(Block::Fields(rows));

    // The evidence basis.
    b.push(Block::Heading(2, td_string!(l, pack.evidence_heading).to_string()));
    b.push(Block::Fields(vec![
        (td_string!(l, pack.snapshot).to_string(), format!("#{}", d.snapshot.id)),
        (td_string!(l, pack.fingerprint).to_string(), d.snapshot.fingerprint.clone()),
        (td_string!(l, pack.completeness).to_string(), labels::completeness(l, &d.snapshot.completeness)),
        (td_string!(l, pack.captured_at).to_string(), when(l, &d.snapshot.generated_at)),
    ]));
    if !d.snapshot.dimensions.is_empty() {
        b.push(Block::Table(
            vec![td_string!(l, pack.dimension).to_string(), td_string!(l, pack.state).to_string()],
            d.snapshot
                .dimensions
                .iter()
                .map(|dim| vec![labels::dimension(l, &dim.key), labels::completeness(l, &dim.state)])
                .collect(),
        ));
    }

    // Open findings.
    b.push(Block::Heading(2, td_string!(l, pack.findings_heading).to_string()));
    if c.open == 0 {
        b.push(Block::Para(td_string!(l, pack.none_open).to_string()));
    } else {
        b.push(Block::Para(td_string!(l, pack.open_total, open = c.open, overdue = c.overdue).to_string()));
        let mut by_severity: Vec<(&String, &usize)> = c.open_by_severity.iter().collect();
        by_severity.sort_by_key(|(sev, _)| (severity_rank(sev), sev.as_str()));
        b.push(Block::Table(
            vec![td_string!(l, pack.severity).to_string(), td_string!(l, pack.count).to_string()],
            by_severity.into_iter().map(|(sev, n)| vec![labels::severity(l, sev), n.to_string()]).collect(),
        ));
        let mut open: Vec<&PackFinding> = d.findings.iter().filter(|f| is_open(f)).collect();
        open.sort_by(|a, b| {
            (severity_rank(&a.severity), !a.overdue, &a.due_at, a.id).cmp(&(
                severity_rank(&b.severity),
                !b.overdue,
                &b.due_at,
                b.id,
            ))
        });
        b.push(Block::Heading(3, td_string!(l, pack.top_heading).to_string()));
        b.push(Block::Para(td_string!(l, pack.top_intro, count = TOP_FINDINGS).to_string()));
        b.push(Block::Table(
            vec![
                td_string!(l, pack.severity).to_string(),
                td_string!(l, pack.subject).to_string(),
                td_string!(l, pack.status).to_string(),
                td_string!(l, pack.due).to_string(),
                td_string!(l, pack.owner).to_string(),
            ],
            open.into_iter()
                .take(TOP_FINDINGS)
                .map(|f| {
                    let due = if f.overdue {
                        format!("{} ({})", when(l, &f.due_at), td_string!(l, pack.overdue))
                    } else {
                        when(l, &f.due_at)
                    };
                    let owner = f
                        .assignee
                        .clone()
                        .or_else(|| f.owner.clone())
                        .unwrap_or_else(|| td_string!(l, pack.unassigned).to_string());
                    vec![
                        labels::severity(l, &f.severity),
                        f.subject.clone(),
                        labels::finding_status(l, &f.status),
                        due,
                        owner,
                    ]
                })
                .collect(),
        ));
    }

    // Accepted risks.
    b.push(Block::Heading(2, td_string!(l, pack.risks_heading).to_string()));
    if d.accepted_risks.is_empty() {
        b.push(Block::Para(td_string!(l, pack.none_risks).to_string()));
    } else {
        let n = |k: &str| c.risks_by_validity.get(k).copied().unwrap_or(0);
        b.push(Block::Para(
            td_string!(
                l,
                pack.risks_counts,
                valid = n("valid"),
                expiring = n("expiring"),
                expired = n("expired"),
                total = d.accepted_risks.len()
            )
            .to_string(),
        ));
        b.push(Block::Para(td_string!(l, pack.risks_intro).to_string()));
        let urgency = |v: &str| match v {
            "expired" => 0,
            "expiring" => 1,
            "valid" => 2,
            _ => 3,
        };
        let mut risks: Vec<&PackAcceptedRisk> = d.accepted_risks.iter().collect();
        risks.sort_by(|a, b| {
            (urgency(&a.validity), &a.expires_at, a.id).cmp(&(urgency(&b.validity), &b.expires_at, b.id))
        });
        b.push(Block::Table(
            vec![
                td_string!(l, pack.subject).to_string(),
                td_string!(l, pack.validity).to_string(),
                td_string!(l, pack.expires).to_string(),
                td_string!(l, pack.approved_by).to_string(),
            ],
            risks
                .into_iter()
                .take(TOP_RISKS)
                .map(|r| {
                    vec![
                        r.subject.clone(),
                        labels::validity(l, &r.validity),
                        when(l, &r.expires_at),
                        r.approved_by.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        ));
    }

    // Personal data, secrets, integrity, disclosure.
    b.push(Block::Heading(2, td_string!(l, pack.privacy_heading).to_string()));
    b.push(Block::Para(if d.include_pii {
        td_string!(l, pack.pii_included).to_string()
    } else {
        td_string!(l, pack.pii_pseudonymized, count = redaction.pseudonyms).to_string()
    }));
    b.push(Block::Para(td_string!(l, pack.secrets_redacted, count = redaction.secrets_redacted).to_string()));
    b.push(Block::Heading(2, td_string!(l, pack.contents_heading).to_string()));
    b.push(Block::Para(td_string!(l, pack.contents).to_string()));
    b.push(Block::Heading(2, td_string!(l, pack.disclosure_heading).to_string()));
    b.push(Block::Para(td_string!(l, pack.disclosure).to_string()));
    b.push(Block::Para(td_string!(l, pack.disclosure_basis).to_string()));
    Doc { title, blocks: b }
}

// ---------------------------------------------------------------------------------------------------------
// Verifying
// ---------------------------------------------------------------------------------------------------------

/// A path as it may appear in a problem code: printable ASCII only, at most 200 characters.
fn shown(path: &str) -> String {
    path.chars().take(200).map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).collect()
}

fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 255
        && path.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' | b'/'))
        && path.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
}

fn decode_key(b64: &str) -> Option<Vec<u8>> {
    let text = b64.trim().trim_end_matches('=');
    base64::engine::general_purpose::STANDARD_NO_PAD.decode(text).ok().filter(|k| k.len() == 32)
}

/// Checks a pack: every listed file exists with its SHA-256 and size, no file is unlisted, the signature
/// is valid for the embedded public key, and — when `trusted_public_key_b64` is given — the embedded key is
/// that one. Never panics; garbage gives `not_a_pack`.
pub fn verify(zip_bytes: &[u8], trusted_public_key_b64: Option<&str>) -> VerifyReport {
    let mut report = VerifyReport { ok: false, files_checked: 0, problems: Vec::new(), pack_id: None, key_id: None };
    let problems = &mut report.problems;
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(zip_bytes)) else {
        problems.push("not_a_pack".into());
        return report;
    };
    if archive.len() > MAX_ENTRIES {
        problems.push("too_large".into());
        return report;
    }

    // Read every entry (bounded), noting duplicates and unreadable ones.
    let mut contents: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut unreadable: BTreeSet<String> = BTreeSet::new();
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let listed_name = archive.name_for_index(i).and_then(Result::ok).map(|n| n.into_owned());
        let Ok(mut file) = archive.by_index(i) else {
            unreadable.insert(listed_name.unwrap_or_else(|| format!("#{i}")));
            continue;
        };
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        let mut buf = Vec::new();
        let budget = MAX_FILE_BYTES.min(MAX_TOTAL_BYTES.saturating_sub(total)) + 1;
        let read = (&mut file).take(budget).read_to_end(&mut buf);
        drop(file);
        if buf.len() as u64 >= budget {
            problems.push("too_large".into());
            return report;
        }
        total += buf.len() as u64;
        if read.is_err() {
            unreadable.insert(name);
            continue;
        }
        if contents.contains_key(&name) || unreadable.contains(&name) {
            problems.push(format!("duplicate_file:{}", shown(&name)));
            continue;
        }
        contents.insert(name, buf);
    }

    let Some(manifest_bytes) = contents.remove(MANIFEST) else {
        problems.push(if unreadable.contains(MANIFEST) { "manifest_invalid" } else { "manifest_missing" }.into());
        return report;
    };
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(m) => m,
        Err(_) => {
            let format = serde_json::from_slice::<Value>(&manifest_bytes).ok().and_then(|v| v.get("format").cloned());
            let code = match format {
                Some(Value::String(f)) if f == FORMAT => "manifest_invalid",
                Some(_) => "not_a_pack",
                None => "manifest_invalid",
            };
            problems.push(code.into());
            return report;
        }
    };
    if manifest.format != FORMAT {
        problems.push("not_a_pack".into());
        return report;
    }
    report.pack_id = Some(manifest.pack_id);
    report.key_id = Some(shown(&manifest.signature.key_id));
    if manifest.algorithm != "sha256" {
        problems.push("manifest_invalid".into());
        return report;
    }

    // Listed files.
    let mut listed = HashSet::new();
    for entry in &manifest.files {
        if !valid_path(&entry.path) || entry.path == MANIFEST || !listed.insert(entry.path.as_str()) {
            problems.push("manifest_invalid".into());
            continue;
        }
        match contents.get(&entry.path) {
            Some(bytes)
                if bytes.len() as u64 == entry.size && sha256_hex(bytes) == entry.sha256.to_ascii_lowercase() =>
            {
                report.files_checked += 1;
            }
            Some(_) => problems.push(format!("hash_mismatch:{}", entry.path)),
            None if unreadable.contains(&entry.path) => problems.push(format!("unreadable_file:{}", entry.path)),
            None => problems.push(format!("missing_file:{}", entry.path)),
        }
    }
    let unlisted: BTreeSet<&String> =
        contents.keys().chain(unreadable.iter()).filter(|name| !listed.contains(name.as_str())).collect();
    for name in unlisted {
        if name != MANIFEST {
            problems.push(format!("unlisted_file:{}", shown(name)));
        }
    }

    // The signature, and whose it is.
    let embedded = decode_key(&manifest.signature.public_key);
    let signature = B64.decode(manifest.signature_value.trim()).ok();
    let signed = match (&embedded, &signature) {
        (Some(key), Some(sig)) if manifest.signature.algorithm == "ed25519" => UnparsedPublicKey::new(&ED25519, key)
            .verify(&signed_message(manifest.pack_id, &manifest.files), sig)
            .is_ok(),
        _ => false,
    };
    if !signed {
        problems.push("bad_signature".into());
    }
    if let Some(trusted) = trusted_public_key_b64 {
        if embedded.is_none() || decode_key(trusted) != embedded {
            problems.push("untrusted_key".into());
        }
    }
    problems.dedup();
    report.ok = report.problems.is_empty();
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Keys;

    const PSEUDONYM_KEY: &[u8] = b"workspace-7-pseudonym-key";

    /// Every personal value of the fixture, as it was entered.
    const PII: &[&str] = &[
        "adele.vance@contoso.example",
        "AdeleV@contoso.onmicrosoft.com",
        "Adele Vance",
        "Megan Bowen",
        "megan.bowen@contoso.example",
        "Nestor Wilke",
        "Lidia Holloway",
        "lidia.holloway@contoso.example",
        "alex.wilber@contoso.example",
        "diego_contoso.example#EXT#@fabrikam.onmicrosoft.com",
        "203.0.113.7",
        "198.51.100.23",
        "2001:db8::7",
        "CONTOSO-LT-042",
    ];
    /// Every secret of the fixture.
    const SECRETS: &[&str] = &["Sup3rS3cret!", "wlan-psk-9931", "cs~Q8x.Yt"];

    fn keys(byte: u8) -> Keys {
        Keys::from_bytes(&[byte; 32]).expect("key")
    }

    fn finding(id: i64, severity: &str, status: &str, subject: &str) -> PackFinding {
        PackFinding {
            id,
            severity: severity.into(),
            status: status.into(),
            drift_kind: "different".into(),
            policy_type: "deviceCompliancePolicy".into(),
            subject: subject.into(),
            owner: None,
            assignee: None,
            first_seen_at: "2025-01-02T08:00:00Z".into(),
            due_at: format!("2025-02-{:02}T08:00:00Z", 10 + id),
            overdue: false,
        }
    }

    fn risk(id: i64, validity: &str, reason: &str) -> PackAcceptedRisk {
        PackAcceptedRisk {
            id,
            finding_id: id,
            subject: format!("Risk {id}"),
            validity: validity.into(),
            requested_by: None,
            approved_by: None,
            reason: reason.into(),
            expires_at: format!("2025-03-{:02}T00:00:00Z", 10 + id),
        }
    }

    fn fixture() -> PackInput {
        let mut findings = vec![
            finding(1, "critical", "new", "Compliance policy 'Windows 11' differs"),
            finding(2, "high", "triaged", "=HYPERLINK(\"http://evil.example\",\"x\")"),
            finding(3, "low", "resolved", "Old drift, fixed"),
            finding(4, "medium", "in_progress", "Assigned to Megan Bowen after the call"),
            finding(5, "high", "reopened", "Seen on 2001:db8::7 and from 198.51.100.23."),
        ];
        findings[0].owner = Some("Adele Vance".into());
        findings[0].assignee = Some("adele.vance@contoso.example".into());
        findings[0].overdue = true;
        findings[3].assignee = Some("Megan Bowen".into());
        findings[4].owner = Some("diego_contoso.example#EXT#@fabrikam.onmicrosoft.com".into());
        let mut risks = vec![
            risk(
                1,
                "valid",
                "Approved by Megan Bowen; vendor IP 203.0.113.7 allowed; contact AdeleV@contoso.onmicrosoft.com",
            ),
            risk(2, "expired", "Temporary, see ticket 4711"),
            risk(3, "expiring", "Line one\nline two, \"quoted\""),
        ];
        risks[0].requested_by = Some("Nestor Wilke".into());
        risks[0].approved_by = Some("megan.bowen@contoso.example".into());
        PackInput {
            pack_id: 42,
            generated_at: DateTime::parse_from_rfc3339("2025-02-01T10:30:00Z").expect("time").with_timezone(&Utc),
            language: "en".into(),
            include_pii: false,
            workspace_slug: "contoso".into(),
            workspace_name: "Contoso MSP".into(),
            tenant_id: 7,
            tenant_name: "Contoso Retail <Stores & Co>".into(),
            tenant_external_id: "8f2c1a8e-3b1d-4c6e-9a7f-2d4b6c8e0f11".into(),
            review: PackReview {
                id: 12,
                status: "published".into(),
                completeness: "complete".into(),
                published_at: Some("2025-01-31T16:00:00Z".into()),
                published_by: Some("Megan Bowen".into()),
                fingerprint: "ab".repeat(32),
            },
            snapshot: PackSnapshot {
                id: 5,
                fingerprint: "cd".repeat(32),
                completeness: "partial".into(),
                generated_at: "2025-01-31T14:05:00Z".into(),
                dimensions: vec![
                    PackDimension { key: "inventory".into(), state: "complete".into() },
                    PackDimension { key: "permissions".into(), state: "stale".into() },
                    PackDimension { key: "operations".into(), state: "missing".into() },
                ],
            },
            sections: vec![
                PackSection {
                    key: "open_risks".into(),
                    order: 20,
                    payload: json!({"items": [{"subject": "BitLocker", "owner": "Adele Vance",
                        "device_name": "CONTOSO-LT-042", "ip": "198.51.100.23",
                        "note": "Sign-in from 2001:db8::7 by AdeleV@contoso.onmicrosoft.com at 14:05:00"}]}),
                },
                PackSection {
                    key: "executive_summary".into(),
                    order: 10,
                    payload: json!({"headline": "Drift reviewed with adele.vance@contoso.example from 203.0.113.7.",
                        "decided_by": "Nestor Wilke", "open": 4, "tenant": "8f2c1a8e-3b1d-4c6e-9a7f-2d4b6c8e0f11"}),
                },
                PackSection {
                    key: "permission_posture".into(),
                    order: 40,
                    payload: json!({"app": {"clientSecret": "cs~Q8x.Yt", "password": "Sup3rS3cret!",
                        "passwordMinimumLength": 12, "omaSettings": [
                            {"displayName": "Wi-Fi key", "isEncrypted": true, "value": "wlan-psk-9931"}]},
                        "by_user": {"alex.wilber@contoso.example": 3}}),
                },
                PackSection {
                    key: "accepted_risks".into(),
                    order: 30,
                    payload: json!({"items": [{"requested_by": {"displayName": "Lidia Holloway",
                        "userPrincipalName": "lidia.holloway@contoso.example", "id": 17}}],
                        "summary": "Lidia Holloway asked; Lidia's manager agreed"}),
                },
            ],
            findings,
            accepted_risks: risks,
        }
    }

    fn build_signed(input: &PackInput, k: &Keys) -> BuiltPack {
        build(input, PSEUDONYM_KEY, k.key_id(), &k.pack_public_key(), |m| k.pack_sign(m)).expect("build")
    }

    fn entries(zip_bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).expect("zip");
        (0..archive.len())
            .map(|i| {
                let mut f = archive.by_index(i).expect("entry");
                let mut buf = Vec::new();
                f.read_to_end(&mut buf).expect("read");
                (f.name().expect("name").into_owned(), buf)
            })
            .collect()
    }

    fn rezip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
        write_zip(files, &Utc::now()).expect("zip")
    }

    fn file<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a str {
        let bytes = &files.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name} missing")).1;
        std::str::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn a_built_pack_verifies_and_lists_its_files_in_order() {
        let k = keys(1);
        let pack = build_signed(&fixture(), &k);
        assert_eq!(
            pack.files,
            vec![
                "executive-summary.md",
                "executive-summary.html",
                "metadata.json",
                "summary.json",
                "sections.json",
                "sections/10-executive_summary.json",
                "sections/20-open_risks.json",
                "sections/30-accepted_risks.json",
                "sections/40-permission_posture.json",
                "findings.csv",
                "accepted-risks.csv",
                "manifest.json",
            ]
        );
        assert_eq!(entries(&pack.bytes).into_iter().map(|(n, _)| n).collect::<Vec<_>>(), pack.files);
        assert_eq!(pack.sha256, sha256_hex(&pack.bytes));
        for trusted in [Some(k.pack_public_key()), None] {
            let report = verify(&pack.bytes, trusted.as_deref());
            assert!(report.ok, "{:?}", report.problems);
            assert_eq!(report.files_checked, pack.files.len() - 1);
            assert_eq!(report.pack_id, Some(42));
            assert_eq!(report.key_id.as_deref(), Some(k.key_id()));
        }
        let files = entries(&pack.bytes);
        let manifest: Value = serde_json::from_str(file(&files, MANIFEST)).expect("json");
        assert_eq!(manifest["format"], FORMAT);
        assert_eq!(manifest["signature"]["algorithm"], "ed25519");
        assert_eq!(manifest["signature"]["public_key"], k.pack_public_key());
        let paths: Vec<&str> =
            manifest["files"].as_array().expect("files").iter().filter_map(|f| f["path"].as_str()).collect();
        let mut sorted = paths.clone();
        sorted.sort_unstable();
        assert_eq!(paths, sorted);
        assert!(!paths.contains(&MANIFEST));
    }

    #[test]
    fn the_signed_bytes_are_format_pack_id_and_compact_files() {
        let files = vec![ManifestFile { path: "a.json".into(), sha256: "00ff".into(), size: 3 }];
        assert_eq!(
            String::from_utf8(signed_message(7, &files)).expect("utf-8"),
            "tenantpilot.review_pack.v1\n7\n[{\"path\":\"a.json\",\"sha256\":\"00ff\",\"size\":3}]"
        );
    }

    #[test]
    fn identical_input_gives_identical_bytes() {
        let k = keys(1);
        let a = build_signed(&fixture(), &k);
        let b = build_signed(&fixture(), &k);
        assert_eq!(a.sha256, b.sha256);
        assert_eq!(a.bytes, b.bytes);
        let mut later = fixture();
        later.generated_at += chrono::Duration::seconds(1);
        assert_ne!(build_signed(&later, &k).sha256, a.sha256);
    }

    #[test]
    fn tampering_with_any_file_fails_verification_naming_it() {
        let k = keys(1);
        let pack = build_signed(&fixture(), &k);
        let original = entries(&pack.bytes);
        // Re-zipping untouched content verifies: only the content counts, not the ZIP's framing.
        assert!(verify(&rezip(&original), Some(&k.pack_public_key())).ok);
        for (i, (name, bytes)) in original.iter().enumerate() {
            let mut files = original.clone();
            let mid = bytes.len() / 2;
            files[i].1[mid] = if bytes[mid] == b'0' { b'1' } else { b'0' };
            let report = verify(&rezip(&files), Some(&k.pack_public_key()));
            assert!(!report.ok, "{name}");
            if name == MANIFEST {
                assert!(!report.problems.is_empty(), "{name}");
            } else {
                assert!(report.problems.contains(&format!("hash_mismatch:{name}")), "{name}: {:?}", report.problems);
            }
        }
        // A missing file, an extra file.
        let without: Vec<_> = original.iter().filter(|(n, _)| n != "findings.csv").cloned().collect();
        assert_eq!(verify(&rezip(&without), None).problems, vec!["missing_file:findings.csv"]);
        let mut extra = original.clone();
        extra.insert(3, ("notes/extra.txt".to_string(), b"hello".to_vec()));
        let report = verify(&rezip(&extra), None);
        assert!(!report.ok);
        assert_eq!(report.problems, vec!["unlisted_file:notes/extra.txt"]);
    }

    #[test]
    fn a_rewritten_manifest_fails_the_signature() {
        let k = keys(1);
        let pack = build_signed(&fixture(), &k);
        let mut files = entries(&pack.bytes);
        // Change findings.csv and update its hash in the manifest: the signature no longer matches.
        let at = files.iter().position(|(n, _)| n == "findings.csv").expect("csv");
        files[at].1.extend_from_slice(b"99,critical,new,,,injected,,,,,false\r\n");
        let (new_hash, new_size) = (sha256_hex(&files[at].1), files[at].1.len() as u64);
        let last = files.len() - 1;
        let mut manifest: Manifest = serde_json::from_slice(&files[last].1).expect("manifest");
        for f in &mut manifest.files {
            if f.path == "findings.csv" {
                f.sha256 = new_hash.clone();
                f.size = new_size;
            }
        }
        files[last].1 = serde_json::to_vec(&manifest).expect("json");
        assert_eq!(verify(&rezip(&files), None).problems, vec!["bad_signature"]);
        // Re-signing with another key and embedding that key passes on its own, but not against the trusted key.
        let other = keys(2);
        manifest.signature.public_key = other.pack_public_key();
        manifest.signature_value = other.pack_sign(&signed_message(manifest.pack_id, &manifest.files));
        files[last].1 = serde_json::to_vec(&manifest).expect("json");
        assert!(verify(&rezip(&files), None).ok);
        assert_eq!(verify(&rezip(&files), Some(&k.pack_public_key())).problems, vec!["untrusted_key"]);
    }

    #[test]
    fn a_pack_signed_by_another_key_is_untrusted() {
        let pack = build_signed(&fixture(), &keys(1));
        let report = verify(&pack.bytes, Some(&keys(2).pack_public_key()));
        assert!(!report.ok);
        assert_eq!(report.problems, vec!["untrusted_key"]);
        assert_eq!(verify(&pack.bytes, Some("not base64!")).problems, vec!["untrusted_key"]);
        // Claiming a key that did not sign.
        let k = keys(1);
        let forged = build(&fixture(), PSEUDONYM_KEY, k.key_id(), &k.pack_public_key(), |m| keys(2).pack_sign(m))
            .expect("build");
        assert_eq!(verify(&forged.bytes, Some(&k.pack_public_key())).problems, vec!["bad_signature"]);
        let unsigned = build(&fixture(), PSEUDONYM_KEY, "k", "", |_| String::new()).expect("build");
        assert_eq!(verify(&unsigned.bytes, None).problems, vec!["bad_signature"]);
    }

    /// A small deterministic generator for fuzzing (xorshift).
    fn noise(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed.max(1);
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn garbage_and_damaged_zips_fail_without_panicking() {
        for bytes in [Vec::new(), b"PK".to_vec(), b"PK\x05\x06".to_vec(), noise(1, 10), noise(2, 5000)] {
            let report = verify(&bytes, None);
            assert!(!report.ok);
            assert_eq!(report.problems, vec!["not_a_pack"]);
        }
        let k = keys(1);
        let pack = build_signed(&fixture(), &k);
        for cut in (0..pack.bytes.len()).step_by(37) {
            assert!(!verify(&pack.bytes[..cut], Some(&k.pack_public_key())).ok, "cut at {cut}");
        }
        for seed in 1..300u64 {
            let mut damaged = pack.bytes.clone();
            for (j, r) in noise(seed, 3).into_iter().enumerate() {
                let at = (seed as usize * 7919 + j * 104_729 + usize::from(r)) % damaged.len();
                damaged[at] ^= r | 1;
            }
            let _ = verify(&damaged, Some(&k.pack_public_key()));
        }
        // A ZIP that is not a pack.
        let plain = rezip(&[("hello.txt".to_string(), b"hi".to_vec())]);
        assert_eq!(verify(&plain, None).problems, vec!["manifest_missing"]);
        let other = rezip(&[(MANIFEST.to_string(), br#"{"format":"something.else"}"#.to_vec())]);
        assert_eq!(verify(&other, None).problems, vec!["not_a_pack"]);
        let broken = rezip(&[(MANIFEST.to_string(), br#"{"format":"tenantpilot.review_pack.v1"}"#.to_vec())]);
        assert_eq!(verify(&broken, None).problems, vec!["manifest_invalid"]);
    }

    fn all_text(files: &[(String, Vec<u8>)]) -> String {
        files.iter().map(|(n, b)| format!("== {n}\n{}\n", String::from_utf8_lossy(b))).collect()
    }

    #[test]
    fn a_default_pack_holds_no_personal_data_and_no_secret() {
        let pack = build_signed(&fixture(), &keys(1));
        let files = entries(&pack.bytes);
        for (name, bytes) in &files {
            let text = String::from_utf8_lossy(bytes).to_lowercase();
            for needle in PII.iter().chain(SECRETS) {
                assert!(!text.contains(&needle.to_lowercase()), "{needle:?} found in {name}");
            }
        }
        // Free text kept its other words; pseudonyms replaced the values.
        let all = all_text(&files);
        let p = Pseudonymizer::new(PSEUDONYM_KEY);
        let adele_mail = p.tag(Kind::Person, "adele.vance@contoso.example");
        let adele = p.tag(Kind::Person, "Adele Vance");
        assert!(file(&files, "findings.csv").contains(&format!(",{adele},{adele_mail},")));
        assert!(all.contains(&format!("Drift reviewed with {adele_mail} from {}.", p.tag(Kind::Ip, "203.0.113.7"))));
        assert!(all.contains(&format!("Assigned to {} after the call", p.tag(Kind::Person, "megan bowen"))));
        assert!(all.contains(&p.tag(Kind::Device, "contoso-lt-042")));
        assert!(all.contains(&format!("Sign-in from {} by", p.tag(Kind::Ip, "2001:DB8:0::7"))));
        assert!(all.contains("at 14:05:00"), "times are not addresses");
        assert!(all.contains("8f2c1a8e-3b1d-4c6e-9a7f-2d4b6c8e0f11"), "the Entra tenant id is not personal data");
        assert!(all.contains("\"passwordMinimumLength\": 12"));
        assert!(all.contains("\"clientSecret\": \"[REDACTED]\""));
        // The nested person object is pseudonymized whole, its structure kept.
        let section: Value = serde_json::from_str(file(&files, "sections/30-accepted_risks.json")).expect("json");
        let who = &section["payload"]["items"][0]["requested_by"];
        assert_eq!(who["displayName"], p.tag(Kind::Person, "Lidia Holloway"));
        assert_eq!(who["id"], 17);
        assert!(section["payload"]["summary"].as_str().expect("text").ends_with("asked; Lidia's manager agreed"));
        // Metadata states it.
        let meta: Value = serde_json::from_str(file(&files, "metadata.json")).expect("json");
        assert_eq!(meta["redaction"]["pii"], "pseudonymized");
        assert_eq!(meta["redaction"]["secrets"], "redacted");
        assert_eq!(meta["redaction"]["secrets_redacted"], 3);
        assert_eq!(meta["redaction"]["pseudonyms"], pack.redaction.pseudonyms);
        assert!(pack.redaction.pseudonyms >= 12, "{}", pack.redaction.pseudonyms);
        assert_eq!(pack.redaction.pii, "pseudonymized");
    }

    #[test]
    fn pseudonyms_are_stable_per_workspace_key() {
        let a = entries(&build_signed(&fixture(), &keys(1)).bytes);
        let mut next = fixture();
        next.pack_id = 43;
        next.findings.retain(|f| f.id == 1);
        let b = entries(&build_signed(&next, &keys(2)).bytes);
        let p = Pseudonymizer::new(PSEUDONYM_KEY);
        let adele = p.tag(Kind::Person, "ADELE.VANCE@contoso.example");
        assert!(adele.starts_with("person-") && adele.len() == "person-".len() + 8);
        assert!(file(&a, "findings.csv").contains(&adele));
        assert!(file(&b, "findings.csv").contains(&adele));
        let other = build(&fixture(), b"another workspace", "k", "", |_| String::new()).expect("build");
        assert!(!file(&entries(&other.bytes), "findings.csv").contains(&adele));
    }

    #[test]
    fn with_pii_people_stay_but_secrets_do_not() {
        let mut input = fixture();
        input.include_pii = true;
        let pack = build_signed(&input, &keys(1));
        let files = entries(&pack.bytes);
        let all = all_text(&files);
        assert!(all.contains("adele.vance@contoso.example"));
        assert!(all.contains("Megan Bowen"));
        assert!(all.contains("203.0.113.7"));
        for secret in SECRETS {
            assert!(!all.contains(secret), "{secret}");
        }
        let meta: Value = serde_json::from_str(file(&files, "metadata.json")).expect("json");
        assert_eq!(
            meta["redaction"],
            json!({"pii": "included", "secrets": "redacted", "pseudonyms": 0, "secrets_redacted": 3})
        );
        assert!(file(&files, "executive-summary.md").contains("includes personal data"));
    }

    #[test]
    fn csv_is_rfc4180_and_defuses_formulas() {
        let files = entries(&build_signed(&fixture(), &keys(1)).bytes);
        let findings = file(&files, "findings.csv");
        assert!(findings.starts_with(
            "id,severity,status,drift_kind,policy_type,subject,owner,assignee,first_seen_at,due_at,overdue\r\n"
        ));
        assert_eq!(findings.matches("\r\n").count(), 6);
        assert!(findings.contains("\r\n2,high,triaged,different,deviceCompliancePolicy,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\","));
        let risks = file(&files, "accepted-risks.csv");
        assert!(risks.contains("\"Line one\nline two, \"\"quoted\"\"\""));
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("+x,y"), "\"'+x,y\"");
        assert_eq!(csv_cell("plain"), "plain");
    }

    #[test]
    fn the_executive_summary_is_localized_escaped_and_discloses() {
        let files = entries(&build_signed(&fixture(), &keys(1)).bytes);
        let md = file(&files, "executive-summary.md");
        let html = file(&files, "executive-summary.html");
        assert!(md.starts_with("# Tenant review: Contoso Retail \\<Stores \\& Co\\>\n"), "{md}");
        assert!(md.contains("This review is not a certification or attestation of compliance."));
        assert!(md.contains("Valid: 1, expiring: 1, expired: 1 (of 3)."));
        assert!(md.contains("Open findings: 4, of which overdue: 1."));
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("<title>Tenant review: Contoso Retail &lt;Stores &amp; Co&gt;</title>"));
        assert!(!html.contains("<Stores"));
        assert!(html.contains("This review is not a certification or attestation of compliance."));
        // The most urgent open finding comes first; resolved ones are not listed.
        let critical = md.find("Compliance policy").expect("critical finding listed");
        let high = md.find("HYPERLINK").expect("high finding listed");
        assert!(critical < high);
        assert!(!md.contains("Old drift, fixed"));

        let mut input = fixture();
        input.language = "de".into();
        let files = entries(&build_signed(&input, &keys(1)).bytes);
        let md = file(&files, "executive-summary.md");
        let html = file(&files, "executive-summary.html");
        assert!(html.contains("<html lang=\"de\">"));
        assert!(md.contains("keine Zertifizierung"), "{md}");
        assert!(md.contains("Offene Befunde: 4, davon überfällig: 1."));
        assert!(md.contains("- **Veröffentlicht:** 31.01.2025 16:00 UTC\n"), "{md}");
        // Only the summary is localized.
        let meta: Value = serde_json::from_str(file(&files, "metadata.json")).expect("json");
        assert_eq!(meta["language"], "de");
        assert_eq!(meta["delivery_bundle"]["contract"], CONTRACT);
        assert_eq!(meta["delivery_bundle"]["entrypoint"], json!({"file": ENTRYPOINT, "role": "executive_summary"}));
        assert_eq!(meta["delivery_bundle"]["released_review"]["completeness_state"], "complete");
        assert_eq!(meta["delivery_bundle"]["evidence_basis"]["snapshot_id"], 5);
        assert!(file(&files, "findings.csv").contains(",critical,new,"));
    }

    #[test]
    fn summary_counts_findings_risks_and_dimensions() {
        let files = entries(&build_signed(&fixture(), &keys(1)).bytes);
        let summary: Value = serde_json::from_str(file(&files, "summary.json")).expect("json");
        assert_eq!(summary["findings"]["total"], 5);
        assert_eq!(summary["findings"]["open"], 4);
        assert_eq!(summary["findings"]["open_overdue"], 1);
        assert_eq!(summary["findings"]["open_by_severity"], json!({"critical": 1, "high": 2, "medium": 1, "low": 0}));
        assert_eq!(summary["findings"]["by_status"]["resolved"], 1);
        assert_eq!(summary["accepted_risks"]["by_validity"], json!({"valid": 1, "expiring": 1, "expired": 1}));
        assert_eq!(summary["dimensions"]["by_state"], json!({"complete": 1, "partial": 0, "missing": 1, "stale": 1}));
        let index: Value = serde_json::from_str(file(&files, "sections.json")).expect("json");
        assert_eq!(
            index[0],
            json!({"key": "executive_summary", "order": 10, "file": "sections/10-executive_summary.json"})
        );
    }

    #[test]
    fn scanners_find_addresses_and_leave_look_alikes() {
        let spans = |s: &str, f: fn(&str) -> Vec<(usize, usize)>| -> Vec<String> {
            f(s).into_iter().map(|(a, b)| s[a..b].to_string()).collect()
        };
        assert_eq!(
            spans("mail a.b@x.example, <c+d@sub.x.co>. Or e@f.", email_spans),
            vec!["a.b@x.example", "c+d@sub.x.co"]
        );
        assert_eq!(
            spans("guest g_x.example#EXT#@t.onmicrosoft.com!", email_spans),
            vec!["g_x.example#EXT#@t.onmicrosoft.com"]
        );
        assert!(spans("@home, a@b, x@y.1, @@", email_spans).is_empty());
        assert_eq!(spans("from 10.0.0.1:443 and 192.168.1.20.", ipv4_spans), vec!["10.0.0.1", "192.168.1.20"]);
        assert!(spans("v1.2.3.4 1.2.3 300.1.1.1 31.01.2025 01.02.03.04", ipv4_spans).is_empty());
        assert_eq!(spans("at fe80::1: down; ::ffff:10.1.2.3 up", ipv6_spans), vec!["fe80::1", "::ffff:10.1.2.3"]);
        assert!(spans("14:05:00 2025-01-31T14:05:00Z std::net a:b:c 8f2c1a8e-3b1d-4c6e", ipv6_spans).is_empty());
        let mut p = Pseudonymizer::new(b"k");
        p.learn(Kind::Person, "Ann");
        p.learn(Kind::Person, "Adele Vance");
        assert_eq!(p.known.len(), 1, "short values are not searched in text");
        let out = p.text("Announcement: ADELE VANCE agreed, Adele Vanceford did not.");
        assert_eq!(
            out,
            format!("Announcement: {} agreed, Adele Vanceford did not.", p.tag(Kind::Person, "adele vance"))
        );
    }

    #[test]
    fn markdown_escapes_markup() {
        assert_eq!(md("a*b_c [x](y) <b> | #1"), "a\\*b\\_c \\[x\\](y) \\<b\\> \\| #1");
        assert_eq!(md("- 31.01."), "- 31.01.");
        assert_eq!(md_line("- item"), "\\- item");
        assert_eq!(md_line("# not a heading"), "\\# not a heading");
        assert_eq!(md_line("2025. year"), "2025\\. year");
        assert_eq!(md("line\nbreak"), "line break");
        assert_eq!(esc("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}

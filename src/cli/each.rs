//! `iamtrail generate --each-principal --output-dir DIR`: one policy per principal, in
//! one pass over the input.
//!
//! Every file holds exactly what `generate --principal P` prints for its principal P
//! (same usage set, same name and description, same format); `DIR/index.json` maps each
//! principal to its file, with record counts and time range.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use super::render::{config, ingest};
use super::report::{self, summary_lines};
use super::{GenerateArgs, exit};
use iamtrail::decode::format_time;
use iamtrail::diagnose::{Nothing, nothing_selected};
use iamtrail::generate::build;
use iamtrail::ingest::{Config, EachPrincipal, PrincipalUsage};
use iamtrail::policy::emit::{Format, policy_name, render};
use iamtrail::policy::synth::Options;

/// The index file written beside the policies.
pub const INDEX: &str = "index.json";

/// Longest file stem written (before a disambiguating hash and the extension): well
/// under the 255 bytes most file systems allow and the 260-character paths old Windows
/// tools handle.
const STEM_MAX: usize = 96;

/// One principal in `index.json`.
#[derive(Debug, Serialize)]
struct Entry {
    /// Policy file, relative to the directory (absent when it could not be built).
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    kind: String,
    /// Records selected (after deduplication).
    records: u64,
    /// Of those, records that needed a permission.
    used: u64,
    /// Distinct actions in the policy's usage.
    actions: usize,
    first: Option<String>,
    last: Option<String>,
    /// Why no policy was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Why no file was needed: no record of this principal needed a permission (as
    /// `generate --principal` says, writing nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// The note for a principal whose records needed no permission.
const NOTHING_NEEDED: &str = "no record needed a permission: no policy to write";

/// Runs `generate --each-principal` (clap has checked `--output-dir` is given and the
/// flags that name one policy are not).
pub fn run(a: &GenerateArgs) -> Result<u8> {
    let dir = a
        .output_dir
        .as_deref()
        .context("--each-principal needs --output-dir")?;
    let cfg = Config {
        counted: a.read.failed_calls.0.clone(),
        skim: !a.read.parse_all,
        each: Some(EachPrincipal {
            include_service_roles: a.include_service_roles,
        }),
        ..config(&a.input)?
    };
    // An Athena result stands in for the inputs here too (each row keeps its caller).
    let got = match super::athena::ingested(&a.athena, &a.input, &cfg)? {
        Some(got) => got,
        None => ingest(&a.input, &cfg)?,
    };
    let quiet = a.input.quiet;
    let s = &got.summary;
    if let Some(n) = nothing_selected(&cfg.selection, s) {
        report::print(&summary_lines(s), quiet);
        let (code, why) = match n {
            Nothing::NoRecords { .. } => (exit::FAILED, "the input holds no CloudTrail record"),
            _ => (exit::USAGE, "the selection matches no record"),
        };
        report::print_error(&n.to_string());
        report::print_exit(code, &format!("{why}; no policy written"));
        return Ok(code);
    }
    let principals = got.each.into_sorted();
    if principals.is_empty() {
        report::print(&summary_lines(s), quiet);
        report::print_error(
            "no selected record was made by a principal that gets a policy of its own (users, roles, root; service-linked roles with --include-service-roles)",
        );
        report::print_exit(exit::USAGE, "no policy written");
        return Ok(exit::USAGE);
    }
    let format: Format = a.format.into();
    let arns: Vec<&str> = principals.keys().map(String::as_str).collect();
    let names = file_names(&arns, format.extension());
    let opts = a.shape.options();
    // Synthesis is per principal: in parallel, in the principals' order.
    let texts: Vec<Result<Option<String>, String>> = principals
        .par_iter()
        .map(|(arn, p)| policy_text(arn, p, opts, a, format))
        .collect();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut index = BTreeMap::new();
    let mut failed = 0;
    for ((arn, p), (name, text)) in principals.iter().zip(names.iter().zip(texts)) {
        let (file, error, note) = match text {
            Ok(Some(text)) => {
                let path = dir.join(name);
                std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                (Some(name.clone()), None, None)
            }
            Ok(None) => (None, None, Some(NOTHING_NEEDED.to_owned())),
            Err(e) => {
                failed += 1;
                report::print_error(&format!("{arn}: {e}"));
                (None, Some(e), None)
            }
        };
        index.insert(
            arn.as_str(),
            Entry {
                file,
                kind: format!("{:?}", p.kind).to_lowercase(),
                records: p.records,
                used: p.used,
                actions: actions(p),
                first: p.first.map(format_time),
                last: p.last.map(format_time),
                error,
                note,
            },
        );
    }
    let json = serde_json::json!({ "format": format.extension(), "principals": index });
    let index_path = dir.join(INDEX);
    std::fs::write(&index_path, serde_json::to_string_pretty(&json)? + "\n")
        .with_context(|| format!("cannot write {}", index_path.display()))?;
    if !quiet {
        eprint!("{}", table(&index));
        eprintln!(
            "iamtrail: wrote {} policies and {} into {}",
            index.values().filter(|e| e.file.is_some()).count(),
            INDEX,
            dir.display()
        );
    }
    warn_stale(dir, &names, format.extension())?;
    report::print(&summary_lines(s), quiet);
    if failed > 0 {
        report::print_exit(
            exit::FAILED,
            &format!("no policy for {failed} principal(s) (see above)"),
        );
        return Ok(exit::FAILED);
    }
    let (code, why) = report::exit_reason(s, a.input.allow_partial);
    report::print_exit(code, &why);
    Ok(code)
}

/// What `generate --principal ARN` prints for this principal's usage; `None` when there
/// is no statement to write (`generate` then writes nothing and says why).
fn policy_text(
    arn: &str,
    p: &PrincipalUsage,
    opts: Options,
    a: &GenerateArgs,
    format: Format,
) -> Result<Option<String>, String> {
    let generated = build(&p.usage, opts, a.shape.size_limit).map_err(|e| {
        format!(
            "{e}: cannot fit the policy into the size limit (try --size-limit with a larger quota)"
        )
    })?;
    if generated.synthesis.statements.is_empty() {
        return Ok(None);
    }
    let description = format!("Generated by iamtrail from CloudTrail records of {arn}");
    render(
        &generated.documents,
        format,
        &policy_name(Some(arn)),
        &description,
    )
    .map(Some)
    .map_err(|e| e.to_string())
}

fn actions(p: &PrincipalUsage) -> usize {
    let distinct: std::collections::HashSet<_> = p.usage.iter().map(|(k, _)| k.action).collect();
    distinct.len()
}

/// The report table: principal, records, actions, file.
fn table(index: &BTreeMap<&str, Entry>) -> String {
    let w = index.keys().map(|k| k.len()).max().unwrap_or(0).max(9);
    let mut t = format!(
        "{:<w$}  {:>8}  {:>7}  file\n",
        "principal", "records", "actions"
    );
    for (arn, e) in index {
        t += &format!(
            "{arn:<w$}  {:>8}  {:>7}  {}\n",
            e.records,
            e.actions,
            e.file.as_deref().unwrap_or(if e.note.is_some() {
                "(none: no record needed a permission)"
            } else {
                "(not written)"
            })
        );
    }
    t
}

/// Points out policy files of this format an earlier run left in `dir` (they would be
/// deployed with the directory).
fn warn_stale(dir: &Path, names: &[String], ext: &str) -> Result<()> {
    let suffix = format!(".{ext}");
    let mut stale: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(&suffix) && n != INDEX && !names.contains(n))
        .collect();
    stale.sort();
    for n in stale {
        eprintln!(
            "iamtrail: warning: {} is not one of this run's policies (left by an earlier run?)",
            dir.join(n).display()
        );
    }
    Ok(())
}

/// Names DOS kept for devices, which Windows refuses as file names whatever the extension
/// ("Naming Files, Paths, and Namespaces", Win32 documentation).
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A file name for each principal ARN (in order), safe on every common file system:
/// `ACCOUNT-RESOURCE.EXT` with `/` written `-` (`111122223333-role-ci.json`), only
/// letters, digits and `._+=@-` (anything else `_`), no trailing dot, not a reserved
/// device name, at most [`STEM_MAX`] characters before the extension. When that loses
/// something (a character replaced, the stem cut, two principals equal but for case, as
/// on case-insensitive file systems) the stem ends with a hash of the whole ARN, so
/// names never collide, even where case does not count.
pub fn file_names(arns: &[&str], ext: &str) -> Vec<String> {
    let plain: Vec<(String, bool)> = arns.iter().map(|a| stem(a)).collect();
    let mut folded: HashMap<String, usize> = HashMap::new();
    for (s, _) in &plain {
        *folded.entry(s.to_lowercase()).or_default() += 1;
    }
    let mut names: Vec<String> = arns
        .iter()
        .zip(&plain)
        .map(|(arn, (s, lossy))| {
            if *lossy || folded[&s.to_lowercase()] > 1 {
                format!("{s}-{:08x}.{ext}", fnv(arn) as u32)
            } else {
                format!("{s}.{ext}")
            }
        })
        .collect();
    // A 32-bit hash can still meet another: number the later ones (the order is the
    // sorted ARNs', so the result is deterministic).
    let mut taken: HashMap<String, ()> = HashMap::new();
    for n in &mut names {
        let base = n.clone();
        let mut i = 2;
        while taken.contains_key(&n.to_lowercase()) {
            *n = base.replacen(&format!(".{ext}"), &format!("-{i}.{ext}"), 1);
            i += 1;
        }
        taken.insert(n.to_lowercase(), ());
    }
    names
}

/// The readable stem of an ARN, and whether it lost anything.
fn stem(arn: &str) -> (String, bool) {
    // arn:partition:service:region:account:resource
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let (account, resource) = match parts.as_slice() {
        [_, _, _, _, account, resource] if !account.is_empty() => (*account, *resource),
        _ => ("", arn),
    };
    let raw = if account.is_empty() {
        resource.replace('/', "-")
    } else {
        format!("{account}-{}", resource.replace('/', "-"))
    };
    let mut lossy = account.is_empty() || parts.get(1).is_some_and(|p| *p != "aws");
    let mut s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._+=@-".contains(c) {
                c
            } else {
                lossy = true;
                '_'
            }
        })
        .collect();
    if s.len() > STEM_MAX {
        s.truncate(STEM_MAX);
        lossy = true;
    }
    while s.ends_with('.') {
        s.pop();
        lossy = true;
    }
    let device = s.split('.').next().unwrap_or_default().to_ascii_uppercase();
    if s.is_empty() || RESERVED.contains(&device.as_str()) || device == "INDEX" {
        s.insert(0, '_');
        lossy = true;
    }
    (s, lossy)
}

/// FNV-1a (64 bits): a fixed hash, the same in every run and on every machine.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_readable_safe_and_distinct() {
        let arns = [
            "arn:aws:iam::111122223333:role/ci",
            "arn:aws:iam::111122223333:role/service-role/ci",
            "arn:aws:iam::111122223333:role/CI",
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:user/deploy@example.com",
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123",
            "arn:aws:sts::111122223333:assumed-role/ci/a:b\\c",
            "arn:aws-cn:iam::111122223333:role/ci",
        ];
        let long = format!(
            "arn:aws:iam::111122223333:role/{}",
            "x".repeat(64) + &"/y".repeat(40)
        );
        let mut all: Vec<&str> = arns.to_vec();
        all.push(&long);
        let names = file_names(&all, "json");
        // `role/ci` and `role/CI` would meet on a file system that ignores case.
        assert!(
            names[0].starts_with("111122223333-role-ci-"),
            "{}",
            names[0]
        );
        assert_eq!(file_names(&all[..1], "json"), ["111122223333-role-ci.json"]);
        assert_eq!(names[3], "111122223333-root.json");
        assert_eq!(names[4], "111122223333-user-deploy@example.com.json");
        // Equal but for case: both carry a hash.
        assert!(
            names[2].starts_with("111122223333-role-CI-")
                && names[2].len() == "111122223333-role-CI-".len() + 8 + 5
        );
        // `:` and `\` replaced, so hashed.
        assert!(names[6].starts_with("111122223333-assumed-role-ci-a_b_c-"));
        // Another partition: hashed so it never meets the aws one.
        assert_ne!(names[7], names[0]);
        for n in &names {
            assert!(n.len() <= STEM_MAX + 1 + 8 + 5, "{n}");
            assert!(
                !n.contains([':', '/', '\\', '<', '>', '"', '|', '?', '*']),
                "{n}"
            );
            assert!(!n.trim_end_matches(".json").ends_with('.'), "{n}");
        }
        let mut folded: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        folded.sort();
        folded.dedup();
        assert_eq!(folded.len(), names.len());
        // Deterministic, and one principal's name does not depend on the others.
        assert_eq!(file_names(&all, "json"), names);
        assert_eq!(file_names(&[arns[6]], "json")[0], names[6]);
    }

    #[test]
    fn reserved_names_are_avoided() {
        assert_eq!(stem("CON").0, "_CON");
        assert_eq!(stem("nul.txt").0, "_nul.txt");
        assert_eq!(stem("index").0, "_index");
        assert_eq!(
            stem("arn:aws:iam::111122223333:root"),
            ("111122223333-root".into(), false)
        );
    }
}

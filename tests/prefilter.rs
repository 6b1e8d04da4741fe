//! The single-principal prefilter (`decode::Prefilter`): records that never name the
//! selected principal are counted, not decoded. A run with it must write exactly what a
//! run without it (`IAMTRAIL_NO_PREFILTER`) writes, for every principal of `sample-trails/`
//! and of the synthetic corpus, and its report must account for every record.

mod common;
#[path = "../sample-trails/corpus.rs"]
mod corpus;

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str], prefilter: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamtrail"));
    cmd.args(args).current_dir(common::root());
    if prefilter {
        cmd.env_remove("IAMTRAIL_NO_PREFILTER");
    } else {
        cmd.env("IAMTRAIL_NO_PREFILTER", "1");
    }
    cmd.env("NO_COLOR", "1");
    cmd.output().expect("run iamtrail")
}

fn principals(dir: &str) -> Vec<String> {
    let o = run(&["principals", "--json", "--quiet", dir], true);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("principals JSON");
    let names: Vec<String> = v["principals"]
        .as_object()
        .expect("a map")
        .keys()
        .filter(|k| k.starts_with("arn:"))
        .cloned()
        .collect();
    assert!(names.len() > 3, "{names:?}");
    names
}

/// The report without the two lines the prefilter may change: the breakdown of filtered
/// records (skipped objects' records get a line of their own) and the time range (of the
/// records read, which the line then says). Totals (`read`, `filtered`, …) stay.
fn totals(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| !l.contains("  filtered: ") && !l.contains("iamtrail: time: "))
        .map(str::to_owned)
        .collect()
}

/// Runs `generate --principal P` both ways for every principal; returns how many runs
/// skipped at least one object (the prefilter did something).
fn same_both_ways(dir: &str) -> usize {
    let mut skipped = 0;
    for p in principals(dir) {
        let args = ["generate", "--principal", p.as_str(), dir];
        let (with, without) = (run(&args, true), run(&args, false));
        assert_eq!(with.status.code(), without.status.code(), "{p}");
        assert!(
            with.stdout == without.stdout,
            "{p}: the policy differs with the prefilter"
        );
        let (e1, e2) = (common::stderr(&with), common::stderr(&without));
        assert_eq!(totals(&e1), totals(&e2), "{p}: report totals differ");
        assert!(!e2.contains(iamtrail::ingest::PREFILTERED));
        if e1.contains(iamtrail::ingest::PREFILTERED) {
            skipped += 1;
            // The time line says it covers only the records read.
            assert!(
                e1.contains("of the records read; records that never name"),
                "{e1}"
            );
        } else {
            assert_eq!(e1, e2, "{p}: nothing skipped, the same report");
        }
    }
    skipped
}

#[test]
fn sample_trails_same_output_for_every_principal() {
    same_both_ways("sample-trails/");
}

#[test]
fn synthetic_corpus_same_output_for_every_principal() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let c = corpus::generate(
        tmp.path(),
        &corpus::Options {
            size: 3_000_000,
            seed: 11,
            small_objects: false,
        },
    )
    .expect("corpus");
    let dir = c.logs().to_string_lossy().into_owned();
    let skipped = same_both_ways(&dir);
    assert!(skipped > 0, "the prefilter skipped no object of the corpus");
}

/// `sample-trails/` rewritten by `edit` (every file, gzipped again) into a temp dir.
fn rewritten(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let mut n = 0;
    for f in files(&common::root().join("sample-trails/AWSLogs")) {
        let raw = std::fs::read(&f).unwrap();
        let text = if raw.starts_with(&[0x1f, 0x8b]) {
            let mut s = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&raw[..]), &mut s)
                .unwrap();
            s
        } else {
            raw
        };
        let text = edit(String::from_utf8(text).unwrap());
        std::fs::write(
            tmp.path().join(format!("{n}.json.gz")),
            common::gz(text.as_bytes()),
        )
        .unwrap();
        n += 1;
    }
    assert!(n > 0);
    tmp
}

/// Every `/` of `sample-trails/` written `\/` (as some JSON writers do): the role's ARN
/// appears only escaped. Needles hold no `/`, so the prefilter still applies, and the
/// records it must keep are still found (the skimmer reads escaped fields by parsing).
/// Letters written as `\u` escapes could spell the name: such objects are read in full.
#[test]
fn escapes_do_not_hide_the_principal() {
    let role = "arn:aws:iam::111122223333:role/ci";
    let plain = run(&["generate", "--principal", role, "sample-trails/"], true);
    assert!(common::stdout(&plain).contains("\"Statement\""));
    // (Objects where the name is spelled with `\u` are read in full; the others, which
    // lack the name, are still skipped: the policy must be the plain trail's either way.)
    for edit in [
        &(|t: String| t.replace('/', "\\/")) as &dyn Fn(String) -> String,
        &|t: String| t.replace("role/ci\"", "role/\\u0063i\""),
    ] {
        let tmp = rewritten(edit);
        let dir = tmp.path().to_string_lossy().into_owned();
        let args = ["generate", "--principal", role, dir.as_str()];
        let (with, without) = (run(&args, true), run(&args, false));
        assert!(with.status.success(), "{}", common::stderr(&with));
        assert_eq!(common::stdout(&with), common::stdout(&without));
        assert_eq!(common::stdout(&with), common::stdout(&plain));
        assert_eq!(
            totals(&common::stderr(&with)),
            totals(&common::stderr(&without))
        );
        assert!(
            common::stderr(&with).contains(iamtrail::ingest::PREFILTERED),
            "{}",
            common::stderr(&with)
        );
    }
}

/// StackSets make the same role in every account of an organization: a role's name
/// counts only in an ARN of its account, so the records of `ci` in another account are
/// counted, not read, exactly like records that never name it (and the policy is the
/// one account's).
#[test]
fn a_same_named_role_in_another_account_is_not_read() {
    let role = "arn:aws:iam::111122223333:role/ci";
    let other = rewritten(|t: String| t.replace("111122223333", "999988887777"));
    let renamed = rewritten(|t: String| {
        t.replace("111122223333", "999988887777")
            .replace("ci\"", "cx\"")
    });
    let plain = run(&["generate", "--principal", role, "sample-trails/"], true);
    assert!(common::stdout(&plain).contains("\"Statement\""));
    let both = |copy: &tempfile::TempDir| {
        let dir = copy.path().to_string_lossy().into_owned();
        run(
            &[
                "generate",
                "--principal",
                role,
                "sample-trails/",
                dir.as_str(),
            ],
            true,
        )
    };
    let (same_name, no_name) = (both(&other), both(&renamed));
    assert!(same_name.status.success(), "{}", common::stderr(&same_name));
    assert_eq!(common::stdout(&same_name), common::stdout(&plain));
    assert_eq!(common::stdout(&no_name), common::stdout(&plain));
    // The whole report, filtered records by reason included: not one more record read.
    let report = |o: &Output, copy: &tempfile::TempDir| {
        common::stderr(o).replace(copy.path().to_str().expect("UTF-8"), "COPY")
    };
    assert_eq!(report(&same_name, &other), report(&no_name, &renamed));
    // And without the prefilter, the same policy.
    let dir = other.path().to_string_lossy().into_owned();
    let without = run(
        &[
            "generate",
            "--principal",
            role,
            "sample-trails/",
            dir.as_str(),
        ],
        false,
    );
    assert_eq!(common::stdout(&without), common::stdout(&plain));
}

/// A principal the input lacks (here: the wrong case) gets the same diagnosis both ways:
/// the did-you-mean needs every caller, so the run reads again without the prefilter.
#[test]
fn nothing_selected_is_diagnosed_as_without_it() {
    for p in [
        "arn:aws:iam::111122223333:role/CI",
        "arn:aws:iam::111122223333:role/nobody",
    ] {
        let args = ["generate", "--principal", p, "sample-trails/"];
        let (with, without) = (run(&args, true), run(&args, false));
        assert_eq!(with.status.code(), Some(2), "{}", common::stderr(&with));
        assert_eq!(common::stderr(&with), common::stderr(&without));
    }
    let with = run(
        &[
            "generate",
            "--principal",
            "arn:aws:iam::111122223333:role/CI",
            "sample-trails/",
        ],
        true,
    );
    assert!(
        common::stderr(&with)
            .contains("did you mean --principal arn:aws:iam::111122223333:role/ci")
    );
}

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

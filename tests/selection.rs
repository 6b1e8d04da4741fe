//! Never a wrong or empty policy without an error: a selection that matches nothing, a
//! malformed value and input without CloudTrail are errors with the exit codes the README
//! gives; the report says what happened (time range, named skips, grouped warnings, one
//! final line on the exit code), `-q` keeps errors; denials are tied to the principal.

mod common;
use common::*;

const CI: &str = "arn:aws:iam::111122223333:role/ci";
/// The deliberately damaged delivery that goes with the sample trails.
const DAMAGED: &str = "tests/fixtures/damaged-trails";

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let o = iamtrail(args, None);
    (o.status.code(), stdout(&o), stderr(&o))
}

/// The last line of stderr.
fn last(err: &str) -> &str {
    err.trim_end().lines().last().unwrap_or_default()
}

#[test]
fn a_principal_not_in_the_input_is_an_error_with_a_did_you_mean() {
    for (given, hint) in [
        (
            "arn:aws:iam::111122223333:role/CI",
            "did you mean --principal arn:aws:iam::111122223333:role/ci? IAM names are case-insensitive",
        ),
        (
            "arn:aws:iam::111122223333:role/ci/",
            "did you mean --principal arn:aws:iam::111122223333:role/ci (without the trailing",
        ),
        (
            "arn:aws:iam::111122223333:role/ci ",
            "did you mean --principal arn:aws:iam::111122223333:role/ci (without the trailing",
        ),
        (
            "arn:aws:sts::111122223333:assumed-role/ci/no-such-session",
            "its role did: --principal arn:aws:iam::111122223333:role/ci takes all",
        ),
        (
            "arn:aws:iam::111122223333:user/alcie",
            "the nearest principal in the input is arn:aws:iam::111122223333:user/alice",
        ),
    ] {
        let (code, out, err) = run(&["generate", "-p", given, "sample-trails"]);
        assert_eq!(code, Some(2), "{given:?}: {err}");
        assert!(out.is_empty(), "{given:?}: no policy: {out}");
        assert!(
            err.contains(&format!("--principal {given:?}: no record")),
            "{err}"
        );
        assert!(err.contains(hint), "{given:?}: {err}");
        assert_eq!(
            last(&err),
            "iamtrail: exit 2: the selection matches no record; no policy written"
        );
    }
    // One typo among several principals is an error too.
    let (code, _, err) = run(&[
        "generate",
        "-p",
        CI,
        "-p",
        "arn:aws:iam::111122223333:user/alcie",
        "sample-trails",
    ]);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn regions_accounts_and_windows_that_match_nothing_say_what_the_input_holds() {
    let (code, out, err) = run(&[
        "generate",
        "-p",
        CI,
        "--region",
        "eu-west-3",
        "sample-trails",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("--region eu-west-3: no record of the input has it; the records hold us-east-1 (287), us-west-2 (5)"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "generate",
        "-p",
        CI,
        "--start",
        "2027-01-01",
        "sample-trails",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("the time window from 2027-01-01T00:00:00Z leaves no record of the selection; the records read span 2026-11-20T09:02:15Z … 2026-11-22T09:44:12Z (UTC)"),
        "{err}"
    );
    // Malformed values are usage errors before anything is read.
    for (flag, value, says) in [
        ("--region", "us-east", "is not a region code"),
        ("--region", "US-EAST-1", "is not a region code"),
        (
            "--account",
            "11112222333",
            "is not an account id: expected 12 digits",
        ),
        ("--since", "7x", "expected a duration"),
        ("--start", "yesterday", "expected a date"),
    ] {
        let (code, out, err) = run(&["generate", "-p", CI, flag, value, "sample-trails"]);
        assert_eq!(code, Some(2), "{flag} {value}: {err}");
        assert!(out.is_empty());
        assert!(err.contains(says), "{err}");
        assert!(
            last(&err).starts_with("iamtrail: exit 2: usage error"),
            "{err}"
        );
    }
    // Region codes of every partition pass the shape check.
    for region in ["cn-north-1", "us-gov-west-1"] {
        let (code, _, err) = run(&["generate", "-p", CI, "--region", region, "sample-trails"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("no record of the input has it"), "{err}");
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["generate", "--bogus", "sample-trails"][..],
        &["generate", "-p", "not-an-arn", "sample-trails"],
        &[
            "generate",
            "-p",
            CI,
            "--start",
            "2026-11-22",
            "--end",
            "2026-11-21",
            "sample-trails",
        ],
        &["refine", "--policy", "-", "--from", "-"],
        &["loop", "--policy", "-", "--", "true"],
        &["generate", "-p", CI, "s3://"],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(
            last(&err).starts_with("iamtrail: exit 2: usage error"),
            "{err}"
        );
    }
    let (code, out, _) = run(&["generate", "--help"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("--principal"));
}

#[test]
fn input_without_cloudtrail_is_an_error() {
    let (code, out, err) = run(&["generate", "-p", CI, "README.md", "action-map/README.md"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("the input holds no CloudTrail record (2 objects: 2 not CloudTrail)"),
        "{err}"
    );
    assert!(err.contains("skipped: README.md: not CloudTrail"), "{err}");
    assert_eq!(
        last(&err),
        "iamtrail: exit 1: the input holds no CloudTrail record; no policy written"
    );
}

#[test]
fn the_report_puts_warnings_first_and_ends_with_the_exit_reason() {
    let (code, _, err) = run(&["generate", "-p", CI, "sample-trails"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(last(&err).starts_with("iamtrail: exit 0"), "{err}");
    // With the deliberately damaged delivery beside it.
    let (code, _, err) = run(&["generate", "-p", CI, "sample-trails", DAMAGED]);
    assert_eq!(code, Some(3), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    let at = |p: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(p))
            .unwrap_or_else(|| panic!("no line {p:?}: {err}"))
    };
    assert!(
        at("iamtrail: input problem:") < at("iamtrail: records:"),
        "{err}"
    );
    assert!(
        at("iamtrail: WARNING sensitive") < at("iamtrail: records:"),
        "{err}"
    );
    assert!(at("iamtrail: wide:") < at("iamtrail: policy:"), "{err}");
    // The time range of the records read: the prefilter counts the records that never
    // name the principal without reading their times, and the line says so.
    assert!(
        err.contains("iamtrail: time: 2026-11-20T09:06:27Z … 2026-11-22T09:38:18Z (UTC) of the records read; records that never name the selected principals were counted, not read"),
        "{err}"
    );
    // Every skipped file is named.
    for f in [
        "README.md",
        "corpus.rs",
        "gen_corpus.rs",
        "make_sample_trails.py",
    ] {
        assert!(
            err.contains(&format!("skipped: sample-trails/{f}: not CloudTrail")),
            "{err}"
        );
    }
    assert!(err.contains("CloudTrail-Digest") && err.contains(": CloudTrail digest file"));
    // One wide: line per reason, however many grants share it.
    let none = err
        .lines()
        .filter(|l| {
            l.contains("(the action supports no resource-level permission)")
                || l.ends_with(": the action supports no resource-level permission")
        })
        .count();
    assert_eq!(none, 1, "{err}");
    assert_eq!(
        last(&err),
        "iamtrail: exit 3: 1 object unreadable (see above); --allow-partial makes this 0"
    );
    let (code, _, err) = run(&[
        "generate",
        "-p",
        CI,
        "--allow-partial",
        "sample-trails",
        DAMAGED,
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(
        last(&err),
        "iamtrail: exit 0: 1 object unreadable (see above), allowed by --allow-partial"
    );
    // The full lists stay in --json.
    let v = generate_json(&root().join("sample-trails"), &[]);
    let wide = v["report"]["wide"].as_array().unwrap();
    assert!(wide.len() > 1, "{wide:?}");
    // Of the records read (see the time line above).
    assert_eq!(v["report"]["seen"]["first"], "2026-11-20T09:06:27Z");
    assert_eq!(v["report"]["skipped_objects"].as_array().unwrap().len(), 5);
}

#[test]
fn quiet_keeps_errors_and_the_exit_reason() {
    let (code, out, err) = run(&["generate", "-q", "-p", CI, "sample-trails", DAMAGED]);
    assert_eq!(code, Some(3));
    assert!(out.contains("\"Statement\""));
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("iamtrail: input problem: ")
            && lines[0].contains("gzip data is corrupt")
    );
    assert!(lines[1].starts_with("iamtrail: exit 3: "));
}

/// Runs the binary with colour forced (`CLICOLOR_FORCE`), as on a terminal.
fn iamtrail_env(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_iamtrail"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap()
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_iamtrail"));
    cmd.args(["generate", "-p", CI, "sample-trails", DAMAGED])
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1");
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(err.contains("\x1b[33mwide:"), "{err}");
    assert!(err.contains("\x1b[1;31mexit 3: "), "{err}");
    let o = iamtrail_env(&[
        "generate",
        "-p",
        "arn:aws:iam::111122223333:role/CI",
        "sample-trails",
    ]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("\x1b[1;31merror: --principal"),
        "errors are red too"
    );
    let o = cmd.env("NO_COLOR", "1").output().unwrap();
    assert!(!String::from_utf8_lossy(&o.stderr).contains('\x1b'));
    // Piped, as in every other test: no colour.
    let (_, _, err) = run(&["generate", "-p", CI, "sample-trails"]);
    assert!(!err.contains('\x1b'));
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const EMPTY: &str = r#"{"Version":"2012-10-17","Statement":[]}"#;

#[test]
fn refine_adds_only_the_principal_s_denials_in_its_account() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "p.json", EMPTY);
    let denials = write(
        dir.path(),
        "errors.txt",
        "An error occurred (AccessDenied) when calling the SendMessage operation: User: arn:aws:sts::111122223333:assumed-role/ci/build-7 is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:111122223333:jobs because no identity-based policy allows the sqs:SendMessage action\n\
         An error occurred (AccessDenied) when calling the SendMessage operation: User: arn:aws:sts::111122223333:assumed-role/deploy/x is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:111122223333:other because no identity-based policy allows the sqs:SendMessage action\n\
         An error occurred (AccessDenied) when calling the SendMessage operation: User: arn:aws:sts::111122223333:assumed-role/ci/build-7 is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:999999999999:theirs because no identity-based policy allows the sqs:SendMessage action\n",
    );
    let p = policy.to_str().unwrap();
    let d = denials.to_str().unwrap();
    let o = iamtrail(
        &[
            "refine",
            "--json",
            "--policy",
            p,
            "--from",
            d,
            "--principal",
            CI,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let added: Vec<&str> = v["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["resource"].as_str().unwrap())
        .collect();
    assert_eq!(added, ["arn:aws:sqs:us-east-1:111122223333:jobs"]);
    let status: Vec<&str> = v["remaining"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["other-principal", "other-account"], "{v:#}");
    let err = stderr(&o);
    assert!(
        err.contains(
            "another account: sqs:SendMessage on arn:aws:sqs:us-east-1:999999999999:theirs"
        ),
        "{err}"
    );
    assert!(err.contains("--allow-cross-account"), "{err}");
    // On purpose: the cross-account grant is added.
    let o = iamtrail(
        &[
            "refine",
            "--json",
            "--policy",
            p,
            "--from",
            d,
            "--principal",
            CI,
            "--allow-cross-account",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["added"].as_array().unwrap().len(), 2, "{v:#}");
    // A `generate --json` policy names its principal: that is the default.
    let generated = write(
        dir.path(),
        "gen.json",
        &format!(r#"{{"principal":"{CI}","policies":[{EMPTY}]}}"#),
    );
    let o = iamtrail(
        &[
            "refine",
            "--json",
            "--policy",
            generated.to_str().unwrap(),
            "--from",
            d,
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["added"].as_array().unwrap().len(), 1, "{v:#}");
}

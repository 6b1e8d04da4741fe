//! `iamtrail … | head -1`: a reader that closes standard output early ends the run with
//! exit 0 and no error or panic, as Unix tools do (the reader has what it wanted).

mod common;

use std::process::{Command, Stdio};

/// Runs iamtrail with a standard output whose read end is already closed, so its
/// first write fails with EPIPE every time (no race with the reader).
fn run_into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_iamtrail"))
        .args(args)
        .current_dir(common::root())
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run iamtrail");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const PRINCIPAL: &str = "arn:aws:iam::111122223333:role/ci";

#[test]
fn every_command_that_writes_stdout_exits_0_when_it_is_closed() {
    let policy = common::root().join("tests/fixtures/loop/empty-policy.json");
    let denials = common::root().join("tests/fixtures/denied/aws-cli-s3-cp-upload.txt");
    let runs: [&[&str]; 5] = [
        &["generate", "--principal", PRINCIPAL, "sample-trails/"],
        &[
            "generate",
            "--principal",
            PRINCIPAL,
            "--format",
            "terraform",
            "sample-trails/",
        ],
        &["principals", "sample-trails/"],
        &["principals", "--json", "sample-trails/"],
        &[
            "refine",
            "--policy",
            policy.to_str().unwrap(),
            "--from",
            denials.to_str().unwrap(),
        ],
    ];
    for args in runs {
        let (code, err) = run_into_closed_pipe(args);
        assert_eq!(code, Some(0), "iamtrail {args:?}: {err}");
        assert!(!err.contains("panicked"), "iamtrail {args:?}: {err}");
        assert!(!err.contains("error"), "iamtrail {args:?}: {err}");
    }
}

#[test]
fn a_run_that_fails_before_writing_still_fails() {
    // The closed pipe never hides a real failure: no principal matches, exit 2.
    let (code, err) = run_into_closed_pipe(&[
        "generate",
        "--principal",
        "arn:aws:iam::999999999999:role/nobody",
        "sample-trails/",
    ]);
    assert_eq!(code, Some(2), "{err}");
}

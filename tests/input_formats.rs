//! The same records in every layout users have at hand give the same policy: a gzipped
//! delivery object, plain JSON, NDJSON, `aws cloudtrail lookup-events` output, gzip under
//! a misleading name, and standard input.

mod common;
use common::*;

fn policy_of(args: &[&str], stdin: Option<&[u8]>) -> (String, serde_json::Value) {
    let mut all = vec![
        "generate",
        "--json",
        "-p",
        "arn:aws:iam::111122223333:role/ci",
    ];
    all.extend_from_slice(args);
    let o = iamtrail(&all, stdin);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    (
        serde_json::to_string_pretty(&v["policies"]).unwrap(),
        v["report"].clone(),
    )
}

#[test]
fn every_layout_gives_the_same_policy() {
    let dir = "tests/fixtures/formats";
    let (reference, report) = policy_of(&[&format!("{dir}/plain-records.json")], None);
    assert_eq!(report["records"]["read"], 12);
    assert!(
        report["records"]["used"].as_u64().unwrap() >= 10,
        "{report:#}"
    );
    assert!(reference.contains("\"Action\""), "{reference}");
    for f in [
        "records.ndjson",
        "lookup-events.json",
        "records.json.gz-but-named.txt",
    ] {
        let (p, r) = policy_of(&[&format!("{dir}/{f}")], None);
        assert_eq!(p, reference, "{f}");
        assert_eq!(r["records"], report["records"], "{f}");
    }
    let bytes = std::fs::read(format!("{dir}/records.ndjson")).unwrap();
    let (p, _) = policy_of(&["-"], Some(&bytes));
    assert_eq!(p, reference, "stdin");
}

#[test]
fn output_is_byte_identical_across_runs_and_thread_counts() {
    let args = [
        "generate",
        "-p",
        "arn:aws:iam::111122223333:role/ci",
        "--explain",
        "sample-trails",
    ];
    let a = iamtrail(&args, None);
    let b = iamtrail(&args, None);
    assert_eq!(stdout(&a), stdout(&b));
    assert_eq!(stderr(&a), stderr(&b));
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_iamtrail"));
    let one = cmd
        .args(args)
        .env("RAYON_NUM_THREADS", "1")
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(stdout(&one), stdout(&a));
}

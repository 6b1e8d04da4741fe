//! The same records in every layout users have at hand give the same policy: a gzipped
//! delivery object, plain JSON, NDJSON, `aws cloudtrail lookup-events` output, gzip under
//! a misleading name, standard input, delivery objects one after another (`zcat`/`cat
//! *.json.gz`), a CloudWatch Logs export of the trail's log group, and `aws logs
//! filter-log-events` / `get-log-events` output.

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
        "concatenated.json",
        "concatenated.json.gz",
        "cloudwatch-export-000000.gz",
        "filter-log-events.json",
        "get-log-events-pages.json",
    ] {
        let (p, r) = policy_of(&[&format!("{dir}/{f}")], None);
        assert_eq!(p, reference, "{f}");
        assert_eq!(r["records"], report["records"], "{f}");
    }
    for f in [
        "records.ndjson",
        "concatenated.json",
        "concatenated.json.gz",
        "cloudwatch-export-000000.gz",
    ] {
        let bytes = std::fs::read(format!("{dir}/{f}")).unwrap();
        for parse_all in [false, true] {
            let args: &[&str] = if parse_all {
                &["--parse-all", "-"]
            } else {
                &["-"]
            };
            let (p, r) = policy_of(args, Some(&bytes));
            assert_eq!(p, reference, "stdin: {f}, --parse-all {parse_all}");
            assert_eq!(r["records"], report["records"], "stdin: {f}");
        }
    }
}

/// `zcat *.json.gz | iamtrail generate -` and `cat *.json.gz | …`: every record of every
/// delivery object, as when the objects are read one by one; a damaged object in the
/// middle of the stream costs only its own records and is named by number and byte.
#[test]
fn concatenated_delivery_objects_on_stdin() {
    let dir = root().join("tests/fixtures/formats");
    let plain = std::fs::read(dir.join("plain-records.json")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    let recs = v["Records"].as_array().unwrap();
    let objects: Vec<String> = recs
        .chunks(5)
        .map(|c| serde_json::json!({ "Records": c }).to_string())
        .collect();
    let (reference, report) = policy_of(&["-"], Some(&plain));
    let zcat = objects.concat();
    let cat: Vec<u8> = objects.iter().flat_map(|o| gz(o.as_bytes())).collect();
    for (what, bytes) in [("zcat", zcat.as_bytes()), ("cat", &cat[..])] {
        let (p, r) = policy_of(&["-"], Some(bytes));
        assert_eq!(p, reference, "{what}");
        assert_eq!(r["records"], report["records"], "{what}");
    }
    let damaged = format!(
        "{}\n{{\"Records\":[{{\"eventVersion\":\"1.08\",\"readOnly\":tru}}]}}\n{}",
        objects[0], objects[1]
    );
    let o = iamtrail(
        &[
            "generate",
            "--json",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            "-",
        ],
        Some(damaged.as_bytes()),
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let r = &v["report"]["records"];
    assert_eq!(r["read"], 11, "{r}");
    assert_eq!(r["skipped"], 1, "{r}");
    let problems = v["report"]["problems"].to_string();
    assert!(
        problems.contains("<stdin>")
            && problems.contains("\"record\":5")
            && problems.contains("document 2 of the concatenated input"),
        "{problems}"
    );
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

/// CloudTrail delivering events twice, and overlapping inputs: every eventID counts once
/// (the policy and its evidence are those of the distinct events), and the report says how
/// many records were duplicates, in a summary that still adds up.
#[test]
fn duplicate_deliveries_count_once_and_are_reported() {
    let dir = "tests/fixtures/formats";
    let (reference, report) = policy_of(&[&format!("{dir}/plain-records.json")], None);
    let (p, r) = policy_of(&[&format!("{dir}/duplicates")], None);
    assert_eq!(p, reference);
    let (counts, want) = (&r["records"], &report["records"]);
    assert_eq!(counts["read"], 16, "{counts}");
    assert_eq!(counts["duplicate"], 4, "{counts}");
    for k in [
        "used",
        "free",
        "unmapped",
        "failed_not_counted",
        "filtered",
        "skipped",
    ] {
        assert_eq!(counts[k], want[k], "{k}: {counts}");
    }
    // The same files twice, and the reference again, on the command line and on stdin.
    let (p, r) = policy_of(
        &[
            &format!("{dir}/duplicates"),
            &format!("{dir}/duplicates"),
            &format!("{dir}/plain-records.json"),
        ],
        None,
    );
    assert_eq!(p, reference);
    assert_eq!(r["records"]["read"], 44);
    assert_eq!(r["records"]["duplicate"], 32);
    let twice = std::fs::read(format!("{dir}/concatenated.json"))
        .unwrap()
        .repeat(2);
    let (p, r) = policy_of(&["-"], Some(&twice));
    assert_eq!(p, reference);
    assert_eq!(r["records"]["duplicate"], 12);
    // The evidence counts each event once: --explain shows the same as for one copy.
    let explain = |args: &[&str]| {
        let mut all = vec![
            "generate",
            "--explain",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
        ];
        all.extend_from_slice(args);
        stdout(&iamtrail(&all, None))
    };
    assert_eq!(
        explain(&[&format!("{dir}/duplicates"), &format!("{dir}/duplicates")]),
        explain(&[&format!("{dir}/plain-records.json")])
    );
    // The summary line names the term.
    let o = iamtrail(
        &[
            "generate",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            &format!("{dir}/duplicates"),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(" + 0 skipped + 4 duplicate"),
        "{}",
        stderr(&o)
    );
}

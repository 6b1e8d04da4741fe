//! Damaged and odd input: every problem is named by file (and record), the run goes on,
//! the summary accounts for every record, and the exit code says something was skipped.

mod common;
use common::*;
use serde_json::json;

fn good(name: &str) -> serde_json::Value {
    record(
        "sqs.amazonaws.com",
        name,
        json!({"queueUrl": "https://sqs.us-east-1.amazonaws.com/111122223333/jobs"}),
    )
}

#[test]
fn damaged_inputs_are_reported_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 2 good records.
    write_object(
        d,
        "ok.json.gz",
        &[good("SendMessage"), good("ReceiveMessage")],
    );
    // Truncated gzip: the object is lost, named.
    let full = gz(json!({"Records": [good("DeleteMessage")]})
        .to_string()
        .as_bytes());
    std::fs::write(d.join("truncated.json.gz"), &full[..full.len() / 2]).unwrap();
    // Invalid JSON document.
    std::fs::write(
        d.join("invalid.json"),
        b"{\"Records\": [ {\"eventSource\": ",
    )
    .unwrap();
    // A record without eventSource and a non-object element: 2 skipped, 1 used.
    let mut no_source = good("GetQueueUrl");
    no_source.as_object_mut().unwrap().remove("eventSource");
    write_object(
        d,
        "partial.json.gz",
        &[no_source, json!(42), good("GetQueueAttributes")],
    );
    // NDJSON with a non-UTF-8 line and an invalid line between good ones: 2 used, 2 skipped.
    let mut nd = Vec::new();
    nd.extend_from_slice(good("ChangeMessageVisibility").to_string().as_bytes());
    nd.extend_from_slice(b"\n{\"eventSource\": \"\xff\xfe\"}\n{not json}\n");
    nd.extend_from_slice(good("PurgeQueue").to_string().as_bytes());
    nd.push(b'\n');
    std::fs::write(d.join("lines.ndjson"), nd).unwrap();
    // Empty file, a non-CloudTrail JSON file, a README, a digest file.
    std::fs::write(d.join("empty.json.gz"), b"").unwrap();
    std::fs::write(d.join("config.json"), b"{\"hello\": \"world\"}").unwrap();
    std::fs::write(d.join("README.md"), b"# notes\n").unwrap();
    std::fs::write(d.join("digest.json.gz"), gz(br#"{"awsAccountId":"111122223333","digestStartTime":"2026-11-20T09:00:00Z","logFiles":[]}"#)).unwrap();

    let o = iamtrail(
        &[
            "generate",
            "--json",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            d.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "exit code must say input was skipped: {}",
        stderr(&o)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let r = &v["report"];
    assert_eq!(r["records"]["read"], 9, "{r:#}");
    assert_eq!(r["records"]["used"], 5);
    assert_eq!(r["records"]["skipped"], 4);
    assert_eq!(r["objects"]["unreadable"], 3, "truncated, invalid, empty");
    assert_eq!(r["objects"]["digest"], 1);
    assert_eq!(r["objects"]["not_cloudtrail"], 2);
    let problems: Vec<String> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}#{}: {}",
                p["object"].as_str().unwrap().rsplit('/').next().unwrap(),
                p["record"],
                p["message"].as_str().unwrap()
            )
        })
        .collect();
    let expect = [
        ("empty.json.gz#null", "empty file"),
        ("invalid.json#null", "not valid JSON"),
        ("lines.ndjson#1", "not valid JSON"),
        ("lines.ndjson#2", "not valid JSON"),
        ("partial.json.gz#0", "no `eventSource` field"),
        ("partial.json.gz#1", "not a JSON object"),
        (
            "truncated.json.gz#null",
            "gzip data is corrupt or truncated",
        ),
    ];
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
    for (p, (head, msg)) in problems.iter().zip(expect) {
        assert!(
            p.starts_with(head) && p.contains(msg),
            "{p} should be {head}: {msg}"
        );
    }
    // The good records still made a policy.
    let g = grants(&v["policies"][0]);
    assert!(
        g.contains(&(
            "sqs:PurgeQueue".into(),
            "arn:aws:sqs:us-east-1:111122223333:jobs".into()
        )),
        "{g:?}"
    );
    // Human report names the file and record too.
    let o = iamtrail(
        &[
            "generate",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            d.to_str().unwrap(),
        ],
        None,
    );
    let e = stderr(&o);
    assert!(
        e.contains("partial.json.gz: record 0: no `eventSource` field"),
        "{e}"
    );
    assert!(e.contains("records: 9 read = 5 used + 0 free + 0 unmapped + 0 failed-not-counted + 0 filtered + 4 skipped"), "{e}");
}

#[test]
fn clean_input_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    write_object(dir.path(), "a.json.gz", &[good("SendMessage")]);
    let o = iamtrail(
        &[
            "generate",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// An input path that does not exist: one error naming it and why, said once, exit 1.
#[test]
fn a_missing_input_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-trail");
    let o = iamtrail(
        &[
            "generate",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            missing.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.contains("error:"))
        .unwrap_or_else(|| panic!("no error line: {err}"));
    assert!(line.contains(missing.to_str().unwrap()), "{line}");
    // The I/O error once (it was also printed as its own cause).
    assert_eq!(line.matches("os error 2").count(), 1, "{line}");
}

/// Standard input can be read once: `-` given twice is an error saying so (both were
/// reported unreadable, with nothing read).
#[test]
fn standard_input_given_twice_is_refused() {
    let o = iamtrail(
        &[
            "generate",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            "-",
            "-",
        ],
        Some(b"{\"Records\":[]}"),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("standard input (`-`) is given more than once"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_directory_of_100000_tiny_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = good("SendMessage");
    for i in 0..100_000 {
        // Distinct events (one event 100,000 times would be deduplicated to one).
        rec["eventID"] = format!("{i:08}-0000-4000-8000-000000000000").into();
        let rec = rec.to_string();
        let sub = dir.path().join(format!("{:03}", i % 1000));
        if i < 1000 {
            std::fs::create_dir(&sub).unwrap();
        }
        std::fs::write(sub.join(format!("{i}.json")), &rec).unwrap();
    }
    let v = generate_json(dir.path(), &["--quiet"]);
    assert_eq!(v["report"]["records"]["read"], 100_000);
    assert_eq!(v["report"]["records"]["used"], 100_000);
    assert_eq!(v["report"]["objects"]["read"], 100_000);
    assert_eq!(
        grants(&v["policies"][0]),
        [(
            "sqs:SendMessage".to_string(),
            "arn:aws:sqs:us-east-1:111122223333:jobs".to_string()
        )]
    );
}

//! `generate --each-principal`: one pass, one policy per principal, each file byte for
//! byte what `generate --principal P` prints for that principal (issue 19).

mod common;
#[path = "../sample-trails/corpus.rs"]
mod corpus;

use std::path::Path;

use common::{iamtrail, stderr, stdout};
use serde_json::{Value, json};

/// Runs `--each-principal` into a fresh directory; returns it and the parsed index.
fn each(input: &str, extra: &[&str], stdin: Option<&[u8]>) -> (tempfile::TempDir, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let mut args = vec!["generate", "--each-principal", "--output-dir", out];
    args.extend_from_slice(extra);
    args.push(input);
    let o = iamtrail(&args, stdin);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "policies go to files only");
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("index.json")).unwrap()).unwrap();
    // The table names every principal with its file.
    let err = stderr(&o);
    for (arn, e) in index["principals"].as_object().unwrap() {
        let Some(file) = e["file"].as_str() else {
            assert!(e["note"].is_string(), "{arn}: neither a file nor a note");
            continue;
        };
        assert!(
            err.lines()
                .any(|l| l.starts_with(arn.as_str()) && l.ends_with(file)),
            "{arn} {file} not in the table:\n{err}"
        );
    }
    (dir, index)
}

/// Every principal's file equals `generate --principal P` over the same input.
fn same_as_one_at_a_time(
    dir: &Path,
    index: &Value,
    input: &str,
    extra: &[&str],
    stdin: Option<&[u8]>,
) -> usize {
    let principals = index["principals"].as_object().unwrap();
    for (arn, e) in principals {
        let file = e["file"].as_str().unwrap();
        let mut args = vec!["generate", "-q", "--principal", arn.as_str()];
        args.extend_from_slice(extra);
        args.push(input);
        let o = iamtrail(&args, stdin);
        assert_eq!(o.status.code(), Some(0), "{arn}: {}", stderr(&o));
        let mine = std::fs::read(dir.join(file)).unwrap();
        assert!(
            mine == o.stdout,
            "{arn}: {file} differs from --principal:\n{}\n---\n{}",
            String::from_utf8_lossy(&mine),
            stdout(&o)
        );
        assert!(e["records"].as_u64().unwrap() > 0);
        assert!(e["first"].as_str().unwrap() <= e["last"].as_str().unwrap());
    }
    principals.len()
}

#[test]
fn sample_trails_every_principal_every_format() {
    let listed = iamtrail(&["principals", "--json", "sample-trails/"], None);
    let listed: Value = serde_json::from_str(&stdout(&listed)).unwrap();
    for format in ["json", "terraform", "cfn-yaml"] {
        let extra = ["--format", format];
        let (dir, index) = each("sample-trails/", &extra, None);
        let n = same_as_one_at_a_time(dir.path(), &index, "sample-trails/", &extra, None);
        // Every IAM user and role the input holds has its policy.
        assert_eq!(
            n,
            listed["principals"].as_object().unwrap().len(),
            "{format}"
        );
    }
    let (_, index) = each("sample-trails/", &[], None);
    let ci = &index["principals"]["arn:aws:iam::111122223333:role/ci"];
    assert_eq!(ci["file"], "111122223333-role-ci.json");
    assert_eq!(ci["kind"], "role");
    assert_eq!(index["format"], "json");
}

/// The synthetic corpus (20 principals, realistic deliveries), read from files: every
/// principal equal to its own pass.
#[test]
fn synthetic_corpus_every_principal() {
    let tmp = tempfile::tempdir().unwrap();
    let c = corpus::generate(
        tmp.path(),
        &corpus::Options {
            size: 3_000_000,
            seed: 3,
            small_objects: false,
        },
    )
    .unwrap();
    let logs = c.logs();
    let input = logs.to_str().unwrap();
    let (dir, index) = each(input, &[], None);
    let n = same_as_one_at_a_time(dir.path(), &index, input, &[], None);
    assert!(n >= 10, "{n} principals");
    assert!(
        index["principals"][corpus::BUSY_PRINCIPAL]["records"].as_u64() == Some(c.busy_records)
    );
}

/// What gets a policy: users (also named without an ARN), roles across sessions,
/// Identity Center roles, root per account; not service-linked roles (unless asked),
/// AWS service events, or callers named only by account. Read from stdin.
#[test]
fn who_gets_a_policy_from_stdin() {
    let base = |identity: Value, id: &str, name: &str, bucket: &str| {
        let mut r = common::record("s3.amazonaws.com", name, json!({"bucketName": bucket}));
        r["userIdentity"] = identity;
        r["eventID"] = json!(id);
        r
    };
    let role = |acct: &str, path_name: &str, session: &str| {
        let name = path_name.rsplit('/').next().unwrap();
        json!({"type": "AssumedRole", "arn": format!("arn:aws:sts::{acct}:assumed-role/{name}/{session}"), "accountId": acct,
               "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{acct}:role/{path_name}"), "accountId": acct, "userName": name}}})
    };
    let slr =
        "aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing";
    let records = vec![
        base(role("111122223333", "ci", "a"), "1", "ListObjects", "b1"),
        base(
            role("111122223333", "ci", "b"),
            "2",
            "GetBucketPolicy",
            "b1",
        ),
        base(role("111122223333", slr, "elb"), "3", "ListObjects", "b2"),
        base(
            role(
                "111122223333",
                "aws-reserved/sso.amazonaws.com/AWSReservedSSO_Dev_0123456789abcdef",
                "alice@example.com",
            ),
            "4",
            "ListObjects",
            "b3",
        ),
        base(
            json!({"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/deploy", "accountId": "111122223333"}),
            "5",
            "ListObjects",
            "b4",
        ),
        base(
            json!({"type": "Root", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"}),
            "6",
            "ListObjects",
            "b5",
        ),
        base(
            json!({"type": "Root", "arn": "arn:aws:iam::444455556666:root", "accountId": "444455556666"}),
            "7",
            "ListObjects",
            "b6",
        ),
        base(
            json!({"type": "AWSAccount", "accountId": "777788889999", "principalId": "AIDAX"}),
            "8",
            "ListObjects",
            "b7",
        ),
        base(
            json!({"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}),
            "9",
            "GetBucketAcl",
            "b8",
        ),
    ];
    let text = json!({ "Records": records }).to_string();
    let (dir, index) = each("-", &[], Some(text.as_bytes()));
    let got: Vec<&str> = index["principals"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        got,
        [
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Dev_0123456789abcdef",
            "arn:aws:iam::111122223333:role/ci",
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:user/deploy",
            "arn:aws:iam::444455556666:root",
        ]
    );
    assert_eq!(
        index["principals"]["arn:aws:iam::111122223333:role/ci"]["records"],
        2
    );
    same_as_one_at_a_time(dir.path(), &index, "-", &[], Some(text.as_bytes()));
    let (_, all) = each("-", &["--include-service-roles"], Some(text.as_bytes()));
    let slr_arn = format!("arn:aws:iam::111122223333:role/{slr}");
    assert_eq!(all["principals"][slr_arn.as_str()]["records"], 1);
    assert_eq!(all["principals"].as_object().unwrap().len(), 6);
}

#[test]
fn flags_that_name_one_policy_are_refused() {
    for extra in [
        &["--principal", "arn:aws:iam::111122223333:role/ci"][..],
        &["--all-principals"],
        &["--name", "x"],
        &["--json"],
    ] {
        let mut args = vec![
            "generate",
            "--each-principal",
            "--output-dir",
            "target/tmp/never",
        ];
        args.extend_from_slice(extra);
        args.push("sample-trails/");
        let o = iamtrail(&args, None);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
    }
    let o = iamtrail(&["generate", "--each-principal", "sample-trails/"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--output-dir"), "{}", stderr(&o));
}

/// A principal whose records needed no permission (a console sign-in only) gets no policy:
/// IAM refuses a policy without a statement, and an empty one would read as "needs
/// nothing". `generate --principal` writes nothing and exits 1; `--each-principal` lists
/// the principal in the index with a note and writes the others' files.
#[test]
fn a_principal_that_needed_no_permission_gets_no_policy() {
    let record = |id: &str, user: &str, source: &str, name: &str| {
        json!({
            "eventVersion": "1.08",
            "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "accountId": "111122223333",
                             "arn": format!("arn:aws:iam::111122223333:user/{user}"), "userName": user},
            "eventTime": "2026-11-01T10:00:00Z", "eventSource": source, "eventName": name,
            "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.1", "userAgent": "aws-cli/2",
            "requestParameters": null, "responseElements": null, "eventID": id,
            "eventType": "AwsApiCall", "recipientAccountId": "111122223333"
        })
    };
    let trail = json!({"Records": [
        record("00000000-0000-4000-8000-000000000001", "viewer", "signin.amazonaws.com", "ConsoleLogin"),
        record("00000000-0000-4000-8000-000000000002", "worker", "sts.amazonaws.com", "GetCallerIdentity"),
        record("00000000-0000-4000-8000-000000000003", "worker", "s3.amazonaws.com", "ListBuckets"),
    ]})
    .to_string();
    let viewer = "arn:aws:iam::111122223333:user/viewer";
    let o = iamtrail(&["generate", "-p", viewer, "-"], Some(trail.as_bytes()));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "no policy on stdout: {}", stdout(&o));
    assert!(
        stderr(&o).contains("no record of the selection needed a permission"),
        "{}",
        stderr(&o)
    );
    // `--json` still prints its report (the record accounting), with no policy in it.
    let o = iamtrail(
        &["generate", "--json", "-p", viewer, "-"],
        Some(trail.as_bytes()),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["policies"], json!([]), "{v}");
    assert_eq!(v["report"]["records"]["free"], 1, "{v}");
    let (dir, index) = each("-", &[], Some(trail.as_bytes()));
    let v = &index["principals"][viewer];
    assert!(v.get("file").is_none(), "{index}");
    assert!(
        v["note"].as_str().unwrap().contains("no record needed"),
        "{index}"
    );
    let w = &index["principals"]["arn:aws:iam::111122223333:user/worker"];
    let file = w["file"].as_str().unwrap();
    let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
    assert!(text.contains("s3:ListAllMyBuckets"), "{text}");
}

/// Deduplication past its memory budget (`--dedupe-ids`: eventIDs beyond it go to disk,
/// and records counted twice are taken back after the pass): a corpus given three times
/// over writes the same files, index included, as the corpus read once, whatever the
/// budget (1 spills every eventID; 1920 dedupes some in memory), and the report counts
/// the copies as duplicates and says what went to disk. No file is left in the temporary
/// folder.
#[test]
fn a_run_past_its_eventid_budget_counts_each_event_once() {
    let tmp = tempfile::tempdir().unwrap();
    let c = corpus::generate(
        tmp.path(),
        &corpus::Options {
            size: 2_000_000,
            seed: 4,
            small_objects: false,
        },
    )
    .unwrap();
    let logs = c.logs();
    let input = logs.to_str().unwrap();
    let (once, _) = each(input, &[], None);
    let want = common::dir_files(once.path());
    let spill = tempfile::tempdir().unwrap();
    for budget in ["1", "1920"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().to_str().unwrap();
        let o = common::iamtrail_env(
            &[
                "generate",
                "--each-principal",
                "--output-dir",
                out,
                "--dedupe-ids",
                budget,
                input,
                input,
                input,
            ],
            &[("TMPDIR", spill.path().to_str().unwrap())],
            None,
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(common::dir_files(dir.path()), want, "--dedupe-ids {budget}");
        let err = stderr(&o);
        let read = 3 * c.records;
        assert!(
            err.contains(&format!("records: {read} read"))
                && !err.contains(" 0 duplicate")
                && err.contains("eventIDs past the memory budget went to disk"),
            "{err}"
        );
        assert_eq!(std::fs::read_dir(spill.path()).unwrap().count(), 0);
    }
}

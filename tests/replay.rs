//! `iamtrail replay`: proposed policies evaluated against every recorded call of a trail
//! (issue 17).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{iamtrail, record, sample_records, stderr, stdout};
use serde_json::{Value, json};

const CI: &str = "arn:aws:iam::111122223333:role/ci";

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p.to_str().unwrap().to_string()
}

/// `generate --json` for `principal` over the sample trails (failed calls not counted,
/// as replay by default evaluates only calls that succeeded).
fn generated(principal: &str) -> Value {
    let o = iamtrail(
        &[
            "generate",
            "--json",
            "--explain",
            "--failed-calls",
            "none",
            "-p",
            principal,
            "sample-trails/",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn replay_json(args: &[&str], stdin: Option<&[u8]>) -> (i32, Value) {
    let mut all = vec!["replay", "--json"];
    all.extend_from_slice(args);
    let o = iamtrail(&all, stdin);
    let code = o.status.code().unwrap();
    let v = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {} {}", stdout(&o), stderr(&o)));
    (code, v)
}

/// Every eventID of the sample trails → its eventName.
fn sample_events() -> BTreeMap<String, String> {
    sample_records()
        .iter()
        .map(|r| {
            (
                r["eventID"].as_str().unwrap().to_string(),
                r["eventName"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn principals() -> Vec<String> {
    let o = iamtrail(&["principals", "--json", "sample-trails/"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let out: Vec<String> = v["principals"]
        .as_object()
        .expect("a principals object")
        .keys()
        .cloned()
        .collect();
    assert!(out.len() >= 9, "{out:?}");
    out
}

/// A policy from `generate` replayed over its own trails denies nothing, for every
/// principal of the sample trails (the cross-account one included: its resource side is
/// the stand-in for the role's trust policy, which allowed the call).
#[test]
fn generated_policies_deny_nothing_for_every_principal() {
    let dir = tempfile::tempdir().unwrap();
    for p in principals() {
        let g = generated(&p);
        let file = write(dir.path(), "p.json", &g["policies"]);
        let (code, v) = replay_json(&["--policy", &file, "-p", &p, "sample-trails/"], None);
        assert_eq!(code, 0, "{p}: {v:#}");
        assert_eq!(v["denied"], json!([]), "{p}");
        let s = &v["summary"];
        assert!(s["evaluated"].as_u64().unwrap() > 0, "{p}: {s}");
        assert_eq!(s["evaluated"], s["allowed"], "{p}");
        // Every record accounted for.
        let skipped: u64 = s["skipped"]
            .as_object()
            .unwrap()
            .values()
            .map(|x| x.as_u64().unwrap())
            .sum();
        assert_eq!(
            s["evaluated"].as_u64().unwrap() + skipped,
            s["records"].as_u64().unwrap(),
            "{p}: {s}"
        );
    }
}

/// Removing one statement from the generated policy denies exactly the calls behind it:
/// the same actions, counts equal to the records `--explain` cites for them, real
/// eventIDs of those events.
#[test]
fn removing_a_statement_denies_exactly_its_calls() {
    let g = generated(CI);
    let doc = &g["policies"][0];
    let statements = doc["Statement"].as_array().unwrap();
    // The statement with the most actions.
    let (k, removed) = statements
        .iter()
        .enumerate()
        .max_by_key(|(_, s)| s["Action"].as_array().map_or(1, Vec::len))
        .unwrap();
    let sid = removed["Sid"].as_str().unwrap();
    let mut kept = doc.clone();
    kept["Statement"].as_array_mut().unwrap().remove(k);
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "kept.json", &kept);
    let (code, v) = replay_json(&["--policy", &file, "-p", CI, "sample-trails/"], None);
    assert_eq!(code, 1, "{v:#}");
    // What --explain says the removed statement stood for, per action.
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for e in g["report"]["explain"].as_array().unwrap() {
        if e["sid"] == sid {
            *expected
                .entry(e["action"].as_str().unwrap().to_string())
                .or_default() += e["records"].as_u64().unwrap();
        }
    }
    let mut got: BTreeMap<String, u64> = BTreeMap::new();
    let events = sample_events();
    for d in v["denied"].as_array().unwrap() {
        assert_eq!(d["decision"], "ImplicitDeny");
        assert!(
            d["deciding"]
                .as_str()
                .unwrap()
                .starts_with("no statement allows"),
            "{d}"
        );
        let action = d["action"].as_str().unwrap();
        *got.entry(action.to_string()).or_default() += d["count"].as_u64().unwrap();
        let id = d["event_id"].as_str().unwrap();
        let name = events
            .get(id)
            .unwrap_or_else(|| panic!("{id} is no sample event"));
        assert!(!name.is_empty());
        assert!(d["first_seen"].as_str().unwrap() <= d["last_seen"].as_str().unwrap());
    }
    assert_eq!(got, expected, "{v:#}");
}

/// An explicit Deny added to the generated policy shows as ExplicitDeny with its Sid,
/// and the text output names the statement.
#[test]
fn explicit_deny_names_its_sid() {
    let g = generated(CI);
    let mut doc = g["policies"][0].clone();
    let action = g["report"]["explain"][0]["action"]
        .as_str()
        .unwrap()
        .to_string();
    doc["Statement"].as_array_mut().unwrap().push(json!({
        "Sid": "NoThisOne", "Effect": "Deny", "Action": action, "Resource": "*"
    }));
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "deny.json", &doc);
    let (code, v) = replay_json(&["--policy", &file, "-p", CI, "sample-trails/"], None);
    assert_eq!(code, 1);
    let denied = v["denied"].as_array().unwrap();
    assert!(!denied.is_empty());
    for d in denied {
        assert_eq!(d["action"], action.as_str());
        assert_eq!(d["decision"], "ExplicitDeny");
        assert_eq!(
            d["deciding_statements"]["Statements"][0]["sid"],
            "NoThisOne"
        );
    }
    let o = iamtrail(
        &["replay", "--policy", &file, "-p", CI, "sample-trails/"],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.contains("ExplicitDeny") && text.contains("Sid \"NoThisOne\""),
        "{text}"
    );
}

/// An SCP denying a service breaks exactly the principals whose generated policy uses
/// it, with their accounts; one denying all regions but one breaks those that called
/// elsewhere.
#[test]
fn scp_breaks_the_right_principals() {
    let dir = tempfile::tempdir().unwrap();
    let scp = write(
        dir.path(),
        "scp.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}
        ]}),
    );
    let (code, v) = replay_json(&["--scp", &scp, "sample-trails/"], None);
    assert_eq!(code, 1, "{v:#}");
    let broken: BTreeSet<(String, String)> = v["broken"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            for a in b["actions"].as_array().unwrap() {
                assert!(a.as_str().unwrap().starts_with("s3:"), "{b}");
            }
            (
                b["account"].as_str().unwrap().to_string(),
                b["principal"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut expected = BTreeSet::new();
    for p in principals() {
        let g = generated(&p);
        if g["policies"].to_string().contains("\"s3:") {
            let account = p.split(':').nth(4).unwrap().to_string();
            expected.insert((account, p));
        }
    }
    assert!(!expected.is_empty());
    assert_eq!(broken, expected);
    for d in v["denied"].as_array().unwrap() {
        assert_eq!(d["decision"], "ExplicitDeny");
        assert!(
            d["deciding"].as_str().unwrap().contains("Sid \"NoS3\""),
            "{d}"
        );
    }

    // Regions: allow only one region the trail does not use at all → every call broken.
    let region = write(
        dir.path(),
        "region.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "OnlyMars", "Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": "mars-north-1"}}}
        ]}),
    );
    let (code, v) = replay_json(&["--scp", &region, "sample-trails/"], None);
    assert_eq!(code, 1);
    assert_eq!(v["summary"]["denied"], v["summary"]["evaluated"]);
    // And one that allows every region the trail used breaks nothing.
    let regions: BTreeSet<String> = sample_records()
        .iter()
        .filter_map(|r| r["awsRegion"].as_str().map(str::to_string))
        .collect();
    let fine = write(
        dir.path(),
        "fine.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": regions}}}
        ]}),
    );
    let (code, v) = replay_json(&["--scp", &fine, "sample-trails/"], None);
    assert_eq!(code, 0, "{v:#}");
}

/// Two calls by a user, from two addresses, one with MFA: conditions on aws:SourceIp and
/// aws:MultiFactorAuthPresent are evaluated from the records' fields.
#[test]
fn source_ip_and_mfa_come_from_the_record() {
    let call = |id: &str, ip: &str, mfa: &str| {
        let mut r = record(
            "s3.amazonaws.com",
            "GetObject",
            json!({"bucketName": "b", "key": "k"}),
        );
        r["eventID"] = json!(id);
        r["sourceIPAddress"] = json!(ip);
        r["userIdentity"]["sessionContext"]["attributes"] = json!({"mfaAuthenticated": mfa});
        r.to_string()
    };
    let input = format!(
        "{}\n{}\n",
        call(
            "11111111-1111-4111-8111-111111111111",
            "203.0.113.5",
            "true"
        ),
        call(
            "22222222-2222-4222-8222-222222222222",
            "198.51.100.7",
            "false"
        )
    );
    let dir = tempfile::tempdir().unwrap();
    let allow = |cond: Value| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": cond}]})
    };
    for (name, cond) in [
        (
            "ip.json",
            json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        ),
        (
            "mfa.json",
            json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        ),
    ] {
        let file = write(dir.path(), name, &allow(cond));
        let (code, v) = replay_json(&["--policy", &file, "-"], Some(input.as_bytes()));
        assert_eq!(code, 1, "{name}: {v:#}");
        let d = v["denied"].as_array().unwrap();
        assert_eq!(d.len(), 1, "{name}: {v:#}");
        assert_eq!(d[0]["count"], 1);
        assert_eq!(d[0]["event_id"], "22222222-2222-4222-8222-222222222222");
        assert_eq!(d[0]["resource"], "arn:aws:s3:::b/k");
        assert_eq!(v["summary"]["allowed"], 1);
    }
}

/// By default only calls that succeeded are replayed; `--all-calls` adds failed ones.
#[test]
fn all_calls_adds_failed_ones() {
    let ok = record("sqs.amazonaws.com", "ListQueues", json!({}));
    let mut failed = record(
        "sqs.amazonaws.com",
        "DeleteQueue",
        json!({"queueUrl": "https://sqs.us-east-1.amazonaws.com/111122223333/q"}),
    );
    failed["errorCode"] = json!("AccessDenied");
    let input = format!("{ok}\n{failed}\n");
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "sqs.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}]}),
    );
    let (code, v) = replay_json(&["--policy", &file, "-"], Some(input.as_bytes()));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["summary"]["evaluated"], 1);
    assert_eq!(v["summary"]["skipped"]["failed"], 1);
    let (code, v) = replay_json(
        &["--policy", &file, "--all-calls", "-"],
        Some(input.as_bytes()),
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["summary"]["evaluated"], 2);
    assert_eq!(v["denied"][0]["action"], "sqs:DeleteQueue");
    assert_eq!(v["denied"][0]["event_id"], failed["eventID"]);
}

/// A policy file that is not a policy: exit 2, naming the file.
#[test]
fn bad_policy_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken-policy.json");
    std::fs::write(
        &bad,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe"}]}"#,
    )
    .unwrap();
    let b = bad.to_str().unwrap();
    for flag in ["--policy", "--scp"] {
        let o = iamtrail(&["replay", flag, b, "-p", CI, "sample-trails/"], None);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("broken-policy.json"), "{}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
    let missing = dir.path().join("no-such.json");
    let o = iamtrail(
        &[
            "replay",
            "--policy",
            missing.to_str().unwrap(),
            "sample-trails/",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such.json"));
}

/// A policy reading aws:CurrentTime is evaluated at each record's eventTime.
#[test]
fn current_time_is_the_event_time() {
    let at = |id: &str, time: &str| {
        let mut r = record("sqs.amazonaws.com", "ListQueues", json!({}));
        r["eventID"] = json!(id);
        r["eventTime"] = json!(time);
        r.to_string()
    };
    let input = format!(
        "{}\n{}\n",
        at(
            "33333333-3333-4333-8333-333333333333",
            "2026-11-20T10:00:00Z"
        ),
        at(
            "44444444-4444-4444-8444-444444444444",
            "2026-11-22T10:00:00Z"
        )
    );
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "until.json",
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "sqs:ListQueues", "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2026-11-21T00:00:00Z"}}}]}),
    );
    let (code, v) = replay_json(&["--policy", &file, "-"], Some(input.as_bytes()));
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        v["denied"][0]["event_id"],
        "44444444-4444-4444-8444-444444444444"
    );
    assert_eq!(v["denied"][0]["count"], 1);
    assert_eq!(v["summary"]["allowed"], 1);
}

/// SCPs do not affect service-linked roles (AWS Organizations, "Service control policies
/// (SCPs)"): a deny-everything SCP breaks the ci role's call, not the service-linked
/// role's.
#[test]
fn scps_leave_service_linked_roles_alone() {
    let linked_role =
        "arn:aws:iam::111122223333:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS";
    let mut linked = record("ec2.amazonaws.com", "DescribeVpcs", json!({}));
    linked["eventID"] = json!("55555555-5555-4555-8555-555555555555");
    linked["userIdentity"]["arn"] =
        json!("arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForRDS/rds");
    linked["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] = json!(linked_role);
    let ci = record("ec2.amazonaws.com", "DescribeSubnets", json!({}));
    let input = format!("{linked}\n{ci}\n");
    let dir = tempfile::tempdir().unwrap();
    let scp = write(
        dir.path(),
        "deny-all.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "NoEc2", "Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]}),
    );
    let (code, v) = replay_json(&["--scp", &scp, "-"], Some(input.as_bytes()));
    assert_eq!(code, 1, "{v:#}");
    let broken: Vec<&str> = v["broken"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["principal"].as_str().unwrap())
        .collect();
    assert_eq!(broken, [CI]);
    assert_eq!(v["summary"]["allowed"], 1);
}

/// Replay counts each event once past its eventID memory budget too: the trail given
/// twice at `--dedupe-ids 1` (every eventID to disk, the copies taken back after the pass)
/// breaks the same calls with the same counts as the trail read once.
#[test]
fn a_run_past_its_eventid_budget_replays_each_call_once() {
    let scp = "tests/fixtures/replay/deny-s3-scp.json";
    let args = ["--scp", scp, "-p", CI];
    let (code, once) = replay_json(&[&args[..], &["sample-trails/"]].concat(), None);
    let (code2, twice) = replay_json(
        &[
            &args[..],
            &["--dedupe-ids", "1", "sample-trails/", "sample-trails/"],
        ]
        .concat(),
        None,
    );
    assert_eq!(code, code2);
    assert!(!once["broken"].as_array().unwrap().is_empty(), "{once:#}");
    assert_eq!(once["broken"], twice["broken"]);
    assert_eq!(once["denied"], twice["denied"]);
    let (a, b) = (&once["summary"], &twice["summary"]);
    for k in ["evaluated", "allowed", "denied", "requests"] {
        assert_eq!(a[k], b[k], "{k}");
    }
    assert_eq!(a["skipped"]["duplicate"], 0);
    let selected = ["failed", "free", "unmapped"]
        .iter()
        .map(|k| a["skipped"][k].as_u64().unwrap())
        .sum::<u64>()
        + a["evaluated"].as_u64().unwrap();
    assert_eq!(b["skipped"]["duplicate"].as_u64(), Some(selected), "{b:#}");
}

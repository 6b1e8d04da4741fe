//! `iamtrail unused`: a grant against what the trails used. The fixture trail
//! (`tests/fixtures/unused/trail`, written by `make_trail.py` there) has a known used set
//! for `role/app`: s3:GetObject on two objects, s3:ListBucket, dynamodb:GetItem and
//! dynamodb:Query on one table (plus a free call and another principal's call). The
//! grants next to it are AdministratorAccess, `s3:*` + `dynamodb:Get*`, an Allow with
//! NotAction and Denies, and a scoped policy with a conditional statement.

mod common;

use std::collections::BTreeSet;

use common::{iamtrail, stderr, stdout};
use serde_json::Value;

const TRAIL: &str = "tests/fixtures/unused/trail";
const APP: &str = "arn:aws:iam::123456789012:role/app";
const CI: &str = "arn:aws:iam::111122223333:role/ci";
const USED: [&str; 4] = [
    "dynamodb:GetItem",
    "dynamodb:Query",
    "s3:GetObject",
    "s3:ListBucket",
];

fn grant(name: &str) -> String {
    format!("tests/fixtures/unused/{name}")
}

/// `unused --json` over `inputs` for `principal`; asserts exit 0.
fn json(policy: &str, principal: &str, inputs: &str) -> Value {
    let o = iamtrail(
        &[
            "unused",
            "--json",
            "--policy",
            &grant(policy),
            "-p",
            principal,
            inputs,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("JSON")
}

fn strings(v: &Value, list: &str, field: &str) -> BTreeSet<String> {
    v[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} is a list"))
        .iter()
        .map(|e| e[field].as_str().unwrap().to_string())
        .collect()
}

/// Every catalog action, or those of one service with a resource type whose ARN
/// template starts with `arn_prefix`.
fn catalog(service: Option<&str>, arn_prefix: Option<&str>) -> BTreeSet<String> {
    iamtrail::catalog::service_prefixes()
        .filter(|p| service.is_none_or(|s| s == *p))
        .flat_map(|p| {
            let svc = iamtrail::catalog::service(p).unwrap();
            svc.actions
                .iter()
                .filter(move |a| {
                    arn_prefix.is_none_or(|x| {
                        a.resources
                            .iter()
                            .any(|r| svc.resources[r.index].arn.text.starts_with(x))
                    })
                })
                .map(move |a| format!("{p}:{}", a.name))
        })
        .collect()
}

#[test]
fn administrator_access_leaves_every_catalog_action_but_the_used_ones_unused() {
    let v = json("admin.json", APP, TRAIL);
    let all = catalog(None, None);
    let unused = strings(&v, "unused", "action");
    let used: BTreeSet<String> = USED.iter().map(|s| s.to_string()).collect();
    let expected: BTreeSet<String> = all.difference(&used).cloned().collect();
    assert_eq!(unused.len(), expected.len());
    assert!(unused == expected, "unused is not catalog minus used");
    let s = &v["summary"];
    assert_eq!(s["granted_actions"], all.len());
    assert_eq!(s["used_actions"], 4);
    assert_eq!(s["conditional_actions"], 0);
    // Every service but s3 and dynamodb is an unused service, reported whole.
    let services = iamtrail::catalog::service_prefixes().count();
    assert_eq!(s["unused_services"], services - 2);
    let unused_services = strings(&v, "unused_services", "service");
    assert!(unused_services.contains("ec2") && !unused_services.contains("s3"));
    assert_eq!(
        v["diff"]["removed_services"].as_array().unwrap().len(),
        services - 2
    );
    // Each entry names its service, access level and the statement granting it.
    let e = v["unused"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "s3:PutObject")
        .unwrap();
    assert_eq!(e["service"], "s3");
    assert_eq!(e["access_level"], "Write");
    assert_eq!(e["granted_by"][0]["path"], "Statement[0]");
    let e = v["unused"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "iam:PutRolePolicy")
        .unwrap();
    assert_eq!(e["access_level"], "Permissions management");
    // The used actions are granted on `*`, wider than the resources used.
    let wide = strings(&v, "resources", "action");
    assert_eq!(wide, USED.iter().map(|s| s.to_string()).collect());
}

#[test]
fn s3_star_and_dynamodb_get_star() {
    let v = json("s3-dynamodb-get.json", APP, TRAIL);
    let unused = strings(&v, "unused", "action");
    // s3:* on bucket and object ARNs: every S3 action authorized on a bucket or an
    // object (not ListAllMyBuckets and the other `*`-only actions, which need Resource
    // "*", nor the access point, job or Storage Lens ones, whose ARNs name a region).
    let s3 = catalog(Some("s3"), Some("arn:${Partition}:s3:::"));
    let gets: BTreeSet<String> = catalog(Some("dynamodb"), Some("arn:${Partition}:dynamodb:"))
        .into_iter()
        .filter(|a| a.starts_with("dynamodb:Get"))
        .collect();
    let s3_unused: BTreeSet<_> = unused
        .iter()
        .filter(|a| a.starts_with("s3:"))
        .cloned()
        .collect();
    let mut expected = s3.clone();
    expected.remove("s3:GetObject");
    expected.remove("s3:ListBucket");
    assert_eq!(s3_unused, expected);
    assert!(!unused.contains("s3:ListAllMyBuckets"));
    let ddb_unused: BTreeSet<_> = unused
        .iter()
        .filter(|a| a.starts_with("dynamodb:"))
        .cloned()
        .collect();
    let mut expected = gets.clone();
    expected.remove("dynamodb:GetItem");
    assert_eq!(ddb_unused, expected);
    assert_eq!(v["summary"]["granted_actions"], s3.len() + gets.len());
    assert_eq!(v["summary"]["unused_services"], 0);
    // Query was used but Get* does not allow it: the suggestion adds it.
    assert_eq!(v["diff"]["added"], serde_json::json!(["dynamodb:Query"]));
    let q = v["used"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["action"] == "dynamodb:Query")
        .unwrap();
    assert_eq!(q["granted"], false);
    // Resource level: the table wildcard and the bucket wildcards are wider than used.
    let findings = v["resources"].as_array().unwrap();
    let get_item = findings
        .iter()
        .find(|f| f["action"] == "dynamodb:GetItem")
        .unwrap();
    assert_eq!(
        get_item["granted"],
        serde_json::json!(["arn:aws:dynamodb:us-east-1:123456789012:table/*"])
    );
    assert_eq!(
        get_item["used"],
        serde_json::json!(["arn:aws:dynamodb:us-east-1:123456789012:table/orders"])
    );
    assert_eq!(get_item["statement"]["sid"], "DynamoGets");
    let get_object = findings
        .iter()
        .find(|f| f["action"] == "s3:GetObject")
        .unwrap();
    // Only the pattern that fits an object ARN is named for GetObject.
    assert_eq!(
        get_object["granted"],
        serde_json::json!(["arn:aws:s3:::*", "arn:aws:s3:::*/*"])
    );
    // Text: grouped by service with counts.
    let o = iamtrail(
        &[
            "unused",
            "--policy",
            &grant("s3-dynamodb-get.json"),
            "-p",
            APP,
            TRAIL,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(&format!("  s3: 2 of {} granted actions used (", s3.len())),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "  dynamodb: 1 of {} granted actions used (",
            gets.len()
        )),
        "{text}"
    );
    assert!(
        text.contains("  + dynamodb:Query (used, not allowed by the grant)"),
        "{text}"
    );
    assert!(
        text.contains("  ~ dynamodb:GetItem: arn:aws:dynamodb:us-east-1:123456789012:table/* -> arn:aws:dynamodb:us-east-1:123456789012:table/orders"),
        "{text}"
    );
}

#[test]
fn deny_and_not_action() {
    let v = json("deny-notaction.json", APP, TRAIL);
    let unused = strings(&v, "unused", "action");
    assert!(
        !unused
            .iter()
            .any(|a| a.starts_with("iam:") || a.starts_with("organizations:"))
    );
    assert!(!unused.iter().any(|a| a.starts_with("s3:Put")));
    assert!(unused.contains("s3:DeleteObject") && unused.contains("ec2:RunInstances"));
    // A Deny on another table leaves the orders table allowed.
    assert!(unused.contains("dynamodb:PutItem"));
    let all = catalog(None, None);
    let denied = all
        .iter()
        .filter(|a| {
            a.starts_with("iam:") || a.starts_with("organizations:") || a.starts_with("s3:Put")
        })
        .count();
    assert_eq!(v["summary"]["granted_actions"], all.len() - denied);
    assert!(v["diff"]["added"].as_array().unwrap().is_empty());
    let services = strings(&v, "unused_services", "service");
    assert!(!services.contains("iam") && services.contains("ec2"));
}

#[test]
fn scoped_grant_resource_findings_conditions_and_exit_codes() {
    let v = json("scoped.json", APP, TRAIL);
    assert_eq!(
        strings(&v, "unused", "action"),
        ["s3:PutObject", "sqs:SendMessage"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    let sqs = v["unused"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["action"] == "sqs:SendMessage")
        .unwrap();
    assert_eq!(sqs["conditional"], true);
    assert_eq!(v["summary"]["conditional_actions"], 1);
    assert_eq!(v["unused_services"][0]["service"], "sqs");
    // Only GetObject is granted wider than used (the bucket and the table are exact).
    let findings = v["resources"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["action"], "s3:GetObject");
    assert_eq!(
        findings[0]["granted"],
        serde_json::json!(["arn:aws:s3:::app-bucket/*"])
    );
    assert_eq!(
        findings[0]["used"],
        serde_json::json!([
            "arn:aws:s3:::app-bucket/data/a.csv",
            "arn:aws:s3:::app-bucket/data/b.csv"
        ])
    );
    assert_eq!(findings[0]["statement"]["sid"], "AppObjects");
    assert_eq!(
        v["diff"]["removed_actions"],
        serde_json::json!(["s3:PutObject"])
    );
    assert_eq!(v["diff"]["removed_services"], serde_json::json!(["sqs"]));
    // Findings are exit 0 unless asked; --fail-on-unused makes them exit 1.
    let args = |fail: bool| {
        let mut a = vec![
            "unused",
            "-q",
            "--policy",
            "tests/fixtures/unused/scoped.json",
            "-p",
            APP,
            TRAIL,
        ];
        if fail {
            a.push("--fail-on-unused");
        }
        iamtrail(&a, None)
    };
    assert_eq!(args(false).status.code(), Some(0));
    let o = args(true);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2 unused actions, 1 resource findings"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_generated_policy_as_the_grant_has_nothing_unused() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("generated.json");
    let g = iamtrail(
        &[
            "generate",
            "-q",
            "-p",
            APP,
            "-o",
            policy.to_str().unwrap(),
            TRAIL,
        ],
        None,
    );
    assert_eq!(g.status.code(), Some(0), "{}", stderr(&g));
    let o = iamtrail(
        &[
            "unused",
            "--json",
            "--fail-on-unused",
            "--policy",
            policy.to_str().unwrap(),
            "-p",
            APP,
            TRAIL,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["unused"].as_array().unwrap().is_empty());
    assert!(v["resources"].as_array().unwrap().is_empty());
    assert!(v["diff"]["added"].as_array().unwrap().is_empty());
    assert_eq!(v["summary"]["used_actions"], 4);
}

/// The suggestion is `generate`'s output for the same principal and trails, byte for
/// byte (`--output`) and as the `suggested_policy` value; both for the fixture and for
/// the sample trail's CI role.
#[test]
fn suggested_policy_is_generates_output() {
    let dir = tempfile::tempdir().unwrap();
    for (principal, input) in [(APP, TRAIL), (CI, "sample-trails")] {
        let g = iamtrail(&["generate", "-q", "-p", principal, input], None);
        assert_eq!(g.status.code(), Some(0), "{}", stderr(&g));
        let out = dir.path().join("suggested.json");
        let o = iamtrail(
            &[
                "unused",
                "--json",
                "--policy",
                &grant("admin.json"),
                "-p",
                principal,
                "-o",
                out.to_str().unwrap(),
                input,
            ],
            None,
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(std::fs::read(&out).unwrap(), g.stdout, "{principal}");
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let generated: Value = serde_json::from_slice(&g.stdout).unwrap();
        assert_eq!(v["suggested_policy"], generated, "{principal}");
        // It allows every used action.
        let in_policy: BTreeSet<String> = generated["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| match &s["Action"] {
                Value::String(a) => vec![a.clone()],
                Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_string()).collect(),
                _ => vec![],
            })
            .collect();
        assert_eq!(strings(&v, "used", "action"), in_policy, "{principal}");
    }
}

#[test]
fn every_used_verdict_cites_its_records() {
    let v = json("admin.json", APP, TRAIL);
    let used = v["used"].as_array().unwrap();
    assert_eq!(
        strings(&v, "used", "action"),
        USED.iter().map(|s| s.to_string()).collect()
    );
    let get = used.iter().find(|u| u["action"] == "s3:GetObject").unwrap();
    let rs = get["resources"].as_array().unwrap();
    assert_eq!(rs.len(), 2);
    assert_eq!(rs[0]["resource"], "arn:aws:s3:::app-bucket/data/a.csv");
    assert_eq!(
        rs[0]["event_ids"],
        serde_json::json!(["00000000-0000-4000-8000-000000000001"])
    );
    assert_eq!(rs[0]["first_seen"], "2026-11-01T10:00:00Z");
    assert_eq!(
        rs[1]["event_ids"][0],
        "00000000-0000-4000-8000-000000000002"
    );
    assert_eq!(rs[1]["last_seen"], "2026-11-01T10:05:00Z");
    for u in used {
        for r in u["resources"].as_array().unwrap() {
            assert!(r["records"].as_u64().unwrap() > 0, "{u}");
            assert!(!r["event_ids"].as_array().unwrap().is_empty(), "{u}");
            assert!(r["first_seen"].is_string(), "{u}");
        }
    }
    // The other principal's PutObject is not in the used set.
    assert!(!strings(&v, "used", "action").contains("s3:PutObject"));
}

#[test]
fn reads_standard_input_and_asks_for_a_principal() {
    let gz = std::fs::read(common::root().join(TRAIL).join(
        "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/01/123456789012_CloudTrail_us-east-1_20261101T1015Z_unused.json.gz",
    ))
    .unwrap();
    // Two principals in the trail: one must be named.
    let o = iamtrail(
        &["unused", "--policy", &grant("admin.json"), "-"],
        Some(&gz),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--principal"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let o = iamtrail(
        &[
            "unused",
            "--json",
            "--policy",
            &grant("scoped.json"),
            "-p",
            APP,
            "-",
        ],
        Some(&gz),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["summary"]["unused_actions"], 2);
}

#[test]
fn bad_input_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#,
    )
    .unwrap();
    let o = iamtrail(&["unused", "--policy", bad.to_str().unwrap(), TRAIL], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.json"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    // A selection that matches nothing is not a report.
    let o = iamtrail(
        &[
            "unused",
            "--policy",
            &grant("admin.json"),
            "-p",
            "arn:aws:iam::123456789012:role/nobody",
            TRAIL,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    // No --policy: usage.
    let o = iamtrail(&["unused", TRAIL], None);
    assert_eq!(o.status.code(), Some(2));
}

/// `unused -- CMD`: the AWS calls a command makes (through the capture proxy, against a
/// real moto_server with the real AWS CLI) are the used set, as for `generate -- CMD`.
#[test]
fn capture_counts_the_commands_calls_as_used() {
    let moto = common::moto::Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.txt");
    std::fs::write(&file, "v1").unwrap();
    let grant_file = dir.path().join("s3.json");
    std::fs::write(
        &grant_file,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
    )
    .unwrap();
    let script = format!(
        "aws s3 mb s3://unused-bucket\naws s3 cp '{}' s3://unused-bucket/releases/app.txt\n",
        file.display()
    );
    let path = format!(
        "{}:{}",
        common::moto::venv().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let records = dir.path().join("records.ndjson");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_iamtrail"));
    cmd.args([
        "unused",
        "--json",
        "--policy",
        grant_file.to_str().unwrap(),
        "--capture-output",
        records.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        &script,
    ]);
    for k in [
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "https_proxy",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
        "AWS_PROFILE",
        "AWS_CA_BUNDLE",
    ] {
        cmd.env_remove(k);
    }
    let out = cmd
        .current_dir(common::root())
        .env("PATH", path)
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIDUNUSEDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "unusedtestsecretkeyEXAMPLE")
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/iamtrail-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/iamtrail-test-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        strings(&v, "used", "action"),
        ["s3:CreateBucket", "s3:PutObject"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    let unused = strings(&v, "unused", "action");
    assert!(unused.contains("s3:GetObject") && !unused.contains("s3:PutObject"));
    // The suggestion is what `generate` gives for the records the capture kept.
    let g = iamtrail(&["generate", "-q", records.to_str().unwrap()], None);
    assert_eq!(g.status.code(), Some(0), "{}", stderr(&g));
    let generated: Value = serde_json::from_slice(&g.stdout).unwrap();
    assert_eq!(v["suggested_policy"], generated);
}

/// The selection flags are `generate`'s: a time window narrows the used set.
#[test]
fn selection_flags_narrow_the_used_set() {
    let o = iamtrail(
        &[
            "unused",
            "--json",
            "--policy",
            &grant("scoped.json"),
            "-p",
            APP,
            "--start",
            "2026-11-01T10:05:00Z",
            "--until",
            "2026-11-01T10:11:00Z",
            "--region",
            "us-east-1",
            TRAIL,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    // 10:05 GetObject b.csv, 10:06 ListObjects, 10:10 GetItem; not 10:00 nor 10:12.
    assert_eq!(
        strings(&v, "used", "action"),
        ["dynamodb:GetItem", "s3:GetObject", "s3:ListBucket"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    assert!(strings(&v, "unused", "action").contains("dynamodb:Query"));
    let get = &v["used"].as_array().unwrap()[1];
    assert_eq!(
        get["resources"][0]["resource"],
        "arn:aws:s3:::app-bucket/data/b.csv"
    );
    // A region the trail does not hold is a selection that matches nothing: exit 2.
    let o = iamtrail(
        &[
            "unused",
            "--policy",
            &grant("scoped.json"),
            "-p",
            APP,
            "--region",
            "eu-west-3",
            TRAIL,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// `s3://` inputs go through the same ingest: the trail uploaded to a real moto_server
/// (with the AWS CLI) gives the same report as the local files.
#[test]
fn s3_input_gives_the_local_report() {
    let moto = common::moto::Moto::start();
    let ep = moto.endpoint();
    let nowhere = common::moto::target_dir().join("no-aws-config");
    let env = |cmd: &mut std::process::Command| {
        for k in [
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_S3",
        ] {
            cmd.env_remove(k);
        }
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", nowhere.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", nowhere.join("credentials"))
            .current_dir(common::root())
            .stdin(std::process::Stdio::null());
    };
    let aws = common::moto::venv().join("bin/aws");
    for args in [
        vec!["s3", "mb", "s3://unused-trail"],
        vec!["s3", "cp", "--recursive", TRAIL, "s3://unused-trail/"],
    ] {
        let mut cmd = std::process::Command::new(&aws);
        env(&mut cmd);
        let o = cmd
            .args(["--endpoint-url", &ep])
            .args(&args)
            .output()
            .unwrap();
        assert!(o.status.success(), "aws {args:?}: {}", stderr(&o));
    }
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_iamtrail"));
    env(&mut cmd);
    let o = cmd
        .args(["unused", "--json", "-q", "--endpoint-url", &ep])
        .args([
            "--policy",
            &grant("s3-dynamodb-get.json"),
            "-p",
            APP,
            "s3://unused-trail/",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut remote: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut local = json("s3-dynamodb-get.json", APP, TRAIL);
    // The accounting says where the objects came from; the findings must not differ.
    remote.as_object_mut().unwrap().remove("report");
    local.as_object_mut().unwrap().remove("report");
    assert_eq!(remote, local);
    assert_eq!(remote["summary"]["used_not_granted"], 1);
}

//! A policy must serve the next run of the job it was made from: a policy generated from
//! runs 1..N allows every call of run N+1 — new build number, new build id, new log
//! stream, new cache hash, new timestamped change set, new task — and still denies the
//! neighbours it never saw (other buckets, prefixes, log groups, parameters, stacks).
//! Checked on the bundled sample trails and on a synthetic job of several runs, with
//! iamtrail's evaluator.

mod common;
use common::*;

use iamtrail::iam::eval::{Decision, PolicySet, Request};
use iamtrail::iam::policy::Document;
use serde_json::{Value, json};

const CI: &str = "arn:aws:iam::111122223333:role/ci";

/// The documents of a `generate --json` output.
fn documents(v: &Value) -> Vec<Document> {
    serde_json::from_value(v["policies"].clone()).unwrap()
}

/// `generate --json` for the ci role with `args`; the exit code must be 0.
fn generate(args: &[&str]) -> Value {
    let mut all = vec!["generate", "--json", "-p", CI];
    all.extend_from_slice(args);
    let o = iamtrail(&all, None);
    assert_eq!(o.status.code(), Some(0), "{all:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// Every (action, resource, context) an exact (`--pin`) policy grants: the requests the
/// run made.
fn requests(exact: &[Document]) -> Vec<Request> {
    let mut out = Vec::new();
    for d in exact {
        for st in &d.statements {
            let mut context = std::collections::BTreeMap::new();
            let cond = serde_json::to_value(&st.condition).unwrap();
            if let Some(ops) = cond.as_object() {
                for keys in ops.values() {
                    for (k, v) in keys.as_object().unwrap() {
                        let vals = match v {
                            Value::Array(a) => {
                                a.iter().map(|x| x.as_str().unwrap().to_string()).collect()
                            }
                            x => vec![x.as_str().unwrap().to_string()],
                        };
                        context.insert(k.clone(), vals);
                    }
                }
            }
            for a in &st.action.as_ref().unwrap().0 {
                for r in &st.resource.as_ref().unwrap().0 {
                    out.push(Request {
                        principal: None,
                        action: a.clone(),
                        resource: r.clone(),
                        context: context.clone(),
                    });
                }
            }
        }
    }
    assert!(!out.is_empty());
    out
}

fn decide(policy: &[Document], action: &str, resource: &str) -> Decision {
    PolicySet::identity(policy)
        .evaluate(&Request::new(action, resource))
        .decision
}

#[test]
fn sample_trails_policy_from_the_first_builds_serves_the_next() {
    // Builds 1233 and 1234 ran on 11-20; build 1235 on 11-22.
    let before = generate(&["--end", "2026-11-21T00:00:00Z", "sample-trails"]);
    let policy = documents(&before);
    let next = generate(&[
        "--pin",
        "--generalize",
        "0",
        "--start",
        "2026-11-22T00:00:00Z",
        "sample-trails",
    ]);
    let reqs = requests(&documents(&next));
    let puts = reqs
        .iter()
        .filter(|r| r.resource.contains("/builds/1235/"))
        .count();
    assert!(puts > 10, "build 1235 writes its own keys");
    for r in &reqs {
        assert_eq!(
            PolicySet::identity(&policy).evaluate(r).decision,
            Decision::Allowed,
            "build 1235 needs {} on {}, which the policy from builds 1233-1234 does not allow:\n{}",
            r.action,
            r.resource,
            serde_json::to_string_pretty(&before["policies"]).unwrap()
        );
    }
    // Every generalization says what it replaced and by which rule.
    let gens = before["report"]["generalizations"].as_array().unwrap();
    let put = gens
        .iter()
        .find(|g| {
            g["action"] == "s3:PutObject"
                && g["pattern"]
                    .as_str()
                    .unwrap()
                    .ends_with("/builds/*/app.zip")
        })
        .expect("builds/*/app.zip");
    assert_eq!(put["rules"], json!(["counter"]));
    // The evidence that the number varies: the build numbers seen at its place.
    assert_eq!(put["varied"], json!(["1233", "1234"]));
    assert_eq!(
        put["examples"],
        json!([
            "arn:aws:s3:::ci-artifacts-111122223333/builds/1233/app.zip",
            "arn:aws:s3:::ci-artifacts-111122223333/builds/1234/app.zip"
        ])
    );
    assert!(gens.iter().any(|g| g["rules"] == json!(["uuid"])
        && g["pattern"]
            == "arn:aws:logs:us-east-1:111122223333:log-group:/aws/codebuild/ci:log-stream:*"));
    // The neighbours stay out.
    for (action, resource) in [
        (
            "s3:PutObject",
            "arn:aws:s3:::ci-artifacts-111122223333/releases/v2/app.zip",
        ),
        (
            "s3:PutObject",
            "arn:aws:s3:::ci-artifacts-111122223333/builds/1235/other.zip",
        ),
        (
            "s3:PutObject",
            "arn:aws:s3:::other-bucket/builds/1235/app.zip",
        ),
        (
            "s3:GetObject",
            "arn:aws:s3:::ci-artifacts-111122223333/secrets/key.pem",
        ),
        (
            "logs:CreateLogStream",
            "arn:aws:logs:us-east-1:111122223333:log-group:/aws/codebuild/other:log-stream:x",
        ),
        (
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000",
        ),
    ] {
        assert_eq!(
            decide(&policy, action, resource),
            Decision::ImplicitDeny,
            "{action} on {resource}"
        );
    }
    // --pin keeps today's exact resources: then the next build is denied.
    let pinned = documents(&generate(&[
        "--pin",
        "--end",
        "2026-11-21T00:00:00Z",
        "sample-trails",
    ]));
    assert!(
        reqs.iter()
            .any(|r| PolicySet::identity(&pinned).evaluate(r).decision != Decision::Allowed),
        "a pinned policy cannot serve the next build; the test would not tell"
    );
}

/// A uuid made from a run number, deterministic.
fn uuid(run: u32, salt: u32) -> String {
    let x = (run as u64 * 2_654_435_761 + salt as u64 * 40_503) ^ 0x9e37_79b9_7f4a_7c15;
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        x as u32,
        (x >> 32) as u16,
        (x >> 20) as u16 & 0xfff,
        (x >> 8) as u16 & 0xfff,
        x.wrapping_mul(0x1000_0000_01b3) & 0xffff_ffff_ffff
    )
}

/// The calls of run `run` of a CI job.
fn run_records(run: u32) -> Vec<Value> {
    let build = 4100 + run;
    let id = uuid(run, 1);
    let day = format!("2026-10-{:02}", run + 1);
    let stamp = format!("202610{:02}T1000Z", run + 1);
    let sha = format!("{:040x}", (run as u128 + 7) * 0x1234_5678_9abc_def1_2345);
    let mut recs = vec![
        record(
            "logs.amazonaws.com",
            "CreateLogStream",
            json!({"logGroupName": "/aws/codebuild/app", "logStreamName": id}),
        ),
        record(
            "s3.amazonaws.com",
            "PutObject",
            json!({"bucketName": "ci-artifacts", "key": format!("builds/{build}/app.zip")}),
        ),
        record(
            "s3.amazonaws.com",
            "PutObject",
            json!({"bucketName": "ci-artifacts", "key": format!("deploy/app:{id}/manifest.json")}),
        ),
        record(
            "s3.amazonaws.com",
            "GetObject",
            json!({"bucketName": "ci-artifacts", "key": format!("cache/{sha}.tar.gz")}),
        ),
        record(
            "s3.amazonaws.com",
            "GetObject",
            json!({"bucketName": "ci-artifacts", "key": "config/app.json"}),
        ),
        record(
            "ssm.amazonaws.com",
            "PutParameter",
            json!({"name": format!("/ci/app/builds/{build}/status"), "type": "String"}),
        ),
        record(
            "ssm.amazonaws.com",
            "GetParameter",
            json!({"name": "/ci/app/db-host"}),
        ),
        record(
            "cloudformation.amazonaws.com",
            "DescribeChangeSet",
            json!({"stackName": "app", "changeSetName": format!("deploy-{stamp}")}),
        ),
        record(
            "ecs.amazonaws.com",
            "DescribeTasks",
            json!({"cluster": "ci", "tasks": [format!("arn:aws:ecs:us-east-1:111122223333:task/ci/{}", uuid(run, 2).replace('-', ""))]}),
        ),
        record(
            "kms.amazonaws.com",
            "Decrypt",
            json!({"keyId": "arn:aws:kms:us-east-1:111122223333:key/0f3c6b1e-2d4a-4c8e-9b7f-5a1d2e3f4a5b"}),
        ),
    ];
    for (i, r) in recs.iter_mut().enumerate() {
        r["eventTime"] = json!(format!("{day}T10:{i:02}:00Z"));
        r["eventID"] = json!(format!("run{run}-{i}"));
        r["userIdentity"]["arn"] = json!(format!(
            "arn:aws:sts::111122223333:assumed-role/ci/AWSCodeBuild-{id}"
        ));
    }
    recs
}

#[test]
fn a_policy_from_runs_1_to_n_allows_run_n_plus_1_and_denies_the_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    for n in [1u32, 2, 4] {
        let past: Vec<Value> = (1..=n).flat_map(run_records).collect();
        let past_dir = dir.path().join(format!("past{n}"));
        write_object(&past_dir, "trail.json.gz", &past);
        let next_dir = dir.path().join(format!("next{n}"));
        write_object(&next_dir, "trail.json.gz", &run_records(n + 1));
        let made = generate(&[past_dir.to_str().unwrap()]);
        let policy = documents(&made);
        let again = generate(&[past_dir.to_str().unwrap()]);
        assert_eq!(made, again, "the same input gives the same bytes");
        let next = documents(&generate(&[
            "--pin",
            "--generalize",
            "0",
            next_dir.to_str().unwrap(),
        ]));
        for r in requests(&next) {
            // A single run shows a build number once: without a second one nothing says
            // it varies, and it stays exact (the one rule that needs two runs).
            if n == 1 && r.resource.contains("/builds/") {
                assert_eq!(
                    PolicySet::identity(&policy).evaluate(&r).decision,
                    Decision::ImplicitDeny,
                    "{}",
                    r.resource
                );
                continue;
            }
            assert_eq!(
                PolicySet::identity(&policy).evaluate(&r).decision,
                Decision::Allowed,
                "runs 1..={n}: run {} needs {} on {}:\n{}",
                n + 1,
                r.action,
                r.resource,
                serde_json::to_string_pretty(&made["policies"]).unwrap()
            );
        }
        for (action, resource) in [
            ("s3:PutObject", "arn:aws:s3:::ci-artifacts/releases/app.zip"),
            (
                "s3:PutObject",
                "arn:aws:s3:::ci-artifacts/builds/4200/secret.txt",
            ),
            ("s3:PutObject", "arn:aws:s3:::other/builds/4200/app.zip"),
            (
                "s3:GetObject",
                "arn:aws:s3:::ci-artifacts/config/other.json",
            ),
            ("s3:GetObject", "arn:aws:s3:::ci-artifacts/cache/x.zip"),
            (
                "logs:CreateLogStream",
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/app:log-stream:x",
            ),
            (
                "ssm:PutParameter",
                "arn:aws:ssm:us-east-1:111122223333:parameter/ci/app/db-host",
            ),
            (
                "ssm:GetParameter",
                "arn:aws:ssm:us-east-1:111122223333:parameter/ci/app/db-password",
            ),
            (
                "cloudformation:DescribeChangeSet",
                "arn:aws:cloudformation:us-east-1:111122223333:changeSet/other/x",
            ),
            (
                "ecs:DescribeTasks",
                "arn:aws:ecs:us-east-1:111122223333:task/prod/0123",
            ),
            (
                "kms:Decrypt",
                "arn:aws:kms:us-east-1:111122223333:key/7c2e9a41-8b3d-4f65-a0c9-1e2d3b4c5d6e",
            ),
        ] {
            assert_eq!(
                decide(&policy, action, resource),
                Decision::ImplicitDeny,
                "runs 1..={n}: {action} on {resource}"
            );
        }
        // The fixed parts are never cut: the KMS key (uuid-shaped) stays exact.
        let text = made["policies"].to_string();
        assert!(
            text.contains("key/0f3c6b1e-2d4a-4c8e-9b7f-5a1d2e3f4a5b"),
            "{text}"
        );
        assert!(
            text.contains("log-group:/aws/codebuild/app:log-stream:*"),
            "{text}"
        );
    }
}

#[test]
fn the_report_names_each_generalization_and_pin_turns_them_off() {
    let dir = tempfile::tempdir().unwrap();
    let past: Vec<Value> = (1..=3).flat_map(run_records).collect();
    write_object(dir.path(), "t.json.gz", &past);
    let p = dir.path().to_str().unwrap();
    let o = iamtrail(&["generate", "-p", CI, "--explain", p], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("generalized: s3:PutObject on arn:aws:s3:::ci-artifacts/builds/*/app.zip: 3 resources by counter"),
        "{e}"
    );
    assert!(
        e.contains("arn:aws:s3:::ci-artifacts/deploy/app:*/manifest.json: 3 resources by uuid"),
        "{e}"
    );
    assert!(e.contains("generalized by counter from 3 exact resources, e.g. arn:aws:s3:::ci-artifacts/builds/4101/app.zip"), "{e}");
    let pinned = iamtrail(&["generate", "-p", CI, "--pin", p], None);
    assert!(
        !stderr(&pinned).contains("generalized:"),
        "{}",
        stderr(&pinned)
    );
    assert!(stdout(&pinned).contains("builds/4102/app.zip"));
}

#[test]
fn refine_adds_the_generalized_resource_not_one_more_build() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.json");
    std::fs::write(
        &policy,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"S3Write","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::ci-artifacts-111122223333/builds/1236/app.zip"}]}"#,
    )
    .unwrap();
    let denial = b"User: arn:aws:sts::111122223333:assumed-role/ci/AWSCodeBuild-1 is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::ci-artifacts-111122223333/builds/1237/app.zip\" because no identity-based policy allows the s3:PutObject action\n";
    let p = policy.to_str().unwrap();
    let o = iamtrail(&["refine", "--policy", p, "--json"], Some(denial));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let added = &v["added"][0];
    assert_eq!(
        added["resource"], "arn:aws:s3:::ci-artifacts-111122223333/builds/*/app.zip",
        "{v}"
    );
    assert_eq!(added["rules"], json!(["counter"]));
    assert_eq!(
        added["generalized_from"],
        json!(["arn:aws:s3:::ci-artifacts-111122223333/builds/1237/app.zip"])
    );
    let docs: Vec<Document> = serde_json::from_value(v["policies"].clone()).unwrap();
    assert_eq!(
        decide(
            &docs,
            "s3:PutObject",
            "arn:aws:s3:::ci-artifacts-111122223333/builds/1238/app.zip"
        ),
        Decision::Allowed
    );
    let o = iamtrail(&["refine", "--policy", p, "--pin", "--json"], Some(denial));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["added"][0]["resource"],
        "arn:aws:s3:::ci-artifacts-111122223333/builds/1237/app.zip"
    );
}

//! `iamtrail loop` end to end against a server that enforces IAM policies: moto_server
//! with `INITIAL_NO_AUTH_ACTION_COUNT` lets the setup calls through, then checks every
//! call against the caller's policies and answers real AccessDenied errors.
//!
//! The workload (`tests/fixtures/loop/trial.sh`) is an AWS CLI deploy script across S3,
//! IAM, SQS, SNS and DynamoDB, run as a user with no permissions; the loop applies what
//! it learns to that user through the IAM API with another user's keys.
//!
//! moto evaluates the Resource element only for S3 (bucket and key ARNs), SQS queues that
//! exist and IAM roles; other calls are authorized on `*`, and its messages never name a
//! resource. So the text-only loop (`--no-capture`) runs with `--unknown-resource any`,
//! and the test checks that the S3 grants are scoped to the exact bucket and object (the
//! CLI prints the `s3://` URL) while every other grant is exactly an action the script
//! called. With default flags the loop captures the workload's calls: a workload on what
//! moto scopes (S3 objects, an existing queue) converges to its exact resources even
//! though the AWS CLI prints S3's bare `Access Denied`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::moto::{Moto, venv};
use serde_json::Value;

fn fixture(name: &str) -> std::path::PathBuf {
    common::root().join("tests/fixtures/loop").join(name)
}

/// A server with IAM enforcement after setup, and a credentials file for `admin`
/// (allowed everything) and `trial` (allowed nothing).
fn enforcing_server(dir: &Path) -> (Moto, std::path::PathBuf) {
    let moto = Moto::start_with_env(&[("INITIAL_NO_AUTH_ACTION_COUNT", "5")]);
    let out = Command::new(moto.python())
        .arg(fixture("setup.py"))
        .arg(moto.endpoint())
        .output()
        .expect("run setup.py");
    assert!(
        out.status.success(),
        "setup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let creds = dir.join("credentials");
    std::fs::write(&creds, &out.stdout).unwrap();
    (moto, creds)
}

/// `iamtrail` with the AWS environment of the test (no real credentials can leak in).
fn iamtrail(moto: &Moto, creds: &Path, args: &[&str]) -> std::process::Output {
    let path = format!(
        "{}:{}",
        venv().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(env!("CARGO_BIN_EXE_iamtrail"))
        .args(args)
        .env_clear()
        .env("PATH", path)
        .env("HOME", creds.parent().unwrap())
        .env("AWS_SHARED_CREDENTIALS_FILE", creds)
        .env("AWS_CONFIG_FILE", creds.with_file_name("no-config"))
        .env("AWS_ENDPOINT", moto.endpoint())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run iamtrail")
}

/// `iamtrail loop --apply user:USER` with the admin's keys, no settle wait, `extra`
/// options, and the workload `cmd`.
fn apply_loop(
    moto: &Moto,
    creds: &Path,
    policy: &Path,
    user: &str,
    extra: &[&str],
    cmd: &[&str],
) -> std::process::Output {
    let target = format!("user:{user}");
    let endpoint = moto.endpoint();
    let mut args = vec![
        "loop",
        "--policy",
        policy.to_str().unwrap(),
        "--apply",
        &target,
        "--profile",
        "admin",
        "--endpoint-url",
        &endpoint,
        "--settle",
        "0",
    ];
    args.extend_from_slice(extra);
    args.push("--");
    args.extend_from_slice(cmd);
    iamtrail(moto, creds, &args)
}

/// Every (action, resource) the documents allow.
fn grants(docs: &[Value]) -> BTreeSet<(String, String)> {
    docs.iter()
        .flat_map(common::grants)
        .map(|(a, r)| (a.to_ascii_lowercase(), r))
        .collect()
}

fn documents(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        v => vec![v],
    }
}

/// The trial user's policies as the server holds them (read with the admin's keys).
fn server_policies(moto: &Moto, creds: &Path, user: &str) -> Value {
    let script = format!(
        r#"
import boto3, json, urllib.parse
s = boto3.Session(profile_name="admin")
iam = s.client("iam", endpoint_url="{ep}", region_name="us-east-1")
def doc(d):
    return json.loads(urllib.parse.unquote(d)) if isinstance(d, str) else d
inline = {{n: doc(iam.get_user_policy(UserName="{user}", PolicyName=n)["PolicyDocument"])
          for n in iam.list_user_policies(UserName="{user}")["PolicyNames"]}}
managed = {{}}
for p in iam.list_attached_user_policies(UserName="{user}")["AttachedPolicies"]:
    v = iam.get_policy(PolicyArn=p["PolicyArn"])["Policy"]["DefaultVersionId"]
    managed[p["PolicyArn"]] = doc(iam.get_policy_version(PolicyArn=p["PolicyArn"], VersionId=v)["PolicyVersion"]["Document"])
print(json.dumps({{"inline": inline, "managed": managed}}))
"#,
        ep = moto.endpoint()
    );
    let out = Command::new(moto.python())
        .args(["-c", &script])
        .env("AWS_SHARED_CREDENTIALS_FILE", creds)
        .env("AWS_CONFIG_FILE", creds.with_file_name("no-config"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_loop_converges_to_exactly_what_the_trial_script_needs() {
    let dir = tempfile::tempdir().unwrap();
    let (moto, creds) = enforcing_server(dir.path());
    let policy = dir.path().join("policy.json");
    let trial = fixture("trial.sh");
    let o = apply_loop(
        &moto,
        &creds,
        &policy,
        "trial",
        &[
            "--no-capture",
            "--unknown-resource",
            "any",
            "--max-iterations",
            "20",
        ],
        &["env", "AWS_PROFILE=trial", trial.to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(0), "stdout:\n{out}\nstderr:\n{err}");
    // The workload's output went through.
    assert!(out.contains("== deployed"), "{out}");
    assert!(
        err.contains("iamtrail: loop: the workload succeeded"),
        "{err}"
    );

    let s3 = |a: &str, r: &str| (a.to_string(), r.to_string());
    let want: BTreeSet<(String, String)> = [
        s3("s3:createbucket", "arn:aws:s3:::iamtrail-artifacts"),
        s3(
            "s3:putobject",
            "arn:aws:s3:::iamtrail-artifacts/build/app.txt",
        ),
        s3(
            "s3:getobject",
            "arn:aws:s3:::iamtrail-artifacts/build/app.txt",
        ),
        s3("iam:getrole", "*"),
        s3("iam:createrole", "*"),
        s3("sqs:createqueue", "*"),
        s3("sqs:sendmessage", "*"),
        s3("sns:createtopic", "*"),
        s3("sns:publish", "*"),
        s3("dynamodb:describetable", "*"),
        s3("dynamodb:createtable", "*"),
        s3("dynamodb:putitem", "*"),
    ]
    .into_iter()
    .collect();
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&policy).unwrap()).unwrap();
    assert_eq!(grants(&documents(file.clone())), want, "{file:#}");

    // The server holds the same policy, inline on the user, and nothing else of ours.
    let held = server_policies(&moto, &creds, "trial");
    assert_eq!(held["managed"], serde_json::json!({}), "{held:#}");
    assert_eq!(held["inline"].as_object().unwrap().len(), 1, "{held:#}");
    assert_eq!(held["inline"]["iamtrail"], file, "{held:#}");

    // The history accounts for each iteration: what it added and how it was applied.
    let history: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("policy.history.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(history["outcome"], "succeeded");
    assert_eq!(history["apply"], "user:trial");
    let iterations = history["iterations"].as_array().unwrap();
    let added: BTreeSet<(String, String)> = iterations
        .iter()
        .flat_map(|i| i["added"].as_array().unwrap().iter())
        .map(|a| {
            (
                a["action"].as_str().unwrap().to_ascii_lowercase(),
                a["resource"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(added, want);
    let last = iterations.last().unwrap();
    assert_eq!(last["exit_code"], 0);
    assert!(last["added"].as_array().unwrap().is_empty());
    for it in &iterations[..iterations.len() - 1] {
        assert_ne!(it["exit_code"], 0, "{it:#}");
        assert!(!it["added"].as_array().unwrap().is_empty(), "{it:#}");
        assert_eq!(it["applied"]["placement"], "inline", "{it:#}");
    }
    // The S3 upload's denial names no action: it came through the operation map.
    let put = iterations
        .iter()
        .flat_map(|i| i["added"].as_array().unwrap().iter())
        .find(|a| a["action"] == "s3:PutObject")
        .unwrap();
    assert!(
        put["location"].as_str().unwrap().starts_with("iteration "),
        "{put:#}"
    );

    // Run once more: converged means the first run passes and nothing is added.
    let again = apply_loop(
        &moto,
        &creds,
        &policy,
        "trial",
        &["--quiet"],
        &["env", "AWS_PROFILE=trial", trial.to_str().unwrap()],
    );
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let file2: Value = serde_json::from_str(&std::fs::read_to_string(&policy).unwrap()).unwrap();
    assert_eq!(file2, file);
}

#[test]
fn denials_an_identity_policy_cannot_fix_stop_the_loop() {
    let dir = tempfile::tempdir().unwrap();
    let (moto, creds) = enforcing_server(dir.path());
    let policy = dir.path().join("p.json");
    // The user's explicit Deny is in the policy the loop refines: it must not be "fixed".
    std::fs::write(
        &policy,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoTopics","Effect":"Deny","Action":"sns:CreateTopic","Resource":"*"}]}"#,
    )
    .unwrap();
    let script = dir.path().join("job.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nset -e\naws --endpoint-url \"$AWS_ENDPOINT\" --region us-east-1 sns create-topic --name t\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let o = apply_loop(
        &moto,
        &creds,
        &policy,
        "trial",
        &["--unknown-resource", "any"],
        &["env", "AWS_PROFILE=trial", script.to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("this policy denies it explicitly"), "{err}");
    assert!(
        err.contains(
            "last denial: An error occurred (AccessDenied) when calling the CreateTopic operation"
        ),
        "{err}"
    );
    let history: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("p.history.json")).unwrap())
            .unwrap();
    assert_eq!(history["outcome"], "no-progress");
    assert_eq!(history["iterations"].as_array().unwrap().len(), 1);
}

#[test]
fn a_policy_over_the_inline_quota_goes_to_managed_policies_and_back() {
    // No enforcement here: this checks what ends up on the user.
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials");
    std::fs::write(
        &creds,
        "[admin]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let out = Command::new(moto.python())
        .args([
            "-c",
            &format!(
                "import boto3; boto3.client('iam', endpoint_url='{}', region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b').create_user(UserName='deployer')",
                moto.endpoint()
            ),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 300 object ARNs: ~15,000 characters, over the user's 2,048 inline and one managed
    // policy's 6,144.
    let resources: Vec<String> = (0..300)
        .map(|i| format!("arn:aws:s3:::artifact-bucket/releases/build-{i:04}/app.zip"))
        .collect();
    let big = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Artifacts", "Effect": "Allow", "Action": "s3:GetObject", "Resource": resources}]
    });
    let policy = dir.path().join("big.json");
    std::fs::write(&policy, big.to_string()).unwrap();
    let run = |policy: &Path| apply_loop(&moto, &creds, policy, "deployer", &[], &["true"]);
    let o = run(&policy);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let held = server_policies(&moto, &creds, "deployer");
    let managed = held["managed"].as_object().unwrap();
    assert!(managed.len() >= 3, "{held:#}");
    assert!(held["inline"].as_object().unwrap().is_empty(), "{held:#}");
    for (arn, doc) in managed {
        assert!(
            arn.contains(":policy/iamtrail/iamtrail-user-deployer-"),
            "{arn}"
        );
        let size = doc
            .to_string()
            .chars()
            .filter(|c| !c.is_whitespace())
            .count();
        assert!(size <= 6144, "{arn}: {size}");
    }
    let held_grants = grants(&managed.values().cloned().collect::<Vec<_>>());
    assert_eq!(held_grants, grants(std::slice::from_ref(&big)));

    // Shrunk to fit inline: the managed parts are detached and deleted.
    let small = dir.path().join("small.json");
    std::fs::write(
        &small,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"One","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::artifact-bucket/releases/latest/app.zip"}]}"#,
    )
    .unwrap();
    let o = run(&small);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let held = server_policies(&moto, &creds, "deployer");
    assert_eq!(held["managed"], serde_json::json!({}), "{held:#}");
    assert_eq!(
        grants(&[held["inline"]["iamtrail"].clone()]),
        [(
            "s3:getobject".to_string(),
            "arn:aws:s3:::artifact-bucket/releases/latest/app.zip".to_string()
        )]
        .into_iter()
        .collect()
    );
    let history: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("small.history.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(history["initial_apply"]["placement"], "inline");
    assert!(
        history["initial_apply"]["removed"]
            .as_array()
            .unwrap()
            .len()
            >= 3
    );
}

/// `loop` without `--apply`: a workload that reads the policy file itself (as a Terraform
/// or CDK stack that deploys the policy would).
#[test]
fn without_apply_the_workload_reads_the_policy_file_and_exit_codes_say_how_it_ended() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.json");
    let script = dir.path().join("job.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\n\
         echo \"run $IAMTRAIL_LOOP_ITERATION\"\n\
         if grep -q '\"s3:PutObject\"' \"$1\" 2>/dev/null; then echo deployed; exit 0; fi\n\
         echo 'upload failed: ./app.zip to s3://artifacts/app.zip An error occurred (AccessDenied) when calling the PutObject operation: Access Denied' >&2\n\
         exit 1\n",
    )
    .unwrap();
    let run = |extra: &[&str], cmd: &[&str]| {
        let mut args = vec![
            "loop",
            "--policy",
            policy.to_str().unwrap(),
            "--settle",
            "0",
        ];
        args.extend_from_slice(extra);
        args.push("--");
        args.extend_from_slice(cmd);
        Command::new(env!("CARGO_BIN_EXE_iamtrail"))
            .args(&args)
            .output()
            .unwrap()
    };
    let (sh, s, p) = ("sh", script.to_str().unwrap(), policy.to_str().unwrap());
    // One run only: the denial is learned but there is no run left to pass.
    let o = run(&["--max-iterations", "1"], &[sh, s, p]);
    assert_eq!(o.status.code(), Some(4), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("--max-iterations reached"));
    std::fs::remove_file(&policy).unwrap();
    let o = run(&[], &[sh, s, p]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    assert_eq!(common::stdout(&o), "run 1\nrun 2\ndeployed\n");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&policy).unwrap()).unwrap();
    assert_eq!(
        common::grants(&file),
        vec![(
            "s3:PutObject".to_string(),
            "arn:aws:s3:::artifacts/app.zip".to_string()
        )]
    );
    // A failure that is not a denial: exit 5, the policy untouched.
    let o = run(&[], &[sh, "-c", "echo 'error: tests failed' >&2; exit 2"]);
    assert_eq!(o.status.code(), Some(5), "{}", common::stderr(&o));
    let same: Value = serde_json::from_str(&std::fs::read_to_string(&policy).unwrap()).unwrap();
    assert_eq!(same, file);
    // Usage errors.
    for bad in [
        vec!["loop", "--policy", p],
        vec!["loop", "--policy", p, "--apply", "group:ci", "--", "true"],
        vec!["loop", "--policy", p, "--policy-name", "a b", "--", "true"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_iamtrail"))
            .args(&bad)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", common::stderr(&o));
    }
    let o = run(&[], &["/nonexistent/workload"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(common::stderr(&o).contains("cannot run `/nonexistent/workload`"));
}

/// Default flags: the loop captures the workload's calls, so S3's bare `Access Denied`
/// (`s3api put-object` prints no bucket or key) and a denial the workload hides are both
/// learned with their exact resources, and it converges to exactly the pairs called.
#[test]
fn with_default_flags_the_loop_captures_and_converges_to_the_exact_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let (moto, creds) = enforcing_server(dir.path());
    // An existing queue (made with the admin's keys): moto scopes SQS calls to it.
    let made = Command::new(moto.python())
        .args([
            "-c",
            &format!(
                "import boto3; print(boto3.Session(profile_name='admin').client('sqs', endpoint_url='{}', region_name='us-east-1').create_queue(QueueName='jobs')['QueueUrl'])",
                moto.endpoint()
            ),
        ])
        .env("AWS_SHARED_CREDENTIALS_FILE", &creds)
        .env("AWS_CONFIG_FILE", creds.with_file_name("no-config"))
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", common::stderr(&made));
    let queue = String::from_utf8_lossy(&made.stdout).trim().to_string();
    let script = dir.path().join("workload.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\
             set -e\n\
             aws() {{ command aws --endpoint-url \"$AWS_ENDPOINT\" --region us-east-1 \"$@\"; }}\n\
             echo \"build $IAMTRAIL_LOOP_ITERATION\" > \"$HOME/app.txt\"\n\
             aws s3api create-bucket --bucket iamtrail-release > /dev/null\n\
             aws s3api get-object --bucket iamtrail-release --key releases/app.txt \"$HOME/previous.txt\" > /dev/null 2>&1 || echo 'no previous release'\n\
             aws s3api put-object --bucket iamtrail-release --key releases/app.txt --body \"$HOME/app.txt\" > /dev/null\n\
             aws sqs send-message --queue-url {queue} --message-body released > /dev/null\n\
             echo released\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let policy = dir.path().join("p.json");
    let o = apply_loop(
        &moto,
        &creds,
        &policy,
        "trial",
        &[],
        &["env", "AWS_PROFILE=trial", script.to_str().unwrap()],
    );
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{}\n{err}", common::stdout(&o));
    // The bare message the CLI printed: it names no bucket.
    assert!(
        err.contains("when calling the PutObject operation: Access Denied"),
        "{err}"
    );
    let p = |a: &str, r: &str| (a.to_string(), r.to_string());
    let want: BTreeSet<(String, String)> = [
        p("s3:createbucket", "arn:aws:s3:::iamtrail-release"),
        p(
            "s3:getobject",
            "arn:aws:s3:::iamtrail-release/releases/app.txt",
        ),
        p(
            "s3:putobject",
            "arn:aws:s3:::iamtrail-release/releases/app.txt",
        ),
        p("sqs:sendmessage", "arn:aws:sqs:us-east-1:123456789012:jobs"),
    ]
    .into_iter()
    .collect();
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&policy).unwrap()).unwrap();
    assert_eq!(grants(&documents(file.clone())), want, "{file:#}\n{err}");
    let held = server_policies(&moto, &creds, "trial");
    assert_eq!(held["inline"]["iamtrail"], file, "{held:#}");

    let history: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("p.history.json")).unwrap())
            .unwrap();
    let iterations = history["iterations"].as_array().unwrap();
    // CreateBucket; then GetObject (hidden by the workload) with PutObject in one run;
    // then SendMessage; then it passes.
    assert_eq!(iterations.len(), 4, "{history:#}");
    let added = |i: usize| -> BTreeSet<String> {
        iterations[i]["added"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["action"].as_str().unwrap().to_ascii_lowercase())
            .collect()
    };
    assert_eq!(
        added(1),
        ["s3:getobject", "s3:putobject"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    for a in iterations[1]["added"].as_array().unwrap() {
        assert!(
            a["location"]
                .as_str()
                .unwrap()
                .starts_with("iteration 2 capture"),
            "{a:#}"
        );
    }
    // The printed PutObject denial is the captured call: counted once.
    assert_eq!(
        iterations[1]["denials"].as_array().unwrap().len(),
        2,
        "{history:#}"
    );
}

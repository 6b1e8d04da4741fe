//! `iamtrail simulate`: the decision and the deciding statements, text and JSON, every
//! policy type on the command line, and its exit codes (0 for any decision, 2 for usage,
//! 1 for a policy that does not parse, naming the file, element, line and column).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn simulate(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_iamtrail"))
        .arg("simulate")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> Value {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let (code, out, err) = simulate(&a);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

const READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
const FULL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const USER: &str = "arn:aws:iam::111111111111:user/alice";

#[test]
fn identity_policy_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "read.json", READ);
    let p = p.to_str().unwrap();
    let (code, out, _) = simulate(&[
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
        "--policy",
        p,
    ]);
    assert_eq!(code, 0);
    assert!(out.starts_with("Allowed\n"), "{out}");
    assert!(
        out.contains("read.json statement 0 Sid \"Read\" at Statement[0] (identity policy)"),
        "{out}"
    );
    let v = json(&[
        "--action",
        "s3:PutObject",
        "--resource",
        "arn:aws:s3:::b/k",
        "--policy",
        p,
    ]);
    assert_eq!(v["decision"], "ImplicitDeny");
    assert_eq!(v["deciding"].as_array().unwrap().len(), 0);
    let v = json(&[
        "--action",
        "s3:getobject",
        "--resource",
        "arn:aws:s3:::b/k",
        "--policy",
        p,
    ]);
    assert_eq!(v["decision"], "Allowed");
    assert_eq!(v["deciding"][0]["sid"], "Read");
    assert_eq!(v["deciding"][0]["path"], "Statement[0]");
    assert_eq!(v["deciding"][0]["kind"], "Identity");
}

#[test]
fn scp_levels_root_first_with_arrays_and_empty_levels() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "read.json", READ);
    let root = write(
        dir.path(),
        "root.json",
        &format!(
            r#"[{FULL}, {{"Version":"2012-10-17","Statement":[{{"Sid":"NoGet","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/secret/*"}}]}}]"#
        ),
    );
    let ou = write(dir.path(), "ou.json", FULL);
    let empty = write(dir.path(), "empty.json", "[]");
    let s = |x: &PathBuf| x.to_str().unwrap().to_string();
    let run = |resource: &str, levels: &[&PathBuf]| {
        let mut a = vec![
            "--action".to_string(),
            "s3:GetObject".into(),
            "--resource".into(),
            resource.into(),
            "--policy".into(),
            s(&p),
        ];
        for l in levels {
            a.push("--scp".into());
            a.push(s(l));
        }
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        json(&refs)
    };
    assert_eq!(
        run("arn:aws:s3:::b/k", &[&root, &ou])["decision"],
        "Allowed"
    );
    let v = run("arn:aws:s3:::b/secret/k", &[&root, &ou]);
    assert_eq!(v["decision"], "ExplicitDeny");
    assert_eq!(v["deciding"][0]["sid"], "NoGet");
    assert_eq!(v["deciding"][0]["kind"], "Scp");
    assert!(
        v["deciding"][0]["document"]
            .as_str()
            .unwrap()
            .contains("root.json[1]")
    );
    assert_eq!(
        run("arn:aws:s3:::b/k", &[&root, &empty])["decision"],
        "ImplicitDeny"
    );
}

#[test]
fn resource_policy_boundary_and_cross_account() {
    let dir = tempfile::tempdir().unwrap();
    // A bucket policy may leave out Resource.
    let bucket = write(
        dir.path(),
        "bucket.json",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{USER}"}},"Action":"s3:GetObject"}}]}}"#
        ),
    );
    let boundary = write(
        dir.path(),
        "boundary.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}"#,
    );
    let read = write(dir.path(), "read.json", READ);
    let s = |x: &PathBuf| x.to_str().unwrap().to_string();
    let base = [
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
        "--principal",
        USER,
    ];
    let with = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        json(&a)["decision"].as_str().unwrap().to_string()
    };
    let (b, bd, r) = (s(&bucket), s(&boundary), s(&read));
    // Same account: the bucket policy naming the user allows, even past the boundary.
    assert_eq!(
        with(&[
            "--resource-account",
            "111111111111",
            "--resource-policy",
            &b
        ]),
        "Allowed"
    );
    assert_eq!(
        with(&[
            "--resource-account",
            "111111111111",
            "--resource-policy",
            &b,
            "--boundary",
            &bd
        ]),
        "Allowed"
    );
    // The identity grant is capped by the boundary.
    assert_eq!(
        with(&[
            "--resource-account",
            "111111111111",
            "--policy",
            &r,
            "--boundary",
            &bd
        ]),
        "ImplicitDeny"
    );
    // Cross account: both sides.
    assert_eq!(
        with(&[
            "--resource-account",
            "222222222222",
            "--resource-policy",
            &b
        ]),
        "ImplicitDeny"
    );
    assert_eq!(
        with(&[
            "--resource-account",
            "222222222222",
            "--resource-policy",
            &b,
            "--policy",
            &r
        ]),
        "Allowed"
    );
}

#[test]
fn context_repeats_for_multi_valued_keys() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "tags.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#,
    );
    let p = p.to_str().unwrap();
    let run = |ctx: &[&str]| {
        let mut a = vec![
            "--action",
            "ec2:CreateTags",
            "--resource",
            "*",
            "--policy",
            p,
        ];
        for c in ctx {
            a.extend_from_slice(&["--context", c]);
        }
        json(&a)["decision"].as_str().unwrap().to_string()
    };
    assert_eq!(
        run(&[
            "aws:TagKeys=team",
            "aws:TagKeys=env",
            "aws:SourceIp=10.1.2.3"
        ]),
        "Allowed"
    );
    assert_eq!(
        run(&[
            "aws:TagKeys=team",
            "aws:TagKeys=owner",
            "aws:SourceIp=10.1.2.3"
        ]),
        "ImplicitDeny"
    );
    assert_eq!(
        run(&["aws:TagKeys=team", "aws:SourceIp=192.168.0.1"]),
        "ImplicitDeny"
    );
}

#[test]
fn exit_codes_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.json",
        "{\"Version\":\"2012-10-17\",\n\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\n\"Condition\":{\"StringEqulas\":{\"aws:username\":\"a\"}}}]}",
    );
    let (code, out, err) = simulate(&[
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
        "--policy",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("bad.json"), "{err}");
    assert!(err.contains("Statement[0].Condition.StringEqulas"), "{err}");
    assert!(err.contains("line 3, column"), "{err}");
    // An identity policy must name its Resource.
    let nores = write(
        dir.path(),
        "nores.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#,
    );
    let (code, _, err) = simulate(&[
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
        "--policy",
        nores.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("has no Resource"), "{err}");
    let (code, _, _) = simulate(&[
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
        "--policy",
        "/nonexistent/p.json",
    ]);
    assert_eq!(code, 1);
    for bad_args in [
        &["--action", "s3:GetObject"][..],
        &["--action", "GetObject", "--resource", "*"],
        &[
            "--action",
            "s3:GetObject",
            "--resource",
            "*",
            "--context",
            "novalue",
        ],
        &["--action", "s3:GetObject", "--resource", "*", "--bogus"],
    ] {
        let (code, out, _) = simulate(bad_args);
        assert_eq!(code, 2, "{bad_args:?}");
        assert!(out.is_empty());
    }
    // No policy at all: printed, exit 0.
    let (code, out, _) = simulate(&["--action", "s3:GetObject", "--resource", "*"]);
    assert_eq!((code, out.lines().next()), (0, Some("ImplicitDeny")));
}

#[test]
fn non_iam_fields_are_read_past_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "meta.json",
        r#"{"Version":"2012-10-17","Description":"kept by a tool","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Owner":"team"}]}"#,
    );
    let (code, out, err) = simulate(&[
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
        "--policy",
        p.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Allowed"));
    assert!(
        err.contains("warning: ")
            && err.contains("Description")
            && err.contains("Statement[0].Owner"),
        "{err}"
    );
}

//! Output formats as the tools that take them read them: CloudFormation JSON and YAML
//! parsed back, `--name` rules, `--output-dir`, `-o -`, quota warnings; and errors a
//! new user meets: a malformed policy file, `loop --apply` without credentials or with
//! a profile that does not exist.

mod common;

use std::process::{Command, Stdio};

use common::policies::{Case, cases, generate, json_documents};
use iamtrail::policy::emit::logical_id;
use serde_json::Value;

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// The policy documents of a CloudFormation template, in the order of the parts.
fn template_documents(c: &Case, template: &Value, parts: usize) -> Vec<Value> {
    assert_eq!(template["AWSTemplateFormatVersion"], "2010-09-09");
    let resources = template["Resources"].as_object().expect("Resources");
    assert_eq!(resources.len(), parts, "{template}");
    (0..parts)
        .map(|i| {
            let name = if parts == 1 {
                c.name.clone()
            } else {
                format!("{}-{}", c.name, i + 1)
            };
            let r = &resources[&logical_id(&name)];
            assert_eq!(r["Type"], "AWS::IAM::ManagedPolicy");
            r["Properties"]["PolicyDocument"].clone()
        })
        .collect()
}

#[test]
fn cloudformation_json_and_yaml_hold_the_json_policy() {
    let dir = tempfile::tempdir().unwrap();
    for c in cases(dir.path()) {
        let docs = json_documents(&c);
        let json: Value = serde_json::from_str(&common::stdout(&generate(&c, "cloudformation")))
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        assert_eq!(
            template_documents(&c, &json, docs.len()),
            docs,
            "{}",
            c.name
        );
        for alias in ["cloudformation-yaml", "cfn-yaml"] {
            let text = common::stdout(&generate(&c, alias));
            let yaml: Value = serde_norway::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not valid YAML: {e}\n{text}", c.name));
            assert_eq!(
                template_documents(&c, &yaml, docs.len()),
                docs,
                "{}: {text}",
                c.name
            );
        }
    }
}

#[test]
fn bad_names_are_usage_errors_that_say_the_rule_and_a_fix() {
    for (name, rule, fix) in [
        ("my policy", "1 to 128 characters", "--name my-policy"),
        ("1ci", "Terraform resource names", "--name iamtrail-1ci"),
        ("__", "CloudFormation logical ids", "--name iamtrail-__"),
    ] {
        let o = common::iamtrail(
            &[
                "generate",
                "--format",
                "cfn",
                "--name",
                name,
                "sample-trails/",
            ],
            None,
        );
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(rule) && err.contains(fix), "{name}: {err}");
    }
    // 126 characters fit one document, not the -1 … -N of a split one.
    let long = "a".repeat(126);
    let o = common::iamtrail(
        &[
            "generate",
            "--name",
            &long,
            "--size-limit",
            "600",
            "--pin",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            "sample-trails/",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("at most 128"));
}

#[test]
fn output_dir_writes_one_file_per_document_and_warns_past_quotas() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("policies");
    let docs_of = |format: &str, limit: &str| {
        common::iamtrail(
            &[
                "generate",
                "-p",
                "arn:aws:iam::111122223333:role/ci",
                "--format",
                format,
                "--size-limit",
                limit,
                "--name",
                "ci",
                "--output-dir",
                s(&out),
                "--pin",
                "sample-trails/",
            ],
            None,
        )
    };
    let o = docs_of("terraform", "inline-user");
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(common::stdout(&o).is_empty());
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert!(files.len() > 1, "{files:?}");
    for (i, f) in files.iter().enumerate() {
        assert_eq!(f, &format!("ci-{}.tf", i + 1));
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        assert_eq!(text.matches("resource \"aws_iam_policy\"").count(), 1);
        assert!(text.contains(&format!("name        = \"ci-{}\"", i + 1)));
    }
    assert!(
        err.contains("inline policies of a user share") && err.contains("2048"),
        "{err}"
    );
    // Fewer parts next time: the files left from before are pointed out.
    let o = docs_of("terraform", "inline-role");
    let err = common::stderr(&o);
    assert!(out.join("ci.tf").is_file(), "{err}");
    assert!(err.contains("ci-1.tf is not part of this policy"), "{err}");
    // Many small managed documents: past IAM's attachment quota.
    let o = docs_of("json", "400");
    let err = common::stderr(&o);
    let parts = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            let n = e.as_ref().unwrap().file_name().into_string().unwrap();
            n.starts_with("ci-") && n.ends_with(".json")
        })
        .count();
    assert!(parts > 10, "{parts}: {err}");
    assert!(err.contains(&format!("{parts} managed policies")), "{err}");
    assert!(err.contains("at most 10"), "{err}");
}

#[test]
fn dash_output_is_standard_output() {
    let o = common::iamtrail(
        &[
            "generate",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            "-o",
            "-",
            "sample-trails/",
        ],
        None,
    );
    let v: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert!(v["Statement"].is_array() || v.is_array());
    assert!(!common::root().join("-").exists());
}

#[test]
fn malformed_policies_name_the_file_the_element_and_the_allowed_values() {
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in [
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Action":"s3:GetObject","Resource":"*"}]}"#,
            r#"is not an IAM policy document: Statement[0].Effect: is "Alow": must be "Allow" or "Deny""#,
        ),
        (
            r#"{"Version":"2012-10-17"}"#,
            "is not an IAM policy document: the document: has no Statement",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":{"a":1},"Resource":"*"}]}"#,
            "Statement[0].Action: is an object: must be a string or a list of strings",
        ),
        (
            "{\"Version\":\"2012-10-17\",\n\"Statement\": [,]}",
            "is not valid JSON (line 2, column 15",
        ),
        (
            "{\"Version\":\"2012-10-17\",\n\"Statement\": [{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\n \"Condition\": {\"StringEqulas\": {\"k\": \"v\"}}}]}",
            "Statement[0].Condition.StringEqulas: is not a condition operator (did you mean \"StringEquals\"?): IAM knows the String, Numeric, Date, Bool, BinaryEquals, IpAddress, Arn and Null operators (line 3, column 32)",
        ),
    ] {
        let p = dir.path().join("p.json");
        std::fs::write(&p, text).unwrap();
        let o = common::iamtrail(&["refine", "--policy", s(&p)], Some(b""));
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains(s(&p)) && err.contains(want), "{text}: {err}");
        assert!(!err.contains("untagged enum"), "{err}");
    }
}

/// Runs iamtrail with no credentials anywhere: no AWS_* environment, empty config
/// files, no instance metadata; `loop` gets an endpoint where nothing listens.
fn without_credentials(args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let policy = dir.path().join("policy.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamtrail"));
    if args[0] == "loop" {
        cmd.args(["loop", "--policy", s(&policy), "--apply", "role:ci"])
            .args(["--endpoint-url", "http://127.0.0.1:9", "--settle", "0"])
            .args(&args[1..])
            .args(["--", "true"]);
    } else {
        cmd.args(args);
    }
    cmd.stdin(Stdio::null()).current_dir(common::root());
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOME", dir.path());
    let o = cmd.output().unwrap();
    (o.status.code(), common::stderr(&o))
}

#[test]
fn loop_without_credentials_says_what_to_do_like_the_s3_source() {
    let (code, err) = without_credentials(&["loop"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("no usable AWS credentials")
            && err.contains("AWS_ACCESS_KEY_ID")
            && err.contains("--profile"),
        "{err}"
    );
    for args in [
        &["loop", "--profile", "nosuch"][..],
        &["generate", "--profile", "nosuch", "s3://bucket/"],
    ] {
        let (code, err) = without_credentials(args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(
            err.contains("the AWS profile `nosuch` is not defined")
                && err.contains("AWS_CONFIG_FILE"),
            "{args:?}: {err}"
        );
    }
}

proptest::proptest! {
    /// Any string survives YAML's quoting: parsed back, it is the same string.
    #[test]
    fn every_string_reads_back_from_yaml(s in "\\PC*|[\\x00-\\x7f\u{80}-\u{a0}\u{2028}\u{feff}]{0,12}|[a-zA-Z][a-zA-Z0-9:/._*@+=,-]{0,10}") {
        let text = iamtrail::policy::yaml::document(&iamtrail::policy::tree::Node::Map(vec![(
            s.clone(),
            iamtrail::policy::tree::Node::str(s.clone()),
        )]));
        let back: std::collections::BTreeMap<String, String> = serde_norway::from_str(&text)
            .map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}: {text}")))?;
        proptest::prop_assert_eq!(back.get(&s), Some(&s), "{}", text);
    }
}

#[test]
fn a_template_past_the_body_limit_is_an_error_that_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let records: Vec<Value> = (0..1000)
        .map(|i| {
            common::record(
                "s3.amazonaws.com",
                "GetObject",
                serde_json::json!({"bucketName": "big", "key": format!("reports/{i:06}/{}", "x".repeat(60))}),
            )
        })
        .collect();
    let trail = common::write_object(dir.path(), "big.json.gz", &records);
    let out = dir.path().join("out");
    for format in ["cloudformation", "cloudformation-yaml"] {
        let args = [
            "generate",
            "--generalize",
            "0",
            "--pin",
            "--format",
            format,
            s(&trail),
        ];
        let o = common::iamtrail(&args, None);
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains("over CloudFormation's limit of 51200 bytes")
                && err.contains("--output-dir"),
            "{err}"
        );
        let mut args = args.to_vec();
        args.extend(["--output-dir", s(&out)]);
        let o = common::iamtrail(&args, None);
        assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    }
    assert!(std::fs::read_dir(&out).unwrap().count() > 2 * 8);
}

//! `iamtrail refine` and `generate --denied` against the binary.

mod common;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    common::root().join("tests/fixtures/denied").join(name)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const USER_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Id": "ci-policy",
  "Statement": [
    {"Sid": "Artifacts", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::mybucket/releases/*"},
    {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:PutLogEvents", "logs:CreateLogStream"], "Resource": "*",
     "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}
  ]
}"#;

#[test]
fn adds_exactly_the_denied_pairs_and_keeps_the_users_statements() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "p.json", USER_POLICY);
    let o = common::iamtrail(
        &[
            "refine",
            "--policy",
            s(&policy),
            "--from",
            s(&fixture("aws-cli-s3-cp-upload.txt")),
            "--from",
            s(&fixture("cfn-lambda-passrole.txt")),
            "--from",
            s(&fixture("cdk-bootstrap-wrapped-putrolepolicy.txt")),
        ],
        None,
    );
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let doc: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert_eq!(doc["Id"], "ci-policy");
    let st = doc["Statement"].as_array().unwrap();
    // The user's statements, in their order, as written; the S3 key joined the
    // statement that already grants exactly s3:PutObject.
    assert_eq!(st[0]["Sid"], "Artifacts");
    assert_eq!(
        st[0]["Resource"],
        json!([
            "arn:aws:s3:::mybucket/releases/*",
            "arn:aws:s3:::mybucket/foo/bar/baz"
        ])
    );
    assert_eq!(st[1]["Sid"], "NoDeletes");
    assert_eq!(st[1]["Effect"], "Deny");
    assert_eq!(st[2]["Sid"], "Logs");
    assert_eq!(
        st[2]["Action"],
        json!(["logs:PutLogEvents", "logs:CreateLogStream"])
    );
    // New statements: exactly the pairs, PassRole limited to the service.
    let grants = common::grants(&doc);
    assert!(grants.contains(&(
        "iam:PutRolePolicy".into(),
        "arn:aws:iam::654654329462:role/cdk-hnb659fds-lookup-role-654654329462-eu-central-1".into()
    )));
    let pass = st.iter().find(|x| x["Action"] == "iam:PassRole").unwrap();
    assert_eq!(
        pass["Resource"],
        "arn:aws:iam::123456789012:role/securityhub-export-lambda-role"
    );
    assert_eq!(
        pass["Condition"]["StringEquals"]["iam:PassedToService"],
        "lambda.amazonaws.com"
    );
    assert_eq!(grants.len(), 2 + 1 + 2 + 1 + 1, "{grants:?}");
    // One line per addition, citing the message.
    let added: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("iamtrail: added "))
        .collect();
    assert_eq!(added.len(), 3, "{err}");
    assert!(added.iter().any(|l| l.contains(
        "s3:PutObject on arn:aws:s3:::mybucket/foo/bar/baz (joined statement Artifacts)"
    ) && l.contains("aws-cli-s3-cp-upload.txt:2 (aws-cli)")
        && l.contains("when calling the PutObject operation")));
    assert!(err.contains("3 denials in 3 inputs: 3 added"), "{err}");
}

#[test]
fn unfixable_denials_are_reported_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "p.json", USER_POLICY);
    for (file, says) in [
        (
            "iam-docs-scp-codecommit.txt",
            "explicit deny in a service control policy",
        ),
        (
            "aws-cli-permissions-boundary.txt",
            "the permissions boundary does not allow it",
        ),
        (
            "iam-docs-session-policy.txt",
            "the session policy does not allow it",
        ),
        (
            "boto3-putobject-resource-policy-deny.txt",
            "explicit deny in the resource-based policy",
        ),
        (
            "rcp-s3-getobject.txt",
            "explicit deny in a resource control policy",
        ),
        (
            "s3-xml-explicit-deny-identity.txt",
            "explicit deny in an identity-based policy",
        ),
        (
            "iam-docs-resource-based-secret.txt",
            "the resource-based policy does not allow it",
        ),
        (
            "decoded-runinstances-explicit.json",
            "explicit deny in a policy the message does not name",
        ),
    ] {
        let o = common::iamtrail(
            &[
                "refine",
                "--policy",
                s(&policy),
                "--from",
                s(&fixture(file)),
            ],
            None,
        );
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(4), "{file}: {err}");
        assert!(
            err.contains("not fixable by an identity policy"),
            "{file}: {err}"
        );
        assert!(err.contains(says), "{file}: {err}");
        let doc: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 3, "{file}");
    }
}

#[test]
fn already_allowed_and_self_denied_pairs_are_not_added() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "p.json", USER_POLICY);
    let denials = "User: arn:aws:iam::111122223333:user/ci is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::mybucket/releases/v1.zip\" because no identity-based policy allows the s3:PutObject action\n\n\
                   User: arn:aws:iam::111122223333:user/ci is not authorized to perform: s3:DeleteObject on resource: \"arn:aws:s3:::mybucket/old.zip\" because no identity-based policy allows the s3:DeleteObject action\n";
    let o = common::iamtrail(
        &["refine", "--policy", s(&policy)],
        Some(denials.as_bytes()),
    );
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(
        err.contains(
            "already allowed: s3:PutObject on arn:aws:s3:::mybucket/releases/v1.zip: <stdin>:1"
        ),
        "{err}"
    );
    assert!(err.contains("the denial comes from elsewhere"), "{err}");
    assert!(
        err.contains("denied by this policy: s3:DeleteObject"),
        "{err}"
    );
    let doc: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert_eq!(doc["Statement"].as_array().unwrap().len(), 3);
}

#[test]
fn json_output_for_scripts_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "p.json", USER_POLICY);
    let out = dir.path().join("out.json");
    let o = common::iamtrail(
        &[
            "refine",
            "--policy",
            s(&policy),
            "--from",
            s(&fixture("aws-cli-scout2-several.txt")),
            "--json",
            "--quiet",
            "-o",
            s(&out),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    assert!(common::stdout(&o).is_empty());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["denials"].as_array().unwrap().len(), 2);
    assert_eq!(v["added"].as_array().unwrap().len(), 2);
    assert_eq!(v["remaining"], json!([]));
    let added: Vec<&str> = v["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(added, ["ses:ListIdentityPolicies", "sns:ListSubscriptions"]);
    assert_eq!(v["policies"][0]["Statement"].as_array().unwrap().len(), 4);
    // --quiet keeps only the summary.
    assert_eq!(
        common::stderr(&o).lines().count(),
        1,
        "{}",
        common::stderr(&o)
    );
}

#[test]
fn names_are_escaped_and_unknown_resources_are_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"Version":"2012-10-17","Statement":[]}"#,
    );
    let msg = "An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:iam::111122223333:user/ci is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/reports/*latest?.csv\" because no identity-based policy allows the s3:GetObject action\n\n\
               An error occurred (AccessDenied) when calling the PutObject operation: Access Denied\n";
    let o = common::iamtrail(&["refine", "--policy", s(&policy)], Some(msg.as_bytes()));
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    let doc: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert_eq!(
        common::grants(&doc),
        [(
            "s3:GetObject".to_string(),
            "arn:aws:s3:::b/reports/${*}latest${?}.csv".to_string()
        )]
    );
    assert!(err.contains("resource unknown: s3:PutObject"), "{err}");
    assert!(err.contains("--unknown-resource parts"), "{err}");
    // Asked for, the unknown parts become `*`, and the report says so.
    let o = common::iamtrail(
        &["refine", "--policy", s(&policy), "--wildcard-unknown"],
        Some(msg.as_bytes()),
    );
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let doc: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert!(common::grants(&doc).contains(&("s3:PutObject".into(), "*".into())));
    assert!(err.contains("wide: resource not in the message"), "{err}");
}

#[test]
fn splits_to_the_size_limit_and_reads_split_policies_back() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "p.json", USER_POLICY);
    let mut msgs = String::new();
    for i in 0..40 {
        msgs.push_str(&format!(
            "User: arn:aws:iam::111122223333:user/ci is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::data-bucket/path/to/object-number-{i:03}.parquet\" because no identity-based policy allows the s3:GetObject action\n\n"
        ));
    }
    let input = write(dir.path(), "denied.txt", &msgs);
    let o = common::iamtrail(
        &[
            "refine",
            "--policy",
            s(&policy),
            "--from",
            s(&input),
            "--size-limit",
            "1000",
            // Exact keys, so there is something to split (by default the numbered keys
            // become one `object-number-*.parquet`).
            "--pin",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let docs: Vec<Value> = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert!(docs.len() > 1);
    let mut n = 0;
    for d in &docs {
        let compact: String = d
            .to_string()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert!(compact.len() <= 1000, "{}", compact.len());
        n += common::grants(d)
            .iter()
            .filter(|(a, _)| a == "s3:GetObject")
            .count();
    }
    assert_eq!(n, 40, "no generalization: every key, exactly");
    // The split output is a valid --policy input; refining again adds nothing.
    let split = write(dir.path(), "split.json", &common::stdout(&o));
    let o = common::iamtrail(
        &[
            "refine",
            "--policy",
            s(&split),
            "--from",
            s(&input),
            "--size-limit",
            "1000",
        ],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(4),
        "already allowed is reported: {}",
        common::stderr(&o)
    );
    assert!(common::stderr(&o).contains("0 added, 40 already allowed"));
}

#[test]
fn decoded_messages_close_the_loop() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"Version":"2012-10-17","Statement":[]}"#,
    );
    let o = common::iamtrail(
        &[
            "refine",
            "--policy",
            s(&policy),
            "--from",
            s(&fixture("aws-cli-runinstances-encoded.txt")),
        ],
        None,
    );
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        err.contains("aws sts decode-authorization-message --encoded-message EXAMPLEWody"),
        "{err}"
    );
    // What that command prints is an input too.
    let o = common::iamtrail(
        &[
            "refine",
            "--policy",
            s(&policy),
            "--from",
            s(&fixture("decoded-passrole-ec2.txt")),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let doc: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert_eq!(
        doc["Statement"][0]["Condition"]["StringEquals"]["iam:PassedToService"],
        "ec2.amazonaws.com"
    );
}

#[test]
fn policy_forms_errors_and_empty_input() {
    let dir = tempfile::tempdir().unwrap();
    // generate --json output is a valid --policy input.
    let gen_out = common::iamtrail(
        &[
            "generate",
            "--json",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            "sample-trails/",
        ],
        None,
    );
    let gen_file = write(dir.path(), "gen.json", &common::stdout(&gen_out));
    let o = common::iamtrail(
        &["refine", "--policy", s(&gen_file)],
        Some(b"nothing to see here\n"),
    );
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("no access-denied message found"), "{err}");
    let bad = write(
        dir.path(),
        "bad.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe"}]}"#,
    );
    let o = common::iamtrail(&["refine", "--policy", s(&bad)], Some(b""));
    assert_eq!(o.status.code(), Some(1));
    assert!(common::stderr(&o).contains("not an IAM policy document"));
    // Both from standard input is a usage error: exit 2, whatever the input.
    let o = common::iamtrail(&["refine", "--policy", "-", "--from", "-"], Some(b"{}"));
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("give --policy or --from a file"));
}

#[test]
fn generate_takes_denials_into_the_same_policy() {
    let o = common::iamtrail(
        &[
            "generate",
            "--json",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            "--denied",
            s(&fixture("aws-cli-s3-cp-upload.txt")),
            "--denied",
            s(&fixture("iam-docs-scp-codecommit.txt")),
            "sample-trails/",
        ],
        None,
    );
    let v: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    let all: Vec<(String, String)> = v["policies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(common::grants)
        .collect();
    assert!(all.contains(&(
        "s3:PutObject".into(),
        "arn:aws:s3:::mybucket/foo/bar/baz".into()
    )));
    assert!(!all.iter().any(|(a, _)| a == "codecommit:ListRepositories"));
    let from = &v["report"]["from_denials"];
    assert_eq!(from["added"].as_array().unwrap().len(), 1, "{from}");
    // The SCP denial is user/JohnDoe's in another account: not the policy's principal.
    assert!(
        from["not_added"][0]
            .as_str()
            .unwrap()
            .contains("another principal's denial (arn:aws:iam::777788889999:user/JohnDoe)"),
        "{from}"
    );
    // For JohnDoe, it is reported for what it is: an SCP no identity policy overrides.
    let dir = tempfile::tempdir().unwrap();
    let mut rec = common::record("sqs.amazonaws.com", "ListQueues", serde_json::json!({}));
    rec["userIdentity"] = serde_json::json!({"type": "IAMUser", "arn": "arn:aws:iam::777788889999:user/JohnDoe", "accountId": "777788889999", "userName": "JohnDoe"});
    rec["recipientAccountId"] = "777788889999".into();
    let trail = write(dir.path(), "john.json", &rec.to_string());
    let o = common::iamtrail(
        &[
            "generate",
            "--json",
            "-p",
            "arn:aws:iam::777788889999:user/JohnDoe",
            "--denied",
            s(&fixture("iam-docs-scp-codecommit.txt")),
            s(&trail),
        ],
        None,
    );
    let v: Value = serde_json::from_str(&common::stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {}", common::stderr(&o)));
    let from = &v["report"]["from_denials"];
    assert!(
        from["not_added"][0]
            .as_str()
            .unwrap()
            .contains("service control policy"),
        "{from}"
    );
    // The human report says where they came from.
    let o = common::iamtrail(
        &[
            "generate",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            "--denied",
            s(&fixture("aws-cli-s3-cp-upload.txt")),
            "--explain",
            "sample-trails/",
        ],
        None,
    );
    let err = common::stderr(&o);
    assert!(
        err.contains("from denials: s3:PutObject on arn:aws:s3:::mybucket/foo/bar/baz"),
        "{err}"
    );
    assert!(err.contains("denial:"), "{err}");
}

#[test]
fn unknown_resources_are_reported_or_granted_by_parts_or_whole() {
    // moto_server's message shape: the action, no resource.
    let msg = "An error occurred (AccessDenied) when calling the CreateTopic operation: User: arn:aws:iam::123456789012:user/trial is not authorized to perform: sns:CreateTopic\n";
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"Version":"2012-10-17","Statement":[]}"#,
    );
    let grants = |mode: &str| {
        let o = common::iamtrail(
            &["refine", "--policy", s(&policy), "--unknown-resource", mode],
            Some(msg.as_bytes()),
        );
        let doc: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
        (o.status.code(), common::grants(&doc), common::stderr(&o))
    };
    let (code, g, err) = grants("report");
    assert_eq!(code, Some(4), "{err}");
    assert!(g.is_empty(), "{g:?}");
    let (code, g, _) = grants("parts");
    assert_eq!(code, Some(0));
    assert_eq!(
        g,
        vec![(
            "sns:CreateTopic".to_string(),
            "arn:aws:sns:*:123456789012:*".to_string()
        )]
    );
    let (code, g, err) = grants("any");
    assert_eq!(code, Some(0));
    assert_eq!(g, vec![("sns:CreateTopic".to_string(), "*".to_string())]);
    assert!(err.contains("wide: Region, TopicName"), "{err}");
}

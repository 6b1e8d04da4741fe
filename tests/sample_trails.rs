//! Golden policies for the bundled sample trails. A change in mapping or synthesis shows
//! up here as a diff to review; `UPDATE_GOLDEN=1 cargo test --test sample_trails` rewrites
//! the files after review.

mod common;
use common::*;

const ACCOUNT: &str = "arn:aws:iam::111122223333:";

fn golden(name: &str, args: &[&str]) -> (String, String) {
    let o = iamtrail(args, None);
    // Every sample object parses (the damaged ones live in tests/fixtures/damaged-trails).
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    let out = stdout(&o);
    let path = root().join("tests/fixtures/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &out).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(out, want, "{name} differs from its golden file");
    (out, stderr(&o))
}

#[test]
fn golden_policies_for_every_sample_principal() {
    for (file, principal) in [
        ("ci.json", "role/ci"),
        (
            "cdk-deploy-role.json",
            "role/cdk-hnb659fds-deploy-role-111122223333-us-east-1",
        ),
        (
            "cdk-cfn-exec-role.json",
            "role/cdk-hnb659fds-cfn-exec-role-111122223333-us-east-1",
        ),
        (
            "cdk-file-publishing-role.json",
            "role/cdk-hnb659fds-file-publishing-role-111122223333-us-east-1",
        ),
        (
            "cdk-lookup-role.json",
            "role/cdk-hnb659fds-lookup-role-111122223333-us-east-1",
        ),
        ("cdk-deploy-user.json", "user/cdk-deploy"),
        ("alice.json", "user/alice"),
        (
            "sso-admin.json",
            "role/AWSReservedSSO_AdministratorAccess_0123456789abcdef",
        ),
    ] {
        let arn = format!("{ACCOUNT}{principal}");
        golden(file, &["generate", "-p", &arn, "sample-trails"]);
    }
}

#[test]
fn golden_terraform_and_cloudformation() {
    let ci = format!("{ACCOUNT}role/ci");
    golden(
        "ci.tf",
        &[
            "generate",
            "-p",
            &ci,
            "--format",
            "terraform",
            "sample-trails",
        ],
    );
    let (cfn, _) = golden(
        "ci.cfn.json",
        &[
            "generate",
            "-p",
            &ci,
            "--format",
            "cloudformation",
            "sample-trails",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&cfn).unwrap();
    assert_eq!(
        v["Resources"]["IamtrailCi"]["Type"],
        "AWS::IAM::ManagedPolicy"
    );
    let (yaml, _) = golden(
        "ci.cfn.yaml",
        &[
            "generate",
            "-p",
            &ci,
            "--format",
            "cfn-yaml",
            "sample-trails",
        ],
    );
    let y: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(y, v, "the YAML template is the JSON one");
}

#[test]
fn the_ci_policy_has_what_the_trail_shows() {
    let ci = format!("{ACCOUNT}role/ci");
    let v = generate_json(&root().join("sample-trails"), &[]);
    let g = grants(&v["policies"][0]);
    let has = |a: &str, r: &str| g.iter().any(|(ga, gr)| ga == a && gr == r);
    let bucket = "arn:aws:s3:::ci-artifacts-111122223333";
    // S3 data events, through the curated map.
    assert!(has("s3:ListBucket", bucket), "ListObjects → s3:ListBucket");
    assert!(
        has("s3:PutObject", &format!("{bucket}/builds/*/logs/*")),
        "build numbers that vary, then 40 siblings, generalized"
    );
    assert!(
        has(
            "s3:GetObject",
            &format!("{bucket}/reports/${{*}}latest.csv")
        ),
        "literal * escaped"
    );
    assert!(
        !g.iter().any(|(_, r)| r.contains("/reports/*")),
        "an unescaped * would widen the grant"
    );
    // Versioned Lambda names, PassRole with its condition.
    assert!(has(
        "lambda:UpdateFunctionConfiguration",
        "arn:aws:lambda:us-east-1:111122223333:function:app-api"
    ));
    let pass = v["policies"][0]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"] == "iam:PassRole")
        .expect("PassRole inferred");
    assert_eq!(
        pass["Condition"]["StringEquals"]["iam:PassedToService"],
        "lambda.amazonaws.com"
    );
    // Free calls are counted but not granted; no placeholder ever.
    assert!(!g.iter().any(|(a, _)| a == "sts:GetCallerIdentity"));
    let text = v["policies"].to_string();
    assert!(
        !text.contains("${Region}")
            && !text.contains("${Account}")
            && !text.contains("${Partition}")
    );
    // The summary accounts for every record, and the counts are the corpus's.
    let r = &v["report"]["records"];
    assert_eq!(r["read"], 292);
    let sum: u64 = [
        "used",
        "free",
        "unmapped",
        "failed_not_counted",
        "filtered",
        "skipped",
    ]
    .iter()
    .map(|k| r[*k].as_u64().unwrap())
    .sum();
    assert_eq!(sum, 292);
    assert_eq!(v["report"]["objects"]["unreadable"], 0);
    assert_eq!(v["report"]["objects"]["digest"], 1);
    // The damaged delivery lives beside the corpus, and is named when read.
    let damaged = generate_json(&root().join("tests/fixtures/damaged-trails"), &[]);
    assert_eq!(damaged["report"]["objects"]["unreadable"], 1);
    assert_eq!(
        v["report"]["failed_not_counted"]["malformed"], 1,
        "the ValidationException call is not a need"
    );
    assert!(
        v["report"]["sensitive"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["action"] == "iam:PassRole")
    );
    let _ = ci;
}

#[test]
fn explain_names_the_records_behind_each_line() {
    let ci = format!("{ACCOUNT}role/ci");
    let o = iamtrail(&["generate", "-p", &ci, "--explain", "sample-trails"], None);
    let e = stderr(&o);
    assert!(e.contains("explain: PassRoleToLambda"), "{e}");
    assert!(
        e.contains("iam:PassRole on arn:aws:iam::111122223333:role/"),
        "{e}"
    );
    assert!(
        e.contains("because role passed in a request parameter (action-map/curated/passrole.tsv:"),
        "{e}"
    );
    assert!(
        e.contains("s3:GetObject on arn:aws:s3:::ci-artifacts-111122223333/")
            && e.contains("curated event map (action-map/curated/events.tsv:"),
        "{e}"
    );
    let v = generate_json(&root().join("sample-trails"), &["--explain"]);
    let ex = v["report"]["explain"].as_array().unwrap();
    let put = ex
        .iter()
        .find(|x| {
            x["action"] == "s3:PutObject"
                && x["resource"].as_str().unwrap().ends_with("builds/*/logs/*")
        })
        .unwrap();
    assert!(put["records"].as_u64().unwrap() >= 72);
    let rules = &put["generalized"]["rules"];
    assert_eq!(rules, &serde_json::json!(["counter", "siblings"]), "{put}");
    assert_eq!(put["sample_event_ids"].as_array().unwrap().len(), 3);
    assert!(
        put["first_seen"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-20T")
    );
}

#[test]
fn without_a_principal_the_input_s_principals_are_listed() {
    let o = iamtrail(&["generate", "sample-trails"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stdout(&o).is_empty(),
        "no policy when the principal is ambiguous"
    );
    let e = stderr(&o);
    assert!(e.contains("the input holds 9 principals"), "{e}");
    assert!(
        e.contains("186  role    arn:aws:iam::111122223333:role/ci"),
        "{e}"
    );
    assert!(
        e.trim_end().lines().last().unwrap().contains(
            "no policy written: rerun with --principal and one of the 9 above (the busiest: --principal arn:aws:iam::111122223333:role/ci)"
        ),
        "{e}"
    );
    let o = iamtrail(&["principals", "sample-trails"], None);
    assert!(
        stdout(&o)
            .lines()
            .next()
            .unwrap()
            .contains("arn:aws:iam::111122223333:role/ci")
    );
}

#[test]
fn filters_by_time_region_account_and_session() {
    let dir = root().join("sample-trails");
    let all = generate_json(&dir, &[]);
    let west = generate_json(&dir, &["--region", "us-west-2"]);
    assert!(
        west["report"]["records"]["used"].as_u64().unwrap()
            < all["report"]["records"]["used"].as_u64().unwrap()
    );
    assert!(west["report"]["filtered"]["other region"].as_u64().unwrap() > 0);
    let day = generate_json(&dir, &["--start", "2026-11-22", "--end", "2026-11-23"]);
    assert!(
        day["report"]["filtered"]["outside the time window"]
            .as_u64()
            .unwrap()
            > 0
    );
    let since = generate_json(&dir, &["--since", "1d", "--now", "2026-11-23T00:00:00Z"]);
    assert_eq!(since["report"]["records"], day["report"]["records"]);
    // An account no record has is an error that lists the accounts seen, not an empty
    // policy (tests/selection.rs has the other cases).
    let o = iamtrail(
        &[
            "generate",
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            "--account",
            "999999999999",
            "sample-trails",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("the records hold 111122223333 (292)"),
        "{}",
        stderr(&o)
    );
}

/// Objects of 64 KB and more (compressed) are skimmed by default: other principals'
/// records are read only as far as selection needs. Every sample record in one such
/// object gives, for every sample principal, the policy and accounting that parsing
/// every record (`--parse-all`) gives.
#[test]
fn skimming_and_parsing_every_record_agree() {
    let mut records = sample_records();
    assert!(records.len() > 100, "{} sample records", records.len());
    // Another principal's record with a large nested value that does not compress, so
    // the object passes the skimming threshold.
    let mut x = 1u64;
    let noise: Vec<String> = (0..20_000)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            format!("{:x}", x >> 33)
        })
        .collect();
    records.push(serde_json::json!({"eventVersion":"1.08",
        "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/filler","accountId":"111122223333"},
        "eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","awsRegion":"us-east-1",
        "requestParameters":{"bucketName":"b","key":"k","tags":[{"noise":noise}]},
        "eventType":"AwsApiCall","recipientAccountId":"111122223333"}));
    let dir = tempfile::tempdir().unwrap();
    let big = write_object(dir.path(), "big.json.gz", &records);
    assert!(std::fs::metadata(&big).unwrap().len() >= 64 << 10);
    let big = big.to_str().unwrap();
    for principal in [
        "role/ci",
        "role/cdk-hnb659fds-deploy-role-111122223333-us-east-1",
        "role/cdk-hnb659fds-cfn-exec-role-111122223333-us-east-1",
        "user/cdk-deploy",
        "user/alice",
        "user/filler",
        "role/AWSReservedSSO_AdministratorAccess_0123456789abcdef",
    ] {
        let arn = format!("{ACCOUNT}{principal}");
        let skimmed = iamtrail(&["generate", "-p", &arn, big], None);
        let parsed = iamtrail(&["generate", "--parse-all", "-p", &arn, big], None);
        assert_eq!(skimmed.status.code(), Some(0), "{}", stderr(&skimmed));
        assert!(
            stdout(&skimmed).contains("\"Action\""),
            "{principal}: {}",
            stderr(&skimmed)
        );
        assert_eq!(
            (stdout(&skimmed), stderr(&skimmed)),
            (stdout(&parsed), stderr(&parsed)),
            "{principal}"
        );
    }
}

/// A sensitive grant is worded for what it reaches: `sts:AssumeRole` on three named CDK
/// roles reaches those roles, not "every role whose trust policy trusts this account".
#[test]
fn sensitive_warnings_are_true_of_the_grant_they_name() {
    let user = format!("{ACCOUNT}user/cdk-deploy");
    let o = iamtrail(&["generate", "--json", "-p", &user, "sample-trails"], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let assume: Vec<_> = v["report"]["sensitive"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["action"] == "sts:AssumeRole")
        .collect();
    assert_eq!(assume.len(), 3, "{assume:?}");
    for s in assume {
        assert!(
            s["resource"]
                .as_str()
                .unwrap()
                .contains(":role/cdk-hnb659fds-")
        );
        assert_eq!(s["wildcard"], false);
        let why = s["why"].as_str().unwrap();
        assert!(!why.contains("every role"), "{why}");
        assert!(why.contains("only the roles named"), "{why}");
    }
}

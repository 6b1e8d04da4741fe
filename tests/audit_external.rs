//! `audit external` on policy files: one case per rule and resource type, each citing
//! the AWS documentation it follows; the same policies side by side with policyuniverse
//! (the expected agreement table, every disagreement explained); archive rules; bad
//! input. `--live` is in `audit_external_live.rs`.

mod common;

use common::extaudit_cases::{BUCKET, CASES};
use common::moto::venv;
use common::{iamtrail, stderr, stdout};
use serde_json::Value;

const OWNER: &str = "111122223333";
const ZONE: &str = "111122223333,o-exampleorg1";

/// Where iamtrail and policyuniverse differ on "public", and why (the documentation
/// that decides it).
const DISAGREEMENTS: &[(&str, &str)] = &[
    (
        "s3-ifexists-holds-when-absent",
        "policyuniverse takes any aws:SourceVpce condition as a bound; IAM JSON policy elements: an ...IfExists condition is true when the key is absent, and a request off a VPC endpoint has no aws:SourceVpce",
    ),
    (
        "s3-deny-outside-vpce-subtracts-all",
        "policyuniverse reads Allow statements only; Policy evaluation logic: an explicit deny in any policy overrides any allow",
    ),
    (
        "s3-restrict-public-buckets",
        "policyuniverse sees the policy only; with RestrictPublicBuckets S3 limits a public bucket to service principals and the owner's account (Blocking public access to your Amazon S3 storage)",
    ),
    (
        "role-github-without-sub",
        "policyuniverse never calls a federated principal internet accessible; GitHub's OIDC guide: without a sub condition any repository's workflow gets a token AWS accepts",
    ),
    (
        "role-github-sub-wildcard",
        "as above: repo:* matches every repository's subject (StringLike)",
    ),
    (
        "role-cognito-without-aud",
        "as above: without cognito-identity.amazonaws.com:aud any identity pool's identities can assume the role (Available keys for AWS web identity federation)",
    ),
];

/// Writes each case's policy to a file in `dir`.
fn write_cases(dir: &std::path::Path) {
    for c in CASES {
        std::fs::write(dir.join(format!("{}.json", c.name)), c.policy).unwrap();
    }
}

fn audit(args: &[&str]) -> (Value, std::process::Output) {
    let mut all = vec!["audit", "external", "--json"];
    all.extend_from_slice(args);
    let out = iamtrail(&all, None);
    let v: Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
    (v, out)
}

#[test]
fn every_rule_and_resource_type() {
    let dir = tempfile::tempdir().unwrap();
    write_cases(dir.path());
    let mut failures = Vec::new();
    for c in CASES {
        let path = dir.path().join(format!("{}.json", c.name));
        let mut args = vec!["--zone-of-trust", ZONE];
        args.extend_from_slice(c.args);
        let p = path.to_str().unwrap();
        args.push(p);
        let (v, out) = audit(&args);
        let r = &v["resources"][0];
        let got = r["verdict"].as_str().unwrap_or_default();
        let principals: Vec<&str> = r["external_principals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        let want_code = if c.verdict == "internal" { 0 } else { 6 };
        if got != c.verdict || principals != c.principals || out.status.code() != Some(want_code) {
            failures.push(format!(
                "{}: got {got} {principals:?} exit {:?}, want {} {:?} exit {want_code} ({})\n{}",
                c.name,
                out.status.code(),
                c.verdict,
                c.principals,
                c.doc,
                serde_json::to_string_pretty(r).unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn findings_name_statements_conditions_and_the_actions_left_open() {
    let dir = tempfile::tempdir().unwrap();
    write_cases(dir.path());
    let at = |name: &str| dir.path().join(format!("{name}.json"));
    // A partial Deny: PutObject is subtracted, GetObject stays open.
    let (v, _) = audit(&[
        "--zone-of-trust",
        ZONE,
        at("s3-deny-subtracts-part").to_str().unwrap(),
    ]);
    let f = &v["resources"][0]["findings"][0];
    assert_eq!(f["actions"], serde_json::json!(["s3:GetObject"]), "{f}");
    assert_eq!(f["statements"][0]["index"], 0);
    assert_eq!(v["resources"][0]["resource"], BUCKET);
    // The condition that makes the GitHub trust public is reported with it.
    let (v, _) = audit(&[
        "--zone-of-trust",
        ZONE,
        at("role-github-without-sub").to_str().unwrap(),
    ]);
    let f = &v["resources"][0]["findings"][0];
    assert_eq!(f["public"], true);
    assert_eq!(f["kind"], "Federated");
    assert_eq!(
        f["conditions"],
        serde_json::json!([
            "StringEquals token.actions.githubusercontent.com:aud = sts.amazonaws.com"
        ])
    );
    assert_eq!(v["resources"][0]["resource_type"], "AWS::IAM::Role");
    // A service acting for another account names the service.
    let (v, _) = audit(&[
        "--zone-of-trust",
        ZONE,
        at("sqs-sns-service-other-account").to_str().unwrap(),
    ]);
    let f = &v["resources"][0]["findings"][0];
    assert_eq!(f["via_service"], "sns.amazonaws.com");
    assert_eq!(f["actions"], serde_json::json!(["sqs:SendMessage"]));
    // BlockPublicPolicy leaves the verdict and says why.
    let (v, _) = audit(&[
        "--zone-of-trust",
        ZONE,
        "--block-public-policy",
        at("s3-public-read").to_str().unwrap(),
    ]);
    let notes = v["resources"][0]["notes"].to_string();
    assert!(
        notes.contains("doesn't affect existing bucket policies"),
        "{notes}"
    );
    // Settings read from `aws s3api get-public-access-block` output.
    let bpa = dir.path().join("bpa.json");
    std::fs::write(
        &bpa,
        r#"{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}"#,
    )
    .unwrap();
    let (v, out) = audit(&[
        "--zone-of-trust",
        ZONE,
        "--block-public-access",
        bpa.to_str().unwrap(),
        at("s3-public-read").to_str().unwrap(),
    ]);
    assert_eq!(v["resources"][0]["verdict"], "internal");
    assert_eq!(v["resources"][0]["findings"][0]["status"], "blocked");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn archive_rules_leave_only_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    write_cases(dir.path());
    let a = dir.path().join("s3-named-account-outside.json");
    let b = dir.path().join("secret-cross-account.json");
    let rules = dir.path().join("ignore.json");
    std::fs::write(
        &rules,
        r#"[{"resource":"arn:aws:s3:::example-*","principal":"444455556666"}]"#,
    )
    .unwrap();
    let (v, out) = audit(&[
        "--zone-of-trust",
        ZONE,
        "--ignore",
        rules.to_str().unwrap(),
        a.to_str().unwrap(),
    ]);
    assert_eq!(v["resources"][0]["findings"][0]["status"], "archived");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("0 active finding(s), 1 archived"));
    // The rule is for the bucket: the secret's finding stays new.
    let (v, out) = audit(&[
        "--zone-of-trust",
        ZONE,
        "--ignore",
        rules.to_str().unwrap(),
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert_eq!(v["resources"][1]["findings"][0]["status"], "active");
    assert_eq!(out.status.code(), Some(6));
    // A rule that names nothing is refused, naming the file.
    std::fs::write(&rules, r#"[{}]"#).unwrap();
    let out = iamtrail(
        &[
            "audit",
            "external",
            "--zone-of-trust",
            ZONE,
            "--ignore",
            rules.to_str().unwrap(),
            a.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("ignore.json") && stderr(&out).contains("rule 0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Principal":"*","Action":"s3:GetObject"}]}"#).unwrap();
    let out = iamtrail(
        &[
            "audit",
            "external",
            "--zone-of-trust",
            OWNER,
            bad.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bad.json") && stderr(&out).contains("Effect"),
        "{}",
        stderr(&out)
    );
    // No type to be read from the policy: ask for it.
    let untyped = dir.path().join("untyped.json");
    std::fs::write(&untyped, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"foo:Bar"}]}"#).unwrap();
    let out = iamtrail(
        &[
            "audit",
            "external",
            "--zone-of-trust",
            OWNER,
            untyped.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--resource-type"), "{}", stderr(&out));
    // An identity policy (no Principal anywhere) is not judged "internal": it is refused,
    // naming the file.
    let identity = dir.path().join("identity.json");
    std::fs::write(&identity, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}"#).unwrap();
    let out = iamtrail(
        &[
            "audit",
            "external",
            "--zone-of-trust",
            OWNER,
            identity.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("identity.json") && stderr(&out).contains("Principal"),
        "{}",
        stderr(&out)
    );
    for (args, what) in [
        (vec!["--zone-of-trust", "12345"], "12345"),
        (
            vec![
                "--zone-of-trust",
                OWNER,
                "--resource-type",
                "AWS::EC2::Instance",
            ],
            "AWS::EC2::Instance",
        ),
        (vec![], "--zone-of-trust"),
    ] {
        let mut all = vec!["audit", "external"];
        all.extend(args);
        all.push(untyped.to_str().unwrap());
        let out = iamtrail(&all, None);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        assert!(stderr(&out).contains(what), "{}", stderr(&out));
    }
}

/// What policyuniverse says of a policy: `is_internet_accessible()`, and the principals
/// outside the zone read from `whos_allowed()` (this test's reading, the same for every
/// case: `*` when internet accessible; account ids and the accounts of IAM ARNs, from
/// principals and from `account` / `arn` (any service's ARN) conditions, outside the
/// trusted accounts;
/// `organization` conditions other than the trusted one; identity providers as named;
/// service principals dropped, as they belong to no account).
#[derive(serde::Deserialize)]
struct Peer {
    public: bool,
    principals: Vec<String>,
}

fn policyuniverse(cases: &serde_json::Value) -> std::collections::BTreeMap<String, Peer> {
    let script = r#"
import json, re, sys
from policyuniverse.policy import Policy
cases = json.load(sys.stdin)
out = {}
acct = re.compile(r"^\d{12}$")
def account_of(v):
    if acct.match(v):
        return v
    f = v.split(":")
    if len(f) >= 6 and f[0] == "arn" and f[2] in ("iam", "sts") and acct.match(f[4]) and ("oidc-provider/" not in v and "saml-provider/" not in v):
        return f[4]
    return None
for name, c in cases.items():
    p = Policy(json.loads(c["policy"]))
    trusted = set(c["trusted"])
    found = set()
    public = p.is_internet_accessible()
    if public:
        found.add("*")
    for x in p.whos_allowed():
        v = x.value
        if x.category == "principal":
            if v == "*" or v.endswith(".amazonaws.com") and v != "cognito-identity.amazonaws.com":
                continue
            a = account_of(v)
            if a is not None:
                if a not in trusted:
                    found.add(a)
            else:
                found.add(v)
        elif x.category == "account" and acct.match(v) and v not in trusted:
            found.add(v)
        elif x.category == "arn":
            f = v.split(":")
            if len(f) >= 6 and acct.match(f[4]) and f[4] not in trusted:
                found.add(f[4])
        elif x.category == "organization" and v not in trusted:
            found.add(v)
    out[name] = {"public": public, "principals": sorted(found)}
print(json.dumps(out))
"#;
    let mut child = std::process::Command::new(venv().join("bin/python"))
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the venv's python");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(cases.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "policyuniverse: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("policyuniverse's JSON")
}

/// The cases where the external principals differ too (a subset of [`DISAGREEMENTS`]:
/// the others differ on "public" only, naming the same provider).
const PRINCIPALS_DIFFER: &[&str] = &[
    "s3-ifexists-holds-when-absent",
    "s3-deny-outside-vpce-subtracts-all",
    "s3-restrict-public-buckets",
];

#[test]
fn side_by_side_with_policyuniverse() {
    let dir = tempfile::tempdir().unwrap();
    write_cases(dir.path());
    // The trusted accounts and organization of each case, as this test runs it.
    let cases: serde_json::Map<String, Value> = CASES
        .iter()
        .map(|c| {
            let mut trusted: Vec<&str> = ZONE.split(',').collect();
            if let Some(i) = c.args.iter().position(|a| *a == "--org-accounts") {
                trusted.push(c.args[i + 1]);
            }
            (
                c.name.to_string(),
                serde_json::json!({"policy": c.policy, "trusted": trusted}),
            )
        })
        .collect();
    let pu = policyuniverse(&Value::Object(cases));
    let mut table = Vec::new();
    let mut wrong = Vec::new();
    let mut principals_differ = Vec::new();
    for c in CASES {
        let peer = &pu[c.name];
        if peer.public != c.pu_public {
            wrong.push(format!(
                "{}: policyuniverse says {}, the table {}",
                c.name, peer.public, c.pu_public
            ));
        }
        let ours = c.verdict == "public";
        if peer.principals != c.principals {
            principals_differ.push(c.name);
        }
        table.push(format!(
            "{:<42} iamtrail {:<8} {:?}  policyuniverse {} {:?}{}",
            c.name,
            c.verdict,
            c.principals,
            if peer.public { "public" } else { "not public" },
            peer.principals,
            if ours == peer.public {
                ""
            } else {
                "  <- differs"
            }
        ));
    }
    let differ = CASES
        .iter()
        .filter(|c| (c.verdict == "public") != c.pu_public)
        .count();
    println!(
        "{}\n{} of {} cases agree on public; {} of {} on the external principals",
        table.join("\n"),
        CASES.len() - differ,
        CASES.len(),
        CASES.len() - principals_differ.len(),
        CASES.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let differing: Vec<&str> = CASES
        .iter()
        .filter(|c| (c.verdict == "public") != c.pu_public)
        .map(|c| c.name)
        .collect();
    let explained: Vec<&str> = DISAGREEMENTS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        differing, explained,
        "every disagreement is explained, and only those"
    );
    assert_eq!(principals_differ, PRINCIPALS_DIFFER, "{}", table.join("\n"));
    assert!(PRINCIPALS_DIFFER.iter().all(|n| explained.contains(n)));
}

/// `--bucket-acl`: the ACL given with a bucket policy ("Blocking public access to your
/// Amazon S3 storage", The meaning of "public": an ACL granting "any permissions to
/// members of the predefined AllUsers or AuthenticatedUsers groups" is public). An
/// owner-only policy with a public-read-write ACL is public through the ACL (READ and
/// WRITE on a bucket: listing, putting and deleting objects); the log-delivery group is
/// not public; IgnorePublicAcls blocks it; a bad ACL file or a non-bucket policy is a
/// clear error.
#[test]
fn bucket_acl_from_a_file() {
    const POLICY: &str = "tests/fixtures/extaudit/acl/policy.json";
    const ACL: &str = "tests/fixtures/extaudit/acl/public-read-write.json";
    let (v, out) = audit(&["--zone-of-trust", OWNER, POLICY]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(v["resources"][0]["verdict"], "internal");
    let (v, out) = audit(&["--zone-of-trust", OWNER, "--bucket-acl", ACL, POLICY]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let r = &v["resources"][0];
    assert_eq!(r["verdict"], "public", "{r}");
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{r}");
    assert_eq!(findings[0]["principal"], "AllUsers");
    assert_eq!(
        findings[0]["actions"],
        serde_json::json!([
            "s3:DeleteObject",
            "s3:ListBucket",
            "s3:ListBucketMultipartUploads",
            "s3:ListBucketVersions",
            "s3:PutObject"
        ])
    );
    let dir = tempfile::tempdir().unwrap();
    let bpa = dir.path().join("bpa.json");
    std::fs::write(
        &bpa,
        r#"{"PublicAccessBlockConfiguration":{"IgnorePublicAcls":true}}"#,
    )
    .unwrap();
    let (v, out) = audit(&[
        "--zone-of-trust",
        OWNER,
        "--bucket-acl",
        ACL,
        "--block-public-access",
        bpa.to_str().unwrap(),
        POLICY,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(v["resources"][0]["verdict"], "internal");
    assert_eq!(v["resources"][0]["findings"][0]["status"], "blocked");
    let bad = dir.path().join("acl.json");
    std::fs::write(
        &bad,
        r#"{"Grants":[{"Grantee":{"Type":"Group"},"Permission":"EVERYTHING"}]}"#,
    )
    .unwrap();
    let out = iamtrail(
        &[
            "audit",
            "external",
            "--zone-of-trust",
            OWNER,
            "--bucket-acl",
            bad.to_str().unwrap(),
            POLICY,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("acl.json") && stderr(&out).contains("EVERYTHING"),
        "{}",
        stderr(&out)
    );
    let queue = dir.path().join("queue.json");
    std::fs::write(&queue, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"}]}"#).unwrap();
    let out = iamtrail(
        &[
            "audit",
            "external",
            "--zone-of-trust",
            OWNER,
            "--bucket-acl",
            ACL,
            queue.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--bucket-acl is for S3 bucket policies"),
        "{}",
        stderr(&out)
    );
}

/// `--function-url-auth-type`: "Control access to Lambda function URLs" grants public
/// access to a URL with AuthType NONE under `"StringEquals": {"lambda:FunctionUrlAuthType":
/// "NONE"}`, and a lambda:InvokeFunctionUrl request carries the URL's own auth type. Not
/// knowing the URL, the statement is public (an outsider could meet the condition);
/// with the URL's AuthType NONE it is public; with AWS_IAM it opens nothing; the flag on a
/// policy of another type is a usage error.
#[test]
fn function_url_auth_type_from_the_command_line() {
    const POLICY: &str = "tests/fixtures/extaudit/function-url/policy.json";
    for (auth, verdict, code) in [
        (None, "public", 6),
        (Some("NONE"), "public", 6),
        (Some("AWS_IAM"), "internal", 0),
    ] {
        let mut args = vec!["--zone-of-trust", OWNER];
        if let Some(a) = auth {
            args.extend(["--function-url-auth-type", a]);
        }
        args.push(POLICY);
        let (v, out) = audit(&args);
        assert_eq!(out.status.code(), Some(code), "{auth:?}: {}", stderr(&out));
        let r = &v["resources"][0];
        assert_eq!(r["verdict"], verdict, "{auth:?}: {r}");
        if verdict == "public" {
            assert_eq!(
                r["findings"][0]["actions"],
                serde_json::json!(["lambda:InvokeFunctionUrl"]),
                "{r}"
            );
        }
    }
    let out = iamtrail(
        &[
            "audit",
            "external",
            "--zone-of-trust",
            OWNER,
            "--function-url-auth-type",
            "AWS_IAM",
            "tests/fixtures/extaudit/acl/policy.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--function-url-auth-type is for Lambda function policies"),
        "{}",
        stderr(&out)
    );
}

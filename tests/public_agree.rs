//! `check no-public-access` and `audit external` give the same public / not-public answer
//! on the same policy: both read condition keys through one table (`iam::bounds`), one
//! syntactically, one by asking the evaluator, so a disagreement is a bug in one of the
//! two readings. Every policy of both suites is run through both commands: the fixture
//! files (`tests/fixtures/check/`, `tests/fixtures/extaudit/policies/`) and the inline
//! cases of `tests/check.rs` and `tests/audit_external.rs`. The intended differences are
//! listed in [`INTENDED`] with their reason; the test fails on any other, and on a
//! listed one that no longer differs.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::extaudit_cases::CASES;
use common::public_cases::PUBLIC;
use common::{iamtrail, root, stderr, stdout};
use iamtrail::check::no_public_access::ResourceType;
use serde_json::Value;

const ZONE: &str = "111122223333,o-exampleorg1";

/// Where the two commands answer differently on purpose (case name: why).
const INTENDED: &[(&str, &str)] = &[(
    "extaudit:s3-restrict-public-buckets",
    "audit external takes S3 Block Public Access settings (--restrict-public-buckets), which leave only service principals and the owner's account in (Blocking public access to your Amazon S3 storage); check no-public-access judges the policy alone, as Access Analyzer's CheckNoPublicAccess does",
)];

/// One policy file to judge, with the resource type (for `check`, Access Analyzer's
/// name or a short form; `None`: the one `audit external` infers) and extra `audit`
/// arguments.
struct Input {
    name: String,
    path: String,
    rtype: Option<String>,
    audit_args: Vec<String>,
}

/// Each command's answer: whether the policy is public, or why it gave none.
#[derive(Debug)]
struct Answers {
    check: Result<bool, String>,
    audit: Result<bool, String>,
}

/// `audit external`'s type for a `check` type (the trust policy is a role's).
fn audit_type(check: &str) -> String {
    let name = ResourceType::find(check)
        .unwrap_or_else(|| panic!("check knows {check}"))
        .name;
    if name == "AWS::IAM::AssumeRolePolicyDocument" {
        "AWS::IAM::Role".into()
    } else {
        name.into()
    }
}

fn run(args: &[&str]) -> Result<Value, String> {
    let out = iamtrail(args, None);
    serde_json::from_str(&stdout(&out)).map_err(|_| {
        format!(
            "exit {:?}: {}",
            out.status.code(),
            stderr(&out).lines().next().unwrap_or_default()
        )
    })
}

fn answers(i: &Input) -> Answers {
    let mut a: Vec<&str> = vec!["audit", "external", "--json", "--zone-of-trust", ZONE];
    a.extend(i.audit_args.iter().map(String::as_str));
    let at = i.rtype.as_deref().map(audit_type);
    if let Some(t) = &at {
        a.extend(["--resource-type", t]);
    }
    a.push(&i.path);
    let audit = run(&a);
    // The type `check` judges: the one given, else the one `audit external` inferred.
    let rtype = i.rtype.clone().or_else(|| {
        audit.as_ref().ok().and_then(|v| {
            v["resources"][0]["resource_type"]
                .as_str()
                .map(|t| match t {
                    "AWS::IAM::Role" => "AWS::IAM::AssumeRolePolicyDocument".to_string(),
                    t => t.to_string(),
                })
        })
    });
    let check = match &rtype {
        Some(t) => run(&[
            "check",
            "no-public-access",
            "--json",
            "--resource-type",
            t,
            &i.path,
        ])
        .map(|v| v["result"] == "FAIL"),
        None => Err("no resource type".into()),
    };
    Answers {
        check,
        audit: audit.map(|v| v["resources"][0]["verdict"] == "public"),
    }
}

fn inputs(dir: &Path) -> Vec<Input> {
    let mut out = Vec::new();
    for sub in ["check", "extaudit/policies"] {
        let d = root().join("tests/fixtures").join(sub);
        let mut files: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for p in files {
            out.push(Input {
                name: format!("fixture:{sub}/{}", p.file_name().unwrap().to_string_lossy()),
                path: p.display().to_string(),
                // The identity policies among them name S3 objects: `check` judges
                // them as a bucket's policy (not public); `audit` refuses them.
                rtype: (sub == "check").then(|| "s3".to_string()),
                audit_args: Vec::new(),
            });
        }
    }
    for (n, c) in PUBLIC.iter().enumerate() {
        let p = dir.join(format!("check-{n}.json"));
        std::fs::write(
            &p,
            format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, c.policy),
        )
        .unwrap();
        out.push(Input {
            name: format!("check:{}", c.name),
            path: p.display().to_string(),
            rtype: Some(c.rtype.to_string()),
            audit_args: Vec::new(),
        });
    }
    for c in CASES {
        let p = dir.join(format!("extaudit-{}.json", c.name));
        std::fs::write(&p, c.policy).unwrap();
        let mut args: Vec<String> = c.args.iter().map(|s| s.to_string()).collect();
        // `--resource-type` goes to both commands.
        let mut rtype = None;
        if let Some(i) = args.iter().position(|a| a == "--resource-type") {
            rtype = Some(args[i + 1].clone());
            args.drain(i..i + 2);
        }
        out.push(Input {
            name: format!("extaudit:{}", c.name),
            path: p.display().to_string(),
            rtype,
            audit_args: args,
        });
    }
    out
}

#[test]
fn check_and_audit_agree_on_public() {
    let dir = tempfile::tempdir().unwrap();
    let intended: BTreeMap<&str, &str> = INTENDED.iter().copied().collect();
    let mut problems = Vec::new();
    let mut judged = 0;
    for i in inputs(dir.path()) {
        let a = answers(&i);
        let differ = match (&a.check, &a.audit) {
            (Ok(c), Ok(x)) => {
                judged += 1;
                c != x
            }
            // An identity policy (no Principal anywhere) is not a resource's policy:
            // `audit external` refuses it; `check` must not call it public.
            (Ok(c), Err(e)) if e.contains("no statement names a Principal") => *c,
            _ => true,
        };
        match (differ, intended.contains_key(i.name.as_str())) {
            (true, false) => problems.push(format!("{}: they differ: {a:?}", i.name)),
            (false, true) => problems.push(format!(
                "{}: listed as an intended difference but both say {a:?}",
                i.name
            )),
            _ => {}
        }
    }
    assert!(
        judged >= PUBLIC.len() + CASES.len(),
        "only {judged} policies judged by both"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

//! The denial-message corpus: every `tests/fixtures/denied/NAME.{txt,json}` is a real-format
//! message (sources in `tests/fixtures/denied/README.md`), and `NAME.expected.json` is its
//! expected parse. `IAMTRAIL_BLESS=1 cargo test --test denied_corpus` rewrites the expected
//! files (review the diff before keeping it).

mod common;

use std::path::{Path, PathBuf};

use iamtrail::denied::{self, AuthorizationDecoder, DecodeError, PolicyKind, Reason};

fn corpus() -> Vec<PathBuf> {
    let dir = common::root().join("tests/fixtures/denied");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            !n.ends_with(".expected.json") && n != "README.md"
        })
        .collect();
    out.sort();
    out
}

fn stem(p: &Path) -> String {
    let n = p.file_name().unwrap().to_string_lossy();
    n.rsplit_once('.')
        .map_or(n.to_string(), |(s, _)| s.to_string())
}

fn expected_path(p: &Path) -> PathBuf {
    p.with_file_name(format!("{}.expected.json", stem(p)))
}

#[test]
fn every_message_parses_as_expected() {
    let files = corpus();
    assert!(files.len() >= 30, "corpus has {} messages", files.len());
    let bless = std::env::var_os("IAMTRAIL_BLESS").is_some();
    let mut failures = Vec::new();
    for f in &files {
        let got = serde_json::to_value(denied::parse(&std::fs::read(f).unwrap())).unwrap();
        let exp_path = expected_path(f);
        if bless {
            std::fs::write(
                &exp_path,
                serde_json::to_string_pretty(&got).unwrap() + "\n",
            )
            .unwrap();
            continue;
        }
        let want: serde_json::Value = match std::fs::read(&exp_path) {
            Ok(b) => serde_json::from_slice(&b).unwrap(),
            Err(_) => {
                failures.push(format!("{}: no {}", f.display(), exp_path.display()));
                continue;
            }
        };
        if got != want {
            failures.push(format!(
                "{}: got\n{}",
                f.display(),
                serde_json::to_string_pretty(&got).unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_message_is_listed_with_its_source() {
    let readme =
        std::fs::read_to_string(common::root().join("tests/fixtures/denied/README.md")).unwrap();
    for f in corpus() {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let row = readme
            .lines()
            .find(|l| l.starts_with('|') && l.contains(&format!("`{name}`")))
            .unwrap_or_else(|| panic!("{name} is not in the README table"));
        assert!(
            row.contains("http") || row.contains("seed"),
            "{name}: the README row cites no source: {row}"
        );
    }
}

#[test]
fn every_tool_and_reason_is_covered() {
    let mut tools = std::collections::BTreeSet::new();
    let mut reasons = std::collections::BTreeSet::new();
    for f in corpus() {
        for d in denied::parse(&std::fs::read(&f).unwrap()) {
            tools.insert(format!("{:?}", d.tool));
            reasons.insert(d.reason.code());
        }
    }
    for t in [
        "AwsCli",
        "Boto3",
        "JsSdkV3",
        "JavaSdkV2",
        "GoSdkV2",
        "Cdk",
        "Cloudformation",
        "Terraform",
        "Cloudtrail",
        "DecodedMessage",
    ] {
        assert!(tools.contains(t), "no {t} message in the corpus: {tools:?}");
    }
    for r in [
        Reason::Implicit(PolicyKind::IdentityBased),
        Reason::Explicit(PolicyKind::IdentityBased),
        Reason::Explicit(PolicyKind::ServiceControl),
        Reason::Explicit(PolicyKind::ResourceControl),
        Reason::Implicit(PolicyKind::PermissionsBoundary),
        Reason::Implicit(PolicyKind::Session),
        Reason::Explicit(PolicyKind::Session),
        Reason::Explicit(PolicyKind::ResourceBased),
        Reason::Implicit(PolicyKind::ResourceBased),
        Reason::Explicit(PolicyKind::VpcEndpoint),
        Reason::Unstated,
    ] {
        assert!(reasons.contains(&r.code()), "no {} in the corpus", r.code());
    }
}

#[test]
fn secrets_in_debug_output_never_come_out() {
    let path = common::root().join("tests/fixtures/denied/aws-cli-debug-describeinstances.txt");
    let raw = std::fs::read_to_string(&path).unwrap();
    let out = serde_json::to_string(&denied::parse(raw.as_bytes())).unwrap();
    for secret in [
        "AKIAIOSFODNN7EXAMPLE",
        "IQoJb3JpZ2luX2Vj",
        "SESSIONTOKENEXAMPLE",
        "0123456789abcdef0123456789abcdef",
    ] {
        assert!(raw.contains(secret), "the fixture should hold {secret}");
        assert!(!out.contains(secret), "{secret} leaked: {out}");
    }
    // And through the command line, report and policy.
    let policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.json");
    std::fs::write(&p, policy).unwrap();
    let o = common::iamtrail(
        &["refine", "--policy", p.to_str().unwrap(), "--json"],
        Some(raw.as_bytes()),
    );
    let all = common::stdout(&o) + &common::stderr(&o);
    for secret in [
        "AKIAIOSFODNN7EXAMPLE",
        "IQoJb3JpZ2luX2Vj",
        "0123456789abcdef0123456789abcdef",
    ] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
}

/// A decoder standing in for `sts:DecodeAuthorizationMessage`.
struct Fixed(&'static str);

impl AuthorizationDecoder for Fixed {
    fn decode(&self, encoded: &str) -> Result<String, DecodeError> {
        if encoded.starts_with("EXAMPLE") {
            Ok(self.0.to_string())
        } else {
            Err(DecodeError::Empty("unexpected message"))
        }
    }
}

#[test]
fn encoded_messages_are_decoded_through_the_decoder_trait() {
    let path = common::root().join("tests/fixtures/denied/aws-cli-runinstances-encoded.txt");
    let input = std::fs::read(path).unwrap();
    // Without a decoder: the action comes from the operation, the details stay encoded.
    let plain = denied::parse(&input);
    assert_eq!(plain.len(), 1);
    let d = &plain[0];
    assert!(!d.encoded.as_ref().unwrap().decoded);
    assert!(
        d.encoded
            .as_ref()
            .unwrap()
            .note
            .as_deref()
            .unwrap()
            .contains("decode-authorization-message")
    );
    assert!(
        d.grants
            .iter()
            .any(|g| g.permission.action.to_string() == "ec2:RunInstances")
    );
    // With one: what the decoded message says.
    let decoded = r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AIDA","arn":"arn:aws:iam::111122223333:user/ci"},"action":"iam:PassRole","resource":"arn:aws:iam::111122223333:role/app","conditions":{"items":[{"key":"aws:Service","values":{"items":[{"value":"ec2"}]}}]}}}"#;
    let got = denied::parse_with(&input, &Fixed(decoded));
    assert_eq!(got.len(), 1);
    let d = &got[0];
    assert!(d.encoded.as_ref().unwrap().decoded);
    assert_eq!(
        d.principal.as_deref(),
        Some("arn:aws:iam::111122223333:user/ci")
    );
    assert_eq!(d.grants.len(), 1);
    let g = &d.grants[0].permission;
    assert_eq!(g.action.to_string(), "iam:PassRole");
    assert_eq!(g.resource, "arn:aws:iam::111122223333:role/app");
    assert_eq!(g.condition.as_ref().unwrap().value, "ec2.amazonaws.com");
    // A decoder that fails leaves the denial as it was, with its note.
    let failed = denied::parse_with(&input, &Fixed("not json"));
    assert_eq!(failed[0].grants, plain[0].grants);
    assert!(!failed[0].encoded.as_ref().unwrap().decoded);
}

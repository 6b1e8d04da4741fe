//! Fuzzing the denial parser and `refine` behind it: arbitrary text, fragments of the
//! message grammar, and mutations of every corpus message never panic; what comes out
//! is bounded, names only catalog actions, never carries a planted secret, and refines
//! into a valid policy within the size limit that grants nothing but the parsed pairs.
//! Runs a bounded number of cases in CI (`PROPTEST_CASES` raises it for longer runs).

mod common;
use common::mutate::{Mutation, apply};

use iamtrail::denied::refine::{Options, refine};
use iamtrail::denied::{self, EXCERPT_CHARS};
use iamtrail::iam::eval::{Decision, PolicySet, Request};
use iamtrail::iam::policy::{Document, Effect};
use iamtrail::policy::split::SizeLimit;
use proptest::prelude::*;

const SECRET: &str = "wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY";

fn corpus() -> Vec<Vec<u8>> {
    let dir = common::root().join("tests/fixtures/denied");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            !n.ends_with(".expected.json") && n != "README.md"
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// Pieces of the grammar the parser keys on, to assemble near-messages.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("User: arn:aws:iam::111122223333:user/ci ".to_string()),
        Just("is not authorized to perform: ".to_string()),
        Just("s3:GetObject ".to_string()),
        Just("iam:PassRole ".to_string()),
        Just("SNS:Publish".to_string()),
        Just("on resource: ".to_string()),
        Just("\"arn:aws:s3:::b/k*?$\" ".to_string()),
        Just("role r ".to_string()),
        Just("because no identity-based policy allows the x action".to_string()),
        Just("with an explicit deny in a service control policy: arn:".to_string()),
        Just("An error occurred (AccessDenied) when calling the PutObject operation: Access Denied".to_string()),
        Just("operation error S3: HeadObject, https response error StatusCode: 403, api error Forbidden: ".to_string()),
        Just("(Service: Lambda, Status Code: 403, Request ID: 1)".to_string()),
        Just("Encoded authorization failure message: ".to_string()),
        Just("could not be used to assume 'arn:aws:iam::1:role/x'".to_string()),
        Just("API: iam:CreateRole ".to_string()),
        Just("Call failed: getObject({\"Bucket\":\"b\",\"Key\":\"k\"}) => Access Denied (code=AccessDenied)".to_string()),
        Just("\"eventName\": \"PutObject\", \"eventSource\": \"s3.amazonaws.com\", \"errorCode\": \"AccessDenied\"".to_string()),
        Just("{\"allowed\":false,\"context\":{\"action\":\"X\"}}".to_string()),
        Just("\"DecodedMessage\": \"{\\\"allowed\\\":false}\"".to_string()),
        Just("s3://bucket/key ".to_string()),
        Just("https://b.s3.us-east-1.amazonaws.com/%zz ".to_string()),
        Just("Error executing \"PutObject\" on \"https://b.s3.amazonaws.com/k\"; AccessDenied".to_string()),
        Just("at software.amazon.awssdk.services.s3.DefaultS3Client.getObject(".to_string()),
        Just("deserializeAws_restXmlGetObjectCommandError".to_string()),
        Just(format!("Authorization: AWS4-HMAC-SHA256 Credential={SECRET}")),
        Just(format!("aws_secret_access_key = {SECRET}")),
        Just(format!("\"SessionToken\": \"IQoJb3JpZ2luX2Vj{SECRET}\"")),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("│ ".to_string()),
        Just("é❌\\\"".to_string()),
        "[ -~]{0,12}",
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            prop_oneof![
                Just(b"\n".to_vec()),
                Just(b"\"".to_vec()),
                Just(b"\\".to_vec()),
                Just(b" is not authorized to perform: ".to_vec()),
                Just(b"\xe2\x94\x82".to_vec()),
                Just(b"\xff".to_vec()),
                prop::collection::vec(any::<u8>(), 0..12)
            ]
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
    ]
}

fn literal(r: &str) -> String {
    r.replace("${*}", "*")
        .replace("${?}", "?")
        .replace("${$}", "$")
}

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let denials = denied::parse(bytes);
    let text = serde_json::to_string(&denials).unwrap();
    prop_assert!(!text.contains(SECRET), "secret leaked: {}", text);
    for d in &denials {
        prop_assert!(d.excerpt.chars().count() <= EXCERPT_CHARS + 1);
        prop_assert!(d.occurrences >= 1);
        for g in &d.grants {
            let g = &g.permission;
            // ActionId can only hold catalog actions; the resource is policy-ready.
            prop_assert!(!g.resource.is_empty());
            prop_assert!(g.action.def().name == g.action.name);
        }
    }
    let empty: Document =
        serde_json::from_str(r#"{"Version":"2012-10-17","Statement":[]}"#).unwrap();
    let limit = SizeLimit::Chars(2048);
    let Ok(r) = refine(
        std::slice::from_ref(&empty),
        &denials,
        &Options {
            size_limit: limit,
            unknown: iamtrail::denied::refine::UnknownResources::Parts,
            ..Options::default()
        },
    ) else {
        return Ok(());
    };
    for doc in &r.documents {
        prop_assert!(doc.iam_size() <= 2048);
        let back: Document = serde_json::from_str(&doc.to_compact()).unwrap();
        prop_assert_eq!(&back, doc);
        for st in &doc.statements {
            prop_assert_eq!(st.effect, Effect::Allow);
        }
    }
    // Everything added is allowed now, and only fixable, parsed pairs were added.
    for a in &r.added {
        let d = &denials[a.denial];
        let p = &a.permission;
        prop_assert!(d.reason.fixable());
        // Added as the denial shows it, or generalized from it (per-run parts as `*`):
        // then the grant covers the denied resource and says so.
        prop_assert!(
            d.grants
                .iter()
                .map(|g| &g.permission)
                .any(|g| g.action == p.action
                    && (g.resource == p.resource
                        || a.generalized_from.contains(&g.resource)
                            && iamtrail::iam::pattern::covers(&p.resource, &g.resource)
                            && !a.rules.is_empty()))
        );
        let mut context = std::collections::BTreeMap::new();
        if let Some(c) = &p.condition {
            prop_assert_eq!(c.op.to_string(), "StringEquals");
            context.insert(c.key.to_string(), vec![c.value.clone()]);
        }
        let req = Request {
            principal: None,
            action: p.action.to_string(),
            resource: literal(&p.resource),
            context,
        };
        prop_assert_eq!(
            PolicySet::identity(&r.documents).evaluate(&req).decision,
            Decision::Allowed,
            "{:?}",
            a
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text(s in "\\PC{0,300}") {
        check(s.as_bytes())?;
    }

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check(&bytes)?;
    }

    #[test]
    fn grammar_fragments(parts in prop::collection::vec(fragment(), 0..14)) {
        check(parts.concat().as_bytes())?;
    }

    #[test]
    fn mutated_corpus(seed in 0usize..1000, muts in prop::collection::vec(mutation(), 1..6)) {
        let c = corpus();
        check(&apply(c[seed % c.len()].clone(), &muts))?;
    }
}

//! Properties of generate, over random records:
//! 1. every (action, resource[, condition]) any selected record needed is allowed by the
//!    generated policy (checked with the evaluator, on the literal resource);
//! 2. every (action, resource) the policy grants was needed by some record — directly or
//!    through a reported generalization — so nothing is granted that was neither observed
//!    nor inferred.

use std::collections::{BTreeMap, BTreeSet};

use iamtrail::generate::build;
use iamtrail::iam::eval::{Decision, PolicySet, Request};
use iamtrail::iam::pattern::{covers, literal_of};
use iamtrail::ingest::Config;
use iamtrail::map::{Mapper, Need};
use iamtrail::policy::split::SizeLimit;
use iamtrail::policy::synth::Options;
use proptest::prelude::*;
use serde_json::{Value, json};

fn name() -> impl Strategy<Value = String> {
    // Names with the characters that could widen a grant if not escaped.
    "[a-c]{1,3}[*?$]?[a-c]{0,2}"
}

fn key() -> impl Strategy<Value = String> {
    (
        // Per-run parts too: build numbers that may vary, content hashes.
        prop_oneof![
            Just("logs/".to_string()),
            Just("logs/run/".to_string()),
            Just(String::new()),
            (1u8..4).prop_map(|n| format!("builds/{n}/")),
            "[0-9a-f]{8}".prop_map(|h| format!("cache/{h}1a/")),
        ],
        name(),
    )
        .prop_map(|(d, n)| format!("{d}{n}"))
}

fn event() -> impl Strategy<Value = (String, String, Value, Value)> {
    prop_oneof![
        (prop_oneof![Just("GetObject"), Just("PutObject"), Just("HeadObject"), Just("DeleteObject")], name(), key())
            .prop_map(|(e, b, k)| ("s3.amazonaws.com".into(), e.to_string(), json!({"bucketName": b, "key": k}), Value::Null)),
        name().prop_map(|q| ("sqs.amazonaws.com".into(), "SendMessage".into(), json!({"queueUrl": format!("https://sqs.us-east-1.amazonaws.com/111122223333/{q}")}), Value::Null)),
        (name(), name()).prop_map(|(f, r)| ("lambda.amazonaws.com".into(), "UpdateFunctionConfiguration20150331v2".into(), json!({"functionName": f, "role": format!("arn:aws:iam::111122223333:role/{r}")}), Value::Null)),
        name().prop_map(|p| ("ssm.amazonaws.com".into(), "GetParameter".into(), json!({"name": format!("/app/{p}")}), Value::Null)),
        name().prop_map(|t| ("dynamodb.amazonaws.com".into(), "PutItem".into(), json!({"tableName": t}), Value::Null)),
        (name(), any::<bool>()).prop_map(|(r, tags)| ("iam.amazonaws.com".into(), "CreateRole".into(),
            if tags { json!({"roleName": r, "tags": [{"key": "team", "value": "ci"}]}) } else { json!({"roleName": r}) }, Value::Null)),
        name().prop_map(|k| ("kms.amazonaws.com".into(), "Decrypt".into(), json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
            json!([{"ARN": format!("arn:aws:kms:us-east-1:111122223333:key/{k}"), "type": "AWS::KMS::Key"}]))),
        name().prop_map(|s| ("secretsmanager.amazonaws.com".into(), "GetSecretValue".into(), json!({"secretId": s}), Value::Null)),
        Just(("sts.amazonaws.com".into(), "GetCallerIdentity".into(), Value::Null, Value::Null)),
        Just(("ec2.amazonaws.com".into(), "DescribeInstances".into(), json!({"instancesSet": {}}), Value::Null)),
    ]
}

fn record(i: usize, (source, name, params, resources): (String, String, Value, Value)) -> Value {
    let mut r = json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/ci/b", "accountId": "111122223333",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/ci"}}},
        "eventTime": format!("2026-11-20T10:{:02}:00Z", i % 60),
        "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
        "requestParameters": params, "eventID": format!("id-{i:04}"), "eventType": "AwsApiCall", "recipientAccountId": "111122223333"
    });
    if !resources.is_null() {
        r["resources"] = resources;
    }
    r
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn policy_allows_exactly_what_was_needed(events in prop::collection::vec(event(), 1..40), generalize in 0usize..4, pin in any::<bool>()) {
        let records: Vec<Value> = events.into_iter().enumerate().map(|(i, e)| record(i, e)).collect();
        let body = json!({"Records": records}).to_string().into_bytes();
        let cfg = Config { selection: iamtrail::select::Selection { principals: vec!["arn:aws:iam::111122223333:role/ci".parse().unwrap()], ..Default::default() }, ..Config::default() };
        let ingested = iamtrail::generate::from_objects(vec![("t.json".into(), body.clone())], &cfg);
        let g = build(&ingested.usage, Options { generalize, pin }, SizeLimit::Managed).unwrap();

        // The needs, record by record, independently of the pipeline.
        let mut needs: Vec<Need> = Vec::new();
        let mut mapper = Mapper::default();
        let mut buf = body.clone();
        iamtrail::decode::Decoder::default().decode(&mut buf, &mut |_, r| { needs.extend(mapper.map(&r.unwrap()).1.iter().map(|n| n.to_need())); }).unwrap();

        for n in &needs {
            let mut context = BTreeMap::new();
            let p = &n.permission;
            if let Some(c) = &p.condition { context.insert(c.key.to_string(), vec![c.value.clone()]); }
            let req = Request { principal: None, action: p.action.to_string(), resource: literal_of(&p.resource), context };
            prop_assert_eq!(PolicySet::identity(&g.documents).evaluate(&req).decision, Decision::Allowed, "{:?} not allowed by {}", n, serde_json::to_string(&g.documents).unwrap());
        }

        let needed: BTreeSet<(String, String)> = needs.iter().map(|n| (n.permission.action.to_string(), n.permission.resource.clone())).collect();
        for st in g.documents.iter().flat_map(|d| &d.statements) {
            for a in &st.action.as_ref().unwrap().0 {
                prop_assert!(needed.iter().any(|(na, _)| na == a), "{} granted but never needed", a);
                for r in &st.resource.as_ref().unwrap().0 {
                    prop_assert!(needed.iter().any(|(na, nr)| na == a && covers(r, nr)), "{} on {} covers no need", a, r);
                    let reported = g.synthesis.generalizations.iter().any(|x| x.action.to_string() == *a && x.pattern == *r);
                    if r != "*" && !reported && needed.iter().filter(|(na, nr)| na == a && covers(r, nr)).count() == 1 {
                        // A grant that covers a single need must be that need exactly,
                        // unless it is a reported generalization.
                        prop_assert!(needed.contains(&(a.clone(), r.clone())), "{} on {} is wider than its one need", a, r);
                    }
                    // --pin: no per-run generalization at all.
                    prop_assert!(!pin || g.synthesis.generalizations.iter().all(|x| x.rules.iter().all(|r| *r == "siblings")));
                }
            }
        }
    }
}

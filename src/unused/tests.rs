use super::*;
use crate::iam::policy::Document;

fn grant(json: &str) -> Grant {
    Grant::new(vec![("g.json".into(), Document::from_text(json).unwrap())])
}

fn actions(g: &Grant) -> Vec<String> {
    g.expand(None)
        .iter()
        .map(|x| x.action.to_string())
        .collect()
}

fn service_size(prefix: &str) -> usize {
    crate::catalog::service(prefix).unwrap().actions.len()
}

#[test]
fn service_wildcards_expand_to_the_catalog() {
    let g = grant(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Effect":"Allow","Action":"dynamodb:Get*","Resource":"arn:aws:dynamodb:*:*:table/*"}]}"#,
    );
    let got = actions(&g);
    let s3 = got.iter().filter(|a| a.starts_with("s3:")).count();
    assert_eq!(s3, service_size("s3"));
    let ddb: Vec<_> = got.iter().filter(|a| a.starts_with("dynamodb:")).collect();
    assert!(ddb.iter().all(|a| a.starts_with("dynamodb:Get")), "{ddb:?}");
    assert!(ddb.iter().any(|a| *a == "dynamodb:GetItem"));
    assert_eq!(got.len(), s3 + ddb.len());
}

#[test]
fn deny_and_not_action_are_the_evaluators() {
    // Everything but IAM, minus a denied S3 write; a Deny on one bucket's objects
    // leaves the other buckets' objects allowed.
    let g = grant(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","NotAction":"iam:*","Resource":"*"},
        {"Effect":"Deny","Action":"s3:PutObject","Resource":"*"},
        {"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret/*"},
        {"Effect":"Deny","Action":"kms:Decrypt","Resource":"arn:aws:kms:*"}]}"#,
    );
    let got: BTreeSet<String> = actions(&g).into_iter().collect();
    assert!(!got.iter().any(|a| a.starts_with("iam:")));
    assert!(!got.contains("s3:PutObject"));
    assert!(got.contains("s3:GetObject"));
    assert!(!got.contains("kms:Decrypt"), "every key ARN is denied");
    assert!(got.contains("kms:Encrypt"));
    assert!(got.contains("ec2:RunInstances"));
}

#[test]
fn conditions_make_a_grant_conditional() {
    let g = grant(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
         "Condition":{"Bool":{"aws:SecureTransport":"true"}}},
        {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::app"},
        {"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"},
        {"Effect":"Deny","Action":"sqs:*","Resource":"*",
         "Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}]}"#,
    );
    let got = g.expand(None);
    let by: BTreeMap<String, bool> = got
        .iter()
        .map(|x| (x.action.to_string(), x.conditional))
        .collect();
    assert_eq!(by.get("s3:GetObject"), Some(&true));
    assert_eq!(by.get("s3:ListBucket"), Some(&false));
    // Allowed in us-east-1 only: still granted, under a condition.
    assert_eq!(by.get("sqs:SendMessage"), Some(&true));
    assert_eq!(by.len(), 3);
    let list = got
        .iter()
        .find(|x| x.action.to_string() == "s3:ListBucket")
        .unwrap();
    assert_eq!(list.by[0].path, "Statement[1]");
}

#[test]
fn a_bucket_prefix_grants_its_objects_and_buckets() {
    let g = grant(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","lambda:InvokeFunction"],
         "Resource":"arn:aws:s3:::app-*"}]}"#,
    );
    assert_eq!(actions(&g), ["s3:GetObject", "s3:ListBucket"]);
}

#[test]
fn object_patterns_do_not_grant_bucket_actions() {
    let g = grant(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::*/*"},
        {"Effect":"Allow","Action":["dynamodb:GetRecords"],"Resource":"arn:aws:dynamodb:us-east-1:1:table/*"}]}"#,
    );
    assert_eq!(actions(&g), ["dynamodb:GetRecords", "s3:GetObject"]);
    let list = ActionId::lookup("s3:ListBucket").unwrap();
    assert!(g.allowing(list).is_empty());
}

#[test]
fn not_resource_grants_are_wider_than_any_use() {
    let g = grant(
        r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"AllButSecret","Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::secret/*"}]}"#,
    );
    let get = ActionId::lookup("s3:GetObject").unwrap();
    let by = g.allowing(get);
    assert_eq!(by.len(), 1);
    assert_eq!(by[0].0.sid.as_deref(), Some("AllButSecret"));
    assert!(by[0].1.is_none(), "written with NotResource");
    assert!(g.allows_on("s3:GetObject", "arn:aws:s3:::app/k", None));
    assert!(!g.allows_on("s3:GetObject", "arn:aws:s3:::secret/k", None));
}

#[test]
fn policy_variables_take_the_principals_values() {
    let g = grant(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}"#,
    );
    let alice = "arn:aws:iam::111122223333:user/alice";
    let got: Vec<String> = g
        .expand(Some(alice))
        .iter()
        .map(|x| x.action.to_string())
        .collect();
    assert_eq!(got, ["s3:GetObject"]);
    // A role has no aws:username: the statement names nothing for it.
    assert!(
        g.expand(Some("arn:aws:iam::111122223333:role/ci"))
            .is_empty()
    );
    assert!(g.allows_on("s3:GetObject", "arn:aws:s3:::home/alice/x", Some(alice)));
    assert!(!g.allows_on("s3:GetObject", "arn:aws:s3:::home/bob/x", Some(alice)));
}

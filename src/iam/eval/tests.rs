use super::*;

fn doc(json: &str) -> Document {
    Document::from_text(json).unwrap()
}

fn req(action: &str, resource: &str, ctx: &[(&str, &str)]) -> Request {
    ctx.iter()
        .fold(Request::new(action, resource), |r, (k, v)| r.with(*k, *v))
}

/// The decision of one Allow statement with this condition block for a context.
fn cond(block: &str, ctx: &[(&str, &str)]) -> Decision {
    let d = doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{block}}}]}}"#
    ));
    PolicySet::identity(std::slice::from_ref(&d))
        .evaluate(&req("s3:GetObject", "x", ctx))
        .decision
}

fn allows(block: &str, ctx: &[(&str, &str)]) -> bool {
    cond(block, ctx) == Decision::Allowed
}

#[test]
fn wildcards_and_escapes() {
    assert!(wildcard_match("s3:Get*", "s3:getobject", true));
    assert!(wildcard_match(
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::b/x/y",
        false
    ));
    assert!(!wildcard_match(
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::c/x",
        false
    ));
    assert!(wildcard_match(
        "arn:aws:s3:::b/${*}x",
        "arn:aws:s3:::b/*x",
        false
    ));
    assert!(!wildcard_match(
        "arn:aws:s3:::b/${*}x",
        "arn:aws:s3:::b/ax",
        false
    ));
    assert!(wildcard_match("a?c", "abc", false));
    assert!(!wildcard_match("a${?}c", "abc", false));
    assert!(wildcard_match(
        "secret:ci-??????",
        "secret:ci-AbC123",
        false
    ));
    assert!(wildcard_match("*", "", false));
}

#[test]
fn deny_wins_and_the_deciding_statements_are_returned() {
    let p = doc(r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"Pass","Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/x","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}},
        {"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#);
    let q = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Action":"s3:Delete*","Resource":"*"},{"Sid":"Get","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
    );
    let set = PolicySet::new()
        .with_identity("p.json", &p)
        .with_identity("q.json", &q);
    let passed = |svc: &str| {
        set.evaluate(&req(
            "iam:PassRole",
            "arn:aws:iam::1:role/x",
            &[("iam:PassedToService", svc)],
        ))
    };
    let e = passed("lambda.amazonaws.com");
    assert_eq!(e.decision, Decision::Allowed);
    assert_eq!(
        e.deciding,
        [Deciding {
            document: "p.json".into(),
            kind: PolicyKind::Identity,
            statement: 0,
            sid: Some("Pass".into()),
            path: "Statement[0]".into()
        }]
    );
    let e = passed("ec2.amazonaws.com");
    assert_eq!((e.decision, e.deciding.len()), (Decision::ImplicitDeny, 0));
    let e = set.evaluate(&req("iam:PassRole", "arn:aws:iam::1:role/x", &[]));
    assert_eq!(e.decision, Decision::ImplicitDeny);
    let e = set.evaluate(&req("s3:GetObject", "arn:aws:s3:::b/k", &[]));
    assert_eq!(e.decision, Decision::Allowed);
    let who: Vec<_> = e
        .deciding
        .iter()
        .map(|d| (d.document.as_str(), d.statement, d.sid.as_deref()))
        .collect();
    assert_eq!(who, [("p.json", 1, Some("S3")), ("q.json", 1, Some("Get"))]);
    let e = evaluate(&set, &req("S3:DeleteBucket", "arn:aws:s3:::b", &[]));
    assert_eq!(e.decision, Decision::ExplicitDeny);
    let who: Vec<_> = e
        .deciding
        .iter()
        .map(|d| (d.document.as_str(), d.path.as_str()))
        .collect();
    assert_eq!(
        who,
        [("p.json", "Statement[2]"), ("q.json", "Statement[0]")]
    );
    assert_eq!(
        PolicySet::identity(std::slice::from_ref(&q)).policies()[0].name,
        "policy 1"
    );
    assert_eq!(
        PolicySet::new()
            .evaluate(&req("s3:GetObject", "x", &[]))
            .decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn not_action_and_not_resource() {
    let p = doc(r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","NotAction":"iam:*","Resource":"*"},
        {"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::mine/*"}]}"#);
    let set = PolicySet::identity(std::slice::from_ref(&p));
    let d = |a: &str, r: &str| set.evaluate(&req(a, r, &[])).decision;
    assert_eq!(d("sqs:SendMessage", "q"), Decision::Allowed);
    assert_eq!(d("iam:CreateRole", "r"), Decision::ImplicitDeny);
    assert_eq!(d("s3:GetObject", "arn:aws:s3:::mine/k"), Decision::Allowed);
    assert_eq!(
        d("s3:GetObject", "arn:aws:s3:::other/k"),
        Decision::ExplicitDeny
    );
}

#[test]
fn string_and_arn_operators() {
    let c = |op: &str, v: &str| allows(&format!(r#"{{"{op}":{{"k":"ab*"}}}}"#), &[("k", v)]);
    assert!(c("StringEquals", "ab*"));
    assert!(!c("StringEquals", "abc"));
    assert!(c("StringNotEquals", "abc"));
    assert!(c("StringLike", "abc"));
    assert!(!c("StringLike", "ABC"));
    assert!(c("StringNotLike", "xbc"));
    assert!(c("StringEqualsIgnoreCase", "AB*"));
    assert!(!c("StringNotEqualsIgnoreCase", "AB*"));
    // Condition keys match case-insensitively.
    assert!(allows(
        r#"{"StringEquals":{"AWS:UserName":"a"}}"#,
        &[("aws:username", "a")]
    ));
    let arn = |op: &str, v: &str| {
        allows(
            &format!(r#"{{"{op}":{{"aws:SourceArn":"arn:aws:sns:*:1:t*"}}}}"#),
            &[("aws:SourceArn", v)],
        )
    };
    assert!(arn("ArnLike", "arn:aws:sns:us-east-1:1:topic"));
    assert!(arn("ArnEquals", "arn:aws:sns:us-east-1:1:topic"));
    assert!(!arn("ArnLike", "arn:aws:sns:us-east-1:2:topic"));
    assert!(!arn("ArnLike", "arn:aws:sns:us-east-1:1:x:topic"));
    assert!(arn("ArnNotLike", "arn:aws:sns:us-east-1:2:topic"));
    // The wildcard stays inside its part: `*` for the region never eats the account.
    assert!(!allows(
        r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:t"}}"#,
        &[("aws:SourceArn", "arn:aws:sns:us-east-1:1:t")]
    ));
}

#[test]
fn numeric_date_bool_binary_ip_and_null() {
    let n = |op: &str, v: &str| allows(&format!(r#"{{"{op}":{{"n":"10"}}}}"#), &[("n", v)]);
    assert!(n("NumericEquals", "10.0"));
    assert!(n("NumericNotEquals", "11"));
    assert!(n("NumericLessThan", "9"));
    assert!(!n("NumericLessThan", "10"));
    assert!(n("NumericLessThanEquals", "10"));
    assert!(n("NumericGreaterThan", "11"));
    assert!(n("NumericGreaterThanEquals", "10"));
    assert!(!n("NumericEquals", "ten"));
    let d = |op: &str, v: &str| {
        allows(
            &format!(r#"{{"{op}":{{"aws:CurrentTime":"2026-01-31T00:00:00Z"}}}}"#),
            &[("aws:CurrentTime", v)],
        )
    };
    assert!(d("DateLessThan", "2026-01-30T23:59:59Z"));
    assert!(!d("DateLessThan", "2026-01-31T00:00:00Z"));
    assert!(d("DateLessThanEquals", "2026-01-31"));
    assert!(d("DateGreaterThan", "2026-01-31T01:00:00+00:30"));
    assert!(d("DateGreaterThanEquals", "1769817600"));
    assert!(d("DateEquals", "2026-01-31T01:00:00+01:00"));
    assert!(d("DateNotEquals", "2026-02-01"));
    assert!(allows(
        r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
        &[("aws:SecureTransport", "TRUE")]
    ));
    assert!(!allows(
        r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
        &[("aws:SecureTransport", "false")]
    ));
    assert!(!allows(r#"{"Bool":{"aws:SecureTransport":"true"}}"#, &[]));
    assert!(allows(
        r#"{"BinaryEquals":{"k":"QmluYXJ5"}}"#,
        &[("k", "QmluYXJ5")]
    ));
    assert!(!allows(
        r#"{"BinaryEquals":{"k":"QmluYXJ5"}}"#,
        &[("k", "QmluYXJ6")]
    ));
    let ip = |op: &str, v: &str| {
        allows(
            &format!(r#"{{"{op}":{{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}}}"#),
            &[("aws:SourceIp", v)],
        )
    };
    assert!(ip("IpAddress", "203.0.113.7"));
    assert!(ip("IpAddress", "2001:db8::7"));
    assert!(!ip("IpAddress", "198.51.100.1"));
    assert!(ip("NotIpAddress", "198.51.100.1"));
    assert!(!ip("NotIpAddress", "203.0.113.7"));
    assert!(allows(r#"{"Null":{"k":"true"}}"#, &[]));
    assert!(!allows(r#"{"Null":{"k":"true"}}"#, &[("k", "v")]));
    assert!(allows(r#"{"Null":{"k":"false"}}"#, &[("k", "v")]));
}

#[test]
fn if_exists_and_absent_keys() {
    // Absent: IfExists holds, a plain operator does not, a negated one does.
    assert!(allows(r#"{"StringEqualsIfExists":{"k":"v"}}"#, &[]));
    assert!(!allows(
        r#"{"StringEqualsIfExists":{"k":"v"}}"#,
        &[("k", "w")]
    ));
    assert!(allows(
        r#"{"StringEqualsIfExists":{"k":"v"}}"#,
        &[("k", "v")]
    ));
    assert!(!allows(r#"{"StringEquals":{"k":"v"}}"#, &[]));
    assert!(allows(r#"{"StringNotEquals":{"k":"v"}}"#, &[]));
    assert!(allows(r#"{"ArnNotLike":{"k":"arn:aws:s3:::b"}}"#, &[]));
    assert!(allows(r#"{"NotIpAddress":{"k":"10.0.0.0/8"}}"#, &[]));
    assert!(allows(r#"{"NumericLessThanIfExists":{"k":"1"}}"#, &[]));
    assert!(!allows(
        r#"{"NumericLessThanIfExists":{"k":"1"}}"#,
        &[("k", "2")]
    ));
}

#[test]
fn set_qualifiers() {
    let multi = |block: &str, vals: &[&str]| {
        let ctx: Vec<(&str, &str)> = vals.iter().map(|v| ("aws:TagKeys", *v)).collect();
        allows(block, &ctx)
    };
    let any = r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}"#;
    let all = r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#;
    assert!(multi(any, &["env", "other"]));
    assert!(!multi(any, &["other"]));
    assert!(!multi(any, &[]));
    assert!(multi(all, &["env", "team"]));
    assert!(!multi(all, &["env", "other"]));
    assert!(multi(all, &[]));
    // Negated with a qualifier: an absent key satisfies ForAllValues only.
    assert!(!multi(
        r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"x"}}"#,
        &[]
    ));
    assert!(multi(
        r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"x"}}"#,
        &["x", "y"]
    ));
    assert!(!multi(
        r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":"x"}}"#,
        &["x", "y"]
    ));
    assert!(multi(
        r#"{"ForAllValues:StringLike":{"aws:TagKeys":"e*"}}"#,
        &["env", "eu"]
    ));
}

#[test]
fn a_mistyped_deny_never_silently_allows() {
    // An unknown operator or a value of the wrong type is a parse error, so a Deny can
    // never be read as a statement that does not apply.
    for block in [
        r#"{"StringEqulas":{"aws:PrincipalTag/team":"x"}}"#,
        r#"{"DateFuture":{"k":"v"}}"#,
        r#"{"NumericLessThan":{"k":"ten"}}"#,
        r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/33"}}"#,
        r#"{"Bool":{"aws:SecureTransport":"flase"}}"#,
        r#"{"ForSomeValues:StringEquals":{"k":"v"}}"#,
    ] {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*"}},{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{block}}}]}}"#
        );
        let e = Document::from_text(&text).unwrap_err();
        assert!(
            e.path.starts_with("Statement[1].Condition."),
            "{block}: {e}"
        );
    }
}

#[test]
fn the_principal_is_aws_principal_arn() {
    let d = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::1:role/ci-*"}}},{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    );
    let set = PolicySet::identity(std::slice::from_ref(&d));
    let mut r = Request::new("s3:GetObject", "x");
    assert_eq!(set.evaluate(&r).decision, Decision::Allowed);
    r.principal = Some("arn:aws:iam::1:role/ci-build".into());
    assert_eq!(set.evaluate(&r).decision, Decision::ExplicitDeny);
    r.principal = Some("arn:aws:iam::1:role/deploy".into());
    assert_eq!(set.evaluate(&r).decision, Decision::Allowed);
    let r = r.with("aws:PrincipalArn", "arn:aws:iam::1:role/ci-x");
    assert_eq!(set.evaluate(&r).decision, Decision::ExplicitDeny);
}

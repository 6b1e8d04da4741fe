//! One test per evaluation rule: boundaries, SCP and RCP levels, endpoint and session
//! policies, same- and cross-account resource policies, Principal / NotPrincipal, policy
//! variables.

use super::*;
use crate::iam::policy::DocumentKind;

fn doc(json: &str) -> Document {
    Document::from_text(json).unwrap()
}

fn resource_doc(json: &str) -> Document {
    Document::from_text_as(json, DocumentKind::Resource).unwrap()
}

fn allow(action: &str, resource: &str) -> Document {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    ))
}

fn deny(action: &str) -> Document {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"{action}","Resource":"*"}}]}}"#
    ))
}

/// A bucket policy statement granting s3:GetObject to `principal` (a JSON value).
fn bucket(effect: &str, principal_elem: &str, principal: &str) -> Document {
    resource_doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","{principal_elem}":{principal},"Action":"s3:GetObject"}}]}}"#
    ))
}

const USER: &str = "arn:aws:iam::111111111111:user/alice";
const ROLE: &str = "arn:aws:iam::111111111111:role/Dev";
const SESSION: &str = "arn:aws:sts::111111111111:assumed-role/Dev/s1";
const OBJECT: &str = "arn:aws:s3:::bucket/key";

fn get(by: &str, owner: &str) -> Request {
    Request::new("s3:GetObject", OBJECT).by(by).owned_by(owner)
}

#[test]
fn resource_policies_may_omit_resource_and_identity_policies_may_not() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}"#;
    assert!(Document::from_text(text).is_err());
    assert!(Document::from_text_as(text, DocumentKind::Resource).is_ok());
    assert!(Document::from_text_as(text, DocumentKind::Trust).is_ok());
}

#[test]
fn boundary_caps_identity_grants() {
    let id = allow("s3:*", "*");
    let b = allow("s3:List*", "*");
    let set = PolicySet::identity(std::slice::from_ref(&id)).with(PolicyKind::Boundary, "b", &b);
    assert_eq!(
        set.evaluate(&get(USER, "111111111111")).decision,
        Decision::ImplicitDeny
    );
    let b = allow("s3:Get*", "*");
    let set = PolicySet::identity(std::slice::from_ref(&id)).with(PolicyKind::Boundary, "b", &b);
    assert_eq!(
        set.evaluate(&get(USER, "111111111111")).decision,
        Decision::Allowed
    );
    // A boundary allows nothing by itself.
    let set = PolicySet::new().with(PolicyKind::Boundary, "b", &b);
    assert_eq!(
        set.evaluate(&get(USER, "111111111111")).decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn same_account_resource_policy_naming_the_caller_passes_the_boundary_a_role_does_not() {
    let b = allow("ec2:*", "*");
    for (caller, named, want) in [
        (USER, USER, Decision::Allowed),
        (SESSION, SESSION, Decision::Allowed),
        (SESSION, ROLE, Decision::ImplicitDeny),
        (ROLE, ROLE, Decision::ImplicitDeny),
    ] {
        let r = bucket("Allow", "Principal", &format!(r#"{{"AWS":"{named}"}}"#));
        let set = PolicySet::new()
            .with(PolicyKind::Resource, "bucket", &r)
            .with(PolicyKind::Boundary, "b", &b);
        assert_eq!(
            set.evaluate(&get(caller, "111111111111")).decision,
            want,
            "{caller} named as {named}"
        );
        // Without a boundary, any of them is enough in the same account.
        let set = PolicySet::new().with(PolicyKind::Resource, "bucket", &r);
        assert_eq!(
            set.evaluate(&get(caller, "111111111111")).decision,
            Decision::Allowed
        );
    }
    // Naming the account delegates to the identity policies.
    let r = bucket("Allow", "Principal", r#"{"AWS":"111111111111"}"#);
    let set = PolicySet::new().with(PolicyKind::Resource, "bucket", &r);
    assert_eq!(
        set.evaluate(&get(USER, "111111111111")).decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn cross_account_needs_both_sides() {
    let id = allow("s3:GetObject", "*");
    let r = bucket(
        "Allow",
        "Principal",
        r#"{"AWS":"arn:aws:iam::111111111111:root"}"#,
    );
    let owner = "222222222222";
    let only_id = PolicySet::identity(std::slice::from_ref(&id));
    assert_eq!(
        only_id.evaluate(&get(USER, owner)).decision,
        Decision::ImplicitDeny
    );
    let only_r = PolicySet::new().with(PolicyKind::Resource, "bucket", &r);
    assert_eq!(
        only_r.evaluate(&get(USER, owner)).decision,
        Decision::ImplicitDeny
    );
    let both =
        PolicySet::identity(std::slice::from_ref(&id)).with(PolicyKind::Resource, "bucket", &r);
    let e = both.evaluate(&get(USER, owner));
    assert_eq!(e.decision, Decision::Allowed);
    assert_eq!(e.deciding.len(), 2);
    // Another account named: no.
    let r = bucket("Allow", "Principal", r#"{"AWS":"333333333333"}"#);
    let other =
        PolicySet::identity(std::slice::from_ref(&id)).with(PolicyKind::Resource, "bucket", &r);
    assert_eq!(
        other.evaluate(&get(USER, owner)).decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn not_principal_deny_spares_only_the_named_and_never_a_bounded_principal() {
    let id = allow("s3:*", "*");
    let r = bucket("Deny", "NotPrincipal", &format!(r#"{{"AWS":"{USER}"}}"#));
    let set =
        PolicySet::identity(std::slice::from_ref(&id)).with(PolicyKind::Resource, "bucket", &r);
    assert_eq!(
        set.evaluate(&get(USER, "111111111111")).decision,
        Decision::Allowed
    );
    let e = set.evaluate(&get(ROLE, "111111111111"));
    assert_eq!(e.decision, Decision::ExplicitDeny);
    assert_eq!(e.deciding[0].kind, PolicyKind::Resource);
    // "The NotPrincipal element with a Deny effect will always deny any IAM principal
    // that has a permissions boundary policy attached."
    let b = allow("*", "*");
    let set = set.with(PolicyKind::Boundary, "b", &b);
    assert_eq!(
        set.evaluate(&get(USER, "111111111111")).decision,
        Decision::ExplicitDeny
    );
}

#[test]
fn every_scp_level_must_allow_and_any_deny_wins() {
    let id = allow("s3:*", "*");
    let full = allow("*", "*");
    let s3 = allow("s3:*", "*");
    let ec2 = allow("ec2:*", "*");
    let req = get(USER, "111111111111");
    let levels = |ls: &[&[&Document]]| {
        let mut set = PolicySet::identity(std::slice::from_ref(&id));
        for l in ls {
            set = set.with_scp_level(l.iter().map(|d| ("scp", *d)));
        }
        set.evaluate(&req).decision
    };
    assert_eq!(levels(&[&[&full], &[&s3]]), Decision::Allowed);
    assert_eq!(levels(&[&[&full], &[&ec2]]), Decision::ImplicitDeny);
    assert_eq!(levels(&[&[&full], &[&ec2, &s3]]), Decision::Allowed);
    // A level with nothing attached denies everything.
    assert_eq!(levels(&[&[&full], &[]]), Decision::ImplicitDeny);
    let d = deny("s3:GetObject");
    assert_eq!(levels(&[&[&full, &d], &[&s3]]), Decision::ExplicitDeny);
    // SCPs grant nothing by themselves.
    let set = PolicySet::new().with_scp_level([("scp", &full)]);
    assert_eq!(set.evaluate(&req).decision, Decision::ImplicitDeny);
}

#[test]
fn rcps_only_deny_and_endpoint_and_session_policies_must_allow() {
    let id = allow("s3:*", "*");
    let req = get(USER, "111111111111");
    let ec2 = allow("ec2:*", "*");
    let set = PolicySet::identity(std::slice::from_ref(&id)).with_rcp_level([("rcp", &ec2)]);
    assert_eq!(set.evaluate(&req).decision, Decision::Allowed);
    let d = deny("s3:*");
    let set = set.with_rcp_level([("rcp", &d)]);
    assert_eq!(set.evaluate(&req).decision, Decision::ExplicitDeny);
    for kind in [PolicyKind::Endpoint, PolicyKind::Session] {
        let set = PolicySet::identity(std::slice::from_ref(&id)).with(kind, "p", &ec2);
        assert_eq!(
            set.evaluate(&req).decision,
            Decision::ImplicitDeny,
            "{kind:?}"
        );
        let s3 = allow("s3:Get*", "*");
        let set = PolicySet::identity(std::slice::from_ref(&id)).with(kind, "p", &s3);
        assert_eq!(set.evaluate(&req).decision, Decision::Allowed, "{kind:?}");
    }
}

#[test]
fn variables_in_resources_and_conditions() {
    let home = allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:username}/*");
    let set = PolicySet::identity(std::slice::from_ref(&home));
    let at = |who: &str, key: &str| {
        set.evaluate(&Request::new("s3:GetObject", format!("arn:aws:s3:::bucket/{key}")).by(who))
            .decision
    };
    assert_eq!(at(USER, "alice/notes"), Decision::Allowed);
    assert_eq!(at(USER, "bob/notes"), Decision::ImplicitDeny);
    // A role has no aws:username: the pattern matches nothing.
    assert_eq!(at(ROLE, "alice/notes"), Decision::ImplicitDeny);
    let team = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:ExistingObjectTag/team":"${aws:PrincipalTag/team}"}}}]}"#,
    );
    let set = PolicySet::identity(std::slice::from_ref(&team));
    let req = |tag: &str| {
        Request::new("s3:GetObject", OBJECT)
            .with("aws:PrincipalTag/team", "red")
            .with("s3:ExistingObjectTag/team", tag)
    };
    assert_eq!(set.evaluate(&req("red")).decision, Decision::Allowed);
    assert_eq!(set.evaluate(&req("blue")).decision, Decision::ImplicitDeny);
    let acct = allow("s3:GetObject", "arn:aws:s3:::b-${aws:PrincipalAccount}/*");
    let set = PolicySet::identity(std::slice::from_ref(&acct));
    let r = Request::new("s3:GetObject", "arn:aws:s3:::b-111111111111/k").by(USER);
    assert_eq!(set.evaluate(&r).decision, Decision::Allowed);
    // 2008-10-17 reads `${…}` literally.
    let old = doc(
        r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/${aws:username}/*"}]}"#,
    );
    let set = PolicySet::identity(std::slice::from_ref(&old));
    let r = Request::new("s3:GetObject", "arn:aws:s3:::bucket/alice/x").by(USER);
    assert_eq!(set.evaluate(&r).decision, Decision::ImplicitDeny);
}

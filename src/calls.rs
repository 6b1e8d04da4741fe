//! The call set: what `replay` evaluates. Where the usage set keeps one entry per
//! permission, the call set keeps one per distinct call: who made it, the permissions the
//! mapper derived from it, and the request context its record carries (source IP,
//! region, MFA, VPC endpoint, …), with the same evidence (count, first/last seen, sample
//! eventIDs). Memory grows with distinct calls (a call's context included), never with
//! records.
//!
//! Filling it allocates per record (owned keys), so it is a mode of its own
//! ([`crate::ingest::Config::calls`]); the default ingest does not touch it and keeps
//! its hot path allocation-free.
//!
//! The keys and where each comes from follow AWS's "AWS global condition context keys"
//! reference; a key the record does not tell is left out of the context, never guessed
//! (a condition on it then sees it missing, as IAM does for an absent key).

use std::collections::BTreeMap;

use hashbrown::HashMap;
use rustc_hash::FxBuildHasher;

use crate::catalog::ActionId;
use crate::decode::record::Json;
use crate::decode::{Record, format_time};
use crate::iam::permission::Permission;
use crate::map::NeedRef;
use crate::usage::Usage;

/// What the call set keeps of each record's context.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Keep `aws:CurrentTime` and `aws:EpochTime` (each record's eventTime): every second
    /// is then a call of its own, so only when some policy reads them.
    pub timed: bool,
}

/// Who made a call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Caller {
    /// The principal as `principals` and `--principal` name it (the role of an
    /// assumed-role session).
    pub id: String,
    /// `userIdentity.arn`: what a resource policy's `Principal` matches (the session ARN
    /// for a role session).
    pub arn: Option<String>,
    /// The caller's account (`userIdentity.accountId`).
    pub account: Option<String>,
}

/// One distinct call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallKey {
    /// Who.
    pub caller: Caller,
    /// `errorCode` when the call failed.
    pub error: Option<String>,
    /// Every permission the call needed (in the mapper's order).
    pub needs: Vec<Permission<ActionId>>,
    /// Condition keys the record tells → values, keys as AWS spells them.
    pub context: BTreeMap<&'static str, Vec<String>>,
}

/// Distinct calls with evidence.
#[derive(Debug, Clone, Default)]
pub struct CallSet {
    map: HashMap<CallKey, Usage, FxBuildHasher>,
}

impl CallSet {
    /// Records one mapped call (its caller told by `caller`, its needs by the mapper).
    pub fn add(
        &mut self,
        r: &Record<'_>,
        caller: String,
        needs: &[NeedRef<'_>],
        opts: CallOptions,
        time: Option<i64>,
    ) {
        let key = CallKey {
            caller: Caller {
                id: caller,
                arn: r.identity_str("arn").map(str::to_owned),
                account: r.identity_str("accountId").map(str::to_owned),
            },
            error: r.error_code().map(str::to_owned),
            needs: needs.iter().map(|n| n.permission.to_permission()).collect(),
            context: context_of(r, opts, time),
        };
        self.map
            .entry(key)
            .or_default()
            .note_call(time, r.event_id());
    }

    /// Folds another set in.
    pub fn merge(&mut self, other: CallSet) {
        for (k, v) in other.map {
            self.map.entry(k).or_default().merge(&v);
        }
    }

    /// Takes back the calls `other` counted (records counted twice, found after the
    /// pass): each call's count goes down by `other`'s, and a call left with none goes.
    pub fn take_back(&mut self, other: &CallSet) {
        crate::usage::take_back(&mut self.map, &other.map);
    }

    /// Calls in a stable order.
    pub fn sorted(&self) -> Vec<(&CallKey, &Usage)> {
        let mut v: Vec<_> = self.map.iter().collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }

    /// Number of distinct calls.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no call was kept.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

fn text(v: Json<'_>) -> Option<&str> {
    use simd_json::prelude::ValueIntoString as _;
    v.into_string()
}

/// `aws:PrincipalType` for a `userIdentity.type` ("AWS global condition context keys",
/// aws:PrincipalType: Account, User, FederatedUser, AssumedRole, Anonymous).
const PRINCIPAL_TYPES: &[(&str, &str)] = &[
    ("Root", "Account"),
    ("IAMUser", "User"),
    ("FederatedUser", "FederatedUser"),
    ("AssumedRole", "AssumedRole"),
    ("AWSAccount", "Account"),
];

/// The condition context a record carries. Each key from the record field AWS's
/// global-keys reference ties it to:
/// - `aws:SourceIp`: `sourceIPAddress` when it is an IP address (a service name there
///   means a service called on the principal's behalf), and not through a VPC endpoint
///   ("If the request comes from a host that uses an Amazon VPC endpoint, then the
///   aws:SourceIp key isn't present").
/// - `aws:SourceVpce`: `vpcEndpointId`.
/// - `aws:RequestedRegion`: `awsRegion`.
/// - `aws:PrincipalArn`: the user's ARN; for an assumed role the role's ARN, not the
///   session's ("For IAM roles, the request context returns the ARN of the role");
///   `arn:…:root` for the account.
/// - `aws:PrincipalAccount`: `userIdentity.accountId`. `aws:userid`: `principalId`.
/// - `aws:username`: `userName` of an IAM user only (the key is absent for roles).
/// - `aws:PrincipalType`: from `userIdentity.type`.
/// - `aws:MultiFactorAuthPresent`: `sessionContext.attributes.mfaAuthenticated`, when
///   the record has it (absent for long-term access keys, as in IAM).
/// - `aws:ViaAWSService`, `aws:CalledVia`, `aws:CalledViaFirst`, `aws:CalledViaLast`:
///   `userIdentity.invokedBy` when it names an AWS service (`*.amazonaws.com`).
/// - `aws:SecureTransport`: `true` when the record has `tlsDetails` (left out otherwise:
///   older records do not say).
/// - `aws:UserAgent`: `userAgent`.
/// - `aws:CurrentTime` / `aws:EpochTime`: `eventTime`, with [`CallOptions::timed`].
pub fn context_of(
    r: &Record<'_>,
    opts: CallOptions,
    time: Option<i64>,
) -> BTreeMap<&'static str, Vec<String>> {
    let mut c: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut put = |k: &'static str, v: &str| {
        c.entry(k).or_default().push(v.to_owned());
    };
    let top = |k: &str| r.json().and_then(|j| j.get(k)).and_then(text);
    let vpce = top("vpcEndpointId").filter(|s| !s.is_empty());
    if let Some(ip) = top("sourceIPAddress").filter(|s| s.parse::<std::net::IpAddr>().is_ok())
        && vpce.is_none()
    {
        put("aws:SourceIp", ip);
    }
    if let Some(v) = vpce {
        put("aws:SourceVpce", v);
    }
    if let Some(region) = r.region() {
        put("aws:RequestedRegion", region);
    }
    let ty = r.identity_str("type");
    let account = r.identity_str("accountId");
    if let Some(a) = account {
        put("aws:PrincipalAccount", a);
    }
    let principal_arn = match ty {
        Some("AssumedRole") => r.issuer_str("arn"),
        _ => r.identity_str("arn"),
    };
    if let Some(p) = principal_arn {
        put("aws:PrincipalArn", p);
    }
    if let Some(id) = r.identity_str("principalId") {
        put("aws:userid", id);
    }
    if ty == Some("IAMUser")
        && let Some(u) = r.identity_str("userName")
    {
        put("aws:username", u);
    }
    if let Some((_, t)) = PRINCIPAL_TYPES.iter().find(|(k, _)| Some(*k) == ty) {
        put("aws:PrincipalType", t);
    }
    let mfa = r
        .user_identity()
        .and_then(|u| u.get("sessionContext"))
        .and_then(|s| s.get("attributes"))
        .and_then(|a| a.get("mfaAuthenticated"))
        .and_then(text);
    if let Some(m) = mfa {
        put("aws:MultiFactorAuthPresent", &m.to_ascii_lowercase());
    }
    match r
        .identity_str("invokedBy")
        .filter(|s| s.ends_with(".amazonaws.com"))
    {
        Some(service) => {
            put("aws:ViaAWSService", "true");
            put("aws:CalledVia", service);
            put("aws:CalledViaFirst", service);
            put("aws:CalledViaLast", service);
        }
        None => put("aws:ViaAWSService", "false"),
    }
    if r.json().and_then(|j| j.get("tlsDetails")).is_some() {
        put("aws:SecureTransport", "true");
    }
    if let Some(ua) = top("userAgent") {
        put("aws:UserAgent", ua);
    }
    if opts.timed
        && let Some(t) = time
    {
        put("aws:CurrentTime", &format_time(t));
        put("aws:EpochTime", &t.to_string());
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_context(json: &str, timed: bool) -> BTreeMap<&'static str, Vec<String>> {
        let mut bytes = json.as_bytes().to_vec();
        let tape = simd_json::to_tape(&mut bytes).unwrap();
        let r = Record::new(tape.as_value()).unwrap();
        let time = r.event_time().and_then(crate::decode::parse_time);
        context_of(&r, CallOptions { timed }, time)
    }

    fn get<'a>(c: &'a BTreeMap<&'static str, Vec<String>>, k: &str) -> Option<&'a str> {
        c.get(k).and_then(|v| v.first()).map(String::as_str)
    }

    /// An assumed-role session with MFA, through a service: each key from its field.
    #[test]
    fn keys_from_a_role_session() {
        let c = record_context(
            r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1",
            "eventTime":"2026-11-20T09:00:00Z","sourceIPAddress":"203.0.113.9","userAgent":"aws-cli/2",
            "tlsDetails":{"tlsVersion":"TLSv1.3"},
            "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/ci/s","accountId":"1",
            "principalId":"AROAX:s","invokedBy":"cloudformation.amazonaws.com",
            "sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/ci"},"attributes":{"mfaAuthenticated":"true"}}}}"#,
            true,
        );
        assert_eq!(get(&c, "aws:SourceIp"), Some("203.0.113.9"));
        assert_eq!(get(&c, "aws:RequestedRegion"), Some("eu-west-1"));
        assert_eq!(get(&c, "aws:PrincipalArn"), Some("arn:aws:iam::1:role/ci"));
        assert_eq!(get(&c, "aws:PrincipalType"), Some("AssumedRole"));
        assert_eq!(get(&c, "aws:userid"), Some("AROAX:s"));
        assert_eq!(get(&c, "aws:username"), None);
        assert_eq!(get(&c, "aws:MultiFactorAuthPresent"), Some("true"));
        assert_eq!(get(&c, "aws:ViaAWSService"), Some("true"));
        assert_eq!(
            get(&c, "aws:CalledVia"),
            Some("cloudformation.amazonaws.com")
        );
        assert_eq!(get(&c, "aws:SecureTransport"), Some("true"));
        assert_eq!(get(&c, "aws:CurrentTime"), Some("2026-11-20T09:00:00Z"));
        assert_eq!(get(&c, "aws:EpochTime"), Some("1795165200"));
    }

    /// A user's call through a VPC endpoint, with a service name as source: no
    /// aws:SourceIp, the endpoint instead; no MFA key when the record does not say; no
    /// time unless asked.
    #[test]
    fn keys_from_a_user_through_an_endpoint() {
        let c = record_context(
            r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1",
            "eventTime":"2026-11-20T09:00:00Z","sourceIPAddress":"10.0.0.5","vpcEndpointId":"vpce-1a2b",
            "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/alice","accountId":"1","userName":"alice","principalId":"AIDAX"}}"#,
            false,
        );
        assert_eq!(get(&c, "aws:SourceIp"), None);
        assert_eq!(get(&c, "aws:SourceVpce"), Some("vpce-1a2b"));
        assert_eq!(get(&c, "aws:username"), Some("alice"));
        assert_eq!(get(&c, "aws:PrincipalType"), Some("User"));
        assert_eq!(get(&c, "aws:MultiFactorAuthPresent"), None);
        assert_eq!(get(&c, "aws:ViaAWSService"), Some("false"));
        assert_eq!(get(&c, "aws:SecureTransport"), None);
        assert_eq!(get(&c, "aws:CurrentTime"), None);
        let c = record_context(
            r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","sourceIPAddress":"ec2.amazonaws.com",
            "userIdentity":{"type":"Root","arn":"arn:aws:iam::1:root","accountId":"1"}}"#,
            false,
        );
        assert_eq!(get(&c, "aws:SourceIp"), None);
        assert_eq!(get(&c, "aws:PrincipalType"), Some("Account"));
        assert_eq!(get(&c, "aws:PrincipalArn"), Some("arn:aws:iam::1:root"));
    }
}

//! The verdict on one resource policy, decided by the evaluator (`iam::eval`): for each
//! outsider the policy could let in, requests are synthesized in which every bounding
//! key has the value AWS would give it for that outsider ([`crate::iam::bounds`]) and every
//! other key takes each value the outsider could choose (absent, a fresh value, each
//! value the policy names); an action is open to the outsider when some such request is
//! `Allowed`. So `…IfExists`, negated operators, `Deny` statements (whole or partial),
//! `NotPrincipal` and `NotAction` mean exactly what the evaluator makes of them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalog;
use crate::iam::eval::{Decision, PolicyKind, PolicySet, Request};
use crate::iam::pattern::wildcard_match;
use crate::iam::policy::{Document, Effect, Family, Operator, values};

use super::principals::{self, Who, Zone};
use super::types::ResourceType;
use crate::iam::bounds::{self, Fact};

/// S3 Block Public Access settings of the bucket (or its account; the most restrictive
/// of the two applies).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct BlockPublicAccess {
    /// Reject ACLs that grant public access.
    pub block_public_acls: bool,
    /// Ignore public ACLs.
    pub ignore_public_acls: bool,
    /// Reject putting a public bucket policy.
    pub block_public_policy: bool,
    /// Restrict a public bucket to service principals and the owner's account.
    pub restrict_public_buckets: bool,
}

/// What is judged.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    /// The resource's policy (a trust policy for a role).
    pub document: &'a Document,
    /// Its resource type.
    pub rtype: &'static ResourceType,
    /// The resource's ARN.
    pub resource: String,
    /// The account that owns it.
    pub owner: String,
    /// Who is trusted.
    pub zone: &'a Zone,
    /// Block Public Access (S3 buckets only).
    pub block_public_access: BlockPublicAccess,
    /// Condition keys AWS sets from the resource's configuration (read live or given),
    /// which the outsider therefore cannot choose.
    pub known: Vec<KnownKey>,
}

/// A condition key whose value in requests for some actions comes from the target's
/// configuration, not from the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownKey {
    /// The key (as the condition key reference spells it).
    pub key: &'static str,
    /// The actions whose requests carry it.
    pub actions: &'static [&'static str],
    /// Its value (`None`: the requests do not carry it).
    pub value: Option<String>,
}

impl KnownKey {
    /// The function URL's auth type (`None`: the function has no URL). "Control access
    /// to Lambda function URLs": a lambda:InvokeFunctionUrl request reaches the function
    /// through its URL, and the policy examples for AuthType NONE grant it under
    /// `"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}`, the URL's own auth type;
    /// the caller cannot change it. Without a URL there is no such request; the key is
    /// treated as absent, so no condition on its value holds.
    pub fn function_url_auth_type(auth: Option<&str>) -> KnownKey {
        KnownKey {
            key: "lambda:FunctionUrlAuthType",
            actions: &["lambda:InvokeFunctionUrl"],
            value: auth.map(str::to_string),
        }
    }

    fn applies(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a.eq_ignore_ascii_case(action))
    }
}

/// The verdict on a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No principal outside the zone of trust gets in.
    Internal,
    /// Named principals outside the zone get in.
    External,
    /// Anyone gets in (or anyone of an identity provider).
    Public,
}

impl Verdict {
    /// `public`, `external` or `internal`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Internal => "internal",
            Verdict::External => "external",
            Verdict::Public => "public",
        }
    }
}

/// Whether a finding counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// New: counts toward the exit code.
    Active,
    /// Matched by an archive rule (`--ignore`).
    Archived,
    /// S3 RestrictPublicBuckets stops the access the policy grants.
    Blocked,
}

/// A statement that grants a finding's access.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct StatementRef {
    /// Its index in the document.
    pub index: usize,
    /// Its `Sid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// One outsider that gets in.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The principal: `*`, an account id or ARN, an organization id, a provider.
    pub principal: String,
    /// `AWS`, `Organization`, `Federated`, `Service`, `CanonicalUser`.
    pub kind: &'static str,
    /// For a service principal: the service acting for the account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_service: Option<String>,
    /// Whether anyone gets in this way.
    pub public: bool,
    /// The actions open to it (a policy's pattern when all its actions are).
    pub actions: Vec<String>,
    /// The statements that allow it.
    pub statements: Vec<StatementRef>,
    /// Their conditions (`StringEquals aws:SourceVpce = vpce-1`).
    pub conditions: Vec<String>,
    /// Active, archived or blocked.
    pub status: Status,
}

/// The verdict on one policy, with the findings behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// The resource's ARN.
    pub resource: String,
    /// Its Access Analyzer type.
    pub resource_type: &'static str,
    /// The owner account.
    pub owner: String,
    /// The verdict (blocked findings do not count; archived ones do).
    pub verdict: Verdict,
    /// Account ids, organization ids, provider ARNs and `*` that get in.
    pub external_principals: Vec<String>,
    /// The findings.
    pub findings: Vec<Finding>,
    /// What the reader should know (Block Public Access, combinations not tried).
    pub notes: Vec<String>,
}

/// Caps the requests tried per outsider, action and resource; past it the outsider's
/// own keys are narrowed to fewer values (and a note says so).
const MAX_COMBINATIONS: usize = 4096;

/// Addresses an outsider may call from; those inside a range the policy names (other
/// than `/0`, which is every address) are taken as the owner's networks.
const OUTSIDER_IPS: &[&str] = &["198.51.100.7", "8.8.8.8", "2001:db8::7", "2600:1f18::7"];

/// A value the outsider chooses that no policy names.
const FRESH: &str = "iamtrail-outsider-value";

/// Judges `t`.
pub fn analyze(t: &Target<'_>) -> Analysis {
    let identity = Document::from_text(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )
    .expect("a valid policy");
    let alone = PolicySet::new().with(PolicyKind::Resource, "policy", t.document);
    // Across accounts the outsider's own identity policy must allow too: it is theirs,
    // so it allows everything.
    let with_identity = alone
        .clone()
        .with_identity("outsider identity policy", &identity);
    let ctx = Ctx {
        t,
        alone,
        with_identity,
        actions: actions(t),
        resources: resources(t),
        keys: keys(t.document),
    };
    let mut notes = BTreeSet::new();
    let mut findings = Vec::new();
    for who in principals::candidates(t.document, t.rtype.name, t.zone) {
        if let Some(f) = ctx.judge(&who, &mut notes) {
            findings.push(f);
        }
    }
    let public = findings.iter().any(|f| f.public);
    if t.rtype.name == "AWS::S3::Bucket" && public {
        let b = t.block_public_access;
        if b.restrict_public_buckets {
            // "Blocking public access to your Amazon S3 storage", RestrictPublicBuckets:
            // only service principals and authorized users within the bucket owner's
            // account keep access; "public and cross-account access derived from any
            // public bucket policy, including non-public delegation to specific
            // accounts" is blocked.
            for f in &mut findings {
                f.status = Status::Blocked;
            }
            notes.insert("RestrictPublicBuckets is on: the policy is public, but S3 limits the bucket to service principals and the owner's account".to_string());
        } else if b.block_public_policy {
            notes.insert("BlockPublicPolicy is on: S3 would refuse to put this policy now, but it does not change one already in place (PublicAccessBlockConfiguration: \"Enabling this setting doesn't affect existing bucket policies\"); turn on RestrictPublicBuckets to stop the access".to_string());
        }
    }
    let counted: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.status != Status::Blocked)
        .collect();
    let verdict = if counted.iter().any(|f| f.public) {
        Verdict::Public
    } else if counted.is_empty() {
        Verdict::Internal
    } else {
        Verdict::External
    };
    let external_principals: BTreeSet<String> = findings
        .iter()
        .filter(|f| f.status != Status::Blocked)
        .map(|f| match f.kind {
            "AWS" if f.principal != "*" => principals::arn_account(&f.principal)
                .unwrap_or(&f.principal)
                .to_string(),
            _ => f.principal.clone(),
        })
        .collect();
    Analysis {
        resource: t.resource.clone(),
        resource_type: t.rtype.name,
        owner: t.owner.clone(),
        verdict,
        external_principals: external_principals.into_iter().collect(),
        findings,
        notes: notes.into_iter().collect(),
    }
}

struct Ctx<'a, 't> {
    t: &'a Target<'t>,
    alone: PolicySet<'a>,
    with_identity: PolicySet<'a>,
    actions: Vec<(String, Vec<String>)>,
    resources: Vec<String>,
    keys: Vec<(String, KeyInfo)>,
}

/// What the policy says about one condition key: its values and operator families.
#[derive(Debug, Default, Clone)]
struct KeyInfo {
    values: BTreeSet<String>,
    families: BTreeSet<FamilyName>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum FamilyName {
    Numeric,
    Date,
    Bool,
    Other,
}

/// An outsider's facts: who calls, from which account and organization, for which
/// source.
struct Outsider {
    /// The ARNs (or names) it may call as: an outsider names its own roles and users
    /// as it likes, so every ARN the policy names, moved into its account, is one.
    callers: Vec<String>,
    account: Option<String>,
    aws: bool,
    orgs: Vec<Option<String>>,
    org_paths: Vec<Option<String>>,
    source_account: Option<String>,
    source_arns: Vec<String>,
    provider: Option<String>,
}

impl Ctx<'_, '_> {
    fn outsider(&self, who: &Who) -> Outsider {
        let z = self.t.zone;
        let no_org = || {
            (
                vec![None, Some("o-iamtrailoutsider".to_string())],
                vec![
                    None,
                    Some("o-iamtrailoutsider/r-iamt/ou-iamt-outsider/".to_string()),
                ],
            )
        };
        let role_in = |a: &str| format!("arn:aws:iam::{a}:role/iamtrail-outsider");
        match who {
            Who::Anyone | Who::Account { .. } => {
                let (account, caller) = match who {
                    Who::Account { account, arn } => (
                        account.clone(),
                        arn.clone().unwrap_or_else(|| role_in(account)),
                    ),
                    _ => {
                        let a = z.outsider_account();
                        let c = role_in(&a);
                        (a, c)
                    }
                };
                let (orgs, org_paths) = no_org();
                let mut callers = vec![caller];
                if !matches!(who, Who::Account { arn: Some(_), .. }) {
                    callers.extend(self.named_arns().iter().map(|arn| {
                        let mut f: Vec<&str> = arn.splitn(6, ':').collect();
                        f[4] = &account;
                        principals::instance(&f.join(":"))
                    }));
                }
                callers.dedup();
                Outsider {
                    callers,
                    account: Some(account),
                    aws: true,
                    orgs,
                    org_paths,
                    source_account: None,
                    source_arns: Vec::new(),
                    provider: None,
                }
            }
            Who::Org(o) => {
                let a = z.outsider_account();
                let mut paths: Vec<Option<String>> = self
                    .written(Fact::PrincipalOrgPaths)
                    .into_iter()
                    .filter(|p| p.starts_with(&format!("{o}/")))
                    .map(|p| Some(principals::instance(&p)))
                    .collect();
                paths.push(Some(format!("{o}/r-iamt/ou-iamt-outsider/")));
                Outsider {
                    callers: vec![role_in(&a)],
                    account: Some(a),
                    aws: true,
                    orgs: vec![Some(o.clone())],
                    org_paths: paths,
                    source_account: None,
                    source_arns: Vec::new(),
                    provider: None,
                }
            }
            Who::Federated(p) | Who::Canonical(p) => Outsider {
                callers: vec![p.clone()],
                account: None,
                aws: false,
                orgs: vec![None],
                org_paths: vec![None],
                source_account: None,
                source_arns: Vec::new(),
                provider: matches!(who, Who::Federated(_))
                    .then(|| principals::provider_host(p).to_string()),
            },
            Who::Service { service, account } => {
                let mut arns: Vec<String> = self
                    .written(Fact::SourceArn)
                    .into_iter()
                    .filter(|a| principals::arn_account(a) == Some(account))
                    .map(|a| principals::instance(&a))
                    .collect();
                let svc = service.split('.').next().unwrap_or("service");
                arns.push(format!(
                    "arn:aws:{svc}:us-east-1:{account}:iamtrail-outsider"
                ));
                // `*`: a statement naming everyone names every service too.
                let caller = if service == "*" {
                    "iamtrail-any-service.amazonaws.com".to_string()
                } else {
                    service.clone()
                };
                Outsider {
                    callers: vec![caller],
                    account: None,
                    aws: false,
                    orgs: vec![None],
                    org_paths: vec![None],
                    source_account: Some(account.clone()),
                    source_arns: arns,
                    provider: None,
                }
            }
        }
    }

    /// Which statements of the policy match `action` (by `Action` or `NotAction`).
    fn signature(&self, action: &str) -> Vec<bool> {
        let any = |l: &[String]| l.iter().any(|p| wildcard_match(p, action, true));
        self.t
            .document
            .statements
            .iter()
            .map(|st| match (&st.action, &st.not_action) {
                (Some(a), _) => any(&a.0),
                (None, Some(na)) => !any(&na.0),
                (None, None) => false,
            })
            .collect()
    }

    /// The IAM and STS principal ARNs the policy names (in `Principal` and in
    /// `aws:PrincipalArn` conditions).
    fn named_arns(&self) -> Vec<String> {
        let mut out = self.written(Fact::PrincipalArn);
        for st in &self.t.document.statements {
            if let Some(crate::iam::policy::Principal::Named(m)) = &st.principal {
                out.extend(m.values().flat_map(|v| v.0.iter().cloned()));
            }
        }
        out.retain(|a| {
            let f: Vec<&str> = a.splitn(6, ':').collect();
            f.len() == 6
                && f[0] == "arn"
                && matches!(f[2], "iam" | "sts")
                && !f[5].ends_with("root")
        });
        out.sort();
        out.dedup();
        out
    }

    /// The values the policy gives to keys of `fact`.
    fn written(&self, fact: Fact) -> Vec<String> {
        self.keys
            .iter()
            .filter(|(k, _)| bounds::bound(k, self.t.rtype.name).is_some_and(|b| b.fact == fact))
            .flat_map(|(_, i)| i.values.iter().cloned())
            .collect()
    }

    /// The values one key takes in the outsider's requests (`None`: absent).
    fn values_of(
        &self,
        key: &str,
        info: &KeyInfo,
        o: &Outsider,
        claims_bound: bool,
    ) -> Vec<Option<String>> {
        if let Some(p) = &o.provider
            && let Some(c) = bounds::claim(p, key).filter(|_| claims_bound)
        {
            return vec![Some(bounds::outsider_claim(p, c).to_string())];
        }
        let Some(b) = bounds::bound(key, self.t.rtype.name) else {
            return free_values(info);
        };
        let z = self.t.zone;
        match b.fact {
            Fact::PrincipalAccount => vec![o.account.clone()],
            // The evaluator takes it from the caller's ARN.
            Fact::PrincipalArn => vec![None],
            Fact::PrincipalOrgId => o.orgs.clone(),
            Fact::PrincipalOrgPaths => o.org_paths.clone(),
            Fact::UserId => vec![o.aws.then(|| "AROAIAMTRAILOUTSIDER:iamtrail".to_string())],
            Fact::SourceAccount => vec![o.source_account.clone()],
            Fact::SourceArn if o.source_account.is_some() => {
                o.source_arns.iter().cloned().map(Some).collect()
            }
            Fact::SourceArn => vec![None],
            Fact::SourceVpc => vec![None, Some("vpc-iamtrailoutsider".into())],
            Fact::SourceVpce => vec![None, Some("vpce-iamtrailoutsider".into())],
            Fact::SourceIp => {
                let ranges: Vec<values::Cidr> = info
                    .values
                    .iter()
                    .filter_map(|v| values::Cidr::parse(v))
                    .filter(|c| !c.contains_everything())
                    .collect();
                let outside: Vec<Option<String>> = OUTSIDER_IPS
                    .iter()
                    .filter(|ip| {
                        let ip: std::net::IpAddr = ip.parse().expect("a valid address");
                        !ranges.iter().any(|r| r.contains(ip))
                    })
                    .map(|ip| Some(ip.to_string()))
                    .collect();
                if outside.is_empty() {
                    OUTSIDER_IPS.iter().map(|ip| Some(ip.to_string())).collect()
                } else {
                    outside
                }
            }
            // A service acting for an outsider's resource: in no organization, or the
            // outsider's.
            Fact::SourceOrgId if o.source_account.is_some() => {
                vec![None, Some("o-iamtrailoutsider".into())]
            }
            Fact::SourceOrgPaths if o.source_account.is_some() => vec![
                None,
                Some("o-iamtrailoutsider/r-iamt/ou-iamt-outsider/".into()),
            ],
            Fact::SourceOrgId | Fact::SourceOrgPaths => vec![None],
            Fact::ResourceAccount => vec![Some(self.t.owner.clone())],
            Fact::ResourceOrgId => vec![
                z.org_of(&self.t.owner)
                    .or_else(|| {
                        z.accounts
                            .contains(&self.t.owner)
                            .then(|| z.orgs.iter().next().map(String::as_str))
                            .flatten()
                    })
                    .map(str::to_string),
            ],
        }
    }

    /// The finding for `who`, if it gets in.
    fn judge(&self, who: &Who, notes: &mut BTreeSet<String>) -> Option<Finding> {
        let o = self.outsider(who);
        let (public, hit) = match who {
            Who::Anyone => (true, self.open(&o, false, notes)?),
            Who::Federated(p) => {
                // OIDC: anyone the provider issues tokens to gets in unless a claim the
                // provider sets (the subject) is bounded. A SAML provider is the owner's
                // own identity provider: external, never public.
                let public = (!principals::is_saml(p))
                    .then(|| self.open(&o, true, notes))
                    .flatten();
                match public {
                    Some(hit) => (true, hit),
                    None => (false, self.open(&o, false, notes)?),
                }
            }
            _ => (false, self.open(&o, false, notes)?),
        };
        let (open, statements) = hit;
        let doc = self.t.document;
        let conditions = statements
            .iter()
            .flat_map(|&i| doc.statements[i].condition.iter().flat_map(render))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        Some(Finding {
            principal: who.principal(),
            kind: who.kind(),
            via_service: match who {
                Who::Service { service, .. } if service == "*" => Some("any service".into()),
                Who::Service { service, .. } => Some(service.clone()),
                _ => None,
            },
            public,
            actions: summarize(&self.actions, &open),
            statements: statements
                .into_iter()
                .map(|index| StatementRef {
                    index,
                    sid: doc.statements[index].sid.clone(),
                })
                .collect(),
            conditions,
            status: Status::Active,
        })
    }

    /// The actions open to the outsider and the resource-policy statements that open
    /// them; `None` when none is.
    fn open(
        &self,
        o: &Outsider,
        claims_bound: bool,
        notes: &mut BTreeSet<String>,
    ) -> Option<(BTreeSet<String>, BTreeSet<usize>)> {
        let mut lists: Vec<(&str, Vec<Option<String>>)> = self
            .keys
            .iter()
            .map(|(k, info)| (k.as_str(), self.values_of(k, info, o, claims_bound)))
            .collect();
        if combinations(&lists) > MAX_COMBINATIONS {
            for (k, vals) in &mut lists {
                if bounds::bound(k, self.t.rtype.name).is_none() && vals.len() > 3 {
                    vals.truncate(3);
                }
            }
            notes.insert(format!(
                "more than {MAX_COMBINATIONS} combinations of condition values: the outsider's own keys were tried with at most 3 values each"
            ));
        }
        let mut open = BTreeSet::new();
        let mut statements = BTreeSet::new();
        // The evaluator's decision depends on the action only through which statements'
        // Action / NotAction match it: one request per class of actions that match the
        // same statements decides for the whole class.
        let mut classes: BTreeMap<Vec<bool>, Vec<&String>> = BTreeMap::new();
        for action in self
            .actions
            .iter()
            .flat_map(|(_, exp)| exp)
            .collect::<BTreeSet<_>>()
        {
            // A known key splits a class: its actions' requests differ from the rest's.
            let mut sig = self.signature(action);
            sig.extend(self.t.known.iter().map(|k| k.applies(action)));
            classes.entry(sig).or_default().push(action);
        }
        for class in classes.values() {
            let action = class[0];
            let known: Vec<&KnownKey> = self.t.known.iter().filter(|k| k.applies(action)).collect();
            'found: for (caller, resource) in o
                .callers
                .iter()
                .flat_map(|c| self.resources.iter().map(move |r| (c, r)))
            {
                let mut idx = vec![0usize; lists.len()];
                let mut tried = 0;
                loop {
                    let mut req = Request::new(action.clone(), resource.clone())
                        .owned_by(self.t.owner.clone())
                        .by(caller.clone());
                    for ((k, vals), &i) in lists.iter().zip(&idx) {
                        if known.iter().any(|n| n.key.eq_ignore_ascii_case(k)) {
                            continue;
                        }
                        if let Some(v) = &vals[i] {
                            req = req.with(*k, v.clone());
                        }
                    }
                    for n in &known {
                        if let Some(v) = &n.value {
                            req = req.with(n.key, v.clone());
                        }
                    }
                    let set = if req.is_cross_account() {
                        &self.with_identity
                    } else {
                        &self.alone
                    };
                    let e = set.evaluate(&req);
                    if e.decision == Decision::Allowed {
                        open.extend(class.iter().map(|a| (*a).clone()));
                        statements.extend(
                            e.deciding
                                .iter()
                                .filter(|d| d.kind == PolicyKind::Resource)
                                .map(|d| d.statement),
                        );
                        break 'found;
                    }
                    tried += 1;
                    if tried >= MAX_COMBINATIONS || !advance(&mut idx, &lists) {
                        break;
                    }
                }
            }
        }
        (!open.is_empty()).then_some((open, statements))
    }
}

/// The number of requests a product of value lists makes.
fn combinations(lists: &[(&str, Vec<Option<String>>)]) -> usize {
    lists
        .iter()
        .map(|(_, v)| v.len().max(1))
        .try_fold(1usize, |a, n| a.checked_mul(n))
        .unwrap_or(usize::MAX)
}

/// The next combination (odometer order); `false` after the last.
fn advance(idx: &mut [usize], lists: &[(&str, Vec<Option<String>>)]) -> bool {
    for (i, (_, vals)) in idx.iter_mut().zip(lists) {
        *i += 1;
        if *i < vals.len() {
            return true;
        }
        *i = 0;
    }
    false
}

/// The values a key the outsider controls can take: absent, a fresh value, every value
/// the policy names (a pattern's instance), and for numbers and dates the neighbours of
/// each, so that every comparison can go either way.
fn free_values(info: &KeyInfo) -> Vec<Option<String>> {
    let mut out: BTreeSet<Option<String>> = BTreeSet::from([None, Some(FRESH.to_string())]);
    for v in &info.values {
        out.insert(Some(principals::instance(v)));
        if info.families.contains(&FamilyName::Numeric)
            && let Some(n) = values::number(v)
        {
            out.insert(Some(format!("{}", n - 1.0)));
            out.insert(Some(format!("{}", n + 1.0)));
        }
        if info.families.contains(&FamilyName::Date)
            && let Some(ms) = values::date(v)
        {
            out.insert(Some(format!("{}", ms / 1000 - 1)));
            out.insert(Some(format!("{}", ms / 1000 + 1)));
        }
    }
    if info.families.contains(&FamilyName::Bool) {
        out.insert(Some("true".into()));
        out.insert(Some("false".into()));
    }
    out.into_iter().collect()
}

/// Every condition key of the document (first spelling), with its values and families.
fn keys(doc: &Document) -> Vec<(String, KeyInfo)> {
    let mut out: Vec<(String, KeyInfo)> = Vec::new();
    for st in &doc.statements {
        for (op, keys) in st.condition.iter().flatten() {
            let family = match op.base.family() {
                Family::Numeric => FamilyName::Numeric,
                Family::Date => FamilyName::Date,
                Family::Bool | Family::Null => FamilyName::Bool,
                _ => FamilyName::Other,
            };
            for (k, v) in keys {
                let at = match out.iter().position(|(x, _)| x.eq_ignore_ascii_case(k)) {
                    Some(i) => i,
                    None => {
                        out.push((k.clone(), KeyInfo::default()));
                        out.len() - 1
                    }
                };
                let info = &mut out[at].1;
                info.families.insert(family);
                if op.base.family() != Family::Null {
                    info.values.extend(v.0.iter().cloned());
                }
            }
        }
    }
    out
}

/// The actions to try: each pattern of the allowing statements with the concrete
/// actions of the resource type's services it covers (itself when it names none the
/// catalog knows); for `NotAction`, every action of those services.
fn actions(t: &Target<'_>) -> Vec<(String, Vec<String>)> {
    let all = |pattern: &str| -> Vec<String> {
        t.rtype
            .action_prefixes
            .iter()
            .filter_map(|p| catalog::service(p))
            .flat_map(|s| {
                s.actions
                    .iter()
                    .map(move |a| format!("{}:{}", s.prefix, a.name))
            })
            .filter(|a| wildcard_match(pattern, a, true))
            .collect()
    };
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for st in t
        .document
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        if let Some(a) = &st.action {
            for p in &a.0 {
                let exp = all(p);
                let exp = if exp.is_empty() { vec![p.clone()] } else { exp };
                out.insert(p.clone(), exp);
            }
        } else if st.not_action.is_some() {
            out.insert("NotAction".into(), all("*"));
        }
    }
    out.into_iter().collect()
}

/// The resources to try: the resource, and what the policy's own `Resource` patterns
/// name under it (objects of a bucket, …).
fn resources(t: &Target<'_>) -> Vec<String> {
    let mut out = BTreeSet::from([t.resource.clone()]);
    if t.rtype.name == "AWS::S3::Bucket" {
        out.insert(format!("{}/x", t.resource));
    }
    for st in &t.document.statements {
        for r in st.resource.iter().flat_map(|r| &r.0) {
            if r != "*" && t.rtype.matches_arn(r) {
                out.insert(principals::instance(r));
            }
        }
    }
    out.into_iter().collect()
}

/// The open actions, as the policy's patterns where every action of one is open.
fn summarize(patterns: &[(String, Vec<String>)], open: &BTreeSet<String>) -> Vec<String> {
    let mut covered = BTreeSet::new();
    let mut out = BTreeSet::new();
    for (p, exp) in patterns {
        if p != "NotAction" && !exp.is_empty() && exp.iter().all(|a| open.contains(a)) {
            out.insert(p.clone());
            covered.extend(exp.iter().cloned());
        }
    }
    out.extend(open.iter().filter(|a| !covered.contains(*a)).cloned());
    out.into_iter().collect()
}

/// A condition block as lines: `StringEquals aws:SourceVpce = vpce-1, vpce-2`.
fn render(c: &BTreeMap<Operator, crate::iam::policy::ConditionKeys>) -> Vec<String> {
    c.iter()
        .flat_map(|(op, keys)| {
            keys.iter()
                .map(move |(k, v)| format!("{op} {k} = {}", v.0.join(", ")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::external::types;
    use crate::iam::policy::DocumentKind;

    fn judge(policy: &str) -> Analysis {
        let doc = Document::from_text_as(policy, DocumentKind::Resource).unwrap();
        let zone = Zone::new(["111122223333"], []).unwrap();
        analyze(&Target {
            document: &doc,
            rtype: types::by_name("s3").unwrap(),
            resource: "arn:aws:s3:::b".into(),
            owner: "111122223333".into(),
            zone: &zone,
            block_public_access: BlockPublicAccess::default(),
            known: Vec::new(),
        })
    }

    #[test]
    fn a_wildcard_deny_leaves_the_rest_of_a_wildcard_allow_open() {
        let a = judge(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"},{"Effect":"Deny","Principal":"*","Action":["s3:Delete*","s3:Put*"],"Resource":"arn:aws:s3:::b/*"}]}"#,
        );
        let acts = &a.findings[0].actions;
        assert!(acts.contains(&"s3:GetObject".to_string()), "{acts:?}");
        assert!(
            !acts
                .iter()
                .any(|x| x.starts_with("s3:Delete") || x.starts_with("s3:Put") || x == "s3:*"),
            "{acts:?}"
        );
        assert_eq!(a.verdict, Verdict::Public);
    }

    #[test]
    fn too_many_combinations_narrow_the_outsiders_keys_and_say_so() {
        // Seven keys the caller sets, four values each: 16,384 combinations.
        let keys: Vec<String> = (0..7)
            .map(|i| format!(r#""s3:k{i}":["a{i}","b{i}"]"#))
            .collect();
        let a = judge(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{{"StringEquals":{{{}}}}}}}]}}"#,
            keys.join(",")
        ));
        assert_eq!(a.verdict, Verdict::Public);
        assert!(
            a.notes.iter().any(|n| n.contains("combinations")),
            "{:?}",
            a.notes
        );
    }

    fn judge_function(policy: &str, known: Vec<KnownKey>) -> Analysis {
        let doc = Document::from_text_as(policy, DocumentKind::Resource).unwrap();
        let zone = Zone::new(["111122223333"], []).unwrap();
        analyze(&Target {
            document: &doc,
            rtype: types::by_name("lambda").unwrap(),
            resource: "arn:aws:lambda:us-east-1:111122223333:function:f".into(),
            owner: "111122223333".into(),
            zone: &zone,
            block_public_access: BlockPublicAccess::default(),
            known,
        })
    }

    #[test]
    fn a_known_function_url_auth_type_is_not_the_outsiders_to_choose() {
        // lambda:Invoke* under FunctionUrlAuthType = NONE: the URL's auth type is fixed
        // for lambda:InvokeFunctionUrl only; other actions keep the outsider's choice.
        let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"lambda:Invoke*","Resource":"*","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}}]}"#;
        let acts = |a: &Analysis| {
            a.findings
                .iter()
                .flat_map(|f| f.actions.clone())
                .collect::<Vec<_>>()
        };
        let unknown = judge_function(p, Vec::new());
        // Every action it names is open: reported as written.
        assert_eq!(acts(&unknown), ["lambda:Invoke*"]);
        for auth in [Some("AWS_IAM"), None] {
            let a = judge_function(p, vec![KnownKey::function_url_auth_type(auth)]);
            assert_eq!(a.verdict, Verdict::Public, "{auth:?}");
            let open = acts(&a);
            assert!(
                !open.contains(&"lambda:InvokeFunctionUrl".to_string()),
                "{auth:?}: {open:?}"
            );
            assert!(
                open.contains(&"lambda:InvokeFunction".to_string()),
                "{open:?}"
            );
            assert!(!open.contains(&"lambda:Invoke*".to_string()), "{open:?}");
        }
        let none = judge_function(p, vec![KnownKey::function_url_auth_type(Some("NONE"))]);
        assert_eq!(acts(&none), ["lambda:Invoke*"]);
    }

    #[test]
    fn free_values_cover_both_sides_of_every_comparison() {
        let mut info = KeyInfo::default();
        info.values.insert("100".into());
        info.families.insert(FamilyName::Numeric);
        let v = free_values(&info);
        for want in [None, Some("99"), Some("100"), Some("101")] {
            assert!(v.contains(&want.map(str::to_string)), "{want:?} in {v:?}");
        }
    }
}

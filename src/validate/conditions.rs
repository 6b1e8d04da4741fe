//! Conditions: operators, keys (global and service, with their types from "AWS global
//! condition context keys" and the catalog), values by operator type, qualifiers,
//! wildcards without Like, IP ranges, Regions, VPC ids, and policy variable syntax.

use std::collections::HashMap;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::LazyLock;

use super::{Ctx, Item, PolicyType, is_empty_array, join, members, strings};
use crate::catalog;
use crate::iam::pattern::wildcard_match;
use crate::iam::policy::json::{Json, Spanned};
use crate::iam::policy::operator::did_you_mean;
use crate::iam::policy::{Family, Operator, OperatorBase, SetQualifier, values};

/// The global condition keys and their types ("AWS global condition context keys", IAM
/// User Guide). Keys ending in `/` take a tag key after it.
const GLOBAL_KEYS: &[(&str, &str)] = &[
    ("aws:CalledVia", "ArrayOfString"),
    ("aws:CalledViaFirst", "String"),
    ("aws:CalledViaLast", "String"),
    ("aws:CurrentTime", "Date"),
    ("aws:Ec2InstanceSourcePrivateIPv4", "IPAddress"),
    ("aws:Ec2InstanceSourceVpc", "String"),
    ("aws:EpochTime", "Date"),
    ("aws:FederatedProvider", "String"),
    ("aws:IsMcpServiceAction", "Bool"),
    ("aws:MultiFactorAuthAge", "Numeric"),
    ("aws:MultiFactorAuthPresent", "Bool"),
    ("aws:PrincipalAccount", "String"),
    ("aws:PrincipalArn", "ARN"),
    ("aws:PrincipalIsAWSService", "Bool"),
    ("aws:PrincipalOrgID", "String"),
    ("aws:PrincipalOrgPaths", "ArrayOfString"),
    ("aws:PrincipalServiceName", "String"),
    ("aws:PrincipalServiceNamesList", "ArrayOfString"),
    ("aws:PrincipalTag/", "String"),
    ("aws:PrincipalType", "String"),
    ("aws:RequestTag/", "String"),
    ("aws:RequestedRegion", "String"),
    ("aws:ResourceAccount", "String"),
    ("aws:ResourceOrgID", "String"),
    ("aws:ResourceOrgPaths", "ArrayOfString"),
    ("aws:ResourceTag/", "String"),
    ("aws:SecureTransport", "Bool"),
    ("aws:SourceAccount", "String"),
    ("aws:SourceArn", "ARN"),
    ("aws:SourceIdentity", "String"),
    ("aws:SourceIp", "IPAddress"),
    ("aws:SourceOrgID", "String"),
    ("aws:SourceOrgPaths", "ArrayOfString"),
    ("aws:SourceOwner", "String"),
    ("aws:SourceVpc", "String"),
    ("aws:SourceVpcArn", "ARN"),
    ("aws:SourceVpce", "String"),
    ("aws:TagKeys", "ArrayOfString"),
    ("aws:TokenIssueTime", "Date"),
    ("aws:UserAgent", "String"),
    ("aws:ViaAWSService", "Bool"),
    ("aws:VpcSourceIp", "IPAddress"),
    ("aws:VpceAccount", "String"),
    ("aws:VpceOrgID", "String"),
    ("aws:VpceOrgPaths", "ArrayOfString"),
    ("aws:referer", "String"),
    ("aws:userid", "String"),
    ("aws:username", "String"),
];

/// Service (and identity provider) condition keys of the catalog: exact keys, lowercase,
/// and templated ones (`s3:ExistingObjectTag/${TagKey}`) as lowercase wildcard patterns.
struct ServiceKeys {
    exact: HashMap<String, &'static str>,
    templated: Vec<(String, &'static str)>,
}

static SERVICE_KEYS: LazyLock<ServiceKeys> = LazyLock::new(|| {
    let mut k = ServiceKeys {
        exact: HashMap::new(),
        templated: Vec::new(),
    };
    for p in catalog::service_prefixes() {
        let Some(svc) = catalog::service(p) else {
            continue;
        };
        for &(key, ty) in &svc.condition_keys {
            // Templated keys name their variable part `${TagKey}` or `<key>`.
            let lower = key
                .to_ascii_lowercase()
                .replace('<', "${")
                .replace('>', "}");
            if lower.contains("${") {
                let mut pat = String::new();
                let mut rest = lower.as_str();
                while let Some(i) = rest.find("${") {
                    pat.push_str(&rest[..i]);
                    pat.push('*');
                    rest = rest[i..].find('}').map_or("", |j| &rest[i + j + 1..]);
                }
                pat.push_str(rest);
                k.templated.push((pat, ty));
            } else {
                k.exact.insert(lower, ty);
            }
        }
    }
    k
});

/// What the policy says about a key: its type, or why it is not a key.
enum KeyType {
    Known(&'static str),
    /// Reported already.
    Bad,
    /// An identity provider's key the catalog does not list: not checked.
    Unknown,
}

fn key_type(key: &str, path: &str, v: &Spanned, cx: &mut Ctx<'_>) -> KeyType {
    let Some((prefix, name)) = key
        .split_once(':')
        .filter(|(p, n)| !p.is_empty() && !n.is_empty())
    else {
        cx.at(
            "INVALID_CONDITION_KEY_FORMAT",
            path,
            v,
            format!(
                "The condition key format of {key:?} is not valid. Use the format service:keyname."
            ),
        );
        return KeyType::Bad;
    };
    let lower = key.to_ascii_lowercase();
    if prefix.eq_ignore_ascii_case("aws") {
        if lower == "aws:arn" {
            cx.at(
                "UNSUPPORTED_GLOBAL_CONDITION_KEY",
                path,
                v,
                "The condition key aws:ARN is not supported. Use aws:PrincipalArn or aws:SourceArn instead.".into(),
            );
            return KeyType::Bad;
        }
        for (g, ty) in GLOBAL_KEYS {
            let gl = g.to_ascii_lowercase();
            if let Some(tag) = gl.strip_suffix('/') {
                if lower == tag || lower == gl {
                    cx.at(
                        "MISSING_TAG_KEY_IN_CONDITION",
                        path,
                        v,
                        format!("The condition key {key} must include a tag key: use the format {g}tag-key."),
                    );
                    return KeyType::Bad;
                }
                if lower.starts_with(&gl) {
                    return KeyType::Known(ty);
                }
            } else if lower == gl {
                return KeyType::Known(ty);
            }
        }
        let names: Vec<&str> = GLOBAL_KEYS.iter().map(|(g, _)| *g).collect();
        cx.at(
            "INVALID_GLOBAL_CONDITION_KEY",
            path,
            v,
            format!(
                "The condition key {key} does not exist{}. Use a valid condition key.",
                did_you_mean(key, &names)
            ),
        );
        return KeyType::Bad;
    }
    let keys = &*SERVICE_KEYS;
    if let Some(ty) = keys.exact.get(&lower) {
        return KeyType::Known(ty);
    }
    if let Some((_, ty)) = keys
        .templated
        .iter()
        .find(|(p, _)| wildcard_match(p, &lower, false))
    {
        return KeyType::Known(ty);
    }
    let _ = name;
    let service = prefix.to_ascii_lowercase();
    if catalog::has_service(&service) {
        let known: Vec<&str> = catalog::service(&service)
            .map(|s| s.condition_keys.iter().map(|(k, _)| *k).collect())
            .unwrap_or_default();
        cx.at(
            "INVALID_SERVICE_CONDITION_KEY",
            path,
            v,
            format!("The condition key {key} does not exist in the service {service}{}. Use a valid condition key.", did_you_mean(key, &known)),
        );
        KeyType::Bad
    } else if prefix.contains('.') {
        KeyType::Unknown
    } else {
        cx.at(
            "INVALID_SERVICE",
            path,
            v,
            format!("The service {prefix} of the condition key {key} does not exist. Use a valid service name."),
        );
        KeyType::Bad
    }
}

/// The operator families a key type accepts (Null accepts every type).
fn families(ty: &str) -> &'static [Family] {
    match ty.trim_start_matches("ArrayOf") {
        // ARN operators compare strings too; AWS managed policies use them on String
        // keys (kms:EncryptionContext:…), so both families fit both types.
        "String" | "ARN" => &[Family::String, Family::Arn],
        "Numeric" => &[Family::Numeric],
        "Date" => &[Family::Date],
        "Bool" => &[Family::Bool],
        "IPAddress" => &[Family::Ip],
        "Binary" => &[Family::Binary],
        _ => &[],
    }
}

fn family_name(f: Family) -> &'static str {
    match f {
        Family::String => "String",
        Family::Numeric => "Numeric",
        Family::Date => "Date",
        Family::Bool => "Bool",
        Family::Binary => "Binary",
        Family::Ip => "IpAddress",
        Family::Arn => "Arn",
        Family::Null => "Null",
    }
}

/// Validates a statement's Condition.
pub(crate) fn statement(s: &Spanned, path: &str, old_language: bool, cx: &mut Ctx<'_>) {
    restrict_service_principal(s, path, cx);
    let Some(cond) = s.get("Condition") else {
        return;
    };
    let cpath = join(path, "Condition");
    let Some(ops) = members(cond) else {
        cx.at(
            "DATA_TYPE_MISMATCH",
            &cpath,
            cond,
            "The text does not match the expected JSON data type Object.".into(),
        );
        return;
    };
    if ops.is_empty() {
        cx.at(
            "EMPTY_OBJECT_CONDITION",
            &cpath,
            cond,
            "This condition block is empty and it does not affect the policy. Specify conditions."
                .into(),
        );
    }
    for (op_name, keys) in ops {
        let opath = join(&cpath, op_name);
        // IAM's operator reader refuses NullIfExists; read it here to say why.
        let null_if_exists = op_name
            .strip_suffix("IfExists")
            .and_then(|b| Operator::from_str(b).ok())
            .filter(|o| o.base == OperatorBase::Null)
            .map(|o| Operator {
                if_exists: true,
                ..o
            });
        let op = match Operator::from_str(op_name).ok().or(null_if_exists) {
            Some(op) => op,
            None => {
                let known: Vec<&str> = OperatorBase::ALL.iter().map(|b| b.name()).collect();
                cx.at(
                    "INVALID_CONDITION_OPERATOR",
                    &opath,
                    keys,
                    format!(
                        "The condition operator {op_name} is not valid{}. Use a valid condition operator.",
                        did_you_mean(op_name, &known)
                    ),
                );
                continue;
            }
        };
        if op.base == OperatorBase::Null && op.if_exists {
            cx.at(
                "NULL_WITH_IF_EXISTS",
                &opath,
                keys,
                "The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix.".into(),
            );
        }
        if op.base == OperatorBase::Null && op.set.is_some() {
            cx.at(
                "NULL_WITH_QUALIFIER",
                &opath,
                keys,
                "Avoid using the Null condition operator with the ForAllValues or ForAnyValue qualifiers: they always return true or false respectively.".into(),
            );
        }
        let Some(km) = members(keys) else {
            cx.at(
                "DATA_TYPE_MISMATCH",
                &opath,
                keys,
                "The text does not match the expected JSON data type Object.".into(),
            );
            continue;
        };
        if km.is_empty() {
            cx.at(
                "EMPTY_OBJECT_CONDITION",
                &opath,
                keys,
                "This condition block is empty and it does not affect the policy. Specify conditions.".into(),
            );
        }
        for (i, (k, _)) in km.iter().enumerate() {
            if let Some((k2, v2)) = km[i + 1..]
                .iter()
                .find(|(k2, _)| k2.eq_ignore_ascii_case(k) && k2 != k)
            {
                cx.at(
                    "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                    &join(&opath, k2),
                    v2,
                    format!("The condition key {k} appears more than once with different capitalization ({k2}) in the same condition block. Remove the duplicate condition keys."),
                );
            }
        }
        for (key, vals) in km {
            condition(op, key, vals, &join(&opath, key), old_language, cx);
        }
    }
}

fn condition(
    op: Operator,
    key: &str,
    vals: &Spanned,
    path: &str,
    old_language: bool,
    cx: &mut Ctx<'_>,
) {
    if is_empty_array(vals) {
        let (id, what) = match (op.set, op.if_exists) {
            (Some(SetQualifier::ForAllValues), _) => (
                "EMPTY_ARRAY_CONDITION_FORALLVALUES",
                "ForAllValues with an empty list matches only when the key is missing; use the Null operator instead",
            ),
            (Some(SetQualifier::ForAnyValue), _) => (
                "EMPTY_ARRAY_CONDITION_FORANYVALUE",
                "ForAnyValue with an empty list never matches",
            ),
            (None, true) => (
                "EMPTY_ARRAY_CONDITION_IFEXISTS",
                "IfExists with an empty list matches only when the key is missing; use the Null operator instead",
            ),
            (None, false) => (
                "EMPTY_ARRAY_CONDITION",
                "there are no values for the key, so the condition does not affect the policy",
            ),
        };
        cx.at(id, path, vals, format!("{key}: {what}."));
        return;
    }
    if let Json::Array(a) = &vals.v {
        let kinds: std::collections::BTreeSet<u8> = a
            .iter()
            .map(|x| match x.v {
                Json::String(_) => 0,
                Json::Number(_) => 1,
                Json::Bool(_) => 2,
                _ => 3,
            })
            .collect();
        if kinds.len() > 1 {
            cx.at(
                "INVALID_CONDITION_DATA_TYPE",
                path,
                vals,
                "The condition value data types do not match. Use condition values of the same JSON data type.".into(),
            );
        }
    }
    let items = strings(vals, path, true, cx);
    let family = op.base.family();
    let ty = key_type(key, path, vals, cx);
    if let KeyType::Known(ty) = ty {
        let ok = families(ty);
        if family != Family::Null && !ok.is_empty() && !ok.contains(&family) {
            cx.at(
                "TYPE_MISMATCH",
                path,
                vals,
                format!("Use the operator type {} instead of operator {op} for the condition key {key}.", family_name(ok[0])),
            );
        }
        let multi = ty.starts_with("ArrayOf");
        if !multi && op.set == Some(SetQualifier::ForAllValues) {
            cx.at(
                "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                path,
                vals,
                format!("Using ForAllValues with the single-valued condition key {key} can be overly permissive (it matches when the key is missing). Remove ForAllValues:."),
            );
        }
        if multi && op.set.is_none() && family != Family::Null {
            cx.at(
                "MISSING_QUALIFIER",
                path,
                vals,
                format!("The request context key {key} has multiple values. Use the ForAllValues or ForAnyValue condition key qualifiers."),
            );
        }
    }
    values_of(op, key, &items, path, vals, old_language, cx);
}

/// The values against the operator's type and the key's format.
fn values_of(
    op: Operator,
    key: &str,
    items: &[Item<'_>],
    path: &str,
    vals: &Spanned,
    old_language: bool,
    cx: &mut Ctx<'_>,
) {
    let family = op.base.family();
    let lower = key.to_ascii_lowercase();
    for it in items {
        let t = it.text;
        let has_var = t.contains("${");
        if has_var {
            variables(t, &it.path, it.v, cx);
            if old_language {
                cx.at(
                    "VARIABLE_UNSUPPORTED_IN_VERSION",
                    &it.path,
                    it.v,
                    "To include variables in your policy, use the policy version 2012-10-17."
                        .into(),
                );
            }
            if !matches!(family, Family::String | Family::Arn) {
                cx.at(
                    "INVALID_VARIABLE_FOR_OPERATOR",
                    &it.path,
                    it.v,
                    format!(
                        "Policy variables can only be used with String and ARN operators, not {op}."
                    ),
                );
            }
            continue;
        }
        let bad = match family {
            Family::Numeric => values::number(t)
                .is_none()
                .then_some("TYPE_MISMATCH_NUMBER"),
            Family::Date => values::date(t).is_none().then_some("TYPE_MISMATCH_DATE"),
            Family::Bool | Family::Null => values::boolean(t)
                .is_none()
                .then_some("TYPE_MISMATCH_BOOLEAN"),
            Family::Ip => parse_cidr(t).is_none().then_some("TYPE_MISMATCH_IP_RANGE"),
            Family::Binary => (!is_base64(t)).then_some("TYPE_MISMATCH_STRING"),
            Family::String | Family::Arn => None,
        };
        if let Some(id) = bad {
            cx.at(
                id,
                &it.path,
                it.v,
                format!("The value {t:?} is not valid for the condition operator {op}."),
            );
            continue;
        }
        if family == Family::Date && !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            cx.at(
                "INVALID_DATE_VALUE",
                &it.path,
                it.v,
                format!("The date {t} (epoch time) might not resolve as expected. We recommend that you use the YYYY-MM-DD format."),
            );
        }
        let like = matches!(
            op.base,
            OperatorBase::StringLike
                | OperatorBase::StringNotLike
                | OperatorBase::ArnLike
                | OperatorBase::ArnNotLike
        );
        if matches!(family, Family::String | Family::Arn) && !like && t.contains(['*', '?']) {
            cx.at(
                "WILDCARD_WITHOUT_LIKE_OPERATOR",
                &it.path,
                it.v,
                format!("The condition value {t:?} includes a * or ? character. If you meant a wildcard, use the Like operator instead of {op}."),
            );
        }
        if family == Family::Ip
            && let Some((addr, prefix)) = parse_cidr(t)
            && let Some(canon) = canonical(addr, prefix)
            && canon != addr
        {
            cx.at(
                "IMPROVE_IP_RANGE",
                &it.path,
                it.v,
                format!("The non-zero bits in the IP address after the masked bits are ignored. Replace {t} with {canon}/{prefix}."),
            );
        }
        let wild = t.contains(['*', '?']);
        if lower == "aws:requestedregion" && !wild && !crate::catalog::regions::is_region(t) {
            cx.at("INVALID_REGION", &it.path, it.v, format!("The Region {t:?} is not valid. Update the condition value to a supported Region."));
        }
        let id_format = |p: &str| {
            t.strip_prefix(p).is_some_and(|r| {
                (r.len() == 8 || r.len() == 17) && r.bytes().all(|b| b.is_ascii_alphanumeric())
            })
        };
        if lower == "aws:sourcevpc" && !wild && !id_format("vpc-") {
            cx.at("INVALID_VPC_FORMAT", &it.path, it.v, format!("The VPC identifier {t:?} is not valid. Use the prefix vpc- followed by 8 or 17 alphanumeric characters."));
        }
        if lower == "aws:sourcevpce" && !wild && !id_format("vpce-") {
            cx.at("INVALID_VPCE_FORMAT", &it.path, it.v, format!("The VPC endpoint identifier {t:?} is not valid. Use the prefix vpce- followed by 8 or 17 alphanumeric characters."));
        }
        if lower == "token.actions.githubusercontent.com:sub" && t.contains('*') {
            cx.at("SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED", &it.path, it.v, format!("The value {t:?} of token.actions.githubusercontent.com:sub has a wildcard, which can allow more repositories or branches than intended. Name the repository and branch."));
        }
    }
    if lower == "aws:sourceip"
        && matches!(
            op.base,
            OperatorBase::IpAddress | OperatorBase::NotIpAddress
        )
    {
        let ranges: Vec<(IpAddr, u8)> = items.iter().filter_map(|i| parse_cidr(i.text)).collect();
        let private = ranges.iter().filter(|(a, p)| is_private(*a, *p)).count();
        if private > 0 {
            let all = private == ranges.len();
            let ip = op.base == OperatorBase::IpAddress;
            let id = match (ip, all) {
                (true, true) => "PRIVATE_IP_ADDRESS",
                (true, false) => "PRIVATE_IP_ADDRESS_SUBSET",
                (false, true) => "PRIVATE_NOTIPADDRESS",
                (false, false) => "PRIVATE_NOTIPADDRESS_SUBSET",
            };
            cx.at(id, path, vals, "aws:SourceIp works only for public IP address ranges: the private ranges here will not have the desired effect. Use aws:VpcSourceIp for private ranges.".into());
        }
    }
    if family == Family::Bool && op.set.is_none() && items.len() > 1 {
        cx.at(
            "INVALID_CONDITION_MULTIPLE_BOOLEAN",
            path,
            vals,
            format!("The condition key {key} does not support multiple Boolean values. Use a single Boolean value."),
        );
    }
    let ordered = matches!(
        op.base,
        OperatorBase::NumericLessThan
            | OperatorBase::NumericLessThanEquals
            | OperatorBase::NumericGreaterThan
            | OperatorBase::NumericGreaterThanEquals
    );
    if ordered
        && op.set.is_none()
        && items
            .iter()
            .filter(|i| values::number(i.text).is_some())
            .count()
            > 1
    {
        let greatest = matches!(
            op.base,
            OperatorBase::NumericLessThan | OperatorBase::NumericLessThanEquals
        );
        cx.at(
            "REDUNDANT_CONDITION_VALUE_NUM",
            path,
            vals,
            format!("Multiple values in {op} are redundant. Replace with the {} single value for {key}.", if greatest { "greatest" } else { "least" }),
        );
    }
}

/// Policy variable syntax in a string ("IAM policy elements: Variables and tags").
pub(crate) fn variables(t: &str, path: &str, v: &Spanned, cx: &mut Ctx<'_>) {
    let mut rest = t;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            cx.at("MISSING_BRACE_IN_VARIABLE", path, v, format!("The policy variable in {t:?} is missing a closing curly brace. Add }} after the variable text."));
            return;
        };
        let inner = &after[..end];
        rest = &after[end + 1..];
        if inner.trim().is_empty() {
            cx.at("EMPTY_VARIABLE", path, v, format!("Empty policy variable in {t:?}. Remove the ${{ }} structure or name a variable in it."));
            continue;
        }
        let (name, default) = match inner.split_once(',') {
            Some((n, d)) => (n, Some(d.trim())),
            None => (inner, None),
        };
        if name.contains(char::is_whitespace) {
            cx.at("UNSUPPORTED_SPACE_IN_VARIABLE", path, v, format!("A space is not supported within the policy variable {inner:?}. Remove the space."));
        }
        if let Some(d) = default
            && !(d.len() >= 2 && d.starts_with('\'') && d.ends_with('\''))
        {
            cx.at("MISSING_QUOTE_IN_VARIABLE", path, v, format!("The default value {d:?} of the policy variable must begin and end with a single quote."));
        }
    }
}

/// A resource policy that allows a service principal without saying on whose behalf
/// (aws:SourceArn, aws:SourceAccount, aws:SourceOrgID or aws:SourceOrgPaths).
fn restrict_service_principal(s: &Spanned, path: &str, cx: &mut Ctx<'_>) {
    if cx.opts.policy_type != PolicyType::Resource
        || s.get("Effect").and_then(|e| e.as_str()) != Some("Allow")
    {
        return;
    }
    let Some(service) = s.get("Principal").and_then(|p| p.get("Service")) else {
        return;
    };
    let scoped = s.get("Condition").and_then(members).is_some_and(|ops| {
        ops.iter()
            .filter_map(|(_, k)| members(k))
            .flatten()
            .any(|(k, _)| {
                [
                    "aws:sourcearn",
                    "aws:sourceaccount",
                    "aws:sourceorgid",
                    "aws:sourceorgpaths",
                ]
                .contains(&k.to_ascii_lowercase().as_str())
            })
    });
    if !scoped {
        cx.at(
            "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
            &join(path, "Principal.Service"),
            service,
            "Granting access to a service principal without specifying a source is overly permissive. Use the aws:SourceArn or aws:SourceAccount condition key.".into(),
        );
    }
}

fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (a, p) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr: IpAddr = a.trim().parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match p {
        Some(p) => p.trim().parse::<u8>().ok().filter(|&n| n <= max)?,
        None => max,
    };
    Some((addr, prefix))
}

/// The address with the bits after the prefix cleared.
fn canonical(addr: IpAddr, prefix: u8) -> Option<IpAddr> {
    Some(match addr {
        IpAddr::V4(v) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            IpAddr::V4((u32::from(v) & mask).into())
        }
        IpAddr::V6(v) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            IpAddr::V6((u128::from(v) & mask).into())
        }
    })
}

/// Whether a range lies inside the private (RFC 1918, RFC 4193) or loopback space.
fn is_private(addr: IpAddr, prefix: u8) -> bool {
    match addr {
        IpAddr::V4(v) => {
            let o = v.octets();
            (o[0] == 10 && prefix >= 8)
                || (o[0] == 172 && (16..32).contains(&o[1]) && prefix >= 12)
                || (o[0] == 192 && o[1] == 168 && prefix >= 16)
                || (o[0] == 127 && prefix >= 8)
        }
        IpAddr::V6(v) => (v.segments()[0] & 0xfe00) == 0xfc00 && prefix >= 7,
    }
}

fn is_base64(s: &str) -> bool {
    !s.is_empty()
        && s.len().is_multiple_of(4)
        && s.trim_end_matches('=')
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

//! Resources: the ARN's fields against the catalog's ARN formats (prefix, fields,
//! partition, service case, Region, account, resource part), redundant resources, and
//! ARNs a resource type's policy cannot hold.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::{Ctx, Item, join, strings};
use crate::catalog::{self, ResourceType};
use crate::iam::pattern::covers;
use crate::iam::policy::json::Spanned;

/// AWS partitions ("Amazon Resource Names (ARNs)", AWS General Reference).
const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// The IAM service prefix of a CloudFormation resource type (`AWS::S3::Bucket` → `s3`),
/// for resource policies attached to it.
pub(crate) fn resource_type_prefix(t: &str) -> Option<String> {
    let mut parts = t.split("::");
    if parts.next()? != "AWS" {
        return None;
    }
    let svc = parts.next()?.to_ascii_lowercase();
    Some(
        match svc.as_str() {
            "s3objectlambda" => "s3-object-lambda",
            "apigateway" => "execute-api",
            "efs" => "elasticfilesystem",
            "elasticsearch" | "opensearchservice" => "es",
            "cloudwatch" => "logs",
            other => other,
        }
        .to_string(),
    )
}

/// Resource types by the service part of their ARN (which is not always the IAM prefix).
static BY_ARN_SERVICE: LazyLock<HashMap<&'static str, Vec<&'static ResourceType>>> =
    LazyLock::new(|| {
        let mut m: HashMap<&'static str, Vec<&'static ResourceType>> = HashMap::new();
        for p in catalog::service_prefixes() {
            let Some(svc) = catalog::service(p) else {
                continue;
            };
            for rt in &svc.resources {
                if let Some(s) = rt.arn.text.split(':').nth(2) {
                    m.entry(s).or_default().push(rt);
                }
            }
        }
        m
    });

/// Validates a statement's Resource or NotResource.
pub(crate) fn statement(s: &Spanned, path: &str, old_language: bool, cx: &mut Ctx<'_>) {
    for name in ["Resource", "NotResource"] {
        let Some(v) = s.get(name) else { continue };
        let items = strings(v, &join(path, name), false, cx);
        for it in &items {
            super::conditions::variables(it.text, &it.path, it.v, cx);
            if old_language && it.text.contains("${") {
                cx.at(
                    "VARIABLE_UNSUPPORTED_IN_VERSION",
                    &it.path,
                    it.v,
                    "To include variables in your policy, use the policy version 2012-10-17."
                        .into(),
                );
            }
            arn(it, cx);
        }
        redundant(&items, cx);
    }
}

fn wild(field: &str) -> bool {
    field.contains(['*', '?']) || field.contains("${")
}

fn arn(it: &Item<'_>, cx: &mut Ctx<'_>) {
    let t = it.text;
    if t == "*" {
        return;
    }
    if !t.starts_with("arn:") {
        cx.at(
            "INVALID_ARN_PREFIX",
            &it.path,
            it.v,
            format!("Add the required prefix (arn) to the resource ARN {t:?}."),
        );
        return;
    }
    let f: Vec<&str> = t.splitn(6, ':').collect();
    if f.len() < 6 {
        cx.at(
            "MISSING_ARN_FIELD",
            &it.path,
            it.v,
            format!("The resource ARN {t:?} has {} fields; ARNs have six: arn:partition:service:region:account:resource.", f.len()),
        );
        return;
    }
    let (partition, service, region, account, resource) = (f[1], f[2], f[3], f[4], f[5]);
    if !wild(partition) && !PARTITIONS.contains(&partition) {
        cx.at(
            "INVALID_PARTITION",
            &it.path,
            it.v,
            format!("The resource ARN {t:?} has the partition {partition:?}, which is not one. Use one of: {}.", PARTITIONS.join(", ")),
        );
    }
    if service.chars().any(|c| c.is_ascii_uppercase()) {
        cx.at(
            "INVALID_ARN_SERVICE_CASE",
            &it.path,
            it.v,
            format!("Update the service name {service} in the resource ARN to use all lowercase letters."),
        );
    }
    if let Some(prefix) = cx
        .opts
        .resource_type
        .as_deref()
        .and_then(resource_type_prefix)
        && !wild(service)
        && !service.eq_ignore_ascii_case(&prefix)
    {
        let rt = cx.opts.resource_type.clone().unwrap_or_default();
        cx.at(
            "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
            &it.path,
            it.v,
            format!("The resource ARN {t} is not supported for the resource-based policy attached to the resource type {rt}."),
        );
    }
    if !region.is_empty() && !wild(region) && !catalog::regions::is_region(region) {
        cx.at(
            "INVALID_ARN_REGION",
            &it.path,
            it.v,
            format!("The Region {region:?} is not valid. Update the resource ARN to include a supported Region."),
        );
    }
    let twelve_digits = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    // Some ARNs name "aws" as the owner (AWS managed policies).
    if !(account.is_empty() || wild(account) || twelve_digits || account == "aws") {
        cx.at(
            "INVALID_ARN_ACCOUNT",
            &it.path,
            it.v,
            format!("The resource ARN account ID {account:?} is not valid. Provide a 12-digit account ID."),
        );
    }
    let Some(all) = BY_ARN_SERVICE.get(service.to_ascii_lowercase().as_str()) else {
        return;
    };
    if wild(service) || resource.len() > 1024 {
        return;
    }
    // The resource types the resource part can name: it fits their format, or (with
    // wildcards) its literal start agrees with theirs. Bounded above: the match tries
    // every split of each variable.
    let types: Vec<&ResourceType> = all
        .iter()
        .copied()
        .filter(|rt| {
            rt.arn
                .text
                .splitn(6, ':')
                .nth(5)
                .is_some_and(|tpl| compatible(tpl, resource))
        })
        .collect();
    if types.is_empty() {
        // With wildcards the match is a guess (catalog formats such as backup's
        // `${Vendor}` service part are not indexed): only a literal ARN is a finding.
        if wild(resource) {
            return;
        }
        cx.at(
            "INVALID_ARN_RESOURCE",
            &it.path,
            it.v,
            format!("The resource ARN {t} does not match the ARN format of any {service} resource type. Update the resource portion of the ARN."),
        );
        return;
    }
    let field = |rt: &ResourceType, i: usize| rt.arn.text.split(':').nth(i).unwrap_or_default();
    if !region.is_empty() && !wild(region) && types.iter().all(|rt| field(rt, 3).is_empty()) {
        cx.at(
            "ARN_REGION_NOT_ALLOWED",
            &it.path,
            it.v,
            format!(
                "The service {service} does not support specifying a Region in the resource ARN."
            ),
        );
    }
    if region.is_empty() && types.iter().all(|rt| !field(rt, 3).is_empty()) {
        cx.at(
            "MISSING_ARN_REGION",
            &it.path,
            it.v,
            format!("Add a Region to the {service} resource ARN."),
        );
    }
    if !account.is_empty() && !wild(account) && types.iter().all(|rt| field(rt, 4).is_empty()) {
        cx.at(
            "ARN_ACCOUNT_NOT_ALLOWED",
            &it.path,
            it.v,
            format!("The service {service} does not support specifying an account ID in the resource ARN."),
        );
    }
}

/// Whether a policy's resource part can name resources of a template's resource part.
fn compatible(template: &str, resource: &str) -> bool {
    if !wild(resource) {
        return resource_fits(template, resource);
    }
    let lit = |s: &str, stops: &[&str]| -> usize {
        stops
            .iter()
            .filter_map(|p| s.find(p))
            .min()
            .unwrap_or(s.len())
    };
    let r = &resource[..lit(resource, &["*", "?", "${"])];
    let t = &template[..lit(template, &["${"])];
    r.starts_with(t) || t.starts_with(r)
}

/// A template's resource part (`bucket/${ObjectName}`) against a concrete one.
fn resource_fits(template: &str, value: &str) -> bool {
    match template.find("${") {
        None => template == value,
        Some(start) => {
            let Some(len) = template[start..].find('}') else {
                return template == value;
            };
            let (lit, rest) = (&template[..start], &template[start + len + 1..]);
            let Some(tail) = value.strip_prefix(lit) else {
                return false;
            };
            if rest.is_empty() {
                return !tail.is_empty();
            }
            // Try every split of the variable's value (small inputs).
            (1..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| resource_fits(rest, &tail[i..]))
        }
    }
}

/// A resource another one of the list already covers. Only a pattern covers another
/// entry; literal entries are compared for equality (keeps long lists linear).
fn redundant(items: &[Item<'_>], cx: &mut Ctx<'_>) {
    let patterns: Vec<usize> = (0..items.len()).filter(|&j| wild(items[j].text)).collect();
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, it) in items.iter().enumerate() {
        let dup = *first.entry(it.text).or_insert(i);
        let by = if dup != i {
            Some(dup)
        } else {
            patterns.iter().copied().find(|&j| {
                let o = items[j].text;
                j != i && covers(o, it.text) && (!covers(it.text, o) || j < i)
            })
        };
        if let Some(j) = by {
            cx.at(
                "REDUNDANT_RESOURCE",
                &it.path,
                it.v,
                format!(
                    "The resource {} is redundant because {} covers it. Review the use of wildcards (*).",
                    it.text, items[j].text
                ),
            );
        }
    }
}

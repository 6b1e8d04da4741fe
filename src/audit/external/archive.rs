//! Archive rules, as IAM Access Analyzer has them ("Archive rules": findings that match
//! a rule are archived, so only new ones need attention): a JSON list of
//! `{"resource": ARN-or-pattern, "principal": …}`. A rule without `resource` matches
//! every resource, one without `principal` every principal; a rule must give one.

use serde::Deserialize;

use crate::iam::pattern::wildcard_match;

use super::verdict::{Analysis, Finding, Status};

/// One expected finding.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The resource ARN (`*` and `?` wildcards allowed).
    #[serde(default)]
    pub resource: Option<String>,
    /// The principal as findings report it: `*`, an account id or ARN, an organization
    /// id, a provider ARN. An account id also matches that account's ARNs.
    #[serde(default)]
    pub principal: Option<String>,
}

/// Why an archive file is not one.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// Not a JSON list of rules.
    #[error("not a JSON list of {{\"resource\", \"principal\"}} rules: {0}")]
    Json(#[from] serde_json::Error),
    /// A rule that names nothing would archive everything.
    #[error("rule {0} gives neither resource nor principal (it would archive every finding)")]
    Empty(usize),
}

/// Reads the rules from JSON text.
pub fn parse(text: &str) -> Result<Vec<Rule>, RuleError> {
    let rules: Vec<Rule> = serde_json::from_str(text)?;
    if let Some(i) = rules
        .iter()
        .position(|r| r.resource.is_none() && r.principal.is_none())
    {
        return Err(RuleError::Empty(i));
    }
    Ok(rules)
}

fn matches(rule: &Rule, resource: &str, f: &Finding) -> bool {
    let resource_ok = rule
        .resource
        .as_deref()
        .is_none_or(|r| wildcard_match(r, resource, false));
    let principal_ok = rule.principal.as_deref().is_none_or(|p| {
        p == f.principal
            || (f.principal != "*" && f.principal.split(':').nth(4) == Some(p) && f.kind == "AWS")
    });
    resource_ok && principal_ok
}

/// Archives the active findings of `a` that a rule matches.
pub fn apply(rules: &[Rule], a: &mut Analysis) {
    for f in &mut a.findings {
        if f.status == Status::Active && rules.iter().any(|r| matches(r, &a.resource, f)) {
            f.status = Status::Archived;
        }
    }
}

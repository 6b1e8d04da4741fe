//! Every entry of AWS's "IAM policy validation check reference" (IAM User Guide): its
//! issue code, finding type and anchor, and whether iamtrail decides it offline or why
//! not. Issue codes are the entry titles in Access Analyzer's spelling
//! (`Pass role with star in resource` → `PASS_ROLE_WITH_STAR_IN_RESOURCE`).

use super::Severity::{self, *};

/// Where the reference lives; each entry's anchor is appended.
pub const REFERENCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html";

/// Whether iamtrail decides a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Decided offline; `tests/validate.rs` has a policy that triggers it and one that
    /// does not.
    Covered,
    /// Not decided, and why (it needs data only AWS has).
    NotCovered(&'static str),
}

/// One entry of the reference.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Issue code.
    pub id: &'static str,
    /// Finding type.
    pub severity: Severity,
    /// The entry's title.
    pub title: &'static str,
    /// The entry's anchor in the reference page, without the common prefix.
    anchor: &'static str,
    /// Whether iamtrail decides it.
    pub coverage: Coverage,
}

impl Check {
    /// The learn-more link.
    pub fn link(&self) -> String {
        format!(
            "{REFERENCE}#access-analyzer-reference-policy-checks-{}",
            self.anchor
        )
    }
}

/// Checks iamtrail does not decide, and why.
const NOT_COVERED: &[(&str, &str)] = &[
    (
        "UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
        "which condition keys each service principal sends is not published",
    ),
    (
        "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
        "which keys AWS recommends per service principal is not published",
    ),
    (
        "MISSING_ACTION_FOR_CONDITION_KEY",
        "the action-to-key pairs AWS checks are not published",
    ),
    (
        "MISSING_PAIRED_CONDITION_KEYS",
        "the key pairs AWS checks are not published",
    ),
    (
        "IRRELEVANT_CONDITION_KEY_IN_POLICY",
        "the keys AWS deems irrelevant per resource type are not published",
    ),
    (
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        "the catalog's per-action key lists omit keys every action supports (aws:RequestedRegion, aws:PrincipalTag…), so a per-action verdict would be wrong too often",
    ),
    (
        "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        "needs AWS's per-service tag support, which the catalog lists only per action and resource type",
    ),
    (
        "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        "as DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
    ),
    (
        "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        "as DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
    ),
    (
        "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        "as DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
    ),
    (
        "DEPRECATED_GLOBAL_CONDITION_KEY",
        "the reference names aws:ARN both here and in UNSUPPORTED_GLOBAL_CONDITION_KEY; iamtrail reports that error",
    ),
    (
        "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA",
        "resource policy quotas differ per service and most are not in the catalog",
    ),
    (
        "CONFIRM_AUDIENCE_CLAIM_TYPE",
        "whether an identity provider's aud claim is multivalued is known only to AWS's provider configuration",
    ),
    (
        "INVALID_SERVICE_PRINCIPAL_FORMAT",
        "AWS's list of service principals is not published; iamtrail checks the .amazonaws.com form in INVALID_PRINCIPAL_FORMAT instead",
    ),
];

/// Every entry of the reference, in its order.
pub static CHECKS: std::sync::LazyLock<Vec<Check>> = std::sync::LazyLock::new(|| {
    TABLE
        .iter()
        .map(|&(id, severity, title, anchor)| Check {
            id,
            severity,
            title,
            anchor,
            coverage: NOT_COVERED
                .iter()
                .find(|(n, _)| *n == id)
                .map_or(Coverage::Covered, |(_, why)| Coverage::NotCovered(why)),
        })
        .collect()
});

/// The entry with issue code `id`. Panics on an unknown code: codes are constants of
/// this module's callers, checked by the unit test below.
pub fn check(id: &str) -> &'static Check {
    CHECKS
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("issue code {id} is not in the check reference table"))
}

type Row = (&'static str, Severity, &'static str, &'static str);

/// Issue code, finding type, title, anchor: the reference's entries in its order.
const TABLE: &[Row] = &[
    (
        "ARN_ACCOUNT_NOT_ALLOWED",
        Error,
        "ARN account not allowed",
        "error-arn-account-not-allowed",
    ),
    (
        "ARN_REGION_NOT_ALLOWED",
        Error,
        "ARN Region not allowed",
        "error-arn-region-not-allowed",
    ),
    (
        "DATA_TYPE_MISMATCH",
        Error,
        "Data type mismatch",
        "error-data-type-mismatch",
    ),
    (
        "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
        Error,
        "Duplicate keys with different case",
        "error-duplicate-keys-with-different-case",
    ),
    (
        "INVALID_ACTION",
        Error,
        "Invalid action",
        "error-invalid-action",
    ),
    (
        "INVALID_ARN_ACCOUNT",
        Error,
        "Invalid ARN account",
        "error-invalid-arn-account",
    ),
    (
        "INVALID_ARN_PREFIX",
        Error,
        "Invalid ARN prefix",
        "error-invalid-arn-prefix",
    ),
    (
        "INVALID_ARN_REGION",
        Error,
        "Invalid ARN Region",
        "error-invalid-arn-region",
    ),
    (
        "INVALID_ARN_RESOURCE",
        Error,
        "Invalid ARN resource",
        "error-invalid-arn-resource",
    ),
    (
        "INVALID_ARN_SERVICE_CASE",
        Error,
        "Invalid ARN service case",
        "error-invalid-arn-service-case",
    ),
    (
        "INVALID_CONDITION_DATA_TYPE",
        Error,
        "Invalid condition data type",
        "error-invalid-condition-data-type",
    ),
    (
        "INVALID_CONDITION_KEY_FORMAT",
        Error,
        "Invalid condition key format",
        "error-invalid-condition-key-format",
    ),
    (
        "INVALID_CONDITION_MULTIPLE_BOOLEAN",
        Error,
        "Invalid condition multiple Boolean",
        "error-invalid-condition-multiple-boolean",
    ),
    (
        "INVALID_CONDITION_OPERATOR",
        Error,
        "Invalid condition operator",
        "error-invalid-condition-operator",
    ),
    (
        "INVALID_EFFECT",
        Error,
        "Invalid effect",
        "error-invalid-effect",
    ),
    (
        "INVALID_GLOBAL_CONDITION_KEY",
        Error,
        "Invalid global condition key",
        "error-invalid-global-condition-key",
    ),
    (
        "INVALID_PARTITION",
        Error,
        "Invalid partition",
        "error-invalid-partition",
    ),
    (
        "INVALID_POLICY_ELEMENT",
        Error,
        "Invalid policy element",
        "error-invalid-policy-element",
    ),
    (
        "INVALID_PRINCIPAL_FORMAT",
        Error,
        "Invalid principal format",
        "error-invalid-principal-format",
    ),
    (
        "INVALID_PRINCIPAL_KEY",
        Error,
        "Invalid principal key",
        "error-invalid-principal-key",
    ),
    (
        "INVALID_REGION",
        Error,
        "Invalid Region",
        "error-invalid-region",
    ),
    (
        "INVALID_SERVICE",
        Error,
        "Invalid service",
        "error-invalid-service",
    ),
    (
        "INVALID_SERVICE_CONDITION_KEY",
        Error,
        "Invalid service condition key",
        "error-invalid-service-condition-key",
    ),
    (
        "INVALID_SERVICE_IN_ACTION",
        Error,
        "Invalid service in action",
        "error-invalid-service-in-action",
    ),
    (
        "INVALID_VARIABLE_FOR_OPERATOR",
        Error,
        "Invalid variable for operator",
        "error-invalid-variable-for-operator",
    ),
    (
        "INVALID_VERSION",
        Error,
        "Invalid version",
        "error-invalid-version",
    ),
    (
        "JSON_SYNTAX_ERROR",
        Error,
        "Json syntax error",
        "error-json-syntax-error",
    ),
    (
        "MISSING_ACTION",
        Error,
        "Missing action",
        "error-missing-action",
    ),
    (
        "MISSING_ARN_FIELD",
        Error,
        "Missing ARN field",
        "error-missing-arn-field",
    ),
    (
        "MISSING_ARN_REGION",
        Error,
        "Missing ARN Region",
        "error-missing-arn-region",
    ),
    (
        "MISSING_EFFECT",
        Error,
        "Missing effect",
        "error-missing-effect",
    ),
    (
        "MISSING_PRINCIPAL",
        Error,
        "Missing principal",
        "error-missing-principal",
    ),
    (
        "MISSING_QUALIFIER",
        Error,
        "Missing qualifier",
        "error-missing-qualifier",
    ),
    (
        "MISSING_RESOURCE",
        Error,
        "Missing resource",
        "error-missing-resource",
    ),
    (
        "MISSING_STATEMENT",
        Error,
        "Missing statement",
        "error-missing-statement",
    ),
    (
        "NULL_WITH_IF_EXISTS",
        Error,
        "Null with if exists",
        "error-null-with-if-exists",
    ),
    (
        "SCP_SYNTAX_ERROR_ACTION_WILDCARD",
        Error,
        "SCP syntax error action wildcard",
        "error-scp-syntax-error-action-wildcard",
    ),
    (
        "SCP_SYNTAX_ERROR_ALLOW_CONDITION",
        Error,
        "SCP syntax error allow condition",
        "error-scp-syntax-error-allow-condition",
    ),
    (
        "SCP_SYNTAX_ERROR_ALLOW_NOTACTION",
        Error,
        "SCP syntax error allow NotAction",
        "error-scp-syntax-error-allow-notaction",
    ),
    (
        "SCP_SYNTAX_ERROR_ALLOW_RESOURCE",
        Error,
        "SCP syntax error allow resource",
        "error-scp-syntax-error-allow-resource",
    ),
    (
        "SCP_SYNTAX_ERROR_NOTRESOURCE",
        Error,
        "SCP syntax error NotResource",
        "error-scp-syntax-error-notresource",
    ),
    (
        "SCP_SYNTAX_ERROR_PRINCIPAL",
        Error,
        "SCP syntax error principal",
        "error-scp-syntax-error-principal",
    ),
    (
        "UNIQUE_SIDS_REQUIRED",
        Error,
        "Unique Sids required",
        "error-unique-sids-required",
    ),
    (
        "UNSUPPORTED_ACTION_IN_POLICY",
        Error,
        "Unsupported action in policy",
        "error-unsupported-action-in-policy",
    ),
    (
        "UNSUPPORTED_ELEMENT_COMBINATION",
        Error,
        "Unsupported element combination",
        "error-unsupported-element-combination",
    ),
    (
        "UNSUPPORTED_GLOBAL_CONDITION_KEY",
        Error,
        "Unsupported global condition key",
        "error-unsupported-global-condition-key",
    ),
    (
        "UNSUPPORTED_PRINCIPAL",
        Error,
        "Unsupported principal",
        "error-unsupported-principal",
    ),
    (
        "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
        Error,
        "Unsupported resource ARN in policy",
        "error-unsupported-resource-arn-in-policy",
    ),
    (
        "UNSUPPORTED_SID",
        Error,
        "Unsupported Sid",
        "error-unsupported-sid",
    ),
    (
        "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        Error,
        "Unsupported wildcard in principal",
        "error-unsupported-wildcard-in-principal",
    ),
    (
        "MISSING_BRACE_IN_VARIABLE",
        Error,
        "Missing brace in variable",
        "error-missing-brace-in-variable",
    ),
    (
        "MISSING_QUOTE_IN_VARIABLE",
        Error,
        "Missing quote in variable",
        "error-missing-quote-in-variable",
    ),
    (
        "UNSUPPORTED_SPACE_IN_VARIABLE",
        Error,
        "Unsupported space in variable",
        "error-unsupported-space-in-variable",
    ),
    (
        "EMPTY_VARIABLE",
        Error,
        "Empty variable",
        "error-empty-variable",
    ),
    (
        "VARIABLE_UNSUPPORTED_IN_ELEMENT",
        Error,
        "Variable unsupported in element",
        "error-variable-unsupported-in-element",
    ),
    (
        "VARIABLE_UNSUPPORTED_IN_VERSION",
        Error,
        "Variable unsupported in version",
        "error-variable-unsupported-in-version",
    ),
    (
        "PRIVATE_IP_ADDRESS",
        Error,
        "Private IP address",
        "error-private-ip-address",
    ),
    (
        "PRIVATE_NOTIPADDRESS",
        Error,
        "Private NotIpAddress",
        "error-private-not-ip-address",
    ),
    (
        "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
        Error,
        "Policy size exceeds SCP quota",
        "error-policy-size-exceeds-scp-quota",
    ),
    (
        "INVALID_SERVICE_PRINCIPAL_FORMAT",
        Error,
        "Invalid service principal format",
        "error-invalid-service-principal-format",
    ),
    (
        "MISSING_TAG_KEY_IN_CONDITION",
        Error,
        "Missing tag key in condition",
        "error-missing-tag-key-in-condition",
    ),
    (
        "INVALID_VPC_FORMAT",
        Error,
        "Invalid vpc format",
        "error-invalid-vpc-format",
    ),
    (
        "INVALID_VPCE_FORMAT",
        Error,
        "Invalid vpce format",
        "error-invalid-vpce-format",
    ),
    (
        "FEDERATED_PRINCIPAL_NOT_SUPPORTED",
        Error,
        "Federated principal not supported",
        "error-federated-principal-not-supported",
    ),
    (
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        Error,
        "Unsupported action for condition key",
        "error-unsupported-action-for-condition-key",
    ),
    (
        "UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
        Error,
        "Unsupported condition key for service principal",
        "error-unsupported-condition-key-for-service-principal",
    ),
    (
        "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
        Error,
        "Role trust policy syntax error notprincipal",
        "error-role-trust-policy-syntax-error-notprincipal",
    ),
    (
        "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        Error,
        "Role trust policy unsupported wildcard in principal",
        "error-role-trust-policy-unsupported-wildcard-in-principal",
    ),
    (
        "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
        Error,
        "Role trust policy syntax error resource",
        "error-role-trust-policy-syntax-error-resource",
    ),
    (
        "MISSING_ACTION_FOR_CONDITION_KEY",
        Error,
        "Missing action for condition key",
        "error-missing-action-for-condition-key",
    ),
    (
        "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
        Error,
        "Invalid federated principal syntax in role trust policy",
        "error-invalid-federated-principal-syntax-in-role-trust-policy",
    ),
    (
        "MISMATCHED_ACTION_FOR_PRINCIPAL",
        Error,
        "Mismatched action for principal",
        "error-mismatched-action-for-principal",
    ),
    (
        "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
        Error,
        "Missing action for roles anywhere trust policy",
        "error-missing-action-for-roles-anywhere-trust-policy",
    ),
    (
        "CREATE_SLR_WITH_NOTRESOURCE",
        Warning,
        "Create SLR with NotResource",
        "general-warning-create-slr-with-not-resource",
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOTRESOURCE",
        Warning,
        "Create SLR with star in action and NotResource",
        "general-warning-create-slr-with-star-in-action-and-not-resource",
    ),
    (
        "CREATE_SLR_WITH_NOTACTION_AND_NOTRESOURCE",
        Warning,
        "Create SLR with NotAction and NotResource",
        "general-warning-create-slr-with-not-action-and-not-resource",
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_RESOURCE",
        Warning,
        "Create SLR with star in resource",
        "general-warning-create-slr-with-star-in-resource",
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
        Warning,
        "Create SLR with star in action and resource",
        "general-warning-create-slr-with-star-in-action-and-resource",
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOTACTION",
        Warning,
        "Create SLR with star in resource and NotAction",
        "general-warning-create-slr-with-star-in-resource-and-not-action",
    ),
    (
        "DEPRECATED_GLOBAL_CONDITION_KEY",
        Warning,
        "Deprecated global condition key",
        "general-warning-deprecated-global-condition-key",
    ),
    (
        "INVALID_DATE_VALUE",
        Warning,
        "Invalid date value",
        "general-warning-invalid-date-value",
    ),
    (
        "INVALID_ROLE_REFERENCE",
        Warning,
        "Invalid role reference",
        "general-warning-invalid-role-reference",
    ),
    (
        "INVALID_USER_REFERENCE",
        Warning,
        "Invalid user reference",
        "general-warning-invalid-user-reference",
    ),
    (
        "MISSING_VERSION",
        Warning,
        "Missing version",
        "general-warning-missing-version",
    ),
    (
        "UNIQUE_SIDS_RECOMMENDED",
        Warning,
        "Unique Sids recommended",
        "general-warning-unique-sids-recommended",
    ),
    (
        "WILDCARD_WITHOUT_LIKE_OPERATOR",
        Warning,
        "Wildcard without like operator",
        "general-warning-wildcard-without-like-operator",
    ),
    (
        "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
        Warning,
        "Policy size exceeds identity policy quota",
        "general-warning-policy-size-exceeds-identity-policy-quota",
    ),
    (
        "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA",
        Warning,
        "Policy size exceeds resource policy quota",
        "general-warning-policy-size-exceeds-resource-policy-quota",
    ),
    (
        "TYPE_MISMATCH",
        Warning,
        "Type mismatch",
        "general-warning-type-mismatch",
    ),
    (
        "TYPE_MISMATCH_BOOLEAN",
        Warning,
        "Type mismatch Boolean",
        "general-warning-type-mismatch-boolean",
    ),
    (
        "TYPE_MISMATCH_DATE",
        Warning,
        "Type mismatch date",
        "general-warning-type-mismatch-date",
    ),
    (
        "TYPE_MISMATCH_IP_RANGE",
        Warning,
        "Type mismatch IP range",
        "general-warning-type-mismatch-ip-range",
    ),
    (
        "TYPE_MISMATCH_NUMBER",
        Warning,
        "Type mismatch number",
        "general-warning-type-mismatch-number",
    ),
    (
        "TYPE_MISMATCH_STRING",
        Warning,
        "Type mismatch string",
        "general-warning-type-mismatch-string",
    ),
    (
        "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
        Warning,
        "Specific github repo and branch recommended",
        "general-warning-specific-github-repo-and-branch-recommended",
    ),
    (
        "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
        Warning,
        "Policy size exceeds role trust policy quota",
        "general-warning-policy-size-exceeds-role-trust-policy-quota",
    ),
    (
        "ALLOW_WITH_NOTPRINCIPAL",
        SecurityWarning,
        "Allow with NotPrincipal",
        "security-warning-allow-with-not-principal",
    ),
    (
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
        SecurityWarning,
        "ForAllValues with single valued key",
        "security-warning-forallvalues-with-single-valued-key",
    ),
    (
        "PASS_ROLE_WITH_NOTRESOURCE",
        SecurityWarning,
        "Pass role with NotResource",
        "security-warning-pass-role-with-not-resource",
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOTRESOURCE",
        SecurityWarning,
        "Pass role with star in action and NotResource",
        "security-warning-pass-role-with-star-in-action-and-not-resource",
    ),
    (
        "PASS_ROLE_WITH_NOTACTION_AND_NOTRESOURCE",
        SecurityWarning,
        "Pass role with NotAction and NotResource",
        "security-warning-pass-role-with-not-action-and-not-resource",
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        SecurityWarning,
        "Pass role with star in resource",
        "security-warning-pass-role-with-star-in-resource",
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        SecurityWarning,
        "Pass role with star in action and resource",
        "security-warning-pass-role-with-star-in-action-and-resource",
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOTACTION",
        SecurityWarning,
        "Pass role with star in resource and NotAction",
        "security-warning-pass-role-with-star-in-resource-and-not-action",
    ),
    (
        "MISSING_PAIRED_CONDITION_KEYS",
        SecurityWarning,
        "Missing paired condition keys",
        "security-warning-missing-paired-condition-keys",
    ),
    (
        "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        SecurityWarning,
        "Deny with unsupported tag condition key for service",
        "security-warning-deny-with-unsupported-tag-condition-key-for-service",
    ),
    (
        "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        SecurityWarning,
        "Deny NotAction with unsupported tag condition key for service",
        "security-warning-deny-notaction-with-unsupported-tag-condition-key-for-service",
    ),
    (
        "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
        SecurityWarning,
        "Restrict access to service principal",
        "security-warning-restrict-access-to-service-principal",
    ),
    (
        "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
        SecurityWarning,
        "Missing condition key for oidc principal",
        "security-warning-missing-condition-key-for-oidc-principal",
    ),
    (
        "MISSING_GITHUB_REPO_CONDITION_KEY",
        SecurityWarning,
        "Missing github repo condition key",
        "security-warning-missing-github-repo-condition-key",
    ),
    (
        "EMPTY_ARRAY_ACTION",
        Suggestion,
        "Empty array action",
        "suggestion-empty-array-action",
    ),
    (
        "EMPTY_ARRAY_CONDITION",
        Suggestion,
        "Empty array condition",
        "suggestion-empty-array-condition",
    ),
    (
        "EMPTY_ARRAY_CONDITION_FORALLVALUES",
        Suggestion,
        "Empty array condition ForAllValues",
        "suggestion-empty-array-condition-forallvalues",
    ),
    (
        "EMPTY_ARRAY_CONDITION_FORANYVALUE",
        Suggestion,
        "Empty array condition ForAnyValue",
        "suggestion-empty-array-condition-foranyvalue",
    ),
    (
        "EMPTY_ARRAY_CONDITION_IFEXISTS",
        Suggestion,
        "Empty array condition IfExists",
        "suggestion-empty-array-condition-ifexists",
    ),
    (
        "EMPTY_ARRAY_PRINCIPAL",
        Suggestion,
        "Empty array principal",
        "suggestion-empty-array-principal",
    ),
    (
        "EMPTY_ARRAY_RESOURCE",
        Suggestion,
        "Empty array resource",
        "suggestion-empty-array-resource",
    ),
    (
        "EMPTY_OBJECT_CONDITION",
        Suggestion,
        "Empty object condition",
        "suggestion-empty-object-condition",
    ),
    (
        "EMPTY_OBJECT_PRINCIPAL",
        Suggestion,
        "Empty object principal",
        "suggestion-empty-object-principal",
    ),
    (
        "EMPTY_SID_VALUE",
        Suggestion,
        "Empty Sid value",
        "suggestion-empty-sid-value",
    ),
    (
        "IMPROVE_IP_RANGE",
        Suggestion,
        "Improve IP range",
        "suggestion-improve-ip-range",
    ),
    (
        "NULL_WITH_QUALIFIER",
        Suggestion,
        "Null with qualifier",
        "suggestion-null-with-qualifier",
    ),
    (
        "PRIVATE_IP_ADDRESS_SUBSET",
        Suggestion,
        "Private IP address subset",
        "suggestion-private-ip-address-subset",
    ),
    (
        "PRIVATE_NOTIPADDRESS_SUBSET",
        Suggestion,
        "Private NotIpAddress subset",
        "suggestion-private-not-ip-address-subset",
    ),
    (
        "REDUNDANT_ACTION",
        Suggestion,
        "Redundant action",
        "suggestion-redundant-action",
    ),
    (
        "REDUNDANT_CONDITION_VALUE_NUM",
        Suggestion,
        "Redundant condition value num",
        "suggestion-redundant-condition-value-num",
    ),
    (
        "REDUNDANT_RESOURCE",
        Suggestion,
        "Redundant resource",
        "suggestion-redundant-resource",
    ),
    (
        "REDUNDANT_STATEMENT",
        Suggestion,
        "Redundant statement",
        "suggestion-redundant-statement",
    ),
    (
        "WILDCARD_IN_SERVICE_NAME",
        Suggestion,
        "Wildcard in service name",
        "suggestion-wildcard-in-service-name",
    ),
    (
        "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        Suggestion,
        "Allow with unsupported tag condition key for service",
        "suggestion-allow-with-unsupported-tag-condition-key-for-service",
    ),
    (
        "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        Suggestion,
        "Allow NotAction with unsupported tag condition key for service",
        "suggestion-allow-notaction-with-unsupported-tag-condition-key-for-service",
    ),
    (
        "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
        Suggestion,
        "Recommended condition key for service principal",
        "suggestion-recommended-condition-key-for-service-principal",
    ),
    (
        "IRRELEVANT_CONDITION_KEY_IN_POLICY",
        Suggestion,
        "Irrelevant condition key in policy",
        "suggestion-irrelevant-condition-key-in-policy",
    ),
    (
        "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
        Suggestion,
        "Redundant principal in role trust policy",
        "suggestion-redundant-principal-in-role-trust-policy",
    ),
    (
        "CONFIRM_AUDIENCE_CLAIM_TYPE",
        Suggestion,
        "Confirm audience claim type",
        "suggestion-confirm-audience-claim-type",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_not_covered_entry_names_a_check_and_codes_are_unique() {
        for (id, _) in NOT_COVERED {
            assert!(TABLE.iter().any(|r| r.0 == *id), "{id}");
        }
        let mut ids: Vec<&str> = TABLE.iter().map(|r| r.0).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), TABLE.len());
    }
}

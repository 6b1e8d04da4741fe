//! S3 bucket ACLs: a grant to the AllUsers or AuthenticatedUsers group makes the bucket
//! public. "Blocking public access to your Amazon S3 storage", The meaning of "public":
//! "Amazon S3 considers a bucket or object ACL public if it grants any permissions to
//! members of the predefined AllUsers or AuthenticatedUsers groups"; and IgnorePublicAcls
//! "causes Amazon S3 to ignore all public ACLs on a bucket and any objects that it
//! contains".

use std::collections::BTreeSet;

use serde::Deserialize;

use super::verdict::{Analysis, BlockPublicAccess, Finding, Status, Verdict};

/// The predefined groups that make an ACL public ("Access control list (ACL) overview",
/// Amazon S3 predefined groups), with their short names.
pub const PUBLIC_GROUPS: &[(&str, &str)] = &[
    (
        "http://acs.amazonaws.com/groups/global/AllUsers",
        "AllUsers",
    ),
    (
        "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
        "AuthenticatedUsers",
    ),
];

/// What a bucket ACL permission lets the grantee do, as actions ("Access control list
/// (ACL) overview", Mapping of ACL permissions and access policy permissions, when
/// granted on a bucket). FULL_CONTROL is all four.
pub const PERMISSIONS: &[(&str, &[&str])] = &[
    (
        "READ",
        &[
            "s3:ListBucket",
            "s3:ListBucketMultipartUploads",
            "s3:ListBucketVersions",
        ],
    ),
    ("WRITE", &["s3:DeleteObject", "s3:PutObject"]),
    ("READ_ACP", &["s3:GetBucketAcl"]),
    ("WRITE_ACP", &["s3:PutBucketAcl"]),
];

/// One grant of a bucket ACL (GetBucketAcl's `Grants`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Grant {
    /// Who.
    pub grantee: Grantee,
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP` or `FULL_CONTROL`.
    pub permission: String,
}

/// A grantee; only a group's `URI` matters here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Grantee {
    /// `Group`, `CanonicalUser` or `AmazonCustomerByEmail`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// A group's URI.
    #[serde(rename = "URI")]
    pub uri: Option<String>,
}

/// A bucket ACL as `aws s3api get-bucket-acl` prints it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Acl {
    /// The grants.
    pub grants: Vec<Grant>,
}

/// Why an ACL file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum AclError {
    /// Not the shape GetBucketAcl answers.
    #[error(
        "not a bucket ACL ({{\"Grants\": [{{\"Grantee\": {{\"Type\", \"URI\"}}, \"Permission\"}}]}}): {0}"
    )]
    Shape(#[from] serde_json::Error),
    /// A permission S3 does not define.
    #[error("unknown ACL permission {0:?}")]
    Permission(String),
}

/// Reads `aws s3api get-bucket-acl` output.
pub fn parse(text: &str) -> Result<Acl, AclError> {
    let acl: Acl = serde_json::from_str(text)?;
    for g in &acl.grants {
        if g.permission != "FULL_CONTROL" && !PERMISSIONS.iter().any(|(p, _)| *p == g.permission) {
            return Err(AclError::Permission(g.permission.clone()));
        }
    }
    Ok(acl)
}

/// Adds to `an` a public finding per public group the ACL grants to (blocked under
/// IgnorePublicAcls), and recomputes the verdict.
pub fn apply(an: &mut Analysis, grants: &[Grant], bpa: BlockPublicAccess) {
    for (uri, name) in PUBLIC_GROUPS {
        let mut actions = BTreeSet::new();
        for g in grants
            .iter()
            .filter(|g| g.grantee.uri.as_deref() == Some(uri))
        {
            for (p, acts) in PERMISSIONS {
                if g.permission == "FULL_CONTROL" || g.permission == *p {
                    actions.extend(acts.iter().map(|a| a.to_string()));
                }
            }
        }
        if actions.is_empty() {
            continue;
        }
        an.findings.push(Finding {
            principal: (*name).to_string(),
            kind: "Group",
            via_service: None,
            public: true,
            actions: actions.into_iter().collect(),
            statements: Vec::new(),
            conditions: vec![format!("bucket ACL grant to {uri}")],
            status: if bpa.ignore_public_acls {
                Status::Blocked
            } else {
                Status::Active
            },
        });
        if bpa.ignore_public_acls {
            an.notes.push(format!(
                "IgnorePublicAcls is on: S3 ignores the ACL grant to {name}"
            ));
        }
    }
    let counted = an.findings.iter().filter(|f| f.status != Status::Blocked);
    let public = counted.clone().any(|f| f.public);
    if public {
        an.verdict = Verdict::Public;
        if !an.external_principals.iter().any(|p| p == "*") {
            an.external_principals.insert(0, "*".to_string());
        }
    } else if an.verdict == Verdict::Internal && counted.count() > 0 {
        an.verdict = Verdict::External;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_permission_and_bad_shape_are_errors() {
        assert!(matches!(
            parse(r#"{"Grants":[{"Grantee":{"Type":"Group"},"Permission":"ALL"}]}"#),
            Err(AclError::Permission(_))
        ));
        assert!(matches!(parse(r#"{"Grants":3}"#), Err(AclError::Shape(_))));
        let acl = parse(r#"{"Owner":{"ID":"x"},"Grants":[{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"FULL_CONTROL"}]}"#).unwrap();
        assert_eq!(acl.grants.len(), 1);
    }
}

//! `audit external`: which resources a principal outside the zone of trust (accounts
//! and organizations) can reach through their resource-based policies, as IAM Access
//! Analyzer's external access analyzer answers it, offline and from the same evaluator
//! as `simulate`.
//!
//! - [`types`]: the resource types (Access Analyzer's names, short forms, ARNs).
//! - the condition keys an outsider cannot influence are [`crate::iam::bounds`], the
//!   documentation for each.
//! - [`principals`]: the zone of trust and the outsiders a policy names.
//! - [`verdict`]: the evaluation: `public`, `external` or `internal`, with findings.
//! - [`archive`]: archive rules (`--ignore`).
//! - [`acl`]: S3 bucket ACLs granting to AllUsers / AuthenticatedUsers.
//! - [`live`]: listing the resources of an account with their policies.

pub mod acl;
pub mod archive;
pub mod live;
pub mod principals;
pub mod types;
pub mod verdict;

pub use principals::Zone;
pub use types::ResourceType;
pub use verdict::{
    Analysis, BlockPublicAccess, Finding, KnownKey, Status, Target, Verdict, analyze,
};

use crate::iam::policy::{Document, DocumentKind, PolicyError};

/// Why a policy cannot be judged.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Not a policy document.
    #[error("not a policy document")]
    Policy(#[from] PolicyError),
    /// Nothing says what the policy is attached to.
    #[error(
        "cannot tell the resource type (no Resource ARN or action of a known type): give --resource-type"
    )]
    UnknownType,
    /// A list of documents where one was expected.
    #[error("holds {0} policy documents; a resource has one policy")]
    NotOne(usize),
    /// No statement names a principal: an identity policy, which lets no one in from
    /// outside (judging it "internal" would look like a verdict on a resource).
    #[error(
        "no statement names a Principal or NotPrincipal: this is not a resource-based or trust policy (an identity policy opens nothing to outsiders)"
    )]
    NoPrincipal,
}

/// A policy read for judging: the document, its type, and what reading it passed over.
#[derive(Debug)]
pub struct Read {
    /// The document.
    pub document: Document,
    /// Its resource type.
    pub rtype: &'static ResourceType,
    /// Elements IAM would not accept but whose meaning is plain, read past (an element
    /// IAM does not know is ignored, a one-ARN `Principal` string read as `{"AWS": …}`).
    pub read_past: Vec<String>,
}

/// Reads a resource policy's text as a document of `rtype` (or of the type its ARNs or
/// actions show). One document per policy.
pub fn read_policy(text: &str, rtype: Option<&'static ResourceType>) -> Result<Read, InputError> {
    let kind = rtype.map_or(DocumentKind::Resource, |t| t.document);
    let (mut docs, relaxed) = Document::list_from_text_lenient(text, kind)?;
    if docs.len() != 1 {
        return Err(InputError::NotOne(docs.len()));
    }
    let document = docs.remove(0);
    // (No statement at all is a resource without a policy: nothing to refuse.)
    if !document.statements.is_empty()
        && !document
            .statements
            .iter()
            .any(|s| s.principal.is_some() || s.not_principal.is_some())
    {
        return Err(InputError::NoPrincipal);
    }
    let t = match rtype {
        Some(t) => t,
        None => {
            let resources: Vec<&str> = document
                .statements
                .iter()
                .flat_map(|s| {
                    s.resource
                        .iter()
                        .flat_map(|r| r.0.iter().map(String::as_str))
                })
                .collect();
            let actions: Vec<&str> = document
                .statements
                .iter()
                .flat_map(|s| s.action.iter().flat_map(|a| a.0.iter().map(String::as_str)))
                .collect();
            types::infer(&resources, &actions).ok_or(InputError::UnknownType)?
        }
    };
    Ok(Read {
        document,
        rtype: t,
        read_past: relaxed.iter().map(ToString::to_string).collect(),
    })
}

/// The resource's ARN: the first `Resource` of the policy that names one of its type
/// without wildcards (the bucket of an object pattern), else a placeholder in the
/// owner's account.
pub fn resource_arn(doc: &Document, t: &ResourceType, owner: &str, region: &str) -> String {
    let s3 = t.name == "AWS::S3::Bucket";
    doc.statements
        .iter()
        .flat_map(|s| s.resource.iter().flat_map(|r| r.0.iter()))
        .filter(|r| t.matches_arn(r))
        .map(|r| match r.split_once(":::") {
            // arn:aws:s3:::bucket/key* → arn:aws:s3:::bucket
            Some((head, rest)) if s3 => {
                format!("{head}:::{}", rest.split('/').next().unwrap_or(rest))
            }
            _ => r.clone(),
        })
        .find(|r| !r.contains(['*', '?']))
        .unwrap_or_else(|| t.placeholder_arn(owner, region))
}

//! The IAM policy document: a typed tree read from JSON (with element paths and line and
//! column in its errors) and written back as the canonical JSON iamtrail emits. The
//! Terraform and CloudFormation writers of the synthesis layer read the same tree.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Deserializer, Serialize};

pub(crate) mod json;
pub mod operator;
mod parse;
pub mod values;

pub use json::Position;
pub use operator::{Family, Operator, OperatorBase, SetQualifier};
pub use parse::PolicyError;

/// A list that IAM lets you write as one string or an array of strings. Written back as
/// a string when it has one element (smaller policies; IAM size limits count it).
#[derive(Debug, Clone, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct OneOrMany(pub Vec<String>);

impl Serialize for OneOrMany {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => s.serialize_str(one),
            many => many.serialize(s),
        }
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// Allow.
    Allow,
    /// Deny.
    Deny,
}

/// The kinds of principal a resource policy names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKind {
    /// `AWS`: accounts, users, roles, sessions.
    Aws,
    /// `CanonicalUser`: S3 canonical user ids.
    CanonicalUser,
    /// `Federated`: identity providers.
    Federated,
    /// `Service`: service principals (`lambda.amazonaws.com`).
    Service,
}

impl PrincipalKind {
    /// Every kind, in the order they are written.
    pub const ALL: [PrincipalKind; 4] = [
        PrincipalKind::Aws,
        PrincipalKind::CanonicalUser,
        PrincipalKind::Federated,
        PrincipalKind::Service,
    ];

    /// IAM's spelling.
    pub fn name(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::CanonicalUser => "CanonicalUser",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::Service => "Service",
        }
    }
}

/// `Principal` / `NotPrincipal` of a resource policy statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"*"`: everyone.
    Any,
    /// `{"AWS": …, "Service": …}`: principals by kind (written in [`PrincipalKind`] order).
    Named(BTreeMap<PrincipalKind, OneOrMany>),
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Any => s.serialize_str("*"),
            Principal::Named(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k.name(), v)?;
                }
                map.end()
            }
        }
    }
}

/// Condition keys (`aws:SourceIp`, as written) → the values to compare with.
pub type ConditionKeys = BTreeMap<String, OneOrMany>;

/// A statement's `Condition`: operator → keys → values. Every condition must hold.
pub type Conditions = BTreeMap<Operator, ConditionKeys>;

/// One statement. Reading checks what IAM checks: an `Effect`, exactly one of `Action` and
/// `NotAction`, exactly one of `Resource` and `NotResource` (identity policies), known
/// operators with values of their type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// Statement id.
    #[serde(rename = "Sid", skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Effect.
    #[serde(rename = "Effect")]
    pub effect: Effect,
    /// Principal (resource policies only).
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    /// NotPrincipal (resource policies only).
    #[serde(rename = "NotPrincipal", skip_serializing_if = "Option::is_none")]
    pub not_principal: Option<Principal>,
    /// Actions.
    #[serde(rename = "Action", skip_serializing_if = "Option::is_none")]
    pub action: Option<OneOrMany>,
    /// NotAction.
    #[serde(rename = "NotAction", skip_serializing_if = "Option::is_none")]
    pub not_action: Option<OneOrMany>,
    /// Resources.
    #[serde(rename = "Resource", skip_serializing_if = "Option::is_none")]
    pub resource: Option<OneOrMany>,
    /// NotResource.
    #[serde(rename = "NotResource", skip_serializing_if = "Option::is_none")]
    pub not_resource: Option<OneOrMany>,
    /// Conditions.
    #[serde(rename = "Condition", skip_serializing_if = "Option::is_none")]
    pub condition: Option<Conditions>,
}

/// What a document is for, which decides what reading it requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DocumentKind {
    /// Identity policies, permissions boundaries, session policies, SCPs, RCPs and
    /// endpoint policies: every statement names its `Resource` (or `NotResource`).
    #[default]
    Identity,
    /// A resource-based policy: attached to the resource, so `Resource` may be left out.
    Resource,
    /// A role trust policy: `Resource` may be left out.
    Trust,
}

impl DocumentKind {
    /// Whether a statement may leave out both `Resource` and `NotResource` (it then
    /// applies to the resource the document is attached to).
    pub fn resource_optional(self) -> bool {
        matches!(self, DocumentKind::Resource | DocumentKind::Trust)
    }
}

/// A policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    /// Always `2012-10-17` in what iamtrail writes (policy variables and escapes need it).
    #[serde(rename = "Version")]
    pub version: String,
    /// Optional id.
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Statements (IAM also accepts a single object; written back as a list).
    #[serde(rename = "Statement")]
    pub statements: Vec<Statement>,
}

/// The policy language version iamtrail writes.
pub const VERSION: &str = "2012-10-17";

impl Document {
    /// A document with these statements.
    pub fn new(statements: Vec<Statement>) -> Self {
        Document {
            version: VERSION.into(),
            id: None,
            statements,
        }
    }

    /// Reads a policy document from a JSON value, saying which element is wrong and what
    /// IAM allows there when it is not one.
    pub fn from_json(v: &serde_json::Value) -> Result<Document, PolicyError> {
        Document::from_json_as(v, DocumentKind::Identity)
    }

    /// Reads a policy document from JSON text; errors also give the line and column.
    pub fn from_text(text: &str) -> Result<Document, PolicyError> {
        Document::from_text_as(text, DocumentKind::Identity)
    }

    /// [`Document::from_json`] for a document of `kind` (resource and trust policies
    /// may leave out `Resource`).
    pub fn from_json_as(
        v: &serde_json::Value,
        kind: DocumentKind,
    ) -> Result<Document, PolicyError> {
        parse::document(&json::Spanned::from_value(v), kind)
    }

    /// Reads JSON text that holds one document of `kind` or a list of them (an SCP level,
    /// `generate`'s output split in several documents); errors name the element (`[1].Statement[0].Effect`)
    /// with its line and column.
    pub fn list_from_text_as(text: &str, kind: DocumentKind) -> Result<Vec<Document>, PolicyError> {
        parse::documents(&parse::read(text)?, kind)
    }

    /// [`Document::list_from_text_as`], reading past what IAM would reject but whose
    /// meaning is plain: elements IAM does not know (`Description`, `Owner`, … kept by
    /// tools) are ignored and a `Principal` written as one ARN string is read as
    /// `{"AWS": ARN}`. The findings say what was read past, for a warning; anything else
    /// wrong (an unknown operator, a misspelt Effect) is still an error.
    pub fn list_from_text_lenient(
        text: &str,
        kind: DocumentKind,
    ) -> Result<(Vec<Document>, Vec<PolicyError>), PolicyError> {
        let mut tree = parse::read(text)?;
        let relaxed = parse::relax(&mut tree);
        Ok((parse::documents(&tree, kind)?, relaxed))
    }

    /// [`Document::from_text`] for a document of `kind`.
    pub fn from_text_as(text: &str, kind: DocumentKind) -> Result<Document, PolicyError> {
        parse::document(&parse::read(text)?, kind)
    }

    /// Compact JSON (what IAM stores).
    pub fn to_compact(&self) -> String {
        // Strings, maps with string keys and lists only: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Indented JSON, the form iamtrail prints.
    pub fn to_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Size as IAM counts it against its quotas: characters, whitespace not counted.
    pub fn iam_size(&self) -> usize {
        self.to_compact()
            .chars()
            .filter(|c| !c.is_whitespace())
            .count()
    }
}

/// Reading through serde checks the document as [`Document::from_json`] does.
impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Document::from_json(&v).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;

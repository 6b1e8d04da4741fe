//! The IAM policy document model: parses any identity policy (for `refine` and the
//! evaluator) and writes the canonical form iamtrail emits.

use std::collections::BTreeMap;

use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

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

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Condition values may be booleans or numbers; IAM compares them as strings.
        fn scalar<E: de::Error>(v: serde_json::Value) -> Result<String, E> {
            match v {
                serde_json::Value::String(s) => Ok(s),
                serde_json::Value::Bool(b) => Ok(b.to_string()),
                serde_json::Value::Number(n) => Ok(n.to_string()),
                other => Err(E::custom(format!("expected a string, found {other}"))),
            }
        }
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(scalar)
                .collect::<Result<_, _>>()
                .map(OneOrMany),
            v => Ok(OneOrMany(vec![scalar(v)?])),
        }
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// Allow.
    Allow,
    /// Deny.
    Deny,
}

/// A condition block: operator → key → values.
pub type ConditionBlock = BTreeMap<String, BTreeMap<String, OneOrMany>>;

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Statement id.
    #[serde(rename = "Sid", skip_serializing_if = "Option::is_none", default)]
    pub sid: Option<String>,
    /// Effect.
    #[serde(rename = "Effect")]
    pub effect: Effect,
    /// Principal (resource policies only), kept as written.
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none", default)]
    pub principal: Option<serde_json::Value>,
    /// NotPrincipal (resource policies only), kept as written.
    #[serde(
        rename = "NotPrincipal",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub not_principal: Option<serde_json::Value>,
    /// Actions.
    #[serde(rename = "Action", skip_serializing_if = "Option::is_none", default)]
    pub action: Option<OneOrMany>,
    /// NotAction.
    #[serde(rename = "NotAction", skip_serializing_if = "Option::is_none", default)]
    pub not_action: Option<OneOrMany>,
    /// Resources.
    #[serde(rename = "Resource", skip_serializing_if = "Option::is_none", default)]
    pub resource: Option<OneOrMany>,
    /// NotResource.
    #[serde(
        rename = "NotResource",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub not_resource: Option<OneOrMany>,
    /// Conditions.
    #[serde(rename = "Condition", skip_serializing_if = "Option::is_none", default)]
    pub condition: Option<ConditionBlock>,
}

/// A policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocument {
    /// Always `2012-10-17` in what iamtrail writes (policy variables and escapes need it).
    #[serde(rename = "Version")]
    pub version: String,
    /// Optional id.
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
    /// Statements (IAM also accepts a single object).
    #[serde(rename = "Statement", deserialize_with = "one_or_many_statements")]
    pub statement: Vec<Statement>,
}

fn one_or_many_statements<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Statement>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Many(Vec<Statement>),
        One(Box<Statement>),
    }
    Ok(match Either::deserialize(d)? {
        Either::Many(v) => v,
        Either::One(s) => vec![*s],
    })
}

/// The policy language version iamtrail writes.
pub const VERSION: &str = "2012-10-17";

impl PolicyDocument {
    /// An empty document.
    pub fn new(statement: Vec<Statement>) -> Self {
        PolicyDocument {
            version: VERSION.into(),
            id: None,
            statement,
        }
    }

    /// Compact JSON (what IAM stores).
    pub fn to_compact(&self) -> String {
        serde_json::to_string(self).expect("policy serializes")
    }

    /// Indented JSON, the form iamtrail prints.
    pub fn to_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("policy serializes")
    }

    /// Size as IAM counts it against its quotas: characters, whitespace not counted.
    pub fn iam_size(&self) -> usize {
        self.to_compact()
            .chars()
            .filter(|c| !c.is_whitespace())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms_and_writes_canonically() {
        let doc: PolicyDocument = serde_json::from_str(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":["a","b"],"Condition":{"Bool":{"aws:SecureTransport":true}}}}"#,
        )
        .unwrap();
        assert_eq!(doc.statement.len(), 1);
        assert_eq!(
            doc.statement[0].condition.as_ref().unwrap()["Bool"]["aws:SecureTransport"].0,
            ["true"]
        );
        assert_eq!(
            doc.to_compact(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["a","b"],"Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#
        );
        assert_eq!(doc.iam_size(), doc.to_compact().len());
        assert!(
            serde_json::from_str::<PolicyDocument>(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe"}]}"#
            )
            .is_err()
        );
    }
}

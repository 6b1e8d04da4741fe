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

/// Why a JSON value is not an IAM policy document: where, and what IAM accepts there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct PolicyError {
    /// The element, as a path (`Statement[1].Effect`).
    pub path: String,
    /// What is wrong and what is allowed.
    pub problem: String,
}

/// The elements a statement may have.
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn kind(v: &serde_json::Value) -> String {
    use serde_json::Value::*;
    match v {
        Null => "null".into(),
        Bool(b) => b.to_string(),
        Number(n) => format!("the number {n}"),
        String(s) => format!("{s:?}"),
        Array(_) => "a list".into(),
        Object(_) => "an object".into(),
    }
}

/// The known name closest to `got` (same letters ignoring case, or one edit away).
fn did_you_mean<'a>(got: &str, known: &[&'a str]) -> Option<&'a str> {
    let near = |a: &str, b: &str| {
        let (a, b): (Vec<char>, Vec<char>) = (
            a.to_lowercase().chars().collect(),
            b.to_lowercase().chars().collect(),
        );
        // Levenshtein distance, small inputs.
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let sub = prev[j] + usize::from(ca != cb);
                cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()] <= 2
    };
    known.iter().copied().find(|k| near(got, k))
}

fn err(path: impl Into<String>, problem: impl Into<String>) -> PolicyError {
    PolicyError {
        path: path.into(),
        problem: problem.into(),
    }
}

/// `Action`, `Resource` and the like: a string or a list of strings.
fn check_strings(path: &str, v: &serde_json::Value) -> Result<(), PolicyError> {
    let bad = |what: &serde_json::Value| {
        err(
            path,
            format!("is {}: must be a string or a list of strings", kind(what)),
        )
    };
    match v {
        serde_json::Value::String(_) => Ok(()),
        serde_json::Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                if !x.is_string() {
                    return Err(err(
                        format!("{path}[{i}]"),
                        format!("is {}: must be a string", kind(x)),
                    ));
                }
            }
            Ok(())
        }
        other => Err(bad(other)),
    }
}

fn check_condition(path: &str, v: &serde_json::Value) -> Result<(), PolicyError> {
    let must = "must be an object of operators (StringEquals, ArnLike, …), each an object of condition keys and their values";
    let ops = v
        .as_object()
        .ok_or_else(|| err(path, format!("is {}: {must}", kind(v))))?;
    for (op, keys) in ops {
        let at = format!("{path}.{op}");
        let keys = keys
            .as_object()
            .ok_or_else(|| err(&at, format!("is {}: {must}", kind(keys))))?;
        for (k, values) in keys {
            let at = format!("{at}.{k:?}");
            let scalar = |x: &serde_json::Value| x.is_string() || x.is_boolean() || x.is_number();
            let ok = scalar(values) || values.as_array().is_some_and(|a| a.iter().all(scalar));
            if !ok {
                return Err(err(
                    at,
                    format!(
                        "is {}: must be a string, number or boolean, or a list of them",
                        kind(values)
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn check_statement(path: &str, v: &serde_json::Value) -> Result<(), PolicyError> {
    let st = v.as_object().ok_or_else(|| {
        err(
            path,
            format!("is {}: a statement must be an object", kind(v)),
        )
    })?;
    for k in st.keys() {
        if !STATEMENT_KEYS.contains(&k.as_str()) {
            let hint = did_you_mean(k, STATEMENT_KEYS)
                .map(|m| format!(" (did you mean {m:?}?)"))
                .unwrap_or_default();
            return Err(err(
                format!("{path}.{k}"),
                format!(
                    "is not a statement element{hint}: a statement has {}",
                    STATEMENT_KEYS.join(", ")
                ),
            ));
        }
    }
    match st.get("Effect") {
        None => {
            return Err(err(
                path,
                "has no Effect: add \"Effect\": \"Allow\" (or \"Deny\")",
            ));
        }
        Some(serde_json::Value::String(e)) if e == "Allow" || e == "Deny" => {}
        Some(e) => {
            let hint = e
                .as_str()
                .and_then(|e| did_you_mean(e, &["Allow", "Deny"]))
                .map(|m| format!(" (did you mean {m:?}?)"))
                .unwrap_or_default();
            return Err(err(
                format!("{path}.Effect"),
                format!("is {}: must be \"Allow\" or \"Deny\"{hint}", kind(e)),
            ));
        }
    }
    if let Some(sid) = st.get("Sid")
        && !sid.is_string()
    {
        return Err(err(
            format!("{path}.Sid"),
            format!("is {}: must be a string", kind(sid)),
        ));
    }
    for (a, b) in [("Action", "NotAction"), ("Resource", "NotResource")] {
        match (st.get(a), st.get(b)) {
            (Some(_), Some(_)) => {
                return Err(err(path, format!("has both {a} and {b}: keep one")));
            }
            (None, None) => {
                return Err(err(
                    path,
                    format!("has no {a}: add {a} (or {b}), a string or a list of strings"),
                ));
            }
            (Some(v), None) => check_strings(&format!("{path}.{a}"), v)?,
            (None, Some(v)) => check_strings(&format!("{path}.{b}"), v)?,
        }
    }
    if let Some(c) = st.get("Condition") {
        check_condition(&format!("{path}.Condition"), c)?;
    }
    Ok(())
}

impl PolicyDocument {
    /// Reads a policy document from JSON, saying which element is wrong and what IAM
    /// allows there when it is not one (rather than a deserializer's message).
    pub fn from_json(v: &serde_json::Value) -> Result<PolicyDocument, PolicyError> {
        let doc = v.as_object().ok_or_else(|| {
            err(
                "the document",
                format!(
                    "is {}: a policy document is an object with Version and Statement",
                    kind(v)
                ),
            )
        })?;
        for k in doc.keys() {
            if !["Version", "Id", "Statement"].contains(&k.as_str()) {
                let hint = did_you_mean(k, &["Version", "Id", "Statement"])
                    .map(|m| format!(" (did you mean {m:?}?)"))
                    .unwrap_or_default();
                return Err(err(
                    k.as_str(),
                    format!(
                        "is not a policy element{hint}: a policy document has Version, Id and Statement"
                    ),
                ));
            }
        }
        match doc.get("Version") {
            Some(serde_json::Value::String(s)) if s == VERSION || s == "2008-10-17" => {}
            None => {
                return Err(err(
                    "the document",
                    format!("has no Version: add \"Version\": \"{VERSION}\""),
                ));
            }
            Some(other) => {
                return Err(err(
                    "Version",
                    format!(
                        "is {}: must be \"{VERSION}\" (or the older \"2008-10-17\")",
                        kind(other)
                    ),
                ));
            }
        }
        if let Some(id) = doc.get("Id")
            && !id.is_string()
        {
            return Err(err("Id", format!("is {}: must be a string", kind(id))));
        }
        match doc.get("Statement") {
            None => {
                return Err(err(
                    "the document",
                    "has no Statement: add \"Statement\": [ … ], a list of statements",
                ));
            }
            Some(serde_json::Value::Array(items)) => {
                for (i, st) in items.iter().enumerate() {
                    check_statement(&format!("Statement[{i}]"), st)?;
                }
            }
            Some(one @ serde_json::Value::Object(_)) => check_statement("Statement", one)?,
            Some(other) => {
                return Err(err(
                    "Statement",
                    format!(
                        "is {}: must be a list of statements (or one statement object)",
                        kind(other)
                    ),
                ));
            }
        }
        // Everything serde checks has been checked above, with better words.
        serde_json::from_value(v.clone()).map_err(|e| err("the document", e.to_string()))
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

    #[test]
    fn malformed_documents_name_the_element_and_the_fix() {
        let check = |text: &str| {
            PolicyDocument::from_json(&serde_json::from_str(text).unwrap())
                .unwrap_err()
                .to_string()
        };
        let ok = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        assert!(PolicyDocument::from_json(&serde_json::from_str(ok).unwrap()).is_ok());
        for (text, want) in [
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Action":"a","Resource":"*"}]}"#,
                r#"Statement[0].Effect: is "Alow": must be "Allow" or "Deny" (did you mean "Allow"?)"#,
            ),
            (r#"{"Version":"2012-10-17"}"#, "has no Statement"),
            (r#"[]"#, "is a list: a policy document is an object"),
            (r#"{"Statement":[]}"#, "has no Version"),
            (
                r#"{"Version":"2012-10-17","Statement":"x"}"#,
                "Statement: is \"x\": must be a list",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}"#,
                "Statement.Action: is the number 5: must be a string or a list of strings",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["a",{}],"Resource":"*"}]}"#,
                "Statement[0].Action[1]: is an object: must be a string",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
                "has no Action",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Actions":"a","Resource":"*"}]}"#,
                r#"Statement[0].Actions: is not a statement element (did you mean "Action"?)"#,
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a","Resource":"*","Condition":{"Bool":"x"}}]}"#,
                "Statement[0].Condition.Bool: is \"x\"",
            ),
            (
                r#"{"Version":"2012-10-18","Statement":[]}"#,
                "Version: is \"2012-10-18\"",
            ),
        ] {
            let e = check(text);
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}

//! Reading a policy document from a JSON tree: every element checked, every finding
//! naming its element (`Statement[1].Condition.StringEqulas`), what IAM accepts there,
//! and (for text) its line and column.

use std::collections::BTreeMap;
use std::fmt;

use super::json::{Json, Position, Spanned};
use super::operator::{Family, Operator, did_you_mean};
use super::{
    Conditions, Document, DocumentKind, Effect, OneOrMany, Principal, PrincipalKind, Statement,
    VERSION, values,
};

/// Why a JSON value is not an IAM policy document: where, and what IAM accepts there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    /// The element, as a path (`Statement[1].Effect`).
    pub path: String,
    /// What is wrong and what is allowed.
    pub problem: String,
    /// Where the element starts, when read from text.
    pub at: Option<Position>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)?;
        if let Some(at) = self.at {
            write!(f, " ({at})")?;
        }
        Ok(())
    }
}

type Result<T> = std::result::Result<T, PolicyError>;

fn err(path: impl Into<String>, v: &Spanned, problem: impl Into<String>) -> PolicyError {
    PolicyError {
        path: path.into(),
        problem: problem.into(),
        at: v.at,
    }
}

/// Text to a tree, a syntax error to a finding.
pub(super) fn read(text: &str) -> Result<Spanned> {
    super::json::read(text).map_err(|e| PolicyError {
        path: "the document".into(),
        problem: format!("is not valid JSON: {}", e.what),
        at: Some(e.at),
    })
}

fn kind(v: &Spanned) -> String {
    match &v.v {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => format!("the number {n}"),
        Json::String(s) => format!("{s:?}"),
        Json::Array(_) => "a list".into(),
        Json::Object(_) => "an object".into(),
    }
}

fn hint(got: &str, known: &[&str]) -> String {
    did_you_mean(got, known)
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

const DOCUMENT_KEYS: &[&str] = &["Version", "Id", "Statement"];

fn members(v: &Spanned) -> &[(String, Spanned)] {
    match &v.v {
        Json::Object(m) => m,
        _ => &[],
    }
}

/// `Action`, `Resource` and the like: a string or a list of strings.
fn strings(path: &str, v: &Spanned) -> Result<OneOrMany> {
    match &v.v {
        Json::String(s) => Ok(OneOrMany(vec![s.clone()])),
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| match &x.v {
                Json::String(s) => Ok(s.clone()),
                _ => Err(err(
                    format!("{path}[{i}]"),
                    x,
                    format!("is {}: must be a string", kind(x)),
                )),
            })
            .collect::<Result<_>>()
            .map(OneOrMany),
        _ => Err(err(
            path,
            v,
            format!("is {}: must be a string or a list of strings", kind(v)),
        )),
    }
}

fn principal(path: &str, v: &Spanned) -> Result<Principal> {
    let must = "must be \"*\" or an object of AWS, Service, Federated or CanonicalUser principals";
    match &v.v {
        Json::String(s) if s == "*" => Ok(Principal::Any),
        Json::Object(m) => {
            let names: Vec<&str> = PrincipalKind::ALL.iter().map(|k| k.name()).collect();
            let mut out = BTreeMap::new();
            for (k, x) in m {
                let at = format!("{path}.{k}");
                let kind = PrincipalKind::ALL
                    .into_iter()
                    .find(|p| p.name() == k)
                    .ok_or_else(|| {
                        err(
                            &at,
                            x,
                            format!("is not a principal type{}: {must}", hint(k, &names)),
                        )
                    })?;
                out.insert(kind, strings(&at, x)?);
            }
            Ok(Principal::Named(out))
        }
        _ => Err(err(path, v, format!("is {}: {must}", kind(v)))),
    }
}

/// A condition value: IAM compares booleans and numbers as their text.
fn scalar(x: &Spanned) -> Option<String> {
    match &x.v {
        Json::String(s) => Some(s.clone()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(n.clone()),
        _ => None,
    }
}

/// Whether a policy value can be compared by the operator's family: a value no request
/// could match would make a Deny silently never apply.
fn value_fits(family: Family, s: &str) -> std::result::Result<(), &'static str> {
    let ok = match family {
        Family::Numeric => values::number(s).is_some(),
        Family::Date => values::date(s).is_some(),
        Family::Bool | Family::Null => values::boolean(s).is_some(),
        Family::Ip => values::Cidr::parse(s).is_some(),
        Family::String | Family::Binary | Family::Arn => true,
    };
    if ok {
        return Ok(());
    }
    Err(match family {
        Family::Numeric => "is not a number",
        Family::Date => "is not a date (ISO 8601 such as 2026-01-31T12:00:00Z, or epoch seconds)",
        Family::Ip => "is not an IP address or CIDR range (203.0.113.0/24, 2001:db8::/32)",
        _ => "must be \"true\" or \"false\"",
    })
}

fn condition(path: &str, v: &Spanned) -> Result<Conditions> {
    let must = "must be an object of operators (StringEquals, ArnLike, …), each an object of condition keys and their values";
    let Json::Object(ops) = &v.v else {
        return Err(err(path, v, format!("is {}: {must}", kind(v))));
    };
    let mut out = Conditions::new();
    for (name, block_v) in ops {
        let at = format!("{path}.{name}");
        let Json::Object(keys) = &block_v.v else {
            return Err(err(&at, block_v, format!("is {}: {must}", kind(block_v))));
        };
        let op: Operator = name
            .parse()
            .map_err(|e: super::operator::OperatorError| err(&at, block_v, e.to_string()))?;
        let block = out.entry(op).or_default();
        for (k, values) in keys {
            let at = format!("{at}.{k:?}");
            let list = match &values.v {
                Json::Array(items) => items.iter().collect::<Vec<_>>(),
                _ => vec![values],
            };
            let mut got = Vec::with_capacity(list.len());
            for x in list {
                let Some(s) = scalar(x) else {
                    return Err(err(
                        &at,
                        values,
                        format!(
                            "is {}: must be a string, number or boolean, or a list of them",
                            kind(values)
                        ),
                    ));
                };
                if let Err(why) = value_fits(op.base.family(), &s) {
                    return Err(err(
                        &at,
                        x,
                        format!("{s:?} {why}: {op} compares {}", what(op)),
                    ));
                }
                got.push(s);
            }
            block.insert(k.clone(), OneOrMany(got));
        }
    }
    Ok(out)
}

fn what(op: Operator) -> &'static str {
    match op.base.family() {
        Family::Numeric => "numbers",
        Family::Date => "dates",
        Family::Ip => "IP addresses",
        Family::Null => "presence (true: absent, false: present)",
        _ => "booleans",
    }
}

fn statement(path: &str, v: &Spanned, kind_of: DocumentKind) -> Result<Statement> {
    let Json::Object(st) = &v.v else {
        return Err(err(
            path,
            v,
            format!("is {}: a statement must be an object", kind(v)),
        ));
    };
    for (k, x) in st {
        if !STATEMENT_KEYS.contains(&k.as_str()) {
            return Err(err(
                format!("{path}.{k}"),
                x,
                format!(
                    "is not a statement element{}: a statement has {}",
                    hint(k, STATEMENT_KEYS),
                    STATEMENT_KEYS.join(", ")
                ),
            ));
        }
    }
    let effect = match v.get("Effect") {
        None => {
            return Err(err(
                path,
                v,
                "has no Effect: add \"Effect\": \"Allow\" (or \"Deny\")",
            ));
        }
        Some(e) => match e.as_str() {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            _ => {
                let h = e
                    .as_str()
                    .map(|s| hint(s, &["Allow", "Deny"]))
                    .unwrap_or_default();
                return Err(err(
                    format!("{path}.Effect"),
                    e,
                    format!("is {}: must be \"Allow\" or \"Deny\"{h}", kind(e)),
                ));
            }
        },
    };
    let sid = match v.get("Sid") {
        None => None,
        Some(s) => Some(s.as_str().map(str::to_owned).ok_or_else(|| {
            err(
                format!("{path}.Sid"),
                s,
                format!("is {}: must be a string", kind(s)),
            )
        })?),
    };
    // Exactly one of each pair.
    let one_of = |a: &str, b: &str| -> Result<(Option<OneOrMany>, Option<OneOrMany>)> {
        Ok(match (v.get(a), v.get(b)) {
            (Some(_), Some(_)) => {
                return Err(err(path, v, format!("has both {a} and {b}: keep one")));
            }
            (None, None) => {
                return Err(err(
                    path,
                    v,
                    format!("has no {a}: add {a} (or {b}), a string or a list of strings"),
                ));
            }
            (Some(x), None) => (Some(strings(&format!("{path}.{a}"), x)?), None),
            (None, Some(x)) => (None, Some(strings(&format!("{path}.{b}"), x)?)),
        })
    };
    let (action, not_action) = one_of("Action", "NotAction")?;
    // Resource and trust policies may leave out Resource: they are attached to it.
    let (resource, not_resource) = if kind_of.resource_optional()
        && v.get("Resource").is_none()
        && v.get("NotResource").is_none()
    {
        (None, None)
    } else {
        one_of("Resource", "NotResource")?
    };
    if let (Some(_), Some(_)) = (v.get("Principal"), v.get("NotPrincipal")) {
        return Err(err(
            path,
            v,
            "has both Principal and NotPrincipal: keep one",
        ));
    }
    let principal_at = |k: &str| {
        v.get(k)
            .map(|x| principal(&format!("{path}.{k}"), x))
            .transpose()
    };
    Ok(Statement {
        sid,
        effect,
        principal: principal_at("Principal")?,
        not_principal: principal_at("NotPrincipal")?,
        action,
        not_action,
        resource,
        not_resource,
        condition: v
            .get("Condition")
            .map(|c| condition(&format!("{path}.Condition"), c))
            .transpose()?,
    })
}

/// The document a tree holds.
pub(super) fn document(v: &Spanned, kind_of: DocumentKind) -> Result<Document> {
    let Json::Object(_) = &v.v else {
        return Err(err(
            "the document",
            v,
            format!(
                "is {}: a policy document is an object with Version and Statement",
                kind(v)
            ),
        ));
    };
    for (k, x) in members(v) {
        if !DOCUMENT_KEYS.contains(&k.as_str()) {
            return Err(err(
                k.as_str(),
                x,
                format!(
                    "is not a policy element{}: a policy document has Version, Id and Statement",
                    hint(k, DOCUMENT_KEYS)
                ),
            ));
        }
    }
    let version = match v.get("Version") {
        None => {
            return Err(err(
                "the document",
                v,
                format!("has no Version: add \"Version\": \"{VERSION}\""),
            ));
        }
        Some(x) => match x.as_str() {
            Some(s) if s == VERSION || s == "2008-10-17" => s.to_string(),
            _ => {
                return Err(err(
                    "Version",
                    x,
                    format!(
                        "is {}: must be \"{VERSION}\" (or the older \"2008-10-17\")",
                        kind(x)
                    ),
                ));
            }
        },
    };
    let id = match v.get("Id") {
        None => None,
        Some(x) => Some(
            x.as_str()
                .map(str::to_owned)
                .ok_or_else(|| err("Id", x, format!("is {}: must be a string", kind(x))))?,
        ),
    };
    let statements = match v.get("Statement") {
        None => {
            return Err(err(
                "the document",
                v,
                "has no Statement: add \"Statement\": [ … ], a list of statements",
            ));
        }
        Some(Spanned {
            v: Json::Array(items),
            ..
        }) => items
            .iter()
            .enumerate()
            .map(|(i, st)| statement(&format!("Statement[{i}]"), st, kind_of))
            .collect::<Result<_>>()?,
        Some(
            one @ Spanned {
                v: Json::Object(_), ..
            },
        ) => vec![statement("Statement", one, kind_of)?],
        Some(other) => {
            return Err(err(
                "Statement",
                other,
                format!(
                    "is {}: must be a list of statements (or one statement object)",
                    kind(other)
                ),
            ));
        }
    };
    Ok(Document {
        version,
        id,
        statements,
    })
}

/// One document, or a list of documents (`[i]` prefixed to the paths of its errors).
pub(super) fn documents(v: &Spanned, kind_of: DocumentKind) -> Result<Vec<Document>> {
    let Json::Array(items) = &v.v else {
        return Ok(vec![document(v, kind_of)?]);
    };
    items
        .iter()
        .enumerate()
        .map(|(i, d)| {
            document(d, kind_of).map_err(|mut e| {
                e.path = if e.path == "the document" {
                    format!("[{i}]")
                } else {
                    format!("[{i}].{}", e.path)
                };
                e
            })
        })
        .collect()
}

/// Makes a tree of one document (or a list) readable by [`documents`] where the reading
/// is unambiguous though IAM would reject the text: elements IAM does not know
/// (`Description`, `Owner`, … that tools keep next to a policy) are dropped, and a
/// `Principal` / `NotPrincipal` written as one ARN string is read as `{"AWS": …}`. Each
/// change is returned as a finding, so a caller can warn.
pub(super) fn relax(v: &mut Spanned) -> Vec<PolicyError> {
    let mut found = Vec::new();
    match &mut v.v {
        Json::Array(items) => {
            for (i, d) in items.iter_mut().enumerate() {
                relax_document(&format!("[{i}]."), d, &mut found);
            }
        }
        _ => relax_document("", v, &mut found),
    }
    found
}

fn relax_document(prefix: &str, v: &mut Spanned, found: &mut Vec<PolicyError>) {
    let Json::Object(m) = &mut v.v else { return };
    drop_unknown(prefix, m, DOCUMENT_KEYS, "policy", found);
    for (k, st) in m.iter_mut() {
        if k != "Statement" {
            continue;
        }
        match &mut st.v {
            Json::Array(items) => {
                for (i, x) in items.iter_mut().enumerate() {
                    relax_statement(&format!("{prefix}Statement[{i}]"), x, found);
                }
            }
            Json::Object(_) => relax_statement(&format!("{prefix}Statement"), st, found),
            _ => {}
        }
    }
}

fn relax_statement(path: &str, v: &mut Spanned, found: &mut Vec<PolicyError>) {
    let Json::Object(m) = &mut v.v else { return };
    drop_unknown(&format!("{path}."), m, STATEMENT_KEYS, "statement", found);
    for (k, x) in m.iter_mut() {
        if k != "Principal" && k != "NotPrincipal" {
            continue;
        }
        if let Json::String(s) = &x.v
            && s != "*"
        {
            found.push(err(
                format!("{path}.{k}"),
                x,
                format!("is the string {s:?}, which IAM rejects (\"*\" is the only string form); read as {{\"AWS\": {s:?}}}"),
            ));
            let inner = Spanned {
                v: Json::String(s.clone()),
                at: x.at,
            };
            x.v = Json::Object(vec![("AWS".into(), inner)]);
        }
    }
}

fn drop_unknown(
    prefix: &str,
    m: &mut Vec<(String, Spanned)>,
    known: &[&str],
    what: &str,
    found: &mut Vec<PolicyError>,
) {
    m.retain(|(k, x)| {
        let keep = known.contains(&k.as_str());
        if !keep {
            found.push(err(
                format!("{prefix}{k}"),
                x,
                format!("is not a {what} element, which IAM rejects; ignored"),
            ));
        }
        keep
    });
}

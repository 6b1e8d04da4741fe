//! An ordered value tree that the Terraform, CloudFormation JSON and YAML writers share.
//!
//! Policies are written in the order IAM's documentation and `--format json` use
//! (`Version`, `Statement`; `Sid`, `Effect`, `Action`, `Resource`, `Condition`), not in
//! the alphabetical order a `serde_json::Value` map would give, so every format reads
//! the same way.

use crate::iam::policy::{Document, Effect, OneOrMany, Principal, Statement};

/// A JSON-like value whose maps keep their insertion order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A string.
    Str(String),
    /// A number, boolean or null, as its JSON text.
    Literal(String),
    /// An array.
    List(Vec<Node>),
    /// An object, in order.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// A string node.
    pub fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }

    /// Whether the node is written on one line (scalars and empty collections).
    pub fn is_inline(&self) -> bool {
        match self {
            Node::Str(_) | Node::Literal(_) => true,
            Node::List(v) => v.is_empty(),
            Node::Map(m) => m.is_empty(),
        }
    }

    /// From a JSON value (maps in the value's own order).
    pub fn from_json(v: &serde_json::Value) -> Node {
        match v {
            serde_json::Value::String(s) => Node::Str(s.clone()),
            serde_json::Value::Array(a) => Node::List(a.iter().map(Node::from_json).collect()),
            serde_json::Value::Object(o) => Node::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Node::from_json(v)))
                    .collect(),
            ),
            other => Node::Literal(other.to_string()),
        }
    }

    /// The policy document, in the order `--format json` writes it.
    pub fn from_document(d: &Document) -> Node {
        let mut m = vec![("Version".to_string(), Node::str(&d.version))];
        if let Some(id) = &d.id {
            m.push(("Id".into(), Node::str(id)));
        }
        m.push((
            "Statement".into(),
            Node::List(d.statements.iter().map(statement).collect()),
        ));
        Node::Map(m)
    }

    /// Pretty JSON in `serde_json::to_string_pretty`'s layout (two-space indent).
    pub fn to_json_pretty(&self) -> String {
        let mut out = String::new();
        json(self, 0, &mut out);
        out
    }
}

fn one_or_many(v: &OneOrMany) -> Node {
    match v.0.as_slice() {
        [one] => Node::str(one),
        many => Node::List(many.iter().map(Node::str).collect()),
    }
}

fn principal(p: &Principal) -> Node {
    match p {
        Principal::Any => Node::str("*"),
        Principal::Named(m) => Node::Map(
            m.iter()
                .map(|(k, v)| (k.name().to_string(), one_or_many(v)))
                .collect(),
        ),
    }
}

fn statement(s: &Statement) -> Node {
    let mut m: Vec<(String, Node)> = Vec::new();
    let mut put = |k: &str, n: Node| m.push((k.to_string(), n));
    if let Some(sid) = &s.sid {
        put("Sid", Node::str(sid));
    }
    put(
        "Effect",
        Node::str(match s.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }),
    );
    if let Some(p) = &s.principal {
        put("Principal", principal(p));
    }
    if let Some(p) = &s.not_principal {
        put("NotPrincipal", principal(p));
    }
    for (k, v) in [
        ("Action", &s.action),
        ("NotAction", &s.not_action),
        ("Resource", &s.resource),
        ("NotResource", &s.not_resource),
    ] {
        if let Some(v) = v {
            put(k, one_or_many(v));
        }
    }
    if let Some(c) = &s.condition {
        put(
            "Condition",
            Node::Map(
                c.iter()
                    .map(|(op, keys)| {
                        let keys = keys
                            .iter()
                            .map(|(k, v)| (k.clone(), one_or_many(v)))
                            .collect();
                        (op.to_string(), Node::Map(keys))
                    })
                    .collect(),
            ),
        );
    }
    Node::Map(m)
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

fn json(n: &Node, indent: usize, out: &mut String) {
    let pad = |k: usize| "  ".repeat(k);
    match n {
        Node::Str(s) => out.push_str(&json_str(s)),
        Node::Literal(l) => out.push_str(l),
        Node::List(v) if v.is_empty() => out.push_str("[]"),
        Node::Map(m) if m.is_empty() => out.push_str("{}"),
        Node::List(v) => {
            out.push_str("[\n");
            for (i, x) in v.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                json(x, indent + 1, out);
                out.push_str(if i + 1 < v.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        Node::Map(m) => {
            out.push_str("{\n");
            for (i, (k, x)) in m.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                out.push_str(&json_str(k));
                out.push_str(": ");
                json(x, indent + 1, out);
                out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_layout_matches_serde_pretty() {
        let doc: Document = serde_json::from_str(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/${*}\"\\é","Condition":{"StringEquals":{"iam:PassedToService":["a","b"]}}},{"Effect":"Deny","NotAction":"x","NotResource":[]}]}"#,
        )
        .unwrap();
        assert_eq!(Node::from_document(&doc).to_json_pretty(), doc.to_pretty());
        let empty = Document::new(vec![]);
        assert_eq!(
            Node::from_document(&empty).to_json_pretty(),
            empty.to_pretty()
        );
    }
}

//! Terraform (HCL) output: each document as a `jsonencode({...})` local and an
//! `aws_iam_policy` resource that uses it, laid out exactly as `terraform fmt` would.
//!
//! Every HCL string is a template: `${` and `%{` start interpolations and directives,
//! so a policy's own `${*}` escapes (and any literal `${`/`%{` in a name) are written
//! `$${` and `%%{`, which Terraform reads back as `${` and `%{`. `jsonencode` of an
//! object constructor, not a heredoc of JSON, keeps Terraform from reading anything in
//! the policy as an expression.

use crate::policy::tree::Node;

/// HCL's reserved words; as object keys they would be read as values or keywords.
const KEYWORDS: &[&str] = &[
    "true", "false", "null", "for", "in", "if", "endif", "endfor",
];

/// A quoted HCL string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An object key: bare when it is an identifier, quoted otherwise.
fn key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ident && !KEYWORDS.contains(&k) {
        k.to_string()
    } else {
        quote(k)
    }
}

/// Writes `n` as an HCL expression at nesting level `indent` (two spaces each).
pub fn value(n: &Node, indent: usize, out: &mut String) {
    let pad = |k: usize| "  ".repeat(k);
    match n {
        Node::Str(s) => out.push_str(&quote(s)),
        Node::Literal(l) => out.push_str(l),
        Node::List(v) if v.is_empty() => out.push_str("[]"),
        Node::Map(m) if m.is_empty() => out.push_str("{}"),
        Node::List(v) => {
            out.push_str("[\n");
            for x in v {
                out.push_str(&pad(indent + 1));
                value(x, indent + 1, out);
                out.push_str(",\n");
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        Node::Map(m) => {
            out.push_str("{\n");
            attributes(
                &m.iter().map(|(k, v)| (key(k), v)).collect::<Vec<_>>(),
                indent + 1,
                out,
            );
            out.push_str(&pad(indent));
            out.push('}');
        }
    }
}

/// `name = value` lines. `terraform fmt` aligns the `=` of consecutive one-line
/// attributes; an attribute whose value spans lines stands alone and ends the run.
pub fn attributes(items: &[(String, &Node)], indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    let mut i = 0;
    while i < items.len() {
        let run = items[i..]
            .iter()
            .take_while(|(_, v)| v.is_inline())
            .count()
            .max(1);
        let width = items[i..i + run]
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (k, v) in &items[i..i + run] {
            let gap = if v.is_inline() {
                width - k.chars().count()
            } else {
                0
            };
            out.push_str(&format!("{pad}{k}{} = ", " ".repeat(gap)));
            value(v, indent, out);
            out.push('\n');
        }
        i += run;
    }
}

/// One document's local and resource. `id` is a valid Terraform name.
pub fn document(id: &str, name: &str, description: &str, doc: &Node) -> String {
    let mut out = String::from("locals {\n");
    out.push_str(&format!("  {id}_document = jsonencode("));
    value(doc, 1, &mut out);
    out.push_str(")\n}\n\n");
    out.push_str(&format!("resource \"aws_iam_policy\" \"{id}\" {{\n"));
    let policy = format!("local.{id}_document");
    let rows = [
        ("name", quote(name)),
        ("description", quote(description)),
        ("policy", policy),
    ];
    for (k, v) in rows {
        out.push_str(&format!("  {k:<11} = {v}\n"));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_survive_hcl_templates() {
        assert_eq!(quote("a${*}b"), r#""a$${*}b""#);
        assert_eq!(quote("%{if}"), r#""%%{if}""#);
        assert_eq!(quote("$$"), r#""$$""#);
        assert_eq!(quote("\"\\\n\u{1}é"), r#""\"\\\n\u0001é""#);
        assert_eq!(key("Version"), "Version");
        assert_eq!(key("iam:PassedToService"), r#""iam:PassedToService""#);
        assert_eq!(key("for"), r#""for""#);
    }

    #[test]
    fn aligns_like_terraform_fmt() {
        let n = Node::Map(vec![
            ("Sid".into(), Node::str("A")),
            ("Effect".into(), Node::str("Allow")),
            (
                "Action".into(),
                Node::List(vec![Node::str("a"), Node::str("b")]),
            ),
            ("Resource".into(), Node::str("*")),
        ]);
        let mut out = String::new();
        value(&n, 0, &mut out);
        assert_eq!(
            out,
            "{\n  Sid    = \"A\"\n  Effect = \"Allow\"\n  Action = [\n    \"a\",\n    \"b\",\n  ]\n  Resource = \"*\"\n}"
        );
    }
}

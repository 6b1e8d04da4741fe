//! YAML output (block style) for CloudFormation templates.
//!
//! A string is written plain only when no YAML 1.1 or 1.2 reader can take it for
//! anything else (`2012-10-17` is a date and `yes` a boolean to YAML 1.1 readers such as
//! PyYAML); every other string is double-quoted, with the characters YAML does not
//! allow raw (controls, line separators, a BOM) escaped.

use crate::policy::tree::Node;

/// Words YAML 1.1 reads as booleans or null.
const RESERVED: &[&str] = &[
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
];

fn plain_ok(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ":/._*@+=,-".contains(c))
        && !s.ends_with(':')
        && !RESERVED.contains(&s.to_ascii_lowercase().as_str())
}

/// A YAML scalar for `s`: plain when unambiguous, else double-quoted.
pub fn scalar(s: &str) -> String {
    if plain_ok(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..
                if !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') =>
            {
                out.push(c)
            }
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn inline(n: &Node) -> String {
    match n {
        Node::Str(s) => scalar(s),
        Node::Literal(l) => l.clone(),
        Node::List(_) => "[]".into(),
        Node::Map(_) => "{}".into(),
    }
}

/// Writes a map's entries at `indent`; the first line gets `first` instead of the
/// indent (so a list item's map starts after its `- `).
fn map(m: &[(String, Node)], indent: usize, first: &str, out: &mut String) {
    let pad = " ".repeat(indent);
    for (i, (k, v)) in m.iter().enumerate() {
        out.push_str(if i == 0 { first } else { &pad });
        out.push_str(&scalar(k));
        out.push(':');
        if v.is_inline() {
            out.push(' ');
            out.push_str(&inline(v));
            out.push('\n');
        } else {
            out.push('\n');
            block(v, indent + 2, out);
        }
    }
}

/// Writes a non-empty collection in block style at `indent`.
fn block(n: &Node, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match n {
        Node::Map(m) => map(m, indent, &pad, out),
        Node::List(v) => {
            for x in v {
                match x {
                    Node::Map(m) if !m.is_empty() => {
                        map(m, indent + 2, &format!("{pad}- "), out);
                    }
                    Node::List(l) if !l.is_empty() => {
                        out.push_str(&format!("{pad}-\n"));
                        block(x, indent + 2, out);
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", inline(x))),
                }
            }
        }
        _ => {
            out.push_str(&pad);
            out.push_str(&inline(n));
            out.push('\n');
        }
    }
}

/// A YAML document for `n`.
pub fn document(n: &Node) -> String {
    let mut out = String::new();
    if n.is_inline() {
        out.push_str(&inline(n));
        out.push('\n');
    } else {
        block(n, 0, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_could_be_misread() {
        assert_eq!(scalar("Allow"), "Allow");
        assert_eq!(scalar("arn:aws:s3:::b/*"), "arn:aws:s3:::b/*");
        assert_eq!(scalar("2012-10-17"), "\"2012-10-17\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("a:"), "\"a:\"");
        assert_eq!(scalar("*"), "\"*\"");
        assert_eq!(scalar("${*} é"), "\"${*} é\"");
        assert_eq!(scalar("\u{85}\u{2028}\u{1}"), "\"\\u0085\\u2028\\u0001\"");
        let n = Node::Map(vec![(
            "A".into(),
            Node::List(vec![Node::Map(vec![
                ("B".into(), Node::str("x")),
                ("C".into(), Node::List(vec![])),
            ])]),
        )]);
        assert_eq!(document(&n), "A:\n  - B: x\n    C: []\n");
    }
}

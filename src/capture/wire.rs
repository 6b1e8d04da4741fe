//! Wire-format helpers for routing: form/query pairs, the query protocols' flattened
//! names (`Tags.member.1.Key`), a small XML reader for rest-xml bodies and error bodies,
//! and CloudTrail's parameter naming (first letter lower-cased at every depth, map keys
//! kept, secrets hidden).

use serde_json::{Map, Value};

use super::table::Operation;
use crate::percent::percent_decode;

/// What CloudTrail writes in place of a secret value.
pub const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// Member names whose values are secret in every service (ASCII case ignored), whatever
/// the model says; the same list as `derive_routes.py`'s SECRET_NAMES.
const SECRET_NAMES: &[&str] = &[
    "password",
    "newpassword",
    "oldpassword",
    "masteruserpassword",
    "adminpassword",
    "secretstring",
    "secretbinary",
    "secretaccesskey",
    "secretkey",
    "sessiontoken",
    "userdata",
    "privatekey",
    "privatekeypassphrase",
    "keymaterial",
    "encryptedkeymaterial",
    "plaintext",
    "ciphertextblob",
    "authtoken",
    "clientsecret",
    "sharedsecret",
    "ssecustomerkey",
    "copysourcessecustomerkey",
    "webidentitytoken",
    "samlassertion",
];

/// Query protocols count list elements from 1; an index past this is not a list index
/// (a hostile `Tags.member.999999999.Key` must not allocate a billion slots).
const MAX_INDEX: usize = 10_000;

/// Nesting deeper than this in an XML body or a query name is not read (no recursion
/// without a bound).
const MAX_DEPTH: usize = 64;

/// Whether the member `name` holds a secret: the operation's model says so, or the name is
/// a well-known secret.
pub fn is_secret(op: Option<&Operation>, name: &str) -> bool {
    op.is_some_and(|o| o.is_secret(name))
        || SECRET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// `RoleName` → `roleName`: CloudTrail's name for a request member.
pub fn lcfirst(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `a=1&b=x%20y` → pairs, percent-decoded (`+` is a space: form encoding).
pub fn pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// A JSON value as CloudTrail writes request parameters: object keys with their first
/// letter lower-cased at every depth, except the keys of map members (data, such as
/// DynamoDB attribute names or tag keys); secret members replaced by [`HIDDEN`].
pub fn cloudtrail_value(op: Option<&Operation>, holder: &str, v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let keep = op.is_some_and(|o| o.is_map(holder));
            let mut out = Map::new();
            for (k, val) in m {
                let val = if is_secret(op, &k) {
                    Value::String(HIDDEN.into())
                } else {
                    cloudtrail_value(op, &k, val)
                };
                out.insert(if keep { k } else { lcfirst(&k) }, val);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(
            a.into_iter()
                .map(|x| cloudtrail_value(op, holder, x))
                .collect(),
        ),
        other => other,
    }
}

/// Query-protocol parameters (`Tags.member.1.Key=env`) as nested JSON
/// (`tags: [{key: "env"}]`): `member` and `entry` steps are dropped, numbers index lists.
/// A value under any secret name on its path is hidden.
pub fn unflatten(op: Option<&Operation>, params: &[(String, String)]) -> Map<String, Value> {
    let mut root = Value::Object(Map::new());
    for (k, v) in params {
        let parts: Vec<&str> = k.split('.').filter(|p| !p.is_empty()).collect();
        // No real member path is this deep; a hostile one must not recurse without bound.
        if parts.is_empty() || parts.len() > MAX_DEPTH {
            continue;
        }
        let secret = parts.iter().any(|p| is_secret(op, p));
        let value = Value::String(if secret { HIDDEN.into() } else { v.clone() });
        put(&mut root, &parts, value);
    }
    match root {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn put(slot: &mut Value, parts: &[&str], value: Value) {
    let Some((first, rest)) = parts.split_first() else {
        *slot = value;
        return;
    };
    if matches!(*first, "member" | "entry") && !rest.is_empty() {
        return put(slot, rest, value);
    }
    match first.parse::<usize>() {
        Ok(n) if (1..=MAX_INDEX).contains(&n) => {
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            if let Value::Array(a) = slot {
                if a.len() < n {
                    a.resize(n, Value::Null);
                }
                put(&mut a[n - 1], rest, value);
            }
        }
        _ => {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(m) = slot {
                let child = m.entry(lcfirst(first)).or_insert(Value::Null);
                put(child, rest, value);
            }
        }
    }
}

/// Reads an XML document into its root element's name and value: an element with child
/// elements is an object (a repeated name becomes a list), one without is its text.
/// Attributes, declarations and comments are skipped. `None` if it is not XML.
pub fn xml(text: &str) -> Option<(String, Value)> {
    let mut r = XmlReader { s: text, at: 0 };
    r.skip_prolog();
    r.element(0)
}

struct XmlReader<'a> {
    s: &'a str,
    at: usize,
}

impl XmlReader<'_> {
    fn rest(&self) -> &str {
        &self.s[self.at..]
    }

    fn skip_ws(&mut self) {
        let t = self.rest();
        self.at += t.len() - t.trim_start().len();
    }

    /// Skips `<?…?>`, `<!…>` and whitespace before an element.
    fn skip_prolog(&mut self) {
        loop {
            self.skip_ws();
            let t = self.rest();
            let end = if t.starts_with("<?") {
                t.find("?>").map(|i| i + 2)
            } else if t.starts_with("<!--") {
                t.find("-->").map(|i| i + 3)
            } else if t.starts_with("<!") {
                t.find('>').map(|i| i + 1)
            } else {
                return;
            };
            match end {
                Some(e) => self.at += e,
                None => {
                    self.at = self.s.len();
                    return;
                }
            }
        }
    }

    fn element(&mut self, depth: usize) -> Option<(String, Value)> {
        if depth > MAX_DEPTH || !self.rest().starts_with('<') {
            return None;
        }
        let tag_end = self.rest().find('>')?;
        let tag = &self.rest()[1..tag_end];
        let self_closing = tag.ends_with('/');
        let name = tag
            .trim_end_matches('/')
            .split(|c: char| c.is_whitespace())
            .next()?
            .to_owned();
        if name.is_empty() || name.starts_with(['/', '?', '!']) {
            return None;
        }
        self.at += tag_end + 1;
        if self_closing {
            return Some((name, Value::String(String::new())));
        }
        let mut children: Map<String, Value> = Map::new();
        let mut text = String::new();
        loop {
            let t = self.rest();
            let lt = t.find('<')?;
            text.push_str(&t[..lt]);
            self.at += lt;
            let t = self.rest();
            if t.starts_with("</") {
                self.at += t.find('>')? + 1;
                break;
            }
            if t.starts_with("<!--") || t.starts_with("<?") || t.starts_with("<!") {
                self.skip_prolog();
                continue;
            }
            let (k, v) = self.element(depth + 1)?;
            match children.get_mut(&k) {
                Some(Value::Array(a)) => a.push(v),
                Some(prev) => {
                    let first = prev.take();
                    *prev = Value::Array(vec![first, v]);
                }
                None => {
                    children.insert(k, v);
                }
            }
        }
        let value = if children.is_empty() {
            Value::String(unescape(text.trim()))
        } else {
            Value::Object(children)
        };
        Some((name, value))
    }
}

/// XML's five entities and numeric character references.
pub fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e => e
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| e.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_names_unflatten_into_lists_and_objects() {
        let p = pairs(
            "RoleName=ci&Tags.member.1.Key=env&Tags.member.1.Value=a+b&Tags.member.2.Key=x&InstanceId.1=i-1&Password=p%40ss",
        );
        let m = unflatten(None, &p);
        assert_eq!(
            Value::Object(m),
            json!({"roleName": "ci", "tags": [{"key": "env", "value": "a b"}, {"key": "x"}], "instanceId": ["i-1"], "password": HIDDEN})
        );
        // A huge index is a key, not a billion-slot list.
        let m = unflatten(None, &pairs("A.999999999=x"));
        assert_eq!(Value::Object(m), json!({"a": {"999999999": "x"}}));
    }

    #[test]
    fn xml_reads_elements_lists_and_entities() {
        let (root, v) = xml("<?xml version=\"1.0\"?>\n<Tagging xmlns=\"http://s3\"><TagSet><Tag><Key>a&amp;b</Key><Value>1</Value></Tag><Tag><Key>c</Key><Value/></Tag></TagSet></Tagging>").unwrap();
        assert_eq!(root, "Tagging");
        assert_eq!(
            v,
            json!({"TagSet": {"Tag": [{"Key": "a&b", "Value": "1"}, {"Key": "c", "Value": ""}]}})
        );
        assert!(xml("not xml").is_none());
        assert!(xml("<a><b>unclosed").is_none());
        let deep = "<a>".repeat(200);
        assert!(xml(&deep).is_none());
    }

    #[test]
    fn cloudtrail_names_lowercase_members_keep_map_keys_and_hide_secrets() {
        let v = cloudtrail_value(
            None,
            "",
            json!({"Tags": [{"Key": "k", "Value": "v"}], "SecretString": "s3cr3t", "Nested": {"Password": "x"}}),
        );
        assert_eq!(
            v,
            json!({"tags": [{"key": "k", "value": "v"}], "secretString": HIDDEN, "nested": {"password": HIDDEN}})
        );
        assert_eq!(
            unescape("a &lt; b &#65;&#x42; &bogus; &"),
            "a < b AB &bogus; &"
        );
    }
}

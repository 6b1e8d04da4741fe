//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team}`, `${key, 'default'}`,
//! replaced by the request's value before a Resource or condition value is compared.
//! The escapes `${*}`, `${?}` and `${$}` stay as written for wildcard comparisons (the
//! pattern matcher reads them) and become their character for exact ones.

use std::borrow::Cow;

use super::Request;

/// `text` with every policy variable replaced by the request's value of its key
/// , or its default. `None` when a variable has no single value and no
/// default: IAM then treats the element as not matching. `keep_escapes` keeps `${*}`,
/// `${?}` and `${$}` for a wildcard matcher.
pub(super) fn substitute<'t>(
    text: &'t str,
    req: &Request,
    keep_escapes: bool,
) -> Option<Cow<'t, str>> {
    if !text.contains("${") {
        return Some(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else {
            // No closing brace: IAM reads the text literally.
            out.push_str(&rest[at..]);
            rest = "";
            break;
        };
        let inner = &after[..end];
        match inner {
            "*" | "?" | "$" if keep_escapes => {
                out.push_str("${");
                out.push_str(inner);
                out.push('}');
            }
            "*" | "?" | "$" => out.push_str(inner),
            _ => out.push_str(&value_of(inner, req)?),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

/// The value of `key` or `key, 'default'`.
fn value_of(inner: &str, req: &Request) -> Option<String> {
    let (key, default) = match inner.split_once(',') {
        Some((k, d)) => {
            let d = d.trim();
            let d = d
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .unwrap_or(d);
            (k.trim(), Some(d))
        }
        None => (inner.trim(), None),
    };
    match req.values(key) {
        // A multi-valued key cannot be a variable: no match.
        Some([one]) => Some(one.clone()),
        Some(_) => None,
        None => default.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_defaults_and_escapes() {
        let req = Request::new("s3:GetObject", "x").with("aws:username", "alice");
        let s = |t, keep| substitute(t, &req, keep).map(|c| c.into_owned());
        assert_eq!(
            s("arn:aws:s3:::b/${aws:username}/*", true).as_deref(),
            Some("arn:aws:s3:::b/alice/*")
        );
        assert_eq!(s("home/${aws:userid}", true), None);
        assert_eq!(
            s("home/${aws:userid, 'nobody'}", true).as_deref(),
            Some("home/nobody")
        );
        assert_eq!(s("a${*}b${$}", true).as_deref(), Some("a${*}b${$}"));
        assert_eq!(s("a${*}b${?}${$}", false).as_deref(), Some("a*b?$"));
    }
}

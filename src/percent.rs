//! Percent-decoding: S3 keys in CloudTrail records (form-encoded, `+` for a space), S3
//! URLs in denial messages, and the policy documents IAM returns (RFC 3986).
//! Malformed escapes are kept as written; never panics.

/// Decodes `%XX` escapes; with `plus_is_space`, `+` is a space too (form encoding).
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let mut out = Vec::with_capacity(s.len());
    decode_bytes(s, plus_is_space, |b| out.push(b));
    String::from_utf8_lossy(&out).into_owned()
}

/// [`percent_decode`] into an arena (the mapper's per-record scratch): `s` itself when
/// it has nothing to decode.
pub fn percent_decode_in<'a>(bump: &'a bumpalo::Bump, s: &'a str, plus_is_space: bool) -> &'a str {
    let encoded = s.contains('%') || (plus_is_space && s.contains('+'));
    if !encoded {
        return s;
    }
    let mut out = bumpalo::collections::Vec::with_capacity_in(s.len(), bump);
    decode_bytes(s, plus_is_space, |b| out.push(b));
    match bumpalo::collections::String::from_utf8(out) {
        Ok(text) => text.into_bump_str(),
        Err(e) => bump.alloc_str(&String::from_utf8_lossy(e.as_bytes())),
    }
}

fn decode_bytes(s: &str, plus_is_space: bool, mut push: impl FnMut(u8)) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        push(if plus_is_space && b[i] == b'+' {
            b' '
        } else {
            b[i]
        });
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::{percent_decode, percent_decode_in};

    #[test]
    fn decodes_escapes_and_keeps_malformed_ones() {
        assert_eq!(percent_decode("a%20b%2Fc", false), "a b/c");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("a+b", true), "a b");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert_eq!(percent_decode("%41", false), "A");
        assert_eq!(percent_decode("%", true), "%");
        assert_eq!(percent_decode("%C3%A9", false), "é");
        let bump = bumpalo::Bump::new();
        for (s, plus) in [
            ("a%20b%2Fc", false),
            ("a+b", true),
            ("a+b", false),
            ("%zz%4", true),
            ("%ff", false),
            ("plain", true),
        ] {
            assert_eq!(percent_decode_in(&bump, s, plus), percent_decode(s, plus));
        }
    }
}

//! IAM patterns: escaping names taken from records before they go into a policy, and
//! matching IAM wildcards (`*`, `?`) with the `${*}`, `${?}`, `${$}` escapes.
//!
//! IAM treats `*` and `?` in a Resource as wildcards and `${…}` as a policy variable, so
//! an S3 key literally named `reports/*latest.csv` would, pasted as is, grant every key
//! under `reports/` ending in `latest.csv`. IAM's escapes `${*}`, `${?}` and `${$}` name
//! the characters themselves. Everything iamtrail takes from a record goes through
//! [`escape`]; only wildcards iamtrail decides on (unknown parts, generalization) are
//! written bare.

use bumpalo::Bump;

fn needs_escape(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'*' | b'?' | b'$'))
}

fn escape_into(s: &str, out: &mut impl std::fmt::Write) {
    for c in s.chars() {
        // Writing to a string cannot fail.
        let _ = match c {
            '*' => out.write_str("${*}"),
            '?' => out.write_str("${?}"),
            '$' => out.write_str("${$}"),
            c => out.write_char(c),
        };
    }
}

/// Escapes `*`, `?` and `$` so the result matches exactly the literal input.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !needs_escape(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(s, &mut out);
    std::borrow::Cow::Owned(out)
}

/// [`escape`] into an arena (the mapper's per-record scratch): `s` itself when nothing
/// needs escaping.
pub fn escape_in<'a>(bump: &'a Bump, s: &'a str) -> &'a str {
    if !needs_escape(s) {
        return s;
    }
    let mut out = bumpalo::collections::String::with_capacity_in(s.len() + 8, bump);
    escape_into(s, &mut out);
    out.into_bump_str()
}

fn literal_chars(pattern: &str) -> impl Iterator<Item = char> + '_ {
    Tokens(pattern).map(|t| match t {
        Tok::Lit(c) => c,
        Tok::Star | Tok::One => 'x',
    })
}

/// A concrete string a pattern stands for: escapes resolved to their characters and
/// wildcards filled with `x`. Used to check a pattern's shape against an ARN template.
pub fn literal_of(pattern: &str) -> String {
    literal_chars(pattern).collect()
}

/// [`literal_of`] into an arena: `pattern` itself when it has no wildcard or escape.
pub fn literal_in<'a>(bump: &'a Bump, pattern: &'a str) -> &'a str {
    if !needs_escape(pattern) {
        return pattern;
    }
    let mut out = bumpalo::collections::String::with_capacity_in(pattern.len(), bump);
    out.extend(literal_chars(pattern));
    out.into_bump_str()
}

/// The resource a request names for a policy-ready pattern: escapes resolved to their
/// characters, wildcards (parts the record did not tell) kept as `*` and `?`, so a
/// policy naming the same pattern, or a wider one, matches it.
pub fn request_form(pattern: &str) -> String {
    Tokens(pattern)
        .map(|t| match t {
            Tok::Lit(c) => c,
            Tok::Star => '*',
            Tok::One => '?',
        })
        .collect()
}

/// Whether a resource has a wildcard of its own (a bare `*` or `?`, not an escape).
pub fn is_pattern(resource: &str) -> bool {
    // Without a `$` there is no escape: any `*` or `?` is a wildcard.
    if !resource.contains('$') {
        return resource.contains(['*', '?']);
    }
    Tokens(resource).any(|t| matches!(t, Tok::Star | Tok::One))
}

/// The literal text a resource starts with, up to its first wildcard (escapes resolved):
/// a pattern [`covers`] only resources whose own literal start begins with it.
pub fn literal_start(resource: &str) -> std::borrow::Cow<'_, str> {
    // Without a `$` there is no escape: the text before the first wildcard, borrowed.
    if !resource.contains('$') {
        let end = resource.find(['*', '?']).unwrap_or(resource.len());
        return std::borrow::Cow::Borrowed(&resource[..end]);
    }
    Tokens(resource)
        .map_while(|t| match t {
            Tok::Lit(c) => Some(c),
            Tok::Star | Tok::One => None,
        })
        .collect()
}

/// Matches an IAM resource pattern (with `*`, `?` wildcards and the `${*}`, `${?}`,
/// `${$}` escapes) against a pattern or literal `target`, treating the target's own
/// wildcards as literals: `covers(p, t)` means every resource `t` names, `p` also
/// names, provided `t` has no wildcard that `p` does not also cover at that place.
/// Used to drop resources already covered by a wider one in the same statement.
pub fn covers(pattern: &str, target: &str) -> bool {
    Tokenized::new(pattern).covers(&Tokenized::new(target))
}

/// A resource tokenized once, for many [`covers`] checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokenized(Vec<Tok>);

impl Tokenized {
    /// Tokenizes a resource (pattern or literal).
    pub fn new(resource: &str) -> Self {
        Tokenized(tokens(resource))
    }

    /// [`covers`]`(self, target)`.
    pub fn covers(&self, target: &Tokenized) -> bool {
        glob(&self.0, &target.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(char),
    Star,
    One,
}

/// A pattern as tokens: escapes resolved to literals, `*` and `?` to wildcards.
struct Tokens<'a>(&'a str);

impl Iterator for Tokens<'_> {
    type Item = Tok;
    fn next(&mut self) -> Option<Tok> {
        let c = self.0.chars().next()?;
        for (esc, lit) in [("${*}", '*'), ("${?}", '?'), ("${$}", '$')] {
            if let Some(r) = self.0.strip_prefix(esc) {
                self.0 = r;
                return Some(Tok::Lit(lit));
            }
        }
        self.0 = &self.0[c.len_utf8()..];
        Some(match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Lit(c),
        })
    }
}

fn tokens(s: &str) -> Vec<Tok> {
    Tokens(s).collect()
}

/// Whether IAM pattern `pattern` (wildcards, escapes) matches the literal `value`.
/// Actions compare case-insensitively (`ignore_case`), resources exactly.
pub fn wildcard_match(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let fold = |t: Tok| match t {
        Tok::Lit(c) if ignore_case => Tok::Lit(c.to_ascii_lowercase()),
        t => t,
    };
    let p: Vec<Tok> = tokens(pattern).into_iter().map(fold).collect();
    let v: Vec<Tok> = value.chars().map(|c| fold(Tok::Lit(c))).collect();
    glob(&p, &v)
}

/// Wildcard containment: does pattern `p` cover everything target `t` can match?
fn glob(p: &[Tok], t: &[Tok]) -> bool {
    // Iterative with backtracking on the last pattern star (classic wildcard match),
    // where a target `*` can only be consumed by a pattern `*`, a target `?` by `?`/`*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let step = match (p.get(pi), t[ti]) {
            (Some(Tok::Star), _) => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            (Some(Tok::One), Tok::Lit(_) | Tok::One) => true,
            (Some(Tok::Lit(a)), Tok::Lit(b)) => *a == b,
            _ => false,
        };
        if step {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|x| *x == Tok::Star)
}

/// A pattern naming only resources both `a` and `b` name (a witness of their
/// intersection: wildcards kept where both have one, a star taking as little text as it
/// can), or `None` when they name nothing in
/// common: `intersect("arn:aws:s3:::app-*", "arn:aws:s3:::*/*")` is
/// `arn:aws:s3:::app-*/*`. Escaped characters come back as plain characters.
pub fn intersect(a: &str, b: &str) -> Option<String> {
    let (a, b) = (tokens(a), tokens(b));
    let mut failed = std::collections::HashSet::new();
    let mut out = Vec::new();
    meet(&a, &b, 0, 0, &mut failed, &mut out).then(|| {
        out.iter()
            .map(|t| match t {
                Tok::Lit(c) => *c,
                Tok::Star => '*',
                Tok::One => '?',
            })
            .collect()
    })
}

/// One step of [`intersect`]: the ways `a[i..]` and `b[j..]` can align, widest first;
/// `failed` remembers positions that cannot align (so the search stays O(|a|·|b|)).
fn meet(
    a: &[Tok],
    b: &[Tok],
    i: usize,
    j: usize,
    failed: &mut std::collections::HashSet<(usize, usize)>,
    out: &mut Vec<Tok>,
) -> bool {
    if failed.contains(&(i, j)) {
        return false;
    }
    let len = out.len();
    // (token emitted, next i, next j) in order of preference.
    let moves: Vec<(Option<Tok>, usize, usize)> = match (a.get(i), b.get(j)) {
        (None, None) => return true,
        (Some(Tok::Star), Some(Tok::Star)) => vec![
            (Some(Tok::Star), i + 1, j + 1),
            (Some(Tok::Star), i, j + 1),
            (Some(Tok::Star), i + 1, j),
            (None, i + 1, j),
            (None, i, j + 1),
        ],
        // A star against text takes as little as it can, so fields line up (a region
        // star does not swallow the account and the resource).
        // A `?` against a star stays a wildcard, taken by the star first.
        (Some(Tok::Star), Some(Tok::One)) => vec![(Some(Tok::One), i, j + 1), (None, i + 1, j)],
        (Some(Tok::One), Some(Tok::Star)) => vec![(Some(Tok::One), i + 1, j), (None, i, j + 1)],
        (Some(Tok::Star), Some(t)) => vec![(None, i + 1, j), (Some(*t), i, j + 1)],
        (Some(t), Some(Tok::Star)) => vec![(None, i, j + 1), (Some(*t), i + 1, j)],
        (Some(Tok::Star), None) => vec![(None, i + 1, j)],
        (None, Some(Tok::Star)) => vec![(None, i, j + 1)],
        (Some(Tok::One), Some(t)) | (Some(t), Some(Tok::One)) => vec![(Some(*t), i + 1, j + 1)],
        (Some(Tok::Lit(x)), Some(Tok::Lit(y))) if x == y => {
            vec![(Some(Tok::Lit(*x)), i + 1, j + 1)]
        }
        _ => Vec::new(),
    };
    for (t, ni, nj) in moves {
        if let Some(t) = t {
            out.push(t);
        }
        if meet(a, b, ni, nj, failed, out) {
            return true;
        }
        out.truncate(len);
    }
    failed.insert((i, j));
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersections_are_covered_by_both_sides() {
        for (a, b, want) in [
            (
                "arn:aws:s3:::app-*",
                "arn:aws:s3:::*/*",
                Some("arn:aws:s3:::app-*/*"),
            ),
            ("*", "arn:aws:s3:::*/*", Some("arn:aws:s3:::*/*")),
            (
                "arn:aws:dynamodb:us-east-1:1:table/*",
                "arn:aws:dynamodb:*:*:table/*/stream/*",
                Some("arn:aws:dynamodb:us-east-1:1:table/*/stream/*"),
            ),
            ("arn:aws:s3:::a/*", "arn:aws:s3:::b/*", None),
            (
                "arn:aws:s3:::a?c",
                "arn:aws:s3:::ab*",
                Some("arn:aws:s3:::abc"),
            ),
            ("arn:aws:s3:::x", "arn:aws:s3:::x", Some("arn:aws:s3:::x")),
            (
                "arn:aws:s3:::?*/?*",
                "arn:aws:s3:::*/*",
                Some("arn:aws:s3:::?*/?*"),
            ),
        ] {
            let got = intersect(a, b);
            assert_eq!(got.as_deref(), want, "{a} ∩ {b}");
            if let Some(g) = got {
                assert!(covers(a, &g) && covers(b, &g), "{a} ∩ {b} = {g}");
            }
        }
    }

    #[test]
    fn escapes_wildcards_and_variables() {
        assert_eq!(escape("plain/key.txt"), "plain/key.txt");
        assert_eq!(escape("reports/*latest?.csv"), "reports/${*}latest${?}.csv");
        assert_eq!(escape("a${aws:username}"), "a${$}{aws:username}");
        let bump = Bump::new();
        for s in [
            "plain/key.txt",
            "reports/*latest?.csv",
            "a${aws:username}",
            "é*",
        ] {
            assert_eq!(escape_in(&bump, s), escape(s));
            assert_eq!(literal_in(&bump, &escape(s)), s);
            assert_eq!(literal_in(&bump, s), literal_of(s));
        }
    }

    #[test]
    fn patterns_are_bare_wildcards() {
        for (r, yes) in [
            ("arn:aws:s3:::b/*", true),
            ("arn:aws:s3:::b/k?", true),
            ("arn:aws:s3:::b/${*}", false),
            ("arn:aws:s3:::b/${?}${$}", false),
            ("arn:aws:s3:::b/k", false),
            ("*", true),
        ] {
            assert_eq!(is_pattern(r), yes, "{r}");
        }
    }

    #[test]
    fn coverage() {
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/k"));
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/logs/*"));
        assert!(covers("*", "arn:aws:s3:::b/${*}"));
        assert!(!covers("arn:aws:s3:::b/k", "arn:aws:s3:::b/*"));
        assert!(!covers("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/k"));
        assert!(covers("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/${*}"));
        assert!(!covers("arn:aws:s3:::b/?", "arn:aws:s3:::b/${*}x"));
        assert!(covers(
            "arn:aws:secretsmanager:r:1:secret:ci-??????",
            "arn:aws:secretsmanager:r:1:secret:ci-AbCdEf"
        ));
        assert!(!covers("arn:aws:s3:::b/*", "arn:aws:s3:::c/k"));
    }

    proptest::proptest! {
        /// The fast paths (no `$`: no escape) agree with reading the tokens.
        #[test]
        fn fast_paths_agree_with_the_tokens(r in "(a|/|:|\\*|\\?|\\$|\\{|\\}|é){0,12}") {
            let start: String = Tokens(&r)
                .map_while(|t| match t {
                    Tok::Lit(c) => Some(c),
                    Tok::Star | Tok::One => None,
                })
                .collect();
            proptest::prop_assert_eq!(literal_start(&r), start);
            proptest::prop_assert_eq!(
                is_pattern(&r),
                Tokens(&r).any(|t| matches!(t, Tok::Star | Tok::One))
            );
        }
    }

    proptest::proptest! {
        /// What `drop_covered` relies on to skip pairs: a pattern covers only resources
        /// whose literal start begins with its own (escapes included).
        #[test]
        fn covering_implies_the_literal_start(
            p in "(a|b|/|\\*|\\?|\\$\\{\\*\\}|\\$\\{\\$\\}){0,8}",
            t in "(a|b|/|\\*|\\?|\\$\\{\\*\\}|\\$\\{\\$\\}){0,8}",
        ) {
            if covers(&p, &t) {
                proptest::prop_assert!(literal_start(&t).starts_with(&*literal_start(&p)), "{p} covers {t}");
            }
        }
    }
}

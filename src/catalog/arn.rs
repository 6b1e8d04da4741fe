//! ARN templates from the catalog (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`):
//! matching a concrete ARN against one, and filling one from known values.

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Text that must appear as is.
    Literal(&'static str),
    /// `${Name}`: a value to fill.
    Var(&'static str),
}

/// A parsed ARN template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnTemplate {
    /// The template text as the catalog has it.
    pub text: &'static str,
    /// The template split into literals and variables.
    pub segments: Vec<Segment>,
}

impl ArnTemplate {
    /// Parses a template; text that is not a well-formed `${…}` stays literal.
    pub fn parse(text: &'static str) -> Self {
        let mut segments = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            if start > 0 {
                segments.push(Segment::Literal(&rest[..start]));
            }
            segments.push(Segment::Var(&rest[start + 2..start + len]));
            rest = &rest[start + len + 1..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Literal(rest));
        }
        ArnTemplate { text, segments }
    }

    /// The variables of the template, in order.
    pub fn vars(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.segments.iter().filter_map(|s| match s {
            Segment::Var(v) => Some(*v),
            Segment::Literal(_) => None,
        })
    }

    /// Whether `arn` is an instance of this template. A variable matches a non-empty run
    /// of characters without `:`; the last segment, when a variable, matches anything
    /// non-empty (names with paths, object keys).
    pub fn matches(&self, arn: &str) -> bool {
        match_from(&self.segments, arn)
    }

    /// Where each variable's value lies in `arn`, if `arn` is an instance of this
    /// template (same rules as [`ArnTemplate::matches`]; the first way to match wins).
    pub fn captures(&self, arn: &str) -> Option<Vec<(&'static str, std::ops::Range<usize>)>> {
        let mut out = Vec::new();
        capture_from(&self.segments, arn, 0, &mut out).then_some(out)
    }

    /// Fills the template in `bump`: `value(var)` gives a variable's (already escaped)
    /// value or `None`. Unknown variables become `*` and are returned in the second
    /// element.
    pub fn fill<'a>(
        &self,
        bump: &'a bumpalo::Bump,
        mut value: impl FnMut(&str) -> Option<&'a str>,
    ) -> (&'a str, &'a [&'static str]) {
        let mut out = bumpalo::collections::String::with_capacity_in(self.text.len() + 32, bump);
        let mut unknown = bumpalo::collections::Vec::new_in(bump);
        for seg in &self.segments {
            match seg {
                Segment::Literal(l) => out.push_str(l),
                Segment::Var(v) => match value(v) {
                    Some(val) => out.push_str(val),
                    None => {
                        out.push('*');
                        unknown.push(*v);
                    }
                },
            }
        }
        (out.into_bump_str(), unknown.into_bump_slice())
    }
}

fn match_from(segs: &[Segment], s: &str) -> bool {
    match segs.split_first() {
        None => s.is_empty(),
        Some((Segment::Literal(l), rest)) => {
            s.strip_prefix(l).is_some_and(|tail| match_from(rest, tail))
        }
        Some((Segment::Var(_), [])) => !s.is_empty(),
        Some((Segment::Var(_), rest)) => {
            // Try every split point up to the first ':' (variables never span fields).
            let limit = s.find(':').unwrap_or(s.len());
            (1..=limit).any(|i| s.is_char_boundary(i) && match_from(rest, &s[i..]))
        }
    }
}

fn capture_from(
    segs: &[Segment],
    s: &str,
    at: usize,
    out: &mut Vec<(&'static str, std::ops::Range<usize>)>,
) -> bool {
    match segs.split_first() {
        None => s.is_empty(),
        Some((Segment::Literal(l), rest)) => s
            .strip_prefix(l)
            .is_some_and(|tail| capture_from(rest, tail, at + l.len(), out)),
        Some((Segment::Var(v), [])) if !s.is_empty() => {
            out.push((v, at..at + s.len()));
            true
        }
        Some((Segment::Var(_), [])) => false,
        Some((Segment::Var(v), rest)) => {
            let limit = s.find(':').unwrap_or(s.len());
            for i in (1..=limit).filter(|&i| s.is_char_boundary(i)) {
                out.push((v, at..at + i));
                if capture_from(rest, &s[i..], at + i, out) {
                    return true;
                }
                out.pop();
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_and_fills() {
        let t = ArnTemplate::parse("arn:${Partition}:s3:::${BucketName}/${ObjectName}");
        assert!(t.matches("arn:aws:s3:::b/k/x.txt"));
        assert!(!t.matches("arn:aws:s3:::b"));
        let t = ArnTemplate::parse(
            "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
        );
        assert!(t.matches("arn:aws:logs:us-east-1:1:log-group:/aws/x:log-stream:s/1"));
        assert!(!t.matches("arn:aws:logs:us-east-1:1:log-group:/aws/x"));
        let arn = "arn:aws:logs:us-east-1:1:log-group:/aws/x:log-stream:s/1";
        let got: Vec<_> = t
            .captures(arn)
            .unwrap()
            .into_iter()
            .map(|(v, r)| (v, &arn[r]))
            .collect();
        assert_eq!(
            got,
            [
                ("Partition", "aws"),
                ("Region", "us-east-1"),
                ("Account", "1"),
                ("LogGroupName", "/aws/x"),
                ("LogStreamName", "s/1")
            ]
        );
        assert!(
            t.captures("arn:aws:logs:us-east-1:1:log-group:/aws/x")
                .is_none()
        );
        let t = ArnTemplate::parse(
            "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}",
        );
        let bump = bumpalo::Bump::new();
        let (s, unknown) = t.fill(&bump, |v| {
            (v != "FunctionName").then(|| bumpalo::format!(in &bump, "<{}>", v).into_bump_str())
        });
        assert_eq!(s, "arn:<Partition>:lambda:<Region>:<Account>:function:*");
        assert_eq!(unknown, ["FunctionName"]);
        assert_eq!(
            t.vars().collect::<Vec<_>>(),
            ["Partition", "Region", "Account", "FunctionName"]
        );
    }
}

//! Whole-object prefilter for single-principal runs: an object of `{"Records":[…]}` whose
//! inflated text holds none of the selected principals' identifying substrings cannot
//! hold a record selection keeps, so it is neither skimmed nor parsed; its records are
//! only counted. The search is `memchr::memmem` (SIMD), with finders built once per run.
//!
//! It errs towards decoding: an object is skipped only when every check below holds,
//! otherwise it goes through the skimmer as before, so no record the skimmer would select
//! is ever skipped.

use memchr::memmem::Finder;

/// The substrings that identify the selected principals, and the checks that make
/// skipping an object safe.
#[derive(Debug, Clone)]
pub struct Prefilter {
    needles: Vec<Finder<'static>>,
    /// A JSON writer may escape `/` as `\/` or any character as `\uXXXX`; CloudTrail does
    /// not escape `/`, but an object holding either is decoded rather than searched.
    escapes: [Finder<'static>; 2],
    /// Every CloudTrail record opens with `{"eventVersion":`: counting them counts records.
    record: Finder<'static>,
    id: Finder<'static>,
}

const HEAD: &[u8] = br#"{"Records":["#;
const KEY: &[u8] = br#""eventVersion":"#;

impl Prefilter {
    /// A prefilter for records that can only be selected when their text holds one of
    /// `needles` (none empty). `None` when there is nothing to search for.
    pub fn new<I: IntoIterator<Item = Vec<u8>>>(needles: I) -> Option<Prefilter> {
        let needles: Vec<Finder<'static>> = needles
            .into_iter()
            .map(|n| Finder::new(&n).into_owned())
            .collect();
        if needles.is_empty() || needles.iter().any(|f| f.needle().is_empty()) {
            return None;
        }
        Some(Prefilter {
            needles,
            escapes: [
                Finder::new(br"\/").into_owned(),
                Finder::new(br"\u").into_owned(),
            ],
            record: Finder::new(KEY).into_owned(),
            id: Finder::new(br#""eventID":"#).into_owned(),
        })
    }

    /// The number of records of `doc` (an object's whole JSON text) when none of them can
    /// be selected, or `None` when the object must be decoded: it is not a plain
    /// `{"Records":[…]}` whose every record opens with `"eventVersion"`, it holds a needle,
    /// or it holds an escape that could hide one.
    pub fn skippable(&self, doc: &[u8]) -> Option<usize> {
        let doc = doc.trim_ascii();
        if !doc.starts_with(HEAD) || !doc.ends_with(b"]}") {
            return None;
        }
        if self.needles.iter().any(|f| f.find(doc).is_some())
            || self.escapes.iter().any(|f| f.find(doc).is_some())
        {
            return None;
        }
        // Each `"eventVersion":` must open a record (`[{` or `,{` before it), so a record
        // that does not start with it, or a nested object that does, sends the object to
        // the decoder instead of miscounting.
        let mut n = 0;
        for at in self.record.find_iter(doc) {
            if at < 2 || doc[at - 1] != b'{' || !matches!(doc[at - 2], b'[' | b',') {
                return None;
            }
            n += 1;
        }
        // A record that does not open with `eventVersion` would go uncounted: CloudTrail
        // writes `eventID` in every record, so the two counts must agree.
        let first = &doc[HEAD.len()..];
        if n == 0
            || !first.starts_with(b"{\"eventVersion\":")
            || self.id.find_iter(doc).count() != n
        {
            return None;
        }
        Some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pf() -> Prefilter {
        Prefilter::new([b"/ci\"".to_vec()]).unwrap()
    }

    const OTHER: &str = r#"{"eventVersion":"1.08","eventID":"a","userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/web"}}}}"#;
    const MINE: &str = r#"{"eventVersion":"1.08","eventID":"b","userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/ci"}}}}"#;

    #[test]
    fn counts_records_of_objects_without_the_principal() {
        let doc = format!(r#"{{"Records":[{OTHER},{OTHER},{OTHER}]}}"#);
        assert_eq!(pf().skippable(doc.as_bytes()), Some(3));
    }

    #[test]
    fn decodes_objects_that_may_hold_it() {
        let p = pf();
        // The principal is there.
        let doc = format!(r#"{{"Records":[{OTHER},{MINE}]}}"#);
        assert_eq!(p.skippable(doc.as_bytes()), None);
        // Escaped: `\/` or `\u` could hide it.
        let esc = MINE.replace("role/ci", r"role\/ci");
        let doc = format!(r#"{{"Records":[{OTHER},{esc}]}}"#);
        assert_eq!(p.skippable(doc.as_bytes()), None);
        let esc = MINE.replace("role/ci", r"role/\u0063i");
        let doc = format!(r#"{{"Records":[{OTHER},{esc}]}}"#);
        assert_eq!(p.skippable(doc.as_bytes()), None);
        // A record not opening with eventVersion, a nested one, other shapes.
        let odd = OTHER.replacen(
            r#"{"eventVersion":"1.08","#,
            r#"{"eventTime":"x","eventVersion":"1.08","#,
            1,
        );
        let doc = format!(r#"{{"Records":[{OTHER},{odd}]}}"#);
        assert_eq!(p.skippable(doc.as_bytes()), None);
        // A record without eventVersion at all (its eventID is still counted).
        let odd = OTHER.replacen(r#""eventVersion":"1.08","#, "", 1);
        let doc = format!(r#"{{"Records":[{OTHER},{odd}]}}"#);
        assert_eq!(p.skippable(doc.as_bytes()), None);
        let nested = OTHER.replace(
            r#""userIdentity":{"#,
            r#""userIdentity":{"x":{"eventVersion":1},"#,
        );
        let doc = format!(r#"{{"Records":[{nested}]}}"#);
        assert_eq!(p.skippable(doc.as_bytes()), None);
        assert_eq!(p.skippable(br#"{"Records":[]}"#), None);
        assert_eq!(p.skippable(OTHER.as_bytes()), None);
        assert_eq!(p.skippable(format!("{OTHER}\n{OTHER}").as_bytes()), None);
    }

    #[test]
    fn no_needle_no_prefilter() {
        assert!(Prefilter::new(Vec::<Vec<u8>>::new()).is_none());
        assert!(Prefilter::new([Vec::new()]).is_none());
    }
}

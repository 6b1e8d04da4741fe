//! Record-level prefilter for single-principal runs.
//!
//! In an organization trail most records belong to someone else. A record that selection
//! keeps for a principal holds that principal's name in its text (the role or user name
//! its caller ARN ends with, a session name, an access key id, `"Root"`), so a record
//! whose text does not hold it cannot be kept and need not be skimmed. The prefilter
//! finds, with SIMD substring search (`memchr::memmem`, finders built once per run):
//! - where every record of a `{"Records":[…]}` object starts (`{"eventVersion":`, the
//!   key CloudTrail writes first), which counts them;
//! - which records hold one of the principals' needles.
//!
//! Only those records are skimmed (and parsed, when selection takes them); the others are
//! counted and never read further. The time the whole run spends on another principal's
//! record is that of a few substring searches over its bytes, next to inflating them.
//!
//! It errs towards reading: the plan is refused, and the object skimmed as before, when
//! - the object is not a compact `{"Records":[…]}` whose first record opens with
//!   `{"eventVersion":`;
//! - an `"eventVersion":` key does not open a record (`[{` or `,{` before it): a nested
//!   object starting with it, or records written with spaces;
//! - the `"eventID":` keys do not number the same as the records (a record that does
//!   not open with `eventVersion` would otherwise be counted with the one before it);
//! - the text holds a `\u` escape, which could spell a needle's letters. Needles hold no
//!   `/`, so a writer escaping slashes (`\/`) does not hide them.
//!
//! A needle may have an owner ([`NeedleOwner`]): a role's name counts only where it ends
//! an ARN in the role's account, so the records of a same-named role in another account
//! (StackSets make one in every account of an organization) are not even skimmed.
//!
//! A record that holds a needle but is someone else's (the name in a resource ARN) is
//! skimmed and turned down as before; a candidate whose skim does not end where the next
//! record starts sends the object down the ordinary path. What the prefilter does not
//! do: validate the records it skips (damage inside them is not reported, as skimming
//! already does not report damage inside values it skips), or note their time, Region,
//! account and caller for the report.

mod fused;
mod rank;

use memchr::memmem::{Finder, FinderBuilder};

use crate::iam::arn::Arn;

use fused::{Found, Fused};
use rank::CloudTrailRank;

/// The substrings that identify the selected principals, the finders that delimit
/// records, and the buffers a plan is built in (reused: no allocation per object once
/// they have grown).
#[derive(Debug, Clone)]
pub struct Prefilter {
    /// Each needle, and where it must lie to count.
    needles: Vec<(Finder<'static>, Option<NeedleOwner>)>,
    /// One pass for a single needle on a CPU with AVX2; otherwise one `memmem` pass per
    /// pattern.
    fused: Option<Fused>,
    record: Finder<'static>,
    id: Finder<'static>,
    unicode: Finder<'static>,
    found: Found,
    candidates: Vec<Candidate>,
}

/// A record that may be a selected principal's: where it starts (its `{`), where the
/// next record starts or the array ends (the `,` or `]` after it: only whitespace may lie
/// between its end and `limit`), and its 0-based index in `Records`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// Position in `Records`.
    pub index: usize,
    /// Where the record's `{` is.
    pub start: usize,
    /// The `,` or `]` that follows it.
    pub limit: usize,
}

/// What [`Prefilter::plan`] found in one object.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan<'p> {
    /// How many records the object holds.
    pub records: usize,
    /// The records that may be selected, in order.
    pub candidates: &'p [Candidate],
}

const HEAD: &[u8] = br#"{"Records":["#;
const FIRST: &[u8] = br#"{"eventVersion":"#;
const KEY: &[u8; 15] = br#""eventVersion":"#;
const ID: &[u8; 10] = br#""eventID":"#;

/// Whether the `"eventVersion":` key at `doc[at]` opens a record: `[{` or `,{` before it
/// (a nested object opening with it, or records written with spaces, do not).
fn opens_record(doc: &[u8], at: usize) -> bool {
    at >= 2 && doc[at - 1] == b'{' && matches!(doc[at - 2], b'[' | b',')
}

/// A substring finder that compares the needle's rarest bytes in CloudTrail JSON first.
fn finder(needle: &[u8]) -> Finder<'static> {
    FinderBuilder::new()
        .build_forward_with_ranker(CloudTrailRank, needle)
        .into_owned()
}

impl Prefilter {
    /// A prefilter for records that can only be selected when their text holds one of
    /// `needles` (none empty, none holding `/` or `\`). `None` when there is nothing to
    /// search for or a needle is not one.
    pub fn new<I: IntoIterator<Item = Vec<u8>>>(needles: I) -> Option<Prefilter> {
        Prefilter::owned(needles.into_iter().map(|n| (n, None)))
    }

    /// [`Prefilter::new`] with, for each needle, where a hit must lie to count.
    pub fn owned<I>(needles: I) -> Option<Prefilter>
    where
        I: IntoIterator<Item = (Vec<u8>, Option<NeedleOwner>)>,
    {
        let needles: Vec<(Finder<'static>, Option<NeedleOwner>)> = needles
            .into_iter()
            .map(|(n, owner)| (finder(&n), owner))
            .collect();
        let usable = |n: &[u8]| !n.is_empty() && !n.contains(&b'/') && !n.contains(&b'\\');
        if needles.is_empty() || !needles.iter().all(|(f, _)| usable(f.needle())) {
            return None;
        }
        let fused = match needles.as_slice() {
            [(one, owner)] => Fused::new(one.needle(), owner.clone()),
            _ => None,
        };
        Some(Prefilter {
            needles,
            fused,
            record: finder(KEY),
            id: finder(ID),
            unicode: finder(br"\u"),
            found: Found::default(),
            candidates: Vec::new(),
        })
    }

    /// The records of `doc` (an object's whole JSON text) and which of them may hold a
    /// selected principal, or `None` when the object must be read in full (see the
    /// module docs for when).
    pub fn plan(&mut self, doc: &[u8]) -> Option<Plan<'_>> {
        self.plan_summing(doc, None)
    }

    /// [`Prefilter::plan`], and when `crc` is given, the CRC-32 of all of `doc` into it
    /// whatever the plan (computed as the single-needle scan goes, while the text is in
    /// the cache).
    pub fn plan_summing(&mut self, doc: &[u8], mut crc: Option<&mut u32>) -> Option<Plan<'_>> {
        let whole = |crc: Option<&mut u32>| {
            if let Some(c) = crc {
                *c = crate::decode::inflate::crc32(0, doc);
            }
        };
        let body = doc.trim_ascii_start();
        let lead = doc.len() - body.len();
        let body = body.trim_ascii_end();
        if !body.starts_with(HEAD) || !body.ends_with(b"]}") || body.len() < HEAD.len() + 2 {
            whole(crc);
            return None;
        }
        // The `]` closing `Records`, and the first record's `{`.
        let close = lead + body.len() - 2;
        let first = lead + HEAD.len();
        if !doc[first..].starts_with(FIRST) {
            whole(crc);
            return None;
        }
        let scanned = match (&self.fused, crc.as_deref_mut()) {
            (Some(f), Some(c)) => f.scan_summing(doc, first, close, &mut self.found, c),
            (Some(f), None) => f.scan(doc, first, close, &mut self.found),
            (None, _) => {
                whole(crc);
                self.passes(doc, first, close)
            }
        };
        let found = &self.found;
        if !scanned || found.ids != found.starts.len() {
            return None;
        }
        self.candidates.clear();
        self.candidates
            .extend(found.hits.iter().map(|&index| Candidate {
                index,
                start: found.starts[index],
                limit: found.starts.get(index + 1).map_or(close, |&next| next - 1),
            }));
        Some(Plan {
            records: self.found.starts.len(),
            candidates: &self.candidates,
        })
    }

    /// What [`Fused::scan`] finds, by one `memmem` pass per pattern.
    fn passes(&mut self, doc: &[u8], first: usize, close: usize) -> bool {
        let text = &doc[..close];
        let found = &mut self.found;
        found.starts.clear();
        found.hits.clear();
        if self.unicode.find(&text[first..]).is_some() {
            return false;
        }
        for at in self.record.find_iter(&text[first..]) {
            let at = first + at;
            if !opens_record(doc, at) {
                return false;
            }
            found.starts.push(at - 1);
        }
        found.ids = self.id.find_iter(&text[first..]).count();
        for (needle, owner) in &self.needles {
            for hit in needle.find_iter(&text[first..]) {
                if owner.as_ref().is_some_and(|o| !o.accepts(doc, first + hit)) {
                    continue;
                }
                let record = found.starts.partition_point(|&s| s <= first + hit);
                if let Some(record) = record.checked_sub(1) {
                    found.hits.push(record);
                }
            }
        }
        found.hits.sort_unstable();
        found.hits.dedup();
        true
    }
}

/// Where a needle must lie to count: at the end of a JSON string that is an ARN in one
/// account, right after a `/` (`arn:aws:iam::111122223333:role/path/NAME"`). The string
/// is found by looking back from the hit to its opening quote; whatever that cannot
/// settle (an escape in the string, a quote escaped, bytes that are not UTF-8, a string
/// longer than an ARN can be) counts, so the prefilter still errs towards reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedleOwner {
    account: String,
}

/// The longest an ARN is looked back over (IAM allows 2,048 characters).
const ARN_REACH: usize = 2048;

impl NeedleOwner {
    /// Hits count only in an ARN whose account field is `account`.
    pub fn arn_in(account: &str) -> NeedleOwner {
        NeedleOwner {
            account: account.to_owned(),
        }
    }

    /// Whether the needle found at `hit` in `doc` may be the owner's.
    pub(super) fn accepts(&self, doc: &[u8], hit: usize) -> bool {
        if hit == 0 || doc[hit - 1] != b'/' {
            return false;
        }
        let from = hit.saturating_sub(ARN_REACH);
        let Some(quote) = memchr::memrchr(b'"', &doc[from..hit]).map(|q| from + q) else {
            return true;
        };
        let text = &doc[quote + 1..hit];
        let escaped = quote.checked_sub(1).is_some_and(|q| doc[q] == b'\\');
        if escaped || text.contains(&b'\\') {
            return true;
        }
        // Read as the caller's ARN is when selection matches it (the name has no `:`).
        match std::str::from_utf8(text) {
            Ok(text) => Arn::parse(text).is_ok_and(|a| a.account() == self.account),
            Err(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pf() -> Prefilter {
        Prefilter::new([b"ci\"".to_vec()]).unwrap()
    }

    /// The role `ci` of account `1`.
    fn pf_owned() -> Prefilter {
        Prefilter::owned([(b"ci\"".to_vec(), Some(NeedleOwner::arn_in("1")))]).unwrap()
    }

    /// A record whose session issuer is `arn`, written as is.
    fn issued_by(id: &str, arn: &str) -> String {
        format!(
            r#"{{"eventVersion":"1.08","eventID":"{id}","userIdentity":{{"type":"AssumedRole","sessionContext":{{"sessionIssuer":{{"userName":"ci","arn":"{arn}"}}}}}}}}"#
        )
    }

    const OTHER: &str = r#"{"eventVersion":"1.08","eventID":"a","userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/web"}}}}"#;
    const MINE: &str = r#"{"eventVersion":"1.08","eventID":"b","userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/ci"}}}}"#;

    fn doc(records: &[&str]) -> String {
        format!(r#"{{"Records":[{}]}}"#, records.join(","))
    }

    /// The prefilter `make` builds, once per way it can scan: each vector loop this CPU
    /// runs, then a `memmem` pass per pattern; each with its name.
    fn scans(make: fn() -> Prefilter) -> Vec<(String, Prefilter)> {
        let mut out: Vec<(String, Prefilter)> = fused::Simd::available()
            .into_iter()
            .map(|simd| {
                let mut p = make();
                p.fused.as_mut().expect("one needle: fused").set_simd(simd);
                (format!("fused {simd:?}"), p)
            })
            .collect();
        let mut passes = make();
        passes.fused = None;
        out.push(("a pass per pattern".into(), passes));
        out
    }

    fn indices(p: &mut Prefilter, doc: &str) -> Option<(usize, Vec<usize>)> {
        let plan = p.plan(doc.as_bytes())?;
        // Every candidate spans exactly its record.
        for c in plan.candidates {
            let text = &doc.as_bytes()[c.start..c.limit];
            assert!(text.starts_with(FIRST) && text.ends_with(b"}"), "{c:?}");
        }
        Some((
            plan.records,
            plan.candidates.iter().map(|c| c.index).collect(),
        ))
    }

    #[test]
    fn counts_records_and_finds_the_ones_naming_the_principal() {
        let mut p = pf();
        assert_eq!(
            indices(&mut p, &doc(&[OTHER, OTHER, OTHER])),
            Some((3, vec![]))
        );
        assert_eq!(
            indices(&mut p, &doc(&[OTHER, MINE, OTHER, MINE])),
            Some((4, vec![1, 3]))
        );
        assert_eq!(indices(&mut p, &doc(&[MINE])), Some((1, vec![0])));
        // Leading and trailing whitespace around the document.
        let padded = format!("\n  {}\n", doc(&[OTHER, MINE]));
        assert_eq!(indices(&mut p, &padded), Some((2, vec![1])));
        // A needle twice in a record makes it a candidate once.
        let twice = MINE.replace(r#""eventID":"b""#, r#""eventID":"b","x":"ci""#);
        assert_eq!(indices(&mut p, &doc(&[twice.as_str()])), Some((1, vec![0])));
    }

    #[test]
    fn several_needles_give_candidates_in_order() {
        let mut p = Prefilter::new([b"ci\"".to_vec(), b"web\"".to_vec()]).unwrap();
        assert_eq!(
            indices(&mut p, &doc(&[MINE, OTHER, MINE])),
            Some((3, vec![0, 1, 2]))
        );
    }

    #[test]
    fn slashes_escaped_do_not_hide_a_needle() {
        let mut p = pf();
        let esc = MINE.replace("role/ci", r"role\/ci");
        assert_eq!(indices(&mut p, &doc(&[OTHER, &esc])), Some((2, vec![1])));
    }

    #[test]
    fn shapes_it_cannot_count_exactly_are_read_in_full() {
        let mut p = pf();
        // A `\u` escape could spell the name.
        let esc = MINE.replace("role/ci", r"role/\u0063i");
        assert_eq!(indices(&mut p, &doc(&[OTHER, &esc])), None);
        // A record not opening with eventVersion (it would count with the one before).
        let odd = OTHER.replacen(
            r#"{"eventVersion":"1.08","#,
            r#"{"eventTime":"x","eventVersion":"1.08","#,
            1,
        );
        assert_eq!(indices(&mut p, &doc(&[OTHER, &odd])), None);
        // A record without eventVersion: the eventID count disagrees.
        let odd = OTHER.replacen(r#""eventVersion":"1.08","#, "", 1);
        assert_eq!(indices(&mut p, &doc(&[OTHER, &odd])), None);
        // A nested object opening with eventVersion.
        let nested = OTHER.replace(
            r#""userIdentity":{"#,
            r#""userIdentity":{"x":{"eventVersion":1},"#,
        );
        assert_eq!(indices(&mut p, &doc(&[&nested])), None);
        // Records separated by whitespace, other layouts, empty.
        assert_eq!(
            indices(&mut p, &format!("{{\"Records\":[{OTHER}, {MINE}]}}")),
            None
        );
        assert_eq!(indices(&mut p, r#"{"Records":[]}"#), None);
        assert_eq!(indices(&mut p, OTHER), None);
        assert_eq!(indices(&mut p, &format!("{OTHER}\n{OTHER}")), None);
        assert_eq!(indices(&mut p, ""), None);
        assert_eq!(indices(&mut p, r#"{"Records":["#), None);
    }

    #[test]
    fn needles_it_cannot_search_for() {
        assert!(Prefilter::new(Vec::<Vec<u8>>::new()).is_none());
        assert!(Prefilter::new([Vec::new()]).is_none());
        assert!(Prefilter::new([b"role/ci\"".to_vec()]).is_none());
    }

    #[test]
    fn an_owned_needle_counts_only_in_an_arn_of_its_account() {
        let records = [
            issued_by("a", "arn:aws:iam::1:role/ci"),
            // The same-named role in another account (its userName holds `ci"` too).
            issued_by("b", "arn:aws:iam::2:role/ci"),
            issued_by("c", "arn:aws:iam::1:role/service-role/ci"),
            // Not the name: a longer one ending the same way.
            issued_by("d", "arn:aws:iam::1:role/my-ci"),
            // Slashes escaped: the writer's business, so it counts.
            issued_by("e", r"arn:aws:iam::2:role\/ci"),
            issued_by("f", "arn:aws-cn:iam::1:role/ci"),
            // The name only as a key, and as a resource ARN of another account.
            r#"{"eventVersion":"1.08","eventID":"g","ci":1,"r":"arn:aws:s3:::b/ci"}"#.into(),
        ];
        let refs: Vec<&str> = records.iter().map(String::as_str).collect();
        let text = doc(&refs);
        for (scan, mut p) in scans(pf_owned) {
            assert_eq!(
                indices(&mut p, &text),
                Some((7, vec![0, 2, 4, 5])),
                "{scan}"
            );
        }
        // Without an owner every record holding the needle is a candidate.
        for (scan, mut p) in scans(pf) {
            assert_eq!(
                indices(&mut p, &text),
                Some((7, vec![0, 1, 2, 3, 4, 5, 6])),
                "{scan}"
            );
        }
        // An owner never refuses what it cannot read: a string longer than an ARN.
        let long = format!("arn:aws:iam::2:role/{}/ci", "p".repeat(ARN_REACH));
        let text = doc(&[&issued_by("h", &long)]);
        assert_eq!(indices(&mut pf_owned(), &text), Some((1, vec![0])));
    }

    /// Every one-pass scan and the pass-per-pattern scan agree on any text made of the
    /// pieces that matter (records, keys, escapes, the needle, across 32- and 64-byte
    /// blocks).
    #[test]
    fn one_pass_agrees_with_a_pass_per_pattern() {
        use proptest::prelude::*;
        let piece = prop::sample::select(vec![
            OTHER,
            MINE,
            r#"{"eventVersion":"1.0","eventID":"c"}"#,
            r#"{"eventVersion":"1.0","eventID":"d","x":"role/ci"}"#,
            r#"{"eventVersion":"1.0","eventID":"d2","x":"arn:aws:iam::2:role/ci"}"#,
            r#"{"eventVersion":"1.0","eventID":"d3","x":"arn:aws:iam::1:role\/ci"}"#,
            r#"{"eventVersion":"1.0","x":{"eventVersion":1},"eventID":"e"}"#,
            r#"{"eventVersion":"1.0","eventID":"f","s":"a\\u0063"}"#,
            r#"{"eventVersion":"1.0","eventID":"g","s":"\u0063i\""}"#,
            r#"{"eventID":"h","eventVersion":"1.0"}"#,
            r#"{"eventVersion":"1.0","eventID":"i","pad":"................................................"}"#,
        ]);
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(&prop::collection::vec(piece, 1..12), |records| {
                let text = doc(&records);
                for make in [pf, pf_owned] {
                    let mut all = scans(make);
                    let (_, mut passes) = all.pop().expect("the pass per pattern");
                    let b = passes
                        .plan(text.as_bytes())
                        .map(|p| (p.records, p.candidates.to_vec()));
                    for (scan, mut fused) in all {
                        let a = fused
                            .plan(text.as_bytes())
                            .map(|p| (p.records, p.candidates.to_vec()));
                        prop_assert_eq!(&a, &b, "{}: {}", scan, text);
                    }
                }
                Ok(())
            })
            .unwrap();
    }

    /// Any text between a valid head and tail: no panic, and both scans agree.
    #[test]
    fn arbitrary_text_never_panics_and_both_scans_agree() {
        use proptest::prelude::*;
        let byte = prop::sample::select(b"{}[],:\"\\uVIDeventVersionci /arn1 \x00\xff".to_vec());
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(&prop::collection::vec(byte, 0..40_000), |junk| {
                let mut text = br#"{"Records":[{"eventVersion":"#.to_vec();
                text.extend_from_slice(&junk);
                text.extend_from_slice(b"]}");
                for make in [pf, pf_owned] {
                    let mut all = scans(make);
                    let (_, mut passes) = all.pop().expect("the pass per pattern");
                    let b = passes
                        .plan(&text)
                        .map(|p| (p.records, p.candidates.to_vec()));
                    all.push(("a pass per pattern".into(), passes));
                    for (scan, mut fused) in all {
                        let a = fused
                            .plan(&text)
                            .map(|p| (p.records, p.candidates.to_vec()));
                        prop_assert_eq!(&a, &b, "{}", scan);
                        // Summing as it scans: the same plan, and the text's CRC-32.
                        let mut crc = 0;
                        let summed = fused
                            .plan_summing(&text, Some(&mut crc))
                            .map(|p| (p.records, p.candidates.to_vec()));
                        prop_assert_eq!(&summed, &b, "{} summing", scan);
                        prop_assert_eq!(crc, crc32fast::hash(&text), "{}", scan);
                    }
                }
                Ok(())
            })
            .unwrap();
    }
}

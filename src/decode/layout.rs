//! Layouts other than one JSON document: records one per line (NDJSON, and CloudWatch Logs
//! exports, whose lines carry a timestamp first), several documents one after another
//! (`zcat *.json.gz`), and records embedded as strings in another service's output
//! (`aws cloudtrail lookup-events`, `aws logs filter-log-events` / `get-log-events`).

use std::ops::Range;

use simd_json::tape::Tape;
use simd_json::{INPUT_PADDING, fill_tape};

use super::record::Json;
use super::{Decoder, ObjectKind, RecordError, Sink, Want, emit, json_err, skim};
use simd_json::prelude::ValueIntoString as _;

/// Whether the text looks like one JSON object per line rather than one document:
/// the first line is a whole object, not a container of records (`{"Records":…}` on one
/// line is a delivery object, and the next line another one), and the next non-empty
/// line starts another object.
pub(super) fn looks_like_ndjson(b: &[u8]) -> bool {
    let Some(nl) = memchr::memchr(b'\n', b) else {
        return false;
    };
    let first = b[..nl].trim_ascii();
    let rest = b[nl + 1..].trim_ascii_start();
    let container = [&b"{\"Records\":"[..], b"{\"Events\":", b"{\"events\":"]
        .iter()
        .any(|p| first.starts_with(p));
    first.first() == Some(&b'{')
        && first.last() == Some(&b'}')
        && rest.first() == Some(&b'{')
        && !container
}

/// The length of the timestamp and space a CloudWatch Logs export puts before each
/// event's message (`2026-11-20T09:00:00.000Z {"eventVersion":…}`), when `line` starts so:
/// an ISO-8601 date and time (`YYYY-MM-DDT…`), one space, then the message.
///
/// The format is the one `aws logs create-export-task` writes to S3 (gzipped text objects
/// under `<prefix>/<task id>/<log stream>/000000.gz`; the CloudWatch Logs User Guide,
/// "Exporting log data to Amazon S3", sorts them by this leading timestamp).
fn stamp_len(line: &[u8]) -> Option<usize> {
    const MAX: usize = 40;
    let d = |i: usize| line.get(i).is_some_and(u8::is_ascii_digit);
    let shape = (0..4).all(d)
        && line.get(4) == Some(&b'-')
        && d(5)
        && d(6)
        && line.get(7) == Some(&b'-')
        && d(8)
        && d(9)
        && line.get(10) == Some(&b'T');
    if !shape {
        return None;
    }
    let space = memchr::memchr(b' ', &line[..line.len().min(MAX)])?;
    line[11..space]
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'+' | b'-'))
        .then_some(space + 1)
}

/// Whether the text is a CloudWatch Logs export: its first non-empty line is a timestamp
/// followed by a JSON object.
pub(super) fn looks_stamped(b: &[u8]) -> bool {
    let b = b.trim_ascii_start();
    // The shape first: it needs the first 40 bytes only, where the line's end would need
    // a scan of a whole one-line document.
    let Some(n) = stamp_len(b).filter(|&n| !b[..n].contains(&b'\n')) else {
        return false;
    };
    b[n..].iter().find(|&&c| c != b' ') == Some(&b'{')
}

/// Whether an object holding `events` is CloudWatch Logs output (`filter-log-events`,
/// `get-log-events`): an event's `message` is a JSON object, or there are no events and
/// the page has CloudWatch Logs' pagination keys.
pub(super) fn is_log_events(doc: Json<'_>, events: Json<'_>) -> bool {
    let Some(items) = events.as_array() else {
        return false;
    };
    if items.is_empty() {
        return [
            "nextForwardToken",
            "nextBackwardToken",
            "searchedLogStreams",
        ]
        .iter()
        .any(|k| doc.get(k).is_some());
    }
    items.iter().any(|e| {
        e.get("message")
            .and_then(|m| m.into_string())
            .is_some_and(|m| m.trim_ascii_start().starts_with('{'))
    })
}

/// The top-level documents of a text that holds several, one after another (whitespace
/// between them allowed): each document's byte range, or `Err(start)` for text that does
/// not hold a whole JSON object or array (the last item).
pub(super) struct Documents<'a> {
    text: &'a [u8],
    at: usize,
    done: bool,
}

/// The documents of `text`, or `None` unless it holds at least two: the first object or
/// array ends before the text does, and another object or array follows.
pub(super) fn documents(text: &[u8]) -> Option<Documents<'_>> {
    let start = text.len() - text.trim_ascii_start().len();
    if !matches!(text.get(start), Some(b'{' | b'[')) {
        return None;
    }
    let end = skim::close(text, start)?;
    let next = end + (text[end..].len() - text[end..].trim_ascii_start().len());
    matches!(text.get(next), Some(b'{' | b'[')).then_some(Documents {
        text,
        at: start,
        done: false,
    })
}

impl Iterator for Documents<'_> {
    type Item = Result<Range<usize>, usize>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = &self.text[self.at..];
        let at = self.at + (rest.len() - rest.trim_ascii_start().len());
        if at == self.text.len() {
            self.done = true;
            return None;
        }
        let end = matches!(self.text[at], b'{' | b'[')
            .then(|| skim::close(self.text, at))
            .flatten();
        match end {
            Some(end) => {
                self.at = end;
                Some(Ok(at..end))
            }
            None => {
                self.done = true;
                Some(Err(at))
            }
        }
    }
}

impl Decoder {
    /// Decodes one record per line of `body`; with `stamped`, a line's leading CloudWatch
    /// Logs timestamp is dropped first (see [`stamp_len`]). A record's index is its line
    /// number − 1.
    pub(super) fn decode_lines(
        &mut self,
        body: &mut [u8],
        sink: &mut Sink<'_>,
        stamped: bool,
    ) -> ObjectKind {
        let mut tape = self.tape.take().unwrap_or_else(|| Tape::null().reset());
        for (i, line) in body.split_mut(|&b| b == b'\n').enumerate() {
            let mut line = trim_mut(line);
            if stamped && let Some(n) = stamp_len(line) {
                let whole = std::mem::take(&mut line);
                line = trim_mut(&mut whole[n..]);
            }
            if line.is_empty() {
                continue;
            }
            let mut t = tape.reset();
            match fill_tape(line, &mut self.buffers, &mut t) {
                Ok(()) => emit(sink, i, t.as_value()),
                Err(e) => sink(i, Err(RecordError::Json(json_err(e)))),
            }
            tape = t.reset();
        }
        self.tape = Some(tape);
        ObjectKind::Records
    }

    /// Hands over the records that `items` carry as JSON text in their `field` (a
    /// lookup-events `CloudTrailEvent`, a CloudWatch Logs event's `message`), each parsed
    /// on its own; an item without it, or whose text does not parse, is a bad record.
    pub(super) fn embedded(&mut self, items: Json<'_>, field: &'static str, sink: &mut Sink<'_>) {
        let Some(items) = items.as_array() else {
            return;
        };
        let mut inner = self
            .inner_tape
            .take()
            .unwrap_or_else(|| Tape::null().reset());
        for (i, ev) in items.iter().enumerate() {
            let Some(text) = ev.get(field).and_then(|t| t.into_string()) else {
                sink(i, Err(RecordError::MissingField(field)));
                continue;
            };
            self.scratch.clear();
            self.scratch.extend_from_slice(text.as_bytes());
            let mut t = inner.reset();
            match fill_tape(&mut self.scratch, &mut self.buffers, &mut t) {
                Ok(()) => emit(sink, i, t.as_value()),
                Err(e) => sink(i, Err(RecordError::Json(json_err(e)))),
            }
            inner = t.reset();
        }
        self.inner_tape = Some(inner);
    }

    /// Decodes the documents of `text` (the original text, not yet parsed in place) when
    /// it holds several one after another, each as an object of its own would be (skimmed
    /// with `want`); `None` when it does not. Record indices run on across documents. A
    /// document that does not decode (or text between documents that is not one) is one
    /// bad record, [`RecordError::Document`], at the index where its records would
    /// start: the documents around it still count.
    pub(super) fn several(
        &mut self,
        text: &[u8],
        sink: &mut Sink<'_>,
        want: Option<&Want<'_>>,
    ) -> Option<ObjectKind> {
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        let docs = documents(text)?;
        let mut seg = std::mem::take(&mut self.segment);
        let (mut next, mut records, mut digest) = (0usize, false, false);
        for (number, item) in docs.enumerate() {
            let base = next;
            let range = match item {
                Ok(range) => range,
                Err(at) => {
                    sink(
                        base,
                        Err(RecordError::Document {
                            number: number + 1,
                            at,
                            reason: "not a whole JSON object or array".into(),
                        }),
                    );
                    records = true;
                    break;
                }
            };
            seg.clear();
            seg.extend_from_slice(&text[range.clone()]);
            let n = seg.len();
            seg.resize(n + INPUT_PADDING, b' ');
            let mut on = |i: usize, r: Result<super::Record<'_>, RecordError>| {
                next = next.max(base + i + 1);
                sink(base + i, r);
            };
            let r = match want {
                Some(want) => self.checked_or_whole(&mut seg, n, &mut on, want),
                None => self.document(&mut seg, n, &mut on),
            };
            match r {
                Ok(ObjectKind::Records) => records = true,
                Ok(ObjectKind::Digest) => digest = true,
                Ok(ObjectKind::NotCloudTrail) => {}
                Err(e) => {
                    sink(
                        base,
                        Err(RecordError::Document {
                            number: number + 1,
                            at: range.start,
                            reason: e.to_string(),
                        }),
                    );
                    next = base + 1;
                    records = true;
                }
            }
        }
        if seg.capacity() <= super::RETAIN {
            self.segment = seg;
        }
        self.trailing = false;
        Some(if records {
            ObjectKind::Records
        } else if digest {
            ObjectKind::Digest
        } else {
            ObjectKind::NotCloudTrail
        })
    }
}

pub(super) fn trim_mut(s: &mut [u8]) -> &mut [u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &mut s[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_cloudwatch_exports() {
        let line = br#"2026-11-20T09:00:00.000Z {"eventVersion":"1.08"}"#;
        assert_eq!(stamp_len(line), Some(25));
        assert!(looks_stamped(line));
        assert!(looks_stamped(b"\n2026-11-20T09:00:00+01:00 {}"));
        for no in [
            &b"2026-11-20 09:00:00 {}"[..],
            b"20261120T090000Z {}",
            b"2026-11-20T09:00:00.000Z",
            b"2026-11-20T09:00:00.000Z plain text",
            b"{\"eventVersion\":1}",
            b"2026-11-20T",
            b"",
        ] {
            assert!(!looks_stamped(no), "{}", String::from_utf8_lossy(no));
        }
    }

    #[test]
    fn documents_one_after_another() {
        let ranges = |t: &str| documents(t.as_bytes()).map(|d| d.collect::<Vec<_>>());
        assert_eq!(ranges(r#"{"a":1}"#), None);
        assert_eq!(ranges("{\"a\":1}\n"), None);
        assert_eq!(ranges(r#"{"a":1} x"#), None);
        assert_eq!(
            ranges(r#"{"a":"}{"}[1]"#),
            Some(vec![Ok(0..10), Ok(10..13)])
        );
        assert_eq!(ranges("{}\n {} x"), Some(vec![Ok(0..2), Ok(4..6), Err(7)]));
        assert_eq!(ranges("{} {\"a\":["), Some(vec![Ok(0..2), Err(3)]));
        assert!(!looks_like_ndjson(b"{\"Records\":[]}\n{\"Records\":[]}"));
        assert!(looks_like_ndjson(
            b"{\"eventVersion\":1}\n{\"eventVersion\":1}"
        ));
    }

    fn gz(b: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    fn rec(n: usize) -> String {
        format!(
            r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/u{}","accountId":"1"}},"eventSource":"s3.amazonaws.com","eventName":"E{n}","eventID":"id-{n}","requestParameters":{{"k":"a\"}}{{b"}}}}"#,
            n % 2
        )
    }

    /// Every way the decoder reads an object: whole, sliced/streamed, skimmed (checked and
    /// streamed), as `index:event` or `index:ERR`, with the object's result.
    fn all_ways(data: &[u8]) -> Vec<Vec<String>> {
        let want = |r: &super::super::Record<'_>| {
            r.identity_str("arn").is_some_and(|a| a.ends_with("/u1"))
        };
        let mut out = Vec::new();
        for (restart, skim) in [(false, false), (true, false), (false, true), (true, true)] {
            let seen = std::cell::RefCell::new(Vec::new());
            let mut data = data.to_vec();
            let mut on_restart = || seen.borrow_mut().clear();
            let r = Decoder::default().decode_selecting(
                &mut data,
                &mut |i, r| {
                    seen.borrow_mut().push(match r {
                        Ok(r) => format!("{i}:{}", r.event_name().unwrap_or("?")),
                        Err(e) => format!("{i}:ERR {e}"),
                    })
                },
                restart.then_some(&mut on_restart as &mut dyn FnMut()),
                skim.then_some(&want as &Want<'_>),
            );
            let mut seen = seen.into_inner();
            seen.push(format!("{:?}", r.map_err(|e| e.to_string())));
            out.push(seen);
        }
        out
    }

    fn same_all_ways(data: &[u8]) -> Vec<String> {
        let ways = all_ways(data);
        for w in &ways[1..] {
            assert_eq!(w, &ways[0]);
        }
        ways[0].clone()
    }

    #[test]
    fn concatenated_documents_give_every_record() {
        let doc = |a: usize, b: usize| {
            let recs: Vec<String> = (a..b).map(rec).collect();
            format!(r#"{{"Records":[{}]}}"#, recs.join(","))
        };
        let want: Vec<String> = (0..7)
            .map(|i| format!("{i}:E{i}"))
            .chain(["Ok(Records)".to_string()])
            .collect();
        for sep in ["", "\n", " \n\n"] {
            let text = [doc(0, 3), doc(3, 3), doc(3, 4), doc(4, 7)].join(sep);
            assert_eq!(same_all_ways(text.as_bytes()), want, "{sep:?}");
            assert_eq!(same_all_ways(&gz(text.as_bytes())), want, "{sep:?}");
            // Gzip members one after another (`cat *.json.gz`).
            let members: Vec<u8> = [doc(0, 3), doc(3, 4), doc(4, 7)]
                .iter()
                .flat_map(|d| gz(d.as_bytes()))
                .collect();
            assert_eq!(same_all_ways(&members), want);
        }
        // Other layouts one after another: arrays, lookup-events, a digest.
        let lookup = serde_json::json!({"Events":[{"CloudTrailEvent": rec(1)}]}).to_string();
        let text = format!(
            "[{}]\n{lookup}\n{}\n{{\"digestStartTime\":\"x\"}}",
            rec(0),
            doc(2, 3)
        );
        assert_eq!(
            same_all_ways(text.as_bytes()),
            ["0:E0", "1:E1", "2:E2", "Ok(Records)"]
        );
        // A damaged document in the middle costs only itself, named by number and byte.
        let bad = format!(
            "{}\n{{\"Records\":[{{\"eventVersion\":tru}}]}}\n{}",
            doc(0, 2),
            doc(2, 3)
        );
        let got = same_all_ways(bad.as_bytes());
        assert_eq!(got.len(), 5, "{got:?}");
        assert_eq!(got[..2], ["0:E0", "1:E1"]);
        assert!(
            got[2].starts_with("2:ERR document 2 of the concatenated input (at byte"),
            "{got:?}"
        );
        assert_eq!(got[3], "3:E2");
        // Truncated at the end.
        let cut = format!("{}{}", doc(0, 2), &doc(2, 3)[..40]);
        let got = same_all_ways(cut.as_bytes());
        assert!(
            got[2].contains("not a whole JSON object or array"),
            "{got:?}"
        );
        // One damaged document alone is still the object's error.
        assert!(same_all_ways(b"{\"Records\":[}")[0].starts_with("Err("));
    }

    #[test]
    fn cloudwatch_logs_exports_and_events() {
        let export = format!(
            "2026-11-20T09:00:00.000Z {}\n2026-11-20T09:00:01.000Z {}\n\n2026-11-20T09:00:02.000Z {{bad\n",
            rec(0),
            rec(1)
        );
        let want = ["0:E0", "1:E1", "3:ERR"];
        for data in [export.clone().into_bytes(), gz(export.as_bytes())] {
            let got = same_all_ways(&data);
            assert_eq!(got.len(), 4);
            for (g, w) in got.iter().zip(want) {
                assert!(g.starts_with(w), "{got:?}");
            }
        }
        let events = serde_json::json!({
            "events": [
                {"logStreamName":"111122223333_CloudTrail_us-east-1","timestamp":1,"message":rec(0),"ingestionTime":2,"eventId":"1"},
                {"timestamp":1,"ingestionTime":2},
                {"timestamp":1,"message":rec(1),"ingestionTime":2}
            ],
            "searchedLogStreams": []
        })
        .to_string();
        assert_eq!(
            same_all_ways(events.as_bytes()),
            ["0:E0", "1:ERR no `message` field", "2:E1", "Ok(Records)"]
        );
        // Other logs are not CloudTrail.
        for other in [
            r#"{"events":[{"message":"START RequestId: 1"}]}"#,
            r#"{"events":[]}"#,
        ] {
            assert_eq!(same_all_ways(other.as_bytes()), ["Ok(NotCloudTrail)"]);
        }
        assert_eq!(
            same_all_ways(br#"{"events":[],"nextForwardToken":"f/1"}"#),
            ["Ok(Records)"]
        );
    }
}

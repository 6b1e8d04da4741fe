//! Skimming: reading only the fields selection needs from each record of a
//! `{"Records":[…]}` document, without building a tape.
//!
//! A run with a principal (or another filter) uses a few percent of the records it
//! reads, yet parsing every record into simd-json's tape costs more than inflating it.
//! The skimmer walks a record's top-level keys and `userIdentity`, takes the handful of
//! strings selection reads, and jumps over everything else (nested parameters, response
//! elements) by tracking strings and brackets only. Records that selection keeps are
//! then parsed in full, so mapping sees exactly what a whole-document parse gives.
//!
//! What is checked, and what is not:
//! - The structure is checked everywhere: every string must end and brackets must balance
//!   in number; in the objects the skimmer walks (a record, `userIdentity`), keys and
//!   values must alternate. Any surprise ends the skim ([`record`] gives `None`) and the
//!   caller decodes the document whole, with the parser's own error.
//! - The strings selection reads are checked as UTF-8; a field written with escapes, a
//!   repeated field, a field of an unexpected type or a missing `eventSource` or
//!   `eventName` makes the record *odd*: it is parsed in full, so its result is the
//!   parser's.
//! - Inside the values a run never reads (another principal's request parameters),
//!   literals and UTF-8 are not validated: such damage no longer costs the whole object.

/// The fields of one record that selection needs, as found by [`record`].
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Head<'a> {
    pub event_source: Option<&'a str>,
    pub event_name: Option<&'a str>,
    pub event_time: Option<&'a str>,
    pub event_type: Option<&'a str>,
    pub region: Option<&'a str>,
    pub recipient: Option<&'a str>,
    pub ty: Option<&'a str>,
    pub arn: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub access_key_id: Option<&'a str>,
    pub user_name: Option<&'a str>,
    pub principal_id: Option<&'a str>,
    pub invoked_by: Option<&'a str>,
    pub issuer_arn: Option<&'a str>,
}

/// What skimming one well-formed record found.
#[derive(Debug)]
pub(crate) struct Scan<'a> {
    /// The fields (incomplete when `odd`).
    pub head: Head<'a>,
    /// Where the record ends (the index after its `}`).
    pub end: usize,
    /// The skimmer does not read this record exactly (see the module docs): parse it in
    /// full.
    pub odd: bool,
}

/// Where the records of a `{"Records":[…]}` document start: the index after `[`, when the
/// text (after leading whitespace) opens so and ends with `]}` (whitespace allowed
/// between and after). Anything else is read by the whole-document parser.
fn records_start(text: &[u8]) -> Option<usize> {
    let mut c = Cursor { b: text, i: 0 };
    c.ws();
    c.eat(b'{')?;
    c.ws();
    c.eat(b'"')?;
    if !c.b[c.i..].starts_with(b"Records\"") {
        return None;
    }
    c.i += 8;
    c.ws();
    c.eat(b':')?;
    c.ws();
    c.eat(b'[')?;
    let tail = text.trim_ascii_end();
    let tail = tail.strip_suffix(b"}")?.trim_ascii_end();
    tail.ends_with(b"]").then_some(c.i)
}

/// After a record (or at the array's start): the start of the next record, `Ok(None)` at
/// the array's end (the document must then end with `}`), `Err(())` when the text is not
/// a list of objects. Another `{"Records":[…]}` may follow a document's end (delivery
/// objects concatenated, as `zcat *.json.gz` writes them): its records continue the list.
fn next_record(text: &[u8], mut at: usize, mut first: bool) -> Result<Option<usize>, ()> {
    loop {
        let mut c = Cursor { b: text, i: at };
        c.ws();
        return match c.peek() {
            Some(b']') => {
                c.i += 1;
                c.ws();
                c.eat(b'}').ok_or(())?;
                c.ws();
                if c.i == text.len() {
                    Ok(None)
                } else {
                    // A loop, not recursion: a stream of empty documents stays flat.
                    at = c.i + records_start(&text[c.i..]).ok_or(())?;
                    first = true;
                    continue;
                }
            }
            Some(b',') if !first => {
                c.i += 1;
                c.ws();
                if c.peek() == Some(b'{') {
                    Ok(Some(c.i))
                } else {
                    Err(())
                }
            }
            Some(b'{') if first => Ok(Some(c.i)),
            _ => Err(()),
        };
    }
}

/// The records of a `{"Records":[…]}` document, skimmed one after another, each with
/// where it starts. An `Err(())` (the last item) means the structure is not what this
/// module reads: then decode the whole document.
pub(crate) struct Records<'a> {
    text: &'a [u8],
    at: usize,
    first: bool,
    done: bool,
}

/// The records of `text`, or `None` when it is not a `{"Records":[…]}` document (see
/// [`records_start`]).
pub(crate) fn records(text: &[u8]) -> Option<Records<'_>> {
    records_start(text).map(|at| Records {
        text,
        at,
        first: true,
        done: false,
    })
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<(usize, Scan<'a>), ()>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = next_record(self.text, self.at, self.first).and_then(|start| match start {
            Some(start) => record(self.text, start)
                .map(|scan| Some((start, scan)))
                .ok_or(()),
            None => Ok(None),
        });
        match step {
            Ok(Some((start, scan))) => {
                self.at = scan.end;
                self.first = false;
                Some(Ok((start, scan)))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(()) => {
                self.done = true;
                Some(Err(()))
            }
        }
    }
}

/// Skims the record that starts (with `{`) at `text[at]`; `None` when the structure is
/// broken (or not what this module reads): then decode the whole document.
pub(crate) fn record(text: &[u8], at: usize) -> Option<Scan<'_>> {
    let mut c = Cursor { b: text, i: at };
    let mut head = Head::default();
    let mut odd = false;
    let mut seen = 0u32;
    c.object(|c, key, escaped| {
        let slot = match key {
            b"eventSource" => 0,
            b"eventName" => 1,
            b"eventTime" => 2,
            b"eventType" => 3,
            b"awsRegion" => 4,
            b"recipientAccountId" => 5,
            b"userIdentity" => 6,
            _ => {
                odd |= escaped;
                return c.skip_value();
            }
        };
        odd |= repeated(&mut seen, slot);
        let field = match slot {
            0 => &mut head.event_source,
            1 => &mut head.event_name,
            2 => &mut head.event_time,
            3 => &mut head.event_type,
            4 => &mut head.region,
            5 => &mut head.recipient,
            _ => return identity_fields(c, &mut head, &mut odd),
        };
        *field = c.string_value(&mut odd)?;
        Some(())
    })?;
    if head.event_source.is_none_or(str::is_empty) || head.event_name.is_none_or(str::is_empty) {
        odd = true;
    }
    Some(Scan {
        head,
        end: c.i,
        odd,
    })
}

/// Marks `slot` in `seen`; whether it was marked already (a repeated field, which makes
/// the record odd: the parser decides which occurrence counts).
fn repeated(seen: &mut u32, slot: u32) -> bool {
    let again = *seen & (1 << slot) != 0;
    *seen |= 1 << slot;
    again
}

/// Reads `userIdentity`, with `c` at its value, into `head`.
fn identity_fields<'a>(c: &mut Cursor<'a>, head: &mut Head<'a>, odd: &mut bool) -> Option<()> {
    if c.peek() != Some(b'{') {
        *odd = true;
        return c.skip_value();
    }
    let mut seen = 0u32;
    c.object(|c, key, escaped| {
        let slot = match key {
            b"type" => 0,
            b"arn" => 1,
            b"accountId" => 2,
            b"accessKeyId" => 3,
            b"userName" => 4,
            b"principalId" => 5,
            b"invokedBy" => 6,
            b"sessionContext" => 7,
            _ => {
                *odd |= escaped;
                return c.skip_value();
            }
        };
        *odd |= repeated(&mut seen, slot);
        let field = match slot {
            0 => &mut head.ty,
            1 => &mut head.arn,
            2 => &mut head.account_id,
            3 => &mut head.access_key_id,
            4 => &mut head.user_name,
            5 => &mut head.principal_id,
            6 => &mut head.invoked_by,
            // sessionContext.sessionIssuer.arn
            _ => {
                return c.only(b"sessionIssuer", odd, |c, odd| {
                    c.only(b"arn", odd, |c, odd| {
                        head.issuer_arn = c.string_value(odd)?;
                        Some(())
                    })
                });
            }
        };
        *field = c.string_value(odd)?;
        Some(())
    })
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

const HI: u64 = 0x8080_8080_8080_8080;
const LO: u64 = 0x0101_0101_0101_0101;

/// Lowest byte of `x` equal to `q` or `\`, as a bit mask with that byte's high bit set
/// (bits above the first match may be wrong; only the lowest is used).
#[inline(always)]
fn quote_or_backslash(x: u64) -> u64 {
    let q = x ^ (LO * u64::from(b'"'));
    let s = x ^ (LO * u64::from(b'\\'));
    (q.wrapping_sub(LO) & !q | s.wrapping_sub(LO) & !s) & HI
}

impl<'a> Cursor<'a> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn eat(&mut self, want: u8) -> Option<()> {
        (self.peek()? == want).then(|| self.i += 1)
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    /// With `i` just past an opening `"`: moves past the closing one and returns the
    /// contents' end and whether they hold an escape.
    #[inline(always)]
    fn string_rest(&mut self) -> Option<(usize, bool)> {
        let b = self.b;
        let mut escaped = false;
        let mut i = self.i;
        loop {
            // Eight bytes at a time while they are there, then byte by byte.
            while let Some(chunk) = b.get(i..i + 8) {
                let hit = quote_or_backslash(u64::from_le_bytes(chunk.try_into().ok()?));
                if hit != 0 {
                    i += (hit.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            match b.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    return Some((i, escaped));
                }
                b'\\' => {
                    escaped = true;
                    // The escaped byte is never the end of the string.
                    i += 2;
                }
                _ => i += 1,
            }
        }
    }

    /// A string value where selection reads one: `Some(Some(s))` for a plain string,
    /// `Some(None)` (and `odd`) for anything the parser must read (escapes, another type).
    fn string_value(&mut self, odd: &mut bool) -> Option<Option<&'a str>> {
        if self.peek()? != b'"' {
            *odd = true;
            self.skip_value()?;
            return Some(None);
        }
        self.i += 1;
        let start = self.i;
        let (end, escaped) = self.string_rest()?;
        if escaped {
            *odd = true;
            return Some(None);
        }
        // Invalid UTF-8 in a field the run reads: the parser reports it.
        let bytes = &self.b[start..end];
        if bytes.is_ascii() {
            // SAFETY: ASCII is UTF-8.
            return Some(Some(unsafe { std::str::from_utf8_unchecked(bytes) }));
        }
        std::str::from_utf8(bytes).ok().map(Some)
    }

    /// Walks an object at `i` (`{` … `}`), calling `each(cursor, key, key_escaped)` with
    /// the cursor at each value, which `each` must consume.
    #[inline(always)]
    fn object(
        &mut self,
        mut each: impl FnMut(&mut Self, &'a [u8], bool) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            self.eat(b'"')?;
            let start = self.i;
            let (end, escaped) = self.string_rest()?;
            let b: &'a [u8] = self.b;
            self.ws();
            self.eat(b':')?;
            self.ws();
            each(self, &b[start..end], escaped)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.ws();
                }
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// With the cursor at an object, calls `value` at the value of its key `key` and skips
    /// the rest. Anything the parser may read differently (not an object, the key
    /// repeated, a key written with escapes) makes the record `odd`.
    fn only(
        &mut self,
        key: &[u8],
        odd: &mut bool,
        mut value: impl FnMut(&mut Self, &mut bool) -> Option<()>,
    ) -> Option<()> {
        if self.peek() != Some(b'{') {
            *odd = true;
            return self.skip_value();
        }
        let mut seen = 0u32;
        self.object(|c, k, escaped| {
            if k != key {
                *odd |= escaped;
                return c.skip_value();
            }
            *odd |= repeated(&mut seen, 0);
            value(c, odd)
        })
    }

    /// Moves past one value. Containers are skipped by counting brackets outside strings
    /// (iteratively: no depth limit, no recursion), 64 bytes at a time where the CPU
    /// allows; scalars up to the next delimiter.
    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                self.string_rest().map(drop)
            }
            b'{' | b'[' => {
                self.i = close(self.b, self.i)?;
                Some(())
            }
            b'}' | b']' | b',' | b':' => None,
            _ => {
                let start = self.i;
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    self.i += 1;
                }
                (self.i > start).then_some(())
            }
        }
    }
}

/// The index after the bracket that closes the `{` or `[` at `b[start]`, or `None` when
/// the text ends first. Brackets inside strings do not count; whether each closing
/// bracket matches its opening one is not checked (the parser checks the values a run
/// reads).
pub(super) fn close(b: &[u8], start: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { blocks::close(b, start) };
    }
    close_scalar(b, start)
}

/// [`close`], a byte at a time (strings eight at a time).
fn close_scalar(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut c = Cursor { b, i: start };
    loop {
        match *b.get(c.i)? {
            b'"' => {
                c.i += 1;
                c.string_rest()?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(c.i + 1);
                }
            }
            _ => {}
        }
        c.i += 1;
    }
}

/// The block scanner behind [`close`]: simdjson's way of telling which quotes are
/// escaped and which bytes lie inside strings, 64 bytes at a time, without a branch per
/// byte.
#[cfg(target_arch = "x86_64")]
mod blocks {
    use std::arch::x86_64::*;

    const EVEN: u64 = 0x5555_5555_5555_5555;

    /// Bit i set where byte i of the 64 equals `c` (AVX2).
    #[target_feature(enable = "avx2")]
    fn eq(lo: __m256i, hi: __m256i, c: u8) -> u64 {
        let v = _mm256_set1_epi8(c as i8);
        let l = _mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, v)) as u32;
        let h = _mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, v)) as u32;
        u64::from(l) | u64::from(h) << 32
    }

    /// Escaped bytes (those after an odd run of backslashes), carrying a run across
    /// blocks in `prev` (simdjson's `find_escaped_branchless`).
    pub(super) fn escaped(backslash: u64, prev: &mut u64) -> u64 {
        let backslash = backslash & !*prev;
        let follows = backslash << 1 | *prev;
        let odd_starts = backslash & !EVEN & !follows;
        let (even_starts, overflow) = odd_starts.overflowing_add(backslash);
        *prev = u64::from(overflow);
        (EVEN ^ (even_starts << 1)) & follows
    }

    /// Bit i set where an odd number of bits 0..=i of `x` are set.
    pub(super) fn prefix_xor(mut x: u64) -> u64 {
        for s in [1, 2, 4, 8, 16, 32] {
            x ^= x << s;
        }
        x
    }

    /// See [`super::close`].
    #[target_feature(enable = "avx2")]
    pub(super) fn close(b: &[u8], start: usize) -> Option<usize> {
        let (mut depth, mut prev_escaped, mut in_string) = (0i64, 0u64, 0u64);
        let mut i = start;
        let mut pad = [b' '; 64];
        while i < b.len() {
            let block: &[u8] = match b.get(i..i + 64) {
                Some(full) => full,
                None => {
                    let n = b.len() - i;
                    pad[..n].copy_from_slice(&b[i..]);
                    pad[n..].fill(b' ');
                    &pad
                }
            };
            // SAFETY: `block` holds 64 bytes; the loads are unaligned.
            let (lo, hi) = unsafe {
                (
                    _mm256_loadu_si256(block.as_ptr().cast()),
                    _mm256_loadu_si256(block.as_ptr().add(32).cast()),
                )
            };
            let quotes = eq(lo, hi, b'"') & !escaped(eq(lo, hi, b'\\'), &mut prev_escaped);
            let inside = prefix_xor(quotes) ^ in_string;
            in_string = ((inside as i64) >> 63) as u64;
            // `[` and `{`, `]` and `}` differ only in bit 5.
            let bit5 = _mm256_set1_epi8(0x20);
            let (lo5, hi5) = (_mm256_or_si256(lo, bit5), _mm256_or_si256(hi, bit5));
            let open = eq(lo5, hi5, b'{') & !inside;
            let shut = eq(lo5, hi5, b'}') & !inside;
            let closes = i64::from(shut.count_ones());
            if depth - closes > 0 {
                // Cannot reach depth 0 in this block.
                depth += i64::from(open.count_ones()) - closes;
            } else {
                let mut m = open | shut;
                while m != 0 {
                    let bit = m & m.wrapping_neg();
                    if open & bit != 0 {
                        depth += 1;
                    } else {
                        depth -= 1;
                        if depth <= 0 {
                            return (depth == 0).then(|| i + bit.trailing_zeros() as usize + 1);
                        }
                    }
                    m ^= bit;
                }
            }
            i += 64;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(rec: &str) -> Result<Head<'_>, String> {
        match record(rec.as_bytes(), 0) {
            Some(s) => {
                assert_eq!(s.end, rec.len(), "end of {rec}");
                if s.odd { Err("odd".into()) } else { Ok(s.head) }
            }
            None => Err("bad".into()),
        }
    }

    const REC: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/ci/s","sessionContext":{"attributes":{"x":"y"},"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::1:role/ci"}}},"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","requestParameters":{"a":[1,2,{"b":"}]\"\\"}],"c":null,"d":true,"e":-1.5e3},"recipientAccountId":"1"}"#;

    #[test]
    fn reads_the_fields_selection_needs() {
        let h = head(REC).unwrap();
        assert_eq!(h.event_source, Some("s3.amazonaws.com"));
        assert_eq!(h.event_name, Some("GetObject"));
        assert_eq!(h.event_time, Some("2026-11-20T10:00:00Z"));
        assert_eq!(h.region, Some("us-east-1"));
        assert_eq!(h.recipient, Some("1"));
        assert_eq!(h.ty, Some("AssumedRole"));
        assert_eq!(h.arn, Some("arn:aws:sts::1:assumed-role/ci/s"));
        assert_eq!(h.issuer_arn, Some("arn:aws:iam::1:role/ci"));
        // Whitespace anywhere JSON allows it.
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(REC).unwrap())
                .unwrap();
        let p = head(&pretty).unwrap();
        assert_eq!((p.issuer_arn, p.event_name), (h.issuer_arn, h.event_name));
    }

    #[test]
    fn what_the_parser_must_read_is_odd() {
        for odd in [
            // Escapes in a field selection reads, or in a key.
            REC.replace("us-east-1", r"us-east\u002d1"),
            REC.replace("\"eventTime\"", r#""event\u0054ime""#),
            // Repeated fields, other types, missing required fields.
            REC.replace(
                "\"awsRegion\":\"us-east-1\"",
                "\"awsRegion\":\"a\",\"awsRegion\":\"b\"",
            ),
            REC.replace("\"eventTime\":\"2026-11-20T10:00:00Z\"", "\"eventTime\":5"),
            REC.replace("\"eventName\":\"GetObject\"", "\"eventName\":\"\""),
            REC.replace("\"eventSource\":\"s3.amazonaws.com\",", ""),
            REC.replace("\"sessionIssuer\":{", "\"sessionIssuer\":{\"arn\":\"x\","),
        ] {
            assert_eq!(head(&odd).unwrap_err(), "odd", "{odd}");
        }
    }

    #[test]
    fn broken_structure_is_bad_never_a_panic() {
        for bad in [
            &REC[..REC.len() - 1],
            &REC[..40],
            r#"{"a":[1,2}"#,
            r#"{"a":{"b":1]}"#,
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            r#"{"a":"unterminated\"}"#,
            "{\"eventSource\":\"\u{fffd}\"}",
            "{",
            "",
        ] {
            let _ = std::panic::catch_unwind(|| record(bad.as_bytes(), 0)).expect("no panic");
            assert!(record(bad.as_bytes(), 0).is_none_or(|s| s.odd), "{bad}");
        }
        // Invalid UTF-8 in a field selection reads.
        let mut b = REC.as_bytes().to_vec();
        let at = REC.find("us-east-1").unwrap();
        b[at] = 0xff;
        assert!(record(&b, 0).is_none());
        // Deep nesting is skipped without recursion.
        let deep = format!(
            r#"{{"eventSource":"s","eventName":"n","x":{}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(record(deep.as_bytes(), 0).is_some_and(|s| !s.odd));
    }

    #[test]
    fn the_block_scanner_agrees_with_the_byte_scanner() {
        // Pseudo-random texts of the bytes that matter: brackets outside and inside
        // strings, escaped quotes and backslashes (backslashes only inside strings, as
        // in JSON), strings across block boundaries, now and then cut short.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut agree = 0;
        for _ in 0..20_000 {
            let mut t = vec![b'['];
            for _ in 0..1 + next(60) {
                match next(9) {
                    0..=5 => t.push(b"{}[],:a"[next(7) as usize]),
                    _ => {
                        t.push(b'"');
                        let long = next(4) == 0;
                        for _ in 0..next(if long { 150 } else { 12 }) {
                            let piece: &[u8] = match next(8) {
                                0 => b"\\\\",
                                1 => b"\\\"",
                                2 => b"{",
                                3 => b"]",
                                _ => b"a",
                            };
                            t.extend_from_slice(piece);
                        }
                        t.push(b'"');
                    }
                }
            }
            if next(10) == 0 {
                // Cut anywhere: inside a string, between a backslash and what it escapes.
                t.truncate(1 + next(t.len() as u64) as usize);
            }
            let want = close_scalar(&t, 0);
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 checked.
                let got = unsafe { blocks::close(&t, 0) };
                assert_eq!(got, want, "{}", String::from_utf8_lossy(&t));
            }
            agree += usize::from(want.is_some());
        }
        assert!(agree > 1000, "{agree} texts closed");
        // Escapes across a block boundary.
        for pad in 50..70 {
            let t = format!("[\"{}\\\\\\\"]\"]", "a".repeat(pad));
            assert_eq!(close(t.as_bytes(), 0), Some(t.len()), "{t}");
        }
    }

    #[test]
    fn documents() {
        let doc = format!(" {{ \"Records\" : [ {REC} , {REC} ] }}\n");
        let b = doc.as_bytes();
        let mut n = 0;
        for item in records(b).unwrap() {
            let (start, s) = item.unwrap();
            assert_eq!(b[start], b'{');
            assert!(!s.odd);
            n += 1;
        }
        assert_eq!(n, 2);
        // Broken after the first record: that record, then the error, then nothing.
        let broken = format!("{{\"Records\":[{REC},x]}}");
        let mut it = records(broken.as_bytes()).unwrap();
        assert!(matches!(it.next(), Some(Ok(_))));
        assert!(matches!(it.next(), Some(Err(()))));
        assert!(it.next().is_none());
        assert_eq!(next_record(b"{\"Records\":[]}", 12, true), Ok(None));
        assert_eq!(next_record(b"]}x", 0, false), Err(()));
        assert!(records_start(b"{\"Records\":[],\"x\":1}").is_none());
        assert!(records_start(b"{\"Events\":[]}").is_none());
    }
}

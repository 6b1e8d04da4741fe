//! The shared preparation of a text: redaction happens before (the caller), then JSON
//! string escapes are blanked (length-preserving, so offsets keep pointing into the input)
//! and lines are joined into one "flat" string with line-leading borders (`│` of Terraform,
//! `>` of quotes) removed, so a message wrapped over several lines reads as one sentence.
//! Also the token rules every family reads with (action characters, token ends, trimming).

use memchr::memmem;

use crate::map::FailureClass;

/// Characters that start a line only as decoration (Terraform's box, mail quotes).
pub(super) const BORDERS: [char; 7] = ['│', '┃', '║', '╷', '╵', '>', '|'];

/// Blanks JSON string escapes without changing any offset.
fn unescape(r: &str) -> String {
    let mut b = r.as_bytes().to_vec();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'\\' {
            match b[i + 1] {
                b'"' | b'/' | b'\'' => b[i] = b' ',
                b'n' | b't' | b'r' | b'\\' => {
                    b[i] = b' ';
                    b[i + 1] = b' ';
                }
                _ => {}
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A text ready to scan: `u` (unescaped, line structure kept) and the flat text
/// (lines joined, borders removed) with its lowercase twin `lb` for case-insensitive search.
pub(super) struct Prepared {
    /// The unescaped text (same offsets as the redacted input).
    pub(super) u: String,
    /// The flat text (valid UTF-8: it is built from `u`'s characters).
    flat: String,
    /// The flat text in ASCII lowercase (markers are searched here).
    pub(super) lb: Vec<u8>,
    /// Flat position → position in `u` (inputs are cut into chunks well below 4 GiB).
    f2u: Vec<u32>,
    /// Offset in `u` of each line's start.
    pub(super) line_starts: Vec<usize>,
    /// Paragraph of each line (0-based line index); `u32::MAX` for blank lines.
    para: Vec<u32>,
}

fn is_border_line(l: &str) -> bool {
    l.chars().all(|c| c.is_whitespace() || BORDERS.contains(&c))
}

impl Prepared {
    pub(super) fn new(r: &str) -> Prepared {
        let u = unescape(r);
        let mut fb = Vec::with_capacity(u.len());
        let mut f2u = Vec::with_capacity(u.len());
        let mut chars = u.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\n' {
                fb.push(b' ');
                f2u.push(i as u32);
                while let Some(&(_, d)) = chars.peek() {
                    if d == ' ' || d == '\t' || d == '\r' || BORDERS.contains(&d) {
                        chars.next();
                    } else {
                        break;
                    }
                }
                continue;
            }
            if c == '\r' || c == '\t' {
                fb.push(b' ');
                f2u.push(i as u32);
                continue;
            }
            let mut buf = [0u8; 4];
            for (k, byte) in c.encode_utf8(&mut buf).bytes().enumerate() {
                fb.push(byte);
                f2u.push((i + k) as u32);
            }
        }
        let lb = fb.to_ascii_lowercase();
        let flat = String::from_utf8(fb)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', u.as_bytes()).map(|i| i + 1));
        let mut para = Vec::with_capacity(line_starts.len());
        let (mut id, mut prev_blank) = (0u32, false);
        for l in u.split('\n') {
            if is_border_line(l) {
                para.push(u32::MAX);
                prev_blank = true;
            } else {
                if prev_blank {
                    id += 1;
                }
                para.push(id);
                prev_blank = false;
            }
        }
        Prepared {
            u,
            flat,
            lb,
            f2u,
            line_starts,
            para,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.flat.len()
    }

    /// The flat text's bytes.
    pub(super) fn fb(&self) -> &[u8] {
        self.flat.as_bytes()
    }

    /// The flat text in `[a, b)` without a copy, when both are character boundaries
    /// (then it is what [`Prepared::text`] returns).
    pub(super) fn str(&self, a: usize, b: usize) -> Option<&str> {
        let a = a.min(self.len());
        self.flat.get(a..b.min(self.len()).max(a))
    }

    /// `i`, moved forward to the start of a character.
    pub(super) fn boundary(&self, mut i: usize) -> usize {
        while i < self.len() && (self.fb()[i] & 0xC0) == 0x80 {
            i += 1;
        }
        i.min(self.len())
    }

    /// 1-based line of a flat position.
    pub(super) fn line(&self, f: usize) -> usize {
        let u = self.f2u.get(f).map_or(self.u.len(), |&x| x as usize);
        self.line_of_u(u)
    }

    pub(super) fn line_of_u(&self, u: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= u).max(1)
    }

    /// Line `line` (1-based) of `r`, the text `u` was unescaped from (its newlines are
    /// `u`'s), as `str::lines` gives it.
    pub(super) fn raw_line<'r>(&self, r: &'r str, line: usize) -> &'r str {
        let Some(&a) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        match self.line_starts.get(line) {
            Some(&next) => {
                let l = r.get(a.min(next - 1)..next - 1).unwrap_or_default();
                l.strip_suffix('\r').unwrap_or(l)
            }
            None => r.get(a..).unwrap_or_default(),
        }
    }

    pub(super) fn para(&self, line: usize) -> u32 {
        self.para
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(u32::MAX)
    }

    /// Flat position of a position in `u`.
    pub(super) fn f_of_u(&self, u: usize) -> usize {
        self.f2u.partition_point(|&x| (x as usize) < u)
    }

    /// Flat range of lines `first..=last` (1-based, clamped).
    pub(super) fn f_lines(&self, first: usize, last: usize) -> (usize, usize) {
        let first = first.max(1);
        let last = last.min(self.line_starts.len()).max(first);
        let a = self
            .line_starts
            .get(first - 1)
            .copied()
            .unwrap_or(self.u.len());
        let b = self.line_starts.get(last).copied().unwrap_or(self.u.len());
        (self.f_of_u(a), self.f_of_u(b))
    }

    /// Flat range of the lines around `line` that belong to its paragraph.
    pub(super) fn window(&self, line: usize, around: usize) -> (usize, usize) {
        let p = self.para(line);
        let mut first = line;
        while first > 1 && line - first < around && self.para(first - 1) == p {
            first -= 1;
        }
        let mut last = line;
        while last < self.line_starts.len() && last - line < around && self.para(last + 1) == p {
            last += 1;
        }
        self.f_lines(first, last)
    }

    pub(super) fn text(&self, a: usize, b: usize) -> String {
        let a = a.min(self.len());
        let b = b.min(self.len()).max(a);
        String::from_utf8_lossy(&self.fb()[a..b]).into_owned()
    }

    pub(super) fn lower(&self, a: usize, b: usize) -> String {
        let a = a.min(self.len());
        let b = b.min(self.len()).max(a);
        String::from_utf8_lossy(&self.lb[a..b]).into_owned()
    }

    pub(super) fn starts(&self, i: usize, pat: &[u8]) -> bool {
        self.lb.get(i..).is_some_and(|s| s.starts_with(pat))
    }

    pub(super) fn skip_ws(&self, mut i: usize) -> usize {
        while i < self.len() && self.fb()[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    }

    /// End of the run of bytes from `i` for which `keep` holds.
    pub(super) fn run(&self, mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
        while i < self.len() && keep(self.fb()[i]) {
            i += 1;
        }
        i
    }

    pub(super) fn find(&self, from: usize, to: usize, pat: &[u8]) -> Option<usize> {
        let to = to.min(self.len());
        let from = from.min(to);
        memmem::find(&self.lb[from..to], pat).map(|p| from + p)
    }

    pub(super) fn rfind(&self, from: usize, to: usize, pat: &[u8]) -> Option<usize> {
        let to = to.min(self.len());
        let from = from.min(to);
        memmem::rfind(&self.lb[from..to], pat).map(|p| from + p)
    }

    pub(super) fn newline_between(&self, a: usize, b: usize) -> bool {
        let (Some(&ua), Some(&ub)) = (self.f2u.get(a), self.f2u.get(b)) else {
            return false;
        };
        let (ua, ub) = (ua as usize, ub as usize);
        self.u.as_bytes()[ua.min(ub)..ub.max(ua)].contains(&b'\n')
    }

    /// An excerpt of the message at `at` on its line(s), for the report.
    pub(super) fn excerpt(&self, at: usize, end: usize) -> String {
        let line = self.line(at);
        let (ls, _) = self.f_lines(line, line);
        let (_, le) = self.f_lines(self.line(end.max(at)), self.line(end.max(at)));
        let start = if at.saturating_sub(ls) > 100 {
            self.boundary(at - 60)
        } else {
            ls
        };
        let stop = le.min(at + 600).max(end.min(self.len()));
        let mut s = self.text(start, stop).trim().to_string();
        if start > ls {
            s.insert(0, '…');
        }
        s
    }
}

pub(super) fn is_action_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'*' | b'.')
}

pub(super) fn is_token_char(b: u8) -> bool {
    !b.is_ascii_whitespace()
}

pub(super) fn trim_token(s: &str) -> &str {
    let mut s = s.trim_start_matches(['"', '\'', '`', '(', '[', '{']);
    if s.ends_with('>') && !s.contains('<') {
        s = &s[..s.len() - 1];
    }
    s = s.trim_end_matches(['.', ',', ';', '"', '\'', '`']);
    if s.ends_with(')') && !s.contains('(') {
        s = &s[..s.len() - 1];
    }
    if s.ends_with(']') && !s.contains('[') {
        s = &s[..s.len() - 1];
    }
    s.trim_end_matches(['.', ',', ';', '"', '\'', '`'])
}

pub(super) fn pascal(op: &str) -> String {
    let mut c = op.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

pub(super) fn denied_code(code: &str) -> bool {
    code == "403" || FailureClass::of(code) == FailureClass::Denied
}

/// The readers of every family are methods of this (each family module adds its own).
pub(super) struct Scan<'a> {
    pub(super) p: &'a Prepared,
}

impl Scan<'_> {
    /// The rest of a message after `i` (to the end of its line, at most `n` bytes).
    pub(super) fn message_after(&self, i: usize, n: usize) -> String {
        let line = self.p.line(i);
        let (_, le) = self.p.f_lines(line, line);
        self.p.text(i, le.min(i + n)).trim().to_string()
    }

    /// An error code among the words of `[a, b)`: a word that the failure classes call
    /// denied (`AccessDeniedException:`).
    pub(super) fn code_word(&self, a: usize, b: usize) -> Option<String> {
        let p = self.p;
        let mut i = a;
        while i < b.min(p.len()) {
            let s = p.run(i, |c| !c.is_ascii_alphanumeric() && c != b'.');
            let e = p.run(s, |c| c.is_ascii_alphanumeric() || c == b'.');
            if e >= b.min(p.len()) || s == e {
                break;
            }
            let w = p.text(s, e);
            if w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && p.fb().get(e) == Some(&b':')
                && FailureClass::of(&w) == FailureClass::Denied
            {
                return Some(w);
            }
            i = e;
        }
        None
    }

    /// A JSON string value after `"key"` at `m` (`"key": "value"`).
    pub(super) fn json_str_after(&self, m: usize, key_len: usize) -> Option<(String, usize)> {
        let p = self.p;
        let mut i = p.skip_ws(m + key_len);
        if p.fb().get(i) != Some(&b':') {
            return None;
        }
        i = p.skip_ws(i + 1);
        if p.fb().get(i) != Some(&b'"') {
            return None;
        }
        let s = i + 1;
        let e = p.run(s, |b| b != b'"');
        Some((p.text(s, e).trim().to_string(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_lines_are_what_str_lines_gives() {
        for r in [
            "",
            "a",
            "a\n",
            "a\r\nb\r\n\r\nc\r",
            "x\n\n\\\"y\\n\"\nz",
            "é\n│ Error: x\n",
        ] {
            let p = Prepared::new(r);
            for line in 1..=p.line_starts.len() {
                assert_eq!(
                    p.raw_line(r, line),
                    r.lines().nth(line - 1).unwrap_or_default(),
                    "{r:?} line {line}"
                );
            }
        }
    }

    #[test]
    fn flat_slices_in_place_match_the_copies() {
        let p = Prepared::new("é is\n  │ not authorized: x");
        for a in 0..=p.len() {
            for b in a..=p.len() {
                if let Some(s) = p.str(a, b) {
                    assert_eq!(s, p.text(a, b));
                }
            }
        }
        assert_eq!(p.str(1, 3), None, "inside `é`");
        assert_eq!(p.str(0, p.len()), Some("é is not authorized: x"));
    }
}

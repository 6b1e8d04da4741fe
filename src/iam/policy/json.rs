//! A JSON tree that remembers where each value starts, so a finding can name the line and
//! column of the element it is about. Built either by reading text (with positions) or
//! from a `serde_json::Value` (without).

use std::fmt;

/// A line and column, both counted from 1 (columns in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// As `serde_json` prints the number.
    Number(String),
    String(String),
    Array(Vec<Spanned>),
    /// Keys in document order (sorted when built from a `Value`), the last of duplicates.
    Object(Vec<(String, Spanned)>),
}

/// A value and where it starts in the text, when read from text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spanned {
    pub v: Json,
    pub at: Option<Position>,
}

impl Spanned {
    pub fn from_value(v: &serde_json::Value) -> Spanned {
        use serde_json::Value as V;
        let v = match v {
            V::Null => Json::Null,
            V::Bool(b) => Json::Bool(*b),
            V::Number(n) => Json::Number(n.to_string()),
            V::String(s) => Json::String(s.clone()),
            V::Array(a) => Json::Array(a.iter().map(Spanned::from_value).collect()),
            V::Object(o) => Json::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Spanned::from_value(v)))
                    .collect(),
            ),
        };
        Spanned { v, at: None }
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Spanned> {
        match &self.v {
            Json::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.v {
            Json::String(s) => Some(s),
            _ => None,
        }
    }
}

/// A syntax error and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub what: String,
    pub at: Position,
}

/// Reads one JSON value (and nothing after it but whitespace).
pub(crate) fn read(text: &str) -> Result<Spanned, SyntaxError> {
    let mut r = Reader {
        s: text.as_bytes(),
        text,
        i: 0,
        depth: 0,
    };
    let v = r.value()?;
    r.ws();
    if r.i < r.s.len() {
        return Err(r.err("trailing characters after the document"));
    }
    Ok(v)
}

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    depth: usize,
}

/// Deep enough for any policy; bounds the recursion on hostile input.
const MAX_DEPTH: usize = 128;

impl Reader<'_> {
    fn pos(&self, i: usize) -> Position {
        let before = &self.text[..i.min(self.text.len())];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let start = before.rfind('\n').map_or(0, |n| n + 1);
        Position {
            line,
            column: before[start..].chars().count() + 1,
        }
    }

    fn err(&self, what: impl Into<String>) -> SyntaxError {
        // Report on a character boundary.
        let mut i = self.i.min(self.text.len());
        while !self.text.is_char_boundary(i) {
            i -= 1;
        }
        SyntaxError {
            what: what.into(),
            at: self.pos(i),
        }
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Spanned, SyntaxError> {
        self.ws();
        let start = self.i;
        let at = Some(self.pos(start));
        let v = match self.s.get(self.i) {
            None => return Err(self.err("unexpected end of the document")),
            Some(b'{') => self.nested(|r| r.object())?,
            Some(b'[') => self.nested(|r| r.array())?,
            Some(b'"') => Json::String(self.string()?),
            Some(b't') => self.word("true", Json::Bool(true))?,
            Some(b'f') => self.word("false", Json::Bool(false))?,
            Some(b'n') => self.word("null", Json::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.err("expected a value")),
        };
        Ok(Spanned { v, at })
    }

    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Json, SyntaxError>,
    ) -> Result<Json, SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn word(&mut self, w: &str, v: Json) -> Result<Json, SyntaxError> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(self.err("expected a value"))
        }
    }

    fn number(&mut self) -> Result<Json, SyntaxError> {
        let start = self.i;
        while self.i < self.s.len()
            && matches!(
                self.s[self.i],
                b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
            )
        {
            self.i += 1;
        }
        let text = &self.text[start..self.i];
        match serde_json::from_str::<serde_json::Number>(text) {
            Ok(n) => Ok(Json::Number(n.to_string())),
            Err(_) => {
                self.i = start;
                Err(self.err(format!("`{text}` is not a number")))
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let h = self
            .text
            .get(self.i..self.i + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.err("invalid \\u escape"))?;
        self.i += 4;
        Ok(h)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.i += 1; // the opening quote
        let mut out = String::new();
        loop {
            let Some(run) = self.s[self.i..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .map(|n| self.i + n)
            else {
                self.i = self.s.len();
                return Err(self.err("unterminated string"));
            };
            out.push_str(&self.text[self.i..run]);
            self.i = run;
            match self.s[run] {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let c = match self.s.get(self.i) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.i += 1;
                            let hi = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&hi)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                0x10000 + ((hi - 0xd800) << 10) + (lo.wrapping_sub(0xdc00) & 0x3ff)
                            } else {
                                hi
                            };
                            out.push(
                                char::from_u32(code)
                                    .ok_or_else(|| self.err("invalid \\u escape"))?,
                            );
                            continue;
                        }
                        _ => return Err(self.err("invalid escape")),
                    };
                    out.push(c);
                    self.i += 1;
                }
                _ => return Err(self.err("control character in a string")),
            }
        }
    }

    fn array(&mut self) -> Result<Json, SyntaxError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat(b']') {
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            if self.eat(b']') {
                return Ok(Json::Array(items));
            }
            if !self.eat(b',') {
                return Err(self.err("expected `,` or `]`"));
            }
        }
    }

    fn object(&mut self) -> Result<Json, SyntaxError> {
        self.i += 1;
        let mut members: Vec<(String, Spanned)> = Vec::new();
        self.ws();
        if self.eat(b'}') {
            return Ok(Json::Object(members));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err("expected a key in double quotes"));
            }
            let key = self.string()?;
            self.ws();
            if !self.eat(b':') {
                return Err(self.err("expected `:`"));
            }
            let v = self.value()?;
            // The last of duplicate keys wins, as in serde_json.
            members.retain(|(k, _)| *k != key);
            members.push((key, v));
            self.ws();
            if self.eat(b'}') {
                return Ok(Json::Object(members));
            }
            if !self.eat(b',') {
                return Err(self.err("expected `,` or `}`"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_with_positions() {
        let v = read("{\n  \"a\": [1, \"x\\u00e9\\ud83d\\ude00\"],\n  \"b\": true\n}").unwrap();
        let a = v.get("a").unwrap();
        assert_eq!(a.at, Some(Position { line: 2, column: 8 }));
        let Json::Array(items) = &a.v else { panic!() };
        assert_eq!(items[0].v, Json::Number("1".into()));
        assert_eq!(items[1].as_str(), Some("xé😀"));
        assert_eq!(
            v.get("b").unwrap().at,
            Some(Position { line: 3, column: 8 })
        );
        assert_eq!(
            Spanned::from_value(&serde_json::json!({"a": [1, "xé😀"], "b": true}))
                .get("b")
                .unwrap()
                .v,
            Json::Bool(true)
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        for (text, line, column) in [
            ("{\"a\": }", 1, 7),
            ("{\"a\": 1,\n \"b\" 2}", 2, 6),
            ("[1, 2", 1, 6),
            ("\"abc", 1, 5),
            ("{} x", 1, 4),
            ("", 1, 1),
            ("[\"é\" x]", 1, 6),
        ] {
            let e = read(text).unwrap_err();
            assert_eq!(
                (e.at.line, e.at.column),
                (line, column),
                "{text}: {}",
                e.what
            );
        }
        assert!(read(&"[".repeat(1000)).is_err());
    }
}

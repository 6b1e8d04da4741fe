//! RFC 4180 CSV, as IAM writes the credential report: comma-separated fields, a field
//! in double quotes may hold commas, line breaks and doubled quotes (`""`); records end
//! in CRLF or LF, the last one possibly without. A UTF-8 byte-order mark is skipped.

/// Why the bytes are not CSV (with the 1-based line where the problem starts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// The input is not UTF-8.
    #[error("line {line}: not UTF-8 text")]
    NotUtf8 {
        /// Line of the first bad byte.
        line: usize,
    },
    /// A quoted field runs to the end of the input.
    #[error("line {line}: a quoted field is never closed")]
    UnclosedQuote {
        /// Line where the field opens.
        line: usize,
    },
    /// A quote inside an unquoted field, or text after a closing quote.
    #[error(
        "line {line}: a stray `\"` (RFC 4180: a field with quotes must be quoted, its quotes doubled)"
    )]
    StrayQuote {
        /// Line of the quote.
        line: usize,
    },
}

/// One record: its fields and the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// Line of the record's first byte.
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// Splits `input` into records. Blank lines (an empty record) are skipped: the report
/// never has one, and a trailing blank line is common after editing.
pub fn parse(input: &[u8]) -> Result<Vec<CsvRecord>, CsvError> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = match std::str::from_utf8(input) {
        Ok(t) => t,
        Err(e) => {
            let line = 1 + memchr::memchr_iter(b'\n', &input[..e.valid_up_to()]).count();
            return Err(CsvError::NotUtf8 { line });
        }
    };
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut record_line = 1usize;
    let mut chars = text.chars().peekable();
    // State: at the start of a field, inside an unquoted field, inside quotes, or just
    // after the closing quote.
    #[derive(PartialEq)]
    enum St {
        Start,
        Plain,
        Quoted(usize),
        AfterQuote,
    }
    let mut st = St::Start;
    let end_record =
        |fields: &mut Vec<String>, field: &mut String, records: &mut Vec<CsvRecord>, at: usize| {
            fields.push(std::mem::take(field));
            let f = std::mem::take(fields);
            if !(f.len() == 1 && f[0].is_empty()) {
                records.push(CsvRecord {
                    line: at,
                    fields: f,
                });
            }
        };
    while let Some(c) = chars.next() {
        match (&st, c) {
            (St::Quoted(_), '"') => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    st = St::AfterQuote;
                }
            }
            (St::Quoted(_), c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (St::Start, '"') => st = St::Quoted(line),
            (St::Plain | St::AfterQuote, '"') => return Err(CsvError::StrayQuote { line }),
            (_, ',') => {
                fields.push(std::mem::take(&mut field));
                st = St::Start;
            }
            (_, '\r') if chars.peek() == Some(&'\n') => {}
            (_, '\n') => {
                end_record(&mut fields, &mut field, &mut records, record_line);
                line += 1;
                record_line = line;
                st = St::Start;
            }
            (St::AfterQuote, _) => return Err(CsvError::StrayQuote { line }),
            (_, c) => {
                field.push(c);
                st = St::Plain;
            }
        }
    }
    if let St::Quoted(at) = st {
        return Err(CsvError::UnclosedQuote { line: at });
    }
    if !fields.is_empty() || !field.is_empty() || st == St::AfterQuote {
        end_record(&mut fields, &mut field, &mut records, record_line);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(input: &str) -> Vec<Vec<String>> {
        parse(input.as_bytes())
            .unwrap()
            .into_iter()
            .map(|r| r.fields)
            .collect()
    }

    #[test]
    fn rfc_4180_quoting_and_line_ends() {
        assert_eq!(fields("a,b\r\nc,d"), [["a", "b"], ["c", "d"]]);
        assert_eq!(
            fields("\u{feff}a,\"b,\"\"x\"\"\nq\"\n"),
            [["a", "b,\"x\"\nq"]]
        );
        assert_eq!(fields("a,\n\n,b\n"), [["a", ""], ["", "b"]]);
        assert_eq!(fields("x,\"\"\n"), [["x", ""]]);
        let r = parse(b"h\n\"a\nb\",c\nd\n").unwrap();
        assert_eq!((r[1].line, r[2].line), (2, 4));
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse(b"a\nb\"c\n"), Err(CsvError::StrayQuote { line: 2 }));
        assert_eq!(
            parse(b"a\n\"b\n\nc"),
            Err(CsvError::UnclosedQuote { line: 2 })
        );
        assert_eq!(parse(b"a\n\"b\"c\n"), Err(CsvError::StrayQuote { line: 2 }));
        assert_eq!(parse(b"a\n\xff\n"), Err(CsvError::NotUtf8 { line: 2 }));
    }
}

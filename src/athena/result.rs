//! Reading a query result back: Athena's CSV (a header of column names, every value
//! quoted, NULL an empty unquoted field) or the JSON lines of `UNLOAD … WITH
//! (format = 'JSON')` (one object per row, NULL a missing key or `null`), and turning each
//! row into a CloudTrail-shaped record for the same decode → select → map path a local
//! run takes, so the policy is the same.
//!
//! A row stands for `records` records with the same mapper input: it becomes one record
//! at `first_seen` carrying `example_event_id`, and, when the records span more than one
//! instant, one more at `last_seen`, so the evidence's first and last times are those of
//! the records.

use serde_json::{Map, Value, json};

use super::sql::COLUMNS;

/// A result that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ResultError {
    /// The CSV is malformed.
    #[error("{file}: line {line}: {why}")]
    Csv {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// A JSON line is not an object.
    #[error("{file}: line {line}: not a JSON object of a result row: {why}")]
    Json {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// A column the query writes is missing.
    #[error(
        "{file}: the result has no column `{column}`: it is not the result of `iamtrail athena-sql` (columns: {})",
        COLUMNS.join(", ")
    )]
    MissingColumn {
        /// The file.
        file: String,
        /// The column.
        column: &'static str,
    },
    /// A field of one row holds what its column cannot.
    #[error("{file}: row {row}: column `{column}`: {why}")]
    Field {
        /// The file.
        file: String,
        /// 1-based row (data rows, the header not counted).
        row: usize,
        /// The column.
        column: &'static str,
        /// What is wrong.
        why: String,
    },
}

/// One result row: the value of each of [`COLUMNS`] (`None`: NULL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Option<String>>);

impl Row {
    fn get(&self, column: &str) -> Option<&str> {
        let i = COLUMNS.iter().position(|c| *c == column)?;
        self.0.get(i)?.as_deref()
    }
}

/// Reads a result file's text: JSON lines when the first non-blank character is `{`,
/// else CSV.
pub fn parse(file: &str, text: &str) -> Result<Vec<Row>, ResultError> {
    // An UNLOAD of no row writes an empty file.
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    if text.trim_start().starts_with('{') {
        parse_json_lines(file, text)
    } else {
        parse_csv(file, text)
    }
}

/// One CSV field: its text and whether it was quoted (an unquoted empty field is NULL).
type Field = (String, bool);

/// RFC 4180 records (quoted fields may hold commas, quotes doubled, and line breaks),
/// with the line each starts on.
fn csv_records(file: &str, text: &str) -> Result<Vec<(usize, Vec<Field>)>, ResultError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut rec: Vec<Field> = Vec::new();
        loop {
            let mut f = String::new();
            let mut quoted = false;
            if chars.peek() == Some(&'"') {
                quoted = true;
                chars.next();
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            f.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            f.push(c);
                        }
                        None => {
                            return Err(ResultError::Csv {
                                file: file.into(),
                                line: start,
                                why: "a quoted field is not closed".into(),
                            });
                        }
                    }
                }
            }
            while let Some(&c) = chars.peek() {
                if c == ',' || c == '\n' || c == '\r' {
                    break;
                }
                if quoted {
                    return Err(ResultError::Csv {
                        file: file.into(),
                        line,
                        why: format!("text after a closing quote ({c:?})"),
                    });
                }
                f.push(c);
                chars.next();
            }
            rec.push((f, quoted));
            match chars.next() {
                Some(',') => continue,
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                Some('\n') => {
                    line += 1;
                    break;
                }
                _ => break,
            }
        }
        if !(rec.len() == 1 && rec[0].0.is_empty() && !rec[0].1) {
            out.push((start, rec));
        }
    }
    Ok(out)
}

fn parse_csv(file: &str, text: &str) -> Result<Vec<Row>, ResultError> {
    let recs = csv_records(file, text)?;
    let Some(((_, header), body)) = recs.split_first() else {
        return Err(ResultError::Csv {
            file: file.into(),
            line: 1,
            why: "the file is empty (no header row)".into(),
        });
    };
    let index = column_index(file, |c| header.iter().position(|(h, _)| h == c))?;
    body.iter()
        .map(|(line, fields)| {
            if fields.len() != header.len() {
                return Err(ResultError::Csv {
                    file: file.into(),
                    line: *line,
                    why: format!("{} fields, the header has {}", fields.len(), header.len()),
                });
            }
            Ok(Row(index
                .iter()
                .map(|&i| {
                    let (v, quoted) = &fields[i];
                    (*quoted || !v.is_empty()).then(|| v.clone())
                })
                .collect()))
        })
        .collect()
}

/// Where each of [`COLUMNS`] is, or which one is missing.
fn column_index(
    file: &str,
    find: impl Fn(&str) -> Option<usize>,
) -> Result<Vec<usize>, ResultError> {
    COLUMNS
        .iter()
        .map(|c| {
            find(c).ok_or(ResultError::MissingColumn {
                file: file.into(),
                column: c,
            })
        })
        .collect()
}

fn parse_json_lines(file: &str, text: &str) -> Result<Vec<Row>, ResultError> {
    let mut rows = Vec::new();
    for (n, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let bad = |why: String| ResultError::Json {
            file: file.into(),
            line: n + 1,
            why,
        };
        let v: Value = serde_json::from_str(l).map_err(|e| bad(e.to_string()))?;
        let obj = v.as_object().ok_or_else(|| bad("not an object".into()))?;
        // UNLOAD leaves NULL columns out, so a missing key is a NULL; but a row with none
        // of the columns is not one of ours.
        if !COLUMNS.iter().any(|c| obj.contains_key(*c)) {
            return Err(ResultError::MissingColumn {
                file: file.into(),
                column: COLUMNS[0],
            });
        }
        rows.push(Row(COLUMNS
            .iter()
            .map(|c| match obj.get(*c) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => Some(other.to_string()),
            })
            .collect()));
    }
    for c in ["event_source", "event_name", "records"] {
        if !rows.is_empty() && rows.iter().all(|r| r.get(c).is_none()) {
            let column = COLUMNS.iter().find(|x| **x == c).expect("a column");
            return Err(ResultError::MissingColumn {
                file: file.into(),
                column,
            });
        }
    }
    Ok(rows)
}

/// What a result holds, in records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Rows.
    pub rows: u64,
    /// Records the rows stand for (their `records` summed).
    pub records: u64,
}

/// The rows as CloudTrail records (`{"Records": […]}`), and what they stand for.
pub fn to_records(file: &str, rows: &[Row]) -> Result<(Vec<u8>, Totals), ResultError> {
    let mut records = Vec::with_capacity(rows.len());
    let mut totals = Totals::default();
    for (i, row) in rows.iter().enumerate() {
        let field = |column: &'static str, why: String| ResultError::Field {
            file: file.into(),
            row: i + 1,
            column,
            why,
        };
        let count: u64 = match row.get("records") {
            Some(n) => n
                .trim()
                .parse()
                .map_err(|_| field("records", format!("{n:?} is not a count")))?,
            None => return Err(field("records", "missing".into())),
        };
        totals.rows += 1;
        totals.records += count;
        let mut r = Map::new();
        let mut put = |k: &str, column: &str| {
            if let Some(v) = row.get(column) {
                r.insert(k.into(), Value::String(v.into()));
            }
        };
        put("eventSource", "event_source");
        put("eventName", "event_name");
        put("awsRegion", "aws_region");
        put("recipientAccountId", "recipient_account_id");
        put("errorCode", "error_code");
        put("eventTime", "first_seen");
        put("eventID", "example_event_id");
        if let Some(res) = row.get("error_resource").filter(|s| !s.is_empty()) {
            r.insert(
                "errorMessage".into(),
                Value::String(format!("access denied on resource: {res}")),
            );
        }
        for (key, column) in [
            ("requestParameters", "request_parameters"),
            ("responseElements", "response_elements"),
        ] {
            if let Some(text) = row.get(column) {
                let v: Value = serde_json::from_str(text)
                    .map_err(|e| field(column_name(column), format!("not JSON: {e}")))?;
                r.insert(key.into(), v);
            }
        }
        if let Some(text) = row.get("resources") {
            let v: Value = serde_json::from_str(text)
                .map_err(|e| field("resources", format!("not JSON: {e}")))?;
            r.insert("resources".into(), resources(&v));
        }
        let mut id = Map::new();
        for (k, column) in [
            ("type", "identity_type"),
            ("arn", "identity_arn"),
            ("accountId", "identity_account_id"),
            ("userName", "identity_user_name"),
            ("principalId", "identity_principal_id"),
            ("invokedBy", "identity_invoked_by"),
            ("accessKeyId", "identity_access_key_id"),
        ] {
            if let Some(v) = row.get(column) {
                id.insert(k.into(), Value::String(v.into()));
            }
        }
        if let Some(issuer) = row.get("issuer_arn") {
            id.insert(
                "sessionContext".into(),
                json!({"sessionIssuer": {"arn": issuer}}),
            );
        }
        if !id.is_empty() {
            r.insert("userIdentity".into(), Value::Object(id));
        }
        let last = row
            .get("last_seen")
            .filter(|l| Some(*l) != row.get("first_seen"));
        let second = match last {
            Some(l) if count > 1 => {
                let mut b = r.clone();
                b.insert("eventTime".into(), Value::String(l.into()));
                b.remove("eventID");
                Some(Value::Object(b))
            }
            _ => None,
        };
        records.push(Value::Object(r));
        records.extend(second);
    }
    let bytes = serde_json::to_vec(&json!({ "Records": records })).expect("JSON values serialize");
    Ok((bytes, totals))
}

fn column_name(c: &str) -> &'static str {
    COLUMNS.iter().find(|x| **x == c).copied().unwrap_or("?")
}

/// `resources` as CloudTrail writes it (`ARN`, `accountId`, `type`) from the JSON of the
/// table's `ARRAY(ROW(arn, accountid, type))`: objects (DuckDB, Trino casting named
/// rows) or arrays in field order (Trino's cast of a ROW to JSON).
fn resources(v: &Value) -> Value {
    let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
    Value::Array(
        items
            .iter()
            .map(|e| {
                let (arn, account, ty) = match e {
                    Value::Array(a) => (a.first(), a.get(1), a.get(2)),
                    Value::Object(o) => {
                        let f = |k: &str| {
                            o.iter()
                                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                                .map(|(_, v)| v)
                        };
                        // OCSF names the ARN `uid` and the owner's account under `owner`.
                        let owner = f("owner")
                            .and_then(|o| o.get("account"))
                            .and_then(|a| a.get("uid"));
                        (f("arn").or(f("uid")), f("accountid").or(owner), f("type"))
                    }
                    _ => (None, None, None),
                };
                let mut m = Map::new();
                for (k, v) in [("ARN", arn), ("accountId", account), ("type", ty)] {
                    if let Some(v) = v.filter(|v| !v.is_null()) {
                        m.insert(k.into(), v.clone());
                    }
                }
                Value::Object(m)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> String {
        COLUMNS
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn csv_nulls_quotes_and_line_breaks() {
        let mut fields = vec![String::new(); COLUMNS.len()];
        let at = |c: &str| COLUMNS.iter().position(|x| *x == c).unwrap();
        fields[at("identity_type")] = "\"AssumedRole\"".into();
        fields[at("event_source")] = "\"s3.amazonaws.com\"".into();
        fields[at("event_name")] = "\"GetObject\"".into();
        fields[at("request_parameters")] =
            "\"{\"\"bucketName\"\":\"\"b,1\"\",\n\"\"k\"\":1}\"".into();
        fields[at("records")] = "\"3\"".into();
        fields[at("identity_user_name")] = "\"\"".into();
        let text = format!("{}\n{}\n", header(), fields.join(","));
        let rows = parse("r.csv", &text).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].get("request_parameters"),
            Some("{\"bucketName\":\"b,1\",\n\"k\":1}")
        );
        assert_eq!(rows[0].get("identity_user_name"), Some(""));
        assert_eq!(rows[0].get("identity_arn"), None);
        let (bytes, totals) = to_records("r.csv", &rows).unwrap();
        assert_eq!(
            totals,
            Totals {
                rows: 1,
                records: 3
            }
        );
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["Records"][0]["requestParameters"]["bucketName"], "b,1");
    }

    #[test]
    fn bad_results_name_the_file_and_place() {
        let e = parse("r.csv", "\"a\",\"b\"\n\"1\",\"2\"\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("r.csv: the result has no column `identity_type`"),
            "{e}"
        );
        let e = parse("r.json", "{\"event_name\":\"X\"}\n{oops\n").unwrap_err();
        assert!(e.to_string().starts_with("r.json: line 2:"), "{e}");
        let e = parse("r.csv", &format!("{}\n\"x\n", header())).unwrap_err();
        assert!(
            e.to_string()
                .contains("line 2: a quoted field is not closed"),
            "{e}"
        );
        let mut row = vec![None; COLUMNS.len()];
        row[COLUMNS.iter().position(|c| *c == "records").unwrap()] = Some("many".into());
        let e = to_records("r.csv", &[Row(row)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "r.csv: row 1: column `records`: \"many\" is not a count"
        );
    }

    #[test]
    fn resources_in_either_shape() {
        let objects = resources(
            &json!([{"arn": "arn:aws:s3:::b", "accountid": null, "type": "AWS::S3::Bucket"}]),
        );
        let arrays = resources(&json!([["arn:aws:s3:::b", null, "AWS::S3::Bucket"]]));
        assert_eq!(objects, arrays);
        assert_eq!(
            objects,
            json!([{"ARN": "arn:aws:s3:::b", "type": "AWS::S3::Bucket"}])
        );
    }

    #[test]
    fn a_span_becomes_two_records() {
        let mut row = vec![None; COLUMNS.len()];
        let mut set =
            |c: &str, v: &str| row[COLUMNS.iter().position(|x| *x == c).unwrap()] = Some(v.into());
        set("event_source", "s3.amazonaws.com");
        set("event_name", "ListBuckets");
        set("records", "5");
        set("first_seen", "2026-01-01T00:00:00Z");
        set("last_seen", "2026-01-02T00:00:00Z");
        set("example_event_id", "e1");
        let (bytes, _) = to_records("r", &[Row(row)]).unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        let recs = v["Records"].as_array().unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1]["eventTime"], "2026-01-02T00:00:00Z");
        assert!(recs[1].get("eventID").is_none());
    }
}

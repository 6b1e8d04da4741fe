//! A read-only view of one CloudTrail record over simd-json's tape: field access walks
//! the parsed tape in place, so reading a record allocates nothing.

use simd_json::prelude::*;
// `into_string` (not `as_str`) keeps the input's lifetime on tape values.
use simd_json::tape::Value;

/// A JSON value inside a record (request parameters and the like). `Copy`: a slice of
/// the tape.
pub type Json<'a> = Value<'a, 'a>;

/// One CloudTrail record: typed accessors over the parsed JSON, no copies.
#[derive(Clone, Copy)]
pub struct Record<'a> {
    v: Json<'a>,
}

impl<'a> Record<'a> {
    /// Wraps a parsed JSON object. Returns `None` if it is not an object.
    pub fn new(v: Json<'a>) -> Option<Self> {
        v.is_object().then_some(Record { v })
    }

    /// The whole record as JSON.
    pub fn json(&self) -> Json<'a> {
        self.v
    }

    fn s(&self, key: &str) -> Option<&'a str> {
        self.v.get(key).and_then(|x| x.into_string())
    }

    /// `eventSource`, e.g. `s3.amazonaws.com`.
    pub fn event_source(&self) -> Option<&'a str> {
        self.s("eventSource")
    }
    /// `eventName`, e.g. `GetObject`.
    pub fn event_name(&self) -> Option<&'a str> {
        self.s("eventName")
    }
    /// `eventTime` as written (`2026-11-20T09:05:12Z`).
    pub fn event_time(&self) -> Option<&'a str> {
        self.s("eventTime")
    }
    /// `eventID`.
    pub fn event_id(&self) -> Option<&'a str> {
        self.s("eventID")
    }
    /// `eventType` (`AwsApiCall`, `AwsServiceEvent`, `AwsConsoleSignIn`, …).
    pub fn event_type(&self) -> Option<&'a str> {
        self.s("eventType")
    }
    /// `awsRegion`.
    pub fn region(&self) -> Option<&'a str> {
        self.s("awsRegion")
    }
    /// `recipientAccountId`.
    pub fn recipient_account(&self) -> Option<&'a str> {
        self.s("recipientAccountId")
    }
    /// `errorCode`, when the call failed.
    pub fn error_code(&self) -> Option<&'a str> {
        self.s("errorCode").filter(|s| !s.is_empty())
    }
    /// `errorMessage`, when the call failed.
    pub fn error_message(&self) -> Option<&'a str> {
        self.s("errorMessage")
    }
    /// `userIdentity`.
    pub fn user_identity(&self) -> Option<Json<'a>> {
        self.v.get("userIdentity").filter(|x| x.is_object())
    }
    /// `requestParameters` (null or absent → `None`).
    pub fn request_parameters(&self) -> Option<Json<'a>> {
        self.v.get("requestParameters").filter(|x| x.is_object())
    }
    /// `responseElements` (null or absent → `None`).
    pub fn response_elements(&self) -> Option<Json<'a>> {
        self.v.get("responseElements").filter(|x| x.is_object())
    }
    /// The `resources` array as `(ARN, type)` pairs; entries without an ARN are left out.
    pub fn resources(&self) -> impl Iterator<Item = (&'a str, Option<&'a str>)> + 'a {
        let items = self.v.get("resources").and_then(|r| r.as_array());
        items.into_iter().flat_map(|a| a.iter()).filter_map(|r| {
            Some((
                r.get("ARN").and_then(|x| x.into_string())?,
                r.get("type").and_then(|x| x.into_string()),
            ))
        })
    }
    /// A string field of `userIdentity`.
    pub fn identity_str(&self, key: &str) -> Option<&'a str> {
        self.user_identity()?.get(key)?.into_string()
    }
    /// `userIdentity.sessionContext.sessionIssuer.<key>`.
    pub fn issuer_str(&self, key: &str) -> Option<&'a str> {
        self.user_identity()?
            .get("sessionContext")?
            .get("sessionIssuer")?
            .get(key)?
            .into_string()
    }
}

/// Seconds since the Unix epoch for a CloudTrail timestamp (`YYYY-MM-DDTHH:MM:SSZ`,
/// optional fraction, `Z` or `±HH:MM`), or a date `YYYY-MM-DD` (midnight UTC).
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0i64, |a, d| a * 10 + i64::from(d - b'0')))
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    if b.len() == 10 {
        return Some(days * 86_400);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        None => 0,
        Some(&sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let o = num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60;
            if sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss - offset)
}

/// Formats epoch seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_time(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

// Howard Hinnant's algorithms, proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        let t = parse_time("2026-11-20T09:05:12Z").unwrap();
        assert_eq!(format_time(t), "2026-11-20T09:05:12Z");
        assert_eq!(parse_time("2026-11-20T09:05:12.123Z"), Some(t));
        assert_eq!(parse_time("2026-11-20T10:05:12+01:00"), Some(t));
        assert_eq!(parse_time("2026-11-20"), Some(t - 9 * 3600 - 5 * 60 - 12));
        for bad in [
            "",
            "2026-13-01",
            "2026-11-20T25:00:00Z",
            "20261120",
            "2026-11-20T09:05",
            "２０２６-11-20",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}

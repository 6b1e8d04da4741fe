//! A read-only view of one CloudTrail record over simd-json's tape: field access walks
//! the parsed tape in place, so reading a record allocates nothing.

use simd_json::prelude::ValueIntoString as _;
// `into_string` (not `as_str`) keeps the input's lifetime on tape values.
use simd_json::tape::Value;

use crate::time::days_from_civil;
pub use crate::time::{civil, format_time};

/// A JSON value inside a record (request parameters and the like). `Copy`: a slice of
/// the tape.
pub type Json<'a> = Value<'a, 'a>;

/// One CloudTrail record: the fields the pipeline reads, found in one pass over the
/// record's keys (a tape object lookup is a linear scan, so looking each field up on
/// demand would rescan the record a dozen times).
#[derive(Clone, Copy)]
pub struct Record<'a> {
    /// `None` for a light record (see [`Record::is_light`]).
    v: Option<Json<'a>>,
    event_source: Option<&'a str>,
    event_name: Option<&'a str>,
    event_time: Option<&'a str>,
    event_id: Option<&'a str>,
    event_type: Option<&'a str>,
    region: Option<&'a str>,
    recipient: Option<&'a str>,
    error_code: Option<&'a str>,
    error_message: Option<&'a str>,
    user_identity: Option<Json<'a>>,
    request_parameters: Option<Json<'a>>,
    response_elements: Option<Json<'a>>,
    resources: Option<Json<'a>>,
    identity: Identity<'a>,
}

/// The `userIdentity` fields selection and mapping read.
#[derive(Clone, Copy, Default)]
struct Identity<'a> {
    ty: Option<&'a str>,
    arn: Option<&'a str>,
    account_id: Option<&'a str>,
    access_key_id: Option<&'a str>,
    user_name: Option<&'a str>,
    principal_id: Option<&'a str>,
    invoked_by: Option<&'a str>,
    issuer_arn: Option<&'a str>,
}

fn text(v: Json<'_>) -> Option<&str> {
    v.into_string()
}

fn object(v: Json<'_>) -> Option<Json<'_>> {
    v.is_object().then_some(v)
}

impl<'a> Record<'a> {
    /// Wraps a parsed JSON object. Returns `None` if it is not an object.
    pub fn new(v: Json<'a>) -> Option<Self> {
        Self::read(v).map(|(r, _)| r)
    }

    /// Wraps a parsed JSON element as a record, checking in the same pass over its keys
    /// the fields every CloudTrail record has (`eventSource`, `eventName`: present,
    /// strings, not empty; the first occurrence of a repeated key decides).
    pub(crate) fn checked(v: Json<'a>) -> Result<Self, super::RecordError> {
        use super::RecordError;
        let (r, [source, name]) = Self::read(v).ok_or(RecordError::NotAnObject)?;
        if source.flatten().is_none_or(str::is_empty) {
            return Err(RecordError::MissingField("eventSource"));
        }
        if name.flatten().is_none_or(str::is_empty) {
            return Err(RecordError::MissingField("eventName"));
        }
        Ok(r)
    }

    /// The record, and the first `eventSource` and `eventName` values (as strings, if
    /// they are) for [`Record::checked`].
    #[allow(clippy::type_complexity)]
    fn read(v: Json<'a>) -> Option<(Self, [Option<Option<&'a str>>; 2])> {
        let obj = v.as_object()?;
        let mut first: [Option<Option<&'a str>>; 2] = [None, None];
        let mut r = Record::blank(Some(v));
        for (k, val) in obj.iter() {
            match k {
                "eventSource" => {
                    r.event_source = text(val);
                    first[0].get_or_insert(r.event_source);
                }
                "eventName" => {
                    r.event_name = text(val);
                    first[1].get_or_insert(r.event_name);
                }
                "eventTime" => r.event_time = text(val),
                "eventID" => r.event_id = text(val),
                "eventType" => r.event_type = text(val),
                "awsRegion" => r.region = text(val),
                "recipientAccountId" => r.recipient = text(val),
                "errorCode" => r.error_code = text(val).filter(|s| !s.is_empty()),
                "errorMessage" => r.error_message = text(val),
                "userIdentity" => r.user_identity = object(val),
                "requestParameters" => r.request_parameters = object(val),
                "responseElements" => r.response_elements = object(val),
                "resources" => r.resources = Some(val),
                _ => {}
            }
        }
        if let Some(id) = r.user_identity.and_then(|u| u.as_object()) {
            for (k, val) in id.iter() {
                let i = &mut r.identity;
                match k {
                    "type" => i.ty = text(val),
                    "arn" => i.arn = text(val),
                    "accountId" => i.account_id = text(val),
                    "accessKeyId" => i.access_key_id = text(val),
                    "userName" => i.user_name = text(val),
                    "principalId" => i.principal_id = text(val),
                    "invokedBy" => i.invoked_by = text(val),
                    "sessionContext" => {
                        i.issuer_arn = val
                            .get("sessionIssuer")
                            .and_then(|x| x.get("arn"))
                            .and_then(text)
                    }
                    _ => {}
                }
            }
        }
        Some((r, first))
    }

    /// A record known only by the fields selection reads (see `decode::skim`): its
    /// caller, time, event, region and account, nothing mapping needs. The decoder hands
    /// one over only for a record the caller's `want` turned down.
    pub(crate) fn light(h: super::skim::Head<'a>) -> Self {
        Record {
            event_source: h.event_source,
            event_name: h.event_name,
            event_time: h.event_time,
            event_type: h.event_type,
            region: h.region,
            recipient: h.recipient,
            identity: Identity {
                ty: h.ty,
                arn: h.arn,
                account_id: h.account_id,
                access_key_id: h.access_key_id,
                user_name: h.user_name,
                principal_id: h.principal_id,
                invoked_by: h.invoked_by,
                issuer_arn: h.issuer_arn,
            },
            ..Record::blank(None)
        }
    }

    /// A record with no fields read yet.
    fn blank(v: Option<Json<'a>>) -> Self {
        Record {
            v,
            event_source: None,
            event_name: None,
            event_time: None,
            event_id: None,
            event_type: None,
            region: None,
            recipient: None,
            error_code: None,
            error_message: None,
            user_identity: None,
            request_parameters: None,
            response_elements: None,
            resources: None,
            identity: Identity::default(),
        }
    }

    /// Whether this is a light record: only the fields selection reads are there
    /// (`eventSource`, `eventName`, `eventTime`, `eventType`, `awsRegion`,
    /// `recipientAccountId`, the common `userIdentity` strings and the session issuer's
    /// ARN); everything else reads as absent.
    pub fn is_light(&self) -> bool {
        self.v.is_none()
    }

    /// The whole record as JSON (`None` for a light record).
    pub fn json(&self) -> Option<Json<'a>> {
        self.v
    }
    /// `eventSource`, e.g. `s3.amazonaws.com`.
    pub fn event_source(&self) -> Option<&'a str> {
        self.event_source
    }
    /// `eventName`, e.g. `GetObject`.
    pub fn event_name(&self) -> Option<&'a str> {
        self.event_name
    }
    /// `eventTime` as written (`2026-11-20T09:05:12Z`).
    pub fn event_time(&self) -> Option<&'a str> {
        self.event_time
    }
    /// `eventID`.
    pub fn event_id(&self) -> Option<&'a str> {
        self.event_id
    }
    /// `eventType` (`AwsApiCall`, `AwsServiceEvent`, `AwsConsoleSignIn`, …).
    pub fn event_type(&self) -> Option<&'a str> {
        self.event_type
    }
    /// `awsRegion`.
    pub fn region(&self) -> Option<&'a str> {
        self.region
    }
    /// `recipientAccountId`.
    pub fn recipient_account(&self) -> Option<&'a str> {
        self.recipient
    }
    /// `errorCode`, when the call failed.
    pub fn error_code(&self) -> Option<&'a str> {
        self.error_code
    }
    /// `errorMessage`, when the call failed.
    pub fn error_message(&self) -> Option<&'a str> {
        self.error_message
    }
    /// `userIdentity`.
    pub fn user_identity(&self) -> Option<Json<'a>> {
        self.user_identity
    }
    /// `requestParameters` (null or absent → `None`).
    pub fn request_parameters(&self) -> Option<Json<'a>> {
        self.request_parameters
    }
    /// `responseElements` (null or absent → `None`).
    pub fn response_elements(&self) -> Option<Json<'a>> {
        self.response_elements
    }
    /// The `resources` array as `(ARN, type)` pairs; entries without an ARN are left out.
    pub fn resources(&self) -> impl Iterator<Item = (&'a str, Option<&'a str>)> + 'a {
        let items = self.resources.and_then(|r| r.as_array());
        items
            .into_iter()
            .flat_map(|a| a.iter())
            .filter_map(|r| Some((r.get("ARN").and_then(text)?, r.get("type").and_then(text))))
    }
    /// A string field of `userIdentity` (the common ones are read once, up front).
    pub fn identity_str(&self, key: &str) -> Option<&'a str> {
        let i = &self.identity;
        match key {
            "type" => i.ty,
            "arn" => i.arn,
            "accountId" => i.account_id,
            "accessKeyId" => i.access_key_id,
            "userName" => i.user_name,
            "principalId" => i.principal_id,
            "invokedBy" => i.invoked_by,
            _ => self.user_identity?.get(key).and_then(text),
        }
    }
    /// `userIdentity.sessionContext.sessionIssuer.<key>`.
    pub fn issuer_str(&self, key: &str) -> Option<&'a str> {
        if key == "arn" {
            return self.identity.issuer_arn;
        }
        self.user_identity?
            .get("sessionContext")?
            .get("sessionIssuer")?
            .get(key)
            .and_then(text)
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
    let days = days_from_civil(y, m as u32, d as u32);
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

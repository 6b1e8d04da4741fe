//! Unused permissions by last-accessed data (iamtrail's rule, not a CIS control): for each
//! IAM user and role, the services its policies grant (GenerateServiceLastAccessedDetails,
//! then GetServiceLastAccessedDetails until `JobStatus` is `COMPLETED`) and when each was
//! last used. A service granted but not accessed for the threshold or more is a finding;
//! one never accessed is judged from the principal's creation date, as 1.12 judges a
//! never-used credential.
//!
//! IAM User Guide, "Refining permissions in AWS using last accessed information": the
//! report lists "the services that the identity's policies allow" with `LastAuthenticated`
//! ("the date and time ... when an authenticated entity most recently attempted to access
//! the service"; absent when none did within the tracking period).

use super::check::{Age, Credential, DateField, Finding};
use super::cis::Control;
use super::report::Stamp;

const DAY: i64 = 86_400;

/// One service a principal's policies grant, with when it was last used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceUse {
    /// `ServiceNamespace` (`s3`).
    pub namespace: String,
    /// `ServiceName` (`Amazon S3`).
    pub name: String,
    /// `LastAuthenticated` (epoch seconds); `None`: not accessed in the tracking period.
    pub last_authenticated: Option<i64>,
}

/// A user or role with its last-accessed report, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccess {
    /// `user` or `role`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// `CreateDate` (epoch seconds).
    pub created: i64,
    /// The services granted, or the error of the calls (reported, the audit goes on).
    pub services: Result<Vec<ServiceUse>, String>,
}

/// Why an API-shaped last-accessed answer cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// Not JSON.
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A field is missing or of the wrong kind.
    #[error("{0}")]
    Shape(String),
}

/// Reads GetServiceLastAccessedDetails's answer as the AWS CLI prints it
/// (`aws iam get-service-last-accessed-details --job-id …`): `JobStatus` must be
/// `COMPLETED`; each entry of `ServicesLastAccessed` needs `ServiceNamespace` and
/// `ServiceName`, and `LastAuthenticated` (ISO 8601) when present. Sorted by namespace.
pub fn parse_details(json: &str) -> Result<Vec<ServiceUse>, AccessError> {
    let v: serde_json::Value = serde_json::from_str(json)?;
    let shape = |m: String| AccessError::Shape(m);
    match v.get("JobStatus").and_then(|s| s.as_str()) {
        Some("COMPLETED") => {}
        Some(s) => return Err(shape(format!("JobStatus is {s}, not COMPLETED"))),
        None => return Err(shape("no JobStatus".into())),
    }
    let list = v
        .get("ServicesLastAccessed")
        .and_then(|s| s.as_array())
        .ok_or_else(|| shape("no ServicesLastAccessed list".into()))?;
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let field = |k: &str| {
            s.get(k)
                .and_then(|x| x.as_str())
                .map(str::to_string)
                .ok_or_else(|| shape(format!("ServicesLastAccessed[{i}] has no {k}")))
        };
        let last_authenticated = match s.get("LastAuthenticated") {
            None | Some(serde_json::Value::Null) => None,
            Some(t) => Some(
                t.as_str()
                    .and_then(crate::decode::parse_time)
                    .ok_or_else(|| {
                        shape(format!(
                            "ServicesLastAccessed[{i}].LastAuthenticated is not an ISO 8601 time: {t}"
                        ))
                    })?,
            ),
        };
        out.push(ServiceUse {
            namespace: field("ServiceNamespace")?,
            name: field("ServiceName")?,
            last_authenticated,
        });
    }
    out.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    Ok(out)
}

/// The findings of `c` (threshold `days`) for `p` at `now`: one per service granted
/// and unused for `days` or more (exactly `days` fails, as in 1.12).
pub fn judge(c: &Control, days: i64, p: &ServiceAccess, now: i64, out: &mut Vec<Finding>) {
    let finding = |reason: String, dates: Vec<DateField>, age: Option<Age>, fix: String| Finding {
        user: p.name.clone(),
        arn: p.arn.clone(),
        control: c.id,
        title: c.title,
        security_hub: c.security_hub,
        severity: c.severity,
        credential: Credential::Permissions,
        dates,
        age,
        reason,
        fix,
        line: 0,
    };
    let services = match &p.services {
        Ok(s) => s,
        Err(e) => {
            // Not judged is not a pass: say so as a finding.
            out.push(finding(
                format!("last-accessed data could not be read: {e}"),
                Vec::new(),
                None,
                format!(
                    "make the calls answer (the caller needs iam:GenerateServiceLastAccessedDetails and iam:GetServiceLastAccessedDetails on {}) and run again",
                    p.arn
                ),
            ));
            return;
        }
    };
    let n = super::check::sh(&p.name);
    for s in services {
        let (col, t) = match s.last_authenticated {
            Some(t) => ("LastAuthenticated", t),
            None => ("CreateDate", p.created),
        };
        if now - t < days * DAY {
            continue;
        }
        let ago = super::check::age_text(now - t);
        let reason = match s.last_authenticated {
            Some(_) => format!(
                "{} ({}) granted, last accessed {ago} ago ({days} days or greater)",
                s.namespace, s.name
            ),
            None => format!(
                "{} ({}) granted, never accessed; the {} was created {ago} ago ({days} days or greater)",
                s.namespace, s.name, p.kind
            ),
        };
        let dates = vec![
            super::check::date("CreateDate", Stamp::At(p.created)),
            super::check::date(
                "LastAuthenticated",
                s.last_authenticated.map_or(Stamp::NotApplicable, Stamp::At),
            ),
        ];
        let fix = format!(
            "remove the {ns}:* actions from the {k}'s policies (aws iam list-attached-{k}-policies --{k}-name {n}; aws iam list-{k}-policies --{k}-name {n}), or replace them with the policy iamtrail generate writes from its CloudTrail records",
            ns = s.namespace,
            k = p.kind,
        );
        out.push(finding(
            reason,
            dates,
            Some(super::check::age(col, t, now)),
            fix,
        ));
    }
}

#[cfg(test)]
mod tests {
    //! moto_server does not implement GenerateServiceLastAccessedDetails or
    //! GetServiceLastAccessedDetails, so the reading and judging are tested here on
    //! API-shaped JSON written from the IAM API Reference's GetServiceLastAccessedDetails
    //! response (RECORDED SHAPE, not a live answer).
    use super::*;
    use crate::audit::credentials::cis::{CIS_3_0, Rule};

    const NOW: i64 = 1_780_000_000;
    /// API-shaped GetServiceLastAccessedDetails answer (as `aws iam
    /// get-service-last-accessed-details` prints it).
    fn details(s3: i64, sqs: i64) -> String {
        let t = crate::time::format_time;
        format!(
            r#"{{"JobStatus":"COMPLETED","JobType":"SERVICE_LEVEL","JobCreationDate":"{now}","JobCompletionDate":"{now}",
"ServicesLastAccessed":[
 {{"ServiceName":"Amazon SQS","ServiceNamespace":"sqs","LastAuthenticated":"{sqs}","LastAuthenticatedEntity":"arn:aws:iam::111122223333:role/ci","LastAuthenticatedRegion":"us-east-1","TotalAuthenticatedEntities":1}},
 {{"ServiceName":"Amazon S3","ServiceNamespace":"s3","LastAuthenticated":"{s3}","TotalAuthenticatedEntities":1}},
 {{"ServiceName":"AWS Key Management Service","ServiceNamespace":"kms","TotalAuthenticatedEntities":0}}
],"IsTruncated":false}}"#,
            now = t(NOW),
            s3 = t(s3),
            sqs = t(sqs),
        )
    }

    fn control() -> (&'static Control, i64) {
        let c = CIS_3_0.controls.iter().find(|c| c.id == "perms").unwrap();
        let Rule::UnusedPermissions { days } = c.rule else {
            panic!("not the permissions rule")
        };
        (c, days)
    }

    fn judged(services: Result<Vec<ServiceUse>, String>, created: i64) -> Vec<Finding> {
        let (c, days) = control();
        let p = ServiceAccess {
            kind: "role",
            name: "ci".into(),
            arn: "arn:aws:iam::111122223333:role/ci".into(),
            created,
            services,
        };
        let mut out = Vec::new();
        judge(c, days, &p, NOW, &mut out);
        out
    }

    #[test]
    fn parses_the_documented_answer_sorted() {
        let s = parse_details(&details(NOW - 10, NOW - 20)).unwrap();
        let ns: Vec<&str> = s.iter().map(|s| s.namespace.as_str()).collect();
        assert_eq!(ns, ["kms", "s3", "sqs"]);
        assert_eq!(s[0].last_authenticated, None);
        assert_eq!(s[1].last_authenticated, Some(NOW - 10));
        assert_eq!(s[1].name, "Amazon S3");
    }

    /// "45 days or greater": exactly 45 days fails, 44 days 23 hours passes; a service
    /// never accessed counts from the role's CreateDate.
    #[test]
    fn threshold_edges_and_never_accessed() {
        let s = parse_details(&details(NOW - 45 * DAY, NOW - 45 * DAY + 3600)).unwrap();
        // Created 10 days ago: the never-accessed kms is not yet 45 days.
        let f = judged(Ok(s.clone()), NOW - 10 * DAY);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].reason
                .starts_with("s3 (Amazon S3) granted, last accessed 45d 0h 0m ago")
        );
        assert_eq!(f[0].age.as_ref().unwrap().since, "LastAuthenticated");
        assert_eq!(f[0].credential, Credential::Permissions);
        assert!(
            f[0].fix
                .contains("aws iam list-attached-role-policies --role-name ci")
        );
        // Created 45 days ago: kms (never accessed) fails too, from CreateDate.
        let f = judged(Ok(s), NOW - 45 * DAY);
        let reasons: Vec<&str> = f.iter().map(|f| f.reason.as_str()).collect();
        assert_eq!(f.len(), 2, "{reasons:#?}");
        assert!(reasons[0].starts_with(
            "kms (AWS Key Management Service) granted, never accessed; the role was created 45d"
        ));
        assert_eq!(f[0].age.as_ref().unwrap().since, "CreateDate");
    }

    #[test]
    fn an_unreadable_report_is_a_finding_not_a_pass() {
        let f = judged(Err("AccessDenied".into()), NOW);
        assert_eq!(f.len(), 1);
        assert!(f[0].reason.contains("could not be read: AccessDenied"));
    }

    #[test]
    fn bad_answers_are_errors() {
        for (json, want) in [
            (
                r#"{"JobStatus":"IN_PROGRESS","ServicesLastAccessed":[]}"#,
                "IN_PROGRESS",
            ),
            (r#"{"JobStatus":"COMPLETED"}"#, "no ServicesLastAccessed"),
            (
                r#"{"JobStatus":"COMPLETED","ServicesLastAccessed":[{"ServiceName":"x"}]}"#,
                "[0] has no ServiceNamespace",
            ),
            (
                r#"{"JobStatus":"COMPLETED","ServicesLastAccessed":[{"ServiceName":"x","ServiceNamespace":"x","LastAuthenticated":"yesterday"}]}"#,
                "not an ISO 8601 time",
            ),
            ("[", "not JSON"),
        ] {
            let e = parse_details(json).unwrap_err().to_string();
            assert!(e.contains(want), "{json}: {e}");
        }
    }
}

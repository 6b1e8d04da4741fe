//! The Athena query: selection (principal, window, region, account) and the reduction of
//! the selected records to distinct needs, one row per distinct combination of what the
//! mapper reads from a record, with how many records, when first and last, and one eventID.
//!
//! What the mapper reads (and so what a row keeps): `eventSource`, `eventName`,
//! `awsRegion`, `recipientAccountId`, `errorCode`, the resource an AccessDenied
//! `errorMessage` names, `requestParameters` (whole: the curated tables read hundreds of
//! paths into it), `resources[]` (ARN, type), the `userIdentity` strings (type, ARN,
//! account, user name, principal id, invokedBy and the session issuer's ARN: selection
//! and the rules reading `userIdentity.…` use them) and `responseElements` only for the
//! events whose rules read it (elsewhere it holds per-call ids that would make every row
//! distinct). Any other field leaves the policy unchanged, so grouping by these gives the
//! same needs as the records themselves.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::catalog::curated::{Curated, ParamSource, curated};
use crate::select::{PrincipalMatch, Selection};
use crate::time::civil;

/// Which table the query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schema {
    /// The CloudTrail table over the trail's S3 bucket (`athena-sql --ddl`).
    #[default]
    CloudTrail,
    /// Security Lake's CloudTrail management events table in OCSF
    /// (`amazon_security_lake_table_<region>_cloud_trail_mgmt_2_0`).
    Ocsf,
}

/// Where each record field the query reads is in a schema (SQL expressions).
struct Fields {
    id_type: &'static str,
    id_arn: &'static str,
    id_account: &'static str,
    id_user: &'static str,
    id_principal: &'static str,
    id_invoked: &'static str,
    id_key: &'static str,
    issuer: &'static str,
    source: &'static str,
    name: &'static str,
    region: &'static str,
    recipient: &'static str,
    error: &'static str,
    message: &'static str,
    request: &'static str,
    response: &'static str,
    resources: &'static str,
    event_id: &'static str,
    /// `eventType`, where the schema keeps it.
    event_type: Option<&'static str>,
    /// The day partition and how a day is written in it.
    day: (&'static str, fn(i64) -> String),
    /// The event time as a value compared with [`Fields::time_lit`], and as ISO 8601 text
    /// from an aggregate of it (`min(...)`).
    time: &'static str,
    time_text: fn(&str) -> String,
    time_lit: fn(i64) -> String,
}

/// The CloudTrail table of `athena-sql --ddl` (the Athena User Guide's columns).
const CLOUDTRAIL: Fields = Fields {
    id_type: "useridentity.type",
    id_arn: "useridentity.arn",
    id_account: "useridentity.accountid",
    id_user: "useridentity.username",
    id_principal: "useridentity.principalid",
    id_invoked: "useridentity.invokedby",
    id_key: "useridentity.accesskeyid",
    issuer: "useridentity.sessioncontext.sessionissuer.arn",
    source: "eventsource",
    name: "eventname",
    region: "awsregion",
    recipient: "recipientaccountid",
    error: "errorcode",
    message: "errormessage",
    request: "requestparameters",
    response: "responseelements",
    resources: "json_format(CAST(resources AS JSON))",
    event_id: "eventid",
    event_type: Some("eventtype"),
    day: ("\"timestamp\"", day),
    time: "eventtime",
    time_text: |agg| agg.to_string(),
    time_lit: |t| lit(&crate::time::format_time(t)),
};

/// Security Lake's OCSF table (CloudTrail source version 2, OCSF API Activity): where
/// the CloudTrail fields went, per "Example Security Lake queries for CloudTrail data"
/// (Amazon Security Lake User Guide) and the OCSF API Activity class. The README lists
/// the mapping.
const OCSF: Fields = Fields {
    id_type: "actor.user.type",
    id_arn: "actor.user.uid",
    id_account: "actor.user.account.uid",
    id_user: "actor.user.name",
    id_principal: "actor.user.uid_alt",
    id_invoked: "actor.invoked_by",
    id_key: "actor.user.credential_uid",
    issuer: "actor.session.issuer",
    source: "api.service.name",
    name: "api.operation",
    region: "cloud.region",
    recipient: "cloud.account.uid",
    error: "api.response.error",
    message: "api.response.message",
    request: "api.request.data",
    response: "api.response.data",
    resources: "json_format(CAST(resources AS JSON))",
    event_id: "metadata.uid",
    event_type: None,
    day: ("eventday", |t| {
        let (y, m, d, ..) = civil(t);
        format!("{y:04}{m:02}{d:02}")
    }),
    time: "time_dt",
    time_text: |agg| format!("to_iso8601({agg})"),
    time_lit: |t| {
        format!(
            "from_iso8601_timestamp({})",
            lit(&crate::time::format_time(t))
        )
    },
};

impl Schema {
    fn fields(self) -> &'static Fields {
        match self {
            Schema::CloudTrail => &CLOUDTRAIL,
            Schema::Ocsf => &OCSF,
        }
    }
}

/// The result columns, in order. The reader ([`super::result`]) finds them by name.
pub const COLUMNS: &[&str] = &[
    "identity_type",
    "identity_arn",
    "identity_account_id",
    "identity_user_name",
    "identity_principal_id",
    "identity_invoked_by",
    "identity_access_key_id",
    "issuer_arn",
    "event_source",
    "event_name",
    "aws_region",
    "recipient_account_id",
    "error_code",
    "error_resource",
    "request_parameters",
    "response_elements",
    "resources",
    "records",
    "first_seen",
    "last_seen",
    "example_event_id",
];

/// How many leading [`COLUMNS`] the query groups by (the rest are aggregates).
const GROUPED: usize = 17;

/// A SQL string literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A `LIKE` pattern matching `s` literally (`_` and `%` escaped with `\`).
fn like_lit(prefix: &str, s: &str) -> String {
    let esc: String = s
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("{} ESCAPE '\\'", lit(&format!("{prefix}{esc}")))
}

/// `YYYY/MM/DD` of an epoch second: the `"timestamp"` partition's value.
fn day(t: i64) -> String {
    let (y, m, d, ..) = civil(t);
    format!("{y:04}/{m:02}/{d:02}")
}

/// The condition one `--principal` puts on a record. It may keep a few records of other
/// principals (a `LIKE` on the ARN's end), never drop one of the principal's: the rows are
/// selected again, exactly, when the result is read.
fn principal_condition(f: &Fields, m: &PrincipalMatch) -> String {
    let issuer = f.issuer;
    let arn = f.id_arn;
    match m {
        PrincipalMatch::Role { account, name } | PrincipalMatch::User { account, name } => {
            let kind = if matches!(m, PrincipalMatch::Role { .. }) {
                "role"
            } else {
                "user"
            };
            // Account ids are digits: no LIKE escape needed.
            let acct = lit(&format!("%:iam::{account}:{kind}/%"));
            let tail = like_lit("%/", name);
            let mut any = vec![
                format!("({issuer} LIKE {tail} AND {issuer} LIKE {acct})"),
                format!("({arn} LIKE {tail} AND {arn} LIKE {acct})"),
            ];
            if kind == "user" {
                // Console sign-in steps name the user without an ARN.
                any.push(format!(
                    "({arn} IS NULL AND {} = {} AND {} LIKE {})",
                    f.id_account,
                    lit(account),
                    f.id_user,
                    like_lit("%", name)
                ));
            }
            format!("({})", any.join(" OR "))
        }
        PrincipalMatch::Root { account } => format!(
            "({t} = 'Root' AND ({a} IS NULL OR {a} = {}))",
            lit(account),
            t = f.id_type,
            a = f.id_account,
        ),
        PrincipalMatch::Session(s) => format!("{arn} = {}", lit(s)),
        PrincipalMatch::AccessKey(k) => format!("{} = {}", f.id_key, lit(k)),
    }
}

/// The events whose rules read `responseElements`, as `(eventSource values, eventName
/// values or every event)` per IAM prefix, from the curated and derived tables.
fn response_readers(c: &Curated) -> BTreeMap<&'static str, Option<Vec<&'static str>>> {
    let reads = |s: &ParamSource| {
        s.path.first().is_some_and(|p| p.key == "responseElements")
            || s.when
                .as_ref()
                .is_some_and(|(p, _)| p.first().is_some_and(|p| p.key == "responseElements"))
    };
    let mut keys: Vec<&'static str> = Vec::new();
    for (k, types) in c.resources.iter().chain(c.derived_resources.iter()) {
        if types.values().flatten().flat_map(|v| &v.sources).any(reads) {
            keys.push(k);
        }
    }
    keys.extend(
        c.passrole
            .iter()
            .filter(|(_, r)| r.iter().any(|r| reads(&r.source)))
            .map(|(k, _)| *k),
    );
    keys.extend(
        c.tag_on_create
            .iter()
            .filter(|(_, r)| r.iter().any(|r| reads(&r.source)))
            .map(|(k, _)| *k),
    );
    keys.extend(
        c.param_actions
            .iter()
            .filter(|(_, r)| r.iter().any(|r| reads(&r.source)))
            .map(|(k, _)| *k),
    );
    let mut out: BTreeMap<&'static str, Option<Vec<&'static str>>> = BTreeMap::new();
    for k in keys {
        match k.split_once(':') {
            Some((prefix, name)) => {
                if let Some(names) = out.entry(prefix).or_insert_with(|| Some(Vec::new())) {
                    names.push(name);
                }
            }
            None => {
                out.insert(k, None);
            }
        }
    }
    for names in out.values_mut().flatten() {
        names.sort_unstable();
        names.dedup();
    }
    out
}

/// The eventSource values the curated tables give `prefix`, plus `<prefix>.amazonaws.com`.
fn sources_of(c: &Curated, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = c
        .services
        .iter()
        .chain(c.derived_services.iter())
        .filter(|(_, p)| **p == prefix)
        .map(|(s, _)| (*s).to_string())
        .collect();
    v.push(format!("{prefix}.amazonaws.com"));
    v.sort();
    v.dedup();
    v
}

/// `responseelements` for the events whose rules read it, else NULL.
fn response_column(f: &Fields) -> String {
    let c = curated();
    let arms: Vec<String> = response_readers(c)
        .into_iter()
        .map(|(prefix, names)| {
            let sources = sources_of(c, prefix)
                .iter()
                .map(|s| lit(s))
                .collect::<Vec<_>>()
                .join(", ");
            match names {
                Some(n) => format!(
                    "({} IN ({sources}) AND {} IN ({}))",
                    f.source,
                    f.name,
                    n.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
                ),
                None => format!("{} IN ({sources})", f.source),
            }
        })
        .collect();
    if arms.is_empty() {
        return "CAST(NULL AS VARCHAR)".into();
    }
    format!(
        "CASE WHEN {} THEN {} END",
        arms.join("\n    OR "),
        f.response
    )
}

/// The Athena query for `sel` over `table`.
pub fn query(schema: Schema, table: &str, sel: &Selection) -> String {
    let f = schema.fields();
    let by_key = sel
        .principals
        .iter()
        .any(|p| matches!(p.matcher, PrincipalMatch::AccessKey(_)));
    let exprs: [String; 21] = [
        f.id_type.into(),
        f.id_arn.into(),
        f.id_account.into(),
        f.id_user.into(),
        f.id_principal.into(),
        f.id_invoked.into(),
        // Temporary keys change every session: kept only when a key is what selects.
        if by_key {
            f.id_key.into()
        } else {
            "CAST(NULL AS VARCHAR)".into()
        },
        f.issuer.into(),
        f.source.into(),
        f.name.into(),
        f.region.into(),
        f.recipient.into(),
        f.error.into(),
        // Only the resource an AccessDenied message names is read from it.
        format!(
            "regexp_extract({}, 'on resource: ([^\\s\"]*)', 1)",
            f.message
        ),
        f.request.into(),
        response_column(f),
        f.resources.into(),
        // CloudTrail may deliver an event twice; a local run counts it once (and each
        // record without an eventID).
        format!(
            "count(DISTINCT {id}) + count(*) - count({id})",
            id = f.event_id
        ),
        (f.time_text)(&format!("min({})", f.time)),
        (f.time_text)(&format!("max({})", f.time)),
        format!("min({})", f.event_id),
    ];
    let mut q = String::new();
    let _ = writeln!(
        q,
        "-- iamtrail: the records of the selection, reduced to distinct needs"
    );
    q.push_str("SELECT\n");
    for (i, (e, name)) in exprs.iter().zip(COLUMNS).enumerate() {
        let comma = if i + 1 < COLUMNS.len() { "," } else { "" };
        let _ = writeln!(q, "  {e} AS {name}{comma}");
    }
    let _ = writeln!(q, "FROM {}", quote_table(table));
    let mut w: Vec<String> = vec![
        format!("{} IS NOT NULL AND {} IS NOT NULL", f.source, f.name),
        // AWS itself made these calls: no principal's policy is involved.
        format!("coalesce({}, '') <> 'AWSService'", f.id_type),
    ];
    if let Some(t) = f.event_type {
        w.push(format!("coalesce({t}, '') <> 'AwsServiceEvent'"));
    }
    // Partitions first: only the window's days are read. A file's folder is the day it
    // was delivered, which can be the day after its last event.
    let (part, day_of) = f.day;
    if let Some(s) = sel.start {
        w.push(format!("{part} >= {}", lit(&day_of(s))));
        w.push(format!("{} >= {}", f.time, (f.time_lit)(s)));
    }
    if let Some(e) = sel.end {
        w.push(format!("{part} <= {}", lit(&day_of(e + 86_400))));
        w.push(format!("{} < {}", f.time, (f.time_lit)(e)));
    }
    if !sel.regions.is_empty() {
        let list = sel
            .regions
            .iter()
            .map(|r| lit(r))
            .collect::<Vec<_>>()
            .join(", ");
        w.push(format!("region IN ({list})"));
        w.push(format!("{} IN ({list})", f.region));
    }
    if !sel.accounts.is_empty() {
        let list = sel
            .accounts
            .iter()
            .map(|r| lit(r))
            .collect::<Vec<_>>()
            .join(", ");
        w.push(format!(
            "coalesce({}, {}) IN ({list})",
            f.recipient, f.id_account
        ));
    }
    if !sel.principals.is_empty() {
        let any: Vec<String> = sel
            .principals
            .iter()
            .map(|p| principal_condition(f, &p.matcher))
            .collect();
        w.push(format!("({})", any.join("\n    OR ")));
    }
    let _ = writeln!(q, "WHERE {}", w.join("\n  AND "));
    let groups: Vec<String> = (1..=GROUPED).map(|i| i.to_string()).collect();
    let _ = writeln!(q, "GROUP BY {}", groups.join(", "));
    q
}

/// `db.table` or `table`, each part double-quoted.
fn quote_table(t: &str) -> String {
    t.split('.')
        .map(|p| format!("\"{}\"", p.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_patterns_are_escaped() {
        assert_eq!(lit("o'neil"), "'o''neil'");
        assert_eq!(like_lit("%/", "ci_role"), "'%/ci\\_role' ESCAPE '\\'");
        assert_eq!(day(0), "1970/01/01");
    }

    #[test]
    fn the_window_reads_only_its_partitions() {
        let sel = Selection {
            start: crate::decode::record::parse_time("2026-11-01T00:00:00Z"),
            end: crate::decode::record::parse_time("2026-11-03T00:00:00Z"),
            regions: vec!["eu-west-1".into()],
            ..Selection::default()
        };
        let q = query(Schema::CloudTrail, "cloudtrail_logs", &sel);
        assert!(q.contains("\"timestamp\" >= '2026/11/01'"), "{q}");
        assert!(q.contains("\"timestamp\" <= '2026/11/04'"), "{q}");
        assert!(q.contains("eventtime < '2026-11-03T00:00:00Z'"), "{q}");
        assert!(q.contains("region IN ('eu-west-1')"), "{q}");
        assert!(q.contains("GROUP BY 1, 2, 3"), "{q}");
    }

    #[test]
    fn response_elements_only_where_a_rule_reads_them() {
        let r = response_readers(curated());
        let cb = r
            .get("codebuild")
            .expect("codebuild reads responseElements");
        assert!(
            cb.as_ref().is_some_and(|n| n.contains(&"CreateProject")),
            "{r:?}"
        );
        assert!(!r.contains_key("s3"), "{r:?}");
        assert!(response_column(&CLOUDTRAIL).contains("'codebuild.amazonaws.com'"));
    }
}

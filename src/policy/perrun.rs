//! Per-run identifiers: the parts of a resource that change from one run of a job to the
//! next (build numbers, UUIDs, hashes, timestamps, build ids, log streams), written `*` in
//! place so the policy serves the next run, not only the runs it saw.
//!
//! Two things decide, never the shape alone:
//!
//! 1. **The resource type** (from the catalog's ARN templates) says which variables of the
//!    ARN may vary at all: `action-map/curated/per-run.tsv` lists them, each `whole` (new
//!    every run by AWS's design: a task id, an execution name) or `parts` (a name that may
//!    carry per-run parts: an object key, a log stream, a parameter path). Every other
//!    variable — bucket, account, region, log group, table, function, key — is fixed, even
//!    when it looks like a UUID.
//! 2. **The evidence** inside a `parts` variable: a UUID, a long hash or random id, a
//!    timestamp, a date or an epoch time is per-run by its shape ([`Shape`]); a plain number
//!    only when the principal's resources show a different number at the same place
//!    ([`Evidence`]): `builds/1233/…` and `builds/1234/…` make `builds/*/…`, a lone
//!    `app-v2` stays.
//!
//! Names are already escaped (`${*}`) when they get here; the scanners look only at runs
//! of ASCII letters and digits, so an escape is never cut and never widened.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::OnceLock;

use super::synth::VARIED;
use crate::catalog::ActionId;

/// How a listed ARN-template variable may vary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// New every run: the whole value becomes `*`.
    Whole,
    /// Per-run parts inside a name, by shape and evidence.
    Parts,
}

/// One line of `per-run.tsv`.
#[derive(Debug, Clone)]
pub struct VarRule {
    /// IAM service prefix.
    pub service: &'static str,
    /// Resource type name as the catalog spells it.
    pub resource_type: &'static str,
    /// ARN-template variable.
    pub var: &'static str,
    /// How it varies.
    pub kind: Kind,
    /// Why (the table's reason column).
    pub reason: &'static str,
}

const TABLE: &str = include_str!("../../action-map/curated/per-run.tsv");

/// The rules of `per-run.tsv`; a malformed line is a test failure (see the tests), and is
/// skipped at run time rather than stopping a run.
pub fn rules() -> &'static [VarRule] {
    static RULES: OnceLock<Vec<VarRule>> = OnceLock::new();
    RULES.get_or_init(|| parse_table(TABLE).0)
}

fn parse_table(text: &'static str) -> (Vec<VarRule>, Vec<String>) {
    let mut rules = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&'static str> = line.split('\t').map(str::trim).collect();
        let kind = match cols.get(3) {
            Some(&"whole") => Kind::Whole,
            Some(&"parts") => Kind::Parts,
            other => {
                problems.push(format!(
                    "per-run.tsv:{}: kind must be `whole` or `parts`, found {other:?}",
                    i + 1
                ));
                continue;
            }
        };
        if cols.len() != 5 || cols[4].is_empty() {
            problems.push(format!(
                "per-run.tsv:{}: expected 5 columns with a reason",
                i + 1
            ));
            continue;
        }
        rules.push(VarRule {
            service: cols[0],
            resource_type: cols[1],
            var: cols[2],
            kind,
            reason: cols[4],
        });
    }
    (rules, problems)
}

fn rule_for(service: &str, resource_type: &str, var: &str) -> Option<&'static VarRule> {
    rules()
        .iter()
        .find(|r| r.service == service && r.resource_type == resource_type && r.var == var)
}

/// Why a part of a name was judged per-run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shape {
    /// `8-4-4-4-12` hex.
    Uuid,
    /// A date with a time (`20261005T1000Z`, `2026-10-05T10:00:00Z`).
    Timestamp,
    /// A calendar date (`2026-11-20`, `2026/11/20`, `20261120`).
    Date,
    /// Seconds or milliseconds since 1970 in a plausible range.
    EpochTime,
    /// Hex of 7+ characters with letters and digits (commit SHAs, content hashes).
    Hash,
    /// 16+ letters and digits that read as random (base32/base64 ids).
    RandomId,
    /// A number that differs between the principal's resources at the same place.
    Counter,
    /// A value the resource type makes new every run ([`Kind::Whole`]).
    PerRunId,
}

impl Shape {
    /// The rule's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Uuid => "uuid",
            Shape::Timestamp => "timestamp",
            Shape::Date => "date",
            Shape::EpochTime => "epoch-time",
            Shape::Hash => "hash",
            Shape::RandomId => "random-id",
            Shape::Counter => "counter",
            Shape::PerRunId => "per-run-id",
        }
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The maximal runs of bytes that satisfy `pred`, as ranges.
fn runs(s: &str, pred: impl Fn(u8) -> bool) -> impl Iterator<Item = Range<usize>> {
    let b = s.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() && !pred(b[i]) {
            i += 1;
        }
        let start = i;
        while i < b.len() && pred(b[i]) {
            i += 1;
        }
        (start < i).then_some(start..i)
    })
}

/// Runs of ASCII letters and digits: the only places a per-run part can start or end.
fn words(s: &str) -> Vec<Range<usize>> {
    runs(s, |c| c.is_ascii_alphanumeric()).collect()
}

fn all(s: &str, f: impl Fn(u8) -> bool) -> bool {
    !s.is_empty() && s.bytes().all(f)
}

fn is_hex(s: &str) -> bool {
    all(s, |c| c.is_ascii_hexdigit())
}

/// `YYYY`, `MM`, `DD` (ASCII digits) as a plausible calendar date.
fn valid_date(y: &[u8], m: &[u8], d: &[u8]) -> bool {
    let n = |s: &[u8]| {
        s.iter()
            .all(u8::is_ascii_digit)
            .then(|| s.iter().fold(0u32, |a, c| a * 10 + u32::from(c - b'0')))
    };
    (y.len(), m.len(), d.len()) == (4, 2, 2)
        && n(y).is_some_and(|y| (1970..2100).contains(&y))
        && n(m).is_some_and(|m| (1..=12).contains(&m))
        && n(d).is_some_and(|d| (1..=31).contains(&d))
}

/// A date starting at `i` (`YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY_MM_DD` or `YYYYMMDD`),
/// optionally followed by a time (`T10`, `T1000Z`, `T10:00:00.123Z`): its end and kind.
/// Works on bytes: everything it accepts is ASCII, so its end is a char boundary.
fn date_at(s: &str, i: usize) -> Option<(usize, Shape)> {
    let b = &s.as_bytes()[i..];
    let date_len = if b.len() >= 10
        && matches!(b[4], b'-' | b'/' | b'_')
        && b[7] == b[4]
        && valid_date(&b[..4], &b[5..7], &b[8..10])
    {
        10
    } else if b.len() >= 8 && valid_date(&b[..4], &b[4..6], &b[6..8]) {
        8
    } else {
        return None;
    };
    let mut end = date_len;
    // A time: `T` then digits, `:` and `.`; then an optional `Z`.
    if b.get(end) == Some(&b'T') && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end += 1;
        while b
            .get(end)
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b':' | b'.'))
        {
            end += 1;
        }
        // A trailing `.` or `:` belongs to what follows (`…T1000.tar.gz`).
        while matches!(b[end - 1], b'.' | b':') {
            end -= 1;
        }
        if b.get(end) == Some(&b'Z') {
            end += 1;
        }
        return Some((i + end, Shape::Timestamp));
    }
    Some((i + end, Shape::Date))
}

/// `8-4-4-4-12` hex starting at word `w`.
fn uuid_at(s: &str, ws: &[Range<usize>], w: usize) -> Option<Range<usize>> {
    let parts = ws.get(w..w + 5)?;
    let lens = [8, 4, 4, 4, 12];
    let shaped = parts
        .iter()
        .zip(lens)
        .all(|(r, n)| r.len() == n && is_hex(&s[r.clone()]));
    let dashed = parts.windows(2).all(|p| &s[p[0].end..p[1].start] == "-");
    (shaped && dashed).then(|| parts[0].start..parts[4].end)
}

/// The shape of one whole word, if it reads as per-run on its own.
fn word_shape(word: &str) -> Option<Shape> {
    let digits = word.bytes().filter(u8::is_ascii_digit).count();
    let letters = word.len() - digits;
    if digits == word.len() {
        let n: u64 = word.parse().unwrap_or(0);
        let epoch = (word.len() == 10 && (1_000_000_000..2_100_000_000).contains(&n))
            || (word.len() == 13 && (1_000_000_000_000..2_100_000_000_000).contains(&n));
        return epoch.then_some(Shape::EpochTime);
    }
    if word.len() >= 7 && digits > 0 && letters > 0 && is_hex(word) {
        return Some(Shape::Hash);
    }
    if word.len() >= 16 && looks_random(word) {
        return Some(Shape::RandomId);
    }
    None
}

/// Letters and digits with no run of four lower-case letters (words in names have them:
/// `ApiFunctionServiceRoleE1C7A2B4` is a CDK name, `ZzcIFUJGwYMnllKr` is not), and
/// either digits or both cases.
fn looks_random(word: &str) -> bool {
    let b = word.as_bytes();
    let digits = b.iter().any(u8::is_ascii_digit);
    let upper = b.iter().any(u8::is_ascii_uppercase);
    let lower = b.iter().any(u8::is_ascii_lowercase);
    let longest_lower = b
        .split(|c| !c.is_ascii_lowercase())
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    longest_lower < 4 && (digits && (upper || lower) || upper && lower)
}

/// The parts of `value` that are per-run by their shape alone, in order, disjoint.
pub fn shaped_spans(value: &str) -> Vec<(Range<usize>, Shape)> {
    let ws = words(value);
    let mut out = Vec::new();
    let mut w = 0;
    while w < ws.len() {
        let start = ws[w].start;
        let found = uuid_at(value, &ws, w)
            .map(|r| (r, Shape::Uuid))
            .or_else(|| {
                date_at(value, start)
                    // A date must end where a word ends, not inside one (`20261120abc`).
                    .filter(|(end, _)| ws.iter().any(|r| r.end == *end))
                    .map(|(end, shape)| (start..end, shape))
            })
            .or_else(|| word_shape(&value[ws[w].clone()]).map(|s| (ws[w].clone(), s)));
        match found {
            Some((r, shape)) => {
                while w < ws.len() && ws[w].start < r.end {
                    w += 1;
                }
                out.push((r, shape));
            }
            None => w += 1,
        }
    }
    out
}

/// Runs of digits outside `taken`: the candidates for [`Shape::Counter`].
fn digit_runs(value: &str, taken: &[(Range<usize>, Shape)]) -> Vec<Range<usize>> {
    runs(value, |c| c.is_ascii_digit())
        .filter(|d| {
            !taken
                .iter()
                .any(|(r, _)| r.start < d.end && d.start < r.end)
        })
        .collect()
}

/// The text before position `at` with every shaped part written `*` and every number `#`:
/// the "place" of a number, the same for `builds/1233/` and `builds/1234/`.
fn place(resource: &str, at: usize) -> String {
    let mut out = String::new();
    place_into(resource, at, &mut out);
    out
}

/// [`place`] into `out` (cleared first), so a caller looking places up reuses one buffer.
fn place_into(resource: &str, at: usize, out: &mut String) {
    let head = &resource[..at];
    out.clear();
    out.reserve(head.len());
    let mut last = 0;
    for (r, _) in shaped_spans(head) {
        numbers_hashed(&head[last..r.start], out);
        out.push('*');
        last = r.end;
    }
    numbers_hashed(&head[last..], out);
}

/// Appends `s` to `out` with every run of ASCII digits written `#`.
fn numbers_hashed(s: &str, out: &mut String) {
    let mut in_digits = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
}

/// What the principal's resources show about numbers: for each place, the numbers seen
/// there. A number is a counter when its place holds more than one.
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    places: BTreeMap<String, BTreeSet<String>>,
}

impl Evidence {
    /// Evidence from a set of resources (the usage set, and the policy being refined).
    pub fn from_resources<'a>(resources: impl IntoIterator<Item = &'a str>) -> Self {
        let mut e = Evidence::default();
        for r in resources {
            e.add(r);
        }
        e
    }

    /// Adds every number of `resource` at its place.
    pub fn add(&mut self, resource: &str) {
        let shaped = shaped_spans(resource);
        let mut at = String::new();
        for r in digit_runs(resource, &shaped) {
            // Most places and numbers are known already: copy them only when new.
            place_into(resource, r.start, &mut at);
            let number = &resource[r];
            match self.places.get_mut(at.as_str()) {
                Some(seen) => {
                    if !seen.contains(number) {
                        seen.insert(number.to_owned());
                    }
                }
                None => {
                    self.places
                        .insert(at.clone(), BTreeSet::from([number.to_owned()]));
                }
            }
        }
    }

    /// The numbers seen at the place of position `at`, when there is more than one.
    fn varies(&self, resource: &str, at: usize) -> Option<&BTreeSet<String>> {
        self.places
            .get(&place(resource, at))
            .filter(|seen| seen.len() > 1)
    }
}

/// The order numbers are reported in: numeric for digit strings (`9` before `10`).
pub(super) fn numeric_order(n: &str) -> (usize, &str) {
    (n.len(), n)
}

/// The [`VARIED`] smallest of `seen` in [`numeric_order`], copied: a place of a
/// long-running principal holds thousands of numbers, and copying them all for every
/// resource at that place made synthesis quadratic in them.
fn smallest_numbers(seen: &BTreeSet<String>) -> BTreeSet<String> {
    let mut least: Vec<&String> = Vec::with_capacity(VARIED + 1);
    for n in seen {
        let at = least.partition_point(|m| numeric_order(m) <= numeric_order(n));
        if at < VARIED {
            least.insert(at, n);
            least.truncate(VARIED);
        }
    }
    least.into_iter().cloned().collect()
}

/// A resource with its per-run parts written `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The pattern (`arn:aws:s3:::b/builds/*/app.zip`).
    pub pattern: String,
    /// The rules that made it.
    pub rules: BTreeSet<Shape>,
    /// For [`Shape::Counter`]: the smallest [`VARIED`] numbers (in numeric order) the
    /// principal's resources show at the place of the leftmost counter (the evidence that
    /// it varies; a report shows no more).
    pub varied: BTreeSet<String>,
}

/// The per-run parts of `resource` (granted for `action`), written `*` — or `None` when
/// nothing in it is per-run (or the resource type keeps every part fixed).
pub fn rewrite(action: ActionId, resource: &str, evidence: &Evidence) -> Option<Rewrite> {
    if !resource.starts_with("arn:") {
        return None;
    }
    let svc = action.service();
    // The first of the action's resource types whose template the ARN fits, as the
    // mapper filled it.
    let (rt, vars) = action.def().resources.iter().find_map(|ar| {
        let rt = &svc.resources[ar.index];
        rt.arn.captures(resource).map(|c| (rt, c))
    })?;
    let mut cuts: Vec<(Range<usize>, Shape)> = Vec::new();
    let mut varied = BTreeSet::new();
    for (var, span) in vars {
        let Some(rule) = rule_for(svc.prefix, rt.name, var) else {
            continue;
        };
        let value = &resource[span.clone()];
        if value == "*" {
            continue;
        }
        match rule.kind {
            Kind::Whole => cuts.push((span, Shape::PerRunId)),
            Kind::Parts => {
                let shaped = shaped_spans(value);
                let counters: Vec<_> = digit_runs(value, &shaped)
                    .into_iter()
                    .filter(|r| match evidence.varies(resource, span.start + r.start) {
                        Some(seen) => {
                            // The leftmost counter's numbers are what a reader checks
                            // (the build number before the shard number).
                            if varied.is_empty() {
                                varied = smallest_numbers(seen);
                            }
                            true
                        }
                        None => false,
                    })
                    .map(|r| (r, Shape::Counter))
                    .collect();
                let mut here: Vec<_> = shaped.into_iter().chain(counters).collect();
                here.sort_by_key(|(r, _)| r.start);
                cuts.extend(
                    here.into_iter()
                        .map(|(r, s)| (span.start + r.start..span.start + r.end, s)),
                );
            }
        }
    }
    if cuts.is_empty() {
        return None;
    }
    let mut pattern = String::with_capacity(resource.len());
    let mut last = 0;
    let mut rules = BTreeSet::new();
    for (r, shape) in cuts {
        pattern.push_str(&resource[last..r.start]);
        // Two cuts side by side make one `*`.
        if !pattern.ends_with('*') {
            pattern.push('*');
        }
        last = r.end;
        rules.insert(shape);
    }
    pattern.push_str(&resource[last..]);
    Some(Rewrite {
        pattern,
        rules,
        varied,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(v: &str) -> Vec<(&str, &str)> {
        shaped_spans(v)
            .into_iter()
            .map(|(r, s)| (&v[r], s.as_str()))
            .collect()
    }

    #[test]
    fn the_table_parses_and_names_catalog_variables() {
        let (rules, problems) = parse_table(TABLE);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(rules.len() >= 20);
        for r in &rules {
            let svc = crate::catalog::service(r.service)
                .unwrap_or_else(|| panic!("{}: not a catalog service", r.service));
            let rt = svc.resource_type(r.resource_type).unwrap_or_else(|| {
                panic!("{} {}: no such resource type", r.service, r.resource_type)
            });
            assert!(
                rt.arn.vars().any(|v| v == r.var),
                "{} {}: template {} has no {}",
                r.service,
                r.resource_type,
                rt.arn.text,
                r.var
            );
            for fixed in [
                "Partition",
                "Region",
                "Account",
                "BucketName",
                "LogGroupName",
            ] {
                assert_ne!(
                    r.var, fixed,
                    "{} {}: {fixed} is never per-run",
                    r.service, r.resource_type
                );
            }
        }
        let (_, bad) = parse_table("s3\tobject\tObjectName\tsometimes\twhy\n");
        assert_eq!(bad.len(), 1);
        let (_, bad) = parse_table("s3\tobject\tObjectName\tparts\n");
        assert_eq!(bad.len(), 1);
    }

    #[test]
    fn shapes() {
        assert_eq!(
            spans("619fb204-ecc2-45bf-80ef-cb519985f774-post-build"),
            [("619fb204-ecc2-45bf-80ef-cb519985f774", "uuid")]
        );
        assert_eq!(
            spans("node-modules-7016a4267261.tar.gz"),
            [("7016a4267261", "hash")]
        );
        assert_eq!(
            spans("deploy-20261005T1000Z"),
            [("20261005T1000Z", "timestamp")]
        );
        assert_eq!(
            spans("runs/2026-10-05T10:00:00Z/out.json"),
            [("2026-10-05T10:00:00Z", "timestamp")]
        );
        assert_eq!(
            spans("2026/11/20/[$LATEST]0a1b2c3d4e5f6789"),
            [("2026/11/20", "date"), ("0a1b2c3d4e5f6789", "hash")]
        );
        assert_eq!(spans("dt=20261120/part.csv"), [("20261120", "date")]);
        assert_eq!(
            spans("package-deploy-1763632800"),
            [("1763632800", "epoch-time")]
        );
        assert_eq!(
            spans("file_ZzcIFUJGwYMnllKr.json"),
            [("ZzcIFUJGwYMnllKr", "random-id")]
        );
        assert_eq!(
            spans("a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"),
            [("a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "hash")]
        );
        // Words, small numbers, CDK names, escapes: none of them.
        for fixed in [
            "releases/latest/app.zip",
            "builds/1234/logs/unit-api.log",
            "AppStack-ApiFunctionServiceRoleE1C7A2B4-QK7V2M9XH3PL",
            "reports/${*}latest.csv",
            "coverage${?}.json",
            "facade",
            "deadbeef",
            "20261399",
            "v1.2.3",
            "123456789012",
        ] {
            assert_eq!(spans(fixed), [], "{fixed}");
        }
    }

    fn rw(action: &str, resource: &str, evidence: &[&str]) -> Option<(String, Vec<&'static str>)> {
        let ev = Evidence::from_resources(evidence.iter().copied().chain([resource]));
        rewrite(ActionId::lookup(action).unwrap(), resource, &ev)
            .map(|r| (r.pattern, r.rules.iter().map(|s| s.as_str()).collect()))
    }

    #[test]
    fn rewrites_only_what_the_type_lets_vary() {
        let b = "arn:aws:s3:::ci-artifacts-111122223333";
        // A number seen once stays; seen varying at the same place, it goes.
        assert_eq!(
            rw("s3:PutObject", &format!("{b}/builds/1234/app.zip"), &[]),
            None
        );
        assert_eq!(
            rw(
                "s3:GetObject",
                &format!("{b}/builds/1234/app.zip"),
                &[&format!("{b}/builds/1233/logs/x.log")]
            ),
            Some((format!("{b}/builds/*/app.zip"), vec!["counter"]))
        );
        // Another bucket is another place.
        assert_eq!(
            rw(
                "s3:GetObject",
                &format!("{b}/builds/1234/app.zip"),
                &["arn:aws:s3:::other/builds/1233/app.zip"]
            ),
            None
        );
        assert_eq!(
            rw(
                "s3:GetObject",
                &format!("{b}/cache/node-modules-7016a4267261.tar.gz"),
                &[]
            ),
            Some((format!("{b}/cache/node-modules-*.tar.gz"), vec!["hash"]))
        );
        // The bucket is fixed even when it looks random.
        assert_eq!(
            rw("s3:GetObject", "arn:aws:s3:::cdk-7016a4267261/app.zip", &[]),
            None
        );
        assert_eq!(
            rw(
                "logs:CreateLogStream",
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/codebuild/ci:log-stream:619fb204-ecc2-45bf-80ef-cb519985f774-post-build",
                &[]
            ),
            Some((
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/codebuild/ci:log-stream:*-post-build".into(),
                vec!["uuid"]
            ))
        );
        // Long-lived resources with uuid-shaped ids stay pinned.
        for pinned in [
            (
                "kms:Decrypt",
                "arn:aws:kms:us-east-1:111122223333:key/0f3c6b1e-2d4a-4c8e-9b7f-5a1d2e3f4a5b",
            ),
            (
                "acm:DescribeCertificate",
                "arn:aws:acm:us-east-1:111122223333:certificate/0f3c6b1e-2d4a-4c8e-9b7f-5a1d2e3f4a5b",
            ),
            (
                "ec2:DeleteVpc",
                "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0a1b2c3d4e5f67890",
            ),
            (
                "cloudfront:GetDistribution",
                "arn:aws:cloudfront::111122223333:distribution/E2QWRUHAPOMQZL",
            ),
            (
                "logs:CreateLogGroup",
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/app-7016a4267261",
            ),
            (
                "dynamodb:PutItem",
                "arn:aws:dynamodb:us-east-1:111122223333:table/t-20261120",
            ),
        ] {
            assert_eq!(rw(pinned.0, pinned.1, &[]), None, "{}", pinned.1);
        }
        assert_eq!(
            rw(
                "ecs:StopTask",
                "arn:aws:ecs:us-east-1:111122223333:task/ci/0a1b2c3d4e5f67890a1b2c3d4e5f6789",
                &[]
            ),
            Some((
                "arn:aws:ecs:us-east-1:111122223333:task/ci/*".into(),
                vec!["per-run-id"]
            ))
        );
        assert_eq!(
            rw(
                "states:DescribeExecution",
                "arn:aws:states:us-east-1:111122223333:execution:deploy:run-1234",
                &[]
            ),
            Some((
                "arn:aws:states:us-east-1:111122223333:execution:deploy:*".into(),
                vec!["per-run-id"]
            ))
        );
        assert_eq!(
            rw(
                "ssm:PutParameter",
                "arn:aws:ssm:us-east-1:111122223333:parameter/ci/app/builds/1236/status",
                &["arn:aws:ssm:us-east-1:111122223333:parameter/ci/app/builds/1235/status"]
            ),
            Some((
                "arn:aws:ssm:us-east-1:111122223333:parameter/ci/app/builds/*/status".into(),
                vec!["counter"]
            ))
        );
        assert_eq!(
            rw(
                "cloudformation:DescribeStacks",
                "arn:aws:cloudformation:us-east-1:111122223333:stack/deploy-20261005T1000Z/*",
                &[]
            ),
            Some((
                "arn:aws:cloudformation:us-east-1:111122223333:stack/deploy-*/*".into(),
                vec!["timestamp"]
            ))
        );
        // Escaped names keep their escapes.
        assert_eq!(
            rw(
                "s3:PutObject",
                &format!("{b}/reports/${{*}}latest-7016a4267261.csv"),
                &[]
            ),
            Some((format!("{b}/reports/${{*}}latest-*.csv"), vec!["hash"]))
        );
        // No resource type fits: nothing changes.
        assert_eq!(rw("s3:PutObject", "*", &[]), None);
    }

    proptest::proptest! {
        /// The numbers a rewrite keeps are the ones a report of all of them would show.
        #[test]
        fn the_smallest_numbers_are_the_first_in_numeric_order(
            seen in proptest::collection::btree_set("[0-9]{1,4}", 0..40)
        ) {
            let mut all: Vec<String> = seen.iter().cloned().collect();
            all.sort_by_key(|n| (n.len(), n.clone()));
            all.truncate(VARIED);
            let kept: BTreeSet<String> = all.into_iter().collect();
            proptest::prop_assert_eq!(smallest_numbers(&seen), kept);
        }
    }

    proptest::proptest! {
        /// Any name: no panic, and the pattern always covers the resource it came from
        /// (never narrower, never a different resource).
        #[test]
        fn any_name_gives_a_pattern_that_covers_it(
            key in "([a-zA-Z0-9/._:=-]|\\$\\{\\*\\}|é|日|T|Z|2026|-11-|20|[0-9a-f]{8}){0,24}",
            other in "[0-9]{1,4}",
        ) {
            let _ = shaped_spans(&key);
            for (action, arn) in [
                ("s3:PutObject", format!("arn:aws:s3:::b/{key}")),
                ("logs:CreateLogStream", format!("arn:aws:logs:r:1:log-group:g:log-stream:{key}")),
                ("ssm:GetParameter", format!("arn:aws:ssm:r:1:parameter/{key}")),
            ] {
                let ev = Evidence::from_resources([arn.as_str(), &format!("arn:aws:s3:::b/{other}")]);
                if let Some(rw) = rewrite(ActionId::lookup(action).unwrap(), &arn, &ev) {
                    proptest::prop_assert!(
                        crate::iam::pattern::covers(&rw.pattern, &arn),
                        "{} does not cover {}", rw.pattern, arn
                    );
                    proptest::prop_assert!(!rw.rules.is_empty());
                }
            }
        }
    }
}

//! The layout CloudTrail writes to S3, and listing pruned by it.
//!
//! CloudTrail delivers log files to
//! `[prefix/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz`, and for an
//! organization trail to `[prefix/]AWSLogs/<org-id>/<account>/CloudTrail/…`; digests go
//! beside them under `CloudTrail-Digest/` (Insights events under `CloudTrail-Insight/`).
//! The day folder is the UTC day the file was *delivered*, a few minutes after the calls
//! it records.
//!
//! A walk starts at the user's `s3://bucket/prefix` and lists with delimiter `/` down to
//! the region folders, keeping only the accounts (`--account`) and regions (`--region`)
//! asked for and never entering digest or Insights folders. Below a region folder it
//! lists only the day folders the time window needs: enumerated directly when the window
//! is short (a one-week window lists about nine day prefixes per region, never a year),
//! else by walking year and month folders and keeping the overlapping ones. With no
//! window, a region folder is listed whole, without delimiter (the fewest requests).
//! Outside an `AWSLogs/` tree (a prefix of exported files, or the folders above
//! `AWSLogs/`), every object is read and every folder entered.
//!
//! This module only plans: [`Step`]s say what to list and which listed objects to read,
//! and [`Step::next`] turns the folders a listing found into further steps. The S3
//! source runs the steps against the bucket.

use crate::source::ListFilter;
pub use crate::time::{civil_from_days, days_from_civil};

/// How late CloudTrail may deliver a record after its eventTime and still be found: the
/// window's last day folder is that of `end + DELIVERY_SLACK` (typical delivery takes
/// about five minutes; a day leaves room for delayed deliveries).
pub const DELIVERY_SLACK: i64 = 86_400;

/// Windows up to this many day folders are listed day by day; longer ones walk the year
/// and month folders first.
pub const MAX_DAYS_ENUMERATED: i64 = 92;

const DAY: i64 = 86_400;

/// An `s3://bucket[/prefix]` input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct S3Url {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix (may be empty; a prefix not ending in `/` names one object or folder).
    pub prefix: String,
}

impl std::str::FromStr for S3Url {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let rest = s
            .strip_prefix("s3://")
            .ok_or_else(|| format!("`{s}` is not an s3:// URL"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!(
                "`{s}` names no bucket (expected s3://BUCKET/[PREFIX])"
            ));
        }
        Ok(S3Url {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }
}

impl std::fmt::Display for S3Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// What the selection lets the walk leave out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prune {
    accounts: Vec<String>,
    regions: Vec<String>,
    /// First and last day folder (days since 1970-01-01, inclusive) when bounded.
    first_day: Option<i64>,
    last_day: Option<i64>,
    /// Whether there is a time window at all.
    windowed: bool,
}

impl Prune {
    /// The pruning `sel` allows; its `now` bounds an open-ended window, since no folder
    /// is delivered after now.
    pub fn new(sel: &ListFilter) -> Prune {
        let now = sel.now;
        let windowed = sel.start.is_some() || sel.end.is_some();
        let last = match sel.end {
            Some(e) => Some(e - 1 + DELIVERY_SLACK),
            None if windowed => Some(now + DELIVERY_SLACK),
            None => None,
        };
        Prune {
            accounts: sel.accounts.clone(),
            regions: sel.regions.clone(),
            first_day: sel.start.map(|s| s.div_euclid(DAY)),
            last_day: last.map(|l| l.div_euclid(DAY)),
            windowed,
        }
    }

    fn account(&self, a: &str) -> bool {
        self.accounts.is_empty() || self.accounts.iter().any(|x| x == a)
    }

    fn region(&self, r: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|x| x == r)
    }

    /// Whether the day range `[lo, hi]` overlaps the window.
    fn overlaps(&self, lo: i64, hi: i64) -> bool {
        self.first_day.is_none_or(|f| hi >= f) && self.last_day.is_none_or(|l| lo <= l)
    }

    /// Whether the window contains the whole day range `[lo, hi]`.
    fn covers(&self, lo: i64, hi: i64) -> bool {
        self.first_day.is_none_or(|f| lo >= f) && self.last_day.is_none_or(|l| hi <= l)
    }

    /// The day folders to list one by one, when the window is short enough.
    fn days(&self) -> Option<std::ops::RangeInclusive<i64>> {
        let (f, l) = (self.first_day?, self.last_day?);
        (l - f < MAX_DAYS_ENUMERATED).then_some(f..=l)
    }
}

fn month_days(y: i64, m: u32) -> (i64, i64) {
    let first = days_from_civil(y, m, 1);
    let next = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    };
    (first, next - 1)
}

/// Where in the layout a folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Not inside an `AWSLogs/` tree.
    Outside,
    /// `AWSLogs/`: accounts and organization ids below.
    Logs,
    /// `AWSLogs/<org-id>/`: accounts below.
    Org,
    /// `…/<account>/`: `CloudTrail/`, `CloudTrail-Digest/`, … below.
    Account,
    /// `…/CloudTrail/`: regions below.
    Trail,
    /// `…/CloudTrail/<region>/`: years below.
    Region,
    /// A year folder.
    Year(i64),
    /// A month folder.
    Month(i64, u32),
    /// A day folder (log files below).
    Day,
}

/// One listing to make.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// List one folder with delimiter `/`; its sub-folders lead to further steps, and
    /// objects directly in it are read only outside the layout.
    Dirs {
        /// The folder (ends with `/`, or empty for the bucket root).
        prefix: String,
        /// Its place in the layout.
        level: Level,
    },
    /// List everything under a prefix (a day folder, or a span of them) and read it.
    All {
        /// The prefix.
        prefix: String,
    },
    /// A user prefix not ending in `/`: the object with exactly that key, or the folder
    /// of that name.
    Probe {
        /// The prefix.
        prefix: String,
    },
}

fn is_org(name: &str) -> bool {
    name.len() > 2
        && name.starts_with("o-")
        && name[2..]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn number(name: &str, digits: usize) -> Option<i64> {
    (name.len() == digits && name.bytes().all(|b| b.is_ascii_digit()))
        .then(|| name.parse().ok())
        .flatten()
}

/// The steps that start a walk at a user's prefix.
pub fn start(prefix: &str, prune: &Prune) -> Vec<Step> {
    if prefix.is_empty() {
        return visit(String::new(), Level::Outside, prune);
    }
    if !prefix.ends_with('/') {
        return vec![Step::Probe {
            prefix: prefix.to_owned(),
        }];
    }
    match classify(prefix, prune) {
        Some(level) => visit(prefix.to_owned(), level, prune),
        None => Vec::new(),
    }
}

/// Where a folder given by the user lies in the layout; `None` when nothing under it can
/// be selected (another account, region or day, or a digest or Insights folder).
fn classify(prefix: &str, prune: &Prune) -> Option<Level> {
    let segs: Vec<&str> = prefix.trim_end_matches('/').split('/').collect();
    let Some(i) = segs.iter().rposition(|s| *s == "AWSLogs") else {
        return Some(Level::Outside);
    };
    let mut rest = segs[i + 1..].iter().copied();
    let Some(mut name) = rest.next() else {
        return Some(Level::Logs);
    };
    if is_org(name) {
        match rest.next() {
            Some(n) => name = n,
            None => return Some(Level::Org),
        }
    }
    if !prune.account(name) {
        return None;
    }
    match rest.next() {
        None => return Some(Level::Account),
        Some("CloudTrail") => {}
        Some(_) => return None,
    }
    let mut level = Level::Trail;
    for name in rest {
        level = match level {
            Level::Day => Level::Day,
            _ => child(level, name, prune)?,
        };
    }
    Some(level)
}

/// The steps for a folder at `level` that the selection keeps.
fn visit(prefix: String, level: Level, prune: &Prune) -> Vec<Step> {
    let dirs = |prefix| vec![Step::Dirs { prefix, level }];
    let all = |prefix| vec![Step::All { prefix }];
    match level {
        Level::Region if !prune.windowed => all(prefix),
        Level::Region => match prune.days() {
            Some(days) => days
                .map(|d| {
                    let (y, m, dd) = civil_from_days(d);
                    Step::All {
                        prefix: format!("{prefix}{y:04}/{m:02}/{dd:02}/"),
                    }
                })
                .collect(),
            None => dirs(prefix),
        },
        Level::Year(y) => {
            let (lo, hi) = (month_days(y, 1).0, month_days(y, 12).1);
            if prune.covers(lo, hi) {
                all(prefix)
            } else {
                dirs(prefix)
            }
        }
        Level::Month(y, m) => {
            let (lo, hi) = month_days(y, m);
            if prune.covers(lo, hi) {
                all(prefix)
            } else {
                dirs(prefix)
            }
        }
        Level::Day => all(prefix),
        _ => dirs(prefix),
    }
}

impl Step {
    /// The prefix to list.
    pub fn prefix(&self) -> &str {
        match self {
            Step::Dirs { prefix, .. } | Step::All { prefix } | Step::Probe { prefix } => prefix,
        }
    }

    /// Whether to list with delimiter `/`.
    pub fn delimited(&self) -> bool {
        !matches!(self, Step::All { .. })
    }

    /// Whether an object this step listed is to be read.
    pub fn reads(&self, key: &str) -> bool {
        match self {
            Step::Probe { prefix } => key == prefix,
            Step::Dirs { level, .. } => *level == Level::Outside && !key.ends_with('/'),
            Step::All { .. } => !key.ends_with('/') && !key.contains("/CloudTrail-Digest/"),
        }
    }

    /// The steps that follow from the folders (common prefixes, each ending in `/`) this
    /// step's listing found.
    pub fn next(&self, folders: &[String], prune: &Prune) -> Vec<Step> {
        let mut out = Vec::new();
        match self {
            Step::All { .. } => {}
            Step::Probe { prefix } => {
                for f in folders {
                    if f.strip_prefix(prefix.as_str()) == Some("/") {
                        out.extend(start(f, prune));
                    }
                }
            }
            Step::Dirs { prefix, level } => {
                for f in folders {
                    let Some(name) = f
                        .strip_prefix(prefix.as_str())
                        .and_then(|n| n.strip_suffix('/'))
                    else {
                        continue;
                    };
                    if let Some(child) = child(*level, name, prune) {
                        out.extend(visit(f.clone(), child, prune));
                    }
                }
            }
        }
        out
    }
}

/// The level of folder `name` found in a folder at `parent`, if the selection keeps it.
fn child(parent: Level, name: &str, prune: &Prune) -> Option<Level> {
    match parent {
        Level::Outside if name == "AWSLogs" => Some(Level::Logs),
        Level::Outside => Some(Level::Outside),
        Level::Logs if is_org(name) => Some(Level::Org),
        Level::Logs | Level::Org => prune.account(name).then_some(Level::Account),
        Level::Account => (name == "CloudTrail").then_some(Level::Trail),
        Level::Trail => prune.region(name).then_some(Level::Region),
        Level::Region => {
            let y = number(name, 4)?;
            prune
                .overlaps(month_days(y, 1).0, month_days(y, 12).1)
                .then_some(Level::Year(y))
        }
        Level::Year(y) => {
            let m = u32::try_from(number(name, 2)?).ok()?;
            if !(1..=12).contains(&m) {
                return None;
            }
            let (lo, hi) = month_days(y, m);
            prune.overlaps(lo, hi).then_some(Level::Month(y, m))
        }
        Level::Month(y, m) => {
            let d = u32::try_from(number(name, 2)?).ok()?;
            if !(1..=month_days(y, m).1 - month_days(y, m).0 + 1).contains(&i64::from(d)) {
                return None;
            }
            let day = days_from_civil(y, m, d);
            prune.overlaps(day, day).then_some(Level::Day)
        }
        Level::Day => Some(Level::Day),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::decode::parse_time;

    /// Lists `keys` as S3 would: (common prefixes, keys) under `prefix`.
    fn list(keys: &BTreeSet<String>, prefix: &str, delimited: bool) -> (Vec<String>, Vec<String>) {
        let mut dirs = BTreeSet::new();
        let mut objects = Vec::new();
        for k in keys.range(prefix.to_owned()..) {
            let Some(rest) = k.strip_prefix(prefix) else {
                break;
            };
            match rest.find('/') {
                Some(i) if delimited => {
                    dirs.insert(format!("{prefix}{}", &rest[..=i]));
                }
                _ => objects.push(k.clone()),
            }
        }
        (dirs.into_iter().collect(), objects)
    }

    /// Runs a walk over an in-memory bucket: (keys read, prefixes listed).
    fn walk(keys: &BTreeSet<String>, prefix: &str, prune: &Prune) -> (Vec<String>, Vec<String>) {
        let mut todo = start(prefix, prune);
        let (mut read, mut listed) = (Vec::new(), Vec::new());
        while let Some(step) = todo.pop() {
            listed.push(step.prefix().to_owned());
            let (dirs, objects) = list(keys, step.prefix(), step.delimited());
            read.extend(objects.into_iter().filter(|k| step.reads(k)));
            todo.extend(step.next(&dirs, prune));
        }
        read.sort();
        listed.sort();
        (read, listed)
    }

    fn prune(start: Option<&str>, end: Option<&str>, regions: &[&str], accounts: &[&str]) -> Prune {
        let sel = ListFilter {
            start: start.and_then(parse_time),
            end: end.and_then(parse_time),
            regions: regions.iter().map(|s| s.to_string()).collect(),
            accounts: accounts.iter().map(|s| s.to_string()).collect(),
            now: parse_time("2026-03-01").unwrap(),
            sizes: false,
        };
        Prune::new(&sel)
    }

    /// An org trail (one member account) and an account trail under a user prefix, with
    /// one log file a day in two regions from 2025-06-01 to 2026-02-28, digests, and
    /// Insights files.
    fn bucket() -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        let roots = [
            ("AWSLogs/o-abc123def4/111122223333/", "111122223333"),
            ("team/AWSLogs/444455556666/", "444455556666"),
        ];
        for (root, acct) in roots {
            for region in ["us-east-1", "eu-west-1"] {
                for d in days_from_civil(2025, 6, 1)..=days_from_civil(2026, 2, 28) {
                    let (y, m, dd) = civil_from_days(d);
                    let day = format!("{y:04}/{m:02}/{dd:02}");
                    keys.insert(format!(
                        "{root}CloudTrail/{region}/{day}/{acct}_CloudTrail_{region}_{y:04}{m:02}{dd:02}T1200Z_x.json.gz"
                    ));
                    keys.insert(format!(
                        "{root}CloudTrail-Digest/{region}/{day}/{acct}_CloudTrail-Digest_{region}_t_{region}_{y:04}{m:02}{dd:02}T1300Z.json.gz"
                    ));
                }
                keys.insert(format!(
                    "{root}CloudTrail-Insight/{region}/2026/01/01/{acct}_CloudTrail-Insight_{region}_x.json.gz"
                ));
            }
        }
        keys.insert("team/notes.txt".into());
        keys.insert("exports/2026/athena.ndjson".into());
        keys
    }

    #[test]
    fn urls() {
        let u: S3Url = "s3://trail-bucket/team/AWSLogs/".parse().unwrap();
        assert_eq!(
            (u.bucket.as_str(), u.prefix.as_str()),
            ("trail-bucket", "team/AWSLogs/")
        );
        let u: S3Url = "s3://trail-bucket".parse().unwrap();
        assert_eq!((u.bucket.as_str(), u.prefix.as_str()), ("trail-bucket", ""));
        assert_eq!(u.to_string(), "s3://trail-bucket/");
        assert!("s3:///x".parse::<S3Url>().is_err());
        assert!("/tmp/x".parse::<S3Url>().is_err());
    }

    #[test]
    fn civil_days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            days_from_civil(2026, 11, 20),
            parse_time("2026-11-20").unwrap() / DAY
        );
        for d in -800..80_000 {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(month_days(2024, 2).1 - month_days(2024, 2).0, 28);
        assert_eq!(month_days(2026, 12).1, days_from_civil(2026, 12, 31));
    }

    #[test]
    fn no_selection_reads_every_log_file_and_no_digest() {
        let keys = bucket();
        let (read, listed) = walk(&keys, "", &prune(None, None, &[], &[]));
        let logs: Vec<_> = keys
            .iter()
            .filter(|k| k.contains("/CloudTrail/") || !k.contains("AWSLogs/"))
            .cloned()
            .collect();
        assert_eq!(read, logs);
        assert!(
            read.iter()
                .all(|k| !k.contains("Digest") && !k.contains("Insight"))
        );
        // Region folders are listed whole: root, 2 AWSLogs, org, 2 accounts, 2 CloudTrail,
        // 4 regions, plus `team/`, `exports/`, `exports/2026/`.
        assert_eq!(listed.len(), 15, "{listed:#?}");
    }

    #[test]
    fn a_week_lists_only_its_day_folders() {
        let keys = bucket();
        let p = prune(Some("2026-01-10"), Some("2026-01-17"), &[], &[]);
        let (read, listed) = walk(&keys, "", &p);
        // 7 days of the window plus one for late deliveries, 4 region folders.
        let days: Vec<_> = listed
            .iter()
            .filter(|l| l.matches('/').count() >= 7)
            .collect();
        assert_eq!(days.len(), 8 * 4, "{listed:#?}");
        assert!(days.iter().all(|d| d.contains("/2026/01/1")));
        assert!(
            !listed
                .iter()
                .any(|l| l.contains("AWSLogs/") && (l.ends_with("/2026/") || l.ends_with("/2025/")))
        );
        let logs = read.iter().filter(|k| k.contains("AWSLogs/")).count();
        assert_eq!(logs, 8 * 4);
        // The files outside AWSLogs are always read.
        assert!(read.contains(&"team/notes.txt".to_string()));
    }

    #[test]
    fn accounts_and_regions_prune_folders() {
        let keys = bucket();
        let p = prune(
            Some("2026-01-10T05:00:00Z"),
            Some("2026-01-12T00:00:00Z"),
            &["eu-west-1"],
            &["111122223333"],
        );
        let (read, listed) = walk(&keys, "AWSLogs/", &p);
        assert_eq!(
            read,
            [10, 11, 12].map(|d| format!("AWSLogs/o-abc123def4/111122223333/CloudTrail/eu-west-1/2026/01/{d}/111122223333_CloudTrail_eu-west-1_202601{d}T1200Z_x.json.gz"))
        );
        assert_eq!(
            listed,
            [
                "AWSLogs/",
                "AWSLogs/o-abc123def4/",
                "AWSLogs/o-abc123def4/111122223333/",
                "AWSLogs/o-abc123def4/111122223333/CloudTrail/",
                "AWSLogs/o-abc123def4/111122223333/CloudTrail/eu-west-1/2026/01/10/",
                "AWSLogs/o-abc123def4/111122223333/CloudTrail/eu-west-1/2026/01/11/",
                "AWSLogs/o-abc123def4/111122223333/CloudTrail/eu-west-1/2026/01/12/",
            ]
        );
    }

    #[test]
    fn a_long_window_walks_years_and_months() {
        let keys = bucket();
        // 2025-07-15 … 2026-02-01 (the end is exclusive; one day more for late
        // deliveries): too long to list day by day, so years and months are listed, and
        // months the window covers whole are listed at once.
        let p = prune(
            Some("2025-07-15"),
            Some("2026-02-01"),
            &["us-east-1"],
            &["444455556666"],
        );
        let (read, listed) = walk(&keys, "team/", &p);
        let region = "team/AWSLogs/444455556666/CloudTrail/us-east-1/";
        let want: Vec<_> = keys
            .iter()
            .filter(|k| {
                k.strip_prefix(region)
                    .is_some_and(|rest| ("2025/07/15/".."2026/02/02/").contains(&&rest[..11]))
            })
            .cloned()
            .chain(["team/notes.txt".to_string()])
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(read.len(), want.len());
        assert_eq!(read, want);
        let below: Vec<_> = listed
            .iter()
            .filter_map(|l| l.strip_prefix(region))
            .collect();
        // The region folder, 2 years, July and February by day (17 + 1 days), August
        // to January whole (6 months).
        let mut want_listed = vec!["", "2025/", "2026/", "2025/07/", "2026/02/", "2026/02/01/"];
        let whole = [
            "2025/08/", "2025/09/", "2025/10/", "2025/11/", "2025/12/", "2026/01/",
        ];
        want_listed.extend(whole);
        let july: Vec<_> = (15..=31).map(|d| format!("2025/07/{d}/")).collect();
        want_listed.extend(july.iter().map(String::as_str));
        want_listed.sort();
        assert_eq!(below, want_listed);
    }

    #[test]
    fn user_prefixes_inside_the_layout() {
        let keys = bucket();
        let p = prune(Some("2026-02-27"), None, &[], &[]);
        // A region folder given directly: only the days up to now (2026-03-01) + slack.
        let (read, _) = walk(&keys, "team/AWSLogs/444455556666/CloudTrail/us-east-1/", &p);
        assert_eq!(read.len(), 2, "{read:?}");
        // A day folder outside the window: nothing.
        let (read, listed) = walk(
            &keys,
            "team/AWSLogs/444455556666/CloudTrail/us-east-1/2026/01/05/",
            &p,
        );
        assert!(read.is_empty() && listed.is_empty());
        // Another account, a digest folder: nothing.
        let none = prune(None, None, &[], &["111122223333"]);
        assert!(
            walk(&keys, "team/AWSLogs/444455556666/", &none)
                .0
                .is_empty()
        );
        assert!(
            walk(
                &keys,
                "team/AWSLogs/444455556666/CloudTrail-Digest/",
                &prune(None, None, &[], &[])
            )
            .0
            .is_empty()
        );
        // One object by its exact key; a folder named without its slash.
        let one = "team/AWSLogs/444455556666/CloudTrail/us-east-1/2026/01/05/444455556666_CloudTrail_us-east-1_20260105T1200Z_x.json.gz";
        assert_eq!(walk(&keys, one, &prune(None, None, &[], &[])).0, [one]);
        let (read, _) = walk(
            &keys,
            "team/AWSLogs/444455556666/CloudTrail/us-east-1/2026/01",
            &prune(None, None, &[], &[]),
        );
        assert_eq!(read.len(), 31);
        // `exports` is a folder; `export` names nothing.
        assert_eq!(
            walk(&keys, "exports", &none).0,
            ["exports/2026/athena.ndjson"]
        );
        assert!(walk(&keys, "export", &none).0.is_empty());
    }

    #[test]
    fn the_window_edges_keep_late_deliveries() {
        // A record at 23:59 on the 10th delivered on the 11th is found with end = 11th.
        let p = prune(
            Some("2026-01-10T23:00:00Z"),
            Some("2026-01-11T00:00:00Z"),
            &[],
            &[],
        );
        assert_eq!(
            p.days(),
            Some(days_from_civil(2026, 1, 10)..=days_from_civil(2026, 1, 11))
        );
        // No window: nothing is enumerated.
        assert_eq!(prune(None, None, &[], &[]).days(), None);
        // Only an end: the walk goes by years.
        assert_eq!(prune(None, Some("2026-01-11"), &[], &[]).days(), None);
    }
}

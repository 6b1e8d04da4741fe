//! The human report on stderr: errors and warnings first, then the details, then one
//! line that says why the exit code is what it is. Repeated `wide:`/`sensitive:` lines
//! are grouped (the full lists stay in `--json` and `--explain`); colour only on a
//! terminal, never with `NO_COLOR`.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use iamtrail::generate::{Generated, Sensitive, Wide};
use iamtrail::policy::synth::SIBLINGS;
use iamtrail::report::Summary;

/// How many input problems, skipped files and grouped names the report lists before
/// counting the rest.
pub const SHOW: usize = 20;

/// How many names a grouped warning lists before counting the rest.
const SHOW_IN_GROUP: usize = 5;

/// How much a report line matters: `-q` prints errors only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Something could not be done (unreadable input); printed even with `-q`.
    Error,
    /// A reviewer should look (wide, sensitive, unmapped).
    Warning,
    /// Accounting.
    Detail,
}

/// One report line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Its level.
    pub level: Level,
    /// Its text, without the `iamtrail: ` prefix.
    pub text: String,
}

fn line(level: Level, text: String) -> Line {
    Line { level, text }
}

/// Colour on stderr: a terminal without `NO_COLOR`; `CLICOLOR_FORCE` forces it (for
/// pagers and tests), `NO_COLOR` still wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    colour: bool,
}

impl Style {
    /// From the environment and stderr.
    pub fn detect() -> Style {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
        let colour = !set("NO_COLOR") && (set("CLICOLOR_FORCE") || std::io::stderr().is_terminal());
        Style { colour }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A line of the given level, prefixed.
    pub fn render(&self, l: &Line) -> String {
        let text = match l.level {
            Level::Error => self.paint("1;31", &l.text),
            Level::Warning => self.paint("33", &l.text),
            Level::Detail => l.text.clone(),
        };
        format!("iamtrail: {text}")
    }

    /// The final line: why the exit code is what it is.
    pub fn exit_line(&self, code: u8, why: &str) -> String {
        let colour = if code == 0 { "1;32" } else { "1;31" };
        format!(
            "iamtrail: {}",
            self.paint(colour, &format!("exit {code}: {why}"))
        )
    }
}

/// Prints lines, errors and warnings first (each group in its order), details last;
/// `quiet` prints only errors.
pub fn print(lines: &[Line], quiet: bool) {
    let style = Style::detect();
    let mut sorted: Vec<&Line> = lines
        .iter()
        .filter(|l| !quiet || l.level == Level::Error)
        .collect();
    sorted.sort_by_key(|l| l.level);
    for l in sorted {
        eprintln!("{}", style.render(l));
    }
}

/// Prints an error (red on a terminal).
pub fn print_error(message: &str) {
    let l = line(Level::Error, format!("error: {message}"));
    eprintln!("{}", Style::detect().render(&l));
}

/// Prints the final line.
pub fn print_exit(code: u8, why: &str) {
    eprintln!("{}", Style::detect().exit_line(code, why));
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Why a run over this input exits with `code` (0 or 3).
pub fn exit_reason(s: &Summary, allow_partial: bool) -> (u8, String) {
    let mut lost = Vec::new();
    if s.objects.unreadable > 0 {
        lost.push(format!(
            "{} unreadable",
            plural(s.objects.unreadable, "object", "objects")
        ));
    }
    if s.records.skipped > 0 {
        lost.push(format!(
            "{} skipped",
            plural(s.records.skipped, "record", "records")
        ));
    }
    if lost.is_empty() {
        (super::exit::OK, "done; every input was read".into())
    } else if allow_partial {
        (
            super::exit::OK,
            format!(
                "{} (see above), allowed by --allow-partial",
                lost.join(", ")
            ),
        )
    } else {
        (
            super::exit::PARTIAL,
            format!(
                "{} (see above); --allow-partial makes this 0",
                lost.join(", ")
            ),
        )
    }
}

/// The accounting part of the report.
pub fn summary_lines(s: &Summary) -> Vec<Line> {
    let mut out = Vec::new();
    let d = |t: String| line(Level::Detail, t);
    let o = &s.objects;
    let mut parts = vec![format!("{} with records", o.with_records)];
    if o.digest > 0 {
        parts.push(format!(
            "{} (skipped)",
            plural(o.digest, "digest file", "digest files")
        ));
    }
    if o.not_cloudtrail > 0 {
        parts.push(format!("{} not CloudTrail (skipped)", o.not_cloudtrail));
    }
    if o.unreadable > 0 {
        parts.push(format!("{} unreadable", o.unreadable));
    }
    out.push(d(format!(
        "{}: {}",
        plural(o.read, "object", "objects"),
        parts.join(", ")
    )));
    for x in s.skipped_objects.iter().take(SHOW) {
        out.push(d(format!("  skipped: {x}")));
    }
    if s.skipped_objects.len() > SHOW {
        out.push(d(format!(
            "  … and {} more skipped files (--json lists them all)",
            s.skipped_objects.len() - SHOW
        )));
    }
    if let Some(x) = &s.s3 {
        let mut l = format!(
            "s3: {} over {}; {}: {} downloaded ({:.1} MB)",
            plural(x.list_requests, "list request", "list requests"),
            plural(x.prefixes_listed, "prefix", "prefixes"),
            plural(x.objects_listed, "object", "objects"),
            x.objects_downloaded,
            x.bytes_downloaded as f64 / 1e6,
        );
        if x.objects_from_cache > 0 {
            l.push_str(&format!(", {} from the cache", x.objects_from_cache));
        }
        if x.objects_failed > 0 {
            l.push_str(&format!(", {} failed (listed above)", x.objects_failed));
        }
        if x.cache_write_errors > 0 {
            l.push_str(&format!(
                "; {} could not be written to the cache",
                plural(x.cache_write_errors, "result", "results")
            ));
        }
        out.push(d(l));
    }
    let r = &s.records;
    if r.read > 0 {
        // Records the prefilter skipped were counted, not read: their times are unknown.
        let note = if s.filtered.contains_key(iamtrail::ingest::PREFILTERED) {
            " of the records read; records that never name the selected principals were counted, not read"
        } else {
            ""
        };
        out.push(d(format!("time: {} (UTC){note}", s.seen.time_range())));
    }
    out.push(d(format!(
        "records: {} read = {} used + {} free + {} unmapped + {} failed-not-counted + {} filtered + {} skipped + {} duplicate",
        r.read, r.used, r.free, r.unmapped, r.failed_not_counted, r.filtered, r.skipped, r.duplicate
    )));
    if let Some(d2) = &s.deduplication {
        out.push(d(format!(
            "  deduplication: {} eventIDs past the memory budget went to disk (--dedupe-ids); {} records counted twice were taken back, reading {} objects again",
            d2.ids_to_disk, d2.taken_back, d2.objects_read_again
        )));
    }
    let list = |m: &BTreeMap<&'static str, u64>| {
        m.iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !s.filtered.is_empty() {
        out.push(d(format!("  filtered: {}", list(&s.filtered))));
    }
    if !s.skipped.is_empty() {
        let l = s
            .skipped
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(d(format!("  skipped: {l}")));
    }
    if !s.free.is_empty() {
        let l = s
            .free
            .iter()
            .map(|(k, v)| format!("{k} ×{v}"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(d(format!("  free (no permission needed): {l}")));
    }
    if !s.failed_counted.is_empty() {
        out.push(d(format!(
            "  failed calls counted as needed: {}",
            list(&s.failed_counted)
        )));
    }
    if !s.failed_not_counted.is_empty() {
        out.push(d(format!(
            "  failed calls not counted (see --failed-calls): {}",
            list(&s.failed_not_counted)
        )));
    }
    for p in s.problems.iter().take(SHOW) {
        out.push(line(Level::Error, format!("input problem: {p}")));
    }
    if s.problems.len() > SHOW {
        out.push(line(
            Level::Error,
            format!(
                "… and {} more input problems (--json lists them all)",
                s.problems.len() - SHOW
            ),
        ));
    }
    if !s.unmapped.is_empty() {
        let w = |t: String| line(Level::Warning, t);
        out.push(w(
            "unmapped events (no policy line written; check whether the workload needs them):"
                .into(),
        ));
        for (src, names) in &s.unmapped {
            for (name, e) in names {
                out.push(w(format!("  {src} {name} ×{}: {}", e.count, e.reason)));
            }
        }
    }
    out
}

/// `a, b, c, … and N more` of at most [`SHOW_IN_GROUP`] names.
fn names(all: &[String]) -> String {
    let mut s = all
        .iter()
        .take(SHOW_IN_GROUP)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if all.len() > SHOW_IN_GROUP {
        s.push_str(&format!(
            ", … and {} more (--explain or --json list them all)",
            all.len() - SHOW_IN_GROUP
        ));
    }
    s
}

/// `wide:` lines, one per kind of reason (`the action supports no resource-level
/// permission`, `not in the records`), naming the resource when the grants share one.
pub fn wide_lines(wide: &[Wide]) -> Vec<String> {
    let mut groups: BTreeMap<&str, Vec<&Wide>> = BTreeMap::new();
    for w in wide {
        let kind = w.why.split(':').next().unwrap_or_default();
        groups.entry(kind).or_default().push(w);
    }
    groups
        .into_iter()
        .map(|(kind, ws)| match ws.as_slice() {
            [w] => format!("wide: {} on {}: {}", w.action, w.resource, w.why),
            _ if ws
                .iter()
                .all(|w| w.resource == ws[0].resource && w.why == ws[0].why) =>
            {
                let actions: Vec<String> = ws.iter().map(|w| w.action.clone()).collect();
                format!(
                    "wide: {} grants on {} ({}): {}",
                    ws.len(),
                    ws[0].resource,
                    ws[0].why,
                    names(&actions)
                )
            }
            _ => {
                let pairs: Vec<String> = ws
                    .iter()
                    .map(|w| match w.why.split_once(": ") {
                        Some((_, detail)) => {
                            format!("{} on {} ({detail})", w.action, w.resource)
                        }
                        None => format!("{} on {}", w.action, w.resource),
                    })
                    .collect();
                format!("wide: {} grants ({kind}): {}", ws.len(), names(&pairs))
            }
        })
        .collect()
}

/// `sensitive:` lines, one per action and wording.
pub fn sensitive_lines(sensitive: &[Sensitive]) -> Vec<String> {
    let mut groups: BTreeMap<(bool, &str, &str), Vec<String>> = BTreeMap::new();
    for s in sensitive {
        groups
            .entry((!s.wildcard, &s.action, &s.why))
            .or_default()
            .push(s.resource.clone());
    }
    groups
        .into_iter()
        .map(|((exact, action, why), resources)| {
            let warn = if exact {
                "sensitive"
            } else {
                "WARNING sensitive (wildcard resource)"
            };
            match resources.as_slice() {
                [r] => format!("{warn}: {action} on {r}: {why}"),
                _ => format!(
                    "{warn}: {action} on {} resources ({}): {why}",
                    resources.len(),
                    names(&resources)
                ),
            }
        })
        .collect()
}

/// The synthesis part of the report.
pub fn generated_lines(g: &Generated, limit: usize) -> Vec<Line> {
    let mut out = Vec::new();
    // One line per pattern and rule set, across actions (the full list, with every
    // example, is in --json and --explain).
    type Group<'a> = (Vec<String>, usize, &'a str, Vec<&'a str>);
    let mut by_pattern: BTreeMap<(&str, Vec<&str>), Group> = BTreeMap::new();
    for x in &g.synthesis.generalizations {
        let e = by_pattern
            .entry((x.pattern.as_str(), x.rules.iter().copied().collect()))
            .or_insert_with(|| {
                (
                    Vec::new(),
                    0,
                    x.examples.first().map_or("", String::as_str),
                    Vec::new(),
                )
            });
        e.0.push(x.action.to_string());
        e.1 += x.replaced;
        e.3.extend(x.varied.iter().map(String::as_str));
    }
    // Patterns made for the same actions by the same rules share one line past the first.
    type Made<'a> = Vec<(&'a str, usize, &'a str, Vec<&'a str>)>;
    let mut by_rule: BTreeMap<(String, Vec<&str>), Made> = BTreeMap::new();
    for ((pattern, rules), (actions, replaced, example, mut varied)) in by_pattern {
        varied.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
        varied.dedup();
        by_rule
            .entry((actions.join(", "), rules))
            .or_default()
            .push((pattern, replaced, example, varied));
    }
    for ((actions, rules), patterns) in by_rule {
        let knob = if rules.contains(&SIBLINGS) {
            "--generalize sets the threshold"
        } else {
            "--pin keeps resources exact"
        };
        let text = match patterns.as_slice() {
            [(pattern, replaced, example, varied)] => format!(
                "generalized: {actions} on {pattern}: {} by {} (e.g. {example}{}; {knob})",
                plural(*replaced as u64, "resource", "resources"),
                rules.join("+"),
                if varied.is_empty() {
                    String::new()
                } else {
                    format!("; the number varies: {}", varied.join(", "))
                },
            ),
            many => {
                let total: usize = many.iter().map(|p| p.1).sum();
                let shown: Vec<&str> = many.iter().take(3).map(|p| p.0).collect();
                format!(
                    "generalized: {actions} on {} patterns from {} by {}: {}{} ({knob}; all of them in --explain and --json)",
                    many.len(),
                    plural(total as u64, "resource", "resources"),
                    rules.join("+"),
                    shown.join(", "),
                    if many.len() > 3 { ", …" } else { "" },
                )
            }
        };
        out.push(line(Level::Detail, text));
    }
    for l in sensitive_lines(&g.sensitive) {
        out.push(line(Level::Warning, l));
    }
    for l in wide_lines(&g.wide) {
        out.push(line(Level::Warning, l));
    }
    let sizes: Vec<String> = g
        .documents
        .iter()
        .map(|d| d.iam_size().to_string())
        .collect();
    let statements: usize = g.documents.iter().map(|d| d.statements.len()).sum();
    out.push(line(
        Level::Detail,
        format!(
            "policy: {} with {}, {} of {limit} characters",
            plural(g.documents.len() as u64, "document", "documents"),
            plural(statements as u64, "statement", "statements"),
            sizes.join(" + ")
        ),
    ));
    out
}

/// Detail lines from plain text (other parts of the report).
pub fn details(lines: Vec<String>) -> Vec<Line> {
    lines.into_iter().map(|t| line(Level::Detail, t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wide(action: &str, resource: &str, why: &str) -> Wide {
        Wide {
            action: action.into(),
            resource: resource.into(),
            why: why.into(),
        }
    }

    #[test]
    fn wide_lines_are_grouped_by_reason() {
        let none = "the action supports no resource-level permission";
        let mut ws: Vec<Wide> = (0..7)
            .map(|i| wide(&format!("ecr:Action{i}"), "*", none))
            .collect();
        ws.push(wide(
            "sns:Publish",
            "arn:aws:sns:*:1:t",
            "not in the records: Region",
        ));
        let l = wide_lines(&ws);
        assert_eq!(l.len(), 2, "{l:?}");
        assert_eq!(
            l[1],
            format!(
                "wide: 7 grants on * ({none}): ecr:Action0, ecr:Action1, ecr:Action2, ecr:Action3, ecr:Action4, … and 2 more (--explain or --json list them all)"
            )
        );
        assert_eq!(
            l[0],
            "wide: sns:Publish on arn:aws:sns:*:1:t: not in the records: Region"
        );
        ws.push(wide(
            "sqs:SendMessage",
            "arn:aws:sqs:*:1:q",
            "not in the records: Region",
        ));
        ws.push(wide(
            "ec2:CreateVpc",
            "arn:aws:ec2:r:1:vpc/*",
            "not in the records: VpcId",
        ));
        let both = wide_lines(&ws);
        assert_eq!(
            both[0],
            "wide: 3 grants (not in the records): sns:Publish on arn:aws:sns:*:1:t (Region), sqs:SendMessage on arn:aws:sqs:*:1:q (Region), ec2:CreateVpc on arn:aws:ec2:r:1:vpc/* (VpcId)"
        );
    }

    #[test]
    fn sensitive_lines_are_grouped_by_action() {
        let s = |r: &str, wildcard| Sensitive {
            action: "sts:AssumeRole".into(),
            resource: r.into(),
            why: if wildcard { "every" } else { "these" }.into(),
            wildcard,
        };
        let l = sensitive_lines(&[s("r1", false), s("r2", false), s("*", true)]);
        assert_eq!(
            l,
            [
                "WARNING sensitive (wildcard resource): sts:AssumeRole on *: every",
                "sensitive: sts:AssumeRole on 2 resources (r1, r2): these"
            ]
        );
    }

    #[test]
    fn exit_reasons() {
        let mut s = Summary::default();
        assert_eq!(exit_reason(&s, false).0, 0);
        s.objects.unreadable = 1;
        let (code, why) = exit_reason(&s, false);
        assert_eq!(
            (code, why.as_str()),
            (
                3,
                "1 object unreadable (see above); --allow-partial makes this 0"
            )
        );
        assert_eq!(exit_reason(&s, true).0, 0);
    }

    #[test]
    fn colour_only_when_asked() {
        let plain = Style { colour: false };
        let l = line(Level::Warning, "wide: x".into());
        assert_eq!(plain.render(&l), "iamtrail: wide: x");
        let c = Style { colour: true };
        assert_eq!(c.render(&l), "iamtrail: \x1b[33mwide: x\x1b[0m");
    }
}

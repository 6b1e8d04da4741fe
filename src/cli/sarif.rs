//! The one SARIF 2.1.0 writer (OASIS "Static Analysis Results Interchange Format"),
//! shared by `validate` and `audit credentials`: one run of iamtrail, the rules it
//! reports, and results pointing at a file region, a logical location (a policy path,
//! an ARN), or both. Only the binary writes SARIF, so the writer lives in the cli.

use serde_json::{Map, Value, json};

/// The schema the log declares: the OASIS standard's own copy (2.1.0, errata 01).
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// A result's or rule's level (SARIF §3.27.10: `error`, `warning`, `note`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A serious problem.
    Error,
    /// A problem.
    Warning,
    /// Worth a look.
    Note,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// A rule (a check or control) in the tool's driver.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `ruleId` (`CIS-1.12`, `EMPTY_ARRAY_ACTION`).
    pub id: String,
    /// `name`.
    pub name: String,
    /// `shortDescription` (a title).
    pub short: String,
    /// `fullDescription`, when the rule has more text than its title.
    pub full: Option<String>,
    /// `helpUri` (the documentation of the check).
    pub help_uri: Option<String>,
    /// `defaultConfiguration.level`.
    pub level: Level,
    /// `properties` (a JSON object), when any.
    pub properties: Option<Value>,
}

/// Where a result is.
#[derive(Debug, Clone, Default)]
pub struct Location {
    /// The file (as given; written as a relative URI reference), 1-based line and
    /// optional 1-based column.
    pub file: Option<(String, usize, Option<usize>)>,
    /// A logical location: its fully qualified name (a JSON path in a policy, an ARN)
    /// and optional kind (`user`, `account`).
    pub logical: Option<(String, Option<&'static str>)>,
}

/// A result (a finding).
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule's id; it must be one of the log's rules.
    pub rule: String,
    /// The level.
    pub level: Level,
    /// `message.text`.
    pub message: String,
    /// Where it is.
    pub location: Location,
    /// `properties` (a JSON object), when any.
    pub properties: Option<Value>,
}

/// The tool's `driver`.
#[derive(Debug, Clone)]
pub struct Tool<'a> {
    /// `informationUri`, when the tool points at a reference.
    pub information_uri: Option<&'a str>,
    /// The rules, in `ruleIndex` order.
    pub rules: &'a [Rule],
}

/// A SARIF log with one run of iamtrail. Each result carries its rule's `ruleIndex`.
pub fn log(tool: &Tool, results: &[Finding]) -> Value {
    let rules: Vec<Value> = tool
        .rules
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("id".into(), json!(r.id));
            o.insert("name".into(), json!(r.name));
            o.insert("shortDescription".into(), json!({"text": r.short}));
            if let Some(full) = &r.full {
                o.insert("fullDescription".into(), json!({"text": full}));
            }
            if let Some(uri) = &r.help_uri {
                o.insert("helpUri".into(), json!(uri));
            }
            o.insert(
                "defaultConfiguration".into(),
                json!({"level": r.level.name()}),
            );
            if let Some(p) = &r.properties {
                o.insert("properties".into(), p.clone());
            }
            Value::Object(o)
        })
        .collect();
    let results: Vec<Value> = results
        .iter()
        .map(|f| {
            let mut o = Map::new();
            o.insert("ruleId".into(), json!(f.rule));
            if let Some(i) = tool.rules.iter().position(|r| r.id == f.rule) {
                o.insert("ruleIndex".into(), json!(i));
            }
            o.insert("level".into(), json!(f.level.name()));
            o.insert("message".into(), json!({"text": f.message}));
            o.insert("locations".into(), json!([location(&f.location)]));
            if let Some(p) = &f.properties {
                o.insert("properties".into(), p.clone());
            }
            Value::Object(o)
        })
        .collect();
    let mut driver = Map::new();
    driver.insert("name".into(), json!("iamtrail"));
    driver.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    if let Some(uri) = tool.information_uri {
        driver.insert("informationUri".into(), json!(uri));
    }
    driver.insert("rules".into(), Value::Array(rules));
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "results": results,
        }],
    })
}

fn location(l: &Location) -> Value {
    let mut o = Map::new();
    if let Some((file, line, column)) = &l.file {
        let mut region = json!({"startLine": line});
        if let Some(c) = column {
            region["startColumn"] = json!(c);
        }
        o.insert(
            "physicalLocation".into(),
            json!({"artifactLocation": {"uri": uri(file)}, "region": region}),
        );
    }
    if let Some((name, kind)) = &l.logical {
        let mut logical = json!({"fullyQualifiedName": name});
        if let Some(k) = kind {
            logical["kind"] = json!(k);
        }
        o.insert("logicalLocations".into(), json!([logical]));
    }
    Value::Object(o)
}

/// A file name as a relative URI reference (separators `/`, unsafe bytes escaped).
fn uri(name: &str) -> String {
    let mut out = String::new();
    for b in name.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(b as char);
        } else {
            out += &format!("%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_names_its_rule_index_and_both_locations() {
        let rules = [
            Rule {
                id: "A".into(),
                name: "A".into(),
                short: "first".into(),
                full: None,
                help_uri: None,
                level: Level::Note,
                properties: None,
            },
            Rule {
                id: "B".into(),
                name: "B".into(),
                short: "second".into(),
                full: Some("more".into()),
                help_uri: Some("https://example.com/b".into()),
                level: Level::Error,
                properties: Some(json!({"k": 1})),
            },
        ];
        let results = [Finding {
            rule: "B".into(),
            level: Level::Warning,
            message: "m".into(),
            location: Location {
                file: Some(("dir/a b.json".into(), 3, Some(7))),
                logical: Some(("arn:aws:iam::1:user/x".into(), Some("user"))),
            },
            properties: None,
        }];
        let v = log(
            &Tool {
                information_uri: None,
                rules: &rules,
            },
            &results,
        );
        let r = &v["runs"][0]["results"][0];
        assert_eq!(r["ruleIndex"], 1);
        assert_eq!(r["level"], "warning");
        let loc = &r["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            "dir/a%20b.json"
        );
        assert_eq!(loc["physicalLocation"]["region"]["startColumn"], 7);
        assert_eq!(loc["logicalLocations"][0]["kind"], "user");
        let rule = &v["runs"][0]["tool"]["driver"]["rules"][1];
        assert_eq!(rule["fullDescription"]["text"], "more");
        assert_eq!(rule["defaultConfiguration"]["level"], "error");
        assert!(v["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"].is_null());
    }
}

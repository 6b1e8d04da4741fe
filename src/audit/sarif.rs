//! A small SARIF 2.1.0 writer (the OASIS "Static Analysis Results Interchange Format"
//! standard): one run of one tool, its rules, and results pointing at a file line or,
//! when there is no file, at a logical location (an ARN).

use serde_json::{Value, json};

/// The SARIF schema the output declares.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A rule (a control).
#[derive(Debug, Clone)]
pub struct Rule {
    /// `ruleId` (`CIS-1.12`).
    pub id: String,
    /// Short description (the control's title).
    pub title: String,
    /// Full description (the control's text).
    pub text: String,
    /// Default level: `error`, `warning` or `note`.
    pub level: &'static str,
}

/// A result (a finding).
#[derive(Debug, Clone)]
pub struct Result {
    /// The rule's id.
    pub rule: String,
    /// `error`, `warning` or `note`.
    pub level: &'static str,
    /// The message.
    pub message: String,
    /// The file and 1-based line, when the finding has one.
    pub file: Option<(String, usize)>,
    /// The logical location (an ARN) and its kind (`user`, `account`…).
    pub logical: (String, &'static str),
    /// Extra properties.
    pub properties: Value,
}

/// A SARIF log with one run of `tool` (`version`).
pub fn log(tool: &str, version: &str, rules: &[Rule], results: &[Result]) -> Value {
    let rules: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.text},
                "defaultConfiguration": {"level": r.level},
            })
        })
        .collect();
    let results: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut loc = json!({
                "logicalLocations": [{"fullyQualifiedName": r.logical.0, "kind": r.logical.1}],
            });
            if let Some((file, line)) = &r.file {
                loc["physicalLocation"] = json!({
                    "artifactLocation": {"uri": file},
                    "region": {"startLine": line},
                });
            }
            json!({
                "ruleId": r.rule,
                "level": r.level,
                "message": {"text": r.message},
                "locations": [loc],
                "properties": r.properties,
            })
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": tool,
                "version": version,
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

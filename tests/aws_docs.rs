//! CloudTrail examples from AWS documentation pages (tests/fixtures/aws-docs, each file
//! names its page): for every record, the policy iamtrail generates from that record
//! alone must allow each (action, resource) the page's call needed (expected.tsv), and
//! calls that need no permission must produce no statement.

mod common;
use common::*;

use iamtrail::iam::eval::{Decision, PolicySet, Request};
use iamtrail::iam::policy::Document;

#[test]
fn every_documented_call_is_allowed_by_its_generated_policy() {
    let dir = root().join("tests/fixtures/aws-docs");
    let expected = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    let mut by_event: std::collections::BTreeMap<(String, String), Vec<(String, String)>> =
        Default::default();
    for line in expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let c: Vec<&str> = line.split('\t').collect();
        by_event
            .entry((c[0].to_string(), c[1].to_string()))
            .or_default()
            .push((c[2].to_string(), c[3].to_string()));
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for ((file, event_id), needs) in &by_event {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rec = doc["Records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["eventID"] == event_id.as_str())
            .unwrap_or_else(|| panic!("{file} {event_id}"));
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("r.json");
        std::fs::write(&path, serde_json::json!({"Records": [rec]}).to_string()).unwrap();
        let o = iamtrail(
            &[
                "generate",
                "--json",
                "--all-principals",
                "--failed-calls",
                "all",
                path.to_str().unwrap(),
            ],
            None,
        );
        let v: serde_json::Value = serde_json::from_str(&stdout(&o))
            .unwrap_or_else(|e| panic!("{file} {event_id}: {e} {}", stderr(&o)));
        let policies: Vec<Document> = serde_json::from_value(v["policies"].clone()).unwrap();
        if rec.get("eventSource").is_none() {
            // Some archived pages print records without eventSource: nothing can route
            // them; they must be reported as skipped, not guessed at.
            assert_eq!(v["report"]["records"]["skipped"], 1, "{file} {event_id}");
            checked += needs.len();
            continue;
        }
        for (action, resource) in needs {
            checked += 1;
            if action == "-" {
                let n: usize = policies.iter().map(|p| p.statements.len()).sum();
                if n != 0 {
                    failures.push(format!(
                        "{file} {event_id}: needs no permission, but got {n} statements"
                    ));
                }
                continue;
            }
            let mut ctx = std::collections::BTreeMap::new();
            // PassRole is granted with iam:PassedToService; the docs line names no service.
            for st in policies.iter().flat_map(|p| &p.statements) {
                if let Some(c) = &st.condition {
                    for (k, vals) in c.values().flatten() {
                        ctx.insert(k.clone(), vals.0.clone());
                    }
                }
            }
            let req = Request {
                principal: None,
                action: action.clone(),
                resource: resource.replace('*', "x-any"),
                context: ctx,
            };
            if PolicySet::identity(&policies).evaluate(&req).decision != Decision::Allowed {
                failures.push(format!(
                    "{file} {event_id}: {action} on {resource} not allowed by {}",
                    serde_json::to_string(&v["policies"]).unwrap()
                ));
            }
        }
    }
    assert!(checked >= 80, "only {checked} facts checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} documented needs not met:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

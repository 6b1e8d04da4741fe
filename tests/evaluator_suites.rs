//! The evaluator against conformance suites other projects wrote
//! (`../shared/evaluator-suites/`: cloud-copilot/iam-simulate and reaandrew/politest,
//! converted to one JSON format). The data is AGPL and never copied into this repository:
//! the test reads it from next to the repository and skips, saying so, when it is not
//! there (CI clones have no `../shared`). It prints the pass count per suite and every
//! mismatch, and fails when a count drops below the floor recorded here.

use std::collections::BTreeMap;
use std::path::Path;

use iamtrail::iam::eval::{PolicyKind, PolicySet, Request};
use iamtrail::iam::policy::{Document, DocumentKind};
use serde_json::Value;

/// Passing cases per suite file, the floor this test holds (`full.json` holds every case
/// of the two identity-only files and 169 more: 317 distinct cases in all).
const FLOOR: &[(&str, usize)] = &[
    ("iam-simulate.json", 114),
    ("politest.json", 34),
    ("full.json", 317),
];

/// The documents of a suite field (one document or a list), read as `iamtrail simulate`
/// reads its files: non-IAM fields (`Description`, `Owner`, … which politest strips before
/// it calls AWS) are ignored, and iam-simulate's `"Principal": "arn:…"` (which IAM
/// rejects: `"*"` is its only string form) is read as `{"AWS": "arn:…"}`.
fn docs(v: Option<&Value>, kind: DocumentKind) -> Result<Vec<Document>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => Document::list_from_text_lenient(&v.to_string(), kind)
            .map(|(d, _)| d)
            .map_err(|e| e.to_string()),
    }
}

/// The decision for one case, or why it could not be evaluated.
fn run(case: &Value) -> Result<&'static str, String> {
    let identity = docs(case.get("policies"), DocumentKind::Identity)?;
    let resource = docs(case.get("resource_policy"), DocumentKind::Resource)?;
    let boundaries = docs(case.get("boundaries"), DocumentKind::Identity)?;
    let sessions = docs(case.get("session_policies"), DocumentKind::Identity)?;
    let endpoints = docs(case.get("endpoint_policies"), DocumentKind::Identity)?;
    let levels = |k: &str| -> Result<Vec<Vec<Document>>, String> {
        match case.get(k) {
            Some(Value::Array(ls)) => ls
                .iter()
                .map(|l| docs(Some(l), DocumentKind::Identity))
                .collect(),
            _ => Ok(Vec::new()),
        }
    };
    let (scps, rcps) = (levels("scps")?, levels("rcps")?);
    let mut set = PolicySet::identity(&identity);
    for (kind, list) in [
        (PolicyKind::Resource, &resource),
        (PolicyKind::Boundary, &boundaries),
        (PolicyKind::Session, &sessions),
        (PolicyKind::Endpoint, &endpoints),
    ] {
        for (i, d) in list.iter().enumerate() {
            set = set.with(kind, format!("{} {}", kind.name(), i + 1), d);
        }
    }
    for l in &scps {
        set = set.with_scp_level(l.iter().map(|d| ("scp", d)));
    }
    for l in &rcps {
        set = set.with_rcp_level(l.iter().map(|d| ("rcp", d)));
    }
    let r = &case["request"];
    let mut req = Request::new(
        r["action"].as_str().unwrap_or_default(),
        r["resource"].as_str().unwrap_or_default(),
    );
    if let Some(p) = r["principal"].as_str() {
        req = req.by(p);
    }
    if let Some(a) = case.get("resource_account").and_then(Value::as_str) {
        req = req.owned_by(a);
    }
    if let Some(Value::Object(ctx)) = r.get("context") {
        for (k, vs) in ctx {
            for v in vs.as_array().into_iter().flatten() {
                req = req.with(k.clone(), v.as_str().unwrap_or_default());
            }
        }
    }
    Ok(set.evaluate(&req).decision.name())
}

#[test]
fn conformance_suites() {
    // `IAMTRAIL_EVALUATOR_SUITES` points elsewhere (a git worktree is not next to
    // `shared/`).
    let dir = std::env::var_os("IAMTRAIL_EVALUATOR_SUITES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/evaluator-suites")
        });
    if !dir.is_dir() {
        println!(
            "skipped: {} is not here (CI clones have no ../shared)",
            dir.display()
        );
        return;
    }
    let mut failed = Vec::new();
    for (file, floor) in FLOOR {
        let text = std::fs::read_to_string(dir.join(file)).expect("suite file");
        let cases: Vec<Value> = serde_json::from_str(&text).expect("suite JSON");
        let (mut right, mut total, mut wrong) = (0, 0, Vec::new());
        let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for case in &cases {
            let id = case["id"].as_str().unwrap_or_default().to_string();
            total += 1;
            let expect = case["expect"].as_str().unwrap_or_default();
            let got = run(case);
            let ok = got.as_deref() == Ok(expect);
            right += usize::from(ok);
            let e = by_kind.entry(expect_kind(case)).or_default();
            e.0 += usize::from(ok);
            e.1 += 1;
            if !ok {
                wrong.push(format!("  {id}: expected {expect}, got {got:?}"));
            }
        }
        println!("{file}: {right}/{total} right");
        for (k, (r, t)) in by_kind {
            println!("    {k}: {r}/{t}");
        }
        for w in &wrong {
            println!("{w}");
        }
        if right < *floor {
            failed.push(format!("{file}: {right} right, floor {floor}"));
        }
    }
    assert!(failed.is_empty(), "below the floor: {failed:?}");
}

/// The case's most telling policy type, for the per-type counts.
fn expect_kind(case: &Value) -> &'static str {
    let non_empty = |k: &str| match case.get(k) {
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    };
    for (k, name) in [
        ("scps", "scps"),
        ("rcps", "rcps"),
        ("endpoint_policies", "endpoint"),
        ("session_policies", "session"),
        ("boundaries", "boundary"),
        ("resource_policy", "resource policy"),
    ] {
        if non_empty(k) {
            return name;
        }
    }
    "identity only"
}

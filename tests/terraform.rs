//! `--format terraform` checked by Terraform itself: `terraform fmt -check` accepts the
//! files as written, and the policies Terraform evaluates from them (a provider-free
//! copy of the configuration: the `jsonencode` locals, with an output each, applied
//! offline) equal `--format json`'s, for every sample principal, a policy of object
//! keys with every character that needs escaping, and a split policy.
//!
//! Terraform must be installed where CI=true (CI machines have it); elsewhere, without
//! it, the test says why and skips.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::policies::{cases, generate, json_documents};

/// The `terraform` binary on PATH, or `None` (only outside CI) after saying why.
fn terraform() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("terraform"))
            .find(|p| p.is_file())
    });
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    match found {
        Some(p) => Some(p),
        None if ci => panic!(
            "terraform is not on PATH, and CI is set: CI machines must have it (this test checks the Terraform output with it)"
        ),
        None => {
            eprintln!(
                "SKIPPED: terraform is not on PATH (and CI is not set), so the Terraform output is not checked by Terraform"
            );
            None
        }
    }
}

fn run(tf: &Path, dir: &Path, args: &[&str]) -> String {
    let o = Command::new(tf)
        .args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run terraform {args:?}: {e}"));
    assert!(
        o.status.success(),
        "terraform {args:?} failed ({:?}):\n{}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8 terraform output")
}

/// The configuration without its `aws_iam_policy` resources (they need the AWS
/// provider), with an output per `jsonencode` local, and those locals' names in order.
fn provider_free(tf_text: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut locals = Vec::new();
    let mut in_resource = false;
    for line in tf_text.lines() {
        if line.starts_with("resource \"aws_iam_policy\" ") {
            in_resource = true;
        }
        if !in_resource {
            out.push_str(line);
            out.push('\n');
            if let Some(name) = line
                .strip_prefix("  ")
                .and_then(|l| l.strip_suffix(" = jsonencode({"))
            {
                locals.push(name.to_string());
            }
        } else if line == "}" {
            in_resource = false;
        }
    }
    for l in &locals {
        out.push_str(&format!("\noutput \"{l}\" {{\n  value = local.{l}\n}}\n"));
    }
    (out, locals)
}

#[test]
fn terraform_parses_the_output_and_evaluates_it_to_the_json_policy() {
    let Some(tf) = terraform() else { return };
    let dir = tempfile::tempdir().unwrap();
    let fmt_dir = dir.path().join("as-written");
    let eval_dir = dir.path().join("provider-free");
    std::fs::create_dir_all(&fmt_dir).unwrap();
    std::fs::create_dir_all(&eval_dir).unwrap();
    let mut want: Vec<(String, serde_json::Value)> = Vec::new();
    let all = cases(dir.path());
    for c in &all {
        let text = common::stdout(&generate(c, "terraform"));
        assert!(text.contains("resource \"aws_iam_policy\""), "{text}");
        std::fs::write(fmt_dir.join(format!("{}.tf", c.name)), &text).unwrap();
        let (free, locals) = provider_free(&text);
        std::fs::write(eval_dir.join(format!("{}.tf", c.name)), free).unwrap();
        let docs = json_documents(c);
        assert_eq!(locals.len(), docs.len(), "{}: {text}", c.name);
        want.extend(locals.into_iter().zip(docs));
    }
    assert!(
        want.len() > all.len(),
        "the split case has several documents"
    );
    // fmt exits non-zero and lists the files it would change.
    run(&tf, &fmt_dir, &["fmt", "-check", "-diff", "-no-color"]);
    run(&tf, &eval_dir, &["init", "-input=false", "-no-color"]);
    run(
        &tf,
        &eval_dir,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    );
    let outputs: serde_json::Value =
        serde_json::from_str(&run(&tf, &eval_dir, &["output", "-json"])).unwrap();
    for (local, doc) in &want {
        let text = outputs[local]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("no output {local}: {outputs}"));
        let got: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(&got, doc, "{local}: Terraform evaluates another policy");
    }
}

//! The crate's layers only point down. Each top-level module of `src/` belongs to one
//! layer (the map in `src/lib.rs`); this test reads every `crate::…` path in `src/` and
//! fails when a module names one from a layer above its own.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

/// Layers, bottom first, and the top-level modules in each. Keep in step with the
/// layer map in `src/lib.rs`.
const LAYERS: &[(&str, &[&str])] = &[
    ("core", &["iam", "percent", "time"]),
    ("catalog", &["catalog"]),
    ("reading", &["decode", "source", "aws", "capture"]),
    ("mapping", &["map", "select"]),
    ("usage", &["usage", "calls", "report", "ingest"]),
    ("synthesis", &["policy", "generate"]),
    (
        "commands",
        &[
            "denied", "feedback", "apply", "diagnose", "validate", "check", "unused", "replay",
            "audit", "athena",
        ],
    ),
    ("cli", &["cli"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, mods)| mods.contains(&module))
}

/// The top-level module a file under `src/` belongs to (`None` for the crate roots and
/// the build script).
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" | "main.rs" | "build.rs" => None,
        f => Some(f.trim_end_matches(".rs").to_owned()),
    }
}

/// Every top-level module named by a `crate::` path in `code` (comments skipped),
/// including the members of `crate::{a::…, b}` groups.
fn imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // One level of grouping is what rustfmt writes on one line; a group
                // spread over lines is rare in this crate and caught by its own lines.
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        out.insert(name);
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_imports_a_layer_above_its_own() {
    let src = common::root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut found = BTreeSet::new();
    let mut unknown = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let Some(module) = module_of(rel) else {
            continue;
        };
        let Some(mine) = layer_of(&module) else {
            unknown.push(format!("{} (module `{module}`)", rel.display()));
            continue;
        };
        let code = std::fs::read_to_string(f).unwrap();
        for dep in imports(&code) {
            let Some(theirs) = layer_of(&dep) else {
                unknown.push(format!("{} imports `crate::{dep}`", rel.display()));
                continue;
            };
            if theirs > mine {
                found.insert((module.clone(), dep, rel.display().to_string()));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "modules missing from LAYERS (add them to the layer they belong to, here and in src/lib.rs):\n{}",
        unknown.join("\n")
    );
    let upward: Vec<_> = found
        .iter()
        .map(|(m, d, f)| {
            format!(
                "{f}: `{m}` ({}) imports `{d}` ({})",
                LAYERS[layer_of(m).unwrap()].0,
                LAYERS[layer_of(d).unwrap()].0
            )
        })
        .collect();
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}

#[test]
fn the_scanner_reads_paths_and_groups() {
    let got = imports(
        "use crate::map::Need;\n// crate::cli in a comment\nuse crate::{decode::Record, usage};\nlet x = crate::policy::escape::escape(s);",
    );
    let want: BTreeSet<String> = ["map", "decode", "usage", "policy"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(got, want);
}

#[test]
fn the_layer_map_in_lib_rs_names_every_layer() {
    let lib = std::fs::read_to_string(common::root().join("src/lib.rs")).unwrap();
    for (layer, mods) in LAYERS {
        for m in *mods {
            assert!(
                lib.contains(&format!("`{m}`")),
                "src/lib.rs's layer map does not mention `{m}` (layer {layer})"
            );
        }
    }
}

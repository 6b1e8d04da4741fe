//! Embeds `action-map/` into the binary: one `include_str!` per catalog service file
//! (parsed lazily at run time, per service) and the curated map files.
use std::{env, fs, path::Path};

fn main() {
    let root = env::var("CARGO_MANIFEST_DIR").unwrap();
    let services_dir = Path::new(&root).join("action-map/catalog/services");
    let curated_dir = Path::new(&root).join("action-map/curated");
    let models_dir = Path::new(&root).join("action-map/models");
    println!("cargo:rerun-if-changed={}", services_dir.display());
    println!("cargo:rerun-if-changed={}", curated_dir.display());
    println!("cargo:rerun-if-changed={}", models_dir.display());

    let mut names: Vec<String> = fs::read_dir(&services_dir)
        .expect("action-map/catalog/services")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".tsv").map(str::to_owned)
        })
        .collect();
    names.sort();

    let mut out = String::new();
    out.push_str(&format!(
        "pub const SERVICE_COUNT: usize = {};\n",
        names.len()
    ));
    out.push_str("pub static SERVICES: [(&str, &str); SERVICE_COUNT] = [\n");
    for n in &names {
        let p = services_dir.join(format!("{n}.tsv"));
        println!("cargo:rerun-if-changed={}", p.display());
        out.push_str(&format!(
            "    ({n:?}, include_str!({:?})),\n",
            p.display().to_string()
        ));
    }
    out.push_str("];\n");
    out.push_str(&format!(
        "pub static CATALOG_VERSION: &str = include_str!({:?});\n",
        Path::new(&root)
            .join("action-map/catalog/VERSION")
            .display()
            .to_string()
    ));
    // Curated files, then the tables derived from the SDK service models (a curated line
    // wins over a derived one, so they come first): (file name, contents). Curated files are
    // named as is, derived ones `models/<file>`. A missing file is an empty map, so a
    // partially populated checkout still builds; the tests enforce the contents.
    out.push_str("pub static CURATED: &[(&str, &str)] = &[\n");
    for f in [
        "services.tsv",
        "events.tsv",
        "resources.tsv",
        "passrole.tsv",
        "tag-on-create.tsv",
        "param-actions.tsv",
        "sensitive.tsv",
        "models/event-sources.tsv",
        "models/passrole.tsv",
        "models/resources.tsv",
    ] {
        let p = match f.strip_prefix("models/") {
            Some(name) => models_dir.join(name),
            None => curated_dir.join(f),
        };
        println!("cargo:rerun-if-changed={}", p.display());
        if p.exists() {
            out.push_str(&format!(
                "    ({f:?}, include_str!({:?})),\n",
                p.display().to_string()
            ));
        } else {
            out.push_str(&format!("    ({f:?}, \"\"),\n"));
        }
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("embedded.rs"),
        out,
    )
    .unwrap();
    // The capture routing table (`src/capture/table.rs`), in a file of its own so only the
    // capture module includes it.
    let routes = models_dir.join("routes.tsv");
    println!("cargo:rerun-if-changed={}", routes.display());
    let routes_rs = if routes.exists() {
        format!(
            "pub static ROUTES: &str = include_str!({:?});\n",
            routes.display().to_string()
        )
    } else {
        "pub static ROUTES: &str = \"\";\n".to_owned()
    };
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("routes.rs"),
        routes_rs,
    )
    .unwrap();
}

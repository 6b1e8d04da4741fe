//! The Athena path, run for real on an embedded engine: DuckDB (from the test venv) holds
//! the trail as the CloudTrail table of `athena-sql --ddl` and runs the query
//! `athena-sql` prints — the Athena text itself, after the stand-in macros of
//! `src/athena/dialect.rs` — and `generate --from-athena-result` on its result (CSV and
//! UNLOAD JSON lines) must print the very policy a local `generate` prints, for every
//! principal. `generate --athena` runs against a fake Athena endpoint
//! (`tests/fixtures/athena/duckathena.py serve`) that answers the JSON 1.1 calls by running
//! the SQL it receives on DuckDB.

mod common;
#[path = "../sample-trails/corpus.rs"]
mod corpus;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{iamtrail, moto::venv, root, stderr, stdout};

const SCRIPT: &str = "tests/fixtures/athena/duckathena.py";

fn python(args: &[&str]) -> Output {
    let out = Command::new(venv().join("bin/python"))
        .arg(root().join(SCRIPT))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run the venv's python");
    assert!(
        out.status.success(),
        "duckathena {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A DuckDB file holding `trails` as the CloudTrail table.
fn load(trails: &Path, dir: &Path) -> PathBuf {
    let db = dir.join("trail.duckdb");
    let out = python(&["load", trails.to_str().unwrap(), db.to_str().unwrap()]);
    let n: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a count");
    assert!(n > 0);
    db
}

/// The DuckDB prelude: `--dialect duckdb` is it followed by the Athena text unchanged.
fn prelude(dir: &Path) -> PathBuf {
    let athena = stdout(&iamtrail(&["athena-sql"], None));
    let duck = stdout(&iamtrail(&["athena-sql", "--dialect", "duckdb"], None));
    let p = duck
        .strip_suffix(&athena)
        .expect("the DuckDB text is the Athena text after a prelude");
    assert!(p.contains("CREATE OR REPLACE TEMP MACRO"), "{p}");
    let path = dir.join("prelude.sql");
    std::fs::write(&path, p).unwrap();
    path
}

/// The principals of a trail (`principals --json`).
fn principals(trails: &str) -> Vec<String> {
    let out = iamtrail(&["principals", "--json", trails], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut p: Vec<String> = v["principals"]
        .as_object()
        .expect("principals")
        .keys()
        .cloned()
        .collect();
    p.sort();
    p
}

/// Runs the query `athena-sql SEL` prints on `db`; returns (CSV, JSON lines) files.
fn run_sql(db: &Path, prelude: &Path, dir: &Path, tag: &str, sel: &[&str]) -> (PathBuf, PathBuf) {
    run_sql_on(db, prelude, dir, tag, sel, &[])
}

/// [`run_sql`] with `table` flags (`--schema ocsf --table ocsf_logs`).
fn run_sql_on(
    db: &Path,
    prelude: &Path,
    dir: &Path,
    tag: &str,
    sel: &[&str],
    table: &[&str],
) -> (PathBuf, PathBuf) {
    let mut args = vec!["athena-sql"];
    args.extend_from_slice(table);
    args.extend_from_slice(sel);
    let out = iamtrail(&args, None);
    assert!(out.status.success(), "athena-sql {sel:?}: {}", stderr(&out));
    let sql = dir.join(format!("{tag}.sql"));
    std::fs::write(&sql, out.stdout).unwrap();
    let (csv, jsonl) = (
        dir.join(format!("{tag}.csv")),
        dir.join(format!("{tag}.jsonl")),
    );
    python(&[
        "query",
        db.to_str().unwrap(),
        prelude.to_str().unwrap(),
        sql.to_str().unwrap(),
        csv.to_str().unwrap(),
        jsonl.to_str().unwrap(),
    ]);
    (csv, jsonl)
}

/// `generate` locally and from both result files, with the same selection: the same
/// policy and exit code. Returns how many principals gave a policy.
fn same_policy(
    trails: &str,
    db: &Path,
    prelude: &Path,
    dir: &Path,
    tag: &str,
    sel: &[&str],
    table: &[&str],
) -> bool {
    let mut local_args = vec!["generate", "-q"];
    local_args.extend_from_slice(sel);
    local_args.push(trails);
    let local = iamtrail(&local_args, None);
    let (csv, jsonl) = run_sql_on(db, prelude, dir, tag, sel, table);
    for result in [&csv, &jsonl] {
        let mut args = vec![
            "generate",
            "-q",
            "--from-athena-result",
            result.to_str().unwrap(),
        ];
        args.extend_from_slice(sel);
        let got = iamtrail(&args, None);
        assert_eq!(
            (stdout(&got), got.status.code()),
            (stdout(&local), local.status.code()),
            "{tag} {sel:?} from {}: {}\nlocal: {}",
            result.display(),
            stderr(&got),
            stderr(&local)
        );
    }
    local.status.success() && !local.stdout.is_empty()
}

#[test]
fn duckdb_runs_the_query_and_every_principal_gets_the_local_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let db = load(&root().join("sample-trails"), tmp.path());
    let prelude = prelude(tmp.path());
    let mut policies = 0;
    for (i, p) in principals("sample-trails/").iter().enumerate() {
        if p.parse::<iamtrail::select::PrincipalFilter>().is_err() {
            continue;
        }
        policies += usize::from(same_policy(
            "sample-trails/",
            &db,
            &prelude,
            tmp.path(),
            &format!("p{i}"),
            &["--principal", p],
            &[],
        ));
        // The same records as Security Lake's OCSF table hold them.
        same_policy(
            "sample-trails/",
            &db,
            &prelude,
            tmp.path(),
            &format!("o{i}"),
            &["--principal", p],
            &["--schema", "ocsf", "--table", "ocsf_logs"],
        );
    }
    assert!(policies >= 4, "only {policies} principals gave a policy");
    // The window, region and account flags select the same records in SQL as locally
    // (including a selection that matches nothing: the same exit 2).
    let ci = "arn:aws:iam::111122223333:role/ci";
    for (tag, sel) in [
        (
            "window",
            &[
                "--principal",
                ci,
                "--start",
                "2026-11-21",
                "--end",
                "2026-11-22T12:00:00Z",
            ][..],
        ),
        ("region", &["--principal", ci, "--region", "us-west-2"][..]),
        (
            "none",
            &["--principal", ci, "--account", "444455556666"][..],
        ),
        ("all", &["--all-principals"][..]),
    ] {
        // --all-principals is a generate flag: the query has no principal condition.
        let sql_sel: Vec<&str> = sel
            .iter()
            .copied()
            .filter(|s| *s != "--all-principals")
            .collect();
        let local = iamtrail(
            &[&["generate", "-q"], sel, &["sample-trails/"]].concat(),
            None,
        );
        let (csv, _) = run_sql(&db, &prelude, tmp.path(), tag, &sql_sel);
        let got = iamtrail(
            &[
                &[
                    "generate",
                    "-q",
                    "--from-athena-result",
                    csv.to_str().unwrap(),
                ],
                sel,
            ]
            .concat(),
            None,
        );
        assert_eq!(
            (stdout(&got), got.status.code()),
            (stdout(&local), local.status.code()),
            "{tag}: {}",
            stderr(&got)
        );
    }
    // The window on the OCSF table: eventday partitions and time_dt bounds.
    let sel = [
        "--principal",
        ci,
        "--start",
        "2026-11-21",
        "--end",
        "2026-11-22T12:00:00Z",
    ];
    assert!(same_policy(
        "sample-trails/",
        &db,
        &prelude,
        tmp.path(),
        "ocsf-window",
        &sel,
        &["--schema", "ocsf", "--table", "ocsf_logs"],
    ));
}

/// `--each-principal` from a result with no principal condition writes the files a local
/// `--each-principal` writes: every principal's policy, byte for byte, and the index's
/// file names.
#[test]
fn each_principal_from_a_result_gives_the_local_files() {
    let tmp = tempfile::tempdir().unwrap();
    let db = load(&root().join("sample-trails"), tmp.path());
    let prelude = prelude(tmp.path());
    let (csv, jsonl) = run_sql(&db, &prelude, tmp.path(), "every", &[]);
    let each = |tag: &str, input: &[&str]| {
        let dir = tmp.path().join(tag);
        let args = [
            &[
                "generate",
                "--each-principal",
                "--output-dir",
                dir.to_str().unwrap(),
            ],
            input,
        ]
        .concat();
        let o = iamtrail(&args, None);
        assert_eq!(o.status.code(), Some(0), "{tag}: {}", stderr(&o));
        let mut files = common::dir_files(&dir);
        let index: serde_json::Value =
            serde_json::from_slice(&files.remove("index.json").expect("index.json")).unwrap();
        let names: Vec<(String, serde_json::Value)> = index["principals"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(arn, e)| (arn.clone(), e["file"].clone()))
            .collect();
        (files, names)
    };
    let (want, want_names) = each("local", &["sample-trails/"]);
    assert!(want.len() >= 5, "{:?}", want.keys());
    for (tag, result) in [("csv", &csv), ("jsonl", &jsonl)] {
        let (got, names) = each(tag, &["--from-athena-result", result.to_str().unwrap()]);
        assert_eq!(names, want_names, "{tag}");
        assert_eq!(got, want, "{tag}");
    }
}

#[test]
fn a_synthetic_corpus_gives_the_local_policy_too() {
    let tmp = tempfile::tempdir().unwrap();
    let trails = tmp.path().join("corpus");
    let opts = corpus::Options {
        size: 2_000_000,
        seed: 11,
        small_objects: false,
    };
    corpus::generate(&trails, &opts).expect("generating the corpus");
    let db = load(&trails, tmp.path());
    let prelude = prelude(tmp.path());
    let t = trails.to_str().unwrap();
    let mut policies = 0;
    for (i, p) in principals(t).iter().enumerate() {
        if p.parse::<iamtrail::select::PrincipalFilter>().is_err() {
            continue;
        }
        policies += usize::from(same_policy(
            t,
            &db,
            &prelude,
            tmp.path(),
            &format!("c{i}"),
            &["--principal", p],
            &[],
        ));
    }
    assert!(policies >= 3, "only {policies} principals gave a policy");
}

#[test]
fn the_query_reads_only_the_windows_partitions() {
    let q = stdout(&iamtrail(
        &[
            "athena-sql",
            "--start",
            "2026-11-21",
            "--end",
            "2026-11-22",
            "--region",
            "us-east-1",
        ],
        None,
    ));
    assert!(
        q.contains("\"timestamp\" >= '2026/11/21'") && q.contains("\"timestamp\" <= '2026/11/23'"),
        "{q}"
    );
    assert!(q.contains("region IN ('us-east-1')"), "{q}");
    let d = iamtrail(
        &[
            "athena-sql",
            "--ddl",
            "--location",
            "s3://trail-bucket/",
            "--org",
            "o-a1b2c3d4e5",
            "--account",
            "111122223333",
            "--region",
            "us-east-1",
        ],
        None,
    );
    let ddl = stdout(&d);
    assert!(
        ddl.starts_with("CREATE EXTERNAL TABLE `cloudtrail_logs`"),
        "{ddl}"
    );
    assert!(ddl.contains("'storage.location.template'='s3://trail-bucket/AWSLogs/o-a1b2c3d4e5/${account}/CloudTrail/${region}/${timestamp}'"), "{ddl}");
    // Without the account folders the projection cannot be written.
    let bad = iamtrail(&["athena-sql", "--ddl", "--location", "s3://b/"], None);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("--ddl needs the account folders"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn a_result_that_is_not_ours_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("other.csv");
    std::fs::write(&f, "\"a\",\"b\"\n\"1\",\"2\"\n").unwrap();
    let out = iamtrail(
        &["generate", "--from-athena-result", f.to_str().unwrap()],
        None,
    );
    assert_ne!(out.status.code(), Some(0));
    let e = stderr(&out);
    assert!(
        e.contains(&format!(
            "{}: the result has no column `identity_type`",
            f.display()
        )),
        "{e}"
    );
    // INPUTs and a result together are refused.
    let out = iamtrail(
        &[
            "generate",
            "--from-athena-result",
            f.to_str().unwrap(),
            "sample-trails/",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// The fake Athena endpoint, killed when dropped.
struct FakeAthena {
    child: Child,
    url: String,
}

impl FakeAthena {
    fn start(db: &Path, prelude: &Path, dir: &Path) -> FakeAthena {
        let portfile = dir.join("port");
        let child = Command::new(venv().join("bin/python"))
            .arg(root().join(SCRIPT))
            .args([
                "serve",
                db.to_str().unwrap(),
                prelude.to_str().unwrap(),
                portfile.to_str().unwrap(),
            ])
            .env("DUCKATHENA_PAGE", "7")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the fake Athena");
        let mut fake = FakeAthena {
            child,
            url: String::new(),
        };
        let t0 = Instant::now();
        while fake.url.is_empty() {
            if let Ok(p) = std::fs::read_to_string(&portfile) {
                fake.url = format!("http://127.0.0.1:{}", p.trim());
            } else if let Some(status) = fake.child.try_wait().unwrap() {
                panic!("the fake Athena exited: {status}");
            } else if t0.elapsed() > Duration::from_secs(60) {
                panic!("the fake Athena did not start in 60 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        fake
    }
}

impl Drop for FakeAthena {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn with_env(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iamtrail"))
        .args(args)
        .current_dir(root())
        .env("AWS_ACCESS_KEY_ID", "AKIAFAKEATHENAEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "fake-secret")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .output()
        .expect("run iamtrail")
}

#[test]
fn generate_athena_runs_the_query_and_gives_the_local_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let db = load(&root().join("sample-trails"), tmp.path());
    let fake = FakeAthena::start(&db, &prelude(tmp.path()), tmp.path());
    let ci = "arn:aws:iam::111122223333:role/ci";
    let local = iamtrail(
        &["generate", "-q", "--principal", ci, "sample-trails/"],
        None,
    );
    assert!(local.status.success());
    let got = with_env(&[
        "generate",
        "--principal",
        ci,
        "--athena",
        "primary",
        "--athena-endpoint-url",
        &fake.url,
    ]);
    let e = stderr(&got);
    assert_eq!(stdout(&got), stdout(&local), "{e}");
    assert_eq!(got.status.code(), Some(0), "{e}");
    // Polled through RUNNING, paged 7 rows at a time, and the cost said.
    assert!(e.contains(": RUNNING") && e.contains(": SUCCEEDED"), "{e}");
    assert!(e.contains("result rows read"), "{e}");
    let scanned_of = |e: &str| -> u64 {
        e.split(" scanned ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("bytes scanned in the report: {e}"))
    };
    let scanned = scanned_of(&e);
    // Every object of sample-trails (the fake counts the objects of the partitions the
    // query's partition predicates keep).
    assert_eq!(scanned, 54_150, "{e}");
    // A window and a region read only their partitions.
    let narrow = with_env(&[
        "generate",
        "--principal",
        ci,
        "--athena",
        "primary",
        "--athena-endpoint-url",
        &fake.url,
        "--start",
        "2026-11-22",
        "--region",
        "us-west-2",
    ]);
    assert_eq!(scanned_of(&stderr(&narrow)), 1_410, "{}", stderr(&narrow));
    assert!(
        e.contains("at the list price ($5 per TB scanned, 10 MB minimum)"),
        "{e}"
    );
    // A query Athena fails is an error with Athena's reason.
    let bad = with_env(&[
        "generate",
        "--principal",
        ci,
        "--athena",
        "primary",
        "--athena-table",
        "nosuch",
        "--athena-endpoint-url",
        &fake.url,
    ]);
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("FAILED") && stderr(&bad).contains("nosuch"),
        "{}",
        stderr(&bad)
    );
}

//! S3 inputs against a real S3-compatible server (moto, started by `common::moto`): the
//! same policy as from local files, listing pruned by the CloudTrail layout, faults
//! reported by key, the per-object cache, and AccessDenied messages.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use common::moto::Moto;
use common::*;
use iamtrail::ingest::Config;
use iamtrail::source::s3::layout::S3Url;
use iamtrail::source::s3::{S3Options, S3Source};

const CI: &str = "arn:aws:iam::111122223333:role/ci";
/// The deliberately damaged delivery (a truncated gzip) beside the sample trails.
const DAMAGED: &str = "tests/fixtures/damaged-trails/";

/// A client for the test's own uploads, with moto's test credentials.
fn client(moto: &Moto) -> Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .region(Region::new("us-east-1"))
        .endpoint_url(moto.endpoint())
        .force_path_style(true)
        .build();
    Client::from_conf(conf)
}

/// Uploads through the library's own source (its runtime and client).
struct Uploader {
    source: S3Source,
}

impl Uploader {
    fn new(moto: &Moto) -> Uploader {
        Uploader {
            source: S3Source::with_client(client(moto), S3Options::default()).unwrap(),
        }
    }

    fn bucket(&self, name: &str) {
        let c = self.source.client();
        self.source
            .runtime()
            .block_on(c.create_bucket().bucket(name).send())
            .unwrap_or_else(|e| panic!("create bucket {name}: {e:?}"));
    }

    fn put(&self, bucket: &str, key: &str, body: Vec<u8>) {
        let c = self.source.client();
        self.source
            .runtime()
            .block_on(
                c.put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(ByteStream::from(body))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
    }

    fn delete(&self, bucket: &str, key: &str) {
        let c = self.source.client();
        self.source
            .runtime()
            .block_on(c.delete_object().bucket(bucket).key(key).send())
            .unwrap_or_else(|e| panic!("delete {key}: {e:?}"));
    }

    /// Uploads every file under `sample-trails/AWSLogs` and the damaged object of
    /// `tests/fixtures/damaged-trails/AWSLogs` as `<prefix>AWSLogs/…` (one bucket, as a
    /// real trail bucket with one bad delivery); returns the keys.
    fn sample_trails(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for dir in ["sample-trails", DAMAGED] {
            let root = root().join(dir);
            for f in files(&root.join("AWSLogs")) {
                let rel = f.strip_prefix(&root).unwrap().to_str().unwrap();
                let key = format!("{prefix}{rel}");
                self.put(bucket, &key, std::fs::read(&f).unwrap());
                keys.push(key);
            }
        }
        keys.sort();
        keys
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(p) = todo.pop() {
        if p.is_dir() {
            todo.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Runs the binary against moto with test credentials and no other AWS configuration
/// from the environment (no profile, no instance metadata).
fn run(moto: &Moto, args: &[&str]) -> Output {
    run_as(moto, ("testing", "testing"), args)
}

fn run_as(moto: &Moto, keys: (&str, &str), args: &[&str]) -> Output {
    run_at(&moto.endpoint(), keys, args)
}

fn run_at(endpoint: &str, keys: (&str, &str), args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamtrail"));
    let nowhere = moto::target_dir().join("no-aws-config");
    for k in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_DEFAULT_REGION",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        cmd.env_remove(k);
    }
    if keys.0.is_empty() {
        cmd.env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY");
    } else {
        cmd.env("AWS_ACCESS_KEY_ID", keys.0)
            .env("AWS_SECRET_ACCESS_KEY", keys.1);
    }
    cmd.env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", nowhere.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", nowhere.join("credentials"))
        .arg(args[0])
        .args(["--endpoint-url", endpoint])
        .args(&args[1..])
        .current_dir(root())
        .stdin(std::process::Stdio::null());
    cmd.output().expect("run iamtrail")
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(o)))
}

fn local(args: &[&str]) -> Output {
    iamtrail(args, None)
}

#[test]
fn s3_policy_is_byte_identical_to_the_local_one() {
    let moto = Moto::start();
    let up = Uploader::new(&moto);
    up.bucket("trail");
    up.sample_trails("trail", "");
    up.bucket("prefixed");
    up.sample_trails("prefixed", "team/logs/");

    let want = local(&["generate", "-p", CI, "sample-trails/", DAMAGED]);
    assert_eq!(code(&want), Some(3), "{}", stderr(&want));
    for url in [
        "s3://trail/",
        "s3://trail",
        "s3://prefixed/",
        "s3://prefixed/team/logs/",
        "s3://prefixed/team/logs/AWSLogs/o-a1b2c3d4e5/",
    ] {
        let got = run(&moto, &["generate", "-p", CI, url]);
        assert_eq!(code(&got), Some(3), "{url}: {}", stderr(&got));
        assert_eq!(stdout(&got), stdout(&want), "{url}");
        let err = stderr(&got);
        // The corrupt object is named by its s3:// key.
        assert!(
            err.contains("input problem: s3://")
                && err.contains("20261122T1147Z_Y5cF7iPptzZVOT2a.json.gz: gzip"),
            "{err}"
        );
    }

    // Every format, and the report's accounting: digests are never downloaded.
    for format in ["terraform", "cloudformation"] {
        let want = local(&[
            "generate",
            "-p",
            CI,
            "--format",
            format,
            "sample-trails/",
            DAMAGED,
        ]);
        let got = run(
            &moto,
            &["generate", "-p", CI, "--format", format, "s3://trail/"],
        );
        assert_eq!(stdout(&got), stdout(&want), "{format}");
    }
    let got = json(&run(
        &moto,
        &["generate", "--json", "-p", CI, "s3://trail/"],
    ));
    let objects = &got["report"]["objects"];
    assert_eq!(objects["digest"], 0);
    assert_eq!(objects["with_records"], 12);
    assert_eq!(objects["unreadable"], 1);
    let s3 = &got["report"]["s3"];
    assert_eq!(s3["objects_listed"], 13, "{s3}");
    assert_eq!(s3["objects_downloaded"], 13, "{s3}");
    assert_eq!(s3["objects_failed"], 0, "{s3}");
    let want = json(&local(&[
        "generate",
        "--json",
        "-p",
        CI,
        "sample-trails/",
        DAMAGED,
    ]));
    assert_eq!(got["policies"], want["policies"]);
    assert_eq!(got["report"]["records"], want["report"]["records"]);

    // --each-principal reads S3 too: the same files, index included (same records).
    let (local_dir, s3_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let each = |dir: &tempfile::TempDir| {
        vec![
            "generate".to_string(),
            "--each-principal".into(),
            "--output-dir".into(),
            dir.path().to_str().unwrap().into(),
        ]
    };
    let mut args = each(&local_dir);
    args.extend(["sample-trails/".into(), DAMAGED.into()]);
    let want = local(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let mut args = each(&s3_dir);
    args.push("s3://trail/".into());
    let got = run(&moto, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&want), Some(3), "{}", stderr(&want));
    assert_eq!(code(&got), code(&want), "{}", stderr(&got));
    let files = common::dir_files(s3_dir.path());
    assert!(files.len() >= 5, "{:?}", files.keys());
    assert_eq!(files, common::dir_files(local_dir.path()));
    // The trail given twice, past an eventID budget of one: every eventID goes to disk,
    // and the copies are taken back by downloading their objects again.
    let twice = tempfile::tempdir().unwrap();
    let mut args = each(&twice);
    args.extend(["--dedupe-ids".into(), "1".into()]);
    args.extend(["s3://trail/".into(), "s3://trail/".into()]);
    let got = run(&moto, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&got), code(&want), "{}", stderr(&got));
    assert_eq!(common::dir_files(twice.path()), files);
    let err = stderr(&got);
    assert!(
        err.contains("eventIDs past the memory budget went to disk")
            && err.contains("records counted twice were taken back, reading 12 objects again"),
        "{err}"
    );

    // `principals` reads S3 too.
    let p = run(&moto, &["principals", "--json", "s3://trail/"]);
    let lp = local(&["principals", "--json", "sample-trails/", DAMAGED]);
    assert_eq!(json(&p)["principals"], json(&lp)["principals"]);

    // Local and S3 inputs mix: half the trail from each gives the whole policy.
    let mixed = run(
        &moto,
        &[
            "generate",
            "-p",
            CI,
            "sample-trails/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-1",
            "s3://trail/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-west-2/",
        ],
    );
    assert_eq!(
        stdout(&mixed),
        stdout(&local(&["generate", "-p", CI, "sample-trails/", DAMAGED]))
    );
    // The same events from both (the local trail and its copy in S3) count once: one run
    // over both sources, deduplicated by eventID across them.
    let args = [
        "generate",
        "--json",
        "-p",
        CI,
        "--allow-partial",
        "sample-trails/",
    ];
    let both = json(&run(&moto, &[&args[..], &["s3://trail/"]].concat()));
    let once = json(&local(&args));
    assert_eq!(both["policies"], once["policies"]);
    let (b, o) = (&both["report"]["records"], &once["report"]["records"]);
    assert_eq!(b["used"], o["used"], "{b}");
    let selected = ["used", "free", "unmapped", "failed_not_counted"]
        .iter()
        .map(|k| o[k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(b["duplicate"].as_u64(), Some(selected), "{b}");

    // --allow-partial: the corrupt object is still reported, the exit code is 0.
    let ok = run(
        &moto,
        &["generate", "-p", CI, "--allow-partial", "s3://trail/"],
    );
    assert_eq!(code(&ok), Some(0), "{}", stderr(&ok));
    assert!(stderr(&ok).contains("1 unreadable"));
    let ok = local(&[
        "generate",
        "-p",
        CI,
        "--allow-partial",
        "sample-trails/",
        DAMAGED,
    ]);
    assert_eq!(code(&ok), Some(0), "{}", stderr(&ok));
}

#[test]
fn failures_of_the_whole_run_say_what_to_do() {
    let moto = Moto::start();
    let o = run(&moto, &["generate", "-p", CI, "s3://no-such-bucket/"]);
    assert_eq!(code(&o), Some(1));
    assert!(
        stderr(&o).contains("there is no bucket named no-such-bucket"),
        "{}",
        stderr(&o)
    );

    let o = run_as(
        &moto,
        ("", ""),
        &["generate", "-p", CI, "s3://no-such-bucket/"],
    );
    assert_eq!(code(&o), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("no usable AWS credentials") && err.contains("--profile"),
        "{err}"
    );

    // A malformed URL is a usage error: exit 2, like every bad argument.
    let o = run(&moto, &["generate", "-p", CI, "s3:///AWSLogs/"]);
    assert_eq!(code(&o), Some(2));
    assert!(stderr(&o).contains("names no bucket"), "{}", stderr(&o));

    // A server that is not there: refused connections are retried, then reported.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("http://127.0.0.1:{port}");
    let o = run_at(
        &url,
        ("testing", "testing"),
        &["generate", "-p", CI, "s3://trail/"],
    );
    assert_eq!(code(&o), Some(1));
    assert!(stderr(&o).contains("cannot reach S3"), "{}", stderr(&o));
}

#[test]
fn profiles_and_the_client_region_come_from_the_standard_chain() {
    let moto = Moto::start();
    let up = Uploader::new(&moto);
    up.bucket("chain");
    up.sample_trails("chain", "");
    let want = local(&["generate", "-p", CI, "sample-trails/", DAMAGED]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("credentials"),
        "[ci-reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("config"),
        "[profile ci-reader]\nregion = eu-west-1\n",
    )
    .unwrap();
    let with_profile = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamtrail"));
        for k in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_S3",
        ] {
            cmd.env_remove(k);
        }
        cmd.env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", dir.path().join("config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.path().join("credentials"),
            )
            .args(args)
            .args(["--endpoint-url", &moto.endpoint(), "-p", CI, "s3://chain/"])
            .current_dir(root())
            .stdin(std::process::Stdio::null());
        cmd.output().unwrap()
    };
    // Credentials (and the client region) from a named profile.
    let o = with_profile(&["generate", "--profile", "ci-reader"]);
    assert_eq!(code(&o), Some(3), "{}", stderr(&o));
    assert_eq!(stdout(&o), stdout(&want));
    // --bucket-region sets the client's region; --region still filters records.
    let o = with_profile(&[
        "generate",
        "--profile",
        "ci-reader",
        "--bucket-region",
        "us-west-2",
    ]);
    assert_eq!(stdout(&o), stdout(&want), "{}", stderr(&o));
    let o = with_profile(&[
        "generate",
        "--json",
        "--profile",
        "ci-reader",
        "--region",
        "us-west-2",
    ]);
    let v = json(&o);
    assert_eq!(v["report"]["s3"]["objects_listed"], 1, "{}", stderr(&o));
    assert!(v["report"]["records"]["used"].as_u64().unwrap() > 0);
    // A profile that does not exist is an error that names it.
    let o = with_profile(&["generate", "--profile", "nobody"]);
    assert_eq!(code(&o), Some(1));
    assert!(stderr(&o).contains("nobody"), "{}", stderr(&o));
}

/// A small CloudTrail object with one record of the ci role at `time`.
fn object(time: &str, region: &str, account: &str) -> Vec<u8> {
    let mut r = record(
        "s3.amazonaws.com",
        "GetObject",
        serde_json::json!({"bucketName": "ci-artifacts", "key": format!("builds/{time}")}),
    );
    r["eventTime"] = time.into();
    r["awsRegion"] = region.into();
    r["recipientAccountId"] = account.into();
    r["eventID"] = format!("{time}-{region}-{account}").into();
    gz(serde_json::json!({ "Records": [r] }).to_string().as_bytes())
}

#[test]
fn a_date_window_lists_only_the_day_prefixes_it_needs() {
    let moto = Moto::start();
    let up = Uploader::new(&moto);
    up.bucket("win");
    let accounts = ["111122223333", "444455556666"];
    let regions = ["us-east-1", "eu-west-1", "us-west-2"];
    // The first of every month of 2026, and every day from Nov 10 to Nov 25.
    let mut days: Vec<(u32, u32)> = (1..=12).map(|m| (m, 1)).collect();
    days.extend((10..=25).map(|d| (11, d)));
    let mut n = 0;
    for a in accounts {
        for r in regions {
            for (m, d) in &days {
                let dir = format!("AWSLogs/o-a1b2c3d4e5/{a}/CloudTrail/{r}/2026/{m:02}/{d:02}");
                let t = format!("2026-{m:02}-{d:02}T10:00:00Z");
                up.put(
                    "win",
                    &format!("{dir}/{a}_CloudTrail_{r}_2026{m:02}{d:02}T1005Z_x.json.gz"),
                    object(&t, r, a),
                );
                n += 1;
            }
            // A digest, never listed into.
            up.put(
                "win",
                &format!("AWSLogs/o-a1b2c3d4e5/{a}/CloudTrail-Digest/{r}/2026/11/20/{a}_CloudTrail-Digest_{r}_t_{r}_20261120T1100Z.json.gz"),
                b"{}".to_vec(),
            );
        }
    }
    let s3 = |args: &[&str]| {
        let mut all = vec!["generate", "--json", "-p", CI];
        all.extend_from_slice(args);
        all.push("s3://win/");
        let o = run(&moto, &all);
        assert_eq!(code(&o), Some(0), "{args:?}: {}", stderr(&o));
        let v = json(&o);
        (v["report"]["s3"].clone(), v["report"]["records"].clone())
    };

    // No selection: the layout down to the regions, each region listed whole.
    let (x, _) = s3(&[]);
    // root, AWSLogs/, the org, 2 accounts, 2 CloudTrail/, 6 regions.
    assert_eq!(x["list_requests"], 1 + 1 + 1 + 2 + 2 + 6, "{x}");
    assert_eq!(x["objects_listed"], n, "{x}");

    // One week of one account and one region: 7 days + 1 for late deliveries.
    let (x, rec) = s3(&[
        "--start",
        "2026-11-15",
        "--until",
        "2026-11-22",
        "--region",
        "us-east-1",
        "--account",
        "111122223333",
    ]);
    // root, AWSLogs/, the org, one account, its CloudTrail/, 8 day prefixes.
    assert_eq!(x["list_requests"], 5 + 8, "{x}");
    assert_eq!(x["prefixes_listed"], 5 + 8, "{x}");
    assert_eq!(x["objects_listed"], 8, "{x}");
    assert_eq!(rec["used"], 7, "{rec}");
    assert_eq!(rec["filtered"], 1, "{rec}");

    // The same week in every account and region: 7 + 6 × 8 prefixes, never a year.
    let (x, rec) = s3(&["--start", "2026-11-15", "--end", "2026-11-22"]);
    assert_eq!(x["list_requests"], 7 + 6 * 8, "{x}");
    assert_eq!(x["objects_listed"], 6 * 8, "{x}");
    assert_eq!(rec["used"], 6 * 7, "{rec}");

    // A long window walks year and month folders: March–October are listed whole;
    // February and November by their day folders in the window.
    let (x, rec) = s3(&[
        "--start",
        "2026-02-15",
        "--end",
        "2026-11-12",
        "--region",
        "eu-west-1",
        "--account",
        "444455556666",
    ]);
    // 5 above the region, the region, 2026/, 02/ (its only day, 01, is outside), 03/…10/
    // whole (8), 11/ and its days 01, 10, 11, 12 (the last for late deliveries).
    assert_eq!(x["list_requests"], 5 + 1 + 1 + 1 + 8 + 1 + 4, "{x}");
    assert_eq!(x["objects_listed"], 8 + 4, "{x}");
    assert_eq!(rec["used"], 8 + 3, "{rec}");
}

#[test]
fn corrupt_and_vanished_objects_are_reported_by_key_and_the_rest_counts() {
    let moto = Moto::start();
    let up = Uploader::new(&moto);
    up.bucket("faults");
    let keys = up.sample_trails("faults", "");
    let garbage = "AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-1/2026/11/21/111122223333_CloudTrail_us-east-1_20261121T2359Z_garbage.json.gz";
    up.put(
        "faults",
        garbage,
        b"\x1f\x8b\x08\x00 not really gzip".to_vec(),
    );

    let cfg = Config {
        selection: iamtrail::select::Selection {
            principals: vec![CI.parse().unwrap()],
            ..Default::default()
        },
        ..Config::default()
    };
    let url: S3Url = "s3://faults/".parse().unwrap();
    let source = S3Source::with_client(client(&moto), S3Options::default()).unwrap();
    let listed = source.list(std::slice::from_ref(&url), &cfg, 0).unwrap();
    assert_eq!(listed.len(), 14);
    // An object goes away between listing and reading.
    let gone = keys
        .iter()
        .find(|k| k.contains("/us-west-2/"))
        .unwrap()
        .clone();
    up.delete("faults", &gone);
    let got = source
        .ingest_listed(listed, &cfg, &iamtrail::ingest::NoProgress)
        .unwrap();
    let s = &got.summary;
    let problems: Vec<String> = s.problems.iter().map(ToString::to_string).collect();
    assert_eq!(s.objects.unreadable, 3, "{problems:#?}");
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(&format!("s3://faults/{gone}: "))
                && p.contains("deleted after it was listed")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(&format!("s3://faults/{garbage}: "))),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("20261122T1147Z_Y5cF7iPptzZVOT2a.json.gz: gzip")),
        "{problems:#?}"
    );
    assert_eq!(s.s3.as_ref().unwrap().objects_failed, 1);

    // The rest counts: the same as the local files without the vanished one.
    let objects: Vec<(String, Vec<u8>)> = files(&root().join("sample-trails/AWSLogs"))
        .into_iter()
        .chain(files(&root().join(DAMAGED).join("AWSLogs")))
        .filter(|f| !f.ends_with(Path::new(gone.strip_prefix("AWSLogs/").unwrap())))
        .filter(|f| !f.to_str().unwrap().contains("Digest"))
        .map(|f| (f.display().to_string(), std::fs::read(&f).unwrap()))
        .collect();
    assert_eq!(objects.len(), 12);
    let want = iamtrail::generate::from_objects(objects, &cfg);
    assert_eq!(got.usage.sorted(), want.usage.sorted());
    assert_eq!(s.records, want.summary.records);
    assert!(s.records.used > 0);

    // The binary: exit 3 names the corrupt objects; --allow-partial exits 0.
    let o = run(&moto, &["generate", "-p", CI, "s3://faults/"]);
    assert_eq!(code(&o), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("input problem: s3://faults/{garbage}: ")),
        "{}",
        stderr(&o)
    );
    let o = run(
        &moto,
        &["generate", "-p", CI, "--allow-partial", "s3://faults/"],
    );
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
}

#[test]
fn the_cache_skips_objects_already_read_and_changes_nothing() {
    let moto = Moto::start();
    let up = Uploader::new(&moto);
    up.bucket("cached");
    up.sample_trails("cached", "");
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().to_str().unwrap();
    let s3 = |args: &[&str]| {
        let mut all = vec!["generate", "-p", CI];
        all.extend_from_slice(args);
        all.push("s3://cached/");
        let text = run(&moto, &all);
        all.insert(1, "--json");
        let j = run(&moto, &all);
        assert_eq!(code(&j), Some(3), "{}", stderr(&j));
        (stdout(&text), json(&j))
    };
    // With the JSON run first: its report shows what the cache held before the pair.
    let s3_json_first = |args: &[&str]| {
        let mut all = vec!["generate", "--json", "-p", CI];
        all.extend_from_slice(args);
        all.push("s3://cached/");
        let j = run(&moto, &all);
        assert_eq!(code(&j), Some(3), "{}", stderr(&j));
        all.remove(1);
        (stdout(&run(&moto, &all)), json(&j))
    };
    let (plain, _) = s3(&[]);
    assert_eq!(
        plain,
        stdout(&local(&["generate", "-p", CI, "sample-trails/", DAMAGED]))
    );

    // First run: everything downloaded and stored.
    let first = run(
        &moto,
        &[
            "generate",
            "--json",
            "-p",
            CI,
            "--cache",
            cache,
            "s3://cached/",
        ],
    );
    let first = json(&first);
    assert_eq!(first["report"]["s3"]["objects_downloaded"], 13);
    assert_eq!(first["report"]["s3"]["objects_from_cache"], 0);
    // Second run: nothing downloaded, the same bytes out.
    let (text, second) = s3(&["--cache", cache]);
    assert_eq!(text, plain);
    let x = &second["report"]["s3"];
    assert_eq!(
        (
            x["objects_downloaded"].as_u64(),
            x["objects_from_cache"].as_u64()
        ),
        (Some(0), Some(13)),
        "{x}"
    );
    let strip = |mut v: serde_json::Value| {
        v["report"].as_object_mut().unwrap().remove("s3");
        v
    };
    assert_eq!(strip(second.clone()), strip(first.clone()));
    // Without the cache, the prefilter counts the records that never name the principal
    // without reading them (a cached object's results must hold them all, so `--cache`
    // reads every record): the same policy and totals, a shorter breakdown.
    let (_, nocache) = s3(&[]);
    let totals = |v: &serde_json::Value| {
        (
            v["policies"].clone(),
            v["report"]["records"].clone(),
            v["report"]["problems"].clone(),
        )
    };
    assert_eq!(totals(&second), totals(&nocache));
    assert!(
        nocache["report"]["filtered"]
            .as_object()
            .unwrap()
            .contains_key(iamtrail::ingest::PREFILTERED),
        "{nocache}"
    );

    // The trail grows: only the new object is downloaded.
    let new_key = "AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-1/2026/11/23/111122223333_CloudTrail_us-east-1_20261123T0805Z_new.json.gz";
    up.put(
        "cached",
        new_key,
        object("2026-11-23T08:00:00Z", "us-east-1", "111122223333"),
    );
    let (text, grown) = s3_json_first(&["--cache", cache]);
    let x = &grown["report"]["s3"];
    assert_eq!(
        (
            x["objects_downloaded"].as_u64(),
            x["objects_from_cache"].as_u64()
        ),
        (Some(1), Some(13)),
        "{x}"
    );
    let (want, _) = s3(&[]);
    assert_eq!(text, want);
    assert_ne!(text, plain);

    // A window that contains whole objects reuses them; objects straddling its start are
    // read again (and not stored), and the output is still the same as without a cache.
    for start in ["2026-11-21", "2026-11-22T09:00:00Z"] {
        let (text, w) = s3_json_first(&["--cache", cache, "--start", start]);
        let (want, nw) = s3(&["--start", start]);
        assert_eq!(text, want, "{start}");
        assert_eq!(totals(&w), totals(&nw), "{start}");
        let x = &w["report"]["s3"];
        let (down, cached) = (
            x["objects_downloaded"].as_u64().unwrap(),
            x["objects_from_cache"].as_u64().unwrap(),
        );
        assert!(cached > 0, "{start}: {x}");
        if start.contains('T') {
            assert!(
                down > 0,
                "{start}: objects straddling the start are read: {x}"
            );
        } else {
            assert_eq!(down, 0, "{start}: {x}");
        }
    }

    // Another principal maps differently: a fresh configuration folder.
    let other = run(
        &moto,
        &[
            "generate",
            "--json",
            "-p",
            "arn:aws:iam::111122223333:user/alice",
            "--cache",
            cache,
            "s3://cached/",
        ],
    );
    assert_eq!(json(&other)["report"]["s3"]["objects_from_cache"], 0);
    let folders = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(folders, 2);
}

#[test]
fn access_denied_says_which_permission_is_missing() {
    // moto checks IAM policies once its first N (setup) calls are done.
    let moto = Moto::start_with_env(&[("INITIAL_NO_AUTH_ACTION_COUNT", "7")]);
    let script = r#"
import boto3, json, sys
kw = dict(endpoint_url=sys.argv[1], aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
s3, iam = boto3.client("s3", **kw), boto3.client("iam", **kw)
s3.create_bucket(Bucket="locked")
s3.put_object(Bucket="locked", Key="AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/x.json.gz", Body=b"{}")
keys = {}
for user in ["nothing", "list-only"]:
    iam.create_user(UserName=user)
    k = iam.create_access_key(UserName=user)["AccessKey"]
    keys[user] = [k["AccessKeyId"], k["SecretAccessKey"]]
iam.put_user_policy(UserName="list-only", PolicyName="list", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))
print(json.dumps(keys))
"#;
    let out = Command::new(moto.python())
        .args(["-c", script, &moto.endpoint()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = |u: &str| {
        (
            keys[u][0].as_str().unwrap().to_owned(),
            keys[u][1].as_str().unwrap().to_owned(),
        )
    };

    let (id, secret) = key("nothing");
    let o = run_as(
        &moto,
        (&id, &secret),
        &["generate", "--all-principals", "s3://locked/"],
    );
    assert_eq!(code(&o), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("access denied listing s3://locked/")
            && err.contains("s3:ListBucket on arn:aws:s3:::locked")
            && err.contains("kms:Decrypt"),
        "{err}"
    );
    // One clear line, not an SDK dump; then the line every run ends with.
    assert_eq!(
        err.lines().count(),
        2,
        "one clear line, not an SDK dump: {err}"
    );
    assert_eq!(
        err.lines().last(),
        Some("iamtrail: exit 1: failed (see above)")
    );

    let (id, secret) = key("list-only");
    let o = run_as(
        &moto,
        (&id, &secret),
        &["generate", "--all-principals", "s3://locked/"],
    );
    assert_eq!(code(&o), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("input problem: s3://locked/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/x.json.gz: access denied: reading needs s3:GetObject on arn:aws:s3:::locked/AWSLogs/"),
        "{err}"
    );
}

/// Throughput against the local moto server at the default concurrency (run by hand:
/// `cargo test --release --test s3 -- --ignored --nocapture`).
#[test]
#[ignore]
fn throughput() {
    let moto = Moto::start();
    let up = Uploader::new(&moto);
    up.bucket("bulk");
    // 400 objects of 200 records each (about 13 KB gzipped, like a busy account's
    // five-minute delivery), over a few dozen distinct resources.
    let objects = 400u64;
    let mut bytes = 0;
    for i in 0..objects {
        let (day, minute) = (1 + i % 28, i / 28);
        let records: Vec<_> = (0..200u64)
            .map(|j| {
                let mut r = record(
                    "s3.amazonaws.com",
                    if j % 3 == 0 { "PutObject" } else { "GetObject" },
                    serde_json::json!({"bucketName": "ci-artifacts", "key": format!("cache/{}", j % 24)}),
                );
                r["eventTime"] = format!("2026-10-{day:02}T10:{:02}:{:02}Z", minute % 60, j % 60).into();
                r["eventID"] = format!("{:08x}-{i:04}-{j:04}-{:012x}", i * 7919 + j, (i * 104_729 + j * 1_299_709) % 1_000_003).into();
                r["requestID"] = format!("{:016X}", (i * 1_000_003 + j * 7_777_777) ^ 0x5DEECE66D).into();
                r["userAgent"] = format!("aws-sdk-go-v2/1.{}.{} os/linux exec-env/CodeBuild", j % 40, i % 17).into();
                r
            })
            .collect();
        let body = gz(serde_json::json!({ "Records": records })
            .to_string()
            .as_bytes());
        bytes += body.len();
        up.put(
            "bulk",
            &format!("AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/{day:02}/111122223333_CloudTrail_us-east-1_202610{day:02}T10{minute:02}Z_{i}.json.gz"),
            body,
        );
    }
    for concurrency in ["1", "8", "32"] {
        let t = std::time::Instant::now();
        let o = run(
            &moto,
            &[
                "generate",
                "--json",
                "-p",
                CI,
                "--s3-concurrency",
                concurrency,
                "s3://bulk/",
            ],
        );
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(code(&o), Some(0), "{}", stderr(&o));
        let v = json(&o);
        assert_eq!(v["report"]["s3"]["objects_downloaded"], objects);
        println!(
            "s3 throughput, concurrency {concurrency}: {objects} objects, {:.2} MB gzip in {secs:.2} s: {:.0} objects/s, {:.2} MB/s",
            bytes as f64 / 1e6,
            objects as f64 / secs,
            bytes as f64 / 1e6 / secs
        );
    }
}

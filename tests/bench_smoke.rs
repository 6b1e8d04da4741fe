//! Keeps the benches from rotting: the corpus generator at 2 MB, then every measurement
//! function of `benches/throughput.rs` once, checking only that they agree on what they
//! saw (bytes, records). Nothing here is timed or asserts a speed.

#[path = "../sample-trails/corpus.rs"]
mod corpus;
#[path = "../benches/support/measure.rs"]
mod measure;

use std::path::Path;

fn gz_files(dir: &Path) -> Vec<std::path::PathBuf> {
    corpus::files(dir).expect("listing the corpus")
}

#[test]
fn corpus_and_measurements_agree() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let opts = corpus::Options {
        size: 2_000_000,
        seed: 7,
        small_objects: false,
    };
    let c = corpus::generate(tmp.path(), &opts).expect("generating 2 MB");
    assert!(c.json_bytes >= opts.size && c.json_bytes < opts.size + 600_000);
    assert!(c.objects >= 4, "several objects: {c:?}");
    assert!(c.busy_records > 0, "the busy principal is in it");
    let avg = c.json_bytes / c.records;
    assert!((1_200..=2_600).contains(&avg), "realistic records: {avg} B");

    // The manifest round-trips, and `ensure` reuses the corpus.
    assert_eq!(corpus::load(tmp.path(), &opts), Some(c.clone()));
    assert_eq!(corpus::ensure(tmp.path(), &opts).expect("reuse"), c);

    // The real layout.
    let files = gz_files(&c.logs());
    assert_eq!(files.len() as u64, c.objects);
    for f in &files {
        let rel = f
            .strip_prefix(tmp.path())
            .expect("inside")
            .to_string_lossy()
            .into_owned();
        let parts: Vec<&str> = rel.split('/').collect();
        assert_eq!(parts.len(), 8, "{rel}");
        assert_eq!((parts[0], parts[2]), ("AWSLogs", "CloudTrail"), "{rel}");
        let acct = parts[1];
        let region = parts[3];
        assert!(
            parts[7].starts_with(&format!(
                "{acct}_CloudTrail_{region}_{}{}{}T",
                parts[4], parts[5], parts[6]
            )) && parts[7].ends_with(".json.gz"),
            "{rel}"
        );
    }

    // Records are JSON CloudTrail would write (checked with serde_json, not the parser under
    // test), with the fields the pipeline reads: the first objects (debug builds are slow).
    for f in files.iter().take(2) {
        let gz = std::fs::read(f).expect("read");
        let mut json = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut json)
            .expect("gzip");
        let v: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
        for r in v["Records"].as_array().expect("Records") {
            for k in [
                "eventVersion",
                "eventTime",
                "eventSource",
                "eventName",
                "awsRegion",
                "eventID",
                "eventType",
                "recipientAccountId",
                "userIdentity",
            ] {
                assert!(!r[k].is_null(), "{k} in {r}");
            }
        }
    }

    // (a), (b) and the decoder see the same bytes and records.
    assert_eq!(measure::read_only(&files), c.gz_bytes);
    let a = measure::inflate(&files);
    assert_eq!(a.json_bytes, c.json_bytes);
    for p in [
        measure::inflate_parse_tape(&files),
        measure::inflate_parse_borrowed(&files),
        measure::decode_only(&files),
    ] {
        assert_eq!(
            p,
            measure::Pass {
                json_bytes: c.json_bytes,
                records: c.records
            }
        );
    }
    // (codec 0 is `inflate`, run above.)
    for (i, name) in measure::CODECS.iter().enumerate().skip(1) {
        assert_eq!(
            measure::inflate_with(i, &files).json_bytes,
            c.json_bytes,
            "{name}"
        );
    }

    // (c) on one and two threads gives the same policy.
    let runs: Vec<_> = [1, 2]
        .iter()
        .map(|&t| {
            measure::pool(t).install(|| measure::pipeline(&c.logs(), corpus::BUSY_PRINCIPAL, true))
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
    let g = &runs[0];
    assert_eq!((g.objects, g.records), (c.objects, c.records));
    assert!(
        g.used > 0 && g.statements > 0 && g.policy_chars > 0,
        "{g:?}"
    );

    // (e) on one and two threads: the same principals and totals, the busy principal
    // with its records, and its policy as large as (c)'s.
    let each: Vec<_> = [1, 2]
        .iter()
        .map(|&t| measure::pool(t).install(|| measure::pipeline_each(&c.logs())))
        .collect();
    assert_eq!(each[0].total, each[1].total);
    assert_eq!(each[0].principals, each[1].principals);
    let e = &each[0];
    assert_eq!(e.total.records, c.records);
    assert!(
        e.principals
            .iter()
            .any(|(p, n)| p == corpus::BUSY_PRINCIPAL && *n == c.busy_records),
        "{:?}",
        e.principals
    );
    assert!(e.principals.len() > 1 && e.total.policy_chars > g.policy_chars);

    // The timing helpers run.
    let t = measure::median(3, || 1 + 1);
    assert_eq!(t.out, 2);
    assert!(measure::warm(&files) > 0);

    // Peak RSS of the binary on this corpus.
    let dir = c.logs();
    let (kb, _, code) = measure::peak_rss(
        Path::new(env!("CARGO_BIN_EXE_iamtrail")),
        &[
            "generate",
            "--quiet",
            "--principal",
            corpus::BUSY_PRINCIPAL,
            dir.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(code, Some(0));
    assert!(kb > 0, "VmHWM was read");
}

#[test]
fn small_objects_and_determinism() {
    let opts = corpus::Options {
        size: 1_000_000,
        seed: 3,
        small_objects: true,
    };
    let one = tempfile::tempdir().expect("a temp dir");
    let two = tempfile::tempdir().expect("a temp dir");
    let a = corpus::generate(one.path(), &opts).expect("small objects");
    let b = corpus::generate(two.path(), &opts).expect("small objects again");
    assert!(a.records <= a.objects * 6, "1–6 records per object");
    let avg = a.gz_bytes / a.objects;
    assert!((800..=4_000).contains(&avg), "~2 KB objects: {avg} B");
    // Same seed, same bytes.
    let (fa, fb) = (gz_files(&a.logs()), gz_files(&b.logs()));
    assert_eq!(fa.len(), fb.len());
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(
            x.strip_prefix(one.path()).ok(),
            y.strip_prefix(two.path()).ok()
        );
        assert_eq!(
            std::fs::read(x).ok(),
            std::fs::read(y).ok(),
            "{}",
            x.display()
        );
    }
    let p = measure::inflate_parse_tape(&fa);
    assert_eq!((p.json_bytes, p.records), (a.json_bytes, a.records));
}

#[test]
fn helpers() {
    assert_eq!(corpus::parse_size("10MB"), Some(10_000_000));
    assert_eq!(corpus::parse_size("1GB"), Some(1_000_000_000));
    assert_eq!(corpus::parse_size("2MiB"), Some(2 * 1024 * 1024));
    assert_eq!(corpus::parse_size("1.5g"), Some(1_500_000_000));
    assert_eq!(corpus::parse_size("ten"), None);
    assert_eq!(corpus::date_of(1_793_491_200), "2026-11-01");
    // A one-record object in memory: the micro benches' input.
    let json = corpus::sample_object(1, 10);
    let v: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
    assert_eq!(v["Records"].as_array().map(Vec::len), Some(1));
    let gz = corpus::gzip(&json);
    assert_eq!(measure::isize_of(&gz), json.len());
    assert_eq!(measure::gzip_header_len(&gz), 10);
}

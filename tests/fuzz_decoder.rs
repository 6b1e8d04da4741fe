//! Fuzzing the decoder and the mapper behind it: arbitrary bytes and mutations of valid
//! objects (gzip, JSON, NDJSON, lookup-events, documents one after another, CloudWatch Logs
//! exports and `filter-log-events`/`get-log-events` output) never panic, and the accounting identity
//! `read = used + free + unmapped + failed-not-counted + filtered + skipped + duplicate` always holds,
//! with every record parsed and with records skimmed for a principal.
//! Runs a bounded number of cases in CI (`PROPTEST_CASES` raises it for longer runs).

mod common;
use common::mutate::{Mutation, apply};

use iamtrail::ingest::Config;
use proptest::prelude::*;

fn seeds() -> Vec<Vec<u8>> {
    let root = common::root();
    let mut out = Vec::new();
    for f in [
        "tests/fixtures/formats/plain-records.json",
        "tests/fixtures/formats/records.ndjson",
        "tests/fixtures/formats/lookup-events.json",
        "tests/fixtures/formats/concatenated.json",
        "tests/fixtures/formats/cloudwatch-export-000000.gz",
        "tests/fixtures/formats/filter-log-events.json",
        "tests/fixtures/formats/get-log-events-pages.json",
    ] {
        let b = std::fs::read(root.join(f)).unwrap();
        // Mutate the text, not its compression.
        let b = if b.starts_with(&[0x1f, 0x8b]) {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&b[..]), &mut v)
                .unwrap();
            v
        } else {
            b
        };
        out.push(common::gz(&b[..b.len().min(6000)]));
        out.push(b[..b.len().min(6000)].to_vec());
    }
    out.push(br#"{"Records":[{"eventSource":"s3.amazonaws.com","eventName":"CopyObject","requestParameters":{"x-amz-copy-source":"b/%2"},"errorCode":"AccessDenied","errorMessage":"on resource: arn:"}]}"#.to_vec());
    // Short documents one after another, so that mutations reach the joints.
    let joint = br#"{"Records":[{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"5d547372-3ca9-4c8c-a188-eb6d1785505d","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/ci/s","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/ci"}}},"requestParameters":{"bucketName":"b","key":"k"}}]}"#;
    out.push([&joint[..], b"\n", joint, joint, b"[]", joint].concat());
    out.push(common::gz(&out[out.len() - 1].clone()));
    out
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            prop_oneof![
                Just(b"{".to_vec()),
                Just(b"}".to_vec()),
                Just(b"[".to_vec()),
                Just(b"\"".to_vec()),
                Just(b"\n".to_vec()),
                Just(b"\xff".to_vec()),
                Just(b"null".to_vec()),
                Just(br#""eventSource":"#.to_vec()),
                Just(b"\\u0000".to_vec()),
                Just(b"}{".to_vec()),
                Just(b"]}\n{\"Records\":[".to_vec()),
                Just(b"\n2026-11-20T09:00:00.000Z ".to_vec()),
                Just(br#"{"events":[{"message":""#.to_vec()),
                prop::collection::vec(any::<u8>(), 0..16)
            ]
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
    ]
}

fn check(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    // With a principal named, records are skimmed (`Decoder::decode_selecting`): the
    // skimmer sees the same damage and must hold up as well, both ways it runs: checking
    // a small object whole before handing records over, and handing them over as they
    // come with the object's results kept apart (what large objects get). Both ways
    // give the same result, whatever the damage.
    let skimmed = |isolate| Config {
        selection: iamtrail::select::Selection {
            principals: vec!["arn:aws:iam::111122223333:role/ci".parse().unwrap()],
            ..Default::default()
        },
        isolate,
        ..Config::default()
    };
    let run =
        |cfg: &Config| iamtrail::generate::from_objects(vec![("fuzz".into(), bytes.clone())], cfg);
    let (checked, streamed) = (run(&skimmed(usize::MAX)), run(&skimmed(0)));
    for out in [&checked, &streamed] {
        prop_assert!(out.summary.balanced(), "{:?}", out.summary.records);
        prop_assert_eq!(out.summary.objects.read, 1);
    }
    prop_assert_eq!(checked.usage.sorted(), streamed.usage.sorted());
    prop_assert_eq!(
        serde_json::to_value(&checked.summary).unwrap(),
        serde_json::to_value(&streamed.summary).unwrap()
    );
    let cfg = Config::default();
    let out = iamtrail::generate::from_objects(vec![("fuzz".into(), bytes)], &cfg);
    prop_assert!(out.summary.balanced(), "{:?}", out.summary.records);
    prop_assert_eq!(out.summary.objects.read, 1);
    // Whatever was mapped must synthesize and fit.
    iamtrail::generate::build(
        &out.usage,
        Default::default(),
        iamtrail::policy::split::SizeLimit::Managed,
    )
    .ok();
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(bytes)?;
    }

    #[test]
    fn mutated_valid_objects(seed in 0usize..64, muts in prop::collection::vec(mutation(), 1..6)) {
        let s = seeds();
        check(apply(s[seed % s.len()].clone(), &muts))?;
    }

    #[test]
    fn mutated_inside_gzip(seed in 0usize..64, muts in prop::collection::vec(mutation(), 1..4)) {
        // Mutate the JSON, then compress: the decoder sees valid gzip of damaged JSON.
        let s = seeds();
        let plain = s[seed % s.len()].clone();
        let plain = if plain.starts_with(&[0x1f, 0x8b]) {
            let mut d = flate2::read::MultiGzDecoder::new(&plain[..]);
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut d, &mut v).unwrap();
            v
        } else { plain };
        check(common::gz(&apply(plain, &muts)))?;
    }
}

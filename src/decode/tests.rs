//! Tests of decoding: formats, gzip members, slices and skims against whole parses.

use super::*;
use std::io::Write;

fn run(mut data: Vec<u8>) -> (Result<ObjectKind, String>, Vec<String>) {
    let mut out = Vec::new();
    let r = Decoder::default().decode(&mut data, &mut |i, rec| {
        out.push(match rec {
            Ok(r) => format!("{i}:{}", r.event_name().unwrap()),
            Err(e) => format!("{i}:ERR {e}"),
        })
    });
    (r.map_err(|e| e.to_string()), out)
}

fn gz(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

const REC: &str = r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}"#;

#[test]
fn detects_formats_by_content() {
    let doc = format!(r#"{{"Records":[{REC},{{"eventName":"X"}},3]}}"#);
    let want = vec![
        "0:GetObject".to_string(),
        "1:ERR no `eventSource` field".into(),
        "2:ERR not a JSON object".into(),
    ];
    assert_eq!(
        run(doc.clone().into_bytes()),
        (Ok(ObjectKind::Records), want.clone())
    );
    assert_eq!(run(gz(doc.as_bytes())), (Ok(ObjectKind::Records), want));
    let lines = format!("{REC}\n\n{{bad\n{REC}\n");
    assert_eq!(
        run(lines.into_bytes())
            .1
            .iter()
            .map(|s| &s[..5])
            .collect::<Vec<_>>(),
        ["0:Get", "2:ERR", "3:Get"]
    );
    let lookup =
        serde_json::json!({"Events":[{"EventId":"1","CloudTrailEvent":REC},{"EventId":"2"}]})
            .to_string();
    assert_eq!(
        run(lookup.into_bytes()).1,
        ["0:GetObject", "1:ERR no `CloudTrailEvent` field"]
    );
    assert_eq!(run(format!("[{REC}]").into_bytes()).1, ["0:GetObject"]);
    assert_eq!(
        run(br#"{"digestStartTime":"x","logFiles":[]}"#.to_vec()).0,
        Ok(ObjectKind::Digest)
    );
    assert_eq!(
        run(br#"{"hello":"world"}"#.to_vec()).0,
        Ok(ObjectKind::NotCloudTrail)
    );
}

#[test]
fn every_gzip_member_is_read() {
    let one = format!(r#"{{"Records":[{REC}]}}"#);
    let lines = format!("{REC}\n");
    // Identical members (`cat a.gz a.gz`): the first member's trailer is also the
    // object's last 8 bytes.
    let twice = [gz(lines.as_bytes()), gz(lines.as_bytes())].concat();
    assert_eq!(run(twice).1, ["0:GetObject", "1:GetObject"]);
    let mixed = [
        gz(lines.as_bytes()),
        gz(format!("{REC}\n{REC}\n").as_bytes()),
    ]
    .concat();
    assert_eq!(run(mixed).1.len(), 3);
    // One member, reused buffers across objects of different sizes.
    let mut d = Decoder::default();
    for doc in [
        one.clone(),
        format!(r#"{{"Records":[{REC},{REC}]}}"#),
        one.clone(),
    ] {
        let mut n = 0;
        let mut data = gz(doc.as_bytes());
        d.decode(&mut data, &mut |_, r| n += usize::from(r.is_ok()))
            .unwrap();
        assert!(n >= 1);
    }
    // A trailer claiming more than deflate can expand to, or more than a worker keeps.
    let mut g = gz(one.as_bytes());
    let n = g.len();
    g[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(run(g).0.unwrap_err().contains("gzip"));
    let noise: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut g = gz(&noise);
    let n = g.len();
    g[n - 4..].copy_from_slice(&(RETAIN as u32 + 1).to_le_bytes());
    let mut d = Decoder::default();
    assert!(
        d.decode(&mut g, &mut |_, _| {})
            .unwrap_err()
            .to_string()
            .contains("gzip")
    );
    assert!(d.inflated.capacity() < RETAIN);
}

/// Records as `decode` and as `decode_staged` (sliced) see them, with the number of
/// restarts; sliced results count from the last restart.
fn both_ways(doc: &str) -> (Vec<String>, Vec<String>, usize) {
    let show = |i: usize, rec: Result<Record<'_>, RecordError>| match rec {
        Ok(r) => format!("{i}:{}", r.event_name().unwrap()),
        Err(e) => format!("{i}:ERR {e}"),
    };
    let mut whole = Vec::new();
    let r = Decoder::default().decode(&mut gz(doc.as_bytes()), &mut |i, r| whole.push(show(i, r)));
    whole.push(format!("{:?}", r.map_err(|e| e.to_string())));
    let mut sliced = Vec::new();
    let mut restarts = 0;
    let mut d = Decoder::default();
    let mut data = gz(doc.as_bytes());
    let mut seen = std::cell::RefCell::new(Vec::new());
    let r = d.decode_staged(
        &mut data,
        &mut |i, r| seen.borrow_mut().push(show(i, r)),
        Some(&mut || {
            restarts += 1;
            seen.borrow_mut().clear();
        }),
    );
    sliced.append(seen.get_mut());
    sliced.push(format!("{:?}", r.map_err(|e| e.to_string())));
    (whole, sliced, restarts)
}

#[test]
fn large_objects_parse_in_slices_with_the_same_result() {
    let rec = |i: usize, extra: &str| {
        format!(
            r#"{{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"E{i}","requestParameters":{{"s":"a,{{\"eventVersion\":1}} \u00e9 {}"{extra}}}}}"#,
            "x".repeat(200)
        )
    };
    let n = 3 * CHUNK / 250;
    let recs: Vec<String> = (0..n).map(|i| rec(i, "")).collect();
    let doc = format!("{{\"Records\":[{}]}}\n", recs.join(","));
    let (whole, sliced, restarts) = both_ways(&doc);
    assert_eq!(whole.len(), n + 1);
    assert_eq!((sliced, restarts), (whole, 0));
    // Nested objects that start like a record, where a slice would end: the slice is
    // unbalanced, so the object is decoded again whole (restarting if the failing
    // slice was not the first).
    let odd: Vec<String> = (0..n)
        .map(|i| rec(i, r#","n":[{"x":1},{"eventVersion":"1.0"}]"#))
        .collect();
    let doc = format!("{{\"Records\":[{}]}}", odd.join(","));
    let (whole, sliced, restarts) = both_ways(&doc);
    let diff = whole.iter().zip(&sliced).position(|(a, b)| a != b);
    assert!(
        sliced == whole && restarts <= 1,
        "{} vs {} records, {restarts} restarts, first difference at {diff:?}: {:?}",
        sliced.len(),
        whole.len(),
        diff.map(|i| (&whole[i], &sliced[i]))
    );
    // Damage in the last slice: the whole document's error, no records.
    let doc = format!(
        "{{\"Records\":[{},{{\"eventVersion\":tru]}}",
        recs.join(",")
    );
    let (whole, sliced, restarts) = both_ways(&doc);
    assert_eq!(whole.len(), 1, "{:?}", &whole[..1]);
    assert_eq!((sliced, restarts), (whole, 1));
    // Not `{"Records":[…]}` exactly: parsed whole.
    let doc = format!("{{\"Records\":[{}],\"x\":1}}", recs.join(","));
    let (whole, sliced, restarts) = both_ways(&doc);
    assert_eq!((sliced, restarts), (whole, 0));
}

/// What a test compares of a record: the fields selection reads, and for a whole
/// record everything mapping reads too.
fn show(i: usize, rec: Result<Record<'_>, RecordError>) -> String {
    let r = match rec {
        Ok(r) => r,
        Err(e) => return format!("{i}: ERR {e}"),
    };
    let mut s = format!(
        "{i}: {:?} {:?} {:?} {:?} {:?} {:?} issuer={:?}",
        r.event_source(),
        r.event_name(),
        r.event_time(),
        r.event_type(),
        r.region(),
        r.recipient_account(),
        r.issuer_str("arn")
    );
    for k in [
        "type",
        "arn",
        "accountId",
        "accessKeyId",
        "userName",
        "principalId",
        "invokedBy",
    ] {
        s += &format!(" {k}={:?}", r.identity_str(k));
    }
    if !r.is_light() {
        s += &format!(
            " FULL {:?} {:?} {:?} {:?} {:?}",
            r.event_id(),
            r.error_code(),
            r.request_parameters(),
            r.response_elements(),
            r.resources().collect::<Vec<_>>()
        );
    }
    s
}

/// `decode` (with every record not wanted shown light) and `decode_selecting`, and
/// the number of restarts.
fn skim_both_ways(doc: &[u8], gzip: bool) -> (Vec<String>, Vec<String>, usize) {
    let want = |r: &Record<'_>| {
        r.issuer_str("arn")
            .or(r.identity_str("arn"))
            .is_some_and(|a| a.ends_with("/ci"))
    };
    let input = || if gzip { gz(doc) } else { doc.to_vec() };
    let mut whole = Vec::new();
    let r = Decoder::default().decode(&mut input(), &mut |i, rec| {
        let line = show(i, rec.clone());
        whole.push(match rec {
            Ok(r) if !want(&r) => line.split(" FULL ").next().unwrap().to_string(),
            _ => line,
        });
    });
    whole.push(format!("{:?}", r.map_err(|e| e.to_string())));
    let seen = std::cell::RefCell::new(Vec::new());
    let mut restarts = 0;
    let r = Decoder::default().decode_selecting(
        &mut input(),
        &mut |i, rec| {
            let line = show(i, rec.clone());
            seen.borrow_mut().push(match rec {
                // Records the skimmer leaves to the parser come whole; compare what
                // a light one shows.
                Ok(r) if !want(&r) => line.split(" FULL ").next().unwrap().to_string(),
                Ok(r) => {
                    assert!(!r.is_light(), "a wanted record came light");
                    line
                }
                _ => line,
            })
        },
        Some(&mut || {
            restarts += 1;
            seen.borrow_mut().clear();
        }),
        Some(&want),
    );
    let mut skimmed = seen.into_inner();
    skimmed.push(format!("{:?}", r.map_err(|e| e.to_string())));
    // Checked first, handed over after (what objects of ordinary size get): the same
    // records, with no restart to undo anything.
    let mut checked = Vec::new();
    let r = Decoder::default().decode_selecting(
        &mut input(),
        &mut |i, rec| {
            let line = show(i, rec.clone());
            checked.push(match rec {
                Ok(r) if !want(&r) => line.split(" FULL ").next().unwrap().to_string(),
                _ => line,
            })
        },
        None,
        Some(&want),
    );
    checked.push(format!("{:?}", r.map_err(|e| e.to_string())));
    assert_eq!(checked, skimmed, "checked vs streamed skim");
    (whole, skimmed, restarts)
}

#[test]
fn skimming_gives_what_parsing_gives() {
    use serde_json::json;
    let role = |name: &str, session: &str| {
        json!({"type":"AssumedRole","principalId":"AROAX:s","arn":format!("arn:aws:sts::111122223333:assumed-role/{name}/{session}"),
            "accountId":"111122223333","accessKeyId":"ASIAEXAMPLE",
            "sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAX","arn":format!("arn:aws:iam::111122223333:role/{name}"),"accountId":"111122223333","userName":name},
                "attributes":{"creationDate":"2026-11-20T09:00:00Z","mfaAuthenticated":"false"}}})
    };
    let rec = |i: usize, who: serde_json::Value| {
        json!({"eventVersion":"1.08","userIdentity":who,"eventTime":format!("2026-11-20T09:{:02}:00Z", i % 60),
            "eventSource":"sqs.amazonaws.com","eventName":"SendMessage","awsRegion":"us-east-1","sourceIPAddress":"10.0.0.1",
            "requestParameters":{"queueUrl":"https://sqs.us-east-1.amazonaws.com/111122223333/q","body":"}]\"{[,\\","n":[1,2.5,-3e2,true,false,null,{"x":[[]]}]},
            "responseElements":null,"eventID":format!("id-{i}"),"eventType":"AwsApiCall","recipientAccountId":"111122223333",
            "resources":[{"ARN":"arn:aws:sqs:us-east-1:111122223333:q","type":"AWS::SQS::Queue"}]})
    };
    let mut recs = Vec::new();
    for i in 0..40 {
        let who = match i % 5 {
            0 => role("ci", "build-1"),
            1 => role("other", "s"),
            2 => {
                json!({"type":"IAMUser","principalId":"AIDAX","arn":"arn:aws:iam::111122223333:user/bob","accountId":"111122223333","userName":"bob"})
            }
            3 => json!({"type":"AWSService","invokedBy":"lambda.amazonaws.com"}),
            _ => {
                json!({"type":"Root","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"})
            }
        };
        recs.push(rec(i, who).to_string());
    }
    // Records the skimmer must leave to the parser: escapes in the fields it reads
    // (one of them is the wanted role), repeated fields, fields of other types,
    // missing required fields, and a record without userIdentity.
    recs.push(recs[0].replace("role/ci\"", "role/\\u0063i\""));
    recs.push(recs[1].replace("role/other\"", "role/\\u0063i\""));
    recs.push(recs[1].replace("\"awsRegion\"", "\"awsRegion\":\"eu-west-1\",\"awsRegion\""));
    recs.push(recs[2].replace("\"eventTime\":\"2026-11-20T09:02:00Z\"", "\"eventTime\":1"));
    recs.push(recs[1].replace("\"eventName\":\"SendMessage\",", ""));
    recs.push(recs[0].replace(
        "\"eventSource\":\"sqs.amazonaws.com\"",
        "\"eventSource\":\"\"",
    ));
    recs.push(r#"{"eventSource":"s3.amazonaws.com","eventName":"ListBuckets"}"#.to_string());
    recs.push(recs[0].replace(
        "\"sessionContext\":{",
        "\"sessionContext\":{\"sessionIssuer\":null,",
    ));
    recs.push(recs[1].replace(
        "\"userIdentity\":{",
        "\"userIdentity\":{\"arn\":\"arn:aws:iam::1:role/ci\",",
    ));
    let compact = format!("{{\"Records\":[{}]}}", recs.join(","));
    let value: serde_json::Value = serde_json::from_str(&compact).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    for (doc, gzip) in [(&compact, true), (&compact, false), (&pretty, true)] {
        let (whole, skimmed, restarts) = skim_both_ways(doc.as_bytes(), gzip);
        assert_eq!(whole.len(), recs.len() + 1);
        assert_eq!(restarts, 0);
        for (a, b) in whole.iter().zip(&skimmed) {
            assert_eq!(a, b);
        }
        assert_eq!(whole, skimmed);
        assert!(
            whole.iter().filter(|l| l.contains(" FULL ")).count() >= 8,
            "{whole:#?}"
        );
    }
    // A record that does not parse, after records were handed over: the document's
    // error, after one restart.
    let bad = format!(
        "{{\"Records\":[{},{}]}}",
        recs[0],
        recs[0].replace("true", "tru")
    );
    let (whole, skimmed, restarts) = skim_both_ways(bad.as_bytes(), true);
    assert_eq!((skimmed, restarts), (whole.clone(), 1));
    assert!(whole[0].contains("not valid JSON"), "{whole:?}");
    // Broken structure: the same, and no records.
    let bad = format!("{{\"Records\":[{},{}]}}", recs[0], &recs[1][..100]);
    let (whole, skimmed, restarts) = skim_both_ways(bad.as_bytes(), false);
    assert_eq!((skimmed, restarts), (whole, 1));
    // Damage inside a record of another principal is not read: its object is kept.
    let other = format!(
        "{{\"Records\":[{},{}]}}",
        recs[0],
        recs[1].replace("true", "tru")
    );
    let (whole, skimmed, _) = skim_both_ways(other.as_bytes(), true);
    assert!(whole[0].contains("not valid JSON"));
    assert_eq!(skimmed.len(), 3);
    assert!(
        skimmed[0].contains(" FULL ") && skimmed[2] == "Ok(Records)",
        "{skimmed:?}"
    );
}

#[test]
fn damaged_objects_are_errors_not_panics() {
    let g = gz(format!(r#"{{"Records":[{REC}]}}"#).as_bytes());
    assert!(
        run(g[..g.len() / 2].to_vec())
            .0
            .unwrap_err()
            .contains("gzip")
    );
    assert_eq!(run(Vec::new()).0.unwrap_err(), "empty file");
    assert!(
        run(b"{\"Records\":[".to_vec())
            .0
            .unwrap_err()
            .contains("not valid JSON")
    );
    assert_eq!(run(b"# README\n".to_vec()).0, Ok(ObjectKind::NotCloudTrail));
    assert!(run(b"{\"Records\":[\"\xff\xfe\"]}".to_vec()).0.is_err());
}

/// `decode_selecting` with the prefilter on a large object whose wanted records come to
/// several [`CHUNK`]s: handed over a batch at a time (with a restart to fall back on),
/// they are exactly what the whole decode gives; a wanted record that does not parse in
/// a later batch restarts the object once and ends as the whole document does.
#[test]
fn prefiltered_records_are_handed_over_in_bounded_batches() {
    // Written out (a `json!` object sorts its keys): CloudTrail writes eventVersion first.
    let rec = |i: usize, name: &str| {
        format!(
            r#"{{"eventVersion":"1.08","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/{name}/s","accountId":"111122223333","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::111122223333:role/{name}","accountId":"111122223333","userName":"{name}"}}}}}},"eventTime":"2026-11-20T09:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","requestParameters":{{"bucketName":"b","key":"k/{i}/{pad}","flag":true}},"eventID":"{i:08}-0000-4000-8000-000000000000","eventType":"AwsApiCall","recipientAccountId":"111122223333"}}"#,
            pad = "x".repeat(400)
        )
    };
    let recs: Vec<String> = (0..12_000)
        .map(|i| rec(i, if i % 3 == 0 { "ci" } else { "other" }))
        .collect();
    let wanted: usize = recs.iter().step_by(3).map(String::len).sum();
    assert!(wanted > 3 * CHUNK, "{wanted}");
    let want = |r: &Record<'_>| r.issuer_str("arn").is_some_and(|a| a.ends_with("/ci"));
    let run = |doc: &str| {
        let mut whole = Vec::new();
        let r = Decoder::default().decode(&mut gz(doc.as_bytes()), &mut |i, rec| {
            if rec.as_ref().is_ok_and(&want) || rec.is_err() {
                whole.push(show(i, rec));
            }
        });
        whole.push(format!("{:?}", r.map_err(|e| e.to_string())));
        let mut d = Decoder::default();
        // The needle `generate --principal …:role/ci` searches for.
        d.set_prefilter(Prefilter::new([b"ci\"".to_vec()]));
        let seen = std::cell::RefCell::new(Vec::new());
        let mut restarts = 0;
        let r = d.decode_selecting(
            &mut gz(doc.as_bytes()),
            &mut |i, rec| {
                if rec.as_ref().is_ok_and(&want) || rec.is_err() {
                    seen.borrow_mut().push(show(i, rec));
                }
            },
            Some(&mut || {
                restarts += 1;
                seen.borrow_mut().clear();
            }),
            Some(&want),
        );
        let mut got = seen.into_inner();
        got.push(format!("{:?}", r.map_err(|e| e.to_string())));
        // What the batches bound: the copy of the wanted records parsed at once.
        let held = d.scratch.capacity();
        (whole, got, restarts, (d.prefiltered(), held))
    };
    let good = format!("{{\"Records\":[{}]}}", recs.join(","));
    let (whole, got, restarts, (prefiltered, held)) = run(&good);
    assert!(
        held <= 2 * CHUNK + INPUT_PADDING,
        "{held} bytes held at once"
    );
    assert_eq!(whole.len(), 4_001);
    assert_eq!((got, restarts), (whole, 0));
    assert_eq!(
        prefiltered, 8_000,
        "the other role's records are counted, not read"
    );
    // The last wanted record is damaged: batches were handed over before it, so the
    // object restarts (once more when the skim after it, which hands records over as
    // it goes, meets the same record) and ends as the whole document does.
    let mut bad = recs.clone();
    bad[11_997] = bad[11_997].replace("true", "tru");
    let (whole, got, restarts, _) = run(&format!("{{\"Records\":[{}]}}", bad.join(",")));
    assert_eq!(got, whole);
    assert!((1..=2).contains(&restarts), "{restarts}");
    assert!(whole[0].contains("not valid JSON"), "{whole:?}");
}

/// With the prefilter, a single-member object's checksum is computed as the text is
/// scanned: a damaged CRC, a damaged length or damaged deflate data is reported exactly
/// as without it, and gzip headers with a name, comment, extra field or header CRC read
/// the same records either way.
#[test]
fn the_prefilter_checks_the_checksum_it_computes() {
    let rec = |i: usize, name: &str| {
        format!(
            r#"{{"eventVersion":"1.08","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/{name}/s","accountId":"111122223333","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::111122223333:role/{name}","accountId":"111122223333","userName":"{name}"}}}}}},"eventTime":"2026-11-20T09:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","requestParameters":{{"bucketName":"b","key":"k/{i}"}},"eventID":"{i:08}-0000-4000-8000-000000000000","eventType":"AwsApiCall","recipientAccountId":"111122223333"}}"#
        )
    };
    // Long enough for several checksum chunks.
    let recs: Vec<String> = (0..400)
        .map(|i| rec(i, if i % 7 == 0 { "ci" } else { "other" }))
        .collect();
    let doc = format!("{{\"Records\":[{}]}}", recs.join(","));
    let want = |r: &Record<'_>| r.issuer_str("arn").is_some_and(|a| a.ends_with("/ci"));
    let selecting = |mut data: Vec<u8>, prefilter: bool| {
        let mut d = Decoder::default();
        if prefilter {
            d.set_prefilter(Prefilter::new([b"ci\"".to_vec()]));
        }
        let mut got = Vec::new();
        let r = d.decode_selecting(
            &mut data,
            &mut |i, rec| {
                if rec.as_ref().is_ok_and(&want) || rec.is_err() {
                    got.push(show(i, rec));
                }
            },
            None,
            Some(&want),
        );
        got.push(format!("{:?}", r.map_err(|e| e.to_string())));
        (got, d.prefiltered())
    };
    let plain = gz(doc.as_bytes());
    let (expected, prefiltered) = selecting(plain.clone(), true);
    assert_eq!(expected.len(), 58 + 1, "58 records and the result");
    assert_eq!(prefiltered, 400 - 58, "the plan ran");
    assert_eq!(selecting(plain.clone(), false).0, expected);
    let n = plain.len();
    for (what, at) in [("CRC", n - 7), ("length", n - 3), ("data", n / 2)] {
        let mut bad = plain.clone();
        bad[at] ^= 0x10;
        let (with, _) = selecting(bad.clone(), true);
        let (without, _) = selecting(bad, false);
        assert_eq!(with, without, "damaged {what}");
        assert!(
            with.last().unwrap().contains("Err"),
            "damaged {what}: {with:?}"
        );
    }
    // Every optional header field (RFC 1952): the same records, through the plan.
    let mut e = flate2::GzBuilder::new()
        .filename("trail.json")
        .comment("from a test")
        .extra(vec![1, 2, 3])
        .write(Vec::new(), flate2::Compression::fast());
    e.write_all(doc.as_bytes()).unwrap();
    let named = e.finish().unwrap();
    assert_eq!(selecting(named, true), (expected, prefiltered));
}

//! Decoding EC2's encoded authorization messages through sts:DecodeAuthorizationMessage
//! with the real aws-sdk-sts code path.
//!
//! moto_server does not implement DecodeAuthorizationMessage, so the success path talks to
//! a minimal STS stand-in on 127.0.0.1 that answers that one action with the response
//! shape of the STS API reference (query protocol, XML); the failure path talks to a real
//! moto_server, whose refusal must be reported, not swallowed.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener};

use serde_json::Value;

/// What the stand-in decodes every message to: an implicit deny of iam:PassRole
/// (tests/fixtures/denied/decoded-passrole-ec2.txt).
fn decoded() -> String {
    std::fs::read_to_string(common::root().join("tests/fixtures/denied/decoded-passrole-ec2.txt"))
        .unwrap()
        .trim()
        .to_string()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Serves DecodeAuthorizationMessage on a free port; returns the endpoint and a handle
/// yielding the request bodies it saw.
fn sts_stand_in(requests: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let body = format!(
        "<DecodeAuthorizationMessageResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><DecodeAuthorizationMessageResult><DecodedMessage>{}</DecodedMessage></DecodeAuthorizationMessageResult><ResponseMetadata><RequestId>6ba0ff3c-0000-4000-8000-000000000000</RequestId></ResponseMetadata></DecodeAuthorizationMessageResponse>",
        xml_escape(&decoded())
    );
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
            }
            let mut req = vec![0u8; len];
            reader.read_exact(&mut req).unwrap();
            seen.push(String::from_utf8_lossy(&req).into_owned());
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
        seen
    });
    (endpoint, handle)
}

fn refine(endpoint: &str, extra: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.json");
    std::fs::write(&policy, r#"{"Version":"2012-10-17","Statement":[]}"#).unwrap();
    let input = common::root().join("tests/fixtures/denied/aws-cli-runinstances-encoded.txt");
    let mut args = vec![
        "refine",
        "--policy",
        policy.to_str().unwrap(),
        "--from",
        input.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--endpoint-url", endpoint]);
    std::process::Command::new(env!("CARGO_BIN_EXE_iamtrail"))
        .args(&args)
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap()
}

#[test]
fn encoded_messages_are_decoded_through_sts_when_asked() {
    let (endpoint, server) = sts_stand_in(1);
    let o = refine(&endpoint, &["--decode"]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let seen = server.join().unwrap();
    assert!(
        seen[0].contains("Action=DecodeAuthorizationMessage"),
        "{}",
        seen[0]
    );
    assert!(
        seen[0].contains("EncodedMessage=EXAMPLEWodyRNrtlQARDip"),
        "{}",
        seen[0]
    );
    let out: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    let grants = common::grants(&out["policies"][0]);
    assert_eq!(
        grants,
        vec![(
            "iam:PassRole".to_string(),
            "arn:aws:iam::111122223333:role/EC2_instance_Profile_role".to_string()
        )]
    );
    assert_eq!(out["denials"][0]["encoded"]["decoded"], true);
}

#[test]
fn a_refused_decode_is_reported_with_the_reason() {
    let moto = common::moto::Moto::start();
    let o = refine(&moto.endpoint(), &["--decode"]);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    let out: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    let note = out["denials"][0]["encoded"]["note"]
        .as_str()
        .unwrap_or_default();
    assert!(
        note.contains("sts:DecodeAuthorizationMessage failed"),
        "{:#}",
        out["denials"][0]
    );
    assert_eq!(out["denials"][0]["encoded"]["decoded"], false);
    // Without --decode nothing calls AWS, and the report says what to run.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_iamtrail"))
        .args([
            "refine",
            "--policy",
            common::root()
                .join("tests/fixtures/loop/empty-policy.json")
                .to_str()
                .unwrap(),
            "--from",
            common::root()
                .join("tests/fixtures/denied/aws-cli-runinstances-encoded.txt")
                .to_str()
                .unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        common::stderr(&o).contains("aws sts decode-authorization-message"),
        "{}",
        common::stderr(&o)
    );
}

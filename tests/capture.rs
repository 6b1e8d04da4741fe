//! Live capture (`iamtrail capture -- CMD`): the proxy in-process (200 concurrent
//! connections, bodies larger than the caps stream through), the command against moto
//! with the AWS CLI and boto3 over plain HTTP, the HTTPS path through a local TLS server
//! with its own CA, exit codes, a workload that ignores the proxy, and no secret in any
//! output.

mod common;

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use iamtrail::capture::proxy::{Proxy, ProxyConfig};
use iamtrail::capture::sink::Memory;
use iamtrail::capture::{REQUEST_CAP, RESPONSE_CAP};
use tokio::net::TcpListener;

use common::moto::{Moto, venv};

const SECRET_KEY: &str = "wJalrXUtnFEMIcaptureSECRETKEYEXAMPLE";
const TOKEN: &str = "FwoGZXIvYXdzEcaptureSESSIONTOKENEXAMPLE";
const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261120/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef";

/// A local origin server: answers every request with the number of body bytes it
/// received, after streaming `extra` bytes of padding first when the path is `/big`.
async fn origin(tls: Option<Arc<rustls::ServerConfig>>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let tls = tls.clone();
            tokio::spawn(async move {
                let svc = service_fn(|req: Request<Incoming>| async move {
                    let big = req.uri().path() == "/big";
                    let n = req
                        .into_body()
                        .collect()
                        .await
                        .map(|b| b.to_bytes().len())
                        .unwrap_or(0);
                    let body = if big {
                        format!("{}{n}", "x".repeat(200 << 10))
                    } else {
                        format!("{{\"TableNames\":[],\"received\":{n}}}")
                    };
                    Ok::<_, Infallible>(
                        Response::builder()
                            .header("content-type", "application/x-amz-json-1.0")
                            .body(Full::new(Bytes::from(body)))
                            .unwrap(),
                    )
                });
                let http = hyper::server::conn::http1::Builder::new();
                match tls {
                    Some(cfg) => {
                        if let Ok(s) = tokio_rustls::TlsAcceptor::from(cfg).accept(tcp).await {
                            let _ = http.serve_connection(TokioIo::new(s), svc).await;
                        }
                    }
                    None => {
                        let _ = http.serve_connection(TokioIo::new(tcp), svc).await;
                    }
                }
            });
        }
    });
    addr
}

/// One request through the proxy at `proxy` (absolute-form), on a connection of its own.
async fn through<B>(proxy: SocketAddr, req: Request<B>) -> (u16, Bytes)
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let tcp = tokio::net::TcpStream::connect(proxy).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn);
    let resp = send.send_request(req).await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.into_body().collect().await.unwrap().to_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_connections_are_all_recorded() {
    let up = origin(None).await;
    let memory = Memory::default();
    let proxy = Proxy::start(&ProxyConfig::default(), Box::new(memory.clone()))
        .await
        .unwrap();
    let at = proxy.addr();
    // Every connection is open before any request is sent: 200 at once.
    let barrier = Arc::new(tokio::sync::Barrier::new(200));
    let mut tasks = Vec::new();
    for i in 0..200 {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let tcp = tokio::net::TcpStream::connect(at).await.unwrap();
            let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
                .await
                .unwrap();
            tokio::spawn(conn);
            barrier.wait().await;
            let req = Request::post(format!("http://{up}/call/{i}"))
                .header("host", up.to_string())
                .header("authorization", AUTH)
                .header("x-amz-target", "DynamoDB_20120810.ListTables")
                .body(Full::new(Bytes::from_static(b"{}")))
                .unwrap();
            let resp = send.send_request(req).await.unwrap();
            assert_eq!(resp.status(), 200);
            resp.into_body().collect().await.unwrap().to_bytes()
        }));
    }
    for t in tasks {
        let body = tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .expect("200 connections answered in time")
            .unwrap();
        assert_eq!(&body[..], b"{\"TableNames\":[],\"received\":2}");
    }
    let counts = proxy.stop(Duration::from_secs(5)).await;
    assert_eq!(counts.recorded, 200);
    let mut paths: Vec<String> = memory
        .taken()
        .into_iter()
        .map(|x| x.path_and_query)
        .collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_stream_through_and_only_a_capped_copy_is_kept() {
    let up = origin(None).await;
    let memory = Memory::default();
    let proxy = Proxy::start(&ProxyConfig::default(), Box::new(memory.clone()))
        .await
        .unwrap();
    // A chunked upload of 3 MiB in 48 chunks, larger than the request cap.
    let body = Chunks(48);
    let req = Request::put(format!("http://{up}/big"))
        .header("host", up.to_string())
        .header("authorization", AUTH.replace("dynamodb", "s3"))
        .body(body)
        .unwrap();
    let (status, resp) = through(proxy.addr(), req).await;
    assert_eq!(status, 200);
    assert_eq!(resp.len(), (200 << 10) + "3145728".len());
    assert!(resp.ends_with(b"3145728"));
    // A request that is not AWS passes through and is not recorded.
    let plain = Request::get(format!("http://{up}/other"))
        .header("host", up.to_string())
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(through(proxy.addr(), plain).await.0, 200);
    let counts = proxy.stop(Duration::from_secs(5)).await;
    assert_eq!((counts.recorded, counts.passed_requests), (1, 1));
    let x = memory.taken().pop().unwrap();
    assert_eq!(x.request_body_len, 3 << 20);
    assert_eq!(x.request_body.len(), REQUEST_CAP);
    assert!(x.request_body_cut() && x.response_body_cut());
    assert_eq!(x.response_body.len(), RESPONSE_CAP);
    assert_eq!(x.scope().unwrap().service, "s3");
}

/// A body of `n` chunks of 64 KiB with no length announced (sent chunked).
struct Chunks(usize);

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.0 == 0 {
            return std::task::Poll::Ready(None);
        }
        self.0 -= 1;
        std::task::Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![7u8; 64 << 10])))))
    }
}

/// Runs `iamtrail capture ARGS` with fake credentials, no AWS config files, no proxy
/// settings of the machine's, the virtualenv's tools first on PATH, and `env`.
fn capture(args: &[&str], env: &[(&str, &str)]) -> Output {
    iamtrail("capture", args, env)
}

/// As [`capture`], for the subcommand `sub`.
fn iamtrail(sub: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let bin_dir = venv().join("bin");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamtrail"));
    cmd.arg(sub).args(args).current_dir(common::root());
    for k in [
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "https_proxy",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
        "AWS_PROFILE",
        "AWS_CA_BUNDLE",
        "AWS_ENDPOINT_URL",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("PATH", path)
        .env("AWS_ACCESS_KEY_ID", "AKIDCAPTURETEST")
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/iamtrail-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/iamtrail-test-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run iamtrail capture")
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Nothing that authenticates a call, nor a secret parameter, in `text`.
fn assert_no_secret(text: &str, what: &str) {
    for s in [
        SECRET_KEY,
        TOKEN,
        "Signature=",
        "0123456789abcdef",
        "hunter2-capture-param",
    ] {
        assert!(!text.contains(s), "{what} holds `{s}`:\n{text}");
    }
}

#[test]
fn aws_cli_and_boto3_against_moto_are_captured() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.ndjson");
    let exchanges = dir.path().join("exchanges.ndjson");
    let file = dir.path().join("payload.txt");
    std::fs::write(&file, "hello").unwrap();
    let boto = "import boto3\n\
         s3 = boto3.client('s3')\n\
         s3.put_object(Bucket='cap-bucket', Key='from boto3/ü *.txt', Body=b'x')\n\
         s3.copy_object(Bucket='cap-bucket', Key='copy.txt', CopySource={'Bucket': 'cap-bucket', 'Key': 'from boto3/ü *.txt'})\n\
         mp = s3.create_multipart_upload(Bucket='cap-bucket', Key='multi')\n\
         part = s3.upload_part(Bucket='cap-bucket', Key='multi', UploadId=mp['UploadId'], PartNumber=1, Body=b'y' * 10)\n\
         s3.complete_multipart_upload(Bucket='cap-bucket', Key='multi', UploadId=mp['UploadId'], MultipartUpload={'Parts': [{'ETag': part['ETag'], 'PartNumber': 1}]})\n\
         boto3.client('dynamodb').list_tables()\n\
         boto3.client('sns').create_topic(Name='cap-topic')\n\
         boto3.client('iam').list_users()\n\
         boto3.client('sts').get_caller_identity()\n";
    let py = dir.path().join("boto.py");
    std::fs::write(&py, boto).unwrap();
    let script = format!(
        "set -e\n\
         aws s3 mb s3://cap-bucket\n\
         aws s3 cp '{file}' 's3://cap-bucket/a key with spaces/ü.txt'\n\
         aws sqs create-queue --endpoint-url \"$AWS_ENDPOINT_URL\" --queue-name cap-queue >/dev/null\n\
         aws ssm put-parameter --name /cap/db --type SecureString --value hunter2-capture-param >/dev/null\n\
         python '{py}'\n\
         aws s3api get-object --bucket no-such-bucket --key k /dev/null 2>/dev/null || true\n\
         echo workload-done\n",
        file = file.display(),
        py = py.display()
    );
    let out = capture(
        &[
            "-o",
            records.to_str().unwrap(),
            "--exchanges",
            exchanges.to_str().unwrap(),
            "--",
            "sh",
            "-c",
            &script,
        ],
        &[("AWS_ENDPOINT_URL", &ep)],
    );
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(common::stdout(&out).trim_end().ends_with("workload-done"));
    let xs = lines(&exchanges);
    let seen: Vec<(String, String, u64)> = xs
        .iter()
        .map(|x| {
            (
                x["service"].as_str().unwrap_or("").to_string(),
                x["method"].as_str().unwrap().to_string(),
                x["status"].as_u64().unwrap(),
            )
        })
        .collect();
    for service in ["s3", "sqs", "ssm", "dynamodb", "sns", "iam", "sts"] {
        assert!(
            seen.iter().any(|(s, _, st)| s == service && *st == 200),
            "no successful {service} call in {seen:?}"
        );
    }
    let paths: Vec<&str> = xs.iter().filter_map(|x| x["path"].as_str()).collect();
    for p in [
        "/cap-bucket/a%20key%20with%20spaces/%C3%BC.txt",
        "/cap-bucket/copy.txt",
        "/cap-bucket/multi?uploads",
    ] {
        assert!(paths.contains(&p), "{p} not in {paths:?}");
    }
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/cap-bucket/multi?") && p.contains("partNumber=1")),
        "{paths:?}"
    );
    assert!(
        seen.iter()
            .any(|(s, m, st)| s == "s3" && m == "GET" && *st == 404),
        "{seen:?}"
    );
    // One record per exchange, attributed to the caller identity moto reports.
    let rs = lines(&records);
    assert_eq!(rs.len(), xs.len());
    for r in &rs {
        assert_eq!(r["recipientAccountId"], "123456789012");
        assert_eq!(r["userIdentity"]["accountId"], "123456789012");
        assert_eq!(r["awsRegion"], "eu-west-1");
        assert!(
            r["eventSource"]
                .as_str()
                .unwrap()
                .ends_with(".amazonaws.com")
        );
        assert!(r["eventTime"].as_str().unwrap().ends_with('Z'));
    }
    assert!(
        stderr.contains(&format!(
            "capture: {} AWS calls recorded (0 denied)",
            rs.len()
        )),
        "{stderr}"
    );
    // The records are a trail: generate reads them and grants exactly what the workload
    // called (the failed GetObject on a missing bucket counts, as its class says).
    let generated = common::iamtrail(&["generate", records.to_str().unwrap()], None);
    assert_eq!(
        generated.status.code(),
        Some(0),
        "{}",
        common::stderr(&generated)
    );
    let policy: serde_json::Value = serde_json::from_slice(&generated.stdout).unwrap();
    let mut granted = std::collections::BTreeSet::new();
    for st in policy["Statement"].as_array().unwrap() {
        let many = |v: &serde_json::Value| -> Vec<String> {
            match v {
                serde_json::Value::String(s) => vec![s.clone()],
                v => v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect(),
            }
        };
        for a in many(&st["Action"]) {
            for r in many(&st["Resource"]) {
                granted.insert(format!("{a} {r}"));
            }
        }
    }
    let want: std::collections::BTreeSet<String> = [
        "dynamodb:ListTables *",
        "iam:ListUsers *",
        "s3:CreateBucket arn:aws:s3:::cap-bucket",
        "s3:GetObject arn:aws:s3:::cap-bucket/from boto3/ü ${*}.txt",
        "s3:GetObject arn:aws:s3:::no-such-bucket/k",
        "s3:PutObject arn:aws:s3:::cap-bucket/a key with spaces/ü.txt",
        "s3:PutObject arn:aws:s3:::cap-bucket/copy.txt",
        "s3:PutObject arn:aws:s3:::cap-bucket/from boto3/ü ${*}.txt",
        "s3:PutObject arn:aws:s3:::cap-bucket/multi",
        "sns:CreateTopic arn:aws:sns:eu-west-1:123456789012:cap-topic",
        "sqs:CreateQueue arn:aws:sqs:eu-west-1:123456789012:cap-queue",
        "ssm:PutParameter arn:aws:ssm:eu-west-1:123456789012:parameter/cap/db",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(granted, want);

    for (text, what) in [
        (std::fs::read_to_string(&records).unwrap(), "records"),
        (std::fs::read_to_string(&exchanges).unwrap(), "exchanges"),
        (stderr.clone(), "stderr"),
    ] {
        assert_no_secret(&text, what);
    }

    // Records go to standard output after the workload's own output when no -o.
    let out = capture(
        &[
            "--",
            "sh",
            "-c",
            "echo first; aws dynamodb list-tables >/dev/null",
        ],
        &[("AWS_ENDPOINT_URL", &ep)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let stdout = common::stdout(&out);
    let mut it = stdout.lines();
    assert_eq!(it.next(), Some("first"));
    let r: serde_json::Value = serde_json::from_str(it.next().unwrap()).unwrap();
    assert_eq!(r["eventSource"], "dynamodb.amazonaws.com");
    assert_eq!(r["eventName"], "ListTables");

    // A workload that ignores the proxy is reported with the fix, not taken for one
    // that called nothing.
    let out = capture(
        &[
            "--principal",
            "arn:aws:iam::111122223333:role/ci",
            "--",
            "env",
            "-u",
            "HTTPS_PROXY",
            "-u",
            "HTTP_PROXY",
            "-u",
            "https_proxy",
            "-u",
            "http_proxy",
            "aws",
            "dynamodb",
            "list-tables",
        ],
        &[("AWS_ENDPOINT_URL", &ep)],
    );
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(common::stdout(&out).contains("TableNames"));
    assert!(
        stderr.contains("no AWS call went through the proxy")
            && stderr.contains("HTTPS_PROXY")
            && stderr.contains("AWS_CA_BUNDLE"),
        "{stderr}"
    );
}

#[test]
fn the_exit_code_is_the_workloads() {
    let who = ["--account", "111122223333", "--"];
    let run = |cmd: &[&str]| {
        let args: Vec<&str> = who.iter().chain(cmd).copied().collect();
        capture(&args, &[])
    };
    assert_eq!(run(&["sh", "-c", "exit 7"]).status.code(), Some(7));
    assert_eq!(run(&["true"]).status.code(), Some(0));
    // Ended by a signal: 128 + its number, as shells report it.
    assert_eq!(run(&["sh", "-c", "kill -TERM $$"]).status.code(), Some(143));
    let out = run(&["iamtrail-no-such-command"]);
    assert_eq!(out.status.code(), Some(127));
    assert!(common::stderr(&out).contains("iamtrail-no-such-command"));
    // Bad identity arguments are usage errors, before anything runs.
    let out = capture(&["--principal", "ci", "--", "true"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
}

/// A CA and a server configuration for `localhost` signed by it.
fn test_server_tls() -> (String, Arc<rustls::ServerConfig>) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca = CertificateParams::default();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf.use_authority_key_identifier_extension = true;
    let cert = leaf.signed_by(&key, &ca).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let cfg = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .unwrap();
    (ca.pem(), Arc::new(cfg))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_calls_are_intercepted_and_upstream_tls_is_verified() {
    let (ca_pem, cfg) = test_server_tls();
    let up = origin(Some(cfg)).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("server-ca.pem");
    std::fs::File::create(&ca)
        .unwrap()
        .write_all(ca_pem.as_bytes())
        .unwrap();
    let py = format!(
        "import boto3\n\
         c = boto3.client('dynamodb', endpoint_url='https://localhost:{}', region_name='us-east-1')\n\
         print(c.list_tables())\n",
        up.port()
    );
    let exchanges = dir.path().join("exchanges.ndjson");
    let python = venv().join("bin/python");
    let run = move |trust: bool| {
        let mut args = vec![
            "--principal".to_string(),
            "arn:aws:iam::111122223333:user/dev".to_string(),
            "--exchanges".into(),
            exchanges.to_str().unwrap().into(),
        ];
        if trust {
            args.extend(["--upstream-ca".into(), ca.to_str().unwrap().into()]);
        }
        args.extend([
            "--".into(),
            python.to_str().unwrap().into(),
            "-c".into(),
            py.clone(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = capture(&args, &[("AWS_MAX_ATTEMPTS", "1")]);
        (out, lines(&exchanges))
    };
    let run = Arc::new(run);
    let r = run.clone();
    let (out, xs) = tokio::task::spawn_blocking(move || r(true)).await.unwrap();
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(common::stdout(&out).contains("'TableNames': []"));
    assert_eq!(xs.len(), 1, "{xs:?}");
    assert_eq!(xs[0]["scheme"], "https");
    assert_eq!(xs[0]["host"], "localhost");
    assert_eq!(xs[0]["status"], 200);
    let records: Vec<serde_json::Value> = common::stdout(&out)
        .lines()
        .filter(|l| l.starts_with("{\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["eventName"], "ListTables");
    assert_eq!(
        records[0]["userIdentity"]["arn"],
        "arn:aws:iam::111122223333:user/dev"
    );
    assert_no_secret(&common::stdout(&out), "stdout");

    // Without --upstream-ca the server's certificate is not trusted: the call fails
    // (502), it is never sent unverified.
    let (out, xs) = tokio::task::spawn_blocking(move || run(false))
        .await
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(xs.len(), 1, "{xs:?}");
    assert_eq!(xs[0]["status"], 502);
    let why = xs[0]["upstreamError"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        why.contains("certificate") || why.contains("issuer"),
        "{why}"
    );
    assert!(common::stderr(&out).contains("could not reach their server"));
}

/// `generate -- CMD`: capture, then the policy from the calls, as from any trail; the
/// records are kept only with `--capture-output`.
#[test]
fn generate_runs_the_command_under_capture() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.txt");
    std::fs::write(&file, "v1").unwrap();
    let script = format!(
        "aws s3 mb s3://gen-bucket\n\
         aws s3 cp '{}' s3://gen-bucket/releases/app.txt\n\
         aws sqs create-queue --endpoint-url \"$AWS_ENDPOINT_URL\" --queue-name gen-queue >/dev/null\n",
        file.display()
    );
    let want: Vec<(String, String)> = vec![
        ("s3:CreateBucket".into(), "arn:aws:s3:::gen-bucket".into()),
        (
            "s3:PutObject".into(),
            "arn:aws:s3:::gen-bucket/releases/app.txt".into(),
        ),
        (
            "sqs:CreateQueue".into(),
            "arn:aws:sqs:eu-west-1:123456789012:gen-queue".into(),
        ),
    ];
    let pairs = |out: &Output| {
        let policy: serde_json::Value = serde_json::from_str(&common::stdout(out)).unwrap();
        let mut got = common::grants(&policy);
        got.sort();
        got
    };
    let records = dir.path().join("records.ndjson");
    let out = iamtrail(
        "generate",
        &[
            "--capture-output",
            records.to_str().unwrap(),
            "--",
            "sh",
            "-c",
            &script,
        ],
        &[("AWS_ENDPOINT_URL", &ep)],
    );
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(pairs(&out), want, "{stderr}");
    assert!(stderr.contains("3 AWS call(s) recorded"), "{stderr}");
    let kept = lines(&records);
    assert_eq!(kept.len(), 3);
    assert_eq!(kept[0]["eventName"], "CreateBucket");
    assert_no_secret(&std::fs::read_to_string(&records).unwrap(), "records");

    // The same without --capture-output: the same policy (the second CreateBucket fails,
    // the bucket exists: a failed call still counts), no records left behind.
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let out = iamtrail(
        "generate",
        &["--", "sh", "-c", &script],
        &[("AWS_ENDPOINT_URL", &ep), ("TMPDIR", tmp.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(pairs(&out), want);
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    // --each-principal under capture, as an IAM user of moto's (whose caller identity is
    // an IAM user ARN; moto's default credentials answer an `sts::…:user/moto` ARN,
    // which names no principal): one policy, that user's, with the same grants.
    let made = Command::new(venv().join("bin/python"))
        .args([
            "-c",
            "import boto3, sys\n\
             iam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1',\n\
                 aws_access_key_id='testing', aws_secret_access_key='testing')\n\
             iam.create_user(UserName='builder')\n\
             k = iam.create_access_key(UserName='builder')['AccessKey']\n\
             print(k['AccessKeyId'], k['SecretAccessKey'])",
            &ep,
        ])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let keys = String::from_utf8(made.stdout).unwrap();
    let (id, secret) = keys.trim().split_once(' ').unwrap();
    let each_dir = dir.path().join("each");
    let out = iamtrail(
        "generate",
        &[
            "--each-principal",
            "--output-dir",
            each_dir.to_str().unwrap(),
            "--",
            "sh",
            "-c",
            &script,
        ],
        &[
            ("AWS_ENDPOINT_URL", &ep),
            ("TMPDIR", tmp.to_str().unwrap()),
            ("AWS_ACCESS_KEY_ID", id),
            ("AWS_SECRET_ACCESS_KEY", secret),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(each_dir.join("index.json")).unwrap()).unwrap();
    let principals = index["principals"].as_object().unwrap();
    let arns: Vec<&String> = principals.keys().collect();
    assert_eq!(arns, ["arn:aws:iam::123456789012:user/builder"], "{index}");
    let file = each_dir.join(principals[arns[0]]["file"].as_str().expect("a file"));
    let policy: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let mut got = common::grants(&policy);
    got.sort();
    assert_eq!(got, want);
    // Inputs and a command do not mix.
    let out = iamtrail("generate", &["x.json", "--", "true"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
}

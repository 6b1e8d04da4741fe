//! Live capture's routing and records (`iamtrail::capture`), without sockets: raw requests
//! written as the AWS CLI and boto3 send them (SigV4 header shapes from the AWS General
//! Reference, "Create a signed AWS API request") are routed to their operation, written as
//! CloudTrail records, and read back through the decoder, mapper and `generate`, which must
//! find exactly the permissions the equivalent CloudTrail records give.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, UNIX_EPOCH};

use iamtrail::capture::table::Protocol;
use iamtrail::capture::{Call, HIDDEN, Outcome, Request, RouteError, Who, record, route};
use iamtrail::generate::from_objects;
use iamtrail::ingest::Config;
use serde_json::{Value, json};

const AKID: &str = "ASIAEXAMPLEEXAMPLE01";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLE-SESSION-TOKEN-never-recorded";
const SIGNATURE: &str = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";
const UA: &str = "aws-cli/2.22.0 md/awscrt#0.22.0 ua/2.0 os/linux#6.8 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe";

/// A raw request, owned, signed for `service` in us-east-1 (Authorization with the
/// credential scope, X-Amz-Date, X-Amz-Security-Token: what every SDK sends).
struct Raw {
    method: String,
    host: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn raw(
    service: &str,
    method: &'static str,
    host: &'static str,
    target: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> Raw {
    let mut headers: Vec<(String, String)> = vec![
        ("Host".into(), host.into()),
        ("User-Agent".into(), UA.into()),
        ("X-Amz-Date".into(), "20261204T100000Z".into()),
        ("X-Amz-Security-Token".into(), TOKEN.into()),
        (
            "Authorization".into(),
            format!(
                "AWS4-HMAC-SHA256 Credential={AKID}/20261204/us-east-1/{service}/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature={SIGNATURE}"
            ),
        ),
        ("Content-Length".into(), body.len().to_string()),
    ];
    headers.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Raw {
        method: method.into(),
        host: host.into(),
        target: target.into(),
        headers,
        body: body.to_vec(),
    }
}

impl Raw {
    fn route(&self) -> Result<Call, RouteError> {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        route(&Request {
            method: &self.method,
            host: &self.host,
            path: &self.target,
            query: "",
            headers: &headers,
            body: &self.body,
        })
    }
}

const MOTO: &str = "localhost:5000";
const FORM: (&str, &str) = (
    "Content-Type",
    "application/x-www-form-urlencoded; charset=utf-8",
);

fn json_target(target: &str, version: &str) -> [(&'static str, String); 2] {
    [
        ("X-Amz-Target", target.to_owned()),
        ("Content-Type", format!("application/x-amz-json-{version}")),
    ]
}

fn json_call(service: &str, host: &'static str, target: &str, version: &str, body: Value) -> Raw {
    let h = json_target(target, version);
    let extra: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    raw(
        service,
        "POST",
        host,
        "/",
        &extra,
        body.to_string().as_bytes(),
    )
}

/// The workload of the issue's end-to-end test: S3 (a key with a space and unicode,
/// multipart, copy), SQS over query and json, SNS, DynamoDB, SSM, IAM.
fn workload() -> Vec<(&'static str, Raw)> {
    vec![
        (
            "PutObject",
            raw(
                "s3",
                "PUT",
                MOTO,
                "/my-bucket/dir/a%20b%C3%A9%E2%82%AC.txt",
                &[
                    ("Content-Type", "text/plain"),
                    ("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"),
                    ("Expect", "100-continue"),
                ],
                b"<Secret>object bytes are never read</Secret>",
            ),
        ),
        (
            "CreateMultipartUpload",
            raw(
                "s3",
                "POST",
                MOTO,
                "/my-bucket/big/file.bin?uploads",
                &[],
                b"",
            ),
        ),
        (
            "UploadPart",
            raw(
                "s3",
                "PUT",
                MOTO,
                "/my-bucket/big/file.bin?partNumber=1&uploadId=VXBsb2FkSUQ",
                &[],
                b"part bytes",
            ),
        ),
        (
            "CompleteMultipartUpload",
            raw(
                "s3",
                "POST",
                MOTO,
                "/my-bucket/big/file.bin?uploadId=VXBsb2FkSUQ",
                &[("Content-Type", "application/xml")],
                b"<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><ETag>\"e1\"</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>",
            ),
        ),
        (
            "CopyObject",
            raw(
                "s3",
                "PUT",
                MOTO,
                "/my-bucket/copy.txt",
                &[("x-amz-copy-source", "src-bucket/orig%20name.txt")],
                b"",
            ),
        ),
        (
            "SendMessage",
            raw(
                "sqs",
                "POST",
                "sqs.us-east-1.amazonaws.com",
                "/",
                &[FORM],
                b"Action=SendMessage&Version=2012-11-05&QueueUrl=https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F111122223333%2Fjobs&MessageBody=hello+world",
            ),
        ),
        (
            "SendMessage",
            json_call(
                "sqs",
                MOTO,
                "AmazonSQS.SendMessage",
                "1.0",
                json!({"QueueUrl": "http://localhost:5000/111122223333/jobs-json", "MessageBody": "hi"}),
            ),
        ),
        (
            "Publish",
            raw(
                "sns",
                "POST",
                MOTO,
                "/",
                &[FORM],
                b"Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A111122223333%3Aalerts&Message=hi",
            ),
        ),
        (
            "PutItem",
            json_call(
                "dynamodb",
                MOTO,
                "DynamoDB_20120810.PutItem",
                "1.0",
                json!({"TableName": "Music", "Item": {"Artist": {"S": "No One"}, "SongTitle": {"S": "Call"}}}),
            ),
        ),
        (
            "GetParameter",
            json_call(
                "ssm",
                MOTO,
                "AmazonSSM.GetParameter",
                "1.1",
                json!({"Name": "/app/db-host", "WithDecryption": true}),
            ),
        ),
        (
            "CreateRole",
            raw(
                "iam",
                "POST",
                MOTO,
                "/",
                &[FORM],
                b"Action=CreateRole&Version=2010-05-08&RoleName=deployer&AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D",
            ),
        ),
    ]
}

fn who() -> Who<'static> {
    Who {
        arn: "arn:aws:sts::111122223333:assumed-role/ci/build",
        account_id: "111122223333",
    }
}

fn time() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_378_400)
}

/// The (action, resource) pairs `generate` finds in these records.
fn permissions(records: Vec<Value>) -> BTreeSet<(String, String)> {
    let body = json!({ "Records": records }).to_string().into_bytes();
    let ingested = from_objects(vec![("capture.json".into(), body)], &Config::default());
    let s = &ingested.summary;
    assert!(
        s.skipped.is_empty() && s.unmapped.is_empty() && s.problems.is_empty(),
        "skipped {:?}, unmapped {:?}, problems {:?}",
        s.skipped,
        s.unmapped.keys().collect::<Vec<_>>(),
        s.problems
    );
    ingested
        .usage
        .sorted()
        .into_iter()
        .map(|(p, _)| (p.action.to_string(), p.resource.clone()))
        .collect()
}

#[test]
fn every_call_routes_to_its_operation() {
    for (op, r) in workload() {
        let call = r.route().unwrap_or_else(|e| panic!("{op}: {e}"));
        assert_eq!(call.operation, op, "{}", r.target);
        assert_eq!(call.region, "us-east-1");
        assert_eq!(call.access_key_id, AKID);
        assert_eq!(call.user_agent.as_deref(), Some(UA));
    }
    let calls: Vec<Call> = workload().iter().map(|(_, r)| r.route().unwrap()).collect();
    let put = &calls[0];
    assert_eq!((put.service, put.event_source), ("s3", "s3.amazonaws.com"));
    assert_eq!(
        Value::Object(put.parameters.clone()),
        json!({"bucketName": "my-bucket", "key": "dir/a bé€.txt", "Host": "localhost"})
    );
    assert!(!put.read_only);
    assert_eq!(
        calls[2].parameters["partNumber"], "1",
        "UploadPart's query names"
    );
    assert_eq!(calls[3].parameters["uploadId"], "VXBsb2FkSUQ");
    assert_eq!(
        calls[3].parameters["CompleteMultipartUpload"]["Part"]["PartNumber"],
        "1"
    );
    assert_eq!(
        calls[4].parameters["x-amz-copy-source"],
        "src-bucket/orig%20name.txt"
    );
    assert_eq!(calls[5].protocol, Protocol::Query);
    assert_eq!(
        calls[5].parameters["queueUrl"],
        "https://sqs.us-east-1.amazonaws.com/111122223333/jobs"
    );
    assert_eq!(calls[5].parameters["messageBody"], "hello world");
    assert_eq!(calls[6].protocol, Protocol::Json);
    assert_eq!(calls[6].event_source, "sqs.amazonaws.com");
    assert_eq!(
        calls[8].parameters["item"],
        json!({"Artist": {"s": "No One"}, "SongTitle": {"s": "Call"}}),
        "a map's keys (attribute names) are data and keep their case"
    );
    assert_eq!(calls[9].parameters["name"], "/app/db-host");
    assert!(calls[9].read_only);
    assert_eq!(calls[10].parameters["roleName"], "deployer");
}

#[test]
fn captured_records_generate_what_cloudtrail_records_would() {
    let records: Vec<Value> = workload()
        .iter()
        .map(|(_, r)| {
            let call = r.route().unwrap();
            record(
                &call,
                &Outcome {
                    status: 200,
                    ..Default::default()
                },
                &who(),
                time(),
            )
        })
        .collect();
    for r in &records {
        assert_eq!(r["eventType"], "AwsApiCall");
        assert_eq!(r["sourceIPAddress"], "127.0.0.1");
        assert_eq!(r["recipientAccountId"], "111122223333");
        assert_eq!(r["userIdentity"]["accessKeyId"], AKID);
        assert_eq!(r["eventTime"], "2026-12-04T10:00:00Z");
        assert!(r.get("errorCode").is_none());
    }
    let got = permissions(records);
    let want: BTreeSet<(String, String)> = [
        ("s3:PutObject", "arn:aws:s3:::my-bucket/dir/a bé€.txt"),
        ("s3:PutObject", "arn:aws:s3:::my-bucket/big/file.bin"),
        ("s3:PutObject", "arn:aws:s3:::my-bucket/copy.txt"),
        ("s3:GetObject", "arn:aws:s3:::src-bucket/orig name.txt"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:jobs"),
        (
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:111122223333:jobs-json",
        ),
        ("sns:Publish", "arn:aws:sns:us-east-1:111122223333:alerts"),
        (
            "dynamodb:PutItem",
            "arn:aws:dynamodb:us-east-1:111122223333:table/Music",
        ),
        (
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:111122223333:parameter/app/db-host",
        ),
        ("iam:CreateRole", "arn:aws:iam::111122223333:role/deployer"),
    ]
    .into_iter()
    .map(|(a, r)| (a.to_owned(), r.to_owned()))
    .collect();
    assert_eq!(got, want);

    // The same calls as CloudTrail writes them (its documented requestParameters shapes).
    let trail = vec![
        common::record(
            "s3.amazonaws.com",
            "PutObject",
            json!({"bucketName": "my-bucket", "key": "dir/a bé€.txt", "Host": "my-bucket.s3.us-east-1.amazonaws.com"}),
        ),
        common::record(
            "s3.amazonaws.com",
            "CreateMultipartUpload",
            json!({"bucketName": "my-bucket", "key": "big/file.bin", "uploads": ""}),
        ),
        common::record(
            "s3.amazonaws.com",
            "UploadPart",
            json!({"bucketName": "my-bucket", "key": "big/file.bin", "partNumber": "1", "uploadId": "VXBsb2FkSUQ"}),
        ),
        common::record(
            "s3.amazonaws.com",
            "CompleteMultipartUpload",
            json!({"bucketName": "my-bucket", "key": "big/file.bin", "uploadId": "VXBsb2FkSUQ"}),
        ),
        common::record(
            "s3.amazonaws.com",
            "CopyObject",
            json!({"bucketName": "my-bucket", "key": "copy.txt", "x-amz-copy-source": "src-bucket/orig%20name.txt"}),
        ),
        common::record(
            "sqs.amazonaws.com",
            "SendMessage",
            json!({"queueUrl": "https://sqs.us-east-1.amazonaws.com/111122223333/jobs"}),
        ),
        common::record(
            "sqs.amazonaws.com",
            "SendMessage",
            json!({"queueUrl": "https://sqs.us-east-1.amazonaws.com/111122223333/jobs-json"}),
        ),
        common::record(
            "sns.amazonaws.com",
            "Publish",
            json!({"topicArn": "arn:aws:sns:us-east-1:111122223333:alerts"}),
        ),
        common::record(
            "dynamodb.amazonaws.com",
            "PutItem",
            json!({"tableName": "Music", "key": {"Artist": "No One"}}),
        ),
        common::record(
            "ssm.amazonaws.com",
            "GetParameter",
            json!({"name": "/app/db-host", "withDecryption": true}),
        ),
        common::record(
            "iam.amazonaws.com",
            "CreateRole",
            json!({"roleName": "deployer", "assumeRolePolicyDocument": "{}"}),
        ),
    ];
    assert_eq!(permissions(trail), want);
}

#[test]
fn failed_calls_carry_their_error() {
    let (_, r) = workload().swap_remove(8);
    let call = r.route().unwrap();
    let rec = record(
        &call,
        &Outcome {
            status: 400,
            headers: &[("x-amzn-RequestId", "REQ1")],
            body: br#"{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::111122223333:assumed-role/ci/build is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:111122223333:table/Music"}"#,
        },
        &who(),
        time(),
    );
    assert_eq!(rec["errorCode"], "AccessDeniedException");
    assert!(
        rec["errorMessage"]
            .as_str()
            .unwrap()
            .contains("not authorized")
    );
    assert_eq!(rec["requestID"], "REQ1");
    // A denied call is still a need (the `denied` failure class counts by default).
    assert!(permissions(vec![rec]).contains(&(
        "dynamodb:PutItem".into(),
        "arn:aws:dynamodb:us-east-1:111122223333:table/Music".into()
    )));
}

#[test]
fn no_secret_survives_into_a_record() {
    let secrets = [
        "s3cr3t-Str1ng",
        "SecureValue-42",
        "Hunter2-password",
        "IyEvYmluL2Jhc2gKdXNlcmRhdGE=",
        "UGxhaW50ZXh0LWtleQ==",
        "c3NlLWMta2V5LWJ5dGVz",
    ];
    let calls = vec![
        json_call(
            "secretsmanager",
            MOTO,
            "secretsmanager.CreateSecret",
            "1.1",
            json!({"Name": "db", "SecretString": secrets[0]}),
        ),
        json_call(
            "ssm",
            MOTO,
            "AmazonSSM.PutParameter",
            "1.1",
            json!({"Name": "/db/pass", "Type": "SecureString", "Value": secrets[1], "Tags": [{"Key": "k", "Value": "v"}]}),
        ),
        raw(
            "iam",
            "POST",
            MOTO,
            "/",
            &[FORM],
            format!("Action=CreateLoginProfile&Version=2010-05-08&UserName=bob&Password={}", secrets[2]).as_bytes(),
        ),
        raw(
            "ec2",
            "POST",
            MOTO,
            "/",
            &[FORM],
            format!("Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=1&MaxCount=1&UserData={}", secrets[3].replace('=', "%3D")).as_bytes(),
        ),
        json_call(
            "kms",
            MOTO,
            "TrentService.Encrypt",
            "1.1",
            json!({"KeyId": "alias/app", "Plaintext": secrets[4]}),
        ),
        raw(
            "s3",
            "PUT",
            "my-bucket.s3.us-east-1.amazonaws.com",
            "/k",
            &[
                ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
                ("x-amz-server-side-encryption-customer-key", secrets[5]),
            ],
            b"bytes",
        ),
    ];
    for r in &calls {
        let call = r.route().unwrap();
        let rec = record(
            &call,
            &Outcome {
                status: 200,
                ..Default::default()
            },
            &who(),
            time(),
        );
        let text = rec.to_string();
        for s in secrets.iter().chain([&TOKEN, &SIGNATURE]) {
            assert!(!text.contains(s), "{} leaks {s}: {text}", call.operation);
        }
        assert!(text.contains(HIDDEN), "{}: {text}", call.operation);
    }
    // The names stay, so a reader sees that the member was sent.
    let ssm = calls[1].route().unwrap();
    assert_eq!(ssm.parameters["value"], HIDDEN);
    assert_eq!(ssm.parameters["name"], "/db/pass");
    let s3 = calls[5].route().unwrap();
    assert_eq!(s3.operation, "PutObject");
    assert_eq!(s3.parameters["bucketName"], "my-bucket");
    assert_eq!(
        s3.parameters["x-amz-server-side-encryption-customer-key"],
        HIDDEN
    );
}

#[test]
fn the_most_specific_template_wins() {
    let op = |method, target: &str, extra: &[(&str, &str)]| {
        raw("s3", method, MOTO, target, extra, b"")
            .route()
            .unwrap()
            .operation
    };
    assert_eq!(op("GET", "/b/k", &[]), "GetObject");
    assert_eq!(op("GET", "/b/k?tagging", &[]), "GetObjectTagging");
    assert_eq!(op("GET", "/b?tagging", &[]), "GetBucketTagging");
    assert_eq!(op("GET", "/b", &[]), "ListObjects");
    assert_eq!(op("GET", "/b/", &[]), "ListObjects");
    assert_eq!(op("GET", "/b?list-type=2&prefix=a", &[]), "ListObjectsV2");
    assert_eq!(op("GET", "/", &[]), "ListBuckets");
    assert_eq!(op("HEAD", "/b/k", &[]), "HeadObject");
    assert_eq!(op("HEAD", "/b", &[]), "HeadBucket");
    assert_eq!(op("DELETE", "/b/k?uploadId=u", &[]), "AbortMultipartUpload");
    assert_eq!(op("POST", "/b?delete", &[]), "DeleteObjects");
    let copy_part = [("x-amz-copy-source", "a/b")];
    assert_eq!(
        op("PUT", "/b/k?partNumber=2&uploadId=u", &copy_part),
        "UploadPartCopy"
    );
    // S3 Control shares S3's signing name; its literal segments win over `/{Bucket}/{Key+}`.
    let control = raw(
        "s3",
        "GET",
        "111122223333.s3-control.us-east-1.amazonaws.com",
        "/v20180820/configuration/publicAccessBlock",
        &[("x-amz-account-id", "111122223333")],
        b"",
    )
    .route()
    .unwrap();
    assert_eq!(
        (control.service, control.operation.as_str()),
        ("s3control", "GetPublicAccessBlock")
    );
    assert_eq!(control.event_source, "s3.amazonaws.com");
    // Lambda's REST routes: a label between literals.
    let invoke = raw(
        "lambda",
        "POST",
        "lambda.us-east-1.amazonaws.com",
        "/2015-03-31/functions/my-fn/invocations",
        &[("X-Amz-Invocation-Type", "Event")],
        br#"{"secret": "payload"}"#,
    )
    .route()
    .unwrap();
    assert_eq!(invoke.operation, "Invoke");
    assert_eq!(invoke.parameters["functionName"], "my-fn");
    assert_eq!(invoke.parameters["invocationType"], "Event");
    assert!(
        !Value::Object(invoke.parameters)
            .to_string()
            .contains("payload")
    );
}

#[test]
fn virtual_hosted_and_presigned_s3_requests_route_like_path_style() {
    let virt = raw(
        "s3",
        "GET",
        "my-bucket.s3.us-west-2.amazonaws.com",
        "/dir/caf%C3%A9%20menu.pdf",
        &[],
        b"",
    )
    .route()
    .unwrap();
    assert_eq!(virt.operation, "GetObject");
    assert_eq!(virt.parameters["bucketName"], "my-bucket");
    assert_eq!(virt.parameters["key"], "dir/café menu.pdf");
    assert_eq!(
        virt.parameters["Host"],
        "my-bucket.s3.us-west-2.amazonaws.com"
    );
    // A presigned URL: the scope is in the query, and none of X-Amz-* is a parameter.
    let presigned = Request {
        method: "GET",
        host: "s3.amazonaws.com",
        path: "/my-bucket/report.csv",
        query: &format!(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={AKID}%2F20261204%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20261204T100000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Security-Token={TOKEN}&X-Amz-Signature={SIGNATURE}"
        ),
        ..Default::default()
    };
    let call = route(&presigned).unwrap();
    assert_eq!(
        (call.operation.as_str(), call.region.as_str()),
        ("GetObject", "eu-west-1")
    );
    assert_eq!(call.access_key_id, AKID);
    let text = Value::Object(call.parameters).to_string();
    assert!(!text.contains(TOKEN) && !text.contains(SIGNATURE), "{text}");
    // An absolute URI (a plain-HTTP proxy request) with the query attached.
    let absolute = raw(
        "s3",
        "GET",
        "",
        "http://localhost:5000/my-bucket?list-type=2&prefix=logs%2F",
        &[],
        b"",
    )
    .route()
    .unwrap();
    assert_eq!(absolute.operation, "ListObjectsV2");
    assert_eq!(absolute.parameters["prefix"], "logs/");
    assert_eq!(absolute.parameters["list-type"], "2");
}

#[test]
fn requests_that_are_not_aws_calls_say_why() {
    let plain = Request {
        method: "GET",
        host: "example.com",
        path: "/",
        ..Default::default()
    };
    assert_eq!(route(&plain), Err(RouteError::NotSigned));
    let unknown = raw("nosuchservice", "GET", MOTO, "/", &[], b"").route();
    assert_eq!(
        unknown,
        Err(RouteError::UnknownService("nosuchservice".into()))
    );
    let bad = Request {
        method: "GET",
        host: MOTO,
        path: "/",
        headers: &[(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/x, Signature=y",
        )],
        ..Default::default()
    };
    assert!(matches!(route(&bad), Err(RouteError::BadCredential(_))));
    let nothing = raw("s3", "PATCH", MOTO, "/b/k", &[], b"").route();
    assert!(matches!(nothing, Err(RouteError::UnknownOperation { .. })));
    // Smithy RPC v2 CBOR (newer SDKs): the operation from the path, no parameters.
    let cbor = raw(
        "monitoring",
        "POST",
        "monitoring.us-east-1.amazonaws.com",
        "/service/GraniteServiceVersion20100801/operation/PutMetricData",
        &[
            ("smithy-protocol", "rpc-v2-cbor"),
            ("Content-Type", "application/cbor"),
        ],
        &[0xbf, 0xff],
    )
    .route()
    .unwrap();
    assert_eq!(
        (cbor.service, cbor.operation.as_str(), cbor.protocol),
        ("cloudwatch", "PutMetricData", Protocol::Cbor)
    );
    assert_eq!(cbor.event_source, "monitoring.amazonaws.com");
    // Garbage bodies are no panic: the call routes, with what could be read.
    let junk = json_call(
        "dynamodb",
        MOTO,
        "DynamoDB_20120810.PutItem",
        "1.0",
        json!(1),
    );
    assert_eq!(junk.route().unwrap().operation, "PutItem");
}

proptest::proptest! {
    /// Whatever arrives, routing and recording never panic.
    #[test]
    fn arbitrary_requests_never_panic(
        method in "(GET|PUT|POST|HEAD|DELETE|[A-Z]{0,6})",
        host in "[a-z0-9.:-]{0,40}",
        path in "(/[a-zA-Z0-9%+._~{}-]{0,12}){0,5}(\\?[a-z=&.%0-9]{0,30})?",
        service in "(s3|sqs|iam|dynamodb|lambda|ec2|s3control|monitoring|[a-z]{1,8})",
        target in proptest::option::of("[A-Za-z_0-9.]{0,30}"),
        form in proptest::bool::ANY,
        body in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
        text_body in "[<>/a-zA-Z.=&%0-9{}\":,\\[\\]]{0,200}",
        status in 100u16..600,
    ) {
        let mut extra: Vec<(&str, &str)> = Vec::new();
        if let Some(t) = &target {
            extra.push(("X-Amz-Target", t));
        }
        if form {
            extra.push(FORM);
        }
        for b in [body.as_slice(), text_body.as_bytes()] {
            let mut r = raw(&service, "GET", "", &path, &extra, b);
            r.method = method.clone();
            r.host = host.clone();
            if let Ok(call) = r.route() {
                let rec = record(&call, &Outcome { status, headers: &[], body: b }, &who(), time());
                proptest::prop_assert!(!rec.to_string().contains(TOKEN));
            }
        }
    }
}

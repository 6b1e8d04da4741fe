//! The curated map: every line is well-formed and names only what the IAM catalog knows,
//! and each gap category the map fills has a test that fails if it breaks.

mod common;
use common::record;

use iamtrail::catalog::curated::curated;
use iamtrail::decode::Decoder;
use iamtrail::map::{FailureClass, Mapper, Need, Outcome, Unmapped};
use serde_json::{Value, json};

/// Maps one record; returns the outcome and the needs as `action resource [cond]` strings.
fn map(rec: Value) -> (Outcome, Vec<String>) {
    let mut buf = json!({ "Records": [rec] }).to_string().into_bytes();
    let mut needs: Vec<Need> = Vec::new();
    let mut outcome = None;
    let mut m = Mapper::new(&FailureClass::DEFAULT);
    Decoder::default()
        .decode(&mut buf, &mut |_, r| {
            let (o, found) = m.map(&r.unwrap());
            outcome = Some(o);
            needs.extend(found.iter().map(|n| n.to_need()));
        })
        .unwrap();
    let mut out: Vec<String> = needs
        .iter()
        .map(|n| &n.permission)
        .map(|n| match &n.condition {
            Some(c) => format!("{} {} [{}={}]", n.action, n.resource, c.key, c.value),
            None => format!("{} {}", n.action, n.resource),
        })
        .collect();
    out.sort();
    out.dedup();
    (outcome.unwrap(), out)
}

fn needs(source: &str, name: &str, params: Value) -> Vec<String> {
    let (o, n) = map(record(source, name, params));
    assert_eq!(o, Outcome::Mapped, "{source} {name}");
    n
}

#[test]
fn every_curated_line_is_valid_and_known_to_the_catalog() {
    let c = curated();
    assert!(
        c.problems().is_empty(),
        "curated map problems:\n{}",
        c.problems().join("\n")
    );
    assert!(c.entries() >= 150, "only {} curated entries", c.entries());
    let passrole_services: std::collections::BTreeSet<&str> = c
        .passrole
        .keys()
        .map(|k| k.split(':').next().unwrap())
        .collect();
    assert!(
        passrole_services.len() >= 15,
        "PassRole inference covers {} services",
        passrole_services.len()
    );
    assert!(
        c.passrole
            .values()
            .flatten()
            .all(|r| r.service.ends_with(".amazonaws.com"))
    );
}

#[test]
fn renamed_services() {
    assert_eq!(
        needs(
            "monitoring.amazonaws.com",
            "PutMetricAlarm",
            json!({"alarmName": "errors"})
        ),
        ["cloudwatch:PutMetricAlarm arn:aws:cloudwatch:us-east-1:111122223333:alarm:errors"]
    );
    assert_eq!(
        iamtrail::map::prefix_of("tagging.amazonaws.com"),
        Some("tag")
    );
}

#[test]
fn versioned_event_names() {
    assert_eq!(
        needs(
            "lambda.amazonaws.com",
            "UpdateFunctionConfiguration20150331v2",
            json!({"functionName": "api"})
        ),
        ["lambda:UpdateFunctionConfiguration arn:aws:lambda:us-east-1:111122223333:function:api"]
    );
    assert_eq!(
        needs("lambda.amazonaws.com", "ListFunctions20150331", json!({})),
        ["lambda:ListFunctions *"]
    );
    assert_eq!(
        needs(
            "cloudfront.amazonaws.com",
            "ListDistributions2020_05_31",
            json!({})
        ),
        ["cloudfront:ListDistributions *"]
    );
}

#[test]
fn s3_data_events_and_bucket_subresources() {
    let b = json!({"bucketName": "b", "key": "k/x.txt"});
    assert_eq!(
        needs("s3.amazonaws.com", "HeadObject", b.clone()),
        ["s3:GetObject arn:aws:s3:::b/k/x.txt"]
    );
    assert_eq!(
        needs("s3.amazonaws.com", "UploadPart", b.clone()),
        ["s3:PutObject arn:aws:s3:::b/k/x.txt"]
    );
    assert_eq!(
        needs(
            "s3.amazonaws.com",
            "ListObjects",
            json!({"bucketName": "b", "list-type": "2"})
        ),
        ["s3:ListBucket arn:aws:s3:::b"]
    );
    assert_eq!(
        needs("s3.amazonaws.com", "ListBuckets", json!({})),
        ["s3:ListAllMyBuckets *"]
    );
    assert_eq!(
        needs(
            "s3.amazonaws.com",
            "GetBucketEncryption",
            json!({"bucketName": "b"})
        ),
        ["s3:GetEncryptionConfiguration arn:aws:s3:::b"]
    );
    assert_eq!(
        needs(
            "s3.amazonaws.com",
            "DeleteObjects",
            json!({"bucketName": "b", "delete": ""})
        ),
        ["s3:DeleteObject arn:aws:s3:::b/*"]
    );
    assert_eq!(
        needs(
            "s3.amazonaws.com",
            "CopyObject",
            json!({"bucketName": "dst", "key": "new.txt", "x-amz-copy-source": "src/dir%2Fold%2A.txt?versionId=1"})
        ),
        [
            "s3:GetObject arn:aws:s3:::src/dir/old${*}.txt",
            "s3:PutObject arn:aws:s3:::dst/new.txt"
        ]
    );
    // The console's Storage Lens dashboard call, as real records show it.
    assert_eq!(
        needs(
            "s3.amazonaws.com",
            "GetStorageLensDashboardDataInternal",
            json!({"configurationARN": "arn:aws:s3:us-east-1:123837392027:storage-lens/default-account-dashboard"})
        ),
        [
            "s3:GetStorageLensDashboard arn:aws:s3:us-east-1:123837392027:storage-lens/default-account-dashboard"
        ]
    );
}

#[test]
fn events_that_need_no_permission() {
    for (src, name) in [
        ("sts.amazonaws.com", "GetCallerIdentity"),
        ("signin.amazonaws.com", "ConsoleLogin"),
        ("sts.amazonaws.com", "AssumeRoleWithWebIdentity"),
    ] {
        let (o, n) = map(record(src, name, json!({})));
        assert!(matches!(o, Outcome::Free(_)), "{src} {name}: {o:?}");
        assert!(n.is_empty());
    }
}

#[test]
fn one_event_needing_several_actions() {
    // DynamoDB transactions are authorized per operation (content rule).
    let n = needs(
        "dynamodb.amazonaws.com",
        "TransactWriteItems",
        json!({"requestItems": [{"operation": "Put", "tableName": "t"}, {"operation": "ConditionCheck", "tableName": "u"}]}),
    );
    assert_eq!(
        n,
        [
            "dynamodb:ConditionCheckItem arn:aws:dynamodb:us-east-1:111122223333:table/u",
            "dynamodb:PutItem arn:aws:dynamodb:us-east-1:111122223333:table/t"
        ]
    );
    // A curated multi-action line.
    let multi: Vec<_> = curated()
        .events
        .values()
        .filter_map(|r| match r {
            iamtrail::catalog::curated::EventRule::Actions { actions, .. } if actions.len() > 1 => {
                Some(actions.len())
            }
            _ => None,
        })
        .collect();
    assert!(
        multi.len() >= 5,
        "curated multi-action events: {}",
        multi.len()
    );
}

#[test]
fn passrole_is_inferred_with_passed_to_service() {
    let n = needs(
        "lambda.amazonaws.com",
        "CreateFunction20150331",
        json!({"functionName": "f", "role": "arn:aws:iam::111122223333:role/exec"}),
    );
    assert!(n.contains(&"iam:PassRole arn:aws:iam::111122223333:role/exec [iam:PassedToService=lambda.amazonaws.com]".to_string()), "{n:?}");
    let n = needs(
        "ecs.amazonaws.com",
        "RegisterTaskDefinition",
        json!({"family": "w", "taskRoleArn": "arn:aws:iam::111122223333:role/task", "executionRoleArn": "arn:aws:iam::111122223333:role/exec"}),
    );
    assert!(n.contains(&"iam:PassRole arn:aws:iam::111122223333:role/task [iam:PassedToService=ecs-tasks.amazonaws.com]".to_string()), "{n:?}");
    assert!(n.contains(&"iam:PassRole arn:aws:iam::111122223333:role/exec [iam:PassedToService=ecs-tasks.amazonaws.com]".to_string()), "{n:?}");
    // An instance profile names no role: scoped to the account's roles, never `*`.
    let n = needs(
        "ec2.amazonaws.com",
        "RunInstances",
        json!({"iamInstanceProfile": {"name": "web"}, "instancesSet": {"items": [{"imageId": "ami-1"}]}}),
    );
    assert!(n.contains(&"iam:PassRole arn:aws:iam::111122223333:role/* [iam:PassedToService=ec2.amazonaws.com]".to_string()), "{n:?}");
    assert!(
        !n.iter()
            .any(|x| x.starts_with("iam:PassRole arn:aws:iam::111122223333:role/web")),
        "{n:?}"
    );
}

#[test]
fn calls_made_on_the_principal_s_behalf_still_need_its_permission() {
    let mut r = record(
        "kms.amazonaws.com",
        "Decrypt",
        json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
    );
    r["userIdentity"]["invokedBy"] = json!("s3.amazonaws.com");
    r["resources"] =
        json!([{"ARN": "arn:aws:kms:us-east-1:111122223333:key/k1", "type": "AWS::KMS::Key"}]);
    let (o, n) = map(r);
    assert_eq!(o, Outcome::Mapped);
    assert_eq!(n, ["kms:Decrypt arn:aws:kms:us-east-1:111122223333:key/k1"]);
}

#[test]
fn events_written_by_aws_itself_need_nothing() {
    let mut r = record(
        "sts.amazonaws.com",
        "AssumeRole",
        json!({"roleArn": "arn:aws:iam::111122223333:role/ci"}),
    );
    r["userIdentity"] = json!({"type": "AWSService", "invokedBy": "codebuild.amazonaws.com"});
    let sel = iamtrail::select::Selection::default();
    let mut buf = json!({"Records": [r]}).to_string().into_bytes();
    let mut reason = None;
    Decoder::default()
        .decode(&mut buf, &mut |_, rec| {
            reason = sel.check(&rec.unwrap()).err()
        })
        .unwrap();
    assert_eq!(reason, Some(iamtrail::select::FilterReason::AwsService));
}

#[test]
fn tag_on_create_only_when_tags_are_sent() {
    let with = needs(
        "sqs.amazonaws.com",
        "CreateQueue",
        json!({"queueName": "jobs", "tags": {"team": "ci"}}),
    );
    assert_eq!(
        with,
        [
            "sqs:CreateQueue arn:aws:sqs:us-east-1:111122223333:jobs",
            "sqs:TagQueue arn:aws:sqs:us-east-1:111122223333:jobs"
        ]
    );
    let without = needs(
        "sqs.amazonaws.com",
        "CreateQueue",
        json!({"queueName": "jobs"}),
    );
    assert_eq!(
        without,
        ["sqs:CreateQueue arn:aws:sqs:us-east-1:111122223333:jobs"]
    );
}

#[test]
fn unknown_events_are_reported_never_invented() {
    let (o, n) = map(record(
        "s3.amazonaws.com",
        "GetBucketConsoleInternalThing",
        json!({}),
    ));
    assert_eq!(o, Outcome::Unmapped(Unmapped::UnknownAction("s3")));
    assert!(n.is_empty());
    let (o, _) = map(record("made-up.amazonaws.com", "DoIt", json!({})));
    assert_eq!(o, Outcome::Unmapped(Unmapped::UnknownService));
}

#[test]
fn failed_calls_follow_their_class() {
    let mut r = record(
        "sqs.amazonaws.com",
        "SendMessage",
        json!({"queueUrl": "https://sqs.us-east-1.amazonaws.com/111122223333/q"}),
    );
    r["errorCode"] = json!("ValidationException");
    assert_eq!(
        map(r.clone()).0,
        Outcome::FailedNotCounted(FailureClass::Malformed)
    );
    r["errorCode"] = json!("AccessDenied");
    assert_eq!(map(r).0, Outcome::Mapped);
}

#[test]
fn resources_for_the_core_services() {
    let a = "111122223333";
    for (src, name, params, want) in [
        (
            "iam.amazonaws.com",
            "GetRole",
            json!({"roleName": "r"}),
            format!("iam:GetRole arn:aws:iam::{a}:role/r"),
        ),
        (
            "sts.amazonaws.com",
            "AssumeRole",
            json!({"roleArn": "arn:aws:iam::444455556666:role/x", "roleSessionName": "s"}),
            "sts:AssumeRole arn:aws:iam::444455556666:role/x".into(),
        ),
        (
            "dynamodb.amazonaws.com",
            "GetItem",
            json!({"tableName": "t"}),
            format!("dynamodb:GetItem arn:aws:dynamodb:us-east-1:{a}:table/t"),
        ),
        (
            "sqs.amazonaws.com",
            "ReceiveMessage",
            json!({"queueUrl": "https://sqs.us-west-2.amazonaws.com/444455556666/q"}),
            "sqs:ReceiveMessage arn:aws:sqs:us-west-2:444455556666:q".into(),
        ),
        (
            "sns.amazonaws.com",
            "Publish",
            json!({"topicArn": format!("arn:aws:sns:us-east-1:{a}:t")}),
            format!("sns:Publish arn:aws:sns:us-east-1:{a}:t"),
        ),
        (
            "logs.amazonaws.com",
            "CreateLogStream",
            json!({"logGroupName": "/g", "logStreamName": "s"}),
            format!("logs:CreateLogStream arn:aws:logs:us-east-1:{a}:log-group:/g:log-stream:s"),
        ),
        (
            "cloudformation.amazonaws.com",
            "DescribeStackEvents",
            json!({"stackName": "app"}),
            format!(
                "cloudformation:DescribeStackEvents arn:aws:cloudformation:us-east-1:{a}:stack/app/*"
            ),
        ),
        (
            "ecr.amazonaws.com",
            "BatchGetImage",
            json!({"repositoryName": "app"}),
            format!("ecr:BatchGetImage arn:aws:ecr:us-east-1:{a}:repository/app"),
        ),
        (
            "ssm.amazonaws.com",
            "GetParameter",
            json!({"name": "/a/b"}),
            format!("ssm:GetParameter arn:aws:ssm:us-east-1:{a}:parameter/a/b"),
        ),
        (
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            json!({"secretId": "db"}),
            format!(
                "secretsmanager:GetSecretValue arn:aws:secretsmanager:us-east-1:{a}:secret:db-??????"
            ),
        ),
        (
            "codebuild.amazonaws.com",
            "StartBuild",
            json!({"projectName": "p"}),
            format!("codebuild:StartBuild arn:aws:codebuild:us-east-1:{a}:project/p"),
        ),
        (
            "events.amazonaws.com",
            "PutRule",
            json!({"name": "nightly"}),
            format!("events:PutRule arn:aws:events:us-east-1:{a}:rule/nightly"),
        ),
        (
            "ecs.amazonaws.com",
            "DescribeServices",
            json!({"cluster": "c", "services": ["s"]}),
            format!("ecs:DescribeServices arn:aws:ecs:us-east-1:{a}:service/c/s"),
        ),
        (
            "ec2.amazonaws.com",
            "StopInstances",
            json!({"instancesSet": {"items": [{"instanceId": "i-1"}]}}),
            format!("ec2:StopInstances arn:aws:ec2:us-east-1:{a}:instance/i-1"),
        ),
        (
            "kms.amazonaws.com",
            "DescribeKey",
            json!({"keyId": "1234abcd"}),
            format!("kms:DescribeKey arn:aws:kms:us-east-1:{a}:key/1234abcd"),
        ),
        (
            "lambda.amazonaws.com",
            "GetFunction20150331v2",
            json!({"functionName": format!("arn:aws:lambda:us-east-1:{a}:function:f")}),
            format!("lambda:GetFunction arn:aws:lambda:us-east-1:{a}:function:f"),
        ),
        (
            "s3.amazonaws.com",
            "GetObject",
            json!({"bucketName": "b", "key": "a?b"}),
            "s3:GetObject arn:aws:s3:::b/a${?}b".into(),
        ),
    ] {
        let n = needs(src, name, params);
        assert!(n.contains(&want), "{src} {name}: want {want}, got {n:?}");
    }
}

//! `audit external --live` against moto_server: the resources of each listed type with
//! their verdicts, one entry per resource; AccessDenied on one resource reported for it
//! while the scan goes on; a clear error without credentials.

mod common;

use common::moto::Moto;
use common::{stderr, stdout};
use serde_json::Value;

/// Runs `iamtrail` with an AWS environment of its own (no profile files, no instance
/// metadata): `creds` gives the moto credentials.
fn iamtrail_env(args: &[&str], home: &std::path::Path, creds: bool) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_iamtrail"));
    cmd.args(args)
        .current_dir(common::root())
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env("NO_COLOR", "1");
    for v in [
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ] {
        cmd.env_remove(v);
    }
    if creds {
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
    }
    cmd.output().expect("run iamtrail")
}

/// Creates, through boto3 on moto: a public bucket, the same in eu-west-1, a bucket with
/// the same policy and RestrictPublicBuckets, a private bucket, a queue shared with another account, a
/// queue in us-west-2, a public topic, a role trusting GitHub without `sub`, a KMS key (default policy) and a
/// Lambda function with a public function-URL permission and a function URL with AuthType
/// NONE, one with such a URL and no policy, one with an AWS_IAM URL; a secret shared with another
/// account and one without a policy, a public ECR repository and one without a policy, an
/// EFS file system with a public policy and one without, a DynamoDB table shared with another
/// account and one without a policy (moto implements GetResourcePolicy for Secrets Manager and
/// DynamoDB, GetRepositoryPolicy and DescribeFileSystemPolicy).
const SETUP: &str = r#"
import json, sys, io, zipfile, boto3
ep = sys.argv[1]
kw = dict(endpoint_url=ep, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
s3 = boto3.client("s3", **kw)
pub = {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}
for b in ["public-site", "restricted-site", "private-data"]:
    s3.create_bucket(Bucket=b)
for b in ["public-site", "restricted-site"]:
    s3.put_bucket_policy(Bucket=b, Policy=json.dumps(pub).replace("%s", b))
s3.create_bucket(Bucket="eu-site", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
boto3.client("s3", **dict(kw, region_name="eu-west-1")).put_bucket_policy(Bucket="eu-site", Policy=json.dumps(pub).replace("%s", "eu-site"))
s3.put_public_access_block(Bucket="restricted-site", PublicAccessBlockConfiguration={"BlockPublicAcls":True,"IgnorePublicAcls":True,"BlockPublicPolicy":True,"RestrictPublicBuckets":True})
sqs = boto3.client("sqs", **kw)
q = sqs.create_queue(QueueName="orders")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sqs.set_queue_attributes(QueueUrl=q, Attributes={"Policy": json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sqs:SendMessage","Resource":arn}]})})
boto3.client("sqs", **dict(kw, region_name="us-west-2")).create_queue(QueueName="west")
sns = boto3.client("sns", **kw)
t = sns.create_topic(Name="events")["TopicArn"]
sns.set_topic_attributes(TopicArn=t, AttributeName="Policy", AttributeValue=json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sns:Subscribe","Resource":t}]}))
iam = boto3.client("iam", **kw)
acct = boto3.client("sts", **kw).get_caller_identity()["Account"]
trust = {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com" % acct},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}]}
role = iam.create_role(RoleName="deploy", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
boto3.client("kms", **kw).create_key(Description="data")
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("index.py", "def handler(e, c):\n    return 1\n")
lam = boto3.client("lambda", **kw)
lam.create_function(FunctionName="web", Runtime="python3.12", Role=role, Handler="index.handler", Code={"ZipFile": buf.getvalue()})
lam.add_permission(FunctionName="web", StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*", FunctionUrlAuthType="NONE")
lam.create_function_url_config(FunctionName="web", AuthType="NONE")
lam.create_function(FunctionName="closed", Runtime="python3.12", Role=role, Handler="index.handler", Code={"ZipFile": buf.getvalue()})
lam.create_function_url_config(FunctionName="closed", AuthType="NONE")
lam.create_function(FunctionName="signed", Runtime="python3.12", Role=role, Handler="index.handler", Code={"ZipFile": buf.getvalue()})
lam.create_function_url_config(FunctionName="signed", AuthType="AWS_IAM")
sm = boto3.client("secretsmanager", **kw)
s = sm.create_secret(Name="db-password", SecretString="x")["ARN"]
sm.put_resource_policy(SecretId=s, ResourcePolicy=json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}))
sm.create_secret(Name="plain", SecretString="y")
ecr = boto3.client("ecr", **kw)
ecr.create_repository(repositoryName="images")
ecr.set_repository_policy(repositoryName="images", policyText=json.dumps({"Version":"2012-10-17","Statement":[{"Sid":"pull","Effect":"Allow","Principal":"*","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}))
ecr.create_repository(repositoryName="private-images")
efs = boto3.client("efs", **kw)
fs = efs.create_file_system(CreationToken="shared")
efs.put_file_system_policy(FileSystemId=fs["FileSystemId"], Policy=json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"elasticfilesystem:ClientMount","Resource":fs["FileSystemArn"]}]}))
efs.create_file_system(CreationToken="quiet")
ddb = boto3.client("dynamodb", **kw)
schema = dict(KeySchema=[{"AttributeName":"k","KeyType":"HASH"}], AttributeDefinitions=[{"AttributeName":"k","AttributeType":"S"}], BillingMode="PAY_PER_REQUEST")
t = ddb.create_table(TableName="ledger", **schema)["TableDescription"]["TableArn"]
ddb.put_resource_policy(ResourceArn=t, Policy=json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"dynamodb:GetItem","Resource":t}]}))
ddb.create_table(TableName="scratch", **schema)
print(acct)
"#;

/// Runs a boto3 setup `script` against moto with `args` and returns what it printed;
/// fails the test with the script's stderr when it does not succeed.
fn setup(moto: &Moto, script: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(moto.python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run the setup script");
    assert!(
        out.status.success(),
        "setup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `audit external --live --json` against moto at `ep`, for one resource type.
fn live_json(ep: &str, home: &std::path::Path, kind: &str) -> std::process::Output {
    iamtrail_env(
        &[
            "audit",
            "external",
            "--live",
            "--endpoint-url",
            ep,
            "--resource-type",
            kind,
            "--json",
        ],
        home,
        true,
    )
}

#[test]
fn live_against_moto_one_entry_per_resource() {
    let moto = Moto::start();
    let account = setup(&moto, SETUP, &[&moto.endpoint()]).trim().to_string();
    let home = tempfile::tempdir().unwrap();
    let ep = moto.endpoint();
    let out = iamtrail_env(
        &[
            "audit",
            "external",
            "--live",
            "--endpoint-url",
            &ep,
            "--json",
        ],
        home.path(),
        true,
    );
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let verdicts: std::collections::BTreeMap<String, String> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(r.get("error").is_none(), "{r}");
            (
                r["resource"].as_str().unwrap().to_string(),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = |arn: &str, verdict: &str| {
        assert_eq!(
            verdicts.get(arn).map(String::as_str),
            Some(verdict),
            "{arn}: {verdicts:#?}"
        );
    };
    want("arn:aws:s3:::public-site", "public");
    // Read in its own region.
    want("arn:aws:s3:::eu-site", "public");
    let eu = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "arn:aws:s3:::eu-site")
        .unwrap();
    assert_eq!(eu["source"], "eu-west-1");
    want("arn:aws:s3:::restricted-site", "internal");
    want("arn:aws:s3:::private-data", "internal");
    want(
        &format!("arn:aws:sqs:us-east-1:{account}:orders"),
        "external",
    );
    want(&format!("arn:aws:sns:us-east-1:{account}:events"), "public");
    want(&format!("arn:aws:iam::{account}:role/deploy"), "public");
    want(
        &format!("arn:aws:lambda:us-east-1:{account}:function:web"),
        "public",
    );
    // Function URLs (GetFunctionUrlConfig), judged with the policy: "Control access to
    // Lambda function URLs": with AuthType NONE "your function's resource-based policy is
    // always in effect and must grant public access before your function URL can receive
    // requests".
    let lambda = |name: &str| {
        v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["resource"] == format!("arn:aws:lambda:us-east-1:{account}:function:{name}")
            })
            .unwrap_or_else(|| panic!("{name}: {v}"))
            .clone()
    };
    let notes = |r: &Value| r["notes"].to_string();
    let web = lambda("web");
    assert_eq!(web["function_url"]["auth_type"], "NONE", "{web}");
    assert!(
        web["function_url"]["url"]
            .as_str()
            .unwrap()
            .starts_with("http"),
        "{web}"
    );
    assert!(
        notes(&web).contains("anyone on the internet can invoke it"),
        "{web}"
    );
    let closed = lambda("closed");
    assert_eq!(closed["verdict"], "internal");
    assert_eq!(closed["function_url"]["auth_type"], "NONE");
    assert!(
        notes(&closed).contains("the URL refuses requests"),
        "{closed}"
    );
    let signed = lambda("signed");
    assert_eq!(signed["function_url"]["auth_type"], "AWS_IAM");
    assert!(notes(&signed).contains("AuthType AWS_IAM"), "{signed}");
    let kms: Vec<&String> = verdicts
        .keys()
        .filter(|k| k.starts_with("arn:aws:kms:"))
        .collect();
    assert_eq!(kms.len(), 1, "{verdicts:#?}");
    want(kms[0], "internal");
    // Secrets Manager, ECR, EFS, DynamoDB: a resource without a policy is internal.
    let find = |prefix: &str| -> Vec<(String, String)> {
        verdicts
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let secrets = find(&format!(
        "arn:aws:secretsmanager:us-east-1:{account}:secret:"
    ));
    assert_eq!(secrets.len(), 2, "{verdicts:#?}");
    for (arn, verdict) in &secrets {
        let want = if arn.contains(":secret:db-password-") {
            "external"
        } else {
            "internal"
        };
        assert_eq!(verdict, want, "{arn}");
    }
    want(
        &format!("arn:aws:ecr:us-east-1:{account}:repository/images"),
        "public",
    );
    want(
        &format!("arn:aws:ecr:us-east-1:{account}:repository/private-images"),
        "internal",
    );
    let fs = find(&format!(
        "arn:aws:elasticfilesystem:us-east-1:{account}:file-system/"
    ));
    assert_eq!(fs.len(), 2, "{verdicts:#?}");
    let mut fs_verdicts: Vec<&str> = fs.iter().map(|(_, v)| v.as_str()).collect();
    fs_verdicts.sort();
    assert_eq!(fs_verdicts, ["internal", "public"], "{fs:#?}");
    want(
        &format!("arn:aws:dynamodb:us-east-1:{account}:table/ledger"),
        "external",
    );
    want(
        &format!("arn:aws:dynamodb:us-east-1:{account}:table/scratch"),
        "internal",
    );
    // The text form: one line per resource, the credentials' account trusted.
    let out = iamtrail_env(
        &[
            "audit",
            "external",
            "--live",
            "--endpoint-url",
            &ep,
            "--resource-type",
            "sqs",
        ],
        home.path(),
        true,
    );
    let text = stdout(&out);
    assert!(text.starts_with("external  arn:aws:sqs:"), "{text}");
    assert!(
        text.contains("444455556666 (AWS): sqs:SendMessage"),
        "{text}"
    );
}

#[test]
fn live_without_credentials_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let out = iamtrail_env(
        &[
            "audit",
            "external",
            "--live",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ],
        home.path(),
        false,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("sts:GetCallerIdentity") && err.contains("credentials"),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
}

/// Runs `iamtrail` as a moto user (`id`, `secret`).
fn iamtrail_as(
    args: &[&str],
    home: &std::path::Path,
    id: &str,
    secret: &str,
) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_iamtrail"));
    cmd.args(args)
        .current_dir(common::root())
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", id)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL");
    cmd.output().expect("run iamtrail")
}

#[test]
fn live_access_denied_on_one_resource_is_reported_and_the_scan_goes_on() {
    // moto checks IAM policies once its first 7 (setup) calls are done.
    let moto = Moto::start_with_env(&[("INITIAL_NO_AUTH_ACTION_COUNT", "7")]);
    let script = r#"
import boto3, json, sys
kw = dict(endpoint_url=sys.argv[1], aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
s3, iam = boto3.client("s3", **kw), boto3.client("iam", **kw)
for b in ["public-site", "secret-bucket"]:
    s3.create_bucket(Bucket=b)
    s3.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*" % b}]}))
iam.create_user(UserName="auditor")
k = iam.create_access_key(UserName="auditor")["AccessKey"]
iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=json.dumps({"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":"*","Resource":"*"},
    {"Effect":"Deny","Action":"s3:GetBucketPolicy","Resource":"arn:aws:s3:::secret-bucket"}]}))
print(k["AccessKeyId"], k["SecretAccessKey"])
"#;
    let keys = setup(&moto, script, &[&moto.endpoint()]);
    let (id, secret) = keys.trim().split_once(' ').unwrap();
    let home = tempfile::tempdir().unwrap();
    let ep = moto.endpoint();
    let args = [
        "audit",
        "external",
        "--live",
        "--endpoint-url",
        &ep,
        "--resource-type",
        "s3",
        "--json",
    ];
    let out = iamtrail_as(&args, home.path(), id, secret);
    let v: Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let rs = v["resources"].as_array().unwrap();
    assert_eq!(rs.len(), 2, "{v}");
    assert_eq!(rs[0]["resource"], "arn:aws:s3:::public-site");
    assert_eq!(rs[0]["verdict"], "public");
    assert_eq!(rs[1]["resource"], "arn:aws:s3:::secret-bucket");
    assert!(
        rs[1]["error"].as_str().unwrap().contains("AccessDenied"),
        "{v}"
    );
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 could not be read"),
        "{}",
        stderr(&out)
    );
}

/// The account's Block Public Access (S3 Control GetPublicAccessBlock) applies to every
/// bucket: "Configuring block public access settings for your S3 buckets": "S3 applies
/// the most restrictive setting between bucket-level and effective account-level
/// configurations". With RestrictPublicBuckets on for the account, a bucket whose policy
/// is public and which has no settings of its own is not public ("Blocking public access
/// to your Amazon S3 storage", RestrictPublicBuckets: only service principals and
/// authorized users within the bucket owner's account keep access); turned off, it is.
#[test]
fn live_account_block_public_access_restricts_every_bucket() {
    let moto = Moto::start();
    let script = r#"
import json, sys, boto3
ep, restrict = sys.argv[1], sys.argv[2] == "on"
kw = dict(endpoint_url=ep, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
s3 = boto3.client("s3", **kw)
acct = boto3.client("sts", **kw).get_caller_identity()["Account"]
if not s3.list_buckets()["Buckets"]:
    s3.create_bucket(Bucket="open-site")
    s3.put_bucket_policy(Bucket="open-site", Policy=json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::open-site/*"}]}))
# S3 Control addresses ACCOUNT.HOST; moto is served at the endpoint as given.
ctl = boto3.client("s3control", **kw)
def as_given(request, **_):
    request.url = request.url.replace("//%s." % acct, "//", 1)
ctl.meta.events.register("before-sign.s3-control.PutPublicAccessBlock", as_given)
ctl.put_public_access_block(AccountId=acct, PublicAccessBlockConfiguration={"BlockPublicAcls":False,"IgnorePublicAcls":False,"BlockPublicPolicy":restrict,"RestrictPublicBuckets":restrict})
"#;
    let home = tempfile::tempdir().unwrap();
    let ep = moto.endpoint();
    let verdict = |restrict: &str| -> Value {
        setup(&moto, script, &[&ep, restrict]);
        let out = live_json(&ep, home.path(), "s3");
        let v: Value =
            serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
        let rs = v["resources"].as_array().unwrap();
        assert_eq!(rs.len(), 1, "{v}");
        assert_eq!(rs[0]["resource"], "arn:aws:s3:::open-site");
        rs[0].clone()
    };
    let on = verdict("on");
    assert_eq!(on["verdict"], "internal", "{on}");
    assert_eq!(on["findings"][0]["status"], "blocked", "{on}");
    assert!(
        on["notes"].to_string().contains(
            "the account's Block Public Access has BlockPublicPolicy, RestrictPublicBuckets on"
        ),
        "{on}"
    );
    let off = verdict("off");
    assert_eq!(off["verdict"], "public", "{off}");
    assert!(
        !off["notes"].to_string().contains("account's Block"),
        "{off}"
    );
}

/// Bucket ACLs read live (GetBucketAcl): "Blocking public access to your Amazon S3
/// storage", The meaning of "public": an ACL is public "if it grants any permissions to
/// members of the predefined AllUsers or AuthenticatedUsers groups"; IgnorePublicAcls
/// makes S3 ignore public ACLs. A bucket with no policy and a public-read ACL is public
/// (READ on a bucket: listing it); the same under IgnorePublicAcls is not; a private
/// ACL adds nothing.
#[test]
fn live_public_bucket_acl_is_public_unless_ignored() {
    let moto = Moto::start();
    let script = r#"
import sys, boto3
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
s3 = boto3.client("s3", **kw)
for b, acl in [("acl-open", "public-read"), ("acl-ignored", "authenticated-read"), ("acl-private", "private")]:
    s3.create_bucket(Bucket=b)
    s3.put_bucket_acl(Bucket=b, ACL=acl)
s3.put_public_access_block(Bucket="acl-ignored", PublicAccessBlockConfiguration={"BlockPublicAcls":False,"IgnorePublicAcls":True,"BlockPublicPolicy":False,"RestrictPublicBuckets":False})
"#;
    let ep = moto.endpoint();
    setup(&moto, script, &[&ep]);
    let home = tempfile::tempdir().unwrap();
    let out = live_json(&ep, home.path(), "s3");
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rs = v["resources"].as_array().unwrap();
    let get = |name: &str| {
        rs.iter()
            .find(|r| r["resource"] == format!("arn:aws:s3:::{name}"))
            .unwrap_or_else(|| panic!("{name}: {v}"))
    };
    let open = get("acl-open");
    assert_eq!(open["verdict"], "public", "{open}");
    assert_eq!(open["external_principals"], serde_json::json!(["*"]));
    let f = &open["findings"][0];
    assert_eq!(f["principal"], "AllUsers");
    assert_eq!(f["kind"], "Group");
    assert!(
        f["actions"]
            .as_array()
            .unwrap()
            .contains(&"s3:ListBucket".into()),
        "{f}"
    );
    let ignored = get("acl-ignored");
    assert_eq!(ignored["verdict"], "internal", "{ignored}");
    assert_eq!(ignored["findings"][0]["principal"], "AuthenticatedUsers");
    assert_eq!(ignored["findings"][0]["status"], "blocked");
    let private = get("acl-private");
    assert_eq!(private["verdict"], "internal", "{private}");
    assert!(private["findings"].as_array().unwrap().is_empty());
}

//! The message shapes the text scanner knows, as data: each row names its producer family,
//! the literal marker(s) the scanner looks for, the reader that takes the message apart
//! from there, an example, and the fixture in `tests/fixtures/denied/` that shows it (with
//! the fixture's source, as the README there records).
//!
//! Adding a shape is a row here plus a fixture; a shape whose reading is new also needs a
//! [`Read`] variant and its reader in the family's module. Rows may share a marker and a
//! reader (the CLI and boto3 print the same marker): `Found::scan` runs each (marker,
//! reader) pair once.

use memchr::memmem;

use super::cfn::Tag;
use super::encoded::{self, Blob};
use super::prepare::Scan;
use super::sentence::Authz;
use crate::denied::authz::Decoded;
use crate::denied::{Denial, Reason, Tool};

use super::Op;

/// Who prints a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// The `is not authorized to perform` sentence every producer prints.
    Sentence,
    /// The AWS CLI and the SDKs (boto3, Go, Java, JavaScript, .NET, PHP).
    Sdk,
    /// CloudFormation stack events and the CDK CLI.
    CloudFormation,
    /// Terraform's AWS provider.
    Terraform,
    /// Encoded authorization failure messages and decoded documents.
    Encoded,
    /// CloudTrail records pasted in text.
    CloudTrail,
    /// A bare error code or generic sentence with nothing else (`AccessDenied`,
    /// `UnauthorizedOperation`, `You are not authorized to perform this operation`).
    Bare,
}

impl Family {
    /// Whether a denial carries what a message of this family gives it.
    pub fn holds(self, d: &Denial) -> bool {
        match self {
            Family::Sentence => d.action.is_some(),
            Family::Sdk => matches!(
                d.tool,
                Tool::AwsCli
                    | Tool::Boto3
                    | Tool::JsSdkV3
                    | Tool::JsSdkV2
                    | Tool::JavaSdkV2
                    | Tool::JavaSdkV1
                    | Tool::GoSdkV2
                    | Tool::GoSdkV1
                    | Tool::DotnetSdk
                    | Tool::PhpSdk
            ),
            Family::CloudFormation => matches!(d.tool, Tool::Cloudformation | Tool::Cdk),
            Family::Terraform => d.tool == Tool::Terraform,
            Family::Encoded => d.encoded.is_some() || d.tool == Tool::DecodedMessage,
            Family::CloudTrail => d.tool == Tool::Cloudtrail && d.operation.is_some(),
            Family::Bare => d.action.is_none() && d.reason == Reason::Unstated,
        }
    }
}

/// How a marker's message is taken apart (each variant is one reader).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// `[User: P] is not authorized to perform: ACTION [on resource: R] [reason]`.
    Sentence,
    /// `… when calling the OP operation: …` (code in the `(…)` before).
    Cli,
    /// `operation error SVC: OP, … StatusCode: N, … api error CODE: …`.
    GoV2,
    /// `(Service: SVC, Status Code: N[, Error Code: X] …)` after a message.
    ServiceTag,
    /// `Error executing "OP" on "URL"; … 403 Forbidden … AccessDenied`.
    Php,
    /// `Call failed: op({params}) => message (code=X)`.
    CdkCall,
    /// `"eventName": "OP"` with a denied `"errorCode"` in the same paragraph.
    TrailText,
    /// `API: svc:Action`.
    ApiTag,
    /// `Encoded authorization failure message: BLOB`.
    Blob,
    /// `could not be used to assume 'ARN'`.
    AssumeQuoted,
    /// `ARN was not assumed`.
    AssumeLookup,
    /// The code alone; the operation and service come from stack frames or context.
    Bare,
    /// `"DecodedMessage": "…"` (case-sensitive, in the input as written).
    DecodedWrapped,
    /// `{"allowed": …}` (case-sensitive, in the input as written).
    DecodedDoc,
}

impl Read {
    /// Whether the marker is matched case-sensitively in the input as written (JSON with
    /// its escapes) rather than in the flat lowercase text.
    pub fn raw(self) -> bool {
        matches!(self, Read::DecodedWrapped | Read::DecodedDoc)
    }
}

/// One message shape.
#[derive(Debug)]
pub struct Shape {
    /// What it is.
    pub name: &'static str,
    /// Who prints it.
    pub family: Family,
    /// The tool its example is reported as.
    pub tool: Tool,
    /// The literal(s) the scanner looks for: lowercase, matched in the flat text (lines
    /// joined); as written for [`Read::raw`] readers. The message may start before it.
    pub markers: &'static [&'static str],
    /// The reader.
    pub read: Read,
    /// How the operation, code and service are read.
    pub reads: &'static str,
    /// A message in this shape.
    pub example: &'static str,
    /// The file in `tests/fixtures/denied/` that shows it.
    pub fixture: &'static str,
    /// Where the fixture's message comes from.
    pub source: &'static str,
}

/// Every shape, by family.
pub const SHAPES: &[Shape] = &[
    // ---- the sentence ----------------------------------------------------------------
    Shape {
        name: "implicit deny sentence",
        family: Family::Sentence,
        tool: Tool::Unknown,
        markers: &["not authorized to perform"],
        read: Read::Sentence,
        reads: "action after `perform:`; resource after `on resource:`; reason `because no <kind> allows`; principal `User: P` before",
        example: "User: arn:aws:iam::123456789012:user/Jane is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf because no resource-based policy allows the secretsmanager:GetSecretValue action",
        fixture: "iam-docs-resource-based-secret.txt",
        source: "https://github.com/awsdocs/iam-user-guide/blob/main/doc_source/troubleshoot_access-denied.md",
    },
    Shape {
        name: "explicit deny sentence",
        family: Family::Sentence,
        tool: Tool::Unknown,
        markers: &["not authorized to perform"],
        read: Read::Sentence,
        reads: "as the implicit one; reason `with an explicit deny in <kind>[: POLICY-ARN]`",
        example: "User: arn:aws:iam::777788889999:user/MaryMajor is not authorized to perform: codecommit:ListRespositories because no identity-based policy allows the codecommit:ListRespositories action with an explicit deny in a service control policy: arn:aws:organizations::777788889999:policy/o-abc/service_control_policy/p-xyz",
        fixture: "iam-docs-scp-codecommit.txt",
        source: "https://github.com/awsdocs/iam-user-guide/blob/main/doc_source/troubleshoot_access-denied.md",
    },
    // ---- AWS CLI and SDKs --------------------------------------------------------------
    Shape {
        name: "AWS CLI operation error",
        family: Family::Sdk,
        tool: Tool::AwsCli,
        markers: &["when calling the "],
        read: Read::Cli,
        reads: "operation before ` operation`; code in `An error occurred (CODE)` / `A client error (CODE)`; service from the operation",
        example: "An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
        fixture: "aws-cli-putobject-bare.txt",
        source: "https://github.com/o2Labs/sentry-formation/issues/5",
    },
    Shape {
        name: "boto3 ClientError",
        family: Family::Sdk,
        tool: Tool::Boto3,
        markers: &["when calling the "],
        read: Read::Cli,
        reads: "as the CLI; the tool from `botocore`/`Traceback` around it",
        example: "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObjectAcl operation: Access Denied",
        fixture: "boto3-putobjectacl-traceback.txt",
        source: "https://github.com/twojstaryxd/aws-s3-bucket-copy/issues/3",
    },
    Shape {
        name: "Go SDK v2 operation error",
        family: Family::Sdk,
        tool: Tool::GoSdkV2,
        markers: &["operation error "],
        read: Read::GoV2,
        reads: "service and operation in `operation error SVC: OP,`; code after `api error `; `StatusCode: 403` alone is a denial",
        example: "operation error ECS: CreateService, https response error StatusCode: 400, RequestID: 0a1b, api error AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: ecs:CreateService on resource: arn:aws:ecs:us-east-1:123456789012:service/c/s because no identity-based policy allows the ecs:CreateService action",
        fixture: "go-v2-ecs-createservice.txt",
        source: "https://github.com/aws/aws-sdk-go-v2/issues/2859",
    },
    Shape {
        name: "Java SDK v2 service tag",
        family: Family::Sdk,
        tool: Tool::JavaSdkV2,
        markers: &["(service: "],
        read: Read::ServiceTag,
        reads: "service after `(Service: `; `Status Code: 403` or a denied `Error Code:`; the operation from a `DefaultS3Client.op(` frame",
        example: "software.amazon.awssdk.services.s3.model.S3Exception: Access Denied (Service: S3, Status Code: 403, Request ID: 7Q2J)\n\tat software.amazon.awssdk.services.s3.DefaultS3Client.listObjectsV2(DefaultS3Client.java:1)",
        fixture: "java-v2-s3exception.txt",
        source: "https://github.com/aws/aws-toolkit-jetbrains/issues/3129",
    },
    Shape {
        name: "Java SDK v1 service tag",
        family: Family::Sdk,
        tool: Tool::JavaSdkV1,
        markers: &["(service: "],
        read: Read::ServiceTag,
        reads: "as Java v2, `;` between fields, code after `Error Code: `; the operation from an `AmazonS3Client.op(` frame",
        example: "com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: 1A2B)",
        fixture: "java-v1-amazons3exception.txt",
        source: "https://github.com/wurstmeister/storm-s3/issues/4",
    },
    Shape {
        name: "PHP SDK error executing",
        family: Family::Sdk,
        tool: Tool::PhpSdk,
        markers: &["error executing \""],
        read: Read::Php,
        reads: "operation in `Error executing \"OP\"`; bucket and key from the URL after `on`; `AccessDenied` or `403 Forbidden` after it",
        example: "Error executing \"PutObject\" on \"https://b.s3.amazonaws.com/k.txt\"; AWS HTTP error: Client error: `PUT https://b.s3.amazonaws.com/k.txt` resulted in a `403 Forbidden` response: AccessDenied (client): Access Denied",
        fixture: "php-sdk-putobject.txt",
        source: "https://github.com/aws/aws-sdk-php/issues/1490",
    },
    Shape {
        name: "JavaScript SDK v3 error dump",
        family: Family::Sdk,
        tool: Tool::JsSdkV3,
        markers: &["accessdenied", ": access denied"],
        read: Read::Bare,
        reads: "code alone; operation from `deserializeAws_…OPCommandError` / `de_OPCommandError`, service from `@aws-sdk/client-SVC`",
        example: "AccessDenied: Access Denied\n    at deserializeAws_restXmlPutObjectTaggingCommandError (/node_modules/@aws-sdk/client-s3/protocols/Aws_restXml.ts:9518:39)",
        fixture: "js-v3-s3-putobjecttagging.txt",
        source: "https://github.com/aws/aws-sdk-js-v3/issues/2778",
    },
    Shape {
        name: "JavaScript SDK v2 error",
        family: Family::Sdk,
        tool: Tool::JsSdkV2,
        markers: &[
            "unauthorizedoperation",
            "not authorized to perform this operation",
        ],
        read: Read::Bare,
        reads: "code alone; service from `aws-sdk/lib/services/SVC`",
        example: "UnauthorizedOperation: You are not authorized to perform this operation.\n    at Request.extractError (/app/node_modules/aws-sdk/lib/services/ec2.js:50:35)",
        fixture: "js-v2-ec2-unauthorized.txt",
        source: "https://github.com/tensult/cloud-reports/issues/74",
    },
    Shape {
        name: "Go SDK v1 error",
        family: Family::Sdk,
        tool: Tool::GoSdkV1,
        markers: &["not authorized to perform"],
        read: Read::Sentence,
        reads: "the sentence; code `CODE:` before it; the tool from `status code: 403, request id` after",
        example: "AccessDenied: User: arn:aws:iam::123456789012:user/u is not authorized to perform: iam:GetRole on resource: role r\n\tstatus code: 403, request id: 4b0e",
        fixture: "go-v1-placeholders.txt",
        source: "https://github.com/gravitational/teleport/pull/30226",
    },
    // ---- CloudFormation and CDK --------------------------------------------------------
    Shape {
        name: "CloudFormation resource handler message",
        family: Family::CloudFormation,
        tool: Tool::Cloudformation,
        markers: &["(service: "],
        read: Read::ServiceTag,
        reads: "the sentence, then `(Service: SVC, Status Code: 403 …)`; code from `HandlerErrorCode: X`",
        example: "CREATE_FAILED | AWS::IAM::Role | R Resource handler returned message: \"User: arn:aws:iam::1:user/m is not authorized to perform: iam:GetRole on resource: role x because no identity-based policy allows the iam:GetRole action (Service: Iam, Status Code: 403, Request ID: b1)\" (HandlerErrorCode: AccessDenied)",
        fixture: "cfn-cdk-bootstrap-getrole.txt",
        source: "https://github.com/aws/aws-cdk/issues/27067",
    },
    Shape {
        name: "CloudFormation API tag",
        family: Family::CloudFormation,
        tool: Tool::Cloudformation,
        markers: &["api: "],
        read: Read::ApiTag,
        reads: "the action after `API: ` (a catalog action); a denial when `Access Denied` follows or a sentence does",
        example: "API: s3:PutBucketPolicy Access Denied",
        fixture: "cdk-api-s3-putbucketpolicy.txt",
        source: "https://github.com/alexhddev/CDK-course-resources/issues/1",
    },
    Shape {
        name: "CDK SDK call log",
        family: Family::CloudFormation,
        tool: Tool::Cdk,
        markers: &["call failed: "],
        read: Read::CdkCall,
        reads: "operation `op(` (lowerCamel); its JSON parameters; code in `(code=X)`",
        example: "[13:17:48] Call failed: getBucketLocation({\"Bucket\":\"cdk-assets-1-us-east-1\"}) => Access Denied (code=AccessDenied)",
        fixture: "cdk-debug-getbucketlocation.txt",
        source: "https://github.com/aws/aws-cdk/issues/23041",
    },
    Shape {
        name: "CDK could not assume",
        family: Family::CloudFormation,
        tool: Tool::Cdk,
        markers: &["could not be used to assume '"],
        read: Read::AssumeQuoted,
        reads: "the role ARN in quotes; the action is sts:AssumeRole",
        example: "current credentials could not be used to assume 'arn:aws:iam::123456789012:role/cdk-hnb659fds-deploy-role-123456789012-us-east-1', but are for the right account. Proceeding anyway.",
        fixture: "cdk-assume-role-warnings.txt",
        source: "https://github.com/aws-samples/aws-genai-llm-chatbot/issues/454",
    },
    Shape {
        name: "CDK lookup role not assumed",
        family: Family::CloudFormation,
        tool: Tool::Cdk,
        markers: &[" was not assumed"],
        read: Read::AssumeLookup,
        reads: "the role ARN before the marker; the action is sts:AssumeRole",
        example: "Lookup role arn:aws:iam::123456789012:role/cdk-hnb659fds-lookup-role-123456789012-us-east-1 was not assumed. Proceeding with default credentials.",
        fixture: "cdk-deploy-user-diff.txt",
        source: "seed post /work/shared/seeds/003_00842b0cd7a61c83.txt",
    },
    // ---- Terraform ---------------------------------------------------------------------
    Shape {
        name: "Terraform AWS provider v5 (Go SDK v2)",
        family: Family::Terraform,
        tool: Tool::Terraform,
        markers: &["operation error "],
        read: Read::GoV2,
        reads: "as Go v2; the tool from Terraform's frame (`│ Error:`, `with aws_…`)",
        example: "│ Error: creating IAM Role (r): operation error IAM: CreateRole, https response error StatusCode: 403, RequestID: 1, api error AccessDenied: User: arn:aws:iam::1:user/u is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::1:role/r\n│   with aws_iam_role.r,",
        fixture: "terraform-v5-createrole-tagrole.txt",
        source: "https://github.com/aws/aws-sdk-go-v2/issues/2859 with https://github.com/openshift/installer/issues/1073 (adapted)",
    },
    Shape {
        name: "Terraform AWS provider v1 (Go SDK v1)",
        family: Family::Terraform,
        tool: Tool::Terraform,
        markers: &["not authorized to perform"],
        read: Read::Sentence,
        reads: "the sentence; code `CODE:` before it; the tool from `* aws_…` / `status code:` lines",
        example: "* aws_iam_role.r: Error creating IAM Role r: AccessDenied: User: arn:aws:iam::1:user/u is not authorized to perform: iam:TagRole on resource: arn:aws:iam::1:role/r\n\tstatus code: 403, request id: 2",
        fixture: "terraform-v1-tagrole-two-roles.txt",
        source: "https://github.com/openshift/installer/issues/1073",
    },
    // ---- encoded authorization messages -------------------------------------------------
    Shape {
        name: "encoded authorization failure",
        family: Family::Encoded,
        tool: Tool::AwsCli,
        markers: &["encoded authorization failure message:"],
        read: Read::Blob,
        reads: "the blob after the marker (20+ characters); operation from the message's own marker; decoded when a decoder is given",
        example: "An error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation. Encoded authorization failure message: EXAMPLEaGVsbG8td29ybGQtYmxvYg",
        fixture: "aws-cli-runinstances-encoded.txt",
        source: "https://github.com/CheckPointSW/Cuckoo-AWS/issues/21 with the blob of https://github.com/aws/aws-cli/blob/develop/awscli/examples/sts/decode-authorization-message.rst (adapted)",
    },
    Shape {
        name: "decode-authorization-message output",
        family: Family::Encoded,
        tool: Tool::DecodedMessage,
        markers: &["\"DecodedMessage\""],
        read: Read::DecodedWrapped,
        reads: "the document in the JSON string: action, resource, principal, `explicitDeny`, `aws:Service`/`iam:PassedToService` conditions",
        example: r#"{"DecodedMessage": "{\"allowed\":false,\"explicitDeny\":false,\"matchedStatements\":{\"items\":[]},\"failures\":{\"items\":[]},\"context\":{\"principal\":{\"id\":\"AIDAEXAMPLE\",\"arn\":\"arn:aws:iam::123456789012:user/u\"},\"action\":\"ec2:RunInstances\",\"resource\":\"arn:aws:ec2:us-east-1:123456789012:instance/*\",\"conditions\":{\"items\":[]}}}"}"#,
        fixture: "decoded-runinstances-explicit.json",
        source: "https://github.com/aws/aws-cli/blob/develop/awscli/examples/sts/decode-authorization-message.rst",
    },
    Shape {
        name: "decoded document",
        family: Family::Encoded,
        tool: Tool::DecodedMessage,
        markers: &["{\"allowed\":"],
        read: Read::DecodedDoc,
        reads: "as the wrapped document, read where it starts",
        example: r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789012:user/u"},"action":"iam:PassRole","resource":"arn:aws:iam::123456789012:role/r","conditions":{"items":[]}}}"#,
        fixture: "decoded-passrole-ec2.txt",
        source: "https://aws.amazon.com/premiumsupport/knowledge-center/ec2-not-auth-launch/",
    },
    // ---- CloudTrail records in text --------------------------------------------------------
    Shape {
        name: "CloudTrail record pasted in text",
        family: Family::CloudTrail,
        tool: Tool::Cloudtrail,
        markers: &["\"eventname\""],
        read: Read::TrailText,
        reads: "operation from `\"eventName\"`; code from the nearest `\"errorCode\"` (a denial); service from `\"eventSource\"`",
        example: "the record was:\n{\"eventSource\": \"s3.amazonaws.com\", \"eventName\": \"GetObject\", \"errorCode\": \"AccessDenied\", \"requestParameters\": {\"bucketName\": \"b\", \"key\": \"k\"}}",
        fixture: "cloudtrail-s3-aws-service.json",
        source: "https://github.com/DataBiosphere/azul/issues/7632",
    },
    // ---- bare codes ------------------------------------------------------------------------
    Shape {
        name: "bare error code",
        family: Family::Bare,
        tool: Tool::Unknown,
        markers: &[
            "accessdenied",
            "unauthorizedoperation",
            "not authorized to access this resource",
            "not authorized to perform this operation",
        ],
        read: Read::Bare,
        reads: "the code alone (one per paragraph, none within 8 lines of another denial); operation and service only from context",
        example: "deploy step failed: AccessDenied: Access Denied",
        fixture: "js-v2-ec2-unauthorized.txt",
        source: "https://github.com/tensult/cloud-reports/issues/74",
    },
    Shape {
        name: "S3 bare Access Denied",
        family: Family::Bare,
        tool: Tool::Unknown,
        markers: &[": access denied", "access denied (service"],
        read: Read::Bare,
        reads: "as the bare code",
        example: "download of the nightly report failed: Access Denied",
        fixture: "java-v1-amazons3exception.txt",
        source: "https://github.com/wurstmeister/storm-s3/issues/4",
    },
];

/// The pieces of messages found in a text, each list in input order.
#[derive(Default)]
pub(super) struct Found {
    pub(super) authz: Vec<Authz>,
    pub(super) ops: Vec<Op>,
    pub(super) tags: Vec<Tag>,
    pub(super) blobs: Vec<Blob>,
    /// Roles CDK could not assume (marker position, ARN).
    pub(super) assumes: Vec<(usize, String)>,
    /// Positions of bare codes.
    pub(super) bare: Vec<usize>,
    /// Decoded documents (position in the redacted input).
    pub(super) decoded: Vec<(usize, Decoded)>,
}

impl Found {
    /// Runs every (marker, reader) pair of [`SHAPES`] for which `want` holds once over the
    /// text (`r` is the redacted input `s` was prepared from).
    pub(super) fn scan(s: &Scan<'_>, r: &str, want: impl Fn(Read) -> bool) -> Found {
        let mut f = Found::default();
        for (i, shape) in SHAPES.iter().enumerate() {
            if !want(shape.read) {
                continue;
            }
            for (k, &marker) in shape.markers.iter().enumerate() {
                let earlier = SHAPES[..i]
                    .iter()
                    .any(|e| e.read == shape.read && e.markers.contains(&marker))
                    || shape.markers[..k].contains(&marker);
                if !earlier {
                    f.read_all(s, r, shape.read, marker);
                }
            }
        }
        // Orders as the readers' positions (several markers may feed one list); decoded
        // documents stay in the order their rows list them.
        f.authz.sort_by_key(|a| a.at);
        f.ops.sort_by_key(|o| o.at);
        f.tags.sort_by_key(|t| t.at);
        f.blobs.sort_by_key(|b| b.at);
        f.assumes.sort();
        f.bare.sort_unstable();
        f
    }

    fn read_all(&mut self, s: &Scan<'_>, r: &str, read: Read, marker: &str) {
        let hay = if read.raw() { r.as_bytes() } else { &s.p.lb };
        for m in memmem::find_iter(hay, marker.as_bytes()) {
            let after = m + marker.len();
            match read {
                Read::Sentence => self.authz.extend(s.authz(m, after)),
                Read::Cli => self.ops.extend(s.op_cli(m, after)),
                Read::GoV2 => self.ops.extend(s.op_go(m, after)),
                Read::ServiceTag => self.ops.extend(s.op_service_tag(m, after)),
                Read::Php => self.ops.extend(s.op_php(m, after)),
                Read::CdkCall => self.ops.extend(s.op_cdk_call(m, after)),
                Read::TrailText => self.ops.extend(s.op_trail(m, after)),
                Read::ApiTag => self.tags.extend(s.tag(m, after)),
                Read::Blob => self.blobs.push(s.blob(m, after)),
                Read::AssumeQuoted => self.assumes.extend(s.assume_quoted(after).map(|a| (m, a))),
                Read::AssumeLookup => self.assumes.extend(s.assume_lookup(m).map(|a| (m, a))),
                Read::Bare => self.bare.push(m),
                Read::DecodedWrapped => self
                    .decoded
                    .extend(encoded::decoded_wrapped(r, after).map(|d| (m, d))),
                Read::DecodedDoc => self
                    .decoded
                    .extend(encoded::decoded_doc(r, m).map(|d| (m, d))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::denied::NotDecoded;

    #[test]
    fn every_example_parses_to_a_denial_of_its_family() {
        for s in SHAPES {
            let mut v = super::super::parse(s.example, &NotDecoded);
            crate::denied::dedupe(&mut v);
            assert!(
                v.iter().any(|d| d.tool == s.tool && s.family.holds(d)),
                "{}: {:?} of {:?} expected, got {v:#?}",
                s.name,
                s.tool,
                s.family
            );
        }
    }

    #[test]
    fn every_fixture_exists_shows_its_marker_and_has_its_source() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/denied");
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        for s in SHAPES {
            let text = std::fs::read_to_string(dir.join(s.fixture))
                .unwrap_or_else(|e| panic!("{}: {}: {e}", s.name, s.fixture));
            let hay = if s.read.raw() {
                text.clone()
            } else {
                text.to_ascii_lowercase()
            };
            assert!(
                s.markers.iter().any(|m| hay.contains(m)),
                "{}: {} shows none of {:?}",
                s.name,
                s.fixture,
                s.markers
            );
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| `{}`", s.fixture)))
                .unwrap_or_else(|| {
                    panic!("{}: {} is not in the fixtures' README", s.name, s.fixture)
                });
            // Its first address (a URL, or the path of a seed post).
            let first = s
                .source
                .split_whitespace()
                .find(|w| w.contains('/'))
                .unwrap_or_else(|| panic!("{}: the source names no address", s.name));
            assert!(
                row.contains(first),
                "{}: the README gives {} another source than {first}",
                s.name,
                s.fixture
            );
        }
    }

    #[test]
    fn markers_are_lowercase_and_every_reader_has_a_shape() {
        for s in SHAPES {
            assert!(!s.markers.is_empty(), "{}", s.name);
            for m in s.markers {
                assert!(
                    s.read.raw() || *m == m.to_ascii_lowercase(),
                    "{}: marker {m:?} must be lowercase",
                    s.name
                );
            }
        }
        for read in [
            Read::Sentence,
            Read::Cli,
            Read::GoV2,
            Read::ServiceTag,
            Read::Php,
            Read::CdkCall,
            Read::TrailText,
            Read::ApiTag,
            Read::Blob,
            Read::AssumeQuoted,
            Read::AssumeLookup,
            Read::Bare,
            Read::DecodedWrapped,
            Read::DecodedDoc,
        ] {
            assert!(SHAPES.iter().any(|s| s.read == read), "{read:?}");
        }
    }
}

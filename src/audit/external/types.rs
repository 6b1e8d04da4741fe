//! The resource types `audit external` judges: Access Analyzer's names (AWS, "IAM Access
//! Analyzer filter keys": `resourceType`), the short forms the command line takes, how
//! an ARN of the type looks, and which actions apply to it.
//!
//! One row per type; the analysis reads only this table.

use crate::iam::policy::DocumentKind;

/// One resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceType {
    /// Access Analyzer's name (`AWS::S3::Bucket`).
    pub name: &'static str,
    /// Short forms accepted by `--resource-type` (`s3`, `bucket`).
    pub short: &'static [&'static str],
    /// The ARN's service field (`s3`, `elasticfilesystem`).
    pub arn_service: &'static str,
    /// The ARN's resource part starts with this (`function:`); empty: any.
    pub arn_resource_prefix: &'static str,
    /// The IAM action prefixes whose actions apply to the resource.
    pub action_prefixes: &'static [&'static str],
    /// How the policy is read (a trust policy or a resource-based policy).
    pub document: DocumentKind,
    /// An ARN for a resource of the type when none is known: `{account}`, `{region}`.
    pub placeholder: &'static str,
}

impl ResourceType {
    /// An ARN for the resource when none is given.
    pub fn placeholder_arn(&self, account: &str, region: &str) -> String {
        self.placeholder
            .replace("{account}", account)
            .replace("{region}", region)
    }

    /// Whether `arn` names a resource of this type.
    pub fn matches_arn(&self, arn: &str) -> bool {
        let f: Vec<&str> = arn.splitn(6, ':').collect();
        f.len() == 6
            && f[0] == "arn"
            && f[2] == self.arn_service
            && f[5].starts_with(self.arn_resource_prefix)
    }
}

/// The table (AWS, "IAM Access Analyzer supported resource types for external and
/// internal access": the types listed under "Supported resource types for external
/// access" that hold a resource-based policy).
pub const TYPES: &[ResourceType] = &[
    ResourceType {
        name: "AWS::S3::Bucket",
        short: &["s3", "bucket", "s3-bucket"],
        arn_service: "s3",
        arn_resource_prefix: "",
        action_prefixes: &["s3"],
        document: DocumentKind::Resource,
        placeholder: "arn:aws:s3:::audited-bucket",
    },
    ResourceType {
        name: "AWS::IAM::Role",
        short: &["iam", "role", "iam-role", "trust"],
        arn_service: "iam",
        arn_resource_prefix: "role/",
        action_prefixes: &["sts"],
        document: DocumentKind::Trust,
        placeholder: "arn:aws:iam::{account}:role/audited-role",
    },
    ResourceType {
        name: "AWS::KMS::Key",
        short: &["kms", "key", "kms-key"],
        arn_service: "kms",
        arn_resource_prefix: "key/",
        action_prefixes: &["kms"],
        document: DocumentKind::Resource,
        placeholder: "arn:aws:kms:{region}:{account}:key/00000000-0000-0000-0000-000000000000",
    },
    ResourceType {
        name: "AWS::SQS::Queue",
        short: &["sqs", "queue"],
        arn_service: "sqs",
        arn_resource_prefix: "",
        action_prefixes: &["sqs"],
        document: DocumentKind::Resource,
        placeholder: "arn:aws:sqs:{region}:{account}:audited-queue",
    },
    ResourceType {
        name: "AWS::SNS::Topic",
        short: &["sns", "topic"],
        arn_service: "sns",
        arn_resource_prefix: "",
        action_prefixes: &["sns"],
        document: DocumentKind::Resource,
        placeholder: "arn:aws:sns:{region}:{account}:audited-topic",
    },
    ResourceType {
        name: "AWS::Lambda::Function",
        short: &["lambda", "function"],
        arn_service: "lambda",
        arn_resource_prefix: "function:",
        action_prefixes: &["lambda"],
        document: DocumentKind::Resource,
        placeholder: "arn:aws:lambda:{region}:{account}:function:audited-function",
    },
    ResourceType {
        name: "AWS::SecretsManager::Secret",
        short: &["secretsmanager", "secret"],
        arn_service: "secretsmanager",
        arn_resource_prefix: "secret:",
        action_prefixes: &["secretsmanager"],
        document: DocumentKind::Resource,
        placeholder: "arn:aws:secretsmanager:{region}:{account}:secret:audited-secret-AbCdEf",
    },
    ResourceType {
        name: "AWS::ECR::Repository",
        short: &["ecr", "repository"],
        arn_service: "ecr",
        arn_resource_prefix: "repository/",
        action_prefixes: &["ecr"],
        document: DocumentKind::Resource,
        placeholder: "arn:aws:ecr:{region}:{account}:repository/audited-repository",
    },
    ResourceType {
        name: "AWS::EFS::FileSystem",
        short: &["efs", "file-system", "filesystem"],
        arn_service: "elasticfilesystem",
        arn_resource_prefix: "file-system/",
        action_prefixes: &["elasticfilesystem"],
        document: DocumentKind::Resource,
        placeholder: "arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-00000000",
    },
    ResourceType {
        name: "AWS::DynamoDB::Table",
        short: &["dynamodb", "table"],
        arn_service: "dynamodb",
        arn_resource_prefix: "table/",
        action_prefixes: &["dynamodb"],
        document: DocumentKind::Resource,
        placeholder: "arn:aws:dynamodb:{region}:{account}:table/audited-table",
    },
];

/// The type named `name`: Access Analyzer's name or a short form, any case.
pub fn by_name(name: &str) -> Option<&'static ResourceType> {
    let n = name.trim();
    TYPES.iter().find(|t| {
        t.name.eq_ignore_ascii_case(n) || t.short.iter().any(|s| s.eq_ignore_ascii_case(n))
    })
}

/// The type of the resource an ARN names.
pub fn of_arn(arn: &str) -> Option<&'static ResourceType> {
    TYPES.iter().find(|t| t.matches_arn(arn))
}

/// The type of a policy's resource, read from what it holds: the first statement
/// `Resource` ARN of a known type; else the action prefixes (`sts:AssumeRole*` is a trust
/// policy, `kms:` a key policy, whose `Resource` is `*`).
pub fn infer(resources: &[&str], actions: &[&str]) -> Option<&'static ResourceType> {
    if let Some(t) = resources.iter().find_map(|r| of_arn(r)) {
        return Some(t);
    }
    actions.iter().find_map(|a| {
        let prefix = a.split(':').next()?;
        TYPES.iter().find(|t| {
            t.action_prefixes
                .iter()
                .any(|p| p.eq_ignore_ascii_case(prefix))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_short_forms_and_arns() {
        assert_eq!(by_name("aws::s3::bucket").unwrap().name, "AWS::S3::Bucket");
        assert_eq!(by_name("queue").unwrap().name, "AWS::SQS::Queue");
        assert!(by_name("AWS::EC2::Snapshot").is_none());
        for t in TYPES {
            let arn = t.placeholder_arn("111122223333", "us-east-1");
            assert_eq!(of_arn(&arn), Some(t), "{arn}");
        }
        assert_eq!(
            infer(&["*"], &["sts:AssumeRoleWithWebIdentity"])
                .unwrap()
                .name,
            "AWS::IAM::Role"
        );
        assert_eq!(
            infer(&["arn:aws:s3:::b/*"], &["s3:GetObject"])
                .unwrap()
                .name,
            "AWS::S3::Bucket"
        );
        // A layer or an alias is not the function itself, but an object key is the bucket.
        assert!(of_arn("arn:aws:lambda:us-east-1:1:layer:x:1").is_none());
    }
}

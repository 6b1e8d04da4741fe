//! Output formats for generated policies: IAM JSON, Terraform, CloudFormation (JSON or
//! YAML), as one text or one file per document; and the `--name` rules they share.

use crate::iam::policy::Document;
use crate::policy::hcl;
use crate::policy::tree::Node;
use crate::policy::yaml;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The policy document(s) as IAM JSON; several documents as a JSON array.
    Json,
    /// A `jsonencode` local and an `aws_iam_policy` resource per document (HCL).
    Terraform,
    /// A CloudFormation template of `AWS::IAM::ManagedPolicy` resources, in JSON.
    Cloudformation,
    /// The same CloudFormation template in YAML.
    CloudformationYaml,
}

impl Format {
    /// The file name extension `--output-dir` uses.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Terraform => "tf",
            Format::Cloudformation => "cfn.json",
            Format::CloudformationYaml => "cfn.yaml",
        }
    }
}

/// CloudFormation's limit for a template passed as a body (bytes).
pub const TEMPLATE_BODY_LIMIT: usize = 51_200;

/// The longest IAM policy name.
pub const MAX_NAME: usize = 128;

/// Why output could not be rendered.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EmitError {
    /// `--name` breaks a naming rule.
    #[error(transparent)]
    Name(#[from] NameError),
    /// The CloudFormation template is over the template body limit.
    #[error(
        "the CloudFormation template is {bytes} bytes, over CloudFormation's limit of {limit} bytes for a template body; write one template per policy document with --output-dir DIR, or upload the template to S3 and deploy it with --template-url (1 MB limit)"
    )]
    TemplateTooLarge {
        /// The template's size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
}

/// A `--name` that IAM, Terraform or CloudFormation would not accept.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("--name {name:?}: {rule}; try --name {suggestion}")]
pub struct NameError {
    /// The name given.
    pub name: String,
    /// The rule it breaks.
    pub rule: String,
    /// A name that follows every rule.
    pub suggestion: String,
}

fn iam_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// The `-N` suffix of part `n` of a split policy (none for a single document).
fn suffix(parts: usize) -> String {
    if parts > 1 {
        format!("-{parts}")
    } else {
        String::new()
    }
}

/// Checks `name` for a policy of `parts` documents (named `NAME-1` … `NAME-N` when split):
/// IAM's policy name rule (1 to 128 of letters, digits and `_+=,.@-`), a Terraform
/// resource name's first character (a letter or `_`), and a CloudFormation logical id
/// (letters and digits, so at least one of them).
pub fn check_name(name: &str, parts: usize) -> Result<(), NameError> {
    let longest = name.chars().count() + suffix(parts).len();
    let rule = if name.is_empty() || !name.chars().all(iam_char) {
        "IAM policy names are 1 to 128 characters of letters, digits and _ + = , . @ -".to_string()
    } else if longest > MAX_NAME {
        format!(
            "IAM policy names are at most {MAX_NAME} characters, and this policy's {parts} documents are named NAME-1 … NAME-{parts}"
        )
    } else if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        "Terraform resource names must start with a letter or _".to_string()
    } else if !name.chars().any(|c| c.is_ascii_alphanumeric()) {
        "CloudFormation logical ids are letters and digits, so the name needs at least one"
            .to_string()
    } else {
        return Ok(());
    };
    Err(NameError {
        name: name.to_string(),
        rule,
        suggestion: suggest_name(name, parts),
    })
}

/// A name close to `name` that passes [`check_name`].
pub fn suggest_name(name: &str, parts: usize) -> String {
    let mut s: String = name
        .chars()
        .map(|c| if iam_char(c) { c } else { '-' })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s = format!("iamtrail-{}", s.trim_start_matches('-'));
    }
    let s = s.trim_end_matches('-');
    s.chars().take(MAX_NAME - suffix(parts).len()).collect()
}

/// A name usable in Terraform identifiers and IAM policy names, from a principal ARN.
pub fn policy_name(principal: Option<&str>) -> String {
    let base = principal
        .and_then(|p| p.rsplit(['/', ':']).next())
        .filter(|s| !s.is_empty())
        .unwrap_or("principal");
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut name = format!("iamtrail-{clean}");
    // Room for the `-N` of a split policy within IAM's 128 characters.
    name.truncate(MAX_NAME - 4);
    name
}

/// The Terraform resource name for a policy name: `_` for everything but letters and
/// digits (a valid name starts with a letter or `_`, see [`check_name`]).
pub fn terraform_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The CloudFormation logical id for a policy name: its letter-and-digit runs,
/// capitalized and joined (`iamtrail-ci-2` → `IamtrailCi2`).
pub fn logical_id(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .map(capitalize)
        .collect()
}

fn named(docs: &[Document], name: &str, i: usize) -> String {
    if docs.len() == 1 {
        name.to_string()
    } else {
        format!("{name}-{}", i + 1)
    }
}

/// The documents as IAM JSON: one document, or an array of them.
pub fn render_json(docs: &[Document]) -> String {
    if docs.len() == 1 {
        docs[0].to_pretty() + "\n"
    } else {
        serde_json::to_string_pretty(docs).expect("policies serialize") + "\n"
    }
}

/// Renders documents in `format`. `name` names the policies (`NAME-1`, `NAME-2`, … when
/// split) and must pass [`check_name`].
pub fn render(
    docs: &[Document],
    format: Format,
    name: &str,
    description: &str,
) -> Result<String, EmitError> {
    check_name(name, docs.len())?;
    match format {
        Format::Json => Ok(render_json(docs)),
        Format::Terraform => Ok(docs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let part = named(docs, name, i);
                hcl::document(
                    &terraform_id(&part),
                    &part,
                    description,
                    &Node::from_document(d),
                )
            })
            .collect::<Vec<_>>()
            .join("\n")),
        Format::Cloudformation | Format::CloudformationYaml => {
            let resources = docs
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let props = Node::Map(vec![
                        ("Description".into(), Node::str(description)),
                        ("PolicyDocument".into(), Node::from_document(d)),
                    ]);
                    let resource = Node::Map(vec![
                        ("Type".into(), Node::str("AWS::IAM::ManagedPolicy")),
                        ("Properties".into(), props),
                    ]);
                    (logical_id(&named(docs, name, i)), resource)
                })
                .collect();
            let template = Node::Map(vec![
                ("AWSTemplateFormatVersion".into(), Node::str("2010-09-09")),
                ("Description".into(), Node::str(description)),
                ("Resources".into(), Node::Map(resources)),
            ]);
            let text = if format == Format::Cloudformation {
                template.to_json_pretty() + "\n"
            } else {
                yaml::document(&template)
            };
            if text.len() > TEMPLATE_BODY_LIMIT {
                return Err(EmitError::TemplateTooLarge {
                    bytes: text.len(),
                    limit: TEMPLATE_BODY_LIMIT,
                });
            }
            Ok(text)
        }
    }
}

/// One file of `--output-dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// `NAME.EXT` for a single document, `NAME-N.EXT` (N from 1) for part N of a split
    /// policy; EXT is [`Format::extension`].
    pub file_name: String,
    /// The file's content: that one document in `format`.
    pub text: String,
}

/// One file per document, for `--output-dir`.
pub fn render_files(
    docs: &[Document],
    format: Format,
    name: &str,
    description: &str,
) -> Result<Vec<OutputFile>, EmitError> {
    check_name(name, docs.len())?;
    docs.iter()
        .enumerate()
        .map(|(i, d)| {
            let part = named(docs, name, i);
            Ok(OutputFile {
                file_name: format!("{part}.{}", format.extension()),
                text: render(std::slice::from_ref(d), format, &part, description)?,
            })
        })
        .collect()
}

/// Whether `file_name` is one [`render_files`] could write for `name` in `format`, so
/// that a file left from an earlier run with more parts can be pointed out.
pub fn is_output_file(file_name: &str, format: Format, name: &str) -> bool {
    let Some(stem) = file_name
        .strip_suffix(format.extension())
        .and_then(|s| s.strip_suffix('.'))
    else {
        return false;
    };
    stem == name
        || stem
            .strip_prefix(name)
            .and_then(|s| s.strip_prefix('-'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_formats() {
        assert_eq!(
            policy_name(Some("arn:aws:iam::1:role/path/ci")),
            "iamtrail-ci"
        );
        assert_eq!(policy_name(None), "iamtrail-principal");
        let doc = Document::new(vec![]);
        let tf = render(
            &[doc.clone(), doc.clone()],
            Format::Terraform,
            "iamtrail-ci",
            "d",
        )
        .unwrap();
        assert!(tf.contains("resource \"aws_iam_policy\" \"iamtrail_ci_2\""));
        assert!(tf.contains("policy      = local.iamtrail_ci_2_document"));
        let cfn: serde_json::Value = serde_json::from_str(
            &render(
                std::slice::from_ref(&doc),
                Format::Cloudformation,
                "iamtrail-ci",
                "d",
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            cfn["Resources"]["IamtrailCi"]["Type"],
            "AWS::IAM::ManagedPolicy"
        );
        let json: serde_json::Value = serde_json::from_str(
            &render(&[doc.clone(), doc.clone()], Format::Json, "x", "d").unwrap(),
        )
        .unwrap();
        assert!(json.is_array());
        let files =
            render_files(&[doc.clone(), doc], Format::CloudformationYaml, "p", "d").unwrap();
        let names: Vec<_> = files.iter().map(|f| f.file_name.as_str()).collect();
        assert_eq!(names, ["p-1.cfn.yaml", "p-2.cfn.yaml"]);
        assert!(is_output_file(
            "p-3.cfn.yaml",
            Format::CloudformationYaml,
            "p"
        ));
        assert!(is_output_file("p.tf", Format::Terraform, "p"));
        assert!(!is_output_file("p-x.tf", Format::Terraform, "p"));
        assert!(!is_output_file("p.cfn.json", Format::Json, "p"));
    }

    #[test]
    fn names_follow_iam_terraform_and_cloudformation_rules() {
        for ok in ["ci", "iamtrail-ci.deploy@x+y=z,w", "_x", &"a".repeat(128)] {
            assert_eq!(check_name(ok, 1), Ok(()), "{ok}");
        }
        for (bad, parts, rule) in [
            ("", 1, "1 to 128"),
            ("a b", 1, "1 to 128"),
            ("é", 1, "1 to 128"),
            (&"a".repeat(129), 1, "at most 128"),
            (&"a".repeat(127), 2, "NAME-2"),
            ("1ci", 1, "Terraform"),
            ("-ci", 1, "Terraform"),
            ("__", 1, "CloudFormation"),
        ] {
            let e = check_name(bad, parts).unwrap_err();
            assert!(e.rule.contains(rule), "{bad}: {e}");
            assert_eq!(check_name(&e.suggestion, parts), Ok(()), "{bad}: {e}");
        }
        assert_eq!(suggest_name("my policy", 1), "my-policy");
        assert_eq!(terraform_id("a-b.c@d"), "a_b_c_d");
        assert_eq!(logical_id("iamtrail-ci.x-2"), "IamtrailCiX2");
        assert!(matches!(
            render(&[], Format::Json, "a b", ""),
            Err(EmitError::Name(_))
        ));
    }

    #[test]
    fn cloudformation_templates_stay_within_the_body_limit() {
        use crate::iam::policy::{Effect, OneOrMany, Statement};
        let st = |i: usize| Statement {
            sid: Some(format!("S{i}")),
            effect: Effect::Allow,
            principal: None,
            not_principal: None,
            action: Some(OneOrMany(vec!["s3:GetObject".into()])),
            not_action: None,
            resource: Some(OneOrMany(
                (0..60)
                    .map(|k| format!("arn:aws:s3:::bucket/{i}/key-{k:04}"))
                    .collect(),
            )),
            not_resource: None,
            condition: None,
        };
        let docs: Vec<_> = (0..20).map(|i| Document::new(vec![st(i)])).collect();
        for f in [Format::Cloudformation, Format::CloudformationYaml] {
            let e = render(&docs, f, "p", "d").unwrap_err();
            assert!(
                matches!(e, EmitError::TemplateTooLarge { bytes, limit: 51_200 } if bytes > 51_200),
                "{e}"
            );
            assert!(e.to_string().contains("--output-dir"));
            assert!(render(&docs[..1], f, "p", "d").is_ok());
            assert_eq!(render_files(&docs, f, "p", "d").unwrap().len(), 20);
        }
    }
}

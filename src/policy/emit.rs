//! Output formats for generated policies: IAM JSON, Terraform, CloudFormation.

use crate::policy::model::PolicyDocument;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The policy document(s) as IAM JSON; several documents as a JSON array.
    Json,
    /// `aws_iam_policy` resources (HCL).
    Terraform,
    /// A CloudFormation template of `AWS::IAM::ManagedPolicy` resources (JSON).
    Cloudformation,
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
    format!("iamtrail-{clean}")
}

/// Renders documents in `format`. `name` prefixes policy names (`-1`, `-2` when split).
pub fn render(docs: &[PolicyDocument], format: Format, name: &str, description: &str) -> String {
    let named = |i: usize| {
        if docs.len() == 1 {
            name.to_string()
        } else {
            format!("{name}-{}", i + 1)
        }
    };
    match format {
        Format::Json => {
            if docs.len() == 1 {
                docs[0].to_pretty() + "\n"
            } else {
                serde_json::to_string_pretty(docs).expect("serializes") + "\n"
            }
        }
        Format::Terraform => {
            let mut out = String::new();
            for (i, d) in docs.iter().enumerate() {
                let id = named(i).replace('-', "_");
                out.push_str(&format!(
                    "resource \"aws_iam_policy\" {:?} {{\n  name        = {:?}\n  description = {:?}\n  policy      = <<-POLICY\n{}\n  POLICY\n}}\n",
                    id,
                    named(i),
                    description,
                    indent(&d.to_pretty(), "    ")
                ));
                if i + 1 < docs.len() {
                    out.push('\n');
                }
            }
            out
        }
        Format::Cloudformation => {
            let mut resources = serde_json::Map::new();
            for (i, d) in docs.iter().enumerate() {
                let logical: String = named(i).split('-').map(capitalize).collect();
                resources.insert(
                    logical,
                    serde_json::json!({
                        "Type": "AWS::IAM::ManagedPolicy",
                        "Properties": { "Description": description, "PolicyDocument": d }
                    }),
                );
            }
            let t = serde_json::json!({
                "AWSTemplateFormatVersion": "2010-09-09",
                "Description": description,
                "Resources": resources,
            });
            serde_json::to_string_pretty(&t).expect("serializes") + "\n"
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn indent(s: &str, pad: &str) -> String {
    s.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
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
        let doc = PolicyDocument::new(vec![]);
        let tf = render(
            &[doc.clone(), doc.clone()],
            Format::Terraform,
            "iamtrail-ci",
            "d",
        );
        assert!(tf.contains("resource \"aws_iam_policy\" \"iamtrail_ci_2\""));
        let cfn: serde_json::Value = serde_json::from_str(&render(
            std::slice::from_ref(&doc),
            Format::Cloudformation,
            "iamtrail-ci",
            "d",
        ))
        .unwrap();
        assert_eq!(
            cfn["Resources"]["IamtrailCi"]["Type"],
            "AWS::IAM::ManagedPolicy"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render(&[doc.clone(), doc], Format::Json, "x", "d")).unwrap();
        assert!(json.is_array());
    }
}

//! Terraform's AWS provider: it prints the SDK's message (Go v1 `AccessDenied: … status
//! code: 403`, Go v2 `operation error SVC: OP, …`, read by the SDK readers and the sentence
//! grammar) inside its own frame (`│ Error:`, `with aws_iam_role.x`, `on main.tf line 3`);
//! what is Terraform's own is that frame and its `S3 Bucket (NAME)` wording.

/// Whether the lines around a message (`w` lowercase, `raw` as printed) are Terraform's.
pub(super) fn in_window(w: &str, raw: &str) -> bool {
    w.contains("with aws_")
        || w.contains(".tf line")
        || w.contains("error applying plan")
        || w.contains("* aws_")
        || w.contains("terraform")
        || raw.contains("│ Error:")
}

/// Terraform v0.x's `Error: Error creating …` line (lowercase).
pub(super) fn error_line(l: &str) -> bool {
    l.trim_start().starts_with("error: error ")
}

/// `S3 Bucket (NAME)` in `text` (`lower` is its lowercase).
pub(super) fn bucket_refs(
    text: &str,
    lower: &str,
    push: &mut impl FnMut(&str, &str, Option<String>),
) {
    for (x, _) in lower.match_indices("s3 bucket (") {
        let s = x + "s3 bucket (".len();
        if let Some(e) = lower[s..].find(')') {
            push(text.get(s..s + e).unwrap_or_default(), "", None);
        }
    }
}

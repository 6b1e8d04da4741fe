//! Which tool printed a message, guessed from its line and the lines around it (first
//! match wins: the order is what keeps, for example, a boto3 traceback from being taken
//! for the CLI whose marker it shares).

use super::WINDOW;
use super::prepare::{BORDERS, Scan};
use super::terraform;
use crate::denied::Tool;

impl Scan<'_> {
    /// The tool of the message at `at`; `fallback` when nothing says.
    pub(super) fn tool(&self, at: usize, fallback: Tool) -> Tool {
        let p = self.p;
        let line = p.line(at);
        let (ls, le) = p.f_lines(line, line);
        let l = p.lower(ls, le);
        let (wa, wb) = p.window(line, WINDOW);
        let w = p.lower(wa, wb);
        let (ua, ub) = (
            p.line_starts[line.saturating_sub(WINDOW).max(1) - 1],
            p.line_starts
                .get(line + WINDOW)
                .copied()
                .unwrap_or(p.u.len()),
        );
        let raw = p.u.get(ua..ub).unwrap_or_default();
        let terraform = terraform::in_window(&w, raw);
        // Go SDK v1 prints `status code: 403, request id: …` on the line after the message.
        let (ns, ne) = p.f_lines(line + 1, line + 1);
        let next = p.lower(ns, ne);
        let go_v1_status = [l.as_str(), next.as_str()].iter().any(|x| {
            x.trim_start_matches(|c: char| c.is_whitespace() || BORDERS.contains(&c) || c == '*')
                .starts_with("status code: 4")
        }) || l.contains(" status code: 403, request id");
        let event_table = l.contains("aws::")
            && ["_failed", "_in_progress", "_complete"]
                .iter()
                .any(|s| l.contains(s));
        if l.contains('❌') || l.contains("failed bootstrapping") {
            Tool::Cdk
        } else if l.contains("resource handler returned message")
            || event_table
            || l.trim_start().starts_with("api: ")
            || l.contains("\"api: ")
        {
            Tool::Cloudformation
        } else if l.contains("proceeding with default credentials")
            || l.contains("proceeding anyway")
            || l.contains(">cdk ")
            || w.contains("aws-cdk/")
        {
            Tool::Cdk
        } else if l.contains("operation error ") {
            if terraform {
                Tool::Terraform
            } else {
                Tool::GoSdkV2
            }
        } else if w.contains("botocore")
            || w.contains("boto3")
            || w.contains("traceback (most recent call last)")
        {
            Tool::Boto3
        } else if l.contains("an error occurred (") || l.contains("a client error (") {
            Tool::AwsCli
        } else if w.contains("software.amazon.awssdk") {
            Tool::JavaSdkV2
        } else if w.contains("com.amazonaws") || l.contains("(service: amazon") {
            Tool::JavaSdkV1
        } else if w.contains("$fault")
            || w.contains("@aws-sdk/")
            || w.contains("de_commanderror")
            || w.contains("deserializeaws_")
        {
            Tool::JsSdkV3
        } else if w.contains("aws-sdk/lib/") || w.contains("\"retryable\":") {
            Tool::JsSdkV2
        } else if w.contains("amazon.runtime") {
            Tool::DotnetSdk
        } else if l.contains("error executing \"") || w.contains("aws http error") {
            Tool::PhpSdk
        } else if w.contains("\"errorcode\"") || w.contains("\"errormessage\"") {
            Tool::Cloudtrail
        } else if l.contains("(service: ") && !l.contains("(service: amazon") {
            Tool::JavaSdkV2
        } else if terraform::error_line(&l) {
            Tool::Terraform
        } else if w.contains("respmetadata") || w.contains("message_:") {
            Tool::GoSdkV1
        } else if go_v1_status {
            if terraform {
                Tool::Terraform
            } else {
                Tool::GoSdkV1
            }
        } else if terraform {
            Tool::Terraform
        } else {
            fallback
        }
    }
}

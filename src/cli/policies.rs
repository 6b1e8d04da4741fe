//! Reading policy files into a [`PolicySet`]: shared by `simulate`, `replay` and `unused`.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::report::{self, Level, Line};
use iamtrail::iam::eval::{PolicyKind, PolicySet};
use iamtrail::iam::policy::{Document, DocumentKind};

/// A file and the documents it holds.
type File = (PathBuf, Vec<Document>);

/// The policy files a request is evaluated against, but the resource's own (`replay`,
/// `simulate`: each declares its resource-policy flag, which differs).
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// An identity policy (one document, or a JSON array of documents); repeatable.
    #[arg(long, value_name = "FILE")]
    pub policy: Vec<PathBuf>,
    /// A permissions boundary; repeatable (several act as one).
    #[arg(long, value_name = "FILE")]
    pub boundary: Vec<PathBuf>,
    /// A session policy; repeatable.
    #[arg(long, value_name = "FILE")]
    pub session_policy: Vec<PathBuf>,
    /// One level of service control policies, root first: one document or a JSON array
    /// of the documents attached at that level (`[]`: nothing attached, denies all).
    #[arg(long, value_name = "FILE")]
    pub scp: Vec<PathBuf>,
    /// One level of resource control policies, root first, as for --scp (AWS's
    /// RCPFullAccess is assumed at every level).
    #[arg(long, value_name = "FILE")]
    pub rcp: Vec<PathBuf>,
    /// A VPC endpoint policy the requests went through; repeatable.
    #[arg(long, value_name = "FILE")]
    pub endpoint_policy: Vec<PathBuf>,
}

impl PolicyArgs {
    /// The files by part, with `resource` as the resource-based policies.
    pub fn paths<'a>(&'a self, resource: &'a [PathBuf]) -> Paths<'a> {
        Paths {
            identity: &self.policy,
            resource,
            boundary: &self.boundary,
            session: &self.session_policy,
            endpoint: &self.endpoint_policy,
            scp: &self.scp,
            rcp: &self.rcp,
        }
    }

    /// Whether no file is given.
    pub fn is_empty(&self) -> bool {
        [
            &self.policy,
            &self.boundary,
            &self.session_policy,
            &self.scp,
            &self.rcp,
            &self.endpoint_policy,
        ]
        .iter()
        .all(|v| v.is_empty())
    }
}

/// The policy files of a command, by part.
#[derive(Debug, Default, Clone, Copy)]
pub struct Paths<'a> {
    /// Identity policies.
    pub identity: &'a [PathBuf],
    /// Resource-based policies.
    pub resource: &'a [PathBuf],
    /// Permissions boundaries.
    pub boundary: &'a [PathBuf],
    /// Session policies.
    pub session: &'a [PathBuf],
    /// VPC endpoint policies.
    pub endpoint: &'a [PathBuf],
    /// SCP levels, root first.
    pub scp: &'a [PathBuf],
    /// RCP levels, root first.
    pub rcp: &'a [PathBuf],
}

/// The documents read, by part.
#[derive(Debug)]
pub struct Loaded {
    groups: Vec<(PolicyKind, Vec<File>)>,
    scps: Vec<File>,
    rcps: Vec<File>,
}

/// The documents of one file, or why not (naming the file, element, line and column).
pub(super) fn read(path: &Path, kind: DocumentKind) -> Result<Vec<Document>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (docs, relaxed) = Document::list_from_text_lenient(&text, kind)
        .with_context(|| format!("{} is not a policy document", path.display()))?;
    // Read past, not silently: IAM would refuse to attach these as written.
    let lines: Vec<Line> = relaxed
        .iter()
        .map(|r| Line {
            level: Level::Warning,
            text: format!("warning: {}: {r}", path.display()),
        })
        .collect();
    report::print(&lines, false);
    Ok(docs)
}

/// A document's name in findings: the file, and its index when the file holds several.
pub(super) fn name(path: &Path, i: usize, of: usize, level: Option<usize>) -> String {
    let mut n = path.display().to_string();
    if of > 1 {
        n += &format!("[{i}]");
    }
    if let Some(l) = level {
        n += &format!(" (level {})", l + 1);
    }
    n
}

impl Loaded {
    /// Reads every file; the first that cannot be read or parsed is the error.
    pub fn read(p: Paths<'_>) -> Result<Loaded> {
        let plain = |paths: &[PathBuf], kind| -> Result<Vec<File>> {
            paths
                .iter()
                .map(|p| read(p, kind).map(|d| (p.clone(), d)))
                .collect()
        };
        Ok(Loaded {
            groups: vec![
                (
                    PolicyKind::Identity,
                    plain(p.identity, DocumentKind::Identity)?,
                ),
                (
                    PolicyKind::Resource,
                    plain(p.resource, DocumentKind::Resource)?,
                ),
                (
                    PolicyKind::Boundary,
                    plain(p.boundary, DocumentKind::Identity)?,
                ),
                (
                    PolicyKind::Session,
                    plain(p.session, DocumentKind::Identity)?,
                ),
                (
                    PolicyKind::Endpoint,
                    plain(p.endpoint, DocumentKind::Identity)?,
                ),
            ],
            scps: plain(p.scp, DocumentKind::Identity)?,
            rcps: plain(p.rcp, DocumentKind::Identity)?,
        })
    }

    /// Every document read, with its file.
    pub fn documents(&self) -> impl Iterator<Item = &Document> {
        let groups = self.groups.iter().flat_map(|(_, f)| f.iter());
        groups
            .chain(self.scps.iter())
            .chain(self.rcps.iter())
            .flat_map(|(_, d)| d.iter())
    }

    /// The policy set: each document under its file's name, SCPs and RCPs one level per
    /// file, root first.
    pub fn set(&self) -> PolicySet<'_> {
        let mut set = PolicySet::new();
        for (kind, files) in &self.groups {
            for (path, docs) in files {
                for (i, d) in docs.iter().enumerate() {
                    set = set.with(*kind, name(path, i, docs.len(), None), d);
                }
            }
        }
        for (level, (path, docs)) in self.scps.iter().enumerate() {
            set = set.with_scp_level(
                docs.iter()
                    .enumerate()
                    .map(|(i, d)| (Cow::Owned(name(path, i, docs.len(), Some(level))), d)),
            );
        }
        for (level, (path, docs)) in self.rcps.iter().enumerate() {
            set = set.with_rcp_level(
                docs.iter()
                    .enumerate()
                    .map(|(i, d)| (Cow::Owned(name(path, i, docs.len(), Some(level))), d)),
            );
        }
        set
    }
}

//! `generate` as a library call: inputs → ingest → synthesize → split, with everything
//! the report needs.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::catalog::curated::curated;
use crate::decode::format_time;
use crate::iam::pattern::is_pattern;
use crate::iam::policy::Document;
use crate::ingest::Ingested;
use crate::policy::split::{SizeLimit, TooLarge, split};
use crate::policy::synth::{Generalization, Options, Synthesis, synthesize};
use crate::usage::UsageSet;

/// A grant a reviewer should look at twice.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Sensitive {
    /// The action.
    pub action: String,
    /// The resource it is granted on.
    pub resource: String,
    /// Why it matters.
    pub why: String,
    /// The resource is a wildcard.
    pub wildcard: bool,
}

/// An action granted on `*` or on a partly unknown resource, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Wide {
    /// The action.
    pub action: String,
    /// The resource written.
    pub resource: String,
    /// `no resource-level permission`, or the unknown parts.
    pub why: String,
}

/// Everything a generate run produced.
#[derive(Debug)]
pub struct Generated {
    /// The policy documents (one unless split).
    pub documents: Vec<Document>,
    /// Statements with evidence (for `--explain`).
    pub synthesis: Synthesis,
    /// Sensitive grants.
    pub sensitive: Vec<Sensitive>,
    /// Wildcard or partly unknown resources.
    pub wide: Vec<Wide>,
}

/// Synthesizes and splits a usage set.
pub fn build(usage: &UsageSet, opts: Options, limit: SizeLimit) -> Result<Generated, TooLarge> {
    let synthesis = synthesize(usage, opts);
    let statements: Vec<_> = synthesis
        .statements
        .iter()
        .map(|s| s.to_statement())
        .collect();
    let documents = split(&statements, limit)?;
    let c = curated();
    let mut sensitive = BTreeSet::new();
    let mut wide = BTreeSet::new();
    for st in &synthesis.statements {
        for ((action, resource), u) in &st.evidence {
            if let Some(why) = c.sensitive.get(action) {
                sensitive.insert(Sensitive {
                    action: action.to_string(),
                    resource: resource.clone(),
                    why: why.for_resource(resource).to_string(),
                    // A `${*}` escape is a literal star, not a wildcard.
                    wildcard: is_pattern(resource),
                });
            }
            if resource == "*" && action.def().resources.is_empty() {
                wide.insert(Wide {
                    action: action.to_string(),
                    resource: resource.clone(),
                    why: "the action supports no resource-level permission".into(),
                });
            } else if !u.unknown.is_empty() {
                let parts: Vec<_> = u.unknown.iter().copied().collect();
                wide.insert(Wide {
                    action: action.to_string(),
                    resource: resource.clone(),
                    why: format!("not in the records: {}", parts.join(", ")),
                });
            }
        }
    }
    Ok(Generated {
        documents,
        synthesis,
        sensitive: sensitive.into_iter().collect(),
        wide: wide.into_iter().collect(),
    })
}

/// One line of `--explain`, as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    /// Statement Sid.
    pub sid: String,
    /// Action.
    pub action: String,
    /// Resource as written in the statement.
    pub resource: String,
    /// Records behind it.
    pub records: u64,
    /// First seen.
    pub first_seen: Option<String>,
    /// Last seen.
    pub last_seen: Option<String>,
    /// Sample eventIDs.
    pub sample_event_ids: Vec<String>,
    /// Why the action was needed.
    pub because: Vec<String>,
    /// When the resource is a wildcard iamtrail wrote: the rules (`counter`, `uuid`,
    /// `siblings`, …) and the first resources it stands for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generalized: Option<ExplainedGeneralization>,
}

/// The generalization behind an [`Explained`] line.
#[derive(Debug, Clone, Serialize)]
pub struct ExplainedGeneralization {
    /// Rule names.
    pub rules: Vec<&'static str>,
    /// How many exact resources it stands for.
    pub replaced: usize,
    /// The first few of them.
    pub examples: Vec<String>,
    /// For `counter`: the numbers seen varying at its place.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub varied: Vec<String>,
}

/// The evidence behind every (statement, action, resource).
pub fn explain(g: &Generated) -> Vec<Explained> {
    let made: std::collections::BTreeMap<(String, &str), &Generalization> = g
        .synthesis
        .generalizations
        .iter()
        .map(|x| ((x.action.to_string(), x.pattern.as_str()), x))
        .collect();
    g.synthesis
        .statements
        .iter()
        .flat_map(|st| {
            let made = &made;
            st.evidence.iter().map(move |((a, r), u)| Explained {
                generalized: made.get(&(a.to_string(), r.as_str())).map(|x| {
                    ExplainedGeneralization {
                        rules: x.rules.iter().copied().collect(),
                        replaced: x.replaced,
                        examples: x.examples.clone(),
                        varied: x.varied.clone(),
                    }
                }),
                sid: st.sid.clone(),
                action: a.to_string(),
                resource: r.clone(),
                records: u.count,
                first_seen: u.first.map(format_time),
                last_seen: u.last.map(format_time),
                sample_event_ids: u.samples.to_strings(),
                because: u.vias.iter().map(ToString::to_string).collect(),
            })
        })
        .collect()
}

/// The generalizations of a run (re-exported for reports).
pub fn generalizations(g: &Generated) -> &[Generalization] {
    &g.synthesis.generalizations
}

/// Convenience for tests and embedding: the whole pipeline over in-memory objects (see
/// [`crate::ingest::from_objects`]).
pub fn from_objects(objects: Vec<(String, Vec<u8>)>, cfg: &crate::ingest::Config) -> Ingested {
    crate::ingest::from_objects(objects, cfg)
}

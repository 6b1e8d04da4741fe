//! Unused access: what a principal's current grant allows that its trails never used.
//!
//! IAM Access Analyzer's unused access analyzer (AWS, "IAM Access Analyzer findings",
//! "Understanding unused access findings in Security Hub") reports, per principal, unused
//! permissions as a service namespace with its unused actions and their last access
//! (API reference, `UnusedPermissionDetails`, `UnusedAction`), from CloudTrail activity
//! over a tracking period. Here the same question is answered offline, over the trails
//! given, with every catalog action of every service (Access Analyzer tracks actions for
//! a subset of services), resource breadth for the actions used, and the records behind
//! every "used" verdict.
//!
//! The grant is expanded to catalog actions by the evaluator ([`expand`]); the used set
//! is what `generate` derives from the same trails (the statements of
//! [`crate::generate::Generated`], which is also the suggested policy). An action is
//! *unused* when the grant allows it and no statement of the generated policy names it;
//! a service is unused when none of its granted actions was used. For the actions that
//! were used, a granted resource pattern that no used resource covers is *wider* than
//! the use (a resource finding: granted `arn:aws:s3:::*`, used `arn:aws:s3:::app/*`).

pub mod expand;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalog::ActionId;
use crate::decode::format_time;
use crate::generate::Generated;
use crate::iam::pattern::covers;
use crate::usage::Usage;
pub use expand::{Grant, Granted, LEVELS, LevelCounts, StatementRef, access_level};

/// A granted action no record used.
#[derive(Debug, Clone, Serialize)]
pub struct Unused {
    /// `prefix:Action`.
    pub action: String,
    /// The service prefix.
    pub service: &'static str,
    /// The catalog's access level.
    pub access_level: &'static str,
    /// Allowed only under conditions (see [`expand`]).
    pub conditional: bool,
    /// The statements that allow it.
    pub granted_by: Vec<StatementRef>,
}

/// A service whose granted actions were none of them used.
#[derive(Debug, Clone, Serialize)]
pub struct UnusedService {
    /// The service prefix.
    pub service: &'static str,
    /// Its name.
    pub name: &'static str,
    /// How many of its actions the grant allows.
    pub granted_actions: usize,
}

/// The records behind one used (action, resource) of the suggested policy.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// The resource as the suggested policy writes it.
    pub resource: String,
    /// Records behind it.
    pub records: u64,
    /// Earliest record.
    pub first_seen: Option<String>,
    /// Latest record.
    pub last_seen: Option<String>,
    /// The smallest few eventIDs.
    pub event_ids: Vec<String>,
}

impl Evidence {
    fn of(resource: &str, u: &Usage) -> Evidence {
        Evidence {
            resource: resource.to_string(),
            records: u.count,
            first_seen: u.first.map(format_time),
            last_seen: u.last.map(format_time),
            event_ids: u.samples.to_strings(),
        }
    }
}

/// An action the trails used, with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Used {
    /// `prefix:Action`.
    pub action: String,
    /// The service prefix.
    pub service: &'static str,
    /// The catalog's access level.
    pub access_level: &'static str,
    /// Whether the grant allows it on every resource used (false: the trail shows a
    /// call the grant does not allow: a failed call, or another policy allowed it).
    pub granted: bool,
    /// The resources used, each with its records.
    pub resources: Vec<Evidence>,
}

/// A used action granted on resources wider than the use.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceFinding {
    /// `prefix:Action`.
    pub action: String,
    /// The statement that grants it.
    pub statement: StatementRef,
    /// The granted patterns no used resource covers (with `not_resource`: the statement's
    /// `NotResource` list; it grants everything else).
    pub granted: Vec<String>,
    /// The statement is written with `NotResource`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_resource: bool,
    /// The resources the trails used (as the suggested policy writes them).
    pub used: Vec<String>,
}

/// Counts per access level of one service.
#[derive(Debug, Clone, Serialize)]
pub struct LevelUse {
    /// The access level.
    pub level: &'static str,
    /// Granted actions of that level.
    pub granted: usize,
    /// Of them, used.
    pub used: usize,
}

/// One service of the grant.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceUse {
    /// The service prefix.
    pub service: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Granted actions.
    pub granted: usize,
    /// Of them, used.
    pub used: usize,
    /// Per access level (levels with granted actions only).
    pub levels: Vec<LevelUse>,
}

/// An action whose resources the suggestion narrows.
#[derive(Debug, Clone, Serialize)]
pub struct Narrowed {
    /// `prefix:Action`.
    pub action: String,
    /// What the grant allows it on (the statements' patterns that fit the action;
    /// `NotResource` lists written `NotResource: …`).
    pub granted: Vec<String>,
    /// What the suggested policy allows it on.
    pub suggested: Vec<String>,
}

/// The grant against the suggested policy.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    /// Services the suggestion drops entirely.
    pub removed_services: Vec<String>,
    /// Actions the suggestion drops in the services it keeps.
    pub removed_actions: Vec<String>,
    /// Actions kept on fewer resources.
    pub narrowed: Vec<Narrowed>,
    /// Actions the suggestion allows that the grant does not (the trails show them).
    pub added: Vec<String>,
}

/// Totals.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Catalog actions the grant allows.
    pub granted_actions: usize,
    /// Of them, allowed only under conditions.
    pub conditional_actions: usize,
    /// Granted actions the trails used.
    pub used_actions: usize,
    /// Granted actions the trails never used.
    pub unused_actions: usize,
    /// Services with a granted action.
    pub granted_services: usize,
    /// Of them, with a used action.
    pub used_services: usize,
    /// Of them, with none.
    pub unused_services: usize,
    /// Used actions granted on resources wider than the use.
    pub resource_findings: usize,
    /// Actions the trails used that the grant does not allow.
    pub used_not_granted: usize,
}

/// The whole analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Totals.
    pub summary: Counts,
    /// Per service of the grant, sorted by prefix.
    pub services: Vec<ServiceUse>,
    /// Granted actions never used, sorted.
    pub unused: Vec<Unused>,
    /// Services none of whose granted actions was used.
    pub unused_services: Vec<UnusedService>,
    /// Actions used, with their records.
    pub used: Vec<Used>,
    /// Used actions granted wider than used.
    pub resources: Vec<ResourceFinding>,
    /// The grant against the suggested policy.
    pub diff: Diff,
}

/// Compares `grant` with the use `generated` shows (for `principal`, whose ARN fills
/// policy variables and the partition).
pub fn analyze(grant: &Grant, generated: &Generated, principal: Option<&str>) -> Analysis {
    let granted = grant.expand(principal);
    // Used: every (action, resource) of the generated statements, with its records.
    let mut used: BTreeMap<ActionId, Vec<(&str, &Usage)>> = BTreeMap::new();
    for st in &generated.synthesis.statements {
        for ((a, r), u) in &st.evidence {
            used.entry(*a).or_default().push((r.as_str(), u));
        }
    }
    for v in used.values_mut() {
        v.sort_by(|a, b| a.0.cmp(b.0));
        v.dedup_by(|a, b| a.0 == b.0);
    }
    let granted_set: BTreeSet<ActionId> = granted.iter().map(|g| g.action).collect();

    let mut unused = Vec::new();
    // Per service: granted, used, and the same per access level.
    let mut per_service: BTreeMap<&'static str, (usize, usize, LevelCounts)> = BTreeMap::new();
    for g in &granted {
        let level = access_level(g.action);
        let was_used = used.contains_key(&g.action);
        let e = per_service.entry(g.action.prefix).or_default();
        e.0 += 1;
        e.1 += usize::from(was_used);
        let l = e.2.entry(level).or_default();
        l.0 += 1;
        l.1 += usize::from(was_used);
        if !was_used {
            unused.push(Unused {
                action: g.action.to_string(),
                service: g.action.prefix,
                access_level: level,
                conditional: g.conditional,
                granted_by: g.by.clone(),
            });
        }
    }
    let services: Vec<ServiceUse> = per_service
        .iter()
        .map(|(prefix, (g, u, levels))| ServiceUse {
            service: prefix,
            name: crate::catalog::service(prefix).map_or(prefix, |s| s.name),
            granted: *g,
            used: *u,
            levels: LEVELS
                .iter()
                .filter_map(|l| {
                    levels.get(l).map(|(g, u)| LevelUse {
                        level: l,
                        granted: *g,
                        used: *u,
                    })
                })
                .collect(),
        })
        .collect();
    let unused_services: Vec<UnusedService> = services
        .iter()
        .filter(|s| s.used == 0)
        .map(|s| UnusedService {
            service: s.service,
            name: s.name,
            granted_actions: s.granted,
        })
        .collect();

    let mut used_out = Vec::new();
    let mut resources = Vec::new();
    let mut narrowed = Vec::new();
    for (a, rs) in &used {
        let full = a.to_string();
        let ok =
            granted_set.contains(a) && rs.iter().all(|(r, _)| grant.allows_on(&full, r, principal));
        used_out.push(Used {
            action: full.clone(),
            service: a.prefix,
            access_level: access_level(*a),
            granted: ok,
            resources: rs.iter().map(|(r, u)| Evidence::of(r, u)).collect(),
        });
        if !granted_set.contains(a) {
            continue;
        }
        let used_rs: Vec<String> = rs.iter().map(|(r, _)| r.to_string()).collect();
        let mut wide_all = Vec::new();
        for (statement, patterns) in grant.allowing(*a) {
            let (wider, not_resource) = match patterns {
                Some(ps) => (
                    ps.into_iter()
                        .filter(|p| !used_rs.iter().any(|u| covers(u, p)))
                        .collect::<Vec<_>>(),
                    false,
                ),
                None if used_rs.iter().any(|u| u == "*") => (Vec::new(), true),
                None => (not_resource_of(grant, &statement), true),
            };
            if wider.is_empty() {
                continue;
            }
            wide_all.extend(wider.iter().map(|p| {
                if not_resource {
                    format!("NotResource: {p}")
                } else {
                    p.clone()
                }
            }));
            resources.push(ResourceFinding {
                action: full.clone(),
                statement,
                granted: wider,
                not_resource,
                used: used_rs.clone(),
            });
        }
        if !wide_all.is_empty() {
            wide_all.sort();
            wide_all.dedup();
            narrowed.push(Narrowed {
                action: full.clone(),
                granted: wide_all,
                suggested: used_rs.clone(),
            });
        }
    }

    let unused_service_set: BTreeSet<&str> = unused_services.iter().map(|s| s.service).collect();
    let diff = Diff {
        removed_services: unused_service_set.iter().map(|s| s.to_string()).collect(),
        removed_actions: unused
            .iter()
            .filter(|u| !unused_service_set.contains(u.service))
            .map(|u| u.action.clone())
            .collect(),
        narrowed,
        added: used_out
            .iter()
            .filter(|u| !u.granted)
            .map(|u| u.action.clone())
            .collect(),
    };
    let summary = Counts {
        granted_actions: granted.len(),
        conditional_actions: granted.iter().filter(|g| g.conditional).count(),
        used_actions: granted.len() - unused.len(),
        unused_actions: unused.len(),
        granted_services: services.len(),
        used_services: services.len() - unused_services.len(),
        unused_services: unused_services.len(),
        resource_findings: resources.len(),
        used_not_granted: diff.added.len(),
    };
    Analysis {
        summary,
        services,
        unused,
        unused_services,
        used: used_out,
        resources,
        diff,
    }
}

/// The `NotResource` list of the statement `s` names.
fn not_resource_of(grant: &Grant, s: &StatementRef) -> Vec<String> {
    grant
        .documents()
        .iter()
        .filter(|(n, _)| *n == s.document)
        .flat_map(|(_, d)| d.statements.iter().enumerate())
        .filter(|(i, _)| s.path == format!("Statement[{i}]"))
        .filter_map(|(_, st)| st.not_resource.as_ref())
        .flat_map(|r| r.0.iter().cloned())
        .collect()
}

#[cfg(test)]
mod tests;

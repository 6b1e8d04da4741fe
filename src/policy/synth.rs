//! Synthesis: usage set → the smallest set of statements that allows exactly it.
//!
//! 0. Per-run parts of each resource (build numbers, UUIDs, hashes, timestamps) are
//!    written `*` in place ([`crate::policy::perrun`]) unless `pin` is set.
//! 1. Per (action, condition), resources covered by another of the same action are
//!    dropped (`*` covers all), and more than `generalize` siblings under one parent
//!    (`bucket/builds/1234/logs/…`) collapse to `parent*` — reported, never silent.
//! 2. Actions with the same resource set and condition share a statement.
//! 3. Statements are sorted and get Sids from their content, so the same usage gives
//!    the same bytes.

use std::borrow::Cow;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::catalog::{ActionId, Levels};
use crate::iam::arn::Arn;
use crate::iam::pattern::{Tokenized, is_pattern, literal_start};
use crate::iam::permission::{Condition, Permission};
use crate::iam::policy::{Conditions, Effect, OneOrMany, Statement};
use crate::policy::perrun::{self, Evidence, numeric_order};
use crate::usage::{Usage, UsageSet};

/// Synthesis options.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Collapse more than this many sibling resources to a prefix wildcard; 0 = never.
    pub generalize: usize,
    /// Keep per-run identifiers exact (no [`perrun`] rewriting).
    pub pin: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            generalize: 10,
            pin: false,
        }
    }
}

/// The rule name of a sibling collapse in [`Generalization::rules`].
pub const SIBLINGS: &str = "siblings";

/// How many of the replaced resources a [`Generalization`] keeps as examples.
pub const EXAMPLES: usize = 3;

/// How many of the numbers behind a `counter` a [`Generalization`] keeps.
pub const VARIED: usize = 5;

/// A wildcard iamtrail wrote in place of exact resources, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Generalization {
    /// The action.
    pub action: ActionId,
    /// The wildcard written (`arn:aws:s3:::b/builds/*/app.zip`).
    pub pattern: String,
    /// How many distinct resources it replaced.
    pub replaced: usize,
    /// The rules that made it: [`perrun::Shape`] names (`uuid`, `counter`, …) and
    /// [`SIBLINGS`].
    pub rules: BTreeSet<&'static str>,
    /// The first few resources it replaced, sorted.
    pub examples: Vec<String>,
    /// For the `counter` rule: the first few numbers seen varying at its place.
    pub varied: Vec<String>,
}

impl Generalization {
    fn absorb(&mut self, o: Generalization) {
        self.replaced += o.replaced;
        self.rules.extend(o.rules);
        self.add_examples(o.examples);
        self.add_varied(o.varied);
    }

    fn add_varied(&mut self, more: impl IntoIterator<Item = String>) {
        self.varied.extend(more);
        self.varied
            .sort_by(|a, b| numeric_order(a).cmp(&numeric_order(b)));
        self.varied.dedup();
        self.varied.truncate(VARIED);
    }

    fn add_examples(&mut self, more: impl IntoIterator<Item = String>) {
        self.examples.extend(more);
        self.examples.sort();
        self.examples.dedup();
        self.examples.truncate(EXAMPLES);
    }
}

/// One synthesized statement with the evidence behind it.
#[derive(Debug, Clone)]
pub struct SynthStatement {
    /// Sid.
    pub sid: String,
    /// Actions, sorted.
    pub actions: Vec<ActionId>,
    /// Resources, sorted.
    pub resources: Vec<String>,
    /// Condition.
    pub condition: Option<Condition>,
    /// Evidence per (action, resource as written in the statement).
    pub evidence: BTreeMap<(ActionId, String), Usage>,
}

impl SynthStatement {
    /// The permissions it grants, one per (action, resource) with evidence, in evidence
    /// order.
    pub fn permissions(&self) -> impl Iterator<Item = Permission<ActionId>> + '_ {
        self.evidence.keys().map(|(action, resource)| Permission {
            action: *action,
            resource: resource.clone(),
            condition: self.condition.clone().map(Box::new),
        })
    }

    /// The policy-model statement.
    pub fn to_statement(&self) -> Statement {
        let condition = self.condition.as_ref().map(|c| {
            let mut block = Conditions::new();
            block
                .entry(c.op)
                .or_default()
                .insert(c.key.to_string(), OneOrMany(vec![c.value.clone()]));
            block
        });
        Statement {
            sid: Some(self.sid.clone()),
            effect: Effect::Allow,
            principal: None,
            not_principal: None,
            action: Some(OneOrMany(
                self.actions.iter().map(ToString::to_string).collect(),
            )),
            not_action: None,
            resource: Some(OneOrMany(self.resources.clone())),
            not_resource: None,
            condition,
        }
    }
}

/// The result of synthesis.
#[derive(Debug, Clone, Default)]
pub struct Synthesis {
    /// Statements in output order.
    pub statements: Vec<SynthStatement>,
    /// Generalizations made.
    pub generalizations: Vec<Generalization>,
}

/// The parent of a resource for sibling grouping, if collapsing into it stays scoped:
/// the part kept must name more than the resource type (`role/` alone never, an S3
/// bucket always).
fn parent(res: &str) -> Option<&str> {
    let body = res.strip_suffix('*').unwrap_or(res);
    let body = body.strip_suffix(['/', ':']).unwrap_or(body);
    // Resource part: after the fifth ':'.
    let mut colons = body.match_indices(':').map(|(i, _)| i);
    let res_start = colons.nth(4)? + 1;
    let cut = body[res_start..].rfind(['/', ':'])? + res_start + 1;
    let kept = &body[res_start..cut];
    let separators = kept.matches(['/', ':']).count();
    let is_s3 = Arn::parse(body).is_ok_and(|a| a.service() == "s3") && !kept.contains(':');
    // Never cut inside an escape like `${*}`.
    if body[..cut].ends_with("${") || (separators < 2 && !is_s3) {
        return None;
    }
    Some(&body[..cut])
}

/// The generalizations made so far (all actions), in the order they were made; a
/// generalization later absorbed into a wider one is taken out. Indexed by (action,
/// pattern) so absorbing one is not a scan of all of them.
#[derive(Default)]
struct Made {
    list: Vec<Option<Generalization>>,
    live: HashMap<(ActionId, String), BTreeSet<usize>>,
}

impl Made {
    fn push(&mut self, g: Generalization) {
        self.live
            .entry((g.action, g.pattern.clone()))
            .or_default()
            .insert(self.list.len());
        self.list.push(Some(g));
    }

    /// Takes out the earliest live generalization of `action` that wrote `pattern`.
    fn take(&mut self, action: ActionId, pattern: &str) -> Option<Generalization> {
        let at = self.live.get_mut(&(action, pattern.to_owned()))?;
        let i = at.pop_first()?;
        self.list[i].take()
    }

    fn into_vec(self) -> Vec<Generalization> {
        self.list.into_iter().flatten().collect()
    }
}

/// Collapses more than `limit` siblings under one parent into `parent*`, repeatedly,
/// always the lexicographically first such parent next (a collapse adds the new pattern
/// to its own parent's group, which may then go over the limit). Groups are kept up to
/// date instead of recomputed after each collapse: a collapse empties one group and adds
/// at most one member to another, so the work is near-linear in the resources.
fn generalize(
    action: ActionId,
    resources: &mut BTreeMap<String, Usage>,
    limit: usize,
    made: &mut Made,
) {
    if limit == 0 {
        return;
    }
    // Most resource sets have no parent over the limit: find that out on borrowed keys
    // before copying every key into the groups below.
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    let mut any_over = false;
    for r in resources.keys() {
        if let Some(p) = parent(r) {
            let n = sizes.entry(p).or_default();
            *n += 1;
            any_over |= *n > limit;
        }
    }
    if !any_over {
        return;
    }
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in resources.keys() {
        if let Some(p) = parent(r) {
            groups.entry(p.to_owned()).or_default().insert(r.clone());
        }
    }
    let mut over: BTreeSet<String> = groups
        .iter()
        .filter(|(_, m)| m.len() > limit)
        .map(|(p, _)| p.clone())
        .collect();
    while let Some(p) = over.pop_first() {
        let members = groups.remove(&p).unwrap_or_default();
        let pattern = format!("{p}*");
        let mut merged = Usage::default();
        let mut g = Generalization {
            action,
            pattern: pattern.clone(),
            replaced: 0,
            rules: BTreeSet::from([SIBLINGS]),
            examples: Vec::new(),
            varied: Vec::new(),
        };
        for m in &members {
            let u = resources.remove(m).expect("member");
            // A member that was itself a generalization counts what it replaced.
            match made.take(action, m) {
                Some(inner) => g.absorb(inner),
                None => {
                    g.replaced += 1;
                    g.add_examples([m.clone()]);
                }
            }
            merged.merge(&u);
        }
        match resources.get_mut(&pattern) {
            Some(u) => u.merge(&merged),
            None => {
                resources.insert(pattern.clone(), merged);
                if let Some(q) = parent(&pattern) {
                    let group = groups.entry(q.to_owned()).or_default();
                    group.insert(pattern.clone());
                    if group.len() > limit {
                        over.insert(q.to_owned());
                    }
                }
            }
        }
        made.push(g);
    }
}

/// Drops resources another resource of the same set already covers. Only a pattern
/// (bare `*` or `?`) can cover something else, so each resource is checked against the
/// patterns only: linear in the resources for the usual few patterns, never quadratic in
/// the thousands of literal keys a big trail holds.
fn drop_covered(action: ActionId, resources: &mut BTreeMap<String, Usage>, made: &mut Made) {
    let patterns: Vec<(&str, Cow<'_, str>, Tokenized)> = resources
        .keys()
        .filter(|k| is_pattern(k))
        .map(|k| (k.as_str(), literal_start(k), Tokenized::new(k)))
        .collect();
    if patterns.is_empty() {
        return;
    }
    // Which resource each one folds into depends only on the patterns, not on what was
    // folded before: decide for every resource first (borrowing), then fold in order.
    let mut folds: Vec<(String, String)> = Vec::new();
    for k in resources.keys() {
        // A pattern covers only what begins with its literal start: comparing those
        // first rules out most pairs before any tokens are compared.
        let start = literal_start(k);
        let mut kt = None;
        // Between two patterns covering each other (equal), keep the smaller one.
        let wider = patterns.iter().find(|(o, o_start, ot)| {
            start.starts_with(o_start.as_ref()) && *o != k.as_str() && {
                let kt = kt.get_or_insert_with(|| Tokenized::new(k));
                ot.covers(kt) && !(kt.covers(ot) && k.as_str() < *o)
            }
        });
        if let Some((wider, ..)) = wider {
            folds.push((k.clone(), (*wider).to_owned()));
        }
    }
    drop(patterns);
    for (k, wider) in folds {
        if let Some(u) = resources.remove(&k) {
            match resources.get_mut(&wider) {
                Some(w) => {
                    w.merge(&u);
                    // What the dropped one generalized, the wider one now stands for
                    // when iamtrail wrote it too; a wider resource the records themselves
                    // gave (an unknown part) is reported as wide, not as a generalization.
                    if let Some(inner) = made.take(action, &k)
                        && let Some(mut outer) = made.take(action, &wider)
                    {
                        outer.absorb(inner);
                        made.push(outer);
                    }
                }
                None => {
                    resources.insert(k, u);
                }
            }
        }
    }
}

fn pascal(prefix: &str) -> String {
    prefix
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn sid_base(actions: &[ActionId], condition: &Option<Condition>) -> String {
    let prefixes: BTreeSet<&str> = actions.iter().map(|a| a.prefix).collect();
    if let (Some(c), [a]) = (condition, actions)
        && a.name == "PassRole"
    {
        let svc = c.value.split('.').next().unwrap_or("Service");
        return format!("PassRoleTo{}", pascal(svc));
    }
    let level = actions
        .iter()
        .map(|a| a.def().levels)
        .max_by_key(|l| level_rank(*l))
        .unwrap_or_default();
    let svc = if prefixes.len() == 1 {
        pascal(prefixes.first().expect("one"))
    } else {
        "MultiService".into()
    };
    format!("{svc}{}", level.primary())
}

fn level_rank(l: Levels) -> u8 {
    [
        Levels::PERMISSIONS,
        Levels::WRITE,
        Levels::TAGGING,
        Levels::READ,
        Levels::LIST,
    ]
    .iter()
    .position(|b| l.has(*b))
    .map_or(0, |p| 5 - p as u8)
}

/// Writes the per-run parts of every resource `*` ([`perrun::rewrite`]), with the whole
/// usage set as evidence (a number varies if any resource shows another at its place),
/// merging the evidence of resources that become one pattern.
fn per_run(
    per_action: &mut BTreeMap<(Option<Condition>, ActionId), BTreeMap<String, Usage>>,
    made: &mut Made,
) {
    let evidence = Evidence::from_resources(
        per_action
            .values()
            .flat_map(|rs| rs.keys().map(String::as_str)),
    );
    for ((_, action), resources) in per_action.iter_mut() {
        let mut out: BTreeMap<String, Usage> = BTreeMap::new();
        let mut found: BTreeMap<String, Generalization> = BTreeMap::new();
        for (r, u) in std::mem::take(resources) {
            match perrun::rewrite(*action, &r, &evidence) {
                Some(rw) => {
                    out.entry(rw.pattern.clone()).or_default().merge(&u);
                    let g = found
                        .entry(rw.pattern.clone())
                        .or_insert_with(|| Generalization {
                            action: *action,
                            pattern: rw.pattern,
                            replaced: 0,
                            rules: BTreeSet::new(),
                            examples: Vec::new(),
                            varied: Vec::new(),
                        });
                    g.replaced += 1;
                    g.rules.extend(rw.rules.iter().map(|s| s.as_str()));
                    g.add_examples([r]);
                    g.add_varied(rw.varied);
                }
                None => match out.entry(r) {
                    Entry::Vacant(e) => {
                        e.insert(u);
                    }
                    Entry::Occupied(mut e) => e.get_mut().merge(&u),
                },
            }
        }
        *resources = out;
        for g in found.into_values() {
            made.push(g);
        }
    }
}

/// Builds statements from a usage set (permissions with their evidence).
pub fn synthesize(usage: &UsageSet, opts: Options) -> Synthesis {
    // (condition, action) → resource → evidence
    let mut per_action: BTreeMap<(Option<Condition>, ActionId), BTreeMap<String, Usage>> =
        BTreeMap::new();
    // Keys of a usage set are distinct, so each entry is copied once, unsorted (the
    // maps sort), never merged into an empty one.
    for (
        Permission {
            action,
            resource,
            condition,
        },
        u,
    ) in usage.iter()
    {
        per_action
            .entry((condition.as_deref().cloned(), *action))
            .or_default()
            .insert(resource.clone(), u.clone());
    }
    let mut made = Made::default();
    if !opts.pin {
        per_run(&mut per_action, &mut made);
    }
    for ((_, action), resources) in per_action.iter_mut() {
        drop_covered(*action, resources, &mut made);
        generalize(*action, resources, opts.generalize, &mut made);
        drop_covered(*action, resources, &mut made);
    }
    let mut generalizations = made.into_vec();
    generalizations.sort();
    // (condition, resource set) → actions with their evidence, moved (not copied) out of
    // `per_action`; each (condition, action) lands in exactly one group.
    type Group = Vec<(ActionId, BTreeMap<String, Usage>)>;
    let mut groups: BTreeMap<(Option<Condition>, Vec<String>), Group> = BTreeMap::new();
    for ((cond, action), resources) in per_action {
        groups
            .entry((cond, resources.keys().cloned().collect()))
            .or_default()
            .push((action, resources));
    }
    let mut statements: Vec<SynthStatement> = groups
        .into_iter()
        .map(|((condition, resources), mut members)| {
            members.sort_by_key(|(a, _)| *a);
            let mut actions = Vec::with_capacity(members.len());
            let mut evidence = BTreeMap::new();
            for (a, rs) in members {
                actions.push(a);
                for (r, u) in rs {
                    evidence.insert((a, r), u);
                }
            }
            SynthStatement {
                sid: String::new(),
                actions,
                resources,
                condition,
                evidence,
            }
        })
        .collect();
    statements.sort_by(|a, b| {
        (a.condition.is_some(), a.actions.first(), &a.resources).cmp(&(
            b.condition.is_some(),
            b.actions.first(),
            &b.resources,
        ))
    });
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for s in &mut statements {
        let base = sid_base(&s.actions, &s.condition);
        let n = used.entry(base.clone()).or_default();
        *n += 1;
        s.sid = if *n == 1 { base } else { format!("{base}{n}") };
    }
    Synthesis {
        statements,
        generalizations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::permission::PermissionRef;
    use crate::map::{NeedRef, Via};

    fn add(set: &mut UsageSet, action: &str, res: &str) {
        set.add(
            NeedRef {
                permission: PermissionRef::new(ActionId::lookup(action).unwrap(), res),
                via: Via::Catalog,
                unknown: &[],
            },
            None,
            None,
        );
    }

    /// The straightforward loop `generalize` must agree with: recompute the groups, take
    /// the first over the limit, collapse it, until none is.
    fn generalize_reference(
        action: ActionId,
        resources: &mut BTreeMap<String, Usage>,
        limit: usize,
        out: &mut Vec<Generalization>,
    ) {
        loop {
            let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for r in resources.keys() {
                if let Some(p) = parent(r) {
                    groups.entry(p.to_string()).or_default().push(r.clone());
                }
            }
            let Some((p, members)) = groups.into_iter().find(|(_, m)| m.len() > limit) else {
                return;
            };
            let pattern = format!("{p}*");
            let mut merged = Usage::default();
            let mut replaced = 0;
            for m in &members {
                let u = resources.remove(m).expect("member");
                replaced += out
                    .iter()
                    .position(|g| g.action == action && &g.pattern == m)
                    .map_or(1, |i| out.remove(i).replaced);
                merged.merge(&u);
            }
            resources.entry(pattern.clone()).or_default().merge(&merged);
            out.push(Generalization {
                action,
                pattern,
                replaced,
                rules: BTreeSet::new(),
                examples: Vec::new(),
                varied: Vec::new(),
            });
        }
    }

    /// What the reference loop checks: action, pattern and count.
    fn shape(gs: Vec<Generalization>) -> Vec<(ActionId, String, usize)> {
        let mut v: Vec<_> = gs
            .into_iter()
            .map(|g| (g.action, g.pattern, g.replaced))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn generalize_matches_the_reference_loop() {
        let action = ActionId::lookup("s3:PutObject").unwrap();
        // Nested prefixes where parents go over the limit before and after their
        // children collapse, and a pattern that already exists.
        let mut keys = vec!["arn:aws:s3:::b/a/*".to_string()];
        let mut x = 7u64;
        for i in 0..3000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let depth = (x >> 60) % 4;
            let mut k = "arn:aws:s3:::b".to_string();
            for d in 0..depth {
                k.push_str(&format!("/{}", (x >> (8 * d)) % 5));
            }
            k.push_str(&format!("/k{i}"));
            keys.push(k);
        }
        for limit in [1, 2, 3, 10, 50] {
            for n in [5, 40, 300, 3000] {
                let set: BTreeMap<String, Usage> = keys[..n]
                    .iter()
                    .map(|k| (k.clone(), Usage::default()))
                    .collect();
                let (mut a, mut b) = (set.clone(), set);
                let mut want = Vec::new();
                generalize_reference(action, &mut a, limit, &mut want);
                let mut made = Made::default();
                generalize(action, &mut b, limit, &mut made);
                let got = made.into_vec();
                assert_eq!(a, b, "limit {limit}, {n} keys");
                assert_eq!(shape(got), shape(want), "limit {limit}, {n} keys");
            }
        }
    }

    #[test]
    fn parents_stay_scoped() {
        assert_eq!(
            parent("arn:aws:s3:::b/logs/1.txt"),
            Some("arn:aws:s3:::b/logs/")
        );
        assert_eq!(parent("arn:aws:s3:::b/k"), Some("arn:aws:s3:::b/"));
        assert_eq!(parent("arn:aws:s3:::b/logs/*"), Some("arn:aws:s3:::b/"));
        assert_eq!(parent("arn:aws:s3:::b"), None);
        assert_eq!(parent("arn:aws:iam::1:role/ci"), None);
        assert_eq!(parent("arn:aws:lambda:r:1:function:f"), None);
        assert_eq!(
            parent("arn:aws:logs:r:1:log-group:/aws/cb/ci:log-stream:abc"),
            Some("arn:aws:logs:r:1:log-group:/aws/cb/ci:log-stream:")
        );
        assert_eq!(parent("*"), None);
    }

    #[test]
    fn groups_generalizes_and_is_stable() {
        let mut set = UsageSet::default();
        for i in 0..12 {
            add(
                &mut set,
                "s3:PutObject",
                &format!("arn:aws:s3:::b/logs/{i}.txt"),
            );
        }
        add(&mut set, "s3:GetObject", "arn:aws:s3:::b/a");
        add(&mut set, "s3:GetObject", "arn:aws:s3:::b/${*}");
        add(&mut set, "ec2:DescribeVpcs", "*");
        add(&mut set, "sts:GetSessionToken", "*");
        let pinned = Options {
            pin: true,
            ..Options::default()
        };
        let s = synthesize(&set, pinned);
        let got: Vec<_> = s
            .statements
            .iter()
            .map(|s| (s.sid.as_str(), s.actions.len(), s.resources.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("MultiServiceRead", 2, vec!["*".to_string()]),
                (
                    "S3Read",
                    1,
                    vec!["arn:aws:s3:::b/${*}".into(), "arn:aws:s3:::b/a".into()]
                ),
                ("S3Write", 1, vec!["arn:aws:s3:::b/logs/*".into()]),
            ]
        );
        assert_eq!(
            s.generalizations,
            [Generalization {
                action: ActionId::lookup("s3:PutObject").unwrap(),
                pattern: "arn:aws:s3:::b/logs/*".into(),
                replaced: 12,
                rules: BTreeSet::from([SIBLINGS]),
                examples: vec![
                    "arn:aws:s3:::b/logs/0.txt".into(),
                    "arn:aws:s3:::b/logs/1.txt".into(),
                    "arn:aws:s3:::b/logs/10.txt".into()
                ],
                varied: Vec::new(),
            }]
        );
        let none = synthesize(
            &set,
            Options {
                generalize: 0,
                pin: true,
            },
        );
        assert_eq!(
            none.statements
                .iter()
                .map(|s| s.resources.len())
                .sum::<usize>(),
            1 + 2 + 12
        );
    }

    #[test]
    fn per_run_parts_become_one_pattern_with_the_evidence() {
        let mut set = UsageSet::default();
        for b in [1233, 1234, 1235] {
            add(
                &mut set,
                "s3:PutObject",
                &format!("arn:aws:s3:::b/builds/{b}/app.zip"),
            );
        }
        add(
            &mut set,
            "s3:GetObject",
            "arn:aws:s3:::b/builds/1234/app.zip",
        );
        add(
            &mut set,
            "s3:GetObject",
            "arn:aws:s3:::b/releases/latest/app.zip",
        );
        let ls = "arn:aws:logs:r:1:log-group:/aws/codebuild/ci:log-stream:";
        for id in [
            "619fb204-ecc2-45bf-80ef-cb519985f774",
            "72fb0856-c977-4c17-a25d-8a261f64186f",
        ] {
            add(&mut set, "logs:CreateLogStream", &format!("{ls}{id}"));
            add(
                &mut set,
                "logs:CreateLogStream",
                &format!("{ls}{id}-post-build"),
            );
        }
        let s = synthesize(&set, Options::default());
        let res: Vec<_> = s
            .statements
            .iter()
            .map(|st| (st.actions[0].to_string(), st.resources.clone()))
            .collect();
        assert_eq!(
            res,
            [
                ("logs:CreateLogStream".to_string(), vec![format!("{ls}*")]),
                (
                    "s3:GetObject".into(),
                    vec![
                        "arn:aws:s3:::b/builds/*/app.zip".into(),
                        "arn:aws:s3:::b/releases/latest/app.zip".into()
                    ]
                ),
                (
                    "s3:PutObject".into(),
                    vec!["arn:aws:s3:::b/builds/*/app.zip".into()]
                ),
            ]
        );
        let g: Vec<_> = s
            .generalizations
            .iter()
            .map(|g| {
                (
                    g.action.to_string(),
                    g.pattern.as_str(),
                    g.replaced,
                    g.rules.iter().copied().collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            g,
            [
                (
                    "logs:CreateLogStream".into(),
                    &*format!("{ls}*"),
                    4,
                    vec!["uuid"]
                ),
                (
                    "s3:GetObject".into(),
                    "arn:aws:s3:::b/builds/*/app.zip",
                    1,
                    vec!["counter"]
                ),
                (
                    "s3:PutObject".into(),
                    "arn:aws:s3:::b/builds/*/app.zip",
                    3,
                    vec!["counter"]
                ),
            ]
        );
        assert_eq!(s.generalizations[1].varied, ["1233", "1234", "1235"]);
        assert_eq!(
            s.generalizations[2].examples,
            [
                "arn:aws:s3:::b/builds/1233/app.zip",
                "arn:aws:s3:::b/builds/1234/app.zip",
                "arn:aws:s3:::b/builds/1235/app.zip"
            ]
        );
        // --pin keeps every resource exact.
        let pinned = synthesize(
            &set,
            Options {
                pin: true,
                ..Options::default()
            },
        );
        assert!(pinned.generalizations.is_empty());
        assert_eq!(
            pinned
                .statements
                .iter()
                .map(|s| s.resources.len())
                .sum::<usize>(),
            4 + 2 + 3
        );
    }
}

//! Events whose needed action depends on what the request carries, not only on its name.
//! These are rules in code because they read values, not just the presence of keys:
//!
//! - DynamoDB `TransactWriteItems`: each item's `operation` (Put, Update, Delete,
//!   ConditionCheck) is authorized as `dynamodb:<op>Item` on that item's table
//!   (DynamoDB Developer Guide, "Using IAM with DynamoDB transactions").
//! - DynamoDB PartiQL `ExecuteStatement`, `BatchExecuteStatement`, `ExecuteTransaction`:
//!   the statement's verb is authorized as `dynamodb:PartiQLSelect|Insert|Update|Delete`
//!   (DynamoDB Developer Guide, "IAM security policies with PartiQL for DynamoDB").

use bumpalo::Bump;
use bumpalo::collections::Vec as BumpVec;
use simd_json::prelude::ValueIntoString as _;

use super::resources::Place;
use crate::catalog::ActionId;
use crate::decode::Record;
use crate::decode::record::Json;
use crate::iam::pattern::escape_in;

/// The rule, if the event has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentRule {
    /// `TransactWriteItems`.
    TransactWrite,
    /// PartiQL statements.
    PartiQl,
}

impl ContentRule {
    /// The rule for `prefix:EventName`, if any.
    pub fn for_event(scope: &str) -> Option<ContentRule> {
        match scope {
            "dynamodb:TransactWriteItems" => Some(ContentRule::TransactWrite),
            "dynamodb:ExecuteStatement"
            | "dynamodb:BatchExecuteStatement"
            | "dynamodb:ExecuteTransaction" => Some(ContentRule::PartiQl),
            _ => None,
        }
    }
}

fn table_arn<'a>(bump: &'a Bump, place: &Place<'a>, name: &'a str) -> &'a str {
    if name.starts_with("arn:") {
        return escape_in(bump, name);
    }
    bumpalo::format!(in bump,
        "arn:{}:dynamodb:{}:{}:table/{}",
        place.partition,
        escape_in(bump, place.region),
        escape_in(bump, place.account),
        escape_in(bump, name)
    )
    .into_bump_str()
}

fn str_field<'v>(v: Json<'v>, keys: &[&str]) -> Option<&'v str> {
    keys.iter()
        .find_map(|k| v.get(*k).and_then(|x| x.into_string()))
}

fn partiql_action(statement: &str) -> Option<&'static str> {
    let verb = statement.split_whitespace().next()?;
    ["SELECT", "INSERT", "UPDATE", "DELETE"]
        .into_iter()
        .zip([
            "PartiQLSelect",
            "PartiQLInsert",
            "PartiQLUpdate",
            "PartiQLDelete",
        ])
        .find(|(v, _)| verb.eq_ignore_ascii_case(v))
        .map(|(_, action)| action)
}

/// The table a PartiQL statement names (`FROM t`, `INTO t`, `UPDATE t`), quotes removed.
fn partiql_table(statement: &str) -> Option<&str> {
    let mut words = statement.split_whitespace();
    words.find(|w| {
        w.eq_ignore_ascii_case("FROM")
            || w.eq_ignore_ascii_case("INTO")
            || w.eq_ignore_ascii_case("UPDATE")
    })?;
    let t = words
        .next()?
        .split('.')
        .next()?
        .trim_matches(|c| c == '"' || c == '\'');
    (!t.is_empty()).then_some(t)
}

/// The (action, resource) pairs the record needed under `rule`, sorted and distinct, in
/// the mapper's arena. Empty when the request does not show them (the event is then
/// unmapped, and reported).
pub fn needs<'a>(
    bump: &'a Bump,
    rule: ContentRule,
    r: &Record<'a>,
    place: &Place<'a>,
) -> BumpVec<'a, (ActionId, &'a str)> {
    let mut out = BumpVec::new_in(bump);
    let Some(params) = r.request_parameters() else {
        return out;
    };
    let tables = || {
        r.resources()
            .map(|(a, _)| a)
            .filter(|a| a.contains(":table/"))
    };
    let mut push = |action: &str, table: Option<&'a str>| {
        let Some(a) = ActionId::find("dynamodb", action) else {
            return;
        };
        // The ARN AWS wrote in `resources` wins over one built from the name.
        let written = table.and_then(|t| {
            tables().find(|arn| {
                arn.strip_suffix(t)
                    .is_some_and(|head| head.ends_with(":table/"))
            })
        });
        match (table, written) {
            (_, Some(arn)) => out.push((a, escape_in(bump, arn))),
            (Some(t), None) => out.push((a, table_arn(bump, place, t))),
            (None, None) if tables().next().is_some() => {
                out.extend(tables().map(|t| (a, escape_in(bump, t))))
            }
            (None, None) => {
                let any = table_arn(bump, place, "");
                out.push((a, bumpalo::format!(in bump, "{}*", any).into_bump_str()))
            }
        }
    };
    match rule {
        ContentRule::TransactWrite => {
            for item in params
                .get("requestItems")
                .and_then(|x| x.as_array())
                .into_iter()
                .flat_map(|a| a.iter())
            {
                let Some(op) = str_field(item, &["operation", "Operation"]) else {
                    continue;
                };
                let action = bumpalo::format!(in bump, "{}Item", op);
                push(&action, str_field(item, &["tableName", "TableName"]));
            }
        }
        ContentRule::PartiQl => {
            let from_resources = tables().next().is_some();
            let single = str_field(params, &["statement", "Statement"]);
            let listed = ["requestItems", "statements", "transactStatements"]
                .into_iter()
                .filter_map(|key| params.get(key).and_then(|x| x.as_array()))
                .flat_map(|a| a.iter())
                .filter_map(|item| str_field(item, &["statement", "Statement"]));
            for s in single.into_iter().chain(listed) {
                if let Some(action) = partiql_action(s) {
                    push(action, partiql_table(s).filter(|_| !from_resources));
                }
            }
        }
    }
    out.sort_unstable();
    dedup(&mut out);
    out
}

/// Drops repeats from a sorted list, in place.
fn dedup<T: PartialEq + Copy>(v: &mut BumpVec<'_, T>) {
    let mut kept = 0;
    for i in 0..v.len() {
        if kept == 0 || v[kept - 1] != v[i] {
            v[kept] = v[i];
            kept += 1;
        }
    }
    v.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partiql_verbs_and_tables() {
        assert_eq!(partiql_action("select * from Music"), Some("PartiQLSelect"));
        assert_eq!(
            partiql_action("  DELETE FROM \"Music\" WHERE a=1"),
            Some("PartiQLDelete")
        );
        assert_eq!(partiql_action("EXISTS(SELECT 1)"), None);
        assert_eq!(
            partiql_table("SELECT * FROM \"Music\".\"idx\" WHERE x"),
            Some("Music")
        );
        assert_eq!(partiql_table("INSERT INTO Music VALUE {}"), Some("Music"));
        assert_eq!(partiql_table("UPDATE Music SET a=1"), Some("Music"));
    }
}

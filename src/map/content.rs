//! Events whose needed action depends on what the request carries, not only on its name.
//! These are rules in code because they read values, not just the presence of keys:
//!
//! - DynamoDB `TransactWriteItems`: each item's `operation` (Put, Update, Delete,
//!   ConditionCheck) is authorized as `dynamodb:<op>Item` on that item's table
//!   (DynamoDB Developer Guide, "Using IAM with DynamoDB transactions").
//! - DynamoDB PartiQL `ExecuteStatement`, `BatchExecuteStatement`, `ExecuteTransaction`:
//!   the statement's verb is authorized as `dynamodb:PartiQLSelect|Insert|Update|Delete`
//!   (DynamoDB Developer Guide, "IAM security policies with PartiQL for DynamoDB").

use simd_json::prelude::*;

use super::resources::Place;
use crate::catalog::ActionId;
use crate::decode::Record;
use crate::decode::record::Json;
use crate::policy::escape::escape;

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

fn table_arn(place: &Place<'_>, name: &str) -> String {
    if name.starts_with("arn:") {
        return escape(name).into_owned();
    }
    format!(
        "arn:{}:dynamodb:{}:{}:table/{}",
        place.partition,
        escape(place.region),
        escape(place.account),
        escape(name)
    )
}

fn str_field<'v>(v: Json<'v>, keys: &[&str]) -> Option<&'v str> {
    keys.iter()
        .find_map(|k| v.get(*k).and_then(|x| x.into_string()))
}

fn partiql_action(statement: &str) -> Option<&'static str> {
    let verb = statement.split_whitespace().next()?.to_ascii_uppercase();
    Some(match verb.as_str() {
        "SELECT" => "PartiQLSelect",
        "INSERT" => "PartiQLInsert",
        "UPDATE" => "PartiQLUpdate",
        "DELETE" => "PartiQLDelete",
        _ => return None,
    })
}

/// The table a PartiQL statement names (`FROM t`, `INTO t`, `UPDATE t`), quotes removed.
fn partiql_table(statement: &str) -> Option<&str> {
    let words: Vec<&str> = statement.split_whitespace().collect();
    let i = words.iter().position(|w| {
        w.eq_ignore_ascii_case("FROM")
            || w.eq_ignore_ascii_case("INTO")
            || w.eq_ignore_ascii_case("UPDATE")
    })?;
    let t = words
        .get(i + 1)?
        .split('.')
        .next()?
        .trim_matches(|c| c == '"' || c == '\'');
    (!t.is_empty()).then_some(t)
}

/// The (action, resource) pairs the record needed under `rule`. Empty when the request
/// does not show them (the event is then unmapped, and reported).
pub fn needs(rule: ContentRule, r: &Record<'_>, place: &Place<'_>) -> Vec<(ActionId, String)> {
    let mut out = Vec::new();
    let Some(params) = r.request_parameters() else {
        return out;
    };
    let from_resources: Vec<&str> = r
        .resources()
        .map(|(a, _)| a)
        .filter(|a| a.contains(":table/"))
        .collect();
    let mut push = |action: &str, table: Option<&str>| {
        let Some(a) = ActionId::find("dynamodb", action) else {
            return;
        };
        // The ARN AWS wrote in `resources` wins over one built from the name.
        let written = table.and_then(|t| {
            from_resources
                .iter()
                .find(|arn| arn.ends_with(&format!(":table/{t}")))
        });
        match (table, written) {
            (_, Some(arn)) => out.push((a, escape(arn).into_owned())),
            (Some(t), None) => out.push((a, table_arn(place, t))),
            (None, None) if !from_resources.is_empty() => {
                out.extend(from_resources.iter().map(|t| (a, escape(t).into_owned())))
            }
            (None, None) => out.push((a, table_arn(place, "*").replace("${*}", "*"))),
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
                let action = format!("{op}Item");
                push(&action, str_field(item, &["tableName", "TableName"]));
            }
        }
        ContentRule::PartiQl => {
            let mut statements: Vec<&str> = Vec::new();
            if let Some(s) = str_field(params, &["statement", "Statement"]) {
                statements.push(s);
            }
            for key in ["requestItems", "statements", "transactStatements"] {
                for item in params
                    .get(key)
                    .and_then(|x| x.as_array())
                    .into_iter()
                    .flat_map(|a| a.iter())
                {
                    if let Some(s) = str_field(item, &["statement", "Statement"]) {
                        statements.push(s);
                    }
                }
            }
            for s in statements {
                if let Some(action) = partiql_action(s) {
                    push(
                        action,
                        partiql_table(s).filter(|_| from_resources.is_empty()),
                    );
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
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

//! Running the query in Athena (`generate --athena WORKGROUP`): StartQueryExecution, then
//! GetQueryExecution polled with back-off until the query ends, then GetQueryResults page
//! by page. Calls are retried as the S3 source's are (the SDK's standard retry mode:
//! throttling, 5xx and transient network errors with exponential backoff and jitter);
//! errors read as the S3 source's do ([`crate::aws::describe`]).

use std::time::Duration;

use aws_sdk_athena::Client;
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};

use super::result::Row;
use super::sql::COLUMNS;
use crate::aws::{AwsOptions, DEFAULT_ATTEMPTS, describe, load, undefined_profile};

/// Where and how to run the query.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The workgroup.
    pub workgroup: String,
    /// `s3://…` for the result (else the workgroup's).
    pub output: Option<String>,
    /// The database the table is in (else the workgroup's default, `default`).
    pub database: Option<String>,
    /// Profile, endpoint, region.
    pub aws: AwsOptions,
}

/// A query that ran.
#[derive(Debug, Clone, Default)]
pub struct Ran {
    /// The query execution id.
    pub id: String,
    /// The result rows.
    pub rows: Vec<Row>,
    /// `Statistics.DataScannedInBytes`.
    pub bytes_scanned: u64,
    /// `Statistics.TotalExecutionTimeInMillis`.
    pub millis: u64,
}

/// Why the query gave no result.
#[derive(Debug, thiserror::Error)]
pub enum AthenaError {
    /// A call failed (after retries).
    #[error("Athena {call}: {why}")]
    Call {
        /// The API call.
        call: &'static str,
        /// What AWS (or the network) said.
        why: String,
    },
    /// The query failed or was cancelled.
    #[error("Athena query {id} {state}: {why}")]
    Query {
        /// The execution id.
        id: String,
        /// FAILED or CANCELLED.
        state: String,
        /// `Status.StateChangeReason`.
        why: String,
    },
    /// The result does not have the query's columns.
    #[error("Athena query {id}: the result has no column `{column}`")]
    Column {
        /// The execution id.
        id: String,
        /// The column.
        column: &'static str,
    },
    /// The profile is not defined, or no runtime.
    #[error("{0}")]
    Setup(String),
}

/// Athena's list price for a query: $5 per TB scanned, the bytes rounded up to the
/// megabyte with a 10 MB minimum per query ("Amazon Athena pricing"). TB and MB are
/// binary here (2^40, 2^20 bytes).
pub fn cost_usd(bytes_scanned: u64) -> f64 {
    const MB: u64 = 1 << 20;
    let mb = bytes_scanned.div_ceil(MB).max(10);
    mb as f64 * 5.0 / (1u64 << 20) as f64
}

/// The poll delays: 100 ms doubling to 5 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((100u64 << attempt.min(6)).min(5_000))
}

/// Runs `sql`; `progress` is told each state change and each page read.
pub fn run(opts: &Options, sql: &str, progress: &mut dyn FnMut(&str)) -> Result<Ran, AthenaError> {
    if let Some(m) = undefined_profile(opts.aws.profile.as_deref()) {
        return Err(AthenaError::Setup(m));
    }
    let rt = crate::aws::runtime().map_err(|e| AthenaError::Setup(e.to_string()))?;
    rt.block_on(run_async(opts, sql, progress))
}

async fn run_async(
    opts: &Options,
    sql: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<Ran, AthenaError> {
    let sdk = load(&opts.aws, DEFAULT_ATTEMPTS).await;
    let client = Client::new(&sdk);
    let profile = opts.aws.profile.as_deref();
    let mut start = client
        .start_query_execution()
        .query_string(sql)
        .work_group(&opts.workgroup);
    if let Some(db) = &opts.database {
        start =
            start.query_execution_context(QueryExecutionContext::builder().database(db).build());
    }
    if let Some(o) = &opts.output {
        start =
            start.result_configuration(ResultConfiguration::builder().output_location(o).build());
    }
    let started = start.send().await.map_err(|e| AthenaError::Call {
        call: "StartQueryExecution",
        why: describe(&e, profile),
    })?;
    let id = started.query_execution_id().unwrap_or_default().to_string();
    progress(&format!(
        "query {id} started in workgroup {}",
        opts.workgroup
    ));
    let mut attempt = 0;
    let mut last_state = String::new();
    let (bytes_scanned, millis) = loop {
        let got = client
            .get_query_execution()
            .query_execution_id(&id)
            .send()
            .await
            .map_err(|e| AthenaError::Call {
                call: "GetQueryExecution",
                why: describe(&e, profile),
            })?;
        let q = got.query_execution();
        let status = q.and_then(|q| q.status());
        let state = status.and_then(|s| s.state()).cloned();
        let name = state
            .as_ref()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        if name != last_state {
            progress(&format!("query {id}: {name}"));
            last_state = name.clone();
        }
        match state {
            Some(QueryExecutionState::Succeeded) => {
                let st = q.and_then(|q| q.statistics());
                break (
                    st.and_then(|s| s.data_scanned_in_bytes())
                        .unwrap_or(0)
                        .max(0) as u64,
                    st.and_then(|s| s.total_execution_time_in_millis())
                        .unwrap_or(0)
                        .max(0) as u64,
                );
            }
            Some(QueryExecutionState::Failed | QueryExecutionState::Cancelled) => {
                return Err(AthenaError::Query {
                    id,
                    state: name,
                    why: status
                        .and_then(|s| s.state_change_reason())
                        .unwrap_or("no reason given")
                        .to_string(),
                });
            }
            _ => {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
        }
    };
    let mut rows = Vec::new();
    let mut index: Option<Vec<usize>> = None;
    let mut token: Option<String> = None;
    let mut first_page = true;
    loop {
        let page = client
            .get_query_results()
            .query_execution_id(&id)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AthenaError::Call {
                call: "GetQueryResults",
                why: describe(&e, profile),
            })?;
        let Some(set) = page.result_set() else { break };
        if index.is_none() {
            let names: Vec<&str> = set
                .result_set_metadata()
                .map(|m| m.column_info().iter().map(|c| c.name()).collect())
                .unwrap_or_default();
            let mut ix = Vec::new();
            for c in COLUMNS {
                match names.iter().position(|n| n == c) {
                    Some(i) => ix.push(i),
                    None => return Err(AthenaError::Column { id, column: c }),
                }
            }
            index = Some(ix);
        }
        let ix = index.as_ref().expect("set above");
        // A SELECT's first row of the first page is the header.
        for (n, r) in set.rows().iter().enumerate() {
            if first_page && n == 0 {
                continue;
            }
            let data = r.data();
            rows.push(Row(ix
                .iter()
                .map(|&i| {
                    data.get(i)
                        .and_then(|d| d.var_char_value())
                        .map(str::to_string)
                })
                .collect()));
        }
        first_page = false;
        progress(&format!("query {id}: {} result rows read", rows.len()));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(Ran {
        id,
        rows,
        bytes_scanned,
        millis,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_price_has_a_10_mb_minimum() {
        // 10 MB at $5 per 1,048,576 MB.
        assert!((cost_usd(0) - 50.0 / 1_048_576.0).abs() < 1e-12);
        assert_eq!(cost_usd(1), cost_usd(10 << 20));
        assert!((cost_usd(1 << 40) - 5.0).abs() < 1e-9);
        assert!(cost_usd((10 << 20) + 1) > cost_usd(10 << 20));
    }

    #[test]
    fn polling_backs_off_to_five_seconds() {
        assert_eq!(backoff(0), Duration::from_millis(100));
        assert_eq!(backoff(3), Duration::from_millis(800));
        assert_eq!(backoff(20), Duration::from_secs(5));
    }
}

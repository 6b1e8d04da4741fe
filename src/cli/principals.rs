//! `iamtrail principals`: who is in the input.

use anyhow::Result;

use super::render::{config, ingest};
use super::report::{self, summary_lines};
use super::{PrincipalsArgs, exit, write_stdout};

/// Lists principals with record counts (all records of the input, before selection by
/// principal; the time, region and account filters apply to the counts below them).
pub fn run(a: PrincipalsArgs) -> Result<u8> {
    let cfg = config(&a.input)?;
    let got = ingest(&a.input, &cfg)?;
    let s = &got.summary;
    if a.json {
        let json = serde_json::json!({ "principals": s.principals, "summary": s });
        write_stdout(&format!("{}\n", serde_json::to_string_pretty(&json)?))?;
    } else {
        let mut rows: Vec<_> = s.principals.iter().collect();
        rows.sort_by(|a, b| b.1.records.cmp(&a.1.records).then(a.0.cmp(b.0)));
        let mut table = String::new();
        for (p, seen) in rows {
            let kind = seen.kind.as_deref().unwrap_or("?");
            table += &format!("{:>8}  {kind:<6}  {p}\n", seen.records);
        }
        write_stdout(&table)?;
        report::print(&summary_lines(s), a.input.quiet);
    }
    if s.records.read == 0 {
        report::print_error(
            &iamtrail::diagnose::nothing_selected(&cfg.selection, s)
                .map(|n| n.to_string())
                .unwrap_or_default(),
        );
        report::print_exit(exit::FAILED, "the input holds no CloudTrail record");
        return Ok(exit::FAILED);
    }
    let (code, why) = report::exit_reason(s, a.input.allow_partial);
    report::print_exit(code, &why);
    Ok(code)
}

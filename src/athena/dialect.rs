//! The few places where DuckDB (the embedded engine the tests run the SQL on) and Athena
//! (Trino) differ, all in one table.
//!
//! The query [`super::sql`] writes is Athena's; DuckDB runs the very same text once the
//! macros below are defined, so a test of the SQL tests what Athena receives. Each row says
//! which Athena construct the query uses, what stands in for it on DuckDB, and why.

/// One difference between Athena and DuckDB.
#[derive(Debug, Clone, Copy)]
pub struct Difference {
    /// The Athena (Trino) construct the query uses.
    pub athena: &'static str,
    /// What DuckDB runs instead: a `CREATE MACRO` statement, or (when the construct needs
    /// none) a note of how the table stands in.
    pub duckdb: &'static str,
    /// Why it differs.
    pub why: &'static str,
}

/// Every difference the generated SQL meets. `duckdb` entries starting `CREATE` are the
/// prelude [`duckdb_prelude`] prints.
pub const DIFFERENCES: &[Difference] = &[
    Difference {
        athena: "json_format(json)",
        duckdb: "CREATE OR REPLACE TEMP MACRO json_format(j) AS CAST(j AS VARCHAR)",
        why: "Trino prints a JSON value as text with json_format; DuckDB's JSON type is text already",
    },
    Difference {
        athena: "json_extract_scalar(text, path)",
        duckdb: "CREATE OR REPLACE TEMP MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)",
        why: "the same function under DuckDB's name (used by the OCSF query)",
    },
    Difference {
        athena: "to_iso8601(timestamp)",
        duckdb: "CREATE OR REPLACE TEMP MACRO to_iso8601(t) AS strftime(t, '%Y-%m-%dT%H:%M:%S.%gZ')",
        why: "the OCSF table's time_dt is a timestamp; the result carries first/last seen as CloudTrail's ISO 8601 text",
    },
    Difference {
        athena: "from_iso8601_timestamp(text)",
        duckdb: "CREATE OR REPLACE TEMP MACRO from_iso8601_timestamp(s) AS CAST(replace(s, 'Z', '') AS TIMESTAMP)",
        why: "the OCSF window bounds; DuckDB's fixture time_dt is a UTC timestamp without zone",
    },
    Difference {
        athena: "CAST(resources AS JSON) on ARRAY(ROW(arn, accountid, type))",
        duckdb: "native: a list of structs casts to an array of objects",
        why: "Trino may cast a ROW to a JSON array in field order instead of an object: the result reader takes both shapes",
    },
    Difference {
        athena: "partition columns account, region, \"timestamp\" (partition projection over AWSLogs/<account>/CloudTrail/<region>/yyyy/MM/dd)",
        duckdb: "plain columns of the fixture table, filled from each object's key",
        why: "DuckDB has no partition projection; the WHERE clause reads the same either way",
    },
    Difference {
        athena: "requestparameters, responseelements: STRING holding the record's JSON text (CloudTrail SerDe)",
        duckdb: "VARCHAR holding the JSON text of the field (json_extract(record, '$.requestParameters'))",
        why: "the same text either way; the reader parses it back",
    },
    Difference {
        athena: "OCSF partitions accountid, region, eventday (yyyyMMdd) of Security Lake's table",
        duckdb: "plain columns of the OCSF fixture table, derived from the CloudTrail fixture's",
        why: "DuckDB has no Glue catalog; the WHERE clause reads the same either way",
    },
];

/// The statements that make DuckDB accept the Athena query text as is.
pub fn duckdb_prelude() -> String {
    let mut s =
        String::from("-- iamtrail: DuckDB stand-ins for the Athena functions the query uses\n");
    for d in DIFFERENCES
        .iter()
        .filter(|d| d.duckdb.starts_with("CREATE"))
    {
        s.push_str(d.duckdb);
        s.push_str(";\n");
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_prelude_defines_every_macro() {
        let p = super::duckdb_prelude();
        assert!(p.contains("MACRO json_format(j)") && p.contains("MACRO json_extract_scalar"));
        assert_eq!(p.matches("CREATE OR REPLACE TEMP MACRO").count(), 4);
    }
}

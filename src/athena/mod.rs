//! Athena and Security Lake: the SQL that does selection and reduction where the trail
//! already sits (`athena-sql`), the table it reads (`--ddl`), the reader that turns a
//! query result back into records for the local pipeline (`generate --from-athena-result`),
//! and the client that runs the query (`generate --athena`).
//!
//! The query is Athena's (Trino) dialect; the few differences DuckDB needs to run the same
//! text are the table in [`dialect`].

pub mod client;
pub mod ddl;
pub mod dialect;
pub mod result;
pub mod sql;

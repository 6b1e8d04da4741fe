//! iamtrail: least-privilege IAM policies from CloudTrail logs.
//!
//! # Layers
//!
//! The crate is a stack of layers; a module uses only its own layer and the ones below
//! it (`tests/layers.rs` reads every `crate::` path in `src/` and fails on an upward
//! one). Bottom first:
//!
//! | Layer | Modules | What it is |
//! |---|---|---|
//! | core | `iam`, `percent`, `time` | The typed IAM model with no I/O: ARNs, wildcard patterns, the policy document AST, permissions, the evaluator. |
//! | catalog | `catalog` | What AWS defines: services, actions, resource types and ARN templates, plus the curated and derived tables in `action-map/`. |
//! | reading | `decode`, `source`, `aws`, `capture` | Getting CloudTrail records: the `Source` trait (local files, stdin, S3), object layouts, the record decoder, AWS SDK configuration, and live capture: a local proxy that sees a workload's AWS calls and writes them as CloudTrail-shaped records. |
//! | mapping | `map`, `select` | Which records count (principal, time, region, account) and what permissions each one needed. |
//! | usage | `usage`, `calls`, `report`, `ingest` | The ingest pipeline driving any source into a usage set with evidence (or, for `replay`, a set of distinct calls with their request context), and the accounting of every object and record. |
//! | synthesis | `policy`, `generate` | From usage to policy documents: grouping, per-run generalization, splitting to quotas, JSON/Terraform/CloudFormation. |
//! | commands | `denied`, `feedback`, `apply`, `diagnose`, `validate`, `check`, `unused`, `replay`, `audit`, `athena` | Reading AccessDenied messages, refining policies, the retry loop, applying to IAM, explaining empty results; linting policies as IAM Access Analyzer does; Access Analyzer's custom policy checks; unused access; replaying trails against proposed policies; account audits (credentials, external access); the Athena / Security Lake path (SQL, results, the query run). |
//! | cli | `cli` | Argument parsing and rendering (text, colour, progress, JSON) and exit codes; the binary only. |
//!
//! The hot path — `source` → `decode` → `select` → `map` → `usage` inside `ingest` —
//! allocates nothing per record once warmed up (`tests/no_alloc.rs`).
pub mod apply;
pub mod athena;
pub mod audit;
pub mod aws;
pub mod calls;
pub mod capture;
pub mod catalog;
pub mod check;
pub mod decode;
pub mod denied;
pub mod diagnose;
pub mod feedback;
pub mod generate;
pub mod iam;
pub mod ingest;
pub mod map;
pub mod percent;
pub mod policy;
pub mod replay;
pub mod report;
pub mod select;
pub mod source;
pub mod time;
pub mod unused;
pub mod usage;
pub mod validate;

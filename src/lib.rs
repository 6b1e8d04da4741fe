//! iamtrail: least-privilege IAM policies from CloudTrail logs.
pub mod catalog;
pub mod decode;
pub mod map;
pub mod policy;
pub mod usage;
pub mod ingest;
pub mod report;
pub mod select;
pub mod source;
pub mod generate;
pub mod cli;

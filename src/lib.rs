//! iamtrail: least-privilege IAM policies from CloudTrail logs.
pub mod apply;
pub mod aws;
pub mod catalog;
pub mod cli;
pub mod decode;
pub mod denied;
pub mod diagnose;
pub mod feedback;
pub mod generate;
pub mod ingest;
pub mod map;
pub mod percent;
pub mod policy;
pub mod report;
pub mod select;
pub mod source;
pub mod usage;

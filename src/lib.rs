//! iamtrail: least-privilege IAM policies from CloudTrail logs.
pub mod catalog;
pub mod decode;
pub mod select;
pub mod map;
pub mod policy;

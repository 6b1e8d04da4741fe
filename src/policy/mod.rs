//! Policies from a usage set: synthesis, per-run generalization, size limits, output
//! (the document itself lives in [`crate::iam::policy`]).
pub mod emit;
pub mod hcl;
pub mod perrun;
pub mod split;
pub mod synth;
pub mod tree;
pub mod yaml;

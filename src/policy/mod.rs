//! Policies: the document model, synthesis from a usage set, size limits, output.
pub mod emit;
pub mod escape;
pub mod eval;
pub mod hcl;
pub mod model;
pub mod perrun;
pub mod split;
pub mod synth;
pub mod tree;
pub mod yaml;

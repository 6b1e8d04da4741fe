//! Policies: the document model, synthesis from a usage set, size limits, output.
pub mod escape;

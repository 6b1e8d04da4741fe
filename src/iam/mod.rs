//! IAM's own semantics, no I/O: the bottom layer of the crate.
pub mod permission;

//! The IAM core: IAM's own semantics as plain types, at the bottom of the crate.
//!
//! - [`arn`]: one `Arn` type (parse, parts, `ArnLike` matching).
//! - [`bounds`]: the one table of condition keys that bound who can get in.
//! - [`pattern`]: IAM wildcards and the `${*}`, `${?}`, `${$}` escapes.
//! - [`policy`]: the policy document tree, read from JSON with element paths and line and
//!   column in its errors, condition operators as an enum, written back as JSON.
//! - [`permission`]: the one (action, resource pattern, condition) every layer speaks.
//! - [`eval`]: one evaluator (a request and a policy set in; the decision and the
//!   statements that decided it out).
//!
//! The core does no I/O and imports nothing from the crate above it (only `percent` and `time`):
//! every other layer may use it.
pub mod arn;
pub mod bounds;
pub mod eval;
pub mod pattern;
pub mod permission;
pub mod policy;

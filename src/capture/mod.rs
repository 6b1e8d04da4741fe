//! Live capture's pure half: which AWS call a raw HTTP request is ([`route`]), and the
//! CloudTrail-shaped record that says so ([`record`]). No sockets here: the proxy that
//! `iamtrail capture -- CMD` runs hands each request and response over as bytes.
//!
//! The routing data comes from the AWS SDK service models ([`table`], embedded from
//! `action-map/models/routes.tsv`). A record written here goes through the same decoder and
//! mapper as any trail, so its parameters are named as CloudTrail names them.

pub mod record;
pub mod route;
pub mod table;
mod wire;

pub use record::{Outcome, Who, record};
pub use route::{Call, HIDDEN, Request, RouteError, route};

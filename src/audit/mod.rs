//! Account audits, offline from files and live from an account: which resources can be
//! reached from outside the account or organization (`external`).

pub mod external;

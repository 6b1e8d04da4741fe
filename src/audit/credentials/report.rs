//! The IAM credential report as AWS documents it ("Getting credential reports for your
//! AWS account", IAM User Guide, "Understanding the report format"): a CSV file with 22
//! columns in a fixed order, one row per IAM user plus `<root_account>` for the account
//! root user. Dates are ISO 8601; a value that does not apply is `N/A`; a password
//! never used since IAM began tracking (October 2014) is `no_information`; a column the
//! root user lacks (its password is managed elsewhere) is `not_supported`. Booleans are
//! `TRUE`/`FALSE` (older reports and some tools write them lowercase).

use super::csv::{self, CsvError};

/// The columns, in the order the documentation lists them.
pub const COLUMNS: [&str; 22] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

/// The `user` value of the account root user's row.
pub const ROOT_USER: &str = "<root_account>";

/// A date column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// A time (epoch seconds, UTC).
    At(i64),
    /// `N/A`: the credential does not exist or was never used.
    NotApplicable,
    /// `no_information`: never used since IAM began tracking.
    NoInformation,
    /// `not_supported`: the column does not apply to this row (the root user).
    NotSupported,
}

impl Stamp {
    /// The time, when there is one.
    pub fn at(self) -> Option<i64> {
        match self {
            Stamp::At(t) => Some(t),
            _ => None,
        }
    }

    /// As the report writes it (times as `YYYY-MM-DDTHH:MM:SSZ`).
    pub fn show(self) -> String {
        match self {
            Stamp::At(t) => crate::time::format_time(t),
            Stamp::NotApplicable => "N/A".into(),
            Stamp::NoInformation => "no_information".into(),
            Stamp::NotSupported => "not_supported".into(),
        }
    }
}

/// One access key's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// `access_key_N_active`.
    pub active: bool,
    /// `access_key_N_last_rotated`: created or last changed.
    pub last_rotated: Stamp,
    /// `access_key_N_last_used_date`.
    pub last_used: Stamp,
    /// `access_key_N_last_used_region` (`N/A` when never used).
    pub last_used_region: String,
    /// `access_key_N_last_used_service`.
    pub last_used_service: String,
}

impl AccessKey {
    /// Whether the key exists (active or not): IAM writes its creation date.
    pub fn exists(&self) -> bool {
        self.last_rotated.at().is_some()
    }
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// Line of the row in its file.
    pub line: usize,
    /// `user`: the friendly name, or `<root_account>`.
    pub user: String,
    /// `arn`.
    pub arn: String,
    /// `user_creation_time`.
    pub created: Stamp,
    /// `password_enabled` (`None`: `not_supported`, the root user).
    pub password_enabled: Option<bool>,
    /// `password_last_used`.
    pub password_last_used: Stamp,
    /// `password_last_changed`.
    pub password_last_changed: Stamp,
    /// `password_next_rotation`.
    pub password_next_rotation: Stamp,
    /// `mfa_active`.
    pub mfa_active: bool,
    /// `access_key_1_*` and `access_key_2_*`.
    pub keys: [AccessKey; 2],
    /// `cert_1_active`, `cert_2_active`.
    pub certs_active: [bool; 2],
    /// `cert_1_last_rotated`, `cert_2_last_rotated`.
    pub certs_rotated: [Stamp; 2],
}

impl UserRow {
    /// The account root user's row.
    pub fn is_root(&self) -> bool {
        self.user == ROOT_USER
    }
}

/// A parsed report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialReport {
    /// The rows, as in the file.
    pub rows: Vec<UserRow>,
}

/// Why a file is not a credential report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// Not CSV.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// No header line.
    #[error("empty: a credential report starts with a header line naming its 22 columns")]
    Empty,
    /// The header is not the documented one.
    #[error("line 1: {0}")]
    Header(String),
    /// A row with too few or too many fields.
    #[error("line {line}: {found} fields, the header names 22")]
    FieldCount {
        /// Line of the row.
        line: usize,
        /// Fields found.
        found: usize,
    },
    /// A value a column cannot hold.
    #[error("line {line}, column `{column}`: {problem}")]
    Value {
        /// Line of the row.
        line: usize,
        /// The column's name.
        column: &'static str,
        /// What is wrong.
        problem: String,
    },
}

/// Checks the header against [`COLUMNS`]: names a missing, extra or misplaced column.
fn check_header(found: &[String]) -> Result<(), ReportError> {
    let found: Vec<&str> = found.iter().map(|f| f.trim()).collect();
    if found == COLUMNS {
        return Ok(());
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !found.contains(c))
        .collect();
    let extra: Vec<&str> = found
        .iter()
        .copied()
        .filter(|c| !COLUMNS.contains(c))
        .collect();
    let mut why = Vec::new();
    if !missing.is_empty() {
        why.push(format!("missing column(s) {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        why.push(format!("unknown column(s) {}", extra.join(", ")));
    }
    if why.is_empty() {
        let at = found
            .iter()
            .zip(COLUMNS)
            .position(|(f, c)| *f != c)
            .unwrap_or(0);
        why.push(format!(
            "column {} is `{}`, the documented order has `{}` there",
            at + 1,
            found.get(at).copied().unwrap_or(""),
            COLUMNS[at]
        ));
    }
    Err(ReportError::Header(format!(
        "not the credential report's header ({}); expected the 22 documented columns: {}",
        why.join("; "),
        COLUMNS.join(",")
    )))
}

/// Parses one row's fields.
struct Row<'a> {
    line: usize,
    fields: &'a [String],
}

impl Row<'_> {
    fn raw(&self, i: usize) -> &str {
        self.fields[i].trim()
    }

    fn bad(&self, i: usize, problem: String) -> ReportError {
        ReportError::Value {
            line: self.line,
            column: COLUMNS[i],
            problem,
        }
    }

    fn boolean(&self, i: usize) -> Result<bool, ReportError> {
        let v = self.raw(i);
        if v.eq_ignore_ascii_case("true") {
            Ok(true)
        } else if v.eq_ignore_ascii_case("false") {
            Ok(false)
        } else {
            Err(self.bad(i, format!("`{v}` is not TRUE or FALSE")))
        }
    }

    fn stamp(&self, i: usize) -> Result<Stamp, ReportError> {
        let v = self.raw(i);
        Ok(match v {
            "N/A" | "n/a" => Stamp::NotApplicable,
            "no_information" => Stamp::NoInformation,
            "not_supported" => Stamp::NotSupported,
            _ => {
                match crate::decode::parse_time(v) {
                    Some(t) => Stamp::At(t),
                    None => {
                        return Err(self.bad(
                        i,
                        format!("`{v}` is not an ISO 8601 time, N/A, no_information or not_supported"),
                    ));
                    }
                }
            }
        })
    }

    fn key(&self, first: usize) -> Result<AccessKey, ReportError> {
        Ok(AccessKey {
            active: self.boolean(first)?,
            last_rotated: self.stamp(first + 1)?,
            last_used: self.stamp(first + 2)?,
            last_used_region: self.raw(first + 3).to_string(),
            last_used_service: self.raw(first + 4).to_string(),
        })
    }

    fn parse(&self) -> Result<UserRow, ReportError> {
        if self.fields.len() != COLUMNS.len() {
            return Err(ReportError::FieldCount {
                line: self.line,
                found: self.fields.len(),
            });
        }
        let user = self.fields[0].clone();
        if user.is_empty() {
            return Err(self.bad(0, "empty".into()));
        }
        let password_enabled = match self.raw(3) {
            "not_supported" => None,
            _ => Some(self.boolean(3)?),
        };
        Ok(UserRow {
            line: self.line,
            user,
            arn: self.fields[1].clone(),
            created: self.stamp(2)?,
            password_enabled,
            password_last_used: self.stamp(4)?,
            password_last_changed: self.stamp(5)?,
            password_next_rotation: self.stamp(6)?,
            mfa_active: self.boolean(7)?,
            keys: [self.key(8)?, self.key(13)?],
            certs_active: [self.boolean(18)?, self.boolean(20)?],
            certs_rotated: [self.stamp(19)?, self.stamp(21)?],
        })
    }
}

impl CredentialReport {
    /// Parses the report's bytes (the CSV as downloaded, or as `GetCredentialReport`'s
    /// `Content` decodes to).
    pub fn parse(input: &[u8]) -> Result<CredentialReport, ReportError> {
        let records = csv::parse(input)?;
        let (header, rows) = records.split_first().ok_or(ReportError::Empty)?;
        if header.line != 1 {
            return Err(ReportError::Header(format!(
                "the header is on line {}, not line 1",
                header.line
            )));
        }
        check_header(&header.fields)?;
        let rows = rows
            .iter()
            .map(|r| {
                Row {
                    line: r.line,
                    fields: &r.fields,
                }
                .parse()
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CredentialReport { rows })
    }
}

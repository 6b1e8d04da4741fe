//! Condition operators as IAM spells them: `StringEquals`, `ArnLikeIfExists`,
//! `ForAllValues:StringLike`, … An operator IAM does not know is an error when the
//! policy is read, never a condition that silently does not apply.

use std::fmt;
use std::str::FromStr;

macro_rules! bases {
    ($($(#[$doc:meta])* $v:ident),* $(,)?) => {
        /// The operator itself, without `IfExists` or a set qualifier.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum OperatorBase {
            $($(#[$doc])* $v,)*
        }

        impl OperatorBase {
            /// Every operator, in IAM's documentation order.
            pub const ALL: &'static [OperatorBase] = &[$(OperatorBase::$v,)*];

            /// IAM's spelling.
            pub fn name(self) -> &'static str {
                match self {
                    $(OperatorBase::$v => stringify!($v),)*
                }
            }
        }
    };
}

bases! {
    /// Exact, case-sensitive.
    StringEquals,
    /// Negated [`OperatorBase::StringEquals`].
    StringNotEquals,
    /// Exact, ignoring case.
    StringEqualsIgnoreCase,
    /// Negated [`OperatorBase::StringEqualsIgnoreCase`].
    StringNotEqualsIgnoreCase,
    /// Case-sensitive with `*`/`?` wildcards.
    StringLike,
    /// Negated [`OperatorBase::StringLike`].
    StringNotLike,
    /// `=` on numbers.
    NumericEquals,
    /// `≠` on numbers.
    NumericNotEquals,
    /// `<` on numbers.
    NumericLessThan,
    /// `≤` on numbers.
    NumericLessThanEquals,
    /// `>` on numbers.
    NumericGreaterThan,
    /// `≥` on numbers.
    NumericGreaterThanEquals,
    /// `=` on dates (ISO 8601 or epoch seconds).
    DateEquals,
    /// `≠` on dates.
    DateNotEquals,
    /// Before.
    DateLessThan,
    /// At or before.
    DateLessThanEquals,
    /// After.
    DateGreaterThan,
    /// At or after.
    DateGreaterThanEquals,
    /// `true`/`false`.
    Bool,
    /// Base64 bytes, compared exactly.
    BinaryEquals,
    /// In an IPv4/IPv6 CIDR range.
    IpAddress,
    /// Not in any of the ranges.
    NotIpAddress,
    /// ARN, part by part, with wildcards.
    ArnEquals,
    /// ARN, part by part, with wildcards.
    ArnLike,
    /// Negated [`OperatorBase::ArnEquals`].
    ArnNotEquals,
    /// Negated [`OperatorBase::ArnLike`].
    ArnNotLike,
    /// Whether the key is absent (`true`) or present (`false`).
    Null,
}

impl OperatorBase {
    /// Whether the operator is a negation (`StringNotEquals`, `NotIpAddress`, …): such a
    /// condition holds when the key is absent.
    pub fn is_negated(self) -> bool {
        use OperatorBase::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// The family the operator belongs to, which fixes what its values must look like.
    pub fn family(self) -> Family {
        use OperatorBase::*;
        match self {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | StringLike
            | StringNotLike => Family::String,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => Family::Numeric,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => Family::Date,
            Bool => Family::Bool,
            BinaryEquals => Family::Binary,
            IpAddress | NotIpAddress => Family::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Family::Arn,
            Null => Family::Null,
        }
    }
}

/// Operator families: what the values of an operator must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Strings.
    String,
    /// Numbers.
    Numeric,
    /// Dates.
    Date,
    /// `true` or `false`.
    Bool,
    /// Base64.
    Binary,
    /// IP addresses and CIDR ranges.
    Ip,
    /// ARNs.
    Arn,
    /// `true` or `false` (absent or present).
    Null,
}

/// How a multi-valued key is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// `ForAnyValue:`: at least one value of the key matches.
    ForAnyValue,
    /// `ForAllValues:`: every value of the key matches (true when the key is absent).
    ForAllValues,
}

impl SetQualifier {
    /// IAM's spelling, without the `:`.
    pub fn name(self) -> &'static str {
        match self {
            SetQualifier::ForAnyValue => "ForAnyValue",
            SetQualifier::ForAllValues => "ForAllValues",
        }
    }
}

/// A condition operator: the base, `IfExists`, and a set qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    /// The operator.
    pub base: OperatorBase,
    /// `…IfExists`: holds when the key is absent.
    pub if_exists: bool,
    /// `ForAnyValue:` / `ForAllValues:`.
    pub set: Option<SetQualifier>,
}

impl Operator {
    /// `StringEquals`: what the mapper writes (`iam:PassedToService` on PassRole).
    pub const STRING_EQUALS: Operator = Operator::plain(OperatorBase::StringEquals);

    /// The base alone: no `IfExists`, no set qualifier.
    pub const fn plain(base: OperatorBase) -> Operator {
        Operator {
            base,
            if_exists: false,
            set: None,
        }
    }
}

impl From<OperatorBase> for Operator {
    fn from(base: OperatorBase) -> Self {
        Operator::plain(base)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = self.set {
            write!(f, "{}:", s.name())?;
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// Why a name is not a condition operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a condition operator{hint}: {why}")]
pub struct OperatorError {
    hint: String,
    why: String,
}

impl FromStr for Operator {
    type Err = OperatorError;

    fn from_str(s: &str) -> Result<Self, OperatorError> {
        let (set, rest) = match s.split_once(':') {
            Some(("ForAnyValue", r)) => (Some(SetQualifier::ForAnyValue), r),
            Some(("ForAllValues", r)) => (Some(SetQualifier::ForAllValues), r),
            Some((q, _)) => {
                return Err(OperatorError {
                    hint: did_you_mean(q, &["ForAnyValue", "ForAllValues"]),
                    why: "the only qualifiers are ForAnyValue: and ForAllValues:".into(),
                });
            }
            None => (None, s),
        };
        let (name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(n) => (n, true),
            None => (rest, false),
        };
        let unknown = || {
            let names: Vec<&str> = OperatorBase::ALL.iter().map(|b| b.name()).collect();
            OperatorError {
                hint: did_you_mean(name, &names),
                why: "IAM knows the String, Numeric, Date, Bool, BinaryEquals, IpAddress, Arn and Null operators".into(),
            }
        };
        let base = *OperatorBase::ALL
            .iter()
            .find(|b| b.name() == name)
            .ok_or_else(unknown)?;
        if base == OperatorBase::Null && if_exists {
            return Err(OperatorError {
                hint: String::new(),
                why: "Null takes no IfExists (it already tests whether the key exists)".into(),
            });
        }
        Ok(Operator {
            base,
            if_exists,
            set,
        })
    }
}

// Ordered by IAM spelling, so condition blocks are written in the order a JSON object
// with these names as keys would be.
impl Ord for Operator {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.to_string().cmp(&other.to_string())
    }
}

impl PartialOrd for Operator {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl serde::Serialize for Operator {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// ` (did you mean "X"?)` for the known name closest to `got` (same letters ignoring
/// case, or up to two edits away), or nothing.
pub(crate) fn did_you_mean(got: &str, known: &[&str]) -> String {
    let near = |a: &str, b: &str| {
        let (a, b): (Vec<char>, Vec<char>) = (
            a.to_lowercase().chars().collect(),
            b.to_lowercase().chars().collect(),
        );
        // Levenshtein distance, small inputs.
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let sub = prev[j] + usize::from(ca != cb);
                cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()] <= 2
    };
    known
        .iter()
        .find(|k| near(got, k))
        .map(|m| format!(" (did you mean {m:?}?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_spelling() {
        for base in OperatorBase::ALL {
            for if_exists in [false, true] {
                for set in [
                    None,
                    Some(SetQualifier::ForAnyValue),
                    Some(SetQualifier::ForAllValues),
                ] {
                    let op = Operator {
                        base: *base,
                        if_exists,
                        set,
                    };
                    let text = op.to_string();
                    if *base == OperatorBase::Null && if_exists {
                        assert!(text.parse::<Operator>().is_err(), "{text}");
                    } else {
                        assert_eq!(text.parse::<Operator>(), Ok(op), "{text}");
                    }
                }
            }
        }
        let op: Operator = "ForAllValues:StringLikeIfExists".parse().unwrap();
        assert_eq!(op.base, OperatorBase::StringLike);
        assert!(op.if_exists);
        assert_eq!(op.set, Some(SetQualifier::ForAllValues));
    }

    #[test]
    fn unknown_names_are_errors_with_a_hint() {
        let e = "StringEqulas".parse::<Operator>().unwrap_err().to_string();
        assert!(e.contains("did you mean \"StringEquals\"?"), "{e}");
        assert!("DateFuture".parse::<Operator>().is_err());
        assert!("ForSomeValues:StringEquals".parse::<Operator>().is_err());
        assert!("stringequals".parse::<Operator>().is_err());
        assert!("NullIfExists".parse::<Operator>().is_err());
    }
}

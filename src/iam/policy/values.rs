//! The typed values condition operators compare: numbers, dates, IP ranges, booleans.
//! The reader uses these to reject a policy value no request could match (a Deny that
//! could never apply), the evaluator to compare.

use std::net::IpAddr;

use crate::time::days_from_civil;

/// A number as the Numeric operators read it.
pub fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// `true` or `false`, in any case, as `Bool` reads it.
pub fn boolean(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A date as the Date operators read it, in milliseconds since the Unix epoch: epoch
/// seconds (`1700000000`), or ISO 8601 (`2026-01-31`, `2026-01-31T12:00:00Z`, with
/// optional fraction and `±HH:MM` offset; no offset means UTC).
pub fn date(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok()?.checked_mul(1000);
    }
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=days_in_month(y, m)).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, m as u32, d as u32) * 86_400_000;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(ms);
    }
    let rest = rest.strip_prefix(['T', 't'])?;
    let t = rest.as_bytes();
    if t.len() < 5 || t[2] != b':' {
        return None;
    }
    let (hh, mi) = (num(11..13)?, num(14..16)?);
    let mut i = 16;
    let mut ss = 0;
    if b.get(i) == Some(&b':') {
        ss = num(17..19)?;
        i = 19;
    }
    if hh > 23 || mi > 59 || ss > 60 {
        return None;
    }
    ms += ((hh * 60 + mi) * 60 + ss) * 1000;
    if b.get(i) == Some(&b'.') {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let frac = &s[i + 1..i + 1 + digits.min(3)];
        ms += frac.parse::<i64>().ok()? * 10_i64.pow(3 - frac.len() as u32);
        i += 1 + digits;
    }
    match &s[i..] {
        "" | "Z" | "z" => Some(ms),
        off if off.len() == 6 && (off.starts_with('+') || off.starts_with('-')) => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if off.as_bytes()[3] != b':' || oh > 23 || om > 59 {
                return None;
            }
            let off_ms = (oh * 60 + om) * 60_000;
            Some(if off.starts_with('+') {
                ms - off_ms
            } else {
                ms + off_ms
            })
        }
        _ => None,
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// An IPv4 or IPv6 range (`203.0.113.0/24`, `2001:db8::/32`; a bare address is a /32 or
/// /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses a range; `None` when it is not one.
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|&n| n <= max)?
            }
            Some(_) => return None,
            None => max,
        };
        Some(Cidr { addr, prefix })
    }

    /// Whether the range is every address of its family (`0.0.0.0/0`, `::/0`).
    pub fn contains_everything(&self) -> bool {
        self.prefix == 0
    }

    /// Whether `ip` lies in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        fn bits(ip: IpAddr) -> (u128, u32) {
            match ip {
                IpAddr::V4(v) => (u128::from(u32::from(v)) << 96, 32),
                IpAddr::V6(v) => (u128::from(v), 128),
            }
        }
        // An IPv4-mapped IPv6 request address compares with IPv4 ranges.
        let ip = match ip {
            IpAddr::V6(v) if self.addr.is_ipv4() => v.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            ip => ip,
        };
        let ((a, wa), (b, wb)) = (bits(self.addr), bits(ip));
        if wa != wb {
            return false;
        }
        let mask = if self.prefix == 0 {
            0
        } else {
            u128::MAX << (128 - u32::from(self.prefix))
        };
        a & mask == b & mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date("1970-01-01"), Some(0));
        assert_eq!(date("1700000000"), Some(1_700_000_000_000));
        assert_eq!(date("2023-11-14T22:13:20Z"), Some(1_700_000_000_000));
        assert_eq!(date("2023-11-14T23:13:20+01:00"), Some(1_700_000_000_000));
        assert_eq!(date("2023-11-14T22:13:20.5Z"), Some(1_700_000_000_500));
        assert_eq!(date("2023-11-14T22:13Z"), Some(1_699_999_980_000));
        assert_eq!(date("2024-02-29"), Some(19_782 * 86_400_000));
        for bad in [
            "2023-02-29",
            "2023-13-01",
            "tomorrow",
            "2023-11-14T25:00:00Z",
            "",
            "2023-11-14T22:13:20+0100",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }

    #[test]
    fn ranges() {
        let r = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(r.contains("203.0.113.9".parse().unwrap()));
        assert!(!r.contains("203.0.114.9".parse().unwrap()));
        assert!(r.contains("::ffff:203.0.113.9".parse().unwrap()));
        let r6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(r6.contains("2001:db8::1".parse().unwrap()));
        assert!(!r6.contains("2001:db9::1".parse().unwrap()));
        assert!(!r6.contains("203.0.113.9".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(
            Cidr::parse("10.0.0.1")
                .unwrap()
                .contains("10.0.0.1".parse().unwrap())
        );
        for bad in ["10.0.0.0/33", "10.0.0/8", "x", "10.0.0.0/", "10.0.0.0/+8"] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers_and_booleans() {
        assert_eq!(number("3600"), Some(3600.0));
        assert_eq!(number("1.5"), Some(1.5));
        assert_eq!(number("ten"), None);
        assert_eq!(number("NaN"), None);
        assert_eq!(boolean("TRUE"), Some(true));
        assert_eq!(boolean("no"), None);
    }
}

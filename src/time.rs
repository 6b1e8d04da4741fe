//! Calendar arithmetic on UTC epoch seconds, for every layer that reads or writes a time:
//! CloudTrail's `eventTime`, S3 key layouts by day, `Date` condition operators, records
//! written by capture. Proleptic Gregorian calendar (Howard Hinnant's algorithms); no
//! time zones, no clock.

/// Days since 1970-01-01 of a civil date (`m` 1–12, `d` 1–31).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// (year, month, day, hour, minute, second), UTC, of epoch seconds.
pub fn civil(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    (y, m.into(), d.into(), s / 3600, s / 60 % 60, s % 60)
}

/// Formats epoch seconds as CloudTrail writes `eventTime`: `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_time(t: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(t);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for z in -800_000..800_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn formats_event_time() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        let t = days_from_civil(2026, 11, 20) * 86_400 + 9 * 3600 + 5 * 60 + 12;
        assert_eq!(format_time(t), "2026-11-20T09:05:12Z");
        assert_eq!(civil(t), (2026, 11, 20, 9, 5, 12));
        assert_eq!(format_time(-1), "1969-12-31T23:59:59Z");
    }
}

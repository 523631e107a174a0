//! Timestamps: UTC, RFC 3339 with `Z` on the wire, microsecond precision everywhere so a value
//! read back from storage compares equal to the one written. Requests may also carry an
//! offset-less ISO 8601 time, which is taken as UTC.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// A point in time, always UTC.
pub type Timestamp = OffsetDateTime;

/// Now, truncated to microseconds (the precision of storage).
pub fn now() -> Timestamp {
    from_micros(to_micros(OffsetDateTime::now_utc()))
}

/// Microseconds since the Unix epoch (the storage representation).
pub fn to_micros(t: Timestamp) -> i64 {
    let nanos = t.unix_timestamp_nanos();
    i64::try_from(nanos.div_euclid(1_000)).unwrap_or(i64::MAX)
}

/// The inverse of [`to_micros`]; out-of-range values saturate to the Unix epoch.
pub fn from_micros(us: i64) -> Timestamp {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Formats as RFC 3339 in UTC with a `Z`.
pub fn format(t: Timestamp) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

/// Parses RFC 3339 (any offset), or an offset-less `YYYY-MM-DDTHH:MM[:SS[.fff]]` taken as UTC
/// (a space may stand for the `T`). The result is truncated to microseconds.
pub fn parse(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let t = if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        t
    } else {
        let normal = s.replacen(' ', "T", 1);
        let with_secs = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        let with_frac =
            format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");
        let minutes = format_description!("[year]-[month]-[day]T[hour]:[minute]");
        PrimitiveDateTime::parse(&normal, &with_frac)
            .or_else(|_| PrimitiveDateTime::parse(&normal, &with_secs))
            .or_else(|_| PrimitiveDateTime::parse(&normal, &minutes))
            .ok()?
            .assume_utc()
    };
    Some(from_micros(to_micros(t)))
}

/// A short human age such as `45s`, `3h`, `2d`, `5w`, `1y` (for tables).
pub fn age(then: Timestamp, now: Timestamp) -> String {
    let secs = (now - then).whole_seconds().max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3_600),
        s if s < 14 * 86_400 => format!("{}d", s / 86_400),
        s if s < 365 * 86_400 => format!("{}w", s / (7 * 86_400)),
        s => format!("{}y", s / (365 * 86_400)),
    }
}

/// serde adapters: `#[serde(with = "tms_core::timefmt::serde_ts")]`.
pub mod serde_ts {
    use super::{Timestamp, format, parse};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let raw = String::deserialize(d)?;
        parse(&raw).ok_or_else(|| D::Error::custom(format!("invalid date-time: {raw:?}")))
    }

    /// For `Option<Timestamp>` fields.
    pub mod option {
        use super::super::{Timestamp, format, parse};
        use serde::{Deserialize, Deserializer, Serializer, de::Error};

        pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&format(*t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(raw) => parse(&raw)
                    .map(Some)
                    .ok_or_else(|| D::Error::custom(format!("invalid date-time: {raw:?}"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsetless_times_are_utc() {
        let a = parse("2026-11-29T06:12:01").unwrap();
        let b = parse("2026-11-29T06:12:01Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            parse("2026-11-29T06:12").unwrap(),
            parse("2026-11-29T06:12:00Z").unwrap()
        );
        assert_eq!(parse("2026-11-29T08:12:01+02:00").unwrap(), b);
        assert!(parse("yesterday").is_none());
        assert_eq!(format(b), "2026-11-29T06:12:01Z");
    }

    #[test]
    fn micros_round_trip() {
        let t = now();
        assert_eq!(from_micros(to_micros(t)), t);
        assert_eq!(parse(&format(t)).unwrap(), t);
    }

    #[test]
    fn ages_are_short() {
        let t = parse("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(age(t, t + time::Duration::hours(3)), "3h");
        assert_eq!(age(t, t + time::Duration::days(2)), "2d");
        assert_eq!(age(t, t - time::Duration::days(2)), "0s");
    }
}

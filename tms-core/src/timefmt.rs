//! Timestamps: UTC always. Stored with microsecond precision. On the wire (API v1) in the form
//! of the application tms re-creates, whose web client puts them into `datetime-local` inputs:
//! UTC without an offset, in whole seconds (`2026-11-29T06:12:01`) — see `docs/API.md`. Requests
//! may carry that form, RFC 3339 with any offset or `Z`, and fractions; an offset-less time is
//! taken as UTC. Anything that needs order finer than a second uses ids, not timestamps.

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

/// Formats in the wire form: UTC, no offset, whole seconds (`2026-11-29T06:12:01`).
pub fn format(t: Timestamp) -> String {
    let mut out = Vec::with_capacity(WIRE_LEN);
    write_wire(t, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// The length of [`format`]'s output: `YYYY-MM-DDTHH:MM:SS`.
pub const WIRE_LEN: usize = 19;

/// `t` without its fraction of a second: the instant its wire form names.
pub fn whole_seconds(t: Timestamp) -> Timestamp {
    t.replace_nanosecond(0).unwrap_or(t)
}

/// Appends [`format`]'s text to `out` without allocating; the fraction of a second is dropped.
/// Years outside 0–9999, which the form cannot write, come out as the Unix epoch.
pub fn write_wire(t: Timestamp, out: &mut Vec<u8>) {
    let t = t.to_offset(UtcOffset::UTC);
    let year = t.year();
    if !(0..10_000).contains(&year) {
        out.extend_from_slice(b"1970-01-01T00:00:00");
        return;
    }
    let digits = |out: &mut Vec<u8>, n: u32, width: u32| {
        for i in (0..width).rev() {
            out.push(b'0' + (n / 10u32.pow(i) % 10) as u8);
        }
    };
    digits(out, year.unsigned_abs(), 4);
    out.push(b'-');
    digits(out, u32::from(u8::from(t.month())), 2);
    out.push(b'-');
    digits(out, u32::from(t.day()), 2);
    out.push(b'T');
    digits(out, u32::from(t.hour()), 2);
    out.push(b':');
    digits(out, u32::from(t.minute()), 2);
    out.push(b':');
    digits(out, u32::from(t.second()), 2);
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
        assert_eq!(format(b), "2026-11-29T06:12:01");
        let fraction = parse("2026-11-29T06:12:01.999999Z").unwrap();
        assert_eq!(
            format(fraction),
            "2026-11-29T06:12:01",
            "truncated, never rounded up"
        );
        assert_eq!(whole_seconds(fraction), b);
    }

    #[test]
    fn formatting_matches_the_time_crate() {
        let wire = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        // A spread of instants across the representable years, with every fraction length.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let secs = (x % 253_402_300_800) as i64; // up to 9999-12-31
            let nanos = match i % 4 {
                0 => 0,
                1 => (x >> 20) as u32 % 1_000_000 * 1_000,
                2 => (x >> 20) as u32 % 1_000_000_000,
                _ => (x >> 20) as u32 % 10 * 100_000_000,
            };
            let t = OffsetDateTime::from_unix_timestamp(secs)
                .unwrap()
                .replace_nanosecond(nanos)
                .unwrap();
            assert_eq!(format(t), t.format(&wire).unwrap(), "{secs}.{nanos:09}");
        }
        let before_year_0 = OffsetDateTime::from_unix_timestamp(-62_167_219_201).unwrap();
        assert_eq!(format(before_year_0), "1970-01-01T00:00:00");
    }

    #[test]
    fn micros_round_trip() {
        let t = now();
        assert_eq!(from_micros(to_micros(t)), t);
        assert_eq!(parse(&format(t)).unwrap(), whole_seconds(t));
    }

    #[test]
    fn ages_are_short() {
        let t = parse("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(age(t, t + time::Duration::hours(3)), "3h");
        assert_eq!(age(t, t + time::Duration::days(2)), "2d");
        assert_eq!(age(t, t - time::Duration::days(2)), "0s");
    }
}

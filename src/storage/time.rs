//! Go `time.Time` as it appears in Helm's release JSON.
//!
//! Owns parsing and printing of RFC 3339 timestamps the way Go's `time.Time`
//! `MarshalJSON`/`UnmarshalJSON` do (RFC3339Nano with the writer's offset, trailing
//! zeros of the fraction trimmed), Go's zero time (`0001-01-01T00:00:00Z`) and Helm 3's
//! empty-string encoding of a zero time. The release model decides which fields omit
//! zero times.

use std::fmt;

use jiff::tz::Offset;
use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Unix seconds of Go's zero time, `0001-01-01T00:00:00Z`.
const GO_ZERO_UNIX: i64 = -62_135_596_800;

/// `TimeError` is returned when a timestamp is not RFC 3339 or out of Go's range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parsing time {input:?}: {reason}")]
pub struct TimeError {
    input: String,
    reason: &'static str,
}

/// `GoTime` is an instant plus the UTC offset it was written with, like Go's `time.Time`.
///
/// Equality compares instant and offset, so a decoded value re-encodes to the same text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GoTime {
    ts: Timestamp,
    offset_seconds: i32,
}

impl Default for GoTime {
    fn default() -> Self {
        GoTime::ZERO
    }
}

impl PartialOrd for GoTime {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for GoTime {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.ts
            .cmp(&other.ts)
            .then(self.offset_seconds.cmp(&other.offset_seconds))
    }
}

impl GoTime {
    /// `ZERO` is Go's zero `time.Time` (`0001-01-01T00:00:00Z`).
    pub const ZERO: GoTime = GoTime {
        ts: Timestamp::constant(GO_ZERO_UNIX, 0),
        offset_seconds: 0,
    };

    /// `now` is the current instant in UTC (Helm writes the local zone; ours is UTC).
    pub fn now() -> GoTime {
        GoTime::from_timestamp(Timestamp::now())
    }

    /// `from_timestamp` wraps an instant, printed in UTC.
    pub fn from_timestamp(ts: Timestamp) -> GoTime {
        GoTime {
            ts,
            offset_seconds: 0,
        }
    }

    /// `timestamp` is the instant.
    pub fn timestamp(&self) -> Timestamp {
        self.ts
    }

    /// `unix_seconds` is the instant in seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.ts.as_second()
    }

    /// `is_zero` reports Go's `IsZero`: the instant is `0001-01-01T00:00:00Z`, whatever the offset.
    pub fn is_zero(&self) -> bool {
        self.ts.as_second() == GO_ZERO_UNIX && self.ts.subsec_nanosecond() == 0
    }

    /// `parse` reads Go's RFC3339 form; the empty string is the zero time (Helm 3 writes it).
    ///
    /// Errors: `TimeError` for anything else that is not `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
    pub fn parse(input: &str) -> Result<GoTime, TimeError> {
        if input.is_empty() {
            return Ok(GoTime::ZERO);
        }
        let err = |reason| TimeError {
            input: input.to_string(),
            reason,
        };
        let b = input.as_bytes();
        let num = |range: std::ops::Range<usize>| -> Result<i32, TimeError> {
            let part = b.get(range).ok_or_else(|| err("too short"))?;
            let mut v: i32 = 0;
            for &c in part {
                if !c.is_ascii_digit() {
                    return Err(err("expected digit"));
                }
                v = v * 10 + i32::from(c - b'0');
            }
            Ok(v)
        };
        let sep = |i: usize, want: &[u8]| -> Result<(), TimeError> {
            match b.get(i) {
                Some(c) if want.contains(c) => Ok(()),
                _ => Err(err("bad separator")),
            }
        };
        let year = num(0..4)?;
        sep(4, b"-")?;
        let month = num(5..7)?;
        sep(7, b"-")?;
        let day = num(8..10)?;
        sep(10, b"Tt")?;
        let hour = num(11..13)?;
        sep(13, b":")?;
        let minute = num(14..16)?;
        sep(16, b":")?;
        let second = num(17..19)?;
        let mut i = 19;
        let mut nanos: i32 = 0;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let digits = i - start;
            if digits == 0 || digits > 9 {
                return Err(err("bad fractional second"));
            }
            nanos = num(start..i)? * 10_i32.pow(u32::try_from(9 - digits).unwrap_or(0));
        }
        let offset_seconds = match b.get(i) {
            Some(b'Z' | b'z') if i + 1 == b.len() => 0,
            Some(&s @ (b'+' | b'-')) if i + 6 == b.len() => {
                sep(i + 3, b":")?;
                let oh = num(i + 1..i + 3)?;
                let om = num(i + 4..i + 6)?;
                if oh > 23 || om > 59 {
                    return Err(err("offset out of range"));
                }
                let v = oh * 3600 + om * 60;
                if s == b'-' {
                    -v
                } else {
                    v
                }
            }
            _ => return Err(err("bad time zone")),
        };
        let to_i8 = |v: i32| i8::try_from(v).map_err(|_| err("field out of range"));
        let dt = jiff::civil::DateTime::new(
            i16::try_from(year).map_err(|_| err("year out of range"))?,
            to_i8(month)?,
            to_i8(day)?,
            to_i8(hour)?,
            to_i8(minute)?,
            to_i8(second)?,
            nanos,
        )
        .map_err(|_| err("field out of range"))?;
        let offset =
            Offset::from_seconds(offset_seconds).map_err(|_| err("offset out of range"))?;
        let ts = offset
            .to_timestamp(dt)
            .map_err(|_| err("instant out of range"))?;
        Ok(GoTime { ts, offset_seconds })
    }

    /// `to_rfc3339_nano` prints Go's `time.RFC3339Nano` layout, as `MarshalJSON` does.
    pub fn to_rfc3339_nano(&self) -> String {
        let offset = Offset::from_seconds(self.offset_seconds).unwrap_or(Offset::UTC);
        let dt = offset.to_datetime(self.ts);
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        );
        let ns = dt.subsec_nanosecond();
        if ns != 0 {
            let frac = format!("{ns:09}");
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        // Go's "Z07:00" prints Z for a zero offset and drops offset seconds.
        if self.offset_seconds == 0 {
            out.push('Z');
        } else {
            let sign = if self.offset_seconds < 0 { '-' } else { '+' };
            let abs = self.offset_seconds.unsigned_abs();
            out.push_str(&format!("{sign}{:02}:{:02}", abs / 3600, (abs / 60) % 60));
        }
        out
    }
}

impl fmt::Display for GoTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339_nano())
    }
}

impl Serialize for GoTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339_nano())
    }
}

impl<'de> Deserialize<'de> for GoTime {
    /// Accepts a string (empty = zero) or `null` (zero), as Helm's `Info` and `HookExecution` do.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            None => Ok(GoTime::ZERO),
            Some(s) => GoTime::parse(&s).map_err(serde::de::Error::custom),
        }
    }
}

/// `is_zero` for `skip_serializing_if` (Go's `omitzero`).
pub(crate) fn is_zero(t: &GoTime) -> bool {
    t.is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_go_layouts() {
        for s in [
            "2026-11-22T03:40:21.409069245Z",
            "2026-11-22T03:40:21Z",
            "2026-11-22T03:40:21.5+01:00",
            "2020-02-29T23:59:59.000000001-07:30",
            "0001-01-01T00:00:00Z",
        ] {
            let t = GoTime::parse(s).unwrap();
            assert_eq!(t.to_rfc3339_nano(), s);
        }
    }

    #[test]
    fn trims_fraction_and_normalises_case() {
        let t = GoTime::parse("2026-01-02t03:04:05.120z").unwrap();
        assert_eq!(t.to_rfc3339_nano(), "2026-01-02T03:04:05.12Z");
    }

    #[test]
    fn zero_time_forms() {
        assert!(GoTime::parse("").unwrap().is_zero());
        assert!(GoTime::parse("0001-01-01T00:00:00Z").unwrap().is_zero());
        assert!(GoTime::parse("0001-01-01T01:00:00+01:00")
            .unwrap()
            .is_zero());
        assert!(!GoTime::parse("0001-01-01T00:00:01Z").unwrap().is_zero());
        assert_eq!(GoTime::ZERO.to_string(), "0001-01-01T00:00:00Z");
        let t: GoTime = serde_json::from_str("null").unwrap();
        assert!(t.is_zero());
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "2026-11-22",
            "2026-11-22T03:40:21",
            "2026-13-22T03:40:21Z",
            "2026-11-22T03:40:21.Z",
            "2026-11-22T03:40:21.1234567890Z",
            "2026-11-22T03:40:21+0100",
            "2026-11-22 03:40:21Z",
            "2026-11-22T03:40:21Zjunk",
        ] {
            assert!(GoTime::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn orders_by_instant() {
        let a = GoTime::parse("2026-01-01T01:00:00+01:00").unwrap();
        let b = GoTime::parse("2026-01-01T00:30:00Z").unwrap();
        assert!(a < b);
        assert_eq!(a.unix_seconds(), 1_767_225_600);
    }
}

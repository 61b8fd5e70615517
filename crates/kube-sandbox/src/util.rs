//! Small helpers owned by nobody else: RFC 3339 timestamps, human-readable ages,
//! uid generation and JSON path helpers on `serde_json::Value`.

use serde_json::{Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn days_to_civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn civil_to_days(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `format_time` renders seconds since the epoch as `2006-01-02T15:04:05Z`.
pub fn format_time(secs: i64) -> String {
    let (y, mo, d) = days_to_civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// `format_micro_time` renders a MicroTime (`...05.000000Z`).
pub fn format_micro_time(secs: i64, nanos: i64) -> String {
    let base = format_time(secs);
    let micros = (nanos / 1000).clamp(0, 999_999);
    format!("{}.{micros:06}Z", base.trim_end_matches('Z'))
}

/// `now_rfc3339` is the current time as a Kubernetes `Time`.
pub fn now_rfc3339() -> String {
    format_time(now_secs())
}

/// `parse_time` reads `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; `None` if malformed.
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse::<i64>().ok() };
    let y = num(0..4)?;
    let mo = num(5..7)? as u32;
    let d = num(8..10)? as u32;
    let h = num(11..13)?;
    let mi = num(14..16)?;
    let se = num(17..19)?;
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        rest = &r[n..];
    }
    let offset = if rest.is_empty() || rest == "Z" || rest == "z" {
        0
    } else {
        let sign = if rest.starts_with('-') { -1 } else { 1 };
        let oh: i64 = rest.get(1..3)?.parse().ok()?;
        let om: i64 = rest.get(4..6)?.parse().ok()?;
        sign * (oh * 3600 + om * 60)
    };
    Some(civil_to_days(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// `human_duration` is Kubernetes' `duration.HumanDuration` ("5s", "3m2s", "4h", "12d").
pub fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    if s < 120 {
        return format!("{s}s");
    }
    let m = s / 60;
    if m < 10 {
        let r = s % 60;
        return if r == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{r}s")
        };
    }
    if m < 180 {
        return format!("{m}m");
    }
    let h = s / 3600;
    if h < 8 {
        let r = m % 60;
        return if r == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{r}m")
        };
    }
    if h < 48 {
        return format!("{h}h");
    }
    if h < 192 {
        let r = h % 24;
        let d = h / 24;
        return if r == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{r}h")
        };
    }
    if h < 24 * 365 * 2 {
        return format!("{}d", h / 24);
    }
    let y = h / (24 * 365);
    let d = (h / 24) % 365;
    if y < 8 && d > 0 {
        format!("{y}y{d}d")
    } else {
        format!("{y}y")
    }
}

/// `age` renders a timestamp as the age column does; `<unknown>` if absent.
pub fn age(ts: Option<&str>) -> String {
    match ts.and_then(parse_time) {
        Some(t) => human_duration(now_secs() - t),
        None => "<unknown>".to_string(),
    }
}

static UID_COUNTER: AtomicU64 = AtomicU64::new(1);

/// `new_uid` returns a random-looking RFC 4122 v4 uid.
pub fn new_uid() -> String {
    use std::hash::{BuildHasher, Hasher};
    let n = UID_COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut words = [0u64; 2];
    for (i, w) in words.iter_mut().enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(n);
        h.write_usize(i);
        h.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        *w = h.finish();
    }
    let b = ((words[0] as u128) << 64) | words[1] as u128;
    let b = (b & !(0xF000u128 << 64)) | (0x4000u128 << 64);
    let b = (b & !(0xC000u128 << 48)) | (0x8000u128 << 48);
    let h = format!("{b:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `random_suffix` is the 5-character suffix `generateName` appends.
pub fn random_suffix() -> String {
    const ALPHA: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let uid = new_uid();
    uid.bytes()
        .filter(u8::is_ascii_hexdigit)
        .take(5)
        .enumerate()
        .map(|(i, c)| ALPHA[(c as usize * 7 + i * 13) % ALPHA.len()] as char)
        .collect()
}

/// `get_path` follows object keys; `None` when any step is missing.
pub fn get_path<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = cur.as_object()?.get(*p)?;
    }
    Some(cur)
}

/// `get_str` is `get_path` for string leaves.
pub fn get_str<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get_path(v, path)?.as_str()
}

/// `obj_mut` makes `v[key]` an object (creating or replacing a non-object) and returns it.
pub fn obj_mut<'a>(v: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    let Value::Object(m) = v else {
        unreachable!("just made an object")
    };
    let e = m
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !e.is_object() {
        *e = Value::Object(Map::new());
    }
    match e {
        Value::Object(inner) => inner,
        _ => unreachable!("just made an object"),
    }
}

/// `meta` returns `v.metadata` as a mutable map, creating it.
pub fn meta(v: &mut Value) -> &mut Map<String, Value> {
    obj_mut(v, "metadata")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_round_trip() {
        let t = parse_time("2024-02-29T12:34:56Z").unwrap_or(0);
        assert_eq!(format_time(t), "2024-02-29T12:34:56Z");
        assert_eq!(parse_time("2024-02-29T12:34:56.123456Z"), Some(t));
        assert_eq!(parse_time("2024-02-29T13:34:56+01:00"), Some(t));
        assert_eq!(format_micro_time(t, 5000), "2024-02-29T12:34:56.000005Z");
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(185), "3m5s");
        assert_eq!(human_duration(3600 * 3), "3h");
        assert_eq!(human_duration(86_400 * 3), "3d");
    }

    #[test]
    fn uids_are_unique_v4() {
        let a = new_uid();
        let b = new_uid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }
}

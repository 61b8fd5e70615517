//! Sprig's date functions (`now`, `ago`, `date`, `dateInZone`, `dateModify`, `duration`,
//! `durationRound`, `htmlDate`, `toDate`, `unixEpoch`, ...) and the Go `time.Time` and
//! `time.Duration` host objects they hand to templates.
//!
//! Go's time model is reproduced here: an instant (Unix seconds and nanoseconds) plus a
//! location, Go's reference-time layouts for `Format` and `Parse` (with Go's parse error
//! texts), `Duration.String()` and `time.ParseDuration`. Time-zone rules come from the tz
//! database through `jiff`; `Local` is the process's zone (UTC when `TZ=UTC`).

use std::any::Any;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use gotemplate::{ArgType, FieldLookup, FuncError, FuncMap, Object, Signature, Value};

use super::encoding::arg_str;

const NANOS_PER_SEC: i64 = 1_000_000_000;
/// Seconds from Go's zero time (January 1, year 1, UTC) to the Unix epoch.
const ZERO_TO_UNIX: i64 = 62_135_596_800;

/// Go's month names (`time.Month.String`).
pub(crate) const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// Go's weekday names (`time.Weekday.String`).
pub(crate) const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    use ArgType::{Any as A, String as S};
    m.add("now", Signature::fixed(&[]), |_, _| {
        Ok(GoTime::now().into_value())
    });
    m.add("ago", Signature::fixed(&[A]), |_, a| {
        let t = time_or_now(a.first(), false);
        let d = GoTime::now().sub(&t);
        Ok(Value::from(format_duration(round_duration(
            d,
            NANOS_PER_SEC,
        ))))
    });
    m.add("date", Signature::fixed(&[S, A]), |_, a| {
        Ok(Value::from(date_in_zone(arg_str(a, 0), a.get(1), "Local")))
    });
    for name in ["dateInZone", "date_in_zone"] {
        m.add(name, Signature::fixed(&[S, A, S]), |_, a| {
            Ok(Value::from(date_in_zone(
                arg_str(a, 0),
                a.get(1),
                arg_str(a, 2),
            )))
        });
    }
    m.add("htmlDate", Signature::fixed(&[A]), |_, a| {
        Ok(Value::from(date_in_zone("2006-01-02", a.first(), "Local")))
    });
    m.add("htmlDateInZone", Signature::fixed(&[A, S]), |_, a| {
        Ok(Value::from(date_in_zone(
            "2006-01-02",
            a.first(),
            arg_str(a, 1),
        )))
    });
    for name in ["dateModify", "date_modify"] {
        m.add(name, Signature::fixed(&[S, A]), |_, a| {
            let t = time_arg(a.get(1))?;
            Ok(match parse_duration(arg_str(a, 0)) {
                Ok(d) => t.add(d),
                Err(_) => t,
            }
            .into_value())
        });
    }
    for name in ["mustDateModify", "must_date_modify"] {
        m.add(name, Signature::fixed(&[S, A]), |_, a| {
            let t = time_arg(a.get(1))?;
            let d = parse_duration(arg_str(a, 0)).map_err(FuncError::msg)?;
            Ok(t.add(d).into_value())
        });
    }
    m.add("duration", Signature::fixed(&[A]), |_, a| {
        let n = match a.first() {
            Some(Value::String(s)) => s.parse::<i64>().unwrap_or(0),
            Some(Value::Int64(n)) => *n,
            _ => 0,
        };
        Ok(Value::from(format_duration(n.wrapping_mul(NANOS_PER_SEC))))
    });
    m.add("durationRound", Signature::fixed(&[A]), |_, a| {
        let d = match a.first() {
            Some(Value::String(s)) => parse_duration(s).unwrap_or(0),
            Some(Value::Int64(n)) => *n,
            Some(Value::Object(o)) => o
                .as_any()
                .downcast_ref::<GoTime>()
                .map_or(0, |t| GoTime::now().sub(t)),
            _ => 0,
        };
        Ok(Value::from(duration_round(d)))
    });
    m.add("toDate", Signature::fixed(&[S, S]), |_, a| {
        Ok(parse_time(arg_str(a, 0), arg_str(a, 1))
            .unwrap_or_else(|_| GoTime::zero())
            .into_value())
    });
    m.add("mustToDate", Signature::fixed(&[S, S]), |_, a| {
        Ok(parse_time(arg_str(a, 0), arg_str(a, 1))
            .map_err(FuncError::msg)?
            .into_value())
    });
    m.add("unixEpoch", Signature::fixed(&[A]), |_, a| {
        Ok(Value::from(time_arg(a.first())?.secs.to_string()))
    });
}

/// A Go location: what `time.Time` needs to turn an instant into wall-clock fields.
#[derive(Clone, Debug)]
enum Loc {
    Utc,
    Local,
    Fixed(String, i32),
    Zone(jiff::tz::TimeZone),
}

fn local_zone() -> &'static jiff::tz::TimeZone {
    static LOCAL: OnceLock<jiff::tz::TimeZone> = OnceLock::new();
    LOCAL.get_or_init(|| match std::env::var("TZ") {
        // Go treats an empty or "UTC" TZ as UTC without consulting the database.
        Ok(tz) if tz.is_empty() || tz == "UTC" => jiff::tz::TimeZone::UTC,
        _ => jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC),
    })
}

fn zone_info(tz: &jiff::tz::TimeZone, secs: i64) -> (String, i32) {
    let clamped = secs.clamp(
        jiff::Timestamp::MIN.as_second(),
        jiff::Timestamp::MAX.as_second(),
    );
    let ts = jiff::Timestamp::from_second(clamped).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let info = tz.to_offset_info(ts);
    (info.abbreviation().to_string(), info.offset().seconds())
}

impl Loc {
    /// Zone abbreviation and UTC offset in seconds in effect at `secs`.
    fn lookup(&self, secs: i64) -> (String, i32) {
        match self {
            Loc::Utc => ("UTC".into(), 0),
            Loc::Local => zone_info(local_zone(), secs),
            Loc::Fixed(name, off) => (name.clone(), *off),
            Loc::Zone(tz) => zone_info(tz, secs),
        }
    }

    /// Go's `time.LoadLocation`.
    fn load(name: &str) -> Option<Loc> {
        match name {
            "" | "UTC" => Some(Loc::Utc),
            "Local" => Some(Loc::Local),
            _ => jiff::tz::TimeZone::get(name).ok().map(Loc::Zone),
        }
    }
}

/// Go's `time.Time`.
#[derive(Clone, Debug)]
pub struct GoTime {
    secs: i64,
    nsec: i64,
    loc: Loc,
    /// Monotonic clock reading (nanoseconds since process start), kept by `now` and `Add`.
    mono: Option<i64>,
}

fn process_start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// Wall-clock fields of a time in its location.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    yday: i64,
    wday: i64,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month may be 1..=12).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl GoTime {
    /// Go's `time.Now()` in `Local`, with a monotonic reading.
    pub fn now() -> GoTime {
        let start = process_start();
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        GoTime {
            secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            nsec: i64::from(d.subsec_nanos()),
            loc: Loc::Local,
            mono: Some(i64::try_from(start.elapsed().as_nanos()).unwrap_or(i64::MAX)),
        }
    }

    /// Go's zero `time.Time{}` (January 1, year 1, 00:00 UTC).
    pub fn zero() -> GoTime {
        GoTime::unix(-ZERO_TO_UNIX, 0, Loc::Utc)
    }

    fn unix(secs: i64, nsec: i64, loc: Loc) -> GoTime {
        GoTime {
            secs,
            nsec,
            loc,
            mono: None,
        }
    }

    fn into_value(self) -> Value {
        Value::Object(Arc::new(self))
    }

    /// Go's `time.Date`: fields may overflow and are normalised; the offset is looked up for
    /// the resulting wall time.
    #[allow(clippy::too_many_arguments)]
    fn date(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        min: i64,
        sec: i64,
        nsec: i64,
        loc: Loc,
    ) -> GoTime {
        // Keep the calendar arithmetic far from i64 overflow (Go wraps silently there).
        const LIMIT: i64 = 1 << 40;
        let (year, month, day) = (
            year.clamp(-LIMIT, LIMIT),
            month.clamp(-LIMIT, LIMIT),
            day.clamp(-LIMIT, LIMIT),
        );
        let m0 = month - 1;
        let year = year.saturating_add(m0.div_euclid(12));
        let month = m0.rem_euclid(12) + 1;
        let days = days_from_civil(year, month, 1).saturating_add(day - 1);
        let total = (days as i128) * 86_400
            + (hour as i128) * 3600
            + (min as i128) * 60
            + sec as i128
            + (nsec as i128).div_euclid(1_000_000_000);
        let nsec = nsec.rem_euclid(NANOS_PER_SEC);
        let unix = i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX });
        let (_, off1) = loc.lookup(unix);
        let mut utc = unix.saturating_sub(i64::from(off1));
        let (_, off2) = loc.lookup(utc);
        if off2 != off1 {
            utc = unix.saturating_sub(i64::from(off2));
        }
        GoTime::unix(utc, nsec, loc)
    }

    fn offset(&self) -> (String, i32) {
        self.loc.lookup(self.secs)
    }

    fn civil(&self) -> Civil {
        let (_, off) = self.offset();
        let local = self.secs.saturating_add(i64::from(off));
        let days = local.div_euclid(86_400);
        let rem = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: rem / 3600,
            min: rem % 3600 / 60,
            sec: rem % 60,
            yday: days - days_from_civil(year, 1, 1) + 1,
            wday: (days + 4).rem_euclid(7),
        }
    }

    fn total_nanos(&self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nsec)
    }

    fn from_nanos(n: i128, loc: Loc, mono: Option<i64>) -> GoTime {
        let secs = n.div_euclid(1_000_000_000);
        GoTime {
            secs: i64::try_from(secs).unwrap_or(if secs < 0 { i64::MIN } else { i64::MAX }),
            nsec: n.rem_euclid(1_000_000_000) as i64,
            loc,
            mono,
        }
    }

    /// Go's `Add` (keeps the monotonic reading).
    pub fn add(&self, d: i64) -> GoTime {
        GoTime::from_nanos(
            self.total_nanos() + i128::from(d),
            self.loc.clone(),
            self.mono.map(|m| m.wrapping_add(d)),
        )
    }

    /// Go's `Sub`, saturating to the Duration range.
    pub fn sub(&self, o: &GoTime) -> i64 {
        let d = match (self.mono, o.mono) {
            (Some(a), Some(b)) => i128::from(a) - i128::from(b),
            _ => self.total_nanos() - o.total_nanos(),
        };
        i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
    }

    fn with_loc(&self, loc: Loc) -> GoTime {
        GoTime::unix(self.secs, self.nsec, loc)
    }

    /// Go's `Truncate`/`Round` (multiples of `d` since the zero time).
    fn round_to(&self, d: i64, round: bool) -> GoTime {
        if d <= 0 {
            return self.with_loc(self.loc.clone());
        }
        let abs = self.total_nanos() + i128::from(ZERO_TO_UNIX) * 1_000_000_000;
        let d = i128::from(d);
        let r = abs.rem_euclid(d);
        let base = self.total_nanos() - r;
        let n = if round && r + r >= d { base + d } else { base };
        GoTime::from_nanos(n, self.loc.clone(), None)
    }

    /// Go's `Format`.
    pub fn format(&self, layout: &str) -> String {
        let c = self.civil();
        let (name, off) = self.offset();
        let mut out = String::with_capacity(layout.len() + 10);
        let mut rest = layout;
        while !rest.is_empty() {
            let (prefix, std, suffix) = next_std_chunk(rest);
            out.push_str(prefix);
            let Some(std) = std else { break };
            rest = suffix;
            append_std(&mut out, std, &c, self.nsec, &name, off);
        }
        out
    }

    /// Go's `String()`: the default layout plus any monotonic reading.
    pub fn go_string(&self) -> String {
        let mut s = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = self.mono {
            let sign = if m < 0 { '-' } else { '+' };
            let m = m.unsigned_abs();
            let (secs, frac) = (m / 1_000_000_000, m % 1_000_000_000);
            let _ = write!(s, " m={sign}{secs}.{frac:09}");
        }
        s
    }
}

fn pad(out: &mut String, v: i64, width: usize) {
    if v < 0 {
        out.push('-');
    }
    let _ = write!(out, "{:0width$}", v.unsigned_abs());
}

/// One element of a Go layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    Pm,
    LowerPm,
    Tz,
    /// ISO 8601 forms (`Z07:00`) print `Z` for UTC; `colon`, `short` (hours only) and
    /// `seconds` describe the numeric form.
    NumTz {
        iso: bool,
        colon: bool,
        short: bool,
        seconds: bool,
    },
    /// Fractional seconds: `.000` (`trim` false) or `.999`, with the separator used.
    Frac {
        digits: usize,
        trim: bool,
        sep: char,
    },
}

fn starts_lower(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// Go's `nextStdChunk`: the literal text before the first layout element, the element and
/// the text after it.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| layout.get(i..).is_some_and(|r| r.starts_with(s));
    for i in 0..b.len() {
        let hit = |std: Std, len: usize| Some((&layout[..i], Some(std), &layout[i + len..]));
        let found = match b[i] {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    hit(Std::LongMonth, 7)
                } else if !starts_lower(&layout[i + 3..]) {
                    hit(Std::Month, 3)
                } else {
                    None
                }
            }
            b'M' if at(i, "Mon") => {
                if at(i, "Monday") {
                    hit(Std::LongWeekDay, 6)
                } else if !starts_lower(&layout[i + 3..]) {
                    hit(Std::WeekDay, 3)
                } else {
                    None
                }
            }
            b'M' if at(i, "MST") => hit(Std::Tz, 3),
            b'0' => match b.get(i + 1) {
                Some(b'1') => hit(Std::ZeroMonth, 2),
                Some(b'2') => hit(Std::ZeroDay, 2),
                Some(b'3') => hit(Std::ZeroHour12, 2),
                Some(b'4') => hit(Std::ZeroMinute, 2),
                Some(b'5') => hit(Std::ZeroSecond, 2),
                Some(b'6') => hit(Std::Year, 2),
                Some(b'0') if b.get(i + 2) == Some(&b'2') => hit(Std::ZeroYearDay, 3),
                _ => None,
            },
            b'1' => {
                if b.get(i + 1) == Some(&b'5') {
                    hit(Std::Hour, 2)
                } else {
                    hit(Std::NumMonth, 1)
                }
            }
            b'2' => {
                if at(i, "2006") {
                    hit(Std::LongYear, 4)
                } else {
                    hit(Std::Day, 1)
                }
            }
            b'_' => {
                if b.get(i + 1) == Some(&b'2') {
                    if at(i + 1, "2006") {
                        Some((&layout[..i + 1], Some(Std::LongYear), &layout[i + 5..]))
                    } else {
                        hit(Std::UnderDay, 2)
                    }
                } else if at(i + 1, "_2") {
                    hit(Std::UnderYearDay, 3)
                } else {
                    None
                }
            }
            b'3' => hit(Std::Hour12, 1),
            b'4' => hit(Std::Minute, 1),
            b'5' => hit(Std::Second, 1),
            b'P' if b.get(i + 1) == Some(&b'M') => hit(Std::Pm, 2),
            b'p' if b.get(i + 1) == Some(&b'm') => hit(Std::LowerPm, 2),
            c @ (b'-' | b'Z') => {
                let iso = c == b'Z';
                let tz = |colon, short, seconds| Std::NumTz {
                    iso,
                    colon,
                    short,
                    seconds,
                };
                let p = if iso { "Z" } else { "-" };
                if at(i, &format!("{p}070000")) {
                    hit(tz(false, false, true), 7)
                } else if at(i, &format!("{p}07:00:00")) {
                    hit(tz(true, false, true), 9)
                } else if at(i, &format!("{p}0700")) {
                    hit(tz(false, false, false), 5)
                } else if at(i, &format!("{p}07:00")) {
                    hit(tz(true, false, false), 6)
                } else if at(i, &format!("{p}07")) {
                    hit(tz(false, true, false), 3)
                } else {
                    None
                }
            }
            c @ (b'.' | b',') => match b.get(i + 1) {
                Some(&ch @ (b'0' | b'9')) => {
                    let mut j = i + 1;
                    while b.get(j) == Some(&ch) {
                        j += 1;
                    }
                    if b.get(j).is_some_and(u8::is_ascii_digit) {
                        None
                    } else {
                        let std = Std::Frac {
                            digits: j - (i + 1),
                            trim: ch == b'9',
                            sep: char::from(c),
                        };
                        Some((&layout[..i], Some(std), &layout[j..]))
                    }
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(f) = found {
            return f;
        }
    }
    (layout, None, "")
}

fn append_std(out: &mut String, std: Std, c: &Civil, nsec: i64, name: &str, off: i32) {
    match std {
        Std::Year => pad(out, c.year.rem_euclid(100), 2),
        Std::LongYear => pad(out, c.year, 4),
        Std::Month => out.push_str(&month_name(c.month)[..3]),
        Std::LongMonth => out.push_str(month_name(c.month)),
        Std::NumMonth => pad(out, c.month, 0),
        Std::ZeroMonth => pad(out, c.month, 2),
        Std::WeekDay => out.push_str(&day_name(c.wday)[..3]),
        Std::LongWeekDay => out.push_str(day_name(c.wday)),
        Std::Day => pad(out, c.day, 0),
        Std::UnderDay => {
            if c.day < 10 {
                out.push(' ');
            }
            pad(out, c.day, 0);
        }
        Std::ZeroDay => pad(out, c.day, 2),
        Std::UnderYearDay => {
            if c.yday < 100 {
                out.push(' ');
                if c.yday < 10 {
                    out.push(' ');
                }
            }
            pad(out, c.yday, 0);
        }
        Std::ZeroYearDay => pad(out, c.yday, 3),
        Std::Hour => pad(out, c.hour, 2),
        Std::Hour12 => pad(out, if c.hour % 12 == 0 { 12 } else { c.hour % 12 }, 0),
        Std::ZeroHour12 => pad(out, if c.hour % 12 == 0 { 12 } else { c.hour % 12 }, 2),
        Std::Minute => pad(out, c.min, 0),
        Std::ZeroMinute => pad(out, c.min, 2),
        Std::Second => pad(out, c.sec, 0),
        Std::ZeroSecond => pad(out, c.sec, 2),
        Std::Pm => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
        Std::LowerPm => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
        Std::NumTz {
            iso,
            colon,
            short,
            seconds,
        } => {
            if iso && off == 0 {
                out.push('Z');
                return;
            }
            let mut zone = off / 60;
            let mut abs = off;
            if zone < 0 {
                out.push('-');
                zone = -zone;
                abs = -abs;
            } else {
                out.push('+');
            }
            pad(out, i64::from(zone / 60), 2);
            if colon {
                out.push(':');
            }
            if !short {
                pad(out, i64::from(zone % 60), 2);
            }
            if seconds {
                if colon {
                    out.push(':');
                }
                pad(out, i64::from(abs % 60), 2);
            }
        }
        Std::Tz => {
            if !name.is_empty() {
                out.push_str(name);
                return;
            }
            let mut zone = off / 60;
            if zone < 0 {
                out.push('-');
                zone = -zone;
            } else {
                out.push('+');
            }
            pad(out, i64::from(zone / 60), 2);
            pad(out, i64::from(zone % 60), 2);
        }
        Std::Frac { digits, trim, sep } => {
            if trim && (digits == 0 || nsec == 0) {
                return;
            }
            let mut frac = format!("{nsec:09}");
            frac.truncate(digits.min(9));
            if trim {
                let t = frac.trim_end_matches('0');
                if t.is_empty() {
                    return;
                }
                frac = t.to_string();
            }
            out.push(sep);
            out.push_str(&frac);
        }
    }
}

fn month_name(m: i64) -> &'static str {
    usize::try_from(m - 1)
        .ok()
        .and_then(|i| LONG_MONTHS.get(i))
        .copied()
        .unwrap_or("%!Month")
}

fn day_name(d: i64) -> &'static str {
    usize::try_from(d)
        .ok()
        .and_then(|i| LONG_DAYS.get(i))
        .copied()
        .unwrap_or("%!Weekday")
}

/// Go's `time.quote` (used in parse and duration errors).
fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if !c.is_ascii() || c < ' ' {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "\\x{byte:02x}");
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

fn parse_error(
    layout: &str,
    value: &str,
    layout_elem: &str,
    value_elem: &str,
    msg: &str,
) -> String {
    if msg.is_empty() {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            time_quote(value),
            time_quote(layout),
            time_quote(value_elem),
            time_quote(layout_elem)
        )
    } else {
        format!("parsing time {}{msg}", time_quote(value))
    }
}

fn is_digit_at(s: &str, i: usize) -> bool {
    s.as_bytes().get(i).is_some_and(u8::is_ascii_digit)
}

fn digit(s: &str, i: usize) -> i64 {
    i64::from(s.as_bytes().get(i).map_or(0, |d| d - b'0'))
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    if !is_digit_at(s, 0) {
        return None;
    }
    if !is_digit_at(s, 1) {
        if fixed {
            return None;
        }
        return Some((digit(s, 0), &s[1..]));
    }
    Some((digit(s, 0) * 10 + digit(s, 1), &s[2..]))
}

/// Go's `getnum3`: one to three digits (exactly three when `fixed`).
fn getnum3(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let mut n = 0;
    let mut i = 0;
    while i < 3 && is_digit_at(s, i) {
        n = n * 10 + digit(s, i);
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &s[i..]))
}

/// Go's `skip`: matches layout literal text, where a space matches any run of spaces.
/// Works on bytes as Go does; a complete match always ends on a character boundary.
fn skip<'a>(value: &'a str, prefix: &str) -> Result<&'a str, &'a str> {
    let (v, p) = (value.as_bytes(), prefix.as_bytes());
    let (mut vi, mut pi) = (0usize, 0usize);
    let rest = |i: usize| value.get(i..).unwrap_or(value);
    while let Some(&pc) = p.get(pi) {
        if pc == b' ' {
            if v.get(vi).is_some_and(|c| *c != b' ') {
                return Err(rest(vi));
            }
            while p.get(pi) == Some(&b' ') {
                pi += 1;
            }
            while v.get(vi) == Some(&b' ') {
                vi += 1;
            }
            continue;
        }
        if v.get(vi) != Some(&pc) {
            return Err(rest(vi));
        }
        pi += 1;
        vi += 1;
    }
    Ok(value.get(vi..).unwrap_or(""))
}

/// Go's `lookup`: case-insensitive (ASCII) prefix match against a name table.
fn lookup_name<'a>(tab: &[&str], value: &'a str) -> Option<(usize, &'a str)> {
    tab.iter().enumerate().find_map(|(i, name)| {
        let head = value.get(..name.len())?;
        head.eq_ignore_ascii_case(name)
            .then(|| (i, &value[name.len()..]))
    })
}

/// Go's `parseTimeZone` (simplified for the GMT+N and signed forms).
fn parse_time_zone(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if value.starts_with("ChST") || value.starts_with("MeST") {
        return Some(4);
    }
    if value.starts_with("GMT") {
        let rest = &b[3..];
        if let Some(&s) = rest.first() {
            if s == b'+' || s == b'-' {
                let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if n > 0 && n <= 2 {
                    return Some(4 + n);
                }
            }
        }
        return Some(3);
    }
    if b[0] == b'+' || b[0] == b'-' {
        let n = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        return (n > 0 && n <= 2).then_some(1 + n);
    }
    let upper = b
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match upper {
        3 => Some(3),
        4 if b[3] == b'T' || value.starts_with("WITA") => Some(4),
        5 if b[4] == b'T' => Some(5),
        _ => None,
    }
}

/// Go's `parseNanoseconds`: `value` starts with the separator; `n` bytes are used.
fn parse_nanos(value: &str, n: usize) -> Option<i64> {
    if !matches!(value.as_bytes().first(), Some(b'.' | b',')) {
        return None;
    }
    let n = n.min(10);
    let digits = value.get(1..n)?;
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut ns: i64 = digits.parse().unwrap_or(0);
    for _ in 0..(10 - n) {
        ns *= 10;
    }
    Some(ns)
}

/// Go's `time.ParseInLocation(layout, value, time.Local)`.
pub fn parse_time(layout_all: &str, value_all: &str) -> Result<GoTime, String> {
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name = String::new();
    let (mut am, mut pm) = (false, false);
    let mut layout = layout_all;
    let mut value = value_all;
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let std_str = &layout[prefix.len()..layout.len() - suffix.len()];
        value =
            skip(value, prefix).map_err(|v| parse_error(layout_all, value_all, prefix, v, ""))?;
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(parse_error(
                    layout_all,
                    value_all,
                    "",
                    value,
                    &format!(": extra text: {}", time_quote(value)),
                ));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range_err = "";
        let res: Option<&str> = (|| {
            Some(match std {
                Std::Year => {
                    let p = value
                        .get(..2)
                        .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?;
                    let y: i64 = p.parse().ok()?;
                    year = if y >= 69 { y + 1900 } else { y + 2000 };
                    &value[2..]
                }
                Std::LongYear => {
                    if value.len() < 4 || !is_digit_at(value, 0) {
                        return None;
                    }
                    let p = value.get(..4)?;
                    year = p.parse().ok()?;
                    &value[4..]
                }
                Std::Month | Std::LongMonth => {
                    let (m, rest) = if std == Std::Month {
                        let short: Vec<&str> = LONG_MONTHS.iter().map(|m| &m[..3]).collect();
                        lookup_name(&short, value)?
                    } else {
                        lookup_name(&LONG_MONTHS, value)?
                    };
                    month = m as i64 + 1;
                    rest
                }
                Std::NumMonth | Std::ZeroMonth => {
                    let (m, rest) = getnum(value, std == Std::ZeroMonth)?;
                    month = m;
                    if !(1..=12).contains(&m) {
                        range_err = "month";
                    }
                    rest
                }
                Std::WeekDay => {
                    let short: Vec<&str> = LONG_DAYS.iter().map(|d| &d[..3]).collect();
                    lookup_name(&short, value)?.1
                }
                Std::LongWeekDay => lookup_name(&LONG_DAYS, value)?.1,
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    let v = if std == Std::UnderDay {
                        value.strip_prefix(' ').unwrap_or(value)
                    } else {
                        value
                    };
                    let (d, rest) = getnum(v, std == Std::ZeroDay)?;
                    day = d;
                    rest
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    let mut v = value;
                    if std == Std::UnderYearDay {
                        for _ in 0..2 {
                            v = v.strip_prefix(' ').unwrap_or(v);
                        }
                    }
                    let (d, rest) = getnum3(v, std == Std::ZeroYearDay)?;
                    yday = d;
                    rest
                }
                Std::Hour => {
                    let (h, rest) = getnum(value, false)?;
                    hour = h;
                    if !(0..24).contains(&h) {
                        range_err = "hour";
                    }
                    rest
                }
                Std::Hour12 | Std::ZeroHour12 => {
                    let (h, rest) = getnum(value, std == Std::ZeroHour12)?;
                    hour = h;
                    if !(0..=12).contains(&h) {
                        range_err = "hour";
                    }
                    rest
                }
                Std::Minute | Std::ZeroMinute => {
                    let (m, rest) = getnum(value, std == Std::ZeroMinute)?;
                    min = m;
                    if !(0..60).contains(&m) {
                        range_err = "minute";
                    }
                    rest
                }
                Std::Second | Std::ZeroSecond => {
                    let (s, mut rest) = getnum(value, std == Std::ZeroSecond)?;
                    sec = s;
                    if !(0..60).contains(&s) {
                        range_err = "second";
                        return Some(rest);
                    }
                    // A fractional second in the value but not in the layout is accepted.
                    if matches!(rest.as_bytes().first(), Some(b'.' | b',')) && is_digit_at(rest, 1)
                    {
                        let next = next_std_chunk(layout).1;
                        if !matches!(next, Some(Std::Frac { .. })) {
                            let mut n = 2;
                            while is_digit_at(rest, n) {
                                n += 1;
                            }
                            nsec = parse_nanos(rest, n)?;
                            rest = &rest[n..];
                        }
                    }
                    rest
                }
                Std::Pm | Std::LowerPm => {
                    let p = value.get(..2)?;
                    let (pm_s, am_s) = if std == Std::Pm {
                        ("PM", "AM")
                    } else {
                        ("pm", "am")
                    };
                    if p == pm_s {
                        pm = true;
                    } else if p == am_s {
                        am = true;
                    } else {
                        return None;
                    }
                    &value[2..]
                }
                Std::NumTz {
                    iso,
                    colon,
                    short,
                    seconds,
                } => {
                    if iso && value.starts_with('Z') {
                        utc = true;
                        return Some(&value[1..]);
                    }
                    let b = value.as_bytes();
                    let (sign, hh, mm, ss, rest): (u8, &str, &str, &str, &str) =
                        match (colon, short, seconds) {
                            (true, _, false) => {
                                if b.len() < 6 || b[3] != b':' {
                                    return None;
                                }
                                (
                                    b[0],
                                    value.get(1..3)?,
                                    value.get(4..6)?,
                                    "00",
                                    value.get(6..)?,
                                )
                            }
                            (_, true, _) => {
                                if b.len() < 3 {
                                    return None;
                                }
                                (b[0], value.get(1..3)?, "00", "00", value.get(3..)?)
                            }
                            (true, _, true) => {
                                if b.len() < 9 || b[3] != b':' || b[6] != b':' {
                                    return None;
                                }
                                (
                                    b[0],
                                    value.get(1..3)?,
                                    value.get(4..6)?,
                                    value.get(7..9)?,
                                    value.get(9..)?,
                                )
                            }
                            (false, false, true) => {
                                if b.len() < 7 {
                                    return None;
                                }
                                (
                                    b[0],
                                    value.get(1..3)?,
                                    value.get(3..5)?,
                                    value.get(5..7)?,
                                    value.get(7..)?,
                                )
                            }
                            (false, false, false) => {
                                if b.len() < 5 {
                                    return None;
                                }
                                (
                                    b[0],
                                    value.get(1..3)?,
                                    value.get(3..5)?,
                                    "00",
                                    value.get(5..)?,
                                )
                            }
                        };
                    let hr = getnum(hh, true)?.0;
                    let mi = getnum(mm, true)?.0;
                    let se = getnum(ss, true)?.0;
                    if hr > 24 {
                        range_err = "time zone offset hour";
                    }
                    if mi > 60 {
                        range_err = "time zone offset minute";
                    }
                    if se > 60 {
                        range_err = "time zone offset second";
                    }
                    let off = (hr * 60 + mi) * 60 + se;
                    zone_offset = Some(match sign {
                        b'+' => off,
                        b'-' => -off,
                        _ => return None,
                    });
                    rest
                }
                Std::Tz => {
                    if let Some(rest) = value.strip_prefix("UTC") {
                        utc = true;
                        return Some(rest);
                    }
                    let n = parse_time_zone(value)?;
                    zone_name = value.get(..n)?.to_string();
                    &value[n..]
                }
                Std::Frac { digits, trim, .. } => {
                    if !trim {
                        let n = 1 + digits;
                        if value.len() < n {
                            return None;
                        }
                        nsec = parse_nanos(value, n)?;
                        value.get(n..)?
                    } else {
                        let b = value.as_bytes();
                        if b.len() < 2 || !matches!(b[0], b'.' | b',') || !b[1].is_ascii_digit() {
                            return Some(value);
                        }
                        let mut i = 0;
                        while b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                            i += 1;
                        }
                        nsec = parse_nanos(value, 1 + i)?;
                        &value[1 + i..]
                    }
                }
            })
        })();
        match res {
            Some(rest) => {
                if !range_err.is_empty() {
                    return Err(parse_error(
                        layout_all,
                        value_all,
                        std_str,
                        rest,
                        &format!(": {range_err} out of range"),
                    ));
                }
                value = rest;
            }
            None => {
                if !range_err.is_empty() {
                    return Err(parse_error(
                        layout_all,
                        value_all,
                        std_str,
                        value,
                        &format!(": {range_err} out of range"),
                    ));
                }
                return Err(parse_error(layout_all, value_all, std_str, hold, ""));
            }
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let mut m = 0;
        let mut d = 0;
        if is_leap(year) {
            if yday == 31 + 29 {
                m = 2;
                d = 29;
            } else if yday > 31 + 29 {
                yday -= 1;
            }
        }
        if !(1..=365).contains(&yday) {
            return Err(parse_error(
                layout_all,
                value_all,
                "",
                value,
                ": day-of-year out of range",
            ));
        }
        if m == 0 {
            let before = |m: i64| days_from_civil(2001, m, 1) - days_from_civil(2001, 1, 1);
            m = (yday - 1) / 31 + 1;
            if m < 12 && before(m + 1) < yday {
                m += 1;
            }
            d = yday - before(m);
        }
        if month >= 0 && month != m {
            return Err(parse_error(
                layout_all,
                value_all,
                "",
                value,
                ": day-of-year does not match month",
            ));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(parse_error(
                layout_all,
                value_all,
                "",
                value,
                ": day-of-year does not match day",
            ));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(parse_error(
            layout_all,
            value_all,
            "",
            value,
            ": day out of range",
        ));
    }
    if utc {
        return Ok(GoTime::date(
            year,
            month,
            day,
            hour,
            min,
            sec,
            nsec,
            Loc::Utc,
        ));
    }
    if let Some(off) = zone_offset {
        let t = GoTime::date(year, month, day, hour, min, sec, nsec, Loc::Utc);
        let secs = t.secs - off;
        let (name, local_off) = Loc::Local.lookup(secs);
        let loc = if i64::from(local_off) == off && (zone_name.is_empty() || name == zone_name) {
            Loc::Local
        } else {
            Loc::Fixed(zone_name, i32::try_from(off).unwrap_or(0))
        };
        return Ok(GoTime::unix(secs, t.nsec, loc));
    }
    if !zone_name.is_empty() {
        let t = GoTime::date(year, month, day, hour, min, sec, nsec, Loc::Utc);
        let (name, local_off) = Loc::Local.lookup(t.secs);
        if name == zone_name {
            return Ok(GoTime::unix(
                t.secs - i64::from(local_off),
                t.nsec,
                Loc::Local,
            ));
        }
        let mut off = 0;
        if zone_name.len() > 3 && zone_name.starts_with("GMT") {
            off = zone_name[3..].parse::<i32>().unwrap_or(0) * 3600;
        }
        return Ok(GoTime::unix(t.secs, t.nsec, Loc::Fixed(zone_name, off)));
    }
    Ok(GoTime::date(
        year,
        month,
        day,
        hour,
        min,
        sec,
        nsec,
        Loc::Local,
    ))
}

/// Go's `Duration.String()`.
pub fn format_duration(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        if u == 0 {
            return "0s".into();
        }
        let (prec, unit) = if u < 1_000 {
            (0, "ns")
        } else if u < 1_000_000 {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let (frac, int) = fmt_frac(u, prec);
        out = format!("{int}{frac}{unit}");
    } else {
        let (frac, secs) = fmt_frac(u, 9);
        u = secs;
        let s = u % 60;
        u /= 60;
        let tail = format!("{s}{frac}s");
        if u > 0 {
            let m = u % 60;
            u /= 60;
            if u > 0 {
                let _ = write!(out, "{u}h");
            }
            let _ = write!(out, "{m}m");
        }
        out.push_str(&tail);
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Go's `fmtFrac`: the fraction of `v / 10^prec` without trailing zeros (empty when zero),
/// and the integer part.
fn fmt_frac(mut v: u64, prec: u32) -> (String, u64) {
    let mut digits = Vec::new();
    let mut print = false;
    for _ in 0..prec {
        let d = v % 10;
        print = print || d != 0;
        if print {
            digits.push(char::from(b'0' + d as u8));
        }
        v /= 10;
    }
    if !print {
        return (String::new(), v);
    }
    digits.push('.');
    (digits.into_iter().rev().collect(), v)
}

/// Go's `Duration.Round`.
fn round_duration(d: i64, m: i64) -> i64 {
    if m <= 0 {
        return d;
    }
    let half = |r: i64| (r as u64).wrapping_add(r as u64) < m as u64;
    let mut r = d % m;
    if d < 0 {
        r = -r;
        if half(r) {
            return d + r;
        }
        return d.checked_sub(m - r).unwrap_or(i64::MIN);
    }
    if half(r) {
        return d - r;
    }
    d.checked_add(m - r).unwrap_or(i64::MAX)
}

/// Sprig's `durationRound`: the largest whole unit, with its strict `>` comparisons.
fn duration_round(d: i64) -> String {
    let u = d.unsigned_abs();
    const HOUR: u64 = 3_600_000_000_000;
    let units: [(u64, &str); 6] = [
        (HOUR * 24 * 365, "y"),
        (HOUR * 24 * 30, "mo"),
        (HOUR * 24, "d"),
        (HOUR, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
    ];
    for (size, unit) in units {
        if u > size {
            return format!("{}{unit}", u / size);
        }
    }
    "0s".into()
}

/// Go's `time.ParseDuration`, with Go's error texts.
pub fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(orig));
    let mut s = orig;
    let mut neg = false;
    if let Some(c) = s.chars().next() {
        if c == '-' || c == '+' {
            neg = c == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    const LIMIT: u64 = 1 << 63;
    let mut d: u64 = 0;
    while !s.is_empty() {
        let first = s.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        let n_int = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut v: u64 = 0;
        for c in s[..n_int].bytes() {
            if v > LIMIT / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(c - b'0');
            if v > LIMIT {
                return Err(invalid());
            }
        }
        let pre = n_int > 0;
        s = &s[n_int..];
        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if let Some(rest) = s.strip_prefix('.') {
            s = rest;
            let n_frac = s.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for c in s[..n_frac].bytes() {
                if overflow {
                    continue;
                }
                if f > (i64::MAX as u64) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > i64::MAX as u64 {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            post = n_frac > 0;
            s = &s[n_frac..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        let n_unit = s
            .bytes()
            .take_while(|c| !(*c == b'.' || c.is_ascii_digit()))
            .count();
        if n_unit == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                time_quote(orig)
            ));
        }
        let u = &s[..n_unit];
        s = &s[n_unit..];
        let unit: u64 = match u {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    time_quote(u),
                    time_quote(orig)
                ))
            }
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        d += v;
        if d > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((d as i64).wrapping_neg());
    }
    if d > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(d as i64)
}

/// Sprig's `dateInZone`: `date` may be a time, an `int`/`int64` of Unix seconds, or anything
/// else (floats, strings), which means "now".
fn date_in_zone(layout: &str, date: Option<&Value>, zone: &str) -> String {
    let t = time_or_now(date, true);
    let loc = Loc::load(zone).unwrap_or(Loc::Utc);
    t.with_loc(loc).format(layout)
}

fn time_or_now(v: Option<&Value>, _allow_int32: bool) -> GoTime {
    match v {
        Some(Value::Object(o)) => o
            .as_any()
            .downcast_ref::<GoTime>()
            .cloned()
            .unwrap_or_else(GoTime::now),
        Some(Value::Int(n) | Value::Int64(n)) => GoTime::unix(*n, 0, Loc::Local),
        _ => GoTime::now(),
    }
}

fn time_arg(v: Option<&Value>) -> Result<GoTime, FuncError> {
    match v {
        Some(Value::Object(o)) => o.as_any().downcast_ref::<GoTime>().cloned(),
        _ => None,
    }
    .ok_or_else(|| {
        FuncError::msg(format!(
            "wrong type for value; expected time.Time; got {}",
            v.map_or("<nil>".to_string(), Value::type_name)
        ))
    })
}

fn duration_arg(v: Option<&Value>) -> Result<i64, FuncError> {
    match v {
        Some(Value::Int(n) | Value::Int64(n)) => Ok(*n),
        Some(Value::Object(o)) => o
            .as_any()
            .downcast_ref::<GoDuration>()
            .map(|d| d.0)
            .ok_or_else(|| {
                FuncError::msg(format!(
                    "wrong type for value; expected time.Duration; got {}",
                    o.type_name()
                ))
            }),
        other => Err(FuncError::msg(format!(
            "wrong type for value; expected time.Duration; got {}",
            other.map_or("<nil>".to_string(), Value::type_name)
        ))),
    }
}

impl Object for GoTime {
    fn type_name(&self) -> String {
        "time.Time".into()
    }

    fn method(&self, name: &str) -> Option<Signature> {
        use ArgType::{Any as A, Int};
        Some(match name {
            "Year" | "Day" | "Hour" | "Minute" | "Second" | "Nanosecond" | "YearDay" | "Month"
            | "Weekday" | "Unix" | "UnixNano" | "UnixMilli" | "UnixMicro" | "UTC" | "Local"
            | "IsZero" | "String" => Signature::fixed(&[]),
            "Format" => Signature::fixed(&[ArgType::String]),
            "Before" | "After" | "Equal" | "Compare" | "Sub" | "Add" | "Truncate" | "Round" => {
                Signature::fixed(&[A])
            }
            "AddDate" => Signature::fixed(&[Int, Int, Int]),
            _ => return None,
        })
    }

    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, FuncError> {
        let c = || self.civil();
        let int_arg = |i: usize| match args.get(i) {
            Some(Value::Int(n) | Value::Int64(n)) => *n,
            _ => 0,
        };
        Ok(match name {
            "Year" => Value::Int(c().year),
            "Day" => Value::Int(c().day),
            "Hour" => Value::Int(c().hour),
            "Minute" => Value::Int(c().min),
            "Second" => Value::Int(c().sec),
            "Nanosecond" => Value::Int(self.nsec),
            "YearDay" => Value::Int(c().yday),
            "Month" => Value::Object(Arc::new(NamedInt::Month(c().month))),
            "Weekday" => Value::Object(Arc::new(NamedInt::Weekday(c().wday))),
            "Unix" => Value::Int64(self.secs),
            "UnixMilli" => Value::Int64(clamp_i64(self.total_nanos() / 1_000_000)),
            "UnixMicro" => Value::Int64(clamp_i64(self.total_nanos() / 1_000)),
            "UnixNano" => Value::Int64(clamp_i64(self.total_nanos())),
            "UTC" => self.with_loc(Loc::Utc).into_value(),
            "Local" => self.with_loc(Loc::Local).into_value(),
            "IsZero" => Value::Bool(self.secs == -ZERO_TO_UNIX && self.nsec == 0),
            "String" => Value::from(self.go_string()),
            "Format" => Value::from(self.format(arg_str(args, 0))),
            "Before" | "After" | "Equal" | "Compare" => {
                let o = time_arg(args.first())?;
                let ord = self.total_nanos().cmp(&o.total_nanos());
                match name {
                    "Before" => Value::Bool(ord.is_lt()),
                    "After" => Value::Bool(ord.is_gt()),
                    "Equal" => Value::Bool(ord.is_eq()),
                    _ => Value::Int(ord as i64),
                }
            }
            "Sub" => {
                let o = time_arg(args.first())?;
                Value::Object(Arc::new(GoDuration(self.sub(&o))))
            }
            "Add" => self.add(duration_arg(args.first())?).into_value(),
            "Truncate" => self
                .round_to(duration_arg(args.first())?, false)
                .into_value(),
            "Round" => self
                .round_to(duration_arg(args.first())?, true)
                .into_value(),
            "AddDate" => {
                let cv = c();
                GoTime::date(
                    cv.year.saturating_add(int_arg(0)),
                    cv.month.saturating_add(int_arg(1)),
                    cv.day.saturating_add(int_arg(2)),
                    cv.hour,
                    cv.min,
                    cv.sec,
                    self.nsec,
                    self.loc.clone(),
                )
                .into_value()
            }
            _ => return Err(FuncError::msg(format!("no method {name}"))),
        })
    }

    fn field(&self, _name: &str) -> FieldLookup {
        FieldLookup::NoField
    }

    fn format_v(&self) -> String {
        self.go_string()
    }

    fn as_stringer(&self) -> Option<String> {
        Some(self.go_string())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn clamp_i64(n: i128) -> i64 {
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}

/// Go's `time.Duration`.
#[derive(Clone, Copy, Debug)]
pub struct GoDuration(pub i64);

impl Object for GoDuration {
    fn type_name(&self) -> String {
        "time.Duration".into()
    }

    fn kind_name(&self) -> &'static str {
        "int64"
    }

    fn method(&self, name: &str) -> Option<Signature> {
        Some(match name {
            "Hours" | "Minutes" | "Seconds" | "Milliseconds" | "Microseconds" | "Nanoseconds"
            | "String" | "Abs" => Signature::fixed(&[]),
            "Round" | "Truncate" => Signature::fixed(&[ArgType::Any]),
            _ => return None,
        })
    }

    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, FuncError> {
        let d = self.0;
        // Go splits into whole and fractional parts to keep float precision.
        let float_in = |unit: i64| (d / unit) as f64 + (d % unit) as f64 / unit as f64;
        Ok(match name {
            "Hours" => Value::Float(float_in(3_600_000_000_000)),
            "Minutes" => Value::Float(float_in(60_000_000_000)),
            "Seconds" => Value::Float(float_in(NANOS_PER_SEC)),
            "Milliseconds" => Value::Int64(d / 1_000_000),
            "Microseconds" => Value::Int64(d / 1_000),
            "Nanoseconds" => Value::Int64(d),
            "String" => Value::from(format_duration(d)),
            "Abs" => Value::Object(Arc::new(GoDuration(if d == i64::MIN {
                i64::MAX
            } else {
                d.abs()
            }))),
            "Round" => {
                let m = duration_arg(args.first())?;
                Value::Object(Arc::new(GoDuration(round_duration(d, m))))
            }
            "Truncate" => {
                let m = duration_arg(args.first())?;
                Value::Object(Arc::new(GoDuration(if m <= 0 { d } else { d - d % m })))
            }
            _ => return Err(FuncError::msg(format!("no method {name}"))),
        })
    }

    fn format_v(&self) -> String {
        format_duration(self.0)
    }

    fn as_stringer(&self) -> Option<String> {
        Some(format_duration(self.0))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `time.Month` and `time.Weekday`: integers that print as names.
#[derive(Clone, Copy, Debug)]
enum NamedInt {
    Month(i64),
    Weekday(i64),
}

impl Object for NamedInt {
    fn type_name(&self) -> String {
        match self {
            NamedInt::Month(_) => "time.Month".into(),
            NamedInt::Weekday(_) => "time.Weekday".into(),
        }
    }

    fn kind_name(&self) -> &'static str {
        "int"
    }

    fn method(&self, name: &str) -> Option<Signature> {
        (name == "String").then(|| Signature::fixed(&[]))
    }

    fn call_method(&self, _name: &str, _args: &[Value]) -> Result<Value, FuncError> {
        Ok(Value::from(self.format_v()))
    }

    fn format_v(&self) -> String {
        match self {
            NamedInt::Month(m) => month_name(*m).to_string(),
            NamedInt::Weekday(d) => day_name(*d).to_string(),
        }
    }

    fn as_stringer(&self) -> Option<String> {
        Some(self.format_v())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> GoTime {
        parse_time("2006-01-02T15:04:05Z07:00", s).unwrap()
    }

    #[test]
    fn parses_and_prints_like_go() {
        assert_eq!(
            parse_time("2006-01-02", "2024-03-05").unwrap().go_string(),
            "2024-03-05 00:00:00 +0000 UTC"
        );
        assert_eq!(
            utc("2024-03-05T14:07:09+02:00").go_string(),
            "2024-03-05 14:07:09 +0200 +0200"
        );
        assert_eq!(
            parse_time("2006-01-02", "not a date").unwrap_err(),
            "parsing time \"not a date\" as \"2006-01-02\": cannot parse \"not a date\" as \"2006\""
        );
        assert_eq!(GoTime::zero().go_string(), "0001-01-01 00:00:00 +0000 UTC");
        assert_eq!(utc("2024-03-05T14:07:09Z").secs, 1709647629);
        assert_eq!(
            parse_time("2006-01-02", "2024-02-30").unwrap_err(),
            "parsing time \"2024-02-30\": day out of range"
        );
    }

    #[test]
    fn non_ascii_layout_text() {
        let t = parse_time("é2006", "é2024").unwrap();
        assert_eq!(t.format("é2006 ü"), "é2024 ü");
        assert!(parse_time("é2006", "è2024").is_err());
    }

    #[test]
    fn formats_layouts() {
        let t = utc("2024-03-05T14:07:09Z");
        assert_eq!(t.format("Jan _2 06 3:04PM"), "Mar  5 24 2:07PM");
        assert_eq!(
            t.format("Monday, January 2, 2006"),
            "Tuesday, March 5, 2024"
        );
        assert_eq!(
            t.format("02/01/2006 15h04 .000 MST -0700 Z07:00"),
            "05/03/2024 14h07 .000 UTC +0000 Z"
        );
        assert_eq!(t.format("002 __2"), "065  65");
        let ny = t.with_loc(Loc::load("America/New_York").unwrap());
        assert_eq!(ny.format("2006-01-02 15:04 MST"), "2024-03-05 09:07 EST");
        let tokyo = t.with_loc(Loc::load("Asia/Tokyo").unwrap());
        assert_eq!(tokyo.format("15:04 MST -07:00"), "23:07 JST +09:00");
    }

    #[test]
    fn date_arithmetic() {
        let t = utc("2024-03-05T14:07:09Z");
        let c = t.civil();
        let n = GoTime::date(
            c.year,
            c.month + 1,
            c.day - 5,
            c.hour,
            c.min,
            c.sec,
            0,
            Loc::Utc,
        );
        assert_eq!(n.format("2006-01-02"), "2024-03-31");
        assert_eq!(
            t.round_to(3_600_000_000_000, false).format("15:04"),
            "14:00"
        );
        assert_eq!(c.wday, 2);
        assert_eq!(c.yday, 65);
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(90 * NANOS_PER_SEC), "1m30s");
        assert_eq!(format_duration(3600 * NANOS_PER_SEC), "1h0m0s");
        assert_eq!(format_duration(90061 * NANOS_PER_SEC), "25h1m1s");
        assert_eq!(format_duration(-5 * NANOS_PER_SEC), "-5s");
        assert_eq!(format_duration(1_500), "1.5µs");
        assert_eq!(format_duration(1_500_000_001), "1.500000001s");
        assert_eq!(parse_duration("+1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(
            parse_duration("1 day").unwrap_err(),
            "time: unknown unit \" day\" in duration \"1 day\""
        );
        assert_eq!(duration_round(3_600_000_000_000), "60m");
        assert_eq!(duration_round(0), "0s");
        assert_eq!(
            round_duration(1_600_000_000, NANOS_PER_SEC),
            2 * NANOS_PER_SEC
        );
    }
}

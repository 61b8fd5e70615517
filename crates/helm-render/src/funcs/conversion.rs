//! Sprig's type conversion functions: `atoi`, `int`, `int64`, `float64`, `toDecimal`,
//! `toString` and `toStrings`. The cast rules themselves live in [`super::cast`].

use gotemplate::{ArgType, FuncMap, List, Signature, Value};

use super::cast::{arg, arg_str, to_float64, to_int, to_int64, to_string, to_strings};

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    use ArgType::{Any, String as S};
    m.add("atoi", Signature::fixed(&[S]), |_, a| {
        Ok(Value::Int(atoi(arg_str(a, 0))))
    });
    m.add("int", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::Int(to_int(arg(a, 0))))
    });
    m.add("int64", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::Int64(to_int64(arg(a, 0))))
    });
    m.add("float64", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::Float(to_float64(arg(a, 0))))
    });
    m.add("toDecimal", Signature::fixed(&[Any]), |_, a| {
        let text = gotemplate::fmt::format_value(arg(a, 0));
        Ok(Value::Int64(parse_int_radix(&text, 8).unwrap_or(0)))
    });
    m.add("toString", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::from(to_string(arg(a, 0))))
    });
    m.add("toStrings", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::List(List::strings(to_strings(arg(a, 0)))))
    });
}

/// Go's `strconv.ParseInt(s, radix, 64)` for an explicit radix: optional sign, digits only
/// (no prefixes, no underscores); `None` on syntax or range errors.
fn parse_int_radix(s: &str, radix: u32) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut mag: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix)?;
        mag = mag
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(d))?;
    }
    if neg {
        (mag <= 1u64 << 63).then(|| (mag as i64).wrapping_neg())
    } else {
        i64::try_from(mag).ok()
    }
}

/// Sprig's `atoi`: `strconv.Atoi` with the error dropped. Syntax errors give 0, but values
/// out of range give Go's clamped result (`ParseInt` returns the limit with its error).
pub fn atoi(s: &str) -> i64 {
    if let Some(v) = parse_int_radix(s, 10) {
        return v;
    }
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..).unwrap_or_default()),
        Some(b'+') => (false, s.get(1..).unwrap_or_default()),
        _ => (false, s),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // All digits, so the failure was a range error.
        return if neg { i64::MIN } else { i64::MAX };
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_is_base_ten_and_clamps() {
        assert_eq!(atoi("42"), 42);
        assert_eq!(atoi("-7"), -7);
        assert_eq!(atoi("010"), 10);
        assert_eq!(atoi("4.2"), 0);
        assert_eq!(atoi(" 1"), 0);
        assert_eq!(atoi("0x10"), 0);
        assert_eq!(atoi(""), 0);
        assert_eq!(atoi("99999999999999999999"), i64::MAX);
        assert_eq!(atoi("-99999999999999999999"), i64::MIN);
    }

    #[test]
    fn octal_parsing_for_to_decimal() {
        assert_eq!(parse_int_radix("0777", 8), Some(511));
        assert_eq!(parse_int_radix("8", 8), None);
        assert_eq!(parse_int_radix("10", 8), Some(8));
        assert_eq!(parse_int_radix("-10", 8), Some(-8));
    }
}

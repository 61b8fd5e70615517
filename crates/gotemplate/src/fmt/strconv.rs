//! Go's `strconv` text conversions that `fmt` is built on: `Quote` and friends (with Go's
//! `IsPrint` definition of which runes are kept as they are), `FormatFloat` for every format
//! Go knows (`e E f g G b x X`, fixed precision or shortest round-trip) and `FormatInt`.
//!
//! Float digits come from Rust's own formatter, which is exact (correctly rounded from the
//! binary value, ties to even) for a fixed precision and shortest round-trip without one;
//! only the layout (exponent form, `%g`'s switch between forms, zero padding) follows Go.

use super::isprint::PRINT_RANGES;

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";
const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Go's `utf8.RuneError`, what invalid runes are replaced with.
pub(super) const RUNE_ERROR: char = '\u{FFFD}';

/// Go's `strconv.IsPrint` (= `unicode.IsPrint`): letters, marks, numbers, punctuation, symbols
/// and the ASCII space.
pub fn is_print(c: char) -> bool {
    is_print_u32(u32::from(c))
}

/// [`is_print`] for any code point (surrogates and out-of-range values are not printable).
pub(super) fn is_print_u32(r: u32) -> bool {
    if r <= 0xFF {
        // Latin-1 fast path, as Go has it: the only non-printables up there are controls,
        // the no-break space (a separator) and the soft hyphen (a format character).
        return (0x20..=0x7E).contains(&r) || ((0xA1..=0xFF).contains(&r) && r != 0xAD);
    }
    let idx = PRINT_RANGES.partition_point(|&(_, hi)| hi < r);
    matches!(PRINT_RANGES.get(idx), Some(&(lo, _)) if lo <= r)
}

/// Go's `strconv.Quote`: a double-quoted Go string literal, printable runes kept as they are.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    append_quote(&mut out, s, false);
    out
}

/// Go's `strconv.QuoteToASCII`: like [`quote`] but every non-ASCII rune is escaped.
pub fn quote_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    append_quote(&mut out, s, true);
    out
}

/// Go's `strconv.Quote(string(b))` for bytes that may not be valid UTF-8: each invalid byte
/// becomes `\xNN`.
pub fn quote_bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len() + 2);
    append_quote_bytes(&mut out, b, false);
    out
}

/// Go's `strconv.QuoteRune`: a single-quoted Go rune literal.
pub fn quote_rune(r: char) -> String {
    let mut out = String::with_capacity(8);
    append_quote_rune(&mut out, u32::from(r), false);
    out
}

/// Go's `strconv.QuoteRuneToASCII`.
pub fn quote_rune_ascii(r: char) -> String {
    let mut out = String::with_capacity(12);
    append_quote_rune(&mut out, u32::from(r), true);
    out
}

/// Go's `strconv.CanBackquote`: whether `s` can be written as a raw (backquoted) string
/// literal: no control characters other than tab, no backquote, no BOM.
pub fn can_backquote(s: &str) -> bool {
    s.chars().all(|c| {
        if c.len_utf8() > 1 {
            c != '\u{FEFF}'
        } else {
            !((c < ' ' && c != '\t') || c == '`' || c == '\u{7F}')
        }
    })
}

pub(super) fn append_quote(out: &mut String, s: &str, ascii_only: bool) {
    out.push('"');
    for c in s.chars() {
        append_escaped_rune(out, c, '"', ascii_only);
    }
    out.push('"');
}

pub(super) fn append_quote_bytes(out: &mut String, b: &[u8], ascii_only: bool) {
    out.push('"');
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            append_escaped_rune(out, c, '"', ascii_only);
        }
        // Go decodes every byte of an invalid sequence as its own RuneError of width 1.
        for &byte in chunk.invalid() {
            push_hex_byte(out, byte);
        }
    }
    out.push('"');
}

/// Appends a quoted rune; invalid code points (surrogates, > U+10FFFF) quote as U+FFFD.
pub(super) fn append_quote_rune(out: &mut String, r: u32, ascii_only: bool) {
    let c = char::from_u32(r).unwrap_or(RUNE_ERROR);
    out.push('\'');
    append_escaped_rune(out, c, '\'', ascii_only);
    out.push('\'');
}

fn push_hex_byte(out: &mut String, byte: u8) {
    out.push_str("\\x");
    out.push(char::from(LOWER_HEX[usize::from(byte >> 4)]));
    out.push(char::from(LOWER_HEX[usize::from(byte & 0xF)]));
}

fn append_escaped_rune(out: &mut String, c: char, quote: char, ascii_only: bool) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if ascii_only {
        if c.is_ascii() && is_print(c) {
            out.push(c);
            return;
        }
    } else if is_print(c) {
        out.push(c);
        return;
    }
    let escaped = match c {
        '\u{07}' => "\\a",
        '\u{08}' => "\\b",
        '\u{0C}' => "\\f",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\u{0B}' => "\\v",
        _ => "",
    };
    if !escaped.is_empty() {
        out.push_str(escaped);
        return;
    }
    let r = u32::from(c);
    if r < 0x20 || r == 0x7F {
        // r < 0x80 here, so the cast is lossless.
        push_hex_byte(out, r as u8);
    } else if r < 0x10000 {
        out.push_str("\\u");
        push_hex_digits(out, r, 4);
    } else {
        out.push_str("\\U");
        push_hex_digits(out, r, 8);
    }
}

fn push_hex_digits(out: &mut String, r: u32, n: u32) {
    for k in (0..n).rev() {
        let nibble = (r >> (4 * k)) & 0xF;
        out.push(char::from(LOWER_HEX[nibble as usize]));
    }
}

/// Go's `strconv.FormatInt(i, base)` for bases 2 to 36 (any other base is treated as 10,
/// where Go would panic).
pub fn format_int(i: i64, base: u32) -> String {
    let base = if (2..=36).contains(&base) { base } else { 10 };
    let mut digits = [0u8; 64];
    let mut n = digits.len();
    let mut u = i.unsigned_abs();
    let b = u64::from(base);
    loop {
        n -= 1;
        digits[n] = BASE36[(u % b) as usize];
        u /= b;
        if u == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(65 - n);
    if i < 0 {
        out.push('-');
    }
    for &d in &digits[n..] {
        out.push(char::from(d));
    }
    out
}

/// Go's `strconv.FormatFloat(f, fmt, prec, 64)`.
///
/// `fmt` is one of `e E f g G b x X`; `prec` is the number of digits after the point (`e`,
/// `f`, `x`), the number of significant digits (`g`), or `-1` for the fewest digits that
/// read back as exactly `f`. NaN and infinities print as `NaN`, `+Inf` and `-Inf`. An unknown
/// `fmt` gives `%` followed by it, as in Go.
pub fn format_float(f: f64, fmt: char, prec: i32) -> String {
    let mut out = String::with_capacity(24);
    append_float(&mut out, f, fmt, prec);
    out
}

pub(super) fn append_float(out: &mut String, f: f64, fmt: char, prec: i32) {
    if f.is_nan() {
        out.push_str("NaN");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "+Inf" } else { "-Inf" });
        return;
    }
    match fmt {
        'b' => fmt_b(out, f),
        'x' | 'X' => fmt_x(out, f, prec, fmt == 'X'),
        'e' | 'E' | 'f' | 'g' | 'G' => fmt_decimal(out, f, fmt, prec),
        _ => {
            out.push('%');
            out.push(fmt);
        }
    }
}

/// A decimal digit string `0.d1d2...dn × 10^dp` without leading or trailing zeros (zero has
/// no digits), borrowed from Rust's formatted text: the digits are `head` then `tail`.
struct Decimal<'a> {
    head: &'a [u8],
    tail: &'a [u8],
    dp: i32,
}

fn trim_zeros(mut s: &[u8], leading: bool) -> (&[u8], usize) {
    let mut n = 0;
    while let Some((&b'0', rest)) = if leading {
        s.split_first()
    } else {
        s.split_last()
    } {
        s = rest;
        n += 1;
    }
    (s, n)
}

fn to_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl<'a> Decimal<'a> {
    fn nd(&self) -> i32 {
        to_i32(self.head.len() + self.tail.len())
    }

    fn digit(&self, i: i32) -> u8 {
        let Ok(i) = usize::try_from(i) else {
            return b'0';
        };
        match i.checked_sub(self.head.len()) {
            None => self.head.get(i),
            Some(j) => self.tail.get(j),
        }
        .copied()
        .unwrap_or(b'0')
    }

    /// Builds the digits from an integer part and a fraction part.
    fn from_parts(int: &'a [u8], frac: &'a [u8], dp: i32) -> Decimal<'a> {
        let (mut head, mut dp) = (int, dp);
        let (mut tail, _) = trim_zeros(frac, false);
        if trim_zeros(head, true).0.is_empty() {
            // No significant integer digit: the digits start in the fraction.
            let (t, lead) = trim_zeros(tail, true);
            head = &[];
            tail = t;
            dp -= to_i32(lead) + to_i32(int.len());
        }
        if tail.is_empty() {
            head = trim_zeros(head, false).0;
        }
        if head.is_empty() && tail.is_empty() {
            dp = 0;
        }
        Decimal { head, tail, dp }
    }

    /// Parses Rust's `{:e}` text of a non-negative float (`1.2345e-7`, `0e0`).
    fn from_exp_form(s: &'a str) -> Decimal<'a> {
        let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        Decimal::from_parts(int.as_bytes(), frac.as_bytes(), exp + to_i32(int.len()))
    }

    /// Parses Rust's `{:.N}` text of a non-negative float (`123.4500`, `0.0012`).
    fn from_fixed_form(s: &'a str) -> Decimal<'a> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        Decimal::from_parts(int.as_bytes(), frac.as_bytes(), to_i32(int.len()))
    }
}

/// A fixed-size text buffer, so the common short float renderings need no allocation.
struct StackText {
    buf: [u8; 40],
    len: usize,
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Runs `f` on the formatted text, on the stack when it is short.
fn with_text<R>(args: std::fmt::Arguments<'_>, f: impl FnOnce(&str) -> R) -> R {
    use std::fmt::Write;
    let mut stack = StackText {
        buf: [0; 40],
        len: 0,
    };
    if stack.write_fmt(args).is_ok() {
        if let Some(s) = stack
            .buf
            .get(..stack.len)
            .and_then(|b| std::str::from_utf8(b).ok())
        {
            return f(s);
        }
    }
    f(&std::fmt::format(args))
}

fn fmt_decimal(out: &mut String, f: f64, fmt: char, prec: i32) {
    let neg = f.is_sign_negative();
    let abs = f.abs();
    if prec < 0 {
        return with_text(format_args!("{abs:e}"), |s| {
            let d = Decimal::from_exp_form(s);
            let p = match fmt {
                'e' | 'E' => (d.nd() - 1).max(0),
                'f' => (d.nd() - d.dp).max(0),
                _ => d.nd(),
            };
            format_digits(out, true, neg, &d, p, fmt);
        });
    }
    let p = usize::try_from(prec).unwrap_or(0);
    match fmt {
        'e' | 'E' => with_text(format_args!("{abs:.p$e}"), |s| {
            format_digits(out, false, neg, &Decimal::from_exp_form(s), prec, fmt)
        }),
        'f' => with_text(format_args!("{abs:.p$}"), |s| {
            format_digits(out, false, neg, &Decimal::from_fixed_form(s), prec, fmt)
        }),
        _ => {
            // %g with precision p rounds to p significant digits (at least one).
            let p = p.max(1);
            let sig = p - 1;
            with_text(format_args!("{abs:.sig$e}"), |s| {
                let d = Decimal::from_exp_form(s);
                format_digits(out, false, neg, &d, to_i32(p), fmt)
            })
        }
    }
}

/// Lays out the digits in the requested format (Go's `formatDigits`).
fn format_digits(
    out: &mut String,
    shortest: bool,
    neg: bool,
    digs: &Decimal<'_>,
    prec: i32,
    fmt: char,
) {
    match fmt {
        'e' | 'E' => fmt_e(out, neg, digs, prec, fmt),
        'f' => fmt_f(out, neg, digs, prec),
        _ => {
            // %g: exponent form when the exponent is < -4 or >= the precision; for the
            // shortest form the precision used for that decision is 6.
            let mut eprec = prec;
            if eprec > digs.nd() && digs.nd() >= digs.dp {
                eprec = digs.nd();
            }
            if shortest {
                eprec = 6;
            }
            let exp = digs.dp - 1;
            if exp < -4 || exp >= eprec {
                let p = prec.min(digs.nd());
                let e = if fmt == 'G' { 'E' } else { 'e' };
                fmt_e(out, neg, digs, p - 1, e);
            } else {
                let p = if prec > digs.dp { digs.nd() } else { prec };
                fmt_f(out, neg, digs, (p - digs.dp).max(0));
            }
        }
    }
}

/// `-d.ddddde±dd`
fn fmt_e(out: &mut String, neg: bool, d: &Decimal<'_>, prec: i32, e: char) {
    if neg {
        out.push('-');
    }
    out.push(char::from(d.digit(0)));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(char::from(d.digit(i)));
        }
    }
    out.push(e);
    let mut exp = if d.nd() == 0 { 0 } else { d.dp - 1 };
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    push_decimal(out, u64::from(exp.unsigned_abs()));
}

/// `-ddddd.ddddd`
fn fmt_f(out: &mut String, neg: bool, d: &Decimal<'_>, prec: i32) {
    if neg {
        out.push('-');
    }
    if d.dp > 0 {
        for i in 0..d.dp {
            out.push(char::from(d.digit(i)));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(char::from(d.digit(d.dp + i - 1)));
        }
    }
}

fn push_decimal(out: &mut String, mut u: u64) {
    let mut buf = [0u8; 20];
    let mut n = buf.len();
    loop {
        n -= 1;
        buf[n] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    for &c in &buf[n..] {
        out.push(char::from(c));
    }
}

const MANT_BITS: u32 = 52;
const EXP_BIAS: i32 = -1023;

/// The float's binary mantissa (with the implicit bit) and unbiased exponent, Go style.
fn split_float(f: f64) -> (bool, u64, i32) {
    let bits = f.to_bits();
    let neg = bits >> 63 != 0;
    let mut exp = ((bits >> MANT_BITS) & 0x7FF) as i32;
    let mut mant = bits & ((1u64 << MANT_BITS) - 1);
    if exp == 0 {
        exp += 1; // denormal
    } else {
        mant |= 1u64 << MANT_BITS;
    }
    (neg, mant, exp + EXP_BIAS)
}

/// `%b`: `-ddddp±ddd`, a decimal mantissa times a power of two.
fn fmt_b(out: &mut String, f: f64) {
    let (neg, mant, exp) = split_float(f);
    if neg {
        out.push('-');
    }
    push_decimal(out, mant);
    out.push('p');
    let exp = exp - MANT_BITS as i32;
    if exp >= 0 {
        out.push('+');
    } else {
        out.push('-');
    }
    push_decimal(out, u64::from(exp.unsigned_abs()));
}

/// `%x`: `-0x1.yyyyyp±dd` (hexadecimal mantissa, binary exponent), rounded half to even
/// when a precision below 15 hex digits is asked for.
fn fmt_x(out: &mut String, f: f64, prec: i32, upper: bool) {
    let (neg, mut mant, mut exp) = split_float(f);
    if mant == 0 {
        exp = 0;
    }
    // Put the leading 1 (if any) at bit 60.
    mant <<= 60 - MANT_BITS;
    while mant != 0 && mant & (1u64 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1u64 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1u64 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1u64 << 61) != 0 {
            // Rounded up to the next power of two.
            mant >>= 1;
            exp += 1;
        }
    }
    let hex = if upper { UPPER_HEX } else { LOWER_HEX };
    if neg {
        out.push('-');
    }
    out.push('0');
    out.push(if upper { 'X' } else { 'x' });
    out.push(if (mant >> 60) & 1 == 1 { '1' } else { '0' });
    mant <<= 4; // drop the leading digit
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(char::from(hex[((mant >> 60) & 15) as usize]));
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(char::from(hex[((mant >> 60) & 15) as usize]));
            mant <<= 4;
        }
    }
    out.push(if upper { 'P' } else { 'p' });
    if exp < 0 {
        out.push('-');
    } else {
        out.push('+');
    }
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    push_decimal(out, u64::from(e));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_print_follows_go() {
        for c in [
            'a', ' ', '~', 'é', '☺', '日', '🎉', '\u{FFFD}', '\u{300}', '\u{E01}',
        ] {
            assert!(is_print(c), "{c:?} should be printable");
        }
        for c in [
            '\0',
            '\t',
            '\n',
            '\u{7F}',
            '\u{80}',
            '\u{A0}',
            '\u{AD}',
            '\u{200B}',
            '\u{2028}',
            '\u{FEFF}',
            '\u{E000}',
            '\u{E00}',
            '\u{3000}',
            '\u{10FFFF}',
            '\u{E0001}',
        ] {
            assert!(!is_print(c), "{c:?} should not be printable");
        }
        assert!(!is_print_u32(0xD800));
        assert!(!is_print_u32(0x110000));
        // The table is sorted and non-overlapping, which the binary search relies on.
        assert!(PRINT_RANGES
            .windows(2)
            .all(|w| w[0].1 < w[1].0 && w[0].0 <= w[0].1));
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("hello"), r#""hello""#);
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("\u{7}\u{8}\u{c}\n\r\t\u{b}"), r#""\a\b\f\n\r\t\v""#);
        assert_eq!(quote("\0\u{1f}\u{7f}"), r#""\x00\x1f\x7f""#);
        assert_eq!(quote("é☺🎉"), "\"é☺🎉\"");
        assert_eq!(
            quote("\u{A0}\u{AD}\u{200B}\u{FEFF}\u{E000}\u{2028}"),
            r#""\u00a0\u00ad\u200b\ufeff\ue000\u2028""#
        );
        assert_eq!(quote("\u{10FFFF}\u{E0001}"), r#""\U0010ffff\U000e0001""#);
        assert_eq!(quote("'"), r#""'""#);
        assert_eq!(quote_ascii("aé☺🎉\n"), r#""a\u00e9\u263a\U0001f389\n""#);
        assert_eq!(quote_bytes(b"a\xffb"), r#""a\xffb""#);
        assert_eq!(quote_bytes(b"\xe2\x82"), r#""\xe2\x82""#);
        assert_eq!(quote_bytes("日".as_bytes()), "\"日\"");
        assert_eq!(quote_rune('x'), "'x'");
        assert_eq!(quote_rune('\''), r"'\''");
        assert_eq!(quote_rune('"'), "'\"'");
        assert_eq!(quote_rune('\u{263a}'), "'☺'");
        assert_eq!(quote_rune_ascii('\u{263a}'), r"'\u263a'");
        assert_eq!(quote_rune('\u{E00}'), r"'\u0e00'");
        let mut out = String::new();
        append_quote_rune(&mut out, 0xD800, false);
        assert_eq!(out, "'\u{FFFD}'");
    }

    #[test]
    fn backquoting() {
        assert!(can_backquote("abc"));
        assert!(can_backquote("a\tb"));
        assert!(can_backquote("日本"));
        assert!(can_backquote(""));
        assert!(!can_backquote("a`b"));
        assert!(!can_backquote("a\nb"));
        assert!(!can_backquote("\u{7F}"));
        assert!(!can_backquote("\u{FEFF}"));
    }

    #[test]
    fn integers() {
        assert_eq!(format_int(0, 10), "0");
        assert_eq!(format_int(-255, 16), "-ff");
        assert_eq!(format_int(5, 2), "101");
        assert_eq!(format_int(35, 36), "z");
        assert_eq!(format_int(i64::MIN, 10), "-9223372036854775808");
        assert_eq!(format_int(i64::MIN, 2).len(), 65);
        assert_eq!(format_int(12, 99), "12");
    }

    #[test]
    fn floats_shortest() {
        for (x, fmt, want) in [
            (1.0, 'e', "1e+00"),
            (0.0, 'e', "0e+00"),
            (-0.0, 'g', "-0"),
            (1e21, 'f', "1000000000000000000000"),
            (0.1, 'f', "0.1"),
            (1e-7, 'f', "0.0000001"),
            (123456789.0, 'g', "1.23456789e+08"),
            (123456789.0, 'G', "1.23456789E+08"),
            (1e23, 'g', "1e+23"),
            (f64::MAX, 'g', "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, 'g', "2.2250738585072014e-308"),
            (5e-324, 'e', "5e-324"),
            (100.0, 'e', "1e+02"),
            (1.0, 'b', "4503599627370496p-52"),
            (0.0, 'b', "0p-1074"),
            (-8.0, 'b', "-4503599627370496p-49"),
            (5e-324, 'b', "1p-1074"),
            (-1.0, 'x', "-0x1p+00"),
            (1e300, 'x', "0x1.7e43c8800759cp+996"),
            (1.0, 'X', "0X1P+00"),
            (1.0, 'z', "%z"),
            (f64::NAN, 'g', "NaN"),
            (f64::INFINITY, 'f', "+Inf"),
            (f64::NEG_INFINITY, 'e', "-Inf"),
        ] {
            assert_eq!(format_float(x, fmt, -1), want, "{x} {fmt}");
        }
    }

    #[test]
    fn floats_fixed_precision() {
        for (x, fmt, prec, want) in [
            (1e23, 'f', 0, "99999999999999991611392"),
            (2.5, 'f', 0, "2"),
            (3.5, 'f', 0, "4"),
            (-2.5, 'f', 0, "-2"),
            (0.125, 'f', 2, "0.12"),
            (0.375, 'f', 2, "0.38"),
            (2.675, 'f', 2, "2.67"),
            (0.001, 'f', 1, "0.0"),
            (-0.001, 'f', 1, "-0.0"),
            (9.99, 'f', 1, "10.0"),
            (1.0, 'e', 3, "1.000e+00"),
            (9.9999, 'e', 2, "1.00e+01"),
            (1e-300, 'e', 0, "1e-300"),
            (123.456, 'E', 1, "1.2E+02"),
            (100.0, 'g', 3, "100"),
            (1e6, 'g', 3, "1e+06"),
            (123456.0, 'g', 5, "1.2346e+05"),
            (0.0001234, 'g', 2, "0.00012"),
            (0.00001234, 'g', 2, "1.2e-05"),
            (0.0, 'g', 3, "0"),
            (1.0, 'g', 0, "1"),
            (0.5, 'g', 0, "0.5"),
            (25.0, 'g', 1, "2e+01"),
            (1.5, 'x', 0, "0x1p+01"),
            (1.0, 'x', 3, "0x1.000p+00"),
            (1.0, 'x', 20, "0x1.00000000000000000000p+00"),
            (0.1, 'x', 2, "0x1.9ap-04"),
        ] {
            assert_eq!(format_float(x, fmt, prec), want, "{x} {fmt} {prec}");
        }
        // Large precisions print the exact binary value.
        assert_eq!(
            format_float(0.1, 'f', 30),
            "0.100000000000000005551115123126"
        );
    }
}

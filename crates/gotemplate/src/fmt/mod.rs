//! Go's `fmt` formatting of template values: what `{{ . }}`, `print`, `println` and `printf`
//! produce, byte for byte as Go's `fmt.Sprint`, `fmt.Sprintln` and `fmt.Sprintf` do.
//!
//! This module owns the printf engine (flags, width, precision, `*`, explicit argument
//! indexes, every verb and Go's `%!verb(type=value)` error forms) and the default `%v`
//! layout of values (`<nil>`, `map[a:1]`, `[1 2]`, `1e+06`). The `strconv` pieces it is built
//! on (`Quote`, `FormatFloat`, `FormatInt`, `IsPrint`) are in `fmt/strconv.rs`, re-exported here.
//! Host objects format themselves through [`Object::format_v`], [`Object::format_sharp_v`]
//! and [`Object::as_stringer`]; this module only decides when each is used.
//!
//! The structure follows Go's `fmt/print.go` (`doPrintf`, `printArg`, `printValue`, the
//! `fmtX` helpers) so that the many corner cases line up: flags stay in effect for every
//! element of a list or map (`%5v` pads each element), a nil inside a list prints `<nil>`
//! for any verb, `%!d(float64=1)` reprints the operand with the current flags, and so on.
//!
//! Two guards have no Go equivalent (Go overflows its stack instead): a map that contains
//! itself prints `%!v(CYCLE)` where it recurs, and nesting deeper than [`MAX_DEPTH`] prints
//! `%!v(DEPTH)`.

mod isprint;
mod strconv;

#[cfg(test)]
mod golden;

pub use self::strconv::{
    can_backquote, format_float, format_int, is_print, quote, quote_ascii, quote_bytes, quote_rune,
    quote_rune_ascii,
};

use crate::value::{List, Map, Object, Value};

use self::strconv::RUNE_ERROR;

/// How deep lists and maps nested in each other are printed before giving up.
pub const MAX_DEPTH: usize = 200;

/// Go rejects widths and precisions above this (`fmt`'s `tooLarge`).
const TOO_LARGE: i64 = 1_000_000;

/// Go's `fmt.Sprint`: every operand with `%v`, a space between two operands when neither of
/// them is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut p = Printer::new(String::new());
    p.do_print(args);
    p.buf
}

/// Go's `fmt.Sprintln`: every operand with `%v`, separated by spaces, then a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut p = Printer::new(String::new());
    for (k, arg) in args.iter().enumerate() {
        if k > 0 {
            p.buf.push(' ');
        }
        p.print_arg(arg, 'v');
    }
    p.buf.push('\n');
    p.buf
}

/// Go's `fmt.Sprintf`. Never fails: problems are reported inside the text the way Go does
/// (`%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA int=1)`, `%!(NOVERB)`, ...).
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer::new(String::with_capacity(format.len() + 8 * args.len()));
    p.do_printf(format, args);
    p.buf
}

/// Go's `%v` of one value: what a template action prints (`fmt.Sprint(v)`).
pub fn format_value(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

/// Appends Go's `%v` of `v` to `out` (no intermediate string).
pub fn write_value(out: &mut String, v: &Value) {
    let mut p = Printer::new(std::mem::take(out));
    p.print_arg(v, 'v');
    *out = p.buf;
}

/// Formatting flags of the verb being printed (Go's `fmtFlags` plus width and precision).
#[derive(Clone, Copy, Default)]
struct Flags {
    wid_present: bool,
    prec_present: bool,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    /// `%+v`: struct field names (only host objects could use it).
    plus_v: bool,
    /// `%#v`: Go syntax.
    sharp_v: bool,
    wid: i64,
    prec: i64,
}

/// What a `%!verb(...)` error message describes.
#[derive(Clone, Copy)]
enum Operand<'a> {
    Nil,
    Value(&'a Value),
    Str(&'a str),
    /// An element of a `[]byte`, a Go `uint8`.
    Byte(u8),
}

/// The printer state of one `Sprint*` call (Go's `pp` and `fmt` in one).
struct Printer {
    buf: String,
    f: Flags,
    /// The format used explicit argument indexes: no `%!(EXTRA ...)` check then.
    reordered: bool,
    /// The last `[n]` index of the current verb was valid.
    good_arg_num: bool,
    /// Printing the operand of a `%!verb(...)`: methods are not called.
    erroring: bool,
    /// The maps being printed, outermost first, to stop at a map that contains itself.
    active_maps: Vec<Map>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Base {
    Bin,
    Oct,
    Dec,
    Hex,
}

impl Base {
    fn radix(self) -> u64 {
        match self {
            Base::Bin => 2,
            Base::Oct => 8,
            Base::Dec => 10,
            Base::Hex => 16,
        }
    }
}

const LDIGITS: &[u8; 16] = b"0123456789abcdef";
const UDIGITS: &[u8; 16] = b"0123456789ABCDEF";

fn too_large(x: i64) -> bool {
    !(-TOO_LARGE..=TOO_LARGE).contains(&x)
}

/// Go's `parsenum`: a decimal number in `s[start..end]`; on overflow the whole rest of the
/// format is consumed.
fn parse_num(s: &[u8], start: usize, end: usize) -> (i64, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num: i64 = 0;
    let mut is_num = false;
    let mut i = start;
    while i < end {
        let Some(c) = s.get(i).copied().filter(u8::is_ascii_digit) else {
            break;
        };
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + i64::from(c - b'0');
        is_num = true;
        i += 1;
    }
    (num, is_num, i)
}

/// Go's `parseArgNumber` on `s` starting at `[`: (index, bytes consumed, ok).
fn parse_arg_number(s: &[u8]) -> (i64, usize, bool) {
    if s.len() < 3 {
        return (0, 1, false);
    }
    for (i, &c) in s.iter().enumerate().skip(1) {
        if c == b']' {
            let (n, ok, newi) = parse_num(s, 1, i);
            if !ok || newi != i {
                return (0, i + 1, false);
            }
            return (n - 1, i + 1, true);
        }
    }
    (0, 1, false)
}

/// Go's `intFromArg`: the operand used by a `*` width or precision.
fn int_from_arg(args: &[Value], arg_num: usize) -> (i64, bool, usize) {
    let Some(arg) = args.get(arg_num) else {
        return (0, false, arg_num);
    };
    let (num, is_int) = match arg {
        Value::Int(n) | Value::Int64(n) => (*n, true),
        _ => (0, false),
    };
    if too_large(num) {
        (0, false, arg_num + 1)
    } else {
        (num, is_int, arg_num + 1)
    }
}

/// Whether Go's `Sprint` treats the operand as a string (no space added next to it).
fn is_string_kind(v: &Value) -> bool {
    match v {
        Value::String(_) => true,
        Value::Object(o) => o.kind_name() == "string",
        _ => false,
    }
}

/// Go's rune count of possibly invalid UTF-8 (each invalid byte is one rune).
fn go_rune_count(b: &[u8]) -> usize {
    b.utf8_chunks()
        .map(|c| c.valid().chars().count() + c.invalid().len())
        .sum()
}

/// The prefix of `b` holding its first `n` runes, Go style.
fn truncate_bytes(b: &[u8], n: usize) -> &[u8] {
    let mut left = n;
    let mut pos = 0;
    for chunk in b.utf8_chunks() {
        for (i, _) in chunk.valid().char_indices() {
            if left == 0 {
                return b.get(..pos + i).unwrap_or(b);
            }
            left -= 1;
        }
        pos += chunk.valid().len();
        for _ in chunk.invalid() {
            if left == 0 {
                return b.get(..pos).unwrap_or(b);
            }
            left -= 1;
            pos += 1;
        }
    }
    b
}

/// Appends bytes that may not be valid UTF-8; each invalid byte becomes U+FFFD (the output
/// is a Rust string, so Go's raw bytes cannot be kept).
fn push_lossy(buf: &mut String, b: &[u8]) {
    for chunk in b.utf8_chunks() {
        buf.push_str(chunk.valid());
        for _ in chunk.invalid() {
            buf.push(RUNE_ERROR);
        }
    }
}

impl Printer {
    fn new(buf: String) -> Printer {
        Printer {
            buf,
            f: Flags::default(),
            reordered: false,
            good_arg_num: true,
            erroring: false,
            active_maps: Vec::new(),
        }
    }

    // ----- doPrint / doPrintf -----

    fn do_print(&mut self, args: &[Value]) {
        let mut prev_string = false;
        for (k, arg) in args.iter().enumerate() {
            let is_string = is_string_kind(arg);
            if k > 0 && !is_string && !prev_string {
                self.buf.push(' ');
            }
            self.print_arg(arg, 'v');
            prev_string = is_string;
        }
    }

    /// Go's `argNumber`: an explicit `[n]` index at `i`, if any.
    fn arg_number(
        &mut self,
        arg_num: usize,
        fb: &[u8],
        i: usize,
        num_args: usize,
    ) -> (usize, usize, bool) {
        if fb.get(i) != Some(&b'[') {
            return (arg_num, i, false);
        }
        self.reordered = true;
        let (index, wid, ok) = parse_arg_number(fb.get(i..).unwrap_or_default());
        if ok {
            if let Ok(index) = usize::try_from(index) {
                if index < num_args {
                    return (index, i + wid, true);
                }
            }
        }
        self.good_arg_num = false;
        (arg_num, i + wid, ok)
    }

    fn do_printf(&mut self, format: &str, args: &[Value]) {
        let fb = format.as_bytes();
        let end = fb.len();
        let mut arg_num = 0usize;
        let mut after_index;
        self.reordered = false;
        let mut i = 0usize;
        'verbs: while i < end {
            self.good_arg_num = true;
            let lasti = i;
            while i < end && fb.get(i) != Some(&b'%') {
                i += 1;
            }
            if i > lasti {
                self.buf.push_str(format.get(lasti..i).unwrap_or_default());
            }
            if i >= end {
                break;
            }
            i += 1; // the '%'

            self.f = Flags::default();
            while let Some(c) = fb.get(i).copied() {
                match c {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = true,
                    b'+' => self.f.plus = true,
                    b'-' => self.f.minus = true,
                    b' ' => self.f.space = true,
                    _ => {
                        // Fast path: flags directly followed by a lower-case verb.
                        if c.is_ascii_lowercase() {
                            if let Some(arg) = args.get(arg_num) {
                                if c == b'v' || c == b'w' {
                                    self.set_v_flags();
                                }
                                self.print_arg(arg, char::from(c));
                                arg_num += 1;
                                i += 1;
                                continue 'verbs;
                            }
                        }
                        break;
                    }
                }
                i += 1;
            }

            (arg_num, i, after_index) = self.arg_number(arg_num, fb, i, args.len());

            // Width.
            if fb.get(i) == Some(&b'*') {
                i += 1;
                let (w, ok, next) = int_from_arg(args, arg_num);
                self.f.wid = w;
                self.f.wid_present = ok;
                arg_num = next;
                if !ok {
                    self.buf.push_str("%!(BADWIDTH)");
                }
                if self.f.wid < 0 {
                    self.f.wid = -self.f.wid;
                    self.f.minus = true;
                    self.f.zero = false;
                }
                after_index = false;
            } else {
                let (w, ok, next) = parse_num(fb, i, end);
                self.f.wid = w;
                self.f.wid_present = ok;
                i = next;
                if after_index && ok {
                    // "%[3]2d"
                    self.good_arg_num = false;
                }
            }

            // Precision.
            if i + 1 < end && fb.get(i) == Some(&b'.') {
                i += 1;
                if after_index {
                    // "%[3].2d"
                    self.good_arg_num = false;
                }
                (arg_num, i, after_index) = self.arg_number(arg_num, fb, i, args.len());
                if fb.get(i) == Some(&b'*') {
                    i += 1;
                    let (p, ok, next) = int_from_arg(args, arg_num);
                    self.f.prec = p;
                    self.f.prec_present = ok;
                    arg_num = next;
                    if self.f.prec < 0 {
                        self.f.prec = 0;
                        self.f.prec_present = false;
                    }
                    if !self.f.prec_present {
                        self.buf.push_str("%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (p, ok, next) = parse_num(fb, i, end);
                    self.f.prec = if ok { p } else { 0 };
                    self.f.prec_present = true;
                    i = next;
                }
            }

            if !after_index {
                (arg_num, i, _) = self.arg_number(arg_num, fb, i, args.len());
            }

            let Some(verb) = format.get(i..).and_then(|s| s.chars().next()) else {
                self.buf.push_str("%!(NOVERB)");
                break;
            };
            i += verb.len_utf8();

            if verb == '%' {
                // Percent takes no operand and ignores width and precision.
                self.buf.push('%');
            } else if !self.good_arg_num {
                self.push_bang(verb, "(BADINDEX)");
            } else if let Some(arg) = args.get(arg_num) {
                if verb == 'v' || verb == 'w' {
                    self.set_v_flags();
                }
                self.print_arg(arg, verb);
                arg_num += 1;
            } else {
                self.push_bang(verb, "(MISSING)");
            }
        }

        if !self.reordered && arg_num < args.len() {
            self.f = Flags::default();
            self.buf.push_str("%!(EXTRA ");
            for (k, arg) in args.iter().skip(arg_num).enumerate() {
                if k > 0 {
                    self.buf.push_str(", ");
                }
                if arg.is_nil() {
                    self.buf.push_str("<nil>");
                } else {
                    self.buf.push_str(&arg.type_name());
                    self.buf.push('=');
                    self.print_arg(arg, 'v');
                }
            }
            self.buf.push(')');
        }
    }

    /// `%#v` and `%+v` are their own formats: move `#`/`+` to the `V` flags.
    fn set_v_flags(&mut self) {
        self.f.sharp_v = self.f.sharp;
        self.f.sharp = false;
        self.f.plus_v = self.f.plus;
        self.f.plus = false;
    }

    fn push_bang(&mut self, verb: char, what: &str) {
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push_str(what);
    }

    // ----- printArg / printValue -----

    fn print_arg(&mut self, arg: &Value, verb: char) {
        if arg.is_nil() {
            match verb {
                'T' | 'v' => self.pad_str("<nil>"),
                _ => self.bad_verb(verb, Operand::Nil),
            }
            return;
        }
        match verb {
            'T' => {
                let t = arg.type_name();
                self.fmt_s(&t);
                return;
            }
            'p' => {
                self.fmt_pointer(arg, verb);
                return;
            }
            _ => {}
        }
        match arg {
            Value::Bytes(b) if verb != 'w' => self.fmt_bytes(b, verb, "[]byte"),
            Value::Bytes(_) | Value::List(_) | Value::Map(_) | Value::Object(_) => {
                // `%w` outside Errorf is an error for any operand with methods to check.
                if verb == 'w' && !self.erroring {
                    self.bad_verb(verb, Operand::Value(arg));
                    return;
                }
                if let Value::Object(o) = arg {
                    if self.handle_methods(o.as_ref(), verb) {
                        return;
                    }
                }
                self.print_value(arg, verb, 0);
            }
            _ => self.print_basic(arg, verb),
        }
    }

    /// Booleans, numbers and strings, which print the same at any depth.
    fn print_basic(&mut self, v: &Value, verb: char) {
        match v {
            Value::Bool(b) => self.fmt_bool(*b, verb, Operand::Value(v)),
            Value::Int(i) | Value::Int64(i) => {
                self.fmt_int_verb(*i as u64, true, verb, Operand::Value(v))
            }
            Value::Float(x) => self.fmt_float_verb(*x, verb, Operand::Value(v)),
            Value::String(s) => self.fmt_string(s, verb),
            _ => self.print_value(v, verb, 1),
        }
    }

    /// Go's `handleMethods` for host objects: `GoString`-like output for `%#v`, and the
    /// `String()` result for the verbs that accept a string.
    fn handle_methods(&mut self, o: &dyn Object, verb: char) -> bool {
        if self.erroring {
            return false;
        }
        if self.f.sharp_v {
            let s = o.format_sharp_v();
            self.buf.push_str(&s);
            return true;
        }
        if matches!(verb, 'v' | 's' | 'x' | 'X' | 'q') {
            if let Some(s) = o.as_stringer() {
                self.fmt_string(&s, verb);
                return true;
            }
        }
        false
    }

    fn print_value(&mut self, v: &Value, verb: char, depth: usize) {
        if depth > MAX_DEPTH {
            self.buf.push_str("%!v(DEPTH)");
            return;
        }
        match v {
            // A nil inside a list or map is a nil interface: `<nil>` whatever the verb.
            Value::Nil => {
                if self.f.sharp_v {
                    self.buf.push_str("interface {}(nil)");
                } else {
                    self.buf.push_str("<nil>");
                }
            }
            Value::Bool(_) | Value::Int(_) | Value::Int64(_) | Value::Float(_) => {
                self.print_basic(v, verb)
            }
            Value::String(s) => self.fmt_string(s, verb),
            Value::Bytes(b) => self.fmt_bytes(b, verb, "[]uint8"),
            Value::List(l) => self.print_list(v, l, verb, depth),
            Value::Map(m) => self.print_map(m, &|| m.kind().type_name(), verb, depth),
            Value::Object(o) => {
                if depth > 0 && self.handle_methods(o.as_ref(), verb) {
                    return;
                }
                match o.as_map() {
                    Some(m) => self.print_map(&m, &|| o.type_name(), verb, depth),
                    None => {
                        let s = o.format_v();
                        self.buf.push_str(&s);
                    }
                }
            }
        }
    }

    fn print_list(&mut self, v: &Value, l: &List, verb: char, depth: usize) {
        if self.f.sharp_v {
            self.buf.push_str(&v.type_name());
            self.buf.push('{');
        } else {
            self.buf.push('[');
        }
        for (k, e) in l.iter().enumerate() {
            if k > 0 {
                if self.f.sharp_v {
                    self.buf.push_str(", ");
                } else {
                    self.buf.push(' ');
                }
            }
            self.print_value(e, verb, depth + 1);
        }
        self.buf.push(if self.f.sharp_v { '}' } else { ']' });
    }

    /// A map in Go's sorted key order; `type_name` is only needed for `%#v`.
    fn print_map(&mut self, m: &Map, type_name: &dyn Fn() -> String, verb: char, depth: usize) {
        if self.active_maps.iter().any(|a| a.ptr_eq(m)) {
            self.buf.push_str("%!v(CYCLE)");
            return;
        }
        self.active_maps.push(m.clone());
        if self.f.sharp_v {
            self.buf.push_str(&type_name());
            self.buf.push('{');
        } else {
            self.buf.push_str("map[");
        }
        // A snapshot, so that no lock is held while values (maybe this map) are printed.
        for (k, (key, val)) in m.entries().iter().enumerate() {
            if k > 0 {
                if self.f.sharp_v {
                    self.buf.push_str(", ");
                } else {
                    self.buf.push(' ');
                }
            }
            self.fmt_string(key, verb);
            self.buf.push(':');
            self.print_value(val, verb, depth + 1);
        }
        self.buf.push(if self.f.sharp_v { '}' } else { ']' });
        self.active_maps.pop();
    }

    /// `%p`: an address for reference types (approximate: Rust addresses, and a fixed one for
    /// maps), `%!p(...)` for the others.
    fn fmt_pointer(&mut self, v: &Value, verb: char) {
        let addr = match v {
            Value::List(l) => Some(l.as_slice().as_ptr() as usize),
            Value::Bytes(b) => Some(b.as_ptr() as usize),
            Value::Map(_) => Some(0xc000010000),
            Value::Object(o) if matches!(o.kind_name(), "ptr" | "map" | "slice") => {
                Some(std::sync::Arc::as_ptr(o).cast::<()>() as usize)
            }
            _ => None,
        };
        match addr {
            Some(a) => self.fmt_0x64(a as u64, !self.f.sharp),
            None => self.bad_verb(verb, Operand::Value(v)),
        }
    }

    /// Go's `badVerb`: `%!verb(type=value)`, the value printed with `%v` and the same flags.
    fn bad_verb(&mut self, verb: char, op: Operand<'_>) {
        self.erroring = true;
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        match op {
            Operand::Nil | Operand::Value(Value::Nil) => self.buf.push_str("<nil>"),
            Operand::Value(v) => {
                self.buf.push_str(&v.type_name());
                self.buf.push('=');
                self.print_arg(v, 'v');
            }
            Operand::Str(s) => {
                self.buf.push_str("string=");
                self.fmt_string(s, 'v');
            }
            Operand::Byte(b) => {
                self.buf.push_str("uint8=");
                self.fmt_int_verb(u64::from(b), false, 'v', op);
            }
        }
        self.buf.push(')');
        self.erroring = false;
    }

    // ----- per-type verb dispatch (Go's pp.fmtBool, fmtInteger, fmtFloat, ...) -----

    fn fmt_bool(&mut self, b: bool, verb: char, op: Operand<'_>) {
        match verb {
            't' | 'v' => self.pad_str(if b { "true" } else { "false" }),
            _ => self.bad_verb(verb, op),
        }
    }

    fn fmt_int_verb(&mut self, u: u64, signed: bool, verb: char, op: Operand<'_>) {
        match verb {
            'v' if self.f.sharp_v && !signed => self.fmt_0x64(u, true),
            'v' | 'd' => self.fmt_integer(u, Base::Dec, signed, verb, false),
            'b' => self.fmt_integer(u, Base::Bin, signed, verb, false),
            'o' | 'O' => self.fmt_integer(u, Base::Oct, signed, verb, false),
            'x' => self.fmt_integer(u, Base::Hex, signed, verb, false),
            'X' => self.fmt_integer(u, Base::Hex, signed, verb, true),
            'c' => self.fmt_c(u),
            'q' => self.fmt_qc(u),
            'U' => self.fmt_unicode(u),
            _ => self.bad_verb(verb, op),
        }
    }

    fn fmt_float_verb(&mut self, x: f64, verb: char, op: Operand<'_>) {
        match verb {
            'v' => self.fmt_float(x, 'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(x, verb, -1),
            'f' | 'e' | 'E' => self.fmt_float(x, verb, 6),
            'F' => self.fmt_float(x, 'f', 6),
            _ => self.bad_verb(verb, op),
        }
    }

    fn fmt_string(&mut self, s: &str, verb: char) {
        match verb {
            'v' if self.f.sharp_v => self.fmt_q(s),
            'v' | 's' => self.fmt_s(s),
            'x' => self.fmt_sbx(s.as_bytes(), false),
            'X' => self.fmt_sbx(s.as_bytes(), true),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(verb, Operand::Str(s)),
        }
    }

    /// Go's `fmtBytes`; `type_string` is `[]byte` at the top level and `[]uint8` inside a
    /// list or map, as reflection names it there.
    fn fmt_bytes(&mut self, b: &[u8], verb: char, type_string: &str) {
        match verb {
            'v' | 'd' => {
                if self.f.sharp_v {
                    self.buf.push_str(type_string);
                    self.buf.push('{');
                    for (k, &c) in b.iter().enumerate() {
                        if k > 0 {
                            self.buf.push_str(", ");
                        }
                        self.fmt_0x64(u64::from(c), true);
                    }
                    self.buf.push('}');
                } else {
                    self.buf.push('[');
                    for (k, &c) in b.iter().enumerate() {
                        if k > 0 {
                            self.buf.push(' ');
                        }
                        self.fmt_integer(u64::from(c), Base::Dec, false, verb, false);
                    }
                    self.buf.push(']');
                }
            }
            's' => self.fmt_bs(b),
            'x' => self.fmt_sbx(b, false),
            'X' => self.fmt_sbx(b, true),
            'q' => self.fmt_q_bytes(b),
            _ => {
                // Any other verb applies to each byte as a uint8.
                self.buf.push('[');
                for (k, &c) in b.iter().enumerate() {
                    if k > 0 {
                        self.buf.push(' ');
                    }
                    self.fmt_int_verb(u64::from(c), false, verb, Operand::Byte(c));
                }
                self.buf.push(']');
            }
        }
    }

    /// Hexadecimal with or without a leading 0x, whatever the `#` flag says.
    fn fmt_0x64(&mut self, u: u64, leading_0x: bool) {
        let sharp = self.f.sharp;
        self.f.sharp = leading_0x;
        self.fmt_integer(u, Base::Hex, false, 'v', false);
        self.f.sharp = sharp;
    }

    // ----- padding and the basic formatters (Go's fmt/format.go) -----

    fn write_padding(&mut self, n: i64) {
        if n <= 0 {
            return;
        }
        let pad = if self.f.zero && !self.f.minus {
            '0'
        } else {
            ' '
        };
        self.buf.extend(std::iter::repeat_n(pad, n as usize));
    }

    /// Appends `sign` (if any) then `body`, padded to the width (counted in runes).
    fn pad_signed(&mut self, sign: Option<char>, body: &str) {
        if !self.f.wid_present || self.f.wid == 0 {
            if let Some(c) = sign {
                self.buf.push(c);
            }
            self.buf.push_str(body);
            return;
        }
        let runes = body.chars().count() + usize::from(sign.is_some());
        let width = self.f.wid - i64::try_from(runes).unwrap_or(i64::MAX);
        if !self.f.minus {
            self.write_padding(width);
        }
        if let Some(c) = sign {
            self.buf.push(c);
        }
        self.buf.push_str(body);
        if self.f.minus {
            self.write_padding(width);
        }
    }

    fn pad_str(&mut self, s: &str) {
        self.pad_signed(None, s);
    }

    fn pad_bytes(&mut self, b: &[u8]) {
        match std::str::from_utf8(b) {
            Ok(s) => self.pad_str(s),
            Err(_) => {
                let runes = i64::try_from(go_rune_count(b)).unwrap_or(i64::MAX);
                let width = if self.f.wid_present {
                    self.f.wid - runes
                } else {
                    0
                };
                if !self.f.minus {
                    self.write_padding(width);
                }
                push_lossy(&mut self.buf, b);
                if self.f.minus {
                    self.write_padding(width);
                }
            }
        }
    }

    fn truncate_str<'s>(&self, s: &'s str) -> &'s str {
        if !self.f.prec_present {
            return s;
        }
        let n = usize::try_from(self.f.prec).unwrap_or(0);
        match s.char_indices().nth(n) {
            Some((i, _)) => s.get(..i).unwrap_or(s),
            None => s,
        }
    }

    fn fmt_s(&mut self, s: &str) {
        let s = self.truncate_str(s);
        self.pad_str(s);
    }

    fn fmt_bs(&mut self, b: &[u8]) {
        let b = if self.f.prec_present {
            truncate_bytes(b, usize::try_from(self.f.prec).unwrap_or(0))
        } else {
            b
        };
        self.pad_bytes(b);
    }

    /// `%x`/`%X` of a string or byte slice: two hex digits per byte, `% x` separates bytes,
    /// `%#x` adds 0x (once, or per byte with a space).
    fn fmt_sbx(&mut self, b: &[u8], upper: bool) {
        let mut length = b.len();
        if self.f.prec_present {
            length = length.min(usize::try_from(self.f.prec).unwrap_or(0));
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                self.write_padding(self.f.wid);
            }
            return;
        }
        let width = i64::try_from(width).unwrap_or(i64::MAX);
        let pad = self.f.wid_present && self.f.wid > width;
        if pad && !self.f.minus {
            self.write_padding(self.f.wid - width);
        }
        let (digits, x) = if upper {
            (UDIGITS, 'X')
        } else {
            (LDIGITS, 'x')
        };
        if self.f.sharp {
            self.buf.push('0');
            self.buf.push(x);
        }
        for (i, &c) in b.iter().take(length).enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(' ');
                if self.f.sharp {
                    self.buf.push('0');
                    self.buf.push(x);
                }
            }
            self.buf.push(char::from(digits[usize::from(c >> 4)]));
            self.buf.push(char::from(digits[usize::from(c & 0xF)]));
        }
        if pad && self.f.minus {
            self.write_padding(self.f.wid - width);
        }
    }

    fn fmt_q(&mut self, s: &str) {
        let s = self.truncate_str(s);
        let mut quoted = String::with_capacity(s.len() + 2);
        if self.f.sharp && can_backquote(s) {
            quoted.push('`');
            quoted.push_str(s);
            quoted.push('`');
        } else {
            strconv::append_quote(&mut quoted, s, self.f.plus);
        }
        self.pad_str(&quoted);
    }

    fn fmt_q_bytes(&mut self, b: &[u8]) {
        let b = if self.f.prec_present {
            truncate_bytes(b, usize::try_from(self.f.prec).unwrap_or(0))
        } else {
            b
        };
        match std::str::from_utf8(b) {
            Ok(s) => {
                // Already truncated: quote without truncating again.
                let prec_present = self.f.prec_present;
                self.f.prec_present = false;
                self.fmt_q(s);
                self.f.prec_present = prec_present;
            }
            Err(_) => {
                // Invalid UTF-8 can never be backquoted.
                let mut quoted = String::with_capacity(b.len() + 2);
                strconv::append_quote_bytes(&mut quoted, b, self.f.plus);
                self.pad_str(&quoted);
            }
        }
    }

    /// `%c`: the rune with that code point (U+FFFD when invalid).
    fn fmt_c(&mut self, u: u64) {
        let c = u32::try_from(u)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or(RUNE_ERROR);
        let mut tmp = [0u8; 4];
        let s: &str = c.encode_utf8(&mut tmp);
        self.pad_str(s);
    }

    /// `%q` of an integer: a quoted rune literal.
    fn fmt_qc(&mut self, u: u64) {
        let r = u32::try_from(u)
            .ok()
            .filter(|&r| r <= 0x10FFFF)
            .unwrap_or(0xFFFD);
        let mut quoted = String::with_capacity(12);
        strconv::append_quote_rune(&mut quoted, r, self.f.plus);
        self.pad_str(&quoted);
    }

    /// `%U`: `U+0041`, with `#` also `U+0041 'A'` when printable.
    fn fmt_unicode(&mut self, u: u64) {
        let mut prec = 4usize;
        if self.f.prec_present && self.f.prec > 4 {
            prec = usize::try_from(self.f.prec).unwrap_or(4);
        }
        let mut hex = [0u8; 16];
        let mut n = hex.len();
        let mut v = u;
        loop {
            n -= 1;
            hex[n] = UDIGITS[(v & 0xF) as usize];
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        let digits = hex.get(n..).unwrap_or_default();
        let mut s = String::with_capacity(prec.max(digits.len()) + 10);
        s.push_str("U+");
        for _ in digits.len()..prec {
            s.push('0');
        }
        s.extend(digits.iter().map(|&d| char::from(d)));
        if self.f.sharp {
            let printable = u32::try_from(u)
                .ok()
                .filter(|&r| strconv::is_print_u32(r))
                .and_then(char::from_u32);
            if let Some(c) = printable {
                s.push_str(" '");
                s.push(c);
                s.push('\'');
            }
        }
        let zero = self.f.zero;
        self.f.zero = false;
        self.pad_str(&s);
        self.f.zero = zero;
    }

    /// Go's `fmt.fmtInteger`: sign, base prefix (`#`, `%O`), zero padding from the precision
    /// or from the `0` flag with a width.
    fn fmt_integer(&mut self, u: u64, base: Base, signed: bool, verb: char, upper: bool) {
        let negative = signed && (u as i64) < 0;
        let mut u = if negative { u.wrapping_neg() } else { u };

        let mut prec: i64 = 0;
        if self.f.prec_present {
            prec = self.f.prec;
            if prec == 0 && u == 0 {
                // Precision 0 and value 0 print nothing but the padding.
                let zero = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.f.wid);
                self.f.zero = zero;
                return;
            }
        } else if self.f.zero && !self.f.minus && self.f.wid_present {
            prec = self.f.wid;
            if negative || self.f.plus || self.f.space {
                prec -= 1; // room for the sign
            }
        }

        let digits = if upper { UDIGITS } else { LDIGITS };
        let mut tmp = [0u8; 64];
        let mut n = tmp.len();
        let radix = base.radix();
        loop {
            n -= 1;
            tmp[n] = digits[(u % radix) as usize];
            u /= radix;
            if u == 0 {
                break;
            }
        }
        let body = tmp.get(n..).unwrap_or_default();
        let zeros = usize::try_from(prec)
            .unwrap_or(0)
            .saturating_sub(body.len());

        let sign = if negative {
            "-"
        } else if self.f.plus {
            "+"
        } else if self.f.space {
            " "
        } else {
            ""
        };
        // Prefixes are outermost first: "0o" for %O, then the # flag's.
        let o_prefix = if verb == 'O' { "0o" } else { "" };
        let sharp_prefix = match base {
            _ if !self.f.sharp => "",
            Base::Bin => "0b",
            // Octal gets a leading 0 only when the digits do not start with one.
            Base::Oct if zeros == 0 && body.first() != Some(&b'0') => "0",
            Base::Hex if upper => "0X",
            Base::Hex => "0x",
            _ => "",
        };
        // Everything is ASCII: the length is the rune count. Zero padding was done through
        // the precision, so the width pads with spaces.
        let len = sign.len() + o_prefix.len() + sharp_prefix.len() + zeros + body.len();
        let pad = if self.f.wid_present {
            self.f.wid - i64::try_from(len).unwrap_or(i64::MAX)
        } else {
            0
        };
        let zero = self.f.zero;
        self.f.zero = false;
        if !self.f.minus {
            self.write_padding(pad);
        }
        self.buf.push_str(sign);
        self.buf.push_str(o_prefix);
        self.buf.push_str(sharp_prefix);
        self.buf.extend(std::iter::repeat_n('0', zeros));
        self.buf.extend(body.iter().map(|&d| char::from(d)));
        if self.f.minus {
            self.write_padding(pad);
        }
        self.f.zero = zero;
    }

    /// Go's `fmt.fmtFloat`: `verb` is the strconv format, `prec` its default precision.
    fn fmt_float(&mut self, v: f64, verb: char, prec: i32) {
        let prec = if self.f.prec_present {
            i32::try_from(self.f.prec).unwrap_or(i32::MAX)
        } else {
            prec
        };
        if !self.f.wid_present && !self.f.plus && !self.f.space && !self.f.sharp {
            // No flag changes strconv's text (`%v` of a value): write it in place.
            strconv::append_float(&mut self.buf, v, verb, prec);
            return;
        }
        let num = format_float(v, verb, prec);
        let (mut sign, body) = match num.as_bytes().first() {
            Some(b'-') => ('-', num.get(1..).unwrap_or_default()),
            Some(b'+') => ('+', num.get(1..).unwrap_or_default()),
            _ => ('+', num.as_str()),
        };
        if self.f.space && sign == '+' && !self.f.plus {
            sign = ' ';
        }
        // Infinities and NaN are not numbers to pad with zeros.
        if body.starts_with('I') || body.starts_with('N') {
            let zero = self.f.zero;
            self.f.zero = false;
            if body.starts_with('N') && !self.f.space && !self.f.plus {
                self.pad_str(body);
            } else {
                self.pad_signed(Some(sign), body);
            }
            self.f.zero = zero;
            return;
        }
        let sharp_body;
        let body = if self.f.sharp && verb != 'b' {
            sharp_body = sharp_float(body, verb, prec);
            sharp_body.as_str()
        } else {
            body
        };
        if self.f.plus || sign != '+' {
            let len = i64::try_from(body.len() + 1).unwrap_or(i64::MAX);
            if self.f.zero && !self.f.minus && self.f.wid_present && self.f.wid > len {
                // Zero padding goes between the sign and the digits.
                self.buf.push(sign);
                self.write_padding(self.f.wid - len);
                self.buf.push_str(body);
                return;
            }
            self.pad_signed(Some(sign), body);
            return;
        }
        self.pad_str(body);
    }
}

/// The `#` flag on floats: always a decimal point, and for `%g` trailing zeros up to the
/// precision (6 by default). `body` has no sign.
fn sharp_float(body: &str, verb: char, prec: i32) -> String {
    let mut digits: i64 = match verb {
        'v' | 'g' | 'G' | 'x' => {
            if prec == -1 {
                6
            } else {
                i64::from(prec)
            }
        }
        _ => 0,
    };
    let bytes = body.as_bytes();
    let mut split = bytes.len();
    let mut has_point = false;
    let mut saw_nonzero = false;
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            b'.' => has_point = true,
            b'p' | b'P' => {
                split = i;
                break;
            }
            b'e' | b'E' if verb != 'x' && verb != 'X' => {
                split = i;
                break;
            }
            _ => {
                if c != b'0' {
                    saw_nonzero = true;
                }
                // Count significant digits after the first non-zero one.
                if saw_nonzero {
                    digits -= 1;
                }
            }
        }
    }
    let (num, tail) = body.split_at(split);
    let mut out = String::with_capacity(body.len() + 8);
    out.push_str(num);
    if !has_point {
        // A lone 0 counts once as a digit.
        if num == "0" {
            digits -= 1;
        }
        out.push('.');
    }
    while digits > 0 {
        out.push('0');
        digits -= 1;
    }
    out.push_str(tail);
    out
}

#[cfg(test)]
// The suite's cases use literals such as 3.14159; they are data, not attempts at PI.
#[allow(clippy::approx_constant)]
mod tests {
    use super::*;
    use crate::value::{ElemType, MapKind};
    use std::sync::Arc;

    fn s(x: &str) -> Value {
        Value::str(x)
    }
    fn i(n: i64) -> Value {
        Value::Int(n)
    }
    fn f(x: f64) -> Value {
        Value::Float(x)
    }
    /// A `[]interface {}` of float64, as values.yaml gives.
    fn flist(xs: &[f64]) -> Value {
        Value::List(List::new(xs.iter().map(|&x| f(x)).collect()))
    }
    fn list(xs: Vec<Value>) -> Value {
        Value::List(List::new(xs))
    }
    fn map(kv: Vec<(&str, Value)>) -> Value {
        Value::Map(Map::from_entries(MapKind::Generic, kv))
    }
    fn bytes(b: &[u8]) -> Value {
        Value::Bytes(Arc::from(b))
    }
    /// values.yaml's `m: {a: 1, b: 2, c: 3}`.
    fn m123() -> Value {
        map(vec![("a", f(1.0)), ("b", f(2.0)), ("c", f(3.0))])
    }
    fn strs() -> Value {
        Value::List(List::strings(["b", "a", "c"]))
    }
    #[track_caller]
    fn check(format: &str, args: Vec<Value>, want: &str) {
        assert_eq!(
            sprintf(format, &args),
            want,
            "sprintf({format:?}, {args:?})"
        );
    }

    struct Stringy;
    impl Object for Stringy {
        fn type_name(&self) -> String {
            "*semver.Version".to_string()
        }
        fn kind_name(&self) -> &'static str {
            "ptr"
        }
        fn format_v(&self) -> String {
            "&{1 2 3}".to_string()
        }
        fn format_sharp_v(&self) -> String {
            "&semver.Version{major:0x1}".to_string()
        }
        fn as_stringer(&self) -> Option<String> {
            Some("1.2.3".to_string())
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    struct Plain;
    impl Object for Plain {
        fn type_name(&self) -> String {
            "common.Thing".to_string()
        }
        fn format_v(&self) -> String {
            "{a b}".to_string()
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    #[test]
    fn values_print_like_helm() {
        // lang_print: print_list, print_map, print_mixed_list, print_ints_dicts_nil
        assert_eq!(format_value(&flist(&[1.0, 2.0, 3.0])), "[1 2 3]");
        assert_eq!(format_value(&strs()), "[b a c]");
        assert_eq!(format_value(&list(vec![])), "[]");
        let objs = list(vec![
            map(vec![("name", s("o1")), ("v", f(1.0))]),
            map(vec![("name", s("o2")), ("v", f(2.0))]),
        ]);
        assert_eq!(format_value(&objs), "[map[name:o1 v:1] map[name:o2 v:2]]");
        assert_eq!(
            format_value(&list(vec![s("a b"), s(""), s(" c")])),
            "[a b   c]"
        );
        assert_eq!(format_value(&m123()), "map[a:1 b:2 c:3]");
        assert_eq!(format_value(&map(vec![])), "map[]");
        let nested = map(vec![("a", map(vec![("b", flist(&[10.0, 20.0]))]))]);
        assert_eq!(format_value(&nested), "map[a:map[b:[10 20]]]");
        let mixed = list(vec![
            f(1.0),
            s("a"),
            Value::Bool(true),
            Value::Nil,
            f(1.5),
            map(vec![("k", s("v"))]),
            flist(&[1.0, 2.0]),
        ]);
        assert_eq!(format_value(&mixed), "[1 a true <nil> 1.5 map[k:v] [1 2]]");
        let split = Value::Map(Map::from_entries(
            MapKind::Typed(ElemType::String),
            [("_0", s("a")), ("_1", s("b"))],
        ));
        assert_eq!(format_value(&split), "map[_0:a _1:b]");
        assert_eq!(format_value(&Value::Int64(8)), "8");
        assert_eq!(format_value(&f(9.0)), "9");
        let d = map(vec![
            ("b", i(2)),
            ("a", list(vec![i(1), s("x")])),
            ("c", map(vec![])),
        ]);
        assert_eq!(format_value(&d), "map[a:[1 x] b:2 c:map[]]");
        assert_eq!(format_value(&map(vec![("a", Value::Nil)])), "map[a:<nil>]");
        assert_eq!(format_value(&list(vec![Value::Nil, i(1)])), "[<nil> 1]");
        assert_eq!(format_value(&Value::Nil), "<nil>");
        assert_eq!(format_value(&Value::Bool(false)), "false");
        assert_eq!(format_value(&bytes(b"hi")), "[104 105]");
        let mut out = String::from("x=");
        write_value(&mut out, &f(0.5));
        assert_eq!(out, "x=0.5");
    }

    #[test]
    fn floats_print_as_go_percent_v() {
        for (x, want) in [
            (8080.0, "8080"),
            (1e6, "1e+06"),
            (12345678901234567890.0, "1.2345678901234567e+19"),
            (1.5, "1.5"),
            (0.000001, "1e-06"),
            (0.0000001, "1e-07"),
            (0.0001, "0.0001"),
            (-2.25, "-2.25"),
            (3.0, "3"),
            (1e21, "1e+21"),
            (1e20, "1e+20"),
            (100000.0, "100000"),
            (123456789.0, "1.23456789e+08"),
            (12345678.9, "1.23456789e+07"),
            (3.14159265358979, "3.14159265358979"),
            (-0.0, "-0"),
            (0.1, "0.1"),
            (0.3, "0.3"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
            (5e-324, "5e-324"),
        ] {
            assert_eq!(format_value(&f(x)), want, "{x}");
        }
    }

    #[test]
    fn print_and_println_spacing() {
        assert_eq!(sprint(&[s("a"), i(1), i(2), s("b")]), "a1 2b");
        assert_eq!(sprint(&[i(1), i(2)]), "1 2");
        assert_eq!(sprint(&[s("a"), s("b")]), "ab");
        assert_eq!(sprint(&[i(1), s("a"), i(2)]), "1a2");
        assert_eq!(
            sprint(&[Value::Bool(true), Value::Bool(false)]),
            "true false"
        );
        assert_eq!(sprint(&[Value::Nil, Value::Nil]), "<nil> <nil>");
        assert_eq!(sprint(&[]), "");
        assert_eq!(sprintln(&[s("x"), i(1)]), "x 1\n");
        assert_eq!(sprintln(&[]), "\n");
        assert_eq!(sprintln(&[s("a"), s("b")]), "a b\n");
    }

    #[test]
    fn sharp_v_and_type() {
        check(
            "%#v|%#v|%#v|%#v|%#v",
            vec![m123(), flist(&[1.0, 2.0, 3.0]), s("s"), i(1), f(1.5)],
            r#"map[string]interface {}{"a":1, "b":2, "c":3}|[]interface {}{1, 2, 3}|"s"|1|1.5"#,
        );
        check(
            "%#v",
            vec![map(vec![("a", i(1)), ("b", list(vec![i(1), s("x")]))])],
            r#"map[string]interface {}{"a":1, "b":[]interface {}{1, "x"}}"#,
        );
        check("%#v|%#v", vec![f(1.0), Value::Nil], "1|<nil>");
        check(
            "%#v",
            vec![list(vec![Value::Nil])],
            "[]interface {}{interface {}(nil)}",
        );
        check("%#v", vec![strs()], r#"[]string{"b", "a", "c"}"#);
        check("%#v", vec![bytes(b"hi")], "[]byte{0x68, 0x69}");
        check(
            "%#v",
            vec![list(vec![bytes(b"hi")])],
            "[]interface {}{[]uint8{0x68, 0x69}}",
        );
        let values = Value::Map(Map::from_entries(
            MapKind::Named(Arc::from("common.Values")),
            [("x", Value::Bool(true))],
        ));
        check(
            "%#v|%v|%T",
            vec![values.clone(), values.clone(), values],
            r#"common.Values{"x":true}|map[x:true]|common.Values"#,
        );
        check(
            "%T|%T|%T|%T|%T|%T|%T|%T|%T",
            vec![
                i(1),
                f(1.5),
                s("s"),
                Value::Bool(true),
                Value::Nil,
                flist(&[1.0]),
                m123(),
                Value::Int64(2),
                Value::List(List::strings(["a"])),
            ],
            "int|float64|string|bool|<nil>|[]interface {}|map[string]interface {}|int64|[]string",
        );
        let split = Value::Map(Map::with_kind(MapKind::Typed(ElemType::String)));
        check(
            "%T|%T",
            vec![split, bytes(b"")],
            "map[string]string|[]uint8",
        );
        check(
            "%8T|%-8T|%.2T|%6T",
            vec![i(1), i(1), f(1.0), Value::Nil],
            "     int|int     |fl| <nil>",
        );
    }

    #[test]
    fn integers() {
        check(
            "%d|%5d|%-5d|%05d|%+d|% d",
            vec![i(42); 6],
            "42|   42|42   |00042|+42| 42",
        );
        check(
            "%d|%05d|%x|%o|%b",
            vec![i(-42), i(-42), i(-42), i(-42), i(-5)],
            "-42|-0042|-2a|-52|-101",
        );
        check("%[1]d %[1]x", vec![i(255)], "255 ff");
        check("%d", vec![Value::Int64(i64::MIN)], "-9223372036854775808");
        check("%b|%#b|%b", vec![i(7), i(7), i(-6)], "111|0b111|-110");
        check(
            "%o|%#o|%O|%O|%#O",
            vec![i(0o1234), i(0o1234), i(0o1234), i(-0o1234), i(0o1234)],
            "1234|01234|0o1234|-0o1234|0o01234",
        );
        check(
            "%x|%#x|%X|%#X|%x",
            vec![
                i(0x1234abcd),
                i(0x1234abcd),
                i(0x1234abcd),
                i(0x1234abcd),
                i(-0x1234abcd),
            ],
            "1234abcd|0x1234abcd|1234ABCD|0X1234ABCD|-1234abcd",
        );
        check(
            "%.d|%.0d|%6.0d|%06.0d|%.3d|%.3d|%+.3d|% .3d|%08.3d",
            vec![i(0), i(0), i(0), i(0), i(7), i(-7), i(7), i(7), i(7)],
            "||      |      |007|-007|+007| 007|     007",
        );
        check(
            "%010d|%010d|%+010d|%-010d|% 010d",
            vec![i(1234), i(-1234), i(1234), i(-1234), i(1234)],
            "0000001234|-000001234|+000001234|-1234     | 000001234",
        );
        check(
            "%+d|% d|%+d",
            vec![i(-12345), i(12345), i(0)],
            "-12345| 12345|+0",
        );
        check(
            "%v|%6v|%-6v|",
            vec![i(-1), i(12), i(12)],
            "-1|    12|12    |",
        );
        check("%#v|%#x", vec![i(255), Value::Int64(255)], "255|0xff");
    }

    #[test]
    fn chars_quoted_runes_and_unicode() {
        check(
            "%c|%c|%c|%3c|%-3c|%c",
            vec![i(120), i(0xe4), i(0x672c), i(120), i(120), i(-1)],
            "x|ä|本|  x|x  |\u{FFFD}",
        );
        check("%q", vec![i(65)], "'A'");
        check(
            "%q|%q|%+q|%q|%q",
            vec![i(0x263a), i(10), i(0x263a), i(0x0e00), i(0x10ffff)],
            r"'☺'|'\n'|'\u263a'|'\u0e00'|'\U0010ffff'",
        );
        check(
            "%q|%q|%q",
            vec![i(0x110000), i(39), i(34)],
            "'\u{FFFD}'|'\\''|'\"'",
        );
        check(
            "%U|%U|%U|%#U|%+U|%# U",
            vec![i(0), i(-1), i(10), i(10), i(120), i(120)],
            "U+0000|U+FFFFFFFFFFFFFFFF|U+000A|U+000A|U+0078|U+0078 'x'",
        );
        check(
            "%#.2U|%U|%#U",
            vec![i(120), i(0x263a), i(0x263a)],
            "U+0078 'x'|U+263A|U+263A '☺'",
        );
        check(
            "%#14.6U|%#-14.6U|%#014.6U",
            vec![i(0x2318); 3],
            "  U+002318 '⌘'|U+002318 '⌘'  |  U+002318 '⌘'",
        );
        check("%c|%U", vec![i(0xD800), i(0xD800)], "\u{FFFD}|U+D800");
    }

    #[test]
    fn bad_verbs_and_nil() {
        check("%d", vec![f(8080.0)], "%!d(float64=8080)");
        check(
            "%d|%d",
            vec![f(1.0), f(1.5)],
            "%!d(float64=1)|%!d(float64=1.5)",
        );
        check(
            "%d|%d|%d",
            vec![s("x"), Value::Bool(true), Value::Nil],
            "%!d(string=x)|%!d(bool=true)|%!d(<nil>)",
        );
        check(
            "%v|%s|%d|%q|%T",
            vec![Value::Nil; 5],
            "<nil>|%!s(<nil>)|%!d(<nil>)|%!q(<nil>)|<nil>",
        );
        check(
            "%s|%s|%s|%s",
            vec![i(1), f(1.5), Value::Bool(true), Value::Nil],
            "%!s(int=1)|%!s(float64=1.5)|%!s(bool=true)|%!s(<nil>)",
        );
        check(
            "%f|%.1f",
            vec![i(3), Value::Int64(2)],
            "%!f(int=3)|%!f(int64=2)",
        );
        check("%z|%!", vec![i(1), i(2)], "%!z(int=1)|%!!(int=2)");
        // The operand is reprinted with the verb's flags.
        check(
            "%5d|%-5t",
            vec![s("x"), i(1)],
            "%!d(string=    x)|%!t(int=1    )",
        );
        check("%6v|%-6v|", vec![Value::Nil, Value::Nil], " <nil>|<nil> |");
        check(
            "%t|%5t|%v",
            vec![Value::Bool(true), Value::Bool(false), Value::Bool(true)],
            "true|false|true",
        );
        check("%p", vec![i(1)], "%!p(int=1)");
        check(
            "%w|%w|%#w",
            vec![s("x"), i(1), s("y")],
            "%!w(string=x)|%!w(int=1)|%!w(string=\"y\")",
        );
        assert!(sprintf("%p", &[flist(&[1.0])]).starts_with("0x"));
        assert!(!sprintf("%#p", &[flist(&[1.0])]).starts_with("0x"));
    }

    #[test]
    fn verbs_apply_to_elements() {
        check(
            "%d|%d",
            vec![flist(&[1.0, 2.0, 3.0]), list(vec![i(1), i(2)])],
            "[%!d(float64=1) %!d(float64=2) %!d(float64=3)]|[1 2]",
        );
        check("%s|%s|%s", vec![strs(), flist(&[1.0, 2.0, 3.0]), m123()], "[b a c]|[%!s(float64=1) %!s(float64=2) %!s(float64=3)]|map[a:%!s(float64=1) b:%!s(float64=2) c:%!s(float64=3)]");
        check(
            "%v|%d|%q",
            vec![m123(), m123(), m123()],
            r#"map[a:1 b:2 c:3]|map[%!d(string=a):%!d(float64=1) %!d(string=b):%!d(float64=2) %!d(string=c):%!d(float64=3)]|map["a":%!q(float64=1) "b":%!q(float64=2) "c":%!q(float64=3)]"#,
        );
        check(
            "%5v|%-3v|",
            vec![flist(&[1.0, 2.0, 3.0]), strs()],
            "[    1     2     3]|[b   a   c  ]|",
        );
        check("%q", vec![strs()], r#"["b" "a" "c"]"#);
        check(
            "%x|%X",
            vec![list(vec![s("ab"), i(255)]), list(vec![s("ab")])],
            "[6162 ff]|[6162]",
        );
        check(
            "%d|%5d",
            vec![list(vec![Value::Nil, i(1)]), list(vec![Value::Nil])],
            "[<nil> 1]|[<nil>]",
        );
        // The bad key is reprinted with the same flags, zero padding included.
        check(
            "%03d",
            vec![map(vec![("k", i(7))])],
            "map[%!d(string=00k):007]",
        );
        check(
            "%.1f",
            vec![list(vec![f(1.25), list(vec![f(2.0)])])],
            "[1.2 [2.0]]",
        );
    }

    #[test]
    fn typed_containers_as_helm_prints_them() {
        // splitList gives a []string, split a map[string]string, .Values a common.Values.
        let sl = Value::List(List::strings(["a", "b", "", "é"]));
        check(
            "%#v|%x|%05v|% x|%#x",
            vec![sl.clone(); 5],
            r#"[]string{"a", "b", "", "é"}|[61 62  c3a9]|[0000a 0000b 00000 0000é]|[61 62  c3 a9]|[0x61 0x62  0xc3a9]"#,
        );
        check(
            "%-4s|%.1s",
            vec![sl.clone(), sl],
            "[a    b         é   ]|[a b  é]",
        );
        let sp = Value::Map(Map::from_entries(
            MapKind::Typed(ElemType::String),
            [("_0", s("a")), ("_1", s("b"))],
        ));
        check(
            "%#v|%q|%x|%5v|%.1s",
            vec![sp.clone(); 5],
            r#"map[string]string{"_0":"a", "_1":"b"}|map["_0":"a" "_1":"b"]|map[5f30:61 5f31:62]|map[   _0:    a    _1:    b]|map[_:a _:b]"#,
        );
        let vm = map(vec![
            (
                "b",
                list(vec![f(1.0), s("x"), Value::Nil, map(vec![("c", f(2.5))])]),
            ),
            ("", f(0.0)),
            ("B", Value::Bool(true)),
            ("10", f(1.0)),
        ]);
        let values = Value::Map(Map::from_entries(
            MapKind::Named(Arc::from("common.Values")),
            [("m", vm.clone())],
        ));
        check(
            "%#v",
            vec![values],
            r#"common.Values{"m":map[string]interface {}{"":0, "10":1, "B":true, "b":[]interface {}{1, "x", interface {}(nil), map[string]interface {}{"c":2.5}}}}"#,
        );
        check(
            "%5v",
            vec![vm.clone()],
            "map[     :    0    10:    1     B: true     b:[    1     x <nil> map[    c:  2.5]]]",
        );
        check("%#x", vec![vm.clone()], "map[:0x0.0000p+00 0x3130:0x1.0000p+00 0x42:%!x(bool=true) 0x62:[0x1.0000p+00 0x78 <nil> map[0x63:0x1.4000p+01]]]");
        check("%-4s", vec![vm], "map[    :%!s(float64=0   ) 10  :%!s(float64=1   ) B   :%!s(bool=true) b   :[%!s(float64=1   ) x    <nil> map[c   :%!s(float64=2.5 )]]]");
    }

    #[test]
    fn strings() {
        check(
            "%s|%10s|%-10s|%.2s|%8.3s|",
            vec![s("abc"), s("abc"), s("abc"), s("abc"), s("abcdef")],
            "abc|       abc|abc       |ab|     abc|",
        );
        check("%-6s|%6s|", vec![s("héé"), s("日本")], "héé   |    日本|");
        check(
            "%5s|%2s|%05s|%.0s|%.5s",
            vec![
                s("abc"),
                s("☺"),
                s("abc"),
                s("日本語日本語"),
                s("日本語日本語"),
            ],
            "  abc| ☺|00abc||日本語日本",
        );
        check("%v|%-5v|", vec![s("x"), s("y")], "x|y    |");
        check(
            "%x|%X|% x|%#x|%# x|%# X|%.1x|%5x|%-5x|%x",
            vec![
                s("xyz"),
                s("xyz"),
                s("xyz"),
                s("xyz"),
                s("xyz"),
                s("xyz"),
                s("日本語"),
                s("a"),
                s("a"),
                s(""),
            ],
            "78797a|78797A|78 79 7a|0x78797a|0x78 0x79 0x7a|0X78 0X79 0X7A|e6|   61|61   |",
        );
        check(
            "%q|%q|%q",
            vec![s("a\"b"), s("é\n"), s("\u{7}\u{8}\u{c}\n\r\t\u{b}\"\\")],
            r#""a\"b"|"é\n"|"\a\b\f\n\r\t\v\"\\""#,
        );
        check(
            "%#q|%+q|%#+q|%#q|%#q",
            vec![s("abc"), s("é"), s("☺"), s("`"), s("a\nb")],
            "`abc`|\"\\u00e9\"|`☺`|\"`\"|\"a\\nb\"",
        );
        check(
            "%10q|%-10q|%010q|%.5q|%.3q|%10.1q",
            vec![
                s("abc"),
                s("abc"),
                s("abc"),
                s("abcdefghij"),
                s("日本語日本語"),
                s("日本語日本語"),
            ],
            r#"     "abc"|"abc"     |00000"abc"|"abcde"|"日本語"|       "日""#,
        );
        check(
            "%q|%+q",
            vec![s("\u{10FFFF}\u{a0}"), s("🎉")],
            r#""\U0010ffff\u00a0"|"\U0001f389""#,
        );
        check("%s", vec![Value::Object(Arc::new(Stringy))], "1.2.3");
    }

    #[test]
    fn byte_slices() {
        let hi = bytes(b"abc");
        check(
            "%s|%q|%x|%X|% x|%v|%d|%5s|%.2s|%c",
            vec![
                hi.clone(),
                hi.clone(),
                hi.clone(),
                hi.clone(),
                hi.clone(),
                hi.clone(),
                hi.clone(),
                hi.clone(),
                hi.clone(),
                hi,
            ],
            "abc|\"abc\"|616263|616263|61 62 63|[97 98 99]|[97 98 99]|  abc|ab|[a b c]",
        );
        check(
            "%q|%x|%s",
            vec![bytes(b"a\xffb"), bytes(b"\xff"), bytes(b"a\xffb")],
            "\"a\\xffb\"|ff|a\u{FFFD}b",
        );
        check("%f", vec![bytes(b"a")], "[%!f(uint8=97)]");
        check("%s", vec![list(vec![bytes(b"x"), s("y")])], "[x y]");
    }

    #[test]
    fn floats() {
        check(
            "%f|%.2f|%5.2f|%-8.3f|%08.3f|%+.1f|%.0f|%.0f|%.0f",
            vec![
                f(3.14159),
                f(3.14159),
                f(3.14159),
                f(3.14159),
                f(3.14159),
                f(3.14159),
                f(2.5),
                f(3.5),
                f(-2.5),
            ],
            "3.141590|3.14| 3.14|3.142   |0003.142|+3.1|2|4|-2",
        );
        check(
            "%g|%g|%g|%g|%G|%.3g|%g",
            vec![
                f(1.0),
                f(1e6),
                f(1e21),
                f(0.000001),
                f(1e-7),
                f(3.14159),
                f(100000.0),
            ],
            "1|1e+06|1e+21|1e-06|1E-07|3.14|100000",
        );
        check(
            "%g|%g|%v",
            vec![f(1e6), f(12345678901234567890.0), f(12345678901234567890.0)],
            "1e+06|1.2345678901234567e+19|1.2345678901234567e+19",
        );
        check(
            "%v|%v|%v|%v",
            vec![f(1e20), f(1e21), f(123456789.0), f(12345678.9)],
            "1e+20|1e+21|1.23456789e+08|1.23456789e+07",
        );
        check(
            "%+.3e|%+.3e|%+.3x|%+.3x|%+.3f|% .3E|% .3e",
            vec![f(0.0), f(1.0), f(0.0), f(1.0), f(-1.0), f(-1.0), f(1.0)],
            "+0.000e+00|+1.000e+00|+0x0.000p+00|+0x1.000p+00|-1.000|-1.000E+00| 1.000e+00",
        );
        check(
            "%+.3g|%+.3g|%+.3g|% .3g|% .3g",
            vec![f(0.0), f(1.0), f(-1.0), f(-1.0), f(1.0)],
            "+0|+1|-1|-1| 1",
        );
        check(
            "%b|%x|%X|%x|%x|%.0x|%x",
            vec![f(1.0), f(1.0), f(-1.0), f(3.0), f(0.0), f(1.5), f(5e-324)],
            "4503599627370496p-52|0x1p+00|-0X1P+00|0x1.8p+01|0x0p+00|0x1p+01|0x1p-1074",
        );
        check(
            "%e|%e|%e|%E|%e|%.3e",
            vec![f(1.0), f(1234.5678e3), f(1e-300), f(1.0), f(1e100), f(-0.0)],
            "1.000000e+00|1.234568e+06|1.000000e-300|1.000000E+00|1.000000e+100|-0.000e+00",
        );
        check(
            "%g|%g|%G|%g|%.3g|%g",
            vec![
                f(1234.5678e3),
                f(1234.5678e-8),
                f(1234.5678e-8),
                f(-1e-5),
                f(1e-5),
                f(1e-4),
            ],
            "1.2345678e+06|1.2345678e-05|1.2345678E-05|-1e-05|1e-05|0.0001",
        );
        check(
            "%.20g|%.17g|%.1g|%.1g|%.2g|%.5g",
            vec![f(0.1), f(0.1), f(25.0), f(35.0), f(25.0), f(123456.0)],
            "0.10000000000000000555|0.10000000000000001|2e+01|4e+01|25|1.2346e+05",
        );
        check(
            "%.2f|%f|%.0f|%.0f|%.1f|%5.1f|%F",
            vec![f(1.005), f(1e20), f(0.5), f(1.5), f(0.05), f(-0.0), f(1.5)],
            "1.00|100000000000000000000.000000|0|2|0.1| -0.0|1.500000",
        );
        check(
            "%f|%v|%+f|% f|%5.2f|%05.2f|%-6f|%e|%010v",
            vec![
                f(f64::INFINITY),
                f(f64::NAN),
                f(f64::NAN),
                f(f64::NAN),
                f(f64::INFINITY),
                f(f64::NEG_INFINITY),
                f(f64::NEG_INFINITY),
                f(f64::NAN),
                f(f64::INFINITY),
            ],
            "+Inf|NaN|+NaN| NaN| +Inf| -Inf|-Inf  |NaN|      +Inf",
        );
        check(
            "%020f|%-020f|%+020e|%08v|%08v",
            vec![f(-1.0), f(-1.0), f(1.0), f(1.5), f(-1.5)],
            "-000000000001.000000|-1.000000           |+00000001.000000e+00|000001.5|-00001.5",
        );
        check(
            "%#g|%#g|%#g|%#g|%#g",
            vec![
                f(1.0),
                f(123456.0),
                f(1234567.0),
                f(1230000.0),
                f(1000000.0),
            ],
            "1.00000|123456.|1.234567e+06|1.23000e+06|1.00000e+06",
        );
        check(
            "%#.0f|%#.0e|%#.0x|%#.0g|%#.0g",
            vec![f(1.0), f(1.0), f(1.0), f(1.0), f(1100000.0)],
            "1.|1.e+00|0x1.p+00|1.|1.e+06",
        );
        check(
            "%#.4f|%#.4e|%#.4x|%#.4g|%#.4g|%#.4g",
            vec![f(1.0), f(1.0), f(1.0), f(1.0), f(100000.0), f(1.234)],
            "1.0000|1.0000e+00|0x1.0000p+00|1.000|1.000e+05|1.234",
        );
        check(
            "%#.4g|%#.4g|%#.4g|%#.4g|%#.4g|%#.4g|%#.4g",
            vec![
                f(0.1234),
                f(1.23),
                f(0.123),
                f(1.2),
                f(0.12),
                f(10.2),
                f(0.0),
            ],
            "0.1234|1.230|0.1230|1.200|0.1200|10.20|0.000",
        );
        check("%#.4g|%#.0f|%#.0e|%#.0x|%#.4x|%#.4g|%#.4g|%#9.4g|%#b", vec![f(0.012), f(123.0), f(123.0), f(123.0), f(123.0), f(123.0), f(123000.0), f(1.0), f(1.0)], "0.01200|123.|1.e+02|0x1.p+07|0x1.ec00p+06|123.0|1.230e+05|    1.000|4503599627370496p-52");
    }

    #[test]
    fn width_precision_and_indexes() {
        check("%s %d %v", vec![s("a")], "a %!d(MISSING) %!v(MISSING)");
        check(
            "%s",
            vec![s("a"), s("b"), i(3)],
            "a%!(EXTRA string=b, int=3)",
        );
        check(
            "%d",
            vec![i(1), Value::Nil, flist(&[1.0])],
            "1%!(EXTRA <nil>, []interface {}=[1])",
        );
        check(
            "%*d|%-*d|%.*f",
            vec![i(5), i(42), i(5), i(42), i(2), f(3.14159)],
            "   42|42   |3.14",
        );
        check(
            "%*d|%.*d|%*d|%.*d|%*d",
            vec![
                s("x"),
                i(42),
                s("x"),
                i(42),
                i(-5),
                i(42),
                i(-1),
                i(42),
                i(10_000_000),
                i(1),
            ],
            "%!(BADWIDTH)42|%!(BADPREC)42|42   |%!(BADPREC)42|%!(BADWIDTH)1",
        );
        check(
            "%[2]s %[1]s|%[1]d %[1]x %[1]o",
            vec![s("a"), s("b")],
            "b a|%!d(string=a) 61 %!o(string=a)",
        );
        check("%[3]s", vec![s("a")], "%!s(BADINDEX)");
        for bad in ["%[d", "%[]d", "%[-3]d", "%[99]d", "%[x]d"] {
            check(bad, vec![i(2), i(1)], "%!d(BADINDEX)");
        }
        // An unclosed index runs to the next ']' in the format.
        check("%[d|%[]d", vec![i(2), i(1)], "%!d(BADINDEX)");
        check("%[3]", vec![i(2), i(1)], "%!(NOVERB)");
        check("%[1]d %[2]d|%[2]d %[1]d", vec![i(1), i(2)], "1 2|2 1");
        check("%[2]*[1]d", vec![i(2), i(5)], "    2");
        check("%[3]*.[2]*[1]f", vec![f(12.0), i(2), i(6)], " 12.00");
        check(
            "%d %d %d %#[1]o %#o %#o",
            vec![i(11), i(12), i(13)],
            "11 12 13 013 014 015",
        );
        check(
            "%[5]d %[2]d %d",
            vec![i(1), i(2), i(3)],
            "%!d(BADINDEX) 2 3",
        );
        check("%d %[3]d %d", vec![i(1), i(2)], "1 %!d(BADINDEX) 2");
        check("%[1]2d|%[1].2d", vec![i(1)], "%!d(BADINDEX)|%!d(BADINDEX)");
        check("%", vec![], "%!(NOVERB)");
        check("%-", vec![i(1)], "%!(NOVERB)%!(EXTRA int=1)");
        check(
            "%|%-|abc%|%5",
            vec![],
            "%!|(MISSING)%!|(MISSING)abc%!|(MISSING)%!(NOVERB)",
        );
        check("abc%", vec![], "abc%!(NOVERB)");
        check("%%|%5%|%-5%|%d%%", vec![i(1)], "%|%|%|1%");
        check("%.", vec![i(1)], "%!.(int=1)");
        check("%.3", vec![i(1)], "%!(NOVERB)%!(EXTRA int=1)");
        check("%99999999d", vec![i(1)], "%!(NOVERB)%!(EXTRA int=1)");
        check("%é|x", vec![i(1)], "%!é(int=1)|x");
        check("no verbs", vec![], "no verbs");
    }

    #[test]
    fn host_objects() {
        let v = Value::Object(Arc::new(Stringy));
        check(
            "%v|%s|%q|%#v|%T|%d|%10v|",
            vec![
                v.clone(),
                v.clone(),
                v.clone(),
                v.clone(),
                v.clone(),
                v.clone(),
                v.clone(),
            ],
            "1.2.3|1.2.3|\"1.2.3\"|&semver.Version{major:0x1}|*semver.Version|&{1 2 3}|     1.2.3|",
        );
        let p = Value::Object(Arc::new(Plain));
        check(
            "%v|%s|%T|%p",
            vec![p.clone(), p.clone(), p.clone(), p.clone()],
            "{a b}|{a b}|common.Thing|%!p(common.Thing={a b})",
        );
        assert_eq!(format_value(&list(vec![v, p])), "[1.2.3 {a b}]");
    }

    #[test]
    fn self_containing_map_does_not_overflow() {
        let m = Map::new();
        m.insert("a", Value::Map(m.clone()));
        m.insert("b", list(vec![Value::Map(m.clone()), i(1)]));
        let out = format_value(&Value::Map(m.clone()));
        assert_eq!(out, "map[a:%!v(CYCLE) b:[%!v(CYCLE) 1]]");
        // A map printed twice side by side is not a cycle.
        let inner = map(vec![("k", i(1))]);
        assert_eq!(
            format_value(&list(vec![inner.clone(), inner])),
            "[map[k:1] map[k:1]]"
        );
        // Break the cycle so the test does not leak.
        m.remove("a");
        m.remove("b");
    }

    #[test]
    fn deep_nesting_stops_at_max_depth() {
        let mut v = i(1);
        for _ in 0..MAX_DEPTH + 5 {
            v = list(vec![v]);
        }
        let out = format_value(&v);
        assert!(out.contains("%!v(DEPTH)"));
        assert!(!out.contains('1'));
        let mut shallow = i(1);
        for _ in 0..50 {
            shallow = list(vec![shallow]);
        }
        assert_eq!(
            format_value(&shallow),
            format!("{}1{}", "[".repeat(50), "]".repeat(50))
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Nil),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::Int),
                any::<i64>().prop_map(Value::Int64),
                any::<f64>().prop_map(Value::Float),
                ".{0,8}".prop_map(Value::str),
                proptest::collection::vec(any::<u8>(), 0..6).prop_map(|b| bytes(&b)),
            ];
            leaf.prop_recursive(3, 16, 4, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..4).prop_map(list),
                    proptest::collection::btree_map("[a-c]{1,2}", inner, 0..3)
                        .prop_map(|m| { Value::Map(Map::from_entries(MapKind::Generic, m)) }),
                ]
            })
        }

        proptest! {
            #[test]
            fn sprintf_never_panics(
                format in r"([^%]{0,3}%[-+# 0]{0,3}(\[[0-9]{0,2}\]?)?(\*|[0-9]{0,3})(\.(\*|[0-9]{0,2}))?(\[[0-9]\])?[a-zA-Z%!.é]?){0,4}",
                args in proptest::collection::vec(value(), 0..5),
            ) {
                let out = sprintf(&format, &args);
                // Text before the first verb is copied as is.
                let lead = format.split('%').next().unwrap_or_default();
                prop_assert!(out.starts_with(lead));
                prop_assert!(sprintln(&args).ends_with('\n'));
                let _ = sprint(&args);
            }

            #[test]
            fn sprintf_without_verbs_reports_extra_operands(
                text in "[^%]{0,12}",
                args in proptest::collection::vec(value(), 0..4),
            ) {
                let out = sprintf(&text, &args);
                if args.is_empty() {
                    prop_assert_eq!(out, text);
                } else {
                    let extra = format!("{text}%!(EXTRA ");
                    prop_assert!(out.starts_with(&extra), "{}", out);
                    prop_assert!(out.ends_with(')'));
                }
            }

            #[test]
            fn shortest_g_round_trips(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
                let text = format_float(x, 'g', -1);
                let back: f64 = text.parse().map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
                prop_assert_eq!(back.to_bits(), x.to_bits(), "{}", text);
                let e = format_float(x, 'e', -1);
                prop_assert_eq!(e.parse::<f64>().ok().map(f64::to_bits), Some(x.to_bits()));
                let fixed = format_float(x, 'f', -1);
                prop_assert_eq!(fixed.parse::<f64>().ok().map(f64::to_bits), Some(x.to_bits()));
            }
        }
    }
}

//! Go's `fmt` formatting of template values (stub, being written).

/// Go's `strconv.Quote` (used for `%q` and in error messages).
pub fn quote(s: &str) -> String {
    format!("{s:?}")
}

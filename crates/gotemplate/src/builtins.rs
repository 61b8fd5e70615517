//! Go's builtin template functions (stub, being written).

/// Names of Go's builtin functions, which the parser accepts without a FuncMap entry.
pub const BUILTIN_NAMES: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

//! Parser producing [`crate::ast::Tree`]s (stub, being written).

use std::collections::HashMap;

use crate::ast::Tree;
use crate::error::Error;

/// Parses `text` (named `name`) into its top-level tree and one tree per `define`/`block`,
/// keyed by template name, exactly as Go's `parse.Parse`. `is_func` tells whether a function
/// name is defined (Go reports `function "x" not defined` at parse time).
pub fn parse(
    name: &str,
    text: &str,
    is_func: &dyn Fn(&str) -> bool,
) -> Result<HashMap<String, Tree>, Error> {
    let _ = (name, text, is_func);
    Err(Error::Other("parser not implemented yet".into()))
}

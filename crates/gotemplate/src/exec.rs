//! The executor (stub, being written).

use std::any::Any;
use std::sync::Arc;

/// Go's `missingkey` option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// `missingkey=default` / `invalid`: a missing key yields an invalid value (prints `<no value>`).
    #[default]
    Default,
    /// `missingkey=zero`: the zero value of the map's element type.
    Zero,
    /// `missingkey=error`: execution stops with `map has no entry for key "x"`.
    Error,
}

/// Execution settings and limits.
#[derive(Clone)]
pub struct ExecOptions {
    /// What a missing map key yields.
    pub missing_key: MissingKey,
    /// Maximum nesting of `{{template}}` calls and nested executions (Go: 100000).
    pub max_depth: usize,
    /// Maximum output size in bytes of one execution, nested ones included.
    pub max_output: usize,
    /// Host state functions can reach through [`crate::funcs::Context::host`].
    pub host: Option<Arc<dyn Any + Send + Sync>>,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            missing_key: MissingKey::Default,
            max_depth: 100_000,
            max_output: 256 * 1024 * 1024,
            host: None,
        }
    }
}

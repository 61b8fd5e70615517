//! Go's `text/template` language, implemented natively: lexer, parser, executor, the Go value
//! model and Go's `fmt` formatting.
//!
//! The crate knows nothing about Helm. A host (Helm's engine in `helm-render`) adds functions
//! through a [`FuncMap`]; functions receive a [`funcs::Context`] through which `include`/`tpl`
//! style functions run templates of the set being executed.
//!
//! ```
//! use gotemplate::{Templates, FuncMap, ExecOptions, Value};
//! let mut set = Templates::new(FuncMap::new().into());
//! set.parse("hello", "Hello, {{ . }}!").unwrap();
//! let out = set.execute("hello", &Value::str("world"), &ExecOptions::default()).unwrap();
//! assert_eq!(out, "Hello, world!");
//! ```

pub mod ast;
pub mod builtins;
pub mod error;
pub mod exec;
mod fasthash;
pub mod fmt;
pub mod funcs;
pub mod lex;
pub mod parse;
pub mod template;
pub mod value;

pub use error::{Error, ExecCause, ExecError, Location, ParseError};
pub use exec::{ExecOptions, MissingKey};
pub use funcs::{ArgType, Context, FuncError, FuncImpl, FuncMap, Function, Signature};
pub use template::Templates;
pub use value::{ElemType, FieldLookup, List, Map, MapKind, Object, Str, Value};

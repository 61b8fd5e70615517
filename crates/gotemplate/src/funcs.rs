//! Functions callable from templates: their Go signatures, their Rust implementations and the
//! context they receive.
//!
//! Go checks and converts arguments against each function's parameter types before the call
//! (`wrong type for value; expected string; got float64`, `expected integer; found 1.5`), so
//! every function declares a [`Signature`] and the executor does the conversion. A function
//! receives a [`Context`], through which a host implements `include` and `tpl` (run a named
//! template, or parse and run a string, in the template set being executed).

use std::fmt;
use std::sync::Arc;

use crate::error::Error;
use crate::fasthash::FastMap;
use crate::value::Value;

/// The Go type of a function parameter, as far as argument checking needs to know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// `interface{}`: anything, nil included.
    Any,
    /// `string`
    String,
    /// `int` (literal integers convert; `float64`/`int64` values are type errors)
    Int,
    /// `int64`
    Int64,
    /// `float64`
    Float64,
    /// `bool`
    Bool,
    /// `[]byte`
    Bytes,
    /// `map[string]interface{}` (also accepts named map types over it, such as Helm's
    /// `common.Values`; a nil interface becomes a nil map).
    Map,
    /// `[]interface{}`
    List,
    /// `[]string`
    StringList,
    /// `reflect.Value`: any value including an invalid one (Go's `index`, `len`, `slice`).
    Reflect,
}

impl ArgType {
    /// Go's spelling of the type, for error messages.
    pub fn go_name(self) -> &'static str {
        match self {
            ArgType::Any => "interface {}",
            ArgType::String => "string",
            ArgType::Int => "int",
            ArgType::Int64 => "int64",
            ArgType::Float64 => "float64",
            ArgType::Bool => "bool",
            ArgType::Bytes => "[]uint8",
            ArgType::Map => "map[string]interface {}",
            ArgType::List => "[]interface {}",
            ArgType::StringList => "[]string",
            ArgType::Reflect => "reflect.Value",
        }
    }
}

/// A function's parameters: fixed ones, then optionally a variadic tail (`...T`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// Fixed parameters.
    pub params: Vec<ArgType>,
    /// Type of the variadic tail, if any.
    pub variadic: Option<ArgType>,
}

impl Signature {
    /// A signature with fixed parameters only.
    pub fn fixed(params: &[ArgType]) -> Signature {
        Signature {
            params: params.to_vec(),
            variadic: None,
        }
    }

    /// A signature with fixed parameters followed by `...tail`.
    pub fn variadic(params: &[ArgType], tail: ArgType) -> Signature {
        Signature {
            params: params.to_vec(),
            variadic: Some(tail),
        }
    }
}

/// The error a function returns. The executor wraps it as Go does:
/// `error calling NAME: MESSAGE`.
#[derive(Debug, Clone)]
pub enum FuncError {
    /// The function returned a Go `error` (or panicked; Go's template package turns a panic
    /// in a function into the same message). The text is the error's `Error()` string.
    Msg(String),
    /// A nested template execution failed (`include`, `tpl`): the inner error is kept whole so
    /// a host can walk the chain (Helm formats template errors from it).
    Template(Box<Error>),
    /// A nested template failed and the host wants that error surfaced with its own text
    /// prefix, e.g. Helm's `tpl`: `cannot parse template "...": <inner>`.
    Wrapped {
        /// Text placed before the inner error, without the separator (`": "` is added).
        prefix: String,
        /// The inner template error.
        inner: Box<Error>,
    },
}

impl FuncError {
    /// A plain error message.
    pub fn msg(m: impl Into<String>) -> FuncError {
        FuncError::Msg(m.into())
    }
}

impl fmt::Display for FuncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FuncError::Msg(m) => f.write_str(m),
            FuncError::Template(e) => write!(f, "{e}"),
            FuncError::Wrapped { prefix, inner } => write!(f, "{prefix}: {inner}"),
        }
    }
}

impl std::error::Error for FuncError {}

impl From<Error> for FuncError {
    fn from(e: Error) -> Self {
        FuncError::Template(Box::new(e))
    }
}

/// What a function can ask of the executor that calls it.
pub trait Context {
    /// Executes the template `name` of the set being executed with `data` as dot and returns
    /// its output (Go's `ExecuteTemplate` into a buffer). Used for Helm's `include`.
    /// Nested executions count toward the executor's depth and output limits.
    fn execute_template(&mut self, name: &str, data: &Value) -> Result<String, Error>;

    /// Clones the template set being executed, parses `text` into the clone as a template
    /// called `name` (defines in `text` go into the clone only), executes it with `data` and
    /// returns the output. Used for Helm's `tpl`. Parse errors come back as
    /// [`Error::Parse`], execution errors as [`Error::Exec`].
    fn parse_and_execute(&mut self, name: &str, text: &str, data: &Value) -> Result<String, Error>;

    /// Name of the top-level template of this execution (what Go's `t.Name()` is for the
    /// template that `Execute` was called on).
    fn root_template_name(&self) -> String;

    /// Host state attached to this execution (see [`crate::ExecOptions::host`]), e.g.
    /// Helm's per-render include counters.
    fn host(&self) -> Option<&(dyn std::any::Any + Send + Sync)>;
}

/// The Rust implementation of a template function.
pub type FuncImpl =
    Arc<dyn Fn(&mut dyn Context, &[Value]) -> Result<Value, FuncError> + Send + Sync>;

/// A function as registered in a [`FuncMap`].
#[derive(Clone)]
pub struct Function {
    /// Parameter types, checked and converted by the executor before the call.
    pub sig: Signature,
    /// The implementation, called with converted arguments (variadic ones flattened).
    pub imp: FuncImpl,
}

impl Function {
    /// A function from a signature and a closure.
    pub fn new<F>(sig: Signature, f: F) -> Function
    where
        F: Fn(&mut dyn Context, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
    {
        Function {
            sig,
            imp: Arc::new(f),
        }
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Function({:?})", self.sig)
    }
}

/// Functions by name. Go's builtins (`and`, `index`, `printf`, ...) are provided by the
/// executor and may be overridden by entries here (Sprig overrides `slice`), except `and`,
/// `or`, `not`... which Go also lets a FuncMap override; the executor looks here first.
#[derive(Clone, Default, Debug)]
pub struct FuncMap {
    funcs: FastMap<String, Function>,
}

impl FuncMap {
    /// An empty map (Go's builtins are still available).
    pub fn new() -> FuncMap {
        FuncMap::default()
    }

    /// Adds or replaces a function.
    pub fn insert(&mut self, name: impl Into<String>, f: Function) {
        self.funcs.insert(name.into(), f);
    }

    /// Adds or replaces a function from a signature and closure.
    pub fn add<F>(&mut self, name: &str, sig: Signature, f: F)
    where
        F: Fn(&mut dyn Context, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
    {
        self.insert(name, Function::new(sig, f));
    }

    /// Looks a function up.
    pub fn get(&self, name: &str) -> Option<&Function> {
        self.funcs.get(name)
    }

    /// True when `name` is registered here.
    pub fn contains(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    /// Adds every function of `other`, replacing same-named ones.
    pub fn extend(&mut self, other: FuncMap) {
        self.funcs.extend(other.funcs);
    }

    /// Names of all registered functions.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.funcs.keys().map(String::as_str)
    }
}

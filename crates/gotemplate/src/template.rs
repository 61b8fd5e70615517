//! A set of associated templates, like Go's `*template.Template` (stub, being written).

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::Tree;
use crate::error::Error;
use crate::exec::ExecOptions;
use crate::funcs::FuncMap;
use crate::value::Value;

/// A set of named templates sharing one function map.
#[derive(Clone)]
pub struct Templates {
    funcs: Arc<FuncMap>,
    trees: HashMap<String, Arc<Tree>>,
}

impl Templates {
    /// An empty set using `funcs` (plus Go's builtins).
    pub fn new(funcs: Arc<FuncMap>) -> Templates {
        Templates {
            funcs,
            trees: HashMap::new(),
        }
    }

    /// Parses `text` as template `name` (Go's `t.New(name).Parse(text)`).
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let _ = (name, text, &self.funcs, &self.trees);
        Err(Error::Other("not implemented yet".into()))
    }

    /// Executes template `name` with `data` as dot.
    pub fn execute(&self, name: &str, data: &Value, opts: &ExecOptions) -> Result<String, Error> {
        let _ = (name, data, opts);
        Err(Error::Other("not implemented yet".into()))
    }
}

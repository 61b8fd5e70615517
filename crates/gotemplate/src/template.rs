//! A set of associated templates, like Go's `*template.Template` and its common set:
//! parsing texts into it (`t.New(name).Parse(text)` with Go's `AddParseTree` rules),
//! looking templates up, cloning and executing them.
//!
//! Trees are held as `Arc<Tree>`, so cloning a set (Helm's `tpl` does it on every call)
//! copies only the name table.

use std::sync::Arc;

use crate::ast::Tree;
use crate::builtins::BUILTIN_NAMES;
use crate::error::Error;
use crate::exec::ExecOptions;
use crate::fasthash::FastMap;
use crate::fmt::quote;
use crate::funcs::FuncMap;
use crate::value::Value;

/// A set of named templates sharing one function map.
#[derive(Clone)]
pub struct Templates {
    name: String,
    funcs: Arc<FuncMap>,
    trees: FastMap<String, Arc<Tree>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("name", &self.name)
            .field("templates", &self.names())
            .finish()
    }
}

impl Templates {
    /// An empty set using `funcs` (plus Go's builtins).
    pub fn new(funcs: Arc<FuncMap>) -> Templates {
        Templates {
            name: String::new(),
            funcs,
            trees: FastMap::with_capacity_and_hasher(16, Default::default()),
        }
    }

    /// The set's own name (Go's `template.New(name)`; Helm uses `gotpl`). It appears in
    /// `no template "x" associated with template "NAME"`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets the set's own name.
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    /// The function map.
    pub fn funcs(&self) -> &Arc<FuncMap> {
        &self.funcs
    }

    /// Replaces the function map (Go's `Funcs`; affects later parses and executions).
    pub fn set_funcs(&mut self, funcs: Arc<FuncMap>) {
        self.funcs = funcs;
    }

    /// True when `name` is a function templates of this set may call.
    pub fn is_func(&self, name: &str) -> bool {
        self.funcs.contains(name) || BUILTIN_NAMES.contains(&name)
    }

    /// Parses `text` as template `name` (Go's `t.New(name).Parse(text)`): the top-level
    /// text becomes template `name`, every `define`/`block` a template of its own. On a
    /// parse error the set is left unchanged.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let funcs = &self.funcs;
        let is_func = |f: &str| funcs.contains(f) || BUILTIN_NAMES.contains(&f);
        let trees = crate::parse::parse(name, text, &is_func)?;
        for (tname, tree) in trees {
            self.add_tree(tname, tree);
        }
        Ok(())
    }

    /// Go's `AddParseTree`: installs `tree` as template `name`, unless it is empty and a
    /// template of that name already exists (an empty `define` never replaces a real one).
    pub fn add_tree(&mut self, name: impl Into<String>, tree: Tree) {
        let name = name.into();
        if tree.is_empty() && self.trees.contains_key(&name) {
            return;
        }
        self.trees.insert(name, Arc::new(tree));
    }

    /// [`Templates::add_tree`] for a tree that is already shared (a host's parse cache):
    /// the same rule, no copy.
    pub fn add_shared_tree(&mut self, name: impl Into<String>, tree: Arc<Tree>) {
        let name = name.into();
        if tree.is_empty() && self.trees.contains_key(&name) {
            return;
        }
        self.trees.insert(name, tree);
    }

    /// The template called `name`.
    pub fn lookup(&self, name: &str) -> Option<&Arc<Tree>> {
        self.trees.get(name)
    }

    /// True when a template called `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// Names of all templates, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.trees.keys().cloned().collect();
        names.sort();
        names
    }

    /// Number of templates.
    pub fn len(&self) -> usize {
        self.trees.len()
    }

    /// True when the set holds no template.
    pub fn is_empty(&self) -> bool {
        self.trees.is_empty()
    }

    /// Executes template `name` with `data` as dot (Go's `ExecuteTemplate` into a string).
    pub fn execute(&self, name: &str, data: &Value, opts: &ExecOptions) -> Result<String, Error> {
        let Some(tree) = self.trees.get(name) else {
            return Err(Error::Other(format!(
                "template: no template {} associated with template {}",
                quote(name),
                quote(&self.name)
            )));
        };
        crate::exec::run(&self.funcs, &self.name, &self.trees, tree, data, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{ListNode, Node, TextNode};

    fn tree(name: &str, text: &str) -> Tree {
        Tree {
            name: name.to_string(),
            parse_name: Arc::from(name),
            text: Arc::from(text),
            root: ListNode {
                pos: 0,
                nodes: vec![Node::Text(TextNode {
                    pos: 0,
                    text: crate::ast::Name::owned(text),
                })],
            },
        }
    }

    #[test]
    fn empty_trees_do_not_replace_existing_ones() {
        let mut set = Templates::new(Arc::new(FuncMap::new()));
        set.add_tree("x", tree("x", "real"));
        set.add_tree("x", tree("x", "  \n"));
        let o = ExecOptions::default();
        assert_eq!(
            set.execute("x", &Value::Nil, &o).ok().as_deref(),
            Some("real")
        );
        set.add_tree("x", tree("x", "newer"));
        assert_eq!(
            set.execute("x", &Value::Nil, &o).ok().as_deref(),
            Some("newer")
        );
        set.add_tree("y", tree("y", " "));
        assert!(set.contains("y"));
        assert_eq!(set.names(), ["x", "y"]);
    }

    #[test]
    fn unknown_template_message_names_the_set() {
        let mut set = Templates::new(Arc::new(FuncMap::new()));
        set.set_name("gotpl");
        let err = set.execute("nope", &Value::Nil, &ExecOptions::default());
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("template: no template \"nope\" associated with template \"gotpl\"".to_string())
        );
        assert!(set.is_func("printf") && !set.is_func("upper"));
    }
}

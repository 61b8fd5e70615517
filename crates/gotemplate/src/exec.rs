//! The executor: walks parse trees and produces output exactly as Go 1.26's
//! `text/template/exec.go` does — control structures, variables, field chains, function and
//! method calls with Go's argument checking, number constants, printing, `missingkey`, and
//! Go's error texts and locations (the node last visited, as Go's `state.at` records it).
//!
//! Go distinguishes three shapes of "value" during evaluation, and several messages depend
//! on it: an invalid value (`(.missing)`, a template called without data), a value whose
//! static type is `interface {}` (a map element or list item, possibly a nil interface) and
//! a concrete value. [`V`] models exactly these.
//!
//! Limits: nested `{{template}}` calls stop at `max_depth` with Go's message; nested
//! executions through [`Context`] (`include`, `tpl`) count toward the same bound; output is
//! capped at `max_output` bytes. Deep nesting never overflows the Rust stack: after a fixed
//! amount of nesting the executor continues on a fresh thread with its own large stack.

use std::any::Any;
use std::sync::Arc;

use crate::ast::{
    Arg, BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode, ListNode, Node, NumberNode,
    PipeNode, TemplateNode, Tree, VariableNode,
};
use crate::builtins::{self, Builtin, GoComplex, BUILTIN_NAMES};
use crate::error::{Error, ExecCause, ExecError, Location};
use crate::fasthash::FastMap;
use crate::fmt::quote;
use crate::funcs::{ArgType, Context, FuncMap, Function, Signature};
use crate::value::{ElemType, FieldLookup, List, Map, Object, Value};

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

impl std::fmt::Debug for ExecOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecOptions")
            .field("missing_key", &self.missing_key)
            .field("max_depth", &self.max_depth)
            .field("max_output", &self.max_output)
            .field("host", &self.host.is_some())
            .finish()
    }
}

/// A value during evaluation, with the distinctions Go's `reflect.Value` makes.
#[derive(Clone, Debug, Default)]
pub(crate) enum V {
    /// The zero `reflect.Value`: no value at all (prints `<no value>`).
    #[default]
    Invalid,
    /// A value of static type `interface {}` (a map element, a list item);
    /// `Iface(Value::Nil)` is a nil interface.
    Iface(Value),
    /// A concrete value.
    Val(Value),
}

impl V {
    /// An element of a slice or map with element type `elem`.
    pub(crate) fn of_elem(v: Value, elem: ElemType) -> V {
        if elem == ElemType::Interface {
            V::Iface(v)
        } else {
            V::Val(v)
        }
    }

    /// What a function returned (a nil can only come from an interface-typed result).
    fn result(v: Value) -> V {
        match v {
            Value::Nil => V::Iface(Value::Nil),
            v => V::Val(v),
        }
    }

    /// `reflect.ValueOf(data)`: nil data is invalid.
    fn data(v: &Value) -> V {
        match v {
            Value::Nil => V::Invalid,
            v => V::Val(v.clone()),
        }
    }

    /// Go's `indirectInterface`: the concrete value, or `None` for an invalid value or a nil
    /// interface.
    pub(crate) fn indirect_iface(&self) -> Option<&Value> {
        match self {
            V::Invalid | V::Iface(Value::Nil) | V::Val(Value::Nil) => None,
            V::Iface(v) | V::Val(v) => Some(v),
        }
    }

    /// What `evalPipeline` does to each command's result: an interface is replaced by the
    /// value inside it (a nil interface becomes invalid).
    fn dig(self) -> V {
        match self {
            V::Iface(Value::Nil) | V::Val(Value::Nil) => V::Invalid,
            V::Iface(v) => V::Val(v),
            v => v,
        }
    }

    /// The value as an `interface{}` argument receives it.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            V::Invalid => Value::Nil,
            V::Iface(v) | V::Val(v) => v.clone(),
        }
    }

    fn into_value(self) -> Value {
        match self {
            V::Invalid => Value::Nil,
            V::Iface(v) | V::Val(v) => v,
        }
    }

    /// Go's template truth (`isTrue(indirectInterface(v))`).
    pub(crate) fn truth(&self) -> bool {
        self.indirect_iface().is_some_and(Value::is_true)
    }
}

/// The node Go's `state.at` last recorded, for error locations.
#[derive(Clone, Copy)]
enum Cur<'t> {
    None,
    Node(&'t Node),
    Arg(&'t Arg),
    Cmd(&'t CommandNode),
    Pipe(&'t PipeNode),
}

/// What a walk step asks of the enclosing `range`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

/// What is being called.
enum Callee<'t> {
    Func(&'t Function),
    Method(Arc<dyn Object>, Signature),
}

/// Errors are boxed inside the executor so that results stay small on the hot path.
type R<T> = Result<T, Box<Error>>;

/// Stack the executor uses on its caller's thread before it moves to a fresh thread (fits
/// comfortably in the 2 MiB of a default Rust thread).
const CALLER_STACK_BUDGET: usize = 1024 * 1024;
/// Stack size of the threads the executor continues on.
const HOP_STACK: usize = 256 * 1024 * 1024;
/// Stack the executor uses on each of those threads (the rest is headroom for the frames of
/// one nesting step and of host functions).
const HOP_STACK_BUDGET: usize = HOP_STACK - 16 * 1024 * 1024;

/// An address on the current stack (the stack grows down on every supported target, but
/// only the distance between two such addresses is used).
#[inline(never)]
fn stack_pos() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// The state of one execution (Go's `state`), shared by nested `include` executions.
pub(crate) struct Exec<'t> {
    funcs: &'t FuncMap,
    set_name: &'t str,
    /// Template maps, searched from the last (a `tpl` overlay) to the first (the set).
    layers: Vec<&'t FastMap<String, Arc<Tree>>>,
    opts: &'t ExecOptions,
    out: String,
    vars: Vec<(&'t str, V)>,
    /// Start of the current template's variables (no dynamic scoping).
    frame: usize,
    tree: &'t Tree,
    cur: Cur<'t>,
    /// Go's template depth of the current execution.
    depth: usize,
    /// All nesting: template calls plus nested executions.
    nest: usize,
    /// Stack address where this thread's share of the execution began, and how much stack
    /// it may use.
    stack_base: usize,
    stack_budget: usize,
    /// Bytes written so far, nested executions included.
    written: usize,
    root_name: &'t str,
    /// Argument vectors of finished function calls, reused by later calls (a call allocates
    /// none once the pool is warm; nested calls take their own).
    arg_pool: Vec<Vec<Value>>,
}

/// Executes `tree` of a set with `data` as dot (Go's `Template.Execute`).
pub(crate) fn run(
    funcs: &FuncMap,
    set_name: &str,
    trees: &FastMap<String, Arc<Tree>>,
    tree: &Tree,
    data: &Value,
    opts: &ExecOptions,
) -> Result<String, Error> {
    let mut ex = Exec {
        funcs,
        set_name,
        layers: vec![trees],
        opts,
        // The output is usually about as long as the template text: start there rather than
        // growing from empty.
        out: String::with_capacity(tree.text.len().min(64 * 1024)),
        vars: Vec::with_capacity(16),
        arg_pool: Vec::new(),
        frame: 0,
        tree,
        cur: Cur::None,
        depth: 0,
        nest: 0,
        stack_base: stack_pos(),
        stack_budget: CALLER_STACK_BUDGET,
        written: 0,
        root_name: &tree.name,
    };
    let dot = V::data(data);
    ex.vars.push(("$", dot.clone()));
    ex.walk_list(&dot, &tree.root).map_err(|e| *e)?;
    Ok(ex.out)
}

fn pos_of_node(n: &Node) -> usize {
    match n {
        Node::Text(t) => t.pos,
        Node::Comment(c) => c.pos,
        Node::Action(a) => a.pos,
        Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
        Node::Template(t) => t.pos,
        Node::Break(k) | Node::Continue(k) => k.pos,
    }
}

fn is_hex_int(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') && !s.contains(['p', 'P'])
}

fn can_be_nil(t: ArgType) -> bool {
    matches!(
        t,
        ArgType::Any
            | ArgType::Reflect
            | ArgType::Map
            | ArgType::List
            | ArgType::StringList
            | ArgType::Bytes
    )
}

/// Go's zero value of a nillable parameter type.
fn nil_of(t: ArgType) -> V {
    match t {
        ArgType::Reflect => V::Invalid,
        ArgType::Map => V::Val(Value::Map(Map::new())),
        ArgType::List => V::Val(Value::List(List::default())),
        ArgType::StringList => V::Val(Value::List(List::typed(ElemType::String, Vec::new()))),
        ArgType::Bytes => V::Val(Value::Bytes(Arc::from(&[][..]))),
        _ => V::Iface(Value::Nil),
    }
}

/// True when a (non-nil) value is assignable to a parameter of type `t`.
fn assignable(v: &Value, t: ArgType) -> bool {
    match t {
        ArgType::Any | ArgType::Reflect => true,
        ArgType::String => matches!(v, Value::String(_)),
        ArgType::Int => matches!(v, Value::Int(_)),
        ArgType::Int64 => matches!(v, Value::Int64(_)),
        ArgType::Float64 => matches!(v, Value::Float(_)),
        ArgType::Bool => matches!(v, Value::Bool(_)),
        ArgType::Bytes => matches!(v, Value::Bytes(_)),
        ArgType::Map => matches!(v, Value::Map(m) if m.kind().assignable_to_generic()),
        ArgType::List => matches!(v, Value::List(l) if l.elem() == ElemType::Interface),
        ArgType::StringList => matches!(v, Value::List(l) if l.elem() == ElemType::String),
    }
}

/// The elements of a slice-like host object whose underlying type is the parameter type.
fn named_slice(v: &Value, t: ArgType) -> Option<List> {
    let Value::Object(o) = v else { return None };
    let l = o.as_list()?;
    let fits = match t {
        ArgType::List => l.elem() == ElemType::Interface,
        ArgType::StringList => l.elem() == ElemType::String,
        _ => false,
    };
    fits.then_some(l)
}

impl<'t> Exec<'t> {
    // ---- errors -------------------------------------------------------------------------

    fn location(&self) -> Option<Location> {
        let (pos, context) = match self.cur {
            Cur::None => return None,
            Cur::Node(n) => (pos_of_node(n), n.to_string()),
            Cur::Arg(Arg::Pipe(p)) => (p.pos, p.to_string()),
            Cur::Pipe(p) => (p.pos, p.to_string()),
            Cur::Arg(a) => (a.pos(), a.to_string()),
            Cur::Cmd(c) => (c.pos, c.to_string()),
        };
        let (line, col) = self.tree.line_col(pos);
        Some(Location {
            parse_name: self.tree.parse_name.to_string(),
            line,
            col,
            context,
        })
    }

    fn err(&self, msg: impl Into<String>) -> Box<Error> {
        self.fail(ExecCause::Msg(msg.into()))
    }

    fn fail(&self, cause: ExecCause) -> Box<Error> {
        Box::new(Error::Exec(Box::new(ExecError {
            name: self.tree.name.clone(),
            location: self.location(),
            cause,
        })))
    }

    fn depth_error(&self) -> Box<Error> {
        self.err(format!(
            "exceeded maximum template depth ({})",
            self.opts.max_depth
        ))
    }

    // ---- stack safety -------------------------------------------------------------------

    /// Runs `f` (one nesting step deeper); when this thread's stack budget is used up, runs
    /// it on a fresh thread with a large stack instead, so deep recursion cannot overflow.
    fn guarded<T: Send>(&mut self, f: impl FnOnce(&mut Self) -> R<T> + Send) -> R<T> {
        if stack_pos().abs_diff(self.stack_base) < self.stack_budget {
            return f(self);
        }
        let (saved_base, saved_budget) = (self.stack_base, self.stack_budget);
        let outcome = std::thread::scope(|scope| {
            let this = &mut *self;
            let spawned = std::thread::Builder::new()
                .name("gotemplate-exec".into())
                .stack_size(HOP_STACK)
                .spawn_scoped(scope, move || {
                    this.stack_base = stack_pos();
                    this.stack_budget = HOP_STACK_BUDGET;
                    f(this)
                });
            match spawned {
                // A panic in a host function propagates as it would have on this thread.
                Ok(handle) => Some(
                    handle
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                ),
                Err(_) => None,
            }
        });
        self.stack_base = saved_base;
        self.stack_budget = saved_budget;
        match outcome {
            Some(r) => r,
            None => Err(self.err("template execution failed: cannot continue on a new thread")),
        }
    }

    // ---- output and variables -------------------------------------------------------------

    fn write(&mut self, s: &str) -> R<()> {
        self.written = self.written.saturating_add(s.len());
        if self.written > self.opts.max_output {
            return Err(self.err(format!(
                "template output exceeds the maximum size of {} bytes",
                self.opts.max_output
            )));
        }
        self.out.push_str(s);
        Ok(())
    }

    fn print_value(&mut self, v: &V) -> R<()> {
        match v.indirect_iface() {
            None => self.write("<no value>"),
            Some(Value::String(s)) => self.write(s),
            Some(other) => {
                // Format straight into the output, then account for what was added.
                let before = self.out.len();
                crate::fmt::write_value(&mut self.out, other);
                let added = self.out.len().saturating_sub(before);
                self.written = self.written.saturating_add(added);
                if self.written > self.opts.max_output {
                    self.out.truncate(before);
                    return Err(self.err(format!(
                        "template output exceeds the maximum size of {} bytes",
                        self.opts.max_output
                    )));
                }
                Ok(())
            }
        }
    }

    fn var_value(&self, name: &str) -> R<V> {
        let frame = self.vars.get(self.frame..).unwrap_or(&[]);
        match frame.iter().rev().find(|(n, _)| *n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(self.err(format!("undefined variable: {name}"))),
        }
    }

    fn set_var(&mut self, name: &str, value: V) -> R<()> {
        let frame = self.frame;
        let slot = self
            .vars
            .get_mut(frame..)
            .and_then(|vs| vs.iter_mut().rev().find(|(n, _)| *n == name));
        match slot {
            Some((_, v)) => {
                *v = value;
                Ok(())
            }
            None => Err(self.err(format!("undefined variable: {name}"))),
        }
    }

    fn set_top_var(&mut self, n: usize, value: V) {
        let len = self.vars.len();
        if let Some(slot) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            slot.1 = value;
        }
    }

    fn lookup(&self, name: &str) -> Option<&'t Tree> {
        self.layers
            .iter()
            .rev()
            .find_map(|layer| layer.get(name))
            .map(|t| &**t)
    }

    // ---- walking ------------------------------------------------------------------------

    fn walk_list(&mut self, dot: &V, list: &'t ListNode) -> R<Flow> {
        for node in &list.nodes {
            let flow = self.walk(dot, node)?;
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &V, node: &'t Node) -> R<Flow> {
        self.cur = Cur::Node(node);
        match node {
            Node::Text(t) => self.write(&t.text)?,
            Node::Comment(_) => {}
            Node::Action(a) => {
                // Variables declared here persist until the enclosing block ends.
                let val = self.eval_pipeline(dot, &a.pipe)?;
                if a.pipe.decl.is_empty() {
                    self.cur = Cur::Node(node);
                    self.print_value(&val)?;
                }
            }
            Node::If(b) => return self.guarded(|s| s.walk_if_or_with(false, dot, b)),
            Node::With(b) => return self.guarded(|s| s.walk_if_or_with(true, dot, b)),
            Node::Range(b) => return self.guarded(|s| s.walk_range(dot, b)),
            Node::Template(t) => self.walk_template(dot, t)?,
            Node::Break(_) => return Ok(Flow::Break),
            Node::Continue(_) => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &V, b: &'t BranchNode) -> R<Flow> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let flow = if val.truth() {
            if with {
                self.walk_list(&val, &b.list)
            } else {
                self.walk_list(dot, &b.list)
            }
        } else if let Some(else_list) = &b.else_list {
            self.walk_list(dot, else_list)
        } else {
            Ok(Flow::Normal)
        };
        self.vars.truncate(mark);
        flow
    }

    /// One iteration of `range` (Go's `oneIteration`); returns false on `{{break}}`.
    fn range_iteration(&mut self, r: &'t BranchNode, mark: usize, index: V, elem: V) -> R<bool> {
        let decl = &r.pipe.decl;
        if let Some(first) = decl.first() {
            if r.pipe.is_assign {
                let name = first.name();
                if decl.len() > 1 {
                    self.set_var(name, index.clone())?;
                } else {
                    self.set_var(name, elem.clone())?;
                }
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if let Some(second) = decl.get(1) {
            if r.pipe.is_assign {
                let name = second.name();
                self.set_var(name, elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let flow = self.walk_list(&elem, &r.list);
        self.vars.truncate(mark);
        Ok(flow? != Flow::Break)
    }

    fn walk_range(&mut self, dot: &V, r: &'t BranchNode) -> R<Flow> {
        let outer = self.vars.len();
        let val = self.eval_pipeline(dot, &r.pipe)?;
        let mark = self.vars.len();
        let ran = self.range_over(r, mark, &val);
        self.vars.truncate(outer);
        if ran? {
            return Ok(Flow::Normal);
        }
        if let Some(else_list) = &r.else_list {
            let flow = self.walk_list(dot, else_list);
            self.vars.truncate(outer);
            flow?;
        }
        Ok(Flow::Normal)
    }

    /// Iterates for `range`; returns whether there was anything to iterate over.
    fn range_over(&mut self, r: &'t BranchNode, mark: usize, val: &V) -> R<bool> {
        let v = match val.indirect_iface() {
            None => return Ok(false),
            Some(v) => v,
        };
        let map_of = |v: &Value| match v {
            Value::Map(m) => Some(m.clone()),
            Value::Object(o) => o.as_map(),
            _ => None,
        };
        let list_of = |v: &Value| match v {
            Value::List(l) => Some(l.clone()),
            Value::Object(o) => o.as_list(),
            _ => None,
        };
        if let Some(l) = list_of(v) {
            for (i, e) in l.iter().enumerate() {
                let index = V::Val(Value::Int(i64::try_from(i).unwrap_or(i64::MAX)));
                if !self.range_iteration(r, mark, index, V::of_elem(e.clone(), l.elem()))? {
                    break;
                }
            }
            return Ok(!l.is_empty());
        }
        if let Some(m) = map_of(v) {
            let elem = m.kind().elem();
            let entries = m.entries();
            for (k, e) in entries.iter() {
                let index = V::Val(Value::String(k.clone()));
                if !self.range_iteration(r, mark, index, V::of_elem(e.clone(), elem))? {
                    break;
                }
            }
            return Ok(!entries.is_empty());
        }
        match v {
            Value::Bytes(b) => {
                for (i, &c) in b.iter().enumerate() {
                    let index = V::Val(Value::Int(i64::try_from(i).unwrap_or(i64::MAX)));
                    if !self.range_iteration(r, mark, index, V::Val(builtins::uint8(c)))? {
                        break;
                    }
                }
                Ok(!b.is_empty())
            }
            Value::Int(n) | Value::Int64(n) => {
                if r.pipe.decl.len() > 1 {
                    return Err(self.err(format!(
                        "can't use {} to iterate over more than one variable",
                        crate::fmt::format_value(v)
                    )));
                }
                let int64 = matches!(v, Value::Int64(_));
                for i in 0..*n {
                    let e = if int64 {
                        Value::Int64(i)
                    } else {
                        Value::Int(i)
                    };
                    if !self.range_iteration(r, mark, V::Invalid, V::Val(e))? {
                        break;
                    }
                }
                Ok(*n > 0)
            }
            other => Err(self.err(format!(
                "range can't iterate over {}",
                crate::fmt::format_value(other)
            ))),
        }
    }

    fn walk_template(&mut self, dot: &V, t: &'t TemplateNode) -> R<()> {
        let Some(tree) = self.lookup(&t.name) else {
            return Err(self.err(format!("template {} not defined", quote(&t.name))));
        };
        if self.depth >= self.opts.max_depth || self.nest >= self.opts.max_depth {
            return Err(self.depth_error());
        }
        // Variables declared by the pipeline persist in the caller.
        let new_dot = match &t.pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => V::Invalid,
        };
        let (saved_tree, saved_cur, saved_frame) = (self.tree, self.cur, self.frame);
        let saved_len = self.vars.len();
        self.tree = tree;
        self.frame = saved_len;
        self.depth += 1;
        self.nest += 1;
        self.vars.push(("$", new_dot.clone()));
        let r = self.guarded(|s| s.walk_list(&new_dot, &tree.root));
        self.vars.truncate(saved_len);
        self.depth -= 1;
        self.nest -= 1;
        self.tree = saved_tree;
        self.cur = saved_cur;
        self.frame = saved_frame;
        r.map(|_| ())
    }

    /// Runs `tree` as a separate execution (Go's `ExecuteTemplate` from a function) and
    /// returns its output.
    fn nested(&mut self, tree: &'t Tree, data: &Value) -> R<String> {
        if self.nest >= self.opts.max_depth {
            return Err(self.depth_error());
        }
        // Included helpers print a line or a few: skip the smallest growth steps.
        let saved_out = std::mem::replace(&mut self.out, String::with_capacity(64));
        let (saved_tree, saved_cur, saved_frame, saved_depth) =
            (self.tree, self.cur, self.frame, self.depth);
        let saved_len = self.vars.len();
        self.tree = tree;
        self.cur = Cur::None;
        self.frame = saved_len;
        self.depth = 0;
        self.nest += 1;
        let dot = V::data(data);
        self.vars.push(("$", dot.clone()));
        let r = self.guarded(|s| s.walk_list(&dot, &tree.root));
        self.vars.truncate(saved_len);
        self.nest -= 1;
        self.tree = saved_tree;
        self.cur = saved_cur;
        self.frame = saved_frame;
        self.depth = saved_depth;
        let inner = std::mem::replace(&mut self.out, saved_out);
        r.map(|_| inner)
    }

    // ---- evaluation ---------------------------------------------------------------------

    fn eval_pipeline(&mut self, dot: &V, pipe: &'t PipeNode) -> R<V> {
        self.guarded(|s| s.eval_pipeline_inner(dot, pipe))
    }

    fn eval_pipeline_inner(&mut self, dot: &V, pipe: &'t PipeNode) -> R<V> {
        self.cur = Cur::Pipe(pipe);
        let mut value: Option<V> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(v.dig());
        }
        let value = value.unwrap_or(V::Invalid);
        for var in &pipe.decl {
            let name = var.name();
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.vars.push((name, value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, first: &'t Arg, args: &[Arg], fin: &Option<V>) -> R<()> {
        if !args.is_empty() || fin.is_some() {
            return Err(self.err(format!("can't give argument to non-function {first}")));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &V, cmd: &'t CommandNode, fin: Option<V>) -> R<V> {
        let Some(first) = cmd.args.first() else {
            return Err(self.err("empty command"));
        };
        let args = cmd.args.get(1..).unwrap_or(&[]);
        match first {
            Arg::Field(f) => return self.eval_field_node(dot, first, f, args, fin),
            Arg::Chain(c) => return self.eval_chain_node(dot, first, c, args, fin),
            Arg::Identifier(id) => {
                return self.eval_function(dot, first, id, Cur::Cmd(cmd), args, fin)
            }
            Arg::Pipe(p) => {
                self.not_a_function(first, args, &fin)?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable(v) => return self.eval_variable_node(dot, first, v, args, fin),
            _ => {}
        }
        self.cur = Cur::Arg(first);
        self.not_a_function(first, args, &fin)?;
        match first {
            Arg::Bool(b) => Ok(V::Val(Value::Bool(b.value))),
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Nil(_) => Err(self.err("nil is not a command")),
            Arg::Number(n) => self.ideal_constant(first, n),
            Arg::String(s) => Ok(V::Val(Value::String(s.text.clone()))),
            _ => Err(self.err(format!(
                "can't evaluate command {}",
                quote(&first.to_string())
            ))),
        }
    }

    /// Go's `idealConstant`: the type of a number literal in a context without a type.
    fn ideal_constant(&mut self, node: &'t Arg, n: &'t NumberNode) -> R<V> {
        self.cur = Cur::Arg(node);
        if n.is_complex {
            return match GoComplex::parse(&n.text) {
                Some(c) => Ok(V::Val(Value::Object(Arc::new(c)))),
                None => Err(self.err(format!("illegal number syntax: {}", quote(&n.text)))),
            };
        }
        if let Some(f) = n.float {
            if !is_hex_int(&n.text)
                && !n.text.starts_with('\'')
                && n.text.contains(['.', 'e', 'E', 'p', 'P'])
            {
                return Ok(V::Val(Value::Float(f)));
            }
        }
        if let Some(i) = n.int {
            return Ok(V::Val(Value::Int(i)));
        }
        if n.uint.is_some() {
            return Err(self.err(format!("{} overflows int", n.text)));
        }
        Ok(V::Invalid)
    }

    fn eval_field_node(
        &mut self,
        dot: &V,
        node: &'t Arg,
        f: &'t FieldNode,
        args: &'t [Arg],
        fin: Option<V>,
    ) -> R<V> {
        self.cur = Cur::Arg(node);
        self.eval_field_chain(dot, dot.clone(), node, f.fields(), args, fin)
    }

    fn eval_chain_node(
        &mut self,
        dot: &V,
        node: &'t Arg,
        c: &'t ChainNode,
        args: &'t [Arg],
        fin: Option<V>,
    ) -> R<V> {
        self.cur = Cur::Arg(node);
        if c.fields().is_empty() {
            return Err(self.err("internal error: no fields in evalChainNode"));
        }
        if matches!(*c.node, Arg::Nil(_)) {
            return Err(self.err(format!("indirection through explicit nil in {node}")));
        }
        let pipe = self.eval_arg_untyped(dot, &c.node)?;
        self.eval_field_chain(dot, pipe, node, c.fields(), args, fin)
    }

    fn eval_variable_node(
        &mut self,
        dot: &V,
        node: &'t Arg,
        v: &'t VariableNode,
        args: &'t [Arg],
        fin: Option<V>,
    ) -> R<V> {
        self.cur = Cur::Arg(node);
        let value = self.var_value(v.name())?;
        match v.fields() {
            Some(fields) if !fields.is_empty() => {
                self.eval_field_chain(dot, value, node, fields, args, fin)
            }
            _ => {
                self.not_a_function(node, args, &fin)?;
                Ok(value)
            }
        }
    }

    fn eval_field_chain(
        &mut self,
        dot: &V,
        receiver: V,
        node: &'t Arg,
        fields: &'t str,
        args: &'t [Arg],
        fin: Option<V>,
    ) -> R<V> {
        // `fields` is `a.b.c` as written: every name but the last is a plain field access.
        if fields.is_empty() {
            return Ok(receiver);
        }
        let mut recv = receiver;
        let mut rest = fields;
        // A byte scan: the names are short, and '.' never occurs inside one.
        while let Some(i) = rest.bytes().position(|b| b == b'.') {
            let (name, tail) = (rest.get(..i).unwrap_or(""), rest.get(i + 1..).unwrap_or(""));
            recv = self.eval_field(dot, name, node, &[], None, recv)?;
            rest = tail;
        }
        self.eval_field(dot, rest, node, args, fin, recv)
    }

    /// The zero value a missing key yields under `missingkey=zero`, or the error/invalid
    /// value of the other modes.
    fn missing_key(&self, name: &str, elem: ElemType) -> R<V> {
        match self.opts.missing_key {
            MissingKey::Default => Ok(V::Invalid),
            MissingKey::Zero => Ok(V::of_elem(elem.zero(), elem)),
            MissingKey::Error => Err(self.err(format!("map has no entry for key {}", quote(name)))),
        }
    }

    fn map_field(&self, m: &Map, name: &str, has_args: bool) -> R<V> {
        if has_args {
            return Err(self.err(format!("{name} is not a method but has arguments")));
        }
        let elem = m.kind().elem();
        match m.get(name) {
            Some(v) => Ok(V::of_elem(v, elem)),
            None => self.missing_key(name, elem),
        }
    }

    /// Go's `evalField`: `.Name` on `receiver`, possibly a method call with arguments.
    fn eval_field(
        &mut self,
        dot: &V,
        name: &str,
        node: &'t Arg,
        args: &'t [Arg],
        fin: Option<V>,
        receiver: V,
    ) -> R<V> {
        let (is_iface, x) = match receiver {
            V::Invalid => {
                if self.opts.missing_key == MissingKey::Error {
                    return Err(self.err(format!("nil data; no entry for key {}", quote(name))));
                }
                return Ok(V::Invalid);
            }
            V::Iface(Value::Nil) | V::Val(Value::Nil) => {
                return Err(self.err(format!("nil pointer evaluating interface {{}}.{name}")));
            }
            V::Iface(x) => (true, x),
            V::Val(x) => (false, x),
        };
        let has_args = !args.is_empty() || fin.is_some();
        let type_name = |x: &Value| {
            if is_iface {
                "interface {}".to_string()
            } else {
                x.type_name()
            }
        };
        match &x {
            Value::Map(m) => self.map_field(m, name, has_args),
            Value::Object(o) => {
                if let Some(sig) = o.method(name) {
                    return self.eval_call(
                        dot,
                        Callee::Method(o.clone(), sig),
                        Cur::Arg(node),
                        name,
                        args,
                        fin,
                    );
                }
                match o.field(name) {
                    FieldLookup::Found(v) => {
                        if has_args {
                            return Err(self.err(if o.as_map().is_some() {
                                format!("{name} is not a method but has arguments")
                            } else {
                                format!("{name} has arguments but cannot be invoked as function")
                            }));
                        }
                        Ok(V::result(v))
                    }
                    FieldLookup::MissingKey => {
                        if has_args {
                            return Err(
                                self.err(format!("{name} is not a method but has arguments"))
                            );
                        }
                        let elem = o.as_map().map_or(ElemType::Interface, |m| m.kind().elem());
                        self.missing_key(name, elem)
                    }
                    FieldLookup::NoField => match o.as_map() {
                        Some(m) => self.map_field(&m, name, has_args),
                        None => Err(self.err(format!(
                            "can't evaluate field {name} in type {}",
                            type_name(&x)
                        ))),
                    },
                }
            }
            other => Err(self.err(format!(
                "can't evaluate field {name} in type {}",
                type_name(other)
            ))),
        }
    }

    fn eval_function(
        &mut self,
        dot: &V,
        node: &'t Arg,
        id: &'t IdentifierNode,
        call_node: Cur<'t>,
        args: &'t [Arg],
        fin: Option<V>,
    ) -> R<V> {
        self.cur = Cur::Arg(node);
        let name = id.ident.as_str();
        if let Some(f) = self.funcs.get(name) {
            return self.eval_call(dot, Callee::Func(f), call_node, name, args, fin);
        }
        if let Some(b) = Builtin::lookup(name) {
            return self.eval_builtin(dot, b, call_node, name, args, fin);
        }
        Err(self.err(format!("{} is not a defined function", quote(name))))
    }

    /// Go's argument-count check; returns the number of fixed parameters to fill from `args`.
    fn check_arg_count(
        &self,
        name: &str,
        params: &[ArgType],
        variadic: bool,
        nargs: usize,
        has_final: bool,
    ) -> R<usize> {
        let num_in = nargs + usize::from(has_final);
        if variadic {
            if num_in < params.len() {
                return Err(self.err(format!(
                    "wrong number of args for {name}: want at least {} got {nargs}",
                    params.len()
                )));
            }
            Ok(params.len())
        } else if num_in != params.len() {
            Err(self.err(format!(
                "wrong number of args for {name}: want {} got {num_in}",
                params.len()
            )))
        } else {
            Ok(nargs)
        }
    }

    /// Evaluates the arguments of a call against its parameter types (Go's `evalCall` up to
    /// the call itself); `conv` turns each checked argument into what the callee takes.
    #[allow(clippy::too_many_arguments)]
    fn eval_args<T>(
        &mut self,
        dot: &V,
        name: &str,
        params: &[ArgType],
        variadic: Option<ArgType>,
        args: &'t [Arg],
        fin: Option<V>,
        conv: fn(V) -> T,
        mut argv: Vec<T>,
    ) -> R<Vec<T>> {
        let num_fixed =
            self.check_arg_count(name, params, variadic.is_some(), args.len(), fin.is_some())?;
        let num_in = args.len() + usize::from(fin.is_some());
        argv.reserve(num_in);
        for (i, a) in args.iter().enumerate() {
            let t = if i < num_fixed {
                params.get(i).copied()
            } else {
                variadic
            };
            let Some(t) = t else { break };
            argv.push(conv(self.eval_arg(dot, t, a)?));
        }
        if let Some(f) = fin {
            let t = match variadic {
                Some(vt) => {
                    if num_in - 1 < num_fixed {
                        params.get(num_in - 1).copied().unwrap_or(vt)
                    } else {
                        vt
                    }
                }
                None => params.last().copied().unwrap_or(ArgType::Any),
            };
            argv.push(conv(self.validate(f, t)?));
        }
        Ok(argv)
    }

    fn eval_call(
        &mut self,
        dot: &V,
        callee: Callee<'t>,
        call_node: Cur<'t>,
        name: &str,
        args: &'t [Arg],
        fin: Option<V>,
    ) -> R<V> {
        let sig = match &callee {
            Callee::Func(f) => &f.sig,
            Callee::Method(_, sig) => sig,
        };
        let buf = self.arg_pool.pop().unwrap_or_default();
        let argv = self.eval_args(
            dot,
            name,
            &sig.params,
            sig.variadic,
            args,
            fin,
            V::into_value,
            buf,
        )?;
        let result = match &callee {
            Callee::Func(f) => (f.imp)(self, &argv),
            Callee::Method(o, _) => o.call_method(name, &argv),
        };
        let mut argv = argv;
        argv.clear();
        self.arg_pool.push(argv);
        match result {
            Ok(v) => Ok(V::result(v)),
            Err(err) => {
                self.cur = call_node;
                Err(self.fail(ExecCause::Call {
                    func: name.to_string(),
                    err,
                }))
            }
        }
    }

    fn eval_builtin(
        &mut self,
        dot: &V,
        b: Builtin,
        call_node: Cur<'t>,
        name: &str,
        args: &'t [Arg],
        fin: Option<V>,
    ) -> R<V> {
        let (params, variadic) = b.params();
        if matches!(b, Builtin::And | Builtin::Or) {
            // and/or evaluate their arguments lazily and return the deciding one.
            self.check_arg_count(name, params, true, args.len(), fin.is_some())?;
            let want = b == Builtin::Or;
            let mut v = V::Invalid;
            for a in args {
                v = self.eval_arg(dot, ArgType::Reflect, a)?;
                if v.truth() == want {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = self.validate(f, ArgType::Reflect)?;
            }
            return Ok(v);
        }
        // Go names the function operand in `call`'s errors.
        let callee = match (b, args.first(), &fin) {
            (Builtin::Call, Some(a), _) => a.to_string(),
            (Builtin::Call, None, Some(V::Val(Value::String(s)) | V::Iface(Value::String(s)))) => {
                s.to_string()
            }
            (Builtin::Call, None, Some(f)) => format!("<{} Value>", f.to_value().type_name()),
            _ => String::new(),
        };
        let argv = self.eval_args(dot, name, params, variadic, args, fin, |v| v, Vec::new())?;
        let result = if b == Builtin::Call {
            builtins::call_fn(&callee, argv.first().unwrap_or(&V::Invalid))
        } else {
            builtins::call(b, &argv)
        };
        match result {
            Ok(v) => Ok(v),
            Err(err) => {
                self.cur = call_node;
                Err(self.fail(ExecCause::Call {
                    func: name.to_string(),
                    err,
                }))
            }
        }
    }

    /// Go's `validateType`: checks that a computed value fits a parameter of type `t`.
    fn validate(&self, v: V, t: ArgType) -> R<V> {
        if t == ArgType::Reflect {
            return Ok(v);
        }
        match v {
            V::Invalid => {
                if can_be_nil(t) {
                    Ok(nil_of(t))
                } else {
                    Err(self.err(format!("invalid value; expected {}", t.go_name())))
                }
            }
            V::Iface(Value::Nil) | V::Val(Value::Nil) => {
                if t == ArgType::Any {
                    Ok(V::Iface(Value::Nil))
                } else {
                    Err(self.err(format!(
                        "wrong type for value; expected {}; got interface {{}}",
                        t.go_name()
                    )))
                }
            }
            V::Iface(x) | V::Val(x) => {
                if assignable(&x, t) {
                    Ok(V::Val(x))
                } else if let Some(l) = named_slice(&x, t) {
                    // A named slice type (`VersionSet`) is assignable to its underlying type.
                    Ok(V::Val(Value::List(l)))
                } else {
                    Err(self.err(format!(
                        "wrong type for value; expected {}; got {}",
                        t.go_name(),
                        x.type_name()
                    )))
                }
            }
        }
    }

    /// Go's `evalArg`: one argument for a parameter of type `t`.
    fn eval_arg(&mut self, dot: &V, t: ArgType, n: &'t Arg) -> R<V> {
        self.cur = Cur::Arg(n);
        let v = match n {
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(_) => {
                if can_be_nil(t) {
                    return Ok(nil_of(t));
                }
                return Err(self.err(format!("cannot assign nil to {}", t.go_name())));
            }
            Arg::Field(f) => self.eval_field_node(dot, n, f, &[], None)?,
            Arg::Variable(v) => self.eval_variable_node(dot, n, v, &[], None)?,
            Arg::Pipe(p) => self.eval_pipeline(dot, p)?,
            Arg::Identifier(id) => self.eval_function(dot, n, id, Cur::Arg(n), &[], None)?,
            Arg::Chain(c) => self.eval_chain_node(dot, n, c, &[], None)?,
            Arg::Bool(b) => {
                return match t {
                    ArgType::Bool => Ok(V::Val(Value::Bool(b.value))),
                    ArgType::Any | ArgType::Reflect => Ok(V::Val(Value::Bool(b.value))),
                    _ => Err(self.literal_mismatch(t, n)),
                }
            }
            Arg::String(s) => {
                return match t {
                    ArgType::String | ArgType::Any | ArgType::Reflect => {
                        Ok(V::Val(Value::String(s.text.clone())))
                    }
                    _ => Err(self.literal_mismatch(t, n)),
                }
            }
            Arg::Number(num) => {
                return match t {
                    ArgType::Int => match num.int {
                        Some(i) if !num.is_complex => Ok(V::Val(Value::Int(i))),
                        _ => Err(self.literal_mismatch(t, n)),
                    },
                    ArgType::Int64 => match num.int {
                        Some(i) if !num.is_complex => Ok(V::Val(Value::Int64(i))),
                        _ => Err(self.literal_mismatch(t, n)),
                    },
                    ArgType::Float64 => match num.float {
                        Some(f) if !num.is_complex => Ok(V::Val(Value::Float(f))),
                        _ => Err(self.literal_mismatch(t, n)),
                    },
                    ArgType::Any | ArgType::Reflect => self.ideal_constant(n, num),
                    _ => Err(self.literal_mismatch(t, n)),
                }
            }
        };
        self.validate(v, t)
    }

    /// The error for a literal of the wrong kind (`expected string; found 1`).
    fn literal_mismatch(&self, t: ArgType, n: &'t Arg) -> Box<Error> {
        match t {
            ArgType::Bool => self.err(format!("expected bool; found {n}")),
            ArgType::String => self.err(format!("expected string; found {n}")),
            ArgType::Int | ArgType::Int64 => self.err(format!("expected integer; found {n}")),
            ArgType::Float64 => self.err(format!("expected float; found {n}")),
            _ => self.err(format!("can't handle {n} for arg of type {}", t.go_name())),
        }
    }

    /// `evalArg` without a parameter type (the term of a chain: `(pipeline).a`).
    fn eval_arg_untyped(&mut self, dot: &V, n: &'t Arg) -> R<V> {
        self.cur = Cur::Arg(n);
        match n {
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Field(f) => self.eval_field_node(dot, n, f, &[], None),
            Arg::Variable(v) => self.eval_variable_node(dot, n, v, &[], None),
            Arg::Pipe(p) => self.eval_pipeline(dot, p),
            Arg::Identifier(id) => self.eval_function(dot, n, id, Cur::Arg(n), &[], None),
            Arg::Chain(c) => self.eval_chain_node(dot, n, c, &[], None),
            Arg::Bool(b) => Ok(V::Val(Value::Bool(b.value))),
            Arg::String(s) => Ok(V::Val(Value::String(s.text.clone()))),
            Arg::Number(num) => self.ideal_constant(n, num),
            Arg::Nil(_) => Err(self.err(format!("indirection through explicit nil in {n}"))),
        }
    }
}

impl Context for Exec<'_> {
    fn execute_template(&mut self, name: &str, data: &Value) -> Result<String, Error> {
        match self.lookup(name) {
            Some(tree) => self.nested(tree, data).map_err(|e| *e),
            None => Err(Error::Other(format!(
                "template: no template {} associated with template {}",
                quote(name),
                quote(self.set_name)
            ))),
        }
    }

    fn parse_and_execute(&mut self, name: &str, text: &str, data: &Value) -> Result<String, Error> {
        if self.nest >= self.opts.max_depth {
            return Err(*self.depth_error());
        }
        let funcs = self.funcs;
        let is_func = |f: &str| funcs.contains(f) || BUILTIN_NAMES.contains(&f);
        let trees = crate::parse::parse(name, text, &is_func)?;
        // Go's AddParseTree into a clone of the set: an empty tree does not replace an
        // existing definition; the parsed top-level tree runs whatever happens to its name.
        let mut overlay: FastMap<String, Arc<Tree>> =
            FastMap::with_capacity_and_hasher(trees.len(), Default::default());
        let mut top: Option<Arc<Tree>> = None;
        for (tname, tree) in trees {
            let tree = Arc::new(tree);
            if tname == name {
                top = Some(tree.clone());
            }
            let exists = overlay.contains_key(&tname) || self.lookup(&tname).is_some();
            if tree.is_empty() && exists {
                continue;
            }
            overlay.insert(tname, tree);
        }
        let Some(top) = top else {
            return Err(Error::Other(format!(
                "template: {name}: {} is an incomplete or empty template",
                quote(name)
            )));
        };
        let mut layers: Vec<&FastMap<String, Arc<Tree>>> = self.layers.clone();
        layers.push(&overlay);
        let mut child = Exec {
            funcs: self.funcs,
            set_name: self.set_name,
            layers,
            opts: self.opts,
            out: String::new(),
            vars: Vec::with_capacity(8),
            arg_pool: Vec::new(),
            frame: 0,
            tree: &top,
            cur: Cur::None,
            depth: 0,
            nest: self.nest,
            stack_base: self.stack_base,
            stack_budget: self.stack_budget,
            written: self.written,
            root_name: self.root_name,
        };
        let r = child.nested(&top, data);
        self.written = child.written;
        r.map_err(|e| *e)
    }

    fn root_template_name(&self) -> String {
        self.root_name.to_string()
    }

    fn host(&self) -> Option<&(dyn Any + Send + Sync)> {
        self.opts.host.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_function_calls_keep_their_own_arguments() {
        // Argument vectors are pooled: an inner call must not disturb the outer one's.
        let mut funcs = FuncMap::new();
        funcs.add(
            "cat",
            Signature::variadic(&[], ArgType::Any),
            |_, args: &[Value]| {
                let parts: Vec<String> = args.iter().map(crate::fmt::format_value).collect();
                Ok(Value::from(parts.join("+")))
            },
        );
        let mut set = crate::Templates::new(Arc::new(funcs));
        let text =
            r#"{{ cat "a" (cat "b" (cat "c" "d") "e") "f" }}|{{ cat 1 2 3 4 5 6 }}|{{ cat }}"#;
        assert!(set.parse("t", text).is_ok());
        let out = set.execute("t", &Value::Nil, &ExecOptions::default());
        assert_eq!(out.ok().as_deref(), Some("a+b+c+d+e+f|1+2+3+4+5+6|"));
    }

    #[test]
    fn values_keep_go_reflect_distinctions() {
        // A nil interface digs to an invalid value; an interface holding a value to the value.
        assert!(matches!(V::Iface(Value::Nil).dig(), V::Invalid));
        assert!(matches!(
            V::Iface(Value::Int(1)).dig(),
            V::Val(Value::Int(1))
        ));
        assert!(V::Iface(Value::Nil).indirect_iface().is_none());
        assert!(!V::Invalid.truth());
        assert!(V::Iface(Value::str("x")).truth());
        assert!(matches!(V::data(&Value::Nil), V::Invalid));
        assert!(matches!(V::result(Value::Nil), V::Iface(Value::Nil)));
        assert!(matches!(
            V::of_elem(Value::str("a"), ElemType::String),
            V::Val(Value::String(_))
        ));
    }

    #[test]
    fn parameter_types_follow_go_assignability() {
        assert!(assignable(&Value::Int(1), ArgType::Int));
        assert!(!assignable(&Value::Int64(1), ArgType::Int));
        assert!(!assignable(&Value::Float(1.0), ArgType::Int));
        assert!(!assignable(
            &Value::List(List::strings(["a"])),
            ArgType::List
        ));
        assert!(assignable(
            &Value::List(List::strings(["a"])),
            ArgType::StringList
        ));
        assert!(can_be_nil(ArgType::Map) && !can_be_nil(ArgType::String));
        assert!(matches!(nil_of(ArgType::Reflect), V::Invalid));
        assert!(is_hex_int("0x1E") && !is_hex_int("0x1p2") && !is_hex_int("1e3"));
    }

    struct VersionSet;
    impl Object for VersionSet {
        fn type_name(&self) -> String {
            "common.VersionSet".to_string()
        }
        fn format_v(&self) -> String {
            "[v1]".to_string()
        }
        fn as_list(&self) -> Option<List> {
            Some(List::strings(["v1"]))
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    #[test]
    fn named_slices_convert_to_their_underlying_type() {
        let vs = Value::Object(Arc::new(VersionSet));
        assert!(matches!(named_slice(&vs, ArgType::StringList), Some(l) if l.len() == 1));
        assert!(named_slice(&vs, ArgType::List).is_none());
        assert!(named_slice(&Value::Int(1), ArgType::StringList).is_none());
    }

    #[test]
    fn stack_positions_are_comparable() {
        let outer = stack_pos();
        fn deeper(n: usize) -> usize {
            if n == 0 {
                stack_pos()
            } else {
                std::hint::black_box(deeper(n - 1))
            }
        }
        assert!(deeper(50).abs_diff(outer) > 0);
    }
}

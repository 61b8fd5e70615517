//! The parse tree, shaped like Go's `text/template/parse` nodes.
//!
//! Every node carries `pos`, the byte offset of the node in its tree's text, from which error
//! locations (`file:line:col`) are computed exactly as Go's `Tree.ErrorContext` does. Each
//! node's `Display` is Go's `Node.String()`, which appears in execution errors
//! (`executing "x" at <.Values.a>`).

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// Byte offset of a node within its tree's text.
pub type Pos = usize;

/// A piece of the text a tree was parsed from (an identifier, a field chain, a literal as
/// written, a text run). It shares the parsed text instead of owning a copy, so building a
/// tree allocates no string per token.
#[derive(Clone)]
pub struct Name {
    src: Arc<str>,
    start: u32,
    end: u32,
}

impl Name {
    /// The bytes `start..end` of `src`; an out-of-range or non-boundary span (which the parser
    /// never builds) reads as empty (checked when read, see [`Name::as_str`]).
    pub fn new(src: &Arc<str>, start: usize, end: usize) -> Name {
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(s), Ok(e)) if s <= e => Name {
                src: src.clone(),
                start: s,
                end: e,
            },
            _ => Name::owned(""),
        }
    }

    /// A name that owns its text (for trees built by hand).
    pub fn owned(s: &str) -> Name {
        Name {
            src: Arc::from(s),
            start: 0,
            end: u32::try_from(s.len()).unwrap_or(0),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        self.src
            .get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A list that holds a single element inline: most pipelines have one command and many
/// commands one operand, so those need no allocation of their own.
#[derive(Debug, Clone, Default)]
pub enum Seq<T> {
    /// No element.
    #[default]
    Empty,
    /// Exactly one element.
    One(T),
    /// Two or more elements.
    Many(Vec<T>),
}

impl<T> Seq<T> {
    /// Appends `item`.
    pub fn push(&mut self, item: T) {
        match self {
            Seq::Many(items) => items.push(item),
            Seq::Empty => *self = Seq::One(item),
            Seq::One(_) => {
                if let Seq::One(first) = std::mem::take(self) {
                    *self = Seq::Many(vec![first, item]);
                }
            }
        }
    }

    /// The elements as a slice.
    pub fn as_slice(&self) -> &[T] {
        match self {
            Seq::Empty => &[],
            Seq::One(item) => std::slice::from_ref(item),
            Seq::Many(items) => items,
        }
    }
}

impl<T> Deref for Seq<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<'a, T> IntoIterator for &'a Seq<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

/// One parsed template: the top-level text of a file or the body of a `define`/`block`.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The template's name (the file name for top-level text, the define's name otherwise).
    pub name: String,
    /// The name of the text this tree was parsed from (used in error locations).
    pub parse_name: Arc<str>,
    /// The complete text this tree was parsed from (shared by every tree of one parse).
    pub text: Arc<str>,
    /// The body.
    pub root: ListNode,
}

impl Tree {
    /// True when the body holds only whitespace text and comments (Go's `IsEmptyTree`),
    /// which lets a later empty `define` not replace an earlier non-empty one.
    pub fn is_empty(&self) -> bool {
        self.root.nodes.iter().all(|n| match n {
            // Go's bytes.TrimSpace trims Unicode white space (including \v and U+00A0).
            Node::Text(t) => t.text.trim().is_empty(),
            Node::Comment(_) => true,
            _ => false,
        })
    }

    /// Go's `ErrorContext` location for a byte offset: `(line, col)`, where `col` is the
    /// 0-based byte offset within the line.
    pub fn line_col(&self, pos: Pos) -> (usize, usize) {
        let pos = pos.min(self.text.len());
        let before = &self.text.as_bytes()[..pos];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let col = match before.iter().rposition(|&b| b == b'\n') {
            None => pos,
            Some(nl) => pos - (nl + 1),
        };
        (line, col)
    }
}

/// A sequence of nodes.
#[derive(Debug, Clone, Default)]
pub struct ListNode {
    /// Offset of the list's start.
    pub pos: Pos,
    /// The nodes in order.
    pub nodes: Vec<Node>,
}

/// A statement-level node.
#[derive(Debug, Clone)]
pub enum Node {
    /// Plain text, printed as is.
    Text(TextNode),
    /// `{{/* ... */}}` (kept for `is_empty` and `String()`; prints nothing).
    Comment(CommentNode),
    /// `{{pipeline}}`
    Action(ActionNode),
    /// `{{if}}...{{else}}...{{end}}` (boxed, like the other large and rarer nodes, so that
    /// the text and action nodes that make up most lists stay small).
    If(Box<BranchNode>),
    /// `{{range}}...{{else}}...{{end}}`
    Range(Box<BranchNode>),
    /// `{{with}}...{{else}}...{{end}}`
    With(Box<BranchNode>),
    /// `{{template "name" pipeline}}`
    Template(Box<TemplateNode>),
    /// `{{break}}`
    Break(KeywordNode),
    /// `{{continue}}`
    Continue(KeywordNode),
}

/// Plain text.
#[derive(Debug, Clone)]
pub struct TextNode {
    /// Offset.
    pub pos: Pos,
    /// The text (after trim markers were applied).
    pub text: Name,
}

/// A comment.
#[derive(Debug, Clone)]
pub struct CommentNode {
    /// Offset.
    pub pos: Pos,
    /// The comment including its delimiters `/* */`.
    pub text: Name,
}

/// `{{pipeline}}`
#[derive(Debug, Clone)]
pub struct ActionNode {
    /// Offset.
    pub pos: Pos,
    /// 1-based line of the action.
    pub line: usize,
    /// The pipeline.
    pub pipe: PipeNode,
}

/// `{{break}}` / `{{continue}}`
#[derive(Debug, Clone)]
pub struct KeywordNode {
    /// Offset.
    pub pos: Pos,
    /// 1-based line.
    pub line: usize,
}

/// `if`, `range` and `with`: a pipeline, a body and an optional else body.
///
/// `{{else if p}}` / `{{else with p}}` are parsed, as in Go, into an else list holding a
/// single nested branch node.
#[derive(Debug, Clone)]
pub struct BranchNode {
    /// Offset.
    pub pos: Pos,
    /// 1-based line.
    pub line: usize,
    /// The controlling pipeline.
    pub pipe: PipeNode,
    /// The body run when the pipeline is true / for each element.
    pub list: ListNode,
    /// The `else` body.
    pub else_list: Option<ListNode>,
}

/// `{{template "name" pipeline}}`
#[derive(Debug, Clone)]
pub struct TemplateNode {
    /// Offset.
    pub pos: Pos,
    /// 1-based line.
    pub line: usize,
    /// The template name (unquoted).
    pub name: String,
    /// The argument, if any.
    pub pipe: Option<PipeNode>,
}

/// A pipeline with optional variable declarations: `$x := a | b c`.
#[derive(Debug, Clone)]
pub struct PipeNode {
    /// Offset.
    pub pos: Pos,
    /// 1-based line.
    pub line: usize,
    /// `=` rather than `:=`.
    pub is_assign: bool,
    /// Declared or assigned variables (`$x` or `$i, $v`).
    pub decl: Vec<VariableNode>,
    /// The commands, separated by `|`.
    pub cmds: Vec<CommandNode>,
}

/// A command: an operand followed by arguments (`printf "%s" .x`).
#[derive(Debug, Clone)]
pub struct CommandNode {
    /// Offset.
    pub pos: Pos,
    /// The operands.
    pub args: Seq<Arg>,
}

/// An operand.
#[derive(Debug, Clone)]
pub enum Arg {
    /// A function name: `printf`.
    Identifier(IdentifierNode),
    /// `$`, `$x`, `$x.a.b`.
    Variable(VariableNode),
    /// `.`
    Dot(Pos),
    /// `nil`
    Nil(Pos),
    /// `.a.b.c`
    Field(FieldNode),
    /// `(pipeline).a.b` or `$x.a` chained after a non-field term.
    Chain(ChainNode),
    /// `true` / `false`
    Bool(BoolNode),
    /// A number literal (also character literals); boxed, it is the largest operand.
    Number(Box<NumberNode>),
    /// A string literal (quoted or raw).
    String(StringNode),
    /// `(pipeline)`
    Pipe(Box<PipeNode>),
}

impl Arg {
    /// Offset of the operand.
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Identifier(n) => n.pos,
            Arg::Variable(n) => n.pos,
            Arg::Dot(p) | Arg::Nil(p) => *p,
            Arg::Field(n) => n.pos,
            Arg::Chain(n) => n.pos,
            Arg::Bool(n) => n.pos,
            Arg::Number(n) => n.pos,
            Arg::String(n) => n.pos,
            Arg::Pipe(n) => n.pos,
        }
    }
}

/// A function name.
#[derive(Debug, Clone)]
pub struct IdentifierNode {
    /// Offset.
    pub pos: Pos,
    /// The name.
    pub ident: Name,
}

/// A variable with an optional field chain: `$x.a.b`.
#[derive(Debug, Clone)]
pub struct VariableNode {
    /// Offset.
    pub pos: Pos,
    /// The variable name (with `$`) followed by `.field` names, as written.
    pub ident: Name,
}

impl VariableNode {
    /// The variable's name (`$x`).
    pub fn name(&self) -> &str {
        let s = self.ident.as_str();
        match s.bytes().position(|b| b == b'.') {
            Some(i) => s.get(..i).unwrap_or(s),
            None => s,
        }
    }

    /// The chained field names after the variable, dot-separated (`a.b`), if any.
    pub fn fields(&self) -> Option<&str> {
        let s = self.ident.as_str();
        let i = s.bytes().position(|b| b == b'.')?;
        s.get(i + 1..)
    }
}

/// A field chain on dot: `.a.b`.
#[derive(Debug, Clone)]
pub struct FieldNode {
    /// Offset.
    pub pos: Pos,
    /// The chain as written, with its leading dot (`.a.b`).
    pub ident: Name,
}

impl FieldNode {
    /// The field names, dot-separated, without the leading dot (`a.b`).
    pub fn fields(&self) -> &str {
        let s = self.ident.as_str();
        s.strip_prefix('.').unwrap_or(s)
    }
}

/// Fields chained after a term: `(pipeline).a.b`.
#[derive(Debug, Clone)]
pub struct ChainNode {
    /// Offset.
    pub pos: Pos,
    /// The term.
    pub node: Box<Arg>,
    /// The chained fields as written, with the leading dot (`.a.b`).
    pub field: Name,
}

impl ChainNode {
    /// The field names, dot-separated, without the leading dot (`a.b`).
    pub fn fields(&self) -> &str {
        let s = self.field.as_str();
        s.strip_prefix('.').unwrap_or(s)
    }
}

/// `true` / `false`.
#[derive(Debug, Clone)]
pub struct BoolNode {
    /// Offset.
    pub pos: Pos,
    /// The value.
    pub value: bool,
}

/// A numeric constant, with every interpretation Go's parser found valid.
#[derive(Debug, Clone)]
pub struct NumberNode {
    /// Offset.
    pub pos: Pos,
    /// The literal as written (`0x1F`, `1_000`, `'a'`, `1e6`).
    pub text: Name,
    /// Valid as a signed integer.
    pub int: Option<i64>,
    /// Valid as an unsigned integer.
    pub uint: Option<u64>,
    /// Valid as a float.
    pub float: Option<f64>,
    /// It is a complex constant (`1i`); the executor reports these as unsupported.
    pub is_complex: bool,
}

/// A string constant.
#[derive(Debug, Clone)]
pub struct StringNode {
    /// Offset.
    pub pos: Pos,
    /// The literal as written, with quotes (used by `String()`).
    pub quoted: Name,
    /// The unquoted value.
    pub text: Arc<str>,
}

// --- Go's Node.String() -------------------------------------------------------------------
//
// Go 1.26 prints control nodes with the default delimiters whatever the parse used.

impl fmt::Display for ListNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for n in &self.nodes {
            write!(f, "{n}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text(t) => write!(f, "{t}"),
            Node::Comment(c) => write!(f, "{c}"),
            Node::Action(a) => write!(f, "{a}"),
            Node::If(b) => b.write_as(f, "if"),
            Node::Range(b) => b.write_as(f, "range"),
            Node::With(b) => b.write_as(f, "with"),
            Node::Template(t) => write!(f, "{t}"),
            Node::Break(_) => f.write_str("{{break}}"),
            Node::Continue(_) => f.write_str("{{continue}}"),
        }
    }
}

impl fmt::Display for TextNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Display for CommentNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{{}}}}}", self.text)
    }
}

impl fmt::Display for ActionNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{{}}}}}", self.pipe)
    }
}

impl BranchNode {
    /// Go's `String()` of the node as an `if`, `range` or `with` (`kind`).
    pub fn to_string_as(&self, kind: &str) -> String {
        struct As<'a>(&'a BranchNode, &'a str);
        impl fmt::Display for As<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.write_as(f, self.1)
            }
        }
        As(self, kind).to_string()
    }

    fn write_as(&self, f: &mut fmt::Formatter<'_>, kind: &str) -> fmt::Result {
        write!(f, "{{{{{kind} {}}}}}{}", self.pipe, self.list)?;
        if let Some(e) = &self.else_list {
            write!(f, "{{{{else}}}}{e}")?;
        }
        f.write_str("{{end}}")
    }
}

impl fmt::Display for TemplateNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{template {}", crate::fmt::quote(&self.name))?;
        if let Some(p) = &self.pipe {
            write!(f, " {p}")?;
        }
        f.write_str("}}")
    }
}

impl fmt::Display for PipeNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CommandNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match a {
                Arg::Pipe(p) => write!(f, "({p})")?,
                other => write!(f, "{other}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Identifier(n) => write!(f, "{n}"),
            Arg::Variable(n) => write!(f, "{n}"),
            Arg::Dot(_) => f.write_str("."),
            Arg::Nil(_) => f.write_str("nil"),
            Arg::Field(n) => write!(f, "{n}"),
            Arg::Chain(n) => write!(f, "{n}"),
            Arg::Bool(n) => write!(f, "{n}"),
            Arg::Number(n) => write!(f, "{n}"),
            Arg::String(n) => write!(f, "{n}"),
            Arg::Pipe(n) => write!(f, "{n}"),
        }
    }
}

impl fmt::Display for IdentifierNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ident)
    }
}

impl fmt::Display for VariableNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ident)
    }
}

impl fmt::Display for FieldNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ident)
    }
}

impl fmt::Display for ChainNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.node {
            Arg::Pipe(p) => write!(f, "({p})")?,
            other => write!(f, "{other}")?,
        }
        f.write_str(&self.field)
    }
}

impl fmt::Display for BoolNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.value { "true" } else { "false" })
    }
}

impl fmt::Display for NumberNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Display for StringNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.quoted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_keeps_order_from_inline_to_heap() {
        let mut s: Seq<u32> = Seq::default();
        assert!(s.is_empty());
        for i in 0..5 {
            s.push(i);
            assert_eq!(s.len(), i as usize + 1);
        }
        assert_eq!(s.as_slice(), &[0, 1, 2, 3, 4]);
        assert_eq!((&s).into_iter().sum::<u32>(), 10);
    }

    #[test]
    fn names_share_the_text_and_reject_bad_spans() {
        let src: Arc<str> = Arc::from("{{ .a.b }} é");
        let n = Name::new(&src, 3, 7);
        assert_eq!(n, ".a.b");
        assert_eq!(n.to_string(), ".a.b");
        // Out of range or inside a UTF-8 sequence: empty, never a panic.
        assert_eq!(Name::new(&src, 3, 99), "");
        assert_eq!(Name::new(&src, 12, 13), "");
        assert_eq!(Name::new(&src, 7, 3), "");
        let v = VariableNode {
            pos: 0,
            ident: Name::owned("$x.a.b"),
        };
        assert_eq!((v.name(), v.fields()), ("$x", Some("a.b")));
        let f = FieldNode {
            pos: 0,
            ident: Name::owned(".Values.x"),
        };
        assert_eq!(f.fields(), "Values.x");
    }
}

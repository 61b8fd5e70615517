//! The parser of Go's template language, a behavioural port of `text/template/parse`
//! (`parse.go` and the constructors of `node.go`, Go 1.26): the same grammar, the same
//! three-token lookahead (which decides the line numbers Go reports), the same error
//! messages, variable scoping and `define`/`block` bookkeeping.
//!
//! Go's per-tree lookahead buffer with `backup2`/`backup3` is an index into the item stream
//! here (those only ever push back the items just read), over a small ring of the latest
//! items; items are still lexed exactly when Go's parser would ask for them. Lists,
//! pipelines and commands are built on scratch stacks shared by the nesting levels and kept
//! per thread, and handed over as exactly sized vectors.
//!
//! Also holds the ports of the `strconv` pieces the parser needs (`Unquote`, `UnquoteChar`,
//! `ParseInt`/`ParseUint` with base 0, `ParseFloat`), because literal handling decides which
//! templates are parse errors.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{
    ActionNode, Arg, BoolNode, BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode,
    KeywordNode, ListNode, Name, Node, NumberNode, PipeNode, Pos, Seq, StringNode, TemplateNode,
    TextNode, Tree, VariableNode,
};
use crate::builtins::BUILTIN_NAMES;
use crate::error::{Error, ParseError};
use crate::lex::{Item, ItemType, Lexer};

/// Maximum nesting of parenthesized pipelines, `if`/`range`/`with`/`block` bodies and
/// `else if` chains, together. Go allows 10000 parentheses and unbounded control nesting;
/// we bound both so that parsing, printing, dropping and executing a tree stay well within
/// a 2 MiB thread stack even in debug builds (about 11 KiB per level there).
pub const MAX_DEPTH: usize = 100;

/// Parses `text` (named `name`) into its top-level tree and one tree per `define`/`block`,
/// keyed by template name, exactly as Go's `parse.Parse`. `is_func` tells whether a function
/// name is defined (Go reports `function "x" not defined` at parse time); Go's builtins
/// ([`BUILTIN_NAMES`]) are always defined.
// The error type is the crate-wide contract shared with the executor.
#[allow(clippy::result_large_err)]
pub fn parse(
    name: &str,
    text: &str,
    is_func: &dyn Fn(&str) -> bool,
) -> Result<HashMap<String, Tree>, Error> {
    parse_with_delims(name, text, "", "", is_func)
}

/// [`parse`] with custom action delimiters (empty strings mean `{{` and `}}`).
#[allow(clippy::result_large_err)]
pub fn parse_with_delims(
    name: &str,
    text: &str,
    left_delim: &str,
    right_delim: &str,
    is_func: &dyn Fn(&str) -> bool,
) -> Result<HashMap<String, Tree>, Error> {
    // Tree nodes address the text with 32-bit offsets (`ast::Name`).
    if u32::try_from(text.len()).is_err() {
        return Err(Error::Parse(ParseError {
            name: name.to_string(),
            line: 1,
            message: "template text larger than 4 GiB".to_string(),
        }));
    }
    let shared: Arc<str> = Arc::from(text);
    let mut p = Parser {
        lex: Lexer::new(text, left_delim, right_delim),
        is_func,
        parse_name: Arc::from(name),
        text: shared,
        // Room for a helpers file's defines without rehashing.
        tree_set: HashMap::with_capacity(8),
        depth: 0,
        st: TreeState {
            vars_base: 0,
            range_depth: 0,
            action_line: 0,
        },
        toks: [Item::empty(ItemType::Error); RING],
        src: text,
        lexed: 0,
        idx: 0,
        vars: vec!["$"],
        scratch: SCRATCH.with(Cell::take).unwrap_or_default(),
    };
    p.lex.break_ok = !p.has_function("break");
    p.lex.continue_ok = !p.has_function("continue");
    let r = p.parse_top(name);
    // Give the (emptied) scratch stacks back for the next parse on this thread.
    let mut scratch = std::mem::take(&mut p.scratch);
    scratch.nodes.clear();
    scratch.cmds.clear();
    scratch.args.clear();
    // A huge template must not pin its peak stacks to the thread for good.
    scratch.nodes.shrink_to(SCRATCH_KEEP);
    scratch.cmds.shrink_to(SCRATCH_KEEP);
    scratch.args.shrink_to(SCRATCH_KEEP);
    SCRATCH.with(|c| c.set(Some(scratch)));
    match r {
        Ok(()) => Ok(p.tree_set),
        Err(e) => Err(Error::Parse(e)),
    }
}

/// Scratch stacks shared by the nested lists, pipelines and commands being built: each
/// level pushes above the mark it started at and moves its elements into a vector of
/// exactly their number when done, so no vector grows by reallocation. They are empty
/// between parses and kept per thread, so that their capacity is reused.
#[derive(Default)]
struct Scratch {
    nodes: Vec<Node>,
    cmds: Vec<CommandNode>,
    args: Vec<Arg>,
}

/// Entries of each scratch stack kept between parses (ordinary templates stay far below).
const SCRATCH_KEEP: usize = 4096;

thread_local! {
    static SCRATCH: Cell<Option<Scratch>> = const { Cell::new(None) };
}

/// Per-tree parsing state (Go keeps it in each `Tree`; a `define` or `block` body is parsed
/// by a fresh tree sharing the lexer). The tree's variables are `Parser::vars[vars_base..]`.
struct TreeState {
    vars_base: usize,
    range_depth: usize,
    action_line: usize,
}

/// What `textOrAction` produced: a node (pushed on the scratch stack of the list being
/// built), or an `{{end}}` / `{{else}}` that ends a list.
enum Parsed {
    Node,
    End,
    Else(Pos),
}

type PResult<T> = Result<T, ParseError>;

/// Items kept for re-reading: Go's parser backs up at most three.
const RING: usize = 8;

struct Parser<'a> {
    lex: Lexer<'a>,
    is_func: &'a dyn Fn(&str) -> bool,
    parse_name: Arc<str>,
    text: Arc<str>,
    tree_set: HashMap<String, Tree>,
    depth: usize,
    st: TreeState,
    /// The last [`RING`] items lexed: item `i` of the stream is `toks[i % RING]`, `lexed`
    /// items have been lexed and `idx` is the next one to read. Go keeps a three-item
    /// lookahead buffer per tree; its `backup2`/`backup3` only ever push back the items just
    /// read, so an index into the item stream is the same thing (and the most recently lexed
    /// item, Go's `token[0]`, is item `lexed - 1`). Items are lexed on demand, exactly when
    /// Go's parser would ask its lexer.
    toks: [Item; RING],
    /// The text being parsed, which the items' spans address.
    src: &'a str,
    lexed: usize,
    idx: usize,
    /// The variables in scope, of every tree being parsed (see [`TreeState`]).
    vars: Vec<&'a str>,
    scratch: Scratch,
}

impl<'a> Parser<'a> {
    // --- token stream -----------------------------------------------------------------

    fn next(&mut self) -> Item {
        let t = self.peek();
        self.idx += 1;
        t
    }

    fn backup(&mut self) {
        self.idx = self.idx.saturating_sub(1);
    }

    /// Go's `backup2`/`backup3`: read again from the item at index `at`.
    fn backup_to(&mut self, at: usize) {
        self.idx = at;
    }

    #[inline]
    fn peek(&mut self) -> Item {
        if self.idx < self.lexed {
            return self.toks[self.idx % RING];
        }
        let t = self.lex.next_item();
        self.idx = self.lexed;
        self.toks[self.lexed % RING] = t;
        self.lexed += 1;
        t
    }

    /// The line of the most recently lexed item (Go's `t.token[0].line`).
    fn last_line(&self) -> usize {
        match self.lexed.checked_sub(1) {
            Some(i) => self.toks[i % RING].line(),
            None => 0,
        }
    }

    /// A fresh tree state for a `define` or `block` body; give it back to [`Self::pop_tree`].
    fn push_tree(&mut self) -> TreeState {
        let base = self.vars.len();
        self.vars.push("$");
        std::mem::replace(
            &mut self.st,
            TreeState {
                vars_base: base,
                range_depth: 0,
                action_line: 0,
            },
        )
    }

    fn pop_tree(&mut self, outer: TreeState) {
        self.vars.truncate(self.st.vars_base);
        self.st = outer;
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    /// Go's `nextNonSpace` then `backup`: the spaces are consumed, the item is not.
    fn peek_non_space(&mut self) -> Item {
        loop {
            let t = self.peek();
            if t.typ != ItemType::Space {
                return t;
            }
            self.idx += 1;
        }
    }

    // --- errors -----------------------------------------------------------------------

    /// An error at the line of the most recently lexed token (Go's `t.token[0].line`).
    fn errorf(&self, message: String) -> ParseError {
        self.error_at(self.last_line(), message)
    }

    fn error_at(&self, line: usize, message: String) -> ParseError {
        ParseError {
            name: self.parse_name.to_string(),
            line,
            message,
        }
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item> {
        let t = self.next_non_space();
        if t.typ != expected {
            return Err(self.unexpected(t, context));
        }
        Ok(t)
    }

    fn unexpected(&self, token: Item, context: &str) -> ParseError {
        if token.typ == ItemType::Error {
            let msg = self.lex.error_message(&token);
            let mut extra = String::new();
            if self.st.action_line != 0 && self.st.action_line != token.line() {
                extra = format!(
                    " in action started at {}:{}",
                    self.parse_name, self.st.action_line
                );
                if msg.ends_with(" action") {
                    // Avoid "action in action".
                    extra.replace_range(..(" in action".len()), "");
                }
            }
            return self.errorf(format!("{msg}{extra}"));
        }
        self.errorf(format!(
            "unexpected {} in {}",
            self.item_string(&token),
            context
        ))
    }

    /// Go's `item.String()`.
    fn item_string(&self, t: &Item) -> String {
        match t.typ {
            ItemType::Eof => "EOF".to_string(),
            ItemType::Error => self.lex.error_message(t).to_string(),
            typ if typ > ItemType::Keyword => format!("<{}>", self.val(t)),
            _ if self.val(t).len() > 10 => {
                let cut: String = self.val(t).chars().take(10).collect();
                format!("{}...", crate::fmt::quote(&cut))
            }
            _ => crate::fmt::quote(self.val(t)),
        }
    }

    /// The token's text.
    fn val(&self, t: &Item) -> &'a str {
        t.val(self.src)
    }

    /// The token's text as a [`Name`] sharing the parsed text.
    fn name(&self, t: &Item) -> Name {
        Name::new(&self.text, t.pos(), t.end())
    }

    fn has_function(&self, name: &str) -> bool {
        (self.is_func)(name) || BUILTIN_NAMES.contains(&name)
    }

    fn enter(&mut self, message: &str) -> PResult<()> {
        if self.depth >= MAX_DEPTH {
            return Err(self.errorf(message.to_string()));
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn tree(&self, name: String, root: ListNode) -> Tree {
        Tree {
            name,
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root,
        }
    }

    /// Go's `Tree.add`: a later empty definition does not replace a non-empty one; two
    /// non-empty ones are an error (reported at `line`, the defining tree's last token).
    fn add(&mut self, name: String, root: ListNode, line: usize) -> PResult<()> {
        use std::collections::hash_map::Entry;
        let tree = self.tree(name.clone(), root);
        match self.tree_set.entry(name) {
            Entry::Occupied(mut old) => {
                if !old.get().is_empty() {
                    if !tree.is_empty() {
                        let msg = format!(
                            "template: multiple definition of template {}",
                            crate::fmt::quote(&tree.name)
                        );
                        return Err(self.error_at(line, msg));
                    }
                } else {
                    old.insert(tree);
                }
            }
            Entry::Vacant(v) => {
                v.insert(tree);
            }
        }
        Ok(())
    }

    /// The nodes pushed on the scratch stack since `mark`, as an exactly sized vector.
    fn take_nodes(&mut self, mark: usize) -> Vec<Node> {
        // `split_off` copies the tail into an exactly sized vector in one move.
        self.scratch
            .nodes
            .split_off(mark.min(self.scratch.nodes.len()))
    }

    // --- grammar ----------------------------------------------------------------------

    /// The top level: like `itemList`, but also handles `{{define}}` and runs to EOF.
    fn parse_top(&mut self, name: &str) -> PResult<()> {
        let mut root = ListNode {
            pos: self.peek().pos(),
            nodes: Vec::new(),
        };
        let mark = self.scratch.nodes.len();
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim_at = self.idx;
                self.next();
                if self.next_non_space().typ == ItemType::Define {
                    let outer = self.push_tree();
                    self.parse_definition()?;
                    self.pop_tree(outer);
                    continue;
                }
                // Go's backup2(delim) also drops a space after the delimiter, which the
                // action skips anyway.
                self.backup_to(delim_at);
            }
            match self.text_or_action()? {
                Parsed::End => return Err(self.errorf("unexpected {{end}}".into())),
                Parsed::Else(_) => return Err(self.errorf("unexpected {{else}}".into())),
                Parsed::Node => {}
            }
        }
        root.nodes = self.take_nodes(mark);
        let line = self.last_line();
        self.add(name.to_string(), root, line)
    }

    /// `{{define "name"}} itemList {{end}}`; the `define` keyword has been read.
    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let t = self.next_non_space();
        if t.typ != ItemType::String && t.typ != ItemType::RawString {
            return Err(self.unexpected(t, CONTEXT));
        }
        let name = match unquote(self.val(&t)) {
            Some(s) => s,
            None => return Err(self.errorf("invalid syntax".into())),
        };
        self.expect(ItemType::RightDelim, CONTEXT)?;
        let (root, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {CONTEXT}")));
        }
        let line = self.last_line();
        self.add(name, root, line)
    }

    /// `textOrAction*`, up to an `{{end}}` or `{{else}}` (returned separately).
    fn item_list(&mut self) -> PResult<(ListNode, Parsed)> {
        let mut list = ListNode {
            pos: self.peek_non_space().pos(),
            nodes: Vec::new(),
        };
        let mark = self.scratch.nodes.len();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node => {}
                end => {
                    list.nodes = self.take_nodes(mark);
                    return Ok((list, end));
                }
            }
        }
        Err(self.errorf("unexpected EOF".into()))
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => {
                let text = self.name(&token);
                Ok(self.push_node(Node::Text(TextNode {
                    pos: token.pos(),
                    text,
                })))
            }
            ItemType::LeftDelim => {
                self.st.action_line = token.line();
                let r = self.action();
                self.st.action_line = 0;
                r
            }
            ItemType::Comment => {
                let text = self.name(&token);
                Ok(self.push_node(Node::Comment(crate::ast::CommentNode {
                    pos: token.pos(),
                    text,
                })))
            }
            _ => Err(self.unexpected(token, "input")),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => {
                let n = self.block_control()?;
                return Ok(self.push_node(n));
            }
            ItemType::Break | ItemType::Continue => {
                let n = self.break_continue(token)?;
                return Ok(self.push_node(n));
            }
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => {
                let b = self.branch("if")?;
                return Ok(self.push_node(Node::If(Box::new(b))));
            }
            ItemType::Range => {
                let b = self.branch("range")?;
                return Ok(self.push_node(Node::Range(Box::new(b))));
            }
            ItemType::With => {
                let b = self.branch("with")?;
                return Ok(self.push_node(Node::With(Box::new(b))));
            }
            ItemType::Template => {
                let n = self.template_control()?;
                return Ok(self.push_node(n));
            }
            _ => {}
        }
        self.backup();
        let token = self.peek();
        // Variables declared here persist until the enclosing "end".
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(self.push_node(Node::Action(ActionNode {
            pos: token.pos(),
            line: token.line(),
            pipe,
        })))
    }

    /// Adds a node to the list being built (on the scratch stack).
    fn push_node(&mut self, n: Node) -> Parsed {
        self.scratch.nodes.push(n);
        Parsed::Node
    }

    fn break_continue(&mut self, kw: Item) -> PResult<Node> {
        let name = if kw.typ == ItemType::Break {
            "break"
        } else {
            "continue"
        };
        let t = self.next_non_space();
        if t.typ != ItemType::RightDelim {
            return Err(self.unexpected(t, &format!("{{{{{name}}}}}")));
        }
        if self.st.range_depth == 0 {
            return Err(self.errorf(format!("{{{{{name}}}}} outside {{{{range}}}}")));
        }
        let node = KeywordNode {
            pos: kw.pos(),
            line: kw.line(),
        };
        Ok(if kw.typ == ItemType::Break {
            Node::Break(node)
        } else {
            Node::Continue(node)
        })
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        // "{{else if ...}}" / "{{else with ...}}": leave the keyword pending.
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            return Ok(Parsed::Else(peek.pos()));
        }
        let t = self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else(t.pos()))
    }

    /// `pipeline` + list + optional else list, for `if`, `range` and `with`.
    fn branch(&mut self, context: &'static str) -> PResult<BranchNode> {
        self.enter("max depth exceeded")?;
        let r = self.branch_inner(context);
        self.leave();
        r
    }

    fn branch_inner(&mut self, context: &'static str) -> PResult<BranchNode> {
        let nvars = self.vars.len();
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.st.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if context == "range" {
            self.st.range_depth -= 1;
        }
        let else_list = match next {
            Parsed::Else(pos) => {
                // "{{if a}}_{{else if b}}_{{end}}" is "{{if a}}_{{else}}{{if b}}_{{end}}{{end}}".
                if context == "if" && self.peek().typ == ItemType::If {
                    self.next();
                    let inner = self.branch("if")?;
                    Some(ListNode {
                        pos,
                        nodes: vec![Node::If(Box::new(inner))],
                    })
                } else if context == "with" && self.peek().typ == ItemType::With {
                    self.next();
                    let inner = self.branch("with")?;
                    Some(ListNode {
                        pos,
                        nodes: vec![Node::With(Box::new(inner))],
                    })
                } else {
                    let (l, n) = self.item_list()?;
                    if !matches!(n, Parsed::End) {
                        return Err(self.errorf("expected end; found {{else}}".into()));
                    }
                    Some(l)
                }
            }
            _ => None,
        };
        self.vars.truncate(nvars);
        Ok(BranchNode {
            pos: pipe.pos,
            line: pipe.line,
            pipe,
            list,
            else_list,
        })
    }

    /// `{{block "name" pipeline}} itemList {{end}}`: a definition plus a template call.
    fn block_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemType::RightDelim)?;
        self.enter("max depth exceeded")?;
        let outer = self.push_tree();
        let body = self.item_list();
        self.pop_tree(outer);
        self.leave();
        let (root, end) = body?;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {CONTEXT}")));
        }
        let line = self.last_line();
        self.add(name.clone(), root, line)?;
        Ok(Node::Template(Box::new(TemplateNode {
            pos: token.pos(),
            line: token.line(),
            name,
            pipe: Some(pipe),
        })))
    }

    fn template_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(token, CONTEXT)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(CONTEXT, ItemType::RightDelim)?);
        }
        Ok(Node::Template(Box::new(TemplateNode {
            pos: token.pos(),
            line: token.line(),
            name,
            pipe,
        })))
    }

    fn parse_template_name(&mut self, token: Item, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => match unquote(self.val(&token)) {
                Some(s) => Ok(s),
                None => Err(self.errorf("invalid syntax".into())),
            },
            _ => Err(self.unexpected(token, context)),
        }
    }

    /// `declarations? command ('|' command)*`, up to `end`.
    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<PipeNode> {
        let token = self.peek_non_space();
        let mut pipe = PipeNode {
            pos: token.pos(),
            line: token.line(),
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        let mark = self.scratch.cmds.len();
        // The first look is the item just peeked; nothing was consumed since.
        let mut v = token;
        loop {
            if v.typ != ItemType::Variable {
                break;
            }
            let v_at = self.idx;
            self.next();
            // "$x foo" vs "$x := foo": remember the token after the variable to push it back.
            self.peek();
            let next = self.peek_non_space();
            if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                pipe.is_assign = next.typ == ItemType::Assign;
                self.next_non_space();
                pipe.decl.push(VariableNode {
                    pos: v.pos(),
                    ident: self.name(&v),
                });
                self.vars.push(self.val(&v));
            } else if next.typ == ItemType::Char && self.val(&next) == "," {
                self.next_non_space();
                pipe.decl.push(VariableNode {
                    pos: v.pos(),
                    ident: self.name(&v),
                });
                self.vars.push(self.val(&v));
                if context == "range" && pipe.decl.len() < 2 {
                    v = self.peek_non_space();
                    match v.typ {
                        ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                            continue;
                        }
                        _ => return Err(self.errorf("range can only initialize variables".into())),
                    }
                }
                return Err(self.errorf(format!("too many declarations in {context}")));
            } else {
                // Go's backup3(v, after) or backup2(v).
                self.backup_to(v_at);
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            if token.typ == end {
                pipe.cmds = self
                    .scratch
                    .cmds
                    .split_off(mark.min(self.scratch.cmds.len()));
                self.check_pipeline(&pipe, context)?;
                return Ok(pipe);
            }
            match token.typ {
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    self.scratch.cmds.push(cmd);
                }
                _ => return Err(self.unexpected(token, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &PipeNode, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        // Only the first command may start with a non-executable operand.
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(Arg::Bool(_) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(_) | Arg::String(_))
            ) {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    /// `operand (space operand)*`, up to `|` (consumed) or a right delimiter/paren (not).
    fn command(&mut self) -> PResult<CommandNode> {
        let mut cmd = CommandNode {
            pos: self.peek_non_space().pos(),
            args: Seq::Empty,
        };
        let mark = self.scratch.args.len();
        loop {
            // Go peeks past spaces here; `term` skips them the same way, and nothing
            // between could report an error, so the item stream and lines are unchanged.
            if let Some(op) = self.operand()? {
                self.scratch.args.push(op);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return Err(self.unexpected(token, "operand")),
            }
            break;
        }
        let mark = mark.min(self.scratch.args.len());
        cmd.args = match self.scratch.args.len() - mark {
            0 => return Err(self.errorf("empty command".into())),
            1 => match self.scratch.args.pop() {
                Some(a) => Seq::One(a),
                None => Seq::Empty,
            },
            _ => Seq::Many(self.scratch.args.split_off(mark)),
        };
        Ok(cmd)
    }

    /// `term .Field*`
    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        // Go positions the merged node at the first chained field, and merges fields chained
        // on `.x` or `$x` into that node; other terms keep a chain node.
        enum Base {
            Field,
            Variable,
            Chain(Box<Arg>),
        }
        let pos = self.peek().pos();
        // The chained fields are adjacent tokens: the merged text is one span of the source.
        let (base, start) = match node {
            Arg::Field(f) => (Base::Field, f.pos),
            Arg::Variable(v) => (Base::Variable, v.pos),
            Arg::Bool(_) | Arg::String(_) | Arg::Number(_) | Arg::Nil(_) | Arg::Dot(_) => {
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    crate::fmt::quote(&node.to_string())
                )));
            }
            other => (Base::Chain(Box::new(other)), pos),
        };
        let mut end = pos;
        while self.peek().typ == ItemType::Field {
            let f = self.next();
            end = f.end();
        }
        let text = Name::new(&self.text, start, end);
        Ok(Some(match base {
            Base::Field => Arg::Field(FieldNode { pos, ident: text }),
            Base::Variable => Arg::Variable(VariableNode { pos, ident: text }),
            Base::Chain(node) => Arg::Chain(ChainNode {
                pos,
                node,
                field: text,
            }),
        }))
    }

    /// A literal, function name, `.`, `.Field`, `$var` or `(pipeline)`; `None` if the next
    /// token is none of these.
    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        let arg = match token.typ {
            ItemType::Identifier => {
                if !self.has_function(self.val(&token)) {
                    return Err(self.errorf(format!(
                        "function {} not defined",
                        crate::fmt::quote(self.val(&token))
                    )));
                }
                Arg::Identifier(IdentifierNode {
                    pos: token.pos(),
                    ident: self.name(&token),
                })
            }
            ItemType::Dot => Arg::Dot(token.pos()),
            ItemType::Nil => Arg::Nil(token.pos()),
            ItemType::Variable => {
                let scope = self.vars.get(self.st.vars_base..).unwrap_or(&[]);
                if !scope.contains(&self.val(&token)) {
                    return Err(self.errorf(format!(
                        "undefined variable {}",
                        crate::fmt::quote(self.val(&token))
                    )));
                }
                Arg::Variable(VariableNode {
                    pos: token.pos(),
                    ident: self.name(&token),
                })
            }
            ItemType::Field => Arg::Field(FieldNode {
                pos: token.pos(),
                ident: self.name(&token),
            }),
            ItemType::Bool => Arg::Bool(BoolNode {
                pos: token.pos(),
                value: self.val(&token) == "true",
            }),
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                match new_number(token.pos(), self.name(&token), token.typ) {
                    Ok(n) => Arg::Number(Box::new(n)),
                    Err(msg) => return Err(self.errorf(msg)),
                }
            }
            ItemType::LeftParen => {
                self.enter("max expression depth exceeded")?;
                let p = self.pipeline("parenthesized pipeline", ItemType::RightParen);
                self.leave();
                Arg::Pipe(Box::new(p?))
            }
            ItemType::String | ItemType::RawString => match unquote_cow(self.val(&token)) {
                Some(s) => Arg::String(StringNode {
                    pos: token.pos(),
                    quoted: self.name(&token),
                    text: Arc::from(&*s),
                }),
                None => return Err(self.errorf("invalid syntax".into())),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(arg))
    }
}

// --- numbers (Go's newNumber) ---------------------------------------------------------------

/// Go's `newNumber`: every interpretation of a number literal (or the error message).
pub fn new_number(pos: Pos, name: Name, typ: ItemType) -> Result<NumberNode, String> {
    let text: &str = &name;
    let mut n = NumberNode {
        pos,
        text: name.clone(),
        int: None,
        uint: None,
        float: None,
        is_complex: false,
    };
    match typ {
        ItemType::CharConstant => {
            let mut chars = text.chars();
            let quote = chars.next().unwrap_or('\'');
            let (r, tail) =
                unquote_char(chars.as_str(), quote).ok_or_else(|| "invalid syntax".to_string())?;
            if tail != "'" {
                return Err(format!("malformed character constant: {text}"));
            }
            n.int = Some(i64::from(r));
            n.uint = Some(u64::from(r));
            n.float = Some(f64::from(r));
            return Ok(n);
        }
        ItemType::Complex => {
            let (re, im) = parse_complex(text)
                .ok_or_else(|| "syntax error scanning complex number".to_string())?;
            n.is_complex = true;
            simplify_complex(&mut n, re, im);
            return Ok(n);
        }
        _ => {}
    }
    // The common plain decimal integer (no sign, base prefix, leading zero or underscore):
    // every interpretation is its value, as the general path below would find.
    let digits = text.as_bytes();
    if !digits.is_empty()
        && digits.len() <= 18
        && (digits[0] != b'0' || digits.len() == 1)
        && digits.iter().all(u8::is_ascii_digit)
    {
        let v = digits
            .iter()
            .fold(0u64, |v, &d| v * 10 + u64::from(d - b'0'));
        n.uint = Some(v);
        n.int = i64::try_from(v).ok();
        n.float = Some(v as f64);
        return Ok(n);
    }
    if let Some(body) = text.strip_suffix('i') {
        if let Some(f) = parse_float(body) {
            n.is_complex = true;
            simplify_complex(&mut n, 0.0, f);
            return Ok(n);
        }
    }
    let u = parse_uint(text);
    n.uint = u;
    if let Some(i) = parse_int(text) {
        n.int = Some(i);
        if i == 0 {
            // "-0" is a valid unsigned zero.
            n.uint = Some(u.unwrap_or(0));
        }
    }
    if let Some(i) = n.int {
        n.float = Some(i as f64);
    } else if let Some(u) = n.uint {
        n.float = Some(u as f64);
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", crate::fmt::quote(text)));
        }
        n.float = Some(f);
        n.int = float_to_int(f);
        n.uint = float_to_uint(f);
    }
    if n.int.is_none() && n.uint.is_none() && n.float.is_none() {
        return Err(format!(
            "illegal number syntax: {}",
            crate::fmt::quote(text)
        ));
    }
    Ok(n)
}

/// `float64(int64(f)) == f` as Go evaluates it on amd64 (out-of-range conversions never
/// round-trip).
fn float_to_int(f: f64) -> Option<i64> {
    let two63 = (1u64 << 63) as f64;
    if (-two63..two63).contains(&f) {
        let i = f as i64;
        if i as f64 == f {
            return Some(i);
        }
    }
    None
}

fn float_to_uint(f: f64) -> Option<u64> {
    let two64 = 2.0 * (1u64 << 63) as f64;
    if (0.0..two64).contains(&f) || f == 0.0 {
        let u = f as u64;
        if u as f64 == f {
            return Some(u);
        }
    }
    None
}

fn simplify_complex(n: &mut NumberNode, re: f64, im: f64) {
    if im == 0.0 {
        n.float = Some(re);
        n.int = float_to_int(re);
        n.uint = float_to_uint(re);
    }
}

/// `1+2i` as `fmt.Sscan` reads a complex128 (real part, sign, imaginary part ending in i).
fn parse_complex(text: &str) -> Option<(f64, f64)> {
    let b = text.as_bytes();
    let split = number_end(b, 0);
    let re = parse_float(text.get(..split)?)?;
    let im_text = text.get(split..)?.strip_suffix('i')?;
    if !im_text.starts_with(['+', '-']) {
        return None;
    }
    let im = parse_float(im_text)?;
    Some((re, im))
}

/// The end of the number literal starting at `i` (the lexer's scanNumber, without `i`).
fn number_end(b: &[u8], mut i: usize) -> usize {
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    if matches!(at(i), b'+' | b'-') {
        i += 1;
    }
    let mut hex = false;
    if at(i) == b'0' && matches!(at(i + 1), b'x' | b'X') {
        hex = true;
        i += 2;
    }
    let digit = |c: u8| {
        c == b'_'
            || if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
    };
    while digit(at(i)) {
        i += 1;
    }
    if at(i) == b'.' {
        i += 1;
        while digit(at(i)) {
            i += 1;
        }
    }
    if (!hex && matches!(at(i), b'e' | b'E')) || (hex && matches!(at(i), b'p' | b'P')) {
        i += 1;
        if matches!(at(i), b'+' | b'-') {
            i += 1;
        }
        while at(i).is_ascii_digit() || at(i) == b'_' {
            i += 1;
        }
    }
    i.min(b.len())
}

/// Go's `strconv.underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut b = match b.first() {
        Some(b'+' | b'-') => &b[1..],
        _ => b,
    };
    let mut saw = b'^';
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        hex = b[1] | 0x20 == b'x';
        saw = b'0';
        b = &b[2..];
    }
    for &c in b {
        if c.is_ascii_digit() || (hex && (c | 0x20).is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Go's `strconv.ParseUint(s, 0, 64)`.
pub fn parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let (base, body): (u64, &[u8]) = if b[0] == b'0' {
        match b.get(1).map(|c| c | 0x20) {
            Some(b'b') if b.len() >= 3 => (2, &b[2..]),
            Some(b'o') if b.len() >= 3 => (8, &b[2..]),
            Some(b'x') if b.len() >= 3 => (16, &b[2..]),
            _ => (8, &b[1..]),
        }
    } else {
        (10, b)
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in body {
        let d = match c {
            b'_' => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => c - b'0',
            _ if (c | 0x20).is_ascii_lowercase() => (c | 0x20) - b'a' + 10,
            _ => return None,
        };
        if u64::from(d) >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(u64::from(d))?;
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
pub fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        None => return None,
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let un = parse_uint(body)?;
    if neg {
        if un > 1u64 << 63 {
            return None;
        }
        Some((un as i64).wrapping_neg())
    } else {
        i64::try_from(un).ok()
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the literals the lexer can produce: decimal and
/// hexadecimal (`0x1.8p3`) forms with `_` separators; `None` on syntax errors and overflow.
pub fn parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let neg = match b.first() {
        Some(b'+') => {
            i = 1;
            false
        }
        Some(b'-') => {
            i = 1;
            true
        }
        _ => false,
    };
    let hex = b.len() >= i + 2 && b[i] == b'0' && (b[i + 1] | 0x20) == b'x';
    if hex {
        i += 2;
    }
    let mant_start = i;
    let (mut saw_dot, mut saw_digits, mut underscores) = (false, false, false);
    while let Some(&c) = b.get(i) {
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if saw_dot {
                break;
            }
            saw_dot = true;
        } else if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw_digits = true;
        } else {
            break;
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    let mant_end = i;
    let mut exp: i64 = 0;
    let exp_char = if hex { b'p' } else { b'e' };
    if b.get(i).map(|c| c | 0x20) == Some(exp_char) {
        i += 1;
        let mut esign = 1;
        match b.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                i += 1;
                esign = -1;
            }
            _ => {}
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while let Some(&c) = b.get(i) {
            if c == b'_' {
                underscores = true;
            } else if c.is_ascii_digit() {
                if exp < 100_000 {
                    exp = exp * 10 + i64::from(c - b'0');
                }
            } else {
                break;
            }
            i += 1;
        }
        exp *= esign;
    } else if hex {
        return None;
    }
    if i != b.len() {
        return None;
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    let v = if hex {
        hex_float(b.get(mant_start..mant_end).unwrap_or_default(), exp)
    } else {
        let clean: String = s.chars().filter(|&c| c != '_').collect();
        clean.parse::<f64>().ok()?.abs()
    };
    if v.is_infinite() {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// The value of hex mantissa digits (with an optional '.') times 2^exp, correctly rounded
/// to nearest-even for normal results.
fn hex_float(mant: &[u8], exp: i64) -> f64 {
    let mut m: u64 = 0;
    let mut e2: i64 = exp;
    let mut sticky = false;
    let mut after_dot = false;
    for &c in mant {
        if c == b'_' {
            continue;
        }
        if c == b'.' {
            after_dot = true;
            continue;
        }
        let d = u64::from(match c {
            b'0'..=b'9' => c - b'0',
            _ => (c | 0x20) - b'a' + 10,
        });
        if m >> 60 == 0 {
            m = m << 4 | d;
            if after_dot {
                e2 -= 4;
            }
        } else {
            sticky |= d != 0;
            if !after_dot {
                e2 += 4;
            }
        }
    }
    if m == 0 {
        return 0.0;
    }
    // Round m to 53 significant bits.
    let bits = 64 - i64::from(m.leading_zeros());
    if bits > 53 {
        let shift = (bits - 53) as u32;
        let half = 1u64 << (shift - 1);
        let rem = m & ((1u64 << shift) - 1);
        m >>= shift;
        e2 += i64::from(shift);
        if rem > half || (rem == half && (sticky || m & 1 == 1)) {
            m += 1;
        }
    }
    ldexp(m as f64, e2)
}

fn ldexp(mut x: f64, mut e: i64) -> f64 {
    if e > 2200 {
        return f64::INFINITY;
    }
    if e < -2200 {
        return 0.0;
    }
    while e > 0 {
        let step = e.min(1000);
        x *= 2f64.powi(step as i32);
        e -= step;
    }
    while e < 0 {
        let step = (-e).min(1000);
        x /= 2f64.powi(step as i32);
        e += step;
    }
    x
}

// --- strings (Go's strconv.Unquote / UnquoteChar) -------------------------------------------

/// Go's `strconv.Unquote` for `"..."`, `` `...` `` and `'...'`; `None` is `invalid syntax`.
/// Escapes producing invalid UTF-8 (`"\xff"`) are replaced by U+FFFD.
pub fn unquote(s: &str) -> Option<String> {
    unquote_cow(s).map(Cow::into_owned)
}

/// [`unquote`] borrowing the common escape-free `"..."` / `` `...` `` bodies.
fn unquote_cow(s: &str) -> Option<Cow<'_, str>> {
    let b = s.as_bytes();
    let n = b.len();
    if n < 2 {
        return None;
    }
    let quote = b[0];
    if quote != b[n - 1] {
        return None;
    }
    let inner = s.get(1..n - 1)?;
    match quote {
        b'`' => {
            if inner.contains('`') {
                return None;
            }
            if !inner.contains('\r') {
                return Some(Cow::Borrowed(inner));
            }
            Some(Cow::Owned(inner.replace('\r', "")))
        }
        b'"' | b'\'' => {
            let q = char::from(quote);
            // One pass for the three bytes that need a closer look.
            if !inner
                .bytes()
                .any(|c| c == b'\n' || c == b'\\' || c == quote)
            {
                if quote == b'"' {
                    return Some(Cow::Borrowed(inner));
                }
                let mut cs = inner.chars();
                return match (cs.next(), cs.next()) {
                    (Some(c), None) => Some(Cow::Owned(c.to_string())),
                    _ => None,
                };
            }
            if inner.contains('\n') {
                return None;
            }
            let mut out: Vec<u8> = Vec::with_capacity(inner.len());
            let mut rest = inner;
            while !rest.is_empty() {
                let (v, tail) = unquote_char_value(rest, q)?;
                match v {
                    Unquoted::Byte(x) => out.push(x),
                    Unquoted::Rune(c) => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
                rest = tail;
                if quote == b'\'' {
                    if !rest.is_empty() {
                        return None;
                    }
                    break;
                }
            }
            Some(Cow::Owned(match String::from_utf8(out) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }))
        }
        _ => None,
    }
}

enum Unquoted {
    /// `\xNN` / `\NNN` in a string: one raw byte.
    Byte(u8),
    Rune(char),
}

/// Go's `strconv.UnquoteChar` returning the rune value (for `\xff` the value 255).
fn unquote_char(s: &str, quote: char) -> Option<(u32, &str)> {
    let (v, tail) = unquote_char_value(s, quote)?;
    Some(match v {
        Unquoted::Byte(b) => (u32::from(b), tail),
        Unquoted::Rune(c) => (c as u32, tail),
    })
}

fn unquote_char_value(s: &str, quote: char) -> Option<(Unquoted, &str)> {
    let mut chars = s.chars();
    let c = chars.next()?;
    if c == quote && (quote == '\'' || quote == '"') {
        return None;
    }
    if c != '\\' {
        let v = if c.is_ascii() {
            Unquoted::Byte(c as u8)
        } else {
            Unquoted::Rune(c)
        };
        return Some((v, chars.as_str()));
    }
    let esc = chars.next()?;
    let rest = chars.as_str();
    let simple = |b: u8| Some((Unquoted::Byte(b), rest));
    match esc {
        'a' => simple(7),
        'b' => simple(8),
        'f' => simple(12),
        'n' => simple(b'\n'),
        'r' => simple(b'\r'),
        't' => simple(b'\t'),
        'v' => simple(11),
        '\\' => simple(b'\\'),
        '\'' | '"' => {
            if esc != quote {
                return None;
            }
            simple(esc as u8)
        }
        'x' | 'u' | 'U' => {
            let n = match esc {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let digits = rest.get(..n)?;
            let mut v: u32 = 0;
            for d in digits.chars() {
                v = v << 4 | d.to_digit(16)?;
            }
            let tail = rest.get(n..)?;
            if esc == 'x' {
                return Some((Unquoted::Byte(v as u8), tail));
            }
            Some((Unquoted::Rune(char::from_u32(v)?), tail))
        }
        '0'..='7' => {
            let digits = rest.get(..2)?;
            let mut v = esc as u32 - '0' as u32;
            for d in digits.chars() {
                v = v * 8 + d.to_digit(8)?;
            }
            if v > 255 {
                return None;
            }
            Some((Unquoted::Byte(v as u8), rest.get(2..)?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_funcs(name: &str) -> bool {
        matches!(
            name,
            "upper" | "typeOf" | "include" | "list" | "quote" | "default"
        )
    }

    fn parse_ok(text: &str) -> HashMap<String, Tree> {
        match parse("t", text, &host_funcs) {
            Ok(t) => t,
            Err(e) => panic!("{text:?}: {e}"),
        }
    }

    fn parse_err(text: &str) -> ParseError {
        match parse("suite/templates/case.tpl", text, &host_funcs) {
            Err(Error::Parse(e)) => e,
            Err(e) => panic!("{text:?}: not a parse error: {e}"),
            Ok(_) => panic!("{text:?}: parsed"),
        }
    }

    /// Helm's rendering: `parse error at (FILE:LINE): MSG` with MSG after the last ": ".
    fn helm_form(e: &ParseError) -> String {
        let full = e.to_string();
        let msg = full.rsplit(": ").next().unwrap_or("").to_string();
        format!("parse error at ({}:{}): {}", e.name, e.line, msg)
    }

    fn root(text: &str) -> ListNode {
        parse_ok(text)
            .remove("t")
            .map(|t| t.root)
            .unwrap_or_default()
    }

    fn only_action(text: &str) -> PipeNode {
        match root(text).nodes.into_iter().next() {
            Some(Node::Action(a)) => a.pipe,
            other => panic!("{text:?}: {other:?}"),
        }
    }

    fn number(lit: &str) -> Result<NumberNode, String> {
        let typ = if lit.starts_with('\'') {
            ItemType::CharConstant
        } else {
            ItemType::Number
        };
        new_number(0, Name::owned(lit), typ)
    }

    #[test]
    fn suite_parse_errors() {
        let cases: &[(&str, &str)] = &[
            ("{{ nofunc 1 }}", "1): function \"nofunc\" not defined"),
            (
                "{{ \"a\" | \"b\" }}",
                "1): non executable command in pipeline stage 2",
            ),
            ("{{ \"a\" | $x := upper }}", "1): undefined variable \"$x\""),
            ("{{ (1 }}", "1): unclosed left paren"),
            ("{{ if }}x{{ end }}", "1): missing value for if"),
            ("{{ if true }}x", "1): unexpected EOF"),
            (
                "{{ if true }}a{{ else }}b{{ else }}c{{ end }}",
                "1): expected end; found {{else}}",
            ),
            ("{{ else }}", "1): unexpected {{else}}"),
            ("x{{ end }}", "1): unexpected {{end}}"),
            ("{{ range }}{{ end }}", "1): missing value for range"),
            ("{{ break }}", "1): {{break}} outside {{range}}"),
            (
                "{{ if true }}{{ continue }}{{ end }}",
                "1): {{continue}} outside {{range}}",
            ),
            (
                "{{ range .Values.list }}{{ break 1 }}{{ end }}",
                "1): unexpected \"1\" in {{break}}",
            ),
            (
                "{{ define \"x\" }}X{{ end }}{{ template .Values.s }}",
                "1): unexpected \".Values\" in template clause",
            ),
            (
                "{{ define }}x{{ end }}",
                "1): unexpected \"}}\" in define clause",
            ),
            ("{{ define \"x\" }}abc", "1): unexpected EOF"),
            (
                "{{ define \"a\" }}{{ define \"b\" }}{{ end }}{{ end }}",
                "1): unexpected <define> in command",
            ),
            (
                "{{ if true }}{{ define \"a\" }}{{ end }}{{ end }}",
                "1): unexpected <define> in command",
            ),
            (
                "{{ define 1 }}x{{ end }}",
                "1): unexpected \"1\" in define clause",
            ),
            (
                "{{ define \"x\" }}1{{ end }}{{ define \"x\" }}2{{ end }}{{ template \"x\" }}",
                "1): multiple definition of template \"x\"",
            ),
            (
                "{{ block \"b\" . }}default{{ end }}{{ define \"b\" }}new{{ end }}",
                "1): multiple definition of template \"b\"",
            ),
            (
                "{{ block \"b\" }}x{{ end }}",
                "1): missing value for block clause",
            ),
            ("{{ .Values.list.0 }}", "1): unexpected \".0\" in operand"),
            ("a\nb\n{{ end }}", "3): unexpected {{end}}"),
            ("{{ .Values.s ", "1): unclosed action"),
            ("a\n{{ range .Values.list }}\nb", "3): unexpected EOF"),
            ("{{ .Values.s @ }}", "1): unexpected \"@\" in operand"),
            ("{{ .Values.a-b }}", "1): bad character U+002D '-'"),
            ("{{ .Values..s }}", "1): unexpected <.> in operand"),
            ("{{ 1 := 2 }}", "1): unexpected \":=\" in operand"),
            ("{{ }}", "1): missing value for command"),
            ("{{ () }}", "1): missing value for parenthesized pipeline"),
            ("ok\nok\nok\n{{ end }}", "4): unexpected {{end}}"),
            ("{{ 1.x }}", "1): \"1.x\""),
            ("{{ printf ) }}", "1): unexpected right paren"),
            (
                "{{ printf \"%s\"\"a\" }}",
                "1): unexpected \"\\\"a\\\"\" in operand",
            ),
            ("{{ true.x }}", "1): unexpected . after term \"true\""),
            ("a {{-.Values.s}}", "1): \"-.V\""),
            ("{{ /* c */ }}x", "1): unexpected \"/\" in command"),
            (
                "{{/* c */ 1 }}",
                "1): comment ends before closing delimiter",
            ),
            (
                "{{ 99999999999999999999 }} {{ typeOf 99999999999999999999 }}",
                "1): \"99999999999999999999\"",
            ),
            ("{{ \"abc }}", "1): unterminated quoted string"),
            ("{{ `abc }}", "1): unterminated raw quoted string"),
            ("{{ 1x }}", "1): \"1x\""),
            (
                "{{ if $v := .Values.s }}{{ end }}{{ $v }}",
                "1): undefined variable \"$v\"",
            ),
            ("{{ $nope }}", "1): undefined variable \"$nope\""),
            (
                "{{ range $i, $e := .Values.list }}{{ end }}{{ $i }}",
                "1): undefined variable \"$i\"",
            ),
            ("{{ $x := }}", "1): missing value for command"),
            (
                "{{ define \"x\" }}{{ $outer }}{{ end }}{{ $outer := 1 }}{{ template \"x\" }}",
                "1): undefined variable \"$outer\"",
            ),
            (
                "{{ md5sum \"hello\" }}",
                "1): function \"md5sum\" not defined",
            ),
        ];
        for (text, want) in cases {
            let e = parse_err(text);
            let got = helm_form(&e);
            let want = format!("parse error at (suite/templates/case.tpl:{want}");
            assert_eq!(got, want, "template {text:?}");
        }
    }

    #[test]
    fn full_go_messages() {
        let cases: &[(&str, &str)] = &[
            ("{{ 1x }}", "template: suite/templates/case.tpl:1: bad number syntax: \"1x\""),
            ("{{ 99999999999999999999 }}", "template: suite/templates/case.tpl:1: integer overflow: \"99999999999999999999\""),
            ("{{ 089 }}", "template: suite/templates/case.tpl:1: integer overflow: \"089\""),
            ("{{ 1e400 }}", "template: suite/templates/case.tpl:1: illegal number syntax: \"1e400\""),
            ("{{ - }}", "template: suite/templates/case.tpl:1: illegal number syntax: \"-\""),
            ("{{ 'ab' }}", "template: suite/templates/case.tpl:1: malformed character constant: 'ab'"),
            ("{{ '' }}", "template: suite/templates/case.tpl:1: invalid syntax"),
            ("{{ \"\\q\" }}", "template: suite/templates/case.tpl:1: invalid syntax"),
            ("{{ define \"x\" }}1{{ end }}{{ define \"x\" }}2{{ end }}", "template: suite/templates/case.tpl:1: template: multiple definition of template \"x\""),
            ("{{ \"12345678901234\" \"x\" | 1 }}", "template: suite/templates/case.tpl:1: non executable command in pipeline stage 2"),
            ("{{ range $i, $j, $k := . }}{{ end }}", "template: suite/templates/case.tpl:1: too many declarations in range"),
            ("{{ with $i, $j := . }}{{ end }}", "template: suite/templates/case.tpl:1: too many declarations in with"),
            ("{{ range $i, 3 }}{{ end }}", "template: suite/templates/case.tpl:1: range can only initialize variables"),
            ("{{ \"abc\" | printf \"12345678901\" ( }}", "template: suite/templates/case.tpl:1: unclosed left paren"),
            ("{{ printf \"12345678901234\" ) }}", "template: suite/templates/case.tpl:1: unexpected right paren"),
            ("{{ if . }}{{ else }}{{ else if . }}{{ end }}", "template: suite/templates/case.tpl:1: expected end; found {{else}}"),
            ("{{ range . }}{{ else if . }}{{ end }}", "template: suite/templates/case.tpl:1: unexpected <if> in input"),
            ("{{ define \"a\" }}{{ else }}{{ end }}", "template: suite/templates/case.tpl:1: unexpected {{else}} in define clause"),
            ("{{ block \"a\" . }}{{ else }}{{ end }}", "template: suite/templates/case.tpl:1: unexpected {{else}} in block clause"),
            ("{{ template \"a\" | }}", "template: suite/templates/case.tpl:1: unexpected \"|\" in template clause"),
            ("{{ .x | \"abcdefghijklmnop\" }}", "template: suite/templates/case.tpl:1: non executable command in pipeline stage 2"),
            ("{{ .x \"abcdefghijklmnop\"\"x\" }}", "template: suite/templates/case.tpl:1: unexpected \"\\\"x\\\"\" in operand"),
            ("{{ .x \"abcdefghijklmnop\"}", "template: suite/templates/case.tpl:1: unexpected \"}\" in operand"),
            ("{{ .x `abcdefghijkl`.y }}", "template: suite/templates/case.tpl:1: unexpected . after term \"`abcdefghijkl`\""),
            ("{{ (.x) 12345678901234 | .y \"abcdefghijklmnop\" 1.5 3i := }}", "template: suite/templates/case.tpl:1: unexpected \":=\" in operand"),
            ("{{ if 1 }}{{ end }}{{ $x := 1 }}{{ range $y := . }}{{ $x }}{{ $y }}{{ break }}{{ end }}{{ $y }}", "template: suite/templates/case.tpl:1: undefined variable \"$y\""),
            ("{{ nil.x }}", "template: suite/templates/case.tpl:1: unexpected . after term \"nil\""),
            (
                "{{ 1i+2i }}",
                "template: suite/templates/case.tpl:1: syntax error scanning complex number",
            ),
            ("{{ ..x }}", "template: suite/templates/case.tpl:1: unexpected . after term \".\""),
            ("{{ \"abcdefghijklm\".x }}", "template: suite/templates/case.tpl:1: unexpected . after term \"\\\"abcdefghijklm\\\"\""),
            ("{{ template \"x\" 1 2 | 3 }}", "template: suite/templates/case.tpl:1: non executable command in pipeline stage 2"),
        ];
        for (text, want) in cases {
            assert_eq!(parse_err(text).to_string(), *want, "template {text:?}");
        }
    }

    #[test]
    fn lexer_error_lines_and_action_context() {
        // An unclosed action reports the action's start, avoiding "action in action".
        let e = parse_err("a\n{{ if\n .x\n");
        assert_eq!(
            e.to_string(),
            "template: suite/templates/case.tpl:4: unclosed action started at suite/templates/case.tpl:2"
        );
        assert_eq!(e.line, 4);
        let e = parse_err("{{ .x\n \"abc }}");
        assert_eq!(
            e.to_string(),
            "template: suite/templates/case.tpl:2: unterminated quoted string in action started at suite/templates/case.tpl:1"
        );
        let e = parse_err("{{ .x }}\n{{ .y \"abc }}");
        assert_eq!(e.line, 2);
        assert_eq!(e.message, "unterminated quoted string");
        // Lines after trimmed text and raw strings with newlines.
        let e = parse_err("a\n\n {{- `x\ny` }}\n{{ end }}");
        assert_eq!((e.line, e.message.as_str()), (5, "unexpected {{end}}"));
        let e = parse_err("{{/* a\nb */}}\n{{ $u }}");
        assert_eq!(
            (e.line, e.message.as_str()),
            (3, "undefined variable \"$u\"")
        );
        let e = parse_err("{{/* a\nb ");
        assert_eq!((e.line, e.message.as_str()), (1, "unclosed comment"));
    }

    #[test]
    fn undefined_variable_line_is_lookahead_line() {
        // Go reports t.token[0].line: here the lookahead "}}" on line 2.
        let e = parse_err("{{ $x\n}}");
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "undefined variable \"$x\"")
        );
    }

    #[test]
    fn multiple_definition_rules() {
        // An empty definition does not replace a non-empty one, and vice versa is fine.
        let t = parse_ok("{{define \"a\"}}x{{end}}{{define \"a\"}}  {{/* c */}} {{end}}");
        assert_eq!(t["a"].root.to_string(), "x");
        let t = parse_ok("{{define \"a\"}} {{end}}{{define \"a\"}}y{{end}}");
        assert_eq!(t["a"].root.to_string(), "y");
        // The top-level tree is keyed by name, even when empty.
        let t = parse_ok("{{define \"a\"}}x{{end}}\n");
        assert!(t["t"].is_empty());
        assert_eq!(t["t"].parse_name.as_ref(), "t");
        assert_eq!(t["a"].parse_name.as_ref(), "t");
        assert_eq!(&*t["a"].text, "{{define \"a\"}}x{{end}}\n");
        // A define named like the file: the top-level text conflicts when non-empty.
        assert!(parse("t", "{{define \"t\"}}x{{end}}y", &host_funcs).is_err());
        let t = parse_ok("{{define \"t\"}}x{{end}} ");
        assert_eq!(t["t"].root.to_string(), "x");
        // Unicode whitespace counts as empty, as Go's bytes.TrimSpace.
        let t = parse_ok("{{define \"a\"}}x{{end}}{{define \"a\"}}\u{a0}\u{b}{{end}}");
        assert_eq!(t["a"].root.to_string(), "x");
    }

    #[test]
    fn block_defines_and_calls() {
        let t = parse_ok("a{{block \"b\" .x}}B{{.}}{{end}}c");
        assert_eq!(t["t"].root.to_string(), "a{{template \"b\" .x}}c");
        assert_eq!(t["b"].root.to_string(), "B{{.}}");
        // Block bodies are a new scope: outer variables are not visible.
        let e = parse_err("{{$v := 1}}{{block \"b\" .}}{{$v}}{{end}}");
        assert_eq!(e.message, "undefined variable \"$v\"");
        // And not inside a range either.
        let e = parse_err("{{range .}}{{block \"b\" .}}{{break}}{{end}}{{end}}");
        assert_eq!(e.message, "{{break}} outside {{range}}");
    }

    #[test]
    fn string_forms_of_nodes() {
        let cases = [
            "{{.Values.a.b}}",
            "{{include \"a\" .}}",
            "{{index (list \"a\" \"b\") 7}}",
            "{{$x := 1}}{{$x.y}}",
            "{{1}}",
            "{{template \"nope\"}}",
            "{{$i, $v := range .}}",
            "{{(.a).b.c}}",
            "{{(list 1).x}}",
            "{{.x | printf \"%d\" | quote}}",
            "{{'a'}}{{0x1F}}{{1_000}}{{`raw`}}{{nil}}{{true}}{{false}}",
        ];
        for c in cases {
            let fixed = c.replace("{{$i, $v := range .}}", "{{range $i, $v := .}}{{end}}");
            assert_eq!(root(&fixed).to_string(), fixed, "{c}");
        }
        assert_eq!(
            root("{{if .a}}x{{else if .b}}y{{else}}z{{end}}").to_string(),
            "{{if .a}}x{{else}}{{if .b}}y{{else}}z{{end}}{{end}}"
        );
        assert_eq!(
            root("{{with $x := .a}}{{$x}}{{else with .b}}y{{end}}").to_string(),
            "{{with $x := .a}}{{$x}}{{else}}{{with .b}}y{{end}}{{end}}"
        );
        assert_eq!(
            root("{{range .}}{{break}}{{continue}}{{end}}").to_string(),
            "{{range .}}{{break}}{{continue}}{{end}}"
        );
        assert_eq!(
            root("{{ $x := 1 }}{{ $x = 2 }}").to_string(),
            "{{$x := 1}}{{$x = 2}}"
        );
        assert_eq!(root("{{- /* c */ -}}").to_string(), "");
    }

    #[test]
    fn positions_match_go() {
        // A chained field is positioned at its second element (Go's chain position).
        let p = only_action("{{ .Values.a.b }}");
        assert_eq!(p.pos, 3);
        match p.cmds[0].args.first() {
            Some(Arg::Field(f)) => {
                assert_eq!(f.pos, 10);
                assert_eq!(f.ident, ".Values.a.b");
                assert_eq!(f.fields(), "Values.a.b");
            }
            other => panic!("{other:?}"),
        }
        let p = only_action("{{$x := .}}{{ $x.a }}");
        let _ = p;
        let r = root("{{$x := .}}\n{{ $x.a }}");
        match &r.nodes[2] {
            Node::Action(a) => {
                assert_eq!(a.line, 2);
                assert_eq!(a.pos, 15);
                match a.pipe.cmds[0].args.first() {
                    Some(Arg::Variable(v)) => {
                        assert_eq!(v.pos, 17);
                        assert_eq!(v.ident, "$x.a");
                        assert_eq!((v.name(), v.fields()), ("$x", Some("a")));
                    }
                    other => panic!("{other:?}"),
                }
            }
            other => panic!("{other:?}"),
        }
        let r = root("x\n{{if .a}}{{end}}");
        match &r.nodes[1] {
            Node::If(b) => assert_eq!((b.pos, b.line), (7, 2)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn declarations() {
        let p = only_action("{{ $x := 1 }}");
        assert_eq!(p.decl.len(), 1);
        assert!(!p.is_assign);
        let p = only_action("{{ $ }}");
        assert!(p.decl.is_empty());
        // Assignment to an undeclared variable parses (fails at execution).
        let p = only_action("{{ $y = 1 }}");
        assert!(p.is_assign);
        match root("{{range $i, $v := .}}{{$i}}{{$v}}{{end}}")
            .nodes
            .first()
        {
            Some(Node::Range(b)) => assert_eq!(b.pipe.decl.len(), 2),
            other => panic!("{other:?}"),
        }
        // Variables declared in an action persist to the end of the enclosing block.
        root("{{if .}}{{$a := 1}}{{$a}}{{end}}");
        let e = parse_err("{{if .}}{{$a := 1}}{{end}}{{$a}}");
        assert_eq!(e.message, "undefined variable \"$a\"");
        // Declarations inside parentheses.
        root("{{($z := 1)}}{{$z}}");
        // "$x foo": a variable argument, not a declaration.
        let p = only_action("{{$x := 1}}{{ $x | printf \"%v\" }}");
        let _ = p;
        // Trailing pipe is accepted.
        assert_eq!(only_action("{{ .s | }}").cmds.len(), 1);
    }

    #[test]
    fn break_is_identifier_when_defined() {
        let f = |n: &str| n == "break";
        assert!(parse("t", "{{ break }}", &f).is_ok());
        assert!(parse("t", "{{ continue }}", &f).is_err());
    }

    #[test]
    fn custom_delimiters() {
        let t = parse_with_delims("t", "[[ .x ]]{{ .y }}", "[[", "]]", &host_funcs);
        let t = match t {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(t["t"].root.to_string(), "{{.x}}{{ .y }}");
    }

    #[test]
    fn plain_integers_take_the_short_path_to_the_same_values() {
        for lit in ["0", "7", "42", "123456789012345678", "1234567890123456789"] {
            let n = number(lit).unwrap_or_else(|e| panic!("{lit}: {e}"));
            let i = parse_int(lit);
            assert_eq!(
                (n.int, n.uint, n.float, n.is_complex),
                (i, parse_uint(lit), i.map(|i| i as f64), false),
                "{lit}"
            );
        }
        // A leading zero is octal: not the short path.
        assert_eq!(number("010").map(|n| n.int).ok(), Some(Some(8)));
    }

    #[test]
    fn numbers_like_go() {
        let n = |s| match number(s) {
            Ok(n) => (n.int, n.uint, n.float, n.is_complex),
            Err(e) => panic!("{s}: {e}"),
        };
        assert_eq!(n("42"), (Some(42), Some(42), Some(42.0), false));
        assert_eq!(n("-7"), (Some(-7), None, Some(-7.0), false));
        assert_eq!(n("+7"), (Some(7), None, Some(7.0), false));
        assert_eq!(n("-0"), (Some(0), Some(0), Some(0.0), false));
        assert_eq!(n("0x1F"), (Some(31), Some(31), Some(31.0), false));
        assert_eq!(n("0o17"), (Some(15), Some(15), Some(15.0), false));
        assert_eq!(n("0b101"), (Some(5), Some(5), Some(5.0), false));
        assert_eq!(n("0755"), (Some(493), Some(493), Some(493.0), false));
        assert_eq!(n("1_000"), (Some(1000), Some(1000), Some(1000.0), false));
        assert_eq!(
            n("1e6"),
            (Some(1_000_000), Some(1_000_000), Some(1e6), false)
        );
        assert_eq!(n("3.0"), (Some(3), Some(3), Some(3.0), false));
        assert_eq!(n("1.5"), (None, None, Some(1.5), false));
        assert_eq!(n("-1.5e3"), (Some(-1500), None, Some(-1500.0), false));
        assert_eq!(n(".5"), (None, None, Some(0.5), false));
        assert_eq!(n("0x1p-2"), (None, None, Some(0.25), false));
        assert_eq!(n("0x1.8p1"), (Some(3), Some(3), Some(3.0), false));
        assert_eq!(
            n("0X_1FFFP-16"),
            (None, None, Some(0.124_984_741_210_937_5), false)
        );
        assert_eq!(
            n("12345678901234567890"),
            (
                None,
                Some(12_345_678_901_234_567_890),
                Some(1.234_567_890_123_456_8e19),
                false
            )
        );
        assert_eq!(n("1e20"), (None, None, Some(1e20), false));
        assert_eq!(n("'a'"), (Some(97), Some(97), Some(97.0), false));
        assert_eq!(n("'\\n'"), (Some(10), Some(10), Some(10.0), false));
        assert_eq!(n("'\\x41'"), (Some(65), Some(65), Some(65.0), false));
        assert_eq!(n("'\\u00e9'"), (Some(233), Some(233), Some(233.0), false));
        assert_eq!(n("'é'"), (Some(233), Some(233), Some(233.0), false));
        assert_eq!(n("'\\''"), (Some(39), Some(39), Some(39.0), false));
        assert_eq!(n("1i"), (None, None, None, true));
        assert_eq!(n("0i"), (Some(0), Some(0), Some(0.0), true));
        let c = new_number(0, Name::owned("1.5+0i"), ItemType::Complex)
            .map(|n| (n.int, n.float, n.is_complex));
        assert_eq!(c, Ok((None, Some(1.5), true)));
        let c =
            new_number(0, Name::owned("1+2i"), ItemType::Complex).map(|n| (n.float, n.is_complex));
        assert_eq!(c, Ok((None, true)));
        for bad in [
            "1__0", "_1", "0x", "1e", "0x1.8", ".", "+", "0b1.0", "1e400", "'\\\"'",
        ] {
            assert!(number(bad).is_err(), "{bad}");
        }
        assert_eq!(
            number("9223372036854775808").map(|n| (n.int, n.uint)),
            Ok((None, Some(9_223_372_036_854_775_808)))
        );
        assert_eq!(
            number("-9223372036854775808").map(|n| n.int),
            Ok(Some(i64::MIN))
        );
        assert_eq!(number("9.223372036854775807e18").map(|n| n.int), Ok(None));
    }

    #[test]
    fn unquote_like_go() {
        assert_eq!(
            unquote("\"a\\tb\\u00e9\\x41\\101\\\\\"").as_deref(),
            Some("a\tbéAA\\")
        );
        assert_eq!(unquote("`a\r\nb`").as_deref(), Some("a\nb"));
        assert_eq!(unquote("\"\\xc3\\xa9\"").as_deref(), Some("é"));
        assert_eq!(unquote("\"\\xff\"").as_deref(), Some("\u{fffd}"));
        assert_eq!(unquote("\"\\U0001F600\"").as_deref(), Some("\u{1F600}"));
        for bad in [
            "\"\\'\"",
            "\"\\400\"",
            "\"\\ud800\"",
            "\"\\x4\"",
            "\"a",
            "x",
        ] {
            assert_eq!(unquote(bad), None, "{bad}");
        }
    }

    #[test]
    fn depth_is_bounded() {
        let deep_parens = format!(
            "{{{{ {}1{} }}}}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(
            parse_err(&deep_parens).message,
            "max expression depth exceeded"
        );
        let ok_parens = format!(
            "{{{{ {}1{} }}}}",
            "(".repeat(MAX_DEPTH - 1),
            ")".repeat(MAX_DEPTH - 1)
        );
        assert!(parse("t", &ok_parens, &host_funcs).is_ok());
        let deep_ifs = format!(
            "{}{}",
            "{{if .}}".repeat(MAX_DEPTH + 1),
            "{{end}}".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(parse_err(&deep_ifs).message, "max depth exceeded");
        let chain = format!(
            "{{{{if .}}}}{}{{{{end}}}}",
            "{{else if .}}".repeat(MAX_DEPTH + 5)
        );
        assert_eq!(parse_err(&chain).message, "max depth exceeded");
        let ok_ifs = format!(
            "{}{}",
            "{{if .}}".repeat(MAX_DEPTH),
            "{{end}}".repeat(MAX_DEPTH)
        );
        let t = parse_ok(&ok_ifs);
        assert_eq!(t["t"].root.to_string(), ok_ifs);
    }
}

//! The parser of Go's template language, a behavioural port of `text/template/parse`
//! (`parse.go` and the constructors of `node.go`, Go 1.26): the same grammar, the same
//! three-token lookahead (which decides the line numbers Go reports), the same error
//! messages, variable scoping and `define`/`block` bookkeeping.
//!
//! Also holds the ports of the `strconv` pieces the parser needs (`Unquote`, `UnquoteChar`,
//! `ParseInt`/`ParseUint` with base 0, `ParseFloat`), because literal handling decides which
//! templates are parse errors.

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{
    ActionNode, Arg, BoolNode, BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode,
    KeywordNode, ListNode, Node, NumberNode, PipeNode, Pos, StringNode, TemplateNode, TextNode,
    Tree, VariableNode,
};
use crate::builtins::BUILTIN_NAMES;
use crate::error::{Error, ParseError};
use crate::lex::{Item, ItemType, Lexer};

/// Maximum nesting of parenthesized pipelines and control structures. Go allows 10000
/// parentheses (and unbounded control nesting); we bound both so that parsing, printing and
/// executing a tree never exhaust the stack.
pub const MAX_DEPTH: usize = 300;

/// Parses `text` (named `name`) into its top-level tree and one tree per `define`/`block`,
/// keyed by template name, exactly as Go's `parse.Parse`. `is_func` tells whether a function
/// name is defined (Go reports `function "x" not defined` at parse time); Go's builtins
/// ([`BUILTIN_NAMES`]) are always defined.
pub fn parse(
    name: &str,
    text: &str,
    is_func: &dyn Fn(&str) -> bool,
) -> Result<HashMap<String, Tree>, Error> {
    parse_with_delims(name, text, "", "", is_func)
}

/// [`parse`] with custom action delimiters (empty strings mean `{{` and `}}`).
pub fn parse_with_delims(
    name: &str,
    text: &str,
    left_delim: &str,
    right_delim: &str,
    is_func: &dyn Fn(&str) -> bool,
) -> Result<HashMap<String, Tree>, Error> {
    let shared: Arc<str> = Arc::from(text);
    let mut p = Parser {
        lex: Lexer::new(text, left_delim, right_delim),
        is_func,
        parse_name: Arc::from(name),
        text: shared,
        tree_set: HashMap::new(),
        depth: 0,
        st: TreeState::new(),
    };
    p.lex.break_ok = !p.has_function("break");
    p.lex.continue_ok = !p.has_function("continue");
    match p.parse_top(name) {
        Ok(()) => Ok(p.tree_set),
        Err(e) => Err(Error::Parse(e)),
    }
}

/// Per-tree parsing state (Go keeps it in each `Tree`; a `define` or `block` body is parsed
/// by a fresh tree sharing the lexer).
struct TreeState<'a> {
    token: [Item<'a>; 3],
    peek_count: usize,
    vars: Vec<&'a str>,
    range_depth: usize,
    action_line: usize,
}

impl<'a> TreeState<'a> {
    fn new() -> TreeState<'a> {
        let zero = Item {
            typ: ItemType::Error,
            pos: 0,
            val: "",
            line: 0,
            err: usize::MAX,
        };
        TreeState {
            token: [zero; 3],
            peek_count: 0,
            vars: vec!["$"],
            range_depth: 0,
            action_line: 0,
        }
    }
}

/// What `textOrAction` produced: a node, or an `{{end}}` / `{{else}}` that ends a list.
enum Parsed {
    Node(Node),
    End,
    Else(Pos),
}

type PResult<T> = Result<T, ParseError>;

struct Parser<'a> {
    lex: Lexer<'a>,
    is_func: &'a dyn Fn(&str) -> bool,
    parse_name: Arc<str>,
    text: Arc<str>,
    tree_set: HashMap<String, Tree>,
    depth: usize,
    st: TreeState<'a>,
}

impl<'a> Parser<'a> {
    // --- token stream -----------------------------------------------------------------

    fn next(&mut self) -> Item<'a> {
        if self.st.peek_count > 0 {
            self.st.peek_count -= 1;
        } else {
            self.st.token[0] = self.lex.next_item();
        }
        self.tok(self.st.peek_count)
    }

    fn tok(&self, i: usize) -> Item<'a> {
        self.st.token[i.min(2)]
    }

    fn backup(&mut self) {
        self.st.peek_count = (self.st.peek_count + 1).min(3);
    }

    fn backup2(&mut self, t1: Item<'a>) {
        self.st.token[1] = t1;
        self.st.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item<'a>, t1: Item<'a>) {
        self.st.token[1] = t1;
        self.st.token[2] = t2;
        self.st.peek_count = 3;
    }

    fn peek(&mut self) -> Item<'a> {
        if self.st.peek_count > 0 {
            return self.tok(self.st.peek_count - 1);
        }
        self.st.peek_count = 1;
        self.st.token[0] = self.lex.next_item();
        self.st.token[0]
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let t = self.next_non_space();
        self.backup();
        t
    }

    // --- errors -----------------------------------------------------------------------

    /// An error at the line of the most recently lexed token (Go's `t.token[0].line`).
    fn errorf(&self, message: String) -> ParseError {
        self.error_at(self.st.token[0].line, message)
    }

    fn error_at(&self, line: usize, message: String) -> ParseError {
        ParseError {
            name: self.parse_name.to_string(),
            line,
            message,
        }
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item<'a>> {
        let t = self.next_non_space();
        if t.typ != expected {
            return Err(self.unexpected(t, context));
        }
        Ok(t)
    }

    fn unexpected(&self, token: Item<'a>, context: &str) -> ParseError {
        if token.typ == ItemType::Error {
            let msg = self.lex.error_message(&token);
            let mut extra = String::new();
            if self.st.action_line != 0 && self.st.action_line != token.line {
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
    fn item_string(&self, t: &Item<'a>) -> String {
        match t.typ {
            ItemType::Eof => "EOF".to_string(),
            ItemType::Error => self.lex.error_message(t).to_string(),
            typ if typ > ItemType::Keyword => format!("<{}>", t.val),
            _ if t.val.len() > 10 => {
                let cut: String = t.val.chars().take(10).collect();
                format!("{}...", crate::fmt::quote(&cut))
            }
            _ => crate::fmt::quote(t.val),
        }
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
    fn add(&mut self, name: &str, root: ListNode, line: usize) -> PResult<()> {
        let tree = self.tree(name.to_string(), root);
        match self.tree_set.get(name) {
            Some(old) if !old.is_empty() => {
                if !tree.is_empty() {
                    return Err(self.error_at(
                        line,
                        format!(
                            "template: multiple definition of template {}",
                            crate::fmt::quote(name)
                        ),
                    ));
                }
            }
            _ => {
                self.tree_set.insert(name.to_string(), tree);
            }
        }
        Ok(())
    }

    // --- grammar ----------------------------------------------------------------------

    /// The top level: like `itemList`, but also handles `{{define}}` and runs to EOF.
    fn parse_top(&mut self, name: &str) -> PResult<()> {
        let mut root = ListNode {
            pos: self.peek().pos,
            nodes: Vec::new(),
        };
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    let outer = std::mem::replace(&mut self.st, TreeState::new());
                    self.parse_definition()?;
                    self.st = outer;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::End => return Err(self.errorf("unexpected {{end}}".into())),
                Parsed::Else(_) => return Err(self.errorf("unexpected {{else}}".into())),
                Parsed::Node(n) => root.nodes.push(n),
            }
        }
        let line = self.st.token[0].line;
        self.add(name, root, line)
    }

    /// `{{define "name"}} itemList {{end}}`; the `define` keyword has been read.
    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let t = self.next_non_space();
        if t.typ != ItemType::String && t.typ != ItemType::RawString {
            return Err(self.unexpected(t, CONTEXT));
        }
        let name = match unquote(t.val) {
            Some(s) => s,
            None => return Err(self.errorf("invalid syntax".into())),
        };
        self.expect(ItemType::RightDelim, CONTEXT)?;
        let (root, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {CONTEXT}")));
        }
        let line = self.st.token[0].line;
        self.add(&name, root, line)
    }

    /// `textOrAction*`, up to an `{{end}}` or `{{else}}` (returned separately).
    fn item_list(&mut self) -> PResult<(ListNode, Parsed)> {
        let mut list = ListNode {
            pos: self.peek_non_space().pos,
            nodes: Vec::new(),
        };
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.nodes.push(n),
                end => return Ok((list, end)),
            }
        }
        Err(self.errorf("unexpected EOF".into()))
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text(TextNode {
                pos: token.pos,
                text: Arc::from(token.val),
            }))),
            ItemType::LeftDelim => {
                self.st.action_line = token.line;
                let r = self.action();
                self.st.action_line = 0;
                r
            }
            ItemType::Comment => Ok(Parsed::Node(Node::Comment(crate::ast::CommentNode {
                pos: token.pos,
                text: token.val.to_string(),
            }))),
            _ => Err(self.unexpected(token, "input")),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break | ItemType::Continue => {
                return self.break_continue(token).map(Parsed::Node)
            }
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.branch("if").map(Node::If).map(Parsed::Node),
            ItemType::Range => return self.branch("range").map(Node::Range).map(Parsed::Node),
            ItemType::With => return self.branch("with").map(Node::With).map(Parsed::Node),
            ItemType::Template => return self.template_control().map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        // Variables declared here persist until the enclosing "end".
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action(ActionNode {
            pos: token.pos,
            line: token.line,
            pipe,
        })))
    }

    fn break_continue(&mut self, kw: Item<'a>) -> PResult<Node> {
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
            pos: kw.pos,
            line: kw.line,
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
            return Ok(Parsed::Else(peek.pos));
        }
        let t = self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else(t.pos))
    }

    /// `pipeline` + list + optional else list, for `if`, `range` and `with`.
    fn branch(&mut self, context: &'static str) -> PResult<BranchNode> {
        self.enter("max depth exceeded")?;
        let r = self.branch_inner(context);
        self.leave();
        r
    }

    fn branch_inner(&mut self, context: &'static str) -> PResult<BranchNode> {
        let nvars = self.st.vars.len();
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
                        nodes: vec![Node::If(inner)],
                    })
                } else if context == "with" && self.peek().typ == ItemType::With {
                    self.next();
                    let inner = self.branch("with")?;
                    Some(ListNode {
                        pos,
                        nodes: vec![Node::With(inner)],
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
        self.st.vars.truncate(nvars);
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
        let outer = std::mem::replace(&mut self.st, TreeState::new());
        let body = self.item_list();
        let inner = std::mem::replace(&mut self.st, outer);
        self.leave();
        let (root, end) = body?;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {CONTEXT}")));
        }
        self.add(&name, root, inner.token[0].line)?;
        Ok(Node::Template(TemplateNode {
            pos: token.pos,
            line: token.line,
            name,
            pipe: Some(pipe),
        }))
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
        Ok(Node::Template(TemplateNode {
            pos: token.pos,
            line: token.line,
            name,
            pipe,
        }))
    }

    fn parse_template_name(&mut self, token: Item<'a>, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => match unquote(token.val) {
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
            pos: token.pos,
            line: token.line,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            self.next();
            // "$x foo" vs "$x := foo": remember the token after the variable to push it back.
            let after = self.peek();
            let next = self.peek_non_space();
            if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                pipe.is_assign = next.typ == ItemType::Assign;
                self.next_non_space();
                pipe.decl.push(new_variable(v.pos, v.val));
                self.st.vars.push(v.val);
            } else if next.typ == ItemType::Char && next.val == "," {
                self.next_non_space();
                pipe.decl.push(new_variable(v.pos, v.val));
                self.st.vars.push(v.val);
                if context == "range" && pipe.decl.len() < 2 {
                    match self.peek_non_space().typ {
                        ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                            continue;
                        }
                        _ => {
                            return Err(self.errorf("range can only initialize variables".into()))
                        }
                    }
                }
                return Err(self.errorf(format!("too many declarations in {context}")));
            } else if after.typ == ItemType::Space {
                self.backup3(v, after);
            } else {
                self.backup2(v);
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            if token.typ == end {
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
                    pipe.cmds.push(cmd);
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
            pos: self.peek_non_space().pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
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
        if cmd.args.is_empty() {
            return Err(self.errorf("empty command".into()));
        }
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
        // Go positions the merged node at the first chained field.
        let pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().typ == ItemType::Field {
            let f = self.next();
            fields.push(f.val.get(1..).unwrap_or("").to_string());
        }
        Ok(Some(match node {
            Arg::Field(mut f) => {
                f.ident.extend(fields);
                Arg::Field(FieldNode {
                    pos,
                    ident: f.ident,
                })
            }
            Arg::Variable(mut v) => {
                v.ident.extend(fields);
                Arg::Variable(VariableNode {
                    pos,
                    ident: v.ident,
                })
            }
            Arg::Bool(_) | Arg::String(_) | Arg::Number(_) | Arg::Nil(_) | Arg::Dot(_) => {
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    crate::fmt::quote(&node.to_string())
                )));
            }
            other => Arg::Chain(ChainNode {
                pos,
                node: Box::new(other),
                field: fields,
            }),
        }))
    }

    /// A literal, function name, `.`, `.Field`, `$var` or `(pipeline)`; `None` if the next
    /// token is none of these.
    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        let arg = match token.typ {
            ItemType::Identifier => {
                if !self.has_function(token.val) {
                    return Err(self.errorf(format!(
                        "function {} not defined",
                        crate::fmt::quote(token.val)
                    )));
                }
                Arg::Identifier(IdentifierNode {
                    pos: token.pos,
                    ident: token.val.to_string(),
                })
            }
            ItemType::Dot => Arg::Dot(token.pos),
            ItemType::Nil => Arg::Nil(token.pos),
            ItemType::Variable => {
                if !self.st.vars.contains(&token.val) {
                    return Err(self.errorf(format!(
                        "undefined variable {}",
                        crate::fmt::quote(token.val)
                    )));
                }
                Arg::Variable(new_variable(token.pos, token.val))
            }
            ItemType::Field => Arg::Field(FieldNode {
                pos: token.pos,
                ident: token
                    .val
                    .get(1..)
                    .unwrap_or("")
                    .split('.')
                    .map(str::to_string)
                    .collect(),
            }),
            ItemType::Bool => Arg::Bool(BoolNode {
                pos: token.pos,
                value: token.val == "true",
            }),
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                match new_number(token.pos, token.val, token.typ) {
                    Ok(n) => Arg::Number(n),
                    Err(msg) => return Err(self.errorf(msg)),
                }
            }
            ItemType::LeftParen => {
                self.enter("max expression depth exceeded")?;
                let p = self.pipeline("parenthesized pipeline", ItemType::RightParen);
                self.leave();
                Arg::Pipe(p?)
            }
            ItemType::String | ItemType::RawString => match unquote(token.val) {
                Some(s) => Arg::String(StringNode {
                    pos: token.pos,
                    quoted: token.val.to_string(),
                    text: Arc::from(s),
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

fn new_variable(pos: Pos, ident: &str) -> VariableNode {
    VariableNode {
        pos,
        ident: ident.split('.').map(str::to_string).collect(),
    }
}

// --- numbers (Go's newNumber) ---------------------------------------------------------------

/// Go's `newNumber`: every interpretation of a number literal (or the error message).
pub fn new_number(pos: Pos, text: &str, typ: ItemType) -> Result<NumberNode, String> {
    let mut n = NumberNode {
        pos,
        text: text.to_string(),
        int: None,
        uint: None,
        float: None,
        is_complex: false,
    };
    match typ {
        ItemType::CharConstant => {
            let mut chars = text.chars();
            let quote = chars.next().unwrap_or('\'');
            let (r, tail) = unquote_char(chars.as_str(), quote)
                .ok_or_else(|| "invalid syntax".to_string())?;
            if tail != "'" {
                return Err(format!("malformed character constant: {text}"));
            }
            n.int = Some(i64::from(r));
            n.uint = Some(u64::from(r));
            n.float = Some(f64::from(r));
            return Ok(n);
        }
        ItemType::Complex => {
            let (re, im) =
                parse_complex(text).ok_or_else(|| "expected integer".to_string())?;
            n.is_complex = true;
            simplify_complex(&mut n, re, im);
            return Ok(n);
        }
        _ => {}
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
    if (-9.223_372_036_854_775_808e18..9.223_372_036_854_775_808e18).contains(&f) {
        let i = f as i64;
        if i as f64 == f {
            return Some(i);
        }
    }
    None
}

fn float_to_uint(f: f64) -> Option<u64> {
    if (0.0..1.844_674_407_370_955_2e19).contains(&f) || f == 0.0 {
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
    let digit = |c: u8| c == b'_' || if hex { c.is_ascii_hexdigit() } else { c.is_ascii_digit() };
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
    let mut saw_exp = false;
    if b.get(i).map(|c| c | 0x20) == Some(exp_char) {
        saw_exp = true;
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
        hex_float(&b[mant_start..mant_end], exp)
    } else {
        let clean: String = s.chars().filter(|&c| c != '_').collect();
        let _ = saw_exp;
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
            Some(inner.replace('\r', ""))
        }
        b'"' | b'\'' => {
            if inner.contains('\n') {
                return None;
            }
            let q = char::from(quote);
            if !inner.contains('\\') && !inner.contains(q) {
                if quote == b'"' {
                    return Some(inner.to_string());
                }
                let mut cs = inner.chars();
                return match (cs.next(), cs.next()) {
                    (Some(c), None) => Some(c.to_string()),
                    _ => None,
                };
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
            Some(match String::from_utf8(out) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            })
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

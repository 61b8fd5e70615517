//! The lexer of Go's template language, a line-for-line behavioural port of
//! `text/template/parse/lex.go` (Go 1.26): the same items, the same error messages and the
//! same line accounting (each item carries the line where it starts; an error item the line
//! where the failing item started).
//!
//! Go runs a state machine that stops after each emitted item; this lexer does the same
//! without goroutines: [`Lexer::next_item`] runs states until one emits. Outside actions that
//! is a small loop (comments emit nothing); inside an action every state emits, so the states
//! call each other directly and return the item. An [`Item`] is 16 bytes: kind, offset,
//! length and line, its text being that span of the input ([`Item::val`]); error messages are
//! kept in the lexer and referenced by index from the error item.
//!
//! Go steps through the input one rune at a time (`next`, `backup`, `peek`). Every byte that
//! decides anything in the action syntax is ASCII, and a UTF-8 continuation or lead byte never
//! equals one, so the hot paths (text up to the left delimiter, spaces, words, fields,
//! numbers, quoted strings, delimiters and trim markers) scan bytes directly with the same
//! result, counting newlines as they go; only a non-ASCII character where Go would test
//! `isAlphaNumeric` is decoded. The remaining rare cases keep Go's rune-by-rune code.

use std::fmt::Write as _;

mod unicode;

/// The kinds of lexical items, in Go's order (keywords after [`ItemType::Keyword`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemType {
    /// An error; the message is available through [`Lexer::error_message`].
    Error,
    /// `true` / `false`
    Bool,
    /// A printable ASCII character that means nothing else (`,`, `}`, ...).
    Char,
    /// `'a'`
    CharConstant,
    /// `/* ... */` (only emitted when comments are requested).
    Comment,
    /// `1+2i`
    Complex,
    /// `=`
    Assign,
    /// `:=`
    Declare,
    /// End of input.
    Eof,
    /// `.Name`
    Field,
    /// A name not starting with `.`: a function name.
    Identifier,
    /// The left delimiter.
    LeftDelim,
    /// `(`
    LeftParen,
    /// A number, including imaginary ones.
    Number,
    /// `|`
    Pipe,
    /// `` `raw` `` (with the quotes).
    RawString,
    /// The right delimiter.
    RightDelim,
    /// `)`
    RightParen,
    /// A run of spaces (space, tab, CR, LF).
    Space,
    /// `"quoted"` (with the quotes).
    String,
    /// Plain text outside actions.
    Text,
    /// `$` or `$name`.
    Variable,
    /// Marks the start of the keywords; never emitted.
    Keyword,
    /// `block`
    Block,
    /// `break`
    Break,
    /// `continue`
    Continue,
    /// `.`
    Dot,
    /// `define`
    Define,
    /// `else`
    Else,
    /// `end`
    End,
    /// `if`
    If,
    /// `nil`
    Nil,
    /// `range`
    Range,
    /// `template`
    Template,
    /// `with`
    With,
}

/// One token: its kind, byte span and starting line. Sixteen bytes, so that the parser's
/// lookahead moves items in registers; the text is a span of the input ([`Item::val`]),
/// which is at most 4 GiB (the parser rejects larger texts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    /// The kind.
    pub typ: ItemType,
    start: u32,
    /// The text's length; for an error item, the index of its message in the lexer.
    len: u32,
    line: u32,
}

impl Item {
    /// Byte offset of the item in the input.
    #[inline]
    pub fn pos(&self) -> usize {
        self.start as usize
    }

    /// 1-based line where the item starts.
    #[inline]
    pub fn line(&self) -> usize {
        self.line as usize
    }

    /// The item's text in `input` (the lexer's input); empty for errors (see
    /// [`Lexer::error_message`]).
    #[inline]
    pub fn val<'s>(&self, input: &'s str) -> &'s str {
        if self.typ == ItemType::Error {
            return "";
        }
        let start = self.start as usize;
        input.get(start..start + self.len as usize).unwrap_or("")
    }

    /// Byte offset just after the item.
    #[inline]
    pub fn end(&self) -> usize {
        self.start as usize + self.len as usize
    }

    /// An item of kind `typ` spanning nothing, for initialising buffers.
    pub fn empty(typ: ItemType) -> Item {
        Item {
            typ,
            start: 0,
            len: 0,
            line: 0,
        }
    }
}

/// Default action delimiters.
pub const DEFAULT_LEFT_DELIM: &str = "{{";
/// Default action delimiters.
pub const DEFAULT_RIGHT_DELIM: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";
/// Texts up to this long are scanned byte by byte (see `lex_text`).
const SHORT_TEXT: usize = 4;
/// A trim marker is `-` plus one space character.
const TRIM_MARKER_LEN: usize = 2;

/// Sentinel rune for end of input (Go's `eof = -1`).
const EOF: Option<char> = None;

/// The states outside actions, which may run several times before an item is emitted
/// (consecutive comments); inside an action every state emits, so those call each other
/// directly.
#[derive(Clone, Copy, Debug)]
enum State {
    Text,
    LeftDelim,
    Comment,
}

/// What a state outside actions produced: an item, or the next state to run.
enum Step {
    Emit(Item),
    Next(State),
}

/// Which digits a number literal accepts after its prefix.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Digits {
    Dec,
    Hex,
    Oct,
    Bin,
}

impl Digits {
    fn accepts(self, c: char) -> bool {
        c == '_'
            || match self {
                Digits::Dec => c.is_ascii_digit(),
                Digits::Hex => c.is_ascii_hexdigit(),
                Digits::Oct => ('0'..='7').contains(&c),
                Digits::Bin => c == '0' || c == '1',
            }
    }
}

/// The scanner. Create with [`Lexer::new`], pull items with [`Lexer::next_item`].
pub struct Lexer<'a> {
    input: &'a str,
    left_delim: &'a str,
    right_delim: &'a str,
    /// The right delimiter's first byte, and whether it is a space byte (then every space
    /// may start a delimiter).
    right_delim_first: u8,
    right_delim_spaced: bool,
    pos: usize,
    start: usize,
    at_eof: bool,
    paren_depth: i64,
    line: usize,
    start_line: usize,
    inside_action: bool,
    /// Emit comment items (Go's `ParseComments` mode).
    pub emit_comment: bool,
    /// `break` is a keyword (false when a function named `break` exists).
    pub break_ok: bool,
    /// `continue` is a keyword (false when a function named `continue` exists).
    pub continue_ok: bool,
    errors: Vec<String>,
}

impl<'a> Lexer<'a> {
    /// A lexer over `input`; empty delimiters mean the defaults `{{` / `}}`.
    pub fn new(input: &'a str, left: &'a str, right: &'a str) -> Lexer<'a> {
        let right = if right.is_empty() {
            DEFAULT_RIGHT_DELIM
        } else {
            right
        };
        let right_delim_first = right.as_bytes().first().copied().unwrap_or(b'}');
        Lexer {
            right_delim_first,
            right_delim_spaced: is_space_byte(right_delim_first),
            input,
            left_delim: if left.is_empty() {
                DEFAULT_LEFT_DELIM
            } else {
                left
            },
            right_delim: right,
            pos: 0,
            start: 0,
            at_eof: false,
            paren_depth: 0,
            line: 1,
            start_line: 1,
            inside_action: false,
            emit_comment: false,
            break_ok: true,
            continue_ok: true,
            errors: Vec::new(),
        }
    }

    /// The message of an error item.
    pub fn error_message(&self, item: &Item) -> &str {
        if item.typ != ItemType::Error {
            return "";
        }
        self.errors
            .get(item.len as usize)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Returns the next item. After an error the input is dropped, as in Go.
    pub fn next_item(&mut self) -> Item {
        if self.inside_action {
            return self.lex_inside_action();
        }
        let mut state = State::Text;
        loop {
            let step = match state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::Comment => self.lex_comment(),
            };
            match step {
                Step::Next(s) => state = s,
                Step::Emit(item) => return item,
            }
        }
    }

    // --- primitives ---------------------------------------------------------------------

    fn rest(&self, at: usize) -> &'a str {
        self.input.get(at..).unwrap_or("")
    }

    fn next(&mut self) -> Option<char> {
        // ASCII fast path; the input is a &str so `pos` is always on a char boundary.
        if let Some(&b) = self.input.as_bytes().get(self.pos) {
            if b.is_ascii() {
                self.pos += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                return Some(char::from(b));
            }
        }
        match self.rest(self.pos).chars().next() {
            None => {
                self.at_eof = true;
                EOF
            }
            Some(c) => {
                self.pos += c.len_utf8();
                if c == '\n' {
                    self.line += 1;
                }
                Some(c)
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        let r = self.next();
        self.backup();
        r
    }

    fn backup(&mut self) {
        if !self.at_eof && self.pos > 0 {
            if let Some(&b) = self.input.as_bytes().get(self.pos - 1) {
                if b.is_ascii() {
                    self.pos -= 1;
                    if b == b'\n' {
                        self.line -= 1;
                    }
                    return;
                }
            }
            if let Some(c) = self
                .input
                .get(..self.pos)
                .and_then(|s| s.chars().next_back())
            {
                self.pos -= c.len_utf8();
                if c == '\n' {
                    self.line -= 1;
                }
            }
        }
    }

    fn this_item(&mut self, typ: ItemType) -> Item {
        // Offsets and lines fit in u32: inputs are at most 4 GiB (see `Item`).
        let item = Item {
            typ,
            start: self.start as u32,
            len: self.pos.saturating_sub(self.start) as u32,
            line: self.start_line as u32,
        };
        self.start = self.pos;
        self.start_line = self.line;
        item
    }

    fn emit(&mut self, typ: ItemType) -> Item {
        self.this_item(typ)
    }

    /// Skips the pending input, counting its newlines (only for text not read by `next`).
    fn ignore(&mut self) {
        self.line += count_newlines(
            self.input
                .as_bytes()
                .get(self.start..self.pos)
                .unwrap_or(&[]),
        );
        self.start = self.pos;
        self.start_line = self.line;
    }

    #[cold]
    #[inline(never)]
    fn errorf(&mut self, msg: String) -> Item {
        self.errors.push(msg);
        let item = Item {
            typ: ItemType::Error,
            start: self.start as u32,
            len: u32::try_from(self.errors.len() - 1).unwrap_or(u32::MAX),
            line: self.start_line as u32,
        };
        self.start = 0;
        self.pos = 0;
        self.input = "";
        item
    }

    // --- states ---------------------------------------------------------------------------

    fn lex_text(&mut self) -> Step {
        let bytes = self.input.as_bytes();
        let delim = self.left_delim.as_bytes();
        let first = delim.first().copied().unwrap_or(b'{');
        // The texts between actions are mostly short: scan the first bytes one by one,
        // counting newlines on the way, and only then switch to word-at-a-time search.
        let short_end = bytes.len().min(self.pos + SHORT_TEXT);
        let mut newlines = 0;
        let mut found = None;
        for (k, &b) in bytes
            .get(self.pos..short_end)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            if b == first && starts_with_bytes(bytes.get(self.pos + k..).unwrap_or(&[]), delim) {
                found = Some(self.pos + k);
                break;
            }
            newlines += usize::from(b == b'\n');
        }
        if found.is_none() && short_end < bytes.len() {
            let rest = bytes.get(short_end..).unwrap_or(&[]);
            let at = find_delim(rest, delim);
            newlines += count_newlines(rest.get(..at.unwrap_or(rest.len())).unwrap_or(&[]));
            found = at.map(|x| short_end + x);
        }
        // Normally the text starts at `pos`; count any pending input before it too.
        if self.start < self.pos {
            newlines += count_newlines(bytes.get(self.start..self.pos).unwrap_or(&[]));
        }
        let Some(at) = found else {
            self.pos = bytes.len();
            if self.pos > self.start {
                self.line += newlines;
                return Step::Emit(self.emit(ItemType::Text));
            }
            return Step::Emit(self.emit(ItemType::Eof));
        };
        if at > self.pos {
            let mut trim = 0;
            if has_left_trim_marker(bytes.get(at + delim.len()..).unwrap_or(&[])) {
                trim = right_trim_length(bytes.get(self.start..at).unwrap_or(&[]));
            }
            let text_end = at - trim;
            let trimmed_newlines = count_newlines(bytes.get(text_end..at).unwrap_or(&[]));
            self.line += newlines - trimmed_newlines;
            self.pos = text_end;
            let item = self.this_item(ItemType::Text);
            // Skip the trimmed spaces (Go's ignore).
            self.pos = at;
            self.line += trimmed_newlines;
            self.start = at;
            self.start_line = self.line;
            if item.len != 0 {
                return Step::Emit(item);
            }
        }
        Step::Next(State::LeftDelim)
    }

    #[inline]
    fn at_right_delim(&self) -> (bool, bool) {
        // Bytes, not str slices: no char-boundary checks on this per-token path.
        let rest = self.input.as_bytes().get(self.pos..).unwrap_or(&[]);
        let delim = self.right_delim.as_bytes();
        let Some(&b) = rest.first() else {
            return (false, false);
        };
        let space = is_space_byte(b);
        // Fast reject: a delimiter, or a space starting " -" + delimiter, must come first.
        if !space && delim.first() != Some(&b) {
            return (false, false);
        }
        if space
            && rest.get(1) == Some(&b'-')
            && rest
                .get(TRIM_MARKER_LEN..)
                .is_some_and(|r| starts_with_bytes(r, delim))
        {
            return (true, true);
        }
        (starts_with_bytes(rest, delim), false)
    }

    fn lex_left_delim(&mut self) -> Step {
        let bytes = self.input.as_bytes();
        self.pos += self.left_delim.len();
        let trim = has_left_trim_marker(bytes.get(self.pos..).unwrap_or(&[]));
        let after = if trim { TRIM_MARKER_LEN } else { 0 };
        if bytes
            .get(self.pos + after..)
            .is_some_and(|r| r.starts_with(LEFT_COMMENT.as_bytes()))
        {
            self.pos += after;
            self.ignore();
            return Step::Next(State::Comment);
        }
        let item = self.this_item(ItemType::LeftDelim);
        self.inside_action = true;
        // Skip the trim marker (Go's ignore); its space may be a newline.
        self.line += usize::from(trim && bytes.get(self.pos + 1) == Some(&b'\n'));
        self.pos += after;
        self.start = self.pos;
        self.start_line = self.line;
        self.paren_depth = 0;
        Step::Emit(item)
    }

    #[cold]
    #[inline(never)]
    fn lex_comment(&mut self) -> Step {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = self.rest(self.pos).find(RIGHT_COMMENT) else {
            return Step::Emit(self.errorf("unclosed comment".into()));
        };
        self.pos += x + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return Step::Emit(self.errorf("comment ends before closing delimiter".into()));
        }
        self.line += count_newlines(
            self.input
                .as_bytes()
                .get(self.start..self.pos)
                .unwrap_or(&[]),
        );
        let item = self.this_item(ItemType::Comment);
        if trim {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += self.right_delim.len();
        if trim {
            self.pos += left_trim_length(self.input.as_bytes().get(self.pos..).unwrap_or(&[]));
        }
        self.ignore();
        if self.emit_comment {
            return Step::Emit(item);
        }
        Step::Next(State::Text)
    }

    /// Emits the right delimiter at `pos` (after `" -"` when `trim`).
    fn lex_right_delim(&mut self, trim: bool) -> Item {
        if trim {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += self.right_delim.len();
        let item = self.this_item(ItemType::RightDelim);
        if trim {
            self.pos += left_trim_length(self.input.as_bytes().get(self.pos..).unwrap_or(&[]));
            self.ignore();
        }
        self.inside_action = false;
        item
    }

    fn lex_inside_action(&mut self) -> Item {
        let bytes = self.input.as_bytes();
        let Some(&b) = bytes.get(self.pos) else {
            self.at_eof = true;
            return self.errorf("unclosed action".into());
        };
        // Only a space (" -}}") or the delimiter's first byte can start a right delimiter;
        // test the cheap byte conditions before the full check.
        let space = is_space_byte(b);
        let maybe_delim = if space {
            bytes.get(self.pos + 1) == Some(&b'-') || self.right_delim_spaced
        } else {
            b == self.right_delim_first
        };
        if maybe_delim {
            let (delim, trim) = self.at_right_delim();
            if delim {
                if self.paren_depth == 0 {
                    return self.lex_right_delim(trim);
                }
                return self.errorf("unclosed left paren".into());
            }
        }
        // ASCII fast path: the common tokens start with a byte that says what they are, so
        // skip decoding the character only to put it back (`next` then `backup` leave the
        // position and line unchanged).
        if space {
            return self.lex_space();
        }
        match b {
            b'.' => {
                // ".field" unless a digit follows (then it starts a number).
                if bytes.get(self.pos + 1).is_some_and(|c| !c.is_ascii_digit()) {
                    self.pos += 1;
                    return self.lex_field_or_variable(ItemType::Field);
                }
                return self.lex_number();
            }
            b'"' => {
                self.pos += 1;
                return self.lex_quote();
            }
            b'$' => {
                self.pos += 1;
                return self.lex_variable();
            }
            b'+' | b'-' | b'0'..=b'9' => return self.lex_number(),
            _ if ASCII_WORD[usize::from(b)] => return self.lex_identifier(),
            b'|' => {
                self.pos += 1;
                return self.emit(ItemType::Pipe);
            }
            b'(' => {
                self.pos += 1;
                self.paren_depth += 1;
                return self.emit(ItemType::LeftParen);
            }
            b')' => {
                self.pos += 1;
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf("unexpected right paren".into());
                }
                return self.emit(ItemType::RightParen);
            }
            _ => {}
        }
        self.lex_other_in_action()
    }

    /// The rest of Go's `lexInsideAction`, rune by rune, for the characters the byte
    /// dispatch above does not take.
    #[inline(never)]
    fn lex_other_in_action(&mut self) -> Item {
        let Some(r) = self.next() else {
            return self.errorf("unclosed action".into());
        };
        match r {
            _ if is_space(r) => {
                // Put the space back in case it starts " -}}".
                self.backup();
                self.lex_space()
            }
            '=' => self.emit(ItemType::Assign),
            ':' => {
                if self.next() != Some('=') {
                    return self.errorf("expected :=".into());
                }
                self.emit(ItemType::Declare)
            }
            '|' => self.emit(ItemType::Pipe),
            '"' => self.lex_quote(),
            '`' => self.lex_raw_quote(),
            '$' => self.lex_variable(),
            '\'' => self.lex_char(),
            '.' => {
                // ".field" unless a digit follows (then it starts a number).
                if let Some(&b) = self.input.as_bytes().get(self.pos) {
                    if !b.is_ascii_digit() {
                        return self.lex_field_or_variable(ItemType::Field);
                    }
                }
                self.backup();
                self.lex_number()
            }
            '+' | '-' | '0'..='9' => {
                self.backup();
                self.lex_number()
            }
            _ if is_alphanumeric(r) => {
                self.backup();
                self.lex_identifier()
            }
            '(' => {
                self.paren_depth += 1;
                self.emit(ItemType::LeftParen)
            }
            ')' => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf("unexpected right paren".into());
                }
                self.emit(ItemType::RightParen)
            }
            ' '..='~' => self.emit(ItemType::Char),
            _ => self.errorf(format!(
                "unrecognized character in action: {}",
                format_sharp_u(r)
            )),
        }
    }

    /// A run of spaces; `pos` is at a space byte.
    fn lex_space(&mut self) -> Item {
        let bytes = self.input.as_bytes();
        let mut pos = self.pos;
        let mut line = self.line;
        while let Some(&b) = bytes.get(pos) {
            if !is_space_byte(b) {
                break;
            }
            line += usize::from(b == b'\n');
            pos += 1;
        }
        let num_spaces = pos - self.pos;
        self.pos = pos;
        self.line = line;
        if pos >= bytes.len() {
            // Go's peek hit the end here.
            self.at_eof = true;
        }
        // A trim-marked right delimiter starts with a space: leave that space to it.
        if bytes.get(pos) == Some(&b'-')
            && bytes
                .get(pos + 1..)
                .is_some_and(|r| starts_with_bytes(r, self.right_delim.as_bytes()))
        {
            // Go's backup over the last space (an ASCII byte).
            self.pos = pos.saturating_sub(1);
            if bytes.get(self.pos) == Some(&b'\n') {
                self.line -= 1;
            }
            if num_spaces == 1 {
                return self.lex_right_delim(true);
            }
        }
        self.emit(ItemType::Space)
    }

    fn lex_identifier(&mut self) -> Item {
        let r = self.scan_alphanumerics();
        let word = self.input.get(self.start..self.pos).unwrap_or("");
        if !self.at_terminator() {
            return self.bad_character(r);
        }
        let typ = match keyword(word) {
            Some(ItemType::Break) if !self.break_ok => ItemType::Identifier,
            Some(ItemType::Continue) if !self.continue_ok => ItemType::Identifier,
            Some(k) => k,
            None if matches!(word.as_bytes().first(), Some(b't' | b'f'))
                && (word == "true" || word == "false") =>
            {
                ItemType::Bool
            }
            None => ItemType::Identifier,
        };
        self.emit(typ)
    }

    /// Consumes a run of alphanumerics; returns the rune after it (not consumed), `None`
    /// at the end of input (Go's `next`/`backup` loop, without decoding ASCII).
    #[inline]
    fn scan_alphanumerics(&mut self) -> Option<char> {
        let bytes = self.input.as_bytes();
        let mut pos = self.pos;
        while bytes.get(pos).is_some_and(|&b| ASCII_WORD[usize::from(b)]) {
            pos += 1;
        }
        self.pos = pos;
        match bytes.get(pos) {
            Some(&b) if b.is_ascii() => Some(char::from(b)),
            _ => self.scan_alphanumerics_slow(),
        }
    }

    /// [`Self::scan_alphanumerics`] at the end of input or a non-ASCII character.
    #[cold]
    #[inline(never)]
    fn scan_alphanumerics_slow(&mut self) -> Option<char> {
        loop {
            // Skip the ASCII run in one pass, then look at what stopped it.
            let bytes = self.input.as_bytes();
            let mut pos = self.pos;
            while bytes.get(pos).is_some_and(|&b| ASCII_WORD[usize::from(b)]) {
                pos += 1;
            }
            self.pos = pos;
            match bytes.get(pos) {
                None => {
                    self.at_eof = true;
                    return EOF;
                }
                Some(&b) if b.is_ascii() => return Some(char::from(b)),
                Some(_) => match self.rest(self.pos).chars().next() {
                    Some(c) if is_alphanumeric(c) => self.pos += c.len_utf8(),
                    other => return other,
                },
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn bad_character(&mut self, r: Option<char>) -> Item {
        let shown = match r {
            Some(c) => format_sharp_u(c),
            None => "U+FFFFFFFFFFFFFFFF".to_string(),
        };
        self.errorf(format!("bad character {shown}"))
    }

    fn lex_variable(&mut self) -> Item {
        if self.at_terminator() {
            return self.emit(ItemType::Variable);
        }
        self.lex_field_or_variable(ItemType::Variable)
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> Item {
        if self.at_terminator() {
            return self.emit(if typ == ItemType::Variable {
                ItemType::Variable
            } else {
                ItemType::Dot
            });
        }
        let r = self.scan_alphanumerics();
        if !self.at_terminator() {
            return self.bad_character(r);
        }
        self.emit(typ)
    }

    /// Whether the next rune may follow an identifier (`.X.Y` splits into two items).
    #[inline]
    fn at_terminator(&mut self) -> bool {
        match self.input.as_bytes().get(self.pos) {
            None => {
                self.at_eof = true;
                true
            }
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'.' | b',' | b'|' | b':' | b')' | b'(') => true,
            Some(_) => self
                .input
                .as_bytes()
                .get(self.pos..)
                .is_some_and(|r| starts_with_bytes(r, self.right_delim.as_bytes())),
        }
    }

    #[cold]
    #[inline(never)]
    fn lex_char(&mut self) -> Item {
        loop {
            match self.next() {
                Some('\\') => {
                    if matches!(self.next(), Some(r) if r != '\n') {
                        continue;
                    }
                    return self.errorf("unterminated character constant".into());
                }
                None | Some('\n') => {
                    return self.errorf("unterminated character constant".into());
                }
                Some('\'') => break,
                Some(_) => {}
            }
        }
        self.emit(ItemType::CharConstant)
    }

    fn lex_number(&mut self) -> Item {
        if !self.scan_number() {
            return self.bad_number();
        }
        if let Some(b'+' | b'-') = self.input.as_bytes().get(self.pos) {
            // Complex: 1+2i. No spaces, must end in 'i'.
            let ends_in_i =
                |l: &Self| l.pos > 0 && l.input.as_bytes().get(l.pos - 1) == Some(&b'i');
            if !self.scan_number() || !ends_in_i(self) {
                return self.bad_number();
            }
            return self.emit(ItemType::Complex);
        }
        self.emit(ItemType::Number)
    }

    #[cold]
    #[inline(never)]
    fn bad_number(&mut self) -> Item {
        let text = self.input.get(self.start..self.pos).unwrap_or("");
        let msg = format!("bad number syntax: {}", crate::fmt::quote(text));
        self.errorf(msg)
    }

    /// Go's `scanNumber`. Every character it accepts is ASCII, so it steps over bytes
    /// (a number holds no newline); only the character after it may need decoding.
    fn scan_number(&mut self) -> bool {
        self.accept_byte(|b| b == b'+' || b == b'-');
        let mut digits = Digits::Dec;
        if self.accept_byte(|b| b == b'0') {
            // A leading 0 does not mean octal in floats.
            if self.accept_byte(|b| b | 0x20 == b'x') {
                digits = Digits::Hex;
            } else if self.accept_byte(|b| b | 0x20 == b'o') {
                digits = Digits::Oct;
            } else if self.accept_byte(|b| b | 0x20 == b'b') {
                digits = Digits::Bin;
            }
        }
        self.accept_digit_bytes(digits);
        if self.accept_byte(|b| b == b'.') {
            self.accept_digit_bytes(digits);
        }
        if digits == Digits::Dec && self.accept_byte(|b| b | 0x20 == b'e') {
            self.accept_byte(|b| b == b'+' || b == b'-');
            self.accept_digit_bytes(Digits::Dec);
        }
        if digits == Digits::Hex && self.accept_byte(|b| b | 0x20 == b'p') {
            self.accept_byte(|b| b == b'+' || b == b'-');
            self.accept_digit_bytes(Digits::Dec);
        }
        self.accept_byte(|b| b == b'i');
        let alnum_follows = match self.input.as_bytes().get(self.pos) {
            None => false,
            Some(&b) if b.is_ascii() => ASCII_WORD[usize::from(b)],
            Some(_) => matches!(self.peek(), Some(c) if is_alphanumeric(c)),
        };
        if alnum_follows {
            self.next();
            return false;
        }
        true
    }

    /// Go's `accept` for a set of ASCII characters.
    #[inline]
    fn accept_byte(&mut self, valid: impl Fn(u8) -> bool) -> bool {
        match self.input.as_bytes().get(self.pos) {
            Some(&b) if valid(b) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// Go's `acceptRun` for the digits of a base.
    fn accept_digit_bytes(&mut self, digits: Digits) {
        let bytes = self.input.as_bytes();
        while bytes
            .get(self.pos)
            .is_some_and(|&b| digits.accepts(char::from(b)))
        {
            self.pos += 1;
        }
    }

    /// The opening quote has been read. Only ASCII bytes end or escape the string, and a
    /// quoted string holds no newline, so bytes can be skipped without decoding or counting
    /// lines (an escaped multi-byte character's continuation bytes are plain bytes).
    fn lex_quote(&mut self) -> Item {
        let bytes = self.input.as_bytes();
        let mut pos = self.pos;
        loop {
            match bytes.get(pos) {
                Some(b'"') => break,
                Some(b'\\') => match bytes.get(pos + 1) {
                    Some(b'\n') | None => {
                        self.pos = (pos + 1).min(bytes.len());
                        return self.unterminated_quote();
                    }
                    Some(_) => pos += 2,
                },
                Some(b'\n') | None => {
                    self.pos = pos;
                    return self.unterminated_quote();
                }
                Some(_) => pos += 1,
            }
        }
        self.pos = pos + 1;
        self.emit(ItemType::String)
    }

    #[cold]
    #[inline(never)]
    fn unterminated_quote(&mut self) -> Item {
        self.errorf("unterminated quoted string".into())
    }

    #[cold]
    #[inline(never)]
    fn lex_raw_quote(&mut self) -> Item {
        let Some(x) = find_byte(self.input.as_bytes().get(self.pos..).unwrap_or(&[]), b'`') else {
            self.pos = self.input.len();
            self.at_eof = true;
            return self.errorf("unterminated raw quoted string".into());
        };
        self.line += count_newlines(
            self.input
                .as_bytes()
                .get(self.pos..self.pos + x)
                .unwrap_or(&[]),
        );
        self.pos += x + 1;
        self.emit(ItemType::RawString)
    }
}

fn keyword(word: &str) -> Option<ItemType> {
    // Most identifiers are function names: rule them out by length and first letter.
    let b = word.as_bytes();
    let possible = match b.len() {
        2 => b[0] == b'i',
        3 => b[0] == b'e' || b[0] == b'n',
        4 => b[0] == b'e' || b[0] == b'w',
        5 => b[0] == b'b' || b[0] == b'r',
        6 => b[0] == b'd',
        8 => b[0] == b'c' || b[0] == b't',
        _ => false,
    };
    if !possible {
        return None;
    }
    Some(match word {
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

/// `s.find(delim)`, faster for the short texts between actions: scan for the delimiter's
/// first byte, then compare the rest.
fn find_delim(b: &[u8], d: &[u8]) -> Option<usize> {
    let (&first, tail) = d.split_first()?;
    let mut from = 0;
    while let Some(off) = find_byte(b.get(from..)?, first) {
        let at = from + off;
        if b.get(at + 1..at + d.len()) == Some(tail) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

// Word-at-a-time byte search and count (text runs between actions are most of a
// template's bytes).
const LO_BYTES: u64 = 0x0101_0101_0101_0101;
const LOW7_BYTES: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// 0x80 in every byte of `x` that is zero, and nothing else (exact, unlike the usual
/// "has a zero byte" test, so it can be counted).
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7_BYTES).wrapping_add(LOW7_BYTES)) | x | LOW7_BYTES)
}

fn find_byte(s: &[u8], byte: u8) -> Option<usize> {
    let pat = LO_BYTES.wrapping_mul(u64::from(byte));
    let mut chunks = s.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        if let Ok(w) = <[u8; 8]>::try_from(c) {
            let z = zero_bytes(u64::from_le_bytes(w) ^ pat);
            if z != 0 {
                return Some(at + (z.trailing_zeros() / 8) as usize);
            }
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c == byte)
        .map(|i| at + i)
}

/// ASCII bytes that continue an identifier (`_`, letters, digits); false for every
/// non-ASCII byte, which the caller decodes.
static ASCII_WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b == b'_' || b.is_ascii_alphanumeric();
        i += 1;
    }
    t
};

/// `rest.starts_with(delim)` without a `memcmp` call for the usual two-byte delimiters.
fn starts_with_bytes(rest: &[u8], delim: &[u8]) -> bool {
    match (delim, rest) {
        ([a, b], [x, y, ..]) => a == x && b == y,
        ([_, _], _) => false,
        _ => rest.starts_with(delim),
    }
}

fn count_newlines(s: &[u8]) -> usize {
    let pat = LO_BYTES.wrapping_mul(u64::from(b'\n'));
    let mut chunks = s.chunks_exact(8);
    let mut n = 0;
    for c in &mut chunks {
        if let Ok(w) = <[u8; 8]>::try_from(c) {
            n += zero_bytes(u64::from_le_bytes(w) ^ pat).count_ones() as usize;
        }
    }
    n + chunks.remainder().iter().filter(|&&b| b == b'\n').count()
}

fn is_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Go's template `isSpace`: space, tab, CR, LF.
pub(crate) fn is_space(r: char) -> bool {
    matches!(r, ' ' | '\t' | '\r' | '\n')
}

/// Go's `isAlphaNumeric`: `_`, a letter (`unicode.IsLetter`) or a decimal digit
/// (`unicode.IsDigit`).
pub(crate) fn is_alphanumeric(r: char) -> bool {
    if r.is_ascii() {
        return r == '_' || r.is_ascii_alphanumeric();
    }
    match unicode::class(r) {
        Some(k) => k & (unicode::LETTER | unicode::DIGIT) != 0,
        None => r.is_alphabetic(),
    }
}

fn has_left_trim_marker(b: &[u8]) -> bool {
    b.len() >= 2 && b[0] == b'-' && is_space_byte(b[1])
}

// The trimmed characters are all ASCII, so counting bytes is counting characters.
fn right_trim_length(s: &[u8]) -> usize {
    s.iter().rev().take_while(|&&b| is_space_byte(b)).count()
}

fn left_trim_length(s: &[u8]) -> usize {
    s.iter().take_while(|&&b| is_space_byte(b)).count()
}

/// Go's `%#U`: `U+0041 'A'` (the character only when printable).
pub(crate) fn format_sharp_u(r: char) -> String {
    let mut s = format!("U+{:04X}", r as u32);
    if is_print(r) {
        let _ = write!(s, " '{r}'");
    }
    s
}

/// Go's `strconv.IsPrint` (the formatter's exact Unicode table).
pub(crate) fn is_print(r: char) -> bool {
    crate::fmt::is_print(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(input: &str) -> Vec<(ItemType, String, usize)> {
        let mut l = Lexer::new(input, "", "");
        let mut out = Vec::new();
        for _ in 0..1000 {
            let it = l.next_item();
            let val = if it.typ == ItemType::Error {
                l.error_message(&it).to_string()
            } else {
                it.val(input).to_string()
            };
            out.push((it.typ, val, it.line()));
            if matches!(it.typ, ItemType::Eof | ItemType::Error) {
                break;
            }
        }
        out
    }

    fn types(input: &str) -> Vec<ItemType> {
        items(input).into_iter().map(|i| i.0).collect()
    }

    fn last_error(input: &str) -> (String, usize) {
        let it = items(input);
        let last = it
            .last()
            .cloned()
            .unwrap_or((ItemType::Eof, String::new(), 0));
        assert_eq!(last.0, ItemType::Error, "{input:?} -> {it:?}");
        (last.1, last.2)
    }

    use ItemType as T;

    #[test]
    fn text_and_simple_action() {
        assert_eq!(
            items("hi {{.x}} there"),
            vec![
                (T::Text, "hi ".into(), 1),
                (T::LeftDelim, "{{".into(), 1),
                (T::Field, ".x".into(), 1),
                (T::RightDelim, "}}".into(), 1),
                (T::Text, " there".into(), 1),
                (T::Eof, "".into(), 1),
            ]
        );
    }

    #[test]
    fn keywords_and_operators() {
        assert_eq!(
            types("{{range $i, $v := .x | f (g) true nil . break continue}}"),
            vec![
                T::LeftDelim,
                T::Range,
                T::Space,
                T::Variable,
                T::Char,
                T::Space,
                T::Variable,
                T::Space,
                T::Declare,
                T::Space,
                T::Field,
                T::Space,
                T::Pipe,
                T::Space,
                T::Identifier,
                T::Space,
                T::LeftParen,
                T::Identifier,
                T::RightParen,
                T::Space,
                T::Bool,
                T::Space,
                T::Nil,
                T::Space,
                T::Dot,
                T::Space,
                T::Break,
                T::Space,
                T::Continue,
                T::RightDelim,
                T::Eof
            ]
        );
        assert_eq!(
            types("{{$x = 1}}"),
            vec![
                T::LeftDelim,
                T::Variable,
                T::Space,
                T::Assign,
                T::Space,
                T::Number,
                T::RightDelim,
                T::Eof
            ]
        );
    }

    #[test]
    fn break_as_identifier_when_function_exists() {
        let mut l = Lexer::new("{{break}}", "", "");
        l.break_ok = false;
        assert_eq!(l.next_item().typ, T::LeftDelim);
        assert_eq!(l.next_item().typ, T::Identifier);
    }

    #[test]
    fn fields_split_at_dots() {
        let it = items("{{.a.b $x.y $}}");
        let vals: Vec<_> = it.iter().map(|i| i.1.as_str()).collect();
        assert_eq!(
            vals,
            vec!["{{", ".a", ".b", " ", "$x", ".y", " ", "$", "}}", ""]
        );
    }

    #[test]
    fn trim_markers() {
        assert_eq!(
            items("a \n {{- 3 -}} \n b"),
            vec![
                (T::Text, "a".into(), 1),
                (T::LeftDelim, "{{".into(), 2),
                (T::Number, "3".into(), 2),
                (T::RightDelim, "}}".into(), 2),
                (T::Text, "b".into(), 3),
                (T::Eof, "".into(), 3),
            ]
        );
        // No space: "-3" is a number.
        assert_eq!(items("{{-3}}")[1], (T::Number, "-3".to_string(), 1));
        // Newline counts as the space of a trim marker.
        assert_eq!(
            types("x{{-\n.}}"),
            vec![T::Text, T::LeftDelim, T::Dot, T::RightDelim, T::Eof]
        );
        assert_eq!(items("x {{-\n.}}")[0].1, "x");
        // Several spaces before " -}}".
        assert_eq!(
            types("{{.x   -}}  y"),
            vec![
                T::LeftDelim,
                T::Field,
                T::Space,
                T::RightDelim,
                T::Text,
                T::Eof
            ]
        );
        assert_eq!(items("{{.x   -}}  y")[4].1, "y");
    }

    #[test]
    fn comments() {
        assert_eq!(
            items("a {{- /* c\n */ -}}\n b{{/**/}}"),
            vec![
                (T::Text, "a".into(), 1),
                (T::Text, "b".into(), 3),
                (T::Eof, "".into(), 3)
            ]
        );
        assert_eq!(last_error("x{{/* c"), ("unclosed comment".into(), 1));
        assert_eq!(
            last_error("\n{{/* c */ x}}"),
            ("comment ends before closing delimiter".into(), 2)
        );
    }

    #[test]
    fn newlines_inside_actions_and_lines() {
        let it = items("{{ .a\n .b\n}}\n{{`x\ny` 'c'}}");
        let lines: Vec<_> = it.iter().map(|i| (i.0, i.2)).collect();
        assert_eq!(
            lines,
            vec![
                (T::LeftDelim, 1),
                (T::Space, 1),
                (T::Field, 1),
                (T::Space, 1),
                (T::Field, 2),
                (T::Space, 2),
                (T::RightDelim, 3),
                (T::Text, 3),
                (T::LeftDelim, 4),
                (T::RawString, 4),
                (T::Space, 5),
                (T::CharConstant, 5),
                (T::RightDelim, 5),
                (T::Eof, 5)
            ]
        );
    }

    #[test]
    fn numbers() {
        for n in [
            "0x1F", "0o17", "0b101", "0755", "1_000", "1.5e-3", "0x1p-2", "1i", ".5", "-7", "+3",
            "1e6", "0X1.8P3",
        ] {
            let src = format!("{{{{{n}}}}}");
            assert_eq!(items(&src)[1], (T::Number, n.to_string(), 1), "{n}");
        }
        assert_eq!(items("{{1+2i}}")[1].0, T::Complex);
        assert_eq!(
            last_error("{{1x}}"),
            ("bad number syntax: \"1x\"".into(), 1)
        );
        assert_eq!(
            last_error("{{1+2}}"),
            ("bad number syntax: \"1+2\"".into(), 1)
        );
        assert_eq!(
            last_error("{{ 3k}}"),
            ("bad number syntax: \"3k\"".into(), 1)
        );
    }

    #[test]
    fn strings_and_chars() {
        assert_eq!(
            items(r#"{{"a\"b"}}"#)[1],
            (T::String, r#""a\"b""#.into(), 1)
        );
        assert_eq!(items("{{'\\''}}")[1], (T::CharConstant, "'\\''".into(), 1));
        assert_eq!(
            last_error("{{\"abc}}"),
            ("unterminated quoted string".into(), 1)
        );
        assert_eq!(
            last_error("{{\"a\nb\"}}"),
            ("unterminated quoted string".into(), 1)
        );
        assert_eq!(
            last_error("\n{{`abc}}"),
            ("unterminated raw quoted string".into(), 2)
        );
        assert_eq!(
            last_error("{{'a}}"),
            ("unterminated character constant".into(), 1)
        );
    }

    #[test]
    fn action_errors() {
        assert_eq!(last_error("{{.x"), ("unclosed action".into(), 1));
        assert_eq!(last_error("{{(.x}}"), ("unclosed left paren".into(), 1));
        assert_eq!(last_error("{{.x)}}"), ("unexpected right paren".into(), 1));
        assert_eq!(last_error("{{$x :+ 1}}"), ("expected :=".into(), 1));
        assert_eq!(
            last_error("{{.x-}}"),
            ("bad character U+002D '-'".into(), 1)
        );
        assert_eq!(
            last_error("{{ab#}}"),
            ("bad character U+0023 '#'".into(), 1)
        );
        assert_eq!(
            last_error("{{\u{1}}}"),
            ("unrecognized character in action: U+0001".into(), 1)
        );
        assert_eq!(
            last_error("{{ € }}"),
            ("unrecognized character in action: U+20AC '€'".into(), 1)
        );
        // After an error, the input is gone.
        let mut l = Lexer::new("{{.x-}} tail", "", "");
        while l.next_item().typ != T::Error {}
        assert_eq!(l.next_item().typ, T::Error);
    }

    #[test]
    fn chars_are_items() {
        assert_eq!(items("{{ , }}")[2], (T::Char, ",".into(), 1));
        assert_eq!(items("{{ } }}")[2], (T::Char, "}".into(), 1));
    }

    #[test]
    fn custom_delimiters() {
        let input = "a<<.x ->>  b<<- 1>>";
        let mut l = Lexer::new(input, "<<", ">>");
        let mut got = Vec::new();
        loop {
            let it = l.next_item();
            got.push((it.typ, it.val(input)));
            if it.typ == T::Eof || it.typ == T::Error {
                break;
            }
        }
        assert_eq!(
            got,
            vec![
                (T::Text, "a"),
                (T::LeftDelim, "<<"),
                (T::Field, ".x"),
                (T::RightDelim, ">>"),
                (T::Text, "b"),
                (T::LeftDelim, "<<"),
                (T::Number, "1"),
                (T::RightDelim, ">>"),
                (T::Eof, "")
            ]
        );
    }

    #[test]
    fn unicode_identifiers_like_go() {
        // Letters (L) and decimal digits (Nd) only: not marks, letter numbers or No.
        assert!(is_alphanumeric('é') && is_alphanumeric('ǅ') && is_alphanumeric('٣'));
        assert!(!is_alphanumeric('\u{301}') && !is_alphanumeric('Ⅻ') && !is_alphanumeric('²'));
        assert!(!is_alphanumeric('\u{93F}'));
        assert_eq!(
            last_error("{{ .e\u{301} }}"),
            ("bad character U+0301 '\u{301}'".into(), 1)
        );
        assert_eq!(items("{{ .é٣ }}")[2], (T::Field, ".é٣".into(), 1));
    }

    #[test]
    fn byte_scans_keep_go_items_and_lines() {
        let it = |s: &str, v: &[(ItemType, &str, usize)]| {
            let want: Vec<(ItemType, String, usize)> =
                v.iter().map(|&(t, s, l)| (t, s.to_string(), l)).collect();
            assert_eq!(items(s), want, "{s:?}");
        };
        // A lone "." at the end of the input starts a number, as in Go.
        it(
            "{{.",
            &[
                (T::LeftDelim, "{{", 1),
                (T::Number, ".", 1),
                (T::Error, "unclosed action", 1),
            ],
        );
        it(
            "{{ ( -}}",
            &[
                (T::LeftDelim, "{{", 1),
                (T::Space, " ", 1),
                (T::LeftParen, "(", 1),
                (T::Error, "unclosed left paren", 1),
            ],
        );
        it(
            "{{)}}",
            &[
                (T::LeftDelim, "{{", 1),
                (T::Error, "unexpected right paren", 1),
            ],
        );
        it(
            "{{`a\nb` .x|f (c)}}",
            &[
                (T::LeftDelim, "{{", 1),
                (T::RawString, "`a\nb`", 1),
                (T::Space, " ", 2),
                (T::Field, ".x", 2),
                (T::Pipe, "|", 2),
                (T::Identifier, "f", 2),
                (T::Space, " ", 2),
                (T::LeftParen, "(", 2),
                (T::Identifier, "c", 2),
                (T::RightParen, ")", 2),
                (T::RightDelim, "}}", 2),
                (T::Eof, "", 2),
            ],
        );
        // Trimmed text: the newlines of the trimmed spaces still count.
        it(
            "line1\nline2 \n  {{- \"q\\\"é\" -}}\n\nb",
            &[
                (T::Text, "line1\nline2", 1),
                (T::LeftDelim, "{{", 3),
                (T::String, "\"q\\\"é\"", 3),
                (T::RightDelim, "}}", 3),
                (T::Text, "b", 5),
                (T::Eof, "", 5),
            ],
        );
        assert_eq!(
            last_error("{{ 9é }}"),
            ("bad number syntax: \"9é\"".into(), 1)
        );
    }

    #[test]
    fn word_at_a_time_helpers_match_plain_scans() {
        let texts = [
            "",
            "\n",
            "abc",
            "0123456\n89",
            "{{ x }}\n\n\n\n\n\n\n\n\n{",
            "é\u{80}\u{ff}\n{{\u{7f}\u{100}\n\n{",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa{",
        ];
        for t in texts {
            assert_eq!(
                count_newlines(t.as_bytes()),
                t.matches('\n').count(),
                "{t:?}"
            );
            for b in [b'{', b'\n', 0x80, 0xff, b'a'] {
                assert_eq!(
                    find_byte(t.as_bytes(), b),
                    t.bytes().position(|c| c == b),
                    "{t:?} {b}"
                );
            }
            assert_eq!(find_delim(t.as_bytes(), b"{{"), t.find("{{"), "{t:?}");
        }
    }

    #[test]
    fn sharp_u() {
        assert_eq!(format_sharp_u('-'), "U+002D '-'");
        assert_eq!(format_sharp_u('\u{200B}'), "U+200B");
        assert_eq!(format_sharp_u('é'), "U+00E9 'é'");
        assert_eq!(format_sharp_u('\u{1F600}'), "U+1F600 '\u{1F600}'");
        assert_eq!(format_sharp_u('\u{a0}'), "U+00A0");
        assert_eq!(format_sharp_u('\u{e000}'), "U+E000");
        assert_eq!(format_sharp_u('\u{301}'), "U+0301 '\u{301}'");
    }
}

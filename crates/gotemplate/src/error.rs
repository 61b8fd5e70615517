//! Errors of parsing and executing templates, displayed exactly as Go's `text/template`
//! prints them (Helm shows and reformats these strings, so the text is part of the contract).

use std::fmt;

use crate::funcs::FuncError;

/// A template error: parse or execution.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// A lexer or parser error: `template: NAME:LINE: MESSAGE`.
    #[error("{0}")]
    Parse(ParseError),
    /// An execution error: `template: NAME:LINE:COL: executing "T" at <NODE>: MESSAGE`.
    #[error("{0}")]
    Exec(Box<ExecError>),
    /// An error Go reports outside both shapes (for example `ExecuteTemplate` on an unknown
    /// name: `template: no template "x" associated with template "y"`). Displayed verbatim.
    #[error("{0}")]
    Other(String),
}

/// A parse error at a line of a named template text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The parse name (file name) of the text being parsed.
    pub name: String,
    /// 1-based line of the token where the error was detected.
    pub line: usize,
    /// Go's message after the location, e.g. `unexpected "}" in operand` or
    /// `function "nofunc" not defined`.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "template: {}:{}: {}", self.name, self.line, self.message)
    }
}

/// Where in a template text an execution error happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Parse name of the text holding the node (the file, also for `define`d templates).
    pub parse_name: String,
    /// 1-based line.
    pub line: usize,
    /// Go's column: the 0-based byte offset within the line.
    pub col: usize,
    /// The node as Go's `Node.String()` prints it (`.Values.x`, `include "a" .`).
    pub context: String,
}

/// An execution error, shaped like Go's `template.ExecError`.
#[derive(Debug, Clone)]
pub struct ExecError {
    /// Name of the template being executed (`executing "NAME"`).
    pub name: String,
    /// The node being evaluated, when known.
    pub location: Option<Location>,
    /// What went wrong.
    pub cause: ExecCause,
}

/// The message part of an execution error.
#[derive(Debug, Clone)]
pub enum ExecCause {
    /// A message from the executor itself (`nil pointer evaluating interface {}.x`).
    Msg(String),
    /// A function returned an error: `error calling FUNC: ERR`.
    Call {
        /// The function's name.
        func: String,
        /// What it returned.
        err: FuncError,
    },
}

impl fmt::Display for ExecCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecCause::Msg(m) => f.write_str(m),
            ExecCause::Call { func, err } => write!(f, "error calling {func}: {err}"),
        }
    }
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            None => write!(f, "template: {}: {}", self.name, self.cause),
            Some(loc) => write!(
                f,
                "template: {}:{}:{}: executing {} at <{}>: {}",
                loc.parse_name,
                loc.line,
                loc.col,
                crate::fmt::quote(&self.name),
                loc.context,
                self.cause
            ),
        }
    }
}

//! Lexer for Go's template language (stub, being written).

//! Property tests of the lexer and parser: no input makes them panic, error lines stay
//! within the text, and successful parses print (Go's `String()`) without panicking.

use gotemplate::error::Error;
use gotemplate::parse::parse;
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{{- ",
    " -}}",
    "{{/*",
    "*/}}",
    "(",
    ")",
    "|",
    "$",
    "$x",
    "$y",
    ":=",
    "=",
    ",",
    ".a",
    ".b",
    ".",
    "..",
    "\"s\"",
    "\"\\x",
    "`r`",
    "`",
    "'c'",
    "'",
    "1",
    "-",
    "+",
    "0x",
    "1e",
    "i",
    "_",
    "9999999999999999999999",
    "if",
    "else",
    "end",
    "range",
    "with",
    "define",
    "block",
    "template",
    "break",
    "continue",
    "nil",
    "true",
    " ",
    "\t",
    "\n",
    "\r",
    "printf",
    "\\",
    "é",
    "€",
    "\u{200b}",
    "x",
    "}",
    "{",
    ":",
    "/*",
    "*/",
];

const VALID: &[&str] = &[
    "a {{ .Values.x | default \"d\" | quote }} b",
    "{{- range $i, $v := .list }}{{ $i }}={{ $v }}{{ else }}none{{ end -}}",
    "{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}",
    "{{ with $x := .a }}{{ $x.y }}{{ else with .b }}{{ . }}{{ end }}",
    "{{ define \"t\" }}{{ template \"u\" . }}{{ end }}{{ block \"u\" . }}U{{ end }}",
    "{{/* comment */}}{{ printf \"%d %s\" 1 `raw` }}{{ (index .m \"k\").f }}",
    "{{ range . }}{{ if . }}{{ break }}{{ end }}{{ continue }}{{ end }}",
    "{{ 0x1F }} {{ 1e3 }} {{ 'a' }} {{ -1.5 }} {{ 1i }} {{ nil }} {{ true }}",
];

fn funcs(name: &str) -> bool {
    matches!(name, "default" | "quote" | "include")
}

fn check(text: &str) {
    match parse("p", text, &funcs) {
        Ok(trees) => {
            for tree in trees.values() {
                let _ = tree.root.to_string();
            }
        }
        Err(Error::Parse(e)) => {
            let lines = 1 + text.matches('\n').count();
            assert!(e.line <= lines, "line {} > {lines} for {text:?}", e.line);
            assert!(!e.message.is_empty());
        }
        Err(other) => panic!("unexpected error kind {other}"),
    }
}

fn mutate(base: &str, edits: &[(usize, u8, char)]) -> String {
    let mut chars: Vec<char> = base.chars().collect();
    for &(at, op, c) in edits {
        if chars.is_empty() {
            chars.push(c);
            continue;
        }
        let at = at % chars.len();
        match op % 3 {
            0 => chars.insert(at, c),
            1 => {
                chars.remove(at);
            }
            _ => chars[at] = c,
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,80}") {
        check(&s);
    }

    #[test]
    fn token_soup_never_panics(parts in prop::collection::vec(prop::sample::select(TOKENS), 0..40)) {
        check(&parts.concat());
    }

    #[test]
    fn mutated_templates_never_panic(
        which in 0..VALID.len(),
        edits in prop::collection::vec(
            (any::<usize>(), any::<u8>(), prop::sample::select(vec!['{', '}', '(', ')', '$', '.', '"', '`', '\'', '-', ' ', '\n', '|', ',', 'x', '1', '/', '*', 'é'])),
            0..6,
        ),
    ) {
        check(&mutate(VALID[which], &edits));
    }
}

#[test]
fn valid_templates_parse() {
    for t in VALID {
        assert!(parse("p", t, &funcs).is_ok(), "{t}");
    }
}

//! Language semantics of the executor, checked against Go 1.26 `text/template` output and
//! error messages (the expectations come from the template suite's Helm runs, before Helm's
//! own `<no value>` stripping and error reformatting).

mod exec_common;
use exec_common::*;

fn t(name: &str, text: &str, want: &str) {
    assert_eq!(out(text), want, "case {name}: {text}");
}

#[test]
fn variables() {
    t(
        "declare",
        "[{{ $x := 1 }}]{{ $x }}{{ $a1 := 1 }}{{ $_ := 2 }}{{ $a1 }}{{ $_ }}{{ ($x) }}",
        "[]1121",
    );
    t(
        "pipeline",
        "{{ $x := \"ab\" | upper | printf \"%s!\" }}{{ $x }}",
        "AB!",
    );
    t("assign", "{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", "2");
    t(
        "assign_in_if",
        "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
        "2",
    );
    t(
        "shadow",
        "{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}",
        "21",
    );
    t(
        "with_assign",
        "{{ $x := \"a\" }}{{ with .Values.s }}{{ $x = . }}{{ end }}{{ $x }}",
        "str",
    );
    t(
        "if_decl_else",
        "{{ if $v := .Values.emptystr }}yes{{ else }}[{{ $v }}]{{ end }}",
        "[]",
    );
    t(
        "dollar",
        "{{ with .Values.m }}{{ $.Values.s }}{{ end }}",
        "str",
    );
    t(
        "range_single",
        "{{ range $v := .Values.strs }}{{ . }}{{ $v }}{{ end }}",
        "bbaacc",
    );
    t(
        "range_reassign",
        "{{ $acc := list }}{{ range .Values.strs }}{{ $acc = append $acc (upper .) }}{{ end }}{{ $acc }}",
        "[B A C]",
    );
    t(
        "nested",
        "{{ $a := 1 }}{{ range .Values.strs }}{{ $b := . }}{{ with $.Values.s }}{{ $a }}{{ $b }}{{ . }};{{ end }}{{ end }}",
        "1bstr;1astr;1cstr;",
    );
    t(
        "map_var_missing",
        "{{ $m := .Values.m }}[{{ $m.nope }}]",
        "[<no value>]",
    );
    t(
        "set_through_var",
        "{{ $m := .Values.m }}{{ $_ := set $m \"z\" 26 }}{{ .Values.m.z }}",
        "26",
    );
    t(
        "assign_undefined",
        "{{ $nope = 1 }}",
        "ERR: template: t:1:11: executing \"t\" at <1>: undefined variable: $nope",
    );
    t(
        "field_on_string_var",
        "{{ $s := \"abc\" }}{{ $s.x }}",
        "ERR: template: t:1:22: executing \"t\" at <$s.x>: can't evaluate field x in type string",
    );
    t(
        "field_on_int_var",
        "{{ $x := 1 }}{{ $x.y }}",
        "ERR: template: t:1:18: executing \"t\" at <$x.y>: can't evaluate field y in type int",
    );
    t(
        "range_assign_undefined",
        "{{ range $a = .Values.list }}{{ end }}",
        "ERR: template: t:1:21: executing \"t\" at <.Values.list>: undefined variable: $a",
    );
}

#[test]
fn control() {
    t(
        "if_else",
        "{{ if .Values.fa }}yes{{ else }}no{{ end }}{{ if true }}{{ if false }}a{{ else }}b{{ end }}{{ end }}{{ if false }}1{{ else if false }}2{{ else }}4{{ end }}",
        "nob4",
    );
    t(
        "conditions",
        "{{ if .Values.nope }}yes{{ else }}no{{ end }}|{{ if .Values.list | len | eq 3 }}three{{ end }}|{{ if and .Values.t (not .Values.fa) }}A{{ end }}{{ if or .Values.fa .Values.s }}B{{ end }}",
        "no|three|AB",
    );
    t(
        "guard",
        "{{ if .Values.a }}{{ if .Values.a.b }}x{{ end }}{{ else }}no a{{ end }}",
        "no a",
    );
    t(
        "field_of_missing",
        "{{ if .Values.a.b }}x{{ end }}",
        "ERR: template: t:1:13: executing \"t\" at <.Values.a.b>: nil pointer evaluating interface {}.b",
    );
    t(
        "with",
        "{{ with .Values.m }}{{ .a }}-{{ .b }}{{ end }}",
        "1-2",
    );
    t(
        "with_else",
        "{{ with .Values.emptystr }}x{{ else }}empty{{ end }}|{{ with .Values.missing }}x{{ else }}missing{{ end }}",
        "empty|missing",
    );
    t(
        "else_with",
        "{{ with .Values.missing }}A{{ else with .Values.s }}B{{ . }}{{ end }}|{{ with .Values.s }}A{{ . }}{{ else with .Values.num }}B{{ end }}",
        "Bstr|Astr",
    );
    t(
        "with_var",
        "{{ with $x := .Values.m }}{{ $x.c }}{{ . | len }}{{ end }}",
        "33",
    );
    t(
        "range_map",
        "{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }} {{ end }}|{{ range .Values.m }}{{ . }}{{ end }}",
        "a=1 b=2 c=3 |123",
    );
    t(
        "range_else",
        "{{ range .Values.empty }}x{{ else }}none{{ end }}|{{ range .Values.missing }}x{{ else }}none{{ end }}",
        "none|none",
    );
    t(
        "range_int",
        "{{ range 3 }}{{ . }}{{ end }}|[{{ range 0 }}x{{ else }}else{{ end }}]|[{{ range -2 }}x{{ else }}else{{ end }}]",
        "012|[else]|[else]",
    );
    t(
        "range_int_two_vars",
        "{{ range $i, $v := 3 }}{{ $i }}{{ end }}",
        "ERR: template: t:1:19: executing \"t\" at <3>: can't use 3 to iterate over more than one variable",
    );
    t(
        "range_float",
        "{{ range .Values.num }}{{ . }}{{ end }}",
        "ERR: template: t:1:16: executing \"t\" at <.Values.num>: range can't iterate over 3",
    );
    t(
        "range_string",
        "{{ range \"abc\" }}{{ . }}{{ end }}",
        "ERR: template: t:1:9: executing \"t\" at <\"abc\">: range can't iterate over abc",
    );
    t(
        "range_objs",
        "{{ range .Values.objs }}{{ .name }}={{ .v }};{{ end }}",
        "o1=1;o2=2;",
    );
    t(
        "range_modify",
        "{{ $l := list 1 2 }}{{ range $l }}{{ $l = append $l 9 }}{{ . }}{{ end }}|{{ $l }}",
        "12|[1 2 9 9]",
    );
    t(
        "break",
        "{{ range .Values.list }}{{ if eq . 2.0 }}{{ break }}{{ end }}{{ . }}{{ end }}",
        "1",
    );
    t(
        "continue",
        "{{ range .Values.list }}{{ if eq . 2.0 }}{{ continue }}{{ end }}{{ . }}{{ end }}",
        "13",
    );
    t(
        "break_inner",
        "{{ range $a := list 1 2 3 }}{{ range $b := list 1 2 3 }}{{ if eq $b 2 }}{{ break }}{{ end }}{{ $a }}{{ $b }} {{ end }}{{ end }}",
        "11 21 31 ",
    );
    t(
        "continue_in_with",
        "{{ range .Values.strs }}{{ with eq . \"a\" }}{{ continue }}{{ end }}{{ . }}{{ end }}",
        "bc",
    );
    t("range_elem_field", "{{ range .Values.list }}{{ .x }}{{ end }}",
        "ERR: template: t:1:27: executing \"t\" at <.x>: can't evaluate field x in type interface {}");
}

#[test]
fn templates_and_defines() {
    t(
        "define",
        "{{ define \"greet\" }}hi {{ . }}{{ end }}{{ template \"greet\" \"bob\" }}",
        "hi bob",
    );
    t("excluded", "a{{ define \"x\" }}XXX{{ end }}b", "ab");
    t(
        "no_data",
        "{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" }}",
        "[<no value>]",
    );
    t(
        "no_data_print",
        "{{ define \"x\" }}[{{ print . }}]{{ end }}{{ template \"x\" }}",
        "[<nil>]",
    );
    t(
        "pipeline_arg",
        "{{ define \"x\" }}<{{ . }}>{{ end }}{{ template \"x\" .Values.list | len }}",
        "<3>",
    );
    t(
        "dollar_is_arg",
        "{{ define \"x\" }}{{ $ }}{{ end }}{{ template \"x\" 42 }}",
        "42",
    );
    t(
        "countdown",
        "{{ define \"down\" }}{{ . }}{{ if gt . 0 }} {{ template \"down\" (sub . 1) }}{{ end }}{{ end }}{{ template \"down\" 5 }}",
        "5 4 3 2 1 0",
    );
    t(
        "undefined",
        "{{ template \"nope\" }}",
        "ERR: template: t:1:12: executing \"t\" at <{{template \"nope\"}}>: template \"nope\" not defined",
    );
    t(
        "first_empty",
        "{{ define \"x\" }}{{ end }}{{ define \"x\" }}2{{ end }}{{ template \"x\" }}",
        "2",
    );
    t(
        "block",
        "{{ block \"b\" . }}default {{ .Values.s }}{{ end }}",
        "default str",
    );
}

#[test]
fn sets_follow_add_parse_tree() {
    // Later files win, but an empty redefinition never replaces a real one.
    let files = [
        (
            "case",
            "{{ define \"x\" }}from-case{{ end }}{{ template \"x\" }}|{{ template \"y\" }}",
        ),
        (
            "_helpers",
            "{{ define \"x\" }}from-helpers{{ end }}{{ define \"y\" }}y1{{ end }}",
        ),
        ("_empty", "{{ define \"y\" }}  {{ end }}"),
    ];
    let got = run_with(&files, "case", &values(), gotemplate::MissingKey::Zero);
    assert_eq!(got.as_deref(), Ok("from-helpers|y1"));
    let set = set_with(&files).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.names(), ["_empty", "_helpers", "case", "x", "y"]);
    let unknown = set
        .execute("nope", &values(), &opts(gotemplate::MissingKey::Zero))
        .map_err(|e| e.to_string());
    assert_eq!(
        unknown,
        Err("template: no template \"nope\" associated with template \"gotpl\"".to_string())
    );
    // A clone is independent of the original.
    let mut clone = set.clone();
    clone
        .parse("x", "{{ define \"x\" }}cloned{{ end }}")
        .unwrap_or_else(|e| panic!("{e}"));
    let o = opts(gotemplate::MissingKey::Zero);
    assert_eq!(
        clone.execute("case", &values(), &o).ok().as_deref(),
        Some("cloned|y1")
    );
    assert_eq!(
        set.execute("case", &values(), &o).ok().as_deref(),
        Some("from-helpers|y1")
    );
}

#[test]
fn missing_key_modes() {
    use gotemplate::MissingKey::*;
    let run_mk = |text: &str, mk| match run_with(&[("t", text)], "t", &values(), mk) {
        Ok(o) => o,
        Err(e) => format!("ERR: {e}"),
    };
    assert_eq!(run_mk("[{{ .Values.nope }}]", Zero), "[<no value>]");
    assert_eq!(run_mk("[{{ .Values.nope }}]", Default), "[<no value>]");
    assert_eq!(run_mk("[{{ .Values.nope.x }}]", Default), "[<no value>]");
    assert_eq!(
        run_mk("{{ .Values.nope }}", Error),
        "ERR: template: t:1:10: executing \"t\" at <.Values.nope>: map has no entry for key \"nope\""
    );
    assert_eq!(
        run_mk("{{ .Values.nope.x }}", Zero),
        "ERR: template: t:1:10: executing \"t\" at <.Values.nope.x>: nil pointer evaluating interface {}.x"
    );
    assert_eq!(run_mk("[{{ (.Values.nope).x.y }}]", Zero), "[<no value>]");
    assert_eq!(run_mk("{{ print .Values.nope }}", Zero), "<nil>");
}

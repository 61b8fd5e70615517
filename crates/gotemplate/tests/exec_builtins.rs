//! Go's builtins and function-call argument checking, with Go 1.26's exact messages.

mod exec_common;
use exec_common::*;

fn t(name: &str, text: &str, want: &str) {
    assert_eq!(out(text), want, "case {name}: {text}");
}

fn e(name: &str, text: &str, at: &str, msg: &str) {
    let col_ctx = out(text);
    let want_suffix = format!("at <{at}>: {msg}");
    assert!(
        col_ctx.starts_with("ERR: template: t:") && col_ctx.ends_with(&want_suffix),
        "case {name}: {text}\n got: {col_ctx}\nwant: ...{want_suffix}"
    );
}

#[test]
fn and_or_not() {
    t(
        "short_circuit",
        "{{ and false (index .Values.list 10) }}|{{ or \"a\" (index .Values.list 10) }}|{{ and 0 (fail \"never\") }}|{{ or 1 (fail \"never\") }}",
        "false|a|0|1",
    );
    t(
        "and_last",
        "{{ and 1 2 3 }}|{{ or 0 \"\" }}|{{ .Values.s | and 1 }}",
        "3||str",
    );
    e(
        "and_none",
        "{{ and }}",
        "and",
        "wrong number of args for and: want at least 1 got 0",
    );
    t(
        "not",
        "{{ not 0 }}|{{ not \"\" }}|{{ not .Values.list }}|{{ not \"x\" }}|{{ not .Values.missing }}|{{ not .Values.emptymap }}",
        "true|true|false|false|true|true",
    );
    e(
        "not_two",
        "{{ not 1 2 }}",
        "not",
        "wrong number of args for not: want 1 got 2",
    );
}

#[test]
fn comparisons() {
    t(
        "eq",
        "{{ eq 1 1 }} {{ eq 1 2 }}|{{ eq \"a\" \"a\" }}|{{ eq 2 1 2 3 }} {{ eq \"a\" \"b\" \"c\" }}|{{ eq .Values.t true }}|{{ eq .Values.missing \"x\" }}|{{ .Values.s | eq \"str\" }}",
        "true false|true|true false|true|false|true",
    );
    e(
        "eq_float_int",
        "{{ eq .Values.num 3 }}",
        "eq .Values.num 3",
        "error calling eq: incompatible types for comparison: float64 and int",
    );
    t(
        "eq_int_int64",
        "{{ eq 3 (add 1 2) }} {{ eq (len .Values.list) (add 1 2) }}",
        "true true",
    );
    t(
        "eq_nil",
        "{{ eq .Values.nil .Values.missing }}|{{ eq .Values.missing nil }}|{{ eq \"a\" nil }}",
        "true|true|false",
    );
    e(
        "eq_list",
        "{{ eq .Values.list .Values.list }}",
        "eq .Values.list .Values.list",
        "error calling eq: non-comparable type [%!s(float64=1) %!s(float64=2) %!s(float64=3)]: []interface {}",
    );
    e(
        "eq_map",
        "{{ eq .Values.m .Values.m }}",
        "eq .Values.m .Values.m",
        "error calling eq: non-comparable type map[a:%!s(float64=1) b:%!s(float64=2) c:%!s(float64=3)]: map[string]interface {}",
    );
    e(
        "eq_one",
        "{{ eq 1 }}",
        "eq 1",
        "error calling eq: missing argument for comparison",
    );
    e(
        "eq_map_list",
        "{{ eq .Values.m .Values.list }}",
        "eq .Values.m .Values.list",
        "error calling eq: non-comparable types map[a:%!s(float64=1) b:%!s(float64=2) c:%!s(float64=3)]: map[string]interface {}, []interface {}: [1 2 3]",
    );
    e(
        "ne_mixed",
        "{{ ne 1 \"1\" }}",
        "ne 1 \"1\"",
        "error calling ne: incompatible types for comparison: int and string",
    );
    t(
        "cmp",
        "{{ lt 1 2 }} {{ le 2 2 }} {{ gt 3 2 }} {{ ge 1 2 }}|{{ lt 1.5 2.5 }} {{ gt .Values.f 1.0 }} {{ le .Values.num 3.0 }}|{{ lt \"a\" \"b\" }} {{ lt \"B\" \"a\" }} {{ gt \"abc\" \"abd\" }} {{ le \"10\" \"9\" }}|{{ lt 1 (add 1 1) }}",
        "true true true false|true true true|true true false true|true",
    );
    e(
        "lt_bools",
        "{{ lt true false }}",
        "lt true false",
        "error calling lt: invalid type for comparison",
    );
    e(
        "lt_nil",
        "{{ lt .Values.missing 1 }}",
        "lt .Values.missing 1",
        "error calling lt: invalid type for comparison",
    );
    e(
        "lt_int_float",
        "{{ lt 1 2.5 }}",
        "lt 1 2.5",
        "error calling lt: incompatible types for comparison: int and float64",
    );
}

#[test]
fn index_len_slice() {
    t(
        "index",
        "{{ index .Values.list 0 }} {{ index .Values.list 2 }} {{ index .Values.list (add 1 0) }} {{ index .Values.m \"b\" }} {{ index .Values.list }} {{ index (dict \"k\" \"v\") \"k\" }}",
        "1 3 2 2 [1 2 3] v",
    );
    t(
        "index_nested",
        "{{ index .Values.nested \"a\" \"b\" 1 }}",
        "20",
    );
    t(
        "index_missing",
        "[{{ index .Values.m \"zz\" }}]|{{ typeOf (index .Values.m \"zz\") }}",
        "[<no value>]|<nil>",
    );
    t(
        "index_string",
        "{{ index \"abc\" 1 }} {{ typeOf (index \"abc\" 1) }}",
        "98 uint8",
    );
    e(
        "index_oob",
        "{{ index .Values.list 10 }}",
        "index .Values.list 10",
        "error calling index: index out of range: 10",
    );
    e(
        "index_len",
        "{{ index .Values.list 3 }}",
        "index .Values.list 3",
        "error calling index: reflect: slice index out of range",
    );
    e(
        "index_float",
        "{{ index .Values.list 1.0 }}",
        "index .Values.list 1.0",
        "error calling index: cannot index slice/array with type float64",
    );
    e(
        "index_nil",
        "{{ index .Values.missing 0 }}",
        "index .Values.missing 0",
        "error calling index: index of untyped nil",
    );
    e(
        "index_map_int",
        "{{ index .Values.m 1 }}",
        "index .Values.m 1",
        "error calling index: value has type int; should be string",
    );
    e(
        "index_int",
        "{{ index 5 0 }}",
        "index 5 0",
        "error calling index: can't index item of type int",
    );
    e(
        "index_through_missing",
        "{{ index .Values \"nope\" \"deeper\" }}",
        "index .Values \"nope\" \"deeper\"",
        "error calling index: index of nil pointer",
    );
    t(
        "len",
        "{{ len .Values.list }} {{ len .Values.m }} {{ len \"héllo\" }} {{ len \"\" }} {{ len .Values.empty }} {{ typeOf (len .Values.list) }}",
        "3 3 6 0 0 int",
    );
    e(
        "len_nil",
        "{{ len .Values.missing }}",
        "len .Values.missing",
        "error calling len: len of nil pointer",
    );
    e(
        "len_int",
        "{{ len 5 }}",
        "len 5",
        "error calling len: len of type int",
    );
    t("slice", "{{ slice .Values.list 0 1 2 }}|{{ slice \"hello\" 1 3 }}|{{ slice \"hello\" 2 }}|{{ slice \"hello\" }}", "[1]|el|llo|hello");
    e(
        "slice_oob",
        "{{ slice .Values.list 1 10 }}",
        "slice .Values.list 1 10",
        "error calling slice: index out of range: 10",
    );
    e(
        "slice_nil",
        "{{ slice .Values.missing 0 }}",
        "slice .Values.missing 0",
        "error calling slice: slice of untyped nil",
    );
}

#[test]
fn printing_and_escapers() {
    t(
        "print",
        "{{ print \"a\" 1 2 \"b\" }}|{{ print 1 2 }}|{{ print nil nil }}|{{ println \"x\" 1 }}|{{ printf \"%d-%s\" 1 \"a\" }}",
        "a1 2b|1 2|<nil> <nil>|x 1\n|1-a",
    );
    t(
        "html_js_urlquery",
        "{{ html \"<a href='x'>&\\\"</a>\" }}|{{ html \"<\" 1 \">\" }}|{{ html .Values.list }}|{{ js \"it's \\\"q\\\" <tag> & = \\n \\\\ é\" }}|{{ urlquery \"a b&c=d/é?\" }}|{{ urlquery \"x\" 1 }}|{{ html .Values.missing }}",
        "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;|&lt;1&gt;|[1 2 3]|it\\'s \\\"q\\\" \\u003Ctag\\u003E \\u0026 \\u003D \\u000A \\\\ é|a+b%26c%3Dd%2F%C3%A9%3F|x1|&lt;no value&gt;",
    );
    e(
        "call_nil",
        "{{ call .Values.missing }}",
        "call .Values.missing",
        "error calling call: call of nil",
    );
    e(
        "call_str",
        "{{ call .Values.s }}",
        "call .Values.s",
        "error calling call: non-function .Values.s of type string",
    );
    t(
        "values",
        "{{ .Values.list }}|{{ .Values.m }}|{{ .Values.t }}|[{{ .Values.nil }}]",
        "[1 2 3]|map[a:1 b:2 c:3]|true|[<no value>]",
    );
    t(
        "literals",
        "{{ 0x1F }} {{ 1_000 }} {{ 1e3 }} {{ 1e6 }} {{ 1.5 }} {{ typeOf 1.0 }} {{ typeOf 0x10 }} {{ 'a' }} {{ typeOf 'a' }} {{ 1i }} {{ typeOf 2.5i }}",
        "31 1000 1000 1e+06 1.5 float64 int 97 int (0+1i) complex128",
    );
    e(
        "overflow",
        "{{ 12345678901234567890 }}",
        "12345678901234567890",
        "12345678901234567890 overflows int",
    );
    e("nil_command", "{{ nil }}", "nil", "nil is not a command");
}

#[test]
fn argument_checking() {
    e(
        "count",
        "{{ upper \"a\" \"b\" }}",
        "upper",
        "wrong number of args for upper: want 1 got 2",
    );
    e(
        "literal_kind",
        "{{ upper 1 }}",
        "1",
        "expected string; found 1",
    );
    e(
        "value_type",
        "{{ upper .Values.num }}",
        ".Values.num",
        "wrong type for value; expected string; got float64",
    );
    e(
        "nil_iface",
        "{{ upper .Values.missing }}",
        ".Values.missing",
        "wrong type for value; expected string; got interface {}",
    );
    e(
        "invalid",
        "{{ upper (.Values.missing) }}",
        ".Values.missing",
        "invalid value; expected string",
    );
    e(
        "nil_literal",
        "{{ upper nil }}",
        "nil",
        "cannot assign nil to string",
    );
    t(
        "nil_to_any",
        "{{ toString .Values.missing }}|{{ typeOf .Values.missing }}",
        "<nil>|<nil>",
    );
    e(
        "float_to_int",
        "{{ repeat .Values.num \"ab\" }}",
        ".Values.num",
        "wrong type for value; expected int; got float64",
    );
    e(
        "int64_to_int",
        "{{ repeat (add 1 1) \"ab\" }}",
        "1",
        "wrong type for value; expected int; got int64",
    );
    t("int_literal", "{{ repeat 2 \"ab\" }}", "abab");
    e(
        "not_method",
        "{{ .Values.s 1 }}",
        ".Values.s",
        "s is not a method but has arguments",
    );
    e(
        "final_type",
        "{{ 1 | upper }}",
        "upper",
        "wrong type for value; expected string; got int",
    );
    e(
        "printf_format",
        "{{ printf 1 }}",
        "1",
        "expected string; found 1",
    );
    e(
        "func_error",
        "{{ fail \"boom\" }}",
        "fail \"boom\"",
        "error calling fail: boom",
    );
    e(
        "non_function",
        "{{ .Values.s | $ }}",
        "$",
        "can't give argument to non-function $",
    );
    t(
        "trailing_pipe_var",
        "{{ $x := 2 }}{{ $x | printf \"%d\" }}",
        "2",
    );
}

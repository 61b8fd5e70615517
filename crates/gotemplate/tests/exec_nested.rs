//! Nested executions (`include`/`tpl` through the function context), recursion limits and
//! the output limit.

mod exec_common;
use exec_common::*;

use gotemplate::{ExecOptions, MissingKey, Value};

fn run_files(files: &[(&str, &str)], name: &str) -> String {
    match run_with(files, name, &values(), MissingKey::Zero) {
        Ok(o) => o,
        Err(e) => format!("ERR: {e}"),
    }
}

#[test]
fn include_runs_templates_of_the_set() {
    let files = [
        (
            "case",
            "[{{ include \"h\" .Values.s }}]{{ $x := 1 }}{{ include \"h\" 2 }}{{ $x }}|{{ rootName }}",
        ),
        ("_helpers", "{{ define \"h\" }}{{ $y := 2 }}<{{ . }}>{{ end }}"),
    ];
    assert_eq!(run_files(&files, "case"), "[<str>]<2>1|case");
}

#[test]
fn include_errors_keep_go_shapes() {
    let files = [
        ("case", "{{ include \"outer\" . }}"),
        (
            "_helpers",
            "{{ define \"outer\" }}o:{{ include \"inner\" . }}{{ end }}\n{{ define \"inner\" }}{{ .Values.a.b }}{{ end }}",
        ),
    ];
    assert_eq!(
        run_files(&files, "case"),
        "ERR: template: case:1:3: executing \"case\" at <include \"outer\" .>: error calling include: \
         template: _helpers:1:25: executing \"outer\" at <include \"inner\" .>: error calling include: \
         template: _helpers:2:30: executing \"inner\" at <.Values.a.b>: nil pointer evaluating interface {}.b"
    );
    let missing = [("case", "{{ include \"nope\" . }}")];
    assert_eq!(
        run_files(&missing, "case"),
        "ERR: template: case:1:3: executing \"case\" at <include \"nope\" .>: error calling include: \
         template: no template \"nope\" associated with template \"gotpl\""
    );
    let helper_template = [
        ("case", "{{ template \"h\" . }}"),
        (
            "_helpers",
            "{{ define \"h\" }}\n\n{{ .Values.nope.x }}{{ end }}",
        ),
    ];
    assert_eq!(
        run_files(&helper_template, "case"),
        "ERR: template: _helpers:3:10: executing \"h\" at <.Values.nope.x>: nil pointer evaluating interface {}.x"
    );
}

#[test]
fn tpl_parses_into_a_clone() {
    let files = [
        (
            "case",
            "{{ tpl \"{{ define \\\"y\\\" }}Y{{ end }}{{ template \\\"y\\\" }}{{ include \\\"x\\\" . }}\" . }}|{{ tpl \"{{ .a }}\" (dict \"a\" 1) }}|{{ tpl \"{{ tpl \\\"{{ .Release.Name }}\\\" . }}\" . }}",
        ),
        ("_helpers", "{{ define \"x\" }}X{{ end }}"),
    ];
    assert_eq!(run_files(&files, "case"), "YX|1|release-name");
    let not_visible = [(
        "case",
        "{{ tpl \"{{ define \\\"y\\\" }}Y{{ end }}\" . }}{{ include \"y\" . }}",
    )];
    assert!(run_files(&not_visible, "case").ends_with(
        "error calling include: template: no template \"y\" associated with template \"gotpl\""
    ));
    let parse_error = [("case", "{{ tpl \"{{ .x\" . }}")];
    assert_eq!(
        run_files(&parse_error, "case"),
        "ERR: template: case:1:3: executing \"case\" at <tpl \"{{ .x\" .>: error calling tpl: template: gotpl:1: unclosed action"
    );
}

#[test]
fn template_recursion_stops_at_max_depth() {
    let files = [(
        "case",
        "{{ define \"x\" }}{{ template \"x\" . }}{{ end }}{{ template \"x\" . }}",
    )];
    let got = run_files(&files, "case");
    assert_eq!(
        got,
        "ERR: template: case:1:28: executing \"x\" at <{{template \"x\" .}}>: exceeded maximum template depth (100000)"
    );
}

#[test]
fn deep_recursion_with_output_and_includes_is_stack_safe() {
    // Every level adds branches and a pipeline; the executor hops threads as needed.
    let files = [
        (
            "case",
            "{{ define \"down\" }}{{ if gt . 0 }}x{{ template \"down\" (sub . 1) }}{{ end }}{{ end }}{{ template \"down\" 20000 }}",
        ),
        (
            "inc",
            "{{ define \"incr\" }}{{ if gt . 0 }}y{{ include \"incr\" (sub . 1) }}{{ end }}{{ end }}{{ include \"incr\" 3000 | len }}",
        ),
    ];
    let deep = run_files(&files, "case");
    assert_eq!(deep.len(), 20000, "{}", deep.get(..200).unwrap_or(&deep));
    assert_eq!(run_files(&files, "inc"), "3000");
}

#[test]
fn output_is_capped() {
    let set = set_with(&[("case", "{{ range 100 }}0123456789{{ end }}")])
        .unwrap_or_else(|e| panic!("{e}"));
    let small = ExecOptions {
        max_output: 95,
        ..opts(MissingKey::Zero)
    };
    let err = set
        .execute("case", &values(), &small)
        .map_err(|e| e.to_string());
    assert_eq!(
        err,
        Err("template: case:1:15: executing \"case\" at <0123456789>: template output exceeds the maximum size of 95 bytes".to_string())
    );
    let big = opts(MissingKey::Zero);
    assert_eq!(
        set.execute("case", &values(), &big).map(|o| o.len()).ok(),
        Some(1000)
    );
}

#[test]
fn depth_limit_is_configurable() {
    let set = set_with(&[(
        "case",
        "{{ define \"x\" }}{{ include \"x\" . }}{{ end }}{{ include \"x\" . }}",
    )])
    .unwrap_or_else(|e| panic!("{e}"));
    let o = ExecOptions {
        max_depth: 50,
        ..opts(MissingKey::Zero)
    };
    let err = set
        .execute("case", &Value::Nil, &o)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.ends_with("exceeded maximum template depth (50)"),
        "{err}"
    );
    assert_eq!(err.matches("error calling include").count(), 51);
}

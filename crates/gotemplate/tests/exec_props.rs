//! Property test: executing arbitrary (parseable) templates built from the language's
//! constructs against arbitrary values never panics, never hangs and always ends in output or
//! an error, within the configured limits.

mod exec_common;

use std::sync::Arc;

use gotemplate::{ExecOptions, List, Map, MapKind, MissingKey, Templates, Value};
use proptest::prelude::*;

fn value_strategy() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..5).prop_map(Value::Int),
        (-3i64..5).prop_map(Value::Int64),
        (-2.0f64..4.0).prop_map(Value::Float),
        "[a-c]{0,3}".prop_map(Value::str),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| Value::List(List::new(v))),
            prop::collection::vec(("[a-c]", inner), 0..4)
                .prop_map(|kv| { Value::Map(Map::from_entries(MapKind::Generic, kv)) }),
        ]
    })
}

/// Operands and expressions of the language.
fn expr_strategy() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        Just(".".to_string()),
        Just("$".to_string()),
        Just("nil".to_string()),
        Just("true".to_string()),
        (-2i64..4).prop_map(|n| n.to_string()),
        Just("1.5".to_string()),
        Just("1i".to_string()),
        Just("'x'".to_string()),
        Just("12345678901234567890".to_string()),
        "\"[a-c]{0,2}\"".prop_map(|s| s),
        "\\.[a-c](\\.[a-c]){0,2}".prop_map(|s| s),
        "\\$\\.[a-c]".prop_map(|s| s),
        Just("$v".to_string()),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        let func = prop_oneof![
            Just("and"),
            Just("or"),
            Just("not"),
            Just("len"),
            Just("index"),
            Just("slice"),
            Just("eq"),
            Just("ne"),
            Just("lt"),
            Just("ge"),
            Just("print"),
            Just("printf"),
            Just("html"),
            Just("js"),
            Just("urlquery"),
            Just("call"),
            Just("upper"),
            Just("add"),
            Just("list"),
            Just("dict"),
            Just("default"),
            Just("include"),
            Just("tpl"),
        ];
        prop_oneof![
            (func, prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(f, args)| format!("({f} {})", args.join(" "))),
            (inner.clone(), "[a-c]").prop_map(|(e, f)| format!("({e}).{f}")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a} | print {b})")),
        ]
    })
    .boxed()
}

fn template_strategy() -> BoxedStrategy<String> {
    let expr = expr_strategy();
    let leaf = prop_oneof![
        "[a-c <>]{0,4}".prop_map(|s| s),
        expr.clone().prop_map(|e| format!("{{{{ {e} }}}}")),
        expr.clone().prop_map(|e| format!("{{{{ $v := {e} }}}}")),
        expr.clone().prop_map(|e| format!("{{{{ $v = {e} }}}}")),
        Just("{{ template \"d\" . }}".to_string()),
        Just("{{ break }}".to_string()),
        Just("{{ continue }}".to_string()),
    ];
    leaf.prop_recursive(3, 24, 4, move |inner| {
        let e = expr_strategy();
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| v.concat()),
            (e.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("{{{{ if {c} }}}}{a}{{{{ else }}}}{b}{{{{ end }}}}")),
            (e.clone(), inner.clone())
                .prop_map(|(c, a)| format!("{{{{ with {c} }}}}{a}{{{{ end }}}}")),
            (e, inner.clone(), inner).prop_map(|(c, a, b)| {
                format!("{{{{ range $i, $v := {c} }}}}{a}{{{{ else }}}}{b}{{{{ end }}}}")
            }),
        ]
    })
    .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn executing_random_templates_never_panics(
        body in template_strategy(),
        helper in template_strategy(),
        data in value_strategy(),
        mk in prop_oneof![Just(MissingKey::Default), Just(MissingKey::Zero), Just(MissingKey::Error)],
    ) {
        let mut set = Templates::new(Arc::new(exec_common::funcs()));
        set.set_name("gotpl");
        let main = format!("{{{{ $v := 1 }}}}{body}");
        let helper = format!("{{{{ define \"d\" }}}}{{{{ $v := . }}}}{helper}{{{{ end }}}}");
        if set.parse("main", &main).is_ok() && set.parse("helper", &helper).is_ok() {
            let opts = ExecOptions {
                missing_key: mk,
                max_depth: 40,
                max_output: 4096,
                host: None,
            };
            match set.execute("main", &data, &opts) {
                Ok(out) => prop_assert!(out.len() <= 4096),
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }
    }
}

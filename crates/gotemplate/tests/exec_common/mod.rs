//! Shared helpers for the executor tests: a Helm-like data tree and a handful of host
//! functions with Go signatures (enough to exercise argument checking and nested executions).
#![allow(dead_code)]

use std::sync::Arc;

use gotemplate::{
    ArgType, ExecOptions, FuncError, FuncMap, List, Map, MapKind, MissingKey, Signature, Templates,
    Value,
};

pub fn values() -> Value {
    let m = |entries: Vec<(&str, Value)>| Value::Map(Map::from_entries(MapKind::Generic, entries));
    let nums = |xs: &[f64]| Value::List(List::new(xs.iter().map(|&f| Value::Float(f)).collect()));
    let vals = Map::from_entries(
        MapKind::Named(Arc::from("common.Values")),
        vec![
            ("s", Value::str("str")),
            ("num", Value::Float(3.0)),
            ("f", Value::Float(1.5)),
            ("t", Value::Bool(true)),
            ("fa", Value::Bool(false)),
            ("list", nums(&[1.0, 2.0, 3.0])),
            (
                "strs",
                Value::List(List::new(vec![
                    Value::str("b"),
                    Value::str("a"),
                    Value::str("c"),
                ])),
            ),
            (
                "m",
                m(vec![
                    ("a", Value::Float(1.0)),
                    ("b", Value::Float(2.0)),
                    ("c", Value::Float(3.0)),
                ]),
            ),
            (
                "nested",
                m(vec![("a", m(vec![("b", nums(&[10.0, 20.0]))]))]),
            ),
            (
                "objs",
                Value::List(List::new(vec![
                    m(vec![("name", Value::str("o1")), ("v", Value::Float(1.0))]),
                    m(vec![("name", Value::str("o2")), ("v", Value::Float(2.0))]),
                ])),
            ),
            ("empty", Value::List(List::new(vec![]))),
            ("emptymap", m(vec![])),
            ("emptystr", Value::str("")),
            ("zero", Value::Float(0.0)),
        ],
    );
    Value::Map(Map::from_entries(
        MapKind::Generic,
        vec![
            ("Values", Value::Map(vals)),
            ("Release", m(vec![("Name", Value::str("release-name"))])),
        ],
    ))
}

fn num(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Float(f) => *f as i64,
        _ => 0,
    }
}

fn arg(a: &[Value], i: usize) -> Value {
    a.get(i).cloned().unwrap_or_default()
}

fn text(a: &[Value], i: usize) -> String {
    arg(a, i).as_str().unwrap_or("").to_string()
}

pub fn funcs() -> FuncMap {
    use ArgType::{Any, Int, String};
    let mut f = FuncMap::new();
    f.add("upper", Signature::fixed(&[String]), |_, a| {
        Ok(Value::from(text(a, 0).to_uppercase()))
    });
    f.add("repeat", Signature::fixed(&[Int, String]), |_, a| {
        let n = usize::try_from(num(&arg(a, 0))).unwrap_or(0);
        Ok(Value::from(text(a, 1).repeat(n)))
    });
    f.add("add", Signature::variadic(&[], Any), |_, a| {
        Ok(Value::Int64(a.iter().map(num).sum()))
    });
    f.add("sub", Signature::fixed(&[Any, Any]), |_, a| {
        Ok(Value::Int64(num(&arg(a, 0)) - num(&arg(a, 1))))
    });
    f.add("list", Signature::variadic(&[], Any), |_, a| {
        Ok(Value::List(List::new(a.to_vec())))
    });
    f.add("append", Signature::fixed(&[Any, Any]), |_, a| {
        match arg(a, 0) {
            Value::List(mut l) => {
                l.push(arg(a, 1));
                Ok(Value::List(l))
            }
            _ => Err(FuncError::msg("not a list")),
        }
    });
    f.add("dict", Signature::variadic(&[], Any), |_, a| {
        let m = Map::new();
        for kv in a.chunks(2) {
            let k = kv.first().and_then(Value::as_str).unwrap_or("").to_string();
            m.insert(k, kv.get(1).cloned().unwrap_or_default());
        }
        Ok(Value::Map(m))
    });
    f.add(
        "set",
        Signature::fixed(&[ArgType::Map, String, Any]),
        |_, a| {
            if let Value::Map(m) = arg(a, 0) {
                m.insert(text(a, 1), arg(a, 2));
            }
            Ok(arg(a, 0))
        },
    );
    f.add("typeOf", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::from(arg(a, 0).type_name()))
    });
    f.add("fail", Signature::fixed(&[String]), |_, a| {
        Err(FuncError::msg(text(a, 0)))
    });
    f.add("toString", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::from(gotemplate::fmt::sprint(a)))
    });
    f.add("default", Signature::variadic(&[Any], Any), |_, a| {
        let given = arg(a, 1);
        Ok(if given.is_true() { given } else { arg(a, 0) })
    });
    f.add("include", Signature::fixed(&[String, Any]), |ctx, a| {
        ctx.execute_template(&text(a, 0), &arg(a, 1))
            .map(Value::from)
            .map_err(FuncError::from)
    });
    f.add("tpl", Signature::fixed(&[String, Any]), |ctx, a| {
        ctx.parse_and_execute("gotpl", &text(a, 0), &arg(a, 1))
            .map(Value::from)
            .map_err(FuncError::from)
    });
    f.add("rootName", Signature::fixed(&[]), |ctx, _| {
        Ok(Value::from(ctx.root_template_name()))
    });
    f
}

pub fn set_with(files: &[(&str, &str)]) -> Result<Templates, String> {
    let mut set = Templates::new(Arc::new(funcs()));
    set.set_name("gotpl");
    for (name, text) in files {
        set.parse(name, text).map_err(|e| e.to_string())?;
    }
    Ok(set)
}

pub fn opts(mk: MissingKey) -> ExecOptions {
    ExecOptions {
        missing_key: mk,
        ..ExecOptions::default()
    }
}

/// Runs `text` as template `t` with the Helm-like data and `missingkey=zero`.
pub fn run(text: &str) -> Result<String, String> {
    run_with(&[("t", text)], "t", &values(), MissingKey::Zero)
}

pub fn run_with(
    files: &[(&str, &str)],
    name: &str,
    data: &Value,
    mk: MissingKey,
) -> Result<String, String> {
    let set = set_with(files)?;
    set.execute(name, data, &opts(mk))
        .map_err(|e| e.to_string())
}

/// Output of `text`, or the error text prefixed with `ERR:`.
pub fn out(text: &str) -> String {
    match run(text) {
        Ok(o) => o,
        Err(e) => format!("ERR: {e}"),
    }
}

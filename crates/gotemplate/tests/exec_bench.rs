//! A criterion-free micro benchmark of the executor on helm-create style helpers (ignored by
//! default; run with `cargo test -p gotemplate --release --test exec_bench -- --ignored
//! --nocapture`). The ordinary test run only checks that the workload renders correctly.

mod exec_common;
use exec_common::*;

use std::time::Instant;

use gotemplate::MissingKey;

const HELPERS: &str = r#"
{{- define "app.name" -}}
{{- default "suite" .Values.nameOverride | printf "%.63s" -}}
{{- end }}
{{- define "app.labels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- range $k, $v := .Values.m }}
{{ $k }}: {{ $v | printf "%v" | printf "%q" }}
{{- end }}
{{- end }}
"#;

const MAIN: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "app.name" . }}
  labels:
{{ include "app.labels" . | printf "%s" }}
data:
{{- range $i, $s := .Values.strs }}
  key{{ $i }}: {{ $s | upper | printf "%q" }}
{{- end }}
{{- if and .Values.t (not .Values.fa) (eq (len .Values.list) 3) }}
  enabled: "true"
{{- end }}
{{- with .Values.nested.a }}
  first: {{ index .b 0 }}
{{- end }}
"#;

fn render() -> String {
    match run_with(
        &[("main", MAIN), ("_helpers", HELPERS)],
        "main",
        &values(),
        MissingKey::Zero,
    ) {
        Ok(o) => o,
        Err(e) => format!("ERR: {e}"),
    }
}

#[test]
fn workload_renders() {
    let out = render();
    assert!(out.contains("name: suite\n"), "{out}");
    assert!(
        out.contains("app.kubernetes.io/instance: release-name"),
        "{out}"
    );
    assert!(out.contains("key1: \"A\""), "{out}");
    assert!(out.contains("enabled: \"true\""), "{out}");
    assert!(out.contains("first: 10"), "{out}");
}

#[test]
#[ignore = "benchmark; run explicitly in release mode"]
fn bench_execute() {
    let set = set_with(&[("main", MAIN), ("_helpers", HELPERS)]).unwrap_or_else(|e| panic!("{e}"));
    let data = values();
    let opts = opts(MissingKey::Zero);
    let n = 20_000u32;
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        bytes += set
            .execute("main", &data, &opts)
            .map(|o| o.len())
            .unwrap_or(0);
    }
    let per = start.elapsed() / n;
    println!("execute: {per:?} per render ({bytes} bytes total)");
    assert!(bytes > 0);
}

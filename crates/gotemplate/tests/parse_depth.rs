//! Trees at the parser's nesting bound must print and execute without exhausting a 2 MiB
//! thread stack (the default for spawned threads and tokio workers), even in debug builds.

use gotemplate::parse::MAX_DEPTH;
use gotemplate::{ExecOptions, FuncMap, Templates, Value};

fn run_on_small_stack(text: String) -> Result<String, String> {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let mut set = Templates::new(FuncMap::new().into());
            set.parse("t", &text).map_err(|e| e.to_string())?;
            set.execute("t", &Value::str("x"), &ExecOptions::default())
                .map_err(|e| e.to_string())
        })
        .map_err(|e| e.to_string())?
        .join()
        .map_err(|_| "panicked".to_string())?
}

#[test]
fn nested_ifs_at_the_bound_execute() {
    let n = MAX_DEPTH;
    let text = format!("{}{{{{.}}}}{}", "{{if .}}".repeat(n), "{{end}}".repeat(n));
    assert_eq!(run_on_small_stack(text), Ok("x".to_string()));
}

#[test]
fn nested_parens_at_the_bound_execute() {
    let n = MAX_DEPTH - 1;
    let text = format!("{{{{ {}print .{} }}}}", "(".repeat(n), ")".repeat(n));
    assert_eq!(run_on_small_stack(text), Ok("x".to_string()));
}

#[test]
fn else_if_chain_at_the_bound_executes() {
    let n = MAX_DEPTH - 1;
    let text = format!(
        "{{{{if not .}}}}{}{{{{else}}}}{{{{.}}}}{{{{end}}}}",
        "{{else if not .}}".repeat(n)
    );
    assert_eq!(run_on_small_stack(text), Ok("x".to_string()));
}

#[test]
fn beyond_the_bound_is_a_parse_error() {
    let n = MAX_DEPTH + 1;
    let text = format!("{}{}", "{{with .}}".repeat(n), "{{end}}".repeat(n));
    let err = run_on_small_stack(text).err().unwrap_or_default();
    assert!(err.ends_with("max depth exceeded"), "{err}");
}

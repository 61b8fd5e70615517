//! The command line: one module per subcommand; this file only dispatches.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod render_template;
mod run;
mod template;

/// Kubernetes operator for Helm releases declared as HelmRelease resources.
#[derive(Parser, Debug)]
#[command(name = "helmrelease-operator", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the raw rendered text of one template of a chart (Helm's engine output for it).
    RenderTemplate(render_template::Args),
    /// Render a chart as `helm template` does.
    Template(template::Args),
    /// Run the operator: watch HelmReleases and reconcile them.
    Run(run::Args),
    /// Print the HelmRelease CustomResourceDefinition as YAML.
    Crd,
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::RenderTemplate(args) => render_template::run(args),
        Command::Template(args) => template::run(args),
        Command::Run(args) => run::run(args),
        Command::Crd => {
            print!("{}", helmrelease_operator::api::crd::crd_yaml());
            ExitCode::SUCCESS
        }
    }
}

/// Runs `f` on a thread with a large stack: template recursion (Helm allows 1000 nested
/// `include`s) is deep, and the main thread's stack is small.
pub fn with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    std::thread::Builder::new()
        .name("render".into())
        .stack_size(1 << 30)
        .spawn(f)
        .ok()?
        .join()
        .ok()
}

/// Loads a chart from a directory or a `.tgz` archive.
pub fn load_chart(path: &std::path::Path) -> Result<helm_render::Chart, String> {
    if path.is_dir() {
        return helm_render::load_dir(path).map_err(|e| e.to_string());
    }
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    helm_render::archive::load_archive(&data, &helm_render::archive::Limits::default())
        .map_err(|e| e.to_string())
}

/// User values from the CLI flags, in Helm's order: `-f` files, `--set-json`, `--set`,
/// `--set-string`, `--set-file`, `--set-literal`.
pub fn collect_values(
    files: &[std::path::PathBuf],
    set_json: &[String],
    set: &[String],
    set_string: &[String],
    set_file: &[String],
    set_literal: &[String],
) -> Result<gotemplate::Map, String> {
    let mut texts = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        texts.push((f.display().to_string(), text));
    }
    let base = helm_render::release::values_from_files(&texts).map_err(|e| e.to_string())?;
    helm_render::strvals::apply_cli_values(
        &base,
        set_json,
        set,
        set_string,
        set_file,
        set_literal,
    )?;
    Ok(base)
}

/// Prints a render's text to stdout, or Helm's `Error: ...` line to stderr; the exit code.
pub fn print_result(result: Option<Result<String, String>>) -> ExitCode {
    match result {
        Some(Ok(text)) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .is_err()
            {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Some(Err(e)) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
        None => {
            eprintln!("Error: rendering failed unexpectedly");
            ExitCode::FAILURE
        }
    }
}

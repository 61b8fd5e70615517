//! The command line: one module per subcommand; this file only dispatches.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod render_template;

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
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::RenderTemplate(args) => render_template::run(args),
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

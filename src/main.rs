//! helmrelease-operator: the binary. Glue only: parse the command line, call the library.

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    cli::main()
}

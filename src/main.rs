//! helmrelease-operator: the binary. Glue only: parse the command line, call the library.

use std::process::ExitCode;

mod cli;

/// mimalloc instead of glibc's malloc: rendering allocates many small, short-lived values,
/// and mimalloc serves them in about half the instructions (measured in BENCHMARKS.md). Built
/// with `no_thp`: transparent huge pages would add ~20 MiB of RSS to a small process.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}

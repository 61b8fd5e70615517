//! The `kube-sandbox` binary: glue that parses flags, loads/saves the state file, writes a
//! kubeconfig and serves until SIGINT/SIGTERM.

use kube_sandbox::{Config, Sandbox, SandboxError};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug)]
struct Args {
    listen: String,
    kubeconfig_out: Option<PathBuf>,
    version: String,
    state: Option<PathBuf>,
    workload_delay_ms: u64,
}

const USAGE: &str = "usage: kube-sandbox [--listen 127.0.0.1:0] [--kubeconfig-out PATH] [--version v1.33.0] [--state FILE] [--workload-delay-ms 50]";

fn parse_args() -> Result<Args, SandboxError> {
    let mut a = Args {
        listen: "127.0.0.1:0".into(),
        kubeconfig_out: None,
        version: "v1.33.0".into(),
        state: None,
        workload_delay_ms: 50,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (flag, None),
        };
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .ok_or_else(|| SandboxError::Args(format!("{flag} needs a value\n{USAGE}")))?,
        };
        match flag.as_str() {
            "--listen" => a.listen = value,
            "--kubeconfig-out" => a.kubeconfig_out = Some(value.into()),
            "--version" => a.version = value,
            "--state" => a.state = Some(value.into()),
            "--workload-delay-ms" => {
                a.workload_delay_ms = value
                    .parse()
                    .map_err(|_| SandboxError::Args(format!("bad --workload-delay-ms {value}")))?
            }
            other => return Err(SandboxError::Args(format!("unknown flag {other}\n{USAGE}"))),
        }
    }
    Ok(a)
}

async fn run() -> Result<(), SandboxError> {
    let args = parse_args()?;
    let sandbox = Sandbox::new(Config {
        version: args.version.clone(),
        workload_delay: Duration::from_millis(args.workload_delay_ms),
        ..Config::default()
    });
    if let Some(state) = &args.state {
        if state.exists() {
            sandbox.load_state(state)?;
        }
    }
    let running = sandbox.listen(&args.listen).await?;
    if let Some(path) = &args.kubeconfig_out {
        running.write_kubeconfig(path)?;
    }
    println!("{}", running.url);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(SandboxError::Serve)?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    if let Some(state) = &args.state {
        sandbox.save_state(state)?;
    }
    running.stop().await;
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("kube-sandbox: {e}");
        std::process::exit(1);
    }
}

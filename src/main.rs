//! The `vitrine` binary: `serve` (default), `worker`, `migrate`,
//! `reconcile [--fix]`, `admin create`, `token create|list|revoke`, and the
//! REST clients `upload`, `reprocess` and `import` (see `vitrine --help`).

use anyhow::Result;
use clap::Parser;
use vitrine::{
    cli::{Cli, Command},
    server::telemetry,
};

fn main() -> Result<()> {
    // Before any thread exists (see the function's note).
    vitrine::imaging::tune_malloc();
    let cli = Cli::parse();
    let ok = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            // s3s logs every refused request at ERROR; the embedded endpoint counts them instead.
            telemetry::init("info,sqlx=warn,s3s=off,aws=warn");
            vitrine::cli::run(cli.command.unwrap_or(Command::Serve)).await
        })?;
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}

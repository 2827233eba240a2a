//! The `vitrine` command line (clap): the server's own commands, which need
//! the settings and the database, and the REST door's client commands
//! (`upload`, `reprocess`, `import`), which need only `--server` and
//! `VITRINE_TOKEN` and so work against a remote deployment.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::{
    client,
    server::{
        db::Db,
        services::auth,
        settings::Settings,
        startup::{self, Application},
        token_cli,
    },
};

#[derive(Parser, Debug)]
#[command(
    name = "vitrine",
    version,
    about = "Product image galleries: the web app, its worker, and a client of its REST API",
    after_help = "Settings come from Leptos.toml and VITRINE_* variables (see the README)."
)]
pub struct Cli {
    /// What to do; `serve` when left out.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the app (pages, REST API, embedded store) and run the worker.
    Serve,
    /// Process images only: no port, no pages.
    Worker,
    /// Apply the database migrations and exit.
    Migrate,
    /// Compare the database with storage; `--fix` repairs what differs.
    Reconcile {
        /// Repair: remove stray objects, mark lost images failed.
        #[arg(long)]
        fix: bool,
    },
    /// Admin accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// API tokens for the REST door.
    #[command(subcommand)]
    Token(token_cli::TokenCommand),
    /// Upload image files and folders to a product of a running server.
    Upload(client::upload::Options),
    /// Queue images of a running server for processing again.
    Reprocess(client::reprocess::Options),
    /// Import a legacy catalogue export (CSV or JSON, one picture per product).
    Import(client::import::Options),
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an admin; the password comes from VITRINE_ADMIN_PASSWORD or one line on stdin.
    Create { email: String },
}

/// Runs a command; `Ok(false)` means it ran but something in it failed (exit code 1).
pub async fn run(command: Command) -> Result<bool> {
    // The REST door's clients: no settings, no database.
    match &command {
        Command::Upload(o) => return client::upload::run(o).await,
        Command::Reprocess(o) => return client::reprocess::run(o).await.map(|()| true),
        Command::Import(o) => return client::import::run(o).await,
        _ => {}
    }
    let settings = Settings::load()?;
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            println!("Vitrine is running at {}/admin", app.public_url);
            app.run_until(startup::terminated()).await?;
        }
        Command::Worker => {
            let ctx = startup::worker_context(&settings).await?;
            crate::server::metrics::handle();
            if !settings.metrics_bind.is_empty() {
                let listener = tokio::net::TcpListener::bind(&settings.metrics_bind)
                    .await
                    .with_context(|| format!("cannot listen on VITRINE_METRICS_BIND {}", settings.metrics_bind))?;
                let router =
                    crate::server::web::observe::metrics_router(ctx.db.clone(), settings.metrics_token.clone());
                tokio::spawn(async move { axum::serve(listener, router).await });
            }
            let (stop, shutdown) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                startup::terminated().await;
                let _ = stop.send(true);
            });
            crate::server::jobs::work_until(ctx, settings.processing.workers(), shutdown).await;
        }
        Command::Migrate => {
            Db::connect(settings.database_url.expose(), &settings.data_dir).await?;
            println!("migrations applied");
        }
        Command::Reconcile { fix } => {
            // With the embedded store, run it beside a running serve.
            let ctx = startup::worker_context(&settings).await?;
            let report = crate::server::reconcile::reconcile(&ctx, fix).await?;
            print!("{report}");
            if !fix && !report.is_clean() {
                println!("run `vitrine reconcile --fix` to repair");
            }
        }
        Command::Admin(AdminCommand::Create { email }) => {
            let password = match std::env::var("VITRINE_ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    eprintln!("Password for {email} (one line on stdin):");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let db = Db::connect(settings.database_url.expose(), &settings.data_dir).await?;
            let user = auth::create_user(&db, &email, &password, true).await?;
            println!("created admin {}", user.email);
        }
        Command::Token(cmd) => token_cli::run(&settings, cmd).await?,
        Command::Upload(_) | Command::Reprocess(_) | Command::Import(_) => unreachable!("handled above"),
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent_and_documented() {
        Cli::command().debug_assert();
        let help = Cli::command().render_long_help().to_string();
        for sub in [
            "serve",
            "worker",
            "migrate",
            "reconcile",
            "admin",
            "token",
            "upload",
            "reprocess",
            "import",
        ] {
            assert!(help.contains(sub), "{sub} is listed: {help}");
        }
    }

    #[test]
    fn subcommands_parse() {
        let cli = Cli::try_parse_from(["vitrine", "token", "create", "ci", "--scope", "read"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Token(_))));
        assert!(Cli::try_parse_from(["vitrine"]).unwrap().command.is_none());
        assert!(Cli::try_parse_from(["vitrine", "reprocess", "--failed"]).is_ok());
        assert!(Cli::try_parse_from(["vitrine", "import"]).is_err(), "FILE is required");
        assert!(Cli::try_parse_from(["vitrine", "bogus"]).is_err());
    }
}

//! The `vitrine` binary: `serve` (default), `worker`, `reconcile [--fix]`,
//! `admin create EMAIL`, `token create|list|revoke` (API tokens), `migrate`,
//! and `upload --product SLUG PATH…` (a client of a running server).

use anyhow::Result;
use vitrine::server::{
    settings::Settings,
    startup::{self, Application},
    telemetry,
};

fn main() -> Result<()> {
    // Before any thread exists (see the function's note).
    vitrine::imaging::tune_malloc();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> Result<()> {
    // s3s logs every refused request at ERROR; the embedded endpoint counts them instead.
    telemetry::init("info,sqlx=warn,s3s=off,aws=warn");
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    if command == "upload" {
        // A client of a running server: no settings, no database.
        let args: Vec<String> = std::env::args().skip(2).collect();
        if !vitrine::client::upload::run(&args).await? {
            std::process::exit(1);
        }
        return Ok(());
    }
    let settings = Settings::load()?;
    match command.as_str() {
        "serve" => {
            let app = Application::build(settings).await?;
            println!("Vitrine is running at {}/admin", app.public_url);
            app.run().await
        }
        "worker" => {
            // The database, storage and imaging settings: no port, no admin, no pages.
            let ctx = startup::worker_context(&settings).await?;
            vitrine::server::jobs::work_forever(ctx, settings.processing.workers()).await;
            Ok(())
        }
        "admin" => {
            // vitrine admin create EMAIL   (password from VITRINE_ADMIN_PASSWORD or one line on stdin)
            let args: Vec<String> = std::env::args().skip(2).collect();
            let [sub, email] = args.as_slice() else {
                anyhow::bail!("usage: vitrine admin create EMAIL")
            };
            anyhow::ensure!(sub == "create", "usage: vitrine admin create EMAIL");
            let password = match std::env::var("VITRINE_ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    eprintln!("Password for {email} (one line on stdin):");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let db = vitrine::server::db::Db::connect(settings.database_url.expose(), &settings.data_dir).await?;
            let user = vitrine::server::services::auth::create_user(&db, email, &password, true).await?;
            println!("created admin {}", user.email);
            Ok(())
        }
        "reconcile" => {
            // vitrine reconcile [--fix]   (with the embedded store, run it beside a running serve)
            let fix = std::env::args().nth(2).as_deref() == Some("--fix");
            let ctx = startup::worker_context(&settings).await?;
            let report = vitrine::server::reconcile::reconcile(&ctx, fix).await?;
            print!("{report}");
            if !fix && !report.is_clean() {
                println!("run `vitrine reconcile --fix` to repair");
            }
            Ok(())
        }
        "token" => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            vitrine::server::token_cli::run(&settings, &args).await
        }
        "migrate" => {
            vitrine::server::db::Db::connect(settings.database_url.expose(), &settings.data_dir).await?;
            println!("migrations applied");
            Ok(())
        }
        other => anyhow::bail!(
            "unknown command {other:?}; use serve, worker, reconcile [--fix], admin create EMAIL, token create|list|revoke, upload or migrate"
        ),
    }
}

//! The `vitrine` binary: `serve` (default), `worker` or `migrate`.

use anyhow::Result;
use vitrine::server::{settings::Settings, startup::Application, telemetry};

fn main() -> Result<()> {
    // Before any thread exists (see the function's note).
    vitrine::imaging::limit_malloc_arenas();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> Result<()> {
    telemetry::init("info,sqlx=warn,s3s=warn,aws=warn");
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    let settings = Settings::load()?;
    match command.as_str() {
        "serve" => {
            let app = Application::build(settings).await?;
            println!("Vitrine is running at {}/admin", app.public_url);
            app.run().await
        }
        "worker" => {
            // A worker needs the database and storage but serves nothing.
            let app = Application::build(Settings {
                run_worker: false,
                ..settings
            })
            .await?;
            vitrine::server::jobs::work_forever(app.state).await;
            Ok(())
        }
        "migrate" => {
            vitrine::server::db::Db::connect(settings.database_url.expose(), &settings.data_dir).await?;
            println!("migrations applied");
            Ok(())
        }
        other => anyhow::bail!("unknown command {other:?}; use serve, worker or migrate"),
    }
}

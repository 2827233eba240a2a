//! `vitrine token create NAME [--scope read|write]`, `token list`,
//! `token revoke ID`: API tokens for the REST door, managed where the
//! database is. The secret is printed once, on stdout, never logged.

use anyhow::Result;
use clap::Subcommand;
use uuid::Uuid;

use super::{
    db::Db,
    services::tokens::{self, Scope},
    settings::Settings,
};

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token and print its secret (shown only this once).
    Create {
        /// What the token is for ("nightly sync").
        name: String,
        /// `read` lists and reads; `write` also creates, uploads and deletes.
        #[arg(long, default_value = "write", value_parser = |s: &str| Scope::parse(s).map_err(|e| e.to_string()))]
        scope: Scope,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token: it is refused from now on.
    Revoke {
        /// The token's id, from `vitrine token list`.
        id: Uuid,
    },
}

pub async fn run(settings: &Settings, command: TokenCommand) -> Result<()> {
    let db = Db::connect(settings.database_url.expose(), &settings.data_dir).await?;
    match command {
        TokenCommand::Create { name, scope } => {
            let (token, secret) = tokens::create(&db, &name, scope).await?;
            eprintln!(
                "created {} token {:?} ({}); the secret is shown only now:",
                scope.as_str(),
                token.name,
                token.id
            );
            println!("{}", secret.expose());
        }
        TokenCommand::List => {
            println!("{:<36}  {:<5}  {:<8}  name", "id", "scope", "state");
            for t in tokens::list(&db).await? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "live" };
                println!("{}  {:<5}  {:<8}  {}", t.id, t.scope.as_str(), state, t.name);
            }
        }
        TokenCommand::Revoke { id } => {
            tokens::revoke(&db, id).await?;
            println!("revoked {id}");
        }
    }
    Ok(())
}

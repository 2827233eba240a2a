//! `vitrine token create NAME [--scope read|write]`, `token list`,
//! `token revoke ID`: API tokens for the REST door, managed where the
//! database is. The secret is printed once, on stdout, never logged.

use anyhow::{Context, Result, bail};

use super::{
    db::Db,
    services::tokens::{self, Scope},
    settings::Settings,
};

const USAGE: &str = "usage: vitrine token create NAME [--scope read|write] | token list | token revoke ID";

pub async fn run(settings: &Settings, args: &[String]) -> Result<()> {
    let db = Db::connect(settings.database_url.expose(), &settings.data_dir).await?;
    match args {
        [cmd, name, rest @ ..] if cmd == "create" => {
            let scope = match rest {
                [] => Scope::Write,
                [flag, scope] if flag == "--scope" => Scope::parse(scope)?,
                _ => bail!(USAGE),
            };
            let (token, secret) = tokens::create(&db, name, scope).await?;
            eprintln!(
                "created {} token {:?} ({}); the secret is shown only now:",
                scope.as_str(),
                token.name,
                token.id
            );
            println!("{}", secret.expose());
            Ok(())
        }
        [cmd] if cmd == "list" => {
            println!("{:<36}  {:<5}  {:<8}  name", "id", "scope", "state");
            for t in tokens::list(&db).await? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "live" };
                println!("{}  {:<5}  {:<8}  {}", t.id, t.scope.as_str(), state, t.name);
            }
            Ok(())
        }
        [cmd, id] if cmd == "revoke" => {
            let id = uuid::Uuid::parse_str(id).context("ID is a token id from `vitrine token list`")?;
            tokens::revoke(&db, id).await?;
            println!("revoked {id}");
            Ok(())
        }
        _ => bail!(USAGE),
    }
}

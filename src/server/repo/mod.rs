//! Tables as typed Rust: each module owns the SQL of one table (or a table and
//! the rows that only exist with it). Services call these functions and never
//! write SQL about these tables themselves. Stored values that break the
//! schema's promise (a status no code knows, an id that is not a UUID) are
//! decoding errors, never silently replaced.

pub mod images;
pub mod sessions;
pub mod variants;

use uuid::Uuid;

fn decode_err(column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("{column} holds {value:?}, which this version cannot read").into())
}

fn parse_uuid(column: &str, value: &str) -> Result<Uuid, sqlx::Error> {
    Uuid::parse_str(value).map_err(|_| decode_err(column, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_ids_are_errors_not_nil() {
        assert!(parse_uuid("image.id", "not-a-uuid").is_err());
        let id = Uuid::new_v4();
        assert_eq!(parse_uuid("image.id", &id.to_string()).unwrap(), id);
    }
}

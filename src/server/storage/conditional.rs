//! Whether the store honours `If-None-Match: *` on PUT (conditional writes).
//! Tickets send it so each writes its object once; a store that ignores it
//! (Garage 2.5 does) still checks the bound SHA-256, so a ticket can at most
//! write the same bytes again before it expires. Start-up asks once and says
//! so in the log.

use aws_sdk_s3::primitives::ByteStream;

use super::{ObjectKey, Storage, StorageError};

impl Storage {
    /// Writes a probe twice with `If-None-Match: *`: true when the second
    /// write is refused, as it should be. The probe is removed either way.
    pub async fn honours_conditional_writes(&self) -> Result<bool, StorageError> {
        let key = ObjectKey::conditional_probe();
        let put = || {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(key.as_str())
                .if_none_match("*")
                .body(ByteStream::from_static(b"probe"))
                .send()
        };
        put().await.map_err(super::failed("put"))?;
        let honoured = put().await.is_err();
        self.delete(&key).await?;
        Ok(honoured)
    }

    /// Start-up's check: logs once when the store ignores conditional writes.
    pub async fn note_conditional_writes(&self) {
        match self.honours_conditional_writes().await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                "the store ignores If-None-Match: an upload ticket can write its object again until it \
                 expires, with the same bytes only (the store still checks the bound SHA-256)"
            ),
            Err(e) => tracing::warn!(error = %e, "could not learn whether the store honours conditional writes"),
        }
    }
}

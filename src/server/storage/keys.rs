//! Storage keys, built from ids only (spec section 3): one folder per image
//! under its product's folder, `original.{ext}` and `w{width}.{format}` inside.

use uuid::Uuid;

use crate::validate::ImageType;

/// A storage key built from ids only (spec section 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectKey(String);

impl ObjectKey {
    /// Every object of a product lives under this prefix.
    pub fn product_folder(product_id: Uuid) -> String {
        format!("products/{product_id}/")
    }

    pub fn image_folder(product_id: Uuid, image_id: Uuid) -> String {
        format!("{}{image_id}/", Self::product_folder(product_id))
    }

    pub fn original(product_id: Uuid, image_id: Uuid, kind: ImageType) -> Self {
        Self(format!(
            "{}original.{}",
            Self::image_folder(product_id, image_id),
            kind.extension()
        ))
    }

    /// A variant made by processing run number `run`: each run writes new keys, so
    /// no cached URL (browser, CDN, the app's URL cache) serves an older rendition.
    pub fn variant(product_id: Uuid, image_id: Uuid, run: i64, format: &str, width: u32) -> Self {
        Self(format!(
            "{}w{width}-v{run}.{format}",
            Self::image_folder(product_id, image_id)
        ))
    }

    /// The image whose original `key` names (`products/{p}/{i}/original.{ext}`), if it is one.
    pub fn image_of_original(key: &str) -> Option<Uuid> {
        let mut parts = key.split('/');
        let (Some("products"), Some(p), Some(i), Some(file), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Uuid::parse_str(p).ok()?;
        file.starts_with("original.").then(|| Uuid::parse_str(i).ok()).flatten()
    }

    /// A key read back from the database, which only ever stores constructed keys.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hold_ids_only() {
        let (p, i) = (Uuid::new_v4(), Uuid::new_v4());
        let key = ObjectKey::original(p, i, ImageType::Png);
        assert_eq!(key.as_str(), format!("products/{p}/{i}/original.png"));
        assert!(key.as_str().starts_with(&ObjectKey::image_folder(p, i)));
        assert_eq!(ObjectKey::image_of_original(key.as_str()), Some(i));
        let variant = ObjectKey::variant(p, i, 2, "webp", 320);
        assert_eq!(variant.as_str(), format!("products/{p}/{i}/w320-v2.webp"));
        assert_eq!(
            ObjectKey::image_of_original(variant.as_str()),
            None,
            "a variant is not an original"
        );
    }
}

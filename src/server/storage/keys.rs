//! Storage keys, built from ids only (spec section 3): one folder per image
//! under its product's folder, `original.{ext}` and `w{width}.{format}` inside.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::validate::ImageType;

/// A storage key built from ids only (spec section 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectKey(String);

impl ObjectKey {
    /// Every product's objects live under this prefix.
    pub const PRODUCTS_PREFIX: &str = "products/";

    /// Every object of a product lives under this prefix.
    pub fn product_folder(product_id: Uuid) -> String {
        format!("products/{product_id}/")
    }

    pub fn image_folder(product_id: Uuid, image_id: Uuid) -> String {
        format!("{}{image_id}/", Self::product_folder(product_id))
    }

    /// The object `/readyz` writes and removes to learn whether the store takes writes.
    pub fn health_probe() -> Self {
        Self("health/readyz".into())
    }

    /// The object start-up writes twice to learn whether the store honours `If-None-Match`.
    pub fn conditional_probe() -> Self {
        Self(format!("health/conditional-{}", Uuid::new_v4()))
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

    /// The image and file name a key in an image's folder names
    /// (`products/{p}/{i}/{file}`), if it is one.
    fn image_and_file(key: &str) -> Option<(Uuid, &str)> {
        let mut parts = key.split('/');
        let (Some("products"), Some(p), Some(i), Some(file), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Uuid::parse_str(p).ok()?;
        Some((Uuid::parse_str(i).ok()?, file))
    }

    /// The image whose original `key` names (`products/{p}/{i}/original.{ext}`), if it is one.
    pub fn image_of_original(key: &str) -> Option<Uuid> {
        let (image, file) = Self::image_and_file(key)?;
        file.starts_with("original.").then_some(image)
    }

    /// The processing run that wrote variant `key` (`…/w800-v3.webp` → 3); 0
    /// for a variant named before runs were; `None` for anything else.
    pub fn variant_run(key: &str) -> Option<i64> {
        let (_, file) = Self::image_and_file(key)?;
        let stem = file.strip_prefix('w')?.split('.').next()?;
        match stem.split_once("-v") {
            Some((width, run)) => (width.parse::<u32>().is_ok()).then_some(run.parse().ok()?),
            None => stem.parse::<u32>().is_ok().then_some(0),
        }
    }

    /// Where visitors fetch this variant from the app: `/media/{image}/{file}`,
    /// the image id in 22 base64url characters (pages list hundreds of these).
    /// Never for an original: those are not for visitors.
    pub fn media_path(&self) -> Option<String> {
        let (image, file) = Self::image_and_file(&self.0)?;
        (!file.starts_with("original.")).then(|| format!("/media/{}/{file}", URL_SAFE_NO_PAD.encode(image.as_bytes())))
    }

    /// The image a `media_path` names, from its 22-character id.
    pub fn media_image(id: &str) -> Option<Uuid> {
        let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
        Uuid::from_slice(&bytes).ok()
    }

    /// The file name inside the image's folder (`w800-v2.webp`).
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or_default()
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

    #[test]
    fn a_variant_key_names_its_run() {
        let (p, i) = (Uuid::new_v4(), Uuid::new_v4());
        let run_of = |k: String| ObjectKey::variant_run(&k);
        assert_eq!(
            run_of(ObjectKey::variant(p, i, 3, "webp", 800).as_str().into()),
            Some(3)
        );
        assert_eq!(run_of(format!("products/{p}/{i}/w320.avif")), Some(0));
        assert_eq!(run_of(ObjectKey::original(p, i, ImageType::Jpeg).as_str().into()), None);
        assert_eq!(run_of(format!("products/{p}/{i}/wild.webp")), None);
        assert_eq!(run_of("health/readyz".into()), None);
    }

    #[test]
    fn media_paths_name_variants_only() {
        let (p, i) = (Uuid::new_v4(), Uuid::new_v4());
        let path = ObjectKey::variant(p, i, 3, "avif", 800).media_path().unwrap();
        let (id, file) = path.strip_prefix("/media/").unwrap().split_once('/').unwrap();
        assert_eq!(id.len(), 22);
        assert_eq!(file, "w800-v3.avif");
        assert_eq!(ObjectKey::media_image(id), Some(i));
        assert_eq!(ObjectKey::original(p, i, ImageType::Jpeg).media_path(), None);
        assert_eq!(ObjectKey::from_stored("elsewhere/x.webp".into()).media_path(), None);
        assert_eq!(ObjectKey::media_image("not-an-id"), None);
        assert_eq!(ObjectKey::variant(p, i, 1, "webp", 320).file_name(), "w320-v1.webp");
    }
}

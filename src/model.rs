//! Wire types shared by the server and the browser. They derive serde (and,
//! on the server, the OpenAPI schema of the REST door) only:
//! database rows stay in `server::db`, secrets never appear here.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A product as the UI and the API see it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDto {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub published: bool,
    pub image_count: i64,
    /// The chosen cover, if one was chosen (else the first ready image serves).
    pub cover_image_id: Option<Uuid>,
    /// A small rendition of the effective cover, on public listings.
    pub cover_url: Option<String>,
}

/// A page of products (REST `GET /api/v1/products`), newest first.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProductPage {
    pub items: Vec<ProductDto>,
    /// Pass as `?cursor=` for the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A product's gallery as the REST door answers it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProductImages {
    pub product_id: Uuid,
    /// The image that stands for the product: its cover when that is ready,
    /// else the first ready image; `null` while none is ready.
    pub primary_image: Option<ImageDto>,
    /// Every image, in display order, whatever its status.
    pub images: Vec<ImageDto>,
}

/// Where an image is in its life; see spec section 5.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageStatus {
    Pending,
    Uploaded,
    Processing,
    Ready,
    Failed,
}

impl ImageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Uploaded => "uploaded",
            Self::Processing => "processing",
            Self::Ready => "ready",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "pending" => Self::Pending,
            "uploaded" => Self::Uploaded,
            "processing" => Self::Processing,
            "ready" => Self::Ready,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    /// Words for a person, as the UI contract (spec section 9) spells them.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Waiting",
            Self::Uploaded => "Uploaded",
            Self::Processing => "Processing",
            Self::Ready => "Ready",
            Self::Failed => "Failed",
        }
    }
}

/// One image of a product's gallery.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageDto {
    pub id: Uuid,
    pub product_id: Uuid,
    pub status: ImageStatus,
    pub original_filename: String,
    pub content_type: String,
    pub byte_size: i64,
    pub alt_text: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub error: Option<String>,
    /// How many times processing has started (shown with a failure's reason).
    #[serde(default)]
    pub attempts: i64,
    /// A short-lived URL of the original, for the admin's own view only.
    pub original_url: Option<String>,
    /// Displayed size of the original, known once processed.
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// A tiny PNG data URL made from the thumbhash, shown while the image loads.
    pub placeholder: Option<String>,
    /// The image's ThumbHash (base64): a blurred preview in ≈ 30 bytes.
    #[serde(default)]
    pub thumbhash: Option<String>,
    /// Web variants, narrowest first.
    pub variants: Vec<VariantDto>,
}

/// One processed rendition of an image.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantDto {
    pub format: String,
    pub width: i64,
    pub height: i64,
    pub byte_size: i64,
    pub url: String,
}

/// A published product's gallery as visitors see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GalleryDto {
    pub product: ProductDto,
    pub images: Vec<PublicImageDto>,
}

/// What a visitor gets of one ready image: what the page shows, nothing about
/// the upload (no filename, byte size, content type or error).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicImageDto {
    pub id: Uuid,
    /// The image's alt text, or the product's name when none was written.
    pub alt: String,
    pub title: String,
    pub description: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// The ThumbHash (base64) the page draws as a placeholder while the image loads.
    pub thumbhash: Option<String>,
    pub variants: Vec<VariantDto>,
}

impl PublicImageDto {
    pub fn of(img: ImageDto, product_name: &str) -> Self {
        Self {
            id: img.id,
            alt: if img.alt_text.is_empty() {
                product_name.to_string()
            } else {
                img.alt_text
            },
            title: img.title,
            description: img.description,
            width: img.width,
            height: img.height,
            thumbhash: img.thumbhash,
            variants: img.variants,
        }
    }
}

/// What the browser declares about a file before uploading it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSpec {
    pub name: String,
    pub size: u64,
    pub content_type: String,
    /// The file's SHA-256 (64 hex digits), which the ticket then binds: storage
    /// refuses any other bytes. The browser always sends it; scripts may omit it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Give no ticket when an image with this SHA-256 is already in the
    /// gallery (the file comes back in `failed` as `duplicate`). The browser
    /// asks for this until its user says "Upload anyway".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_if_present: bool,
    /// The client can send a big file in parts (S3 multipart): a file above
    /// 16 MiB then gets a part plan instead of one URL, and the same file
    /// announced again while its upload is unfinished resumes it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_parts: bool,
}

/// How a big file goes up: parts of `part_size` bytes (the last one shorter),
/// each PUT through a URL that `sign_parts` gives for its number and SHA-256.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartPlan {
    pub part_size: u64,
    pub parts: u32,
    /// Parts already stored by an earlier try (a resumed upload skips them).
    pub done: Vec<u32>,
}

/// One part the client is about to PUT.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartSpec {
    pub number: u32,
    /// The part's SHA-256 (64 hex digits); the URL binds it.
    pub sha256: String,
}

/// Permission to PUT one part: exactly its bytes, through `url` with `headers`.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartTicket {
    pub number: u32,
    pub url: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<Vec<String>>))]
    pub headers: Vec<(String, String)>,
}

/// Permission to PUT one file: the URL is bound to one key, type and length.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadTicket {
    /// Position of the file in the request, so the client can match it up.
    pub index: usize,
    pub image_id: Uuid,
    pub filename: String,
    pub url: String,
    pub content_type: String,
    /// Headers the PUT must send as they are (the signature covers them):
    /// `Content-Type`, and `If-None-Match: *` so the ticket writes its object once.
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<Vec<String>>))]
    pub headers: Vec<(String, String)>,
    pub byte_size: u64,
    /// Seconds from issue until the URL stops working.
    pub expires_in: u64,
    /// Set for a file that goes up in parts (`url` is then empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipart: Option<PartPlan>,
}

/// Why one file of a batch was refused.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Validation,
    TooLarge,
    UnsupportedType,
    Storage,
    Internal,
    /// The same bytes are already in this gallery.
    Duplicate,
}

impl FailureKind {
    /// The wire name (as serde writes it), for metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "validation",
            Self::TooLarge => "too_large",
            Self::UnsupportedType => "unsupported_type",
            Self::Storage => "storage",
            Self::Internal => "internal",
            Self::Duplicate => "duplicate",
        }
    }
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchFailure {
    pub index: usize,
    pub filename: String,
    pub reason: String,
    pub kind: FailureKind,
}

/// The one batch shape used by the UI, server functions and REST (spec section 4).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResult<T> {
    pub successful: Vec<T>,
    pub failed: Vec<BatchFailure>,
    pub total_requested: usize,
    pub total_successful: usize,
    pub total_failed: usize,
}

impl<T> BatchResult<T> {
    pub fn new(total_requested: usize, successful: Vec<T>, failed: Vec<BatchFailure>) -> Self {
        Self {
            total_successful: successful.len(),
            total_failed: failed.len(),
            successful,
            failed,
            total_requested,
        }
    }
}

/// Limits the browser checks before asking, and the server checks again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadLimits {
    pub max_file_bytes: u64,
    pub max_files_per_batch: usize,
    pub parallel_uploads: usize,
}

/// An API token as the admin's token page lists it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenDto {
    pub id: Uuid,
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    /// Milliseconds since the Unix epoch, like every time in the schema.
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A token just created: its secret crosses the wire this once, to the admin who made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: TokenDto,
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_through_its_name() {
        for s in [
            ImageStatus::Pending,
            ImageStatus::Uploaded,
            ImageStatus::Processing,
            ImageStatus::Ready,
            ImageStatus::Failed,
        ] {
            assert_eq!(ImageStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ImageStatus::parse("nope"), None);
    }

    #[test]
    fn batch_result_counts_match_its_lists() {
        let failure = BatchFailure {
            index: 1,
            filename: "x.txt".into(),
            reason: "no".into(),
            kind: FailureKind::UnsupportedType,
        };
        let r = BatchResult::new(3, vec![1, 2], vec![failure]);
        assert_eq!((r.total_requested, r.total_successful, r.total_failed), (3, 2, 1));
    }
}

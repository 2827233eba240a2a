//! `POST /api/v1/products/{product}/images`: the batch upload for scripts
//! that cannot PUT to storage themselves, as `multipart/form-data` with one
//! `files` part per image, optional `titles` and `descriptions` (one per file,
//! separated by `|`) and `tags` (separated by commas, for every file). Each
//! part is spooled to disk as it arrives (size and SHA-256 counted, never the
//! whole body in memory) and stored on its own through `services::ingest`: a
//! bad file never stops the others. One file answers the single-image shape
//! (201, or a problem: 413 when it is over the limit); two or more the batch
//! shape.

use axum::{
    Json,
    extract::{
        Multipart, Path, State,
        multipart::{Field, MultipartError, MultipartRejection},
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use super::{ApiResult, Problem, ProblemBody};
use crate::{
    error::AppError,
    model::{BatchFailure, BatchResult, FailureKind, ImageDto},
    server::{
        services::{gallery, images, ingest, products},
        web::{caller::Caller, state::AppState},
    },
    validate::{ImageText, ImageType, Sha256Hex},
};

/// The most a text part (`titles`, `descriptions`, `tags`) may hold.
const MAX_TEXT_PART: usize = 256 * 1024;

/// The form, as the OpenAPI document describes it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The image files; repeat the part for each (100 MiB each at most).
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
    /// One title per file, in order, separated by `|`.
    titles: Option<String>,
    /// One description per file, in order, separated by `|`.
    descriptions: Option<String>,
    /// Tags for every file, separated by commas.
    tags: Option<String>,
}

fn malformed(e: MultipartError) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "invalid",
        format!("the multipart body is malformed: {}", e.body_text()),
    )
}

/// Reads one `files` part to a temporary file, then stores it.
async fn receive(
    st: &AppState,
    product_id: Uuid,
    index: usize,
    mut field: Field<'_>,
) -> ApiResult<Result<ImageDto, BatchFailure>> {
    let name = field.file_name().unwrap_or("file").to_string();
    let declared = field.content_type().unwrap_or_default().to_string();
    let limits = st.uploads.limits;
    let refuse = |kind, reason: String| {
        Ok(Err(BatchFailure {
            index,
            filename: name.clone(),
            reason,
            kind,
        }))
    };
    if index >= limits.max_files_per_batch {
        return refuse(
            FailureKind::Validation,
            format!("more than {} files in one request", limits.max_files_per_batch),
        );
    }
    let internal = |e: std::io::Error| {
        tracing::error!(error = %e, "could not spool an uploaded file");
        Problem::from(AppError::Internal)
    };
    let (file, path) = tempfile::NamedTempFile::new().map_err(internal)?.into_parts();
    let mut out = tokio::fs::File::from_std(file);
    let (mut hasher, mut size, mut head) = (Sha256::new(), 0u64, Vec::new());
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        size += chunk.len() as u64;
        if size > limits.max_file_bytes {
            // Read on (storing nothing) to reach the next part: one big file never costs the others.
            while field.chunk().await.map_err(malformed)?.is_some() {}
            let mib = limits.max_file_bytes / (1024 * 1024);
            return refuse(
                FailureKind::TooLarge,
                format!("the file is larger than the {mib} MiB limit"),
            );
        }
        if head.len() < 32 {
            head.extend_from_slice(&chunk[..chunk.len().min(32 - head.len())]);
        }
        hasher.update(&chunk);
        out.write_all(&chunk).await.map_err(internal)?;
    }
    out.flush().await.map_err(internal)?;
    drop(out);
    // What the bytes are wins over what the part says (as completion decides anyway).
    let content_type = ImageType::sniff(&head).map_or(declared, |t| t.mime().to_string());
    let spooled = ingest::Spooled {
        index,
        name: &name,
        content_type: &content_type,
        size,
        sha256: Sha256Hex::from_digest(hasher.finalize().into()),
        path: &path,
    };
    Ok(ingest::ingest(&st.db, &st.storage, st.uploads, product_id, &spooled).await)
}

async fn text(mut field: Field<'_>) -> ApiResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_TEXT_PART {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "a text part is larger than 256 KiB",
            ));
        }
    }
    String::from_utf8(bytes).map_err(|_| Problem::new(StatusCode::BAD_REQUEST, "invalid", "text parts are UTF-8"))
}

/// The `i`-th of a `|`-separated list, or empty.
fn nth(list: &Option<String>, i: usize) -> &str {
    list.as_deref().and_then(|l| l.split('|').nth(i)).map_or("", str::trim)
}

/// Gives a stored image its title, description and tags, and answers its final state.
async fn with_text(
    st: &AppState,
    product_id: Uuid,
    image: ImageDto,
    title: &str,
    description: &str,
    tags: &[String],
) -> Result<ImageDto, String> {
    if title.is_empty() && description.is_empty() && tags.is_empty() {
        return Ok(image);
    }
    let text = match ImageText::parse("", title, description, tags) {
        Ok(t) => t,
        Err(reason) => {
            // Refused whole: a file is stored with its text or not at all.
            gallery::delete_images(&st.db, &st.storage, product_id, vec![image.id]).await;
            return Err(reason);
        }
    };
    if let Err(e) = gallery::update_text(&st.db, product_id, image.id, text.clone()).await {
        tracing::error!(error = %e, "could not set an uploaded image's text");
        return Err("stored, but its text could not be saved; set it again".into());
    }
    Ok(images::with_text(image, text))
}

fn status_of(kind: FailureKind) -> (StatusCode, &'static str) {
    match kind {
        FailureKind::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too-large"),
        FailureKind::UnsupportedType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-type"),
        FailureKind::Duplicate => (StatusCode::CONFLICT, "conflict"),
        FailureKind::Validation => (StatusCode::BAD_REQUEST, "invalid"),
        // Storage or the database failed, and nothing was kept: worth trying again.
        FailureKind::Storage | FailureKind::Internal => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/products/{product}/images",
    tag = "images",
    params(("product" = String, Path, description = "The product's id or slug")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "One file: the stored image, queued for processing", body = ImageDto),
        (status = 200, description = "Two or more files: each stored, or the reason it was not", body = BatchResult<ImageDto>),
        (status = 400, description = "No `files` part, a malformed body, or a file or text refused", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "One file, already in this gallery", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "One file, over the size limit", body = ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data, or one file that is not a supported image", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "One file, and storage or the database failed (nothing was kept); try again", body = ProblemBody, content_type = "application/problem+json")
    )
)]
/// Uploads images through the server (for scripts that cannot use presigned URLs).
pub async fn upload(
    State(st): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    caller.writer()?;
    let product = products::find(&st.db, &key).await?;
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_form {
        let detail = "send the images as multipart/form-data `files` parts";
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-type",
            detail,
        ));
    }
    let mut form = form.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "invalid", e.body_text()))?;
    let (mut stored, mut titles, mut descriptions, mut tags) = (Vec::new(), None, None, None);
    while let Some(field) = form.next_field().await.map_err(malformed)? {
        match field.name().unwrap_or_default() {
            "files" | "files[]" => stored.push(receive(&st, product.id, stored.len(), field).await?),
            "titles" => titles = Some(text(field).await?),
            "descriptions" => descriptions = Some(text(field).await?),
            "tags" => tags = Some(text(field).await?),
            // Other parts are skipped unread.
            _ => {}
        }
    }
    if stored.is_empty() {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "send at least one `files` part",
        ));
    }
    let tags: Vec<String> = tags
        .iter()
        .flat_map(|t| t.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    let total = stored.len();
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for (i, result) in stored.into_iter().enumerate() {
        match result {
            Ok(image) => {
                let filename = image.original_filename.clone();
                match with_text(&st, product.id, image, nth(&titles, i), nth(&descriptions, i), &tags).await {
                    Ok(image) => ok.push(image),
                    Err(reason) => failed.push(BatchFailure {
                        index: i,
                        filename,
                        reason,
                        kind: FailureKind::Validation,
                    }),
                }
            }
            Err(f) => failed.push(f),
        }
    }
    if total == 1 {
        return match (ok.pop(), failed.pop()) {
            (Some(image), _) => Ok((StatusCode::CREATED, Json(image)).into_response()),
            (None, Some(f)) => {
                let (status, kind) = status_of(f.kind);
                Err(Problem::new(status, kind, f.reason))
            }
            (None, None) => Err(AppError::Internal.into()),
        };
    }
    Ok(Json(BatchResult::new(total, ok, failed)).into_response())
}

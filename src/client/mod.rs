//! The REST door's client: what `vitrine upload` runs against a running
//! (possibly remote) server with `--server URL` and `VITRINE_TOKEN`. It speaks
//! only `/api/v1` and the presigned PUT, so it needs no database or settings.

pub mod upload;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::model::{BatchResult, FileSpec, ImageDto, ProductDto, UploadTicket};

/// How long one request may take (a PUT of 100 MiB on a slow link takes longer:
/// transfers set their own timeout).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a problem (RFC 9457): its status, kind and sentence.
    #[error("{detail} ({status})")]
    Problem { status: u16, kind: String, detail: String },
    #[error("cannot reach the server: {0}")]
    Network(#[from] reqwest::Error),
}

impl ClientError {
    /// Worth trying again: the network, or the server or store briefly unavailable.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network(_) => true,
            Self::Problem { status, .. } => *status >= 500 || *status == 429,
        }
    }
}

#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl ApiClient {
    pub fn new(server: &str, token: &str) -> Result<Self, ClientError> {
        Ok(Self {
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .build()?,
            base: format!("{}/api/v1", server.trim_end_matches('/')),
            token: token.to_string(),
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, ClientError> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .timeout(REQUEST_TIMEOUT);
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await?;
        if res.status().is_success() {
            return Ok(res.json().await?);
        }
        Err(problem(res).await)
    }

    /// A product by id or slug.
    pub async fn product(&self, key: &str) -> Result<ProductDto, ClientError> {
        self.call(Method::GET, &format!("/products/{key}"), None::<&()>).await
    }

    pub async fn begin(&self, product: Uuid, files: &[FileSpec]) -> Result<BatchResult<UploadTicket>, ClientError> {
        let body = serde_json::json!({ "files": files });
        self.call(Method::POST, &format!("/products/{product}/uploads"), Some(&body))
            .await
    }

    pub async fn renew(&self, image: Uuid) -> Result<UploadTicket, ClientError> {
        self.call(Method::POST, &format!("/uploads/{image}/renew"), None::<&()>)
            .await
    }

    pub async fn complete(&self, image: Uuid) -> Result<ImageDto, ClientError> {
        self.call(Method::POST, &format!("/uploads/{image}/complete"), None::<&()>)
            .await
    }

    /// PUTs a body to a ticket's URL with every header the ticket names.
    pub async fn put(&self, ticket: &UploadTicket, body: reqwest::Body, timeout: Duration) -> Result<(), ClientError> {
        let mut req = self.http.put(&ticket.url).timeout(timeout);
        for (k, v) in &ticket.headers {
            req = req.header(k, v);
        }
        // The ticket binds the announced length: a streamed body must say it, not go chunked.
        let res = req
            .header(reqwest::header::CONTENT_LENGTH, ticket.byte_size)
            .body(body)
            .send()
            .await?;
        if res.status().is_success() {
            return Ok(());
        }
        let status = res.status();
        Err(ClientError::Problem {
            status: status.as_u16(),
            kind: if status == StatusCode::FORBIDDEN {
                "expired-or-refused"
            } else {
                "storage"
            }
            .into(),
            detail: format!(
                "storage refused the upload: {}",
                status.canonical_reason().unwrap_or("error")
            ),
        })
    }
}

/// A failed answer as a [`ClientError`]: the problem's own words when it sent one.
async fn problem(res: reqwest::Response) -> ClientError {
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    let kind = body["type"]
        .as_str()
        .unwrap_or("")
        .rsplit(':')
        .next()
        .unwrap_or("")
        .to_string();
    let detail = body["detail"]
        .as_str()
        .map_or_else(|| format!("the server answered {status}"), str::to_string);
    ClientError::Problem { status, kind, detail }
}

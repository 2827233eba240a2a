//! The REST door's client: what `vitrine upload` runs against a running
//! (possibly remote) server with `--server URL` and `VITRINE_TOKEN`. It speaks
//! only `/api/v1` and the presigned PUT, so it needs no database or settings.

pub mod import;
pub mod reprocess;
pub mod upload;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::model::{BatchResult, FileSpec, ImageDto, ProductDto, ProductImages, ProductPage, UploadTicket};

/// How long one request may take (a PUT of 100 MiB on a slow link takes longer:
/// transfers set their own timeout).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a problem (RFC 9457): its status, kind and sentence.
    #[error("{detail} ({status})")]
    Problem { status: u16, kind: String, detail: String },
    /// `host` only: a presigned URL's query is a credential, never printed.
    #[error("cannot reach {host}: {reason}")]
    Network { host: String, reason: String },
}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        let host = e
            .url()
            .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
            .unwrap_or_else(|| "the server".into());
        // The error's own words without its URL, then its causes (refused, reset…).
        let e = e.without_url();
        let mut reason = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            reason = format!("{reason}: {c}");
            cause = c.source();
        }
        Self::Network { host, reason }
    }
}

impl ClientError {
    /// Worth trying again: the network, or the server or store briefly unavailable.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network { .. } => true,
            Self::Problem { status, .. } => *status >= 500 || *status == 429,
        }
    }
}

/// Which server the commands talk to; the token comes from `VITRINE_TOKEN`
/// only, so it never shows in a process list or a shell's history.
#[derive(clap::Args, Debug)]
pub struct Remote {
    /// The server's URL.
    #[arg(long, env = "VITRINE_SERVER", default_value = "http://127.0.0.1:3000")]
    pub server: String,
}

impl Remote {
    pub fn client(&self) -> anyhow::Result<ApiClient> {
        let token = std::env::var("VITRINE_TOKEN")
            .map_err(|_| anyhow::anyhow!("set VITRINE_TOKEN to an API token (`vitrine token create NAME`)"))?;
        Ok(ApiClient::new(&self.server, &token)?)
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
        if res.status() == StatusCode::NO_CONTENT {
            // An empty answer reads as JSON `null` (for `()` and `Option`s).
            return serde_json::from_value(serde_json::Value::Null).map_err(|_| ClientError::Problem {
                status: 204,
                kind: "unexpected".into(),
                detail: "the server sent no body".into(),
            });
        }
        if res.status().is_success() {
            return Ok(res.json().await?);
        }
        Err(problem(res).await)
    }

    /// Every product, following the cursor pages.
    pub async fn products(&self) -> Result<Vec<ProductDto>, ClientError> {
        let (mut all, mut cursor) = (Vec::new(), None::<String>);
        loop {
            let path = match &cursor {
                Some(c) => format!("/products?limit=200&cursor={c}"),
                None => "/products?limit=200".into(),
            };
            let page: ProductPage = self.call(Method::GET, &path, None::<&()>).await?;
            all.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(all),
            }
        }
    }

    pub async fn create_product(&self, name: &str) -> Result<ProductDto, ClientError> {
        let body = serde_json::json!({ "name": name });
        self.call(Method::POST, "/products", Some(&body)).await
    }

    /// Changes fields of a product (`{"slug": …, "description": …}`).
    pub async fn update_product(&self, id: Uuid, changes: &serde_json::Value) -> Result<ProductDto, ClientError> {
        self.call(Method::PATCH, &format!("/products/{id}"), Some(changes))
            .await
    }

    pub async fn delete_product(&self, id: Uuid) -> Result<(), ClientError> {
        self.call(Method::DELETE, &format!("/products/{id}"), None::<&()>).await
    }

    /// A product's gallery in display order.
    pub async fn images(&self, product: Uuid) -> Result<ProductImages, ClientError> {
        self.call(Method::GET, &format!("/products/{product}/images"), None::<&()>)
            .await
    }

    /// Queues processing again (every ready and failed image when `ids` is empty); how many were queued.
    pub async fn reprocess(&self, product: Uuid, ids: &[Uuid]) -> Result<usize, ClientError> {
        let body = serde_json::json!({ "image_ids": ids });
        let queued: serde_json::Value = self
            .call(Method::POST, &format!("/products/{product}/reprocess"), Some(&body))
            .await?;
        Ok(queued["queued"].as_u64().unwrap_or(0) as usize)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_network_error_names_the_host_and_never_the_signed_query() {
        // A port nobody listens on: bind one, note it, let it go.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/bucket/key?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA");
        let err: ClientError = reqwest::Client::new().put(&url).send().await.unwrap_err().into();
        let shown = err.to_string();
        assert!(shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
        assert!(
            !shown.contains("Signature") && !shown.contains("deadbeef") && !shown.contains("/bucket"),
            "{shown}"
        );
        assert!(err.is_transient());
    }
}

//! `vitrine reprocess [--product SLUG] [--failed]`: queues processing again
//! through the REST door, for one product or every product, for every ready
//! and failed image or only the failed ones (after a fix to the pipeline, or a
//! store that was down).

use crate::model::{ImageStatus, ProductDto};

use super::{ApiClient, ClientError};

/// `vitrine reprocess`'s arguments.
#[derive(clap::Args, Debug)]
pub struct Options {
    #[command(flatten)]
    pub remote: super::Remote,
    /// Only this product (slug or id); every product when left out.
    #[arg(long)]
    pub product: Option<String>,
    /// Only images whose processing failed.
    #[arg(long)]
    pub failed: bool,
}

/// How many images of how many products were queued.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Queued {
    pub images: usize,
    pub products: usize,
}

async fn one(client: &ApiClient, p: &ProductDto, failed_only: bool) -> Result<usize, ClientError> {
    if !failed_only {
        return client.reprocess(p.id, &[]).await;
    }
    let ids: Vec<_> = client
        .images(p.id)
        .await?
        .images
        .into_iter()
        .filter(|i| i.status == ImageStatus::Failed)
        .map(|i| i.id)
        .collect();
    // An empty list would mean "all of them".
    if ids.is_empty() {
        return Ok(0);
    }
    client.reprocess(p.id, &ids).await
}

pub async fn reprocess(client: &ApiClient, opts: &Options) -> Result<Queued, ClientError> {
    let products = match &opts.product {
        Some(key) => vec![client.product(key).await?],
        None => client.products().await?,
    };
    let mut done = Queued::default();
    for p in &products {
        let n = one(client, p, opts.failed).await?;
        if n > 0 {
            done.images += n;
            done.products += 1;
        }
    }
    Ok(done)
}

/// `vitrine reprocess …`: prints what was queued.
pub async fn run(opts: &Options) -> anyhow::Result<()> {
    let client = opts.remote.client()?;
    let q = reprocess(&client, opts).await?;
    println!(
        "queued {} image(s) of {} product(s) for processing",
        q.images, q.products
    );
    Ok(())
}

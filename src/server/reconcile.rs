//! `vitrine reconcile [--fix]`: the bucket and the database compared both
//! ways. Objects under `products/` that no row owns are orphans; images whose
//! original is gone cannot be processed again; ready images with a variant
//! missing serve broken pictures. The report lists each; with `fix`, orphans
//! are deleted, images without an original are marked failed with the reason,
//! and images missing a variant are processed again.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::{
    jobs::{BackgroundJob, JobContext, ProcessImage},
    repo::{images, variants},
    storage::{ObjectKey, StorageError},
};
use crate::model::ImageStatus;

/// Why the original of an image marked failed by `--fix` is gone.
pub const MISSING_ORIGINAL: &str = "the original is missing from storage; upload it again";

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Objects under `products/` that no image or variant row names.
    pub orphans: Vec<String>,
    /// Images (uploaded, processing or ready) whose original object is gone.
    pub missing_originals: Vec<Uuid>,
    /// Ready images with at least one variant object gone.
    pub missing_variants: Vec<Uuid>,
    /// Whether the findings were fixed.
    pub fixed: bool,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.orphans.is_empty() && self.missing_originals.is_empty() && self.missing_variants.is_empty()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verb = if self.fixed { "fixed" } else { "found" };
        section(f, "orphan objects", verb, &self.orphans)?;
        section(f, "images whose original is missing", verb, &self.missing_originals)?;
        section(f, "ready images missing a variant", verb, &self.missing_variants)
    }
}

/// One finding: its count, then the first 20 of its items.
fn section(
    f: &mut std::fmt::Formatter<'_>,
    title: &str,
    verb: &str,
    items: &[impl std::fmt::Display],
) -> std::fmt::Result {
    writeln!(f, "{title}: {} ({verb})", items.len())?;
    for item in items.iter().take(20) {
        writeln!(f, "  {item}")?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Compares, and with `fix` repairs. Uploads still pending are left alone (their
/// ticket may still write; the janitor removes the abandoned ones).
#[tracing::instrument(skip(ctx))]
pub async fn reconcile(ctx: &JobContext, fix: bool) -> Result<Report, ReconcileError> {
    let objects: HashSet<String> = ctx
        .storage
        .list(ObjectKey::PRODUCTS_PREFIX)
        .await?
        .into_iter()
        .collect();
    let all_images = images::all(&ctx.db).await?;
    let all_variants = variants::all_keys(&ctx.db).await?;
    let mut owned: HashSet<&str> = all_images.iter().map(|i| i.key.as_str()).collect();
    owned.extend(all_variants.iter().map(|(_, k)| k.as_str()));
    let mut report = Report {
        orphans: objects
            .iter()
            .filter(|k| !owned.contains(k.as_str()))
            .cloned()
            .collect(),
        ..Report::default()
    };
    report.orphans.sort();
    let status: HashMap<Uuid, ImageStatus> = all_images.iter().map(|i| (i.id, i.status)).collect();
    for image in &all_images {
        let has_original = matches!(
            image.status,
            ImageStatus::Uploaded | ImageStatus::Processing | ImageStatus::Ready
        );
        if has_original && !objects.contains(image.key.as_str()) {
            report.missing_originals.push(image.id);
        }
    }
    let mut broken: Vec<Uuid> = all_variants
        .iter()
        .filter(|(id, key)| status.get(id) == Some(&ImageStatus::Ready) && !objects.contains(key.as_str()))
        .map(|(id, _)| *id)
        .filter(|id| !report.missing_originals.contains(id))
        .collect();
    broken.sort();
    broken.dedup();
    report.missing_variants = broken;
    if fix {
        repair(ctx, &report).await?;
        report.fixed = true;
    }
    Ok(report)
}

async fn repair(ctx: &JobContext, report: &Report) -> Result<(), ReconcileError> {
    for key in &report.orphans {
        ctx.storage.delete(&ObjectKey::from_stored(key.clone())).await?;
    }
    for id in &report.missing_originals {
        images::mark_original_lost(&ctx.db, *id, MISSING_ORIGINAL).await?;
    }
    for id in &report.missing_variants {
        let mut tx = ctx.db.begin().await?;
        if images::requeue(&mut tx, *id).await? {
            ProcessImage { image_id: *id }.enqueue(&mut tx).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

//! Everything that only runs on the server: settings, database, storage,
//! services and start-up.

pub mod db;
pub mod embedded_s3;
pub mod jobs;
pub mod metrics;
pub mod page_cache;
pub mod reconcile;
pub mod repo;
pub mod s3_guard;
pub mod services;
pub mod settings;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod token_cli;
pub mod web;

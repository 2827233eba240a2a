//! Business logic. Server functions and API routes call exactly one of these.

pub mod again;
pub mod auth;
pub mod completion;
pub mod gallery;
pub mod images;
pub mod ingest;
pub mod parts;
pub mod products;
pub mod sign_in_limits;
pub mod tokens;
pub mod uploads;

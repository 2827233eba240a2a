//! Business logic. Server functions and API routes call exactly one of these.

pub mod auth;
pub mod gallery;
pub mod images;
pub mod processing;
pub mod products;
pub mod uploads;

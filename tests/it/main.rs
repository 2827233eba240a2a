//! The integration tests: one binary (one link, one copy of the app) that
//! boots the real app per test, on SQLite and on PostgreSQL. The sign-in
//! burst test measures the process's memory, so it stays a binary of its own.

// Shared with the sign-in burst test and the gallery benchmark.
#[path = "../common/mod.rs"]
#[macro_use]
mod common;

mod again;
mod auth;
mod completions;
mod jobs;
mod load;
mod manage;
mod observe;
mod outage;
mod pages;
mod parts;
mod privacy;
mod processing;
mod procs;
mod reconcile;
mod recovery;
mod rest;
mod rest_batch;
mod rest_tools;
mod security;
mod upload_flow;
mod wake;
mod workers;

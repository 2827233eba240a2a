//! Components. Names and roles follow the UI contract (spec section 9).

pub mod gallery;
pub mod login;
pub mod manage;
pub mod product_page;
pub mod products;
pub mod public;
pub mod upload_engine;
pub mod upload_item;
pub mod upload_transfer;
pub mod uploader;
pub mod xhr;

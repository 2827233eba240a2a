//! Components. Names and roles follow the UI contract (spec section 9).
//!
//! Public pages: `public` (home and `/p/{slug}`), `not_found`. Admin: `login`,
//! `products` (the list), `tokens` (API tokens), `product_page` (one product) with its shared state
//! in `page_state`, `gallery` and `manage` (the images and their controls),
//! and the uploader: `uploader` (the drop zone and rows), `upload_engine`
//! (the queue), `paced` (long lists a slice per frame), `upload_status` (what rows and summary show), `upload_item` (one file), `upload_transfer` (its PUT and
//! completion) and `transfers` (the bridge to the upload Web Worker).

pub mod compare;
mod folders;
pub mod gallery;
pub mod login;
pub mod manage;
pub mod near_view;
pub mod not_found;
mod paced;
pub mod page_state;
pub mod product_page;
pub mod products;
pub mod public;
mod showcase;
pub mod tokens;
mod transfer_batch;
pub mod transfers;
mod upload_batch;
mod upload_drawing;
pub mod upload_engine;
pub mod upload_item;
pub mod upload_status;
pub mod upload_transfer;
pub mod uploader;

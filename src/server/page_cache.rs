//! Visitors' pages kept rendered for a moment. A 100-image gallery costs
//! ≈ 5 ms to query and render, the same for every visitor; served from here it
//! costs a map lookup. Any write through this process (a request that is not
//! GET/HEAD/OPTIONS, a finished job) makes every kept page stale at once, so
//! an admin's change shows on the next visit; changes made by other processes
//! (another `serve`, a standalone `worker`, `reconcile --fix`) show within
//! `PAGE_TTL`. Pages are kept as they were sent, compressed, one per
//! encoding: compressing a 50 KB page with brotli cost more than rendering it.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{body::Bytes, http::HeaderMap};

/// How long a kept page may be served without a write through this process.
pub const PAGE_TTL: Duration = Duration::from_secs(1);
/// At most this many pages are kept (query strings make keys cheap to invent).
const MAX_PAGES: usize = 512;

/// One answer as it left the app: headers (security policy, caching,
/// `Content-Encoding`, `Vary`) and the body, compressed as negotiated.
#[derive(Clone, Debug)]
pub struct Page {
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Debug, Default)]
pub struct PageCache {
    epoch: AtomicU64,
    pages: Mutex<HashMap<String, (u64, Instant, Page)>>,
}

impl PageCache {
    /// Every kept page is stale from now on.
    pub fn invalidate(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Taken before rendering, given back to `put`: a page rendered while
    /// something changed is never served as fresh.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    pub fn get(&self, key: &str) -> Option<Page> {
        let epoch = self.epoch();
        let pages = self.pages.lock().expect("page cache");
        let (at_epoch, at, page) = pages.get(key)?;
        (*at_epoch == epoch && at.elapsed() < PAGE_TTL).then(|| page.clone())
    }

    pub fn put(&self, key: String, rendered_at_epoch: u64, page: Page) {
        let mut pages = self.pages.lock().expect("page cache");
        if pages.len() >= MAX_PAGES && !pages.contains_key(&key) {
            pages.clear();
        }
        pages.insert(key, (rendered_at_epoch, Instant::now(), page));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &'static str) -> Page {
        Page {
            headers: HeaderMap::new(),
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn writes_make_kept_pages_stale() {
        let cache = PageCache::default();
        cache.put("/p/a".into(), cache.epoch(), page("one"));
        assert_eq!(cache.get("/p/a").unwrap().body, "one");
        cache.invalidate();
        assert!(cache.get("/p/a").is_none());
    }

    #[test]
    fn a_page_rendered_during_a_change_is_not_kept_as_fresh() {
        let cache = PageCache::default();
        let before = cache.epoch();
        cache.invalidate();
        cache.put("/".into(), before, page("old"));
        assert!(cache.get("/").is_none());
    }

    #[test]
    fn pages_expire_and_the_map_stays_bounded() {
        let cache = PageCache::default();
        for i in 0..MAX_PAGES + 10 {
            cache.put(format!("/?q={i}"), cache.epoch(), page("x"));
        }
        assert!(cache.pages.lock().unwrap().len() <= MAX_PAGES);
        cache
            .pages
            .lock()
            .unwrap()
            .insert("/old".into(), (cache.epoch(), Instant::now() - PAGE_TTL, page("old")));
        assert!(cache.get("/old").is_none());
    }
}

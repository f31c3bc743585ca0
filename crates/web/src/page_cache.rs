//! The public pages as a crowd reads them: the home page, the item list and search, a guide and
//! the catalogue's public API change only when the catalogue or the organisation does, so a page
//! a visitor who is not signed in asks for is rendered once and then served from memory, with an
//! ETag that lets a browser revalidate it for a `304` and no body.
//!
//! An entry belongs to the store's public revision (`Store::public_revision`, moved on by every
//! change to the catalogue, the synonyms or the organisation made through this process) and to a
//! short time slot, so a change made by another process sharing the database shows within
//! `MAX_AGE`. Concurrent misses on one page wait for a single render instead of each rendering
//! it. Signed-in visitors and API callers with a token always get a fresh page: theirs carry
//! their name and their rights.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::RequestCtx;

/// How long an entry may serve without a local change before it is rendered again.
const MAX_AGE: Duration = Duration::from_secs(5);
/// The memory the cached pages may hold together.
const BUDGET_BYTES: u64 = 24 * 1024 * 1024;
/// A page larger than this is served but not kept.
const LARGEST_PAGE: usize = 1024 * 1024;
/// Query strings longer than this (no real search is) are not kept.
const LONGEST_QUERY: usize = 512;

/// (public revision, time slot, path and query).
type Key = (u64, u64, String);

#[derive(Clone)]
struct Entry {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    etag: HeaderValue,
}

#[derive(Clone)]
struct ByBytes;

impl quick_cache::Weighter<Key, Arc<Entry>> for ByBytes {
    fn weight(&self, key: &Key, entry: &Arc<Entry>) -> u64 {
        (key.2.len() + entry.body.len() + 256) as u64
    }
}

/// The cache every public page request passes through; cheap to clone.
#[derive(Clone)]
pub struct PageCache {
    entries: Arc<quick_cache::sync::Cache<Key, Arc<Entry>, ByBytes>>,
    started: Instant,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache {
            entries: Arc::new(quick_cache::sync::Cache::with_weighter(
                4096,
                BUDGET_BYTES,
                ByBytes,
            )),
            started: Instant::now(),
        }
    }
}

/// The pages anyone may read and that depend only on the catalogue and the organisation.
fn is_public_page(path: &str) -> bool {
    let guide = |prefix: &str| {
        path.strip_prefix(prefix).is_some_and(|id| {
            !id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit())
        })
    };
    matches!(path, "/" | "/items" | "/api/v1/items/search")
        || guide("/items/")
        || guide("/api/v1/items/")
}

/// Middleware: serves a public page from memory when it can, and keeps what it renders.
pub async fn serve_cached(
    State((state, cache)): State<(AppState, PageCache)>,
    request: Request,
    next: Next,
) -> Response {
    let anonymous = request
        .extensions()
        .get::<RequestCtx>()
        .is_some_and(|ctx| ctx.principal().is_none())
        && !request.headers().contains_key(header::AUTHORIZATION);
    let query = request.uri().query().unwrap_or("");
    if request.method() != Method::GET
        || !anonymous
        || query.len() > LONGEST_QUERY
        || !is_public_page(request.uri().path())
    {
        return next.run(request).await;
    }
    let slot = cache.started.elapsed().as_secs() / MAX_AGE.as_secs();
    let key: Key = (
        state.store.public_revision(),
        slot,
        format!("{}?{query}", request.uri().path()),
    );
    let revalidating = request.headers().get(header::IF_NONE_MATCH).cloned();
    let entry = match cache.entries.get_value_or_guard_async(&key).await {
        Ok(entry) => entry,
        Err(guard) => match keep(next.run(request).await).await {
            Ok(entry) => {
                let _ = guard.insert(entry.clone());
                entry
            }
            // Not kept (a server error, a large body): the next request renders again.
            Err(response) => return response,
        },
    };
    respond(&entry, revalidating.as_ref())
}

/// Reads a rendered response into an entry, or gives it back when it should not be kept.
async fn keep(response: Response) -> Result<Arc<Entry>, Response> {
    // A rendered page knows its length; one that does not, or is larger than a page is kept,
    // goes out as it is rather than being read here.
    let small = response
        .body()
        .size_hint()
        .upper()
        .is_some_and(|n| n <= LARGEST_PAGE as u64);
    if !small
        || response.status().is_server_error()
        || response.headers().contains_key(header::SET_COOKIE)
    {
        return Err(response);
    }
    let (parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, LARGEST_PAGE).await {
        Ok(body) => body,
        Err(_) => return Err(crate::server_error_page()),
    };
    let digest = Sha256::digest(&body);
    let etag = HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..16])))
        .expect("hex is a valid header value");
    Ok(Arc::new(Entry {
        status: parts.status,
        headers: parts.headers,
        body,
        etag,
    }))
}

fn respond(entry: &Entry, revalidating: Option<&HeaderValue>) -> Response {
    let fresh = entry.status == StatusCode::OK
        && revalidating.is_some_and(|tags| {
            tags.to_str().is_ok_and(|tags| {
                tags.split(',')
                    .any(|t| t.trim().trim_start_matches("W/") == entry.etag)
            })
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = Response::new(Body::from(entry.body.clone()));
        *response.status_mut() = entry.status;
        *response.headers_mut() = entry.headers.clone();
        response
    };
    if entry.status == StatusCode::OK {
        let headers = response.headers_mut();
        headers.insert(header::ETAG, entry.etag.clone());
        // Browsers keep the page but ask again each time; the answer is usually a 304.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::is_public_page;

    #[test]
    fn only_the_public_pages_are_kept() {
        for page in [
            "/",
            "/items",
            "/items/12",
            "/api/v1/items/search",
            "/api/v1/items/7",
        ] {
            assert!(is_public_page(page), "{page}");
        }
        for page in [
            "/work",
            "/items/",
            "/items/1/files",
            "/items/abc",
            "/admin/items/1",
            "/api/v1/items/1/versions",
            "/api/v1/items",
            "/progress",
            "/items/99999999999999999999",
        ] {
            assert!(!is_public_page(page), "{page}");
        }
    }
}

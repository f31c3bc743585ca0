//! The online hall (网上办事大厅) on the web: the applicant's pages (apply with the form and
//! uploads, my cases, messages) and API, and what the staff pages show of an online
//! application. Uploads go to the store's `hall().upload`, which judges them by their bytes.

pub mod api;
pub mod bookings;
pub mod bookings_api;
pub mod my;
pub mod pages;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use onewindow_domain::hall::DraftContent;
use onewindow_store::hall::AttachedFile;

use crate::AppState;
use crate::error::ApiError;

/// A stored file as the browser should show it: its sniffed type, inline for images and PDFs
/// (downloaded otherwise), never sniffed again by the browser and never run as a page.
pub fn file_response(state: &AppState, file: &AttachedFile) -> Result<Response, ApiError> {
    let bytes = state.blobs.get(&file.sha256)?;
    let disposition = if file.kind.viewable() {
        "inline"
    } else {
        "attachment"
    };
    let name: String = url::form_urlencoded::byte_serialize(file.filename.as_bytes()).collect();
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, file.kind.mime().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename*=UTF-8''{name}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'".to_owned(),
            ),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// A draft from form fields: `a.<key>` answers, `delivery.*`, `deferred` (repeated).
pub fn draft_from_form(data: &crate::pages::FormData) -> DraftContent {
    let mut content = DraftContent::default();
    for (k, v) in &data.0 {
        if let Some(key) = k.strip_prefix("a.") {
            content.answers.insert(key.to_owned(), v.clone());
        }
    }
    content.delivery.method = data.text("delivery.method").parse().ok();
    content.delivery.recipient = data.text("delivery.recipient").trim().to_owned();
    content.delivery.mobile = data.text("delivery.mobile").trim().to_owned();
    content.delivery.address = data.text("delivery.address").trim().to_owned();
    content.deferred = data.all("deferred");
    content
}

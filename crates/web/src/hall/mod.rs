//! The online hall (网上办事大厅) on the web: the applicant's pages (apply with the form and
//! uploads, my cases, messages) and API, and what the staff pages show of an online
//! application. Uploads are judged by their bytes, written to the blob store only after the
//! limits allow them, and attached to the draft in the store.

pub mod api;
pub mod pages;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use onewindow_domain::hall::{ACCEPTED, DraftContent, sniff};
use onewindow_domain::ids::AccountId;
use onewindow_domain::org::FieldErrors;
use onewindow_store::hall::AttachedFile;

use crate::AppState;
use crate::error::ApiError;

/// Checks, stores and attaches one uploaded file to a material of the applicant's application.
/// The kind comes from the bytes; the limits are checked before anything is written to disk,
/// and again, with the insert, in one transaction.
pub async fn upload(
    state: &AppState,
    account_id: AccountId,
    application_id: i64,
    material: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> Result<AttachedFile, ApiError> {
    let Some(kind) = sniff(&bytes) else {
        return Err(FieldErrors::single(
            "file",
            format!("“{filename}”的内容不是允许的文件类型（按文件内容识别，与文件名无关），可上传：{ACCEPTED}"),
        )
        .into());
    };
    let hall = state.store.hall();
    hall.precheck(account_id, application_id, material, bytes.len() as u64)
        .await?;
    let blobs = state.blobs.clone();
    let size = bytes.len() as u64;
    let sha256 = tokio::task::spawn_blocking(move || blobs.put_content(&bytes))
        .await
        .map_err(|e| ApiError::Internal(e.into()))??;
    Ok(hall
        .attach(
            account_id,
            application_id,
            material,
            filename,
            &sha256,
            size,
            kind,
        )
        .await?)
}

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

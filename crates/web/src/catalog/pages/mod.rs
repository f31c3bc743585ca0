//! Catalogue pages: the public guides (办事指南: browse, search, the guide of an item at any
//! published version, a print view) and the administration of items (drafts, publishing,
//! versions and their differences, suspension and withdrawal, synonyms, import and export).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use onewindow_domain::auth::{CatalogAction, OrgAction};
use onewindow_domain::catalog::*;
use onewindow_domain::org::FieldErrors;
use onewindow_store::catalog::{
    ItemFilter, ItemSummary, ItemVersion, Withdrawal, parse_catalog_json,
};
use onewindow_store::search::{SearchFilter, SearchHit, check_query};
use serde::Deserialize;

use super::item_form::{RowGroup, doc_to_form, form_to_doc, groups, sections};
use crate::AppState;
use crate::auth::{PageUser, RequestCtx, catalog_step_gate};
use crate::error::PageError;
use crate::kit::{
    Cell, FormList, FormPage, PostButton, SaveResult, Saved, Section, Submitted, form_list, page,
    query_string, redirect, saved,
};
use crate::pages::{
    Chrome, Form, FormBuilder, FormData, PageResult, can, form_outcome, gate, read_upload, render,
    render_with_status,
};

mod guide;
use guide::*;
pub use guide::{GuideExtras, flow_svg, render_guide};
mod items;
use items::*;
mod exchange;
use exchange::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/items", get(browse))
        .route("/items/{id}", get(guide))
        .route("/admin/items", get(admin_items))
        .route("/admin/items/new", get(new_item).post(create_item))
        .route("/admin/items/{id}", get(admin_item))
        .route("/admin/items/{id}/edit", get(edit_item).post(save_item))
        .route("/admin/items/{id}/diff", get(diff_page))
        .route(
            "/admin/items/{id}/files",
            post(upload_file).layer(axum::extract::DefaultBodyLimit::max(
                onewindow_store::blobs::MAX_FILE_BYTES + 1024 * 1024,
            )),
        )
        .route("/files/{sha256}/{name}", get(download))
        .route("/admin/items/{id}/{action}", post(item_action))
        .merge(form_list::<Synonyms>())
        .route(
            "/admin/catalog/import",
            get(import_page)
                .post(import_submit)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/admin/catalog/export", get(export))
}

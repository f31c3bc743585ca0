//! Catalogue endpoints. Published items, their versions and search are public; drafts,
//! changes, publishing, import and export need staff with the right to them.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onewindow_domain::auth::{CatalogAction, OrgAction};
use onewindow_domain::catalog::{FieldChange, ItemDoc, VersionStatus, diff};
use onewindow_domain::ids::{DepartmentId, ItemId};
use onewindow_domain::org::FieldErrors;
use onewindow_store::catalog::{
    ImportReport, ItemFilter, ItemSummary, ItemVersion, Withdrawal, parse_catalog_json,
};
use onewindow_store::search::{MAX_OFFSET, SearchFilter, SearchResults, check_query};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::{ApiJson, gate};
use crate::auth::{ApiUser, catalog_step_gate};
use crate::error::ApiError;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The catalogue endpoints, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_items, create_item))
        .routes(routes!(search_items, search_items_post))
        .routes(routes!(get_item))
        .routes(routes!(list_item_versions))
        .routes(routes!(get_item_version))
        .routes(routes!(diff_item_versions))
        .routes(routes!(save_draft, get_draft))
        .routes(routes!(item_action))
        .routes(routes!(import_catalog))
        .routes(routes!(export_catalog))
        .routes(routes!(list_synonyms, put_synonym))
}

type ApiResult<T> = Result<T, ApiError>;

#[utoipa::path(get, path = "/items", tag = "catalog", params(ItemFilter),
    responses((status = 200, body = Vec<ItemSummary>)))]
/// Items in the catalogue; without a status filter, the active (published) ones.
pub async fn list_items(
    State(state): State<AppState>,
    Query(mut filter): Query<ItemFilter>,
) -> ApiResult<Json<Vec<ItemSummary>>> {
    // The public list shows what the public may see; other statuses need the admin pages.
    filter.status = Some("active".to_owned());
    Ok(Json(state.store.catalog().list_items(&filter).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
pub struct SearchQuery {
    /// Words to search for (at most 100 characters); none lists every item the filters let
    /// through.
    #[serde(default)]
    pub q: String,
    pub department_id: Option<DepartmentId>,
    /// A.1 item type code.
    pub item_type: Option<String>,
    /// Topic key (p_… for individuals, c_… for companies).
    pub topic: Option<String>,
    /// A.2 exercise level code.
    pub level: Option<String>,
    /// Minimum online-handling depth, 0–4.
    pub min_depth: Option<u8>,
    /// individual or company.
    pub audience: Option<String>,
    /// At most 100; default 20.
    pub limit: Option<usize>,
    /// Where the page starts in the results, 0–10,000; default 0.
    pub offset: Option<usize>,
}

#[utoipa::path(get, path = "/items/search", tag = "catalog", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 422, body = crate::error::Problem)))]
/// Search over published items as citizens ask: words, partial names, traditional characters,
/// pinyin and initials, one character off, widened by the synonyms and everyday phrasings;
/// best matches first, paged. When nothing matches, `nearest` is set and the hits are the items
/// sharing the most characters with the query.
pub async fn search_items(
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    run_search(&state, q)
}

#[utoipa::path(post, path = "/items/search", tag = "catalog", request_body = SearchQuery,
    responses((status = 200, body = SearchResults), (status = 422, body = crate::error::Problem),
              (status = 413, body = crate::error::Problem)))]
/// The same search with the query in a JSON body, for clients whose input may be long.
pub async fn search_items_post(
    State(state): State<AppState>,
    ApiJson(q): ApiJson<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    run_search(&state, q)
}

fn run_search(state: &AppState, q: SearchQuery) -> ApiResult<Json<SearchResults>> {
    let mut errors = FieldErrors::new();
    if let Err(m) = check_query(&q.q) {
        errors.add("q", m);
    }
    let offset = q.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        errors.add("offset", format!("不能超过 {MAX_OFFSET}"));
    }
    errors.into_result()?;
    let filter = SearchFilter {
        department_id: q.department_id,
        item_type: q.item_type,
        topic: q.topic,
        level: q.level,
        min_depth: q.min_depth,
        audience: q.audience,
    };
    Ok(Json(state.store.search().search_page(
        &q.q,
        &filter,
        offset,
        q.limit.unwrap_or(20).clamp(1, 100),
    )?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemDetail {
    #[serde(flatten)]
    pub item: ItemSummary,
    /// The published version the public sees.
    pub current: Option<ItemVersion>,
}

#[utoipa::path(get, path = "/items/{id}", tag = "catalog", params(("id" = i64, Path)),
    responses((status = 200, body = ItemDetail), (status = 404, body = crate::error::Problem)))]
pub async fn get_item(
    State(state): State<AppState>,
    Path(id): Path<ItemId>,
) -> ApiResult<Json<ItemDetail>> {
    let item = state.store.catalog().get_item(id).await?;
    if item.current_version.is_none() {
        return Err(ApiError::NotFound("item"));
    }
    let current = Some(state.store.catalog().current_version(id).await?);
    Ok(Json(ItemDetail { item, current }))
}

#[utoipa::path(get, path = "/items/{id}/versions", tag = "catalog", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ItemVersion>)))]
/// Every published and superseded version, newest first.
pub async fn list_item_versions(
    State(state): State<AppState>,
    Path(id): Path<ItemId>,
) -> ApiResult<Json<Vec<ItemVersion>>> {
    let versions = state.store.catalog().list_versions(id).await?;
    Ok(Json(
        versions
            .into_iter()
            .filter(|v| v.status != VersionStatus::Draft)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/items/{id}/versions/{version}", tag = "catalog",
    params(("id" = i64, Path), ("version" = i64, Path)),
    responses((status = 200, body = ItemVersion), (status = 404, body = crate::error::Problem)))]
/// One version, as a case filed under it sees it. Drafts are not public.
pub async fn get_item_version(
    State(state): State<AppState>,
    Path((id, version)): Path<(ItemId, i64)>,
) -> ApiResult<Json<ItemVersion>> {
    let v = state.store.catalog().get_version(id, version).await?;
    if v.status == VersionStatus::Draft {
        return Err(ApiError::NotFound("item version"));
    }
    Ok(Json(v))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DiffQuery {
    pub from: i64,
    pub to: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Change {
    /// Path of the element, e.g. `materials[2].copies`.
    pub path: String,
    /// The element's Chinese name.
    pub label: String,
    #[schema(value_type = Object)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub after: Option<serde_json::Value>,
}

impl From<FieldChange> for Change {
    fn from(c: FieldChange) -> Self {
        Change {
            label: c.label,
            path: c.path,
            before: c.before,
            after: c.after,
        }
    }
}

#[utoipa::path(get, path = "/items/{id}/diff", tag = "catalog", params(("id" = i64, Path), DiffQuery),
    responses((status = 200, body = Vec<Change>)))]
/// Field-by-field differences between two published versions.
pub async fn diff_item_versions(
    State(state): State<AppState>,
    Path(id): Path<ItemId>,
    Query(q): Query<DiffQuery>,
) -> ApiResult<Json<Vec<Change>>> {
    let a = state.store.catalog().get_version(id, q.from).await?;
    let b = state.store.catalog().get_version(id, q.to).await?;
    if a.status == VersionStatus::Draft || b.status == VersionStatus::Draft {
        return Err(ApiError::NotFound("item version"));
    }
    Ok(Json(
        diff(&a.doc, &b.doc).into_iter().map(Change::from).collect(),
    ))
}

#[utoipa::path(post, path = "/items", tag = "catalog", security(("bearer" = [])),
    request_body(content = Object, description = "An item document (every GB/T 39046 element)"),
    responses((status = 201, body = ItemSummary), (status = 422, body = crate::error::Problem)))]
/// Creates an item as a draft.
pub async fn create_item(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(doc): ApiJson<ItemDoc>,
) -> ApiResult<(StatusCode, Json<ItemSummary>)> {
    gate(&state, &user, CatalogAction::Edit, Some(doc.department_id)).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .store
                .catalog()
                .create_item(doc, user.principal.account_id)
                .await?,
        ),
    ))
}

#[utoipa::path(put, path = "/items/{id}/draft", tag = "catalog", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = Object, description = "The whole item document"),
    responses((status = 200, body = ItemSummary), (status = 422, body = crate::error::Problem)))]
/// Saves the draft, opening a new one when the item is published.
pub async fn save_draft(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<ItemId>,
    ApiJson(doc): ApiJson<ItemDoc>,
) -> ApiResult<Json<ItemSummary>> {
    let item = state.store.catalog().get_item(id).await?;
    gate(&state, &user, CatalogAction::Edit, Some(item.department_id)).await?;
    gate(&state, &user, CatalogAction::Edit, Some(doc.department_id)).await?;
    Ok(Json(
        state
            .store
            .catalog()
            .save_draft(id, doc, user.principal.account_id)
            .await?,
    ))
}

#[utoipa::path(get, path = "/items/{id}/draft", tag = "catalog", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ItemVersion), (status = 404, body = crate::error::Problem)))]
pub async fn get_draft(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<ItemId>,
) -> ApiResult<Json<ItemVersion>> {
    let item = state.store.catalog().get_item(id).await?;
    gate(&state, &user, OrgAction::View, None).await?;
    let v = item.draft_version.ok_or(ApiError::NotFound("draft"))?;
    Ok(Json(state.store.catalog().get_version(id, v).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PublishInput {
    /// YYYY-MM-DD, today or later; a later date schedules the version. Default today.
    pub effective_date: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WithdrawInput {
    pub kind: Withdrawal,
    pub reason: String,
}

#[utoipa::path(post, path = "/items/{id}/{action}", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path), ("action" = String, Path, description = "publish, discard, suspend, resume or withdraw")),
    request_body(content = Option<WithdrawInput>, description = "publish: optional {effective_date}; withdraw: {kind (cancelled or devolved), reason}"),
    responses((status = 200, body = ItemSummary), (status = 422, body = crate::error::Problem)))]
/// The publish workflow.
pub async fn item_action(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, action)): Path<(ItemId, String)>,
    body: Bytes,
) -> ApiResult<Json<ItemSummary>> {
    let item = state.store.catalog().get_item(id).await?;
    let (needed, dept) =
        catalog_step_gate(&action, item.department_id).ok_or(ApiError::NotFound("route"))?;
    gate(&state, &user, needed, dept).await?;
    let by = user.principal.account_id;
    let s = &state.store;
    let result = match action.as_str() {
        "publish" => {
            let input: PublishInput = if body.is_empty() {
                PublishInput::default()
            } else {
                serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?
            };
            s.catalog()
                .publish_on(id, by, input.effective_date.as_deref())
                .await?
        }
        "discard" => s.catalog().discard_draft(id).await?,
        "suspend" | "resume" => {
            s.catalog()
                .set_item_suspended(id, action == "suspend")
                .await?
        }
        "withdraw" => {
            let input: WithdrawInput =
                serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
            s.catalog()
                .withdraw_item(id, input.kind, &input.reason)
                .await?
        }
        _ => return Err(ApiError::NotFound("route")),
    };
    Ok(Json(result))
}

#[utoipa::path(post, path = "/catalog/import", tag = "catalog", security(("bearer" = [])),
    request_body(content = String, description = "Our JSON exchange file (application/json) or the CSV export (text/csv)"),
    responses((status = 200, body = ImportReport), (status = 422, body = crate::error::Problem)))]
/// Imports a catalogue file, all or nothing; problems are listed by item and field.
pub async fn import_catalog(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ImportReport>> {
    gate(&state, &user, CatalogAction::Publish, None).await?;
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    let docs = if csv {
        onewindow_store::catalog::csv::parse(&body)?
    } else {
        let text = std::str::from_utf8(&body)
            .map_err(|_| FieldErrors::single("file", "文件不是 UTF-8 编码"))?;
        parse_catalog_json(text)?
    };
    Ok(Json(
        state
            .store
            .catalog()
            .import_items(docs, user.principal.account_id)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// json (default) or csv.
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/catalog/export", tag = "catalog", params(ExportQuery),
    responses((status = 200, description = "The published catalogue as our JSON exchange file or CSV")))]
/// The published catalogue, byte-for-byte stable for the same content.
pub async fn export_catalog(
    State(state): State<AppState>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    Ok(if q.format.as_deref() == Some("csv") {
        (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            state.store.catalog().export_csv().await?,
        )
            .into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "application/json")],
            state.store.catalog().export_json().await?,
        )
            .into_response()
    })
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Synonym {
    pub term: String,
    pub expansions: Vec<String>,
}

#[utoipa::path(get, path = "/catalog/synonyms", tag = "catalog", responses((status = 200, body = Vec<Synonym>)))]
pub async fn list_synonyms(State(state): State<AppState>) -> ApiResult<Json<Vec<Synonym>>> {
    Ok(Json(
        state
            .store
            .catalog()
            .list_synonyms()
            .await?
            .into_iter()
            .map(|(term, expansions)| Synonym { term, expansions })
            .collect(),
    ))
}

#[utoipa::path(put, path = "/catalog/synonyms", tag = "catalog", security(("bearer" = [])), request_body = Synonym,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
/// Sets what a term also means; an empty list removes the term.
pub async fn put_synonym(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(s): ApiJson<Synonym>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, CatalogAction::Publish, None).await?;
    state
        .store
        .catalog()
        .set_synonym(&s.term, &s.expansions)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

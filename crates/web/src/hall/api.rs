//! The online hall's API (`/api/v1/hall`): an applicant's applications (start, read, save,
//! upload, remove a file, submit, resubmit a correction), their cases and messages; the upload
//! limits for the centre's administrators.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use onewindow_domain::auth::HallAction;
use onewindow_domain::hall::{DraftContent, Limits};
use onewindow_domain::ids::{CaseId, ItemId};
use onewindow_store::case::queries::CaseRow;
use onewindow_store::hall::{Application, ApplicationSummary, AttachedFile};
use onewindow_store::messages::Message;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use onewindow_domain::org::FieldErrors;

use crate::AppState;
use crate::api::{ApiJson, gate};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::hall::file_response;

/// The most a file upload request may carry (the largest file an administrator may allow).
const MAX_FILE_BODY: usize = 100 * 1024 * 1024 + 64 * 1024;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_application, list_applications))
        .routes(routes!(get_application, save_application))
        .routes(routes!(upload_file).layer(axum::extract::DefaultBodyLimit::max(MAX_FILE_BODY)))
        .routes(routes!(get_file, remove_file))
        .routes(routes!(submit_application))
        .routes(routes!(resubmit_application))
        .routes(routes!(application_form))
        .routes(routes!(my_cases))
        .routes(routes!(my_messages))
        .routes(routes!(read_messages))
        .routes(routes!(get_limits, set_limits))
}

type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StartInput {
    /// The item to apply for; or
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub item_id: Option<ItemId>,
    /// the 一件事 bundle to apply for with one merged form and one set of materials.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub bundle_id: Option<onewindow_domain::ids::BundleId>,
}

#[utoipa::path(post, path = "/hall/applications", tag = "hall", security(("bearer" = [])),
    request_body = StartInput,
    responses((status = 201, body = Application), (status = 422, body = crate::error::Problem)))]
/// Starts an online application for an item or a bundle (or returns the open draft for it):
/// one draft per item or bundle, so another device resumes it.
pub async fn start_application(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<StartInput>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    gate(&state, &user, HallAction::Apply, None).await?;
    let me = user.principal.account_id;
    let app = match (input.item_id, input.bundle_id) {
        (Some(item), None) => state.store.hall().start(me, item).await?,
        (None, Some(bundle)) => state.store.hall().start_bundle(me, bundle).await?,
        _ => {
            return Err(
                FieldErrors::single("item_id", "请选择一个事项或一件事（二者选一）").into(),
            );
        }
    };
    Ok((StatusCode::CREATED, Json(app)))
}

#[utoipa::path(get, path = "/hall/applications", tag = "hall", security(("bearer" = [])),
    responses((status = 200, body = Vec<ApplicationSummary>)))]
/// The applicant's applications, newest first.
pub async fn list_applications(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<ApplicationSummary>>> {
    gate(&state, &user, HallAction::ViewOwn, None).await?;
    Ok(Json(
        state
            .store
            .hall()
            .applications(user.principal.account_id, 200)
            .await?,
    ))
}

#[utoipa::path(get, path = "/hall/applications/{id}/form", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::error::Problem)))]
/// What the application is filled in against: its item's version, or for a bundle (一件事) the
/// one merged form and set of materials over its items' versions (an item document in the
/// catalogue's format).
pub async fn application_form(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<onewindow_domain::catalog::ItemDoc>> {
    gate(&state, &user, HallAction::ViewOwn, None).await?;
    let app = state
        .store
        .hall()
        .application(user.principal.account_id, id)
        .await?;
    Ok(Json(state.store.hall().doc(&app).await?))
}

#[utoipa::path(get, path = "/hall/applications/{id}", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Application), (status = 404, body = crate::error::Problem)))]
/// One of the applicant's applications with its files (another's is not found).
pub async fn get_application(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Application>> {
    gate(&state, &user, HallAction::ViewOwn, None).await?;
    Ok(Json(
        state
            .store
            .hall()
            .application(user.principal.account_id, id)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SaveInput {
    /// `{"answers": {"key": "value"}, "delivery": {"method": "express", "recipient": "…",
    /// "mobile": "…", "address": "…"}, "deferred": ["容缺材料名称"]}`
    #[schema(value_type = Object)]
    pub content: DraftContent,
    /// The revision the client edited; a newer save elsewhere answers 409.
    #[serde(default)]
    pub revision: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub revision: i64,
}

#[utoipa::path(put, path = "/hall/applications/{id}", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SaveInput,
    responses((status = 200, body = Saved), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
/// Saves the draft (autosave). After submission only the fields a one-time notice reopened
/// take new values.
pub async fn save_application(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SaveInput>,
) -> ApiResult<Json<Saved>> {
    gate(&state, &user, HallAction::Apply, None).await?;
    let revision = state
        .store
        .hall()
        .save(
            user.principal.account_id,
            id,
            &input.content,
            input.revision,
        )
        .await?;
    Ok(Json(Saved { revision }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// The material's name as the item lists it.
    pub material: String,
    /// The file's name as the applicant knows it.
    pub name: String,
}

#[utoipa::path(post, path = "/hall/applications/{id}/files", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachedFile), (status = 422, body = crate::error::Problem)))]
/// Uploads one file for a material (the request body is the file). Its kind is decided by its
/// bytes (PDF, JPEG, PNG, OFD); the centre's size and count limits apply.
pub async fn upload_file(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<AttachedFile>)> {
    gate(&state, &user, HallAction::Apply, None).await?;
    let file = state
        .store
        .hall()
        .upload(
            &state.blobs,
            user.principal.account_id,
            id,
            &q.material,
            &q.name,
            body.to_vec(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(file)))
}

#[utoipa::path(get, path = "/hall/applications/{id}/files/{file}", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path), ("file" = i64, Path)),
    responses((status = 200, description = "文件内容"), (status = 404, body = crate::error::Problem)))]
/// One uploaded file, with the type its bytes were recognised as.
pub async fn get_file(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, file)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    gate(&state, &user, HallAction::ViewOwn, None).await?;
    let app = state
        .store
        .hall()
        .application(user.principal.account_id, id)
        .await?;
    let file = state.store.hall().file(app.id, file).await?;
    file_response(&state, &file)
}

#[utoipa::path(delete, path = "/hall/applications/{id}/files/{file}", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path), ("file" = i64, Path)),
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
/// Removes a file from a draft, or replaces one of a material a notice reopened.
pub async fn remove_file(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, file)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, HallAction::Apply, None).await?;
    state
        .store
        .hall()
        .detach(user.principal.account_id, id, file)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Submitted {
    #[schema(value_type = i64)]
    pub case_id: CaseId,
}

#[utoipa::path(post, path = "/hall/applications/{id}/submit", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Submitted),
              (status = 422, body = crate::error::Problem, description = "逐项列出须修改的内容")))]
/// Submits the application as a case (channel online). Idempotent: a retry or a double click
/// answers with the same case.
pub async fn submit_application(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Submitted>> {
    gate(&state, &user, HallAction::Apply, None).await?;
    let case_id = state
        .store
        .hall()
        .submit(user.principal.account_id, id, state.clock.today())
        .await?;
    Ok(Json(Submitted { case_id }))
}

#[utoipa::path(post, path = "/hall/applications/{id}/resubmit", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Submitted), (status = 422, body = crate::error::Problem)))]
/// Sends the corrected application back after a one-time notice (补正).
pub async fn resubmit_application(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Submitted>> {
    gate(&state, &user, HallAction::Apply, None).await?;
    let case_id = state
        .store
        .hall()
        .resubmit(user.principal.account_id, id, state.clock.today())
        .await?;
    Ok(Json(Submitted { case_id }))
}

#[utoipa::path(get, path = "/hall/cases", tag = "hall", security(("bearer" = [])),
    responses((status = 200, body = Vec<CaseRow>)))]
/// The applicant's cases: submitted online, and accepted at a window under their id number.
pub async fn my_cases(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<CaseRow>>> {
    gate(&state, &user, HallAction::ViewOwn, None).await?;
    let me = user.principal.account_id;
    let id_number = state.store.cases().applicant_of(me).await?.id_number;
    let cases = state
        .store
        .cases()
        .applicant_cases(me, &id_number, 200)
        .await?;
    Ok(Json(cases.into_iter().map(|(row, _)| row).collect()))
}

#[utoipa::path(get, path = "/hall/messages", tag = "hall", security(("bearer" = [])),
    responses((status = 200, body = Vec<Message>)))]
/// The account's messages, newest first.
pub async fn my_messages(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<Message>>> {
    gate(&state, &user, HallAction::ViewOwn, None).await?;
    Ok(Json(
        state
            .store
            .outbox()
            .messages(user.principal.account_id, None, 200)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReadInput {
    /// Only this case's messages; all when absent.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub case_id: Option<CaseId>,
}

#[utoipa::path(post, path = "/hall/messages/read", tag = "hall", security(("bearer" = [])),
    request_body = ReadInput, responses((status = 204)))]
/// Marks messages read.
pub async fn read_messages(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ReadInput>,
) -> ApiResult<StatusCode> {
    gate(
        &state,
        &user,
        onewindow_domain::auth::AccountAction::ViewOwn,
        None,
    )
    .await?;
    state
        .store
        .outbox()
        .mark_read(user.principal.account_id, input.case_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/hall/limits", tag = "hall", security(("bearer" = [])),
    responses((status = 200, body = Object)))]
/// The upload limits (single file, whole application, files per material).
pub async fn get_limits(State(state): State<AppState>, _user: ApiUser) -> ApiResult<Json<Limits>> {
    Ok(Json(state.store.hall().limits().await?))
}

#[utoipa::path(put, path = "/hall/limits", tag = "hall", security(("bearer" = [])),
    request_body = Object,
    responses((status = 200, body = Object), (status = 422, body = crate::error::Problem)))]
/// Sets the upload limits (centre administrators).
pub async fn set_limits(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(limits): ApiJson<Limits>,
) -> ApiResult<Json<Limits>> {
    gate(&state, &user, HallAction::Configure, None).await?;
    state
        .store
        .hall()
        .set_limits(&limits, user.principal.account_id)
        .await?;
    Ok(Json(limits))
}

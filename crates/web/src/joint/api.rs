//! Bundles in the API (`/api/v1/bundles`): read by anyone, defined by centre administrators.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use onewindow_domain::auth::JointAction;
use onewindow_domain::ids::BundleId;
use onewindow_domain::joint::BundleInput;
use onewindow_store::joint::Bundle;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::{ApiJson, gate};
use crate::auth::ApiUser;
use crate::error::ApiError;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_bundles, create_bundle))
        .routes(routes!(get_bundle, update_bundle))
        .routes(routes!(set_active))
}

type ApiResult<T> = Result<T, ApiError>;

#[utoipa::path(get, path = "/bundles", tag = "joint",
    responses((status = 200, body = Vec<Bundle>)))]
/// 一件事一次办: the bundles open for applications, with their items.
pub async fn list_bundles(State(state): State<AppState>) -> ApiResult<Json<Vec<Bundle>>> {
    Ok(Json(state.store.joint().bundles(true).await?))
}

#[utoipa::path(get, path = "/bundles/{id}", tag = "joint", params(("id" = i64, Path)),
    responses((status = 200, body = Bundle), (status = 404, body = crate::error::Problem)))]
/// One bundle with its items (the leading one first).
pub async fn get_bundle(
    State(state): State<AppState>,
    Path(id): Path<BundleId>,
) -> ApiResult<Json<Bundle>> {
    Ok(Json(state.store.joint().bundle(id).await?))
}

#[utoipa::path(post, path = "/bundles", tag = "joint", security(("bearer" = [])),
    request_body = BundleInput,
    responses((status = 201, body = Bundle), (status = 422, body = crate::error::Problem)))]
/// Defines a bundle from published items (centre administrators).
pub async fn create_bundle(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<BundleInput>,
) -> ApiResult<(StatusCode, Json<Bundle>)> {
    gate(&state, &user, JointAction::ManageBundles, None).await?;
    let bundle = state
        .store
        .joint()
        .create_bundle(&input, user.principal.account_id)
        .await?;
    Ok((StatusCode::CREATED, Json(bundle)))
}

#[utoipa::path(put, path = "/bundles/{id}", tag = "joint", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = BundleInput,
    responses((status = 200, body = Bundle), (status = 422, body = crate::error::Problem)))]
/// Changes a bundle; cases already filed keep what they were filed under.
pub async fn update_bundle(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<BundleId>,
    ApiJson(input): ApiJson<BundleInput>,
) -> ApiResult<Json<Bundle>> {
    gate(&state, &user, JointAction::ManageBundles, None).await?;
    Ok(Json(state.store.joint().update_bundle(id, &input).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActiveInput {
    pub active: bool,
}

#[utoipa::path(put, path = "/bundles/{id}/active", tag = "joint", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ActiveInput,
    responses((status = 200, body = Bundle), (status = 404, body = crate::error::Problem)))]
/// Takes a bundle off the hall's list, or back on.
pub async fn set_active(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<BundleId>,
    ApiJson(input): ApiJson<ActiveInput>,
) -> ApiResult<Json<Bundle>> {
    gate(&state, &user, JointAction::ManageBundles, None).await?;
    Ok(Json(
        state
            .store
            .joint()
            .set_bundle_active(id, input.active)
            .await?,
    ))
}

//! Account endpoints: who am I, applicant registration, API tokens, the security log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use onewindow_domain::auth::{AccountAction, TokenScope};
use onewindow_domain::ids::{AccountId, DepartmentId, StaffId};
use onewindow_domain::org::FieldErrors;
use onewindow_store::accounts::{
    Account, ApiToken, CompanyRegistration, IndividualRegistration, SecurityEvent,
};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::{ApiUser, RequestCtx, require};
use crate::error::ApiError;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The accounts endpoints, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(register_individual))
        .routes(routes!(register_company))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(list_security_events))
}

type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub account_id: AccountId,
    pub login: String,
    pub display_name: String,
    /// staff, individual or company.
    pub kind: String,
    pub roles: Vec<String>,
    pub department_id: Option<DepartmentId>,
    pub staff_id: Option<StaffId>,
    /// Present when the request used an API token: read or write.
    pub token_scope: Option<String>,
}

#[utoipa::path(get, path = "/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::error::Problem)))]
pub async fn me(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<Me>> {
    require(
        &state,
        &user.principal,
        user.remote.as_deref(),
        AccountAction::ViewOwn,
        None,
    )
    .await?;
    let p = user.principal;
    Ok(Json(Me {
        account_id: p.account_id,
        login: p.login,
        display_name: p.display_name,
        kind: p.kind.key().to_owned(),
        roles: p.roles.iter().map(|r| r.key().to_owned()).collect(),
        department_id: p.department_id,
        staff_id: p.staff_id,
        token_scope: p.token_scope.map(|s| s.key().to_owned()),
    }))
}

#[utoipa::path(post, path = "/applicants/individual", tag = "accounts",
    request_body = IndividualRegistration,
    responses((status = 201, body = Account), (status = 422, body = crate::error::Problem)))]
pub async fn register_individual(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ApiJson(input): ApiJson<IndividualRegistration>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    let account = state
        .store
        .accounts()
        .register_individual(&input, ctx.remote.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(account)))
}

#[utoipa::path(post, path = "/applicants/company", tag = "accounts",
    request_body = CompanyRegistration,
    responses((status = 201, body = Account), (status = 422, body = crate::error::Problem)))]
pub async fn register_company(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ApiJson(input): ApiJson<CompanyRegistration>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    let account = state
        .store
        .accounts()
        .register_company(&input, ctx.remote.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(account)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TokenFilter {
    /// Every account's tokens (administrators only).
    #[serde(default)]
    pub all: bool,
}

#[utoipa::path(get, path = "/tokens", tag = "accounts", security(("bearer" = [])),
    params(TokenFilter), responses((status = 200, body = Vec<ApiToken>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    user: ApiUser,
    Query(filter): Query<TokenFilter>,
) -> ApiResult<Json<Vec<ApiToken>>> {
    let remote = user.remote.as_deref();
    if filter.all {
        require(&state, &user.principal, remote, AccountAction::Manage, None).await?;
        return Ok(Json(state.store.accounts().list_tokens(None).await?));
    }
    require(
        &state,
        &user.principal,
        remote,
        AccountAction::ViewOwn,
        None,
    )
    .await?;
    Ok(Json(
        state
            .store
            .accounts()
            .list_tokens(Some(user.principal.account_id))
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub name: String,
    /// read or write.
    pub scope: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// Shown once; only its hash is kept.
    pub token: String,
    #[serde(flatten)]
    pub details: ApiToken,
}

#[utoipa::path(post, path = "/tokens", tag = "accounts", security(("bearer" = [])),
    request_body = TokenRequest,
    responses((status = 201, body = CreatedToken), (status = 422, body = crate::error::Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<TokenRequest>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let p = &user.principal;
    require(
        &state,
        p,
        user.remote.as_deref(),
        AccountAction::ViewOwn,
        None,
    )
    .await?;
    let scope = TokenScope::parse(&input.scope)
        .ok_or_else(|| FieldErrors::single("scope", "应为 read 或 write"))?;
    // A token can never do more than the one that created it.
    if p.token_scope == Some(TokenScope::Read) && scope == TokenScope::Write {
        return Err(ApiError::Forbidden("只读令牌不能创建可写令牌".into()));
    }
    let (details, token) = state
        .store
        .accounts()
        .create_token(p.account_id, &input.name, scope)
        .await?;
    let _ = state
        .store
        .accounts()
        .record_security_event(
            "token_created",
            Some(p.account_id),
            Some(&p.login),
            user.remote.as_deref(),
            &details.name,
        )
        .await;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, details })))
}

#[utoipa::path(delete, path = "/tokens/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = ApiToken)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ApiToken>> {
    let token = state.store.accounts().get_token(id).await?;
    let p = &user.principal;
    let action = if token.account_id == p.account_id {
        AccountAction::ViewOwn
    } else {
        AccountAction::Manage
    };
    require(&state, p, user.remote.as_deref(), action, None).await?;
    let revoked = state.store.accounts().revoke_token(id).await?;
    let _ = state
        .store
        .accounts()
        .record_security_event(
            "token_revoked",
            Some(p.account_id),
            Some(&p.login),
            user.remote.as_deref(),
            &format!("令牌 {id}"),
        )
        .await;
    Ok(Json(revoked))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EventPage {
    /// Id of the last event of the previous page.
    pub before: Option<i64>,
    /// At most 500; default 100.
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/security-events", tag = "accounts", security(("bearer" = [])),
    params(EventPage), responses((status = 200, body = Vec<SecurityEvent>)))]
pub async fn list_security_events(
    State(state): State<AppState>,
    user: ApiUser,
    Query(page): Query<EventPage>,
) -> ApiResult<Json<Vec<SecurityEvent>>> {
    require(
        &state,
        &user.principal,
        user.remote.as_deref(),
        AccountAction::ViewSecurityLog,
        None,
    )
    .await?;
    Ok(Json(
        state
            .store
            .accounts()
            .list_security_events(page.before, page.limit.unwrap_or(100))
            .await?,
    ))
}

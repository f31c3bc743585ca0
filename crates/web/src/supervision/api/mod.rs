//! Supervision's API: settings, alerts, urgings, findings, rules and indicators (this file),
//! cards and assessment (`assessment`), and case records reported by departments' own systems
//! (`reported`).

pub mod assessment;
pub mod reported;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use onewindow_domain::auth::{AccountAction, CaseAction, SupervisionAction};
use onewindow_domain::ids::{CaseId, DepartmentId};
use onewindow_domain::org::FieldErrors;
use serde::Deserialize;

use crate::AppState;
use crate::api::{ApiJson, gate, own_unit_actor};
use crate::auth::ApiUser;
use crate::error::ApiError;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The supervision endpoints, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(notifications))
        .routes(routes!(supervision_alerts))
        .routes(routes!(list_urgings, issue_urging))
        .routes(routes!(explain_urging))
        .routes(routes!(decide_urging))
        .routes(routes!(list_findings))
        .routes(routes!(close_finding))
        .routes(routes!(list_rules))
        .routes(routes!(switch_rule))
        .routes(routes!(indicators))
        .routes(routes!(assessment::get_settings, assessment::put_settings))
        .routes(routes!(assessment::list_card_rules))
        .routes(routes!(assessment::change_card_rule))
        .routes(routes!(assessment::list_cards))
        .routes(routes!(assessment::appeal_card))
        .routes(routes!(assessment::decide_card_appeal))
        .routes(routes!(assessment::get_scheme))
        .routes(routes!(assessment::put_scheme))
        .routes(routes!(assessment::assessment))
        .routes(routes!(assessment::unit_indicators))
        .routes(routes!(assessment::seat_staff))
        .routes(routes!(reported::report_cases))
        .routes(routes!(reported::get_reported_case))
}

type ApiResult<T> = Result<T, ApiError>;

#[utoipa::path(get, path = "/notifications", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<onewindow_store::messages::Message>)))]
/// The caller's in-app notifications (deadline warnings and overdue alerts), newest first.
pub async fn notifications(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<onewindow_store::messages::Message>>> {
    gate(&state, &user, AccountAction::ViewOwn, None).await?;
    Ok(Json(
        state
            .store
            .outbox()
            .messages(user.principal.account_id, None, 100)
            .await?,
    ))
}

#[utoipa::path(get, path = "/supervision/alerts", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<onewindow_store::supervision::Alert>)))]
/// Deadline warnings (yellow) and overdue alerts (red), newest first (supervisors).
pub async fn supervision_alerts(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<onewindow_store::supervision::Alert>>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    Ok(Json(
        state.store.supervision().alerts(None, false, 500).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UrgingInput {
    pub case_id: CaseId,
    /// 催办事由.
    pub reason: String,
    /// Working days to reply, 1–10.
    pub reply_days: u32,
}

#[utoipa::path(get, path = "/supervision/urgings", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<onewindow_store::supervision::Urging>)))]
/// Urging notices, newest first: supervisors see all, other staff their department's.
pub async fn list_urgings(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<onewindow_store::supervision::Urging>>> {
    let p = &user.principal;
    let department = if onewindow_domain::auth::authorize(p, SupervisionAction::View, None).is_ok()
    {
        None
    } else {
        gate(&state, &user, CaseAction::View, p.department_id).await?;
        Some(p.department_id.unwrap_or(DepartmentId(-1)))
    };
    Ok(Json(
        state.store.supervision().urgings(department, 200).await?,
    ))
}

#[utoipa::path(post, path = "/supervision/urgings", tag = "cases", security(("bearer" = [])),
    request_body = UrgingInput,
    responses((status = 201, body = onewindow_store::supervision::Urging), (status = 422, body = crate::error::Problem)))]
/// A supervisor issues an urging notice (催办通知书) for a case.
pub async fn issue_urging(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<UrgingInput>,
) -> ApiResult<(StatusCode, Json<onewindow_store::supervision::Urging>)> {
    gate(&state, &user, SupervisionAction::Act, None).await?;
    let u = state
        .store
        .supervision()
        .issue_urging(
            input.case_id,
            user.principal.account_id,
            &input.reason,
            input.reply_days,
            state.clock.today(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(u)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ExplanationInput {
    /// 超期原因及整改措施.
    pub explanation: String,
}

#[utoipa::path(post, path = "/supervision/urgings/{id}/explanation", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ExplanationInput,
    responses((status = 200, body = onewindow_store::supervision::Urging), (status = 403, body = crate::error::Problem)))]
/// The urged unit files its overdue explanation (超期说明).
pub async fn explain_urging(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ExplanationInput>,
) -> ApiResult<Json<onewindow_store::supervision::Urging>> {
    let actor = own_unit_actor(&state, &user, SupervisionAction::Answer).await?;
    Ok(Json(
        state
            .store
            .supervision()
            .explain_urging(id, &actor, &input.explanation)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UrgingDecisionInput {
    pub accepted: bool,
    /// Required when not accepted.
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/supervision/urgings/{id}/decision", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = UrgingDecisionInput,
    responses((status = 200, body = onewindow_store::supervision::Urging), (status = 422, body = crate::error::Problem)))]
/// A supervisor accepts or rejects the explanation.
pub async fn decide_urging(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<UrgingDecisionInput>,
) -> ApiResult<Json<onewindow_store::supervision::Urging>> {
    gate(&state, &user, SupervisionAction::Act, None).await?;
    Ok(Json(
        state
            .store
            .supervision()
            .decide_urging(id, user.principal.account_id, input.accepted, &input.note)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FindingQuery {
    /// Only findings not yet closed.
    #[serde(default)]
    pub open: bool,
}

#[utoipa::path(get, path = "/supervision/findings", tag = "cases", security(("bearer" = [])),
    params(FindingQuery), responses((status = 200, body = Vec<onewindow_store::supervision::Finding>)))]
/// Findings raised by the rule set, newest first, each with the event or alert that proves it.
pub async fn list_findings(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<FindingQuery>,
) -> ApiResult<Json<Vec<onewindow_store::supervision::Finding>>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    Ok(Json(state.store.supervision().findings(q.open, 500).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CloseFindingInput {
    /// 处理结果.
    pub disposition: String,
}

#[utoipa::path(post, path = "/supervision/findings/{id}/close", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CloseFindingInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
/// A supervisor closes a finding with its disposition.
pub async fn close_finding(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CloseFindingInput>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, SupervisionAction::Act, None).await?;
    state
        .store
        .supervision()
        .close_finding(id, user.principal.account_id, &input.disposition)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/supervision/rules", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<onewindow_store::supervision::FindingRule>)))]
/// The findings rule set with its switches.
pub async fn list_rules(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<onewindow_store::supervision::FindingRule>>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    Ok(Json(state.store.supervision().finding_rules().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RuleSwitch {
    pub enabled: bool,
}

#[utoipa::path(put, path = "/supervision/rules/{code}", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = RuleSwitch,
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
/// Switches a rule on or off (centre administrators); findings already raised stay.
pub async fn switch_rule(
    State(state): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<RuleSwitch>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    state
        .store
        .supervision()
        .set_finding_rule(&code, input.enabled)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// First day (YYYY-MM-DD).
    pub from: String,
    /// Last day (YYYY-MM-DD).
    pub to: String,
}

#[utoipa::path(get, path = "/supervision/indicators", tag = "cases", security(("bearer" = [])),
    params(PeriodQuery), responses((status = 200, body = Vec<onewindow_store::supervision::Indicators>),
        (status = 422, body = crate::error::Problem)))]
/// Efficiency indicators per department for a period (办结率, 按时办结率, 催办率, 延误率 …).
pub async fn indicators(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<Vec<onewindow_store::supervision::Indicators>>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    let mut errors = FieldErrors::new();
    for (name, value) in [("from", &q.from), ("to", &q.to)] {
        if NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err() {
            errors.add(name, "日期格式应为 YYYY-MM-DD");
        }
    }
    if errors.is_empty() && q.from > q.to {
        errors.add("to", "结束日期不能早于开始日期");
    }
    errors.into_result()?;
    Ok(Json(
        state.store.supervision().indicators(&q.from, &q.to).await?,
    ))
}

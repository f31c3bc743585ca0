//! Supervision settings, cards and assessment over `/api/v1/supervision`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use onewindow_domain::auth::{CaseAction, OrgAction, SupervisionAction};
use onewindow_domain::ids::{StaffId, WindowId};
use onewindow_store::supervision::SupervisionSettings;
use onewindow_store::supervision::assessment::{
    Assessment, Card, CardRule, CardRuleChange, Deduction, Period, Target, UnitIndicators,
};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::{ApiJson, gate, own_unit_actor};
use crate::auth::ApiUser;
use crate::error::ApiError;
use onewindow_domain::org::FieldErrors;

type ApiResult<T> = Result<T, ApiError>;

#[utoipa::path(get, path = "/supervision/settings", tag = "supervision", security(("bearer" = [])),
    responses((status = 200, body = SupervisionSettings)))]
/// The warning threshold and the red-flag score.
pub async fn get_settings(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<SupervisionSettings>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    Ok(Json(state.store.supervision().settings().await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SettingsChanged {
    pub settings: SupervisionSettings,
    /// Running deadlines whose warning day moved.
    pub timers_moved: u64,
}

#[utoipa::path(put, path = "/supervision/settings", tag = "supervision", security(("bearer" = [])),
    request_body = SupervisionSettings,
    responses((status = 200, body = SettingsChanged), (status = 422, body = crate::error::Problem)))]
/// Changes the warning threshold (yellow with `warn_min_days` working days or `warn_percent`
/// of the limit left, whichever is more) and the red-flag score (centre administrators). Every
/// running deadline's warning day moves with it.
pub async fn put_settings(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<SupervisionSettings>,
) -> ApiResult<Json<SettingsChanged>> {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    let moved = state
        .store
        .supervision()
        .set_settings(input, user.principal.account_id)
        .await?;
    Ok(Json(SettingsChanged {
        settings: state.store.supervision().settings().await?,
        timers_moved: moved,
    }))
}

#[utoipa::path(get, path = "/supervision/card-rules", tag = "supervision", security(("bearer" = [])),
    responses((status = 200, body = Vec<CardRule>)))]
/// The rules that issue yellow and red cards.
pub async fn list_card_rules(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<CardRule>>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    Ok(Json(state.store.supervision().card_rules().await?))
}

#[utoipa::path(put, path = "/supervision/card-rules/{code}", tag = "supervision", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = CardRuleChange,
    responses((status = 200, body = CardRule), (status = 422, body = crate::error::Problem)))]
/// Schedules a change to a card rule from the first day of a later month (centre
/// administrators); a change in the middle of a month is refused.
pub async fn change_card_rule(
    State(state): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<CardRuleChange>,
) -> ApiResult<Json<CardRule>> {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    Ok(Json(
        state
            .store
            .supervision()
            .change_card_rule(&code, &input, state.clock.today())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CardQuery {
    /// A month (YYYY-MM); all months when absent.
    pub period: Option<String>,
}

#[utoipa::path(get, path = "/supervision/cards", tag = "supervision", security(("bearer" = [])),
    params(CardQuery), responses((status = 200, body = Vec<Card>)))]
/// Cards issued, newest first: supervisors see all; other staff the cards of their department,
/// their window and themselves.
pub async fn list_cards(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<CardQuery>,
) -> ApiResult<Json<Vec<Card>>> {
    let p = &user.principal;
    let period = q.period.as_deref();
    if onewindow_domain::auth::authorize(p, SupervisionAction::View, None).is_ok() {
        return Ok(Json(state.store.supervision().cards(period, 500).await?));
    }
    gate(&state, &user, CaseAction::View, p.department_id).await?;
    let actor = state.store.cases().case_actor(p).await?;
    Ok(Json(
        state
            .store
            .supervision()
            .cards_concerning(&actor, period, 500)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AppealInput {
    /// 申诉理由.
    pub grounds: String,
}

#[utoipa::path(post, path = "/supervision/cards/{id}/appeal", tag = "supervision", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AppealInput,
    responses((status = 200, body = Card), (status = 403, body = crate::error::Problem)))]
/// The carded unit appeals (申诉), once.
pub async fn appeal_card(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AppealInput>,
) -> ApiResult<Json<Card>> {
    let actor = own_unit_actor(&state, &user, SupervisionAction::Answer).await?;
    Ok(Json(
        state
            .store
            .supervision()
            .appeal_card(id, &actor, &input.grounds)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AppealDecisionInput {
    /// True revokes the card; false upholds it.
    pub revoke: bool,
    /// 复核意见 (required).
    pub note: String,
}

#[utoipa::path(post, path = "/supervision/cards/{id}/decision", tag = "supervision", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AppealDecisionInput,
    responses((status = 200, body = Card), (status = 422, body = crate::error::Problem)))]
/// A supervisor revokes or upholds an appealed card.
pub async fn decide_card_appeal(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AppealDecisionInput>,
) -> ApiResult<Json<Card>> {
    gate(&state, &user, SupervisionAction::Act, None).await?;
    Ok(Json(
        state
            .store
            .supervision()
            .decide_card_appeal(id, user.principal.account_id, input.revoke, &input.note)
            .await?,
    ))
}

#[utoipa::path(get, path = "/supervision/scheme", tag = "supervision", security(("bearer" = [])),
    responses((status = 200, body = Vec<Deduction>)))]
/// The 100-point deduction scheme.
pub async fn get_scheme(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<Deduction>>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    Ok(Json(state.store.supervision().deductions().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PointsInput {
    /// Points one occurrence costs, 0–100.
    pub points: i64,
}

#[utoipa::path(put, path = "/supervision/scheme/{code}", tag = "supervision", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = PointsInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
/// Sets an item of the deduction scheme (centre administrators).
pub async fn put_scheme(
    State(state): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<PointsInput>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    state
        .store
        .supervision()
        .set_deduction(&code, input.points)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UnitQuery {
    /// department, window or staff.
    pub unit: String,
    /// A month (2026-11) or a quarter (2026-Q4).
    pub period: String,
}

pub(crate) fn unit_and_period(unit: &str, period: &str) -> Result<(Target, Period), FieldErrors> {
    let mut errors = FieldErrors::new();
    let target = Target::from_key(unit);
    if target.is_none() {
        errors.add("unit", "考核对象应为 department、window 或 staff");
    }
    let period = Period::parse(period);
    if let Err(e) = &period {
        errors.0.extend(e.0.clone());
    }
    errors.into_result()?;
    Ok((target.expect("checked"), period.expect("checked")))
}

#[utoipa::path(get, path = "/supervision/assessment", tag = "supervision", security(("bearer" = [])),
    params(UnitQuery), responses((status = 200, body = Vec<Assessment>), (status = 422, body = crate::error::Problem)))]
/// Scores, stars and grades of every department, window or staff member for a month or a
/// quarter; windows also say whether they are red-flag windows (红旗窗口).
pub async fn assessment(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Vec<Assessment>>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    let (target, period) = unit_and_period(&q.unit, &q.period)?;
    Ok(Json(
        state
            .store
            .supervision()
            .assessment(target, &period)
            .await?,
    ))
}

#[utoipa::path(get, path = "/supervision/unit-indicators", tag = "supervision", security(("bearer" = [])),
    params(UnitQuery), responses((status = 200, body = Vec<UnitIndicators>), (status = 422, body = crate::error::Problem)))]
/// Indicators per department, window or staff member for the cases received in a period.
pub async fn unit_indicators(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Vec<UnitIndicators>>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    let (target, period) = unit_and_period(&q.unit, &q.period)?;
    Ok(Json(
        state
            .store
            .supervision()
            .unit_indicators(target, &period)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SeatInput {
    /// The window the staff member sits at; null takes them off any window.
    pub window_id: Option<WindowId>,
}

#[utoipa::path(put, path = "/staff/{id}/window", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SeatInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
/// Seats a staff member at a window (座席安排), for window indicators and cards.
pub async fn seat_staff(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<StaffId>,
    ApiJson(input): ApiJson<SeatInput>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, OrgAction::ManageStaff, None).await?;
    state
        .store
        .supervision()
        .seat_staff(id, input.window_id, user.principal.account_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

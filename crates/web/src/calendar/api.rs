//! The working-day calendar's API: the days with their corrections, and the deadline a
//! number of working days from a date gives.

use axum::Json;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use onewindow_domain::auth::CalendarAction;
use onewindow_domain::org::FieldErrors;
use onewindow_store::calendar::CalendarDay;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::{ApiJson, gate};
use crate::auth::ApiUser;
use crate::error::ApiError;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The calendar endpoints, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calendar_days, set_calendar_day))
        .routes(routes!(deadline))
}

type ApiResult<T> = Result<T, ApiError>;

#[utoipa::path(get, path = "/calendar/days", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<CalendarDay>)))]
/// The administrators' corrections to the official working-day calendar.
pub async fn list_calendar_days(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<CalendarDay>>> {
    gate(&state, &user, CalendarAction::View, None).await?;
    Ok(Json(state.store.calendar().calendar_days().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CalendarDayInput {
    /// 6- or 12-digit region code; empty for everywhere.
    #[serde(default)]
    pub region_code: String,
    /// YYYY-MM-DD.
    pub day: String,
    pub workday: bool,
    /// The holiday or the reason.
    pub name: String,
}

#[utoipa::path(put, path = "/calendar/days", tag = "cases", security(("bearer" = [])),
    request_body = CalendarDayInput,
    responses((status = 200, body = CalendarDay), (status = 422, body = crate::error::Problem)))]
/// Marks a day worked or off (nationwide or for a region); new deadlines follow it.
pub async fn set_calendar_day(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<CalendarDayInput>,
) -> ApiResult<Json<CalendarDay>> {
    gate(&state, &user, CalendarAction::Manage, None).await?;
    Ok(Json(
        state
            .store
            .calendar()
            .set_calendar_day(
                &input.region_code,
                &input.day,
                input.workday,
                &input.name,
                user.principal.account_id,
            )
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeadlineQuery {
    /// The day of acceptance (YYYY-MM-DD).
    pub from: String,
    pub working_days: u32,
    /// The region whose corrections apply (12 digits), empty for the national calendar.
    #[serde(default)]
    pub region_code: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Deadline {
    pub deadline: String,
}

#[utoipa::path(get, path = "/calendar/deadline", tag = "cases", params(DeadlineQuery),
    responses((status = 200, body = Deadline), (status = 422, body = crate::error::Problem)))]
/// The last day of a limit of N working days counted from the day after `from`.
pub async fn deadline(
    State(state): State<AppState>,
    Query(q): Query<DeadlineQuery>,
) -> ApiResult<Json<Deadline>> {
    let from = NaiveDate::parse_from_str(&q.from, "%Y-%m-%d")
        .map_err(|_| FieldErrors::single("from", "日期格式应为 YYYY-MM-DD"))?;
    let cal = state.store.calendar().calendar_for(&q.region_code).await?;
    let d = cal
        .add_working_days(from, q.working_days)
        .map_err(|e| FieldErrors::single("working_days", e.to_string()))?;
    Ok(Json(Deadline {
        deadline: d.to_string(),
    }))
}

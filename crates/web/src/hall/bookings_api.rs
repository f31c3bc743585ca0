//! Appointments in the API (`/api/v1/hall`): where and when an item can be booked, an
//! applicant's bookings (book with an Idempotency-Key, cancel, move), the window's check-in and
//! day, and the centre's booking rules and hall hours.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{NaiveDate, NaiveTime};
use onewindow_domain::auth::HallAction;
use onewindow_domain::hall::booking::{BookingRules, Schedule};
use onewindow_domain::ids::{HallId, ItemId, WindowId};
use onewindow_domain::org::FieldErrors;
use onewindow_store::hall::bookings::{Booking, BookingRequest, DaySlots, Place};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::{ApiJson, gate};
use crate::auth::ApiUser;
use crate::error::ApiError;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(places))
        .routes(routes!(slots))
        .routes(routes!(book, my_bookings))
        .routes(routes!(get_booking))
        .routes(routes!(cancel_booking))
        .routes(routes!(reschedule_booking))
        .routes(routes!(check_in))
        .routes(routes!(window_bookings))
        .routes(routes!(get_booking_rules, set_booking_rules))
        .routes(routes!(get_schedule, set_schedule))
}

type ApiResult<T> = Result<T, ApiError>;

#[utoipa::path(get, path = "/hall/items/{item_id}/places", tag = "hall",
    params(("item_id" = i64, Path)),
    responses((status = 200, body = Vec<Place>), (status = 422, body = crate::error::Problem)))]
/// The halls where an item can be booked, with the windows that serve it there.
pub async fn places(
    State(state): State<AppState>,
    Path(item_id): Path<ItemId>,
) -> ApiResult<Json<Vec<Place>>> {
    Ok(Json(state.store.hall().places(item_id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SlotsQuery {
    pub hall_id: i64,
}

#[utoipa::path(get, path = "/hall/items/{item_id}/slots", tag = "hall",
    params(("item_id" = i64, Path), SlotsQuery),
    responses((status = 200, body = Vec<DaySlots>), (status = 422, body = crate::error::Problem)))]
/// The days open for booking at a hall, each with its slots and free places (or why closed).
pub async fn slots(
    State(state): State<AppState>,
    Path(item_id): Path<ItemId>,
    Query(q): Query<SlotsQuery>,
) -> ApiResult<Json<Vec<DaySlots>>> {
    Ok(Json(
        state
            .store
            .hall()
            .days(item_id, HallId(q.hall_id), state.clock.now())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BookInput {
    #[schema(value_type = i64)]
    pub item_id: ItemId,
    #[schema(value_type = i64)]
    pub hall_id: HallId,
    /// YYYY-MM-DD
    pub day: String,
    /// HH:MM, the start of a slot.
    pub start: String,
}

/// A day and a start time as sent, with field messages when malformed.
fn when(day: &str, start: &str) -> Result<(NaiveDate, NaiveTime), FieldErrors> {
    let mut errors = FieldErrors::new();
    let d = NaiveDate::parse_from_str(day, "%Y-%m-%d");
    if d.is_err() {
        errors.add("day", "日期格式应为 YYYY-MM-DD");
    }
    let t = NaiveTime::parse_from_str(start, "%H:%M");
    if t.is_err() {
        errors.add("start", "时间格式应为 HH:MM");
    }
    match (d, t) {
        (Ok(d), Ok(t)) => Ok((d, t)),
        _ => Err(errors),
    }
}

#[utoipa::path(post, path = "/hall/bookings", tag = "hall", security(("bearer" = [])),
    request_body = BookInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "重试时返回首次预约，不会重复预约")),
    responses((status = 201, body = Booking), (status = 422, body = crate::error::Problem)))]
/// Books a place in a slot for the signed-in applicant.
pub async fn book(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    ApiJson(input): ApiJson<BookInput>,
) -> ApiResult<(StatusCode, Json<Booking>)> {
    gate(&state, &user, HallAction::Book, None).await?;
    let (day, start) = when(&input.day, &input.start)?;
    let key = match crate::case::api::idempotency_key(&headers)? {
        Some(k) => k,
        None => {
            use rand::Rng;
            format!("api-{:032x}", rand::rng().random::<u128>())
        }
    };
    let req = BookingRequest {
        item_id: input.item_id,
        hall_id: input.hall_id,
        day,
        start,
        key,
    };
    let booking = state
        .store
        .hall()
        .book(user.principal.account_id, &req, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(booking)))
}

#[utoipa::path(get, path = "/hall/bookings", tag = "hall", security(("bearer" = [])),
    responses((status = 200, body = Vec<Booking>)))]
/// The applicant's bookings, the latest slot first.
pub async fn my_bookings(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<Booking>>> {
    gate(&state, &user, HallAction::ViewOwn, None).await?;
    Ok(Json(
        state
            .store
            .hall()
            .bookings(user.principal.account_id, 200)
            .await?,
    ))
}

#[utoipa::path(get, path = "/hall/bookings/{id}", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Booking), (status = 404, body = crate::error::Problem)))]
/// One of the applicant's bookings (another's is not found).
pub async fn get_booking(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Booking>> {
    gate(&state, &user, HallAction::ViewOwn, None).await?;
    Ok(Json(
        state
            .store
            .hall()
            .booking(user.principal.account_id, id)
            .await?,
    ))
}

#[utoipa::path(post, path = "/hall/bookings/{id}/cancel", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Booking), (status = 422, body = crate::error::Problem)))]
/// Cancels a booking that has not begun.
pub async fn cancel_booking(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Booking>> {
    gate(&state, &user, HallAction::Book, None).await?;
    Ok(Json(
        state
            .store
            .hall()
            .cancel(user.principal.account_id, id, state.clock.now())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MoveInput {
    /// YYYY-MM-DD
    pub day: String,
    /// HH:MM
    pub start: String,
}

#[utoipa::path(post, path = "/hall/bookings/{id}/reschedule", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = MoveInput,
    responses((status = 200, body = Booking), (status = 422, body = crate::error::Problem)))]
/// Moves a booking to another slot of the same hall (the check-in code stays).
pub async fn reschedule_booking(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MoveInput>,
) -> ApiResult<Json<Booking>> {
    gate(&state, &user, HallAction::Book, None).await?;
    let (day, start) = when(&input.day, &input.start)?;
    Ok(Json(
        state
            .store
            .hall()
            .reschedule(user.principal.account_id, id, day, start, state.clock.now())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CheckInInput {
    pub code: String,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub window_id: Option<WindowId>,
}

#[utoipa::path(post, path = "/hall/check-ins", tag = "hall", security(("bearer" = [])),
    request_body = CheckInInput,
    responses((status = 200, body = Booking), (status = 422, body = crate::error::Problem)))]
/// Checks in an applicant by their booking's code (window staff of its department).
pub async fn check_in(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<CheckInInput>,
) -> ApiResult<Json<Booking>> {
    gate(
        &state,
        &user,
        HallAction::CheckIn,
        user.principal.department_id,
    )
    .await?;
    Ok(Json(
        state
            .store
            .hall()
            .check_in(
                &user.principal,
                &input.code,
                input.window_id,
                state.clock.now(),
            )
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DayQuery {
    /// YYYY-MM-DD; today when absent.
    pub day: Option<String>,
}

#[utoipa::path(get, path = "/hall/windows/{id}/bookings", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path), DayQuery),
    responses((status = 200, body = Vec<Booking>), (status = 404, body = crate::error::Problem)))]
/// A window's bookings of a day, by slot (staff who may see its department's bookings).
pub async fn window_bookings(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<WindowId>,
    Query(q): Query<DayQuery>,
) -> ApiResult<Json<Vec<Booking>>> {
    let day = match q.day.as_deref() {
        None => state.clock.today(),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| FieldErrors::single("day", "日期格式应为 YYYY-MM-DD"))?,
    };
    Ok(Json(
        state
            .store
            .hall()
            .window_bookings(&user.principal, id, day)
            .await?,
    ))
}

#[utoipa::path(get, path = "/hall/booking-rules", tag = "hall",
    responses((status = 200, body = Object)))]
/// The booking rules: open bookings per person, no-shows that suspend booking and over how
/// many days, how far ahead slots open.
pub async fn get_booking_rules(State(state): State<AppState>) -> ApiResult<Json<BookingRules>> {
    Ok(Json(state.store.hall().booking_rules().await?))
}

#[utoipa::path(put, path = "/hall/booking-rules", tag = "hall", security(("bearer" = [])),
    request_body = Object,
    responses((status = 200, body = Object), (status = 422, body = crate::error::Problem)))]
/// Sets the booking rules (centre administrators).
pub async fn set_booking_rules(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(rules): ApiJson<BookingRules>,
) -> ApiResult<Json<BookingRules>> {
    gate(&state, &user, HallAction::Configure, None).await?;
    state
        .store
        .hall()
        .set_booking_rules(&rules, user.principal.account_id)
        .await?;
    Ok(Json(rules))
}

/// A hall's hours for appointments as sent and shown.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScheduleBody {
    /// e.g. `09:00-12:00, 13:30-17:00`; one session through noon is 午间不休.
    pub sessions: String,
    pub slot_minutes: u32,
    pub per_window: u32,
    /// Read only: whether the hall serves through the lunch hour.
    #[serde(default)]
    pub no_lunch_break: bool,
}

impl From<Schedule> for ScheduleBody {
    fn from(s: Schedule) -> Self {
        ScheduleBody {
            sessions: s.sessions_text(),
            slot_minutes: s.slot_minutes,
            per_window: s.per_window,
            no_lunch_break: s.no_lunch_break(),
        }
    }
}

#[utoipa::path(get, path = "/hall/halls/{id}/schedule", tag = "hall",
    params(("id" = i64, Path)),
    responses((status = 200, body = ScheduleBody)))]
/// A hall's hours for appointments.
pub async fn get_schedule(
    State(state): State<AppState>,
    Path(id): Path<HallId>,
) -> ApiResult<Json<ScheduleBody>> {
    state.store.org().get_hall(id).await?;
    Ok(Json(state.store.hall().schedule(id).await?.into()))
}

#[utoipa::path(put, path = "/hall/halls/{id}/schedule", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ScheduleBody,
    responses((status = 200, body = ScheduleBody), (status = 422, body = crate::error::Problem)))]
/// Sets a hall's hours for appointments (centre administrators).
pub async fn set_schedule(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<HallId>,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> ApiResult<Json<ScheduleBody>> {
    gate(&state, &user, HallAction::Configure, None).await?;
    let sessions =
        Schedule::parse_sessions(&body.sessions).map_err(|m| FieldErrors::single("sessions", m))?;
    let schedule = Schedule {
        sessions,
        slot_minutes: body.slot_minutes,
        per_window: body.per_window,
    };
    state
        .store
        .hall()
        .set_schedule(id, &schedule, user.principal.account_id)
        .await?;
    Ok(Json(schedule.into()))
}

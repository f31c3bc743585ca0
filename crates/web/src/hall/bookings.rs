//! Appointments on the web: the applicant books a slot from a guide (choose the hall, the
//! day, the time; no script needed), sees their bookings with the check-in code and its QR
//! image, cancels or moves one; window staff see their window's day and check applicants in
//! by code; the centre's administrators set the halls' hours, the booking rules and the
//! upload limits.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use onewindow_domain::auth::HallAction;
use onewindow_domain::hall::booking::{BookingRules, Schedule, changeable, status_text};
use onewindow_domain::hall::{Limits, size_text};
use onewindow_domain::ids::{HallId, ItemId, WindowId};
use onewindow_domain::org::FieldErrors;
use onewindow_store::StoreError;
use onewindow_store::hall::bookings::{Booking, BookingRequest, DaySlots, Place};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::kit::{Cell, Section, page, qr_svg, query_string, redirect, saved};
use crate::pages::{Chrome, FormBuilder, FormData, PageResult, gate, render, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/book/{item_id}", get(book_page).post(book))
        .route("/my/bookings", get(my_bookings))
        .route("/my/bookings/{id}", get(booking_page).post(booking_post))
        .route("/my/bookings/{id}/move", get(move_page))
        .route("/work/bookings", get(desk).post(check_in))
        .route("/admin/hall", get(settings))
        .route("/admin/hall/{op}", post(settings_post))
}

const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

/// Only applicants book; staff who open these pages are told so.
async fn applicant(state: &AppState, user: &PageUser) -> Result<(), PageError> {
    gate(state, user, HallAction::Book, None)
        .await
        .map_err(|_| PageError::Forbidden("预约须使用申请人（自然人或法人）账号登录".into()))
}

// ---- choosing a slot ----

#[derive(Debug, Default, Deserialize)]
struct Pick {
    hall: Option<i64>,
    day: Option<String>,
}

pub struct DayChip {
    pub day: String,
    pub label: String,
    pub closed: String,
    pub free: i64,
    pub current: bool,
    pub href: String,
}

pub struct SlotChoice {
    pub start: String,
    pub text: String,
    pub free: i64,
    pub bookable: bool,
}

#[derive(Template)]
#[template(path = "hall/book.html")]
struct BookPage {
    chrome: Chrome,
    item_id: ItemId,
    item_name: String,
    /// Set when moving an existing booking.
    moving: Option<i64>,
    action: String,
    places: Vec<(HallId, String, bool, String)>,
    place: String,
    hall_id: HallId,
    days: Vec<DayChip>,
    day: String,
    day_label: String,
    day_closed: String,
    slots: Vec<SlotChoice>,
    key: String,
    error: String,
    rules: String,
}

fn day_label(day: NaiveDate) -> String {
    format!(
        "{}月{}日 {}",
        day.month(),
        day.day(),
        WEEKDAYS[day.weekday().num_days_from_monday() as usize]
    )
}

/// The booking page: the halls serving the item, the days with their free places, and the
/// chosen day's slots. `moving` is the booking being moved, whose hall is fixed.
#[allow(clippy::too_many_arguments)]
async fn book_view(
    state: &AppState,
    user: &PageUser,
    item_id: ItemId,
    pick: &Pick,
    moving: Option<&Booking>,
    key: String,
    error: String,
) -> Result<BookPage, PageError> {
    let hall = state.store.hall();
    let item = state.store.catalog().get_item(item_id).await?;
    let places = match hall.places(item_id).await {
        Ok(p) => p,
        Err(StoreError::Invalid(e)) => return Err(PageError::BadRequest(e.summary())),
        Err(e) => return Err(e.into()),
    };
    let chosen: Option<&Place> = match moving {
        Some(b) => places.iter().find(|p| p.hall_id == b.hall_id),
        None => pick
            .hall
            .and_then(|h| places.iter().find(|p| p.hall_id.0 == h))
            .or(places.first()),
    };
    let Some(place) = chosen else {
        return Err(PageError::BadRequest(
            "该事项暂无可预约的大厅窗口，请直接到大厅办理或咨询中心".into(),
        ));
    };
    let now = state.clock.now();
    let days: Vec<DaySlots> = hall.days(item_id, place.hall_id, now).await?;
    let free = |d: &DaySlots| {
        d.slots
            .iter()
            .filter(|s| s.bookable)
            .map(|s| s.capacity - s.taken)
            .sum::<i64>()
    };
    let chosen_day = pick
        .day
        .as_deref()
        .and_then(|d| days.iter().find(|x| x.day == d))
        .or_else(|| days.iter().find(|d| free(d) > 0))
        .or(days.first());
    let base = match moving {
        Some(b) => format!("/my/bookings/{}/move", b.id),
        None => format!("/book/{item_id}"),
    };
    let href = |day: &str| {
        format!(
            "{base}?{}",
            query_string(&[("hall", &place.hall_id.to_string()), ("day", day)])
        )
    };
    let date = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap_or_default();
    let rules = hall.booking_rules().await?;
    Ok(BookPage {
        chrome: Chrome::new(format!("预约办理 · {}", item.name), &user.ctx),
        item_id,
        item_name: item.name,
        moving: moving.map(|b| b.id),
        action: match moving {
            Some(b) => format!("/my/bookings/{}", b.id),
            None => format!("/book/{item_id}"),
        },
        places: places
            .iter()
            .map(|p| {
                (
                    p.hall_id,
                    format!("{} · {}", p.centre_name, p.hall_name),
                    p.hall_id == place.hall_id,
                    format!("{base}?hall={}", p.hall_id),
                )
            })
            .collect(),
        place: format!(
            "{} {}（{}，{} 个窗口）",
            place.centre_name,
            place.hall_name,
            place.pool.label(),
            place.windows
        ),
        hall_id: place.hall_id,
        days: days
            .iter()
            .map(|d| DayChip {
                label: day_label(date(&d.day)),
                closed: d.closed.clone().unwrap_or_default(),
                free: free(d),
                current: chosen_day.is_some_and(|c| c.day == d.day),
                href: href(&d.day),
                day: d.day.clone(),
            })
            .collect(),
        day: chosen_day.map(|d| d.day.clone()).unwrap_or_default(),
        day_label: chosen_day
            .map(|d| day_label(date(&d.day)))
            .unwrap_or_default(),
        day_closed: chosen_day
            .and_then(|d| d.closed.clone())
            .unwrap_or_default(),
        slots: chosen_day
            .map(|d| {
                d.slots
                    .iter()
                    .map(|s| SlotChoice {
                        start: s.start.clone(),
                        text: format!("{}–{}", s.start, s.end),
                        free: (s.capacity - s.taken).max(0),
                        bookable: s.bookable,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        key,
        error,
        rules: format!(
            "每人最多同时持有 {} 个预约；{} 天内爽约 {} 次将暂停预约。",
            rules.max_open, rules.no_show_days, rules.no_show_limit
        ),
    })
}

/// A fresh key for one booking form: a double click or a resent form books once.
fn form_key() -> String {
    use rand::Rng;
    let n: u128 = rand::rng().random();
    format!("{n:032x}")
}

async fn book_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(item_id): Path<ItemId>,
    Query(pick): Query<Pick>,
) -> PageResult {
    applicant(&state, &user).await?;
    render(
        &book_view(
            &state,
            &user,
            item_id,
            &pick,
            None,
            form_key(),
            String::new(),
        )
        .await?,
    )
}

/// The slot a form names: its hall, day (YYYY-MM-DD) and start (HH:MM).
fn picked(data: &FormData) -> Result<(HallId, NaiveDate, NaiveTime), FieldErrors> {
    let day = NaiveDate::parse_from_str(&data.text("day"), "%Y-%m-%d");
    let start = NaiveTime::parse_from_str(&data.text("start"), "%H:%M");
    let hall = data.text("hall_id").parse::<i64>();
    match (hall, day, start) {
        (Ok(h), Ok(d), Ok(s)) => Ok((HallId(h), d, s)),
        (_, Ok(_), Err(_)) => Err(FieldErrors::single("start", "请选择一个时段")),
        _ => Err(FieldErrors::single("slot", "请选择日期和时段")),
    }
}

async fn book(
    State(state): State<AppState>,
    user: PageUser,
    Path(item_id): Path<ItemId>,
    body: Bytes,
) -> PageResult {
    applicant(&state, &user).await?;
    let data = FormData::parse(&body);
    let key = data.text("key");
    let result = match picked(&data) {
        Ok((hall_id, day, start)) => {
            let req = BookingRequest {
                item_id,
                hall_id,
                day,
                start,
                key: key.clone(),
            };
            state
                .store
                .hall()
                .book(user.principal.account_id, &req, state.clock.now())
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(b) => redirect(&format!("/my/bookings/{}", b.id), "booked"),
        Err(StoreError::Invalid(e)) => {
            let pick = Pick {
                hall: data.text("hall_id").parse().ok(),
                day: Some(data.text("day")),
            };
            let page = book_view(&state, &user, item_id, &pick, None, key, e.summary()).await?;
            render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- my bookings ----

pub struct BookingRow {
    pub id: i64,
    pub item: String,
    pub when: String,
    pub place: String,
    pub status: &'static str,
    pub tone: &'static str,
    pub code: String,
}

fn row(b: &Booking, now: NaiveDateTime) -> BookingRow {
    let status = status_text(b.status, b.ends(), now);
    BookingRow {
        id: b.id,
        item: b.item_name.clone(),
        when: format!("{} {}", day_label(b.date()), b.slot().text()),
        place: b.hall_name.clone(),
        status,
        tone: match status {
            "待到场" => "on",
            "未到场" => "bad",
            _ => "off",
        },
        code: b.code.clone(),
    }
}

#[derive(Template)]
#[template(path = "hall/bookings.html")]
struct BookingsPage {
    chrome: Chrome,
    bookings: Vec<BookingRow>,
}

async fn my_bookings(State(state): State<AppState>, user: PageUser) -> PageResult {
    gate(&state, &user, HallAction::ViewOwn, None).await?;
    let now = state.clock.now();
    let bookings = state
        .store
        .hall()
        .bookings(user.principal.account_id, 200)
        .await?;
    render(&BookingsPage {
        chrome: Chrome::new("我的预约", &user.ctx),
        bookings: bookings.iter().map(|b| row(b, now)).collect(),
    })
}

#[derive(Template)]
#[template(path = "hall/booking.html")]
struct BookingPage {
    chrome: Chrome,
    b: BookingRow,
    item_id: ItemId,
    department: String,
    qr: String,
    changeable: bool,
    checked_in: String,
    error: String,
}

async fn booking_view(
    state: &AppState,
    user: &PageUser,
    id: i64,
    error: String,
) -> Result<BookingPage, PageError> {
    let b = state
        .store
        .hall()
        .booking(user.principal.account_id, id)
        .await?;
    let now = state.clock.now();
    Ok(BookingPage {
        chrome: Chrome::new("预约详情", &user.ctx),
        item_id: b.item_id,
        department: b.department_name.clone(),
        qr: qr_svg(&b.code),
        changeable: changeable(b.status, b.starts(), now),
        checked_in: b
            .checked_in_at
            .map(crate::pages::local_time)
            .unwrap_or_default(),
        b: row(&b, now),
        error,
    })
}

async fn booking_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    gate(&state, &user, HallAction::ViewOwn, None).await?;
    render(&booking_view(&state, &user, id, String::new()).await?)
}

/// Cancels (`op=cancel`) or moves (`op=move` with the new day and start) a booking.
async fn booking_post(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    applicant(&state, &user).await?;
    let data = FormData::parse(&body);
    let (me, now) = (user.principal.account_id, state.clock.now());
    let hall = state.store.hall();
    let op = data.text("op");
    let result = match op.as_str() {
        "cancel" => hall.cancel(me, id, now).await.map(|_| "cancelled"),
        "move" => match picked(&data) {
            Ok((_, day, start)) => hall
                .reschedule(me, id, day, start, now)
                .await
                .map(|_| "moved"),
            Err(e) => Err(e.into()),
        },
        _ => return Err(PageError::BadRequest("未知的操作".into())),
    };
    match result {
        Ok(notice) => redirect(&format!("/my/bookings/{id}"), notice),
        Err(StoreError::Invalid(e)) if op == "move" => {
            let booking = hall.booking(me, id).await?;
            let pick = Pick {
                hall: None,
                day: Some(data.text("day")),
            };
            let page = book_view(
                &state,
                &user,
                booking.item_id,
                &pick,
                Some(&booking),
                String::new(),
                e.summary(),
            )
            .await?;
            render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(StoreError::Invalid(e)) => {
            let page = booking_view(&state, &user, id, e.summary()).await?;
            render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn move_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(pick): Query<Pick>,
) -> PageResult {
    applicant(&state, &user).await?;
    let booking = state
        .store
        .hall()
        .booking(user.principal.account_id, id)
        .await?;
    if !changeable(booking.status, booking.starts(), state.clock.now()) {
        return Ok(Redirect::to(&format!("/my/bookings/{id}")).into_response());
    }
    let page = book_view(
        &state,
        &user,
        booking.item_id,
        &pick,
        Some(&booking),
        String::new(),
        String::new(),
    )
    .await?;
    render(&page)
}

// ---- the window's day ----

#[derive(Debug, Default, Deserialize)]
struct DeskQuery {
    window: Option<i64>,
    day: Option<String>,
}

pub struct DeskRow {
    pub slot: String,
    pub applicant: String,
    pub item: String,
    pub status: &'static str,
    pub tone: &'static str,
    pub code: String,
    pub checked_in: String,
}

#[derive(Template)]
#[template(path = "hall/desk.html")]
struct DeskPage {
    chrome: Chrome,
    windows: Vec<(WindowId, String, bool)>,
    window: Option<WindowId>,
    day: String,
    rows: Vec<DeskRow>,
    booked: usize,
    arrived: usize,
    error: String,
    checked: String,
}

/// The windows the user may see bookings for, with their seat first.
async fn desk_windows(
    state: &AppState,
    user: &PageUser,
) -> Result<(Vec<onewindow_store::org::Window>, Option<WindowId>), PageError> {
    let p = &user.principal;
    let all = state.store.org().list_windows(None, None).await?;
    let windows: Vec<_> = all
        .into_iter()
        .filter(|w| w.active.0 && crate::pages::can(p, HallAction::ViewBookings, w.department_id))
        .collect();
    let seat = match p.staff_id {
        Some(staff) => state
            .store
            .supervision()
            .seats()
            .await?
            .into_iter()
            .find(|s| s.1 == staff)
            .map(|s| s.0),
        None => None,
    };
    Ok((windows, seat))
}

async fn desk_view(
    state: &AppState,
    user: &PageUser,
    q: &DeskQuery,
    error: String,
    checked: String,
) -> Result<DeskPage, PageError> {
    gate(
        state,
        user,
        HallAction::ViewBookings,
        user.principal.department_id,
    )
    .await?;
    let (windows, seat) = desk_windows(state, user).await?;
    let window = q
        .window
        .map(WindowId)
        .filter(|w| windows.iter().any(|x| x.id == *w))
        .or(seat.filter(|s| windows.iter().any(|x| x.id == *s)))
        .or(windows.first().map(|w| w.id));
    let today = state.clock.today();
    let day = q
        .day
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or(today);
    let bookings = match window {
        Some(w) => {
            state
                .store
                .hall()
                .window_bookings(&user.principal, w, day)
                .await?
        }
        None => vec![],
    };
    let now = state.clock.now();
    let rows: Vec<DeskRow> = bookings
        .iter()
        .map(|b| {
            let r = row(b, now);
            DeskRow {
                slot: b.slot().text(),
                applicant: b.applicant_name.clone(),
                item: r.item,
                status: r.status,
                tone: r.tone,
                code: r.code,
                checked_in: b
                    .checked_in_at
                    .map(|t| {
                        crate::pages::local_time(t)
                            .get(11..16)
                            .unwrap_or("")
                            .to_owned()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok(DeskPage {
        chrome: Chrome::new("预约签到", &user.ctx),
        windows: windows
            .iter()
            .map(|w| {
                (
                    w.id,
                    format!("{} {}", w.number, w.name),
                    Some(w.id) == window,
                )
            })
            .collect(),
        window,
        day: day.to_string(),
        booked: rows.iter().filter(|r| r.status != "已取消").count(),
        arrived: rows.iter().filter(|r| r.status == "已签到").count(),
        rows,
        error,
        checked,
    })
}

async fn desk(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<DeskQuery>,
) -> PageResult {
    render(&desk_view(&state, &user, &q, String::new(), String::new()).await?)
}

async fn check_in(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    let data = FormData::parse(&body);
    let window = data.text("window").parse::<i64>().ok().map(WindowId);
    gate(
        &state,
        &user,
        HallAction::CheckIn,
        user.principal.department_id,
    )
    .await?;
    let q = DeskQuery {
        window: window.map(|w| w.0),
        day: Some(data.text("day")),
    };
    match state
        .store
        .hall()
        .check_in(
            &user.principal,
            &data.text("code"),
            window,
            state.clock.now(),
        )
        .await
    {
        Ok(b) => {
            let done = format!(
                "{} 已签到：{} {}，{}",
                b.code,
                b.applicant_name,
                b.slot().text(),
                b.item_name
            );
            render(&desk_view(&state, &user, &q, String::new(), done).await?)
        }
        Err(StoreError::Invalid(e)) => {
            let page = desk_view(&state, &user, &q, e.summary(), String::new()).await?;
            render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- the centre's settings ----

async fn settings(State(state): State<AppState>, user: PageUser) -> PageResult {
    settings_view(&state, &user, None, &FieldErrors::new()).await
}

/// The settings page; a refused form is shown again with what was typed (`refused`: which
/// form and its data).
async fn settings_view(
    state: &AppState,
    user: &PageUser,
    refused: Option<(&str, &FormData)>,
    errors: &FieldErrors,
) -> PageResult {
    gate(state, user, HallAction::Configure, None).await?;
    let hall = state.store.hall();
    let limits = hall.limits().await?;
    let rules = hall.booking_rules().await?;
    let halls = state.store.org().list_halls(None).await?;
    let no_errors = FieldErrors::new();
    let form_of = |op: &str, current: FormData| match refused {
        Some((o, data)) if o == op => (data.clone(), errors),
        _ => (current, &no_errors),
    };
    let mut schedules = Vec::new();
    let mut rows = Vec::new();
    for h in &halls {
        let s = hall.schedule(h.id).await?;
        rows.push(vec![
            Cell::text(&h.name),
            Cell::text(s.sessions_text()),
            Cell::text(if s.no_lunch_break() { "是" } else { "否" }),
            Cell::text(format!("{} 分钟", s.slot_minutes)),
            Cell::text(format!("{} 人", s.per_window)),
            Cell::text(s.slots().len().to_string()),
        ]);
        schedules.push((h, s));
    }
    let mut sections = vec![Section::table(
        "各大厅预约时间",
        vec![
            "大厅",
            "办公时段",
            "午间不休",
            "每时段",
            "每窗口每时段接待",
            "每日时段数",
        ],
        rows,
    )];
    let first = schedules.first();
    let (data, errs) = form_of(
        "schedule",
        FormData::from_pairs([
            (
                "hall_id",
                first.map(|(h, _)| h.id.to_string()).unwrap_or_default(),
            ),
            (
                "sessions",
                first.map(|(_, s)| s.sessions_text()).unwrap_or_default(),
            ),
            (
                "slot_minutes",
                first
                    .map(|(_, s)| s.slot_minutes.to_string())
                    .unwrap_or_default(),
            ),
            (
                "per_window",
                first
                    .map(|(_, s)| s.per_window.to_string())
                    .unwrap_or_default(),
            ),
        ]),
    );
    sections.push(Section::form(
        FormBuilder::new("/admin/hall/schedule", "保存预约时间", &data, errs)
            .title("设置大厅预约时间")
            .select(
                "hall_id",
                "大厅",
                true,
                None,
                halls
                    .iter()
                    .map(|h| (h.id.to_string(), h.name.clone()))
                    .collect(),
            )
            .text(
                "sessions",
                "办公时段",
                true,
                "如 09:00-12:00, 13:30-17:00；午间不休写成一段，如 08:30-17:30",
            )
            .number("slot_minutes", "每个预约时段（分钟）", true)
            .number("per_window", "每个窗口每时段接待人数", true)
            .build(),
    ));
    let (data, errs) = form_of(
        "rules",
        FormData::from_pairs([
            ("max_open", rules.max_open.to_string()),
            ("no_show_limit", rules.no_show_limit.to_string()),
            ("no_show_days", rules.no_show_days.to_string()),
            ("days_ahead", rules.days_ahead.to_string()),
        ]),
    );
    sections.push(Section::form(
        FormBuilder::new("/admin/hall/rules", "保存预约规则", &data, errs)
            .title("预约规则")
            .number("max_open", "每人同时持有的预约上限", true)
            .number("no_show_limit", "暂停预约的爽约次数", true)
            .number("no_show_days", "爽约统计周期（天）", true)
            .number("days_ahead", "可提前预约的天数", true)
            .build(),
    ));
    let mb = |b: u64| (b / (1024 * 1024)).to_string();
    let (data, errs) = form_of(
        "limits",
        FormData::from_pairs([
            ("max_file_mb", mb(limits.max_file_bytes)),
            ("max_application_mb", mb(limits.max_application_bytes)),
            (
                "max_files_per_material",
                limits.max_files_per_material.to_string(),
            ),
        ]),
    );
    sections.push(Section::form(
        FormBuilder::new("/admin/hall/limits", "保存上传限制", &data, errs)
            .title(&format!(
                "网上申请上传限制（现为单个文件 {}，每件申请 {}）",
                size_text(limits.max_file_bytes),
                size_text(limits.max_application_bytes)
            ))
            .number("max_file_mb", "单个文件上限（MB）", true)
            .number("max_application_mb", "每件申请合计上限（MB）", true)
            .number("max_files_per_material", "每项材料最多文件数", true)
            .build(),
    ));
    page(
        user,
        "网上大厅设置",
        vec![],
        "大厅预约时间按工作日历开放（节假日不开放，调休上班日开放）；每个时段可预约人数 = 服务该事项的开放窗口数 × 每窗口每时段接待人数。",
        sections,
        errors,
    )
}

async fn settings_post(
    State(state): State<AppState>,
    user: PageUser,
    Path(op): Path<String>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, HallAction::Configure, None).await?;
    let data = FormData::parse(&body);
    let by = user.principal.account_id;
    let hall = state.store.hall();
    let mut errors = FieldErrors::new();
    let number = |errors: &mut FieldErrors, name: &str| -> u32 {
        match data.text(name).trim().parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                errors.add(name, "请填写整数");
                0
            }
        }
    };
    let done = match op.as_str() {
        "schedule" => {
            let hall_id = data.text("hall_id").parse::<i64>().map(HallId);
            let sessions = Schedule::parse_sessions(&data.text("sessions"));
            if let Err(m) = &sessions {
                errors.add("sessions", m.clone());
            }
            let parsed = sessions.is_ok();
            let schedule = Schedule {
                sessions: sessions.unwrap_or_default(),
                slot_minutes: number(&mut errors, "slot_minutes"),
                per_window: number(&mut errors, "per_window"),
            };
            // Every field's message at once, not only the first field's.
            if let Err(e) = schedule.check() {
                for (field, message) in e.0 {
                    if (parsed || field != "sessions") && errors.message_for(&field).is_none() {
                        errors.add(&field, message);
                    }
                }
            }
            let Ok(hall_id) = hall_id else {
                return Err(PageError::BadRequest("请选择大厅".into()));
            };
            saved(&mut errors, hall.set_schedule(hall_id, &schedule, by)).await?
        }
        "rules" => {
            let rules = BookingRules {
                max_open: number(&mut errors, "max_open"),
                no_show_limit: number(&mut errors, "no_show_limit"),
                no_show_days: number(&mut errors, "no_show_days"),
                days_ahead: number(&mut errors, "days_ahead"),
            };
            saved(&mut errors, hall.set_booking_rules(&rules, by)).await?
        }
        "limits" => {
            const MB: u64 = 1024 * 1024;
            let limits = Limits {
                max_file_bytes: u64::from(number(&mut errors, "max_file_mb")) * MB,
                max_application_bytes: u64::from(number(&mut errors, "max_application_mb")) * MB,
                max_files_per_material: number(&mut errors, "max_files_per_material"),
            };
            saved(&mut errors, hall.set_limits(&limits, by)).await?
        }
        _ => return Err(PageError::BadRequest("未知的设置".into())),
    };
    match done {
        Some(()) => redirect("/admin/hall", "saved"),
        None => settings_view(&state, &user, Some((op.as_str(), &data)), &errors).await,
    }
}

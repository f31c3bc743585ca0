//! The working-day calendar's page (工作日历): the administrators' corrections to the official
//! holidays and make-up workdays, nationwide or for a region, and the form that enters one.
//! New deadlines follow the corrections; accepted cases keep the deadlines in their events.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::get;
use onewindow_domain::auth::CalendarAction;
use onewindow_domain::org::FieldErrors;

use crate::AppState;
use crate::auth::PageUser;
use crate::kit::{Cell, Section, page, redirect};
use crate::pages::{FormBuilder, FormData, Notice, PageResult, can, form_outcome, gate};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/calendar", get(calendar).post(set_calendar_day))
}

async fn calendar_page(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    gate(state, user, CalendarAction::View, None).await?;
    let days = state.store.calendar().calendar_days().await?;
    let rows = days
        .iter()
        .map(|d| {
            vec![
                Cell::text(&d.day),
                Cell::text(if d.workday.get() { "上班" } else { "休息" }),
                Cell::text(&d.name),
                Cell::text(if d.region_code.is_empty() {
                    "全部地区"
                } else {
                    &d.region_code
                }),
                Cell::text(crate::pages::local_time(d.changed_at)),
            ]
        })
        .collect();
    let mut sections = vec![Section::table(
        "调整记录",
        vec!["日期", "安排", "名称/原因", "适用地区", "调整时间"],
        rows,
    )];
    if can(&user.principal, CalendarAction::Manage, None) {
        sections.push(Section::form(
            FormBuilder::new("/admin/calendar", "保存调整", data, errors)
                .title("调整一天")
                .text(
                    "day",
                    "日期",
                    true,
                    "YYYY-MM-DD；填写下一年度的日期即开放该年度（先录入其法定节假日）",
                )
                .select(
                    "workday",
                    "安排",
                    true,
                    None,
                    vec![
                        ("0".into(), "休息（节假日、临时停工）".into()),
                        ("1".into(), "上班（调休）".into()),
                    ],
                )
                .text(
                    "name",
                    "名称或原因",
                    true,
                    "例如：元旦、国庆节调休、台风停工",
                )
                .text(
                    "region_code",
                    "适用地区",
                    false,
                    "6 或 12 位行政区划代码；留空表示全部地区",
                )
                .build(),
        ));
    }
    page(
        user,
        "工作日历",
        vec![],
        "办理时限按工作日计算：法定节假日休息、调休日上班，其余周末休息。数据来自国务院办公厅每年公布的节假日安排；此处的调整自保存起用于新计算的期限，已受理办件的期限以受理时记录为准。",
        sections,
        notice,
        errors,
    )
}

crate::blank_form_page!(calendar => calendar_page);

async fn set_calendar_day(
    State(state): State<AppState>,
    user: PageUser,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, CalendarAction::Manage, None).await?;
    let data = FormData::parse(&body);
    let result = state
        .store
        .calendar()
        .set_calendar_day(
            &data.text("region_code"),
            &data.text("day"),
            data.text("workday") == "1",
            &data.text("name"),
            user.principal.account_id,
        )
        .await;
    match form_outcome(result)? {
        Ok(_) => redirect("/admin/calendar", "saved"),
        Err(errors) => calendar_page(&state, &user, &data, &errors, &Notice::default()).await,
    }
}

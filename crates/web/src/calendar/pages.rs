//! The working-day calendar's page (工作日历): the administrators' corrections to the official
//! holidays and make-up workdays, nationwide or for a region, and the form that enters one.
//! New deadlines follow the corrections; accepted cases keep the deadlines in their events.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use chrono::{Datelike, Duration, NaiveDate};
use onewindow_domain::auth::CalendarAction;
use onewindow_domain::calendar::WorkCalendar;

use crate::AppState;
use crate::auth::PageUser;
use crate::kit::{
    Cell, FormList, FormPage, PostButton, SaveResult, Saved, Section, Submitted, form_list,
    redirect,
};
use crate::pages::{FormBuilder, FormData, PageResult, can, gate};

pub fn router() -> Router<AppState> {
    form_list::<CalendarDays>().route("/admin/calendar/withdraw", post(withdraw))
}

/// Withdraws a correction (its day and region come from the row's button).
async fn withdraw(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    gate(&state, &user, CalendarAction::Manage, None).await?;
    let data = FormData::parse(&body);
    state
        .store
        .calendar()
        .remove_calendar_day(
            &data.text("region_code"),
            &data.text("day"),
            user.principal.account_id,
        )
        .await?;
    redirect(CalendarDays::PATH, "saved")
}

/// A month as a table of weeks (Monday first) on `cal`: rest days and make-up workdays marked.
fn month_view(cal: &WorkCalendar, first: NaiveDate) -> Section {
    let mut rows = Vec::new();
    let mut week: Vec<Cell> = (0..first.weekday().num_days_from_monday())
        .map(|_| Cell::text(""))
        .collect();
    let mut day = first;
    while day.month() == first.month() {
        let weekend = day.weekday().num_days_from_monday() >= 5;
        week.push(match cal.is_workday(day) {
            Ok(true) if weekend => Cell::tag(format!("{} 班", day.day()), "warn"),
            Ok(true) => Cell::text(day.day().to_string()),
            Ok(false) if weekend => Cell::tag(format!("{} 休", day.day()), "off"),
            Ok(false) => Cell::tag(format!("{} 休", day.day()), "bad"),
            Err(_) => Cell::text(format!("{} ？", day.day())),
        });
        if week.len() == 7 {
            rows.push(std::mem::take(&mut week));
        }
        day += Duration::days(1);
    }
    if !week.is_empty() {
        week.resize_with(7, || Cell::text(""));
        rows.push(week);
    }
    Section::table(
        &format!("{} 年 {} 月（全部地区）", first.year(), first.month()),
        vec!["一", "二", "三", "四", "五", "六", "日"],
        rows,
    )
    .as_grid()
}

/// The corrections, newest first, and the form that enters one.
struct CalendarDays;

impl FormList for CalendarDays {
    const PATH: &'static str = "/admin/calendar";

    async fn list(fp: FormPage<'_>) -> PageResult {
        calendar_page(fp).await
    }

    async fn create(form: &mut Submitted<'_>) -> SaveResult<Saved> {
        let (state, user, data) = (form.state, form.user, form.data);
        gate(state, user, CalendarAction::Manage, None).await?;
        let (region, day, name) = (
            data.text("region_code"),
            data.text("day"),
            data.text("name"),
        );
        let workday = data.text("workday") == "1";
        let by = user.principal.account_id;
        let save = state
            .store
            .calendar()
            .set_calendar_day(&region, &day, workday, &name, by);
        let saved = form.save(save).await?;
        Ok(saved.map(|_| Saved::changed(Self::PATH)))
    }
}

async fn calendar_page(fp: FormPage<'_>) -> PageResult {
    gate(fp.state, fp.user, CalendarAction::View, None).await?;
    let manage = can(&fp.user.principal, CalendarAction::Manage, None);
    let days = fp.state.store.calendar().calendar_days().await?;
    let regions = fp.state.store.org().list_regions().await?;
    let region_name = |code: &str| {
        if code.is_empty() {
            return "全部地区".to_owned();
        }
        regions
            .iter()
            .find(|r| r.code == code)
            .map_or_else(|| format!("行政区划 {code}"), |r| r.name.clone())
    };
    let rows = days
        .iter()
        .map(|d| {
            vec![
                Cell::text(&d.day),
                Cell::text(if d.workday.get() { "上班" } else { "休息" }),
                Cell::text(&d.name),
                Cell::text(region_name(&d.region_code)),
                Cell::text(crate::pages::local_time(d.changed_at)),
                if manage {
                    Cell {
                        post: Some(PostButton {
                            action: "/admin/calendar/withdraw".to_owned(),
                            label: "撤销".to_owned(),
                            fields: vec![
                                ("region_code".to_owned(), d.region_code.clone()),
                                ("day".to_owned(), d.day.clone()),
                            ],
                        }),
                        ..Cell::text("")
                    }
                } else {
                    Cell::text("")
                },
            ]
        })
        .collect();
    let today = fp.state.clock.today();
    let this_month = today.with_day(1).unwrap_or(today);
    let next_month = (this_month + Duration::days(31))
        .with_day(1)
        .unwrap_or(this_month);
    let cal = fp.state.store.calendar().calendar_for("").await?;
    let mut sections = vec![
        month_view(&cal, this_month),
        month_view(&cal, next_month),
        Section::table(
            "调整记录",
            vec!["日期", "安排", "名称/原因", "适用地区", "调整时间", ""],
            rows,
        ),
    ];
    if manage {
        sections.push(Section::form(
            FormBuilder::new(CalendarDays::PATH, "保存调整", fp.data(), fp.errors)
                .title("调整一天")
                .date(
                    "day",
                    "日期",
                    true,
                    "填写下一年度的日期即开放该年度（先录入其法定节假日）",
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
                .select(
                    "region_code",
                    "适用地区",
                    false,
                    Some("全部地区"),
                    regions
                        .iter()
                        .map(|r| (r.code.clone(), format!("{}（{}）", r.name, r.code)))
                        .collect(),
                )
                .build(),
        ));
    }
    fp.render(
        "工作日历",
        vec![],
        "办理时限按工作日计算：法定节假日休息、调休日上班，其余周末休息。数据来自国务院办公厅每年公布的节假日安排；此处的调整自保存起用于新计算的期限，已受理办件的期限以受理时记录为准。",
        sections,
    )
}

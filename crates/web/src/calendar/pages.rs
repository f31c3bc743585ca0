//! The working-day calendar's page (工作日历): the administrators' corrections to the official
//! holidays and make-up workdays, nationwide or for a region, and the form that enters one.
//! New deadlines follow the corrections; accepted cases keep the deadlines in their events.

use axum::Router;
use onewindow_domain::auth::CalendarAction;

use crate::AppState;
use crate::kit::{Cell, FormList, FormPage, SaveResult, Saved, Section, Submitted, form_list};
use crate::pages::{FormBuilder, PageResult, can, gate};

pub fn router() -> Router<AppState> {
    form_list::<CalendarDays>()
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
    let days = fp.state.store.calendar().calendar_days().await?;
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
    if can(&fp.user.principal, CalendarAction::Manage, None) {
        sections.push(Section::form(
            FormBuilder::new(CalendarDays::PATH, "保存调整", fp.data(), fp.errors)
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
    fp.render(
        "工作日历",
        vec![],
        "办理时限按工作日计算：法定节假日休息、调休日上班，其余周末休息。数据来自国务院办公厅每年公布的节假日安排；此处的调整自保存起用于新计算的期限，已受理办件的期限以受理时记录为准。",
        sections,
    )
}

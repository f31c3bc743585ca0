//! Supervision pages (电子监察): the dashboard with its live counts and drill-down, findings
//! and their closing, the monthly bulletin, urging notices with their explanations and
//! decisions; the settings, cards and assessment, and departments' reported cases, beside it.

mod assessment;
mod reported;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use onewindow_domain::auth::{CaseAction, SupervisionAction};
use onewindow_domain::ids::DepartmentId;
use onewindow_domain::org::FieldErrors;
use onewindow_domain::supervision::AlertLevel;
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::kit::{
    Cell, FormPage, Section, crumb, csv_download, live_page, page, redirect, short_name,
};
use crate::pages::{
    Chrome, FormBuilder, FormData, PageResult, can, form_outcome, gate, own_unit_actor, render,
    render_with_status,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(assessment::router())
        .merge(reported::router())
        .route("/admin/supervision", get(supervision))
        .route("/admin/supervision/urgings/{id}", get(urging_notice))
        .route("/admin/supervision/bulletin", get(bulletin))
        .route("/admin/supervision/live", get(live_counts))
        .route("/admin/supervision/findings/close", post(close_finding))
        .route("/admin/supervision/urgings", post(issue_urging))
        .route(
            "/admin/supervision/urgings/{id}/explain",
            post(urging_explain),
        )
        .route(
            "/admin/supervision/urgings/{id}/decide",
            post(urging_decide),
        )
}

/// The dashboard's live counts as server-sent events, every five seconds.
async fn live_counts(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<
    axum::response::sse::Sse<
        impl futures_util::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
    >,
    PageError,
> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    let stream =
        futures_util::stream::unfold((state.store.clone(), true), |(store, first)| async move {
            if !first {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            }
            let counts = store.supervision().live_counts().await.unwrap_or_default();
            let event = axum::response::sse::Event::default()
                .event("counts")
                .data(serde_json::to_string(&counts).unwrap_or_default());
            Some((Ok(event), (store, false)))
        });
    Ok(axum::response::sse::Sse::new(stream).keep_alive(axum::response::sse::KeepAlive::default()))
}

pub(super) use crate::kit::pct;

/// An average (working days) with one decimal, or a dash.
fn days(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
}

/// The case a finding concerns, linked: ours, or the one a department's system reported.
fn finding_case(f: &onewindow_store::supervision::Finding) -> Cell {
    let label = f.case_no.clone().unwrap_or_else(|| format!("#{}", f.id));
    match (f.case_id, f.report_id) {
        (Some(id), _) => Cell::link(label, format!("/work/cases/{id}")),
        (None, Some(report)) => Cell::link(label, format!("/admin/supervision/reported/{report}")),
        (None, None) => Cell::text(label),
    }
}

/// The supervisors' view of deadlines: every warning and overdue alert, newest first,
/// linked to its case.
async fn supervision(State(state): State<AppState>, user: PageUser) -> PageResult {
    supervision_page(FormPage::fresh(&state, &user)).await
}

/// A supervisor urges a case by hand (催办通知书): its number, the reason and the days to reply.
async fn issue_urging(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    gate(&state, &user, SupervisionAction::Act, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let case_no = data.text("case_no").trim().to_owned();
    let reply_days: i64 = data.i64(&mut errors, "reply_days");
    let found = if case_no.is_empty() {
        errors.add("case_no", "请填写办件编号");
        None
    } else {
        let filter = onewindow_store::case::queries::CaseFilter {
            case_no: Some(case_no.chars().take(40).collect()),
            limit: 1,
            ..Default::default()
        };
        let page = state.store.cases().search_cases(&filter).await?;
        if page.rows.is_empty() {
            errors.add("case_no", "未找到该办件编号");
        }
        page.rows.into_iter().next()
    };
    if let (Some(case), true) = (found, errors.is_empty()) {
        match form_outcome(
            state
                .store
                .supervision()
                .issue_urging(
                    case.id,
                    user.principal.account_id,
                    &data.text("reason"),
                    u32::try_from(reply_days).unwrap_or(0),
                    state.clock.today(),
                )
                .await,
        ) {
            Ok(Ok(u)) => {
                return redirect(&format!("/admin/supervision/urgings/{}", u.id), "urged");
            }
            Ok(Err(e)) => errors = e,
            Err(PageError::BadRequest(why)) => errors.add("case_no", why),
            Err(e) => return Err(e),
        }
    }
    supervision_page(FormPage::refused(&state, &user, &data, &errors)).await
}

/// A supervisor closes a finding with its disposition.
async fn close_finding(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    gate(&state, &user, SupervisionAction::Act, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let id = data.i64(&mut errors, "finding_id");
    if errors.is_empty() {
        match form_outcome(
            state
                .store
                .supervision()
                .close_finding(id, user.principal.account_id, &data.text("disposition"))
                .await,
        ) {
            Ok(Ok(())) => return redirect("/admin/supervision", "saved"),
            Ok(Err(e)) => errors = e,
            Err(PageError::BadRequest(why)) => errors.add("finding_id", why),
            Err(e) => return Err(e),
        }
    }
    supervision_page(FormPage::refused(&state, &user, &data, &errors)).await
}

async fn supervision_page(fp: FormPage<'_>) -> PageResult {
    let (state, user) = (fp.state, fp.user);
    gate(state, user, SupervisionAction::View, None).await?;
    let alerts = state.store.supervision().alerts(None, true, 300).await?;
    let open_findings = state.store.supervision().findings(true, 100).await?;
    let departments = state.store.org().list_departments(None).await?;
    let dept_name = |id: DepartmentId| short_name(&departments, Some(id));
    let kind = |k: &str| match k {
        "case" => "办件时限",
        "step" => "环节时限",
        "deficiency" => "容缺补交",
        "pledge_verification" => "承诺核查",
        k if k.starts_with("branch") => "会办时限",
        _ => "时限",
    };
    let rows = alerts
        .iter()
        .map(|a| {
            vec![
                Cell::text(&a.raised_on),
                level_cell(a.level),
                Cell::link(
                    a.case_no
                        .clone()
                        .unwrap_or_else(|| format!("#{}", a.case_id)),
                    format!("/work/cases/{}", a.case_id),
                ),
                Cell::text(&a.item_name),
                Cell::text(dept_name(a.department_id)),
                Cell::text(kind(&a.timer_kind)),
                Cell::text(&a.due_on),
            ]
        })
        .collect();
    let live = state.store.supervision().live_counts().await?;
    let outbox = state.store.outbox().outbox_counts().await?;
    let settings = state.store.supervision().settings().await?;
    let month = onewindow_store::supervision::assessment::Period::month_of(state.clock.today());
    let figures = state
        .store
        .supervision()
        .indicators(&month.from.to_string(), &month.to.to_string())
        .await?;
    let department_rows = figures
        .iter()
        .map(|f| {
            vec![
                Cell::link(
                    dept_name(f.department_id),
                    format!(
                        "/admin/supervision/departments/{}?month={}",
                        f.department_id, month.key
                    ),
                ),
                Cell::text(f.accepted.to_string()),
                Cell::text(f.concluded.to_string()),
                Cell::text(pct(f.conclusion_rate)),
                Cell::text(pct(f.on_time_rate)),
                Cell::text(pct(f.urging_rate)),
                Cell::text(pct(f.delay_rate)),
                Cell::text(pct(f.accuracy_rate)),
                Cell::text(pct(f.satisfaction_rate)),
                if f.overdue > 0 {
                    Cell::tag(f.overdue.to_string(), "bad")
                } else {
                    Cell::text("0")
                },
            ]
        })
        .collect();
    let (red, yellow) = (live.red, live.yellow);
    live_page(
        user,
        live,
        "电子监察",
        vec![],
        &format!(
            "每分钟检查一次全部办件及各环节时限：剩余 {} 个工作日或时限的 {}%（取多者）时预警，期限届满仍未办结即超期；暂停计时的办件不预警。正在办理的办件中，超期 {} 件，预警 {} 件；办结后不再列出。",
            settings.warn_min_days, settings.warn_percent, red, yellow,
        ),
        vec![
            Section::table(
                "",
                vec!["", "", "", "", ""],
                vec![vec![
                    Cell::link("月通报", "/admin/supervision/bulletin"),
                    Cell::link("考核与星级评定", "/admin/supervision/assessment"),
                    Cell::link("黄牌红牌", "/admin/supervision/cards"),
                    Cell::link("部门系统报送", "/admin/supervision/reported"),
                    Cell::link("监察规则设置", "/admin/supervision/settings"),
                ]],
            ),
            Section::table(
                &format!("{} 各部门效能（点击部门查看办件）", month.label),
                vec![
                    "部门",
                    "受理",
                    "办结",
                    "办结率",
                    "按时办结率",
                    "催办率",
                    "延误率",
                    "准确率",
                    "满意率",
                    "超期办结",
                ],
                department_rows,
            ),
            Section::table(
                "催办通知书",
                vec!["发出日期", "办件编号", "事项", "部门", "答复期限", "状态"],
                state
                    .store
                    .supervision()
                    .urgings(None, 100)
                    .await?
                    .iter()
                    .map(|u| {
                        vec![
                            Cell::text(&u.issued_on),
                            Cell::link(
                                u.case_no
                                    .clone()
                                    .unwrap_or_else(|| format!("#{}", u.case_id)),
                                format!("/admin/supervision/urgings/{}", u.id),
                            ),
                            Cell::text(&u.item_name),
                            Cell::text(dept_name(u.department_id)),
                            Cell::text(&u.reply_by),
                            match (u.explanation.is_some(), u.decision.as_deref()) {
                                (_, Some("accepted")) => Cell::tag("说明已采纳", "on"),
                                (_, Some(_)) => Cell::tag("说明未采纳", "bad"),
                                (true, None) => Cell::tag("待审核说明", "warn"),
                                (false, None) => Cell::tag("待说明", "warn"),
                            },
                        ]
                    })
                    .collect(),
            ),
            Section::table(
                "待处理的监察问题",
                vec!["发现日期", "规则", "程度", "办件编号", "部门", "情况"],
                open_findings
                    .iter()
                    .map(|f| {
                        vec![
                            Cell::text(&f.raised_on),
                            Cell::text(&f.rule_name),
                            if f.severity == "major" {
                                Cell::tag("严重", "bad")
                            } else {
                                Cell::tag("一般", "warn")
                            },
                            finding_case(f),
                            Cell::text(dept_name(f.department_id)),
                            Cell::text(&f.detail),
                        ]
                    })
                    .collect(),
            ),
            Section::form(
                FormBuilder::new(
                    "/admin/supervision/findings/close",
                    "处理完毕",
                    fp.data(),
                    fp.errors,
                )
                .title("处理监察问题")
                .select(
                    "finding_id",
                    "问题",
                    true,
                    Some("请选择"),
                    open_findings
                        .iter()
                        .map(|f| {
                            (
                                f.id.to_string(),
                                format!(
                                    "{} {} {}",
                                    f.raised_on,
                                    f.rule_name,
                                    f.case_no.clone().unwrap_or_default()
                                ),
                            )
                        })
                        .collect(),
                )
                .textarea("disposition", "处理结果", true)
                .build(),
            ),
            Section::form(
                FormBuilder::new(
                    "/admin/supervision/urgings",
                    "发出催办通知书",
                    fp.data(),
                    fp.errors,
                )
                .title("催办")
                .text("case_no", "办件编号", true, "")
                .textarea("reason", "催办事由", true)
                .number("reply_days", "答复期限（工作日，1–10）", true)
                .build(),
            ),
            Section::table(
                "正在办理的办件的预警与超期",
                vec!["日期", "级别", "办件编号", "事项", "部门", "类别", "期限"],
                rows,
            ),
            Section::table(
                "站外通知（短信、邮件网关）",
                vec!["待转交", "待发送", "已发送", "失败待重试", "已放弃"],
                // Failures and abandoned deliveries stand out once there are any.
                vec![
                    [
                        (outbox.waiting, false),
                        (outbox.pending, false),
                        (outbox.sent, false),
                        (outbox.failed, true),
                        (outbox.abandoned, true),
                    ]
                    .into_iter()
                    .map(|(n, bad)| {
                        if bad && n > 0 {
                            Cell::tag(n.to_string(), "bad")
                        } else {
                            Cell::text(n.to_string())
                        }
                    })
                    .collect(),
                ],
            ),
        ],
        fp.errors,
    )
}

#[derive(Debug, Default, Deserialize)]
struct MonthQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    format: String,
}

/// 月通报: every department's indicators for a month, as a printable page or CSV.
async fn bulletin(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<MonthQuery>,
) -> PageResult {
    gate(&state, &user, SupervisionAction::View, None).await?;
    let month = if q.month.is_empty() {
        state.clock.today().format("%Y-%m").to_string()
    } else {
        q.month.clone()
    };
    let first = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_err(|_| PageError::BadRequest("月份格式应为 YYYY-MM，例如 2026-11".into()))?;
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    let figures = state
        .store
        .supervision()
        .indicators(&first.to_string(), &last.to_string())
        .await?;
    let departments = state.store.org().list_departments(None).await?;
    let name = |id: DepartmentId| {
        departments
            .iter()
            .find(|d| d.id == id)
            .map_or_else(String::new, |d| d.name.clone())
    };
    let headers = vec![
        "部门",
        "收件",
        "受理",
        "即办件",
        "承诺件",
        "办结",
        "按时办结",
        "超期办结",
        "催办",
        "办结率",
        "按时办结率",
        "催办率",
        "延误率",
        "准确率",
        "平均用时（工作日）",
        "平均承诺时限（工作日）",
        "评价数",
        "满意率",
    ];
    let rows: Vec<Vec<String>> = figures
        .iter()
        .map(|f| {
            vec![
                name(f.department_id),
                f.received.to_string(),
                f.accepted.to_string(),
                f.instant.to_string(),
                f.promised.to_string(),
                f.concluded.to_string(),
                f.concluded_on_time.to_string(),
                f.overdue.to_string(),
                f.urged.to_string(),
                pct(f.conclusion_rate),
                pct(f.on_time_rate),
                pct(f.urging_rate),
                pct(f.delay_rate),
                pct(f.accuracy_rate),
                days(f.avg_days_used),
                days(f.avg_days_promised),
                f.reviews.to_string(),
                pct(f.satisfaction_rate),
            ]
        })
        .collect();
    if q.format == "csv" {
        return csv_download(&format!("bulletin-{month}.csv"), &headers, &rows);
    }
    let section = Section::table(
        &format!("{month} 各部门效能指标"),
        headers,
        rows.into_iter()
            .map(|r| r.into_iter().map(Cell::text).collect())
            .collect(),
    );
    let export = Section::table(
        "",
        vec![""],
        vec![vec![Cell::link(
            "导出 CSV",
            format!("/admin/supervision/bulletin?month={month}&format=csv"),
        )]],
    );
    page(
        &user,
        &format!("{month} 月通报"),
        crumb("电子监察", "/admin/supervision"),
        "数据来自办件事件流逐日汇总（与事件同一事务写入）。办结率＝办结/受理；按时办结率＝按时办结/办结；催办率＝催办通知/受理；延误率＝超期办结/办结；准确率＝无退回、无补正的办结/办结；平均用时为受理到办结实际计时的工作日（暂停不计）。",
        vec![section, export],
        &FieldErrors::new(),
    )
}

#[derive(Template)]
#[template(path = "supervision/urging.html")]
struct UrgingPage {
    chrome: Chrome,
    u: onewindow_store::supervision::Urging,
    centre: String,
    department: String,
    addressee: String,
    /// The urged unit may file (or refile) its explanation.
    may_explain: bool,
    /// A supervisor may accept or reject a filed explanation.
    may_decide: bool,
    error: String,
}

/// The printable urging notice, for supervisors and the urged department.
async fn urging_notice(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    urging_page(&state, &user, id, String::new()).await
}

async fn urging_page(state: &AppState, user: &PageUser, id: i64, error: String) -> PageResult {
    let u = state.store.supervision().urging(id).await?;
    if !can(&user.principal, SupervisionAction::View, None) {
        gate(state, user, CaseAction::View, Some(u.department_id)).await?;
    }
    let p = &user.principal;
    let may_explain = p.is_staff()
        && p.department_id == Some(u.department_id)
        && u.decision.as_deref() != Some("accepted");
    let may_decide =
        can(p, SupervisionAction::Act, None) && u.explanation.is_some() && u.decision.is_none();
    let department = state.store.org().get_department(u.department_id).await?;
    let centre = state.store.org().get_centre(department.centre_id).await?;
    let addressee = match u.addressee_staff {
        Some(s) => state
            .store
            .org()
            .get_staff(s)
            .await
            .map(|s| s.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let page = UrgingPage {
        chrome: Chrome::new("催办通知书", &user.ctx),
        u,
        centre: centre.name,
        department: department.name,
        addressee,
        may_explain,
        may_decide,
        error,
    };
    if page.error.is_empty() {
        render(&page)
    } else {
        render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

/// The reason a supervision step was refused, for the page.
fn refusal(e: onewindow_store::StoreError) -> Result<String, PageError> {
    use onewindow_store::StoreError;
    match e {
        StoreError::Invalid(f) => Ok(f.summary()),
        StoreError::Rejected(onewindow_domain::case::CaseError::NotAllowed(why)) => {
            Err(PageError::Forbidden(why.to_owned()))
        }
        StoreError::Rejected(r) => Ok(r.to_string()),
        other => Err(other.into()),
    }
}

async fn urging_explain(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    let actor = own_unit_actor(&state, &user, SupervisionAction::Answer).await?;
    let data = FormData::parse(&body);
    match state
        .store
        .supervision()
        .explain_urging(id, &actor, &data.text("explanation"))
        .await
    {
        Ok(_) => redirect(&format!("/admin/supervision/urgings/{id}"), "saved"),
        Err(e) => urging_page(&state, &user, id, refusal(e)?).await,
    }
}

async fn urging_decide(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, SupervisionAction::Act, None).await?;
    let data = FormData::parse(&body);
    match state
        .store
        .supervision()
        .decide_urging(
            id,
            user.principal.account_id,
            data.text("accepted") == "1",
            &data.text("note"),
        )
        .await
    {
        Ok(_) => redirect(&format!("/admin/supervision/urgings/{id}"), "saved"),
        Err(e) => urging_page(&state, &user, id, refusal(e)?).await,
    }
}

/// An alert's level as a coloured tag.
fn level_cell(level: AlertLevel) -> Cell {
    Cell::tag(
        level.label(),
        match level {
            AlertLevel::Yellow => "warn",
            AlertLevel::Red => "bad",
        },
    )
}

//! The 12345 hotline on the web: supervisors import the hotline's CSV export (every bad row
//! named, nothing written), read the figures by month and department, and take a transferred
//! call on as a complaint or a consultation. The API imports a CSV body and reads the figures.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Datelike;
use onewindow_domain::auth::ReviewAction;
use onewindow_domain::org::FieldErrors;
use onewindow_domain::reviews::complaints::ComplaintInput;
use onewindow_domain::reviews::consult::ConsultationInput;
use onewindow_domain::reviews::hotline::HEADER;
use onewindow_store::reviews::complaints::Filer;
use onewindow_store::reviews::hotline::{HotlineFigures, ImportReport};
use serde::Deserialize;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::AppState;
use crate::api::gate as api_gate;
use crate::auth::ApiUser;
use crate::auth::PageUser;
use crate::error::ApiError;
use crate::kit::{Cell, Section, crumb, page, pct, redirect};
use crate::pages::{FormBuilder, FormData, PageResult, form_outcome, gate, read_upload};

/// A hotline export may be large: 1,000,000 calls is about 90 MB.
pub const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/work/hotline",
            get(overview)
                .post(import)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/work/hotline/calls/{call}", get(call))
        .route("/work/hotline/calls/{call}/{act}", post(take_on))
}

#[derive(Deserialize, Default)]
struct MonthQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

async fn overview_page(
    state: &AppState,
    user: &PageUser,
    q: &MonthQuery,
    notice: &str,
    errors: &FieldErrors,
) -> PageResult {
    let today = state.clock.today();
    let first = today.with_day(1).unwrap_or(today);
    let start = first
        .checked_sub_months(chrono::Months::new(2))
        .unwrap_or(first);
    let from = if q.from.is_empty() {
        start.to_string()
    } else {
        q.from.clone()
    };
    let to = if q.to.is_empty() {
        today.to_string()
    } else {
        q.to.clone()
    };
    let figures = state.store.reviews().hotline_figures(&from, &to).await?;
    let calls = state.store.reviews().transferred_calls(None, 100).await?;
    let figure_rows = figures
        .iter()
        .map(|f: &HotlineFigures| {
            vec![
                Cell::text(&f.month),
                Cell::text(&f.department),
                Cell::text(f.calls.to_string()),
                Cell::text(f.answered.to_string()),
                Cell::text(f.transferred.to_string()),
                Cell::text(f.transferred_ok.to_string()),
                Cell::text(f.satisfied.to_string()),
                Cell::text(pct(f.satisfaction_rate)),
            ]
        })
        .collect();
    let call_rows = calls
        .into_iter()
        .map(|c| {
            let taken = match (c.complaint_id, c.consultation_id) {
                (Some(id), _) => {
                    Cell::link(format!("投诉 #{id}"), format!("/work/complaints/{id}"))
                }
                (_, Some(id)) => Cell::text(format!("咨询 #{id}")),
                _ => Cell::link(
                    "转为投诉或咨询",
                    format!("/work/hotline/calls/{}", c.call_id),
                ),
            };
            vec![
                Cell::text(&c.call_id),
                Cell::text(&c.at),
                Cell::text(&c.category),
                Cell::text(c.department.clone().unwrap_or_default()),
                taken,
            ]
        })
        .collect();
    let data = FormData::default();
    let mut upload = FormBuilder::new("/work/hotline", "导入", &data, errors)
        .title("导入热线话单")
        .file(
            "file",
            "话单文件（CSV，UTF-8）",
            &format!(
                "首行表头：{}。同一话单重复导入只保留一次；任一行有误则整份不导入并逐行说明。",
                HEADER.join(",")
            ),
            &user.ctx.csrf,
        )
        .build();
    upload.submit = "导入".into();
    let mut sections = vec![Section::form(upload)];
    if !notice.is_empty() {
        sections.insert(
            0,
            Section::table("", vec![""], vec![vec![Cell::tag(notice, "on")]]),
        );
    }
    sections.push(Section::table(
        &format!("{from} 至 {to} 热线办理情况"),
        vec![
            "月份",
            "转办部门",
            "来电",
            "接通",
            "转办",
            "转办成功",
            "满意",
            "满意率",
        ],
        figure_rows,
    ));
    sections.push(Section::table(
        "转办来电",
        vec!["话单编号", "时间", "类别", "转办部门", ""],
        call_rows,
    ));
    page(
        user,
        "12345 热线",
        crumb("好差评", "/work/reviews"),
        "导入 12345 / 96128 热线的话单，按月、按部门统计接通、转办、转办成功和满意情况；转办来电可转为投诉或咨询办理。",
        sections,
        errors,
    )
}

async fn overview(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<MonthQuery>,
) -> PageResult {
    gate(&state, &user, ReviewAction::Oversee, None).await?;
    overview_page(&state, &user, &q, "", &FieldErrors::new()).await
}

async fn import(
    State(state): State<AppState>,
    user: PageUser,
    mut multipart: Multipart,
) -> PageResult {
    gate(&state, &user, ReviewAction::Oversee, None).await?;
    let upload = read_upload(
        &mut multipart,
        "file",
        "文件过大（不超过 256 MB）或上传被中断",
    )
    .await;
    let outcome = match upload {
        Err(e) => Err(e),
        Ok((None, _)) => Err(FieldErrors::single("file", "请选择话单文件")),
        Ok((Some((_, bytes)), _)) => form_outcome(
            state
                .store
                .reviews()
                .import_hotline(&bytes, &|_, _| {})
                .await,
        )?,
    };
    let q = MonthQuery::default();
    match outcome {
        Ok(r) => {
            let notice = format!(
                "导入完成：共 {} 条，新增 {} 条，已有 {} 条（重复导入的不再计入）。",
                r.rows, r.added, r.already
            );
            overview_page(&state, &user, &q, &notice, &FieldErrors::new()).await
        }
        Err(e) => overview_page(&state, &user, &q, "", &e).await,
    }
}

async fn call_page(
    state: &AppState,
    user: &PageUser,
    call_id: &str,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    let c = state.store.reviews().transferred_call(call_id).await?;
    let facts = vec![
        vec![Cell::text("话单编号"), Cell::text(&c.call_id)],
        vec![Cell::text("来电时间"), Cell::text(&c.at)],
        vec![Cell::text("来电号码"), Cell::text(&c.caller)],
        vec![Cell::text("诉求类别"), Cell::text(&c.category)],
        vec![
            Cell::text("转办部门"),
            Cell::text(c.department.clone().unwrap_or_default()),
        ],
    ];
    let mut sections = vec![Section::table("来电", vec!["", ""], facts)];
    if c.complaint_id.is_none() && c.consultation_id.is_none() {
        sections.push(Section::form(
            FormBuilder::new(
                format!("/work/hotline/calls/{call_id}/complaint"),
                "转为投诉",
                data,
                errors,
            )
            .title("转为效能投诉（承办部门为转办部门）")
            .text("title", "投诉标题", true, "")
            .textarea("content", "投诉内容", true)
            .build(),
        ));
        sections.push(Section::form(
            FormBuilder::new(
                format!("/work/hotline/calls/{call_id}/consultation"),
                "转为咨询",
                data,
                errors,
            )
            .title("转为咨询记录")
            .textarea("question", "咨询内容", true)
            .textarea("answer", "答复内容", true)
            .build(),
        ));
    }
    page(
        user,
        &format!("热线来电 {call_id}"),
        crumb("12345 热线", "/work/hotline"),
        "",
        sections,
        errors,
    )
}

async fn call(
    State(state): State<AppState>,
    user: PageUser,
    Path(call_id): Path<String>,
) -> PageResult {
    gate(&state, &user, ReviewAction::Oversee, None).await?;
    call_page(
        &state,
        &user,
        &call_id,
        &FormData::default(),
        &FieldErrors::new(),
    )
    .await
}

async fn take_on(
    State(state): State<AppState>,
    user: PageUser,
    Path((call_id, act)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> PageResult {
    gate(&state, &user, ReviewAction::Oversee, None).await?;
    let data = FormData::parse(&body);
    let c = state.store.reviews().transferred_call(&call_id).await?;
    let p = &user.principal;
    let today = state.clock.today();
    let reviews = state.store.reviews();
    let done = match act.as_str() {
        "complaint" => {
            let input = ComplaintInput {
                channel: "hotline".into(),
                subject: "department".into(),
                subject_ref: c.department_id.map(|d| d.to_string()).unwrap_or_default(),
                title: data.text("title"),
                content: data.text("content"),
                anonymous: true,
                ..Default::default()
            };
            reviews
                .file_complaint(&input, Filer::Staff(p.account_id), today, Some(&call_id))
                .await
                .map(|c| format!("/work/complaints/{}", c.id))
        }
        "consultation" => {
            let input = ConsultationInput {
                item_id: None,
                channel: "hotline".into(),
                question: data.text("question"),
                answer: data.text("answer"),
            };
            reviews
                .record_consultation(
                    &input,
                    c.department_id,
                    (p.account_id, &p.display_name),
                    today,
                    Some(&call_id),
                )
                .await
                .map(|_| "/work/hotline".to_owned())
        }
        _ => return Err(crate::error::PageError::NotFound),
    };
    match form_outcome(done)? {
        Ok(to) => redirect(&to, "created"),
        Err(e) => call_page(&state, &user, &call_id, &data, &e).await,
    }
}

// ---- API ----

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_import).layer(axum::extract::DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
        .routes(routes!(api_figures))
}

#[utoipa::path(post, path = "/hotline/imports", tag = "reviews", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv",
        description = "call_id,time,caller,category,answered,transferred_to,transfer_result,satisfaction"),
    responses((status = 201, body = ImportReport),
        (status = 422, body = crate::error::Problem, description = "表头不符，或逐行列出有误的行（整份不导入）")))]
/// Imports a hotline export (CSV): whole or not at all; a call already imported is kept once.
pub async fn api_import(
    State(state): State<AppState>,
    user: ApiUser,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ImportReport>), ApiError> {
    api_gate(&state, &user, ReviewAction::Oversee, None).await?;
    let report = state
        .store
        .reviews()
        .import_hotline(&body, &|_, _| {})
        .await?;
    Ok((StatusCode::CREATED, Json(report)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Period {
    /// First day (YYYY-MM-DD).
    pub from: String,
    /// Last day (YYYY-MM-DD).
    pub to: String,
}

#[utoipa::path(get, path = "/hotline/figures", tag = "reviews", security(("bearer" = [])),
    params(Period), responses((status = 200, body = Vec<HotlineFigures>),
        (status = 422, body = crate::error::Problem)))]
/// Calls, answered, transferred, transferred successfully and satisfied, by month and
/// department.
pub async fn api_figures(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<Period>,
) -> Result<Json<Vec<HotlineFigures>>, ApiError> {
    api_gate(&state, &user, ReviewAction::Oversee, None).await?;
    let mut e = FieldErrors::new();
    for (field, v) in [("from", &q.from), ("to", &q.to)] {
        if v.parse::<chrono::NaiveDate>().is_err() {
            e.add(field, "日期格式应为 YYYY-MM-DD");
        }
    }
    e.into_result()?;
    Ok(Json(
        state
            .store
            .reviews()
            .hotline_figures(&q.from, &q.to)
            .await?,
    ))
}

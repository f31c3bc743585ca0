//! 效能投诉 on the web: applicants complain (`/complaints/new`) and follow and rate their
//! complaints (`/my/complaints`); staff take complaints by phone or in person and handle them
//! (`/work/complaints`): supervisors assign, review and accept or send back, the department
//! replies. The API offers the same.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use onewindow_domain::auth::{Principal, ReviewAction};
use onewindow_domain::ids::DepartmentId;
use onewindow_domain::org::FieldErrors;
use onewindow_domain::reviews::complaints::{ComplaintInput, ComplaintStep};
use onewindow_store::reviews::complaints::{
    ComplaintFilter, ComplaintLogEntry, ComplaintView, Filer,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::{ApiJson, gate as api_gate};
use crate::auth::{ApiUser, PageUser};
use crate::error::{ApiError, PageError};
use crate::kit::{Cell, Section, crumb, page, redirect};
use crate::pages::{FormBuilder, FormData, PageResult, can, form_outcome, gate, local_time};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/complaints/new", get(new_public).post(file_public))
        .route("/my/complaints", get(mine))
        .route("/my/complaints/{id}/rate", post(rate))
        .route("/work/complaints", get(list))
        .route("/work/complaints/new", get(new_staff).post(file_staff))
        .route("/work/complaints/{id}", get(one))
        .route("/work/complaints/{id}/{act}", post(act_on))
}

/// Whose complaints staff see: supervisors every one, a department's staff their own.
fn scope(p: &Principal) -> Result<Option<DepartmentId>, PageError> {
    if can(p, ReviewAction::Oversee, None) {
        Ok(None)
    } else if p.department_id.is_some() && can(p, ReviewAction::View, p.department_id) {
        Ok(p.department_id)
    } else {
        Err(PageError::Forbidden(
            "只有监察人员和部门工作人员可以处理投诉".into(),
        ))
    }
}

/// The complaint as `p` may read it: anonymous complainants stay unnamed to departments.
fn shown(p: &Principal, c: ComplaintView) -> ComplaintView {
    if can(p, ReviewAction::Oversee, None) {
        c
    } else {
        c.anonymous_to_department()
    }
}

/// The input from a complaint form: a department, or a case by its number when one is given.
fn input_of(data: &FormData, channel: &str) -> ComplaintInput {
    let case_no = data.text("case_no").trim().to_owned();
    let (subject, subject_ref) = if case_no.is_empty() {
        ("department", data.text("department_id"))
    } else {
        ("case", case_no)
    };
    ComplaintInput {
        channel: channel.to_owned(),
        subject: subject.into(),
        subject_ref,
        title: data.text("title"),
        content: data.text("content"),
        anonymous: data.flag("anonymous"),
        name: data.text("name"),
        mobile: data.text("mobile"),
    }
}

async fn form_page(
    state: &AppState,
    user: &PageUser,
    staff: bool,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    let departments = state.store.org().list_departments(None).await?;
    let action = if staff {
        "/work/complaints/new"
    } else {
        "/complaints/new"
    };
    let mut errors = errors.clone();
    // The subject's reference is the department or the case asked for on this form.
    if let Some(m) = errors.message_for("subject_ref").map(str::to_owned) {
        let field = if data.text("case_no").trim().is_empty() {
            "department_id"
        } else {
            "case_no"
        };
        errors.add(field, m);
    }
    let mut form = FormBuilder::new(action, "提交投诉", data, &errors).title("投诉内容");
    if staff {
        form = form
            .select(
                "channel",
                "投诉渠道",
                true,
                Some("请选择"),
                vec![
                    ("phone".into(), "电话".into()),
                    ("in_person".into(), "现场".into()),
                    ("hotline".into(), "12345热线转办".into()),
                ],
            )
            .text("name", "投诉人姓名", false, "匿名投诉可不填")
            .tel("mobile", "联系电话", false);
    }
    let form = form
        .select(
            "department_id",
            "投诉对象（部门）",
            true,
            Some("请选择部门"),
            departments
                .into_iter()
                .filter(|d| d.active.get())
                .map(|d| (d.id.to_string(), d.name))
                .collect(),
        )
        .text(
            "case_no",
            "相关办件编号",
            false,
            "投诉与某件办件有关时填写，部门按办件确定",
        )
        .text("title", "投诉标题", true, "100 字以内")
        .textarea("content", "投诉内容", true)
        .checkbox("anonymous", "匿名投诉（承办部门看不到投诉人姓名和电话）")
        .build();
    page(
        user,
        "效能投诉",
        crumb("好差评", "/work/reviews"),
        if staff {
            "登记电话、现场或热线转来的投诉；中心分派至承办部门，部门在期限内答复，监察人员审核后告知投诉人。"
        } else {
            "对部门、窗口或工作人员的服务效能不满意，可在此投诉。中心将分派承办部门按期答复，办结后请您评价处理情况。"
        },
        vec![Section::form(form)],
        &errors,
    )
}

async fn new_public(State(state): State<AppState>, user: PageUser) -> PageResult {
    if user.principal.is_staff() {
        return Ok(axum::response::Redirect::to("/work/complaints/new").into_response());
    }
    gate(&state, &user, ReviewAction::Complain, None).await?;
    form_page(
        &state,
        &user,
        false,
        &FormData::default(),
        &FieldErrors::new(),
    )
    .await
}

async fn file_public(
    State(state): State<AppState>,
    user: PageUser,
    body: axum::body::Bytes,
) -> PageResult {
    gate(&state, &user, ReviewAction::Complain, None).await?;
    if user.principal.is_staff() {
        return Err(PageError::Forbidden("工作人员请在工作台登记投诉".into()));
    }
    let data = FormData::parse(&body);
    let me = state
        .store
        .cases()
        .applicant_of(user.principal.account_id)
        .await?;
    let filer = Filer::Account {
        id: user.principal.account_id,
        name: me.name,
        mobile: me.mobile,
    };
    let filed = state
        .store
        .reviews()
        .file_complaint(&input_of(&data, "web"), filer, state.clock.today(), None)
        .await;
    match form_outcome(filed)? {
        Ok(_) => redirect("/my/complaints", "created"),
        Err(e) => form_page(&state, &user, false, &data, &e).await,
    }
}

async fn new_staff(State(state): State<AppState>, user: PageUser) -> PageResult {
    gate(
        &state,
        &user,
        ReviewAction::Intake,
        user.principal.department_id,
    )
    .await?;
    form_page(
        &state,
        &user,
        true,
        &FormData::default(),
        &FieldErrors::new(),
    )
    .await
}

async fn file_staff(
    State(state): State<AppState>,
    user: PageUser,
    body: axum::body::Bytes,
) -> PageResult {
    gate(
        &state,
        &user,
        ReviewAction::Intake,
        user.principal.department_id,
    )
    .await?;
    let data = FormData::parse(&body);
    let filed = state
        .store
        .reviews()
        .file_complaint(
            &input_of(&data, &data.text("channel")),
            Filer::Staff(user.principal.account_id),
            state.clock.today(),
            None,
        )
        .await;
    match form_outcome(filed)? {
        Ok(c) => redirect(&format!("/work/complaints/{}", c.id), "created"),
        Err(e) => form_page(&state, &user, true, &data, &e).await,
    }
}

fn rows(complaints: Vec<ComplaintView>, href: impl Fn(i64) -> String) -> Vec<Vec<Cell>> {
    complaints
        .into_iter()
        .map(|c| {
            vec![
                Cell::link(&c.title, href(c.id)),
                Cell::text(&c.filed_on),
                Cell::text(c.department.clone().unwrap_or_else(|| "待分派".into())),
                Cell::tag(
                    c.state_label(),
                    if c.state == "closed" { "on" } else { "warn" },
                ),
                Cell::text(c.reply_by.clone().unwrap_or_default()),
            ]
        })
        .collect()
}

const HEADERS: [&str; 5] = ["投诉", "日期", "承办部门", "状态", "答复期限"];

async fn mine(State(state): State<AppState>, user: PageUser) -> PageResult {
    gate(&state, &user, ReviewAction::Complain, None).await?;
    let mine = state
        .store
        .reviews()
        .complaints(&ComplaintFilter {
            account: Some(user.principal.account_id),
            limit: 100,
            ..Default::default()
        })
        .await?;
    let mut sections = vec![Section::table(
        "",
        vec![""],
        vec![vec![Cell::link("我要投诉", "/complaints/new")]],
    )];
    for c in &mine {
        if c.state == "closed" && c.rating.is_none() {
            let button = |label: &str, value: &str| Cell {
                post: Some(crate::kit::PostButton {
                    action: format!("/my/complaints/{}/rate", c.id),
                    label: label.to_owned(),
                    fields: vec![("satisfied".into(), value.into())],
                }),
                ..Cell::text("")
            };
            sections.push(Section::table(
                &format!("“{}”已办结，请评价处理情况", c.title),
                vec!["答复", "", ""],
                vec![vec![
                    Cell::text(c.reply.clone().unwrap_or_default()),
                    button("满意", "1"),
                    button("不满意", "0"),
                ]],
            ));
        }
    }
    sections.push(Section::table(
        "我的投诉",
        HEADERS.to_vec(),
        rows(mine, |_| "/my/complaints".into()),
    ));
    page(
        &user,
        "我的投诉",
        crumb("我的办件", "/my"),
        "投诉办结后，请对处理情况作出评价。",
        sections,
        &FieldErrors::new(),
    )
}

async fn rate(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> PageResult {
    gate(&state, &user, ReviewAction::Complain, None).await?;
    let satisfied = FormData::parse(&body).text("satisfied") == "1";
    state
        .store
        .reviews()
        .rate_complaint(
            id,
            user.principal.account_id,
            satisfied,
            &user.principal.display_name,
        )
        .await?;
    redirect("/my/complaints", "rated")
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    state: String,
}

async fn list(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let department = scope(&user.principal)?;
    let complaints = state
        .store
        .reviews()
        .complaints(&ComplaintFilter {
            department,
            state: (!q.state.is_empty()).then(|| q.state.clone()),
            limit: 200,
            ..Default::default()
        })
        .await?;
    let links = vec![vec![
        Cell::link("全部", "/work/complaints"),
        Cell::link("待分派", "/work/complaints?state=received"),
        Cell::link("待答复", "/work/complaints?state=assigned"),
        Cell::link("待审核", "/work/complaints?state=replied"),
        Cell::link("登记投诉", "/work/complaints/new"),
    ]];
    page(
        &user,
        "效能投诉",
        crumb("好差评", "/work/reviews"),
        "投诉按期答复；逾期未答复计入电子监察问题。",
        vec![
            Section::table("", vec!["", "", "", "", ""], links),
            Section::table(
                "投诉",
                HEADERS.to_vec(),
                rows(complaints, |id| format!("/work/complaints/{id}")),
            ),
        ],
        &FieldErrors::new(),
    )
}

async fn one_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    let department = scope(&user.principal)?;
    let c = state.store.reviews().complaint(id).await?;
    if department.is_some() && department != c.department_id {
        return Err(PageError::NotFound);
    }
    let p = &user.principal;
    let c = shown(p, c);
    let log = state.store.reviews().complaint_log(id).await?;
    let mut facts = vec![
        vec![Cell::text("标题"), Cell::text(&c.title)],
        vec![Cell::text("内容"), Cell::text(&c.content)],
        vec![Cell::text("状态"), Cell::tag(c.state_label(), "warn")],
        vec![
            Cell::text("承办部门"),
            Cell::text(c.department.clone().unwrap_or_else(|| "待分派".into())),
        ],
        vec![
            Cell::text("答复期限"),
            Cell::text(c.reply_by.clone().unwrap_or_default()),
        ],
        vec![
            Cell::text("投诉人"),
            Cell::text(format!("{} {}", c.name, c.mobile)),
        ],
        vec![
            Cell::text("投诉人评价"),
            Cell::text(match c.rating.as_deref() {
                Some("satisfied") => "满意",
                Some(_) => "不满意",
                None => "",
            }),
        ],
    ];
    if let (Some(case), Some(no)) = (c.case_id, &c.case_no) {
        facts.push(vec![
            Cell::text("相关办件"),
            Cell::link(no, format!("/work/cases/{case}")),
        ]);
    }
    let mut sections = vec![
        Section::table("投诉", vec!["", ""], facts),
        Section::table(
            "处理记录",
            vec!["时间", "环节", "内容", "办理人"],
            log.iter()
                .map(|l: &ComplaintLogEntry| {
                    vec![
                        Cell::text(local_time(l.at)),
                        Cell::text(l.step_label()),
                        Cell::text(&l.body),
                        Cell::text(&l.by_name),
                    ]
                })
                .collect(),
        ),
    ];
    let oversees = can(p, ReviewAction::Oversee, None);
    match c.state.as_str() {
        "received" if oversees => {
            let departments = state.store.org().list_departments(None).await?;
            // The department the complaint names is offered first.
            let preset;
            let data = match c.department_id {
                Some(d) if data.0.is_empty() => {
                    preset = FormData::from_pairs([("department_id", d.to_string())]);
                    &preset
                }
                _ => data,
            };
            sections.push(Section::form(
                FormBuilder::new(
                    format!("/work/complaints/{id}/assign"),
                    "分派",
                    data,
                    errors,
                )
                .title("分派承办部门")
                .select(
                    "department_id",
                    "承办部门",
                    true,
                    Some("请选择"),
                    departments
                        .into_iter()
                        .filter(|d| d.active.get())
                        .map(|d| (d.id.to_string(), d.name))
                        .collect(),
                )
                .build(),
            ));
        }
        "assigned" if can(p, ReviewAction::Answer, c.department_id) => {
            sections.push(Section::form(
                FormBuilder::new(
                    format!("/work/complaints/{id}/reply"),
                    "提交答复",
                    data,
                    errors,
                )
                .title("部门答复")
                .textarea("text", "调查核实情况及处理结果", true)
                .build(),
            ));
        }
        "replied" if oversees => {
            for (act, title, label) in [
                ("accept", "审核通过并告知投诉人", "审核意见"),
                ("send_back", "退回重新答复", "退回理由"),
            ] {
                sections.push(Section::form(
                    FormBuilder::new(format!("/work/complaints/{id}/{act}"), title, data, errors)
                        .title(title)
                        .textarea("text", label, true)
                        .build(),
                ));
            }
        }
        _ => {}
    }
    page(
        user,
        &format!("投诉 #{id}"),
        crumb("效能投诉", "/work/complaints"),
        "",
        sections,
        errors,
    )
}

async fn one(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>) -> PageResult {
    one_page(&state, &user, id, &FormData::default(), &FieldErrors::new()).await
}

/// The step a path names and the permission it needs.
fn step_of(act: &str) -> Option<ComplaintStep> {
    Some(match act {
        "assign" => ComplaintStep::Assign,
        "reply" => ComplaintStep::Reply,
        "accept" => ComplaintStep::Accept,
        "send_back" => ComplaintStep::SendBack,
        _ => return None,
    })
}

/// Checks that `who` may take `step` on a complaint now with `department`; returns the
/// department to pass to the store (the replying one, or the one assigned).
async fn allowed(
    state: &AppState,
    who: &Principal,
    remote: Option<&str>,
    step: ComplaintStep,
    current: Option<DepartmentId>,
    chosen: Option<DepartmentId>,
) -> Result<Option<DepartmentId>, onewindow_domain::auth::Denied> {
    match step {
        ComplaintStep::Reply => {
            crate::auth::require(state, who, remote, ReviewAction::Answer, current).await?;
            Ok(who.department_id.or(current))
        }
        _ => {
            crate::auth::require(state, who, remote, ReviewAction::Oversee, None).await?;
            Ok(chosen)
        }
    }
}

async fn act_on(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, act)): Path<(i64, String)>,
    body: axum::body::Bytes,
) -> PageResult {
    let step = step_of(&act).ok_or(PageError::NotFound)?;
    let data = FormData::parse(&body);
    let c = state.store.reviews().complaint(id).await?;
    let chosen = data
        .text("department_id")
        .trim()
        .parse()
        .ok()
        .map(DepartmentId);
    let p = &user.principal;
    let department = allowed(
        &state,
        p,
        user.ctx.remote.as_deref(),
        step,
        c.department_id,
        chosen,
    )
    .await?;
    let done = state
        .store
        .reviews()
        .complaint_step(
            id,
            step,
            department,
            &data.text("text"),
            (p.account_id, &p.display_name),
            state.clock.today(),
        )
        .await;
    match form_outcome(done)? {
        Ok(_) => redirect(&format!("/work/complaints/{id}"), "saved"),
        Err(e) => one_page(&state, &user, id, &data, &e).await,
    }
}

// ---- API ----

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_file, api_list))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
        .routes(routes!(api_rate))
}

type ApiResult<T> = Result<T, ApiError>;

/// A complaint as filed through the API; staff may name the hotline call it comes from.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FileBody {
    #[serde(flatten)]
    pub complaint: ComplaintInput,
    #[serde(default)]
    pub hotline_call: Option<String>,
}

#[utoipa::path(post, path = "/complaints", tag = "reviews", security(("bearer" = [])),
    request_body = FileBody,
    responses((status = 201, body = ComplaintView), (status = 422, body = crate::error::Problem)))]
/// 效能投诉: an applicant complains on the web (channel `web`); staff take phone, in-person and
/// hotline complaints.
pub async fn api_file(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<FileBody>,
) -> ApiResult<(StatusCode, Json<ComplaintView>)> {
    let p = &user.principal;
    let filer = if p.is_staff() {
        api_gate(&state, &user, ReviewAction::Intake, p.department_id).await?;
        Filer::Staff(p.account_id)
    } else {
        api_gate(&state, &user, ReviewAction::Complain, None).await?;
        let me = state.store.cases().applicant_of(p.account_id).await?;
        Filer::Account {
            id: p.account_id,
            name: me.name,
            mobile: me.mobile,
        }
    };
    let call = body.hotline_call.as_deref().filter(|_| p.is_staff());
    let c = state
        .store
        .reviews()
        .file_complaint(&body.complaint, filer, state.clock.today(), call)
        .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(get, path = "/complaints", tag = "reviews", security(("bearer" = [])),
    responses((status = 200, body = Vec<ComplaintView>)))]
/// An applicant's own complaints; staff see their department's, supervisors every one.
pub async fn api_list(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<ComplaintView>>> {
    let p = &user.principal;
    let filter = if p.is_staff() {
        let department = scope(p).map_err(|_| onewindow_domain::auth::Denied::Role)?;
        ComplaintFilter {
            department,
            limit: 200,
            ..Default::default()
        }
    } else {
        api_gate(&state, &user, ReviewAction::Complain, None).await?;
        ComplaintFilter {
            account: Some(p.account_id),
            limit: 200,
            ..Default::default()
        }
    };
    let list = state.store.reviews().complaints(&filter).await?;
    Ok(Json(list.into_iter().map(|c| shown(p, c)).collect()))
}

#[utoipa::path(get, path = "/complaints/{id}", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintView), (status = 404, body = crate::error::Problem)))]
pub async fn api_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ComplaintView>> {
    let p = &user.principal;
    let c = state.store.reviews().complaint(id).await?;
    let visible = if p.is_staff() {
        match scope(p) {
            Ok(None) => true,
            Ok(d) => d == c.department_id,
            Err(_) => false,
        }
    } else {
        c.account_id == Some(p.account_id)
    };
    if !visible {
        return Err(onewindow_store::StoreError::NotFound("complaint").into());
    }
    Ok(Json(shown(p, c)))
}

/// A step on a complaint.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StepBody {
    /// assign (with department_id), reply, accept or send_back.
    pub step: String,
    #[serde(default)]
    pub department_id: Option<i64>,
    /// The reply, the review's note or the reason for sending back.
    #[serde(default)]
    pub text: String,
}

#[utoipa::path(post, path = "/complaints/{id}/steps", tag = "reviews",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = StepBody,
    responses((status = 200, body = ComplaintView), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn api_step(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StepBody>,
) -> ApiResult<Json<ComplaintView>> {
    let step = step_of(&body.step).ok_or_else(|| {
        FieldErrors::single("step", "步骤应为 assign、reply、accept 或 send_back")
    })?;
    let c = state.store.reviews().complaint(id).await?;
    let p = &user.principal;
    let department = allowed(
        &state,
        p,
        user.remote.as_deref(),
        step,
        c.department_id,
        body.department_id.map(DepartmentId),
    )
    .await?;
    let c = state
        .store
        .reviews()
        .complaint_step(
            id,
            step,
            department,
            &body.text,
            (p.account_id, &p.display_name),
            state.clock.today(),
        )
        .await?;
    Ok(Json(shown(p, c)))
}

/// The complainant's rating of the handling.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RateBody {
    pub satisfied: bool,
}

#[utoipa::path(post, path = "/complaints/{id}/rating", tag = "reviews",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = RateBody,
    responses((status = 200, body = ComplaintView), (status = 422, body = crate::error::Problem)))]
pub async fn api_rate(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RateBody>,
) -> ApiResult<Json<ComplaintView>> {
    api_gate(&state, &user, ReviewAction::Complain, None).await?;
    let p = &user.principal;
    Ok(Json(
        state
            .store
            .reviews()
            .rate_complaint(id, p.account_id, body.satisfied, &p.display_name)
            .await?,
    ))
}

//! Online joint pre-review (网上联合预审) on the web: the departments' queue and page (the
//! draft's answers and files, every department's opinion, the form for their own), and the
//! API for applicants (ask for a round, read the rounds) and departments (queue, answer). The
//! applicant's side of the page is the application page (`crate::hall::pages`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use onewindow_domain::auth::{CaseAction, HallAction, JointAction, Principal};
use onewindow_domain::ids::DepartmentId;
use onewindow_domain::joint::prereview::{OpinionInput, RoundState};
use onewindow_domain::org::FieldErrors;
use onewindow_store::StoreError;
use onewindow_store::joint::prereview::PreReview;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::{ApiJson, gate as api_gate};
use crate::auth::{ApiUser, PageUser, require};
use crate::error::{ApiError, PageError};
use crate::pages::{Chrome, FormData, PageResult, local_time, render, render_with_status};

/// A department's opinion as pages show it.
pub struct OpinionView {
    pub department: String,
    pub verdict: String,
    /// on, warn or off: the tag's colour.
    pub css: &'static str,
    pub comment: String,
    pub by: String,
}

/// A round as pages show it.
pub struct RoundView {
    pub id: i64,
    pub round: i64,
    pub title: String,
    pub applicant: String,
    pub requested_on: String,
    pub due_on: String,
    pub state_text: &'static str,
    /// Whether the opinions are shown (to the applicant: once the round is over).
    pub shown: bool,
    pub overdue: bool,
    pub answered: usize,
    pub asked: usize,
    pub opinions: Vec<OpinionView>,
}

impl RoundView {
    pub fn of(r: PreReview, today: NaiveDate) -> RoundView {
        let state = r.state(today);
        RoundView {
            id: r.id,
            round: r.round,
            state_text: match state {
                RoundState::Waiting => "各部门预审中",
                RoundState::Answered => "各部门意见已全部提出",
                RoundState::Overdue => "期限已届满（未提出意见的部门视为暂无意见）",
            },
            shown: state.shown(),
            overdue: state == RoundState::Overdue,
            answered: r.answered(),
            asked: r.opinions.len(),
            opinions: r
                .opinions
                .iter()
                .map(|o| OpinionView {
                    department: o.department.clone(),
                    verdict: o.verdict_label().to_owned(),
                    css: match o.verdict.as_deref() {
                        Some("ok") => "on",
                        Some(_) => "warn",
                        None => "off",
                    },
                    comment: o.comment.clone().unwrap_or_default(),
                    by: match (&o.by_name, o.answered_at) {
                        (Some(n), Some(at)) => format!("{n}（{}）", local_time(at)),
                        _ => String::new(),
                    },
                })
                .collect(),
            title: r.title,
            applicant: r.applicant,
            requested_on: r.requested_on,
            due_on: r.due_on,
        }
    }
}

/// Whether staff `who` may see a round: its departments' staff, and centre-wide staff and
/// supervisors (as for cases).
async fn may_see(
    state: &AppState,
    who: &Principal,
    remote: Option<&str>,
    round: &PreReview,
) -> Result<(), onewindow_domain::auth::Denied> {
    let department = who
        .department_id
        .filter(|d| round.opinions.iter().any(|o| o.department_id == *d))
        .or_else(|| round.opinions.first().map(|o| o.department_id));
    require(state, who, remote, CaseAction::View, department).await
}

/// The staff member's own department when it was asked in the round and has not answered.
fn own_open(who: &Principal, round: &PreReview) -> Option<DepartmentId> {
    let mine = who.department_id?;
    round
        .opinions
        .iter()
        .any(|o| o.department_id == mine && o.answered_at.is_none())
        .then_some(mine)
}

// ---- pages ----

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/work/prereviews", get(queue))
        .route("/work/prereviews/{id}", get(show).post(answer))
        .route("/work/prereviews/{id}/files/{file}", get(file))
}

#[derive(Template)]
#[template(path = "joint/prereviews.html")]
struct QueuePage {
    chrome: Chrome,
    today: String,
    all: bool,
    rounds: Vec<RoundView>,
}

#[derive(Deserialize)]
struct QueueQuery {
    #[serde(default)]
    all: Option<String>,
}

async fn queue(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<QueueQuery>,
) -> PageResult {
    crate::pages::gate(
        &state,
        &user,
        CaseAction::View,
        user.principal.department_id,
    )
    .await?;
    let all = q.all.is_some_and(|v| v == "1");
    let today = state.clock.today();
    let rounds = state
        .store
        .joint()
        .prereview_queue(user.principal.department_id, !all, 200)
        .await?;
    render(&QueuePage {
        chrome: Chrome::new("网上联合预审", &user.ctx),
        today: today.to_string(),
        all,
        rounds: rounds
            .into_iter()
            .map(|r| RoundView::of(r, today))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "joint/prereview.html")]
struct RoundPage {
    chrome: Chrome,
    round: RoundView,
    submitted: bool,
    can_answer: bool,
    department: String,
    comment: String,
    error: String,
    /// The merged form's answers: label, answer.
    fields: Vec<(String, String)>,
    materials: Vec<MaterialFiles>,
}

/// A material of the draft: its name, its files (id, file name), what stands for none.
type MaterialFiles = (String, Vec<(i64, String)>, &'static str);

async fn round_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    comment: String,
    error: String,
) -> Result<RoundPage, PageError> {
    let round = state.store.joint().prereview(id).await?;
    may_see(state, &user.principal, user.ctx.remote.as_deref(), &round).await?;
    let app = state
        .store
        .hall()
        .application_by_id(round.application_id)
        .await?;
    let doc = state.store.hall().doc(&app).await?;
    let mine = own_open(&user.principal, &round);
    let department = match mine {
        Some(d) => state.store.org().get_department(d).await?.name,
        None => String::new(),
    };
    let fields = doc
        .form
        .iter()
        .map(|f| {
            (
                f.label.clone(),
                app.content.answers.get(&f.key).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let materials = doc
        .materials
        .iter()
        .map(|m| {
            let files: Vec<(i64, String)> = app
                .files
                .iter()
                .filter(|f| f.material == m.name)
                .map(|f| (f.id, f.filename.clone()))
                .collect();
            let none = if app.content.deferred.contains(&m.name) {
                "承诺受理后补交（容缺）"
            } else {
                "未上传"
            };
            (m.name.clone(), files, none)
        })
        .collect();
    Ok(RoundPage {
        chrome: Chrome::new(format!("联合预审 · {}", round.title), &user.ctx),
        submitted: app.case_id.is_some(),
        can_answer: mine.is_some() && app.case_id.is_none(),
        department,
        comment,
        error,
        fields,
        materials,
        round: RoundView::of(round, state.clock.today()),
    })
}

async fn show(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>) -> PageResult {
    render(&round_page(&state, &user, id, String::new(), String::new()).await?)
}

async fn answer(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> PageResult {
    let data = FormData::parse(&body);
    let department = user.principal.department_id;
    crate::pages::gate(&state, &user, JointAction::PreReview, department).await?;
    let input = OpinionInput {
        verdict: data.text("verdict").parse().ok(),
        comment: data.text("comment"),
    };
    let answered = state
        .store
        .joint()
        .answer_prereview(
            id,
            department.unwrap_or_default(),
            &input,
            user.principal.account_id,
            &user.principal.display_name,
        )
        .await;
    match answered {
        Ok(_) => Ok(Redirect::to(&format!("/work/prereviews/{id}?notice=opinion")).into_response()),
        Err(StoreError::Invalid(e)) => {
            let page = round_page(&state, &user, id, input.comment, e.summary()).await?;
            render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn file(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let round = state.store.joint().prereview(id).await?;
    may_see(&state, &user.principal, user.ctx.remote.as_deref(), &round).await?;
    let file = state.store.hall().file(round.application_id, file).await?;
    Ok(crate::hall::file_response(&state, &file)?)
}

// ---- API ----

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_round, rounds_of_application))
        .routes(routes!(department_queue))
        .routes(routes!(get_round))
        .routes(routes!(answer_round))
}

type ApiResult<T> = Result<T, ApiError>;

#[utoipa::path(post, path = "/hall/applications/{id}/prereviews", tag = "joint",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 201, body = PreReview), (status = 422, body = crate::error::Problem)))]
/// Sends the applicant's draft to every department concerned for a round of joint pre-review.
pub async fn request_round(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<PreReview>)> {
    api_gate(&state, &user, HallAction::Apply, None).await?;
    let cal = state.store.calendar().calendar_for("").await?;
    let today = state.clock.today();
    let round = state
        .store
        .joint()
        .request_prereview(user.principal.account_id, id, today, &cal)
        .await?;
    Ok((StatusCode::CREATED, Json(round.for_applicant(today))))
}

#[utoipa::path(get, path = "/hall/applications/{id}/prereviews", tag = "joint",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<PreReview>), (status = 404, body = crate::error::Problem)))]
/// The application's rounds; the opinions appear together once a round is over.
pub async fn rounds_of_application(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<PreReview>>> {
    api_gate(&state, &user, HallAction::ViewOwn, None).await?;
    // Another's application is not found.
    state
        .store
        .hall()
        .application(user.principal.account_id, id)
        .await?;
    let today = state.clock.today();
    let rounds = state.store.joint().prereviews_of(id).await?;
    Ok(Json(
        rounds.into_iter().map(|r| r.for_applicant(today)).collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct QueueParams {
    /// `true` (default): only rounds the department has not answered.
    pub open: Option<bool>,
}

#[utoipa::path(get, path = "/prereviews", tag = "joint", security(("bearer" = [])),
    params(QueueParams), responses((status = 200, body = Vec<PreReview>)))]
/// The rounds the staff member's department is asked in (every department's for centre-wide
/// staff), newest first.
pub async fn department_queue(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<QueueParams>,
) -> ApiResult<Json<Vec<PreReview>>> {
    api_gate(
        &state,
        &user,
        CaseAction::View,
        user.principal.department_id,
    )
    .await?;
    Ok(Json(
        state
            .store
            .joint()
            .prereview_queue(user.principal.department_id, q.open.unwrap_or(true), 200)
            .await?,
    ))
}

#[utoipa::path(get, path = "/prereviews/{id}", tag = "joint", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PreReview), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn get_round(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<PreReview>> {
    let round = state.store.joint().prereview(id).await?;
    may_see(&state, &user.principal, user.remote.as_deref(), &round).await?;
    Ok(Json(round))
}

#[utoipa::path(post, path = "/prereviews/{id}/opinions", tag = "joint",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = OpinionInput,
    responses((status = 201, body = PreReview), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
/// The staff member's department's one opinion on a round.
pub async fn answer_round(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<OpinionInput>,
) -> ApiResult<(StatusCode, Json<PreReview>)> {
    let department = user.principal.department_id;
    api_gate(&state, &user, JointAction::PreReview, department).await?;
    let Some(department) = department else {
        return Err(FieldErrors::single("department", "只有部门工作人员可以提出预审意见").into());
    };
    let round = state
        .store
        .joint()
        .answer_prereview(
            id,
            department,
            &input,
            user.principal.account_id,
            &user.principal.display_name,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(round)))
}

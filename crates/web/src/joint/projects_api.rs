//! Investment projects in the API (`/api/v1/projects`): registration, stages started in order,
//! the centre's path of stages, and the monthly bulletin.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use onewindow_domain::auth::JointAction;
use onewindow_domain::joint::project::{AgentInput, MeetingInput, ProjectInput, StagePlan};
use onewindow_store::joint::projects::{Bulletin, Project};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::{ApiJson, gate};
use crate::auth::ApiUser;
use crate::error::ApiError;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project))
        .routes(routes!(start_stage))
        .routes(routes!(assign_agent))
        .routes(routes!(record_meeting))
        .routes(routes!(get_stage_plan, set_stage_plan))
        .routes(routes!(bulletin))
}

type ApiResult<T> = Result<T, ApiError>;

#[utoipa::path(get, path = "/projects", tag = "joint", security(("bearer" = [])),
    responses((status = 200, body = Vec<Project>)))]
/// The investment projects with their stages, the newest first.
pub async fn list_projects(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<Project>>> {
    gate(&state, &user, JointAction::ViewProjects, None).await?;
    Ok(Json(state.store.joint().projects().await?))
}

#[utoipa::path(post, path = "/projects", tag = "joint", security(("bearer" = [])),
    request_body = ProjectInput,
    responses((status = 201, body = Project), (status = 422, body = crate::error::Problem)))]
/// Registers an investment project by its national code (the centre's 代办 staff).
pub async fn create_project(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ProjectInput>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    gate(&state, &user, JointAction::ManageProjects, None).await?;
    let project = state
        .store
        .joint()
        .create_project(&input, state.clock.today(), user.principal.account_id)
        .await?;
    Ok((StatusCode::CREATED, Json(project)))
}

#[utoipa::path(get, path = "/projects/{id}", tag = "joint", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Project), (status = 404, body = crate::error::Problem)))]
pub async fn get_project(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Project>> {
    gate(&state, &user, JointAction::ViewProjects, None).await?;
    Ok(Json(state.store.joint().project(id).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StageStarted {
    pub case_id: i64,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StartInput {
    /// The stage's materials handed in (names from its bundle's one set).
    #[serde(default)]
    pub materials: Vec<String>,
}

#[utoipa::path(post, path = "/projects/{id}/stages/{stage}/start", tag = "joint",
    security(("bearer" = [])), params(("id" = i64, Path), ("stage" = i64, Path)),
    request_body = StartInput,
    responses((status = 201, body = StageStarted), (status = 422, body = crate::error::Problem)))]
/// Starts a stage: one joint case over its bundle for the investor, waiting for acceptance.
/// Refused until the stage before it is concluded.
pub async fn start_stage(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, stage)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<StartInput>,
) -> ApiResult<(StatusCode, Json<StageStarted>)> {
    gate(&state, &user, JointAction::ManageProjects, None).await?;
    let actor = state.store.cases().case_actor(&user.principal).await?;
    let case = state
        .store
        .joint()
        .start_stage(id, stage, &input.materials, &actor, state.clock.today())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(StageStarted {
            case_id: case.get(),
        }),
    ))
}

#[utoipa::path(put, path = "/projects/{id}/agent", tag = "joint", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AgentInput,
    responses((status = 200, body = Project), (status = 422, body = crate::error::Problem)))]
/// 代办: assigns the project's agent under the investor's letter of authorisation.
pub async fn assign_agent(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AgentInput>,
) -> ApiResult<Json<Project>> {
    gate(&state, &user, JointAction::ManageProjects, None).await?;
    Ok(Json(
        state
            .store
            .joint()
            .assign_agent(id, &input, state.clock.today(), user.principal.account_id)
            .await?,
    ))
}

#[utoipa::path(post, path = "/projects/{id}/meetings", tag = "joint", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = MeetingInput,
    responses((status = 201, body = Project), (status = 422, body = crate::error::Problem)))]
/// 会商: records a consultation meeting: departments invited and present, minutes, decisions.
pub async fn record_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MeetingInput>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    gate(&state, &user, JointAction::ManageProjects, None).await?;
    let project = state
        .store
        .joint()
        .record_meeting(id, &input, state.clock.today(), user.principal.account_id)
        .await?;
    Ok((StatusCode::CREATED, Json(project)))
}

#[utoipa::path(get, path = "/project-stages", tag = "joint", security(("bearer" = [])),
    responses((status = 200, body = Vec<StagePlan>)))]
/// The centre's path of approval stages for investment projects.
pub async fn get_stage_plan(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<StagePlan>>> {
    gate(&state, &user, JointAction::ViewProjects, None).await?;
    Ok(Json(state.store.joint().stage_plan().await?))
}

#[utoipa::path(put, path = "/project-stages", tag = "joint", security(("bearer" = [])),
    request_body = Vec<StagePlan>,
    responses((status = 200, body = Vec<StagePlan>), (status = 422, body = crate::error::Problem)))]
/// Sets the path of stages, each a bundle (centre administrators).
pub async fn set_stage_plan(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(plan): ApiJson<Vec<StagePlan>>,
) -> ApiResult<Json<Vec<StagePlan>>> {
    gate(&state, &user, JointAction::ManageBundles, None).await?;
    let joint = state.store.joint();
    joint
        .set_stage_plan(&plan, user.principal.account_id)
        .await?;
    Ok(Json(joint.stage_plan().await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MonthQuery {
    /// YYYY-MM
    pub month: String,
}

#[utoipa::path(get, path = "/projects/bulletin", tag = "joint", security(("bearer" = [])),
    params(MonthQuery),
    responses((status = 200, body = Bulletin), (status = 422, body = crate::error::Problem)))]
/// 月通报: the project stages concluded in a month, and the departments' zero reports.
pub async fn bulletin(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<MonthQuery>,
) -> ApiResult<Json<Bulletin>> {
    gate(&state, &user, JointAction::ViewProjects, None).await?;
    Ok(Json(state.store.joint().bulletin(&q.month).await?))
}

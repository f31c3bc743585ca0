//! Organisation endpoints: regions, centres, halls, zones, departments, windows, staff.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use onewindow_domain::auth::{OrgAction, Principal};
use onewindow_domain::ids::{CentreId, DepartmentId, HallId, StaffId, WindowId};
use onewindow_domain::org::{Power, Role};
use onewindow_store::org::*;
use serde::Deserialize;

use crate::AppState;
use crate::api::{ApiJson, gate};
use crate::auth::{ApiUser, activation_gate, deactivatable};
use crate::error::ApiError;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The organisation endpoints, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_regions, create_region))
        .routes(routes!(update_region))
        .routes(routes!(list_centres, create_centre))
        .routes(routes!(get_centre, update_centre))
        .routes(routes!(list_halls, create_hall))
        .routes(routes!(list_zones, create_zone))
        .routes(routes!(list_departments, create_department))
        .routes(routes!(get_department, update_department))
        .routes(routes!(list_windows, create_window))
        .routes(routes!(get_window, update_window))
        .routes(routes!(list_staff, create_staff))
        .routes(routes!(get_staff, update_staff))
        .routes(routes!(grant_power))
        .routes(routes!(revoke_power))
        .routes(routes!(set_active))
}

type ApiResult<T> = Result<T, ApiError>;

#[utoipa::path(get, path = "/regions", tag = "organisation", security(("bearer" = [])),
    responses((status = 200, body = Vec<Region>)))]
pub async fn list_regions(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<Region>>> {
    gate(&state, &user, OrgAction::View, None).await?;
    Ok(Json(state.store.org().list_regions().await?))
}

#[utoipa::path(post, path = "/regions", tag = "organisation", security(("bearer" = [])),
    request_body = RegionInput,
    responses((status = 201, body = Region), (status = 422, body = crate::error::Problem)))]
pub async fn create_region(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<RegionInput>,
) -> ApiResult<(StatusCode, Json<Region>)> {
    gate(&state, &user, OrgAction::Manage, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.org().create_region(&input).await?),
    ))
}

#[utoipa::path(put, path = "/regions/{code}", tag = "organisation", security(("bearer" = [])),
    params(("code" = String, Path, description = "12 位区划代码")),
    request_body = RegionInput,
    responses((status = 200, body = Region), (status = 422, body = crate::error::Problem)))]
pub async fn update_region(
    State(state): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<RegionInput>,
) -> ApiResult<Json<Region>> {
    gate(&state, &user, OrgAction::Manage, None).await?;
    Ok(Json(state.store.org().update_region(&code, &input).await?))
}

#[utoipa::path(get, path = "/centres", tag = "organisation", security(("bearer" = [])),
    responses((status = 200, body = Vec<Centre>)))]
pub async fn list_centres(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<Centre>>> {
    gate(&state, &user, OrgAction::View, None).await?;
    Ok(Json(state.store.org().list_centres().await?))
}

#[utoipa::path(post, path = "/centres", tag = "organisation", security(("bearer" = [])),
    request_body = CentreInput,
    responses((status = 201, body = Centre), (status = 422, body = crate::error::Problem)))]
pub async fn create_centre(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<CentreInput>,
) -> ApiResult<(StatusCode, Json<Centre>)> {
    gate(&state, &user, OrgAction::Manage, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.org().create_centre(&input).await?),
    ))
}

#[utoipa::path(get, path = "/centres/{id}", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Centre)))]
pub async fn get_centre(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<CentreId>,
) -> ApiResult<Json<Centre>> {
    gate(&state, &user, OrgAction::View, None).await?;
    Ok(Json(state.store.org().get_centre(id).await?))
}

#[utoipa::path(put, path = "/centres/{id}", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CentreInput,
    responses((status = 200, body = Centre), (status = 422, body = crate::error::Problem)))]
pub async fn update_centre(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<CentreId>,
    ApiJson(input): ApiJson<CentreInput>,
) -> ApiResult<Json<Centre>> {
    gate(&state, &user, OrgAction::Manage, None).await?;
    Ok(Json(state.store.org().update_centre(id, &input).await?))
}

#[utoipa::path(get, path = "/centres/{id}/halls", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Vec<Hall>)))]
pub async fn list_halls(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<CentreId>,
) -> ApiResult<Json<Vec<Hall>>> {
    gate(&state, &user, OrgAction::View, None).await?;
    state.store.org().get_centre(id).await?;
    Ok(Json(state.store.org().list_halls(Some(id)).await?))
}

#[utoipa::path(post, path = "/centres/{id}/halls", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = HallInput,
    responses((status = 201, body = Hall), (status = 422, body = crate::error::Problem)))]
pub async fn create_hall(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<CentreId>,
    ApiJson(input): ApiJson<HallInput>,
) -> ApiResult<(StatusCode, Json<Hall>)> {
    gate(&state, &user, OrgAction::Manage, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.org().create_hall(id, &input).await?),
    ))
}

#[utoipa::path(get, path = "/halls/{id}/zones", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Vec<Zone>)))]
pub async fn list_zones(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<HallId>,
) -> ApiResult<Json<Vec<Zone>>> {
    gate(&state, &user, OrgAction::View, None).await?;
    state.store.org().get_hall(id).await?;
    Ok(Json(state.store.org().list_zones(id).await?))
}

#[utoipa::path(post, path = "/halls/{id}/zones", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ZoneInput,
    responses((status = 201, body = Zone), (status = 422, body = crate::error::Problem)))]
pub async fn create_zone(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<HallId>,
    ApiJson(input): ApiJson<ZoneInput>,
) -> ApiResult<(StatusCode, Json<Zone>)> {
    gate(&state, &user, OrgAction::Manage, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.org().create_zone(id, &input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OrgFilter {
    /// Only this centre.
    pub centre_id: Option<CentreId>,
    /// Only this department.
    pub department_id: Option<DepartmentId>,
}

#[utoipa::path(get, path = "/departments", tag = "organisation", security(("bearer" = [])),
    params(OrgFilter), responses((status = 200, body = Vec<Department>)))]
pub async fn list_departments(
    State(state): State<AppState>,
    user: ApiUser,
    Query(filter): Query<OrgFilter>,
) -> ApiResult<Json<Vec<Department>>> {
    gate(&state, &user, OrgAction::View, None).await?;
    Ok(Json(
        state.store.org().list_departments(filter.centre_id).await?,
    ))
}

#[utoipa::path(post, path = "/departments", tag = "organisation", security(("bearer" = [])),
    request_body = DepartmentInput,
    responses((status = 201, body = Department), (status = 422, body = crate::error::Problem)))]
pub async fn create_department(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<DepartmentInput>,
) -> ApiResult<(StatusCode, Json<Department>)> {
    gate(&state, &user, OrgAction::Manage, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.org().create_department(&input).await?),
    ))
}

#[utoipa::path(get, path = "/departments/{id}", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Department)))]
pub async fn get_department(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<DepartmentId>,
) -> ApiResult<Json<Department>> {
    gate(&state, &user, OrgAction::View, None).await?;
    Ok(Json(state.store.org().get_department(id).await?))
}

#[utoipa::path(put, path = "/departments/{id}", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DepartmentInput,
    responses((status = 200, body = Department), (status = 422, body = crate::error::Problem)))]
pub async fn update_department(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<DepartmentId>,
    ApiJson(input): ApiJson<DepartmentInput>,
) -> ApiResult<Json<Department>> {
    gate(&state, &user, OrgAction::Manage, None).await?;
    Ok(Json(state.store.org().update_department(id, &input).await?))
}

#[utoipa::path(get, path = "/windows", tag = "organisation", security(("bearer" = [])),
    params(OrgFilter), responses((status = 200, body = Vec<Window>)))]
pub async fn list_windows(
    State(state): State<AppState>,
    user: ApiUser,
    Query(filter): Query<OrgFilter>,
) -> ApiResult<Json<Vec<Window>>> {
    gate(&state, &user, OrgAction::View, None).await?;
    Ok(Json(
        state
            .store
            .org()
            .list_windows(filter.centre_id, filter.department_id)
            .await?,
    ))
}

#[utoipa::path(post, path = "/windows", tag = "organisation", security(("bearer" = [])),
    request_body = WindowInput,
    responses((status = 201, body = Window), (status = 422, body = crate::error::Problem)))]
pub async fn create_window(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<WindowInput>,
) -> ApiResult<(StatusCode, Json<Window>)> {
    gate(&state, &user, OrgAction::ManageWindows, input.department_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.org().create_window(&input).await?),
    ))
}

#[utoipa::path(get, path = "/windows/{id}", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Window)))]
pub async fn get_window(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<WindowId>,
) -> ApiResult<Json<Window>> {
    gate(&state, &user, OrgAction::View, None).await?;
    Ok(Json(state.store.org().get_window(id).await?))
}

#[utoipa::path(put, path = "/windows/{id}", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = WindowInput,
    responses((status = 200, body = Window), (status = 422, body = crate::error::Problem)))]
pub async fn update_window(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<WindowId>,
    ApiJson(input): ApiJson<WindowInput>,
) -> ApiResult<Json<Window>> {
    let current = state.store.org().get_window(id).await?;
    gate(
        &state,
        &user,
        OrgAction::ManageWindows,
        current.department_id,
    )
    .await?;
    gate(&state, &user, OrgAction::ManageWindows, input.department_id).await?;
    Ok(Json(state.store.org().update_window(id, &input).await?))
}

/// Staff lists are limited to the caller's department unless they may see every department.
fn visible_department(who: &Principal, asked: Option<DepartmentId>) -> Option<DepartmentId> {
    if who.has_role(Role::CentreAdmin) || who.has_role(Role::Supervisor) {
        asked
    } else {
        who.department_id
    }
}

#[utoipa::path(get, path = "/staff", tag = "organisation", security(("bearer" = [])),
    params(OrgFilter), responses((status = 200, body = Vec<Staff>)))]
pub async fn list_staff(
    State(state): State<AppState>,
    user: ApiUser,
    Query(filter): Query<OrgFilter>,
) -> ApiResult<Json<Vec<Staff>>> {
    let dept = visible_department(&user.principal, filter.department_id);
    gate(&state, &user, OrgAction::ViewStaff, dept).await?;
    Ok(Json(
        state.store.org().list_staff(filter.centre_id, dept).await?,
    ))
}

/// Checks the right to manage staff of a department, and that only those who manage the whole
/// organisation hand out centre-wide roles.
async fn gate_staff_change(
    state: &AppState,
    user: &ApiUser,
    dept: Option<DepartmentId>,
    roles: &[String],
) -> ApiResult<()> {
    gate(state, user, OrgAction::ManageStaff, dept).await?;
    let centre_wide = [Role::CentreAdmin.key(), Role::Supervisor.key()];
    if roles.iter().any(|r| centre_wide.contains(&r.as_str())) {
        gate(state, user, OrgAction::Manage, None).await?;
    }
    Ok(())
}

#[utoipa::path(post, path = "/staff", tag = "organisation", security(("bearer" = [])),
    request_body = NewStaff,
    responses((status = 201, body = Staff), (status = 422, body = crate::error::Problem)))]
pub async fn create_staff(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<NewStaff>,
) -> ApiResult<(StatusCode, Json<Staff>)> {
    gate_staff_change(&state, &user, input.staff.department_id, &input.staff.roles).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.org().create_staff(&input).await?),
    ))
}

#[utoipa::path(get, path = "/staff/{id}", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Staff)))]
pub async fn get_staff(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<StaffId>,
) -> ApiResult<Json<Staff>> {
    let staff = state.store.org().get_staff(id).await?;
    gate(&state, &user, OrgAction::ViewStaff, staff.department_id).await?;
    Ok(Json(staff))
}

#[utoipa::path(put, path = "/staff/{id}", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = StaffInput,
    responses((status = 200, body = Staff), (status = 422, body = crate::error::Problem)))]
pub async fn update_staff(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<StaffId>,
    ApiJson(input): ApiJson<StaffInput>,
) -> ApiResult<Json<Staff>> {
    let current = state.store.org().get_staff(id).await?;
    gate_staff_change(&state, &user, current.department_id, &current.roles).await?;
    gate_staff_change(&state, &user, input.department_id, &input.roles).await?;
    Ok(Json(state.store.org().update_staff(id, &input).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PowerInput {
    /// instant_decision, promised_supervision, joint_coordination, reported_pre_review,
    /// return_gatekeeping, supplement_verification or seal_use.
    pub power: String,
}

fn parse_power(key: &str) -> ApiResult<Power> {
    key.parse::<Power>()
        .map_err(|m| onewindow_domain::org::FieldErrors::single("power", m).into())
}

#[utoipa::path(post, path = "/staff/{id}/powers", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PowerInput,
    responses((status = 200, body = Staff), (status = 422, body = crate::error::Problem)))]
pub async fn grant_power(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<StaffId>,
    ApiJson(input): ApiJson<PowerInput>,
) -> ApiResult<Json<Staff>> {
    gate(&state, &user, OrgAction::GrantPowers, None).await?;
    let power = parse_power(&input.power)?;
    Ok(Json(
        state
            .store
            .org()
            .grant_power(id, power, user.principal.account_id)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/staff/{id}/powers/{power}", tag = "organisation", security(("bearer" = [])),
    params(("id" = i64, Path), ("power" = String, Path)),
    responses((status = 200, body = Staff)))]
pub async fn revoke_power(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, power)): Path<(StaffId, String)>,
) -> ApiResult<Json<Staff>> {
    gate(&state, &user, OrgAction::GrantPowers, None).await?;
    let power = parse_power(&power)?;
    Ok(Json(
        state
            .store
            .org()
            .revoke_power(id, power, user.principal.account_id)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActiveInput {
    pub active: bool,
}

#[utoipa::path(put, path = "/{kind}/{id}/active", tag = "organisation", security(("bearer" = [])),
    params(("kind" = String, Path, description = "regions, centres, halls, zones, departments, windows or staff"),
           ("id" = String, Path)),
    request_body = ActiveInput,
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn set_active(
    State(state): State<AppState>,
    user: ApiUser,
    Path((kind, id)): Path<(String, String)>,
    ApiJson(input): ApiJson<ActiveInput>,
) -> ApiResult<StatusCode> {
    let what = deactivatable(&kind).ok_or(ApiError::NotFound("route"))?;
    let (action, dept) = activation_gate(&state, what, &id).await?;
    gate(&state, &user, action, dept).await?;
    state
        .store
        .org()
        .set_active(what, &id, input.active)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Case data from departments' own systems (部门自建系统办件数据汇聚) over `/api/v1/exchange`.

use axum::Json;
use axum::extract::{Path, State};
use onewindow_domain::auth::CaseAction;
use onewindow_domain::exchange::Report;
use onewindow_store::supervision::reported::{ReportOutcome, ReportedCase, ReportedRecord};
use serde::Serialize;

use crate::AppState;
use crate::api::{ApiJson, gate};
use crate::auth::ApiUser;
use crate::error::ApiError;

#[utoipa::path(post, path = "/exchange/cases", tag = "exchange", security(("bearer" = [])),
    request_body(content = Object, description = "{\"accept\": [up_pro_accept…], \"process\": [up_pro_process…], \"result\": [up_pro_result…]}; times as YYYY-MM-DD hh:mm:ss; at most 1,000 records"),
    responses((status = 200, body = ReportOutcome), (status = 422, body = crate::error::Problem)))]
/// A department's own system reports case records in the national exchange shape (办件受理、
/// 过程、结果信息), with a token of one of that department's case-handling accounts. Every
/// record is checked first (nothing is stored when one is bad); a record sent again (same
/// row_guid) is stored once. The answer names the supervision findings the report raised.
pub async fn report_cases(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(report): ApiJson<Report>,
) -> Result<Json<ReportOutcome>, ApiError> {
    let department = user
        .principal
        .department_id
        .ok_or_else(|| ApiError::Forbidden("报送账号须属于一个部门：记录计入该部门".into()))?;
    gate(&state, &user, CaseAction::Handle, Some(department)).await?;
    Ok(Json(
        state
            .store
            .supervision()
            .report_cases(
                department,
                user.principal.account_id,
                report,
                state.clock.today(),
            )
            .await?,
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportedCaseRecords {
    pub case: ReportedCase,
    pub records: Vec<ReportedRecord>,
}

#[utoipa::path(get, path = "/exchange/cases/{id}", tag = "exchange", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ReportedCaseRecords), (status = 404, body = crate::error::Problem)))]
/// A reported case with its records as received (supervisors; the department's own staff).
pub async fn get_reported_case(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ReportedCaseRecords>, ApiError> {
    let (case, records) = state.store.supervision().reported_case(id).await?;
    gate(&state, &user, CaseAction::View, Some(case.department_id)).await?;
    Ok(Json(ReportedCaseRecords { case, records }))
}

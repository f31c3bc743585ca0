//! Case endpoints (办件): submit, act with Idempotency-Key and expected versions, read, search,
//! inboxes, the public progress lookup, and the working-day calendar.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::NaiveDate;
use onewindow_domain::auth::{AccountAction, CalendarAction, CaseAction, SupervisionAction};
use onewindow_domain::case::{Command, Event};
use onewindow_domain::org::FieldErrors;
use onewindow_store::calendar::CalendarDay;
use onewindow_store::case_commands::CommandOutcome;
use onewindow_store::case_queries::{
    CaseFilter, CaseRow, CaseView, InboxFilter, Page, sees_all_cases,
};
use serde::{Deserialize, Serialize};

use super::{ApiJson, gate};
use crate::AppState;
use crate::auth::ApiUser;
use crate::cases::{SubmitInput, act, submit, visible_case};
use crate::error::ApiError;

type ApiResult<T> = Result<T, ApiError>;

/// The Idempotency-Key header: 1–128 printable ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 128 => Ok(Some(k.to_owned())),
        _ => Err(FieldErrors::single("Idempotency-Key", "应为 1–128 个可见 ASCII 字符").into()),
    }
}

#[utoipa::path(post, path = "/cases", tag = "cases", security(("bearer" = [])),
    request_body = SubmitInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "重试时返回首次结果，不会重复提交")),
    responses((status = 201, body = CommandOutcome), (status = 422, body = crate::error::Problem)))]
/// Submits an application: staff register at a window (applicant required), applicants apply
/// online as themselves. The case waits for acceptance (待受理).
pub async fn submit_case(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SubmitInput>,
) -> ApiResult<(StatusCode, Json<CommandOutcome>)> {
    let key = idempotency_key(&headers)?;
    let out = submit(&state, &user.principal, user.remote.as_deref(), &input, key).await?;
    let status = if out.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(out)))
}

/// A command on a case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CommandBody {
    /// The version the caller last read; when it is no longer current the answer is 409 with
    /// `current_version`.
    #[serde(default)]
    pub expected_version: Option<u64>,
    /// `{"type": "accept"}`, `{"type": "complete_step", "opinion": "…"}`, `{"type":
    /// "request_supplement", "missing": [{"material": "…", "reason": "…"}], "reason": ""}`,
    /// `{"type": "decide", "decision": {"approved": true, "reasons": "…", "legal_basis": "…"}}`,
    /// `{"type": "conclude"}`, `{"type": "deliver", "delivery": {"method": "express", "waybill": "…"}}`,
    /// `{"type": "verify_pledge", "truthful": true, "notes": "…"}` (告知承诺核查, after approval) …
    #[schema(value_type = Object)]
    pub command: Command,
}

#[utoipa::path(post, path = "/cases/{id}/commands", tag = "cases", security(("bearer" = [])),
    request_body = CommandBody,
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "重试时返回首次结果，不会重复执行")),
    responses((status = 200, body = CommandOutcome),
              (status = 403, body = crate::error::Problem, description = "角色、部门或授权不符"),
              (status = 409, body = crate::error::Problem, description = "版本冲突（含 current_version）或当前状态不允许"),
              (status = 422, body = crate::error::Problem, description = "不符合办理规则，或幂等键用于另一请求")))]
/// Runs one command (受理, 补正, 审查, 决定, 办结, 送达 …) against the case.
pub async fn run_command(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CommandBody>,
) -> ApiResult<Json<CommandOutcome>> {
    let key = idempotency_key(&headers)?;
    let out = act(
        &state,
        &user.principal,
        user.remote.as_deref(),
        id,
        body.expected_version,
        body.command,
        key,
    )
    .await?;
    Ok(Json(out))
}

#[utoipa::path(get, path = "/cases/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = CaseView), (status = 404, body = crate::error::Problem)))]
/// One case with its state and full event timeline.
pub async fn get_case(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        visible_case(&state, &user.principal, user.remote.as_deref(), id).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct CaseQuery {
    pub case_no: Option<String>,
    /// Part of the applicant's name, or the whole id number.
    pub applicant: Option<String>,
    /// Part of the item's name.
    pub item: Option<String>,
    /// submitted, in_review, decided, concluded, delivered, refused, withdrawn, returned.
    pub stage: Option<String>,
    /// Submitted on or after (YYYY-MM-DD).
    pub from: Option<String>,
    pub to: Option<String>,
    pub department_id: Option<i64>,
    /// The `next` of the previous page.
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

impl CaseQuery {
    /// The store filter, narrowed to what `who` may see.
    pub fn filter(&self, who: &onewindow_domain::auth::Principal) -> CaseFilter {
        let mut f = CaseFilter {
            case_no: self.case_no.clone(),
            applicant: self.applicant.clone(),
            item: self.item.clone(),
            stage: self.stage.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            department_id: self.department_id,
            applicant_account: None,
            before: self.before,
            limit: self.limit.unwrap_or(50).clamp(1, 200),
        };
        if !who.is_staff() {
            f.applicant_account = Some(who.account_id);
            f.department_id = None;
        } else if !sees_all_cases(who) {
            f.department_id = who.department_id;
        }
        f
    }
}

#[utoipa::path(get, path = "/cases", tag = "cases", security(("bearer" = [])),
    params(CaseQuery), responses((status = 200, body = Page<CaseRow>)))]
/// Case search, newest first: staff see their department's cases (centre-wide roles all),
/// applicants their own.
pub async fn search_cases(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<CaseQuery>,
) -> ApiResult<Json<Page<CaseRow>>> {
    if user.principal.is_staff() {
        gate(
            &state,
            &user,
            CaseAction::View,
            user.principal.department_id,
        )
        .await?;
    }
    Ok(Json(
        state.store.search_cases(&q.filter(&user.principal)).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct InboxQuery {
    /// 受理, 等待补正, a step's name, 决定, 办结, 送达.
    pub what: Option<String>,
    pub item_id: Option<i64>,
    /// Only deadlines on or before this day.
    pub due_by: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/inbox", tag = "cases", security(("bearer" = [])),
    params(InboxQuery), responses((status = 200, body = Page<CaseRow>)))]
/// The caller's work: cases assigned to them (or to whom they back up), and cases waiting for
/// their role in their department; the nearest deadline first.
pub async fn inbox(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<InboxQuery>,
) -> ApiResult<Json<Page<CaseRow>>> {
    gate(
        &state,
        &user,
        CaseAction::View,
        user.principal.department_id,
    )
    .await?;
    let actor = state.store.case_actor(&user.principal).await?;
    Ok(Json(
        state
            .store
            .inbox(
                &actor,
                &InboxFilter {
                    what: q.what,
                    item_id: q.item_id,
                    due_by: q.due_by,
                    after: q.after,
                    limit: q.limit.unwrap_or(50).clamp(1, 200),
                },
            )
            .await?,
    ))
}

/// What the public progress lookup shows: the item, the stage, the dates and the steps, never
/// the applicant's details or staff opinions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub case_no: String,
    pub item_name: String,
    pub stage: String,
    pub stage_label: String,
    pub accepted_on: Option<String>,
    /// The promised deadline (close of that working day), moved by pauses and extensions.
    pub due: Option<String>,
    pub paused: bool,
    pub timeline: Vec<ProgressStep>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProgressStep {
    /// Local time, Asia/Shanghai.
    pub at: String,
    pub what: String,
}

impl Progress {
    pub fn of(view: &CaseView) -> Progress {
        Progress {
            case_no: view.row.case_no.clone().unwrap_or_default(),
            item_name: view.row.item_name.clone(),
            stage: view.row.stage.clone(),
            stage_label: view.state.stage().label().to_owned(),
            accepted_on: view.row.accepted_on.clone(),
            due: view.row.due.clone(),
            paused: view.row.paused.get(),
            timeline: view
                .events
                .iter()
                .map(|e| ProgressStep {
                    at: crate::pages::local_time(e.at),
                    what: public_label(&e.payload, view.state.item.as_ref()),
                })
                .collect(),
        }
    }
}

/// An event as the applicant may read it; steps are named from the item version.
pub fn public_label(
    payload: &serde_json::Value,
    item: Option<&onewindow_domain::case::ItemRef>,
) -> String {
    let step = |i: usize| item.map_or("办理", |it| it.step_name(i)).to_owned();
    match serde_json::from_value::<Event>(payload.clone()) {
        Ok(e) => match e {
            Event::Submitted { channel, .. } => format!("{}提交申请", channel.label()),
            Event::Accepted { due, .. } => format!("已受理，承诺办结日期 {due}"),
            Event::AcceptedWithDeficiencies { due, supply_by, .. } => {
                format!("容缺受理，承诺办结日期 {due}；请于 {supply_by} 前补交容缺材料")
            }
            Event::AcceptanceRefused { .. } => "不予受理（请查收不予受理决定书）".into(),
            Event::ApprovedOnPledge { verify_by, .. } => {
                format!("告知承诺审批（承诺事项将于 {verify_by} 前核查）")
            }
            Event::PledgeVerified { truthful, .. } => if truthful {
                "告知承诺核查：承诺属实"
            } else {
                "告知承诺核查：发现承诺不实（请查收处理决定）"
            }
            .into(),
            Event::SupplementRequested { missing, .. } => format!(
                "一次性告知补正：{}（补正期间暂停计时）",
                missing
                    .iter()
                    .map(|m| format!("{}（{}）", m.material, m.reason))
                    .collect::<Vec<_>>()
                    .join("；")
            ),
            Event::SupplementReceived { due, .. } => format!("已收到补正材料，办结日期 {due}"),
            Event::DeficiencySupplied { material } => format!("已补交容缺材料：{material}"),
            Event::DeficiencyWaived { material, .. } => {
                format!("容缺材料“{material}”经核实免于补交")
            }
            Event::StepCompleted { step: i, .. } => format!("{}环节完成", step(i)),
            Event::StepReturned { to_step, .. } => format!("退回{}环节复核", step(to_step)),
            Event::Reassigned { .. } => "转办".into(),
            Event::SpecialProcedureStarted { name, excluded, .. } => {
                if excluded {
                    format!("进入特别程序：{name}（不计入办理时限）")
                } else {
                    format!("进入特别程序：{name}")
                }
            }
            Event::SpecialProcedureEnded { name, due, .. } => {
                format!("特别程序结束：{name}，办结日期 {due}")
            }
            Event::Extended { days, due, .. } => {
                format!("经批准延长 {days} 个工作日，办结日期 {due}")
            }
            Event::Decided { decision } => {
                if decision.approved {
                    "作出准予决定".into()
                } else {
                    "作出不予许可决定（请查收决定书）".into()
                }
            }
            Event::FeeCollected { amount_fen, .. } => {
                format!("已缴费 {}.{:02} 元", amount_fen / 100, amount_fen % 100)
            }
            Event::Concluded { on, .. } => format!("已办结（{on}）"),
            Event::Delivered { delivery } => match delivery {
                onewindow_domain::case::Delivery::Pickup => "已窗口领取".into(),
                onewindow_domain::case::Delivery::Express { waybill } => {
                    format!("已寄出，快递单号 {waybill}")
                }
                onewindow_domain::case::Delivery::Electronic => "已电子送达".into(),
            },
            Event::Withdrawn { .. } => "申请人撤回申请".into(),
            Event::Returned { .. } => "退件".into(),
        },
        Err(_) => "办理记录".into(),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ProgressQuery {
    /// 办件编号 on the acceptance receipt.
    pub case_no: String,
    /// 查询码 on the acceptance receipt.
    pub query_code: String,
}

#[utoipa::path(get, path = "/progress", tag = "cases", params(ProgressQuery),
    responses((status = 200, body = Progress), (status = 404, body = crate::error::Problem)))]
/// 办件查询 (public): the case number and query code from the receipt show its progress.
pub async fn progress(
    State(state): State<AppState>,
    Query(q): Query<ProgressQuery>,
) -> ApiResult<Json<Progress>> {
    let view = state
        .store
        .case_by_query_code(&q.case_no, &q.query_code)
        .await?;
    Ok(Json(Progress::of(&view)))
}

#[utoipa::path(get, path = "/calendar/days", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<CalendarDay>)))]
/// The administrators' corrections to the official working-day calendar.
pub async fn list_calendar_days(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<CalendarDay>>> {
    gate(&state, &user, CalendarAction::View, None).await?;
    Ok(Json(state.store.calendar_days().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CalendarDayInput {
    /// 6- or 12-digit region code; empty for everywhere.
    #[serde(default)]
    pub region_code: String,
    /// YYYY-MM-DD.
    pub day: String,
    pub workday: bool,
    /// The holiday or the reason.
    pub name: String,
}

#[utoipa::path(put, path = "/calendar/days", tag = "cases", security(("bearer" = [])),
    request_body = CalendarDayInput,
    responses((status = 200, body = CalendarDay), (status = 422, body = crate::error::Problem)))]
/// Marks a day worked or off (nationwide or for a region); new deadlines follow it.
pub async fn set_calendar_day(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<CalendarDayInput>,
) -> ApiResult<Json<CalendarDay>> {
    gate(&state, &user, CalendarAction::Manage, None).await?;
    Ok(Json(
        state
            .store
            .set_calendar_day(
                &input.region_code,
                &input.day,
                input.workday,
                &input.name,
                user.principal.account_id,
            )
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeadlineQuery {
    /// The day of acceptance (YYYY-MM-DD).
    pub from: String,
    pub working_days: u32,
    /// The region whose corrections apply (12 digits), empty for the national calendar.
    #[serde(default)]
    pub region_code: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Deadline {
    pub deadline: String,
}

#[utoipa::path(get, path = "/calendar/deadline", tag = "cases", params(DeadlineQuery),
    responses((status = 200, body = Deadline), (status = 422, body = crate::error::Problem)))]
/// The last day of a limit of N working days counted from the day after `from`.
pub async fn deadline(
    State(state): State<AppState>,
    Query(q): Query<DeadlineQuery>,
) -> ApiResult<Json<Deadline>> {
    let from = NaiveDate::parse_from_str(&q.from, "%Y-%m-%d")
        .map_err(|_| FieldErrors::single("from", "日期格式应为 YYYY-MM-DD"))?;
    let cal = state.store.calendar_for(&q.region_code).await?;
    let d = cal
        .add_working_days(from, q.working_days)
        .map_err(|e| FieldErrors::single("working_days", e.to_string()))?;
    Ok(Json(Deadline {
        deadline: d.to_string(),
    }))
}

#[utoipa::path(get, path = "/notifications", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<onewindow_store::supervision::Notification>)))]
/// The caller's in-app notifications (deadline warnings and overdue alerts), newest first.
pub async fn notifications(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<onewindow_store::supervision::Notification>>> {
    gate(&state, &user, AccountAction::ViewOwn, None).await?;
    Ok(Json(
        state
            .store
            .notifications(user.principal.account_id, 100)
            .await?,
    ))
}

#[utoipa::path(get, path = "/supervision/alerts", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<onewindow_store::supervision::Alert>)))]
/// Deadline warnings (yellow) and overdue alerts (red), newest first (supervisors).
pub async fn supervision_alerts(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<onewindow_store::supervision::Alert>>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    Ok(Json(state.store.alerts(None, 500).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UrgingInput {
    pub case_id: i64,
    /// 催办事由.
    pub reason: String,
    /// Working days to reply, 1–10.
    pub reply_days: u32,
}

#[utoipa::path(get, path = "/supervision/urgings", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<onewindow_store::supervision::Urging>)))]
/// Urging notices, newest first: supervisors see all, other staff their department's.
pub async fn list_urgings(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<onewindow_store::supervision::Urging>>> {
    let p = &user.principal;
    let department = if onewindow_domain::auth::authorize(p, SupervisionAction::View, None).is_ok()
    {
        None
    } else {
        gate(&state, &user, CaseAction::View, p.department_id).await?;
        Some(p.department_id.unwrap_or(-1))
    };
    Ok(Json(state.store.urgings(department, 200).await?))
}

#[utoipa::path(post, path = "/supervision/urgings", tag = "cases", security(("bearer" = [])),
    request_body = UrgingInput,
    responses((status = 201, body = onewindow_store::supervision::Urging), (status = 422, body = crate::error::Problem)))]
/// A supervisor issues an urging notice (催办通知书) for a case.
pub async fn issue_urging(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<UrgingInput>,
) -> ApiResult<(StatusCode, Json<onewindow_store::supervision::Urging>)> {
    gate(&state, &user, SupervisionAction::Act, None).await?;
    let u = state
        .store
        .issue_urging(
            input.case_id,
            user.principal.account_id,
            &input.reason,
            input.reply_days,
            state.clock.today(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(u)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ExplanationInput {
    /// 超期原因及整改措施.
    pub explanation: String,
}

#[utoipa::path(post, path = "/supervision/urgings/{id}/explanation", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ExplanationInput,
    responses((status = 200, body = onewindow_store::supervision::Urging), (status = 403, body = crate::error::Problem)))]
/// The urged unit files its overdue explanation (超期说明).
pub async fn explain_urging(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ExplanationInput>,
) -> ApiResult<Json<onewindow_store::supervision::Urging>> {
    gate(
        &state,
        &user,
        SupervisionAction::Answer,
        user.principal.department_id,
    )
    .await?;
    let actor = state.store.case_actor(&user.principal).await?;
    Ok(Json(
        state
            .store
            .explain_urging(id, &actor, &input.explanation)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UrgingDecisionInput {
    pub accepted: bool,
    /// Required when not accepted.
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/supervision/urgings/{id}/decision", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = UrgingDecisionInput,
    responses((status = 200, body = onewindow_store::supervision::Urging), (status = 422, body = crate::error::Problem)))]
/// A supervisor accepts or rejects the explanation.
pub async fn decide_urging(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<UrgingDecisionInput>,
) -> ApiResult<Json<onewindow_store::supervision::Urging>> {
    gate(&state, &user, SupervisionAction::Act, None).await?;
    Ok(Json(
        state
            .store
            .decide_urging(id, user.principal.account_id, input.accepted, &input.note)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FindingQuery {
    /// Only findings not yet closed.
    #[serde(default)]
    pub open: bool,
}

#[utoipa::path(get, path = "/supervision/findings", tag = "cases", security(("bearer" = [])),
    params(FindingQuery), responses((status = 200, body = Vec<onewindow_store::supervision::Finding>)))]
/// Findings raised by the rule set, newest first, each with the event or alert that proves it.
pub async fn list_findings(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<FindingQuery>,
) -> ApiResult<Json<Vec<onewindow_store::supervision::Finding>>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    Ok(Json(state.store.findings(q.open, 500).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CloseFindingInput {
    /// 处理结果.
    pub disposition: String,
}

#[utoipa::path(post, path = "/supervision/findings/{id}/close", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CloseFindingInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
/// A supervisor closes a finding with its disposition.
pub async fn close_finding(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CloseFindingInput>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, SupervisionAction::Act, None).await?;
    state
        .store
        .close_finding(id, user.principal.account_id, &input.disposition)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/supervision/rules", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<onewindow_store::supervision::FindingRule>)))]
/// The findings rule set with its switches.
pub async fn list_rules(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<onewindow_store::supervision::FindingRule>>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    Ok(Json(state.store.finding_rules().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RuleSwitch {
    pub enabled: bool,
}

#[utoipa::path(put, path = "/supervision/rules/{code}", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = RuleSwitch,
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
/// Switches a rule on or off (centre administrators); findings already raised stay.
pub async fn switch_rule(
    State(state): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<RuleSwitch>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    state.store.set_finding_rule(&code, input.enabled).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// First day (YYYY-MM-DD).
    pub from: String,
    /// Last day (YYYY-MM-DD).
    pub to: String,
}

#[utoipa::path(get, path = "/supervision/indicators", tag = "cases", security(("bearer" = [])),
    params(PeriodQuery), responses((status = 200, body = Vec<onewindow_store::supervision::Indicators>),
        (status = 422, body = crate::error::Problem)))]
/// Efficiency indicators per department for a period (办结率, 按时办结率, 催办率, 延误率 …).
pub async fn indicators(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<Vec<onewindow_store::supervision::Indicators>>> {
    gate(&state, &user, SupervisionAction::View, None).await?;
    let mut errors = FieldErrors::new();
    for (name, value) in [("from", &q.from), ("to", &q.to)] {
        if NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err() {
            errors.add(name, "日期格式应为 YYYY-MM-DD");
        }
    }
    if errors.is_empty() && q.from > q.to {
        errors.add("to", "结束日期不能早于开始日期");
    }
    errors.into_result()?;
    Ok(Json(state.store.indicators(&q.from, &q.to).await?))
}

//! Case endpoints (办件): submit, act with Idempotency-Key and expected versions, read, search,
//! inboxes and the public progress lookup.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use onewindow_domain::auth::CaseAction;
use onewindow_domain::case::{Command, Event};
use onewindow_domain::ids::{CaseId, DepartmentId, ItemId};
use onewindow_domain::org::FieldErrors;
use onewindow_store::case::commands::CommandOutcome;
use onewindow_store::case::queries::{
    CaseFilter, CaseRow, CaseView, InboxFilter, Page, sees_all_cases,
};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::{ApiJson, gate, own_unit_actor};
use crate::auth::ApiUser;
use crate::case::{SubmitInput, act, submit, visible_case};
use crate::error::ApiError;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The case handling endpoints, with their part of the OpenAPI document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit_case, search_cases))
        .routes(routes!(get_case))
        .routes(routes!(run_command))
        .routes(routes!(inbox))
        .routes(routes!(progress))
}

type ApiResult<T> = Result<T, ApiError>;

/// The Idempotency-Key header: 1–128 printable ASCII characters.
pub(crate) fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
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
    Path(id): Path<CaseId>,
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
    Path(id): Path<CaseId>,
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
    pub department_id: Option<DepartmentId>,
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
        state
            .store
            .cases()
            .search_cases(&q.filter(&user.principal))
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct InboxQuery {
    /// 受理, 等待补正, a step's name, 决定, 办结, 送达.
    pub what: Option<String>,
    pub item_id: Option<ItemId>,
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
    let actor = own_unit_actor(&state, &user, CaseAction::View).await?;
    Ok(Json(
        state
            .store
            .cases()
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
    let dept = |i: usize| {
        item.and_then(|it| it.branches.get(i))
            .map_or_else(|| "会办部门".to_owned(), |b| b.label())
    };
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
            Event::SupplementReceived { due, materials, .. } => {
                let got = if materials.is_empty() {
                    String::new()
                } else {
                    format!("：{}", materials.join("、"))
                };
                match due {
                    Some(due) => format!("已收到补正材料{got}，办结日期 {due}"),
                    None => format!("已收到补正材料{got}"),
                }
            }
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
            Event::BranchesSent { .. } => "并联审批：同步分送各会办部门".into(),
            Event::BranchStepCompleted {
                branch, step: i, ..
            } => {
                let steps = item
                    .and_then(|it| it.branches.get(branch))
                    .map_or(&[][..], |b| &b.steps[..]);
                match steps.get(i) {
                    Some(s) if i + 1 == steps.len() => {
                        format!("{}已会签（{}）", dept(branch), s.name)
                    }
                    Some(s) => format!("{}完成{}", dept(branch), s.name),
                    None => format!("{}完成会办环节", dept(branch)),
                }
            }
            Event::BranchReturned { branch, .. } => format!("{}退回牵头部门", dept(branch)),
            Event::BranchResent { branch, .. } => format!("重新分送{}", dept(branch)),
            Event::BranchSupplementAsked { branch, .. } => {
                format!("{}提出补正意见（由牵头部门一次性告知）", dept(branch))
            }
            Event::Reviewed {
                rating, follow_up, ..
            } => format!(
                "申请人{}：{}",
                if follow_up { "追评" } else { "评价" },
                rating.level.label()
            ),
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
    responses((status = 200, body = Progress), (status = 404, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)))]
/// 办件查询 (public): the case number and query code from the receipt show its progress.
pub async fn progress(
    State(state): State<AppState>,
    ctx: crate::auth::RequestCtx,
    Query(q): Query<ProgressQuery>,
) -> ApiResult<Json<Progress>> {
    let view = state
        .store
        .cases()
        .case_by_query_code(&q.case_no, &q.query_code, ctx.remote.as_deref())
        .await?;
    Ok(Json(Progress::of(&view)))
}

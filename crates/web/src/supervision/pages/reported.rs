//! Cases reported by departments' own systems (部门自建系统办件数据汇聚): the list, and one
//! case with every record as received and the findings its records proved (体外循环 and
//! other signals). Supervisors see all departments; a department's staff see their own.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use onewindow_domain::auth::{CaseAction, SupervisionAction};
use onewindow_domain::catalog::{CASE_TYPES, CodeTable, HANDLING_FORMS, SERVICE_TARGETS, label};
use onewindow_domain::exchange::{PROCESS_ACTIONS, RESULT_TYPES};
use onewindow_domain::ids::DepartmentId;
use onewindow_domain::org::FieldErrors;
use serde::Deserialize;

use super::finding_case;
use crate::AppState;
use crate::auth::PageUser;
use crate::kit::{Cell, Section, crumb, page};
use crate::pages::{PageResult, can, gate, local_time};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/supervision/reported", get(list))
        .route("/admin/supervision/reported/{id}", get(one))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    department: Option<DepartmentId>,
}

/// The departments a user may see reports of: None for all.
async fn scope(
    state: &AppState,
    user: &PageUser,
) -> Result<Option<DepartmentId>, crate::error::PageError> {
    let p = &user.principal;
    if can(p, SupervisionAction::View, None) {
        return Ok(None);
    }
    gate(state, user, CaseAction::View, p.department_id).await?;
    Ok(p.department_id)
}

fn code(table: CodeTable, c: Option<&str>) -> String {
    c.map(|c| label(table, c).unwrap_or(c).to_owned())
        .unwrap_or_default()
}

async fn list(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let department = scope(&state, &user).await?.or(q.department);
    let cases = state
        .store
        .supervision()
        .reported_cases(department, 500)
        .await?;
    let departments = state.store.org().list_departments(None).await?;
    let dept_name = |id: DepartmentId| super::short_name(&departments, Some(id));
    let rows = cases
        .iter()
        .map(|c| {
            vec![
                Cell::link(
                    &c.project_no,
                    format!("/admin/supervision/reported/{}", c.id),
                ),
                Cell::text(dept_name(c.department_id)),
                Cell::text(c.task_name.clone().unwrap_or_default()),
                Cell::text(c.applicant.clone().unwrap_or_default()),
                Cell::text(c.accepted_at.clone().unwrap_or_else(|| "无受理记录".into())),
                Cell::text(match (&c.result_at, &c.result_type) {
                    (Some(at), kind) => format!("{} {at}", code(RESULT_TYPES, kind.as_deref())),
                    _ => String::new(),
                }),
                if c.findings > 0 {
                    Cell::tag(format!("{} 项", c.findings), "bad")
                } else {
                    Cell::text("")
                },
            ]
        })
        .collect();
    page(
        &user,
        "部门系统报送办件",
        crumb("电子监察", "/admin/supervision"),
        "各部门自建业务系统按国家政务服务平台办件信息交换格式（受理、过程、结果）实时报送办件，经 POST /api/v1/exchange/cases 汇聚到本平台。监察规则逐条比对：有结果无受理、结果早于受理（体外循环）、不予受理未说明理由、应网办事项在窗口办理。",
        vec![Section::table(
            "",
            vec![
                "办件编号",
                "部门",
                "事项",
                "申请人",
                "受理时间",
                "办结",
                "监察问题",
            ],
            rows,
        )],
        &FieldErrors::new(),
    )
}

/// The fields shown for each kind of record, with their labels and code tables.
fn fields(kind: &str) -> &'static [(&'static str, &'static str, Option<CodeTable>)] {
    match kind {
        "accept" => &[
            ("task_name", "事项名称", None),
            ("task_code", "实施编码", None),
            ("project_type", "办件类型", Some(CASE_TYPES)),
            ("applyer_name", "申请人", None),
            ("applyer_type", "申请人类型", Some(SERVICE_TARGETS)),
            ("apply_date", "申请时间", None),
            ("apply_type", "申请方式", Some(HANDLING_FORMS)),
            ("handle_user_name", "受理人员", None),
            ("accept_date", "受理时间", None),
            ("promise_date", "承诺办结时间", None),
        ],
        "process" => &[
            ("process_name", "环节", None),
            ("event_name", "业务动作", Some(PROCESS_ACTIONS)),
            ("event_start_time", "开始", None),
            ("event_end_time", "结束", None),
            ("handle_user_name", "办理人", None),
            ("handle_explain", "办理意见", None),
        ],
        _ => &[
            ("result_date", "办结时间", None),
            ("result_type", "办结结果", Some(RESULT_TYPES)),
            ("result_explain", "结果描述", None),
            ("result_cetr_name", "结果证照", None),
            ("result_cetr_no", "证照编号", None),
            ("handle_user_name", "办理人", None),
        ],
    }
}

/// A record's fields as (label, value) rows, codes shown by their names.
fn describe(kind: &str, payload: &str) -> Vec<Vec<Cell>> {
    let v: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
    fields(kind)
        .iter()
        .filter_map(|(key, name, table)| {
            let raw = v.get(key)?.as_str()?.trim();
            if raw.is_empty() {
                return None;
            }
            let shown = table.and_then(|t| label(t, raw)).unwrap_or(raw);
            Some(vec![Cell::text(*name), Cell::text(shown)])
        })
        .collect()
}

async fn one(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>) -> PageResult {
    let department = scope(&state, &user).await?;
    let (case, records) = state.store.supervision().reported_case(id).await?;
    if department.is_some_and(|d| d != case.department_id) {
        return Err(crate::error::PageError::Forbidden(
            "只能查看本部门报送的办件".into(),
        ));
    }
    let findings: Vec<_> = state
        .store
        .supervision()
        .findings(false, 2000)
        .await?
        .into_iter()
        .filter(|f| f.report_id == Some(id))
        .collect();
    let kind_label = |k: &str| match k {
        "accept" => "受理信息",
        "process" => "过程信息",
        _ => "结果信息",
    };
    let mut sections: Vec<Section> = records
        .iter()
        .map(|r| {
            Section::table(
                &format!(
                    "{}（接收于 {}，记录标识 {}）",
                    kind_label(&r.kind),
                    local_time(r.received_at),
                    r.row_guid
                ),
                vec!["项目", "内容"],
                describe(&r.kind, &r.payload),
            )
        })
        .collect();
    sections.push(Section::table(
        "监察问题",
        vec!["日期", "规则", "办件编号", "情况", "处理结果"],
        findings
            .iter()
            .map(|f| {
                vec![
                    Cell::text(&f.raised_on),
                    Cell::text(&f.rule_name),
                    finding_case(f),
                    Cell::text(&f.detail),
                    Cell::text(f.disposition.clone().unwrap_or_else(|| "待处理".into())),
                ]
            })
            .collect(),
    ));
    page(
        &user,
        &format!("报送办件 {}", case.project_no),
        crumb("部门系统报送办件", "/admin/supervision/reported"),
        "按接收顺序列出该办件的每一条报送记录，记录一经接收即原样保存，重复报送（同一记录标识）不重复保存。",
        sections,
        &FieldErrors::new(),
    )
}

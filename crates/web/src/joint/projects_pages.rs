//! Investment projects on the workbench: the list with registration, each project's stages
//! (started in order, each a joint case), and the monthly bulletin with the zero reports.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use onewindow_domain::auth::JointAction;
use onewindow_domain::joint::project::{AgentInput, MeetingInput, ProjectInput};
use onewindow_domain::org::FieldErrors;
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::kit::{Cell, Section, crumb, page, redirect, saved};
use crate::pages::{FormBuilder, FormData, PageResult, gate};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/work/projects", get(list).post(register))
        .route("/work/projects/bulletin", get(bulletin))
        .route("/work/projects/{id}", get(show))
        .route("/work/projects/{id}/stages/{stage}/start", post(start))
        .route("/work/projects/{id}/{record}", post(record))
}

async fn list(State(state): State<AppState>, user: PageUser) -> PageResult {
    list_view(&state, &user, &FormData::default(), &FieldErrors::new()).await
}

async fn list_view(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    gate(state, user, JointAction::ViewProjects, None).await?;
    let projects = state.store.joint().projects().await?;
    let rows = projects
        .iter()
        .map(|p| {
            let done = p.stages.iter().filter(|s| s.status == "concluded").count();
            vec![
                Cell::link(&p.code, format!("/work/projects/{}", p.id)),
                Cell::text(&p.name),
                Cell::text(&p.investor),
                Cell::text(format!("{} 万元", p.investment)),
                Cell::text(format!("{done}/{} 个阶段办结", p.stages.len())),
            ]
        })
        .collect();
    let mut sections = vec![
        Section::table(
            "",
            vec![""],
            vec![vec![Cell::link(
                "查看投资项目月通报",
                "/work/projects/bulletin",
            )]],
        ),
        Section::table(
            "投资项目",
            vec!["项目代码", "项目名称", "项目单位", "概算投资", "进度"],
            rows,
        ),
    ];
    if crate::pages::can(&user.principal, JointAction::ManageProjects, None) {
        sections.push(Section::form(
            FormBuilder::new("/work/projects", "登记项目", data, errors)
                .title("登记投资项目")
                .text("code", "投资项目代码", true, "如 2017-530102-47-03-012345")
                .text("name", "项目名称", true, "")
                .text("investor", "项目单位", true, "")
                .text("investor_code", "项目单位统一社会信用代码", true, "")
                .text("location", "建设地点", true, "")
                .text("investment", "概算投资（万元）", true, "最多两位小数")
                .text("industry", "所属行业", false, "如 房地产业")
                .build(),
        ));
    }
    page(
        user,
        "投资项目",
        vec![],
        "投资项目按中心设定的审批阶段逐段办理：每个阶段是一件事的并联审批，上一阶段办结后启动下一阶段。",
        sections,
        errors,
    )
}

async fn register(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    gate(&state, &user, JointAction::ManageProjects, None).await?;
    let data = FormData::parse(&body);
    let input = ProjectInput {
        code: data.text("code"),
        name: data.text("name"),
        investor: data.text("investor"),
        investor_code: data.text("investor_code"),
        location: data.text("location"),
        investment: data.text("investment"),
        industry: data.text("industry"),
    };
    let mut errors = FieldErrors::new();
    let created = saved(
        &mut errors,
        state
            .store
            .joint()
            .create_project(&input, state.clock.today(), user.principal.account_id),
    )
    .await?;
    match created {
        Some(p) => redirect(&format!("/work/projects/{}", p.id), "saved"),
        None => list_view(&state, &user, &data, &errors).await,
    }
}

async fn show(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>) -> PageResult {
    show_view(&state, &user, id, None, &FieldErrors::new()).await
}

/// The project page; a refused agent or meeting form is shown again with what was typed.
async fn show_view(
    state: &AppState,
    user: &PageUser,
    id: i64,
    refused: Option<(&str, &FormData)>,
    errors: &FieldErrors,
) -> PageResult {
    gate(state, user, JointAction::ViewProjects, None).await?;
    let p = state.store.joint().project(id).await?;
    let may_start = crate::pages::can(&user.principal, JointAction::ManageProjects, None);
    let facts = vec![
        vec![Cell::text("项目代码"), Cell::text(&p.code)],
        vec![
            Cell::text("项目单位"),
            Cell::text(format!("{}（{}）", p.investor, p.investor_code)),
        ],
        vec![Cell::text("建设地点"), Cell::text(&p.location)],
        vec![
            Cell::text("概算投资"),
            Cell::text(format!("{} 万元", p.investment)),
        ],
        vec![Cell::text("管理类型"), Cell::text(&p.kind)],
        vec![Cell::text("所属行业"), Cell::text(&p.industry)],
        vec![Cell::text("登记日期"), Cell::text(&p.created_on)],
    ];
    let mut previous_done = true;
    let mut start_form = None;
    let stages = p
        .stages
        .iter()
        .map(|s| {
            let status = match s.status.as_str() {
                "concluded" => Cell::tag(
                    if s.on_time == Some(false) {
                        "已办结（超期）"
                    } else {
                        "已办结"
                    },
                    if s.on_time == Some(false) {
                        "bad"
                    } else {
                        "on"
                    },
                ),
                "running" => Cell::tag("办理中", "warn"),
                _ => Cell::tag("未启动", "off"),
            };
            let action = match (&s.case_id, may_start && previous_done) {
                (Some(case), _) => Cell::link(
                    s.case_no.clone().unwrap_or_else(|| format!("办件 #{case}")),
                    format!("/work/cases/{case}"),
                ),
                (None, true) => {
                    start_form.get_or_insert((s.stage, s.name.clone(), s.bundle_id));
                    Cell::text("可启动（见下方）")
                }
                (None, false) => Cell::text("待上一阶段办结"),
            };
            previous_done = s.status == "concluded";
            vec![
                Cell::text(format!("{}. {}", s.stage, s.name)),
                status,
                Cell::text(s.started_on.clone().unwrap_or_default()),
                Cell::text(s.due.clone().unwrap_or_default()),
                Cell::text(s.concluded_on.clone().unwrap_or_default()),
                action,
            ]
        })
        .collect();
    let mut sections = vec![
        Section::table("项目信息", vec!["", ""], facts),
        Section::table(
            "审批阶段",
            vec!["阶段", "状态", "启动日期", "办结期限", "办结日期", "办件"],
            stages,
        ),
    ];
    // The next stage starts with the materials the investor hands in, from its one set.
    if let Some((stage, name, bundle)) = start_form {
        let materials = match state
            .store
            .joint()
            .case_item(bundle, &p.investor_code)
            .await
        {
            Ok(item) => item
                .materials
                .iter()
                .map(|m| (m.name.clone(), m.name.clone()))
                .collect(),
            // Why it cannot start yet (a prerequisite, an item suspended), instead of the form.
            Err(onewindow_store::StoreError::Invalid(e)) => {
                sections.push(Section::table(
                    &format!("“{name}”暂不能启动"),
                    vec![""],
                    vec![vec![Cell::text(e.summary())]],
                ));
                Vec::new()
            }
            Err(e) => return Err(e.into()),
        };
        if !materials.is_empty() {
            sections.push(Section::form(
                FormBuilder::new(
                    format!("/work/projects/{}/stages/{stage}/start", p.id),
                    "启动本阶段",
                    &FormData::default(),
                    &FieldErrors::new(),
                )
                .title(&format!("启动“{name}”：勾选项目单位提交的材料"))
                .checkboxes("materials", "材料", false, materials)
                .build(),
            ));
        }
    }
    let agent = match &p.agent {
        Some(a) => vec![vec![
            Cell::text(&a.name),
            Cell::text(&a.authorisation),
            Cell::text(&a.valid_until),
        ]],
        None => vec![],
    };
    sections.push(Section::table(
        "代办",
        vec!["代办员", "委托书及代办范围", "委托期限"],
        agent,
    ));
    let meetings = p
        .meetings
        .iter()
        .map(|m| {
            vec![
                Cell::text(&m.held_on),
                Cell::text(&m.topic),
                Cell::text(format!(
                    "邀请：{}；出席：{}",
                    m.invited.join("、"),
                    m.attended.join("、")
                )),
                Cell::text(&m.minutes),
                Cell::text(&m.decisions),
            ]
        })
        .collect();
    sections.push(Section::table(
        "会商",
        vec!["日期", "议题", "部门", "纪要", "会商意见"],
        meetings,
    ));
    if may_start {
        let no_errors = FieldErrors::new();
        let form_of = |name: &str| match refused {
            Some((r, data)) if r == name => (data.clone(), errors),
            _ => (FormData::default(), &no_errors),
        };
        let staff = state
            .store
            .org()
            .list_staff(None, None)
            .await?
            .into_iter()
            .filter(|s| s.active.get())
            .map(|s| (s.id.to_string(), format!("{}（{}）", s.name, s.login)))
            .collect();
        let departments: Vec<(String, String)> = state
            .store
            .org()
            .list_departments(None)
            .await?
            .into_iter()
            .filter(|d| d.active.get())
            .map(|d| (d.id.to_string(), d.name))
            .collect();
        let (data, errs) = form_of("agent");
        sections.push(Section::form(
            FormBuilder::new(
                format!("/work/projects/{}/agent", p.id),
                "指派代办员",
                &data,
                errs,
            )
            .title("指派代办员（凭项目单位授权委托书）")
            .select("staff_id", "代办员", true, Some("请选择"), staff)
            .text("authorisation", "委托书编号及代办范围", true, "")
            .text("valid_until", "委托期限", true, "YYYY-MM-DD")
            .build(),
        ));
        let (data, errs) = form_of("meetings");
        sections.push(Section::form(
            FormBuilder::new(
                format!("/work/projects/{}/meetings", p.id),
                "登记会商",
                &data,
                errs,
            )
            .title("登记会商纪要")
            .text("held_on", "会商日期", true, "YYYY-MM-DD")
            .text("topic", "议题", true, "")
            .checkboxes("invited", "受邀部门", true, departments.clone())
            .checkboxes("attended", "出席部门", false, departments)
            .textarea("minutes", "会议纪要", true)
            .textarea("decisions", "会商意见（决定事项）", true)
            .build(),
        ));
    }
    page(
        user,
        &p.name,
        crumb("投资项目", "/work/projects"),
        "",
        sections,
        errors,
    )
}

/// 代办 and 会商 forms of the project page.
async fn record(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, record)): Path<(i64, String)>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, JointAction::ManageProjects, None).await?;
    let data = FormData::parse(&body);
    let (joint, today, by) = (
        state.store.joint(),
        state.clock.today(),
        user.principal.account_id,
    );
    let ids = |name: &str| -> Vec<onewindow_domain::ids::DepartmentId> {
        data.all(name)
            .iter()
            .filter_map(|v| v.parse().ok())
            .collect()
    };
    let mut errors = FieldErrors::new();
    let done = match record.as_str() {
        "agent" => {
            let input = AgentInput {
                staff_id: data.text("staff_id").parse().unwrap_or_default(),
                authorisation: data.text("authorisation"),
                valid_until: data.text("valid_until"),
            };
            saved(&mut errors, joint.assign_agent(id, &input, today, by)).await?
        }
        "meetings" => {
            let input = MeetingInput {
                held_on: data.text("held_on"),
                topic: data.text("topic"),
                invited: ids("invited"),
                attended: ids("attended"),
                minutes: data.text("minutes"),
                decisions: data.text("decisions"),
            };
            saved(&mut errors, joint.record_meeting(id, &input, today, by)).await?
        }
        _ => return Err(crate::error::PageError::NotFound),
    };
    match done {
        Some(_) => redirect(&format!("/work/projects/{id}"), "saved"),
        None => show_view(&state, &user, id, Some((record.as_str(), &data)), &errors).await,
    }
}

async fn start(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, stage)): Path<(i64, i64)>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, JointAction::ManageProjects, None).await?;
    let materials = FormData::parse(&body).all("materials");
    let actor = state.store.cases().case_actor(&user.principal).await?;
    match state
        .store
        .joint()
        .start_stage(id, stage, &materials, &actor, state.clock.today())
        .await
    {
        Ok(case) => redirect(&format!("/work/cases/{case}"), "saved"),
        Err(onewindow_store::StoreError::Invalid(e)) => {
            Err(crate::error::PageError::BadRequest(e.summary()))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct MonthQuery {
    #[serde(default)]
    month: Option<String>,
}

async fn bulletin(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<MonthQuery>,
) -> PageResult {
    gate(&state, &user, JointAction::ViewProjects, None).await?;
    let month = q
        .month
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| state.clock.today().format("%Y-%m").to_string());
    let b = match state.store.joint().bulletin(&month).await {
        Ok(b) => b,
        Err(onewindow_store::StoreError::Invalid(e)) => {
            return Err(crate::error::PageError::BadRequest(e.summary()));
        }
        Err(e) => return Err(e.into()),
    };
    let summary = vec![vec![
        Cell::text(b.projects.to_string()),
        Cell::text(b.items.to_string()),
        Cell::text(format!("{} 万元", b.investment)),
        Cell::text(b.stages.to_string()),
        Cell::text(if b.stages == 0 {
            "—（本月无办结）".to_owned()
        } else {
            format!("{:.1}%", b.on_time_percent)
        }),
    ]];
    let lines = b
        .lines
        .iter()
        .map(|l| {
            vec![
                Cell::text(&l.code),
                Cell::text(&l.name),
                Cell::text(format!("{} 万元", l.investment)),
                Cell::text(l.concluded.join("、")),
                Cell::text(format!("{} 个工作日", l.days_used)),
                Cell::tag(
                    if l.on_time { "按时" } else { "超期" },
                    if l.on_time { "on" } else { "bad" },
                ),
            ]
        })
        .collect();
    let zero = vec![vec![Cell::text(if b.zero_reports.is_empty() {
        "无".to_owned()
    } else {
        b.zero_reports.join("、")
    })]];
    page(
        &user,
        &format!("投资项目月通报（{}）", b.month),
        crumb("投资项目", "/work/projects"),
        "本月办结的项目审批阶段：项目数、事项数、概算投资、用时和按时办结率；本月没有项目的部门报零。",
        vec![
            Section::table(
                "本月汇总",
                vec!["项目", "事项", "概算投资", "办结阶段", "按时办结率"],
                summary,
            ),
            Section::table(
                "项目明细",
                vec![
                    "项目代码",
                    "项目名称",
                    "概算投资",
                    "办结阶段",
                    "用时",
                    "是否按时",
                ],
                lines,
            ),
            Section::table("零报告部门", vec!["部门"], zero),
        ],
        &FieldErrors::new(),
    )
}

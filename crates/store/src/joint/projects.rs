//! Investment projects (`projects`, `project_stages`, `joint_settings`): registered by their
//! national code, approved along the centre's path of stages; starting a stage files one joint
//! case over the stage's bundle for the investor, once its predecessor is concluded. The
//! monthly bulletin (月通报) counts the stages concluded in a month — projects, items,
//! investment, days used, on time — and names the departments with nothing to report (零报告).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use onewindow_domain::case::{Actor, Applicant, Channel, Command};
use onewindow_domain::ids::{AccountId, BundleId, CaseId, DepartmentId, StaffId};
use onewindow_domain::joint::project::{
    AgentInput, MeetingInput, ProjectInput, StagePlan, check_plan, wan_text,
};
use onewindow_domain::org::FieldErrors;
use serde::Serialize;

use crate::case::commands::CommandRequest;
use crate::error::unique_as;
use crate::{StoreError, StoreResult, now_ms};

/// A stage of a project as its page shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectStage {
    /// 1, 2, … along the centre's path.
    pub stage: i64,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub bundle_id: BundleId,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub case_id: Option<CaseId>,
    pub case_no: Option<String>,
    /// not_started, running or concluded.
    pub status: String,
    pub started_on: Option<String>,
    pub due: Option<String>,
    pub concluded_on: Option<String>,
    pub on_time: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub investor: String,
    pub investor_code: String,
    pub location: String,
    /// 概算投资, 万元 with two decimals.
    pub investment: String,
    pub industry: String,
    /// 审批, 核准 or 备案.
    pub kind: String,
    pub region: String,
    pub created_on: String,
    pub stages: Vec<ProjectStage>,
    /// 代办: the centre's agent acting for the investor, when one is assigned.
    pub agent: Option<ProjectAgent>,
    /// 会商: the consultation meetings held, the latest first.
    pub meetings: Vec<ProjectMeeting>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectAgent {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub staff_id: StaffId,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub account_id: AccountId,
    pub authorisation: String,
    pub valid_until: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectMeeting {
    pub id: i64,
    pub held_on: String,
    pub topic: String,
    /// Department names.
    pub invited: Vec<String>,
    pub attended: Vec<String>,
    pub minutes: String,
    pub decisions: String,
}

#[derive(sqlx::FromRow)]
struct MeetingRow {
    id: i64,
    held_on: String,
    topic: String,
    invited: String,
    attended: String,
    minutes: String,
    decisions: String,
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: i64,
    code: String,
    name: String,
    investor: String,
    investor_code: String,
    location: String,
    investment: i64,
    industry: String,
    kind: String,
    region: String,
    created_on: String,
}

#[derive(sqlx::FromRow)]
struct StageRow {
    stage: i64,
    case_id: CaseId,
    started_on: String,
    case_no: Option<String>,
    case_stage: String,
    due: Option<String>,
    concluded_on: Option<String>,
}

/// One project's line in the bulletin.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulletinLine {
    pub code: String,
    pub name: String,
    pub investment: String,
    /// The stages concluded in the month, by name.
    pub concluded: Vec<String>,
    /// Working days the month's concluded stages took, from acceptance to conclusion.
    pub days_used: i64,
    pub on_time: bool,
}

/// 月通报: the stages concluded in a month.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bulletin {
    /// YYYY-MM
    pub month: String,
    pub projects: i64,
    /// Items handled in the concluded stages.
    pub items: i64,
    /// The projects' 概算投资, 万元.
    pub investment: String,
    pub stages: i64,
    pub on_time: i64,
    /// Per cent of the month's concluded stages concluded on time (100 with none).
    pub on_time_percent: f64,
    pub lines: Vec<BulletinLine>,
    /// Departments with no project stage (leading or joint) started or concluded in the month.
    pub zero_reports: Vec<String>,
}

/// A stage concluded in the bulletin's month, with its project, as the bulletin's query packs
/// it (a JSON array in this order): code, name, investment, stage, items, days used, on time.
#[derive(serde::Deserialize)]
struct BulletinRow(String, String, i64, String, i64, i64, i64);

const PROJECT_COLS: &str =
    "id, code, name, investor, investor_code, location, investment, industry, kind,
    region, created_on";

impl crate::JointStore<'_> {
    /// The centre's path of stages (empty until an administrator sets it).
    pub async fn stage_plan(self) -> StoreResult<Vec<StagePlan>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT value FROM joint_settings WHERE key = 'stages'")
                .fetch_optional(&self.store.pool)
                .await?;
        match row {
            Some((json,)) => {
                serde_json::from_str(&json).map_err(|e| StoreError::Config(e.to_string()))
            }
            None => Ok(Vec::new()),
        }
    }

    /// Sets the path: each stage a named bundle that exists and is open.
    pub async fn set_stage_plan(self, plan: &[StagePlan], by: AccountId) -> StoreResult<()> {
        let mut errors = match check_plan(plan) {
            Ok(()) => FieldErrors::new(),
            Err(e) => e,
        };
        for (i, s) in plan.iter().enumerate() {
            match self.bundle(s.bundle_id).await {
                Ok(b) if b.active => {}
                Ok(_) => errors.add(&format!("stages[{i}].bundle_id"), "该一件事已停办"),
                Err(StoreError::NotFound(_)) => {
                    errors.add(&format!("stages[{i}].bundle_id"), "一件事不存在")
                }
                Err(e) => return Err(e),
            }
        }
        errors.into_result()?;
        let json = serde_json::to_string(plan).map_err(|e| StoreError::Config(e.to_string()))?;
        sqlx::query(
            "INSERT INTO joint_settings (key, value, changed_by, changed_at) VALUES ('stages', $1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                 changed_by = excluded.changed_by, changed_at = excluded.changed_at",
        )
        .bind(json)
        .bind(by)
        .bind(now_ms())
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    /// Registers a project: its code checked part by part, its region known, the code unused.
    pub async fn create_project(
        self,
        input: &ProjectInput,
        today: NaiveDate,
        by: AccountId,
    ) -> StoreResult<Project> {
        use chrono::Datelike;
        let checked = input.check(today.year())?;
        let region: Option<(String,)> = sqlx::query_as("SELECT name FROM regions WHERE code = $1")
            .bind(format!("{}000000", checked.code.region))
            .fetch_optional(&self.store.pool)
            .await?;
        if region.is_none() {
            return Err(FieldErrors::single(
                "code",
                format!("投资项目代码的区划 {} 不在行政区划中", checked.code.region),
            )
            .into());
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO projects (code, name, investor, investor_code, location, investment,
                 industry, kind, region, created_by, created_on, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(input.code.trim())
        .bind(input.name.trim())
        .bind(input.investor.trim())
        .bind(&checked.investor_code)
        .bind(input.location.trim())
        .bind(checked.investment)
        .bind(input.industry.trim())
        .bind(checked.code.kind.key())
        .bind(&checked.code.region)
        .bind(by)
        .bind(today.to_string())
        .bind(now_ms())
        .fetch_one(&self.store.pool)
        .await
        .map_err(unique_as("code", "该投资项目代码已登记"))?;
        self.project(id).await
    }

    pub async fn projects(self) -> StoreResult<Vec<Project>> {
        let rows: Vec<ProjectRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PROJECT_COLS} FROM projects ORDER BY id DESC"
        )))
        .fetch_all(&self.store.pool)
        .await?;
        let plan = self.stage_plan().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.project_view(r, &plan).await?);
        }
        Ok(out)
    }

    pub async fn project(self, id: i64) -> StoreResult<Project> {
        let row: ProjectRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PROJECT_COLS} FROM projects WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("project"))?;
        let plan = self.stage_plan().await?;
        self.project_view(row, &plan).await
    }

    async fn project_view(self, r: ProjectRow, plan: &[StagePlan]) -> StoreResult<Project> {
        let started: Vec<StageRow> = sqlx::query_as(
            "SELECT s.stage, s.case_id, s.started_on, c.case_no, c.stage AS case_stage, c.due,
                    c.concluded_on
             FROM project_stages s JOIN cases c ON c.id = s.case_id
             WHERE s.project_id = $1 ORDER BY s.stage",
        )
        .bind(r.id)
        .fetch_all(&self.store.pool)
        .await?;
        let stages = plan
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let n = i as i64 + 1;
                let s = started.iter().find(|s| s.stage == n);
                let concluded =
                    s.is_some_and(|s| matches!(s.case_stage.as_str(), "concluded" | "delivered"));
                ProjectStage {
                    stage: n,
                    name: p.name.clone(),
                    bundle_id: p.bundle_id,
                    case_id: s.map(|s| s.case_id),
                    case_no: s.and_then(|s| s.case_no.clone()),
                    status: match (s, concluded) {
                        (None, _) => "not_started",
                        (Some(_), false) => "running",
                        (Some(_), true) => "concluded",
                    }
                    .to_owned(),
                    started_on: s.map(|s| s.started_on.clone()),
                    due: s.and_then(|s| s.due.clone()),
                    concluded_on: s.and_then(|s| s.concluded_on.clone()),
                    on_time: s.and_then(|s| match (&s.concluded_on, &s.due) {
                        (Some(c), Some(d)) => Some(c <= d),
                        (Some(_), None) => Some(true),
                        _ => None,
                    }),
                }
            })
            .collect();
        Ok(Project {
            id: r.id,
            code: r.code,
            name: r.name,
            investor: r.investor,
            investor_code: r.investor_code,
            location: r.location,
            investment: wan_text(r.investment),
            industry: r.industry,
            kind: r
                .kind
                .parse::<onewindow_domain::joint::project::ProjectKind>()
                .map(|k| k.label().to_owned())
                .unwrap_or(r.kind),
            region: r.region,
            created_on: r.created_on,
            stages,
            agent: self.agent(r.id).await?,
            meetings: self.meetings(r.id).await?,
        })
    }

    async fn agent(self, project_id: i64) -> StoreResult<Option<ProjectAgent>> {
        Ok(sqlx::query_as(
            "SELECT a.staff_id, s.name, s.account_id, a.authorisation, a.valid_until
             FROM project_agents a JOIN staff s ON s.id = a.staff_id WHERE a.project_id = $1",
        )
        .bind(project_id)
        .fetch_optional(&self.store.pool)
        .await?)
    }

    async fn meetings(self, project_id: i64) -> StoreResult<Vec<ProjectMeeting>> {
        let rows: Vec<MeetingRow> = sqlx::query_as(
            "SELECT id, held_on, topic, invited, attended, minutes, decisions
             FROM project_meetings WHERE project_id = $1 ORDER BY held_on DESC, id DESC",
        )
        .bind(project_id)
        .fetch_all(&self.store.pool)
        .await?;
        if rows.is_empty() {
            // Most projects have no meeting: the project list reads no departments for them.
            return Ok(Vec::new());
        }
        let departments = self.store.org().list_departments(None).await?;
        let names = |json: &str| -> StoreResult<Vec<String>> {
            let ids: Vec<DepartmentId> =
                serde_json::from_str(json).map_err(|e| StoreError::Config(e.to_string()))?;
            Ok(ids
                .iter()
                .map(|id| {
                    departments
                        .iter()
                        .find(|d| d.id == *id)
                        .map_or_else(|| format!("部门 {id}"), |d| d.name.clone())
                })
                .collect())
        };
        rows.into_iter()
            .map(|r| {
                Ok(ProjectMeeting {
                    id: r.id,
                    invited: names(&r.invited)?,
                    attended: names(&r.attended)?,
                    held_on: r.held_on,
                    topic: r.topic,
                    minutes: r.minutes,
                    decisions: r.decisions,
                })
            })
            .collect()
    }

    /// 代办: assigns (or replaces) the project's agent, an active staff member, under the
    /// investor's letter of authorisation.
    pub async fn assign_agent(
        self,
        project_id: i64,
        input: &AgentInput,
        today: NaiveDate,
        by: AccountId,
    ) -> StoreResult<Project> {
        self.project(project_id).await?;
        let until = input.check(today)?;
        let staff = self
            .store
            .org()
            .get_staff(input.staff_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => FieldErrors::single("staff_id", "工作人员不存在").into(),
                other => other,
            })?;
        if !staff.active.get() {
            return Err(FieldErrors::single("staff_id", "该工作人员已停用").into());
        }
        sqlx::query(
            "INSERT INTO project_agents (project_id, staff_id, authorisation, valid_until,
                 assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (project_id) DO UPDATE SET staff_id = excluded.staff_id,
                 authorisation = excluded.authorisation, valid_until = excluded.valid_until,
                 assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
        )
        .bind(project_id)
        .bind(input.staff_id)
        .bind(input.authorisation.trim())
        .bind(until.to_string())
        .bind(by)
        .bind(now_ms())
        .execute(&self.store.pool)
        .await?;
        self.project(project_id).await
    }

    /// 会商: records a consultation meeting held on the project, with the departments invited
    /// and present, its minutes and decisions.
    pub async fn record_meeting(
        self,
        project_id: i64,
        input: &MeetingInput,
        today: NaiveDate,
        by: AccountId,
    ) -> StoreResult<Project> {
        let project = self.project(project_id).await?;
        let held = input.check(today)?;
        if held.to_string() < project.created_on {
            return Err(FieldErrors::single("held_on", "会商日期不能早于项目登记日期").into());
        }
        let departments = self.store.org().list_departments(None).await?;
        if let Some(d) = input
            .invited
            .iter()
            .find(|d| !departments.iter().any(|x| x.id == **d))
        {
            return Err(FieldErrors::single("invited", format!("部门 {d} 不存在")).into());
        }
        let json = |ids: &[DepartmentId]| {
            serde_json::to_string(ids).map_err(|e| StoreError::Config(e.to_string()))
        };
        sqlx::query(
            "INSERT INTO project_meetings (project_id, held_on, topic, invited, attended, minutes,
                 decisions, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(project_id)
        .bind(held.to_string())
        .bind(input.topic.trim())
        .bind(json(&input.invited)?)
        .bind(json(&input.attended)?)
        .bind(input.minutes.trim())
        .bind(input.decisions.trim())
        .bind(by)
        .bind(now_ms())
        .execute(&self.store.pool)
        .await?;
        self.project(project_id).await
    }

    /// Who acts for an investor on this case: the agent of the project whose stage it is, with
    /// the investor and the authorisation, as the case's timeline names them.
    pub async fn agent_of_case(
        self,
        case_id: CaseId,
    ) -> StoreResult<Option<(AccountId, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT s.account_id, p.investor, a.authorisation
             FROM project_stages ps JOIN projects p ON p.id = ps.project_id
             JOIN project_agents a ON a.project_id = p.id JOIN staff s ON s.id = a.staff_id
             WHERE ps.case_id = $1",
        )
        .bind(case_id)
        .fetch_optional(&self.store.pool)
        .await?)
    }

    /// Starts stage `stage` (1-based) of a project: one joint case over the stage's bundle for
    /// the investor, filed at the window by `actor` with the materials handed in. Refused when
    /// the stage was started, or its predecessor is not concluded. Idempotent: starting again
    /// after a failure in between finds the same case.
    pub async fn start_stage(
        self,
        project_id: i64,
        stage: i64,
        materials: &[String],
        actor: &Actor,
        today: NaiveDate,
    ) -> StoreResult<CaseId> {
        let project = self.project(project_id).await?;
        let index = usize::try_from(stage - 1)
            .ok()
            .filter(|i| *i < project.stages.len())
            .ok_or_else(|| FieldErrors::single("stage", "没有这个审批阶段"))?;
        let this = &project.stages[index];
        if this.case_id.is_some() {
            return Err(FieldErrors::single("stage", format!("“{}”已启动", this.name)).into());
        }
        if let Some(before) = index.checked_sub(1).map(|i| &project.stages[i])
            && before.status != "concluded"
        {
            return Err(FieldErrors::single(
                "stage",
                format!("须先办结上一阶段“{}”，才能启动“{}”", before.name, this.name),
            )
            .into());
        }
        let item = self
            .case_item(this.bundle_id, &project.investor_code)
            .await?;
        if let Some(other) = materials
            .iter()
            .find(|m| !item.materials.iter().any(|x| &x.name == *m))
        {
            return Err(
                FieldErrors::single("materials", format!("“{other}”不是本阶段的材料")).into(),
            );
        }
        // What the bulletin counts: the items handled and the departments taking part.
        let items = 1 + item.branches.iter().filter(|b| b.item.is_some()).count() as i64;
        let mut departments: Vec<DepartmentId> = vec![item.department_id];
        for b in &item.branches {
            if !departments.contains(&b.department_id) {
                departments.push(b.department_id);
            }
        }
        let departments =
            serde_json::to_string(&departments).map_err(|e| StoreError::Config(e.to_string()))?;
        let out = self
            .store
            .cases()
            .execute(CommandRequest {
                case_id: None,
                expected_version: None,
                command: Command::Submit {
                    application: None,
                    channel: Channel::Window,
                    materials: materials.to_vec(),
                    item: Box::new(item),
                    applicant: Applicant {
                        kind: "company".into(),
                        name: project.investor.clone(),
                        id_number: project.investor_code.clone(),
                        mobile: String::new(),
                    },
                },
                actor: actor.clone(),
                idempotency_key: Some(format!("project-{project_id}-stage-{stage}")),
                today,
                at: now_ms(),
            })
            .await?;
        sqlx::query(
            "INSERT INTO project_stages (project_id, stage, name, bundle_id, case_id, started_on,
                 items, departments)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (project_id, stage) DO NOTHING",
        )
        .bind(project_id)
        .bind(stage)
        .bind(&this.name)
        .bind(this.bundle_id)
        .bind(out.case_id)
        .bind(today.to_string())
        .bind(items)
        .bind(departments)
        .execute(&self.store.pool)
        .await?;
        Ok(out.case_id)
    }

    /// 月通报 for `month` (YYYY-MM): the stages concluded in it, on `cal`'s working days.
    pub async fn bulletin(self, month: &str) -> StoreResult<Bulletin> {
        let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .map_err(|_| FieldErrors::single("month", "月份格式应为 YYYY-MM"))?;
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(|| FieldErrors::single("month", "月份超出范围"))?;
        let (from, to) = (first.to_string(), next.to_string());
        // The month's concluded stages come back as one value, a JSON array a line: one row to
        // carry across instead of one per stage (10,000 projects in a month read in one piece).
        // Each stage's conclusion is kept on it by the case projection, so no case is read.
        let (all, json_array, as_text) = match self.store.backend {
            crate::Backend::Sqlite => ("group_concat(r, char(10))", "json_array", ""),
            crate::Backend::Postgres => (
                "string_agg(r, E'\\n' ORDER BY pid, stage)",
                "json_build_array",
                "::text",
            ),
        };
        let (packed,): (Option<String>,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {all} FROM (
                SELECT {json_array}(p.code, p.name, p.investment, s.name, s.items, s.days_used,
                        s.on_time){as_text} AS r, p.id AS pid, s.stage
                FROM project_stages s JOIN projects p ON p.id = s.project_id
                WHERE s.concluded_on >= $1 AND s.concluded_on < $2
                ORDER BY p.id, s.stage) t"
        )))
        .bind(&from)
        .bind(&to)
        .fetch_one(&self.store.pool)
        .await?;
        let rows = packed
            .unwrap_or_default()
            .lines()
            .map(serde_json::from_str::<BulletinRow>)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Config(e.to_string()))?;
        // The departments taking part in a stage started or concluded in the month: few
        // distinct lists, however many stages.
        let lists: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT departments FROM project_stages
             WHERE (concluded_on >= $1 AND concluded_on < $2)
                OR (started_on >= $1 AND started_on < $2)",
        )
        .bind(&from)
        .bind(&to)
        .fetch_all(&self.store.pool)
        .await?;
        let mut involved: BTreeSet<DepartmentId> = BTreeSet::new();
        for (list,) in lists {
            let departments: Vec<DepartmentId> =
                serde_json::from_str(&list).map_err(|e| StoreError::Config(e.to_string()))?;
            involved.extend(departments);
        }
        let mut lines: Vec<BulletinLine> = Vec::new();
        let mut by_code: std::collections::HashMap<String, usize> = Default::default();
        let (mut items, mut stages, mut on_time, mut investment) = (0i64, 0i64, 0i64, 0i64);
        for BulletinRow(code, name, money, stage, stage_items, days, in_time) in rows {
            let in_time = in_time != 0;
            stages += 1;
            on_time += i64::from(in_time);
            items += stage_items;
            match by_code.get(&code).map(|i| &mut lines[*i]) {
                Some(l) => {
                    l.concluded.push(stage);
                    l.days_used += days;
                    l.on_time &= in_time;
                }
                None => {
                    investment += money;
                    by_code.insert(code.clone(), lines.len());
                    lines.push(BulletinLine {
                        code,
                        name,
                        investment: wan_text(money),
                        concluded: vec![stage],
                        days_used: days,
                        on_time: in_time,
                    });
                }
            }
        }
        let departments = self.store.org().list_departments(None).await?;
        Ok(Bulletin {
            month: month.to_owned(),
            projects: lines.len() as i64,
            items,
            investment: wan_text(investment),
            stages,
            on_time,
            on_time_percent: if stages == 0 {
                100.0
            } else {
                (on_time as f64 * 1000.0 / stages as f64).round() / 10.0
            },
            lines,
            zero_reports: departments
                .into_iter()
                .filter(|d| d.active.get() && !involved.contains(&d.id))
                .map(|d| d.name)
                .collect(),
        })
    }
}

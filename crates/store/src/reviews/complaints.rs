//! 效能投诉 in the store: filing (the subject resolved to its department, window, staff member or
//! case), assignment with a reply deadline in working days, the department's reply, the
//! supervisor's acceptance or sending back, the complainant told and rating the handling. Each
//! step is checked against the state as stored, written only if it is still that state, and
//! logged.

use chrono::NaiveDate;
use onewindow_domain::ids::{AccountId, CaseId, DepartmentId, StaffId, WindowId};
use onewindow_domain::org::FieldErrors;
use onewindow_domain::reviews::complaints::{
    Complaint, ComplaintInput, ComplaintState, ComplaintStep, DEFAULT_REPLY_DAYS, SubjectKind,
    check_body,
};
use serde::Serialize;

use crate::{ReviewStore, StoreError, StoreResult, now_ms};

/// A complaint as lists and pages show it; `anonymous_to_department` clears the name and
/// mobile of an anonymous complaint for the department's staff.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintView {
    pub id: i64,
    pub channel: String,
    pub subject: String,
    pub subject_ref: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub department_id: Option<DepartmentId>,
    pub department: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub case_id: Option<CaseId>,
    pub case_no: Option<String>,
    pub title: String,
    pub content: String,
    #[sqlx(try_from = "i64")]
    pub anonymous: crate::Flag,
    pub name: String,
    pub mobile: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub account_id: Option<AccountId>,
    /// received, assigned, replied or closed.
    pub state: String,
    pub reply_by: Option<String>,
    pub reply: Option<String>,
    /// satisfied or dissatisfied, once the complainant rated the handling.
    pub rating: Option<String>,
    pub hotline_call: Option<String>,
    pub filed_on: String,
    pub filed_at: i64,
}

impl ComplaintView {
    pub fn anonymous_to_department(mut self) -> ComplaintView {
        if self.anonymous.get() {
            self.name = "匿名".into();
            self.mobile.clear();
        }
        self
    }
    pub fn state_label(&self) -> &'static str {
        self.state
            .parse::<ComplaintState>()
            .map_or("", ComplaintState::label)
    }
}

/// One step of a complaint.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintLogEntry {
    pub step: String,
    pub body: String,
    pub by_name: String,
    pub at: i64,
}

impl ComplaintLogEntry {
    pub fn step_label(&self) -> &'static str {
        match self.step.as_str() {
            "filed" => "受理投诉",
            "assigned" => "分派",
            "replied" => "部门答复",
            "accepted" => "审核通过并告知投诉人",
            "sent_back" => "退回重新答复",
            "rated" => "投诉人评价",
            _ => "",
        }
    }
}

const COLS: &str =
    "c.id, c.channel, c.subject, c.subject_ref, c.department_id, d.name AS department,
    c.case_id, k.case_no, c.title, c.content, c.anonymous, c.name, c.mobile, c.account_id, c.state,
    c.reply_by, c.reply, c.rating, c.hotline_call, c.filed_on, c.filed_at
    FROM complaints c LEFT JOIN departments d ON d.id = c.department_id
    LEFT JOIN cases k ON k.id = c.case_id";

/// Who files a complaint.
pub enum Filer {
    /// An applicant on the web, with their account's name and mobile.
    Account {
        id: AccountId,
        name: String,
        mobile: String,
    },
    /// Staff taking it by phone, in person or from the hotline.
    Staff(AccountId),
}

/// Which complaints a list shows.
#[derive(Debug, Clone, Default)]
pub struct ComplaintFilter {
    pub department: Option<DepartmentId>,
    pub state: Option<String>,
    /// One complainant's own.
    pub account: Option<AccountId>,
    pub limit: i64,
}

impl ReviewStore<'_> {
    /// The department, window, staff member and case a complaint's subject names; a reference
    /// that names nothing is refused on `subject_ref`.
    async fn resolve(
        self,
        c: &Complaint,
    ) -> StoreResult<(
        Option<DepartmentId>,
        Option<WindowId>,
        Option<StaffId>,
        Option<CaseId>,
    )> {
        let id = || c.subject_ref.parse::<i64>().ok();
        let missing = |what: &str| {
            StoreError::Invalid(FieldErrors::single(
                "subject_ref",
                format!("未找到该{what}"),
            ))
        };
        let pool = &self.store.pool;
        Ok(match c.subject {
            SubjectKind::Department => {
                let row: Option<(DepartmentId,)> =
                    sqlx::query_as("SELECT id FROM departments WHERE id = $1")
                        .bind(id().unwrap_or(-1))
                        .fetch_optional(pool)
                        .await?;
                (
                    Some(row.ok_or_else(|| missing("部门"))?.0),
                    None,
                    None,
                    None,
                )
            }
            SubjectKind::Window => {
                let row: Option<(WindowId, Option<DepartmentId>)> =
                    sqlx::query_as("SELECT id, department_id FROM windows WHERE id = $1")
                        .bind(id().unwrap_or(-1))
                        .fetch_optional(pool)
                        .await?;
                let (w, d) = row.ok_or_else(|| missing("窗口"))?;
                (d, Some(w), None, None)
            }
            SubjectKind::Staff => {
                let row: Option<(StaffId, Option<DepartmentId>)> =
                    sqlx::query_as("SELECT id, department_id FROM staff WHERE id = $1")
                        .bind(id().unwrap_or(-1))
                        .fetch_optional(pool)
                        .await?;
                let (s, d) = row.ok_or_else(|| missing("工作人员"))?;
                (d, None, Some(s), None)
            }
            SubjectKind::Case => {
                let row: Option<(CaseId, DepartmentId)> =
                    sqlx::query_as("SELECT id, department_id FROM cases WHERE case_no = $1")
                        .bind(&c.subject_ref)
                        .fetch_optional(pool)
                        .await?;
                let (k, d) = row.ok_or_else(|| missing("办件（请填写办件编号）"))?;
                (Some(d), None, None, Some(k))
            }
        })
    }

    /// Files a complaint; it waits for the centre to assign it.
    pub async fn file_complaint(
        self,
        input: &ComplaintInput,
        filer: Filer,
        today: NaiveDate,
        hotline_call: Option<&str>,
    ) -> StoreResult<ComplaintView> {
        let (by_staff, input) = match &filer {
            Filer::Staff(_) => (true, input.clone()),
            Filer::Account { name, mobile, .. } => (
                false,
                ComplaintInput {
                    name: name.clone(),
                    mobile: mobile.clone(),
                    ..input.clone()
                },
            ),
        };
        let c = input.check(by_staff)?;
        let (department, window, staff, case) = self.resolve(&c).await?;
        let (account, entered_by) = match filer {
            Filer::Account { id, .. } => (Some(id), id),
            Filer::Staff(id) => (None, id),
        };
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO complaints (channel, subject, subject_ref, department_id, window_id, staff_id, case_id,
                                     title, content, anonymous, name, mobile, account_id, entered_by, state,
                                     hotline_call, filed_on, filed_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)
             RETURNING id",
        )
        .bind(c.channel.key())
        .bind(c.subject.key())
        .bind(&c.subject_ref)
        .bind(department)
        .bind(window)
        .bind(staff)
        .bind(case)
        .bind(&c.title)
        .bind(&c.content)
        .bind(i64::from(c.anonymous))
        .bind(&c.name)
        .bind(&c.mobile)
        .bind(account)
        .bind(entered_by)
        .bind(ComplaintState::Received.key())
        .bind(hotline_call)
        .bind(today.to_string())
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(call) = hotline_call {
            super::hotline::link_call(&mut tx, call, Some(id), None).await?;
        }
        let who = match (account, c.anonymous) {
            (None, _) => "工作人员登记",
            (Some(_), true) => "匿名投诉人",
            (Some(_), false) => c.name.as_str(),
        };
        complaint_log(&mut tx, id, "filed", c.channel.label(), entered_by, who, at).await?;
        tx.commit().await?;
        self.complaint(id).await
    }

    pub async fn complaint(self, id: i64) -> StoreResult<ComplaintView> {
        let row: Option<ComplaintView> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} WHERE c.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?;
        row.ok_or(StoreError::NotFound("complaint"))
    }

    pub async fn complaint_log(self, id: i64) -> StoreResult<Vec<ComplaintLogEntry>> {
        Ok(sqlx::query_as(
            "SELECT step, body, by_name, at FROM complaint_log WHERE complaint_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Complaints, newest first.
    pub async fn complaints(self, f: &ComplaintFilter) -> StoreResult<Vec<ComplaintView>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS}
             WHERE ($1 = 0 OR c.department_id = $1) AND ($2 = '' OR c.state = $2)
               AND ($3 = 0 OR c.account_id = $3)
             ORDER BY c.id DESC LIMIT CAST($4 AS BIGINT)"
        )))
        .bind(f.department.map_or(0, |d| d.get()))
        .bind(f.state.clone().unwrap_or_default())
        .bind(f.account.map_or(0, |a| a.get()))
        .bind(f.limit.clamp(1, 500))
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// A step on a complaint by staff: `Assign` (to `department`), `Reply` (by the department
    /// it is with), `Accept` or `SendBack` (by a supervisor, with a note).
    #[allow(clippy::too_many_arguments)]
    pub async fn complaint_step(
        self,
        id: i64,
        step: ComplaintStep,
        department: Option<DepartmentId>,
        text: &str,
        by: (AccountId, &str),
        today: NaiveDate,
    ) -> StoreResult<ComplaintView> {
        let c = self.complaint(id).await?;
        let state: ComplaintState = c.state.parse().map_err(StoreError::Config)?;
        let next = step.after(state)?;
        let (body, log_step, set_department, reply_by) = match step {
            ComplaintStep::Assign => {
                let d = department.ok_or_else(|| {
                    StoreError::Invalid(FieldErrors::single("department_id", "请选择承办部门"))
                })?;
                let name: Option<(String,)> =
                    sqlx::query_as("SELECT name FROM departments WHERE id = $1 AND active = 1")
                        .bind(d)
                        .fetch_optional(&self.store.pool)
                        .await?;
                let name = name
                    .ok_or_else(|| {
                        StoreError::Invalid(FieldErrors::single("department_id", "部门不存在"))
                    })?
                    .0;
                let due = self.reply_due(today).await?;
                (
                    format!("分派至{name}，{due} 前答复"),
                    "assigned",
                    Some(d),
                    Some(due),
                )
            }
            ComplaintStep::Reply => {
                if department.is_some_and(|d| Some(d) != c.department_id) {
                    return Err(StoreError::NotFound("complaint"));
                }
                (
                    check_body("reply", text, "答复内容")?,
                    "replied",
                    None,
                    None,
                )
            }
            ComplaintStep::Accept => (
                check_body("note", text, "审核意见")?,
                "accepted",
                None,
                None,
            ),
            ComplaintStep::SendBack => (
                check_body("note", text, "退回理由")?,
                "sent_back",
                None,
                Some(self.reply_due(today).await?),
            ),
            ComplaintStep::Rate => {
                return Err(FieldErrors::single("step", "投诉处理由投诉人评价").into());
            }
        };
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE complaints SET state = $1, department_id = COALESCE($2, department_id),
                    reply_by = COALESCE($3, reply_by), reply = CASE WHEN $4 = 1 THEN $5 ELSE reply END,
                    updated_at = $6
             WHERE id = $7 AND state = $8",
        )
        .bind(next.key())
        .bind(set_department)
        .bind(reply_by.map(|d| d.to_string()))
        .bind(i64::from(step == ComplaintStep::Reply))
        .bind(&body)
        .bind(at)
        .bind(id)
        .bind(state.key())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(FieldErrors::single("state", "该投诉已被他人处理，请刷新后再试").into());
        }
        complaint_log(&mut tx, id, log_step, &body, by.0, by.1, at).await?;
        if step == ComplaintStep::Accept
            && let Some(account) = c.account_id
        {
            sqlx::query(
                "INSERT INTO notifications (account_id, case_id, title, body, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(account)
            .bind(c.case_id)
            .bind("您的投诉已办结")
            .bind(format!(
                "您反映的“{}”已处理：{}。请在“我的投诉”中对处理情况作出评价。",
                c.title,
                c.reply.clone().unwrap_or_default()
            ))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.complaint(id).await
    }

    /// The complainant rates the handling of their closed complaint, once.
    pub async fn rate_complaint(
        self,
        id: i64,
        account: AccountId,
        satisfied: bool,
        name: &str,
    ) -> StoreResult<ComplaintView> {
        let c = self.complaint(id).await?;
        if c.account_id != Some(account) {
            return Err(StoreError::NotFound("complaint"));
        }
        let state: ComplaintState = c.state.parse().map_err(StoreError::Config)?;
        ComplaintStep::Rate.after(state)?;
        let rating = if satisfied {
            "satisfied"
        } else {
            "dissatisfied"
        };
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE complaints SET rating = $1, updated_at = $2 WHERE id = $3 AND rating IS NULL",
        )
        .bind(rating)
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(FieldErrors::single("rating", "已评价过").into());
        }
        let body = if satisfied { "满意" } else { "不满意" };
        complaint_log(&mut tx, id, "rated", body, account, name, at).await?;
        tx.commit().await?;
        self.complaint(id).await
    }

    async fn reply_due(self, today: NaiveDate) -> StoreResult<NaiveDate> {
        let days: Option<(i64,)> =
            sqlx::query_as("SELECT value FROM review_settings WHERE key = 'complaint_reply_days'")
                .fetch_optional(&self.store.pool)
                .await?;
        let days = days.map_or(DEFAULT_REPLY_DAYS, |d| u32::try_from(d.0).unwrap_or(5));
        self.store
            .calendar()
            .calendar_for("")
            .await?
            .add_working_days(today, days)
            .map_err(|e| StoreError::Config(e.to_string()))
    }
}

/// One step of a complaint, in `tx`.
async fn complaint_log(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    step: &str,
    body: &str,
    by: AccountId,
    name: &str,
    at: i64,
) -> StoreResult<()> {
    super::log_step(
        tx,
        "INSERT INTO complaint_log (complaint_id, step, body, by_account, by_name, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        (id, step, body),
        (by, name, at),
    )
    .await
}

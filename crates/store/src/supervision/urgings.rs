//! Urging notices (催办通知书): issued by the sweeper when a case turns red or by a supervisor by
//! hand, explained by the urged unit, and accepted or rejected by supervision.

use chrono::NaiveDate;
use onewindow_domain::case::{Actor, CaseError};
use onewindow_domain::ids::{AccountId, CaseId, DepartmentId, StaffId};
use onewindow_domain::org::FieldErrors;
use serde::Serialize;

use super::ADD_URGED;
use crate::{StoreError, StoreResult, now_ms};

/// An urging notice (催办通知书) and its answer.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Urging {
    pub id: i64,
    pub case_id: CaseId,
    pub case_no: Option<String>,
    pub item_name: String,
    pub applicant: String,
    pub due: Option<String>,
    pub department_id: DepartmentId,
    /// The staff member addressed, when the case was assigned to one.
    pub addressee_staff: Option<StaffId>,
    /// None when the sweeper issued it.
    pub issued_by: Option<AccountId>,
    pub issued_on: String,
    pub reply_by: String,
    pub reason: String,
    pub explanation: Option<String>,
    pub explained_by: Option<AccountId>,
    pub explained_at: Option<i64>,
    /// accepted or rejected.
    pub decision: Option<String>,
    pub decision_note: Option<String>,
    pub decided_by: Option<AccountId>,
}

const URGING_COLS: &str = "u.id, u.case_id, c.case_no, c.item_name, c.applicant, c.due, u.department_id,
    u.addressee_staff, u.issued_by, u.issued_on, u.reply_by, u.reason, u.explanation, u.explained_by,
    u.explained_at, u.decision, u.decision_note, u.decided_by";

impl crate::SupervisionStore<'_> {
    /// A supervisor urges a case by hand: the reason, and working days to reply (1–10).
    pub async fn issue_urging(
        self,
        case_id: CaseId,
        by: AccountId,
        reason: &str,
        reply_days: u32,
        today: NaiveDate,
    ) -> StoreResult<Urging> {
        let mut errors = FieldErrors::new();
        if reason.trim().is_empty() {
            errors.add("reason", "请填写催办事由");
        }
        if !(1..=10).contains(&reply_days) {
            errors.add("reply_days", "答复期限为 1 至 10 个工作日");
        }
        errors.into_result()?;
        let (department, assignee): (i64, Option<i64>) = sqlx::query_as(
            "SELECT c.department_id, t.assignee FROM cases c
             LEFT JOIN case_tasks t ON t.id = $2
             WHERE c.id = $1",
        )
        .bind(case_id)
        .bind(crate::projections::task_id(case_id, 0)?)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("case"))?;
        let cal = self.store.calendar().calendar_for("").await?;
        let reply_by = cal
            .add_working_days(today, reply_days)
            .map_err(|e| StoreError::Invalid(FieldErrors::single("reply_days", e.to_string())))?;
        let mut tx = self.store.pool.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO urgings (case_id, department_id, addressee_staff, alert_id, issued_by, issued_on,
                                  reply_by, reason, created_at)
             VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(case_id)
        .bind(department)
        .bind(assignee)
        .bind(by)
        .bind(today.to_string())
        .bind(reply_by.to_string())
        .bind(reason.trim())
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO urging_rollups (day, department_id, urged) VALUES ($1, $2, 1) {ADD_URGED}"
        )))
        .bind(today.to_string())
        .bind(department)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.urging(id).await
    }

    pub async fn urging(self, id: i64) -> StoreResult<Urging> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {URGING_COLS} FROM urgings u JOIN cases c ON c.id = u.case_id WHERE u.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("urging"))
    }

    /// Urging notices, newest first, of one department or all.
    pub async fn urgings(
        self,
        department_id: Option<DepartmentId>,
        limit: i64,
    ) -> StoreResult<Vec<Urging>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {URGING_COLS} FROM urgings u JOIN cases c ON c.id = u.case_id
             WHERE ($1 = 0 OR u.department_id = $1) ORDER BY u.id DESC LIMIT CAST($2 AS BIGINT)"
        )))
        .bind(department_id.unwrap_or_default())
        .bind(limit)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// The responsible unit answers with an overdue explanation (超期说明): staff of the urged
    /// department, or the person addressed. A rejected explanation may be filed again.
    pub async fn explain_urging(self, id: i64, who: &Actor, text: &str) -> StoreResult<Urging> {
        let u = self.urging(id).await?;
        let responsible = who.staff_id.is_some()
            && (who.department_id == Some(u.department_id)
                || (u.addressee_staff.is_some() && u.addressee_staff == who.staff_id));
        if !responsible {
            return Err(StoreError::Rejected(CaseError::NotAllowed(
                "只有被催办的部门或经办人可以提交超期说明",
            )));
        }
        if u.decision.as_deref() == Some("accepted") {
            return Err(StoreError::Rejected(CaseError::Rule(
                "超期说明已被采纳，不能再修改".into(),
            )));
        }
        if text.trim().is_empty() {
            return Err(FieldErrors::single("explanation", "请填写超期原因及整改措施").into());
        }
        sqlx::query(
            "UPDATE urgings SET explanation = $1, explained_by = $2, explained_at = $3,
                    decision = NULL, decision_note = NULL, decided_by = NULL, decided_at = NULL
             WHERE id = $4",
        )
        .bind(text.trim())
        .bind(who.account_id)
        .bind(now_ms())
        .bind(id)
        .execute(&self.store.pool)
        .await?;
        self.urging(id).await
    }

    /// A supervisor accepts or rejects the explanation (a rejection needs a note).
    pub async fn decide_urging(
        self,
        id: i64,
        by: AccountId,
        accepted: bool,
        note: &str,
    ) -> StoreResult<Urging> {
        let u = self.urging(id).await?;
        if u.explanation.is_none() {
            return Err(StoreError::Rejected(CaseError::Rule(
                "尚未收到超期说明，不能审核".into(),
            )));
        }
        if u.decision.is_some() {
            return Err(StoreError::Rejected(CaseError::Rule(
                "该超期说明已审核".into(),
            )));
        }
        if !accepted && note.trim().is_empty() {
            return Err(FieldErrors::single("note", "不予采纳须说明理由").into());
        }
        sqlx::query(
            "UPDATE urgings SET decision = $1, decision_note = $2, decided_by = $3, decided_at = $4
             WHERE id = $5 AND decision IS NULL",
        )
        .bind(if accepted { "accepted" } else { "rejected" })
        .bind(note.trim())
        .bind(by)
        .bind(now_ms())
        .bind(id)
        .execute(&self.store.pool)
        .await?;
        self.urging(id).await
    }
}

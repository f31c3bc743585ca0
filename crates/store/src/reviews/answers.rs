//! Bad reviews answered: the department's callback and rectification, the reviewer's word on
//! it, and appeals with the centre's decision. Each step is checked by the domain's rules on
//! the handling as stored, written only if the handling is still as read (two people answering
//! at once: the second is told to reload), and logged; the figures follow in the same
//! transaction.

use chrono::NaiveDate;
use onewindow_domain::ids::{AccountId, DepartmentId};
use onewindow_domain::org::FieldErrors;
use onewindow_domain::reviews::{
    AppealDecision, AppealDecisionInput, AppealInput, Handling, HandlingState, HandlingStep,
};
use serde::Serialize;

use super::{Review, rollup};
use crate::infra::batch::WriteBatch;
use crate::{ReviewStore, StoreError, StoreResult, now_ms};

/// A bad review's answer as lists show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HandlingView {
    /// callback, rectify, confirm, resolved, unresolved or excluded.
    pub state: String,
    pub callback_by: String,
    pub rectify_by: String,
    /// Rectifications the reviewer sent back.
    pub rounds: i64,
}

impl HandlingView {
    pub fn state_label(&self) -> &'static str {
        self.state
            .parse::<HandlingState>()
            .map_or("", HandlingState::label)
    }
}

/// A department's appeal and the centre's decision.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appeal {
    /// mistaken or malicious.
    pub kind: String,
    pub grounds: String,
    pub filed_by: String,
    pub filed_at: i64,
    /// upheld or rejected; none while it waits.
    pub decision: Option<String>,
    pub note: Option<String>,
    pub decided_by: Option<String>,
}

impl Appeal {
    pub fn kind_label(&self) -> &'static str {
        self.kind
            .parse::<onewindow_domain::reviews::AppealKind>()
            .map_or("", |k| k.label())
    }
    pub fn decision_label(&self) -> &'static str {
        match self.decision.as_deref().map(str::parse::<AppealDecision>) {
            Some(Ok(d)) => d.label(),
            _ => "待中心审核",
        }
    }
}

/// One step of a bad review's answer.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    /// callback, rectify, confirm, dissatisfied, appeal, appeal_decision.
    pub step: String,
    pub body: String,
    pub by_name: String,
    pub at: i64,
}

impl LogEntry {
    pub fn step_label(&self) -> &'static str {
        match self.step.as_str() {
            "callback" => "回访",
            "rectify" => "整改",
            "confirm" => "申请人认可整改",
            "dissatisfied" => "申请人仍不满意",
            "appeal" => "部门申诉",
            "appeal_decision" => "中心审核申诉",
            _ => "",
        }
    }
}

/// Who acts on a bad review's answer.
pub enum Answerer {
    /// The department's staff (or centre-wide staff when the department is none).
    Department {
        department: Option<DepartmentId>,
        account: AccountId,
        name: String,
    },
    /// The reviewer: the account the case belongs to.
    Reviewer { account: AccountId, name: String },
}

impl ReviewStore<'_> {
    pub(super) async fn log(self, id: i64) -> StoreResult<Vec<LogEntry>> {
        Ok(sqlx::query_as(
            "SELECT step, body, by_name, at FROM review_handling_log WHERE review_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Records a step of a bad review's answer: the department's callback or rectification,
    /// or the reviewer's confirmation.
    pub async fn answer(
        self,
        id: i64,
        who: Answerer,
        step: &HandlingStep,
        today: NaiveDate,
    ) -> StoreResult<Review> {
        let review = self.get(id).await?;
        let view = review.handling.as_ref().ok_or_else(|| {
            StoreError::Invalid(FieldErrors::single("review", "只有实名差评需要回访和整改"))
        })?;
        let (account, name) = match &who {
            Answerer::Department {
                department,
                account,
                name,
            } => {
                if department.is_some_and(|d| d != review.department_id) {
                    return Err(StoreError::NotFound("review"));
                }
                if matches!(step, HandlingStep::Confirm { .. }) {
                    return Err(FieldErrors::single("step", "整改结果由评价人确认").into());
                }
                (*account, name.clone())
            }
            Answerer::Reviewer { account, name } => {
                if !self.reviewed_by(&review, *account).await? {
                    return Err(StoreError::NotFound("review"));
                }
                if !matches!(step, HandlingStep::Confirm { .. }) {
                    return Err(FieldErrors::single("step", "回访和整改由办理部门登记").into());
                }
                (*account, name.clone())
            }
        };
        let current = Handling {
            state: view
                .state
                .parse()
                .map_err(|e: String| StoreError::Config(e))?,
            callback_by: parse_day(&view.callback_by)?,
            rectify_by: parse_day(&view.rectify_by)?,
            rounds: u32::try_from(view.rounds).unwrap_or(0),
        };
        let policy = self.policy().await?;
        let cal = self.store.calendar().calendar_for("").await?;
        let next = current.after(step, today, &policy, &cal)?;
        let (log_step, body) = match step {
            HandlingStep::Callback { notes } => ("callback", notes.trim()),
            HandlingStep::Rectify { measures } => ("rectify", measures.trim()),
            HandlingStep::Confirm { satisfied, note } => (
                if *satisfied {
                    "confirm"
                } else {
                    "dissatisfied"
                },
                note.trim(),
            ),
        };
        let at = now_ms();
        let first_rectification =
            matches!(step, HandlingStep::Rectify { .. }) && current.rounds == 0;
        let mut tx = self.store.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE review_handling SET state = $1, rectify_by = $2, rounds = $3, updated_at = $4,
                    rectified_at = CASE WHEN $5 = 1 AND rectified_at IS NULL THEN $4 ELSE rectified_at END
             WHERE review_id = $6 AND state = $7 AND rounds = $8",
        )
        .bind(next.state.key())
        .bind(next.rectify_by.to_string())
        .bind(i64::from(next.rounds))
        .bind(at)
        .bind(i64::from(first_rectification))
        .bind(id)
        .bind(current.state.key())
        .bind(i64::from(current.rounds))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(FieldErrors::single("review", "该差评已被他人处理，请刷新后再试").into());
        }
        insert_log(&mut tx, id, log_step, body, account, &name, at).await?;
        if first_rectification && !review.excluded {
            let mut batch = WriteBatch::default();
            rollup(&mut batch, &source_of(&mut tx, id).await?, 0, 1)?;
            batch.run(&mut *tx).await?;
        }
        tx.commit().await?;
        self.get(id).await
    }

    /// Whether `account` gave the review: the case is theirs, as for rating it.
    async fn reviewed_by(self, review: &Review, account: AccountId) -> StoreResult<bool> {
        let Some(case_id) = review.case_id else {
            return Ok(false);
        };
        match self.code_for(account, case_id).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The department's appeal against one of its reviews, within the appeal period, once.
    pub async fn appeal(
        self,
        id: i64,
        department: Option<DepartmentId>,
        input: &AppealInput,
        by: (AccountId, &str),
        today: NaiveDate,
    ) -> StoreResult<Review> {
        let review = self.get(id).await?;
        if department.is_some_and(|d| d != review.department_id) {
            return Err(StoreError::NotFound("review"));
        }
        if review.appeal.is_some() {
            return Err(
                FieldErrors::single("review", "该评价已申诉过，每条评价只能申诉一次").into(),
            );
        }
        let (kind, grounds) = input.check(today, parse_day(&review.appeal_by)?)?;
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO review_appeals (review_id, department_id, kind, grounds, filed_by, filed_name, filed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (review_id) DO NOTHING",
        )
        .bind(id)
        .bind(review.department_id)
        .bind(kind.key())
        .bind(&grounds)
        .bind(by.0)
        .bind(by.1)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(
                FieldErrors::single("review", "该评价已申诉过，每条评价只能申诉一次").into(),
            );
        }
        let body = format!("{}：{grounds}", kind.label());
        insert_log(&mut tx, id, "appeal", &body, by.0, by.1, at).await?;
        tx.commit().await?;
        self.get(id).await
    }

    /// The centre's decision on an appeal. Upheld, the review leaves the figures (and its
    /// answer is no longer due) but stays in the record.
    pub async fn decide_appeal(
        self,
        id: i64,
        input: &AppealDecisionInput,
        by: (AccountId, &str),
    ) -> StoreResult<Review> {
        let (decision, note) = input.check()?;
        let review = self.get(id).await?;
        if review.appeal.is_none() {
            return Err(StoreError::NotFound("appeal"));
        }
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE review_appeals SET decision = $1, note = $2, decided_by = $3, decided_name = $4, decided_at = $5
             WHERE review_id = $6 AND decided_at IS NULL",
        )
        .bind(decision.key())
        .bind(&note)
        .bind(by.0)
        .bind(by.1)
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(FieldErrors::single("review", "该申诉已审核").into());
        }
        if decision == AppealDecision::Upheld {
            let excluded =
                sqlx::query("UPDATE reviews SET excluded = 1 WHERE id = $1 AND excluded = 0")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            if excluded.rows_affected() == 1 {
                let (rectified,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM review_handling WHERE review_id = $1 AND rectified_at IS NOT NULL",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                let mut batch = WriteBatch::default();
                rollup(&mut batch, &source_of(&mut tx, id).await?, -1, -rectified)?;
                batch.run(&mut *tx).await?;
            }
            sqlx::query(
                "UPDATE review_handling SET state = $1, updated_at = $2
                 WHERE review_id = $3 AND state IN ('callback', 'rectify', 'confirm')",
            )
            .bind(HandlingState::Excluded.key())
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        let body = format!("{}：{note}", decision.label());
        insert_log(&mut tx, id, "appeal_decision", &body, by.0, by.1, at).await?;
        tx.commit().await?;
        self.get(id).await
    }
}

/// One step of a bad review's answer, in `tx`.
async fn insert_log(
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
        "INSERT INTO review_handling_log (review_id, step, body, by_account, by_name, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        (id, step, body),
        (by, name, at),
    )
    .await
}

async fn source_of(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: i64) -> StoreResult<String> {
    let (source,): (String,) = sqlx::query_as("SELECT source FROM reviews WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(source)
}

fn parse_day(s: &str) -> StoreResult<NaiveDate> {
    s.parse()
        .map_err(|_| StoreError::Config(format!("stored day {s:?} is not a date")))
}

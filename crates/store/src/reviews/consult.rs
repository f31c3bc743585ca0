//! 咨询 in the store: questions staff answered and recorded, questions asked online and answered
//! by the department within its working days, answers proposed for an item's FAQ and approved
//! by an administrator, and the counts by department and item.

use chrono::NaiveDate;
use onewindow_domain::ids::{AccountId, DepartmentId, ItemId};
use onewindow_domain::org::FieldErrors;
use onewindow_domain::reviews::consult::{
    ConsultationInput, DEFAULT_ANSWER_DAYS, FaqState, check_text,
};
use serde::Serialize;

use crate::{ReviewStore, StoreError, StoreResult, now_ms};

/// A consultation as lists show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consultation {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub item_id: Option<ItemId>,
    pub item: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub department_id: DepartmentId,
    /// window, phone, online or hotline.
    pub channel: String,
    pub question: String,
    pub answer: Option<String>,
    pub asked_name: String,
    /// The last day for the department's answer (online questions).
    pub answer_by: Option<String>,
    pub answered_name: Option<String>,
    /// proposed, approved or declined for the item's FAQ.
    pub faq: Option<String>,
    pub asked_on: String,
}

impl Consultation {
    pub fn channel_label(&self) -> &'static str {
        self.channel
            .parse::<onewindow_domain::reviews::consult::ConsultChannel>()
            .map_or("", |c| c.label())
    }
    pub fn faq_label(&self) -> &'static str {
        match self.faq.as_deref().map(str::parse::<FaqState>) {
            Some(Ok(f)) => f.label(),
            _ => "",
        }
    }
}

/// Counts of consultations per department and item.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsultationCount {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub department_id: DepartmentId,
    pub department: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub item_id: Option<ItemId>,
    pub item: Option<String>,
    pub consultations: i64,
    pub answered: i64,
}

const COLS: &str = "c.id, c.item_id, (SELECT v.name FROM items i JOIN item_versions v ON v.id = i.current_version_id WHERE i.id = c.item_id) AS item,
    c.department_id, c.channel, c.question, c.answer, c.asked_name, c.answer_by, c.answered_name, c.faq, c.asked_on
    FROM consultations c";

/// Which consultations a list shows.
#[derive(Debug, Clone, Default)]
pub struct ConsultationFilter {
    pub department: Option<DepartmentId>,
    /// Only questions still to be answered.
    pub open: bool,
    /// Only answers proposed for an FAQ.
    pub proposed: bool,
    pub asked_by: Option<AccountId>,
    pub limit: i64,
}

impl ReviewStore<'_> {
    /// The department an item belongs to.
    async fn item_department(self, item: ItemId) -> StoreResult<DepartmentId> {
        let row: Option<(DepartmentId,)> =
            sqlx::query_as("SELECT department_id FROM items WHERE id = $1")
                .bind(item)
                .fetch_optional(&self.store.pool)
                .await?;
        row.map(|r| r.0)
            .ok_or_else(|| StoreError::Invalid(FieldErrors::single("item_id", "事项不存在")))
    }

    /// A question and its answer as window staff record them (the item's department, or the
    /// staff member's own when no item is named), optionally from a transferred hotline call.
    pub async fn record_consultation(
        self,
        input: &ConsultationInput,
        staff_department: Option<DepartmentId>,
        by: (AccountId, &str),
        today: NaiveDate,
        hotline_call: Option<&str>,
    ) -> StoreResult<Consultation> {
        let (channel, question, answer) = input.check(true)?;
        let item = input.item_id.map(ItemId);
        let department = match item {
            Some(i) => self.item_department(i).await?,
            None => staff_department.ok_or_else(|| {
                StoreError::Invalid(FieldErrors::single("item_id", "请选择所咨询的事项"))
            })?,
        };
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO consultations (item_id, department_id, channel, question, answer, asked_name,
                                        answered_by, answered_name, answered_at, hotline_call, asked_on, asked_at)
             VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $9, $10, $8) RETURNING id",
        )
        .bind(item)
        .bind(department)
        .bind(channel.key())
        .bind(&question)
        .bind(answer)
        .bind(by.0)
        .bind(by.1)
        .bind(at)
        .bind(hotline_call)
        .bind(today.to_string())
        .fetch_one(&mut *tx)
        .await?;
        if let Some(call) = hotline_call {
            super::hotline::link_call(&mut tx, call, None, Some(id)).await?;
        }
        tx.commit().await?;
        self.consultation(id).await
    }

    /// An applicant's question on an item's guide, for its department to answer by a day.
    pub async fn ask(
        self,
        input: &ConsultationInput,
        by: (AccountId, &str),
        today: NaiveDate,
    ) -> StoreResult<Consultation> {
        let (channel, question, _) = input.check(false)?;
        let item = input.item_id.map(ItemId).ok_or_else(|| {
            StoreError::Invalid(FieldErrors::single("item_id", "请选择所咨询的事项"))
        })?;
        let department = self.item_department(item).await?;
        let (open,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM consultations WHERE asked_by = $1 AND answer IS NULL",
        )
        .bind(by.0)
        .fetch_one(&self.store.pool)
        .await?;
        if open >= 10 {
            return Err(FieldErrors::single(
                "question",
                "您已有 10 个咨询等待答复，请待答复后再提问",
            )
            .into());
        }
        let due = self
            .store
            .calendar()
            .calendar_for("")
            .await?
            .add_working_days(today, DEFAULT_ANSWER_DAYS)
            .map_err(|e| StoreError::Config(e.to_string()))?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO consultations (item_id, department_id, channel, question, asked_by, asked_name,
                                        answer_by, asked_on, asked_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(item)
        .bind(department)
        .bind(channel.key())
        .bind(&question)
        .bind(by.0)
        .bind(by.1)
        .bind(due.to_string())
        .bind(today.to_string())
        .bind(now_ms())
        .fetch_one(&self.store.pool)
        .await?;
        self.consultation(id).await
    }

    pub async fn consultation(self, id: i64) -> StoreResult<Consultation> {
        let row: Option<Consultation> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} WHERE c.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?;
        row.ok_or(StoreError::NotFound("consultation"))
    }

    /// Consultations, newest first.
    pub async fn consultations(self, f: &ConsultationFilter) -> StoreResult<Vec<Consultation>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS}
             WHERE ($1 = 0 OR c.department_id = $1) AND ($2 = 0 OR c.answer IS NULL)
               AND ($3 = 0 OR c.faq = 'proposed') AND ($4 = 0 OR c.asked_by = $4)
             ORDER BY c.id DESC LIMIT CAST($5 AS BIGINT)"
        )))
        .bind(f.department.map_or(0, |d| d.get()))
        .bind(i64::from(f.open))
        .bind(i64::from(f.proposed))
        .bind(f.asked_by.map_or(0, |a| a.get()))
        .bind(f.limit.clamp(1, 500))
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// The department answers an online question, once; the asker is told.
    pub async fn answer_consultation(
        self,
        id: i64,
        department: Option<DepartmentId>,
        answer: &str,
        by: (AccountId, &str),
    ) -> StoreResult<Consultation> {
        let c = self.consultation(id).await?;
        if department.is_some_and(|d| d != c.department_id) {
            return Err(StoreError::NotFound("consultation"));
        }
        let answer = check_text("answer", answer, "答复内容")?;
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE consultations SET answer = $1, answered_by = $2, answered_name = $3, answered_at = $4
             WHERE id = $5 AND answer IS NULL",
        )
        .bind(&answer)
        .bind(by.0)
        .bind(by.1)
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(FieldErrors::single("answer", "该咨询已答复").into());
        }
        sqlx::query(
            "INSERT INTO notifications (account_id, case_id, title, body, created_at)
             SELECT asked_by, NULL, $1, $2, $3 FROM consultations WHERE id = $4 AND asked_by IS NOT NULL",
        )
        .bind("您的咨询已答复")
        .bind(format!("您问：“{}”。答复：{answer}", c.question))
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.consultation(id).await
    }

    /// Proposes an answered question for its item's FAQ (the department), or decides a
    /// proposal (an administrator: `approve`).
    pub async fn set_faq(
        self,
        id: i64,
        department: Option<DepartmentId>,
        state: FaqState,
    ) -> StoreResult<Consultation> {
        let c = self.consultation(id).await?;
        if department.is_some_and(|d| d != c.department_id) {
            return Err(StoreError::NotFound("consultation"));
        }
        let (from, why) = match state {
            FaqState::Proposed if c.answer.is_none() || c.item_id.is_none() => {
                return Err(FieldErrors::single(
                    "faq",
                    "只有已答复、注明事项的咨询可以推荐为常见问题",
                )
                .into());
            }
            FaqState::Proposed => ("", "该咨询已推荐过"),
            FaqState::Approved | FaqState::Declined => ("proposed", "该咨询不在待审核的推荐中"),
        };
        let done = sqlx::query(
            "UPDATE consultations SET faq = $1 WHERE id = $2 AND COALESCE(faq, '') = $3",
        )
        .bind(state.key())
        .bind(id)
        .bind(from)
        .execute(&self.store.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(FieldErrors::single("faq", why).into());
        }
        if state == FaqState::Approved {
            self.store.public_changed();
        }
        self.consultation(id).await
    }

    /// An item's FAQ: approved questions and answers, newest first.
    pub async fn faq(self, item: ItemId) -> StoreResult<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT question, answer FROM consultations
             WHERE item_id = $1 AND faq = 'approved' AND answer IS NOT NULL ORDER BY id DESC LIMIT 50",
        )
        .bind(item)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Consultations per department and item asked in `from..=to`.
    pub async fn consultation_counts(
        self,
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<ConsultationCount>> {
        Ok(sqlx::query_as(
            "SELECT c.department_id, d.name AS department, c.item_id,
                    (SELECT v.name FROM items i JOIN item_versions v ON v.id = i.current_version_id WHERE i.id = c.item_id) AS item,
                    COUNT(*) AS consultations,
                    CAST(SUM(CASE WHEN c.answer IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS answered
             FROM consultations c LEFT JOIN departments d ON d.id = c.department_id
             WHERE c.asked_on >= $1 AND c.asked_on <= $2
             GROUP BY c.department_id, d.name, c.item_id ORDER BY consultations DESC",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.store.pool)
        .await?)
    }
}

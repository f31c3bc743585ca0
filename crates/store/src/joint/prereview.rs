//! Online joint pre-review (网上联合预审): rounds of a draft sent to every department a joint
//! case over it would involve, each department's one answer, and the department's queue. The
//! applicant's application is read through the hall (refused as not found when it is
//! another's); the pre-review tables are written here only.

use chrono::NaiveDate;
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::ids::{AccountId, DepartmentId};
use onewindow_domain::joint::prereview::{
    DEFAULT_DAYS, MAX_ROUNDS, OpinionInput, RoundState, Verdict, departments_of, round_state,
};
use onewindow_domain::org::FieldErrors;
use serde::Serialize;

use crate::{StoreError, StoreResult, now_ms};

/// One department's answer (or its absence).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Opinion {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub department_id: DepartmentId,
    pub department: String,
    /// `ok` (无意见), `correct` (需修改), or none yet.
    pub verdict: Option<String>,
    pub comment: Option<String>,
    pub by_name: Option<String>,
    pub answered_at: Option<i64>,
}

impl Opinion {
    pub fn verdict_label(&self) -> &'static str {
        match self
            .verdict
            .as_deref()
            .and_then(|v| v.parse::<Verdict>().ok())
        {
            Some(v) => v.label(),
            None => "未提出",
        }
    }
}

/// A round of pre-review.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreReview {
    pub id: i64,
    pub application_id: i64,
    pub round: i64,
    /// The application's digest when it was sent.
    pub digest: String,
    pub requested_on: String,
    /// The last working day for the departments' opinions.
    pub due_on: String,
    /// What the application is for (a bundle's or an item's name).
    pub title: String,
    pub applicant: String,
    /// Every department asked, the leading one first. The applicant's view leaves the
    /// verdicts and comments out until the round is over.
    pub opinions: Vec<Opinion>,
}

impl PreReview {
    /// Where the round stands on `today`.
    pub fn state(&self, today: NaiveDate) -> RoundState {
        let due = NaiveDate::parse_from_str(&self.due_on, "%Y-%m-%d").unwrap_or(today);
        let answered = self
            .opinions
            .iter()
            .filter(|o| o.answered_at.is_some())
            .count();
        round_state(due, self.opinions.len(), answered, today)
    }

    pub fn answered(&self) -> usize {
        self.opinions
            .iter()
            .filter(|o| o.answered_at.is_some())
            .count()
    }

    /// The round as its applicant may see it on `today`: which departments answered, and
    /// what they said only once the round is over.
    pub fn for_applicant(mut self, today: NaiveDate) -> PreReview {
        if !self.state(today).shown() {
            for o in &mut self.opinions {
                o.verdict = None;
                o.comment = None;
                o.by_name = None;
            }
        }
        self
    }
}

#[derive(sqlx::FromRow)]
struct RoundRow {
    id: i64,
    application_id: i64,
    round: i64,
    digest: String,
    requested_on: String,
    due_on: String,
    title: String,
    applicant: String,
}

const ROUND: &str = "SELECT p.id, p.application_id, p.round, p.digest, p.requested_on, p.due_on,
        COALESCE(b.name, v.name) AS title, ac.display_name AS applicant
    FROM prereviews p
    JOIN hall_applications a ON a.id = p.application_id
    JOIN item_versions v ON v.item_id = a.item_id AND v.version = a.item_version
    LEFT JOIN bundles b ON b.id = a.bundle_id
    JOIN accounts ac ON ac.id = a.account_id";

/// The working days the departments have (`joint_settings` key `prereview_days`).
const DAYS_KEY: &str = "prereview_days";

impl crate::JointStore<'_> {
    /// The working days departments have to answer a pre-review.
    pub async fn prereview_days(self) -> StoreResult<u32> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT value FROM joint_settings WHERE key = $1")
                .bind(DAYS_KEY)
                .fetch_optional(&self.store.pool)
                .await?;
        Ok(row
            .and_then(|(v,)| v.parse().ok())
            .filter(|d| (1..=20).contains(d))
            .unwrap_or(DEFAULT_DAYS))
    }

    /// Sends the applicant's draft to every department concerned for a new round, due in
    /// the set number of working days. Refused for a submitted application, for one only one
    /// department handles, while a round is still running, and after the last round.
    pub async fn request_prereview(
        self,
        account_id: AccountId,
        application_id: i64,
        today: NaiveDate,
        cal: &WorkCalendar,
    ) -> StoreResult<PreReview> {
        let app = self
            .store
            .hall()
            .application(account_id, application_id)
            .await?;
        if app.case_id.is_some() {
            return Err(
                FieldErrors::single("application", "申请已正式提交，不能再申请预审").into(),
            );
        }
        let applicant = self.store.cases().applicant_of(account_id).await?;
        let item = self
            .store
            .hall()
            .case_item(&app, &applicant.id_number)
            .await?;
        let departments = departments_of(&item)?;
        let rounds = self.prereviews_of(application_id).await?;
        if let Some(last) = rounds.last() {
            if last.state(today) == RoundState::Waiting {
                return Err(FieldErrors::single(
                    "application",
                    format!("上一轮预审尚未结束（各部门于 {} 前提出意见）", last.due_on),
                )
                .into());
            }
            if last.round >= MAX_ROUNDS {
                return Err(FieldErrors::single(
                    "application",
                    format!("每件申请最多预审 {MAX_ROUNDS} 轮，请正式提交"),
                )
                .into());
            }
        }
        let days = self.prereview_days().await?;
        let due = cal
            .add_working_days(today, days)
            .map_err(|e| StoreError::Config(e.to_string()))?;
        let round = rounds.last().map_or(1, |r| r.round + 1);
        let mut tx = self.store.pool.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO prereviews (application_id, round, digest, requested_on, due_on, requested_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(application_id)
        .bind(round)
        .bind(app.digest())
        .bind(today.to_string())
        .bind(due.to_string())
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(crate::error::unique_as(
            "application",
            "预审申请已提交，请勿重复提交",
        ))?;
        for d in departments {
            sqlx::query(
                "INSERT INTO prereview_opinions (prereview_id, department_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(d)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.prereview(id).await
    }

    /// A round, with every department's opinion (for staff; the caller checks who may see it).
    pub async fn prereview(self, id: i64) -> StoreResult<PreReview> {
        let row: RoundRow = sqlx::query_as(sqlx::AssertSqlSafe(format!("{ROUND} WHERE p.id = $1")))
            .bind(id)
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or(StoreError::NotFound("prereview"))?;
        self.with_opinions(row).await
    }

    /// An application's rounds, the first first (the caller checked the application is the
    /// applicant's own).
    pub async fn prereviews_of(self, application_id: i64) -> StoreResult<Vec<PreReview>> {
        let rows: Vec<RoundRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{ROUND} WHERE p.application_id = $1 ORDER BY p.round"
        )))
        .bind(application_id)
        .fetch_all(&self.store.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.with_opinions(r).await?);
        }
        Ok(out)
    }

    async fn with_opinions(self, r: RoundRow) -> StoreResult<PreReview> {
        let opinions: Vec<Opinion> = sqlx::query_as(
            "SELECT o.department_id, d.name AS department, o.verdict, o.comment, o.by_name,
                    o.answered_at
             FROM prereview_opinions o JOIN departments d ON d.id = o.department_id
             WHERE o.prereview_id = $1",
        )
        .bind(r.id)
        .fetch_all(&self.store.pool)
        .await?;
        Ok(PreReview {
            id: r.id,
            application_id: r.application_id,
            round: r.round,
            digest: r.digest,
            requested_on: r.requested_on,
            due_on: r.due_on,
            title: r.title,
            applicant: r.applicant,
            opinions,
        })
    }

    /// The rounds a department is asked in (every department's for None), newest first; with
    /// `open`, only those it has not answered on applications not yet submitted.
    pub async fn prereview_queue(
        self,
        department: Option<DepartmentId>,
        open: bool,
        limit: i64,
    ) -> StoreResult<Vec<PreReview>> {
        let ids: Vec<(i64,)> = sqlx::query_as(
            "SELECT DISTINCT o.prereview_id FROM prereview_opinions o
             JOIN prereviews p ON p.id = o.prereview_id
             JOIN hall_applications a ON a.id = p.application_id
             WHERE (CAST($1 AS BIGINT) IS NULL OR o.department_id = CAST($1 AS BIGINT))
               AND ($2 = 0 OR (o.answered_at IS NULL AND a.case_id IS NULL))
             ORDER BY o.prereview_id DESC LIMIT CAST($3 AS BIGINT)",
        )
        .bind(department)
        .bind(i64::from(open))
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.store.pool)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for (id,) in ids {
            out.push(self.prereview(id).await?);
        }
        Ok(out)
    }

    /// A department's one answer to a round. Refused when the department was not asked, has
    /// answered already, or the application was formally submitted meanwhile.
    pub async fn answer_prereview(
        self,
        id: i64,
        department: DepartmentId,
        input: &OpinionInput,
        by: AccountId,
        by_name: &str,
    ) -> StoreResult<PreReview> {
        input.check()?;
        let round = self.prereview(id).await?;
        let Some(mine) = round
            .opinions
            .iter()
            .find(|o| o.department_id == department)
        else {
            return Err(FieldErrors::single("department", "本部门不在此次预审之列").into());
        };
        if mine.answered_at.is_some() {
            return Err(FieldErrors::single("verdict", "本部门已提出预审意见").into());
        }
        let submitted: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT case_id FROM hall_applications WHERE id = $1")
                .bind(round.application_id)
                .fetch_optional(&self.store.pool)
                .await?;
        if submitted.and_then(|(c,)| c).is_some() {
            return Err(FieldErrors::single("verdict", "申请已正式提交，预审已结束").into());
        }
        let verdict = input.verdict.map(|v| v.key()).unwrap_or_default();
        let done = sqlx::query(
            "UPDATE prereview_opinions SET verdict = $1, comment = $2, by_account = $3, by_name = $4,
                answered_at = $5
             WHERE prereview_id = $6 AND department_id = $7 AND answered_at IS NULL",
        )
        .bind(verdict)
        .bind(input.comment.trim())
        .bind(by)
        .bind(by_name)
        .bind(now_ms())
        .bind(id)
        .bind(department)
        .execute(&self.store.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(FieldErrors::single("verdict", "本部门已提出预审意见").into());
        }
        self.prereview(id).await
    }
}

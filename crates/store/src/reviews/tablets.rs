//! The windows' rating tablets (评价器, 一次一评). A tablet is a kiosk page opened with its
//! window's key (only its SHA-256 is kept); the window's clerk lights it when a service ends,
//! optionally naming the case served; the person at the window rates once, within ten minutes.
//! The review goes into `reviews` with the window, the clerk and (for a case) the applicant.

use chrono::NaiveDate;
use onewindow_domain::ids::{AccountId, CaseId, DepartmentId, StaffId, WindowId};
use onewindow_domain::org::FieldErrors;
use onewindow_domain::reviews::{Grade, Handling, HandlingState, RatingInput, ReviewChannel};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Review, rollup};
use crate::infra::batch::WriteBatch;
use crate::{ReviewStore, StoreError, StoreResult, now_ms};

/// How long a lit tablet waits for its rating.
const VISIT_MS: i64 = 10 * 60 * 1000;

/// What a tablet shows.
#[derive(Debug, Clone, Serialize)]
pub struct Tablet {
    pub window_id: WindowId,
    pub window: String,
    /// The service waiting to be rated, if any.
    pub visit: Option<Visit>,
}

/// A service a clerk lit the tablet for.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Visit {
    pub id: i64,
    pub staff: Option<String>,
    pub item: Option<String>,
}

fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.trim().as_bytes()))
}

impl ReviewStore<'_> {
    /// A new key for a window's tablet (the old one stops working); shown once.
    pub async fn new_tablet_key(self, window_id: WindowId) -> StoreResult<String> {
        self.store.org().get_window(window_id).await?;
        let key = crate::random_hex(16);
        sqlx::query(
            "INSERT INTO review_tablets (window_id, key_hash, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (window_id) DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at",
        )
        .bind(window_id)
        .bind(key_hash(&key))
        .bind(now_ms())
        .execute(&self.store.pool)
        .await?;
        Ok(key)
    }

    /// The windows that have a tablet.
    pub async fn tablet_windows(self) -> StoreResult<Vec<WindowId>> {
        let rows: Vec<(WindowId,)> =
            sqlx::query_as("SELECT window_id FROM review_tablets ORDER BY window_id")
                .fetch_all(&self.store.pool)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The tablet opened with `key`, and the service waiting on it.
    pub async fn tablet(self, key: &str) -> StoreResult<Tablet> {
        let found: Option<(WindowId, String)> = sqlx::query_as(
            "SELECT w.id, w.number || '号窗口 ' || w.name FROM review_tablets t
             JOIN windows w ON w.id = t.window_id WHERE t.key_hash = $1",
        )
        .bind(key_hash(key))
        .fetch_optional(&self.store.pool)
        .await?;
        let (window_id, window) = found.ok_or(StoreError::NotFound("tablet"))?;
        let visit: Option<Visit> = sqlx::query_as(
            "SELECT v.id, s.name AS staff, c.item_name AS item FROM review_visits v
             LEFT JOIN staff s ON s.id = v.staff_id LEFT JOIN cases c ON c.id = v.case_id
             WHERE v.window_id = $1 AND v.rated_at IS NULL AND v.expires_at > $2
             ORDER BY v.id DESC LIMIT 1",
        )
        .bind(window_id)
        .bind(now_ms())
        .fetch_optional(&self.store.pool)
        .await?;
        Ok(Tablet {
            window_id,
            window,
            visit,
        })
    }

    /// The clerk at `window_id` ends a service and asks for its rating: the window's tablet
    /// lights up (an earlier service not rated is passed over). `case_id` names the case
    /// served, whose applicant then stands behind the review.
    pub async fn light(
        self,
        window_id: WindowId,
        by: AccountId,
        staff_id: Option<StaffId>,
        case_id: Option<CaseId>,
    ) -> StoreResult<i64> {
        let window = self.store.org().get_window(window_id).await?;
        let has_tablet: Option<(i64,)> =
            sqlx::query_as("SELECT window_id FROM review_tablets WHERE window_id = $1")
                .bind(window_id)
                .fetch_optional(&self.store.pool)
                .await?;
        if has_tablet.is_none() {
            return Err(FieldErrors::single("window_id", "该窗口尚未配置评价器").into());
        }
        let mut department = window.department_id;
        if let Some(case_id) = case_id {
            let found: Option<(DepartmentId,)> =
                sqlx::query_as("SELECT department_id FROM cases WHERE id = $1")
                    .bind(case_id)
                    .fetch_optional(&self.store.pool)
                    .await?;
            let (d,) = found
                .ok_or_else(|| StoreError::Invalid(FieldErrors::single("case_id", "办件不存在")))?;
            department = Some(d);
        }
        let at = now_ms();
        let mut tx = self.store.pool.begin().await?;
        sqlx::query(
            "UPDATE review_visits SET expires_at = $1 WHERE window_id = $2 AND rated_at IS NULL AND expires_at > $1",
        )
        .bind(at)
        .bind(window_id)
        .execute(&mut *tx)
        .await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO review_visits (window_id, department_id, staff_id, case_id, lit_by, lit_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(window_id)
        .bind(department.map_or(0, |d| d.get()))
        .bind(staff_id)
        .bind(case_id)
        .bind(by)
        .bind(at)
        .bind(at + VISIT_MS)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The clerk `staff_id` lights the tablet of the window they are seated at, for the case
    /// numbered `case_no` when one is given (blank: a service without a case).
    pub async fn light_at_seat(
        self,
        by: AccountId,
        staff_id: Option<StaffId>,
        case_no: &str,
    ) -> StoreResult<i64> {
        let window = match staff_id {
            Some(s) => self.seat_of(s).await?,
            None => None,
        }
        .ok_or_else(|| {
            StoreError::Invalid(FieldErrors::single(
                "window_id",
                "您尚未安排到窗口，不能使用评价器",
            ))
        })?;
        let case_id = match case_no.trim() {
            "" => None,
            no => Some(self.case_by_no(no).await?.ok_or_else(|| {
                StoreError::Invalid(FieldErrors::single("case_no", "未找到该办件编号"))
            })?),
        };
        self.light(window, by, staff_id, case_id).await
    }

    /// The rating given on a tablet for the service waiting on it: once, while it waits.
    pub async fn rate_visit(
        self,
        key: &str,
        visit_id: i64,
        input: &RatingInput,
        today: NaiveDate,
    ) -> StoreResult<Review> {
        let tablet = self.tablet(key).await?;
        let input = RatingInput {
            channel: ReviewChannel::Tablet.key().into(),
            ..input.clone()
        };
        let rating = input.check(&self.reason_texts().await?)?;
        let policy = self.policy().await?;
        let cal = self.store.calendar().calendar_for("").await?;
        let at = now_ms();
        let source = format!("visit:{visit_id}");
        let appeal_by = cal
            .add_working_days(today, policy.appeal_days)
            .map_err(|e| StoreError::Config(e.to_string()))?;
        let mut tx = self.store.pool.begin().await?;
        let taken = sqlx::query(
            "UPDATE review_visits SET rated_at = $1
             WHERE id = $2 AND window_id = $3 AND rated_at IS NULL AND expires_at > $1",
        )
        .bind(at)
        .bind(visit_id)
        .bind(tablet.window_id)
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() == 0 {
            return Err(
                FieldErrors::single("visit", "本次服务已评价或已超时，感谢您的参与").into(),
            );
        }
        sqlx::query(
            "INSERT INTO reviews (source, case_id, department_id, window_id, staff_id, item_id, channel, level,
                                  grade, reasons, comment, follow_up, reviewer_name, reviewer_id_number,
                                  reviewer_mobile, real_name, entered_by, day, at, appeal_by)
             SELECT $1, v.case_id, v.department_id, v.window_id, v.staff_id, c.item_id, $2, $3, $4, $5, $6, 0,
                    COALESCE(c.applicant, ''), COALESCE(c.applicant_id, ''), '',
                    CASE WHEN COALESCE(c.applicant_id, '') <> '' THEN 1 ELSE 0 END, 0, $7, $8, $9
             FROM review_visits v LEFT JOIN cases c ON c.id = v.case_id WHERE v.id = $10",
        )
        .bind(&source)
        .bind(rating.channel.key())
        .bind(i64::from(rating.level.code()))
        .bind(rating.grade().key())
        .bind(serde_json::to_string(&rating.reasons).unwrap_or_else(|_| "[]".into()))
        .bind(&rating.comment)
        .bind(today.to_string())
        .bind(at)
        .bind(appeal_by.to_string())
        .bind(visit_id)
        .execute(&mut *tx)
        .await?;
        let (id, real_name): (i64, i64) =
            sqlx::query_as("SELECT id, real_name FROM reviews WHERE source = $1")
                .bind(&source)
                .fetch_one(&mut *tx)
                .await?;
        if rating.grade() == Grade::Bad && real_name == 1 {
            let h = Handling::open(today, &policy, &cal)
                .map_err(|e| StoreError::Config(e.to_string()))?;
            sqlx::query(
                "INSERT INTO review_handling (review_id, department_id, state, callback_by, rectify_by, updated_at)
                 SELECT id, department_id, $1, $2, $3, $4 FROM reviews WHERE id = $5",
            )
            .bind(HandlingState::Callback.key())
            .bind(h.callback_by.to_string())
            .bind(h.rectify_by.to_string())
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        let mut batch = WriteBatch::default();
        rollup(&mut batch, &source, 1, 0)?;
        batch.run(&mut *tx).await?;
        tx.commit().await?;
        self.get(id).await
    }
}

impl ReviewStore<'_> {
    /// The window a staff member is seated at, if any.
    pub async fn seat_of(self, staff_id: StaffId) -> StoreResult<Option<WindowId>> {
        let row: Option<(WindowId,)> =
            sqlx::query_as("SELECT window_id FROM window_staff WHERE staff_id = $1")
                .bind(staff_id)
                .fetch_optional(&self.store.pool)
                .await?;
        Ok(row.map(|r| r.0))
    }
}

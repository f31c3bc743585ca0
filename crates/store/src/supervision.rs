//! Electronic supervision (电子监察), first part: the sweeper. It reads the indexed timers the
//! case engine keeps in step with every command and raises each threshold once — yellow (预警)
//! from the warning day, red once the last working day has closed — for the case limit, the
//! current step's limit, 容缺 materials and 告知承诺 verification. Paused clocks have no timers,
//! so they do not warn. The alert's unique key (case, timer, level, deadline) makes racing
//! sweepers on one PostgreSQL and a restart mid-sweep harmless: a threshold is inserted once,
//! and its notifications are written in the same transaction by the sweeper that inserted it.

use chrono::NaiveDate;
use rand::Rng;
use serde::Serialize;

use crate::{Store, StoreResult, now_ms};

/// What one sweep raised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub yellow: u64,
    pub red: u64,
    pub notified: u64,
}

/// An alert as supervisors list it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: i64,
    pub case_id: i64,
    pub case_no: Option<String>,
    pub item_name: String,
    /// case, step, deficiency or pledge_verification.
    pub timer_kind: String,
    /// yellow or red.
    pub level: String,
    pub due_on: String,
    pub department_id: i64,
    pub raised_on: String,
}

/// A message in someone's in-app inbox.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: i64,
    pub case_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

const RAISE_RED: &str = "INSERT INTO supervision_alerts
        (case_id, timer_kind, level, due_on, department_id, raised_on, raised_at, sweep_id)
    SELECT t.case_id, t.kind, 'red', t.due_on, t.department_id, $1, $2, $3
    FROM case_timers t WHERE t.due_on < $1
    ON CONFLICT (case_id, timer_kind, level, due_on) DO NOTHING";

const RAISE_YELLOW: &str = "INSERT INTO supervision_alerts
        (case_id, timer_kind, level, due_on, department_id, raised_on, raised_at, sweep_id)
    SELECT t.case_id, t.kind, 'yellow', t.due_on, t.department_id, $1, $2, $3
    FROM case_timers t WHERE t.warn_on <= $1 AND t.due_on >= $1
    ON CONFLICT (case_id, timer_kind, level, due_on) DO NOTHING";

/// Everyone an alert concerns: the assignee (or, unassigned, the staff whose role the open task
/// waits for in its department), the department's chief representatives, and the supervisors.
const NOTIFY: &str = "INSERT INTO notifications (account_id, case_id, alert_id, title, body, created_at)
    SELECT DISTINCT s.account_id, a.case_id, a.id,
        CASE a.level WHEN 'red' THEN '办件超期' ELSE '办件预警' END,
        COALESCE(c.case_no, '') || ' ' || c.item_name || '（' || c.applicant || '）'
            || CASE a.timer_kind WHEN 'step' THEN '当前环节' WHEN 'deficiency' THEN '容缺材料补交'
                                 WHEN 'pledge_verification' THEN '告知承诺核查' ELSE '办理' END
            || CASE a.level WHEN 'red' THEN '已超过期限 ' ELSE '临近期限 ' END || a.due_on,
        $2
    FROM supervision_alerts a
    JOIN cases c ON c.id = a.case_id
    LEFT JOIN case_tasks t ON t.case_id = a.case_id
    JOIN staff s ON s.active = 1 AND (
        s.id = t.assignee
        OR (t.assignee IS NULL AND s.department_id = t.department_id
            AND EXISTS (SELECT 1 FROM staff_roles r WHERE r.staff_id = s.id AND r.role = t.role))
        OR (s.department_id = a.department_id
            AND EXISTS (SELECT 1 FROM staff_roles r WHERE r.staff_id = s.id AND r.role = 'chief_representative'))
        OR EXISTS (SELECT 1 FROM staff_roles r WHERE r.staff_id = s.id AND r.role = 'supervisor'))
    WHERE a.sweep_id = $1";

impl Store {
    /// Raises every threshold crossed by `today` that has not been raised yet, and notifies.
    pub async fn sweep(&self, today: NaiveDate) -> StoreResult<SweepReport> {
        let sweep_id = {
            let mut bytes = [0u8; 12];
            rand::rng().fill(&mut bytes);
            hex::encode(bytes)
        };
        let day = today.to_string();
        let at = now_ms();
        let mut tx = self.pool.begin().await?;
        let red = sqlx::query(RAISE_RED)
            .bind(&day)
            .bind(at)
            .bind(&sweep_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let yellow = sqlx::query(RAISE_YELLOW)
            .bind(&day)
            .bind(at)
            .bind(&sweep_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let notified = if red + yellow > 0 {
            sqlx::query(NOTIFY)
                .bind(&sweep_id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        } else {
            0
        };
        tx.commit().await?;
        Ok(SweepReport {
            yellow,
            red,
            notified,
        })
    }

    /// Alerts, newest first, of one department or all.
    pub async fn alerts(&self, department_id: Option<i64>, limit: i64) -> StoreResult<Vec<Alert>> {
        Ok(sqlx::query_as(
            "SELECT a.id, a.case_id, c.case_no, c.item_name, a.timer_kind, a.level, a.due_on,
                    a.department_id, a.raised_on
             FROM supervision_alerts a JOIN cases c ON c.id = a.case_id
             WHERE ($1 = 0 OR a.department_id = $1)
             ORDER BY a.id DESC LIMIT $2",
        )
        .bind(department_id.unwrap_or(0))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// One person's notifications, newest first.
    pub async fn notifications(
        &self,
        account_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<Notification>> {
        Ok(sqlx::query_as(
            "SELECT id, case_id, title, body, created_at, read_at FROM notifications
             WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(account_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

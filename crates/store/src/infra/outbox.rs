//! The notifier's outbox: in-app notifications handed on to outside channels (SMS, e-mail
//! gateways). Taking new notifications and queueing their deliveries is one transaction; each
//! delivery is then sent under a lease, so a crash mid-send means a retry, not a loss, and two
//! instances never send the same delivery at once. Failures back off (1, 2, 4, 8 minutes) and
//! are abandoned after `MAX_ATTEMPTS`.

use onewindow_domain::ids::{AccountId, CaseId};
use serde::Serialize;

use crate::{Backend, StoreResult};

/// Tries per delivery before it is abandoned.
pub const MAX_ATTEMPTS: i64 = 5;

/// How long a sender holds a delivery before another may try it.
const LEASE_MS: i64 = 60_000;

/// One message to send on one channel.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Outgoing {
    pub notification_id: i64,
    pub channel: String,
    /// The try this is (1 for the first).
    pub attempts: i64,
    pub account_id: AccountId,
    pub login: String,
    pub name: String,
    pub mobile: String,
    pub case_id: Option<CaseId>,
    pub title: String,
    pub body: String,
    pub created_at: i64,
}

/// Delivery counts by status, for the supervision page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OutboxCounts {
    /// Notifications no notifier has taken yet.
    pub waiting: i64,
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    pub abandoned: i64,
}

impl crate::OutboxStore<'_> {
    /// Takes up to `limit` notifications not yet offered to the outside channels and queues one
    /// delivery per channel for those created since `since` (older ones are only marked: an
    /// outage of the notifier does not send stale news later; with no channel, all are only
    /// marked), except on a channel the account opted out of. Returns how many notifications
    /// were taken and deliveries queued.
    pub async fn queue_deliveries(
        self,
        channels: &[&str],
        since: i64,
        now: i64,
        limit: i64,
    ) -> StoreResult<(u64, u64)> {
        let mut tx = self.store.pool.begin().await?;
        let lock = match self.store.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let taken: Vec<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM notifications WHERE dispatched_at IS NULL ORDER BY id LIMIT CAST($1 AS BIGINT){lock}"
        )))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        if taken.is_empty() {
            return Ok((0, 0));
        }
        // Ids read back from the database, so the list is plain integers.
        let ids = taken
            .iter()
            .map(|(id,)| id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let mut queued = 0;
        for channel in channels {
            queued += sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO notification_deliveries
                    (notification_id, channel, status, attempts, next_at, updated_at)
                 SELECT id, $1, 'pending', 0, $2, $2 FROM notifications n
                 WHERE id IN ({ids}) AND created_at >= $3
                   AND NOT EXISTS (SELECT 1 FROM notification_optouts o
                                   WHERE o.account_id = n.account_id AND o.channel = $1)
                 ON CONFLICT DO NOTHING"
            )))
            .bind(*channel)
            .bind(now)
            .bind(since)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE notifications SET dispatched_at = $1 WHERE id IN ({ids})"
        )))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((taken.len() as u64, queued))
    }

    /// Leases up to `limit` deliveries that are due (new, or failed and waiting to retry),
    /// counting the try, and returns them with what to send.
    pub async fn lease_deliveries(self, now: i64, limit: i64) -> StoreResult<Vec<Outgoing>> {
        let lock = match self.store.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let mut tx = self.store.pool.begin().await?;
        let due: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT notification_id, channel FROM notification_deliveries
             WHERE status IN ('pending', 'failed') AND next_at <= $1
             ORDER BY next_at LIMIT CAST($2 AS BIGINT){lock}"
        )))
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(due.len());
        for (id, channel) in due {
            sqlx::query(
                "UPDATE notification_deliveries SET attempts = attempts + 1, next_at = $1, updated_at = $2
                 WHERE notification_id = $3 AND channel = $4",
            )
            .bind(now + LEASE_MS)
            .bind(now)
            .bind(id)
            .bind(&channel)
            .execute(&mut *tx)
            .await?;
            out.push(
                sqlx::query_as(
                    "SELECT d.notification_id, d.channel, d.attempts, n.account_id, a.login,
                            a.display_name AS name, a.mobile, n.case_id, n.title, n.body, n.created_at
                     FROM notification_deliveries d
                     JOIN notifications n ON n.id = d.notification_id
                     JOIN accounts a ON a.id = n.account_id
                     WHERE d.notification_id = $1 AND d.channel = $2",
                )
                .bind(id)
                .bind(&channel)
                .fetch_one(&mut *tx)
                .await?,
            );
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Records how a leased delivery went: sent, or failed with the gateway's error (retried
    /// after a back-off, abandoned after the last try).
    pub async fn delivery_done(
        self,
        d: &Outgoing,
        outcome: Result<(), String>,
        now: i64,
    ) -> StoreResult<()> {
        let (status, error, next_at) = match outcome {
            Ok(()) => ("sent", None, now),
            Err(e) if d.attempts >= MAX_ATTEMPTS => ("abandoned", Some(e), now),
            Err(e) => {
                let backoff = 60_000 * (1_i64 << (d.attempts - 1).clamp(0, 10));
                ("failed", Some(e), now + backoff)
            }
        };
        sqlx::query(
            "UPDATE notification_deliveries SET status = $1, last_error = $2, next_at = $3, updated_at = $4
             WHERE notification_id = $5 AND channel = $6",
        )
        .bind(status)
        .bind(error.map(|e| e.chars().take(500).collect::<String>()))
        .bind(next_at)
        .bind(now)
        .bind(d.notification_id)
        .bind(&d.channel)
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    pub async fn outbox_counts(self) -> StoreResult<OutboxCounts> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM notification_deliveries GROUP BY status")
                .fetch_all(&self.store.pool)
                .await?;
        let get = |s: &str| rows.iter().find(|r| r.0 == s).map_or(0, |r| r.1);
        let (waiting,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE dispatched_at IS NULL")
                .fetch_one(&self.store.pool)
                .await?;
        Ok(OutboxCounts {
            waiting,
            pending: get("pending"),
            sent: get("sent"),
            failed: get("failed"),
            abandoned: get("abandoned"),
        })
    }
}

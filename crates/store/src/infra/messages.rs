//! The message centre (消息中心) of every account: the in-app notifications written to it
//! (deadline warnings, urgings and cards for staff; case news for applicants), read and marked
//! read; and the outside channels (SMS, e-mail) each account wants them on, which the outbox
//! honours.

use onewindow_domain::ids::{AccountId, CaseId};
use serde::Serialize;

use crate::{StoreResult, now_ms};

/// The outside channels an applicant may turn off; in-app messages always stay.
pub const CHANNELS: [(&str, &str); 2] = [("sms", "短信"), ("email", "电子邮件")];

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
/// A message in someone's in-app inbox.
pub struct Message {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub case_id: Option<CaseId>,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

impl crate::OutboxStore<'_> {
    /// The account's messages, newest first: all of them, or those of one case.
    pub async fn messages(
        self,
        account_id: AccountId,
        case_id: Option<CaseId>,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        Ok(sqlx::query_as(
            "SELECT id, case_id, title, body, created_at, read_at FROM notifications
             WHERE account_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR case_id = CAST($2 AS BIGINT))
             ORDER BY id DESC LIMIT CAST($3 AS BIGINT)",
        )
        .bind(account_id)
        .bind(case_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// How many messages the account has not read.
    pub async fn unread(self, account_id: AccountId) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(&self.store.pool)
        .await?;
        Ok(n)
    }

    /// Marks the account's messages read: all of them, or those of one case.
    pub async fn mark_read(
        self,
        account_id: AccountId,
        case_id: Option<CaseId>,
    ) -> StoreResult<u64> {
        let q = match case_id {
            Some(c) => sqlx::query(
                "UPDATE notifications SET read_at = $1
                 WHERE account_id = $2 AND read_at IS NULL AND case_id = $3",
            )
            .bind(now_ms())
            .bind(account_id)
            .bind(c),
            None => sqlx::query(
                "UPDATE notifications SET read_at = $1 WHERE account_id = $2 AND read_at IS NULL",
            )
            .bind(now_ms())
            .bind(account_id),
        };
        Ok(q.execute(&self.store.pool).await?.rows_affected())
    }

    /// The outside channels the account turned off.
    pub async fn optouts(self, account_id: AccountId) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT channel FROM notification_optouts WHERE account_id = $1 ORDER BY channel",
        )
        .bind(account_id)
        .fetch_all(&self.store.pool)
        .await?;
        Ok(rows.into_iter().map(|(c,)| c).collect())
    }

    /// Sets which outside channels the account receives messages on (the others are turned
    /// off); an unknown channel is ignored.
    pub async fn set_channels(self, account_id: AccountId, wanted: &[String]) -> StoreResult<()> {
        let mut tx = self.store.pool.begin().await?;
        sqlx::query("DELETE FROM notification_optouts WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        for (channel, _) in CHANNELS {
            if !wanted.iter().any(|w| w == channel) {
                sqlx::query(
                    "INSERT INTO notification_optouts (account_id, channel) VALUES ($1, $2)",
                )
                .bind(account_id)
                .bind(channel)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

//! Failed attempts at what guessing could break (a password, a progress query code), counted
//! per kind, subject and address in the database, so that limits hold across restarts and across
//! instances. Callers decide what a failure is and what a limit refuses.

use crate::{Store, StoreResult};

/// What is being guessed.
#[derive(Debug, Clone, Copy)]
pub enum AttemptKind {
    Login,
    Progress,
}

impl AttemptKind {
    fn key(self) -> &'static str {
        match self {
            AttemptKind::Login => "login",
            AttemptKind::Progress => "progress",
        }
    }
}

/// Rows older than this are forgotten.
const KEEP_MS: i64 = 24 * 60 * 60 * 1000;

/// The attempts of one kind from one address (`""` when unknown, as from the CLI).
#[derive(Clone, Copy)]
pub struct Attempts<'a> {
    pub(crate) store: &'a Store,
    pub(crate) kind: AttemptKind,
    pub(crate) remote: &'a str,
}

impl Attempts<'_> {
    /// Failures of this kind from this address since `since` (ms), over every subject.
    pub async fn from_address(self, since: i64) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT) FROM failed_attempts
             WHERE kind = $1 AND remote = $2 AND last_at > $3",
        )
        .bind(self.kind.key())
        .bind(self.remote)
        .bind(since)
        .fetch_one(&self.store.pool)
        .await?;
        Ok(n)
    }

    /// Until when this subject is locked for this address, if it is.
    pub async fn locked_until(self, subject: &str, now: i64) -> StoreResult<Option<i64>> {
        let row: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT locked_until FROM failed_attempts
             WHERE kind = $1 AND subject = $2 AND remote = $3",
        )
        .bind(self.kind.key())
        .bind(subject)
        .bind(self.remote)
        .fetch_optional(&self.store.pool)
        .await?;
        Ok(row.and_then(|(u,)| u).filter(|u| *u > now))
    }

    /// One more failure; counted afresh once the last is older than `window` ms. Returns the
    /// count. Rows older than a day are dropped on the way.
    pub async fn fail(self, subject: &str, now: i64, window: i64) -> StoreResult<i64> {
        sqlx::query("DELETE FROM failed_attempts WHERE last_at < $1")
            .bind(now - KEEP_MS)
            .execute(&self.store.pool)
            .await?;
        let (n,): (i64,) = sqlx::query_as(
            "INSERT INTO failed_attempts (kind, subject, remote, failures, locked_until, last_at)
             VALUES ($1, $2, $3, 1, NULL, $4)
             ON CONFLICT (kind, subject, remote) DO UPDATE SET
                 failures = CASE WHEN failed_attempts.last_at > $5
                                 THEN failed_attempts.failures + 1 ELSE 1 END,
                 last_at = $4
             RETURNING failures",
        )
        .bind(self.kind.key())
        .bind(subject)
        .bind(self.remote)
        .bind(now)
        .bind(now - window)
        .fetch_one(&self.store.pool)
        .await?;
        Ok(n)
    }

    /// Locks the subject for this address until `until`, its count starting again.
    pub async fn lock(self, subject: &str, until: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE failed_attempts SET failures = 0, locked_until = $1
             WHERE kind = $2 AND subject = $3 AND remote = $4",
        )
        .bind(until)
        .bind(self.kind.key())
        .bind(subject)
        .bind(self.remote)
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    /// Forgets the subject's failures from this address (after a success).
    pub async fn clear(self, subject: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM failed_attempts WHERE kind = $1 AND subject = $2 AND remote = $3")
            .bind(self.kind.key())
            .bind(subject)
            .bind(self.remote)
            .execute(&self.store.pool)
            .await?;
        Ok(())
    }
}

impl Store {
    /// The failed attempts of this kind from this address.
    pub fn attempts<'a>(&'a self, kind: AttemptKind, remote: Option<&'a str>) -> Attempts<'a> {
        Attempts {
            store: self,
            kind,
            remote: remote.unwrap_or(""),
        }
    }
}

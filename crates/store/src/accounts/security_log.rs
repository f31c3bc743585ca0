//! The security log: logins, lockouts, denials, token and password changes. It is kept as the
//! case events are: each entry chained to the one before by SHA-256 and carrying the writer's
//! MAC, and placed in the one log tree when the next checkpoint is signed. Someone who can write
//! the database but not read the event key cannot forge, alter or remove an entry unseen; below
//! a signed checkpoint not even with the key.

use onewindow_domain::ids::AccountId;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::case::checkpoints::EventKey;
use crate::case::log::{AuditProblem, GENESIS};
use crate::{StoreError, StoreResult, now_ms};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityEvent {
    pub id: i64,
    pub at: i64,
    /// login_ok, login_failed, lockout, login_blocked, logout, denied, csrf_rejected,
    /// token_rejected, token_created, token_revoked, password_changed, account_disabled.
    pub kind: String,
    pub account_id: Option<AccountId>,
    pub login: Option<String>,
    pub remote: Option<String>,
    pub detail: String,
}

/// An entry as the chain holds it.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Entry {
    seq: i64,
    at: i64,
    kind: String,
    account_id: Option<AccountId>,
    login: Option<String>,
    remote: Option<String>,
    detail: String,
    prev_hash: String,
    hash: String,
    mac: Option<String>,
}

const ENTRY_COLUMNS: &str =
    "seq, at, kind, account_id, login, remote, detail, prev_hash, hash, mac";

/// SHA-256 over a domain tag, the previous hash and every field, each length-prefixed (an absent
/// field with a length no text has), so that no two entries, and no entry and case event, hash
/// the same bytes.
fn entry_hash(prev: &str, seq: i64, e: &SecurityEvent) -> String {
    let mut h = Sha256::new();
    let mut part = |p: Option<&str>| match p {
        Some(p) => {
            h.update((p.len() as u64).to_be_bytes());
            h.update(p.as_bytes());
        }
        None => h.update(u64::MAX.to_be_bytes()),
    };
    let account = e.account_id.map(|a| a.to_string());
    for p in [
        Some("onewindow-security-event"),
        Some(prev),
        Some(&seq.to_string()),
        Some(&e.at.to_string()),
        Some(&e.kind),
        account.as_deref(),
        e.login.as_deref(),
        e.remote.as_deref(),
        Some(&e.detail),
    ] {
        part(p);
    }
    hex::encode(h.finalize())
}

impl Entry {
    fn event(&self) -> SecurityEvent {
        SecurityEvent {
            id: 0,
            at: self.at,
            kind: self.kind.clone(),
            account_id: self.account_id,
            login: self.login.clone(),
            remote: self.remote.clone(),
            detail: self.detail.clone(),
        }
    }
}

impl crate::AccountStore<'_> {
    /// Appends an entry at the head of the chain (with the writer's MAC when the store has its
    /// key). Writers in this process take turns; one in another process that took the same
    /// place first makes this one try the next.
    pub async fn record_security_event(
        self,
        kind: &str,
        account_id: Option<AccountId>,
        login: Option<&str>,
        remote: Option<&str>,
        detail: &str,
    ) -> StoreResult<()> {
        let event = SecurityEvent {
            id: 0,
            at: now_ms(),
            kind: kind.to_owned(),
            account_id,
            login: login.map(str::to_owned),
            remote: remote.map(str::to_owned),
            detail: detail.to_owned(),
        };
        let _turn = self.store.security_writer.lock().await;
        for attempt in 1..=20u64 {
            match self.append(&event).await {
                Err(e) if e.lost_race() => {
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                }
                done => return done,
            }
        }
        Err(StoreError::Busy)
    }

    async fn append(self, event: &SecurityEvent) -> StoreResult<()> {
        let head: Option<(i64, String)> = sqlx::query_as(
            "SELECT seq, hash FROM security_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1",
        )
        .fetch_optional(&self.store.pool)
        .await?;
        let (seq, prev) = head.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
        let hash = entry_hash(&prev, seq, event);
        let mac = self.store.event_key().map(|k| k.mac(&hash));
        sqlx::query(
            "INSERT INTO security_events
                 (at, kind, account_id, login, remote, detail, seq, prev_hash, hash, mac)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(event.at)
        .bind(&event.kind)
        .bind(event.account_id)
        .bind(&event.login)
        .bind(&event.remote)
        .bind(&event.detail)
        .bind(seq)
        .bind(&prev)
        .bind(&hash)
        .bind(mac)
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    /// Newest first; `before` is the id of the last row of the previous page.
    pub async fn list_security_events(
        self,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<SecurityEvent>> {
        Ok(sqlx::query_as(
            "SELECT id, at, kind, account_id, login, remote, detail FROM security_events
             WHERE ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT CAST($2 AS BIGINT)",
        )
        .bind(before)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Run when the store gets its event key. Entries written before the log was chained are
    /// chained once, in the order written, and only while the chain is empty (afterwards an
    /// unchained entry was inserted behind the writer's back, and verification names it). A key
    /// made by this start authenticates the entries written without one, once, and only over a
    /// chain that verifies.
    pub(crate) async fn seal_security_log(self, key: &EventKey) -> StoreResult<()> {
        let (chained,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM security_events WHERE seq IS NOT NULL")
                .fetch_one(&self.store.pool)
                .await?;
        if chained == 0 {
            self.chain_unchained(key).await?;
        }
        if !key.fresh {
            return Ok(());
        }
        if let Some(p) = self.verify_security_log().await?.first() {
            return Err(StoreError::Config(format!(
                "安全日志校验未通过（{p}），不为既有记录签发认证码"
            )));
        }
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, hash FROM security_events WHERE mac IS NULL")
                .fetch_all(&self.store.pool)
                .await?;
        let mut tx = self.store.pool.begin().await?;
        for (id, hash) in &rows {
            sqlx::query("UPDATE security_events SET mac = $1 WHERE id = $2")
                .bind(key.mac(hash))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn chain_unchained(self, key: &EventKey) -> StoreResult<()> {
        let rows: Vec<SecurityEvent> = sqlx::query_as(
            "SELECT id, at, kind, account_id, login, remote, detail FROM security_events
             WHERE seq IS NULL ORDER BY id",
        )
        .fetch_all(&self.store.pool)
        .await?;
        let mut tx = self.store.pool.begin().await?;
        let mut prev = GENESIS.to_owned();
        for (n, row) in rows.iter().enumerate() {
            let seq = n as i64 + 1;
            let hash = entry_hash(&prev, seq, row);
            sqlx::query(
                "UPDATE security_events SET seq = $1, prev_hash = $2, hash = $3, mac = $4
                 WHERE id = $5",
            )
            .bind(seq)
            .bind(&prev)
            .bind(&hash)
            .bind(key.mac(&hash))
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
            prev = hash;
        }
        tx.commit().await?;
        if !rows.is_empty() {
            tracing::warn!(
                entries = rows.len(),
                "chained the security log written before"
            );
        }
        Ok(())
    }

    /// Recomputes the chain: places 1, 2, 3 … without a gap, each entry's hash over its fields
    /// and the previous hash, the writer's MAC when the store has its key, and no entry outside
    /// the chain. Returns the first break (a chain cannot be read on past one) and every entry
    /// inserted outside it.
    pub async fn verify_security_log(self) -> StoreResult<Vec<AuditProblem>> {
        self.verify_security_entries(1, GENESIS.to_owned()).await
    }

    /// `verify_security_log` from the last entry the signed tree holds on: what the checkpointer
    /// checks before it signs (the tree covers everything before).
    pub(crate) async fn verify_unplaced_security_entries(self) -> StoreResult<Vec<AuditProblem>> {
        let anchor: Option<(i64, String)> = sqlx::query_as(
            "SELECT seq, hash FROM security_events WHERE log_index IS NOT NULL
             ORDER BY log_index DESC LIMIT 1",
        )
        .fetch_optional(&self.store.pool)
        .await?;
        match anchor {
            Some((seq, hash)) => self.verify_security_entries(seq + 1, hash).await,
            None => self.verify_security_log().await,
        }
    }

    /// Checks the chain from place `first`, whose previous hash must be `prev`.
    async fn verify_security_entries(
        self,
        first: i64,
        mut prev: String,
    ) -> StoreResult<Vec<AuditProblem>> {
        let rows: Vec<Entry> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM security_events WHERE seq >= $1 ORDER BY seq"
        )))
        .bind(first)
        .fetch_all(&self.store.pool)
        .await?;
        let key = self.store.event_key();
        let mut problems = Vec::new();
        for (n, e) in rows.iter().enumerate() {
            let expected = first + n as i64;
            let problem = if e.seq != expected {
                Some(format!(
                    "序号不连续（应为 {expected}）：有记录被删除、插入或重排"
                ))
            } else if e.prev_hash != prev {
                Some("前一记录哈希不符：记录被插入或重排".to_owned())
            } else if entry_hash(&prev, e.seq, &e.event()) != e.hash {
                Some("记录内容与哈希不符：记录被修改".to_owned())
            } else if key.is_some_and(|k| !e.mac.as_ref().is_some_and(|m| k.verifies(&e.hash, m))) {
                Some("记录没有写入者的有效认证码：记录在数据库中被伪造或改写".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                problems.push(AuditProblem::security(e.seq, problem));
                break;
            }
            prev = e.hash.clone();
        }
        let outside: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM security_events WHERE seq IS NULL ORDER BY id")
                .fetch_all(&self.store.pool)
                .await?;
        problems.extend(outside.iter().map(|(id,)| {
            AuditProblem::security(0, format!("记录 {id} 不在链中：在数据库中被插入"))
        }));
        Ok(problems)
    }
}

//! Accounts and how they prove who they are: argon2id passwords with lockout, cookie sessions
//! with their CSRF token, hashed API tokens, applicant self-registration, and the security log
//! of every login, logout, lockout and denied action.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use onewindow_domain::auth::{Principal, TokenScope};
use onewindow_domain::ids::{AccountId, DepartmentId, StaffId};
use onewindow_domain::ids::{CreditCode, ResidentId};
use onewindow_domain::org::{
    AccountKind, FieldErrors, Role, required_text, validate_mobile, validate_password,
};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod security_log;

pub use security_log::SecurityEvent;

use crate::attempts::AttemptKind;
use crate::error::unique_as;
use crate::{Flag, StoreError, StoreResult, now_ms};

/// Failed logins from one address before that login locks there, and for how long.
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// Failed logins from one address, across all logins, within `LOCKOUT_MS` before it is refused.
pub const MAX_ADDRESS_FAILURES: i64 = 30;
/// A login is never longer than this (the account rules allow 32); longer input is cut.
const MAX_LOGIN_CHARS: usize = 64;
/// How long a login session lasts at most.
pub const SESSION_MS: i64 = 12 * 60 * 60 * 1000;
/// A session ends after this long without a request.
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;
/// How stale a session's last-seen time may grow before a request writes it again.
const SEEN_EVERY_MS: i64 = 60 * 1000;

/// Hashes a password with argon2id off the async threads (it is deliberately slow).
/// Each argon2id hash or check takes 19 MiB and a core for tens of milliseconds. At most one
/// per core runs at once; a request that gets no turn within `PASSWORD_WAIT` is refused as busy
/// instead of queueing without bound, so a flood of failed logins cannot hold gigabytes.
static PASSWORD_WORK: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
const PASSWORD_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs password work on the blocking pool once a turn is free.
async fn password_work<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> StoreResult<T> {
    let _turn = tokio::time::timeout(PASSWORD_WAIT, PASSWORD_WORK.acquire())
        .await
        .map_err(|_| StoreError::Busy)?
        .map_err(|_| StoreError::Busy)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Config(e.to_string()))
}

pub async fn hash_password(password: &str) -> StoreResult<String> {
    let password = password.to_owned();
    password_work(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Config(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Config(e.to_string()))
    })
    .await?
}

async fn verify_password(password: &str, hash: &str) -> StoreResult<bool> {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    password_work(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
}

/// A random secret as lowercase hex, and its SHA-256 as stored.
fn new_secret() -> (String, String) {
    let secret = crate::random_hex(32);
    let hash = sha256_hex(&secret);
    (secret, hash)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: AccountId,
    /// staff, individual or company.
    pub kind: String,
    pub login: String,
    pub display_name: String,
    pub mobile: String,
    #[sqlx(try_from = "i64")]
    pub disabled: Flag,
    /// The latest lock on this login from any address (see `authenticate`).
    pub locked_until: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndividualRegistration {
    pub name: String,
    /// 居民身份证号码 (GB 11643); it is also the login.
    pub resident_id: String,
    pub mobile: String,
    pub password: String,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompanyRegistration {
    pub name: String,
    /// 统一社会信用代码 (GB 32100); it is also the login.
    pub credit_code: String,
    pub legal_representative: String,
    pub mobile: String,
    pub password: String,
}

/// An applicant account as inserted.
struct ApplicantRow<'a> {
    kind: AccountKind,
    login: &'a str,
    name: &'a str,
    mobile: &'a str,
    password: &'a str,
    resident_id: Option<&'a str>,
    credit_code: Option<&'a str>,
    legal_representative: Option<&'a str>,
}

/// Why a login did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginFailure {
    /// Unknown login or wrong password; never says which.
    BadCredentials {
        remaining_attempts: i64,
    },
    /// Too many failures from this address; nothing was checked.
    Throttled,
    Locked {
        until_ms: i64,
    },
    Disabled,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie value; only its hash is stored.
    pub token: String,
    pub csrf_token: String,
}

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub session_id: i64,
    pub csrf_token: String,
    pub principal: Principal,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub account_id: AccountId,
    pub name: String,
    /// read or write.
    pub scope: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct AccountAuthRow {
    id: AccountId,
    login: String,
    password_hash: String,
    #[sqlx(try_from = "i64")]
    disabled: Flag,
}

/// An argon2id hash of a random password, verified against when the login is unknown so that
/// unknown and known logins take the same time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$u3n0Zy8pq1a9gUu2ZkqWzWc5i2Jx8yKZ3TgQy2KfV7M";

/// An account as the permission checks see it: a row per staff role (one row with no role for
/// an account that has none), from `PRINCIPAL_COLS` over `accounts a` and `PRINCIPAL_JOINS`.
#[derive(Clone, sqlx::FromRow)]
struct PrincipalRow {
    account_id: AccountId,
    kind: String,
    login: String,
    display_name: String,
    staff_id: Option<StaffId>,
    department_id: Option<DepartmentId>,
    role: Option<String>,
}
const PRINCIPAL_COLS: &str = "a.id AS account_id, a.kind, a.login, a.display_name,
     st.id AS staff_id, st.department_id, r.role";

#[derive(sqlx::FromRow)]
struct SessionRow {
    session_id: i64,
    csrf_token: String,
    last_seen_at: i64,
    #[sqlx(flatten)]
    principal: PrincipalRow,
}
const PRINCIPAL_JOINS: &str = "LEFT JOIN staff st ON st.account_id = a.id AND st.active = 1
     LEFT JOIN staff_roles r ON r.staff_id = st.id";

/// The principal of an account's rows, or None when there are none. A stored kind or role that
/// is not ours is an error, never a silent default.
fn principal_of(rows: Vec<PrincipalRow>) -> StoreResult<Option<Principal>> {
    let Some(PrincipalRow {
        account_id,
        kind,
        login,
        display_name,
        staff_id,
        department_id,
        ..
    }) = rows.first().cloned()
    else {
        return Ok(None);
    };
    let corrupt = |what: &str, value: &str| {
        StoreError::Config(format!("account {account_id}: unknown {what} {value:?}"))
    };
    let mut roles = rows
        .iter()
        .filter_map(|r| r.role.as_deref())
        .map(|r| r.parse::<Role>().map_err(|_| corrupt("role", r)))
        .collect::<StoreResult<Vec<Role>>>()?;
    roles.sort_by_key(|r| r.key());
    roles.dedup();
    Ok(Some(Principal {
        account_id,
        kind: kind.parse().map_err(|_| corrupt("kind", &kind))?,
        login,
        display_name,
        roles,
        department_id,
        staff_id,
        token_scope: None,
    }))
}

impl crate::AccountStore<'_> {
    /// Checks a login and password. Failures are counted per login and address, for unknown
    /// logins as for known ones: `MAX_FAILED_LOGINS` from one address lock that login there for
    /// `LOCKOUT_MS`, and an address with `MAX_ADDRESS_FAILURES` in that time is refused before any
    /// password work. Whether an account is disabled is said only to whoever knows its password.
    pub async fn authenticate(
        self,
        login: &str,
        password: &str,
        remote: Option<&str>,
    ) -> StoreResult<Result<Principal, LoginFailure>> {
        let now = now_ms();
        let login: String = login.trim().chars().take(MAX_LOGIN_CHARS).collect();
        let attempts = self.store.attempts(AttemptKind::Login, remote);
        if attempts.from_address(now - LOCKOUT_MS).await? >= MAX_ADDRESS_FAILURES {
            self.record_security_event("login_throttled", None, Some(&login), remote, "")
                .await?;
            return Ok(Err(LoginFailure::Throttled));
        }
        if let Some(until) = attempts.locked_until(&login, now).await? {
            self.record_security_event("login_blocked", None, Some(&login), remote, "锁定中")
                .await?;
            return Ok(Err(LoginFailure::Locked { until_ms: until }));
        }
        let row: Option<AccountAuthRow> = sqlx::query_as(
            "SELECT id, login, password_hash, disabled FROM accounts WHERE login = $1",
        )
        .bind(&login)
        .fetch_optional(&self.store.pool)
        .await?;
        let hash = row
            .as_ref()
            .map_or(DUMMY_HASH, |r| r.password_hash.as_str());
        let right = verify_password(password, hash).await?;
        if let (true, Some(row)) = (right, &row) {
            attempts.clear(&login).await?;
            if row.disabled.get() {
                self.record_security_event(
                    "login_blocked",
                    Some(row.id),
                    Some(&row.login),
                    remote,
                    "账号已停用",
                )
                .await?;
                return Ok(Err(LoginFailure::Disabled));
            }
            self.record_security_event("login_ok", Some(row.id), Some(&row.login), remote, "")
                .await?;
            return Ok(Ok(self.principal(row.id).await?));
        }
        let account = row.as_ref().map(|r| r.id);
        let failed = attempts.fail(&login, now, LOCKOUT_MS).await?;
        if failed >= MAX_FAILED_LOGINS {
            let until = now + LOCKOUT_MS;
            attempts.lock(&login, until).await?;
            let detail = format!("连续 {MAX_FAILED_LOGINS} 次密码错误，该地址锁定 15 分钟");
            self.record_security_event("lockout", account, Some(&login), remote, &detail)
                .await?;
            return Ok(Err(LoginFailure::Locked { until_ms: until }));
        }
        let detail = if account.is_some() {
            "密码错误"
        } else {
            "未知登录名"
        };
        self.record_security_event("login_failed", account, Some(&login), remote, detail)
            .await?;
        Ok(Err(LoginFailure::BadCredentials {
            remaining_attempts: MAX_FAILED_LOGINS - failed,
        }))
    }

    /// Who an account is, with the staff record's department and roles when it has one.
    pub async fn principal(self, account_id: AccountId) -> StoreResult<Principal> {
        let rows: Vec<PrincipalRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PRINCIPAL_COLS} FROM accounts a {PRINCIPAL_JOINS} WHERE a.id = $1"
        )))
        .bind(account_id)
        .fetch_all(&self.store.pool)
        .await?;
        principal_of(rows)?.ok_or(StoreError::NotFound("account"))
    }

    pub async fn create_session(self, account_id: AccountId) -> StoreResult<NewSession> {
        let (token, hash) = new_secret();
        let (csrf_token, _) = new_secret();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO sessions
                 (token_hash, account_id, csrf_token, created_at, expires_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $4)",
        )
        .bind(&hash)
        .bind(account_id)
        .bind(&csrf_token)
        .bind(now)
        .bind(now + SESSION_MS)
        .execute(&self.store.pool)
        .await?;
        Ok(NewSession { token, csrf_token })
    }

    /// The live session for a cookie value, if any: not past its end, used within
    /// `SESSION_IDLE_MS`, and of an account that is not disabled. Using it keeps it alive.
    pub async fn session(self, token: &str) -> StoreResult<Option<SessionInfo>> {
        // The session, its account and the account's staff roles in one query (a row per
        // role): every signed-in request asks this first.
        let now = now_ms();
        let rows: Vec<SessionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT s.id AS session_id, s.csrf_token, s.last_seen_at, {PRINCIPAL_COLS}
             FROM sessions s JOIN accounts a ON a.id = s.account_id {PRINCIPAL_JOINS}
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3
               AND a.disabled = 0"
        )))
        .bind(sha256_hex(token))
        .bind(now)
        .bind(now - SESSION_IDLE_MS)
        .fetch_all(&self.store.pool)
        .await?;
        let Some((session_id, csrf_token, seen)) = rows
            .first()
            .map(|r| (r.session_id, r.csrf_token.clone(), r.last_seen_at))
        else {
            return Ok(None);
        };
        // Written at most once a minute, not on every request.
        if now - seen > SEEN_EVERY_MS {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(now)
                .bind(session_id)
                .execute(&self.store.pool)
                .await?;
        }
        let principal = principal_of(rows.into_iter().map(|r| r.principal).collect())?;
        Ok(principal.map(|principal| SessionInfo {
            session_id,
            csrf_token,
            principal,
        }))
    }

    pub async fn delete_session(self, session_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(session_id)
            .execute(&self.store.pool)
            .await?;
        Ok(())
    }

    /// Creates an API token; the plain token is returned once and never stored.
    pub async fn create_token(
        self,
        account_id: AccountId,
        name: &str,
        scope: TokenScope,
    ) -> StoreResult<(ApiToken, String)> {
        let mut errors = FieldErrors::new();
        let name = required_text(&mut errors, "name", name, 64);
        errors.into_result()?;
        let (secret, _) = new_secret();
        let token = format!("ow_{secret}");
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO api_tokens (account_id, name, token_hash, scope, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(account_id)
        .bind(&name)
        .bind(sha256_hex(&token))
        .bind(scope.key())
        .bind(now_ms())
        .fetch_one(&self.store.pool)
        .await?;
        Ok((self.get_token(id).await?, token))
    }

    pub async fn get_token(self, id: i64) -> StoreResult<ApiToken> {
        sqlx::query_as(
            "SELECT id, account_id, name, scope, created_at, revoked_at, last_used_at
             FROM api_tokens WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("token"))
    }

    pub async fn list_tokens(self, account_id: Option<AccountId>) -> StoreResult<Vec<ApiToken>> {
        Ok(sqlx::query_as(
            "SELECT id, account_id, name, scope, created_at, revoked_at, last_used_at
             FROM api_tokens WHERE ($1 IS NULL OR account_id = $1) ORDER BY id",
        )
        .bind(account_id)
        .fetch_all(&self.store.pool)
        .await?)
    }

    pub async fn revoke_token(self, id: i64) -> StoreResult<ApiToken> {
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .execute(&self.store.pool)
            .await?;
        self.get_token(id).await
    }

    /// The principal behind a bearer token, scoped; None when unknown or revoked.
    pub async fn token_principal(self, token: &str) -> StoreResult<Option<Principal>> {
        let row: Option<(i64, AccountId, String)> = sqlx::query_as(
            "SELECT t.id, t.account_id, t.scope FROM api_tokens t
             JOIN accounts a ON a.id = t.account_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND a.disabled = 0",
        )
        .bind(sha256_hex(token))
        .fetch_optional(&self.store.pool)
        .await?;
        let Some((id, account_id, scope)) = row else {
            return Ok(None);
        };
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(&self.store.pool)
            .await?;
        let mut principal = self.principal(account_id).await?;
        principal.token_scope = Some(TokenScope::parse(&scope).unwrap_or(TokenScope::Read));
        Ok(Some(principal))
    }

    pub async fn list_accounts(self) -> StoreResult<Vec<Account>> {
        Ok(sqlx::query_as(
            "SELECT a.id, a.kind, a.login, a.display_name, a.mobile, a.disabled,
                    (SELECT MAX(f.locked_until) FROM failed_attempts f
                     WHERE f.kind = 'login' AND f.subject = a.login) AS locked_until
             FROM accounts a ORDER BY a.id",
        )
        .fetch_all(&self.store.pool)
        .await?)
    }

    pub async fn find_account(self, login: &str) -> StoreResult<Account> {
        sqlx::query_as(
            "SELECT a.id, a.kind, a.login, a.display_name, a.mobile, a.disabled,
                    (SELECT MAX(f.locked_until) FROM failed_attempts f
                     WHERE f.kind = 'login' AND f.subject = a.login) AS locked_until
             FROM accounts a WHERE a.login = $1",
        )
        .bind(login)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("account"))
    }

    /// Sets a new password, lifts any lockout and ends the account's sessions.
    pub async fn set_password(self, account_id: AccountId, password: &str) -> StoreResult<()> {
        let mut errors = FieldErrors::new();
        validate_password(&mut errors, "password", password);
        errors.into_result()?;
        let hash = hash_password(password).await?;
        let mut tx = self.store.pool.begin().await?;
        sqlx::query(
            "UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = NULL,
                    updated_at = $2 WHERE id = $3",
        )
        .bind(&hash)
        .bind(now_ms())
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM failed_attempts
             WHERE kind = 'login' AND subject = (SELECT login FROM accounts WHERE id = $1)",
        )
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        end_sessions_and_commit(tx, account_id).await
    }

    /// Disables or re-enables a login; disabling ends its sessions at once.
    pub async fn set_account_disabled(
        self,
        account_id: AccountId,
        disabled: bool,
    ) -> StoreResult<()> {
        let mut tx = self.store.pool.begin().await?;
        let done = sqlx::query("UPDATE accounts SET disabled = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(disabled))
            .bind(now_ms())
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("account"));
        }
        if disabled {
            return end_sessions_and_commit(tx, account_id).await;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Registers an individual applicant and records it in the security log.
    pub async fn register_individual(
        self,
        input: &IndividualRegistration,
        remote: Option<&str>,
    ) -> StoreResult<Account> {
        let mut errors = FieldErrors::new();
        let name = required_text(&mut errors, "name", &input.name, 32);
        let id = ResidentId::parse(input.resident_id.trim());
        if let Err(e) = &id {
            errors.add("resident_id", format!("身份证号码{e}"));
        }
        let mobile = validate_mobile(&mut errors, "mobile", &input.mobile);
        validate_password(&mut errors, "password", &input.password);
        errors.into_result()?;
        let id = id.map_err(|_| StoreError::NotFound("resident id"))?;
        let row = ApplicantRow {
            kind: AccountKind::Individual,
            login: id.as_str(),
            name: &name,
            mobile: &mobile,
            password: &input.password,
            resident_id: Some(id.as_str()),
            credit_code: None,
            legal_representative: None,
        };
        self.insert_applicant(&row, remote).await
    }

    /// Registers a company applicant and records it in the security log.
    pub async fn register_company(
        self,
        input: &CompanyRegistration,
        remote: Option<&str>,
    ) -> StoreResult<Account> {
        let mut errors = FieldErrors::new();
        let name = required_text(&mut errors, "name", &input.name, 100);
        let code = CreditCode::parse(input.credit_code.trim());
        if let Err(e) = &code {
            errors.add("credit_code", format!("统一社会信用代码{e}"));
        }
        let legal = required_text(
            &mut errors,
            "legal_representative",
            &input.legal_representative,
            32,
        );
        let mobile = validate_mobile(&mut errors, "mobile", &input.mobile);
        validate_password(&mut errors, "password", &input.password);
        errors.into_result()?;
        let code = code.map_err(|_| StoreError::NotFound("credit code"))?;
        let row = ApplicantRow {
            kind: AccountKind::Company,
            login: code.as_str(),
            name: &name,
            mobile: &mobile,
            password: &input.password,
            resident_id: None,
            credit_code: Some(code.as_str()),
            legal_representative: Some(&legal),
        };
        self.insert_applicant(&row, remote).await
    }

    async fn insert_applicant(
        self,
        row: &ApplicantRow<'_>,
        remote: Option<&str>,
    ) -> StoreResult<Account> {
        let field = if row.kind == AccountKind::Company {
            "credit_code"
        } else {
            "resident_id"
        };
        let hash = hash_password(row.password).await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO accounts (kind, login, display_name, password_hash, mobile, resident_id,
                                   credit_code, legal_representative, disabled, failed_logins,
                                   created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0, $9, $9)",
        )
        .bind(row.kind.key())
        .bind(row.login)
        .bind(row.name)
        .bind(&hash)
        .bind(row.mobile)
        .bind(row.resident_id)
        .bind(row.credit_code)
        .bind(row.legal_representative)
        .bind(now)
        .execute(&self.store.pool)
        .await
        .map_err(unique_as(field, "该证件号码已注册"))?;
        let account = self.find_account(row.login).await?;
        let detail = format!("{}注册", row.kind.label());
        self.record_security_event(
            "account_registered",
            Some(account.id),
            Some(&account.login),
            remote,
            &detail,
        )
        .await?;
        Ok(account)
    }
}

/// Ends every session of an account as part of the change that calls for it (a new password,
/// a disabled login), and commits that change.
async fn end_sessions_and_commit(
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    account_id: AccountId,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dummy_hash_is_a_valid_argon2_hash() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("anything", DUMMY_HASH).await.unwrap());
    }
}

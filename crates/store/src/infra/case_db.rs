//! The connection a case command runs on. Commands need a handful of reads and then a batch of
//! writes; `CaseDb` names them once so that the same command code runs on PostgreSQL through
//! sqlx and on SQLite through the writer's own rusqlite connection.
//!
//! Why SQLite gets its own connection: sqlx runs each SQLite connection on a worker thread and
//! every statement is a round trip to it, two thread wake-ups each. The case writer instead
//! calls SQLite directly, with its statements prepared once and cached; a statement costs
//! microseconds. A commit that must wait for the disk (`synchronous=FULL`) steps aside from the
//! runtime's worker for the fsync.

use onewindow_domain::ids::{AccountId, CaseId};
use std::path::Path;

use rusqlite::ffi;

use super::batch::Val;
use crate::{StoreError, StoreResult};

/// The reads and writes of a case command.
#[allow(async_fn_in_trait)]
pub(crate) trait CaseDb {
    /// Runs a statement without results (BEGIN, SAVEPOINT, COMMIT …).
    async fn exec(&mut self, sql: &'static str) -> StoreResult<()>;
    /// Runs a statement; a unique-key violation is reported as `Ok(false)`.
    async fn write(&mut self, sql: &'static str, args: Vec<Val>) -> StoreResult<bool>;
    /// Runs an INSERT … RETURNING id.
    async fn insert_id(&mut self, sql: &'static str, args: Vec<Val>) -> StoreResult<i64>;
    /// A case's folded state, chain head and applicant account.
    async fn case_row(&mut self, case_id: CaseId) -> StoreResult<Option<CaseRow>>;
    /// An earlier command with this idempotency key: case, request hash, first seq, version.
    async fn command_row(&mut self, key: &str) -> StoreResult<Option<(CaseId, String, i64, i64)>>;
    /// The payloads of a case's events `first..=last`.
    async fn payloads(
        &mut self,
        case_id: CaseId,
        first: i64,
        last: i64,
    ) -> StoreResult<Vec<String>>;
}

/// What a command reads of a case's row.
pub(crate) struct CaseRow {
    pub state: String,
    pub head: String,
    pub applicant_account: Option<AccountId>,
}

const CASE_ROW: &str = "SELECT state, head_hash, applicant_account FROM cases WHERE id = $1";
const COMMAND_ROW: &str =
    "SELECT case_id, request_hash, first_seq, version FROM case_commands WHERE command_key = $1";
const PAYLOADS: &str =
    "SELECT payload FROM case_events WHERE case_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq";

fn bind_any<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    args: Vec<Val>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for a in args {
        q = match a {
            Val::Int(v) => q.bind(v),
            Val::OptInt(v) => q.bind(v),
            Val::Text(v) => q.bind(v),
            Val::OptText(v) => q.bind(v),
        };
    }
    q
}

impl CaseDb for sqlx::AnyConnection {
    async fn exec(&mut self, sql: &'static str) -> StoreResult<()> {
        sqlx::query(sql).execute(&mut *self).await?;
        Ok(())
    }

    async fn write(&mut self, sql: &'static str, args: Vec<Val>) -> StoreResult<bool> {
        match bind_any(sqlx::query(sql), args).execute(&mut *self).await {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn insert_id(&mut self, sql: &'static str, args: Vec<Val>) -> StoreResult<i64> {
        use sqlx::Row;
        let row = bind_any(sqlx::query(sql), args)
            .fetch_one(&mut *self)
            .await?;
        Ok(row.try_get(0)?)
    }

    async fn case_row(&mut self, case_id: CaseId) -> StoreResult<Option<CaseRow>> {
        let row: Option<(String, String, Option<AccountId>)> = sqlx::query_as(CASE_ROW)
            .bind(case_id)
            .fetch_optional(&mut *self)
            .await?;
        Ok(row.map(|(state, head, applicant_account)| CaseRow {
            state,
            head,
            applicant_account,
        }))
    }

    async fn command_row(&mut self, key: &str) -> StoreResult<Option<(CaseId, String, i64, i64)>> {
        Ok(sqlx::query_as(COMMAND_ROW)
            .bind(key)
            .fetch_optional(&mut *self)
            .await?)
    }

    async fn payloads(
        &mut self,
        case_id: CaseId,
        first: i64,
        last: i64,
    ) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(PAYLOADS)
            .bind(case_id)
            .bind(first)
            .bind(last)
            .fetch_all(&mut *self)
            .await?;
        Ok(rows.into_iter().map(|(p,)| p).collect())
    }
}

/// The case writer's SQLite connection.
pub(crate) struct SqliteWriter {
    conn: rusqlite::Connection,
    /// `synchronous=FULL`: a commit waits for the disk.
    full: bool,
}

fn sqlite_err(e: rusqlite::Error) -> StoreError {
    StoreError::Config(format!("SQLite: {e}"))
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

impl SqliteWriter {
    /// Opens the database file with the pool's settings, and a 64 MiB page cache: the writer
    /// touches the hot end of every case index, and with a million cases those pages no longer
    /// fit SQLite's default 2 MiB.
    pub(crate) fn open(path: &Path, synchronous: &str) -> StoreResult<SqliteWriter> {
        let conn = rusqlite::Connection::open(path).map_err(sqlite_err)?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;
             PRAGMA synchronous = {synchronous}; PRAGMA wal_autocheckpoint = 40000;
             PRAGMA cache_size = -65536;"
        ))
        .map_err(sqlite_err)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(SqliteWriter {
            conn,
            full: synchronous == "FULL",
        })
    }

    /// Prepares (once) and binds a statement written with `$1..$n`.
    fn statement(
        &self,
        sql: &str,
        args: Vec<Val>,
    ) -> rusqlite::Result<rusqlite::CachedStatement<'_>> {
        const NAMES: [&str; 16] = [
            "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13",
            "$14", "$15", "$16",
        ];
        let mut st = self.conn.prepare_cached(sql)?;
        for (k, a) in args.into_iter().enumerate() {
            let name = match NAMES.get(k) {
                Some(n) => std::borrow::Cow::Borrowed(*n),
                None => std::borrow::Cow::Owned(format!("${}", k + 1)),
            };
            let Some(i) = st.parameter_index(&name)? else {
                continue;
            };
            match a {
                Val::Int(v) => st.raw_bind_parameter(i, v)?,
                Val::OptInt(v) => st.raw_bind_parameter(i, v)?,
                Val::Text(v) => st.raw_bind_parameter(i, v)?,
                Val::OptText(v) => st.raw_bind_parameter(i, v)?,
            }
        }
        Ok(st)
    }

    fn row<T>(
        &self,
        sql: &str,
        args: Vec<Val>,
        map: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<Option<T>> {
        let mut st = self.statement(sql, args).map_err(sqlite_err)?;
        let mut rows = st.raw_query();
        match rows.next().map_err(sqlite_err)? {
            Some(r) => Ok(Some(map(r).map_err(sqlite_err)?)),
            None => Ok(None),
        }
    }
}

impl CaseDb for SqliteWriter {
    async fn exec(&mut self, sql: &'static str) -> StoreResult<()> {
        let run = || self.conn.execute_batch(sql).map_err(sqlite_err);
        if self.full && sql == "COMMIT" {
            wait_for_disk(run)
        } else {
            run()
        }
    }

    async fn write(&mut self, sql: &'static str, args: Vec<Val>) -> StoreResult<bool> {
        let mut st = self.statement(sql, args).map_err(sqlite_err)?;
        match st.raw_execute() {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(sqlite_err(e)),
        }
    }

    async fn insert_id(&mut self, sql: &'static str, args: Vec<Val>) -> StoreResult<i64> {
        self.row(sql, args, |r| r.get(0))?
            .ok_or_else(|| StoreError::Config("INSERT … RETURNING gave no row".into()))
    }

    async fn case_row(&mut self, case_id: CaseId) -> StoreResult<Option<CaseRow>> {
        self.row(CASE_ROW, vec![case_id.into()], |r| {
            Ok(CaseRow {
                state: r.get(0)?,
                head: r.get(1)?,
                applicant_account: r.get::<_, Option<i64>>(2)?.map(AccountId),
            })
        })
    }

    async fn command_row(&mut self, key: &str) -> StoreResult<Option<(CaseId, String, i64, i64)>> {
        self.row(COMMAND_ROW, vec![Val::Text(key.to_owned())], |r| {
            Ok((CaseId(r.get(0)?), r.get(1)?, r.get(2)?, r.get(3)?))
        })
    }

    async fn payloads(
        &mut self,
        case_id: CaseId,
        first: i64,
        last: i64,
    ) -> StoreResult<Vec<String>> {
        let mut st = self
            .statement(
                PAYLOADS,
                vec![case_id.into(), Val::Int(first), Val::Int(last)],
            )
            .map_err(sqlite_err)?;
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(sqlite_err)? {
            out.push(r.get(0).map_err(sqlite_err)?);
        }
        Ok(out)
    }
}

/// Runs a call that blocks on the disk without holding up the runtime's other tasks (on a
/// multi-threaded runtime; a single-threaded one, as in tests, simply waits).
fn wait_for_disk<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

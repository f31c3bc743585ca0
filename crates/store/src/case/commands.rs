//! Running a command against a case: load its state, decide, append the events with every read
//! model, and commit; idempotent by the caller's key and guarded by the expected version.
//!
//! Commands reach the database through one writer task that takes whatever commands are waiting
//! and runs them in a single transaction, each inside its own savepoint (group commit): with
//! `synchronous=FULL` one fsync then acknowledges many commands, and a refused command rolls
//! back only its savepoint. A caller is answered only after the commit, so an acknowledged
//! command is on disk.

use onewindow_domain::ids::StaffId;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use onewindow_domain::case::{Actor, CaseError, CaseState, Command, Ctx, Event, decide};
use onewindow_domain::ids::CaseId;
use rand::Rng;
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use crate::case::log::{GENESIS, Provenance, insert_case, load_case, prepare_append, region_of};
use crate::infra::batch::sql;
use crate::infra::case_db::{CaseDb, SqliteWriter};
use crate::{Backend, Store, StoreError, StoreResult};

/// One command as the web layer or a benchmark hands it in.
#[derive(Debug, Clone)]
pub struct CommandRequest {
    /// None for a submission, which opens a new case.
    pub case_id: Option<CaseId>,
    /// The version the caller saw; a different current version is a conflict.
    pub expected_version: Option<u64>,
    pub command: Command,
    pub actor: Actor,
    /// The client's Idempotency-Key; a retry with it returns the first result.
    pub idempotency_key: Option<String>,
    /// The business day (Asia/Shanghai) and the moment (UTC ms).
    pub today: NaiveDate,
    pub at: i64,
}

/// What a command did.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandOutcome {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub case_id: CaseId,
    /// The case's version after the command.
    pub version: u64,
    /// The events the command appended (on a replay: the events it appended the first time).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub events: Vec<Event>,
    /// True when this answers a retry of an earlier request with the same key.
    pub replayed: bool,
}

/// A random code of `len` characters people can read aloud (query codes, check-in codes).
pub(crate) fn random_code(len: usize) -> String {
    let chars = onewindow_domain::codes::UNAMBIGUOUS;
    let mut rng = rand::rng();
    (0..len)
        .map(|_| chars[rng.random_range(0..chars.len())] as char)
        .collect()
}

fn query_code() -> String {
    random_code(6)
}

/// A case number: the region code, the acceptance date and the case id, e.g. 37130020260924000123.
pub fn case_number(region: &str, today: NaiveDate, case_id: CaseId) -> String {
    let region = if region.len() >= 6 {
        &region[..6]
    } else {
        "000000"
    };
    format!("{region}{}{case_id:06}", today.format("%Y%m%d"))
}

/// What identifies a request for idempotency: the key, scoped to the account that sent it.
fn command_key(req: &CommandRequest) -> Option<String> {
    req.idempotency_key
        .as_ref()
        .map(|k| format!("{}:{k}", req.actor.account_id))
}

/// A digest of what was asked, so a key replayed with a different body is refused.
fn request_hash(req: &CommandRequest) -> String {
    let body = serde_json::to_string(&(req.case_id, req.expected_version, &req.command))
        .unwrap_or_default();
    hex::encode(Sha256::digest(body.as_bytes()))
}

struct Job {
    request: CommandRequest,
    reply: oneshot::Sender<StoreResult<CommandOutcome>>,
}

/// The handle to the writer task, and on SQLite the states of recently written cases.
#[derive(Default)]
pub(crate) struct Writer {
    sender: std::sync::OnceLock<mpsc::Sender<Job>>,
    /// case id → (folded state, chain head) as last committed by this writer. Used on SQLite
    /// only, where one process owns the file; a stale entry (another process wrote) shows up as
    /// a conflict and the command is decided again on what the database holds.
    recent: std::sync::Mutex<HashMap<i64, (CaseState, String)>>,
    /// Transactions the writer committed (tells the WAL copier there is work).
    commits: std::sync::atomic::AtomicU64,
}

/// At most this many commands share one transaction.
const MAX_BATCH: usize = 256;
/// The writer gives a pooled connection back after this long without commands.
const IDLE_RELEASE: std::time::Duration = std::time::Duration::from_millis(100);
/// At most this many case states are kept.
const RECENT_CASES: usize = 20_000;

impl Writer {
    fn recall(&self, case_id: CaseId) -> Option<(CaseState, String)> {
        self.recent.lock().ok()?.get(&case_id.get()).cloned()
    }
    fn remember(&self, case_id: CaseId, state: CaseState, head: String) {
        if let Ok(mut m) = self.recent.lock() {
            if m.len() >= RECENT_CASES {
                m.clear();
            }
            m.insert(case_id.get(), (state, head));
        }
    }
    fn forget(&self, case_id: Option<CaseId>) {
        if let (Some(id), Ok(mut m)) = (case_id, self.recent.lock()) {
            m.remove(&id.get());
        }
    }
}

impl crate::CaseStore<'_> {
    /// Runs a command: decided against the case's current state and committed with its read
    /// models, or refused with nothing written.
    pub async fn execute(self, request: CommandRequest) -> StoreResult<CommandOutcome> {
        let sender = self.store.writer.sender.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4096);
            tokio::spawn(write_loop(self.store.clone(), rx));
            if self.store.backend == Backend::Sqlite {
                tokio::spawn(copy_wal(self.store.clone()));
            }
            tx
        });
        let (reply, answer) = oneshot::channel();
        sender
            .send(Job { request, reply })
            .await
            .map_err(|_| StoreError::Config("case writer stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Config("case writer stopped".into()))?
    }
}

/// Takes whatever commands wait and runs them in one transaction. On SQLite the writer has its
/// own connection, opened once (see `case_db`); on PostgreSQL it keeps a pooled connection
/// while commands keep coming and gives it back after a short idle spell, so that closing the
/// pool never waits long for it.
async fn write_loop(store: Store, mut rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut sqlite: Option<SqliteWriter> = None;
    let mut pooled: Option<sqlx::pool::PoolConnection<sqlx::Any>> = None;
    loop {
        let received = if pooled.is_some() {
            match tokio::time::timeout(IDLE_RELEASE, rx.recv_many(&mut batch, MAX_BATCH)).await {
                Ok(n) => n,
                Err(_) => {
                    pooled = None;
                    continue;
                }
            }
        } else {
            rx.recv_many(&mut batch, MAX_BATCH).await
        };
        if received == 0 {
            return;
        }
        let jobs = std::mem::take(&mut batch);
        let opened = match (&store.sqlite_file, &sqlite, &pooled) {
            (Some(_), Some(_), _) | (None, _, Some(_)) => Ok(()),
            (Some((path, synchronous)), None, _) => {
                SqliteWriter::open(path, synchronous).map(|w| sqlite = Some(w))
            }
            (None, _, None) => store
                .pool
                .acquire()
                .await
                .map(|c| pooled = Some(c))
                .map_err(StoreError::from),
        };
        if let Err(e) = opened {
            for job in jobs {
                let _ = job.reply.send(Err(StoreError::Config(format!(
                    "数据库暂不可用，请稍后重试：{e}"
                ))));
            }
            continue;
        }
        match (&mut sqlite, &mut pooled) {
            (Some(db), _) => run_batch(&store, db, jobs, "BEGIN IMMEDIATE", true).await,
            (None, Some(conn)) => run_batch(&store, &mut **conn, jobs, "BEGIN", false).await,
            (None, None) => unreachable!("a connection was opened above"),
        }
        store
            .writer
            .commits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Copies committed WAL frames into the SQLite database file from a pooled connection, so that
/// the writer does not stop to do it after a commit (its own automatic checkpoint is only a
/// backstop for a WAL that has grown large). Passive: it never blocks the writer.
async fn copy_wal(store: Store) {
    let mut seen = 0;
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        if store.pool.is_closed() {
            return;
        }
        let written = store
            .writer
            .commits
            .load(std::sync::atomic::Ordering::Relaxed);
        if written == seen {
            continue;
        }
        seen = written;
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&store.pool)
            .await
        {
            if store.pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "copying the WAL into the database");
        }
    }
}

/// Runs jobs in one transaction; each job's effects are kept or undone by its savepoint, and
/// nobody is answered before the commit. With `use_recent` (SQLite) a case's state comes from
/// the writer's memory when it has it; a conflict then decides once more on what is stored.
async fn run_batch(
    store: &Store,
    db: &mut impl CaseDb,
    jobs: Vec<Job>,
    begin: &'static str,
    use_recent: bool,
) {
    let mut results = Vec::with_capacity(jobs.len());
    let outcome: StoreResult<()> = async {
        db.exec(begin).await?;
        for job in &jobs {
            let mut recent = use_recent;
            loop {
                db.exec("SAVEPOINT command").await?;
                let r = run_one(store, db, &job.request, recent).await;
                if r.is_ok() {
                    db.exec("RELEASE SAVEPOINT command").await?;
                } else {
                    db.exec("ROLLBACK TO SAVEPOINT command").await?;
                    db.exec("RELEASE SAVEPOINT command").await?;
                    store.writer.forget(job.request.case_id);
                }
                match r {
                    Err(StoreError::Conflict { .. }) if recent && job.request.case_id.is_some() => {
                        recent = false;
                    }
                    other => {
                        results.push(other);
                        break;
                    }
                }
            }
        }
        if results.iter().any(|r| r.is_ok()) {
            db.exec("COMMIT").await?;
        } else {
            db.exec("ROLLBACK").await?;
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => {
            for (job, result) in jobs.into_iter().zip(results) {
                let _ = job.reply.send(result.map(|(outcome, after)| {
                    if use_recent && let Some((state, head)) = after {
                        store.writer.remember(outcome.case_id, state, head);
                    }
                    outcome
                }));
            }
        }
        Err(e) => {
            // The transaction failed as a whole: nobody's command is acknowledged.
            let _ = db.exec("ROLLBACK").await;
            let message = e.to_string();
            tracing::error!(error = %message, "case batch failed");
            for job in jobs {
                store.writer.forget(job.request.case_id);
                let _ = job.reply.send(Err(StoreError::Config(format!(
                    "写入失败，请重试：{message}"
                ))));
            }
        }
    }
}

/// A case is reassigned only to an active staff member of the department handling its current
/// step who holds that step's role; anyone else would leave the case with no one, or show it and
/// its applicant in another department's inbox.
async fn check_assignee(store: &Store, state: &CaseState, staff_id: StaffId) -> StoreResult<()> {
    let step = state
        .item
        .as_ref()
        .and_then(|item| item.steps.get(state.current_step))
        .ok_or(StoreError::Rejected(CaseError::Rule(
            "办件没有待办环节".into(),
        )))?;
    let holds: Option<(i64,)> = sqlx::query_as(
        "SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id
         WHERE s.id = $1 AND s.active = 1 AND s.department_id = $2 AND r.role = $3",
    )
    .bind(staff_id)
    .bind(step.department_id)
    .bind(step.role.key())
    .fetch_optional(&store.pool)
    .await?;
    if holds.is_none() {
        return Err(StoreError::Rejected(CaseError::Invalid {
            field: "staff_id".into(),
            message: format!(
                "转办对象须为本环节（{}）所在部门在岗的{}",
                step.name,
                step.role.label()
            ),
        }));
    }
    Ok(())
}

/// One command: decided on the case's state and written with its read models (inside the
/// caller's savepoint). Returns the outcome and, for the writer's memory, the state and head.
async fn run_one(
    store: &Store,
    db: &mut impl CaseDb,
    req: &CommandRequest,
    use_recent: bool,
) -> StoreResult<(CommandOutcome, Option<(CaseState, String)>)> {
    let key = command_key(req);
    let hash = request_hash(req);
    if let Some(key) = &key
        && let Some(outcome) = replay(db, key, &hash).await?
    {
        return Ok((outcome, None));
    }
    let remembered = match req.case_id {
        Some(id) if use_recent => store.writer.recall(id),
        _ => None,
    };
    let (state, head, owner) = match (remembered, req.case_id) {
        (Some((state, head)), Some(_)) if req.actor.staff_id.is_some() => (state, head, None),
        (_, Some(id)) => load_case(db, id).await?,
        (_, None) => (CaseState::default(), GENESIS.to_owned(), None),
    };
    if let Some(expected) = req.expected_version
        && expected != state.version
    {
        return Err(StoreError::Conflict {
            current: state.version,
        });
    }
    // Applicants act only on their own cases; a review may also come from whoever holds the
    // case's query code, which the case itself checks.
    let by_code = matches!(
        req.command,
        Command::Review {
            query_code: Some(_),
            ..
        }
    );
    if req.actor.staff_id.is_none()
        && req.case_id.is_some()
        && owner != Some(req.actor.account_id)
        && !by_code
    {
        return Err(StoreError::Rejected(CaseError::NotAllowed(
            "只能办理本人的申请",
        )));
    }
    let region = match &req.command {
        Command::Submit { item, .. } => item.region_code.clone(),
        _ => region_of(&state),
    };
    let cal = store.calendar().calendar_for(&region).await?;
    let events = {
        let ctx = Ctx {
            today: req.today,
            actor: &req.actor,
            calendar: &cal,
            case_no: case_number(&region, req.today, req.case_id.unwrap_or_default()),
            query_code: query_code(),
        };
        decide(&state, &req.command, &ctx).map_err(StoreError::Rejected)?
    };
    if let Command::Reassign { staff_id, .. } = &req.command {
        check_assignee(store, &state, *staff_id).await?;
    }
    let command_id = key.clone().unwrap_or_else(|| crate::random_hex(16));
    let by = Provenance {
        actor_id: req.actor.account_id,
        command_id: &command_id,
        at: req.at,
        today: req.today,
    };
    let (case_id, prior, head) = match req.case_id {
        Some(id) => (id, state, head),
        None => {
            // A new case's row comes first.
            let opened = CaseState::from_events(&events);
            let applicant_account = req.actor.staff_id.is_none().then_some(req.actor.account_id);
            let id = insert_case(db, &opened, applicant_account, &by).await?;
            (id, CaseState::default(), GENESIS.to_owned())
        }
    };
    let warn = store.supervision().warn_threshold().await?;
    let (after, new_head, mut batch) = prepare_append(
        case_id,
        prior,
        &head,
        &events,
        &by,
        &cal,
        &warn,
        store.event_key(),
    )?;
    if let Some(key) = &key {
        batch.add(
            sql!(
                "INSERT INTO case_commands (command_key, case_id, request_hash, first_seq, version, at)
                 VALUES (:key, :case_id, :hash, :first_seq, :version, :at)"
            ),
            vec![
                ("key", key.clone().into()),
                ("case_id", case_id.into()),
                ("hash", hash.into()),
                (
                    "first_seq",
                    ((after.version as usize - events.len() + 1) as i64).into(),
                ),
                ("version", (after.version as i64).into()),
                ("at", req.at.into()),
            ],
        )?;
    }
    let version = after.version;
    batch.run(db).await?;
    Ok((
        CommandOutcome {
            case_id,
            version,
            events,
            replayed: false,
        },
        Some((after, new_head)),
    ))
}

/// The first result of an earlier request with the same key, if there was one.
async fn replay(
    db: &mut impl CaseDb,
    key: &str,
    hash: &str,
) -> StoreResult<Option<CommandOutcome>> {
    let Some((case_id, stored_hash, first, version)) = db.command_row(key).await? else {
        return Ok(None);
    };
    if stored_hash != hash {
        return Err(StoreError::IdempotencyMismatch);
    }
    let events = db
        .payloads(case_id, first, version)
        .await?
        .iter()
        .map(|p| serde_json::from_str(p).map_err(|e| StoreError::Config(e.to_string())))
        .collect::<StoreResult<Vec<Event>>>()?;
    Ok(Some(CommandOutcome {
        case_id,
        version: version as u64,
        events,
        replayed: true,
    }))
}

/// Keeps the writer handle shareable between clones of the store.
pub(crate) fn new_writer() -> Arc<Writer> {
    Arc::new(Writer::default())
}

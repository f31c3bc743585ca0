//! Running a command against a case: load its state, decide, append the events with every read
//! model, and commit; idempotent by the caller's key and guarded by the expected version.
//!
//! Commands reach the database through one writer task that takes whatever commands are waiting
//! and runs them in a single transaction, each inside its own savepoint (group commit): with
//! `synchronous=FULL` one fsync then acknowledges many commands, and a refused command rolls
//! back only its savepoint. A caller is answered only after the commit, so an acknowledged
//! command is on disk.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use onewindow_domain::case::{Actor, CaseError, CaseState, Command, Ctx, Event, decide};
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::Acquire;
use tokio::sync::{mpsc, oneshot};

use crate::cases::{GENESIS, Provenance, Val, insert_case, load_case, prepare_append, region_of};
use crate::{Backend, Store, StoreError, StoreResult};

/// One command as the web layer or a benchmark hands it in.
#[derive(Debug, Clone)]
pub struct CommandRequest {
    /// None for a submission, which opens a new case.
    pub case_id: Option<i64>,
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
    pub case_id: i64,
    /// The case's version after the command.
    pub version: u64,
    /// The events the command appended (on a replay: the events it appended the first time).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub events: Vec<Event>,
    /// True when this answers a retry of an earlier request with the same key.
    pub replayed: bool,
}

/// Characters of a query code: no 0/O, 1/I/L.
const CODE_CHARS: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn query_code() -> String {
    let mut rng = rand::rng();
    (0..6)
        .map(|_| CODE_CHARS[rng.random_range(0..CODE_CHARS.len())] as char)
        .collect()
}

/// A case number: the region code, the acceptance date and the case id, e.g. 37130020260924000123.
pub fn case_number(region: &str, today: NaiveDate, case_id: i64) -> String {
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
    /// a sequence conflict and is reloaded.
    recent: std::sync::Mutex<HashMap<i64, (CaseState, String)>>,
}

/// At most this many commands share one transaction.
const MAX_BATCH: usize = 256;
/// At most this many case states are kept.
const RECENT_CASES: usize = 20_000;

impl Writer {
    fn recall(&self, case_id: i64) -> Option<(CaseState, String)> {
        self.recent.lock().ok()?.get(&case_id).cloned()
    }
    fn remember(&self, case_id: i64, state: CaseState, head: String) {
        if let Ok(mut m) = self.recent.lock() {
            if m.len() >= RECENT_CASES {
                m.clear();
            }
            m.insert(case_id, (state, head));
        }
    }
    fn forget(&self, case_id: Option<i64>) {
        if let (Some(id), Ok(mut m)) = (case_id, self.recent.lock()) {
            m.remove(&id);
        }
    }
}

impl Store {
    /// Runs a command: decided against the case's current state and committed with its read
    /// models, or refused with nothing written.
    pub async fn execute(&self, request: CommandRequest) -> StoreResult<CommandOutcome> {
        let sender = self.writer.sender.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4096);
            tokio::spawn(write_loop(self.clone(), rx));
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

/// The writer takes a connection per batch and gives it back, so that closing the pool never
/// waits for it.
async fn write_loop(store: Store, mut rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::take(&mut batch);
        match store.pool.acquire().await {
            Ok(mut conn) => {
                if jobs.len() == 1 && store.backend == Backend::Sqlite {
                    let job = jobs.into_iter().next().expect("one job");
                    let result = run_alone(&store, &mut conn, &job.request).await;
                    let _ = job.reply.send(result);
                } else {
                    run_batch(&store, &mut conn, jobs).await;
                }
            }
            Err(e) => {
                for job in jobs {
                    let _ = job.reply.send(Err(StoreError::Config(format!(
                        "数据库暂不可用，请稍后重试：{e}"
                    ))));
                }
            }
        }
    }
}

/// One command alone on SQLite: the reads, then the writes with BEGIN and COMMIT in a single
/// trip to the database thread. The case state comes from the writer's memory when it has it.
async fn run_alone(
    store: &Store,
    conn: &mut sqlx::AnyConnection,
    req: &CommandRequest,
) -> StoreResult<CommandOutcome> {
    let mut use_recent = true;
    loop {
        let result = run_one(store, conn, req, Mode::Alone { use_recent }).await;
        if result.is_err() {
            // Whatever part of the batch ran is undone (no-op when BEGIN never ran).
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            store.writer.forget(req.case_id);
        }
        match result {
            Err(StoreError::Conflict { .. }) if use_recent && req.case_id.is_some() => {
                // Perhaps another process wrote: decide again on what the database holds.
                use_recent = false;
            }
            other => return other,
        }
    }
}

/// Runs jobs in one transaction; each job's effects are kept or undone by its savepoint.
async fn run_batch(
    store: &Store,
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    jobs: Vec<Job>,
) {
    let mut results = Vec::with_capacity(jobs.len());
    let outcome: StoreResult<()> = async {
        let mut tx = conn.begin().await?;
        for job in &jobs {
            store.writer.forget(job.request.case_id);
            let mut sp = tx.begin().await?;
            let r = run_one(store, &mut sp, &job.request, Mode::InTransaction).await;
            if r.is_ok() {
                sp.commit().await?;
            } else {
                sp.rollback().await?;
            }
            results.push(r);
        }
        if results.iter().any(|r| r.is_ok()) {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => {
            for (job, result) in jobs.into_iter().zip(results) {
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
            // The transaction failed as a whole: nobody's command is acknowledged.
            let message = e.to_string();
            tracing::error!(error = %message, "case batch failed");
            for job in jobs {
                let _ = job.reply.send(Err(StoreError::Config(format!(
                    "写入失败，请重试：{message}"
                ))));
            }
        }
    }
}

/// How a command's writes are committed.
#[derive(Clone, Copy)]
enum Mode {
    /// Inside the caller's transaction (a savepoint of a group commit).
    InTransaction,
    /// SQLite, alone: the write batch carries its own BEGIN and COMMIT.
    Alone { use_recent: bool },
}

async fn run_one(
    store: &Store,
    conn: &mut sqlx::AnyConnection,
    req: &CommandRequest,
    mode: Mode,
) -> StoreResult<CommandOutcome> {
    let key = command_key(req);
    let hash = request_hash(req);
    if let Some(key) = &key
        && let Some(outcome) = replay(conn, key, &hash).await?
    {
        return Ok(outcome);
    }
    let remembered = match (mode, req.case_id) {
        (Mode::Alone { use_recent: true }, Some(id)) => store.writer.recall(id),
        _ => None,
    };
    let (state, head) = match (remembered, req.case_id) {
        (Some(known), _) => known,
        (None, Some(id)) => load_case(conn, id).await?,
        (None, None) => (CaseState::default(), GENESIS.to_owned()),
    };
    if let Some(expected) = req.expected_version
        && expected != state.version
    {
        return Err(StoreError::Conflict {
            current: state.version,
        });
    }
    // Applicants act only on their own cases.
    if req.actor.staff_id.is_none()
        && let Some(id) = req.case_id
    {
        let (owner,): (Option<i64>,) =
            sqlx::query_as("SELECT applicant_account FROM cases WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
        if owner != Some(req.actor.account_id) {
            return Err(StoreError::Rejected(CaseError::NotAllowed(
                "只能办理本人的申请",
            )));
        }
    }
    let region = match &req.command {
        Command::Submit { item, .. } => item.region_code.clone(),
        _ => region_of(&state),
    };
    let cal = store.calendar_for(&region).await?;
    let events = {
        let ctx = Ctx {
            today: req.today,
            actor: &req.actor,
            calendar: &cal,
            case_no: case_number(&region, req.today, req.case_id.unwrap_or(0)),
            query_code: query_code(),
        };
        decide(&state, &req.command, &ctx).map_err(StoreError::Rejected)?
    };
    let command_id = key.clone().unwrap_or_else(|| crate::random_hex(16));
    let by = Provenance {
        actor_id: req.actor.account_id,
        command_id: &command_id,
        at: req.at,
        today: req.today,
    };
    let alone = matches!(mode, Mode::Alone { .. });
    let (case_id, prior, head) = match req.case_id {
        Some(id) => (id, state, head),
        None => {
            // A new case's row comes first, inside the transaction.
            if alone {
                sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
            }
            let opened = CaseState::from_events(&events);
            let applicant_account = req.actor.staff_id.is_none().then_some(req.actor.account_id);
            let id = insert_case(conn, &opened, applicant_account, &by).await?;
            (id, CaseState::default(), GENESIS.to_owned())
        }
    };
    let (after, new_head, mut batch) = prepare_append(case_id, prior, &head, &events, &by, &cal)?;
    if let Some(key) = &key {
        batch.push(
            "INSERT INTO case_commands (command_key, case_id, request_hash, first_seq, version, at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                Val::Text(key.clone()),
                Val::Int(case_id),
                Val::Text(hash),
                Val::Int((after.version as usize - events.len() + 1) as i64),
                Val::Int(after.version as i64),
                Val::Int(req.at),
            ],
        );
    }
    if alone {
        let begin = if req.case_id.is_some() {
            "BEGIN IMMEDIATE;\n"
        } else {
            ""
        };
        batch.wrap(begin, "COMMIT;");
    }
    let version = after.version;
    batch.run(conn).await?;
    if alone {
        store.writer.remember(case_id, after, new_head);
    }
    Ok(CommandOutcome {
        case_id,
        version,
        events,
        replayed: false,
    })
}

/// The first result of an earlier request with the same key, if there was one.
async fn replay(
    conn: &mut sqlx::AnyConnection,
    key: &str,
    hash: &str,
) -> StoreResult<Option<CommandOutcome>> {
    let Some((case_id, stored_hash, first, version)): Option<(i64, String, i64, i64)> =
        sqlx::query_as(
            "SELECT case_id, request_hash, first_seq, version FROM case_commands WHERE command_key = $1",
        )
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    if stored_hash != hash {
        return Err(StoreError::IdempotencyMismatch);
    }
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT payload FROM case_events WHERE case_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq",
    )
    .bind(case_id)
    .bind(first)
    .bind(version)
    .fetch_all(&mut *conn)
    .await?;
    let events = rows
        .iter()
        .map(|(p,)| serde_json::from_str(p).map_err(|e| StoreError::Config(e.to_string())))
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

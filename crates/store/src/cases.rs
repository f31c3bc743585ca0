//! The case event log: the source of truth for every case (全过程留痕). Events are appended
//! with optimistic concurrency, each chained to the previous one by SHA-256, and the `cases`
//! read model is updated in the same transaction. `verify_case_log` recomputes every chain.

use chrono::NaiveDate;
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::case::{CaseState, Event, Stage, WarnThreshold};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::case_db::CaseDb;
use crate::{Store, StoreError, StoreResult, now_ms};

/// The `prev_hash` of a case's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One stored event with its provenance.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredEvent {
    pub case_id: i64,
    pub seq: i64,
    pub kind: String,
    pub payload: String,
    pub actor_id: i64,
    pub command_id: String,
    pub at: i64,
    pub prev_hash: String,
    pub hash: String,
}

/// Who caused the events and under which command (for idempotency and the audit trail).
#[derive(Debug, Clone)]
pub struct Provenance<'a> {
    pub actor_id: i64,
    pub command_id: &'a str,
    pub at: i64,
    /// The business day (Asia/Shanghai) the events belong to, for the daily rollups.
    pub today: NaiveDate,
}

/// A broken chain: the case, the first bad event, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditProblem {
    pub case_id: i64,
    pub seq: i64,
    pub problem: String,
}

/// SHA-256 over the previous hash and every stored field of the event, each length-prefixed so
/// that no two different events join to the same bytes.
pub fn chain_hash(prev: &str, event: &StoredEvent) -> String {
    let mut h = Sha256::new();
    let (case_id, seq, actor, at) = (
        event.case_id.to_string(),
        event.seq.to_string(),
        event.actor_id.to_string(),
        event.at.to_string(),
    );
    for part in [
        prev,
        &case_id,
        &seq,
        &event.kind,
        &event.payload,
        &actor,
        &event.command_id,
        &at,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

fn encode(event: &Event) -> StoreResult<(String, String)> {
    let value = serde_json::to_value(event).map_err(|e| StoreError::Config(e.to_string()))?;
    let kind = value["type"].as_str().unwrap_or("unknown").to_owned();
    Ok((kind, value.to_string()))
}

impl Store {
    /// Opens a new case with its first events; returns its id and state.
    pub async fn create_case(
        &self,
        events: &[Event],
        by: &Provenance<'_>,
    ) -> StoreResult<(i64, CaseState)> {
        let state = CaseState::from_events(events);
        let cal = self.calendar_for(&region_of(&state)).await?;
        let warn = self.warn_threshold().await?;
        let mut tx = self.pool.begin().await?;
        let id = insert_case(&mut *tx, &state, None, by).await?;
        let (state, _, batch) =
            prepare_append(id, CaseState::default(), GENESIS, events, by, &cal, &warn)?;
        batch.run(&mut *tx).await?;
        tx.commit().await?;
        Ok((id, state))
    }

    /// Appends events if the case is still at `expected` version; otherwise
    /// `StoreError::Conflict` with the current version, and nothing is written.
    pub async fn append_case_events(
        &self,
        case_id: i64,
        expected: u64,
        events: &[Event],
        by: &Provenance<'_>,
    ) -> StoreResult<CaseState> {
        let mut tx = self.pool.begin().await?;
        let (state, head, _) = load_case(&mut *tx, case_id).await?;
        if state.version != expected {
            return Err(StoreError::Conflict {
                current: state.version,
            });
        }
        let cal = self.calendar_for(&region_of(&state)).await?;
        let warn = self.warn_threshold().await?;
        let (state, _, batch) = prepare_append(case_id, state, &head, events, by, &cal, &warn)?;
        batch.run(&mut *tx).await?;
        tx.commit().await?;
        Ok(state)
    }

    pub async fn case_events(&self, case_id: i64) -> StoreResult<Vec<StoredEvent>> {
        Ok(sqlx::query_as(
            "SELECT case_id, seq, kind, payload, actor_id, command_id, at, prev_hash, hash
             FROM case_events WHERE case_id = $1 ORDER BY seq",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Recomputes every case's chain and compares it with the read model's head; returns the
    /// first problem of each broken case (empty when the log is intact).
    pub async fn verify_case_log(&self) -> StoreResult<Vec<AuditProblem>> {
        let rows: Vec<StoredEvent> = sqlx::query_as(
            "SELECT case_id, seq, kind, payload, actor_id, command_id, at, prev_hash, hash
             FROM case_events ORDER BY case_id, seq, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let heads: Vec<(i64, i64, String, String)> =
            sqlx::query_as("SELECT id, version, head_hash, state FROM cases ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        let mut problems = Vec::new();
        let mut i = 0;
        for (case_id, version, head, snapshot) in heads {
            let mut folded = CaseState::default();
            let mut prev = GENESIS.to_owned();
            let mut expected_seq = 1;
            let mut problem: Option<AuditProblem> = None;
            while i < rows.len() && rows[i].case_id < case_id {
                problems.push(AuditProblem {
                    case_id: rows[i].case_id,
                    seq: rows[i].seq,
                    problem: "事件不属于任何办件（被插入）".into(),
                });
                let orphan = rows[i].case_id;
                while i < rows.len() && rows[i].case_id == orphan {
                    i += 1;
                }
            }
            while i < rows.len() && rows[i].case_id == case_id {
                let r = &rows[i];
                i += 1;
                if problem.is_some() {
                    continue;
                }
                let found = |what: &str| {
                    Some(AuditProblem {
                        case_id,
                        seq: r.seq,
                        problem: what.to_owned(),
                    })
                };
                if r.seq != expected_seq {
                    problem = found(&format!(
                        "事件序号不连续（应为 {expected_seq}）：有事件被删除、插入或重排"
                    ));
                } else if r.prev_hash != prev {
                    problem = found("前一事件哈希不符：事件被插入或重排");
                } else if chain_hash(&prev, r) != r.hash {
                    problem = found("事件内容与哈希不符：事件被修改");
                } else {
                    match serde_json::from_str::<Event>(&r.payload) {
                        Ok(e) => folded.apply(&e),
                        Err(_) => problem = found("事件内容无法解析"),
                    }
                }
                prev = r.hash.clone();
                expected_seq += 1;
            }
            let count = expected_seq - 1;
            if problem.is_none() && (count != version || prev != head) {
                problem = Some(AuditProblem {
                    case_id,
                    seq: count + 1,
                    problem: format!(
                        "链尾与办件记录不符（记录 {version} 个事件，实有 {count} 个）：事件被删除或截断"
                    ),
                });
            }
            if problem.is_none()
                && serde_json::from_str::<CaseState>(&snapshot).ok().as_ref() != Some(&folded)
            {
                problem = Some(AuditProblem {
                    case_id,
                    seq: count,
                    problem: "办件状态记录与事件重演结果不符：读模型被修改".into(),
                });
            }
            problems.extend(problem);
        }
        while i < rows.len() {
            problems.push(AuditProblem {
                case_id: rows[i].case_id,
                seq: rows[i].seq,
                problem: "事件不属于任何办件（被插入）".into(),
            });
            let orphan = rows[i].case_id;
            while i < rows.len() && rows[i].case_id == orphan {
                i += 1;
            }
        }
        Ok(problems)
    }
}

/// The region whose calendar a case follows.
pub(crate) fn region_of(state: &CaseState) -> String {
    state
        .item
        .as_ref()
        .map(|i| i.region_code.clone())
        .unwrap_or_default()
}

/// Inserts the `cases` row of a new case (before its first events are appended).
pub(crate) async fn insert_case(
    db: &mut impl CaseDb,
    submitted: &CaseState,
    applicant_account: Option<i64>,
    by: &Provenance<'_>,
) -> StoreResult<i64> {
    let item = submitted
        .item
        .as_ref()
        .ok_or_else(|| StoreError::Config("a case starts with its submission".into()))?;
    let applicant = submitted.applicant.as_ref();
    db.insert_id(
        "INSERT INTO cases (stage, item_id, item_version, department_id, applicant, applicant_id, applicant_account,
                            item_name, channel, submitted_on, version, head_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $12) RETURNING id",
        vec![
            Val::Text(Stage::New.key().to_owned()),
            Val::Int(item.item_id),
            Val::Int(item.version),
            Val::Int(item.department_id),
            Val::Text(applicant.map(|a| a.name.clone()).unwrap_or_default()),
            Val::Text(applicant.map(|a| a.id_number.clone()).unwrap_or_default()),
            Val::OptInt(applicant_account),
            Val::Text(item.name.clone()),
            Val::Text(submitted.channel.map_or("window", |c| c.key()).to_owned()),
            Val::Text(by.today.to_string()),
            Val::Text(GENESIS.to_owned()),
            Val::Int(by.at),
        ],
    )
    .await
}

/// A case's folded state (kept on its row), the head of its chain and its applicant account.
pub(crate) async fn load_case(
    db: &mut impl CaseDb,
    case_id: i64,
) -> StoreResult<(CaseState, String, Option<i64>)> {
    let row = db
        .case_row(case_id)
        .await?
        .ok_or(StoreError::NotFound("case"))?;
    let state = serde_json::from_str(&row.state)
        .map_err(|e| StoreError::Config(format!("case {case_id} state: {e}")))?;
    Ok((state, row.head, row.applicant_account))
}

/// A value bound into a write batch.
pub(crate) enum Val {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
}

/// The statements of one append, each written with its own `$1..$k`.
#[derive(Default)]
pub(crate) struct WriteBatch {
    statements: Vec<(&'static str, Vec<Val>)>,
    /// The case's version once written (reported on a conflict).
    version: u64,
}

impl WriteBatch {
    pub(crate) fn push(&mut self, sql: &'static str, args: Vec<Val>) {
        self.statements.push((sql, args));
    }

    /// Runs the statements; a unique-key violation means another writer appended the same
    /// sequence number first (or used the same key): a conflict.
    pub(crate) async fn run(self, db: &mut impl CaseDb) -> StoreResult<()> {
        for (sql, args) in self.statements {
            if !db.write(sql, args).await? {
                return Err(StoreError::Conflict {
                    current: self.version,
                });
            }
        }
        Ok(())
    }
}

/// The statements that append `events` and update the read models, with the state and the
/// chain's head after them; nothing is written yet.
pub(crate) fn prepare_append(
    case_id: i64,
    mut state: CaseState,
    head: &str,
    events: &[Event],
    by: &Provenance<'_>,
    cal: &WorkCalendar,
    warn: &WarnThreshold,
) -> StoreResult<(CaseState, String, WriteBatch)> {
    let work_before = state.open_work();
    let timers_before = state
        .timers(cal, warn)
        .map_err(|e| StoreError::Config(e.to_string()))?;
    let fresh = state.version == 0;
    let due_before = state.due;
    let (stage_before, case_no_before) = (state.stage(), state.case_no.clone());
    let mut batch = WriteBatch::default();
    let mut prev = head.to_owned();
    let mut rollup = Rollup::default();
    for event in events {
        let seq = state.version as i64 + 1;
        let (kind, payload) = encode(event)?;
        let mut stored = StoredEvent {
            case_id,
            seq,
            kind,
            payload,
            actor_id: by.actor_id,
            command_id: by.command_id.to_owned(),
            at: by.at,
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        stored.hash = chain_hash(&prev, &stored);
        batch.push(
            "INSERT INTO case_events (case_id, seq, kind, payload, actor_id, command_id, at, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            vec![
                Val::Int(case_id),
                Val::Int(seq),
                Val::Text(stored.kind),
                Val::Text(stored.payload),
                Val::Int(by.actor_id),
                Val::Text(stored.command_id),
                Val::Int(by.at),
                Val::Text(prev),
                Val::Text(stored.hash.clone()),
            ],
        );
        state.apply(event);
        rollup.count(event, &state);
        if let Some((rule, detail)) = onewindow_domain::case::finding_of(event, &state) {
            // Raised only while its rule is switched on.
            batch.push(
                "INSERT INTO findings (rule_code, case_id, department_id, event_seq, detail, raised_on, raised_at)
                 SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS
                    (SELECT 1 FROM finding_rules WHERE code = $1 AND enabled = 1)",
                vec![
                    Val::Text(rule.to_owned()),
                    Val::Int(case_id),
                    Val::Int(state.item.as_ref().map_or(0, |i| i.department_id)),
                    Val::Int(seq),
                    Val::Text(detail),
                    Val::Text(by.today.to_string()),
                    Val::Int(by.at),
                ],
            );
        }
        prev = stored.hash;
    }
    let snapshot = serde_json::to_string(&state).map_err(|e| StoreError::Config(e.to_string()))?;
    let work = state.open_work();
    let concluded_on = events.iter().find_map(|e| match e {
        Event::Concluded { on, .. } => Some(*on),
        _ => None,
    });
    let accepted_by = events
        .iter()
        .any(|e| {
            matches!(
                e,
                Event::Accepted { .. } | Event::AcceptedWithDeficiencies { .. }
            )
        })
        .then_some(by.actor_id);
    // At conclusion: the working days the clock ran, and whether the case went through without
    // a return or a correction notice (准确率).
    let (days_used, accurate) = match (concluded_on, state.accepted_on) {
        (Some(on), Some(accepted)) => {
            let ran = cal
                .remaining_working_days(accepted, on)
                .map_err(|e| StoreError::Config(e.to_string()))?;
            let used = (ran - i64::from(state.paused_days)).max(0);
            let accurate = state.returns == 0 && state.supplement_notices == 0;
            (Some(used), Some(i64::from(accurate)))
        }
        _ => (None, None),
    };
    // The indexed stage and case number only when they change: rewriting an index entry costs
    // a page even when the value is the same.
    let indexed = fresh || state.stage() != stage_before || state.case_no != case_no_before;
    let mut row = vec![
        Val::OptText(state.query_code.clone()),
        Val::OptText(state.accepted_on.map(|d| d.to_string())),
        Val::OptText(state.due.map(|d| d.to_string())),
        Val::Int(state.version as i64),
        Val::Text(prev.clone()),
        Val::Int(now_ms().max(by.at)),
        Val::Text(snapshot),
        Val::OptText(work.as_ref().map(|w| w.what.clone())),
        Val::OptInt(state.assignee),
        Val::Int(i64::from(state.paused.is_some())),
        Val::OptText(concluded_on.map(|d| d.to_string())),
        Val::OptInt(accepted_by),
        Val::OptInt(days_used),
        Val::OptInt(accurate),
        Val::Int(case_id),
    ];
    if indexed {
        row.push(Val::Text(state.stage().key().to_owned()));
        row.push(Val::OptText(state.case_no.clone()));
    }
    batch.push(
        if indexed {
            "UPDATE cases SET query_code = $1, accepted_on = $2, due = $3, version = $4,
                head_hash = $5, updated_at = $6, state = $7, step_name = $8, assignee = $9, paused = $10,
                concluded_on = COALESCE($11, concluded_on), accepted_by = COALESCE($12, accepted_by),
                days_used = COALESCE($13, days_used), accurate = COALESCE($14, accurate),
                stage = $16, case_no = $17
             WHERE id = $15"
        } else {
            "UPDATE cases SET query_code = $1, accepted_on = $2, due = $3, version = $4,
                head_hash = $5, updated_at = $6, state = $7, step_name = $8, assignee = $9, paused = $10,
                concluded_on = COALESCE($11, concluded_on), accepted_by = COALESCE($12, accepted_by),
                days_used = COALESCE($13, days_used), accurate = COALESCE($14, accurate)
             WHERE id = $15"
        },
        row,
    );
    // At acceptance, the window the accepting clerk sits at (a statement of its own, run only
    // then: a subquery in the UPDATE above would cost every command).
    if let Some(clerk) = accepted_by {
        batch.push(
            "UPDATE cases SET accepted_window =
                (SELECT ws.window_id FROM staff s JOIN window_staff ws ON ws.staff_id = s.id
                 WHERE s.account_id = $1)
             WHERE id = $2",
            vec![Val::Int(clerk), Val::Int(case_id)],
        );
    }

    // The case's one open task and its timers, each row written only when it changed and with
    // only the indexed columns that changed: every index entry rewritten costs a page.
    let due_before = due_before.map(|d| d.to_string());
    let due = state.due.map(|d| d.to_string());
    match (&work_before, &work) {
        (_, None) if work_before.is_some() => batch.push(
            "DELETE FROM case_tasks WHERE case_id = $1",
            vec![Val::Int(case_id)],
        ),
        (_, None) => {}
        (None, Some(w)) => batch.push(
            "INSERT INTO case_tasks (case_id, department_id, role, assignee, what, since, due)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                Val::Int(case_id),
                Val::Int(w.department_id),
                Val::Text(w.role.key().to_owned()),
                Val::OptInt(w.assignee),
                Val::Text(w.what.clone()),
                Val::OptText(w.since.map(|d| d.to_string())),
                Val::OptText(due.clone()),
            ],
        ),
        (Some(b), Some(w)) if (b.department_id, b.role, b.assignee) == (w.department_id, w.role, w.assignee) => {
            if (&b.what, b.since, &due_before) != (&w.what, w.since, &due) {
                batch.push(
                    "UPDATE case_tasks SET what = $1, since = $2, due = $3 WHERE case_id = $4",
                    vec![
                        Val::Text(w.what.clone()),
                        Val::OptText(w.since.map(|d| d.to_string())),
                        Val::OptText(due.clone()),
                        Val::Int(case_id),
                    ],
                );
            }
        }
        (Some(_), Some(w)) => batch.push(
            "UPDATE case_tasks SET department_id = $1, role = $2, assignee = $3, what = $4, since = $5, due = $6
             WHERE case_id = $7",
            vec![
                Val::Int(w.department_id),
                Val::Text(w.role.key().to_owned()),
                Val::OptInt(w.assignee),
                Val::Text(w.what.clone()),
                Val::OptText(w.since.map(|d| d.to_string())),
                Val::OptText(due.clone()),
                Val::Int(case_id),
            ],
        ),
    }

    let timers = state
        .timers(cal, warn)
        .map_err(|e| StoreError::Config(e.to_string()))?;
    let department = state.item.as_ref().map_or(0, |i| i.department_id);
    for gone in timers_before
        .iter()
        .filter(|b| !timers.iter().any(|t| t.kind == b.kind))
    {
        batch.push(
            "DELETE FROM case_timers WHERE case_id = $1 AND kind = $2",
            vec![Val::Int(case_id), Val::Text(gone.kind.key().to_owned())],
        );
    }
    for t in &timers {
        let args = vec![
            Val::Text(t.warn_on.to_string()),
            Val::Text(t.due_on.to_string()),
            Val::Int(case_id),
            Val::Text(t.kind.key().to_owned()),
            Val::Int(department),
        ];
        match timers_before.iter().find(|b| b.kind == t.kind) {
            Some(b) if b == t => {}
            Some(_) => batch.push(
                "UPDATE case_timers SET warn_on = $1, due_on = $2, fresh = 1 WHERE case_id = $3 AND kind = $4",
                args.into_iter().take(4).collect(),
            ),
            None => batch.push(
                "INSERT INTO case_timers (warn_on, due_on, case_id, kind, department_id) VALUES ($1, $2, $3, $4, $5)",
                args,
            ),
        }
    }

    if !rollup.is_empty()
        && let Some(item) = &state.item
    {
        batch.push(
            "INSERT INTO case_rollups (day, department_id, item_id, received, accepted, concluded, instant, promised,
                                       concluded_on_time, overdue, accurate, days_used, days_promised)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (day, department_id, item_id) DO UPDATE SET
                received = case_rollups.received + excluded.received,
                accepted = case_rollups.accepted + excluded.accepted,
                concluded = case_rollups.concluded + excluded.concluded,
                instant = case_rollups.instant + excluded.instant,
                promised = case_rollups.promised + excluded.promised,
                concluded_on_time = case_rollups.concluded_on_time + excluded.concluded_on_time,
                overdue = case_rollups.overdue + excluded.overdue,
                accurate = case_rollups.accurate + excluded.accurate,
                days_used = case_rollups.days_used + excluded.days_used,
                days_promised = case_rollups.days_promised + excluded.days_promised",
            vec![
                Val::Text(by.today.to_string()),
                Val::Int(item.department_id),
                Val::Int(item.item_id),
                Val::Int(rollup.received),
                Val::Int(rollup.accepted),
                Val::Int(rollup.concluded),
                Val::Int(rollup.instant),
                Val::Int(rollup.promised),
                Val::Int(rollup.on_time),
                Val::Int(rollup.overdue),
                Val::Int(accurate.unwrap_or(0)),
                Val::Int(days_used.unwrap_or(0)),
                Val::Int(if concluded_on.is_some() {
                    i64::from(item.promised_days + state.extended_days)
                } else {
                    0
                }),
            ],
        );
    }
    batch.version = state.version;
    Ok((state, prev, batch))
}

/// What one command adds to the day's figures for its department and item.
#[derive(Default)]
struct Rollup {
    received: i64,
    accepted: i64,
    concluded: i64,
    instant: i64,
    promised: i64,
    on_time: i64,
    overdue: i64,
}

impl Rollup {
    fn count(&mut self, event: &Event, state: &CaseState) {
        match event {
            Event::Submitted { .. } => self.received += 1,
            Event::Accepted { .. } | Event::AcceptedWithDeficiencies { .. } => {
                self.accepted += 1;
                if state.item.as_ref().is_some_and(|i| i.case_type == "1") {
                    self.instant += 1;
                } else {
                    self.promised += 1;
                }
            }
            Event::Concluded { on_time, .. } => {
                self.concluded += 1;
                if *on_time {
                    self.on_time += 1;
                } else {
                    self.overdue += 1;
                }
            }
            _ => {}
        }
    }
    fn is_empty(&self) -> bool {
        self.received + self.accepted + self.concluded == 0
    }
}

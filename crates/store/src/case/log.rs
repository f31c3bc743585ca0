//! The case event log: the source of truth for every case (全过程留痕). Events are appended
//! with optimistic concurrency, each chained to the previous one by SHA-256, and the `cases`
//! read model is updated in the same transaction. `verify_case_log` recomputes every chain.

use chrono::NaiveDate;
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::case::{CaseState, Event, Stage, WarnThreshold};
use onewindow_domain::ids::CaseId;
use onewindow_domain::ids::{AccountId, DepartmentId, StaffId};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::case::checkpoints::EventKey;
use crate::infra::batch::{WriteBatch, sql};
use crate::infra::case_db::CaseDb;
use crate::projections::{Appended, Change, Conclusion, PROJECTIONS};
use crate::{StoreError, StoreResult};

/// The `prev_hash` of a case's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One stored event with its provenance.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredEvent {
    pub case_id: CaseId,
    pub seq: i64,
    pub kind: String,
    pub payload: String,
    pub actor_id: AccountId,
    pub command_id: String,
    pub at: i64,
    pub prev_hash: String,
    pub hash: String,
}

/// Who caused the events and under which command (for idempotency and the audit trail).
#[derive(Debug, Clone)]
pub struct Provenance<'a> {
    pub actor_id: AccountId,
    pub command_id: &'a str,
    pub at: i64,
    /// The business day (Asia/Shanghai) the events belong to, for the daily rollups.
    pub today: NaiveDate,
}

/// Which part of the log a problem was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LogPart {
    /// A case's chain (`case_id`, its event `seq`).
    Case,
    /// A signed checkpoint (`seq` is its id; 0 for the tree or key as a whole).
    Checkpoint,
    /// The security log's chain (`seq` is the entry's place in it).
    Security,
}

/// Something wrong in the log: where, the first bad entry there, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditProblem {
    pub part: LogPart,
    /// The case (0 outside case chains).
    pub case_id: CaseId,
    pub seq: i64,
    pub problem: String,
}

impl AuditProblem {
    pub fn case(case_id: CaseId, seq: i64, problem: impl Into<String>) -> AuditProblem {
        AuditProblem {
            part: LogPart::Case,
            case_id,
            seq,
            problem: problem.into(),
        }
    }

    pub fn checkpoint(id: i64, problem: impl Into<String>) -> AuditProblem {
        AuditProblem {
            part: LogPart::Checkpoint,
            case_id: CaseId(0),
            seq: id,
            problem: problem.into(),
        }
    }

    pub fn security(seq: i64, problem: impl Into<String>) -> AuditProblem {
        AuditProblem {
            part: LogPart::Security,
            case_id: CaseId(0),
            seq,
            problem: problem.into(),
        }
    }
}

/// One line for people: where, then what.
impl std::fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (case, seq, problem) = (self.case_id, self.seq, &self.problem);
        match self.part {
            LogPart::Case => write!(f, "办件 {case} 第 {seq} 个事件：{problem}"),
            LogPart::Checkpoint if seq == 0 => write!(f, "日志树：{problem}"),
            LogPart::Checkpoint => write!(f, "检查点 {seq}：{problem}"),
            LogPart::Security => write!(f, "安全日志第 {seq} 条：{problem}"),
        }
    }
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

impl crate::CaseStore<'_> {
    /// Opens a new case with its first events; returns its id and state.
    pub async fn create_case(
        self,
        events: &[Event],
        by: &Provenance<'_>,
    ) -> StoreResult<(CaseId, CaseState)> {
        let opened = CaseState::from_events(events);
        let mut tx = self.store.pool.begin().await?;
        let id = insert_case(&mut *tx, &opened, None, by).await?;
        let region = region_of(&opened);
        let state = self
            .commit(tx, id, CaseState::default(), GENESIS, &region, events, by)
            .await?;
        Ok((id, state))
    }

    /// Appends events if the case is still at `expected` version; otherwise
    /// `StoreError::Conflict` with the current version, and nothing is written.
    pub async fn append_case_events(
        self,
        case_id: CaseId,
        expected: u64,
        events: &[Event],
        by: &Provenance<'_>,
    ) -> StoreResult<CaseState> {
        let mut tx = self.store.pool.begin().await?;
        let (state, head, _) = load_case(&mut *tx, case_id).await?;
        if state.version != expected {
            return Err(StoreError::Conflict {
                current: state.version,
            });
        }
        let region = region_of(&state);
        self.commit(tx, case_id, state, &head, &region, events, by)
            .await
    }

    /// Appends `events` after `prior` (whose chain ends at `head`) with their read models, in
    /// `tx`, and commits; the calendar is the one of `region`.
    #[allow(clippy::too_many_arguments)]
    async fn commit(
        self,
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        case_id: CaseId,
        prior: CaseState,
        head: &str,
        region: &str,
        events: &[Event],
        by: &Provenance<'_>,
    ) -> StoreResult<CaseState> {
        let cal = self.store.calendar().calendar_for(region).await?;
        let warn = self.store.supervision().warn_threshold().await?;
        let key = self.store.event_key();
        let (state, _, batch) = prepare_append(case_id, prior, head, events, by, &cal, &warn, key)?;
        batch.run(&mut *tx).await?;
        tx.commit().await?;
        Ok(state)
    }

    pub async fn case_events(self, case_id: CaseId) -> StoreResult<Vec<StoredEvent>> {
        Ok(sqlx::query_as(
            "SELECT case_id, seq, kind, payload, actor_id, command_id, at, prev_hash, hash
             FROM case_events WHERE case_id = $1 ORDER BY seq",
        )
        .bind(case_id.get())
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Authenticates the events stored before the writer had a key, once, when the key is made;
    /// refuses while any chain is broken, so that nothing forged is ever given a MAC.
    pub(crate) async fn adopt_events(self, key: &EventKey) -> StoreResult<()> {
        let problems = self.verify_case_log().await?;
        if let Some(p) = problems.first() {
            return Err(StoreError::Config(format!(
                "事件日志校验未通过（办件 {} 第 {} 个事件：{}），不为既有事件签发认证码",
                p.case_id, p.seq, p.problem
            )));
        }
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, hash FROM case_events WHERE mac IS NULL")
                .fetch_all(&self.store.pool)
                .await?;
        let mut tx = self.store.pool.begin().await?;
        for (id, hash) in &rows {
            sqlx::query("UPDATE case_events SET mac = $1 WHERE id = $2")
                .bind(key.mac(hash))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        if !rows.is_empty() {
            tracing::warn!(
                events = rows.len(),
                "authenticated the events stored before the event key"
            );
        }
        Ok(())
    }

    /// Recomputes every case's chain and compares it with the read model's head; returns the
    /// first problem of each broken case (empty when the log is intact).
    pub async fn verify_case_log(self) -> StoreResult<Vec<AuditProblem>> {
        self.verify_cases("").await
    }

    /// `verify_case_log` for the cases with events written since the last checkpoint only: what
    /// the checkpointer checks before it signs (the signed tree covers everything before). The
    /// cases are named first, so that a signer placing events meanwhile changes nothing.
    pub(crate) async fn verify_unplaced_cases(self) -> StoreResult<Vec<AuditProblem>> {
        let ids: Vec<(CaseId,)> =
            sqlx::query_as("SELECT DISTINCT case_id FROM case_events WHERE log_index IS NULL")
                .fetch_all(&self.store.pool)
                .await?;
        let mut problems = Vec::new();
        for chunk in ids.chunks(1000) {
            let list = chunk
                .iter()
                .map(|(id,)| id.to_string())
                .collect::<Vec<_>>()
                .join(",");
            problems.extend(
                self.verify_cases(&format!("WHERE {{id}} IN ({list})"))
                    .await?,
            );
        }
        Ok(problems)
    }

    /// Verifies the cases the filter keeps (`{id}` stands for the case id column).
    async fn verify_cases(self, filter: &str) -> StoreResult<Vec<AuditProblem>> {
        let rows: Vec<LoggedEvent> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT case_id, seq, kind, payload, actor_id, command_id, at, prev_hash, hash, mac
             FROM case_events {} ORDER BY case_id, seq, id",
            filter.replace("{id}", "case_id")
        )))
        .fetch_all(&self.store.pool)
        .await?;
        let key = self.store.event_key();
        let heads: Vec<ReadModel> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, version, head_hash, state, department_id, applicant_account, stage, due,
                    case_no, assignee
             FROM cases {} ORDER BY id",
            filter.replace("{id}", "id")
        )))
        .fetch_all(&self.store.pool)
        .await?;
        let mut problems = Vec::new();
        let mut i = 0;
        for row in heads {
            let (case_id, version, head) = (row.id, row.version, row.head_hash.clone());
            let mut first_actor = None;
            let mut folded = CaseState::default();
            let mut prev = GENESIS.to_owned();
            let mut expected_seq = 1;
            let mut problem: Option<AuditProblem> = None;
            while i < rows.len() && rows[i].event.case_id < case_id {
                i = skip_orphan(&rows, i, &mut problems);
            }
            while i < rows.len() && rows[i].event.case_id == case_id {
                let (r, mac) = (&rows[i].event, rows[i].mac.as_deref());
                i += 1;
                if problem.is_some() {
                    continue;
                }
                let found = |what: &str| Some(AuditProblem::case(case_id, r.seq, what.to_owned()));
                if r.seq != expected_seq {
                    problem = found(&format!(
                        "事件序号不连续（应为 {expected_seq}）：有事件被删除、插入或重排"
                    ));
                } else if r.prev_hash != prev {
                    problem = found("前一事件哈希不符：事件被插入或重排");
                } else if chain_hash(&prev, r) != r.hash {
                    problem = found("事件内容与哈希不符：事件被修改");
                } else if key.is_some_and(|k| !mac.is_some_and(|m| k.verifies(&r.hash, m))) {
                    problem = found("事件没有写入者的有效认证码：事件在数据库中被伪造或改写");
                } else {
                    first_actor = first_actor.or(Some(r.actor_id));
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
                problem = Some(AuditProblem::case(
                    case_id,
                    count + 1,
                    format!(
                        "链尾与办件记录不符（记录 {version} 个事件，实有 {count} 个）：事件被删除或截断"
                    ),
                ));
            }
            if problem.is_none()
                && serde_json::from_str::<CaseState>(&row.state).ok().as_ref() != Some(&folded)
            {
                problem = Some(AuditProblem::case(
                    case_id,
                    count,
                    "办件状态记录与事件重演结果不符：读模型被修改",
                ));
            }
            if problem.is_none()
                && let Some(column) = row.differs_from(&folded, first_actor)
            {
                problem = Some(AuditProblem::case(
                    case_id,
                    count,
                    format!("办件记录的{column}与事件不符：用于权限判断的读模型被修改"),
                ));
            }
            problems.extend(problem);
        }
        while i < rows.len() {
            i = skip_orphan(&rows, i, &mut problems);
        }
        Ok(problems)
    }
}

/// An event as verification reads it: with the writer's MAC.
#[derive(sqlx::FromRow)]
struct LoggedEvent {
    #[sqlx(flatten)]
    event: StoredEvent,
    mac: Option<String>,
}

/// The columns of a case's row that the log re-derives: the chain's head, the folded state, and
/// what authorisation and the inboxes read (department, applicant, stage, deadline, number,
/// assignee), so that editing them to see or act on a case is caught.
#[derive(sqlx::FromRow)]
struct ReadModel {
    id: CaseId,
    version: i64,
    head_hash: String,
    state: String,
    department_id: DepartmentId,
    applicant_account: Option<AccountId>,
    stage: String,
    due: Option<String>,
    case_no: Option<String>,
    assignee: Option<StaffId>,
}

impl ReadModel {
    /// The first column (named in Chinese) that the events do not bear out. The applicant's
    /// account is the submitter's when set; window cases have none.
    fn differs_from(
        &self,
        folded: &CaseState,
        submitter: Option<AccountId>,
    ) -> Option<&'static str> {
        let department = folded.item.as_ref().map(|i| i.department_id);
        if department.is_some_and(|d| d != self.department_id) {
            Some("承办部门")
        } else if self.applicant_account.is_some() && self.applicant_account != submitter {
            Some("申请人账号")
        } else if self.stage != folded.stage().key() {
            Some("办理阶段")
        } else if self.due != folded.due.map(|d| d.to_string()) {
            Some("办结期限")
        } else if self.case_no != folded.case_no {
            Some("办件编号")
        } else if self.assignee != folded.assignee {
            Some("指定办理人")
        } else {
            None
        }
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
    applicant_account: Option<AccountId>,
    by: &Provenance<'_>,
) -> StoreResult<CaseId> {
    let item = submitted
        .item
        .as_ref()
        .ok_or_else(|| StoreError::Config("a case starts with its submission".into()))?;
    let applicant = submitted.applicant.as_ref();
    let sql = sql!(
        "INSERT INTO cases (stage, item_id, item_version, department_id, applicant, applicant_id, applicant_account,
                            item_name, channel, submitted_on, version, head_hash, created_at, updated_at)
         VALUES (:stage, :item_id, :item_version, :department_id, :applicant, :applicant_id, :applicant_account,
                 :item_name, :channel, :submitted_on, 0, :head, :at, :at) RETURNING id"
    );
    let args = sql.bind(vec![
        ("stage", Stage::New.key().into()),
        ("item_id", item.item_id.into()),
        ("item_version", item.version.into()),
        ("department_id", item.department_id.into()),
        (
            "applicant",
            applicant.map(|a| a.name.clone()).unwrap_or_default().into(),
        ),
        (
            "applicant_id",
            applicant
                .map(|a| a.id_number.clone())
                .unwrap_or_default()
                .into(),
        ),
        ("applicant_account", applicant_account.into()),
        ("item_name", item.name.clone().into()),
        (
            "channel",
            submitted.channel.map_or("window", |c| c.key()).into(),
        ),
        ("submitted_on", by.today.to_string().into()),
        ("head", GENESIS.into()),
        ("at", by.at.into()),
    ])?;
    db.insert_id(sql.text(), args).await.map(CaseId)
}

/// A case's folded state (kept on its row), the head of its chain and its applicant account.
pub(crate) async fn load_case(
    db: &mut impl CaseDb,
    case_id: CaseId,
) -> StoreResult<(CaseState, String, Option<AccountId>)> {
    let row = db
        .case_row(case_id)
        .await?
        .ok_or(StoreError::NotFound("case"))?;
    let state = serde_json::from_str(&row.state)
        .map_err(|e| StoreError::Config(format!("case {case_id} state: {e}")))?;
    Ok((state, row.head, row.applicant_account))
}

/// Appends `events` to the case's chain and hands them to every projection; returns the state
/// and the chain's head after them, and the statements to run (nothing is written yet).
#[allow(clippy::too_many_arguments)]
pub(crate) fn prepare_append(
    case_id: CaseId,
    mut state: CaseState,
    head: &str,
    events: &[Event],
    by: &Provenance<'_>,
    cal: &WorkCalendar,
    warn: &WarnThreshold,
    key: Option<&EventKey>,
) -> StoreResult<(CaseState, String, WriteBatch)> {
    let before = state.clone();
    let mut batch = WriteBatch::default();
    let mut prev = head.to_owned();
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
            prev_hash: prev,
            hash: String::new(),
        };
        stored.hash = chain_hash(&stored.prev_hash, &stored);
        prev = stored.hash.clone();
        let mac = key.map(|k| k.mac(&stored.hash));
        batch.add(
            sql!(
                "INSERT INTO case_events (case_id, seq, kind, payload, actor_id, command_id, at, prev_hash, hash, mac)
                 VALUES (:case_id, :seq, :kind, :payload, :actor_id, :command_id, :at, :prev_hash, :hash, :mac)"
            ),
            vec![
                ("case_id", case_id.into()),
                ("seq", seq.into()),
                ("kind", stored.kind.into()),
                ("payload", stored.payload.into()),
                ("actor_id", by.actor_id.into()),
                ("command_id", stored.command_id.into()),
                ("at", by.at.into()),
                ("prev_hash", stored.prev_hash.into()),
                ("hash", stored.hash.into()),
                ("mac", mac.into()),
            ],
        )?;
        state.apply(event);
        let appended = Appended {
            case_id,
            seq,
            event,
            after: &state,
            by,
        };
        for p in PROJECTIONS {
            p.event(&appended, &mut batch)?;
        }
    }
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
    let conclusion = match (concluded_on, state.accepted_on) {
        (Some(on), Some(accepted)) => {
            let ran = cal
                .remaining_working_days(accepted, on)
                .map_err(|e| StoreError::Config(e.to_string()))?;
            Some(Conclusion {
                days_used: (ran - i64::from(state.paused_days)).max(0),
                accurate: state.returns == 0 && state.supplement_notices == 0,
            })
        }
        _ => None,
    };
    let change = Change {
        case_id,
        tasks_before: before.open_tasks(),
        tasks_after: state.open_tasks(),
        before: &before,
        after: &state,
        events,
        head: &prev,
        by,
        cal,
        warn,
        accepted_by,
        concluded_on,
        conclusion,
    };
    for p in PROJECTIONS {
        p.command(&change, &mut batch)?;
    }
    batch.version = state.version;
    Ok((state, prev, batch))
}

/// Events of a case id with no case row (inserted behind the store's back): the first is
/// reported, all of them are passed over; returns the index after them.
fn skip_orphan(rows: &[LoggedEvent], mut i: usize, problems: &mut Vec<AuditProblem>) -> usize {
    let orphan = rows[i].event.case_id;
    problems.push(AuditProblem::case(
        orphan,
        rows[i].event.seq,
        "事件不属于任何办件（被插入）",
    ));
    while i < rows.len() && rows[i].event.case_id == orphan {
        i += 1;
    }
    i
}

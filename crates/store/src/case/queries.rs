//! Reading cases: the inboxes, search, one case with its timeline, the public progress lookup,
//! the statistics rollups, and the staff member as the case aggregate sees them.

use onewindow_domain::auth::Principal;
use onewindow_domain::case::{Actor, Applicant, CaseState, ItemRef};
use onewindow_domain::ids::CaseId;
use onewindow_domain::ids::{AccountId, DepartmentId, ItemId, StaffId};
use onewindow_domain::org::{FieldErrors, Power, Role};
use serde::Serialize;

use crate::attempts::AttemptKind;
use crate::case::log::StoredEvent;
use crate::{Flag, StoreError, StoreResult};

/// Wrong case numbers or query codes one address may try within `PROGRESS_WINDOW_MS`.
pub const MAX_PROGRESS_MISSES: i64 = 20;
pub const PROGRESS_WINDOW_MS: i64 = 15 * 60 * 1000;

/// A row of an inbox or a search result.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseRow {
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: CaseId,
    pub case_no: Option<String>,
    pub stage: String,
    pub item_id: ItemId,
    pub item_name: String,
    pub department_id: DepartmentId,
    pub applicant: String,
    pub channel: String,
    pub step_name: Option<String>,
    pub assignee: Option<StaffId>,
    pub submitted_on: String,
    pub accepted_on: Option<String>,
    pub due: Option<String>,
    #[sqlx(try_from = "i64")]
    pub paused: Flag,
    pub version: i64,
    /// The region whose working-day calendar (with its corrections) the case's clock runs on:
    /// that of the handling department's centre.
    pub region_code: String,
}

const ROW: &str =
    "c.id, c.case_no, c.stage, c.item_id, c.item_name, c.department_id, c.applicant, c.channel,
    c.step_name, c.assignee, c.submitted_on, c.accepted_on, c.due, c.paused, c.version,
    COALESCE((SELECT ce.region_code FROM departments d JOIN centres ce ON ce.id = d.centre_id
     WHERE d.id = c.department_id), '') AS region_code";

/// The tasks that are this person's (SQL over `case_tasks t`): assigned to them or to someone
/// they back up, or open to their role in their department. Roles and ids come from the
/// database and enums, never from the request.
fn inbox_scope(actor: &Actor) -> String {
    let mut mine = Vec::new();
    if let Some(s) = actor.staff_id {
        mine.push(s);
    }
    mine.extend(&actor.backup_for);
    let roles: Vec<String> = actor
        .roles
        .iter()
        .map(|r| format!("'{}'", r.key()))
        .collect();
    let mut open = if roles.is_empty() {
        "0 = 1".to_owned()
    } else {
        format!("t.role IN ({})", roles.join(","))
    };
    if let Some(d) = actor.department_id {
        open.push_str(&format!(" AND t.department_id = {d}"));
    }
    let assigned = if mine.is_empty() {
        "0 = 1".to_owned()
    } else {
        format!(
            "t.assignee IN ({})",
            mine.iter()
                .map(StaffId::to_string)
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    format!("({assigned} OR (t.assignee IS NULL AND {open}))")
}

/// The most kinds of work an inbox filter lists.
const MAX_TASK_KINDS: i64 = 100;

/// One page of rows and the cursor of the next, if any.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub next: Option<String>,
}

/// A case approved on pledge (告知承诺) whose verification is still to be recorded.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PledgeDue {
    pub case_id: CaseId,
    pub case_no: Option<String>,
    pub item_name: String,
    pub applicant: String,
    /// The day by which the pledge must be verified.
    pub verify_by: String,
}

/// Inbox filters.
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    /// What the task is (受理, 审查, 决定, 办结, 送达, 等待补正 …).
    pub what: Option<String>,
    pub item_id: Option<ItemId>,
    /// Only tasks whose deadline is on or before this day.
    pub due_by: Option<String>,
    /// `due|id` of the last row seen.
    pub after: Option<String>,
    pub limit: i64,
}

/// Case search filters.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub case_no: Option<String>,
    /// Name or id number of the applicant (part of the name, the whole id number).
    pub applicant: Option<String>,
    pub item: Option<String>,
    pub stage: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Only cases of this department (None: every department the caller may see).
    pub department_id: Option<DepartmentId>,
    /// Only this applicant account's cases (an applicant's own list).
    pub applicant_account: Option<AccountId>,
    /// The id of the last row seen (newest first).
    pub before: Option<i64>,
    pub limit: i64,
}

/// A case with its full timeline.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseView {
    pub row: CaseRow,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub state: CaseState,
    pub applicant_account: Option<AccountId>,
    pub events: Vec<TimelineEntry>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub seq: i64,
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub actor_id: AccountId,
    pub actor_name: String,
    pub at: i64,
    pub hash: String,
}

/// A stored event with its actor's name, as the timeline query reads it.
#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    kind: String,
    payload: String,
    actor_id: AccountId,
    actor_name: Option<String>,
    at: i64,
    hash: String,
}

/// Daily figures of one department and item.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RollupRow {
    pub department_id: DepartmentId,
    pub item_id: ItemId,
    pub received: i64,
    pub accepted: i64,
    pub concluded: i64,
    pub instant: i64,
    pub promised: i64,
    pub concluded_on_time: i64,
    pub overdue: i64,
}

/// Whether `principal` sees every department's cases (centre-wide roles and comprehensive
/// window clerks without a department).
pub fn sees_all_cases(p: &Principal) -> bool {
    p.has_role(Role::CentreAdmin)
        || p.has_role(Role::Supervisor)
        || (p.is_staff() && p.department_id.is_none())
}

impl crate::CaseStore<'_> {
    /// What a new case is filed under: the item's published version (refused when the item is
    /// suspended, withdrawn or unpublished) and the region whose calendar applies.
    pub async fn item_ref_for_case(self, item_id: ItemId) -> StoreResult<ItemRef> {
        let item = self.store.catalog().get_item(item_id).await?;
        let version = match (item.status, item.current_version) {
            (onewindow_domain::catalog::ItemStatus::Active, Some(v)) => v,
            _ => {
                return Err(StoreError::Invalid(FieldErrors::single(
                    "item_id",
                    "该事项未发布、已暂停或已取消，不能受理",
                )));
            }
        };
        let doc = self
            .store
            .catalog()
            .get_version(item_id, version)
            .await?
            .doc;
        let (region,): (String,) = sqlx::query_as(
            "SELECT c.region_code FROM departments d JOIN centres c ON c.id = d.centre_id WHERE d.id = $1",
        )
        .bind(doc.department_id)
        .fetch_one(&self.store.pool)
        .await?;
        let mut item = ItemRef::from_doc(item_id, version, &doc, &region)?;
        self.name_branches(&mut item).await?;
        Ok(item)
    }

    /// Puts the departments' names on a joint case's branches, as its signing form prints them.
    pub(crate) async fn name_branches(self, item: &mut ItemRef) -> StoreResult<()> {
        for branch in &mut item.branches {
            let (name,): (String,) = sqlx::query_as("SELECT name FROM departments WHERE id = $1")
                .bind(branch.department_id)
                .fetch_one(&self.store.pool)
                .await?;
            branch.department_name = name;
        }
        Ok(())
    }

    /// The applicant an online application is filed for: the account's own verified identity.
    pub async fn applicant_of(self, account_id: AccountId) -> StoreResult<Applicant> {
        let (kind, name, mobile, resident_id, credit_code): (
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        ) = sqlx::query_as(
            "SELECT kind, display_name, mobile, resident_id, credit_code FROM accounts WHERE id = $1",
        )
        .bind(account_id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("account"))?;
        let id_number =
            resident_id
                .or(credit_code)
                .ok_or(StoreError::Invalid(FieldErrors::single(
                    "applicant",
                    "只有已实名注册的申请人可以在线申请",
                )))?;
        Ok(Applicant {
            kind,
            name,
            id_number,
            mobile,
        })
    }

    /// Where and by whom a case was accepted: the window's number and name, and the clerk's
    /// name (empty when not yet accepted, or accepted by someone without a seat).
    pub async fn acceptance_desk(self, case_id: CaseId) -> StoreResult<(String, String)> {
        let row: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT w.number, w.name, s.name FROM cases c
             LEFT JOIN windows w ON w.id = c.accepted_window
             LEFT JOIN staff s ON s.account_id = c.accepted_by
             WHERE c.id = $1",
        )
        .bind(case_id)
        .fetch_optional(&self.store.pool)
        .await?;
        let (number, name, clerk) = row.ok_or(StoreError::NotFound("case"))?;
        let window = match (number, name) {
            (Some(n), Some(name)) => format!("{n} 号窗口（{name}）"),
            (Some(n), None) => format!("{n} 号窗口"),
            _ => String::new(),
        };
        Ok((window, clerk.unwrap_or_default()))
    }

    /// The department handling a case.
    pub async fn case_department(self, case_id: CaseId) -> StoreResult<DepartmentId> {
        let (d,): (DepartmentId,) = sqlx::query_as("SELECT department_id FROM cases WHERE id = $1")
            .bind(case_id.get())
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        Ok(d)
    }

    /// The staff member or applicant as the case aggregate sees them: roles, department,
    /// chief-representative powers and whom they back up (AB岗).
    pub async fn case_actor(self, p: &Principal) -> StoreResult<Actor> {
        let mut actor = Actor {
            account_id: p.account_id,
            staff_id: p.staff_id,
            roles: p.roles.clone(),
            department_id: p.department_id,
            powers: vec![],
            backup_for: vec![],
        };
        if let Some(staff_id) = p.staff_id {
            // Their powers and whom they back up, in one query: ('power', key) and ('backup', id).
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT 'power', power FROM power_grants WHERE staff_id = $1 AND revoked_at IS NULL
                 UNION ALL
                 SELECT 'backup', CAST(id AS TEXT) FROM staff WHERE backup_staff_id = $1 AND active = 1",
            )
            .bind(staff_id)
            .fetch_all(&self.store.pool)
            .await?;
            for (kind, value) in rows {
                match kind.as_str() {
                    "power" => actor.powers.extend(value.parse::<Power>().ok()),
                    _ => actor
                        .backup_for
                        .extend(value.parse::<i64>().ok().map(StaffId::from)),
                }
            }
        }
        Ok(actor)
    }

    /// The tasks waiting for this person: assigned to them or to someone they back up, or open
    /// to their role in their department. Most urgent first, by keyset.
    pub async fn inbox(self, actor: &Actor, f: &InboxFilter) -> StoreResult<Page<CaseRow>> {
        let scope = inbox_scope(actor);
        let sort = "COALESCE(t.due, '9999-12-31')";
        let (after_due, after_id) = f
            .after
            .as_deref()
            .and_then(|a| a.split_once('|'))
            .map(|(d, i)| (d.to_owned(), i.parse::<i64>().unwrap_or(0)))
            .unwrap_or_else(|| (String::new(), 0));
        let sql = format!(
            "SELECT {ROW}, {sort} AS sort_due FROM case_tasks t JOIN cases c ON c.id = t.case_id
             WHERE {scope}
               AND ($1 = '' OR t.what = $1)
               AND ($2 = 0 OR c.item_id = $2)
               AND ($3 = '' OR t.due <= $3)
               AND ({sort} > $4 OR ({sort} = $4 AND c.id > $5))
             ORDER BY {sort}, c.id LIMIT CAST($6 AS BIGINT)"
        );
        let rows: Vec<CaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(f.what.clone().unwrap_or_default())
            .bind(f.item_id.unwrap_or_default())
            .bind(f.due_by.clone().unwrap_or_default())
            .bind(after_due)
            .bind(after_id)
            .bind(f.limit + 1)
            .fetch_all(&self.store.pool)
            .await?;
        Ok(page(rows, f.limit, |r| {
            format!("{}|{}", r.due.as_deref().unwrap_or("9999-12-31"), r.id)
        }))
    }

    /// A department's cases approved on pledge and not yet verified, the earliest deadline
    /// first: the verification comes after approval, often after conclusion, when the case has
    /// no open task.
    pub async fn pledges_to_verify(
        self,
        department_id: DepartmentId,
        limit: i64,
    ) -> StoreResult<Vec<PledgeDue>> {
        Ok(sqlx::query_as(
            "SELECT c.id AS case_id, c.case_no, c.item_name, c.applicant, t.due_on AS verify_by
             FROM case_timers t JOIN cases c ON c.id = t.case_id
             WHERE t.kind = 'pledge_verification' AND t.department_id = $1
             ORDER BY t.due_on, t.case_id LIMIT CAST($2 AS BIGINT)",
        )
        .bind(department_id)
        .bind(limit)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// The kinds of work waiting for this person (受理, a step's name, 办结 …), for the inbox's
    /// filter: what would narrow their own list.
    pub async fn task_kinds(self, actor: &Actor) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT t.what FROM case_tasks t WHERE {} ORDER BY t.what LIMIT CAST($1 AS BIGINT)",
            inbox_scope(actor)
        )))
        .bind(MAX_TASK_KINDS)
        .fetch_all(&self.store.pool)
        .await?;
        Ok(rows.into_iter().map(|(w,)| w).collect())
    }

    /// Case search, newest first, by keyset.
    pub async fn search_cases(self, f: &CaseFilter) -> StoreResult<Page<CaseRow>> {
        let like = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| format!("%{}%", s.replace(['%', '_'], "")))
                .unwrap_or_default()
        };
        let exact = |s: &Option<String>| s.as_deref().map(str::trim).unwrap_or_default().to_owned();
        let sql = format!(
            "SELECT {ROW} FROM cases c
             WHERE ($1 = '' OR c.case_no = $1)
               AND ($2 = '' OR c.applicant LIKE $2 OR c.applicant_id = $3)
               AND ($4 = '' OR c.item_name LIKE $4)
               AND ($5 = '' OR c.stage = $5)
               AND ($6 = '' OR c.submitted_on >= $6)
               AND ($7 = '' OR c.submitted_on <= $7)
               AND ($8 = 0 OR c.department_id = $8)
               AND ($9 = 0 OR c.applicant_account = $9)
               AND ($10 = 0 OR c.id < $10)
             ORDER BY c.id DESC LIMIT CAST($11 AS BIGINT)"
        );
        let rows: Vec<CaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(exact(&f.case_no))
            .bind(like(&f.applicant))
            .bind(exact(&f.applicant).to_uppercase())
            .bind(like(&f.item))
            .bind(exact(&f.stage))
            .bind(exact(&f.from))
            .bind(exact(&f.to))
            .bind(f.department_id.unwrap_or_default())
            .bind(f.applicant_account.unwrap_or_default())
            .bind(f.before.unwrap_or(0))
            .bind(f.limit + 1)
            .fetch_all(&self.store.pool)
            .await?;
        Ok(page(rows, f.limit, |r| r.id.to_string()))
    }

    /// One case with its timeline (actors by name).
    /// A case's folded state as last written.
    pub async fn case_state(self, case_id: CaseId) -> StoreResult<CaseState> {
        let (state,): (String,) = sqlx::query_as("SELECT state FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        serde_json::from_str(&state).map_err(|e| StoreError::Config(e.to_string()))
    }

    /// An applicant's cases, newest first, each with its state: those they submitted online
    /// and those accepted for them at a window under their resident id or credit code.
    pub async fn applicant_cases(
        self,
        account_id: AccountId,
        id_number: &str,
        limit: i64,
    ) -> StoreResult<Vec<(CaseRow, CaseState)>> {
        #[derive(sqlx::FromRow)]
        struct WithState {
            #[sqlx(flatten)]
            row: CaseRow,
            state: String,
        }
        let sql = format!(
            "SELECT {ROW}, c.state FROM cases c
             WHERE c.applicant_account = $1 OR (c.applicant_id = $2 AND c.applicant_id <> '')
             ORDER BY c.id DESC LIMIT CAST($3 AS BIGINT)"
        );
        let rows: Vec<WithState> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(id_number)
            .bind(limit.clamp(1, 500))
            .fetch_all(&self.store.pool)
            .await?;
        rows.into_iter()
            .map(|r| {
                let state = serde_json::from_str(&r.state)
                    .map_err(|e| StoreError::Config(e.to_string()))?;
                Ok((r.row, state))
            })
            .collect()
    }

    pub async fn case_view(self, case_id: CaseId) -> StoreResult<CaseView> {
        let case_id = case_id.get();
        let sql = format!("SELECT {ROW} FROM cases c WHERE c.id = $1");
        let row: CaseRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(case_id)
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        let (state, applicant_account): (String, Option<AccountId>) =
            sqlx::query_as("SELECT state, applicant_account FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_one(&self.store.pool)
                .await?;
        let state: CaseState =
            serde_json::from_str(&state).map_err(|e| StoreError::Config(e.to_string()))?;
        let events: Vec<EventRow> = sqlx::query_as(
            "SELECT e.seq, e.kind, e.payload, e.actor_id, a.display_name AS actor_name, e.at, e.hash
             FROM case_events e LEFT JOIN accounts a ON a.id = e.actor_id
             WHERE e.case_id = $1 ORDER BY e.seq",
        )
        .bind(case_id)
        .fetch_all(&self.store.pool)
        .await?;
        let events = events
            .into_iter()
            .map(|r| TimelineEntry {
                seq: r.seq,
                kind: r.kind,
                payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
                actor_id: r.actor_id,
                actor_name: r.actor_name.unwrap_or_default(),
                at: r.at,
                hash: r.hash,
            })
            .collect();
        Ok(CaseView {
            row,
            state,
            applicant_account,
            events,
        })
    }

    /// The case an applicant asks about with its number and query code; NotFound unless both
    /// match.
    /// A case by its number and the query code on its receipt (办件查询). Misses are counted per
    /// address; past `MAX_PROGRESS_MISSES` within `PROGRESS_WINDOW_MS` the address is refused
    /// before any lookup, so query codes cannot be guessed by trying many.
    pub async fn case_by_query_code(
        self,
        case_no: &str,
        code: &str,
        remote: Option<&str>,
    ) -> StoreResult<CaseView> {
        let now = crate::now_ms();
        let attempts = self.store.attempts(AttemptKind::Progress, remote);
        if attempts.from_address(now - PROGRESS_WINDOW_MS).await? >= MAX_PROGRESS_MISSES {
            return Err(StoreError::TooManyAttempts);
        }
        let found: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT id, query_code FROM cases WHERE case_no = $1")
                .bind(case_no.trim())
                .fetch_optional(&self.store.pool)
                .await?;
        match found {
            Some((id, Some(stored)))
                if stored.eq_ignore_ascii_case(code.trim()) && !code.trim().is_empty() =>
            {
                self.case_view(CaseId(id)).await
            }
            _ => {
                attempts.fail("", now, PROGRESS_WINDOW_MS).await?;
                Err(StoreError::NotFound("case"))
            }
        }
    }

    /// The raw events of a case, as stored.
    pub async fn stored_events(self, case_id: CaseId) -> StoreResult<Vec<StoredEvent>> {
        self.case_events(case_id).await
    }

    /// Sums of the daily rollups between two days (inclusive), per department and item.
    pub async fn rollups(self, from: &str, to: &str) -> StoreResult<Vec<RollupRow>> {
        Ok(sqlx::query_as(
            "SELECT department_id, item_id, CAST(SUM(received) AS BIGINT) AS received, CAST(SUM(accepted) AS BIGINT) AS accepted,
                    CAST(SUM(concluded) AS BIGINT) AS concluded, CAST(SUM(instant) AS BIGINT) AS instant, CAST(SUM(promised) AS BIGINT) AS promised,
                    CAST(SUM(concluded_on_time) AS BIGINT) AS concluded_on_time, CAST(SUM(overdue) AS BIGINT) AS overdue
             FROM case_rollups WHERE day >= $1 AND day <= $2
             GROUP BY department_id, item_id ORDER BY department_id, item_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.store.pool)
        .await?)
    }
}

fn page<T>(mut rows: Vec<T>, limit: i64, cursor: impl Fn(&T) -> String) -> Page<T> {
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(cursor)
    } else {
        None
    };
    Page { rows, next }
}

//! Electronic supervision (电子监察), first part: the sweeper. It reads the indexed timers the
//! case engine keeps in step with every command and raises each threshold once — yellow (预警)
//! from the warning day, red once the last working day has closed — for the case limit, the
//! current step's limit, 容缺 materials and 告知承诺 verification. Paused clocks have no timers,
//! so they do not warn. The alert's unique key (case, timer, level, deadline) makes racing
//! sweepers on one PostgreSQL and a restart mid-sweep harmless: a threshold is inserted once,
//! and its notifications are written in the same transaction by the sweeper that inserted it.

pub mod assessment;
pub mod reported;
mod urgings;

pub use urgings::Urging;

use chrono::NaiveDate;
use onewindow_domain::ids::{AccountId, CaseId, DepartmentId};
use serde::Serialize;

use onewindow_domain::case::{CaseError, CaseState, WarnThreshold};
use onewindow_domain::org::FieldErrors;
use onewindow_domain::supervision::AlertLevel;

use crate::{StoreError, StoreResult, now_ms};

/// What one sweep raised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub yellow: u64,
    pub red: u64,
    /// People told (one message each, whatever the sweep raised for them).
    pub notified: u64,
    /// Urging notices issued for cases that turned red.
    pub urged: u64,
    /// Findings raised for missed deadlines.
    pub findings: u64,
}

/// A department's efficiency indicators for a period, from the daily rollups.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Indicators {
    pub department_id: DepartmentId,
    pub received: i64,
    pub accepted: i64,
    pub instant: i64,
    pub promised: i64,
    pub concluded: i64,
    pub concluded_on_time: i64,
    pub overdue: i64,
    pub urged: i64,
    /// 办结率: concluded / accepted (percent, one decimal); None without accepted cases.
    pub conclusion_rate: Option<f64>,
    /// 按时办结率: concluded on time / concluded.
    pub on_time_rate: Option<f64>,
    /// 催办率: urging notices / accepted.
    pub urging_rate: Option<f64>,
    /// 延误率: concluded late / concluded.
    pub delay_rate: Option<f64>,
    /// 准确率: concluded without a return or a correction notice / concluded.
    pub accuracy_rate: Option<f64>,
    /// Average working days used per concluded case, and promised.
    pub avg_days_used: Option<f64>,
    pub avg_days_promised: Option<f64>,
    /// Reviews given in the period (好差评, less those an upheld appeal took out), and the
    /// 满意率 (good ÷ all).
    pub reviews: i64,
    pub satisfaction_rate: Option<f64>,
}

#[derive(Debug, Clone, Default, sqlx::FromRow)]
struct DepartmentSums {
    department_id: DepartmentId,
    received: i64,
    accepted: i64,
    instant: i64,
    promised: i64,
    concluded: i64,
    on_time: i64,
    overdue: i64,
    accurate: i64,
    days_used: i64,
    days_promised: i64,
}

/// Average of `total` over `n`, one decimal.
pub(crate) fn average(total: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| (total as f64 * 10.0 / n as f64).round() / 10.0)
}

pub(crate) fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The live counts on the supervision dashboard.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveCounts {
    /// Open cases with a yellow alert on their current deadlines.
    pub yellow: i64,
    /// Open cases with a red alert.
    pub red: i64,
    pub open_findings: i64,
    /// Urging notices without an accepted explanation.
    pub pending_urgings: i64,
}

/// A rule of the findings rule set.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingRule {
    pub code: String,
    pub name: String,
    /// minor or major.
    pub severity: String,
    #[sqlx(try_from = "i64")]
    pub enabled: crate::Flag,
}

/// A finding and the event, alert, urging or reported record that proves it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub id: i64,
    pub rule_code: String,
    pub rule_name: String,
    pub severity: String,
    /// The case on the platform; None when a department's system reported it.
    pub case_id: Option<CaseId>,
    /// The case number: ours, or the reporting system's 办件编号.
    pub case_no: Option<String>,
    /// The reported case and its record that prove it (体外循环 and other exchange signals).
    pub report_id: Option<i64>,
    pub record_id: Option<i64>,
    pub department_id: DepartmentId,
    /// The event (sequence number in the case's log) that proves it.
    pub event_seq: Option<i64>,
    /// Or the deadline alert.
    pub alert_id: Option<i64>,
    pub detail: String,
    pub raised_on: String,
    pub disposition: Option<String>,
    pub closed_by: Option<AccountId>,
}

/// Days an urged unit has to explain.
pub const REPLY_WORKING_DAYS: u32 = 2;

/// An alert as supervisors list it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: i64,
    pub case_id: CaseId,
    pub case_no: Option<String>,
    pub item_name: String,
    /// case, step, deficiency or pledge_verification.
    pub timer_kind: String,
    /// yellow or red.
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub level: AlertLevel,
    pub due_on: String,
    pub department_id: DepartmentId,
    pub raised_on: String,
}

// The sweep's statements share their parameters: $1 today, $2 now (ms), $3 the sweep's id, and
// after the alerts are raised $4 the reply deadline of its urging notices and $5 the lowest
// alert id it raised (another sweep's rows from there on differ in $3).
//
// A sweep looks only at what can have crossed a threshold since the last one: the timers whose
// due day (for red) or warning day (for yellow) lies between the day that sweep reached
// (`supervision_sweeps`) and today, and the timers written since (`fresh`, which every write
// of a timer sets). Cases long overdue, raised long ago, are not read again.

/// Every threshold crossed and not raised yet: red once the due day has passed, yellow from the
/// warning day up to the due day; `fresh` is the timers written since the last sweep. Only
/// sweeps write alerts and they take turns (an advisory lock on PostgreSQL, the single writer
/// on SQLite), so a look before inserting is exact; the unique key stays as the guard. The look
/// is a correlated subquery, one key lookup per crossing, which both planners keep as such (as
/// NOT EXISTS, PostgreSQL may choose to hash every alert ever raised).
const RAISE: &str = "INSERT INTO supervision_alerts
        (case_id, timer_kind, level, due_on, department_id, raised_on, raised_at, sweep_id)
    SELECT t.case_id, t.kind, t.level, t.due_on, t.department_id, $1, $2, $3
    FROM (SELECT case_id, kind, 'red' AS level, due_on, department_id FROM case_timers
            WHERE due_on < $1 AND due_on >= (SELECT swept_on FROM supervision_sweeps)
          UNION
          SELECT case_id, kind, 'yellow', due_on, department_id FROM case_timers
            WHERE warn_on <= $1 AND warn_on > (SELECT swept_on FROM supervision_sweeps)
              AND due_on >= $1
          UNION
          SELECT case_id, kind, CASE WHEN due_on < $1 THEN 'red' ELSE 'yellow' END, due_on,
                 department_id
            FROM fresh WHERE warn_on <= $1 OR due_on < $1) t
    WHERE (SELECT 1 FROM supervision_alerts a WHERE a.case_id = t.case_id
        AND a.timer_kind = t.kind AND a.level = t.level AND a.due_on = t.due_on) IS NULL
    RETURNING id, level";

/// The timers written since the last sweep, as RAISE reads them. On PostgreSQL the statement
/// that reads them also clears them, so a timer written meanwhile (not in its snapshot) stays
/// fresh for the next sweep; on SQLite nothing else writes until the sweep commits, and
/// `CLEAR_FRESH` follows.
fn fresh_cte(backend: crate::Backend) -> &'static str {
    match backend {
        crate::Backend::Postgres => {
            "fresh AS (UPDATE case_timers SET fresh = 0 WHERE fresh = 1
                RETURNING case_id, kind, department_id, warn_on, due_on)"
        }
        crate::Backend::Sqlite => {
            "fresh AS (SELECT case_id, kind, department_id, warn_on, due_on FROM case_timers
                WHERE fresh = 1)"
        }
    }
}

const CLEAR_FRESH: &str = "UPDATE case_timers SET fresh = 0 WHERE fresh = 1";

/// The day the sweeps have reached, once they reach it.
const ADVANCE: &str = "UPDATE supervision_sweeps SET swept_on = $1 WHERE swept_on < $1";

/// The sweep's alerts as the statements below read them (`raised`), with the open task of the
/// case's own line (slot 0, whose id is `case_id * SLOTS`: a case's deadlines are its lead
/// department's), looked up once for the urging's addressee and for who is told (`concerned`,
/// see NOTIFY). On PostgreSQL the lookup is a LATERAL with LIMIT 1, which keeps it one probe
/// per alert: as a join, the planner (costing reads as if from disk) may read all of
/// case_tasks in key order.
fn raised_cte(backend: crate::Backend) -> String {
    let slots = crate::projections::SLOTS;
    let task = match backend {
        crate::Backend::Postgres => format!(
            "LEFT JOIN LATERAL (SELECT assignee, role, department_id FROM case_tasks k
                WHERE k.id = x.case_id * {slots} + {BRANCH_SLOT} LIMIT 1) t ON true"
        ),
        crate::Backend::Sqlite => {
            format!("LEFT JOIN case_tasks t ON t.id = x.case_id * {slots} + {BRANCH_SLOT}")
        }
    };
    format!(
        "raised AS MATERIALIZED (SELECT x.id, x.case_id, x.department_id, x.level, x.timer_kind,
            x.due_on, t.assignee, t.role, t.department_id AS task_department
        FROM supervision_alerts x {task} WHERE x.id >= $5 AND x.sweep_id = $3),
        concerned AS MATERIALIZED (SELECT assignee, role, task_department, department_id,
            COUNT(*) AS n, SUM(CASE level WHEN 'red' THEN 1 ELSE 0 END) AS red,
            MIN(CASE level WHEN 'red' THEN id END) AS first_red, MIN(id) AS first
        FROM raised GROUP BY assignee, role, task_department, department_id)"
    )
}

/// The line of the case an alert's timer runs on: a branch's slot (`branch_2`), else 0.
const BRANCH_SLOT: &str = "(CASE WHEN x.timer_kind LIKE 'branch%'
    THEN CAST(SUBSTR(x.timer_kind, 8) AS BIGINT) ELSE 0 END)";

/// The raised alerts that call for an urging notice: a case's own limit gone red.
const URGED: &str = "FROM raised a WHERE a.level = 'red' AND a.timer_kind = 'case'";

/// Each raises an urging notice to the unit (and the assignee, when there is one) …
const URGE_RED: &str =
    "INSERT INTO urgings (case_id, department_id, addressee_staff, alert_id, issued_by,
        issued_on, reply_by, reason, created_at)
    SELECT a.case_id, a.department_id, a.assignee, a.id, NULL, $1, $4,
        '办件已超过承诺办结期限（' || a.due_on || '），请于答复期限前说明超期原因并尽快办结', $2";

/// … counted in its department's day (`urging_rollups`, which the indicators read).
const ROLL_UP_URGED: &str = "INSERT INTO urging_rollups (day, department_id, urged)
    SELECT $1, a.department_id, COUNT(*)";

/// How an urging notice adds to its department's day, whoever issues it.
pub(super) const ADD_URGED: &str = "ON CONFLICT (day, department_id)
    DO UPDATE SET urged = urging_rollups.urged + excluded.urged";

/// Missed deadlines become findings under the rule for their timer, while it is switched on.
const FIND_RED: &str = "INSERT INTO findings (rule_code, case_id, department_id, alert_id, detail, raised_on, raised_at)
    SELECT r.code, a.case_id, a.department_id, a.id, '期限 ' || a.due_on || ' 已过', $1, $2
    FROM raised a JOIN finding_rules r ON r.enabled = 1 AND r.code =
        CASE WHEN a.timer_kind IN ('step', 'case') OR a.timer_kind LIKE 'branch%'
                 THEN CASE a.timer_kind WHEN 'case' THEN 'case_overdue' ELSE 'step_overdue' END
             WHEN a.timer_kind = 'deficiency' THEN 'deficiency_not_supplied'
             ELSE 'pledge_not_verified' END
    WHERE a.level = 'red'";

/// Everyone an alert concerns: the assignee (or, unassigned, the staff whose role the open task
/// waits for in its department), the department's chief representatives, and the supervisors.
/// Each person gets one message per sweep, whatever it raised for them: one alert is named with
/// a link to its case; several are counted, the worst first named (a supervisor is not sent
/// ten thousand messages, nor ten thousand text messages, on the morning they fall due).
/// Who is told depends on the alert's assignee, task and department only, so the alerts are
/// taken in groups of those (`concerned`), and a person reached by two ways to the same group
/// counts it once.
const NOTIFY: &str =
    "INSERT INTO notifications (account_id, case_id, alert_id, title, body, created_at)
    SELECT p.account_id, CASE WHEN p.n = 1 THEN a.case_id END, CASE WHEN p.n = 1 THEN a.id END,
        CASE WHEN p.red > 0 THEN '办件超期' ELSE '办件预警' END,
        CASE WHEN p.n = 1 THEN '' ELSE
            CASE WHEN p.red > 0 THEN p.red || ' 件超期' ELSE '' END
            || CASE WHEN p.red > 0 AND p.n > p.red THEN '、' ELSE '' END
            || CASE WHEN p.n > p.red THEN (p.n - p.red) || ' 件临近期限' ELSE '' END || '：' END
        || (SELECT COALESCE(c.case_no, '') || ' ' || c.item_name || '（' || c.applicant || '）'
            FROM cases c WHERE c.id = a.case_id)
        || CASE WHEN a.timer_kind LIKE 'branch%' THEN '并联审批会办'
                ELSE CASE a.timer_kind WHEN 'step' THEN '当前环节' WHEN 'deficiency' THEN '容缺材料补交'
                             WHEN 'pledge_verification' THEN '告知承诺核查' ELSE '办理' END END
        || CASE a.level WHEN 'red' THEN '已超过期限 ' ELSE '临近期限 ' END || a.due_on
        || CASE WHEN p.n = 1 THEN '' ELSE ' 等' END,
        $2
    FROM (SELECT w.account_id, SUM(w.n) AS n, SUM(w.red) AS red,
                 COALESCE(MIN(w.first_red), MIN(w.first)) AS first
          FROM (
            SELECT g.*, s.account_id FROM concerned g
                JOIN staff s ON s.id = g.assignee AND s.active = 1
            UNION
            SELECT g.*, s.account_id FROM concerned g
                JOIN staff s ON s.department_id = g.task_department AND s.active = 1
                JOIN staff_roles r ON r.staff_id = s.id AND r.role = g.role
                WHERE g.assignee IS NULL
            UNION
            SELECT g.*, s.account_id FROM staff_roles r
                JOIN staff s ON s.id = r.staff_id AND s.active = 1
                JOIN concerned g ON g.department_id = s.department_id
                WHERE r.role = 'chief_representative'
            UNION
            SELECT g.*, s.account_id FROM staff_roles r
                JOIN staff s ON s.id = r.staff_id AND s.active = 1
                CROSS JOIN concerned g
                WHERE r.role = 'supervisor'
          ) w GROUP BY w.account_id) p
    JOIN raised a ON a.id = p.first";

/// Sweepers on one PostgreSQL take turns by this transaction-level advisory lock; one that finds
/// it held leaves the sweep to the instance holding it.
const SWEEP_LOCK: i64 = 0x6f6e_6577_5357_4550;

/// The sweep's statements for one backend, put together once: RAISE with its `fresh`, then
/// what follows the raised alerts (urging notices, their rollup, findings, messages): on
/// PostgreSQL one statement (a writing CTE each, answering with the four counts), on SQLite,
/// which has no writing CTEs, one statement each.
struct SweepSql {
    raise: String,
    follow: Vec<String>,
}

impl SweepSql {
    fn of(backend: crate::Backend) -> &'static SweepSql {
        static SQL: [std::sync::OnceLock<SweepSql>; 2] = [const { std::sync::OnceLock::new() }; 2];
        SQL[backend as usize].get_or_init(|| {
            let raised = raised_cte(backend);
            let steps = [
                format!("{URGE_RED} {URGED}"),
                format!("{ROLL_UP_URGED} {URGED} GROUP BY a.department_id {ADD_URGED}"),
                FIND_RED.to_owned(),
                NOTIFY.to_owned(),
            ];
            SweepSql {
                raise: format!("WITH {} {RAISE}", fresh_cte(backend)),
                follow: match backend {
                    crate::Backend::Postgres => {
                        let [urge, roll, find, tell] = steps;
                        vec![format!(
                            "WITH {raised},
                                urged AS ({urge} RETURNING 1),
                                rolled AS ({roll} RETURNING 1),
                                found AS ({find} RETURNING 1),
                                told AS ({tell} RETURNING 1)
                            SELECT (SELECT COUNT(*) FROM urged), (SELECT COUNT(*) FROM rolled),
                                   (SELECT COUNT(*) FROM found), (SELECT COUNT(*) FROM told)"
                        )]
                    }
                    crate::Backend::Sqlite => {
                        steps.map(|sql| format!("WITH {raised} {sql}")).into()
                    }
                },
            }
        })
    }
}

/// Urging notices past their reply deadline without an explanation become findings, once each:
/// those whose deadline passed since the last sweep (a notice's deadline is never before the
/// day it is issued, so none is issued behind the sweep). As in RAISE, a look before inserting
/// (one key probe a notice) is exact and the unique key stays the guard: ON CONFLICT would
/// probe every unique index of findings for each row and log each insertion twice.
const FIND_UNANSWERED: &str = "INSERT INTO findings (rule_code, case_id, department_id, urging_id, detail, raised_on, raised_at)
    SELECT r.code, u.case_id, u.department_id, u.id,
        '催办通知书答复期限 ' || u.reply_by || ' 已过，未提交超期说明', $1, $2
    FROM urgings u JOIN finding_rules r ON r.code = 'urging_unanswered' AND r.enabled = 1
    WHERE u.reply_by < $1 AND u.reply_by >= (SELECT swept_on FROM supervision_sweeps)
        AND u.explanation IS NULL
        AND (SELECT 1 FROM findings f WHERE f.rule_code = r.code AND f.urging_id = u.id) IS NULL";

/// A real-name bad review not called back, or not rectified, by its day is a finding, once
/// per review and rule (好差评: 差评逾期未回访, 差评逾期未整改).
const FIND_LATE_CALLBACKS: &str = "INSERT INTO findings (rule_code, case_id, department_id, review_id, detail, raised_on, raised_at)
    SELECT r.code, v.case_id, h.department_id, h.review_id,
        '差评回访期限 ' || h.callback_by || ' 已过，未回访评价人', $1, $2
    FROM review_handling h JOIN reviews v ON v.id = h.review_id
    JOIN finding_rules r ON r.code = 'review_callback_late' AND r.enabled = 1
    WHERE h.state = 'callback' AND h.callback_by < $1
        AND (SELECT 1 FROM findings f WHERE f.rule_code = r.code AND f.review_id = h.review_id) IS NULL";

const FIND_LATE_RECTIFICATIONS: &str = "INSERT INTO findings (rule_code, case_id, department_id, review_id, detail, raised_on, raised_at)
    SELECT r.code, v.case_id, h.department_id, h.review_id,
        '差评整改期限 ' || h.rectify_by || ' 已过，未完成整改', $1, $2
    FROM review_handling h JOIN reviews v ON v.id = h.review_id
    JOIN finding_rules r ON r.code = 'review_rectify_late' AND r.enabled = 1
    WHERE h.state IN ('callback', 'rectify') AND h.rectify_by < $1
        AND (SELECT 1 FROM findings f WHERE f.rule_code = r.code AND f.review_id = h.review_id) IS NULL";

/// A complaint with its department past its reply day is a finding, once (投诉逾期未答复).
const FIND_OVERDUE_COMPLAINTS: &str = "INSERT INTO findings (rule_code, case_id, department_id, complaint_id, detail, raised_on, raised_at)
    SELECT r.code, c.case_id, c.department_id, c.id,
        '投诉答复期限 ' || c.reply_by || ' 已过，部门未答复', $1, $2
    FROM complaints c JOIN finding_rules r ON r.code = 'complaint_overdue' AND r.enabled = 1
    WHERE c.state = 'assigned' AND c.reply_by < $1 AND c.department_id IS NOT NULL
        AND (SELECT 1 FROM findings f WHERE f.rule_code = r.code AND f.complaint_id = c.id) IS NULL";

const FINDING_COLS: &str = "f.id, f.rule_code, r.name AS rule_name, r.severity, f.case_id,
    COALESCE(c.case_no, rc.project_no) AS case_no, rr.reported_case_id AS report_id, f.record_id,
    f.department_id, f.event_seq, f.alert_id, f.detail, f.raised_on, f.disposition, f.closed_by";

/// Findings with their rule, and the case or reported case they concern.
const FINDING_FROM: &str = "findings f JOIN finding_rules r ON r.code = f.rule_code
    LEFT JOIN cases c ON c.id = f.case_id
    LEFT JOIN reported_records rr ON rr.id = f.record_id
    LEFT JOIN reported_cases rc ON rc.id = rr.reported_case_id";

/// The centre's supervision settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupervisionSettings {
    /// Yellow with this share of the limit left (percent) …
    pub warn_percent: i64,
    /// … or this many working days left, whichever is more.
    pub warn_min_days: i64,
    /// A window scoring at least this much in a quarter, without a card, is a red-flag window.
    pub red_flag_score: i64,
}

impl crate::SupervisionStore<'_> {
    /// The warning threshold in force (cached; changed only through `set_settings`).
    pub async fn warn_threshold(self) -> StoreResult<WarnThreshold> {
        if let Some(w) = *self.store.warn.read().expect("warn threshold lock") {
            return Ok(w);
        }
        let s = self.settings().await?;
        let w = WarnThreshold {
            percent: s.warn_percent.clamp(0, 99) as u32,
            min_days: s.warn_min_days.clamp(0, 30) as u32,
        };
        *self.store.warn.write().expect("warn threshold lock") = Some(w);
        Ok(w)
    }

    pub async fn settings(self) -> StoreResult<SupervisionSettings> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT key, value FROM supervision_settings")
                .fetch_all(&self.store.pool)
                .await?;
        let get = |k: &str, default: i64| {
            rows.iter()
                .find(|(key, _)| key == k)
                .map_or(default, |(_, v)| *v)
        };
        Ok(SupervisionSettings {
            warn_percent: get("warn_percent", 20),
            warn_min_days: get("warn_min_days", 1),
            red_flag_score: get("red_flag_score", 95),
        })
    }

    /// Changes the settings. A new warning threshold moves the warning day of every running
    /// deadline at once, in the same transaction, so no case keeps an old one; case commands
    /// wait meanwhile. Returns how many timers moved.
    pub async fn set_settings(self, new: SupervisionSettings, by: AccountId) -> StoreResult<u64> {
        let warn = WarnThreshold::validate(new.warn_percent, new.warn_min_days);
        let mut errors = warn.as_ref().err().cloned().unwrap_or_default();
        if !(60..=100).contains(&new.red_flag_score) {
            errors.add("red_flag_score", "红旗窗口分数线应为 60 至 100 分");
        }
        errors.into_result()?;
        let warn = warn.expect("validated");
        let old = self.warn_threshold().await?;
        // Commands decided from now on use the new threshold; those already written are
        // brought in step below, after they commit (the exclusive lock waits for them).
        *self.store.warn.write().expect("warn threshold lock") = Some(warn);
        let result = self.rewrite_settings(new, warn, by).await;
        if result.is_err() {
            *self.store.warn.write().expect("warn threshold lock") = Some(old);
        }
        result
    }

    async fn rewrite_settings(
        self,
        new: SupervisionSettings,
        warn: WarnThreshold,
        by: AccountId,
    ) -> StoreResult<u64> {
        let mut conn = self.store.pool.acquire().await?;
        let begin = match self.store.backend {
            crate::Backend::Sqlite => "BEGIN IMMEDIATE",
            crate::Backend::Postgres => "BEGIN",
        };
        sqlx::query(begin).execute(&mut *conn).await?;
        let result: StoreResult<u64> = async {
            if self.store.backend == crate::Backend::Postgres {
                sqlx::query("LOCK TABLE case_timers IN EXCLUSIVE MODE")
                    .execute(&mut *conn)
                    .await?;
            }
            for (key, value) in [
                ("warn_percent", new.warn_percent),
                ("warn_min_days", new.warn_min_days),
                ("red_flag_score", new.red_flag_score),
            ] {
                sqlx::query(
                    "UPDATE supervision_settings SET value = $1, changed_by = $2, changed_at = $3
                     WHERE key = $4",
                )
                .bind(value)
                .bind(by)
                .bind(now_ms())
                .bind(key)
                .execute(&mut *conn)
                .await?;
            }
            let running: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, state FROM cases WHERE id IN (SELECT case_id FROM case_timers) ORDER BY id",
            )
            .fetch_all(&mut *conn)
            .await?;
            let mut moved = 0;
            for (id, state) in running {
                let state: CaseState = serde_json::from_str(&state)
                    .map_err(|e| StoreError::Config(format!("case {id} state: {e}")))?;
                let cal = self.store.calendar().calendar_for(&crate::case::log::region_of(&state)).await?;
                let timers = state
                    .timers(&cal, &warn)
                    .map_err(|e| StoreError::Config(e.to_string()))?;
                for t in timers {
                    moved += sqlx::query(
                        "UPDATE case_timers SET warn_on = $1, fresh = 1
                         WHERE case_id = $2 AND kind = $3 AND warn_on <> $1",
                    )
                    .bind(t.warn_on.to_string())
                    .bind(id)
                    .bind(t.key().into_owned())
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
                }
            }
            Ok(moved)
        }
        .await;
        match result {
            Ok(moved) => {
                sqlx::query("COMMIT").execute(&mut *conn).await?;
                Ok(moved)
            }
            Err(e) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                Err(e)
            }
        }
    }

    /// Raises every threshold crossed by `today` that has not been raised yet, issues the
    /// urging notices and findings that red ones call for, and notifies, in one transaction.
    pub async fn sweep(self, today: NaiveDate) -> StoreResult<SweepReport> {
        let sweep_id = crate::random_hex(12);
        let day = today.to_string();
        let at = now_ms();
        // Looked up before the transaction, which holds its connection (the calendar may need
        // another, once).
        let reply_by = self
            .store
            .calendar()
            .calendar_for("")
            .await?
            .add_working_days(today, REPLY_WORKING_DAYS)
            .unwrap_or(today)
            .to_string();
        let mut tx = self.store.pool.begin().await?;
        let mut report = SweepReport::default();
        if self.store.backend == crate::Backend::Postgres {
            let (turn,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_xact_lock($1)")
                .bind(SWEEP_LOCK)
                .fetch_one(&mut *tx)
                .await?;
            if !turn {
                return Ok(report);
            }
        }
        let sql = SweepSql::of(self.store.backend);
        // Planned for each day's values, not once for any (a prepared statement's generic plan,
        // not knowing the day, may read far more timers than are due).
        let raised: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.raise.as_str()))
            .persistent(false)
            .bind(&day)
            .bind(at)
            .bind(&sweep_id)
            .fetch_all(&mut *tx)
            .await?;
        report.red = raised.iter().filter(|(_, level)| level == "red").count() as u64;
        report.yellow = raised.len() as u64 - report.red;
        if let Some(first) = raised.iter().map(|(id, _)| *id).min() {
            // Planned afresh too: how much was raised decides the plan.
            let follow = |sql: &'static String| {
                sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .persistent(false)
                    .bind(&day)
                    .bind(at)
                    .bind(&sweep_id)
                    .bind(&reply_by)
                    .bind(first)
            };
            // The rollup's rows (one a department) are not reported.
            let mut rolled = 0;
            let counts = [
                &mut report.urged,
                &mut rolled,
                &mut report.findings,
                &mut report.notified,
            ];
            match &sql.follow[..] {
                [one] => {
                    let row = follow(one).fetch_one(&mut *tx).await?;
                    for (i, n) in counts.into_iter().enumerate() {
                        *n = sqlx::Row::try_get::<i64, _>(&row, i)? as u64;
                    }
                }
                each => {
                    for (sql, n) in each.iter().zip(counts) {
                        *n = follow(sql).execute(&mut *tx).await?.rows_affected();
                    }
                }
            }
        }
        // Planned afresh as well: a plan kept from the sweeps of a centre's first days, with no
        // findings yet, would scan all of findings for each notice once there are thousands.
        report.findings += sqlx::query(FIND_UNANSWERED)
            .persistent(false)
            .bind(&day)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        for sql in [
            FIND_LATE_CALLBACKS,
            FIND_LATE_RECTIFICATIONS,
            FIND_OVERDUE_COMPLAINTS,
        ] {
            report.findings += sqlx::query(sql)
                .persistent(false)
                .bind(&day)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        if self.store.backend == crate::Backend::Sqlite {
            sqlx::query(CLEAR_FRESH).execute(&mut *tx).await?;
        }
        sqlx::query(ADVANCE).bind(&day).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Indicators per department for the days `from..=to` (YYYY-MM-DD), every active
    /// department listed even when it had no cases.
    pub async fn indicators(self, from: &str, to: &str) -> StoreResult<Vec<Indicators>> {
        let sums: Vec<DepartmentSums> = sqlx::query_as(
            "SELECT department_id, CAST(SUM(received) AS BIGINT) AS received, CAST(SUM(accepted) AS BIGINT) AS accepted,
                    CAST(SUM(instant) AS BIGINT) AS instant, CAST(SUM(promised) AS BIGINT) AS promised,
                    CAST(SUM(concluded) AS BIGINT) AS concluded,
                    CAST(SUM(concluded_on_time) AS BIGINT) AS on_time, CAST(SUM(overdue) AS BIGINT) AS overdue,
                    CAST(SUM(accurate) AS BIGINT) AS accurate, CAST(SUM(days_used) AS BIGINT) AS days_used,
                    CAST(SUM(days_promised) AS BIGINT) AS days_promised
             FROM case_rollups WHERE day >= $1 AND day <= $2 GROUP BY department_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.store.pool)
        .await?;
        let urged: Vec<(DepartmentId, i64)> = sqlx::query_as(
            "SELECT department_id, CAST(SUM(urged) AS BIGINT) FROM urging_rollups
             WHERE day >= $1 AND day <= $2 GROUP BY department_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.store.pool)
        .await?;
        let reviewed: Vec<(DepartmentId, i64, i64)> = sqlx::query_as(
            "SELECT department_id, CAST(SUM(reviews) AS BIGINT), CAST(SUM(good) AS BIGINT)
             FROM review_rollups WHERE dimension = 'department' AND day >= $1 AND day <= $2
             GROUP BY department_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.store.pool)
        .await?;
        let departments: Vec<(DepartmentId,)> =
            sqlx::query_as("SELECT id FROM departments WHERE active = 1 ORDER BY id")
                .fetch_all(&self.store.pool)
                .await?;
        Ok(departments
            .into_iter()
            .map(|(d,)| {
                let s = sums
                    .iter()
                    .find(|r| r.department_id == d)
                    .cloned()
                    .unwrap_or(DepartmentSums {
                        department_id: d,
                        ..Default::default()
                    });
                let urged = urged.iter().find(|u| u.0 == d).map_or(0, |u| u.1);
                let (reviews, good) = reviewed
                    .iter()
                    .find(|r| r.0 == d)
                    .map_or((0, 0), |r| (r.1, r.2));
                Indicators {
                    department_id: d,
                    received: s.received,
                    accepted: s.accepted,
                    instant: s.instant,
                    promised: s.promised,
                    concluded: s.concluded,
                    concluded_on_time: s.on_time,
                    overdue: s.overdue,
                    urged,
                    conclusion_rate: rate(s.concluded, s.accepted),
                    on_time_rate: rate(s.on_time, s.concluded),
                    urging_rate: rate(urged, s.accepted),
                    delay_rate: rate(s.overdue, s.concluded),
                    accuracy_rate: rate(s.accurate, s.concluded),
                    avg_days_used: average(s.days_used, s.concluded),
                    avg_days_promised: average(s.days_promised, s.concluded),
                    reviews,
                    satisfaction_rate: rate(good, reviews),
                }
            })
            .collect())
    }

    /// What the dashboard shows live: open cases by alert level (each case counted once, at its
    /// worst level), open findings and pending urgings.
    pub async fn live_counts(self) -> StoreResult<LiveCounts> {
        let (yellow, red, findings, urgings): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT
                (SELECT COUNT(DISTINCT a.case_id) FROM supervision_alerts a JOIN cases c ON c.id = a.case_id
                  WHERE a.level = 'yellow' AND c.stage IN ('in_review', 'decided')
                    AND NOT EXISTS (SELECT 1 FROM supervision_alerts r WHERE r.case_id = a.case_id AND r.level = 'red')),
                (SELECT COUNT(DISTINCT a.case_id) FROM supervision_alerts a JOIN cases c ON c.id = a.case_id
                  WHERE a.level = 'red' AND c.stage IN ('in_review', 'decided')),
                (SELECT COUNT(*) FROM findings WHERE closed_at IS NULL),
                (SELECT COUNT(*) FROM urgings WHERE decision IS NULL OR decision <> 'accepted')",
        )
        .fetch_one(&self.store.pool)
        .await?;
        Ok(LiveCounts {
            yellow,
            red,
            open_findings: findings,
            pending_urgings: urgings,
        })
    }

    pub async fn finding_rules(self) -> StoreResult<Vec<FindingRule>> {
        Ok(
            sqlx::query_as("SELECT code, name, severity, enabled FROM finding_rules ORDER BY code")
                .fetch_all(&self.store.pool)
                .await?,
        )
    }

    /// Switches a rule on or off; findings already raised stay.
    pub async fn set_finding_rule(self, code: &str, enabled: bool) -> StoreResult<()> {
        let changed = sqlx::query("UPDATE finding_rules SET enabled = $1 WHERE code = $2")
            .bind(i64::from(enabled))
            .bind(code)
            .execute(&self.store.pool)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound("finding rule"));
        }
        Ok(())
    }

    /// Findings, newest first; only open ones when `open_only`.
    pub async fn findings(self, open_only: bool, limit: i64) -> StoreResult<Vec<Finding>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {FINDING_COLS} FROM {FINDING_FROM}
             WHERE ($1 = 0 OR f.closed_at IS NULL) ORDER BY f.id DESC LIMIT CAST($2 AS BIGINT)"
        )))
        .bind(i64::from(open_only))
        .bind(limit)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// A supervisor closes a finding with its disposition (处理结果).
    pub async fn close_finding(self, id: i64, by: AccountId, disposition: &str) -> StoreResult<()> {
        if disposition.trim().is_empty() {
            return Err(FieldErrors::single("disposition", "请填写处理结果").into());
        }
        let closed = sqlx::query(
            "UPDATE findings SET disposition = $1, closed_by = $2, closed_at = $3
             WHERE id = $4 AND closed_at IS NULL",
        )
        .bind(disposition.trim())
        .bind(by)
        .bind(now_ms())
        .bind(id)
        .execute(&self.store.pool)
        .await?
        .rows_affected();
        if closed == 0 {
            let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM findings WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.store.pool)
                .await?;
            return Err(match exists {
                Some(_) => StoreError::Rejected(CaseError::Rule("该问题已处理完毕".into())),
                None => StoreError::NotFound("finding"),
            });
        }
        Ok(())
    }

    /// Alerts, newest first, of one department or all; `running_only` keeps those of cases
    /// whose clock still runs (accepted, not yet concluded), as the supervisors' dashboard lists
    /// them beside its live counts.
    pub async fn alerts(
        self,
        department_id: Option<DepartmentId>,
        running_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<Alert>> {
        Ok(sqlx::query_as(
            "SELECT a.id, a.case_id, c.case_no, c.item_name, a.timer_kind, a.level, a.due_on,
                    a.department_id, a.raised_on
             FROM supervision_alerts a JOIN cases c ON c.id = a.case_id
             WHERE ($1 = 0 OR a.department_id = $1)
               AND ($2 = 0 OR c.stage IN ('in_review', 'decided'))
             ORDER BY a.id DESC LIMIT CAST($3 AS BIGINT)",
        )
        .bind(department_id.unwrap_or_default())
        .bind(i64::from(running_only))
        .bind(limit)
        .fetch_all(&self.store.pool)
        .await?)
    }
}

//! Case records reported by departments' own systems (部门自建业务系统, the 办件数据汇聚 of
//! the national exchange), kept as received, and the findings they prove: 体外循环 (a result
//! with no acceptance on record, a decision dated before acceptance), a refusal without reasons,
//! an online-only item taken at a window. A report is stored, and its findings raised, in one
//! transaction; a record sent again (same row_guid) is stored once and proves nothing twice.

use onewindow_domain::ids::{AccountId, DepartmentId};
use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Serialize;

use onewindow_domain::exchange::{Report, Signal, accept_signals, result_signals};

use crate::{StoreError, StoreResult, now_ms};

/// What a report did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportOutcome {
    /// Records stored.
    pub stored: u64,
    /// Records already received before (same case, table and row_guid), left as they were.
    pub duplicates: u64,
    /// Findings the report raised.
    pub findings: Vec<RaisedFinding>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RaisedFinding {
    pub rule_code: String,
    pub project_no: String,
    pub detail: String,
}

/// A case as a department's system reported it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportedCase {
    pub id: i64,
    pub department_id: DepartmentId,
    pub project_no: String,
    pub task_code: Option<String>,
    pub task_name: Option<String>,
    pub applicant: Option<String>,
    /// 办理形式 (A.5) of the application.
    pub apply_type: Option<String>,
    pub accepted_at: Option<String>,
    pub promised_at: Option<String>,
    pub result_at: Option<String>,
    pub result_type: Option<String>,
    /// Findings this case's records proved.
    pub findings: i64,
}

/// One record as received.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportedRecord {
    pub id: i64,
    /// accept, process or result.
    pub kind: String,
    pub row_guid: String,
    /// The record, as stored after validation (JSON).
    pub payload: String,
    pub reported_by: AccountId,
    pub received_at: i64,
}

const CASE_COLS: &str = "rc.id, rc.department_id, rc.project_no, rc.task_code, rc.task_name,
    rc.applicant, rc.apply_type, rc.accepted_at, rc.promised_at, rc.result_at, rc.result_type,
    (SELECT COUNT(*) FROM findings f JOIN reported_records r ON r.id = f.record_id
      WHERE r.reported_case_id = rc.id) AS findings";

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// The reported case a record belongs to, made on its first record: (id, accepted_at,
/// result_at, result_type).
async fn case_of(
    tx: &mut Tx<'_>,
    department_id: DepartmentId,
    project_no: &str,
    at: i64,
) -> StoreResult<(i64, Option<String>, Option<String>, Option<String>)> {
    let find = || {
        sqlx::query_as(
            "SELECT id, accepted_at, result_at, result_type FROM reported_cases
             WHERE department_id = $1 AND project_no = $2",
        )
        .bind(department_id)
        .bind(project_no)
    };
    if let Some(found) = find().fetch_optional(&mut **tx).await? {
        return Ok(found);
    }
    sqlx::query(
        "INSERT INTO reported_cases (department_id, project_no, first_at, updated_at)
         VALUES ($1, $2, $3, $3) ON CONFLICT (department_id, project_no) DO NOTHING",
    )
    .bind(department_id)
    .bind(project_no)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(find().fetch_one(&mut **tx).await?)
}

/// Stores a record once; None when it was received before.
async fn record(
    tx: &mut Tx<'_>,
    case_id: i64,
    kind: &str,
    row_guid: &str,
    payload: &impl Serialize,
    by: AccountId,
    at: i64,
) -> StoreResult<Option<i64>> {
    let payload = serde_json::to_string(payload).map_err(|e| StoreError::Config(e.to_string()))?;
    let id: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO reported_records (reported_case_id, kind, row_guid, payload, reported_by, received_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(case_id)
    .bind(kind)
    .bind(row_guid)
    .bind(payload)
    .bind(by)
    .bind(at)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(id.map(|(id,)| id))
}

/// Raises findings for the signals of one record, each while its rule is switched on.
struct Raise<'a> {
    department_id: DepartmentId,
    day: &'a str,
    at: i64,
}

impl Raise<'_> {
    async fn raise(
        &self,
        tx: &mut Tx<'_>,
        out: &mut ReportOutcome,
        project_no: &str,
        record_id: i64,
        signals: Vec<Signal>,
    ) -> StoreResult<()> {
        for (rule, detail) in signals {
            let raised = sqlx::query(
                "INSERT INTO findings (rule_code, case_id, department_id, record_id, detail, raised_on, raised_at)
                 SELECT $1, NULL, $2, $3, $4, $5, $6 WHERE EXISTS
                    (SELECT 1 FROM finding_rules WHERE code = $1 AND enabled = 1)
                 ON CONFLICT DO NOTHING",
            )
            .bind(rule)
            .bind(self.department_id)
            .bind(record_id)
            .bind(&detail)
            .bind(self.day)
            .bind(self.at)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if raised > 0 {
                out.findings.push(RaisedFinding {
                    rule_code: rule.to_owned(),
                    project_no: project_no.to_owned(),
                    detail,
                });
            }
        }
        Ok(())
    }
}

impl crate::SupervisionStore<'_> {
    /// Takes a report from the system of `department_id`: validates every record (nothing is
    /// stored when one is bad), stores each once, and raises the findings they prove while
    /// their rules are switched on. Acceptances are taken first, then steps, then results.
    pub async fn report_cases(
        self,
        department_id: DepartmentId,
        by: AccountId,
        mut report: Report,
        today: NaiveDate,
    ) -> StoreResult<ReportOutcome> {
        report.validate()?;
        let online_only = self.online_only_items(&report).await?;
        let at = now_ms();
        let day = today.to_string();
        let mut out = ReportOutcome::default();
        let mut tx = self.store.pool.begin().await?;
        let raise = Raise {
            department_id,
            day: &day,
            at,
        };
        for r in &report.accept {
            let (case_id, _, result_at, result_type) =
                case_of(&mut tx, department_id, &r.project_no, at).await?;
            let Some(record_id) =
                record(&mut tx, case_id, "accept", &r.row_guid, r, by, at).await?
            else {
                out.duplicates += 1;
                continue;
            };
            out.stored += 1;
            sqlx::query(
                "UPDATE reported_cases SET task_code = $1, task_name = $2, applicant = $3,
                        apply_type = $4, accepted_at = $5, promised_at = $6, updated_at = $7
                 WHERE id = $8",
            )
            .bind(&r.task_code)
            .bind(&r.task_name)
            .bind(&r.applyer_name)
            .bind(&r.apply_type)
            .bind(&r.accept_date)
            .bind(r.promise_date.as_deref())
            .bind(at)
            .bind(case_id)
            .execute(&mut *tx)
            .await?;
            let earlier = result_at.as_deref().zip(result_type.as_deref());
            let signals = accept_signals(r, online_only.contains(&r.task_code), earlier);
            raise
                .raise(&mut tx, &mut out, &r.project_no, record_id, signals)
                .await?;
        }
        for r in &report.process {
            let (case_id, ..) = case_of(&mut tx, department_id, &r.project_no, at).await?;
            match record(&mut tx, case_id, "process", &r.row_guid, r, by, at).await? {
                Some(_) => out.stored += 1,
                None => out.duplicates += 1,
            }
        }
        for r in &report.result {
            let (case_id, accepted_at, ..) =
                case_of(&mut tx, department_id, &r.project_no, at).await?;
            let Some(record_id) =
                record(&mut tx, case_id, "result", &r.row_guid, r, by, at).await?
            else {
                out.duplicates += 1;
                continue;
            };
            out.stored += 1;
            sqlx::query(
                "UPDATE reported_cases SET result_at = $1, result_type = $2, updated_at = $3
                 WHERE id = $4",
            )
            .bind(&r.result_date)
            .bind(&r.result_type)
            .bind(at)
            .bind(case_id)
            .execute(&mut *tx)
            .await?;
            // Accepted on the platform (外网受理、内网办理), when not reported as accepted.
            let accepted = match accepted_at {
                Some(a) => Some(a),
                None => sqlx::query_as::<_, (Option<String>,)>(
                    "SELECT accepted_on FROM cases WHERE case_no = $1 AND department_id = $2",
                )
                .bind(&r.project_no)
                .bind(department_id)
                .fetch_optional(&mut *tx)
                .await?
                .and_then(|(a,)| a),
            };
            let signals = result_signals(r, accepted.as_deref());
            raise
                .raise(&mut tx, &mut out, &r.project_no, record_id, signals)
                .await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The reported items (by implementation code) that may be applied for online only.
    async fn online_only_items(self, report: &Report) -> StoreResult<HashSet<String>> {
        let mut out = HashSet::new();
        let codes: HashSet<&str> = report.accept.iter().map(|r| r.task_code.as_str()).collect();
        for code in codes {
            let item = match self.store.catalog().item_by_code(code).await {
                Ok(item) => item,
                Err(StoreError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            let Ok(version) = self.store.catalog().current_version(item.id).await else {
                continue;
            };
            if !version.doc.handling_forms.iter().any(|f| f == "1") {
                out.insert(code.to_owned());
            }
        }
        Ok(out)
    }

    /// Reported cases, the most recently changed first, of one department or all.
    pub async fn reported_cases(
        self,
        department_id: Option<DepartmentId>,
        limit: i64,
    ) -> StoreResult<Vec<ReportedCase>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLS} FROM reported_cases rc
             WHERE ($1 = 0 OR rc.department_id = $1) ORDER BY rc.updated_at DESC, rc.id DESC LIMIT CAST($2 AS BIGINT)"
        )))
        .bind(department_id.unwrap_or_default())
        .bind(limit)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// One reported case with its records in the order received.
    pub async fn reported_case(self, id: i64) -> StoreResult<(ReportedCase, Vec<ReportedRecord>)> {
        let case: ReportedCase = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLS} FROM reported_cases rc WHERE rc.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("reported case"))?;
        let records = sqlx::query_as(
            "SELECT id, kind, row_guid, payload, reported_by, received_at FROM reported_records
             WHERE reported_case_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.store.pool)
        .await?;
        Ok((case, records))
    }
}

//! The 12345 / 96128 hotline's calls: a CSV export imported whole or not at all (every bad row
//! named, nothing written), kept once per call id so that an export imported again adds only
//! what is new; the figures as a centre reports them (answered, transferred, transferred
//! successfully, satisfied) by month and department; and a transferred call taken on as a
//! complaint or a consultation.

use std::collections::HashMap;

use onewindow_domain::ids::DepartmentId;
use onewindow_domain::org::FieldErrors;
use onewindow_domain::reviews::hotline::{Call, HEADER, RowError, read_row};
use serde::Serialize;

use crate::{ReviewStore, StoreError, StoreResult, now_ms};

/// Rows written per statement.
const CHUNK: usize = 50;
/// Bad rows named in a refusal (the count says how many there were in all).
const NAMED: usize = 100;

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Rows read.
    pub rows: u64,
    /// Calls new to the platform.
    pub added: u64,
    /// Calls it already had (an export imported again).
    pub already: u64,
}

/// A month's hotline figures for one department (or the calls not transferred).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HotlineFigures {
    /// YYYY-MM.
    pub month: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub department_id: Option<DepartmentId>,
    pub department: String,
    pub calls: i64,
    pub answered: i64,
    pub transferred: i64,
    pub transferred_ok: i64,
    /// Callers asked, and those satisfied (满意 or 基本满意).
    pub rated: i64,
    pub satisfied: i64,
    pub satisfaction_rate: Option<f64>,
}

#[derive(sqlx::FromRow)]
struct MonthSums {
    month: String,
    department_id: Option<DepartmentId>,
    calls: i64,
    answered: i64,
    transferred: i64,
    ok: i64,
    rated: i64,
    satisfied: i64,
}

/// A transferred call, to be taken on.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferredCall {
    pub call_id: String,
    pub at: String,
    pub caller: String,
    pub category: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub department_id: Option<DepartmentId>,
    pub department: Option<String>,
    pub complaint_id: Option<i64>,
    pub consultation_id: Option<i64>,
}

fn refusal(errors: &[RowError], total: usize) -> StoreError {
    let mut e = FieldErrors::new();
    for r in errors.iter().take(NAMED) {
        e.add(
            &format!("rows[{}].{}", r.line, r.column),
            format!("第 {} 行 {}：{}", r.line, r.column, r.message),
        );
    }
    if total > NAMED {
        e.add(
            "rows",
            format!("共有 {total} 行有误，以上列出前 {NAMED} 行"),
        );
    }
    StoreError::Invalid(e)
}

impl ReviewStore<'_> {
    /// Imports a hotline export (CSV, UTF-8, header as documented in
    /// `onewindow_domain::reviews::hotline`). Refused whole, naming each bad row, if any row is
    /// bad; otherwise every new call is written in one transaction. `progress` hears the rows
    /// written so far and the total.
    pub async fn import_hotline(
        self,
        csv: &[u8],
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> StoreResult<ImportReport> {
        let departments: Vec<(DepartmentId, String, String)> =
            sqlx::query_as("SELECT id, name, short_name FROM departments")
                .fetch_all(&self.store.pool)
                .await?;
        let mut by_name: HashMap<&str, DepartmentId> = HashMap::new();
        for (id, name, short) in &departments {
            by_name.insert(name.as_str(), *id);
            if !short.is_empty() {
                by_name.entry(short.as_str()).or_insert(*id);
            }
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(csv.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(csv));
        let mut records = reader.byte_records();
        let header_ok = match records.next() {
            Some(Ok(h)) => {
                h.len() == HEADER.len()
                    && h.iter()
                        .zip(HEADER)
                        .all(|(a, b)| std::str::from_utf8(a).is_ok_and(|a| a.trim() == b))
            }
            _ => false,
        };
        if !header_ok {
            return Err(
                FieldErrors::single("file", format!("首行须为表头：{}", HEADER.join(","))).into(),
            );
        }
        let mut calls: Vec<(Call, Option<DepartmentId>)> = Vec::new();
        let mut errors: Vec<RowError> = Vec::new();
        let mut bad = 0usize;
        let mut seen: HashMap<String, u64> = HashMap::new();
        for (i, record) in records.enumerate() {
            let line = i as u64 + 2;
            let fail = |column: &'static str, message: String| RowError {
                line,
                column,
                message,
            };
            let row = match record {
                Ok(r) => r,
                Err(e) => {
                    bad += 1;
                    errors.push(fail("call_id", format!("无法读取：{e}")));
                    continue;
                }
            };
            let fields: Result<Vec<&str>, _> = row.iter().map(std::str::from_utf8).collect();
            let parsed = match fields {
                Ok(f) => read_row(line, &f),
                Err(_) => Err(fail("call_id", "不是 UTF-8 文本".into())),
            };
            let checked = parsed.and_then(|call| {
                let department = match &call.transferred_to {
                    None => None,
                    Some(name) => Some(*by_name.get(name.as_str()).ok_or_else(|| {
                        fail("transferred_to", format!("没有名为“{name}”的部门"))
                    })?),
                };
                if let Some(first) = seen.insert(call.call_id.clone(), line) {
                    return Err(fail("call_id", format!("话单编号与第 {first} 行重复")));
                }
                Ok((call, department))
            });
            match checked {
                Ok(c) => calls.push(c),
                Err(e) => {
                    bad += 1;
                    if errors.len() < NAMED {
                        errors.push(e);
                    }
                }
            }
        }
        if bad > 0 {
            return Err(refusal(&errors, bad));
        }
        let total = calls.len() as u64;
        let at = now_ms();
        let mut report = ImportReport {
            rows: total,
            ..Default::default()
        };
        let mut tx = self.store.pool.begin().await?;
        let mut written = 0u64;
        for chunk in calls.chunks(CHUNK) {
            let mut sql = String::from(
                "INSERT INTO hotline_calls (call_id, at, day, caller, category, answered, department_id,
                                            transferred, transfer_ok, satisfaction, imported_at) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 10;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, $1)",
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10,
                    b + 11
                ));
            }
            sql.push_str(" ON CONFLICT (call_id) DO NOTHING");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at);
            for (c, department) in chunk {
                q = q
                    .bind(c.call_id.clone())
                    .bind(c.at.format("%Y-%m-%d %H:%M:%S").to_string())
                    .bind(c.at.date().to_string())
                    .bind(c.caller.clone())
                    .bind(c.category.key())
                    .bind(i64::from(c.answered))
                    .bind(department.map(|d| d.get()))
                    .bind(i64::from(c.transferred_to.is_some()))
                    .bind(i64::from(c.transfer_ok == Some(true)))
                    .bind(c.satisfaction.map(|s| s.key()));
            }
            report.added += q.execute(&mut *tx).await?.rows_affected();
            written += chunk.len() as u64;
            progress(written, total);
        }
        tx.commit().await?;
        report.already = total - report.added;
        progress(total, total);
        Ok(report)
    }

    /// The hotline's figures by month and department over the days `from..=to`.
    pub async fn hotline_figures(self, from: &str, to: &str) -> StoreResult<Vec<HotlineFigures>> {
        let rows: Vec<MonthSums> =
            sqlx::query_as(
                "SELECT SUBSTR(day, 1, 7) AS month, department_id, COUNT(*) AS calls,
                        CAST(SUM(answered) AS BIGINT) AS answered, CAST(SUM(transferred) AS BIGINT) AS transferred,
                        CAST(SUM(transfer_ok) AS BIGINT) AS ok,
                        CAST(SUM(CASE WHEN satisfaction IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS rated,
                        CAST(SUM(CASE WHEN satisfaction IN ('满意', '基本满意') THEN 1 ELSE 0 END) AS BIGINT) AS satisfied
                 FROM hotline_calls WHERE day >= $1 AND day <= $2
                 GROUP BY SUBSTR(day, 1, 7), department_id ORDER BY 1, 2",
            )
            .bind(from)
            .bind(to)
            .fetch_all(&self.store.pool)
            .await?;
        let names: Vec<(DepartmentId, String)> = sqlx::query_as("SELECT id, name FROM departments")
            .fetch_all(&self.store.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |MonthSums {
                     month,
                     department_id,
                     calls,
                     answered,
                     transferred,
                     ok,
                     rated,
                     satisfied,
                 }| {
                    HotlineFigures {
                        department: department_id
                            .and_then(|d| names.iter().find(|n| n.0 == d))
                            .map_or_else(|| "未转办（热线直接办理）".into(), |n| n.1.clone()),
                        month,
                        department_id,
                        calls,
                        answered,
                        transferred,
                        transferred_ok: ok,
                        rated,
                        satisfied,
                        satisfaction_rate: crate::supervision::rate(satisfied, rated),
                    }
                },
            )
            .collect())
    }

    /// Transferred calls, newest first; `department` limits them to one department's.
    pub async fn transferred_calls(
        self,
        department: Option<DepartmentId>,
        limit: i64,
    ) -> StoreResult<Vec<TransferredCall>> {
        Ok(sqlx::query_as(
            "SELECT h.call_id, h.at, h.caller, h.category, h.department_id, d.name AS department,
                    h.complaint_id, h.consultation_id
             FROM hotline_calls h LEFT JOIN departments d ON d.id = h.department_id
             WHERE h.transferred = 1 AND ($1 = 0 OR h.department_id = $1)
             ORDER BY h.at DESC LIMIT CAST($2 AS BIGINT)",
        )
        .bind(department.map_or(0, |d| d.get()))
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// The call `call_id` as it was imported (a transferred one).
    pub async fn transferred_call(self, call_id: &str) -> StoreResult<TransferredCall> {
        let row: Option<TransferredCall> = sqlx::query_as(
            "SELECT h.call_id, h.at, h.caller, h.category, h.department_id, d.name AS department,
                    h.complaint_id, h.consultation_id
             FROM hotline_calls h LEFT JOIN departments d ON d.id = h.department_id
             WHERE h.call_id = $1 AND h.transferred = 1",
        )
        .bind(call_id)
        .fetch_optional(&self.store.pool)
        .await?;
        row.ok_or(StoreError::NotFound("call"))
    }
}

/// Links a transferred call to the complaint or consultation it became, in the transaction that
/// writes that record; refused (and so the record too) if the call is unknown or taken already.
pub(super) async fn link_call(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    call_id: &str,
    complaint: Option<i64>,
    consultation: Option<i64>,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE hotline_calls SET complaint_id = $1, consultation_id = $2
         WHERE call_id = $3 AND transferred = 1 AND complaint_id IS NULL AND consultation_id IS NULL",
    )
    .bind(complaint)
    .bind(consultation)
    .bind(call_id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(
            FieldErrors::single("call_id", "该来电不是转办来电，或已转为投诉或咨询").into(),
        );
    }
    Ok(())
}

//! The working-day calendar as a centre runs it: the official data compiled in, plus the
//! administrators' corrections kept in `calendar_days`, nationwide ('' region) or for one region
//! and everything within it.

use onewindow_domain::ids::AccountId;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::org::{FieldErrors, RegionCode};
use serde::Serialize;

use crate::{StoreError, StoreResult, now_ms};

/// The official calendar and, per region asked for, that region's corrected copy.
pub struct Calendars {
    official: WorkCalendar,
    by_region: RwLock<HashMap<String, Arc<WorkCalendar>>>,
}

impl Calendars {
    pub(crate) fn new() -> StoreResult<Calendars> {
        Ok(Calendars {
            official: WorkCalendar::official().map_err(|e| StoreError::Config(e.to_string()))?,
            by_region: RwLock::new(HashMap::new()),
        })
    }
}

/// One administrator's correction.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarDay {
    /// Empty: everywhere; otherwise the region (and those within it) it applies to.
    pub region_code: String,
    pub day: String,
    #[sqlx(try_from = "i64")]
    pub workday: crate::Flag,
    pub name: String,
    pub changed_by: AccountId,
    pub changed_at: i64,
}

/// Whether a correction for `scope` applies to a case in `region`.
fn applies(scope: &str, region: &str) -> bool {
    if scope.is_empty() || scope == region {
        return true;
    }
    match (RegionCode::parse(region), RegionCode::parse(scope)) {
        (Ok(r), Ok(s)) => r.is_within(&s),
        _ => false,
    }
}

/// A 6-digit region code as its 12-digit form; others unchanged.
pub fn normalize_region(code: &str) -> String {
    let code = code.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        format!("{code}000000")
    } else {
        code.to_owned()
    }
}

impl crate::CalendarStore<'_> {
    /// The calendar for cases of `region` (a region code, or '' for the official calendar with
    /// nationwide corrections). Cached until the next correction.
    pub async fn calendar_for(self, region: &str) -> StoreResult<Arc<WorkCalendar>> {
        let region = normalize_region(region);
        let region = region.as_str();
        if let Some(c) = self.store.calendars.by_region.read().unwrap().get(region) {
            return Ok(c.clone());
        }
        let mut cal = self.store.calendars.official.clone();
        for d in self.calendar_days().await? {
            if applies(&d.region_code, region)
                && let Ok(date) = NaiveDate::parse_from_str(&d.day, "%Y-%m-%d")
            {
                cal.set_day(date, d.workday.get(), &d.name);
            }
        }
        let cal = Arc::new(cal);
        self.store
            .calendars
            .by_region
            .write()
            .unwrap()
            .insert(region.to_owned(), cal.clone());
        Ok(cal)
    }

    pub async fn calendar_days(self) -> StoreResult<Vec<CalendarDay>> {
        Ok(sqlx::query_as(
            "SELECT region_code, day, workday, name, changed_by, changed_at FROM calendar_days
             ORDER BY day, region_code",
        )
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Records a correction (replacing any for the same region and day). Cases already accepted
    /// keep the deadlines recorded in their events; new deadlines follow the correction.
    pub async fn set_calendar_day(
        self,
        region_code: &str,
        day: &str,
        workday: bool,
        name: &str,
        by: AccountId,
    ) -> StoreResult<CalendarDay> {
        let mut errors = FieldErrors::new();
        let region_code = normalize_region(region_code);
        if !region_code.is_empty() && RegionCode::parse(&region_code).is_err() {
            errors.add(
                "region_code",
                "行政区划代码须为 6 位或 12 位数字，或留空表示全部地区",
            );
        }
        let date = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d");
        if date.is_err() {
            errors.add("day", "日期格式应为 YYYY-MM-DD");
        }
        let name = name.trim();
        if name.is_empty() {
            errors.add("name", "请填写名称或原因，例如“国庆节”或“防汛调整”");
        } else if name.chars().count() > 40 {
            errors.add("name", "名称或原因不能超过 40 个字");
        }
        errors.into_result()?;
        let day = date.map(|d| d.to_string()).unwrap_or_default();
        let mut tx = self.store.pool.begin().await?;
        sqlx::query("DELETE FROM calendar_days WHERE region_code = $1 AND day = $2")
            .bind(&region_code)
            .bind(&day)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO calendar_days (region_code, day, workday, name, changed_by, changed_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&region_code)
        .bind(&day)
        .bind(i64::from(workday))
        .bind(name)
        .bind(by)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.store.calendars.by_region.write().unwrap().clear();
        Ok(CalendarDay {
            region_code,
            day,
            workday: crate::Flag(workday),
            name: name.to_owned(),
            changed_by: by,
            changed_at: now_ms(),
        })
    }

    /// Withdraws a correction: the day follows the official calendar again (or a nationwide
    /// correction, for a region's). New deadlines follow at once; accepted cases keep theirs.
    pub async fn remove_calendar_day(
        self,
        region_code: &str,
        day: &str,
        by: AccountId,
    ) -> StoreResult<()> {
        let region_code = normalize_region(region_code);
        let removed = sqlx::query("DELETE FROM calendar_days WHERE region_code = $1 AND day = $2")
            .bind(&region_code)
            .bind(day.trim())
            .execute(&self.store.pool)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::NotFound("calendar day"));
        }
        tracing::info!(
            region_code,
            day,
            by = by.get(),
            "calendar correction withdrawn"
        );
        self.store.calendars.by_region.write().unwrap().clear();
        Ok(())
    }
}

//! Appointments (预约) in the hall: where an item can be booked (the halls whose windows serve
//! its department), the slots of a day with their free places, booking, cancelling, moving,
//! the check-in at the window, the day's list for staff, and the reminder the day before.
//!
//! A slot's places are counted in `booking_slots` by one guarded `UPDATE … WHERE taken <
//! capacity`, so the last place goes to exactly one applicant however many race for it, on
//! both databases. Each booking first locks its applicant's `booking_holders` row, so that
//! one person's concurrent requests are counted one after another against their limit. On
//! SQLite the writes of this process take turns on a mutex rather than in SQLite's busy loop.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use onewindow_domain::auth::{HallAction, Principal, authorize};
use onewindow_domain::hall::booking::{
    BookableDay, BookingRules, BookingStatus, Schedule, SlotTime, bookable_days, changeable,
    check_in_open, check_slot, minute_time, normalize_code,
};
use onewindow_domain::ids::{AccountId, DepartmentId, HallId, ItemId, WindowId};
use onewindow_domain::org::FieldErrors;
use serde::Serialize;

mod writes;

pub(crate) use writes::Queued;
use writes::{BookJob, Slot, hold, not_changeable, notify, release, same_day, take, write_loop};

use crate::{Backend, StoreError, StoreResult, now_ms, utc_ms};

/// The windows a booking is served at: a department's own windows in a hall, or the hall's
/// comprehensive windows (综合窗口) for a department without windows of its own there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    Department(DepartmentId),
    Comprehensive,
}

impl Pool {
    pub fn key(self) -> String {
        match self {
            Pool::Department(d) => format!("dept:{}", d.0),
            Pool::Comprehensive => "comprehensive".into(),
        }
    }
    /// The pool a stored key names.
    pub fn of(key: &str) -> Option<Pool> {
        match key {
            "comprehensive" => Some(Pool::Comprehensive),
            k => k
                .strip_prefix("dept:")?
                .parse()
                .ok()
                .map(|d| Pool::Department(DepartmentId(d))),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Pool::Department(_) => "部门窗口",
            Pool::Comprehensive => "综合窗口",
        }
    }
}

impl Serialize for Pool {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

/// A hall where an item can be booked, with the windows that serve it there.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub hall_id: HallId,
    pub hall_name: String,
    pub centre_name: String,
    pub address: String,
    /// The centre's region, whose working-day calendar the slots follow.
    pub region_code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub pool: Pool,
    /// Open windows serving the pool: the capacity of a slot is this × `per_window`.
    pub windows: i64,
}

/// A slot of a day with its places.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotPlaces {
    /// HH:MM.
    pub start: String,
    pub end: String,
    pub capacity: i64,
    pub taken: i64,
    /// False when full or already begun.
    pub bookable: bool,
}

/// A day's slots at a hall for an item, or why the day has none.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DaySlots {
    pub day: String,
    pub closed: Option<String>,
    pub slots: Vec<SlotPlaces>,
}

/// A booking, as its applicant and the staff see it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Booking {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub account_id: AccountId,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub item_id: ItemId,
    pub item_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub department_id: DepartmentId,
    pub department_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub hall_id: HallId,
    pub hall_name: String,
    pub pool: String,
    /// YYYY-MM-DD.
    pub day: String,
    pub start_minute: i64,
    pub end_minute: i64,
    pub code: String,
    /// booked, checked_in or cancelled (a booked one past its slot is a no-show).
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: BookingStatus,
    pub applicant_name: String,
    pub created_at: i64,
    pub checked_in_at: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub checked_in_window: Option<WindowId>,
}

impl Booking {
    pub fn date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.day, "%Y-%m-%d").unwrap_or_default()
    }
    pub fn slot(&self) -> SlotTime {
        SlotTime {
            start: minute_time(self.start_minute).unwrap_or_default(),
            end: minute_time(self.end_minute).unwrap_or_default(),
        }
    }
    /// The slot's start and end in local time.
    pub fn starts(&self) -> NaiveDateTime {
        self.date().and_time(self.slot().start)
    }
    pub fn ends(&self) -> NaiveDateTime {
        self.date().and_time(self.slot().end)
    }
    /// 2026年10月10日 09:00–09:30
    pub fn when(&self) -> String {
        format!(
            "{} {}",
            self.date().format("%Y年%m月%d日"),
            self.slot().text()
        )
    }
}

/// What an applicant asks for.
#[derive(Debug, Clone)]
pub struct BookingRequest {
    pub item_id: ItemId,
    pub hall_id: HallId,
    pub day: NaiveDate,
    pub start: NaiveTime,
    /// The client's key for this request (a form token, an Idempotency-Key): the same key
    /// returns the booking it made instead of a second one.
    pub key: String,
}

const BOOKING: &str = "SELECT b.id, b.account_id, b.item_id, b.item_name, b.department_id,
    d.name AS department_name, b.hall_id, h.name AS hall_name, b.pool, b.day, b.start_minute,
    b.end_minute, b.code, b.status, a.display_name AS applicant_name, b.created_at,
    b.checked_in_at, b.checked_in_window
    FROM bookings b JOIN departments d ON d.id = b.department_id JOIN halls h ON h.id = b.hall_id
    JOIN accounts a ON a.id = b.account_id";

/// The keys of the booking rules in `hall_settings`.
const RULE_KEYS: [&str; 4] = [
    "booking_max_open",
    "booking_no_show_limit",
    "booking_no_show_days",
    "booking_days_ahead",
];

fn full() -> StoreError {
    FieldErrors::single("slot", "该时段已约满，请选择其他时段").into()
}

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

#[derive(sqlx::FromRow)]
struct PlaceRow {
    hall_id: HallId,
    hall_name: String,
    centre_name: String,
    address: String,
    region_code: String,
    department_id: Option<DepartmentId>,
    windows: i64,
}

impl crate::HallStore<'_> {
    /// The booking rules the centre set.
    pub async fn booking_rules(self) -> StoreResult<BookingRules> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT key, value FROM hall_settings WHERE key LIKE 'booking_%'")
                .fetch_all(&self.store.pool)
                .await?;
        let mut r = BookingRules::default();
        for (k, v) in rows {
            let v = v.clamp(0, 1000) as u32;
            match k.as_str() {
                "booking_max_open" => r.max_open = v,
                "booking_no_show_limit" => r.no_show_limit = v,
                "booking_no_show_days" => r.no_show_days = v,
                "booking_days_ahead" => r.days_ahead = v,
                _ => {}
            }
        }
        Ok(r)
    }

    pub async fn set_booking_rules(self, rules: &BookingRules, by: AccountId) -> StoreResult<()> {
        rules.check()?;
        let values = [
            rules.max_open,
            rules.no_show_limit,
            rules.no_show_days,
            rules.days_ahead,
        ]
        .map(i64::from);
        self.set_settings(&RULE_KEYS, &values, by).await
    }

    /// A hall's opening hours for appointments (the default until the centre sets them).
    pub async fn schedule(self, hall_id: HallId) -> StoreResult<Schedule> {
        let row: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT sessions, slot_minutes, per_window FROM hall_schedules WHERE hall_id = $1",
        )
        .bind(hall_id)
        .fetch_optional(&self.store.pool)
        .await?;
        let Some((sessions, slot_minutes, per_window)) = row else {
            return Ok(Schedule::default());
        };
        Ok(Schedule {
            sessions: serde_json::from_str(&sessions)
                .map_err(|e| StoreError::Config(format!("hall {hall_id} schedule: {e}")))?,
            slot_minutes: slot_minutes.clamp(0, 1440) as u32,
            per_window: per_window.clamp(0, 1000) as u32,
        })
    }

    pub async fn set_schedule(
        self,
        hall_id: HallId,
        schedule: &Schedule,
        by: AccountId,
    ) -> StoreResult<()> {
        schedule.check()?;
        self.store.org().get_hall(hall_id).await?;
        let sessions = serde_json::to_string(&schedule.sessions)
            .map_err(|e| StoreError::Config(e.to_string()))?;
        sqlx::query(
            "INSERT INTO hall_schedules (hall_id, sessions, slot_minutes, per_window, changed_by, changed_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (hall_id) DO UPDATE SET sessions = excluded.sessions,
                slot_minutes = excluded.slot_minutes, per_window = excluded.per_window,
                changed_by = excluded.changed_by, changed_at = excluded.changed_at",
        )
        .bind(hall_id)
        .bind(sessions)
        .bind(i64::from(schedule.slot_minutes))
        .bind(i64::from(schedule.per_window))
        .bind(by)
        .bind(now_ms())
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    /// The item if it takes appointments: published, active, with 支持预约 set.
    async fn bookable_item(self, item_id: ItemId) -> StoreResult<(String, DepartmentId)> {
        let item = self.store.catalog().get_item(item_id).await?;
        let doc = match item.current_version {
            Some(v) if item.status == onewindow_domain::catalog::ItemStatus::Active => {
                self.store.catalog().get_version(item_id, v).await?.doc
            }
            _ => {
                return Err(FieldErrors::single(
                    "item_id",
                    "该事项未发布、已暂停或已取消，不能预约",
                )
                .into());
            }
        };
        if !doc.appointment {
            return Err(FieldErrors::single("item_id", "该事项不支持预约办理").into());
        }
        Ok((item.name, item.department_id))
    }

    /// Where an item can be booked: each hall with open windows of its department, else each
    /// hall with open comprehensive windows.
    pub async fn places(self, item_id: ItemId) -> StoreResult<Vec<Place>> {
        let (_, department) = self.bookable_item(item_id).await?;
        self.places_of(department).await
    }

    async fn places_of(self, department: DepartmentId) -> StoreResult<Vec<Place>> {
        let rows: Vec<PlaceRow> = sqlx::query_as(
            "SELECT h.id AS hall_id, h.name AS hall_name, c.name AS centre_name, c.address,
                    c.region_code, w.department_id, COUNT(*) AS windows
             FROM windows w JOIN zones z ON z.id = w.zone_id JOIN halls h ON h.id = z.hall_id
             JOIN centres c ON c.id = h.centre_id
             WHERE w.active = 1 AND w.is_open = 1 AND z.active = 1 AND h.active = 1
               AND (w.department_id = $1 OR w.department_id IS NULL)
             GROUP BY h.id, h.name, c.name, c.address, c.region_code, w.department_id
             ORDER BY h.id",
        )
        .bind(department)
        .fetch_all(&self.store.pool)
        .await?;
        // A department's own windows where it has them; else the comprehensive windows.
        let own = rows.iter().any(|r| r.department_id.is_some());
        Ok(rows
            .into_iter()
            .filter(|r| r.department_id.is_some() == own)
            .map(|r| Place {
                hall_id: r.hall_id,
                hall_name: r.hall_name,
                centre_name: r.centre_name,
                address: r.address,
                region_code: r.region_code,
                pool: r
                    .department_id
                    .map_or(Pool::Comprehensive, Pool::Department),
                windows: r.windows,
            })
            .collect())
    }

    async fn place(self, department: DepartmentId, hall_id: HallId) -> StoreResult<Place> {
        self.places_of(department)
            .await?
            .into_iter()
            .find(|p| p.hall_id == hall_id)
            .ok_or_else(|| FieldErrors::single("hall_id", "该大厅没有办理此事项的窗口").into())
    }

    /// The days open for booking from `now`, each with its slots and free places.
    pub async fn days(
        self,
        item_id: ItemId,
        hall_id: HallId,
        now: NaiveDateTime,
    ) -> StoreResult<Vec<DaySlots>> {
        let (_, department) = self.bookable_item(item_id).await?;
        let place = self.place(department, hall_id).await?;
        let schedule = self.schedule(hall_id).await?;
        let rules = self.booking_rules().await?;
        let calendar = self
            .store
            .calendar()
            .calendar_for(&place.region_code)
            .await?;
        let capacity = place.windows.saturating_mul(i64::from(schedule.per_window));
        let days = bookable_days(&calendar, &rules, now.date());
        let (first, last) = (
            days.first().map(|d| d.date.to_string()).unwrap_or_default(),
            days.last().map(|d| d.date.to_string()).unwrap_or_default(),
        );
        let taken: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT day, start_minute, taken FROM booking_slots
             WHERE hall_id = $1 AND pool = $2 AND day >= $3 AND day <= $4",
        )
        .bind(hall_id)
        .bind(place.pool.key())
        .bind(first)
        .bind(last)
        .fetch_all(&self.store.pool)
        .await?;
        let taken_at = |day: &str, minute: i64| {
            taken
                .iter()
                .find(|t| t.0 == day && t.1 == minute)
                .map_or(0, |t| t.2)
        };
        Ok(days
            .into_iter()
            .map(|BookableDay { date, closed }| {
                let day = date.to_string();
                let slots = if closed.is_some() {
                    vec![]
                } else {
                    schedule
                        .slots()
                        .into_iter()
                        .map(|s| {
                            let taken = taken_at(&day, s.start_minute());
                            SlotPlaces {
                                start: s.start.format("%H:%M").to_string(),
                                end: s.end.format("%H:%M").to_string(),
                                capacity,
                                taken,
                                bookable: taken < capacity && date.and_time(s.start) > now,
                            }
                        })
                        .collect()
                };
                DaySlots { day, closed, slots }
            })
            .collect())
    }

    /// Books a place for the applicant. Refused, with nothing written: an item without
    /// appointments, a hall not serving it, a past slot, a holiday, beyond the horizon, a full
    /// slot, a second booking of the same item on one day, too many open bookings, or a
    /// suspension after no-shows. The same request key returns the booking it made.
    pub async fn book(
        self,
        account_id: AccountId,
        req: &BookingRequest,
        now: NaiveDateTime,
    ) -> StoreResult<Booking> {
        if req.key.is_empty() || req.key.len() > 128 {
            return Err(FieldErrors::single("key", "请求标识无效").into());
        }
        let (item_name, department) = self.bookable_item(req.item_id).await?;
        let place = self.place(department, req.hall_id).await?;
        let rules = self.booking_rules().await?;
        let slot = self
            .checked_slot(&place, &rules, req.day, req.start, now)
            .await?;
        let job = BookJob {
            account_id,
            req: req.clone(),
            item_name,
            department,
            hall_name: place.hall_name,
            slot,
            rules,
            now,
        };
        let id = match self.store.backend {
            // SQLite: one writer; bookings waiting together share one transaction and one
            // fsync, each kept or undone by its own savepoint.
            Backend::Sqlite => self.queue(job).await?,
            // PostgreSQL: concurrent transactions, serialised where they meet by row locks.
            Backend::Postgres => {
                let mut tx = self.store.pool.begin().await?;
                let id = job.run(&mut tx).await?;
                tx.commit().await?;
                id
            }
        };
        self.booking(account_id, id).await
    }

    /// Hands a booking to the store's booking writer (started on first use) and waits for its
    /// committed answer.
    async fn queue(self, job: BookJob) -> StoreResult<i64> {
        let sender = self.store.booking_writer.get_or_init(|| {
            let (tx, rx) = tokio::sync::mpsc::channel(4096);
            tokio::spawn(write_loop(self.store.clone(), rx));
            tx
        });
        let (reply, answer) = tokio::sync::oneshot::channel();
        let stopped = || StoreError::Config("booking writer stopped".into());
        sender
            .send(Queued { job, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Cancels a booking that has not begun; its place is free again at once.
    pub async fn cancel(
        self,
        account_id: AccountId,
        id: i64,
        now: NaiveDateTime,
    ) -> StoreResult<Booking> {
        let booking = self.booking(account_id, id).await?;
        if !changeable(booking.status, booking.starts(), now) {
            return Err(not_changeable());
        }
        let _turn = self.turn().await;
        let mut tx = self.store.pool.begin().await?;
        hold(&mut tx, account_id).await?;
        let changed = sqlx::query(
            "UPDATE bookings SET status = 'cancelled', cancelled_at = $1, updated_at = $1
             WHERE id = $2 AND account_id = $3 AND status = 'booked'",
        )
        .bind(utc_ms(now))
        .bind(id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(not_changeable());
        }
        release(&mut tx, &booking).await?;
        notify(
            &mut tx,
            account_id,
            "预约已取消",
            &format!(
                "您预约的{} {}办理“{}”已取消。",
                booking.when(),
                booking.hall_name,
                booking.item_name
            ),
        )
        .await?;
        tx.commit().await?;
        self.booking(account_id, id).await
    }

    /// Moves a booking that has not begun to another slot of the same hall; the new place is
    /// taken before the old one is given up, so a full slot leaves the booking as it was.
    pub async fn reschedule(
        self,
        account_id: AccountId,
        id: i64,
        day: NaiveDate,
        start: NaiveTime,
        now: NaiveDateTime,
    ) -> StoreResult<Booking> {
        let booking = self.booking(account_id, id).await?;
        if !changeable(booking.status, booking.starts(), now) {
            return Err(not_changeable());
        }
        let place = self.place(booking.department_id, booking.hall_id).await?;
        let rules = self.booking_rules().await?;
        let slot = self.checked_slot(&place, &rules, day, start, now).await?;
        if booking.date() == day && booking.slot().start == start {
            return Ok(booking);
        }
        let _turn = self.turn().await;
        let mut tx = self.store.pool.begin().await?;
        hold(&mut tx, account_id).await?;
        same_day(&mut tx, account_id, booking.item_id, day, Some(id)).await?;
        // Slot rows are locked in key order, so that two people swapping slots cannot
        // deadlock; a full new slot rolls the release back.
        let old = (booking.day.as_str(), booking.start_minute);
        let new_day = day.to_string();
        if (new_day.as_str(), slot.time.start_minute()) < old {
            take(&mut tx, &slot).await?;
            release(&mut tx, &booking).await?;
        } else {
            release(&mut tx, &booking).await?;
            take(&mut tx, &slot).await?;
        }
        let changed = sqlx::query(
            "UPDATE bookings SET day = $1, start_minute = $2, end_minute = $3, starts_at = $4,
                ends_at = $5, pool = $6, reminded_at = NULL, updated_at = $7
             WHERE id = $8 AND account_id = $9 AND status = 'booked' AND starts_at = $10",
        )
        .bind(&new_day)
        .bind(slot.time.start_minute())
        .bind(slot.end_minute())
        .bind(utc_ms(slot.starts()))
        .bind(utc_ms(slot.ends()))
        .bind(&slot.pool)
        .bind(utc_ms(now))
        .bind(id)
        .bind(account_id)
        .bind(utc_ms(booking.starts()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(not_changeable());
        }
        notify(
            &mut tx,
            account_id,
            "预约已改期",
            &format!(
                "您办理“{}”的预约已由{}改为{} {}，签到码 {} 不变。",
                booking.item_name,
                booking.when(),
                day.format("%Y年%m月%d日"),
                slot.time.text(),
                booking.code
            ),
        )
        .await?;
        tx.commit().await?;
        self.booking(account_id, id).await
    }

    /// One of the applicant's bookings; another's is not found.
    pub async fn booking(self, account_id: AccountId, id: i64) -> StoreResult<Booking> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{BOOKING} WHERE b.id = $1 AND b.account_id = $2"
        )))
        .bind(id)
        .bind(account_id)
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound("booking"))
    }

    /// The applicant's bookings, the latest slot first.
    pub async fn bookings(self, account_id: AccountId, limit: i64) -> StoreResult<Vec<Booking>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{BOOKING} WHERE b.account_id = $1 ORDER BY b.starts_at DESC, b.id DESC
             LIMIT CAST($2 AS BIGINT)"
        )))
        .bind(account_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// A window's day of bookings, by slot: those of the pool it serves in its hall (its
    /// department's, or the comprehensive windows'). For staff who may see that department's
    /// bookings; a window outside any hall has none.
    pub async fn window_bookings(
        self,
        who: &Principal,
        window_id: WindowId,
        day: NaiveDate,
    ) -> StoreResult<Vec<Booking>> {
        let window = self.store.org().get_window(window_id).await?;
        authorize(who, HallAction::ViewBookings, window.department_id)
            .map_err(|_| StoreError::NotFound("window"))?;
        let pool = window
            .department_id
            .map_or(Pool::Comprehensive, Pool::Department);
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{BOOKING} WHERE b.day = $1 AND b.pool = $2
               AND b.hall_id = (SELECT z.hall_id FROM zones z JOIN windows w ON w.zone_id = z.id
                                WHERE w.id = $3)
             ORDER BY b.start_minute, b.id"
        )))
        .bind(day.to_string())
        .bind(pool.key())
        .bind(window_id)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Checks in the booking with this code at `window`, for staff who serve its department.
    /// A wrong code, another department's booking, a cancelled one or a time outside the
    /// check-in period is refused with the reason.
    pub async fn check_in(
        self,
        who: &Principal,
        raw_code: &str,
        window: Option<WindowId>,
        now: NaiveDateTime,
    ) -> StoreResult<Booking> {
        let unknown = || FieldErrors::single("code", "签到码无效或不属于本部门的预约");
        let code = normalize_code(raw_code).ok_or_else(unknown)?;
        let found: Option<Booking> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{BOOKING} WHERE b.code = $1")))
                .bind(&code)
                .fetch_optional(&self.store.pool)
                .await?;
        let booking = found.ok_or_else(unknown)?;
        authorize(who, HallAction::CheckIn, Some(booking.department_id)).map_err(|_| unknown())?;
        check_in_open(booking.status, booking.starts(), booking.ends(), now)
            .map_err(|m| FieldErrors::single("code", m))?;
        let changed = sqlx::query(
            "UPDATE bookings SET status = 'checked_in', checked_in_at = $1, checked_in_by = $2,
                checked_in_window = $3, updated_at = $1
             WHERE id = $4 AND status = 'booked'",
        )
        .bind(utc_ms(now))
        .bind(who.account_id)
        .bind(window)
        .bind(booking.id)
        .execute(&self.store.pool)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(FieldErrors::single("code", "该预约已签到或已取消").into());
        }
        self.booking(booking.account_id, booking.id).await
    }

    /// Reminds applicants of tomorrow's bookings made before today, once each (the notifier
    /// hands the message on to SMS and e-mail), in batches of 500. Returns how many were
    /// reminded.
    pub async fn send_reminders(self, now: NaiveDateTime) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let n = self.remind_batch(now).await?;
            total += n;
            if n < 500 {
                return Ok(total);
            }
        }
    }

    async fn remind_batch(self, now: NaiveDateTime) -> StoreResult<u64> {
        let today = now.date();
        let tomorrow = (today + Duration::days(1)).to_string();
        let made_before = utc_ms(today.and_time(NaiveTime::MIN));
        let lock = match self.store.backend {
            Backend::Postgres => " FOR UPDATE OF b SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let _turn = self.turn().await;
        let mut tx = self.store.pool.begin().await?;
        let due: Vec<Booking> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{BOOKING} WHERE b.day = $1 AND b.status = 'booked' AND b.reminded_at IS NULL
               AND b.created_at < $2 ORDER BY b.id LIMIT 500{lock}"
        )))
        .bind(&tomorrow)
        .bind(made_before)
        .fetch_all(&mut *tx)
        .await?;
        for b in &due {
            notify(
                &mut tx,
                b.account_id,
                "预约提醒",
                &format!(
                    "您预约了明天（{}）在{}办理“{}”，签到码 {}。如不能到场请提前取消，爽约将影响预约资格。",
                    b.when(),
                    b.hall_name,
                    b.item_name,
                    b.code
                ),
            )
            .await?;
            sqlx::query("UPDATE bookings SET reminded_at = $1 WHERE id = $2")
                .bind(utc_ms(now))
                .bind(b.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(due.len() as u64)
    }

    /// Slots whose count is above their capacity or differs from their bookings (an audit of
    /// the counters; none ever should).
    pub async fn slots_over_capacity(self) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM booking_slots s
             WHERE s.taken > s.capacity OR s.taken <> (
                SELECT COUNT(*) FROM bookings b WHERE b.hall_id = s.hall_id AND b.pool = s.pool
                  AND b.day = s.day AND b.start_minute = s.start_minute AND b.status <> 'cancelled')",
        )
        .fetch_one(&self.store.pool)
        .await?;
        Ok(n)
    }

    /// Checks a slot against the hall's hours, the calendar and the rules; with the slot's
    /// capacity (the windows serving it × the people a window sees in a slot).
    async fn checked_slot(
        self,
        place: &Place,
        rules: &BookingRules,
        day: NaiveDate,
        start: NaiveTime,
        now: NaiveDateTime,
    ) -> StoreResult<Slot> {
        let schedule = self.schedule(place.hall_id).await?;
        let calendar = self
            .store
            .calendar()
            .calendar_for(&place.region_code)
            .await?;
        let time = check_slot(&calendar, &schedule, rules, day, start, now)?;
        Ok(Slot {
            hall_id: place.hall_id,
            pool: place.pool.key(),
            day,
            time,
            capacity: place.windows.saturating_mul(i64::from(schedule.per_window)),
        })
    }

    /// SQLite: one booking write of this process at a time (SQLite has one writer; waiting
    /// here is fair and quick, its busy loop is neither). PostgreSQL: the rows lock.
    async fn turn(self) -> Option<tokio::sync::MutexGuard<'static, ()>> {
        static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        match self.store.backend {
            Backend::Sqlite => Some(TURN.lock().await),
            Backend::Postgres => None,
        }
    }
}

//! The writing side of bookings: a booking's transaction (the applicant's holder row, their
//! standing, the place, the row, the message), SQLite's booking writer that shares one
//! transaction among the bookings waiting together, and the statements cancel and move share.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use onewindow_domain::hall::booking::{BookingRules, BookingStatus, CODE_LEN, SlotTime};
use onewindow_domain::ids::{AccountId, DepartmentId, HallId, ItemId};
use onewindow_domain::org::FieldErrors;

use super::{Booking, BookingRequest, Tx, full};
use crate::case::commands::random_code;
use crate::{StoreError, StoreResult, now_ms};
use crate::{local, utc_ms};

/// A booking checked against everything outside the transaction (the item, the hall, the
/// slot, the rules), to be written.
pub(crate) struct BookJob {
    pub(super) account_id: AccountId,
    pub(super) req: BookingRequest,
    pub(super) item_name: String,
    pub(super) department: DepartmentId,
    pub(super) hall_name: String,
    pub(super) slot: Slot,
    pub(super) rules: BookingRules,
    pub(super) now: NaiveDateTime,
}

/// A booking waiting for the writer, with where to send its answer.
pub(crate) struct Queued {
    pub(super) job: BookJob,
    pub(super) reply: tokio::sync::oneshot::Sender<StoreResult<i64>>,
}

/// At most this many bookings share a transaction.
const MAX_BATCH: usize = 64;

impl BookJob {
    /// Writes the booking in `tx`, or refuses it: the applicant's holder row first, then the
    /// request key (a repeat answers the booking it made), their limits, the place, the row
    /// and the message. Returns the booking's id.
    pub(super) async fn run(&self, tx: &mut Tx<'_>) -> StoreResult<i64> {
        let (account_id, req, slot, now) = (self.account_id, &self.req, &self.slot, self.now);
        hold(tx, account_id).await?;
        let done: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM bookings WHERE account_id = $1 AND request_key = $2")
                .bind(account_id)
                .bind(&req.key)
                .fetch_optional(&mut **tx)
                .await?;
        if let Some((id,)) = done {
            return Ok(id);
        }
        check_person(tx, &self.rules, account_id, req, now).await?;
        take(tx, slot).await?;
        let code = random_code(CODE_LEN);
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO bookings (account_id, item_id, item_name, department_id, hall_id, pool, day,
                start_minute, end_minute, starts_at, ends_at, code, status, request_key,
                created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'booked', $13, $14, $14)
             RETURNING id",
        )
        .bind(account_id)
        .bind(req.item_id)
        .bind(&self.item_name)
        .bind(self.department)
        .bind(req.hall_id)
        .bind(&slot.pool)
        .bind(req.day.to_string())
        .bind(slot.time.start_minute())
        .bind(slot.end_minute())
        .bind(utc_ms(slot.starts()))
        .bind(utc_ms(slot.ends()))
        .bind(&code)
        .bind(&req.key)
        // Times of a booking are on the business clock, like its slot.
        .bind(utc_ms(now))
        .fetch_one(&mut **tx)
        .await?;
        notify(
            tx,
            account_id,
            "预约成功",
            &format!(
                "您已预约{} {} 在{}办理“{}”，签到码 {code}。请按时到场，凭签到码或二维码在窗口签到。",
                req.day.format("%Y年%m月%d日"),
                slot.time.text(),
                self.hall_name,
                self.item_name,
            ),
        )
        .await?;
        Ok(id)
    }
}

/// SQLite's booking writer: takes whatever bookings wait and writes them in one transaction,
/// each inside its own savepoint; nobody is answered before the commit.
pub(super) async fn write_loop(store: crate::Store, mut rx: tokio::sync::mpsc::Receiver<Queued>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        if rx.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        let queued = std::mem::take(&mut batch);
        let _turn = store.hall().turn().await;
        match write_batch(&store, &queued).await {
            Ok(results) => {
                for (q, r) in queued.into_iter().zip(results) {
                    let _ = q.reply.send(r);
                }
            }
            Err(e) => {
                for q in queued {
                    let _ = q.reply.send(Err(StoreError::Config(format!(
                        "数据库暂不可用，请稍后重试：{e}"
                    ))));
                }
            }
        }
    }
}

pub(super) async fn write_batch(
    store: &crate::Store,
    queued: &[Queued],
) -> StoreResult<Vec<StoreResult<i64>>> {
    use sqlx::Acquire;
    let mut tx = store.pool.begin().await?;
    let mut results = Vec::with_capacity(queued.len());
    for q in queued {
        let mut one = (&mut tx).begin().await?;
        match q.job.run(&mut one).await {
            Ok(id) => {
                one.commit().await?;
                results.push(Ok(id));
            }
            Err(e) => {
                one.rollback().await?;
                results.push(Err(e));
            }
        }
    }
    tx.commit().await?;
    Ok(results)
}

/// A slot checked for booking, with its place counter's key and capacity.
pub(super) struct Slot {
    pub(super) hall_id: HallId,
    pub(super) pool: String,
    pub(super) day: NaiveDate,
    pub(super) time: SlotTime,
    pub(super) capacity: i64,
}

impl Slot {
    pub(super) fn starts(&self) -> NaiveDateTime {
        self.day.and_time(self.time.start)
    }
    pub(super) fn ends(&self) -> NaiveDateTime {
        self.day.and_time(self.time.end)
    }
    pub(super) fn end_minute(&self) -> i64 {
        self.time.start_minute() + (self.time.end - self.time.start).num_minutes()
    }
}

pub(super) fn not_changeable() -> StoreError {
    FieldErrors::single("booking", "该预约已开始、已签到或已取消，不能再取消或改期").into()
}

/// Locks the applicant's holder row: their concurrent requests are counted one at a time.
pub(super) async fn hold(tx: &mut Tx<'_>, account_id: AccountId) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO booking_holders (account_id, changes) VALUES ($1, 1)
         ON CONFLICT (account_id) DO UPDATE SET changes = booking_holders.changes + 1",
    )
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether the applicant may book this: one booking per item and day, and the rules' limits
/// on open bookings and recent no-shows; read in one statement from their bookings since the
/// no-show period began. (Everything inside a booking's transaction reads through it: a second
/// connection taken while the transaction holds locks could wait on a pool the lock's waiters
/// have drained.)
pub(super) async fn check_person(
    tx: &mut Tx<'_>,
    rules: &BookingRules,
    account_id: AccountId,
    req: &BookingRequest,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let since = utc_ms(now - Duration::days(i64::from(rules.no_show_days)));
    let rows: Vec<(ItemId, String, String, i64)> = sqlx::query_as(
        "SELECT item_id, day, status, ends_at FROM bookings
         WHERE account_id = $1 AND status <> 'cancelled' AND ends_at > $2",
    )
    .bind(account_id)
    .bind(since)
    .fetch_all(&mut **tx)
    .await?;
    let day = req.day.to_string();
    if rows.iter().any(|r| r.0 == req.item_id && r.1 == day) {
        return Err(once_a_day(req.day));
    }
    let now_at = utc_ms(now);
    let booked = rows.iter().filter(|r| r.2 == BookingStatus::Booked.key());
    let open = booked.clone().filter(|r| r.3 > now_at).count();
    let missed: Vec<NaiveDateTime> = booked
        .filter(|r| r.3 <= now_at)
        .map(|r| local(r.3))
        .collect();
    Ok(rules.check_person(open.min(u32::MAX as usize) as u32, &missed, now)?)
}

pub(super) fn once_a_day(day: NaiveDate) -> StoreError {
    FieldErrors::single(
        "slot",
        format!(
            "您已预约 {} 办理该事项，同一事项每天只能预约一次",
            day.format("%Y年%m月%d日")
        ),
    )
    .into()
}

/// One booking per item and day for a person.
pub(super) async fn same_day(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    item_id: ItemId,
    day: NaiveDate,
    except: Option<i64>,
) -> StoreResult<()> {
    let other: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM bookings WHERE account_id = $1 AND item_id = $2 AND day = $3
           AND status <> 'cancelled' AND (CAST($4 AS BIGINT) IS NULL OR id <> CAST($4 AS BIGINT))",
    )
    .bind(account_id)
    .bind(item_id)
    .bind(day.to_string())
    .bind(except)
    .fetch_optional(&mut **tx)
    .await?;
    match other {
        Some(_) => Err(once_a_day(day)),
        None => Ok(()),
    }
}

/// Takes a place in a slot, or refuses when it is full: the guarded UPDATE is the only place
/// a slot's count rises, against the capacity the windows give now.
pub(super) async fn take(tx: &mut Tx<'_>, slot: &Slot) -> StoreResult<()> {
    if slot.capacity < 1 {
        return Err(full());
    }
    // A new slot row starts with this place taken; an existing one takes it only while below
    // capacity (the row is locked for the update, and the condition read after the lock).
    let taken = sqlx::query(
        "INSERT INTO booking_slots (hall_id, pool, day, start_minute, capacity, taken)
         VALUES ($1, $2, $3, $4, $5, 1)
         ON CONFLICT (hall_id, pool, day, start_minute) DO UPDATE
            SET taken = booking_slots.taken + 1, capacity = excluded.capacity
            WHERE booking_slots.taken < excluded.capacity",
    )
    .bind(slot.hall_id)
    .bind(&slot.pool)
    .bind(slot.day.to_string())
    .bind(slot.time.start_minute())
    .bind(slot.capacity)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if taken == 1 { Ok(()) } else { Err(full()) }
}

/// Gives a booking's place back.
pub(super) async fn release(tx: &mut Tx<'_>, booking: &Booking) -> StoreResult<()> {
    sqlx::query(
        "UPDATE booking_slots SET taken = taken - 1
         WHERE hall_id = $1 AND pool = $2 AND day = $3 AND start_minute = $4 AND taken > 0",
    )
    .bind(booking.hall_id)
    .bind(&booking.pool)
    .bind(&booking.day)
    .bind(booking.start_minute)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An in-app message to the applicant (the outbox offers it to SMS and e-mail).
pub(super) async fn notify(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    title: &str,
    body: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO notifications (account_id, title, body, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(account_id)
    .bind(title)
    .bind(body)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

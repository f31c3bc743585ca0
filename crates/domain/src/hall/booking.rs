//! Appointments (预约): a place in a time slot at a hall, for an item's department. Slots come
//! from the hall's opening hours on the calendar's working days (none on holidays, some on
//! make-up working days); a slot holds as many people as the windows serving it can see. The
//! rules here are pure: which slots a day has, whether a slot may be booked now, whether a
//! person may book at all (open bookings, no-shows). The store counts places atomically.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use crate::code_enum;
use crate::org::FieldErrors;

code_enum! {
    /// Where a booking stands. A booking still `booked` after its slot ended is a no-show.
    pub enum BookingStatus {
        Booked = "booked", "待到场";
        CheckedIn = "checked_in", "已签到";
        Cancelled = "cancelled", "已取消";
    }
}

/// One opening period of a day, e.g. 08:30–12:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// A bookable time: its start and end on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SlotTime {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl SlotTime {
    /// Minutes after midnight of the start, as stored.
    pub fn start_minute(self) -> i64 {
        i64::from(self.start.num_seconds_from_midnight() / 60)
    }
    pub fn text(self) -> String {
        format!(
            "{}–{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

/// A time as stored: minutes after midnight, checked to be within the day.
pub fn minute_time(minute: i64) -> Option<NaiveTime> {
    let m = u32::try_from(minute).ok().filter(|m| *m < 24 * 60)?;
    NaiveTime::from_hms_opt(m / 60, m % 60, 0)
}

pub const MAX_SESSIONS: usize = 4;

/// A hall's opening hours for appointments. One session across noon is service without a
/// lunch break (午间不休).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub sessions: Vec<Session>,
    /// The length of a slot, 10–120 minutes.
    pub slot_minutes: u32,
    /// People one window sees in one slot, 1–20.
    pub per_window: u32,
}

impl Default for Schedule {
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("valid time");
        Schedule {
            sessions: vec![
                Session {
                    start: t(9, 0),
                    end: t(12, 0),
                },
                Session {
                    start: t(13, 30),
                    end: t(17, 0),
                },
            ],
            slot_minutes: 30,
            per_window: 2,
        }
    }
}

impl Schedule {
    /// Reads sessions written as `08:30-12:00, 13:30-17:30` (full-width punctuation too).
    pub fn parse_sessions(text: &str) -> Result<Vec<Session>, String> {
        let normal: String = text
            .chars()
            .map(|c| match c {
                '，' | '、' | ';' | '；' | '\n' => ',',
                '–' | '—' | '～' | '~' | '至' => '-',
                '：' => ':',
                c => c,
            })
            .collect();
        let mut sessions = Vec::new();
        for part in normal.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (a, b) = part
                .split_once('-')
                .ok_or_else(|| format!("“{part}”应写成 开始-结束，如 08:30-12:00"))?;
            let time = |s: &str| {
                NaiveTime::parse_from_str(s.trim(), "%H:%M")
                    .map_err(|_| format!("“{}”不是有效的时间（如 08:30）", s.trim()))
            };
            sessions.push(Session {
                start: time(a)?,
                end: time(b)?,
            });
            if sessions.len() > MAX_SESSIONS {
                return Err(format!("每天最多 {MAX_SESSIONS} 个办公时段"));
            }
        }
        Ok(sessions)
    }

    pub fn sessions_text(&self) -> String {
        self.sessions
            .iter()
            .map(|s| format!("{}-{}", s.start.format("%H:%M"), s.end.format("%H:%M")))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether the hall serves through the lunch hour (午间不休).
    pub fn no_lunch_break(&self) -> bool {
        let noon = NaiveTime::from_hms_opt(12, 0, 0).expect("valid time");
        let one = NaiveTime::from_hms_opt(13, 0, 0).expect("valid time");
        self.sessions
            .iter()
            .any(|s| s.start <= noon && s.end >= one)
    }

    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.sessions.is_empty() {
            errors.add("sessions", "至少需要一个办公时段");
        }
        let earliest = NaiveTime::from_hms_opt(6, 0, 0).expect("valid time");
        let latest = NaiveTime::from_hms_opt(22, 0, 0).expect("valid time");
        for (i, s) in self.sessions.iter().enumerate() {
            if s.start >= s.end {
                errors.add("sessions", "每个时段的结束时间须晚于开始时间");
            } else if s.start < earliest || s.end > latest {
                errors.add("sessions", "办公时段须在 06:00 至 22:00 之间");
            } else if i > 0 && self.sessions[i - 1].end > s.start {
                errors.add("sessions", "办公时段须按时间先后排列且互不重叠");
            }
        }
        if !(10..=120).contains(&self.slot_minutes) {
            errors.add("slot_minutes", "每个预约时段的长度须在 10 至 120 分钟之间");
        }
        if !(1..=20).contains(&self.per_window) {
            errors.add("per_window", "每个窗口每时段可接待人数须在 1 至 20 之间");
        }
        if errors.is_empty() && self.slots().is_empty() {
            errors.add("slot_minutes", "办公时段短于一个预约时段，没有可预约的时段");
        }
        errors.into_result()
    }

    /// The slots of a working day, in order: each session cut into whole slots.
    pub fn slots(&self) -> Vec<SlotTime> {
        let step = Duration::minutes(i64::from(self.slot_minutes.max(1)));
        let mut out = Vec::new();
        for s in &self.sessions {
            let mut start = s.start;
            loop {
                let (end, wrapped) = start.overflowing_add_signed(step);
                if wrapped != 0 || end > s.end || end <= start {
                    break;
                }
                out.push(SlotTime { start, end });
                start = end;
            }
        }
        out
    }

    /// The slot that starts at `start`, if the day has one.
    pub fn slot_at(&self, start: NaiveTime) -> Option<SlotTime> {
        self.slots().into_iter().find(|s| s.start == start)
    }
}

/// The centre's booking rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRules {
    /// Open bookings (not yet due) one person may hold, 1–10.
    pub max_open: u32,
    /// No-shows within `no_show_days` that suspend booking, 1–10.
    pub no_show_limit: u32,
    /// The period no-shows are counted over, in days (7–90).
    pub no_show_days: u32,
    /// How far ahead slots open, in calendar days (1–60).
    pub days_ahead: u32,
}

impl Default for BookingRules {
    fn default() -> Self {
        BookingRules {
            max_open: 3,
            no_show_limit: 3,
            no_show_days: 30,
            days_ahead: 14,
        }
    }
}

impl BookingRules {
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if !(1..=10).contains(&self.max_open) {
            errors.add("max_open", "每人未到期预约上限须在 1 至 10 之间");
        }
        if !(1..=10).contains(&self.no_show_limit) {
            errors.add("no_show_limit", "暂停预约的爽约次数须在 1 至 10 之间");
        }
        if !(7..=90).contains(&self.no_show_days) {
            errors.add("no_show_days", "爽约统计周期须在 7 至 90 天之间");
        }
        if !(1..=60).contains(&self.days_ahead) {
            errors.add("days_ahead", "可预约天数须在 1 至 60 天之间");
        }
        errors.into_result()
    }

    /// Whether a person may book now, given their open bookings and the ends of their
    /// no-shows (any order). A suspension lasts until enough no-shows have aged out.
    pub fn check_person(
        &self,
        open: u32,
        no_shows: &[NaiveDateTime],
        now: NaiveDateTime,
    ) -> Result<(), FieldErrors> {
        let since = now - Duration::days(i64::from(self.no_show_days));
        let mut recent: Vec<NaiveDateTime> =
            no_shows.iter().copied().filter(|t| *t > since).collect();
        let limit = self.no_show_limit as usize;
        if limit > 0 && recent.len() >= limit {
            // Booking reopens when all but limit-1 of them are older than the period.
            recent.sort_unstable_by(|a, b| b.cmp(a));
            let until = recent[limit - 1] + Duration::days(i64::from(self.no_show_days));
            return Err(FieldErrors::single(
                "booking",
                format!(
                    "您近 {} 天内有 {} 次预约未到场，预约功能暂停至 {}",
                    self.no_show_days,
                    recent.len(),
                    until.format("%Y年%m月%d日 %H:%M")
                ),
            ));
        }
        if open >= self.max_open {
            return Err(FieldErrors::single(
                "booking",
                format!(
                    "您已有 {open} 个未到期的预约（每人最多 {} 个），请先办理或取消后再预约",
                    self.max_open
                ),
            ));
        }
        Ok(())
    }

    /// The last day slots are open on.
    pub fn last_day(&self, today: NaiveDate) -> NaiveDate {
        today + Duration::days(i64::from(self.days_ahead))
    }
}

/// A day as the booking page shows it: bookable, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookableDay {
    pub date: NaiveDate,
    /// None when slots open that day; else why not (holiday name, weekend, …).
    pub closed: Option<String>,
}

/// The days from `today` to the booking horizon, each open or closed with its reason. Days the
/// calendar does not cover yet (next year's holidays not yet published) are closed.
pub fn bookable_days(
    calendar: &WorkCalendar,
    rules: &BookingRules,
    today: NaiveDate,
) -> Vec<BookableDay> {
    let mut days = Vec::new();
    let mut d = today;
    while d <= rules.last_day(today) {
        let closed = match calendar.day(d) {
            Ok(info) if info.workday => None,
            Ok(info) => Some(info.reason),
            Err(_) => Some("节假日安排尚未公布".to_owned()),
        };
        days.push(BookableDay { date: d, closed });
        d += Duration::days(1);
    }
    days
}

/// Checks that the slot starting at `start` on `date` may be booked at `now` (local time):
/// a working day, within the horizon, in the opening hours, not begun.
pub fn check_slot(
    calendar: &WorkCalendar,
    schedule: &Schedule,
    rules: &BookingRules,
    date: NaiveDate,
    start: NaiveTime,
    now: NaiveDateTime,
) -> Result<SlotTime, FieldErrors> {
    let fail = |m: String| Err(FieldErrors::single("slot", m));
    if date.and_time(start) <= now {
        return fail("该时段已开始或已过去，请选择其他时段".into());
    }
    if date > rules.last_day(now.date()) {
        return fail(format!(
            "只能预约 {} 天内的时段（至 {}）",
            rules.days_ahead,
            rules.last_day(now.date()).format("%Y年%m月%d日")
        ));
    }
    match calendar.day(date) {
        Ok(info) if !info.workday => {
            return fail(format!(
                "{} 为{}，大厅不办理业务",
                date.format("%Y年%m月%d日"),
                info.reason
            ));
        }
        Ok(_) => {}
        Err(_) => {
            return fail(format!(
                "{} 年的节假日安排尚未公布，暂不开放预约",
                date.format("%Y")
            ));
        }
    }
    schedule
        .slot_at(start)
        .ok_or_else(|| FieldErrors::single("slot", "所选时间不是本大厅的预约时段"))
}

/// What people read for a booking: its status, with a no-show told apart.
pub fn status_text(status: BookingStatus, ends: NaiveDateTime, now: NaiveDateTime) -> &'static str {
    match status {
        BookingStatus::Booked if ends <= now => "未到场",
        s => s.label(),
    }
}

/// Whether a booking can still be cancelled or moved: booked and not begun.
pub fn changeable(status: BookingStatus, starts: NaiveDateTime, now: NaiveDateTime) -> bool {
    status == BookingStatus::Booked && starts > now
}

/// Whether a booking may be checked in at `now`: booked, on its day, from an hour before its
/// slot until the slot ends (a late arrival is a no-show and queues as a walk-in).
pub fn check_in_open(
    status: BookingStatus,
    starts: NaiveDateTime,
    ends: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), &'static str> {
    match status {
        BookingStatus::CheckedIn => Err("该预约已签到"),
        BookingStatus::Cancelled => Err("该预约已取消"),
        BookingStatus::Booked if now < starts - Duration::hours(1) => {
            Err("尚未到签到时间（预约时段开始前 1 小时起可签到）")
        }
        BookingStatus::Booked if now > ends => Err("预约时段已过，请按现场取号办理"),
        BookingStatus::Booked => Ok(()),
    }
}

/// Check-in codes are this long, of `codes::UNAMBIGUOUS`.
pub const CODE_LEN: usize = 8;

/// A check-in code as typed at the window: trimmed, upper-cased, 8 characters of the alphabet.
pub fn normalize_code(raw: &str) -> Option<String> {
    let code: String = raw
        .trim()
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .collect::<String>()
        .to_ascii_uppercase();
    (code.len() == CODE_LEN && code.bytes().all(|b| crate::codes::UNAMBIGUOUS.contains(&b)))
        .then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: &str, t: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(&format!("{d} {t}"), "%Y-%m-%d %H:%M").unwrap()
    }
    fn date(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
    }
    fn time(t: &str) -> NaiveTime {
        NaiveTime::parse_from_str(t, "%H:%M").unwrap()
    }

    #[test]
    fn a_day_is_cut_into_whole_slots_per_session() {
        let s = Schedule::default();
        let slots = s.slots();
        assert_eq!(slots.len(), 6 + 7);
        assert_eq!(slots[0].text(), "09:00–09:30");
        assert_eq!(slots[6].text(), "13:30–14:00");
        assert!(!s.no_lunch_break());
        // Linyi's 午间不休: one session through the lunch hour; a 45-minute slot leaves the
        // last quarter of an hour unbooked.
        let linyi = Schedule {
            sessions: Schedule::parse_sessions("08:30—17:30").unwrap(),
            slot_minutes: 45,
            per_window: 1,
        };
        assert!(linyi.no_lunch_break());
        assert_eq!(linyi.slots().len(), 12);
        assert!(linyi.slots().iter().any(|s| s.start == time("12:15")));
        assert_eq!(linyi.check(), Ok(()));
    }

    #[test]
    fn bad_schedules_are_refused_by_field() {
        assert!(Schedule::parse_sessions("8点-12点").is_err());
        assert!(Schedule::parse_sessions("0830").is_err());
        assert_eq!(
            Schedule::parse_sessions("08:30-12:00，13:30～17:30")
                .unwrap()
                .len(),
            2
        );
        let overlapping = Schedule {
            sessions: Schedule::parse_sessions("08:30-12:00, 11:00-17:00").unwrap(),
            ..Schedule::default()
        };
        assert!(
            overlapping
                .check()
                .unwrap_err()
                .message_for("sessions")
                .is_some()
        );
        let bad = Schedule {
            sessions: vec![],
            slot_minutes: 5,
            per_window: 0,
        };
        let e = bad.check().unwrap_err();
        for f in ["sessions", "slot_minutes", "per_window"] {
            assert!(e.message_for(f).is_some(), "{f}");
        }
    }

    #[test]
    fn slots_follow_the_calendar() {
        let cal = WorkCalendar::official().unwrap();
        let s = Schedule::default();
        let r = BookingRules::default();
        let now = at("2026-09-28", "10:00");
        // National Day is closed, the make-up Saturday 2026-10-10 is open.
        let e = check_slot(&cal, &s, &r, date("2026-10-02"), time("09:00"), now).unwrap_err();
        assert!(e.summary().contains("国庆"), "{}", e.summary());
        assert!(check_slot(&cal, &s, &r, date("2026-10-10"), time("09:00"), now).is_ok());
        // Past, beyond the horizon, outside the hours.
        assert!(check_slot(&cal, &s, &r, date("2026-09-28"), time("09:30"), now).is_err());
        assert!(check_slot(&cal, &s, &r, date("2026-09-28"), time("10:30"), now).is_ok());
        assert!(check_slot(&cal, &s, &r, date("2026-10-13"), time("09:00"), now).is_err());
        assert!(check_slot(&cal, &s, &r, date("2026-09-29"), time("12:30"), now).is_err());
        // Next year's holidays are not published: closed, and said so.
        let late = at("2026-12-28", "10:00");
        let e = check_slot(&cal, &s, &r, date("2027-01-04"), time("09:00"), late).unwrap_err();
        assert!(e.summary().contains("尚未公布"));
        let days = bookable_days(&cal, &r, date("2026-09-28"));
        assert_eq!(days.len(), 15);
        assert!(
            days.iter()
                .any(|d| d.date == date("2026-10-10") && d.closed.is_none())
        );
        assert!(
            days.iter()
                .any(|d| d.date == date("2026-10-01") && d.closed.is_some())
        );
    }

    #[test]
    fn open_bookings_and_no_shows_limit_a_person() {
        let r = BookingRules::default();
        let now = at("2026-09-28", "10:00");
        assert!(r.check_person(2, &[], now).is_ok());
        assert!(r.check_person(3, &[], now).is_err());
        let shows = [
            at("2026-09-01", "10:00"),
            at("2026-09-10", "10:00"),
            at("2026-09-20", "10:00"),
        ];
        let e = r.check_person(0, &shows, now).unwrap_err();
        // Reopens when the oldest of the three is 30 days old.
        assert!(e.summary().contains("2026年10月01日"), "{}", e.summary());
        assert!(r.check_person(0, &shows[1..], now).is_ok());
        assert!(r.check_person(0, &shows, at("2026-10-01", "10:01")).is_ok());
        assert!(BookingRules { max_open: 0, ..r }.check().is_err());
    }

    #[test]
    fn check_in_window_and_codes() {
        let (s, e) = (at("2026-09-28", "10:00"), at("2026-09-28", "10:30"));
        let b = BookingStatus::Booked;
        assert!(check_in_open(b, s, e, at("2026-09-28", "08:59")).is_err());
        assert!(check_in_open(b, s, e, at("2026-09-28", "09:00")).is_ok());
        assert!(check_in_open(b, s, e, at("2026-09-28", "10:31")).is_err());
        assert!(check_in_open(BookingStatus::CheckedIn, s, e, s).is_err());
        assert_eq!(status_text(b, e, at("2026-09-28", "11:00")), "未到场");
        assert_eq!(normalize_code(" abcd-efgh "), Some("ABCDEFGH".into()));
        assert_eq!(normalize_code("ABCDEFG0"), None);
        assert_eq!(normalize_code("ABC"), None);
        assert_eq!(minute_time(9 * 60 + 30), Some(time("09:30")));
        assert_eq!(minute_time(24 * 60), None);
        assert_eq!(minute_time(-1), None);
    }
}

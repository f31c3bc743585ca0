//! The working-day calendar: statutory holidays off, make-up workdays (调休) on, weekends off
//! otherwise. Time limits count working days from the day after acceptance (行政许可法 第四十二条
//! and 第八十二条), so a deadline is always the close of a working day.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;

/// The official data compiled in: (year, file).
const YEARS: &[(i32, &str)] = &[
    (2007, include_str!("../data/holidays-cn/2007.json")),
    (2008, include_str!("../data/holidays-cn/2008.json")),
    (2009, include_str!("../data/holidays-cn/2009.json")),
    (2010, include_str!("../data/holidays-cn/2010.json")),
    (2011, include_str!("../data/holidays-cn/2011.json")),
    (2012, include_str!("../data/holidays-cn/2012.json")),
    (2013, include_str!("../data/holidays-cn/2013.json")),
    (2014, include_str!("../data/holidays-cn/2014.json")),
    (2015, include_str!("../data/holidays-cn/2015.json")),
    (2016, include_str!("../data/holidays-cn/2016.json")),
    (2017, include_str!("../data/holidays-cn/2017.json")),
    (2018, include_str!("../data/holidays-cn/2018.json")),
    (2019, include_str!("../data/holidays-cn/2019.json")),
    (2020, include_str!("../data/holidays-cn/2020.json")),
    (2021, include_str!("../data/holidays-cn/2021.json")),
    (2022, include_str!("../data/holidays-cn/2022.json")),
    (2023, include_str!("../data/holidays-cn/2023.json")),
    (2024, include_str!("../data/holidays-cn/2024.json")),
    (2025, include_str!("../data/holidays-cn/2025.json")),
    (2026, include_str!("../data/holidays-cn/2026.json")),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("日期 {date} 超出工作日历的范围（{first} 至 {last}），请管理员补充该年度的节假日安排")]
    OutOfRange {
        date: NaiveDate,
        first: NaiveDate,
        last: NaiveDate,
    },
    #[error("节假日数据有误：{0}")]
    BadData(String),
}

/// What a listed day is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecialDay {
    /// A statutory holiday (or an administrator's day off), with its name.
    Off(String),
    /// A weekend day that is worked (调休), with the holiday it makes up for.
    Work(String),
}

/// Whether a day is worked, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayInfo {
    pub date: NaiveDate,
    pub workday: bool,
    /// 法定节假日 / 调休上班 / 周末 / 工作日, with the holiday's name where there is one.
    pub reason: String,
}

#[derive(Deserialize)]
struct YearFile {
    year: i32,
    days: Vec<DayEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DayEntry {
    name: String,
    date: NaiveDate,
    is_off_day: bool,
}

#[derive(Debug, Clone)]
pub struct WorkCalendar {
    special: BTreeMap<NaiveDate, SpecialDay>,
    first: NaiveDate,
    last: NaiveDate,
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl WorkCalendar {
    /// The official calendar compiled into the binary (2007–2026).
    pub fn official() -> Result<WorkCalendar, CalendarError> {
        Self::from_year_files(YEARS.iter().map(|(_, text)| *text))
    }

    /// Builds a calendar from holiday-cn year files; the covered range is their years, whole.
    pub fn from_year_files<'a>(
        files: impl IntoIterator<Item = &'a str>,
    ) -> Result<WorkCalendar, CalendarError> {
        let mut special = BTreeMap::new();
        let mut years = Vec::new();
        for text in files {
            let file: YearFile =
                serde_json::from_str(text).map_err(|e| CalendarError::BadData(e.to_string()))?;
            years.push(file.year);
            for d in file.days {
                let kind = if d.is_off_day {
                    SpecialDay::Off(d.name)
                } else {
                    SpecialDay::Work(d.name)
                };
                special.insert(d.date, kind);
            }
        }
        let (Some(&first), Some(&last)) = (years.iter().min(), years.iter().max()) else {
            return Err(CalendarError::BadData("没有任何年度数据".into()));
        };
        if years.len() as i32 != last - first + 1 {
            return Err(CalendarError::BadData("年度数据不连续".into()));
        }
        let bad = || CalendarError::BadData("年份无效".into());
        Ok(WorkCalendar {
            special,
            first: NaiveDate::from_ymd_opt(first, 1, 1).ok_or_else(bad)?,
            last: NaiveDate::from_ymd_opt(last, 12, 31).ok_or_else(bad)?,
        })
    }

    /// An administrator's correction: this day is worked or not, whatever the data says. A day
    /// in a year beyond the data opens that whole year (weekends off until its holidays are
    /// entered), which is how a centre enters next year's arrangement once it is announced.
    pub fn set_day(&mut self, date: NaiveDate, workday: bool, name: &str) {
        if date > self.last {
            self.last = NaiveDate::from_ymd_opt(date.year(), 12, 31).unwrap_or(date);
        }
        if date < self.first {
            self.first = NaiveDate::from_ymd_opt(date.year(), 1, 1).unwrap_or(date);
        }
        let kind = if workday {
            SpecialDay::Work(name.to_owned())
        } else {
            SpecialDay::Off(name.to_owned())
        };
        self.special.insert(date, kind);
    }

    pub fn range(&self) -> (NaiveDate, NaiveDate) {
        (self.first, self.last)
    }

    fn check(&self, date: NaiveDate) -> Result<(), CalendarError> {
        if date < self.first || date > self.last {
            Err(CalendarError::OutOfRange {
                date,
                first: self.first,
                last: self.last,
            })
        } else {
            Ok(())
        }
    }

    pub fn is_workday(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.check(date)?;
        Ok(match self.special.get(&date) {
            Some(SpecialDay::Off(_)) => false,
            Some(SpecialDay::Work(_)) => true,
            None => !is_weekend(date),
        })
    }

    pub fn day(&self, date: NaiveDate) -> Result<DayInfo, CalendarError> {
        let workday = self.is_workday(date)?;
        let reason = match self.special.get(&date) {
            Some(SpecialDay::Off(name)) => format!("法定节假日（{name}）"),
            Some(SpecialDay::Work(name)) => format!("调休上班（{name}）"),
            None if workday => "工作日".to_owned(),
            None => "周末".to_owned(),
        };
        Ok(DayInfo {
            date,
            workday,
            reason,
        })
    }

    /// The day on which a limit of `n` working days ends, counting from the day after `from`
    /// (the day of acceptance). Zero days is the same day (即办件).
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        self.check(from)?;
        let mut date = from;
        let mut left = n;
        while left > 0 {
            date += Duration::days(1);
            if self.is_workday(date)? {
                left -= 1;
            }
        }
        Ok(date)
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        self.check(from)?;
        self.check(to)?;
        let mut n = 0;
        let mut date = from;
        while date < to {
            date += Duration::days(1);
            if self.is_workday(date)? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Working days left from `today` until the close of `due`: 0 on the last day, negative
    /// (the working days overdue) after it.
    pub fn remaining_working_days(
        &self,
        today: NaiveDate,
        due: NaiveDate,
    ) -> Result<i64, CalendarError> {
        Ok(if today <= due {
            i64::from(self.working_days_between(today, due)?)
        } else {
            -i64::from(self.working_days_between(due, today)?)
        })
    }

    /// Every make-up workday and holiday listed, for checks and pages.
    pub fn special_days(&self) -> impl Iterator<Item = (&NaiveDate, &SpecialDay)> {
        self.special.iter()
    }
}

crate::actions! {
    /// What may be done with the working-day calendar.
    pub enum CalendarAction {
        /// Read the calendar and its corrections (all staff).
        View => Read,
        /// Correct the working-day calendar (centre administrators).
        Manage => Write,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::official().unwrap()
    }

    #[test]
    fn the_2026_mid_autumn_and_national_day_holidays() {
        let c = cal();
        // Sunday 20 September is worked; 25–27 September and 1–7 October are off.
        assert!(c.is_workday(d("2026-09-20")).unwrap());
        assert_eq!(c.day(d("2026-09-20")).unwrap().reason, "调休上班（国庆节）");
        for off in [
            "2026-09-25",
            "2026-09-26",
            "2026-09-27",
            "2026-10-01",
            "2026-10-07",
        ] {
            assert!(!c.is_workday(d(off)).unwrap(), "{off}");
        }
        assert!(
            c.is_workday(d("2026-10-10")).unwrap(),
            "Saturday 10 October is worked"
        );
        // Accepted Thursday 24 September, 5 working days: 28, 29, 30 September, 8, 9 October.
        assert_eq!(
            c.add_working_days(d("2026-09-24"), 5).unwrap(),
            d("2026-10-09")
        );
        // Accepted Friday 18 September, 2 working days: Sunday 20 (make-up) and Monday 21.
        assert_eq!(
            c.add_working_days(d("2026-09-18"), 2).unwrap(),
            d("2026-09-21")
        );
        // Accepted Friday 9 October, 1 working day: Saturday 10 October is worked.
        assert_eq!(
            c.add_working_days(d("2026-10-09"), 1).unwrap(),
            d("2026-10-10")
        );
        assert_eq!(
            c.add_working_days(d("2026-09-24"), 0).unwrap(),
            d("2026-09-24")
        );
        assert_eq!(
            c.working_days_between(d("2026-09-24"), d("2026-10-09"))
                .unwrap(),
            5
        );
    }

    #[test]
    fn dates_outside_the_data_are_refused() {
        let c = cal();
        assert!(matches!(
            c.is_workday(d("2027-01-04")),
            Err(CalendarError::OutOfRange { .. })
        ));
        assert!(matches!(
            c.add_working_days(d("2026-12-30"), 5),
            Err(CalendarError::OutOfRange { .. })
        ));
        assert!(c.is_workday(d("2006-12-29")).is_err());
    }

    #[test]
    fn administrators_can_correct_a_day() {
        let mut c = cal();
        c.set_day(d("2026-11-23"), false, "临时停电闭厅");
        assert!(!c.is_workday(d("2026-11-23")).unwrap());
        assert_eq!(
            c.add_working_days(d("2026-11-20"), 1).unwrap(),
            d("2026-11-24")
        );
    }

    #[test]
    fn every_listed_day_counts_as_listed() {
        let c = cal();
        let mut make_up = 0;
        let (first, last) = c.range();
        // Year files may list a neighbouring year's make-up day (2006-12-30 in 2007's).
        for (date, kind) in c
            .special_days()
            .filter(|(d, _)| (first..=last).contains(*d))
        {
            match kind {
                SpecialDay::Work(_) => {
                    // Usually a weekend (调休); 2020-02-03 marks the end of an extended holiday.
                    make_up += usize::from(is_weekend(*date));
                    assert!(c.is_workday(*date).unwrap());
                    // A deadline that reaches a make-up day ends on it.
                    let before = *date - Duration::days(1);
                    if before >= c.range().0 {
                        let n = c.working_days_between(before, *date).unwrap();
                        assert_eq!(n, 1);
                        assert_eq!(c.add_working_days(before, 1).unwrap(), *date);
                    }
                }
                SpecialDay::Off(_) => assert!(!c.is_workday(*date).unwrap()),
            }
        }
        assert!(make_up > 50, "{make_up} make-up days in 20 years");
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..(20 * 365)).prop_map(|n| d("2007-01-01") + Duration::days(n))
    }

    proptest! {
        #[test]
        fn adding_n_then_m_is_adding_n_plus_m(start in any_date(), n in 0u32..40, m in 0u32..40) {
            let c = cal();
            let (Ok(a), Ok(direct)) = (c.add_working_days(start, n), c.add_working_days(start, n + m)) else {
                return Ok(()); // ran past the data; refusal is tested above
            };
            prop_assert_eq!(c.add_working_days(a, m).unwrap(), direct);
        }

        #[test]
        fn a_deadline_never_falls_on_an_off_day(start in any_date(), n in 1u32..60) {
            let c = cal();
            if let Ok(deadline) = c.add_working_days(start, n) {
                prop_assert!(c.is_workday(deadline).unwrap());
                prop_assert_eq!(c.working_days_between(start, deadline).unwrap(), n);
            }
        }
    }
}

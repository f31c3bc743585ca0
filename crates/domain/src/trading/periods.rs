//! The minimum periods the law sets for each method, checked when a lot's timeline is set and
//! when a clarification is published. A period broken is refused with the rule and its source,
//! so that staff see which article stands in the way.

use chrono::{Duration, NaiveDate};

use super::Method;
use crate::calendar::WorkCalendar;

/// A length of time the law counts in calendar days (日) or working days (工作日).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Days(u32),
    WorkingDays(u32),
}

impl Span {
    /// The earliest day that lies this span after `from`.
    pub fn after(self, cal: &WorkCalendar, from: NaiveDate) -> Result<NaiveDate, Breach> {
        match self {
            Span::Days(n) => Ok(from + Duration::days(i64::from(n))),
            Span::WorkingDays(n) => cal.add_working_days(from, n).map_err(calendar),
        }
    }

    /// Whether `to` lies at least this span after `from`.
    pub fn holds(self, cal: &WorkCalendar, from: NaiveDate, to: NaiveDate) -> Result<bool, Breach> {
        Ok(to >= self.after(cal, from)?)
    }

    fn words(self) -> String {
        match self {
            Span::Days(n) => format!("{n} 日"),
            Span::WorkingDays(n) => format!("{n} 个工作日"),
        }
    }
}

/// A rule with its span and where the law says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub what: &'static str,
    pub span: Span,
    pub source: &'static str,
}

/// A period that falls short, in words for the person who set it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Breach(pub String);

impl Rule {
    /// Checks that `to` lies at least the rule's span after `from`.
    pub fn check(self, cal: &WorkCalendar, from: NaiveDate, to: NaiveDate) -> Result<(), Breach> {
        if self.span.holds(cal, from, to)? {
            Ok(())
        } else {
            Err(Breach(format!(
                "{}不得少于 {}（{}）",
                self.what,
                self.span.words(),
                self.source
            )))
        }
    }
}

fn calendar(e: crate::calendar::CalendarError) -> Breach {
    Breach(format!("工作日历不含所需日期：{e}"))
}

/// From the documents' issue to the bid (response) deadline, by method; for 单一来源 the
/// publicity before the contract; for listing, the announcement before the listing opens.
pub fn response_period(method: Method) -> Rule {
    match method {
        Method::OpenTender | Method::InvitedTender => Rule {
            what: "自招标文件开始发出之日起至提交投标文件截止之日止",
            span: Span::Days(20),
            source: "《中华人民共和国招标投标法》第二十四条",
        },
        Method::Consultation => Rule {
            what: "自磋商文件开始发出之日起至提交首次响应文件截止之日止",
            span: Span::Days(10),
            source: "《政府采购竞争性磋商采购方式管理暂行办法》第十条",
        },
        Method::Negotiation => Rule {
            what: "自谈判文件发出之日起至提交首次响应文件截止之日止",
            span: Span::WorkingDays(3),
            source: "《政府采购非招标采购方式管理办法》第二十九条",
        },
        Method::Inquiry => Rule {
            what: "自询价通知书发出之日起至提交响应文件截止之日止",
            span: Span::WorkingDays(3),
            source: "《政府采购非招标采购方式管理办法》第四十五条",
        },
        Method::SingleSource => Rule {
            what: "单一来源采购公示期",
            span: Span::WorkingDays(5),
            source: "《政府采购非招标采购方式管理办法》第三十八条",
        },
        Method::Auction => Rule {
            what: "自出让公告发布之日起至挂牌（拍卖）开始之日止",
            span: Span::Days(20),
            source: "《招标拍卖挂牌出让国有建设用地使用权规定》第十条",
        },
    }
}

/// How long before the deadline a clarification that changes the documents must come; a later
/// one moves the deadline to this span after it.
pub fn clarification_lead(method: Method) -> Rule {
    match method {
        Method::OpenTender | Method::InvitedTender => Rule {
            what: "澄清或者修改招标文件至投标截止时间",
            span: Span::Days(15),
            source: "《中华人民共和国招标投标法》第二十三条",
        },
        Method::Consultation => Rule {
            what: "澄清或者修改磋商文件至提交首次响应文件截止时间",
            span: Span::Days(5),
            source: "《政府采购竞争性磋商采购方式管理暂行办法》第十条",
        },
        Method::Negotiation | Method::Inquiry | Method::SingleSource => Rule {
            what: "澄清或者修改采购文件至提交首次响应文件截止时间",
            span: Span::WorkingDays(3),
            source: "《政府采购非招标采购方式管理办法》第二十九条",
        },
        Method::Auction => Rule {
            what: "变更出让公告至挂牌（拍卖）开始",
            span: Span::Days(20),
            source: "《招标拍卖挂牌出让国有建设用地使用权规定》第十条",
        },
    }
}

/// The listing period of a land-use right (挂牌).
pub const LISTING_PERIOD: Rule = Rule {
    what: "挂牌时间",
    span: Span::Days(10),
    source: "《招标拍卖挂牌出让国有建设用地使用权规定》第二十条",
};

/// The publicity of the winning candidates (中标候选人公示).
pub const CANDIDATE_PUBLICITY: Rule = Rule {
    what: "中标候选人公示期",
    span: Span::Days(3),
    source: "《中华人民共和国招标投标法实施条例》第五十四条",
};

/// The deadline a clarification published on `on` leaves: the same when it does not change the
/// documents or comes early enough, else the first day the lead allows (`Some(new day)`).
pub fn moved_deadline(
    method: Method,
    cal: &WorkCalendar,
    on: NaiveDate,
    deadline: NaiveDate,
    changes_documents: bool,
) -> Result<Option<NaiveDate>, Breach> {
    if !changes_documents {
        return Ok(None);
    }
    let earliest = clarification_lead(method).span.after(cal, on)?;
    Ok((deadline < earliest).then_some(earliest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn open_tender_needs_twenty_days_and_names_the_law() {
        let cal = WorkCalendar::official().unwrap();
        let rule = response_period(Method::OpenTender);
        assert!(rule.check(&cal, d("2026-03-02"), d("2026-03-22")).is_ok());
        let e = rule
            .check(&cal, d("2026-03-02"), d("2026-03-21"))
            .unwrap_err();
        assert!(e.0.contains("20 日") && e.0.contains("第二十四条"), "{e}");
    }

    #[test]
    fn single_source_counts_working_days_across_a_holiday() {
        let cal = WorkCalendar::official().unwrap();
        let rule = response_period(Method::SingleSource);
        // 2026-09-30 (Wed): the National Day holiday follows; five working days end on 10-13
        // when the holiday runs 10-01..10-07 and 10-10 is a make-up workday, or later.
        let end = rule.span.after(&cal, d("2026-09-30")).unwrap();
        assert!(end >= d("2026-10-09"), "{end}");
        assert!(rule.check(&cal, d("2026-09-30"), end).is_ok());
        assert!(
            rule.check(&cal, d("2026-09-30"), end.pred_opt().unwrap())
                .is_err()
        );
    }

    #[test]
    fn a_late_clarification_moves_the_deadline() {
        let cal = WorkCalendar::official().unwrap();
        let m = Method::OpenTender;
        assert_eq!(
            moved_deadline(m, &cal, d("2026-03-10"), d("2026-03-30"), true).unwrap(),
            None
        );
        assert_eq!(
            moved_deadline(m, &cal, d("2026-03-20"), d("2026-03-30"), true).unwrap(),
            Some(d("2026-04-04"))
        );
        assert_eq!(
            moved_deadline(m, &cal, d("2026-03-20"), d("2026-03-30"), false).unwrap(),
            None
        );
    }
}

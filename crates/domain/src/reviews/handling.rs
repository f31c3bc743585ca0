//! A bad review answered: the department calls the reviewer back (回访) by one day and
//! rectifies (整改) by another; the reviewer then confirms, or remains dissatisfied, which
//! reopens the rectification with a fresh deadline (at most `MAX_ROUNDS` times). Separately, the
//! department may appeal (申诉) the review within its days, once; the centre upholds or rejects
//! the appeal. An upheld appeal takes the review out of the figures, never out of the record.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::MAX_COMMENT;
use crate::calendar::{CalendarError, WorkCalendar};
use crate::code_enum;
use crate::org::FieldErrors;

/// Rectifications a reviewer can send back before the handling closes as unresolved.
pub const MAX_ROUNDS: u32 = 3;

code_enum! {
    /// Where the answer to a bad review stands.
    pub enum HandlingState {
        /// Waiting for the department's call (待回访).
        Callback = "callback", "待回访";
        /// Called back, waiting for the rectification (待整改).
        Rectify = "rectify", "待整改";
        /// Rectified, waiting for the reviewer's word (待确认).
        Confirm = "confirm", "待申请人确认";
        /// The reviewer is satisfied with the rectification (已办结).
        Resolved = "resolved", "申请人认可整改";
        /// Still dissatisfied after the last round (未解决).
        Unresolved = "unresolved", "申请人仍不满意";
        /// An upheld appeal took the review out: nothing more is due (申诉成立).
        Excluded = "excluded", "申诉成立，不再整改";
    }
}

impl HandlingState {
    pub fn is_open(self) -> bool {
        matches!(
            self,
            HandlingState::Callback | HandlingState::Rectify | HandlingState::Confirm
        )
    }
}

/// A bad review's handling, as far as its rules need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handling {
    pub state: HandlingState,
    pub callback_by: NaiveDate,
    pub rectify_by: NaiveDate,
    /// Rectifications sent back by the reviewer so far.
    pub rounds: u32,
}

/// What someone does to a bad review's handling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum HandlingStep {
    /// The department called the reviewer: what was said.
    Callback { notes: String },
    /// The department's rectification: what was done.
    Rectify { measures: String },
    /// The reviewer's word on the rectification.
    Confirm {
        satisfied: bool,
        #[serde(default)]
        note: String,
    },
}

fn text(e: &mut FieldErrors, field: &str, value: &str, what: &str, required: bool) {
    super::bounded_text(e, field, value, what, MAX_COMMENT, required);
}

impl Handling {
    /// A new bad review's handling, with its deadlines counted in working days from `on`.
    pub fn open(
        on: NaiveDate,
        policy: &super::ReviewPolicy,
        cal: &WorkCalendar,
    ) -> Result<Handling, CalendarError> {
        Ok(Handling {
            state: HandlingState::Callback,
            callback_by: cal.add_working_days(on, policy.callback_days)?,
            rectify_by: cal.add_working_days(on, policy.rectify_days)?,
            rounds: 0,
        })
    }

    /// The handling after `step` on `today`, or why not. The department acts in order (a
    /// rectification follows the call); the reviewer confirms only what was rectified. A
    /// reviewer who remains dissatisfied reopens the rectification for `rectify_days` more.
    pub fn after(
        &self,
        step: &HandlingStep,
        today: NaiveDate,
        policy: &super::ReviewPolicy,
        cal: &WorkCalendar,
    ) -> Result<Handling, FieldErrors> {
        let mut e = FieldErrors::new();
        let wrong = |what: &str| {
            FieldErrors::single(
                "step",
                format!("差评处理当前为“{}”，不能{what}", self.state.label()),
            )
        };
        let mut next = self.clone();
        match step {
            HandlingStep::Callback { notes } => {
                if self.state != HandlingState::Callback {
                    return Err(wrong("再次登记回访"));
                }
                text(&mut e, "notes", notes, "回访情况", true);
                next.state = HandlingState::Rectify;
            }
            HandlingStep::Rectify { measures } => {
                if self.state != HandlingState::Rectify {
                    return Err(wrong(if self.state == HandlingState::Callback {
                        "在回访前登记整改"
                    } else {
                        "登记整改"
                    }));
                }
                text(&mut e, "measures", measures, "整改措施", true);
                next.state = HandlingState::Confirm;
            }
            HandlingStep::Confirm { satisfied, note } => {
                if self.state != HandlingState::Confirm {
                    return Err(wrong("确认整改结果"));
                }
                text(&mut e, "note", note, "意见", !satisfied);
                if *satisfied {
                    next.state = HandlingState::Resolved;
                } else if self.rounds + 1 >= MAX_ROUNDS {
                    next.rounds += 1;
                    next.state = HandlingState::Unresolved;
                } else {
                    next.rounds += 1;
                    next.state = HandlingState::Rectify;
                    next.rectify_by = cal
                        .add_working_days(today, policy.rectify_days)
                        .map_err(|err| FieldErrors::single("step", err.to_string()))?;
                }
            }
        }
        e.into_result()?;
        Ok(next)
    }
}

code_enum! {
    /// Why a department appeals a review.
    pub enum AppealKind {
        Mistaken = "mistaken", "误评（评价对象或内容有误）";
        Malicious = "malicious", "恶意差评";
    }
}

code_enum! {
    /// The centre's decision on an appeal.
    pub enum AppealDecision {
        Upheld = "upheld", "申诉成立";
        Rejected = "rejected", "申诉不成立";
    }
}

/// A department's appeal against a review.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppealInput {
    /// mistaken (误评) or malicious (恶意差评).
    #[serde(default)]
    pub kind: String,
    /// The grounds, with what proves them.
    #[serde(default)]
    pub grounds: String,
}

impl AppealInput {
    /// The appeal's kind and grounds, if it may be filed on `today` for a review whose appeal
    /// period ends on `appeal_by`.
    pub fn check(
        &self,
        today: NaiveDate,
        appeal_by: NaiveDate,
    ) -> Result<(AppealKind, String), FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = self.kind.parse::<AppealKind>().ok();
        if kind.is_none() {
            e.add("kind", "请选择申诉类型（误评或恶意差评）");
        }
        text(&mut e, "grounds", &self.grounds, "申诉理由", true);
        if today > appeal_by {
            e.add(
                "review",
                format!("申诉期限已于 {appeal_by} 届满，不能再申诉"),
            );
        }
        e.into_result()?;
        Ok((kind.expect("checked"), self.grounds.trim().to_owned()))
    }
}

/// The centre's decision on an appeal, as asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppealDecisionInput {
    /// upheld (申诉成立) or rejected (申诉不成立).
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

impl AppealDecisionInput {
    pub fn check(&self) -> Result<(AppealDecision, String), FieldErrors> {
        let mut e = FieldErrors::new();
        let decision = self.decision.parse::<AppealDecision>().ok();
        if decision.is_none() {
            e.add("decision", "请选择申诉是否成立");
        }
        text(&mut e, "note", &self.note, "审核意见", true);
        e.into_result()?;
        Ok((decision.expect("checked"), self.note.trim().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reviews::ReviewPolicy;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::official().unwrap()
    }

    #[test]
    fn a_bad_review_is_called_back_rectified_and_confirmed_in_order() {
        let policy = ReviewPolicy::default();
        // Friday 2026-06-05: three working days is Wednesday; fifteen, over the Dragon Boat
        // Festival (Friday 19 June), is Monday 29 June.
        let h = Handling::open(day("2026-06-05"), &policy, &cal()).unwrap();
        assert_eq!(h.callback_by, day("2026-06-10"));
        assert_eq!(h.rectify_by, day("2026-06-29"));
        let today = day("2026-06-08");
        let rectify = HandlingStep::Rectify {
            measures: "调整窗口".into(),
        };
        assert!(h.after(&rectify, today, &policy, &cal()).is_err());
        let empty = HandlingStep::Callback { notes: " ".into() };
        let e = h.after(&empty, today, &policy, &cal()).unwrap_err();
        assert!(e.message_for("notes").is_some());
        let h = h
            .after(
                &HandlingStep::Callback {
                    notes: "已电话联系".into(),
                },
                today,
                &policy,
                &cal(),
            )
            .unwrap();
        assert_eq!(h.state, HandlingState::Rectify);
        let h = h.after(&rectify, today, &policy, &cal()).unwrap();
        assert_eq!(h.state, HandlingState::Confirm);
        let unhappy = HandlingStep::Confirm {
            satisfied: false,
            note: String::new(),
        };
        assert!(
            h.after(&unhappy, today, &policy, &cal()).is_err(),
            "reason needed"
        );
        let again = h
            .after(
                &HandlingStep::Confirm {
                    satisfied: false,
                    note: "仍然要排很久".into(),
                },
                day("2026-06-15"),
                &policy,
                &cal(),
            )
            .unwrap();
        assert_eq!(again.state, HandlingState::Rectify);
        assert_eq!(again.rounds, 1);
        assert_eq!(again.rectify_by, day("2026-07-07"));
        let done = h
            .after(
                &HandlingStep::Confirm {
                    satisfied: true,
                    note: String::new(),
                },
                today,
                &policy,
                &cal(),
            )
            .unwrap();
        assert_eq!(done.state, HandlingState::Resolved);
        assert!(!done.state.is_open());
    }

    #[test]
    fn the_last_round_of_dissatisfaction_closes_unresolved() {
        let policy = ReviewPolicy::default();
        let mut h = Handling::open(day("2026-06-05"), &policy, &cal()).unwrap();
        h.state = HandlingState::Confirm;
        h.rounds = MAX_ROUNDS - 1;
        let h = h
            .after(
                &HandlingStep::Confirm {
                    satisfied: false,
                    note: "没有改".into(),
                },
                day("2026-06-08"),
                &policy,
                &cal(),
            )
            .unwrap();
        assert_eq!(h.state, HandlingState::Unresolved);
    }

    #[test]
    fn an_appeal_needs_its_kind_and_grounds_within_its_days() {
        let by = day("2026-06-12");
        let ok = AppealInput {
            kind: "malicious".into(),
            grounds: "评价人当天未到中心办事".into(),
        };
        assert_eq!(
            ok.check(day("2026-06-12"), by).unwrap().0,
            AppealKind::Malicious
        );
        let e = ok.check(day("2026-06-13"), by).unwrap_err();
        assert!(e.message_for("review").is_some());
        let e = AppealInput::default()
            .check(day("2026-06-10"), by)
            .unwrap_err();
        assert!(e.message_for("kind").is_some());
        assert!(e.message_for("grounds").is_some());
        let e = AppealDecisionInput {
            decision: "maybe".into(),
            note: String::new(),
        }
        .check()
        .unwrap_err();
        assert!(e.message_for("decision").is_some());
        assert!(e.message_for("note").is_some());
    }
}

//! Online joint pre-review (企业网上联合预审): before the formal submission, an applicant
//! sends the draft of a bundle or of an item handled by several departments to every
//! department concerned at once. Each department answers once, within a set number of working
//! days: no objection, or what must be corrected. The applicant sees the opinions together —
//! when every department has answered, or when the deadline has passed — and corrects the
//! draft before submitting it. A pre-review decides nothing: the formal review follows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::case::ItemRef;
use crate::code_enum;
use crate::ids::DepartmentId;
use crate::org::FieldErrors;

/// Working days the departments have, unless the centre sets otherwise.
pub const DEFAULT_DAYS: u32 = 3;
/// At most this many rounds of pre-review for one application.
pub const MAX_ROUNDS: i64 = 5;
/// The longest opinion, in characters.
pub const MAX_COMMENT: usize = 1_000;

code_enum! {
    /// A department's opinion of a pre-review.
    pub enum Verdict {
        NoObjection = "ok", "无意见";
        Correct = "correct", "需修改";
    }
}

/// What a department's staff member answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpinionInput {
    /// `ok` (无意见) or `correct` (需修改).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub verdict: Option<Verdict>,
    /// What to correct (required with `correct`), or remarks.
    #[serde(default)]
    pub comment: String,
}

impl OpinionInput {
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        let comment = self.comment.trim().chars().count();
        match self.verdict {
            None => e.add("verdict", "请选择预审意见"),
            Some(Verdict::Correct) if comment == 0 => e.add("comment", "请写明需要修改的内容"),
            Some(_) => {}
        }
        if comment > MAX_COMMENT {
            e.add("comment", format!("意见不能超过 {MAX_COMMENT} 个字符"));
        }
        e.into_result()
    }
}

/// The departments a joint case over `item` would involve, each once, the leading one first:
/// those asked in its pre-review. Refused when only one department is concerned.
pub fn departments_of(item: &ItemRef) -> Result<Vec<DepartmentId>, FieldErrors> {
    let mut out = vec![item.department_id];
    for b in &item.branches {
        if !out.contains(&b.department_id) {
            out.push(b.department_id);
        }
    }
    if out.len() < 2 {
        return Err(FieldErrors::single(
            "application",
            "联合预审适用于一件事和多部门联合办理的事项",
        ));
    }
    Ok(out)
}

/// Where a round stands, as the applicant sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundState {
    /// Departments are still within their time and some have not answered.
    Waiting,
    /// Every department answered.
    Answered,
    /// The deadline passed with departments not answered.
    Overdue,
}

/// A round's state on `today`, from its deadline and how many departments answered.
pub fn round_state(due: NaiveDate, asked: usize, answered: usize, today: NaiveDate) -> RoundState {
    if answered >= asked {
        RoundState::Answered
    } else if today > due {
        RoundState::Overdue
    } else {
        RoundState::Waiting
    }
}

impl RoundState {
    /// Whether the applicant sees the opinions: together, once the round is over.
    pub fn shown(self) -> bool {
        self != RoundState::Waiting
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{BranchRef, CaseType};
    use crate::ids::ItemId;

    #[test]
    fn an_opinion_to_correct_says_what() {
        let mut o = OpinionInput::default();
        assert!(o.check().unwrap_err().message_for("verdict").is_some());
        o.verdict = Some(Verdict::Correct);
        assert!(o.check().unwrap_err().message_for("comment").is_some());
        o.comment = "消防设计说明缺少疏散图".into();
        assert!(o.check().is_ok());
        o.comment = "长".repeat(MAX_COMMENT + 1);
        assert!(o.check().is_err());
        assert!(
            OpinionInput {
                verdict: Some(Verdict::NoObjection),
                comment: String::new()
            }
            .check()
            .is_ok()
        );
    }

    #[test]
    fn every_department_is_asked_once_and_the_round_shows_when_over() {
        let mut item = ItemRef {
            item_id: ItemId(1),
            version: 1,
            name: "开办餐饮店".into(),
            department_id: DepartmentId(7),
            case_type: CaseType::Promised,
            promised_days: 5,
            statutory_days: 20,
            steps: vec![],
            fee_standard_fen: 0,
            materials: vec![],
            region_code: String::new(),
            online_only: false,
            branches: vec![],
        };
        assert!(
            departments_of(&item).is_err(),
            "one department: no joint pre-review"
        );
        for d in [9, 7, 9, 11] {
            item.branches.push(BranchRef {
                department_id: DepartmentId(d),
                department_name: String::new(),
                steps: vec![],
                limit_days: 3,
                item: None,
            });
        }
        assert_eq!(
            departments_of(&item).unwrap(),
            [DepartmentId(7), DepartmentId(9), DepartmentId(11)]
        );
        let due = NaiveDate::from_ymd_opt(2026, 10, 9).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 10, d).unwrap();
        assert_eq!(round_state(due, 3, 2, day(9)), RoundState::Waiting);
        assert!(!round_state(due, 3, 2, day(9)).shown());
        assert_eq!(round_state(due, 3, 2, day(10)), RoundState::Overdue);
        assert_eq!(round_state(due, 3, 3, day(8)), RoundState::Answered);
        assert!(round_state(due, 3, 3, day(8)).shown());
    }
}

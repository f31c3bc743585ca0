//! 好差评: applicants rate the service (GB/T 39046 Table 9, code table A.8) per case after its
//! conclusion (一事一评, an event in the case's own stream) and per visit after a window service
//! (一次一评). Every real-name bad review is called back (回访) and rectified (整改) by the
//! department within set working days, and the applicant confirms or remains dissatisfied; a
//! department may appeal (申诉) a mistaken or malicious review, and the centre decides. The
//! rules here are pure: the store records, the web shows.

pub mod complaints;
pub mod consult;
pub mod handling;
pub mod hotline;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::code_enum;
use crate::org::FieldErrors;

pub use handling::*;

/// The longest comment, bad-review reason, callback note or rectification (characters).
pub const MAX_COMMENT: usize = 500;
/// At most this many reasons with one review.
pub const MAX_REASONS: usize = 10;
/// Working days to call a bad reviewer back, unless the centre sets otherwise.
pub const DEFAULT_CALLBACK_DAYS: u32 = 3;
/// Working days to rectify after a bad review (the national rules' 15).
pub const DEFAULT_RECTIFY_DAYS: u32 = 15;
/// Working days after a review in which the department may appeal it.
pub const DEFAULT_APPEAL_DAYS: u32 = 5;

/// A.8 满意度代码: 1 非常满意 … 5 非常不满意.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Satisfaction {
    VerySatisfied = 1,
    Satisfied = 2,
    Basic = 3,
    Dissatisfied = 4,
    VeryDissatisfied = 5,
}

impl Satisfaction {
    pub const ALL: [Satisfaction; 5] = [
        Satisfaction::VerySatisfied,
        Satisfaction::Satisfied,
        Satisfaction::Basic,
        Satisfaction::Dissatisfied,
        Satisfaction::VeryDissatisfied,
    ];

    /// The A.8 code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The level with A.8 code `code`; none outside 1–5.
    pub fn from_code(code: i64) -> Option<Satisfaction> {
        Satisfaction::ALL
            .into_iter()
            .find(|s| i64::from(s.code()) == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Satisfaction::VerySatisfied => "非常满意",
            Satisfaction::Satisfied => "满意",
            Satisfaction::Basic => "基本满意",
            Satisfaction::Dissatisfied => "不满意",
            Satisfaction::VeryDissatisfied => "非常不满意",
        }
    }

    /// 1–2 good, 3 medium, 4–5 bad.
    pub fn grade(self) -> Grade {
        match self {
            Satisfaction::VerySatisfied | Satisfaction::Satisfied => Grade::Good,
            Satisfaction::Basic => Grade::Medium,
            Satisfaction::Dissatisfied | Satisfaction::VeryDissatisfied => Grade::Bad,
        }
    }
}

impl Serialize for Satisfaction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

impl<'de> Deserialize<'de> for Satisfaction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Satisfaction, D::Error> {
        let code = i64::deserialize(d)?;
        Satisfaction::from_code(code)
            .ok_or_else(|| serde::de::Error::custom(format!("满意度代码 {code} 不在 1–5 之内")))
    }
}

code_enum! {
    /// 好评, 中评, 差评.
    pub enum Grade {
        Good = "good", "好评";
        Medium = "medium", "中评";
        Bad = "bad", "差评";
    }
}

code_enum! {
    /// Where a review was given (评价渠道, GB/T 39046 Table 9 #2).
    pub enum ReviewChannel {
        Pc = "pc", "PC端";
        Mobile = "mobile", "移动服务端";
        Qr = "qr", "二维码";
        Tablet = "tablet", "政务大厅平板电脑";
        Terminal = "terminal", "政务大厅其他终端";
        Phone = "phone", "电话";
        Sms = "sms", "短信";
    }
}

impl ReviewChannel {
    /// Channels a review is given on by its author; a phone review is entered by staff, with
    /// the caller's consent.
    pub fn by_staff(self) -> bool {
        self == ReviewChannel::Phone
    }
}

/// A review as asked for: the level's code, the channel's key, the reasons chosen from the
/// centre's list (required with a bad review) and a comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingInput {
    /// A.8 code: 1 非常满意, 2 满意, 3 基本满意, 4 不满意, 5 非常不满意.
    pub level: Option<i64>,
    /// pc, mobile, qr, tablet, terminal, phone or sms.
    #[serde(default)]
    pub channel: String,
    /// With a bad review (4–5): one or more of the centre's reasons.
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub comment: String,
}

/// A review that passed its checks: what the record keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub level: Satisfaction,
    pub channel: ReviewChannel,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

impl Rating {
    pub fn grade(&self) -> Grade {
        self.level.grade()
    }
}

impl RatingInput {
    /// The rating, or every field's message. A bad review needs at least one reason from
    /// `reasons` (the centre's list in force); a reason outside it is refused.
    pub fn check(&self, reasons: &[String]) -> Result<Rating, FieldErrors> {
        let mut e = FieldErrors::new();
        let level = self.level.and_then(Satisfaction::from_code);
        if level.is_none() {
            e.add(
                "level",
                "请选择满意度（1 非常满意、2 满意、3 基本满意、4 不满意、5 非常不满意）",
            );
        }
        let channel = self.channel.parse::<ReviewChannel>().ok();
        if channel.is_none() {
            e.add("channel", "评价渠道无效");
        }
        let mut chosen: Vec<String> = Vec::new();
        for (i, r) in self.reasons.iter().enumerate() {
            let r = r.trim();
            if r.is_empty() || chosen.iter().any(|c| c == r) {
                continue;
            }
            if !reasons.iter().any(|known| known == r) {
                e.add(&format!("reasons[{i}]"), "差评原因不在本中心的原因列表中");
            }
            chosen.push(r.to_owned());
        }
        if chosen.len() > MAX_REASONS {
            e.add("reasons", format!("差评原因最多选择 {MAX_REASONS} 项"));
        }
        let comment = bounded_text(
            &mut e,
            "comment",
            &self.comment,
            "评价内容",
            MAX_COMMENT,
            false,
        );
        match level.map(Satisfaction::grade) {
            Some(Grade::Bad) if chosen.is_empty() => e.add("reasons", "差评请至少选择一项原因"),
            Some(Grade::Good | Grade::Medium) => chosen.clear(),
            _ => {}
        }
        e.into_result()?;
        Ok(Rating {
            level: level.expect("checked above"),
            channel: channel.expect("checked above"),
            reasons: chosen,
            comment,
        })
    }
}

/// A free text of the context, trimmed: required or not, at most `max` characters, only
/// characters free text may hold (`case::is_text_char`); a problem is added to `e` under
/// `field`, naming `what`.
pub(crate) fn bounded_text(
    e: &mut FieldErrors,
    field: &str,
    value: &str,
    what: &str,
    max: usize,
    required: bool,
) -> String {
    let t = value.trim();
    let n = t.chars().count();
    if required && n == 0 {
        e.add(field, format!("请填写{what}"));
    } else if n > max {
        e.add(field, format!("{what}不能超过 {max} 个字"));
    } else if !t.chars().all(crate::case::is_text_char) {
        e.add(field, format!("{what}含有不可见的控制字符"));
    }
    t.to_owned()
}

/// The centre's working days for answering bad reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewPolicy {
    /// Working days to call the reviewer back.
    pub callback_days: u32,
    /// Working days to rectify.
    pub rectify_days: u32,
    /// Working days after a review in which the department may appeal it.
    pub appeal_days: u32,
}

impl Default for ReviewPolicy {
    fn default() -> ReviewPolicy {
        ReviewPolicy {
            callback_days: DEFAULT_CALLBACK_DAYS,
            rectify_days: DEFAULT_RECTIFY_DAYS,
            appeal_days: DEFAULT_APPEAL_DAYS,
        }
    }
}

impl ReviewPolicy {
    /// Bounds: 1–10 days to call back, 1–30 to rectify, 1–15 to appeal.
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        if !(1..=10).contains(&self.callback_days) {
            e.add("callback_days", "回访期限应为 1 至 10 个工作日");
        }
        if !(1..=30).contains(&self.rectify_days) {
            e.add("rectify_days", "整改期限应为 1 至 30 个工作日");
        }
        if !(1..=15).contains(&self.appeal_days) {
            e.add("appeal_days", "申诉期限应为 1 至 15 个工作日");
        }
        e.into_result()
    }
}

/// The deadlines a bad review sets, from the day it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadReviewDue {
    pub callback_by: NaiveDate,
    pub rectify_by: NaiveDate,
}

/// A bad-review reason, as the centre keeps its list (checked when it is added).
pub fn check_reason(text: &str) -> Result<String, FieldErrors> {
    let t = text.trim();
    let n = t.chars().count();
    if n == 0 || n > 30 || t.chars().any(char::is_control) {
        return Err(FieldErrors::single(
            "reason",
            "差评原因应为 1 至 30 个字，不含控制字符",
        ));
    }
    Ok(t.to_owned())
}

/// Reasons a new centre starts with (the national 好差评 rules' usual list).
pub const DEFAULT_REASONS: [&str; 8] = [
    "办事指南不清楚",
    "材料要求反复",
    "等候时间长",
    "服务态度差",
    "办理时间长",
    "多次跑动",
    "网上办理不便",
    "收费不合理",
];

crate::actions! {
    /// What may be asked of reviews and their handling.
    pub enum ReviewAction {
        /// Rate one's own case or visit (applicants; the case aggregate checks the rest).
        Rate => Write,
        /// Enter a review given by phone, with the caller's consent (the centre's service
        /// staff and the department's window staff).
        EnterByPhone => Write,
        /// See the department's reviews, anonymous, and its bad reviews to answer.
        View => Read,
        /// Call back, rectify and appeal the department's bad reviews (its chief
        /// representative, reviewers and approvers).
        Answer => Write,
        /// Light up a window's rating tablet after a service (the window's clerk).
        InviteAtWindow => Write,
        /// See every review with the reviewer's name (supervisors).
        Supervise => Read,
        /// Decide appeals (supervisors).
        DecideAppeal => Write,
        /// The reasons' list, the deadlines and the windows' tablets (centre administrators).
        Configure => Write,
        /// Complain online, ask a question online, rate a complaint's handling (applicants).
        Complain => Write,
        /// Take complaints and questions by phone or in person, record consultations (window
        /// staff and the centre's service staff).
        Intake => Write,
        /// Assign complaints, review replies, import the hotline's calls (supervisors).
        Oversee => Write,
        /// Approve answers for an item's FAQ (centre administrators).
        ApproveFaq => Write,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons() -> Vec<String> {
        DEFAULT_REASONS.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_five_levels_carry_their_a8_codes_and_grades() {
        assert_eq!(
            Satisfaction::from_code(1),
            Some(Satisfaction::VerySatisfied)
        );
        assert_eq!(
            Satisfaction::from_code(5).map(Satisfaction::label),
            Some("非常不满意")
        );
        assert_eq!(Satisfaction::from_code(0), None);
        assert_eq!(Satisfaction::from_code(6), None);
        let grades: Vec<Grade> = Satisfaction::ALL.iter().map(|s| s.grade()).collect();
        assert_eq!(
            grades,
            [
                Grade::Good,
                Grade::Good,
                Grade::Medium,
                Grade::Bad,
                Grade::Bad
            ]
        );
        assert_eq!(serde_json::to_string(&Satisfaction::Basic).unwrap(), "3");
        assert!(serde_json::from_str::<Satisfaction>("7").is_err());
    }

    #[test]
    fn a_bad_review_needs_a_reason_from_the_list() {
        let input = RatingInput {
            level: Some(4),
            channel: "pc".into(),
            ..Default::default()
        };
        let e = input.check(&reasons()).unwrap_err();
        assert!(e.message_for("reasons").is_some());
        let e = RatingInput {
            reasons: vec!["天气不好".into()],
            ..input.clone()
        }
        .check(&reasons())
        .unwrap_err();
        assert!(e.message_for("reasons[0]").is_some());
        let ok = RatingInput {
            reasons: vec!["等候时间长".into(), "等候时间长".into()],
            ..input
        }
        .check(&reasons())
        .unwrap();
        assert_eq!(ok.reasons, ["等候时间长"]);
        assert_eq!(ok.grade(), Grade::Bad);
    }

    #[test]
    fn a_level_outside_one_to_five_or_an_unknown_channel_is_refused() {
        for level in [None, Some(0), Some(6), Some(-1)] {
            let e = RatingInput {
                level,
                channel: "qr".into(),
                ..Default::default()
            }
            .check(&reasons())
            .unwrap_err();
            assert!(e.message_for("level").is_some(), "{level:?}");
        }
        let e = RatingInput {
            level: Some(1),
            channel: "fax".into(),
            ..Default::default()
        }
        .check(&reasons())
        .unwrap_err();
        assert!(e.message_for("channel").is_some());
    }

    #[test]
    fn a_good_review_keeps_no_reasons_and_a_long_comment_is_refused() {
        let ok = RatingInput {
            level: Some(1),
            channel: "mobile".into(),
            reasons: vec!["等候时间长".into()],
            comment: " 很快 ".into(),
        }
        .check(&reasons())
        .unwrap();
        assert!(ok.reasons.is_empty());
        assert_eq!(ok.comment, "很快");
        let e = RatingInput {
            level: Some(2),
            channel: "mobile".into(),
            comment: "好".repeat(MAX_COMMENT + 1),
            ..Default::default()
        }
        .check(&reasons())
        .unwrap_err();
        assert!(e.message_for("comment").is_some());
    }

    #[test]
    fn a_text_box_s_line_breaks_pass_and_direction_overrides_do_not() {
        // Browsers send a text box's line breaks as CRLF.
        let ok = RatingInput {
            level: Some(2),
            channel: "pc".into(),
            comment: "第一行\r\n第二行".into(),
            ..Default::default()
        }
        .check(&reasons())
        .unwrap();
        assert_eq!(ok.comment, "第一行\r\n第二行");
        let e = RatingInput {
            comment: "好\u{202E}评".into(),
            ..ok_input()
        }
        .check(&reasons())
        .unwrap_err();
        assert!(e.message_for("comment").is_some());
        let mut e = FieldErrors::new();
        bounded_text(&mut e, "notes", "已回访\r\n已致歉", "回访情况", 10, true);
        bounded_text(&mut e, "nul", "a\u{0}b", "内容", 10, true);
        assert_eq!(e.0.len(), 1);
        assert!(e.message_for("nul").is_some());
    }

    fn ok_input() -> RatingInput {
        RatingInput {
            level: Some(1),
            channel: "pc".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_policy_has_bounds() {
        assert!(ReviewPolicy::default().check().is_ok());
        let e = ReviewPolicy {
            callback_days: 0,
            rectify_days: 31,
            appeal_days: 5,
        }
        .check()
        .unwrap_err();
        assert!(e.message_for("callback_days").is_some());
        assert!(e.message_for("rectify_days").is_some());
    }
}

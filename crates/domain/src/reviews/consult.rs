//! 咨询: questions about a service. Window staff record the ones they answer in a few clicks
//! (item, channel, question, answer); applicants ask online on an item's guide and the
//! department answers within set working days; an answer worth keeping is proposed for the
//! item's FAQ (常见问题) and shown on the guide once an administrator approves it.

use serde::{Deserialize, Serialize};

use crate::code_enum;
use crate::org::FieldErrors;

/// Working days a department has to answer an online question.
pub const DEFAULT_ANSWER_DAYS: u32 = 2;
/// The longest question or answer (characters).
pub const MAX_TEXT: usize = 1_000;

code_enum! {
    /// Where a question was asked.
    pub enum ConsultChannel {
        Window = "window", "窗口";
        Phone = "phone", "电话";
        Online = "online", "网上";
        Hotline = "hotline", "12345热线转办";
    }
}

code_enum! {
    /// Whether an answer is on the item's FAQ.
    pub enum FaqState {
        Proposed = "proposed", "待审核";
        Approved = "approved", "已列入常见问题";
        Declined = "declined", "未采纳";
    }
}

/// A question (and, when staff record it, its answer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsultationInput {
    /// The item asked about, if any.
    #[serde(default)]
    pub item_id: Option<i64>,
    /// window, phone, online or hotline.
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub question: String,
    /// Given at once when staff record a question they answered.
    #[serde(default)]
    pub answer: String,
}

/// A text of a consultation, trimmed and bounded.
pub fn check_text(field: &str, value: &str, what: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::new();
    let t = super::bounded_text(&mut e, field, value, what, MAX_TEXT, true);
    e.into_result().map(|()| t)
}

impl ConsultationInput {
    /// The channel, question and answer. Staff record answered questions from any channel but
    /// the web; applicants ask online, without an answer.
    pub fn check(
        &self,
        by_staff: bool,
    ) -> Result<(ConsultChannel, String, Option<String>), FieldErrors> {
        let mut e = FieldErrors::new();
        let channel = self.channel.parse::<ConsultChannel>().ok();
        match channel {
            None => e.add("channel", "请选择咨询渠道"),
            Some(ConsultChannel::Online) if by_staff => {
                e.add("channel", "网上咨询由申请人在办事指南页提出")
            }
            Some(c) if c != ConsultChannel::Online && !by_staff => {
                e.add("channel", "网上咨询的渠道为“网上”")
            }
            _ => {}
        }
        let question = check_text("question", &self.question, "咨询内容");
        let answer = if by_staff {
            Some(check_text("answer", &self.answer, "答复内容"))
        } else {
            None
        };
        let mut merge = |r: &Result<String, FieldErrors>| {
            if let Err(x) = r {
                e.0.extend(x.0.iter().cloned());
            }
        };
        merge(&question);
        if let Some(a) = &answer {
            merge(a);
        }
        e.into_result()?;
        Ok((
            channel.expect("checked"),
            question.expect("checked"),
            answer.map(|a| a.expect("checked")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_record_answered_questions_and_applicants_ask_online() {
        let staff = ConsultationInput {
            item_id: Some(1),
            channel: "window".into(),
            question: "个体户注册需要带什么".into(),
            answer: "身份证和经营场所证明".into(),
        };
        assert!(staff.check(true).unwrap().2.is_some());
        let e = ConsultationInput {
            answer: String::new(),
            ..staff.clone()
        }
        .check(true)
        .unwrap_err();
        assert!(e.message_for("answer").is_some());
        assert!(staff.check(false).is_err(), "the public asks online");
        let online = ConsultationInput {
            channel: "online".into(),
            answer: String::new(),
            ..staff
        };
        assert_eq!(online.check(false).unwrap().2, None);
        assert!(online.check(true).is_err());
    }
}

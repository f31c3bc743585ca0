//! 效能投诉: a complaint about how the centre served — against a department, a window, a staff
//! member or a case — taken on the web, by phone or in person (or transferred from the 12345
//! hotline), real-name or anonymous. The centre assigns it to the department concerned, which
//! replies within set working days; a supervisor reviews the reply and accepts it or sends it
//! back; the complainant is told and rates the handling. An assignment not replied to in time is
//! a supervision finding.

use serde::{Deserialize, Serialize};

use crate::code_enum;
use crate::org::FieldErrors;

/// Working days a department has to reply, unless the centre sets otherwise.
pub const DEFAULT_REPLY_DAYS: u32 = 5;
/// The longest title (characters).
pub const MAX_TITLE: usize = 100;
/// The longest complaint, reply or note (characters).
pub const MAX_BODY: usize = 2_000;

code_enum! {
    /// How a complaint came in.
    pub enum ComplaintChannel {
        Web = "web", "网上";
        Phone = "phone", "电话";
        InPerson = "in_person", "现场";
        Hotline = "hotline", "12345热线转办";
    }
}

code_enum! {
    /// What a complaint is about.
    pub enum SubjectKind {
        Department = "department", "部门";
        Window = "window", "窗口";
        Staff = "staff", "工作人员";
        Case = "case", "办件";
    }
}

code_enum! {
    /// Where a complaint stands.
    pub enum ComplaintState {
        /// Waiting for the centre to assign it (待分派).
        Received = "received", "待分派";
        /// With the department, which must reply by its day (待答复).
        Assigned = "assigned", "待部门答复";
        /// Replied, waiting for the supervisor's review (待审核).
        Replied = "replied", "待审核";
        /// Accepted and told to the complainant, who may rate the handling (已办结).
        Closed = "closed", "已办结";
    }
}

/// A complaint as filed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintInput {
    /// web, phone, in_person or hotline (staff only for the last three).
    #[serde(default)]
    pub channel: String,
    /// department, window, staff or case.
    #[serde(default)]
    pub subject: String,
    /// The department, window or staff member complained of (by id), or the case's number.
    #[serde(default)]
    pub subject_ref: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub content: String,
    /// The complainant's name is kept from the department.
    #[serde(default)]
    pub anonymous: bool,
    /// The complainant's name and mobile (taken from the account on the web).
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub mobile: String,
}

/// A complaint's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub channel: ComplaintChannel,
    pub subject: SubjectKind,
    pub subject_ref: String,
    pub title: String,
    pub content: String,
    pub anonymous: bool,
    pub name: String,
    pub mobile: String,
}

fn text(e: &mut FieldErrors, field: &str, value: &str, what: &str, max: usize) -> String {
    super::bounded_text(e, field, value, what, max, true)
}

/// A reply, a supervisor's note or the reason for sending a reply back.
pub fn check_body(field: &str, value: &str, what: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::new();
    let t = text(&mut e, field, value, what, MAX_BODY);
    e.into_result().map(|()| t)
}

impl ComplaintInput {
    /// The complaint, or every field's message. `by_staff`: staff take phone, in-person and
    /// hotline complaints; the public complains on the web.
    pub fn check(&self, by_staff: bool) -> Result<Complaint, FieldErrors> {
        let mut e = FieldErrors::new();
        let channel = self.channel.parse::<ComplaintChannel>().ok();
        match channel {
            None => e.add("channel", "请选择投诉渠道"),
            Some(ComplaintChannel::Web) if by_staff => {
                e.add("channel", "工作人员登记的投诉渠道应为电话、现场或热线转办")
            }
            Some(c) if c != ComplaintChannel::Web && !by_staff => {
                e.add("channel", "网上投诉的渠道为“网上”")
            }
            _ => {}
        }
        let subject = self.subject.parse::<SubjectKind>().ok();
        if subject.is_none() {
            e.add("subject", "请选择投诉对象（部门、窗口、工作人员或办件）");
        }
        let subject_ref = self.subject_ref.trim().to_owned();
        if subject_ref.is_empty() || subject_ref.chars().count() > 50 {
            e.add("subject_ref", "请指明投诉对象");
        }
        let title = text(&mut e, "title", &self.title, "投诉标题", MAX_TITLE);
        let content = text(&mut e, "content", &self.content, "投诉内容", MAX_BODY);
        let (name, mobile) = if self.anonymous {
            (String::new(), String::new())
        } else {
            let name = text(&mut e, "name", &self.name, "投诉人姓名", 30);
            let mobile = crate::org::validate_mobile(&mut e, "mobile", &self.mobile);
            (name, mobile)
        };
        e.into_result()?;
        Ok(Complaint {
            channel: channel.expect("checked"),
            subject: subject.expect("checked"),
            subject_ref,
            title,
            content,
            anonymous: self.anonymous,
            name,
            mobile,
        })
    }
}

/// What is done with a complaint, by whom the caller checks; the state decides whether now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintStep {
    Assign,
    Reply,
    Accept,
    SendBack,
    Rate,
}

impl ComplaintStep {
    /// The state after the step, or why not now.
    pub fn after(self, state: ComplaintState) -> Result<ComplaintState, FieldErrors> {
        use ComplaintState::*;
        let next = match (self, state) {
            (ComplaintStep::Assign, Received) => Assigned,
            (ComplaintStep::Reply, Assigned) => Replied,
            (ComplaintStep::Accept, Replied) => Closed,
            (ComplaintStep::SendBack, Replied) => Assigned,
            (ComplaintStep::Rate, Closed) => Closed,
            (_, s) => {
                return Err(FieldErrors::single(
                    "state",
                    format!("投诉当前为“{}”，不能进行此操作", s.label()),
                ));
            }
        };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ComplaintInput {
        ComplaintInput {
            channel: "web".into(),
            subject: "window".into(),
            subject_ref: "3".into(),
            title: "窗口人员态度生硬".into(),
            content: "11月30日上午在3号窗口办理时被要求反复补材料".into(),
            anonymous: false,
            name: "张伟".into(),
            mobile: "13805391234".into(),
        }
    }

    #[test]
    fn a_complaint_needs_its_subject_text_and_a_way_to_reach_a_real_name() {
        assert!(input().check(false).is_ok());
        let e = ComplaintInput {
            mobile: "123".into(),
            title: " ".into(),
            subject: "weather".into(),
            ..input()
        }
        .check(false)
        .unwrap_err();
        for f in ["mobile", "title", "subject"] {
            assert!(e.message_for(f).is_some(), "{f}: {e:?}");
        }
        let anonymous = ComplaintInput {
            anonymous: true,
            name: String::new(),
            mobile: String::new(),
            ..input()
        }
        .check(false)
        .unwrap();
        assert!(anonymous.name.is_empty());
        // The public complains on the web; staff take the other channels.
        assert!(
            ComplaintInput {
                channel: "phone".into(),
                ..input()
            }
            .check(false)
            .is_err()
        );
        assert!(input().check(true).is_err());
    }

    #[test]
    fn a_complaint_goes_through_its_states_in_order() {
        use ComplaintState::*;
        assert_eq!(ComplaintStep::Assign.after(Received).unwrap(), Assigned);
        assert!(ComplaintStep::Reply.after(Received).is_err());
        assert_eq!(ComplaintStep::SendBack.after(Replied).unwrap(), Assigned);
        assert_eq!(ComplaintStep::Accept.after(Replied).unwrap(), Closed);
        assert!(
            ComplaintStep::Reply.after(Closed).is_err(),
            "no reply after closing"
        );
        assert!(ComplaintStep::Rate.after(Assigned).is_err());
    }
}

//! 好差评 from case events: a case's `Reviewed` event becomes its row in `reviews` (with the
//! window and clerk that accepted the case), a real-name bad review opens its handling, and the
//! day's figures grow; a case that ends invites its applicant to rate it (a message, offered to
//! the SMS gateway by the outbox).

use onewindow_domain::case::Event;
use onewindow_domain::reviews::{Grade, HandlingState};

use super::{Appended, Projection};
use crate::StoreResult;
use crate::infra::batch::{WriteBatch, sql};
use crate::reviews::rollup;

pub(crate) struct Reviews;

impl Projection for Reviews {
    fn event(&self, e: &Appended<'_>, batch: &mut WriteBatch) -> StoreResult<()> {
        match e.event {
            Event::Reviewed {
                rating,
                follow_up,
                on,
                due,
                appeal_by,
            } => {
                let source = format!("case:{}:{}", e.case_id, e.seq);
                let applicant = e.after.applicant.clone().unwrap_or_else(|| {
                    onewindow_domain::case::Applicant {
                        kind: String::new(),
                        name: String::new(),
                        id_number: String::new(),
                        mobile: String::new(),
                    }
                });
                let real_name = !applicant.id_number.is_empty();
                batch.add(
                    sql!(
                        "INSERT INTO reviews (source, case_id, department_id, window_id, staff_id, item_id, channel,
                                              level, grade, reasons, comment, follow_up, reviewer_name,
                                              reviewer_id_number, reviewer_mobile, real_name, entered_by, day, at,
                                              appeal_by)
                         SELECT :source, c.id, c.department_id, c.accepted_window,
                                (SELECT s.id FROM staff s WHERE s.account_id = c.accepted_by), c.item_id, :channel,
                                :level, :grade, :reasons, :comment, :follow_up, :name, :id_number, :mobile,
                                :real_name, :entered_by, :day, :at, :appeal_by
                         FROM cases c WHERE c.id = :case_id"
                    ),
                    vec![
                        ("source", source.clone().into()),
                        ("channel", rating.channel.key().into()),
                        ("level", i64::from(rating.level.code()).into()),
                        ("grade", rating.grade().key().into()),
                        (
                            "reasons",
                            serde_json::to_string(&rating.reasons)
                                .unwrap_or_else(|_| "[]".into())
                                .into(),
                        ),
                        ("comment", rating.comment.clone().into()),
                        ("follow_up", (*follow_up).into()),
                        ("name", applicant.name.into()),
                        ("id_number", applicant.id_number.into()),
                        ("mobile", applicant.mobile.into()),
                        ("real_name", real_name.into()),
                        ("entered_by", e.by.actor_id.into()),
                        ("day", on.to_string().into()),
                        ("at", e.by.at.into()),
                        ("appeal_by", appeal_by.to_string().into()),
                        ("case_id", e.case_id.into()),
                    ],
                )?;
                if let (Some(due), true, Grade::Bad) = (due, real_name, rating.grade()) {
                    batch.add(
                        sql!(
                            "INSERT INTO review_handling (review_id, department_id, state, callback_by, rectify_by,
                                                         updated_at)
                             SELECT id, department_id, :state, :callback_by, :rectify_by, :at FROM reviews
                             WHERE source = :source"
                        ),
                        vec![
                            ("state", HandlingState::Callback.key().into()),
                            ("callback_by", due.callback_by.to_string().into()),
                            ("rectify_by", due.rectify_by.to_string().into()),
                            ("at", e.by.at.into()),
                            ("source", source.clone().into()),
                        ],
                    )?;
                }
                rollup(batch, &source, 1, 0)
            }
            Event::Concluded { .. } | Event::AcceptanceRefused { .. } | Event::Returned { .. } => {
                invite(e, batch)
            }
            _ => Ok(()),
        }
    }
}

/// The invitation to rate a case that has ended, to the applicant's accounts (as the hall's
/// messages reach them).
fn invite(e: &Appended<'_>, batch: &mut WriteBatch) -> StoreResult<()> {
    let item = e.after.item.as_ref().map_or("", |i| i.name.as_str());
    super::hall::message_applicant(
        e,
        batch,
        "邀请您评价本次服务".into(),
        format!(
            "“{item}”已办理完毕。请在“我的办件”中对本次服务作出评价（非常满意至非常不满意），您的评价将帮助我们改进工作。"
        ),
    )
}

//! The applicant's messages (网上办事大厅): what happened to their case, written as an in-app
//! notification to the applicant's account in the same transaction as the events, and so also
//! offered to the SMS and e-mail gateways by the outbox. The account is found by the id number
//! the case was filed under, so an applicant also hears of the cases accepted for them at a
//! window. The projection also links an online application to the case it became.

use onewindow_domain::case::{Channel, Delivery, Event};

use super::{Appended, Projection};
use crate::StoreResult;
use crate::infra::batch::{WriteBatch, sql};

pub(crate) struct Hall;

/// The message an event sends the applicant, if any: its title and text.
fn message(e: &Appended<'_>) -> Option<(String, String)> {
    let item = e.after.item.as_ref().map_or("", |i| i.name.as_str());
    let numbered = || {
        e.after
            .case_no
            .as_ref()
            .map(|n| {
                format!(
                    "办件编号 {n}，查询码 {}",
                    e.after.query_code.as_deref().unwrap_or("")
                )
            })
            .unwrap_or_default()
    };
    Some(match e.event {
        Event::Submitted {
            channel: Channel::Online,
            ..
        } => (
            "已收到您的网上申请".into(),
            format!("“{item}”的申请已提交，等待部门预审。"),
        ),
        Event::Accepted { due, .. } | Event::AcceptedWithDeficiencies { due, .. } => (
            "申请已受理".into(),
            format!("“{item}”已受理，{}，承诺 {due} 前办结。", numbered()),
        ),
        Event::SupplementRequested { missing, .. } => (
            "需要补正".into(),
            format!(
                "“{item}”需要补正（一次性告知）：{}。请在“我的办件”中补正后重新提交。",
                missing
                    .iter()
                    .map(|m| format!("{}：{}", m.material, m.reason))
                    .collect::<Vec<_>>()
                    .join("；")
            ),
        ),
        Event::AcceptanceRefused { reasons, .. } => (
            "申请不予受理".into(),
            format!("“{item}”不予受理，理由：{reasons}"),
        ),
        Event::Decided { decision } => (
            "已作出决定".into(),
            format!(
                "“{item}”已作出{}决定，{}。",
                if decision.approved {
                    "准予"
                } else {
                    "不予许可"
                },
                numbered()
            ),
        ),
        Event::Concluded { .. } => ("已办结".into(), format!("“{item}”已办结，{}。", numbered())),
        Event::Delivered { delivery } => (
            "办理结果已送达".into(),
            match delivery {
                Delivery::Express { waybill } => {
                    format!("“{item}”的办理结果已快递寄出，运单号 {waybill}。")
                }
                Delivery::Pickup => format!("“{item}”的办理结果已在窗口领取。"),
                Delivery::Electronic => format!("“{item}”的办理结果已电子送达。"),
            },
        ),
        Event::Withdrawn { .. } => ("申请已撤回".into(), format!("“{item}”的申请已撤回。")),
        Event::Returned { reasons } => (
            "申请已退件".into(),
            format!("“{item}”已退件，理由：{reasons}"),
        ),
        _ => return None,
    })
}

impl Projection for Hall {
    fn event(&self, e: &Appended<'_>, batch: &mut WriteBatch) -> StoreResult<()> {
        if let Event::Submitted {
            application: Some(a),
            ..
        } = e.event
        {
            batch.add(
                sql!(
                    "UPDATE hall_applications SET case_id = :case_id, submitted_at = :at, updated_at = :at
                     WHERE id = :id AND case_id IS NULL"
                ),
                vec![
                    ("case_id", e.case_id.into()),
                    ("at", e.by.at.into()),
                    ("id", a.id.into()),
                ],
            )?;
        }
        match message(e) {
            Some((title, body)) => message_applicant(e, batch, title, body),
            None => Ok(()),
        }
    }
}

/// A message to the applicant's accounts, found by the id number the case was filed under (so
/// window cases reach them too); none when the case has no id number.
pub(super) fn message_applicant(
    e: &Appended<'_>,
    batch: &mut WriteBatch,
    title: String,
    body: String,
) -> StoreResult<()> {
    let Some(applicant) = e.after.applicant.as_ref() else {
        return Ok(());
    };
    if applicant.id_number.is_empty() {
        return Ok(());
    }
    batch.add(
        sql!(
            "INSERT INTO notifications (account_id, case_id, title, body, created_at)
             SELECT id, :case_id, :title, :body, :at FROM accounts
             WHERE kind <> 'staff' AND (resident_id = :id_number OR credit_code = :id_number)"
        ),
        vec![
            ("case_id", e.case_id.into()),
            ("title", title.into()),
            ("body", body.into()),
            ("at", e.by.at.into()),
            ("id_number", applicant.id_number.clone().into()),
        ],
    )
}

//! Findings of supervision (`findings`) that an event itself proves, such as a second
//! correction notice or a fee above the standard; raised only while their rule is switched on.
//! The deadline findings come from the sweeper.

use onewindow_domain::case::finding_of;

use super::{Appended, Projection};
use crate::StoreResult;
use crate::infra::batch::{WriteBatch, sql};

pub(crate) struct Findings;

impl Projection for Findings {
    fn event(&self, e: &Appended<'_>, batch: &mut WriteBatch) -> StoreResult<()> {
        let Some((rule, detail)) = finding_of(e.event, e.after) else {
            return Ok(());
        };
        batch.add(
            sql!(
                "INSERT INTO findings (rule_code, case_id, department_id, event_seq, detail, raised_on, raised_at)
                 SELECT :rule, :case_id, :department_id, :seq, :detail, :today, :at WHERE EXISTS
                    (SELECT 1 FROM finding_rules WHERE code = :rule AND enabled = 1)"
            ),
            vec![
                ("rule", rule.into()),
                ("case_id", e.case_id.into()),
                (
                    "department_id",
                    e.after.item.as_ref().map(|i| i.department_id).unwrap_or_default().into(),
                ),
                ("seq", e.seq.into()),
                ("detail", detail.into()),
                ("today", e.by.today.to_string().into()),
                ("at", e.by.at.into()),
            ],
        )
    }
}

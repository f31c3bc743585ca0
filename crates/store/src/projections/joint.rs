//! Investment projects (joint approval): a project stage is one joint case, and when that case
//! concludes its stage keeps the day, the working days the clock ran and whether it was within
//! the deadline, for the monthly bulletin. Only joint cases (with branches) can be a stage, so
//! a single item's conclusion adds no statement.

use super::{Change, Projection};
use crate::StoreResult;
use crate::infra::batch::{WriteBatch, sql};

pub(crate) struct ProjectStages;

impl Projection for ProjectStages {
    fn command(&self, c: &Change<'_>, batch: &mut WriteBatch) -> StoreResult<()> {
        let (Some(concluded), Some(item)) = (c.concluded_on, c.after.item.as_ref()) else {
            return Ok(());
        };
        if item.branches.is_empty() {
            return Ok(());
        }
        let on_time = c.after.due.is_none_or(|due| concluded <= due);
        batch.add(
            sql!(
                "UPDATE project_stages SET concluded_on = :concluded_on, days_used = :days_used,
                    on_time = :on_time WHERE case_id = :case_id"
            ),
            vec![
                ("concluded_on", concluded.to_string().into()),
                ("days_used", c.conclusion.map_or(0, |k| k.days_used).into()),
                ("on_time", i64::from(on_time).into()),
                ("case_id", c.case_id.into()),
            ],
        )
    }
}

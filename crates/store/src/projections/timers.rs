//! The deadlines supervision watches (`case_timers`, supervision): one row per running clock of
//! a case with its warning and due days, answerable to the case's department or, for a branch
//! of a joint case, to its co-department. A changed row is marked fresh for the next sweep.

use super::{Change, Projection};
use crate::infra::batch::{WriteBatch, sql};
use crate::{StoreError, StoreResult};

pub(crate) struct Timers;

impl Projection for Timers {
    fn command(&self, c: &Change<'_>, batch: &mut WriteBatch) -> StoreResult<()> {
        let timers_of = |state: &onewindow_domain::case::CaseState| {
            state
                .timers(c.cal, c.warn)
                .map_err(|e| StoreError::Config(e.to_string()))
        };
        let before = timers_of(c.before)?;
        let timers = timers_of(c.after)?;
        for gone in before
            .iter()
            .filter(|b| !timers.iter().any(|t| t.key() == b.key()))
        {
            batch.add(
                sql!("DELETE FROM case_timers WHERE case_id = :case_id AND kind = :kind"),
                vec![
                    ("case_id", c.case_id.into()),
                    ("kind", gone.key().into_owned().into()),
                ],
            )?;
        }
        for t in &timers {
            let mut args = vec![
                ("warn_on", t.warn_on.to_string().into()),
                ("due_on", t.due_on.to_string().into()),
                ("case_id", c.case_id.into()),
                ("kind", t.key().into_owned().into()),
            ];
            match before.iter().find(|b| b.key() == t.key()) {
                Some(b) if b == t => {}
                Some(_) => batch.add(
                    sql!(
                        "UPDATE case_timers SET warn_on = :warn_on, due_on = :due_on, fresh = 1
                         WHERE case_id = :case_id AND kind = :kind"
                    ),
                    args,
                )?,
                None => {
                    args.push((
                        "department_id",
                        t.department_id.unwrap_or(c.department()).into(),
                    ));
                    batch.add(
                        sql!(
                            "INSERT INTO case_timers (warn_on, due_on, case_id, kind, department_id)
                             VALUES (:warn_on, :due_on, :case_id, :kind, :department_id)"
                        ),
                        args,
                    )?
                }
            }
        }
        Ok(())
    }
}

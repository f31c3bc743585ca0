//! The open tasks of each case (`case_tasks`, case handling), one per line of the case, which
//! the inboxes, the workbench and supervision read. A task row is written only when it
//! changed, and then with only the columns that changed where an index covers them.

use super::{Change, Projection};
use crate::StoreResult;
use crate::infra::batch::{WriteBatch, sql};

pub(crate) struct Tasks;

impl Projection for Tasks {
    fn command(&self, c: &Change<'_>, batch: &mut WriteBatch) -> StoreResult<()> {
        let before = c.before.open_tasks();
        let after = c.after.open_tasks();
        let due_before = c.before.due.map(|d| d.to_string());
        let due = c.after.due.map(|d| d.to_string());
        for gone in before
            .iter()
            .filter(|b| !after.iter().any(|w| w.slot == b.slot))
        {
            batch.add(
                sql!("DELETE FROM case_tasks WHERE case_id = :case_id AND slot = :slot"),
                vec![
                    ("case_id", c.case_id.into()),
                    ("slot", i64::from(gone.slot).into()),
                ],
            )?;
        }
        for w in &after {
            let since = w.since.map(|d| d.to_string());
            match before.iter().find(|b| b.slot == w.slot) {
                None => batch.add(
                    sql!(
                        "INSERT INTO case_tasks (case_id, slot, department_id, role, assignee, what, since, due)
                         VALUES (:case_id, :slot, :department_id, :role, :assignee, :what, :since, :due)"
                    ),
                    vec![
                        ("case_id", c.case_id.into()),
                        ("slot", i64::from(w.slot).into()),
                        ("department_id", w.department_id.into()),
                        ("role", w.role.key().into()),
                        ("assignee", w.assignee.into()),
                        ("what", w.what.clone().into()),
                        ("since", since.into()),
                        ("due", due.clone().into()),
                    ],
                )?,
                // Same queue and assignee: the indexed columns stay as they are.
                Some(b) if (b.department_id, b.role, b.assignee) == (w.department_id, w.role, w.assignee) => {
                    if (&b.what, b.since, &due_before) != (&w.what, w.since, &due) {
                        batch.add(
                            sql!(
                                "UPDATE case_tasks SET what = :what, since = :since, due = :due
                                 WHERE case_id = :case_id AND slot = :slot"
                            ),
                            vec![
                                ("what", w.what.clone().into()),
                                ("since", since.into()),
                                ("due", due.clone().into()),
                                ("case_id", c.case_id.into()),
                                ("slot", i64::from(w.slot).into()),
                            ],
                        )?;
                    }
                }
                Some(_) => batch.add(
                    sql!(
                        "UPDATE case_tasks SET department_id = :department_id, role = :role, assignee = :assignee,
                            what = :what, since = :since, due = :due
                         WHERE case_id = :case_id AND slot = :slot"
                    ),
                    vec![
                        ("department_id", w.department_id.into()),
                        ("role", w.role.key().into()),
                        ("assignee", w.assignee.into()),
                        ("what", w.what.clone().into()),
                        ("since", since.into()),
                        ("due", due.clone().into()),
                        ("case_id", c.case_id.into()),
                        ("slot", i64::from(w.slot).into()),
                    ],
                )?,
            }
        }
        Ok(())
    }
}

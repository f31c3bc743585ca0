//! The open tasks of each case (`case_tasks`, case handling), one per line of the case, which
//! the inboxes, the workbench and supervision read. A task's id is made of its case and its
//! slot (`task_id`), so that each is reached by its key. A task row is written only when it
//! changed, and then with only the columns that changed where an index covers them.

use super::{Change, Projection};
use crate::StoreResult;
use crate::infra::batch::{WriteBatch, sql};
use onewindow_domain::ids::CaseId;

pub(crate) struct Tasks;

/// How many lines a case can have: a task's id is `case_id * SLOTS + slot`.
pub(crate) const SLOTS: i64 = 1024;

/// The id of the task on line `slot` of a case.
pub(crate) fn task_id(case_id: CaseId, slot: u16) -> StoreResult<i64> {
    let slot = i64::from(slot);
    case_id
        .get()
        .checked_mul(SLOTS)
        .filter(|_| slot < SLOTS)
        .and_then(|base| base.checked_add(slot))
        .ok_or_else(|| {
            crate::StoreError::Config(format!("no task id for case {case_id} slot {slot}"))
        })
}

impl Projection for Tasks {
    fn command(&self, c: &Change<'_>, batch: &mut WriteBatch) -> StoreResult<()> {
        let (before, after) = (&c.tasks_before, &c.tasks_after);
        let due_before = c.before.due.map(|d| d.to_string());
        let due = c.after.due.map(|d| d.to_string());
        for gone in before
            .iter()
            .filter(|b| !after.iter().any(|w| w.slot == b.slot))
        {
            batch.add(
                sql!("DELETE FROM case_tasks WHERE id = :id"),
                vec![("id", task_id(c.case_id, gone.slot)?.into())],
            )?;
        }
        for w in after {
            let since = w.since.map(|d| d.to_string());
            match before.iter().find(|b| b.slot == w.slot) {
                None => batch.add(
                    sql!(
                        "INSERT INTO case_tasks (id, case_id, slot, department_id, role, assignee, what, since, due)
                         VALUES (:id, :case_id, :slot, :department_id, :role, :assignee, :what, :since, :due)"
                    ),
                    vec![
                        ("id", task_id(c.case_id, w.slot)?.into()),
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
                                "UPDATE case_tasks SET what = :what, since = :since, due = :due WHERE id = :id"
                            ),
                            vec![
                                ("what", w.what.clone().into()),
                                ("since", since.into()),
                                ("due", due.clone().into()),
                                ("id", task_id(c.case_id, w.slot)?.into()),
                            ],
                        )?;
                    }
                }
                Some(_) => batch.add(
                    sql!(
                        "UPDATE case_tasks SET department_id = :department_id, role = :role, assignee = :assignee,
                            what = :what, since = :since, due = :due
                         WHERE id = :id"
                    ),
                    vec![
                        ("department_id", w.department_id.into()),
                        ("role", w.role.key().into()),
                        ("assignee", w.assignee.into()),
                        ("what", w.what.clone().into()),
                        ("since", since.into()),
                        ("due", due.clone().into()),
                        ("id", task_id(c.case_id, w.slot)?.into()),
                    ],
                )?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_id_names_its_case_and_line() {
        assert_eq!(task_id(CaseId(7), 0).unwrap(), 7 * SLOTS);
        assert_eq!(task_id(CaseId(7), 3).unwrap(), 7 * SLOTS + 3);
        assert!(
            task_id(CaseId(7), 1024).is_err(),
            "a slot beyond the id's room"
        );
        assert!(
            task_id(CaseId(i64::MAX / 2), 0).is_err(),
            "a case id beyond the id's room"
        );
    }
}

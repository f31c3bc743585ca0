//! The case's own row (`cases`, case handling): the folded state, the chain's head and the
//! columns the lists filter and sort on. The row itself is inserted when the case opens
//! (`cases::insert_case`), before its first events.

use super::{Change, Projection};
use crate::infra::batch::{Val, WriteBatch, sql};
use crate::{StoreError, StoreResult, now_ms};

pub(crate) struct CaseRow;

impl Projection for CaseRow {
    fn command(&self, c: &Change<'_>, batch: &mut WriteBatch) -> StoreResult<()> {
        let state = c.after;
        let snapshot =
            serde_json::to_string(state).map_err(|e| StoreError::Config(e.to_string()))?;
        let step_name = c.tasks_after.first().map(|w| w.what.clone());
        let mut row: Vec<(&'static str, Val)> = vec![
            ("query_code", state.query_code.clone().into()),
            (
                "accepted_on",
                state.accepted_on.map(|d| d.to_string()).into(),
            ),
            ("due", state.due.map(|d| d.to_string()).into()),
            ("version", (state.version as i64).into()),
            ("head", c.head.into()),
            ("updated_at", now_ms().max(c.by.at).into()),
            ("state", snapshot.into()),
            ("step_name", step_name.into()),
            ("assignee", state.assignee.into()),
            ("paused", state.paused.is_some().into()),
            ("concluded_on", c.concluded_on.map(|d| d.to_string()).into()),
            ("accepted_by", c.accepted_by.into()),
            ("days_used", c.conclusion.map(|k| k.days_used).into()),
            (
                "accurate",
                c.conclusion.map(|k| i64::from(k.accurate)).into(),
            ),
            ("case_id", c.case_id.into()),
        ];
        // The indexed stage and case number only when they change: rewriting an index entry
        // costs a page even when the value is the same.
        let indexed = c.before.version == 0
            || state.stage() != c.before.stage()
            || state.case_no != c.before.case_no;
        if indexed {
            row.push(("stage", state.stage().key().into()));
            row.push(("case_no", state.case_no.clone().into()));
            batch.add(
                sql!(
                    "UPDATE cases SET query_code = :query_code, accepted_on = :accepted_on, due = :due,
                        version = :version, head_hash = :head, updated_at = :updated_at, state = :state,
                        step_name = :step_name, assignee = :assignee, paused = :paused,
                        concluded_on = COALESCE(:concluded_on, concluded_on),
                        accepted_by = COALESCE(:accepted_by, accepted_by),
                        days_used = COALESCE(:days_used, days_used), accurate = COALESCE(:accurate, accurate),
                        stage = :stage, case_no = :case_no
                     WHERE id = :case_id"
                ),
                row,
            )?;
        } else {
            batch.add(
                sql!(
                    "UPDATE cases SET query_code = :query_code, accepted_on = :accepted_on, due = :due,
                        version = :version, head_hash = :head, updated_at = :updated_at, state = :state,
                        step_name = :step_name, assignee = :assignee, paused = :paused,
                        concluded_on = COALESCE(:concluded_on, concluded_on),
                        accepted_by = COALESCE(:accepted_by, accepted_by),
                        days_used = COALESCE(:days_used, days_used), accurate = COALESCE(:accurate, accurate)
                     WHERE id = :case_id"
                ),
                row,
            )?;
        }
        // At acceptance, the window the accepting clerk sits at (a statement of its own, run
        // only then: a subquery in the UPDATE above would cost every command).
        if let Some(clerk) = c.accepted_by {
            batch.add(
                sql!(
                    "UPDATE cases SET accepted_window =
                        (SELECT ws.window_id FROM staff s JOIN window_staff ws ON ws.staff_id = s.id
                         WHERE s.account_id = :clerk)
                     WHERE id = :case_id"
                ),
                vec![("clerk", clerk.into()), ("case_id", c.case_id.into())],
            )?;
        }
        Ok(())
    }
}

//! Read models fed by case events. The case writer appends a command's events and then hands
//! them, in the same transaction, to each projection here; each owns its tables and writes
//! only what changed (every index entry rewritten costs a page). A context that reacts to case
//! events adds a projection to `PROJECTIONS`; the writer does not change.

mod case_row;
mod findings;
mod hall;
mod joint;
mod reviews;
mod rollups;
mod tasks;
mod timers;

pub(crate) use tasks::{SLOTS, task_id};

use chrono::NaiveDate;
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::case::{CaseState, Event, WarnThreshold, Work};
use onewindow_domain::ids::{AccountId, CaseId, DepartmentId};

use crate::StoreResult;
use crate::case::log::Provenance;
use crate::infra::batch::WriteBatch;

/// One appended event, with the case's state right after it.
pub(crate) struct Appended<'a> {
    pub case_id: CaseId,
    pub seq: i64,
    pub event: &'a Event,
    pub after: &'a CaseState,
    pub by: &'a Provenance<'a>,
}

/// A command's events once appended: the case before and after them, and what they settle.
pub(crate) struct Change<'a> {
    pub case_id: CaseId,
    pub before: &'a CaseState,
    pub after: &'a CaseState,
    pub events: &'a [Event],
    /// The chain's head after the events.
    pub head: &'a str,
    /// The case's open tasks before and after the events (several projections read them).
    pub tasks_before: Vec<Work>,
    pub tasks_after: Vec<Work>,
    pub by: &'a Provenance<'a>,
    pub cal: &'a WorkCalendar,
    pub warn: &'a WarnThreshold,
    /// The account that accepted the case, when these events accept it.
    pub accepted_by: Option<AccountId>,
    /// The day these events conclude the case, when they do.
    pub concluded_on: Option<NaiveDate>,
    /// The figures of a conclusion of an accepted case.
    pub conclusion: Option<Conclusion>,
}

/// What a conclusion settles for the figures: the working days the clock ran, and whether the
/// case went through without a return or a correction notice (准确率).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Conclusion {
    pub days_used: i64,
    pub accurate: bool,
}

impl Change<'_> {
    /// The department whose figures and timers the case counts in.
    pub fn department(&self) -> DepartmentId {
        self.after
            .item
            .as_ref()
            .map(|i| i.department_id)
            .unwrap_or_default()
    }
}

/// A read model of case events.
pub(crate) trait Projection: Sync {
    /// Called for each event as it is appended.
    fn event(&self, _appended: &Appended<'_>, _batch: &mut WriteBatch) -> StoreResult<()> {
        Ok(())
    }
    /// Called once for the command, after its events.
    fn command(&self, _change: &Change<'_>, _batch: &mut WriteBatch) -> StoreResult<()> {
        Ok(())
    }
}

/// Every projection, in the order their statements run.
pub(crate) const PROJECTIONS: &[&dyn Projection] = &[
    &case_row::CaseRow,
    &tasks::Tasks,
    &timers::Timers,
    &rollups::Rollups,
    &findings::Findings,
    &hall::Hall,
    &joint::ProjectStages,
    &reviews::Reviews,
];

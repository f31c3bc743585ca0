//! 办件: the case aggregate. `decide` turns a command into events or refuses it naming the
//! rule; `apply` folds events into state. Pure: time, ids, the actor and the calendar come in
//! through `Ctx`, and every computed fact (case number, deadline) is recorded in the event.

mod bounds;
mod decide;
#[cfg(test)]
mod hostile_tests;
mod joint;
#[cfg(test)]
mod joint_tests;
mod model;
#[cfg(test)]
mod review_tests;
mod schedule;
mod state;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarError, WorkCalendar};
pub use crate::catalog::CaseType;
pub use crate::ids::{AccountId, CaseId, DepartmentId, ItemId, StaffId};
use crate::org::{FieldErrors, Power, Role};
pub use crate::reviews::{BadReviewDue, Rating, ReviewPolicy};

pub use bounds::{MAX_FEE_FEN, MAX_LIST, MAX_NAME, MAX_TEXT, is_text_char};
pub use decide::{available_commands, decide, finding_of};
pub use joint::*;
use model::rule;
pub use model::*;
pub use schedule::*;
pub use state::*;

crate::actions! {
    /// What may be asked of case handling; the case aggregate then decides each command.
    pub enum CaseAction {
        /// Submit an application and act on one's own cases (applicants; the aggregate checks
        /// ownership and every rule).
        Apply => Write,
        /// See the cases of a department (staff of it, centre-wide roles, comprehensive windows).
        View => Read,
        /// Act on cases at the workbench or report them from a department's own system; the
        /// aggregate decides each command by role, department, A/B post and granted powers.
        Handle => Write,
    }
}

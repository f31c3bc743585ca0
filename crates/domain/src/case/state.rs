//! `CaseState` and `apply`: the fold of a case's events into what `decide` needs to know.

use super::*;

/// The state folded from a case's events.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseState {
    pub stage: Option<Stage>,
    pub channel: Option<Channel>,
    pub item: Option<ItemRef>,
    pub applicant: Option<Applicant>,
    pub materials: Vec<String>,
    pub case_no: Option<String>,
    pub query_code: Option<String>,
    pub accepted_on: Option<NaiveDate>,
    /// The deadline, moved by pauses and extensions.
    pub due: Option<NaiveDate>,
    pub current_step: usize,
    /// When the current step began (acceptance, or the previous step's completion).
    pub step_since: Option<NaiveDate>,
    /// Working days the clock stood still during the current step (they extend its limit).
    #[serde(default)]
    pub step_paused_days: u32,
    pub assignee: Option<StaffId>,
    pub paused: Option<Pause>,
    pub supplement_notices: u32,
    /// What the open one-time notice asks for (empty when none is open).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asked: Vec<Missing>,
    pub pending_deficiencies: Vec<String>,
    pub deficiency_supply_by: Option<NaiveDate>,
    pub pledge_verify_by: Option<NaiveDate>,
    /// The verification of the pledge, once done: the day and whether it held.
    #[serde(default)]
    pub pledge_check: Option<PledgeCheck>,
    pub extended_days: u32,
    pub paused_days: u32,
    pub decision: Option<Decision>,
    pub fee_collected: bool,
    pub returns: u32,
    /// The branches of a joint case (并联审批), in the order of the item's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<BranchState>,
    /// Reviews given (一事一评 and its follow-up).
    #[serde(default)]
    pub reviews: u32,
    /// Number of events applied; commands name the version they expect.
    pub version: u64,
}

impl CaseState {
    pub fn stage(&self) -> Stage {
        self.stage.unwrap_or(Stage::New)
    }

    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> CaseState {
        let mut s = CaseState::default();
        for e in events {
            s.apply(e);
        }
        s
    }

    /// Whether the applicant may rate the case now: it is over and has not been rated and
    /// followed up yet (一事一评, once and one 追评).
    pub fn awaits_review(&self) -> bool {
        self.stage().is_rateable() && self.reviews < 2
    }

    /// Working days left until the deadline (negative when overdue); None when no clock runs.
    pub fn remaining_days(
        &self,
        today: NaiveDate,
        cal: &WorkCalendar,
    ) -> Result<Option<i64>, CalendarError> {
        match (self.due, self.stage()) {
            (Some(due), Stage::InReview | Stage::Decided) if self.paused.is_none() => {
                Ok(Some(cal.remaining_working_days(today, due)?))
            }
            _ => Ok(None),
        }
    }

    /// Who has to act next, one task per line of the case, for the inboxes; empty once the
    /// case is closed. A case handled by one department has one line (slot 0); a joint case
    /// adds a line per co-department.
    pub fn open_tasks(&self) -> Vec<Work> {
        let Some(item) = self.item.as_ref() else {
            return Vec::new();
        };
        let at = |what: &str, role: Role, department_id: DepartmentId| {
            vec![Work {
                slot: 0,
                what: what.to_owned(),
                role,
                department_id,
                assignee: self.assignee,
                since: self.step_since,
            }]
        };
        match (self.stage(), &self.paused) {
            (Stage::Submitted | Stage::InReview, Some(Pause::Supplement { .. })) => {
                at("等待补正", Role::Clerk, item.department_id)
            }
            (Stage::Submitted, _) => at("受理", Role::Clerk, item.department_id),
            (Stage::InReview, _) => {
                let mut lines = match item.steps.get(self.current_step) {
                    _ if self.awaiting_signatures() => {
                        at("等待会办部门会签", Role::Approver, item.department_id)
                    }
                    Some(step) => at(&step.name, step.role, step.department_id),
                    None => at("决定", Role::Approver, item.department_id),
                };
                lines.extend(self.branch_tasks(item));
                lines
            }
            (Stage::Decided, _) => at("办结", Role::Approver, item.department_id),
            (Stage::Concluded, _) => at("送达", Role::Clerk, item.department_id),
            _ => Vec::new(),
        }
    }

    /// The deadlines supervision watches, each with the day its warning starts.
    pub fn timers(
        &self,
        cal: &WorkCalendar,
        warn: &WarnThreshold,
    ) -> Result<Vec<Timer>, CalendarError> {
        let mut timers = Vec::new();
        let (Some(item), Some(accepted_on)) = (self.item.as_ref(), self.accepted_on) else {
            return Ok(timers);
        };
        let clock_runs =
            matches!(self.stage(), Stage::InReview | Stage::Decided) && self.paused.is_none();
        if clock_runs && let Some(due) = self.due {
            let total = item.promised_days + self.paused_days + self.extended_days;
            let warn_days = warn
                .days_before(item.promised_days + self.extended_days)
                .min(total);
            timers.push(Timer {
                kind: TimerKind::Case,
                slot: 0,
                department_id: None,
                warn_on: cal.add_working_days(accepted_on, total - warn_days)?,
                due_on: due,
            });
        }
        if clock_runs
            && self.stage() == Stage::InReview
            && let (Some(step), Some(since)) = (item.steps.get(self.current_step), self.step_since)
            && step.limit_days > 0
        {
            let limit = step.limit_days + self.step_paused_days;
            let warn_days = warn.days_before(step.limit_days).min(limit);
            timers.push(Timer {
                kind: TimerKind::Step,
                slot: 0,
                department_id: None,
                warn_on: cal.add_working_days(since, limit - warn_days)?,
                due_on: cal.add_working_days(since, limit)?,
            });
        }
        if clock_runs && self.stage() == Stage::InReview {
            timers.extend(self.branch_timers(item, cal, warn)?);
        }
        if !self.stage().is_closed()
            && !self.pending_deficiencies.is_empty()
            && let Some(by) = self.deficiency_supply_by
        {
            timers.push(Timer {
                kind: TimerKind::Deficiency,
                slot: 0,
                department_id: None,
                warn_on: by,
                due_on: by,
            });
        }
        if let Some(by) = self.pledge_verify_by
            && self.pledge_check.is_none()
        {
            timers.push(Timer {
                kind: TimerKind::PledgeVerification,
                slot: 0,
                department_id: None,
                warn_on: by,
                due_on: by,
            });
        }
        Ok(timers)
    }

    /// Acceptance, plain or 容缺: numbered, in review from that day under its deadline, and
    /// no longer waiting on a supplement (a notice answered by acceptance ends its pause).
    fn accepted(&mut self, case_no: &str, query_code: &str, on: NaiveDate, due: NaiveDate) {
        self.stage = Some(Stage::InReview);
        self.case_no = Some(case_no.to_owned());
        self.query_code = Some(query_code.to_owned());
        self.accepted_on = Some(on);
        self.step_since = Some(on);
        self.due = Some(due);
        self.paused = None;
        self.asked.clear();
    }

    pub fn apply(&mut self, event: &Event) {
        self.version += 1;
        match event {
            Event::Submitted {
                channel,
                item,
                applicant,
                materials,
                ..
            } => {
                self.stage = Some(Stage::Submitted);
                self.channel = Some(*channel);
                self.item = Some(item.as_ref().clone());
                self.applicant = Some(applicant.clone());
                self.materials = materials.clone();
            }
            Event::Accepted {
                case_no,
                query_code,
                accepted_on,
                due,
            } => self.accepted(case_no, query_code, *accepted_on, *due),
            Event::AcceptedWithDeficiencies {
                case_no,
                query_code,
                accepted_on,
                due,
                pending,
                supply_by,
                ..
            } => {
                self.accepted(case_no, query_code, *accepted_on, *due);
                self.pending_deficiencies = pending.clone();
                self.deficiency_supply_by = Some(*supply_by);
            }
            Event::AcceptanceRefused { .. } => self.stage = Some(Stage::Refused),
            Event::ApprovedOnPledge { verify_by, .. } => self.pledge_verify_by = Some(*verify_by),
            Event::PledgeVerified { on, truthful, .. } => {
                self.pledge_check = Some(PledgeCheck {
                    on: *on,
                    truthful: *truthful,
                });
            }
            Event::SupplementRequested {
                missing,
                since,
                case_no,
                query_code,
                ..
            } => {
                self.supplement_notices += 1;
                self.asked = missing.clone();
                self.paused = Some(Pause::Supplement { since: *since });
                if case_no.is_some() {
                    self.case_no = case_no.clone();
                    self.query_code = query_code.clone();
                }
            }
            Event::SupplementReceived {
                paused_days,
                due,
                materials,
                ..
            } => {
                self.paused = None;
                self.asked.clear();
                self.paused_days += paused_days;
                self.step_paused_days += paused_days;
                if self.due.is_some()
                    && let Some(due) = due
                {
                    self.due = Some(*due);
                }
                for m in materials {
                    if !self.materials.contains(m) {
                        self.materials.push(m.clone());
                    }
                }
            }
            Event::SpecialProcedureEnded {
                paused_days, due, ..
            } => {
                self.paused = None;
                self.paused_days += paused_days;
                self.step_paused_days += paused_days;
                if self.due.is_some() {
                    self.due = Some(*due);
                }
            }
            Event::DeficiencySupplied { material } | Event::DeficiencyWaived { material, .. } => {
                self.pending_deficiencies.retain(|m| m != material);
            }
            Event::StepCompleted { step, on, .. } => {
                self.current_step = step + 1;
                self.step_since = Some(*on);
                self.step_paused_days = 0;
                self.assignee = None;
            }
            Event::StepReturned { to_step, on, .. } => {
                self.current_step = *to_step;
                self.step_since = Some(*on);
                self.step_paused_days = 0;
                self.returns += 1;
                self.assignee = None;
            }
            Event::Reassigned { staff_id, .. } => self.assignee = Some(*staff_id),
            Event::SpecialProcedureStarted {
                name,
                excluded,
                since,
            } => {
                if *excluded {
                    self.paused = Some(Pause::Special {
                        name: name.clone(),
                        since: *since,
                    });
                }
            }
            Event::Extended { days, due, .. } => {
                self.extended_days += days;
                self.due = Some(*due);
            }
            Event::Decided { decision } => {
                self.stage = Some(Stage::Decided);
                self.decision = Some(decision.clone());
            }
            Event::FeeCollected { .. } => self.fee_collected = true,
            Event::Concluded { .. } => self.stage = Some(Stage::Concluded),
            Event::Delivered { .. } => self.stage = Some(Stage::Delivered),
            Event::Withdrawn { .. } => self.stage = Some(Stage::Withdrawn),
            Event::Returned { .. } => self.stage = Some(Stage::Returned),
            Event::BranchesSent { .. }
            | Event::BranchStepCompleted { .. }
            | Event::BranchReturned { .. }
            | Event::BranchResent { .. }
            | Event::BranchSupplementAsked { .. } => {}
            Event::Reviewed { .. } => self.reviews += 1,
        }
        self.apply_joint(event);
    }
}

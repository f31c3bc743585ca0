//! 并联审批: the branches of a joint case. The lead department accepts once and every
//! co-department's branch starts that day (即时分送); each branch runs its own steps under its
//! own limit inside the joint deadline; a branch's supplement requests are gathered by the lead
//! into the case's one notice; the decision waits until every branch has signed (一表审签).

use super::decide::require_text;
use super::*;

/// Where one branch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchStatus {
    /// The case has not been accepted yet: nothing sent.
    Waiting,
    /// Under review by the co-department.
    Open,
    /// Its last step done: the department's opinion is signed (已会签).
    Signed,
    /// Sent back to the lead department, waiting to be sent again.
    Returned,
}

impl BranchStatus {
    pub fn label(self) -> &'static str {
        match self {
            BranchStatus::Waiting => "待分送",
            BranchStatus::Open => "审查中",
            BranchStatus::Signed => "已会签",
            BranchStatus::Returned => "已退回牵头部门",
        }
    }
}

/// A branch's opinion at one of its steps, as the joint signing form prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchOpinion {
    pub step: usize,
    pub opinion: String,
    pub on: NaiveDate,
}

/// The fold of one branch's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchState {
    pub status: BranchStatus,
    pub step: usize,
    /// When the branch was (last) sent to the co-department.
    pub sent_on: Option<NaiveDate>,
    /// When its current step began.
    pub step_since: Option<NaiveDate>,
    /// Working days the whole case stood still while this branch was open (they extend its
    /// limit and are not counted against the department).
    pub paused_days: u32,
    pub signed_on: Option<NaiveDate>,
    pub opinions: Vec<BranchOpinion>,
    /// What this branch asked the applicant to supplement, not yet in a notice.
    pub asked: Vec<Missing>,
    /// The reasons of the last return to the lead department.
    pub returned: Option<String>,
}

impl BranchState {
    fn new() -> BranchState {
        BranchState {
            status: BranchStatus::Waiting,
            step: 0,
            sent_on: None,
            step_since: None,
            paused_days: 0,
            signed_on: None,
            opinions: Vec::new(),
            asked: Vec::new(),
            returned: None,
        }
    }

    fn sent(&mut self, on: NaiveDate) {
        self.status = BranchStatus::Open;
        self.step = 0;
        self.sent_on = Some(on);
        self.step_since = Some(on);
        self.paused_days = 0;
        self.signed_on = None;
        self.returned = None;
    }

    /// The day the branch must sign by: its limit from the day it was sent, moved by the
    /// case's pauses while it was open.
    pub fn due(
        &self,
        branch: &BranchRef,
        cal: &WorkCalendar,
    ) -> Result<Option<NaiveDate>, CalendarError> {
        match self.sent_on {
            Some(on) => Ok(Some(cal.add_working_days(
                on,
                branch.limit_days.saturating_add(self.paused_days),
            )?)),
            None => Ok(None),
        }
    }

    /// Working days the department has used: from sending to signing (or to `today` while
    /// open), less the days the case stood still.
    pub fn days_used(
        &self,
        today: NaiveDate,
        cal: &WorkCalendar,
    ) -> Result<Option<u32>, CalendarError> {
        let Some(on) = self.sent_on else {
            return Ok(None);
        };
        let until = self.signed_on.unwrap_or(today);
        let days = cal.working_days_between(on, until.max(on))?;
        Ok(Some(days.saturating_sub(self.paused_days)))
    }
}

impl CaseState {
    /// Folds the branch events into the case's state.
    pub(super) fn apply_joint(&mut self, event: &Event) {
        match event {
            Event::Submitted { item, .. } => {
                self.branches = item.branches.iter().map(|_| BranchState::new()).collect();
            }
            Event::BranchesSent { on } => {
                for b in &mut self.branches {
                    b.sent(*on);
                }
            }
            Event::BranchStepCompleted {
                branch,
                step,
                opinion,
                on,
            } => {
                let steps = self
                    .item
                    .as_ref()
                    .and_then(|i| i.branches.get(*branch))
                    .map_or(0, |b| b.steps.len());
                if let Some(b) = self.branches.get_mut(*branch) {
                    b.opinions.push(BranchOpinion {
                        step: *step,
                        opinion: opinion.clone(),
                        on: *on,
                    });
                    b.step = step + 1;
                    b.step_since = Some(*on);
                    if b.step >= steps {
                        b.status = BranchStatus::Signed;
                        b.signed_on = Some(*on);
                    }
                }
            }
            Event::BranchReturned {
                branch, reasons, ..
            } => {
                if let Some(b) = self.branches.get_mut(*branch) {
                    b.status = BranchStatus::Returned;
                    b.returned = Some(reasons.clone());
                    b.asked.clear();
                }
            }
            Event::BranchResent { branch, on, .. } => {
                if let Some(b) = self.branches.get_mut(*branch) {
                    b.sent(*on);
                }
            }
            Event::BranchSupplementAsked { branch, missing } => {
                if let Some(b) = self.branches.get_mut(*branch) {
                    b.asked = missing.clone();
                }
            }
            // The lead's notice carries every branch's list.
            Event::SupplementRequested { .. } => {
                for b in &mut self.branches {
                    b.asked.clear();
                }
            }
            // The pause extends every open branch's limit.
            Event::SupplementReceived { paused_days, .. }
            | Event::SpecialProcedureEnded { paused_days, .. } => {
                for b in self
                    .branches
                    .iter_mut()
                    .filter(|b| b.status == BranchStatus::Open)
                {
                    b.paused_days += paused_days;
                }
            }
            _ => {}
        }
    }

    /// Whether the lead department has reached its decision (the approver's last step, or
    /// past the steps) and waits for co-departments to sign.
    pub fn awaiting_signatures(&self) -> bool {
        let Some(item) = self.item.as_ref() else {
            return false;
        };
        let deciding = self.current_step + 1 >= item.steps.len()
            && item
                .steps
                .get(self.current_step)
                .is_none_or(|s| s.role == Role::Approver);
        self.stage() == Stage::InReview && deciding && !self.unsigned_branches().is_empty()
    }

    /// The branches not yet signed, by department, for the decision's refusal.
    pub fn unsigned_branches(&self) -> Vec<String> {
        let Some(item) = self.item.as_ref() else {
            return Vec::new();
        };
        item.branches
            .iter()
            .zip(&self.branches)
            .filter(|(_, s)| s.status != BranchStatus::Signed)
            .map(|(b, _)| b.label())
            .collect()
    }

    /// What the co-departments asked for, not yet in a notice, each named with its department.
    pub fn gathered_supplements(&self) -> Vec<Missing> {
        let Some(item) = self.item.as_ref() else {
            return Vec::new();
        };
        let mut all: Vec<Missing> = Vec::new();
        for (b, s) in item.branches.iter().zip(&self.branches) {
            for m in &s.asked {
                let reason = format!("{}（{}）", m.reason, b.label());
                match all
                    .iter_mut()
                    .find(|x| x.material == m.material && x.field == m.field)
                {
                    Some(x) => x.reason = format!("{}；{reason}", x.reason),
                    None => all.push(Missing {
                        reason,
                        ..m.clone()
                    }),
                }
            }
        }
        all
    }

    /// The limits of the open branches, each watched against its co-department.
    pub(super) fn branch_timers(
        &self,
        item: &ItemRef,
        cal: &WorkCalendar,
        warn: &WarnThreshold,
    ) -> Result<Vec<Timer>, CalendarError> {
        let mut timers = Vec::new();
        for (i, (b, s)) in item.branches.iter().zip(&self.branches).enumerate() {
            let (BranchStatus::Open, Some(on)) = (s.status, s.sent_on) else {
                continue;
            };
            if b.limit_days == 0 {
                continue;
            }
            let limit = b.limit_days.saturating_add(s.paused_days);
            let warn_days = warn.days_before(b.limit_days).min(limit);
            timers.push(Timer {
                kind: TimerKind::Branch,
                slot: u16::try_from(i + 1).unwrap_or(u16::MAX),
                department_id: Some(b.department_id),
                warn_on: cal.add_working_days(on, limit - warn_days)?,
                due_on: cal.add_working_days(on, limit)?,
            });
        }
        Ok(timers)
    }

    /// The open tasks of the branches, on slots 1.. of the case.
    pub(super) fn branch_tasks(&self, item: &ItemRef) -> Vec<Work> {
        if self.stage() != Stage::InReview || self.paused.is_some() {
            return Vec::new();
        }
        item.branches
            .iter()
            .zip(&self.branches)
            .enumerate()
            .filter_map(|(i, (b, s))| {
                let step = b.steps.get(s.step)?;
                (s.status == BranchStatus::Open).then(|| Work {
                    slot: u16::try_from(i + 1).unwrap_or(u16::MAX),
                    what: format!("并联审批·{}", step.name),
                    role: step.role,
                    department_id: b.department_id,
                    assignee: None,
                    since: s.step_since,
                })
            })
            .collect()
    }
}

/// The events of a branch command, or the rule it breaks.
pub(super) fn decide_branch(
    state: &CaseState,
    command: &Command,
    ctx: &Ctx,
) -> Result<Vec<Event>, CaseError> {
    let stage = state.stage();
    if stage != Stage::InReview {
        return Err(CaseError::WrongStage(stage.label()));
    }
    let item = state
        .item
        .as_ref()
        .ok_or(CaseError::WrongStage(stage.label()))?;
    let actor = ctx.actor;
    let branch_of = |branch: usize| -> Result<(&BranchRef, &BranchState), CaseError> {
        match (item.branches.get(branch), state.branches.get(branch)) {
            (Some(r), Some(s)) => Ok((r, s)),
            _ => Err(CaseError::Invalid {
                field: "branch".into(),
                message: "本办件没有该会办部门".into(),
            }),
        }
    };
    let not_paused = || {
        if state.paused.is_some() {
            Err(rule("办件处于暂停计时状态，须先结束补正或特别程序"))
        } else {
            Ok(())
        }
    };
    let open = |s: &BranchState| {
        if s.status == BranchStatus::Open {
            Ok(())
        } else {
            Err(CaseError::WrongStage(s.status.label()))
        }
    };
    let of_branch =
        |r: &BranchRef| actor.is_staff() && actor.department_id == Some(r.department_id);
    match command {
        Command::CompleteBranchStep { branch, opinion } => {
            let (r, s) = branch_of(*branch)?;
            open(s)?;
            not_paused()?;
            let step = r
                .steps
                .get(s.step)
                .ok_or(CaseError::WrongStage(s.status.label()))?;
            if !(of_branch(r) && actor.has(step.role)) {
                return Err(CaseError::NotAllowed("当前会办环节不由您办理"));
            }
            require_text(opinion, "会办意见")?;
            Ok(vec![Event::BranchStepCompleted {
                branch: *branch,
                step: s.step,
                opinion: opinion.clone(),
                on: ctx.today,
            }])
        }
        Command::ReturnBranch { branch, reasons } => {
            let (r, s) = branch_of(*branch)?;
            open(s)?;
            if !of_branch(r) {
                return Err(CaseError::NotAllowed("只有会办部门可以退回牵头部门"));
            }
            require_text(reasons, "退回理由")?;
            Ok(vec![Event::BranchReturned {
                branch: *branch,
                reasons: reasons.clone(),
                on: ctx.today,
            }])
        }
        Command::ResendBranch { branch, note } => {
            let (_, s) = branch_of(*branch)?;
            if s.status != BranchStatus::Returned {
                return Err(CaseError::WrongStage(s.status.label()));
            }
            if !(actor.is_staff() && actor.department_id == Some(item.department_id)) {
                return Err(CaseError::NotAllowed("只有牵头部门可以重新分送"));
            }
            require_text(note, "处理说明")?;
            Ok(vec![Event::BranchResent {
                branch: *branch,
                note: note.clone(),
                on: ctx.today,
            }])
        }
        Command::AskBranchSupplement { branch, missing } => {
            let (r, s) = branch_of(*branch)?;
            open(s)?;
            not_paused()?;
            if !of_branch(r) {
                return Err(CaseError::NotAllowed("只有会办部门可以提出补正意见"));
            }
            if missing.is_empty()
                || missing
                    .iter()
                    .any(|m| m.material.trim().is_empty() || m.reason.trim().is_empty())
            {
                return Err(rule("补正意见须逐项列明缺少或有误的材料及原因"));
            }
            Ok(vec![Event::BranchSupplementAsked {
                branch: *branch,
                missing: missing.clone(),
            }])
        }
        _ => Err(CaseError::WrongStage(stage.label())),
    }
}

/// The branch commands `ctx.actor` may give now, by branch, as the aggregate judges them.
pub fn branch_commands(state: &CaseState, ctx: &Ctx) -> Vec<(usize, &'static str)> {
    let text = || "-".to_owned();
    let mut out = Vec::new();
    for branch in 0..state.branches.len() {
        let candidates = [
            (
                "complete_branch_step",
                Command::CompleteBranchStep {
                    branch,
                    opinion: text(),
                },
            ),
            (
                "ask_branch_supplement",
                Command::AskBranchSupplement {
                    branch,
                    missing: vec![Missing::material(text(), text())],
                },
            ),
            (
                "return_branch",
                Command::ReturnBranch {
                    branch,
                    reasons: text(),
                },
            ),
            (
                "resend_branch",
                Command::ResendBranch {
                    branch,
                    note: text(),
                },
            ),
        ];
        for (name, command) in candidates {
            if decide_branch(state, &command, ctx).is_ok() {
                out.push((branch, name));
            }
        }
    }
    out
}

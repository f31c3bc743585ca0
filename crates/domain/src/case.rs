//! 办件: the case aggregate. `decide` turns a command into events or refuses it naming the
//! rule; `apply` folds events into state. Pure: time, ids, the actor and the calendar come in
//! through `Ctx`, and every computed fact (case number, deadline) is recorded in the event.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarError, WorkCalendar};
use crate::org::{Power, Role};

/// The item version a case is filed under, as far as handling needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRef {
    pub item_id: i64,
    pub version: i64,
    pub name: String,
    pub department_id: i64,
    /// A.6: "1" 即办件, "2" 承诺件.
    pub case_type: String,
    pub promised_days: u32,
    pub statutory_days: u32,
    pub steps: Vec<StepRef>,
    /// Sum of the fee standards, in fen.
    pub fee_standard_fen: u64,
    pub materials: Vec<MaterialRef>,
    /// The region whose working-day calendar applies (the department's centre).
    #[serde(default)]
    pub region_code: String,
    /// The item may be applied for online only: its handling forms (A.5) leave out 窗口办理.
    #[serde(default)]
    pub online_only: bool,
}

impl ItemRef {
    /// What handling needs of a published catalogue version.
    pub fn from_doc(
        item_id: i64,
        version: i64,
        doc: &crate::catalog::ItemDoc,
        region_code: &str,
    ) -> ItemRef {
        ItemRef {
            item_id,
            version,
            name: doc.name.clone(),
            department_id: doc.department_id,
            case_type: doc.case_type.clone(),
            promised_days: doc.promised_limit_days,
            statutory_days: doc.statutory_limit_days,
            steps: doc
                .steps
                .iter()
                .map(|s| StepRef {
                    name: s.name.clone(),
                    role: s.role.parse().unwrap_or(Role::Reviewer),
                    department_id: s.department_id,
                    limit_days: s.limit_days,
                })
                .collect(),
            fee_standard_fen: doc.fees.iter().map(|f| f.standard_fen).sum(),
            materials: doc
                .materials
                .iter()
                .map(|m| MaterialRef {
                    name: m.name.clone(),
                    required: m.requirement == "required",
                    deficiency_allowed: m.deficiency_allowed,
                })
                .collect(),
            region_code: region_code.to_owned(),
            online_only: !doc.handling_forms.iter().any(|f| f == "1"),
        }
    }

    /// The name of step `i`, or 决定 once every step is done.
    pub fn step_name(&self, i: usize) -> &str {
        self.steps.get(i).map_or("决定", |s| s.name.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRef {
    pub name: String,
    pub role: Role,
    pub department_id: i64,
    pub limit_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialRef {
    pub name: String,
    pub required: bool,
    pub deficiency_allowed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    /// individual or company.
    pub kind: String,
    pub name: String,
    /// A validated resident id or credit code.
    pub id_number: String,
    pub mobile: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Window,
    Online,
}

impl Channel {
    pub fn key(self) -> &'static str {
        match self {
            Channel::Window => "window",
            Channel::Online => "online",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Channel::Window => "窗口",
            Channel::Online => "网上",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Delivery {
    Pickup,
    Express { waybill: String },
    Electronic,
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Nothing yet.
    New,
    /// Submitted, waiting for acceptance (待受理).
    Submitted,
    /// Accepted and under review (审查中); the clock runs unless paused.
    InReview,
    /// Decided (准予 / 不予), waiting for conclusion.
    Decided,
    Concluded,
    Delivered,
    /// 不予受理.
    Refused,
    /// 撤回 by the applicant.
    Withdrawn,
    /// 退件.
    Returned,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::New,
        Stage::Submitted,
        Stage::InReview,
        Stage::Decided,
        Stage::Concluded,
        Stage::Delivered,
        Stage::Refused,
        Stage::Withdrawn,
        Stage::Returned,
    ];
    /// The stable key stored in the database and used in filters.
    pub fn key(self) -> &'static str {
        match self {
            Stage::New => "new",
            Stage::Submitted => "submitted",
            Stage::InReview => "in_review",
            Stage::Decided => "decided",
            Stage::Concluded => "concluded",
            Stage::Delivered => "delivered",
            Stage::Refused => "refused",
            Stage::Withdrawn => "withdrawn",
            Stage::Returned => "returned",
        }
    }
    pub fn from_key(key: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.key() == key)
    }
    pub fn label(self) -> &'static str {
        match self {
            Stage::New => "未提交",
            Stage::Submitted => "待受理",
            Stage::InReview => "办理中",
            Stage::Decided => "已决定",
            Stage::Concluded => "已办结",
            Stage::Delivered => "已送达",
            Stage::Refused => "不予受理",
            Stage::Withdrawn => "已撤回",
            Stage::Returned => "已退件",
        }
    }
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Stage::Concluded
                | Stage::Delivered
                | Stage::Refused
                | Stage::Withdrawn
                | Stage::Returned
        )
    }
}

/// Why the clock is stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pause {
    /// 一次性告知: waiting for the applicant.
    Supplement { since: NaiveDate },
    /// A special procedure whose time is excluded from the limit.
    Special { name: String, since: NaiveDate },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    pub material: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub approved: bool,
    pub reasons: String,
    pub legal_basis: String,
}

/// What happened to a case. Every computed value is recorded here, so replaying the events
/// needs no calendar and no clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Submitted {
        channel: Channel,
        item: Box<ItemRef>,
        applicant: Applicant,
        materials: Vec<String>,
    },
    Accepted {
        case_no: String,
        query_code: String,
        accepted_on: NaiveDate,
        due: NaiveDate,
    },
    AcceptanceRefused {
        reasons: String,
        legal_basis: String,
    },
    AcceptedWithDeficiencies {
        case_no: String,
        query_code: String,
        accepted_on: NaiveDate,
        due: NaiveDate,
        pending: Vec<String>,
        supply_by: NaiveDate,
        commitment: String,
    },
    ApprovedOnPledge {
        pledge: String,
        verify_by: NaiveDate,
    },
    /// The 告知承诺 checked after approval (事中事后核查): truthful, or found untrue, with what
    /// was found and done.
    PledgeVerified {
        on: NaiveDate,
        truthful: bool,
        notes: String,
    },
    SupplementRequested {
        missing: Vec<Missing>,
        second: bool,
        reason: String,
        since: NaiveDate,
    },
    SupplementReceived {
        paused_days: u32,
        due: NaiveDate,
    },
    DeficiencySupplied {
        material: String,
    },
    DeficiencyWaived {
        material: String,
        reason: String,
    },
    StepCompleted {
        step: usize,
        opinion: String,
        on: NaiveDate,
    },
    StepReturned {
        to_step: usize,
        reasons: String,
        on: NaiveDate,
    },
    Reassigned {
        staff_id: i64,
        reason: String,
    },
    SpecialProcedureStarted {
        name: String,
        excluded: bool,
        since: NaiveDate,
    },
    SpecialProcedureEnded {
        name: String,
        paused_days: u32,
        due: NaiveDate,
    },
    Extended {
        days: u32,
        reason: String,
        approved_by: i64,
        due: NaiveDate,
    },
    Decided {
        decision: Decision,
    },
    FeeCollected {
        amount_fen: u64,
        standard_fen: u64,
        override_reason: Option<String>,
    },
    Concluded {
        on: NaiveDate,
        on_time: bool,
    },
    Delivered {
        delivery: Delivery,
    },
    Withdrawn {
        reason: String,
    },
    Returned {
        reasons: String,
    },
}

/// What someone asks to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    Submit {
        channel: Channel,
        item: Box<ItemRef>,
        applicant: Applicant,
        materials: Vec<String>,
    },
    Accept,
    RefuseAcceptance {
        reasons: String,
        legal_basis: String,
    },
    AcceptWithDeficiencies {
        pending: Vec<String>,
        supply_by: NaiveDate,
        commitment: String,
    },
    ApproveOnPledge {
        pledge: String,
        verify_by: NaiveDate,
    },
    VerifyPledge {
        truthful: bool,
        notes: String,
    },
    RequestSupplement {
        missing: Vec<Missing>,
        reason: String,
    },
    SupplementReceived,
    SupplyDeficiency {
        material: String,
    },
    WaiveDeficiency {
        material: String,
        reason: String,
    },
    CompleteStep {
        opinion: String,
    },
    ReturnStep {
        reasons: String,
    },
    Reassign {
        staff_id: i64,
        reason: String,
    },
    StartSpecialProcedure {
        name: String,
        excluded: bool,
    },
    EndSpecialProcedure,
    Extend {
        days: u32,
        reason: String,
    },
    Decide {
        decision: Decision,
    },
    CollectFee {
        amount_fen: u64,
        override_reason: Option<String>,
    },
    Conclude,
    Deliver {
        delivery: Delivery,
    },
    Withdraw {
        reason: String,
    },
    ReturnCase {
        reasons: String,
    },
}

/// Who acts. Staff carry roles, department and granted powers; applicants carry their account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: i64,
    pub staff_id: Option<i64>,
    pub roles: Vec<Role>,
    pub department_id: Option<i64>,
    pub powers: Vec<Power>,
    /// Staff this person is the B post for (AB岗).
    pub backup_for: Vec<i64>,
}

impl Actor {
    fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    fn is_staff(&self) -> bool {
        self.staff_id.is_some()
    }
    /// Whether this person verifies 告知承诺 of the department's cases after approval: its
    /// reviewers and approvers.
    pub fn verifies_pledges_of(&self, department_id: i64) -> bool {
        (self.has(Role::Reviewer) || self.has(Role::Approver))
            && self.department_id == Some(department_id)
    }
}

/// Everything `decide` needs from outside.
pub struct Ctx<'a> {
    pub today: NaiveDate,
    pub actor: &'a Actor,
    pub calendar: &'a WorkCalendar,
    /// Fresh identifiers for acceptance, made by the caller (sequence, random code).
    pub case_no: String,
    pub query_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("当前状态（{0}）不能执行此操作")]
    WrongStage(&'static str),
    #[error("无权执行此操作：{0}")]
    NotAllowed(&'static str),
    #[error("{0}")]
    Rule(String),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl CaseError {
    /// Stable codes for the API.
    pub fn code(&self) -> &'static str {
        match self {
            CaseError::WrongStage(_) => "illegal_transition",
            CaseError::NotAllowed(_) => "forbidden",
            CaseError::Rule(_) => "rule",
            CaseError::Calendar(_) => "calendar",
        }
    }
}

fn rule(message: impl Into<String>) -> CaseError {
    CaseError::Rule(message.into())
}

/// The next piece of work on a case: what, for which role of which department, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Work {
    pub what: String,
    pub role: Role,
    pub department_id: i64,
    /// Set when a chief representative assigned the case to one person.
    pub assignee: Option<i64>,
    pub since: Option<NaiveDate>,
}

/// When a deadline turns yellow (预警): with `min_days` working days left or `percent` of the
/// limit left, whichever is more. Set by the centre; the default is one day or 20%.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarnThreshold {
    pub percent: u32,
    pub min_days: u32,
}

impl Default for WarnThreshold {
    fn default() -> Self {
        WarnThreshold {
            percent: 20,
            min_days: 1,
        }
    }
}

impl WarnThreshold {
    /// Working days before the deadline at which a limit of `limit` days turns yellow.
    pub fn days_before(&self, limit: u32) -> u32 {
        (limit * self.percent).div_ceil(100).max(self.min_days)
    }

    /// A threshold that makes sense: a share of 0–99% and 0–30 days, not both zero (a warning
    /// must come before the deadline, never with it or after it).
    pub fn validate(percent: i64, min_days: i64) -> Result<WarnThreshold, crate::org::FieldErrors> {
        let mut errors = crate::org::FieldErrors::new();
        if !(0..=99).contains(&percent) {
            errors.add(
                "warn_percent",
                "预警比例应为 0 至 99（%）：100% 即受理当日就预警，负数则在超期之后",
            );
        }
        if !(0..=30).contains(&min_days) {
            errors.add(
                "warn_min_days",
                "预警天数应为 0 至 30 个工作日，负数意味着超期后才预警",
            );
        }
        if percent == 0 && min_days == 0 {
            errors.add(
                "warn_min_days",
                "预警比例与天数不能同时为 0：黄色预警须早于红色超期",
            );
        }
        errors.into_result()?;
        Ok(WarnThreshold {
            percent: percent as u32,
            min_days: min_days as u32,
        })
    }
}

/// A deadline watched by supervision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timer {
    pub kind: TimerKind,
    /// From this day the deadline is close (yellow).
    pub warn_on: NaiveDate,
    /// The last working day; after its close the deadline is missed (red).
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    /// The case's promised limit.
    Case,
    /// The current step's own limit.
    Step,
    /// 容缺 materials due.
    Deficiency,
    /// 告知承诺 verification due.
    PledgeVerification,
}

impl TimerKind {
    pub fn key(self) -> &'static str {
        match self {
            TimerKind::Case => "case",
            TimerKind::Step => "step",
            TimerKind::Deficiency => "deficiency",
            TimerKind::PledgeVerification => "pledge_verification",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TimerKind::Case => "办件承诺时限",
            TimerKind::Step => "环节时限",
            TimerKind::Deficiency => "容缺材料补交期限",
            TimerKind::PledgeVerification => "告知承诺核查期限",
        }
    }
}

/// The outcome of a 告知承诺 verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PledgeCheck {
    pub on: NaiveDate,
    pub truthful: bool,
}

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
    pub assignee: Option<i64>,
    pub paused: Option<Pause>,
    pub supplement_notices: u32,
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

    /// Who has to act next, for the inboxes; None once the case is closed.
    pub fn open_work(&self) -> Option<Work> {
        let item = self.item.as_ref()?;
        let at = |what: &str, role: Role, department_id: i64| {
            Some(Work {
                what: what.to_owned(),
                role,
                department_id,
                assignee: self.assignee,
                since: self.step_since,
            })
        };
        match (self.stage(), &self.paused) {
            (Stage::Submitted, _) => at("受理", Role::Clerk, item.department_id),
            (Stage::InReview, Some(Pause::Supplement { .. })) => {
                at("等待补正", Role::Clerk, item.department_id)
            }
            (Stage::InReview, _) => match item.steps.get(self.current_step) {
                Some(step) => at(&step.name, step.role, step.department_id),
                None => at("决定", Role::Approver, item.department_id),
            },
            (Stage::Decided, _) => at("办结", Role::Approver, item.department_id),
            (Stage::Concluded, _) => at("送达", Role::Clerk, item.department_id),
            _ => None,
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
                warn_on: cal.add_working_days(since, limit - warn_days)?,
                due_on: cal.add_working_days(since, limit)?,
            });
        }
        if !self.stage().is_closed()
            && !self.pending_deficiencies.is_empty()
            && let Some(by) = self.deficiency_supply_by
        {
            timers.push(Timer {
                kind: TimerKind::Deficiency,
                warn_on: by,
                due_on: by,
            });
        }
        if let Some(by) = self.pledge_verify_by
            && self.pledge_check.is_none()
        {
            timers.push(Timer {
                kind: TimerKind::PledgeVerification,
                warn_on: by,
                due_on: by,
            });
        }
        Ok(timers)
    }

    pub fn apply(&mut self, event: &Event) {
        self.version += 1;
        match event {
            Event::Submitted {
                channel,
                item,
                applicant,
                materials,
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
            } => {
                self.stage = Some(Stage::InReview);
                self.case_no = Some(case_no.clone());
                self.query_code = Some(query_code.clone());
                self.accepted_on = Some(*accepted_on);
                self.step_since = Some(*accepted_on);
                self.due = Some(*due);
                self.paused = None;
            }
            Event::AcceptedWithDeficiencies {
                case_no,
                query_code,
                accepted_on,
                due,
                pending,
                supply_by,
                ..
            } => {
                self.stage = Some(Stage::InReview);
                self.case_no = Some(case_no.clone());
                self.query_code = Some(query_code.clone());
                self.accepted_on = Some(*accepted_on);
                self.step_since = Some(*accepted_on);
                self.due = Some(*due);
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
            Event::SupplementRequested { since, .. } => {
                self.supplement_notices += 1;
                self.paused = Some(Pause::Supplement { since: *since });
            }
            Event::SupplementReceived { paused_days, due }
            | Event::SpecialProcedureEnded {
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
        }
    }
}

/// The deadline for a case accepted on `accepted_on`, with pauses and extensions.
fn deadline(
    cal: &WorkCalendar,
    item: &ItemRef,
    accepted_on: NaiveDate,
    paused: u32,
    extended: u32,
) -> Result<NaiveDate, CalendarError> {
    cal.add_working_days(accepted_on, item.promised_days + paused + extended)
}

fn require_text(value: &str, what: &str) -> Result<(), CaseError> {
    if value.trim().is_empty() {
        Err(rule(format!("须填写{what}")))
    } else {
        Ok(())
    }
}

/// Refuses a command that breaks a rule, or returns the events it causes.
pub fn decide(state: &CaseState, command: &Command, ctx: &Ctx) -> Result<Vec<Event>, CaseError> {
    let stage = state.stage();
    let actor = ctx.actor;
    let item = || {
        state
            .item
            .as_ref()
            .ok_or(CaseError::WrongStage(stage.label()))
    };
    let in_stage = |allowed: &[Stage]| {
        if allowed.contains(&stage) {
            Ok(())
        } else {
            Err(CaseError::WrongStage(stage.label()))
        }
    };
    // Staff of the item's department (or any clerk at a comprehensive window) accept.
    let may_accept = |item: &ItemRef| {
        actor.has(Role::Clerk)
            && (actor.department_id.is_none() || actor.department_id == Some(item.department_id))
    };
    // Staff of the handling department, or a comprehensive-window clerk.
    let department_staff = |item: &ItemRef| {
        actor.is_staff()
            && (actor.department_id == Some(item.department_id)
                || (actor.department_id.is_none() && actor.has(Role::Clerk)))
    };
    let not_paused = || {
        if state.paused.is_some() {
            Err(rule("办件处于暂停计时状态，须先结束补正或特别程序"))
        } else {
            Ok(())
        }
    };
    match command {
        Command::Submit {
            channel,
            item,
            applicant,
            materials,
        } => {
            in_stage(&[Stage::New])?;
            if *channel == Channel::Window && !actor.has(Role::Clerk) {
                return Err(CaseError::NotAllowed("窗口登记须由窗口人员办理"));
            }
            Ok(vec![Event::Submitted {
                channel: *channel,
                item: item.clone(),
                applicant: applicant.clone(),
                materials: materials.clone(),
            }])
        }
        Command::Accept => {
            in_stage(&[Stage::Submitted])?;
            let item = item()?;
            if !may_accept(item) {
                return Err(CaseError::NotAllowed(
                    "只有本部门窗口人员或综合窗口人员可以受理",
                ));
            }
            let missing: Vec<&str> = item
                .materials
                .iter()
                .filter(|m| m.required && !state.materials.contains(&m.name))
                .map(|m| m.name.as_str())
                .collect();
            if !missing.is_empty() {
                return Err(rule(format!(
                    "必要材料不齐：{}；请一次性告知补正或容缺受理",
                    missing.join("、")
                )));
            }
            let accepted = Event::Accepted {
                case_no: ctx.case_no.clone(),
                query_code: ctx.query_code.clone(),
                accepted_on: ctx.today,
                due: deadline(ctx.calendar, item, ctx.today, 0, 0)?,
            };
            if item.case_type == "1" {
                // 即办件: accepted, decided and concluded in one act.
                return Ok(vec![
                    accepted,
                    Event::Decided {
                        decision: Decision {
                            approved: true,
                            reasons: "即办件当场办结".into(),
                            legal_basis: String::new(),
                        },
                    },
                    Event::Concluded {
                        on: ctx.today,
                        on_time: true,
                    },
                ]);
            }
            Ok(vec![accepted])
        }
        Command::RefuseAcceptance {
            reasons,
            legal_basis,
        } => {
            in_stage(&[Stage::Submitted])?;
            if !may_accept(item()?) {
                return Err(CaseError::NotAllowed(
                    "只有本部门窗口人员或综合窗口人员可以作出不予受理",
                ));
            }
            require_text(reasons, "不予受理的理由")?;
            require_text(legal_basis, "不予受理的法律依据")?;
            Ok(vec![Event::AcceptanceRefused {
                reasons: reasons.clone(),
                legal_basis: legal_basis.clone(),
            }])
        }
        Command::AcceptWithDeficiencies {
            pending,
            supply_by,
            commitment,
        } => {
            in_stage(&[Stage::Submitted])?;
            let item = item()?;
            if !may_accept(item) {
                return Err(CaseError::NotAllowed(
                    "只有本部门窗口人员或综合窗口人员可以容缺受理",
                ));
            }
            if pending.is_empty() {
                return Err(rule("须列明容缺的材料"));
            }
            for name in pending {
                match item.materials.iter().find(|m| &m.name == name) {
                    Some(m) if m.deficiency_allowed => {}
                    Some(_) => return Err(rule(format!("“{name}”不是可容缺材料"))),
                    None => return Err(rule(format!("“{name}”不是本事项的材料"))),
                }
            }
            require_text(commitment, "申请人的书面承诺")?;
            if *supply_by <= ctx.today {
                return Err(rule("补交期限须晚于今天"));
            }
            Ok(vec![Event::AcceptedWithDeficiencies {
                case_no: ctx.case_no.clone(),
                query_code: ctx.query_code.clone(),
                accepted_on: ctx.today,
                due: deadline(ctx.calendar, item, ctx.today, 0, 0)?,
                pending: pending.clone(),
                supply_by: *supply_by,
                commitment: commitment.clone(),
            }])
        }
        Command::ApproveOnPledge { pledge, verify_by } => {
            in_stage(&[Stage::InReview])?;
            if !actor.has(Role::Approver) {
                return Err(CaseError::NotAllowed("告知承诺审批须由审批人作出"));
            }
            require_text(pledge, "承诺书内容")?;
            if *verify_by <= ctx.today {
                return Err(rule("核查期限须晚于今天"));
            }
            Ok(vec![
                Event::ApprovedOnPledge {
                    pledge: pledge.clone(),
                    verify_by: *verify_by,
                },
                Event::Decided {
                    decision: Decision {
                        approved: true,
                        reasons: "告知承诺审批".into(),
                        legal_basis: String::new(),
                    },
                },
            ])
        }
        Command::VerifyPledge { truthful, notes } => {
            // Any time after the approval on pledge, concluded or delivered included, once.
            if state.pledge_verify_by.is_none() || state.pledge_check.is_some() {
                return Err(CaseError::WrongStage(stage.label()));
            }
            if !actor.verifies_pledges_of(item()?.department_id) {
                return Err(CaseError::NotAllowed(
                    "告知承诺核查须由办理部门的审查或审批人员登记",
                ));
            }
            require_text(
                notes,
                if *truthful {
                    "核查情况"
                } else {
                    "核查发现的不实情况及处理措施"
                },
            )?;
            Ok(vec![Event::PledgeVerified {
                on: ctx.today,
                truthful: *truthful,
                notes: notes.clone(),
            }])
        }
        Command::RequestSupplement { missing, reason } => {
            in_stage(&[Stage::Submitted, Stage::InReview])?;
            let item = item()?;
            // Before acceptance the window tells; afterwards any staff of the department may.
            let allowed = if stage == Stage::Submitted {
                may_accept(item)
            } else {
                department_staff(item)
            };
            if !allowed {
                return Err(CaseError::NotAllowed(
                    "只有办理部门的工作人员可以一次性告知",
                ));
            }
            if missing.is_empty()
                || missing
                    .iter()
                    .any(|m| m.material.trim().is_empty() || m.reason.trim().is_empty())
            {
                return Err(rule("一次性告知须逐项列明缺少或有误的材料及原因"));
            }
            let second = state.supplement_notices > 0;
            if second && reason.trim().is_empty() {
                return Err(rule("同一办件第二次要求补正须说明理由（将记入电子监察）"));
            }
            not_paused()?;
            Ok(vec![Event::SupplementRequested {
                missing: missing.clone(),
                second,
                reason: reason.clone(),
                since: ctx.today,
            }])
        }
        Command::SupplementReceived => {
            let Some(Pause::Supplement { since }) = &state.paused else {
                return Err(CaseError::WrongStage(stage.label()));
            };
            if !department_staff(item()?) {
                return Err(CaseError::NotAllowed(
                    "只有办理部门的工作人员可以登记补正材料",
                ));
            }
            let paused_days = ctx.calendar.working_days_between(*since, ctx.today)?;
            let due = match (state.accepted_on, state.item.as_ref()) {
                (Some(on), Some(item)) => deadline(
                    ctx.calendar,
                    item,
                    on,
                    state.paused_days + paused_days,
                    state.extended_days,
                )?,
                _ => ctx.today,
            };
            Ok(vec![Event::SupplementReceived { paused_days, due }])
        }
        Command::SupplyDeficiency { material } => {
            in_stage(&[Stage::InReview, Stage::Decided])?;
            if state.pending_deficiencies.is_empty() {
                return Err(CaseError::WrongStage(stage.label()));
            }
            if !department_staff(item()?) {
                return Err(CaseError::NotAllowed(
                    "只有办理部门的工作人员可以登记补交材料",
                ));
            }
            if !state.pending_deficiencies.contains(material) {
                return Err(rule(format!("“{material}”不在待补交的容缺材料中")));
            }
            Ok(vec![Event::DeficiencySupplied {
                material: material.clone(),
            }])
        }
        Command::WaiveDeficiency { material, reason } => {
            in_stage(&[Stage::InReview, Stage::Decided])?;
            if state.pending_deficiencies.is_empty() {
                return Err(CaseError::WrongStage(stage.label()));
            }
            if !(actor.has(Role::ChiefRepresentative)
                && actor.powers.contains(&Power::SupplementVerification))
            {
                return Err(CaseError::NotAllowed(
                    "免于补交容缺材料须由具有补办件核实权的首席代表决定",
                ));
            }
            if !state.pending_deficiencies.contains(material) {
                return Err(rule(format!("“{material}”不在待补交的容缺材料中")));
            }
            require_text(reason, "免于补交的理由")?;
            Ok(vec![Event::DeficiencyWaived {
                material: material.clone(),
                reason: reason.clone(),
            }])
        }
        Command::CompleteStep { opinion } => {
            in_stage(&[Stage::InReview])?;
            not_paused()?;
            let item = item()?;
            let Some(step) = item.steps.get(state.current_step) else {
                return Err(CaseError::WrongStage(stage.label()));
            };
            if step.role == Role::Approver && state.current_step + 1 == item.steps.len() {
                // The last step is the approver's decision: 作出决定 completes it.
                return Err(CaseError::WrongStage(stage.label()));
            }
            let own = actor.has(step.role) && actor.department_id == Some(step.department_id);
            let backup = state
                .assignee
                .is_some_and(|a| actor.backup_for.contains(&a));
            let assigned = state.assignee.is_some() && state.assignee == actor.staff_id;
            if !(own || backup || assigned) {
                return Err(CaseError::NotAllowed("当前环节不由您办理"));
            }
            require_text(opinion, "办理意见")?;
            Ok(vec![Event::StepCompleted {
                step: state.current_step,
                opinion: opinion.clone(),
                on: ctx.today,
            }])
        }
        Command::ReturnStep { reasons } => {
            in_stage(&[Stage::InReview])?;
            if state.current_step == 0 {
                // Nothing to return to: not an option at this point.
                return Err(CaseError::WrongStage(stage.label()));
            }
            let Some(step) = item()?.steps.get(state.current_step) else {
                return Err(rule("所有环节已办理完毕，不能退回"));
            };
            if !(actor.has(step.role) && actor.department_id == Some(step.department_id)) {
                return Err(CaseError::NotAllowed("当前环节不由您办理"));
            }
            require_text(reasons, "退回理由")?;
            Ok(vec![Event::StepReturned {
                to_step: state.current_step - 1,
                reasons: reasons.clone(),
                on: ctx.today,
            }])
        }
        Command::Reassign { staff_id, reason } => {
            in_stage(&[Stage::InReview])?;
            if !(actor.has(Role::ChiefRepresentative)
                && actor.department_id == Some(item()?.department_id))
            {
                return Err(CaseError::NotAllowed("转办须由本部门首席代表决定"));
            }
            require_text(reason, "转办理由")?;
            Ok(vec![Event::Reassigned {
                staff_id: *staff_id,
                reason: reason.clone(),
            }])
        }
        Command::StartSpecialProcedure { name, excluded } => {
            in_stage(&[Stage::InReview])?;
            not_paused()?;
            if actor.department_id != Some(item()?.department_id) {
                return Err(CaseError::NotAllowed("只有办理部门可以启动特别程序"));
            }
            require_text(name, "特别程序名称")?;
            Ok(vec![Event::SpecialProcedureStarted {
                name: name.clone(),
                excluded: *excluded,
                since: ctx.today,
            }])
        }
        Command::EndSpecialProcedure => {
            let Some(Pause::Special { name, since }) = &state.paused else {
                return Err(CaseError::WrongStage(stage.label()));
            };
            if !department_staff(item()?) {
                return Err(CaseError::NotAllowed("只有办理部门可以结束特别程序"));
            }
            let paused_days = ctx.calendar.working_days_between(*since, ctx.today)?;
            let (Some(on), Some(item)) = (state.accepted_on, state.item.as_ref()) else {
                return Err(CaseError::WrongStage(stage.label()));
            };
            let due = deadline(
                ctx.calendar,
                item,
                on,
                state.paused_days + paused_days,
                state.extended_days,
            )?;
            Ok(vec![Event::SpecialProcedureEnded {
                name: name.clone(),
                paused_days,
                due,
            }])
        }
        Command::Extend { days, reason } => {
            in_stage(&[Stage::InReview])?;
            let item = item()?;
            let approver = (actor.has(Role::Approver) || actor.has(Role::ChiefRepresentative))
                && actor.department_id == Some(item.department_id);
            if !approver {
                return Err(CaseError::NotAllowed(
                    "延长审批须经本部门负责人（审批人或首席代表）批准",
                ));
            }
            require_text(reason, "延长理由")?;
            if *days == 0 || state.extended_days + days > 10 {
                return Err(rule("延长期限为 1 至 10 个工作日（行政许可法第四十二条）"));
            }
            let on = state
                .accepted_on
                .ok_or(CaseError::WrongStage(stage.label()))?;
            let due = deadline(
                ctx.calendar,
                item,
                on,
                state.paused_days,
                state.extended_days + days,
            )?;
            Ok(vec![Event::Extended {
                days: *days,
                reason: reason.clone(),
                approved_by: actor.account_id,
                due,
            }])
        }
        Command::Decide { decision } => {
            in_stage(&[Stage::InReview])?;
            not_paused()?;
            let item = item()?;
            if !(actor.has(Role::Approver) && actor.department_id == Some(item.department_id)) {
                return Err(CaseError::NotAllowed("决定须由办理部门的审批人作出"));
            }
            if state.current_step + 1 < item.steps.len() {
                return Err(rule(format!(
                    "尚有环节未办理（当前：{}）",
                    item.steps[state.current_step].name
                )));
            }
            if !decision.approved {
                require_text(&decision.reasons, "不予许可的理由")?;
                require_text(&decision.legal_basis, "不予许可的法律依据")?;
            }
            Ok(vec![Event::Decided {
                decision: decision.clone(),
            }])
        }
        Command::CollectFee {
            amount_fen,
            override_reason,
        } => {
            in_stage(&[Stage::InReview, Stage::Decided])?;
            let item = item()?;
            if !(actor.has(Role::Clerk) && department_staff(item)) {
                return Err(CaseError::NotAllowed(
                    "收费由办理部门或综合窗口的窗口人员登记",
                ));
            }
            if state.fee_collected {
                return Err(CaseError::WrongStage(stage.label()));
            }
            if *amount_fen > item.fee_standard_fen
                && override_reason
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty())
            {
                return Err(rule(format!(
                    "收费 {} 分超过标准 {} 分；确需超标准收费须说明理由（将记入电子监察）",
                    amount_fen, item.fee_standard_fen
                )));
            }
            Ok(vec![Event::FeeCollected {
                amount_fen: *amount_fen,
                standard_fen: item.fee_standard_fen,
                override_reason: override_reason.clone(),
            }])
        }
        Command::Conclude => {
            in_stage(&[Stage::Decided])?;
            let department = item()?.department_id;
            if !((actor.has(Role::Approver) || actor.has(Role::Clerk))
                && (actor.department_id == Some(department) || actor.department_id.is_none()))
            {
                return Err(CaseError::NotAllowed(
                    "办结须由办理部门的审批人或窗口人员登记",
                ));
            }
            if !state.pending_deficiencies.is_empty() {
                return Err(rule(format!(
                    "容缺材料尚未补齐：{}",
                    state.pending_deficiencies.join("、")
                )));
            }
            let on_time = state.due.is_none_or(|due| ctx.today <= due);
            Ok(vec![Event::Concluded {
                on: ctx.today,
                on_time,
            }])
        }
        Command::Deliver { delivery } => {
            in_stage(&[Stage::Concluded])?;
            if !actor.has(Role::Clerk) {
                return Err(CaseError::NotAllowed("送达由窗口人员登记"));
            }
            if let Delivery::Express { waybill } = delivery {
                require_text(waybill, "快递运单号")?;
            }
            Ok(vec![Event::Delivered {
                delivery: delivery.clone(),
            }])
        }
        Command::Withdraw { reason } => {
            if stage.is_closed() || stage == Stage::Decided || stage == Stage::New {
                return Err(CaseError::WrongStage(stage.label()));
            }
            // The applicant (whose ownership the caller checks) or a window clerk for them.
            if actor.is_staff() && !actor.has(Role::Clerk) {
                return Err(CaseError::NotAllowed(
                    "撤回由申请人提出，或由窗口人员代为登记",
                ));
            }
            require_text(reason, "撤回理由")?;
            Ok(vec![Event::Withdrawn {
                reason: reason.clone(),
            }])
        }
        Command::ReturnCase { reasons } => {
            in_stage(&[Stage::Submitted, Stage::InReview])?;
            if !(actor.has(Role::ChiefRepresentative)
                && actor.powers.contains(&Power::ReturnGatekeeping))
            {
                return Err(CaseError::NotAllowed(
                    "退件须由具有退办件把关权的首席代表决定",
                ));
            }
            require_text(reasons, "退件理由")?;
            Ok(vec![Event::Returned {
                reasons: reasons.clone(),
            }])
        }
    }
}

/// The supervision finding an event proves, if any: the rule's code and what happened. Called
/// with the state after the event. Deadline findings come from the sweeper instead.
pub fn finding_of(event: &Event, after: &CaseState) -> Option<(&'static str, String)> {
    match event {
        Event::Submitted {
            channel: Channel::Window,
            item,
            ..
        } if item.online_only => Some((
            "online_only_at_window",
            format!("事项“{}”应网上办理，本件在窗口申请", item.name),
        )),
        Event::SupplementRequested {
            second: true,
            reason,
            ..
        } => Some((
            "second_supplement",
            format!("第二次要求补正，理由：{reason}"),
        )),
        Event::FeeCollected {
            amount_fen,
            standard_fen,
            override_reason,
        } if amount_fen > standard_fen => Some((
            "fee_override",
            format!(
                "实收 {}.{:02} 元，标准 {}.{:02} 元；理由：{}",
                amount_fen / 100,
                amount_fen % 100,
                standard_fen / 100,
                standard_fen % 100,
                override_reason.as_deref().unwrap_or("")
            ),
        )),
        Event::StepReturned { reasons, .. } if after.returns >= 2 => Some((
            "repeated_returns",
            format!("第 {} 次退回，理由：{reasons}", after.returns),
        )),
        _ => None,
    }
}

/// The commands `ctx.actor` may give on this case now, as the aggregate itself judges them:
/// each is tried with placeholder inputs, and only refusals of stage or permission count, so a
/// page offers exactly the forms that can succeed once filled in.
pub fn available_commands(state: &CaseState, ctx: &Ctx) -> Vec<&'static str> {
    let text = || "-".to_owned();
    let later = ctx.today + chrono::Duration::days(30);
    let material = state
        .pending_deficiencies
        .first()
        .cloned()
        .unwrap_or_else(text);
    let candidates: Vec<(&'static str, Command)> = vec![
        ("accept", Command::Accept),
        (
            "accept_with_deficiencies",
            Command::AcceptWithDeficiencies {
                pending: vec![text()],
                supply_by: later,
                commitment: text(),
            },
        ),
        (
            "refuse_acceptance",
            Command::RefuseAcceptance {
                reasons: text(),
                legal_basis: text(),
            },
        ),
        (
            "request_supplement",
            Command::RequestSupplement {
                missing: vec![Missing {
                    material: text(),
                    reason: text(),
                }],
                reason: text(),
            },
        ),
        ("supplement_received", Command::SupplementReceived),
        (
            "supply_deficiency",
            Command::SupplyDeficiency {
                material: material.clone(),
            },
        ),
        (
            "waive_deficiency",
            Command::WaiveDeficiency {
                material,
                reason: text(),
            },
        ),
        ("complete_step", Command::CompleteStep { opinion: text() }),
        ("return_step", Command::ReturnStep { reasons: text() }),
        (
            "reassign",
            Command::Reassign {
                staff_id: 0,
                reason: text(),
            },
        ),
        (
            "start_special_procedure",
            Command::StartSpecialProcedure {
                name: text(),
                excluded: true,
            },
        ),
        ("end_special_procedure", Command::EndSpecialProcedure),
        (
            "extend",
            Command::Extend {
                days: 1,
                reason: text(),
            },
        ),
        (
            "approve_on_pledge",
            Command::ApproveOnPledge {
                pledge: text(),
                verify_by: later,
            },
        ),
        (
            "verify_pledge",
            Command::VerifyPledge {
                truthful: true,
                notes: text(),
            },
        ),
        (
            "decide",
            Command::Decide {
                decision: Decision {
                    approved: true,
                    reasons: text(),
                    legal_basis: text(),
                },
            },
        ),
        (
            "collect_fee",
            Command::CollectFee {
                amount_fen: 0,
                override_reason: None,
            },
        ),
        ("conclude", Command::Conclude),
        (
            "deliver",
            Command::Deliver {
                delivery: Delivery::Pickup,
            },
        ),
        ("withdraw", Command::Withdraw { reason: text() }),
        ("return_case", Command::ReturnCase { reasons: text() }),
    ];
    candidates
        .into_iter()
        .filter(|(_, command)| {
            !matches!(
                decide(state, command, ctx),
                Err(CaseError::WrongStage(_) | CaseError::NotAllowed(_))
            )
        })
        .map(|(name, _)| name)
        .collect()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_follow_their_events() {
        let mut after = CaseState::default();
        let notice = |second| Event::SupplementRequested {
            missing: vec![],
            second,
            reason: "仍不完整".into(),
            since: d("2026-09-28"),
        };
        assert_eq!(finding_of(&notice(false), &after), None);
        assert_eq!(
            finding_of(&notice(true), &after).unwrap().0,
            "second_supplement"
        );
        let fee = |amount_fen| Event::FeeCollected {
            amount_fen,
            standard_fen: 1000,
            override_reason: Some("加急".into()),
        };
        assert_eq!(finding_of(&fee(1000), &after), None);
        assert_eq!(finding_of(&fee(1001), &after).unwrap().0, "fee_override");
        let back = Event::StepReturned {
            to_step: 0,
            reasons: "材料存疑".into(),
            on: d("2026-09-28"),
        };
        after.returns = 1;
        assert_eq!(finding_of(&back, &after), None, "one return is normal work");
        after.returns = 2;
        assert_eq!(finding_of(&back, &after).unwrap().0, "repeated_returns");
        // An item that must be handled online, taken at a window; online, or with a window
        // among its forms, it is fine.
        let submitted = |channel, online_only| Event::Submitted {
            channel,
            item: Box::new(ItemRef {
                online_only,
                ..item("2")
            }),
            applicant: Applicant {
                kind: "individual".into(),
                name: "张伟".into(),
                id_number: "11010519491231002X".into(),
                mobile: "13800000000".into(),
            },
            materials: vec![],
        };
        assert_eq!(
            finding_of(&submitted(Channel::Window, true), &after)
                .unwrap()
                .0,
            "online_only_at_window"
        );
        assert_eq!(finding_of(&submitted(Channel::Online, true), &after), None);
        assert_eq!(finding_of(&submitted(Channel::Window, false), &after), None);
        let mut doc = crate::catalog::tests::sample();
        assert!(!ItemRef::from_doc(1, 1, &doc, "").online_only);
        doc.handling_forms = vec!["2".into(), "3".into()];
        assert!(ItemRef::from_doc(1, 1, &doc, "").online_only);
    }

    #[test]
    fn pages_offer_only_what_the_aggregate_would_allow() {
        let mut c = Case::new();
        c.submit("2", &["申请书"]);
        let cal = WorkCalendar::official().unwrap();
        let offered = |actor: &Actor, state: &CaseState| {
            available_commands(
                state,
                &Ctx {
                    today: d("2026-09-24"),
                    actor,
                    calendar: &cal,
                    case_no: String::new(),
                    query_code: String::new(),
                },
            )
        };
        let clerk = staff(1, &[Role::Clerk], &[]);
        let reviewer = staff(2, &[Role::Reviewer], &[]);
        assert_eq!(
            offered(&clerk, &c.state),
            vec![
                "accept",
                "accept_with_deficiencies",
                "refuse_acceptance",
                "request_supplement",
                "withdraw"
            ]
        );
        assert!(offered(&reviewer, &c.state).is_empty());
        c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
        assert_eq!(
            offered(&clerk, &c.state),
            vec![
                "request_supplement",
                "complete_step",
                "start_special_procedure",
                "collect_fee",
                "withdraw"
            ]
        );
        // At the approver's last step the decision is the act, not a separate completion.
        c.run(
            &clerk,
            "2026-09-24",
            Command::CompleteStep {
                opinion: "齐全".into(),
            },
        )
        .unwrap();
        c.run(
            &reviewer,
            "2026-09-28",
            Command::CompleteStep {
                opinion: "符合".into(),
            },
        )
        .unwrap();
        let approver = staff(3, &[Role::Approver], &[]);
        let offered_now = offered(&approver, &c.state);
        assert!(offered_now.contains(&"decide") && !offered_now.contains(&"complete_step"));
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn item(case_type: &str) -> ItemRef {
        let step = |name: &str, role, limit_days| StepRef {
            name: name.into(),
            role,
            department_id: 7,
            limit_days,
        };
        ItemRef {
            item_id: 1,
            version: 3,
            name: "食品经营许可".into(),
            department_id: 7,
            case_type: case_type.into(),
            promised_days: if case_type == "1" { 0 } else { 5 },
            statutory_days: 20,
            steps: vec![
                step("受理", Role::Clerk, 1),
                step("审查", Role::Reviewer, 3),
                step("决定", Role::Approver, 1),
            ],
            fee_standard_fen: 0,
            region_code: "371300000000".into(),
            online_only: false,
            materials: vec![
                MaterialRef {
                    name: "申请书".into(),
                    required: true,
                    deficiency_allowed: false,
                },
                MaterialRef {
                    name: "健康证明".into(),
                    required: false,
                    deficiency_allowed: true,
                },
            ],
        }
    }

    fn staff(id: i64, roles: &[Role], powers: &[Power]) -> Actor {
        Actor {
            account_id: id,
            staff_id: Some(id),
            roles: roles.to_vec(),
            department_id: Some(7),
            powers: powers.to_vec(),
            backup_for: vec![],
        }
    }

    struct Case {
        state: CaseState,
        cal: WorkCalendar,
    }

    impl Case {
        fn new() -> Case {
            Case {
                state: CaseState::default(),
                cal: WorkCalendar::official().unwrap(),
            }
        }
        fn run(
            &mut self,
            actor: &Actor,
            today: &str,
            cmd: Command,
        ) -> Result<Vec<Event>, CaseError> {
            let ctx = Ctx {
                today: d(today),
                actor,
                calendar: &self.cal,
                case_no: "SJ20260924000001".into(),
                query_code: "8K3Q7Z".into(),
            };
            let events = decide(&self.state, &cmd, &ctx)?;
            for e in &events {
                self.state.apply(e);
            }
            Ok(events)
        }
        fn submit(&mut self, kind: &str, materials: &[&str]) {
            let clerk = staff(1, &[Role::Clerk], &[]);
            self.run(
                &clerk,
                "2026-09-24",
                Command::Submit {
                    channel: Channel::Window,
                    item: Box::new(item(kind)),
                    applicant: Applicant {
                        kind: "individual".into(),
                        name: "张伟".into(),
                        id_number: "11010519491231002X".into(),
                        mobile: "13800000000".into(),
                    },
                    materials: materials.iter().map(|m| (*m).to_owned()).collect(),
                },
            )
            .unwrap();
        }
    }

    #[test]
    fn a_promised_case_from_window_to_delivery_across_national_day() {
        let (clerk, reviewer, approver) = (
            staff(1, &[Role::Clerk], &[]),
            staff(2, &[Role::Reviewer], &[]),
            staff(3, &[Role::Approver], &[]),
        );
        let mut c = Case::new();
        c.submit("2", &["申请书"]);
        c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
        // Accepted Thursday 24 September: 5 working days end Friday 9 October.
        assert_eq!(c.state.due, Some(d("2026-10-09")));
        assert_eq!(
            c.state.remaining_days(d("2026-09-24"), &c.cal).unwrap(),
            Some(5)
        );
        c.run(
            &clerk,
            "2026-09-28",
            Command::CompleteStep {
                opinion: "材料齐全".into(),
            },
        )
        .unwrap();
        c.run(
            &reviewer,
            "2026-09-29",
            Command::CompleteStep {
                opinion: "符合条件".into(),
            },
        )
        .unwrap();
        // The approver must finish the last step before deciding... which is the decision step.
        c.run(
            &approver,
            "2026-09-30",
            Command::Decide {
                decision: Decision {
                    approved: true,
                    reasons: "符合条件".into(),
                    legal_basis: String::new(),
                },
            },
        )
        .unwrap();
        c.run(&approver, "2026-10-08", Command::Conclude).unwrap();
        assert!(matches!(c.state.stage(), Stage::Concluded));
        c.run(
            &clerk,
            "2026-10-09",
            Command::Deliver {
                delivery: Delivery::Express {
                    waybill: "SF1234567890".into(),
                },
            },
        )
        .unwrap();
        assert_eq!(c.state.stage(), Stage::Delivered);
        assert_eq!(c.state.version, 7);
    }

    #[test]
    fn instant_cases_conclude_on_acceptance() {
        let mut c = Case::new();
        c.submit("1", &["申请书"]);
        let events = c
            .run(
                &staff(1, &[Role::Clerk], &[]),
                "2026-09-24",
                Command::Accept,
            )
            .unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(c.state.stage(), Stage::Concluded);
    }

    #[test]
    fn supplement_pauses_the_clock_and_a_second_notice_needs_a_reason() {
        let clerk = staff(1, &[Role::Clerk], &[]);
        let mut c = Case::new();
        c.submit("2", &["申请书"]);
        c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
        let missing = vec![Missing {
            material: "健康证明".into(),
            reason: "已过期".into(),
        }];
        c.run(
            &clerk,
            "2026-09-28",
            Command::RequestSupplement {
                missing: missing.clone(),
                reason: String::new(),
            },
        )
        .unwrap();
        assert_eq!(
            c.state.remaining_days(d("2026-09-29"), &c.cal).unwrap(),
            None,
            "paused clocks do not count"
        );
        assert!(matches!(
            c.run(
                &clerk,
                "2026-09-29",
                Command::CompleteStep {
                    opinion: "x".into()
                }
            ),
            Err(CaseError::Rule(_))
        ));
        // Notice on Monday 28 September (a day worked), received Thursday 8 October: the clock
        // stood still on 29 and 30 September and 8 October. Saturday 10 October is a make-up day.
        let e = c
            .run(&clerk, "2026-10-08", Command::SupplementReceived)
            .unwrap();
        assert!(matches!(
            e[0],
            Event::SupplementReceived { paused_days: 3, .. }
        ));
        assert_eq!(c.state.due, Some(d("2026-10-13")));
        assert!(matches!(
            c.run(
                &clerk,
                "2026-10-09",
                Command::RequestSupplement {
                    missing: missing.clone(),
                    reason: " ".into()
                }
            ),
            Err(CaseError::Rule(_))
        ));
        let e = c
            .run(
                &clerk,
                "2026-10-09",
                Command::RequestSupplement {
                    missing,
                    reason: "申请人补交的证明仍不完整".into(),
                },
            )
            .unwrap();
        assert!(matches!(
            e[0],
            Event::SupplementRequested { second: true, .. }
        ));
    }

    #[test]
    fn a_pledge_is_verified_once_by_the_department_after_approval() {
        let (clerk, reviewer, approver) = (
            staff(1, &[Role::Clerk], &[]),
            staff(2, &[Role::Reviewer], &[]),
            staff(3, &[Role::Approver], &[]),
        );
        let pledge_timer = |c: &Case| {
            c.state
                .timers(&c.cal, &WarnThreshold::default())
                .unwrap()
                .into_iter()
                .find(|t| t.kind == TimerKind::PledgeVerification)
        };
        let verify = |truthful, notes: &str| Command::VerifyPledge {
            truthful,
            notes: notes.into(),
        };
        let mut c = Case::new();
        c.submit("2", &["申请书"]);
        c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
        assert!(
            matches!(
                c.run(&reviewer, "2026-09-24", verify(true, "属实")),
                Err(CaseError::WrongStage(_))
            ),
            "nothing to verify before an approval on pledge"
        );
        for (who, day) in [(&clerk, "2026-09-24"), (&reviewer, "2026-09-28")] {
            c.run(
                who,
                day,
                Command::CompleteStep {
                    opinion: "符合".into(),
                },
            )
            .unwrap();
        }
        c.run(
            &approver,
            "2026-09-28",
            Command::ApproveOnPledge {
                pledge: "申请人承诺经营场所符合食品安全要求".into(),
                verify_by: d("2026-10-28"),
            },
        )
        .unwrap();
        c.run(&approver, "2026-09-28", Command::Conclude).unwrap();
        assert_eq!(
            pledge_timer(&c).map(|t| t.due_on),
            Some(d("2026-10-28")),
            "the verification deadline runs on after conclusion"
        );
        assert!(matches!(
            c.run(&clerk, "2026-10-20", verify(true, "现场核查属实")),
            Err(CaseError::NotAllowed(_))
        ));
        let mut other = staff(5, &[Role::Reviewer], &[]);
        other.department_id = Some(8);
        assert!(matches!(
            c.run(&other, "2026-10-20", verify(true, "现场核查属实")),
            Err(CaseError::NotAllowed(_))
        ));
        assert!(matches!(
            c.run(&reviewer, "2026-10-20", verify(false, " ")),
            Err(CaseError::Rule(m)) if m.contains("不实情况")
        ));
        let events = c
            .run(
                &reviewer,
                "2026-10-20",
                verify(false, "经营场所与承诺不符，已责令限期整改并纳入信用记录"),
            )
            .unwrap();
        assert!(matches!(
            &events[..],
            [Event::PledgeVerified { on, truthful: false, .. }] if *on == d("2026-10-20")
        ));
        assert_eq!(
            c.state.pledge_check,
            Some(PledgeCheck {
                on: d("2026-10-20"),
                truthful: false
            })
        );
        assert_eq!(
            pledge_timer(&c),
            None,
            "verified: supervision stops watching"
        );
        assert!(matches!(
            c.run(&reviewer, "2026-10-21", verify(true, "复查")),
            Err(CaseError::WrongStage(_))
        ));
        assert_eq!(
            finding_of(&events[0], &c.state),
            None,
            "an untrue pledge is the applicant's, not a handling fault"
        );
    }

    #[test]
    fn deficiencies_block_conclusion_until_supplied_or_waived() {
        let (clerk, approver) = (
            staff(1, &[Role::Clerk], &[]),
            staff(3, &[Role::Approver], &[]),
        );
        let mut c = Case::new();
        c.submit("2", &["申请书"]);
        assert!(
            matches!(
                c.run(
                    &clerk,
                    "2026-09-24",
                    Command::AcceptWithDeficiencies {
                        pending: vec!["申请书".into()],
                        supply_by: d("2026-10-20"),
                        commitment: "承诺".into()
                    }
                ),
                Err(CaseError::Rule(_))
            ),
            "required materials are never 容缺"
        );
        c.run(
            &clerk,
            "2026-09-24",
            Command::AcceptWithDeficiencies {
                pending: vec!["健康证明".into()],
                supply_by: d("2026-10-20"),
                commitment: "本人承诺十五日内补交".into(),
            },
        )
        .unwrap();
        c.run(
            &clerk,
            "2026-09-25",
            Command::CompleteStep {
                opinion: "受理".into(),
            },
        )
        .unwrap();
        c.run(
            &staff(2, &[Role::Reviewer], &[]),
            "2026-09-28",
            Command::CompleteStep {
                opinion: "符合条件".into(),
            },
        )
        .unwrap();
        c.run(
            &approver,
            "2026-09-28",
            Command::Decide {
                decision: Decision {
                    approved: true,
                    reasons: String::new(),
                    legal_basis: String::new(),
                },
            },
        )
        .unwrap();
        assert!(
            matches!(c.run(&approver, "2026-09-28", Command::Conclude), Err(CaseError::Rule(m)) if m.contains("健康证明"))
        );
        let chief_without = staff(4, &[Role::ChiefRepresentative], &[]);
        assert!(matches!(
            c.run(
                &chief_without,
                "2026-09-28",
                Command::WaiveDeficiency {
                    material: "健康证明".into(),
                    reason: "已核实".into()
                }
            ),
            Err(CaseError::NotAllowed(_))
        ));
        let chief = staff(
            4,
            &[Role::ChiefRepresentative],
            &[Power::SupplementVerification],
        );
        c.run(
            &chief,
            "2026-09-28",
            Command::WaiveDeficiency {
                material: "健康证明".into(),
                reason: "已通过电子证照核实".into(),
            },
        )
        .unwrap();
        c.run(&approver, "2026-09-28", Command::Conclude).unwrap();
    }

    #[test]
    fn illegal_transitions_and_wrong_people_are_refused() {
        let (clerk, reviewer, approver) = (
            staff(1, &[Role::Clerk], &[]),
            staff(2, &[Role::Reviewer], &[]),
            staff(3, &[Role::Approver], &[]),
        );
        let mut c = Case::new();
        c.submit("2", &[]);
        let decide_now = Command::Decide {
            decision: Decision {
                approved: true,
                reasons: String::new(),
                legal_basis: String::new(),
            },
        };
        assert!(
            matches!(
                c.run(&approver, "2026-09-24", decide_now.clone()),
                Err(CaseError::WrongStage(_))
            ),
            "decide before acceptance"
        );
        assert!(
            matches!(
                c.run(&clerk, "2026-09-24", Command::Accept),
                Err(CaseError::Rule(_))
            ),
            "required material missing"
        );
        assert!(
            matches!(
                c.run(
                    &clerk,
                    "2026-09-24",
                    Command::RefuseAcceptance {
                        reasons: "不符合条件".into(),
                        legal_basis: String::new()
                    }
                ),
                Err(CaseError::Rule(_))
            ),
            "legal basis required"
        );
        let mut other_dept = clerk.clone();
        other_dept.department_id = Some(8);
        assert!(matches!(
            c.run(&other_dept, "2026-09-24", Command::Accept),
            Err(CaseError::NotAllowed(_))
        ));
        c.state.materials.push("申请书".into());
        c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
        assert!(
            matches!(
                c.run(
                    &reviewer,
                    "2026-09-25",
                    Command::CompleteStep {
                        opinion: "x".into()
                    }
                ),
                Err(CaseError::NotAllowed(_))
            ),
            "the clerk's step first"
        );
        assert!(
            matches!(
                c.run(&approver, "2026-09-28", decide_now),
                Err(CaseError::Rule(_))
            ),
            "steps remain"
        );
        assert!(matches!(
            c.run(
                &clerk,
                "2026-09-28",
                Command::ReturnCase {
                    reasons: "x".into()
                }
            ),
            Err(CaseError::NotAllowed(_))
        ));
        assert!(
            matches!(
                c.run(
                    &clerk,
                    "2026-09-28",
                    Command::CollectFee {
                        amount_fen: 100,
                        override_reason: None
                    }
                ),
                Err(CaseError::Rule(_))
            ),
            "above the standard"
        );
        c.run(
            &clerk,
            "2026-09-28",
            Command::CollectFee {
                amount_fen: 100,
                override_reason: Some("工本费标准调整，经批准".into()),
            },
        )
        .unwrap();
        assert!(matches!(
            c.run(
                &reviewer,
                "2026-09-28",
                Command::Withdraw { reason: "x".into() }
            ),
            Err(CaseError::NotAllowed(_))
        ));
        c.run(
            &clerk,
            "2026-09-28",
            Command::Withdraw {
                reason: "申请人主动撤回".into(),
            },
        )
        .unwrap();
        assert!(matches!(
            c.run(&clerk, "2026-09-28", Command::SupplementReceived),
            Err(CaseError::WrongStage(_))
        ));
    }

    #[test]
    fn extensions_need_approval_and_move_the_deadline() {
        let (clerk, reviewer, approver) = (
            staff(1, &[Role::Clerk], &[]),
            staff(2, &[Role::Reviewer], &[]),
            staff(3, &[Role::Approver], &[]),
        );
        let mut c = Case::new();
        c.submit("2", &["申请书"]);
        c.run(&clerk, "2026-09-24", Command::Accept).unwrap();
        assert!(matches!(
            c.run(
                &reviewer,
                "2026-09-28",
                Command::Extend {
                    days: 5,
                    reason: "复杂".into()
                }
            ),
            Err(CaseError::NotAllowed(_))
        ));
        assert!(matches!(
            c.run(
                &approver,
                "2026-09-28",
                Command::Extend {
                    days: 11,
                    reason: "复杂".into()
                }
            ),
            Err(CaseError::Rule(_))
        ));
        c.run(
            &approver,
            "2026-09-28",
            Command::Extend {
                days: 5,
                reason: "需现场核查".into(),
            },
        )
        .unwrap();
        // 10 working days after 24 September, counting the make-up Saturday 10 October.
        assert_eq!(c.state.due, Some(d("2026-10-15")));
        // An excluded special procedure pauses, then moves the deadline by its working days.
        c.run(
            &reviewer,
            "2026-09-29",
            Command::StartSpecialProcedure {
                name: "专家评审".into(),
                excluded: true,
            },
        )
        .unwrap();
        c.run(&reviewer, "2026-10-09", Command::EndSpecialProcedure)
            .unwrap();
        assert_eq!(c.state.paused_days, 3, "30 Sep, 8 Oct, 9 Oct");
        assert_eq!(c.state.due, Some(d("2026-10-20")));
    }

    #[test]
    fn a_deadline_beyond_the_calendar_data_is_refused_not_guessed() {
        let mut c = Case::new();
        c.submit("2", &["申请书"]);
        let late = c.run(
            &staff(1, &[Role::Clerk], &[]),
            "2026-12-30",
            Command::Accept,
        );
        assert!(matches!(
            late,
            Err(CaseError::Calendar(CalendarError::OutOfRange { .. }))
        ));
        assert_eq!(c.state.stage(), Stage::Submitted, "nothing happened");
    }

    #[test]
    fn events_round_trip_through_json() {
        let e = Event::Delivered {
            delivery: Delivery::Express {
                waybill: "SF1".into(),
            },
        };
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(
            text,
            r#"{"type":"delivered","delivery":{"method":"express","waybill":"SF1"}}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), e);
    }
}

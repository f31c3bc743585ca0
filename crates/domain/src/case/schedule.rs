//! Deadlines as timers: the work a case waits on, the warning threshold, the timers that
//! supervision watches and the pledge verifications still owed.

use super::*;

/// The next piece of work on a case: what, for which role of which department, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Work {
    /// The line of the case the task belongs to: 0 for the case's own, 1.. for the branches of
    /// a joint case. A case has at most one open task per slot.
    pub slot: u16,
    pub what: String,
    pub role: Role,
    pub department_id: DepartmentId,
    /// Set when a chief representative assigned the case to one person.
    pub assignee: Option<StaffId>,
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
    /// The line of the case it runs on: 0 for the case's own clocks, 1.. for the branches of
    /// a joint case, each watched against its co-department.
    pub slot: u16,
    /// The department answerable for it when not the case's own (a branch's co-department).
    pub department_id: Option<DepartmentId>,
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
    /// A co-department's limit on its branch of a joint case (会办时限).
    Branch,
}

impl Timer {
    /// The key a case's timer is stored under: its kind, and for a branch its slot
    /// (`branch_2`), so that each branch's clock is a row of its own.
    pub fn key(&self) -> std::borrow::Cow<'static, str> {
        match self.kind {
            TimerKind::Branch => format!("branch_{}", self.slot).into(),
            kind => kind.key().into(),
        }
    }
}

impl TimerKind {
    pub fn key(self) -> &'static str {
        match self {
            TimerKind::Case => "case",
            TimerKind::Step => "step",
            TimerKind::Deficiency => "deficiency",
            TimerKind::PledgeVerification => "pledge_verification",
            TimerKind::Branch => "branch",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TimerKind::Case => "办件承诺时限",
            TimerKind::Step => "环节时限",
            TimerKind::Deficiency => "容缺材料补交期限",
            TimerKind::PledgeVerification => "告知承诺核查期限",
            TimerKind::Branch => "会办时限",
        }
    }
}

/// The outcome of a 告知承诺 verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PledgeCheck {
    pub on: NaiveDate,
    pub truthful: bool,
}

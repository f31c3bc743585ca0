//! The case aggregate's vocabulary: what a case refers to (item version, steps, materials,
//! applicant), its stages, the events it records, the commands it accepts and who gives them.

use super::*;

/// The item version a case is filed under, as far as handling needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRef {
    pub item_id: ItemId,
    pub version: i64,
    pub name: String,
    pub department_id: DepartmentId,
    /// A.6 办件类型 (stored as its code).
    pub case_type: CaseType,
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
    /// 并联审批: the co-departments (共同实施部门) that review at the same time as the lead
    /// department, each on its own branch; empty for a case one department handles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<BranchRef>,
}

impl ItemRef {
    /// What handling needs of a published catalogue version. Its codes are parsed here, once:
    /// a case type or a step role that is not in its code table is an error naming the field
    /// (a published version has passed validation, so this means the stored version is damaged).
    pub fn from_doc(
        item_id: ItemId,
        version: i64,
        doc: &crate::catalog::ItemDoc,
        region_code: &str,
    ) -> Result<ItemRef, FieldErrors> {
        let mut errors = FieldErrors::new();
        let case_type = doc.case_type.parse::<CaseType>();
        if let Err(e) = &case_type {
            errors.add("case_type", e.clone());
        }
        let steps: Vec<StepRef> = doc
            .steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s.role.parse::<Role>() {
                Ok(role) => Some(StepRef {
                    name: s.name.clone(),
                    role,
                    department_id: s.department_id,
                    limit_days: s.limit_days,
                }),
                Err(_) => {
                    errors.add(
                        &format!("steps[{i}].role"),
                        format!("环节角色“{}”不是已知角色", s.role),
                    );
                    None
                }
            })
            .collect();
        let case_type = match case_type {
            Ok(t) if errors.is_empty() => t,
            _ => return Err(errors),
        };
        Ok(ItemRef {
            item_id,
            version,
            name: doc.name.clone(),
            department_id: doc.department_id,
            case_type,
            promised_days: doc.promised_limit_days,
            statutory_days: doc.statutory_limit_days,
            steps,
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
            branches: if case_type == CaseType::Instant {
                Vec::new()
            } else {
                let limit = match doc.joint_limit_days {
                    0 => doc.promised_limit_days,
                    days => days,
                };
                doc.joint_department_ids
                    .iter()
                    .map(|d| BranchRef::review(*d, limit))
                    .collect()
            },
        })
    }

    /// The name of step `i`, or 决定 once every step is done.
    pub fn step_name(&self, i: usize) -> &str {
        self.steps.get(i).map_or("决定", |s| s.name.as_str())
    }
}

/// One co-department's part of a joint case (并联审批): its steps, handled by its own staff,
/// and its limit in working days from the day the lead department sent it (即时分送), inside
/// the joint deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchRef {
    pub department_id: DepartmentId,
    /// The department's name as the joint signing form prints it; filled in by the store.
    #[serde(default)]
    pub department_name: String,
    pub steps: Vec<StepRef>,
    pub limit_days: u32,
    /// The item this branch handles, when the joint case bundles several items (一件事);
    /// none for a co-department's review of the case's own item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<BranchItem>,
}

/// An item handled on a branch of a bundle's joint case, as published when it was filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchItem {
    pub item_id: ItemId,
    pub version: i64,
    pub name: String,
}

impl BranchRef {
    /// A co-department's review: its reviewer examines, its approver signs the joint opinion
    /// (会签).
    pub fn review(department_id: DepartmentId, limit_days: u32) -> BranchRef {
        let step = |name: &str, role| StepRef {
            name: name.to_owned(),
            role,
            department_id,
            limit_days: 0,
        };
        BranchRef {
            department_id,
            department_name: String::new(),
            steps: vec![
                step("会办审查", Role::Reviewer),
                step("会签", Role::Approver),
            ],
            limit_days,
            item: None,
        }
    }

    /// The department's name (or its number when the name is not known), with the item it
    /// handles in a bundle.
    pub fn label(&self) -> String {
        let department = if self.department_name.is_empty() {
            format!("部门 {}", self.department_id)
        } else {
            self.department_name.clone()
        };
        match &self.item {
            Some(item) => format!("{department}（{}）", item.name),
            None => department,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRef {
    pub name: String,
    pub role: Role,
    pub department_id: DepartmentId,
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
    /// Over with a result or a refusal (办结, 送达, 不予受理, 退件): the service may be rated.
    /// A withdrawn application was not served and is not.
    pub fn is_rateable(self) -> bool {
        self.is_closed() && self != Stage::Withdrawn
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

/// One item of a one-time notice: a material (by its name) or a form field (by its key, with
/// its label as `material`), and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    pub material: String,
    pub reason: String,
    /// The online form's field this item names, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Missing {
    /// A material that is missing or wrong.
    pub fn material(material: impl Into<String>, reason: impl Into<String>) -> Missing {
        Missing {
            material: material.into(),
            reason: reason.into(),
            field: None,
        }
    }
}

/// The online application a case was submitted from (网上申请): its number in the hall and a
/// SHA-256 digest of what was submitted (answers, delivery, the files' hashes), so that the
/// case's hash chain also vouches for the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationRef {
    pub id: i64,
    pub digest: String,
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
        #[serde(default, skip_serializing_if = "Option::is_none")]
        application: Option<ApplicationRef>,
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
        #[serde(default, skip_serializing_if = "Option::is_none")]
        supply_by: Option<NaiveDate>,
        /// The case number and query code, given with the first notice before acceptance so
        /// that the applicant can follow the case while supplementing; acceptance keeps them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        case_no: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        query_code: Option<String>,
    },
    SupplementReceived {
        paused_days: u32,
        /// The deadline moved by the pause; none before acceptance (no clock runs yet).
        due: Option<NaiveDate>,
        /// What the applicant brought.
        #[serde(default)]
        materials: Vec<String>,
        /// The digest of the online application as corrected, when the applicant answered
        /// online.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        application: Option<ApplicationRef>,
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
        staff_id: StaffId,
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
        approved_by: AccountId,
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
    /// 即时分送: on acceptance, every branch of a joint case starts at once.
    BranchesSent {
        on: NaiveDate,
    },
    /// A co-department completed a step of its branch; completing the last one signs the
    /// branch's opinion (会签).
    BranchStepCompleted {
        branch: usize,
        step: usize,
        opinion: String,
        on: NaiveDate,
    },
    /// A co-department returned its branch to the lead department, with its reasons.
    BranchReturned {
        branch: usize,
        reasons: String,
        on: NaiveDate,
    },
    /// The lead department sent a returned branch again, from its first step.
    BranchResent {
        branch: usize,
        note: String,
        on: NaiveDate,
    },
    /// A co-department's list of what the applicant must supplement, gathered by the lead into
    /// the case's one notice (一次性告知).
    BranchSupplementAsked {
        branch: usize,
        missing: Vec<Missing>,
    },
    /// 一事一评: the applicant's review of the service once the case is over (the second one
    /// is the follow-up, 追评). Never edited; a bad one carries the deadlines for its callback
    /// and rectification, and every one the last day the department may appeal it.
    Reviewed {
        rating: Rating,
        follow_up: bool,
        on: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<BadReviewDue>,
        appeal_by: NaiveDate,
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
        /// The online application submitted (channel `online` from the hall).
        #[serde(default)]
        application: Option<ApplicationRef>,
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
        /// The day the applicant is asked to bring the materials by, printed on the notice;
        /// none: whenever they are ready.
        #[serde(default)]
        supply_by: Option<NaiveDate>,
    },
    /// The supplements asked for have come in: the materials received now join the case's.
    /// Registered by the department's staff, or sent by the applicant of an online case from
    /// the corrected application.
    SupplementReceived {
        #[serde(default)]
        materials: Vec<String>,
        #[serde(default)]
        application: Option<ApplicationRef>,
    },
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
        staff_id: StaffId,
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
    /// A co-department's step on its branch of a joint case (the last one signs, 会签).
    CompleteBranchStep {
        branch: usize,
        opinion: String,
    },
    /// A co-department sends its branch back to the lead department.
    ReturnBranch {
        branch: usize,
        reasons: String,
    },
    /// The lead department sends a returned branch again.
    ResendBranch {
        branch: usize,
        note: String,
    },
    /// A co-department lists what the applicant must supplement; the lead sends it with the
    /// case's one notice.
    AskBranchSupplement {
        branch: usize,
        missing: Vec<Missing>,
    },
    /// 一事一评: the applicant rates the service once the case is over, and may follow it up
    /// once (追评). Given by the applicant's account, by whoever holds the case's query code
    /// (the QR code on the receipt), or entered by staff for a caller (channel `phone`). The
    /// centre's deadlines for answering a bad review come with it (the reviews context fills
    /// them in from its settings).
    Review {
        rating: Rating,
        #[serde(default)]
        query_code: Option<String>,
        #[serde(default)]
        policy: ReviewPolicy,
    },
}

/// Who acts. Staff carry roles, department and granted powers; applicants carry their account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: AccountId,
    pub staff_id: Option<StaffId>,
    pub roles: Vec<Role>,
    pub department_id: Option<DepartmentId>,
    pub powers: Vec<Power>,
    /// Staff this person is the B post for (AB岗).
    pub backup_for: Vec<StaffId>,
}

impl Actor {
    /// A staff member with these roles, no granted powers and no one to stand in for.
    pub fn staff(
        account_id: AccountId,
        staff_id: StaffId,
        roles: &[Role],
        department_id: Option<DepartmentId>,
    ) -> Actor {
        Actor {
            account_id,
            staff_id: Some(staff_id),
            roles: roles.to_vec(),
            department_id,
            powers: vec![],
            backup_for: vec![],
        }
    }

    /// The same person holding these powers (首席代表授权).
    pub fn with_powers(self, powers: &[Power]) -> Actor {
        Actor {
            powers: powers.to_vec(),
            ..self
        }
    }

    pub(super) fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    pub(super) fn is_staff(&self) -> bool {
        self.staff_id.is_some()
    }
    /// Whether this person verifies 告知承诺 of the department's cases after approval: its
    /// reviewers and approvers.
    pub fn verifies_pledges_of(&self, department_id: DepartmentId) -> bool {
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
    /// The case has not reached the point where this is done (steps remain before the
    /// decision): not offered on the case page.
    #[error("{0}")]
    NotYet(String),
    #[error("{0}")]
    Rule(String),
    /// A value outside its bounds, named by its field (`reason`, `materials[3]`).
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl CaseError {
    /// Stable codes for the API.
    pub fn code(&self) -> &'static str {
        match self {
            CaseError::WrongStage(_) | CaseError::NotYet(_) => "illegal_transition",
            CaseError::NotAllowed(_) => "forbidden",
            CaseError::Rule(_) => "rule",
            CaseError::Invalid { .. } => "validation",
            CaseError::Calendar(_) => "calendar",
        }
    }
}

pub(super) fn rule(message: impl Into<String>) -> CaseError {
    CaseError::Rule(message.into())
}

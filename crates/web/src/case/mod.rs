//! Case handling shared by the workbench pages and the API: the business clock, validating an
//! applicant, submitting, acting on a case, and who may see which case.

pub mod api;
pub mod pages;

use chrono::{Duration, NaiveDate, Utc};
use onewindow_domain::auth::{CaseAction, Principal};
use onewindow_domain::case::{Applicant, Channel, Command};
use onewindow_domain::ids::{BundleId, CaseId, CreditCode, ItemId, ResidentId};
use onewindow_domain::org::{AccountKind, FieldErrors, validate_mobile};
use onewindow_store::StoreError;
use onewindow_store::case::commands::{CommandOutcome, CommandRequest};
use onewindow_store::case::queries::CaseView;
use serde::Deserialize;

use crate::AppState;
use crate::auth::require;

/// The business date. Asia/Shanghai has no daylight saving, so it is UTC+8; a fixed date can
/// be set for training and demonstrations (`--today`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    pub fixed: Option<NaiveDate>,
    /// A fixed time of day with the fixed date (tests that check someone in at 08:45).
    pub time: Option<chrono::NaiveTime>,
}

impl Clock {
    pub fn today(&self) -> NaiveDate {
        self.fixed
            .unwrap_or_else(|| (Utc::now() + Duration::hours(8)).date_naive())
    }

    /// The local time now: the business date with the time of day in Asia/Shanghai (a fixed
    /// date keeps the real time of day, so that slots pass as the day goes on).
    pub fn now(&self) -> chrono::NaiveDateTime {
        let real = (Utc::now() + Duration::hours(8)).naive_utc();
        self.today().and_time(self.time.unwrap_or(real.time()))
    }
}

/// An applicant as entered at the window or sent by an integrating system.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ApplicantInput {
    /// individual (自然人) or company (法人).
    pub kind: String,
    pub name: String,
    /// 居民身份证号码 for individuals, 统一社会信用代码 for companies; check digits verified.
    pub id_number: String,
    pub mobile: String,
}

/// A new application: of one item, or of a 一件事 bundle (then `item_id` is left out).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SubmitInput {
    #[serde(default)]
    pub item_id: ItemId,
    /// A 一件事一次办 bundle applied for at once: one joint case over its items.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub bundle_id: Option<BundleId>,
    /// Required for staff registering at a window; applicants apply as themselves.
    #[serde(default)]
    pub applicant: Option<ApplicantInput>,
    /// Names of the catalogue materials handed in (the checklist ticked at the window).
    #[serde(default)]
    pub materials: Vec<String>,
}

/// Validates an applicant; field names are prefixed with `prefix` (e.g. `applicant.`).
pub fn validate_applicant(input: &ApplicantInput, prefix: &str) -> Result<Applicant, FieldErrors> {
    let mut errors = FieldErrors::new();
    let f = |name: &str| format!("{prefix}{name}");
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.add(&f("name"), "请填写申请人姓名或单位名称（100 字以内）");
    }
    let id = input.id_number.trim();
    let id_number = match input.kind.as_str() {
        "individual" => match ResidentId::parse(id) {
            Ok(v) => v.as_str().to_owned(),
            Err(e) => {
                errors.add(&f("id_number"), format!("身份证号码{e}"));
                String::new()
            }
        },
        "company" => match CreditCode::parse(id) {
            Ok(v) => v.as_str().to_owned(),
            Err(e) => {
                errors.add(&f("id_number"), format!("统一社会信用代码{e}"));
                String::new()
            }
        },
        _ => {
            errors.add(&f("kind"), "请选择自然人或法人");
            String::new()
        }
    };
    let mobile = validate_mobile(&mut errors, &f("mobile"), &input.mobile);
    errors.into_result()?;
    Ok(Applicant {
        kind: input.kind.clone(),
        name: name.to_owned(),
        id_number,
        mobile,
    })
}

/// What an application is filed under: its item as published now, or a bundle's joint case
/// (whose items' prerequisites must be met by this applicant).
pub async fn item_for(
    state: &AppState,
    input: &SubmitInput,
    applicant_id: &str,
) -> Result<onewindow_domain::case::ItemRef, crate::error::ApiError> {
    match input.bundle_id {
        Some(bundle) => Ok(state.store.joint().case_item(bundle, applicant_id).await?),
        None if input.item_id.get() > 0 => {
            Ok(state.store.cases().item_ref_for_case(input.item_id).await?)
        }
        None => Err(FieldErrors::single("item_id", "请选择事项或一件事").into()),
    }
}

/// Why a case command did not go through, for pages and the API alike.
pub type CaseResult<T> = Result<T, StoreError>;

/// Opens a case: a window registration by staff, or an online application by the applicant.
pub async fn submit(
    state: &AppState,
    who: &Principal,
    remote: Option<&str>,
    input: &SubmitInput,
    idempotency_key: Option<String>,
) -> Result<CommandOutcome, crate::error::ApiError> {
    let channel = if who.is_staff() {
        require(state, who, remote, CaseAction::Handle, None).await?;
        Channel::Window
    } else {
        require(state, who, remote, CaseAction::Apply, None).await?;
        Channel::Online
    };
    let applicant = match (channel, &input.applicant) {
        (Channel::Window, Some(a)) => validate_applicant(a, "applicant.")?,
        (Channel::Window, None) => {
            return Err(FieldErrors::single("applicant", "请填写申请人信息").into());
        }
        (Channel::Online, _) => state.store.cases().applicant_of(who.account_id).await?,
    };
    let item = item_for(state, input, &applicant.id_number).await?;
    let unknown: Vec<&str> = input
        .materials
        .iter()
        .filter(|m| !item.materials.iter().any(|x| &x.name == *m))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(FieldErrors::single(
            "materials",
            format!("不是本事项的材料：{}", unknown.join("、")),
        )
        .into());
    }
    let command = Command::Submit {
        application: None,
        channel,
        item: Box::new(item),
        applicant,
        materials: input.materials.clone(),
    };
    Ok(run(state, who, None, None, command, idempotency_key).await?)
}

/// Runs a command on an existing case.
pub async fn act(
    state: &AppState,
    who: &Principal,
    remote: Option<&str>,
    case_id: CaseId,
    expected_version: Option<u64>,
    command: Command,
    idempotency_key: Option<String>,
) -> Result<CommandOutcome, crate::error::ApiError> {
    if matches!(command, Command::Submit { .. }) {
        return Err(FieldErrors::single("command.type", "提交申请请使用 POST /cases").into());
    }
    if who.is_staff() {
        // A co-department acts on its own branch of a joint case: the gate checks that it may
        // handle its own department's work, the aggregate that the branch is its own.
        let department = match &command {
            Command::CompleteBranchStep { .. }
            | Command::ReturnBranch { .. }
            | Command::AskBranchSupplement { .. }
                if who.department_id.is_some() =>
            {
                who.department_id
            }
            _ => Some(state.store.cases().case_department(case_id).await?),
        };
        require(state, who, remote, CaseAction::Handle, department).await?;
    } else {
        require(state, who, remote, CaseAction::Apply, None).await?;
    }
    Ok(run(
        state,
        who,
        Some(case_id),
        expected_version,
        command,
        idempotency_key,
    )
    .await?)
}

async fn run(
    state: &AppState,
    who: &Principal,
    case_id: Option<CaseId>,
    expected_version: Option<u64>,
    command: Command,
    idempotency_key: Option<String>,
) -> CaseResult<CommandOutcome> {
    let actor = state.store.cases().case_actor(who).await?;
    state
        .store
        .cases()
        .execute(CommandRequest {
            case_id,
            expected_version,
            command,
            actor,
            idempotency_key,
            today: state.clock.today(),
            at: onewindow_store::now_ms(),
        })
        .await
}

/// A case if `who` may see it: staff by department (centre-wide roles see all), applicants
/// their own. Others get NotFound, so case ids cannot be probed.
pub async fn visible_case(
    state: &AppState,
    who: &Principal,
    remote: Option<&str>,
    case_id: CaseId,
) -> Result<CaseView, crate::error::ApiError> {
    let view = state.store.cases().case_view(case_id).await?;
    if who.is_staff() {
        // A joint case is seen by its co-departments, once sent to them, as well as by the
        // lead department.
        let co_department = view.state.item.as_ref().is_some_and(|i| {
            i.branches.iter().zip(&view.state.branches).any(|(b, s)| {
                s.status != onewindow_domain::case::BranchStatus::Waiting
                    && onewindow_domain::auth::authorize(
                        who,
                        CaseAction::View,
                        Some(b.department_id),
                    )
                    .is_ok()
            })
        });
        if !co_department {
            require(
                state,
                who,
                remote,
                CaseAction::View,
                Some(view.row.department_id),
            )
            .await?;
        }
    } else if who.kind == AccountKind::Staff || !applicant_owns(state, who, &view).await? {
        return Err(crate::error::ApiError::NotFound("case"));
    }
    Ok(view)
}

/// Whether an applicant may see a case: they submitted it online, or it was accepted (at a
/// window) under their own resident id or credit code.
async fn applicant_owns(
    state: &AppState,
    who: &Principal,
    view: &CaseView,
) -> Result<bool, crate::error::ApiError> {
    if view.applicant_account == Some(who.account_id) {
        return Ok(true);
    }
    let Some(filed_under) = view.state.applicant.as_ref().map(|a| a.id_number.as_str()) else {
        return Ok(false);
    };
    match state.store.cases().applicant_of(who.account_id).await {
        Ok(me) => Ok(!filed_under.is_empty() && me.id_number == filed_under),
        Err(StoreError::Invalid(_) | StoreError::NotFound(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

//! `decide`: a command and the current state into events, or a refusal naming the rule; the
//! findings an event proves; and the commands the signed-in person could give now.

use super::*;

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

pub(super) fn require_text(value: &str, what: &str) -> Result<(), CaseError> {
    if value.trim().is_empty() {
        Err(rule(format!("须填写{what}")))
    } else {
        Ok(())
    }
}

/// Where an item's first step is the window's 受理 (a clerk's step), acceptance is that step's
/// act: accepting completes it, so the case goes straight on to review.
fn first_review_step(item: &ItemRef) -> usize {
    usize::from(item.steps.first().is_some_and(|s| s.role == Role::Clerk))
}

/// The acceptance event, followed by the completion of the 受理 step where the item has one.
fn acceptance_ends_step(accepted: Event, item: &ItemRef, opinion: &str, ctx: &Ctx) -> Vec<Event> {
    let mut events = vec![accepted];
    if !item.branches.is_empty() {
        // 即时分送: every co-department starts the day the lead accepts.
        events.push(Event::BranchesSent { on: ctx.today });
    }
    if first_review_step(item) == 1 {
        events.push(Event::StepCompleted {
            step: 0,
            opinion: opinion.to_owned(),
            on: ctx.today,
        });
    }
    events
}

/// The case number and query code acceptance records: those a first 一次性告知 already gave
/// the applicant, or new ones.
fn numbers(state: &CaseState, ctx: &Ctx) -> (String, String) {
    (
        state.case_no.clone().unwrap_or_else(|| ctx.case_no.clone()),
        state
            .query_code
            .clone()
            .unwrap_or_else(|| ctx.query_code.clone()),
    )
}

/// A joint case is decided only when every co-department has signed its opinion: a permit
/// issued while a review is still pending is the classic failure of joint approval.
fn branches_signed(state: &CaseState) -> Result<(), CaseError> {
    let unsigned = state.unsigned_branches();
    if unsigned.is_empty() {
        Ok(())
    } else {
        Err(CaseError::NotYet(format!(
            "并联审批尚有部门未会签：{}",
            unsigned.join("、")
        )))
    }
}

/// Refuses a command that breaks a rule, or returns the events it causes.
pub fn decide(state: &CaseState, command: &Command, ctx: &Ctx) -> Result<Vec<Event>, CaseError> {
    super::bounds::check(command, ctx)?;
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
            application,
        } => {
            in_stage(&[Stage::New])?;
            if *channel == Channel::Window && !actor.has(Role::Clerk) {
                return Err(CaseError::NotAllowed("窗口登记须由窗口人员办理"));
            }
            if application.is_some() && (*channel != Channel::Online || actor.is_staff()) {
                return Err(CaseError::NotAllowed("网上申请须由申请人本人提交"));
            }
            Ok(vec![Event::Submitted {
                channel: *channel,
                item: item.clone(),
                applicant: applicant.clone(),
                materials: materials.clone(),
                application: application.clone(),
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
            let (case_no, query_code) = numbers(state, ctx);
            let accepted = Event::Accepted {
                case_no,
                query_code,
                accepted_on: ctx.today,
                due: deadline(ctx.calendar, item, ctx.today, 0, 0)?,
            };
            if item.case_type == CaseType::Instant {
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
            Ok(acceptance_ends_step(
                accepted,
                item,
                "材料齐全，予以受理",
                ctx,
            ))
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
            let (case_no, query_code) = numbers(state, ctx);
            let accepted = Event::AcceptedWithDeficiencies {
                case_no,
                query_code,
                accepted_on: ctx.today,
                due: deadline(ctx.calendar, item, ctx.today, 0, 0)?,
                pending: pending.clone(),
                supply_by: *supply_by,
                commitment: commitment.clone(),
            };
            Ok(acceptance_ends_step(accepted, item, "容缺受理", ctx))
        }
        Command::ApproveOnPledge { pledge, verify_by } => {
            in_stage(&[Stage::InReview])?;
            if !actor.has(Role::Approver) {
                return Err(CaseError::NotAllowed("告知承诺审批须由审批人作出"));
            }
            branches_signed(state)?;
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
        Command::RequestSupplement {
            missing,
            reason,
            supply_by,
        } => {
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
            if missing
                .iter()
                .any(|m| m.material.trim().is_empty() || m.reason.trim().is_empty())
            {
                return Err(rule("一次性告知须逐项列明缺少或有误的材料及原因"));
            }
            // One notice: what the co-departments asked for goes with the lead's own items.
            let mut missing = missing.clone();
            for m in state.gathered_supplements() {
                if !missing
                    .iter()
                    .any(|x| x.material == m.material && x.field == m.field)
                {
                    missing.push(m);
                }
            }
            if missing.is_empty() {
                return Err(rule("一次性告知须逐项列明缺少或有误的材料及原因"));
            }
            let second = state.supplement_notices > 0;
            if second && reason.trim().is_empty() {
                return Err(rule("同一办件第二次要求补正须说明理由（将记入电子监察）"));
            }
            not_paused()?;
            if supply_by.is_some_and(|by| by <= ctx.today) {
                return Err(rule("补正期限须晚于今天"));
            }
            // Numbered now if not yet: the applicant leaves with the number on the notice.
            let numbered = state.case_no.is_none();
            Ok(vec![Event::SupplementRequested {
                missing,
                second,
                reason: reason.clone(),
                since: ctx.today,
                supply_by: *supply_by,
                case_no: numbered.then(|| ctx.case_no.clone()),
                query_code: numbered.then(|| ctx.query_code.clone()),
            }])
        }
        Command::SupplementReceived {
            materials,
            application,
        } => {
            let Some(Pause::Supplement { since }) = &state.paused else {
                return Err(CaseError::WrongStage(stage.label()));
            };
            let item = item()?;
            // The department's staff register what came in; the applicant of an online case
            // (whose ownership the store checks) answers from the application itself.
            let online_applicant = !actor.is_staff() && state.channel == Some(Channel::Online);
            if !(department_staff(item) || online_applicant) {
                return Err(CaseError::NotAllowed(
                    "只有办理部门的工作人员可以登记补正材料",
                ));
            }
            if online_applicant && application.is_none() {
                return Err(rule("网上补正须提交补正后的申请"));
            }
            if let Some(other) = materials
                .iter()
                .find(|m| !item.materials.iter().any(|x| &x.name == *m))
            {
                return Err(rule(format!("“{other}”不是本事项的材料")));
            }
            let paused_days = ctx.calendar.working_days_between(*since, ctx.today)?;
            let due = match state.accepted_on {
                Some(on) => Some(deadline(
                    ctx.calendar,
                    item,
                    on,
                    state.paused_days + paused_days,
                    state.extended_days,
                )?),
                None => None,
            };
            Ok(vec![Event::SupplementReceived {
                paused_days,
                due,
                materials: materials.clone(),
                application: application.clone(),
            }])
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
            if state.current_step <= first_review_step(item()?) {
                // Nothing to return to (acceptance is not undone by a return): not an option.
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
            let extended = state.extended_days.checked_add(*days);
            if *days == 0 || extended.is_none_or(|total| total > 10) {
                return Err(rule(
                    "延长期限累计为 1 至 10 个工作日（行政许可法第四十二条）",
                ));
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
                return Err(CaseError::NotYet(format!(
                    "尚有环节未办理（当前：{}）",
                    item.steps[state.current_step].name
                )));
            }
            branches_signed(state)?;
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
            if !(actor.has(Role::Clerk) && department_staff(item()?)) {
                return Err(CaseError::NotAllowed(
                    "送达由办理部门或综合窗口的窗口人员登记",
                ));
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
            // The applicant (whose ownership the caller checks) or a window clerk of the
            // handling department, or of a comprehensive window, for them.
            if actor.is_staff() && !(actor.has(Role::Clerk) && department_staff(item()?)) {
                return Err(CaseError::NotAllowed(
                    "撤回由申请人提出，或由办理部门、综合窗口的窗口人员代为登记",
                ));
            }
            require_text(reason, "撤回理由")?;
            Ok(vec![Event::Withdrawn {
                reason: reason.clone(),
            }])
        }
        Command::Review {
            rating,
            query_code,
            policy,
        } => review(state, rating, query_code.as_deref(), policy, ctx),
        Command::CompleteBranchStep { .. }
        | Command::ReturnBranch { .. }
        | Command::ResendBranch { .. }
        | Command::AskBranchSupplement { .. } => super::joint::decide_branch(state, command, ctx),
        Command::ReturnCase { reasons } => {
            in_stage(&[Stage::Submitted, Stage::InReview])?;
            if !(actor.has(Role::ChiefRepresentative)
                && actor.powers.contains(&Power::ReturnGatekeeping)
                && actor.department_id == Some(item()?.department_id))
            {
                return Err(CaseError::NotAllowed(
                    "退件须由办理部门具有退办件把关权的首席代表决定",
                ));
            }
            require_text(reasons, "退件理由")?;
            Ok(vec![Event::Returned {
                reasons: reasons.clone(),
            }])
        }
    }
}

/// 一事一评: once the case is over, its applicant rates it once and may follow up once. The
/// applicant acts through their account (the caller checks it is theirs) or with the case's
/// query code; staff only enter a review given by phone, for the handling department or at a
/// comprehensive window.
fn review(
    state: &CaseState,
    rating: &Rating,
    query_code: Option<&str>,
    policy: &ReviewPolicy,
    ctx: &Ctx,
) -> Result<Vec<Event>, CaseError> {
    let stage = state.stage();
    if !stage.is_rateable() {
        return Err(rule(format!(
            "办件办结后才能评价（当前：{}）",
            stage.label()
        )));
    }
    let actor = ctx.actor;
    if actor.is_staff() {
        let department = state.item.as_ref().map(|i| i.department_id);
        let at_window = actor.has(Role::Clerk) || actor.has(Role::ChiefRepresentative);
        if !rating.channel.by_staff()
            || !at_window
            || !(actor.department_id.is_none() || actor.department_id == department)
        {
            return Err(CaseError::NotAllowed(
                "工作人员只能代为登记电话评价（本部门或综合窗口）",
            ));
        }
    } else {
        if rating.channel.by_staff() || rating.channel == crate::reviews::ReviewChannel::Tablet {
            return Err(CaseError::Invalid {
                field: "channel".into(),
                message: "电话评价由工作人员登记，评价器用于窗口的一次一评".into(),
            });
        }
        if let Some(code) = query_code
            && state.query_code.as_deref() != Some(code)
        {
            return Err(CaseError::NotAllowed("查询码不正确"));
        }
    }
    if state.reviews >= 2 {
        return Err(rule("本件已评价并追评过，评价不能修改或再次提交"));
    }
    policy.check().map_err(|e| CaseError::Invalid {
        field: "policy".into(),
        message: e.summary(),
    })?;
    let due = match rating.grade() {
        crate::reviews::Grade::Bad => {
            let h = crate::reviews::Handling::open(ctx.today, policy, ctx.calendar)?;
            Some(BadReviewDue {
                callback_by: h.callback_by,
                rectify_by: h.rectify_by,
            })
        }
        _ => None,
    };
    Ok(vec![Event::Reviewed {
        rating: rating.clone(),
        follow_up: state.reviews == 1,
        on: ctx.today,
        due,
        appeal_by: ctx
            .calendar
            .add_working_days(ctx.today, policy.appeal_days)?,
    }])
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
                missing: vec![Missing::material(text(), text())],
                reason: text(),
                supply_by: None,
            },
        ),
        (
            "supplement_received",
            Command::SupplementReceived {
                materials: vec![],
                application: None,
            },
        ),
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
                staff_id: StaffId(0),
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
                Err(CaseError::WrongStage(_) | CaseError::NotAllowed(_) | CaseError::NotYet(_))
            )
        })
        .map(|(name, _)| name)
        .collect()
}

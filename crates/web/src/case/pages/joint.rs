//! 并联审批 on the case page and on paper: each co-department's branch with its step, limit,
//! days used and signed opinions, the forms its staff may use now, what the branches asked the
//! applicant for (gathered into the lead's one notice), and the printable joint signing form
//! (一表审签) with every department's opinion, signer and date on one page.

use super::*;
use onewindow_domain::case::{BranchStatus, branch_commands};

/// One signed or recorded opinion of a branch.
pub struct OpinionView {
    pub step: String,
    pub opinion: String,
    pub signer: String,
    pub on: String,
}

/// One co-department's branch as staff read it.
pub struct BranchView {
    pub index: usize,
    pub department: String,
    pub status: String,
    pub signed: bool,
    pub step: String,
    pub due: String,
    pub days_used: String,
    pub opinions: Vec<OpinionView>,
    pub returned: String,
    pub asked: Vec<String>,
    /// The branch commands this person may give now.
    pub actions: Vec<&'static str>,
}

pub struct JointPanel {
    pub lead: String,
    pub branches: Vec<BranchView>,
    /// What the branches asked for, not yet in a notice: the lead's next 一次性告知 carries it.
    pub gathered: Vec<String>,
}

/// The branches of a joint case, or None for a case one department handles.
pub(super) fn joint_panel(
    view: &CaseView,
    ctx: &Ctx,
    lead: String,
) -> Result<Option<JointPanel>, PageError> {
    let s = &view.state;
    let Some(item) = s.item.as_ref().filter(|i| !i.branches.is_empty()) else {
        return Ok(None);
    };
    let actions = if ctx.actor.staff_id.is_some() {
        branch_commands(s, ctx)
    } else {
        Vec::new()
    };
    let mut branches = Vec::new();
    for (index, (b, st)) in item.branches.iter().zip(&s.branches).enumerate() {
        let calendar_text = |d: Result<Option<u32>, _>| match d {
            Ok(Some(n)) => format!("{n} 个工作日"),
            Ok(None) => String::new(),
            Err(_) => "日历外".to_owned(),
        };
        branches.push(BranchView {
            index,
            department: b.label(),
            status: st.status.label().to_owned(),
            signed: st.status == BranchStatus::Signed,
            step: match st.status {
                BranchStatus::Open => b
                    .steps
                    .get(st.step)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            },
            due: st
                .due(b, ctx.calendar)
                .ok()
                .flatten()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            days_used: calendar_text(st.days_used(ctx.today, ctx.calendar)),
            opinions: opinions(view, index, b),
            returned: st.returned.clone().unwrap_or_default(),
            asked: st
                .asked
                .iter()
                .map(|m| format!("{}：{}", m.material, m.reason))
                .collect(),
            actions: actions
                .iter()
                .filter(|(i, _)| *i == index)
                .map(|(_, a)| *a)
                .collect(),
        });
    }
    Ok(Some(JointPanel {
        lead,
        branches,
        gathered: s
            .gathered_supplements()
            .iter()
            .map(|m| format!("{}：{}", m.material, m.reason))
            .collect(),
    }))
}

/// The opinions of branch `index` with who recorded each, from the case's events.
fn opinions(
    view: &CaseView,
    index: usize,
    branch: &onewindow_domain::case::BranchRef,
) -> Vec<OpinionView> {
    view.events
        .iter()
        .filter_map(
            |e| match serde_json::from_value::<Event>(e.payload.clone()) {
                Ok(Event::BranchStepCompleted {
                    branch: b,
                    step,
                    opinion,
                    on,
                }) if b == index => Some(OpinionView {
                    step: branch
                        .steps
                        .get(step)
                        .map(|x| x.name.clone())
                        .unwrap_or_default(),
                    opinion,
                    signer: e.actor_name.clone(),
                    on: on.to_string(),
                }),
                _ => None,
            },
        )
        .collect()
}

/// The command of a branch form on the case page.
pub(super) fn branch_command(data: &FormData, errors: &mut FieldErrors) -> Option<Command> {
    let branch = data.text("branch").trim().parse::<usize>().ok();
    let Some(branch) = branch else {
        errors.add("branch", "请选择会办部门");
        return None;
    };
    Some(match data.text("action").as_str() {
        "complete_branch_step" => Command::CompleteBranchStep {
            branch,
            opinion: data.text("opinion"),
        },
        "return_branch" => Command::ReturnBranch {
            branch,
            reasons: data.text("reasons"),
        },
        "resend_branch" => Command::ResendBranch {
            branch,
            note: data.text("note"),
        },
        "ask_branch_supplement" => Command::AskBranchSupplement {
            branch,
            missing: parse_missing(&data.text("missing")),
        },
        _ => {
            errors.add("action", "未知操作");
            return None;
        }
    })
}

#[derive(Template)]
#[template(path = "case/joint_form.html")]
pub(super) struct JointFormPage {
    chrome: Chrome,
    id: CaseId,
    head: Letterhead,
    accepted_on: String,
    due: String,
    lead: String,
    lead_opinions: Vec<OpinionView>,
    branches: Vec<BranchView>,
    complete: bool,
}

/// 一表审签: the joint signing form of a joint case.
pub(super) async fn joint_form(p: &Print) -> PageResult {
    let s = &p.view.state;
    let (Some(case_no), Some(item)) = (s.case_no.clone(), s.item.as_ref()) else {
        return Err(PageError::BadRequest("该办件尚未受理，没有会签表。".into()));
    };
    if item.branches.is_empty() {
        return Err(PageError::BadRequest(
            "该办件不是并联审批办件，没有会签表。".into(),
        ));
    }
    let cal = p
        .state
        .store
        .calendar()
        .calendar_for(&item.region_code)
        .await?;
    let actor = p.state.store.cases().case_actor(&p.user.principal).await?;
    let ctx = Ctx {
        today: p.state.clock.today(),
        actor: &actor,
        calendar: &cal,
        case_no: String::new(),
        query_code: String::new(),
    };
    let lead = p
        .state
        .store
        .org()
        .get_department(item.department_id)
        .await?
        .name;
    let Some(panel) = joint_panel(&p.view, &ctx, lead)? else {
        return Err(PageError::NotFound);
    };
    let lead_opinions = p
        .view
        .events
        .iter()
        .filter_map(
            |e| match serde_json::from_value::<Event>(e.payload.clone()) {
                Ok(Event::StepCompleted { step, opinion, on }) => Some(OpinionView {
                    step: item.step_name(step).to_owned(),
                    opinion,
                    signer: e.actor_name.clone(),
                    on: on.to_string(),
                }),
                Ok(Event::Decided { .. }) => Some(OpinionView {
                    step: "决定".into(),
                    opinion: event_detail(&e.payload),
                    signer: e.actor_name.clone(),
                    on: local_time(e.at).chars().take(10).collect(),
                }),
                _ => None,
            },
        )
        .collect();
    render(&JointFormPage {
        chrome: Chrome::new("并联审批会签表", &p.user.ctx),
        id: p.view.row.id,
        head: p.letterhead(case_no, item).await?,
        accepted_on: s.accepted_on.map(|d| d.to_string()).unwrap_or_default(),
        due: s.due.map(|d| d.to_string()).unwrap_or_default(),
        complete: panel.branches.iter().all(|b| b.signed),
        lead: panel.lead,
        lead_opinions,
        branches: panel.branches,
    })
}

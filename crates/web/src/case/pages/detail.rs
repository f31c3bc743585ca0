//! The case page: the case's state, its timeline and the forms this user may use now.

use super::*;
use onewindow_domain::ids::StaffId;

// ---- the case page ----

pub struct TimelineView {
    pub at: String,
    pub what: String,
    pub detail: String,
    pub actor: String,
}

#[derive(Template)]
#[template(path = "case/case.html")]
pub(super) struct CasePage {
    chrome: Chrome,
    id: CaseId,
    version: u64,
    case_no: String,
    query_code: String,
    item_name: String,
    item_link: String,
    applicant: String,
    applicant_id: String,
    applicant_mobile: String,
    channel: String,
    stage: String,
    step: String,
    accepted_on: String,
    due: String,
    badge: String,
    tone: &'static str,
    materials: Vec<String>,
    pending: Vec<String>,
    catalogue_materials: Vec<String>,
    decision: String,
    timeline: Vec<TimelineView>,
    actions: Vec<&'static str>,
    staff: Vec<(StaffId, String)>,
    error: String,
    /// The action whose form the error belongs to.
    error_action: String,
    data: FormData,
    fee_standard: String,
    /// The 告知承诺 verification deadline, when the case was approved on pledge.
    pledge_verify_by: String,
    form_id: String,
    /// The printable documents: the receipt once accepted, the notice once one was given.
    receipt: bool,
    notice: bool,
    decision_document: bool,
    /// The online application the case came from, shown for pre-review.
    online: Option<OnlinePanel>,
    /// The co-departments' branches of a joint case (并联审批).
    joint: Option<JointPanel>,
    /// This person has a branch to work on (the forms are in the joint panel).
    joint_actions: bool,
}

/// An online application as the clerk pre-reviews it: the answers by label, the delivery
/// chosen, and each material's files, viewable in the browser.
pub(super) struct OnlinePanel {
    pub answers: Vec<(String, String)>,
    /// (key, label) of the form's fields, for the itemised notice.
    pub fields: Vec<(String, String)>,
    pub delivery: String,
    pub deferred: String,
    pub materials: Vec<(String, Vec<OnlineFile>)>,
    pub digest: String,
}

pub(super) struct OnlineFile {
    pub name: String,
    pub href: String,
    pub kind: String,
    pub size: String,
    pub image: bool,
    pub pdf: bool,
}

/// The online application of a case, if it came from the hall.
async fn online_panel(state: &AppState, case_id: CaseId) -> Result<Option<OnlinePanel>, PageError> {
    let hall = state.store.hall();
    let Some(app) = hall.application_of_case(case_id).await? else {
        return Ok(None);
    };
    let doc = hall.doc(&app).await?;
    Ok(Some(OnlinePanel {
        answers: doc
            .form
            .iter()
            .filter_map(|f| {
                app.content
                    .answers
                    .get(&f.key)
                    .map(|v| (f.label.clone(), v.clone()))
            })
            .collect(),
        fields: doc
            .form
            .iter()
            .map(|f| (f.key.clone(), f.label.clone()))
            .collect(),
        delivery: app.content.delivery.text(),
        deferred: app.content.deferred.join("、"),
        materials: doc
            .materials
            .iter()
            .map(|m| {
                let files = app
                    .files
                    .iter()
                    .filter(|f| f.material == m.name)
                    .map(|f| OnlineFile {
                        name: f.filename.clone(),
                        href: format!("/work/cases/{case_id}/files/{}", f.id),
                        kind: f.kind.label().to_owned(),
                        size: onewindow_domain::hall::size_text(f.size as u64),
                        image: f.kind.is_image(),
                        pdf: f.kind == onewindow_domain::hall::FileKind::Pdf,
                    })
                    .collect();
                (m.name.clone(), files)
            })
            .collect(),
        digest: app.digest(),
    }))
}

impl CasePage {
    fn v(&self, name: &str) -> String {
        self.data.text(name)
    }
}

/// Masks an id number for print: the first six and last four characters.
pub(super) fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 10 {
        return id.to_owned();
    }
    chars[..6]
        .iter()
        .chain(std::iter::repeat_n(&'*', chars.len() - 10))
        .chain(chars[chars.len() - 4..].iter())
        .collect()
}

/// The details of an event staff may read on the timeline.
pub(super) fn event_detail(payload: &serde_json::Value) -> String {
    let s = |k: &str| payload[k].as_str().unwrap_or_default().to_owned();
    let parts: Vec<String> = [
        "opinion",
        "reasons",
        "reason",
        "legal_basis",
        "pledge",
        "commitment",
        "notes",
    ]
    .iter()
    .map(|k| s(k))
    .filter(|v| !v.is_empty() && v != "-")
    .collect();
    let mut out = parts.join("；");
    if let Some(d) = payload.get("decision") {
        let approved = d["approved"].as_bool().unwrap_or(false);
        let reasons = d["reasons"].as_str().unwrap_or_default().trim();
        out = format!(
            "{}{}{}",
            if approved { "准予" } else { "不予许可" },
            if reasons.is_empty() {
                String::new()
            } else {
                format!("：{reasons}")
            },
            d["legal_basis"]
                .as_str()
                .filter(|b| !b.is_empty())
                .map(|b| format!("（依据：{b}）"))
                .unwrap_or_default()
        );
    }
    out
}

pub(super) async fn case_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<CaseId>,
) -> PageResult {
    let view = case_for(&state, &user, id).await?;
    render(&case_view_page(&state, &user, &view, FormData::default()).await?)
}

pub(super) async fn case_view_page(
    state: &AppState,
    user: &PageUser,
    view: &CaseView,
    data: FormData,
) -> Result<CasePage, PageError> {
    let s = &view.state;
    let today = state.clock.today();
    let item = s.item.clone();
    let region = item
        .as_ref()
        .map(|i| i.region_code.clone())
        .unwrap_or_default();
    let cal = state.store.calendar().calendar_for(&region).await?;
    let actor = state.store.cases().case_actor(&user.principal).await?;
    let ctx = Ctx {
        today,
        actor: &actor,
        calendar: &cal,
        case_no: String::new(),
        query_code: String::new(),
    };
    let actions = if user.principal.is_staff() {
        available_commands(s, &ctx)
    } else {
        vec![]
    };
    let joint = match item.as_ref().filter(|i| !i.branches.is_empty()) {
        Some(i) => {
            let lead = state
                .store
                .org()
                .get_department(i.department_id)
                .await?
                .name;
            joint_panel(view, &ctx, lead)?
        }
        None => None,
    };
    let staff = if actions.contains(&"reassign") {
        state
            .store
            .org()
            .list_staff(None, item.as_ref().map(|i| i.department_id))
            .await?
            .into_iter()
            .filter(|m| m.active.get())
            .map(|m| (m.id, format!("{}（{}）", m.name, m.login)))
            .collect()
    } else {
        vec![]
    };
    let (badge, tone) = badge(
        view.row.due.as_deref(),
        view.row.paused.get(),
        &view.row.stage,
        today,
        &cal,
    );
    let applicant = s
        .applicant
        .clone()
        .unwrap_or(onewindow_domain::case::Applicant {
            kind: String::new(),
            name: String::new(),
            id_number: String::new(),
            mobile: String::new(),
        });
    Ok(CasePage {
        chrome: Chrome::new(
            format!(
                "办件 {}",
                view.row
                    .case_no
                    .clone()
                    .unwrap_or_else(|| format!("#{}", view.row.id))
            ),
            &user.ctx,
        ),
        id: view.row.id,
        version: s.version,
        case_no: view.row.case_no.clone().unwrap_or_default(),
        query_code: s.query_code.clone().unwrap_or_default(),
        receipt: s.accepted_on.is_some(),
        notice: s.supplement_notices > 0,
        decision_document: s.decision.is_some(),
        item_name: view.row.item_name.clone(),
        item_link: item
            .as_ref()
            .map(|i| format!("/items/{}?version={}", i.item_id, i.version))
            .unwrap_or_default(),
        applicant: applicant.name,
        applicant_id: applicant.id_number,
        applicant_mobile: applicant.mobile,
        channel: s.channel.map(|c| c.label()).unwrap_or_default().to_owned(),
        stage: s.stage().label().to_owned(),
        step: match (s.stage(), &item) {
            (Stage::InReview, Some(_)) if s.awaiting_signatures() => "等待会办部门会签".to_owned(),
            (Stage::InReview, Some(i)) => i.step_name(s.current_step).to_owned(),
            _ => view.row.step_name.clone().unwrap_or_default(),
        },
        accepted_on: view.row.accepted_on.clone().unwrap_or_default(),
        due: view.row.due.clone().unwrap_or_default(),
        badge,
        tone,
        materials: s.materials.clone(),
        pending: s.pending_deficiencies.clone(),
        catalogue_materials: item
            .as_ref()
            .map(|i| i.materials.iter().map(|m| m.name.clone()).collect())
            .unwrap_or_default(),
        decision: s
            .decision
            .as_ref()
            .map(|d| if d.approved { "准予" } else { "不予许可" }.to_owned())
            .unwrap_or_default(),
        timeline: {
            // 代办: the project's agent is named as acting for the investor.
            let agent = state.store.joint().agent_of_case(view.row.id).await?;
            view.events
                .iter()
                .map(|e| TimelineView {
                    at: local_time(e.at),
                    what: public_label(&e.payload, item.as_ref()),
                    detail: event_detail(&e.payload),
                    actor: match &agent {
                        Some((account, investor, letter)) if *account == e.actor_id => {
                            format!("{}（代办员，受{investor}委托：{letter}）", e.actor_name)
                        }
                        _ => e.actor_name.clone(),
                    },
                })
                .collect()
        },
        actions,
        staff,
        error: String::new(),
        error_action: String::new(),
        data,
        fee_standard: item
            .as_ref()
            .map(|i| {
                format!(
                    "{}.{:02}",
                    i.fee_standard_fen / 100,
                    i.fee_standard_fen % 100
                )
            })
            .unwrap_or_default(),
        pledge_verify_by: s
            .pledge_verify_by
            .map(|d| d.to_string())
            .unwrap_or_default(),
        form_id: form_id(),
        online: online_panel(state, view.row.id).await?,
        joint_actions: joint
            .as_ref()
            .is_some_and(|j| j.branches.iter().any(|b| !b.actions.is_empty())),
        joint,
    })
}

/// Yuan as typed ("12.5") into fen.
pub(super) fn parse_yuan(errors: &mut FieldErrors, data: &FormData, name: &str) -> u64 {
    let t = data.text(name);
    let t = t.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    match (
        whole.parse::<u64>(),
        frac.len() <= 2 && frac.bytes().all(|b| b.is_ascii_digit()),
    ) {
        (Ok(w), true) => w * 100 + format!("{frac:0<2}").parse::<u64>().unwrap_or(0),
        _ => {
            errors.add(name, "请填写金额（元），最多两位小数");
            0
        }
    }
}

/// The command a case-page form asks for.
pub(super) fn form_command(data: &FormData, errors: &mut FieldErrors) -> Option<Command> {
    let t = |n: &str| data.text(n);
    Some(match t("action").as_str() {
        "accept" => Command::Accept,
        "accept_with_deficiencies" | "request_supplement" | "refuse_acceptance" => {
            return acceptance_command(data, errors);
        }
        "supplement_received" => Command::SupplementReceived {
            application: None,
            materials: data.all("received"),
        },
        "supply_deficiency" => Command::SupplyDeficiency {
            material: t("material"),
        },
        "waive_deficiency" => Command::WaiveDeficiency {
            material: t("material"),
            reason: t("reason"),
        },
        "complete_step" => Command::CompleteStep {
            opinion: t("opinion"),
        },
        "return_step" => Command::ReturnStep {
            reasons: t("reasons"),
        },
        "reassign" => Command::Reassign {
            staff_id: data.i64(errors, "staff_id"),
            reason: t("reason"),
        },
        "start_special_procedure" => Command::StartSpecialProcedure {
            name: t("name"),
            excluded: data.flag("excluded"),
        },
        "end_special_procedure" => Command::EndSpecialProcedure,
        "extend" => Command::Extend {
            days: t("days").trim().parse().unwrap_or_else(|_| {
                errors.add("days", "请填写 1 至 10 的整数");
                0
            }),
            reason: t("reason"),
        },
        "approve_on_pledge" => Command::ApproveOnPledge {
            pledge: t("pledge"),
            verify_by: parse_date(errors, data, "verify_by"),
        },
        "verify_pledge" => Command::VerifyPledge {
            truthful: t("truthful") != "0",
            notes: t("notes"),
        },
        "decide" => Command::Decide {
            decision: Decision {
                approved: t("approved") != "0",
                reasons: t("reasons"),
                legal_basis: t("legal_basis"),
            },
        },
        "collect_fee" => Command::CollectFee {
            amount_fen: parse_yuan(errors, data, "amount"),
            override_reason: Some(t("override_reason")).filter(|r| !r.trim().is_empty()),
        },
        "conclude" => Command::Conclude,
        "deliver" => {
            let waybill = t("waybill").trim().to_owned();
            let delivery = match t("method").as_str() {
                "express" => Delivery::Express { waybill },
                method => {
                    // A waybill on a pickup or an electronic delivery is a slip of the hand,
                    // not something to drop silently.
                    if !waybill.is_empty() {
                        errors.add("waybill", "只有快递寄送需要填写快递单号");
                        return None;
                    }
                    match method {
                        "electronic" => Delivery::Electronic,
                        _ => Delivery::Pickup,
                    }
                }
            };
            Command::Deliver { delivery }
        }
        "withdraw" => Command::Withdraw {
            reason: t("reason"),
        },
        "return_case" => Command::ReturnCase {
            reasons: t("reasons"),
        },
        "complete_branch_step" | "return_branch" | "resend_branch" | "ask_branch_supplement" => {
            return branch_command(data, errors);
        }
        _ => {
            errors.add("action", "未知操作");
            return None;
        }
    })
}

pub(super) async fn case_act(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<CaseId>,
    body: Bytes,
) -> PageResult {
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let command = form_command(&data, &mut errors);
    let version: Option<u64> = data.text("version").parse().ok();
    let failure = match (command, errors.is_empty()) {
        (Some(command), true) => {
            let key = form_key("case", &data);
            match act(
                &state,
                &user.principal,
                user.ctx.remote.as_deref(),
                id,
                version,
                command.clone(),
                key,
            )
            .await
            {
                Ok(_) => return Ok(Redirect::to(&after_command(id, &command)).into_response()),
                Err(ApiError::Case(e)) => e.to_string(),
                Err(ApiError::Conflict(_)) => {
                    "办件已被他人更新，以下为最新状态，请核对后重新操作。".into()
                }
                Err(ApiError::IdempotencyMismatch) => {
                    "该表单已提交过，请刷新页面后重新填写。".into()
                }
                Err(ApiError::Invalid(f)) => f.summary(),
                Err(e) => return Err(PageError::from(e)),
            }
        }
        _ => errors.summary(),
    };
    let view = case_for(&state, &user, id).await?;
    let action = data.text("action");
    let mut page = case_view_page(&state, &user, &view, data).await?;
    page.error = failure;
    page.error_action = action;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[cfg(test)]
mod tests {
    use super::{event_detail, form_command};
    use crate::pages::FormData;
    use onewindow_domain::case::{Command, Delivery};
    use onewindow_domain::org::FieldErrors;
    use serde_json::json;

    #[test]
    fn a_waybill_goes_with_express_delivery_only() {
        let deliver = |method: &str, waybill: &str| {
            let mut errors = FieldErrors::new();
            let data = FormData::from_pairs([
                ("action", "deliver".to_owned()),
                ("method", method.to_owned()),
                ("waybill", waybill.to_owned()),
            ]);
            (form_command(&data, &mut errors), errors)
        };
        let (command, errors) = deliver("electronic", "SF1234567890");
        assert!(command.is_none());
        assert!(errors.message_for("waybill").is_some());
        let (command, _) = deliver("electronic", " ");
        assert!(matches!(
            command,
            Some(Command::Deliver {
                delivery: Delivery::Electronic
            })
        ));
        let (command, _) = deliver("express", "SF1234567890");
        assert!(matches!(
            command,
            Some(Command::Deliver {
                delivery: Delivery::Express { .. }
            })
        ));
    }

    #[test]
    fn an_approval_without_reasons_shows_no_dangling_colon() {
        let approved =
            json!({"decision": {"approved": true, "reasons": "", "legal_basis": "第三十八条"}});
        assert_eq!(event_detail(&approved), "准予（依据：第三十八条）");
        let refused =
            json!({"decision": {"approved": false, "reasons": "不符合条件", "legal_basis": ""}});
        assert_eq!(event_detail(&refused), "不予许可：不符合条件");
    }
}

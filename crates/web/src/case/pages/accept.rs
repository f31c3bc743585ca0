//! Window acceptance (窗口受理): the applicant and the materials checklist, checked against the
//! item's version, then 受理, 容缺受理, 一次性告知 or 不予受理.

use super::*;
use onewindow_domain::ids::{BundleId, ItemId};

// ---- window acceptance ----

pub struct MaterialCheck {
    pub name: String,
    pub note: String,
    pub required: bool,
    pub deficiency_allowed: bool,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "case/accept.html")]
pub(super) struct AcceptPage {
    chrome: Chrome,
    items: Vec<(ItemId, String, bool)>,
    /// 一件事 bundles this window may accept, the chosen one marked.
    bundles: Vec<(BundleId, String, bool)>,
    item_id: ItemId,
    /// The bundle chosen instead of an item (0: none).
    bundle_id: i64,
    item_name: String,
    case_type: String,
    promised_days: u32,
    materials: Vec<MaterialCheck>,
    data: FormData,
    errors: FieldErrors,
    /// The rule the aggregate refused with, if any.
    refusal: String,
    form_id: String,
}

impl AcceptPage {
    fn v(&self, name: &str) -> String {
        self.data.text(name)
    }
    fn e(&self, name: &str) -> String {
        self.errors.message_for(name).unwrap_or_default().to_owned()
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct AcceptParams {
    #[serde(default)]
    item_id: Option<ItemId>,
    #[serde(default)]
    bundle_id: Option<BundleId>,
}

pub(super) async fn accept_page(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<AcceptParams>,
) -> PageResult {
    gate(
        &state,
        &user,
        CaseAction::Handle,
        user.principal.department_id,
    )
    .await?;
    let mut data = FormData::default();
    if let Some(id) = q.bundle_id {
        data.0.push(("bundle_id".into(), id.to_string()));
        data.0.push(("applicant_kind".into(), "individual".into()));
    } else if let Some(id) = q.item_id {
        data.0.push(("item_id".into(), id.to_string()));
        data.0.push(("applicant_kind".into(), "individual".into()));
    }
    accept_form(
        &state,
        &user,
        data,
        FieldErrors::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

pub(super) async fn accept_form(
    state: &AppState,
    user: &PageUser,
    data: FormData,
    errors: FieldErrors,
    refusal: String,
    status: StatusCode,
) -> PageResult {
    let p = &user.principal;
    let filter = ItemFilter {
        department_id: if sees_all_cases(p) {
            None
        } else {
            p.department_id
        },
        status: Some("active".into()),
        item_type: None,
    };
    let items = state.store.catalog().list_items(&filter).await?;
    let item_id: ItemId = data.text("item_id").parse().unwrap_or_default();
    let bundle_id: i64 = data.text("bundle_id").parse().unwrap_or_default();
    // A bundle is accepted at its leading item's window (or a comprehensive window).
    let bundles = state.store.joint().bundles(true).await?;
    let mut page = AcceptPage {
        bundles: bundles
            .iter()
            .filter(|b| {
                sees_all_cases(p)
                    || items
                        .iter()
                        .any(|i| Some(i.id) == b.items.first().map(|x| x.id))
            })
            .map(|b| (b.id, b.name.clone(), b.id.get() == bundle_id))
            .collect(),
        bundle_id,
        chrome: Chrome::new("窗口受理", &user.ctx),
        items: items
            .iter()
            .filter(|i| i.current_version.is_some())
            .map(|i| (i.id, i.name.clone(), i.id == item_id))
            .collect(),
        item_id,
        item_name: String::new(),
        case_type: String::new(),
        promised_days: 0,
        materials: vec![],
        data: data.clone(),
        errors,
        refusal,
        form_id: form_id(),
    };
    let ticked = data.all("materials");
    if bundle_id > 0
        && let Some(b) = bundles.iter().find(|b| b.id.get() == bundle_id)
    {
        page.item_name = format!("一件事：{}", b.name);
        page.case_type = format!(
            "并联审批，{} 个事项：{}",
            b.items.len(),
            b.items
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        );
        let (promised, materials) = crate::joint::bundle_materials(state, b).await?;
        page.promised_days = promised;
        page.materials = materials
            .into_iter()
            .map(|m| MaterialCheck {
                // One material for every item that needs it.
                note: format!(
                    "原件 {} 份，复印件 {} 份（{}）{}",
                    m.originals,
                    m.copies,
                    m.items[0],
                    m.items[1..]
                        .iter()
                        .map(|i| format!("；{i}共用"))
                        .collect::<String>()
                ),
                checked: ticked.contains(&m.name),
                name: m.name,
                required: m.required,
                deficiency_allowed: m.deficiency_allowed,
            })
            .collect();
    } else if item_id.get() > 0
        && let Ok(v) = state.store.catalog().current_version(item_id).await
    {
        page.item_name = v.doc.name.clone();
        page.case_type = if v.doc.is_instant() {
            "即办件".into()
        } else {
            "承诺件".into()
        };
        page.promised_days = v.doc.promised_limit_days;
        page.materials = v
            .doc
            .materials
            .iter()
            .map(|m| MaterialCheck {
                name: m.name.clone(),
                note: format!(
                    "原件 {} 份，复印件 {} 份{}",
                    m.originals,
                    m.copies,
                    if m.condition.is_empty() {
                        String::new()
                    } else {
                        format!("；{}", m.condition)
                    }
                ),
                required: m.requirement == "required",
                deficiency_allowed: m.deficiency_allowed,
                checked: ticked.contains(&m.name),
            })
            .collect();
    }
    render_with_status(status, &page)
}

/// Lines of "材料：原因" (full- or half-width colon) into the one-time notice's items.
pub(super) fn parse_missing(text: &str) -> Vec<Missing> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (m, r) = l
                .split_once('：')
                .or_else(|| l.split_once(':'))
                .unwrap_or((l, ""));
            Missing::material(m.trim().to_owned(), r.trim().to_owned())
        })
        .collect()
}

/// The itemised rows of a one-time notice form: each material (`why:m:<name>`) or form field
/// (`why:f:<key>:<label>`) whose reason was filled in.
pub(super) fn itemised_missing(data: &FormData) -> Vec<Missing> {
    data.0
        .iter()
        .filter(|(_, why)| !why.trim().is_empty())
        .filter_map(|(k, why)| {
            let why = why.trim().to_owned();
            if let Some(name) = k.strip_prefix("why:m:") {
                Some(Missing::material(name, why))
            } else {
                let (key, label) = k.strip_prefix("why:f:")?.split_once(':')?;
                Some(Missing {
                    material: label.to_owned(),
                    reason: why,
                    field: Some(key.to_owned()),
                })
            }
        })
        .collect()
}

pub(super) fn parse_date(errors: &mut FieldErrors, data: &FormData, name: &str) -> NaiveDate {
    match NaiveDate::parse_from_str(data.text(name).trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            errors.add(name, "请填写日期，格式 YYYY-MM-DD");
            NaiveDate::MIN
        }
    }
}

/// The acceptance decision a clerk makes on the form, as a command.
pub(super) fn acceptance_command(data: &FormData, errors: &mut FieldErrors) -> Option<Command> {
    Some(match data.text("action").as_str() {
        "accept" => Command::Accept,
        "register" => return None,
        "accept_with_deficiencies" => Command::AcceptWithDeficiencies {
            pending: data.all("pending"),
            supply_by: parse_date(errors, data, "supply_by"),
            commitment: data.text("commitment"),
        },
        "request_supplement" => Command::RequestSupplement {
            missing: itemised_missing(data)
                .into_iter()
                .chain(parse_missing(&data.text("missing")))
                .collect(),
            reason: data.text("second_reason"),
            supply_by: match data.text("supplement_by").trim() {
                "" => None,
                _ => Some(parse_date(errors, data, "supplement_by")),
            },
        },
        "refuse_acceptance" => Command::RefuseAcceptance {
            reasons: data.text("reasons"),
            legal_basis: data.text("legal_basis"),
        },
        _ => {
            errors.add("action", "请选择受理方式");
            return None;
        }
    })
}

/// Checks a window acceptance against the aggregate before anything is written, so a refused
/// acceptance leaves no half-registered case behind.
pub(super) async fn check_acceptance(
    state: &AppState,
    who: &Principal,
    input: &SubmitInput,
    command: &Command,
) -> Result<(), String> {
    let applicant = input
        .applicant
        .as_ref()
        .and_then(|a| crate::case::validate_applicant(a, "").ok())
        .ok_or_else(|| "申请人信息有误".to_owned())?;
    let item = crate::case::item_for(state, input, &applicant.id_number)
        .await
        .map_err(|e| match e {
            ApiError::Invalid(f) => f.summary(),
            other => other.to_string(),
        })?;
    let actor = state
        .store
        .cases()
        .case_actor(who)
        .await
        .map_err(|e| e.to_string())?;
    let cal = state
        .store
        .calendar()
        .calendar_for(&item.region_code)
        .await
        .map_err(|e| e.to_string())?;
    let ctx = Ctx {
        today: state.clock.today(),
        actor: &actor,
        calendar: &cal,
        case_no: String::new(),
        query_code: String::new(),
    };
    let submitted = onewindow_domain::case::decide(
        &CaseState::default(),
        &Command::Submit {
            application: None,
            channel: onewindow_domain::case::Channel::Window,
            item: Box::new(item),
            applicant,
            materials: input.materials.clone(),
        },
        &ctx,
    )
    .map_err(|e| e.to_string())?;
    let state_after = CaseState::from_events(&submitted);
    onewindow_domain::case::decide(&state_after, command, &ctx)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub(super) async fn accept_submit(
    State(state): State<AppState>,
    user: PageUser,
    body: Bytes,
) -> PageResult {
    gate(
        &state,
        &user,
        CaseAction::Handle,
        user.principal.department_id,
    )
    .await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let bundle_id: Option<BundleId> = data.text("bundle_id").parse().ok();
    let item_id = if bundle_id.is_some() {
        0
    } else {
        data.i64(&mut errors, "item_id")
    };
    let applicant = ApplicantInput {
        kind: data.text("applicant_kind"),
        name: data.text("applicant_name"),
        id_number: data.text("applicant_id_number"),
        mobile: data.text("applicant_mobile"),
    };
    if let Err(e) = crate::case::validate_applicant(&applicant, "applicant_") {
        errors.0.extend(e.0);
    }
    let command = acceptance_command(&data, &mut errors);
    if !errors.is_empty() {
        return accept_form(
            &state,
            &user,
            data,
            errors,
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let input = SubmitInput {
        item_id: ItemId(item_id),
        bundle_id,
        applicant: Some(applicant),
        materials: data.all("materials"),
    };
    if let Some(command) = &command
        && let Err(rule) = check_acceptance(&state, &user.principal, &input, command).await
    {
        return accept_form(
            &state,
            &user,
            data,
            errors,
            rule,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let key = form_key("accept", &data);
    let opened = submit(
        &state,
        &user.principal,
        user.ctx.remote.as_deref(),
        &input,
        key.clone(),
    )
    .await;
    let opened = match opened {
        Ok(o) => o,
        Err(ApiError::Invalid(e)) => {
            return accept_form(
                &state,
                &user,
                data,
                e,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Err(PageError::from(e)),
    };
    let Some(command) = command else {
        return Ok(Redirect::to(&format!(
            "/work/cases/{}?notice=case_registered",
            opened.case_id
        ))
        .into_response());
    };
    let id = opened.case_id;
    match act(
        &state,
        &user.principal,
        user.ctx.remote.as_deref(),
        id,
        Some(opened.version),
        command.clone(),
        key.map(|k| format!("{k}-act")),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&after_command(id, &command)).into_response()),
        Err(e) => Err(PageError::from(e)),
    }
}

//! The staff workbench (内网办理): the inbox with countdown badges, window acceptance with the
//! materials checklist, the case page with its timeline and the forms this user may use now,
//! the printable acceptance receipt (受理回执), case search; and the public 办件查询.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::NaiveDate;
use onewindow_domain::auth::{CaseAction, Principal};
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::case::{
    CaseState, Command, Ctx, Decision, Delivery, Missing, Stage, available_commands,
};
use onewindow_domain::org::{FieldErrors, Role};
use onewindow_store::case_queries::{CaseRow, CaseView, InboxFilter, sees_all_cases};
use onewindow_store::catalog::ItemFilter;
use serde::Deserialize;

use super::{Chrome, FormData, PageResult, gate, local_time, render, render_with_status};
use crate::AppState;
use crate::api::cases::{CaseQuery, Progress, public_label};
use crate::auth::{PageUser, RequestCtx};
use crate::cases::{ApplicantInput, SubmitInput, act, submit, visible_case};
use crate::error::{ApiError, PageError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/work", get(inbox))
        .route("/work/search", get(search))
        .route("/work/accept", get(accept_page).post(accept_submit))
        .route("/work/cases/{id}", get(case_page))
        .route("/work/cases/{id}/act", post(case_act))
        .route("/work/cases/{id}/receipt", get(receipt))
        .route("/progress", get(progress_page))
}

// ---- shared views ----

/// A case row as the lists show it, with its countdown badge.
pub struct RowView {
    pub id: i64,
    pub case_no: String,
    pub item_name: String,
    pub applicant: String,
    pub stage: String,
    pub step: String,
    pub badge: String,
    /// on, warn, bad or off.
    pub tone: &'static str,
    pub submitted_on: String,
    pub due: String,
}

/// The countdown: remaining working days to the deadline; yellow from two days, red on the
/// last day and after.
fn badge(
    due: Option<&str>,
    paused: bool,
    stage: &str,
    today: NaiveDate,
    cal: &WorkCalendar,
) -> (String, &'static str) {
    if !matches!(stage, "in_review" | "decided") {
        return (String::new(), "off");
    }
    if paused {
        return ("暂停计时".into(), "off");
    }
    let Some(due) = due.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) else {
        return (String::new(), "off");
    };
    match cal.remaining_working_days(today, due) {
        Ok(n) if n < 0 => (format!("超期 {} 个工作日", -n), "bad"),
        Ok(0) => ("今日到期".into(), "bad"),
        Ok(n) if n <= 2 => (format!("剩余 {n} 个工作日"), "warn"),
        Ok(n) => (format!("剩余 {n} 个工作日"), "on"),
        Err(_) => ("日历外".into(), "warn"),
    }
}

fn stage_label(key: &str) -> &'static str {
    Stage::from_key(key).unwrap_or(Stage::New).label()
}

fn row_view(r: &CaseRow, today: NaiveDate, cal: &WorkCalendar) -> RowView {
    let (badge, tone) = badge(r.due.as_deref(), r.paused.get(), &r.stage, today, cal);
    RowView {
        id: r.id,
        case_no: r.case_no.clone().unwrap_or_else(|| "（待受理）".into()),
        item_name: r.item_name.clone(),
        applicant: r.applicant.clone(),
        stage: stage_label(&r.stage).to_owned(),
        step: r.step_name.clone().unwrap_or_default(),
        badge,
        tone,
        submitted_on: r.submitted_on.clone(),
        due: r.due.clone().unwrap_or_default(),
    }
}

/// A fresh token for a form: the submission's Idempotency-Key, so a double click or a
/// resubmitted page runs the command once.
fn form_id() -> String {
    onewindow_store::random_hex(12)
}

/// The form's idempotency key, when the page sent one.
fn form_key(prefix: &str, data: &FormData) -> Option<String> {
    let id = data.text("form_id");
    (!id.is_empty() && id.len() <= 64).then(|| format!("{prefix}-{id}"))
}

/// Keeps a query string's parameters for the next page link.
fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

// ---- inbox and search ----

/// One filter of a case list: a text box, or a drop-down when it has options.
pub struct Filter {
    pub name: String,
    pub label: String,
    pub value: String,
    pub options: Vec<(String, String)>,
}

fn filter(name: &str, label: &str, value: &str, options: Vec<(String, String)>) -> Filter {
    Filter {
        name: name.to_owned(),
        label: label.to_owned(),
        value: value.to_owned(),
        options,
    }
}

#[derive(Template)]
#[template(path = "work_list.html")]
struct ListPage {
    chrome: Chrome,
    inbox: bool,
    clerk: bool,
    intro: String,
    filters: Vec<Filter>,
    rows: Vec<RowView>,
    next: String,
    today: String,
    /// The latest deadline warnings and overdue alerts for this person (inbox only).
    alerts: Vec<onewindow_store::supervision::Notification>,
    /// Urging notices to this person's department still waiting for an accepted explanation.
    urgings: Vec<onewindow_store::supervision::Urging>,
    /// Cards given to this person, their window or their department, not revoked.
    cards: Vec<onewindow_store::assessment::Card>,
    /// The department's cases approved on pledge awaiting verification (reviewers and
    /// approvers, who verify).
    pledges: Vec<onewindow_store::case_queries::PledgeDue>,
}

#[derive(Debug, Default, Deserialize)]
struct InboxParams {
    #[serde(default)]
    what: String,
    #[serde(default)]
    due_by: String,
    #[serde(default)]
    after: String,
}

async fn inbox(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<InboxParams>,
) -> PageResult {
    gate(
        &state,
        &user,
        CaseAction::View,
        user.principal.department_id,
    )
    .await?;
    let actor = state.store.case_actor(&user.principal).await?;
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let page = state
        .store
        .inbox(
            &actor,
            &InboxFilter {
                what: opt(&q.what),
                item_id: None,
                due_by: opt(&q.due_by),
                after: opt(&q.after),
                limit: 30,
            },
        )
        .await?;
    let today = state.clock.today();
    let cal = state.store.calendar_for("").await?;
    let what = state.store.task_kinds().await?;
    render(&ListPage {
        chrome: Chrome::new("我的待办", &user.ctx),
        inbox: true,
        clerk: actor.roles.contains(&Role::Clerk),
        intro: "分派给您、您作为 B 岗顶岗，以及您所在部门和角色待办的办件，按办结期限先后排列。"
            .into(),
        filters: vec![
            filter(
                "what",
                "环节",
                &q.what,
                std::iter::once((String::new(), "全部".to_owned()))
                    .chain(what.into_iter().map(|w| (w.clone(), w)))
                    .collect(),
            ),
            filter("due_by", "期限不晚于", &q.due_by, vec![]),
        ],
        alerts: state
            .store
            .notifications(user.principal.account_id, 5)
            .await?,
        urgings: match user.principal.department_id {
            Some(d) => state
                .store
                .urgings(Some(d), 20)
                .await?
                .into_iter()
                .filter(|u| u.decision.as_deref() != Some("accepted"))
                .collect(),
            None => vec![],
        },
        cards: {
            let mut cards = state.store.cards_concerning(&actor, None, 200).await?;
            cards.retain(|c| c.status != "revoked");
            cards.truncate(10);
            cards
        },
        pledges: match actor.department_id {
            Some(d) if actor.verifies_pledges_of(d) => state.store.pledges_to_verify(d, 20).await?,
            _ => vec![],
        },
        rows: page.rows.iter().map(|r| row_view(r, today, &cal)).collect(),
        next: page
            .next
            .map(|n| {
                format!(
                    "/work?{}",
                    query_string(&[("what", &q.what), ("due_by", &q.due_by), ("after", &n)])
                )
            })
            .unwrap_or_default(),
        today: today.to_string(),
    })
}

#[derive(Debug, Default, Deserialize)]
struct SearchParams {
    #[serde(default)]
    case_no: String,
    #[serde(default)]
    applicant: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: String,
}

async fn search(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<SearchParams>,
) -> PageResult {
    gate(
        &state,
        &user,
        CaseAction::View,
        user.principal.department_id,
    )
    .await?;
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let query = CaseQuery {
        case_no: opt(&q.case_no),
        applicant: opt(&q.applicant),
        item: opt(&q.item),
        stage: opt(&q.stage),
        from: opt(&q.from),
        to: opt(&q.to),
        department_id: None,
        before: q.before.parse().ok(),
        limit: Some(30),
    };
    let page = state
        .store
        .search_cases(&query.filter(&user.principal))
        .await?;
    let today = state.clock.today();
    let cal = state.store.calendar_for("").await?;
    let text = |name: &str, label: &str, value: &str| filter(name, label, value, vec![]);
    render(&ListPage {
        chrome: Chrome::new("办件检索", &user.ctx),
        inbox: false,
        clerk: user.principal.has_role(Role::Clerk),
        intro: if sees_all_cases(&user.principal) {
            "检索全中心的办件。".into()
        } else {
            "检索本部门的办件。".into()
        },
        alerts: vec![],
        urgings: vec![],
        cards: vec![],
        pledges: vec![],
        filters: vec![
            text("case_no", "办件编号", &q.case_no),
            text("applicant", "申请人（姓名或证件号码）", &q.applicant),
            text("item", "事项名称", &q.item),
            filter(
                "stage",
                "状态",
                &q.stage,
                std::iter::once((String::new(), "全部".to_owned()))
                    .chain(
                        // Every stored stage but 未提交, which no stored case has.
                        Stage::ALL[1..]
                            .iter()
                            .map(|s| (s.key().to_owned(), s.label().to_owned())),
                    )
                    .collect(),
            ),
            text("from", "申请日期自（YYYY-MM-DD）", &q.from),
            text("to", "至", &q.to),
        ],
        rows: page.rows.iter().map(|r| row_view(r, today, &cal)).collect(),
        next: page
            .next
            .map(|n| {
                format!(
                    "/work/search?{}",
                    query_string(&[
                        ("case_no", &q.case_no),
                        ("applicant", &q.applicant),
                        ("item", &q.item),
                        ("stage", &q.stage),
                        ("from", &q.from),
                        ("to", &q.to),
                        ("before", &n),
                    ])
                )
            })
            .unwrap_or_default(),
        today: today.to_string(),
    })
}

// ---- window acceptance ----

pub struct MaterialCheck {
    pub name: String,
    pub note: String,
    pub required: bool,
    pub deficiency_allowed: bool,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "work_accept.html")]
struct AcceptPage {
    chrome: Chrome,
    items: Vec<(i64, String, bool)>,
    item_id: i64,
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
struct AcceptParams {
    #[serde(default)]
    item_id: Option<i64>,
}

async fn accept_page(
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
    if let Some(id) = q.item_id {
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

async fn accept_form(
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
    let items = state.store.list_items(&filter).await?;
    let item_id: i64 = data.text("item_id").parse().unwrap_or(0);
    let mut page = AcceptPage {
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
    if item_id > 0
        && let Ok(v) = state.store.current_version(item_id).await
    {
        let ticked = data.all("materials");
        page.item_name = v.doc.name.clone();
        page.case_type = if v.doc.case_type == "1" {
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
fn parse_missing(text: &str) -> Vec<Missing> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (m, r) = l
                .split_once('：')
                .or_else(|| l.split_once(':'))
                .unwrap_or((l, ""));
            Missing {
                material: m.trim().to_owned(),
                reason: r.trim().to_owned(),
            }
        })
        .collect()
}

fn parse_date(errors: &mut FieldErrors, data: &FormData, name: &str) -> NaiveDate {
    match NaiveDate::parse_from_str(data.text(name).trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            errors.add(name, "请填写日期，格式 YYYY-MM-DD");
            NaiveDate::MIN
        }
    }
}

/// The acceptance decision a clerk makes on the form, as a command.
fn acceptance_command(data: &FormData, errors: &mut FieldErrors) -> Option<Command> {
    Some(match data.text("action").as_str() {
        "accept" => Command::Accept,
        "register" => return None,
        "accept_with_deficiencies" => Command::AcceptWithDeficiencies {
            pending: data.all("pending"),
            supply_by: parse_date(errors, data, "supply_by"),
            commitment: data.text("commitment"),
        },
        "request_supplement" => Command::RequestSupplement {
            missing: parse_missing(&data.text("missing")),
            reason: data.text("second_reason"),
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
async fn check_acceptance(
    state: &AppState,
    who: &Principal,
    input: &SubmitInput,
    command: &Command,
) -> Result<(), String> {
    let item = state
        .store
        .item_ref_for_case(input.item_id)
        .await
        .map_err(|e| e.to_string())?;
    let applicant = input
        .applicant
        .as_ref()
        .and_then(|a| crate::cases::validate_applicant(a, "").ok())
        .ok_or_else(|| "申请人信息有误".to_owned())?;
    let actor = state
        .store
        .case_actor(who)
        .await
        .map_err(|e| e.to_string())?;
    let cal = state
        .store
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

async fn accept_submit(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    gate(
        &state,
        &user,
        CaseAction::Handle,
        user.principal.department_id,
    )
    .await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let item_id = data.i64(&mut errors, "item_id");
    let applicant = ApplicantInput {
        kind: data.text("applicant_kind"),
        name: data.text("applicant_name"),
        id_number: data.text("applicant_id_number"),
        mobile: data.text("applicant_mobile"),
    };
    if let Err(e) = crate::cases::validate_applicant(&applicant, "applicant_") {
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
        item_id,
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
        Ok(_)
            if matches!(
                command,
                Command::Accept | Command::AcceptWithDeficiencies { .. }
            ) =>
        {
            Ok(Redirect::to(&format!("/work/cases/{id}/receipt")).into_response())
        }
        Ok(_) => Ok(Redirect::to(&format!("/work/cases/{id}?notice=saved")).into_response()),
        Err(e) => Err(PageError::from(e)),
    }
}

// ---- the case page ----

pub struct TimelineView {
    pub at: String,
    pub what: String,
    pub detail: String,
    pub actor: String,
}

#[derive(Template)]
#[template(path = "work_case.html")]
struct CasePage {
    chrome: Chrome,
    id: i64,
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
    staff: Vec<(i64, String)>,
    error: String,
    /// The action whose form the error belongs to.
    error_action: String,
    data: FormData,
    fee_standard: String,
    /// The 告知承诺 verification deadline, when the case was approved on pledge.
    pledge_verify_by: String,
    form_id: String,
}

impl CasePage {
    fn v(&self, name: &str) -> String {
        self.data.text(name)
    }
}

/// Masks an id number for print: the first six and last four characters.
fn mask_id(id: &str) -> String {
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
fn event_detail(payload: &serde_json::Value) -> String {
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
        out = format!(
            "{}：{}{}",
            if approved { "准予" } else { "不予许可" },
            d["reasons"].as_str().unwrap_or_default(),
            d["legal_basis"]
                .as_str()
                .filter(|b| !b.is_empty())
                .map(|b| format!("（依据：{b}）"))
                .unwrap_or_default()
        );
    }
    out
}

async fn case_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(notice): Query<super::Notice>,
) -> PageResult {
    let view = visible_case(&state, &user.principal, user.ctx.remote.as_deref(), id)
        .await
        .map_err(PageError::from)?;
    let mut page = case_view_page(&state, &user, &view, FormData::default()).await?;
    page.chrome = page.chrome.with_notice(&notice);
    render(&page)
}

async fn case_view_page(
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
    let cal = state.store.calendar_for(&region).await?;
    let actor = state.store.case_actor(&user.principal).await?;
    let actions = if user.principal.is_staff() {
        available_commands(
            s,
            &Ctx {
                today,
                actor: &actor,
                calendar: &cal,
                case_no: String::new(),
                query_code: String::new(),
            },
        )
    } else {
        vec![]
    };
    let staff = if actions.contains(&"reassign") {
        state
            .store
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
        timeline: view
            .events
            .iter()
            .map(|e| TimelineView {
                at: local_time(e.at),
                what: public_label(&e.payload, item.as_ref()),
                detail: event_detail(&e.payload),
                actor: e.actor_name.clone(),
            })
            .collect(),
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
    })
}

/// Yuan as typed ("12.5") into fen.
fn parse_yuan(errors: &mut FieldErrors, data: &FormData, name: &str) -> u64 {
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
fn form_command(data: &FormData, errors: &mut FieldErrors) -> Option<Command> {
    let t = |n: &str| data.text(n);
    Some(match t("action").as_str() {
        "accept" => Command::Accept,
        "accept_with_deficiencies" | "request_supplement" | "refuse_acceptance" => {
            return acceptance_command(data, errors);
        }
        "supplement_received" => Command::SupplementReceived,
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
        "deliver" => Command::Deliver {
            delivery: match t("method").as_str() {
                "express" => Delivery::Express {
                    waybill: t("waybill").trim().to_owned(),
                },
                "electronic" => Delivery::Electronic,
                _ => Delivery::Pickup,
            },
        },
        "withdraw" => Command::Withdraw {
            reason: t("reason"),
        },
        "return_case" => Command::ReturnCase {
            reasons: t("reasons"),
        },
        _ => {
            errors.add("action", "未知操作");
            return None;
        }
    })
}

async fn case_act(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
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
                Ok(_) => {
                    let to = if matches!(
                        command,
                        Command::Accept | Command::AcceptWithDeficiencies { .. }
                    ) {
                        format!("/work/cases/{id}/receipt")
                    } else {
                        format!("/work/cases/{id}?notice=saved")
                    };
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(ApiError::Case(e)) => e.to_string(),
                Err(ApiError::Conflict(_)) => {
                    "办件已被他人更新，以下为最新状态，请核对后重新操作。".into()
                }
                Err(ApiError::IdempotencyMismatch) => {
                    "该表单已提交过，请刷新页面后重新填写。".into()
                }
                Err(ApiError::Invalid(f)) => {
                    f.0.into_iter()
                        .map(|(_, m)| m)
                        .collect::<Vec<_>>()
                        .join("；")
                }
                Err(e) => return Err(PageError::from(e)),
            }
        }
        _ => errors
            .0
            .iter()
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>()
            .join("；"),
    };
    let view = visible_case(&state, &user.principal, user.ctx.remote.as_deref(), id)
        .await
        .map_err(PageError::from)?;
    let action = data.text("action");
    let mut page = case_view_page(&state, &user, &view, data).await?;
    page.error = failure;
    page.error_action = action;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

// ---- the acceptance receipt ----

#[derive(Template)]
#[template(path = "work_receipt.html")]
struct ReceiptPage {
    chrome: Chrome,
    id: i64,
    centre: String,
    centre_phone: String,
    case_no: String,
    query_code: String,
    item_name: String,
    applicant: String,
    applicant_id: String,
    accepted_on: String,
    due: String,
    promised_days: u32,
    instant: bool,
    concluded: bool,
    materials: Vec<String>,
    pending: Vec<String>,
    supply_by: String,
    progress_url: String,
}

async fn receipt(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>) -> PageResult {
    let view = visible_case(&state, &user.principal, user.ctx.remote.as_deref(), id)
        .await
        .map_err(PageError::from)?;
    let s = &view.state;
    let (Some(case_no), Some(item)) = (s.case_no.clone(), s.item.clone()) else {
        return Err(PageError::BadRequest(
            "该办件尚未受理，没有受理回执。".into(),
        ));
    };
    let department = state.store.get_department(item.department_id).await?;
    let centre = state.store.get_centre(department.centre_id).await?;
    let applicant = s.applicant.clone();
    render(&ReceiptPage {
        chrome: Chrome::new("受理回执", &user.ctx),
        id,
        centre: centre.name,
        centre_phone: centre.phone,
        case_no: case_no.clone(),
        query_code: s.query_code.clone().unwrap_or_default(),
        item_name: item.name.clone(),
        applicant: applicant
            .as_ref()
            .map(|a| a.name.clone())
            .unwrap_or_default(),
        applicant_id: applicant
            .as_ref()
            .map(|a| mask_id(&a.id_number))
            .unwrap_or_default(),
        accepted_on: s.accepted_on.map(|d| d.to_string()).unwrap_or_default(),
        due: s.due.map(|d| d.to_string()).unwrap_or_default(),
        promised_days: item.promised_days,
        instant: item.case_type == "1",
        concluded: matches!(s.stage(), Stage::Concluded | Stage::Delivered),
        materials: s.materials.clone(),
        pending: s.pending_deficiencies.clone(),
        supply_by: s
            .deficiency_supply_by
            .map(|d| d.to_string())
            .unwrap_or_default(),
        progress_url: format!("/progress?case_no={case_no}"),
    })
}

// ---- 办件查询 (public) ----

#[derive(Template)]
#[template(path = "progress.html")]
struct ProgressPage {
    chrome: Chrome,
    case_no: String,
    query_code: String,
    asked: bool,
    progress: Option<Progress>,
}

#[derive(Debug, Default, Deserialize)]
struct ProgressParams {
    #[serde(default)]
    case_no: String,
    #[serde(default)]
    query_code: String,
}

async fn progress_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<ProgressParams>,
) -> PageResult {
    let asked = !q.case_no.trim().is_empty() && !q.query_code.trim().is_empty();
    let progress = if asked {
        match state
            .store
            .case_by_query_code(&q.case_no, &q.query_code)
            .await
        {
            Ok(view) => Some(Progress::of(&view)),
            Err(onewindow_store::StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let status = if asked && progress.is_none() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    render_with_status(
        status,
        &ProgressPage {
            chrome: Chrome::new("办件查询", &ctx),
            case_no: q.case_no.trim().to_owned(),
            query_code: q.query_code.trim().to_owned(),
            asked,
            progress,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_masked_for_print() {
        assert_eq!(mask_id("11010519491231002X"), "110105********002X");
    }

    #[test]
    fn notices_parse_line_by_line() {
        let m = parse_missing("身份证明：复印件不清晰\n\n健康证明:已过期");
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].material, "健康证明");
        assert_eq!(m[1].reason, "已过期");
    }

    #[test]
    fn yuan_become_fen() {
        let mut e = FieldErrors::new();
        let d = FormData::from_pairs([("amount", "12.5".to_owned())]);
        assert_eq!(parse_yuan(&mut e, &d, "amount"), 1250);
        let d = FormData::from_pairs([("amount", "1.234".to_owned())]);
        parse_yuan(&mut e, &d, "amount");
        assert!(!e.is_empty());
    }
}

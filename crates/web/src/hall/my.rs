//! The applicant's own pages: my cases (我的办件) with their drafts, each case's public
//! timeline, and the message centre with its channels.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use onewindow_domain::case::{CaseState, Pause, Stage};
use onewindow_domain::ids::CaseId;
use onewindow_store::messages::CHANNELS;

use super::pages::applicant;
use crate::AppState;
use crate::auth::{PageUser, require};
use crate::case::api::public_label;
use crate::error::PageError;
use crate::pages::{Chrome, FormData, PageResult, local_time, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/my", get(my_cases))
        .route("/my/cases/{id}", get(my_case))
        .route("/my/messages", get(messages).post(messages_post))
}

// ---- my cases ----

/// Where a case stands, in the applicant's words.
pub fn plain_state(s: &CaseState) -> String {
    match (s.stage(), &s.paused) {
        (Stage::Submitted | Stage::InReview, Some(Pause::Supplement { .. })) => {
            "需要补正，等待您补充材料".into()
        }
        (Stage::Submitted, _) => "已提交，等待部门预审受理".into(),
        (Stage::InReview, Some(Pause::Special { name, .. })) => {
            format!("办理中（{name}，期间暂停计时）")
        }
        (Stage::InReview, None) => "办理中".into(),
        (Stage::Decided, _) => match &s.decision {
            Some(d) if d.approved => "已作出准予决定，等待办结".into(),
            _ => "已作出不予许可决定".into(),
        },
        (Stage::Concluded, _) => "已办结，等待领取或送达".into(),
        (Stage::Delivered, _) => "已办结，结果已送达".into(),
        (stage, _) => stage.label().into(),
    }
}

pub struct MyCaseRow {
    pub id: CaseId,
    pub case_no: String,
    pub item_name: String,
    pub state: String,
    pub due: String,
    pub left: String,
    pub tone: &'static str,
    pub channel: String,
}

pub struct DraftRow {
    pub id: i64,
    pub item_name: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "hall/my.html")]
struct MyPage {
    chrome: Chrome,
    drafts: Vec<DraftRow>,
    cases: Vec<MyCaseRow>,
    unread: i64,
}

async fn my_cases(State(state): State<AppState>, user: PageUser) -> PageResult {
    applicant(&state, &user).await?;
    let me = user.principal.account_id;
    let hall = state.store.hall();
    let drafts = hall
        .applications(me, 100)
        .await?
        .into_iter()
        .filter(|a| a.case_id.is_none())
        .map(|a| DraftRow {
            id: a.id,
            item_name: a.item_name,
            updated: local_time(a.updated_at),
        })
        .collect();
    let id_number = state.store.cases().applicant_of(me).await?.id_number;
    let rows = state
        .store
        .cases()
        .applicant_cases(me, &id_number, 200)
        .await?;
    let today = state.clock.today();
    let mut cases = Vec::with_capacity(rows.len());
    for (r, s) in rows {
        let cal = state.store.calendar().calendar_for(&r.region_code).await?;
        let (left, tone) = match s.remaining_days(today, &cal) {
            Ok(Some(n)) if n < 0 => (format!("已超期 {} 个工作日", -n), "bad"),
            Ok(Some(n)) => (
                format!("剩余 {n} 个工作日"),
                if n <= 2 { "warn" } else { "on" },
            ),
            _ => (String::new(), "off"),
        };
        cases.push(MyCaseRow {
            id: r.id,
            case_no: r.case_no.clone().unwrap_or_else(|| "（待受理）".into()),
            item_name: r.item_name.clone(),
            state: plain_state(&s),
            due: r.due.clone().unwrap_or_default(),
            left,
            tone,
            channel: s.channel.map(|c| c.label()).unwrap_or_default().to_owned(),
        });
    }
    render(&MyPage {
        chrome: Chrome::new("我的办件", &user.ctx),
        drafts,
        cases,
        unread: state.store.outbox().unread(me).await?,
    })
}

pub struct StepView {
    pub at: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "hall/case.html")]
struct MyCasePage {
    chrome: Chrome,
    id: CaseId,
    item_name: String,
    case_no: String,
    query_code: String,
    channel: String,
    state: String,
    correcting: bool,
    application: Option<i64>,
    accepted_on: String,
    due: String,
    left: String,
    result: String,
    delivery: String,
    timeline: Vec<StepView>,
    documents: Vec<(&'static str, &'static str)>,
    messages: Vec<(String, String, String)>,
    /// What the applicant is offered about rating: 去评价, 追评, or the reviews given.
    review: &'static str,
}

async fn my_case(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<CaseId>,
) -> PageResult {
    let view =
        crate::case::visible_case(&state, &user.principal, user.ctx.remote.as_deref(), id).await?;
    let s = &view.state;
    let item = s.item.as_ref();
    let cal = state
        .store
        .calendar()
        .calendar_for(&view.row.region_code)
        .await?;
    let left = match s.remaining_days(state.clock.today(), &cal) {
        Ok(Some(n)) if n < 0 => format!("已超期 {} 个工作日", -n),
        Ok(Some(n)) => format!("剩余 {n} 个工作日"),
        _ => String::new(),
    };
    let application = state.store.hall().application_of_case(id).await?;
    let correcting = application.is_some()
        && matches!(s.paused, Some(Pause::Supplement { .. }))
        && !s.stage().is_closed();
    let mut documents = Vec::new();
    if s.accepted_on.is_some() {
        documents.push(("receipt", "受理回执"));
    }
    if s.supplement_notices > 0 {
        documents.push(("notice", "一次性告知书"));
    }
    if s.decision.is_some() || s.stage() == Stage::Refused {
        documents.push(("decision", "决定书"));
    }
    let delivery = view
        .events
        .iter()
        .rev()
        .find(|e| e.kind == "delivered")
        .map(|e| public_label(&e.payload, item))
        .or_else(|| {
            application
                .as_ref()
                .map(|a| format!("您选择：{}", a.content.delivery.text()))
        })
        .unwrap_or_default();
    state
        .store
        .outbox()
        .mark_read(user.principal.account_id, Some(id))
        .await?;
    let messages = state
        .store
        .outbox()
        .messages(user.principal.account_id, Some(id), 200)
        .await?
        .into_iter()
        .map(|m| (local_time(m.created_at), m.title, m.body))
        .collect();
    // 一事一评 once the case is over (a withdrawn application is not rated).
    let review = match (s.awaits_review(), s.reviews) {
        (true, 0) => "评价本次服务",
        (true, _) => "查看评价 / 追评",
        (false, n) if n >= 2 => "查看评价",
        _ => "",
    };
    render(&MyCasePage {
        review,
        chrome: Chrome::new(format!("我的办件 · {}", view.row.item_name), &user.ctx),
        id,
        item_name: view.row.item_name.clone(),
        case_no: view.row.case_no.clone().unwrap_or_default(),
        query_code: s.query_code.clone().unwrap_or_default(),
        channel: s.channel.map(|c| c.label()).unwrap_or_default().to_owned(),
        state: plain_state(s),
        correcting,
        application: application.as_ref().map(|a| a.id),
        accepted_on: s.accepted_on.map(|d| d.to_string()).unwrap_or_default(),
        due: s.due.map(|d| d.to_string()).unwrap_or_default(),
        left,
        result: s
            .decision
            .as_ref()
            .map(|d| {
                if d.approved {
                    "准予".to_owned()
                } else {
                    format!("不予许可：{}", d.reasons)
                }
            })
            .unwrap_or_default(),
        delivery,
        timeline: view
            .events
            .iter()
            .filter(|e| !matches!(e.kind.as_str(), "reassigned"))
            .map(|e| StepView {
                at: local_time(e.at),
                what: public_label(&e.payload, item),
            })
            .collect(),
        documents,
        messages,
    })
}

// ---- messages ----

#[derive(Template)]
#[template(path = "hall/messages.html")]
struct MessagesPage {
    chrome: Chrome,
    messages: Vec<MessageView>,
    channels: Vec<(&'static str, &'static str, bool)>,
}

pub struct MessageView {
    pub at: String,
    pub title: String,
    pub body: String,
    pub unread: bool,
    pub href: String,
}

async fn messages(State(state): State<AppState>, user: PageUser) -> PageResult {
    let me = user.principal.account_id;
    let messages = state.store.outbox();
    let optouts = messages.optouts(me).await?;
    let page = MessagesPage {
        chrome: Chrome::new("消息中心", &user.ctx),
        messages: messages
            .messages(me, None, 200)
            .await?
            .into_iter()
            .map(|m| MessageView {
                at: local_time(m.created_at),
                title: m.title,
                body: m.body,
                unread: m.read_at.is_none(),
                href: m
                    .case_id
                    .map(|c| {
                        if user.principal.is_staff() {
                            format!("/work/cases/{c}")
                        } else {
                            format!("/my/cases/{c}")
                        }
                    })
                    .unwrap_or_default(),
            })
            .collect(),
        channels: CHANNELS
            .iter()
            .map(|(k, l)| (*k, *l, !optouts.iter().any(|o| o == k)))
            .collect(),
    };
    render(&page)
}

async fn messages_post(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    let data = FormData::parse(&body);
    let me = user.principal.account_id;
    match data.text("op").as_str() {
        "read" => {
            state.store.outbox().mark_read(me, None).await?;
        }
        "channels" => {
            require(
                &state,
                &user.principal,
                user.ctx.remote.as_deref(),
                onewindow_domain::auth::AccountAction::ViewOwn,
                None,
            )
            .await?;
            state
                .store
                .outbox()
                .set_channels(me, &data.all("channel"))
                .await?;
        }
        _ => return Err(PageError::NotFound),
    }
    Ok(Redirect::to("/my/messages?notice=saved").into_response())
}

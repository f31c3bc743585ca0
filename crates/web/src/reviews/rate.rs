//! Rating pages (好差评): the applicant's own case (`/my/cases/{id}/review`, with the word on a
//! rectified bad review), the receipt's QR code (`/rate`, by case number and query code), and
//! a window's rating tablet (`/tablet/{key}`, 一次一评, lit by the clerk after a service). One
//! form serves all three; a refusal is shown on it, field by field.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use onewindow_domain::auth::ReviewAction;
use onewindow_domain::ids::CaseId;
use onewindow_domain::org::FieldErrors;
use onewindow_domain::reviews::{HandlingStep, RatingInput, Satisfaction};
use onewindow_store::StoreError;
use onewindow_store::reviews::{Answerer, Rater, Review};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{PageUser, RequestCtx};
use crate::error::PageError;
use crate::pages::{Chrome, FormData, PageResult, local_time, render_with_status};

/// A review already given, as its author sees it.
pub struct Given {
    pub id: i64,
    pub level: &'static str,
    pub day: String,
    pub channel: &'static str,
    pub reasons: String,
    pub comment: String,
    pub follow_up: bool,
    pub handling: &'static str,
    pub log: Vec<String>,
    /// The rectification waits for the author's word.
    pub confirm: bool,
}

impl Given {
    fn of(r: &Review) -> Given {
        Given {
            id: r.id,
            level: r.level_label(),
            day: r.day.clone(),
            channel: r.channel_label(),
            reasons: r.reasons.join("、"),
            comment: r.comment.clone(),
            follow_up: r.follow_up,
            handling: r.handling.as_ref().map_or("", |h| h.state_label()),
            log: r
                .log
                .iter()
                .filter(|l| !l.step.starts_with("appeal"))
                .map(|l| format!("{} {}：{}", local_time(l.at), l.step_label(), l.body))
                .collect(),
            confirm: r.handling.as_ref().is_some_and(|h| h.state == "confirm"),
        }
    }
}

#[derive(Template)]
#[template(path = "reviews/rate.html")]
pub struct RatePage {
    chrome: Chrome,
    heading: String,
    subject: String,
    given: Vec<Given>,
    done: String,
    /// The form is offered.
    open: bool,
    follow_up: bool,
    action: String,
    hidden: Vec<(String, String)>,
    error: String,
    /// Code, label, chosen.
    levels: Vec<(u8, &'static str, bool)>,
    /// Reason, chosen.
    reasons: Vec<(String, bool)>,
    comment: String,
    level_error: String,
    reasons_error: String,
    comment_error: String,
    /// What happens to the review, under the form.
    note: &'static str,
}

impl RatePage {
    async fn new(
        state: &AppState,
        ctx: &RequestCtx,
        heading: &str,
        action: String,
        data: &FormData,
    ) -> Result<RatePage, PageError> {
        let chosen = data.all("reasons");
        let level = data.text("level");
        Ok(RatePage {
            chrome: Chrome::new(heading, ctx),
            heading: heading.to_owned(),
            subject: String::new(),
            given: Vec::new(),
            done: String::new(),
            open: true,
            follow_up: false,
            action,
            hidden: Vec::new(),
            error: String::new(),
            levels: Satisfaction::ALL
                .iter()
                .map(|s| (s.code(), s.label(), level == s.code().to_string()))
                .collect(),
            reasons: state
                .store
                .reviews()
                .reasons(false)
                .await?
                .into_iter()
                .map(|r| {
                    let on = chosen.contains(&r.text);
                    (r.text, on)
                })
                .collect(),
            comment: data.text("comment"),
            level_error: String::new(),
            reasons_error: String::new(),
            comment_error: String::new(),
            note: "评价提交后不能修改；办结后可追评一次。实名差评将由办理部门回访并整改。",
        })
    }

    /// Shows why a rating was refused: on its fields, or above the form.
    fn refused(mut self, e: StoreError) -> PageResult {
        match e {
            StoreError::Invalid(errors) => self.show(&errors),
            StoreError::Rejected(c) => self.error = c.to_string(),
            other => return Err(other.into()),
        }
        render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &self)
    }

    fn show(&mut self, errors: &FieldErrors) {
        let at = |f: &str| errors.message_for(f).unwrap_or_default().to_owned();
        self.level_error = at("level");
        self.reasons_error = errors
            .0
            .iter()
            .find(|(f, _)| f.starts_with("reasons"))
            .map(|(_, m)| m.clone())
            .unwrap_or_default();
        self.comment_error = at("comment");
        // Above the form too: on a phone the field's message may be out of sight.
        self.error = format!("评价未提交：{}", errors.summary());
    }

    /// The reviews the case has had: the form stays for a follow-up after the first.
    fn with_given(mut self, reviews: &[Review], closed: bool) -> RatePage {
        self.given = reviews.iter().map(Given::of).collect();
        self.follow_up = reviews.len() == 1;
        self.open = closed && reviews.len() < 2;
        self
    }
}

fn input(data: &FormData, channel: &str) -> RatingInput {
    RatingInput {
        level: data.text("level").trim().parse().ok(),
        channel: channel.to_owned(),
        reasons: data.all("reasons"),
        comment: data.text("comment"),
    }
}

/// A phone's browser rates on the mobile channel, others on the PC one.
fn device_channel(headers: &HeaderMap) -> &'static str {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ua.contains("Mobile") || ua.contains("Android") || ua.contains("iPhone") {
        "mobile"
    } else {
        "pc"
    }
}

fn case_closed(stage: &str) -> bool {
    onewindow_domain::case::Stage::from_key(stage).is_some_and(|s| s.is_rateable())
}

// ---- the applicant's own case ----

async fn own_case_page(
    state: &AppState,
    user: &PageUser,
    id: CaseId,
    data: &FormData,
) -> Result<RatePage, PageError> {
    let view =
        crate::case::visible_case(state, &user.principal, user.ctx.remote.as_deref(), id).await?;
    let reviews = own_reviews(state, id).await?;
    let mut page = RatePage::new(
        state,
        &user.ctx,
        "评价本次服务",
        format!("/my/cases/{id}/review"),
        data,
    )
    .await?
    .with_given(&reviews, case_closed(&view.row.stage));
    page.subject = format!(
        "{} · 办件编号 {}",
        view.row.item_name,
        view.row.case_no.clone().unwrap_or_default()
    );
    Ok(page)
}

async fn own_reviews(state: &AppState, id: CaseId) -> Result<Vec<Review>, PageError> {
    let mut reviews = state.store.reviews().of_case(id).await?;
    for r in reviews.iter_mut() {
        if r.handling.is_some() {
            *r = state.store.reviews().get(r.id).await?;
        }
    }
    Ok(reviews)
}

pub async fn own_case(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<CaseId>,
) -> PageResult {
    crate::pages::gate(&state, &user, ReviewAction::Rate, None).await?;
    let page = own_case_page(&state, &user, id, &FormData::default()).await?;
    render_with_status(StatusCode::OK, &page)
}

pub async fn rate_own_case(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<CaseId>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> PageResult {
    crate::pages::gate(&state, &user, ReviewAction::Rate, None).await?;
    let data = FormData::parse(&body);
    let rated = state
        .store
        .reviews()
        .rate_case(
            Rater::Account(user.principal.account_id),
            Some(id),
            &input(&data, device_channel(&headers)),
            state.clock.today(),
            None,
        )
        .await;
    match rated {
        Ok(_) => crate::kit::redirect(&format!("/my/cases/{id}/review"), "rated"),
        Err(e) => own_case_page(&state, &user, id, &data).await?.refused(e),
    }
}

/// The author's word on a rectified bad review.
pub async fn confirm(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> PageResult {
    crate::pages::gate(&state, &user, ReviewAction::Rate, None).await?;
    let data = FormData::parse(&body);
    let step = HandlingStep::Confirm {
        satisfied: data.text("satisfied") == "1",
        note: data.text("note"),
    };
    let who = Answerer::Reviewer {
        account: user.principal.account_id,
        name: user.principal.display_name.clone(),
    };
    let review = state.store.reviews().get(id).await?;
    let case_id = review.case_id.ok_or(PageError::NotFound)?;
    match state
        .store
        .reviews()
        .answer(id, who, &step, state.clock.today())
        .await
    {
        Ok(_) => crate::kit::redirect(&format!("/my/cases/{case_id}/review"), "answered"),
        Err(StoreError::Invalid(e)) => {
            let mut page = own_case_page(&state, &user, case_id, &data).await?;
            page.error = e.summary();
            render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- the receipt's QR code ----

#[derive(Debug, Default, Deserialize)]
pub struct CodeParams {
    #[serde(default)]
    case_no: String,
    #[serde(default)]
    query_code: String,
}

async fn code_page(
    state: &AppState,
    ctx: &RequestCtx,
    case_no: &str,
    code: &str,
    data: &FormData,
) -> Result<RatePage, PageError> {
    let view = state
        .store
        .cases()
        .case_by_query_code(case_no, code, ctx.remote.as_deref())
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => PageError::NotFound,
            other => other.into(),
        })?;
    let reviews = state.store.reviews().of_case(view.row.id).await?;
    let closed = case_closed(&view.row.stage);
    let mut page = RatePage::new(state, ctx, "评价本次服务", "/rate".into(), data)
        .await?
        .with_given(&reviews, closed);
    page.hidden = vec![
        ("case_no".into(), case_no.trim().to_owned()),
        ("query_code".into(), code.trim().to_owned()),
    ];
    page.subject = format!("{} · 办件编号 {}", view.row.item_name, case_no.trim());
    if !closed {
        page.done = "本件尚在办理中，办结后即可评价。".into();
    }
    Ok(page)
}

pub async fn by_code(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<CodeParams>,
) -> PageResult {
    let page = code_page(
        &state,
        &ctx,
        &q.case_no,
        &q.query_code,
        &FormData::default(),
    )
    .await?;
    render_with_status(StatusCode::OK, &page)
}

pub async fn rate_by_code(
    State(state): State<AppState>,
    ctx: RequestCtx,
    body: axum::body::Bytes,
) -> PageResult {
    let data = FormData::parse(&body);
    let (case_no, code) = (data.text("case_no"), data.text("query_code"));
    let rated = state
        .store
        .reviews()
        .rate_case(
            Rater::Code {
                case_no: case_no.clone(),
                code: code.clone(),
                remote: ctx.remote.clone(),
            },
            None,
            &input(&data, "qr"),
            state.clock.today(),
            None,
        )
        .await;
    match rated {
        Ok(_) => {
            let mut page = code_page(&state, &ctx, &case_no, &code, &FormData::default()).await?;
            page.done = "感谢您的评价！".into();
            render_with_status(StatusCode::OK, &page)
        }
        Err(StoreError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => code_page(&state, &ctx, &case_no, &code, &data)
            .await?
            .refused(e),
    }
}

// ---- a window's rating tablet ----

async fn tablet_page(
    state: &AppState,
    ctx: &RequestCtx,
    key: &str,
    data: &FormData,
) -> Result<(RatePage, bool), PageError> {
    let tablet = state
        .store
        .reviews()
        .tablet(key)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => PageError::NotFound,
            other => other.into(),
        })?;
    let mut page = RatePage::new(
        state,
        ctx,
        &format!("{} · 服务评价", tablet.window),
        format!("/tablet/{key}/rate"),
        data,
    )
    .await?;
    let waiting = tablet.visit.is_some();
    match tablet.visit {
        Some(v) => {
            page.subject = match (v.staff, v.item) {
                (Some(s), Some(i)) => format!("为您服务的工作人员：{s}　事项：{i}"),
                (Some(s), None) => format!("为您服务的工作人员：{s}"),
                _ => String::new(),
            };
            page.hidden = vec![("visit".into(), v.id.to_string())];
            page.note = "评价直接提交中心，不经窗口工作人员；差评将由部门整改。";
        }
        None => {
            page.open = false;
            page.done =
                "欢迎您对我们的服务作出评价。工作人员办理完毕后，本屏将显示评价选项。".into();
        }
    }
    Ok((page, waiting))
}

/// The tablet's page; while nothing waits it reloads every few seconds.
pub async fn tablet(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(key): Path<String>,
) -> Result<axum::response::Response, PageError> {
    let (page, waiting) = tablet_page(&state, &ctx, &key, &FormData::default()).await?;
    let html = page.render().map_err(|_| PageError::NotFound)?;
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    if !waiting {
        response
            .headers_mut()
            .insert(header::REFRESH, axum::http::HeaderValue::from_static("3"));
    }
    Ok(response)
}

pub async fn rate_at_tablet(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> PageResult {
    let data = FormData::parse(&body);
    let visit: i64 = data.text("visit").trim().parse().unwrap_or_default();
    let rated = state
        .store
        .reviews()
        .rate_visit(&key, visit, &input(&data, "tablet"), state.clock.today())
        .await;
    match rated {
        Ok(_) => {
            let (mut page, _) = tablet_page(&state, &ctx, &key, &FormData::default()).await?;
            page.done = "感谢您的评价！".into();
            let html = page.render().map_err(|_| PageError::NotFound)?;
            Ok((
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::REFRESH, "5"),
                ],
                html,
            )
                .into_response())
        }
        Err(StoreError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => tablet_page(&state, &ctx, &key, &data).await?.0.refused(e),
    }
}

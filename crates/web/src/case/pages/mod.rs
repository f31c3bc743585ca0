//! The staff workbench (内网办理): the inbox with countdown badges, window acceptance with the
//! materials checklist, the case page with its timeline and the forms this user may use now,
//! the printable acceptance receipt (受理回执), one-time notice (一次性告知书) and decision
//! (决定书), case search;
//! and the public 办件查询.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::NaiveDate;
use onewindow_domain::auth::{CaseAction, Principal};
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::case::{
    CaseState, Command, Ctx, Decision, Delivery, Event, Missing, Stage, available_commands,
};
use onewindow_domain::ids::CaseId;
use onewindow_domain::org::{FieldErrors, Role};
use onewindow_domain::supervision::CardStatus;
use onewindow_store::case::queries::{CaseRow, CaseView, InboxFilter, sees_all_cases};
use onewindow_store::catalog::ItemFilter;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{PageUser, RequestCtx};
use crate::case::api::{CaseQuery, Progress, public_label};
use crate::case::{ApplicantInput, SubmitInput, act, submit, visible_case};
use crate::error::{ApiError, PageError};
use crate::kit::query_string;
use crate::pages::{
    Chrome, FormData, PageResult, gate, local_time, own_unit_actor, render, render_with_status,
};

mod lists;
use lists::*;
mod accept;
use accept::*;
mod detail;
use detail::*;
mod receipt;
use receipt::*;
mod notice;
use notice::*;
mod decision;
use decision::*;
mod progress;
use progress::*;
mod joint;
use joint::*;

/// The case as this signed-in person may see it, for a page (a case they may not see is the
/// friendly not-found page).
async fn case_for(state: &AppState, user: &PageUser, id: CaseId) -> Result<CaseView, PageError> {
    visible_case(state, &user.principal, user.ctx.remote.as_deref(), id)
        .await
        .map_err(PageError::from)
}

/// Where the clerk goes after a command: the receipt to print after acceptance, the notice to
/// print after a 一次性告知, otherwise back to the case.
fn after_command(id: CaseId, command: &Command) -> String {
    match command {
        Command::Accept | Command::AcceptWithDeficiencies { .. } => {
            format!("/work/cases/{id}/receipt")
        }
        Command::RequestSupplement { .. } => format!("/work/cases/{id}/notice"),
        // Delivered electronically: the decision to hand over.
        Command::Deliver {
            delivery: Delivery::Electronic,
        } => format!("/work/cases/{id}/decision"),
        _ => format!("/work/cases/{id}?notice=saved"),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/work", get(inbox))
        .route("/work/search", get(search))
        .route("/work/accept", get(accept_page).post(accept_submit))
        .route("/work/cases/{id}", get(case_page))
        .route("/work/cases/{id}/act", post(case_act))
        // The printed documents: receipt, notice, decision, joint signing form.
        .route("/work/cases/{id}/{document}", get(document))
        .route("/progress", get(progress_page))
}

// ---- shared views ----

/// A case row as the lists show it, with its countdown badge.
pub struct RowView {
    pub id: CaseId,
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

/// The calendars of the regions these rows' clocks run on, each fetched once (they are cached
/// in the store until the next correction).
pub(super) async fn calendars_of(
    state: &AppState,
    rows: &[CaseRow],
) -> Result<std::collections::HashMap<String, std::sync::Arc<WorkCalendar>>, PageError> {
    let mut calendars = std::collections::HashMap::new();
    for r in rows {
        if !calendars.contains_key(&r.region_code) {
            let cal = state.store.calendar().calendar_for(&r.region_code).await?;
            calendars.insert(r.region_code.clone(), cal);
        }
    }
    Ok(calendars)
}

/// The countdown: remaining working days to the deadline on the case's own regional calendar;
/// yellow from two days, red on the last day and after.
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

fn row_view(
    r: &CaseRow,
    today: NaiveDate,
    calendars: &std::collections::HashMap<String, std::sync::Arc<WorkCalendar>>,
) -> RowView {
    let (badge, tone) = match calendars.get(&r.region_code) {
        Some(cal) => badge(r.due.as_deref(), r.paused.get(), &r.stage, today, cal),
        None => (String::new(), "off"),
    };
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

//! The printable 一次性告知书: what the applicant must bring or correct, with the reasons, by
//! when, and the case number, query code and a QR code to follow the case while supplementing.

use super::*;

#[derive(Template)]
#[template(path = "case/notice.html")]
pub(super) struct NoticePage {
    chrome: Chrome,
    id: CaseId,
    head: Letterhead,
    /// The day of the notice and who gave it.
    issued_on: String,
    clerk: String,
    missing: Vec<Missing>,
    supply_by: String,
    /// Whether the applicant has supplemented since (the notice is then a record).
    answered: bool,
}

pub(super) async fn notice(p: &Print) -> PageResult {
    let s = &p.view.state;
    let latest = p
        .view
        .events
        .iter()
        .rev()
        .find(|e| e.kind == "supplement_requested");
    let (Some(event), Some(case_no), Some(item)) = (latest, s.case_no.clone(), s.item.as_ref())
    else {
        return Err(PageError::BadRequest(
            "该办件没有一次性告知，无需打印告知书。".into(),
        ));
    };
    let missing: Vec<Missing> = event
        .payload
        .get("missing")
        .cloned()
        .and_then(|m| serde_json::from_value(m).ok())
        .unwrap_or_default();
    let text = |key: &str| {
        event
            .payload
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    render(&NoticePage {
        chrome: Chrome::new("一次性告知书", &p.user.ctx),
        id: p.view.row.id,
        head: p.letterhead(case_no, item).await?,
        issued_on: text("since"),
        clerk: event.actor_name.clone(),
        missing,
        supply_by: text("supply_by"),
        answered: !matches!(
            s.paused,
            Some(onewindow_domain::case::Pause::Supplement { .. })
        ),
    })
}

//! The printable decision (准予 / 不予行政许可决定书): what was decided, on what grounds, the
//! result issued, the applicant's remedies against a refusal, and where the decision stands in
//! the tamper-evident case log. It is what electronic delivery (电子送达) hands over, and what
//! a window prints for pickup.

use super::*;

#[derive(Template)]
#[template(path = "case/decision.html")]
pub(super) struct DecisionPage {
    chrome: Chrome,
    id: CaseId,
    head: Letterhead,
    approved: bool,
    reasons: String,
    legal_basis: String,
    result_name: String,
    accepted_on: String,
    decided_on: String,
    decided_by: String,
    delivery: String,
    /// The decision's entry in the case log: its position and hash.
    log_seq: i64,
    log_hash: String,
}

pub(super) async fn decision(p: &Print) -> PageResult {
    let s = &p.view.state;
    let decided = p.view.events.iter().rev().find(|e| e.kind == "decided");
    let (Some(decision), Some(event), Some(case_no), Some(item)) = (
        s.decision.as_ref(),
        decided,
        s.case_no.clone(),
        s.item.as_ref(),
    ) else {
        return Err(PageError::BadRequest(
            "该办件尚未作出决定，没有决定书。".into(),
        ));
    };
    let result_name = p
        .state
        .store
        .catalog()
        .get_version(item.item_id, item.version)
        .await
        .map(|v| v.doc.result_name)
        .unwrap_or_default();
    let delivery = p
        .view
        .events
        .iter()
        .rev()
        .find(|e| e.kind == "delivered")
        .map(|e| public_label(&e.payload, Some(item)))
        .unwrap_or_default();
    render(&DecisionPage {
        chrome: Chrome::new(
            if decision.approved {
                "准予决定书"
            } else {
                "不予许可决定书"
            },
            &p.user.ctx,
        ),
        id: p.view.row.id,
        head: p.letterhead(case_no, item).await?,
        approved: decision.approved,
        reasons: decision.reasons.clone(),
        legal_basis: decision.legal_basis.clone(),
        result_name,
        accepted_on: s.accepted_on.map(|d| d.to_string()).unwrap_or_default(),
        decided_on: local_time(event.at).chars().take(10).collect(),
        decided_by: event.actor_name.clone(),
        delivery,
        log_seq: event.seq,
        log_hash: event.hash.clone(),
    })
}

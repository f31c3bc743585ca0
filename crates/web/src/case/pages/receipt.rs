//! The printable acceptance receipt (受理回执).

use super::*;

// ---- the acceptance receipt ----

#[derive(Template)]
#[template(path = "case/receipt.html")]
pub(super) struct ReceiptPage {
    chrome: Chrome,
    id: CaseId,
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

pub(super) async fn receipt(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<CaseId>,
) -> PageResult {
    let view = visible_case(&state, &user.principal, user.ctx.remote.as_deref(), id)
        .await
        .map_err(PageError::from)?;
    let s = &view.state;
    let (Some(case_no), Some(item)) = (s.case_no.clone(), s.item.clone()) else {
        return Err(PageError::BadRequest(
            "该办件尚未受理，没有受理回执。".into(),
        ));
    };
    let department = state.store.org().get_department(item.department_id).await?;
    let centre = state.store.org().get_centre(department.centre_id).await?;
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
        instant: item.case_type == onewindow_domain::case::CaseType::Instant,
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

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
    /// The progress page's address as a QR code (inline SVG) to scan from the printed receipt.
    progress_qr: String,
    window: String,
    clerk: String,
}

pub(super) async fn receipt(
    State(state): State<AppState>,
    user: PageUser,
    headers: HeaderMap,
    Path(id): Path<CaseId>,
) -> PageResult {
    let view = visible_case(&state, &user.principal, user.ctx.remote.as_deref(), id)
        .await
        .map_err(PageError::from)?;
    let s = &view.state;
    let (Some(case_no), Some(item), Some(_)) = (s.case_no.clone(), s.item.clone(), s.accepted_on)
    else {
        return Err(PageError::BadRequest(
            "该办件尚未受理，没有受理回执。".into(),
        ));
    };
    let department = state.store.org().get_department(item.department_id).await?;
    let centre = state.store.org().get_centre(department.centre_id).await?;
    let applicant = s.applicant.clone();
    let (window, clerk) = state.store.cases().acceptance_desk(id).await?;
    let progress_url = progress_link(&user.ctx, &headers, &case_no);
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
        progress_qr: qr_svg(&progress_url),
        progress_url,
        window,
        clerk,
    })
}

/// The progress page of a case, as a full address: the site as the clerk's browser reached it.
pub(super) fn progress_link(ctx: &RequestCtx, headers: &HeaderMap, case_no: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if ctx.secure { "https" } else { "http" };
    let case_no: String = url::form_urlencoded::byte_serialize(case_no.as_bytes()).collect();
    format!("{scheme}://{host}/progress?case_no={case_no}")
}

/// `text` as a QR code in SVG, or nothing if it cannot be encoded.
pub(super) fn qr_svg(text: &str) -> String {
    qrcode::QrCode::new(text.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(132, 132)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

//! The printable acceptance receipt (受理回执), and the letterhead every printed case document
//! shares.

use super::*;

/// What every printed case document carries: the centre, the case's number and query code,
/// the item, the applicant (id masked), and the progress page's address with its QR code.
pub(super) struct Letterhead {
    pub centre: String,
    pub centre_phone: String,
    pub case_no: String,
    pub query_code: String,
    pub item_name: String,
    pub applicant: String,
    pub applicant_id: String,
    pub progress_url: String,
    /// The progress page's address as a QR code (inline SVG) to scan from the paper.
    pub progress_qr: String,
}

/// A request for one of a case's printed documents (`/work/cases/{id}/{document}`): the case as
/// this person may see it, and what the letterhead needs.
pub(super) struct Print {
    pub state: AppState,
    pub user: PageUser,
    headers: HeaderMap,
    pub view: CaseView,
}

pub(super) async fn document(
    State(state): State<AppState>,
    user: PageUser,
    headers: HeaderMap,
    Path((id, document)): Path<(CaseId, String)>,
) -> PageResult {
    let view = case_for(&state, &user, id).await?;
    let print = Print {
        state,
        user,
        headers,
        view,
    };
    match document.as_str() {
        "receipt" => receipt(&print).await,
        "notice" => notice(&print).await,
        "decision" => decision(&print).await,
        "joint-form" => joint_form(&print).await,
        _ => Err(PageError::NotFound),
    }
}

impl Print {
    pub(super) async fn letterhead(
        &self,
        case_no: String,
        item: &onewindow_domain::case::ItemRef,
    ) -> Result<Letterhead, PageError> {
        let org = self.state.store.org();
        let department = org.get_department(item.department_id).await?;
        let centre = org.get_centre(department.centre_id).await?;
        let s = &self.view.state;
        let applicant = s.applicant.as_ref();
        let progress_url = progress_link(&self.user.ctx, &self.headers, &case_no);
        Ok(Letterhead {
            centre: centre.name,
            centre_phone: centre.phone,
            case_no,
            query_code: s.query_code.clone().unwrap_or_default(),
            item_name: item.name.clone(),
            applicant: applicant.map(|a| a.name.clone()).unwrap_or_default(),
            applicant_id: applicant.map(|a| mask_id(&a.id_number)).unwrap_or_default(),
            progress_qr: crate::kit::qr_svg(&progress_url),
            progress_url,
        })
    }
}

// ---- the acceptance receipt ----

#[derive(Template)]
#[template(path = "case/receipt.html")]
pub(super) struct ReceiptPage {
    chrome: Chrome,
    id: CaseId,
    head: Letterhead,
    accepted_on: String,
    due: String,
    promised_days: u32,
    instant: bool,
    concluded: bool,
    materials: Vec<String>,
    pending: Vec<String>,
    supply_by: String,
    window: String,
    clerk: String,
}

pub(super) async fn receipt(p: &Print) -> PageResult {
    let s = &p.view.state;
    let (Some(case_no), Some(item), Some(_)) = (s.case_no.clone(), s.item.clone(), s.accepted_on)
    else {
        return Err(PageError::BadRequest(
            "该办件尚未受理，没有受理回执。".into(),
        ));
    };
    let (window, clerk) = p.state.store.cases().acceptance_desk(p.view.row.id).await?;
    render(&ReceiptPage {
        chrome: Chrome::new("受理回执", &p.user.ctx),
        id: p.view.row.id,
        head: p.letterhead(case_no, &item).await?,
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

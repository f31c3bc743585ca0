//! The public progress lookup (办件查询) by case number and query code.

use super::*;

// ---- 办件查询 (public) ----

#[derive(Template)]
#[template(path = "case/progress.html")]
pub(super) struct ProgressPage {
    chrome: Chrome,
    case_no: String,
    query_code: String,
    asked: bool,
    progress: Option<Progress>,
    /// The case is over and not yet rated twice: the QR code on the receipt leads on to 评价.
    can_rate: bool,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ProgressParams {
    #[serde(default)]
    case_no: String,
    #[serde(default)]
    query_code: String,
}

pub(super) async fn progress_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<ProgressParams>,
) -> PageResult {
    let asked = !q.case_no.trim().is_empty() && !q.query_code.trim().is_empty();
    let mut can_rate = false;
    let progress = if asked {
        match state
            .store
            .cases()
            .case_by_query_code(&q.case_no, &q.query_code, ctx.remote.as_deref())
            .await
        {
            Ok(view) => {
                can_rate = view.state.awaits_review();
                Some(Progress::of(&view))
            }
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
            can_rate,
        },
    )
}

//! 好差评 on the web: rating pages for applicants, the receipt's QR code and the windows'
//! tablets (`rate`), the workbench's reviews, answers, appeals, figures and settings and the
//! public monthly figures (`work`), and the API (`api`).

pub mod api;
pub mod complaints;
pub mod consult;
pub mod hotline;
pub mod rate;
pub mod work;

use axum::Router;
use axum::routing::{get, post};
use onewindow_domain::auth::{Denied, Principal, ReviewAction};
use onewindow_domain::ids::DepartmentId;

use crate::AppState;

/// Whose reviews `who` sees, and whether with the reviewers' names: supervisors every
/// department's, by name; a department's staff their own, anonymous (好差评 is anonymous to the
/// window staff).
pub(crate) async fn scope(
    state: &AppState,
    who: &Principal,
    remote: Option<&str>,
) -> Result<(Option<DepartmentId>, bool), Denied> {
    if onewindow_domain::auth::authorize(who, ReviewAction::Supervise, None).is_ok() {
        return Ok((None, true));
    }
    crate::auth::require(state, who, remote, ReviewAction::View, who.department_id).await?;
    Ok((who.department_id, false))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rate", get(rate::by_code).post(rate::rate_by_code))
        .route(
            "/my/cases/{id}/review",
            get(rate::own_case).post(rate::rate_own_case),
        )
        .route("/my/reviews/{id}/confirm", post(rate::confirm))
        .route("/tablet/{key}", get(rate::tablet))
        .route("/tablet/{key}/rate", post(rate::rate_at_tablet))
        .merge(work::router())
        .merge(complaints::router())
        .merge(hotline::router())
        .merge(consult::router())
}

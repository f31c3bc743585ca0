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

use crate::AppState;

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

//! The audit trail as the public and witnesses see it: the key that signs the case log's
//! checkpoints and the checkpoints themselves, as JSON and as a page. Keeping copies elsewhere
//! (an upper-level platform, the supervisors' system) is what makes a rewrite detectable even
//! by someone holding the signing key.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use onewindow_domain::auth::SupervisionAction;
use onewindow_store::case::checkpoints::PublishedCheckpoint;
use onewindow_store::case::log_tree::LogEntry;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::RequestCtx;
use crate::error::ApiError;
use crate::pages::{Chrome, PageResult, local_time, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(checkpoints_page))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(audit_public_key))
        .routes(routes!(audit_checkpoints))
        .routes(routes!(audit_proof))
        .routes(routes!(audit_consistency))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PublicKey {
    /// Ed25519 public key (hex) that signs the case log's checkpoints.
    pub public_key: String,
    pub algorithm: &'static str,
}

#[utoipa::path(get, path = "/audit/public-key", tag = "accounts", responses((status = 200, body = PublicKey)))]
/// The key that verifies the signed checkpoints of the case event log.
async fn audit_public_key(State(state): State<AppState>) -> axum::Json<PublicKey> {
    axum::Json(PublicKey {
        public_key: state.audit_key.public_key_hex(),
        algorithm: "Ed25519",
    })
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct CheckpointQuery {
    /// How many, newest first (1–1000) [default: 100].
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/audit/checkpoints", tag = "accounts", params(CheckpointQuery),
    responses((status = 200, body = Vec<PublishedCheckpoint>)))]
/// The signed checkpoints of the case event log, newest first, for witnesses to keep: a saved
/// copy given to `onewindow audit verify --witness FILE` later catches a rewritten history even
/// when the signing key was stolen.
async fn audit_checkpoints(
    State(state): State<AppState>,
    Query(q): Query<CheckpointQuery>,
) -> Result<axum::Json<Vec<PublishedCheckpoint>>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    Ok(axum::Json(
        state.store.cases().published_checkpoints(limit).await?,
    ))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct ProofQuery {
    /// The case; absent for an entry of the security log.
    pub case: Option<i64>,
    /// The event's number in the case (1, 2 …), or the security log entry's place in its chain.
    pub seq: i64,
}

#[utoipa::path(get, path = "/audit/proof", tag = "accounts", security(("bearer" = [])),
    params(ProofQuery),
    responses((status = 200, body = onewindow_store::case::log_tree::InclusionReceipt),
        (status = 404, body = crate::error::Problem)))]
/// The proof (RFC 9162 §2.1.3) that a case event (or, without `case`, a security log entry) is
/// in the log tree of the latest signed
/// checkpoint: check it against the checkpoint's signed root. 404 while no checkpoint holds the
/// event yet (the next, within ten minutes, will). For supervisors and administrators.
async fn audit_proof(
    State(state): State<AppState>,
    user: crate::auth::ApiUser,
    Query(q): Query<ProofQuery>,
) -> Result<axum::Json<onewindow_store::case::log_tree::InclusionReceipt>, ApiError> {
    crate::api::gate(&state, &user, SupervisionAction::View, None).await?;
    let receipt = state
        .store
        .cases()
        .inclusion(match q.case {
            Some(case) => LogEntry::Case(onewindow_domain::ids::CaseId(case), q.seq),
            None => LogEntry::Security(q.seq),
        })
        .await?;
    receipt
        .map(axum::Json)
        .ok_or(ApiError::NotFound("signed checkpoint holding the event"))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct ConsistencyQuery {
    /// The earlier checkpoint's id.
    pub from: i64,
    /// The later checkpoint's id.
    pub to: i64,
}

#[utoipa::path(get, path = "/audit/consistency", tag = "accounts", params(ConsistencyQuery),
    responses((status = 200, body = onewindow_store::case::log_tree::ConsistencyReceipt),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
/// The proof (RFC 9162 §2.1.4) that a later checkpoint's log tree extends an earlier one's: a
/// witness holding the earlier checkpoint learns that nothing it vouched for was rewritten.
async fn audit_consistency(
    State(state): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<axum::Json<onewindow_store::case::log_tree::ConsistencyReceipt>, ApiError> {
    Ok(axum::Json(
        state.store.cases().consistency(q.from, q.to).await?,
    ))
}

struct Row {
    id: i64,
    at: String,
    case_count: i64,
    merkle_root: String,
}

#[derive(Template)]
#[template(path = "audit/checkpoints.html")]
struct CheckpointsPage {
    chrome: Chrome,
    public_key: String,
    rows: Vec<Row>,
}

/// 全程留痕: the newest signed checkpoints and the key that verifies them.
async fn checkpoints_page(State(state): State<AppState>, ctx: RequestCtx) -> PageResult {
    let rows = state
        .store
        .cases()
        .published_checkpoints(50)
        .await?
        .into_iter()
        .map(|c| Row {
            id: c.id,
            at: local_time(c.at),
            case_count: c.case_count,
            merkle_root: c.merkle_root,
        })
        .collect();
    render(&CheckpointsPage {
        chrome: Chrome::new("办件日志检查点", &ctx),
        public_key: state.audit_key.public_key_hex(),
        rows,
    })
}

/// A witness of the case log (an upper-level platform, the supervisors' system): each new
/// checkpoint is posted to it as JSON, so that a copy of history exists beyond this database.
pub struct Witness {
    url: reqwest::Url,
    client: reqwest::Client,
}

impl Witness {
    pub fn new(url: &str) -> anyhow::Result<Witness> {
        let (url, client) = crate::notify::http_endpoint("witness", url)?;
        Ok(Witness { url, client })
    }

    /// Posts a checkpoint; a witness that is down misses it and keeps the ones before and after.
    pub async fn post(&self, checkpoint: &PublishedCheckpoint) {
        let sent = self
            .client
            .post(self.url.clone())
            .json(checkpoint)
            .send()
            .await;
        match sent.map(|r| r.status()) {
            Ok(status) if status.is_success() => {}
            Ok(status) => tracing::warn!(url = %self.url, %status, "witness refused a checkpoint"),
            Err(e) => tracing::warn!(url = %self.url, error = %e, "witness unreachable"),
        }
    }
}

//! The web face of OneWindow: server-rendered pages in Simplified Chinese, the JSON API under
//! `/api/v1` with its OpenAPI document, health checks, and the middleware every request passes.

// One folder per bounded context, each with its pages, its API and a router for each; `kit`
// and `pages` hold what every context's pages are built from, `api` the API's root.
pub mod accounts;
pub mod api;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod error;
pub mod hall;
pub mod joint;
pub mod kit;
pub mod notify;
pub mod org;
pub mod page_cache;
pub mod pages;
pub mod reviews;
pub mod supervision;
pub mod trading;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, Request, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use onewindow_store::Store;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Shared by every handler: one reference to the `Services`, since every middleware and
/// extractor clones it (several times a request, on every core at once).
#[derive(Clone)]
pub struct AppState(std::sync::Arc<Services>);

impl From<Services> for AppState {
    fn from(services: Services) -> AppState {
        AppState(std::sync::Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What the handlers work with.
pub struct Services {
    pub store: Store,
    /// Uploaded files (templates, samples), content-addressed on disk.
    pub blobs: onewindow_store::blobs::BlobStore,
    /// Signs the case log's checkpoints; its public half is published.
    pub audit_key: std::sync::Arc<onewindow_store::case::checkpoints::AuditKey>,
    /// Mark cookies `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` gives the client's address.
    pub trusted_proxies: auth::TrustedProxies,
    /// The business date for case handling.
    pub clock: case::Clock,
    /// The OCDS ocid prefix and public address of the trading packages.
    pub ocds: onewindow_store::trading::ocds::Publication,
    /// The listing auctions' live feed.
    pub auctions: trading::live::Hub,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application as one router.
pub fn app(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi_json = serde_json::to_string_pretty(&openapi).unwrap_or_default();
    Router::new()
        .merge(pages::router())
        .merge(api_router)
        .route(
            "/api/v1/openapi.json",
            get(move || async move {
                ([(header::CONTENT_TYPE, "application/json")], openapi_json.clone())
            }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), page_cache::PageCache::default()),
            page_cache::serve_cached,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::session_middleware,
        ))
        .layer(axum::middleware::from_fn(explain_rejections))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                        let id = req
                            .headers()
                            .get(REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
                    }),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(|_| server_error_page())),
        )
        .with_state(state)
}

/// The extractors' own refusals (a path id that is not a number, a query without a field it
/// needs) answer in English plain text; people get the Chinese error page instead, and programs
/// under `/api/` problem+json, with the same status.
async fn explain_rejections(
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let response = next.run(req).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("text/plain"));
    if !status.is_client_error() || !plain {
        return response;
    }
    let why = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "提交的内容过大",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "提交的内容格式不受支持",
        _ => "网址中的编号或参数格式不正确，请检查后重试",
    };
    let mut explained = if api {
        let mut problem = error::ApiError::BadRequest(why.to_owned()).problem();
        problem.status = status.as_u16();
        error::problem_response(problem)
    } else {
        error::PageError::BadRequest(why.to_owned()).into_response()
    };
    *explained.status_mut() = status;
    explained
}

/// Headers every response carries: scripts, styles and frames only from this site (no inline
/// script runs, so injected markup cannot execute), no framing by others (clickjacking), no
/// content sniffing, no full URLs leaked to other sites, nothing a signed-in person saw left in
/// shared caches (a window PC's browser history), and HSTS when served behind TLS.
async fn security_headers(
    State(state): State<AppState>,
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let static_asset = req.uri().path().starts_with("/static/");
    let signed_in = req
        .headers()
        .get(header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.contains(auth::SESSION_COOKIE.0))
        || req.headers().contains_key(header::AUTHORIZATION);
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(axum::http::HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        headers,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    if signed_in && !static_asset {
        headers.insert(
            header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    if state.secure_cookies {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.store.ping().await {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

async fn not_found(req: Request<axum::body::Body>) -> Response {
    if req.uri().path().starts_with("/api/") {
        error::ApiError::NotFound("route").into_response()
    } else {
        error::PageError::NotFound.into_response()
    }
}

pub(crate) fn server_error_page() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(pages::render_error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "系统繁忙",
            "服务器处理时出错，您的操作未完成。请稍后再试。",
        )),
    )
        .into_response()
}

/// Serves until Ctrl-C or SIGTERM, with the background jobs beside it.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    notifiers: notify::Notifiers,
    witnesses: Vec<audit::Witness>,
) -> anyhow::Result<()> {
    // The background jobs end with the server, also when its future is dropped.
    let _jobs = Jobs(vec![
        tokio::spawn(scheduled_versions(state.store.clone())),
        tokio::spawn(notify::notifier_job(state.store.clone(), notifiers)),
        tokio::spawn(checkpointer(
            state.store.clone(),
            state.audit_key.clone(),
            witnesses,
        )),
        tokio::spawn(supervision_sweeper(state.store.clone(), state.clock)),
        tokio::spawn(booking_reminders(state.store.clone(), state.clock)),
        tokio::spawn(trading::settle_auctions(state.clone())),
    ]);
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

/// Background tasks aborted when dropped.
struct Jobs(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Jobs {
    fn drop(&mut self) {
        for job in &self.0 {
            job.abort();
        }
    }
}

/// Signs a checkpoint of the case log at start and every ten minutes.
async fn checkpointer(
    store: Store,
    key: std::sync::Arc<onewindow_store::case::checkpoints::AuditKey>,
    witnesses: Vec<audit::Witness>,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match verify_then_sign(&store, &key).await {
            Ok(Some(cp)) => {
                let published = cp.published();
                for w in &witnesses {
                    w.post(&published).await;
                }
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = ?e, "signing a case-log checkpoint"),
        }
    }
}

/// Signs a checkpoint (the store refuses over a log that does not verify). A refusal goes to
/// the error log, the security log and a red alarm to supervisors and administrators; reads go
/// on.
async fn verify_then_sign(
    store: &Store,
    key: &onewindow_store::case::checkpoints::AuditKey,
) -> anyhow::Result<Option<onewindow_store::case::checkpoints::Checkpoint>> {
    let problems = match store.cases().checkpoint(key).await? {
        Ok(cp) => return Ok(Some(cp)),
        Err(problems) => problems,
    };
    let Some(first) = problems.first() else {
        return Ok(None);
    };
    let detail = format!(
        "事件日志校验未通过，拒绝签发检查点：共 {} 处问题，首个为{first}",
        problems.len(),
    );
    tracing::error!(problems = problems.len(), first = %first.problem, "case log broken; checkpoint refused");
    store
        .accounts()
        .record_security_event("audit_broken", None, None, None, &detail)
        .await?;
    store.cases().raise_broken_log_alarm(&detail).await?;
    Ok(None)
}

/// Electronic supervision: raises deadline warnings and overdue alerts every minute, and issues
/// the cards the month has earned when something turned red and once a day. Safe with several
/// instances on one database (each threshold and each card is raised once by its unique key).
async fn supervision_sweeper(store: Store, clock: case::Clock) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    let mut cards_checked = None;
    loop {
        tick.tick().await;
        let today = clock.today();
        match store.supervision().sweep(today).await {
            Ok(r) => {
                if r.yellow + r.red > 0 {
                    tracing::info!(
                        yellow = r.yellow,
                        red = r.red,
                        notified = r.notified,
                        "supervision alerts raised"
                    );
                }
                if r.red > 0 || cards_checked != Some(today) {
                    match store.supervision().issue_cards(today).await {
                        Ok(n) => {
                            cards_checked = Some(today);
                            if n > 0 {
                                tracing::info!(cards = n, "supervision cards issued");
                            }
                        }
                        Err(e) => tracing::error!(error = ?e, "issuing supervision cards"),
                    }
                }
            }
            Err(e) => tracing::error!(error = ?e, "supervision sweep"),
        }
    }
}

/// Reminds applicants of tomorrow's appointments (checked at start and every ten minutes;
/// each booking is reminded once, also with several instances).
async fn booking_reminders(store: Store, clock: case::Clock) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match store.hall().send_reminders(clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(bookings = n, "appointment reminders sent"),
            Err(e) => tracing::error!(error = ?e, "sending appointment reminders"),
        }
    }
}

/// Catalogue versions published for a later day take effect on that day (checked at start
/// and every minute; safe with several instances).
async fn scheduled_versions(store: Store) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        match store
            .catalog()
            .activate_due_versions(&onewindow_store::catalog::today_shanghai())
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(items = n, "scheduled catalogue versions took effect"),
            Err(e) => tracing::error!(error = ?e, "activating scheduled catalogue versions"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    // Give in-flight requests a moment; axum waits for them after this returns.
    tokio::time::sleep(Duration::from_millis(50)).await;
}

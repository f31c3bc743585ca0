//! Who is asking, and may they: session cookies with their CSRF token, bearer tokens for
//! integrations, and `require`, the single gate every handler passes through.

use onewindow_domain::ids::{DepartmentId, StaffId, WindowId};
use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use onewindow_domain::auth::{
    Action, CatalogAction, Denied, OrgAction, Principal, TokenScope, authorize,
};
use onewindow_store::StoreError;
use onewindow_store::accounts::SessionInfo;
use onewindow_store::org::Deactivatable;
use rand::RngCore;

use crate::AppState;
use crate::error::{ApiError, Problem, problem_response};
use crate::pages::render_error_page;

/// Cookie names; behind TLS the `__Host-` prefix makes browsers refuse them unless Secure, set by
/// this host itself for the whole site (no subdomain or plain-HTTP page can plant one).
pub const SESSION_COOKIE: (&str, &str) = ("ow_session", "__Host-ow_session");
const CSRF_COOKIE: (&str, &str) = ("ow_csrf", "__Host-ow_csrf");
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest form body the CSRF check will buffer; uploads use multipart and the header.
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// What the session middleware learned about this request.
#[derive(Clone)]
pub struct RequestCtx {
    pub session: Option<SessionInfo>,
    /// The CSRF token forms on this page must carry.
    pub csrf: String,
    pub remote: Option<String>,
    /// Served over TLS: `--secure-cookies`, or a proxy saying `X-Forwarded-Proto: https`.
    pub secure: bool,
    /// The `notice` key a redirect carried (`?notice=saved`): every page shows its message.
    pub notice: String,
}

impl RequestCtx {
    pub fn principal(&self) -> Option<&Principal> {
        self.session.as_ref().map(|s| &s.principal)
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A cookie's value under its TLS name, else its plain one.
pub fn named_cookie<'a>(headers: &'a HeaderMap, (plain, host): (&str, &str)) -> Option<&'a str> {
    cookie(headers, host).or_else(|| cookie(headers, plain))
}

/// Sets a cookie under the name that fits the connection (see `SESSION_COOKIE`).
pub fn set_cookie(
    (plain, host): (&str, &str),
    value: &str,
    max_age_secs: i64,
    secure: bool,
) -> HeaderValue {
    let name = if secure { host } else { plain };
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .expect("cookie is ASCII")
}

fn random_token() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a query string or form body carries a NUL character (`%00`), which no field needs and
/// PostgreSQL refuses to store or compare.
fn has_nul(encoded: &[u8]) -> bool {
    encoded.contains(&0)
        || encoded
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

fn refuse_nul(is_api: bool) -> Response {
    let why = "请求中含有不允许的空字符（NUL）";
    if is_api {
        ApiError::BadRequest(why.into()).into_response()
    } else {
        crate::error::PageError::BadRequest(why.into()).into_response()
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The reverse proxies (addresses or networks) whose `X-Forwarded-For` is believed. The
/// lockouts, throttles and security log key on the client's address; behind a proxy that is not
/// listed every client has the proxy's address, so one guesser would lock out everyone.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(std::sync::Arc<[ipnet::IpNet]>);

impl TrustedProxies {
    /// From `--trusted-proxies`: addresses (`10.0.0.5`) or networks (`10.0.0.0/8`).
    pub fn parse(list: &[String]) -> Result<TrustedProxies, String> {
        list.iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        format!("trusted proxy {entry:?} is neither an address nor a network")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|nets| TrustedProxies(nets.into()))
    }

    fn trusts(&self, addr: &std::net::IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(addr))
    }

    /// The client's address. From a trusted proxy, the nearest address in `X-Forwarded-For`
    /// (read from the right, where each proxy appends the address it saw) that is not itself a
    /// trusted proxy: addresses further left were written by the client and are not believed. An
    /// entry that is not an address stops the walk at the last hop known.
    pub fn client<'a>(
        &self,
        peer: std::net::IpAddr,
        forwarded: impl IntoIterator<Item = &'a axum::http::HeaderValue>,
    ) -> std::net::IpAddr {
        if !self.trusts(&peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded
            .into_iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.trim().parse::<std::net::IpAddr>() {
                Ok(addr) if self.trusts(&addr) => client = addr,
                Ok(addr) => return addr,
                Err(_) => return client,
            }
        }
        client
    }
}

/// Resolves the session cookie once per request and rejects state-changing requests that do
/// not carry this session's CSRF token (form field `_csrf` or header `X-CSRF-Token`).
/// Requests with a bearer token are exempt: browsers never attach those on their own.
pub async fn session_middleware(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let is_api = parts.uri.path().starts_with("/api/");
    if parts.uri.query().is_some_and(|q| has_nul(q.as_bytes())) {
        return refuse_nul(is_api);
    }
    let remote = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| {
        let forwarded = parts.headers.get_all("x-forwarded-for");
        state
            .trusted_proxies
            .client(c.0.ip(), forwarded)
            .to_string()
    });
    let secure = state.secure_cookies
        || parts
            .headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let session = match named_cookie(&parts.headers, SESSION_COOKIE) {
        Some(token) => match state.store.accounts().session(token).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = ?e, "session lookup failed");
                return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
            }
        },
        None => None,
    };
    let mut new_csrf_cookie = None;
    let csrf = match (&session, named_cookie(&parts.headers, CSRF_COOKIE)) {
        (Some(s), _) => s.csrf_token.clone(),
        (None, Some(c)) if c.len() == 48 => c.to_owned(),
        (None, _) => {
            let t = random_token();
            new_csrf_cookie = Some(t.clone());
            t
        }
    };
    let has_bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    let mut body = body;
    if is_state_changing(&parts.method) && !has_bearer {
        // An API call with neither session nor bearer is left to the handler's 401.
        let needs_check = !is_api || session.is_some();
        if needs_check {
            let mut provided = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let content_type = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let is_form = content_type.starts_with("application/x-www-form-urlencoded");
            if provided.is_none() && content_type.starts_with("multipart/form-data") {
                // Multipart uploads carry the token in the action URL's query string (the body
                // is not buffered here); any other request must send it in its body or header.
                provided = parts.uri.query().and_then(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .find(|(k, _)| k == CSRF_FIELD)
                        .map(|(_, v)| v.into_owned())
                });
            }
            if provided.is_none() && is_form {
                let bytes = match to_bytes(body, FORM_LIMIT).await {
                    Ok(b) => b,
                    Err(_) => {
                        return (StatusCode::PAYLOAD_TOO_LARGE, "表单过大").into_response();
                    }
                };
                if has_nul(&bytes) {
                    return refuse_nul(is_api);
                }
                provided = url::form_urlencoded::parse(&bytes)
                    .find(|(k, _)| k == CSRF_FIELD)
                    .map(|(_, v)| v.into_owned());
                body = Body::from(bytes);
            }
            if !provided.is_some_and(|p| constant_time_eq(&p, &csrf)) {
                let who = session.as_ref().map(|s| &s.principal);
                let _ = state
                    .store
                    .accounts()
                    .record_security_event(
                        "csrf_rejected",
                        who.map(|p| p.account_id),
                        who.map(|p| p.login.as_str()),
                        remote.as_deref(),
                        &format!("{} {}", parts.method, parts.uri.path()),
                    )
                    .await;
                return if is_api {
                    ApiError::Forbidden("缺少或错误的 CSRF 令牌（X-CSRF-Token）".into())
                        .into_response()
                } else {
                    (
                        StatusCode::FORBIDDEN,
                        Html(render_error_page(
                            StatusCode::FORBIDDEN,
                            "页面已过期",
                            "表单安全校验未通过，可能是页面停留过久。请返回上一页刷新后重新提交。",
                        )),
                    )
                        .into_response()
                };
            }
        }
    }
    let notice = parts
        .uri
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "notice")
                .map(|(_, v)| v.chars().take(40).collect())
        })
        .unwrap_or_default();
    parts.extensions.insert(RequestCtx {
        session,
        csrf,
        remote,
        secure,
        notice,
    });
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(token) = new_csrf_cookie {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(CSRF_COOKIE, &token, 24 * 3600, secure),
        );
    }
    response
}

impl<S: Send + Sync> FromRequestParts<S> for RequestCtx {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("session middleware missing")))
    }
}

/// The caller of an API endpoint: a bearer token, or a browser session.
pub struct ApiUser {
    pub principal: Principal,
    pub remote: Option<String>,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = RequestCtx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(token) = bearer {
            return match state.store.accounts().token_principal(token.trim()).await {
                // A read-scope token never reaches a state-changing handler, whatever its body:
                // refused before the body is parsed, as `authorize` would refuse the action.
                Ok(Some(principal))
                    if principal.token_scope == Some(TokenScope::Read)
                        && is_state_changing(&parts.method) =>
                {
                    let what = format!("{} {}", parts.method, parts.uri.path());
                    let denied = Denied::ReadOnlyToken;
                    record_denial(state, &principal, ctx.remote.as_deref(), &what, &denied).await;
                    Err(ApiError::from(denied).into_response())
                }
                Ok(Some(principal)) => Ok(ApiUser {
                    principal,
                    remote: ctx.remote,
                }),
                Ok(None) => {
                    let _ = state
                        .store
                        .accounts()
                        .record_security_event(
                            "token_rejected",
                            None,
                            None,
                            ctx.remote.as_deref(),
                            &format!("{} {}", parts.method, parts.uri.path()),
                        )
                        .await;
                    Err(ApiError::Unauthenticated("令牌无效或已吊销").into_response())
                }
                Err(e) => Err(ApiError::from(e).into_response()),
            };
        }
        match ctx.session {
            Some(s) => Ok(ApiUser {
                principal: s.principal,
                remote: ctx.remote,
            }),
            None => Err(problem_response(Problem {
                kind: "/problems/unauthenticated".into(),
                title: "需要登录或有效的访问令牌".into(),
                status: 401,
                code: "unauthenticated".into(),
                detail: Some("send Authorization: Bearer <token>".into()),
                errors: vec![],
                current_version: None,
            })),
        }
    }
}

/// A signed-in user on a page; anonymous visitors are sent to the login page.
pub struct PageUser {
    pub principal: Principal,
    pub ctx: RequestCtx,
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = RequestCtx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match ctx.session.clone() {
            Some(s) => Ok(PageUser {
                principal: s.principal,
                ctx,
            }),
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                Err(Redirect::to(&format!("/login?next={next}")).into_response())
            }
        }
    }
}

/// The one gate: asks the domain's `authorize` and records every denial in the security log.
pub async fn require(
    state: &AppState,
    who: &Principal,
    remote: Option<&str>,
    action: impl Into<Action>,
    department: Option<DepartmentId>,
) -> Result<(), Denied> {
    let action = action.into();
    match authorize(who, action, department) {
        Ok(()) => Ok(()),
        Err(denied) => {
            let what = format!("{action:?} (部门 {department:?})");
            record_denial(state, who, remote, &what, &denied).await;
            Err(denied)
        }
    }
}

/// Writes a refusal to the security log: what was asked and why it was denied.
async fn record_denial(
    state: &AppState,
    who: &Principal,
    remote: Option<&str>,
    what: &str,
    denied: &Denied,
) {
    let _ = state
        .store
        .accounts()
        .record_security_event(
            "denied",
            Some(who.account_id),
            Some(&who.login),
            remote,
            &format!("{what}：{denied}"),
        )
        .await;
}

/// The kinds of record that are deactivated rather than deleted, by their URL segment.
pub fn deactivatable(kind: &str) -> Option<Deactivatable> {
    Some(match kind {
        "regions" => Deactivatable::Region,
        "centres" => Deactivatable::Centre,
        "halls" => Deactivatable::Hall,
        "zones" => Deactivatable::Zone,
        "departments" => Deactivatable::Department,
        "windows" => Deactivatable::Window,
        "staff" => Deactivatable::Staff,
        _ => return None,
    })
}

/// Which action and department guard (de)activating one record.
pub async fn activation_gate(
    state: &AppState,
    what: Deactivatable,
    id: &str,
) -> Result<(OrgAction, Option<DepartmentId>), StoreError> {
    let numeric = || {
        id.parse::<i64>()
            .map_err(|_| StoreError::NotFound("record"))
    };
    Ok(match what {
        Deactivatable::Window => (
            OrgAction::ManageWindows,
            state
                .store
                .org()
                .get_window(WindowId(numeric()?))
                .await?
                .department_id,
        ),
        Deactivatable::Staff => (
            OrgAction::ManageStaff,
            state
                .store
                .org()
                .get_staff(StaffId(numeric()?))
                .await?
                .department_id,
        ),
        _ => (OrgAction::Manage, None),
    })
}

/// Which permission guards a step of the catalogue's publish workflow, for pages and API alike
/// (None: no such step).
pub fn catalog_step_gate(
    step: &str,
    item_department: DepartmentId,
) -> Option<(CatalogAction, Option<DepartmentId>)> {
    match step {
        "publish" | "suspend" | "resume" | "withdraw" => Some((CatalogAction::Publish, None)),
        "discard" => Some((CatalogAction::Edit, Some(item_department))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::TrustedProxies;
    use axum::http::HeaderValue;

    fn client(trusted: &[&str], peer: &str, forwarded: &[&str]) -> String {
        let proxies =
            TrustedProxies::parse(&trusted.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        let headers: Vec<HeaderValue> = forwarded
            .iter()
            .map(|v| HeaderValue::from_str(v).unwrap())
            .collect();
        proxies.client(peer.parse().unwrap(), &headers).to_string()
    }

    #[test]
    fn the_client_is_the_nearest_untrusted_hop() {
        // No proxy configured: the header is the client's own words and is ignored.
        assert_eq!(client(&[], "203.0.113.7", &["1.2.3.4"]), "203.0.113.7");
        // Behind the centre's proxy: the address it saw, not what the client wrote before it.
        assert_eq!(
            client(&["10.0.0.0/8"], "10.0.0.2", &["1.2.3.4, 198.51.100.9"]),
            "198.51.100.9"
        );
        // Two proxies of ours, headers split over two lines.
        assert_eq!(
            client(
                &["10.0.0.2", "10.0.0.3"],
                "10.0.0.2",
                &["198.51.100.9", "10.0.0.3"]
            ),
            "198.51.100.9"
        );
        // A proxy that sent no header, or garbage: the last hop known.
        assert_eq!(client(&["10.0.0.2"], "10.0.0.2", &[]), "10.0.0.2");
        assert_eq!(
            client(&["10.0.0.2"], "10.0.0.2", &["not-an-ip"]),
            "10.0.0.2"
        );
        assert_eq!(client(&["::1"], "::1", &["2001:db8::5"]), "2001:db8::5");
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
    }
}

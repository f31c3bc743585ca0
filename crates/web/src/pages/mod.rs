//! Server-rendered pages: the layout every page shares, the generic form and table pieces the
//! admin pages are built from, and the public pages (home, login, registration, account).

pub use crate::catalog::pages::render_guide;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use onewindow_domain::auth::Principal;
use onewindow_domain::org::FieldErrors;
use onewindow_store::StoreError;
use onewindow_store::accounts::{
    CompanyRegistration, IndividualRegistration, LoginFailure, SESSION_MS,
};
use onewindow_store::org::Centre;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{PageUser, RequestCtx, SESSION_COOKIE, set_cookie};
use crate::error::PageError;

pub type PageResult = Result<Response, PageError>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", axum::routing::post(logout))
        .route("/register", get(register_page).post(register_submit))
        .route("/me", get(me))
        .route("/static/app.css", get(stylesheet))
        .merge(crate::org::pages::router())
        .merge(crate::supervision::pages::router())
        .merge(crate::calendar::pages::router())
        .merge(crate::catalog::pages::router())
        .merge(crate::case::pages::router())
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

/// The signed-in user as the layout shows them.
pub struct NavUser {
    pub display_name: String,
    pub is_staff: bool,
}

/// What every page's layout needs.
pub struct Chrome {
    pub title: String,
    pub user: Option<NavUser>,
    pub csrf: String,
    /// A one-line confirmation after a successful action (post-redirect-get).
    pub notice: String,
}

impl Chrome {
    pub fn new(title: impl Into<String>, ctx: &RequestCtx) -> Chrome {
        Chrome {
            title: title.into(),
            user: ctx.principal().map(|p| NavUser {
                display_name: p.display_name.clone(),
                is_staff: p.is_staff(),
            }),
            csrf: ctx.csrf.clone(),
            notice: String::new(),
        }
    }
    pub fn with_notice(mut self, notice: &Notice) -> Chrome {
        self.notice = notice.text().to_owned();
        self
    }
}

/// Confirmation messages carried across a redirect by key, never as free text.
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    #[serde(default)]
    pub notice: String,
}

impl Notice {
    pub fn text(&self) -> &'static str {
        match self.notice.as_str() {
            "saved" => "已保存。",
            "created" => "已创建。",
            "activated" => "已启用。",
            "deactivated" => "已停用。",
            "registered" => "注册成功，请登录。",
            "granted" => "已授权。",
            "revoked" => "已收回授权。",
            "case_registered" => "已登记，待受理。",
            _ => "",
        }
    }
}

/// A stored time (UTC ms) as people in the centre read it (Asia/Shanghai, UTC+8).
pub fn local_time(ms: i64) -> String {
    use chrono::TimeZone;
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    tz.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

pub fn render(t: &impl Template) -> PageResult {
    t.render()
        .map(|html| Html(html).into_response())
        .map_err(|e| PageError::Internal(e.into()))
}

pub fn render_with_status(status: StatusCode, t: &impl Template) -> PageResult {
    render(t).map(|r| (status, r).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

pub fn render_error_page(status: StatusCode, title: &str, message: &str) -> String {
    ErrorPage {
        status: status.as_u16(),
        title,
        message,
    }
    .render()
    .unwrap_or_else(|_| format!("{} {title}", status.as_u16()))
}

// ---- generic form pieces ----

/// A submitted urlencoded form, keeping repeated keys (checkbox groups).
#[derive(Debug, Default, Clone)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &Bytes) -> FormData {
        FormData(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }
    pub fn from_pairs<const N: usize>(pairs: [(&str, String); N]) -> FormData {
        FormData(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }
    pub fn text(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    pub fn flag(&self, name: &str) -> bool {
        self.text(name) == "1"
    }
    /// An optional number; blank means None, anything else unparsable is a field error.
    pub fn opt_i64(&self, errors: &mut FieldErrors, name: &str) -> Option<i64> {
        let v = self.text(name);
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        match v.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.add(name, "请填写数字");
                None
            }
        }
    }
    pub fn i64(&self, errors: &mut FieldErrors, name: &str) -> i64 {
        match self.opt_i64(errors, name) {
            Some(n) => n,
            None => {
                if errors.message_for(name).is_none() {
                    errors.add(name, "不能为空");
                }
                0
            }
        }
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct Field {
    pub name: String,
    pub label: String,
    /// text, number, password, tel, select, checkbox, checkboxes
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub required: bool,
    pub help: String,
    pub options: Vec<Choice>,
}

pub struct Form {
    pub action: String,
    pub title: String,
    pub submit: String,
    pub fields: Vec<Field>,
    pub has_errors: bool,
    /// Sends files: the CSRF token then travels in the action's query string.
    pub multipart: bool,
}

/// Builds a form whose values come from `data` and whose messages come from `errors`.
pub struct FormBuilder<'a> {
    data: &'a FormData,
    errors: &'a FieldErrors,
    form: Form,
}

impl<'a> FormBuilder<'a> {
    pub fn new(
        action: impl Into<String>,
        submit: &str,
        data: &'a FormData,
        errors: &'a FieldErrors,
    ) -> Self {
        FormBuilder {
            data,
            errors,
            form: Form {
                action: action.into(),
                title: String::new(),
                submit: submit.to_owned(),
                fields: Vec::new(),
                has_errors: !errors.is_empty(),
                multipart: false,
            },
        }
    }
    pub fn title(mut self, title: &str) -> Self {
        self.form.title = title.to_owned();
        self
    }
    fn push(
        mut self,
        name: &str,
        label: &str,
        kind: &'static str,
        required: bool,
        help: &str,
        options: Vec<Choice>,
    ) -> Self {
        let value = if kind == "password" {
            String::new()
        } else {
            self.data.text(name)
        };
        self.form.fields.push(Field {
            name: name.to_owned(),
            label: label.to_owned(),
            kind,
            value,
            error: self.errors.message_for(name).map(str::to_owned),
            required,
            help: help.to_owned(),
            options,
        });
        self
    }
    pub fn text(self, name: &str, label: &str, required: bool, help: &str) -> Self {
        self.push(name, label, "text", required, help, vec![])
    }
    pub fn number(self, name: &str, label: &str, required: bool) -> Self {
        self.push(name, label, "number", required, "", vec![])
    }
    pub fn tel(self, name: &str, label: &str, required: bool) -> Self {
        self.push(name, label, "tel", required, "", vec![])
    }
    pub fn password(self, name: &str, label: &str, help: &str) -> Self {
        self.push(name, label, "password", true, help, vec![])
    }
    pub fn textarea(self, name: &str, label: &str, required: bool) -> Self {
        self.push(name, label, "textarea", required, "", vec![])
    }
    pub fn checkbox(self, name: &str, label: &str) -> Self {
        self.push(name, label, "checkbox", false, "", vec![])
    }
    /// A drop-down; `blank` adds an empty first choice with that label.
    pub fn select(
        self,
        name: &str,
        label: &str,
        required: bool,
        blank: Option<&str>,
        options: Vec<(String, String)>,
    ) -> Self {
        let current = self.data.text(name);
        let mut choices: Vec<Choice> = blank
            .map(|b| Choice {
                value: String::new(),
                label: b.to_owned(),
                selected: current.is_empty(),
            })
            .into_iter()
            .collect();
        choices.extend(options.into_iter().map(|(value, label)| Choice {
            selected: value == current,
            value,
            label,
        }));
        self.push(name, label, "select", required, "", choices)
    }
    pub fn checkboxes(
        self,
        name: &str,
        label: &str,
        required: bool,
        options: Vec<(String, String)>,
    ) -> Self {
        let current = self.data.all(name);
        let choices = options
            .into_iter()
            .map(|(value, label)| Choice {
                selected: current.contains(&value),
                value,
                label,
            })
            .collect();
        self.push(name, label, "checkboxes", required, "", choices)
    }
    /// A file input; the form becomes multipart and must carry the CSRF token in its URL.
    pub fn file(mut self, name: &str, label: &str, help: &str, csrf: &str) -> Self {
        self.form.multipart = true;
        let sep = if self.form.action.contains('?') {
            '&'
        } else {
            '?'
        };
        self.form.action = format!("{}{sep}_csrf={csrf}", self.form.action);
        self.push(name, label, "file", true, help, vec![])
    }
    pub fn build(self) -> Form {
        self.form
    }
}

/// Splits a store result into the record, the field errors to show on the form again, or a
/// real failure.
pub fn form_outcome<T>(result: Result<T, StoreError>) -> Result<Result<T, FieldErrors>, PageError> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(StoreError::Invalid(errors)) => Ok(Err(errors)),
        Err(e) => Err(e.into()),
    }
}

/// Whether to offer a control; the action itself is still checked by `gate`.
pub(crate) fn can(
    p: &Principal,
    action: impl Into<onewindow_domain::auth::Action>,
    dept: Option<i64>,
) -> bool {
    onewindow_domain::auth::authorize(p, action, dept).is_ok()
}

/// Asks the one permission gate for a page user; denials become the friendly 403 page.
pub(crate) async fn gate(
    state: &AppState,
    user: &PageUser,
    action: impl Into<onewindow_domain::auth::Action>,
    dept: Option<i64>,
) -> Result<(), PageError> {
    Ok(crate::auth::require(
        state,
        &user.principal,
        user.ctx.remote.as_deref(),
        action,
        dept,
    )
    .await?)
}

/// Reads the file part named `field` of a multipart form: (file name, bytes). Oversized or
/// broken uploads become a field error on `field`.
pub(crate) async fn read_upload(
    multipart: &mut axum::extract::Multipart,
    field: &str,
    too_large: &str,
) -> Result<(Option<(String, Vec<u8>)>, FormData), FieldErrors> {
    let mut file = None;
    let mut other = FormData::default();
    loop {
        match multipart.next_field().await {
            Ok(Some(part)) => {
                let name = part.name().unwrap_or_default().to_owned();
                let filename = part.file_name().map(str::to_owned);
                let bytes = part
                    .bytes()
                    .await
                    .map_err(|_| FieldErrors::single(field, too_large))?;
                if name == field {
                    file = Some((filename.unwrap_or_default(), bytes.to_vec()));
                } else {
                    other
                        .0
                        .push((name, String::from_utf8_lossy(&bytes).into_owned()));
                }
            }
            Ok(None) => return Ok((file.filter(|(_, b)| !b.is_empty()), other)),
            Err(_) => return Err(FieldErrors::single(field, too_large)),
        }
    }
}

// ---- public pages ----

struct HallView {
    name: String,
    floor_label: String,
    description: String,
    zones: Vec<(String, String)>,
}

struct CentreView {
    centre: Centre,
    halls: Vec<HallView>,
    departments: Vec<String>,
    open_windows: usize,
    subs: Vec<Centre>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    centres: Vec<CentreView>,
}

fn floor_label(floor: i64) -> String {
    if floor < 0 {
        format!("地下{}层", -floor)
    } else {
        format!("{floor}楼")
    }
}

async fn home(State(state): State<AppState>, ctx: RequestCtx) -> PageResult {
    let store = &state.store;
    let all = store.org().list_centres().await?;
    let mut centres = Vec::new();
    for centre in all.iter().filter(|c| c.active.get() && c.kind == "main") {
        let mut halls = Vec::new();
        for h in store
            .org()
            .list_halls(centre.id)
            .await?
            .into_iter()
            .filter(|h| h.active.get())
        {
            let zones = store
                .org()
                .list_zones(h.id)
                .await?
                .into_iter()
                .filter(|z| z.active.get())
                .map(|z| (z.name, z.purpose))
                .collect();
            halls.push(HallView {
                floor_label: floor_label(h.floor),
                name: h.name,
                description: h.description,
                zones,
            });
        }
        let departments = store
            .org()
            .list_departments(Some(centre.id))
            .await?
            .into_iter()
            .filter(|d| d.active.get())
            .map(|d| d.name)
            .collect();
        let open_windows = store
            .org()
            .list_windows(Some(centre.id), None)
            .await?
            .iter()
            .filter(|w| w.active.get() && w.is_open.get())
            .count();
        let subs = all
            .iter()
            .filter(|s| s.parent_centre_id == Some(centre.id) && s.active.get())
            .cloned()
            .collect();
        centres.push(CentreView {
            centre: centre.clone(),
            halls,
            departments,
            open_windows,
            subs,
        });
    }
    render(&HomePage {
        chrome: Chrome::new("首页", &ctx),
        centres,
    })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    error: String,
    login: String,
    next: String,
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    notice: String,
}

/// Only same-site paths are followed after login; anything else means "the usual place".
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        String::new()
    }
}

async fn login_page(ctx: RequestCtx, Query(q): Query<LoginQuery>) -> PageResult {
    let notice = Notice { notice: q.notice };
    render(&LoginPage {
        chrome: Chrome::new("登录", &ctx).with_notice(&notice),
        error: String::new(),
        login: String::new(),
        next: safe_next(&q.next),
    })
}

async fn login_submit(State(state): State<AppState>, ctx: RequestCtx, body: Bytes) -> PageResult {
    let form = FormData::parse(&body);
    let login = form.text("login").trim().to_owned();
    let next = safe_next(&form.text("next"));
    let outcome = state
        .store
        .accounts()
        .authenticate(&login, &form.text("password"), ctx.remote.as_deref())
        .await?;
    let error = match outcome {
        Ok(principal) => {
            let session = state
                .store
                .accounts()
                .create_session(principal.account_id)
                .await?;
            let next = match next.as_str() {
                "" if principal.is_staff() => "/admin",
                "" => "/",
                other => other,
            };
            let mut response = Redirect::to(next).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    &session.token,
                    SESSION_MS / 1000,
                    state.secure_cookies,
                ),
            );
            return Ok(response);
        }
        Err(LoginFailure::BadCredentials {
            remaining_attempts: Some(n),
        }) if n <= 2 => {
            format!("账号或密码错误。再错 {n} 次账号将被锁定 15 分钟。")
        }
        Err(LoginFailure::BadCredentials { .. }) => "账号或密码错误。".to_owned(),
        Err(LoginFailure::Locked { until_ms }) => {
            let minutes = ((until_ms - onewindow_store::now_ms()) / 60_000).max(1);
            format!("密码错误次数过多，账号已锁定，请 {minutes} 分钟后再试或联系管理员。")
        }
        Err(LoginFailure::Disabled) => "该账号已停用，请联系中心管理员。".to_owned(),
    };
    render_with_status(
        StatusCode::UNAUTHORIZED,
        &LoginPage {
            chrome: Chrome::new("登录", &ctx),
            error,
            login,
            next,
        },
    )
}

async fn logout(State(state): State<AppState>, ctx: RequestCtx) -> PageResult {
    if let Some(session) = &ctx.session {
        state
            .store
            .accounts()
            .delete_session(session.session_id)
            .await?;
        let p = &session.principal;
        state
            .store
            .accounts()
            .record_security_event(
                "logout",
                Some(p.account_id),
                Some(&p.login),
                ctx.remote.as_deref(),
                "",
            )
            .await?;
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    chrome: Chrome,
    kind: String,
    form: Form,
}

#[derive(Deserialize)]
struct RegisterQuery {
    #[serde(default)]
    kind: String,
}

fn register_form(kind: &str, data: &FormData, errors: &FieldErrors) -> Form {
    let b = FormBuilder::new(format!("/register?kind={kind}"), "注册", data, errors);
    let b = if kind == "company" {
        b.text("name", "企业名称", true, "")
            .text("credit_code", "统一社会信用代码", true, "18 位，字母须大写")
            .text("legal_representative", "法定代表人", true, "")
    } else {
        b.text("name", "姓名", true, "").text(
            "resident_id",
            "居民身份证号码",
            true,
            "18 位，末位 X 须大写",
        )
    };
    b.tel("mobile", "手机号码", true)
        .password("password", "密码", "至少 8 位，须同时包含字母和数字")
        .build()
}

fn register_kind(kind: &str) -> &'static str {
    if kind == "company" {
        "company"
    } else {
        "individual"
    }
}

async fn register_page(ctx: RequestCtx, Query(q): Query<RegisterQuery>) -> PageResult {
    let kind = register_kind(&q.kind);
    render(&RegisterPage {
        chrome: Chrome::new("注册", &ctx),
        kind: kind.to_owned(),
        form: register_form(kind, &FormData::default(), &FieldErrors::new()),
    })
}

async fn register_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<RegisterQuery>,
    body: Bytes,
) -> PageResult {
    let kind = register_kind(&q.kind);
    let data = FormData::parse(&body);
    let result = if kind == "company" {
        state
            .store
            .accounts()
            .register_company(
                &CompanyRegistration {
                    name: data.text("name"),
                    credit_code: data.text("credit_code"),
                    legal_representative: data.text("legal_representative"),
                    mobile: data.text("mobile"),
                    password: data.text("password"),
                },
                ctx.remote.as_deref(),
            )
            .await
    } else {
        state
            .store
            .accounts()
            .register_individual(
                &IndividualRegistration {
                    name: data.text("name"),
                    resident_id: data.text("resident_id"),
                    mobile: data.text("mobile"),
                    password: data.text("password"),
                },
                ctx.remote.as_deref(),
            )
            .await
    };
    match form_outcome(result)? {
        Ok(_) => Ok(Redirect::to("/login?notice=registered").into_response()),
        Err(errors) => render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RegisterPage {
                chrome: Chrome::new("注册", &ctx),
                kind: kind.to_owned(),
                form: register_form(kind, &data, &errors),
            },
        ),
    }
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    chrome: Chrome,
    name: String,
    login: String,
    kind: String,
    roles: String,
    department: String,
}

pub fn role_labels(p: &Principal) -> String {
    p.roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("、")
}

async fn me(State(state): State<AppState>, user: PageUser) -> PageResult {
    let p = &user.principal;
    let department = match p.department_id {
        Some(d) => state.store.org().get_department(d).await?.name,
        None => String::new(),
    };
    render(&MePage {
        chrome: Chrome::new("我的账号", &user.ctx),
        name: p.display_name.clone(),
        login: p.login.clone(),
        kind: p.kind.label().to_owned(),
        roles: role_labels(p),
        department,
    })
}

//! Server-rendered pages: the layout every page shares, the generic form pieces the admin
//! pages are built from, the error pages, and the public home page. Each context's pages are in
//! its own folder (`crate::<context>::pages`) and are merged into `router()` here.

pub use crate::catalog::pages::{GuideExtras, render_guide};

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use onewindow_domain::auth::Principal;
use onewindow_domain::ids::DepartmentId;
use onewindow_domain::org::FieldErrors;
use onewindow_store::StoreError;
use onewindow_store::org::Centre;

use crate::AppState;
use crate::auth::{PageUser, RequestCtx};
use crate::error::PageError;

pub type PageResult = Result<Response, PageError>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/static/app.css", get(stylesheet))
        .route("/static/app.js", get(script))
        .merge(crate::accounts::pages::router())
        .merge(crate::org::pages::router())
        .merge(crate::supervision::pages::router())
        .merge(crate::calendar::pages::router())
        .merge(crate::catalog::pages::router())
        .merge(crate::case::pages::router())
        .merge(crate::hall::pages::router())
        .merge(crate::hall::my::router())
        .merge(crate::hall::bookings::router())
        .merge(crate::joint::pages::router())
        .merge(crate::joint::projects_pages::router())
        .merge(crate::joint::prereview::router())
        .merge(crate::reviews::router())
        .merge(crate::trading::router())
        .merge(crate::audit::router())
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

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../static/app.js"),
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
            notice: notice_text(&ctx.notice).to_owned(),
        }
    }
}

/// A confirmation carried across a redirect by its key (`?notice=saved`), never as free text:
/// what the next page says, or nothing for an unknown key.
pub fn notice_text(key: &str) -> &'static str {
    match key {
        "saved" => "已保存。",
        "created" => "已创建。",
        "activated" => "已启用。",
        "deactivated" => "已停用。",
        "registered" => "注册成功，请登录。",
        "granted" => "已授权。",
        "revoked" => "已收回授权。",
        "case_registered" => "已登记，待受理。",
        "submitted" => "申请已提交，请留意消息通知。",
        "resubmitted" => "补正已提交，等待部门审核。",
        "urged" => "催办通知书已发出。",
        "offered" => "报价已提交。",
        "handover" => "已退出本机上一位用户的登录，现为您本人登录。",
        "booked" => "预约成功，请按时到场，凭签到码或二维码在窗口签到。",
        "cancelled" => "预约已取消。",
        "moved" => "预约已改期，签到码不变。",
        "prereview" => "已送各部门联合预审，意见全部提出或期限届满后在本页一并显示。",
        "opinion" => "预审意见已提出。",
        "rated" => "感谢您的评价！",
        "answered" => "已登记。",
        "appealed" => "申诉已提交，等待中心审核。",
        "decided" => "已审核。",
        _ => "",
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
    /// An optional number (or record key); blank means None, anything else unparsable is a
    /// field error.
    pub fn opt_i64<T: From<i64>>(&self, errors: &mut FieldErrors, name: &str) -> Option<T> {
        let v = self.text(name);
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        match v.parse::<i64>() {
            Ok(n) => Some(T::from(n)),
            Err(_) => {
                errors.add(name, "请填写数字");
                None
            }
        }
    }
    pub fn i64<T: From<i64>>(&self, errors: &mut FieldErrors, name: &str) -> T {
        match self.opt_i64(errors, name) {
            Some(n) => n,
            None => {
                if errors.message_for(name).is_none() {
                    errors.add(name, "不能为空");
                }
                T::from(0)
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
    /// A date, picked from the browser's calendar (sent as YYYY-MM-DD).
    pub fn date(self, name: &str, label: &str, required: bool, help: &str) -> Self {
        self.push(name, label, "date", required, help, vec![])
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
    dept: Option<DepartmentId>,
) -> bool {
    onewindow_domain::auth::authorize(p, action, dept).is_ok()
}

/// Asks the one permission gate for a page user; denials become the friendly 403 page.
pub(crate) async fn gate(
    state: &AppState,
    user: &PageUser,
    action: impl Into<onewindow_domain::auth::Action>,
    dept: Option<DepartmentId>,
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

/// The page user as a case actor, once the gate allows them `action` in their own department
/// (the pages' side of `api::own_unit_actor`).
pub(crate) async fn own_unit_actor(
    state: &AppState,
    user: &PageUser,
    action: impl Into<onewindow_domain::auth::Action>,
) -> Result<onewindow_domain::case::Actor, PageError> {
    gate(state, user, action, user.principal.department_id).await?;
    Ok(state.store.cases().case_actor(&user.principal).await?)
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

/// The home page: every main centre with its halls and zones, departments, open windows and
/// sub-centres, from five queries however many there are.
async fn home(State(state): State<AppState>, ctx: RequestCtx) -> PageResult {
    let org = state.store.org();
    let all: Vec<Centre> = org
        .list_centres()
        .await?
        .into_iter()
        .filter(|c| c.active.get())
        .collect();
    let halls = org.list_halls(None).await?;
    let zones = org.list_centre_zones(None).await?;
    let departments = org.list_departments(None).await?;
    let windows = org.list_windows(None, None).await?;
    let centres = all
        .iter()
        .filter(|c| c.kind == "main")
        .map(|centre| CentreView {
            halls: halls
                .iter()
                .filter(|h| h.centre_id == centre.id && h.active.get())
                .map(|h| HallView {
                    floor_label: floor_label(h.floor),
                    name: h.name.clone(),
                    description: h.description.clone(),
                    zones: zones
                        .iter()
                        .filter(|z| z.hall_id == h.id && z.active.get())
                        .map(|z| (z.name.clone(), z.purpose.clone()))
                        .collect(),
                })
                .collect(),
            departments: departments
                .iter()
                .filter(|d| d.centre_id == centre.id && d.active.get())
                .map(|d| d.name.clone())
                .collect(),
            open_windows: windows
                .iter()
                .filter(|w| w.centre_id == centre.id && w.active.get() && w.is_open.get())
                .count(),
            subs: all
                .iter()
                .filter(|s| s.parent_centre_id == Some(centre.id))
                .cloned()
                .collect(),
            centre: centre.clone(),
        })
        .collect();
    render(&HomePage {
        chrome: Chrome::new("首页", &ctx),
        centres,
    })
}

pub fn role_labels(p: &Principal) -> String {
    p.roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("、")
}

//! The page kit every context's pages are built from: tables of cells with links, badges and
//! one-button forms, sections, the admin page that holds them, redirects with a notice, and
//! CSV downloads. Pages render these; no context keeps its own copy.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use onewindow_domain::ids::DepartmentId;
use onewindow_domain::org::FieldErrors;

use crate::auth::PageUser;
use crate::error::PageError;
use crate::pages::{Chrome, Form, PageResult, render, render_with_status};

mod register;
pub use register::{
    FormList, FormPage, Register, SaveResult, Saved, Submitted, form_list, register,
};

pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    /// Badge style: on, off, warn, bad; empty for plain text.
    pub tag: &'static str,
    pub post: Option<PostButton>,
}

/// A one-button form, e.g. 停用 or 授予.
pub struct PostButton {
    pub action: String,
    pub label: String,
    pub fields: Vec<(String, String)>,
}

impl Cell {
    pub(super) fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            href: None,
            tag: "",
            post: None,
        }
    }
    pub(super) fn link(text: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell {
            href: Some(href.into()),
            ..Cell::text(text)
        }
    }
    pub(super) fn tag(text: impl Into<String>, tag: &'static str) -> Cell {
        Cell {
            tag,
            ..Cell::text(text)
        }
    }
    pub fn active(active: bool) -> Cell {
        if active {
            Cell::tag("启用", "on")
        } else {
            Cell::tag("已停用", "off")
        }
    }
    /// The activate/deactivate button, or nothing when the user may not.
    pub fn toggle(kind: &str, id: impl std::fmt::Display, active: bool, allowed: bool) -> Cell {
        if !allowed {
            return Cell::text("");
        }
        let (label, value) = if active {
            ("停用", "0")
        } else {
            ("启用", "1")
        };
        Cell {
            post: Some(PostButton {
                action: format!("/admin/{kind}/{id}/active"),
                label: label.to_owned(),
                fields: vec![("active".to_owned(), value.to_owned())],
            }),
            ..Cell::text("")
        }
    }
}

pub struct Table {
    pub headers: Vec<&'static str>,
    /// False when every header is blank (a row of buttons or links).
    pub show_headers: bool,
    pub rows: Vec<Vec<Cell>>,
    /// Link to the next page, empty when there is none.
    pub more: String,
    /// A grid that keeps its columns at every width (a month), instead of turning each row
    /// into a labelled card on small screens.
    pub grid: bool,
}

pub struct Section {
    pub heading: String,
    pub table: Option<Table>,
    pub form: Option<Form>,
}

impl Section {
    pub fn table(heading: &str, headers: Vec<&'static str>, rows: Vec<Vec<Cell>>) -> Section {
        Section {
            heading: heading.to_owned(),
            table: Some(Table {
                show_headers: headers.iter().any(|h| !h.is_empty()),
                headers,
                rows,
                more: String::new(),
                grid: false,
            }),
            form: None,
        }
    }
    /// The same table kept as a grid at every width.
    pub fn as_grid(mut self) -> Section {
        if let Some(t) = self.table.as_mut() {
            t.grid = true;
        }
        self
    }
    pub fn form(form: Form) -> Section {
        Section {
            heading: String::new(),
            table: None,
            form: Some(form),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_page.html")]
struct AdminPage {
    chrome: Chrome,
    crumbs: Vec<(String, String)>,
    intro: String,
    sections: Vec<Section>,
    /// Live counts streamed over SSE (the supervision dashboard).
    live: Option<onewindow_store::supervision::LiveCounts>,
    /// A public page: no way back to administration.
    public: bool,
}

/// The supervision dashboard: an admin page with the live counts on top.
#[allow(clippy::too_many_arguments)]
pub fn live_page(
    user: &PageUser,
    live: onewindow_store::supervision::LiveCounts,
    title: &str,
    crumbs: Vec<(String, String)>,
    intro: &str,
    sections: Vec<Section>,
    errors: &FieldErrors,
) -> PageResult {
    let page = AdminPage {
        live: Some(live),
        ..AdminPage::new(user, title, crumbs, intro, sections)
    };
    render_admin(page, errors)
}

/// Renders an admin page; with field errors it answers 422 so that clients see the failure.
pub fn page(
    user: &PageUser,
    title: &str,
    crumbs: Vec<(String, String)>,
    intro: &str,
    sections: Vec<Section>,
    errors: &FieldErrors,
) -> PageResult {
    render_admin(AdminPage::new(user, title, crumbs, intro, sections), errors)
}

/// A public page of sections (tables and forms), for anyone signed in or not.
pub fn public_page(
    ctx: &crate::auth::RequestCtx,
    title: &str,
    intro: &str,
    sections: Vec<Section>,
) -> PageResult {
    render(&AdminPage {
        chrome: Chrome::new(title, ctx),
        crumbs: Vec::new(),
        intro: intro.to_owned(),
        sections,
        live: None,
        public: true,
    })
}

impl AdminPage {
    fn new(
        user: &PageUser,
        title: &str,
        crumbs: Vec<(String, String)>,
        intro: &str,
        sections: Vec<Section>,
    ) -> AdminPage {
        AdminPage {
            chrome: Chrome::new(title, &user.ctx),
            crumbs,
            intro: intro.to_owned(),
            sections,
            live: None,
            public: false,
        }
    }
}

/// With field errors an admin page answers 422 so that clients see the failure.
fn render_admin(page: AdminPage, errors: &FieldErrors) -> PageResult {
    if errors.is_empty() {
        render(&page)
    } else {
        render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

/// A rate (percent) as pages show it: one decimal and a percent sign, or a dash when there is
/// nothing to divide by.
pub fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}%"))
}

pub fn crumb(label: &str, href: &str) -> Vec<(String, String)> {
    vec![(label.to_owned(), href.to_owned())]
}

pub fn redirect(to: &str, notice: &str) -> PageResult {
    let sep = if to.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{to}{sep}notice={notice}")).into_response())
}

/// A department's short name (简称) from a list loaded once; empty when unknown.
pub fn short_name(
    departments: &[onewindow_store::org::Department],
    id: Option<DepartmentId>,
) -> String {
    id.and_then(|id| departments.iter().find(|d| d.id == id))
        .map(|d| d.short_name.clone())
        .unwrap_or_default()
}

pub use onewindow_store::spreadsheet::inert_cell;

/// A table as a CSV download, UTF-8 with a byte-order mark so that spreadsheet programs on
/// Chinese Windows read the characters right.
pub fn csv_download(filename: &str, headers: &[&str], rows: &[Vec<String>]) -> PageResult {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(headers)
        .and_then(|_| {
            rows.iter().try_for_each(|r| {
                out.write_record(r.iter().map(|cell| inert_cell(cell).into_owned()))
            })
        })
        .map_err(|e| PageError::Internal(e.into()))?;
    let bytes = out
        .into_inner()
        .map_err(|e| PageError::Internal(anyhow::anyhow!("{e}")))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

pub fn opt_string(v: Option<impl ToString>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

/// Saves a form's values through the store once no field is in error. Returns what was saved;
/// `None` when the form had errors or the store refused the values, whose field errors then
/// join `errors`, so that the caller shows the form again with them. Other failures are errors.
pub async fn saved<T>(
    errors: &mut FieldErrors,
    save: impl std::future::Future<Output = Result<T, onewindow_store::StoreError>>,
) -> Result<Option<T>, PageError> {
    if !errors.is_empty() {
        return Ok(None);
    }
    match save.await {
        Ok(v) => Ok(Some(v)),
        Err(onewindow_store::StoreError::Invalid(e)) => {
            *errors = e;
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// A query string of these parameters, leaving out the empty ones: what the next page's link
/// keeps of this one's.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// `text` as a QR code in SVG, or nothing if it cannot be encoded.
pub fn qr_svg(text: &str) -> String {
    qrcode::QrCode::new(text.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(132, 132)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

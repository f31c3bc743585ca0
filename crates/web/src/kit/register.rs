//! Lists with a form that adds to them, and registers whose records each have a page with a form
//! that changes them: the GET and POST handlers, the redirect after a save and the page shown
//! again with its field errors are written once here, and a context states only its pages and
//! its saves (with their permission checks) by implementing `FormList` and `Register`.

use std::fmt::Display;
use std::future::Future;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::get;
use onewindow_domain::org::FieldErrors;
use serde::de::DeserializeOwned;

use super::{Section, redirect};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::pages::{FormData, PageResult};

/// What a page with forms is drawn from: who asks, what they submitted when it is shown again
/// with its errors, and the errors. (The notice a redirect left is in the request context.)
#[derive(Clone, Copy)]
pub struct FormPage<'a> {
    pub state: &'a AppState,
    pub user: &'a PageUser,
    /// The values a refused submission is shown again with; None on a fresh page.
    pub submitted: Option<&'a FormData>,
    pub errors: &'a FieldErrors,
}

static EMPTY_FORM: FormData = FormData(Vec::new());
static NO_ERRORS: FieldErrors = FieldErrors::new();

impl<'a> FormPage<'a> {
    /// A page as it is first shown.
    pub fn fresh(state: &'a AppState, user: &'a PageUser) -> FormPage<'a> {
        FormPage {
            state,
            user,
            submitted: None,
            errors: &NO_ERRORS,
        }
    }

    /// A page shown again with what was submitted and what was wrong with it.
    pub fn refused(
        state: &'a AppState,
        user: &'a PageUser,
        data: &'a FormData,
        errors: &'a FieldErrors,
    ) -> FormPage<'a> {
        FormPage {
            state,
            user,
            submitted: Some(data),
            errors,
        }
    }

    /// The values a form shows: the submitted ones, else `current` (a record's stored values).
    pub fn data_or<'b>(&self, current: &'b FormData) -> &'b FormData
    where
        'a: 'b,
    {
        self.submitted.unwrap_or(current)
    }

    /// The values a form that adds a record shows: the submitted ones, else none.
    pub fn data(&self) -> &'a FormData {
        self.data_or(&EMPTY_FORM)
    }

    /// The admin page with these sections; 422 when the page carries field errors.
    pub fn render(
        &self,
        title: &str,
        crumbs: Vec<(String, String)>,
        intro: &str,
        sections: Vec<Section>,
    ) -> PageResult {
        super::page(self.user, title, crumbs, intro, sections, self.errors)
    }
}

/// A submitted form on its way to the store: who sent it, its values, and what is wrong with
/// them so far.
pub struct Submitted<'a> {
    pub state: &'a AppState,
    pub user: &'a PageUser,
    pub data: &'a FormData,
    pub errors: FieldErrors,
}

impl<'a> Submitted<'a> {
    pub fn new(state: &'a AppState, user: &'a PageUser, data: &'a FormData) -> Submitted<'a> {
        Submitted {
            state,
            user,
            data,
            errors: FieldErrors::new(),
        }
    }

    /// Runs the store's save once no field is in error (see `kit::saved`).
    pub async fn save<T>(
        &mut self,
        save: impl Future<Output = Result<T, onewindow_store::StoreError>>,
    ) -> Result<Option<T>, PageError> {
        super::saved(&mut self.errors, save).await
    }
}

/// Where a successful save sends the user, and the notice they see there.
pub struct Saved {
    pub to: String,
    pub notice: &'static str,
}

impl Saved {
    pub fn created(to: impl Into<String>) -> Saved {
        Saved {
            to: to.into(),
            notice: "created",
        }
    }
    pub fn changed(to: impl Into<String>) -> Saved {
        Saved {
            to: to.into(),
            notice: "saved",
        }
    }
}

/// What a save comes to: Some when saved, None when the form goes back with its errors.
pub type SaveResult<T> = Result<Option<T>, PageError>;

/// A list page with a form that adds to it, at `PATH`: GET shows it, POST saves the form and
/// redirects, or shows the list again with the form's errors.
pub trait FormList: Send + Sync + 'static {
    const PATH: &'static str;

    /// The list with, for those who may, the form that adds to it.
    fn list(page: FormPage<'_>) -> impl Future<Output = PageResult> + Send;

    /// Checks that the user may, then saves the submitted form. None when the form had errors
    /// or the store refused it; the field errors are then in the submission.
    fn create(form: &mut Submitted<'_>) -> impl Future<Output = SaveResult<Saved>> + Send;
}

/// A `FormList` whose records each have a page at `PATH/{key}` with a form that changes them.
pub trait Register: FormList {
    /// What names a record in its path: an id, or a region's code.
    type Key: DeserializeOwned + Display + Send + Sync + 'static;

    /// One record with, for those who may, the form that changes it.
    fn record(page: FormPage<'_>, key: &Self::Key) -> impl Future<Output = PageResult> + Send;

    /// Checks that the user may, then saves the changed record; None when refused, with the
    /// field errors in the submission.
    fn update(
        form: &mut Submitted<'_>,
        key: &Self::Key,
    ) -> impl Future<Output = SaveResult<()>> + Send;
}

/// The list page's routes.
pub fn form_list<L: FormList>() -> Router<AppState> {
    Router::new().route(L::PATH, get(list::<L>).post(create::<L>))
}

/// The list page's routes and each record's.
pub fn register<R: Register>() -> Router<AppState> {
    form_list::<R>().route(
        &format!("{}/{{id}}", R::PATH),
        get(record::<R>).post(update::<R>),
    )
}

async fn list<L: FormList>(State(state): State<AppState>, user: PageUser) -> PageResult {
    L::list(FormPage::fresh(&state, &user)).await
}

async fn create<L: FormList>(
    State(state): State<AppState>,
    user: PageUser,
    body: Bytes,
) -> PageResult {
    let data = FormData::parse(&body);
    let mut form = Submitted::new(&state, &user, &data);
    match L::create(&mut form).await? {
        Some(saved) => redirect(&saved.to, saved.notice),
        None => L::list(FormPage::refused(&state, &user, &data, &form.errors)).await,
    }
}

async fn record<R: Register>(
    State(state): State<AppState>,
    user: PageUser,
    Path(key): Path<R::Key>,
) -> PageResult {
    R::record(FormPage::fresh(&state, &user), &key).await
}

async fn update<R: Register>(
    State(state): State<AppState>,
    user: PageUser,
    Path(key): Path<R::Key>,
    body: Bytes,
) -> PageResult {
    let data = FormData::parse(&body);
    let mut form = Submitted::new(&state, &user, &data);
    if R::update(&mut form, &key).await?.is_some() {
        return redirect(&format!("{}/{key}", R::PATH), "saved");
    }
    R::record(FormPage::refused(&state, &user, &data, &form.errors), &key).await
}

//! Account pages: signing in and out, applicants' registration, the account page, and the
//! security log for centre administrators.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use onewindow_domain::auth::AccountAction;
use onewindow_domain::org::FieldErrors;
use onewindow_store::accounts::{
    CompanyRegistration, IndividualRegistration, LoginFailure, SESSION_MS,
};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{PageUser, RequestCtx, SESSION_COOKIE, set_cookie};
use crate::kit::{Cell, Section, page};
use crate::pages::{
    Chrome, Form, FormBuilder, FormData, PageResult, form_outcome, gate, render,
    render_with_status, role_labels,
};

mod security;
use security::*;
mod signin;
use signin::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/register", get(register_page).post(register_submit))
        .route("/me", get(me))
        .route("/admin/security", get(security))
}

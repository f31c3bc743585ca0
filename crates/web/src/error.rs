//! Errors as people and programs see them: `application/problem+json` (RFC 9457) with
//! field-level messages for the API, and friendly Chinese pages for the browser.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use onewindow_domain::auth::Denied;
use onewindow_domain::org::FieldErrors;
use onewindow_store::StoreError;
use serde::Serialize;

use crate::pages::render_error_page;

/// One field's problem.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// The problem+json body every API error uses.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short Chinese summary.
    pub title: String,
    pub status: u16,
    /// Stable English code for programs.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// On a version conflict (409): the case's current version, to reload and retry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Invalid(FieldErrors),
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("request body too large")]
    TooLarge,
    #[error("version conflict: now {0}")]
    Conflict(u64),
    #[error("case rule: {0}")]
    Case(onewindow_domain::case::CaseError),
    #[error("idempotency key reused")]
    IdempotencyMismatch,
    #[error("busy")]
    Busy,
    #[error("too many attempts")]
    TooManyAttempts,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(f) => ApiError::Invalid(f),
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Conflict { current } => ApiError::Conflict(current),
            StoreError::Rejected(e) => ApiError::Case(e),
            StoreError::IdempotencyMismatch => ApiError::IdempotencyMismatch,
            StoreError::Busy => ApiError::Busy,
            StoreError::TooManyAttempts => ApiError::TooManyAttempts,
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<FieldErrors> for ApiError {
    fn from(e: FieldErrors) -> Self {
        ApiError::Invalid(e)
    }
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        ApiError::Forbidden(d.to_string())
    }
}

impl ApiError {
    pub fn problem(&self) -> Problem {
        let (status, code, title, detail, errors) = match self {
            ApiError::Invalid(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "输入有误",
                None,
                f.0.iter()
                    .map(|(field, message)| FieldProblem {
                        field: field.clone(),
                        message: message.clone(),
                    })
                    .collect(),
            ),
            ApiError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not_found",
                "未找到",
                Some(format!("{what} not found")),
                vec![],
            ),
            ApiError::Unauthenticated(why) => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "需要登录或有效的访问令牌",
                Some((*why).to_owned()),
                vec![],
            ),
            ApiError::Forbidden(why) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "无权执行此操作",
                Some(why.clone()),
                vec![],
            ),
            ApiError::BadRequest(why) => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                "请求格式有误",
                Some(why.clone()),
                vec![],
            ),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "请求内容过大",
                Some("request bodies are limited to 2 MB".to_owned()),
                vec![],
            ),
            ApiError::Conflict(current) => {
                return Problem {
                    kind: "/problems/version_conflict".into(),
                    title: "办件已被他人更新".into(),
                    status: 409,
                    code: "version_conflict".into(),
                    detail: Some(format!("办件当前版本为 {current}，请重新读取后再提交")),
                    errors: vec![],
                    current_version: Some(*current),
                };
            }
            ApiError::Case(e) => {
                use onewindow_domain::case::CaseError;
                let (status, title) = match e {
                    CaseError::WrongStage(_) | CaseError::NotYet(_) => {
                        (StatusCode::CONFLICT, "当前状态不允许此操作")
                    }
                    CaseError::NotAllowed(_) => (StatusCode::FORBIDDEN, "无权执行此操作"),
                    CaseError::Rule(_) | CaseError::Calendar(_) => {
                        (StatusCode::UNPROCESSABLE_ENTITY, "不符合办理规则")
                    }
                    CaseError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "输入有误"),
                };
                let errors = match e {
                    CaseError::Invalid { field, message } => vec![FieldProblem {
                        field: field.clone(),
                        message: message.clone(),
                    }],
                    _ => vec![],
                };
                (status, e.code(), title, Some(e.to_string()), errors)
            }
            ApiError::IdempotencyMismatch => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "幂等键已用于另一请求",
                Some(
                    "同一 Idempotency-Key 只能用于完全相同的请求；新的操作请使用新的键".to_owned(),
                ),
                vec![],
            ),
            ApiError::Busy => (
                StatusCode::TOO_MANY_REQUESTS,
                "busy",
                "请求过多",
                Some("服务器正忙，请稍后再试".to_owned()),
                vec![],
            ),
            ApiError::TooManyAttempts => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "尝试次数过多",
                Some("查询失败次数过多，请 15 分钟后再试".to_owned()),
                vec![],
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "服务器内部错误",
                Some("请稍后再试；如问题持续，请联系管理员".to_owned()),
                vec![],
            ),
        };
        Problem {
            kind: format!("/problems/{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            code: code.to_owned(),
            detail,
            errors,
            current_version: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        problem_response(self.problem())
    }
}

pub fn problem_response(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body,
    )
        .into_response()
}

/// An error on a server-rendered page: shown as a friendly page, never a stack trace.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("busy")]
    Busy,
    #[error("too many attempts")]
    TooManyAttempts,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => PageError::NotFound,
            StoreError::Busy => PageError::Busy,
            StoreError::TooManyAttempts => PageError::TooManyAttempts,
            StoreError::Invalid(f) => PageError::BadRequest(f.summary()),
            other => PageError::Internal(other.into()),
        }
    }
}

/// A shared case operation (pages call the same code as the API) refused on a page.
impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound(_) => PageError::NotFound,
            ApiError::Forbidden(why) => PageError::Forbidden(why),
            ApiError::Invalid(f) => PageError::BadRequest(f.summary()),
            ApiError::Case(e) => PageError::BadRequest(e.to_string()),
            ApiError::Busy => PageError::Busy,
            ApiError::TooManyAttempts => PageError::TooManyAttempts,
            ApiError::Conflict(_) => {
                PageError::BadRequest("办件已被他人更新，请返回刷新后再操作。".into())
            }
            other => PageError::Internal(anyhow::anyhow!(other.to_string())),
        }
    }
}

impl From<Denied> for PageError {
    fn from(d: Denied) -> Self {
        PageError::Forbidden(d.to_string())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "页面不存在",
                "您访问的页面不存在或已被移除。".to_owned(),
            ),
            PageError::Forbidden(why) => (
                StatusCode::FORBIDDEN,
                "无权访问",
                format!("{why}。如需此权限，请联系中心管理员。"),
            ),
            PageError::BadRequest(why) => (StatusCode::BAD_REQUEST, "请求有误", why.clone()),
            PageError::TooManyAttempts => (
                StatusCode::TOO_MANY_REQUESTS,
                "尝试次数过多",
                "查询失败次数过多，请 15 分钟后再试。如遗失查询码，请携带身份证件到窗口查询。"
                    .to_owned(),
            ),
            PageError::Busy => (
                StatusCode::TOO_MANY_REQUESTS,
                "请求过多",
                "当前登录的人较多，请稍候片刻再试。".to_owned(),
            ),
            PageError::Internal(e) => {
                tracing::error!(error = ?e, "internal error on page");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "系统繁忙",
                    "服务器处理时出错，您的操作未完成。请稍后再试。".to_owned(),
                )
            }
        };
        (status, Html(render_error_page(status, title, &message))).into_response()
    }
}

//! The JSON API under `/api/v1`. Handlers and the OpenAPI document are registered together
//! (utoipa-axum), so the document cannot drift from the routes.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use onewindow_domain::ids::DepartmentId;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use onewindow_domain::org::FieldErrors;

use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OneWindow 一窗通办 API",
        description = "政务服务平台接口。错误以 application/problem+json 返回，含字段级说明。\
                       集成方使用 `Authorization: Bearer <token>`；浏览器会话的写请求须带 `X-CSRF-Token`。"
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::Problem, crate::error::FieldProblem)),
    tags(
        (name = "organisation", description = "行政区划、中心、部门、窗口、人员"),
        (name = "accounts", description = "账号、注册、令牌、安全日志"),
        (name = "catalog", description = "政务服务事项目录（GB/T 39046）：检索、版本、发布、导入导出"),
        (name = "cases", description = "办件：申请、受理、补正、审查、决定、办结、送达；收件箱、检索、办件查询、工作日历"),
        (name = "supervision", description = "电子监察：预警阈值、黄牌红牌与申诉、扣分考核、星级评定、红旗窗口"),
        (name = "exchange", description = "部门自建系统办件数据汇聚：受理、过程、结果信息报送"),
        (name = "hall", description = "网上办事大厅：在线申请、草稿、材料上传、提交与补正、我的办件、消息"),
        (name = "joint", description = "并联审批：一件事一次办（多个事项一次申请、合并材料、并联办理）"),
        (name = "reviews", description = "好差评：一事一评、一次一评、差评回访整改、申诉、统计"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .merge(crate::accounts::api::api())
        .merge(crate::org::api::api())
        .merge(crate::catalog::api::api())
        .merge(crate::case::api::api())
        .merge(crate::calendar::api::api())
        .merge(crate::supervision::api::api())
        .merge(crate::hall::api::api())
        .merge(crate::hall::bookings_api::api())
        .merge(crate::joint::api::api())
        .merge(crate::joint::projects_api::api())
        .merge(crate::joint::prereview::api())
        .merge(crate::reviews::api::api())
        .merge(crate::trading::api::api())
        .merge(crate::audit::api());
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1)
}

/// `Json` whose rejections are problem+json too. A body that escapes a NUL character (`\u0000`)
/// is refused before parsing: no field needs one, and PostgreSQL cannot store it.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                let ct = ct.split(';').next().unwrap_or("").trim();
                ct == "application/json" || ct.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::BadRequest(
                "请求体须为 JSON（Content-Type: application/json）".into(),
            ));
        }
        let bytes = match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::TooLarge);
            }
            Err(e) => return Err(ApiError::BadRequest(e.body_text())),
        };
        if escapes_nul(&bytes) {
            return Err(ApiError::BadRequest(
                "请求中含有不允许的空字符（NUL）".into(),
            ));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(data_error(&e.body_text())),
            Err(e) => Err(ApiError::BadRequest(e.body_text())),
        }
    }
}

/// Whether JSON text escapes a NUL (`\u0000`): a `u0000` after an odd run of backslashes.
fn escapes_nul(json: &[u8]) -> bool {
    json.windows(5).enumerate().any(|(i, w)| {
        w == b"u0000" && json[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
    })
}

/// Turns serde's "path: message" (or "missing field `x`") into a field error, so that a JSON
/// client learns which field to fix just as a form user does.
fn data_error(text: &str) -> ApiError {
    let detail = text
        .split_once("target type: ")
        .map_or(text, |(_, rest)| rest);
    if let Some(field) = detail
        .split_once("missing field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(f, _)| f)
    {
        return FieldErrors::single(field, "必填").into();
    }
    match detail.split_once(": ") {
        Some((path, message)) if !path.contains(' ') && path != "." => {
            FieldErrors::single(path, format!("格式不正确（{message}）")).into()
        }
        _ => ApiError::BadRequest(text.to_owned()),
    }
}

/// Asks the one permission gate for an API caller.
pub(crate) async fn gate(
    state: &AppState,
    user: &crate::auth::ApiUser,
    action: impl Into<onewindow_domain::auth::Action>,
    dept: Option<DepartmentId>,
) -> Result<(), ApiError> {
    Ok(crate::auth::require(state, &user.principal, user.remote.as_deref(), action, dept).await?)
}

/// The caller as a case actor (roles, powers, whom they back up), once the gate allows them
/// `action` in their own department: how a unit's own work (an inbox, an explanation, an
/// appeal) begins.
pub(crate) async fn own_unit_actor(
    state: &AppState,
    user: &crate::auth::ApiUser,
    action: impl Into<onewindow_domain::auth::Action>,
) -> Result<onewindow_domain::case::Actor, ApiError> {
    gate(state, user, action, user.principal.department_id).await?;
    Ok(state.store.cases().case_actor(&user.principal).await?)
}

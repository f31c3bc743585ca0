//! The 好差评 API: rating a case (the applicant's own, by query code, or by phone for staff),
//! the reviews a caller may see (anonymous to a department's staff), answering a bad review,
//! appeals and the centre's decision, lighting a window's tablet, and the figures.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use onewindow_domain::auth::ReviewAction;
use onewindow_domain::ids::CaseId;
use onewindow_domain::org::FieldErrors;
use onewindow_domain::reviews::{AppealDecisionInput, AppealInput, HandlingStep, RatingInput};
use onewindow_store::reviews::{Answerer, Dimension, Figures, Rater, Review, ReviewFilter};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::{ApiJson, gate};
use crate::auth::ApiUser;
use crate::case::api::idempotency_key;
use crate::error::ApiError;

type ApiResult<T> = Result<T, ApiError>;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(rate_case))
        .routes(routes!(rate_by_code))
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(answer))
        .routes(routes!(appeal))
        .routes(routes!(decide_appeal))
        .routes(routes!(light))
        .routes(routes!(figures))
        .routes(routes!(sms_reply))
        .merge(super::complaints::api())
        .merge(super::hotline::api())
        .merge(super::consult::api())
}

async fn visible(state: &AppState, user: &ApiUser, id: i64) -> ApiResult<Review> {
    let (department, named) = super::scope(state, &user.principal, user.remote.as_deref()).await?;
    let r = state.store.reviews().get(id).await?;
    if department.is_some_and(|d| d != r.department_id) {
        return Err(onewindow_store::StoreError::NotFound("review").into());
    }
    Ok(if named { r } else { r.anonymous() })
}

#[utoipa::path(post, path = "/cases/{id}/reviews", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = RatingInput,
    responses((status = 201, body = Review),
        (status = 409, body = crate::error::Problem, description = "办件未办结、已评价并追评"),
        (status = 422, body = crate::error::Problem, description = "满意度、渠道、差评原因有误")))]
/// 一事一评: the applicant rates their concluded case (once, and once more as a follow-up);
/// staff enter a caller's review with channel `phone`.
pub async fn rate_case(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<CaseId>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<RatingInput>,
) -> ApiResult<(StatusCode, Json<Review>)> {
    let key = idempotency_key(&headers)?;
    let p = &user.principal;
    let rater = if p.is_staff() {
        gate(&state, &user, ReviewAction::EnterByPhone, p.department_id).await?;
        Rater::Staff(state.store.cases().case_actor(p).await?)
    } else {
        gate(&state, &user, ReviewAction::Rate, None).await?;
        Rater::Account(p.account_id)
    };
    let review = state
        .store
        .reviews()
        .rate_case(rater, Some(id), &input, state.clock.today(), key)
        .await?;
    Ok((StatusCode::CREATED, Json(review.anonymous())))
}

/// A rating with the receipt's case number and query code (the QR code).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CodeRating {
    pub case_no: String,
    pub query_code: String,
    #[serde(flatten)]
    pub rating: RatingInput,
}

#[utoipa::path(post, path = "/reviews/by-code", tag = "reviews", request_body = CodeRating,
    responses((status = 201, body = Review), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
/// Rates a case with the number and query code printed on its receipt; no account needed.
pub async fn rate_by_code(
    State(state): State<AppState>,
    ctx: crate::auth::RequestCtx,
    ApiJson(body): ApiJson<CodeRating>,
) -> ApiResult<(StatusCode, Json<Review>)> {
    let review = state
        .store
        .reviews()
        .rate_case(
            Rater::Code {
                case_no: body.case_no,
                code: body.query_code,
                remote: ctx.remote.clone(),
            },
            None,
            &body.rating,
            state.clock.today(),
            None,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(review.anonymous())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// good, medium or bad.
    pub grade: Option<String>,
    /// Only bad reviews still to be answered, or with an appeal waiting.
    pub open: Option<bool>,
    /// Only reviews whose appeal waits for the centre.
    pub appealed: Option<bool>,
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/reviews", tag = "reviews", security(("bearer" = [])), params(ListParams),
    responses((status = 200, body = Vec<Review>)))]
/// Reviews, newest first: a department's own (anonymous), or every department's by name for
/// supervisors.
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<ListParams>,
) -> ApiResult<Json<Vec<Review>>> {
    let (department, named) = super::scope(&state, &user.principal, user.remote.as_deref()).await?;
    let reviews = state
        .store
        .reviews()
        .list(&ReviewFilter {
            department,
            grade: q.grade,
            open: q.open.unwrap_or(false),
            appealed: q.appealed.unwrap_or(false),
            limit: q.limit.unwrap_or(100),
        })
        .await?;
    Ok(Json(
        reviews
            .into_iter()
            .map(|r| if named { r } else { r.anonymous() })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/reviews/{id}", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Review), (status = 404, body = crate::error::Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Review>> {
    Ok(Json(visible(&state, &user, id).await?))
}

#[utoipa::path(post, path = "/reviews/{id}/handling", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = HandlingStep,
    responses((status = 200, body = Review), (status = 422, body = crate::error::Problem)))]
/// A step of a bad review's answer: `callback` and `rectify` by the department, `confirm` by
/// the reviewer.
pub async fn answer(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(step): ApiJson<HandlingStep>,
) -> ApiResult<Json<Review>> {
    let p = &user.principal;
    let who = if p.is_staff() {
        let r = state.store.reviews().get(id).await?;
        gate(&state, &user, ReviewAction::Answer, Some(r.department_id)).await?;
        Answerer::Department {
            department: p.department_id,
            account: p.account_id,
            name: p.display_name.clone(),
        }
    } else {
        gate(&state, &user, ReviewAction::Rate, None).await?;
        Answerer::Reviewer {
            account: p.account_id,
            name: p.display_name.clone(),
        }
    };
    let r = state
        .store
        .reviews()
        .answer(id, who, &step, state.clock.today())
        .await?;
    Ok(Json(if p.is_staff() { r.anonymous() } else { r }))
}

#[utoipa::path(post, path = "/reviews/{id}/appeal", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AppealInput,
    responses((status = 201, body = Review), (status = 422, body = crate::error::Problem)))]
/// The department appeals a review as mistaken or malicious, with its grounds, within the
/// appeal period, once.
pub async fn appeal(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AppealInput>,
) -> ApiResult<(StatusCode, Json<Review>)> {
    let p = &user.principal;
    let r = state.store.reviews().get(id).await?;
    gate(&state, &user, ReviewAction::Answer, Some(r.department_id)).await?;
    let r = state
        .store
        .reviews()
        .appeal(
            id,
            p.department_id,
            &input,
            (p.account_id, &p.display_name),
            state.clock.today(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(r.anonymous())))
}

#[utoipa::path(post, path = "/reviews/{id}/appeal/decision", tag = "reviews",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = AppealDecisionInput,
    responses((status = 200, body = Review), (status = 422, body = crate::error::Problem)))]
/// The centre decides an appeal; upheld, the review leaves the figures but not the record.
pub async fn decide_appeal(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AppealDecisionInput>,
) -> ApiResult<Json<Review>> {
    gate(&state, &user, ReviewAction::DecideAppeal, None).await?;
    let p = &user.principal;
    Ok(Json(
        state
            .store
            .reviews()
            .decide_appeal(id, &input, (p.account_id, &p.display_name))
            .await?,
    ))
}

/// The service just ended at the clerk's window, and the case served if any.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct LightBody {
    #[serde(default)]
    pub case_no: Option<String>,
}

/// The visit lit on the tablet.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Lit {
    pub visit_id: i64,
}

#[utoipa::path(post, path = "/reviews/visits", tag = "reviews", security(("bearer" = [])),
    request_body = LightBody,
    responses((status = 201, body = Lit), (status = 422, body = crate::error::Problem)))]
/// 一次一评: the clerk lights their window's tablet for the person just served.
pub async fn light(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<LightBody>,
) -> ApiResult<(StatusCode, Json<Lit>)> {
    let p = &user.principal;
    gate(&state, &user, ReviewAction::InviteAtWindow, p.department_id).await?;
    let visit_id = state
        .store
        .reviews()
        .light_at_seat(
            p.account_id,
            p.staff_id,
            body.case_no.as_deref().unwrap_or(""),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Lit { visit_id })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FigureParams {
    /// department (default), window, staff, item or channel.
    pub by: Option<String>,
    /// First day (YYYY-MM-DD).
    pub from: String,
    /// Last day (YYYY-MM-DD).
    pub to: String,
}

#[utoipa::path(get, path = "/reviews/figures", tag = "reviews", security(("bearer" = [])),
    params(FigureParams), responses((status = 200, body = Vec<Figures>),
        (status = 422, body = crate::error::Problem)))]
/// 满意率, 差评率 and 差评整改率 per unit over a period, from the day's rollups.
pub async fn figures(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<FigureParams>,
) -> ApiResult<Json<Vec<Figures>>> {
    let (department, _) = super::scope(&state, &user.principal, user.remote.as_deref()).await?;
    let mut e = FieldErrors::new();
    let by = match q.by.as_deref().unwrap_or("department").parse::<Dimension>() {
        Ok(d) => Some(d),
        Err(_) => {
            e.add(
                "by",
                "统计维度应为 department、window、staff、item 或 channel",
            );
            None
        }
    };
    let day = |s: &str, field: &str, e: &mut FieldErrors| match s.parse::<chrono::NaiveDate>() {
        Ok(d) => Some(d),
        Err(_) => {
            e.add(field, "日期格式应为 YYYY-MM-DD");
            None
        }
    };
    let (from, to) = (day(&q.from, "from", &mut e), day(&q.to, "to", &mut e));
    if let (Some(f), Some(t)) = (from, to)
        && (f > t || (t - f).num_days() > 3660)
    {
        e.add("to", "起止日期有误（最长十年）");
    }
    e.into_result()?;
    let (Some(by), Some(from), Some(to)) = (by, from, to) else {
        unreachable!("checked above")
    };
    Ok(Json(
        state
            .store
            .reviews()
            .figures(by, &from.to_string(), &to.to_string(), department)
            .await?,
    ))
}

/// An SMS received by the centre's gateway.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Sms {
    /// The sender's mobile number.
    pub from: String,
    /// What they wrote, e.g. `4 等候时间长`.
    pub text: String,
}

#[utoipa::path(post, path = "/reviews/sms", tag = "reviews", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "短信网关的消息编号")),
    request_body = Sms,
    responses((status = 201, body = Review), (status = 404, body = crate::error::Problem, description = "该号码没有待评价的办件"),
        (status = 422, body = crate::error::Problem, description = "回复不是 1 至 5，或差评未写原因")))]
/// A reply to the invitation SMS, passed on by the SMS gateway (its account takes reviews like
/// window staff): the digit is the level, a bad one names its reasons in words.
pub async fn sms_reply(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    ApiJson(sms): ApiJson<Sms>,
) -> ApiResult<(StatusCode, Json<Review>)> {
    gate(
        &state,
        &user,
        ReviewAction::Intake,
        user.principal.department_id,
    )
    .await?;
    let key = idempotency_key(&headers)?;
    let review = state
        .store
        .reviews()
        .rate_by_sms(&sms.from, &sms.text, state.clock.today(), key)
        .await?;
    Ok((StatusCode::CREATED, Json(review.anonymous())))
}

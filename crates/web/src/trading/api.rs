//! The trading API: announcements for anyone; projects, lots' publication, clarifications,
//! answers, openings and draws for the trading centre's staff; registration, questions, sealed
//! bids and withdrawal for companies; an official's passphrase and share for themself.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use onewindow_domain::auth::TradingAction;
use onewindow_domain::ids::StaffId;
use onewindow_domain::org::FieldErrors;
use onewindow_domain::trading::evaluation::Criteria;
use onewindow_domain::trading::parse_yuan;
use onewindow_store::trading::{
    Announcement, BidReceipt, Clarification, Draw, ExpertInput, Lot, OpeningRecord, Project,
    ProjectInput, PublishInput, Question,
};
use onewindow_store::trading::{AuctionView, OfferView};
use onewindow_store::trading::{Award, Contract, Evaluation, Objection, Publicity};
use onewindow_store::{StoreError, now_ms};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::{ApiJson, gate};
use crate::auth::ApiUser;
use crate::error::ApiError;

type ApiResult<T> = Result<T, ApiError>;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(announcements))
        .routes(routes!(create_project))
        .routes(routes!(lot))
        .routes(routes!(upload_documents))
        .routes(routes!(publish))
        .routes(routes!(clarify))
        .routes(routes!(register))
        .routes(routes!(ask))
        .routes(routes!(answer))
        .routes(routes!(bid, withdraw))
        .routes(routes!(opening_key))
        .routes(routes!(take_share))
        .routes(routes!(open))
        .routes(routes!(add_expert))
        .routes(routes!(set_criteria))
        .routes(routes!(score))
        .routes(routes!(evaluate, get_evaluation))
        .routes(routes!(publish_candidates))
        .routes(routes!(object))
        .routes(routes!(answer_objection))
        .routes(routes!(award))
        .routes(routes!(contract))
        .routes(routes!(commit_draw))
        .routes(routes!(draw_seed))
        .routes(routes!(run_draw))
        .routes(routes!(get_draw))
        .routes(routes!(publish_listing))
        .routes(routes!(auction, offer))
        .routes(routes!(statistics))
        .routes(routes!(ocds_releases))
        .routes(routes!(ocds_records))
}

/// A listing's publication as sent: prices in yuan as text, times in RFC 3339.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ListingBody {
    pub title: String,
    pub body: String,
    pub docs_name: String,
    pub docs_sha256: String,
    pub starting_price: String,
    pub increment: String,
    /// 底价, kept unpublished until the result; none: the highest bid wins.
    pub reserve_price: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub listing_starts_at: Option<DateTime<Utc>>,
    #[schema(value_type = String, format = DateTime)]
    pub listing_ends_at: Option<DateTime<Utc>>,
    /// 限时竞价: the countdown each bid restarts, 10–3600 seconds.
    pub round_secs: i64,
}

#[utoipa::path(post, path = "/trading/lots/{id}/listing", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ListingBody,
    responses((status = 201, body = Announcement),
        (status = 422, body = crate::error::Problem, description = "违反法定最短期限等")))]
/// Publishes a listing auction (挂牌出让): 20 days' notice and 10 days' listing are checked.
pub async fn publish_listing(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ListingBody>,
) -> ApiResult<(StatusCode, Json<Announcement>)> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    let (Some(listing_starts_at), Some(listing_ends_at)) = (b.listing_starts_at, b.listing_ends_at)
    else {
        return Err(invalid("listing_starts_at", "请填写挂牌起止时间"));
    };
    if state.blobs.get(&b.docs_sha256).is_err() {
        return Err(invalid("docs_sha256", "出让文件尚未上传"));
    }
    let cal = state.store.calendar().calendar_for("").await?;
    let a = state
        .store
        .trading()
        .publish_listing(
            id,
            &onewindow_store::trading::ListingInput {
                title: b.title,
                body: b.body,
                docs: (b.docs_name, b.docs_sha256),
                starting_price: b.starting_price,
                increment: b.increment,
                reserve_price: b.reserve_price,
                listing_starts_at,
                listing_ends_at,
                round_secs: b.round_secs,
            },
            &cal,
            user.principal.account_id,
            now_ms(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

#[utoipa::path(get, path = "/trading/lots/{id}/auction", tag = "trading", params(("id" = i64, Path)),
    responses((status = 200, body = AuctionView), (status = 404, body = crate::error::Problem)))]
/// A listing auction as it stands: its phase and countdown, the next lowest bid, every bid in
/// public order by 竞买号; anyone may read it.
pub async fn auction(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<AuctionView>> {
    Ok(Json(state.store.trading().auction(id, now_ms()).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OfferBody {
    /// Yuan, as text: at least the current price and the increment.
    pub amount: String,
}

#[utoipa::path(post, path = "/trading/lots/{id}/auction", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = OfferBody,
    responses((status = 201, body = OfferView),
        (status = 422, body = crate::error::Problem, description = "低于当前价加加价幅度、未报名或竞价已结束")))]
/// Bids in a listing auction (a registered company); everyone watching sees it at once.
pub async fn offer(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<OfferBody>,
) -> ApiResult<(StatusCode, Json<OfferView>)> {
    gate(&state, &user, TradingAction::Bid, None).await?;
    let (o, view) = state
        .store
        .trading()
        .offer(id, user.principal.account_id, &b.amount, now_ms())
        .await?;
    state.auctions.publish(&view);
    Ok((StatusCode::CREATED, Json(o)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Statistics {
    /// By month of publication, sector and method, newest month first.
    pub rows: Vec<onewindow_store::trading::statistics::StatRow>,
    /// Each sector's totals, then the whole.
    pub totals: Vec<onewindow_store::trading::statistics::StatRow>,
}

#[utoipa::path(get, path = "/trading/statistics", tag = "trading",
    responses((status = 200, body = Statistics)))]
/// Trading figures: projects, lots, failed and awarded lots, bidders, budgets, awards and
/// savings by sector, method and month; anyone may read them.
pub async fn statistics(State(state): State<AppState>) -> ApiResult<Json<Statistics>> {
    let (rows, totals) = state.store.trading().statistics().await?;
    Ok(Json(Statistics { rows, totals }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct OcdsQuery {
    /// The last lot id of the previous page (0 or absent: from the start).
    pub after: i64,
    /// Lots in this page, 1–100 (default 20); each lot gives its stages' releases.
    pub limit: Option<i64>,
}

/// One page of published lots as an OCDS package, with the next page's link while there is one.
async fn ocds_page(
    state: &AppState,
    q: &OcdsQuery,
    kind: onewindow_store::trading::ocds::Package,
) -> ApiResult<Json<serde_json::Value>> {
    use onewindow_store::trading::ocds::package_head;
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(invalid("limit", "每页标段数应为 1–100"));
    }
    if q.after < 0 {
        return Err(invalid("after", "起始标段编号不能为负"));
    }
    let page = state.store.trading().ocds_page(q.after, limit).await?;
    let p = &state.ocds;
    let path = kind.field();
    let list: Vec<serde_json::Value> = page.iter().flat_map(|l| l.items(p, kind)).collect();
    let here = format!("{}/api/v1/trading/ocds/{path}", p.base_url);
    let mut head = package_head(
        p,
        &format!("{here}?after={}&limit={limit}", q.after),
        now_ms(),
    );
    if let Some(last) = page.last().filter(|_| page.len() as i64 == limit) {
        head.insert(
            "links".into(),
            serde_json::json!({ "next": format!("{here}?after={}&limit={limit}", last.lot.id) }),
        );
    }
    head.insert(path.into(), serde_json::Value::Array(list));
    Ok(Json(serde_json::Value::Object(head)))
}

#[utoipa::path(get, path = "/trading/ocds/releases", tag = "trading", params(OcdsQuery),
    responses((status = 200, body = Object, description = "OCDS 1.1 release package"),
        (status = 422, body = crate::error::Problem)))]
/// Published lots' OCDS releases (planning, tender, amendments, opening, award, contract), a
/// page of lots at a time: anyone may read them.
pub async fn ocds_releases(
    State(state): State<AppState>,
    Query(q): Query<OcdsQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    ocds_page(
        &state,
        &q,
        onewindow_store::trading::ocds::Package::Releases,
    )
    .await
}

#[utoipa::path(get, path = "/trading/ocds/records", tag = "trading", params(OcdsQuery),
    responses((status = 200, body = Object, description = "OCDS 1.1 record package"),
        (status = 422, body = crate::error::Problem)))]
/// Published lots' OCDS records: each lot's releases and its compiled release.
pub async fn ocds_records(
    State(state): State<AppState>,
    Query(q): Query<OcdsQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    ocds_page(&state, &q, onewindow_store::trading::ocds::Package::Records).await
}

fn invalid(field: &str, message: &str) -> ApiError {
    StoreError::Invalid(FieldErrors::single(field, message)).into()
}

fn staff_of(user: &ApiUser) -> ApiResult<StaffId> {
    user.principal
        .staff_id
        .ok_or_else(|| invalid("staff", "需要工作人员账号"))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AnnouncementQuery {
    pub project: Option<i64>,
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/trading/announcements", tag = "trading", params(AnnouncementQuery),
    responses((status = 200, body = Vec<Announcement>)))]
/// Published announcements, newest first: anyone may read them.
pub async fn announcements(
    State(state): State<AppState>,
    Query(q): Query<AnnouncementQuery>,
) -> ApiResult<Json<Vec<Announcement>>> {
    Ok(Json(
        state
            .store
            .trading()
            .announcements(q.project, q.limit.unwrap_or(50))
            .await?,
    ))
}

#[utoipa::path(post, path = "/trading/projects", tag = "trading", security(("bearer" = [])),
    request_body = ProjectInput, responses((status = 201, body = Project),
        (status = 422, body = crate::error::Problem, description = "字段有误")))]
/// Records a project with its lots.
pub async fn create_project(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ProjectInput>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    let p = state
        .store
        .trading()
        .create_project(&input, user.principal.account_id)
        .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

#[utoipa::path(get, path = "/trading/lots/{id}", tag = "trading", params(("id" = i64, Path)),
    responses((status = 200, body = Lot), (status = 404, body = crate::error::Problem)))]
/// A lot with its timeline and opening key's public half.
pub async fn lot(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Lot>> {
    Ok(Json(state.store.trading().lot(id).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct FileName {
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoredFile {
    pub name: String,
    pub sha256: String,
}

#[utoipa::path(post, path = "/trading/lots/{id}/documents", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path), FileName), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = StoredFile), (status = 422, body = crate::error::Problem)))]
/// Stores a lot's tender documents before publication; the publication names them by hash.
pub async fn upload_documents(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<FileName>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<StoredFile>)> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    state.store.trading().lot(id).await?;
    let sha256 = state.blobs.put(&q.name, &body)?;
    Ok((
        StatusCode::CREATED,
        Json(StoredFile {
            name: q.name.trim().to_owned(),
            sha256,
        }),
    ))
}

/// A lot's publication as sent.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PublishBody {
    pub title: String,
    pub body: String,
    pub docs_name: String,
    pub docs_sha256: String,
    /// The day the documents are first issued.
    #[schema(value_type = String, format = Date)]
    pub docs_issued_on: Option<NaiveDate>,
    /// RFC 3339.
    #[schema(value_type = String, format = DateTime)]
    pub bid_deadline: Option<DateTime<Utc>>,
    #[schema(value_type = String, format = DateTime)]
    pub opening_at: Option<DateTime<Utc>>,
    /// The opening officials (staff ids), each with an opening passphrase set.
    pub officials: Vec<i64>,
    /// Shares needed to open (k).
    pub threshold: u8,
}

#[utoipa::path(post, path = "/trading/lots/{id}/publish", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PublishBody,
    responses((status = 201, body = Announcement),
        (status = 422, body = crate::error::Problem, description = "违反法定最短期限等")))]
/// Publishes a lot: the law's period for its method is checked, the opening key made and split.
pub async fn publish(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<PublishBody>,
) -> ApiResult<(StatusCode, Json<Announcement>)> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    let (Some(docs_issued_on), Some(bid_deadline), Some(opening_at)) =
        (b.docs_issued_on, b.bid_deadline, b.opening_at)
    else {
        return Err(invalid(
            "bid_deadline",
            "请填写文件发出日期、投标截止时间和开标时间",
        ));
    };
    if state.blobs.get(&b.docs_sha256).is_err() {
        return Err(invalid("docs_sha256", "招标（采购）文件尚未上传"));
    }
    let cal = state.store.calendar().calendar_for("").await?;
    let a = state
        .store
        .trading()
        .publish_lot(
            id,
            &PublishInput {
                title: b.title,
                body: b.body,
                docs: (b.docs_name, b.docs_sha256),
                docs_issued_on,
                bid_deadline,
                opening_at,
                officials: b.officials.into_iter().map(StaffId).collect(),
                threshold: b.threshold,
            },
            &cal,
            user.principal.account_id,
            now_ms(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

#[utoipa::path(post, path = "/trading/lots/{id}/clarifications", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Clarification,
    responses((status = 201, body = Announcement), (status = 422, body = crate::error::Problem)))]
/// A clarification or change; one changing the documents too late moves the deadline.
pub async fn clarify(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(c): ApiJson<Clarification>,
) -> ApiResult<(StatusCode, Json<Announcement>)> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    let cal = state.store.calendar().calendar_for("").await?;
    let a = state
        .store
        .trading()
        .clarify(id, &c, &cal, user.principal.account_id, now_ms())
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

#[utoipa::path(post, path = "/trading/lots/{id}/registrations", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 422, body = crate::error::Problem)))]
/// A company registers for a lot (报名) while bids are taken.
pub async fn register(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, TradingAction::Bid, None).await?;
    state
        .store
        .trading()
        .register(id, user.principal.account_id, now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TextBody {
    pub text: String,
}

#[utoipa::path(post, path = "/trading/lots/{id}/questions", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 201, body = Question), (status = 422, body = crate::error::Problem)))]
/// A registered company's question (答疑); who asked is never published.
pub async fn ask(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TextBody>,
) -> ApiResult<(StatusCode, Json<Question>)> {
    gate(&state, &user, TradingAction::Bid, None).await?;
    let q = state
        .store
        .trading()
        .ask(id, user.principal.account_id, &b.text, now_ms())
        .await?;
    Ok((StatusCode::CREATED, Json(q)))
}

#[utoipa::path(post, path = "/trading/questions/{id}/answer", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 200, body = Question), (status = 422, body = crate::error::Problem)))]
/// Answers a question; every registered bidder is told, without who asked.
pub async fn answer(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TextBody>,
) -> ApiResult<Json<Question>> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    Ok(Json(state.store.trading().answer(id, &b.text).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct BidQuery {
    /// The price in yuan (`1234.56`).
    pub price: String,
    /// The file's name (its type decides what it may be).
    pub name: String,
}

#[utoipa::path(post, path = "/trading/lots/{id}/bids", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path), BidQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = BidReceipt),
        (status = 422, body = crate::error::Problem, description = "已截止、未报名、报价有误")))]
/// A sealed bid: sealed the moment it arrives; a company's earlier bid is replaced.
pub async fn bid(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<BidQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<BidReceipt>)> {
    gate(&state, &user, TradingAction::Bid, None).await?;
    let mut e = FieldErrors::new();
    let price = parse_yuan(&mut e, "price", &q.price);
    e.into_result().map_err(StoreError::Invalid)?;
    let receipt = state
        .store
        .trading()
        .submit_bid(
            id,
            user.principal.account_id,
            price,
            vec![(q.name, body.to_vec())],
            &state.blobs,
            now_ms(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

#[utoipa::path(delete, path = "/trading/lots/{id}/bids", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 422, body = crate::error::Problem)))]
/// Withdraws the company's bid before the deadline.
pub async fn withdraw(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, TradingAction::Bid, None).await?;
    state
        .store
        .trading()
        .withdraw_bid(id, user.principal.account_id, now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Passphrase {
    pub passphrase: String,
}

#[utoipa::path(put, path = "/trading/opening-key", tag = "trading", security(("bearer" = [])),
    request_body = Passphrase, responses((status = 204), (status = 422, body = crate::error::Problem)))]
/// Sets the caller's opening passphrase (the server keeps only a salt and a public key).
pub async fn opening_key(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<Passphrase>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, TradingAction::SetOpeningKey, None).await?;
    let staff = staff_of(&user)?;
    state
        .store
        .trading()
        .set_opening_key(staff, &b.passphrase)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShareBody {
    /// Keep it: the server forgets it now and asks for it at the opening.
    pub share: String,
}

#[utoipa::path(post, path = "/trading/lots/{id}/share", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Passphrase,
    responses((status = 200, body = ShareBody), (status = 422, body = crate::error::Problem)))]
/// An opening official takes their share of the lot's key, once.
pub async fn take_share(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<Passphrase>,
) -> ApiResult<Json<ShareBody>> {
    gate(&state, &user, TradingAction::Open, None).await?;
    let staff = staff_of(&user)?;
    let share = state
        .store
        .trading()
        .take_share(id, staff, &b.passphrase)
        .await?;
    Ok(Json(ShareBody { share }))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OpenBody {
    pub shares: Vec<String>,
}

#[utoipa::path(post, path = "/trading/lots/{id}/opening", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = OpenBody,
    responses((status = 201, body = OpeningRecord),
        (status = 422, body = crate::error::Problem, description = "未到开标时间、份额不足或不正确")))]
/// Opens the lot with k officials' shares; the record is signed and published.
pub async fn open(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<OpenBody>,
) -> ApiResult<(StatusCode, Json<OpeningRecord>)> {
    gate(&state, &user, TradingAction::Open, None).await?;
    let r = state
        .store
        .trading()
        .open_lot(
            id,
            &b.shares,
            &state.audit_key,
            user.principal.account_id,
            now_ms(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DrawBody {
    pub specialty: String,
    pub count: i64,
    /// No one drawn for the same owner within these days.
    #[serde(default)]
    pub avoid_days: i64,
    /// Refused: seed values come from the officials after the pool is committed.
    #[serde(default)]
    pub seeds: Option<Vec<String>>,
}

#[utoipa::path(post, path = "/trading/lots/{id}/draws", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DrawBody,
    responses((status = 201, body = Draw), (status = 422, body = crate::error::Problem)))]
/// Commits the eligible pool of an expert draw (its hash published before any seed).
pub async fn commit_draw(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<DrawBody>,
) -> ApiResult<(StatusCode, Json<Draw>)> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    let d = state
        .store
        .trading()
        .commit_draw(
            id,
            &b.specialty,
            b.count,
            b.avoid_days,
            b.seeds.is_some(),
            user.principal.account_id,
            now_ms(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(d)))
}

#[utoipa::path(post, path = "/trading/draws/{id}/seeds", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 200, body = Draw), (status = 422, body = crate::error::Problem)))]
/// An opening official's random contribution to the draw's seed.
pub async fn draw_seed(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TextBody>,
) -> ApiResult<Json<Draw>> {
    gate(&state, &user, TradingAction::Open, None).await?;
    let staff = staff_of(&user)?;
    Ok(Json(
        state
            .store
            .trading()
            .add_seed(id, staff, &b.text, now_ms())
            .await?,
    ))
}

#[utoipa::path(post, path = "/trading/draws/{id}/run", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Draw), (status = 422, body = crate::error::Problem)))]
/// Draws, once enough officials entered their seed values.
pub async fn run_draw(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Draw>> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    Ok(Json(state.store.trading().run_draw(id).await?))
}

#[utoipa::path(get, path = "/trading/draws/{id}", tag = "trading", params(("id" = i64, Path)),
    responses((status = 200, body = Draw), (status = 404, body = crate::error::Problem)))]
/// A draw as published: pool, hash, seeds and picks, for anyone to re-derive.
pub async fn get_draw(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Draw>> {
    Ok(Json(state.store.trading().draw(id).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

#[utoipa::path(post, path = "/trading/experts", tag = "trading", security(("bearer" = [])),
    request_body = ExpertInput, responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
/// Adds an expert to the pool.
pub async fn add_expert(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ExpertInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    gate(&state, &user, TradingAction::ManageExperts, None).await?;
    let id = state.store.trading().add_expert(&input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(put, path = "/trading/lots/{id}/criteria", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Criteria,
    responses((status = 204), (status = 422, body = crate::error::Problem, description = "合计须为 100 分")))]
/// Sets the lot's criteria (price points and items, 100 in all), until the first score.
pub async fn set_criteria(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(c): ApiJson<Criteria>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    state.store.trading().set_criteria(id, &c, now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ScoreBody {
    pub expert_id: i64,
    pub bid_id: i64,
    /// Item by item, in the criteria's order.
    pub scores: Vec<u32>,
}

#[utoipa::path(post, path = "/trading/lots/{id}/scores", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ScoreBody,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
/// Records an accepted expert's scores of one opened bid.
pub async fn score(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ScoreBody>,
) -> ApiResult<StatusCode> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    state
        .store
        .trading()
        .score(id, b.expert_id, b.bid_id, &b.scores, now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/trading/lots/{id}/evaluation", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 201, body = Evaluation), (status = 422, body = crate::error::Problem, description = "尚有专家未评分")))]
/// Forms the evaluation report once every accepted expert has scored every bid.
pub async fn evaluate(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<Evaluation>)> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    let r = state
        .store
        .trading()
        .evaluate(id, user.principal.account_id, now_ms())
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[utoipa::path(get, path = "/trading/lots/{id}/evaluation", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Evaluation), (status = 404, body = crate::error::Problem)))]
/// The lot's evaluation report.
pub async fn get_evaluation(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Evaluation>> {
    gate(&state, &user, TradingAction::View, None).await?;
    Ok(Json(
        state
            .store
            .trading()
            .evaluation(id)
            .await?
            .ok_or(StoreError::NotFound("evaluation"))?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DaysBody {
    /// Days of publicity (at least 3).
    pub days: u32,
}

#[utoipa::path(post, path = "/trading/lots/{id}/candidates", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DaysBody,
    responses((status = 201, body = Publicity), (status = 422, body = crate::error::Problem, description = "公示期不足 3 日等")))]
/// Publishes the winning candidates (中标候选人公示).
pub async fn publish_candidates(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<DaysBody>,
) -> ApiResult<(StatusCode, Json<Publicity>)> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    let cal = state.store.calendar().calendar_for("").await?;
    let p = state
        .store
        .trading()
        .publish_candidates(id, b.days, &cal, user.principal.account_id, now_ms())
        .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

#[utoipa::path(post, path = "/trading/lots/{id}/objections", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 201, body = Objection), (status = 422, body = crate::error::Problem)))]
/// A bidder's objection (质疑) during the publicity.
pub async fn object(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TextBody>,
) -> ApiResult<(StatusCode, Json<Objection>)> {
    gate(&state, &user, TradingAction::Bid, None).await?;
    let o = state
        .store
        .trading()
        .object(id, user.principal.account_id, &b.text, now_ms())
        .await?;
    Ok((StatusCode::CREATED, Json(o)))
}

#[utoipa::path(post, path = "/trading/objections/{id}/answer", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TextBody,
    responses((status = 200, body = Objection), (status = 422, body = crate::error::Problem)))]
/// Answers an objection; the objector is told.
pub async fn answer_objection(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TextBody>,
) -> ApiResult<Json<Objection>> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    Ok(Json(
        state
            .store
            .trading()
            .answer_objection(id, &b.text, now_ms())
            .await?,
    ))
}

#[utoipa::path(post, path = "/trading/lots/{id}/award", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 201, body = Award), (status = 422, body = crate::error::Problem, description = "公示未满或质疑未答复")))]
/// Awards the lot to the first candidate once the publicity has ended and every objection is
/// answered.
pub async fn award(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<Award>)> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    let a = state
        .store
        .trading()
        .award(id, user.principal.account_id, now_ms())
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ContractBody {
    /// Yuan, as text.
    pub amount: String,
    pub signed_on: String,
    pub starts_on: String,
    pub ends_on: String,
}

#[utoipa::path(post, path = "/trading/lots/{id}/contract", tag = "trading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ContractBody,
    responses((status = 201, body = Award), (status = 422, body = crate::error::Problem)))]
/// Records the signed contract of an awarded lot.
pub async fn contract(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ContractBody>,
) -> ApiResult<(StatusCode, Json<Award>)> {
    gate(&state, &user, TradingAction::Manage, None).await?;
    let mut e = FieldErrors::new();
    let amount_fen = parse_yuan(&mut e, "amount", &b.amount);
    e.into_result().map_err(StoreError::Invalid)?;
    let a = state
        .store
        .trading()
        .record_contract(
            id,
            &Contract {
                amount_fen,
                signed_on: b.signed_on,
                starts_on: b.starts_on,
                ends_on: b.ends_on,
            },
            now_ms(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

//! 咨询 on the web: applicants ask from an item's guide (`/items/{id}/ask`) and read the answers
//! (`/my/consultations`); window staff record the questions they answer and departments answer
//! online ones by their day (`/work/consultations`), propose good answers for the item's FAQ,
//! which an administrator approves; the counts by department and item. The API offers the same.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use onewindow_domain::auth::{Principal, ReviewAction};
use onewindow_domain::ids::{DepartmentId, ItemId};
use onewindow_domain::org::FieldErrors;
use onewindow_domain::reviews::consult::{ConsultationInput, FaqState};
use onewindow_store::reviews::consult::{Consultation, ConsultationCount, ConsultationFilter};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::{ApiJson, gate as api_gate};
use crate::auth::{ApiUser, PageUser};
use crate::error::{ApiError, PageError};
use crate::kit::{Cell, Section, crumb, page, redirect};
use crate::pages::{FormBuilder, FormData, PageResult, can, form_outcome, gate};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/items/{id}/ask", get(ask_page).post(ask))
        .route("/my/consultations", get(mine))
        .route("/work/consultations", get(list).post(record))
        .route("/work/consultations/counts", get(counts))
        .route("/work/consultations/{id}", get(one))
        .route("/work/consultations/{id}/{act}", post(act_on))
}

/// Whose consultations staff see: every department's for supervisors and administrators, a
/// department's own for its staff.
fn scope(p: &Principal) -> Result<Option<DepartmentId>, PageError> {
    if can(p, ReviewAction::Supervise, None) || can(p, ReviewAction::ApproveFaq, None) {
        Ok(None)
    } else if can(p, ReviewAction::View, p.department_id) && p.department_id.is_some() {
        Ok(p.department_id)
    } else {
        Err(PageError::Forbidden("只有部门工作人员可以查看咨询".into()))
    }
}

fn rows(list: &[Consultation]) -> Vec<Vec<Cell>> {
    list.iter()
        .map(|c| {
            vec![
                Cell::link(&c.question, format!("/work/consultations/{}", c.id)),
                Cell::text(c.item.clone().unwrap_or_default()),
                Cell::text(c.channel_label()),
                Cell::text(&c.asked_on),
                match &c.answer {
                    Some(_) => Cell::tag("已答复", "on"),
                    None => Cell::tag(
                        format!("{} 前答复", c.answer_by.clone().unwrap_or_default()),
                        "warn",
                    ),
                },
                Cell::text(c.faq_label()),
            ]
        })
        .collect()
}

const HEADERS: [&str; 6] = ["咨询", "事项", "渠道", "日期", "答复", "常见问题"];

// ---- applicants ----

async fn ask_form(
    state: &AppState,
    user: &PageUser,
    item: ItemId,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    let it = state.store.catalog().get_item(item).await?;
    page(
        user,
        &format!("我要咨询 · {}", it.name),
        crumb("办事指南", &format!("/items/{item}")),
        "由事项承办部门在 2 个工作日内答复，答复将通过消息通知您；常见的问题会整理进办事指南。",
        vec![Section::form(
            FormBuilder::new(format!("/items/{item}/ask"), "提交咨询", data, errors)
                .textarea("question", "您的问题", true)
                .build(),
        )],
        errors,
    )
}

async fn ask_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(item): Path<ItemId>,
) -> PageResult {
    gate(&state, &user, ReviewAction::Complain, None).await?;
    ask_form(
        &state,
        &user,
        item,
        &FormData::default(),
        &FieldErrors::new(),
    )
    .await
}

async fn ask(
    State(state): State<AppState>,
    user: PageUser,
    Path(item): Path<ItemId>,
    body: axum::body::Bytes,
) -> PageResult {
    gate(&state, &user, ReviewAction::Complain, None).await?;
    if user.principal.is_staff() {
        return Err(PageError::Forbidden("工作人员请在工作台登记咨询".into()));
    }
    let data = FormData::parse(&body);
    let input = ConsultationInput {
        item_id: Some(item.get()),
        channel: "online".into(),
        question: data.text("question"),
        answer: String::new(),
    };
    let p = &user.principal;
    let asked = state
        .store
        .reviews()
        .ask(&input, (p.account_id, &p.display_name), state.clock.today())
        .await;
    match form_outcome(asked)? {
        Ok(_) => redirect("/my/consultations", "created"),
        Err(e) => ask_form(&state, &user, item, &data, &e).await,
    }
}

async fn mine(State(state): State<AppState>, user: PageUser) -> PageResult {
    gate(&state, &user, ReviewAction::Complain, None).await?;
    let list = state
        .store
        .reviews()
        .consultations(&ConsultationFilter {
            asked_by: Some(user.principal.account_id),
            limit: 100,
            ..Default::default()
        })
        .await?;
    let rows = list
        .iter()
        .map(|c| {
            vec![
                Cell::text(&c.question),
                Cell::text(c.item.clone().unwrap_or_default()),
                Cell::text(&c.asked_on),
                Cell::text(c.answer.clone().unwrap_or_else(|| {
                    format!("等待答复（{} 前）", c.answer_by.clone().unwrap_or_default())
                })),
            ]
        })
        .collect();
    page(
        &user,
        "我的咨询",
        crumb("我的办件", "/my"),
        "在办事指南页点“我要咨询”提问。",
        vec![Section::table(
            "我的咨询",
            vec!["问题", "事项", "日期", "答复"],
            rows,
        )],
        &FieldErrors::new(),
    )
}

// ---- staff ----

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    open: Option<String>,
    #[serde(default)]
    faq: Option<String>,
}

async fn list_page(
    state: &AppState,
    user: &PageUser,
    q: &ListQuery,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    let department = scope(&user.principal)?;
    let list = state
        .store
        .reviews()
        .consultations(&ConsultationFilter {
            department,
            open: q.open.as_deref() == Some("1"),
            proposed: q.faq.as_deref() == Some("proposed"),
            limit: 200,
            ..Default::default()
        })
        .await?;
    let links = vec![vec![
        Cell::link("全部", "/work/consultations"),
        Cell::link("待答复", "/work/consultations?open=1"),
        Cell::link("待审核常见问题", "/work/consultations?faq=proposed"),
        Cell::link("统计", "/work/consultations/counts"),
    ]];
    let mut sections = vec![
        Section::table("", vec!["", "", "", ""], links),
        Section::table("咨询", HEADERS.to_vec(), rows(&list)),
    ];
    if can(
        &user.principal,
        ReviewAction::Intake,
        user.principal.department_id,
    ) {
        let items = state
            .store
            .catalog()
            .list_items(&onewindow_store::catalog::ItemFilter {
                department_id: user.principal.department_id,
                status: Some("active".into()),
                item_type: None,
            })
            .await?;
        sections.insert(
            1,
            Section::form(
                FormBuilder::new("/work/consultations", "登记", data, errors)
                    .title("登记咨询（已当场答复）")
                    .select(
                        "item_id",
                        "事项",
                        false,
                        Some("（不涉及具体事项）"),
                        items
                            .into_iter()
                            .map(|i| (i.id.to_string(), i.name))
                            .collect(),
                    )
                    .select(
                        "channel",
                        "渠道",
                        true,
                        None,
                        vec![
                            ("window".into(), "窗口".into()),
                            ("phone".into(), "电话".into()),
                        ],
                    )
                    .textarea("question", "咨询内容", true)
                    .textarea("answer", "答复内容", true)
                    .build(),
            ),
        );
    }
    page(
        user,
        "咨询",
        crumb("好差评", "/work/reviews"),
        "窗口咨询当场登记；网上咨询须在期限内答复，好的答复可推荐进办事指南的常见问题。",
        sections,
        errors,
    )
}

async fn list(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    list_page(&state, &user, &q, &FormData::default(), &FieldErrors::new()).await
}

async fn record(
    State(state): State<AppState>,
    user: PageUser,
    body: axum::body::Bytes,
) -> PageResult {
    let p = &user.principal;
    gate(&state, &user, ReviewAction::Intake, p.department_id).await?;
    let data = FormData::parse(&body);
    let input = ConsultationInput {
        item_id: data.text("item_id").trim().parse().ok(),
        channel: data.text("channel"),
        question: data.text("question"),
        answer: data.text("answer"),
    };
    let done = state
        .store
        .reviews()
        .record_consultation(
            &input,
            p.department_id,
            (p.account_id, &p.display_name),
            state.clock.today(),
            None,
        )
        .await;
    match form_outcome(done)? {
        Ok(_) => redirect("/work/consultations", "saved"),
        Err(e) => list_page(&state, &user, &ListQuery::default(), &data, &e).await,
    }
}

async fn one_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    let department = scope(&user.principal)?;
    let c = state.store.reviews().consultation(id).await?;
    if department.is_some_and(|d| d != c.department_id) {
        return Err(PageError::NotFound);
    }
    let p = &user.principal;
    let facts = vec![
        vec![
            Cell::text("事项"),
            Cell::text(c.item.clone().unwrap_or_default()),
        ],
        vec![Cell::text("渠道"), Cell::text(c.channel_label())],
        vec![Cell::text("咨询内容"), Cell::text(&c.question)],
        vec![Cell::text("提问人"), Cell::text(&c.asked_name)],
        vec![Cell::text("日期"), Cell::text(&c.asked_on)],
        vec![
            Cell::text("答复期限"),
            Cell::text(c.answer_by.clone().unwrap_or_default()),
        ],
        vec![
            Cell::text("答复"),
            Cell::text(c.answer.clone().unwrap_or_default()),
        ],
        vec![
            Cell::text("答复人"),
            Cell::text(c.answered_name.clone().unwrap_or_default()),
        ],
        vec![Cell::text("常见问题"), Cell::text(c.faq_label())],
    ];
    let mut sections = vec![Section::table("咨询", vec!["", ""], facts)];
    let answers = can(p, ReviewAction::Answer, Some(c.department_id));
    let button = |act: &str, label: &str| Cell {
        post: Some(crate::kit::PostButton {
            action: format!("/work/consultations/{id}/{act}"),
            label: label.to_owned(),
            fields: vec![],
        }),
        ..Cell::text("")
    };
    if c.answer.is_none() && answers {
        sections.push(Section::form(
            FormBuilder::new(
                format!("/work/consultations/{id}/answer"),
                "答复",
                data,
                errors,
            )
            .title("答复")
            .textarea("answer", "答复内容", true)
            .build(),
        ));
    } else if c.answer.is_some() && c.item_id.is_some() && c.faq.is_none() && answers {
        sections.push(Section::table(
            "",
            vec![""],
            vec![vec![button("propose", "推荐为常见问题")]],
        ));
    }
    if c.faq.as_deref() == Some("proposed") && can(p, ReviewAction::ApproveFaq, None) {
        sections.push(Section::table(
            "审核常见问题",
            vec!["", ""],
            vec![vec![
                button("approve", "列入办事指南的常见问题"),
                button("decline", "不采纳"),
            ]],
        ));
    }
    page(
        user,
        &format!("咨询 #{id}"),
        crumb("咨询", "/work/consultations"),
        "",
        sections,
        errors,
    )
}

async fn one(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>) -> PageResult {
    one_page(&state, &user, id, &FormData::default(), &FieldErrors::new()).await
}

async fn act_on(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, act)): Path<(i64, String)>,
    body: axum::body::Bytes,
) -> PageResult {
    let data = FormData::parse(&body);
    let p = &user.principal;
    let c = state.store.reviews().consultation(id).await?;
    let reviews = state.store.reviews();
    let done = match act.as_str() {
        "answer" | "propose" => {
            gate(&state, &user, ReviewAction::Answer, Some(c.department_id)).await?;
            if act == "answer" {
                reviews
                    .answer_consultation(
                        id,
                        p.department_id,
                        &data.text("answer"),
                        (p.account_id, &p.display_name),
                    )
                    .await
            } else {
                reviews
                    .set_faq(id, p.department_id, FaqState::Proposed)
                    .await
            }
        }
        "approve" | "decline" => {
            gate(&state, &user, ReviewAction::ApproveFaq, None).await?;
            let to = if act == "approve" {
                FaqState::Approved
            } else {
                FaqState::Declined
            };
            reviews.set_faq(id, None, to).await
        }
        _ => return Err(PageError::NotFound),
    };
    match form_outcome(done)? {
        Ok(_) => redirect(&format!("/work/consultations/{id}"), "saved"),
        Err(e) => one_page(&state, &user, id, &data, &e).await,
    }
}

#[derive(Deserialize, Default)]
struct CountQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

async fn counts(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<CountQuery>,
) -> PageResult {
    let department = scope(&user.principal)?;
    let today = state.clock.today();
    let from = if q.from.is_empty() {
        format!("{}-01-01", chrono::Datelike::year(&today))
    } else {
        q.from.clone()
    };
    let to = if q.to.is_empty() {
        today.to_string()
    } else {
        q.to.clone()
    };
    let list: Vec<ConsultationCount> = state
        .store
        .reviews()
        .consultation_counts(&from, &to)
        .await?
        .into_iter()
        .filter(|c| department.is_none_or(|d| d == c.department_id))
        .collect();
    let total: i64 = list.iter().map(|c| c.consultations).sum();
    page(
        &user,
        "咨询统计",
        crumb("咨询", "/work/consultations"),
        &format!("{from} 至 {to}，共 {total} 次咨询。"),
        vec![Section::table(
            "按部门和事项",
            vec!["部门", "事项", "咨询", "已答复"],
            list.iter()
                .map(|c| {
                    vec![
                        Cell::text(c.department.clone().unwrap_or_default()),
                        Cell::text(c.item.clone().unwrap_or_else(|| "（未注明事项）".into())),
                        Cell::text(c.consultations.to_string()),
                        Cell::text(c.answered.to_string()),
                    ]
                })
                .collect(),
        )],
        &FieldErrors::new(),
    )
}

// ---- API ----

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_ask, api_list))
        .routes(routes!(api_answer))
}

#[utoipa::path(post, path = "/consultations", tag = "reviews", security(("bearer" = [])),
    request_body = ConsultationInput,
    responses((status = 201, body = Consultation), (status = 422, body = crate::error::Problem)))]
/// An applicant asks about an item (channel `online`); staff record a question they answered
/// (channel `window` or `phone`, with the answer).
pub async fn api_ask(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ConsultationInput>,
) -> Result<(StatusCode, Json<Consultation>), ApiError> {
    let p = &user.principal;
    let today = state.clock.today();
    let by = (p.account_id, p.display_name.as_str());
    let c = if p.is_staff() {
        api_gate(&state, &user, ReviewAction::Intake, p.department_id).await?;
        state
            .store
            .reviews()
            .record_consultation(&input, p.department_id, by, today, None)
            .await?
    } else {
        api_gate(&state, &user, ReviewAction::Complain, None).await?;
        state.store.reviews().ask(&input, by, today).await?
    };
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(get, path = "/consultations", tag = "reviews", security(("bearer" = [])),
    responses((status = 200, body = Vec<Consultation>)))]
/// An applicant's own questions; a department's staff their department's; supervisors all.
pub async fn api_list(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<Consultation>>, ApiError> {
    let p = &user.principal;
    let filter = if p.is_staff() {
        ConsultationFilter {
            department: scope(p).map_err(|_| onewindow_domain::auth::Denied::Role)?,
            limit: 200,
            ..Default::default()
        }
    } else {
        api_gate(&state, &user, ReviewAction::Complain, None).await?;
        ConsultationFilter {
            asked_by: Some(p.account_id),
            limit: 200,
            ..Default::default()
        }
    };
    Ok(Json(state.store.reviews().consultations(&filter).await?))
}

/// The department's answer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AnswerBody {
    pub answer: String,
}

#[utoipa::path(post, path = "/consultations/{id}/answer", tag = "reviews",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = AnswerBody,
    responses((status = 200, body = Consultation), (status = 422, body = crate::error::Problem)))]
pub async fn api_answer(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> Result<Json<Consultation>, ApiError> {
    let c = state.store.reviews().consultation(id).await?;
    api_gate(&state, &user, ReviewAction::Answer, Some(c.department_id)).await?;
    let p = &user.principal;
    Ok(Json(
        state
            .store
            .reviews()
            .answer_consultation(
                id,
                p.department_id,
                &body.answer,
                (p.account_id, &p.display_name),
            )
            .await?,
    ))
}

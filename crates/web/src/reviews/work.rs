//! 好差评 at the workbench and in public: the department's reviews (anonymous to its staff,
//! real-name to supervisors), one review with its answer (回访, 整改), appeal (申诉) and the
//! centre's decision, reviews given by phone, the clerk lighting the window's tablet, the
//! figures by department, window, staff, item and channel, the centre's settings, and the
//! public monthly figures (好差评公开).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use chrono::Datelike;
use onewindow_domain::auth::ReviewAction;
use onewindow_domain::ids::DepartmentId;
use onewindow_domain::org::FieldErrors;
use onewindow_domain::reviews::{
    AppealDecisionInput, AppealInput, HandlingStep, RatingInput, ReviewPolicy, Satisfaction,
};
use onewindow_store::reviews::{Answerer, Dimension, Figures, Rater, Review, ReviewFilter};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{PageUser, RequestCtx};
use crate::error::PageError;
use crate::kit::{Cell, Section, crumb, page, pct, redirect};
use crate::pages::{FormBuilder, FormData, PageResult, can, form_outcome, gate, local_time};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/work/reviews", get(list))
        .route("/work/reviews/phone", get(phone).post(phone_post))
        .route("/work/reviews/light", post(light))
        .route("/work/reviews/figures", get(figures))
        .route("/work/reviews/{id}", get(one))
        .route("/work/reviews/{id}/{act}", post(act_on))
        .route("/admin/reviews", get(settings).post(settings_post))
        .route("/admin/reviews/reasons", post(add_reason))
        .route("/admin/reviews/reasons/{id}/active", post(toggle_reason))
        .route("/admin/reviews/tablets", post(new_tablet))
        .route("/reviews", get(public))
}

async fn scope(
    state: &AppState,
    user: &PageUser,
) -> Result<(Option<DepartmentId>, bool), PageError> {
    Ok(super::scope(state, &user.principal, user.ctx.remote.as_deref()).await?)
}

fn shown(r: Review, named: bool) -> Review {
    if named { r } else { r.anonymous() }
}

fn tabs() -> Vec<(String, String)> {
    crumb("好差评", "/work/reviews")
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    grade: String,
    #[serde(default)]
    open: Option<String>,
    #[serde(default)]
    appealed: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    list_page(&state, &user, &q, &FormData::default(), &FieldErrors::new()).await
}

async fn list_page(
    state: &AppState,
    user: &PageUser,
    q: &ListQuery,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    let (department, named) = scope(state, user).await?;
    let filter = ReviewFilter {
        department,
        grade: (!q.grade.is_empty()).then(|| q.grade.clone()),
        open: q.open.as_deref() == Some("1"),
        appealed: q.appealed.as_deref() == Some("1"),
        limit: 200,
    };
    let reviews = state.store.reviews().list(&filter).await?;
    let mut headers = vec!["日期", "满意度", "渠道", "部门", "事项 / 窗口", "差评处理"];
    if named {
        headers.push("评价人");
    }
    let rows = reviews
        .into_iter()
        .map(|r| {
            let r = shown(r, named);
            let tone = match r.grade.as_str() {
                "bad" => "bad",
                "medium" => "warn",
                _ => "on",
            };
            let mut row = vec![
                Cell::link(&r.day, format!("/work/reviews/{}", r.id)),
                Cell::tag(
                    format!(
                        "{}{}",
                        r.level_label(),
                        if r.excluded { "（申诉成立）" } else { "" }
                    ),
                    tone,
                ),
                Cell::text(r.channel_label()),
                Cell::text(&r.department),
                Cell::text(
                    [r.item.clone(), r.window.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" · "),
                ),
                Cell::text(r.handling.as_ref().map_or("", |h| h.state_label())),
            ];
            if named {
                row.push(Cell::text(&r.reviewer_name));
            }
            row
        })
        .collect();
    let links = vec![vec![
        Cell::link("全部", "/work/reviews"),
        Cell::link("差评", "/work/reviews?grade=bad"),
        Cell::link("待处理", "/work/reviews?open=1"),
        Cell::link("待审核申诉", "/work/reviews?appealed=1"),
        Cell::link("统计", "/work/reviews/figures"),
        Cell::link("登记电话评价", "/work/reviews/phone"),
        Cell::link("效能投诉", "/work/complaints"),
        Cell::link("咨询", "/work/consultations"),
        Cell::link("12345 热线", "/work/hotline"),
    ]];
    let mut sections = vec![
        Section::table("", vec![""; 9], links),
        Section::table("评价", headers, rows),
    ];
    if user.principal.staff_id.is_some()
        && can(
            &user.principal,
            ReviewAction::InviteAtWindow,
            user.principal.department_id,
        )
    {
        sections.push(light_form(data, errors));
    }
    page(
        user,
        "好差评",
        tabs(),
        if named {
            "全部部门的评价，显示评价人（仅监察人员可见）。"
        } else {
            "本部门收到的评价。评价人对窗口工作人员匿名；实名差评须按期回访、整改。"
        },
        sections,
        errors,
    )
}

fn light_form(data: &FormData, errors: &FieldErrors) -> Section {
    Section::form(
        FormBuilder::new("/work/reviews/light", "请评价", data, errors)
            .title("窗口评价器（一次一评）")
            .text(
                "case_no",
                "办件编号",
                false,
                "服务结束后点“请评价”，本窗口的评价器亮起；为办件服务时可填办件编号。",
            )
            .build(),
    )
}

async fn light(
    State(state): State<AppState>,
    user: PageUser,
    body: axum::body::Bytes,
) -> PageResult {
    gate(
        &state,
        &user,
        ReviewAction::InviteAtWindow,
        user.principal.department_id,
    )
    .await?;
    let data = FormData::parse(&body);
    let p = &user.principal;
    let lit = state
        .store
        .reviews()
        .light_at_seat(p.account_id, p.staff_id, &data.text("case_no"))
        .await;
    match form_outcome(lit)? {
        Ok(_) => redirect("/work/reviews", "answered"),
        Err(e) => list_with_error(&state, &user, &data, &e.summary()).await,
    }
}

/// The list again with the tablet form's message.
async fn list_with_error(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    message: &str,
) -> PageResult {
    let errors = FieldErrors::single("case_no", message);
    list_page(state, user, &ListQuery::default(), data, &errors).await
}

async fn one_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    let (department, named) = scope(state, user).await?;
    let r = state.store.reviews().get(id).await?;
    if department.is_some_and(|d| d != r.department_id) {
        return Err(PageError::NotFound);
    }
    let r = shown(r, named);
    let p = &user.principal;
    let mut facts = vec![
        vec![
            Cell::text("满意度"),
            Cell::text(format!("{}（{}）", r.level_label(), r.level)),
        ],
        vec![Cell::text("评价渠道"), Cell::text(r.channel_label())],
        vec![
            Cell::text("评价日期"),
            Cell::text(format!("{}（{}）", r.day, local_time(r.at))),
        ],
        vec![Cell::text("部门"), Cell::text(&r.department)],
        vec![
            Cell::text("事项"),
            Cell::text(r.item.clone().unwrap_or_default()),
        ],
        vec![
            Cell::text("窗口"),
            Cell::text(r.window.clone().unwrap_or_default()),
        ],
        vec![
            Cell::text("工作人员"),
            Cell::text(r.staff.clone().unwrap_or_default()),
        ],
        vec![Cell::text("差评原因"), Cell::text(r.reasons.join("、"))],
        vec![Cell::text("评价内容"), Cell::text(&r.comment)],
        vec![Cell::text("评价人"), Cell::text(&r.reviewer_name)],
        vec![Cell::text("申诉期限"), Cell::text(&r.appeal_by)],
    ];
    if named {
        facts.push(vec![Cell::text("联系电话"), Cell::text(&r.reviewer_mobile)]);
    }
    if let Some(no) = &r.case_no {
        facts.push(vec![
            Cell::text("办件"),
            Cell::link(
                no,
                format!("/work/cases/{}", r.case_id.map_or(0, |c| c.get())),
            ),
        ]);
    }
    if let Some(h) = &r.handling {
        facts.push(vec![
            Cell::text("差评处理"),
            Cell::tag(h.state_label(), "warn"),
        ]);
        facts.push(vec![Cell::text("回访期限"), Cell::text(&h.callback_by)]);
        facts.push(vec![Cell::text("整改期限"), Cell::text(&h.rectify_by)]);
    }
    if let Some(a) = &r.appeal {
        facts.push(vec![
            Cell::text("申诉"),
            Cell::text(format!("{}：{}", a.kind_label(), a.grounds)),
        ]);
        facts.push(vec![
            Cell::text("申诉审核"),
            Cell::text(format!(
                "{} {}",
                a.decision_label(),
                a.note.clone().unwrap_or_default()
            )),
        ]);
    }
    let mut sections = vec![Section::table("评价", vec!["", ""], facts)];
    if !r.log.is_empty() {
        sections.push(Section::table(
            "处理记录",
            vec!["时间", "环节", "内容", "登记人"],
            r.log
                .iter()
                .map(|l| {
                    vec![
                        Cell::text(local_time(l.at)),
                        Cell::text(l.step_label()),
                        Cell::text(&l.body),
                        Cell::text(&l.by_name),
                    ]
                })
                .collect(),
        ));
    }
    let answers = can(p, ReviewAction::Answer, Some(r.department_id));
    match r.handling.as_ref().map(|h| h.state.as_str()) {
        Some("callback") if answers => sections.push(Section::form(
            FormBuilder::new(
                format!("/work/reviews/{id}/callback"),
                "登记回访",
                data,
                errors,
            )
            .title("回访评价人")
            .textarea("notes", "回访情况", true)
            .build(),
        )),
        Some("rectify") if answers => sections.push(Section::form(
            FormBuilder::new(
                format!("/work/reviews/{id}/rectify"),
                "登记整改",
                data,
                errors,
            )
            .title("整改")
            .textarea("measures", "整改措施", true)
            .build(),
        )),
        _ => {}
    }
    if answers && r.appeal.is_none() && !r.excluded {
        sections.push(Section::form(
            FormBuilder::new(
                format!("/work/reviews/{id}/appeal"),
                "提交申诉",
                data,
                errors,
            )
            .title(&format!("申诉（{} 前）", r.appeal_by))
            .select(
                "kind",
                "申诉类型",
                true,
                Some("请选择"),
                vec![
                    ("mistaken".into(), "误评（评价对象或内容有误）".into()),
                    ("malicious".into(), "恶意差评".into()),
                ],
            )
            .textarea("grounds", "申诉理由及依据", true)
            .build(),
        ));
    }
    if r.appeal.as_ref().is_some_and(|a| a.decision.is_none())
        && can(p, ReviewAction::DecideAppeal, None)
    {
        sections.push(Section::form(
            FormBuilder::new(
                format!("/work/reviews/{id}/decision"),
                "提交审核意见",
                data,
                errors,
            )
            .title("审核申诉")
            .select(
                "decision",
                "审核结果",
                true,
                Some("请选择"),
                vec![
                    ("upheld".into(), "申诉成立（不计入统计，记录保留）".into()),
                    ("rejected".into(), "申诉不成立".into()),
                ],
            )
            .textarea("note", "审核意见", true)
            .build(),
        ));
    }
    page(user, &format!("评价 #{id}"), tabs(), "", sections, errors)
}

async fn one(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>) -> PageResult {
    one_page(&state, &user, id, &FormData::default(), &FieldErrors::new()).await
}

/// A step on a review: the department's callback, rectification or appeal, or the centre's
/// decision on the appeal; refused on its form, field by field.
async fn act_on(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, act)): Path<(i64, String)>,
    body: axum::body::Bytes,
) -> PageResult {
    let data = FormData::parse(&body);
    let p = &user.principal;
    let reviews = state.store.reviews();
    let today = state.clock.today();
    let by = (p.account_id, p.display_name.as_str());
    let done = if act == "decision" {
        gate(&state, &user, ReviewAction::DecideAppeal, None).await?;
        let input = AppealDecisionInput {
            decision: data.text("decision"),
            note: data.text("note"),
        };
        reviews.decide_appeal(id, &input, by).await
    } else {
        let department = reviews.get(id).await?.department_id;
        gate(&state, &user, ReviewAction::Answer, Some(department)).await?;
        let who = Answerer::Department {
            department: p.department_id,
            account: p.account_id,
            name: p.display_name.clone(),
        };
        let step = match act.as_str() {
            "callback" => Some(HandlingStep::Callback {
                notes: data.text("notes"),
            }),
            "rectify" => Some(HandlingStep::Rectify {
                measures: data.text("measures"),
            }),
            "appeal" => None,
            _ => return Err(PageError::NotFound),
        };
        match step {
            Some(step) => reviews.answer(id, who, &step, today).await,
            None => {
                let input = AppealInput {
                    kind: data.text("kind"),
                    grounds: data.text("grounds"),
                };
                reviews.appeal(id, p.department_id, &input, by, today).await
            }
        }
    };
    let notice = match act.as_str() {
        "appeal" => "appealed",
        "decision" => "decided",
        _ => "answered",
    };
    match form_outcome(done)? {
        Ok(_) => redirect(&format!("/work/reviews/{id}"), notice),
        Err(e) => one_page(&state, &user, id, &data, &e).await,
    }
}

// ---- reviews given by phone ----

async fn phone_page(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    let reasons = state.store.reviews().reasons(false).await?;
    let form = FormBuilder::new("/work/reviews/phone", "登记评价", data, errors)
        .title("登记电话评价（经来电人同意）")
        .text("case_no", "办件编号", true, "")
        .select(
            "level",
            "满意度",
            true,
            Some("请选择"),
            Satisfaction::ALL
                .iter()
                .map(|s| (s.code().to_string(), s.label().to_owned()))
                .collect(),
        )
        .checkboxes(
            "reasons",
            "不满意的原因（差评时必选）",
            false,
            reasons
                .into_iter()
                .map(|r| (r.text.clone(), r.text))
                .collect(),
        )
        .textarea("comment", "评价内容", false)
        .build();
    page(
        user,
        "登记电话评价",
        tabs(),
        "来电人对已办结办件的评价，经其同意后由工作人员代为登记，渠道记为“电话”。",
        vec![Section::form(form)],
        errors,
    )
}

async fn phone(State(state): State<AppState>, user: PageUser) -> PageResult {
    gate(
        &state,
        &user,
        ReviewAction::EnterByPhone,
        user.principal.department_id,
    )
    .await?;
    phone_page(&state, &user, &FormData::default(), &FieldErrors::new()).await
}

async fn phone_post(
    State(state): State<AppState>,
    user: PageUser,
    body: axum::body::Bytes,
) -> PageResult {
    gate(
        &state,
        &user,
        ReviewAction::EnterByPhone,
        user.principal.department_id,
    )
    .await?;
    let data = FormData::parse(&body);
    let Some(case_id) = state
        .store
        .reviews()
        .case_by_no(data.text("case_no").trim())
        .await?
    else {
        return phone_page(
            &state,
            &user,
            &data,
            &FieldErrors::single("case_no", "未找到该办件编号"),
        )
        .await;
    };
    let actor = state.store.cases().case_actor(&user.principal).await?;
    let input = RatingInput {
        level: data.text("level").parse().ok(),
        channel: "phone".into(),
        reasons: data.all("reasons"),
        comment: data.text("comment"),
    };
    let rated = state
        .store
        .reviews()
        .rate_case(
            Rater::Staff(actor),
            Some(case_id),
            &input,
            state.clock.today(),
            None,
        )
        .await;
    match rated {
        Ok(r) => redirect(&format!("/work/reviews/{}", r.id), "rated"),
        Err(onewindow_store::StoreError::Invalid(e)) => phone_page(&state, &user, &data, &e).await,
        Err(onewindow_store::StoreError::Rejected(c)) => {
            phone_page(
                &state,
                &user,
                &data,
                &FieldErrors::single("case_no", c.to_string()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- figures ----

#[derive(Deserialize, Default)]
struct FiguresQuery {
    #[serde(default)]
    by: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn figure_rows(figures: &[Figures]) -> Vec<Vec<Cell>> {
    figures
        .iter()
        .map(|f| {
            vec![
                Cell::text(&f.name),
                Cell::text(f.reviews.to_string()),
                Cell::text(f.good.to_string()),
                Cell::text(f.medium.to_string()),
                Cell::text(f.bad.to_string()),
                Cell::text(pct(f.satisfaction_rate)),
                Cell::text(pct(f.bad_rate)),
                Cell::text(pct(f.rectify_rate)),
            ]
        })
        .collect()
}

const FIGURE_HEADERS: [&str; 8] = [
    "",
    "评价数",
    "好评",
    "中评",
    "差评",
    "满意率",
    "差评率",
    "差评整改率",
];

/// The period asked for: from the first of this month to today unless given (YYYY-MM-DD).
fn period(state: &AppState, from: &str, to: &str) -> Result<(String, String), FieldErrors> {
    let today = state.clock.today();
    let parse = |s: &str, field: &str, default: chrono::NaiveDate| {
        if s.trim().is_empty() {
            Ok(default)
        } else {
            s.trim()
                .parse::<chrono::NaiveDate>()
                .map_err(|_| FieldErrors::single(field, "日期格式应为 YYYY-MM-DD"))
        }
    };
    let first = today.with_day(1).unwrap_or(today);
    let (f, t) = (parse(from, "from", first)?, parse(to, "to", today)?);
    if f > t || (t - f).num_days() > 3660 {
        return Err(FieldErrors::single("from", "起止日期有误（最长十年）"));
    }
    Ok((f.to_string(), t.to_string()))
}

async fn figures(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<FiguresQuery>,
) -> PageResult {
    let (department, _) = scope(&state, &user).await?;
    let by = q.by.parse::<Dimension>().unwrap_or(Dimension::Department);
    let (from, to) = match period(&state, &q.from, &q.to) {
        Ok(p) => p,
        Err(e) => {
            return page(&user, "好差评统计", tabs(), &e.summary(), vec![], &e);
        }
    };
    let rows = state
        .store
        .reviews()
        .figures(by, &from, &to, department)
        .await?;
    let mut headers = FIGURE_HEADERS.to_vec();
    headers[0] = by.label();
    let links = vec![
        Dimension::ALL
            .iter()
            .map(|d| {
                Cell::link(
                    format!("按{}", d.label()),
                    format!("/work/reviews/figures?by={}&from={from}&to={to}", d.key()),
                )
            })
            .collect(),
    ];
    page(
        &user,
        "好差评统计",
        tabs(),
        &format!(
            "{from} 至 {to}。满意率 = 好评 ÷ 评价总数；差评整改率 = 已整改 ÷ 实名差评。申诉成立的评价不计入。"
        ),
        vec![
            Section::table("", vec!["", "", "", "", ""], links),
            Section::table(by.label(), headers, figure_rows(&rows)),
        ],
        &FieldErrors::new(),
    )
}

// ---- settings ----

async fn settings_page(
    state: &AppState,
    user: &PageUser,
    data: &FormData,
    errors: &FieldErrors,
) -> PageResult {
    let policy = state.store.reviews().policy().await?;
    let data = if data.0.is_empty() {
        FormData::from_pairs([
            ("callback_days", policy.callback_days.to_string()),
            ("rectify_days", policy.rectify_days.to_string()),
            ("appeal_days", policy.appeal_days.to_string()),
        ])
    } else {
        data.clone()
    };
    let reasons = state.store.reviews().reasons(true).await?;
    let windows = state.store.reviews().tablet_windows().await?;
    let reason_rows = reasons
        .iter()
        .map(|r| {
            let mut toggle = Cell::toggle("reviews/reasons", r.id, r.active.get(), true);
            if let Some(p) = toggle.post.as_mut() {
                p.action = format!("/admin/reviews/reasons/{}/active", r.id);
            }
            vec![Cell::text(&r.text), Cell::active(r.active.get()), toggle]
        })
        .collect();
    let sections = vec![
        Section::form(
            FormBuilder::new("/admin/reviews", "保存", &data, errors)
                .title("差评处理期限（工作日）")
                .number("callback_days", "回访期限", true)
                .number("rectify_days", "整改期限", true)
                .number("appeal_days", "申诉期限", true)
                .build(),
        ),
        Section::table("差评原因", vec!["原因", "状态", ""], reason_rows),
        Section::form(
            FormBuilder::new("/admin/reviews/reasons", "添加", &data, errors)
                .title("添加差评原因")
                .text("reason", "原因", true, "30 字以内")
                .build(),
        ),
        Section::table(
            "已配置评价器的窗口",
            vec!["窗口编号"],
            windows
                .iter()
                .map(|w| vec![Cell::text(w.to_string())])
                .collect(),
        ),
        Section::form(
            FormBuilder::new("/admin/reviews/tablets", "生成评价器地址", &data, errors)
                .title("为窗口配置评价器")
                .number("window_id", "窗口编号（ID）", true)
                .build(),
        ),
    ];
    page(
        user,
        "好差评设置",
        crumb("管理后台", "/admin"),
        "",
        sections,
        errors,
    )
}

async fn settings(State(state): State<AppState>, user: PageUser) -> PageResult {
    gate(&state, &user, ReviewAction::Configure, None).await?;
    settings_page(&state, &user, &FormData::default(), &FieldErrors::new()).await
}

async fn settings_post(
    State(state): State<AppState>,
    user: PageUser,
    body: axum::body::Bytes,
) -> PageResult {
    gate(&state, &user, ReviewAction::Configure, None).await?;
    let data = FormData::parse(&body);
    let num = |k: &str| data.text(k).trim().parse::<u32>().unwrap_or(0);
    let policy = ReviewPolicy {
        callback_days: num("callback_days"),
        rectify_days: num("rectify_days"),
        appeal_days: num("appeal_days"),
    };
    match form_outcome(state.store.reviews().set_policy(&policy).await)? {
        Ok(()) => redirect("/admin/reviews", "saved"),
        Err(e) => settings_page(&state, &user, &data, &e).await,
    }
}

async fn add_reason(
    State(state): State<AppState>,
    user: PageUser,
    body: axum::body::Bytes,
) -> PageResult {
    gate(&state, &user, ReviewAction::Configure, None).await?;
    let data = FormData::parse(&body);
    match form_outcome(state.store.reviews().add_reason(&data.text("reason")).await)? {
        Ok(()) => redirect("/admin/reviews", "created"),
        Err(e) => settings_page(&state, &user, &data, &e).await,
    }
}

async fn toggle_reason(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> PageResult {
    gate(&state, &user, ReviewAction::Configure, None).await?;
    let active = FormData::parse(&body).text("active") == "1";
    state.store.reviews().set_reason_active(id, active).await?;
    redirect(
        "/admin/reviews",
        if active { "activated" } else { "deactivated" },
    )
}

async fn new_tablet(
    State(state): State<AppState>,
    user: PageUser,
    body: axum::body::Bytes,
) -> PageResult {
    gate(&state, &user, ReviewAction::Configure, None).await?;
    let data = FormData::parse(&body);
    let Ok(window) = data.text("window_id").trim().parse::<i64>() else {
        return settings_page(
            &state,
            &user,
            &data,
            &FieldErrors::single("window_id", "请填写窗口编号"),
        )
        .await;
    };
    let key = match state
        .store
        .reviews()
        .new_tablet_key(onewindow_domain::ids::WindowId(window))
        .await
    {
        Ok(k) => k,
        Err(onewindow_store::StoreError::NotFound(_)) => {
            return settings_page(
                &state,
                &user,
                &data,
                &FieldErrors::single("window_id", "窗口不存在"),
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    page(
        &user,
        "评价器地址",
        crumb("好差评设置", "/admin/reviews"),
        &format!(
            "请在该窗口的评价器上打开：/tablet/{key}（地址只显示这一次，请妥善保管；重新生成后旧地址失效）。"
        ),
        vec![],
        &FieldErrors::new(),
    )
}

// ---- 好差评公开 ----

#[derive(Deserialize, Default)]
struct PublicQuery {
    #[serde(default)]
    month: String,
}

async fn public(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<PublicQuery>,
) -> PageResult {
    let today = state.clock.today();
    let month = chrono::NaiveDate::parse_from_str(&format!("{}-01", q.month.trim()), "%Y-%m-%d")
        .unwrap_or_else(|_| today.with_day(1).unwrap_or(today));
    let next = month
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(month);
    let last = next.pred_opt().unwrap_or(month);
    let rows = state
        .store
        .reviews()
        .figures(
            Dimension::Department,
            &month.to_string(),
            &last.to_string(),
            None,
        )
        .await?;
    let prev = month
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(month);
    crate::kit::public_page(
        &ctx,
        &format!("好差评公开 · {}年{}月", month.year(), month.month()),
        "各部门政务服务评价情况，按月公开。满意率 = 好评（非常满意、满意）÷ 评价总数；差评整改率 = 已整改 ÷ 实名差评。",
        vec![
            Section::table(
                "",
                vec!["", ""],
                vec![vec![
                    Cell::link("上一月", format!("/reviews?month={}", prev.format("%Y-%m"))),
                    Cell::link("下一月", format!("/reviews?month={}", next.format("%Y-%m"))),
                ]],
            ),
            Section::table(
                "部门",
                {
                    let mut h = FIGURE_HEADERS.to_vec();
                    h[0] = "部门";
                    h
                },
                figure_rows(&rows),
            ),
        ],
    )
}

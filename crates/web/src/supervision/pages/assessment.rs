//! Supervision pages, second part: the settings (warning threshold, card rules, deduction
//! scheme), cards and their appeals, the assessment with stars, grades and red-flag windows,
//! and a department's drill-down from the dashboard.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use onewindow_domain::auth::{CaseAction, SupervisionAction};
use onewindow_domain::org::FieldErrors;
use onewindow_store::assessment::{Card, CardRuleChange, Metric, Period, Target, card_concerns};
use onewindow_store::supervision::SupervisionSettings;
use serde::Deserialize;

use super::{days, pct};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::kit::{Cell, Section, crumb, page, redirect};
use crate::pages::{FormBuilder, FormData, Notice, PageResult, can, form_outcome, gate};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/supervision/settings",
            get(settings).post(save_settings),
        )
        .route("/admin/supervision/card-rules", post(change_card_rule))
        .route("/admin/supervision/scheme", post(set_points))
        .route(
            "/admin/supervision/finding-rules/{code}",
            post(switch_finding_rule),
        )
        .route("/admin/supervision/cards", get(cards))
        .route("/admin/supervision/cards/{id}", get(card))
        .route("/admin/supervision/cards/{id}/appeal", post(appeal))
        .route("/admin/supervision/cards/{id}/decide", post(decide))
        .route("/admin/supervision/assessment", get(assessment))
        .route("/admin/supervision/departments/{id}", get(department))
}

fn color_cell(color: &str) -> Cell {
    if color == "red" {
        Cell::tag("红牌", "bad")
    } else {
        Cell::tag("黄牌", "warn")
    }
}

fn status_cell(status: &str) -> Cell {
    match status {
        "appealed" => Cell::tag("申诉中", "warn"),
        "upheld" => Cell::tag("申诉驳回", "bad"),
        "revoked" => Cell::tag("已撤销", "off"),
        _ => Cell::tag("已亮牌", "bad"),
    }
}

fn metric_label(key: &str) -> &'static str {
    Metric::from_key(key).map_or("—", Metric::label)
}

fn target_label(key: &str) -> &'static str {
    Target::from_key(key).map_or("—", Target::label)
}

// ---- settings ----

async fn settings(
    State(state): State<AppState>,
    user: PageUser,
    Query(notice): Query<Notice>,
) -> PageResult {
    settings_page(&state, &user, None, &FieldErrors::new(), &notice).await
}

/// The form that failed, so that its fields keep what was typed.
enum Failed<'a> {
    Settings(&'a FormData),
    Rule(&'a FormData),
    Points(&'a FormData),
}

async fn settings_page(
    state: &AppState,
    user: &PageUser,
    failed: Option<Failed<'_>>,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    gate(state, user, SupervisionAction::View, None).await?;
    let manage = can(&user.principal, SupervisionAction::Configure, None);
    let s = state.store.settings().await?;
    let current = FormData::from_pairs([
        ("warn_percent", s.warn_percent.to_string()),
        ("warn_min_days", s.warn_min_days.to_string()),
        ("red_flag_score", s.red_flag_score.to_string()),
    ]);
    let none = FieldErrors::new();
    let blank = FormData::default();
    let (settings_data, settings_errors) = match &failed {
        Some(Failed::Settings(d)) => (*d, errors),
        _ => (&current, &none),
    };
    let (rule_data, rule_errors) = match &failed {
        Some(Failed::Rule(d)) => (*d, errors),
        _ => (&blank, &none),
    };
    let (points_data, points_errors) = match &failed {
        Some(Failed::Points(d)) => (*d, errors),
        _ => (&blank, &none),
    };
    let rules = state.store.card_rules().await?;
    let scheme = state.store.deductions().await?;
    let mut sections = vec![Section::table(
        "预警阈值",
        vec!["剩余时限比例", "剩余工作日", "红旗窗口分数线"],
        vec![vec![
            Cell::text(format!("{}%", s.warn_percent)),
            Cell::text(format!("{} 个工作日", s.warn_min_days)),
            Cell::text(format!("{} 分", s.red_flag_score)),
        ]],
    )];
    if manage {
        sections.push(Section::form(
            FormBuilder::new(
                "/admin/supervision/settings",
                "保存阈值",
                settings_data,
                settings_errors,
            )
            .title("修改预警阈值")
            .number("warn_percent", "剩余时限比例（%）", true)
            .number("warn_min_days", "剩余工作日", true)
            .number("red_flag_score", "红旗窗口分数线", true)
            .build(),
        ));
    }
    sections.push(Section::table(
        "黄牌红牌规则（按自然月计）",
        vec!["规则", "对象", "牌", "计数", "达到", "状态", "待生效调整"],
        rules
            .iter()
            .map(|r| {
                vec![
                    Cell::text(&r.name),
                    Cell::text(target_label(&r.target)),
                    color_cell(&r.color),
                    Cell::text(metric_label(&r.metric)),
                    Cell::text(format!("{} 次", r.threshold)),
                    if r.enabled.get() {
                        Cell::tag("启用", "on")
                    } else {
                        Cell::tag("停用", "off")
                    },
                    Cell::text(
                        match (&r.pending_from, r.pending_enabled, r.pending_threshold) {
                            (Some(from), Some(en), Some(t)) => format!(
                                "自 {from} 起{}，{t} 次",
                                if en == 1 { "启用" } else { "停用" }
                            ),
                            _ => String::new(),
                        },
                    ),
                ]
            })
            .collect(),
    ));
    if manage {
        sections.push(Section::form(
            FormBuilder::new(
                "/admin/supervision/card-rules",
                "登记调整",
                rule_data,
                rule_errors,
            )
            .title("调整规则（自下一考核周期起生效）")
            .select(
                "code",
                "规则",
                true,
                Some("请选择"),
                rules
                    .iter()
                    .map(|r| (r.code.clone(), r.name.clone()))
                    .collect(),
            )
            .checkbox("enabled", "启用")
            .number("threshold", "达到次数", true)
            .text("from", "生效日期", true, "须为某月 1 日，且不早于下月 1 日")
            .build(),
        ));
    }
    let finding_rules = state.store.finding_rules().await?;
    sections.push(Section::table(
        "监察问题规则（逐条比对办件事件、时限与部门报送记录）",
        vec!["代码", "规则", "程度", "状态", ""],
        finding_rules
            .iter()
            .map(|r| {
                let on = r.enabled.get();
                vec![
                    Cell::text(&r.code),
                    Cell::text(&r.name),
                    if r.severity == "major" {
                        Cell::tag("严重", "bad")
                    } else {
                        Cell::tag("一般", "warn")
                    },
                    if on {
                        Cell::tag("启用", "on")
                    } else {
                        Cell::tag("停用", "off")
                    },
                    if manage {
                        Cell {
                            post: Some(crate::kit::PostButton {
                                action: format!("/admin/supervision/finding-rules/{}", r.code),
                                label: if on { "停用" } else { "启用" }.to_owned(),
                                fields: vec![(
                                    "enabled".to_owned(),
                                    if on { "0" } else { "1" }.to_owned(),
                                )],
                            }),
                            ..Cell::text("")
                        }
                    } else {
                        Cell::text("")
                    },
                ]
            })
            .collect(),
    ));
    sections.push(Section::table(
        "百分制扣分标准",
        vec!["扣分项", "每次扣分"],
        scheme
            .iter()
            .map(|d| vec![Cell::text(&d.name), Cell::text(format!("{} 分", d.points))])
            .collect(),
    ));
    if manage {
        sections.push(Section::form(
            FormBuilder::new(
                "/admin/supervision/scheme",
                "保存",
                points_data,
                points_errors,
            )
            .title("修改扣分标准")
            .select(
                "code",
                "扣分项",
                true,
                Some("请选择"),
                scheme
                    .iter()
                    .map(|d| (d.code.clone(), d.name.clone()))
                    .collect(),
            )
            .number("points", "每次扣分", true)
            .build(),
        ));
    }
    page(
        user,
        "监察规则设置",
        crumb("电子监察", "/admin/supervision"),
        "预警：剩余时限不超过所设比例或所设工作日（取多者）时亮黄灯，期限届满未办结亮红灯；办件与各环节分别计算。修改阈值后，所有正在计时的办件立即按新阈值重算。考核按百分制扣分：95 分以上五星，90 分以上四星，80 分以上三星，70 分以上二星；季度 90 分以上优秀、80 分以上良好、60 分以上合格。",
        sections,
        notice,
        errors,
    )
}

async fn save_settings(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let input = SupervisionSettings {
        warn_percent: data.i64(&mut errors, "warn_percent"),
        warn_min_days: data.i64(&mut errors, "warn_min_days"),
        red_flag_score: data.i64(&mut errors, "red_flag_score"),
    };
    if errors.is_empty() {
        match form_outcome(
            state
                .store
                .set_settings(input, user.principal.account_id)
                .await,
        )? {
            Ok(_) => return redirect("/admin/supervision/settings", "saved"),
            Err(e) => errors = e,
        }
    }
    settings_page(
        &state,
        &user,
        Some(Failed::Settings(&data)),
        &errors,
        &Notice::default(),
    )
    .await
}

async fn change_card_rule(
    State(state): State<AppState>,
    user: PageUser,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let code = data.text("code");
    if code.is_empty() {
        errors.add("code", "请选择规则");
    }
    let change = CardRuleChange {
        enabled: data.flag("enabled"),
        threshold: data.i64(&mut errors, "threshold"),
        from: data.text("from"),
    };
    if errors.is_empty() {
        match form_outcome(
            state
                .store
                .change_card_rule(&code, &change, state.clock.today())
                .await,
        )? {
            Ok(_) => return redirect("/admin/supervision/settings", "saved"),
            Err(e) => errors = e,
        }
    }
    settings_page(
        &state,
        &user,
        Some(Failed::Rule(&data)),
        &errors,
        &Notice::default(),
    )
    .await
}

async fn set_points(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let code = data.text("code");
    if code.is_empty() {
        errors.add("code", "请选择扣分项");
    }
    let points = data.i64(&mut errors, "points");
    if errors.is_empty() {
        match form_outcome(state.store.set_deduction(&code, points).await)? {
            Ok(()) => return redirect("/admin/supervision/settings", "saved"),
            Err(e) => errors = e,
        }
    }
    settings_page(
        &state,
        &user,
        Some(Failed::Points(&data)),
        &errors,
        &Notice::default(),
    )
    .await
}

/// Switches a finding rule on or off; findings already raised stay.
async fn switch_finding_rule(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, SupervisionAction::Configure, None).await?;
    let data = FormData::parse(&body);
    state
        .store
        .set_finding_rule(&code, data.text("enabled") == "1")
        .await?;
    redirect("/admin/supervision/settings", "saved")
}

// ---- cards ----

#[derive(Debug, Default, Deserialize)]
struct PeriodQuery {
    #[serde(default)]
    period: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    month: String,
    /// csv for a download.
    #[serde(default)]
    format: String,
}

fn card_rows(cards: &[Card]) -> Vec<Vec<Cell>> {
    cards
        .iter()
        .map(|c| {
            vec![
                Cell::text(&c.issued_on),
                color_cell(&c.color),
                Cell::text(target_label(&c.target)),
                Cell::text(c.target_name.clone().unwrap_or_default()),
                Cell::link(&c.reason, format!("/admin/supervision/cards/{}", c.id)),
                status_cell(&c.status),
            ]
        })
        .collect()
}

/// Cards: supervisors see all; other staff those of their department, window and themselves.
async fn cards(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<PeriodQuery>,
) -> PageResult {
    let p = &user.principal;
    let supervisor = can(p, SupervisionAction::View, None);
    if !supervisor {
        gate(&state, &user, CaseAction::View, p.department_id).await?;
    }
    let period = (!q.period.is_empty()).then_some(q.period.as_str());
    let list = if supervisor {
        state.store.cards(period, 500).await?
    } else {
        let actor = state.store.case_actor(p).await?;
        state.store.cards_concerning(&actor, period, 500).await?
    };
    page(
        &user,
        "黄牌红牌",
        if supervisor {
            crumb("电子监察", "/admin/supervision")
        } else {
            crumb("工作台", "/work")
        },
        "按规则逐月对部门、窗口和人员亮牌；每条规则每月对同一对象只亮一次。被亮牌的部门、窗口或本人可申诉一次，由监察人员复核撤销或维持；撤销的牌不计入考核。",
        vec![Section::table(
            "",
            vec!["日期", "牌", "对象", "名称", "事由", "状态"],
            card_rows(&list),
        )],
        &Notice::default(),
        &FieldErrors::new(),
    )
}

async fn card(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(notice): Query<Notice>,
) -> PageResult {
    card_page(&state, &user, id, None, &FieldErrors::new(), &notice).await
}

async fn card_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    data: Option<&FormData>,
    errors: &FieldErrors,
    notice: &Notice,
) -> PageResult {
    let c = state.store.card(id).await?;
    let p = &user.principal;
    let supervisor = can(p, SupervisionAction::View, None);
    let actor = state.store.case_actor(p).await?;
    let concerned = card_concerns(&c, &actor, &state.store.seats().await?);
    if !supervisor && !concerned {
        return Err(PageError::Forbidden(
            "只有监察人员和被亮牌的单位、本人可以查看".into(),
        ));
    }
    let blank = FormData::default();
    let data = data.unwrap_or(&blank);
    let mut sections = vec![Section::table(
        "",
        vec!["日期", "牌", "对象", "名称", "事由", "状态"],
        card_rows(std::slice::from_ref(&c)),
    )];
    if let Some(appeal) = &c.appeal {
        sections.push(Section::table(
            "申诉",
            vec!["申诉理由", "复核意见"],
            vec![vec![
                Cell::text(appeal),
                Cell::text(c.decision_note.clone().unwrap_or_default()),
            ]],
        ));
    }
    if concerned && c.status == "issued" {
        sections.push(Section::form(
            FormBuilder::new(
                format!("/admin/supervision/cards/{id}/appeal"),
                "提交申诉",
                data,
                errors,
            )
            .title("申诉")
            .textarea("grounds", "申诉理由", true)
            .build(),
        ));
    }
    if supervisor && c.status == "appealed" {
        sections.push(Section::form(
            FormBuilder::new(
                format!("/admin/supervision/cards/{id}/decide"),
                "提交复核",
                data,
                errors,
            )
            .title("复核申诉")
            .select(
                "revoke",
                "复核结论",
                true,
                Some("请选择"),
                vec![
                    ("1".into(), "申诉成立，撤销该牌".into()),
                    ("0".into(), "申诉不成立，维持".into()),
                ],
            )
            .textarea("note", "复核意见", true)
            .build(),
        ));
    }
    page(
        user,
        &format!(
            "{}（{}）",
            if c.color == "red" { "红牌" } else { "黄牌" },
            c.period
        ),
        crumb("黄牌红牌", "/admin/supervision/cards"),
        "",
        sections,
        notice,
        errors,
    )
}

async fn appeal(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    gate(
        &state,
        &user,
        SupervisionAction::Answer,
        user.principal.department_id,
    )
    .await?;
    let data = FormData::parse(&body);
    let actor = state.store.case_actor(&user.principal).await?;
    let errors = match form_outcome(
        state
            .store
            .appeal_card(id, &actor, &data.text("grounds"))
            .await,
    ) {
        Ok(Ok(_)) => return redirect(&format!("/admin/supervision/cards/{id}"), "saved"),
        Ok(Err(e)) => e,
        Err(PageError::BadRequest(why)) => FieldErrors::single("grounds", why),
        Err(e) => return Err(e),
    };
    card_page(&state, &user, id, Some(&data), &errors, &Notice::default()).await
}

async fn decide(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    gate(&state, &user, SupervisionAction::Act, None).await?;
    let data = FormData::parse(&body);
    let mut errors = FieldErrors::new();
    let revoke = match data.text("revoke").as_str() {
        "1" => true,
        "0" => false,
        _ => {
            errors.add("revoke", "请选择复核结论");
            false
        }
    };
    if errors.is_empty() {
        match form_outcome(
            state
                .store
                .decide_card_appeal(id, user.principal.account_id, revoke, &data.text("note"))
                .await,
        ) {
            Ok(Ok(_)) => return redirect(&format!("/admin/supervision/cards/{id}"), "saved"),
            Ok(Err(e)) => errors = e,
            Err(PageError::BadRequest(why)) => errors.add("note", why),
            Err(e) => return Err(e),
        }
    }
    card_page(&state, &user, id, Some(&data), &errors, &Notice::default()).await
}

// ---- assessment ----

/// Scores, stars and grades of every department, window or staff member for a month or a
/// quarter, with their indicators; red-flag windows marked.
async fn assessment(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<PeriodQuery>,
) -> PageResult {
    gate(&state, &user, SupervisionAction::View, None).await?;
    let today = state.clock.today();
    let period = if q.period.is_empty() {
        Period::quarter_of(today)
    } else {
        Period::parse(&q.period).map_err(|e| {
            PageError::BadRequest(e.0.first().map(|f| f.1.clone()).unwrap_or_default())
        })?
    };
    let target = Target::from_key(&q.unit).unwrap_or(Target::Window);
    let scores = state.store.assessment(target, &period).await?;
    let figures = state.store.unit_indicators(target, &period).await?;
    let scheme = state.store.deductions().await?;
    let stars = |n: u8| "★".repeat(n as usize) + &"☆".repeat(5 - n as usize);
    let mut headers = vec!["名称", "受理", "得分", "星级", "等级"];
    for d in &scheme {
        headers.push(Metric::from_key(&d.code).map_or("扣分", Metric::label));
    }
    if target == Target::Window {
        headers.push("红旗窗口");
    }
    let rows = scores
        .iter()
        .map(|a| {
            let mut row = vec![
                Cell::text(&a.name),
                Cell::text(a.accepted.to_string()),
                Cell::text(a.score.to_string()),
                Cell::text(stars(a.stars)),
                Cell::tag(
                    a.grade,
                    match a.grade {
                        "优秀" => "on",
                        "良好" => "on",
                        "合格" => "warn",
                        _ => "bad",
                    },
                ),
            ];
            for line in &a.deductions {
                row.push(Cell::text(if line.count == 0 {
                    String::new()
                } else {
                    format!("{} 次 −{}", line.count, line.points)
                }));
            }
            if target == Target::Window {
                row.push(if a.red_flag {
                    Cell::tag("红旗窗口", "on")
                } else {
                    Cell::text("")
                });
            }
            row
        })
        .collect();
    let indicator_rows = figures
        .iter()
        .map(|f| {
            vec![
                Cell::text(&f.name),
                Cell::text(f.received.to_string()),
                Cell::text(f.accepted.to_string()),
                Cell::text(f.concluded.to_string()),
                Cell::text(pct(f.conclusion_rate)),
                Cell::text(pct(f.on_time_rate)),
                Cell::text(pct(f.urging_rate)),
                Cell::text(pct(f.delay_rate)),
                Cell::text(pct(f.accuracy_rate)),
                Cell::text(days(f.avg_days_used)),
            ]
        })
        .collect();
    if q.format == "csv" {
        return assessment_csv(target, &period, &scores, &figures, &scheme);
    }
    let quarter = Period::quarter_of(today);
    let month = Period::month_of(today);
    let switch = Target::ALL
        .iter()
        .map(|t| {
            Cell::link(
                format!("按{}", t.label()),
                format!(
                    "/admin/supervision/assessment?unit={}&period={}",
                    t.key(),
                    period.key
                ),
            )
        })
        .chain([
            Cell::link(
                quarter.label.clone(),
                format!(
                    "/admin/supervision/assessment?unit={}&period={}",
                    target.key(),
                    quarter.key
                ),
            ),
            Cell::link(
                month.label.clone(),
                format!(
                    "/admin/supervision/assessment?unit={}&period={}",
                    target.key(),
                    month.key
                ),
            ),
            Cell::link(
                "导出 CSV",
                format!(
                    "/admin/supervision/assessment?unit={}&period={}&format=csv",
                    target.key(),
                    period.key
                ),
            ),
        ])
        .collect();
    page(
        &user,
        &format!("{} {}考核", period.label, target.label()),
        crumb("电子监察", "/admin/supervision"),
        "百分制：100 分减去各扣分项（次数 × 每次扣分，见监察规则设置）。窗口与人员按受理人（首问负责）及其所在窗口归集。红旗窗口：季度得分不低于分数线、期内有受理且未被亮牌。指标按期内收件的办件计：准确率＝无退回、无补正办结/办结；平均用时为实际计时工作日。",
        vec![
            Section::table("", vec![""; 6], vec![switch]),
            Section::table("得分与星级", headers, rows),
            Section::table(
                "效能指标",
                vec![
                    "名称",
                    "收件",
                    "受理",
                    "办结",
                    "办结率",
                    "按时办结率",
                    "催办率",
                    "延误率",
                    "准确率",
                    "平均用时（工作日）",
                ],
                indicator_rows,
            ),
        ],
        &Notice::default(),
        &FieldErrors::new(),
    )
}

/// The assessment as a spreadsheet: one row per unit with its score, stars, grade, every
/// deduction (times and points) and its indicators.
fn assessment_csv(
    target: Target,
    period: &Period,
    scores: &[onewindow_store::assessment::Assessment],
    figures: &[onewindow_store::assessment::UnitIndicators],
    scheme: &[onewindow_store::assessment::Deduction],
) -> PageResult {
    let mut headers: Vec<String> = ["名称", "受理", "得分", "星级", "等级"]
        .map(String::from)
        .to_vec();
    for d in scheme {
        let label = Metric::from_key(&d.code).map_or("扣分", Metric::label);
        headers.push(format!("{label}（次）"));
        headers.push(format!("{label}（扣分）"));
    }
    if target == Target::Window {
        headers.push("红旗窗口".into());
    }
    headers.extend(
        [
            "收件",
            "办结",
            "办结率",
            "按时办结率",
            "催办率",
            "延误率",
            "准确率",
            "平均用时（工作日）",
        ]
        .map(String::from),
    );
    let rows: Vec<Vec<String>> = scores
        .iter()
        .map(|a| {
            let mut row = vec![
                a.name.clone(),
                a.accepted.to_string(),
                a.score.to_string(),
                a.stars.to_string(),
                a.grade.to_owned(),
            ];
            for line in &a.deductions {
                row.push(line.count.to_string());
                row.push(line.points.to_string());
            }
            if target == Target::Window {
                row.push(if a.red_flag { "是" } else { "否" }.into());
            }
            match figures.iter().find(|f| f.unit_id == a.target_id) {
                Some(f) => row.extend([
                    f.received.to_string(),
                    f.concluded.to_string(),
                    pct(f.conclusion_rate),
                    pct(f.on_time_rate),
                    pct(f.urging_rate),
                    pct(f.delay_rate),
                    pct(f.accuracy_rate),
                    days(f.avg_days_used),
                ]),
                None => row.extend(std::iter::repeat_n(String::new(), 8)),
            }
            row
        })
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    super::csv_download(
        &format!("assessment-{}-{}.csv", target.key(), period.key),
        &headers,
        &rows,
    )
}

/// The dashboard's drill-down: one department's indicators for a month, then its alerts,
/// urgings and findings, each linked to the case and its event timeline.
async fn department(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<PeriodQuery>,
) -> PageResult {
    gate(&state, &user, SupervisionAction::View, None).await?;
    let d = state.store.get_department(id).await?;
    let period = if q.month.is_empty() {
        Period::month_of(state.clock.today())
    } else {
        Period::parse(&q.month)
            .map_err(|_| PageError::BadRequest("月份格式应为 YYYY-MM，例如 2026-11".into()))?
    };
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let figures = state.store.indicators(&from, &to).await?;
    let f = figures.iter().find(|f| f.department_id == id);
    let in_period = |day: &str| day >= from.as_str() && day <= to.as_str();
    let alerts: Vec<_> = state
        .store
        .alerts(Some(id), 2000)
        .await?
        .into_iter()
        .filter(|a| in_period(&a.raised_on))
        .collect();
    let urgings: Vec<_> = state
        .store
        .urgings(Some(id), 500)
        .await?
        .into_iter()
        .filter(|u| in_period(&u.issued_on))
        .collect();
    let findings: Vec<_> = state
        .store
        .findings(false, 2000)
        .await?
        .into_iter()
        .filter(|x| x.department_id == id && in_period(&x.raised_on))
        .collect();
    let case_link = |no: &Option<String>, case_id: i64| {
        Cell::link(
            no.clone().unwrap_or_else(|| format!("#{case_id}")),
            format!("/work/cases/{case_id}"),
        )
    };
    let summary = match f {
        Some(f) => vec![vec![
            Cell::text(f.received.to_string()),
            Cell::text(f.accepted.to_string()),
            Cell::text(f.concluded.to_string()),
            Cell::text(pct(f.conclusion_rate)),
            Cell::text(pct(f.on_time_rate)),
            Cell::text(pct(f.urging_rate)),
            Cell::text(pct(f.delay_rate)),
            Cell::text(pct(f.accuracy_rate)),
            Cell::text(format!(
                "{} / {}",
                days(f.avg_days_used),
                days(f.avg_days_promised)
            )),
        ]],
        None => vec![],
    };
    page(
        &user,
        &format!("{} {}", d.name, period.label),
        crumb("电子监察", "/admin/supervision"),
        "点击办件编号查看该办件的完整事件时间线。",
        vec![
            Section::table(
                "效能指标",
                vec![
                    "收件",
                    "受理",
                    "办结",
                    "办结率",
                    "按时办结率",
                    "催办率",
                    "延误率",
                    "准确率",
                    "平均用时/承诺（工作日）",
                ],
                summary,
            ),
            Section::table(
                "预警与超期",
                vec!["日期", "级别", "办件编号", "事项", "期限"],
                alerts
                    .iter()
                    .map(|a| {
                        vec![
                            Cell::text(&a.raised_on),
                            if a.level == "red" {
                                Cell::tag("超期", "bad")
                            } else {
                                Cell::tag("预警", "warn")
                            },
                            case_link(&a.case_no, a.case_id),
                            Cell::text(&a.item_name),
                            Cell::text(&a.due_on),
                        ]
                    })
                    .collect(),
            ),
            Section::table(
                "催办",
                vec!["发出日期", "办件编号", "答复期限", "通知书"],
                urgings
                    .iter()
                    .map(|u| {
                        vec![
                            Cell::text(&u.issued_on),
                            case_link(&u.case_no, u.case_id),
                            Cell::text(&u.reply_by),
                            Cell::link("查看", format!("/admin/supervision/urgings/{}", u.id)),
                        ]
                    })
                    .collect(),
            ),
            Section::table(
                "监察问题",
                vec!["日期", "规则", "办件编号", "情况", "处理结果"],
                findings
                    .iter()
                    .map(|x| {
                        vec![
                            Cell::text(&x.raised_on),
                            Cell::text(&x.rule_name),
                            super::finding_case(x),
                            Cell::text(&x.detail),
                            Cell::text(x.disposition.clone().unwrap_or_default()),
                        ]
                    })
                    .collect(),
            ),
        ],
        &Notice::default(),
        &FieldErrors::new(),
    )
}

//! Supervision pages, second part: the settings (warning threshold, card rules, deduction
//! scheme), cards and their appeals, the assessment with stars, grades and red-flag windows,
//! and a department's drill-down from the dashboard.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use onewindow_domain::auth::{CaseAction, SupervisionAction};
use onewindow_domain::ids::{CaseId, DepartmentId};
use onewindow_domain::org::FieldErrors;
use onewindow_domain::supervision::CardStatus;
use onewindow_store::supervision::SupervisionSettings;
use onewindow_store::supervision::assessment::{
    Card, CardRuleChange, Metric, Period, Target, card_concerns,
};
use serde::Deserialize;

use super::{days, level_cell, pct};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::kit::{Cell, Section, crumb, page, redirect, saved};
use crate::pages::{FormBuilder, FormData, PageResult, can, form_outcome, gate, own_unit_actor};

mod settings;
use settings::*;
mod cards;
use cards::*;

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

fn status_cell(status: CardStatus) -> Cell {
    let tag = match status {
        CardStatus::Appealed => "warn",
        CardStatus::Revoked => "off",
        CardStatus::Issued | CardStatus::Upheld => "bad",
    };
    Cell::tag(status.label(), tag)
}

fn metric_label(key: &str) -> &'static str {
    Metric::from_key(key).map_or("—", Metric::label)
}

fn target_label(key: &str) -> &'static str {
    Target::from_key(key).map_or("—", Target::label)
}

/// The period (and unit, month or download format) a supervision page shows.
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
    let scores = state
        .store
        .supervision()
        .assessment(target, &period)
        .await?;
    let figures = state
        .store
        .supervision()
        .unit_indicators(target, &period)
        .await?;
    let scheme = state.store.supervision().deductions().await?;
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
        &FieldErrors::new(),
    )
}

/// The assessment as a spreadsheet: one row per unit with its score, stars, grade, every
/// deduction (times and points) and its indicators.
fn assessment_csv(
    target: Target,
    period: &Period,
    scores: &[onewindow_store::supervision::assessment::Assessment],
    figures: &[onewindow_store::supervision::assessment::UnitIndicators],
    scheme: &[onewindow_store::supervision::assessment::Deduction],
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
    Path(id): Path<DepartmentId>,
    Query(q): Query<PeriodQuery>,
) -> PageResult {
    gate(&state, &user, SupervisionAction::View, None).await?;
    let d = state.store.org().get_department(id).await?;
    let period = if q.month.is_empty() {
        Period::month_of(state.clock.today())
    } else {
        Period::parse(&q.month)
            .map_err(|_| PageError::BadRequest("月份格式应为 YYYY-MM，例如 2026-11".into()))?
    };
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let figures = state.store.supervision().indicators(&from, &to).await?;
    let f = figures.iter().find(|f| f.department_id == id);
    let in_period = |day: &str| day >= from.as_str() && day <= to.as_str();
    let alerts: Vec<_> = state
        .store
        .supervision()
        .alerts(Some(id), false, 2000)
        .await?
        .into_iter()
        .filter(|a| in_period(&a.raised_on))
        .collect();
    let urgings: Vec<_> = state
        .store
        .supervision()
        .urgings(Some(id), 500)
        .await?
        .into_iter()
        .filter(|u| in_period(&u.issued_on))
        .collect();
    let findings: Vec<_> = state
        .store
        .supervision()
        .findings(false, 2000)
        .await?
        .into_iter()
        .filter(|x| x.department_id == id && in_period(&x.raised_on))
        .collect();
    let case_link = |no: &Option<String>, case_id: CaseId| {
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
                            level_cell(a.level),
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
        &FieldErrors::new(),
    )
}

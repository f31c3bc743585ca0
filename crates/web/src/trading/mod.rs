//! 公共资源交易 on the web: the public trading pages (announcements, a lot's timeline with its
//! answered questions, opening record and expert draws, each draw re-derived on the page and
//! offered as JSON for `onewindow trading verify-draw`), and the API (`api`).

pub mod api;
pub mod live;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use onewindow_domain::trading::draw::{self, DrawRecord};
use onewindow_domain::trading::fen_to_yuan;

use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::StreamExt;
use onewindow_domain::auth::TradingAction;
use onewindow_domain::trading::auction::{Outcome, Phase};
use onewindow_store::{StoreError, now_ms};
use tokio::sync::broadcast;

use crate::AppState;
use crate::auth::{PageUser, RequestCtx};
use crate::error::ApiError;
use crate::kit::{Cell, Section, public_page};
use crate::pages::{Chrome, FormData, render, render_with_status};
use crate::pages::{PageResult, local_time};

/// Records each listing auction's result as soon as it has ended (checked every second; each
/// result is recorded once, also with several instances) and tells its watchers.
pub async fn settle_auctions(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tick.tick().await;
        let now = onewindow_store::now_ms();
        let t = state.store.trading();
        let due = match t.unsettled_auctions(now).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = ?e, "finding ended auctions");
                continue;
            }
        };
        for lot in due {
            match t.settle_auction(lot, now).await {
                Ok(Some(view)) => {
                    tracing::info!(lot, winner = ?view.winner, "auction settled");
                    state.auctions.publish(&view);
                }
                Ok(None) => {}
                Err(e) => tracing::error!(error = ?e, lot, "settling an auction"),
            }
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/trading", get(index))
        .route("/trading/statistics", get(statistics))
        .route("/trading/lots/{id}", get(lot_page))
        .route("/trading/lots/{id}/offer", axum::routing::post(offer))
        .route("/trading/lots/{id}/live", get(live))
        .route("/trading/draws/{file}", get(draw_json))
}

async fn index(State(state): State<AppState>, ctx: RequestCtx) -> PageResult {
    let t = state.store.trading();
    let announcements = t.announcements(None, 100).await?;
    let projects = t.projects(100).await?;
    let mut project_rows = Vec::new();
    for p in &projects {
        for l in t.lots(p.id).await? {
            if l.status == onewindow_domain::trading::LotStatus::Draft {
                continue;
            }
            project_rows.push(vec![
                Cell::text(p.code.clone()),
                Cell::link(
                    format!("{} · {}", p.name, l.name),
                    format!("/trading/lots/{}", l.id),
                ),
                Cell::text(p.sector.label()),
                Cell::text(p.method.label()),
                Cell::text(format!("{} 元", fen_to_yuan(l.budget_fen))),
                Cell::tag(l.status.label(), "on"),
                Cell::text(l.bid_deadline.map(local_time).unwrap_or_default()),
            ]);
        }
    }
    let rows = announcements
        .iter()
        .map(|a| {
            vec![
                Cell::text(local_time(a.published_at)),
                Cell::text(a.kind.label()),
                match a.lot_id {
                    Some(l) => Cell::link(a.title.clone(), format!("/trading/lots/{l}")),
                    None => Cell::text(a.title.clone()),
                },
            ]
        })
        .collect();
    public_page(
        &ctx,
        "公共资源交易",
        "工程建设招标投标、政府采购、土地使用权和矿业权出让、国有产权和农村产权交易的公告与结果。投标文件到达即加密，开标前任何人无法查看；评标专家随机抽取，过程公开可验证。",
        vec![
            Section::table(
                "",
                vec![""],
                vec![vec![Cell::link("交易统计", "/trading/statistics")]],
            ),
            Section::table("交易公告", vec!["发布时间", "类别", "标题"], rows),
            Section::table(
                "项目与标段",
                vec![
                    "项目编号",
                    "项目 · 标段",
                    "交易领域",
                    "交易方式",
                    "预算",
                    "状态",
                    "投标截止",
                ],
                project_rows,
            ),
        ],
    )
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct StatisticsQuery {
    format: String,
}

/// The figures' columns: amounts in 万元 on the page, in yuan in the CSV.
fn stat_headers(wan: bool) -> Vec<&'static str> {
    let mut h = vec![
        "月份",
        "交易领域",
        "交易方式",
        "项目数",
        "标段数",
        "流标（流拍）",
        "已成交",
        "平均投标人数",
    ];
    h.extend(if wan {
        [
            "预算（万元）",
            "成交预算（万元）",
            "成交金额（万元）",
            "节约资金（万元）",
            "溢价（万元）",
        ]
    } else {
        [
            "预算（元）",
            "成交预算（元）",
            "成交金额（元）",
            "节约资金（元）",
            "溢价（元）",
        ]
    });
    h
}

fn stat_cells(r: &onewindow_store::trading::statistics::StatRow, wan: bool) -> Vec<String> {
    let amount = |fen: i64| {
        if wan {
            format!("{:.2}", fen as f64 / 1e6)
        } else {
            fen_to_yuan(fen)
        }
    };
    vec![
        if r.month.is_empty() {
            "合计".into()
        } else {
            r.month.clone()
        },
        if r.sector.is_empty() {
            "全部".into()
        } else {
            r.sector.clone()
        },
        if r.method.is_empty() {
            "全部".into()
        } else {
            r.method.clone()
        },
        r.projects.to_string(),
        r.lots.to_string(),
        r.failed.to_string(),
        r.awarded.to_string(),
        format!("{:.1}", r.bidders_per_lot()),
        amount(r.budget_fen),
        amount(r.awarded_budget_fen),
        amount(r.award_fen),
        amount(r.savings_fen),
        amount(r.premium_fen),
    ]
}

/// 交易统计: by sector, method and month, then each sector's totals and the whole; `?format=csv`
/// downloads both.
async fn statistics(
    State(state): State<AppState>,
    ctx: RequestCtx,
    axum::extract::Query(q): axum::extract::Query<StatisticsQuery>,
) -> PageResult {
    let (rows, totals) = state.store.trading().statistics().await?;
    if q.format == "csv" {
        let all: Vec<Vec<String>> = rows
            .iter()
            .chain(&totals)
            .map(|r| stat_cells(r, false))
            .collect();
        return crate::kit::csv_download("trading-statistics.csv", &stat_headers(false), &all);
    }
    let table = |list: &[onewindow_store::trading::statistics::StatRow]| {
        list.iter()
            .map(|r| stat_cells(r, true).into_iter().map(Cell::text).collect())
            .collect()
    };
    public_page(
        &ctx,
        "公共资源交易统计",
        "已发布标段按交易领域、交易方式和发布月份统计：项目与标段数量、流标（流拍）、成交、平均投标（竞买）人数、预算和成交金额；招标采购类计节约资金（成交标段预算减成交金额），土地和产权出让类计溢价（成交金额减起始预算）。",
        vec![
            Section::table("合计", stat_headers(true), table(&totals)),
            Section::table("按月份、领域和方式", stat_headers(true), table(&rows)),
            Section::table(
                "",
                vec![""],
                vec![vec![Cell::link(
                    "下载统计表（CSV）",
                    "/trading/statistics?format=csv",
                )]],
            ),
        ],
    )
}

async fn lot_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> PageResult {
    render(&lot_view(&state, &ctx, id, None).await?)
}

/// A company's bid from the lot page; refused, the page again with the reason by the field.
async fn offer(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> PageResult {
    crate::pages::gate(&state, &user, TradingAction::Bid, None).await?;
    let data = FormData::parse(&body);
    let amount = data.text("amount");
    match state
        .store
        .trading()
        .offer(id, user.principal.account_id, &amount, now_ms())
        .await
    {
        Ok((_, view)) => {
            state.auctions.publish(&view);
            crate::kit::redirect(&format!("/trading/lots/{id}"), "offered")
        }
        Err(StoreError::Invalid(f)) => {
            let message =
                f.0.into_iter()
                    .map(|(_, m)| m)
                    .collect::<Vec<_>>()
                    .join("；");
            let page = lot_view(&state, &user.ctx, id, Some((amount, message))).await?;
            render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// A listing auction's state as server-sent events: the whole state at once, then again after
/// every bid and at the result.
async fn live(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<
    Sse<impl futures_util::Stream<Item = Result<Event, std::convert::Infallible>>>,
    crate::error::PageError,
> {
    let rx = state.auctions.subscribe(id);
    let first = state.store.trading().auction(id, now_ms()).await?;
    let first = Event::default()
        .event("auction")
        .data(serde_json::to_string(&first).unwrap_or_default());
    let store = state.store.clone();
    let rest = futures_util::stream::unfold((rx, store), move |(mut rx, store)| async move {
        let text: std::sync::Arc<str> = match rx.recv().await {
            Ok(text) => text,
            // Fell behind the buffer: send the whole state as it is now.
            Err(broadcast::error::RecvError::Lagged(_)) => {
                let view = store.trading().auction(id, now_ms()).await.ok()?;
                serde_json::to_string(&view).ok()?.into()
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((
            Ok(Event::default().event("auction").data(&*text)),
            (rx, store),
        ))
    });
    let stream = futures_util::stream::once(async { Ok(first) }).chain(rest);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The auction panel of a listed lot's page.
struct AuctionPanel {
    lot_id: i64,
    price: String,
    next: String,
    phase: &'static str,
    /// When the current phase ends (UTC ms), 0 when over.
    ends_at: i64,
    remaining: String,
    now: i64,
    rules: String,
    result: String,
    offers: Vec<OfferRow>,
    can_bid: bool,
    hint: String,
    amount: String,
    error: String,
}

struct OfferRow {
    seq: usize,
    bidder_no: usize,
    amount: String,
    time: String,
    log_seq: i64,
}

#[derive(askama::Template)]
#[template(path = "trading/lot.html")]
struct LotPage {
    chrome: Chrome,
    intro: String,
    auction: Option<AuctionPanel>,
    sections: Vec<Section>,
}

async fn auction_panel(
    state: &AppState,
    ctx: &RequestCtx,
    id: i64,
    bid: Option<(String, String)>,
) -> Result<AuctionPanel, crate::error::PageError> {
    let t = state.store.trading();
    let a = t.auction(id, now_ms()).await?;
    let (phase, ends_at) = match a.phase {
        Phase::Upcoming { opens_at } => ("距挂牌开始", opens_at),
        Phase::Listing { ends_at } => ("距挂牌截止", ends_at),
        Phase::Round { ends_at } => ("限时竞价倒计时", ends_at),
        Phase::Ended { .. } => ("竞价已结束", 0),
    };
    let result = match (a.phase, &a.winner) {
        (Phase::Ended { .. }, Some(w)) => format!(
            "竞得人：{w}，成交价 {} 元。",
            a.offers
                .last()
                .map(|o| o.amount.clone())
                .unwrap_or_default()
        ),
        (Phase::Ended { outcome, .. }, None) => match outcome {
            Outcome::Won { .. } => "竞价已结束，正在确认结果。".into(),
            Outcome::NoBids => "挂牌期间无人报价，流拍。".into(),
            Outcome::BelowReserve => "最高报价未达到底价，流拍。".into(),
        },
        _ => String::new(),
    };
    let open = matches!(a.phase, Phase::Listing { .. } | Phase::Round { .. });
    let company = ctx
        .principal()
        .filter(|p| p.kind == onewindow_domain::org::AccountKind::Company);
    let registered = match company {
        Some(p) => t.is_registered(id, p.account_id).await?,
        None => false,
    };
    let hint = match (open, company, registered) {
        (false, _, _) => String::new(),
        (true, None, _) => "竞买人请以法人账号登录并报名后报价。".into(),
        (true, Some(_), false) => "请先提交竞买申请（报名）后报价。".into(),
        (true, Some(_), true) => String::new(),
    };
    let (amount, error) = bid.unwrap_or_default();
    Ok(AuctionPanel {
        lot_id: id,
        price: a
            .offers
            .last()
            .map_or_else(|| "暂无报价".into(), |o| o.amount.clone()),
        next: if open || matches!(a.phase, Phase::Upcoming { .. }) {
            fen_to_yuan(a.next_minimum_fen)
        } else {
            "—".into()
        },
        phase,
        ends_at,
        remaining: remaining(ends_at, a.now),
        now: a.now,
        rules: format!(
            "起始价 {} 元，加价幅度 {} 元；挂牌时间 {} 至 {}。挂牌截止时有两名及以上竞买人报价的，进入限时竞价：每次报价后重新计时 {} 秒，计时结束时最高报价者竞得（设有底价的，须不低于底价）。竞买人以竞买号显示，结果公告时公布竞得人。",
            fen_to_yuan(a.starting_fen),
            fen_to_yuan(a.increment_fen),
            local_time(a.listing_starts_at),
            local_time(a.listing_ends_at),
            a.round_secs
        ),
        result,
        offers: a
            .offers
            .iter()
            .rev()
            .map(|o| OfferRow {
                seq: o.seq,
                bidder_no: o.bidder_no,
                amount: o.amount.clone(),
                time: local_seconds(o.at),
                log_seq: o.log_seq,
            })
            .collect(),
        can_bid: open && registered,
        hint,
        amount: if amount.is_empty() {
            fen_to_yuan(a.next_minimum_fen)
        } else {
            amount
        },
        error,
    })
}

/// What is left of a phase, as the page first shows it (the script then counts down).
fn remaining(ends_at: i64, now: i64) -> String {
    if ends_at == 0 {
        return String::new();
    }
    let s = (ends_at - now).max(0) / 1000;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    if d > 0 {
        format!("{d} 天 {h:02}:{m:02}:{sec:02}")
    } else {
        format!("{h:02}:{m:02}:{sec:02}")
    }
}

fn local_seconds(ms: i64) -> String {
    onewindow_store::local(ms)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

async fn lot_view(
    state: &AppState,
    ctx: &RequestCtx,
    id: i64,
    bid: Option<(String, String)>,
) -> Result<LotPage, crate::error::PageError> {
    let t = state.store.trading();
    let lot = t.lot(id).await?;
    if lot.status == onewindow_domain::trading::LotStatus::Draft {
        return Err(onewindow_store::StoreError::NotFound("lot").into());
    }
    let p = t.project(lot.project_id).await?;
    let mut sections = vec![Section::table(
        "标段信息",
        vec!["", ""],
        vec![
            vec![Cell::text("项目编号"), Cell::text(p.code.clone())],
            vec![
                Cell::text("招标人（采购人）"),
                Cell::text(format!("{}（{}）", p.owner_name, p.owner_credit_code)),
            ],
            vec![
                Cell::text("代理机构"),
                Cell::text(p.agency_name.clone().unwrap_or_else(|| "无".into())),
            ],
            vec![
                Cell::text("交易领域 / 方式"),
                Cell::text(format!("{} / {}", p.sector.label(), p.method.label())),
            ],
            vec![
                Cell::text("标段预算"),
                Cell::text(format!("{} 元", fen_to_yuan(lot.budget_fen))),
            ],
            vec![Cell::text("资金来源"), Cell::text(p.funding_source.clone())],
            vec![Cell::text("状态"), Cell::tag(lot.status.label(), "on")],
            vec![
                Cell::text("文件发出日期"),
                Cell::text(lot.docs_issued_on.clone().unwrap_or_default()),
            ],
        ],
    )];
    if p.method.takes_sealed_bids()
        && let Some(info) = sections[0].table.as_mut()
    {
        info.rows.extend(vec![
            vec![
                Cell::text("投标截止时间"),
                Cell::text(lot.bid_deadline.map(local_time).unwrap_or_default()),
            ],
            vec![
                Cell::text("开标时间"),
                Cell::text(lot.opening_at.map(local_time).unwrap_or_default()),
            ],
            vec![
                Cell::text("开标密钥公钥"),
                Cell::text(lot.public_key.clone().map_or(String::new(), |k| {
                    format!("{k}（需 {} 名开标人的密钥份额方可开标）", lot.threshold)
                })),
            ],
        ]);
    }
    let announcements: Vec<Vec<Cell>> = t
        .announcements(Some(p.id), 100)
        .await?
        .into_iter()
        .filter(|a| a.lot_id.is_none() || a.lot_id == Some(id))
        .map(|a| {
            let moved = a
                .moved_to
                .map(|m| format!("（投标截止时间顺延至 {}）", local_time(m)))
                .unwrap_or_default();
            vec![
                Cell::text(local_time(a.published_at)),
                Cell::text(a.kind.label()),
                Cell::text(format!("{}{moved}\n{}", a.title, a.body)),
            ]
        })
        .collect();
    sections.push(Section::table(
        "公告",
        vec!["发布时间", "类别", "内容"],
        announcements,
    ));
    let questions: Vec<Vec<Cell>> = t
        .questions(id, false)
        .await?
        .into_iter()
        .map(|q| {
            vec![
                Cell::text(q.question),
                Cell::text(q.answer.unwrap_or_default()),
            ]
        })
        .collect();
    if !questions.is_empty() {
        sections.push(Section::table("答疑", vec!["问题", "答复"], questions));
    }
    let opening = t.opening(id).await?;
    if let Some(r) = &opening {
        let rows = r
            .bids
            .iter()
            .map(|b| {
                vec![
                    Cell::text(b.company.clone()),
                    Cell::text(b.bidder_credit_code.clone()),
                    Cell::text(format!("{} 元", b.price)),
                    Cell::text(
                        b.files
                            .iter()
                            .map(|f| format!("{}（SHA-256 {}）", f.name, f.sha256))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    ),
                ]
            })
            .collect();
        sections.push(Section::table(
            if r.failed {
                "开标记录（流标）"
            } else {
                "开标记录"
            },
            vec!["", ""],
            vec![
                vec![Cell::text("开标时间"), Cell::text(local_time(r.opened_at))],
                vec![
                    Cell::text("标段日志位置"),
                    Cell::text(format!("第 {} 条", r.log_seq)),
                ],
                vec![
                    Cell::text("记录摘要（SHA-256）"),
                    Cell::text(r.hash.clone()),
                ],
                vec![
                    Cell::text("签名（Ed25519）"),
                    Cell::text(r.signature.clone()),
                ],
            ],
        ));
        sections.push(Section::table(
            "",
            vec!["投标人", "统一社会信用代码", "投标报价", "投标文件"],
            rows,
        ));
    }
    if let Some(ev) = t.evaluation(id).await? {
        let company = |bid: i64| {
            opening
                .as_ref()
                .and_then(|o| o.company(bid))
                .map_or_else(|| bid.to_string(), str::to_owned)
        };
        let rows = ev
            .ranking
            .iter()
            .map(|r| {
                vec![
                    Cell::text(r.rank.to_string()),
                    Cell::text(company(r.bid_id)),
                    Cell::text(format!("{} 元", fen_to_yuan(r.price_fen))),
                    Cell::text(format!("{:.2}", r.price_score)),
                    Cell::text(
                        ev.criteria
                            .items
                            .iter()
                            .zip(&r.item_scores)
                            .map(|(i, s)| format!("{} {s:.2}", i.name))
                            .collect::<Vec<_>>()
                            .join("；"),
                    ),
                    Cell::text(format!("{:.2}", r.total)),
                ]
            })
            .collect();
        sections.push(Section::table(
            &format!(
                "评标结果（{}，价格分 {} 分）",
                local_time(ev.evaluated_at),
                ev.criteria.price_points
            ),
            vec![
                "排名",
                "投标人",
                "投标报价",
                "价格分",
                "各评分项（专家平均）",
                "总分",
            ],
            rows,
        ));
        let names = t.expert_names(&ev.experts).await?;
        sections.push(Section::table(
            "评标委员会（评标结束后公开）",
            vec!["专家编号", "姓名", "工作单位"],
            names
                .into_iter()
                .map(|(i, n, e)| vec![Cell::text(i.to_string()), Cell::text(n), Cell::text(e)])
                .collect(),
        ));
    }
    if let Some(p) = t.publicity(id).await? {
        sections.push(Section::table(
            &format!(
                "中标候选人公示（{} 至 {}）",
                local_time(p.starts_at),
                local_time(p.ends_at)
            ),
            vec!["名次", "投标人", "投标报价", "评分"],
            p.candidates
                .iter()
                .map(|c| {
                    vec![
                        Cell::text(c.rank.to_string()),
                        Cell::text(c.company.clone()),
                        Cell::text(format!("{} 元", fen_to_yuan(c.price_fen))),
                        Cell::text(format!("{:.2}", c.total)),
                    ]
                })
                .collect(),
        ));
        let objections: Vec<Vec<Cell>> = t
            .objections(id)
            .await?
            .into_iter()
            .map(|o| {
                vec![
                    Cell::text(local_time(o.filed_at)),
                    Cell::text(o.objection),
                    Cell::text(o.answer.unwrap_or_else(|| "待答复".into())),
                ]
            })
            .collect();
        if !objections.is_empty() {
            sections.push(Section::table(
                "质疑与答复",
                vec!["提出时间", "质疑", "答复"],
                objections,
            ));
        }
    }
    if let Some(a) = t.award_of(id).await? {
        let mut rows = vec![
            vec![
                Cell::text("中标人"),
                Cell::text(format!("{}（{}）", a.company, a.credit_code)),
            ],
            vec![
                Cell::text("中标金额"),
                Cell::text(format!("{} 元", fen_to_yuan(a.amount_fen))),
            ],
            vec![
                Cell::text("节约资金"),
                Cell::text(format!(
                    "{} 元（预算 {} 元）",
                    fen_to_yuan(a.savings_fen),
                    fen_to_yuan(a.budget_fen)
                )),
            ],
            vec![Cell::text("确定时间"), Cell::text(local_time(a.awarded_at))],
        ];
        if let Some(c) = &a.contract {
            rows.push(vec![
                Cell::text("合同"),
                Cell::text(format!(
                    "{} 元，{} 签订，履约期 {} 至 {}",
                    fen_to_yuan(c.amount_fen),
                    c.signed_on,
                    c.starts_on,
                    c.ends_on
                )),
            ]);
        }
        sections.push(Section::table("中标结果与合同", vec!["", ""], rows));
    }
    for d in t.draws(id).await? {
        let verdict = if d.drawn_at.is_none() {
            "待录入种子值".to_owned()
        } else {
            match draw::verify(&d.record) {
                Ok(()) => "本页已按公开算法重新计算，结果一致".to_owned(),
                Err(m) => format!("重新计算不一致：{m}"),
            }
        };
        let picks = d
            .record
            .picks
            .iter()
            .map(|p| {
                vec![
                    Cell::text(p.i.to_string()),
                    Cell::text(format!("专家编号 {}", p.expert)),
                    Cell::text(if p.declined {
                        "拒绝，按下一序号补抽"
                    } else {
                        "抽中"
                    }),
                ]
            })
            .collect();
        sections.push(Section::table(
            &format!("专家抽取 {}：{}，{} 名", d.id, d.specialty, d.count),
            vec!["", ""],
            vec![
                vec![
                    Cell::text("符合条件的专家"),
                    Cell::text(format!(
                        "{} 人（回避近 {} 日为同一招标人抽中者）",
                        d.record.pool.len(),
                        d.avoid_days
                    )),
                ],
                vec![
                    Cell::text("专家库摘要（SHA-256）"),
                    Cell::text(format!(
                        "{}（{} 公布）",
                        d.record.pool_hash,
                        local_time(d.committed_at)
                    )),
                ],
                vec![
                    Cell::text("种子值"),
                    Cell::text(if d.record.seeds.is_empty() {
                        format!("已录入 {} 个，尚未抽取", d.seeds_entered)
                    } else {
                        d.record.seeds.join("、")
                    }),
                ],
                vec![Cell::text("验证"), Cell::text(verdict)],
            ],
        ));
        sections.push(Section::table(
            "",
            vec!["序号 i", "抽取结果", "答复"],
            picks,
        ));
        sections.push(Section::table(
            "",
            vec![""],
            vec![vec![Cell::link(
                "下载抽取记录（JSON，可用 onewindow trading verify-draw 验证）",
                format!("/trading/draws/{}.json", d.id),
            )]],
        ));
    }
    let auction = if p.method.takes_sealed_bids() {
        None
    } else {
        Some(auction_panel(state, ctx, id, bid).await?)
    };
    Ok(LotPage {
        chrome: Chrome::new(format!("{} · {}", p.name, lot.name), ctx),
        intro: if auction.is_some() {
            "本标的的出让公告、挂牌竞价与结果。报价实时显示，每次报价均记入标的日志。".into()
        } else {
            "本标段的公告、答疑、开标记录、专家抽取过程与评标结果。专家姓名在评标结束前保密。"
                .into()
        },
        auction,
        sections,
    })
}

/// `/trading/draws/{id}.json`: the draw's record, the input of `onewindow trading verify-draw`.
async fn draw_json(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Json<DrawRecord>, ApiError> {
    let id: i64 = file
        .strip_suffix(".json")
        .and_then(|n| n.parse().ok())
        .ok_or(onewindow_store::StoreError::NotFound("draw"))?;
    Ok(Json(state.store.trading().draw(id).await?.record))
}

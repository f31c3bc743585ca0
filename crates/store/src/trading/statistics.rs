//! 交易统计 in Linyi's shape: per sector, method and month (of publication), the projects and
//! lots put out, the lots failed (流标/流拍) and awarded, the bidders per lot, the budgets, the
//! awarded amounts, the savings of purchases (budget − award, over awarded lots) and the
//! premium of transfers (award − starting budget: land, state and rural property).

use std::collections::{BTreeMap, BTreeSet};

use onewindow_domain::trading::{LotStatus, Method, Sector};
use serde::Serialize;

use crate::{StoreResult, TradingStore};

#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatRow {
    /// Empty in a total.
    pub sector: String,
    pub method: String,
    /// `YYYY-MM` of publication; empty in a total.
    pub month: String,
    pub projects: i64,
    pub lots: i64,
    pub failed: i64,
    pub awarded: i64,
    /// Bidders (distinct companies) over all lots: divided by `lots`, the bidders per lot.
    pub bidders: i64,
    pub budget_fen: i64,
    /// Of the awarded lots: their budgets, the awards and the savings.
    pub awarded_budget_fen: i64,
    pub award_fen: i64,
    /// Tenders and procurement: budget − award (节约资金).
    pub savings_fen: i64,
    /// Transfers of land and property: award − budget (溢价).
    pub premium_fen: i64,
}

impl StatRow {
    /// Bidders per lot, one decimal.
    pub fn bidders_per_lot(&self) -> f64 {
        if self.lots == 0 {
            0.0
        } else {
            (self.bidders as f64 / self.lots as f64 * 10.0).round() / 10.0
        }
    }
}

#[derive(sqlx::FromRow)]
struct LotFact {
    project_id: i64,
    sector: String,
    method: String,
    published_at: i64,
    status: String,
    budget_fen: i64,
    award_fen: Option<i64>,
    bidders: i64,
}

impl TradingStore<'_> {
    /// Published lots' figures by sector, method and month, newest month first, then the totals
    /// of each sector and of all.
    pub async fn statistics(self) -> StoreResult<(Vec<StatRow>, Vec<StatRow>)> {
        let facts: Vec<LotFact> = sqlx::query_as(
            "SELECT l.project_id, p.sector, p.method, l.published_at, l.status, l.budget_fen,
                 a.amount_fen AS award_fen,
                 (SELECT COUNT(DISTINCT b.account_id) FROM trading_bids b
                  WHERE b.lot_id = l.id AND b.status IN ('opened', 'offered')) AS bidders
             FROM trading_lots l JOIN trading_projects p ON p.id = l.project_id
             LEFT JOIN trading_awards a ON a.lot_id = l.id
             WHERE l.published_at IS NOT NULL",
        )
        .fetch_all(&self.store.pool)
        .await?;
        let mut groups: BTreeMap<(String, String, String), (StatRow, BTreeSet<i64>)> =
            BTreeMap::new();
        let mut sectors: BTreeMap<String, (StatRow, BTreeSet<i64>)> = BTreeMap::new();
        let mut all = (StatRow::default(), BTreeSet::new());
        for f in &facts {
            let sector = f.sector.parse::<Sector>().map(|s| s.label()).unwrap_or("");
            let method = f.method.parse::<Method>().map(|m| m.label()).unwrap_or("");
            let month = crate::local(f.published_at).format("%Y-%m").to_string();
            let key = (month.clone(), sector.to_owned(), method.to_owned());
            let g = groups.entry(key).or_insert_with(|| {
                (
                    StatRow {
                        sector: sector.into(),
                        method: method.into(),
                        month,
                        ..Default::default()
                    },
                    BTreeSet::new(),
                )
            });
            add(g, f);
            let s = sectors.entry(sector.to_owned()).or_insert_with(|| {
                (
                    StatRow {
                        sector: sector.into(),
                        ..Default::default()
                    },
                    BTreeSet::new(),
                )
            });
            add(s, f);
            add(&mut all, f);
        }
        let mut rows: Vec<StatRow> = groups.into_values().map(|(r, _)| r).collect();
        rows.sort_by(|a, b| b.month.cmp(&a.month).then(a.sector.cmp(&b.sector)));
        let mut totals: Vec<StatRow> = sectors.into_values().map(|(r, _)| r).collect();
        totals.push(all.0);
        Ok((rows, totals))
    }
}

fn add((row, projects): &mut (StatRow, BTreeSet<i64>), f: &LotFact) {
    if projects.insert(f.project_id) {
        row.projects += 1;
    }
    row.lots += 1;
    row.bidders += f.bidders;
    row.budget_fen = row.budget_fen.saturating_add(f.budget_fen);
    if f.status == LotStatus::Failed.key() {
        row.failed += 1;
    }
    if let Some(a) = f.award_fen {
        row.awarded += 1;
        row.awarded_budget_fen = row.awarded_budget_fen.saturating_add(f.budget_fen);
        row.award_fen = row.award_fen.saturating_add(a);
        let transfer = matches!(
            f.sector.parse::<Sector>(),
            Ok(Sector::LandMineral | Sector::StateProperty | Sector::RuralProperty)
        );
        if transfer {
            row.premium_fen = row
                .premium_fen
                .saturating_add(a.saturating_sub(f.budget_fen));
        } else {
            row.savings_fen = row
                .savings_fen
                .saturating_add(f.budget_fen.saturating_sub(a));
        }
    }
}

//! Evaluation (评标) in the store: the lot's criteria, each accepted expert's scores of each
//! opened bid, and the report — the ranking by `onewindow_domain::trading::evaluation` — once
//! every expert has scored every bid. The report is logged in the lot's log; after it the
//! experts' names may be shown.

use onewindow_domain::ids::AccountId;
use onewindow_domain::trading::LotStatus;
use onewindow_domain::trading::evaluation::{Criteria, Ranked, rank};
use serde::{Deserialize, Serialize};

use super::bids::append_log;
use super::invalid;
use crate::{StoreError, StoreResult, TradingStore};

/// The evaluation report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evaluation {
    pub lot_id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub criteria: Criteria,
    /// The experts who scored (ids of the pool).
    pub experts: Vec<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub ranking: Vec<Ranked>,
    pub evaluated_at: i64,
}

impl TradingStore<'_> {
    /// Sets a lot's criteria, until the first score.
    pub async fn set_criteria(self, lot_id: i64, criteria: &Criteria, now: i64) -> StoreResult<()> {
        criteria.check()?;
        let lot = self.lot(lot_id).await?;
        if !matches!(
            lot.status,
            LotStatus::Draft | LotStatus::Published | LotStatus::Opened
        ) {
            return Err(invalid("criteria", "评标结束后不能再修改评分标准"));
        }
        let scored: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM trading_scores WHERE lot_id = $1 LIMIT 1")
                .bind(lot_id)
                .fetch_optional(&self.store.pool)
                .await?;
        if scored.is_some() {
            return Err(invalid("criteria", "已有专家评分，不能再修改评分标准"));
        }
        sqlx::query(
            "INSERT INTO trading_criteria (lot_id, criteria, set_at) VALUES ($1, $2, $3)
             ON CONFLICT (lot_id) DO UPDATE SET criteria = excluded.criteria, set_at = excluded.set_at",
        )
        .bind(lot_id)
        .bind(serde_json::to_string(criteria).map_err(|e| StoreError::Config(e.to_string()))?)
        .bind(now)
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    pub async fn criteria(self, lot_id: i64) -> StoreResult<Option<Criteria>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT criteria FROM trading_criteria WHERE lot_id = $1")
                .bind(lot_id)
                .fetch_optional(&self.store.pool)
                .await?;
        row.map(|(c,)| serde_json::from_str(&c).map_err(|e| StoreError::Config(e.to_string())))
            .transpose()
    }

    /// The experts of the lot's draws who accepted.
    async fn accepted_experts(self, lot_id: i64) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT p.expert_id FROM trading_draw_picks p JOIN trading_draws d ON d.id = p.draw_id
             WHERE d.lot_id = $1 AND p.answer = 'accepted' ORDER BY p.expert_id",
        )
        .bind(lot_id)
        .fetch_all(&self.store.pool)
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// An accepted expert's scores of one opened bid, item by item (entered for them at the
    /// evaluation); each within its item's maximum. Scores may be corrected until the report.
    pub async fn score(
        self,
        lot_id: i64,
        expert: i64,
        bid_id: i64,
        scores: &[u32],
        now: i64,
    ) -> StoreResult<()> {
        let lot = self.lot(lot_id).await?;
        if lot.status != LotStatus::Opened {
            return Err(invalid("lot", "开标后、评标报告形成前方可评分"));
        }
        let criteria = self
            .criteria(lot_id)
            .await?
            .ok_or_else(|| invalid("criteria", "请先设置评分标准"))?;
        if !self.accepted_experts(lot_id).await?.contains(&expert) {
            return Err(invalid(
                "expert",
                "该专家不是本标段抽取并确认参加的评标专家",
            ));
        }
        let bid: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM trading_bids WHERE id = $1 AND lot_id = $2 AND status = 'opened'",
        )
        .bind(bid_id)
        .bind(lot_id)
        .fetch_optional(&self.store.pool)
        .await?;
        if bid.is_none() {
            return Err(invalid("bid", "该投标不属于本标段的有效投标"));
        }
        if scores.len() != criteria.items.len() {
            return Err(invalid(
                "scores",
                format!("应对 {} 个评分项逐项打分", criteria.items.len()),
            ));
        }
        let mut e = onewindow_domain::org::FieldErrors::new();
        for (n, (s, item)) in scores.iter().zip(&criteria.items).enumerate() {
            if *s > item.max {
                e.add(
                    &format!("scores[{n}]"),
                    format!("{}最高 {} 分", item.name, item.max),
                );
            }
        }
        e.into_result()?;
        sqlx::query(
            "INSERT INTO trading_scores (lot_id, expert_id, bid_id, scores, scored_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (lot_id, expert_id, bid_id) DO UPDATE SET scores = excluded.scores, scored_at = excluded.scored_at",
        )
        .bind(lot_id)
        .bind(expert)
        .bind(bid_id)
        .bind(serde_json::to_string(scores).unwrap_or_default())
        .bind(now)
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    /// The report, once every accepted expert has scored every opened bid: the ranking, logged
    /// in the lot's log; the lot is then evaluated.
    pub async fn evaluate(self, lot_id: i64, by: AccountId, now: i64) -> StoreResult<Evaluation> {
        let lot = self.lot(lot_id).await?;
        if lot.status != LotStatus::Opened {
            return Err(invalid("lot", "开标后方可形成评标报告"));
        }
        let criteria = self
            .criteria(lot_id)
            .await?
            .ok_or_else(|| invalid("criteria", "请先设置评分标准"))?;
        let experts = self.accepted_experts(lot_id).await?;
        if experts.is_empty() {
            return Err(invalid("experts", "尚无确认参加的评标专家"));
        }
        let bids: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, price_fen FROM trading_bids WHERE lot_id = $1 AND status = 'opened' ORDER BY id",
        )
        .bind(lot_id)
        .fetch_all(&self.store.pool)
        .await?;
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT bid_id, expert_id, scores FROM trading_scores WHERE lot_id = $1",
        )
        .bind(lot_id)
        .fetch_all(&self.store.pool)
        .await?;
        let mut scores = Vec::with_capacity(bids.len());
        for (bid, _) in &bids {
            let mut per = Vec::with_capacity(experts.len());
            for x in &experts {
                let Some((_, _, s)) = rows.iter().find(|r| r.0 == *bid && r.1 == *x) else {
                    return Err(invalid("scores", format!("专家 {x} 尚未对投标 {bid} 评分")));
                };
                per.push(
                    serde_json::from_str::<Vec<u32>>(s)
                        .map_err(|e| StoreError::Config(e.to_string()))?,
                );
            }
            scores.push(per);
        }
        let report = Evaluation {
            lot_id,
            ranking: rank(&criteria, &bids, &scores),
            criteria,
            experts,
            evaluated_at: now,
        };
        let body = serde_json::to_value(&report).map_err(|e| StoreError::Config(e.to_string()))?;
        let mut tx = self.store.pool.begin().await?;
        super::move_lot(
            &mut tx,
            lot_id,
            (LotStatus::Opened, LotStatus::Evaluated),
            None,
            "评标报告已形成",
        )
        .await?;
        sqlx::query(
            "INSERT INTO trading_evaluations (lot_id, report, evaluated_by, evaluated_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(lot_id)
        .bind(body.to_string())
        .bind(by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        append_log(&mut tx, lot_id, "evaluation", &body, None, now).await?;
        tx.commit().await?;
        Ok(report)
    }

    pub async fn evaluation(self, lot_id: i64) -> StoreResult<Option<Evaluation>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT report FROM trading_evaluations WHERE lot_id = $1")
                .bind(lot_id)
                .fetch_optional(&self.store.pool)
                .await?;
        row.map(|(r,)| serde_json::from_str(&r).map_err(|e| StoreError::Config(e.to_string())))
            .transpose()
    }
}

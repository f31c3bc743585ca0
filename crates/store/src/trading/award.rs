//! From the evaluation to the contract: the winning candidates published for at least the law's
//! days (中标候选人公示), objections (质疑) from the lot's registered bidders during it, each
//! answered; then the award to the first-ranked bid, with the notice (中标通知书) in the winner's
//! message centre and the result announced; then the contract, and the savings (budget − award).

use chrono::NaiveDate;
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::ids::AccountId;
use onewindow_domain::trading::periods::CANDIDATE_PUBLICITY;
use onewindow_domain::trading::{AnnouncementKind, LotStatus, MAX_FEN, fen_to_yuan, text};
use serde::{Deserialize, Serialize};

use super::bids::append_log;
use super::{invalid, local_date};
use crate::{StoreError, StoreResult, TradingStore};

/// The most candidates published.
pub const CANDIDATES: usize = 3;

/// A candidate as published.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    pub rank: u32,
    pub bid_id: i64,
    pub company: String,
    pub price_fen: i64,
    pub total: f64,
}

/// The publicity of a lot's candidates.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Publicity {
    pub lot_id: i64,
    pub candidates: Vec<Candidate>,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// An objection and its answer; who objected is not published.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Objection {
    pub id: i64,
    pub lot_id: i64,
    pub objection: String,
    pub answer: Option<String>,
    pub filed_at: i64,
    pub answered_at: Option<i64>,
}

/// The award and, once signed, the contract, with the savings against the lot's budget.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Award {
    pub lot_id: i64,
    pub bid_id: i64,
    pub company: String,
    pub credit_code: String,
    pub amount_fen: i64,
    pub budget_fen: i64,
    /// Budget − award (negative when the award exceeds the budget).
    pub savings_fen: i64,
    pub awarded_at: i64,
    pub contract: Option<Contract>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contract {
    pub amount_fen: i64,
    pub signed_on: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// Who won a lot, by which bid, for how much.
pub(super) struct Winner<'a> {
    pub bid_id: i64,
    pub account: AccountId,
    pub company: &'a str,
    pub credit_code: &'a str,
    pub amount_fen: i64,
}

/// Records an award in the caller's transaction: the award row and the winner's notice (中标通知书
/// or 成交确认书) in their message centre. The caller moves the lot and announces the result.
pub(super) async fn record_award(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    lot_id: i64,
    w: &Winner<'_>,
    (title, body): (&str, &str),
    at: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO trading_awards (lot_id, bid_id, account_id, company, credit_code, amount_fen, awarded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(lot_id)
    .bind(w.bid_id)
    .bind(w.account)
    .bind(w.company)
    .bind(w.credit_code)
    .bind(w.amount_fen)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO notifications (account_id, case_id, title, body, created_at) VALUES ($1, NULL, $2, $3, $4)",
    )
    .bind(w.account)
    .bind(title)
    .bind(body)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl TradingStore<'_> {
    /// Publishes the first candidates of the evaluation for `days` days (at least the law's 3).
    pub async fn publish_candidates(
        self,
        lot_id: i64,
        days: u32,
        cal: &WorkCalendar,
        by: AccountId,
        now: i64,
    ) -> StoreResult<Publicity> {
        let lot = self.lot(lot_id).await?;
        let project = self.project(lot.project_id).await?;
        if lot.status != LotStatus::Evaluated {
            return Err(invalid("lot", "评标报告形成后方可公示中标候选人"));
        }
        let ev = self
            .evaluation(lot_id)
            .await?
            .ok_or(StoreError::NotFound("evaluation"))?;
        if !(1..=30).contains(&days) {
            return Err(invalid("days", "公示期应为 1–30 日"));
        }
        let ends = now + i64::from(days) * 86_400_000;
        CANDIDATE_PUBLICITY
            .check(cal, local_date(now), local_date(ends))
            .map_err(|b| invalid("days", b.0))?;
        let opening = self.opening(lot_id).await?;
        let company = |bid: i64| {
            opening
                .as_ref()
                .and_then(|o| o.company(bid))
                .unwrap_or_default()
                .to_owned()
        };
        let candidates: Vec<Candidate> = ev
            .ranking
            .iter()
            .take(CANDIDATES)
            .map(|r| Candidate {
                rank: r.rank,
                bid_id: r.bid_id,
                company: company(r.bid_id),
                price_fen: r.price_fen,
                total: r.total,
            })
            .collect();
        let mut tx = self.store.pool.begin().await?;
        sqlx::query(
            "INSERT INTO trading_publicity (lot_id, candidates, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(lot_id)
        .bind(serde_json::to_string(&candidates).unwrap_or_default())
        .bind(now)
        .bind(ends)
        .execute(&mut *tx)
        .await
        .map_err(|e| super::unique(e, "lot", "中标候选人已公示"))?;
        let lines: Vec<String> = candidates
            .iter()
            .map(|c| {
                format!(
                    "第{}名：{}，投标报价 {} 元，评分 {:.2}",
                    c.rank,
                    c.company,
                    fen_to_yuan(c.price_fen),
                    c.total
                )
            })
            .collect();
        super::announce(
            &mut tx,
            &project,
            Some(lot_id),
            AnnouncementKind::Candidates,
            &format!("{} {} 中标候选人公示", project.name, lot.name),
            &format!(
                "{}\n公示期 {} 日；投标人对结果有异议的，可在公示期内在线提出质疑。",
                lines.join("\n"),
                days
            ),
            None,
            by,
            now,
        )
        .await?;
        append_log(
            &mut tx,
            lot_id,
            "candidates",
            &serde_json::json!({ "candidates": candidates, "ends_at": ends }),
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Publicity {
            lot_id,
            candidates,
            starts_at: now,
            ends_at: ends,
        })
    }

    pub async fn publicity(self, lot_id: i64) -> StoreResult<Option<Publicity>> {
        let row: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT candidates, starts_at, ends_at FROM trading_publicity WHERE lot_id = $1",
        )
        .bind(lot_id)
        .fetch_optional(&self.store.pool)
        .await?;
        row.map(|(c, starts_at, ends_at)| {
            Ok(Publicity {
                lot_id,
                candidates: serde_json::from_str(&c)
                    .map_err(|e| StoreError::Config(e.to_string()))?,
                starts_at,
                ends_at,
            })
        })
        .transpose()
    }

    /// A registered bidder's objection during the publicity.
    pub async fn object(
        self,
        lot_id: i64,
        account: AccountId,
        objection: &str,
        now: i64,
    ) -> StoreResult<Objection> {
        let p = self
            .publicity(lot_id)
            .await?
            .ok_or_else(|| invalid("lot", "中标候选人尚未公示"))?;
        if now >= p.ends_at {
            return Err(invalid("lot", "公示期已结束，不能再提出质疑"));
        }
        if !self.is_registered(lot_id, account).await? {
            return Err(invalid("lot", "只有本标段的投标人可以提出质疑"));
        }
        let mut e = onewindow_domain::org::FieldErrors::new();
        let o = text(&mut e, "objection", objection, "质疑内容", 5000);
        e.into_result()?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO trading_objections (lot_id, account_id, objection, filed_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(lot_id)
        .bind(account)
        .bind(o)
        .bind(now)
        .fetch_one(&self.store.pool)
        .await?;
        self.objection(id).await
    }

    /// Answers an objection; the objector is told.
    pub async fn answer_objection(self, id: i64, answer: &str, now: i64) -> StoreResult<Objection> {
        let mut e = onewindow_domain::org::FieldErrors::new();
        let a = text(&mut e, "answer", answer, "答复", 5000);
        e.into_result()?;
        let mut tx = self.store.pool.begin().await?;
        let row: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE trading_objections SET answer = $1, answered_at = $2 WHERE id = $3 AND answer IS NULL
             RETURNING account_id, lot_id",
        )
        .bind(&a)
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((account, lot)) = row else {
            return Err(invalid("answer", "该质疑不存在或已答复"));
        };
        sqlx::query(
            "INSERT INTO notifications (account_id, case_id, title, body, created_at) VALUES ($1, NULL, '质疑答复', $2, $3)",
        )
        .bind(account)
        .bind(format!("标段 {lot} 的质疑答复：{a}"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.objection(id).await
    }

    pub async fn objection(self, id: i64) -> StoreResult<Objection> {
        sqlx::query_as("SELECT id, lot_id, objection, answer, filed_at, answered_at FROM trading_objections WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or(StoreError::NotFound("objection"))
    }

    pub async fn objections(self, lot_id: i64) -> StoreResult<Vec<Objection>> {
        Ok(sqlx::query_as(
            "SELECT id, lot_id, objection, answer, filed_at, answered_at FROM trading_objections WHERE lot_id = $1 ORDER BY id",
        )
        .bind(lot_id)
        .fetch_all(&self.store.pool)
        .await?)
    }

    /// Awards the lot to the first candidate once the publicity has ended and every objection
    /// is answered: the notice to the winner, the result announced, the lot awarded.
    pub async fn award(self, lot_id: i64, by: AccountId, now: i64) -> StoreResult<Award> {
        let lot = self.lot(lot_id).await?;
        let project = self.project(lot.project_id).await?;
        let p = self
            .publicity(lot_id)
            .await?
            .ok_or_else(|| invalid("lot", "中标候选人尚未公示"))?;
        if now < p.ends_at {
            return Err(invalid("lot", "公示期未满，不能确定中标人"));
        }
        if self
            .objections(lot_id)
            .await?
            .iter()
            .any(|o| o.answer.is_none())
        {
            return Err(invalid("lot", "尚有质疑未答复，不能确定中标人"));
        }
        let first = p
            .candidates
            .first()
            .ok_or_else(|| invalid("lot", "没有中标候选人"))?;
        let (account, credit_code, company, amount): (AccountId, String, String, Option<i64>) = sqlx::query_as(
            "SELECT account_id, credit_code, company, price_fen FROM trading_bids WHERE id = $1 AND lot_id = $2",
        )
        .bind(first.bid_id)
        .bind(lot_id)
        .fetch_one(&self.store.pool)
        .await?;
        let amount = amount.ok_or(StoreError::NotFound("bid price"))?;
        let mut tx = self.store.pool.begin().await?;
        super::move_lot(
            &mut tx,
            lot_id,
            (LotStatus::Evaluated, LotStatus::Awarded),
            None,
            "该标段已确定中标人",
        )
        .await?;
        let winner = Winner {
            bid_id: first.bid_id,
            account,
            company: &company,
            credit_code: &credit_code,
            amount_fen: amount,
        };
        let notice = format!(
            "{company}：你单位在{}{}中被确定为中标人，中标金额 {} 元。请按招标文件约定签订合同。",
            project.name,
            lot.name,
            fen_to_yuan(amount)
        );
        record_award(&mut tx, lot_id, &winner, ("中标通知书", &notice), now).await?;
        super::announce(
            &mut tx,
            &project,
            Some(lot_id),
            AnnouncementKind::Award,
            &format!("{} {} 中标结果公告", project.name, lot.name),
            &format!(
                "中标人：{company}（{credit_code}）\n中标金额：{} 元",
                fen_to_yuan(amount)
            ),
            None,
            by,
            now,
        )
        .await?;
        append_log(
            &mut tx,
            lot_id,
            "award",
            &serde_json::json!({ "bid_id": first.bid_id, "amount_fen": amount }),
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        self.award_of(lot_id)
            .await?
            .ok_or(StoreError::NotFound("award"))
    }

    /// Records the signed contract of an awarded lot.
    pub async fn record_contract(self, lot_id: i64, c: &Contract, now: i64) -> StoreResult<Award> {
        let mut e = onewindow_domain::org::FieldErrors::new();
        if c.amount_fen <= 0 || c.amount_fen > MAX_FEN {
            e.add("amount", "合同金额应大于 0 且不超过一万亿元");
        }
        let day = |e: &mut onewindow_domain::org::FieldErrors, f: &str, v: &str| {
            v.parse::<NaiveDate>()
                .map_err(|_| e.add(f, "日期格式应为 YYYY-MM-DD"))
                .ok()
        };
        let signed = day(&mut e, "signed_on", &c.signed_on);
        let starts = day(&mut e, "starts_on", &c.starts_on);
        let ends = day(&mut e, "ends_on", &c.ends_on);
        if let (Some(s), Some(b), Some(x)) = (signed, starts, ends)
            && (b < s || x < b)
        {
            e.add("ends_on", "合同期限应在签订之后且结束不早于开始");
        }
        e.into_result()?;
        let mut tx = self.store.pool.begin().await?;
        super::move_lot(
            &mut tx,
            lot_id,
            (LotStatus::Awarded, LotStatus::Contracted),
            None,
            "确定中标人后方可登记合同，且只登记一次",
        )
        .await?;
        sqlx::query(
            "INSERT INTO trading_contracts (lot_id, amount_fen, signed_on, starts_on, ends_on, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(lot_id)
        .bind(c.amount_fen)
        .bind(&c.signed_on)
        .bind(&c.starts_on)
        .bind(&c.ends_on)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        append_log(
            &mut tx,
            lot_id,
            "contract",
            &serde_json::to_value(c).unwrap_or_default(),
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        self.award_of(lot_id)
            .await?
            .ok_or(StoreError::NotFound("award"))
    }

    /// A lot's award, its contract and savings.
    pub async fn award_of(self, lot_id: i64) -> StoreResult<Option<Award>> {
        #[allow(clippy::type_complexity)]
        let row: Option<(i64, String, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT a.bid_id, a.company, a.credit_code, a.amount_fen, a.awarded_at, l.budget_fen
             FROM trading_awards a JOIN trading_lots l ON l.id = a.lot_id WHERE a.lot_id = $1",
        )
        .bind(lot_id)
        .fetch_optional(&self.store.pool)
        .await?;
        let Some((bid_id, company, credit_code, amount_fen, awarded_at, budget_fen)) = row else {
            return Ok(None);
        };
        let contract: Option<(i64, String, String, String)> = sqlx::query_as(
            "SELECT amount_fen, signed_on, starts_on, ends_on FROM trading_contracts WHERE lot_id = $1",
        )
        .bind(lot_id)
        .fetch_optional(&self.store.pool)
        .await?;
        Ok(Some(Award {
            lot_id,
            bid_id,
            company,
            credit_code,
            amount_fen,
            budget_fen,
            savings_fen: budget_fen - amount_fen,
            awarded_at,
            contract: contract.map(|(amount_fen, signed_on, starts_on, ends_on)| Contract {
                amount_fen,
                signed_on,
                starts_on,
                ends_on,
            }),
        }))
    }
}

//! 网上挂牌 in the store: a listed lot's rules (`trading_auctions`), its bids as `trading_bids`
//! rows with status `offered` (public from the start, each appended to the lot's log in the order
//! taken, bidders shown by their 竞买号 until the result), and the settling of the result once
//! the listing or its timed round has ended: the award and the 成交确认书, or 流拍. Where an
//! auction stands is `domain::trading::auction`'s pure function of the rules, bids and time.

use chrono::{DateTime, Utc};
use onewindow_domain::calendar::WorkCalendar;
use onewindow_domain::ids::AccountId;
use onewindow_domain::org::FieldErrors;
use onewindow_domain::trading::auction::{Offer, Outcome, Phase, Rules};
use onewindow_domain::trading::{
    AnnouncementKind, LotStatus, Method, fen_to_yuan, parse_yuan, periods, text,
};
use serde::Serialize;

use super::award::{Winner, record_award};
use super::bids::append_log;
use super::{Announcement, invalid, local_date};
use crate::{StoreError, StoreResult, TradingStore};

/// A listing's publication: the announcement, the documents, the prices (yuan, as text) and the
/// listing's times.
#[derive(Debug, Clone)]
pub struct ListingInput {
    pub title: String,
    pub body: String,
    /// The documents as stored in the blob store: name and SHA-256.
    pub docs: (String, String),
    pub starting_price: String,
    pub increment: String,
    pub reserve_price: Option<String>,
    pub listing_starts_at: DateTime<Utc>,
    pub listing_ends_at: DateTime<Utc>,
    pub round_secs: i64,
}

/// A bid in public order. Who bid is their 竞买号 (their place in the registrations).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferView {
    /// 1 for the first bid taken.
    pub seq: usize,
    pub bidder_no: usize,
    pub amount_fen: i64,
    pub amount: String,
    /// UTC milliseconds.
    pub at: i64,
    /// The bid's entry in the lot's log and its hash.
    pub log_seq: i64,
    pub hash: String,
}

/// An auction as anyone sees it at a moment.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuctionView {
    pub lot_id: i64,
    pub starting_fen: i64,
    pub increment_fen: i64,
    /// 底价: shown once the auction has ended.
    pub reserve_fen: Option<i64>,
    pub listing_starts_at: i64,
    pub listing_ends_at: i64,
    pub round_secs: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub phase: Phase,
    /// The lowest bid that may be made now.
    pub next_minimum_fen: i64,
    pub offers: Vec<OfferView>,
    /// The winner's name once the result is recorded.
    pub winner: Option<String>,
    /// When the view was taken (UTC milliseconds), for the countdown.
    pub now: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct RulesRow {
    #[sqlx(flatten)]
    rules: Rules,
    settled_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct OfferRow {
    id: i64,
    account_id: i64,
    price_fen: i64,
    submitted_at: i64,
    log_seq: i64,
    sealed_hash: String,
}

impl TradingStore<'_> {
    /// Publishes a listing (挂牌出让公告): the announcement at least the law's 20 days before the
    /// listing opens, a listing of at least 10 days, its prices and countdown.
    pub async fn publish_listing(
        self,
        lot_id: i64,
        input: &ListingInput,
        cal: &WorkCalendar,
        by: AccountId,
        now: i64,
    ) -> StoreResult<Announcement> {
        let lot = self.lot(lot_id).await?;
        let project = self.project(lot.project_id).await?;
        if project.method != Method::Auction {
            return Err(invalid("lot", "只有拍卖/挂牌方式的标的可以挂牌出让"));
        }
        if lot.status != LotStatus::Draft {
            return Err(invalid("lot", "该标的已发布"));
        }
        let mut e = FieldErrors::new();
        let title = text(&mut e, "title", &input.title, "公告标题", 200);
        let body = text(&mut e, "body", &input.body, "公告正文", 20_000);
        let starting_fen = parse_yuan(&mut e, "starting_price", &input.starting_price);
        let increment_fen = parse_yuan(&mut e, "increment", &input.increment);
        let reserve_fen = input
            .reserve_price
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .map(|r| parse_yuan(&mut e, "reserve_price", r));
        let rules = Rules {
            starting_fen,
            increment_fen,
            reserve_fen,
            listing_starts_at: input.listing_starts_at.timestamp_millis(),
            listing_ends_at: input.listing_ends_at.timestamp_millis(),
            round_secs: input.round_secs,
        };
        if e.is_empty() {
            for (field, message) in rules.problems() {
                e.add(field, message);
            }
        }
        if let Err(b) = periods::response_period(Method::Auction).check(
            cal,
            local_date(now),
            local_date(rules.listing_starts_at),
        ) {
            e.add("listing_starts_at", b.0);
        }
        e.into_result()?;
        let mut tx = self.store.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE trading_lots SET status = 'published', threshold = 0, docs_name = $1, docs_sha256 = $2,
                 docs_issued_on = $3, bid_deadline = $4, published_at = $5
             WHERE id = $6 AND status = 'draft'",
        )
        .bind(&input.docs.0)
        .bind(&input.docs.1)
        .bind(local_date(now).to_string())
        .bind(rules.listing_ends_at)
        .bind(now)
        .bind(lot_id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(invalid("lot", "该标的已发布"));
        }
        sqlx::query(
            "INSERT INTO trading_auctions (lot_id, starting_fen, increment_fen, reserve_fen,
                 listing_starts_at, listing_ends_at, round_secs) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(lot_id)
        .bind(rules.starting_fen)
        .bind(rules.increment_fen)
        .bind(rules.reserve_fen)
        .bind(rules.listing_starts_at)
        .bind(rules.listing_ends_at)
        .bind(rules.round_secs)
        .execute(&mut *tx)
        .await?;
        let id = super::announce(
            &mut tx,
            &project,
            Some(lot_id),
            AnnouncementKind::Listing,
            &title,
            &body,
            None,
            by,
            now,
        )
        .await?;
        // The reserve price stays out of the log until the result.
        append_log(
            &mut tx,
            lot_id,
            "listing",
            &serde_json::json!({
                "starting_fen": rules.starting_fen,
                "increment_fen": rules.increment_fen,
                "listing_starts_at": rules.listing_starts_at,
                "listing_ends_at": rules.listing_ends_at,
                "round_secs": rules.round_secs,
                "docs_sha256": input.docs.1,
            }),
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        self.announcement(id).await
    }

    async fn rules_row(self, conn: &mut sqlx::AnyConnection, lot_id: i64) -> StoreResult<RulesRow> {
        sqlx::query_as(
            "SELECT starting_fen, increment_fen, reserve_fen, listing_starts_at, listing_ends_at,
                 round_secs, settled_at FROM trading_auctions WHERE lot_id = $1",
        )
        .bind(lot_id)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound("auction"))
    }

    async fn offer_rows(
        self,
        conn: &mut sqlx::AnyConnection,
        lot_id: i64,
    ) -> StoreResult<Vec<OfferRow>> {
        Ok(sqlx::query_as(
            "SELECT id, account_id, price_fen, submitted_at, log_seq, sealed_hash FROM trading_bids
             WHERE lot_id = $1 AND status = 'offered' ORDER BY log_seq",
        )
        .bind(lot_id)
        .fetch_all(conn)
        .await?)
    }

    /// The lot's registered bidders in registration order: a bidder's 竞买号 is their place.
    async fn bidder_numbers(
        self,
        conn: &mut sqlx::AnyConnection,
        lot_id: i64,
    ) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT account_id FROM trading_registrations WHERE lot_id = $1 ORDER BY registered_at, account_id",
        )
        .bind(lot_id)
        .fetch_all(conn)
        .await?;
        Ok(rows.into_iter().map(|(a,)| a).collect())
    }

    /// The auction as it stands at `now`.
    pub async fn auction(self, lot_id: i64, now: i64) -> StoreResult<AuctionView> {
        let mut conn = self.store.pool.acquire().await?;
        let row = self.rules_row(&mut conn, lot_id).await?;
        let offers = self.offer_rows(&mut conn, lot_id).await?;
        let numbers = self.bidder_numbers(&mut conn, lot_id).await?;
        let winner: Option<(String,)> = if row.settled_at.is_some() {
            sqlx::query_as("SELECT company FROM trading_awards WHERE lot_id = $1")
                .bind(lot_id)
                .fetch_optional(&mut *conn)
                .await?
        } else {
            None
        };
        Ok(view(
            lot_id,
            &row,
            &offers,
            &numbers,
            winner.map(|w| w.0),
            now,
        ))
    }

    /// Takes a bid from a registered company: checked against the auction's state at `now` and
    /// recorded, in one transaction that holds the lot, so that two bids cannot both be "the
    /// next". Returns the bid and the auction after it.
    pub async fn offer(
        self,
        lot_id: i64,
        account: AccountId,
        amount: &str,
        now: i64,
    ) -> StoreResult<(OfferView, AuctionView)> {
        let mut e = FieldErrors::new();
        let amount_fen = parse_yuan(&mut e, "amount", amount);
        e.into_result()?;
        let _one_writer = match self.store.backend {
            crate::Backend::Sqlite => Some(self.store.bid_writer.lock().await),
            crate::Backend::Postgres => None,
        };
        let mut tx = self.store.pool.begin().await?;
        // Holding the lot's row orders the bids: the next one waits for this one's commit.
        let held = sqlx::query(
            "UPDATE trading_lots SET log_seq = log_seq WHERE id = $1 AND status = 'published'",
        )
        .bind(lot_id)
        .execute(&mut *tx)
        .await?;
        if held.rows_affected() != 1 {
            return Err(invalid("lot", "该标的不在挂牌竞价中"));
        }
        let reg: Option<(String, String)> = sqlx::query_as(
            "SELECT credit_code, company FROM trading_registrations WHERE lot_id = $1 AND account_id = $2",
        )
        .bind(lot_id)
        .bind(account)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((credit_code, company)) = reg else {
            return Err(invalid("lot", "请先提交竞买申请（报名）后再报价"));
        };
        let row = self.rules_row(&mut tx, lot_id).await?;
        let mut offers = self.offer_rows(&mut tx, lot_id).await?;
        row.rules
            .check(&as_offers(&offers), account.get(), amount_fen, now)
            .map_err(|m| invalid("amount", m))?;
        let numbers = self.bidder_numbers(&mut tx, lot_id).await?;
        let bidder_no = number(&numbers, account.get());
        let (log_seq, hash, _) = append_log(
            &mut tx,
            lot_id,
            "offer",
            &serde_json::json!({ "bidder_no": bidder_no, "amount_fen": amount_fen, "at": now }),
            None,
            now,
        )
        .await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO trading_bids (lot_id, account_id, credit_code, company, status, header, files,
                 sealed_hash, log_seq, submitted_at, price_fen)
             VALUES ($1, $2, $3, $4, 'offered', '', '[]', $5, $6, $7, $8) RETURNING id",
        )
        .bind(lot_id)
        .bind(account)
        .bind(&credit_code)
        .bind(&company)
        .bind(&hash)
        .bind(log_seq)
        .bind(now)
        .bind(amount_fen)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        // The auction after this bid, from what the transaction read and wrote: the live feed
        // and the bidder get it without reading it all again.
        offers.push(OfferRow {
            id,
            account_id: account.get(),
            price_fen: amount_fen,
            submitted_at: now,
            log_seq,
            sealed_hash: hash,
        });
        let view = view(lot_id, &row, &offers, &numbers, None, now);
        let offer = view
            .offers
            .last()
            .cloned()
            .ok_or(StoreError::NotFound("bid"))?;
        Ok((offer, view))
    }

    /// Listed lots whose listing has ended and whose result is not yet recorded.
    pub async fn unsettled_auctions(self, now: i64) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT lot_id FROM trading_auctions WHERE settled_at IS NULL AND listing_ends_at <= $1
             ORDER BY lot_id",
        )
        .bind(now)
        .fetch_all(&self.store.pool)
        .await?;
        Ok(rows.into_iter().map(|(l,)| l).collect())
    }

    /// Records the result of an auction that has ended by `now`: the award to the highest bid
    /// at or above the reserve (the lot awarded, the winner sent the 成交确认书, the result
    /// announced), or 流拍. Returns the auction when this call recorded it, `None` when it has
    /// not ended or was recorded before.
    pub async fn settle_auction(self, lot_id: i64, now: i64) -> StoreResult<Option<AuctionView>> {
        let before = self.auction(lot_id, now).await?;
        let Phase::Ended { at, outcome } = before.phase else {
            return Ok(None);
        };
        if before.winner.is_some() {
            return Ok(None);
        }
        let lot = self.lot(lot_id).await?;
        let project = self.project(lot.project_id).await?;
        let (by,): (AccountId,) =
            sqlx::query_as("SELECT created_by FROM trading_projects WHERE id = $1")
                .bind(project.id)
                .fetch_one(&self.store.pool)
                .await?;
        let mut tx = self.store.pool.begin().await?;
        let claimed = sqlx::query(
            "UPDATE trading_auctions SET settled_at = $1 WHERE lot_id = $2 AND settled_at IS NULL",
        )
        .bind(now)
        .bind(lot_id)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            return Ok(None);
        }
        let name = format!("{} {}", project.name, lot.name);
        match outcome {
            Outcome::Won { bidder, amount_fen } => {
                let offers = self.offer_rows(&mut tx, lot_id).await?;
                let bid = offers
                    .iter()
                    .filter(|o| o.account_id == bidder && o.price_fen == amount_fen)
                    .map(|o| o.id)
                    .next()
                    .ok_or(StoreError::NotFound("winning bid"))?;
                let (code, company): (String, String) =
                    sqlx::query_as("SELECT credit_code, company FROM trading_bids WHERE id = $1")
                        .bind(bid)
                        .fetch_one(&mut *tx)
                        .await?;
                super::move_lot(
                    &mut tx,
                    lot_id,
                    (LotStatus::Published, LotStatus::Awarded),
                    Some(at),
                    "该标的已有结果",
                )
                .await?;
                let notice = format!(
                    "{company}：你单位以 {} 元竞得{name}。请按出让文件约定签订成交确认书和出让合同。",
                    fen_to_yuan(amount_fen)
                );
                let winner = Winner {
                    bid_id: bid,
                    account: AccountId(bidder),
                    company: &company,
                    credit_code: &code,
                    amount_fen,
                };
                record_award(&mut tx, lot_id, &winner, ("成交确认书", &notice), at).await?;
                super::announce(
                    &mut tx,
                    &project,
                    Some(lot_id),
                    AnnouncementKind::ListingResult,
                    &format!("{name} 挂牌出让结果公告"),
                    &format!(
                        "竞得人：{company}（{code}）\n成交价：{} 元\n报价 {} 次，竞价于 {} 结束。",
                        fen_to_yuan(amount_fen),
                        offers.len(),
                        crate::local(at).format("%Y-%m-%d %H:%M:%S")
                    ),
                    None,
                    by,
                    now,
                )
                .await?;
            }
            Outcome::NoBids | Outcome::BelowReserve => {
                super::move_lot(
                    &mut tx,
                    lot_id,
                    (LotStatus::Published, LotStatus::Failed),
                    Some(at),
                    "该标的已有结果",
                )
                .await?;
                let why = if outcome == Outcome::NoBids {
                    "挂牌期间无人报价".to_string()
                } else {
                    format!(
                        "最高报价未达到底价 {} 元",
                        fen_to_yuan(before.reserve_fen.unwrap_or_default())
                    )
                };
                super::announce(
                    &mut tx,
                    &project,
                    Some(lot_id),
                    AnnouncementKind::Failed,
                    &format!("{name} 流拍公告"),
                    &format!("{why}，本次挂牌出让不成交。"),
                    None,
                    by,
                    now,
                )
                .await?;
            }
        }
        append_log(
            &mut tx,
            lot_id,
            "auction_result",
            &serde_json::json!({ "ended_at": at, "outcome": outcome, "reserve_fen": before.reserve_fen }),
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(self.auction(lot_id, now).await?))
    }
}

fn as_offers(rows: &[OfferRow]) -> Vec<Offer> {
    rows.iter()
        .map(|o| Offer {
            bidder: o.account_id,
            amount_fen: o.price_fen,
            at: o.submitted_at,
        })
        .collect()
}

fn number(numbers: &[i64], account: i64) -> usize {
    numbers
        .iter()
        .position(|a| *a == account)
        .map_or(0, |i| i + 1)
}

fn view(
    lot_id: i64,
    row: &RulesRow,
    offers: &[OfferRow],
    numbers: &[i64],
    winner: Option<String>,
    now: i64,
) -> AuctionView {
    let rules = row.rules;
    let plain = as_offers(offers);
    let phase = rules.phase(&plain, now);
    let ended = matches!(phase, Phase::Ended { .. });
    AuctionView {
        lot_id,
        starting_fen: rules.starting_fen,
        increment_fen: rules.increment_fen,
        reserve_fen: if ended { rules.reserve_fen } else { None },
        listing_starts_at: rules.listing_starts_at,
        listing_ends_at: rules.listing_ends_at,
        round_secs: rules.round_secs,
        phase,
        next_minimum_fen: rules.next_minimum(&plain),
        offers: offers
            .iter()
            .enumerate()
            .map(|(i, o)| OfferView {
                seq: i + 1,
                bidder_no: number(numbers, o.account_id),
                amount_fen: o.price_fen,
                amount: fen_to_yuan(o.price_fen),
                at: o.submitted_at,
                log_seq: o.log_seq,
                hash: o.sealed_hash.clone(),
            })
            .collect(),
        winner,
        now,
    }
}
